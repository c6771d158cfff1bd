#!/usr/bin/env bash
# Throughput and memory of `ward monitor` over a large capture, against the plain libpcap read
# loop over the same file in the same run (single thread each). Best of N runs per tool, in
# elapsed seconds and in CPU seconds (user + system): on a shared machine the CPU ratio is the
# steadier figure, since waiting for a core does not count.
#   bench/run_bench.sh [CAPTURE] [RUNS]
# CAPTURE defaults to $WARD_BENCH_CAPTURE; make one with
#   ../shared/tools/bench-capture/make_capture.sh /some/dir/hospital.pcap 360   (about 1.1 GB)
# Needs the release build (make build) and GNU time.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cap=${1:-${WARD_BENCH_CAPTURE:-}}
runs=${2:-3}
[ -n "$cap" ] && [ -f "$cap" ] || { echo "usage: run_bench.sh CAPTURE [RUNS] (or set WARD_BENCH_CAPTURE)" >&2; exit 2; }
ward=$repo/build/release/ward
loop=$repo/build/release/bench/pcap_read_loop
[ -x "$ward" ] && [ -x "$loop" ] || { echo "run 'make build' first" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

size=$(stat -c %s "$cap")
cat "$cap" > /dev/null  # warm the page cache so both tools read from memory

best() { sort -n | head -1; }
for i in $(seq 1 "$runs"); do
  /usr/bin/time -f "%e %M %U %S" -o "$tmp/t" "$loop" "$cap" > "$tmp/loop.out"
  cut -d' ' -f1 "$tmp/t" >> "$tmp/loop.times"
  cut -d' ' -f2 "$tmp/t" >> "$tmp/loop.rss"
  awk '{print $3 + $4}' "$tmp/t" >> "$tmp/loop.cpu"
  rm -rf "$tmp/out"
  /usr/bin/time -f "%e %M %U %S" -o "$tmp/t" "$ward" monitor --read "$cap" --policy "$repo/demo/ward.yaml" \
    --out "$tmp/out/logs" --db "$tmp/out/ward.db" --phi-key "$tmp/k" --seed 1 --format json > "$tmp/ward.json"
  cut -d' ' -f1 "$tmp/t" >> "$tmp/ward.times"
  cut -d' ' -f2 "$tmp/t" >> "$tmp/ward.rss"
  awk '{print $3 + $4}' "$tmp/t" >> "$tmp/ward.cpu"
  # The same run without detectors: what detection costs.
  rm -rf "$tmp/out"
  /usr/bin/time -f "%e %M %U %S" -o "$tmp/t" "$ward" monitor --read "$cap" --policy "$repo/demo/ward.yaml" \
    --out "$tmp/out/logs" --db "$tmp/out/ward.db" --phi-key "$tmp/k" --seed 1 --format json --no-detect \
    > /dev/null
  cut -d' ' -f1 "$tmp/t" >> "$tmp/nodetect.times"
  awk '{print $3 + $4}' "$tmp/t" >> "$tmp/nodetect.cpu"
done
t_nodetect=$(best < "$tmp/nodetect.times")
cpu_nodetect=$(best < "$tmp/nodetect.cpu")
packets=$(sed -n 's/.*packets=\([0-9]*\).*/\1/p' "$tmp/loop.out")
t_loop=$(best < "$tmp/loop.times")
t_ward=$(best < "$tmp/ward.times")
rss_ward=$(sort -n "$tmp/ward.rss" | tail -1)
rss_loop=$(sort -n "$tmp/loop.rss" | tail -1)
cpu_loop=$(best < "$tmp/loop.cpu")
cpu_ward=$(best < "$tmp/ward.cpu")
python3 - "$size" "$packets" "$t_loop" "$t_ward" "$rss_loop" "$rss_ward" "$tmp/ward.json" "$runs" "$cap" "$cpu_loop" "$cpu_ward" "$t_nodetect" "$cpu_nodetect" <<'PY'
import json, sys
size, packets = int(sys.argv[1]), int(sys.argv[2])
t_loop, t_ward = float(sys.argv[3]), float(sys.argv[4])
rss_loop, rss_ward = int(sys.argv[5]), int(sys.argv[6])
rep = json.load(open(sys.argv[7]))
runs, cap = sys.argv[8], sys.argv[9]
cpu_loop, cpu_ward = float(sys.argv[10]), float(sys.argv[11])
t_nodetect, cpu_nodetect = float(sys.argv[12]), float(sys.argv[13])
def line(name, t):
    return f"| {name} | {t:.2f} | {packets / t / 1e6:.3f} | {size * 8 / t / 1e9:.2f} |"
print(f"capture: {cap}: {size / 2**30:.2f} GiB, {packets} packets; best of {runs} runs, single thread")
print("| tool | seconds | Mpackets/s | Gbit/s |")
print("|---|---|---|---|")
print(line("libpcap read loop (baseline)", t_loop))
print(line("ward monitor (every parser, logs, SQLite)", t_ward))
print(line("ward monitor --no-detect (the same without detectors)", t_nodetect))
print(f"ratio ward/baseline throughput: {t_loop / t_ward:.2f} (elapsed); "
      f"{cpu_loop / cpu_ward:.2f} (CPU: {cpu_loop:.2f} s vs {cpu_ward:.2f} s)")
print(f"ratio without detectors: {t_loop / t_nodetect:.2f} (elapsed); "
      f"{cpu_loop / cpu_nodetect:.2f} (CPU); detection costs {100 * (cpu_ward - cpu_nodetect) / cpu_ward:.1f} % "
      f"of ward's CPU time")
print(f"peak RSS: ward {rss_ward / 1024:.1f} MiB, baseline {rss_loop / 1024:.1f} MiB")
f = rep["flows"]
print(f"flows: {f['created']} created, peak {f['peak']} tracked at once, {f['parsers_attached']} parsed; "
      f"services: {rep['services']}")
print(f"alerts: {rep['alerts']}")
PY
