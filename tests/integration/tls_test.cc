// HTTPS, security headers and the per-address limits of the real `quanzu serve`, driven by
// real TLS clients (curl, openssl s_client) against a self-signed certificate made by the
// openssl CLI for each test.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness.h"

namespace quanzu::testing {
namespace {

constexpr const char* kCurl = "/usr/bin/curl";
constexpr const char* kOpenssl = "/usr/bin/openssl";
constexpr const char* kSubject = "quanzu-tls-test.example";

// A self-signed certificate for 127.0.0.1 and its key, made by the openssl CLI.
struct Certificate {
  std::string cert;
  std::string key;
};

Certificate make_certificate(const std::string& dir, const std::string& name) {
  Certificate c{dir + "/" + name + "-cert.pem", dir + "/" + name + "-key.pem"};
  CommandResult r = run_command({kOpenssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                 "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", c.key, "-out",
                                 c.cert, "-days", "2", "-subj", std::string("/CN=") + kSubject,
                                 "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"});
  if (r.status != 0) throw std::runtime_error("openssl req failed:\n" + r.err);
  return c;
}

std::string write_file(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

std::string tls_config(const std::string& dir, const Certificate& c, const std::string& more = {}) {
  return write_file(dir + "/quanzu.toml", "[server]\ntls_cert = \"" + c.cert + "\"\ntls_key = \"" +
                                              c.key + "\"\n" + more);
}

// One answer as curl printed it with --include.
struct CurlAnswer {
  int exit_status = -1;
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string err;
};

CurlAnswer curl(const std::vector<std::string>& args, int timeout_ms = 20000) {
  std::vector<std::string> argv{kCurl, "--silent", "--show-error", "--include", "--max-time", "15"};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult r = run_command(argv, timeout_ms);
  CurlAnswer a;
  a.exit_status = r.status;
  a.err = r.err;
  const std::string& out = r.out;
  size_t head_end = out.find("\r\n\r\n");
  if (head_end == std::string::npos) {
    a.body = out;
    return a;
  }
  std::string head = out.substr(0, head_end);
  a.body = out.substr(head_end + 4);
  size_t line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  if (size_t sp = status_line.find(' '); sp != std::string::npos) {
    a.status = static_cast<unsigned>(std::stoul(status_line.substr(sp + 1, 3)));
  }
  while (line_end != std::string::npos) {
    size_t next = head.find("\r\n", line_end + 2);
    std::string line = head.substr(
        line_end + 2, next == std::string::npos ? std::string::npos : next - line_end - 2);
    line_end = next;
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    size_t value_at = line.find_first_not_of(' ', colon + 1);
    a.headers[name] = value_at == std::string::npos ? "" : line.substr(value_at);
  }
  return a;
}

std::string https_url(const ServerProcess& server, const std::string& target) {
  return "https://127.0.0.1:" + std::to_string(server.port()) + target;
}

const std::vector<std::pair<std::string, std::string>> kSecurityHeaders{
    {"x-content-type-options", "nosniff"},
    {"x-frame-options", "DENY"},
    {"referrer-policy", "no-referrer"},
    {"content-security-policy",
     "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
     "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
     "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"},
};

void expect_security_headers(const std::map<std::string, std::string>& headers, bool tls,
                             const std::string& what) {
  for (const auto& [name, value] : kSecurityHeaders) {
    auto it = headers.find(name);
    ASSERT_NE(it, headers.end()) << what << ": no " << name;
    EXPECT_EQ(it->second, value) << what << ": " << name;
  }
  auto hsts = headers.find("strict-transport-security");
  if (tls) {
    ASSERT_NE(hsts, headers.end()) << what << ": no Strict-Transport-Security under TLS";
    EXPECT_EQ(hsts->second, "max-age=31536000") << what;
  } else {
    EXPECT_EQ(hsts, headers.end()) << what << ": Strict-Transport-Security without TLS";
  }
}

// How many times `needle` occurs in `text`.
size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// The value of an unlabelled or labelled sample line of the /metrics page, or -1.
double metric(const std::string& page, const std::string& sample) {
  size_t at = page.find("\n" + sample + " ");
  if (at == std::string::npos) return -1;
  return std::stod(page.substr(at + sample.size() + 2));
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kCurl, X_OK) != 0 || access(kOpenssl, X_OK) != 0) {
      GTEST_FAIL() << "curl and openssl are needed (scripts/debian-packages.txt)";
    }
    dir_ = fresh_dir("tls");
    cert_ = make_certificate(dir_, "server");
  }

