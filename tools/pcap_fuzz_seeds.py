#!/usr/bin/env python3
# Usage: tools/pcap_fuzz_seeds.py OUT_DIR "tshark display filter" SERVER_PORTS CAPTURE...
# e.g. tools/pcap_fuzz_seeds.py src/parsers/dhcp/corpus dhcp 67 ../shared/data/pcap/zeek/traces/dhcp/*.pcap
# Writes fuzz seed files (parsers/testing/fuzz_util.h chunk format: flags byte (bit0 = to
# client), u16be length, bytes) from the UDP/TCP payloads tshark sees in captures.
import subprocess, sys, os
out, filt, server_ports = sys.argv[1], sys.argv[2], set(int(p) for p in sys.argv[3].split(','))
os.makedirs(out, exist_ok=True)
for cap in sys.argv[4:]:
    rows = subprocess.run(['tshark','-r',cap,'-Y',filt,'-T','fields','-e','udp.payload','-e','tcp.payload','-e','udp.dstport','-e','tcp.dstport'],capture_output=True,text=True).stdout.splitlines()
    chunks=[]
    for r in rows:
        f=r.split('\t')
        hexs=f[0] or f[1]
        if not hexs: continue
        data=bytes.fromhex(hexs.replace(':',''))
        dport=int((f[2] or f[3] or '0').split(',')[0])
        flag=0 if dport in server_ports else 1
        chunks.append(bytes([flag])+len(data).to_bytes(2,'big')+data)
    if not chunks: continue
    base=os.path.splitext(os.path.basename(cap))[0]
    if base in ('input','test','dns'): base=os.path.basename(os.path.dirname(cap))
    # one file per capture, up to 6 messages, < 4 KB
    buf=b''
    for c in chunks[:6]:
        if len(buf)+len(c) > 4096: break
        buf+=c
    if buf: open(os.path.join(out, base), 'wb').write(buf)
