#!/usr/bin/env bash
# Segmentation from the command line, on the demo capture: `ward policy learn` proposes a policy
# that passes `ward policy check` and under which the monitor raises no segmentation alert over
# the same capture; a policy learned without the rogue laptop makes `ward policy diff` list its
# two flows (exit 1) and the monitor alert on them at their first packet; MUD export of a
# learned policy is valid JSON; the documented example policies pass `ward policy check`.
# Usage: policy_segmentation_test.sh WARD REPO
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
seg_alerts() {  # the segmentation alerts of a log dir, one "rule src dst port" line each
  grep -h '"rule":"ward.segmentation' "$1/alert.jsonl" 2>/dev/null |
    "$PY" -c 'import json,sys
for l in sys.stdin:
    a = json.loads(l)
    print(a["rule"], a["src"]["ip"], a["dst"]["ip"], a["evidence"].get("port", ""), a["ts"])'
}

demo=$repo/tests/data/synthetic-ward/capture.pcap
common=(--phi-key "$tmp/k" --seed 1 --quiet)

# 1. Learn from the whole demo: the proposal loads and the same capture raises no segmentation alert.
check "learn from the demo" 0 "$ward" policy learn --read "$demo" --out "$tmp/learned.yaml"
check "the proposal passes policy check" 0 "$ward" policy check "$tmp/learned.yaml"
grep -qF "segmentation: 8 zones (3 medical), 7 conduits" "$tmp/out" &&
  { echo "ok   8 zones, 3 medical, 7 conduits"; passes=$((passes + 1)); } ||
  { echo "FAIL zone count:"; cat "$tmp/out"; fails=$((fails + 1)); }
grep -q "name: infusion_pumps" "$tmp/learned.yaml" && grep -q '"10.10.2.0/24"' "$tmp/learned.yaml" &&
  { echo "ok   the pumps' subnet is the zone infusion_pumps"; passes=$((passes + 1)); } ||
  { echo "FAIL no infusion_pumps zone"; fails=$((fails + 1)); }
check "monitor with the learned policy" 0 "$ward" monitor --read "$demo" --policy "$tmp/learned.yaml" --out "$tmp/l1" "${common[@]}"
expect "no segmentation alert over the capture it was learned from" "$(seg_alerts "$tmp/l1" | wc -l)" 0
check "diff of the capture against its own proposal" 0 "$ward" policy diff --policy "$tmp/learned.yaml" --read "$demo"
expect "diff says so" "$(head -1 "$tmp/out")" "0 flows that the conduits of $tmp/learned.yaml do not allow (18 flows checked)"

# 2. Learn without the rogue laptop: its flows are what the full capture adds.
command -v tcpdump >/dev/null || { echo "tcpdump missing"; exit 1; }
tcpdump -r "$demo" -w "$tmp/clean.pcap" 'not host 10.10.9.66' 2>/dev/null
check "learn from the capture without the rogue laptop" 0 "$ward" policy learn --read "$tmp/clean.pcap" --out "$tmp/clean.yaml"
check "diff lists the extra flows and exits 1" 1 "$ward" policy diff --policy "$tmp/clean.yaml" --read "$demo" --format json
"$PY" - "$tmp/out" > "$tmp/diff.txt" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for v in d["violations"]:
    print(v["src"], v["src_zone"], v["dst"], v["dst_zone"], v["service"], v["count"], v["rule"])
EOF
expect "the rogue laptop's two flows, nothing else" "$(cat "$tmp/diff.txt")" \
"10.10.9.66 unzoned 10.10.2.22 infusion_pumps tcp/3000 1 ward.segmentation.conduit_violation
10.10.9.66 unzoned 10.10.3.2 cognitive_monitors tcp/1883 1 ward.segmentation.conduit_violation"
check "monitor alerts on them" 0 "$ward" monitor --read "$demo" --policy "$tmp/clean.yaml" --out "$tmp/l2" "${common[@]}"
# At the first packet: the SYN of each connection (make_demo_capture.py: t0 + 150 s and + 220 s).
expect "two conduit violations, at the SYNs" "$(seg_alerts "$tmp/l2")" \
"ward.segmentation.conduit_violation 10.10.9.66 10.10.2.22 tcp/3000 1795000150.0
ward.segmentation.conduit_violation 10.10.9.66 10.10.3.2 tcp/1883 1795000220.0"
check "text diff" 1 "$ward" policy diff --policy "$tmp/clean.yaml" --read "$demo"
grep -q "^10.10.9.66  *unzoned  *10.10.2.22  *infusion_pumps  *tcp/3000  *1 " "$tmp/out" &&
  { echo "ok   text diff row"; passes=$((passes + 1)); } || { echo "FAIL text diff:"; cat "$tmp/out"; fails=$((fails + 1)); }
