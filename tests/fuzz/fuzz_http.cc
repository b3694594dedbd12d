// libFuzzer target: the proxy's observing HTTP parser, fed the input in pieces the way
// the proxy feeds it (consumed bytes removed, the rest kept), as a request and as a
// response. FUZZ_RESPONSE selects the direction at build time.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "sidecar/relay_parser.h"

template <bool kIsRequest>
static void Run(const uint8_t* data, size_t size) {
  namespace http = boost::beast::http;
  std::string capture;
  std::optional<skewgate::sidecar::RelayParser<kIsRequest>> p;
  p.emplace(&capture, 4096);
  p->body_limit(1 << 20);
  p->header_limit(8192);
  p->eager(true);
  std::string pending;
  size_t off = 0;
  // Feed in pieces of varying size to exercise resumption.
  while (off < size) {
    size_t piece = 1 + (data[off] % 97);
    pending.append(reinterpret_cast<const char*>(data) + off, std::min(piece, size - off));
    off += piece;
    while (!pending.empty()) {
      boost::beast::error_code ec;
      size_t n = p->put(boost::asio::buffer(pending), ec);
      pending.erase(0, n);
      if (ec == http::error::need_more) break;
      if (ec) return;
      if (p->is_done()) {
        p.emplace(&capture, 4096);  // next message on the same connection
        p->body_limit(1 << 20);
        p->header_limit(8192);
        p->eager(true);
      } else if (n == 0) {
        break;
      }
    }
  }
  if (p->is_header_done() && p->need_eof()) {
    boost::beast::error_code ec;
    p->put_eof(ec);
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
#ifdef FUZZ_RESPONSE
  Run<false>(data, size);
#else
  Run<true>(data, size);
#endif
  return 0;
}
