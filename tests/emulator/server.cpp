#include "server.hpp"

#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <openssl/ssl.h>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>

namespace eckid::emulator {
namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using namespace std::chrono_literals;

ssl::context make_tls_context(const Options &options) {
  ssl::context tls{ssl::context::tls_server};
  tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                  ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
  tls.use_certificate_chain_file(options.cert_file);
  tls.use_private_key_file(options.key_file, ssl::context::pem);
  tls.load_verify_file(options.ca_file);
  if (auto *names = SSL_load_client_CA_file(options.ca_file.c_str())) {
    SSL_CTX_set_client_CA_list(tls.native_handle(), names);  // takes ownership
  }
  tls.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  return tls;
}

// One TLS connection: handshake, then requests until the client or a timeout ends it.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket &&socket, ssl::context &tls, Context &context)
      : stream_(std::move(socket), tls), timer_(stream_.get_executor()), context_(context) {}

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      beast::get_lowest_layer(self->stream_).expires_after(30s);
      self->stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
        if (!ec) {
          self->read();
        }
      });
    });
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(context_.options.body_limit);
    beast::get_lowest_layer(stream_).expires_after(60s);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream) {
      return shut_down();
    }
    if (ec == http::error::body_limit) {
      context_.log.write("", "", "http413");
      reply_ = Reply{};
      reply_->response = plain_reply(http::status::payload_too_large, 11, "body too large");
      reply_->response.keep_alive(false);
      reply_->response.prepare_payload();
      return write();
    }
    if (ec) {
      return;  // timeout, reset or garbage: the connection simply ends
    }
    reply_ = answer(context_, parser_->get());
    const auto &faults = context_.options.faults;
    const auto delay = std::chrono::milliseconds(
        faults.latency_ms +
        (faults.latency_random_ms > 0 ? context_.random.up_to(faults.latency_random_ms) : 0u));
    if (delay.count() == 0) {
      return respond();
    }
    timer_.expires_after(delay);
    timer_.async_wait([self = shared_from_this()](beast::error_code) { self->respond(); });
  }

  void respond() {
    if (reply_->drop) {
      beast::error_code ignored;
      beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
      beast::get_lowest_layer(stream_).close();
      return;
    }
    write();
  }

  void write() {
    beast::get_lowest_layer(stream_).expires_after(30s);
    http::async_write(stream_, reply_->response,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) {
                          return;
                        }
                        if (self->reply_->response.need_eof()) {
                          return self->shut_down();
                        }
                        self->read();
                      });
  }

  void shut_down() {
    beast::get_lowest_layer(stream_).expires_after(5s);
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
  }

  beast::ssl_stream<beast::tcp_stream> stream_;
  net::steady_timer timer_;
  Context &context_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<Reply> reply_;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context &io, ssl::context &tls, Context &context, tcp::endpoint endpoint)
      : io_(io), tls_(tls), context_(context), acceptor_(net::make_strand(io)) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  void accept() {
    acceptor_.async_accept(net::make_strand(io_), [self = shared_from_this()](beast::error_code ec,
                                                                              tcp::socket socket) {
      if (!ec) {
        std::make_shared<Session>(std::move(socket), self->tls_, self->context_)->start();
      }
      if (self->acceptor_.is_open()) {
        self->accept();
      }
    });
  }

 private:
  net::io_context &io_;
  ssl::context &tls_;
  Context &context_;
  tcp::acceptor acceptor_;
};

}  // namespace

void serve(Context &context) {
  const auto &options = context.options;
  net::io_context io{static_cast<int>(options.threads)};
  auto tls = make_tls_context(options);
  auto listener = std::make_shared<Listener>(
      io, tls, context, tcp::endpoint{net::ip::make_address_v4("127.0.0.1"), options.port});
  listener->accept();

  net::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](beast::error_code, int) { io.stop(); });

  std::cout << "nv-emulator listening on https://127.0.0.1:" << listener->port() << kEndpointPath
            << std::endl;

  std::vector<std::thread> threads;
  for (unsigned i = 1; i < options.threads; ++i) {
    threads.emplace_back([&io] { io.run(); });
  }
  io.run();
  for (auto &thread : threads) {
    thread.join();
  }
}

}  // namespace eckid::emulator