  std::string dir_;
  Certificate cert_;
};

TEST_F(TlsTest, ServesHttpsWithTheConfiguredCertificate) {
  auto server =
      ServerProcess::start(quanzu_binary(), dir_ + "/data", {"--config", tls_config(dir_, cert_)});
  EXPECT_TRUE(server->tls()) << server->output();
  EXPECT_NE(server->output().find("listening on https://127.0.0.1:"), std::string::npos);

  CurlAnswer health = curl({"--cacert", cert_.cert, https_url(*server, "/healthz")});
  ASSERT_EQ(health.exit_status, 0) << health.err;
  EXPECT_EQ(health.status, 200u);
  EXPECT_NE(health.body.find("\"status\""), std::string::npos) << health.body;
  expect_security_headers(health.headers, true, "/healthz");

  // A client that does not trust the certificate refuses it: the server really presented it.
  CurlAnswer untrusted = curl({https_url(*server, "/healthz")});
  EXPECT_NE(untrusted.exit_status, 0);
  EXPECT_EQ(untrusted.status, 0u);

  CommandResult s_client =
      run_command({kOpenssl, "s_client", "-connect", "127.0.0.1:" + std::to_string(server->port()),
                   "-CAfile", cert_.cert, "-verify_return_error", "-servername", "localhost"});
  EXPECT_EQ(s_client.status, 0) << s_client.err;
  const std::string shown = s_client.out + s_client.err;
  EXPECT_NE(shown.find(std::string("subject=CN = ") + kSubject), std::string::npos) << shown;
  EXPECT_NE(shown.find("Verify return code: 0 (ok)"), std::string::npos) << shown;
}

TEST_F(TlsTest, MinimumVersionIsEnforced) {
  auto server =
      ServerProcess::start(quanzu_binary(), dir_ + "/data",
                           {"--config", tls_config(dir_, cert_, "tls_min_version = \"1.3\"\n")});
  CurlAnswer v13 = curl({"--cacert", cert_.cert, "--tlsv1.3", https_url(*server, "/healthz")});
  EXPECT_EQ(v13.status, 200u) << v13.err;
  CurlAnswer v12 = curl(
      {"--cacert", cert_.cert, "--tlsv1.2", "--tls-max", "1.2", https_url(*server, "/healthz")});
  EXPECT_NE(v12.exit_status, 0);
  EXPECT_EQ(v12.status, 0u);
}

TEST_F(TlsTest, PlainHttpOnTheTlsPortFailsWithOneLogLine) {
  auto server =
      ServerProcess::start(quanzu_binary(), dir_ + "/data", {"--config", tls_config(dir_, cert_)});
  for (int i = 0; i < 3; ++i) {
    CurlAnswer plain = curl({"http://127.0.0.1:" + std::to_string(server->port()) + "/healthz"});
    EXPECT_NE(plain.exit_status, 0) << "attempt " << i;
    EXPECT_EQ(plain.status, 0u) << "attempt " << i;
    HttpClient client(server->host(), server->port());
    EXPECT_THROW(client.get("/healthz"), std::runtime_error);
  }
  // Still serving HTTPS.
  CurlAnswer health = curl({"--cacert", cert_.cert, https_url(*server, "/healthz")});
  EXPECT_EQ(health.status, 200u) << health.err;
  const std::string log = server->output();
  EXPECT_EQ(count(log, "TLS handshake with 127.0.0.1 failed"), 1u) << log;
  EXPECT_NE(log.find("plain HTTP request on the HTTPS port"), std::string::npos) << log;

  CurlAnswer metrics = curl({"--cacert", cert_.cert, https_url(*server, "/metrics")});
  ASSERT_EQ(metrics.status, 200u) << metrics.err;
  EXPECT_GE(metric(metrics.body, "quanzu_http_refused_total{reason=\"tls_handshake\"}"), 6)
      << metrics.body;
}

