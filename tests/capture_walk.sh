#!/usr/bin/env bash
# Walks every capture under DIR (pcap, pcapng, and .pcap.gz decompressed) through
# `ward monitor`. Passes when every run ends by itself within the time bound with exit 0, or
# with exit 1 and an error that names the file (a corrupt or truncated capture): no crash, no
# hang, no sanitizer report (sanitizers abort with another exit code).
# Usage: capture_walk.sh WARD DIR
set -u
ward=$1
dir=$2
if [ ! -d "$dir" ]; then
  echo "capture_walk: $dir not found (the shared test data must be beside the repository)" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
policy="$(dirname "$0")/../tests/data/synthetic-ward/ward.yaml"
n=0; ok=0; input_errors=0; failures=0
while IFS= read -r -d '' f; do
  n=$((n + 1))
  input=$f
  case "$f" in
    *.gz) input=$tmp/unzipped.pcap; gzip -dc "$f" > "$input" ;;
  esac
  rm -rf "$tmp/out"
  timeout 120 "$ward" monitor --read "$input" --policy "$policy" --out "$tmp/out" --db "$tmp/out/w.db" \
    --phi-key "$tmp/phi.key" --seed 1 --quiet 2> "$tmp/err"
  rc=$?
  case $rc in
    0) ok=$((ok + 1)) ;;
    1)
      if grep -q "$(basename "$input")" "$tmp/err"; then
        input_errors=$((input_errors + 1))
      else
        echo "FAIL (exit 1 without naming the file): $f"; cat "$tmp/err"; failures=$((failures + 1))
      fi ;;
    124) echo "FAIL (hang: no end within 120 s): $f"; failures=$((failures + 1)) ;;
    *) echo "FAIL (exit $rc): $f"; tail -30 "$tmp/err"; failures=$((failures + 1)) ;;
  esac
done < <(find "$dir" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.pcap.gz' -o -name '*.cap' \) -print0 | sort -z)
echo "capture_walk: $n captures: $ok clean, $input_errors reported as corrupt or truncated, $failures failures"
[ "$n" -gt 0 ] && [ "$failures" -eq 0 ]
