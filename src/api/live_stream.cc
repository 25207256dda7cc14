#include "api/live_stream.h"

#include <algorithm>

#include "api/json_mapping.h"

namespace quanzu::api {

LiveStream::LiveStream(store::CaseStore& store, int utc_offset_minutes)
    : store_(store), offset_(utc_offset_minutes) {}

void LiveStream::publish(const std::vector<store::Change>& changes) {
  std::vector<std::shared_ptr<Client>> clients;
  {
    std::lock_guard lock(mu_);
    if (clients_.empty()) return;
    clients = clients_;
  }
  std::vector<std::string> messages;
  messages.reserve(changes.size());
  for (const auto& change : changes) messages.push_back(sse_message(change, offset_));
  for (auto& client : clients) {
    std::lock_guard lock(client->mu);
    for (size_t i = 0; i < changes.size(); ++i) {
      if (!client->sees(changes[i])) continue;
      if (client->replaying) {
        client->buffered.emplace_back(changes[i].seq, messages[i]);
      } else if (changes[i].seq > client->last_sent) {
        client->sink->send(messages[i]);
        client->last_sent = changes[i].seq;
      }
    }
  }
}

void LiveStream::attach(std::shared_ptr<EventSink> sink, std::optional<std::int64_t> last_event_id,
                        std::optional<std::string> only_station) {
  auto client = std::make_shared<Client>();
  client->sink = sink;
  client->only_station = std::move(only_station);
  // A new client starts from now: read where "now" is before registering, and replay
  // whatever commits in between, like any reconnecting client.
  if (!last_event_id) last_event_id = store_.last_change_seq();
  {
    std::lock_guard lock(mu_);
    clients_.push_back(client);
  }
  sink->send("retry: 3000\n\n");
  // Registered before reading the log, so nothing committed from now on can be missed;
  // what arrives meanwhile waits in `buffered`.
  std::int64_t last = *last_event_id;
  {
    size_t replayed = 0;
    for (;;) {
      auto page = store_.changes_since(last, 1000);
      if (!page || page->empty()) break;
      for (const auto& change : *page) {
        if (client->sees(change)) sink->send(sse_message(change, offset_));
        last = change.seq;
      }
      replayed += page->size();
      if (replayed >= kMaxReplay) {
        sink->send("event: reset\ndata: {\"reason\":\"too many missed changes; reload\"}\n\n");
        last = store_.last_change_seq();
        break;
      }
    }
  }
  std::lock_guard lock(client->mu);
  for (auto& [seq, message] : client->buffered) {
    if (seq > last) {
      sink->send(std::move(message));
      last = seq;
    }
  }
  client->buffered.clear();
  client->last_sent = last;
  client->replaying = false;
}

void LiveStream::heartbeat() {
  std::lock_guard lock(mu_);
  clients_.erase(std::remove_if(clients_.begin(), clients_.end(),
                                [](const std::shared_ptr<Client>& c) {
                                  return c->sink->closed() || !c->sink->send(": ping\n\n");
                                }),
                 clients_.end());
}

size_t LiveStream::clients() {
  std::lock_guard lock(mu_);
  return clients_.size();
}

}  // namespace quanzu::api
