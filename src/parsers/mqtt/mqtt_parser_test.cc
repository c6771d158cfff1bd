// Unit tests of the MQTT parser and the `mqtt` log. Packets are either real payloads extracted
// with `tshark -T fields -e tcp.payload` (the source capture is named next to each) or built
// with the Bytes/pdu() helpers below, which compute the Remaining Length.
#include "parsers/mqtt/mqtt_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "bus/bus.h"
#include "parsers/mqtt/mqtt_events.h"
#include "parsers/mqtt/mqtt_log.h"
#include "parsers/stream_driver.h"
#include "parsers/testing/parser_test_util.h"

namespace ward::parsers::mqtt {
namespace {

using parsers::testing::Chunk;
using parsers::testing::to_client;
using parsers::testing::to_server;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

using Bytes8 = std::vector<std::uint8_t>;

// ---------------------------------------------------------------------------------------------
// Building packets.

// "10 2b 00 04 4d51" -> bytes; spaces are ignored.
Bytes8 hex(std::string_view h) {
  Bytes8 out;
  int hi = -1;
  for (char c : h) {
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    if (v < 0) continue;
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(hi * 16 + v));
      hi = -1;
    }
  }
  return out;
}

class Bytes {
 public:
  Bytes& u8(std::uint8_t v) {
    b_.push_back(v);
    return *this;
  }
  Bytes& u16(std::uint16_t v) {
    return u8(static_cast<std::uint8_t>(v >> 8)).u8(static_cast<std::uint8_t>(v));
  }
  Bytes& u32(std::uint32_t v) {
    return u16(static_cast<std::uint16_t>(v >> 16)).u16(static_cast<std::uint16_t>(v));
  }
  Bytes& varint(std::uint32_t v) {
    do {
      std::uint8_t b = v & 0x7f;
      v >>= 7;
      if (v != 0) b |= 0x80;
      u8(b);
    } while (v != 0);
    return *this;
  }
  // MQTT UTF-8 string or binary data: two-byte length, then the bytes.
  Bytes& str(std::string_view s) {
    u16(static_cast<std::uint16_t>(s.size()));
    return raw(s);
  }
  Bytes& raw(std::string_view s) {
    b_.insert(b_.end(), s.begin(), s.end());
    return *this;
  }
  Bytes& raw(const Bytes8& v) {
    b_.insert(b_.end(), v.begin(), v.end());
    return *this;
  }
  // An MQTT 5 property block: Property Length, then the properties in `p`.
  Bytes& props(const Bytes& p) {
    varint(static_cast<std::uint32_t>(p.b_.size()));
    return raw(p.b_);
  }
  Bytes& props() { return u8(0); }  // Property Length 0
  // One MQTT 5 property: its identifier, then a value of its type.
  Bytes& p8(std::uint8_t id, std::uint8_t v) { return u8(id).u8(v); }
  Bytes& p16(std::uint8_t id, std::uint16_t v) { return u8(id).u16(v); }
  Bytes& p32(std::uint8_t id, std::uint32_t v) { return u8(id).u32(v); }
  Bytes& pvar(std::uint8_t id, std::uint32_t v) { return u8(id).varint(v); }
  Bytes& pstr(std::uint8_t id, std::string_view v) { return u8(id).str(v); }
  Bytes& ppair(std::uint8_t id, std::string_view k, std::string_view v) {
    return u8(id).str(k).str(v);
  }
  [[nodiscard]] const Bytes8& bytes() const { return b_; }

 private:
  Bytes8 b_;
};

// A PDU: the first byte (type and flags), the Remaining Length of `body`, then `body`.
Bytes8 pdu(std::uint8_t first, const Bytes& body = Bytes()) {
  Bytes out;
  out.u8(first).varint(static_cast<std::uint32_t>(body.bytes().size())).raw(body.bytes());
  return out.bytes();
}

Bytes8 text_bytes(std::string_view s) { return Bytes8(s.begin(), s.end()); }

Bytes8 cat(std::initializer_list<Bytes8> parts) {
  Bytes8 out;
  for (const Bytes8& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// ---------------------------------------------------------------------------------------------
// Describing events.

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out.push_back(c);
    } else {
      constexpr std::string_view kHex = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    }
  }
  if (out.size() > 60) out = out.substr(0, 60) + "...";
  return out;
}

std::string describe_properties(std::span<const Property> props) {
  std::string s;
  for (const Property& p : props) {
    if (!s.empty()) s += ";";
    s += std::string(p.name) + "=";
    switch (p.kind) {
      case Property::Kind::kInteger:
        s += std::to_string(p.integer);
        break;
      case Property::Kind::kString:
        s += printable(p.str);
        break;
      case Property::Kind::kBinary:
        s += p.str.empty() ? "<" + std::to_string(p.integer) + " bytes>"
                           : "b'" + printable(p.str) + "'";
        break;
      case Property::Kind::kStringPair:
        s += printable(p.str) + ":" + printable(p.str2);
        break;
    }
  }
  return s;
}

std::string describe_message(const MqttMessage& m, bool with_version) {
  std::ostringstream os;
  os << "msg " << packet_type_name(m.type);
  if (with_version) os << " v" << int{m.protocol_version};
  if (m.dup) os << " dup";
  if (m.qos != 0) os << " q" << int{m.qos};
  if (m.retain) os << " retain";
  if (m.packet_id) os << " id=" << *m.packet_id;
  if (m.reason_code) os << " rc=" << int{*m.reason_code};
  switch (m.type) {
    case PacketType::kConnect:
      os << " " << m.protocol_name << " client=" << printable(m.client_id)
         << " keep=" << m.keep_alive;
      if (m.flag_clean_session) os << " clean";
      if (m.flag_username) os << " user=" << printable(m.username);
      if (m.has_password) os << " password";
      if (m.flag_will) {
        os << " will=q" << int{m.will_qos} << (m.flag_will_retain ? "r" : "") << ":"
           << printable(m.will_topic) << ":" << printable(as_chars(m.will_payload));
      }
      break;
    case PacketType::kConnack:
      if (m.session_present) os << " session_present";
      break;
    case PacketType::kPublish:
      os << " topic=" << printable(m.topic) << " payload=" << printable(as_chars(m.payload));
      break;
    default:
      break;
  }
  if (!m.topics.empty()) {
    os << " topics=";
    for (const TopicFilter& t : m.topics)
      os << printable(t.filter) << "/" << int{t.qos} << "/" << int{t.options} << ",";
  }
  if (!m.reason_codes.empty()) {
    os << " codes=";
    for (std::uint8_t c : m.reason_codes) os << int{c} << ",";
  }
  if (!m.properties.empty()) os << " props{" << describe_properties(m.properties) << "}";
  if (!m.will_properties.empty())
    os << " willprops{" << describe_properties(m.will_properties) << "}";
  return os.str();
}

std::string describe_text_properties(const std::vector<std::pair<std::string, std::string>>& p) {
  std::string s;
  for (const auto& [k, v] : p) s += (s.empty() ? "" : ";") + k + "=" + printable(v);
  return s;
}

std::string describe_transaction(const MqttTransaction& t) {
  std::ostringstream os;
  os << "tx ";
  switch (t.kind) {
    case MqttTransaction::Kind::kConnect:
      os << "connect";
      break;
    case MqttTransaction::Kind::kPublish:
      os << "publish";
      break;
    case MqttTransaction::Kind::kSubscribe:
      os << "subscribe";
      break;
    case MqttTransaction::Kind::kUnsubscribe:
      os << "unsubscribe";
      break;
  }
  os << (t.dir == Direction::kToServer ? " >" : " <") << " v" << int{t.protocol_version};
  if (t.packet_id) os << " id=" << *t.packet_id;
  switch (t.kind) {
    case MqttTransaction::Kind::kConnect:
      os << " " << t.proto_name << " client=" << printable(t.client_id)
         << " status=" << t.connect_status;
      if (t.connack_code) os << " code=" << int{*t.connack_code};
      if (!t.username.empty()) os << " user=" << t.username;
      if (t.has_password) os << " password";
      if (t.credentials.weakness != auth::Weakness::kNone)
        os << " credentials=" << auth::weakness_name(t.credentials.weakness) << " ("
           << t.credentials.detail << ")";
      if (!t.will_topic.empty()) os << " will=" << t.will_topic << ":" << printable(t.will_payload);
      break;
    case MqttTransaction::Kind::kPublish:
      os << " q" << int{t.qos} << (t.retain ? " retain" : "") << " topic=" << printable(t.topic)
         << " payload=" << printable(t.payload) << " len=" << t.payload_len
         << " status=" << t.status;
      break;
    default:
      os << " topics=";
      for (const std::string& s : t.topics) os << s << ",";
      os << " qos=";
      for (std::uint8_t q : t.qos_levels) os << int{q} << ",";
      os << " granted=";
      for (std::uint8_t q : t.granted) os << int{q} << ",";
      os << " ack=" << t.ack;
      break;
  }
  if (!t.properties.empty()) os << " props{" << describe_text_properties(t.properties) << "}";
  if (!t.will_properties.empty())
    os << " willprops{" << describe_text_properties(t.will_properties) << "}";
  if (!t.ack_properties.empty())
    os << " ackprops{" << describe_text_properties(t.ack_properties) << "}";
  return os.str();
}

// Everything the parser emits, including transactions.
std::string describe_all(const bus::Event& e) {
  if (const auto* m = bus::event_cast<MqttMessage>(e)) return describe_message(*m, true);
  if (const auto* t = bus::event_cast<MqttTransaction>(e)) return describe_transaction(*t);
  return "";
}

// What must not depend on cross-direction delivery order: the packets themselves. Transactions
// pair a response with an earlier request, and a message's protocol_version comes from the
// connection's CONNECT, so both legitimately change when a reply is delivered before the end of
// its request (the "reply in between" replay of expect_same_events_for_every_split).
std::string describe_packets(const bus::Event& e) {
  if (const auto* m = bus::event_cast<MqttMessage>(e)) return describe_message(*m, false);
  return "";
}

// ---------------------------------------------------------------------------------------------
// Running the parser.

class CaptureSink : public EventSink {
 public:
  void emit(const bus::Event& e) override {
    events.push_back(describe_all(e));
    if (const auto* t = bus::event_cast<MqttTransaction>(e)) txs.push_back(*t);
    if (const auto* m = bus::event_cast<MqttMessage>(e))
      messages.push_back(describe_message(*m, true));
  }
  void anomaly(std::string_view id, std::string_view detail) override {
    anomalies.emplace_back(id);
    details.push_back(std::string(id) + ": " + std::string(detail));
  }
  void confirm_protocol() override { ++confirmations; }
  [[nodiscard]] TimeNs packet_time() const override { return now; }

  std::vector<std::string> events;
  std::vector<std::string> messages;
  std::vector<MqttTransaction> txs;
  std::vector<std::string> anomalies;
  std::vector<std::string> details;
  int confirmations = 0;
  TimeNs now = 1'700'000'000 * kNsPerSec;
};

// One connection: a parser behind a StreamDriver, as the flow layer runs it.
class Session {
 public:
  explicit Session(const Limits& limits = Limits{})
      : factory_(limits), parser_(factory_.make(sink)), driver_(StreamDriver::Limits{}) {}

  Session& send(Direction dir, const Bytes8& bytes) {
    // An exact-size heap copy so ASan sees reads past the segment.
    auto copy = std::make_unique<std::uint8_t[]>(bytes.size() + 1);
    std::copy(bytes.begin(), bytes.end(), copy.get());
    driver_.deliver(*parser_, sink, dir, ByteView(copy.get(), bytes.size()));
    return *this;
  }
  Session& c2s(const Bytes8& b) { return send(Direction::kToServer, b); }
  Session& s2c(const Bytes8& b) { return send(Direction::kToClient, b); }
  Session& gap(Direction dir, std::uint64_t n) {
    driver_.gap(*parser_, dir, n);
    return *this;
  }
  Session& end() {
    driver_.end(*parser_, Direction::kToServer);
    driver_.end(*parser_, Direction::kToClient);
    return *this;
  }
  [[nodiscard]] std::size_t pending(Direction dir) const { return driver_.pending_bytes(dir); }
  [[nodiscard]] bool stopped(Direction dir) const { return driver_.stopped(dir); }

  CaptureSink sink;

 private:
  MqttParserFactory factory_;
  std::unique_ptr<StreamParser> parser_;
  StreamDriver driver_;
};

// ---------------------------------------------------------------------------------------------
// Real packets.

// Zeek testing/btest/Traces/mqtt.pcap (shared/data/pcap/zeek/traces/mqtt.pcap), tcp.stream 0:
// MQTT 3.1 (MQIsdp) from the Paho blocking client.
const Bytes8 zeek_connect = hex(
    "10 25 0006 4d5149736470 03 02 0005"  // CONNECT "MQIsdp" level 3, flags: clean, keep alive 5
    "0017 7061686f2f333441414535344137354438333935363645");  // client "paho/34AAE54A75D839566E"
const Bytes8 zeek_connack = hex("20 02 00 00");              // CONNACK accepted
const Bytes8 zeek_subscribe =
    hex("82 10 0001 000b 53616d706c65546f706963 00");  // SUBSCRIBE id 1 "SampleTopic" QoS 0
const Bytes8 zeek_suback = hex("90 03 0001 00");       // SUBACK id 1 granted QoS 0
const Bytes8 zeek_retained_publish =
    hex("31 30 000b 53616d706c65546f706963"  // PUBLISH retain QoS 0 "SampleTopic"
        "48656c6c6f2066726f6d20746865205061686f20626c6f636b696e6720636c69656e74");
//   "Hello from the Paho blocking client"
const Bytes8 pingreq = hex("c0 00");   // PINGREQ
const Bytes8 pingresp = hex("d0 00");  // PINGRESP
const Bytes8 zeek_publish =
    hex("30 17 000b 53616d706c65546f706963 48656c6c6f204d515454");  // PUBLISH "SampleTopic" "Hello
                                                                    // MQTT"
// tcp.stream 1: the client pipelines PUBLISH and DISCONNECT before the CONNACK.
const Bytes8 zeek_connect2 =
    hex("10 25 0006 4d5149736470 03 02 0005"
        "0017 7061686f2f444445344444414634313038443345333633");  // client "paho/DDE4DDAF4108D3E363"
