#!/usr/bin/env python3
"""Writes capture.pcap: a small synthetic ward (a test fixture), deterministically (same bytes every run).

The capture is written directly (no sockets, no root): every TCP connection has a proper
three-way handshake, sequence and acknowledgement numbers, segmentation at the MSS (some HL7
messages are split across segments on purpose) and a FIN close. All patients, devices and
orders are invented.

Hosts (10.10.0.0/16):
  10.10.1.10  BCMA/EHR (infusion order programmer, HL7 observation consumer on 2575)
  10.10.1.5   pump server / infusion gateway (receives orders on 3000, programs pumps)
  10.10.2.21-23  smart infusion pumps (accept RGV^O15 on 3000, report ORU^R01/R42 to the EHR)
  10.10.3.2   MQTT broker;  10.10.3.31 cognitive (Alzheimer's) monitor publishing telemetry
  10.10.4.50  nurse workstation (sends an MQTT pump command it is not authorised to send)
  10.10.9.66  rogue laptop (programs a pump directly; sends a malformed MQTT packet)

What a monitor should find (see README.md beside this file): a heparin order over the hard limit, a
propofol order over the soft limit, an order for a drug outside the library, programming from
the rogue host and from the workstation, PHI in cleartext (HL7 PID, MQTT JSON) and malformed
MQTT.

Usage: make_capture.py OUT.pcap
"""
import struct
import sys

MSS = 536
T0 = 1_795_000_000  # 2026-11-17T09:46:40Z: a fixed start time keeps the file reproducible


class Pcap:
    def __init__(self):
        self.records = []

    def add(self, ts_us, frame):
        self.records.append((ts_us, frame))

    def write(self, path):
        self.records.sort(key=lambda r: r[0])
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for ts, frame in self.records:
                f.write(struct.pack("<IIII", ts // 1_000_000, ts % 1_000_000, len(frame), len(frame)))
                f.write(frame)


# Devices whose network interface comes from a real vendor's block (IEEE OUI, as Debian's
# ieee-data lists it); every other host gets a locally administered address.
OUI = {
    "10.10.2.21": "9cc8ae", "10.10.2.22": "9cc8ae", "10.10.2.23": "9cc8ae",  # Becton, Dickinson
    "10.10.5.41": "00095c", "10.10.5.42": "00095c",  # Philips Medical Systems (monitoring)
    "10.10.6.61": "00408c", "10.10.6.62": "b8a44f",  # Axis Communications
}


def mac_of(ip):
    parts = [int(x) for x in ip.split(".")]
    if ip == "255.255.255.255":
        return b"\xff" * 6
    if 224 <= parts[0] <= 239:  # RFC 1112 §6.4: 01:00:5e + the low 23 bits
        return bytes([0x01, 0x00, 0x5E, parts[1] & 0x7F, parts[2], parts[3]])
    if ip in OUI:
        return bytes.fromhex(OUI[ip]) + bytes(parts[1:])
    return bytes([0x02, 0x00] + parts)


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip4(src, dst, proto, payload, ident):
    s = bytes(int(x) for x in src.split("."))
    d = bytes(int(x) for x in dst.split("."))
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident & 0xFFFF, 0x4000, 64, proto, 0, s, d)
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return hdr, s, d


def frame(src, dst, proto, l4, ident, src_mac=None):
    # L4 checksum over the pseudo header, so tshark and others see valid packets.
    s = bytes(int(x) for x in src.split("."))
    d = bytes(int(x) for x in dst.split("."))
    pseudo = s + d + struct.pack("!BBH", 0, proto, len(l4))
    off = 16 if proto == 6 else 6
    l4 = l4[:off] + struct.pack("!H", checksum(pseudo + l4)) + l4[off + 2:]
    hdr, _, _ = ip4(src, dst, proto, l4, ident)
    return mac_of(dst) + (src_mac or mac_of(src)) + b"\x08\x00" + hdr + l4


class Tcp:
    """One TCP connection with correct sequence numbers; times in microseconds."""

    ident = 1

    def __init__(self, pcap, client, cport, server, sport, t_us, isn_c=1_000_000, isn_s=2_000_000):
        self.p, self.c, self.cp, self.s, self.sp = pcap, client, cport, server, sport
        self.t = t_us
        self.seq = {True: isn_c, False: isn_s}
        self._seg(True, 0x02, b"")
        self.seq[True] += 1
        self._seg(False, 0x12, b"")
        self.seq[False] += 1
        self._seg(True, 0x10, b"")

    def _seg(self, from_client, flags, data, advance=800):
        src, dst = (self.c, self.s) if from_client else (self.s, self.c)
        sport, dport = (self.cp, self.sp) if from_client else (self.sp, self.cp)
        ack = self.seq[not from_client] if flags & 0x10 else 0
        tcp = struct.pack("!HHIIBBHHH", sport, dport, self.seq[from_client] & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                          0x50, flags, 64240, 0, 0) + data
        Tcp.ident += 1
        self.p.add(self.t, frame(src, dst, 6, tcp, Tcp.ident))
        self.t += advance

    def send(self, from_client, data, mss=MSS, gap_us=800):
        for i in range(0, len(data), mss):
            piece = data[i:i + mss]
            self._seg(from_client, 0x18, piece, gap_us)
            self.seq[from_client] += len(piece)
        self._seg(not from_client, 0x10, b"")  # the peer acknowledges

    def close(self):
        self._seg(True, 0x11, b"")
        self.seq[True] += 1
        self._seg(False, 0x11, b"")
        self.seq[False] += 1
        self._seg(True, 0x10, b"")


def udp(pcap, t_us, src, sport, dst, dport, payload, src_mac=None):
    Tcp.ident += 1
    pcap.add(t_us, frame(src, dst, 17, struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload, Tcp.ident,
                         src_mac))


# ---------------------------------------------------------------- HL7 (IHE PCD) messages


def mllp(msg):
    return b"\x0b" + msg.encode() + b"\x1c\x0d"


def hl7(*segments):
    return "\r".join(segments) + "\r"


def ts(sec):
    import time
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(T0 + sec)) + "+0000"


