#!/usr/bin/env bash
# The testbed end to end: testbed/run builds the simulated ward in network namespaces, runs the
# rogue-programming scenario (an RGV^O15 order sent straight to pump 1 from the attacker host),
# and captures the bridge. Then, on that capture:
#   - labels.json names the attack (class, attacker, victim, a time window);
#   - `ward monitor` with the demo policy raises ward.infusion.unauthorized_programmer from the
#     attacker's address inside the labelled window, and never for the EHR or the pump server,
#     whose orders (within the drug library) raise no infusion alert at all;
#   - tshark decodes the HL7, MQTT, RTSP/RTP, DICOM and HTTP sessions with no malformed packet;
#   - the real peers' logs show their sessions succeeded (Mosquitto, dcmtk: stores on the PACS
#     and the workstation's query of it, the pumps);
#   - no namespace of the run is left behind.
# Exits 77 (skipped) when namespaces cannot be created here (not root, no CAP_SYS_ADMIN) or a
# tool is missing.
# Usage: testbed_test.sh WARD WARD_SIM REPO
set -u
ward=$1
sim=$2
repo=$3

for tool in ip tcpdump tshark mosquitto mosquitto_passwd python3 timeout; do
  command -v "$tool" > /dev/null || { echo "SKIP: $tool is not installed (scripts/install-deps.sh)"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "SKIP: the testbed needs root to create network namespaces"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

WARD_SIM=$sim timeout 120 "$repo/testbed/run" rogue-programming --out "$tmp/run" --duration 18 \
  > "$tmp/run.out" 2>&1
rc=$?
if [ $rc -eq 77 ]; then
  echo "SKIP: $(grep -m1 SKIP "$tmp/run.out")"
  exit 77
fi
[ $rc -eq 0 ] || { cat "$tmp/run.out"; tail -n 20 "$tmp"/run/logs/*.log; echo "FAIL: testbed/run exited $rc"; exit 1; }
# This run's namespaces (wsim<pid>-*, named in its log; other runs may be going on).
prefix=$(grep -o -m1 'namespaces wsim[0-9]*-' "$tmp/run.out" | cut -d' ' -f2)
[ -n "$prefix" ] || fail "testbed/run did not name its namespaces"
left=$(ip netns list 2> /dev/null | awk '{print $1}' | grep "^${prefix:-wsim}" || true)
[ -z "$left" ] && ok "no namespace left behind" || fail "namespaces left behind: $left"

run=$tmp/run
[ -s "$run/capture.pcap" ] || { echo "FAIL: no capture"; exit 1; }

# The labels, and the monitor's alerts checked against them.
"$ward" monitor --read "$run/capture.pcap" --policy "$repo/testbed/ward.yaml" --out "$tmp/logs" \
  --phi-key "$tmp/k" --seed 1 > "$tmp/summary" 2>&1 || { cat "$tmp/summary"; fail "ward monitor failed"; }
python3 - "$run/labels.json" "$tmp/logs" << 'EOF' || fails=$((fails + 1))
import glob, json, sys
labels = json.load(open(sys.argv[1]))
assert len(labels) == 1, labels
l = labels[0]
assert l["class"] == "unauthorized_programming", l
assert l["attacker_ip"] == "10.10.9.66" and l["victim_ips"] == ["10.10.2.21"], l
assert l["technique"] == "T0855" and 0 < l["start_ts"] <= l["end_ts"], l
print("ok: labels.json names the attack")
alerts = []
for path in glob.glob(sys.argv[2] + "/alert*"):
    alerts += [json.loads(x) for x in open(path) if x.strip()]
infusion = [a for a in alerts if a["rule"].startswith("ward.infusion.")]
rogue = [a for a in infusion if a["rule"] == "ward.infusion.unauthorized_programmer"]
assert rogue, "no unauthorized_programmer alert: %s" % [a["rule"] for a in alerts]
for a in rogue:
    assert a["src"]["ip"] == "10.10.9.66" and a["dst"]["ip"] == "10.10.2.21", a
    ts = a.get("ts")
    if isinstance(ts, str):
        import datetime
        ts = datetime.datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()
    assert l["start_ts"] - 1 <= ts <= l["end_ts"] + 1, (ts, l)
print("ok: %d unauthorized_programmer alert(s) from 10.10.9.66 to 10.10.2.21 inside the labelled window" % len(rogue))
others = [a for a in infusion if a["src"]["ip"] != "10.10.9.66"]
assert not others, "infusion alerts on legitimate programming: %s" % others
print("ok: no infusion alert for the EHR's and the pump server's orders")
EOF

# The scorecard over the scenario: the labelled attack found, in time.
"$ward" eval --policy "$repo/testbed/ward.yaml" --labels "$run/labels.json" "$run/capture.pcap" \
  --format json > "$tmp/eval.json" 2> "$tmp/eval.err" || { cat "$tmp/eval.err"; fail "ward eval failed"; }
python3 - "$tmp/eval.json" << 'EOF' || fails=$((fails + 1))
import json, sys
s = json.load(open(sys.argv[1]))
c = s["classes"]["unauthorized_programming"]
assert c["recall"] == 1 and c["precision"] == 1 and 0 <= c["time_to_detect_s"] < 5, c
print("ok: ward eval finds the rogue programming (recall 1, precision 1, %.2f s)" % c["time_to_detect_s"])
EOF

# tshark: every simulated protocol decoded, nothing malformed.
ts_args=(-r "$run/capture.pcap" -d tcp.port==2575,hl7 -d tcp.port==3000,hl7 -d tcp.port==104,dicom)
tshark "${ts_args[@]}" -q -z io,phs > "$tmp/phs" 2> /dev/null
for proto in hl7 mqtt rtsp rtp dicom http arp; do
  n=$(awk -v p="$proto" '$1 == p {sub("frames:", "", $2); print $2; exit}' "$tmp/phs")
  [ "${n:-0}" -gt 0 ] && ok "tshark decodes $proto ($n frames)" || fail "tshark decodes no $proto"
done
malformed=$(tshark "${ts_args[@]}" -Y _ws.malformed 2> /dev/null | wc -l)
[ "$malformed" -eq 0 ] && ok "no malformed packet" || fail "$malformed malformed packets"
rogue=$(tshark "${ts_args[@]}" -Y 'ip.src == 10.10.9.66 && tcp.dstport == 3000 && hl7' 2> /dev/null | wc -l)
[ "$rogue" -ge 1 ] && ok "tshark sees the rogue RGV^O15" || fail "tshark does not see the rogue order"

# The real peers and the simulated devices say their sessions succeeded.
logs=$run/logs
grep -q "Sending CONNACK to COGMON-0031 (0, 0)" "$logs/mosquitto.log" && grep -q "Received PUBLISH from COGMON-0031" "$logs/mosquitto.log" \
  && ok "mosquitto accepted the cognitive monitor and its publishes" ||
  { fail "mosquitto log"; tail -n 5 "$logs/mosquitto.log" "$logs/cogmon.log"; }
grep -q "programmed by 10.10.9.66: heparin 2000 (control ROGUE0001)" "$logs/pump1.log" \
  && ok "pump 1 accepted the rogue order" || fail "pump 1 log"
grep -q "AA ROGUE0001" "$logs/hl7-send.log" && ok "the attacker got AA" || fail "hl7-send log"
grep -Eq "order BCMA0001 from 10.10.1.10 for PUMP0021: AA" "$logs/pump-server.log" \
  && ok "the pump server forwarded the EHR's order" || fail "pump-server log"
if [ -f "$logs/storescu.log" ]; then
  grep -q "storescu exit 0" "$logs/storescu.log" && grep -q "Received Store Response (Success)" "$logs/storescu.log" \
    && ok "dcmtk storescu stored its images" || fail "storescu log"
  grep -q "findscu STUDY exit 0" "$logs/findscu.log" && grep -aq "Find Response: 1 (Pending)" "$logs/findscu.log" \
    && grep -q "Find SCP Response 1 \[status: Pending\]" "$logs/dcmqrscp.log" \
    && ok "dcmtk findscu found the stored study on the PACS (dcmqrscp answered pending)" ||
    fail "findscu/dcmqrscp log"
fi
# The camera's own log (its exit code is not a signal: rtspsrc may fail its PAUSE on end of stream).
grep -q '"method": "PLAY"' "$logs/camera.log" 2> /dev/null && grep -q '"method": "TEARDOWN"' "$logs/camera.log" \
  && ok "the camera served PLAY and TEARDOWN to the recorder" || fail "camera log"

[ $fails -eq 0 ] || { echo "$fails check(s) failed; capture summary:"; cat "$tmp/summary"; exit 1; }
echo "testbed: all checks passed"