const Bytes8 empty_disconnect = hex("e0 00");                    // DISCONNECT

// suricata-verify mqtt311-pub-qos1/input.pcap (and friends): MQTT 3.1.1 CONNECT with user and
// password.
const Bytes8 connect311 = hex(
    "10 2b 0004 4d515454 04 c2 003c"  // CONNECT "MQTT" level 4, flags: user, password, clean; 60 s
    "0013 6d79766f69636569736d7970617373706f7274"  // client "myvoiceismypassport"
    "0004 75736572"                                // user "user"
    "0004 70617373");                              // password "pass"
// suricata-verify mqtt31-pub-qos1/input.pcap: the same as MQTT 3.1.
const Bytes8 connect31 =
    hex("10 2d 0006 4d5149736470 03 c2 003c"  // CONNECT "MQIsdp" level 3, user, password, clean
        "0013 6d79766f69636569736d7970617373706f7274 0004 75736572 0004 70617373");
const Bytes8 connack_accepted = hex("20 02 00 00");

// suricata-verify mqtt5-pub-qos1/input.pcap: MQTT 5.0 CONNECT and CONNACK.
const Bytes8 connect5 =
    hex("10 2f 0004 4d515454 05 c2 003c"  // CONNECT "MQTT" level 5, user, password, clean; 60 s
        "03 21 0014"                      // properties: receive_maximum 20
        "0013 6d79766f69636569736d7970617373706f7274 0004 75736572 0004 70617373");
const Bytes8 connack5 = hex("20 06 00 00 03 22 000a");  // CONNACK success, topic_alias_maximum 10

// suricata-verify mqtt5-pub-mosquittoprops/input.pcap: mosquitto_pub with every property it can
// set, a will with properties, QoS 1, and a DISCONNECT with properties.
const Bytes8 mosquitto_connect =
    hex("10 cc01 0004 4d515454 05 c6 003c"  // CONNECT v5, flags: user, password, will QoS 0, clean
        "3c"                                // 60 bytes of properties:
        "27 00002b67"                       //   maximum_packet_size 11111
        "21 00de"                           //   receive_maximum 222
        "11 0000022b"                       //   session_expiry_interval 555
        "22 029a"                           //   topic_alias_maximum 666
        "26 0009 7573657270726f7031 0008 7573657276616c31"  // user_property userprop1=userval1
        "26 0009 7573657270726f7032 0008 7573657276616c32"  // user_property userprop2=userval2
        "0013 6d79766f69636569736d7970617373706f7274"       // client "myvoiceismypassport"
        "4b"                                                // 75 bytes of will properties:
        "03 000a 6d7977696c6c74797065"                      //   content_type "mywilltype"
        "09 0007 31323334353637"                            //   correlation_data "1234567"
        "02 00000085"                                       //   message_expiry_interval 133
        "01 90"                                             //   payload_format_indicator 144
        "08 000f 726573706f6e73655f746f70696331"            //   response_topic "response_topic1"
        "26 0009 7573657270726f7035 0008 7573657276616c35"  //   user_property userprop5=userval5
        "18 000000c8"                                       //   will_delay_interval 200
        "0009 77696c6c746f706963"                           // will topic "willtopic"
        "000b 77696c6c6d657373616765"                       // will payload "willmessage"
        "0004 75736572 0004 70617373");                     // user "user", password "pass"
const Bytes8 mosquitto_publish =
    hex("32 5e 0006 746f70696358 0001"                      // PUBLISH QoS 1 "topicX" id 1
        "43"                                                // 67 bytes of properties:
        "03 0006 6d7974797065"                              //   content_type "mytype"
        "09 0005 3132333435"                                //   correlation_data "12345"
        "02 0000004d"                                       //   message_expiry_interval 77
        "01 58"                                             //   payload_format_indicator 88
        "08 000f 726573706f6e73655f746f70696331"            // response_topic "response_topic1"
        "23 0005"                                           //   topic_alias 5
        "26 0009 7573657270726f7033 0008 7573657276616c33"  // user_property userprop3=userval3
        "626161626161626c61636b7368656570");                // payload "baabaablacksheep"
const Bytes8 mosquitto_puback =
    hex("40 03 0001 10");  // PUBACK id 1, reason 0x10 no matching subscribers
const Bytes8 mosquitto_disconnect =
    hex("e0 1d 00 1b"  // DISCONNECT reason 0, 27 bytes of properties:
        "11 0000007a"  //   session_expiry_interval 122
        "26 0009 7573657270726f7034 0008 7573657276616c34");  // user_property userprop4=userval4

// ---------------------------------------------------------------------------------------------
// A realistic MQTT 5.0 session of an infusion pump talking to its server (synthetic).

struct Mqtt5Session {
  Bytes8 connect = pdu(0x10, Bytes()
                                 .str("MQTT")
                                 .u8(5)     // level 5
                                 .u8(0xC2)  // user, password, clean start
                                 .u16(30)   // keep alive 30 s
                                 .props(Bytes()
                                            .p32(0x11, 120)  // session_expiry_interval
                                            .p16(0x21, 20)   // receive_maximum
                                            .ppair(0x26, "site", "icu-3"))  // user_property
                                 .str("pump-0042")                          // client id
                                 .str("pumpsrv")                            // user name
                                 .str("S3cr3t!pw"));                        // password
  Bytes8 connack =
      pdu(0x20, Bytes().u8(0).u8(0).props(Bytes().p16(0x22, 10)));  // topic_alias_maximum
  Bytes8 subscribe = pdu(0x82, Bytes()
                                   .u16(1)
                                   .props(Bytes().pvar(0x0B, 7))  // subscription_identifier
                                   .str("ward/pumps/+/cmd")
                                   .u8(0x01)  // QoS 1
                                   .str("ward/pumps/+/cfg")
                                   .u8(0x06));  // QoS 2, no local
  Bytes8 suback = pdu(0x90, Bytes().u16(1).props().u8(0x01).u8(0x02));
  Bytes8 publish1 = pdu(0x32, Bytes()
                                  .str("ward/pumps/42/status")
                                  .u16(2)
                                  .props(Bytes()
                                             .p8(0x01, 1)  // payload_format_indicator
                                             .pstr(0x03, "application/json")  // content_type
                                             .p16(0x23, 3))                   // topic_alias
                                  .raw(R"({"rate_ml_h":12.5})"));
  Bytes8 puback = pdu(0x40, Bytes().u16(2));  // reason and properties omitted
  Bytes8 publish2 = pdu(0x34, Bytes()
                                  .str("")  // topic from alias 3
                                  .u16(3)
                                  .props(Bytes()
                                             .p16(0x23, 3)    // topic_alias
                                             .p32(0x02, 60))  // message_expiry_interval
                                  .raw(R"({"alarm":"occlusion"})"));
  Bytes8 pubrec = pdu(0x50, Bytes().u16(3).u8(0x00));
  Bytes8 pubrel = pdu(0x62, Bytes().u16(3).u8(0x00).props());
  Bytes8 pubcomp = pdu(0x70, Bytes().u16(3));
  Bytes8 server_publish =
      pdu(0x30, Bytes().str("ward/pumps/42/cmd").props(Bytes().pvar(0x0B, 7)).raw("stop"));
  Bytes8 disconnect = pdu(0xE0, Bytes().u8(0x00).props(Bytes().p32(0x11, 0)));

  [[nodiscard]] std::vector<Chunk> chunks() const {
    return {to_server(connect),   to_client(connack),
            to_server(subscribe), to_client(suback),
            to_server(publish1),  to_client(puback),
            to_server(publish2),  to_client(pubrec),
            to_server(pubrel),    to_client(cat({pubcomp, server_publish})),
            to_server(disconnect)};
  }
};

// ---------------------------------------------------------------------------------------------
// Probe

TEST(MqttProbe, SaysYesForConnectsOfEveryVersion) {
  EXPECT_EQ(probe(Direction::kToServer, connect311), Probe::kYes);
  EXPECT_EQ(probe(Direction::kToServer, connect31), Probe::kYes);
  EXPECT_EQ(probe(Direction::kToServer, connect5), Probe::kYes);
  EXPECT_EQ(probe(Direction::kToServer, mosquitto_connect), Probe::kYes);
}

TEST(MqttProbe, SaysMaybeForEveryProperPrefixOfAConnect) {
  // "10 2b 00 04 M Q T T" then the level at offset 8.
  for (std::size_t n = 0; n < 9; ++n) {
    EXPECT_EQ(probe(Direction::kToServer, ByteView(connect311).first(n)), Probe::kMaybe) << n;
  }
  // A multi-byte remaining length cut in its middle.
  EXPECT_EQ(probe(Direction::kToServer, hex("10 cc")), Probe::kMaybe);
}

TEST(MqttProbe, SaysNoForOtherProtocolsAndOtherPackets) {
  EXPECT_EQ(probe(Direction::kToServer, as_bytes("GET / HTTP/1.1\r\n")), Probe::kNo);
  EXPECT_EQ(probe(Direction::kToServer, hex("16 03 01 02 00 01")), Probe::kNo);  // TLS ClientHello
  EXPECT_EQ(probe(Direction::kToClient, connack_accepted), Probe::kNo);
  EXPECT_EQ(probe(Direction::kToServer, zeek_subscribe), Probe::kNo);
  EXPECT_EQ(probe(Direction::kToServer, hex("10 ff ff ff ff 00")), Probe::kNo);  // 5-byte length
  EXPECT_EQ(probe(Direction::kToServer, hex("10 0c 0004 4d515458 04 02 003c 0000")),
            Probe::kNo);  // "MQTX"
  EXPECT_EQ(probe(Direction::kToServer, hex("10 0c 0004 4d515454 06 02 003c 0000")),
            Probe::kNo);  // level 6
  EXPECT_EQ(probe(Direction::kToServer, hex("10 0c 0005 4d51545454 04")),
            Probe::kNo);  // name length 5
  EXPECT_EQ(probe(Direction::kToServer, hex("10 04 0004 4d515454 04")),
            Probe::kNo);  // length too small
  EXPECT_EQ(probe(Direction::kToServer, hex("12 0c 0004 4d515454 04 02 003c 0000")),
            Probe::kNo);  // flags
}

TEST(MqttSpec, RegistersAsMqttOnPort1883WithALogWriter) {
  const ParserSpec& spec = parser_spec();
  EXPECT_EQ(spec.name, "mqtt");
  ASSERT_EQ(spec.tcp_ports.size(), 1u);
  EXPECT_EQ(spec.tcp_ports[0], 1883);
  EXPECT_EQ(spec.probe(Direction::kToServer, connect5), Probe::kYes);
  ASSERT_NE(spec.configure, nullptr);
  ASSERT_NE(spec.make_log, nullptr);
  const auto factory = spec.configure(LimitOverrides{});
  CaptureSink sink;
  EXPECT_NE(factory->make(sink), nullptr);
}

TEST(MqttLimits, OverridesAreReadFromEveryKeyAndClamped) {
  LimitOverrides o;
  o.set("mqtt.max_pdu_bytes", 1000);
  o.set("mqtt.max_pending_transactions", 3);
  o.set("mqtt.max_topics_per_subscribe", 5);
  o.set("mqtt.max_properties", 6);
  o.set("mqtt.payload_excerpt_bytes", 7);
  o.set("mqtt.max_string_bytes", 8);
  o.set("mqtt.max_topic_aliases", 9);
  const Limits l = limits_from(o);
  EXPECT_EQ(l.max_pdu_bytes, 1000u);
  EXPECT_EQ(l.max_pending_transactions, 3u);
  EXPECT_EQ(l.max_topics_per_subscribe, 5u);
  EXPECT_EQ(l.max_properties, 6u);
  EXPECT_EQ(l.payload_excerpt_bytes, 7u);
  EXPECT_EQ(l.max_string_bytes, 8u);
  EXPECT_EQ(l.max_topic_aliases, 9u);

  const Limits d = limits_from(LimitOverrides{});
  EXPECT_EQ(d.max_pdu_bytes, 256u * 1024);
  EXPECT_EQ(d.max_pending_transactions, 64u);
  EXPECT_EQ(d.max_topics_per_subscribe, 64u);
  EXPECT_EQ(d.max_properties, 64u);
  EXPECT_EQ(d.payload_excerpt_bytes, 128u);
  EXPECT_EQ(d.max_string_bytes, 4096u);

  LimitOverrides huge;
  huge.set("mqtt.max_pdu_bytes", std::uint64_t{1} << 40);
  huge.set("mqtt.max_pending_transactions", 0);
  EXPECT_EQ(limits_from(huge).max_pdu_bytes, StreamDriver::Limits{}.max_pending_bytes);
  EXPECT_EQ(limits_from(huge).max_pending_transactions, 1u);
}

// ---------------------------------------------------------------------------------------------
// Framing

TEST(MqttFraming, IncompletePduAsksForExactlyTheMissingBytes) {
  CaptureSink sink;
  auto parser = MqttParserFactory(Limits{}).make(sink);
  const Bytes8 head(connect311.begin(), connect311.begin() + 10);
  auto r = parser->on_data(Direction::kToServer, head);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->consumed, 0u);
  EXPECT_EQ(r->needed, connect311.size() - 10);

  auto whole = parser->on_data(Direction::kToServer, connect311);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->consumed, connect311.size());
  EXPECT_EQ(whole->needed, 0u);
}

TEST(MqttFraming, IncompleteFixedHeaderAsksForOneMoreByte) {
  CaptureSink sink;
  auto parser = MqttParserFactory(Limits{}).make(sink);
  auto r = parser->on_data(Direction::kToServer, hex("10"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->consumed, 0u);
  EXPECT_EQ(r->needed, 1u);
  r = parser->on_data(Direction::kToServer, hex("10 cc"));  // length continues
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->consumed, 0u);
  EXPECT_EQ(r->needed, 1u);
}

