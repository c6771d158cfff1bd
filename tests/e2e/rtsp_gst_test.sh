#!/usr/bin/env bash
# RTSP and RTP end to end with real peers: Debian's GStreamer RTSP server (rtsp_server.py)
# streams a generated JPEG test pattern over RTP/UDP to `gst-launch-1.0 rtspsrc` on loopback,
# tcpdump records it, and `ward monitor` reads the capture. Four runs: no authentication,
# Basic authentication with the right password, and with a wrong one, and Digest with the
# camera's factory account left enabled (Axis root/pass) beside the one the hospital set,
# which Ward must report (ward.auth.default_credentials). Checked against what the
# server logged (methods, URIs, session id) and what tshark decodes (RTP SSRC, payload type,
# packet count): the rtsp log's requests and statuses, the auth outcome, that no password
# reaches any log, and that the RTP flows are parsed as RTP and linked to the RTSP connection.
# Exits 77 (skipped) when GStreamer's RTSP server, tcpdump or capture permission is missing.
# Usage: rtsp_gst_test.sh WARD
set -u
ward=$1
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3  # Debian's python3, where python3-gi lives
command -v gst-launch-1.0 >/dev/null || { echo "SKIP: gst-launch-1.0 missing (scripts/install-deps.sh)"; exit 77; }
command -v tcpdump >/dev/null || { echo "SKIP: tcpdump missing"; exit 77; }
command -v tshark >/dev/null || { echo "SKIP: tshark missing"; exit 77; }
"$py" -c 'import gi; gi.require_version("GstRtspServer", "1.0"); from gi.repository import GstRtspServer' 2>/dev/null ||
  { echo "SKIP: python3-gi / gir1.2-gst-rtsp-server-1.0 missing (scripts/install-deps.sh)"; exit 77; }

tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT

# run_case NAME SERVER_AUTH CLIENT_CREDENTIALS [SERVER_ARGS...]
run_case() {
  local name=$1 auth=$2 creds=$3 port="" i
  shift 3
  timeout 60 "$py" "$here/rtsp_server.py" ${auth:+--auth "$auth"} "$@" --frames 20 --seconds 45 \
    > "$tmp/$name.server" 2> "$tmp/$name.server.err" &
  local server=$!
  pids+=("$server")
  for i in $(seq 1 100); do
    port=$(awk '/^PORT/{print $2}' "$tmp/$name.server")
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { echo "FAIL: the RTSP server did not start"; cat "$tmp/$name.server.err"; exit 1; }
  timeout 60 tcpdump -i lo -U -n -w "$tmp/$name.pcap" "host 127.0.0.1 and (tcp port $port or udp)" \
    2> "$tmp/$name.tcpdump" &
  local dump=$!
  pids+=("$dump")
  for i in $(seq 1 50); do grep -q "listening on" "$tmp/$name.tcpdump" && break; sleep 0.1; done
  if ! grep -q "listening on" "$tmp/$name.tcpdump"; then
    if grep -qiE "permission|not permitted|Operation not" "$tmp/$name.tcpdump"; then
      echo "SKIP: packet capture not permitted here: $(cat "$tmp/$name.tcpdump")"; exit 77
    fi
    echo "FAIL: tcpdump did not start"; cat "$tmp/$name.tcpdump"; exit 1
  fi
  # timeout=: wait up to 20 s for the first RTP datagram (default 5 s) so that a loaded machine,
  # where the server is slow to encode its first frame, does not fail the client.
  timeout 30 gst-launch-1.0 -q rtspsrc "location=rtsp://${creds:+$creds@}127.0.0.1:$port/test" \
    protocols=udp timeout=20000000 ! fakesink > "$tmp/$name.client" 2>&1
  echo "client exit $?" >> "$tmp/$name.client"
  sleep 1
  kill -INT "$dump"; wait "$dump" 2>/dev/null
  kill "$server"; wait "$server" 2>/dev/null
  "$ward" monitor --read "$tmp/$name.pcap" --out "$tmp/$name.logs" --phi-key "$tmp/k" --seed 1 \
    > "$tmp/$name.summary" 2>&1 || { echo "FAIL: ward monitor failed"; cat "$tmp/$name.summary"; exit 1; }
  # The RTP flows as tshark sees them, decoding the client ports the server wrote in SETUP.
  local decode=()
  for p in $(grep -ao 'client_port=[0-9]*-[0-9]*' "$tmp/$name.pcap" | sort -u | sed 's/client_port=//; s/-/ /'); do
    decode+=(-d "udp.port==$p,rtp")
  done
  tshark -r "$tmp/$name.pcap" "${decode[@]}" -Y rtp -T fields -e rtp.ssrc -e rtp.p_type \
    2>/dev/null | sort | uniq -c > "$tmp/$name.tshark_rtp"
  "$py" - "$name" "$tmp" "$creds" <<'PY' || { echo "FAIL: $name"; for f in "$tmp/$name".server "$tmp/$name".client "$tmp/$name".tshark_rtp "$tmp/$name".logs/rtsp.jsonl "$tmp/$name".logs/rtp.jsonl "$tmp/$name".logs/anomaly.jsonl; do echo "== $f"; cat "$f"; done; exit 1; }
import json, os, sys
name, tmp, creds = sys.argv[1], sys.argv[2], sys.argv[3]
logs = os.path.join(tmp, name + ".logs")
def read(log):
    p = os.path.join(logs, log + ".jsonl")
    return [json.loads(l) for l in open(p)] if os.path.exists(p) else []
server = [json.loads(l) for l in open(os.path.join(tmp, name + ".server")) if l.startswith("{")]
rtsp, rtp, conn, anomalies = read("rtsp"), read("rtp"), read("conn"), read("anomaly")
alerts = read("alert")
cred_alerts = [a for a in alerts if a.get("rule", "").startswith("ward.auth.")]
errors = []
def check(cond, what):
    if not cond: errors.append(what)

ok = [r for r in rtsp if r.get("status") == 200]
# Every request the server handled, in order, is a 200 transaction in Ward's log, same URI.
check([r["method"] for r in ok] == [s["method"] for s in server],
      f"methods: ward {[r['method'] for r in ok]} server {[s['method'] for s in server]}")
for r, s in zip(ok, server):
    # The server logs its parsed URL, without the trailing '/' rtspsrc sends for PLAY/TEARDOWN.
    check(r["uri"].rstrip("/") == s["uri"].rstrip("/"), f"uri {r['uri']} != server {s['uri']}")
    if s["session"]:
        check(r.get("session") == s["session"], f"{r['method']} session {r.get('session')} != {s['session']}")
check(all(r.get("server", "").startswith("GStreamer") for r in rtsp if "status" in r), "Server header")
check(all("GStreamer" in r.get("user_agent", "") for r in rtsp), "User-Agent")
setup = [r for r in ok if r["method"] == "SETUP"]
check(name == "badpass" or len(setup) == 1 and setup[0].get("lower_transport") == "udp" and setup[0].get("srtp") is False
      and "client_port" in setup[0] and "server_port" in setup[0], f"SETUP transport {setup}")

results = [r.get("auth_result", "") for r in rtsp]
if name == "noauth":
    check(all(r == "" for r in results), f"auth results {results}")
elif name == "basic":
    # The server lets OPTIONS through and challenges DESCRIBE (401, Basic).
    first401 = next((r for r in rtsp if r.get("status") == 401), {})
    check(first401.get("method") == "DESCRIBE" and first401.get("auth_result") == "challenge"
          and "Basic" in first401.get("www_authenticate", ""), f"first 401 {first401}")
    authed = [r for r in rtsp if r.get("auth_scheme") == "Basic"]
    check(authed and all(r.get("username") == "user" and r.get("auth_result") == "success" for r in authed),
          f"authenticated requests {authed}")
    check(any(a["name"] == "rtsp.basic_auth_cleartext" for a in anomalies), "no rtsp.basic_auth_cleartext anomaly")
    # "secret" is on every common-password list: the camera accepted a weak password.
    check(all(r.get("credentials") == "weak" for r in authed), f"credentials {authed}")
    check([(a["rule"], a["severity"]) for a in cred_alerts] == [("ward.auth.weak_credentials", "medium")],
          f"credential alerts {cred_alerts}")
elif name == "badpass":
    check([s["method"] for s in server] == ["OPTIONS"], f"the server handled requests {server}")
    check("failure" in results and "success" not in results, f"auth results {results}")
    check(any(a["name"] == "rtsp.auth_failed" for a in anomalies), "no rtsp.auth_failed anomaly")
    check(not cred_alerts, f"a refused password raised {cred_alerts}")
elif name == "digest_factory":
    first401 = next((r for r in rtsp if r.get("status") == 401), {})
    check("Digest" in first401.get("www_authenticate", ""), f"first 401 {first401}")
    authed = [r for r in rtsp if r.get("auth_scheme") == "Digest"]
    check(authed and all(r.get("username") == "root" and r.get("auth_result") == "success"
                         and r.get("credentials") == "default" for r in authed),
          f"digest requests {authed}")
    check(not any(a["name"] == "rtsp.basic_auth_cleartext" for a in anomalies), "Digest is not cleartext")
    check(len(cred_alerts) == 1 and cred_alerts[0]["rule"] == "ward.auth.default_credentials"
          and cred_alerts[0]["severity"] == "high" and cred_alerts[0]["technique"]["id"] == "T0812"
          and cred_alerts[0]["evidence"].get("why") == "Axis factory account"
          and cred_alerts[0]["evidence"].get("user") == "root",
          f"credential alerts {cred_alerts}")
if name == "noauth":
    check(not cred_alerts, f"credential alerts without authentication: {cred_alerts}")

# RTP: parsed as RTP, linked to the RTSP connection, same streams as tshark decodes.
rtsp_uids = {r["uid"] for r in rtsp}
if name != "badpass":
    tshark = {}
    for line in open(os.path.join(tmp, name + ".tshark_rtp")):
        if len(line.split()) != 3:
            continue  # RTCP on the decoded ports: no SSRC/payload type fields
        n, ssrc, pt = line.split()
        tshark[(int(ssrc, 16), int(pt))] = int(n)
    # The server's stream: the SSRC it announced in SETUP's Transport, JPEG (26), no loss, and
    # as many packets as tshark decodes for that SSRC. (rtspsrc also sends a few datagrams of
    # random bytes from its ports to open NATs; forced decoding makes tshark call every one
    # RTP, while Ward counts only those with a valid RTP header, as one-packet sources.)
    # Which end sent first (and so is the UDP flow's originator) varies from run to run.
    announced = [int(r["transport"].split("ssrc=")[1].split(";")[0], 16) for r in setup
                 if "ssrc=" in r.get("transport", "")]
    media = [r for r in rtp if int(r["ssrc"], 16) in announced and r["packets"] > 0]
    check(len(announced) == 1 and len(media) == 1 and media[0]["payload_type"] == 26
          and media[0]["lost"] == 0 and media[0]["packets"] > 10,
          f"the server's JPEG stream: {media} announced {announced}")
    if media:
        key = (int(media[0]["ssrc"], 16), 26)
        check(tshark.get(key) == media[0]["packets"], f"packets: ward {media[0]['packets']} tshark {tshark.get(key)}")
    check(all(r.get("rtsp_uid") in rtsp_uids for r in rtp), f"rtp not linked: {rtp} uids {rtsp_uids}")
    # RTCP timing is randomised (RFC 3550 §6.2); the server's SR+BYE at TEARDOWN is always there.
    check(any(r.get("rtcp_bye", 0) > 0 for r in rtp), "no RTCP BYE")
    udp = [c for c in conn if c.get("proto") == "udp"]
    check(udp and all(c.get("service") == "rtp" for c in udp), f"UDP flows {udp}")
else:
    check(not rtp, f"rtp records without a session: {rtp}")

# No password in any log.
for f in os.listdir(logs):
    text = open(os.path.join(logs, f)).read()
    check("secret" not in text and "wrongpw" not in text and "pass\"" not in text
          and "h0spital-Cam-7" not in text, f"a password in {f}")
if errors:
    print("\n".join(errors)); sys.exit(1)
print(f"{name}: {len(rtsp)} rtsp transactions, {len(rtp)} rtp sources: ok")
PY
}

run_case noauth "" ""
run_case basic "user:secret" "user:secret"
run_case badpass "user:secret" "user:wrongpw"
run_case digest_factory "recorder:h0spital-Cam-7" "root:pass" --auth "root:pass" --digest
echo "rtsp end to end: ok"