TEST_F(TlsTest, AClientThatNeverHandshakesIsDroppedAfterTenSeconds) {
  auto server =
      ServerProcess::start(quanzu_binary(), dir_ + "/data", {"--config", tls_config(dir_, cert_)});
  const auto start = std::chrono::steady_clock::now();
  // Connects and says nothing; returns when the server closes the connection.
  const std::string said = raw_exchange(server->host(), server->port(), "", 20000);
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(said.empty()) << said;
  EXPECT_GE(waited, std::chrono::seconds(9));
  EXPECT_LT(waited, std::chrono::seconds(15));
  // The line may be written just after the connection was closed.
  const std::string line = "TLS handshake with 127.0.0.1 failed: no handshake within 10 s";
  for (int i = 0; i < 60 && server->output().find(line) == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(server->output().find(line), std::string::npos) << server->output();
}

TEST_F(TlsTest, SecurityHeadersOnEveryKindOfAnswer) {
  auto server =
      ServerProcess::start(quanzu_binary(), dir_ + "/data", {"--config", tls_config(dir_, cert_)});
  // Any status will do (a login may be needed): what matters is the headers.
  for (const std::string target :
       {"/api/v1/cases", "/api/v1/no-such-thing", "/healthz", "/metrics"}) {
    CurlAnswer a = curl({"--cacert", cert_.cert, https_url(*server, target)});
    ASSERT_EQ(a.exit_status, 0) << target << ": " << a.err;
    EXPECT_GT(a.status, 0u) << target;
    expect_security_headers(a.headers, true, target);
    if (target.starts_with("/api/")) {
      EXPECT_EQ(a.headers["cache-control"], "no-store") << target;
    }
  }
  // An error the server itself makes, before any route: a body over the limit.
  CurlAnswer too_large = curl({"--cacert", cert_.cert, "-H", "Content-Type: application/json", "-H",
                               "Content-Length: 999999999999", "-H", "Expect:", "--data-binary",
                               "{}", https_url(*server, "/api/v1/instructions")});
  EXPECT_EQ(too_large.status, 413u) << too_large.err;
  expect_security_headers(too_large.headers, true, "413");
}

TEST_F(TlsTest, SecurityHeadersWithoutTlsHaveNoHsts) {
  auto server = ServerProcess::start(quanzu_binary(), dir_ + "/data");
  EXPECT_FALSE(server->tls());
  HttpClient client(server->host(), server->port());
  for (const std::string target : {"/api/v1/cases", "/api/v1/no-such-thing", "/healthz"}) {
    HttpResponse r = client.get(target);
    EXPECT_GT(r.status, 0u);
    expect_security_headers(r.headers, false, target);
    if (target.starts_with("/api/")) {
      EXPECT_EQ(r.headers["cache-control"], "no-store") << target;
    }
  }
  EventStream stream(server->host(), server->port());
  expect_security_headers(stream.headers(), false, "stream");
}

TEST_F(TlsTest, EventStreamOverTls) {
  const std::string config = tls_config(dir_, cert_);
  const std::string data = dir_ + "/data";
  // A machine client's token: ignored while the API needs no login, used once it does.
  CommandResult token =
      run_command({quanzu_binary(), "token", "create", "--data", data, "--config", config, "--name",
                   "tls-test", "--scope", "ingest", "--scope", "read"});
  ASSERT_EQ(token.status, 0) << token.err;
  std::string bearer = token.out.substr(0, token.out.find('\n'));
  ASSERT_FALSE(bearer.empty());
  const std::string auth = "Authorization: Bearer " + bearer;

  auto server = ServerProcess::start(quanzu_binary(), data, {"--config", config});
  CurlAnswer posted = curl(
      {"--cacert", cert_.cert, "-H", auth, "-H", "Content-Type: application/json", "--data-binary",
       sample_instruction("TLS-SSE-1"), https_url(*server, "/api/v1/instructions")});
  ASSERT_EQ(posted.status, 200u) << posted.err << posted.body;

  // The stream never ends by itself: curl stops it after 3 s (exit 28) with what arrived.
  CurlAnswer stream = curl({"--cacert", cert_.cert, "--no-buffer", "--max-time", "3", "-H", auth,
                            "-H", "Last-Event-ID: 0", https_url(*server, "/api/v1/stream")});
  EXPECT_EQ(stream.exit_status, 28) << stream.err;
  EXPECT_EQ(stream.status, 200u);
  EXPECT_EQ(stream.headers["content-type"], "text/event-stream; charset=utf-8");
  expect_security_headers(stream.headers, true, "stream");
  EXPECT_NE(stream.body.find("data:"), std::string::npos) << stream.body;
  EXPECT_NE(stream.body.find("TLS-SSE-1"), std::string::npos) << stream.body;

  // Live: a client listening over TLS receives a case created after it connected. The
  // server counts stream clients in /metrics: first the one above is gone, then this one is
  // there.
  auto stream_clients = [&] {
    return metric(curl({"--cacert", cert_.cert, https_url(*server, "/metrics")}).body,
                  "quanzu_stream_clients");
  };
  auto wait_until = [&](auto done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(6);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return true;
  };
  ASSERT_TRUE(wait_until([&] { return stream_clients() == 0; }));
  CurlAnswer live;
  std::thread listener([&] {
    live = curl({"--cacert", cert_.cert, "--no-buffer", "--max-time", "8", "-H", auth,
                 https_url(*server, "/api/v1/stream")});
  });
  const bool listening = wait_until([&] { return stream_clients() >= 1; });
  CurlAnswer second = curl(
      {"--cacert", cert_.cert, "-H", auth, "-H", "Content-Type: application/json", "--data-binary",
       sample_instruction("TLS-SSE-2", "13900139000"), https_url(*server, "/api/v1/instructions")});
  listener.join();
  ASSERT_TRUE(listening) << "the stream client never showed in /metrics";
  EXPECT_EQ(second.status, 200u) << second.err << second.body;
  EXPECT_EQ(live.status, 200u) << live.err;
  EXPECT_NE(live.body.find("TLS-SSE-2"), std::string::npos) << live.body;
}

TEST_F(TlsTest, ServeRefusesToStartWithABadCertificateOrKey) {
  auto serve = [&](const std::string& config) {
    return run_command({quanzu_binary(), "serve", "--listen", "127.0.0.1:0", "--data",
                        dir_ + "/data", "--config", config});
  };
  const std::string missing = dir_ + "/no-such-cert.pem";
  CommandResult r = serve(tls_config(dir_, {missing, cert_.key}));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("server.tls_cert \"" + missing + "\": cannot read"), std::string::npos)
      << r.err;

  const std::string garbage = write_file(dir_ + "/garbage.pem", "not a certificate\n");
  r = serve(tls_config(dir_, {garbage, cert_.key}));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("server.tls_cert \"" + garbage + "\": not a PEM certificate"),
            std::string::npos)
      << r.err;

  const Certificate other = make_certificate(dir_, "other");
  r = serve(tls_config(dir_, {cert_.cert, other.key}));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("server.tls_key \"" + other.key + "\" does not belong to the certificate"),
            std::string::npos)
      << r.err;

  r = serve(write_file(dir_ + "/half.toml", "[server]\ntls_cert = \"" + cert_.cert + "\"\n"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("server.tls_cert and server.tls_key go together"), std::string::npos)
      << r.err;
}