echo "version: 1" > "$tmp/nozones.yaml"
check "diff needs a policy with zones" 2 "$ward" policy diff --policy "$tmp/nozones.yaml" --read "$demo"

# 3. Exports of the learned policy.
check "nft export" 0 "$ward" policy export --nft --policy "$tmp/clean.yaml" -o "$tmp/ward.nft"
grep -qF 'ip saddr @zone_clinical_servers_v4 ip daddr @zone_infusion_pumps_v4 tcp dport 3000 accept' "$tmp/ward.nft" &&
  { echo "ok   the pump-programming conduit is an nft rule"; passes=$((passes + 1)); } ||
  { echo "FAIL nft rule missing"; cat "$tmp/ward.nft"; fails=$((fails + 1)); }
if command -v nft >/dev/null && nft -c -f "$tmp/ward.nft" 2>"$tmp/nft.err"; then
  echo "ok   nft -c accepts the ruleset"; passes=$((passes + 1))
elif command -v nft >/dev/null && ! grep -qi "operation not permitted" "$tmp/nft.err"; then
  echo "FAIL nft -c:"; cat "$tmp/nft.err"; fails=$((fails + 1))
fi
SOURCE_DATE_EPOCH=1795000000 check "MUD export" 0 "$ward" policy export --mud "$tmp/mud" --policy "$tmp/clean.yaml"
"$PY" - "$tmp/mud" > "$tmp/mud.txt" <<'EOF'
import json, os, sys
d = sys.argv[1]
for f in sorted(os.listdir(d)):
    j = json.load(open(os.path.join(d, f)))
    m = j["ietf-mud:mud"]
    for k in ("mud-version", "mud-url", "last-update", "is-supported", "from-device-policy", "to-device-policy"):
        assert k in m, (f, k)
    names = {a["name"] for a in j["ietf-access-control-list:acls"]["acl"]}
    for pol in ("from-device-policy", "to-device-policy"):
        for al in m[pol]["access-lists"]["access-list"]:
            assert al["name"] in names, (f, al)
    ports = sorted({ace["matches"]["tcp"]["destination-port"]["port"]
                    for a in j["ietf-access-control-list:acls"]["acl"] if a["name"].startswith("from-")
                    for ace in a["aces"]["ace"] if "tcp" in ace["matches"]
                    and "destination-port" in ace["matches"]["tcp"]})
    print(f, m["last-update"], ports)
EOF
expect "one MUD file per zoned class, the RFC's members, pump ACEs from the conduits" "$(grep -E 'infusion_pump|pump_server' "$tmp/mud.txt")" \
"infusion_pump.json 2026-11-18T11:06:40Z [2575]
pump_server.json 2026-11-18T11:06:40Z [3000]"

# 4. Real captures of ../shared/data: a port scan's 1000 ports become one range flagged for
# review; a capture with no local host proposes no zone and still loads.
shared=$repo/../shared/data/pcap
if [ -f "$shared/ndpi/synscan.pcap" ]; then
  check "learn from nDPI's SYN scan" 0 "$ward" policy learn --read "$shared/ndpi/synscan.pcap" --out "$tmp/scan.yaml"
  expect "the scan's ports as one range" "$(grep -c 'ports: \[tcp/1-65389\]  # 1000 tcp ports seen, given as one range: narrow it' "$tmp/scan.yaml")" 1
  check "the scan proposal loads" 0 "$ward" policy check "$tmp/scan.yaml"
fi
if [ -f "$shared/zeek/traces/dhcp/dhcp_flood.pcap" ]; then
  check "learn from Zeek's DHCP flood (no local unicast host)" 0 "$ward" policy learn --read "$shared/zeek/traces/dhcp/dhcp_flood.pcap" --out "$tmp/none.yaml"
  expect "no zone proposed" "$(grep -c '^zones:' "$tmp/none.yaml")" 0
  check "the empty proposal loads" 0 "$ward" policy check "$tmp/none.yaml"
fi

# 5. The documented examples.
for f in "$repo"/examples/policy/*.yaml; do
  check "example $(basename "$f") passes policy check" 0 "$ward" policy check "$f"
done

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
