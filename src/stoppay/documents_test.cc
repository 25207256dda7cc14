#include "stoppay/documents.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace quanzu::stoppay {
namespace {

namespace fs = std::filesystem;

constexpr Millis kT0 = 1'701'224'760'000;

const std::string kPdfBytes = "%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n";
const std::string kJpegBytes = std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00", 11) + "rest";
const std::string kPngBytes = std::string("\x89PNG\r\n\x1A\n\x00\x00\x00\rIHDR", 16);

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ =
        fs::temp_directory_path() / ("stoppay_docs_" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void expect_field(const Error& e, Code code, std::string_view field) {
  EXPECT_EQ(e.code, code) << e.message;
  ASSERT_FALSE(e.fields.empty()) << e.message;
  bool named = false;
  for (const auto& f : e.fields) named = named || f.field == field;
  EXPECT_TRUE(named) << e.message;
}

TEST(Documents, StoresEachTypeContentAddressed) {
  TempDir dir;
  FileDocumentStore store(dir.path() / "docs");  // created on first put
  struct Case {
    std::string bytes, declared, expected;
  };
  for (const auto& c : {Case{kPdfBytes, "application/pdf", "application/pdf"},
                        Case{kJpegBytes, "image/jpeg", "image/jpeg"},
                        Case{kPngBytes, "IMAGE/PNG; name=x.png", "image/png"},
                        Case{kJpegBytes + "x", "image/jpg", "image/jpeg"},
                        Case{kPdfBytes + "x", "", "application/pdf"}}) {
    auto doc = store.put(c.bytes, "申请.pdf", c.declared, "officer1", kT0);
    ASSERT_TRUE(doc.has_value()) << c.declared << ": " << doc.error().message;
    EXPECT_EQ(doc->content_type, c.expected);
    EXPECT_EQ(doc->size, static_cast<std::int64_t>(c.bytes.size()));
    EXPECT_EQ(doc->at, kT0);
    EXPECT_EQ(doc->by, "officer1");
    EXPECT_EQ(doc->name, "申请.pdf");
    ASSERT_TRUE(is_document_id(doc->id));
    const fs::path file = dir.path() / "docs" / doc->id.substr(0, 2) / doc->id;
    EXPECT_EQ(store.path_of(doc->id), file);
    ASSERT_TRUE(fs::is_regular_file(file));
    EXPECT_EQ(fs::file_size(file), c.bytes.size());
    auto back = store.get(doc->id);
    ASSERT_TRUE(back.has_value()) << back.error().message;
    EXPECT_EQ(*back, c.bytes);
  }
  // The id is the SHA-256 of the bytes (sha256sum of "%PDF-").
  auto tiny = store.put("%PDF-", "a.pdf", "application/pdf", "o", kT0);
  ASSERT_TRUE(tiny.has_value());
  EXPECT_EQ(tiny->id, "38523c087796e5d5dd1cf9bad1fb026781a838dd9dd2cf8af58b9f6502a46778");
}

TEST(Documents, SameBytesTwiceAreOneFile) {
  TempDir dir;
  FileDocumentStore store(dir.path());
  auto a = store.put(kPdfBytes, "a.pdf", "application/pdf", "officer1", kT0);
  auto b = store.put(kPdfBytes, "b.pdf", "application/pdf", "officer2", kT0 + 1);
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_EQ(a->id, b->id);
  EXPECT_EQ(b->name, "b.pdf");
  EXPECT_EQ(b->by, "officer2");
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir.path())) {
    if (e.is_regular_file()) {
      ++files;
      EXPECT_EQ(e.path().filename().string().rfind(".tmp-", 0), std::string::npos)
          << "no temporary file left: " << e.path();
    }
  }
  EXPECT_EQ(files, 1u);
}

TEST(Documents, DeclaredTypeMustMatchTheBytes) {
  TempDir dir;
  FileDocumentStore store(dir.path());
  auto r = store.put(kPngBytes, "x.pdf", "application/pdf", "o", kT0);
  ASSERT_FALSE(r.has_value());
  expect_field(r.error(), Code::kInvalid, "content_type");
  EXPECT_NE(r.error().message.find("image/png"), std::string::npos) << r.error().message;

  r = store.put(kPdfBytes, "x.jpg", "image/jpeg", "o", kT0);
  ASSERT_FALSE(r.has_value());
  expect_field(r.error(), Code::kInvalid, "content_type");

  r = store.put("<html><script>", "x.html", "text/html", "o", kT0);
  ASSERT_FALSE(r.has_value());
  expect_field(r.error(), Code::kInvalid, "content_type");

  // A supported declared type over bytes that are none of ours.
  r = store.put("GIF89a....", "x.png", "image/png", "o", kT0);
  ASSERT_FALSE(r.has_value());
  expect_field(r.error(), Code::kInvalid, "content_type");

  r = store.put("MZ\x90\x00", "x.exe", "", "o", kT0);
  ASSERT_FALSE(r.has_value());
  expect_field(r.error(), Code::kInvalid, "content_type");
  EXPECT_TRUE(fs::is_empty(dir.path())) << "nothing written for a refused file";
}

