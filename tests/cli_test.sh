#!/usr/bin/env bash
# What a user sees from the command line: exit codes, error messages naming file/line/column,
# the summary, --format json, --fail-on.
# Usage: cli_test.sh WARD REPO
set -u
ward=$1
repo=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() {  # check NAME EXPECTED_RC COMMAND... ; output in $tmp/out, $tmp/err
  local name=$1 want=$2
  shift 2
  "$@" > "$tmp/out" 2> "$tmp/err"
  local rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "FAIL $name: exit $rc, expected $want"; cat "$tmp/out" "$tmp/err"; fails=$((fails + 1)); return 1
  fi
  echo "ok   $name"
}
expect_text() {  # expect_text NAME FILE TEXT
  if ! grep -qF -- "$3" "$2"; then echo "FAIL $1: '$3' not in output:"; cat "$2"; fails=$((fails + 1)); fi
}

demo=$repo/tests/data/synthetic-ward/capture.pcap
policy=$repo/tests/data/synthetic-ward/ward.yaml
common=(--phi-key "$tmp/k" --seed 1)

check "synthetic ward summary" 0 "$ward" monitor --read "$demo" --policy "$policy" --out "$tmp/logs" --db "$tmp/w.db" "${common[@]}"
expect_text "summary names the alerts" "$tmp/out" "alerts: 4 critical"
expect_text "summary lists a critical alert" "$tmp/out" "CRITICAL ward.infusion.hard_limit"
expect_text "summary lists the segmentation alert" "$tmp/out" "HIGH    ward.segmentation.conduit_violation (x2)  10.10.9.66 -> 10.10.2.22"
expect_text "summary says where the logs are" "$tmp/out" "logs: $tmp/logs/{"
expect_text "summary says where the database is" "$tmp/out" "database: $tmp/w.db"
expect_text "summary lists protocols" "$tmp/out" "hl7 (10 flows)"
expect_text "summary lists identified classes" "$tmp/out" "identified: 3 infusion_pump, 2 camera, 2 patient_monitor, 1 cognitive_monitor, 1 pump_server"

check "json report" 0 "$ward" monitor --read "$demo" --policy "$policy" --format json "${common[@]}"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["alerts"]["critical"]==4, r["alerts"]; assert r["services"]["mqtt"]==3' "$tmp/out" \
  || { echo "FAIL json report content"; fails=$((fails + 1)); }

check "fail-on critical" 3 "$ward" monitor --read "$demo" --policy "$policy" --quiet --fail-on critical "${common[@]}"
check "no critical alerts without a policy (no drug library, no programmer list)" 0 "$ward" monitor --read "$demo" --quiet --fail-on critical "${common[@]}"

printf 'version: 1\ndrug_library:\n  drugs:\n    - name: x\n      care_areas:\n        ICU:\n          rate: {soft_max: 10, hard_max: 5}\n' > "$tmp/bad.yaml"
check "bad policy is a usage error" 2 "$ward" monitor --read "$demo" --policy "$tmp/bad.yaml" "${common[@]}"
expect_text "policy error names line and column" "$tmp/err" "bad.yaml:7:17: drug_library.drugs[0].care_areas.ICU.rate: hard_max must be >= soft_max"
check "policy check rejects it" 2 "$ward" policy check "$tmp/bad.yaml"
expect_text "policy check names line and column" "$tmp/err" "bad.yaml:7:17"
check "policy check accepts the demo policy" 0 "$ward" policy check "$policy"
expect_text "policy check summary" "$tmp/out" "ok (3 drugs, 2 authorised programmers, 1 MQTT command topics)"
expect_text "policy check counts the zones" "$tmp/out" "segmentation: 7 zones (3 medical), 5 conduits"

head -c 20000 "$demo" > "$tmp/cut.pcap"
check "truncated capture" 1 "$ward" monitor --read "$tmp/cut.pcap" --policy "$policy" --out "$tmp/cutlogs" "${common[@]}"
expect_text "truncation names packet and offset" "$tmp/err" "cut.pcap: packet "
expect_text "truncation names the offset" "$tmp/err" "at byte offset"
[ -s "$tmp/cutlogs/conn.jsonl" ] || { echo "FAIL: nothing written before the truncation"; fails=$((fails + 1)); }

