// The Kubernetes API client: typed-by-descriptor REST calls over nlohmann::json objects.
// An abstract interface so that controllers can be tested with a fake and so that the
// HTTP library stays behind kube/http_transport.h.
//
//   SG_ASSIGN_OR_RETURN(std::unique_ptr<Client> c, NewClient(config));
//   SG_ASSIGN_OR_RETURN(auto rs, c->Get(resources::ReplicaSets(), "ml", "fraud-7f3c"));
//
// Error contract shared by every method (see kube/errors.h for the full mapping):
//   kNotFound, kAlreadyExists, kInvalidArgument, kPermissionDenied, kUnauthenticated —
//     retrying the same request will not help; fix the input or the world first.
//   kAborted (409 Conflict) — the object changed under you: re-read, recompute, retry
//     (RetryOnConflict in kube/retry.h); for Apply without force, another field manager
//     owns a field you set.
//   kOutOfRange (410 Gone) — a resourceVersion is too old: relist.
//   kUnavailable, kDeadlineExceeded, kResourceExhausted — transient: retry with backoff.
//     429 responses are already retried inside the client, honouring Retry-After.
//   kCancelled — the Cancellation fired (Watch only).
// Every error message names the verb, the resource, namespace/name and the server.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "kube/cancellation.h"
#include "kube/config.h"
#include "kube/resource.h"
#include "kube/watch_decoder.h"

namespace skewgate::kube {

class RequestObserver;
class HttpTransport;

struct ListOptions {
  std::string label_selector;  // "app=fraud,skewgate.io/revision"
  std::string field_selector;  // "metadata.name=foo"
  int64_t limit = 0;           // 0: no pagination
  std::string continue_token;  // from the previous page's ListResult
  // "" = most recent (quorum read); "0" = any (served from the watch cache).
  std::string resource_version;
};

struct ListResult {
  std::vector<nlohmann::json> items;  // each with apiVersion/kind filled in
  std::string resource_version;       // of the list: start a watch from here
  std::string continue_token;         // non-empty when more pages follow
};

struct WriteOptions {
  std::string field_manager;  // recorded in managedFields; empty lets the server choose
  bool dry_run = false;
};

struct ApplyOptions {
  std::string field_manager;  // required for server-side apply
  bool force = false;         // take ownership of fields other managers hold
  bool dry_run = false;
};

struct DeleteOptions {
  std::string propagation_policy;  // "", "Foreground", "Background", "Orphan"
  std::optional<std::string> precondition_uid;
  std::optional<std::string> precondition_resource_version;
  std::optional<int64_t> grace_period_seconds;
};

struct WatchOptions {
  std::string resource_version;  // resume point; "" starts with synthetic ADDED events
  bool allow_watch_bookmarks = true;
  int64_t timeout_seconds = 0;  // server-side end of the watch; 0: server default
  std::string label_selector;
  std::string field_selector;
  // The client gives up on a stream that sent nothing for this long (kDeadlineExceeded).
  // Keep it above timeout_seconds so that a healthy watch ends on the server's side.
  Duration idle_timeout = std::chrono::minutes(11);
};

class Client {
 public:
  virtual ~Client() = default;

  // The config this client was built from (server, default namespace, provenance).
  virtual const KubeConfig& config() const = 0;

  // Reads one object. Idempotent.
  virtual StatusOr<nlohmann::json> Get(const ResourceType& type, std::string_view ns,
                                       std::string_view name) = 0;

  // One page of a collection; follow continue_token for more (or use ListAll). An
  // expired continue token is kOutOfRange: restart the list. Idempotent.
  virtual StatusOr<ListResult> List(const ResourceType& type, std::string_view ns,
                                    const ListOptions& options) = 0;

  // POST. Not idempotent: after a transport error the object may exist, so a retry can
  // see kAlreadyExists. Returns the object as stored (uid, resourceVersion, defaults).
  virtual StatusOr<nlohmann::json> Create(const ResourceType& type, std::string_view ns,
                                          const nlohmann::json& object,
                                          const WriteOptions& options) = 0;