TEST(MqttFraming, SeveralPdusInOneSegmentAreAllDecoded) {
  Session s;
  s.c2s(cat({zeek_connect2, zeek_publish, empty_disconnect}));  // Zeek trace stream 1, frames 8-9
  EXPECT_THAT(s.sink.messages, ElementsAre(HasSubstr("msg connect v3"), HasSubstr("msg publish v3"),
                                           HasSubstr("msg disconnect v3")));
}

TEST(MqttFraming, ThreeByteRemainingLengthIsDecoded) {
  Session s;
  const std::string payload(20000, 'x');  // Remaining Length 20011: "ab 9c 01"
  const Bytes8 big = pdu(0x30, Bytes().str("big/topic").raw(payload));
  ASSERT_EQ(big[1], 0xab);
  ASSERT_EQ(big[2], 0x9c);
  ASSERT_EQ(big[3], 0x01);
  s.c2s(connect311).s2c(connack_accepted).c2s(big).end();
  ASSERT_EQ(s.sink.txs.size(), 2u);
  EXPECT_EQ(s.sink.txs[1].payload_len, 20000u);
  EXPECT_EQ(s.sink.txs[1].topic, "big/topic");
  EXPECT_THAT(s.sink.anomalies, IsEmpty());
}

TEST(MqttFraming, RemainingLengthWithAFifthByteStopsTheDirection) {
  Session s;
  s.c2s(connect311).c2s(hex("30 ff ff ff ff 01"));  // continuation bit set on the 4th byte
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.invalid_remaining_length"));
  EXPECT_TRUE(s.stopped(Direction::kToServer));
  s.s2c(connack_accepted);  // the other direction goes on
  EXPECT_THAT(s.sink.messages.back(), HasSubstr("msg connack"));
}

TEST(MqttFraming, TruncatedPduAtEndIsReportedNotBuffered) {
  Session s;
  s.c2s(connect311).s2c(connack_accepted);
  const Bytes8 publish = pdu(0x30, Bytes().str("a/b").raw("hello"));
  s.c2s(Bytes8(publish.begin(), publish.end() - 2));
  EXPECT_EQ(s.pending(Direction::kToServer), publish.size() - 2);
  s.end();
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.truncated_pdu"));
  EXPECT_THAT(s.sink.messages, Not(Contains(HasSubstr("msg publish"))));
}

// ---------------------------------------------------------------------------------------------
// Every packet type, per version

TEST(MqttVersions, EveryPacketTypeDecodesInMqtt31) {
  Session s;
  s.c2s(connect31)
      .s2c(connack_accepted)
      .c2s(pdu(0x30, Bytes().str("t").raw("p0")))         // PUBLISH QoS 0
      .c2s(pdu(0x32, Bytes().str("t").u16(1).raw("p1")))  // PUBLISH QoS 1 id 1
      .s2c(pdu(0x40, Bytes().u16(1)))                     // PUBACK 1
      .c2s(pdu(0x34, Bytes().str("t").u16(2).raw("p2")))  // PUBLISH QoS 2 id 2
      .s2c(pdu(0x50, Bytes().u16(2)))                     // PUBREC 2
      .c2s(pdu(0x62, Bytes().u16(2)))                     // PUBREL 2
      .s2c(pdu(0x70, Bytes().u16(2)))                     // PUBCOMP 2
      .c2s(pdu(0x82, Bytes().u16(3).str("a/#").u8(1)))    // SUBSCRIBE 3 "a/#" QoS 1
      .s2c(pdu(0x90, Bytes().u16(3).u8(1)))               // SUBACK 3 granted 1
      .c2s(pdu(0xA2, Bytes().u16(4).str("a/#")))          // UNSUBSCRIBE 4 "a/#"
      .s2c(pdu(0xB0, Bytes().u16(4)))                     // UNSUBACK 4
      .c2s(pingreq)
      .s2c(pingresp)
      .c2s(empty_disconnect)
      .end();
  EXPECT_THAT(
      s.sink.messages,
      ElementsAre(
          "msg connect v3 MQIsdp client=myvoiceismypassport keep=60 clean user=user password",
          "msg connack v3 rc=0", "msg publish v3 topic=t payload=p0",
          "msg publish v3 q1 id=1 topic=t payload=p1", "msg puback v3 id=1",
          "msg publish v3 q2 id=2 topic=t payload=p2", "msg pubrec v3 id=2",
          "msg pubrel v3 q1 id=2", "msg pubcomp v3 id=2",
          "msg subscribe v3 q1 id=3 topics=a/#/1/1,", "msg suback v3 id=3 codes=1,",
          "msg unsubscribe v3 q1 id=4 topics=a/#/0/0,", "msg unsuback v3 id=4", "msg pingreq v3",
          "msg pingresp v3", "msg disconnect v3"));
  EXPECT_THAT(s.sink.anomalies, IsEmpty());
  EXPECT_EQ(s.sink.confirmations, 1);
  EXPECT_EQ(s.sink.txs.size(), 6u);
}

TEST(MqttVersions, EveryPacketTypeDecodesInMqtt311) {
  Session s;
  s.c2s(connect311)
      .s2c(hex("20 02 01 00"))                     // CONNACK session present
      .c2s(pdu(0x39, Bytes().str("t").raw("p0")))  // PUBLISH dup retain QoS 0
      .c2s(pdu(0x32, Bytes().str("t").u16(1).raw("p1")))
      .s2c(pdu(0x40, Bytes().u16(1)))
      .c2s(pdu(0x34, Bytes().str("t").u16(2).raw("p2")))
      .s2c(pdu(0x50, Bytes().u16(2)))
      .c2s(pdu(0x62, Bytes().u16(2)))
      .s2c(pdu(0x70, Bytes().u16(2)))
      .c2s(pdu(0x82, Bytes().u16(3).str("a/#").u8(2).str("b").u8(0)))
      .s2c(pdu(0x90, Bytes().u16(3).u8(2).u8(0x80)))  // granted 2, failure
      .c2s(pdu(0xA2, Bytes().u16(4).str("a/#").str("b")))
      .s2c(pdu(0xB0, Bytes().u16(4)))
      .c2s(pingreq)
      .s2c(pingresp)
      .c2s(empty_disconnect)
      .end();
  EXPECT_THAT(
      s.sink.messages,
      ElementsAre(
          "msg connect v4 MQTT client=myvoiceismypassport keep=60 clean user=user password",
          "msg connack v4 rc=0 session_present", "msg publish v4 dup retain topic=t payload=p0",
          "msg publish v4 q1 id=1 topic=t payload=p1", "msg puback v4 id=1",
          "msg publish v4 q2 id=2 topic=t payload=p2", "msg pubrec v4 id=2",
          "msg pubrel v4 q1 id=2", "msg pubcomp v4 id=2",
          "msg subscribe v4 q1 id=3 topics=a/#/2/2,b/0/0,", "msg suback v4 id=3 codes=2,128,",
          "msg unsubscribe v4 q1 id=4 topics=a/#/0/0,b/0/0,", "msg unsuback v4 id=4",
          "msg pingreq v4", "msg pingresp v4", "msg disconnect v4"));
  EXPECT_THAT(s.sink.anomalies, IsEmpty());
  // suricata-verify's client logs in as user / pass: "pass" is a common password (checked while
  // the CONNECT is parsed; the password itself is in no event).
  ASSERT_FALSE(s.sink.txs.empty());
  EXPECT_EQ(s.sink.txs[0].credentials.weakness, auth::Weakness::kWeak);
  EXPECT_EQ(s.sink.txs[0].credentials.detail, "a common password");
}

TEST(MqttVersions, EveryPacketTypeDecodesInMqtt5) {
  Session s;
  s.c2s(connect5)
      .s2c(connack5)
      .c2s(pdu(0x30, Bytes().str("t").props().raw("p0")))
      .c2s(pdu(0x32, Bytes().str("t").u16(1).props().raw("p1")))
      .s2c(pdu(0x40,
               Bytes().u16(1).u8(0x10).props(Bytes().u8(0x1F).str("nobody"))))  // reason_string
      .c2s(pdu(0x34, Bytes().str("t").u16(2).props().raw("p2")))
      .s2c(pdu(0x50, Bytes().u16(2).u8(0)))
      .c2s(pdu(0x62, Bytes().u16(2)))
      .s2c(pdu(0x70, Bytes().u16(2).u8(0).props()))
      .c2s(pdu(0x82, Bytes().u16(3).props().str("a/#").u8(0x2D)))  // QoS 1, RAP, retain handling 2
      .s2c(pdu(0x90, Bytes().u16(3).props().u8(1)))
      .c2s(pdu(0xA2, Bytes().u16(4).props().str("a/#")))
      .s2c(pdu(0xB0, Bytes().u16(4).props().u8(0x11)))  // no subscription existed
      .c2s(pdu(0xF0, Bytes().u8(0x19).props(Bytes().u8(0x15).str("SCRAM-SHA-1"))))  // AUTH re-auth
      .s2c(pdu(0xF0))  // AUTH success, rl 0
      .c2s(pingreq)
      .s2c(pingresp)
      .s2c(pdu(0xE0, Bytes().u8(0x8B)))  // server DISCONNECT: server shutting down
      .c2s(empty_disconnect)
      .end();
  EXPECT_THAT(
      s.sink.messages,
      ElementsAre("msg connect v5 MQTT client=myvoiceismypassport keep=60 clean user=user password "
                  "props{receive_maximum=20}",
                  "msg connack v5 rc=0 props{topic_alias_maximum=10}",
                  "msg publish v5 topic=t payload=p0", "msg publish v5 q1 id=1 topic=t payload=p1",
                  "msg puback v5 id=1 rc=16 props{reason_string=nobody}",
                  "msg publish v5 q2 id=2 topic=t payload=p2", "msg pubrec v5 id=2 rc=0",
                  "msg pubrel v5 q1 id=2 rc=0", "msg pubcomp v5 id=2 rc=0",
                  "msg subscribe v5 q1 id=3 topics=a/#/1/45,", "msg suback v5 id=3 codes=1,",
                  "msg unsubscribe v5 q1 id=4 topics=a/#/0/0,", "msg unsuback v5 id=4 codes=17,",
                  "msg auth v5 rc=25 props{authentication_method=SCRAM-SHA-1}", "msg auth v5 rc=0",
                  "msg pingreq v5", "msg pingresp v5", "msg disconnect v5 rc=139",
                  "msg disconnect v5 rc=0"));
  EXPECT_THAT(s.sink.anomalies, IsEmpty());
}

TEST(MqttVersions, Mqtt5ReasonCodeAndPropertiesMayBeOmitted) {
  Session s;
  s.c2s(connect5).s2c(connack5);
  s.s2c(pdu(0x40, Bytes().u16(9)));           // PUBACK rl 2: success
  s.s2c(pdu(0x40, Bytes().u16(9).u8(0x80)));  // PUBACK rl 3: reason, no properties
  s.c2s(pdu(0xE0, Bytes().u8(0x04)));         // DISCONNECT rl 1: with will message
  EXPECT_THAT(s.sink.messages, Contains("msg puback v5 id=9 rc=0"));
  EXPECT_THAT(s.sink.messages, Contains("msg puback v5 id=9 rc=128"));
  EXPECT_THAT(s.sink.messages, Contains("msg disconnect v5 rc=4"));
}

TEST(MqttVersions, Mqtt5ConnackWithoutPropertiesFromAnOlderServerIsAccepted) {
  Session s;
  s.c2s(connect5).s2c(hex("20 02 00 01")).end();  // a 3.1.1 server refusing level 5
  EXPECT_THAT(s.sink.messages, Contains("msg connack v5 rc=1"));
  ASSERT_EQ(s.sink.txs.size(), 1u);
  EXPECT_EQ(s.sink.txs[0].connect_status, "unknown-return-code-1");
  EXPECT_THAT(s.sink.anomalies, IsEmpty());
}

// ---------------------------------------------------------------------------------------------
// CONNECT details: will messages, properties, passwords

TEST(MqttConnect, WillMessageIsDecodedWithTopicPayloadQosAndRetain) {
  Session s;
  s.c2s(pdu(0x10, Bytes()
                      .str("MQTT")
                      .u8(4)
                      .u8(0x36)  // will retain, will QoS 2, will flag, clean session
                      .u16(10)
                      .str("monitor-7")
                      .str("ward/monitor-7/state")  // will topic
                      .str("offline")))             // will payload
      .s2c(connack_accepted);
  EXPECT_THAT(s.sink.messages, Contains("msg connect v4 MQTT client=monitor-7 keep=10 clean "
                                        "will=q2r:ward/monitor-7/state:offline"));
  ASSERT_EQ(s.sink.txs.size(), 1u);
  EXPECT_EQ(s.sink.txs[0].will_topic, "ward/monitor-7/state");
  EXPECT_EQ(s.sink.txs[0].will_payload, "offline");
}

TEST(MqttConnect, Mqtt5WillPropertiesAreKeptApartFromConnectProperties) {
  Session s;
  s.c2s(mosquitto_connect).s2c(connack5);
  ASSERT_EQ(s.sink.messages.size(), 2u);
  EXPECT_EQ(
      s.sink.messages[0],
      "msg connect v5 MQTT client=myvoiceismypassport keep=60 clean user=user password "
      "will=q0:willtopic:willmessage "
      "props{maximum_packet_size=11111;receive_maximum=222;session_expiry_interval=555;"
      "topic_alias_maximum=666;user_property=userprop1:userval1;user_property=userprop2:userval2} "
      "willprops{content_type=mywilltype;correlation_data=b'1234567';message_expiry_interval=133;"
      "payload_format_indicator=144;response_topic=response_topic1;"
      "user_property=userprop5:userval5;will_delay_interval=200}");
  ASSERT_EQ(s.sink.txs.size(), 1u);
  const MqttTransaction& tx = s.sink.txs[0];
  EXPECT_EQ(tx.connect_status, "Success");
  EXPECT_THAT(tx.properties,
              Contains(std::pair<std::string, std::string>("user_property:userprop1", "userval1")));
  EXPECT_THAT(tx.will_properties,
              Contains(std::pair<std::string, std::string>("will_delay_interval", "200")));
  EXPECT_THAT(tx.ack_properties,
              ElementsAre(std::pair<std::string, std::string>("topic_alias_maximum", "10")));
}

