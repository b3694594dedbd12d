#!/usr/bin/env bash
# Sidecar load test: wrk against the reference model server directly, through
# skewgate-sidecar, and through nginx proxy_pass (keep-alive upstream), in one run.
# Writes bench/results/sidecar.json and bench/results/sidecar.md.
#
#   BUILD_DIR=build bench/sidecar/run.sh          # BENCH_SECONDS=10 BENCH_CONNECTIONS=32
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
build="${BUILD_DIR:-$repo/build}"
bin="$build/bin"
seconds="${BENCH_SECONDS:-10}"
conns="${BENCH_CONNECTIONS:-32}"
out_dir="$repo/bench/results"
mkdir -p "$out_dir"
tmp="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid" 2>/dev/null)" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

for b in skewgate-model-server skewgate-sidecar sidecar_bench_fixture; do
  [ -x "$bin/$b" ] || { echo "missing $bin/$b: build it first (cmake --build $build --target $b)"; exit 1; }
done
command -v wrk >/dev/null || { echo "wrk not installed (apt-get install wrk)"; exit 1; }
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$nginx_bin" ] || { echo "nginx not installed (apt-get install nginx-light)"; exit 1; }

"$bin/sidecar_bench_fixture" "$tmp"

wait_port() {  # file key → port, from the daemon's first stdout line
  for _ in $(seq 1 200); do
    if [ -s "$1" ]; then python3 -c "import json,sys;print(json.loads(open(sys.argv[1]).readline())[sys.argv[2]])" "$1" "$2" && return; fi
    sleep 0.05
  done
  echo "daemon did not start: $1" >&2; exit 1
}
free_port() { python3 -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])"; }

"$bin/skewgate-model-server" --model "$tmp/model.json" --listen 127.0.0.1:0 >"$tmp/ms.out" 2>"$tmp/ms.err" &
pids+=($!)
mp="$(wait_port "$tmp/ms.out" port)"
"$bin/skewgate-sidecar" --listen-address 127.0.0.1 --port 0 --admin-port 0 \
  --upstream "127.0.0.1:$mp" --baseline "$tmp/baseline.json" --protocol v2 \
  --tensor-columns "input-0=$(cat "$tmp/columns.txt")" --log-level warn >"$tmp/sc.out" 2>"$tmp/sc.err" &
