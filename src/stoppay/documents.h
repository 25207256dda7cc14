// Stored files attached to stop-payments (the person's release application, ID copies).
// DocumentStore is the port; FileDocumentStore keeps them as content-addressed files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/time.h"
#include "cases/handling.h"

namespace quanzu::stoppay {

// The content types we accept, each recognised by its first bytes.
inline constexpr std::string_view kPdf = "application/pdf";
inline constexpr std::string_view kJpeg = "image/jpeg";
inline constexpr std::string_view kPng = "image/png";

// The type the bytes start with (kPdf, kJpeg, kPng), or "" when none of them.
std::string_view sniff_content_type(std::string_view bytes);

// The uploaded name made safe to show and to put in a header: the part after the last '/'
// or '\', without control characters, bidirectional overrides or invalid UTF-8, trimmed,
// at most 200 bytes cut on a character boundary; "document" when nothing is left.
std::string clean_document_name(std::string_view name);

// Whether `id` is a content address: exactly 64 lowercase hex digits.
bool is_document_id(std::string_view id);

// Where documents are kept. Safe to call from several threads at once.
class DocumentStore {
 public:
  virtual ~DocumentStore() = default;
  // Stores `bytes` durably and describes them; the id is the hex SHA-256 of the bytes, so
  // the same bytes stored twice give the same id (and are kept once). `content_type` is the
  // type the uploader declared (parameters such as "; name=x" and case are ignored; empty:
  // take the one the bytes show). Fails with kInvalid naming "content_type" (unsupported,
  // or disagrees with the bytes), "size" (empty) or "by" (missing); kTooLarge naming "size"
  // when over the store's limit; kUnavailable when the disk refuses.
  virtual Result<cases::Document> put(std::string_view bytes, std::string_view name,
                                      std::string_view content_type, std::string_view by,
                                      Millis now) = 0;
  // The bytes of a stored document. kInvalid ("id") when the id is not 64 lowercase hex
  // digits, kNotFound when no such document is stored, kInternal when the stored bytes no
  // longer hash to their id.
  virtual Result<std::string> get(std::string_view id) = 0;
};

// Documents as files dir/<first 2 hex>/<64 hex>, written atomically: a temporary file in the
// same folder, fsync, rename, fsync of the folder. A crash leaves either the whole file or
// none (and maybe a stray ".tmp-*" file, which is never read).
class FileDocumentStore final : public DocumentStore {
 public:
  static constexpr std::int64_t kDefaultMaxBytes = 10LL * 1024 * 1024;

  // `dir` is created on the first put when missing.
  explicit FileDocumentStore(std::filesystem::path dir, std::int64_t max_bytes = kDefaultMaxBytes);

  Result<cases::Document> put(std::string_view bytes, std::string_view name,
                              std::string_view content_type, std::string_view by,
                              Millis now) override;
  Result<std::string> get(std::string_view id) override;

  // The file of a document id (which must satisfy is_document_id).
  std::filesystem::path path_of(std::string_view id) const;

 private:
  std::filesystem::path dir_;
  std::int64_t max_bytes_;
};

}  // namespace quanzu::stoppay
