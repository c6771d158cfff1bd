#include "detect/detector.h"

namespace ward::detect {

bool Detector::raise(const bus::EventContext& ctx, AlertEvent& a) {
  if (policy_.is_suppressed(a.rule, ctx.src_h(), ctx.dst_h(), ctx.service)) {
    ++stats_.suppressed;
    return false;
  }
  if (raised_.size() >= kMaxRemembered) raised_.clear();  // forget, rather than grow
  if (!raised_.insert(a.alert_id).second) {
    ++stats_.repeats;
    return false;
  }
  ++stats_.raised;
  bus_.publish(ctx, a);
  return true;
}

}  // namespace ward::detect
