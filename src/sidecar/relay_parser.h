// RelayParser: an HTTP/1.1 message parser that only observes. The proxy forwards the raw
// bytes the parser consumed, so what leaves is byte for byte what arrived (chunk
// boundaries, header case and order included); the parser only finds where a message
// ends, enforces limits, and copies a bounded prefix of the body for statistics.
//
//   RelayParser<true> p(&body_copy, 1 << 20);  p.body_limit(max_body);
//   size_t n = p.put(buffer.data(), ec);      // forward the first n bytes, then consume
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace skewgate::sidecar {

template <bool kIsRequest>
class RelayParser : public boost::beast::http::basic_parser<kIsRequest> {
 public:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  // `capture` receives up to `capture_limit` bytes of the (de-chunked) body; it is cleared
  // here. nullptr captures nothing.
  RelayParser(std::string* capture, size_t capture_limit)
      : capture_(capture), capture_limit_(capture_limit) {
    if (capture_ != nullptr) capture_->clear();
  }

  boost::beast::http::verb method() const { return method_; }
  int status() const { return status_; }
  // True when the body did not fit in the capture (the capture is then incomplete).
  bool capture_overflow() const { return overflow_; }
  bool expect_continue() const { return expect_continue_; }
  uint64_t body_bytes() const { return body_bytes_; }

 protected:
  void on_request_impl(boost::beast::http::verb method, string_view, string_view, int,
                       error_code&) override {
    method_ = method;  // the target is not kept: copying it would allocate per request
  }
  void on_response_impl(int code, string_view, int, error_code&) override { status_ = code; }
  void on_field_impl(boost::beast::http::field name, string_view, string_view value,
                     error_code&) override {
    if (name == boost::beast::http::field::expect && boost::beast::iequals(value, "100-continue")) {
      expect_continue_ = true;
    }
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(boost::optional<std::uint64_t> const& length, error_code&) override {
    if (capture_ != nullptr && length && *length > capture_limit_) overflow_ = true;
  }
  size_t on_body_impl(string_view body, error_code&) override {
    Capture(body);
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override {
    Capture(body);
    return body.size();
  }
  void on_finish_impl(error_code&) override {}

 private:
  void Capture(string_view body) {
    body_bytes_ += body.size();
    if (capture_ == nullptr || overflow_) return;
    if (capture_->size() + body.size() > capture_limit_) {
      overflow_ = true;
      return;
    }
    capture_->append(body.data(), body.size());
  }

  std::string* capture_;
  size_t capture_limit_;
  boost::beast::http::verb method_ = boost::beast::http::verb::unknown;
  int status_ = 0;
  bool overflow_ = false;
  bool expect_continue_ = false;
  uint64_t body_bytes_ = 0;
};

}  // namespace skewgate::sidecar
