// A test-only process that campaigns for a Lease with the runtime's LeaderElector and
// reports on stdout, one line per transition, so that cluster tests can run two of them
// and SIGKILL or SIGTERM the leader:
//   leading <identity> / stopped <identity> / leader <holder> / exit <code>
// Exit codes: 0 after a graceful stop (SIGTERM, lease released), 3 when leadership was
// lost, 2 on bad flags or config.
#include <iostream>

#include "common/flags.h"
#include "common/log.h"
#include "kube/client.h"
#include "kube/config.h"
#include "runtime/leader_election.h"
#include "runtime/signals.h"

using namespace skewgate;

int main(int argc, char** argv) {
  kube::Cancellation stop;
  auto watcher = runtime::ShutdownSignalWatcher::Install(stop);
  if (!watcher.ok()) {
    std::cerr << watcher.status().ToString() << "\n";
    return 2;
  }
  ConfigureLogging(DefaultLogConfig("lease-candidate"));
  FlagSet f("skewgate_lease_candidate", "campaign for a Lease (test helper)");
  f.String("kubeconfig", "", "kubeconfig file").Required();
  f.String("namespace", "", "lease namespace").Required();
  f.String("lease", "", "lease name").Required();
  f.String("identity", "", "candidate identity").Required();
  f.String("lease-duration-ms", "15000", "");
  f.String("renew-deadline-ms", "10000", "");
  f.String("retry-period-ms", "2000", "");
  std::vector<std::string> args(argv + 1, argv + argc);
  if (Status s = f.Parse(args); !s.ok()) {
    std::cerr << s.message() << "\n";
    return 2;
  }
  runtime::LeaderElectionConfig c;
  c.lease_namespace = f.Get("namespace");
  c.lease_name = f.Get("lease");
  c.identity = f.Get("identity");
  auto ms = [&](const char* name) -> StatusOr<Duration> {
    SG_ASSIGN_OR_RETURN(long long v, f.GetInt(name));
    return Duration(std::chrono::milliseconds(v));
  };
  auto lease = ms("lease-duration-ms"), renew = ms("renew-deadline-ms"),
       retry = ms("retry-period-ms");
  for (auto* d : {&lease, &renew, &retry}) {
    if (!d->ok()) {
      std::cerr << d->status().message() << "\n";
      return 2;
    }
  }
  c.lease_duration = *lease;
  c.renew_deadline = *renew;
  c.retry_period = *retry;
  auto cfg = kube::LoadKubeConfigFile(f.Get("kubeconfig"));
  if (!cfg.ok()) {
    std::cerr << cfg.status().ToString() << "\n";
    return 2;
  }
  kube::ClientOptions opts;
  // A renewal must not outlive the lease (see LeaderElector's constructor comment).
  opts.request_timeout = c.retry_period;
  auto client = kube::NewClient(*cfg, opts);
  if (!client.ok()) {
    std::cerr << client.status().ToString() << "\n";
    return 2;
  }
  runtime::LeaderElector elector(**client, c, RealClock::Get());
  runtime::LeaderCallbacks cb;
  cb.on_started_leading = [&] { std::cout << "leading " << c.identity << std::endl; };
  cb.on_stopped_leading = [&] { std::cout << "stopped " << c.identity << std::endl; };
  cb.on_new_leader = [](const std::string& who) { std::cout << "leader " << who << std::endl; };
  Status s = elector.Run(stop, cb);
  int code = s.ok() ? 0 : s.code() == StatusCode::kAborted ? 3 : 2;
  if (!s.ok()) std::cerr << s.ToString() << "\n";
  std::cout << "exit " << code << std::endl;
  return code;
}
