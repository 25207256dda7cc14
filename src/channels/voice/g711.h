// G.711 companding (ITU-T G.711, the segment algorithm of Sun's public reference code):
// PCMU (mu-law, RTP payload type 0) and PCMA (A-law, payload type 8), 8 kHz telephony.
// Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace quanzu::channels::voice {

std::uint8_t linear_to_ulaw(std::int16_t sample);
std::uint8_t linear_to_alaw(std::int16_t sample);
std::int16_t ulaw_to_linear(std::uint8_t code);
std::int16_t alaw_to_linear(std::uint8_t code);

enum class G711 { kPcmu, kPcma };

// One byte per sample.
std::vector<std::uint8_t> g711_encode(G711 law, std::span<const std::int16_t> samples);

}  // namespace quanzu::channels::voice
