// Unit tests of the WS-Discovery parser, its XML scanner and the `wsd` log. The messages are
// synthetic, written from the specifications: OASIS WS-Discovery 1.1 (Hello §4.1, Bye §4.2,
// Probe/ProbeMatches §5, Resolve/ResolveMatches §6, AppSequence §7), IEEE 11073-20702 (MDPWS
// MedicalDevice type) with IEEE 11073-20701 §9.4 context scopes (sdc.ctxt.loc / sdc.ctxt.pat),
// and the ONVIF Core Specification §7.3 (2005/04 discovery, tdn:NetworkVideoTransmitter,
// onvif:// scopes). No real patient data: the patient id is made up.
#include "parsers/wsdiscovery/wsd_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "clinical/phi.h"
#include "parsers/testing/parser_test_util.h"
#include "parsers/wsdiscovery/wsd_events.h"
#include "parsers/wsdiscovery/wsd_log.h"
#include "parsers/wsdiscovery/xml_scan.h"

namespace ward::parsers::wsd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr std::string_view kSdcHello = R"(<?xml version="1.0" encoding="UTF-8"?>
<s12:Envelope xmlns:s12="http://www.w3.org/2003/05/soap-envelope"
    xmlns:wsa="http://www.w3.org/2005/08/addressing"
    xmlns:wsd="http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01"
    xmlns:dpws="http://docs.oasis-open.org/ws-dd/ns/dpws/2009/01"
    xmlns:mdpws="http://standards.ieee.org/downloads/11073/11073-20702-2016">
  <s12:Header>
    <wsa:To>urn:docs-oasis-open-org:ws-dd:ns:discovery:2009:01</wsa:To>
    <wsa:Action>http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01/Hello</wsa:Action>
    <wsa:MessageID>urn:uuid:0f5ecd63-7e2c-4e35-9d5e-2d9d4b7a6a01</wsa:MessageID>
    <wsd:AppSequence InstanceId="1700000000" MessageNumber="7"/>
  </s12:Header>
  <s12:Body>
    <wsd:Hello>
      <wsa:EndpointReference><wsa:Address>urn:uuid:6a5ba9e2-1b0b-4c5e-9a3e-0d3c3b1c2d4e</wsa:Address></wsa:EndpointReference>
      <wsd:Types>dpws:Device mdpws:MedicalDevice</wsd:Types>
      <!-- IEEE 11073-20701 context scopes -->
      <wsd:Scopes>
        sdc.mds.pkp:1.2.840.10004.20701.1.1
        sdc.ctxt.loc:/sdc.ctxt.loc.detail/%2F%2F%2FICU%2F%2F3%2F12?fac=HOSP1&amp;bldng=B&amp;poc=ICU&amp;flr=3&amp;rm=12&amp;bed=2
        sdc.ctxt.pat:/sdc.ctxt.pat.detail/PAT-TEST-0042
      </wsd:Scopes>
      <wsd:XAddrs>https://10.20.30.40:6464/2f1c</wsd:XAddrs>
      <wsd:MetadataVersion>3</wsd:MetadataVersion>
    </wsd:Hello>
  </s12:Body>
</s12:Envelope>)";

constexpr std::string_view kOnvifProbeMatches = R"(<?xml version="1.0" encoding="UTF-8"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl">
<SOAP-ENV:Header>
<wsa:MessageID>uuid:1419d68a-1dd2-11b2-a105-000000000001</wsa:MessageID>
<wsa:RelatesTo>uuid:b2a4b7e0-0000-4000-8000-000000000002</wsa:RelatesTo>
<wsa:To SOAP-ENV:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>
<wsa:Action SOAP-ENV:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action>
</SOAP-ENV:Header>
<SOAP-ENV:Body>
<d:ProbeMatches>
<d:ProbeMatch>
<wsa:EndpointReference><wsa:Address>urn:uuid:1419d68a-1dd2-11b2-a105-F0A1B2C3D4E5</wsa:Address></wsa:EndpointReference>
<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>
<d:Scopes>onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/Profile/Streaming onvif://www.onvif.org/hardware/IPC-122 onvif://www.onvif.org/location/ward-3</d:Scopes>
<d:XAddrs>http://192.168.1.64/onvif/device_service</d:XAddrs>
<d:MetadataVersion>10</d:MetadataVersion>
</d:ProbeMatch>
</d:ProbeMatches>
</SOAP-ENV:Body>
</SOAP-ENV:Envelope>)";

