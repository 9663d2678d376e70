#!/usr/bin/env python3
"""KATO's original sequential matching path, the baseline of `deno task bench:scale`.

For each query state, every pattern is scored one after another in pure Python (stdlib only), the way
KATO did before any index existed:

  dp       exact token LCS by dynamic programming, then KATO's similarity
           ((2.0 * lcs / (n + m)) * 100.0) / 100.0 and sim >= threshold: the same function this service
           computes, so the candidates must be identical (checked through a digest per state);
  difflib  Ratcliff/Obershelp through difflib.SequenceMatcher(None, pattern, state, autojunk=False),
           2 * matched / (n + m): KATO's historic default, a different function (counts only).

Candidates are ordered by (similarity desc, pattern number asc). Reads a dataset file written by
bench/_dataset_file.ts; prints one JSON object.

    python3 bench/kato_baseline.py --dataset FILE --patterns 10000 --queries 5 --threshold 0.5 --method dp
"""

import argparse
import array
import difflib
import hashlib
import json
import struct
import sys
import time

MAGIC = b"KATODS1\n"


def read_ints(f, count):
    values = array.array("i")
    values.frombytes(f.read(4 * count))
    if sys.byteorder == "big":
        values.byteswap()
    return values


def split(lengths, symbols):
    out, at = [], 0
    for length in lengths:
        out.append(symbols[at:at + length].tolist())
        at += length
    return out


def read_dataset(path, limit):
    """The first `limit` patterns and every state, as lists of symbol ranks."""
    with open(path, "rb") as f:
        if f.read(8) != MAGIC:
            raise SystemExit(f"{path}: not a kato-gpu dataset file")
        (size,) = struct.unpack("<I", f.read(4))
        header = json.loads(f.read(size))
        lengths = read_ints(f, header["patterns"])
        count = min(limit, header["patterns"])
        taken = sum(lengths[:count])
        patterns = split(lengths[:count], read_ints(f, taken))
        f.seek(4 * (header["patternSymbols"] - taken), 1)
        state_lengths = read_ints(f, header["states"])
        states = split(state_lengths, read_ints(f, header["stateSymbols"]))
    return header, patterns, states


def lcs_length(a, b):
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def kato_similarity(matched, n, m):
    return ((2.0 * matched / (n + m)) * 100.0) / 100.0 if n + m else 0.0


def query_dp(patterns, state, threshold):
    found = []
    for k, pattern in enumerate(patterns):
        lcs = lcs_length(pattern, state)
        similarity = kato_similarity(lcs, len(pattern), len(state))
        if similarity >= threshold:
            found.append((-similarity, k, lcs))
    found.sort()
    return [(k, lcs) for _, k, lcs in found]


def query_difflib(patterns, state, threshold):
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(state)  # b2j of the state is built once, as KATO's loop over patterns allowed
    found = []
    for k, pattern in enumerate(patterns):
        matcher.set_seq1(pattern)
        matched = sum(block.size for block in matcher.get_matching_blocks())
        similarity = 2.0 * matched / (len(pattern) + len(state)) if pattern or state else 0.0
        if similarity >= threshold:
            found.append((-similarity, k, matched))
    found.sort()
    return [(k, matched) for _, k, matched in found]


def digest(candidates):
    """SHA-1 of "id:lcs\\n" per candidate in order; bench/_digest.ts computes the same."""
    return hashlib.sha1("".join(f"{k}:{lcs}\n" for k, lcs in candidates).encode()).hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--patterns", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=5)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--method", choices=["dp", "difflib"], default="dp")
    args = parser.parse_args()
    _, patterns, states = read_dataset(args.dataset, args.patterns)
    states = states[:args.queries]
    query = query_dp if args.method == "dp" else query_difflib
    times, counts, digests = [], [], []
    for state in states:
        started = time.perf_counter()
        candidates = query(patterns, state, args.threshold)
        times.append((time.perf_counter() - started) * 1000)
        counts.append(len(candidates))
        digests.append(digest(candidates))
    print(json.dumps({
        "bench": "kato_baseline",
        "method": args.method,
        "python": sys.version.split()[0],
        "patterns": len(patterns),
        "threshold": args.threshold,
        "queries": len(states),
        "ms": times,
        "candidates": counts,
        "digests": digests,
    }))


if __name__ == "__main__":
    main()
