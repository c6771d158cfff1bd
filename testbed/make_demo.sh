#!/usr/bin/env bash
# Regenerates demo/ from the testbed: runs the ward-day scenario (everyday traffic with every
# attack, labelled), checks that the capture is small enough to commit and that the monitor
# finds every labelled attack in it, then copies capture and labels into demo/.
#   testbed/make_demo.sh [WORKDIR]      (root: network namespaces; WARD_SIM as for testbed/run)
# Exit codes: 0 done, 1 the run or a check failed (demo/ is left untouched), 77 no namespaces.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d)}
ward=${WARD:-$repo/build/release/ward}
max_bytes=$((5 * 1024 * 1024))  # "a few MB at most": the demo lives in the repository

rc=0
"$repo/testbed/run" ward-day --out "$work/run" || rc=$?
[ "$rc" -eq 0 ] || exit "$rc"
size=$(stat -c %s "$work/run/capture.pcap")
[ "$size" -le "$max_bytes" ] || { echo "make_demo: capture is $size bytes, over $max_bytes" >&2; exit 1; }

# Every labelled attack must be found (recall 1) before the capture replaces the demo.
"$ward" eval --policy "$repo/testbed/ward.yaml" --labels "$work/run/labels.json" \
  "$work/run/capture.pcap" --format json > "$work/eval.json"
python3 - "$work/eval.json" << 'PY'
import json, sys
r = json.load(open(sys.argv[1]))
missed = [c for c, v in r["classes"].items() if v.get("labels", 0) and v["recall"] < 1]
print(f"make_demo: recall {r['recall']:.3f}, precision {r['precision']:.3f}")
if missed:
    sys.exit(f"make_demo: labelled attacks not found: {', '.join(missed)}")
PY
cp "$work/run/capture.pcap" "$repo/demo/ward-demo.pcap"
cp "$work/run/labels.json" "$repo/demo/labels.json"
echo "make_demo: demo/ward-demo.pcap ($size bytes) and demo/labels.json written; update the"
echo "README's 'What make demo shows' block from 'make demo'"