check "missing capture" 2 "$ward" monitor --read "$tmp/nope.pcap" "${common[@]}"
expect_text "missing capture named" "$tmp/err" "nope.pcap"
check "read and interface are exclusive" 2 "$ward" monitor --read "$demo" --interface lo
check "unknown limit" 2 "$ward" monitor --read "$demo" --set flow.max_flowz=10 "${common[@]}"
expect_text "unknown limit named" "$tmp/err" "unknown limit 'flow.max_flowz'"
check "bad --set" 2 "$ward" monitor --read "$demo" --set flow.max_flows=-1 "${common[@]}"
check "tiny flow table evicts and says so" 0 "$ward" monitor --read "$demo" --set flow.max_flows=2 "${common[@]}"
expect_text "eviction reported" "$tmp/out" "flows evicted (raise flow.max_flows)"
# ward inventory: identification, output formats, reconciliation, rule-file errors.
check "inventory table" 0 "$ward" inventory --read "$demo"
expect_text "inventory counts the devices" "$tmp/out" "16 devices"
expect_text "inventory shows a pump" "$tmp/out" "infusion_pump     BD"
expect_text "inventory shows the firmware" "$tmp/out" "Alaris PC Unit 8015      9.33.1"
[ -e ward-phi.key ] && { echo "FAIL: ward inventory wrote a PHI key file"; fails=$((fails + 1)); }
printf 'asset_id,mac,model,firmware,location\nPUMP-21,9c:c8:ae:0a:02:15,Alaris 8015,9.19.0,ICU BED07\nPUMP-99,9c:c8:ae:0a:02:99,Alaris 8015,9.33.1,ICU BED11\n' > "$tmp/cmms.csv"
check "inventory reconciliation" 0 "$ward" inventory --read "$demo" --intended "$tmp/cmms.csv"
expect_text "mismatch reported" "$tmp/out" "MISMATCH PUMP-21"
expect_text "missing reported" "$tmp/out" "MISSING  PUMP-99"
check "inventory csv" 0 "$ward" inventory --read "$demo" --intended "$tmp/cmms.csv" --format csv
expect_text "csv header" "$tmp/out" "device_id,mac,ips,class,vendor,model,version,host_name,location,names,evidence,asset_id,reconciliation"
check "inventory json" 0 "$ward" inventory --read "$demo" --format json
expect_text "json device" "$tmp/out" '"model":"IntelliVue MX800"'
printf 'asset_id,mac\nA1,zz\n' > "$tmp/bad.csv"
check "bad intended inventory" 2 "$ward" inventory --read "$demo" --intended "$tmp/bad.csv"
expect_text "intended error names file and line" "$tmp/err" "bad.csv:2: mac: bad MAC address 'zz'"
printf 'rules:\n  - {id: x, signal: http.server, regex: "(", set: {class: camera}}\n' > "$tmp/fp.yaml"
check "bad fingerprint file" 2 "$ward" inventory --read "$demo" --fingerprints "$tmp/fp.yaml"
expect_text "rule error names file, line and column" "$tmp/err" "fp.yaml:2:41: bad regex"
check "monitor rejects a bad fingerprint file too" 2 "$ward" monitor --read "$demo" --fingerprints "$tmp/fp.yaml" "${common[@]}"
check "missing OUI table is only a warning" 0 "$ward" inventory --read "$demo" --oui "$tmp/no-oui.csv"
expect_text "OUI warning" "$tmp/err" "no-oui.csv: cannot read the OUI table (install Debian's ieee-data)"
check "inventory limits are keys with an anomaly" 0 "$ward" monitor --read "$demo" --set inventory.max_devices=4 "${common[@]}"
expect_text "device limit reported" "$tmp/out" "inventory.device_limit 1"
[ -s "$tmp/logs/device.jsonl" ] || { echo "FAIL: ward monitor wrote no device log"; fails=$((fails + 1)); }
# ward vuln assess: the demo's identified devices matched against the shipped ICSMA corpus and
# scored. The pumps report BD Alaris PC Unit 8015 firmware 9.33.1, inside ICSMA-20-317-01's
# range (<= 9.33.1); the pump server Alaris Systems Manager 4.33.0 is in ICSMA-23-194-01's.
check "vuln assess table" 0 "$ward" vuln assess --read "$demo"
expect_text "pump scored with its advisory" "$tmp/out" "infusion_pump  BD / Alaris PC Unit 8015 / 9.33.1"
expect_text "pump advisory and CVE" "$tmp/out" "finding  ICSMA-20-317-01 [high] CVSS 6.5  CVE-2020-25165"
expect_text "criticality factor" "$tmp/out" "criticality    25  infusion_pump"
expect_text "pump server advisory" "$tmp/out" "finding  ICSMA-23-194-01 [high] CVSS 8.2"
expect_text "segmentation step" "$tmp/out" "1. segment: restrict who can reach this device"
check "vuln assess json" 0 "$ward" vuln assess --read "$demo" --format json
python3 - "$tmp/out" <<'PY' || { echo "FAIL: vuln assess json"; fails=$((fails + 1)); }
import json, sys
d = json.load(open(sys.argv[1]))
pumps = [x for x in d["devices"] if x["class"] == "infusion_pump"]
assert len(pumps) == 3, pumps
for p in pumps:
    assert p["version"] == "9.33.1"
    assert "ICSMA-20-317-01" in [f["advisory"] for f in p["findings"]]
    assert p["risk"] == sum(f["points"] for f in p["factors"]), p
    assert p["level"] in ("high", "critical"), p["level"]
