// A rapid-response officer (反诈冲锋队员) who can be sent to a person's door, and the change
// a door visit makes to who holds which task. Plain data.
#pragma once

#include <optional>
#include <string>

#include "base/time.h"
#include "cases/handling.h"

namespace quanzu::cases {

struct Responder {
  std::string id;  // chosen by the centre, e.g. "500105-01-R03"; letters, digits, '-', '_'
  std::string name;
  std::string phone;
  std::string station_code;
  bool on_duty = false;
  std::optional<GeoPoint> position;  // last reported, GCJ-02
  Millis position_at = 0;
  std::string visit_id;  // the visit this responder holds; "" when free
  std::string case_id;   // that visit's case
  Millis created_at = 0;
  Millis updated_at = 0;
};

// A change of a responder's current task, stored in the same transaction as the case change
// that causes it, and only if the responder still holds `expect_visit_id` ("" = was free)
// and, when taking a visit, is on duty; otherwise the whole change fails with kConflict.
// This is what keeps anyone from holding two visits at once.
struct ResponderClaim {
  std::string responder_id;
  std::string expect_visit_id;
  std::string visit_id;  // "" = becomes free
  std::string case_id;
};

}  // namespace quanzu::cases