# HL7 v2.5 §2.15.12 SFT (software segment): vendor organisation, version, product, binary id.
# The software the simulated devices announce (invented builds of real product lines).
SFT_PUMP = "SFT|Becton Dickinson^L^^^^BD|9.33.1|Alaris PC Unit 8015|AL8015-9.33.1-B117"
SFT_PUMP_SERVER = "SFT|Becton Dickinson^L^^^^BD|4.33.0|Alaris Systems Manager|ASM-4.33.0.112"
SFT_MONITOR = "SFT|Philips Medical Systems^L|M.00.03|IntelliVue MX800|MX800-M.00.03"


def pcd03(sec, ctl, sender, pump, patient, bed, drug_code, drug, vtbi, rate, rate_units, order="NW", sft=None):
    """RGV^O15 (IHE PCD-03): RXG-4 drug, RXG-5 VTBI (RXG-7 mL), RXG-15 rate (RXG-16 units)."""
    rxg = ["RXG", "1", "1", "", f"{drug_code}^{drug}^NDC", str(vtbi), "", "263762^MDC_DIM_MILLI_L^MDC"] + [""] * 7
    rxg += [str(rate), rate_units]
    pid_id, name, dob, sex = patient
    return hl7(
        f"MSH|^~\\&|{sender}|ICU|PUMPGW^0012AB0000000005^EUI-64|ICU|{ts(sec)}||RGV^O15^RGV_O15|{ctl}|P|2.6|||AL|NE|||||IHE_PCD_PIV_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.3.1^ISO",
        *([sft] if sft else []),
        f"PID|||{pid_id}^^^DEMOHOSP^MR||{name}||{dob}|{sex}",
        f"PV1||I|ICU^{bed}^1",
        f"ORC|{order}|{ctl}-ORD^BCMA||||||||||||||||||ICU",
        "|".join(rxg),
        "RXR|IV^Intravenous^HL70162",
        f"OBX|1||69986^MDC_DEV_PUMP_INFUS_VMD^MDC|||||||||||||||{pump}^^{pump_eui(pump)}^EUI-64",
        "OBX|2|NM|68063^MDC_ATTR_PT_WEIGHT^MDC||72|kg^kg^UCUM|||||F",
    )