TEST(MqttConnect, PasswordIsNeverPutIntoEvents) {
  Session s;
  const Mqtt5Session m;
  s.c2s(m.connect).s2c(m.connack).end();
  for (const std::string& e : s.sink.events) EXPECT_THAT(e, Not(HasSubstr("S3cr3t")));
  ASSERT_EQ(s.sink.txs.size(), 1u);
  EXPECT_TRUE(s.sink.txs[0].has_password);
  EXPECT_EQ(s.sink.txs[0].username, "pumpsrv");
}

TEST(MqttConnect, RefusedConnackGivesZeeksStatusText) {
  constexpr std::array<std::string_view, 7> kWant = {"Connection Accepted",
                                                     "Refused: unacceptable protocol version",
                                                     "Refused: identifier rejected",
                                                     "Refused: server unavailable",
                                                     "Refused: bad user name or password",
                                                     "Refused: not authorized",
                                                     "unknown-return-code-6"};
  for (std::uint8_t code = 0; code <= 6; ++code) {
    Session s;
    s.c2s(connect311).s2c(pdu(0x20, Bytes().u8(0).u8(code)));
    ASSERT_EQ(s.sink.txs.size(), 1u);
    EXPECT_EQ(s.sink.txs[0].connect_status, kWant[code]);
    EXPECT_EQ(s.sink.txs[0].connack_code, code);
  }
}

TEST(MqttConnect, Mqtt5ConnackReasonGivesTheSpecName) {
  // suricata-verify mqtt5-sub-customauth/input.pcap: enhanced authentication refused.
  Session s;
  s.c2s(hex("10 30 0004 4d515454 05 02 003c"                 // CONNECT v5, clean start, 60 s
            "10 15 0003 666f6f"                              // authentication_method "foo"
            "16 0004 31323334"                               // authentication_data "1234"
            "21 0014"                                        // receive_maximum 20
            "0013 6d79766f69636569736d7970617373706f7274"))  // client "myvoiceismypassport"
      .s2c(hex("20 03 00 8c 00"));  // CONNACK reason 0x8c bad authentication method
  ASSERT_EQ(s.sink.txs.size(), 1u);
  EXPECT_EQ(s.sink.txs[0].connect_status, "Bad authentication method");
  EXPECT_THAT(
      s.sink.messages[0],
      HasSubstr(
          "props{authentication_method=foo;authentication_data=<4 bytes>;receive_maximum=20}"));
}

TEST(MqttConnect, AuthenticationDataIsNeverExposed) {
  Session s;
  s.c2s(pdu(0x10, Bytes()
                      .str("MQTT")
                      .u8(5)
                      .u8(0x02)
                      .u16(60)
                      .props(Bytes().u8(0x15).str("PLAIN").u8(0x16).str(
                          std::string("\0nurse\0hunter2", 14)))
                      .str("c1")))
      .s2c(connack5)
      .end();
  for (const std::string& e : s.sink.events) EXPECT_THAT(e, Not(HasSubstr("hunter2")));
  ASSERT_EQ(s.sink.txs.size(), 1u);
  EXPECT_THAT(s.sink.txs[0].properties, Contains(std::pair<std::string, std::string>(
                                            "authentication_data", "14 bytes (redacted)")));
}

// ---------------------------------------------------------------------------------------------
// MQTT 5 properties

TEST(MqttProperties, EveryPropertyTypeIsDecoded) {
  // All 27 properties of MQTT 5.0 §2.2.2.2 (more than any one packet may carry: the parser does
  // not check which packet a property belongs to).
  const Bytes all = Bytes()
                        .p8(0x01, 1)                  // payload_format_indicator: byte
                        .p32(0x02, 3600)              // message_expiry_interval: four-byte
                        .pstr(0x03, "text/plain")     // content_type: string
                        .pstr(0x08, "reply/here")     // response_topic
                        .pstr(0x09, "\x01\x02")       // correlation_data: binary
                        .pvar(0x0B, 268435455)        // subscription_identifier: varint, 4 bytes
                        .p32(0x11, 0xFFFFFFFF)        // session_expiry_interval
                        .pstr(0x12, "auto-1")         // assigned_client_identifier
                        .p16(0x13, 120)               // server_keep_alive: two-byte
                        .pstr(0x15, "SCRAM")          // authentication_method
                        .pstr(0x16, "secret")         // authentication_data (redacted)
                        .p8(0x17, 0)                  // request_problem_information
                        .p32(0x18, 30)                // will_delay_interval
                        .p8(0x19, 1)                  // request_response_information
                        .pstr(0x1A, "resp/info")      // response_information
                        .pstr(0x1C, "other.example")  // server_reference
                        .pstr(0x1F, "because")        // reason_string
                        .p16(0x21, 65535)             // receive_maximum
                        .p16(0x22, 7)                 // topic_alias_maximum
                        .p16(0x23, 4)                 // topic_alias
                        .p8(0x24, 1)                  // maximum_qos
                        .p8(0x25, 0)                  // retain_available
                        .ppair(0x26, "k", "v")        // user_property: string pair
                        .p32(0x27, 1048576)           // maximum_packet_size
                        .p8(0x28, 1)                  // wildcard_subscription_available
                        .p8(0x29, 0)                  // subscription_identifier_available
                        .p8(0x2A, 1);                 // shared_subscription_available
  Session s;
  s.c2s(connect5).s2c(connack5).c2s(pdu(0x30, Bytes().str("t").props(all).raw("x")));
  ASSERT_EQ(s.sink.messages.size(), 3u);
  EXPECT_EQ(s.sink.messages[2],
            "msg publish v5 topic=t payload=x props{payload_format_indicator=1;"
            "message_expiry_interval=3600;content_type=text/plain;response_topic=reply/here;"
            "correlation_data=b'\\x01\\x02';subscription_identifier=268435455;"
            "session_expiry_interval=4294967295;assigned_client_identifier=auto-1;"
            "server_keep_alive=120;authentication_method=SCRAM;authentication_data=<6 bytes>;"
            "request_problem_information=0;will_delay_interval=30;request_response_information=1;"
            "response_information=resp/info;server_reference=other.example;reason_string=because;"
            "receive_maximum=65535;topic_alias_maximum=7;topic_alias=4;maximum_qos=1;"
            "retain_available=0;user_property=k:v;maximum_packet_size=1048576;"
            "wildcard_subscription_available=1;subscription_identifier_available=0;"
            "shared_subscription_available=1}");
  EXPECT_THAT(s.sink.anomalies, IsEmpty());
  for (std::string_view name :
       {"payload_format_indicator", "subscription_identifier", "topic_alias"})
    EXPECT_EQ(property_kind(name), Property::Kind::kInteger) << name;
  EXPECT_EQ(property_kind("content_type"), Property::Kind::kString);
  EXPECT_EQ(property_kind("correlation_data"), Property::Kind::kBinary);
  EXPECT_EQ(property_kind("user_property"), Property::Kind::kStringPair);
  EXPECT_EQ(property_kind("userprop1"), std::nullopt);
}

TEST(MqttProperties, MosquittoPublishPropertiesMatchSuricatasExpectations) {
  // suricata-verify mqtt5-pub-mosquittoprops: the values its test.yaml checks.
  Session s;
  s.c2s(mosquitto_connect)
      .s2c(connack5)
      .c2s(mosquitto_publish)
      .s2c(mosquitto_puback)
      .c2s(mosquitto_disconnect)
      .end();
  EXPECT_THAT(
      s.sink.messages,
      Contains("msg publish v5 q1 id=1 topic=topicX payload=baabaablacksheep "
               "props{content_type=mytype;correlation_data=b'12345';message_expiry_interval=77;"
               "payload_format_indicator=88;response_topic=response_topic1;topic_alias=5;"
               "user_property=userprop3:userval3}"));
  EXPECT_THAT(s.sink.messages, Contains("msg puback v5 id=1 rc=16"));
  EXPECT_THAT(s.sink.messages,
              Contains("msg disconnect v5 rc=0 "
                       "props{session_expiry_interval=122;user_property=userprop4:userval4}"));
  ASSERT_EQ(s.sink.txs.size(), 2u);
  EXPECT_EQ(s.sink.txs[1].status, "no_matching_subscribers");
  EXPECT_THAT(s.sink.anomalies, IsEmpty());
}

TEST(MqttProperties, TopicAliasIsResolvedForLaterPublishes) {
  Session s;
  s.c2s(connect5).s2c(connack5);
  s.c2s(pdu(0x30, Bytes().str("ward/pumps/1/rate").props(Bytes().u8(0x23).u16(2)).raw("10")));
  s.c2s(pdu(0x30, Bytes().str("").props(Bytes().u8(0x23).u16(2)).raw("11")));
  s.c2s(
      pdu(0x30,
          Bytes().str("ward/pumps/1/vtbi").props(Bytes().u8(0x23).u16(2)).raw("50")));  // redefined
  s.c2s(pdu(0x30, Bytes().str("").props(Bytes().u8(0x23).u16(2)).raw("49")));
  s.s2c(pdu(0x30,
            Bytes().str("").props(Bytes().u8(0x23).u16(2)).raw("?")));  // other direction: unknown
  ASSERT_EQ(s.sink.txs.size(), 6u);
  EXPECT_EQ(s.sink.txs[2].topic, "ward/pumps/1/rate");
  EXPECT_EQ(s.sink.txs[4].topic, "ward/pumps/1/vtbi");
  EXPECT_EQ(s.sink.txs[5].topic, "");
  EXPECT_THAT(s.sink.messages[3], HasSubstr("topic=ward/pumps/1/rate payload=11"));
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.unknown_topic_alias"));
}

// ---------------------------------------------------------------------------------------------
// Transactions

TEST(MqttTransactions, Qos0PublishIsATransactionAtOnce) {
  Session s;
  s.c2s(connect311).s2c(connack_accepted).c2s(zeek_publish);
  ASSERT_EQ(s.sink.txs.size(), 2u);
  EXPECT_EQ(s.sink.events.back(),
            "tx publish > v4 q0 topic=SampleTopic payload=Hello MQTT len=10 status=ok");
}

TEST(MqttTransactions, Qos1PublishCompletesOnPuback) {
  // suricata-verify mqtt311-pub-qos1/input.pcap
  Session s;
  s.c2s(connect311).s2c(connack_accepted);
  s.c2s(hex("32 1a 0006 746f70696358 0001 626161626161626c61636b7368656570"));  // PUBLISH q1
                                                                                // "topicX" id 1
  EXPECT_EQ(s.sink.txs.size(), 1u);
  s.s2c(hex("40 02 0001"));  // PUBACK 1
  ASSERT_EQ(s.sink.txs.size(), 2u);
  EXPECT_EQ(s.sink.events.back(),
            "tx publish > v4 id=1 q1 topic=topicX payload=baabaablacksheep len=16 status=ok");
  s.c2s(empty_disconnect).end();
  EXPECT_EQ(s.sink.txs.size(), 2u);
  EXPECT_THAT(s.sink.anomalies, IsEmpty());
}

TEST(MqttTransactions, Qos2PublishCompletesOnPubcompAfterPubrecAndPubrel) {
  // suricata-verify mqtt311-pub-qos2/input.pcap
  Session s;
  s.c2s(connect311).s2c(connack_accepted);
  s.c2s(hex("34 1a 0006 746f70696358 0001 626161626161626c61636b7368656570"));  // PUBLISH q2 id 1
  s.s2c(hex("50 02 0001"));                                                     // PUBREC
  s.c2s(hex("62 02 0001"));                                                     // PUBREL
  EXPECT_EQ(s.sink.txs.size(), 1u);
  s.s2c(hex("70 02 0001"));  // PUBCOMP
  ASSERT_EQ(s.sink.txs.size(), 2u);
  EXPECT_EQ(s.sink.txs[1].status, "ok");
  EXPECT_EQ(s.sink.txs[1].qos, 2);
  EXPECT_THAT(s.sink.anomalies, IsEmpty());
}

TEST(MqttTransactions, Mqtt5PubackReasonNamesTheStatus) {
  Session s;
  s.c2s(connect5).s2c(connack5);
  s.c2s(pdu(0x32, Bytes().str("t").u16(5).props().raw("x")));
  s.s2c(pdu(0x40, Bytes().u16(5).u8(0x87).props(Bytes().u8(0x1F).str("acl"))));  // not authorized
  s.c2s(pdu(0x32, Bytes().str("t").u16(6).props().raw("x")));
  s.s2c(pdu(0x40, Bytes().u16(6).u8(0xFE)));  // a code the spec does not define
  ASSERT_EQ(s.sink.txs.size(), 3u);
  EXPECT_EQ(s.sink.txs[1].status, "not_authorized");
  EXPECT_THAT(s.sink.txs[1].ack_properties,
              ElementsAre(std::pair<std::string, std::string>("reason_string", "acl")));
  EXPECT_EQ(s.sink.txs[2].status, "reason_0xfe");
}

TEST(MqttTransactions, Mqtt5PubrecFailureEndsTheQos2Exchange) {
  Session s;
  s.c2s(connect5).s2c(connack5);
  s.c2s(pdu(0x34, Bytes().str("t").u16(5).props().raw("x")));
  s.s2c(pdu(0x50, Bytes().u16(5).u8(0x97)));  // PUBREC quota exceeded
  ASSERT_EQ(s.sink.txs.size(), 2u);
  EXPECT_EQ(s.sink.txs[1].status, "quota_exceeded");
  s.end();
  EXPECT_EQ(s.sink.txs.size(), 2u);
}

TEST(MqttTransactions, ServerPublishIsAcknowledgedByTheClient) {
  Session s;
  s.c2s(connect311).s2c(connack_accepted);
  s.s2c(pdu(0x32, Bytes().str("cmd").u16(1).raw("stop")));  // server -> client QoS 1
  s.c2s(pdu(0x40, Bytes().u16(1)));
  ASSERT_EQ(s.sink.txs.size(), 2u);
  EXPECT_EQ(s.sink.txs[1].dir, Direction::kToClient);
  EXPECT_EQ(s.sink.txs[1].status, "ok");
}

