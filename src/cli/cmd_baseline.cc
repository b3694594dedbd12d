// skewgate baseline: training data (CSV or JSONL) -> baseline JSON. Streams the input; a
// file larger than --memory-limit spills sorted runs to temp files (exact quantiles).
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "cli/file_run_store_impl.h"
#include "cli/training_reader.h"
#include "common/flags.h"
#include "skew/baseline.h"
#include "skew/binning.h"
#include "skew/builder.h"

namespace skewgate::cli {

namespace {

using skew::FeatureKind;
using skew::FeatureRole;

StatusOr<uint64_t> ParseByteSize(const std::string& flag, const std::string& text) {
  uint64_t mult = 1;
  std::string num = text;
  if (!num.empty()) {
    switch (std::toupper(static_cast<unsigned char>(num.back()))) {
      case 'K': mult = 1ull << 10; break;
      case 'M': mult = 1ull << 20; break;
      case 'G': mult = 1ull << 30; break;
      default: break;
    }
    if (mult != 1) num.pop_back();
  }
  char* end = nullptr;
  const unsigned long long v = std::strtoull(num.c_str(), &end, 10);
  if (num.empty() || end == nullptr || *end != '\0' || v == 0) {
    return InvalidArgumentError("--" + flag + ": '" + text + "' is not a size like 512M or 2G");
  }
  return static_cast<uint64_t>(v) * mult;
}

std::string Human(double v) {
  char buf[32];
  if (v >= 1e9) {
    std::snprintf(buf, sizeof(buf), "%.1f G", v / 1e9);
  } else if (v >= 1e6) {
    std::snprintf(buf, sizeof(buf), "%.1f M", v / 1e6);
  } else if (v >= 1e4) {
    std::snprintf(buf, sizeof(buf), "%.1f k", v / 1e3);
  } else {
    std::snprintf(buf, sizeof(buf), "%.0f", v);
  }
  return buf;
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

// A row kept from the inference window (the reader's views are only valid until Next).
struct OwnedField {
  FieldValue::Kind kind;
  std::string text;
  double number;
};

bool LooksNumeric(const OwnedField& f) {
  if (f.kind == FieldValue::Kind::kNumber) return true;
  double v;
  return skew::ParseNumber(f.text, &v);
}

Status CheckNamed(const std::vector<std::string>& names, const std::set<std::string>& columns,
                  const std::string& flag, const std::string& file) {
  for (const auto& n : names) {
    if (!columns.count(n)) {
      std::string all;
      for (const auto& c : columns) all += (all.empty() ? "" : ", ") + c;
      return InvalidArgumentError("--" + flag + ": " + file + " has no column '" + n +
                                  "' (columns: " + all + ")");
    }
  }
  return OkStatus();
}

struct Plan {
  std::vector<int> builder_index;  // per file column, -1 when ignored
  std::vector<skew::ColumnSpec> specs;
  std::vector<bool> inferred;  // per spec
};

int Fail(const Status& s) {
  std::cerr << "error: " << s.message() << "\n";
  return 1;
}

}  // namespace

int RunBaseline(const std::vector<std::string>& args) {
  FlagSet f("skewgate baseline --input train.csv --output baseline.json [flags]",
            "Build a training baseline (bins and counts per feature) from training data.\n"
            "Column types are inferred from the first rows unless declared; empty CSV fields\n"
            "and JSON null are missing values; NaN and +-inf are counted in their own buckets.");
  f.String("input", "", "training data: .csv (with a header line) or .jsonl").Required().Short("i");
  f.String("output", "", "where to write the baseline JSON ('-' for stdout)").Required().Short("o");
  f.String("format", "", "csv or jsonl (default: from the file extension)");
  f.String("categorical", "", "comma-separated columns to treat as categorical");
  f.String("numeric", "", "comma-separated columns to treat as numeric");
  f.String("ignore", "", "comma-separated columns to leave out (ids, timestamps)");
  f.String("output-column", "", "comma-separated model output columns (predictions, labels)");
  f.String("bins", "20", "value bins per numeric feature (1..1000)");
  f.String("strategy", "equalProbability", "numeric binning: equalProbability or equalWidth");
  f.String("top-k", "1000", "labels kept per categorical feature (1..1000)");
  f.String("infer-rows", "1000", "rows used to infer column types");
  f.String("memory-limit", "256M", "memory for buffered values before spilling to disk");
  f.String("temp-dir", "", "directory for spill files (default: $TMPDIR or /tmp)");
  f.Bool("quiet", false, "no progress or summary on stderr");
  if (auto exit = ParseFlags(f, args)) return *exit;
  const bool quiet = f.GetBool("quiet");
  const std::string input = f.Get("input");

  skew::BuilderOptions opts;
  auto bins = f.GetInt("bins");
  auto top_k = f.GetInt("top-k");
  auto infer = f.GetInt("infer-rows");
  if (!bins.ok()) return Fail(bins.status());
  if (!top_k.ok()) return Fail(top_k.status());
  if (!infer.ok() || *infer < 1) {
    return Fail(InvalidArgumentError("--infer-rows: must be a positive integer"));
  }
  opts.bins = static_cast<int>(std::clamp<long long>(*bins, -1, 100000));
  opts.top_k = static_cast<int>(std::clamp<long long>(*top_k, -1, 100000));
  if (f.Get("strategy") == "equalWidth") {
    opts.strategy = skew::BinStrategy::kEqualWidth;
  } else if (f.Get("strategy") != "equalProbability") {
    return Fail(InvalidArgumentError("--strategy: '" + f.Get("strategy") +
                                     "' is not equalProbability or equalWidth"));
  }
  auto mem = ParseByteSize("memory-limit", f.Get("memory-limit"));
  if (!mem.ok()) return Fail(mem.status());
  opts.memory_budget_bytes = *mem;
  if (Status s = skew::ValidateBuilderOptions(opts); !s.ok()) return Fail(s);

  auto opened = OpenTrainingFile(input, f.Get("format"), static_cast<size_t>(*infer));
  if (!opened.ok()) return Fail(opened.status());
  TrainingReader& reader = **opened;
  const auto& columns = reader.columns();
  const std::set<std::string> column_set(columns.begin(), columns.end());

  const auto cat = f.GetList("categorical"), num = f.GetList("numeric"), ign = f.GetList("ignore"),
             outs = f.GetList("output-column");
  for (const auto& [list, flag] : {std::pair{&cat, "categorical"}, std::pair{&num, "numeric"},
                                   std::pair{&ign, "ignore"}, std::pair{&outs, "output-column"}}) {
    if (Status s = CheckNamed(*list, column_set, flag, input); !s.ok()) return Fail(s);
  }
  const std::set<std::string> cat_set(cat.begin(), cat.end()), num_set(num.begin(), num.end()),
      ign_set(ign.begin(), ign.end()), out_set(outs.begin(), outs.end());
  for (const auto& c : cat_set) {
    if (num_set.count(c)) {
      return Fail(InvalidArgumentError("column '" + c + "' is both --categorical and --numeric"));
    }
  }

  // Read the inference window and keep it to feed the builder afterwards.
  std::vector<std::vector<OwnedField>> window;
  std::vector<uint64_t> window_lines;
  std::vector<FieldValue> row;
  bool more = true;
  while (window.size() < static_cast<size_t>(*infer)) {
    auto got = reader.Next(row);
    if (!got.ok()) return Fail(got.status());
    if (!*got) {
      more = false;
      break;
    }
    std::vector<OwnedField> owned(row.size());
    for (size_t i = 0; i < row.size(); ++i) {
      owned[i] = {row[i].kind, std::string(row[i].text), row[i].number};
    }
    window.push_back(std::move(owned));
    window_lines.push_back(reader.line());
  }
  if (window.empty()) {
    return Fail(InvalidArgumentError(input + ": no data rows after the header"));
  }

  Plan plan;
  plan.builder_index.assign(columns.size(), -1);
  for (size_t c = 0; c < columns.size(); ++c) {
    const std::string& name = columns[c];
    if (ign_set.count(name)) continue;
    skew::ColumnSpec spec{name, FeatureKind::kNumeric,
                          out_set.count(name) ? FeatureRole::kOutput : FeatureRole::kInput};
    bool inferred = false;
    if (cat_set.count(name)) {
      spec.kind = FeatureKind::kCategorical;
    } else if (!num_set.count(name)) {
      inferred = true;
      for (const auto& r : window) {
        if (r[c].kind != FieldValue::Kind::kMissing && !LooksNumeric(r[c])) {
          spec.kind = FeatureKind::kCategorical;
          break;
        }
      }
    }
    plan.builder_index[c] = static_cast<int>(plan.specs.size());
    plan.specs.push_back(spec);
    plan.inferred.push_back(inferred);
  }
  if (plan.specs.empty()) return Fail(InvalidArgumentError("every column is ignored"));
  if (!quiet) {
    std::cerr << "column types (inferred from the first " << window.size()
              << " rows unless declared; override with --categorical / --numeric):\n";
    for (size_t i = 0; i < plan.specs.size(); ++i) {
      const auto& s = plan.specs[i];
      std::cerr << "  " << s.name << ": " << skew::FeatureKindName(s.kind)
                << (s.role == FeatureRole::kOutput ? ", model output" : "")
                << (plan.inferred[i] ? " (inferred)" : " (declared)") << "\n";
    }
    for (const auto& c : ign_set) std::cerr << "  " << c << ": ignored\n";
  }

  std::string temp_dir = f.Get("temp-dir");
  if (temp_dir.empty()) {
    const char* t = std::getenv("TMPDIR");
    temp_dir = (t && *t) ? t : "/tmp";
  }
  FileRunStoreImpl spill(temp_dir);
  skew::BaselineBuilder builder(plan.specs, opts, &spill);

  struct stat st {};
  const uint64_t file_size = ::stat(input.c_str(), &st) == 0 ? st.st_size : 0;
  const bool show_progress = !quiet && file_size > (64u << 20);
  uint64_t next_progress = file_size / 10;

  // Feeds one row; a value that does not fit its column's type is an error naming it.
  auto feed = [&](auto& fields, uint64_t line) -> Status {
    for (size_t c = 0; c < columns.size(); ++c) {
      const int b = plan.builder_index[c];
      if (b < 0) continue;
      const auto& v = fields[c];
      if (v.kind == FieldValue::Kind::kMissing) {
        builder.AddMissing(b);
      } else if (plan.specs[b].kind == FeatureKind::kNumeric) {
        double d = v.number;
        if (v.kind == FieldValue::Kind::kText && !skew::ParseNumber(v.text, &d)) {
          return InvalidArgumentError(
              input + " line " + std::to_string(line) + " column " + std::to_string(c + 1) + " (" +
              columns[c] + "): not a number, but the column is numeric" +
              (plan.inferred[b] ? " (inferred from the first rows); declare it with "
                                  "--categorical " +
                                      columns[c]
                                : std::string()));
        }
        builder.AddNumber(b, d);
      } else {
        builder.AddLabel(b, v.text);
      }
    }
    builder.EndRow();
    return OkStatus();
  };
  for (size_t r = 0; r < window.size(); ++r) {
    if (Status s = feed(window[r], window_lines[r]); !s.ok()) return Fail(s);
  }
  window.clear();
  while (more) {
    auto got = reader.Next(row);
    if (!got.ok()) return Fail(got.status());
    if (!*got) break;
    if (Status s = feed(row, reader.line()); !s.ok()) return Fail(s);
    if ((builder.rows() & 0xFFF) == 0) {
      if (!builder.status().ok()) break;
      if (show_progress && reader.bytes_read() >= next_progress) {
        std::cerr << "  read " << Human(static_cast<double>(reader.bytes_read())) << "B of "
                  << Human(static_cast<double>(file_size)) << "B ("
                  << reader.bytes_read() * 100 / file_size << "%), "
                  << Human(static_cast<double>(builder.rows())) << " rows, "
                  << builder.spilled_runs() << " spilled runs\n";
        next_progress += file_size / 10;
      }
    }
  }
  auto built = builder.Finish();
  if (!built.ok()) return Fail(built.status().WithContext(input));
  const skew::Baseline& baseline = *built;

  const std::string out_path = f.Get("output");
  const std::string text = skew::SerializeBaseline(baseline, /*pretty=*/true);
  if (out_path == "-") {
    std::cout << text;
  } else {
    // Write then rename, so a reader never sees half a baseline.
    const std::string tmp = out_path + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << text;
      out.close();
      if (!out) {
        std::remove(tmp.c_str());
        return Fail(UnavailableError("cannot write " + out_path));
      }
    }
    if (std::rename(tmp.c_str(), out_path.c_str()) != 0) {
      std::remove(tmp.c_str());
      return Fail(UnavailableError("cannot write " + out_path));
    }
  }
  if (!quiet) {
    std::cerr << "baseline of " << baseline.rows << " rows, " << baseline.features.size()
              << " features";
    if (builder.spilled_runs() > 0) {
      std::cerr << " (spilled " << builder.spilled_runs() << " sorted runs, "
                << Human(static_cast<double>(spill.bytes_written())) << "B, to " << temp_dir << ")";
    }
    std::cerr << ":\n";
    for (const auto& fb : baseline.features) {
      std::cerr << "  " << fb.name << " [" << skew::FeatureKindName(fb.kind)
                << (fb.role == FeatureRole::kOutput ? ", output" : "") << "] ";
      if (fb.kind == FeatureKind::kNumeric) {
        const auto& s = fb.numeric_stats;
        std::cerr << s.count << " values";
        if (s.count > 0) {
          std::cerr << ", min " << Num(*s.min) << ", mean " << Num(s.mean.value_or(0)) << ", max "
                    << Num(*s.max);
        }
        std::cerr << ", " << fb.numeric.ValueBucketCount() << " bins";
        if (s.nan + s.missing + s.pos_inf + s.neg_inf > 0) {
          std::cerr << "; NaN " << s.nan << ", missing " << s.missing << ", inf "
                    << s.pos_inf + s.neg_inf;
        }
        if (s.count == 0) std::cerr << "  WARNING: no finite values";
      } else {
        const auto& s = fb.categorical_stats;
        std::cerr << s.count << " values, " << s.distinct << " distinct, top:";
        for (size_t i = 0; i < fb.categorical.labels.size() && i < 3; ++i) {
          std::cerr << " " << fb.categorical.labels[i] << " ("
                    << fb.counts[i] * 100 / std::max<uint64_t>(s.count + s.missing, 1) << "%)";
        }
        if (s.missing > 0) std::cerr << "; missing " << s.missing;
        if (s.distinct > fb.categorical.labels.size()) {
          std::cerr << "; " << s.distinct - fb.categorical.labels.size()
                    << " rarer labels in the other bucket";
        }
      }
      std::cerr << "\n";
    }
    for (const auto& n : reader.Notes()) std::cerr << "  note: " << n << "\n";
    std::cerr << "wrote " << out_path << " (" << baseline.hash << ")\n";
  }
  return 0;
}

}  // namespace skewgate::cli
