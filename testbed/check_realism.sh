#!/usr/bin/env bash
# testbed/check_realism.sh OUT: is a testbed run's traffic real? Over OUT/capture.pcap and
# OUT/logs of a `testbed/run` (a scenario with the everyday ward: benign, or any attack one):
#   - tshark decodes every simulated protocol (HL7, MQTT, RTSP, RTP, DICOM, HTTP, DNS, DHCP,
#     ARP, TLS, WS-Discovery's SOAP/XML) and reports no malformed packet and no expert error
#     outside the attack's windows;
#   - TLS: the broker's listener on 8883 and the FHIR server on 443 negotiated TLS 1.2 or later
#     with no alert (close_notify aside); decrypted with the run's key log (logs/tls/keylog.txt, written by
#     ward-sim), tshark reads MQTT CONNECT/PUBLISH of COGMON-0032 inside TLS and the FHIR
#     POSTs of Observations answered 201 inside HTTPS;
#   - WS-Discovery: the camera's Hello, the recorder's Probe and the camera's ProbeMatches,
#     with the ONVIF type and scopes;
#   - the real peers' logs show their sessions succeeded: Mosquitto (the cognitive monitor's
#     CONNECT accepted, its PUBLISHes received; the TLS monitor's too, on the TLS listener),
#     the FHIR server (Observations created, 201), dcmtk (storescu's stores answered Success and
#     archived by the PACS, dcmqrscp; the workstation's findscu queries answered with pending
#     responses naming the archived study and series: testbed/check_dicom.py; tshark reads the
#     C-FIND on the wire), dnsmasq (DHCP leases acknowledged, names answered);
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

keylog=$logs/tls/keylog.txt
ts=(tshark -r "$cap" -d "tcp.port==2575,hl7" -d "tcp.port==3000,hl7" -d "tcp.port==104,dicom"
  --enable-heuristic xml_udp -d "tcp.port==8883,tls")
[ -s "$keylog" ] && ts+=(-o "tls.keylog_file:$keylog")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"${ts[@]}" -q -z io,phs > "$tmp/phs" 2> /dev/null
for proto in hl7 mqtt rtsp rtp dicom http dns dhcp arp tls xml; do
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
# TLS: the handshakes on the broker's TLS listener and the FHIR server, their versions, no alert.
for port in 8883 443; do
  hello=$("${ts[@]}" -Y "tcp.srcport == $port && tls.handshake.type == 2" -T fields \
    -e tls.handshake.extensions.supported_version -e tls.handshake.version 2> /dev/null)
  n=$(printf '%s\n' "$hello" | grep -c .)
  # TLS 1.3 names itself in supported_versions (0x0304); 1.2 in the legacy version (0x0303).
  old=$(printf '%s\n' "$hello" | grep . | awk '{v = ($1 != "") ? $1 : $2} v != "0x0304" && v != "0x0303"' | wc -l)
  vers=$(printf '%s\n' "$hello" | grep . | awk '{v = ($1 != "") ? $1 : $2; print (v == "0x0304") ? "1.3" : (v == "0x0303") ? "1.2" : v}' | sort | uniq -c | awk '{printf "%s%s x%s", sep, $2, $1; sep=", "}')
  # Any alert but close_notify (0), which ends every session cleanly.
  alerts=$("${ts[@]}" -Y "${not_attack}tcp.port == $port && tls.alert_message.desc != 0" 2> /dev/null | wc -l)
  if [ "$n" -ge 1 ] && [ "$old" -eq 0 ] && [ "$alerts" -eq 0 ]; then
    ok "TLS on $port: $n handshakes, TLS $vers, no alert but close_notify"
  else
    fail "TLS on $port: $n handshakes ($vers), $old below 1.2, $alerts alerts"
  fi
done
if [ -s "$keylog" ]; then
  publishes=$("${ts[@]}" -Y "tcp.port == 8883 && mqtt.msgtype == 3" 2> /dev/null | wc -l)
  connect=$("${ts[@]}" -Y 'tcp.port == 8883 && mqtt.clientid == "COGMON-0032"' 2> /dev/null | wc -l)
  [ "$connect" -ge 1 ] && [ "$publishes" -ge 1 ] &&
    ok "MQTT over TLS (decrypted with the key log): CONNECT of COGMON-0032, $publishes PUBLISH" ||
    fail "MQTT over TLS: $connect CONNECT of COGMON-0032, $publishes PUBLISH"
  posts=$("${ts[@]}" -Y 'tcp.port == 443 && http.request.method == "POST" && http.request.uri == "/fhir/Observation" && http.content_type == "application/fhir+json"' 2> /dev/null | wc -l)
  created=$("${ts[@]}" -Y 'tcp.port == 443 && http.response.code == 201' 2> /dev/null | wc -l)
  [ "$posts" -ge 1 ] && [ "$created" -eq "$posts" ] &&
    ok "HTTP over TLS (decrypted): $posts POST /fhir/Observation (application/fhir+json), $created answered 201" ||
    fail "HTTP over TLS: $posts POST /fhir/Observation, $created answered 201"