TEST(MqttTransactions, PublishPipelinedBeforeTheConnackStillPairsWithItsAck) {
  // Clients may send before the CONNACK (3.1.1 §3.1.4); Zeek's trace stream 1 does, at QoS 0.
  Session s;
  s.c2s(cat({zeek_connect2, pdu(0x32, Bytes().str("SampleTopic").u16(1).raw("Hello MQTT"))}));
  s.s2c(zeek_connack);
  s.s2c(pdu(0x40, Bytes().u16(1)));
  ASSERT_EQ(s.sink.txs.size(), 2u);
  EXPECT_EQ(s.sink.txs[0].connect_status, "Connection Accepted");
  EXPECT_EQ(s.sink.txs[1].status, "ok");
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.unintroduced_message"));
}

TEST(MqttTransactions, PacketIdentifiersOfTheTwoDirectionsDoNotMix) {
  Session s;
  s.c2s(connect311).s2c(connack_accepted);
  s.c2s(pdu(0x32, Bytes().str("up").u16(7).raw("a")));    // client publishes id 7
  s.s2c(pdu(0x32, Bytes().str("down").u16(7).raw("b")));  // server publishes id 7
  s.c2s(pdu(0x40, Bytes().u16(7)));                       // client acks the server's
  ASSERT_EQ(s.sink.txs.size(), 2u);
  EXPECT_EQ(s.sink.txs[1].topic, "down");
  s.s2c(pdu(0x40, Bytes().u16(7)));  // server acks the client's
  ASSERT_EQ(s.sink.txs.size(), 3u);
  EXPECT_EQ(s.sink.txs[2].topic, "up");
}

TEST(MqttTransactions, IncompletePublishesAreFlushedAtEndWithTheirQos) {
  Session s;
  s.c2s(connect311).s2c(connack_accepted);
  s.c2s(pdu(0x32, Bytes().str("t").u16(1).raw("x")));  // QoS 1, never acked
  s.c2s(pdu(0x34, Bytes().str("t").u16(2).raw("y")));  // QoS 2, PUBREC only
  s.s2c(pdu(0x50, Bytes().u16(2)));
  s.end();
  ASSERT_EQ(s.sink.txs.size(), 3u);
  EXPECT_EQ(s.sink.txs[1].status, "incomplete_qos1");
  EXPECT_EQ(s.sink.txs[2].status, "incomplete_qos2");
}

TEST(MqttTransactions, SubscribeAndUnsubscribeCompleteOnTheirAcks) {
  // suricata-verify mqtt311-unsub-qos1/input.pcap
  Session s;
  s.c2s(connect311).s2c(connack_accepted);
  s.c2s(hex("82 0b 0001 0006 746f70696358 01"));  // SUBSCRIBE id 1 "topicX" QoS 1
  s.s2c(hex("90 03 0001 01"));                    // SUBACK granted 1
  s.c2s(
      hex("a2 0a 0002 0006 746f70696358"     // UNSUBSCRIBE id 2 "topicX"
          "a2 0a 0003 0006 746f70696359"));  // UNSUBSCRIBE id 3 "topicY"
  s.s2c(hex("b0 02 0002"));                  // UNSUBACK 2
  s.s2c(hex("b0 02 0003"));                  // UNSUBACK 3
  s.end();
  ASSERT_EQ(s.sink.txs.size(), 4u);
  EXPECT_EQ(describe_transaction(s.sink.txs[1]),
            "tx subscribe > v4 id=1 topics=topicX, qos=1, granted=1, ack=1");
  EXPECT_EQ(describe_transaction(s.sink.txs[2]),
            "tx unsubscribe > v4 id=2 topics=topicX, qos= granted= ack=1");
  EXPECT_EQ(describe_transaction(s.sink.txs[3]),
            "tx unsubscribe > v4 id=3 topics=topicY, qos= granted= ack=1");
  EXPECT_THAT(s.sink.anomalies, IsEmpty());
}

TEST(MqttTransactions, SubscribeWithoutSubackIsUnacknowledgedAtEnd) {
  Session s;
  s.c2s(connect311).s2c(connack_accepted).c2s(zeek_subscribe).end();
  ASSERT_EQ(s.sink.txs.size(), 2u);
  EXPECT_EQ(s.sink.txs[1].kind, MqttTransaction::Kind::kSubscribe);
  EXPECT_FALSE(s.sink.txs[1].ack);
}

TEST(MqttTransactions, ConnectWithoutConnackIsFlushedAtEnd) {
  Session s;
  s.c2s(connect311).end();
  ASSERT_EQ(s.sink.txs.size(), 1u);
  EXPECT_EQ(s.sink.txs[0].connect_status, "");
  EXPECT_FALSE(s.sink.txs[0].connack_code.has_value());
}

TEST(MqttTransactions, EndOfOneDirectionFlushesOnlyRequestsAwaitingIt) {
  Session s;
  s.c2s(connect311).s2c(connack_accepted);
  s.c2s(pdu(0x32, Bytes().str("up").u16(1).raw("a")));    // waits for the server
  s.s2c(pdu(0x32, Bytes().str("down").u16(1).raw("b")));  // waits for the client
  CaptureSink& k = s.sink;
  ASSERT_EQ(k.txs.size(), 1u);
  s.end();  // to-server ends first: the server's PUBLISH can no longer be acked
  ASSERT_EQ(k.txs.size(), 3u);
  EXPECT_EQ(k.txs[1].topic, "down");  // the to-server end came first
  EXPECT_EQ(k.txs[2].topic, "up");
}

TEST(MqttTransactions, TransactionsAreStampedWithThePacketTimeOfTheRequest) {
  Session s;
  s.sink.now = 100 * kNsPerSec;
  s.c2s(connect311);
  s.sink.now = 101 * kNsPerSec;
  s.s2c(connack_accepted);
  s.sink.now = 200 * kNsPerSec;
  s.c2s(pdu(0x32, Bytes().str("t").u16(1).raw("x")));
  s.sink.now = 205 * kNsPerSec;
  s.s2c(pdu(0x40, Bytes().u16(1)));
  ASSERT_EQ(s.sink.txs.size(), 2u);
  EXPECT_EQ(s.sink.txs[0].start_ts, 100 * kNsPerSec);
  EXPECT_EQ(s.sink.txs[1].start_ts, 200 * kNsPerSec);
}

TEST(MqttTransactions, CopiesAreBoundedByTheLimits) {
  Limits limits;
  limits.payload_excerpt_bytes = 4;
  limits.max_string_bytes = 5;
  Session s(limits);
  s.c2s(pdu(0x10, Bytes()
                      .str("MQTT")
                      .u8(5)
                      .u8(0xC6)
                      .u16(1)
                      .props(Bytes().u8(0x26).str("longkey").str("longvalue"))
                      .str("client-long")
                      .props()
                      .str("will/topic")
                      .str("will-payload")
                      .str("username")
                      .str("pw")))
      .s2c(connack5)
      .c2s(pdu(0x30, Bytes().str("topic/long").props().raw("payload-long")));
  ASSERT_EQ(s.sink.txs.size(), 2u);
  EXPECT_EQ(s.sink.txs[0].client_id, "clien");
  EXPECT_EQ(s.sink.txs[0].username, "usern");
  EXPECT_EQ(s.sink.txs[0].will_topic, "will/");
  EXPECT_EQ(s.sink.txs[0].will_payload, "will");
  EXPECT_THAT(s.sink.txs[0].properties,
              ElementsAre(std::pair<std::string, std::string>("user_property:longk", "longv")));
  EXPECT_EQ(s.sink.txs[1].topic, "topic");
  EXPECT_EQ(s.sink.txs[1].payload, "payl");
  EXPECT_EQ(s.sink.txs[1].payload_len, 12u);
  EXPECT_THAT(s.sink.messages[2], HasSubstr("payload=payload-long"));  // events see everything
}

// ---------------------------------------------------------------------------------------------
// Midstream pickup

TEST(MqttMidstream, PickupAssumesMqtt311AndReportsMissingConnectOnce) {
  // suricata-verify mqtt-events-missing-connect/input.pcap, tcp.stream 2 (no CONNECT captured).
  Session s;
  s.s2c(hex("20 02 00 00"));  // CONNACK
  s.c2s(hex(
      "82 16 0001 0011 686f7573652f62756c62732f62756c6231 01"));  // SUBSCRIBE house/bulbs/bulb1 q1
  s.s2c(hex("90 03 0001 01"));                                    // SUBACK
  s.c2s(hex("34 18 0011 686f7573652f62756c62732f62756c6231 0003 4f4646"));  // PUBLISH q2 id 3 "OFF"
  s.s2c(hex("50 02 0003"));                                                 // PUBREC
  s.c2s(hex("62 02 0003"));                                                 // PUBREL
  s.s2c(hex("70 02 0003"));                                                 // PUBCOMP
  s.end();
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.missing_connect"));
  EXPECT_EQ(s.sink.confirmations, 1);
  EXPECT_THAT(s.sink.messages,
              Contains("msg publish v0 q2 id=3 topic=house/bulbs/bulb1 payload=OFF"));
  ASSERT_EQ(s.sink.txs.size(), 3u);
  // The CONNACK alone still gives a connect record: its CONNECT was before the capture.
  EXPECT_EQ(s.sink.txs[0].kind, MqttTransaction::Kind::kConnect);
  EXPECT_EQ(s.sink.txs[0].connect_status, "Connection Accepted");
  EXPECT_TRUE(s.sink.txs[0].proto_name.empty());
  EXPECT_EQ(s.sink.txs[1].kind, MqttTransaction::Kind::kSubscribe);
  EXPECT_EQ(s.sink.txs[2].status, "ok");
}

TEST(MqttMidstream, SwitchesToMqtt5WhenThatIsTheOnlyReadingThatParses) {
  // suricata-verify mqtt-midstream-split/mqtt-midstream-split.pcap: the capture starts with a
  // 5.0 CONNACK split after its first byte; the JPEG payload of the PUBLISH is shortened here.
  Session t;
  t.s2c(hex("20"));  // CONNACK, first segment
  t.s2c(
      hex("32 00 00 2f"  // second segment: success, 47 bytes of properties:
          "22 000a"      //   topic_alias_maximum 10
          "12 0029 "
          "6175746f2d31423433453830302d303845332d334241312d324539372d453941304234303634424635"));
  //                        assigned_client_identifier "auto-1B43E800-08E3-3BA1-2E97-E9A0B4064BF5"
  t.c2s(
      hex("30 0e 0006 746f70696358 00 ffd8ffe000"));  // PUBLISH "topicX", no properties, JPEG start
  t.c2s(empty_disconnect);
  EXPECT_THAT(t.sink.messages,
              ElementsAre("msg connack v0 rc=0 props{topic_alias_maximum=10;"
                          "assigned_client_identifier=auto-1B43E800-08E3-3BA1-2E97-E9A0B4064BF5}",
                          "msg publish v0 topic=topicX payload=\\xff\\xd8\\xff\\xe0\\x00",
                          "msg disconnect v0 rc=0"));
  EXPECT_THAT(t.sink.anomalies, ElementsAre("mqtt.missing_connect"));
}

TEST(MqttMidstream, AuthPacketMeansMqtt5) {
  Session s;
  s.c2s(pdu(0xF0, Bytes().u8(0x18).props(Bytes().u8(0x15).str("SCRAM-SHA-256"))));  // AUTH continue
  s.c2s(pdu(0x30, Bytes().str("t").props().raw("x")));  // read as 5.0 from now on
  EXPECT_THAT(s.sink.messages,
              ElementsAre("msg auth v0 rc=24 props{authentication_method=SCRAM-SHA-256}",
                          "msg publish v0 topic=t payload=x"));
}

TEST(MqttMidstream, NonMqttBytesStopTheDirectionWithoutAFloodOfAnomalies) {
  Session s;
  s.c2s(text_bytes(
      "GET /index.html HTTP/1.1\r\nHost: pump.example\r\nUser-Agent: curl/7.88\r\n\r\n"));
  s.s2c(hex("17 03 03 00 20") /* TLS application data header */);
  EXPECT_EQ(s.sink.confirmations, 0);
  EXPECT_LE(s.sink.anomalies.size(), 2u);
  EXPECT_TRUE(s.stopped(Direction::kToServer));
  EXPECT_TRUE(s.stopped(Direction::kToClient));
  EXPECT_THAT(s.sink.messages, IsEmpty());
}

// ---------------------------------------------------------------------------------------------
// Anomalies: one test per id

TEST(MqttAnomalies, MissingConnectForAConnackAnsweringNoConnect) {
  Session s;
  s.c2s(connect311).s2c(connack_accepted).s2c(connack_accepted);
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.missing_connect"));
}

TEST(MqttAnomalies, MissingPublishForAnAckOfAnUnknownPacketIdentifier) {
  Session s;
  s.c2s(connect311).s2c(connack_accepted);
  s.s2c(pdu(0x40, Bytes().u16(99)));  // PUBACK
  s.s2c(pdu(0x50, Bytes().u16(98)));  // PUBREC
  s.c2s(pdu(0x62, Bytes().u16(97)));  // PUBREL
  s.s2c(pdu(0x70, Bytes().u16(96)));  // PUBCOMP
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.missing_publish", "mqtt.missing_publish",
                                            "mqtt.missing_publish", "mqtt.missing_publish"));
}

TEST(MqttAnomalies, MissingSubscribeForAnUnexpectedSuback) {
  Session s;
  s.c2s(connect311).s2c(connack_accepted).s2c(zeek_suback);
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.missing_subscribe"));
}

TEST(MqttAnomalies, MissingUnsubscribeForAnUnexpectedUnsuback) {
  Session s;
  s.c2s(connect311).s2c(connack_accepted).s2c(hex("b0 02 0003"));
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.missing_unsubscribe"));
}

TEST(MqttAnomalies, DoubleConnectFlushesTheFirstConnect) {
  Session s;
  s.c2s(connect311).c2s(connect5).s2c(connack5);
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.double_connect"));
  ASSERT_EQ(s.sink.txs.size(), 2u);
  EXPECT_EQ(s.sink.txs[0].protocol_version, 4);
  EXPECT_EQ(s.sink.txs[0].connect_status, "");
  EXPECT_EQ(s.sink.txs[1].protocol_version, 5);
  EXPECT_EQ(s.sink.txs[1].connect_status, "Success");
  s.c2s(connect311);  // after an accepted CONNACK too
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.double_connect", "mqtt.double_connect"));
}

