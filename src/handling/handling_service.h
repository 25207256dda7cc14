// Handling (处置) use cases beyond single events: deadlines that fire, results reported by
// the automatic channels, door visits and the responders who make them, and protective
// stop-payments. Everything goes through the store port as case changes, so each action is
// written with its cause in one transaction and a deadline fires once, across restarts.
//
// Safe to call from several threads at once; `done` callbacks run on a store thread.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "base/clock.h"
#include "cases/escalation.h"
#include "cases/plan.h"
#include "dispatch/chooser.h"
#include "dispatch/neighbours.h"
#include "dispatch/travel.h"
#include "dispatch/visit.h"
#include "geo/jurisdictions.h"
#include "stoppay/bank_callback.h"
#include "stoppay/documents.h"
#include "stoppay/stop_payment.h"
#include "store/store.h"

namespace quanzu::handling {

// A responder's report about a visit: acknowledged, en_route, on_scene or declined.
struct VisitReport {
  std::string responder_id;
  cases::VisitStatus status = cases::VisitStatus::kAcknowledged;
  std::string note;
};

// A change of a stop-payment asked for by a person (the bank answers through bank_callback).
struct StopPaymentRequest {
  enum class Kind { kRequest, kExtend, kRequestRelease, kApproveRelease } kind = Kind::kRequest;
  std::string stop_payment_id;  // all but kRequest
  std::string account;          // kRequest
  std::string bank;             // kRequest
  std::string reason;
};

// A responder's registration; absent fields keep their value on update.
struct ResponderUpdate {
  std::optional<std::string> name, phone, station_code;
  std::optional<bool> on_duty;
  std::optional<cases::GeoPoint> position;
  std::optional<Millis> position_at;  // default: now
};

class HandlingService {
 public:
  // All references must outlive the service.
  HandlingService(store::CaseStore& store, const cases::Plans& plans,
                  const geo::StationDirectory& stations, stoppay::DocumentStore& documents,
                  const Clock& clock);

  // Fires every deadline due now (at most `limit` cases per call); returns how many cases it
  // queued changes for. Changes are written asynchronously: call again to see their effects.
  size_t fire_due(size_t limit = 200);
  // Cases whose changes are queued but not yet written (fire_due skips them meanwhile).
  size_t in_flight() const;

  // An automatic channel placed attempt `ref` ("<case id>/robocall/1") / reports its result.
  void attempt_placed(const std::string& ref, store::Done<cases::Case> done);
  void attempt_result(const std::string& ref, const std::string& result,
                      std::optional<std::int64_t> duration_seconds,
                      store::Done<cases::Case> done);

  // An operator asks for a door visit now, whatever the plan says.
  void request_visit(const std::string& case_id, const std::string& actor,
                     const std::string& reason, store::Done<cases::Case> done);
  void visit_report(const std::string& case_id, VisitReport report, store::Done<cases::Case> done);

  void stop_payment(const std::string& case_id, StopPaymentRequest request,
                    const std::string& actor, store::Done<cases::Case> done);
  // Stores the bytes as a document and attaches it to the stop-payment.
  void attach_document(const std::string& case_id, const std::string& stop_payment_id,
                       const std::string& bytes, const std::string& name,
                       const std::string& content_type, const std::string& actor,
                       store::Done<cases::Case> done);
  // The bank's signed answer; the body names the stop-payment (and so the case).
  void bank_callback(const stoppay::BankCallback& callback, store::Done<cases::Case> done);

  // Registers a responder (create: all of name, station_code needed) or updates one.
  void update_responder(const std::string& id, ResponderUpdate update, bool create,
                        store::Done<cases::Responder> done);

  const cases::Plans& plans() const { return plans_; }
  const dispatch::Neighbourhood& neighbourhood() const { return neighbourhood_; }

 private:
  void fire(const std::string& case_id, const cases::Timer& timer);
  void fire_dispatch(const std::string& case_id, const cases::Timer& timer);
  void finish_fire(const std::string& case_id);
  dispatch::DispatchOptions dispatch_options() const;
  stoppay::Options stop_payment_options() const;

  store::CaseStore& store_;
  const cases::Plans& plans_;
  const geo::StationDirectory& stations_;
  stoppay::DocumentStore& documents_;
  const Clock& clock_;
  dispatch::Neighbourhood neighbourhood_;
  dispatch::StraightLineTravel travel_;
  mutable std::mutex mu_;
  std::multiset<std::string> in_flight_;  // guarded by mu_: a case id per firing queued
};

}  // namespace quanzu::handling
