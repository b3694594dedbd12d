// The Client over an HttpTransport: URL and query building, auth headers (with a token
// file re-read when it rotates), JSON encoding, error mapping, 429 retries, counting.
//
//   auto c = std::make_unique<ClientImpl>(config, std::move(transport), ClientOptions{});
//   SG_ASSIGN_OR_RETURN(auto pod, c->Get(resources::Pods(), "ml", "p"));
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "kube/client.h"
#include "kube/errors.h"
#include "kube/http_transport.h"

namespace skewgate::kube {

class ClientImpl final : public Client {
 public:
  ClientImpl(KubeConfig config, std::unique_ptr<HttpTransport> transport, ClientOptions options);

  // Client
  const KubeConfig& config() const override { return config_; }
  StatusOr<nlohmann::json> Get(const ResourceType& type, std::string_view ns,
                               std::string_view name) override;
  StatusOr<ListResult> List(const ResourceType& type, std::string_view ns,
                            const ListOptions& options) override;
  StatusOr<nlohmann::json> Create(const ResourceType& type, std::string_view ns,
                                  const nlohmann::json& object,
                                  const WriteOptions& options) override;
  StatusOr<nlohmann::json> Update(const ResourceType& type, std::string_view ns,
                                  const nlohmann::json& object,
                                  const WriteOptions& options) override;
  Status Delete(const ResourceType& type, std::string_view ns, std::string_view name,
                const DeleteOptions& options) override;
  StatusOr<nlohmann::json> MergePatch(const ResourceType& type, std::string_view ns,
                                      std::string_view name, const nlohmann::json& patch,
                                      const WriteOptions& options) override;
  StatusOr<nlohmann::json> Apply(const ResourceType& type, std::string_view ns,
                                 const nlohmann::json& object,
                                 const ApplyOptions& options) override;
  StatusOr<nlohmann::json> GetStatus(const ResourceType& type, std::string_view ns,
                                     std::string_view name) override;
  StatusOr<nlohmann::json> UpdateStatus(const ResourceType& type, std::string_view ns,
                                        const nlohmann::json& object,
                                        const WriteOptions& options) override;
  StatusOr<nlohmann::json> PatchStatus(const ResourceType& type, std::string_view ns,
                                       std::string_view name, const nlohmann::json& patch,
                                       const WriteOptions& options) override;
  StatusOr<nlohmann::json> ApplyStatus(const ResourceType& type, std::string_view ns,
                                       const nlohmann::json& object,
                                       const ApplyOptions& options) override;
  Status Watch(const ResourceType& type, std::string_view ns, const WatchOptions& options,
               const WatchEventHandler& handler, const Cancellation& cancel) override;

 private:
  struct Call;  // one logical request: verb, HTTP request, description for messages
  StatusOr<HttpResponse> Execute(Call& call);
  StatusOr<nlohmann::json> ExecuteJson(Call& call);
  StatusOr<nlohmann::json> GetImpl(const ResourceType& type, std::string_view ns,
                                   std::string_view name, std::string_view subresource);
  StatusOr<nlohmann::json> UpdateImpl(const ResourceType& type, std::string_view ns,
                                      const nlohmann::json& object, const WriteOptions& options,
                                      std::string_view subresource);
  StatusOr<nlohmann::json> PatchImpl(const ResourceType& type, std::string_view ns,
                                     std::string_view name, const nlohmann::json& patch,
                                     const WriteOptions& options, std::string_view subresource);
  StatusOr<nlohmann::json> ApplyImpl(const ResourceType& type, std::string_view ns,
                                     const nlohmann::json& object, const ApplyOptions& options,
                                     std::string_view subresource);
  void AddCommonHeaders(HttpRequest* request);
  std::string BearerToken();
  Status AuthError(const ApiErrorDetail& detail, const std::string& what);
  std::string Namespace(const ResourceType& type, std::string_view ns,
                        const nlohmann::json* object) const;

  KubeConfig config_;
  std::unique_ptr<HttpTransport> transport_;
  ClientOptions options_;
  const Clock& clock_;

  std::mutex token_mu_;
  std::string file_token_;
  int64_t token_mtime_ns_ = -1;
  int64_t token_size_ = -1;
};

}  // namespace skewgate::kube
