#!/usr/bin/env python3
"""Golden vectors for src/kato, computed by CPython's difflib and a plain Python
reading of SEMANTICS.md §3 (written from the spec, not from the TypeScript).

Writes tests/golden/alignment.json (sorting, repr/names, difflib, per-candidate
alignment) and tests/golden/ensemble.json (whole prediction requests).
Deterministic: fixed seed, stdlib only. Usage: python3 tools/gen_golden.py
"""

import difflib
import hashlib
import json
import pathlib
import random
import sys

from golden_ref import align, lcs, learn_node, predict, finalize, similarity

SEED = 20240611
OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "golden"

TINY = ["a", "b", "c"]
SMALL = list("abcdefgh")
WORDS = ["hello", "world", "test", "foo", "bar", "baz", "qux", "alpha", "beta", "gamma",
         "delta", "VCTR|x", "PTRN|y", "10", "2", "1", "", " "]
# Quotes, backslashes, control and format characters, astral characters, a lone
# surrogate, characters around the UTF-16 surrogate range, and code points that
# Unicode 14 leaves unassigned but later versions assign (U+0897, U+1B4E).
UNICODE = ["é", "ß", "日本", "\u00a0", "x\ty", "it's", 'say "hi"', "both '\"", "back\\slash",
           "\n", "\r\n", "", " ", "\x7f", "\x00", "\u200b", "\u2028", "\U0001f600", "\ud800",
           "\udfff", "\uffff", "\ue000", "\U000e0001", "\U0010ffff", "\u0897", "\u1b4e",
           "A", "Z", "a", "ÿ", "\u0085", "\xad", "Ω"]
ALPHABETS = [TINY, SMALL, WORDS, UNICODE]


def name_of(events):
    return hashlib.sha1(repr(events).encode("utf-8")).hexdigest()


def rand_events(rng, alphabet, n_symbols, max_event=4, empty_rate=0.0, sort=True):
    events, total = [], 0
    while total < n_symbols:
        if rng.random() < empty_rate:
            events.append([])
            continue
        size = min(rng.randint(1, max_event), n_symbols - total)
        event = [rng.choice(alphabet) for _ in range(size)]
        events.append(sorted(event) if sort else event)
        total += size
    return events


def mutate(rng, events, alphabet, empty_rate=0.0):
    """An STM that resembles the pattern: a window, with drops and insertions."""
    flat_events = [list(e) for e in events]
    start = rng.randint(0, max(0, len(flat_events) - 1))
    end = rng.randint(start + 1, len(flat_events))
    out = []
    for event in flat_events[start:end]:
        event = [s for s in event if rng.random() > 0.2]
        if rng.random() < 0.3:
            event.append(rng.choice(alphabet))
        if event:
            out.append(sorted(event))
        elif rng.random() < empty_rate:
            out.append([])
        if rng.random() < 0.15:
            out.append(sorted(rng.choice(alphabet) for _ in range(rng.randint(1, 3))))
    return out or [[rng.choice(alphabet)]]


def flat(events):
    return [s for e in events for s in e]


def alignment_case(pattern, stm):
    P, S = flat(pattern), flat(stm)
    a = align(pattern, stm)
    sm = difflib.SequenceMatcher(None, P, S, autojunk=False)
    blocks = [list(b) for b in sm.get_matching_blocks()[:-1]]
    assert blocks == a["blocks"], "reference alignment disagrees with difflib"
    e_differ = sum(1 for line in difflib.Differ().compare(a["present_flat"], S)
                   if line.startswith("+ "))
    return {"pattern": pattern, "stm": stm, "name": name_of(pattern), "lcs": lcs(P, S),
            "similarity": similarity(P, S), "E_differ": e_differ, **a}


def alignment_cases(rng):
    hand = [
        ([["hello"], ["world"], ["test"]], [["hello"], ["world"]]),
        ([["b"], ["c"], ["b"]], [["c"], ["a"], ["b"]]),
        ([["a", "b"], ["c"], ["d"]], [["b"], ["c"]]),
        ([["a"], ["a"], ["b"]], [["a"], ["b"]]),
        ([["a", "b"]], [["x"], ["y"]]),
        ([["a"], [], ["b"], []], [[], ["a"], [], ["b"]]),
        ([[], ["a"], ["b"]], [["b"]]),
    ]
    cases = [alignment_case(p, s) for p, s in hand]
    for k in range(260):
        alphabet = ALPHABETS[k % len(ALPHABETS)]
        empty_rate = 0.15 if k % 5 == 0 else 0.0
        n = rng.choice([2, 3, 4, 6, 10, 16, 30])
        pattern = rand_events(rng, alphabet, n, empty_rate=empty_rate, sort=k % 7 != 0)
        if k % 3 == 0:
            stm = rand_events(rng, alphabet, rng.randint(1, 12), empty_rate=empty_rate)
        else:
            stm = mutate(rng, pattern, alphabet, empty_rate)
        cases.append(alignment_case(pattern, stm))
    # Long states: > 64 and > 256 symbols, with small alphabets so that autojunk
    # would bite (CPython's Differ) while KATO's compare stays exact.
    for k, (n_p, n_s) in enumerate([(80, 70), (120, 100), (300, 280), (260, 300), (200, 210),
                                     (150, 260), (90, 400), (400, 90)]):
        alphabet = [TINY, SMALL, WORDS, UNICODE][k % 4]
        pattern = rand_events(rng, alphabet, n_p, max_event=5)
        stm = mutate(rng, pattern, alphabet) if k % 2 else rand_events(rng, alphabet, n_s)
        while len(flat(stm)) < n_s // 2:
            stm += rand_events(rng, alphabet, 20)
        cases.append(alignment_case(pattern, stm))
    return cases


