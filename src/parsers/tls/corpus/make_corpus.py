#!/usr/bin/env python3
"""Regenerates the tls_fuzz seed corpus from captures in ../shared/data (run from the repo root).
Each seed is the fuzz input format of tls_fuzz.cc: a transport byte (0 TCP, 1 UDP), then chunks
[flags:1][length:2 BE][bytes] with flags bit 0 = direction (0 from the connection's originator).
Only the first 8 KiB of each connection's payload are kept, so seeds stay small."""
import os, subprocess, sys

DATA = os.path.join(os.path.dirname(__file__), "../../../../../shared/data/pcap")
SEEDS = {
    "tls12_ecdhe": ("zeek/traces/tls/ecdhe.pcap", "tcp"),
    "tls12_ecdsa_cert": ("zeek/traces/tls/ecdsa-cert.pcap", "tcp"),
    "tls11": ("zeek/traces/tls/tls1_1.pcap", "tcp"),
    "tls13_hrr": ("zeek/traces/tls/hrr.pcap", "tcp"),
    "tls13_ech": ("zeek/traces/tls/tls13-ech.pcap", "tcp"),
    "tls13_draft23": ("zeek/traces/tls/tls13draft23-chrome67.0.3368.0-canary.pcap", "tcp"),
    "tls_client_cert": ("zeek/traces/tls/client-certificate.pcap", "tcp"),
    "tls_handshake_failure": ("zeek/traces/tls/tls-1.2-handshake-failure.pcap", "tcp"),
    "sslv2": ("zeek/traces/tls/ssl-v2.pcap", "tcp"),
    "sslv3": ("zeek/traces/tls/ssl.v3.pcap", "tcp"),
    "heartbleed": ("zeek/traces/tls/heartbleed.pcap", "tcp"),
    "dtls12": ("zeek/traces/tls/dtls1_2.pcap", "udp"),
    "x509_generalizedtime": ("zeek/traces/tls/x509-generalizedtime.pcap", "tcp"),
}
LIMIT = 8192

def udp_rows(path):
    """(src, port, hex payload) of each IPv4/UDP packet of an Ethernet pcap (tshark 4.0 has no
    udp.payload field)."""
    import struct
    with open(path, "rb") as f:
        raw = f.read()
    pos, rows = 24, []
    while pos + 16 <= len(raw):
        incl = struct.unpack("<I", raw[pos + 8:pos + 12])[0]
        pkt = raw[pos + 16:pos + 16 + incl]
        pos += 16 + incl
        if len(pkt) < 42 or pkt[12:14] != b"\x08\x00" or pkt[23] != 17:
            continue
        ihl = (pkt[14] & 15) * 4
        udp = pkt[14 + ihl:]
        rows.append(f"{'.'.join(map(str, pkt[26:30]))}\t{struct.unpack('>H', udp[0:2])[0]}\t{udp[8:].hex()}")
    return rows


for name, (path, proto) in SEEDS.items():
    if proto == "udp":
        rows = udp_rows(os.path.join(DATA, path))
    else:
        rows = subprocess.run(
            ["tshark", "-r", os.path.join(DATA, path), "-Y", "tcp.len > 0", "-T", "fields",
             "-e", "ip.src", "-e", "tcp.srcport", "-e", "tcp.payload"],
            capture_output=True, text=True, check=True).stdout.splitlines()
    first = None
    out = bytearray([0 if proto == "tcp" else 1])
    for row in rows:
        src, port, payload = (row.split("\t") + ["", "", ""])[:3]
        if not payload:
            continue
        if first is None:
            first = (src, port)
        data = bytes.fromhex(payload.replace(":", ""))
        d = 0 if (src, port) == first else 1
        while data and len(out) < LIMIT:
            piece, data = data[:4096], data[4096:]
            out += bytes([d]) + len(piece).to_bytes(2, "big") + piece
    with open(os.path.join(os.path.dirname(__file__), name), "wb") as f:
        f.write(out[:LIMIT])
