// Realistic upstream warning instructions for benchmarks: about 600 bytes of JSON each,
// varied ids, phones, districts, triggers and amounts, and the same text for the same
// (prefix, n) on every run, so two runs post identical bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace quanzu::bench {

// One instruction: its JSON text and the values the server derives from it, which the raw
// SQLite baseline writes into the same columns without parsing anything.
struct Sample {
  std::string id;
  std::string json;
  std::string phone;
  std::string subject_name;
  std::string adcode;
  std::string district_name;
  std::string trigger;
  std::string scam_type;
  std::string level;  // the upstream level
  std::string indicator_kind;
  std::string indicator_value;
  int age = 0;
  std::int64_t issued_at_ms = 0;
  std::int64_t at_risk_fen = 0;
};

// How a series of instructions looks.
struct Shape {
  // Empty: indicators name fraud sites, apps, accounts and numbers drawn from large pools,
  // so a few instructions share one (small clusters, as upstream sends). Set: every
  // instruction names a URL on this host and all are issued within three days: one
  // campaign whose victims form one growing cluster.
  std::string campaign_host;
};

// The n-th instruction of a series; ids are "<prefix>-<n>" and must stay unique per store.
Sample make_sample(std::string_view prefix, std::uint64_t n, const Shape& shape = {});

// A JSON array body of samples [first, first + count) of a series.
std::string array_body(std::string_view prefix, std::uint64_t first, std::size_t count,
                       const Shape& shape = {});

}  // namespace quanzu::bench
