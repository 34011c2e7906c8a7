// JsonWriter: appends compact JSON to a std::string. No validation of structure beyond commas;
// callers nest Begin/End correctly. Strings are escaped per RFC 8259 (control characters, quote,
// backslash; also <, >, & and U+2028/2029 so the output is safe inside HTML <script>).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vigil {

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view s);
  JsonWriter& Int(int64_t v);
  JsonWriter& Double(double v);  // non-finite values are written as null
  JsonWriter& Bool(bool v);
  JsonWriter& Null();
  // Inserts already-serialized JSON verbatim (the caller guarantees it is valid).
  JsonWriter& Raw(std::string_view json);
  // Writes the separator and returns the output, for a caller that appends one valid value itself
  // (e.g. AppendElementJson) without an intermediate string.
  std::string* RawValue();

  // Convenience: Key(k) followed by a value.
  JsonWriter& Field(std::string_view k, std::string_view v) { return Key(k).String(v); }
  JsonWriter& Field(std::string_view k, const char* v) { return Key(k).String(v); }
  JsonWriter& Field(std::string_view k, int64_t v) { return Key(k).Int(v); }
  JsonWriter& Field(std::string_view k, int v) { return Key(k).Int(v); }
  JsonWriter& Field(std::string_view k, double v) { return Key(k).Double(v); }
  JsonWriter& Field(std::string_view k, bool v) { return Key(k).Bool(v); }

 private:
  void Separator();
  std::string* out_;
  bool need_comma_ = false;
};

// Appends `s` escaped (without surrounding quotes) to `out`.
void AppendJsonEscaped(std::string* out, std::string_view s);

}  // namespace vigil
