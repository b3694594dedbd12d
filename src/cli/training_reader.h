// Streaming readers of training data files (CSV with a header line, or JSON Lines), one row
// at a time, so that `skewgate baseline` never holds a whole file in memory. The pure
// baseline builder (src/skew) consumes what these produce; all file I/O stays in the CLI.
//
//   SG_ASSIGN_OR_RETURN(auto reader, OpenTrainingFile("train.csv", ""));
//   std::vector<FieldValue> row; while (*reader->Next(row)) { ... }
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace skewgate::cli {

struct FieldValue {
  enum class Kind { kMissing, kText, kNumber };
  Kind kind = Kind::kMissing;
  // kText: the unescaped field text. kNumber (JSON numbers): the number and its JSON text
  // ("3", "2.5"), used when the column turns out to be categorical. Valid until Next().
  std::string_view text;
  double number = 0;
};

class TrainingReader {
 public:
  virtual ~TrainingReader() = default;

  // Column names, in file order (CSV header; JSONL keys in order of first appearance in
  // the first rows). Unique.
  virtual const std::vector<std::string>& columns() const = 0;

  // Fills `row` with one value per column and returns true, or returns false at the end of
  // the input. Errors (ragged rows, bad quoting, invalid JSON) name the file and line and
  // end the read; calling Next again after an error is not supported.
  virtual StatusOr<bool> Next(std::vector<FieldValue>& row) = 0;

  // Line where the row last returned by Next starts (1-based), for error messages.
  virtual uint64_t line() const = 0;
  // Bytes consumed so far, for progress.
  virtual uint64_t bytes_read() const = 0;
  // Handled oddities, reported at the end: blank lines skipped, JSONL keys outside the
  // columns, and so on. Empty when there were none.
  virtual std::vector<std::string> Notes() const = 0;
};

// Opens `path` as CSV or JSONL. `format` is "csv", "jsonl" or "" (from the extension:
// .jsonl/.ndjson/.json are JSON Lines, anything else CSV). Reads the header (CSV) or the
// first `jsonl_probe_rows` rows (JSONL, to learn the keys).
StatusOr<std::unique_ptr<TrainingReader>> OpenTrainingFile(const std::string& path,
                                                           std::string_view format,
                                                           size_t jsonl_probe_rows = 1000);

// The same on text already in memory (tests); `name` stands in for the file name.
StatusOr<std::unique_ptr<TrainingReader>> OpenTrainingText(std::string text, std::string name,
                                                           std::string_view format,
                                                           size_t jsonl_probe_rows = 1000);

}  // namespace skewgate::cli
