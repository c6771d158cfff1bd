#!/usr/bin/env bash
# DICOM against real peers: Debian's dcmtk talks to itself on 127.0.0.1 while tcpdump captures
# the loopback traffic; then `ward monitor --read` decodes the capture and its dicom log must
# show every association, command and status that dcmtk itself logged (-d output), the PHI
# alerts for the patient names in the sample files, and never the names themselves. tshark's
# DICOM dissector is a second oracle on the same capture.
#   storescp  <- echoscu (C-ECHO), storescu (C-STORE, explicit VR), storescu -xi (implicit VR)
#   dcmqrscp  <- findscu (C-FIND, study root; pending responses carry patient names)
# Exits 77 (skipped) when packet capture is not permitted or dcmtk/tcpdump/tshark are missing.
# Usage: dicom_dcmtk_test.sh WARD DICOM_SAMPLES_DIR [KEEP_DIR]
#   KEEP_DIR: copy the capture and the dcmtk logs there (to refresh the fuzz seed corpus).
set -u
ward=$1
data=$2
keep=${3:-}

for tool in storescp storescu echoscu findscu dcmqrscp dcmqridx dcmdump tcpdump tshark python3 timeout; do
  command -v "$tool" > /dev/null || { echo "SKIP: $tool is not installed (scripts/install-deps.sh installs it)"; exit 77; }
done
files=("$data/CT_small.dcm" "$data/MR_small.dcm" "$data/SC_rgb_small_odd.dcm")
implicit_file="$data/MR_small_implicit.dcm"
for f in "${files[@]}" "$implicit_file"; do
  [ -r "$f" ] || { echo "FAIL: sample $f missing (../shared/data/dicom)"; exit 1; }
done

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null; done
  wait 2> /dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

free_ports() {
  python3 -c '
import socket
a, b = socket.socket(), socket.socket()
a.bind(("127.0.0.1", 0)); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])'
}
read -r p_store p_qr < <(free_ports)

# Capture first, and wait until tcpdump listens.
timeout 120 tcpdump -i lo -U --immediate-mode -n -s 0 -w "$tmp/dicom.pcap" "tcp port $p_store or tcp port $p_qr" \
  2> "$tmp/tcpdump.err" &
tcpdump_pid=$!
pids+=("$tcpdump_pid")
for _ in $(seq 1 100); do
  grep -q "listening on" "$tmp/tcpdump.err" && break
  kill -0 "$tcpdump_pid" 2> /dev/null || break
  sleep 0.1
done
if ! grep -q "listening on" "$tmp/tcpdump.err"; then
  if grep -qiE "permission|not permitted|Operation not|socket:" "$tmp/tcpdump.err"; then
    echo "SKIP: packet capture on lo not permitted here (needs root or CAP_NET_RAW): $(cat "$tmp/tcpdump.err")"
    exit 77
  fi
  echo "FAIL: tcpdump did not start:"; cat "$tmp/tcpdump.err"; exit 1
fi

# The storage SCP.
mkdir -p "$tmp/store"
timeout 90 storescp -d -aet WARDSCP -od "$tmp/store" "$p_store" > "$tmp/storescp.log" 2>&1 &
pids+=("$!")