sc_pid=$!
pids+=($sc_pid)
sp="$(wait_port "$tmp/sc.out" port)"
ap="$(wait_port "$tmp/sc.out" adminPort)"
np="$(free_port)"
cat >"$tmp/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/nginx.err warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx-body;
  proxy_temp_path $tmp/nginx-proxy;
  client_max_body_size 32m;
  upstream model { server 127.0.0.1:$mp; keepalive 128; }
  server {
    listen 127.0.0.1:$np;
    location / {
      proxy_pass http://model;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
NGINX
"$nginx_bin" -c "$tmp/nginx.conf" -p "$tmp" 2>"$tmp/nginx.start.err" &
pids+=($!)
sleep 0.5

python3 - "$tmp/body_v2.json" >"$tmp/post.lua" <<'PY'
import json, sys
body = open(sys.argv[1]).read()
print('wrk.method = "POST"')
print('wrk.body = ' + json.dumps(body))
print('wrk.headers["Content-Type"] = "application/json"')
PY

path="/v2/models/bench/infer"
# Sanity: all three answer the same prediction.
for p in "$mp" "$sp" "$np"; do
  curl -sf -X POST -H 'Content-Type: application/json' --data @"$tmp/body_v2.json" "http://127.0.0.1:$p$path" >"$tmp/check.$p"
done
cmp -s "$tmp/check.$mp" "$tmp/check.$sp" && cmp -s "$tmp/check.$mp" "$tmp/check.$np" || {
  echo "responses differ between direct, sidecar and nginx"; exit 1; }

run_wrk() {  # name port connections seconds
  wrk -t1 -c"$3" -d"$4"s --latency -s "$tmp/post.lua" "http://127.0.0.1:$2$path" >"$tmp/wrk.$1.$3" 2>&1
}
curl -s "http://127.0.0.1:$ap/stats?flush=1" >/dev/null
# Warm-up, then the measured runs, interleaved so drift hits all three alike.
for n in direct sidecar nginx; do :; done
run_wrk warm "$sp" "$conns" 2
for target in "direct:$mp" "sidecar:$sp" "nginx:$np"; do run_wrk "${target%%:*}" "${target##*:}" "$conns" "$seconds"; done
# Latency at half of the sidecar's maximum rate: 16 connections, each pausing between
# requests (wrk's delay() hook) so that together they offer about that rate.
half_rate="$(python3 -c "import re,sys;t=open(sys.argv[1]).read();print(float(re.search(r'Requests/sec:\\s+([\\d.]+)',t).group(1))/2)" "$tmp/wrk.sidecar.$conns")"
delay_ms="$(python3 -c "import sys;print(max(1,round(16*1000/float(sys.argv[1]))))" "$half_rate")"
cp "$tmp/post.lua" "$tmp/post_paced.lua"
echo "function delay() return $delay_ms end" >>"$tmp/post_paced.lua"
for target in "direct:$mp" "sidecar:$sp" "nginx:$np"; do
  wrk -t1 -c16 -d"$seconds"s --latency -s "$tmp/post_paced.lua" "http://127.0.0.1:${target##*:}$path" \
    >"$tmp/wrk.${target%%:*}.2" 2>&1
done

rss_kb="$(awk '/VmRSS/ {print $2}' "/proc/$sc_pid/status")"
hwm_kb="$(awk '/VmHWM/ {print $2}' "/proc/$sc_pid/status")"
curl -s "http://127.0.0.1:$ap/stats?flush=1" >"$tmp/stats.json"

python3 - "$tmp" "$conns" "$seconds" "$rss_kb" "$hwm_kb" "$out_dir" "$nginx_bin" "$half_rate" "$delay_ms" "$(uptime)" <<'PY'
import json, os, platform, re, subprocess, sys, datetime
tmp, conns, seconds, rss_kb, hwm_kb, out_dir, nginx_bin, half_rate, delay_ms, uptime = sys.argv[1:11]
half_rate, delay_ms = float(half_rate), int(delay_ms)
conns, seconds = int(conns), int(seconds)

def parse(path):
    t = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
    def lat(p):
        m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)\s*$" % p, t, re.M)
        v, u = float(m.group(1)), m.group(2)
        return v * {"us": 1, "ms": 1000, "s": 1e6}[u]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    sock = re.search(r"Socket errors: (.*)", t)
    return {"requests_per_s": rps, "p50_us": lat(50), "p90_us": lat(90), "p99_us": lat(99),
            "non_2xx": int(errors.group(1)) if errors else 0, "socket_errors": sock.group(1) if sock else ""}

res = {n: {"max": parse(f"{tmp}/wrk.{n}.{conns}"), "low": parse(f"{tmp}/wrk.{n}.2")}
       for n in ("direct", "sidecar", "nginx")}
stats = json.load(open(f"{tmp}/stats.json"))
def ver(cmd):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True)
        return (p.stdout + p.stderr).strip().splitlines()[0]
    except Exception as e:
        return str(e)
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
doc = {
    "date": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
    "machine": {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(),
                "uptime_at_end": uptime.strip()},
    "versions": {"wrk": ver(["wrk", "-v"]), "nginx": ver([nginx_bin, "-v"]),
                 "compiler": ver(["c++", "--version"])},
    "setup": {"connections": conns, "seconds": seconds, "wrk_threads": 1,
              "body": "Open Inference Protocol V2, one tensor [1,32] FP64",
              "upstream": "skewgate-model-server, 1 thread", "sidecar": "1 I/O thread + 1 stats thread",
              "nginx": "worker_processes 1, keepalive 128 to the upstream",
              "baseline": "100 numeric features x 20 bins + 1 output"},
    "results": res,
    "ratios": {"sidecar_vs_direct": res["sidecar"]["max"]["requests_per_s"] / res["direct"]["max"]["requests_per_s"],
               "sidecar_vs_nginx": res["sidecar"]["max"]["requests_per_s"] / res["nginx"]["max"]["requests_per_s"]},
    "paced": {"target_rate": half_rate, "connections": 16, "delay_ms": delay_ms},
    "added_latency_half_rate_us": {"p50": res["sidecar"]["low"]["p50_us"] - res["direct"]["low"]["p50_us"],
                                  "p99": res["sidecar"]["low"]["p99_us"] - res["direct"]["low"]["p99_us"]},
    "sidecar_rss_kb": int(rss_kb), "sidecar_peak_rss_kb": int(hwm_kb),
    "stats": {"offered": stats["totals"]["offered"], "counted": stats["totals"]["counted"],
              "dropped": stats["dropped"], "parse_errors": stats["parseErrors"]},
}
# "offered" counts every sample handed over, dropped ones included.
doc["stats"]["counted_share"] = doc["stats"]["counted"] / max(1, doc["stats"]["offered"])
json.dump(doc, open(f"{out_dir}/sidecar.json", "w"), indent=2)
r = res
md = f"""# Sidecar load test

{doc['date']} · {cpu} · {os.cpu_count()} cores · kernel {platform.release()}
· {doc['versions']['wrk']} · {doc['versions']['nginx']} · {doc['versions']['compiler']}

wrk (1 thread) POSTs a 32-feature Open Inference Protocol V2 body to the reference model
server (1 I/O thread): directly, through skewgate-sidecar (1 I/O thread, baseline of
100 features x 20 bins), and through nginx `proxy_pass` (1 worker, keep-alive upstream).
Load generator, proxies and model server share the same {os.cpu_count()} cores.
Command: `bench/sidecar/run.sh` (BENCH_SECONDS={seconds}, BENCH_CONNECTIONS={conns}).

| path | req/s ({conns} conns, max) | p50 | p99 | req/s (paced) | p50 | p99 |
|---|---|---|---|---|---|---|
""" + "\n".join(
    f"| {n} | {r[n]['max']['requests_per_s']:.0f} | {r[n]['max']['p50_us']:.0f} µs | {r[n]['max']['p99_us']:.0f} µs "
    f"| {r[n]['low']['requests_per_s']:.0f} | {r[n]['low']['p50_us']:.0f} µs | {r[n]['low']['p99_us']:.0f} µs |"
    for n in ("direct", "sidecar", "nginx")) + f"""

- sidecar / direct throughput: **{doc['ratios']['sidecar_vs_direct']:.2f}** (goal ≥ 0.8)
- sidecar / nginx throughput: **{doc['ratios']['sidecar_vs_nginx']:.2f}** (goal ≥ 1.0)
- added latency at about half of the sidecar's maximum rate ({half_rate:.0f} req/s offered by 16 connections pausing {delay_ms} ms): p50 **{doc['added_latency_half_rate_us']['p50']:.0f} µs**, p99 **{doc['added_latency_half_rate_us']['p99']:.0f} µs** (goals 100 µs / 1 ms)
- sidecar RSS after the run: **{int(rss_kb)/1024:.1f} MB** (peak {int(hwm_kb)/1024:.1f} MB; goal ≤ 32 MB)
- samples counted: {doc['stats']['counted']} of {doc['stats']['offered']} offered, {doc['stats']['dropped']} dropped (counted share {doc['stats']['counted_share']:.3f}, over all runs including the maximum-rate ones)
- machine load at the end of the run: `{uptime.strip()}` (the machine is shared; other work inflates latency tails)
"""
open(f"{out_dir}/sidecar.md", "w").write(md)
print(md)
PY
