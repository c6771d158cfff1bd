#!/usr/bin/env python3
"""Writes the seed corpus of mqtt_fuzz (python3 stdlib only).

Usage: python3 make_corpus.py [output_dir]   (default: the directory of this script)

Each seed is a sequence of chunks in the format of src/parsers/testing/fuzz_util.h:
[flags:1][length:2 big-endian][bytes], flags bit 0 = direction (0 to server, 1 to client),
bit 1 = a gap of `length` bytes instead of data.

Real payloads come from captures in ../shared/data/pcap, extracted with
    tshark -r FILE -T fields -e tcp.stream -e tcp.srcport -e tcp.payload
and are named after the capture (zeek_* from zeek/traces/mqtt.pcap, sv_* from
suricata-verify/<test>/input.pcap). The rest mirror cases of mqtt_parser_test.cc.
"""
import os
import struct
import sys

TO_SERVER, TO_CLIENT, GAP = 0, 1, 2


def h(text):
    return bytes.fromhex(text.replace(" ", ""))


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            b |= 0x80
        out.append(b)
        if not n:
            return bytes(out)


def s(text):
    """MQTT UTF-8 string / binary data: two-byte length, then the bytes."""
    data = text.encode() if isinstance(text, str) else text
    return struct.pack(">H", len(data)) + data


def props(body=b""):
    return varint(len(body)) + body


def pdu(first, body=b""):
    return bytes([first]) + varint(len(body)) + body


def u16(v):
    return struct.pack(">H", v)


def u32(v):
    return struct.pack(">I", v)


def encode(chunks):
    out = bytearray()
    for flags, data in chunks:
        if flags & GAP:
            out += bytes([flags]) + struct.pack(">H", data)
            continue
        for off in range(0, max(len(data), 1), 0xFFFF):
            piece = data[off:off + 0xFFFF]
            out += bytes([flags]) + struct.pack(">H", len(piece)) + piece
    return bytes(out)


def c2s(data):
    return (TO_SERVER, data)


def s2c(data):
    return (TO_CLIENT, data)


def gap(direction, n):
    return (direction | GAP, n)


# --- real captures ---------------------------------------------------------------------------

# zeek/traces/mqtt.pcap, stream 0 (MQTT 3.1, Paho).
ZEEK_CONNECT = h("102500064d51497364700302000500177061686f2f333441414535344137354438333935363645")
ZEEK_CONNACK = h("20020000")
ZEEK_SUBSCRIBE = h("82100001000b53616d706c65546f70696300")
ZEEK_SUBACK = h("9003000100")
ZEEK_RETAINED = h("3130000b53616d706c65546f70696348656c6c6f2066726f6d20746865205061686f20626c6f636b696e6720636c69656e74")
ZEEK_PUBLISH = h("3017000b53616d706c65546f70696348656c6c6f204d515454")
PINGREQ, PINGRESP, DISCONNECT = h("c000"), h("d000"), h("e000")
# zeek/traces/mqtt.pcap, stream 1: PUBLISH and DISCONNECT pipelined before the CONNACK.
ZEEK_CONNECT2 = h("102500064d51497364700302000500177061686f2f444445344444414634313038443345333633")

# suricata-verify: CONNECTs with user "user" / password "pass".
CONNECT_311 = h("102b00044d51545404c2003c00136d79766f69636569736d7970617373706f7274000475736572000470617373")
CONNECT_31 = h("102d00064d514973647003c2003c00136d79766f69636569736d7970617373706f7274000475736572000470617373")
CONNECT_5 = h("102f00044d51545405c2003c0321001400136d79766f69636569736d7970617373706f7274000475736572000470617373")
CONNACK_5 = h("200600000322000a")
MOSQ_CONNECT = h(
    "10cc0100044d51545405c6003c3c2700002b672100de110000022b22029a2600097573657270726f7031000875736572"
    "76616c312600097573657270726f703200087573657276616c3200136d79766f69636569736d7970617373706f7274"
    "4b03000a6d7977696c6c74797065090007313233343536370200000085019008000f726573706f6e73655f746f7069"
    "63312600097573657270726f703500087573657276616c3518000000c8000977696c6c746f706963000b77696c6c6d"
    "657373616765000475736572000470617373")
