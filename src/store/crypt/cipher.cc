#include "store/crypt/cipher.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

namespace quanzu::store::crypt {
namespace {

// "qz" and format version 1; a control byte, so no stored text starts with it.
constexpr std::string_view kSealedMagic{"qz\x01", 3};
constexpr std::string_view kIndexPrefix = "bi1.";
constexpr size_t kIndexBytes = 16;

bool sodium_ready() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

std::string to_base64(const unsigned char* bytes, size_t n, int variant) {
  std::string out(sodium_base64_ENCODED_LEN(n, variant), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes, n, variant);
  out.resize(std::strlen(out.c_str()));
  return out;
}

// Decodes base64 of exactly `want` bytes (any size when want is 0).
bool from_base64(std::string_view text, int variant, std::vector<unsigned char>& out, size_t want) {
  out.assign(text.size(), 0);
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, &end,
                        variant) != 0 ||
      end != text.data() + text.size()) {
    return false;
  }
  out.resize(len);
  return want == 0 || len == want;
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

}  // namespace

bool valid_key_id(std::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string new_key_base64() {
  if (!sodium_ready()) return {};
  std::array<unsigned char, 32> key{};
  randombytes_buf(key.data(), key.size());
  std::string out = to_base64(key.data(), key.size(), sodium_base64_VARIANT_ORIGINAL);
  sodium_memzero(key.data(), key.size());
  return out;
}

Result<std::shared_ptr<const Cipher>> Cipher::load(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail(Code::kInvalid, "cannot read key file " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(Code::kInvalid, "key file " + path + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return fail(Code::kInvalid, "key file " + path + " is accessible to group or others (mode " +
                                    mode + "); run: chmod 600 " + path);
  }
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  const int read_errno = errno;
  ::close(fd);
  if (n < 0)
    return fail(Code::kInvalid, "cannot read key file " + path + ": " + std::strerror(read_errno));
  auto cipher = parse(text, path);
  sodium_memzero(text.data(), text.size());
  return cipher;
}

Result<std::shared_ptr<const Cipher>> Cipher::parse(std::string_view text,
                                                    const std::string& name) {
  if (!sodium_ready()) return fail(Code::kInternal, "libsodium failed to initialise");
  std::shared_ptr<Cipher> c(new Cipher());
  c->file_ = name;
  std::map<std::string, int, std::less<>> seen;  // id -> line
  int index_line = 0;
  int line_no = 0;
  size_t pos = 0;
  std::vector<unsigned char> bytes;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    auto w = words(line);
    if (w.empty() || w[0][0] == '#') continue;
    const std::string where = name + ":" + std::to_string(line_no) + ": ";
    if (w.size() != 3 || (w[0] != "key" && w[0] != "index")) {
      return fail(Code::kInvalid, where + "expected 'key ID BASE64' or 'index ID BASE64'");
    }
    if (!valid_key_id(w[1])) {
      return fail(Code::kInvalid, where + "key id must be 1-32 characters of A-Z a-z 0-9 _ -");
    }
    if (auto it = seen.find(w[1]); it != seen.end()) {
      return fail(Code::kInvalid, where + "key id " + std::string(w[1]) +
                                      " is already used on line " + std::to_string(it->second));
    }
    seen.emplace(std::string(w[1]), line_no);
    if (!from_base64(w[2], sodium_base64_VARIANT_ORIGINAL, bytes, 32)) {
      sodium_memzero(bytes.data(), bytes.size());
      return fail(Code::kInvalid,
                  where + "key " + std::string(w[1]) + " is not the standard base64 of 32 bytes");
    }
    Key key;
    key.id = std::string(w[1]);
    std::memcpy(key.bytes.data(), bytes.data(), 32);
    sodium_memzero(bytes.data(), bytes.size());
    if (w[0] == "index") {
      if (index_line != 0) {
        return fail(Code::kInvalid, where + "a second index key (the first is on line " +
                                        std::to_string(index_line) + "); keep exactly one");
      }
      index_line = line_no;
      c->index_ = std::move(key);
    } else {
      c->keys_.push_back(std::move(key));
    }
  }
  if (index_line == 0)
    return fail(Code::kInvalid, name + ": no 'index ID BASE64' line (the blind-index key)");
  if (c->keys_.empty())
    return fail(Code::kInvalid, name + ": no 'key ID BASE64' line (a data key)");
  return std::shared_ptr<const Cipher>(std::move(c));
}

Cipher::~Cipher() {
  sodium_memzero(index_.bytes.data(), index_.bytes.size());
  for (auto& k : keys_) sodium_memzero(k.bytes.data(), k.bytes.size());
}

bool Cipher::has_key(std::string_view id) const {
  for (const auto& k : keys_) {
    if (k.id == id) return true;
  }
  return false;
}

std::string Cipher::seal(std::string_view plain) const {
  const Key& key = keys_.back();
  std::string out(kSealedMagic);
  out += static_cast<char>(key.id.size());
  out += key.id;
  const size_t head = out.size();
  out.resize(head + crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain.size());
  auto* nonce = reinterpret_cast<unsigned char*>(out.data() + head);
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plain.data()), plain.size(), nonce,
                        key.bytes.data());
  return out;
}

std::string_view Cipher::key_id_of(std::string_view value) {
  if (!is_sealed(value)) return {};
  return value.substr(kSealedMagic.size() + 1,
                      static_cast<unsigned char>(value[kSealedMagic.size()]));
}

bool Cipher::is_sealed(std::string_view value) {
  if (value.size() < kSealedMagic.size() + 1 ||
      value.substr(0, kSealedMagic.size()) != kSealedMagic) {
    return false;
  }
  const size_t id_size = static_cast<unsigned char>(value[kSealedMagic.size()]);
  return id_size >= 1 && id_size <= 32 && value.size() >= kSealedMagic.size() + 1 + id_size;
}

bool Cipher::is_blind_index(std::string_view value) {
  return value.substr(0, kIndexPrefix.size()) == kIndexPrefix;
}

Result<std::string> Cipher::open(std::string_view sealed) const {
  if (!is_sealed(sealed)) return fail(Code::kUnavailable, "value is not encrypted");
  std::string_view id = key_id_of(sealed);
  const Key* key = nullptr;
  for (const auto& k : keys_) {
    if (k.id == id) key = &k;
  }
  if (!key) {
    return fail(Code::kUnavailable, "value is sealed with key " + std::string(id) + ", which " +
                                        file_ + " does not have");
  }
  std::string_view data = sealed.substr(kSealedMagic.size() + 1 + id.size());
  if (data.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    return fail(Code::kUnavailable, "value sealed with key " + std::string(id) + " is truncated");
  }
  const auto* box = reinterpret_cast<const unsigned char*>(data.data());
  std::string plain(data.size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(
          reinterpret_cast<unsigned char*>(plain.data()), box + crypto_secretbox_NONCEBYTES,
          data.size() - crypto_secretbox_NONCEBYTES, box, key->bytes.data()) != 0) {
    return fail(Code::kUnavailable, "value sealed with key " + std::string(id) +
                                        " does not decrypt: wrong key bytes in " + file_ +
                                        " or a tampered value");
  }
  return plain;
}

std::string Cipher::blind_index(std::string_view value) const {
  std::array<unsigned char, kIndexBytes> hash{};
  crypto_generichash(hash.data(), hash.size(), reinterpret_cast<const unsigned char*>(value.data()),
                     value.size(), index_.bytes.data(), index_.bytes.size());
  std::string out(kIndexPrefix);
  out += to_base64(hash.data(), hash.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return out;
}

}  // namespace quanzu::store::crypt
