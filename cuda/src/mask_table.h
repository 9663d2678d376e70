// The state's match masks keyed by symbol: an open-addressing hash (linear probing, key 0 = empty),
// keys and masks in separate arrays so a miss touches only the keys. Built on the host per query;
// the CPU backend probes it directly and the CUDA backend uploads it.
#ifndef MATCHER_MASK_TABLE_H
#define MATCHER_MASK_TABLE_H

#include <stdint.h>

#include <vector>

namespace matcher {

/** Multiplicative hash to `bits` bits (Fibonacci hashing). */
inline uint32_t hash_symbol(uint32_t symbol, int bits) {
  return bits == 0 ? 0u : (symbol * 0x9E3779B1u) >> (32 - bits);
}

/**
 * Distinct positive symbols of one or more states. keys[slot] is a symbol or 0; value[slot] is the
 * symbol's dense index (the row of its masks). Capacity is a power of two at least 4x the symbols,
 * so a miss probes about 1.2 slots on average.
 */
struct SymbolHash {
  int bits = 0;
  std::vector<int32_t> keys;
  std::vector<int32_t> value;
  int32_t size = 0;

  void reset(int64_t max_symbols) {
    bits = 2;
    while ((int64_t{1} << bits) < 4 * max_symbols) ++bits;
    keys.assign(size_t{1} << bits, 0);
    value.assign(size_t{1} << bits, -1);
    size = 0;
  }

  /** Index of symbol (> 0), inserting it if new. */
  int32_t insert(int32_t symbol) {
    const uint32_t mask = (1u << bits) - 1;
    uint32_t h = hash_symbol(static_cast<uint32_t>(symbol), bits);
    while (keys[h] != 0) {
      if (keys[h] == symbol) return value[h];
      h = (h + 1) & mask;
    }
    keys[h] = symbol;
    value[h] = size;
    return size++;
  }

  /** Index of symbol, or -1. Symbols <= 0 are never present. */
  int32_t find(int32_t symbol) const {
    if (symbol <= 0) return -1;
    const uint32_t mask = (1u << bits) - 1;
    uint32_t h = hash_symbol(static_cast<uint32_t>(symbol), bits);
    for (;;) {
      const int32_t k = keys[h];
      if (k == symbol) return value[h];
      if (k == 0) return -1;
      h = (h + 1) & mask;
    }
  }
};

}  // namespace matcher

#endif  // MATCHER_MASK_TABLE_H