def sort_cases(rng):
    pool = UNICODE + WORDS + ["\ud83d", "\ude00", "\ud83dx", "a\U0001f600", "a\uffff",
                              "ab", "a", "B", "b", "aa", "a\x00"]
    cases = []
    for _ in range(40):
        items = [rng.choice(pool) for _ in range(rng.randint(0, 12))]
        cases.append({"input": items, "sorted": sorted(items)})
    return cases


def no_surrogate_pairs(text):
    """JSON cannot carry a high surrogate followed by a low one as two code
    points (every decoder joins them), and a KATO client's strings never hold
    such a pair, so break them up."""
    out = list(text)
    for i in range(1, len(out)):
        if "\ud800" <= out[i - 1] <= "\udbff" and "\udc00" <= out[i] <= "\udfff":
            out[i] = "A"
    return "".join(out)


def repr_cases(rng):
    specials = [0x897, 0x1b4e, 0x1b4f, 0x2ffc, 0x31ef, 0x10d40, 0x1f7d9, 0x1fae9, 0x2b739,
                0x31350, 0xa0, 0xad, 0x85, 0x7f, 0x20, 0x3000, 0xfeff, 0xe000, 0xf8ff, 0xfffe,
                0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0x10000, 0xe0001, 0xf0000, 0x10ffff]
    cases = []
    for k in range(60):
        events = []
        for _ in range(rng.randint(1, 3)):
            event = []
            for _ in range(rng.randint(0, 3)):
                if k % 3 == 0:
                    cps = [rng.choice(specials) for _ in range(rng.randint(1, 4))]
                elif k % 3 == 1:
                    cps = [rng.randrange(0, 0x110000) for _ in range(rng.randint(1, 4))]
                else:
                    cps = [rng.randrange(0, 0x3000) for _ in range(rng.randint(1, 6))]
                event.append(no_surrogate_pairs("".join(map(chr, cps))))
            events.append(event)
        cases.append({"events": events, "repr": repr(events), "name": name_of(events)})
    for events in ([["it's"]], [['say "hi"']], [["both '\""]], [["\\"]], [["\t\n\r\x0b"]]):
        cases.append({"events": events, "repr": repr(events), "name": name_of(events)})
    return cases


def matcher_case(a, b, autojunk, chars):
    sm = difflib.SequenceMatcher(None, a, b, autojunk=autojunk)
    return {"a": a, "b": b, "autojunk": autojunk, "chars": chars,
            "blocks": [list(m) for m in sm.get_matching_blocks()[:-1]],
            "opcodes": [list(op) for op in sm.get_opcodes()], "ratio": sm.ratio(),
            "quick_ratio": sm.quick_ratio(), "real_quick_ratio": sm.real_quick_ratio()}


def near(rng, word):
    chars = list(word)
    for _ in range(rng.randint(0, 2)):
        op = rng.random()
        pos = rng.randint(0, len(chars))
        if op < 0.4 and chars:
            chars.pop(min(pos, len(chars) - 1))
        elif op < 0.7:
            chars.insert(pos, rng.choice("abcxyz\U0001f600"))
        elif chars:
            chars[min(pos, len(chars) - 1)] = rng.choice("qrs")
    return "".join(chars)


