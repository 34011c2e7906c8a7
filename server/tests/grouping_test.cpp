// Grouping: a table of realistic Chrome/Firefox/Safari error pairs that must group together, and
// pairs that must not. Prints both events' components when a row fails.
#include <gtest/gtest.h>

#include "common/json_writer.h"
#include "grouping/fingerprint.h"

namespace vigil {
namespace {

struct F {
  std::string url, fn;
  int line = 1, col = 1;
};

Event JsError(const std::string& type, const std::string& message, const std::vector<F>& frames,
              const std::string& kind = "js", const std::vector<std::string>& fingerprint = {}) {
  Event e;
  e.type = EventType::kError;
  e.name = kind;
  e.message = type.empty() ? message : type + ": " + message;
  e.path = "/cart";
  std::string data;
  JsonWriter w(&data);
  w.BeginObject();
  if (!type.empty()) w.Key("exception").BeginObject().Field("type", type).Field("value", message).EndObject();
  w.Key("frames").BeginArray();
  for (const auto& f : frames) {
    w.BeginObject().Field("url", f.url).Field("fn", f.fn).Field("line", f.line).Field("col", f.col).EndObject();
  }
  w.EndArray();
  if (!fingerprint.empty()) {
    w.Key("fingerprint").BeginArray();
    for (const auto& p : fingerprint) w.String(p);
    w.EndArray();
  }
  w.EndObject();
  e.data = data;
  return e;
}

Event Http(const std::string& method, const std::string& url, int status) {
  Event e;
  e.type = EventType::kError;
  e.name = "http";
  e.url = url;
  e.status = status;
  e.message = method + " " + url + " " + std::to_string(status);
  std::string data;
  JsonWriter w(&data);
  w.BeginObject().Field("method", method).EndObject();
  e.data = data;
  return e;
}

Event Resource(const std::string& url, const std::string& tag) {
  Event e;
  e.type = EventType::kError;
  e.name = "resource";
  e.url = "https://shop.example.com/";
  e.message = "Failed to load " + url;
  std::string data;
  JsonWriter w(&data);
  w.BeginObject().Field("resource_url", url).Field("tag", tag).EndObject();
  e.data = data;
  return e;
}

const std::string kApp = "https://shop.example.com/assets/app.3f2a1c9b.js";
const std::string kApp2 = "https://shop.example.com/assets/app.9e8d7c6b.js";
const std::string kVendor = "https://shop.example.com/assets/vendor.1a2b3c4d.js";

struct Pair {
  std::string name;
  Event a, b;
  bool same;
};

std::string Components(const GroupingResult& r) {
  std::string s;
  for (const auto& c : r.components) s += "[" + c + "] ";
  return s;
}

TEST(GroupingTest, RealisticPairs) {
  std::vector<F> chrome = {{kApp, "CartView.render", 1, 48211}, {kApp, "HTMLButtonElement.onClick", 1, 3302},
                           {kVendor, "commitRoot", 2, 10422}};
  std::vector<F> firefox = {{kApp, "render", 1, 48215}, {kApp, "onClick", 1, 3310}, {kVendor, "commitRoot", 2, 10400}};
  std::vector<F> safari = {{kApp, "render", 1, 48200}, {kApp, "onClick", 1, 3300}, {kVendor, "commitRoot", 2, 10430}};
  std::vector<F> next_deploy = {{kApp2, "CartView.render", 1, 50110}, {kApp2, "HTMLButtonElement.onClick", 1, 3410},
                                {kVendor, "commitRoot", 2, 10422}};
  std::vector<F> checkout = {{kApp, "CheckoutView.submit", 1, 9001}, {kApp, "HTMLButtonElement.onClick", 1, 3302}};
  std::vector<F> with_ext = {{"chrome-extension://abcdefghijklmnop/content.js", "inject", 1, 1},
                             {kApp, "CartView.render", 1, 48211}, {kApp, "HTMLButtonElement.onClick", 1, 3302},
                             {kVendor, "commitRoot", 2, 10422}};
  std::vector<F> cachebust1 = {{"https://shop.example.com/js/main.js?v=1700000000", "loadCart", 10, 5}};
  std::vector<F> cachebust2 = {{"https://shop.example.com/js/main.js?v=1700009999#x", "loadCart", 12, 5}};
  std::vector<F> cdn = {{"https://cdn.example.net/assets/app.3f2a1c9b.js", "CartView.render", 1, 48211},
                        {"https://cdn.example.net/assets/app.3f2a1c9b.js", "HTMLButtonElement.onClick", 1, 3302},
                        {"https://cdn.example.net/assets/vendor.1a2b3c4d.js", "commitRoot", 2, 10422}};
  std::vector<F> async_chrome = {{kApp, "async loadOrders", 3, 10}};
  std::vector<F> async_firefox = {{kApp, "loadOrders", 3, 12}};
  std::vector<F> gecko_closure = {{kApp, "setupCart/<", 5, 7}};
  std::vector<F> v8_closure = {{kApp, "setupCart", 5, 9}};
  std::vector<F> vite1 = {{"https://shop.example.com/assets/index-5KQZ3ABC.js", "mount", 1, 200}};
  std::vector<F> vite2 = {{"https://shop.example.com/assets/index-9XY7W2QP.js", "mount", 1, 230}};
  std::vector<F> anonymous = {{kApp, "", 1, 100}, {kApp, "<anonymous>", 1, 200}};

  const std::string chrome_msg = "Cannot read properties of undefined (reading 'price')";
  const std::string firefox_msg = "item is undefined";
  const std::string safari_msg = "undefined is not an object (evaluating 'item.price')";

  std::vector<Pair> pairs = {
      // --- must group together ---
      {"chrome vs firefox, same stack", JsError("TypeError", chrome_msg, chrome), JsError("TypeError", firefox_msg, firefox), true},
      {"chrome vs safari, same stack", JsError("TypeError", chrome_msg, chrome), JsError("TypeError", safari_msg, safari), true},
      {"firefox vs safari", JsError("TypeError", firefox_msg, firefox), JsError("TypeError", safari_msg, safari), true},
      {"new deploy: content hash and columns change", JsError("TypeError", chrome_msg, chrome), JsError("TypeError", chrome_msg, next_deploy), true},
      {"extension frame on top is ignored", JsError("TypeError", chrome_msg, chrome), JsError("TypeError", chrome_msg, with_ext), true},
      {"cache-busting query and line changes", JsError("Error", "cart failed", cachebust1), JsError("Error", "cart failed", cachebust2), true},
      {"same code served from a CDN host", JsError("TypeError", chrome_msg, chrome), JsError("TypeError", chrome_msg, cdn), true},
      {"async frame prefix (V8) vs plain (Gecko)", JsError("Error", "x", async_chrome), JsError("Error", "x", async_firefox), true},
      {"Gecko closure suffix", JsError("Error", "y", gecko_closure), JsError("Error", "y", v8_closure), true},
      {"Vite chunk hash changes", JsError("ReferenceError", "foo is not defined", vite1), JsError("ReferenceError", "foo is not defined", vite2), true},
      {"numbers in message", JsError("Error", "Failed to fetch user 123", {}), JsError("Error", "Failed to fetch user 98765", {}), true},
      {"UUID in message", JsError("Error", "Order 3f2a1c9b-1234-4abc-8def-0123456789ab not found", {}),
       JsError("Error", "Order 00000000-aaaa-4bbb-8ccc-ffffffffffff not found", {}), true},
      {"quoted names in message", JsError("Error", "Cannot find module 'lodash'", {}), JsError("Error", "Cannot find module 'react-dom'", {}), true},
      {"emails in message", JsError("ValidationError", "invalid address ann@example.com", {}),
       JsError("ValidationError", "invalid address bob.smith+x@mail.example.org", {}), true},
      {"URLs in message", JsError("Error", "Failed to load https://cdn.example.com/a.png?x=1", {}),
       JsError("Error", "Failed to load https://cdn.example.com/b/c.png", {}), true},
      {"hex addresses in message", JsError("Error", "bad handle 0x7ffe12ab", {}), JsError("Error", "bad handle 0x1234", {}), true},
      {"long hex ids in message", JsError("Error", "session 9f8e7d6c5b4a3928 expired", {}), JsError("Error", "session 0a1b2c3d4e5f6071 expired", {}), true},
      {"non-Error rejection with durations", JsError("", "timeout after 5000ms", {}, "promise"), JsError("", "timeout after 300ms", {}, "promise"), true},
      {"anonymous frames fall back to the message", JsError("Error", "boom 1", anonymous), JsError("Error", "boom 2", {}), true},
      {"HTTP ids in path, both 5xx", Http("GET", "https://api.example.com/v1/users/42/orders", 500), Http("GET", "https://api.example.com/v1/users/7/orders", 503), true},
      {"HTTP query string ignored", Http("GET", "https://api.example.com/search?q=shoes", 502), Http("GET", "https://api.example.com/search?q=hats&page=2", 500), true},
      {"HTTP UUID and hash segments", Http("DELETE", "https://api.example.com/carts/3f2a1c9b-1234-4abc-8def-0123456789ab", 404),
       Http("DELETE", "https://api.example.com/carts/00000000-aaaa-4bbb-8ccc-ffffffffffff", 410), true},
      {"resource content hash", Resource("https://shop.example.com/img/hero.3f2a1c9b.png", "img"), Resource("https://shop.example.com/img/hero.aa11bb22.png", "img"), true},
      {"resource query", Resource("https://shop.example.com/js/widget.js?v=1", "script"), Resource("https://shop.example.com/js/widget.js?v=2", "script"), true},
      {"SDK fingerprint overrides different stacks", JsError("Error", "a", chrome, "js", {"payment-failure"}),
       JsError("TypeError", "b", checkout, "js", {"payment-failure"}), true},
      // --- must stay apart ---
      {"same message, different type", JsError("TypeError", "x is bad", {}), JsError("RangeError", "x is bad", {}), false},
      {"different in-app top frame", JsError("TypeError", chrome_msg, chrome), JsError("TypeError", chrome_msg, checkout), false},
      {"different messages without stacks", JsError("Error", "Network request failed", {}), JsError("Error", "Script load timeout", {}), false},
      {"HTTP 4xx vs 5xx", Http("GET", "https://api.example.com/v1/users/42", 404), Http("GET", "https://api.example.com/v1/users/42", 500), false},
      {"HTTP GET vs POST", Http("GET", "https://api.example.com/v1/cart", 500), Http("POST", "https://api.example.com/v1/cart", 500), false},
      {"HTTP different endpoints", Http("GET", "https://api.example.com/v1/users/1", 500), Http("GET", "https://api.example.com/v1/orders/1", 500), false},
      {"HTTP different hosts", Http("GET", "https://api.a.com/v1/x", 500), Http("GET", "https://api.b.com/v1/x", 500), false},
      {"HTTP network error vs 500", Http("GET", "https://api.example.com/v1/x", 0), Http("GET", "https://api.example.com/v1/x", 500), false},
      {"different resources", Resource("https://shop.example.com/img/hero.png", "img"), Resource("https://shop.example.com/img/logo.png", "img"), false},
      {"script vs image with same path", Resource("https://shop.example.com/a/x", "script"), Resource("https://shop.example.com/a/x", "img"), false},
      {"different SDK fingerprints, same stack", JsError("TypeError", chrome_msg, chrome, "js", {"tenant-a"}),
       JsError("TypeError", chrome_msg, chrome, "js", {"tenant-b"}), false},
      {"{{ default }} plus tenant", JsError("TypeError", chrome_msg, chrome, "js", {"{{ default }}", "tenant-a"}),
       JsError("TypeError", chrome_msg, chrome, "js", {"{{ default }}", "tenant-b"}), false},
      {"console vs js with the same text", JsError("", "payment widget failed", {}, "console"), JsError("", "payment widget failed", {}, "js"), false},
      {"words differ around a number", JsError("Error", "retry 3 failed", {}), JsError("Error", "retry 3 succeeded", {}), false},
  };
  ASSERT_GE(pairs.size(), 30u);
  int failures = 0;
  for (const auto& p : pairs) {
    GroupingResult a = ComputeFingerprint(p.a), b = ComputeFingerprint(p.b);
    ASSERT_EQ(a.fingerprint.size(), 32u);
    bool same = a.fingerprint == b.fingerprint;
    if (same != p.same) ++failures;
    EXPECT_EQ(same, p.same) << p.name << "\n  a: " << Components(a) << "\n  b: " << Components(b);
  }
  printf("[grouping] %zu pairs, %d wrong\n", pairs.size(), failures);
}

TEST(GroupingTest, TitlesAndCulprits) {
  auto r = ComputeFingerprint(JsError("TypeError", "Cannot read properties of undefined (reading 'price')",
                                      {{kApp, "CartView.render"}, {kApp, "onClick"}}));
  EXPECT_EQ(r.title, "TypeError: Cannot read properties of undefined (reading 'price')");
  EXPECT_EQ(r.culprit, "render (/assets/app.js)");
  auto h = ComputeFingerprint(Http("POST", "https://api.example.com/v1/users/42/orders?x=1", 503));
  EXPECT_EQ(h.title, "HTTP 5xx: POST api.example.com/v1/users/:id/orders");
  auto n = ComputeFingerprint(Http("GET", "https://api.example.com/ping", 0));
  EXPECT_EQ(n.title, "Network error: GET api.example.com/ping");
  auto res = ComputeFingerprint(Resource("https://shop.example.com/img/hero.3f2a1c9b.png", "img"));
  EXPECT_EQ(res.title, "Failed to load <img> /img/hero.png");
  auto p = ComputeFingerprint(JsError("", "timeout", {}, "promise"));
  EXPECT_EQ(p.title, "Unhandled rejection: timeout");
  // Deterministic.
  EXPECT_EQ(ComputeFingerprint(JsError("E", "m", {})).fingerprint, ComputeFingerprint(JsError("E", "m", {})).fingerprint);
}

TEST(GroupingTest, Normalizers) {
  std::pair<std::string, std::string> files[] = {
      {"https://x.com/assets/app.3f2a1c9b.js", "/assets/app.js"},
      {"https://x.com/assets/app.3f2a1c9b.min.js?v=3#l", "/assets/app.min.js"},
      {"https://x.com/static/js/main.8e2f4a1b.chunk.js", "/static/js/main.chunk.js"},
      {"https://x.com/assets/index-5KQZ3ABC.js", "/assets/index.js"},
      {"https://x.com/_next/static/9f8e7d6c5b4a/pages/cart.js", "/_next/static/:hash/pages/cart.js"},
      {"https://x.com/js/app.js", "/js/app.js"},
      {"https://x.com/js/date-fns.js", "/js/date-fns.js"},
  };
  for (const auto& [in, out] : files) EXPECT_EQ(NormalizeFrameFile(in), out) << in;
  std::pair<std::string, std::string> fns[] = {
      {"Object.onClick", "onClick"}, {"HTMLButtonElement.onClick", "onClick"}, {"async loadCart", "loadCart"},
      {"setup/<", "setup"},          {"outer/inner<", "outer"},               {"Foo.bar [as baz]", "bar"},
      {"<anonymous>", ""},           {"global code", ""},                     {"new Widget", "Widget"},
  };
  for (const auto& [in, out] : fns) EXPECT_EQ(NormalizeFunction(in), out) << in;
  std::pair<std::string, std::string> msgs[] = {
      {"user 42 not found", "user <num> not found"},
      {"Cannot find module 'x'", "Cannot find module '<str>'"},
      {"mail a@b.co failed", "mail <email> failed"},
      {"GET https://a.b/c?d=1 failed", "GET <url> failed"},
      {"ip 10.0.0.1 blocked", "ip <ip> blocked"},
      {"ptr 0xdeadbeef", "ptr <hex>"},
      {"took 1500ms", "took <num>ms"},
  };
  for (const auto& [in, out] : msgs) EXPECT_EQ(ParameterizeMessage(in), out) << in;
}

}  // namespace
}  // namespace vigil