constexpr std::string_view kOnvifProbe =
    R"(<?xml version="1.0" encoding="utf-8"?><Envelope xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns="http://www.w3.org/2003/05/soap-envelope"><Header><wsa:MessageID xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing">uuid:b2a4b7e0-0000-4000-8000-000000000002</wsa:MessageID><wsa:To xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing">urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To><wsa:Action xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</wsa:Action></Header><Body><Probe xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns="http://schemas.xmlsoap.org/ws/2005/04/discovery"><Types>dn:NetworkVideoTransmitter</Types><Scopes /></Probe></Body></Envelope>)";

std::string soap11(std::string_view action, std::string_view body) {
  return std::string(R"(<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/" )"
                     R"(xmlns:a="http://www.w3.org/2005/08/addressing" )"
                     R"(xmlns:d="http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01">)"
                     "<e:Header><a:Action>http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01/") +
         std::string(action) +
         "</a:Action><a:MessageID>urn:uuid:1</a:MessageID></e:Header><e:Body>" + std::string(body) +
         "</e:Body></e:Envelope>";
}

std::string describe(const bus::Event& e) {
  if (const auto* m = bus::event_cast<WsdMessage>(e)) {
    std::string s = std::string(message_kind_name(m->kind)) + " v" + std::string(m->version);
    if (!m->message_id.empty()) s += " id=" + std::string(m->message_id);
    if (!m->relates_to.empty()) s += " re=" + std::string(m->relates_to);
    if (m->has_app_sequence)
      s += " seq=" + std::to_string(m->instance_id) + "/" + std::to_string(m->message_number);
    for (const Endpoint& p : m->endpoints) {
      s += " [" + std::string(p.address) +
           " class=" + std::string(device_class_name(p.device_class));
      for (const QName& q : p.types) s += " type=" + std::string(q.ns) + "#" + std::string(q.local);
      s += " scopes=" + std::to_string(p.scopes.size());
      for (std::string_view x : p.xaddrs) s += " xaddr=" + std::string(x);
      if (p.has_metadata_version) s += " mv=" + std::to_string(p.metadata_version);
      if (!p.loc_bed.empty())
        s += " loc=" + std::string(p.loc_facility) + "/" + std::string(p.loc_building) + "/" +
             std::string(p.loc_point_of_care) + "/" + std::string(p.loc_floor) + "/" +
             std::string(p.loc_room) + "/" + std::string(p.loc_bed);
      if (p.patient_context) s += " patient";
      s += "]";
    }
    return s;
  }
  if (const auto* p = bus::event_cast<clinical::PhiObserved>(e))
    return "phi " + std::string(p->protocol) + " " + std::string(p->where) +
           " fields=" + std::to_string(p->fields.size());
  return "";
}

struct Flow {
  parsers::testing::RecordingSink sink{describe};
  std::unique_ptr<DatagramParser> parser;
  explicit Flow(Limits l = {}) : parser(WsdParserFactory(l).make_datagram(sink)) {}
  void send(std::string_view text, Direction d = Direction::kToServer) {
    // Its own allocation, so ASan sees reads past the datagram.
    std::vector<std::uint8_t> copy(text.begin(), text.end());
    parser->on_datagram(d, ByteView(copy));
  }
};

TEST(Wsd, AnSdcHelloIsAMedicalDeviceWithItsBedLocation) {
  Flow f;
  f.send(kSdcHello);
  EXPECT_EQ(f.sink.confirmations, 1);
  ASSERT_EQ(f.sink.events.size(), 2u);
  EXPECT_EQ(f.sink.events[0],
            "Hello v1.1 id=urn:uuid:0f5ecd63-7e2c-4e35-9d5e-2d9d4b7a6a01 seq=1700000000/7 "
            "[urn:uuid:6a5ba9e2-1b0b-4c5e-9a3e-0d3c3b1c2d4e class=sdc_medical_device "
            "type=http://docs.oasis-open.org/ws-dd/ns/dpws/2009/01#Device "
            "type=http://standards.ieee.org/downloads/11073/11073-20702-2016#MedicalDevice "
            "scopes=3 xaddr=https://10.20.30.40:6464/2f1c mv=3 loc=HOSP1/B/ICU/3/12/2 patient]");
  // The patient context went out in a multicast Hello: PHI in clear and a privacy anomaly.
  EXPECT_EQ(f.sink.events[1], "phi wsd Hello fields=1");
  EXPECT_THAT(f.sink.anomalies, ElementsAre("wsd.patient_context_multicast"));
}

