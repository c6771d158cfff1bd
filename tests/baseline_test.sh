#!/usr/bin/env bash
# Behaviour baseline and per-class protocols from the command line, on the synthetic ward capture (tests/data/synthetic-ward): with
# the default policy neither raises anything; with a 100 s learning period the rogue laptop's
# connection to a pump is the one new peer; `ward baseline learn` writes a baseline under which
# the same capture raises nothing, and removing the laptop from a pump's peers brings the alert
# back; a broken baseline file stops the monitor with the file and the JSON pointer; a policy
# that lists no HL7 for pumps flags the pumps' HL7.
# Usage: baseline_test.sh WARD REPO
set -u
ward=$1
repo=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
fails=0
passes=0
check() {  # check NAME EXPECTED_RC COMMAND... ; output in $tmp/out, $tmp/err
  local name=$1 want=$2
  shift 2
  timeout 120 "$@" > "$tmp/out" 2> "$tmp/err"
  local rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "FAIL $name: exit $rc, expected $want"; cat "$tmp/out" "$tmp/err"; fails=$((fails + 1)); return 1
  fi
  echo "ok   $name"; passes=$((passes + 1))
}
expect() {  # expect NAME ACTUAL WANTED
  if [ "$2" = "$3" ]; then echo "ok   $1"; passes=$((passes + 1)); else
    echo "FAIL $1: got '$2', expected '$3'"; fails=$((fails + 1)); fi
}
new_alerts() {  # the behaviour and class-protocol alerts of a log dir, one line each, sorted
  grep -h -e '"rule":"ward.behaviour' -e '"rule":"ward.segmentation.unexpected_protocol' \
    "$1/alert.jsonl" 2>/dev/null |
    "$PY" -c 'import json,sys
for l in sys.stdin:
    a = json.loads(l)
    e = a["evidence"]
    print(a["rule"], a["src"]["ip"], a["dst"]["ip"], e.get("new", e.get("protocol", "")))' | sort
}

demo=$repo/tests/data/synthetic-ward/capture.pcap
policy=$repo/tests/data/synthetic-ward/ward.yaml
common=(--phi-key "$tmp/k" --seed 1 --quiet --no-vuln)

# Defaults: an hour of learning is longer than the capture; the demo's devices speak their
# classes' protocols.
check "monitor, default policy" 0 "$ward" monitor --read "$demo" --policy "$policy" \
  --out "$tmp/default" "${common[@]}"
expect "no behaviour or class-protocol alert by default" "$(new_alerts "$tmp/default")" ""

# 100 s of learning: the pump server has reached all three pumps by then; the rogue laptop
# programs pump 10.10.2.22 at 150 s.
{ cat "$policy"; printf 'thresholds:\n  baseline.learn_s: 100\n'; } > "$tmp/learn100.yaml"
check "monitor, 100 s learning" 0 "$ward" monitor --read "$demo" --policy "$tmp/learn100.yaml" \
  --out "$tmp/l100" "${common[@]}"
expect "the rogue laptop is the one new peer" "$(new_alerts "$tmp/l100")" \
  "ward.behaviour.new_peer 10.10.9.66 10.10.2.22 in 10.10.9.66"

# A baseline learned from the whole capture: nothing is new.
check "baseline learn" 0 "$ward" baseline learn --read "$demo" --policy "$policy" \
  --out "$tmp/baseline.json"
expect "learned devices" "$("$PY" -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(" ".join(x["ip"] + "=" + x["device_class"] for x in d["devices"]))' "$tmp/baseline.json")" \
  "10.10.1.5=pump_server 10.10.2.21=infusion_pump 10.10.2.22=infusion_pump 10.10.2.23=infusion_pump 10.10.3.31=cognitive_monitor 10.10.5.41=patient_monitor 10.10.5.42=patient_monitor 10.10.6.61=camera 10.10.6.62=camera"
check "monitor with the learned baseline" 0 "$ward" monitor --read "$demo" \
  --policy "$policy" --baseline "$tmp/baseline.json" --out "$tmp/learned" "${common[@]}"
expect "nothing new under a baseline of the same capture" "$(new_alerts "$tmp/learned")" ""

# The same baseline without the laptop among pump 10.10.2.22's peers.
"$PY" - "$tmp/baseline.json" "$tmp/edited.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
for x in d["devices"]:
    if x["ip"] == "10.10.2.22":
        x["peers"]["items"].remove("in 10.10.9.66")
json.dump(d, open(sys.argv[2], "w"))
PYEOF
check "monitor with an edited baseline" 0 "$ward" monitor --read "$demo" \
  --policy "$policy" --baseline "$tmp/edited.json" --out "$tmp/edited" "${common[@]}"
expect "the removed peer is new again" "$(new_alerts "$tmp/edited")" \
  "ward.behaviour.new_peer 10.10.9.66 10.10.2.22 in 10.10.9.66"

# A broken baseline file: exit 2 before the first packet, naming the file and the problem.
"$PY" -c 'import json,sys
d = json.load(open(sys.argv[1])); d["devices"][1]["ip"] = "10.10.2.300"
json.dump(d, open(sys.argv[2], "w"))' "$tmp/baseline.json" "$tmp/broken.json"
check "broken baseline is a configuration error" 2 "$ward" monitor --read "$demo" \
  --baseline "$tmp/broken.json" "${common[@]}"
expect "the error names file and pointer" "$(cat "$tmp/err")" \
  "ward monitor: $tmp/broken.json: /devices/1/ip: must be an IP address"
printf '{"ward_baseline": 1, "devices": [' > "$tmp/truncated.json"
check "truncated baseline is a configuration error" 2 "$ward" monitor --read "$demo" \
  --baseline "$tmp/truncated.json" "${common[@]}"
check "missing baseline is a configuration error" 2 "$ward" monitor --read "$demo" \
  --baseline "$tmp/none.json" "${common[@]}"

# A policy whose pumps may use only DHCP and DNS: their HL7 is flagged, once per pump and role.
{ cat "$policy"; printf 'device_protocols:\n  infusion_pump: [dhcp, dns]\n'; } > "$tmp/nohl7.yaml"
check "monitor, pumps without HL7" 0 "$ward" monitor --read "$demo" --policy "$tmp/nohl7.yaml" \
  --out "$tmp/nohl7" "${common[@]}"
expect "the pumps' HL7 is unexpected" "$(new_alerts "$tmp/nohl7")" \
  "ward.segmentation.unexpected_protocol 10.10.1.5 10.10.2.21 hl7
ward.segmentation.unexpected_protocol 10.10.1.5 10.10.2.22 hl7
ward.segmentation.unexpected_protocol 10.10.1.5 10.10.2.23 hl7
ward.segmentation.unexpected_protocol 10.10.2.21 10.10.1.10 hl7
ward.segmentation.unexpected_protocol 10.10.2.22 10.10.1.10 hl7
ward.segmentation.unexpected_protocol 10.10.2.23 10.10.1.10 hl7"
expect "pumps are medical devices: high" \
  "$(grep -h unexpected_protocol "$tmp/nohl7/alert.jsonl" | grep -c '"severity":"high"')" "6"

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
