#!/usr/bin/python3
"""Checks HL7 v2 messages against the IHE PCD segment structures the testbed's devices speak.

The structures (IHE PCD Technical Framework Vol 2; the segment lists of DOMAIN.md section 2),
as sequences of segment ids, SFT allowed after MSH (HL7 2.5+):

  PCD-01 ORU^R01   MSH, PID, PV1, {OBR, [TQ1], {OBX, [PRT], [NTE]}}
  PCD-10 ORU^R42   the ORU_R01 structure, and MSH-21 names IHE_PCD_010
  PCD-04 ORU^R40   MSH, PID, PV1, {OBR, {OBX, [PRT], [NTE]}}
  PCD-03 RGV^O15   MSH, PID, [PV1], ORC, RXG, [TQ1], RXR, {OBX, [NTE]}
  acknowledgements MSH, MSA, [ERR]   (ACK^O15, ACK^R01, ACK^R40, ACK^R42, ...)

and a few fields each profile cannot do without: MSH-1 '|', MSH-2 the encoding characters,
MSH-10 a control id, MSH-12 a version; OBX-3 an observation code; ORC-1 an order control,
RXG-4 a give code and RXG-15 a numeric rate; MSA-1 an acknowledgement code and MSA-2 the
control id acknowledged. Messages of other types are errors (the testbed sends no others).

Input: a capture (the MLLP payloads of the TCP ports given, reassembled per connection and
direction from tshark's tcp.payload fields), or a text file of messages (segments one per line,
messages separated by blank lines). Prints one line per message that fails, and a summary;
exits 0 when every message is valid and there is at least one, 1 otherwise, 2 on bad usage.

Usage: check_hl7.py --pcap FILE [--ports 2575,3000] [--min N]
       check_hl7.py --messages FILE
"""
import argparse
import re
import subprocess
import sys

MAX_MESSAGE = 256 * 1024  # like the devices: longer frames are not HL7 messages
MAX_MESSAGES = 100000

# Segment-id grammars, one regular expression over "MSH SFT PID ..." (ids separated by spaces).
_ORU = r"MSH( SFT)*( UAC)? PID( PD1)? PV1( OBR( TQ1)?( OBX( PRT)*( NTE)*)+)+"
STRUCTURES = {
    "ORU^R01": _ORU,
    "ORU^R42": _ORU,
    "ORU^R40": r"MSH( SFT)* PID PV1( OBR( OBX( PRT)*( NTE)*)+)+",
    "RGV^O15": r"MSH( SFT)* PID( PV1)? ORC RXG( TQ1)? RXR( OBX( NTE)*)+",
    "ACK": r"MSH( SFT)* MSA( ERR)*",
}
PROFILES = {"ORU^R01": "PCD-01", "ORU^R42": "PCD-10", "ORU^R40": "PCD-04", "RGV^O15": "PCD-03", "ACK": "ACK"}
_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


def split_segments(text):
    """Segments of one message (CR, LF or CRLF separated), empty ones dropped."""
    return [s for s in re.split(r"\r\n|\r|\n", text) if s.strip()]


def check_message(text):
    """(profile, errors) for one message; errors is empty when it is valid."""
    segs = split_segments(text)
    if not segs or not segs[0].startswith("MSH"):
        return "?", ["does not start with MSH"]
    msh = segs[0]
    if len(msh) < 8 or msh[3] != "|":
        return "?", ["MSH-1 is not '|'"]
    enc = msh[4:8]
    if enc != "^~\\&":
        return "?", ["MSH-2 encoding characters are %r, not '^~\\&'" % enc]
    ids = []
    fields = {}
    for s in segs:
        sid = s[:3]
        if not re.fullmatch(r"[A-Z][A-Z0-9]{2}", sid) or (len(s) > 3 and s[3] != "|"):
            return "?", ["malformed segment %r" % s[:20]]
        ids.append(sid)
        # MSH-1 is the separator itself: MSH field n is split index n-1.
        parts = s.split("|")
        fields.setdefault(sid, []).append(([""] + parts) if sid == "MSH" else parts)
    m = fields["MSH"][0]

    def field(parts, n):
        return parts[n] if n < len(parts) else ""

    msg_type = field(m, 9).split("^")
    code, trigger = (msg_type + ["", ""])[:2]
    key = "ACK" if code == "ACK" else code + "^" + trigger
    errors = []
    if key not in STRUCTURES:
        return "?", ["message type %r is no PCD profile the testbed speaks" % field(m, 9)]
    profile = PROFILES[key]
    if not re.fullmatch(STRUCTURES[key], " ".join(ids)):
        errors.append("segments %s do not follow the %s structure %s" % (" ".join(ids), profile, STRUCTURES[key]))
    if not field(m, 10):
        errors.append("MSH-10 (control id) is empty")
    if not field(m, 12):
        errors.append("MSH-12 (version) is empty")
    if key == "ORU^R42" and "IHE_PCD_010" not in field(m, 21):
        errors.append("PCD-10 without IHE_PCD_010 in MSH-21 (%r)" % field(m, 21))
    for obx in fields.get("OBX", []):
        if not field(obx, 3).split("^")[0]:
            errors.append("OBX-%s without an observation code (OBX-3)" % field(obx, 1))
    if key == "RGV^O15" and "RXG" in fields:
        orc, rxg = fields.get("ORC", [[]])[0], fields["RXG"][0]
        if not field(orc, 1):
            errors.append("ORC-1 (order control) is empty")
        if not field(rxg, 4).split("^")[0]:
            errors.append("RXG-4 (give code) is empty")
        if not _NUMBER.match(field(rxg, 15)):
            errors.append("RXG-15 (give rate) %r is not a number" % field(rxg, 15))
    if key == "ACK" and "MSA" in fields:
        msa = fields["MSA"][0]
        if field(msa, 1) not in ("AA", "AE", "AR", "CA", "CE", "CR"):
            errors.append("MSA-1 %r is no acknowledgement code" % field(msa, 1))
        if not field(msa, 2):
            errors.append("MSA-2 (control id acknowledged) is empty")
    return profile, errors