else
  fail "no TLS key log ($keylog)"
fi
# WS-Discovery: the camera announced itself and answered the recorder's probe.
wsd=$("${ts[@]}" -Y "udp.port == 3702" -T fields -e ip.src -e ip.dst -e xml.cdata 2> /dev/null)
hello=$(printf '%s\n' "$wsd" | grep -c "discovery/Hello")
probe=$(printf '%s\n' "$wsd" | grep -c "discovery/Probe[^M]")
matches=$(printf '%s\n' "$wsd" | grep "discovery/ProbeMatches" | grep -c "NetworkVideoTransmitter")
if [ "$hello" -ge 1 ] && [ "$probe" -ge 1 ] && [ "$matches" -ge 1 ] &&
  printf '%s\n' "$wsd" | grep -q "onvif://www.onvif.org/hardware/"; then
  ok "WS-Discovery: $hello Hello, $probe Probe, $matches ProbeMatches (ONVIF NetworkVideoTransmitter, scopes)"
else
  fail "WS-Discovery: $hello Hello, $probe Probe, $matches ProbeMatches"
fi
# The FHIR server created the monitor's Observations; Mosquitto accepted it on the TLS listener.
created=$(grep -c '"status": 201' "$logs/fhir.log" 2> /dev/null)
refused=$(grep -Ec '"status": [45][0-9][0-9]|tls_error' "$logs/fhir.log" 2> /dev/null)
[ "${created:-0}" -ge 1 ] && [ "${refused:-0}" -eq 0 ] && ok "FHIR server: $created Observations created (201), none refused" ||
  fail "FHIR server: ${created:-0} created, ${refused:-0} refused or failed handshakes"
# ...and the monitor saw every one of its uploads through (none lost to DNS, TLS or HTTP).
done_line=$(grep -o "[0-9]* of [0-9]* FHIR uploads created" "$logs/cogmon2.log" 2> /dev/null)
if [ -n "$done_line" ] && [ "$(echo "$done_line" | awk '{print ($1 == $3 && $1 > 0)}')" = 1 ] &&
  ! grep -q "fhir: [^P]" "$logs/cogmon2.log"; then
  ok "COGMON-0032: $done_line"
else
  fail "COGMON-0032: ${done_line:-no summary}; $(grep -m1 'fhir: [^P]' "$logs/cogmon2.log" 2> /dev/null)"
fi
if grep -q "New connection from 10.10.3.32:[0-9]* on port 8883" "$logs/mosquitto.log" 2> /dev/null &&
  grep -q "New client connected from 10.10.3.32:[0-9]* as COGMON-0032" "$logs/mosquitto.log" &&
  grep -q "Sending CONNACK to COGMON-0032 (0, 0)" "$logs/mosquitto.log"; then
  ok "mosquitto: COGMON-0032 accepted over TLS (CONNACK 0), $(grep -c 'Received PUBLISH from COGMON-0032' "$logs/mosquitto.log") PUBLISH received"
else
  fail "mosquitto log shows no accepted TLS session of COGMON-0032"
fi
# dcmtk: the CT's images stored on the PACS, the workstation's queries answered from its archive
# (testbed/check_dicom.py); tshark reads the C-FIND on the wire (skipped by the runner without
# samples).
if [ -f "$logs/storescu.log" ]; then
  python3 "$here/check_dicom.py" "$logs" > "$tmp/dicom" 2>&1
  cat "$tmp/dicom"
  fails=$((fails + $(grep -c "^FAIL" "$tmp/dicom")))
  grep -q "^ok\|^FAIL" "$tmp/dicom" || fail "check_dicom.py printed nothing"
  "${ts[@]}" -Y "dicom && tcp.port == 104 && ip.addr == 10.10.4.50" -T fields -e ip.src -e _ws.col.Info \
    > "$tmp/cfind" 2> /dev/null
  rq=$(grep -c "^10.10.4.50.*C-FIND-RQ" "$tmp/cfind")
  data=$(grep "^10.10.7.10" "$tmp/cfind" | grep -o "C-FIND-RSP-DATA" | wc -l)
  final=$(grep "^10.10.7.10" "$tmp/cfind" | grep -o "C-FIND-RSP ID=[0-9]* (Success)" | wc -l)
  if [ "$rq" -ge 1 ] && [ "$data" -ge 1 ] && [ "$final" -eq "$rq" ]; then
    ok "tshark: DICOM C-FIND from the nurse workstation to the PACS: $rq requests, $data pending responses with data, $final final Success"
  else
    fail "tshark: C-FIND from 10.10.4.50: $rq requests, $data responses with data, $final final Success"
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