def pump_eui(pump):
    return "0012AB00000000" + pump[-2:]


def ack(sec, ctl, code="AA", sender="PUMPGW", err=None):
    segs = [f"MSH|^~\\&|{sender}|ICU|BCMA|ICU|{ts(sec)}||ACK^O15^ACK|ACK{ctl}|P|2.6", f"MSA|{code}|{ctl}"]
    if err:
        segs.append(f"ERR|||207^Application internal error^HL70357|E|{err}^Does not match drug library^L")
    return hl7(*segs)


def pcd01(sec, ctl, pump, patient, rate, vtbi_left, drug):
    pid_id, name, dob, sex = patient
    eui = pump_eui(pump)
    return hl7(
        f"MSH|^~\\&|{pump}^{eui}^EUI-64|ICU|EHR|ICU|{ts(sec)}||ORU^R01^ORU_R01|{ctl}|P|2.6|||NE|AL|||||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO",
        SFT_PUMP,
        f"PID|||{pid_id}^^^DEMOHOSP^MR||{name}||{dob}|{sex}",
        "PV1||I|ICU^BED07^1",
        f"OBR|1|{ctl}^{pump}||69985^MDC_DEV_PUMP_INFUS_MDS^MDC|||{ts(sec)}",
        f"OBX|1||70049^MDC_DEV_PUMP_INFUS_LVP_MDS^MDC|1.0.0.0|||||||X|||||||{eui}^^{eui}^EUI-64",
        f"PRT|1|UC||SB^Send by^participation||||||(01)00812345000{pump[-2:]}1(21)SN{pump[-2:]}77||||||00812345000{pump[-2:]}1||||SN{pump[-2:]}77",
        f"OBX|2|ST|184514^MDC_DRUG_NAME_LABEL^MDC|1.1.1.1|{drug}||||||R",
        f"OBX|3|NM|157784^MDC_FLOW_FLUID_PUMP^MDC|1.1.1.2|{rate}|265266^MDC_DIM_MILLI_L_PER_HR^MDC|||||R",
        f"OBX|4|NM|157872^MDC_VOL_FLUID_TBI_REMAIN^MDC|1.1.1.3|{vtbi_left}|263762^MDC_DIM_MILLI_L^MDC|||||R",
        "OBX|5|ST|184517^MDC_PUMP_DRUG_LIBRARY_VERSION^MDC|1.0.0.1|2026.3||||||R",
    )


def pcd10(sec, ctl, pump, event):
    eui = pump_eui(pump)
    return hl7(
        f"MSH|^~\\&|{pump}^{eui}^EUI-64|ICU|EHR|ICU|{ts(sec)}||ORU^R42^ORU_R01|{ctl}|P|2.6|||NE|AL|||||IHE_PCD_010^IHE PCD^1.3.6.1.4.1.19376.1.6.4.10^ISO",
        SFT_PUMP,
        "PID|||MRN-00417^^^DEMOHOSP^MR||Testpatient^Alice||19470312|F",
        f"OBR|1|{ctl}^{pump}||{event}|||{ts(sec)}",
        f"OBX|1||70050^MDC_DEV_PUMP_INFUS_VMD^MDC|1.1.0.0|||||||X|||||||{eui}^^{eui}^EUI-64",
        "OBX|2|NM|157784^MDC_FLOW_FLUID_PUMP^MDC|1.1.1.1|25|265266^MDC_DIM_MILLI_L_PER_HR^MDC|||||R",
    )


# ---------------------------------------------------------------- device announcements


def dhcp(op, xid, mac, msg_type, options, yiaddr="0.0.0.0"):
    """A BOOTP/DHCP message (RFC 2131 §2, RFC 2132 options), broadcast flag set."""
    ya = bytes(int(x) for x in yiaddr.split("."))
    hdr = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", op, 1, 6, 0, xid, 0, 0x8000, b"\0" * 4, ya,
                      b"\0" * 4, b"\0" * 4, mac + b"\0" * 10, b"", b"")
    opts = b"\x63\x82\x53\x63" + bytes([53, 1, msg_type])
    for code, data in options:
        opts += bytes([code, len(data)]) + data
    return hdr + opts + b"\xff"


