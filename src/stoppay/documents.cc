#include "stoppay/documents.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <utility>

#include "base/digest.h"

namespace quanzu::stoppay {
namespace {

constexpr size_t kMaxNameBytes = 200;
constexpr size_t kMaxByBytes = 200;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return out;
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

// "Image/PNG; name=x" -> "image/png"; "image/jpg" (a common misspelling) -> "image/jpeg".
std::string normalise_type(std::string_view declared) {
  std::string type = lower(trim(declared.substr(0, declared.find(';'))));
  if (type == "image/jpg" || type == "image/pjpeg") type = kJpeg;
  return type;
}

std::string random_hex(size_t n) {
  std::array<unsigned char, 16> buf{};
  n = std::min(n, buf.size());
  randombytes_buf(buf.data(), n);
  std::string hex(n * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), buf.data(), n);
  hex.pop_back();
  return hex;
}

tl::unexpected<Error> io_failure(const std::string& what, const std::filesystem::path& path,
                                 int err) {
  return fail(Code::kUnavailable, what + " " + path.string() + ": " + std::strerror(err));
}

// Makes a rename or a new entry in `dir` durable.
int fsync_dir(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  const int rc = ::fsync(fd);
  const int err = rc == 0 ? 0 : errno;
  ::close(fd);
  return err;
}

// Creates `dir` (and its parent) when missing, making each new entry durable.
int ensure_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return 0;
  const auto parent = dir.parent_path();
  if (!parent.empty() && !std::filesystem::is_directory(parent, ec)) {
    if (const int err = ensure_dir(parent); err != 0) return err;
  }
  if (::mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST) return errno;
  return parent.empty() ? 0 : fsync_dir(parent);
}

int write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

// Decodes one UTF-8 character at s[i]; returns its length, or 0 when malformed (overlong,
// surrogate, beyond U+10FFFF, truncated).
size_t utf8_char(std::string_view s, size_t i, char32_t& cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  size_t len;
  char32_t min;
  if (c < 0x80) {
    cp = c;
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    len = 2, cp = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3, cp = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

// Characters that would hide or reorder what a reader sees (C0/C1 controls, DEL, bidi
// marks and overrides, which can make "x.exe" read as "x.pdf").
bool hidden(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x200E || cp == 0x200F ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

}  // namespace

std::string_view sniff_content_type(std::string_view bytes) {
  if (bytes.starts_with("%PDF-")) return kPdf;
  if (bytes.starts_with("\xFF\xD8\xFF")) return kJpeg;
  if (bytes.starts_with(std::string_view("\x89PNG\r\n\x1A\n", 8))) return kPng;
  return {};
}

std::string clean_document_name(std::string_view name) {
  if (const auto slash = name.find_last_of("/\\"); slash != std::string_view::npos) {
    name.remove_prefix(slash + 1);
  }
  std::string out;
  for (size_t i = 0; i < name.size();) {
    char32_t cp = 0;
    const size_t len = utf8_char(name, i, cp);
    if (len == 0) {
      ++i;  // a stray byte of invalid UTF-8: dropped
      continue;
    }
    if (!hidden(cp)) {
      if (out.size() + len > kMaxNameBytes) break;
      out.append(name.substr(i, len));
    }
    i += len;
  }
  std::string result(trim(out));
  if (result.empty() || result == "." || result == "..") return "document";
  return result;
}

bool is_document_id(std::string_view id) {
  return id.size() == 64 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

FileDocumentStore::FileDocumentStore(std::filesystem::path dir, std::int64_t max_bytes)
    : dir_(std::move(dir)), max_bytes_(max_bytes) {}

std::filesystem::path FileDocumentStore::path_of(std::string_view id) const {
  assert(is_document_id(id));
  return dir_ / std::string(id.substr(0, 2)) / std::string(id);
}

Result<cases::Document> FileDocumentStore::put(std::string_view bytes, std::string_view name,
                                               std::string_view content_type, std::string_view by,
                                               Millis now) {
  if (sodium_init() < 0) return fail(Code::kInternal, "libsodium failed to initialise");
  if (static_cast<std::int64_t>(bytes.size()) > max_bytes_) {
    return tl::unexpected(
        Error{Code::kTooLarge,
              "size: " + std::to_string(bytes.size()) + " bytes is over the limit",
              {{"size", "is " + std::to_string(bytes.size()) + " bytes; at most " +
                            std::to_string(max_bytes_) + " are accepted"}}});
  }
  std::vector<FieldError> errors;
  if (bytes.empty()) errors.push_back({"size", "the file is empty"});
  const std::string declared = normalise_type(content_type);
  const std::string_view actual = sniff_content_type(bytes);
  if (!declared.empty() && declared != kPdf && declared != kJpeg && declared != kPng) {
    errors.push_back({"content_type", "\"" + declared +
                                          "\" is not accepted; send application/pdf, "
                                          "image/jpeg or image/png"});
  } else if (!bytes.empty() && actual.empty()) {
    errors.push_back({"content_type", "the file is not a PDF, JPEG or PNG"});
  } else if (!declared.empty() && !actual.empty() && declared != actual) {
    errors.push_back(
        {"content_type", "declared " + declared + " but the file is " + std::string(actual)});
  }
  const std::string_view who = trim(by);
  if (who.empty()) {
    errors.push_back({"by", "is required"});
  } else if (who.size() > kMaxByBytes) {
    errors.push_back({"by", "is longer than " + std::to_string(kMaxByBytes) + " bytes"});
  }
  if (!errors.empty()) return fail_fields(std::move(errors));

  cases::Document doc;
  doc.id = sha256_hex(bytes);
  doc.name = clean_document_name(name);
  doc.content_type = std::string(actual);
  doc.size = static_cast<std::int64_t>(bytes.size());
  doc.at = now;
  doc.by = std::string(who);

  const std::filesystem::path final_path = path_of(doc.id);
  const std::filesystem::path folder = final_path.parent_path();
  std::error_code ec;
  // Same address, same bytes: an earlier put already made it durable.
  if (std::filesystem::file_size(final_path, ec) == bytes.size() && !ec) return doc;

  if (const int err = ensure_dir(folder); err != 0) {
    return io_failure("cannot create", folder, err);
  }
  const std::filesystem::path tmp = folder / (".tmp-" + doc.id + "-" + random_hex(8));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return io_failure("cannot create", tmp, errno);
  int err = write_all(fd, bytes);
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(tmp.c_str(), final_path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    return io_failure("cannot write", tmp, err);
  }
  if (const int sync_err = fsync_dir(folder); sync_err != 0) {
    return io_failure("cannot sync", folder, sync_err);
  }
  return doc;
}

Result<std::string> FileDocumentStore::get(std::string_view id) {
  if (!is_document_id(id)) {
    return fail_fields({{"id", "must be 64 lowercase hex digits (the document's SHA-256)"}});
  }
  if (sodium_init() < 0) return fail(Code::kInternal, "libsodium failed to initialise");
  const std::filesystem::path path = path_of(id);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return fail(Code::kNotFound, "no document " + std::string(id));
    return io_failure("cannot open", path, errno);
  }
  std::string bytes;
  char buf[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return io_failure("cannot read", path, err);
    }
    if (n == 0) break;
    bytes.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (sha256_hex(bytes) != id) {
    return fail(Code::kInternal,
                "document " + std::string(id) + " is damaged on disk (" + path.string() + ")");
  }
  return bytes;
}

}  // namespace quanzu::stoppay
