// "Durable before it answers" (SPEC, Interfaces): SIGKILL the server while clients are
// posting, restart it on the same data directory, and check that every instruction that
// was answered "created" is stored exactly once, under the case id it was given.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness.h"

namespace quanzu::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr int kClients = 8;
// The load comes from one address, far over the default rate limit of one client.
const std::vector<std::string> kUnlimited{"--rate-limit", "0"};
constexpr int kRounds = 3;
// Each round's load stops at whichever comes first; both keep the test short on 2 cores.
constexpr auto kLoadTime = 1000ms;
constexpr int kAnsweredRequestsBeforeKill = 3000;
constexpr int kMaxRequestsPerClient = 1000;
constexpr size_t kBatchItems = 3;
constexpr size_t kReplayBatch = 200;

std::string text(const json::value& v) { return std::string(v.as_string()); }

// A valid instruction for `id` about a person and a fraud URL of its own: every case stands
// alone, so grading's history and cluster lookups stay small and the load stays even.
std::string instruction_for(const std::string& id) {
  const std::uint64_t h = std::hash<std::string>{}(id);
  // Appends only: GCC 12 at -O2 warns (-Wrestrict, falsely) on "literal" + std::string&&.
  const std::string phone = std::to_string(13000000000ULL + h % 7000000000ULL);
  std::string text = sample_instruction(id, phone);
  const std::string url = "hxxp://fake-task.example";
  std::string own_url = "hxxp://";
  own_url += std::to_string(h);
  own_url += ".fake-task.example";
  text.replace(text.find(url), url.size(), own_url);
  return text;
}

// "K<round>-<client>": the prefix of the ids one client thread posts.
std::string client_name(int round, int client) {
  std::string name = "K";
  name += std::to_string(round);
  name += '-';
  name += std::to_string(client);
  return name;
}

// What one client thread saw.
struct ClientLog {
  std::vector<std::string> sent;             // every id posted, answered or not
  std::map<std::string, std::string> acked;  // id answered "created" -> its case id
  std::vector<std::string> unexpected;       // anything but "created" before the kill
};

// Posts single instructions and small batches with unique ids until `stop` or the server
// goes away.
void post_until_stopped(const std::string& host, std::uint16_t port, const Headers& auth, const std::string& client,
                        const std::atomic<bool>& stop, const std::atomic<bool>& killed,
                        std::atomic<int>& answered, std::condition_variable& progress,
                        ClientLog& log) {
  try {
    HttpClient http(host, port);
    http.set_default_headers(auth);
    for (int n = 0; n < kMaxRequestsPerClient && !stop.load(); ++n) {
      const size_t items = n % 2 == 0 ? 1 : kBatchItems;
      std::vector<std::string> ids;
      std::string body = items == 1 ? "" : "[";
      for (size_t i = 0; i < items; ++i) {
        ids.push_back(client + "-" + std::to_string(n) + "-" + std::to_string(i));
        if (i > 0) body += ',';
        body += instruction_for(ids.back());
      }
      if (items > 1) body += "]";
      log.sent.insert(log.sent.end(), ids.begin(), ids.end());
      HttpResponse r = http.post("/api/v1/instructions", body);
      if (r.status != 200) {
        log.unexpected.push_back("status " + std::to_string(r.status) + ": " + r.body);
        return;
      }
      json::array results = json::parse(r.body).at("results").as_array();
      if (results.size() != items) {
        log.unexpected.push_back("wrong number of results: " + r.body);
        return;
      }
      for (size_t i = 0; i < items; ++i) {
        if (text(results[i].at("id")) != ids[i] || text(results[i].at("status")) != "created") {
          log.unexpected.push_back("for " + ids[i] + ": " + json::serialize(results[i]));
          continue;
        }
        log.acked[ids[i]] = text(results[i].at("case_id"));
      }
      ++answered;
      progress.notify_one();
    }
  } catch (const std::exception& e) {
    // After the kill, failing to reach the server is the point; before it, a bug.
    if (!killed.load()) log.unexpected.push_back(std::string("before the kill: ") + e.what());
  }
}

// Every case the server lists: instruction id -> case ids holding it.
std::map<std::string, std::vector<std::string>> stored_cases(HttpClient& client) {
  std::map<std::string, std::vector<std::string>> out;
  std::string cursor;
  for (int page = 0; page < 10000; ++page) {
    HttpResponse r =
        client.get("/api/v1/cases?limit=500" + (cursor.empty() ? "" : "&cursor=" + cursor));
    if (r.status != 200)
      throw std::runtime_error("listing answered " + std::to_string(r.status) + ": " + r.body);
    json::value body = json::parse(r.body);
    for (const auto& c : body.at("cases").as_array()) {
      out[text(c.at("instruction_id"))].push_back(text(c.at("id")));
    }
    if (body.at("next_cursor").is_null()) return out;
    cursor = text(body.at("next_cursor"));
  }
  throw std::runtime_error("listing does not end");
}

