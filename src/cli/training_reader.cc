#include "cli/training_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "skew/binning.h"

namespace skewgate::cli {

namespace {

// Where bytes come from: a file read in blocks, or a string (tests).
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Appends up to `max` bytes to `out`; returns how many (0 at the end).
  virtual StatusOr<size_t> Read(std::string& out, size_t max) = 0;
};

class FileSource final : public ByteSource {
 public:
  FileSource(std::FILE* f, std::string name) : f_(f), name_(std::move(name)) {}
  ~FileSource() override { std::fclose(f_); }
  StatusOr<size_t> Read(std::string& out, size_t max) override {
    const size_t old = out.size();
    out.resize(old + max);
    const size_t n = std::fread(out.data() + old, 1, max, f_);
    out.resize(old + n);
    if (n == 0 && std::ferror(f_)) {
      return UnavailableError(name_ + ": read failed: " + std::strerror(errno));
    }
    return n;
  }

 private:
  std::FILE* f_;
  std::string name_;
};

class StringSource final : public ByteSource {
 public:
  explicit StringSource(std::string text) : text_(std::move(text)) {}
  StatusOr<size_t> Read(std::string& out, size_t max) override {
    const size_t n = std::min(max, text_.size() - pos_);
    out.append(text_, pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string text_;
  size_t pos_ = 0;
};

constexpr size_t kBlock = 1 << 20;
constexpr size_t kMaxRecord = 64u << 20;

// RFC 4180 CSV: a header line, comma separators, fields optionally in double quotes with
// "" for a quote; quoted fields may hold commas and newlines. LF or CRLF line ends. Blank
// lines are skipped and counted. A UTF-8 byte order mark is ignored.
class CsvReader final : public TrainingReader {
 public:
  CsvReader(std::unique_ptr<ByteSource> src, std::string name)
      : src_(std::move(src)), name_(std::move(name)) {}

  Status Init() {
    SG_RETURN_IF_ERROR(Fill());
    if (buf_.compare(0, 3, "\xEF\xBB\xBF") == 0) pos_ = 3;
    std::vector<FieldValue> header;
    SG_ASSIGN_OR_RETURN(bool got, ReadRecord(header));
    if (!got) return InvalidArgumentError(name_ + ": empty file: expected a header line");
    std::map<std::string, size_t> seen;
    for (size_t i = 0; i < header.size(); ++i) {
      std::string n(header[i].text);
      if (n.empty()) {
        return InvalidArgumentError(name_ + " line 1 column " + std::to_string(i + 1) +
                                    ": empty column name in the header");
      }
      auto [it, fresh] = seen.emplace(n, i);
      if (!fresh) {
        return InvalidArgumentError(name_ + " line 1: duplicate column name '" + n + "' (columns " +
                                    std::to_string(it->second + 1) + " and " +
                                    std::to_string(i + 1) + ")");
      }
      columns_.push_back(std::move(n));
    }
    return OkStatus();
  }

  const std::vector<std::string>& columns() const override { return columns_; }
  uint64_t line() const override { return record_line_; }
  uint64_t bytes_read() const override { return consumed_ + pos_; }
  std::vector<std::string> Notes() const override {
    std::vector<std::string> n;
    if (blank_lines_ > 0) n.push_back(std::to_string(blank_lines_) + " blank line(s) skipped");
    return n;
  }

  StatusOr<bool> Next(std::vector<FieldValue>& row) override {
    while (true) {
      SG_ASSIGN_OR_RETURN(bool got, ReadRecord(row));
      if (!got) return false;
      if (row.size() == 1 && row[0].kind == FieldValue::Kind::kMissing && !last_quoted_ &&
          columns_.size() > 1) {
        ++blank_lines_;
        continue;
      }
      if (row.size() != columns_.size()) {
        return InvalidArgumentError(name_ + " line " + std::to_string(record_line_) + ": " +
                                    std::to_string(row.size()) + " fields, the header has " +
                                    std::to_string(columns_.size()) + " (ragged row)");
      }
      return true;
    }
  }

 private:
  struct Span {
    bool quoted;
    size_t start, len;  // into buf_ (unquoted) or scratch_[index] (quoted)
  };

  Status Fill() {
    if (eof_) return OkStatus();
    if (pos_ > 0) {
      consumed_ += pos_;
      buf_.erase(0, pos_);
      pos_ = 0;
    }
    SG_ASSIGN_OR_RETURN(size_t n, src_->Read(buf_, kBlock));
    if (n == 0) eof_ = true;
    return OkStatus();
  }

  // Parses one record at pos_. Returns 1 done, 0 need more bytes, -1 error (in *err).
  int Parse(Status* err) {
    spans_.clear();
    size_t i = pos_;
    const size_t n = buf_.size();
    const char* b = buf_.data();
    last_quoted_ = false;
    while (true) {
      const size_t field_start = i;
      if (i < n && b[i] == '"') {
        last_quoted_ = true;
        const size_t idx = spans_.size();
        if (scratch_.size() <= idx) scratch_.resize(idx + 1);
        std::string& s = scratch_[idx];
        s.clear();
        ++i;
        while (true) {
          const void* q = std::memchr(b + i, '"', n - i);
          if (q == nullptr) {
            if (!eof_) return 0;
            *err = InvalidArgumentError(name_ + " line " + std::to_string(line_) +
                                        ": a quoted field is never closed (missing \")");
            return -1;
          }
          const size_t qi = static_cast<const char*>(q) - b;
          s.append(b + i, qi - i);
          if (qi + 1 >= n && !eof_) return 0;
          if (qi + 1 < n && b[qi + 1] == '"') {
            s.push_back('"');
            i = qi + 2;
            continue;
          }
          i = qi + 1;
          break;
        }
        if (i < n && b[i] != ',' && b[i] != '\n' && b[i] != '\r') {
          *err = InvalidArgumentError(name_ + " line " + std::to_string(line_) + " column " +
                                      std::to_string(spans_.size() + 1) +
                                      ": unexpected text after a closing quote");
          return -1;
        }
        spans_.push_back({true, idx, s.size()});
      } else {
        while (i < n && b[i] != ',' && b[i] != '\n') ++i;
        if (i == n && !eof_) return 0;
        size_t end = i;
        if (end > field_start && b[end - 1] == '\r' && (end == n || b[end] == '\n')) --end;
        spans_.push_back({false, field_start, end - field_start});
      }
      if (i < n && b[i] == '\r') {
        if (i + 1 >= n && !eof_) return 0;
        ++i;  // CR of CRLF after a quoted field
      }
      if (i < n && b[i] == ',') {
        ++i;
        continue;
      }
      if (i < n && b[i] == '\n') ++i;
      break;
    }
    record_line_ = line_;
    line_ += std::count(b + pos_, b + i, '\n');
    pos_ = i;
    return 1;
  }

  StatusOr<bool> ReadRecord(std::vector<FieldValue>& row) {
    while (true) {
      if (pos_ >= buf_.size()) {
        SG_RETURN_IF_ERROR(Fill());
        if (pos_ >= buf_.size() && eof_) return false;
      }
      Status err;
      const int r = Parse(&err);
      if (r < 0) return err;
      if (r == 1) break;
      if (buf_.size() - pos_ > kMaxRecord) {
        return InvalidArgumentError(name_ + " line " + std::to_string(line_) +
                                    ": a record longer than 64 MiB (an unbalanced quote?)");
      }
      SG_RETURN_IF_ERROR(Fill());
    }
    row.resize(spans_.size());
    for (size_t k = 0; k < spans_.size(); ++k) {
      const Span& s = spans_[k];
      std::string_view text = s.quoted ? std::string_view(scratch_[s.start])
                                       : std::string_view(buf_).substr(s.start, s.len);
      // An empty unquoted field is missing; "" (quoted empty) is an empty label.
      row[k].kind =
          (text.empty() && !s.quoted) ? FieldValue::Kind::kMissing : FieldValue::Kind::kText;
      row[k].text = text;
    }
    return true;
  }

  std::unique_ptr<ByteSource> src_;
  std::string name_;
  std::string buf_;
  size_t pos_ = 0;
  uint64_t consumed_ = 0;
  bool eof_ = false;
  uint64_t line_ = 1, record_line_ = 1;
  std::vector<Span> spans_;
  std::vector<std::string> scratch_;
  bool last_quoted_ = false;
  uint64_t blank_lines_ = 0;
  std::vector<std::string> columns_;
};

// JSON Lines: one JSON object per line; scalar values only. Keys are learned from the
// first rows; later keys outside them are counted and reported, not silently dropped.
class JsonlReader final : public TrainingReader {
 public:
  JsonlReader(std::unique_ptr<ByteSource> src, std::string name)
      : src_(std::move(src)), name_(std::move(name)) {}

  Status Init(size_t probe_rows) {
    std::map<std::string, size_t, std::less<>> seen;
    while (probed_.size() < probe_rows) {
      SG_ASSIGN_OR_RETURN(bool got, ReadObject());
      if (!got) break;
      for (const auto& [k, v] : current_.items()) {
        if (seen.emplace(k, columns_.size()).second) columns_.push_back(k);
      }
      probed_.push_back({std::move(current_), record_line_});
    }
    if (probed_.empty()) {
      return InvalidArgumentError(name_ + ": empty file: expected JSON objects, one per line");
    }
    index_ = std::move(seen);
    return OkStatus();
  }

  const std::vector<std::string>& columns() const override { return columns_; }
  uint64_t line() const override { return record_line_; }
  uint64_t bytes_read() const override { return consumed_; }
  std::vector<std::string> Notes() const override {
    std::vector<std::string> n;
    if (blank_lines_ > 0) n.push_back(std::to_string(blank_lines_) + " blank line(s) skipped");
    for (const auto& [k, c] : unknown_keys_) {
      n.push_back("key '" + k + "' appeared in " + std::to_string(c) +
                  " row(s) after the first rows that defined the columns; not measured");
    }
    return n;
  }

  StatusOr<bool> Next(std::vector<FieldValue>& row) override {
    if (next_probed_ < probed_.size()) {
      current_ = std::move(probed_[next_probed_].first);
      record_line_ = probed_[next_probed_].second;
      ++next_probed_;
      if (next_probed_ == probed_.size()) probed_.clear();
    } else {
      SG_ASSIGN_OR_RETURN(bool got, ReadObject());
      if (!got) return false;
    }
    row.assign(columns_.size(), FieldValue{});
    texts_.resize(columns_.size());
    for (const auto& [k, v] : current_.items()) {
      auto it = index_.find(k);
      if (it == index_.end()) {
        ++unknown_keys_[k];
        continue;
      }
      const size_t c = it->second;
      FieldValue& f = row[c];
      if (v.is_null()) continue;
      if (v.is_number()) {
        f.kind = FieldValue::Kind::kNumber;
        f.number = v.get<double>();
        texts_[c] = skew::NumberToLabel(f.number);
        f.text = texts_[c];
      } else if (v.is_string()) {
        f.kind = FieldValue::Kind::kText;
        f.text = v.get_ref<const std::string&>();
      } else if (v.is_boolean()) {
        f.kind = FieldValue::Kind::kText;
        f.text = v.get<bool>() ? "true" : "false";
      } else {
        return InvalidArgumentError(name_ + " line " + std::to_string(record_line_) + ": key '" +
                                    k + "' holds " + v.type_name() +
                                    "; only numbers, strings, booleans and null are supported");
      }
    }
    return true;
  }

 private:
  // Reads the next non-blank line into current_.
  StatusOr<bool> ReadObject() {
    while (true) {
      size_t nl;
      while ((nl = buf_.find('\n', pos_)) == std::string::npos && !eof_) {
        if (pos_ > 0) {
          buf_.erase(0, pos_);
          pos_ = 0;
        }
        SG_ASSIGN_OR_RETURN(size_t n, src_->Read(buf_, kBlock));
        if (n == 0) eof_ = true;
        if (buf_.size() > kMaxRecord) {
          return InvalidArgumentError(name_ + " line " + std::to_string(line_) +
                                      ": a line longer than 64 MiB");
        }
      }
      if (pos_ >= buf_.size()) return false;
      const size_t end = nl == std::string::npos ? buf_.size() : nl;
      std::string_view text(buf_.data() + pos_, end - pos_);
      consumed_ += end - pos_ + (nl == std::string::npos ? 0 : 1);
      pos_ = nl == std::string::npos ? buf_.size() : nl + 1;
      record_line_ = line_++;
      while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
      if (text.find_first_not_of(" \t") == std::string_view::npos) {
        ++blank_lines_;
        continue;
      }
      try {
        current_ = nlohmann::json::parse(text.begin(), text.end());
      } catch (const nlohmann::json::parse_error& e) {
        return InvalidArgumentError(name_ + " line " + std::to_string(record_line_) + " column " +
                                    std::to_string(e.byte) + ": invalid JSON (" + e.what() + ")");
      }
      if (!current_.is_object()) {
        return InvalidArgumentError(name_ + " line " + std::to_string(record_line_) +
                                    ": expected a JSON object, got " + current_.type_name());
      }
      return true;
    }
  }

  std::unique_ptr<ByteSource> src_;
  std::string name_;
  std::string buf_;
  size_t pos_ = 0;
  bool eof_ = false;
  uint64_t consumed_ = 0, line_ = 1, record_line_ = 0, blank_lines_ = 0;
  nlohmann::json current_;
  std::vector<std::pair<nlohmann::json, uint64_t>> probed_;
  size_t next_probed_ = 0;
  std::vector<std::string> columns_;
  std::map<std::string, size_t, std::less<>> index_;
  std::vector<std::string> texts_;
  std::map<std::string, uint64_t> unknown_keys_;
};

bool IsJsonl(const std::string& name, std::string_view format) {
  if (!format.empty()) return format == "jsonl";
  for (const char* ext : {".jsonl", ".ndjson", ".json"}) {
    const std::string e(ext);
    if (name.size() >= e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0) {
      return true;
    }
  }
  return false;
}

StatusOr<std::unique_ptr<TrainingReader>> Open(std::unique_ptr<ByteSource> src,
                                               const std::string& name, std::string_view format,
                                               size_t probe_rows) {
  if (!format.empty() && format != "csv" && format != "jsonl") {
    return InvalidArgumentError("format '" + std::string(format) + "': use csv or jsonl");
  }
  if (IsJsonl(name, format)) {
    auto r = std::make_unique<JsonlReader>(std::move(src), name);
    SG_RETURN_IF_ERROR(r->Init(std::max<size_t>(probe_rows, 1)));
    return std::unique_ptr<TrainingReader>(std::move(r));
  }
  auto r = std::make_unique<CsvReader>(std::move(src), name);
  SG_RETURN_IF_ERROR(r->Init());
  return std::unique_ptr<TrainingReader>(std::move(r));
}

}  // namespace

StatusOr<std::unique_ptr<TrainingReader>> OpenTrainingFile(const std::string& path,
                                                           std::string_view format,
                                                           size_t jsonl_probe_rows) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return NotFoundError(path + ": cannot open: " + std::strerror(errno));
  }
  return Open(std::make_unique<FileSource>(f, path), path, format, jsonl_probe_rows);
}

StatusOr<std::unique_ptr<TrainingReader>> OpenTrainingText(std::string text, std::string name,
                                                           std::string_view format,
                                                           size_t jsonl_probe_rows) {
  return Open(std::make_unique<StringSource>(std::move(text)), name, format, jsonl_probe_rows);
}

}  // namespace skewgate::cli
