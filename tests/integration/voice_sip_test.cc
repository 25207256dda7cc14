// The SIP robocall adapter against real peers on loopback: sipp scenarios (answer, busy,
// decline, server error, ring without answer) and baresip answering automatically and
// recording what it heard. Each peer is a child process started and stopped by PID here.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "channels/voice/audio.h"
#include "channels/voice/voice_channel.h"
#include "tests/integration/harness.h"

#include <boost/json.hpp>

namespace quanzu::channels::voice {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const char kPrompt[] = "您好，这里是反诈中心，请注意防范电信诈骗。";

// A scenario of tests/integration/sip/, or an absolute path.
fs::path scenario(const std::string& name) { return fs::path(QUANZU_SIP_SCENARIOS) / name; }

// A free port: bound, read and released (the peer binds it right after).
std::uint16_t free_port(int type) {
  int fd = socket(AF_INET, type, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// True once something holds `port` (the peer is listening).
bool port_taken(int type, std::uint16_t port) {
  int fd = socket(AF_INET, type, 0);
  int one = 1;
  if (type == SOCK_STREAM) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool taken = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0;
  close(fd);
  return taken;
}

// A peer program; killed by PID when the test ends, and with the test if it dies.
class Peer {
 public:
  Peer(std::vector<std::string> argv, const fs::path& log) {
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      FILE* out = std::fopen(log.c_str(), "w");
      if (out) {
        dup2(fileno(out), 1);
        dup2(fileno(out), 2);
      }
      FILE* in = std::fopen("/dev/null", "r");
      if (in) dup2(fileno(in), 0);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      execvp(args[0], args.data());
      _exit(127);
    }
  }
  ~Peer() { stop(); }
  // Waits for the peer to exit by itself; its exit status, or -1 after `limit`.
  int wait_exit(std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (pid_ > 0) {
      int status = 0;
      pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      if (std::chrono::steady_clock::now() > end) return -1;
      std::this_thread::sleep_for(20ms);  // polling a child's exit; no event to wait on
    }
    return -1;
  }
  // SIGTERM, then SIGKILL after 5 s.
  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    if (wait_exit(5s) == -1 && pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!ready()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(20ms);  // polling a port another process binds
  }
  return true;
}

// Collects what the channel reports, to the sink and to the observer.
struct Reports {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<CallRecord> calls;
  std::vector<std::tuple<std::string, std::string, std::optional<std::int64_t>>> sink;

  ResultSink as_sink() {
    return [this](const std::string& ref, const std::string& result, std::optional<std::int64_t> seconds) {
      std::lock_guard lock(mu);
      sink.emplace_back(ref, result, seconds);
    };
  }
  void observe(VoiceChannel& channel) {
    channel.on_call_end([this](const CallRecord& r) {
      std::lock_guard lock(mu);
      calls.push_back(r);
      cv.notify_all();
    });
  }
  std::optional<CallRecord> wait_for_call(std::chrono::milliseconds limit) {
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, limit, [&] { return !calls.empty(); })) return std::nullopt;
    return calls.front();
  }
};

store::OutboxEntry robocall(const std::string& ref, const std::string& phone = "13800138000") {
  store::OutboxEntry e;
  e.id = 1;
  e.channel = "robocall";
  e.payload = R"({"type":"robocall","ref":")" + ref + R"(","case_id":"C1","phone":")" + phone +
              R"(","level":"high","scam_type":"fake_investment","station":{"code":"500105-01","name":"石门派出所"},"at_ms":1})";
  return e;
}

VoiceOptions options_for(std::uint16_t port, SipTransport transport = SipTransport::kUdp) {
  VoiceOptions o;
  o.trunk = "127.0.0.1:" + std::to_string(port);
  o.transport = transport;
  o.local_ip = "127.0.0.1";
  o.templates["default"] = kPrompt;
  o.ring_timeout = 3000ms;
  o.no_response_timeout = 1500ms;
  o.max_call = 20000ms;
  return o;
}