TEST(Wsd, AnOnvifProbeMatchIsACameraInThe2005Dialect) {
  Flow f;
  f.send(kOnvifProbeMatches, Direction::kToClient);
  ASSERT_EQ(f.sink.events.size(), 1u);
  EXPECT_EQ(f.sink.events[0],
            "ProbeMatches v2005/04 id=uuid:1419d68a-1dd2-11b2-a105-000000000001 "
            "re=uuid:b2a4b7e0-0000-4000-8000-000000000002 "
            "[urn:uuid:1419d68a-1dd2-11b2-a105-F0A1B2C3D4E5 class=onvif_camera "
            "type=http://www.onvif.org/ver10/network/wsdl#NetworkVideoTransmitter "
            "type=#Device scopes=4 xaddr=http://192.168.1.64/onvif/device_service mv=10]");
  EXPECT_THAT(f.sink.anomalies, IsEmpty());
}

TEST(Wsd, AProbeWithDefaultNamespacesNamesWhatItLooksFor) {
  Flow f;
  f.send(kOnvifProbe);
  EXPECT_THAT(f.sink.events,
              ElementsAre("Probe v2005/04 id=uuid:b2a4b7e0-0000-4000-8000-000000000002 [ "
                          "class=onvif_camera type=http://www.onvif.org/ver10/network/wsdl"
                          "#NetworkVideoTransmitter scopes=0]"));
}

TEST(Wsd, ByeResolveAndResolveMatchesAreRecognised) {
  Flow f;
  const std::string epr =
      "<a:EndpointReference><a:Address>urn:uuid:dev-1</a:Address></a:EndpointReference>";
  f.send(soap11("Bye", "<d:Bye>" + epr + "</d:Bye>"));
  f.send(soap11("Resolve", "<d:Resolve>" + epr + "</d:Resolve>"));
  f.send(soap11("ResolveMatches", "<d:ResolveMatches><d:ResolveMatch>" + epr +
                                      "<d:XAddrs>http://a/1 http://b/2</d:XAddrs>"
                                      "<d:MetadataVersion>1</d:MetadataVersion>"
                                      "</d:ResolveMatch></d:ResolveMatches>"));
  EXPECT_THAT(f.sink.events,
              ElementsAre("Bye v1.1 id=urn:uuid:1 [urn:uuid:dev-1 class= scopes=0]",
                          "Resolve v1.1 id=urn:uuid:1 [urn:uuid:dev-1 class= scopes=0]",
                          "ResolveMatches v1.1 id=urn:uuid:1 [urn:uuid:dev-1 class= scopes=0 "
                          "xaddr=http://a/1 xaddr=http://b/2 mv=1]"));
}

TEST(Wsd, APatientScopeInAUnicastMatchIsStillPhiInClear) {
  Flow f;
  f.send(soap11("ProbeMatches",
                "<d:ProbeMatches><d:ProbeMatch><d:Scopes>sdc.ctxt.pat:/x/PAT-TEST-0042"
                "</d:Scopes></d:ProbeMatch></d:ProbeMatches>"));
  EXPECT_THAT(f.sink.anomalies, ElementsAre("wsd.patient_context_cleartext"));
  EXPECT_EQ(f.sink.events.back(), "phi wsd ProbeMatches fields=1");
}

TEST(Wsd, CommentsCdataEntitiesAndPrefixScopesAreHandled) {
  Flow f;
  // A prefix redeclared on an inner element, a CDATA section, a comment inside the text and
  // character references (&#x73; = 's').
  f.send(soap11(
      "Hello",
      R"(<d:Hello><x:Types xmlns:x="http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01" )"
      R"(xmlns:m="http://standards.ieee.org/downloads/11073/11073-20702-2016">m:MedicalDevice</x:Types>)"
      "<d:Scopes><![CDATA[sdc.mds.pkp:1.2.840]]> <!-- c --> &#x73;dc.ctxt.loc:/r?bed=5&amp;rm=9"
      "</d:Scopes></d:Hello>"));
  ASSERT_EQ(f.sink.events.size(), 1u);
  EXPECT_EQ(f.sink.events[0],
            "Hello v1.1 id=urn:uuid:1 [ class=sdc_medical_device "
            "type=http://standards.ieee.org/downloads/11073/11073-20702-2016#MedicalDevice "
            "scopes=2 loc=////9/5]");
}

