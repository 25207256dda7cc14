#include "app/config.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "app/platform.h"

namespace quanzu::app {
namespace {

std::string write_temp(const std::string& text) {
  static int n = 0;
  std::string path = "/tmp/quanzu-config-test-" + std::to_string(getpid()) + "-" + std::to_string(n++) + ".toml";
  std::ofstream(path) << text;
  return path;
}

TEST(Config, DefaultsAreSane) {
  Config c;
  EXPECT_EQ(c.listen_address, "127.0.0.1");
  EXPECT_EQ(c.listen_port, 8080);
  EXPECT_EQ(c.data_dir, "./quanzu-data");
}

TEST(Config, FileOverridesDefaults) {
  Config c;
  auto r = load_config_file(write_temp("[server]\nlisten = \"0.0.0.0:9090\"\nthreads = 4\n"
                                       "[store]\ndata_dir = \"/var/lib/quanzu\"\n"
                                       "key_file = \"/etc/quanzu/store.keys\"\n"
                                       "[demo]\nrate_per_minute = 120.5\nmalformed = false\n"),
                            c);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(c.listen_address, "0.0.0.0");
  EXPECT_EQ(c.listen_port, 9090);
  EXPECT_EQ(c.threads, 4);
  EXPECT_EQ(c.data_dir, "/var/lib/quanzu");
  EXPECT_EQ(c.store_key_file, "/etc/quanzu/store.keys");
  EXPECT_DOUBLE_EQ(c.demo_rate_per_minute, 120.5);
  EXPECT_FALSE(c.demo_malformed);
}

TEST(Config, ConsoleFolderDefaultsToTheShippedWebFolder) {
  Config c;
  EXPECT_TRUE(c.console_dir.empty());
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(default_console_dir()) / "app" / "index.html"))
      << default_console_dir();
  auto r = load_config_file(write_temp("[console]\ndir = \"/srv/quanzu-web\"\n"), c);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(c.console_dir, "/srv/quanzu-web");
  auto bad = load_config_file(write_temp("[console]\nfolder = \"x\"\n"), c);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("folder"), std::string::npos);
}

TEST(Config, ErrorsNameFileLineAndKey) {
  Config c;
  const std::string path = write_temp("[server]\nthreads = \"many\"\nlistne = \"x\"\n[stor]\n");
  auto r = load_config_file(path, c);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find(path + ":2: server.threads must be an integer"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find(path + ":3: unknown key server.listne"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("unknown section [stor]"), std::string::npos) << r.error().message;
}

TEST(Config, ServerTlsAndLimits) {
  Config c;
  EXPECT_EQ(c.rate_limit_per_second, 200);
  EXPECT_EQ(c.rate_limit_burst, 400);
  EXPECT_EQ(c.max_connections_per_address, 256);
  EXPECT_EQ(c.tls_min_version, "1.2");
  auto r = load_config_file(
      write_temp("[server]\ntls_cert = \"/etc/q/cert.pem\"\ntls_key = \"/etc/q/key.pem\"\n"
                 "tls_min_version = \"1.3\"\nrate_limit_per_second = 0\n"
                 "rate_limit_burst = 5\nmax_connections_per_address = 8\n"),
      c);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(c.tls_cert, "/etc/q/cert.pem");
  EXPECT_EQ(c.tls_key, "/etc/q/key.pem");
  EXPECT_EQ(c.tls_min_version, "1.3");
  EXPECT_EQ(c.rate_limit_per_second, 0);
  EXPECT_EQ(c.rate_limit_burst, 5);
  EXPECT_EQ(c.max_connections_per_address, 8);
}

TEST(Config, ServerTlsErrorsNameTheKey) {
  Config c;
  const std::string path = write_temp(
      "[server]\ntls_cert = \"/etc/q/cert.pem\"\ntls_min_version = \"1.1\"\n"
      "rate_limit_burst = 0\n");
  auto r = load_config_file(path, c);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("server.tls_cert and server.tls_key go together"),
            std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find(path + ":3: server.tls_min_version must be \"1.2\" or \"1.3\""),
            std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find(path + ":4: server.rate_limit_burst must be an integer from 1"),
            std::string::npos)
      << r.error().message;
}

TEST(Config, HandlingAndBankSettings) {
  Config c;
  auto r = load_config_file(write_temp("[handling]\nplans = \"/etc/quanzu/plans.toml\"\n"
                                       "[bank]\nwebhook_url = \"http://127.0.0.1:9001/sp\"\n"
                                       "secret_file = \"/etc/quanzu/bank.secret\"\n"),
                            c);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(c.plans_file, "/etc/quanzu/plans.toml");
  EXPECT_EQ(c.bank_webhook_url, "http://127.0.0.1:9001/sp");
  EXPECT_EQ(c.bank_secret_file, "/etc/quanzu/bank.secret");
  Config d;
  const std::string path = write_temp("[bank]\nwebhook_url = \"http://127.0.0.1:9001/sp\"\n");
  r = load_config_file(path, d);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("bank.webhook_url needs bank.secret_file"), std::string::npos)
      << r.error().message;
}

TEST(Config, MessageTemplatesPerScamType) {
  Config c;
  auto r = load_config_file(write_temp("[sms.templates]\ndefault = \"A {station}\"\nromance = \"B\"\n"
                                       "[voice.templates]\nprize = \"C\"\n"),
                            c);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(c.sms_templates.at("default"), "A {station}");
  EXPECT_EQ(c.sms_templates.at("romance"), "B");
  EXPECT_EQ(c.voice_templates.at("prize"), "C");
  Config d;
  const std::string path = write_temp("[sms.templates]\nlottery = \"x\"\nprize = 3\n");
  r = load_config_file(path, d);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find(path + ":2: sms.templates.lottery: not a scam type"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find(path + ":3: sms.templates.prize must be a non-empty string"), std::string::npos)
      << r.error().message;
}

TEST(Config, ShippedPlansAreValid) {
  Config c;
  auto plans = load_plans(c);
  ASSERT_TRUE(plans.has_value()) << plans.error().message;
  EXPECT_EQ(plans->of(instruction::Level::kExtreme).door_arrival_target, 20 * 60 * 1000);
  c.plans_file = write_temp("[extreme]\nfirst = [\"fax\"]\n");
  plans = load_plans(c);
  ASSERT_FALSE(plans.has_value());
  EXPECT_NE(plans.error().message.find(c.plans_file + ":2"), std::string::npos) << plans.error().message;
}

TEST(Config, SyntaxErrorNamesTheLine) {
  Config c;
  const std::string path = write_temp("[server]\nlisten = \n");
  auto r = load_config_file(path, c);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find(path + ":2"), std::string::npos) << r.error().message;
}

TEST(Config, ListenMustBeAddressAndPort) {
  Config c;
  EXPECT_TRUE(parse_listen("127.0.0.1:0", c).has_value());
  EXPECT_EQ(c.listen_port, 0);
  EXPECT_TRUE(parse_listen("[::1]:8081", c).has_value());
  EXPECT_EQ(c.listen_address, "::1");
  EXPECT_FALSE(parse_listen("8080", c).has_value());
  EXPECT_FALSE(parse_listen("127.0.0.1:99999", c).has_value());
  EXPECT_FALSE(parse_listen("127.0.0.1:http", c).has_value());
}

}  // namespace
}  // namespace quanzu::app
