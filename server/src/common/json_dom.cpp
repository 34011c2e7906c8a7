#include "common/json_dom.h"

#include <charconv>

#include "common/json_writer.h"

namespace vigil {

void AppendElementJson(std::string* out, simdjson::dom::element v) {
  using simdjson::dom::element_type;
  switch (v.type()) {
    case element_type::OBJECT: {
      out->push_back('{');
      bool first = true;
      for (auto field : simdjson::dom::object(v)) {
        if (!first) out->push_back(',');
        first = false;
        out->push_back('"');
        AppendJsonEscaped(out, field.key);
        out->append("\":");
        AppendElementJson(out, field.value);
      }
      out->push_back('}');
      break;
    }
    case element_type::ARRAY: {
      out->push_back('[');
      bool first = true;
      for (auto child : simdjson::dom::array(v)) {
        if (!first) out->push_back(',');
        first = false;
        AppendElementJson(out, child);
      }
      out->push_back(']');
      break;
    }
    case element_type::STRING:
      out->push_back('"');
      AppendJsonEscaped(out, v.get_string().value_unsafe());
      out->push_back('"');
      break;
    case element_type::INT64: {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, v.get_int64().value_unsafe());
      out->append(buf, r.ptr);
      break;
    }
    case element_type::UINT64: {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, v.get_uint64().value_unsafe());
      out->append(buf, r.ptr);
      break;
    }
    case element_type::DOUBLE: {
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, v.get_double().value_unsafe());
      out->append(buf, r.ptr);
      break;
    }
    case element_type::BOOL:
      out->append(v.get_bool().value_unsafe() ? "true" : "false");
      break;
    case element_type::NULL_VALUE:
      out->append("null");
      break;
  }
}

std::string ElementJson(simdjson::dom::element v) {
  std::string out;
  AppendElementJson(&out, v);
  return out;
}

}  // namespace vigil
