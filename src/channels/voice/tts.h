// Spoken warning prompts at 8 kHz: synthesized with espeak-ng (Mandarin voice
// "cmn-latn-pinyin", which reads Chinese characters), or recorded WAV files resampled to
// 8 kHz. Prompts is the cache the voice channel keeps: each distinct text is synthesized
// once (the oldest of more than max_speech texts is dropped: templates x stations can be
// thousands, ~16 KB a second of audio each), each file read once. Thread-safe (espeak-ng itself is
// one global engine; a process-wide mutex serialises it).
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/result.h"
#include "channels/voice/audio.h"

namespace quanzu::channels::voice {

struct SpeechOptions {
  std::string voice = "cmn-latn-pinyin";
  int words_per_minute = 150;  // espeak-ng's default is 175; slower suits older listeners
  std::string data_path;       // espeak-ng data directory; empty for the installed one
};

// Synthesizes `text` (UTF-8) and resamples it to 8 kHz mono. Fails with kUnavailable when
// espeak-ng cannot start or lacks the voice, kInvalid for empty text.
Result<Pcm> synthesize_speech(const std::string& text, const SpeechOptions& options);

class Prompts {
 public:
  explicit Prompts(SpeechOptions options = {}, size_t max_speech = 256)
      : options_(std::move(options)), max_speech_(max_speech) {}
  Result<std::shared_ptr<const Pcm>> speech(const std::string& text);
  Result<std::shared_ptr<const Pcm>> recording(const std::string& wav_path);

 private:
  SpeechOptions options_;
  size_t max_speech_;
  std::mutex mu_;  // guards the maps and speech_order_
  std::deque<std::string> speech_order_;  // texts in speech_, oldest first
  std::map<std::string, std::shared_ptr<const Pcm>> speech_;
  std::map<std::string, std::shared_ptr<const Pcm>> recordings_;
};

}  // namespace quanzu::channels::voice
