#include "sidecar/sidecar_app.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/log.h"
#include "sidecar/count_metrics.h"
#include "skew/baseline.h"

namespace skewgate::sidecar {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

bool ReadWholeFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

void Metric(std::string& out, const char* name, const char* type, const char* help, uint64_t value,
            const std::string& labels = "") {
  AppendMetricHeader(out, name, type, help);
  out += name;
  out += labels;
  out += " " + std::to_string(value) + "\n";
}

}  // namespace

StatusOr<std::shared_ptr<const skew::Baseline>> LoadBaselineFile(const std::string& path) {
  std::string text;
  if (!ReadWholeFile(path, &text)) return NotFoundError("cannot read baseline " + path);
  auto b = skew::ParseBaseline(text);
  if (!b.ok()) return b.status().WithContext(path);
  return std::shared_ptr<const skew::Baseline>(
      std::make_shared<skew::Baseline>(std::move(b).value()));
}

SidecarApp::SidecarApp(SidecarConfig config, Clock& clock)
    : config_(std::move(config)), clock_(clock) {}

SidecarApp::~SidecarApp() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (maintenance_.joinable()) maintenance_.join();
  if (admin_) admin_->Stop();
  if (stats_) stats_->Stop();
}

Status SidecarApp::Start() {
  std::shared_ptr<const skew::Baseline> baseline;
  if (!config_.baseline_path.empty()) {
    SG_ASSIGN_OR_RETURN(baseline, LoadBaselineFile(config_.baseline_path));
    loaded_baseline_hash_ = baseline->hash;
    ReadWholeFile(config_.baseline_path, &loaded_baseline_text_);
  }
  if (!config_.config_path.empty()) ReadWholeFile(config_.config_path, &loaded_config_text_);
  file_mirror_ = FileMirror(loaded_config_text_);
  wanted_mirror_ = applied_mirror_ = MirrorOf(config_.proxy);
  mirror_percent_ = applied_mirror_.percent;
  StatsOptions so;
  so.queue_capacity = config_.queue_capacity;
  so.revision = config_.revision;
  so.decoder = config_.decoder;
  stats_ = std::make_unique<StatsCollector>(so, baseline);
  stats_->Start();
  proxy_ = std::make_unique<Proxy>(config_.proxy, stats_.get());
  SG_RETURN_IF_ERROR(proxy_->Start().WithContext("proxy"));
  HttpServerOptions ao;
  ao.address = config_.admin_address;
  ao.port = config_.admin_port;
  ao.max_body_bytes = 1 << 16;
  admin_ =
      std::make_unique<HttpServer>(ao, [this](const HttpRequest& r) { return HandleAdmin(r); });
  SG_RETURN_IF_ERROR(admin_->Start().WithContext("admin"));
  admin_->RunInBackground();
  upstream_ready_ = ProbeUpstream();
  maintenance_ = std::thread([this] { Maintenance(); });
  SG_LOG(Info, "")
      .Msg("sidecar started")
      .Field("port", static_cast<int>(port()))
      .Field("admin_port", static_cast<int>(admin_port()))
      .Field("baseline_hash", loaded_baseline_hash_)
      .Field("revision", config_.revision);
  return OkStatus();
}

void SidecarApp::Run() { proxy_->Run(); }

void SidecarApp::Shutdown() {
  if (draining_.exchange(true)) return;
  SG_LOG(Info, "")
      .Msg("draining")
      .Field("grace_ms", static_cast<int64_t>(config_.drain_timeout.count()));
  proxy_->Drain(config_.drain_timeout);
}

void SidecarApp::Maintenance() {
  std::unique_lock<std::mutex> l(mu_);
  while (!stop_) {
    clock_.WaitUntil(l, cv_, clock_.SteadyNow() + std::chrono::milliseconds(1000));
    if (stop_) return;
    l.unlock();
    upstream_ready_ = ProbeUpstream();
    Reload();
    ApplyMirror();
    l.lock();
  }
}

