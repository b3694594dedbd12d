// What kube-proxy and cluster DNS give a real pod, for the processes the pod runner starts:
// a way to reach a Service by its name. The local cluster's ClusterIPs are not routable
// and `name.namespace.svc` does not resolve on this host, so the pod runner rewrites such
// URLs in the files a pod reads (RewriteServiceUrls) to a userspace proxy it runs here
// (ServiceProxies): one TCP listener on 127.0.0.1 per Service port, spreading connections
// round robin over the Service's Ready pods at the target port, refreshed from the API
// server. The product code is unchanged: on a real cluster the same URL goes through DNS
// and kube-proxy.
//
//   ServiceProxies proxies;
//   std::string text = RewriteServiceUrls(config, "ns", [&](auto& ns, auto& svc, int port) {
//     return proxies.Address(ns, svc, port); });   // "127.0.0.1:41234"
//   proxies.Refresh(client);                         // every second: Ready endpoints
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "kube/client.h"

namespace skewgate::testing {

// Rewrites every `http://NAME.NAMESPACE.svc[.cluster.local]:PORT` in `text` to
// `http://ADDRESS` where ADDRESS = resolve(namespace, name, port); an empty ADDRESS leaves
// that URL as written. Pure.
std::string RewriteServiceUrls(
    const std::string& text,
    const std::function<std::string(const std::string& ns, const std::string& name, int port)>&
        resolve);

class ServiceProxies {
 public:
  ServiceProxies();
  ~ServiceProxies();
  ServiceProxies(const ServiceProxies&) = delete;
  ServiceProxies& operator=(const ServiceProxies&) = delete;

  // "127.0.0.1:P" of the listener for that Service port, started on first use; "" when it
  // cannot listen. Its backends are filled in by the next Refresh().
  std::string Address(const std::string& ns, const std::string& name, int port);
  // Reads each proxied Service (selector, port → targetPort) and its Ready pods. A Service
  // that cannot be read keeps its last endpoints.
  void Refresh(kube::Client& client);
  // Connections each backend ("ip:port") was given, for logs and tests.
  std::map<std::string, uint64_t> ConnectionsByBackend() const;

 private:
  struct Listener;
  using Key = std::tuple<std::string, std::string, int>;  // namespace, name, port
  mutable std::mutex mu_;
  std::map<Key, std::shared_ptr<Listener>> listeners_;
};

}  // namespace skewgate::testing
