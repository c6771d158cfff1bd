#!/usr/bin/env python3
"""Writes wsd_sdc_onvif.pcap: WS-Discovery on UDP 3702, synthetic (no real patient data):
  1. an IEEE 11073 SDC provider (10.20.30.40) multicasts a Hello with a bed location scope and a
     patient context scope (the privacy problem Ward must flag),
  2. a video management client (192.168.1.10) multicasts an ONVIF Probe (2005/04 dialect),
  3. a camera (192.168.1.64) answers with a unicast ProbeMatches.
Messages follow OASIS WS-Discovery 1.1 / the 2005/04 version, IEEE 11073-20701 §9.4 scopes and
ONVIF Core §7.3. Usage: wsd_sdc_onvif.pcap.py [OUT]
"""
import os
import struct
import sys

HELLO = """<?xml version="1.0" encoding="UTF-8"?><s12:Envelope xmlns:s12="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:wsd="http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01" xmlns:dpws="http://docs.oasis-open.org/ws-dd/ns/dpws/2009/01" xmlns:mdpws="http://standards.ieee.org/downloads/11073/11073-20702-2016"><s12:Header><wsa:To>urn:docs-oasis-open-org:ws-dd:ns:discovery:2009:01</wsa:To><wsa:Action>http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01/Hello</wsa:Action><wsa:MessageID>urn:uuid:0f5ecd63-7e2c-4e35-9d5e-2d9d4b7a6a01</wsa:MessageID><wsd:AppSequence InstanceId="1700000000" MessageNumber="1"/></s12:Header><s12:Body><wsd:Hello><wsa:EndpointReference><wsa:Address>urn:uuid:6a5ba9e2-1b0b-4c5e-9a3e-0d3c3b1c2d4e</wsa:Address></wsa:EndpointReference><wsd:Types>dpws:Device mdpws:MedicalDevice</wsd:Types><wsd:Scopes>sdc.mds.pkp:1.2.840.10004.20701.1.1 sdc.ctxt.loc:/sdc.ctxt.loc.detail/x?fac=HOSP1&amp;bldng=B&amp;poc=ICU&amp;flr=3&amp;rm=12&amp;bed=2 sdc.ctxt.pat:/sdc.ctxt.pat.detail/PAT-TEST-0042</wsd:Scopes><wsd:XAddrs>https://10.20.30.40:6464/2f1c</wsd:XAddrs><wsd:MetadataVersion>3</wsd:MetadataVersion></wsd:Hello></s12:Body></s12:Envelope>"""

PROBE = """<?xml version="1.0" encoding="utf-8"?><Envelope xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns="http://www.w3.org/2003/05/soap-envelope"><Header><wsa:MessageID xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing">uuid:b2a4b7e0-0000-4000-8000-000000000002</wsa:MessageID><wsa:To xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing">urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To><wsa:Action xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</wsa:Action></Header><Body><Probe xmlns="http://schemas.xmlsoap.org/ws/2005/04/discovery"><Types>dn:NetworkVideoTransmitter</Types><Scopes /></Probe></Body></Envelope>"""

MATCHES = """<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><SOAP-ENV:Header><wsa:MessageID>uuid:1419d68a-1dd2-11b2-a105-000000000001</wsa:MessageID><wsa:RelatesTo>uuid:b2a4b7e0-0000-4000-8000-000000000002</wsa:RelatesTo><wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action></SOAP-ENV:Header><SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch><wsa:EndpointReference><wsa:Address>urn:uuid:1419d68a-1dd2-11b2-a105-F0A1B2C3D4E5</wsa:Address></wsa:EndpointReference><d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes>onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/hardware/IPC-122 onvif://www.onvif.org/location/ward-3</d:Scopes><d:XAddrs>http://192.168.1.64/onvif/device_service</d:XAddrs><d:MetadataVersion>10</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>"""


def ip(a):
    return bytes(int(x) for x in a.split("."))


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def frame(src, sport, dst, dport, payload, dst_mac):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 1, 17, 0, ip(src), ip(dst))
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return dst_mac + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + hdr + udp


MCAST = bytes.fromhex("01005e7ffffa")  # 239.255.255.250
packets = [
    (1700000000.0, frame("10.20.30.40", 3702, "239.255.255.250", 3702, HELLO.encode(), MCAST)),
    (1700000001.0, frame("192.168.1.10", 54321, "239.255.255.250", 3702, PROBE.encode(), MCAST)),
    (1700000001.2, frame("192.168.1.64", 3702, "192.168.1.10", 54321, MATCHES.encode(),
                         bytes.fromhex("020000000002"))),
]
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "wsd_sdc_onvif.pcap")
with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for ts, data in packets:
        sec = int(ts)
        usec = int(round((ts - sec) * 1e6))
        f.write(struct.pack("<IIII", sec, usec, len(data), len(data)) + data)
