#!/usr/bin/env python3
"""Writes mqtt_attacks.pcap: MQTT 3.1.1 over TCP to a broker 10.10.5.1:1883, synthetic
(OASIS MQTT 3.1.1 §3.1 CONNECT, §3.2 CONNACK):
  1. t=0..     a monitor 10.10.5.20 connects with the right password (CONNACK 0) once a
               minute, 5 times: no alert.
  2. t=300..   an attacker 10.10.5.66 tries 12 passwords for user "admin", one TCP session
               each, 2 s apart; the broker refuses each with CONNACK 4 (bad user name or
               password): one ward.bruteforce.mqtt alert at the 10th refusal.
  3. t=400..   the attacker opens 300 sessions in 3 s that each send a CONNECT (accepted) and
               leave: 100 CONNECTs per second against a 20/s threshold, one
               ward.flood.mqtt_connect alert.
Usage: mqtt_attacks.pcap.py [OUT]
"""
import os
import struct
import sys

BASE = 1_700_000_000
BROKER = "10.10.5.1"


def ip(a):
    return bytes(int(x) for x in a.split("."))


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def tcp(src, sport, dst, dport, seq, ack, flags, payload=b""):
    off = 5 << 12
    hdr = struct.pack("!HHIIHHHH", sport, dport, seq, ack, off | flags, 65535, 0, 0)
    pseudo = ip(src) + ip(dst) + struct.pack("!BBH", 0, 6, len(hdr) + len(payload))
    csum = checksum(pseudo + hdr + payload)
    hdr = hdr[:16] + struct.pack("!H", csum) + hdr[18:]
    seg = hdr + payload
    iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), 1, 0x4000, 64, 6, 0, ip(src),
                      ip(dst))
    iph = iph[:10] + struct.pack("!H", checksum(iph)) + iph[12:]
    return b"\x02\x00\x00\x00\x00\x01" + b"\x02\x00\x00\x00\x00\x02" + b"\x08\x00" + iph + seg


def mqtt_string(s):
    b = s.encode()
    return struct.pack("!H", len(b)) + b


def connect(client_id, user, password):
    flags = 0x02 | 0x80 | 0x40  # clean session, user name, password
    var = mqtt_string("MQTT") + bytes([4, flags]) + struct.pack("!H", 60)
    body = var + mqtt_string(client_id) + mqtt_string(user) + mqtt_string(password)
    return bytes([0x10, len(body)]) + body  # bodies here are < 128 bytes


def connack(code):
    return bytes([0x20, 2, 0, code])


SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01


def session(frames, t, client, cport, cid, user, password, code):
    """One TCP session: handshake, CONNECT, CONNACK, close (client first)."""
    c, s = 1000, 5000
    req, rsp = connect(cid, user, password), connack(code)
    frames += [
        (t, tcp(client, cport, BROKER, 1883, c, 0, SYN)),
        (t + 0.001, tcp(BROKER, 1883, client, cport, s, c + 1, SYN | ACK)),
        (t + 0.002, tcp(client, cport, BROKER, 1883, c + 1, s + 1, ACK)),
        (t + 0.003, tcp(client, cport, BROKER, 1883, c + 1, s + 1, PSH | ACK, req)),
        (t + 0.004, tcp(BROKER, 1883, client, cport, s + 1, c + 1 + len(req), PSH | ACK, rsp)),
        (t + 0.005, tcp(client, cport, BROKER, 1883, c + 1 + len(req), s + 1 + len(rsp),
                        FIN | ACK)),
        (t + 0.006, tcp(BROKER, 1883, client, cport, s + 1 + len(rsp), c + 2 + len(req),
                        FIN | ACK)),
        (t + 0.007, tcp(client, cport, BROKER, 1883, c + 2 + len(req), s + 2 + len(rsp), ACK)),
    ]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "mqtt_attacks.pcap")
    frames = []
    for i in range(5):
        session(frames, 60.0 * i, "10.10.5.20", 40000 + i, "monitor-7", "monitor", "s3cret", 0)
    for i in range(12):
        session(frames, 300.0 + 2 * i, "10.10.5.66", 41000 + i, "x", "admin", "guess%02d" % i, 4)
    for i in range(300):
        session(frames, 400.0 + 0.01 * i, "10.10.5.66", 42000 + i, "f%03d" % i, "admin",
                "guess11", 0)
    frames.sort(key=lambda f: f[0])
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for t, frame in frames:
            sec = BASE + int(t)
            usec = int(round((t - int(t)) * 1e6))
            if usec == 1000000:
                sec, usec = sec + 1, 0
            f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)


if __name__ == "__main__":
    main()