// Loads the server from kClients threads, SIGKILLs it mid-load and adds to `sent` every id
// posted and to `acked` every id answered "created" (with its case id).
void load_and_kill(ServerProcess& server, int round, std::set<std::string>& sent,
                   std::map<std::string, std::string>& acked) {
  std::vector<ClientLog> logs(kClients);
  std::atomic<bool> stop{false};
  std::atomic<bool> killed{false};
  std::atomic<int> answered{0};
  std::mutex mu;
  std::condition_variable progress;
  std::vector<std::thread> clients;
  clients.reserve(kClients);
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back(post_until_stopped, server.host(), server.port(), std::cref(server.auth()), client_name(round, c),
                         std::cref(stop), std::cref(killed), std::ref(answered), std::ref(progress),
                         std::ref(logs[c]));
  }
  {
    std::unique_lock lock(mu);
    progress.wait_until(lock, std::chrono::steady_clock::now() + kLoadTime,
                        [&] { return answered.load() >= kAnsweredRequestsBeforeKill; });
  }
  // The clients are still posting: some requests are in flight when the server dies.
  killed = true;
  server.kill9();
  stop = true;
  for (auto& t : clients) t.join();

  size_t round_sent = 0;
  size_t round_acked = 0;
  for (const auto& log : logs) {
    for (const auto& u : log.unexpected) ADD_FAILURE() << "round " << round << ": " << u;
    sent.insert(log.sent.begin(), log.sent.end());
    acked.insert(log.acked.begin(), log.acked.end());
    round_sent += log.sent.size();
    round_acked += log.acked.size();
  }
  EXPECT_GT(round_acked, 100u) << "too little load to prove anything; server output:\n"
                               << server.output();
  std::printf(
      "[          ] round %d: %d requests answered, %zu instructions acknowledged, %zu unanswered "
      "at the kill\n",
      round, answered.load(), round_acked, round_sent - round_acked);
}

TEST(CrashTest, EveryAcknowledgedInstructionSurvivesSigkill) {
  const std::string dir = fresh_dir("crash");
  auto server = ServerProcess::start(quanzu_binary(), dir, kUnlimited);
  std::set<std::string> sent;
  std::map<std::string, std::string> acked;
  std::map<std::string, std::vector<std::string>> stored;

  // Each round kills a server that itself recovered from the previous kill.
  for (int round = 0; round < kRounds; ++round) {
    std::map<std::string, std::string> acked_now;
    load_and_kill(*server, round, sent, acked_now);
    server = ServerProcess::start(quanzu_binary(), dir, kUnlimited);
    HttpClient client(server->host(), server->port());
    client.set_default_headers(server->auth());

    // Each acknowledged instruction is there once, in the case it was promised; whatever
    // else is there was sent (its answer lost in the crash), also once.
    stored = stored_cases(client);
    for (const auto& [id, case_ids] : stored) {
      EXPECT_EQ(case_ids.size(), 1u) << id << " is stored " << case_ids.size() << " times";
      EXPECT_TRUE(sent.count(id)) << id << " was never sent";
    }
    acked.insert(acked_now.begin(), acked_now.end());
    size_t missing = 0;
    for (const auto& [id, case_id] : acked) {
      auto it = stored.find(id);
      if (it == stored.end()) {
        if (++missing <= 10)
          ADD_FAILURE() << id << " was answered created (" << case_id << ") but is lost";
        continue;
      }
      EXPECT_EQ(it->second.front(), case_id) << id;
    }
    ASSERT_EQ(missing, 0u) << "round " << round << ": lost of " << acked.size() << " acknowledged";
    const json::value stats = json::parse(client.get("/api/v1/stats").body);
    EXPECT_EQ(stats.at("cases").as_int64(), static_cast<std::int64_t>(stored.size()));

    // The case each acknowledgement of this round named holds that instruction.
    for (const auto& [id, case_id] : acked_now) {
      HttpResponse r = client.get("/api/v1/cases/" + case_id);
      ASSERT_EQ(r.status, 200u) << case_id << " (" << id << "): " << r.body;
      EXPECT_EQ(text(json::parse(r.body).at("instruction_id")), id);
    }
  }

  // Replaying everything: the acknowledged are duplicates of their case; the unanswered are
  // duplicates if a crash kept them, otherwise created now.
  HttpClient client(server->host(), server->port());
  client.set_default_headers(server->auth());
  std::vector<std::string> all(sent.begin(), sent.end());
  for (size_t start = 0; start < all.size(); start += kReplayBatch) {
    std::string body = "[";
    const size_t end = std::min(all.size(), start + kReplayBatch);
    for (size_t i = start; i < end; ++i) {
      if (i > start) body += ',';
      body += instruction_for(all[i]);
    }
    body += "]";
    HttpResponse r = client.post("/api/v1/instructions", body);
    ASSERT_EQ(r.status, 200u) << r.body;
    const json::array results = json::parse(r.body).at("results").as_array();
    ASSERT_EQ(results.size(), end - start);
    for (size_t i = start; i < end; ++i) {
      const json::value& result = results[i - start];
      const std::string status = text(result.at("status"));
      if (auto it = acked.find(all[i]); it != acked.end()) {
        EXPECT_EQ(status, "duplicate") << all[i];
        EXPECT_EQ(text(result.at("case_id")), it->second) << all[i];
      } else if (auto kept = stored.find(all[i]); kept != stored.end()) {
        EXPECT_EQ(status, "duplicate") << all[i];
        EXPECT_EQ(text(result.at("case_id")), kept->second.front()) << all[i];
      } else {
        EXPECT_EQ(status, "created") << all[i];
      }
    }
  }
  const json::value stats = json::parse(client.get("/api/v1/stats").body);
  EXPECT_EQ(stats.at("cases").as_int64(), static_cast<std::int64_t>(sent.size()));
}

}  // namespace
}  // namespace quanzu::testing
