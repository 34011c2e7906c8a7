// Plain request/response types shared by handlers. They carry no Boost types, so handlers and
// their tests compile without Beast (only http/server.cpp includes it).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil {

struct HttpRequest {
  std::string method;  // "GET", "POST", …
  std::string target;  // as received: path plus optional query
  std::string path;    // percent-decoded path without the query
  std::string query;   // raw query string without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::string body;
  std::string peer_ip;  // socket peer address
  int64_t start_ns = 0;  // monotonic time the request was fully read

  // First header with this lowercase name, or empty.
  std::string_view Header(std::string_view lower_name) const;
  // Percent-decoded value of a query parameter, or empty when absent.
  std::string QueryParam(std::string_view name) const;
  bool HasQueryParam(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type;  // empty: no Content-Type (e.g. 204)
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool close = false;  // close the connection after sending

  void AddHeader(std::string name, std::string value) { headers.emplace_back(std::move(name), std::move(value)); }
};

// Handlers answer asynchronously: `respond` may be called later, from any thread, exactly once.
using Responder = std::function<void(HttpResponse)>;

// A JSON error body {"error": code, "detail": detail}.
HttpResponse JsonError(int status, std::string_view code, std::string_view detail);
HttpResponse JsonOk(int status, std::string body);

// Percent-decoding ('+' is a space in queries only). Invalid escapes are kept verbatim.
std::string PercentDecode(std::string_view s, bool plus_is_space);

}  // namespace vigil