class VoiceSip : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("quanzu-voice-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }

  std::unique_ptr<Peer> start_sipp(const std::string& xml, std::uint16_t port, std::vector<std::string> extra,
                                   bool tcp = false) {
    std::vector<std::string> argv = {"sipp", "-sf", scenario(xml).string(), "-i", "127.0.0.1", "-p",
                                     std::to_string(port), "-m", "1", "-nostdin", "-timeout", "30",
                                     "-timeout_error", "-trace_err", "-error_file",
                                     (dir_ / "sipp-errors.log").string()};
    if (tcp) argv.insert(argv.end(), {"-t", "t1"});
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto peer = std::make_unique<Peer>(argv, dir_ / "sipp.log");
    EXPECT_TRUE(wait_until([&] { return port_taken(tcp ? SOCK_STREAM : SOCK_DGRAM, port); }, 10s))
        << "sipp did not start";
    return peer;
  }

  fs::path dir_;
};

TEST_F(VoiceSip, SippAnswersAndHearsThePromptToTheEnd) {
  const auto port = free_port(SOCK_DGRAM);
  const auto rtp = free_port(SOCK_DGRAM);
  auto sipp = start_sipp("uas_answer.xml", port,
                         {"-mi", "127.0.0.1", "-mp", std::to_string(rtp), "-rtp_echo"});
  Reports reports;
  auto channel = VoiceChannel::create(options_for(port), reports.as_sink());
  ASSERT_TRUE(channel) << channel.error().message;
  reports.observe(**channel);
  ASSERT_TRUE((*channel)->deliver(robocall("C1/robocall/1")));
  EXPECT_EQ((*channel)->health().in_progress, 1);
  auto call = reports.wait_for_call(20s);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->result, "answered") << call->detail;
  EXPECT_EQ(call->codec, "PCMU");
  EXPECT_GT(call->prompt_seconds, 2.0);
  EXPECT_NEAR(static_cast<double>(call->seconds), call->prompt_seconds, 1.0);
  EXPECT_EQ(sipp->wait_exit(10s), 0) << "sipp saw the call end wrongly; see " << dir_;
  std::lock_guard lock(reports.mu);
  ASSERT_EQ(reports.sink.size(), 1u);
  EXPECT_EQ(std::get<0>(reports.sink[0]), "C1/robocall/1");
  EXPECT_EQ(std::get<1>(reports.sink[0]), "answered");
  EXPECT_EQ(std::get<2>(reports.sink[0]), call->seconds);
  const auto health = (*channel)->health();
  EXPECT_EQ(health.placed, 1);
  EXPECT_EQ(health.answered, 1);
  EXPECT_EQ(health.in_progress, 0);
}

TEST_F(VoiceSip, SippAnswersOverTcp) {
  const auto port = free_port(SOCK_STREAM);
  const auto rtp = free_port(SOCK_DGRAM);
  auto sipp = start_sipp("uas_answer.xml", port, {"-mi", "127.0.0.1", "-mp", std::to_string(rtp)}, true);
  Reports reports;
  auto channel = VoiceChannel::create(options_for(port, SipTransport::kTcp), reports.as_sink());
  ASSERT_TRUE(channel) << channel.error().message;
  reports.observe(**channel);
  ASSERT_TRUE((*channel)->deliver(robocall("C2/robocall/1")));
  auto call = reports.wait_for_call(20s);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->result, "answered") << call->detail;
  EXPECT_EQ(sipp->wait_exit(10s), 0);
}

TEST_F(VoiceSip, PressingOneIsRecordedAsAcknowledged) {
  const auto port = free_port(SOCK_DGRAM);
  const auto rtp = free_port(SOCK_DGRAM);
  auto sipp = start_sipp("uas_answer_press1.xml", port, {"-mi", "127.0.0.1", "-mp", std::to_string(rtp)});
  Reports reports;
  auto options = options_for(port);
  options.ask_acknowledge = true;
  options.acknowledge_wait = 8000ms;
  auto channel = VoiceChannel::create(options, reports.as_sink());
  ASSERT_TRUE(channel) << channel.error().message;
  reports.observe(**channel);
  ASSERT_TRUE((*channel)->deliver(robocall("C9/robocall/1")));
  auto call = reports.wait_for_call(25s);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->result, "answered") << call->detail;
  EXPECT_TRUE(call->acknowledged) << call->detail;
  // Acknowledged during the prompt: the call ends with the prompt, without the wait.
  EXPECT_LT(static_cast<double>(call->seconds), call->prompt_seconds + 2.0);
  EXPECT_EQ((*channel)->health().acknowledged, 1);
  EXPECT_EQ(sipp->wait_exit(10s), 0);
  std::lock_guard lock(reports.mu);
  ASSERT_EQ(reports.sink.size(), 1u);
  EXPECT_EQ(std::get<1>(reports.sink[0]), "answered");  // the robocall results have no "acknowledged"
}

