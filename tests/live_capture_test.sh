#!/usr/bin/env bash
# Live capture on the loopback interface: `ward monitor --interface lo` sees an MQTT session
# that a small client/server pair makes on 127.0.0.1, and stops cleanly on SIGINT with its
# logs written. Exits 77 (skipped) when this machine does not allow packet capture.
# Usage: live_capture_test.sh WARD
set -u
ward=$1
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$ward" monitor --interface lo --filter "tcp port $port" --out "$tmp/logs" --phi-key "$tmp/k" --seed 1 \
  > "$tmp/out" 2> "$tmp/err" &
pid=$!
# Wait (at most 60 s: a loaded machine, a sanitizer build) until ward says the capture is
# active; packets sent before that would not be seen.
for _ in $(seq 1 600); do
  grep -q "listening on lo" "$tmp/err" && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if ! kill -0 "$pid" 2>/dev/null; then
  if grep -qiE "permission|not permitted|socket: Operation" "$tmp/err"; then
    echo "SKIP: packet capture not permitted here: $(cat "$tmp/err")"; exit 77
  fi
  echo "FAIL: ward exited early:"; cat "$tmp/err"; exit 1
fi
grep -q "listening on lo" "$tmp/err" || { echo "FAIL: ward did not start listening within 60 s"; cat "$tmp/err"; exit 1; }

# A minimal MQTT 3.1.1 exchange: CONNECT (client id live-test-1) / CONNACK / PUBLISH QoS 0.
python3 - "$port" <<'PY'
import socket, sys, threading
port = int(sys.argv[1])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port)); srv.listen(1); srv.settimeout(10)
def serve():
    c, _ = srv.accept(); c.settimeout(10)
    c.recv(100); c.sendall(b"\x20\x02\x00\x00"); c.recv(100); c.close()
t = threading.Thread(target=serve); t.start()
cli = socket.create_connection(("127.0.0.1", port), timeout=10)
cid = b"live-test-1"
body = b"\x00\x04MQTT\x04\x02\x00\x3c" + len(cid).to_bytes(2, "big") + cid
cli.sendall(b"\x10" + bytes([len(body)]) + body)
cli.recv(4)
topic = b"ward/live"; msg = b"hello"
pub = len(topic).to_bytes(2, "big") + topic + msg
cli.sendall(b"\x30" + bytes([len(pub)]) + pub)
cli.close(); t.join(10)
PY

sleep 2  # let ward read what the kernel buffered before it is told to stop
kill -INT "$pid"
# A clean stop drains the flows and writes the logs and the summary: allow a loaded machine
# 30 s (the monitor's own reaction to SIGINT is one 100 ms read timeout).
for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then echo "FAIL: ward did not stop within 30 s of SIGINT"; exit 1; fi
wait "$pid"; rc=$?; pid=""
[ "$rc" -eq 0 ] || { echo "FAIL: exit $rc after SIGINT"; cat "$tmp/err"; exit 1; }
grep -q '"client_id":"live-test-1"' "$tmp/logs/mqtt.jsonl" || { echo "FAIL: no MQTT connect in the log"; cat "$tmp/logs/"*; exit 1; }
grep -q '"topic":"ward/live"' "$tmp/logs/mqtt.jsonl" || { echo "FAIL: no MQTT publish in the log"; exit 1; }
grep -q '"service":"mqtt"' "$tmp/logs/conn.jsonl" || { echo "FAIL: no mqtt conn record"; exit 1; }
grep -q "interface lo" "$tmp/out" || { echo "FAIL: summary missing"; cat "$tmp/out"; exit 1; }
echo "live capture: ok"
