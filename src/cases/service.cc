#include "cases/service.h"

#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <memory>
#include <unordered_map>

#include "base/ids.h"
#include "grading/grader.h"

namespace quanzu::cases {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// "hxxps://Fake-Task.example:8443/a?b" -> "fake-task.example".
std::string host_of(std::string_view url) {
  size_t start = url.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  size_t end = url.find_first_of("/:?#", start);
  return lower(url.substr(start, end == std::string_view::npos ? url.size() - start : end - start));
}

}  // namespace

std::vector<std::string> link_keys(const instruction::Instruction& in) {
  std::vector<std::string> keys;
  auto add = [&](std::string key) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(std::move(key));
  };
  for (const auto& ind : in.indicators) {
    switch (ind.kind) {
      case instruction::IndicatorKind::kAccount: {
        std::string digits;
        for (char c : ind.value) {
          if (c != ' ' && c != '-') digits += c;
        }
        if (!digits.empty()) add("account:" + digits);
        break;
      }
      case instruction::IndicatorKind::kUrl: {
        add("url:" + lower(ind.value));
        if (std::string host = host_of(ind.value); !host.empty()) add("domain:" + host);
        break;
      }
      case instruction::IndicatorKind::kDomain:
        if (!ind.value.empty()) add("domain:" + lower(ind.value));
        break;
      default:
        break;
    }
  }
  return keys;
}

CaseService::CaseService(store::CaseStore& store, const geo::Router& router,
                         const grading::ActiveRules& rules, const Plans& plans,
                         const Clock& clock, int utc_offset_minutes)
    : store_(store),
      router_(router),
      rules_(rules),
      plans_(plans),
      clock_(clock),
      utc_offset_minutes_(utc_offset_minutes) {}

store::NewCase CaseService::make_case(const instruction::Instruction& in,
                                      const grading::RuleSet& rules,
                                      const grading::HistoryFacts& history, Millis now) const {
  const grading::Grade grade = grading::grade(rules, in, history, utc_offset_minutes_);
  store::NewCase out;
  Case& c = out.kase;
  c.id = new_case_id(now);
  c.instruction_id = in.id;
  c.level = grade.level;
  c.reasons = grade.reasons;
  c.rules_version = grade.rules_version;
  c.created_at = now;
  c.updated_at = now;
  c.issued_at = in.issued_at;
  c.trigger = in.trigger;
  c.scam_type = in.scam_type;
  c.phone = in.subject.phone;
  c.subject_name = in.subject.name.value_or("");
  c.age = in.subject.age;
  c.at_risk = in.funds.at_risk.value_or(0);

  // The event's data is built and serialised once: an arena for its nodes spares one
  // allocation per key and value.
  unsigned char arena[2048];
  boost::json::monotonic_resource resource(arena, sizeof arena);
  boost::json::object data(&resource);
  const geo::Route route = router_.route(in.location);
  c.routing_method = route.method;
  if (route.station) {
    c.station = route.station;
    c.status = Status::kOpen;
  } else if (route.method == "out_of_area") {
    // Outside the deployment: handed off at once, with where the person is when known.
    c.status = Status::kClosed;
    c.outcome = Outcome::kHandedOff;
    data["outcome"] = "handed_off";
    data["handoff_to"] = route.handoff_to;
    c.outbound.push_back(handoff_notice(c, route.handoff_to, route.note, now));
  } else {
    c.status = Status::kUnrouted;
  }
  data["routing_note"] = route.note;
  if (route.point) c.handling.location = GeoPoint{route.point->lat, route.point->lon};
  c.handling.address = in.location.address.value_or("");
  start_handling(c, plans_, now);
  if (route.point) {
    data["routed_point"] = boost::json::array{route.point->lon, route.point->lat};
  }

  data["level"] = instruction::name(c.level);
  boost::json::array reasons(&resource);
  for (const auto& r : c.reasons) reasons.emplace_back(r);
  data["reasons"] = std::move(reasons);
  data["rules_version"] = c.rules_version;
  if (history.cluster_people > 1) {
    data["cluster"] = boost::json::object{{"key", history.cluster_key}, {"people", history.cluster_people}};
  }
  if (history.previous_warning_at) {
    data["previous_warning_issued_at"] = format_rfc3339(*history.previous_warning_at, utc_offset_minutes_);
  }
  data["status"] = name(c.status);
  data["routing_method"] = c.routing_method;
  if (c.station) data["station"] = c.station->code;
  boost::json::array first;
  for (const auto& p : c.handling.pending) first.emplace_back(p.channel);
  if (c.handling.task) first.emplace_back("call_task");
  if (!first.empty()) data["first_actions"] = std::move(first);

  TimelineEvent created;
  created.seq = 1;
  created.at = now;
  created.kind = "created";
  created.actor = "system";
  created.data = boost::json::serialize(data);
  c.timeline.push_back(std::move(created));
  out.instruction_raw = in.raw;
  return out;
}

