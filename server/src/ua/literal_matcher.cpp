#include "ua/literal_matcher.h"

#include <cctype>
#include <stdexcept>

namespace vigil::ua {
namespace {

// States up to this depth (root = 0) get a full row of the transition table: they are where most
// bytes of a text are read, and there are few of them (one per literal prefix of that length).
// Deeper ones list their children only, so the whole automaton stays small enough for the cache.
constexpr int kDenseDepth = 2;

}  // namespace

LiteralMatcher::LiteralMatcher(const std::vector<Literal>& literals) {
  // The automaton runs over the lowercased literals of two or more bytes; bytes that occur in one
  // get their own class (A-Z share a-z's). One-byte literals are looked up by byte.
  std::vector<std::string> keys;
  keys.reserve(literals.size());
  std::vector<std::vector<std::pair<int, bool>>> single(256);  // byte -> (id, folded)
  // Case-sensitive literals without letters (ASCII only) need no byte comparison: the automaton
  // tells letters' case apart only.
  std::vector<bool> folded(literals.size());
  for (size_t id = 0; id < literals.size(); ++id) {
    bool needs_case = false;
    for (unsigned char c : literals[id].text) needs_case = needs_case || c >= 0x80 || std::isalpha(c);
    folded[id] = literals[id].fold_ascii_case || !needs_case;
  }
  for (size_t id = 0; id < literals.size(); ++id) {
    const Literal& literal = literals[id];
    std::string key = literal.text;
    for (char& c : key) {
      if (c >= 'A' && c <= 'Z') {
        if (literal.fold_ascii_case) throw std::logic_error("LiteralMatcher: uppercase folded literal");
        c = static_cast<char>(c - 'A' + 'a');
      }
    }
    if (literal.text.size() == 1) {
      const unsigned char c = static_cast<unsigned char>(literal.text[0]);
      single[c].emplace_back(static_cast<int>(id), folded[id]);
      if (literal.fold_ascii_case && c >= 'a' && c <= 'z') single[c - 'a' + 'A'].emplace_back(static_cast<int>(id), true);
      key.clear();
    }
    keys.push_back(std::move(key));
  }
  single_begin_.reserve(257);
  int slots = 0;
  for (int c = 0; c < 256; ++c) {
    single_begin_.push_back(static_cast<uint32_t>(single_ids_.size()));
    if (!single[c].empty()) {
      if (slots == 128) throw std::logic_error("LiteralMatcher: one-byte literals on more than 128 bytes");
      (slots < 64 ? single_bit_low_ : single_bit_high_)[c] = uint64_t{1} << (slots & 63);
      single_byte_of_slot_[slots++] = static_cast<uint8_t>(c);
    }
    for (auto [id, folded] : single[c]) {
      single_ids_.push_back(id);
      single_folded_.push_back(folded ? 1 : 0);
    }
  }
  single_begin_.push_back(static_cast<uint32_t>(single_ids_.size()));

  std::vector<uint32_t> classes(256, 0);
  for (const std::string& key : keys)
    for (unsigned char c : key)
      if (classes[c] == 0) classes[c] = class_count_++;
  if (class_count_ > 256) throw std::logic_error("LiteralMatcher: too many byte classes");
  for (int c = 'A'; c <= 'Z'; ++c) classes[c] = classes[c - 'A' + 'a'];
  for (int c = 0; c < 256; ++c) byte_class_[c] = static_cast<uint8_t>(classes[c]);

  // The trie, with nodes numbered in creation order.
  std::vector<std::vector<int>> child(1, std::vector<int>(class_count_, -1));
  std::vector<std::vector<Output>> ends(1);
  for (size_t id = 0; id < literals.size(); ++id) {
    if (keys[id].empty()) continue;
    int node = 0;
    for (unsigned char c : keys[id]) {
      int& next = child[node][byte_class_[c]];
      if (next < 0) {
        next = static_cast<int>(child.size());
        child.emplace_back(class_count_, -1);
        ends.emplace_back();
      }
      node = next;
    }
    Output out{static_cast<int>(id), kFolded, static_cast<uint32_t>(keys[id].size())};
    if (!folded[id]) {
      out.exact_at = static_cast<uint32_t>(exact_text_.size());
      exact_text_ += literals[id].text;
    }
    ends[node].push_back(out);
  }

  // Breadth-first order: every node's failure link (its longest proper suffix in the trie) comes
  // earlier, the states of each depth are contiguous, and the shallow ones sit together in memory.
  const size_t n = child.size();
  std::vector<int> order{0}, state_of(n, 0), fail(n, 0), depth(n, 0);
  for (size_t i = 0; i < order.size(); ++i)
    for (int next : child[order[i]])
      if (next >= 0) {
        state_of[next] = static_cast<int>(order.size());
        depth[next] = depth[order[i]] + 1;
        order.push_back(next);
      }
  if (n >= (1u << 23)) throw std::logic_error("LiteralMatcher: too many states");

  // Full transitions (by new state number), computed in breadth-first order from the failure
  // target's row; only the dense states keep theirs.
  std::vector<std::vector<uint32_t>> goto_row(n);
  for (size_t i = 0; i < n; ++i) {
    const int node = order[i];
    std::vector<uint32_t>& row = goto_row[i];
    row.assign(class_count_, 0);
    for (uint32_t k = 1; k < class_count_; ++k) {
      const int next = child[node][k];
      const uint32_t via_fail = i == 0 ? 0 : goto_row[state_of[fail[node]]][k];
      if (next >= 0) {
        fail[next] = i == 0 ? 0 : order[via_fail];
        row[k] = static_cast<uint32_t>(state_of[next]);
      } else {
        row[k] = via_fail;
      }
    }
  }

  // A state reports its own literals and those of its failure chain (already complete, since the
  // failure target comes earlier in breadth-first order).
  std::vector<std::vector<Output>> reports(n);
  for (size_t i = 0; i < n; ++i) {
    const int node = order[i];
    reports[i] = ends[node];
    if (i != 0) {
      const std::vector<Output>& inherited = reports[state_of[fail[node]]];
      reports[i].insert(reports[i].end(), inherited.begin(), inherited.end());
    }
  }
  output_begin_.reserve(n + 1);
  for (size_t i = 0; i < n; ++i) {
    output_begin_.push_back(static_cast<uint32_t>(outputs_.size()));
    outputs_.insert(outputs_.end(), reports[i].begin(), reports[i].end());
  }
  output_begin_.push_back(static_cast<uint32_t>(outputs_.size()));

  auto entry = [&](uint32_t next) { return next << 1 | (reports[next].empty() ? 0u : 1u); };
  while (dense_count_ < n && depth[order[dense_count_]] <= kDenseDepth) ++dense_count_;
  dense_.resize(static_cast<size_t>(dense_count_) * class_count_);
  for (size_t i = 0; i < dense_count_; ++i)
    for (uint32_t k = 0; k < class_count_; ++k) dense_[i * class_count_ + k] = entry(goto_row[i][k]);
  for (size_t i = dense_count_; i < n; ++i) {
    const int node = order[i];
    SparseState sparse{static_cast<uint32_t>(state_of[fail[node]]), static_cast<uint32_t>(edges_.size()), 0};
    for (uint32_t k = 1; k < class_count_; ++k)
      if (child[node][k] >= 0) {
        edges_.push_back(entry(static_cast<uint32_t>(state_of[child[node][k]])) << 8 | k);
        ++sparse.edge_count;
      }
    sparse_.push_back(sparse);
  }
}

size_t LiteralMatcher::memory_bytes() const {
  return sizeof(*this) + dense_.size() * sizeof(uint32_t) + sparse_.size() * sizeof(SparseState) +
         edges_.size() * sizeof(uint32_t) + output_begin_.size() * sizeof(uint32_t) + outputs_.size() * sizeof(Output) +
         exact_text_.size() + single_ids_.size() * (sizeof(int) + 1) + single_begin_.size() * sizeof(uint32_t);
}

}  // namespace vigil::ua
