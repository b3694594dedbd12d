#include "runtime/leader_election.h"

#include <algorithm>

#include "common/log.h"
#include "kube/errors.h"
#include "kube/resource.h"

namespace skewgate::runtime {

using nlohmann::json;

namespace {

int64_t GetInt(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}
std::string GetString(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

json LeaseRecord::ToSpec() const {
  json spec = json::object();
  // An empty holder is written as absent, as client-go does on release.
  if (!holder_identity.empty()) spec["holderIdentity"] = holder_identity;
  spec["leaseDurationSeconds"] = lease_duration_seconds;
  if (!acquire_time.empty()) spec["acquireTime"] = acquire_time;
  if (!renew_time.empty()) spec["renewTime"] = renew_time;
  spec["leaseTransitions"] = lease_transitions;
  return spec;
}

LeaseRecord LeaseRecord::FromSpec(const json& spec) {
  LeaseRecord r;
  if (!spec.is_object()) return r;
  r.holder_identity = GetString(spec, "holderIdentity");
  r.lease_duration_seconds = GetInt(spec, "leaseDurationSeconds");
  r.acquire_time = GetString(spec, "acquireTime");
  r.renew_time = GetString(spec, "renewTime");
  r.lease_transitions = GetInt(spec, "leaseTransitions");
  return r;
}

Status ValidateLeaderElectionConfig(const LeaderElectionConfig& c) {
  if (c.lease_namespace.empty())
    return InvalidArgumentError("leader election: lease namespace is empty");
  if (c.lease_name.empty()) return InvalidArgumentError("leader election: lease name is empty");
  if (c.identity.empty()) return InvalidArgumentError("leader election: identity is empty");
  if (c.lease_duration < std::chrono::seconds(1) ||
      c.lease_duration % std::chrono::seconds(1) != Duration::zero()) {
    return InvalidArgumentError(
        "leader election: lease duration must be a whole number of seconds >= 1");
  }
  if (c.renew_deadline >= c.lease_duration) {
    return InvalidArgumentError(
        "leader election: renew deadline must be shorter than the lease duration");
  }
  if (c.retry_period <= Duration::zero() || c.retry_period >= c.renew_deadline) {
    return InvalidArgumentError(
        "leader election: retry period must be positive and shorter than the renew deadline");
  }
  return OkStatus();
}

LeaderElector::LeaderElector(kube::Client& client, LeaderElectionConfig config, const Clock& clock)
    : client_(client), config_(std::move(config)), clock_(clock) {}

std::string LeaderElector::ObservedLeader() const {
  std::lock_guard<std::mutex> l(mu_);
  return observed_.holder_identity;
}

void LeaderElector::Observe(const LeaseRecord& record) {
  std::string changed_to;
  {
    std::lock_guard<std::mutex> l(mu_);
    // The expiry clock restarts only when the record changes: a holder that keeps
    // renewing changes renewTime, a dead one does not.
    if (!have_observed_ || !(record == observed_)) {
      observed_ = record;
      observed_time_ = clock_.SteadyNow();
      have_observed_ = true;
    }
    if (record.holder_identity != reported_leader_) {
      reported_leader_ = record.holder_identity;
      changed_to = record.holder_identity;
    }
  }
  if (!changed_to.empty()) {
    SG_LOG(Info, config_.lease_namespace + "/" + config_.lease_name)
        .Msg("new leader observed")
        .Field("leader", changed_to);
    if (on_new_leader_) on_new_leader_(changed_to);
  }
}

bool LeaderElector::TryAcquireOrRenew() {
  const auto& leases = kube::resources::Leases();
  const std::string where = config_.lease_namespace + "/" + config_.lease_name;
  std::string now = FormatRfc3339Micro(clock_.Now());
  // Before any request: a renewal that succeeds was certainly seen by others no earlier.
  const int64_t attempt_ns = clock_.SteadyNow().time_since_epoch().count();
  const int64_t duration_s =
      std::chrono::duration_cast<std::chrono::seconds>(config_.lease_duration).count();

  auto current = client_.Get(leases, config_.lease_namespace, config_.lease_name);
  if (!current.ok()) {
    if (!kube::IsNotFound(current.status())) {
      SG_LOG(Warn, where)
          .Msg("reading the lease failed")
          .Field("error", current.status().ToString());
      return false;
    }
    LeaseRecord mine{config_.identity, duration_s, now, now, 0};
    json lease = {
        {"apiVersion", leases.ApiVersion()},
        {"kind", leases.kind},
        {"metadata", {{"name", config_.lease_name}, {"namespace", config_.lease_namespace}}},
        {"spec", mine.ToSpec()}};
    auto created = client_.Create(leases, config_.lease_namespace, lease, {});
    if (!created.ok()) {
      // AlreadyExists: another candidate created it first; we will read it next round.
      SG_LOG(Info, where)
          .Msg("creating the lease failed")
          .Field("error", created.status().ToString());
      return false;
    }
    Observe(mine);
    last_renew_ns_ = attempt_ns;
    is_leader_ = true;
    return true;
  }

  const json& obj = *current;
  LeaseRecord old = LeaseRecord::FromSpec(obj.contains("spec") ? obj["spec"] : json::object());
  Observe(old);
  std::chrono::steady_clock::time_point observed_at;
  {
    std::lock_guard<std::mutex> l(mu_);
    observed_at = observed_time_;
  }
  const bool held_by_me = old.holder_identity == config_.identity;
  if (!old.holder_identity.empty() && !held_by_me) {
    auto expiry = observed_at + std::chrono::seconds(old.lease_duration_seconds);
    if (clock_.SteadyNow() < expiry) {
      is_leader_ = false;  // someone else holds a live lease
      return false;
    }
  }

  LeaseRecord mine{config_.identity, duration_s, now, now, old.lease_transitions};
  if (held_by_me) {
    mine.acquire_time = old.acquire_time;
  } else {
    mine.lease_transitions = old.lease_transitions + 1;
  }
  json updated = obj;
  updated["spec"] = mine.ToSpec();
  // obj carries metadata.resourceVersion: the update is a compare-and-swap, so two
  // candidates that both saw an expired lease cannot both win.
  auto written = client_.Update(leases, config_.lease_namespace, updated, {});
  if (!written.ok()) {
    LogLine(kube::IsConflict(written.status()) ? LogLevel::kInfo : LogLevel::kWarn, where)
        .Msg(held_by_me ? "renewing the lease failed" : "acquiring the lease failed")
        .Field("error", written.status().ToString());
    return false;
  }
  Observe(mine);
  last_renew_ns_ = attempt_ns;
  is_leader_ = true;
  return true;
}

Duration LeaderElector::CampaignWait() const {
  std::lock_guard<std::mutex> l(mu_);
  if (!have_observed_ || observed_.holder_identity.empty() ||
      observed_.holder_identity == config_.identity) {
    return config_.retry_period;
  }
  const auto expiry = observed_time_ + std::chrono::seconds(observed_.lease_duration_seconds);
  const auto left = std::chrono::duration_cast<Duration>(expiry - clock_.SteadyNow());
  // Past expiry and still not ours (a conflict with another candidate, an API error):
  // back to the normal pace.
  if (left <= Duration::zero()) return config_.retry_period;
  return std::min(config_.retry_period, left);
}

bool LeaderElector::HoldsLease() const {
  if (!is_leader_.load()) return false;
  const auto renewed = std::chrono::steady_clock::time_point(
      std::chrono::steady_clock::duration(last_renew_ns_.load()));
  return clock_.SteadyNow() - renewed < config_.renew_deadline;
}

Status LeaderElector::Release() {
  const auto& leases = kube::resources::Leases();
  const std::string where = config_.lease_namespace + "/" + config_.lease_name;
  is_leader_ = false;
  auto current = client_.Get(leases, config_.lease_namespace, config_.lease_name);
  if (!current.ok()) return current.status().WithContext("releasing lease " + where);
  LeaseRecord old = LeaseRecord::FromSpec((*current).value("spec", json::object()));
  if (old.holder_identity != config_.identity) return OkStatus();  // not ours any more
  std::string now = FormatRfc3339Micro(clock_.Now());
  LeaseRecord released{"", 1, now, now, old.lease_transitions};
  json updated = *current;
  updated["spec"] = released.ToSpec();
  auto written = client_.Update(leases, config_.lease_namespace, updated, {});
  if (!written.ok()) return written.status().WithContext("releasing lease " + where);
  SG_LOG(Info, where).Msg("lease released").Field("identity", config_.identity);
  return OkStatus();
}

Status LeaderElector::Run(const kube::Cancellation& cancel, const LeaderCallbacks& callbacks) {
  SG_RETURN_IF_ERROR(ValidateLeaderElectionConfig(config_));
  const std::string where = config_.lease_namespace + "/" + config_.lease_name;
  on_new_leader_ = callbacks.on_new_leader;
  // Campaign.
  while (!TryAcquireOrRenew()) {
    if (!cancel.SleepFor(clock_, CampaignWait())) return OkStatus();
  }
  SG_LOG(Info, where).Msg("became leader").Field("identity", config_.identity);
  if (callbacks.on_started_leading) callbacks.on_started_leading();

  // Lead: renew every retry period; give up when no renewal succeeded within the renew
  // deadline, or at once when another holder is seen.
  auto last_renew = clock_.SteadyNow();
  bool lost = false;
  while (cancel.SleepFor(clock_, config_.retry_period)) {
    if (TryAcquireOrRenew()) {
      last_renew = clock_.SteadyNow();
      continue;
    }
    std::string holder = ObservedLeader();
    if ((!holder.empty() && holder != config_.identity) ||
        clock_.SteadyNow() - last_renew >= config_.renew_deadline) {
      lost = true;
      break;
    }
  }
  is_leader_ = false;
  if (lost) {
    SG_LOG(Error, where).Msg("leadership lost").Field("identity", config_.identity);
  }
  if (callbacks.on_stopped_leading) callbacks.on_stopped_leading();
  if (lost) return AbortedError("leadership of lease " + where + " lost by " + config_.identity);
  if (config_.release_on_cancel) {
    Status s = Release();
    if (!s.ok())
      SG_LOG(Warn, where).Msg("could not release the lease").Field("error", s.ToString());
  }
  return OkStatus();
}

}  // namespace skewgate::runtime
