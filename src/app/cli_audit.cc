#include "app/cli_audit.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include <boost/json.hpp>

#include "auth/audit_log.h"

namespace quanzu::app {

Result<bool> audit_cli_change(const Config& config, const Clock& clock, std::string action,
                              std::string target, const boost::json::object& detail) {
  auto log = auth::AuditLog::open(audit_log_file(config));
  if (!log) return tl::unexpected(log.error());
  const char* who = std::getenv("SUDO_USER");
  if (!who || !*who) who = std::getenv("USER");
  if (!who || !*who) {
    const passwd* pw = ::getpwuid(::geteuid());
    who = pw ? pw->pw_name : nullptr;
  }
  auth::AuditEntry entry;
  entry.at = clock.now();
  entry.actor = std::string("os:") + (who && *who ? who : "unknown");
  entry.role = "cli";
  entry.action = std::move(action);
  entry.target = std::move(target);
  entry.from = "local";
  entry.detail = boost::json::serialize(detail);
  auto appended = (*log)->append(std::move(entry));
  if (!appended) return tl::unexpected(appended.error());
  return true;
}

}  // namespace quanzu::app
