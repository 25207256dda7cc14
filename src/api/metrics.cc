#include "api/metrics.h"

#include <cstdio>

namespace quanzu::api {
namespace {

void line(std::string& out, const std::string& name, const std::string& labels, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", value);
  out += name;
  if (!labels.empty()) out += "{" + labels + "}";
  out += " ";
  out += buf;
  out += "\n";
}

void help(std::string& out, const char* name, const char* type, const char* text) {
  out += std::string("# HELP ") + name + " " + text + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

void LatencyHistogram::record(double seconds) {
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

void LatencyHistogram::render(std::string& out, const std::string& name,
                              const std::string& labels) const {
  std::uint64_t cumulative = 0;
  const std::string sep = labels.empty() ? "" : ",";
  for (size_t i = 0; i <= kBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    char le[32];
    if (i < kBounds.size()) std::snprintf(le, sizeof le, "%g", kBounds[i]);
    else std::snprintf(le, sizeof le, "+Inf");
    line(out, name + "_bucket", labels + sep + "le=\"" + le + "\"", static_cast<double>(cumulative));
  }
  line(out, name + "_sum", labels, static_cast<double>(sum_micros_.load()) / 1e6);
  line(out, name + "_count", labels, static_cast<double>(count_.load()));
}

std::string ApiMetrics::render(const store::StoreMetrics& store, const ServerStats& server) const {
  std::string out;
  out.reserve(8192);
  help(out, "quanzu_instructions_total", "counter", "Instructions answered, by result.");
  line(out, "quanzu_instructions_total", "result=\"created\"", static_cast<double>(instructions_created.load()));
  line(out, "quanzu_instructions_total", "result=\"duplicate\"", static_cast<double>(instructions_duplicate.load()));
  line(out, "quanzu_instructions_total", "result=\"rejected\"", static_cast<double>(instructions_rejected.load()));
  help(out, "quanzu_ingest_bodies_rejected_total", "counter",
       "Ingest requests refused whole (not JSON, too large, too many items).");
  line(out, "quanzu_ingest_bodies_rejected_total", "", static_cast<double>(bodies_rejected.load()));
  help(out, "quanzu_case_events_total", "counter", "Case events posted, by result.");
  line(out, "quanzu_case_events_total", "result=\"recorded\"", static_cast<double>(events_recorded.load()));
  line(out, "quanzu_case_events_total", "result=\"refused\"", static_cast<double>(events_refused.load()));
  help(out, "quanzu_logins_total", "counter", "Logins (POST /api/v1/session), by result.");
  line(out, "quanzu_logins_total", "result=\"ok\"", static_cast<double>(logins.load()));
  line(out, "quanzu_logins_total", "result=\"refused\"", static_cast<double>(logins_refused.load()));
  help(out, "quanzu_audit_failures_total", "counter",
       "Audit entries that could not be written (the action was refused with 503).");
  line(out, "quanzu_audit_failures_total", "", static_cast<double>(audit_failures.load()));
  help(out, "quanzu_http_responses_total", "counter", "HTTP responses by status class.");
  line(out, "quanzu_http_responses_total", "class=\"2xx\"", static_cast<double>(responses_2xx.load()));
  line(out, "quanzu_http_responses_total", "class=\"4xx\"", static_cast<double>(responses_4xx.load()));
  line(out, "quanzu_http_responses_total", "class=\"5xx\"", static_cast<double>(responses_5xx.load()));
  help(out, "quanzu_request_duration_seconds", "histogram",
       "Time from request read to answer; for ingest, to the durable answer.");
  ingest_latency.render(out, "quanzu_request_duration_seconds", "route=\"ingest\"");
  event_latency.render(out, "quanzu_request_duration_seconds", "route=\"case_event\"");
  read_latency.render(out, "quanzu_request_duration_seconds", "route=\"read\"");
  help(out, "quanzu_ingest_in_flight", "gauge", "Ingest requests waiting for their durable answer.");
  line(out, "quanzu_ingest_in_flight", "", static_cast<double>(ingest_in_flight.load()));
  help(out, "quanzu_store_queue_depth", "gauge", "Writes waiting for the store's writer.");
  line(out, "quanzu_store_queue_depth", "", static_cast<double>(store.queue_depth));
  help(out, "quanzu_store_commits_total", "counter", "Store transactions committed.");
  line(out, "quanzu_store_commits_total", "", static_cast<double>(store.commits));
  help(out, "quanzu_store_failed_commits_total", "counter", "Store transactions that failed.");
  line(out, "quanzu_store_failed_commits_total", "", static_cast<double>(store.failed_commits));
  help(out, "quanzu_store_committed_rows_total", "counter", "Cases and events committed.");
  line(out, "quanzu_store_committed_rows_total", "", static_cast<double>(store.committed_rows));
  help(out, "quanzu_store_commit_size", "histogram", "Writes (requests) per committed transaction.");
  std::uint64_t cumulative = 0;
  for (size_t i = 0; i < store.commit_size_counts.size(); ++i) {
    cumulative += static_cast<std::uint64_t>(store.commit_size_counts[i]);
    std::string le = i < store.commit_size_bounds.size()
                         ? std::to_string(store.commit_size_bounds[i])
                         : std::string("+Inf");
    line(out, "quanzu_store_commit_size_bucket", "le=\"" + le + "\"", static_cast<double>(cumulative));
  }
  line(out, "quanzu_store_commit_size_sum", "", static_cast<double>(store.committed_writes));
  line(out, "quanzu_store_commit_size_count", "", static_cast<double>(store.commits));
  help(out, "quanzu_http_connections", "gauge", "Open HTTP connections.");
  line(out, "quanzu_http_connections", "", static_cast<double>(server.connections));
  help(out, "quanzu_stream_clients", "gauge", "Open live event streams.");
  line(out, "quanzu_stream_clients", "", static_cast<double>(server.streams));
  help(out, "quanzu_http_refused_total", "counter",
       "Requests and connections refused by the server's limits: requests over the rate limit "
       "of their address (429), connections over the per-address or total cap, failed TLS "
       "handshakes.");
  line(out, "quanzu_http_refused_total", "reason=\"rate_limit\"",
       static_cast<double>(server.rate_limited));
  line(out, "quanzu_http_refused_total", "reason=\"connection_limit\"",
       static_cast<double>(server.connections_refused));
  line(out, "quanzu_http_refused_total", "reason=\"tls_handshake\"",
       static_cast<double>(server.tls_handshake_failures));
  return out;
}

}  // namespace quanzu::api
