// ModelServer: the HTTP front of the reference model. Serves KServe V1
// (POST /v1/models/<m>:predict, GET /v1/models/<m>) and Open Inference Protocol V2
// (POST /v2/models/<m>/infer, GET /v2/models/<m>[/ready], /v2/health/live|ready, /v2).
// Request decoding reuses the sidecar's payload decoder, so both agree on the formats.
//
//   ModelServer s(model);
//   HttpResponse r = s.Handle({.method = "POST", .path = "/v1/models/m:predict", .body = b});
#pragma once

#include <string>

#include "modelserver/model.h"
#include "sidecar/http_server.h"

namespace skewgate::modelserver {

class ModelServer {
 public:
  explicit ModelServer(LinearModel model) : model_(std::move(model)) {}

  // Thread-safe; never throws. Bad input → 400 with {"error": "..."}.
  sidecar::HttpResponse Handle(const sidecar::HttpRequest& r) const;

  const LinearModel& model() const { return model_; }

 private:
  sidecar::HttpResponse Infer(const sidecar::HttpRequest& r, bool v2) const;
  LinearModel model_;
};

// Shortest text that parses back to the same double ("0.1", "1e-07"); "null" if not finite.
std::string FormatDouble(double v);

}  // namespace skewgate::modelserver