void SidecarApp::Reload() {
  std::string revision = config_.revision;
  std::string baseline_path = config_.baseline_path;
  if (!config_.config_path.empty()) {
    std::string text;
    if (ReadWholeFile(config_.config_path, &text) && text != loaded_config_text_) {
      SidecarConfig fresh = config_;
      if (Status s = ParseSidecarConfigJson(text, &fresh); !s.ok()) {
        SG_LOG(Warn, config_.config_path)
            .Msg("ignoring invalid configuration")
            .Field("error", s.ToString());
        loaded_config_text_ = text;  // warn once per change
        return;
      }
      loaded_config_text_ = text;
      revision = fresh.revision;
      baseline_path = fresh.baseline_path;
      // Only a change of the file's own mirror section counts, so a mirror given by flags
      // stays until the file says something new about mirroring.
      if (Mirror m = FileMirror(text); !(m == file_mirror_)) file_mirror_ = wanted_mirror_ = m;
    }
  }
  std::string baseline_text;
  if (!baseline_path.empty() && !ReadWholeFile(baseline_path, &baseline_text)) return;
  if (revision == config_.revision && baseline_path == config_.baseline_path &&
      baseline_text == loaded_baseline_text_) {
    return;
  }
  std::shared_ptr<const skew::Baseline> baseline;
  if (!baseline_path.empty()) {
    auto b = skew::ParseBaseline(baseline_text);
    if (!b.ok()) {
      SG_LOG(Warn, baseline_path)
          .Msg("ignoring invalid baseline")
          .Field("error", b.status().ToString());
      loaded_baseline_text_ = baseline_text;
      return;
    }
    baseline = std::make_shared<skew::Baseline>(std::move(b).value());
  }
  std::string hash = baseline ? baseline->hash : "";
  loaded_baseline_text_ = baseline_text;
  if (hash == loaded_baseline_hash_ && revision == config_.revision) return;
  SG_LOG(Info, "")
      .Msg("baseline or revision changed: counters restart")
      .Field("baseline_hash", hash)
      .Field("revision", revision);
  config_.revision = revision;
  config_.baseline_path = baseline_path;
  loaded_baseline_hash_ = hash;
  stats_->Reset(baseline, revision);
}

SidecarApp::Mirror SidecarApp::MirrorOf(const ProxyOptions& p) {
  if (p.mirror_host.empty() || p.mirror_percent <= 0) return {};
  return {p.mirror_host, p.mirror_port, p.mirror_percent};
}

SidecarApp::Mirror SidecarApp::FileMirror(const std::string& text) {
  SidecarConfig file_only;  // defaults: no mirror
  if (text.empty() || !ParseSidecarConfigJson(text, &file_only).ok()) return {};
  return MirrorOf(file_only.proxy);
}

void SidecarApp::ApplyMirror() {
  if (wanted_mirror_ == applied_mirror_) return;
  const Mirror& m = wanted_mirror_;
  if (Status s = proxy_->SetMirror(m.host, m.port, m.percent); !s.ok()) {
    // e.g. the Service's name does not resolve yet: tried again every second.
    if (!(failed_mirror_ == m)) {
      SG_LOG(Warn, "").Msg("cannot change mirroring yet").Field("error", s.ToString());
    }
    failed_mirror_ = m;
    return;
  }
  applied_mirror_ = m;
  mirror_percent_ = m.percent;
  failed_mirror_ = {};
  SG_LOG(Info, "")
      .Msg(m.percent > 0 ? "mirroring" : "mirroring stopped")
      .Field("mirror", m.host + ":" + std::to_string(m.port))
      .Field("percent", m.percent);
}

bool SidecarApp::ProbeUpstream() {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  bool ok = false;
  http::request<http::empty_body> req(http::verb::get, config_.ready_path, 11);
  req.set(http::field::host, config_.proxy.upstream_host);
  http::response<http::string_body> res;
  beast::flat_buffer buf;
  boost::system::error_code ec;
  auto addr = net::ip::make_address(config_.proxy.upstream_host, ec);
  net::ip::tcp::endpoint ep;
  if (!ec) {
    ep = net::ip::tcp::endpoint(addr, config_.proxy.upstream_port);
  } else {
    net::ip::tcp::resolver r(ioc);
    auto results =
        r.resolve(config_.proxy.upstream_host, std::to_string(config_.proxy.upstream_port), ec);
    if (ec || results.empty()) return false;
    ep = results.begin()->endpoint();
  }
  stream.expires_after(std::chrono::seconds(1));
  stream.async_connect(ep, [&](beast::error_code ec) {
    if (ec) return;
    if (config_.ready_path.empty()) {
      ok = true;
      return;
    }
    http::async_write(stream, req, [&](beast::error_code ec, size_t) {
      if (ec) return;
      http::async_read(stream, buf, res, [&](beast::error_code ec, size_t) {
        ok = !ec && res.result_int() >= 200 && res.result_int() < 300;
      });
    });
  });
  ioc.run();
  return ok;
}