def difflib_cases(rng):
    matchers, differs = [], []
    for k in range(40):
        alphabet = [TINY, SMALL, WORDS, UNICODE][k % 4]
        long = k % 5 == 4
        a = [rng.choice(alphabet) for _ in range(rng.randint(250, 400) if long else rng.randint(0, 30))]
        b = [rng.choice(alphabet) for _ in range(rng.randint(200, 420) if long else rng.randint(0, 30))]
        matchers.append(matcher_case(a, b, k % 2 == 0, False))
    for k in range(30):
        base = "".join(rng.choice("abcdé\U0001f600 ") for _ in range(rng.randint(0, 40 if k % 6 else 260)))
        other = "".join(near(rng, base[i:i + 7]) for i in range(0, len(base), 7))
        matchers.append(matcher_case(base, other, k % 3 != 0, True))
    words = ["alpha", "alphb", "beta", "betta", "gamma", "gamme", "x", "y", "line one",
             "line two", "popular", "\U0001f600face", "\U0001f600fase"]
    for k in range(50):
        long = k % 4 == 3
        n_a, n_b = (rng.randint(150, 260), rng.randint(200, 300)) if long else (rng.randint(0, 20), rng.randint(0, 20))
        a = [near(rng, rng.choice(words)) if rng.random() < 0.5 else rng.choice(words) for _ in range(n_a)]
        b = [near(rng, rng.choice(words)) if rng.random() < 0.5 else rng.choice(words) for _ in range(n_b)]
        plus = sum(1 for line in difflib.Differ().compare(a, b) if line.startswith("+ "))
        differs.append({"a": a, "b": b, "plus": plus})
    return matchers, differs


def ensemble_cases(rng):
    cases = []
    worked = learn_node([([["hello"], ["world"], ["test"]], [])])
    cases.append(request_case(worked, [["hello"], ["world"]], 0.1, 100, "potential", None))
    cases.append(request_case(worked, [["hello"], ["world"]], 0.1, 100, "potential",
                              finalize(worked)))
    ref = learn_node([([["b"], ["c"], ["b"]], []), ([["a"], ["a"], ["b"]], []),
                      ([["a", "b"], ["c"], ["d"]], [])])
    cases.append(request_case(ref, [["c"], ["a"], ["b"]], 0.0, 100, "potential", None))
    ranks = ["potential"] * 6 + ["similarity", "frequency", "evidence", "confidence", "snr",
                                  "fragmentation", "bayesian_posterior", "itfdf_similarity",
                                  "predictive_information", "pattern_probability"]
    for k in range(45):
        alphabet = [TINY, SMALL, WORDS, UNICODE][k % 4]
        learned = []
        for _ in range(rng.randint(2, 30)):
            events = rand_events(rng, alphabet, rng.randint(2, 12))
            emotives = [{rng.choice(["joy", "fear", "calm"]): round(rng.uniform(-2, 2), 3)
                         for _ in range(rng.randint(1, 2))} for _ in range(rng.randint(0, 3))]
            learned.append((events, emotives))
            if rng.random() < 0.3:
                learned.append((events, []))  # re-learn: frequency 2+, pmf unchanged
        node = learn_node(learned[: len(learned) // 2])
        finalized = finalize(node) if k % 3 == 0 else None
        node = learn_node(learned)  # patterns learned after finalize are not finalized
        source = rng.choice(learned)[0]
        stm = mutate(rng, source, alphabet) if k % 4 else rand_events(rng, alphabet, rng.randint(1, 8))
        threshold = rng.choice([0.0, 0.0, 0.1, 0.1, 0.3, 0.5])
        max_predictions = rng.choice([1, 2, 3, 5, 100])
        cases.append(request_case(node, stm, threshold, max_predictions, ranks[k % len(ranks)],
                                  finalized))
    return cases


def request_case(node, stm, threshold, max_predictions, rank, finalized):
    state = flat(stm)
    scored = []
    for pattern in node["patterns"]:
        sim = similarity(flat(pattern["events"]), state)
        if sim >= threshold:
            scored.append({**pattern, "similarity": sim})
    scored.sort(key=lambda c: -c["similarity"])  # stable: ties keep learn order
    expected = predict(stm, scored, node["stats"], max_predictions, rank, finalized or {})
    return {"stm": stm, "threshold": threshold, "stats": node["stats"], "candidates": scored,
            "options": {"max_predictions": max_predictions, "rank_sort_algo": rank},
            "finalized": finalized or {}, "expected": expected}


def write(name, data):
    text = json.dumps(data, separators=(",", ":"), sort_keys=False)
    (OUT / name).write_text(text + "\n")
    print(f"{name}: {len(text):,} bytes", file=sys.stderr)


def main():
    rng = random.Random(SEED)
    OUT.mkdir(parents=True, exist_ok=True)
    matchers, differs = difflib_cases(rng)
    meta = {"generator": "tools/gen_golden.py", "python": sys.version.split()[0], "seed": SEED}
    write("alignment.json", {**meta, "sort": sort_cases(rng), "repr": repr_cases(rng),
                             "matchers": matchers, "differs": differs,
                             "alignment": alignment_cases(rng)})
    write("ensemble.json", {**meta, "cases": ensemble_cases(rng)})


if __name__ == "__main__":
    main()