TEST(MqttAnomalies, UnintroducedMessageBeforeTheConnackIsReportedOnce) {
  // suricata-verify mqtt-events-unintroduced/input.pcap: CONNECT, then PUBLISH, no CONNACK.
  Session s;
  s.c2s(
      hex("10 2d 0006 4d5149736470 03 c2 003c 0013 6d79766f69636569736d7970617373706f7274"
          "0004 75736572 0004 70617373"));
  s.c2s(hex("30 18 0006 746f70696358 626161626161626c61636b7368656570"));  // PUBLISH "topicX"
  s.c2s(pingreq);
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.unintroduced_message"));
}

TEST(MqttAnomalies, InvalidQosLevelForAQos3Publish) {
  // suricata-verify mqtt-events-invalid-qos/input.pcap: "36" = PUBLISH with QoS 3.
  Session s;
  s.c2s(connect311).s2c(connack_accepted);
  s.c2s(hex("36 1a 0006 746f70696358 0001 626161626161626c61636b7368656570"));
  s.c2s(empty_disconnect).end();
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.invalid_qos_level"));
  EXPECT_THAT(s.sink.messages,
              Contains("msg publish v4 q3 id=1 topic=topicX payload=baabaablacksheep"));
  EXPECT_EQ(s.sink.txs.size(), 1u);  // the connect only: QoS 3 starts no exchange
}

TEST(MqttAnomalies, MissingMsgIdForPacketIdentifierZero) {
  Session s;
  s.c2s(connect311).s2c(connack_accepted);
  s.c2s(pdu(0x32, Bytes().str("t").u16(0).raw("x")));
  s.c2s(pdu(0x82, Bytes().u16(0).str("t").u8(0)));
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.missing_msg_id", "mqtt.missing_msg_id"));
}

TEST(MqttAnomalies, UnassignedMsgTypeIsSkipped) {
  // suricata-verify mqtt-events-unassigned-msgtype/input.pcap: type 0 after the handshake.
  Session s;
  s.c2s(connect311).s2c(connack_accepted);
  s.c2s(hex("00 18 0006 746f70696358 626161626161626c61636b7368656570"));
  s.c2s(empty_disconnect);
  s.c2s(pdu(0xF0));  // AUTH is type 15 only in 5.0
  s.c2s(pingreq);
  EXPECT_THAT(s.sink.anomalies,
              ElementsAre("mqtt.unassigned_msg_type", "mqtt.unassigned_msg_type"));
  EXPECT_THAT(s.sink.messages, ElementsAre(HasSubstr("connect"), HasSubstr("connack"),
                                           HasSubstr("disconnect"), HasSubstr("pingreq")));
}

TEST(MqttAnomalies, MalformedPduIsSkippedAndTheNextOneParses) {
  // suricata-verify mqtt5-excessiveproplen/input.pcap: a property length past the packet.
  Session s;
  s.c2s(connect5).s2c(connack5);
  s.c2s(
      hex("10 2f 0004 4d515454 05 c2 003c ff21 0014 0013"  // property length 4351
          "6d79766f69636569736d7970617373706f7274 0004 75736572 0004 70617373"));
  s.c2s(hex("30 19 0006 746f70696358 00 626161626161626c61636b7368656570"));
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.malformed"));
  EXPECT_THAT(s.sink.details, ElementsAre("mqtt.malformed: property length exceeds the packet"));
  EXPECT_EQ(s.sink.messages.back(), "msg publish v5 topic=topicX payload=baabaablacksheep");
}

TEST(MqttAnomalies, PduTooLargeIsSkipped) {
  Limits limits;
  limits.max_pdu_bytes = 64;
  Session s(limits);
  s.c2s(connect311).s2c(connack_accepted);
  s.c2s(cat({pdu(0x30, Bytes().str("t").raw(std::string(100, 'A'))), pingreq}));
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.pdu_too_large"));
  EXPECT_THAT(s.sink.details,
              ElementsAre("mqtt.pdu_too_large: publish of 105 bytes skipped (limit 64)"));
  EXPECT_EQ(s.sink.messages.back(), "msg pingreq v4");
}

TEST(MqttAnomalies, TooManyTransactionsEmitsTheOldestAsIncomplete) {
  Limits limits;
  limits.max_pending_transactions = 2;
  Session s(limits);
  s.c2s(connect311).s2c(connack_accepted);
  for (std::uint16_t id = 1; id <= 3; ++id) s.c2s(pdu(0x32, Bytes().str("t").u16(id).raw("x")));
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.too_many_transactions"));
  ASSERT_EQ(s.sink.txs.size(), 2u);
  EXPECT_EQ(s.sink.txs[1].packet_id, 1);
  EXPECT_EQ(s.sink.txs[1].status, "incomplete_qos1");
  s.s2c(pdu(0x40, Bytes().u16(3)));
  ASSERT_EQ(s.sink.txs.size(), 3u);
  EXPECT_EQ(s.sink.txs[2].status, "ok");
}

TEST(MqttAnomalies, InvalidRemainingLengthIsFatal) {
  Session s;
  s.c2s(hex("10 80 80 80 80 01"));
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.invalid_remaining_length"));
  EXPECT_TRUE(s.stopped(Direction::kToServer));
}

TEST(MqttAnomalies, TooManyPropertiesKeepsTheFirstOnes) {
  Limits limits;
  limits.max_properties = 2;
  Session s(limits);
  s.c2s(connect5).s2c(connack5);
  s.c2s(pdu(
      0x30,
      Bytes().str("t").props(Bytes().u8(0x01).u8(1).u8(0x02).u32(5).u8(0x03).str("c")).raw("x")));
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.too_many_properties"));
  EXPECT_EQ(s.sink.messages.back(),
            "msg publish v5 topic=t payload=x "
            "props{payload_format_indicator=1;message_expiry_interval=5}");
}

TEST(MqttAnomalies, TooManyTopicsKeepsTheFirstOnes) {
  Limits limits;
  limits.max_topics_per_subscribe = 2;
  Session s(limits);
  s.c2s(connect311).s2c(connack_accepted);
  s.c2s(pdu(0x82, Bytes().u16(1).str("a").u8(0).str("b").u8(1).str("c").u8(2)));
  s.s2c(pdu(0x90, Bytes().u16(1).u8(0).u8(1).u8(2)));
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.too_many_topics"));
  ASSERT_EQ(s.sink.txs.size(), 2u);
  EXPECT_THAT(s.sink.txs[1].topics, ElementsAre("a", "b"));
  EXPECT_THAT(s.sink.txs[1].granted, ElementsAre(0, 1));
  s.c2s(pdu(0xA2, Bytes().u16(2).str("a").str("b").str("c")));  // UNSUBSCRIBE
  s.s2c(pdu(0xB0, Bytes().u16(2)));
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.too_many_topics", "mqtt.too_many_topics"));
  ASSERT_EQ(s.sink.txs.size(), 3u);
  EXPECT_THAT(s.sink.txs[2].topics, ElementsAre("a", "b"));
}

TEST(MqttAnomalies, TooManyTopicAliasesIsReportedOnce) {
  Limits limits;
  limits.max_topic_aliases = 1;
  Session s(limits);
  s.c2s(connect5).s2c(connack5);
  for (std::uint16_t alias = 1; alias <= 3; ++alias)
    s.c2s(
        pdu(0x30,
            Bytes().str("t" + std::to_string(alias)).props(Bytes().u8(0x23).u16(alias)).raw("x")));
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.too_many_topic_aliases"));
}

TEST(MqttAnomalies, UnknownTopicAliasIsReportedOnceAndNotMidstream) {
  Session s;
  s.c2s(connect5).s2c(connack5);
  s.c2s(pdu(0x30, Bytes().str("").props(Bytes().u8(0x23).u16(9)).raw("x")));
  s.c2s(pdu(0x30, Bytes().str("t").props(Bytes().u8(0x23).u16(0)).raw("x")));  // alias 0 is invalid
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.unknown_topic_alias"));

  Session midstream;
  midstream.c2s(pdu(0x30, Bytes().str("").props(Bytes().u8(0x23).u16(9)).raw("x")));
  EXPECT_THAT(midstream.sink.anomalies, ElementsAre("mqtt.missing_connect"));
}

TEST(MqttAnomalies, GapInsideAPduIsSkippedAndParsingResumes) {
  Session s;
  s.c2s(connect311).s2c(connack_accepted);
  const Bytes8 publish = pdu(0x30, Bytes().str("t").raw(std::string(1000, 'p')));
  s.c2s(Bytes8(publish.begin(), publish.begin() + 100));  // the first 100 bytes arrive
  s.gap(Direction::kToServer, 500);                       // 500 are lost
  s.c2s(Bytes8(publish.begin() + 600, publish.end()));    // the rest arrives
  s.c2s(pingreq);
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.gap_resynced"));
  EXPECT_EQ(s.sink.messages.back(), "msg pingreq v4");
}

TEST(MqttAnomalies, GapBetweenPdusStopsTheDirection) {
  Session s;
  s.c2s(connect311).s2c(connack_accepted);
  s.gap(Direction::kToServer, 10);
  s.c2s(pingreq);
  s.s2c(pingresp);
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.gap_unrecoverable"));
  EXPECT_EQ(s.sink.messages.back(), "msg pingresp v4");
  EXPECT_THAT(s.sink.messages, Not(Contains("msg pingreq v4")));
}

TEST(MqttAnomalies, TruncatedPduWhenTheFlowEndsInsideIt) {
  Session s;
  s.c2s(connect311).s2c(hex("20 02 00")).end();
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.truncated_pdu"));
}

// ---------------------------------------------------------------------------------------------
// Oversized PDUs: Suricata's TRUNCATED skip mode

TEST(MqttOversize, OversizedPublishIsLoggedTruncatedSkippedWithoutBufferingAndTheNextPduParses) {
  Limits limits;
  limits.max_pdu_bytes = 1024;
  Session s(limits);
  s.c2s(connect311).s2c(connack_accepted);
  const Bytes8 big = pdu(0x32, Bytes().str("img").u16(7).raw(std::string(100000, 'J')));
  const Bytes8 after = pdu(0x30, Bytes().str("after").raw("ok"));
  const Bytes8 stream = cat({big, after});
  // Deliver in 1000-byte segments: nothing of the big PDU stays buffered.
  for (std::size_t off = 0; off < stream.size(); off += 1000) {
    const std::size_t n = std::min<std::size_t>(1000, stream.size() - off);
    s.c2s(Bytes8(stream.begin() + static_cast<std::ptrdiff_t>(off),
                 stream.begin() + static_cast<std::ptrdiff_t>(off + n)));
    EXPECT_LT(s.pending(Direction::kToServer), 16u) << off;
  }
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.pdu_too_large"));
  EXPECT_EQ(s.sink.messages.back(), "msg publish v4 topic=after payload=ok");
  // The skipped PUBLISH's topic and identifier were kept, so its acknowledgement pairs with it
  // (as in Suricata, which logs it with truncated: true).
  const std::size_t before = s.sink.txs.size();
  s.s2c(pdu(0x40, Bytes().u16(7)));
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.pdu_too_large"));
  ASSERT_EQ(s.sink.txs.size(), before + 1);
  const MqttTransaction& tx = s.sink.txs.back();
  EXPECT_TRUE(tx.truncated);
  EXPECT_EQ(tx.status, "truncated");
  EXPECT_EQ(tx.topic, "img");
  EXPECT_EQ(tx.packet_id, 7);
  EXPECT_EQ(tx.payload_len, 100000u);
  EXPECT_TRUE(tx.payload.empty());
  EXPECT_EQ(tx.ack_reason_code, 0);
}

TEST(MqttOversize, AnOversizedPublishWhoseTopicIsSplitWaitsOnlyForItsVariableHeader) {
  Limits limits;
  limits.max_pdu_bytes = 64;
  Session s(limits);
  s.c2s(connect311).s2c(connack_accepted);
  const Bytes8 big = pdu(0x30, Bytes().str("a/long/topic").raw(std::string(500, 'Z')));
  s.c2s(Bytes8(big.begin(), big.begin() + 6));  // fixed header (3 bytes) and part of the topic
  EXPECT_TRUE(s.sink.anomalies.empty());
  s.c2s(Bytes8(big.begin() + 6, big.end()));
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.pdu_too_large"));
  ASSERT_FALSE(s.sink.txs.empty());
  EXPECT_EQ(s.sink.txs.back().topic, "a/long/topic");
  EXPECT_EQ(s.sink.txs.back().payload_len, 500u);
  EXPECT_LT(s.pending(Direction::kToServer), 16u);
}

TEST(MqttOversize, FourByteRemainingLengthIsSkippedAtTheDefaultLimit) {
  Session s;
  s.c2s(connect311).s2c(connack_accepted);
  // Remaining Length 2097152 ("80 80 80 01"), larger than any allowed PDU limit.
  s.c2s(hex("30 80 80 80 01 0001 74"));  // topic "t", then 2097149 more bytes
  for (int i = 0; i < 63; ++i) s.c2s(Bytes8(32768, 0x55));
  s.c2s(Bytes8(2097152 - 3 - 63 * 32768, 0x55));
  s.c2s(pingreq);
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.pdu_too_large"));
  EXPECT_EQ(s.sink.messages.back(), "msg pingreq v4");
}

TEST(MqttOversize, GapInsideASkippedPduKeepsTheStreamInSync) {
  Limits limits;
  limits.max_pdu_bytes = 100;
  Session s(limits);
  s.c2s(connect311).s2c(connack_accepted);
  const Bytes8 big = pdu(0x30, Bytes().str("t").raw(std::string(1000, 'z')));
  s.c2s(Bytes8(big.begin(), big.begin() + 200));
  s.gap(Direction::kToServer, 300);
  s.c2s(cat({Bytes8(big.begin() + 500, big.end()), pingreq}));
  EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.pdu_too_large"));
  EXPECT_EQ(s.sink.messages.back(), "msg pingreq v4");
}

