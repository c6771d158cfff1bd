#!/usr/bin/env python3
"""Prints the cipher suite and named group tables of tls_names.cc from the IANA names that
Debian's tshark knows (`tshark -G values`, fields tls.handshake.ciphersuite and
tls.handshake.extensions_supported_group), so the tables are regenerated, not hand-typed.

Usage: python3 make_cipher_names.py   (then replace the two tables in tls_names.cc)
GREASE values are left out (is_grease() handles them). 0xCC13-0xCC15, the pre-RFC 7905
ChaCha20 suites, get Zeek's "_OLD" suffix so that they are not confused with the RFC ones.
Hybrid post-quantum groups newer than Wireshark 4.0 are added with their IANA names.
"""
import subprocess

out = subprocess.run(["tshark", "-G", "values"], capture_output=True, text=True).stdout


def table(field):
    rows = {}
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) == 4 and f[0] == "V" and f[1] == field:
            v = int(f[2], 0)
            if "GREASE" in f[3]:
                continue
            rows.setdefault(v, f[3])
    return rows


ciphers = table("tls.handshake.ciphersuite")
for v in (0xCC13, 0xCC14, 0xCC15):
    ciphers[v] += "_OLD"
groups = table("tls.handshake.extensions_supported_group")
groups.update({0x11EB: "SecP256r1MLKEM768", 0x11EC: "X25519MLKEM768",
               0x11ED: "SecP384r1MLKEM1024", 0x6399: "X25519Kyber768Draft00",
               0x639A: "SecP256r1Kyber768Draft00"})

for name, rows, typ in (("kCipherNames", ciphers, "CodeName"), ("kGroupNames", groups, "CodeName")):
    print(f"constexpr std::array<{typ}, {len(rows)}> {name} = {{{{")
    for v in sorted(rows):
        print(f'    {{0x{v:04X}, "{rows[v]}"}},')
    print("}};")
