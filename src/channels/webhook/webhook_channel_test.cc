#include "channels/webhook/webhook_channel.h"

#include <sodium.h>

#include <future>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

namespace quanzu::channels {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// A one-request HTTP receiver on 127.0.0.1, port 0, answering `status`.
class Receiver {
 public:
  explicit Receiver(unsigned status) : acceptor_(io_, {net::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this, status] {
      tcp::socket socket(io_);
      acceptor_.accept(socket);
      beast::flat_buffer buffer;
      http::request<http::string_body> req;
      http::read(socket, buffer, req);
      http::response<http::string_body> res{static_cast<http::status>(status), 11};
      res.body() = "{}";
      res.prepare_payload();
      http::write(socket, res);
      request_.set_value(std::move(req));
    });
  }
  ~Receiver() { thread_.join(); }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  http::request<http::string_body> request() { return request_.get_future().get(); }

 private:
  net::io_context io_;
  tcp::acceptor acceptor_;
  std::promise<http::request<http::string_body>> request_;
  std::thread thread_;
};

store::OutboxEntry entry() {
  store::OutboxEntry e;
  e.id = 42;
  e.case_id = "C-1";
  e.channel = "handoff";
  e.payload = R"({"type":"handoff","case_id":"C-1"})";
  return e;
}

TEST(Webhook, PostsTheSignedPayloadWithAnIdempotencyKey) {
  Receiver receiver(200);
  ManualClock clock(1701224760000);
  auto channel = WebhookChannel::create({"http://127.0.0.1:" + std::to_string(receiver.port()) + "/handoff", "s3cret"}, clock);
  ASSERT_TRUE(channel.has_value()) << channel.error().message;
  auto sent = (*channel)->deliver(entry());
  ASSERT_TRUE(sent.has_value()) << sent.error().message;
  auto req = receiver.request();
  EXPECT_EQ(req.target(), "/handoff");
  EXPECT_EQ(req.body(), entry().payload);
  EXPECT_EQ(req["Idempotency-Key"], "quanzu-outbox-42");
  EXPECT_EQ(req["X-Quanzu-Timestamp"], "1701224760000");
  // The receiver's check: HMAC-SHA256 over "timestamp.body" with the shared secret.
  EXPECT_EQ(req["X-Quanzu-Signature"], webhook_signature("s3cret", 1701224760000, entry().payload));
  EXPECT_NE(req["X-Quanzu-Signature"], webhook_signature("other", 1701224760000, entry().payload));
  EXPECT_EQ(req["X-Quanzu-Signature"].size(), 7u + 64u);
}

TEST(Webhook, RefusalAndUnreachableAreFailures) {
  {
    Receiver receiver(500);
    ManualClock clock(1);
    auto channel = WebhookChannel::create({"http://127.0.0.1:" + std::to_string(receiver.port()), "k"}, clock);
    ASSERT_TRUE(channel.has_value());
    auto sent = (*channel)->deliver(entry());
    ASSERT_FALSE(sent.has_value());
    EXPECT_NE(sent.error().message.find("500"), std::string::npos);
    receiver.request();
  }
  // A port with nothing behind it.
  net::io_context io;
  tcp::acceptor probe(io, {net::ip::make_address("127.0.0.1"), 0});
  const auto port = probe.local_endpoint().port();
  probe.close();
  ManualClock clock(1);
  auto channel = WebhookChannel::create({"http://127.0.0.1:" + std::to_string(port) + "/x", "k", 2000}, clock);
  ASSERT_TRUE(channel.has_value());
  EXPECT_FALSE((*channel)->deliver(entry()).has_value());
}

TEST(Webhook, BadConfigurationIsRefusedWithTheReason) {
  ManualClock clock(1);
  auto https = WebhookChannel::create({"https://bank.example/x", "k"}, clock);
  ASSERT_FALSE(https.has_value());
  EXPECT_NE(https.error().message.find("http://"), std::string::npos);
  EXPECT_FALSE(WebhookChannel::create({"http://host:port/x", "k"}, clock).has_value());
  auto no_secret = WebhookChannel::create({"http://127.0.0.1:9/x", ""}, clock);
  ASSERT_FALSE(no_secret.has_value());
  EXPECT_NE(no_secret.error().message.find("secret"), std::string::npos);
}

}  // namespace
}  // namespace quanzu::channels
