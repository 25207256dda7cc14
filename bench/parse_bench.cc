// parse_bench: the CPU cost of reading upstream instructions, apart from HTTP and storage.
// One ~640-byte instruction through parse_instruction, and a 1000-item JSON array through
// parse_batch, with the same texts that ingest_bench posts.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "corpus.h"
#include "instruction/parser.h"

namespace quanzu::bench {
namespace {

void parse_instruction_640_bytes(benchmark::State& state) {
  const std::string text = make_sample("PARSE", 7).json;
  if (!instruction::parse_instruction(text)) throw std::logic_error("sample does not parse");
  for (auto _ : state) {
    auto parsed = instruction::parse_instruction(text);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(text.size()));
  state.counters["bytes_per_item"] = static_cast<double>(text.size());
}
BENCHMARK(parse_instruction_640_bytes);

void parse_batch_1000_items(benchmark::State& state) {
  const std::string body = array_body("PARSE", 0, 1000);
  auto check = instruction::parse_batch(body);
  if (!check || check->size() != 1000) throw std::logic_error("batch does not parse");
  for (const auto& item : *check) {
    if (!item.instruction) throw std::logic_error("an item of the batch is rejected");
  }
  for (auto _ : state) {
    auto parsed = instruction::parse_batch(body);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(body.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 1000);
}
BENCHMARK(parse_batch_1000_items)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace quanzu::bench

BENCHMARK_MAIN();
