#!/usr/bin/python3
"""WS-Discovery for the testbed's ONVIF camera, and the recorder's probe (SOAP over UDP, 3702).

camera: on start, multicasts a Hello (WS-Discovery 2005/04 as ONVIF Core §7.3 uses it, SOAP
1.2) to 239.255.255.250:3702 with the ONVIF types (dn:NetworkVideoTransmitter tds:Device), the
camera's scopes (name = vendor, hardware = model, location, profile; firmware as a vendor
scope) and its device service XAddr; answers every Probe whose Types it matches (none, or
NetworkVideoTransmitter/Device) with a unicast ProbeMatches to the prober, after a random delay
of at most 500 ms (APP_MAX_DELAY); multicasts a Bye when it stops (after --seconds or on
SIGTERM). Datagrams over 8 KiB, with a DTD, or not XML are ignored.
probe: multicasts one Probe for dn:NetworkVideoTransmitter and prints each ProbeMatches that
comes back within --wait seconds (exit 0 when at least one came, 1 otherwise).
Each action is logged as one JSON line on stdout.

Usage: wsd_camera.py camera --address IP --uuid UUID --vendor V --model M --firmware F
                            [--location L] [--seconds S]
       wsd_camera.py probe --address IP [--wait S]
"""
import argparse
import json
import random
import select
import signal
import socket
import struct
import sys
import time
import uuid as uuidlib
import xml.etree.ElementTree as ET

GROUP, PORT = "239.255.255.250", 3702
MAX_DATAGRAM = 8 * 1024
NS = {"s": "http://www.w3.org/2003/05/soap-envelope",
      "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
      "d": "http://schemas.xmlsoap.org/ws/2005/04/discovery"}
HEAD = ('<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="%s" xmlns:wsa="%s" '
        'xmlns:d="%s" xmlns:dn="http://www.onvif.org/ver10/network/wsdl" '
        'xmlns:tds="http://www.onvif.org/ver10/device/wsdl">' % (NS["s"], NS["a"], NS["d"]))
ACTION = "http://schemas.xmlsoap.org/ws/2005/04/discovery/"


def log(**kw):
    print(json.dumps(kw), flush=True)


def envelope(action, to, body, relates="", seq=None):
    hdr = "<wsa:MessageID>urn:uuid:%s</wsa:MessageID>" % uuidlib.uuid4()
    if relates:
        hdr += "<wsa:RelatesTo>%s</wsa:RelatesTo>" % relates
    hdr += "<wsa:To>%s</wsa:To><wsa:Action>%s%s</wsa:Action>" % (to, ACTION, action)
    if seq is not None:
        hdr += '<d:AppSequence InstanceId="%d" MessageNumber="%d"/>' % seq
    return (HEAD + "<SOAP-ENV:Header>%s</SOAP-ENV:Header><SOAP-ENV:Body>%s</SOAP-ENV:Body></SOAP-ENV:Envelope>"
            % (hdr, body)).encode()


def udp_socket(address, bind_port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # The ward has no default route: multicast leaves by the host's own interface.
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(address))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    s.bind(("0.0.0.0" if bind_port else address, bind_port))
    return s


def parse(data):
    """(action, message id, root) of a SOAP datagram, or None."""
    if len(data) > MAX_DATAGRAM or b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        return None
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return None
    action = root.findtext("s:Header/a:Action", "", NS).strip()
    return action, root.findtext("s:Header/a:MessageID", "", NS).strip(), root