TEST(Wsd, ADoctypeIsIgnoredAndReportedNeverExpanded) {
  Flow f;
  f.send(R"(<!DOCTYPE e:Envelope [<!ENTITY x "boom">]>)" +
         soap11("Bye",
                "<d:Bye><a:EndpointReference><a:Address>&x;</a:Address>"
                "</a:EndpointReference></d:Bye>"));
  ASSERT_EQ(f.sink.events.size(), 1u);
  EXPECT_EQ(f.sink.events[0], "Bye v1.1 id=urn:uuid:1 [&x; class= scopes=0]");
  EXPECT_THAT(f.sink.anomalies, ElementsAre("wsd.doctype"));
}

TEST(Wsd, MalformedXmlIsAnAnomalyNotAMessage) {
  for (const std::string& bad :
       {soap11("Bye", "<d:Bye></d:Hello>"), soap11("Bye", "<d:Bye>").substr(0, 120),
        std::string("<e:Envelope a=b></e:Envelope>"), std::string("<e:Envelope><!-- open"),
        std::string("<e:Envelope><![CDATA[ x")}) {
    Flow f;
    f.send(bad);
    EXPECT_THAT(f.sink.events, IsEmpty()) << bad;
    EXPECT_THAT(f.sink.anomalies, ElementsAre("wsd.malformed_xml")) << bad;
  }
}

// Negative cases: other protocols on UDP 3702.
TEST(Wsd, SsdpOrOtherSoapOn3702IsNotWsDiscovery) {
  Flow f;
  f.send("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\n\r\n");
  f.send(soap11("Hello", "<x:Other xmlns:x=\"urn:example\"/>"));
  EXPECT_THAT(f.sink.events, IsEmpty());
  EXPECT_THAT(f.sink.anomalies, ElementsAre("wsd.not_ws_discovery"));  // once per flow
  EXPECT_EQ(f.sink.confirmations, 0);
  const std::string ssdp = "M-SEARCH * HTTP/1.1\r\n";
  EXPECT_EQ(probe(Direction::kToServer, as_bytes(ssdp)), Probe::kNo);
  EXPECT_EQ(probe(Direction::kToServer, as_bytes(kSdcHello)), Probe::kYes);
  EXPECT_EQ(probe(Direction::kToServer, as_bytes(kOnvifProbe)), Probe::kYes);
}

TEST(Wsd, LimitsAreEnforcedWithAnomalies) {
  Limits l;
  l.max_endpoints = 1;
  l.max_list_items = 2;
  Flow f(l);
  f.send(soap11("ProbeMatches",
                "<d:ProbeMatches><d:ProbeMatch><d:Scopes>a b c d</d:Scopes></d:ProbeMatch>"
                "<d:ProbeMatch/></d:ProbeMatches>"));
  EXPECT_THAT(f.sink.anomalies, ElementsAre("wsd.too_many_items", "wsd.too_many_endpoints"));
  ASSERT_EQ(f.sink.events.size(), 1u);
  EXPECT_THAT(f.sink.events[0], HasSubstr("scopes=2]"));

  Limits d;
  d.max_depth = 4;
  Flow deep(d);
  deep.send(soap11("Hello", "<d:Hello><x><y><z/></y></x></d:Hello>"));
  EXPECT_THAT(deep.sink.anomalies, ElementsAre("wsd.too_deep"));
  EXPECT_THAT(deep.sink.events, IsEmpty());

  Limits t;
  t.max_text_bytes = 256;
  Flow text(t);
  text.send(
      soap11("Hello", "<d:Hello><d:Scopes>" + std::string(400, 's') + "</d:Scopes></d:Hello>"));
  EXPECT_THAT(text.sink.anomalies, ElementsAre("wsd.text_too_long"));

  Limits m;
  m.max_message_bytes = 64;
  Flow big(m);
  big.send(kSdcHello);
  EXPECT_THAT(big.sink.anomalies, ElementsAre("wsd.message_too_large"));
}

