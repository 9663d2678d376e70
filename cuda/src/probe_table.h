// The states' symbol table as the CUDA kernels read it: each symbol sits in one of `probes` (1 or 2)
// hashed slots, so a lookup is one or two loads and never a loop (a probing loop makes a warp wait
// for its unluckiest lane). The host searches for a collision-free multiplier first (one probe),
// and falls back to two-choice cuckoo hashing. Keys and mask rows live in separate arrays from the
// masks: a slot gives the symbol's row (1-based; 0 = no match), the row gives its masks.
#ifndef MATCHER_PROBE_TABLE_H
#define MATCHER_PROBE_TABLE_H

#include <stdint.h>

#include <utility>
#include <vector>

#include "backend.h"

namespace matcher {

inline uint32_t probe_slot(uint32_t symbol, uint32_t mult, int bits) { return (symbol * mult) >> (32 - bits); }

/** The i-th odd multiplier of a fixed sequence (splitmix32), so tables are the same run after run. */
inline uint32_t probe_multiplier(uint32_t i) {
  uint32_t z = i * 0x9E3779B9u + 0x7F4A7C15u;
  z = (z ^ (z >> 16)) * 0x85EBCA6Bu;
  z = (z ^ (z >> 13)) * 0xC2B2AE35u;
  return (z ^ (z >> 16)) | 1u;
}

struct ProbeTable {
  int bits = 2;
  int probes = 1;
  uint32_t mult[2] = {probe_multiplier(0), probe_multiplier(0)};
  std::vector<uint32_t> keys;  // 0 = empty (symbols are > 0, padding 0 then finds row 0)
  std::vector<uint32_t> rows;  // 1-based row of the key's masks; 0 where empty

  size_t cap() const { return keys.size(); }
};

/**
 * Builds the table for `symbols` (distinct, > 0; symbol i gets row i + 1). One probe when a
 * collision-free multiplier exists for a table of at most max_perfect_cap slots, else two.
 */
inline ProbeTable build_probe_table(const std::vector<int32_t>& symbols, size_t max_perfect_cap) {
  const size_t k = symbols.size();
  int min_bits = 2;
  while ((size_t{1} << min_bits) < 2 * k) ++min_bits;
  ProbeTable t;
  for (int bits = min_bits; (size_t{1} << bits) <= max_perfect_cap; ++bits) {
    const size_t cap = size_t{1} << bits;
    std::vector<uint32_t> slot_of(cap, 0);
    // Small tables are worth more tries: a one-probe table lets a single state's masks sit at the slots.
    const uint32_t attempts = cap <= 1024 ? 256 : 32;
    for (uint32_t attempt = 0; attempt < attempts; ++attempt) {
      const uint32_t mult = probe_multiplier(attempt);
      std::fill(slot_of.begin(), slot_of.end(), 0u);
      bool clash = false;
      for (size_t i = 0; i < k && !clash; ++i) {
        uint32_t& slot = slot_of[probe_slot(static_cast<uint32_t>(symbols[i]), mult, bits)];
        clash = slot != 0;
        slot = static_cast<uint32_t>(i + 1);
      }
      if (clash) continue;
      t.bits = bits;
      t.probes = 1;
      t.mult[0] = t.mult[1] = mult;
      t.keys.assign(cap, 0);
      t.rows = slot_of;
      for (size_t s = 0; s < cap; ++s) {
        if (slot_of[s] != 0) t.keys[s] = static_cast<uint32_t>(symbols[slot_of[s] - 1]);
      }
      return t;
    }
  }
  // Two-choice cuckoo hashing at load <= 1/2.
  for (int bits = min_bits; bits < 31; ++bits) {
    const size_t cap = size_t{1} << bits;
    for (uint32_t attempt = 0; attempt < 16; ++attempt) {
      t.bits = bits;
      t.probes = 2;
      t.mult[0] = probe_multiplier(1000 + 2 * attempt);
      t.mult[1] = probe_multiplier(1001 + 2 * attempt);
      t.keys.assign(cap, 0);
      t.rows.assign(cap, 0);
      bool placed_all = true;
      for (size_t i = 0; i < k && placed_all; ++i) {
        uint32_t key = static_cast<uint32_t>(symbols[i]);
        uint32_t row = static_cast<uint32_t>(i + 1);
        uint32_t slot = probe_slot(key, t.mult[0], bits);
        bool placed = false;
        for (int kick = 0; kick < 128 && !placed; ++kick) {
          if (t.keys[slot] == 0) {
            t.keys[slot] = key;
            t.rows[slot] = row;
            placed = true;
            break;
          }
          std::swap(key, t.keys[slot]);
          std::swap(row, t.rows[slot]);
          const uint32_t a = probe_slot(key, t.mult[0], bits);
          slot = slot == a ? probe_slot(key, t.mult[1], bits) : a;
        }
        placed_all = placed;
      }
      if (placed_all) return t;
    }
  }
  throw Error(MATCHER_INTERNAL, "cannot build the symbol table");
}

}  // namespace matcher

#endif  // MATCHER_PROBE_TABLE_H
