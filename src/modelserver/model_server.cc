#include "modelserver/model_server.h"

#include <charconv>
#include <cmath>
#include <memory>

#include "common/log.h"
#include "sidecar/json_doc.h"
#include "sidecar/payload.h"

namespace skewgate::modelserver {
namespace {

using sidecar::FeatureValue;
using sidecar::HttpResponse;

HttpResponse JsonError(int status, const std::string& message) {
  return {status, "application/json", "{\"error\":" + JsonQuote(message) + "}"};
}

// Collects decoded rows into feature vectors in the model's order and predicts.
class PredictSink : public sidecar::RowSink {
 public:
  explicit PredictSink(const LinearModel& m) : m_(m), x_(m.features.size()) {}

  void BeginRow() override {
    present_.assign(m_.features.size(), 0);
    std::fill(x_.begin(), x_.end(), 0.0);
  }
  void Value(std::string_view feature, const FeatureValue& v) override {
    if (!error_.empty()) return;
    int i = m_.FeatureIndex(feature);
    if (i < 0) return;  // extra inputs are allowed and ignored
    double d = 0;
    switch (v.kind) {
      case FeatureValue::Kind::kNumber:
      case FeatureValue::Kind::kBool: d = v.number; break;
      case FeatureValue::Kind::kString: {
        auto r = std::from_chars(v.text.data(), v.text.data() + v.text.size(), d);
        if (r.ec != std::errc() || r.ptr != v.text.data() + v.text.size()) {
          error_ = "row " + std::to_string(predictions_.size()) + ": feature '" +
                   std::string(feature) + "' is not a number";
          return;
        }
        break;
      }
      default:
        error_ = "row " + std::to_string(predictions_.size()) + ": feature '" +
                 std::string(feature) + "' has no numeric value";
        return;
    }
    if (!std::isfinite(d)) {
      error_ = "row " + std::to_string(predictions_.size()) + ": feature '" + std::string(feature) +
               "' is not finite";
      return;
    }
    x_[static_cast<size_t>(i)] = d;
    present_[static_cast<size_t>(i)] = 1;
  }
  void EndRow() override {
    if (!error_.empty()) return;
    for (size_t i = 0; i < present_.size(); ++i) {
      if (!present_[i]) {
        error_ = "row " + std::to_string(predictions_.size()) + ": feature '" + m_.features[i] +
                 "' is missing";
        return;
      }
    }
    predictions_.push_back(m_.Predict(x_));
  }

  const std::string& error() const { return error_; }
  const std::vector<double>& predictions() const { return predictions_; }

 private:
  const LinearModel& m_;
  std::vector<double> x_;
  std::vector<uint8_t> present_;
  std::vector<double> predictions_;
  std::string error_;
};

// Finds the id member of a V2 request (echoed back in the response, as the spec asks).
std::string V2Id(const sidecar::JsonDoc& doc) {
  uint32_t id = doc.Find(doc.root(), "id");
  if (id == sidecar::kNoNode || doc.node(id).type != sidecar::JsonType::kString) return "";
  return std::string(doc.node(id).text);
}

}  // namespace

std::string FormatDouble(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

HttpResponse ModelServer::Infer(const sidecar::HttpRequest& r, bool v2) const {
  thread_local sidecar::JsonDoc doc;
  if (sidecar::JsonError e = doc.Parse(r.body); e != sidecar::JsonError::kNone) {
    return JsonError(400, "request body is not valid JSON (" +
                              std::string(sidecar::JsonErrorName(e)) + " at byte " +
                              std::to_string(doc.error_offset()) + ")");
  }
  sidecar::DecoderConfig dc;
  dc.protocol = v2 ? sidecar::Protocol::kV2 : sidecar::Protocol::kV1;
  dc.columns = model_.features;
  sidecar::PayloadDecoder decoder(std::move(dc));
  PredictSink sink(model_);
  sidecar::DecodeResult d = decoder.DecodeRequest(doc, sink);
  if (!d.ok()) {
    return JsonError(400, std::string("cannot read ") + (v2 ? "V2 inputs" : "V1 instances") + ": " +
                              std::string(d.reason));
  }
  if (!sink.error().empty()) return JsonError(400, sink.error());
  const auto& p = sink.predictions();
  std::string body;
  body.reserve(64 + p.size() * 24);
  if (!v2) {
    body += "{\"predictions\":[";
  } else {
    body += "{\"model_name\":" + JsonQuote(model_.name);
    std::string id = V2Id(doc);
    if (!id.empty()) body += ",\"id\":" + JsonQuote(id);
    body += ",\"outputs\":[{\"name\":" + JsonQuote(model_.output) + ",\"shape\":[" +
            std::to_string(p.size()) + "],\"datatype\":\"FP64\",\"data\":[";
  }
  for (size_t i = 0; i < p.size(); ++i) {
    if (i > 0) body += ',';
    body += FormatDouble(p[i]);
  }
  body += v2 ? "]}]}" : "]}";
  return {200, "application/json", std::move(body)};
}

HttpResponse ModelServer::Handle(const sidecar::HttpRequest& r) const {
  const std::string v1_prefix = "/v1/models/" + model_.name;
  const std::string v2_prefix = "/v2/models/" + model_.name;
  if (r.path == "/v2/health/live") return {200, "application/json", "{\"live\":true}"};
  if (r.path == "/v2/health/ready") return {200, "application/json", "{\"ready\":true}"};
  if (r.path == "/v2") {
    return {200, "application/json",
            "{\"name\":\"skewgate-model-server\",\"version\":\"0.1.0\",\"extensions\":[]}"};
  }
  if (r.method == "POST" && r.path == v1_prefix + ":predict") return Infer(r, false);
  if (r.method == "POST" && r.path == v2_prefix + "/infer") return Infer(r, true);
  if (r.method == "GET" && r.path == v1_prefix) {
    return {200, "application/json", "{\"name\":" + JsonQuote(model_.name) + ",\"ready\":true}"};
  }
  if (r.method == "GET" && r.path == v2_prefix + "/ready") {
    return {200, "application/json", "{\"name\":" + JsonQuote(model_.name) + ",\"ready\":true}"};
  }
  if (r.method == "GET" && r.path == v2_prefix) {
    std::string inputs;
    for (size_t i = 0; i < model_.features.size(); ++i) {
      if (i > 0) inputs += ',';
      inputs +=
          "{\"name\":" + JsonQuote(model_.features[i]) + ",\"datatype\":\"FP64\",\"shape\":[-1]}";
    }
    return {200, "application/json",
            "{\"name\":" + JsonQuote(model_.name) +
                ",\"versions\":[],\"platform\":\"skewgate-linear\",\"inputs\":[" + inputs +
                "],\"outputs\":[{\"name\":" + JsonQuote(model_.output) +
                ",\"datatype\":\"FP64\",\"shape\":[-1]}]}"};
  }
  bool model_path = r.path.rfind("/v1/models/", 0) == 0 || r.path.rfind("/v2/models/", 0) == 0;
  if (model_path)
    return JsonError(404, "no such model or endpoint; this server serves '" + model_.name + "'");
  return JsonError(404, "not found");
}

}  // namespace skewgate::modelserver
