// The simulated devices' HL7 messages, decoded by Ward's own HL7/MLLP parser: what a pump
// announces (identity, drug, rate, volumes) and what an order programs must come out as sent,
// with no parser anomaly.
#include "sim/hl7_messages.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include "clinical/infusion.h"
#include "parsers/hl7_mllp/hl7_events.h"
#include "parsers/hl7_mllp/hl7_parser.h"
#include "parsers/testing/parser_test_util.h"
#include "sim/mllp_net.h"

namespace ward::sim {
namespace {

namespace pt = ward::parsers::testing;
namespace hl7 = ward::parsers::hl7;

constexpr std::time_t kT = 1'795'000'000;  // 2026-11-18T11:06:40Z

std::string mllp(std::string_view m) { return "\x0b" + std::string(m) + "\x1c\x0d"; }

std::string describe(const bus::Event& e) {
  if (const auto* m = bus::event_cast<hl7::Hl7Message>(e)) {
    std::string s = "msg " + std::string(m->message_type) + " ctl=" + std::string(m->control_id) +
                    " from=" + std::string(m->sending_application) +
                    " profile=" + std::string(m->profile_id) + " ack=" + std::string(m->ack_code);
    for (const auto& o : m->observations)
      if (!o.value.empty()) s += " " + std::string(o.code_name) + "=" + std::string(o.value);
    for (const auto& u : m->udis)
      s += " udi=" + std::string(u.udi_di) + "/" + std::string(u.serial);
    return s;
  }
  if (const auto* p = bus::event_cast<clinical::InfusionProgram>(e)) {
    return "program " + std::string(p->drug_id) + " " + std::string(p->drug_name) +
           " rate=" + (p->rate ? std::to_string(*p->rate) : "-") + " " +
           std::string(p->rate_units) +
           " vtbi=" + (p->vtbi_ml ? std::to_string(*p->vtbi_ml) : "-") +
           " pump=" + std::string(p->pump_id) + " area=" + std::string(p->care_area) +
           " order=" + std::string(p->order_control);
  }
  return {};
}

pt::RunResult decode(std::string_view message) {
  static const hl7::Hl7ParserFactory factory{hl7::Limits{}};
  return pt::run_chunks(factory, describe, {pt::to_server(mllp(message))});
}

bool has(const pt::RunResult& r, std::string_view text) {
  for (const auto& e : r.events)
    if (e.find(text) != std::string::npos) return true;
  return false;
}

TEST(SimHl7, Pcd03OrderDecodesToTheProgramItCarries) {
  Infusion inf;
  inf.drug_id = "0409-2720";
  inf.drug = "heparin";
  inf.rate = 4000;
  inf.rate_units = "[iU]/h";
  inf.vtbi_ml = 500;
  const std::string msg = pcd03_rgv(kT, "BCMA0007", "BCMA^0012AB0000000010^EUI-64", "PUMPGW",
                                    "PUMP0021", Patient{}, inf);
  const auto r = decode(msg);
  EXPECT_TRUE(r.anomalies.empty()) << r.anomalies.front();
  EXPECT_TRUE(has(r,
                  "msg RGV^O15^RGV_O15 ctl=BCMA0007 from=BCMA^0012AB0000000010^EUI-64 "
                  "profile=IHE_PCD_PIV_001"));
  EXPECT_TRUE(has(r,
                  "program 0409-2720 heparin rate=4000.000000 units/h vtbi=500.000000 "
                  "pump=PUMP0021 area=ICU order=NW"))
      << (r.events.empty() ? "" : r.events.back());
}

TEST(SimHl7, Pcd03WithAVolumeRateInMdcUnits) {
  Infusion inf;
  inf.drug_id = "0409-4676";
  inf.drug = "propofol";
  inf.rate = 45.5;
  inf.rate_units = "mL/h";
  inf.vtbi_ml = 100;
  const std::string msg = pcd03_rgv(kT, "X1", "ROGUE", "PUMP0022", "PUMP0022", Patient{}, inf);
  EXPECT_NE(msg.find("|45.5|265266^MDC_DIM_MILLI_L_PER_HR^MDC\r"), std::string::npos);
  const auto r = decode(msg);
  EXPECT_TRUE(r.anomalies.empty());
  EXPECT_TRUE(
      has(r, "program 0409-4676 propofol rate=45.500000 mL/h vtbi=100.000000 pump=PUMP0022"));
}

TEST(SimHl7, Pcd01ReportCarriesIdentityDrugAndVolumes) {
  DeviceIdentity dev;  // BD Alaris 8015 PC unit, firmware 9.19 (CISA ICSMA-20-317-01)
  Infusion inf;
  inf.flow_ml_h = 12;
  inf.rate = 1200;
  inf.vtbi_ml = 250;
  inf.volume_infused_ml = 37.5;
  const std::string msg = pcd01_oru(kT, "PUMP0021-0001", "PUMP0021", dev, Patient{}, inf, "2026.3");
  EXPECT_NE(msg.find("\rSFT|Becton Dickinson^L^^^^BD|9.19|Alaris PC Unit 8015|"),
            std::string::npos);
  EXPECT_NE(msg.find("|20261118110640+0000|"), std::string::npos);
  const auto r = decode(msg);
  EXPECT_TRUE(r.anomalies.empty());
  EXPECT_TRUE(has(r,
                  "msg ORU^R01^ORU_R01 ctl=PUMP0021-0001 from=PUMP0021^0012AB0000000021^EUI-64 "
                  "profile=IHE_PCD_001"));
  EXPECT_TRUE(has(r,
                  "MDC_DRUG_NAME_LABEL=heparin MDC_FLOW_FLUID_PUMP=12 MDC_RATE_DOSE=1200 "
                  "MDC_VOL_FLUID_TBI=250 MDC_VOL_FLUID_DELIV_TOTAL=37.5 "
                  "MDC_VOL_FLUID_TBI_REMAIN=212.5 MDC_PUMP_DRUG_LIBRARY_VERSION=2026.3"));
  EXPECT_TRUE(has(r, "udi=00812345000211/SN021"));
}

TEST(SimHl7, Pcd10EventAndAck) {
  const std::string ev = pcd10_event(kT, "PUMP0021-EV1", "PUMP0021", DeviceIdentity{}, Patient{},
                                     12, "197288^MDC_EVT_PUMP_DELIV_START^MDC");
  auto r = decode(ev);
  EXPECT_TRUE(r.anomalies.empty()) << r.anomalies.front();
  EXPECT_TRUE(has(r, "msg ORU^R42^ORU_R01 ctl=PUMP0021-EV1"));
  EXPECT_TRUE(has(r, "profile=IHE_PCD_010"));

  const std::string a = ack(kT, "BCMA0001", "PUMPGW", "BCMA", "O15", "AE", "9018^Does not match");
  r = decode(a);
  // The monitor notes every negative acknowledgement.
  EXPECT_EQ(r.anomalies, std::vector<std::string>{"hl7.nak"});
  EXPECT_TRUE(has(r, "msg ACK^O15^ACK ctl=ABCMA0001 from=PUMPGW profile= ack=AE"));
  EXPECT_EQ(field_of(a, "MSA", 2), "BCMA0001");
  EXPECT_EQ(field_of(a, "ERR", 5), "9018^Does not match");
}

TEST(SimHl7, Pcd04AlarmCarriesPhaseStateAndInactivation) {
  Alarm alarm;
  alarm.phase = "end";
  alarm.state = "inactive";
  alarm.inactivation = "alarm-off";
  const std::string msg = pcd04_alert(kT, "PUMP0021-AL0001", "PUMP0021", Patient{}, alarm);
  const auto r = decode(msg);
  EXPECT_TRUE(r.anomalies.empty()) << r.anomalies.front();
  EXPECT_TRUE(has(r,
                  "msg ORU^R40^ORU_R40 ctl=PUMP0021-AL0001 from=PUMP0021^0012AB0000000021^EUI-64 "
                  "profile=IHE_PCD_ACM_001"));
  EXPECT_TRUE(has(r,
                  "MDC_EVT_ALARM=196940^MDC_EVT_FLUID_LINE_OCCL^MDC^^^^^^Occlusion "
                  "MDC_ATTR_ALERT_SOURCE=69985^MDC_DEV_PUMP_INFUS_MDS^MDC "
                  "MDC_ATTR_EVENT_PHASE=end MDC_ATTR_ALARM_STATE=inactive "
                  "MDC_ATTR_ALARM_INACTIVATION_STATE=alarm-off MDC_ATTR_ALARM_PRIORITY=PH"))
      << (r.events.empty() ? "" : r.events.front());
}

TEST(SimHl7, FieldAccess) {
  const std::string m = "MSH|^~\\&|A^B|F|R|F|T||RGV^O15^RGV_O15|C1|P|2.6\rRXG|1|1||X^Y|5\r";
  EXPECT_EQ(message_type_of(m), "RGV^O15^RGV_O15");
  EXPECT_EQ(control_id_of(m), "C1");
  EXPECT_EQ(field_of(m, "MSH", 3), "A^B");
  EXPECT_EQ(field_of(m, "RXG", 4), "X^Y");
  EXPECT_EQ(field_of(m, "RXG", 5), "5");
  EXPECT_EQ(field_of(m, "RXG", 9), "");
  EXPECT_EQ(field_of(m, "PID", 3), "");
  EXPECT_EQ(pump_eui("PUMP0021"), "0012AB0000000021");
}

TEST(SimMllp, ReaderFramesSplitAndJoinedMessages) {
  MllpReader r;
  EXPECT_TRUE(r.feed("junk\x0bMSH|a\r\x1c"));
  EXPECT_FALSE(r.next().has_value());
  EXPECT_TRUE(r.feed("\x0d\x0bMSH|b\r\x1c\x0d"));
  EXPECT_EQ(r.next().value_or(""), "MSH|a\r");
  EXPECT_EQ(r.next().value_or(""), "MSH|b\r");
  EXPECT_FALSE(r.next().has_value());
  EXPECT_FALSE(r.feed("\x0b" + std::string(kMaxMessageBytes + 8, 'x')));
}

TEST(SimMllp, Endpoints) {
  ASSERT_TRUE(parse_endpoint("10.10.1.5:3000").has_value());
  EXPECT_EQ(parse_endpoint("10.10.1.5:3000")->port, 3000);
  EXPECT_FALSE(parse_endpoint("10.10.1.5").has_value());
  EXPECT_FALSE(parse_endpoint("10.10.1.5:70000").has_value());
  // Host names are accepted (resolved at connect time); malformed ones are not.
  ASSERT_TRUE(parse_endpoint("pumpsrv.ward.internal:2575").has_value());
  EXPECT_EQ(parse_endpoint("pumpsrv.ward.internal:2575")->host, "pumpsrv.ward.internal");
  EXPECT_TRUE(parse_endpoint("localhost:80").has_value());
  EXPECT_FALSE(parse_endpoint("bad host:80").has_value());
  EXPECT_FALSE(parse_endpoint("a..b:80").has_value());
  EXPECT_FALSE(parse_endpoint("-pump:80").has_value());
  EXPECT_FALSE(parse_endpoint("pump-.ward:80").has_value());
  EXPECT_FALSE(parse_endpoint(std::string(64, 'a') + ":80").has_value());
  EXPECT_FALSE(parse_endpoint("pump;rm:80").has_value());
}

TEST(SimMllp, ConnectResolvesNames) {
  // A name the resolver cannot answer fails with the reason, without connecting.
  std::string err;
  EXPECT_FALSE(connect_to(Endpoint{"no-such-host.invalid", 9}, 500, err).valid());
  EXPECT_NE(err.find("cannot resolve no-such-host.invalid"), std::string::npos) << err;
  // localhost resolves through /etc/hosts; a listener there accepts the connection.
  Socket l = listen_on("127.0.0.1", 0, err);
  ASSERT_TRUE(l.valid()) << err;
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  ASSERT_EQ(getsockname(l.fd(), reinterpret_cast<sockaddr*>(&sa), &len), 0);
  const auto ep = parse_endpoint("localhost:" + std::to_string(ntohs(sa.sin_port)));
  ASSERT_TRUE(ep.has_value());
  err.clear();
  EXPECT_TRUE(connect_to(*ep, 2000, err).valid()) << err;
}

}  // namespace
}  // namespace ward::sim
