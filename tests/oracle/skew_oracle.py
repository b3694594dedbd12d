#!/usr/bin/env python3
"""Checks skewgate's skew statistics against scipy/numpy on many generated data sets.

Run by CTest (label unit):
    python3 tests/oracle/skew_oracle.py --probe build/bin/skew_oracle_probe

Data sets: shifted, scaled, re-encoded categories, sparse, single-bin, heavy-tailed,
tiny samples. For each one the probe (the C++ library) and the references below must agree
to 1e-9 relative (with an absolute floor of 1e-13 for values at zero, where a relative
error is meaningless):
  JS          scipy.spatial.distance.jensenshannon(p, q, base=2) ** 2
  PSI         numpy, zero shares replaced by 1e-4 (Evidently's convention)
  L-inf       numpy max |p - q|
  binned KS   numpy max |cumsum(p) - cumsum(q)|
  Wasserstein scipy.stats.wasserstein_distance(centres, centres, p, q) / scale
  chi-square  scipy.stats.chi2_contingency(merged table, correction=False)
Baseline quantiles are checked against numpy.quantile (default "linear" method) and the bin
counts against a numpy count on the same bucket layout.
"""
import argparse
import json
import subprocess
import sys

import numpy as np
from scipy import stats
from scipy.spatial import distance

REL = 1e-9
ABS = 1e-13


def close(a, b, rel=REL, abs_=ABS):
    return abs(a - b) <= rel * max(abs(a), abs(b)) + abs_


def run_probe(probe, cases):
    out = subprocess.run([probe], input=json.dumps(cases).encode(), capture_output=True,
                         check=False, timeout=240)
    if out.returncode != 0:
        sys.exit("probe failed (%d): %s" % (out.returncode, out.stderr.decode()))
    return json.loads(out.stdout)


# ---------------------------------------------------------------- distances

def merge_groups(b, l, min_expected=5.0):
    """The documented merge: adjacent buckets left to right until the smaller expected
    count of the merged column reaches min_expected; a short last group joins the previous
    one; buckets empty on both sides are dropped."""
    rb, rl = b.sum(), l.sum()
    n = rb + rl
    rmin = min(rb, rl)
    groups, cols_b, cols_l = [-1] * len(b), [], []
    cb = cl = 0.0
    open_ = []
    for i in range(len(b)):
        if b[i] + l[i] == 0:
            continue
        cb += b[i]
        cl += l[i]
        open_.append(i)
        if (cb + cl) * rmin / n >= min_expected:
            for j in open_:
                groups[j] = len(cols_b)
            cols_b.append(cb)
            cols_l.append(cl)
            cb = cl = 0.0
            open_ = []
    if open_:
        if not cols_b:
            cols_b.append(0.0)
            cols_l.append(0.0)
        for j in open_:
            groups[j] = len(cols_b) - 1
        cols_b[-1] += cb
        cols_l[-1] += cl
    return groups, np.array([cols_b, cols_l])


def reference(p, q, centres, scale):
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    pn, qn = p / p.sum(), q / q.sum()
    pz = np.where(pn == 0, 1e-4, pn)
    qz = np.where(qn == 0, 1e-4, qn)
    ref = {
        "js": float(distance.jensenshannon(p, q, base=2) ** 2),
        "psi": float(np.sum((qz - pz) * np.log(qz / pz))),
        "linf": float(np.max(np.abs(pn - qn))),
        "ks": float(np.max(np.abs(np.cumsum(pn) - np.cumsum(qn)))),
        "wasserstein": float(stats.wasserstein_distance(centres, centres, p, q) / scale),
    }
    groups, table = merge_groups(p, q)
    if table.shape[1] < 2:
        chi = {"statistic": 0.0, "dof": 0, "p_value": 1.0}
    else:
        r = stats.chi2_contingency(table, correction=False)
        chi = {"statistic": float(r.statistic), "dof": int(r.dof), "p_value": float(r.pvalue)}
    chi["groups"] = groups
    ref["chi2"] = chi
    return ref


def binned(reference_sample, live_sample, bins=20):
    """Counts of two samples on quantile bins of the reference (np.digitize, right-open)."""
    cuts = np.unique(np.quantile(reference_sample, np.arange(1, bins) / bins))
    p = np.bincount(np.digitize(reference_sample, cuts), minlength=len(cuts) + 1)
    q = np.bincount(np.digitize(live_sample, cuts), minlength=len(cuts) + 1)
    lo = min(reference_sample.min(), cuts[0]) if len(cuts) else reference_sample.min()
    hi = max(reference_sample.max(), cuts[-1]) if len(cuts) else reference_sample.max()
    edges = np.concatenate(([lo], cuts, [hi]))
    centres = (edges[:-1] + edges[1:]) / 2
    return p, q, centres, float(np.std(reference_sample)) or 1.0