MOSQ_PUBLISH = h(
    "325e0006746f706963580001430300066d79747970650900053132333435020000004d015808000f726573706f6e73"
    "655f746f706963312300052600097573657270726f703300087573657276616c33626161626161626c61636b736865"
    "6570")

SEEDS = {
    "zeek_mqtt31_session": [
        c2s(ZEEK_CONNECT), s2c(ZEEK_CONNACK), c2s(ZEEK_SUBSCRIBE), s2c(ZEEK_SUBACK),
        s2c(ZEEK_RETAINED), c2s(PINGREQ), s2c(PINGRESP), s2c(ZEEK_PUBLISH)],
    "zeek_mqtt31_pipelined_before_connack": [
        c2s(ZEEK_CONNECT2), c2s(ZEEK_PUBLISH + DISCONNECT), s2c(ZEEK_CONNACK)],
    "sv_mqtt311_pub_qos1": [
        c2s(CONNECT_311), s2c(h("20020000")),
        c2s(h("321a0006746f706963580001626161626161626c61636b7368656570")), s2c(h("40020001")),
        c2s(DISCONNECT)],
    "sv_mqtt31_pub_qos2": [
        c2s(CONNECT_31), s2c(h("20020000")),
        c2s(h("341a0006746f706963580001626161626161626c61636b7368656570")), s2c(h("50020001")),
        c2s(h("62020001")), s2c(h("70020001")), c2s(DISCONNECT)],
    "sv_mqtt311_unsub_qos1": [
        c2s(CONNECT_311), s2c(h("20020000")), c2s(h("820b00010006746f7069635801")),
        s2c(h("9003000101")), c2s(h("a20a00020006746f70696358a20a00030006746f70696359")),
        s2c(h("b0020002")), s2c(h("b0020003")), c2s(DISCONNECT)],
    "sv_mqtt5_unsub_qos2": [
        c2s(CONNECT_5), s2c(CONNACK_5), c2s(h("820c0001000006746f7069635802")),
        s2c(h("900400010002")), c2s(h("a20b0002000006746f70696358a20b0003000006746f70696359")),
        s2c(h("b00400020000")), s2c(h("b00400030011")), c2s(h("e00104"))],
    "sv_mqtt5_pub_mosquittoprops": [
        c2s(MOSQ_CONNECT), s2c(CONNACK_5), c2s(MOSQ_PUBLISH), s2c(h("4003000110")),
        c2s(h("e01d001b110000007a2600097573657270726f703400087573657276616c34"))],
    "sv_mqtt5_sub_mosquittoprops": [
        c2s(MOSQ_CONNECT), s2c(CONNACK_5), c2s(h("82150001000006746f70696358000006746f7069635900")),
        s2c(h("90050001000000")), c2s(h("e01d041b110000007a2600097573657270726f703400087573657276616c34"))],
    "sv_mqtt5_sub_customauth": [
        c2s(h("103000044d5154540502003c10150003666f6f1600043132333421001400136d79766f69636569736d79"
              "70617373706f7274")),
        s2c(h("2003008c00"))],
    "sv_mqtt5_excessiveproplen": [
        c2s(h("102f00044d51545405c2003cff21001400136d79766f69636569736d7970617373706f7274000475736572"
              "000470617373")),
        s2c(CONNACK_5), c2s(h("30190006746f7069635800626161626161626c61636b7368656570")), c2s(DISCONNECT)],
    "sv_events_invalid_qos": [
        c2s(CONNECT_311), s2c(h("20020000")),
        c2s(h("361a0006746f706963580001626161626161626c61636b7368656570")), c2s(DISCONNECT)],
    "sv_events_unassigned_msgtype": [
        c2s(CONNECT_311), s2c(h("20020000")),
        c2s(h("00180006746f70696358626161626161626c61636b7368656570")), c2s(DISCONNECT)],
    "sv_events_unintroduced": [
        c2s(CONNECT_31), c2s(h("30180006746f70696358626161626161626c61636b7368656570"))],
    "sv_events_missing_connect_midstream": [
        s2c(h("20020000")), c2s(h("821600010011686f7573652f62756c62732f62756c623101")),
        s2c(h("9003000101")), c2s(h("34180011686f7573652f62756c62732f62756c623100034f4646")),
        s2c(h("50020003")), c2s(h("62020003")), s2c(h("70020003")),
        s2c(h("32180011686f7573652f62756c62732f62756c623100014f4646")), c2s(h("40020001"))],
    # mqtt-midstream-split: a 5.0 CONNACK split after one byte; the JPEG payload is shortened.
    "sv_midstream_split_v5": [
        s2c(h("20")),
        s2c(h("3200002f22000a1200296175746f2d31423433453830302d303845332d334241312d324539372d45394130"
              "4234303634424635")),
        c2s(h("300e0006746f7069635800ffd8ffe000")), c2s(DISCONNECT)],
    "sv_mqtt_ping": [c2s(PINGREQ), s2c(PINGRESP)],
    # mqtt-frames-truncated: the flow ends inside the CONNACK (cut here).
    "sv_frames_truncated_connack": [
        c2s(h("101c00044d51545405c2003c032100140000000475736572000470617373")),
        s2c(h("203500003222000a1200296175746f2d31373233363339332d4235"))],
}

