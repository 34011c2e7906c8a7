#include "http/server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <pthread.h>

#include <atomic>
#include <ctime>
#include <optional>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/log.h"

namespace vigil {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

std::string HttpDate(int64_t unix_seconds) {
  time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[40];
  size_t n = strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

namespace {

std::string ReasonFor(int status) { return std::string(http::obsolete_reason(static_cast<http::status>(status))); }

class Session : public std::enable_shared_from_this<Session> {
 public:
  static constexpr size_t kReadBufferBytes = 32 * 1024;

  Session(tcp::socket socket, const Router* router, const HttpServerOptions* opt, std::atomic<int64_t>* in_flight,
          std::atomic<bool>* stopping)
      : stream_(std::move(socket)), router_(router), opt_(opt), in_flight_(in_flight), stopping_(stopping) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      auto addr = ep.address();
      if (addr.is_v6() && addr.to_v6().is_v4_mapped()) addr = net::ip::make_address_v4(net::ip::v4_mapped, addr.to_v6());
      peer_ip_ = addr.to_string();
    }
  }

  void Start() {
    // Beast reads at most the buffer's free capacity per recv and grows it slowly; without this a
    // 10 KB batch arrives in about twenty 512-byte reads.
    buffer_.reserve(kReadBufferBytes);
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::Read, shared_from_this()));
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(opt_->max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(opt_->max_header_bytes));
    stream_.expires_after(opt_->read_timeout);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == net::error::eof || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset) {
      return Close();
    }
    if (ec) {
      HttpResponse r;
      if (ec == http::error::body_limit) {
        r = JsonError(413, "body_too_large",
                      "request body exceeds " + std::to_string(opt_->max_body_bytes) + " bytes");
      } else if (ec == http::error::header_limit) {
        r = JsonError(431, "headers_too_large", "request headers exceed the limit");
      } else {
        r = JsonError(400, "bad_request", ec.message());
      }
      r.close = true;
      route_.clear();
      start_ns_ = MonoNs();
      in_flight_->fetch_add(1);
      return Write(std::move(r), 11);
    }
    auto& msg = parser_->get();
    HttpRequest req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    size_t q = req.target.find('?');
    req.path = PercentDecode(std::string_view(req.target).substr(0, q), false);
    if (q != std::string::npos) req.query = req.target.substr(q + 1);
    req.headers.reserve(16);
    for (const auto& f : msg) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    req.body = std::move(msg.body());
    req.peer_ip = peer_ip_;
    req.start_ns = start_ns_ = MonoNs();
    keep_alive_ = msg.keep_alive() && !stopping_->load();
    version_ = msg.version();
    in_flight_->fetch_add(1);

    RouteParams params;
    bool path_matched = false;
    route_.clear();
    const Handler* h = router_->Match(req.method, req.path, &params, &route_, &path_matched);
    if (!h && !path_matched && router_->fallback()) {
      h = router_->fallback();
      route_ = "static";
    }
    if (!h) {
      HttpResponse r = path_matched ? JsonError(405, "method_not_allowed", req.method + " is not allowed here")
                                    : JsonError(404, "not_found", "no route for " + req.path);
      return Write(std::move(r), version_);
    }
    auto self = shared_from_this();
    (*h)(req, params, [self](HttpResponse r) {
      net::post(self->stream_.get_executor(), [self, r = std::move(r)]() mutable { self->Write(std::move(r), self->version_); });
    });
  }

  void Write(HttpResponse r, unsigned version) {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(version);
    res->result(static_cast<unsigned>(r.status));
    res->reason(ReasonFor(r.status));
    int64_t now_ms = NowMs();
    res->set(http::field::server, "vigil");
    res->set(http::field::date, HttpDate(now_ms / 1000));
    double dur_ms = (MonoNs() - start_ns_) / 1e6;
    char timing[96];
    snprintf(timing, sizeof timing, "vigil;desc=\"%lld\", total;dur=%.2f", static_cast<long long>(now_ms), dur_ms);
    res->set("Server-Timing", timing);
    if (!r.content_type.empty()) res->set(http::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res->insert(k, v);
    res->body() = std::move(r.body);
    bool close = r.close || !keep_alive_ || stopping_->load();
    res->keep_alive(!close);
    res->prepare_payload();
    // RFC 9110 §8.6: no Content-Length on 204 (and the body is empty anyway).
    if (r.status == 204) res->erase(http::field::content_length);
    if (opt_->on_response) opt_->on_response(route_, r.status);
    in_flight_->fetch_sub(1);
    stream_.expires_after(opt_->read_timeout);
    http::async_write(stream_, *res, [self = shared_from_this(), res, close](beast::error_code ec, std::size_t) {
      if (ec || close) return self->Close();
      self->Read();
    });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  const Router* router_;
  const HttpServerOptions* opt_;
  std::atomic<int64_t>* in_flight_;
  std::atomic<bool>* stopping_;
  std::string peer_ip_;
  std::string route_;
  int64_t start_ns_ = 0;
  bool keep_alive_ = true;
  unsigned version_ = 11;
};

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions opt;
  const Router* router;
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::atomic<int64_t> in_flight{0};
  std::atomic<bool> stopping{false};
  uint16_t port = 0;

  Impl(HttpServerOptions o, const Router* r) : opt(std::move(o)), router(r), ioc(o.threads) {}

  void Accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted || stopping) return;
        LogWarn("accept failed", {{"error", ec.message()}});
      } else {
        socket.set_option(tcp::no_delay(true), ec);
        std::make_shared<Session>(std::move(socket), router, &opt, &in_flight, &stopping)->Start();
      }
      if (!stopping) Accept();
    });
  }
};

HttpServer::HttpServer(HttpServerOptions options, const Router* router)
    : impl_(std::make_unique<Impl>(std::move(options), router)) {}

HttpServer::~HttpServer() = default;

Status HttpServer::Start() {
  beast::error_code ec;
  auto addr = net::ip::make_address(impl_->opt.host, ec);
  if (ec) return Status::Error("bad_listen_address", impl_->opt.host + ": " + ec.message());
  tcp::endpoint ep(addr, impl_->opt.port);
  auto& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Status::Error("listen_failed", impl_->opt.host + ":" + std::to_string(impl_->opt.port) + ": " + ec.message());
  impl_->port = a.local_endpoint().port();
  impl_->Accept();
  return Status::Ok();
}

uint16_t HttpServer::port() const { return impl_->port; }

void HttpServer::Run() {
  int n = std::max(1, impl_->opt.threads);
  std::vector<std::thread> threads;
  for (int i = 1; i < n; ++i) {
    threads.emplace_back([this] {
      pthread_setname_np(pthread_self(), "vigil-io");
      impl_->ioc.run();
    });
  }
  impl_->ioc.run();
  for (auto& t : threads) t.join();
}

void HttpServer::Stop(std::chrono::milliseconds drain) {
  impl_->stopping = true;
  net::post(impl_->ioc, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
  });
  auto deadline = std::chrono::steady_clock::now() + drain;
  while (impl_->in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (impl_->in_flight.load() > 0) LogWarn("stopping with requests in flight", {{"requests", impl_->in_flight.load()}});
  // Give the last responses a moment to be written before the loops stop.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  impl_->ioc.stop();
}

int64_t HttpServer::InFlight() const { return impl_->in_flight.load(); }

}  // namespace vigil
