#include "unit/sidecar/net_test_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/beast/http.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>

namespace skewgate::testing {
namespace http = boost::beast::http;

namespace {

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

bool WriteAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

// Reads what is available within the deadline; returns 0 on EOF, -1 on timeout/error.
ssize_t ReadSome(int fd, char* buf, size_t cap, std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now())
                  .count();
  if (left <= 0) return -1;
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(left)) <= 0) return -1;
  return read(fd, buf, cap);  // pipes and sockets alike
}

}  // namespace

Daemon::Daemon(const std::vector<std::string>& argv) {
  int out[2];
  if (pipe(out) != 0) return;
  pid_ = fork();
  if (pid_ == 0) {
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    execv(cargv[0], cargv.data());
    _exit(127);
  }
  close(out[1]);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  char c;
  while (true) {
    ssize_t n = ReadSome(out[0], &c, 1, deadline);
    if (n <= 0 || c == '\n') break;
    line_.push_back(c);
  }
  close(out[0]);  // later stdout writes go nowhere; the daemons print only this line
  auto j = nlohmann::json::parse(line_, nullptr, false);
  if (j.is_object()) {
    port_ = j.value("port", 0);
    admin_port_ = j.value("adminPort", 0);
  }
}

Daemon::~Daemon() { Terminate(); }

int Daemon::Terminate() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 1000; ++i) {
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return status;
    }
    usleep(10'000);  // waiting for a process to exit, not for time to pass
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

std::string RawExchange(int port, const std::string& request, int responses, int timeout_ms) {
  int fd = Connect(port);
  if (fd < 0) return "";
  std::string raw;
  if (!WriteAll(fd, request)) {
    close(fd);
    return "";
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string pending;
  int done = 0;
  std::optional<http::response_parser<http::string_body>> p;
  p.emplace();
  p->body_limit(std::numeric_limits<std::uint64_t>::max());
  p->eager(true);
  std::vector<char> buf(1 << 16);
  while (done < responses) {
    // Parse what we have.
    while (!pending.empty() && done < responses) {
      boost::beast::error_code ec;
      size_t n = p->put(boost::asio::buffer(pending), ec);
      raw.append(pending, 0, n);
      pending.erase(0, n);
      if (ec && ec != http::error::need_more) {
        close(fd);
        return raw + pending;
      }
      if (p->is_done()) {
        ++done;
        p.emplace();
        p->body_limit(std::numeric_limits<std::uint64_t>::max());
        p->eager(true);
      } else if (n == 0) {
        break;
      }
    }
    if (done >= responses) break;
    ssize_t n = ReadSome(fd, buf.data(), buf.size(), deadline);
    if (n <= 0) {
      raw += pending;
      break;
    }
    pending.append(buf.data(), static_cast<size_t>(n));
  }
  close(fd);
  return raw;
}

std::string SendAndReadToClose(int port, const std::string& bytes, int timeout_ms) {
  int fd = Connect(port);
  if (fd < 0) return "";
  WriteAll(fd, bytes);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string out;
  std::vector<char> buf(1 << 16);
  while (true) {
    ssize_t n = ReadSome(fd, buf.data(), buf.size(), deadline);
    if (n <= 0) break;
    out.append(buf.data(), static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

int StatusOf(const std::string& raw) {
  if (raw.size() < 12 || raw.compare(0, 5, "HTTP/") != 0) return -1;
  return std::atoi(raw.substr(9, 3).c_str());
}

std::string BodyOf(const std::string& raw) {
  size_t p = raw.find("\r\n\r\n");
  return p == std::string::npos ? "" : raw.substr(p + 4);
}

RawServer::RawServer(Handler h) : handler_(std::move(h)) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  listen(listen_fd_, 128);
  socklen_t len = sizeof a;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  accept_thread_ = std::thread([this] {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      ++connections_;
      threads_.emplace_back([this, fd] { Serve(fd); });
    }
  });
}

RawServer::~RawServer() {
  stop_ = true;
  accept_thread_.join();
  for (auto& t : threads_) t.join();
  close(listen_fd_);
}

void RawServer::Serve(int fd) {
  std::string pending;
  std::vector<char> buf(1 << 16);
  while (!stop_) {
    http::request_parser<http::string_body> p;
    p.body_limit(std::numeric_limits<std::uint64_t>::max());
    p.eager(true);
    bool closed = false;
    while (!p.is_done()) {
      if (!pending.empty()) {
        boost::beast::error_code ec;
        size_t n = p.put(boost::asio::buffer(pending), ec);
        pending.erase(0, n);
        if (ec && ec != http::error::need_more) {
          closed = true;
          break;
        }
        if (p.is_done() || n > 0) continue;
      }
      pollfd pf{fd, POLLIN, 0};
      if (poll(&pf, 1, 50) == 0) {
        if (stop_) closed = true;
        if (closed) break;
        continue;
      }
      ssize_t n = recv(fd, buf.data(), buf.size(), 0);
      if (n <= 0) {
        closed = true;
        break;
      }
      pending.append(buf.data(), static_cast<size_t>(n));
    }
    if (closed) break;
    Request r{std::string(p.get().method_string()), std::string(p.get().target()), p.get().body()};
    bool close_after = false;
    std::string out = handler_(r, &close_after);
    if (!WriteAll(fd, out) || close_after) break;
  }
  shutdown(fd, SHUT_WR);
  close(fd);
}

std::string SiblingBinary(const std::string& name) {
  return (std::filesystem::read_symlink("/proc/self/exe").parent_path() / name).string();
}

std::string MakeTempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "skewgate-test-XXXXXX").string();
  char* d = mkdtemp(tmpl.data());
  return d ? std::string(d) : "";
}

std::string WriteTempFile(const std::string& name, const std::string& content) {
  static std::string dir = MakeTempDir();
  std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

skew::Baseline MakeBaseline(const std::vector<NumericSpec>& numeric,
                            const std::vector<CategoricalSpec>& categorical) {
  skew::Baseline b;
  b.rows = 100;
  for (const auto& n : numeric) {
    skew::FeatureBaseline f;
    f.name = n.name;
    f.kind = skew::FeatureKind::kNumeric;
    f.role = n.role;
    f.numeric.cuts = n.cuts;
    f.numeric.point.assign(n.cuts.size(), false);
    f.counts.assign(static_cast<size_t>(f.numeric.BucketCount()), 0);
    f.counts[0] = 100;
    f.numeric_stats.count = 100;
    f.numeric_stats.mean = 0;
    f.numeric_stats.std = 1;
    f.numeric_stats.min = 0;
    f.numeric_stats.max = 1;
    b.features.push_back(f);
  }
  for (const auto& c : categorical) {
    skew::FeatureBaseline f;
    f.name = c.name;
    f.kind = skew::FeatureKind::kCategorical;
    f.categorical.labels = c.labels;
    f.counts.assign(static_cast<size_t>(f.categorical.BucketCount()), 0);
    f.counts[0] = 100;
    f.categorical_stats.count = 100;
    f.categorical_stats.distinct = c.labels.size();
    b.features.push_back(f);
  }
  b.hash = skew::ComputeBaselineHash(b);
  return b;
}

}  // namespace skewgate::testing
