#include "runtime/informer.h"

#include "common/log.h"

namespace skewgate::runtime {

Informer::Informer(kube::Client& client, kube::ResourceType type, std::string ns,
                   InformerOptions options, const Clock& clock)
    : type_(type),
      name_(options.name.empty() ? type_.QualifiedName() : options.name),
      store_(options.projection, options.compact) {
  kube::ListWatchOptions lw = options.list_watch;
  lw.label_selector = options.label_selector;
  lw.field_selector = options.field_selector;
  list_watcher_ = std::make_unique<kube::ListWatcher>(client, std::move(type), std::move(ns), lw,
                                                      store_, clock);
}

Informer::~Informer() { Stop(); }

void Informer::Start() {
  std::lock_guard<std::mutex> l(mu_);
  if (started_) return;
  started_ = true;
  thread_ = std::thread([this] {
    Status s = list_watcher_->Run(stop_);
    if (!s.ok() && s.code() != StatusCode::kCancelled) {
      SG_LOG(Error, "")
          .Msg("informer stopped")
          .Field("resource", name_)
          .Field("error", s.ToString());
    }
  });
}

void Informer::Stop() {
  stop_.Cancel();
  std::lock_guard<std::mutex> l(mu_);
  if (thread_.joinable()) thread_.join();
}

Status Informer::RegisterMetrics(MetricsRegistry& registry) {
  struct Source {
    const char* name;
    const char* help;
    uint64_t (kube::ListWatcher::*read)() const;
  };
  static const Source kSources[] = {
      {"skewgate_informer_lists_total", "Completed full lists.", &kube::ListWatcher::lists},
      {"skewgate_informer_relists_total", "Lists forced by 410 Gone (resume point expired).",
       &kube::ListWatcher::relists_on_gone},
      {"skewgate_informer_watch_restarts_total", "Watches opened.",
       &kube::ListWatcher::watch_restarts},
      {"skewgate_informer_failures_total", "Failed list or watch attempts.",
       &kube::ListWatcher::failures},
  };
  for (const Source& src : kSources) {
    SG_ASSIGN_OR_RETURN(auto family, registry.AddCounter(src.name, src.help, {"resource"}));
    Counter* counter = family->WithLabels({name_});
    auto read = src.read;
    const kube::ListWatcher* lw = list_watcher_.get();
    // The ListWatcher counts; the registry pulls the difference at scrape time. The mutex
    // keeps two concurrent scrapes from both adding the same difference.
    auto mu = std::make_shared<std::mutex>();
    registry.OnScrape([counter, read, lw, mu] {
      std::lock_guard<std::mutex> l(*mu);
      double now = static_cast<double>((lw->*read)());
      if (now > counter->Value()) counter->Inc(now - counter->Value());
    });
  }
  return OkStatus();
}

}  // namespace skewgate::runtime