TEST(Documents, SizeLimits) {
  TempDir dir;
  FileDocumentStore store(dir.path(), 64);
  auto r = store.put("", "x.pdf", "application/pdf", "o", kT0);
  ASSERT_FALSE(r.has_value());
  expect_field(r.error(), Code::kInvalid, "size");

  std::string big = kPdfBytes + std::string(64, 'x');
  r = store.put(big, "x.pdf", "application/pdf", "o", kT0);
  ASSERT_FALSE(r.has_value());
  expect_field(r.error(), Code::kTooLarge, "size");

  std::string exact = kPdfBytes + std::string(64 - kPdfBytes.size(), 'x');
  ASSERT_EQ(exact.size(), 64u);
  EXPECT_TRUE(store.put(exact, "x.pdf", "application/pdf", "o", kT0).has_value());

  r = store.put(kPdfBytes, "x.pdf", "application/pdf", " ", kT0);
  ASSERT_FALSE(r.has_value());
  expect_field(r.error(), Code::kInvalid, "by");
}

TEST(Documents, DefaultLimitIsTenMebibytes) {
  TempDir dir;
  FileDocumentStore store(dir.path());
  std::string big = kPdfBytes;
  big.resize(10 * 1024 * 1024, 'x');
  EXPECT_TRUE(store.put(big, "big.pdf", "application/pdf", "o", kT0).has_value());
  big.push_back('x');
  auto r = store.put(big, "big.pdf", "application/pdf", "o", kT0);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::kTooLarge);
}

TEST(Documents, ReadingRefusesBadIds) {
  TempDir dir;
  FileDocumentStore store(dir.path() / "docs");
  // A file outside the store that a traversal would reach.
  std::ofstream(dir.path() / "secret") << "secret";
  for (const std::string& id :
       {std::string("../secret"), std::string("../../etc/passwd"), std::string("/etc/passwd"),
        std::string(63, 'a'), std::string(65, 'a'), std::string(64, 'A'),
        std::string(62, 'a') + "/.", std::string(62, 'a') + "..", std::string(),
        std::string(64, 'g'), std::string(63, 'a') + std::string(1, '\0')}) {
    auto r = store.get(id);
    ASSERT_FALSE(r.has_value()) << id;
    expect_field(r.error(), Code::kInvalid, "id");
  }
  auto missing = store.get(std::string(64, 'a'));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, Code::kNotFound);
}

TEST(Documents, DamagedFileIsNotServed) {
  TempDir dir;
  FileDocumentStore store(dir.path());
  auto doc = store.put(kPdfBytes, "a.pdf", "application/pdf", "o", kT0);
  ASSERT_TRUE(doc.has_value());
  std::ofstream(store.path_of(doc->id), std::ios::trunc) << "%PDF-tampered";
  auto r = store.get(doc->id);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::kInternal);
}

TEST(Documents, NamesAreCleaned) {
  EXPECT_EQ(clean_document_name("申请书.pdf"), "申请书.pdf");
  EXPECT_EQ(clean_document_name("../../etc/passwd"), "passwd");
  EXPECT_EQ(clean_document_name("C:\\fakepath\\身份证.jpg"), "身份证.jpg");
  EXPECT_EQ(clean_document_name("a\nb\rc\td\x7f.pdf"), "abcd.pdf");
  EXPECT_EQ(clean_document_name("invoice\u202Efdp.exe"), "invoicefdp.exe");
  EXPECT_EQ(clean_document_name("bad\xC3\x28utf8\xF0.pdf"), "bad(utf8.pdf");
  EXPECT_EQ(clean_document_name("overlong\xC0\xAF.pdf"), "overlong.pdf");
  EXPECT_EQ(clean_document_name("  spaced.png  "), "spaced.png");
  EXPECT_EQ(clean_document_name(""), "document");
  EXPECT_EQ(clean_document_name(".."), "document");
  EXPECT_EQ(clean_document_name("dir/"), "document");
  EXPECT_EQ(clean_document_name("\x01\x02"), "document");

  // 200 bytes at most, never cutting a character in two ("申" is 3 bytes).
  std::string long_name;
  for (int i = 0; i < 100; ++i) long_name += "申";
  const std::string cleaned = clean_document_name(long_name);
  EXPECT_EQ(cleaned.size(), 198u);
  EXPECT_EQ(cleaned, long_name.substr(0, 198));
  EXPECT_EQ(clean_document_name(std::string(300, 'a')).size(), 200u);
}

TEST(Documents, Sniffing) {
  EXPECT_EQ(sniff_content_type(kPdfBytes), kPdf);
  EXPECT_EQ(sniff_content_type(kJpegBytes), kJpeg);
  EXPECT_EQ(sniff_content_type(kPngBytes), kPng);
  EXPECT_EQ(sniff_content_type("%PDF"), "");
  EXPECT_EQ(sniff_content_type(std::string("\x89PNG\r\n\x1A", 7)), "");
  EXPECT_EQ(sniff_content_type(""), "");
}

}  // namespace
}  // namespace quanzu::stoppay
