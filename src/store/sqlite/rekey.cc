#include "store/sqlite/rekey.h"

#include <algorithm>
#include <filesystem>
#include <optional>

#include "store/sqlite/db.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/sealing.h"

namespace quanzu::store::sqlite {
namespace {

using crypt::Cipher;

tl::unexpected<Error> sql_error(const Db& db, const std::string& what) {
  return fail(Code::kUnavailable, "sqlite " + what + ": " + db.error());
}

// Turns a stored value into its plain text: sealed values are opened with any key of the
// file; plain text is accepted only when the rekey started from a plain store.
class Decoder {
 public:
  Decoder(const Cipher& cipher, bool plain_allowed)
      : cipher_(cipher), plain_allowed_(plain_allowed) {}

  Result<std::string> plain(const std::string& stored, const std::string& what) const {
    if (Cipher::is_sealed(stored)) {
      auto opened = cipher_.open(stored);
      if (!opened)
        return fail(Code::kUnavailable, "cannot decrypt " + what + ": " + opened.error().message);
      return opened;
    }
    if (plain_allowed_) return stored;
    return fail(Code::kUnavailable, what + " is not encrypted in a store that is");
  }
  // The value as it must be stored now; `changed` says whether that differs.
  Result<std::string> reseal(const std::string& stored, const std::string& what,
                             bool& changed) const {
    if (Cipher::key_id_of(stored) == cipher_.current_key_id()) {
      // Opened all the same: a value that does not decrypt must stop the rekey now, not
      // surface later as an unreadable case.
      if (auto ok = plain(stored, what); !ok) return ok;
      return stored;
    }
    auto p = plain(stored, what);
    if (!p) return p;
    changed = true;
    return cipher_.seal(*p);
  }

 private:
  const Cipher& cipher_;
  bool plain_allowed_;
};

// A table with a key and sealed columns (cases are done apart: phones and indexes).
struct Table {
  const char* name;
  std::vector<const char*> keys;
  std::vector<const char*> values;
};

std::string join(const std::vector<const char*>& columns, const char* sep,
                 const char* suffix = "") {
  std::string out;
  for (const char* c : columns) {
    if (!out.empty()) out += sep;
    out += c;
    out += suffix;
  }
  return out;
}

class Rekeyer {
 public:
  Rekeyer(Db& db, const Cipher& cipher, const Decoder& decoder, size_t batch,
          const std::function<void(const RekeyTable&)>& progress)
      : db_(db), cipher_(cipher), decoder_(decoder), batch_(batch), progress_(progress) {}

  Result<RekeyTable> table(const Table& t) {
    RekeyTable count{t.name};
    const std::string keys = join(t.keys, ", ");
    std::string placeholders;
    for (size_t i = 0; i < t.keys.size(); ++i) placeholders += i ? ", ?" : "?";
    Stmt first(db_.get(), "SELECT " + keys + ", " + join(t.values, ", ") + " FROM " + t.name +
                              " ORDER BY " + keys + " LIMIT ?");
    Stmt next(db_.get(), "SELECT " + keys + ", " + join(t.values, ", ") + " FROM " + t.name +
                             " WHERE (" + keys + ") > (" + placeholders + ") ORDER BY " + keys +
                             " LIMIT ?");
    Stmt update(db_.get(), std::string("UPDATE ") + t.name + " SET " +
                               join(t.values, ", ", " = ?") + " WHERE " +
                               join(t.keys, " AND ", " = ?"));
    if (!first.ok() || !next.ok() || !update.ok()) return sql_error(db_, "prepare");
    std::vector<sqlite3_value*> last;
    auto free_last = [&] {
      for (auto* v : last) sqlite3_value_free(v);
      last.clear();
    };
    const int nk = static_cast<int>(t.keys.size());
    const int nv = static_cast<int>(t.values.size());
    for (;;) {
      if (auto r = db_.exec("BEGIN IMMEDIATE"); !r) return tl::unexpected(r.error());
      Stmt& s = last.empty() ? first : next;
      s.reset();
      for (int i = 0; i < static_cast<int>(last.size()); ++i)
        sqlite3_bind_value(s.get(), i + 1, last[static_cast<size_t>(i)]);
      s.bind(nk * (last.empty() ? 0 : 1) + 1, static_cast<std::int64_t>(batch_));
      size_t rows = 0;
      int rc;
      while ((rc = s.step()) == SQLITE_ROW) {
        ++rows;
        std::string what =
            std::string(t.name) + " row " + s.text(0) + (nk > 1 ? "/" + s.text(1) : "");
        bool changed = false;
        std::vector<std::optional<std::string>> values;
        for (int v = 0; v < nv; ++v) {
          if (s.is_null(nk + v)) {
            values.emplace_back();
            continue;
          }
          auto sealed = decoder_.reseal(
              s.text(nk + v), std::string(t.values[static_cast<size_t>(v)]) + " of " + what,
              changed);
          if (!sealed) {
            (void)db_.exec("ROLLBACK");
            free_last();
            return tl::unexpected(sealed.error());
          }
          values.emplace_back(std::move(*sealed));
        }
        free_last();
        for (int k = 0; k < nk; ++k)
          last.push_back(sqlite3_value_dup(sqlite3_column_value(s.get(), k)));
        if (!changed) {
          ++count.unchanged;
          continue;
        }
        update.reset();
        for (int v = 0; v < nv; ++v) {
          const auto& value = values[static_cast<size_t>(v)];
          if (value)
            update.bind_blob(v + 1, *value);
          else
            update.bind_null(v + 1);
        }
        for (int k = 0; k < nk; ++k)
          sqlite3_bind_value(update.get(), nv + k + 1, last[static_cast<size_t>(k)]);
        if (auto r = update.run(); !r) {
          (void)db_.exec("ROLLBACK");
          free_last();
          return tl::unexpected(r.error());
        }
        ++count.rewritten;
      }
      s.reset();
      if (rc != SQLITE_DONE) {
        (void)db_.exec("ROLLBACK");
        free_last();
        return sql_error(db_, std::string("read ") + t.name);
      }
      if (auto r = db_.exec("COMMIT"); !r) {
        free_last();
        return tl::unexpected(r.error());
      }
      if (progress_) progress_(count);
      if (rows < batch_) break;
    }
    free_last();
    return count;
  }

