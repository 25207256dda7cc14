#include "channels/voice/audio.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <numbers>
#include <numeric>

namespace quanzu::channels::voice {
namespace {

double sinc(double x) {
  if (std::abs(x) < 1e-9) return 1.0;
  const double px = std::numbers::pi * x;
  return std::sin(px) / px;
}

// Blackman window over [-1, 1].
double blackman(double x) {
  if (x <= -1.0 || x >= 1.0) return 0.0;
  const double p = std::numbers::pi * (x + 1.0);  // 0..2pi
  return 0.42 - 0.5 * std::cos(p) + 0.08 * std::cos(2 * p);
}

std::uint32_t le32(std::span<const std::uint8_t> b, size_t at) {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (static_cast<std::uint32_t>(b[at + 3]) << 24);
}
std::uint16_t le16(std::span<const std::uint8_t> b, size_t at) {
  return static_cast<std::uint16_t>(b[at] | (b[at + 1] << 8));
}
void put32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void put16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v & 0xFF));
  out.push_back(static_cast<char>(v >> 8));
}

}  // namespace

Pcm resample(const Pcm& in, int to_rate) {
  if (in.sample_rate == to_rate || in.samples.empty() || in.sample_rate <= 0 || to_rate <= 0) {
    Pcm same = in;
    same.sample_rate = to_rate > 0 ? to_rate : in.sample_rate;
    return same;
  }
  // Output sample n sits at input position n * down / up; its fractional part takes only
  // `up` values, so the kernel is computed once per phase.
  const int g = std::gcd(to_rate, in.sample_rate);
  const std::int64_t up = to_rate / g;
  const std::int64_t down = in.sample_rate / g;
  const double ratio = static_cast<double>(to_rate) / in.sample_rate;
  // Cut-off as a fraction of the input's Nyquist frequency: 95% of the lower Nyquist,
  // leaving the window's transition band room below it.
  const double cutoff = std::min(1.0, ratio) * 0.95;
  const auto half = static_cast<std::int64_t>(std::ceil(12.0 / cutoff));  // taps each side
  const std::int64_t taps = 2 * half;
  auto weight_at = [&](double d) {
    return cutoff * sinc(cutoff * d) * blackman(d / static_cast<double>(half));
  };
  const bool tabled = up <= 4096;
  std::vector<double> table;
  if (tabled) {
    table.resize(static_cast<size_t>(up * taps));
    for (std::int64_t p = 0; p < up; ++p) {
      const double frac = static_cast<double>(p) / static_cast<double>(up);
      for (std::int64_t j = 0; j < taps; ++j) {
        table[static_cast<size_t>(p * taps + j)] = weight_at(frac - static_cast<double>(j - half + 1));
      }
    }
  }
  const auto n_in = static_cast<std::int64_t>(in.samples.size());
  const std::int64_t n_out = n_in * up / down;
  Pcm out;
  out.sample_rate = to_rate;
  out.samples.reserve(static_cast<size_t>(n_out));
  for (std::int64_t n = 0; n < n_out; ++n) {
    const std::int64_t base = n * down / up;
    const std::int64_t phase = n * down % up;
    const double frac = static_cast<double>(phase) / static_cast<double>(up);
    double acc = 0.0;
    double sum = 0.0;
    for (std::int64_t j = 0; j < taps; ++j) {
      const std::int64_t k = base + j - half + 1;
      if (k < 0 || k >= n_in) continue;
      const double h = tabled ? table[static_cast<size_t>(phase * taps + j)]
                              : weight_at(frac - static_cast<double>(j - half + 1));
      acc += h * in.samples[static_cast<size_t>(k)];
      sum += h;
    }
    // Normalising by the kernel's sum keeps unity gain at DC, also near the edges.
    const double v = sum > 1e-9 ? acc / sum : 0.0;
    out.samples.push_back(static_cast<std::int16_t>(std::clamp(std::lround(v), -32768L, 32767L)));
  }
  return out;
}

