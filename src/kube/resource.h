// Descriptors of the API resources skewgate talks to, and the REST paths built from them.
//
//   const ResourceType& rs = resources::ReplicaSets();   // apps/v1 replicasets
//   std::string p = ObjectPath(rs, "ml", "fraud-7f3c");  // /apis/apps/v1/namespaces/ml/...
#pragma once

#include <string>
#include <string_view>

namespace skewgate::kube {

// A GroupVersionResource plus the Kind and scope: enough to build every URL.
struct ResourceType {
  std::string group;     // "" for the core group
  std::string version;   // "v1"
  std::string resource;  // plural, lower case: "replicasets"
  std::string kind;      // "ReplicaSet"
  bool namespaced = true;

  // "v1" for the core group, else "group/version" — the apiVersion of objects.
  std::string ApiVersion() const;
  // "replicasets.apps" / "pods": the name kubectl and error messages use.
  std::string QualifiedName() const;
};

namespace resources {
const ResourceType& Pods();
const ResourceType& Services();
const ResourceType& ConfigMaps();
const ResourceType& Namespaces();
const ResourceType& ReplicaSets();                // apps/v1
const ResourceType& Leases();                     // coordination.k8s.io/v1
const ResourceType& Events();                     // events.k8s.io/v1
const ResourceType& HttpRoutes();                 // gateway.networking.k8s.io/v1
const ResourceType& ModelDeployments();           // skewgate.io/v1alpha1
const ResourceType& CustomResourceDefinitions();  // apiextensions.k8s.io/v1, cluster-scoped
}  // namespace resources

// "/api/v1" or "/apis/<group>/<version>".
std::string GroupVersionPath(const ResourceType& type);
// Collection path; an empty namespace (or a cluster-scoped type) means all namespaces.
std::string CollectionPath(const ResourceType& type, std::string_view ns);
// One object; `subresource` ("status") is appended when non-empty.
std::string ObjectPath(const ResourceType& type, std::string_view ns, std::string_view name,
                       std::string_view subresource = "");
// Percent-encodes a query parameter value (RFC 3986 unreserved characters kept).
std::string UrlEncode(std::string_view value);

}  // namespace skewgate::kube
