// Finds which of a fixed set of literals occur in a text, in one pass (an Aho–Corasick automaton),
// byte for byte or ASCII case-insensitively. Internal to ua/; exposed for tests.
//
// The automaton is built completely by the constructor, so a scan never builds state (unlike a
// lazily built DFA such as RE2::Set's) and costs the same for a text seen before or not. Immutable
// after construction: Scan() is const and safe from any number of threads at once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::ua {

class LiteralMatcher {
 public:
  // Literal i gets id i; empty literals are never reported. With `fold_ascii_case`, A-Z in the
  // text match a-z in a literal, and literals must hold no A-Z.
  LiteralMatcher(const std::vector<std::string>& literals, bool fold_ascii_case);

  // Calls on_match(id) at every end position of every literal occurring in `text`: an id may be
  // reported more than once.
  template <class OnMatch>
  void Scan(std::string_view text, OnMatch&& on_match) const {
    if (!narrow_transitions_.empty()) return Walk(narrow_transitions_, text, on_match);
    Walk(transitions_, text, on_match);
  }

  size_t state_count() const { return output_begin_.size() - 1; }
  size_t memory_bytes() const;

 private:
  template <class Entry, class OnMatch>
  void Walk(const std::vector<Entry>& transitions, std::string_view text, OnMatch& on_match) const {
    uint32_t state = 0;
    for (unsigned char c : text) {
      const uint32_t next = transitions[state * class_count_ + byte_class_[c]];
      state = next >> 1;
      if (next & 1)
        for (uint32_t i = output_begin_[state]; i < output_begin_[state + 1]; ++i) on_match(outputs_[i]);
    }
  }

  uint8_t byte_class_[256] = {};  // 0: a byte no literal contains
  uint32_t class_count_ = 1;
  // transitions_[state * class_count_ + class] = next state << 1 | (next state reports literals)
  // Half the memory (so more of the table stays in cache) when the states fit: one of the two is
  // filled.
  std::vector<uint32_t> transitions_;
  std::vector<uint16_t> narrow_transitions_;
  std::vector<uint32_t> output_begin_;  // per state, into outputs_; one extra at the end
  std::vector<int> outputs_;            // literal ids ending at each state, suffixes included
};

}  // namespace vigil::ua
