#include "fetch/fetch.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <limits>
#include <mutex>
#include <thread>

#include "common/log.h"
#include "common/sha256.h"

namespace skewgate::fetch {
namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

// Sync Asio operations have no timeout; this watchdog shuts the socket down at the
// deadline, which makes the blocked call return with an error.
class Watchdog {
 public:
  Watchdog(int fd, std::chrono::milliseconds timeout) : fd_(fd) {
    thread_ = std::thread([this, timeout] {
      std::unique_lock<std::mutex> l(mu_);
      if (!cv_.wait_for(l, timeout, [this] { return done_; })) {
        fired_ = true;
        ::shutdown(fd_, SHUT_RDWR);
      }
    });
  }
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> l(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  bool fired() {
    std::lock_guard<std::mutex> l(mu_);
    return fired_;
  }

 private:
  int fd_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false, fired_ = false;
  std::thread thread_;
};

// One attempt's outcome: a redirect target, or a status (transient or not).
struct Attempt {
  Status status;
  bool transient = false;
  std::string redirect;
};

// Writes bytes to the temp file and the hash at once.
struct Sink {
  int fd;
  Sha256* hash;
  uint64_t bytes = 0;
  Status Write(const char* p, size_t n) {
    hash->Update(std::string_view(p, n));
    bytes += n;
    while (n > 0) {
      ssize_t w = ::write(fd, p, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        return InternalError(std::string("writing the download: ") + std::strerror(errno));
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
    return OkStatus();
  }
};

template <typename Stream>
Attempt HttpGet(Stream& stream, const ParsedUri& u, Sink& sink) {
  Attempt a;
  beast::error_code ec;
  http::request<http::empty_body> req(http::verb::get, u.target, 11);
  req.set(http::field::host, u.host);
  req.set(http::field::user_agent, "skewgate-fetch");
  http::write(stream, req, ec);
  if (ec) return {UnavailableError("sending the request: " + ec.message()), true, ""};
  beast::flat_buffer buf;
  http::response_parser<http::buffer_body> p;
  p.body_limit(std::numeric_limits<std::uint64_t>::max());  // boost::none misbehaves in 1.74
  http::read_header(stream, buf, p, ec);
  if (ec) return {UnavailableError("reading the response header: " + ec.message()), true, ""};
  int code = static_cast<int>(p.get().result_int());
  if (code >= 300 && code < 400) {
    auto loc = p.get()[http::field::location];
    if (loc.empty()) return {UnavailableError("redirect without Location"), false, ""};
    a.redirect = std::string(loc);
    return a;
  }
  if (code >= 500 || code == 429 || code == 408) {
    return {UnavailableError("server answered " + std::to_string(code)), true, ""};
  }
  if (code == 404) return {NotFoundError("server answered 404 Not Found"), false, ""};
  if (code == 401 || code == 403) {
    return {PermissionDeniedError("server answered " + std::to_string(code)), false, ""};
  }
  if (code != 200) {
    return {InvalidArgumentError("server answered " + std::to_string(code)), false, ""};
  }
  std::vector<char> chunk(64 * 1024);
  while (!p.is_done()) {
    p.get().body().data = chunk.data();
    p.get().body().size = chunk.size();
    http::read(stream, buf, p, ec);
    if (ec == http::error::need_buffer) ec = {};
    size_t n = chunk.size() - p.get().body().size;
    if (n > 0) {
      if (Status s = sink.Write(chunk.data(), n); !s.ok()) return {s, false, ""};
    }
    if (ec == http::error::partial_message || ec == net::error::eof) {
      return {DataLossError("transfer truncated after " + std::to_string(sink.bytes) + " bytes"),
              true, ""};
    }
    if (ec) return {UnavailableError("reading the body: " + ec.message()), true, ""};
  }
  return a;
}

Attempt DownloadOnce(const ParsedUri& u, const FetchOptions& o, Sink& sink) {
  if (u.scheme == "file") {
    int in = ::open(u.target.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) {
      return {NotFoundError("cannot open " + u.target + ": " + std::strerror(errno)), false, ""};
    }
    std::vector<char> chunk(64 * 1024);
    Attempt a;
    while (true) {
      ssize_t n = ::read(in, chunk.data(), chunk.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        a = {InternalError("reading " + u.target + ": " + std::strerror(errno)), false, ""};
        break;
      }
      if (n == 0) break;
      if (Status s = sink.Write(chunk.data(), static_cast<size_t>(n)); !s.ok()) {
        a = {s, false, ""};
        break;
      }
    }
    ::close(in);
    return a;
  }
  net::io_context ioc;
  beast::error_code ec;
  tcp::resolver resolver(ioc);
  auto endpoints = resolver.resolve(u.host, std::to_string(u.port), ec);
  if (ec) return {UnavailableError("resolving " + u.host + ": " + ec.message()), true, ""};
  tcp::socket sock(ioc);
  net::connect(sock, endpoints, ec);
  if (ec) {
    return {UnavailableError("connecting to " + u.host + ":" + std::to_string(u.port) + ": " +
                             ec.message()),
            true, ""};
  }
  Watchdog dog(sock.native_handle(), o.attempt_timeout);
  Attempt a;
  if (u.scheme == "http") {
    a = HttpGet(sock, u, sink);
  } else {
    ssl::context ctx(ssl::context::tls_client);
    ctx.set_default_verify_paths(ec);
    if (!o.ca_file.empty()) ctx.load_verify_file(o.ca_file, ec);
    if (ec) return {InvalidArgumentError("loading CA certificates: " + ec.message()), false, ""};
    ctx.set_verify_mode(ssl::verify_peer);
    ssl::stream<tcp::socket&> tls(sock, ctx);
    tls.set_verify_callback(ssl::host_name_verification(u.host));
    SSL_set_tlsext_host_name(tls.native_handle(), u.host.c_str());
    tls.handshake(ssl::stream_base::client, ec);
    if (ec)
      return {UnavailableError("TLS handshake with " + u.host + ": " + ec.message()), true, ""};
    a = HttpGet(tls, u, sink);
  }
  if (dog.fired() && !a.status.ok()) {
    a.status = DeadlineExceededError("download did not finish within " +
                                     std::to_string(o.attempt_timeout.count()) + " ms");
    a.transient = true;
  }
  return a;
}

// Resolves a Location header against the URI it came from.
std::string ResolveRedirect(const ParsedUri& from, const std::string& location) {
  if (location.find("://") != std::string::npos) return location;
  std::string base = from.scheme + "://" + from.host + ":" + std::to_string(from.port);
  if (!location.empty() && location[0] == '/') return base + location;
  std::string dir = from.target.substr(0, from.target.rfind('/') + 1);
  return base + dir + location;
}

}  // namespace

Status ValidateDigest(std::string_view digest) {
  constexpr std::string_view kPrefix = "sha256:";
  if (digest.substr(0, kPrefix.size()) != kPrefix || digest.size() != kPrefix.size() + 64 ||
      digest.substr(kPrefix.size()).find_first_not_of("0123456789abcdef") !=
          std::string_view::npos) {
    return InvalidArgumentError("digest '" + std::string(digest.substr(0, 80)) +
                                "' is not sha256: followed by 64 lower-case hex digits");
  }
  return OkStatus();
}

StatusOr<ParsedUri> ParseUri(std::string_view uri) {
  ParsedUri u;
  size_t sep = uri.find("://");
  if (sep == std::string_view::npos) {
    return InvalidArgumentError("URI '" + std::string(uri) +
                                "' has no scheme (https://, http://, file://)");
  }
  u.scheme = std::string(uri.substr(0, sep));
  std::string_view rest = uri.substr(sep + 3);
  if (u.scheme == "file") {
    if (rest.empty() || rest[0] != '/') {
      return InvalidArgumentError("file URI '" + std::string(uri) +
                                  "' must be file:///absolute/path");
    }
    u.target = std::string(rest);
    return u;
  }
  if (u.scheme != "http" && u.scheme != "https") {
    return InvalidArgumentError("URI scheme '" + u.scheme +
                                "' is not supported (https, http, file)");
  }
  size_t slash = rest.find('/');
  std::string_view hostport = rest.substr(0, slash);
  u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  u.port = u.scheme == "https" ? 443 : 80;
  std::string_view port_text;
  if (!hostport.empty() && hostport[0] == '[') {  // [v6]:port
    size_t close = hostport.find(']');
    if (close == std::string_view::npos)
      return InvalidArgumentError("URI '" + std::string(uri) + "' has a broken IPv6 host");
    if (close + 1 < hostport.size()) {
      if (hostport[close + 1] != ':')
        return InvalidArgumentError("URI '" + std::string(uri) + "' has a broken host");
      port_text = hostport.substr(close + 2);
    }
    hostport = hostport.substr(1, close - 1);
  } else if (size_t colon = hostport.rfind(':'); colon != std::string_view::npos) {
    port_text = hostport.substr(colon + 1);
    hostport = hostport.substr(0, colon);
  }
  if (!port_text.empty() || (u.port != 0 && port_text.data() != nullptr && port_text.empty())) {
    unsigned v = 0;
    auto r = std::from_chars(port_text.data(), port_text.data() + port_text.size(), v);
    if (r.ec != std::errc() || r.ptr != port_text.data() + port_text.size() || v == 0 ||
        v > 65535) {
      return InvalidArgumentError("URI '" + std::string(uri) + "' has an invalid port");
    }
    u.port = static_cast<uint16_t>(v);
  }
  if (hostport.empty()) return InvalidArgumentError("URI '" + std::string(uri) + "' has no host");
  u.host = std::string(hostport);
  return u;
}

StatusOr<FetchResult> Fetch(const FetchOptions& o) {
  SG_RETURN_IF_ERROR(ValidateDigest(o.digest));
  SG_ASSIGN_OR_RETURN(ParsedUri u, ParseUri(o.uri));
  if (u.scheme == "http" && !o.allow_http) {
    return InvalidArgumentError("refusing plain http:// for " + o.uri +
                                " (pass --allow-http to permit it)");
  }
  std::string name = o.file_name;
  if (name.empty()) {
    std::string path = u.target.substr(0, u.target.find('?'));
    name = path.substr(path.rfind('/') + 1);
  }
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
    return InvalidArgumentError("cannot derive a file name from '" + o.uri + "'; pass --name");
  }
  std::string final_path = o.dest_dir + "/" + name;
  std::string tmp = o.dest_dir + "/.skewgate-fetch-XXXXXX";
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) {
    return FailedPreconditionError("cannot create a file in " + o.dest_dir + ": " +
                                   std::strerror(errno));
  }
  auto cleanup = [&] {
    ::close(fd);
    ::unlink(tmp.c_str());
  };
  auto sleep =
      o.sleep ? o.sleep : [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  FetchResult result;
  Status last;
  std::chrono::milliseconds backoff = o.backoff;
  ParsedUri current = u;
  int redirects = 0;
  for (int attempt = 1; attempt <= std::max(1, o.attempts);) {
    result.attempts = attempt;
    if (::ftruncate(fd, 0) != 0 || ::lseek(fd, 0, SEEK_SET) != 0) {
      cleanup();
      return InternalError("cannot reset the temporary file");
    }
    Sha256 hash;
    Sink sink{fd, &hash};
    Attempt a = DownloadOnce(current, o, sink);
    if (!a.redirect.empty() && a.status.ok()) {
      if (++redirects > o.max_redirects) {
        cleanup();
        return UnavailableError("more than " + std::to_string(o.max_redirects) + " redirects");
      }
      auto next = ParseUri(ResolveRedirect(current, a.redirect));
      if (!next.ok() || next->scheme == "file") {
        cleanup();
        return InvalidArgumentError("redirect to an unusable location: " + a.redirect);
      }
      if (next->scheme == "http" && !o.allow_http) {
        cleanup();
        return InvalidArgumentError("refusing redirect to plain http:// (" + a.redirect + ")");
      }
      current = *next;
      continue;  // a redirect is not a failed attempt
    }
    if (a.status.ok()) {
      std::string actual = "sha256:" + hash.FinishHex();
      if (actual != o.digest) {
        cleanup();
        return DataLossError("digest mismatch for " + o.uri + ": expected " + o.digest + ", got " +
                             actual);
      }
      if (::fsync(fd) != 0 || ::fchmod(fd, 0644) != 0) {
        cleanup();
        return InternalError("cannot flush the download to disk");
      }
      ::close(fd);
      if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        return FailedPreconditionError("cannot move the download to " + final_path + ": " +
                                       std::strerror(errno));
      }
      int dfd = ::open(o.dest_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dfd >= 0) {
        ::fsync(dfd);  // make the rename durable
        ::close(dfd);
      }
      result.path = final_path;
      result.digest = actual;
      result.bytes = sink.bytes;
      return result;
    }
    last = a.status;
    if (!a.transient || attempt == o.attempts) break;
    SG_LOG(Warn, o.uri)
        .Msg("download failed; retrying")
        .Field("attempt", attempt)
        .Field("error", a.status.ToString())
        .Field("backoff_ms", static_cast<int64_t>(backoff.count()));
    sleep(backoff);
    backoff = std::min(backoff * 2, o.max_backoff);
    ++attempt;
  }
  cleanup();
  return last.WithContext("fetching " + o.uri + " (" + std::to_string(result.attempts) +
                          " attempt" + (result.attempts == 1 ? "" : "s") + ")");
}

}  // namespace skewgate::fetch
