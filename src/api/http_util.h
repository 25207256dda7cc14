// Small helpers shared by the route files of api/: JSON answers, errors, request targets.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "api/http_server.h"
#include "base/result.h"

namespace quanzu::api {

Response json_response(unsigned status, const boost::json::value& body);
boost::json::array errors_json(const std::vector<FieldError>& fields);
// The status of the error's code (http_status), with {"error", "errors": [{field, message}]}.
Response error_response(const Error& error);
Response error_response(unsigned status, const std::string& message);

std::string url_decode(std::string_view s);

// A request target split into its path and decoded query parameters.
struct Target {
  std::string path;
  std::map<std::string, std::string> query;
};
Target split_target(std::string_view target);

std::optional<std::int64_t> parse_int(std::string_view s);

}  // namespace quanzu::api
