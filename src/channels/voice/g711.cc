#include "channels/voice/g711.h"

namespace quanzu::channels::voice {
namespace {

// Upper ends of the eight segments, for the 14-bit (mu-law) and 13-bit (A-law) magnitudes
// the reference code works on.
constexpr std::int32_t kUlawSegEnd[8] = {0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF};
constexpr std::int32_t kAlawSegEnd[8] = {0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF};
constexpr std::int32_t kUlawBias = 0x84 >> 2;
constexpr std::int32_t kUlawClip = 8159;

int segment(std::int32_t value, const std::int32_t (&ends)[8]) {
  for (int i = 0; i < 8; ++i) {
    if (value <= ends[i]) return i;
  }
  return 8;
}

}  // namespace

std::uint8_t linear_to_ulaw(std::int16_t sample) {
  std::int32_t pcm = sample >> 2;
  std::uint8_t mask = 0xFF;
  if (pcm < 0) {
    pcm = -pcm;
    mask = 0x7F;
  }
  if (pcm > kUlawClip) pcm = kUlawClip;
  pcm += kUlawBias;
  const int seg = segment(pcm, kUlawSegEnd);
  if (seg >= 8) return static_cast<std::uint8_t>(0x7F ^ mask);
  const auto code = static_cast<std::uint8_t>((seg << 4) | ((pcm >> (seg + 1)) & 0xF));
  return static_cast<std::uint8_t>(code ^ mask);
}

std::uint8_t linear_to_alaw(std::int16_t sample) {
  std::int32_t pcm = sample >> 3;
  std::uint8_t mask = 0xD5;
  if (pcm < 0) {
    mask = 0x55;
    pcm = -pcm - 1;
  }
  const int seg = segment(pcm, kAlawSegEnd);
  if (seg >= 8) return static_cast<std::uint8_t>(0x7F ^ mask);
  std::uint8_t code = static_cast<std::uint8_t>(seg << 4);
  code |= seg < 2 ? (pcm >> 1) & 0xF : (pcm >> seg) & 0xF;
  return static_cast<std::uint8_t>(code ^ mask);
}

std::int16_t ulaw_to_linear(std::uint8_t code) {
  code = static_cast<std::uint8_t>(~code);
  std::int32_t t = ((code & 0x0F) << 3) + 0x84;
  t <<= (code & 0x70) >> 4;
  return static_cast<std::int16_t>((code & 0x80) ? (0x84 - t) : (t - 0x84));
}

std::int16_t alaw_to_linear(std::uint8_t code) {
  code ^= 0x55;
  std::int32_t t = (code & 0x0F) << 4;
  const int seg = (code & 0x70) >> 4;
  if (seg == 0) {
    t += 8;
  } else {
    t = (t + 0x108) << (seg - 1);
  }
  return static_cast<std::int16_t>((code & 0x80) ? t : -t);
}

std::vector<std::uint8_t> g711_encode(G711 law, std::span<const std::int16_t> samples) {
  std::vector<std::uint8_t> out;
  out.reserve(samples.size());
  for (std::int16_t s : samples) out.push_back(law == G711::kPcmu ? linear_to_ulaw(s) : linear_to_alaw(s));
  return out;
}

}  // namespace quanzu::channels::voice
