#!/usr/bin/env python3
"""Writes fhir.pcap: a synthetic FHIR exchange over cleartext HTTP, deterministically.

One TCP connection 10.20.0.15:51000 -> 10.20.0.2:8080 (an EHR's FHIR endpoint) carrying:
  1. POST /fhir/Patient (application/fhir+json): a Patient with identifier, name, birthDate;
     201 Created with Location /fhir/Patient/syn-pat-0042.
  2. GET /fhir/Observation?patient=syn-pat-0042&code=8867-4: a searchset Bundle with one
     Observation (heart rate) whose subject is the patient, sent chunked in two chunks.
  3. GET /fhir/Device/pump-0007: a Device (infusion pump) bound to the patient.
Every name, identifier and date is invented (no real patient data). The body of the POST is
split across two segments on purpose. Usage: fhir.pcap.py OUT.pcap
"""
import json
import struct
import sys

MSS = 400
T0 = 1_795_000_000


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def frame(src, dst, l4, ident):
    s = bytes(int(x) for x in src.split("."))
    d = bytes(int(x) for x in dst.split("."))
    l4 = l4[:16] + struct.pack("!H", checksum(s + d + struct.pack("!BBH", 0, 6, len(l4)) + l4)) + l4[18:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), ident, 0x4000, 64, 6, 0, s, d)
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    mac = lambda ip: bytes([2, 0] + [int(x) for x in ip.split(".")])
    return mac(dst) + mac(src) + b"\x08\x00" + hdr + l4


class Conn:
    def __init__(self, c, cp, s, sp):
        self.c, self.cp, self.s, self.sp = c, cp, s, sp
        self.t = T0 * 1_000_000
        self.seq = {True: 1000, False: 5000}
        self.ident = 1
        self.records = []
        self.seg(True, 0x02, b"")
        self.seq[True] += 1
        self.seg(False, 0x12, b"")
        self.seq[False] += 1
        self.seg(True, 0x10, b"")

    def seg(self, cli, flags, data):
        src, dst = (self.c, self.s) if cli else (self.s, self.c)
        sp, dp = (self.cp, self.sp) if cli else (self.sp, self.cp)
        ack = self.seq[not cli] if flags & 0x10 else 0
        tcp = struct.pack("!HHIIBBHHH", sp, dp, self.seq[cli], ack, 0x50, flags, 64240, 0, 0) + data
        self.ident += 1
        self.records.append((self.t, frame(src, dst, tcp, self.ident)))
        self.t += 1000

    def send(self, cli, data):
        for i in range(0, len(data), MSS):
            piece = data[i:i + MSS]
            self.seg(cli, 0x18, piece)
            self.seq[cli] += len(piece)
        self.seg(not cli, 0x10, b"")

    def close(self):
        self.seg(True, 0x11, b"")
        self.seq[True] += 1
        self.seg(False, 0x11, b"")
        self.seq[False] += 1
        self.seg(True, 0x10, b"")

    def write(self, path):
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for ts, fr in self.records:
                f.write(struct.pack("<IIII", ts // 1_000_000, ts % 1_000_000, len(fr), len(fr)))
                f.write(fr)


def body(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def main(out):
    c = Conn("10.20.0.15", 51000, "10.20.0.2", 8080)
    patient = body({
        "resourceType": "Patient",
        "identifier": [{"system": "urn:oid:1.2.3.4.5", "value": "SYN-MRN-0042"}],
        "name": [{"family": "Testpatient", "given": ["Synthia"]}],
        "gender": "female",
        "birthDate": "1931-02-03",
    })
    c.send(True, b"POST /fhir/Patient HTTP/1.1\r\nHost: ehr.example.test:8080\r\n"
           b"User-Agent: ward-fhir-generator/1\r\nContent-Type: application/fhir+json\r\n"
           b"Content-Length: " + str(len(patient)).encode() + b"\r\n\r\n" + patient)
    c.send(False, b"HTTP/1.1 201 Created\r\nServer: synthetic-fhir/1\r\n"
           b"Location: /fhir/Patient/syn-pat-0042/_history/1\r\nContent-Length: 0\r\n\r\n")
    c.send(True, b"GET /fhir/Observation?patient=syn-pat-0042&code=8867-4 HTTP/1.1\r\n"
           b"Host: ehr.example.test:8080\r\nUser-Agent: ward-fhir-generator/1\r\n"
           b"Accept: application/fhir+json\r\n\r\n")
    bundle = body({
        "resourceType": "Bundle", "id": "srch-1", "type": "searchset", "total": 1,
        "entry": [{"resource": {
            "resourceType": "Observation", "id": "obs-hr-0001", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
            "subject": {"reference": "Patient/syn-pat-0042", "display": "Synthia Testpatient"},
            "valueQuantity": {"value": 72, "unit": "beats/minute"}}}],
    })
    half = len(bundle) // 2
    chunked = b"%x\r\n" % half + bundle[:half] + b"\r\n" + b"%x;ext=1\r\n" % (len(bundle) - half) + \
        bundle[half:] + b"\r\n0\r\n\r\n"
    c.send(False, b"HTTP/1.1 200 OK\r\nServer: synthetic-fhir/1\r\n"
           b"Content-Type: application/fhir+json; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n"
           + chunked)
    c.send(True, b"GET /fhir/Device/pump-0007 HTTP/1.1\r\nHost: ehr.example.test:8080\r\n"
           b"User-Agent: ward-fhir-generator/1\r\nAccept: application/fhir+json\r\n\r\n")
    device = body({"resourceType": "Device", "id": "pump-0007", "status": "active",
                   "patient": {"reference": "Patient/syn-pat-0042"}})
    c.send(False, b"HTTP/1.1 200 OK\r\nServer: synthetic-fhir/1\r\nContent-Type: application/fhir+json\r\n"
           b"Content-Length: " + str(len(device)).encode() + b"\r\n\r\n" + device)
    c.close()
    c.write(out)


if __name__ == "__main__":
    main(sys.argv[1])
