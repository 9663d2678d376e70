"""A plain Python reading of SEMANTICS.md §2–3 (learn statistics, alignment,
ensemble metrics, ranking), used by gen_golden.py as the reference.

It follows KATO's own code shapes (extractor.py, prediction.py, metrics.py,
predictive_information.py, pattern_processor.py) where the spec leaves the
order of floating-point operations open. Summation runs in first-appearance
order where KATO iterates a Python set (hash order, not reproducible).
"""

import difflib
import hashlib
import json
import math
from collections import Counter
from functools import reduce
from operator import add

PERSISTENCE = 5


def flat(events):
    return [s for e in events for s in e]


def lcs(a, b):
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b):
            cur[j + 1] = prev[j] + 1 if x == y else max(prev[j + 1], cur[j])
        prev = cur
    return prev[-1]


def similarity(P, S):
    return ((2.0 * lcs(P, S) / (len(P) + len(S))) * 100.0) / 100.0


def vendored_compare(a, b):
    """KATO's extractor.SequenceMatcher(a, b).compare(): R/O without autojunk,
    replaced ranges dumped plainly (shorter side first)."""
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, alo, ahi, blo, bhi in sm.get_opcodes():
        if tag == "replace":
            dumps = [("-", a, alo, ahi), ("+", b, blo, bhi)]
            if bhi - blo < ahi - alo:
                dumps.reverse()
        elif tag == "delete":
            dumps = [("-", a, alo, ahi)]
        elif tag == "insert":
            dumps = [("+", b, blo, bhi)]
        else:
            continue
        for tag_char, x, lo, hi in dumps:
            for i in range(lo, hi):
                yield "%s %s" % (tag_char, x[i])


def align(pattern, stm):
    P, S = flat(pattern), flat(stm)
    blocks = difflib.SequenceMatcher(None, P, S, autojunk=False).get_matching_blocks()[:-1]
    matches = []
    for i, j, n in blocks:
        matches += S[j:j + n]
    if len(blocks) >= 2:
        past_flat = P[:blocks[0][0]]
        present_flat = P[blocks[0][0]:blocks[-1][0] + blocks[-1][2]]
    elif len(blocks) == 1:
        past_flat, present_flat = P[:blocks[0][0]], P[blocks[0][0]:blocks[0][0] + blocks[0][2]]
    else:
        past_flat, present_flat = [], P
    extras_flat = []
    if present_flat:
        extras_flat = [line[2:] for line in vendored_compare(present_flat, S)
                       if line.startswith("+ ")]
    E = len(extras_flat)

    # Event expansion: whole events until the running count reaches each length.
    count, n = 0, 0
    while count < len(past_flat):
        count += len(pattern[n])
        n += 1
    past_end = n
    while count < len(past_flat) + len(present_flat):
        count += len(pattern[n])
        n += 1
    past = [list(e) for e in pattern[:past_end]]
    present = [list(e) for e in pattern[past_end:n]]
    future = [list(e) for e in pattern[n:]]
    if past and matches[0] in past[-1]:
        present.insert(0, past.pop())

    missing = [[s for s in e if s not in matches] for e in present]
    present_symbols = flat(present)
    extras = [[s for s in e if s not in present_symbols] for e in stm]
    m = len(matches)
    denominator = 2.0 * m + E
    return {
        "blocks": [list(b) for b in blocks], "matches": matches, "past_flat": past_flat,
        "present_flat": present_flat, "fragmentation": float(len(blocks) - 1), "E": E,
        "past": past, "present": present, "future": future, "missing": missing,
        "extras": extras,
        "evidence": m / len(P) if P else 0.0,
        "confidence": m / len(present_symbols) if present_symbols else 0.0,
        "snr": (2.0 * m - E) / denominator if denominator > 0 else 0.0,
    }


def learn_node(learned):
    """Replays learns (SEMANTICS §2): new patterns add pmf and totals, re-learns
    add frequency only."""
    patterns, pmf, freq = {}, Counter(), Counter()
    for events, emotives in learned:
        symbols = flat(events)
        if len(symbols) < 2:
            continue
        name = hashlib.sha1(repr(events).encode("utf-8")).hexdigest()
        counts = Counter(symbols)
        freq.update(counts)
        if name in patterns:
            patterns[name]["frequency"] += 1
            if emotives:
                stored = patterns[name]["emotives"] + emotives
                patterns[name]["emotives"] = stored[-PERSISTENCE:]
        else:
            patterns[name] = {"name": name, "events": events, "length": len(symbols),
                              "frequency": 1, "emotives": emotives[-PERSISTENCE:]}
            for s in counts:
                pmf[s] += 1
    stats = {"pmf": dict(pmf), "T": len(freq), "U": len(patterns),
             "total_pattern_frequencies": len(patterns)}
    return {"patterns": list(patterns.values()), "stats": stats}


def entropy_family(symbols, prob, T, U):
    L = len(symbols)
    counts = Counter(symbols)
    entropy = normalized = global_ = 0.0
    for c in counts.values():
        p = c / L
        entropy -= p * math.log2(p)
    if T > 1:
        for c in counts.values():
            p = c / L
            normalized -= p * math.log(p, T)
        for s in counts:
            q = prob(s)
            if q > 0:
                global_ -= q * math.log(q, T)
    tfidf = 0.0
    if L > 0 and U > 0:
        scores = []
        for s, c in counts.items():
            pws = int(prob(s) * U) or 1
            scores.append((c / L) * (math.log2(U / pws) + 1))
        tfidf = sum(scores) / len(scores)
    return {"entropy": entropy, "normalized_entropy": normalized,
            "global_normalized_entropy": global_, "tfidf_score": tfidf}


