// The live event stream (SSE) of case changes. Clients that reconnect with Last-Event-ID
// first receive what they missed from the store's change log, then live changes, with
// neither gaps nor repeats. Safe from several threads.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api/http_server.h"
#include "store/store.h"

namespace quanzu::api {

class LiveStream {
 public:
  LiveStream(store::CaseStore& store, int utc_offset_minutes);

  // Called with each commit's changes (the store's change listener).
  void publish(const std::vector<store::Change>& changes);
  // Adds a client. With `last_event_id`, replays the changes after it first (at most
  // `max_replay`; beyond that the client gets a "reset" event and should reload). With
  // `only_station`, the client receives only changes of cases routed to that station, and
  // the change that re-routed one of them elsewhere (after which it drops out).
  void attach(std::shared_ptr<EventSink> sink, std::optional<std::int64_t> last_event_id,
              std::optional<std::string> only_station = std::nullopt);
  // A comment line to every client, so dead connections are noticed and proxies keep
  // idle streams open.
  void heartbeat();
  size_t clients();

  static constexpr size_t kMaxReplay = 20000;

 private:
  struct Client {
    std::shared_ptr<EventSink> sink;
    std::optional<std::string> only_station;  // set before the client is shared
    // Its station's cases, and the change that moved one of them away (masked, like every
    // stream message; it tells the old station where the case went).
    bool sees(const store::Change& change) const {
      return !only_station || (change.kase.station && change.kase.station->code == *only_station) ||
             (!change.moved_from.empty() && change.moved_from == *only_station);
    }
    std::mutex mu;  // guards the fields below
    bool replaying = true;
    std::int64_t last_sent = 0;
    std::vector<std::pair<std::int64_t, std::string>> buffered;  // arrived while replaying
  };

  store::CaseStore& store_;
  const int offset_;
  std::mutex mu_;  // guards clients_
  std::vector<std::shared_ptr<Client>> clients_;
};

}  // namespace quanzu::api