def distance_cases(rng):
    cases = []
    n_ref = 20000

    def add(name, p, q, centres, scale):
        p = [float(x) for x in p]
        q = [float(x) for x in q]
        if sum(p) == 0 or sum(q) == 0:
            return
        cases.append((name, {"op": "distances", "p": p, "q": q,
                             "centres": [float(c) for c in centres], "scale": float(scale)}))

    for trial in range(30):
        base = rng.normal(0, 1, n_ref)
        n_live = int(rng.choice([50, 500, 5000, 50000]))
        shift = rng.uniform(0, 2)
        scale = rng.uniform(0.5, 3)
        add("identical-%d" % trial, *binned(base, base))
        add("same-dist-%d" % trial, *binned(base, rng.normal(0, 1, n_live)))
        add("shifted-%d" % trial, *binned(base, rng.normal(shift, 1, n_live)))
        add("scaled-%d" % trial, *binned(base, rng.normal(0, scale, n_live)))
        heavy = rng.standard_cauchy(n_ref)
        add("heavy-tailed-%d" % trial, *binned(heavy, rng.standard_cauchy(n_live) * scale))
        lognorm = rng.lognormal(0, 2, n_ref)
        add("lognormal-%d" % trial, *binned(lognorm, rng.lognormal(shift, 2, n_live)))
        # Zero-inflated: a mass point collapses bins.
        zi = np.where(rng.uniform(size=n_ref) < 0.6, 0.0, rng.exponential(1, n_ref))
        zl = np.where(rng.uniform(size=n_live) < rng.uniform(0.3, 0.9), 0.0,
                      rng.exponential(1, n_live))
        add("zero-inflated-%d" % trial, *binned(zi, zl))
        # Categorical with re-encoded labels: the same probabilities on other categories.
        k = int(rng.integers(2, 60))
        probs = rng.dirichlet(np.ones(k) * rng.uniform(0.2, 3))
        pc = rng.multinomial(n_ref, probs)
        qc = rng.multinomial(n_live, rng.permutation(probs))
        add("re-encoded-%d" % trial, pc, qc, np.arange(k), 1.0)
        # Sparse: most buckets empty on one side or both.
        sp = rng.multinomial(n_live, probs) * (rng.uniform(size=k) < 0.3)
        sq = rng.multinomial(n_live, probs) * (rng.uniform(size=k) < 0.3)
        add("sparse-%d" % trial, sp + (sp.sum() == 0), sq + (sq.sum() == 0), np.arange(k), 1.0)
        # Tiny samples: chi-square merges almost everything.
        add("tiny-%d" % trial, rng.multinomial(7, probs), rng.multinomial(9, probs),
            np.arange(k), 1.0)
    # Single bucket, and all mass in one of many buckets.
    add("single-bin", [100], [3], [0.0], 1.0)
    add("one-hot", [0, 0, 100, 0], [0, 0, 7, 0], [0, 1, 2, 3], 2.0)
    add("disjoint", [10, 0], [0, 10], [0, 1], 1.0)
    add("huge-counts", [1e15, 3e15, 2e15], [2e15, 2e15, 2e15], [0, 1, 2], 1.0)
    return cases


def check_distances(probe, rng):
    cases = distance_cases(rng)
    results = run_probe(probe, [c for _, c in cases])
    failures = 0
    worst = {}
    for (name, case), got in zip(cases, results):
        want = reference(case["p"], case["q"], case["centres"], case["scale"])
        for key in ("js", "psi", "linf", "ks", "wasserstein"):
            a, b = got[key], want[key]
            rel = abs(a - b) / max(abs(a), abs(b)) if max(abs(a), abs(b)) > 1e-12 else 0.0
            worst[key] = max(worst.get(key, 0.0), rel)
            if not close(a, b):
                failures += 1
                print("FAIL %s %s: skewgate %.17g scipy/numpy %.17g" % (name, key, a, b))
        gc, wc = got["chi2"], want["chi2"]
        if gc["groups"] != wc["groups"] or gc["dof"] != wc["dof"]:
            failures += 1
            print("FAIL %s chi2 merge: %s/%d vs %s/%d" % (name, gc["groups"], gc["dof"],
                                                         wc["groups"], wc["dof"]))
            continue
        for key in ("statistic", "p_value"):
            a, b = gc[key], wc[key]
            # p-values underflow towards 0; below 1e-250 only require both to be tiny.
            ok = close(a, b, abs_=1e-250 if key == "p_value" else ABS)
            rel = abs(a - b) / max(abs(a), abs(b)) if max(abs(a), abs(b)) > 1e-250 else 0.0
            worst["chi2." + key] = max(worst.get("chi2." + key, 0.0), rel)
            if not ok:
                failures += 1
                print("FAIL %s chi2.%s: skewgate %.17g scipy %.17g" % (name, key, a, b))
    print("distances: %d data sets, worst relative differences: %s" % (
        len(cases), ", ".join("%s %.2g" % kv for kv in sorted(worst.items()))))
    return failures