double rms(std::span<const std::int16_t> samples) {
  if (samples.empty()) return 0.0;
  double sum = 0.0;
  for (std::int16_t s : samples) sum += static_cast<double>(s) * s;
  return std::sqrt(sum / static_cast<double>(samples.size()));
}

Result<Pcm> parse_wav(std::span<const std::uint8_t> b) {
  if (b.size() < 12 || std::string(b.begin(), b.begin() + 4) != "RIFF" ||
      std::string(b.begin() + 8, b.begin() + 12) != "WAVE") {
    return fail(Code::kInvalid, "not a RIFF/WAVE file");
  }
  int channels = 0, rate = 0, bits = 0, format = 0;
  bool have_fmt = false;
  size_t at = 12;
  while (at + 8 <= b.size()) {
    const std::string id(b.begin() + static_cast<std::ptrdiff_t>(at), b.begin() + static_cast<std::ptrdiff_t>(at) + 4);
    std::uint32_t size = le32(b, at + 4);
    const size_t body = at + 8;
    if (id == "fmt " && size >= 16 && body + 16 <= b.size()) {
      format = le16(b, body);
      channels = le16(b, body + 2);
      rate = static_cast<int>(le32(b, body + 4));
      bits = le16(b, body + 14);
      have_fmt = true;
    } else if (id == "data") {
      if (!have_fmt) return fail(Code::kInvalid, "WAV data chunk before its fmt chunk");
      // 0xFFFE is WAVE_FORMAT_EXTENSIBLE, which tools use for plain PCM too.
      if ((format != 1 && format != 0xFFFE) || bits != 16 || channels < 1 || channels > 2 || rate <= 0) {
        return fail(Code::kInvalid, "WAV must be 16-bit PCM, mono or stereo (format " +
                                        std::to_string(format) + ", " + std::to_string(bits) + " bits, " +
                                        std::to_string(channels) + " channels)");
      }
      // Streaming writers leave the size at 0 or 0xFFFFFFFF: take what is there.
      if (size == 0 || body + size > b.size()) size = static_cast<std::uint32_t>(b.size() - body);
      Pcm pcm;
      pcm.sample_rate = rate;
      const size_t frames = size / (2 * static_cast<size_t>(channels));
      pcm.samples.reserve(frames);
      for (size_t f = 0; f < frames; ++f) {
        std::int32_t sum = 0;
        for (int c = 0; c < channels; ++c) {
          sum += static_cast<std::int16_t>(le16(b, body + (f * static_cast<size_t>(channels) + static_cast<size_t>(c)) * 2));
        }
        pcm.samples.push_back(static_cast<std::int16_t>(sum / channels));
      }
      return pcm;
    }
    at = body + size + (size & 1);
  }
  return fail(Code::kInvalid, "WAV file has no data chunk");
}

Result<Pcm> read_wav(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return fail(Code::kNotFound, "cannot read WAV file " + path);
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  auto pcm = parse_wav(bytes);
  if (!pcm) return fail(pcm.error().code, path + ": " + pcm.error().message);
  return pcm;
}

Result<bool> write_wav(const std::string& path, const Pcm& pcm) {
  const auto data_size = static_cast<std::uint32_t>(pcm.samples.size() * 2);
  std::string out;
  out.reserve(44 + data_size);
  out += "RIFF";
  put32(out, 36 + data_size);
  out += "WAVEfmt ";
  put32(out, 16);
  put16(out, 1);
  put16(out, 1);
  put32(out, static_cast<std::uint32_t>(pcm.sample_rate));
  put32(out, static_cast<std::uint32_t>(pcm.sample_rate * 2));
  put16(out, 2);
  put16(out, 16);
  out += "data";
  put32(out, data_size);
  for (std::int16_t s : pcm.samples) put16(out, static_cast<std::uint16_t>(s));
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file.write(out.data(), static_cast<std::streamsize>(out.size()))) {
    return fail(Code::kUnavailable, "cannot write WAV file " + path);
  }
  return true;
}

}  // namespace quanzu::channels::voice