# The query/retrieve SCP, its database indexed from the sample files.
mkdir -p "$tmp/db"
cp "${files[@]}" "$tmp/db/"
chmod u+w "$tmp/db/"*
cat > "$tmp/dcmqrscp.cfg" << EOF
NetworkTCPPort  = $p_qr
MaxPDUSize      = 16384
MaxAssociations = 4
HostTable BEGIN
HostTable END
VendorTable BEGIN
VendorTable END
AETable BEGIN
WARDQR  $tmp/db  RW  (20, 64mb)  ANY
AETable END
EOF
(cd "$tmp/db" && dcmqridx "$tmp/db" ./*.dcm) > "$tmp/dcmqridx.log" 2>&1 || { echo "FAIL: dcmqridx"; cat "$tmp/dcmqridx.log"; exit 1; }
timeout 90 dcmqrscp -d -c "$tmp/dcmqrscp.cfg" > "$tmp/dcmqrscp.log" 2>&1 &
pids+=("$!")

# Probing with a bare connect would add associations-less flows to the capture: wait on the
# SCPs' own start-up instead, by polling the kernel's table of listening sockets.
wait_listen() {
  for _ in $(seq 1 100); do
    python3 - "$1" << 'PY' && return 0
import sys
port = int(sys.argv[1])
with open("/proc/net/tcp") as f:
    for line in f.readlines()[1:]:
        parts = line.split()
        if int(parts[1].split(":")[1], 16) == port and parts[3] == "0A":
            sys.exit(0)
sys.exit(1)
PY
    sleep 0.1
  done
  echo "FAIL: nothing listens on port $1"; cat "$tmp"/*.log; exit 1
}
wait_listen "$p_store"
wait_listen "$p_qr"

run() {  # name, command...: runs a dcmtk client (bounded), keeps its -d output
  local name=$1; shift
  if ! timeout 60 "$@" > "$tmp/$name.log" 2>&1; then
    echo "FAIL: $name exited non-zero:"; cat "$tmp/$name.log"; exit 1
  fi
}
run echoscu echoscu -d -aet ECHOSCU -aec WARDSCP 127.0.0.1 "$p_store"
run storescu storescu -d -aet STORESCU -aec WARDSCP 127.0.0.1 "$p_store" "${files[@]}"
run storescu_implicit storescu -d -xi -aet STORESCUI -aec WARDSCP 127.0.0.1 "$p_store" "$implicit_file"
run findscu findscu -d -S -aet FINDSCU -aec WARDQR -k QueryRetrieveLevel=STUDY -k PatientName \
  -k PatientID -k StudyInstanceUID 127.0.0.1 "$p_qr"

# Stop the SCPs first, then let tcpdump write the last packets before it stops.
sleep 0.5
for p in "${pids[@]:1}"; do kill "$p" 2> /dev/null; done
sleep 1
kill "$tcpdump_pid" 2> /dev/null
wait 2> /dev/null
pids=()

[ -s "$tmp/dicom.pcap" ] || { echo "FAIL: empty capture"; cat "$tmp/tcpdump.err"; exit 1; }
if [ -n "$keep" ]; then
  mkdir -p "$keep" && cp "$tmp/dicom.pcap" "$tmp"/*.log "$keep/"
  echo "$p_store $p_qr" > "$keep/ports"
fi

# What the sample files hold (the oracle for PHI and SOP instances).
for f in "${files[@]}" "$implicit_file"; do
  echo "FILE $f"
  dcmdump +P 0010,0010 +P 0010,0020 +P 0008,0018 "$f"
done > "$tmp/samples.txt"

"$ward" monitor --read "$tmp/dicom.pcap" --out "$tmp/logs" --phi-key "$tmp/phi.key" --seed 1 -q \
  > "$tmp/ward.out" 2>&1 || { echo "FAIL: ward monitor"; cat "$tmp/ward.out"; exit 1; }

tshark -r "$tmp/dicom.pcap" -d "tcp.port==$p_store,dicom" -d "tcp.port==$p_qr,dicom" -Y dicom \
  -T fields -E separator='|' -e tcp.srcport -e tcp.dstport -e dicom.pdu.type \
  -e dicom.assoc.ae.calling -e dicom.assoc.ae.called -e dicom.userinfo.uid \
  -e dicom.userinfo.version -e dicom.pctx.result -e _ws.col.Info \
  > "$tmp/tshark.txt" 2> "$tmp/tshark.err" || { echo "FAIL: tshark"; cat "$tmp/tshark.err"; exit 1; }
tshark -r "$tmp/dicom.pcap" -d "tcp.port==$p_store,dicom" -d "tcp.port==$p_qr,dicom" \
  -Y "dicom.pdu.type==0x04" -V > "$tmp/tshark_v.txt" 2>> "$tmp/tshark.err" \
  || { echo "FAIL: tshark -V"; cat "$tmp/tshark.err"; exit 1; }

python3 - "$tmp" "$p_store" "$p_qr" << 'PY'
import glob, hashlib, hmac, json, os, re, sys

tmp, p_store, p_qr = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
failures, checks = [], 0

def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)

def records(name):
    path = os.path.join(tmp, "logs", name)
    if not os.path.exists(path):
        return []
    return [json.loads(l) for l in open(path) if l.strip()]

dicom = records("dicom.jsonl")
assocs = [r for r in dicom if r["record"] == "association"]
commands = [r for r in dicom if r["record"] == "command"]
alerts = records("alert.jsonl")
conns = records("conn.jsonl")

def dimse_messages(text):
    """The DIMSE messages dcmtk -d printed, in order: OUTGOING (sent) and INCOMING (received)."""
    out = []
    for m in re.finditer(r"=+ (OUTGOING|INCOMING) DIMSE MESSAGE =+\n(.*?)D: =+ END DIMSE MESSAGE", text, re.S):
        f = dict(re.findall(r"^D: ([A-Za-z ]+?)\s+: (.*)$", m.group(2), re.M))
        op, kind = f["Message Type"].split()
        status = f.get("DIMSE Status")
        out.append({
            "op": op, "kind": kind, "sent": m.group(1) == "OUTGOING",
            "ctx": int(f["Presentation Context ID"]) if "Presentation Context ID" in f else None,
            "id": int(f.get("Message ID", f.get("Message ID Being Responded To"))),
            "instance": f.get("Affected SOP Instance UID"),
            "data_set": f.get("Data Set") == "present",
            "status": int(status.split(":")[0], 16) if status else None,
        })
    return out

def echo_messages(text):
    """echoscu -d prints no DIMSE dump: its summary lines instead."""
    out = []
    for mid in re.findall(r"Sending Echo Request \(MsgID (\d+)\)", text):
        out.append({"op": "C-ECHO", "kind": "RQ", "sent": True, "ctx": None, "id": int(mid),
                    "instance": None, "data_set": False, "status": None})
    for st in re.findall(r"Received Echo Response \((\w+)\)", text):
        out.append({"op": "C-ECHO", "kind": "RSP", "sent": False, "ctx": None,
                    "id": out[0]["id"] if out else 0, "instance": None, "data_set": False,
                    "status": 0 if st == "Success" else -1})
    return out

def dcmtk_log(name):
    """What a dcmtk client logged: the negotiated association and its DIMSE exchange."""
    text = open(os.path.join(tmp, name + ".log"), errors="replace").read()
    ac = text.split("BEGIN A-ASSOCIATE-AC", 1)[1].split("END A-ASSOCIATE-AC", 1)[0]
    def field(label):
        m = re.search(r"^D: " + re.escape(label) + r":\s*(.*)$", ac, re.M)
        return m.group(1).strip() if m else None
    return {
        "our_uid": field("Our Implementation Class UID"),
        "our_version": field("Our Implementation Version Name"),
        "their_uid": field("Their Implementation Class UID"),
        "their_version": field("Their Implementation Version Name"),
        "calling": field("Calling Application Name"),
        "called": field("Called Application Name"),
        "our_max": int(field("Our Max PDU Receive Size")),
        "their_max": int(field("Their Max PDU Receive Size")),
        "contexts": len(re.findall(r"Context ID:\s+\d+", ac)),
        "accepted": len(re.findall(r"Context ID:\s+\d+ \(Accepted\)", ac)),
        "dimse": dimse_messages(text) or echo_messages(text),
        "released": "Releasing Association" in text,
    }

def assoc_for(calling):
    found = [a for a in assocs if a.get("calling_ae") == calling]
    check(len(found) == 1, f"one association record for {calling}, got {len(found)}")
    return found[0] if found else {}

def commands_of(assoc):
    return [c for c in commands if c.get("uid") == assoc.get("uid")]

for name in ["echoscu", "storescu", "storescu_implicit", "findscu"]:
    d = dcmtk_log(name)
    a = assoc_for(d["calling"])
    if not a:
        continue
    for key, want in [("calling_ae", d["calling"]), ("called_ae", d["called"]),
                      ("implementation_class_uid", d["our_uid"]),
                      ("implementation_version", d["our_version"]),
                      ("responder_implementation_class_uid", d["their_uid"]),
                      ("responder_implementation_version", d["their_version"]),
                      ("max_pdu_length", d["our_max"]),
                      ("responder_max_pdu_length", d["their_max"]),
                      ("contexts_proposed", d["contexts"]),
                      ("contexts_accepted", d["accepted"]),
                      ("result", "accepted"),
                      ("end", "released" if d["released"] else "open"),
                      ("application_context", "1.2.840.10008.3.1.1.1")]:
        check(a.get(key) == want, f"{name}: association {key} = {a.get(key)!r}, dcmtk: {want!r}")
    cmds = commands_of(a)
    # dcmtk's DIMSE messages against ward's request/response pairs, one by one.
    requests = [m for m in d["dimse"] if m["kind"] == "RQ"]
    check(len(requests) > 0, f"{name}: dcmtk logged no DIMSE request")
    check(len(cmds) == len(requests), f"{name}: {len(cmds)} command records, dcmtk sent {len(requests)} requests")
    for c, rq in zip(cmds, requests):
        rsps = [m for m in d["dimse"] if m["kind"] == "RSP" and m["op"] == rq["op"] and m["id"] == rq["id"]]
        final = [m for m in rsps if m["status"] not in (0xFF00, 0xFF01)]
        pending = [m for m in rsps if m["status"] in (0xFF00, 0xFF01)]
        want = {"command": rq["op"], "message_id": rq["id"],
                "request_seen": True, "response_seen": True, "request_data_set": rq["data_set"],
                "status": final[0]["status"] if final else None,
                "pending_responses": len(pending) if pending else None,
                "response_data_sets": sum(m["data_set"] for m in rsps) or None}
        if rq["instance"]:
            want["sop_instance"] = rq["instance"]
        if rq["ctx"] is not None:
            want["context_id"] = rq["ctx"]
        for k, v in want.items():
            check(c.get(k) == v, f"{name}: {rq['op']} {rq['id']}: ward {k}={c.get(k)!r}, dcmtk {v!r}")
        check(c["phi_in_clear"] is (rq["op"] != "C-ECHO"),
              f"{name}: {rq['op']} {rq['id']}: phi_in_clear {c['phi_in_clear']}")
    check(a.get("commands") == len(d["dimse"]), f"{name}: association counts {a.get('commands')} DIMSE messages, dcmtk {len(d['dimse'])}")

# SOP instances: the ones in the files sent.
samples = open(os.path.join(tmp, "samples.txt"), errors="replace").read()
instances = set(re.findall(r"\(0008,0018\) UI \[([^\]]+)\]", samples))
stored = {c.get("sop_instance") for c in commands if c["command"] == "C-STORE"}
check(stored == instances, f"C-STORE SOP instances {stored} vs the files' {instances}")
classes = {c.get("sop_class_name") for c in commands if c["command"] == "C-STORE"}
check(classes == {"CT Image Storage", "MR Image Storage", "Secondary Capture Image Storage"},
      f"C-STORE SOP class names {classes}")

# The PHI each C-STORE carried, seen through the keyed hashes (the values themselves are never
# logged): the hash of the file's patient name and id, with ward's key (common/phi_hash.h).
key = open(os.path.join(tmp, "phi.key"), "rb").read()
def phi_hash(value):
    return "hmac:" + hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:24]
per_file = {}
for block in samples.split("FILE ")[1:]:
    inst = re.search(r"\(0008,0018\) UI \[([^\]]+)\]", block).group(1)
    name = re.search(r"\(0010,0010\) PN \[([^\]]+)\]", block).group(1)
    pid = re.search(r"\(0010,0020\) LO \[([^\]]+)\]", block).group(1)
    per_file[inst] = (phi_hash(name.upper()), phi_hash(pid))
for c in commands:
    if c["command"] == "C-STORE":
        want = per_file.get(c.get("sop_instance"))
        check(want == (c.get("patient_name_hash"), c.get("patient_id_hash")),
              f"C-STORE {c.get('sop_instance')}: PHI hashes {c.get('patient_name_hash')} vs the file's")
    if c["command"] == "C-FIND":
        check(c.get("patient_name_hash") in {n for n, _ in per_file.values()},
              f"C-FIND: the first matched name hash {c.get('patient_name_hash')} is a sample's")

# PhiObserved became alerts on the flows that carried patient data, never on the echo.
phi_alerts = [a for a in alerts if a.get("rule") == "ward.privacy.phi_cleartext"]
flows_with_phi = {a["uid"] for a in assocs if a.get("phi_in_clear")}
check(len(flows_with_phi) == 3, f"three associations with PHI (2 stores, 1 find), got {len(flows_with_phi)}")
check({a.get("uid") for a in phi_alerts} == flows_with_phi,
      f"PHI alerts on {sorted(str(a.get('uid')) for a in phi_alerts)} vs flows {sorted(flows_with_phi)}")
for a in phi_alerts:
    check("dicom" in json.dumps(a), f"PHI alert without the dicom protocol: {a}")
    check("(0010,0010) PatientName" in json.dumps(a), f"PHI alert without PatientName: {a}")

# The names and identifiers never reach a ward log.
names = set(re.findall(r"\(0010,0010\) PN \[([^\]]+)\]", samples))
ids = {i for i in re.findall(r"\(0010,0020\) LO \[([^\]]+)\]", samples) if len(i) >= 4}
check(len(names) >= 3, f"sample names found: {names}")
everything = ""
for path in glob.glob(os.path.join(tmp, "logs", "*")):
    everything += open(path, errors="replace").read()
for secret in names | ids | {n.split("^")[0] for n in names}:
    check(secret not in everything, f"PHI value {secret!r} appears in a ward log")

# Every DICOM connection was recognised by content (the ports are random, not 104/11112).
dicom_conns = [c for c in conns if c.get("service") == "dicom"]
check(len(dicom_conns) == 4, f"{len(dicom_conns)} conn records with service dicom, want 4")

# tshark's DICOM dissector on the same capture.
rows = [l.rstrip("\n").split("|") for l in open(os.path.join(tmp, "tshark.txt"))]
t_assoc, t_cmds = {}, {}
for src, dst, pdu, calling, called, uid, version, results, info in rows:
    client = int(src) if int(dst) in (p_store, p_qr) else int(dst)
    if "0x01" in pdu.split(","):
        t_assoc[client] = (calling.strip(), called.strip(), uid, version)
    if "0x02" in pdu.split(","):
        t_assoc[client] += (sum(1 for r in results.split(",") if r == "0x00"),)
# DIMSE commands from tshark's detail view: each Command Field starts one.
src = dst = None
for line in open(os.path.join(tmp, "tshark_v.txt"), errors="replace"):
    m = re.match(r"Transmission Control Protocol, Src Port: (\d+), Dst Port: (\d+)", line)
    if m:
        src, dst = int(m.group(1)), int(m.group(2))
        continue
    m = re.match(r"\s+\(0000,(0100|0110|0120|0900)\)\s+\d+ .*?\s{2,}(\S.*)$", line.rstrip())
    if not m:
        continue
    client = src if dst in (p_store, p_qr) else dst
    tag, value = m.groups()
    if tag == "0100":
        op, kind = value.rsplit("-", 1)
        t_cmds.setdefault(client, []).append([op, kind, None, None])
    elif client in t_cmds and tag in ("0110", "0120"):
        t_cmds[client][-1][2] = int(value)
    elif client in t_cmds and tag == "0900":
        t_cmds[client][-1][3] = int(re.search(r"\((0x[0-9a-fA-F]+)\)$", value).group(1), 16)
by_port = {a["id.orig_p"]: a for a in assocs}
tshark_checked = 0
check(set(by_port) == set(t_assoc), f"association flows: ward {sorted(by_port)} tshark {sorted(t_assoc)}")
for port, t in t_assoc.items():
    a = by_port.get(port, {})
    got = (a.get("calling_ae"), a.get("called_ae"), a.get("implementation_class_uid"),
           a.get("implementation_version"), a.get("contexts_accepted"))
    check(got == t, f"port {port}: ward {got} tshark {t}")
    ward_cmds = [c for c in commands if c.get("id.orig_p") == port]
    cmds_t = t_cmds.get(port, [])
    t_rq = [(op, mid) for op, kind, mid, st in cmds_t if kind == "RQ"]
    t_final = [(op, mid, st) for op, kind, mid, st in cmds_t if kind == "RSP" and st not in (0xFF00, 0xFF01)]
    t_pending = sum(1 for op, kind, mid, st in cmds_t if kind == "RSP" and st in (0xFF00, 0xFF01))
    w_rq = [(c["command"], c["message_id"]) for c in ward_cmds]
    w_final = [(c["command"], c["message_id"], c.get("status")) for c in ward_cmds]
    check(sorted(t_rq) == sorted(w_rq), f"port {port}: requests tshark {t_rq} ward {w_rq}")
    check(sorted(t_final, key=str) == sorted(w_final, key=str),
          f"port {port}: final responses tshark {t_final} ward {w_final}")
    check(t_pending == sum(c.get("pending_responses", 0) for c in ward_cmds),
          f"port {port}: pending responses tshark {t_pending}")
    tshark_checked += 1

for f in failures:
    print("FAIL:", f)
print(f"dicom dcmtk: {len(assocs)} associations, {len(commands)} command records, "
      f"{len(phi_alerts)} PHI alerts, {tshark_checked} flows against tshark; {checks - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
PY
