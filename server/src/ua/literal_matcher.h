// Finds which of a fixed set of literals occur in a text, in one pass (an Aho–Corasick automaton).
// Each literal is matched either ASCII case-insensitively or byte for byte; both kinds share one
// automaton (over the lowercased literals), and a case-sensitive literal is confirmed with a
// byte comparison where its lowercase form ends. A case-sensitive literal of ASCII characters
// none of which is a letter is the same thing as a case-insensitive one, and counts as one for
// Kinds. Internal to ua/; exposed for tests.
//
// The automaton is built completely by the constructor, so a scan never builds state (unlike a
// lazily built DFA such as RE2::Set's) and costs the same for a text seen before or not. Immutable
// after construction: Scan() is const and safe from any number of threads at once.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::ua {

class LiteralMatcher {
 public:
  struct Literal {
    std::string text;
    bool fold_ascii_case = false;  // A-Z in the text match a-z here; then `text` must hold no A-Z
  };
  // Which literals a scan reports.
  enum class Kinds { kAll, kFoldedOnly, kExactOnly };

  // Literal i gets id i; empty literals are never reported.
  explicit LiteralMatcher(const std::vector<Literal>& literals);

  // Calls on_match(id, end) for the literals occurring in `text`, `end` being one past the
  // literal's last byte: a literal of two or more bytes at every place it ends, in increasing
  // `end`; then each one-byte literal once, with the end of its first occurrence. So an id may be
  // reported more than once.
  template <class OnMatch>
  void Scan(std::string_view text, OnMatch&& on_match, Kinds kinds = Kinds::kAll) const {
    uint32_t state = 0;
    // The bytes that have one-byte literals, as bits of two words (kept in registers: a bitmap
    // in memory indexed by the byte made each byte wait for the previous one's store).
    uint64_t singles_low = 0, singles_high = 0;
    const unsigned char* bytes = reinterpret_cast<const unsigned char*>(text.data());
    for (size_t at = 0; at < text.size(); ++at) {
      const unsigned char byte = bytes[at];
      singles_low |= single_bit_low_[byte];
      singles_high |= single_bit_high_[byte];
      const uint32_t next = Next(state, byte_class_[byte]);
      state = next >> 1;
      if (next & 1) Report(state, text, at + 1, kinds, on_match);
    }
    for (int word = 0; word < 2; ++word)
      for (uint64_t bits = word == 0 ? singles_low : singles_high; bits != 0; bits &= bits - 1) {
        const int byte = single_byte_of_slot_[word * 64 + __builtin_ctzll(bits)];
        const size_t end = static_cast<size_t>(std::find(bytes, bytes + text.size(), byte) - bytes) + 1;
        for (uint32_t i = single_begin_[byte]; i < single_begin_[byte + 1]; ++i)
          if (kinds == Kinds::kAll || (kinds == Kinds::kFoldedOnly) == (single_folded_[i] != 0)) on_match(single_ids_[i], end);
      }
  }

  size_t state_count() const { return output_begin_.size() - 1; }
  size_t memory_bytes() const;

 private:
  struct Output {
    int id;
    uint32_t exact_at;  // offset of the case-sensitive text in exact_text_; kFolded: case-insensitive
    uint32_t length;
  };
  static constexpr uint32_t kFolded = UINT32_MAX;

  // The transition from `state` on byte class `k`, as next state << 1 | (it has outputs).
  // Shallow states (most bytes of a text are read in one) have a full row of the table; the
  // others list their trie children and defer to their failure link, which is shallower.
  uint32_t Next(uint32_t state, uint32_t k) const {
    if (k == 0) return 0;  // a byte no literal contains
    while (state >= dense_count_) {
      const SparseState& sparse = sparse_[state - dense_count_];
      for (uint32_t e = sparse.first_edge; e < sparse.first_edge + sparse.edge_count; ++e)
        if ((edges_[e] & 0xFF) == k) return edges_[e] >> 8;
      state = sparse.fail;
    }
    return dense_[state * class_count_ + k];
  }

  template <class OnMatch>
  void Report(uint32_t state, std::string_view text, size_t end, Kinds kinds, OnMatch& on_match) const {
    for (uint32_t i = output_begin_[state]; i < output_begin_[state + 1]; ++i) {
      const Output& out = outputs_[i];
      if (out.exact_at == kFolded) {
        if (kinds != Kinds::kExactOnly) on_match(out.id, end);
      } else if (kinds != Kinds::kFoldedOnly && SameBytes(text.data() + end - out.length, exact_text_.data() + out.exact_at, out.length)) {
        on_match(out.id, end);
      }
    }
  }

  // Literals are short: a loop beats a call to memcmp.
  static bool SameBytes(const char* a, const char* b, uint32_t length) {
    for (uint32_t i = 0; i < length; ++i)
      if (a[i] != b[i]) return false;
    return true;
  }

  struct SparseState {
    uint32_t fail;
    uint32_t first_edge;  // into edges_
    uint32_t edge_count;
  };

  uint8_t byte_class_[256] = {};  // 0: a byte no literal of two or more bytes contains; A-Z share a-z's
  uint32_t class_count_ = 1;
  uint32_t dense_count_ = 0;       // states [0, dense_count_) have a full row in dense_
  std::vector<uint32_t> dense_;    // dense_[state * class_count_ + class] = next << 1 | has outputs
  std::vector<SparseState> sparse_;  // the other states
  std::vector<uint32_t> edges_;    // (next << 1 | has outputs) << 8 | class
  std::vector<uint32_t> output_begin_;  // per state, into outputs_; one extra at the end
  std::vector<Output> outputs_;         // literals ending at each state, suffixes included
  std::string exact_text_;              // the case-sensitive literals, back to back
  // One-byte literals, by byte: single_ids_[single_begin_[b] .. single_begin_[b + 1]).
  // Bytes that have one-byte literals get a slot, in byte order: its bit in one of two words.
  uint64_t single_bit_low_[256] = {}, single_bit_high_[256] = {};
  uint8_t single_byte_of_slot_[128] = {};
  std::vector<uint32_t> single_begin_;
  std::vector<int> single_ids_;
  std::vector<uint8_t> single_folded_;  // per entry: the literal is case-insensitive
};

}  // namespace vigil::ua