// ---------------------------------------------------------------------------------------------
// Every error path (google/leveldb db/log_test.cc style): each malformed body is reported with
// its reason, skipped, and the PINGREQ after it still parses.

struct ErrorCase {
  const char* name;
  int version;  // 3, 4 or 5: the CONNECT that precedes the bad PDU
  Bytes8 bad;
  const char* detail;
};

TEST(MqttErrors, EveryMalformedBodyIsReportedWithItsReasonAndSkipped) {
  const std::vector<ErrorCase> cases = {
      {"connect truncated protocol name", 4, pdu(0x10, Bytes().u16(4).raw("MQ")),
       "truncated protocol name"},
      {"connect truncated variable header", 4, pdu(0x10, Bytes().str("MQTT").u8(4).u8(2)),
       "truncated CONNECT variable header"},
      {"connect unknown protocol name", 4,
       pdu(0x10, Bytes().str("MQTX").u8(4).u8(2).u16(1).str("c")), "unknown protocol name"},
      {"connect level 6", 4, pdu(0x10, Bytes().str("MQTT").u8(6).u8(2).u16(1).str("c")),
       "unsupported protocol level"},
      {"connect reserved flag", 4, pdu(0x10, Bytes().str("MQTT").u8(4).u8(3).u16(1).str("c")),
       "reserved CONNECT flag set"},
      {"connect will QoS 3", 4, pdu(0x10, Bytes().str("MQTT").u8(4).u8(0x1E).u16(1).str("c")),
       "will QoS 3"},
      {"connect truncated client id", 4, pdu(0x10, Bytes().str("MQTT").u8(4).u8(2).u16(1).u16(9)),
       "truncated client identifier"},
      {"connect truncated will topic", 4,
       pdu(0x10, Bytes().str("MQTT").u8(4).u8(6).u16(1).str("c").u16(3)), "truncated will topic"},
      {"connect truncated will payload", 4,
       pdu(0x10, Bytes().str("MQTT").u8(4).u8(6).u16(1).str("c").str("w").u16(3)),
       "truncated will payload"},
      {"connect truncated user name", 4,
       pdu(0x10, Bytes().str("MQTT").u8(4).u8(0x82).u16(1).str("c")), "truncated user name"},
      {"connect truncated password", 4,
       pdu(0x10, Bytes().str("MQTT").u8(4).u8(0xC2).u16(1).str("c").str("u").u8(0)),
       "truncated password"},
      {"connect trailing bytes", 4,
       pdu(0x10, Bytes().str("MQTT").u8(4).u8(2).u16(1).str("c").u8(0)),
       "unexpected bytes after the packet"},
      {"connect bad property length", 5,
       pdu(0x10, Bytes().str("MQTT").u8(5).u8(2).u16(1).raw("\xff\xff\xff\xff")),
       "bad property length"},
      {"connect truncated will properties", 5,
       pdu(0x10, Bytes().str("MQTT").u8(5).u8(6).u16(1).props().str("c").u8(5)),
       "property length exceeds the packet"},
      {"connack truncated", 4, pdu(0x20, Bytes().u8(0)), "truncated CONNACK"},
      {"connack reserved flags", 4, pdu(0x20, Bytes().u8(2).u8(0)), "reserved CONNACK flags set"},
      {"connack 3.1.1 with extra bytes", 4, pdu(0x20, Bytes().u8(0).u8(0).u8(0)),
       "unexpected bytes after the packet"},
      {"publish truncated topic", 4, pdu(0x30, Bytes().u16(5).raw("ab")), "truncated topic name"},
      {"publish empty topic before 5.0", 4, pdu(0x30, Bytes().str("").raw("x")),
       "empty topic name"},
      {"publish truncated packet id", 4, pdu(0x32, Bytes().str("t").u8(1)),
       "truncated packet identifier"},
      {"publish truncated properties", 5, pdu(0x30, Bytes().str("t")), "bad property length"},
      {"puback truncated", 4, pdu(0x40, Bytes().u8(1)), "truncated packet identifier"},
      {"puback 3.1.1 with extra bytes", 4, pdu(0x40, Bytes().u16(1).u8(0)),
       "unexpected bytes after the packet"},
      {"pubrec 5.0 bad properties", 5, pdu(0x50, Bytes().u16(1).u8(0).u8(9)),
       "property length exceeds the packet"},
      {"subscribe truncated packet id", 4, pdu(0x82, Bytes().u8(0)), "truncated packet identifier"},
      {"subscribe truncated filter", 4, pdu(0x82, Bytes().u16(1).u16(4).raw("a")),
       "truncated topic filter"},
      {"subscribe truncated options", 4, pdu(0x82, Bytes().u16(1).str("a")),
       "truncated subscription options"},
      {"subscribe empty filter", 4, pdu(0x82, Bytes().u16(1).str("").u8(0)), "empty topic filter"},
      {"subscribe reserved bits 3.1.1", 4, pdu(0x82, Bytes().u16(1).str("a").u8(0x04)),
       "reserved subscription option bits set"},
      {"subscribe reserved bits 5.0", 5, pdu(0x82, Bytes().u16(1).props().str("a").u8(0x40)),
       "reserved subscription option bits set"},
      {"subscribe QoS 3", 4, pdu(0x82, Bytes().u16(1).str("a").u8(3)), "requested QoS 3"},
      {"subscribe retain handling 3", 5, pdu(0x82, Bytes().u16(1).props().str("a").u8(0x30)),
       "retain handling 3"},
      {"subscribe without topics", 4, pdu(0x82, Bytes().u16(1)), "SUBSCRIBE without topic filters"},
      {"suback truncated", 4, pdu(0x90, Bytes().u8(0)), "truncated packet identifier"},
      {"suback without codes", 4, pdu(0x90, Bytes().u16(1)), "SUBACK without return codes"},
      {"suback invalid code 3.1.1", 4, pdu(0x90, Bytes().u16(1).u8(3)),
       "invalid SUBACK return code"},
      {"suback invalid code 3.1", 3, pdu(0x90, Bytes().u16(1).u8(0x81)),
       "invalid SUBACK return code"},
      {"unsubscribe truncated packet id", 4, pdu(0xA2, Bytes()), "truncated packet identifier"},
      {"unsubscribe truncated filter", 4, pdu(0xA2, Bytes().u16(1).u16(3)),
       "truncated topic filter"},
      {"unsubscribe empty filter", 4, pdu(0xA2, Bytes().u16(1).str("")), "empty topic filter"},
      {"unsubscribe without topics", 4, pdu(0xA2, Bytes().u16(1)),
       "UNSUBSCRIBE without topic filters"},
      {"unsuback truncated", 4, pdu(0xB0, Bytes().u8(1)), "truncated packet identifier"},
      {"unsuback 3.1.1 with extra bytes", 4, pdu(0xB0, Bytes().u16(1).u8(0)),
       "unexpected bytes after the packet"},
      {"unsuback 5.0 truncated properties", 5, pdu(0xB0, Bytes().u16(1)), "bad property length"},
      {"pingreq with a body", 4, pdu(0xC0, Bytes().u8(0)), "unexpected bytes after the packet"},
      {"pingresp with a body", 5, pdu(0xD0, Bytes().u8(0)), "unexpected bytes after the packet"},
      {"disconnect 3.1.1 with a body", 4, pdu(0xE0, Bytes().u8(0)),
       "unexpected bytes after the packet"},
      {"disconnect 5.0 trailing bytes", 5, pdu(0xE0, Bytes().u8(0).props().u8(0)),
       "unexpected bytes after the packet"},
      {"auth bad properties", 5, pdu(0xF0, Bytes().u8(0x18).u8(2).u8(0x15).u8(0)),
       "truncated property value"},
      {"property identifier too long", 5,
       pdu(0x30, Bytes().str("t").props(Bytes().raw("\x80\x80\x80\x80"))),
       "bad property identifier"},
      {"unknown property identifier", 5, pdu(0x30, Bytes().str("t").props(Bytes().u8(0x04).u8(0))),
       "unknown property identifier"},
      {"truncated byte property", 5, pdu(0x30, Bytes().str("t").props(Bytes().u8(0x01))),
       "truncated property value"},
      {"truncated two-byte property", 5, pdu(0x30, Bytes().str("t").props(Bytes().u8(0x21).u8(0))),
       "truncated property value"},
      {"truncated four-byte property", 5,
       pdu(0x30, Bytes().str("t").props(Bytes().u8(0x02).u16(0))), "truncated property value"},
      {"truncated varint property", 5, pdu(0x30, Bytes().str("t").props(Bytes().u8(0x0B).u8(0x80))),
       "truncated property value"},
      {"truncated string property", 5, pdu(0x30, Bytes().str("t").props(Bytes().u8(0x03).u16(5))),
       "truncated property value"},
      {"truncated binary property", 5, pdu(0x30, Bytes().str("t").props(Bytes().u8(0x09).u16(5))),
       "truncated property value"},
      {"truncated string pair property", 5,
       pdu(0x30, Bytes().str("t").props(Bytes().u8(0x26).str("k"))), "truncated property value"},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.name);
    Session s;
    s.c2s(c.version == 5   ? connect5
          : c.version == 3 ? connect31
                           : connect311)
        .s2c(c.version == 5 ? connack5 : connack_accepted);
    s.c2s(cat({c.bad, pingreq}));
    EXPECT_THAT(s.sink.details, ElementsAre(std::string("mqtt.malformed: ") + c.detail));
    EXPECT_EQ(s.sink.messages.back(), "msg pingreq v" + std::to_string(c.version));
    EXPECT_FALSE(s.stopped(Direction::kToServer));
  }
}

TEST(MqttErrors, FatalAndUnconfirmedErrorsStopTheDirection) {
  {  // Remaining Length longer than four bytes.
    Session s;
    s.c2s(connect311).s2c(connack_accepted).c2s(hex("c0 ff ff ff ff 7f"));
    EXPECT_TRUE(s.stopped(Direction::kToServer));
    EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.invalid_remaining_length"));
  }
  {  // A malformed first PDU: most likely not MQTT at all.
    Session s;
    s.c2s(pdu(0x10, Bytes().str("HTTP").u8(1).u8(0).u16(0).str("")));
    EXPECT_TRUE(s.stopped(Direction::kToServer));
    EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.malformed"));
  }
  {  // An unassigned type before any clean PDU.
    Session s;
    s.c2s(hex("00 00"));
    EXPECT_TRUE(s.stopped(Direction::kToServer));
    EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.unassigned_msg_type"));
  }
  {  // A first AUTH that does not parse as 5.0 either: type 15 of 3.1.1.
    Session s;
    s.c2s(hex("f0 02 18 05"));  // reason 0x18, property length 5 past the end
    EXPECT_TRUE(s.stopped(Direction::kToServer));
    EXPECT_THAT(s.sink.anomalies, ElementsAre("mqtt.unassigned_msg_type"));
  }
}

// ---------------------------------------------------------------------------------------------
// Every split offset

// The shared helper, with the packets as the stable output (see describe_packets).
TEST(MqttSplits, EverySplitOfAnMqtt5SessionGivesTheSamePackets) {
  const MqttParserFactory factory(Limits{});
  parsers::testing::expect_same_events_for_every_split(factory, describe_packets,
                                                       Mqtt5Session().chunks());
}

TEST(MqttSplits, EverySplitOfAnMqtt31SessionGivesTheSamePackets) {
  // Zeek trace mqtt.pcap, tcp.stream 0, in capture order.
  const std::vector<Chunk> chunks = {
      to_server(zeek_connect), to_client(zeek_connack),          to_server(zeek_subscribe),
      to_client(zeek_suback),  to_client(zeek_retained_publish), to_server(pingreq),
      to_client(pingresp),     to_client(zeek_publish),          to_server(pingreq),
      to_client(pingresp)};
  const MqttParserFactory factory(Limits{});
  parsers::testing::expect_same_events_for_every_split(factory, describe_packets, chunks);
}

// Every offset (without reordering the directions): packets, transactions and anomalies.
void expect_same_everything_for_every_split(const Limits& limits,
                                            const std::vector<Chunk>& chunks) {
  const MqttParserFactory factory(limits);
  const auto want = parsers::testing::run_chunks(factory, describe_all, chunks);
  ASSERT_FALSE(want.events.empty());
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    for (std::size_t k = 1; k < chunks[i].bytes.size(); ++k) {
      std::vector<Chunk> pieces(chunks.begin(), chunks.begin() + static_cast<std::ptrdiff_t>(i));
      const auto& b = chunks[i].bytes;
      pieces.push_back(
          {chunks[i].dir, Bytes8(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(k))});
      pieces.push_back(
          {chunks[i].dir, Bytes8(b.begin() + static_cast<std::ptrdiff_t>(k), b.end())});
      pieces.insert(pieces.end(), chunks.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                    chunks.end());
      const auto got = parsers::testing::run_pieces(factory, describe_all, pieces);
      ASSERT_EQ(got.events, want.events) << "chunk " << i << " split at " << k;
      ASSERT_EQ(got.anomalies, want.anomalies) << "chunk " << i << " split at " << k;
    }
  }
}

TEST(MqttSplits, EverySplitOfAnMqtt5SessionGivesTheSameTransactionsAndAnomalies) {
  const Mqtt5Session m;
  expect_same_everything_for_every_split(Limits{}, m.chunks());
  const auto run =
      parsers::testing::run_chunks(MqttParserFactory(Limits{}), describe_all, m.chunks());
  EXPECT_THAT(run.anomalies, IsEmpty());
  EXPECT_THAT(
      run.events,
      Contains(
          "tx publish > v5 id=3 q2 topic=ward/pumps/42/status payload={\"alarm\":\"occlusion\"} "
          "len=21 status=ok props{topic_alias=3;message_expiry_interval=60}"));
  EXPECT_THAT(run.events,
              Contains(HasSubstr("tx subscribe > v5 id=1 topics=ward/pumps/+/cmd,ward/pumps/+/cfg, "
                                 "qos=1,2, granted=1,2, ack=1")));
}

