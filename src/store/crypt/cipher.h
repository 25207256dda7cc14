// Encryption at rest of personal data in the store, with keys from a key file. Used by the
// store adapters (sqlite/); the domain and the store port know nothing of it.
//
// Key file: text, one entry a line; blank lines and lines starting with '#' are ignored.
//   index <id> <base64 of 32 bytes>   exactly one: the key of the blind indexes (look-ups)
//   key <id> <base64 of 32 bytes>     one or more data keys; the LAST one seals new values,
//                                     the others only open values sealed before a rotation
// Ids are 1-32 characters of A-Z a-z 0-9 _ -, unique in the file. The file must not be
// readable or writable by group or others (chmod 600).
//
// A sealed value is bytes (stored as a BLOB): "qz" 0x01 (format 1), one byte the length of the
// key id, the key id, the nonce (24 bytes) and crypto_secretbox_easy (XSalsa20-Poly1305: MAC
// and ciphertext), with a fresh random nonce per value: 44 bytes plus the id over the plain
// text (binary, not base64, so rows stay small enough to live on their B-tree page). A blind
// index is "bi1.<base64url(BLAKE2b-128 keyed with the index key)>": equal inputs give equal
// indexes, so equality look-ups (same phone) still work; it changes only with the index key.
//
// Immutable once made: safe to use from several threads at once. Key bytes are wiped when
// the Cipher is destroyed and never appear in error messages.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace quanzu::store::crypt {

class Cipher {
 public:
  // Reads and checks the key file (permissions, then every line); errors name the file and
  // the line at fault.
  static Result<std::shared_ptr<const Cipher>> load(const std::string& path);
  // The same from text; `name` is used in error messages.
  static Result<std::shared_ptr<const Cipher>> parse(std::string_view text,
                                                     const std::string& name);

  ~Cipher();
  Cipher(const Cipher&) = delete;
  Cipher& operator=(const Cipher&) = delete;

  // Seals with the current (last) data key.
  std::string seal(std::string_view plain) const;
  // Opens a value sealed with any key of the file. Fails (Code::kUnavailable) when the value
  // is not a sealed value, names a key the file does not have, or does not authenticate
  // (wrong key bytes under that id, or tampered); never returns garbage.
  Result<std::string> open(std::string_view sealed) const;
  std::string blind_index(std::string_view value) const;

  static bool is_sealed(std::string_view value);
  static bool is_blind_index(std::string_view value);
  // The key id a sealed value names; empty when `value` is not a sealed value.
  static std::string_view key_id_of(std::string_view value);

  const std::string& current_key_id() const { return keys_.back().id; }
  const std::string& index_key_id() const { return index_.id; }
  bool has_key(std::string_view id) const;
  const std::string& file() const { return file_; }

 private:
  struct Key {
    std::string id;
    std::array<unsigned char, 32> bytes{};
  };
  Cipher() = default;

  std::string file_;
  Key index_;
  std::vector<Key> keys_;  // in file order; the last seals
};

// 32 random bytes in standard base64, as a key file line wants them.
std::string new_key_base64();
// Whether `id` is a valid key id.
bool valid_key_id(std::string_view id);

}  // namespace quanzu::store::crypt
