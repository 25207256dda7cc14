// Counters and latency histograms of the API, rendered in the Prometheus text format.
// Lock-free to record; safe from several threads.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "api/http_server.h"
#include "store/store.h"

namespace quanzu::api {

class LatencyHistogram {
 public:
  static constexpr std::array<double, 14> kBounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                  0.1,    0.25,  0.5,    1,     2.5,   5,     10};
  void record(double seconds);
  // Appends the _bucket, _sum and _count lines of `name` with the given label set
  // (e.g. "route=\"ingest\"").
  void render(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_micros_{0};
};

struct ApiMetrics {
  std::atomic<std::uint64_t> instructions_created{0};
  std::atomic<std::uint64_t> instructions_duplicate{0};
  std::atomic<std::uint64_t> instructions_rejected{0};
  std::atomic<std::uint64_t> bodies_rejected{0};  // not JSON, too large, too many items
  std::atomic<std::uint64_t> events_recorded{0};
  std::atomic<std::uint64_t> events_refused{0};
  std::atomic<std::uint64_t> responses_2xx{0}, responses_4xx{0}, responses_5xx{0};
  std::atomic<std::uint64_t> logins{0}, logins_refused{0};
  std::atomic<std::uint64_t> audit_failures{0};  // entries that could not be written
  std::atomic<std::int64_t> ingest_in_flight{0};  // requests waiting for a durable answer
  LatencyHistogram ingest_latency;  // POST /instructions: request read -> durable answer sent
  LatencyHistogram event_latency;   // POST /cases/{id}/events
  LatencyHistogram read_latency;    // GET endpoints

  // The whole /metrics page; `store` and `server` are read at call time.
  std::string render(const store::StoreMetrics& store, const ServerStats& server) const;
};

}  // namespace quanzu::api