TEST(MqttSplits, EverySplitOfASessionWithOversizedAndMalformedPdusGivesTheSameEverything) {
  Limits limits;
  limits.max_pdu_bytes = 50;
  const std::vector<Chunk> chunks = {
      to_server(connect311), to_client(connack_accepted),
      to_server(cat({pdu(0x30, Bytes().str("big").raw(std::string(60, 'b'))),  // skipped
                     pdu(0x40, Bytes().u16(1).u8(0)),                          // malformed
                     pdu(0x32, Bytes().str("ok").u16(2).raw("fine"))})),
      to_client(pdu(0x40, Bytes().u16(2))), to_server(empty_disconnect)};
  expect_same_everything_for_every_split(limits, chunks);
  const auto run = parsers::testing::run_chunks(MqttParserFactory(limits), describe_all, chunks);
  EXPECT_THAT(run.anomalies, ElementsAre("mqtt.pdu_too_large", "mqtt.malformed"));
}

TEST(MqttSplits, EverySplitOfTheMosquittoSessionGivesTheSameEverything) {
  expect_same_everything_for_every_split(
      Limits{}, {to_server(mosquitto_connect), to_client(connack5), to_server(mosquitto_publish),
                 to_client(mosquitto_puback), to_server(mosquitto_disconnect)});
}

// ---------------------------------------------------------------------------------------------
// The `mqtt` log

class MemoryLog : public bus::LogSink {
 public:
  void write(std::string_view log_name, std::string_view json_line) override {
    EXPECT_EQ(log_name, "mqtt");
    EXPECT_EQ(json_line.find('\n'), std::string_view::npos);
    lines.emplace_back(json_line);
  }
  std::vector<std::string> lines;
};

bus::EventContext test_context() {
  bus::EventContext ctx;
  ctx.ts = 1'700'000'999 * kNsPerSec;
  ctx.uid = "CHhAvVGS1DHFjwGM9";
  ctx.orig_h = IpAddr::v4(0x0a000104);  // 10.0.1.4
  ctx.resp_h = IpAddr::v4(0xc6291ef1);  // 198.41.30.241
  ctx.orig_p = 49327;
  ctx.resp_p = 1883;
  ctx.proto = bus::Transport::kTcp;
  return ctx;
}

std::vector<nlohmann::json> log_of(const std::vector<MqttTransaction>& txs,
                                   const LogOptions& options = {}) {
  MemoryLog log;
  auto writer = make_mqtt_log(log, options);
  const bus::EventContext ctx = test_context();
  for (const MqttTransaction& tx : txs) writer->on_event(ctx, tx);
  std::vector<nlohmann::json> out;
  for (const std::string& line : log.lines) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST(MqttLog, ZeekTraceGivesTheRecordsOfZeeksBaseline) {
  // zeek/baselines/scripts.base.protocols.mqtt.mqtt/mqtt_{connect,publish,subscribe}.log, stream 0.
  Session s;
  s.sink.now = 1'461'170'588 * kNsPerSec;
  s.c2s(zeek_connect)
      .s2c(zeek_connack)
      .c2s(zeek_subscribe)
      .s2c(zeek_suback)
      .s2c(zeek_retained_publish);
  s.c2s(pingreq).s2c(pingresp).s2c(zeek_publish).end();
  const auto records = log_of(s.sink.txs);
  ASSERT_EQ(records.size(), 4u);
  const nlohmann::json& c = records[0];
  EXPECT_EQ(c["msg_type"], "connect");
  EXPECT_EQ(c["ts"], 1461170588.0);
  EXPECT_EQ(c["uid"], "CHhAvVGS1DHFjwGM9");
  EXPECT_EQ(c["id.orig_h"], "10.0.1.4");
  EXPECT_EQ(c["id.resp_p"], 1883);
  EXPECT_EQ(c["proto_name"], "MQIsdp");
  EXPECT_EQ(c["proto_version"], "3.1");
  EXPECT_EQ(c["client_id"], "paho/34AAE54A75D839566E");
  EXPECT_EQ(c["connect_status"], "Connection Accepted");
  EXPECT_FALSE(c.contains("will_topic"));
  EXPECT_FALSE(c.contains("will_payload"));
  EXPECT_EQ(c["keep_alive"], 5);
  EXPECT_EQ(c["clean_session"], true);

  const nlohmann::json& sub = records[1];
  EXPECT_EQ(sub["msg_type"], "subscribe");
  EXPECT_EQ(sub["action"], "subscribe");
  EXPECT_EQ(sub["topics"], nlohmann::json::array({"SampleTopic"}));
  EXPECT_EQ(sub["qos_levels"], nlohmann::json::array({0}));
  EXPECT_EQ(sub["granted_qos_levels"], nlohmann::json::array({0}));
  EXPECT_EQ(sub["ack"], true);

  const nlohmann::json& p1 = records[2];
  EXPECT_EQ(p1["msg_type"], "publish");
  EXPECT_EQ(p1["from_client"], false);
  EXPECT_EQ(p1["retain"], true);
  EXPECT_EQ(p1["qos"], "at most once");
  EXPECT_EQ(p1["status"], "ok");
  EXPECT_EQ(p1["topic"], "SampleTopic");
  EXPECT_EQ(p1["payload"], "Hello from the Paho blocking client");
  EXPECT_EQ(p1["payload_len"], 35);
  EXPECT_FALSE(p1.contains("packet_id"));
  EXPECT_EQ(records[3]["payload"], "Hello MQTT");
  EXPECT_EQ(records[3]["retain"], false);
}

TEST(MqttLog, ConnectRecordHasEveryFieldAndNeverThePassword) {
  Session s;
  s.c2s(mosquitto_connect).s2c(connack5).c2s(mosquitto_publish).s2c(mosquitto_puback);
  const Mqtt5Session m;
  s.c2s(m.connect).s2c(m.connack).end();
  MemoryLog raw;
  auto writer = make_mqtt_log(raw, LogOptions{});
  for (const MqttTransaction& tx : s.sink.txs) writer->on_event(test_context(), tx);
  for (const std::string& line : raw.lines) {
    EXPECT_THAT(line, Not(HasSubstr("\"pass\"")));
    EXPECT_THAT(line, Not(HasSubstr("S3cr3t")));
  }
  const auto records = log_of(s.sink.txs);
  ASSERT_EQ(records.size(), 3u);
  const nlohmann::json& c = records[0];
  EXPECT_EQ(c["proto_name"], "MQTT");
  EXPECT_EQ(c["proto_version"], "5.0");
  EXPECT_EQ(c["client_id"], "myvoiceismypassport");
  EXPECT_EQ(c["connect_status"], "Success");
  EXPECT_EQ(c["will_topic"], "willtopic");
  EXPECT_EQ(c["will_payload"], "willmessage");
  EXPECT_EQ(c["username"], "user");
  EXPECT_EQ(c["password_present"], true);
  EXPECT_EQ(c["clean_session"], true);
  EXPECT_EQ(c["keep_alive"], 60);
  EXPECT_EQ(c["session_present"], false);
  EXPECT_EQ(c["properties"]["maximum_packet_size"], 11111);
  EXPECT_EQ(c["properties"]["receive_maximum"], 222);
  EXPECT_EQ(
      c["properties"]["user_property"],
      nlohmann::json::parse(
          R"([{"key":"userprop1","value":"userval1"},{"key":"userprop2","value":"userval2"}])"));
  EXPECT_EQ(c["will_properties"]["content_type"], "mywilltype");
  EXPECT_EQ(c["will_properties"]["correlation_data"], "1234567");
  EXPECT_EQ(c["will_properties"]["payload_format_indicator"], 144);
  EXPECT_EQ(c["connack_properties"]["topic_alias_maximum"], 10);
  for (const auto& r : records) EXPECT_FALSE(r.contains("password"));

  const nlohmann::json& p = records[1];
  EXPECT_EQ(p["qos"], "at least once");
  EXPECT_EQ(p["status"], "no_matching_subscribers");
  EXPECT_EQ(p["packet_id"], 1);
  EXPECT_EQ(p["properties"]["topic_alias"], 5);
  EXPECT_EQ(p["properties"]["response_topic"], "response_topic1");
}

TEST(MqttLog, PayloadExcerptIsBoundedByTheLogOptions) {
  Session s;
  s.c2s(connect311).s2c(connack_accepted).c2s(zeek_retained_publish);
  LogOptions options;
  options.payload_excerpt_bytes = 5;
  const auto records = log_of(s.sink.txs, options);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1]["payload"], "Hello");
  EXPECT_EQ(records[1]["payload_len"], 35);
  options.payload_excerpt_bytes = 0;
  EXPECT_FALSE(log_of(s.sink.txs, options)[1].contains("payload"));
}

TEST(MqttLog, Qos2PublishFromTheServerIsExactlyOnceAndNotFromTheClient) {
  Session s;
  s.c2s(connect311).s2c(connack_accepted);
  s.s2c(pdu(0x34, Bytes().str("cmd").u16(9).raw("stop")));
  s.c2s(pdu(0x50, Bytes().u16(9)));
  s.s2c(pdu(0x62, Bytes().u16(9)));
  s.c2s(pdu(0x70, Bytes().u16(9)));
  const auto records = log_of(s.sink.txs);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1]["qos"], "exactly once");
  EXPECT_EQ(records[1]["from_client"], false);
  EXPECT_EQ(records[1]["status"], "ok");
  EXPECT_EQ(records[1]["packet_id"], 9);
}

TEST(MqttLog, PhiJsonMembersOfPayloadsAreHashed) {
  Session s;
  s.c2s(connect311).s2c(connack_accepted);
  s.c2s(pdu(
      0x30,
      Bytes().str("ward/pumps/42/program").raw(R"({"patient_id":"MRN-0042","rate_ml_h":12.5})")));
  s.c2s(pdu(0x10, Bytes().str("MQTT").u8(4).u8(0x06).u16(5).str("c2").str("w").str(
                      R"({"mrn":"MRN-0042"})")));  // will payload with PHI
  s.s2c(connack_accepted);
  LogOptions options;
  options.phi_key = "test-key";
  options.phi_json_fields = {"patient_id", "mrn"};
  MemoryLog raw;
  auto writer = make_mqtt_log(raw, options);
  for (const MqttTransaction& tx : s.sink.txs) writer->on_event(test_context(), tx);
  ASSERT_EQ(raw.lines.size(), 3u);
  for (const std::string& line : raw.lines) EXPECT_THAT(line, Not(HasSubstr("MRN-0042")));
  const auto publish = nlohmann::json::parse(raw.lines[1]);
  EXPECT_THAT(publish["payload"].get<std::string>(), HasSubstr(R"("patient_id":"hmac:)"));
  EXPECT_THAT(publish["payload"].get<std::string>(), HasSubstr(R"("rate_ml_h":12.5)"));
  EXPECT_EQ(publish["payload_len"], 42);
  const auto will = nlohmann::json::parse(raw.lines[2]);
  EXPECT_THAT(will["will_payload"].get<std::string>(), HasSubstr(R"("mrn":"hmac:)"));
}

TEST(MqttLog, RepeatedSubscriptionIdentifiersBecomeAnArray) {
  Session s;
  s.c2s(connect5).s2c(connack5);
  s.s2c(
      pdu(0x30, Bytes().str("t").props(Bytes().u8(0x0B).varint(3).u8(0x0B).varint(300)).raw("x")));
  const auto records = log_of(s.sink.txs);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1]["properties"]["subscription_identifier"], nlohmann::json::array({3, 300}));
  EXPECT_EQ(records[1]["from_client"], false);
}

TEST(MqttLog, UnsubscribeAndIncompleteRecordsOmitEmptyFields) {
  Session s;
  s.c2s(connect5).s2c(connack5);
  s.c2s(hex("a2 0b 0002 00 0006 746f70696358"));  // suricata-verify mqtt5-unsub-qos1: UNSUBSCRIBE 2
  s.s2c(hex("b0 04 0002 00 00"));                 // UNSUBACK 2 success
  s.c2s(pdu(0x82, Bytes().u16(5).props().str("x/#").u8(1)));         // never acked
  s.c2s(pdu(0x10, Bytes().str("MQTT").u8(4).u8(0).u16(0).str("")));  // empty client id, never acked
  s.end();
  const auto records = log_of(s.sink.txs);
  ASSERT_EQ(records.size(), 4u);
  const nlohmann::json& u = records[1];
  EXPECT_EQ(u["msg_type"], "unsubscribe");
  EXPECT_EQ(u["topics"], nlohmann::json::array({"topicX"}));
  EXPECT_EQ(u["reason_codes"], nlohmann::json::array({0}));
  EXPECT_FALSE(u.contains("qos_levels"));
  EXPECT_EQ(u["ack"], true);
  const nlohmann::json& sub = records[2];
  EXPECT_EQ(sub["ack"], false);
  EXPECT_FALSE(sub.contains("granted_qos_levels"));
  EXPECT_FALSE(sub.contains("properties"));
  const nlohmann::json& c = records[3];
  EXPECT_EQ(c["proto_version"], "3.1.1");
  EXPECT_FALSE(c.contains("client_id"));
  EXPECT_FALSE(c.contains("connect_status"));
  EXPECT_FALSE(c.contains("session_present"));
  EXPECT_FALSE(c.contains("username"));
  EXPECT_EQ(c["password_present"], false);
}

TEST(MqttLog, BinaryAndControlBytesStayValidJson) {
  Session s;
  s.c2s(connect5).s2c(connack5);
  s.c2s(pdu(0x30, Bytes()
                      .str("bin\"\n")
                      .props(Bytes().u8(0x09).str(std::string("\xff\x00\x01", 3)))
                      .raw(std::string("\x00\xc3\x28\"\\", 5))));
  const auto records = log_of(s.sink.txs);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1]["topic"], "bin\"\n");
  EXPECT_EQ(records[1]["payload_len"], 5);
  EXPECT_EQ(records[1]["properties"]["correlation_data"].get<std::string>(),
            std::string("\\xff\0\x01", 6));
}

TEST(MqttLog, OtherEventsAreIgnored) {
  MemoryLog log;
  auto writer = make_mqtt_log(log, LogOptions{});
  MqttMessage m;
  writer->on_event(test_context(), m);
  EXPECT_THAT(log.lines, IsEmpty());
}

}  // namespace
}  // namespace ward::parsers::mqtt