# ---------------------------------------------------------------- baseline quantiles

def layout_counts(values, cuts, points):
    """Counts of finite values on the documented bucket layout, with numpy."""
    v = np.asarray(values, dtype=float)
    j = np.searchsorted(np.asarray(cuts), v, side="right")  # cuts <= v
    bucket_at_cut, b = [], 1
    for pnt in points:
        bucket_at_cut.append(b)
        b += 2 if pnt else 1
    n_buckets = b
    out = np.zeros(n_buckets, dtype=np.int64)
    for x, jj in zip(v, j):
        if jj == 0:
            out[0] += 1
        else:
            k = jj - 1
            out[bucket_at_cut[k] + (1 if points[k] and x != cuts[k] else 0)] += 1
    return out


def check_baselines(probe, rng):
    probs = [0.0, 0.01, 0.05, 0.1, 0.25, 0.33, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0]
    sets = []
    for n in (1, 2, 3, 19, 20, 21, 100, 1001, 5000):
        sets.append(("normal-%d" % n, rng.normal(3, 2, n)))
    sets.append(("ties", rng.integers(0, 5, 3000).astype(float)))
    sets.append(("constant", np.full(500, 2.5)))
    sets.append(("zero-inflated", np.where(rng.uniform(size=4000) < 0.7, 0.0,
                                           rng.exponential(3, 4000))))
    sets.append(("heavy", rng.standard_cauchy(6000)))
    sets.append(("negative-lognormal", -rng.lognormal(0, 3, 4000)))
    sets.append(("tiny-range", 1e-300 * rng.normal(0, 1, 2000)))
    sets.append(("big", 1e150 * rng.uniform(-1, 1, 2000)))
    cases = []
    for name, values in sets:
        vals = [float(x) for x in values]
        cases.append((name, values, {"op": "baseline", "values": vals, "probs": probs}))
    # NaN, infinities and missing values stay out of the quantiles and are counted.
    special = rng.normal(0, 1, 1000)
    vals = [float(x) for x in special] + ["nan", "nan", "inf", "-inf", None, None, None]
    cases.append(("with-specials", special, {"op": "baseline", "values": vals, "probs": probs}))
    results = run_probe(probe, [c for _, _, c in cases])
    failures = 0
    for (name, finite, case), got in zip(cases, results):
        if "error" in got:
            failures += 1
            print("FAIL %s: %s" % (name, got["error"]))
            continue
        if not got["spill_agrees"]:
            failures += 1
            print("FAIL %s: spilled build differs from the in-memory one" % name)
        qs = np.quantile(finite, np.arange(1, 20) / 20)
        want_cuts, want_points = [], []
        for q in qs:
            if want_cuts and q == want_cuts[-1]:
                want_points[-1] = True
            else:
                want_cuts.append(float(q))
                want_points.append(False)
        if got["cuts"] != want_cuts or got["points"] != want_points:
            failures += 1
            print("FAIL %s: cuts %s points %s, numpy %s %s" % (
                name, got["cuts"][:5], got["points"][:5], want_cuts[:5], want_points[:5]))
            continue
        for (p, v), q in zip(got["stats"]["quantiles"], np.quantile(finite, probs)):
            if not close(v, float(q), abs_=0.0):
                failures += 1
                print("FAIL %s: quantile %g = %.17g, numpy %.17g" % (name, p, v, q))
        counts = layout_counts(finite, want_cuts, want_points)
        specials = case["values"][len(finite):]
        counts[0] += specials.count("-inf")
        counts[-1] += specials.count("inf")
        want_counts = list(counts) + [specials.count("nan"), specials.count(None)]
        if got["counts"] != [int(c) for c in want_counts]:
            failures += 1
            print("FAIL %s: counts %s, numpy %s" % (name, got["counts"], want_counts))
        st = got["stats"]
        if not (close(st["mean"], float(np.mean(finite)), rel=1e-9, abs_=1e-300 + 1e-12 *
                      float(np.max(np.abs(finite))))
                and close(st["std"], float(np.std(finite)), rel=1e-9,
                          abs_=1e-12 * float(np.max(np.abs(finite)))  + 1e-300)):
            failures += 1
            print("FAIL %s: mean/std %.17g/%.17g, numpy %.17g/%.17g" % (
                name, st["mean"], st["std"], np.mean(finite), np.std(finite)))
    print("baselines: %d data sets checked against numpy.quantile" % len(cases))
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--probe", required=True, help="path to skew_oracle_probe")
    ap.add_argument("--seed", type=int, default=20261126)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    failures = check_distances(args.probe, rng) + check_baselines(args.probe, rng)
    if failures:
        print("%d disagreement(s) with the oracle" % failures)
        return 1
    print("all skew statistics agree with scipy/numpy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
