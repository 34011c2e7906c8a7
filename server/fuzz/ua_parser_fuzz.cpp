// libFuzzer target for the User-Agent parser: any bytes as a User-Agent (the header and the SDK's
// context.ua reach it unchanged), checked against the plain uap-core algorithm. Parse's shortcuts
// (literal filter, match starts and heads, anchored runs, widened forms) must give exactly what
// ParsePlainly gives: every rule in order, searched anywhere with its own regex.
// The rules are uap-core's regexes.yaml from the repo's node_modules (VIGIL_UAP_REGEXES overrides).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "ua/user_agent.h"

namespace {

const vigil::ua::UserAgentParser& Parser() {
  static const std::unique_ptr<vigil::ua::UserAgentParser> parser = [] {
    const char* path = std::getenv("VIGIL_UAP_REGEXES");
    return vigil::ua::UserAgentParser::LoadFile(path ? path : VIGIL_SOURCE_DIR "/node_modules/uap-core/regexes.yaml");
  }();
  return *parser;
}

std::string Render(const vigil::ua::UserAgent& ua) {
  return ua.browser.family + "|" + ua.browser.major + "|" + ua.browser.minor + "|" + ua.browser.patch + "|" +
         ua.os.family + "|" + ua.os.major + "|" + ua.os.minor + "|" + ua.os.patch + "|" + ua.os.patch_minor + "|" +
         ua.device.family + "|" + ua.device.brand + "|" + ua.device.model + "|" + (ua.is_bot ? "bot" : "-");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 2048) return 0;  // real User-Agents are far shorter; the plain parse is slow
  const std::string_view ua(reinterpret_cast<const char*>(data), size);
  const std::string fast = Render(Parser().Parse(ua)), plain = Render(Parser().ParsePlainly(ua));
  if (fast != plain) {
    std::fprintf(stderr, "Parse and ParsePlainly differ on %.*s\n  Parse:        %s\n  ParsePlainly: %s\n",
                 static_cast<int>(ua.size()), ua.data(), fast.c_str(), plain.c_str());
    std::abort();
  }
  return 0;
}