# --- synthetic cases (mirroring mqtt_parser_test.cc) -------------------------------------------

ALL_PROPERTIES = (
    b"\x01\x01" + b"\x02" + u32(3600) + b"\x03" + s("text/plain") + b"\x08" + s("reply") +
    b"\x09" + s(b"\x01\x02") + b"\x0b" + varint(268435455) + b"\x11" + u32(0xFFFFFFFF) +
    b"\x12" + s("auto-1") + b"\x13" + u16(120) + b"\x15" + s("SCRAM") + b"\x16" + s("secret") +
    b"\x17\x00" + b"\x18" + u32(30) + b"\x19\x01" + b"\x1a" + s("info") + b"\x1c" + s("srv") +
    b"\x1f" + s("why") + b"\x21" + u16(65535) + b"\x22" + u16(7) + b"\x23" + u16(4) + b"\x24\x01" +
    b"\x25\x00" + b"\x26" + s("k") + s("v") + b"\x27" + u32(1048576) + b"\x28\x01" + b"\x29\x00" +
    b"\x2a\x01")

PUMP_CONNECT = pdu(0x10, s("MQTT") + b"\x05\xc2" + u16(30) +
                   props(b"\x11" + u32(120) + b"\x21" + u16(20) + b"\x26" + s("site") + s("icu-3")) +
                   s("pump-0042") + s("pumpsrv") + s("S3cr3t!pw"))
PUMP_CONNACK = pdu(0x20, b"\x00\x00" + props(b"\x22" + u16(10)))

