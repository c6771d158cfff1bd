#!/usr/bin/env python3
"""Writes scans_floods.pcap: discovery and floods on 10.10.7.0/24, synthetic (RFC 792 ICMP,
RFC 768 UDP, RFC 793 TCP). Sized for the test policy's low flood thresholds (20 SYN/s,
20 echo/s, 50 UDP packets/s over 10 s), not the defaults:
  1. t=0..2    10.10.7.66 pings 10.10.7.101..140 (hosts 101-105 answer): a ping sweep.
  2. t=10..13  10.10.7.66 sends one empty UDP datagram to ports 1..30 of 10.10.7.2, which
               answers port unreachable: a vertical UDP scan.
  3. t=20..23  300 SYNs to 10.10.7.3:80 from 300 spoofed 172.16.0.0/16 sources, never
               answered: a SYN flood.
  4. t=30..33  10.10.7.67 sends 300 echo requests to 10.10.7.4: an ICMP flood.
  5. t=40..43  10.10.7.68 sends 600 datagrams to 10.10.7.5:9999: a UDP flood.
Usage: scans_floods.pcap.py [OUT]
"""
import os
import struct
import sys

BASE = 1_700_000_000


def ip(a):
    return bytes(int(x) for x in a.split("."))


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0, ip(src),
                    ip(dst))
    h = h[:10] + struct.pack("!H", checksum(h)) + h[12:]
    return b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + h + payload


def icmp(src, dst, typ, code, rest, data=b""):
    body = struct.pack("!BBH", typ, code, 0) + rest + data
    body = body[:2] + struct.pack("!H", checksum(body)) + body[4:]
    return ipv4(src, dst, 1, body)


def echo(src, dst, seq, reply=False):
    return icmp(src, dst, 0 if reply else 8, 0, struct.pack("!HH", 0x4242, seq), b"ward" * 8)


def udp(src, sport, dst, dport, payload=b""):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    pseudo = ip(src) + ip(dst) + struct.pack("!BBH", 0, 17, len(seg))
    seg = seg[:6] + struct.pack("!H", checksum(pseudo + seg) or 0xFFFF) + seg[8:]
    return ipv4(src, dst, 17, seg)


def syn(src, sport, dst, dport, seq):
    hdr = struct.pack("!HHIIHHHH", sport, dport, seq, 0, (5 << 12) | 0x02, 1024, 0, 0)
    pseudo = ip(src) + ip(dst) + struct.pack("!BBH", 0, 6, len(hdr))
    hdr = hdr[:16] + struct.pack("!H", checksum(pseudo + hdr)) + hdr[18:]
    return ipv4(src, dst, 6, hdr)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "scans_floods.pcap")
    frames = []
    for i in range(40):
        host = "10.10.7.%d" % (101 + i)
        frames.append((0.05 * i, echo("10.10.7.66", host, i)))
        if i < 5:
            frames.append((0.05 * i + 0.001, echo(host, "10.10.7.66", i, reply=True)))
    for p in range(1, 31):
        t = 10 + 0.1 * p
        probe = udp("10.10.7.66", 50000, "10.10.7.2", p)
        frames.append((t, probe))
        quoted = probe[14:14 + 28]  # the IP header and UDP header of the probe (RFC 792)
        frames.append((t + 0.001, icmp("10.10.7.2", "10.10.7.66", 3, 3, b"\0\0\0\0", quoted)))
    for i in range(300):
        src = "172.16.%d.%d" % (i // 250, 1 + i % 250)
        frames.append((20 + 0.01 * i, syn(src, 1024 + i, "10.10.7.3", 80, 1000 + i)))
    for i in range(300):
        frames.append((30 + 0.01 * i, echo("10.10.7.67", "10.10.7.4", i)))
    for i in range(600):
        frames.append((40 + 0.005 * i, udp("10.10.7.68", 5555, "10.10.7.5", 9999, b"\0" * 16)))
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
