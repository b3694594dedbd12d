// skewgate fetch --uri URI --digest sha256:… --to DIR: the serving pod's init container.
// The logic lives in src/fetch; this file maps flags and exit codes.
#include <iostream>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "common/flags.h"
#include "fetch/fetch.h"

namespace skewgate::cli {

int RunFetch(const std::vector<std::string>& args) {
  FlagSet f("skewgate fetch --uri URI --digest sha256:HEX --to DIR",
            "Download a model artifact, verify its sha256 and move it into place atomically");
  f.String("uri", "", "https://, http:// (with --allow-http) or file:/// URI").Required();
  f.String("digest", "", "expected sha256:<64 hex>").Required();
  f.String("to", "", "destination directory (must exist)").Required();
  f.String("name", "", "file name in the directory (default: last URI path segment)");
  f.Bool("allow-http", false, "permit plain http:// (and redirects to it)");
  f.String("ca-file", "", "extra CA bundle for https");
  f.String("attempts", "5", "tries for transient failures (network, 5xx, truncation)");
  f.String("backoff-ms", "500", "first wait between tries; doubles each time");
  f.String("timeout-ms", "300000", "time allowed for one download");
  if (auto exit = ParseFlags(f, args)) return *exit;
  fetch::FetchOptions o;
  o.uri = f.Get("uri");
  o.digest = f.Get("digest");
  o.dest_dir = f.Get("to");
  o.file_name = f.Get("name");
  o.allow_http = f.GetBool("allow-http");
  o.ca_file = f.Get("ca-file");
  auto attempts = f.GetInt("attempts");
  auto backoff = f.GetInt("backoff-ms");
  auto timeout = f.GetInt("timeout-ms");
  for (const auto* v : {&attempts, &backoff, &timeout}) {
    if (!v->ok()) {
      std::cerr << "error: " << v->status().message() << "\n";
      return 2;
    }
  }
  if (*attempts < 1 || *attempts > 100 || *backoff < 0 || *timeout < 1) {
    std::cerr << "error: --attempts must be 1-100, --backoff-ms >= 0, --timeout-ms >= 1\n";
    return 2;
  }
  o.attempts = static_cast<int>(*attempts);
  o.backoff = std::chrono::milliseconds(*backoff);
  o.attempt_timeout = std::chrono::milliseconds(*timeout);
  auto r = fetch::Fetch(o);
  if (!r.ok()) {
    std::cerr << "error: " << r.status().message() << "\n";
    return 1;
  }
  std::cout << r->path << " " << r->digest << " " << r->bytes << " bytes\n";
  return 0;
}

}  // namespace skewgate::cli
