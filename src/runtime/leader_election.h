// Leader election on a coordination.k8s.io/v1 Lease, with client-go's semantics: a
// candidate takes the lease when it is free or when its record has not changed for the
// lease duration, judged by the LOCAL time at which this candidate last saw the record
// change (so clock skew between replicas does not matter); every write is a
// compare-and-swap on resourceVersion; the leader renews every retry period and gives up
// when it has not renewed for the renew deadline; a graceful stop releases the lease so
// that another candidate takes over at its next retry.
//
//   LeaderElectionConfig c;  c.lease_namespace = "skewgate-system";  c.lease_name = "skewgate";
//   c.identity = pod_name;  LeaderElector e(client, c, clock);  e.Run(stop, callbacks);
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "kube/cancellation.h"
#include "kube/client.h"

namespace skewgate::runtime {

struct LeaderElectionConfig {
  std::string lease_namespace;
  std::string lease_name;
  std::string identity;  // unique per replica (pod name + random suffix)
  // How long a record that does not change keeps others away. Whole seconds (the Lease
  // field is in seconds), at least 1.
  Duration lease_duration = std::chrono::seconds(15);
  // The leader gives up when it has not renewed for this long; < lease_duration so that
  // it stops before anyone else may start.
  Duration renew_deadline = std::chrono::seconds(10);
  // Between attempts to acquire or renew.
  Duration retry_period = std::chrono::seconds(2);
  // Release the lease when Run is cancelled while leading.
  bool release_on_cancel = true;
};

// InvalidArgument naming the field when the config cannot work (missing names, a renew
// deadline not below the lease duration, a retry period not below the renew deadline).
Status ValidateLeaderElectionConfig(const LeaderElectionConfig& config);

struct LeaderCallbacks {
  // Called on Run's thread when this replica becomes leader; must return promptly (start
  // workers on other threads).
  std::function<void()> on_started_leading;
  // Called on Run's thread as soon as leadership is lost or given up, before the lease is
  // released: stop reconciling here.
  std::function<void()> on_stopped_leading;
  // Called when the observed holder changes (including to this replica).
  std::function<void(const std::string& identity)> on_new_leader;
};

// The Lease's spec as read or written (times are wall-clock, MicroTime on the wire).
struct LeaseRecord {
  std::string holder_identity;
  int64_t lease_duration_seconds = 0;
  std::string acquire_time;  // RFC 3339 micro, as on the wire
  std::string renew_time;
  int64_t lease_transitions = 0;

  nlohmann::json ToSpec() const;
  static LeaseRecord FromSpec(const nlohmann::json& spec);
  friend bool operator==(const LeaseRecord& a, const LeaseRecord& b) = default;
};

class LeaderElector {
 public:
  // The client's request timeout should be below renew_deadline - retry_period, so that a
  // hung renewal cannot keep a replica believing it leads after its lease has expired.
  LeaderElector(kube::Client& client, LeaderElectionConfig config, const Clock& clock);

  // Campaigns until leader, leads until the lease is lost or `cancel` fires, then calls
  // on_stopped_leading and (if cancelled and configured) releases the lease. Returns Ok
  // when cancelled, Aborted when leadership was lost (the caller should exit: controller-
  // runtime's behaviour, so that a restarted replica starts from a clean cache), or
  // InvalidArgument for a bad config. Call once.
  Status Run(const kube::Cancellation& cancel, const LeaderCallbacks& callbacks);

  // One acquire-or-renew round (what Run does every retry period). True when this replica
  // holds the lease afterwards.
  bool TryAcquireOrRenew();
  // Gives the lease up if this replica holds it: holder emptied, so that others take it at
  // their next retry instead of waiting for expiry.
  Status Release();

  bool IsLeader() const { return is_leader_.load(); }
  // True while leading AND the last successful renewal is younger than the renew
  // deadline: no other replica can have taken the lease yet (they wait a whole lease
  // duration from when they saw it renewed). The write fence: a replica that was frozen
  // (SIGSTOP, a long GC-like pause, a suspended VM) past its lease resumes with stale
  // IsLeader() until its next renewal round, but HoldsLease() is false at once, because
  // the steady clock kept running while it was frozen.
  bool HoldsLease() const;
  // The holder in the last record seen ("" when none or not yet read).
  std::string ObservedLeader() const;
  // How long a candidate waits before its next attempt: the retry period, or less when
  // another holder's lease expires sooner (so a dead leader is replaced at expiry, not at
  // the next retry after it: hand-over within lease duration + retry period of the last
  // renewal, not + 2 retry periods).
  Duration CampaignWait() const;
  const LeaderElectionConfig& config() const { return config_; }

 private:
  void Observe(const LeaseRecord& record);

  kube::Client& client_;
  const LeaderElectionConfig config_;
  const Clock& clock_;
  std::atomic<bool> is_leader_{false};
  // The steady-clock time of the last successful acquire or renewal, in ns since the
  // steady clock's epoch (0: never).
  std::atomic<int64_t> last_renew_ns_{0};

  mutable std::mutex mu_;
  LeaseRecord observed_;
  std::string observed_resource_version_;
  bool have_observed_ = false;
  std::chrono::steady_clock::time_point observed_time_{};
  std::string reported_leader_;
  std::function<void(const std::string&)> on_new_leader_;
};

}  // namespace skewgate::runtime
