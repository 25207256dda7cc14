#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <numbers>

#include "channels/voice/audio.h"
#include "channels/voice/g711.h"
#include "channels/voice/tts.h"
#include "channels/voice/voice_channel.h"

namespace quanzu::channels::voice {
namespace {

// Expected codes from Python's audioop (lin2ulaw / lin2alaw), which implements the same
// ITU-T G.711 reference algorithm.
TEST(G711, EncodesKnownValues) {
  struct Case {
    std::int16_t in;
    std::uint8_t ulaw, alaw;
  };
  const Case cases[] = {{0, 0xFF, 0xD5},      {1, 0xFF, 0xD5},         {-1, 0x7E, 0x55},
                        {8, 0xFE, 0xD5},      {100, 0xF2, 0xD3},       {-100, 0x72, 0x53},
                        {1000, 0xCE, 0xFA},   {-1000, 0x4E, 0x7A},     {5000, 0xAB, 0x86},
                        {-5000, 0x2B, 0x06},  {30000, 0x82, 0xA8},     {32767, 0x80, 0xAA},
                        {-32768, 0x00, 0x2A}, {-32124, 0x00, 0x2A}};
  for (const auto& c : cases) {
    EXPECT_EQ(linear_to_ulaw(c.in), c.ulaw) << c.in;
    EXPECT_EQ(linear_to_alaw(c.in), c.alaw) << c.in;
  }
}

TEST(G711, DecodesKnownValues) {
  EXPECT_EQ(ulaw_to_linear(0x80), 32124);
  EXPECT_EQ(ulaw_to_linear(0x00), -32124);
  EXPECT_EQ(ulaw_to_linear(0xFF), 0);
  EXPECT_EQ(ulaw_to_linear(0xCE), 988);
  EXPECT_EQ(alaw_to_linear(0xAA), 32256);
  EXPECT_EQ(alaw_to_linear(0x2A), -32256);
  EXPECT_EQ(alaw_to_linear(0xD5), 8);
  EXPECT_EQ(alaw_to_linear(0xCE), 440);
}

TEST(G711, RoundTripKeepsTheSignalWithinTheQuantisationStep) {
  for (int v = -32768; v <= 32767; v += 7) {
    const auto s = static_cast<std::int16_t>(v);
    // Logarithmic steps: the error grows with the magnitude, at most ~1/16 of it.
    const double tolerance = 16 + std::abs(v) / 16.0;
    EXPECT_NEAR(ulaw_to_linear(linear_to_ulaw(s)), v, tolerance) << v;
    EXPECT_NEAR(alaw_to_linear(linear_to_alaw(s)), v, tolerance + 16) << v;
  }
}

Pcm tone(int rate, double hz, double seconds, double amplitude) {
  Pcm pcm;
  pcm.sample_rate = rate;
  const auto n = static_cast<size_t>(rate * seconds);
  for (size_t i = 0; i < n; ++i) {
    pcm.samples.push_back(static_cast<std::int16_t>(amplitude * std::sin(2 * std::numbers::pi * hz * i / rate)));
  }
  return pcm;
}

TEST(Resample, KeepsInBandTonesAndDuration) {
  const Pcm in = tone(22050, 1000, 1.0, 10000);
  const Pcm out = resample(in, 8000);
  EXPECT_EQ(out.sample_rate, 8000);
  EXPECT_NEAR(static_cast<double>(out.samples.size()), 8000, 2);
  // Away from the edges, a 1 kHz sine keeps its RMS (amplitude / sqrt 2).
  std::span<const std::int16_t> middle(out.samples.data() + 400, out.samples.size() - 800);
  EXPECT_NEAR(rms(middle), 10000 / std::sqrt(2.0), 150);
}

TEST(Resample, FiltersWhatWouldAlias) {
  // 6 kHz is above the new Nyquist (4 kHz): without the low-pass it would fold to 2 kHz.
  const Pcm out = resample(tone(22050, 6000, 1.0, 10000), 8000);
  std::span<const std::int16_t> middle(out.samples.data() + 400, out.samples.size() - 800);
  EXPECT_LT(rms(middle), 100);
}

TEST(Wav, RoundTrips) {
  const auto path = std::filesystem::temp_directory_path() / "quanzu_voice_test.wav";
  const Pcm in = tone(16000, 440, 0.25, 8000);
  ASSERT_TRUE(write_wav(path.string(), in));
  auto back = read_wav(path.string());
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->sample_rate, 16000);
  EXPECT_EQ(back->samples, in.samples);
  std::filesystem::remove(path);
  EXPECT_FALSE(read_wav(path.string()));
  const std::uint8_t junk[] = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'A', 'V', 'I', ' '};
  EXPECT_FALSE(parse_wav(junk));
}