def dhcp_lease(p, t_us, ip, xid, host_name, vendor_class, params):
    """DISCOVER, OFFER, REQUEST, ACK between a device and the DHCP server 10.10.0.1."""
    mac = mac_of(ip)
    addr = bytes(int(x) for x in ip.split("."))
    client = [(12, host_name.encode()), (60, vendor_class.encode()), (55, bytes(params))]
    server = [(54, bytes([10, 10, 0, 1])), (51, struct.pack("!I", 86400)), (1, bytes([255, 255, 0, 0])),
              (3, bytes([10, 10, 0, 1]))]
    udp(p, t_us, "0.0.0.0", 68, "255.255.255.255", 67, dhcp(1, xid, mac, 1, client), src_mac=mac)
    udp(p, t_us + 2_000, "10.10.0.1", 67, "255.255.255.255", 68, dhcp(2, xid, mac, 2, server, ip))
    udp(p, t_us + 4_000, "0.0.0.0", 68, "255.255.255.255", 67,
        dhcp(1, xid, mac, 3, [(50, addr), (54, bytes([10, 10, 0, 1]))] + client), src_mac=mac)
    udp(p, t_us + 6_000, "10.10.0.1", 67, "255.255.255.255", 68, dhcp(2, xid, mac, 5, server, ip))


WSD_HELLO_SDC = ("""<?xml version="1.0" encoding="UTF-8"?><s12:Envelope xmlns:s12="http://www.w3.org/2003/05/soap-envelope" """
                 """xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:wsd="http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01" """
                 """xmlns:dpws="http://docs.oasis-open.org/ws-dd/ns/dpws/2009/01" xmlns:mdpws="http://standards.ieee.org/downloads/11073/11073-20702-2016">"""
                 """<s12:Header><wsa:To>urn:docs-oasis-open-org:ws-dd:ns:discovery:2009:01</wsa:To>"""
                 """<wsa:Action>http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01/Hello</wsa:Action>"""
                 """<wsa:MessageID>urn:uuid:5d1f0c2e-0000-4000-8000-0000000000{n:02d}</wsa:MessageID>"""
                 """<wsd:AppSequence InstanceId="1795000000" MessageNumber="1"/></s12:Header><s12:Body><wsd:Hello>"""
                 """<wsa:EndpointReference><wsa:Address>urn:uuid:7c0a4e1b-0000-4000-8000-0000000000{n:02d}</wsa:Address></wsa:EndpointReference>"""
                 """<wsd:Types>dpws:Device mdpws:MedicalDevice</wsd:Types>"""
                 """<wsd:Scopes>sdc.mds.pkp:1.2.840.10004.20701.1.1 sdc.ctxt.loc:/sdc.ctxt.loc.detail/x?fac=DEMOHOSP&amp;bldng=A&amp;poc=ICU&amp;flr=2&amp;rm=7&amp;bed={bed}</wsd:Scopes>"""
                 """<wsd:XAddrs>https://{ip}:6464/sdc</wsd:XAddrs><wsd:MetadataVersion>1</wsd:MetadataVersion></wsd:Hello></s12:Body></s12:Envelope>""")

WSD_HELLO_ONVIF = ("""<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" """
                   """xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" """
                   """xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:tds="http://www.onvif.org/ver10/device/wsdl">"""
                   """<SOAP-ENV:Header><wsa:MessageID>uuid:3e2b0000-0000-4000-8000-0000000000{n:02d}</wsa:MessageID>"""
                   """<wsa:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To>"""
                   """<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Hello</wsa:Action>"""
                   """<d:AppSequence InstanceId="4" MessageNumber="1"/></SOAP-ENV:Header><SOAP-ENV:Body><d:Hello>"""
                   """<wsa:EndpointReference><wsa:Address>urn:uuid:3e2b0000-0000-4000-8000-00408c0000{n:02d}</wsa:Address></wsa:EndpointReference>"""
                   """<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>"""
                   """<d:Scopes>onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/Profile/Streaming onvif://www.onvif.org/name/AXIS """
                   """onvif://www.onvif.org/hardware/{model} onvif://www.onvif.org/location/{location}</d:Scopes>"""
                   """<d:XAddrs>http://{ip}/onvif/device_service</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion></d:Hello></SOAP-ENV:Body></SOAP-ENV:Envelope>""")


