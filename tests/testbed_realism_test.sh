#!/usr/bin/env bash
# The testbed's realism checks on a short benign run (testbed/run benign, 25 s):
#   - testbed/check_realism.sh: tshark decodes HL7, MQTT, RTSP/RTP, DICOM, HTTP, DNS, DHCP, ARP,
#     TLS (MQTT and HTTP inside it, with the run's key log) and WS-Discovery with no malformed
#     packet or expert error; Mosquitto (plain and TLS), the FHIR server, dcmtk and dnsmasq
#     logged successful sessions; every HL7 message follows its IHE PCD segment structure;
#   - what Ward makes of the new paths: its tls log has the TLS monitor's sessions to the
#     broker (8883, TLS 1.3) and to the FHIR server (443, TLS 1.2, the CA-signed certificate of
#     fhir.ward.internal); no crypto, exfiltration or segmentation alert on them; its inventory
#     names the camera from its WS-Discovery Hello (class camera, model P3245-LVE, location);
#   - its dicom log has the CT's C-STOREs to the PACS and the nurse workstation's Study Root
#     C-FINDs (pending responses, final Success), each association accepted and released;
#   - the ward's DHCP and DNS service: the cognitive monitor and the nurse workstation got their
#     addresses by DHCP, and Ward's own dhcp and dns logs show those exchanges (DISCOVER, OFFER,
#     REQUEST, ACK for each, with the host names) and the devices' lookups of the pump server
#     and the broker by name, answered with their addresses;
#   - no namespace of the run is left behind.
# Exits 77 (skipped) without root or namespaces, or when a tool is missing.
# Usage: testbed_realism_test.sh WARD WARD_SIM REPO
set -u
ward=$1
sim=$2
repo=$3