TEST(Wsd, TheLogNeverWritesThePatientIdentifier) {
  Flow f;
  struct Capture : bus::LogSink {
    std::vector<std::string> lines;
    void write(std::string_view, std::string_view line) override { lines.emplace_back(line); }
  } cap;
  LogOptions o;
  o.phi_key = "test-key-test-key-test-key-32byt";
  WsdLog log(cap, o);
  class Forward : public parsers::testing::RecordingSink {
   public:
    explicit Forward(WsdLog& l) : RecordingSink(describe), log_(l) {}
    void emit(const bus::Event& e) override { log_.on_event(ctx_, e); }

   private:
    WsdLog& log_;
    bus::EventContext ctx_;
  } fwd(log);
  auto parser = WsdParserFactory(Limits{}).make_datagram(fwd);
  const std::string hello(kSdcHello);
  parser->on_datagram(Direction::kToServer, as_bytes(hello));
  ASSERT_EQ(cap.lines.size(), 1u);
  EXPECT_THAT(cap.lines[0], Not(HasSubstr("PAT-TEST-0042")));
  const auto j = nlohmann::json::parse(cap.lines[0]);
  EXPECT_EQ(j["msg"], "Hello");
  EXPECT_EQ(j["device_class"], "sdc_medical_device");
  EXPECT_EQ(j["patient_context"], true);
  const auto& e = j["endpoints"][0];
  EXPECT_EQ(e["types"][1], "mdpws:MedicalDevice");
  EXPECT_EQ(e["location"]["bed"], "2");
  EXPECT_EQ(e["location"]["rm"], "12");
  EXPECT_EQ(e["scopes"][0], "sdc.mds.pkp:1.2.840.10004.20701.1.1");
  EXPECT_THAT(e["scopes"][2].get<std::string>(), HasSubstr("sdc.ctxt.pat:hmac:"));
  EXPECT_EQ(e["metadata_version"], 3);
}

TEST(WsdXml, EntitiesDecodeAndUnknownOnesStayLiteral) {
  std::string out;
  EXPECT_TRUE(xml::decode_entities("a&amp;b&lt;&gt;&quot;&apos;&#65;&#x42;", out, 100));
  EXPECT_EQ(out, "a&b<>\"'AB");
  out.clear();
  EXPECT_FALSE(xml::decode_entities("x&nbsp;y&#0;", out, 100));
  EXPECT_EQ(out, "x&nbsp;y&#0;");
  out.clear();
  EXPECT_FALSE(xml::decode_entities(std::string(50, 'z'), out, 20));
  EXPECT_LE(out.size(), 20u);
}

TEST(WsdXml, TheScannerYieldsTagsAndText) {
  xml::Scanner s("<?pi x?><a:b x='1' y=\"2\">t<![CDATA[<c>]]><e/></a:b>");
  auto t = s.next();
  EXPECT_EQ(t.kind, xml::TokenKind::kStart);
  EXPECT_EQ(t.name, "a:b");
  std::string_view attrs = t.attrs;
  xml::Attribute a;
  bool bad = false;
  ASSERT_TRUE(xml::next_attribute(attrs, a, bad));
  EXPECT_EQ(a.name, "x");
  EXPECT_EQ(a.value, "1");
  ASSERT_TRUE(xml::next_attribute(attrs, a, bad));
  EXPECT_EQ(a.value, "2");
  EXPECT_FALSE(xml::next_attribute(attrs, a, bad));
  EXPECT_FALSE(bad);
  t = s.next();
  EXPECT_EQ(t.text, "t");
  t = s.next();
  EXPECT_TRUE(t.cdata);
  EXPECT_EQ(t.text, "<c>");
  t = s.next();
  EXPECT_TRUE(t.self_closing);
  EXPECT_EQ(s.next().kind, xml::TokenKind::kEnd);
  EXPECT_EQ(s.next().kind, xml::TokenKind::kDone);
}

TEST(Wsd, LimitsComeFromConfiguration) {
  LimitOverrides o;
  o.set("wsd.max_endpoints", 3);
  o.set("wsd.max_depth", 1);
  const Limits l = limits_from(o);
  EXPECT_EQ(l.max_endpoints, 3u);
  EXPECT_EQ(l.max_depth, 4u);
}

}  // namespace
}  // namespace ward::parsers::wsd
