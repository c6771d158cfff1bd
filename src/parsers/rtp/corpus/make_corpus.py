#!/usr/bin/env python3
"""Regenerates the rtp_fuzz seed corpus: datagrams as [flags:1][length:2 BE][bytes], flags bit 0 =
direction. Seeds from nDPI's tests/pcap/rtp.pcapng (../shared/data/pcap/ndpi), the UDP payloads
of each flow in capture order (read with tshark), plus RTCP and edge cases written from RFC 3550.
Usage: make_corpus.py [SHARED_DATA_DIR]
"""
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "../../../../../shared/data")


def dgram(to_client, data):
    return bytes([1 if to_client else 0]) + len(data).to_bytes(2, "big") + data


def write(name, datagrams):
    with open(os.path.join(here, name), "wb") as f:
        f.write(b"".join(datagrams))


path = os.path.join(shared, "pcap/ndpi/rtp.pcapng")
if os.path.exists(path):
    for port, name in ((6000, "ndpi_rtp_h263_udp6000"), (6008, "ndpi_rtp_vlan_udp6008"),
                       (50003, "ndpi_discord_udp50003")):
        rows = subprocess.run(
            ["tshark", "-r", path, "-Y", f"udp.port=={port}", "-T", "fields", "-e", "udp.srcport",
             "-e", "udp.payload"], capture_output=True, text=True, check=True).stdout.split("\n")
        out = []
        for r in rows[:12]:
            if "\t" not in r:
                continue
            sport, payload = r.split("\t")
            out.append(dgram(int(sport) == port and port != 6000,
                             bytes.fromhex(payload.replace(":", ""))[:600]))
        write(name, out)


def rtp(seq, ssrc=0x01020304, pt=96, first=0x80, payload=b"\x55" * 16):
    return bytes([first, pt]) + seq.to_bytes(2, "big") + b"\x00\x00\x10\x00" + ssrc.to_bytes(4, "big") + payload


rr = bytes([0x81, 201, 0, 7, 0, 0, 0, 9]) + b"\x00" * 24
sdes = bytes([0x81, 202, 0, 2, 0, 0, 0, 9, 1, 2, ord("a"), ord("b")])
bye = bytes([0x81, 203, 0, 1, 0, 0, 0, 9])
write("rtp_wrap_and_rtcp", [dgram(False, rtp(65534)), dgram(False, rtp(65535)), dgram(False, rtp(0)),
                            dgram(True, rr + sdes), dgram(True, rr + sdes + bye)])
write("rtp_padding_extension_csrc", [
    dgram(False, rtp(1, first=0xa0, payload=b"\x00" * 7 + b"\x04")),
    dgram(False, rtp(2, first=0x90, payload=b"\xbe\xde\x00\x01abcd" + b"x" * 8)),
    dgram(False, rtp(3, first=0x82, payload=b"\x00\x00\x00\x01\x00\x00\x00\x02xx")),
])
