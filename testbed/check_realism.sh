#!/usr/bin/env bash
# testbed/check_realism.sh OUT: is a testbed run's traffic real? Over OUT/capture.pcap and
# OUT/logs of a `testbed/run` (a scenario with the everyday ward: benign, or any attack one):
#   - tshark decodes every simulated protocol (HL7, MQTT, RTSP, RTP, DICOM, HTTP, DNS, DHCP,
#     ARP) and reports no malformed packet and no expert error outside the attack's windows;
#   - the real peers' logs show their sessions succeeded: Mosquitto (the cognitive monitor's
#     CONNECT accepted, its PUBLISHes received), dcmtk (storescu's stores answered Success,
#     storescp received them), dnsmasq (DHCP leases acknowledged, names answered);
#   - every HL7 message on the pump ports follows its IHE PCD segment structure
#     (testbed/check_hl7.py).
# Prints one ok/FAIL line per check; exits 0 when all pass, 1 otherwise, 2 on bad usage.
set -u
out=${1:?usage: check_realism.sh OUT}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cap=$out/capture.pcap
logs=$out/logs
[ -s "$cap" ] || { echo "check_realism: no capture $cap" >&2; exit 2; }
command -v tshark > /dev/null || { echo "check_realism: tshark missing" >&2; exit 2; }
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# The attack windows (labels.json), to leave out the floods' deliberately odd packets.
windows=""
if [ -s "$out/labels.json" ]; then
  windows=$(python3 -c '
import json, sys
ls = json.load(open(sys.argv[1]))
print(" || ".join("(frame.time_epoch >= %.3f && frame.time_epoch <= %.3f)" % (l["start_ts"] - 1, l["end_ts"] + 2) for l in ls))
' "$out/labels.json")
fi
not_attack=${windows:+"!($windows) && "}

ts=(tshark -r "$cap" -d "tcp.port==2575,hl7" -d "tcp.port==3000,hl7" -d "tcp.port==104,dicom")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"${ts[@]}" -q -z io,phs > "$tmp/phs" 2> /dev/null
for proto in hl7 mqtt rtsp rtp dicom http dns dhcp arp; do
  n=$(awk -v p="$proto" '$1 == p {sub("frames:", "", $2); print $2; exit}' "$tmp/phs")
  [ "${n:-0}" -gt 0 ] && ok "tshark decodes $proto ($n frames)" || fail "tshark decodes no $proto"
done
if "${ts[@]}" -Y "${not_attack}(_ws.malformed || _ws.expert.severity == error)" \
  -T fields -e frame.number -e _ws.col.Protocol -e _ws.col.Info > "$tmp/bad" 2> "$tmp/bad.err"; then
  n=$(wc -l < "$tmp/bad")
  [ "$n" -eq 0 ] && ok "no malformed packet and no expert error (outside attack windows)" ||
    { fail "$n malformed/expert-error packets:"; head -n 5 "$tmp/bad"; }
else
  fail "tshark: $(grep -v 'could be dangerous' "$tmp/bad.err" | head -n 3)"
fi

# Mosquitto: the cognitive monitor connected with its password and published.
if grep -q "Sending CONNACK to COGMON-0031 (0, 0)" "$logs/mosquitto.log" 2> /dev/null &&
  grep -q "Received PUBLISH from COGMON-0031" "$logs/mosquitto.log"; then
  ok "mosquitto: COGMON-0031 accepted (CONNACK 0), $(grep -c 'Received PUBLISH from COGMON-0031' "$logs/mosquitto.log") PUBLISH received"
else
  fail "mosquitto log shows no accepted session and publishes of COGMON-0031"
fi
# dcmtk: both images stored (skipped by the runner without samples).
if [ -f "$logs/storescu.log" ]; then
  stored=$(grep -c "Received Store Response (Success)" "$logs/storescu.log")
  received=$(grep -c "Received Store Request" "$logs/storescp.log" 2> /dev/null)
  if grep -q "storescu exit 0" "$logs/storescu.log" && [ "$stored" -ge 1 ] && [ "${received:-0}" -eq "$stored" ]; then
    ok "dcmtk: storescu stored $stored images (Success), storescp received $received"
  else
    fail "dcmtk: storescu exit/Success $stored, storescp received ${received:-0}"
  fi
else
  echo "note: no DICOM samples, DICOM not run"
fi
# dnsmasq: every DHCP client acknowledged, names answered from the ward's hosts.
acks=$(grep -c "DHCPACK(eth0)" "$logs/dnsmasq.log" 2> /dev/null)
answers=$(grep -Ec "(/.*ward.hosts|config) [a-z0-9-]+\.ward\.internal is 10\." "$logs/dnsmasq.log" 2> /dev/null)
[ "${acks:-0}" -ge 2 ] && ok "dnsmasq: $acks DHCPACK" || fail "dnsmasq: ${acks:-0} DHCPACK"
[ "${answers:-0}" -ge 1 ] && ok "dnsmasq: $answers names answered" || fail "dnsmasq answered no ward name"

# HL7: every message on the pump ports follows its IHE PCD structure.
if python3 "$here/check_hl7.py" --pcap "$cap" --ports 2575,3000 --min 5 > "$tmp/hl7" 2>&1; then
  ok "$(tail -n 1 "$tmp/hl7")"
else
  fail "HL7 structure:"
  head -n 10 "$tmp/hl7"
fi

[ $fails -eq 0 ] || { echo "check_realism: $fails check(s) failed"; exit 1; }
echo "check_realism: all checks passed"