  // PUT of the whole object (name from metadata.name). With metadata.resourceVersion set
  // this is a compare-and-swap: kAborted when the stored object has moved on.
  virtual StatusOr<nlohmann::json> Update(const ResourceType& type, std::string_view ns,
                                          const nlohmann::json& object,
                                          const WriteOptions& options) = 0;

  // DELETE. kNotFound when already gone (callers that only want it gone treat that as
  // success). Preconditions that do not hold are kAborted.
  virtual Status Delete(const ResourceType& type, std::string_view ns, std::string_view name,
                        const DeleteOptions& options) = 0;

  // RFC 7386 JSON merge patch (null deletes a key; lists are replaced whole). Idempotent
  // when the patch is; a patch carrying metadata.resourceVersion is a compare-and-swap.
  virtual StatusOr<nlohmann::json> MergePatch(const ResourceType& type, std::string_view ns,
                                              std::string_view name, const nlohmann::json& patch,
                                              const WriteOptions& options) = 0;

  // Server-side apply (application/apply-patch+yaml): `object` is the full intent of
  // `field_manager` (apiVersion, kind, metadata.name required) and fields it no longer
  // sets are released. Creates the object when absent. Idempotent. Without force, a field
  // owned by another manager with a different value is kAborted naming the manager and
  // field in the message.
  virtual StatusOr<nlohmann::json> Apply(const ResourceType& type, std::string_view ns,
                                         const nlohmann::json& object,
                                         const ApplyOptions& options) = 0;

  // The status subresource: same contracts as Get/Update/MergePatch/Apply; writes touch
  // only .status (spec changes in the body are ignored by the server) and vice versa.
  virtual StatusOr<nlohmann::json> GetStatus(const ResourceType& type, std::string_view ns,
                                             std::string_view name) = 0;
  virtual StatusOr<nlohmann::json> UpdateStatus(const ResourceType& type, std::string_view ns,
                                                const nlohmann::json& object,
                                                const WriteOptions& options) = 0;
  virtual StatusOr<nlohmann::json> PatchStatus(const ResourceType& type, std::string_view ns,
                                               std::string_view name, const nlohmann::json& patch,
                                               const WriteOptions& options) = 0;
  virtual StatusOr<nlohmann::json> ApplyStatus(const ResourceType& type, std::string_view ns,
                                               const nlohmann::json& object,
                                               const ApplyOptions& options) = 0;

  // Opens a watch and blocks, calling `handler` for each event in order on this thread,
  // until: the server ends the stream (Ok — resume from the last resourceVersion seen);
  // the handler returns false (Ok); `cancel` fires (kCancelled, promptly, the connection
  // is closed); an ERROR event arrives (its Status mapped as above: a 410 is kOutOfRange,
  // relist); nothing arrives for idle_timeout (kDeadlineExceeded); or the connection
  // fails (kUnavailable). The response is decoded incrementally, never buffered whole.
  // ERROR events are turned into the return value, not passed to the handler.
  virtual Status Watch(const ResourceType& type, std::string_view ns, const WatchOptions& options,
                       const WatchEventHandler& handler, const Cancellation& cancel) = 0;
};

// Follows continue tokens until the last page. The items of every page are appended;
// the resource_version is the first page's (the snapshot all pages belong to).
StatusOr<ListResult> ListAll(Client& client, const ResourceType& type, std::string_view ns,
                             ListOptions options);

struct ClientOptions {
  const Clock* clock = nullptr;         // for Retry-After waits; nullptr: RealClock
  RequestObserver* observer = nullptr;  // request counts by verb and code; not owned
  int max_throttle_retries = 10;        // 429 retries (client-go's default)
  Duration request_timeout = std::chrono::seconds(60);  // non-watch requests
  std::string user_agent = "skewgate";
};

// The real client over HTTPS. Fails (naming the config's source) when TLS material
// does not parse; never contacts the server, so an unreachable server shows up on the
// first request as kUnavailable naming it.
StatusOr<std::unique_ptr<Client>> NewClient(const KubeConfig& config,
                                            const ClientOptions& options = {});

// The same over a caller-provided transport (tests, or another HTTP library).
std::unique_ptr<Client> NewClientWithTransport(const KubeConfig& config,
                                               std::unique_ptr<HttpTransport> transport,
                                               const ClientOptions& options = {});

}  // namespace skewgate::kube
