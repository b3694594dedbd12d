#include "pod_runner/service_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>

#include "common/log.h"
#include "kube/resource.h"

namespace skewgate::testing {

using nlohmann::json;

namespace {

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

bool DnsLabelChar(char c) {
  return std::islower(static_cast<unsigned char>(c)) ||
         std::isdigit(static_cast<unsigned char>(c)) || c == '-';
}

// Copies bytes both ways until either side closes or nothing moves for a minute.
void Relay(int a, int b) {
  char buf[16384];
  pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
  while (poll(fds, 2, 60'000) > 0) {
    for (int i = 0; i < 2; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) return;
      for (ssize_t off = 0; off < n;) {
        ssize_t w = write(fds[1 - i].fd, buf + off, n - off);
        if (w <= 0) return;
        off += w;
      }
    }
  }
}

int ConnectTo(const std::string& ip, int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (fd < 0 || inet_pton(AF_INET, ip.c_str(), &addr.sin_addr) != 1 ||
      connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

std::string RewriteServiceUrls(
    const std::string& text,
    const std::function<std::string(const std::string&, const std::string&, int)>& resolve) {
  static const std::string kScheme = "http://";
  std::string out;
  size_t pos = 0;
  for (size_t at = text.find(kScheme); at != std::string::npos; at = text.find(kScheme, pos)) {
    out += text.substr(pos, at - pos + kScheme.size());
    pos = at + kScheme.size();
    // NAME.NAMESPACE.svc[.cluster.local]:PORT
    std::string labels[2];
    size_t i = pos;
    bool ok = true;
    for (auto& label : labels) {
      while (i < text.size() && DnsLabelChar(text[i])) label += text[i++];
      ok = ok && !label.empty() && i < text.size() && text[i] == '.';
      ++i;
    }
    if (!ok || text.compare(i, 3, "svc") != 0) continue;
    i += 3;
    if (text.compare(i, 14, ".cluster.local") == 0) i += 14;
    if (i >= text.size() || text[i] != ':') continue;
    size_t digits = i + 1;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
    if (digits == i + 1 || digits - i > 6) continue;
    int port = std::stoi(text.substr(i + 1, digits - i - 1));
    std::string address = resolve(labels[1], labels[0], port);
    if (address.empty()) continue;
    out += address;
    pos = digits;
  }
  return out + text.substr(pos);
}

struct ServiceProxies::Listener : std::enable_shared_from_this<Listener> {
  int fd = -1;
  int port = 0;
  std::thread acceptor;
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<std::string> backends;  // "ip:port" of Ready pods
  size_t next = 0;
  std::map<std::string, uint64_t> given;

  void Serve() {
    while (!stop) {
      int client = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) {
        if (stop) return;
        continue;
      }
      std::string backend;
      {
        std::lock_guard<std::mutex> l(mu);
        if (!backends.empty()) {
          backend = backends[next++ % backends.size()];
          ++given[backend];
        }
      }
      // As kube-proxy with no endpoints: the connection is refused (closed at once).
      if (backend.empty()) {
        close(client);
        continue;
      }
      std::thread([client, backend] {
        size_t colon = backend.rfind(':');
        int upstream = ConnectTo(backend.substr(0, colon), std::stoi(backend.substr(colon + 1)));
        if (upstream >= 0) {
          Relay(client, upstream);
          close(upstream);
        }
        close(client);
      }).detach();
    }
  }
};

ServiceProxies::ServiceProxies() = default;

ServiceProxies::~ServiceProxies() {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [key, lis] : listeners_) {
    lis->stop = true;
    shutdown(lis->fd, SHUT_RDWR);
    if (lis->acceptor.joinable()) lis->acceptor.join();
    close(lis->fd);
  }
}

std::string ServiceProxies::Address(const std::string& ns, const std::string& name, int port) {
  std::lock_guard<std::mutex> l(mu_);
  Key key{ns, name, port};
  auto it = listeners_.find(key);
  if (it == listeners_.end()) {
    auto lis = std::make_shared<Listener>();
    lis->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (lis->fd < 0 || bind(lis->fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(lis->fd, 256) != 0 ||
        getsockname(lis->fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      if (lis->fd >= 0) close(lis->fd);
      return "";
    }
    lis->port = ntohs(addr.sin_port);
    lis->acceptor = std::thread([lis] { lis->Serve(); });
    SG_LOG(Info, ns + "/" + name)
        .Msg("service proxy listening")
        .Field("port", port)
        .Field("local", "127.0.0.1:" + std::to_string(lis->port));
    it = listeners_.emplace(key, std::move(lis)).first;
  }
  return "127.0.0.1:" + std::to_string(it->second->port);
}

void ServiceProxies::Refresh(kube::Client& client) {
  std::map<Key, std::shared_ptr<Listener>> listeners;
  {
    std::lock_guard<std::mutex> l(mu_);
    listeners = listeners_;
  }
  for (auto& [key, lis] : listeners) {
    const auto& [ns, name, port] = key;
    auto svc = client.Get(kube::resources::Services(), ns, name);
    if (!svc.ok()) continue;
    const json spec = (*svc).value("spec", json::object());
    int target = port;
    for (const auto& p : spec.value("ports", json::array())) {
      if (p.value("port", 0) == port && p.contains("targetPort") && p["targetPort"].is_number()) {
        target = p["targetPort"].get<int>();
      }
    }
    std::string selector;
    const json sel = spec.value("selector", json::object());  // items() must not outlive it
    for (const auto& [k, v] : sel.items()) {
      if (v.is_string()) selector += (selector.empty() ? "" : ",") + k + "=" + v.get<std::string>();
    }
    if (selector.empty()) continue;  // a Service without selector has no endpoints we derive
    kube::ListOptions opts;
    opts.label_selector = selector;
    auto pods = client.List(kube::resources::Pods(), ns, opts);
    if (!pods.ok()) continue;
    std::vector<std::string> backends;
    for (const auto& p : pods->items) {
      bool ready = false;
      for (const auto& c : p["status"].value("conditions", json::array())) {
        if (Str(c, "type") == "Ready") ready = Str(c, "status") == "True";
      }
      if (p["metadata"].contains("deletionTimestamp")) ready = false;
      std::string ip = Str(p["status"], "podIP");
      if (ready && !ip.empty()) backends.push_back(ip + ":" + std::to_string(target));
    }
    std::lock_guard<std::mutex> l(lis->mu);
    lis->backends = std::move(backends);
  }
}

std::map<std::string, uint64_t> ServiceProxies::ConnectionsByBackend() const {
  std::map<std::string, uint64_t> out;
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& [key, lis] : listeners_) {
    std::lock_guard<std::mutex> ll(lis->mu);
    for (const auto& [b, n] : lis->given) out[b] += n;
  }
  return out;
}

}  // namespace skewgate::testing