HttpResponse SidecarApp::HandleAdmin(const HttpRequest& r) {
  if (r.path == "/healthz") return {200, "text/plain", "ok\n"};
  if (r.path == "/readyz") {
    if (draining_) return {503, "text/plain", "draining\n"};
    if (!upstream_ready_) return {503, "text/plain", "upstream not ready\n"};
    return {200, "text/plain", "ok\n"};
  }
  if (r.path == "/stats") {
    // ?flush=1 waits (briefly) for queued samples to be counted: for tests and demos.
    if (r.query.find("flush=1") != std::string_view::npos) {
      stats_->Flush(std::chrono::milliseconds(2000));
    }
    return {200, "application/json", stats_->StatsJson()};
  }
  if (r.path == "/metrics") return {200, "text/plain; version=0.0.4", MetricsText()};
  return {404, "text/plain", "not found; try /stats, /metrics, /healthz, /readyz\n"};
}

std::string SidecarApp::MetricsText() {
  const ProxyCounters& c = proxy_->counters();
  StatsSnapshot s = stats_->Snapshot();
  std::string out;
  out.reserve(4096);
  Metric(out, "skewgate_sidecar_requests_total", "counter", "Requests received.", c.requests);
  Metric(out, "skewgate_sidecar_responses_total", "counter", "Responses relayed.", c.responses);
  Metric(out, "skewgate_sidecar_upstream_errors_total", "counter",
         "502/504 answers and broken upstream exchanges.", c.upstream_errors);
  Metric(out, "skewgate_sidecar_client_errors_total", "counter",
         "400/408/413/431 answers to bad client input.", c.client_errors);
  Metric(out, "skewgate_sidecar_upstream_connects_total", "counter",
         "New upstream connections (pool misses).", c.upstream_connects);
  Metric(out, "skewgate_sidecar_upstream_retries_total", "counter",
         "Requests replayed after a stale pooled connection.", c.upstream_retries);
  Metric(out, "skewgate_sidecar_active_connections", "gauge", "Open client connections.",
         c.active_connections);
  Metric(out, "skewgate_sidecar_mirror_sent_total", "counter", "Mirrored requests answered.",
         c.mirror_sent);
  Metric(out, "skewgate_sidecar_mirror_dropped_total", "counter",
         "Requests not mirrored (limit or size).", c.mirror_dropped);
  Metric(out, "skewgate_sidecar_mirror_failed_total", "counter", "Mirrored requests that failed.",
         c.mirror_failed);
  char percent[32];
  std::snprintf(percent, sizeof percent, "%g", mirror_percent_.load());
  AppendMetricHeader(out, "skewgate_sidecar_mirror_percent", "gauge",
                     "Share of requests mirrored now (0: off).");
  out += "skewgate_sidecar_mirror_percent ";
  out += percent;
  out += "\n";
  Metric(out, "skewgate_sidecar_samples_offered_total", "counter",
         "Payload samples handed to statistics.", s.offered);
  Metric(out, "skewgate_sidecar_samples_dropped_total", "counter",
         "Samples dropped because the queue was full.", s.dropped);
  Metric(out, "skewgate_sidecar_payloads_counted_total", "counter",
         "Request payloads whose features were counted.", s.counted);
  Metric(out, "skewgate_sidecar_rows_counted_total", "counter", "Feature rows counted.", s.rows);
  Metric(out, "skewgate_sidecar_queue_depth", "gauge", "Samples waiting to be counted.",
         s.queue_depth);
  // Reasons come from a fixed set in the code, so the label cardinality is bounded.
  AppendMetricHeader(out, "skewgate_sidecar_parse_errors_total", "counter",
                     "Payloads not counted, by reason.");
  for (const auto& [reason, n] : s.parse_errors) {
    out += "skewgate_sidecar_parse_errors_total{reason=\"" + reason + "\"} " + std::to_string(n) +
           "\n";
  }
  // The bin counters themselves, for analysis through Prometheus (docs/sidecar.md).
  AppendCountMetrics(out, s, config_.pod_namespace);
  return out;
}

}  // namespace skewgate::sidecar
