// A kube::Client whose writes are refused unless a fence says this process may write;
// reads and watches pass through. With leader election the fence is
// Manager::MayWrite(): the reconciler and the event recorder write through it, so a
// replica that lost (or may have lost) its lease writes nothing, even in the moments
// before its elector notices — e.g. a leader frozen past its lease and then resumed,
// whose workers would otherwise act on the events queued while it was frozen.
//
//   FencedClient writer(client, [&manager] { return manager.MayWrite(); });
//   ModelDeploymentReconciler reconciler(writer, ...);
#pragma once

#include <functional>

#include "common/status.h"
#include "kube/client.h"

namespace skewgate::runtime {

class FencedClient final : public kube::Client {
 public:
  // `may_write` is called before every write, from any thread; a non-ok Status is
  // returned as the write's result (the request is not sent). `inner` must outlive this.
  FencedClient(kube::Client& inner, std::function<Status()> may_write)
      : inner_(inner), may_write_(std::move(may_write)) {}

  // kube::Client
  const kube::KubeConfig& config() const override { return inner_.config(); }
  StatusOr<nlohmann::json> Get(const kube::ResourceType& type, std::string_view ns,
                               std::string_view name) override;
  StatusOr<kube::ListResult> List(const kube::ResourceType& type, std::string_view ns,
                                  const kube::ListOptions& options) override;
  StatusOr<nlohmann::json> Create(const kube::ResourceType& type, std::string_view ns,
                                  const nlohmann::json& object,
                                  const kube::WriteOptions& options) override;
  StatusOr<nlohmann::json> Update(const kube::ResourceType& type, std::string_view ns,
                                  const nlohmann::json& object,
                                  const kube::WriteOptions& options) override;
  Status Delete(const kube::ResourceType& type, std::string_view ns, std::string_view name,
                const kube::DeleteOptions& options) override;
  StatusOr<nlohmann::json> MergePatch(const kube::ResourceType& type, std::string_view ns,
                                      std::string_view name, const nlohmann::json& patch,
                                      const kube::WriteOptions& options) override;
  StatusOr<nlohmann::json> Apply(const kube::ResourceType& type, std::string_view ns,
                                 const nlohmann::json& object,
                                 const kube::ApplyOptions& options) override;
  StatusOr<nlohmann::json> GetStatus(const kube::ResourceType& type, std::string_view ns,
                                     std::string_view name) override;
  StatusOr<nlohmann::json> UpdateStatus(const kube::ResourceType& type, std::string_view ns,
                                        const nlohmann::json& object,
                                        const kube::WriteOptions& options) override;
  StatusOr<nlohmann::json> PatchStatus(const kube::ResourceType& type, std::string_view ns,
                                       std::string_view name, const nlohmann::json& patch,
                                       const kube::WriteOptions& options) override;
  StatusOr<nlohmann::json> ApplyStatus(const kube::ResourceType& type, std::string_view ns,
                                       const nlohmann::json& object,
                                       const kube::ApplyOptions& options) override;
  Status Watch(const kube::ResourceType& type, std::string_view ns,
               const kube::WatchOptions& options, const kube::WatchEventHandler& handler,
               const kube::Cancellation& cancel) override;

 private:
  kube::Client& inner_;
  std::function<Status()> may_write_;
};

}  // namespace skewgate::runtime