  // Cases: the sealed name and handling state, the sealed phone, and the phone's blind
  // index in cases.phone and in the links that name the case.
  Result<RekeyTable> cases() {
    RekeyTable count{"cases"};
    Stmt select(db_.get(),
                "SELECT id, phone, phone_sealed, subject_name, handling FROM cases WHERE id > ? "
                "ORDER BY id LIMIT ?");
    Stmt update(db_.get(),
                "UPDATE cases SET phone = ?, phone_sealed = ?, subject_name = ?, handling = ? "
                "WHERE id = ?");
    Stmt links(db_.get(), "UPDATE links SET phone = ?1 WHERE case_id = ?2 AND phone != ?1");
    if (!select.ok() || !update.ok() || !links.ok()) return sql_error(db_, "prepare");
    std::string last;
    for (;;) {
      if (auto r = db_.exec("BEGIN IMMEDIATE"); !r) return tl::unexpected(r.error());
      select.reset().bind(1, last).bind(2, static_cast<std::int64_t>(batch_));
      size_t rows = 0;
      int rc;
      Result<bool> ok = true;
      while (ok && (rc = select.step()) == SQLITE_ROW) {
        ++rows;
        last = select.text(0);
        ok = one_case(select, count, update, links);
      }
      select.reset();
      if (!ok || rc != SQLITE_DONE) {
        (void)db_.exec("ROLLBACK");
        if (!ok) return tl::unexpected(ok.error());
        return sql_error(db_, "read cases");
      }
      if (auto r = db_.exec("COMMIT"); !r) return tl::unexpected(r.error());
      if (progress_) progress_(count);
      if (rows < batch_) break;
    }
    return count;
  }

