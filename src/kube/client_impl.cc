#include "kube/client_impl.h"

#include <sys/stat.h>

#include <chrono>
#include <utility>

#include "common/log.h"
#include "kube/errors.h"
#include "kube/file_util.h"
#include "kube/request_metrics.h"

namespace skewgate::kube {

using nlohmann::json;

namespace {

// Builds "?a=b&c=d" from the non-empty pairs.
class Query {
 public:
  Query& Add(std::string_view key, std::string_view value) {
    if (value.empty()) return *this;
    text_ += text_.empty() ? "?" : "&";
    text_ += key;
    text_ += "=";
    text_ += UrlEncode(value);
    return *this;
  }
  const std::string& str() const { return text_; }

 private:
  std::string text_;
};

std::string ObjectName(const json& object) {
  auto m = object.find("metadata");
  if (m == object.end() || !m->is_object()) return "";
  auto n = m->find("name");
  return n != m->end() && n->is_string() ? n->get<std::string>() : "";
}

std::string Describe(std::string_view verb, const ResourceType& type, std::string_view ns,
                     std::string_view name, std::string_view subresource) {
  std::string d(verb);
  d += " ";
  d += type.QualifiedName();
  if (!subresource.empty()) {
    d += "/";
    d += subresource;
  }
  if (!ns.empty() || !name.empty()) {
    d += " ";
    if (!ns.empty()) {
      d += ns;
      if (!name.empty()) d += "/";
    }
    d += name;
  }
  return d;
}

// The "exp" claim of a JWT bearer token, if the token is one; used only to explain a 401.
std::optional<int64_t> JwtExpiry(const std::string& token) {
  size_t a = token.find('.');
  if (a == std::string::npos) return std::nullopt;
  size_t b = token.find('.', a + 1);
  if (b == std::string::npos) return std::nullopt;
  auto payload = internal::Base64Decode(std::string_view(token).substr(a + 1, b - a - 1));
  if (!payload) return std::nullopt;
  json j = json::parse(*payload, nullptr, false);
  if (!j.is_object() || !j.contains("exp") || !j["exp"].is_number()) return std::nullopt;
  return j["exp"].get<int64_t>();
}

}  // namespace

struct ClientImpl::Call {
  std::string verb;  // for metrics: get, list, watch, create, update, patch, apply, delete
  std::string what;  // for messages: "get replicasets.apps ml/fraud-7f3c"
  HttpRequest request;
};

ClientImpl::ClientImpl(KubeConfig config, std::unique_ptr<HttpTransport> transport,
                       ClientOptions options)
    : config_(std::move(config)),
      transport_(std::move(transport)),
      options_(std::move(options)),
      clock_(options_.clock ? *options_.clock : RealClock::Get()) {}

std::string ClientImpl::BearerToken() {
  if (!config_.token.empty()) return config_.token;
  if (config_.token_file.empty()) return "";
  // Re-read when the file changes: projected service-account tokens rotate in place.
  struct stat st {};
  std::lock_guard<std::mutex> lock(token_mu_);
  if (::stat(config_.token_file.c_str(), &st) == 0) {
    int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    if (mtime != token_mtime_ns_ || st.st_size != token_size_) {
      auto t = internal::ReadFileToString(config_.token_file, "token");
      if (t.ok()) {
        std::string tok = *t;
        while (!tok.empty() && (tok.back() == '\n' || tok.back() == '\r' || tok.back() == ' ')) {
          tok.pop_back();
        }
        file_token_ = tok;
        token_mtime_ns_ = mtime;
        token_size_ = st.st_size;
      }
    }
  }
  return file_token_;
}

void ClientImpl::AddCommonHeaders(HttpRequest* request) {
  request->headers.emplace_back("Accept", "application/json");
  request->headers.emplace_back("User-Agent", options_.user_agent);
  std::string token = BearerToken();
  if (!token.empty()) request->headers.emplace_back("Authorization", "Bearer " + token);
}

Status ClientImpl::AuthError(const ApiErrorDetail& detail, const std::string& what) {
  std::string m = what + ": 401 Unauthorized from " + config_.server + ": the credentials";
  if (!config_.user.empty()) m += " of user \"" + config_.user + "\"";
  m += " in " + (config_.source.empty() ? std::string("the client config") : config_.source);
  std::string token = BearerToken();
  if (token.empty() && config_.client_cert_pem.empty()) {
    m += " are missing (no token, tokenFile or client certificate)";
  } else if (auto exp = token.empty() ? std::nullopt : JwtExpiry(token);
             exp && *exp <= ToUnixSeconds(clock_.Now())) {
    m += " were rejected: the token expired at " + FormatRfc3339(FromUnixSeconds(*exp));
  } else {
    m += " were rejected (token invalid or expired, or certificate not trusted)";
  }
  return UnauthenticatedError(m);
}

StatusOr<HttpResponse> ClientImpl::Execute(Call& call) {
  AddCommonHeaders(&call.request);
  for (int attempt = 0;; ++attempt) {
    auto start = clock_.SteadyNow();
    auto resp = transport_->Send(call.request);
    if (options_.observer) {
      options_.observer->OnRequest(call.verb, resp.ok() ? resp->status : 0,
                                   clock_.SteadyNow() - start);
    }
    if (!resp.ok()) return resp.status().WithContext(call.what);
    if (resp->status >= 200 && resp->status < 300) return resp;
    auto ra = resp->headers.find("retry-after");
    ApiError err =
        ParseApiError(resp->status, resp->body, ra == resp->headers.end() ? "" : ra->second,
                      call.what + " on " + config_.server);
    if (resp->status == 429 && attempt < options_.max_throttle_retries) {
      Duration wait = err.detail.retry_after.value_or(std::chrono::seconds(1));
      SG_LOG(Debug, "")
          .Msg("throttled by the API server; retrying")
          .Field("request", call.what)
          .Field("retry_after_ms",
                 static_cast<int64_t>(
                     std::chrono::duration_cast<std::chrono::milliseconds>(wait).count()));
      std::mutex mu;
      std::condition_variable cv;
      std::unique_lock<std::mutex> lock(mu);
      auto deadline = clock_.SteadyNow() + wait;
      while (clock_.SteadyNow() < deadline) clock_.WaitUntil(lock, cv, deadline);
      continue;
    }
    if (resp->status == 401) return AuthError(err.detail, call.what);
    return err.status;
  }
}

StatusOr<json> ClientImpl::ExecuteJson(Call& call) {
  SG_ASSIGN_OR_RETURN(HttpResponse resp, Execute(call));
  json j = json::parse(resp.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return DataLossError(call.what + ": the response from " + config_.server +
                         " is not valid JSON (" + std::to_string(resp.body.size()) + " bytes)");
  }
  return j;
}

std::string ClientImpl::Namespace(const ResourceType& type, std::string_view ns,
                                  const json* object) const {
  if (!type.namespaced) return "";
  if (!ns.empty()) return std::string(ns);
  if (object) {
    auto m = object->find("metadata");
    if (m != object->end() && m->is_object()) {
      auto n = m->find("namespace");
      if (n != m->end() && n->is_string() && !n->get<std::string>().empty()) {
        return n->get<std::string>();
      }
    }
  }
  return config_.default_namespace;
}

StatusOr<json> ClientImpl::GetImpl(const ResourceType& type, std::string_view ns,
                                   std::string_view name, std::string_view subresource) {
  std::string n = Namespace(type, ns, nullptr);
  Call call{"get", Describe("get", type, n, name, subresource), {}};
  if (name.empty()) return InvalidArgumentError(call.what + ": empty name");
  call.request.method = "GET";
  call.request.target = ObjectPath(type, n, name, subresource);
  call.request.timeout = options_.request_timeout;
  return ExecuteJson(call);
}

StatusOr<json> ClientImpl::Get(const ResourceType& type, std::string_view ns,
                               std::string_view name) {
  return GetImpl(type, ns, name, "");
}

StatusOr<json> ClientImpl::GetStatus(const ResourceType& type, std::string_view ns,
                                     std::string_view name) {
  return GetImpl(type, ns, name, "status");
}

StatusOr<ListResult> ClientImpl::List(const ResourceType& type, std::string_view ns,
                                      const ListOptions& options) {
  std::string n = type.namespaced ? std::string(ns) : "";
  Call call{"list", Describe("list", type, n, "", ""), {}};
  Query q;
  q.Add("labelSelector", options.label_selector)
      .Add("fieldSelector", options.field_selector)
      .Add("limit", options.limit > 0 ? std::to_string(options.limit) : "")
      .Add("continue", options.continue_token)
      .Add("resourceVersion", options.resource_version);
  call.request.method = "GET";
  call.request.target = CollectionPath(type, n) + q.str();
  call.request.timeout = options_.request_timeout;
  SG_ASSIGN_OR_RETURN(json list, ExecuteJson(call));
  ListResult out;
  if (auto m = list.find("metadata"); m != list.end() && m->is_object()) {
    out.resource_version = m->value("resourceVersion", "");
    out.continue_token = m->value("continue", "");
  }
  auto items = list.find("items");
  if (items != list.end() && items->is_array()) {
    out.items.reserve(items->size());
    for (auto& item : *items) {
      // List responses omit each item's apiVersion/kind; put them back so items look like
      // what Get and watch return.
      if (item.is_object()) {
        item["apiVersion"] = type.ApiVersion();
        item["kind"] = type.kind;
      }
      out.items.push_back(std::move(item));
    }
  }
  return out;
}

StatusOr<json> ClientImpl::Create(const ResourceType& type, std::string_view ns, const json& object,
                                  const WriteOptions& options) {
  std::string n = Namespace(type, ns, &object);
  Call call{"create", Describe("create", type, n, ObjectName(object), ""), {}};
  if (!object.is_object()) return InvalidArgumentError(call.what + ": object is not a map");
  call.request.method = "POST";
  call.request.target = CollectionPath(type, n) + Query()
                                                      .Add("fieldManager", options.field_manager)
                                                      .Add("dryRun", options.dry_run ? "All" : "")
                                                      .str();
  call.request.headers.emplace_back("Content-Type", "application/json");
  call.request.body = object.dump();
  call.request.timeout = options_.request_timeout;
  return ExecuteJson(call);
}

StatusOr<json> ClientImpl::UpdateImpl(const ResourceType& type, std::string_view ns,
                                      const json& object, const WriteOptions& options,
                                      std::string_view subresource) {
  std::string n = Namespace(type, ns, &object);
  std::string name = ObjectName(object);
  Call call{"update", Describe("update", type, n, name, subresource), {}};
  if (name.empty()) return InvalidArgumentError(call.what + ": object has no metadata.name");
  call.request.method = "PUT";
  call.request.target =
      ObjectPath(type, n, name, subresource) + Query()
                                                   .Add("fieldManager", options.field_manager)
                                                   .Add("dryRun", options.dry_run ? "All" : "")
                                                   .str();
  call.request.headers.emplace_back("Content-Type", "application/json");
  call.request.body = object.dump();
  call.request.timeout = options_.request_timeout;
  return ExecuteJson(call);
}

StatusOr<json> ClientImpl::Update(const ResourceType& type, std::string_view ns, const json& object,
                                  const WriteOptions& options) {
  return UpdateImpl(type, ns, object, options, "");
}

StatusOr<json> ClientImpl::UpdateStatus(const ResourceType& type, std::string_view ns,
                                        const json& object, const WriteOptions& options) {
  return UpdateImpl(type, ns, object, options, "status");
}

Status ClientImpl::Delete(const ResourceType& type, std::string_view ns, std::string_view name,
                          const DeleteOptions& options) {
  std::string n = Namespace(type, ns, nullptr);
  Call call{"delete", Describe("delete", type, n, name, ""), {}};
  if (name.empty()) return InvalidArgumentError(call.what + ": empty name");
  json body = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
  if (!options.propagation_policy.empty()) body["propagationPolicy"] = options.propagation_policy;
  if (options.grace_period_seconds) body["gracePeriodSeconds"] = *options.grace_period_seconds;
  if (options.precondition_uid) body["preconditions"]["uid"] = *options.precondition_uid;
  if (options.precondition_resource_version) {
    body["preconditions"]["resourceVersion"] = *options.precondition_resource_version;
  }
  call.request.method = "DELETE";
  call.request.target = ObjectPath(type, n, name);
  call.request.headers.emplace_back("Content-Type", "application/json");
  call.request.body = body.dump();
  call.request.timeout = options_.request_timeout;
  return Execute(call).status();
}

StatusOr<json> ClientImpl::PatchImpl(const ResourceType& type, std::string_view ns,
                                     std::string_view name, const json& patch,
                                     const WriteOptions& options, std::string_view subresource) {
  std::string n = Namespace(type, ns, nullptr);
  Call call{"patch", Describe("patch", type, n, name, subresource), {}};
  if (name.empty()) return InvalidArgumentError(call.what + ": empty name");
  call.request.method = "PATCH";
  call.request.target =
      ObjectPath(type, n, name, subresource) + Query()
                                                   .Add("fieldManager", options.field_manager)
                                                   .Add("dryRun", options.dry_run ? "All" : "")
                                                   .str();
  call.request.headers.emplace_back("Content-Type", "application/merge-patch+json");
  call.request.body = patch.dump();
  call.request.timeout = options_.request_timeout;
  return ExecuteJson(call);
}

StatusOr<json> ClientImpl::MergePatch(const ResourceType& type, std::string_view ns,
                                      std::string_view name, const json& patch,
                                      const WriteOptions& options) {
  return PatchImpl(type, ns, name, patch, options, "");
}

StatusOr<json> ClientImpl::PatchStatus(const ResourceType& type, std::string_view ns,
                                       std::string_view name, const json& patch,
                                       const WriteOptions& options) {
  return PatchImpl(type, ns, name, patch, options, "status");
}

StatusOr<json> ClientImpl::ApplyImpl(const ResourceType& type, std::string_view ns,
                                     const json& object, const ApplyOptions& options,
                                     std::string_view subresource) {
  std::string n = Namespace(type, ns, &object);
  std::string name = ObjectName(object);
  Call call{"apply", Describe("apply", type, n, name, subresource), {}};
  if (name.empty()) return InvalidArgumentError(call.what + ": object has no metadata.name");
  if (options.field_manager.empty()) {
    return InvalidArgumentError(call.what + ": server-side apply needs a field manager");
  }
  if (!object.contains("apiVersion") || !object.contains("kind")) {
    return InvalidArgumentError(call.what + ": server-side apply needs apiVersion and kind");
  }
  call.request.method = "PATCH";
  call.request.target =
      ObjectPath(type, n, name, subresource) + Query()
                                                   .Add("fieldManager", options.field_manager)
                                                   .Add("force", options.force ? "true" : "")
                                                   .Add("dryRun", options.dry_run ? "All" : "")
                                                   .str();
  // JSON is YAML, so the apply body needs no YAML encoder.
  call.request.headers.emplace_back("Content-Type", "application/apply-patch+yaml");
  call.request.body = object.dump();
  call.request.timeout = options_.request_timeout;
  return ExecuteJson(call);
}

StatusOr<json> ClientImpl::Apply(const ResourceType& type, std::string_view ns, const json& object,
                                 const ApplyOptions& options) {
  return ApplyImpl(type, ns, object, options, "");
}

StatusOr<json> ClientImpl::ApplyStatus(const ResourceType& type, std::string_view ns,
                                       const json& object, const ApplyOptions& options) {
  return ApplyImpl(type, ns, object, options, "status");
}

Status ClientImpl::Watch(const ResourceType& type, std::string_view ns, const WatchOptions& options,
                         const WatchEventHandler& handler, const Cancellation& cancel) {
  std::string n = type.namespaced ? std::string(ns) : "";
  Call call{"watch", Describe("watch", type, n, "", ""), {}};
  Query q;
  q.Add("watch", "true")
      .Add("resourceVersion", options.resource_version)
      .Add("allowWatchBookmarks", options.allow_watch_bookmarks ? "true" : "")
      .Add("timeoutSeconds",
           options.timeout_seconds > 0 ? std::to_string(options.timeout_seconds) : "")
      .Add("labelSelector", options.label_selector)
      .Add("fieldSelector", options.field_selector);
  call.request.method = "GET";
  call.request.target = CollectionPath(type, n) + q.str();
  call.request.timeout = options.idle_timeout;
  AddCommonHeaders(&call.request);

  for (int attempt = 0;; ++attempt) {
    WatchDecoder decoder;
    Status decode_status;
    std::optional<Status> error_event;
    auto on_chunk = [&](std::string_view chunk) {
      decode_status = decoder.Feed(chunk, [&](WatchEvent&& e) {
        if (e.type == WatchEventType::kError) {
          error_event =
              ApiErrorFromStatusObject(e.object.dump(), call.what + " on " + config_.server).status;
          return false;
        }
        return handler(std::move(e));
      });
      return decode_status.ok() && !decoder.stopped();
    };
    auto start = clock_.SteadyNow();
    auto resp = transport_->Stream(call.request, on_chunk, cancel);
    if (options_.observer) {
      options_.observer->OnRequest("watch", resp.ok() ? resp->status : 0,
                                   clock_.SteadyNow() - start);
    }
    if (!decode_status.ok()) return decode_status.WithContext(call.what + " on " + config_.server);
    if (error_event) return *error_event;
    if (!resp.ok()) {
      if (resp.status().code() == StatusCode::kCancelled) return resp.status();
      return resp.status().WithContext(call.what);
    }
    if (resp->status >= 200 && resp->status < 300) {
      if (decoder.stopped()) return OkStatus();
      return decoder.Finish().WithContext(call.what + " on " + config_.server);
    }
    auto ra = resp->headers.find("retry-after");
    ApiError err =
        ParseApiError(resp->status, resp->body, ra == resp->headers.end() ? "" : ra->second,
                      call.what + " on " + config_.server);
    if (resp->status == 429 && attempt < options_.max_throttle_retries) {
      if (!cancel.SleepFor(clock_, err.detail.retry_after.value_or(std::chrono::seconds(1)))) {
        return CancelledError(call.what + " cancelled");
      }
      continue;
    }
    if (resp->status == 401) return AuthError(err.detail, call.what);
    return err.status;
  }
}

StatusOr<std::unique_ptr<Client>> NewClient(const KubeConfig& config,
                                            const ClientOptions& options) {
  if (config.server.empty()) {
    return InvalidArgumentError((config.source.empty() ? "client config" : config.source) +
                                ": no server URL");
  }
  if (config.insecure_skip_tls_verify) {
    SG_LOG(Warn, "")
        .Msg("TLS verification of the API server is disabled by the kubeconfig")
        .Field("server", config.server)
        .Field("source", config.source);
  }
  auto transport = NewCpprestTransport(config);
  if (!transport.ok()) return transport.status();
  return std::unique_ptr<Client>(
      std::make_unique<ClientImpl>(config, std::move(transport).value(), options));
}

std::unique_ptr<Client> NewClientWithTransport(const KubeConfig& config,
                                               std::unique_ptr<HttpTransport> transport,
                                               const ClientOptions& options) {
  return std::make_unique<ClientImpl>(config, std::move(transport), options);
}

}  // namespace skewgate::kube