def deframe(stream):
    """MLLP frames (<VT> message <FS><CR>) of one direction of a connection; bounded."""
    out = []
    i = 0
    while len(out) < MAX_MESSAGES:
        start = stream.find(b"\x0b", i)
        if start < 0:
            break
        end = stream.find(b"\x1c\x0d", start + 1)
        if end < 0 or end - start > MAX_MESSAGE:
            break
        out.append(stream[start + 1:end].decode("latin-1"))
        i = end + 2
    return out


def messages_from_pcap(path, ports):
    """Every MLLP message on the given TCP ports, per connection and direction, in order."""
    filt = "tcp.len > 0 && (%s)" % " || ".join("tcp.port == %d" % p for p in ports)
    cmd = ["tshark", "-r", path, "-Y", filt, "-T", "fields", "-e", "tcp.stream", "-e", "ip.src",
           "-e", "tcp.srcport", "-e", "tcp.seq_raw", "-e", "tcp.payload"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if res.returncode != 0:
        raise RuntimeError("tshark failed: " + res.stderr.strip()[:300])
    streams = {}
    for line in res.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) != 5 or not parts[4]:
            continue
        key = (int(parts[0]), parts[1], parts[2])
        seq = int(parts[3])
        payload = bytes.fromhex(parts[4].replace(":", ""))
        segs = streams.setdefault(key, {})
        segs.setdefault(seq, payload)  # a retransmission repeats its sequence number
    out = []
    for key in sorted(streams):
        data = b"".join(streams[key][s] for s in sorted(streams[key]))
        out += [(key, m) for m in deframe(data)]
    return out


def messages_from_file(path):
    with open(path, encoding="utf-8") as f:
        blocks = re.split(r"\n\s*\n", f.read())
    return [(("file", path, i), b) for i, b in enumerate(blocks) if b.strip()]


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--pcap")
    src.add_argument("--messages")
    ap.add_argument("--ports", default="2575,3000")
    ap.add_argument("--min", type=int, default=1, help="fail with fewer messages than this")
    a = ap.parse_args(argv)
    try:
        ports = [int(p) for p in a.ports.split(",")]
        msgs = messages_from_pcap(a.pcap, ports) if a.pcap else messages_from_file(a.messages)
    except (OSError, ValueError, RuntimeError, subprocess.TimeoutExpired) as e:
        print("check_hl7: %s" % e, file=sys.stderr)
        return 2
    counts = {}
    bad = 0
    for where, text in msgs:
        profile, errors = check_message(text)
        counts[profile] = counts.get(profile, 0) + 1
        if errors:
            bad += 1
            ctl = re.search(r"^MSH(?:\|[^|\r\n]*){8}\|([^|\r\n]*)", text)
            print("INVALID %s %s control %s: %s" % (profile, where, ctl.group(1) if ctl else "?", "; ".join(errors)))
    summary = ", ".join("%s %d" % (k, counts[k]) for k in sorted(counts))
    print("check_hl7: %d messages (%s), %d invalid" % (len(msgs), summary or "none", bad))
    return 0 if bad == 0 and len(msgs) >= a.min else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