void CaseService::ingest(std::vector<instruction::Instruction> batch,
                         store::Done<std::vector<store::IngestOutcome>> done) {
  const Millis now = clock_.now();
  const auto rules = rules_.current();
  const bool history = rules->uses_history();
  const bool clusters = rules->uses_clusters();
  const Millis window = static_cast<Millis>(rules->cluster_window_days) * 86400000;
  int threshold = INT32_MAX;  // the smallest cluster any rule asks for
  for (const auto& rule : rules->rules) {
    if (rule.when.cluster_min_people) threshold = std::min(threshold, *rule.when.cluster_min_people);
  }
  // Earlier instructions of this batch count as history for later ones.
  std::unordered_map<std::string_view, Millis> batch_phones;
  std::unordered_map<std::string, std::vector<std::pair<std::string, std::string>>> batch_links;
  std::vector<store::NewCase> cases;
  // For each case whose grade a cluster rule raised: the earlier members to raise too.
  struct PendingLink {
    size_t index;        // of the arrival in this batch
    std::string member;  // the earlier case to raise
    ClusterLink link;
  };
  auto pending = std::make_shared<std::vector<PendingLink>>();
  cases.reserve(batch.size());
  for (size_t index = 0; index < batch.size(); ++index) {
    const auto& in = batch[index];
    grading::HistoryFacts facts;
    std::vector<std::string> keys = link_keys(in);
    if (clusters && !keys.empty()) {
      // Per key: how many other people named it in the window, counted only up to the
      // threshold (a big cluster must not make every arrival read all of it).
      int best_others = -1;
      for (const auto& key : keys) {
        std::set<std::string> phones;
        if (auto stored = store_.phones_for_key(key, in.issued_at - window, static_cast<size_t>(threshold) + 1)) {
          phones.insert(stored->begin(), stored->end());
        }
        if (auto it = batch_links.find(key); it != batch_links.end()) {
          for (const auto& [phone, case_id] : it->second) phones.insert(phone);
        }
        phones.erase(in.subject.phone);
        const int others = static_cast<int>(phones.size());
        if (others > best_others) {
          best_others = others;
          facts.cluster_key = key;
        }
      }
      facts.cluster_people = best_others + 1;
      // This arrival forms the cluster: the earlier members are raised with it. Later
      // arrivals find them raised already.
      if (best_others + 1 >= threshold && best_others < threshold) {
        std::set<std::string> seen;
        if (auto stored = store_.links({facts.cluster_key}, in.issued_at - window, 200)) {
          for (const auto& l : *stored) {
            if (l.phone != in.subject.phone && seen.insert(l.case_id).second) facts.cluster_case_ids.push_back(l.case_id);
          }
        }
        if (auto it = batch_links.find(facts.cluster_key); it != batch_links.end()) {
          for (const auto& [phone, case_id] : it->second) {
            if (phone != in.subject.phone && seen.insert(case_id).second) facts.cluster_case_ids.push_back(case_id);
          }
        }
      }
    }
    if (history) {
      if (auto last = store_.last_warning_for_phone(in.subject.phone); last && *last) {
        facts.previous_warning_at = *last;
      }
      if (auto it = batch_phones.find(in.subject.phone); it != batch_phones.end()) {
        facts.previous_warning_at = std::max(facts.previous_warning_at.value_or(it->second), it->second);
      }
      auto& seen = batch_phones[in.subject.phone];
      seen = std::max(seen, in.issued_at);
    }
    cases.push_back(make_case(in, *rules, facts, now));
    store::NewCase& made = cases.back();
    for (const auto& key : keys) batch_links[key].emplace_back(in.subject.phone, made.kase.id);
    made.link_keys = std::move(keys);
    for (const auto& rule : rules->rules) {
      if (!rule.when.cluster_min_people) continue;
      if (std::find(made.kase.reasons.begin(), made.kase.reasons.end(), rule.id) == made.kase.reasons.end()) continue;
      for (const auto& member : facts.cluster_case_ids) {
        pending->push_back({index, member,
                            ClusterLink{facts.cluster_key, facts.cluster_people, made.kase.id,
                                        rule.id, rule.effect}});
      }
    }
  }
  store_.ingest(std::move(cases), [this, pending, done = std::move(done)](
                                      Result<std::vector<store::IngestOutcome>> r) {
    if (r) {
      // Raise the cluster's earlier cases; answered or not, the arrival itself is stored.
      for (const auto& [index, member, link] : *pending) {
        if (!(*r)[index].created) continue;
        const Millis at = clock_.now();
        store_.update(member, [this, link = link, at](const Case& current) -> Result<Case> {
          auto next = link_cluster(current, link, "system", at);
          if (next) level_raised(*next, current.level, plans_, at);
          return next;
        }, [](Result<Case>) {});
      }
    }
    done(std::move(r));
  });
}

void CaseService::record(std::string case_id, EventRequest request, std::string actor,
                         store::Done<Case> done) {
  const Millis now = clock_.now();
  if (request.kind == EventRequest::Kind::kReroute) {
    auto& r = request.reroute;
    if (r.station_code) {
      r.to = router_.station(*r.station_code);
      if (!r.to) {
        done(fail_fields({{"station", "no station " + *r.station_code + " in this deployment"}}));
        return;
      }
      r.method = "manual";
      r.note = "station picked by the operator";
    } else if (r.location) {
      const geo::Route route = router_.route(*r.location);
      r.to = route.station;
      r.method = route.method;
      r.note = route.note;
      r.handoff_to = route.handoff_to;
      if (!r.to && route.method != "out_of_area") {
        done(fail_fields({{"location", "could not be routed: " + route.note}}));
        return;
      }
    } else {
      done(fail_fields({{"station", "give a station code or a location"}}));
      return;
    }
  }
  store_.update(
      std::move(case_id),
      [this, request = std::move(request), actor = std::move(actor), now](const Case& current) {
        return record_event(current, request, plans_, actor, now);
      },
      std::move(done));
}

}  // namespace quanzu::cases