assert d["devices"] == sorted(d["devices"], key=lambda x: -x["risk"])
PY
check "vuln assess with the policy counts alerts per device" 0 "$ward" vuln assess --read "$demo" --policy "$policy"
expect_text "alerts on the programmed pump" "$tmp/out" "alerts         15  6 alerts, the worst critical"
expect_text "multicast is not internet exposure" "$tmp/out" "exploitability 5   network attack vector (ICSMA-20-317-01)"
expect_text "the pump's zone and who reaches it" "$tmp/out" "reachable from zones clinical_servers (conduits into infusion_pumps)"
check "vuln assess csv" 0 "$ward" vuln assess --read "$demo" --format csv
expect_text "csv header" "$tmp/out" "device,ip,class,vendor,model,version,risk,level,advisories,cves"

# The monitor's own assessment: the vuln log, the SQLite tables, the summary; EVE alerts.
check "monitor writes the vuln log and tables" 0 "$ward" monitor --read "$demo" --policy "$policy" --out "$tmp/vlogs" --db "$tmp/v.db" "${common[@]}"
expect_text "summary counts vulnerable devices" "$tmp/out" "vulnerable: 6 of 8 identified devices match advisories"
expect_text "summary names the riskiest device" "$tmp/out" "risk  74 critical 10.10.1.5 pump_server (BD Alaris Systems Manager 4.33.0): ICSMA-23-194-01, ICSMA-20-317-01"
python3 - "$tmp/vlogs" "$tmp/v.db" <<'PY' || { echo "FAIL: vuln log, tables and EVE"; fails=$((fails + 1)); }
import json, sqlite3, sys
logs, db = sys.argv[1], sys.argv[2]
vuln = [json.loads(l) for l in open(logs + "/vuln.jsonl")]
pump = next(v for v in vuln if v["ip"] == "10.10.2.22")
assert pump["class"] == "infusion_pump" and pump["risk"] == 72, pump
assert "ICSMA-20-317-01" in [f["advisory"] for f in pump["findings"]]
assert pump["risk"] == sum(f["points"] for f in pump["factors"])
c = sqlite3.connect(db)
rows = dict(c.execute("SELECT ip, score FROM device_risk"))
assert rows["10.10.2.22"] == 72 and rows["10.10.1.5"] == 74, rows
cves = [r[0] for r in c.execute(
    "SELECT cves FROM vulnerabilities v JOIN device_risk d USING (run_id, device_id) "
    "WHERE d.ip = '10.10.2.22' AND advisory_id = 'ICSMA-20-317-01'")]
assert cves == ["CVE-2020-25165"], cves
# Suricata EVE: one alert record per alert in Ward's own log, with Suricata's keys.
alerts = [json.loads(l) for l in open(logs + "/alert.jsonl")]
eve = [json.loads(l) for l in open(logs + "/eve.jsonl")]
assert len(eve) == len(alerts) == 20, (len(eve), len(alerts))
for e, a in zip(eve, alerts):
    assert e["event_type"] == "alert" and e["alert"]["action"] == "allowed"
    assert e["src_ip"] == a["src"]["ip"] and e["dest_ip"] == a["dst"]["ip"]
    assert e["alert"]["metadata"]["ward_rule"] == [a["rule"]]
    assert e["alert"]["severity"] == {"critical": 1, "high": 1, "medium": 2, "low": 3}[a["severity"]]
    assert e["timestamp"].endswith("+0000") and "T" in e["timestamp"]
