#!/usr/bin/env python3
"""Turns the capture kept by tests/dicom_dcmtk_test.sh (its KEEP_DIR: dicom.pcap and ports)
into seed files for dicom_fuzz, in the chunk format of src/parsers/testing/fuzz_util.h:
[flags:1][length:2 BE][bytes], flags bit 0 = towards the client. One file per TCP stream
(segments as captured; a stream over 20 KB keeps the first 8 KB of each segment) and one per
small segment of its first eight. Identical files are written once.
Usage: corpus_from_pcap.py KEEP_DIR OUT_DIR"""
import hashlib
import os
import struct
import subprocess
import sys

keep, out = sys.argv[1], sys.argv[2]
servers = {int(p) for p in open(os.path.join(keep, "ports")).read().split()}
rows = subprocess.run(
    ["tshark", "-r", os.path.join(keep, "dicom.pcap"), "-Y", "tcp.len>0", "-T", "fields",
     "-e", "tcp.stream", "-e", "tcp.srcport", "-e", "tcp.payload"],
    check=True, capture_output=True, text=True).stdout.splitlines()
streams = {}
for row in rows:
    stream, src, payload = row.split("\t")
    streams.setdefault(int(stream), []).append((int(int(src) in servers), bytes.fromhex(payload)))


def encode(chunks):
    data = b""
    for to_client, payload in chunks:
        for i in range(0, len(payload), 65535):
            part = payload[i:i + 65535]
            data += bytes([to_client]) + struct.pack(">H", len(part)) + part
    return data


names = ["dcmtk_echo", "dcmtk_store_ct_mr_sc", "dcmtk_store_implicit", "dcmtk_find"]
seen = set()
os.makedirs(out, exist_ok=True)


def write(name, data):
    digest = hashlib.sha1(data).hexdigest()
    if digest in seen:
        return
    seen.add(digest)
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


for index, chunks in sorted(streams.items()):
    name = names[index] if index < len(names) else f"stream{index}"
    data = encode(chunks)
    if len(data) > 20000:
        data = encode([(d, p[:8000]) for d, p in chunks])
    write(name, data)
    for i, (d, p) in enumerate(chunks[:8]):
        if len(p) < 4000:
            write(f"{name}_seg{i}_{'resp' if d else 'orig'}", encode([(d, p)]))
