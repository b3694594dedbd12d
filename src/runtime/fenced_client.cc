#include "runtime/fenced_client.h"

namespace skewgate::runtime {

using nlohmann::json;

StatusOr<json> FencedClient::Get(const kube::ResourceType& type, std::string_view ns,
                                 std::string_view name) {
  return inner_.Get(type, ns, name);
}

StatusOr<kube::ListResult> FencedClient::List(const kube::ResourceType& type, std::string_view ns,
                                              const kube::ListOptions& options) {
  return inner_.List(type, ns, options);
}

StatusOr<json> FencedClient::Create(const kube::ResourceType& type, std::string_view ns,
                                    const json& object, const kube::WriteOptions& options) {
  SG_RETURN_IF_ERROR(may_write_());
  return inner_.Create(type, ns, object, options);
}

StatusOr<json> FencedClient::Update(const kube::ResourceType& type, std::string_view ns,
                                    const json& object, const kube::WriteOptions& options) {
  SG_RETURN_IF_ERROR(may_write_());
  return inner_.Update(type, ns, object, options);
}

Status FencedClient::Delete(const kube::ResourceType& type, std::string_view ns,
                            std::string_view name, const kube::DeleteOptions& options) {
  SG_RETURN_IF_ERROR(may_write_());
  return inner_.Delete(type, ns, name, options);
}

StatusOr<json> FencedClient::MergePatch(const kube::ResourceType& type, std::string_view ns,
                                        std::string_view name, const json& patch,
                                        const kube::WriteOptions& options) {
  SG_RETURN_IF_ERROR(may_write_());
  return inner_.MergePatch(type, ns, name, patch, options);
}

StatusOr<json> FencedClient::Apply(const kube::ResourceType& type, std::string_view ns,
                                   const json& object, const kube::ApplyOptions& options) {
  SG_RETURN_IF_ERROR(may_write_());
  return inner_.Apply(type, ns, object, options);
}

StatusOr<json> FencedClient::GetStatus(const kube::ResourceType& type, std::string_view ns,
                                       std::string_view name) {
  return inner_.GetStatus(type, ns, name);
}

StatusOr<json> FencedClient::UpdateStatus(const kube::ResourceType& type, std::string_view ns,
                                          const json& object, const kube::WriteOptions& options) {
  SG_RETURN_IF_ERROR(may_write_());
  return inner_.UpdateStatus(type, ns, object, options);
}

StatusOr<json> FencedClient::PatchStatus(const kube::ResourceType& type, std::string_view ns,
                                         std::string_view name, const json& patch,
                                         const kube::WriteOptions& options) {
  SG_RETURN_IF_ERROR(may_write_());
  return inner_.PatchStatus(type, ns, name, patch, options);
}

StatusOr<json> FencedClient::ApplyStatus(const kube::ResourceType& type, std::string_view ns,
                                         const json& object, const kube::ApplyOptions& options) {
  SG_RETURN_IF_ERROR(may_write_());
  return inner_.ApplyStatus(type, ns, object, options);
}

Status FencedClient::Watch(const kube::ResourceType& type, std::string_view ns,
                           const kube::WatchOptions& options,
                           const kube::WatchEventHandler& handler,
                           const kube::Cancellation& cancel) {
  return inner_.Watch(type, ns, options, handler, cancel);
}

}  // namespace skewgate::runtime
