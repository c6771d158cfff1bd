#!/usr/bin/env python3
"""Regenerates the rtsp_fuzz seed corpus (chunk format of parsers/testing/fuzz_util.h:
[flags:1][length:2 BE][bytes], flags bit 0 = direction to client, bit 1 = gap).

Seeds from real captures (nDPI's tests/pcap, ../shared/data/pcap/ndpi) are the TCP payloads
in capture order, read with tshark; the others are written from RFC 2326/7617 examples.
Usage: make_corpus.py [SHARED_DATA_DIR]
"""
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "../../../../../shared/data")


def chunk(to_client, data, gap=False):
    flags = (1 if to_client else 0) | (2 if gap else 0)
    return bytes([flags]) + len(data).to_bytes(2, "big") + (b"" if gap else data)


def write(name, chunks):
    with open(os.path.join(here, name), "wb") as f:
        f.write(b"".join(chunks))


def from_capture(pcap, server_port, name, limit=40):
    path = os.path.join(shared, "pcap/ndpi", pcap)
    if not os.path.exists(path):
        return
    rows = subprocess.run(
        ["tshark", "-r", path, "-Y", "tcp.len > 0 && !tcp.analysis.retransmission",
         "-T", "fields", "-e", "tcp.srcport", "-e", "tcp.payload"],
        capture_output=True, text=True, check=True).stdout.split("\n")
    out = []
    for r in rows[:limit]:
        if "\t" not in r:
            continue
        port, payload = r.split("\t")
        data = bytes.fromhex(payload.replace(":", ""))[:65535]
        out.append(chunk(int(port) == server_port, data))
    write(name, out)


from_capture("rtsp.pcap", 8554, "ndpi_rtsp_vlc_sessions")
from_capture("rtsp_setup_http.pcapng", 8554, "ndpi_rtsp_setup_only")

sdp = b"v=0\r\nm=video 0 RTP/AVP 26\r\na=rtpmap:26 JPEG/90000\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x\r\n"
write("basic_auth_401_then_200", [
    chunk(False, b"DESCRIBE rtsp://cam/s RTSP/1.0\r\nCSeq: 1\r\n\r\n"),
    chunk(True, b"RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nWWW-Authenticate: Basic realm=\"c\"\r\n\r\n"),
    chunk(False, b"DESCRIBE rtsp://cam/s RTSP/1.0\r\nCSeq: 2\r\nAuthorization: Basic dXNlcjpwYXNz\r\n\r\n"),
    chunk(True, b"RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Type: application/sdp\r\nContent-Length: "
          + str(len(sdp)).encode() + b"\r\n\r\n" + sdp),
])
rtp = bytes([0x80, 26, 0, 7, 0, 0, 0, 0, 1, 2, 3, 4]) + b"\xab" * 20
rtcp = bytes([0x80, 200, 0, 6, 1, 2, 3, 4]) + b"\x00" * 20
write("interleaved_rtp_rtcp", [
    chunk(False, b"SETUP rtsp://h/t RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n"),
    chunk(True, b"RTSP/1.0 200 OK\r\nCSeq: 3\r\nSession: 9;timeout=60\r\n\r\n"
          + b"$\x00" + len(rtp).to_bytes(2, "big") + rtp + b"$\x01" + len(rtcp).to_bytes(2, "big") + rtcp),
])
write("credentials_in_url_digest", [
    chunk(False, b"OPTIONS rtsp://admin:pw@10.0.0.9:554/ RTSP/1.0\r\nCSeq: 1\r\n"
          b"Authorization: Digest username=\"admin\", realm=\"r\", nonce=\"n\", response=\"x\"\r\n\r\n"),
    chunk(True, b"RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\n\r\n"),
])
write("multicast_setup_and_gap", [
    chunk(False, b"SETUP rtsp://h/t RTSP/2.0\r\nCSeq: 1\r\nTransport: RTP/SAVP;multicast\r\n\r\n"),
    chunk(True, b"RTSP/2.0 200 OK\r\nCSeq: 1\r\nTransport: RTP/SAVP;multicast;destination=232.1.1.1;port=5000-5001\r\n\r\n"),
    chunk(False, b"", gap=True),
    chunk(False, b"junk\r\nPLAY rtsp://h/t RTSP/2.0\r\nCSeq: 2\r\n\r\n"),
])