def finalize(node):
    stats = node["stats"]
    U, T, pmf = stats["U"], stats["T"], stats["pmf"]
    prob = lambda s: pmf[s] / U if s in pmf and U > 0 else 0.0
    return {p["name"]: entropy_family(flat(p["events"]), prob, T, U) for p in node["patterns"]}


def average_emotives(record):
    values = {}
    for bunch in record:
        for e, v in bunch.items():
            values.setdefault(e, []).append(v)
    return {e: float(sum(v) / len(v)) for e, v in values.items()}


def frag_term(p):
    return 0.0 if p["fragmentation"] == -1 else 1.0 / (p["fragmentation"] + 1)


def predict(stm, candidates, stats, max_predictions, rank, finalized):
    state = flat(stm)
    if not state:
        return {"predictions": [], "future_potentials": []}
    preds = []
    for c in candidates:
        a = align(c["events"], stm)
        preds.append({
            "type": "prototypical", "name": c["name"], "frequency": max(1, c["frequency"]),
            "emotives": average_emotives(c["emotives"]), "matches": a["matches"],
            "past": a["past"], "present": a["present"], "missing": a["missing"],
            "extras": a["extras"], "anomalies": [], "evidence": a["evidence"],
            "similarity": c["similarity"], "fragmentation": a["fragmentation"], "snr": a["snr"],
            "sequence": c["events"], "future": a["future"], "confidence": a["confidence"],
            "weighted_similarity": None, "weighted_evidence": None,
            "weighted_confidence": None, "weighted_snr": None,
        })

    limit = 3 * max_predictions
    if len(preds) > limit:
        pre = lambda p: (p["evidence"] + p["confidence"]) * p["snr"] + frag_term(p)
        best = sorted(preds, key=lambda p: (-pre(p), -p["similarity"], p["name"]))[:limit]
        keep = {p["name"] for p in best}
        preds = [p for p in preds if p["name"] in keep]

    pmf, T, U = stats["pmf"], stats["T"], stats["U"]
    tpf = stats["total_pattern_frequencies"]
    spc = {}
    for p in preds:
        for s in p["matches"] + flat(p["missing"]):
            if s not in spc:
                spc[s] = pmf[s] / U if s in pmf and U > 0 else 0.0
    F = sum(p["frequency"] for p in preds)

    universe = sorted(set(state).union(*(flat(p["present"]) for p in preds)))
    state_counts = Counter(state)
    v_state = [spc.get(s, 0) * state_counts.get(s, 0) for s in universe]
    state_norm = math.sqrt(sum(x * x for x in v_state))
    for p in preds:
        present = flat(p["present"])
        counts = Counter(present)
        distance = 1.0
        if state_norm > 0:
            v = [spc.get(s, 0) * counts.get(s, 0) for s in universe]
            dot = sum(x * y for x, y in zip(v, v_state))
            denom = math.sqrt(sum(x * x for x in v)) * state_norm
            distance = 1.0 - (dot / denom if denom > 0 else 0.0)
        p["itfdf_similarity"] = 1 - (distance * p["frequency"] / F)
        p_pattern = p["frequency"] / tpf if tpf > 0 else 0.0
        if present:
            logs = [math.log10(q) if (q := spc.get(s, 1e-10)) > 0 else math.log10(1e-10)
                    for s in present]
            p["confluence"] = p_pattern * (1 - 10 ** reduce(add, logs))
        else:
            p["confluence"] = 0.0
        metrics = finalized.get(p["name"]) or entropy_family(present, lambda s: spc.get(s, 0), T, U)
        p.update(metrics)

    # Predictive information, grouped by future with each event sorted.
    groups = {}
    for p in preds:
        p["pattern_probability"] = p["frequency"] / F
        p["weighted_strength"] = p["similarity"] * p["pattern_probability"]
    for p in preds:
        if not p["future"]:
            continue
        key = json.dumps([sorted(e) for e in p["future"]], sort_keys=True)
        g = groups.setdefault(key, {"future": p["future"], "twf": 0.0, "count": 0})
        g["twf"] += p["frequency"] * p["similarity"]
        g["count"] += 1
    total = sum(g["twf"] for g in groups.values())
    for g in groups.values():
        g["aggregate_potential"] = g["twf"] / total if total > 0 else 0.0
    for p in preds:
        p["predictive_information"] = 0.0
        if p["future"]:
            g = groups[json.dumps([sorted(e) for e in p["future"]], sort_keys=True)]
            if g["aggregate_potential"] > 0:
                p["predictive_information"] = p["weighted_strength"] / g["aggregate_potential"]
    future_potentials = [
        {"future": g["future"], "aggregate_potential": g["aggregate_potential"],
         "supporting_patterns": g["count"], "total_weighted_frequency": g["twf"]}
        for g in sorted(groups.values(), key=lambda g: g["aggregate_potential"], reverse=True)
    ]

    priors = [p["frequency"] / float(F) for p in preds]
    evidence_sum = 0.0
    for p, prior in zip(preds, priors):
        evidence_sum += p["similarity"] * prior
    for p, prior in zip(preds, priors):
        p["bayesian_prior"] = prior
        p["bayesian_likelihood"] = p["similarity"]
        p["bayesian_posterior"] = (p["similarity"] * prior) / evidence_sum if evidence_sum > 0 else 0.0
        p["potential"] = (p["evidence"] + p["confidence"]) * p["snr"] + p["itfdf_similarity"] + frag_term(p)

    ranked = sorted(preds, key=lambda p: (-p[rank], -p["similarity"], p["name"]))
    return {"predictions": ranked[:max_predictions], "future_potentials": future_potentials}
