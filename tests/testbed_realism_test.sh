#!/usr/bin/env bash
# The testbed's realism checks on a short benign run (testbed/run benign, 25 s):
#   - testbed/check_realism.sh: tshark decodes HL7, MQTT, RTSP/RTP, DICOM, HTTP, DNS, DHCP and
#     ARP with no malformed packet or expert error; Mosquitto, dcmtk and dnsmasq logged
#     successful sessions; every HL7 message follows its IHE PCD segment structure;
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
python3 - "$tmp/logs" << 'EOF' || fails=$((fails + 1))
import json, os, sys
d = sys.argv[1]
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
EOF

[ $fails -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "testbed realism: all checks passed"