def monitor_oru(sec, ctl, monitor, eui, hr, spo2):
    """ORU^R01 (IHE PCD-01) from a bedside monitor, without patient identity (not yet admitted)."""
    return hl7(
        f"MSH|^~\\&|{monitor}^{eui}^EUI-64|ICU|EHR|ICU|{ts(sec)}||ORU^R01^ORU_R01|{ctl}|P|2.6|||NE|AL|||||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO",
        SFT_MONITOR,
        f"OBR|1|{ctl}^{monitor}||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|||{ts(sec)}",
        f"OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||{eui}^^{eui}^EUI-64",
        f"OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|{hr}|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R",
        f"OBX|3|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.2|{spo2}|262688^MDC_DIM_PERCENT^MDC|||||R",
    )


def announcements(p, t):
    """Pumps and monitors take a DHCP lease, monitors and cameras announce themselves
    (WS-Discovery: SDC medical devices, ONVIF cameras), monitors report to the EHR and the video
    recorder asks the cameras for their RTSP options."""
    params = [1, 3, 6, 15, 28, 42, 51, 58, 59]
    for n, ip in enumerate(["10.10.2.21", "10.10.2.22", "10.10.2.23"]):
        dhcp_lease(p, t + 200_000 + n * 50_000, ip, 0x5EED0000 + n, "ALARIS-00" + ip[-2:], "BD Alaris PCU 9.33.1", params)
    for n, (ip, bed) in enumerate([("10.10.5.41", "BED07"), ("10.10.5.42", "BED08")]):
        dhcp_lease(p, t + 400_000 + n * 50_000, ip, 0x5EED0010 + n, f"MX800-ICU-{bed}", "Philips IntelliVue MX800",
                   [1, 3, 6, 12, 15, 28, 42])
        udp(p, t + 3_000_000 + n * 100_000, ip, 3702, "239.255.255.250", 3702,
            WSD_HELLO_SDC.format(n=41 + n, bed=bed, ip=ip).encode())
        eui = "00095CFFFE0A05" + ip[-2:]
        c = Tcp(p, ip, 41000 + n, "10.10.1.10", 2575, t + (25 + n) * 1_000_000)
        c.send(True, mllp(monitor_oru(25 + n, f"MX{ip[-2:]}-0001", "MX800-" + ip[-2:], eui, 72 + n * 9, 97 - n)))
        c.send(False, mllp(hl7(f"MSH|^~\\&|EHR|ICU|MX800-{ip[-2:]}|ICU|{ts(25 + n)}||ACK^R01^ACK|AMX{ip[-2:]}|P|2.6",
                                f"MSA|AA|MX{ip[-2:]}-0001")))
        c.close()
    cameras = [("10.10.6.61", "P3245-LVE", "10.12.165", "icu-corridor"),
               ("10.10.6.62", "Q6135-LE", "9.80.3.8", "icu-entrance")]
    for n, (ip, model, fw, location) in enumerate(cameras):
        udp(p, t + 4_000_000 + n * 100_000, ip, 3702, "239.255.255.250", 3702,
            WSD_HELLO_ONVIF.format(n=61 + n, model=model, location=location, ip=ip).encode())
        c = Tcp(p, "10.10.6.5", 45000 + n, ip, 554, t + (8 + n) * 1_000_000)
        c.send(True, (f"OPTIONS rtsp://{ip}/axis-media/media.amp RTSP/1.0\r\nCSeq: 1\r\n"
                      "User-Agent: DemoVMS/2.4 (recorder)\r\n\r\n").encode())
        c.send(False, (f"RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: AXIS {model} Network Camera {fw}\r\n"
                       "Public: OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER\r\n\r\n").encode())
        c.close()


