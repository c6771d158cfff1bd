// Building blocks of the network-attack detectors: a bounded map that forgets the least
// recently active key, a sliding window of weighted timestamps, and attack episodes (one alert
// per episode; the episode ends after a quiet window). Time is packet time; events may arrive
// a little out of order (connection records come when flows end), so windows are measured
// from the newest time seen.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "common/net.h"

namespace ward::detect::netattack {

// The default cap on tracked keys per detector table (limit detect.max_tracked_sources).
inline constexpr std::uint64_t kDefaultMaxTracked = 10000;

struct IpHash {
  std::size_t operator()(const IpAddr& a) const noexcept {
    std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
    for (std::uint8_t b : a.bytes) h = (h ^ b) * 1099511628211ULL;
    return static_cast<std::size_t>(h);
  }
};

// Seconds (from the policy) to nanoseconds.
inline TimeNs to_ns(double seconds) { return static_cast<TimeNs>(seconds * 1e9); }

// A map holding at most `cap` keys; inserting into a full map drops the least recently
// touched key. Not thread-safe.
template <typename K, typename V, typename Hash>
class LruMap {
 public:
  explicit LruMap(std::size_t cap) : cap_(std::max<std::size_t>(cap, 1)) {}

  // The value for `k`, created if absent, and marked most recently used.
  V& touch(const K& k) {
    auto it = index_.find(k);
    if (it != index_.end()) {
      items_.splice(items_.begin(), items_, it->second);
      return it->second->second;
    }
    if (index_.size() >= cap_) {
      index_.erase(items_.back().first);
      items_.pop_back();
      ++evicted_;
    }
    items_.emplace_front(k, V{});
    index_.emplace(k, items_.begin());
    return items_.front().second;
  }
  [[nodiscard]] std::size_t size() const { return index_.size(); }
  [[nodiscard]] std::uint64_t evicted() const { return evicted_; }

 private:
  std::size_t cap_;
  std::list<std::pair<K, V>> items_;  // most recent first
  std::unordered_map<K, typename std::list<std::pair<K, V>>::iterator, Hash> index_;
  std::uint64_t evicted_ = 0;
};

// Weighted timestamps within a window ending at the newest time seen. Entries closer than
// 1/1024 of the window are merged, so a window holds about 1024 entries whatever the rate;
// beyond kMaxEntries (out-of-order input) the oldest are dropped, which can only undercount.
class RateWindow {
 public:
  static constexpr std::size_t kMaxEntries = 4096;

  // Adds `weight` at `ts` and returns the total within `window` of the newest time.
  double add(TimeNs ts, double weight, TimeNs window) {
    newest_ = std::max(newest_, ts);
    const TimeNs grain = std::max<TimeNs>(window / 1024, 1);
    if (!entries_.empty() && ts >= entries_.back().first && ts - entries_.back().first < grain)
      entries_.back().second += weight;
    else
      entries_.emplace_back(ts, weight);
    sum_ += weight;
    while (!entries_.empty() &&
           (entries_.size() > kMaxEntries || entries_.front().first < newest_ - window)) {
      sum_ -= entries_.front().second;
      entries_.pop_front();
    }
    return sum_;
  }
  [[nodiscard]] TimeNs first_ts() const { return entries_.empty() ? 0 : entries_.front().first; }
  void clear() {
    entries_.clear();
    sum_ = 0;
  }

 private:
  std::deque<std::pair<TimeNs, double>> entries_;
  double sum_ = 0;
  TimeNs newest_ = 0;
};

// One attack episode. Open from its alert until `window` passes with no further activity;
// meanwhile activity is only counted.
struct Episode {
  bool open = false;
  TimeNs first = 0;  // first activity counted towards the alert
  TimeNs last = 0;   // latest activity
  double count = 0;  // activity counted (probes, packets, failures) including the alert's

  // True if the episode is open and `ts` continues it (which is then counted).
  bool extend(TimeNs ts, double weight, TimeNs window) {
    if (!open) return false;
    if (ts - last > window) {
      open = false;
      return false;
    }
    last = std::max(last, ts);
    count += weight;
    return true;
  }
  void start(TimeNs first_ts, TimeNs ts, double weight) {
    open = true;
    first = first_ts;
    last = ts;
    count = weight;
  }
};

// "1.5" for 1.5; whole numbers without decimals.
std::string format_number(double v);

}  // namespace ward::detect::netattack
