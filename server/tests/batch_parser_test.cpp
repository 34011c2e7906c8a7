// BatchParser: the protocol's validation rules, table-driven. Each row prints its input on failure.
#include "ingest/batch_parser.h"

#include <gtest/gtest.h>

#include "common/clock.h"
#include "ingest/gzip.h"

namespace vigil {
namespace {

constexpr int64_t kNow = 1795400000000;  // a fixed "server time" for the table

std::string Batch(const std::string& events, const std::string& extra = "") {
  return "{" + extra + "\"events\":[" + events + "]}";
}
std::string Ev(const std::string& fields) { return "{\"ts\":" + std::to_string(kNow) + "," + fields + "}"; }

struct BatchCase {
  std::string name;
  std::string body;
  std::string error;  // expected whole-batch error code, "" when the batch is well formed
  int http = 0;
};

TEST(BatchParserTest, WholeBatchErrors) {
  std::string deep = "{\"type\":\"custom\",\"name\":\"x\",\"ts\":" + std::to_string(kNow) + ",\"data\":{\"a\":";
  for (int i = 0; i < 40; ++i) deep += "[";
  for (int i = 0; i < 40; ++i) deep += "]";
  deep += "}}";
  std::string many;
  for (int i = 0; i < 1001; ++i) many += std::string(i ? "," : "") + Ev("\"type\":\"custom\",\"name\":\"x\"");
  const std::vector<BatchCase> cases = {
      {"empty body", "", "empty_body", 400},
      {"whitespace only", "  \n ", "empty_body", 400},
      {"not JSON", "hello", "invalid_json", 400},
      {"truncated JSON", "{\"events\":[{\"type\":\"custom\"", "invalid_json", 400},
      {"invalid UTF-8", "{\"events\":[{\"type\":\"custom\",\"name\":\"\xff\xfe\",\"ts\":1}]}", "invalid_utf8", 400},
      {"array root", "[1,2]", "not_an_object", 400},
      {"string root", "\"x\"", "not_an_object", 400},
      {"no events", "{\"context\":{}}", "missing_events", 400},
      {"empty events", "{\"events\":[]}", "missing_events", 400},
      {"events not array", "{\"events\":{}}", "invalid_field", 400},
      {"context not object", Batch(Ev("\"type\":\"custom\",\"name\":\"x\""), "\"context\":[],"), "invalid_field", 400},
      {"context.release not string", Batch(Ev("\"type\":\"custom\",\"name\":\"x\""), "\"context\":{\"release\":1},"),
       "invalid_field", 400},
      {"sdk not object", Batch(Ev("\"type\":\"custom\",\"name\":\"x\""), "\"sdk\":\"x\","), "invalid_field", 400},
      {"too many events", Batch(many), "too_many_events", 413},
      {"deep nesting", Batch(deep), "too_deep", 400},
  };
  BatchParser parser;
  for (const auto& c : cases) {
    auto r = parser.Parse(c.body, 1, kNow);
    ASSERT_FALSE(r.ok()) << c.name << ": accepted " << c.body.substr(0, 200);
    EXPECT_EQ(r.status().code(), c.error) << c.name << ": " << r.status().ToString();
    EXPECT_EQ(BatchParser::StatusFor(r.status()), c.http) << c.name;
  }
}

struct EventCase {
  std::string name;
  std::string event;
  std::string reason;  // "" = accepted
};

TEST(BatchParserTest, PerEventValidation) {
  std::string long_name(257, 'n'), long_msg(8193, 'm');
  std::string big_data = "\"data\":{\"blob\":\"" + std::string(70000, 'b') + "\"}";
  const std::vector<EventCase> cases = {
      {"ok custom", Ev("\"type\":\"custom\",\"name\":\"signup\""), ""},
      {"not an object", "42", "not_an_object"},
      {"missing type", Ev("\"name\":\"x\""), "missing_type"},
      {"type not string", Ev("\"type\":5"), "invalid_field"},
      {"unknown type", Ev("\"type\":\"telemetry\""), "unknown_type"},
      {"missing ts", "{\"type\":\"custom\",\"name\":\"x\"}", "missing_ts"},
      {"ts string", "{\"type\":\"custom\",\"name\":\"x\",\"ts\":\"now\"}", "invalid_field"},
      {"ts negative", "{\"type\":\"custom\",\"name\":\"x\",\"ts\":-5}", "invalid_field"},
      {"ts 31 days old", "{\"type\":\"custom\",\"name\":\"x\",\"ts\":" + std::to_string(kNow - 31LL * 86400000) + "}",
       "ts_out_of_range"},
      {"ts absurdly far in the future is clamped", "{\"type\":\"custom\",\"name\":\"x\",\"ts\":1e62}", ""},
      {"name too long", Ev("\"type\":\"custom\",\"name\":\"" + long_name + "\""), "field_too_long"},
      {"message too long", Ev("\"type\":\"error\",\"name\":\"js\",\"message\":\"" + long_msg + "\""), "field_too_long"},
      {"name wrong type", Ev("\"type\":\"custom\",\"name\":[1]"), "invalid_field"},
      {"value not number", Ev("\"type\":\"vital\",\"name\":\"LCP\",\"value\":\"fast\""), "invalid_field"},
      {"negative duration", Ev("\"type\":\"http\",\"url\":\"/a\",\"duration\":-1"), "invalid_field"},
      {"status out of range", Ev("\"type\":\"http\",\"url\":\"/a\",\"status\":1000"), "invalid_field"},
      {"status fractional", Ev("\"type\":\"http\",\"url\":\"/a\",\"status\":200.5"), "invalid_field"},
      {"bad level", Ev("\"type\":\"error\",\"name\":\"js\",\"message\":\"x\",\"level\":\"loud\""), "invalid_field"},
      {"error without kind", Ev("\"type\":\"error\",\"message\":\"x\""), "missing_field"},
      {"error bad kind", Ev("\"type\":\"error\",\"name\":\"weird\",\"message\":\"x\""), "invalid_field"},
      {"error without message", Ev("\"type\":\"error\",\"name\":\"js\""), "missing_field"},
      {"error with exception only", Ev("\"type\":\"error\",\"name\":\"js\",\"exception\":{\"type\":\"E\"}"), ""},
      {"vital without value", Ev("\"type\":\"vital\",\"name\":\"LCP\""), "missing_field"},
      {"vital ok", Ev("\"type\":\"vital\",\"name\":\"LCP\",\"value\":1200"), ""},
      {"custom without name", Ev("\"type\":\"custom\""), "missing_field"},
      {"http without url", Ev("\"type\":\"http\",\"name\":\"GET\""), "missing_field"},
      {"pageview without url", Ev("\"type\":\"pageview\""), "missing_field"},
      {"session bad name", Ev("\"type\":\"session\",\"name\":\"middle\""), "invalid_field"},
      {"id too short", Ev("\"type\":\"custom\",\"name\":\"x\",\"id\":\"abc\""), "invalid_field"},
      {"id bad chars", Ev("\"type\":\"custom\",\"name\":\"x\",\"id\":\"abc def ghi\""), "invalid_field"},
      {"fingerprint number", Ev("\"type\":\"custom\",\"name\":\"x\",\"fingerprint\":7"), "invalid_field"},
      {"fingerprint array", Ev("\"type\":\"custom\",\"name\":\"x\",\"fingerprint\":[\"a\",\"b\"]"), ""},
      {"data not object", Ev("\"type\":\"custom\",\"name\":\"x\",\"data\":[1]"), "invalid_field"},
      {"data too large", Ev("\"type\":\"custom\",\"name\":\"x\"," + big_data), "data_too_large"},
      {"unknown fields kept", Ev("\"type\":\"click\",\"selector\":\"#buy\",\"weird\":{\"a\":[1,2]}"), ""},
  };
  BatchParser parser;
  for (const auto& c : cases) {
    // Each case sits between two valid events, so a rejection must not affect its neighbours.
    std::string ok = Ev("\"type\":\"custom\",\"name\":\"neighbour\"");
    auto r = parser.Parse(Batch(ok + "," + c.event + "," + ok), 1, kNow);
    ASSERT_TRUE(r.ok()) << c.name << ": " << r.status().ToString();
    if (c.reason.empty()) {
      EXPECT_EQ(r->events.size(), 3u) << c.name;
      EXPECT_TRUE(r->rejected.empty()) << c.name << ": " << (r->rejected.empty() ? "" : r->rejected[0].reason + " " + r->rejected[0].detail);
    } else {
      EXPECT_EQ(r->events.size(), 2u) << c.name;
      ASSERT_EQ(r->rejected.size(), 1u) << c.name;
      EXPECT_EQ(r->rejected[0].index, 1u) << c.name;
      EXPECT_EQ(r->rejected[0].reason, c.reason) << c.name << ": " << r->rejected[0].detail;
    }
  }
}

TEST(BatchParserTest, NormalizesContextAndFields) {
  std::string body =
      "{\"sdk\":{\"name\":\"@vigil/browser\",\"version\":\"0.1.0\"},"
      "\"context\":{\"release\":\"shop@1.2\",\"environment\":\"prod\",\"uid\":\"u1\",\"sid\":\"s1\","
      "\"url\":\"https://shop.example.com/cart?x=1#top\",\"referrer\":\"https://google.com/\",\"tags\":{\"plan\":\"pro\"}},"
      "\"events\":[" +
      Ev("\"type\":\"vital\",\"name\":\"LCP\",\"value\":1830.5,\"rating\":\"good\",\"id\":\"evt_12345678\"") + "," +
      Ev("\"type\":\"http\",\"url\":\"https://api.example.com/v1/items/42?q=1\",\"status\":503,\"duration\":120,\"release\":\"override@2\"") +
      "]}";
  BatchParser parser;
  auto r = parser.Parse(body, 7, kNow);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->events.size(), 2u);
  const Event& v = r->events[0];
  EXPECT_EQ(v.project_id, 7);
  EXPECT_EQ(v.event_id, "evt_12345678");
  EXPECT_EQ(v.type, EventType::kVital);
  EXPECT_EQ(v.name, "LCP");
  EXPECT_DOUBLE_EQ(*v.value, 1830.5);
  EXPECT_EQ(v.release, "shop@1.2");
  EXPECT_EQ(v.environment, "prod");
  EXPECT_EQ(v.uid, "u1");
  EXPECT_EQ(v.sid, "s1");
  EXPECT_EQ(v.url, "https://shop.example.com/cart?x=1#top");
  EXPECT_EQ(v.path, "/cart");
  EXPECT_EQ(v.referrer, "https://google.com/");
  EXPECT_EQ(v.received_at, kNow);
  EXPECT_NE(v.data.find("\"rating\":\"good\""), std::string::npos) << v.data;
  EXPECT_NE(v.data.find("\"context\":{\"tags\":{\"plan\":\"pro\"}}"), std::string::npos) << v.data;
  EXPECT_NE(v.data.find("\"sdk\":{\"name\":\"@vigil/browser\""), std::string::npos) << v.data;
  const Event& h = r->events[1];
  EXPECT_EQ(h.name, "GET");
  EXPECT_EQ(*h.status, 503);
  EXPECT_EQ(h.path, "/v1/items/42");
  EXPECT_EQ(h.release, "override@2");
  EXPECT_EQ(h.event_id.size(), 32u);
  EXPECT_NE(h.event_id, r->events[0].event_id);
}

TEST(BatchParserTest, FutureTimestampsAreClampedAndKept) {
  int64_t future = kNow + 3600 * 1000;
  std::string body = Batch("{\"type\":\"custom\",\"name\":\"x\",\"ts\":" + std::to_string(future) + "}");
  auto r = BatchParser().Parse(body, 1, kNow);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->events.size(), 1u);
  EXPECT_EQ(r->events[0].ts, kNow);
  EXPECT_NE(r->events[0].data.find("\"client_ts\":" + std::to_string(future)), std::string::npos);
  // Four minutes ahead is within tolerance and kept as sent.
  int64_t near = kNow + 4 * 60 * 1000;
  r = BatchParser().Parse(Batch("{\"type\":\"custom\",\"name\":\"x\",\"ts\":" + std::to_string(near) + "}"), 1, kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->events[0].ts, near);
}

TEST(GzipTest, RoundTripBombAndCorruption) {
  std::string text(100000, 'a');
  auto r = Gunzip(Gzip(text), 1 << 20);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r.value(), text);
  std::string bomb = Gzip(std::string(8 << 20, '\0'), 9);  // ~8 KiB that inflates to 8 MiB
  EXPECT_LT(bomb.size(), 64u << 10);
  auto b = Gunzip(bomb, 4 << 20);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), "body_too_large");
  std::string gz = Gzip("{\"events\":[]}");
  auto t = Gunzip(gz.substr(0, gz.size() / 2), 1 << 20);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), "invalid_gzip");
  auto c = Gunzip("definitely not gzip", 1 << 20);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), "invalid_gzip");
}

}  // namespace
}  // namespace vigil