 private:
  Result<bool> one_case(const Stmt& s, RekeyTable& count, Stmt& update, Stmt& links) {
    const std::string id = s.text(0);
    bool changed = false;
    std::string phone;
    std::string phone_sealed;
    if (s.is_null(2)) {
      // Written without encryption: the phone column holds the phone itself.
      auto p = decoder_.plain(s.text(1), "the phone of case " + id);
      if (!p) return tl::unexpected(p.error());
      if (Cipher::is_blind_index(*p))
        return fail(Code::kUnavailable, "case " + id + " has a blind index but no sealed phone");
      phone = std::move(*p);
      phone_sealed = cipher_.seal(phone);
      changed = true;
    } else {
      auto p = decoder_.plain(s.text(2), "the phone of case " + id);
      if (!p) return tl::unexpected(p.error());
      phone = std::move(*p);
      auto sealed = decoder_.reseal(s.text(2), "the phone of case " + id, changed);
      if (!sealed) return tl::unexpected(sealed.error());
      phone_sealed = std::move(*sealed);
    }
    const std::string index = cipher_.blind_index(phone);
    if (index != s.text(1)) changed = true;
    auto name = decoder_.reseal(s.text(3), "the name of case " + id, changed);
    if (!name) return tl::unexpected(name.error());
    auto handling = decoder_.reseal(s.text(4), "the handling state of case " + id, changed);
    if (!handling) return tl::unexpected(handling.error());
    if (!changed) {
      ++count.unchanged;
      return true;
    }
    ++count.rewritten;
    if (auto r = update.reset()
                     .bind(1, index)
                     .bind_blob(2, phone_sealed)
                     .bind_blob(3, *name)
                     .bind_blob(4, *handling)
                     .bind(5, id)
                     .run();
        !r) {
      return r;
    }
    return links.reset().bind(1, index).bind(2, id).run();
  }

  Db& db_;
  const Cipher& cipher_;
  const Decoder& decoder_;
  size_t batch_;
  const std::function<void(const RekeyTable&)>& progress_;
};

}  // namespace

Result<RekeyReport> rekey(const std::string& path, const Cipher& cipher, size_t batch_rows,
                          const std::function<void(const RekeyTable&)>& progress) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return fail(Code::kNotFound, "no store at " + path);
  auto lock = StoreLock::acquire(path, true);
  if (!lock) return tl::unexpected(lock.error());
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK)
    return fail(Code::kUnavailable, "cannot open database " + path + ": " + sqlite3_errstr(rc));
  sqlite3_busy_timeout(db.get(), 5000);
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA secure_delete=ON"}) {
    if (auto r = db.exec(pragma); !r) return tl::unexpected(r.error());
  }
  if (auto r = migrate(db); !r) return tl::unexpected(r.error());
  auto meta = read_meta(db);
  if (!meta) return tl::unexpected(meta.error());

  RekeyReport report;
  report.from = meta->encryption == "rekeying" ? meta->rekey_from : meta->encryption;
  if (report.from != "none" && report.from != "secretbox") {
    return fail(Code::kUnavailable,
                "store " + path + " has unknown encryption '" + meta->encryption + "'");
  }
  for (const auto& id : meta->data_keys) {
    if (!cipher.has_key(id)) {
      return fail(Code::kUnavailable, "store " + path + " holds values sealed with key " + id +
                                          ", which " + cipher.file() +
                                          " does not have: put that key line back first");
    }
  }
  report.index_recomputed = report.from == "none" || meta->index_key != cipher.index_key_id();
  Meta during = *meta;
  during.encryption = "rekeying";
  during.rekey_from = report.from;
  if (std::find(during.data_keys.begin(), during.data_keys.end(), cipher.current_key_id()) ==
      during.data_keys.end()) {
    during.data_keys.push_back(cipher.current_key_id());
  }
  if (auto r = write_meta(db, during); !r) return tl::unexpected(r.error());

  Decoder decoder(cipher, report.from == "none");
  Rekeyer rekeyer(db, cipher, decoder, std::max<size_t>(batch_rows, 1), progress);
  auto cases = rekeyer.cases();
  if (!cases) return tl::unexpected(cases.error());
  report.tables.push_back(*cases);
  for (const Table& t :
       {Table{"instructions", {"id"}, {"raw"}}, Table{"timeline", {"case_id", "seq"}, {"data"}},
        Table{"outbox", {"id"}, {"payload", "last_error"}},
        Table{"responders", {"id"}, {"phone"}}}) {
    auto done = rekeyer.table(t);
    if (!done) return tl::unexpected(done.error());
    report.tables.push_back(*done);
  }
  for (const auto& id : during.data_keys) {
    if (id != cipher.current_key_id()) report.retired_keys.push_back(id);
  }
  Meta after{"secretbox", cipher.index_key_id(), {cipher.current_key_id()}, "", {}, ""};
  add_checks(after, cipher);
  if (auto r = write_meta(db, after); !r) return tl::unexpected(r.error());
  // Old values live on in free pages and in the WAL until the file is rebuilt.
  for (const char* sql :
       {"PRAGMA wal_checkpoint(TRUNCATE)", "VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)"}) {
    if (auto r = db.exec(sql); !r) return tl::unexpected(r.error());
  }
  return report;
}

}  // namespace quanzu::store::sqlite