def camera(a):
    s = udp_socket(a.address, PORT)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                 struct.pack("4s4s", socket.inet_aton(GROUP), socket.inet_aton(a.address)))
    instance = int(time.time())
    number = 0
    scopes = " ".join([
        "onvif://www.onvif.org/type/video_encoder", "onvif://www.onvif.org/type/Network_Video_Transmitter",
        "onvif://www.onvif.org/Profile/Streaming", "onvif://www.onvif.org/name/" + a.vendor,
        "onvif://www.onvif.org/hardware/" + a.model, "onvif://www.onvif.org/location/" + a.location,
        "onvif://www.onvif.org/firmware/" + a.firmware])
    epr = "<wsa:EndpointReference><wsa:Address>urn:uuid:%s</wsa:Address></wsa:EndpointReference>" % a.uuid
    xaddrs = "http://%s/onvif/device_service" % a.address
    desc = ("%s<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types><d:Scopes>%s</d:Scopes>"
            "<d:XAddrs>%s</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion>" % (epr, scopes, xaddrs))
    multicast_to = "urn:schemas-xmlsoap-org:ws:2005:04:discovery"

    def announce(action):
        nonlocal number
        number += 1
        s.sendto(envelope(action, multicast_to, "<d:%s>%s</d:%s>" % (action, desc if action == "Hello" else epr, action),
                          seq=(instance, number)), (GROUP, PORT))
        log(sent=action, to=GROUP)

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    announce("Hello")
    deadline = time.monotonic() + a.seconds
    while not stop and time.monotonic() < deadline:
        try:
            ready, _, _ = select.select([s], [], [], min(0.5, max(0, deadline - time.monotonic())))
        except InterruptedError:
            continue
        if not ready:
            continue
        data, peer = s.recvfrom(65535)
        m = parse(data)
        if m is None:
            log(ignored=peer[0], bytes=len(data))
            continue
        action, mid, root = m
        if action != ACTION + "Probe":
            continue
        types = (root.findtext("s:Body/d:Probe/d:Types", "", NS) or "").split()
        wanted = {t.split(":")[-1] for t in types}
        if wanted and not wanted & {"NetworkVideoTransmitter", "Device"}:
            log(probe_from=peer[0], types=types, matched=False)
            continue
        time.sleep(random.uniform(0, 0.5))  # APP_MAX_DELAY
        number += 1
        s.sendto(envelope("ProbeMatches", "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous",
                          "<d:ProbeMatches><d:ProbeMatch>%s</d:ProbeMatch></d:ProbeMatches>" % desc,
                          relates=mid, seq=(instance, number)), peer)
        log(probe_from=peer[0], types=types, matched=True, sent="ProbeMatches")
    announce("Bye")
    return 0


def probe(a):
    s = udp_socket(a.address, 0)
    s.sendto(envelope("Probe", "urn:schemas-xmlsoap-org:ws:2005:04:discovery",
                      "<d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe>"), (GROUP, PORT))
    log(sent="Probe", to=GROUP)
    found = 0
    deadline = time.monotonic() + a.wait
    while time.monotonic() < deadline:
        ready, _, _ = select.select([s], [], [], max(0, deadline - time.monotonic()))
        if not ready:
            break
        data, peer = s.recvfrom(65535)
        m = parse(data)
        if m is None or m[0] != ACTION + "ProbeMatches":
            continue
        pm = m[2].find("s:Body/d:ProbeMatches/d:ProbeMatch", NS)
        if pm is None:
            continue
        found += 1
        log(match=peer[0], address=pm.findtext("a:EndpointReference/a:Address", "", NS),
            scopes=(pm.findtext("d:Scopes", "", NS) or "").split(), xaddrs=pm.findtext("d:XAddrs", "", NS))
    return 0 if found else 1


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="mode", required=True)
    c = sub.add_parser("camera")
    c.add_argument("--address", required=True)
    c.add_argument("--uuid", default=str(uuidlib.uuid4()))
    c.add_argument("--vendor", default="AXIS")
    c.add_argument("--model", default="P3245-LVE")
    c.add_argument("--firmware", default="10.12.165")
    c.add_argument("--location", default="icu-corridor")
    c.add_argument("--seconds", type=float, default=60)
    p = sub.add_parser("probe")
    p.add_argument("--address", required=True)
    p.add_argument("--wait", type=float, default=3)
    a = ap.parse_args()
    return camera(a) if a.mode == "camera" else probe(a)


if __name__ == "__main__":
    sys.exit(main())
