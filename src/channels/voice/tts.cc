#include "channels/voice/tts.h"

#include <espeak-ng/speak_lib.h>

#include <cstring>
#include <vector>

namespace quanzu::channels::voice {
namespace {

std::mutex& engine_mutex() {
  static std::mutex mu;
  return mu;
}

// Guarded by engine_mutex(); espeak-ng is initialised once per process.
int engine_rate = 0;
std::string engine_path;

int collect(short* wav, int count, espeak_EVENT* events) {
  auto* out = static_cast<std::vector<std::int16_t>*>(events ? events->user_data : nullptr);
  if (wav && out && count > 0) out->insert(out->end(), wav, wav + count);
  return 0;  // continue
}

}  // namespace

Result<Pcm> synthesize_speech(const std::string& text, const SpeechOptions& options) {
  if (text.empty()) return fail(Code::kInvalid, "prompt text is empty");
  std::lock_guard lock(engine_mutex());
  if (engine_rate <= 0) {
    engine_path = options.data_path;
    engine_rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0,
                                    engine_path.empty() ? nullptr : engine_path.c_str(), 0);
    if (engine_rate <= 0) return fail(Code::kUnavailable, "espeak-ng failed to initialise");
    espeak_SetSynthCallback(collect);
  }
  if (espeak_SetVoiceByName(options.voice.c_str()) != EE_OK) {
    return fail(Code::kUnavailable, "espeak-ng has no voice \"" + options.voice + "\"");
  }
  espeak_SetParameter(espeakRATE, options.words_per_minute, 0);
  std::vector<std::int16_t> samples;
  const espeak_ERROR err = espeak_Synth(text.c_str(), text.size() + 1, 0, POS_CHARACTER, 0,
                                        espeakCHARS_UTF8, nullptr, &samples);
  if (err != EE_OK) return fail(Code::kUnavailable, "espeak-ng failed to synthesize the prompt");
  if (samples.empty()) return fail(Code::kUnavailable, "espeak-ng produced no audio for the prompt");
  Pcm raw;
  raw.sample_rate = engine_rate;
  raw.samples = std::move(samples);
  return resample(raw, kTelephonyRate);
}

Result<std::shared_ptr<const Pcm>> Prompts::speech(const std::string& text) {
  {
    std::lock_guard lock(mu_);
    if (auto it = speech_.find(text); it != speech_.end()) return it->second;
  }
  auto pcm = synthesize_speech(text, options_);
  if (!pcm) return tl::unexpected(pcm.error());
  auto shared = std::make_shared<const Pcm>(std::move(*pcm));
  std::lock_guard lock(mu_);
  auto [it, inserted] = speech_.emplace(text, std::move(shared));
  if (inserted) {
    speech_order_.push_back(text);
    // Calls still playing an evicted prompt hold their own reference.
    while (speech_order_.size() > max_speech_ && speech_order_.size() > 1) {
      speech_.erase(speech_order_.front());
      speech_order_.pop_front();
    }
  }
  return speech_.at(text);
}

Result<std::shared_ptr<const Pcm>> Prompts::recording(const std::string& wav_path) {
  {
    std::lock_guard lock(mu_);
    if (auto it = recordings_.find(wav_path); it != recordings_.end()) return it->second;
  }
  auto pcm = read_wav(wav_path);
  if (!pcm) return tl::unexpected(pcm.error());
  if (pcm->samples.empty()) return fail(Code::kInvalid, wav_path + ": WAV file has no samples");
  auto shared = std::make_shared<const Pcm>(resample(*pcm, kTelephonyRate));
  std::lock_guard lock(mu_);
  return recordings_.emplace(wav_path, std::move(shared)).first->second;
}

}  // namespace quanzu::channels::voice