TEST_F(VoiceSip, WithoutAPressTheCallWaitsForItThenHangsUp) {
  const auto port = free_port(SOCK_DGRAM);
  const auto rtp = free_port(SOCK_DGRAM);
  auto sipp = start_sipp("uas_answer.xml", port, {"-mi", "127.0.0.1", "-mp", std::to_string(rtp)});
  Reports reports;
  auto options = options_for(port);
  options.ask_acknowledge = true;
  options.acknowledge_wait = 2000ms;
  auto channel = VoiceChannel::create(options, reports.as_sink());
  ASSERT_TRUE(channel) << channel.error().message;
  reports.observe(**channel);
  ASSERT_TRUE((*channel)->deliver(robocall("C10/robocall/1")));
  auto call = reports.wait_for_call(25s);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->result, "answered") << call->detail;
  EXPECT_FALSE(call->acknowledged);
  EXPECT_NEAR(static_cast<double>(call->seconds), call->prompt_seconds + 2.0, 1.0);
  EXPECT_EQ(sipp->wait_exit(10s), 0);
}

struct Rejection {
  const char* code;
  const char* result;
};
void PrintTo(const Rejection& r, std::ostream* os) { *os << r.code << " -> " << r.result; }

class VoiceSipReject : public VoiceSip, public ::testing::WithParamInterface<Rejection> {};

TEST_P(VoiceSipReject, FinalStatusBecomesTheResult) {
  const auto port = free_port(SOCK_DGRAM);
  std::ifstream in(scenario("uas_reject.xml"));
  std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  xml.replace(xml.find("STATUS Rejected"), 6, GetParam().code);
  std::ofstream(dir_ / "uas_reject.xml") << xml;
  auto sipp = start_sipp((dir_ / "uas_reject.xml").string(), port, {});
  Reports reports;
  auto channel = VoiceChannel::create(options_for(port), reports.as_sink());
  ASSERT_TRUE(channel) << channel.error().message;
  reports.observe(**channel);
  ASSERT_TRUE((*channel)->deliver(robocall("C3/robocall/1")));
  auto call = reports.wait_for_call(10s);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->result, GetParam().result) << call->detail;
  EXPECT_EQ(call->sip_status, std::atoi(GetParam().code));
  EXPECT_EQ(sipp->wait_exit(10s), 0);
  std::lock_guard lock(reports.mu);
  ASSERT_EQ(reports.sink.size(), 1u);
  EXPECT_FALSE(std::get<2>(reports.sink[0]).has_value());
}

INSTANTIATE_TEST_SUITE_P(Statuses, VoiceSipReject,
                         ::testing::Values(Rejection{"486", "busy"}, Rejection{"603", "rejected"},
                                           Rejection{"503", "unreachable"}),
                         [](const auto& info) { return std::string("sip") + info.param.code; });

TEST_F(VoiceSip, RingingWithoutAnswerIsCancelledAsNoAnswer) {
  const auto port = free_port(SOCK_DGRAM);
  auto sipp = start_sipp("uas_ring.xml", port, {});
  Reports reports;
  auto options = options_for(port);
  options.ring_timeout = 1500ms;
  auto channel = VoiceChannel::create(options, reports.as_sink());
  ASSERT_TRUE(channel) << channel.error().message;
  reports.observe(**channel);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE((*channel)->deliver(robocall("C4/robocall/1")));
  auto call = reports.wait_for_call(10s);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->result, "no_answer") << call->detail;
  EXPECT_GE(std::chrono::steady_clock::now() - start, 1400ms);
  // sipp's scenario only ends well if our CANCEL came and its 487 was acknowledged.
  EXPECT_EQ(sipp->wait_exit(10s), 0) << "no CANCEL/ACK seen by sipp; see " << dir_;
}

TEST_F(VoiceSip, RefusedTcpConnectionIsUnreachable) {
  // A bound socket that never listens: the kernel refuses connections to it.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  Reports reports;
  auto channel = VoiceChannel::create(options_for(ntohs(a.sin_port), SipTransport::kTcp), reports.as_sink());
  ASSERT_TRUE(channel) << channel.error().message;
  reports.observe(**channel);
  ASSERT_TRUE((*channel)->deliver(robocall("C5/robocall/1")));
  auto call = reports.wait_for_call(5s);
  close(fd);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->result, "unreachable");
  EXPECT_NE(call->detail.find("refused"), std::string::npos) << call->detail;
}

