#!/usr/bin/env python3
"""Writes the seed corpus of hl7_fuzz (python3 standard library only, deterministic).

Input format (parsers/testing/fuzz_util.h): chunks of [flags:1][length:2 BE][bytes]; flags bit 0
is the direction (0 to server, 1 to client), bit 1 asks for a gap of `length` bytes.

Sources: the synthetic IHE PCD messages in ../testdata and a few real third-party samples from
../shared/data/hl7 (rethinkhealth/hl7v2, MIT; LinuxForHealth/hl7v2-fhir-converter, Apache-2.0).
Usage: make_corpus.py [--shared DIR]   (run from anywhere; rewrites the seed files here)
"""
import argparse
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
TESTDATA = HERE.parent / "testdata"
REPO = HERE.parents[3]
DEFAULT_SHARED = REPO.parent / "shared" / "data" / "hl7"

VT, FS, CR = b"\x0b", b"\x1c", b"\x0d"
TO_SERVER, TO_CLIENT, GAP = 0, 1, 2

# The limits hl7_fuzz.cc uses (kept small so limit paths are reachable with small inputs).
FUZZ_MAX_MESSAGE_BYTES = 4096
FUZZ_MAX_SEGMENTS = 64


def chunk(data: bytes, flags: int = TO_SERVER) -> bytes:
    out = b""
    for i in range(0, max(len(data), 1), 0xFFFF):
        piece = data[i:i + 0xFFFF]
        out += bytes([flags]) + len(piece).to_bytes(2, "big") + piece
    return out


def gap(n: int, flags: int = TO_SERVER) -> bytes:
    return bytes([flags | GAP]) + n.to_bytes(2, "big")


def mllp(message: bytes) -> bytes:
    return VT + message + FS + CR


def synthetic(name: str) -> bytes:
    return (TESTDATA / name).read_bytes().replace(b"\n", b"\r")


def pieces(data: bytes, cuts, flags: int = TO_SERVER) -> bytes:
    out, last = b"", 0
    for c in list(cuts) + [len(data)]:
        out += chunk(data[last:c], flags)
        last = c
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=pathlib.Path, default=DEFAULT_SHARED)
    args = ap.parse_args()

    def real(rel: str) -> bytes:
        return (args.shared / rel).read_bytes()

    order = mllp(synthetic("pcd03_rgv_o15_dopamine.hl7"))
    ack = mllp(synthetic("pcd03_ack_o15.hl7"))
    saline = mllp(synthetic("pcd03_rgv_o15_saline.hl7"))
    nak = mllp(synthetic("pcd03_rrg_o16_reject_9018.hl7"))
    small = b"MSH|^~\\&|A|B|C|D|1||ORU^R01|F1|P|2.6\r"

    seeds = {
        "pcd03_order_and_ack": chunk(order) + chunk(ack, TO_CLIENT),
        "pcd03_order_split_mid_segment": pieces(order, [1, 4, 200, 201]) + chunk(ack, TO_CLIENT),
        "pcd03_saline_and_nak_9018": chunk(saline) + chunk(nak, TO_CLIENT),
        "pcd01_oru_r01_with_prt": chunk(mllp(synthetic("pcd01_oru_r01_pump.hl7"))),
        "pcd04_oru_r40_alert": chunk(mllp(synthetic("pcd04_oru_r40_occlusion.hl7"))),
        "pcd10_oru_r42_event": chunk(mllp(synthetic("pcd10_oru_r42_deliv_start.hl7"))),
        "real_custom_delimiters": chunk(mllp(real("rethinkhealth/qa-fixtures/edge-custom-delimiters.hl7"))),
        "real_crlf_line_endings": chunk(mllp(real("rethinkhealth/qa-fixtures/edge-crlf-line-endings.hl7"))),
        "real_escaped_delimiters": chunk(mllp(real("rethinkhealth/qa-fixtures/edge-escaped-delimiters.hl7"))),
        "real_adt_a01_full": chunk(mllp(real("rethinkhealth/qa-fixtures/adt-a01-full.hl7"))),
        "real_oru_r01_lab": chunk(mllp(real("rethinkhealth/qa-fixtures/oru-r01-lab.hl7"))),
        "real_bad_delimiters_windows": chunk(mllp(real("linuxforhealth/sample_win.hl7"))),
        "real_not_msh_first": chunk(mllp(real("rethinkhealth/qa-fixtures/invalid-missing-msh.hl7"))),
        "real_invalid_segment_id_and_version":
            chunk(mllp(real("rethinkhealth/qa-fixtures/invalid-segment-header-length.hl7"))) +
            chunk(mllp(real("rethinkhealth/qa-fixtures/invalid-wrong-version.hl7"))),
        "missing_start_block": chunk(small + b"PID|1\r") + chunk(ack),
        "unexpected_start_block": chunk(VT + small + b"OBX|1|NM|A^B^L||1\r" + ack),
        "message_too_large": chunk(VT + small + b"Z" * (FUZZ_MAX_MESSAGE_BYTES + 10) + FS + CR + ack),
        "too_many_segments": chunk(mllp(small + b"OBX|1|NM|A^B^L||1\r" * (FUZZ_MAX_SEGMENTS + 6))),
        "invalid_escape_and_hex": chunk(mllp(
            small + b"OBX|1|ST|A^B^L||\\Q\\ \\X4\\ \\X0D0A\\ \\.br\\ \\H\\x\\N\\ \\C2842\\ open\\\r")),
        "invalid_number": chunk(mllp(
            b"MSH|^~\\&|IOP|H|IOC|H|1||RGV^O15^RGV_O15|N1|P|2.6\rORC|RE\r"
            b"RXG|1|||1^D|nan||L||||||||1e3|U/h\rOBX|1|NM|68063^MDC_ATTR_PT_WEIGHT^MDC||x|lb\r")),
        "truncated_at_end": chunk(ack + VT + small + b"PID|1||12"),
        "gap_inside_frame": chunk(order[:90]) + gap(300) + chunk(order[90:]) + chunk(ack),
        "limits_obx_err_prt": chunk(mllp(
            small + b"MSA|AE|9\r" +
            b"".join(b"OBX|%d||69986^MDC_DEV_PUMP_INFUS_VMD^MDC|1.%d.0.0|||||||X|||||||P%d\r" % (i, i, i)
                     for i in range(20)) +
            b"ERR|||207|E\r" * 6 + (b"PRT|1|UC" + b"|" * 14 + b"DI|||SN\r") * 6)),
        "ack_byte_by_byte": b"".join(chunk(bytes([b]), TO_CLIENT) for b in ack),
        "interleaved_directions": chunk(order[:100]) + chunk(ack[:30], TO_CLIENT) +
            chunk(order[100:]) + chunk(ack[30:], TO_CLIENT),
        "empty_frames_and_line_breaks": chunk(b"\r\n" + VT + FS + CR + VT + b"\r\n" + FS + CR + b"\n" + ack),
    }
    for old in HERE.iterdir():
        if old.is_file() and old.name != "make_corpus.py":
            old.unlink()
    for name, data in sorted(seeds.items()):
        (HERE / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
