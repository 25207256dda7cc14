#include "cases/sla.h"

#include <algorithm>
#include <cmath>

namespace quanzu::cases {
namespace {

// Collects durations of one figure, then turns them into a SlaFigure.
struct Samples {
  std::vector<double> seconds;
  std::int64_t with_target = 0;
  std::int64_t met = 0;

  void add(Millis from, const std::optional<Millis>& to, Millis due) {
    if (!to) return;
    seconds.push_back(static_cast<double>(std::max<Millis>(0, *to - from)) / 1000.0);
    if (due > 0) {
      ++with_target;
      if (*to <= due) ++met;
    }
  }

  // Nearest-rank percentile.
  static double percentile(const std::vector<double>& sorted, double p) {
    if (sorted.empty()) return 0;
    const size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
    return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
  }

  SlaFigure figure() {
    std::sort(seconds.begin(), seconds.end());
    SlaFigure f;
    f.count = static_cast<std::int64_t>(seconds.size());
    f.median_s = percentile(seconds, 0.5);
    f.p90_s = percentile(seconds, 0.9);
    f.with_target = with_target;
    f.met = met;
    return f;
  }
};

struct Collector {
  std::int64_t cases = 0, open_overdue = 0;
  Samples first_attempt, first_contact, door;

  void add(const SlaRow& r) {
    ++cases;
    if (!r.closed && r.overdue) ++open_overdue;
    first_attempt.add(r.created_at, r.first_attempt_at, r.first_attempt_due);
    first_contact.add(r.created_at, r.first_contact_at, 0);
    if (r.visit_requested_at) door.add(*r.visit_requested_at, r.door_arrival_at, r.door_due);
  }

  SlaGroup group() {
    return SlaGroup{cases, first_attempt.figure(), first_contact.figure(), door.figure(), open_overdue};
  }
};

}  // namespace

SlaSummary summarize_sla(const std::vector<SlaRow>& rows) {
  Collector all;
  std::map<std::string, Collector> levels, stations;
  for (const auto& r : rows) {
    all.add(r);
    levels[r.level].add(r);
    stations[r.station].add(r);
  }
  SlaSummary out;
  out.all = all.group();
  for (auto& [k, c] : levels) out.by_level[k] = c.group();
  for (auto& [k, c] : stations) out.by_station[k] = c.group();
  return out;
}

}  // namespace quanzu::cases