TEST_F(VoiceSip, SilentUdpPeerIsUnreachableAfterTheResponseTimeoutAndCallsAreLimited) {
  // A UDP socket that swallows the INVITE and never answers.
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  Reports reports;
  auto options = options_for(ntohs(a.sin_port));
  options.max_calls = 1;
  options.no_response_timeout = 1000ms;
  auto channel = VoiceChannel::create(options, reports.as_sink());
  ASSERT_TRUE(channel) << channel.error().message;
  reports.observe(**channel);
  ASSERT_TRUE((*channel)->deliver(robocall("C6/robocall/1")));
  // The same ref again while its call runs: accepted, not called twice.
  EXPECT_TRUE((*channel)->deliver(robocall("C6/robocall/1")));
  auto over = (*channel)->deliver(robocall("C7/robocall/1"));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, Code::kTooLarge);
  auto call = reports.wait_for_call(5s);
  close(fd);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->result, "unreachable") << call->detail;
  const auto health = (*channel)->health();
  EXPECT_EQ(health.placed, 1);
  EXPECT_EQ(health.refused_at_limit, 1);
  EXPECT_EQ(health.unreachable, 1);
  EXPECT_EQ(health.in_progress, 0);
}

TEST_F(VoiceSip, BaresipHearsTheWarning) {
  const auto port = free_port(SOCK_DGRAM);
  const fs::path conf = dir_ / "baresip";
  const fs::path recordings = dir_ / "heard";
  fs::create_directories(conf);
  fs::create_directories(recordings);
  {
    std::ofstream config(conf / "config");
    config << "sip_listen\t127.0.0.1:" << port << "\n"
           << "module_path\t/usr/lib/baresip/modules\n"
           << "module\tg711.so\nmodule\taubridge.so\nmodule\tsndfile.so\n"
           << "module_app\taccount.so\nmodule_app\tmenu.so\n"
           << "audio_player\taubridge,quanzu\naudio_source\taubridge,quanzu\n"
           << "audio_alert\taubridge,quanzu\n"
           << "snd_path\t" << recordings.string() << "\n"
           << "rtp_ports\t20000-20999\n";
    std::ofstream accounts(conf / "accounts");
    accounts << "<sip:13800138000@127.0.0.1>;regint=0;answermode=auto;catchall=yes\n";
  }
  auto baresip = std::make_unique<Peer>(std::vector<std::string>{"baresip", "-f", conf.string(), "-t", "60"},
                                        dir_ / "baresip.log");
  ASSERT_TRUE(wait_until([&] { return port_taken(SOCK_DGRAM, port); }, 10s)) << "baresip did not start";
  Reports reports;
  auto channel = VoiceChannel::create(options_for(port), reports.as_sink());
  ASSERT_TRUE(channel) << channel.error().message;
  reports.observe(**channel);
  ASSERT_TRUE((*channel)->deliver(robocall("C8/robocall/1")));
  auto call = reports.wait_for_call(20s);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->result, "answered") << call->detail;
  baresip->stop();  // closes its recordings
  std::optional<Pcm> heard;
  for (const auto& file : fs::directory_iterator(recordings)) {
    if (file.path().filename().string().find("dec") == std::string::npos) continue;
    auto pcm = read_wav(file.path().string());
    ASSERT_TRUE(pcm) << pcm.error().message;
    heard = *pcm;
  }
  ASSERT_TRUE(heard) << "baresip recorded nothing; see " << dir_;
  RecordProperty("heard_seconds", std::to_string(heard->seconds()));
  RecordProperty("heard_rms", std::to_string(rms(heard->samples)));
  RecordProperty("prompt_seconds", std::to_string(call->prompt_seconds));
  EXPECT_GT(rms(heard->samples), 500) << "baresip heard silence";
  EXPECT_NEAR(heard->seconds(), call->prompt_seconds, 1.0);
}

