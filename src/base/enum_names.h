// Wire names of enums from a table of (value, name) pairs: one table per enum, both
// directions. Header-only.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace quanzu {

template <typename E, std::size_t N>
using EnumNames = std::array<std::pair<E, std::string_view>, N>;

// The name of `v`, or "?" for a value the table lacks (a bug: tables list every value).
template <typename E, std::size_t N>
constexpr std::string_view enum_name(const EnumNames<E, N>& table, E v) {
  for (const auto& [value, text] : table) {
    if (value == v) return text;
  }
  return "?";
}

template <typename E, std::size_t N>
constexpr std::optional<E> enum_value(const EnumNames<E, N>& table, std::string_view s) {
  for (const auto& [value, text] : table) {
    if (text == s) return value;
  }
  return std::nullopt;
}

}  // namespace quanzu
