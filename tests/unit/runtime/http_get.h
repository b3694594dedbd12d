// A minimal blocking HTTP GET over loopback for tests of the probe server.
//
//   auto r = HttpGet(port, "/metrics");  EXPECT_EQ(r.status, 200);
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <string>

namespace skewgate::runtime::testing {

struct GetResult {
  int status = 0;  // 0: no valid response
  std::string headers;
  std::string body;
};

inline GetResult HttpGet(int port, const std::string& path, const std::string& method = "GET") {
  GetResult r;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  // A server bug must fail the test, not hang it.
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return r;
  }
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
  if (write(fd, req.data(), req.size()) < 0) {
    close(fd);
    return r;
  }
  std::string raw;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) raw.append(buf, n);
  close(fd);
  auto sep = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || sep == std::string::npos) return r;
  r.status = std::stoi(raw.substr(9, 3));
  r.headers = raw.substr(0, sep);
  r.body = raw.substr(sep + 4);
  return r;
}

}  // namespace skewgate::runtime::testing
