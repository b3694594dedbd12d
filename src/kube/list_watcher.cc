#include "kube/list_watcher.h"

#include <random>
#include <utility>

#include "common/log.h"
#include "kube/errors.h"

namespace skewgate::kube {
namespace {

std::string ResourceVersionOf(const nlohmann::json& object) {
  auto m = object.find("metadata");
  if (m == object.end() || !m->is_object()) return "";
  auto rv = m->find("resourceVersion");
  return rv != m->end() && rv->is_string() ? rv->get<std::string>() : "";
}

// A watch that ends this fast without a single event is treated as a failure, so that a
// server closing watches at once does not turn the loop into a busy spin.
constexpr auto kShortWatch = std::chrono::seconds(1);

}  // namespace

ListWatcher::ListWatcher(Client& client, ResourceType type, std::string ns,
                         ListWatchOptions options, WatchSink& sink, const Clock& clock)
    : client_(client),
      type_(std::move(type)),
      ns_(std::move(ns)),
      options_(std::move(options)),
      sink_(sink),
      clock_(clock),
      backoff_(options_.backoff),
      rng_state_(options_.seed != 0 ? options_.seed : std::random_device{}()) {}

double ListWatcher::Uniform01() {
  // splitmix64: tiny, seedable, plenty for jitter.
  uint64_t z = (rng_state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

Duration ListWatcher::DrawWatchTimeout() {
  auto lo = std::chrono::duration_cast<std::chrono::seconds>(options_.min_watch_timeout).count();
  auto hi = std::chrono::duration_cast<std::chrono::seconds>(options_.max_watch_timeout).count();
  if (hi < lo) hi = lo;
  auto span = static_cast<double>(hi - lo + 1);
  auto s = lo + static_cast<int64_t>(Uniform01() * span);
  if (s > hi) s = hi;
  return std::chrono::seconds(s);
}

std::string ListWatcher::last_resource_version() const {
  std::lock_guard<std::mutex> lock(mu_);
  return resource_version_;
}

Status ListWatcher::ListOnce(const Cancellation& cancel) {
  ListOptions lo;
  lo.label_selector = options_.label_selector;
  lo.field_selector = options_.field_selector;
  lo.limit = options_.page_size;
  sink_.ListBegin();
  std::string rv;
  bool first = true;
  do {
    if (cancel.cancelled()) {
      sink_.ListAborted();
      return CancelledError("list cancelled");
    }
    auto page = client_.List(type_, ns_, lo);
    if (!page.ok()) {
      sink_.ListAborted();
      return page.status();
    }
    if (first) rv = page->resource_version;
    first = false;
    for (auto& item : page->items) sink_.ListItem(std::move(item));
    lo.continue_token = page->continue_token;
  } while (!lo.continue_token.empty());
  sink_.ListDone(rv);
  {
    std::lock_guard<std::mutex> lock(mu_);
    resource_version_ = rv;
  }
  ++lists_;
  return OkStatus();
}

Status ListWatcher::WatchOnce(const Cancellation& cancel, bool* delivered) {
  WatchOptions wo;
  wo.resource_version = last_resource_version();
  wo.allow_watch_bookmarks = true;
  wo.label_selector = options_.label_selector;
  wo.field_selector = options_.field_selector;
  Duration timeout = DrawWatchTimeout();
  wo.timeout_seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout).count();
  wo.idle_timeout = timeout + options_.idle_margin;
  ++watches_;
  return client_.Watch(
      type_, ns_, wo,
      [&](WatchEvent&& e) {
        std::string rv = ResourceVersionOf(e.object);
        if (e.type != WatchEventType::kBookmark) {
          sink_.Event(e.type, std::move(e.object));
          *delivered = true;
        }
        if (!rv.empty()) {
          std::lock_guard<std::mutex> lock(mu_);
          resource_version_ = std::move(rv);
        }
        return !cancel.cancelled();
      },
      cancel);
}

Status ListWatcher::Run(const Cancellation& cancel) {
  const std::string what = type_.QualifiedName() + (ns_.empty() ? "" : " in " + ns_);
  bool need_list = true;
  while (!cancel.cancelled()) {
    Status s;
    if (need_list) {
      s = ListOnce(cancel);
      if (s.ok()) need_list = false;
    }
    bool delivered = false;
    auto started = clock_.SteadyNow();
    if (s.ok()) {
      s = WatchOnce(cancel, &delivered);
      if (s.ok() && !delivered && clock_.SteadyNow() - started < kShortWatch &&
          !cancel.cancelled()) {
        s = UnavailableError("watch of " + what + " ended at once without events");
      }
    }
    if (cancel.cancelled()) break;
    if (s.ok()) {
      backoff_.Reset();  // the server ended a healthy watch: resume at once
      continue;
    }
    if (IsGone(s)) {
      // The resume point fell out of the server's history: only a relist can tell us
      // what changed meanwhile. Immediate, as client-go does.
      ++gone_;
      need_list = true;
      SG_LOG(Info, what).Msg("resourceVersion expired; relisting").Field("error", s.message());
      continue;
    }
    ++failures_;
    if (delivered) backoff_.Reset();
    Duration wait = backoff_.Next(Uniform01());
    SG_LOG(Warn, what)
        .Msg(need_list ? "list failed; retrying" : "watch failed; resuming")
        .Field("error", s.ToString())
        .Field("retry_in_ms",
               static_cast<int64_t>(
                   std::chrono::duration_cast<std::chrono::milliseconds>(wait).count()));
    if (!cancel.SleepFor(clock_, wait)) break;
  }
  return CancelledError("list-watch of " + what + " stopped");
}

}  // namespace skewgate::kube
