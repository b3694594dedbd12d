#!/usr/bin/env python3
"""Checks `skewgate baseline` against numpy on a CSV larger than the memory limit given.

Run by CTest (label unit):
    python3 tests/oracle/baseline_oracle.py --skewgate build/bin/skewgate

Writes a CSV of 250,000 rows (heavy-tailed, tied, zero-inflated, negative and missing
values, plus a categorical column), builds a baseline with --memory-limit 512K so the
numeric values (~6 MB) must spill to disk, and checks every cut, summary quantile and count
against numpy.quantile (default "linear" method) on the same data.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skewgate", required=True)
    ap.add_argument("--rows", type=int, default=250_000)
    args = ap.parse_args()
    rng = np.random.default_rng(11)
    n = args.rows
    cols = {
        "heavy": rng.standard_cauchy(n),
        "ties": rng.integers(0, 7, n).astype(float),
        "zero_inflated": np.where(rng.uniform(size=n) < 0.4, 0.0, rng.exponential(5, n)),
        "negative": -rng.lognormal(0, 2, n),
    }
    missing = rng.uniform(size=n) < 0.02
    labels = rng.choice(["a", "b", "c,with comma", "d"], n, p=[0.5, 0.3, 0.15, 0.05])
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "train.csv")
        with open(path, "w") as f:
            f.write("heavy,ties,zero_inflated,negative,label\n")
            for i in range(n):
                neg = "" if missing[i] else repr(float(cols["negative"][i]))
                lab = '"%s"' % labels[i] if "," in labels[i] else labels[i]
                f.write("%r,%r,%r,%s,%s\n" % (float(cols["heavy"][i]), float(cols["ties"][i]),
                                               float(cols["zero_inflated"][i]), neg, lab))
        out = os.path.join(tmp, "baseline.json")
        size = os.path.getsize(path)
        r = subprocess.run([args.skewgate, "baseline", "--input", path, "--output", out,
                            "--memory-limit", "512K", "--temp-dir", tmp],
                           capture_output=True, text=True, timeout=240)
        if r.returncode != 0:
            sys.exit("skewgate baseline failed: " + r.stderr)
        if "spilled" not in r.stderr:
            failures += 1
            print("FAIL: expected the build to spill with --memory-limit 512K:\n" + r.stderr)
        with open(out) as f:
            baseline = json.load(f)
    cols["negative"] = cols["negative"][~missing]
    for feat in baseline["features"]:
        name = feat["name"]
        if name == "label":
            want = {k: int(v) for k, v in zip(*np.unique(labels, return_counts=True))}
            got = dict(zip(feat["labels"], feat["counts"]))
            if got != want:
                failures += 1
                print("FAIL label counts %s, numpy %s" % (got, want))
            continue
        x = cols[name]
        qs = np.quantile(x, np.arange(1, 20) / 20)
        cuts, points = [], []
        for q in qs:
            if cuts and q == cuts[-1]:
                points[-1] = True
            else:
                cuts.append(float(q))
                points.append(False)
        if feat["cuts"] != cuts or feat["points"] != points:
            failures += 1
            print("FAIL %s cuts %s, numpy %s" % (name, feat["cuts"], cuts))
            continue
        for (p, v) in feat["stats"]["quantiles"]:
            want = float(np.quantile(x, p))
            if abs(v - want) > 1e-9 * max(abs(v), abs(want)):
                failures += 1
                print("FAIL %s quantile %g: %.17g, numpy %.17g" % (name, p, v, want))
        if feat["stats"]["count"] != len(x):
            failures += 1
            print("FAIL %s count %d, want %d" % (name, feat["stats"]["count"], len(x)))
        if sum(feat["counts"]) != n:
            failures += 1
            print("FAIL %s bucket counts sum to %d, want %d" % (name, sum(feat["counts"]), n))
    if failures:
        print("%d disagreement(s)" % failures)
        return 1
    print("baseline of a %.1f MB CSV built with a 512 KiB memory limit agrees with numpy" %
          (size / 1e6))
    return 0


if __name__ == "__main__":
    sys.exit(main())