TEST_F(TlsTest, RateLimitAnswers429WithRetryAfter) {
  auto server = ServerProcess::start(
      quanzu_binary(), dir_ + "/data",
      {"--config", write_file(dir_ + "/limits.toml",
                              "[server]\nrate_limit_per_second = 1\nrate_limit_burst = 5\n")});
  HttpClient client(server->host(), server->port());
  int ok = 0;
  std::optional<HttpResponse> refused;
  for (int i = 0; i < 30 && !refused; ++i) {
    HttpResponse r = client.get("/api/v1/no-such-thing");
    if (r.status == 429)
      refused = r;
    else
      ++ok;
  }
  ASSERT_TRUE(refused) << "30 requests at a limit of 1/s with a burst of 5 were all let through";
  // The burst passes (plus perhaps a token refilled meanwhile), less the two requests the
  // harness made to log in when the server started.
  EXPECT_GE(ok, 3);
  EXPECT_LE(ok, 8);
  ASSERT_TRUE(refused->headers.count("retry-after"));
  const int retry_after = std::stoi(refused->headers["retry-after"]);
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 2);
  EXPECT_NE(refused->body.find("\"error\""), std::string::npos) << refused->body;
  expect_security_headers(refused->headers, false, "429");
  // The connection stays usable; /healthz is never limited.
  for (int i = 0; i < 20; ++i) ASSERT_EQ(client.get("/healthz").status, 200u) << i;

  // After the wait it asked for, the client gets through again and the refusal is counted.
  std::optional<HttpResponse> metrics;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    HttpResponse r = client.get("/metrics");
    if (r.status == 200) {
      metrics = r;
      break;
    }
    ASSERT_EQ(r.status, 429u);
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  ASSERT_TRUE(metrics) << "still refused after 10 s";
  EXPECT_GE(metric(metrics->body, "quanzu_http_refused_total{reason=\"rate_limit\"}"), 1)
      << metrics->body;
}