TEST(Speech, SynthesizesAudibleMandarinOfPlausibleLength) {
  const std::string text = "您好，这里是江北区公安分局反诈中心，请注意防范电信网络诈骗。";  // 28 syllables
  auto pcm = synthesize_speech(text, SpeechOptions{});
  ASSERT_TRUE(pcm) << pcm.error().message;
  EXPECT_EQ(pcm->sample_rate, 8000);
  EXPECT_GT(rms(pcm->samples), 1000);  // speech, not silence
  // Mandarin at ~150 words a minute reads 3-5 syllables a second.
  EXPECT_GT(pcm->seconds(), 4.0);
  EXPECT_LT(pcm->seconds(), 12.0);
  auto longer = synthesize_speech(text + text, SpeechOptions{});
  ASSERT_TRUE(longer);
  EXPECT_GT(longer->seconds(), pcm->seconds() * 1.7);
}

TEST(Speech, PromptsAreCachedPerText) {
  Prompts prompts;
  auto a = prompts.speech("请注意防范诈骗。");
  auto b = prompts.speech("请注意防范诈骗。");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->get(), b->get());
  EXPECT_FALSE(prompts.speech(""));
  Prompts small(SpeechOptions{}, 1);
  auto first = small.speech("一。");
  ASSERT_TRUE(first);
  ASSERT_TRUE(small.speech("二。"));
  auto again = small.speech("一。");  // evicted, synthesized anew
  ASSERT_TRUE(again);
  EXPECT_NE(first->get(), again->get());
  // espeak-ng carries a little state between texts: the same text, nearly the same audio.
  EXPECT_NEAR((*first)->seconds(), (*again)->seconds(), 0.1);
  EXPECT_FALSE(prompts.recording("/nonexistent/prompt.wav"));
}

TEST(Speech, RecordedPromptIsResampledTo8kHz) {
  const auto path = std::filesystem::temp_directory_path() / "quanzu_voice_prompt.wav";
  ASSERT_TRUE(write_wav(path.string(), tone(44100, 500, 2.0, 6000)));
  Prompts prompts;
  auto pcm = prompts.recording(path.string());
  ASSERT_TRUE(pcm) << pcm.error().message;
  EXPECT_EQ((*pcm)->sample_rate, 8000);
  EXPECT_NEAR((*pcm)->seconds(), 2.0, 0.01);
  std::filesystem::remove(path);
}

TEST(PromptText, FillsTheStationAndPicksTheScamTypeTemplate) {
  VoiceOptions options;
  options.templates["default"] = "这里是{station}。";
  options.templates["fake_investment"] = "{station}提醒：投资理财是诈骗。";
  EXPECT_EQ(prompt_text(options, "romance", "石门派出所"), "这里是石门派出所。");
  EXPECT_EQ(prompt_text(options, "fake_investment", ""), "公安机关提醒：投资理财是诈骗。");
  options.ask_acknowledge = true;
  EXPECT_EQ(prompt_text(options, "romance", "X"), "这里是X。听清楚请按一。");
  VoiceOptions builtin;
  EXPECT_NE(prompt_text(builtin, "other", "江北").find("九六一一零"), std::string::npos);
}

TEST(VoiceChannel, RefusesBadOptions) {
  VoiceOptions options;
  options.trunk = "";
  EXPECT_FALSE(VoiceChannel::create(options, nullptr));
  options.trunk = "127.0.0.1:99999";
  EXPECT_FALSE(VoiceChannel::create(options, nullptr));
  options.trunk = "127.0.0.1:5060";
  options.max_calls = 0;
  EXPECT_FALSE(VoiceChannel::create(options, nullptr));
  options.max_calls = 1;
  options.recordings["default"] = "/nonexistent.wav";
  auto bad = VoiceChannel::create(options, nullptr);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("/nonexistent.wav"), std::string::npos);
}

TEST(VoiceChannel, RefusesBadMessagesAndStartsAndStops) {
  VoiceOptions options;
  options.trunk = "127.0.0.1:9";  // discard: nothing answers SIP there
  auto channel = VoiceChannel::create(options, nullptr);
  ASSERT_TRUE(channel) << channel.error().message;
  EXPECT_TRUE((*channel)->health().running);
  store::OutboxEntry entry;
  entry.payload = "not json";
  EXPECT_FALSE((*channel)->deliver(entry));
  entry.payload = R"({"type":"sms","ref":"c/sms/1","phone":"13800138000"})";
  EXPECT_FALSE((*channel)->deliver(entry));
  entry.payload = R"({"type":"robocall","ref":"c/robocall/1","phone":"138;x=y"})";
  EXPECT_FALSE((*channel)->deliver(entry));
  EXPECT_EQ((*channel)->health().placed, 0);
}

}  // namespace
}  // namespace quanzu::channels::voice