rogue = next(e for e in eve if e["alert"]["metadata"]["ward_rule"] == ["ward.infusion.unauthorized_programmer"])
assert rogue["src_ip"] == "10.10.9.66" and rogue["dest_port"] == 3000 and rogue["proto"] == "TCP", rogue
PY
check "monitor without the assessment" 0 "$ward" monitor --read "$demo" --no-vuln --out "$tmp/nologs" "${common[@]}"
[ -e "$tmp/nologs/vuln.jsonl" ] && { echo "FAIL: --no-vuln wrote a vuln log"; fails=$((fails + 1)); }
check "a named corpus that does not exist is an error" 2 "$ward" monitor --read "$demo" --advisories "$tmp/none" "${common[@]}"
expect_text "missing corpus named" "$tmp/err" "$tmp/none"

# The scorecard over the demo and its labels (tests/data/synthetic-ward/labels.json).
check "eval scorecard" 0 "$ward" eval --policy "$policy" --labels "$repo/tests/data/synthetic-ward/labels.json" "$demo" --format json
python3 - "$tmp/out" <<'PY' || { echo "FAIL: eval scorecard"; fails=$((fails + 1)); }
import json, sys
s = json.load(open(sys.argv[1]))
assert s["labels"] == 12 and s["detected"] == 12 and s["alerts"] == 20 and s["true_alerts"] == 20, s
assert s["classes"]["default_credentials"]["recall"] == 1  # the monitor's short MQTT password
assert s["classes"]["segmentation_violation"]["labels"] == 2 and s["classes"]["segmentation_violation"]["recall"] == 1
assert s["precision"] == 1 and s["recall"] == 1
assert 0 <= s["time_to_detect_s"] < 1
assert s["classes"]["dose_limit"]["labels"] == 3 and s["classes"]["dose_limit"]["alerts"] == 5
PY
# The bundled demo (demo/: a testbed capture, its labels and policy): every labelled attack
# found, no alert that matches no label, and the summary make demo prints.
check "demo eval" 0 "$ward" eval --policy "$repo/demo/ward.yaml" --labels "$repo/demo/labels.json" "$repo/demo/ward-demo.pcap" --format json
python3 - "$tmp/out" <<'PY' || { echo "FAIL: demo eval"; fails=$((fails + 1)); }
import json, sys
s = json.load(open(sys.argv[1]))
assert s["labels"] == 22 and s["detected"] == 22, s
assert s["precision"] == 1 and s["recall"] == 1, s
assert all(c["precision"] == 1 for c in s["classes"].values() if c["alerts"]), s["classes"]
PY
check "bundled demo summary" 0 "$ward" monitor --read "$repo/demo/ward-demo.pcap" --policy "$repo/demo/ward.yaml" "${common[@]}"
expect_text "demo: the clinical attacks" "$tmp/out" "CRITICAL ward.infusion.alarm_suppression  10.10.9.66 -> 10.10.1.5"
expect_text "demo: the floods" "$tmp/out" "HIGH    ward.flood.udp  10.10.9.66 -> 10.10.2.21"

check "eval without the policy misses the clinical labels" 3 "$ward" eval --labels "$repo/tests/data/synthetic-ward/labels.json" "$demo" --min-recall 0.95
expect_text "missed labels listed" "$tmp/out" "missed: unauthorized_programming from 10.10.9.66"
check "eval ignoring a class drops its alerts and labels stay missed" 0 "$ward" eval --policy "$policy" --labels "$repo/tests/data/synthetic-ward/labels.json" "$demo" --ignore-class phi_cleartext --format json
python3 - "$tmp/out" <<'PY' || { echo "FAIL: eval --ignore-class"; fails=$((fails + 1)); }
import json, sys
s = json.load(open(sys.argv[1]))
assert s["alerts"] == 11 and s["classes"]["phi_cleartext"]["recall"] == 0, s
PY
expect_text "ignored alerts counted" "$tmp/err" "9 alerts of ignored classes not scored"
check "unknown ignored class" 2 "$ward" eval --labels "$repo/tests/data/synthetic-ward/labels.json" "$demo" --ignore-class nope
printf '[{"class": "recon_scan", "attacker_ip": "10.0.0.1", "start_ts": "soon", "end_ts": 2}]' > "$tmp/bad-labels.json"
check "bad labels are a usage error" 2 "$ward" eval --labels "$tmp/bad-labels.json" "$demo"
expect_text "labels error names file and pointer" "$tmp/err" "bad-labels.json: /0/start_ts: must be a number (epoch seconds)"

check "version" 0 "$ward" version
expect_text "version printed" "$tmp/out" "ward "

echo "cli_test: $fails failures"
[ "$fails" -eq 0 ]
