// Mono 16-bit PCM for telephony prompts: a band-limited resampler and WAV (RIFF PCM) files.
// Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"

namespace quanzu::channels::voice {

inline constexpr int kTelephonyRate = 8000;

struct Pcm {
  int sample_rate = kTelephonyRate;
  std::vector<std::int16_t> samples;  // mono

  double seconds() const { return sample_rate > 0 ? static_cast<double>(samples.size()) / sample_rate : 0; }
};

// Windowed-sinc (Blackman) resampling; when it lowers the rate, the kernel is also the
// anti-aliasing low-pass (cut-off just below the new Nyquist frequency).
Pcm resample(const Pcm& in, int to_rate);

// Root mean square of the samples, in sample units (0..32768).
double rms(std::span<const std::int16_t> samples);

// Reads a RIFF/WAVE file of 16-bit PCM, mono or stereo (averaged to mono), any rate.
// Fails with kInvalid naming the problem for any other format, kNotFound when unreadable.
Result<Pcm> read_wav(const std::string& path);
// Parses the bytes of such a file.
Result<Pcm> parse_wav(std::span<const std::uint8_t> bytes);
// Writes mono 16-bit PCM.
Result<bool> write_wav(const std::string& path, const Pcm& pcm);

}  // namespace quanzu::channels::voice