# ---------------------------------------------------------------- MQTT packets


def varint(n):
    out = b""
    while True:
        b = n % 128
        n //= 128
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def mqtt_str(s):
    b = s.encode()
    return struct.pack("!H", len(b)) + b


def mqtt_connect(client_id, user=None, password=None):
    flags = 0x02 | (0x80 if user else 0) | (0x40 if password else 0)
    body = mqtt_str("MQTT") + bytes([4, flags]) + struct.pack("!H", 60) + mqtt_str(client_id)
    if user:
        body += mqtt_str(user)
    if password:
        body += mqtt_str(password)
    return b"\x10" + varint(len(body)) + body


def mqtt_publish(topic, payload, qos=0, pid=1):
    body = mqtt_str(topic) + (struct.pack("!H", pid) if qos else b"") + payload.encode()
    return bytes([0x30 | (qos << 1)]) + varint(len(body)) + body


CONNACK = b"\x20\x02\x00\x00"


def puback(pid):
    return b"\x40\x02" + struct.pack("!H", pid)


def main(out):
    p = Pcap()
    alice = ("MRN-00417", "Testpatient^Alice", "19470312", "F")
    bob = ("MRN-00982", "Sample^Robert", "19520704", "M")
    cara = ("MRN-01233", "Example^Cara", "19390121", "F")
    t = (T0) * 1_000_000

    # BCMA/EHR -> pump server: orders (PCD-03), one connection, each order acknowledged.
    c = Tcp(p, "10.10.1.10", 51000, "10.10.1.5", 3000, t + 1_000_000)
    orders = [
        (10, "BCMA0001", "PUMP0021", alice, "BED07", "0409-2720", "heparin", 250, 1200, "[iU]/h^[iU]/h^UCUM", None),
        (40, "BCMA0002", "PUMP0022", bob, "BED08", "0409-4676", "propofol", 100, 45, "265266^MDC_DIM_MILLI_L_PER_HR^MDC", None),
        (70, "BCMA0003", "PUMP0023", cara, "BED09", "0409-2720", "heparin", 500, 4000, "[iU]/h^[iU]/h^UCUM", None),
        (100, "BCMA0004", "PUMP0021", alice, "BED07", "99999-0001", "vasoblastin", 50, 10, "265266^MDC_DIM_MILLI_L_PER_HR^MDC", "9018"),
    ]
    for sec, ctl, pump, pat, bed, code, drug, vtbi, rate, units, err in orders:
        c.t = t + sec * 1_000_000
        c.send(True, mllp(pcd03(sec, ctl, "BCMA^0012AB0000000010^EUI-64", pump, pat, bed, code, drug, vtbi, rate, units)))
        c.send(False, mllp(ack(sec, ctl, "AE" if err else "AA", err=err)))
    c.close()

    # Pump server -> each pump: the orders it forwards (split into small segments on purpose).
    for i, (sec, ctl, pump, pat, bed, code, drug, vtbi, rate, units, err) in enumerate(orders[:3]):
        ip = "10.10.2." + pump[-2:]
        c = Tcp(p, "10.10.1.5", 52000 + i, ip, 3000, t + (sec + 2) * 1_000_000)
        c.send(True, mllp(pcd03(sec + 2, "GW" + ctl[4:], "PUMPGW^0012AB0000000005^EUI-64", pump, pat, bed, code, drug, vtbi, rate, units,
                                sft=SFT_PUMP_SERVER)), mss=180)
        c.send(False, mllp(ack(sec + 2, "GW" + ctl[4:], sender=pump)))
        c.close()

    # Pumps -> EHR: PCD-01 observations every 60 s and a PCD-10 start event.
    for k, (pump, pat, rate, drug) in enumerate([("PUMP0021", alice, 12, "heparin"), ("PUMP0022", bob, 45, "propofol"),
                                                ("PUMP0023", cara, 40, "heparin")]):
        ip = "10.10.2." + pump[-2:]
        c = Tcp(p, ip, 40100 + k, "10.10.1.10", 2575, t + (20 + k) * 1_000_000)
        for n in range(4):
            sec = 20 + k + n * 60
            c.t = t + sec * 1_000_000
            c.send(True, mllp(pcd01(sec, f"{pump}-{n:04d}", pump, pat, rate, 250 - 20 * n, drug)))
            c.send(False, mllp(hl7(f"MSH|^~\\&|EHR|ICU|{pump}|ICU|{ts(sec)}||ACK^R01^ACK|A{pump}{n}|P|2.6", f"MSA|AA|{pump}-{n:04d}")))
            if n == 0:  # the infusion starts: a PCD-10 event
                c.t = t + (30 + k) * 1_000_000 + 500_000
                c.send(True, mllp(pcd10(30 + k, f"{pump}-EV1", pump, "197288^MDC_EVT_PUMP_DELIV_START^MDC")))
        c.close()

    # Rogue laptop programs a pump directly, bypassing the pump server.
    c = Tcp(p, "10.10.9.66", 44444, "10.10.2.22", 3000, t + 150 * 1_000_000)
    c.send(True, mllp(pcd03(150, "X0001", "LAPTOP", "PUMP0022", bob, "BED08", "0409-4676", "propofol", 100, 30,
                            "265266^MDC_DIM_MILLI_L_PER_HR^MDC", order="XO")))
    c.send(False, mllp(ack(150, "X0001", sender="PUMP0022")))
    c.close()

    # Cognitive monitor -> broker: telemetry (QoS 1), once with the patient's name in it.
    c = Tcp(p, "10.10.3.31", 49152, "10.10.3.2", 1883, t + 5 * 1_000_000)
    c.send(True, mqtt_connect("cogmon-31", "cogmon", "s3cret"))
    c.send(False, CONNACK)
    for n in range(12):
        c.t = t + (10 + n * 20) * 1_000_000
        payload = '{"device":"cogmon-31","steps":%d,"gait_speed":0.%d,"sleep_min":%d}' % (300 + n * 17, 80 + n, 400 + n)
        if n == 5:
            payload = '{"device":"cogmon-31","patient_name":"Testpatient^Alice","mrn":"MRN-00417","mmse":24}'
        c.send(True, mqtt_publish("cogmon/cogmon-31/telemetry", payload, qos=1, pid=n + 1))
        c.send(False, puback(n + 1))
    c.close()

    # Nurse workstation publishes a pump command over MQTT (not an authorised programmer).
    c = Tcp(p, "10.10.4.50", 50123, "10.10.3.2", 1883, t + 200 * 1_000_000)
    c.send(True, mqtt_connect("ws-nurse-50"))
    c.send(False, CONNACK)
    c.send(True, mqtt_publish("ward/icu/pump/PUMP0023/program",
                              '{"id":"WS-77","pump_id":"PUMP0023","drug":"heparin","dose_rate":1500,"dose_rate_units":"units/h","vtbi":250,"care_area":"ICU"}'))
    c.close()

    # Rogue laptop sends a malformed MQTT PUBLISH (QoS 3 is invalid) to the broker.
    c = Tcp(p, "10.10.9.66", 44500, "10.10.3.2", 1883, t + 220 * 1_000_000)
    c.send(True, mqtt_connect("scanner"))
    c.send(False, CONNACK)
    c.send(True, b"\x36\x08" + mqtt_str("a/b") + b"\x00\x01x")
    c.close()

    # Some DNS between the EHR and a resolver (UDP, not parsed yet: shows up in conn).
    for n in range(3):
        q = struct.pack("!HHHHHH", 0x1000 + n, 0x0100, 1, 0, 0, 0) + b"\x03ehr\x04demo\x04test\x00\x00\x01\x00\x01"
        udp(p, t + (12 + n) * 1_000_000, "10.10.1.10", 53000 + n, "10.10.0.53", 53, q)
        udp(p, t + (12 + n) * 1_000_000 + 900, "10.10.0.53", 53, "10.10.1.10", 53000 + n,
            q[:2] + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + q[12:] + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x0a\x01\x0a")

    announcements(p, t)

    p.write(out)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
