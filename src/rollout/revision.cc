#include "rollout/revision.h"

#include "api/codec.h"
#include "common/sha256.h"

namespace skewgate::rollout {

nlohmann::json RevisionContent(const api::ModelDeploymentSpec& spec,
                               std::string_view baseline_digest) {
  // Only what changes a pod's behaviour. The sidecar is encoded field by field (not through
  // the codec) so that a codec change cannot silently re-hash every revision in a cluster.
  nlohmann::json sidecar = {
      {"protocol", api::ProtocolName(spec.sidecar.protocol)},
      {"port", spec.sidecar.port},
      {"modelPort", spec.sidecar.model_port},
      {"image", spec.sidecar.image},
      {"featureNames", spec.sidecar.feature_names},
      {"resources", spec.sidecar.resources},
  };
  return {
      {"model", {{"uri", spec.model.uri}, {"digest", spec.model.digest}}},
      {"baselineDigest", std::string(baseline_digest)},
      {"template", spec.pod_template},
      {"sidecar", std::move(sidecar)},
  };
}

std::string RevisionHash(const api::ModelDeploymentSpec& spec, std::string_view baseline_digest) {
  // nlohmann::json objects are std::map-ordered, so dump() is canonical for equal content.
  return Sha256Hex(RevisionContent(spec, baseline_digest).dump()).substr(0, kRevisionHashLength);
}

std::string ReplicaSetName(std::string_view md_name, std::string_view revision) {
  std::string name(md_name);
  name += '-';
  name += revision;
  return name;
}

std::string ModelServerImage(const api::ModelDeploymentSpec& spec) {
  const nlohmann::json& t = spec.pod_template;
  if (!t.is_object()) return "";
  auto s = t.find("spec");
  if (s == t.end() || !s->is_object()) return "";
  auto cs = s->find("containers");
  if (cs == s->end() || !cs->is_array() || cs->empty()) return "";
  const nlohmann::json& c = (*cs)[0];
  if (!c.is_object()) return "";
  auto image = c.find("image");
  return image != c.end() && image->is_string() ? image->get<std::string>() : "";
}

}  // namespace skewgate::rollout
