#!/usr/bin/env python3
"""Writes arp_attacks.pcap: ARP on one Ethernet segment (RFC 826 frames), synthetic:
  1. t=0    the gateway 10.10.0.1 (00:00:5e:00:01:01) answers a pump (10.10.0.20) asking for it;
            a workstation 10.10.0.50 (02:00:00:00:00:50) asks for the gateway.
  2. t=1    an attacker 10.10.0.66 (02:aa:bb:cc:dd:66) asks for the gateway (its own address).
  3. t=2..31 the attacker tells the pump "10.10.0.1 is-at 02:aa:bb:cc:dd:66" every 2 s
            (arpspoof-style cache poisoning): one ward.arp.spoofing alert.
  4. t=40..43 a station 10.10.0.77 (02:00:00:00:00:77) sends 30 gratuitous ARPs (sender address =
            target address) in 3 s: one ward.arp.gratuitous_storm alert.
  5. t=400  10.10.0.50 is announced by another MAC (02:00:00:00:00:51), 400 s after the old one
            was last seen: a re-lease, no alert.
Usage: arp_attacks.pcap.py [OUT]
"""
import os
import struct
import sys

BASE = 1_700_000_000
BCAST = "ff:ff:ff:ff:ff:ff"


def mac(m):
    return bytes(int(x, 16) for x in m.split(":"))


def ip(a):
    return bytes(int(x) for x in a.split("."))


def arp(op, sha, spa, tha, tpa, eth_dst):
    body = struct.pack("!HHBBH", 1, 0x0800, 6, 4, op)
    body += mac(sha) + ip(spa) + mac(tha) + ip(tpa)
    frame = mac(eth_dst) + mac(sha) + struct.pack("!H", 0x0806) + body
    return frame + b"\0" * max(0, 60 - len(frame))  # Ethernet minimum frame


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "arp_attacks.pcap")
    gw, gw_mac = "10.10.0.1", "00:00:5e:00:01:01"
    pump, pump_mac = "10.10.0.20", "02:00:00:00:00:20"
    ws, ws_mac = "10.10.0.50", "02:00:00:00:00:50"
    atk, atk_mac = "10.10.0.66", "02:aa:bb:cc:dd:66"
    noisy, noisy_mac = "10.10.0.77", "02:00:00:00:00:77"
    zero = "00:00:00:00:00:00"
    frames = [
        (0.0, arp(1, pump_mac, pump, zero, gw, BCAST)),
        (0.001, arp(2, gw_mac, gw, pump_mac, pump, pump_mac)),
        (0.5, arp(1, ws_mac, ws, zero, gw, BCAST)),
        (0.501, arp(2, gw_mac, gw, ws_mac, ws, ws_mac)),
        (1.0, arp(1, atk_mac, atk, zero, gw, BCAST)),
        (1.001, arp(2, gw_mac, gw, atk_mac, atk, atk_mac)),
    ]
    for i in range(15):
        frames.append((2.0 + 2 * i, arp(2, atk_mac, gw, pump_mac, pump, pump_mac)))
    for i in range(30):
        frames.append((40.0 + 0.1 * i, arp(1, noisy_mac, noisy, zero, noisy, BCAST)))
    frames.append((400.0, arp(1, "02:00:00:00:00:51", ws, zero, gw, BCAST)))
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for t, frame in frames:
            sec = BASE + int(t)
            usec = int(round((t - int(t)) * 1e6))
            f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)


if __name__ == "__main__":
    main()
