#!/usr/bin/env python3
"""Synthetic fraud-like training data for the skewgate demo and tests.

    python3 examples/training/generate.py --rows 2000 --out examples/training/fraud-train.csv
    python3 examples/training/generate.py --rows 100000 --shift --format jsonl --out live.jsonl

Columns: transaction_id (an identifier: pass --ignore transaction_id to skewgate baseline),
amount (log-normal, heavy tail), age (integer), distance_km (exponential, ~3% missing),
hour (0..23), country and channel (categorical), prediction (the model's fraud score).
--shift produces "serving" data with a skew: larger amounts, more app traffic and a new
country, so a canary gated on skew has something to catch. Deterministic for a given seed.
"""
import argparse
import csv
import json
import sys

import numpy as np

COUNTRIES = ["US", "GB", "DE", "FR", "ES", "IT", "NL", "BR", "IN", "JP"]
COUNTRY_P = [0.35, 0.15, 0.12, 0.10, 0.07, 0.06, 0.05, 0.05, 0.03, 0.02]
CHANNELS = ["web", "app", "pos"]


def generate(rows, shift, seed):
    rng = np.random.default_rng(seed)
    amount = rng.lognormal(3.5 + (0.6 if shift else 0.0), 1.1, rows).round(2)
    age = rng.integers(18, 91, rows)
    distance = rng.exponential(12.0, rows).round(1)
    hour = (rng.normal(14, 5, rows).round() % 24).astype(int)
    countries = list(COUNTRIES)
    probs = list(COUNTRY_P)
    if shift:
        countries.append("NG")  # a country the model never saw
        probs = [p * 0.9 for p in probs] + [0.1]
    country = rng.choice(countries, rows, p=probs)
    channel_p = [0.3, 0.6, 0.1] if shift else [0.5, 0.35, 0.15]
    channel = rng.choice(CHANNELS, rows, p=channel_p)
    z = -4 + 0.6 * np.log(amount) - 0.01 * age + 0.02 * distance + (country == "BR") * 0.8
    prediction = (1 / (1 + np.exp(-z))).round(4)
    missing = rng.uniform(size=rows) < 0.03
    for i in range(rows):
        yield {
            "transaction_id": "tx-%d-%07d" % (seed, i),
            "amount": float(amount[i]),
            "age": int(age[i]),
            "distance_km": None if missing[i] else float(distance[i]),
            "hour": int(hour[i]),
            "country": str(country[i]),
            "channel": str(channel[i]),
            "prediction": float(prediction[i]),
        }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--shift", action="store_true", help="serving data with skew")
    ap.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    ap.add_argument("--out", default="-")
    args = ap.parse_args()
    out = sys.stdout if args.out == "-" else open(args.out, "w", newline="")
    rows = generate(args.rows, args.shift, args.seed)
    if args.format == "jsonl":
        for r in rows:
            out.write(json.dumps(r) + "\n")
    else:
        fields = ["transaction_id", "amount", "age", "distance_km", "hour", "country",
                  "channel", "prediction"]
        w = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if v is None else v) for k, v in r.items()})
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
