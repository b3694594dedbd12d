#include "kube/resource.h"

namespace skewgate::kube {

std::string ResourceType::ApiVersion() const {
  return group.empty() ? version : group + "/" + version;
}

std::string ResourceType::QualifiedName() const {
  return group.empty() ? resource : resource + "." + group;
}

namespace resources {
// Function-local statics: safe to use from other static initialisers.
const ResourceType& Pods() {
  static const ResourceType t{"", "v1", "pods", "Pod", true};
  return t;
}
const ResourceType& Services() {
  static const ResourceType t{"", "v1", "services", "Service", true};
  return t;
}
const ResourceType& ConfigMaps() {
  static const ResourceType t{"", "v1", "configmaps", "ConfigMap", true};
  return t;
}
const ResourceType& Namespaces() {
  static const ResourceType t{"", "v1", "namespaces", "Namespace", false};
  return t;
}
const ResourceType& ReplicaSets() {
  static const ResourceType t{"apps", "v1", "replicasets", "ReplicaSet", true};
  return t;
}
const ResourceType& Leases() {
  static const ResourceType t{"coordination.k8s.io", "v1", "leases", "Lease", true};
  return t;
}
const ResourceType& Events() {
  static const ResourceType t{"events.k8s.io", "v1", "events", "Event", true};
  return t;
}
const ResourceType& HttpRoutes() {
  static const ResourceType t{"gateway.networking.k8s.io", "v1", "httproutes", "HTTPRoute", true};
  return t;
}
const ResourceType& ModelDeployments() {
  static const ResourceType t{"skewgate.io", "v1alpha1", "modeldeployments", "ModelDeployment",
                              true};
  return t;
}
const ResourceType& CustomResourceDefinitions() {
  static const ResourceType t{"apiextensions.k8s.io", "v1", "customresourcedefinitions",
                              "CustomResourceDefinition", false};
  return t;
}
}  // namespace resources

std::string GroupVersionPath(const ResourceType& type) {
  return type.group.empty() ? "/api/" + type.version : "/apis/" + type.group + "/" + type.version;
}

std::string CollectionPath(const ResourceType& type, std::string_view ns) {
  std::string path = GroupVersionPath(type);
  if (type.namespaced && !ns.empty()) {
    path += "/namespaces/";
    path += UrlEncode(ns);
  }
  path += "/";
  path += type.resource;
  return path;
}

std::string ObjectPath(const ResourceType& type, std::string_view ns, std::string_view name,
                       std::string_view subresource) {
  std::string path = CollectionPath(type, ns);
  path += "/";
  path += UrlEncode(name);
  if (!subresource.empty()) {
    path += "/";
    path += subresource;
  }
  return path;
}

std::string UrlEncode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (unsigned char c : value) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

}  // namespace skewgate::kube
