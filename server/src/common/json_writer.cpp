#include "common/json_writer.h"

#include <charconv>
#include <cmath>

namespace vigil {

namespace {
// Bytes that stop the copy loop of AppendJsonEscaped: control characters, quote, backslash, the
// HTML-sensitive <, > and &, and 0xE2 (the lead byte of U+2028/U+2029).
struct EscapeTable {
  bool stop[256] = {};
  constexpr EscapeTable() {
    for (int c = 0; c < 0x20; ++c) stop[c] = true;
    for (unsigned char c : {'"', '\\', '<', '>', '&'}) stop[c] = true;
    stop[0xE2] = true;
  }
};
constexpr EscapeTable kEscape;
}  // namespace

void AppendJsonEscaped(std::string* out, std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    size_t run = i;
    while (run < n && !kEscape.stop[p[run]]) ++run;
    if (run > i) out->append(s.data() + i, run - i);
    if (run == n) break;
    unsigned char c = p[run];
    i = run + 1;
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      case '<': out->append("\\u003c"); break;
      case '>': out->append("\\u003e"); break;
      case '&': out->append("\\u0026"); break;
      case 0xE2:
        if (run + 2 < n && p[run + 1] == 0x80 && (p[run + 2] == 0xA8 || p[run + 2] == 0xA9)) {
          out->append(p[run + 2] == 0xA8 ? "\\u2028" : "\\u2029");
          i = run + 3;
        } else {
          out->push_back(static_cast<char>(c));
        }
        break;
      default: {
        char buf[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out->append(buf, 6);
      }
    }
  }
}

void JsonWriter::Separator() {
  if (need_comma_) out_->push_back(',');
  need_comma_ = true;
}

JsonWriter& JsonWriter::BeginObject() {
  Separator();
  out_->push_back('{');
  need_comma_ = false;
  return *this;
}
JsonWriter& JsonWriter::EndObject() {
  out_->push_back('}');
  need_comma_ = true;
  return *this;
}
JsonWriter& JsonWriter::BeginArray() {
  Separator();
  out_->push_back('[');
  need_comma_ = false;
  return *this;
}
JsonWriter& JsonWriter::EndArray() {
  out_->push_back(']');
  need_comma_ = true;
  return *this;
}
JsonWriter& JsonWriter::Key(std::string_view key) {
  Separator();
  out_->push_back('"');
  AppendJsonEscaped(out_, key);
  out_->append("\":");
  need_comma_ = false;
  return *this;
}
JsonWriter& JsonWriter::String(std::string_view s) {
  Separator();
  out_->push_back('"');
  AppendJsonEscaped(out_, s);
  out_->push_back('"');
  return *this;
}
JsonWriter& JsonWriter::Int(int64_t v) {
  Separator();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_->append(buf, r.ptr);
  return *this;
}
JsonWriter& JsonWriter::Double(double v) {
  Separator();
  if (!std::isfinite(v)) {
    out_->append("null");
    return *this;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_->append(buf, r.ptr);
  return *this;
}
JsonWriter& JsonWriter::Bool(bool v) {
  Separator();
  out_->append(v ? "true" : "false");
  return *this;
}
JsonWriter& JsonWriter::Null() {
  Separator();
  out_->append("null");
  return *this;
}
std::string* JsonWriter::RawValue() {
  Separator();
  return out_;
}
JsonWriter& JsonWriter::Raw(std::string_view json) {
  Separator();
  out_->append(json);
  return *this;
}

}  // namespace vigil
