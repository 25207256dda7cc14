// Instants are milliseconds since the Unix epoch (UTC). Text is RFC 3339.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace quanzu {

using Millis = std::int64_t;

// Parses an RFC 3339 date-time ("2023-11-29T10:26:00+08:00", "...Z", fractional seconds
// allowed). Returns nullopt when the text is not one, including impossible dates.
std::optional<Millis> parse_rfc3339(std::string_view text);

// Formats with the given UTC offset, e.g. 480 -> "2023-11-29T10:26:00.000+08:00".
std::string format_rfc3339(Millis at, int offset_minutes = 480);

// The calendar day ("2023-11-29") of an instant in the given UTC offset.
std::string day_of(Millis at, int offset_minutes = 480);

// Parses "30d", "12h", "15m", "45s" into milliseconds; nullopt when malformed.
std::optional<Millis> parse_duration(std::string_view text);

}  // namespace quanzu
