#include "ua/literal_matcher.h"

#include <stdexcept>

namespace vigil::ua {

LiteralMatcher::LiteralMatcher(const std::vector<std::string>& literals, bool fold_ascii_case) {
  // Bytes that occur in some literal get their own class (with folding, A-Z share a-z's).
  std::vector<uint32_t> classes(256, 0);
  for (const std::string& literal : literals)
    for (unsigned char c : literal) {
      if (fold_ascii_case && c >= 'A' && c <= 'Z') throw std::logic_error("LiteralMatcher: uppercase folded literal");
      if (classes[c] == 0) classes[c] = class_count_++;
    }
  if (class_count_ > 256) throw std::logic_error("LiteralMatcher: too many byte classes");
  if (fold_ascii_case)
    for (int c = 'A'; c <= 'Z'; ++c) classes[c] = classes[c - 'A' + 'a'];
  for (int c = 0; c < 256; ++c) byte_class_[c] = static_cast<uint8_t>(classes[c]);

  // The trie, with nodes numbered in creation order.
  std::vector<std::vector<int>> child(1, std::vector<int>(class_count_, -1));
  std::vector<std::vector<int>> ends(1);
  for (size_t id = 0; id < literals.size(); ++id) {
    if (literals[id].empty()) continue;
    int node = 0;
    for (unsigned char c : literals[id]) {
      int& next = child[node][byte_class_[c]];
      if (next < 0) {
        next = static_cast<int>(child.size());
        child.emplace_back(class_count_, -1);
        ends.emplace_back();
      }
      node = next;
    }
    ends[node].push_back(static_cast<int>(id));
  }

  // Breadth-first order: every node's failure link (its longest proper suffix in the trie) comes
  // earlier, and the shallow states that most bytes of a text visit sit together in memory.
  const size_t n = child.size();
  std::vector<int> order{0}, state_of(n, 0), fail(n, 0);
  for (size_t i = 0; i < order.size(); ++i)
    for (int next : child[order[i]])
      if (next >= 0) {
        state_of[next] = static_cast<int>(order.size());
        order.push_back(next);
      }

  std::vector<uint32_t> goto_state(n * class_count_, 0);  // by new state number
  for (size_t i = 0; i < n; ++i) {
    const int node = order[i];
    for (uint32_t k = 1; k < class_count_; ++k) {
      const int next = child[node][k];
      const uint32_t via_fail = i == 0 ? 0 : goto_state[static_cast<size_t>(state_of[fail[node]]) * class_count_ + k];
      if (next >= 0) {
        fail[next] = i == 0 ? 0 : order[via_fail];
        goto_state[i * class_count_ + k] = static_cast<uint32_t>(state_of[next]);
      } else {
        goto_state[i * class_count_ + k] = via_fail;
      }
    }
  }

  // A state reports its own literals and those of its failure chain (already complete, since the
  // failure target comes earlier in breadth-first order).
  std::vector<std::vector<int>> reports(n);
  for (size_t i = 0; i < n; ++i) {
    const int node = order[i];
    reports[i] = ends[node];
    if (i != 0) {
      const std::vector<int>& inherited = reports[state_of[fail[node]]];
      reports[i].insert(reports[i].end(), inherited.begin(), inherited.end());
    }
  }
  output_begin_.reserve(n + 1);
  for (size_t i = 0; i < n; ++i) {
    output_begin_.push_back(static_cast<uint32_t>(outputs_.size()));
    outputs_.insert(outputs_.end(), reports[i].begin(), reports[i].end());
  }
  output_begin_.push_back(static_cast<uint32_t>(outputs_.size()));
  const bool narrow = n <= 0x7FFF;
  if (narrow) narrow_transitions_.resize(goto_state.size());
  else transitions_.resize(goto_state.size());
  for (size_t i = 0; i < goto_state.size(); ++i) {
    const uint32_t next = goto_state[i];
    const uint32_t entry = next << 1 | (reports[next].empty() ? 0u : 1u);
    if (narrow) narrow_transitions_[i] = static_cast<uint16_t>(entry);
    else transitions_[i] = entry;
  }
}

size_t LiteralMatcher::memory_bytes() const {
  return sizeof(*this) + transitions_.size() * sizeof(uint32_t) + narrow_transitions_.size() * sizeof(uint16_t) +
         output_begin_.size() * sizeof(uint32_t) + outputs_.size() * sizeof(int);
}

}  // namespace vigil::ua