SEEDS.update({
    "mqtt5_pump_session": [
        c2s(PUMP_CONNECT), s2c(PUMP_CONNACK),
        c2s(pdu(0x82, u16(1) + props(b"\x0b" + varint(7)) + s("ward/pumps/+/cmd") + b"\x01" +
                s("ward/pumps/+/cfg") + b"\x06")),
        s2c(pdu(0x90, u16(1) + props() + b"\x01\x02")),
        c2s(pdu(0x32, s("ward/pumps/42/status") + u16(2) +
                props(b"\x01\x01" + b"\x03" + s("application/json") + b"\x23" + u16(3)) +
                b'{"rate_ml_h":12.5}')),
        s2c(pdu(0x40, u16(2))),
        c2s(pdu(0x34, s("") + u16(3) + props(b"\x23" + u16(3) + b"\x02" + u32(60)) + b'{"alarm":"occlusion"}')),
        s2c(pdu(0x50, u16(3) + b"\x00")), c2s(pdu(0x62, u16(3) + b"\x00" + props())),
        s2c(pdu(0x70, u16(3)) + pdu(0x30, s("ward/pumps/42/cmd") + props(b"\x0b" + varint(7)) + b"stop")),
        c2s(pdu(0xE0, b"\x00" + props(b"\x11" + u32(0))))],
    "mqtt5_every_property": [
        c2s(CONNECT_5), s2c(CONNACK_5), c2s(pdu(0x30, s("t") + props(ALL_PROPERTIES) + b"x"))],
    "mqtt5_auth_exchange": [
        c2s(pdu(0x10, s("MQTT") + b"\x05\x02" + u16(60) + props(b"\x15" + s("SCRAM-SHA-1") + b"\x16" + s("n,,n=u")) + s("c1"))),
        s2c(pdu(0xF0, b"\x18" + props(b"\x15" + s("SCRAM-SHA-1") + b"\x16" + s("r=abc")))),
        c2s(pdu(0xF0, b"\x18" + props(b"\x15" + s("SCRAM-SHA-1") + b"\x16" + s("c=biws")))),
        s2c(pdu(0x20, b"\x00\x00" + props(b"\x15" + s("SCRAM-SHA-1")))),
        s2c(pdu(0xE0, b"\x8b"))],
    "mqtt5_topic_alias": [
        c2s(CONNECT_5), s2c(CONNACK_5),
        c2s(pdu(0x30, s("ward/a") + props(b"\x23" + u16(1)) + b"1")),
        c2s(pdu(0x30, s("") + props(b"\x23" + u16(1)) + b"2")),
        c2s(pdu(0x30, s("") + props(b"\x23" + u16(9)) + b"3")),
        s2c(pdu(0x30, s("") + props(b"\x23" + u16(1)) + b"4"))],
    "mqtt311_will_and_double_connect": [
        c2s(pdu(0x10, s("MQTT") + b"\x04\x36" + u16(10) + s("monitor-7") + s("ward/monitor-7/state") + s("offline"))),
        c2s(CONNECT_311), s2c(h("20020005")), s2c(h("20020000"))],
    "oversize_skip_then_publish": [
        c2s(CONNECT_311), s2c(h("20020000")),
        c2s(pdu(0x32, s("img") + u16(7) + b"J" * 3000)[:1500]),
        c2s(pdu(0x32, s("img") + u16(7) + b"J" * 3000)[1500:] + pdu(0x30, s("after") + b"ok")),
        s2c(pdu(0x40, u16(7)))],
    "gap_inside_pdu_resyncs": [
        c2s(CONNECT_311), s2c(h("20020000")),
        c2s(pdu(0x30, s("t") + b"p" * 1000)[:100]), gap(TO_SERVER, 500),
        c2s(pdu(0x30, s("t") + b"p" * 1000)[600:] + PINGREQ)],
    "gap_between_pdus_stops": [
        c2s(CONNECT_311), s2c(h("20020000")), gap(TO_SERVER, 10), c2s(PINGREQ), s2c(PINGRESP)],
    "too_many_pending_publishes": [
        c2s(CONNECT_311), s2c(h("20020000"))] +
        [c2s(pdu(0x32, s("t") + u16(i) + b"x")) for i in range(1, 11)] +
        [s2c(pdu(0x40, u16(10))), s2c(pdu(0x40, u16(1)))],
    "remaining_length_five_bytes": [c2s(CONNECT_311), c2s(h("30ffffffff01"))],
    # More topic filters than mqtt_fuzz keeps (8): mqtt.too_many_topics.
    "subscribe_many_topics": [
        c2s(CONNECT_5), s2c(CONNACK_5),
        c2s(pdu(0x82, u16(1) + props() + b"".join(s(f"ward/t{i}") + b"\x01" for i in range(12)))),
        s2c(pdu(0x90, u16(1) + props() + b"\x01" * 12)),
        c2s(pdu(0xA2, u16(2) + props() + b"".join(s(f"ward/t{i}") for i in range(12))))],
    "malformed_bodies_then_ping": [
        c2s(CONNECT_311), s2c(h("20020000")),
        c2s(pdu(0x82, u16(1) + s("a") + b"\x04") + pdu(0x90, u16(1) + b"\x03") +
            pdu(0x20, b"\x02\x00") + pdu(0xF0) + PINGREQ)],
    "not_mqtt_http": [c2s(b"GET /index.html HTTP/1.1\r\nHost: pump.example\r\nUser-Agent: x\r\n\r\n")],
})


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for name, chunks in sorted(SEEDS.items()):
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(encode(chunks))
    print(f"wrote {len(SEEDS)} seeds to {out_dir}")


if __name__ == "__main__":
    main()