// The whole platform: `quanzu serve` with [voice] pointing at sipp. The robocall a new case
// starts with goes out through the outbox and the trunk; what sipp does with it comes back
// as the case's attempt and the action plan reacts.
class VoicePlatform : public VoiceSip {
 protected:
  void serve(std::uint16_t trunk_port) {
    std::ofstream(dir_ / "quanzu.toml") << "[voice]\ntrunk = \"127.0.0.1:" << trunk_port
                                        << "\"\nlocal_ip = \"127.0.0.1\"\nring_timeout = \"3s\"\n";
    server_ = quanzu::testing::ServerProcess::start(quanzu::testing::quanzu_binary(), (dir_ / "data").string(),
                                                    {"--config", (dir_ / "quanzu.toml").string()});
    client_ = std::make_unique<quanzu::testing::HttpClient>(server_->host(), server_->port());
    client_->set_default_headers(server_->auth());
  }
  std::string create(const std::string& id, const std::string& trigger) {
    auto r = client_->post("/api/v1/instructions",
                           R"({"id":")" + id + R"(","issued_at":"2023-11-29T10:26:00+08:00","trigger":")" + trigger +
                               R"(","subject":{"phone":"13800138000"},"location":{"adcode":"500105"}})");
    EXPECT_EQ(r.status, 200u) << r.body;
    return std::string(boost::json::parse(r.body).at("results").at(0).at("case_id").as_string());
  }
  // Waits for the robocall's result on the case's timeline; returns that event.
  boost::json::object robocall_result(const std::string& case_id, boost::json::object& c) {
    boost::json::object found;
    wait_until(
        [&] {
          c = boost::json::parse(client_->get("/api/v1/cases/" + case_id).body).as_object();
          for (auto& e : c["timeline"].as_array()) {
            auto& o = e.as_object();
            if (o["kind"] == "attempt" && o["channel"] == "robocall") {
              found = o;
              return true;
            }
          }
          return false;
        },
        60s);
    return found;
  }
  std::unique_ptr<quanzu::testing::ServerProcess> server_;
  std::unique_ptr<quanzu::testing::HttpClient> client_;
};

TEST_F(VoicePlatform, AnAnsweredRobocallIsRecordedOnTheCaseWithTheSecondsListened) {
  const auto port = free_port(SOCK_DGRAM);
  const auto rtp = free_port(SOCK_DGRAM);
  // The built-in warning lasts ~27 s: sipp waits for the whole call (the last -timeout counts).
  auto sipp = start_sipp("uas_answer.xml", port,
                         {"-mi", "127.0.0.1", "-mp", std::to_string(rtp), "-timeout", "90"});
  serve(port);
  const std::string id = create("V-ANSWER", "fraud_app_install");  // medium: SMS + robocall
  boost::json::object c;
  auto event = robocall_result(id, c);
  ASSERT_FALSE(event.empty()) << "no robocall result on the case; server log:\n" << server_->output();
  EXPECT_EQ(event["result"].as_string(), "answered");
  EXPECT_GT(event["duration_seconds"].as_int64(), 10);  // the whole warning was heard
  EXPECT_EQ(event["actor"].as_string(), "channel:robocall");
  EXPECT_GT(event["duration_seconds"].as_int64(), 1);
  EXPECT_FALSE(c["handling"].at("sla").at("first_contact_at").is_null());
  EXPECT_EQ(sipp->wait_exit(20s), 0);
  auto metrics = client_->get("/metrics").body;
  EXPECT_NE(metrics.find("quanzu_voice_calls_total{result=\"answered\"} 1"), std::string::npos) << metrics;
}

TEST_F(VoicePlatform, ABusyLineAtExtremeSendsForAResponder) {
  const auto port = free_port(SOCK_DGRAM);
  std::ifstream in(scenario("uas_reject.xml"));
  std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  xml.replace(xml.find("STATUS Rejected"), 6, "486");
  std::ofstream(dir_ / "uas_busy.xml") << xml;
  auto sipp = start_sipp((dir_ / "uas_busy.xml").string(), port, {});
  serve(port);
  const std::string id = create("V-BUSY", "completed_transfer");  // extreme
  boost::json::object c;
  auto event = robocall_result(id, c);
  ASSERT_FALSE(event.empty()) << "no robocall result on the case; server log:\n" << server_->output();
  EXPECT_EQ(event["result"].as_string(), "busy");
  wait_until(
      [&] {
        c = boost::json::parse(client_->get("/api/v1/cases/" + id).body).as_object();
        for (auto& e : c["timeline"].as_array()) {
          if (e.at("kind") == "dispatch_waiting") return true;
        }
        return false;
      },
      10s);
  EXPECT_TRUE(c["handling"].at("visit_needed").as_bool()) << boost::json::serialize(c);
}

}  // namespace
}  // namespace quanzu::channels::voice