TEST_F(TlsTest, RateLimitOffOrDefaultLetsTheSameLoopThrough) {
  auto off = ServerProcess::start(
      quanzu_binary(), dir_ + "/data-off",
      {"--config", write_file(dir_ + "/off.toml", "[server]\nrate_limit_per_second = 0\n")});
  HttpClient client(off->host(), off->port());
  for (int i = 0; i < 500; ++i) ASSERT_NE(client.get("/api/v1/no-such-thing").status, 429u) << i;

  auto defaults = ServerProcess::start(quanzu_binary(), dir_ + "/data-default");
  HttpClient client2(defaults->host(), defaults->port());
  for (int i = 0; i < 30; ++i) ASSERT_NE(client2.get("/api/v1/no-such-thing").status, 429u) << i;
}

TEST_F(TlsTest, ConnectionsPerAddressAreCapped) {
  auto server = ServerProcess::start(
      quanzu_binary(), dir_ + "/data",
      {"--config",
       write_file(dir_ + "/conns.toml", "[server]\nmax_connections_per_address = 3\n")});
  std::vector<std::unique_ptr<HttpClient>> open;
  // The harness's own login connection, closed as start() returned, may still hold a slot
  // until the server has seen the close: retry a refused one for a moment.
  for (int i = 0; i < 3; ++i) {
    bool admitted = false;
    for (int attempt = 0; attempt < 50 && !admitted; ++attempt) {
      auto client = std::make_unique<HttpClient>(server->host(), server->port());
      try {
        admitted = client->get("/healthz").status == 200;
        if (admitted) open.push_back(std::move(client));
      } catch (const std::runtime_error&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    ASSERT_TRUE(admitted) << "connection " << i + 1 << " of 3 was refused";
  }
  {
    HttpClient fourth(server->host(), server->port());
    EXPECT_THROW(fourth.get("/healthz"), std::runtime_error);
  }
  // One goes away: its place is free again (the server notices the close asynchronously).
  open.pop_back();
  bool admitted = false;
  for (int i = 0; i < 50 && !admitted; ++i) {
    HttpClient again(server->host(), server->port());
    try {
      admitted = again.get("/healthz").status == 200;
    } catch (const std::runtime_error&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  EXPECT_TRUE(admitted);
  HttpResponse metrics = open.front()->get("/metrics");
  ASSERT_EQ(metrics.status, 200u);
  EXPECT_GE(metric(metrics.body, "quanzu_http_refused_total{reason=\"connection_limit\"}"), 1)
      << metrics.body;
}

}  // namespace
}  // namespace quanzu::testing