for tool in ip tcpdump tshark mosquitto dnsmasq udhcpc python3 timeout; do
  command -v "$tool" > /dev/null || { echo "SKIP: $tool is not installed (scripts/install-deps.sh)"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "SKIP: the testbed needs root to create network namespaces"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

WARD_SIM=$sim timeout 100 "$repo/testbed/run" benign --out "$tmp/run" --duration 25 > "$tmp/run.out" 2>&1
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

"$repo/testbed/check_realism.sh" "$tmp/run" || fails=$((fails + 1))

# Ward's own view of the DHCP and DNS exchanges.
"$ward" monitor --read "$tmp/run/capture.pcap" --policy "$repo/testbed/ward.yaml" --out "$tmp/logs" \
  --phi-key "$tmp/k" --seed 1 > "$tmp/summary" 2>&1 || { cat "$tmp/summary"; fail "ward monitor failed"; }
python3 - "$tmp/logs" "$tmp/run/logs" << 'EOF' || fails=$((fails + 1))
import json, os, sys
d, run_logs = sys.argv[1], sys.argv[2]
def rows(name):
    p = os.path.join(d, name)
    assert os.path.exists(p), "no %s (have %s)" % (name, sorted(os.listdir(d)))
    return [json.loads(x) for x in open(p) if x.strip()]
dhcp = rows("dhcp.jsonl")
for host, mac, ip in (("cogmon", "02:00:0a:0a:03:1f", "10.10.3.31"), ("nurse", "02:00:0a:0a:04:32", "10.10.4.50")):
    mine = [r for r in dhcp if r.get("mac") == mac]
    assert mine, "no DHCP exchange of %s in dhcp.jsonl: %s" % (mac, dhcp)
    types = set()
    for r in mine:
        t = r.get("msg_types", [])
        types.update(t if isinstance(t, list) else [t])
    assert {"DISCOVER", "OFFER", "REQUEST", "ACK"} <= types, (host, types, mine)
    assert any(r.get("assigned_addr") == ip for r in mine), (host, mine)
    assert any(r.get("host_name") == host for r in mine), (host, mine)
    print("ok: Ward's dhcp.log: %s (%s) DISCOVER/OFFER/REQUEST/ACK, leased %s" % (host, mac, ip))
dns = rows("dns.jsonl")
for name, addr, client in (("pumpsrv.ward.internal", "10.10.1.5", "10.10.2.21"),
                           ("broker.ward.internal", "10.10.3.2", "10.10.3.31")):
    hits = [r for r in dns if r.get("query") == name and r.get("id.orig_h") == client]
    assert hits, "no lookup of %s from %s in dns.jsonl" % (name, client)
    assert any(addr in (r.get("answers") or []) for r in hits), (name, hits)
    print("ok: Ward's dns.log: %s asked for %s, answered %s" % (client, name, addr))
print("ok: Ward's dns.log has %d lookups, dhcp.log %d exchanges" % (len(dns), len(dhcp)))
tls = rows("tls.jsonl")
mqtts = [r for r in tls if r.get("id.orig_h") == "10.10.3.32" and r.get("id.resp_p") == 8883]
assert mqtts and all(r.get("established") and r.get("version") == "TLSv13"
                     and r.get("server_name") == "broker.ward.internal" for r in mqtts), mqtts
https = [r for r in tls if r.get("id.orig_h") == "10.10.3.32" and r.get("id.resp_h") == "10.10.8.10"
         and r.get("id.resp_p") == 443]
assert https, "no TLS session to the FHIR server in tls.jsonl"
for r in https:
    assert r.get("established") and r.get("version") == "TLSv12", r
    assert r.get("server_name") == "fhir.ward.internal" and r.get("sni_matches_cert"), r
    assert r.get("issuer") == "CN=Ward testbed ward CA,O=Ward testbed hospital", r
print("ok: Ward's tls.log: COGMON-0032 to the broker %d x TLS 1.3, to the FHIR server %d x TLS 1.2 "
      "(certificate of fhir.ward.internal, issued by the ward's CA)" % (len(mqtts), len(https)))
alerts = rows("alert.jsonl") if os.path.exists(os.path.join(d, "alert.jsonl")) else []
new_hosts = ("10.10.3.32", "10.10.8.10")
bad = [a for a in alerts
       if a["rule"].startswith(("ward.crypto.", "ward.privacy.exfiltration", "ward.segmentation."))
       or a["src"]["ip"] in new_hosts or a["dst"]["ip"] in new_hosts]
assert not bad, bad
print("ok: no crypto, exfiltration or segmentation alert, none on the TLS monitor or the FHIR server "
      "(%d alerts in all)" % len(alerts))
wsd = rows("wsd.jsonl")
hello = [r for r in wsd if r.get("msg") == "Hello" and r.get("id.orig_h") == "10.10.6.61"]
assert hello and hello[0].get("device_class") == "onvif_camera", hello
assert any(r.get("msg") == "ProbeMatches" for r in wsd), wsd
print("ok: Ward's wsd.log: the camera's Hello (onvif_camera) and ProbeMatches")
# The imaging zone (run without DICOM samples: skipped): the CT's stores and the workstation's
# queries of the PACS, as Ward decodes them.
if os.path.exists(os.path.join(run_logs, "storescu.log")):
    dicom = rows("dicom.jsonl")
    def assoc(calling, src):
        a = [r for r in dicom if r["record"] == "association" and r.get("calling_ae") == calling]
        assert len(a) >= 1 and all(r["id.orig_h"] == src and r["id.resp_h"] == "10.10.7.10"
                                   and r["id.resp_p"] == 104 and r.get("called_ae") == "PACS"
                                   and r.get("result") == "accepted" and r.get("end") == "released"
                                   for r in a), (calling, a)
        return {r["uid"] for r in a}
    ct, ws = assoc("CT01", "10.10.7.20"), assoc("NURSEWS", "10.10.4.50")
    stores = [r for r in dicom if r["record"] == "command" and r["uid"] in ct]
    assert len(stores) == 2 and all(r["command"] == "C-STORE" and r.get("status") == 0 for r in stores), stores
    finds = [r for r in dicom if r["record"] == "command" and r["uid"] in ws]
    assert len(finds) == 2 and all(
        r["command"] == "C-FIND" and r.get("status") == 0 and r.get("pending_responses", 0) >= 1
        and r.get("sop_class_name") == "Study Root Query/Retrieve Information Model - FIND" for r in finds), finds
    print("ok: Ward's dicom.log: CT01 (10.10.7.20) stored 2 images on the PACS (Success); NURSEWS "
          "(10.10.4.50) queried it: %d Study Root C-FIND, %d pending responses, final Success"
          % (len(finds), sum(r["pending_responses"] for r in finds)))
EOF
# With encryption required in the cognitive monitors' zone and the FHIR server's, the plain
# MQTT monitor is reported and the TLS one (MQTT over TLS, HTTPS) is not.
python3 - "$repo/testbed/ward.yaml" "$tmp/enc.yaml" << 'EOF' || fails=$((fails + 1))
import sys
s = open(sys.argv[1]).read()
for zone in ("  - name: telemetry ", "  - name: fhir "):
    i = s.index(zone)
    j = s.index("security_level:", i)
    j = s.index("\n", j) + 1
    s = s[:j] + "    require_encryption: true\n" + s[j:]
open(sys.argv[2], "w").write(s)
EOF
"$ward" monitor --read "$tmp/run/capture.pcap" --policy "$tmp/enc.yaml" --out "$tmp/enc" \
  --phi-key "$tmp/k" --seed 1 > "$tmp/enc.summary" 2>&1 || { cat "$tmp/enc.summary"; fail "ward monitor (encryption required) failed"; }
python3 - "$tmp/enc/alert.jsonl" << 'EOF' || fails=$((fails + 1))
import json, sys
crypto = [a for a in map(json.loads, open(sys.argv[1])) if a["rule"].startswith("ward.crypto.")]
pairs = {(a["rule"], a["src"]["ip"], a["dst"]["ip"], a.get("service")) for a in crypto}
assert pairs == {("ward.crypto.cleartext_protocol", "10.10.3.31", "10.10.3.2", "mqtt")}, crypto
print("ok: encryption required in the telemetry and FHIR zones: the plain MQTT monitor is reported "
      "(cleartext_protocol 10.10.3.31 -> 10.10.3.2), the TLS monitor is not")
EOF
inv=$("$ward" inventory --read "$tmp/run/capture.pcap" --format json 2> /dev/null)
python3 -c '
import json, sys
devs = json.loads(sys.argv[1])["devices"]
cam = [d for d in devs if "10.10.6.61" in d.get("ips", [])]
assert cam, "no device 10.10.6.61 in the inventory"
c = cam[0]
assert c.get("class") == "camera" and c.get("model") == "P3245-LVE", c
assert c.get("location") == "icu-corridor", c
assert c.get("vendor") == "Axis Communications", c
srcs = {e["source"] for e in c["attributes"]["class"][0]["evidence"]}
assert "wsd.type" in srcs, srcs
print("ok: ward inventory: 10.10.6.61 camera, Axis Communications P3245-LVE at icu-corridor (from WS-Discovery)")
' "$inv" || fails=$((fails + 1))

[ $fails -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "testbed realism: all checks passed"
