// SampleSink: where the proxy hands payload copies for statistics. The proxy calls Offer
// on its I/O threads, so an implementation must never block: when it cannot take the
// sample it drops it (and counts the drop) and returns false.
//
//   std::string req = ..., res = ...;
//   sink.Offer(req, res, 200);  // may swap the strings' contents away (keeps capacity)
#pragma once

#include <string>

namespace skewgate::sidecar {

class SampleSink {
 public:
  virtual ~SampleSink() = default;
  // Takes the request and response bodies of one exchange. The implementation may swap
  // the strings with buffers of its own (so capacity circulates instead of being
  // reallocated); their content afterwards is unspecified. `status` is the upstream's
  // HTTP status. `truncated` is true when a body exceeded the capture limit.
  // Returns false when the sample was dropped. Thread-safe, non-blocking.
  virtual bool Offer(std::string& request_body, std::string& response_body, int status,
                     bool truncated) = 0;
};

}  // namespace skewgate::sidecar
