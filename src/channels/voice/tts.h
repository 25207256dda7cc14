// Spoken warning prompts at 8 kHz: synthesized with espeak-ng (Mandarin voice
// "cmn-latn-pinyin", which reads Chinese characters), or recorded WAV files resampled to
// 8 kHz. Prompts is the cache the voice channel keeps: each distinct text is synthesized
// once, each file read once, for the life of the object. Thread-safe (espeak-ng itself is
// one global engine; a process-wide mutex serialises it).
#pragma once

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
  explicit Prompts(SpeechOptions options = {}) : options_(std::move(options)) {}
  Result<std::shared_ptr<const Pcm>> speech(const std::string& text);
  Result<std::shared_ptr<const Pcm>> recording(const std::string& wav_path);

 private:
  SpeechOptions options_;
  std::mutex mu_;  // guards the two maps
  std::map<std::string, std::shared_ptr<const Pcm>> speech_;
  std::map<std::string, std::shared_ptr<const Pcm>> recordings_;
};

}  // namespace quanzu::channels::voice
