// HttpServer: HTTP/1.1 server on Boost.Beast/Asio with keep-alive and pipelining (requests on one
// connection are answered in order), header and body limits, and a per-request read deadline
// against slow clients. This header hides Beast: only server.cpp includes it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "http/router.h"

namespace vigil {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0: pick a free port (see HttpServer::port())
  int threads = 2;
  size_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 16 << 10;
  std::chrono::seconds read_timeout{30};  // a request must arrive whole within this; also the idle limit
  // Called after each response with the matched route pattern ("" when none), method and status.
  std::function<void(const std::string& route, int status)> on_response;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, const Router* router);
  ~HttpServer();

  // Binds and listens. Fails with a clear Status (e.g. address in use).
  Status Start();
  uint16_t port() const;
  // Runs the I/O threads; returns after Stop() completes.
  void Run();
  // Stops accepting, lets in-flight requests finish (up to `drain`), then stops the I/O threads.
  // Safe to call from any thread, including a signal-handling thread.
  void Stop(std::chrono::milliseconds drain);
  int64_t InFlight() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The value of an HTTP Date header for `unix_seconds` (RFC 9110 IMF-fixdate).
std::string HttpDate(int64_t unix_seconds);

}  // namespace vigil
