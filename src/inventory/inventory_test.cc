// Identification: what a user checks in `ward inventory` and the device log. Real captures come
// from ../shared/data/pcap; the synthetic ward is tests/data/synthetic-ward/capture.pcap.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "engine/monitor.h"
#include "inventory/device_tracker.h"
#include "inventory/identify.h"
#include "inventory/intended.h"
#include "inventory/inventory_report.h"
#include "inventory/oui.h"
#include "parsers/dicom/dicom_events.h"
#include "parsers/http/http_events.h"
#include "parsers/tls/tls_events.h"
#include "parsers/wsdiscovery/wsd_events.h"
#include "policy/zones.h"

namespace ward::inventory {
namespace {

std::string source_dir() { return WARD_SOURCE_DIR; }
std::string shared_dir() { return WARD_SHARED_DATA_DIR; }
std::string rules_path() { return source_dir() + "/data/fingerprints.yaml"; }

const Identification& ident() {
  static const std::unique_ptr<Identification> id = [] {
    auto r = load_identification(rules_path(), "", "");
    if (!r.ok()) ADD_FAILURE() << r.error().message();
    return r.ok() ? std::move(*r) : std::make_unique<Identification>();
  }();
  return *id;
}

bool have_oui() { return ident().oui.has_value(); }

std::vector<Device> identify(const std::vector<std::string>& captures,
                             const Identification& id = ident()) {
  DeviceTracker t(id.tracker_options());
  for (const auto& c : captures) {
    engine::MonitorOptions mo;
    mo.read_path = c;
    mo.uid_seed = 1;
    mo.tracker = &t;
    mo.ephemeral_phi_key = true;
    auto r = engine::run_monitor(mo);
    EXPECT_TRUE(r.ok()) << c << ": " << (r.ok() ? "" : r.error().message());
  }
  return t.snapshot();
}

const Device* with_mac(const std::vector<Device>& ds, std::string_view mac) {
  for (const auto& d : ds)
    if (d.has_mac() && d.mac.to_string() == mac) return &d;
  return nullptr;
}

const Device* with_ip(const std::vector<Device>& ds, std::string_view ip) {
  for (const auto& d : ds)
    for (const auto& a : d.ips)
      if (a.to_string() == ip) return &d;
  return nullptr;
}

IpAddr ip(std::string_view s) {
  IpAddr a;
  EXPECT_TRUE(IpAddr::parse(s, a)) << s;
  return a;
}

MacAddr mac(std::array<std::uint8_t, 6> b) { return MacAddr{b}; }

// ------------------------------------------------------------------------------- OUI table

TEST(Oui, TheDebianRegistryNamesTheVendorsOfTheDemoDevices) {
  if (!have_oui()) GTEST_SKIP() << "no /usr/share/ieee-data/oui.csv (install ieee-data)";
  const OuiTable& t = *ident().oui;
  EXPECT_GT(t.size(), 30000u);
  EXPECT_EQ(t.lookup(mac({0x00, 0x40, 0x8c, 1, 2, 3})), "AXIS COMMUNICATIONS AB");
  EXPECT_EQ(t.lookup(mac({0x00, 0x09, 0x5c, 1, 2, 3})).substr(0, 23), "Philips Medical Systems");
  EXPECT_EQ(t.lookup(mac({0x9c, 0xc8, 0xae, 1, 2, 3})), "Becton, Dickinson  and Company");
}

TEST(Oui, MulticastLocalAndUnknownAddressesHaveNoVendor) {
  const OuiTable t = OuiTable::from_entries({{0x00408c, "AXIS"}, {0x00095c, "Philips"}});
  EXPECT_EQ(t.lookup(mac({0x00, 0x40, 0x8c, 0, 0, 1})), "AXIS");
  EXPECT_EQ(t.lookup(mac({0x01, 0x40, 0x8c, 0, 0, 1})), "");  // group bit
  EXPECT_EQ(t.lookup(mac({0x02, 0x40, 0x8c, 0, 0, 1})), "");  // locally administered
  EXPECT_EQ(t.lookup(mac({0x00, 0x40, 0x8d, 0, 0, 1})), "");
  EXPECT_EQ(oui_prefix(mac({0x00, 0x40, 0x8c, 0, 0, 1})), "00408C");
}

TEST(Oui, AMissingTableIsAWarningAndIdentificationStillWorks) {
  auto id = load_identification(rules_path(), "", "/nonexistent/oui.csv");
  ASSERT_TRUE(id.ok());
  EXPECT_FALSE((*id)->oui.has_value());
  ASSERT_EQ((*id)->warnings.size(), 1u);
  EXPECT_NE((*id)->warnings[0].find("/nonexistent/oui.csv"), std::string::npos);
  EXPECT_NE((*id)->warnings[0].find("ieee-data"), std::string::npos);
  const auto ds = identify({source_dir() + "/tests/data/synthetic-ward/capture.pcap"}, **id);
  const Device* pump = with_ip(ds, "10.10.2.21");
  ASSERT_NE(pump, nullptr);
  EXPECT_EQ(pump->vendor(), "BD");
  EXPECT_EQ(pump->device_class(), DeviceClass::kInfusionPump);
}

TEST(Oui, MalformedLinesAreSkippedAndCounted) {
  const auto path = std::filesystem::temp_directory_path() / "ward-oui-test.csv";
  std::ofstream(path) << "Registry,Assignment,Organization Name,Organization Address\n"
                         "MA-L,00408C,\"AXIS COMMUNICATIONS AB\",\"Lund, SE\"\n"
                         "MA-L,XYZ,broken,\n"
                         "MA-M,00408C1,not an MA-L row,\n";
  auto t = OuiTable::load(path.string());
  std::filesystem::remove(path);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->size(), 1u);
  EXPECT_EQ(t->skipped_lines(), 2u);
}

// ------------------------------------------------------------------------- rule files

TEST(Rules, TheShippedRuleFileLoads) {
  RuleSet r;
  ASSERT_TRUE(r.add_file(rules_path(), false).ok());
  EXPECT_GT(r.size(), 60u);
  EXPECT_EQ(r.canonical_vendor("Becton, Dickinson  and Company"), "BD");
  EXPECT_EQ(r.canonical_vendor("Philips Medical Systems - Cardiac and Monitoring Systems"),
            "Philips");
  EXPECT_EQ(r.canonical_vendor("AXIS"), "Axis Communications");
  EXPECT_EQ(r.canonical_vendor("Gemtek"), "Gemtek");  // "GE" names only GE itself
}

TEST(Rules, ErrorsNameFileLineAndColumn) {
  struct Case {
    const char* yaml;
    const char* expect;
  };
  const std::vector<Case> cases = {
      {"rules:\n  - {id: a, signal: x, exact: y, set: {class: toaster}}\n",
       "user.yaml:2:47: unknown device class 'toaster'"},
      {"rules:\n  - id: a\n    signal: x\n    regex: \"([a-\"\n    set: {model: $1}\n",
       "user.yaml:4:12: bad regex"},
      {"rules:\n  - {id: a, signal: x, exact: y, prefix: z, set: {model: m}}\n",
       "user.yaml:2:5: a rule needs exactly one of"},
      {"rules:\n  - {id: a, signal: x, exact: y, set: {colour: red}}\n",
       "user.yaml:2:40: cannot set 'colour'"},
      {"rules:\n  - {id: a, signal: x, exact: y, set: {model: m}, confidence: 101}\n",
       "user.yaml:2:63: confidence must be 0 to 100"},
      {"rules: [\n  {id: a\n", "user.yaml:3:1:"},
      {"rulez: []\n", "user.yaml:1:1: unknown key 'rulez'"},
  };
  for (const auto& c : cases) {
    RuleSet r;
    const Status s = r.add_text(c.yaml, "user.yaml", true);
    ASSERT_FALSE(s.ok()) << c.yaml;
    EXPECT_NE(s.message().find(c.expect), std::string::npos) << s.message();
    EXPECT_EQ(r.size(), 0u);  // nothing of a broken file is added
  }
}

TEST(Rules, RegexCapturesFillModelAndVersion) {
  RuleSet r;
  ASSERT_TRUE(r.add_file(rules_path(), false).ok());
  std::vector<RuleOutcome> out;
  r.match("rtsp.server", "AXIS P3245-LVE Network Camera 10.12.165", out);
  std::map<std::string, std::string> got;
  for (const auto& o : out) got[o.attribute] = o.value;
  EXPECT_EQ(got["class"], "camera");
  EXPECT_EQ(got["vendor"], "Axis Communications");
  EXPECT_EQ(got["model"], "P3245-LVE");
  EXPECT_EQ(got["version"], "10.12.165");
  out.clear();
  r.match("dicom.implementation_version_name", "OFFIS_DCMTK_367", out);
  got.clear();
  for (const auto& o : out) got[o.attribute] = o.value;
  EXPECT_EQ(got["model"], "DCMTK");
  EXPECT_EQ(got["version"], "3.6.7");
}

TEST(Rules, AUserRuleTakesPrecedenceOverTheDefaults) {
  RuleSet r;
  ASSERT_TRUE(r.add_file(rules_path(), false).ok());
  ASSERT_TRUE(r.add_text("rules:\n"
                         "  - {id: local-cogmon, signal: mqtt.client_id, prefix: cogmon-,\n"
                         "     set: {class: cognitive_monitor, vendor: Acme Neuro, model: CM-2},\n"
                         "     confidence: 95}\n"
                         "  - {id: windows-msft50, signal: dhcp.vendor_class, exact: MSFT 5.0,\n"
                         "     set: {os: Windows (site image)}, confidence: 65}\n",
                         "site.yaml", true)
                  .ok());
  std::vector<RuleOutcome> out;
  r.match("mqtt.client_id", "cogmon-31", out);
  ASSERT_EQ(out.size(), 3u);  // the default cogmon rule is not consulted
  for (const auto& o : out) EXPECT_EQ(o.rule->id, "local-cogmon");
  out.clear();
  r.match("dhcp.vendor_class", "MSFT 5.0", out);
  ASSERT_EQ(out.size(), 1u);  // replaced by id: no more class from the default rule
  EXPECT_EQ(out[0].value, "Windows (site image)");
}

// --------------------------------------------------------------------- the engine itself

TEST(Tracker, ConflictingValuesAreKeptAndTheBestWinsByConfidenceThenRecency) {
  TrackerOptions o;
  o.rules = &ident().rules;
  DeviceTracker t(o);
  const IpAddr a = ip("10.1.1.1");
  t.observe(a, 1 * kNsPerSec, "hl7.sft.product", "Alaris PC Unit 8015");
  t.observe(a, 2 * kNsPerSec, "hl7.sft.version", "9.19.0");
  t.observe(a, 3 * kNsPerSec, "hl7.sft.version", "9.33.1");  // an upgrade: same confidence
  t.observe(a, kNsPerSec / 2, "dhcp.vendor_class", "BD Alaris PCU 9.19.0");  // rule, 75, older
  const auto ds = t.snapshot();
  ASSERT_EQ(ds.size(), 1u);
  const Device& d = ds[0];
  EXPECT_EQ(d.id, "ip:10.1.1.1");
  EXPECT_EQ(d.version(), "9.33.1");
  EXPECT_EQ(d.attributes.at("version").values.size(), 2u);  // 9.33.1 and 9.19.0, both kept
  EXPECT_EQ(d.model(), "Alaris PC Unit 8015");              // 85 over the DHCP rule's 75
  EXPECT_EQ(d.device_class(), DeviceClass::kInfusionPump);
  const Evidence& e = d.attributes.at("class").best()->evidence.front();
  EXPECT_EQ(e.source, "hl7.sft.product");
  EXPECT_EQ(e.rule, "bd-alaris-pc-unit");
  EXPECT_EQ(e.raw, "Alaris PC Unit 8015");
  EXPECT_EQ(e.confidence, 90);
}

TEST(Tracker, DevicesAreKeyedByMacWithTheirAddressesOverTime) {
  DeviceTracker t;
  const MacAddr m = mac({0x00, 0x09, 0x5c, 1, 2, 3});
  t.observe_mac(m, 1, "dhcp.host_name", "MX800-BED07");
  t.bind(ip("10.0.0.9"), m, 0, false);  // an address it used before, seen once early
  t.bind(ip("10.0.0.5"), m, 1, true);   // DHCP ACK
  t.observe(ip("10.0.0.5"), 2, "hl7.sft.product", "IntelliVue MX800");
  t.bind(ip("10.0.0.9"), m, 5, true);  // a new lease later
  t.observe(ip("10.0.0.9"), 6, "hl7.sft.version", "M.00.03");
  t.observe(ip("8.8.8.8"), 6, "tls.subject", "CN=dns.google");
  t.bind(ip("8.8.8.8"), mac({0x00, 0x26, 0x88, 1, 1, 1}), 6, false);  // behind a gateway
  const auto ds = t.snapshot();
  const Device* d = with_mac(ds, "00:09:5c:01:02:03");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->id, "mac:00:09:5c:01:02:03");
  ASSERT_EQ(d->ips.size(), 2u);
  EXPECT_EQ(d->ips[0].to_string(), "10.0.0.5");
  EXPECT_EQ(d->ips[1].to_string(), "10.0.0.9");  // the current address comes last
  EXPECT_EQ(d->best(attr::kHostName), "MX800-BED07");
  EXPECT_EQ(d->model(), "IntelliVue MX800");
  EXPECT_EQ(d->version(), "M.00.03");
  const Device* far = with_ip(ds, "8.8.8.8");
  ASSERT_NE(far, nullptr);
  EXPECT_EQ(far->id, "ip:8.8.8.8");
  EXPECT_FALSE(far->has_mac());
}

TEST(Tracker, AMacWithManyAddressesIsARouterNotOneDevice) {
  TrackerOptions o;
  o.router_ip_threshold = 3;
  DeviceTracker t(o);
  const MacAddr gw = mac({0x00, 0x1b, 0x54, 9, 9, 9});
  for (int i = 1; i <= 5; ++i) t.bind(ip("10.9.0." + std::to_string(i)), gw, i, false);
  const MacAddr nat = mac({0x00, 0x1b, 0x54, 8, 8, 8});  // two networks behind one MAC
  t.bind(ip("10.7.1.1"), nat, 1, false);
  t.bind(ip("10.7.2.1"), nat, 1, false);
  for (int i = 1; i <= 5; ++i) t.observe(ip("10.9.0." + std::to_string(i)), i, "x.y", "z");
  const auto ds = t.snapshot();
  EXPECT_EQ(ds.size(), 7u);  // five hosts and two routers
  for (const char* m : {"00:1b:54:09:09:09", "00:1b:54:08:08:08"}) {
    const Device* r = with_mac(ds, m);
    ASSERT_NE(r, nullptr) << m;
    EXPECT_EQ(r->device_class(), DeviceClass::kNetworkGear) << m;
    EXPECT_TRUE(r->roles.contains("router")) << m;
    EXPECT_TRUE(r->ips.empty()) << m;
  }
}

TEST(Tracker, LimitsAreCountedNotExceeded) {
  TrackerOptions o;
  o.max_devices = 2;
  o.max_values_per_attribute = 2;
  o.max_evidence_per_value = 1;
  DeviceTracker t(o);
  for (int i = 1; i <= 4; ++i)
    t.observe(ip("10.0.0." + std::to_string(i)), i, "dhcp.host_name", "h");
  for (int i = 0; i < 5; ++i)
    t.observe(ip("10.0.0.1"), i, "mqtt.client_id", "c" + std::to_string(i));
  t.observe(ip("10.0.0.1"), 9, "mdns.name", "h");  // a second source for host_name "h"
  EXPECT_EQ(t.snapshot().size(), 2u);
  EXPECT_EQ(t.stats().devices_dropped, 2u);
  EXPECT_EQ(t.stats().values_dropped, 3u);
  EXPECT_EQ(t.stats().evidence_dropped, 1u);
}

TEST(Tracker, DicomAssociationsNameAeTitlesImplementationsAndRoles) {
  // The A-ASSOCIATE values of DOMAIN.md's real capture (DCMTK findscu -> a worklist SCP).
  DeviceTracker t(ident().tracker_options());
  bus::EventContext ctx;
  ctx.ts = 5 * kNsPerSec;
  ctx.orig_h = ip("10.3.0.20");
  ctx.resp_h = ip("10.3.0.2");
  parsers::dicom::DicomAssociation a;
  a.request_seen = true;
  a.calling_ae = "FINDSCU";
  a.called_ae = "ANY-SCP";
  a.requestor_implementation_class_uid = "1.2.276.0.7230010.3.0.3.6.0";
  a.requestor_implementation_version_name = "OFFIS_DCMTK_360";
  t.on_event(ctx, a);
  parsers::dicom::DicomCommand c;
  c.request_seen = true;
  c.operation = "C-FIND";
  c.sop_class = "1.2.840.10008.5.1.4.31";  // Modality Worklist Information Model - FIND
  t.on_event(ctx, c);
  parsers::dicom::DicomCommand store;
  store.request_seen = true;
  store.operation = "C-STORE";
  store.sop_class = "1.2.840.10008.5.1.4.1.1.2";  // CT Image Storage
  t.on_event(ctx, store);
  const auto ds = t.snapshot();
  const Device* scu = with_ip(ds, "10.3.0.20");
  const Device* scp = with_ip(ds, "10.3.0.2");
  ASSERT_NE(scu, nullptr);
  ASSERT_NE(scp, nullptr);
  EXPECT_EQ(scu->best(attr::kAeTitle), "FINDSCU");
  EXPECT_EQ(scp->best(attr::kAeTitle), "ANY-SCP");
  EXPECT_EQ(scu->best("dicom_implementation_class_uid"), "1.2.276.0.7230010.3.0.3.6.0");
  EXPECT_EQ(scu->vendor(), "OFFIS");
  EXPECT_EQ(scu->model(), "DCMTK");
  EXPECT_EQ(scu->version(), "3.6.0");
  EXPECT_EQ(scu->device_class(), DeviceClass::kImagingModality);  // it asks for the worklist
  EXPECT_EQ(scp->device_class(), DeviceClass::kPacs);             // it stores images
}

TEST(Tracker, HttpUserAgentsDescribeClientsAndServerHeadersServers) {
  DeviceTracker t(ident().tracker_options());
  bus::EventContext ctx;
  ctx.ts = kNsPerSec;
  ctx.orig_h = ip("10.4.0.50");
  ctx.resp_h = ip("10.6.0.64");
  parsers::http::HttpTransaction h;
  h.user_agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36";
  h.server = "App-webs/";
  t.on_event(ctx, h);
  const auto ds = t.snapshot();
  const Device* ws = with_ip(ds, "10.4.0.50");
  const Device* cam = with_ip(ds, "10.6.0.64");
  ASSERT_NE(ws, nullptr);
  ASSERT_NE(cam, nullptr);
  EXPECT_EQ(ws->device_class(), DeviceClass::kWorkstation);
  EXPECT_EQ(ws->best(attr::kOs), "Windows NT 10.0");
  EXPECT_EQ(cam->device_class(), DeviceClass::kCamera);
  EXPECT_EQ(cam->vendor(), "Hikvision");
  EXPECT_EQ(cam->best("server"), "App-webs/");
}

// One ONVIF camera's Hello with the given scopes, from 10.6.0.61.
std::vector<Device> onvif_hello(const std::vector<std::string_view>& scopes) {
  DeviceTracker t(ident().tracker_options());
  bus::EventContext ctx;
  ctx.ts = 3 * kNsPerSec;
  ctx.orig_h = ip("10.6.0.61");
  ctx.resp_h = ip("239.255.255.250");
  const parsers::wsd::QName types[] = {{"dn:NetworkVideoTransmitter",
                                        "http://www.onvif.org/ver10/network/wsdl",
                                        "NetworkVideoTransmitter"}};
  parsers::wsd::Endpoint ep;
  ep.address = "urn:uuid:5f5a69c2-e0ae-504f-829b-00408c0a063d";
  ep.types = types;
  ep.scopes = scopes;
  ep.device_class = parsers::wsd::DeviceClass::kOnvifCamera;
  parsers::wsd::WsdMessage m;
  m.kind = parsers::wsd::MessageKind::kHello;
  m.endpoints = std::span<const parsers::wsd::Endpoint>(&ep, 1);
  t.on_event(ctx, m);
  return t.snapshot();
}

TEST(Tracker, OnvifScopesGiveModelFirmwareVendorMacAndLocationPercentDecoded) {
  // The scopes of an Axis camera's ProbeMatch (name "<vendor> <model>", ONVIF Core §7.3.2.2),
  // with the vendor scopes for the firmware and the MAC that cameras add.
  const auto ds = onvif_hello({
      "onvif://www.onvif.org/type/video_encoder",
      "onvif://www.onvif.org/Profile/Streaming",
      "onvif://www.onvif.org/hardware/P3245-LVE",
      "onvif://www.onvif.org/name/AXIS%20P3245-LVE",
      "onvif://www.onvif.org/location/country/sweden",
      "onvif://www.onvif.org/location/city/Lund%20Clinic",
      "onvif://www.onvif.org/firmware/10.12.165",
      "onvif://www.onvif.org/MAC/00408C0A063D",
  });
  const Device* cam = with_ip(ds, "10.6.0.61");
  ASSERT_NE(cam, nullptr);
  EXPECT_EQ(cam->device_class(), DeviceClass::kCamera);
  EXPECT_EQ(cam->model(), "P3245-LVE");
  EXPECT_EQ(cam->version(), "10.12.165");
  EXPECT_EQ(cam->best_confidence(attr::kVersion), 70);
  EXPECT_EQ(cam->vendor(), "Axis Communications");  // "AXIS", the name's first word, an alias
  EXPECT_EQ(cam->best("onvif_name"), "AXIS P3245-LVE");
  EXPECT_EQ(cam->best("onvif_mac"), "00:40:8c:0a:06:3d");
  std::set<std::string> locations;
  for (const auto& v : cam->attributes.at(std::string(attr::kLocation)).values)
    locations.insert(v.value);
  EXPECT_EQ(locations, (std::set<std::string>{"country/sweden", "city/Lund Clinic"}));
  const auto& ev = cam->attributes.at(std::string(attr::kVersion)).values.front().evidence;
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev.front().source, "wsd.onvif.firmware");
  EXPECT_EQ(ev.front().raw, "10.12.165");
}

TEST(Tracker, OnvifManufacturerScopeWinsOverANameThatIsNoVendor) {
  // A Hikvision-style ProbeMatch whose name an installer changed: the name's first word is no
  // vendor, so only the manufacturer scope names one.
  const auto ds = onvif_hello({
      "onvif://www.onvif.org/hardware/DS-2CD2143G2-I",
      "onvif://www.onvif.org/name/Philipsburg%20corridor%203",
      "onvif://www.onvif.org/manufacturer/HIKVISION",
      "ONVIF://www.onvif.org/Firmware/V5.7.3%20build%20220112",
  });
  const Device* cam = with_ip(ds, "10.6.0.61");
  ASSERT_NE(cam, nullptr);
  EXPECT_EQ(cam->vendor(), "Hikvision");
  EXPECT_EQ(cam->attributes.at(std::string(attr::kVendor)).values.size(), 1u);
  EXPECT_EQ(cam->model(), "DS-2CD2143G2-I");
  EXPECT_EQ(cam->version(), "V5.7.3 build 220112");
  EXPECT_EQ(cam->best("onvif_name"), "Philipsburg corridor 3");  // not Philips
}

TEST(Tracker, MalformedOrOversizedOnvifScopesAreIgnored) {
  const std::string huge = "onvif://www.onvif.org/firmware/" + std::string(4096, '9');
  const std::string long_decoded =
      "onvif://www.onvif.org/hardware/" + std::string(300, 'A');  // > 256 bytes: not cut
  const std::string nul = std::string("onvif://www.onvif.org/name/AXIS") + '\0' + "x";
  const auto ds = onvif_hello({
      huge, long_decoded, nul,
      "onvif://www.onvif.org/firmware/10.12%",             // escape cut short
      "onvif://www.onvif.org/firmware/10.%zz.1",           // not hex
      "onvif://www.onvif.org/firmware/10.12%0A.165",       // a decoded control character
      "onvif://www.onvif.org/firmware/10.12%2F165",        // a decoded '/'
      "onvif://www.onvif.org/firmware/10/12",              // two segments
      "onvif://www.onvif.org/firmware/",                   // empty
      "onvif://www.onvif.org/firmware",                    // no value
      "onvif://www.onvif.org/",                            // no key
      "onvif://www.onvif.org/MAC/00408C0A063",             // 11 digits
      "onvif://www.onvif.org/MAC/00408C0A063DFF",          // 14 digits
      "onvif://www.onvif.org/MAC/00:40:8c:0a:06:zz",       // not hex
      "onvif://www.onvif.org/location/a/b/c/d/e/f/g/h/i",  // more than 8 segments
      "http://www.onvif.org/firmware/1.0",                 // not an ONVIF scope
      "onvif://www.onvif.org/colour/%",                    // a key Ward does not read
  });
  const Device* cam = with_ip(ds, "10.6.0.61");
  ASSERT_NE(cam, nullptr);
  EXPECT_EQ(cam->device_class(), DeviceClass::kCamera);  // the type still says so
  EXPECT_EQ(cam->version(), "");
  EXPECT_EQ(cam->model(), "");
  EXPECT_EQ(cam->best("onvif_name"), "");
  EXPECT_EQ(cam->best("onvif_mac"), "");
  EXPECT_EQ(cam->vendor(), "");
  EXPECT_EQ(cam->best(attr::kLocation), "");
}

TEST(Tracker, MqttOverTlsClientIsACognitiveMonitorAndOtherTlsClientsAreNot) {
  // The demo's TLS cognitive monitor: TLS 1.3 to the broker's 8883 (SNI broker.ward.internal,
  // libmosquitto's ClientHello) and HTTPS to the FHIR server; the client id is encrypted.
  DeviceTracker t(ident().tracker_options());
  auto session = [&](std::string_view client, std::string_view server, std::uint16_t port,
                     std::string_view sni, bool answered) {
    bus::EventContext ctx;
    ctx.ts = 7 * kNsPerSec;
    ctx.orig_h = ip(client);
    ctx.resp_h = ip(server);
    ctx.orig_p = 41460;
    ctx.resp_p = port;
    parsers::tls::TlsSession s;
    s.client_hello_seen = true;
    s.server_hello_seen = answered;
    s.version = answered ? 0x0304 : 0;
    s.server_name = std::string(sni);
    s.ja3 = "a3afc2c46ba4a7d7fbe1cfb7a3031c2f";
    t.on_event(ctx, s);
  };
  session("10.10.3.32", "10.10.3.2", 8883, "broker.ward.internal", true);
  session("10.10.3.32", "10.10.8.10", 443, "fhir.ward.internal", true);
  session("10.10.4.50", "10.10.8.10", 443, "fhir.ward.internal", true);  // HTTPS only
  session("10.10.9.66", "10.10.3.5", 8883, "", false);                   // nothing answered
  const auto ds = t.snapshot();
  const Device* cog = with_ip(ds, "10.10.3.32");
  ASSERT_NE(cog, nullptr);
  EXPECT_EQ(cog->device_class(), DeviceClass::kCognitiveMonitor);
  EXPECT_EQ(cog->best_confidence(attr::kClass), 35);
  EXPECT_TRUE(cog->roles.contains("mqtt client"));
  std::set<std::string> used;
  for (const auto& v : cog->attributes.at("tls_client_service").values) used.insert(v.value);
  EXPECT_EQ(used, (std::set<std::string>{"secure-mqtt", "https"}));
  const Device* broker = with_ip(ds, "10.10.3.2");
  ASSERT_NE(broker, nullptr);
  EXPECT_TRUE(broker->roles.contains("mqtt broker"));
  EXPECT_EQ(broker->device_class(), DeviceClass::kUnknown);
  EXPECT_EQ(with_ip(ds, "10.10.4.50")->device_class(), DeviceClass::kUnknown);
  const Device* prober = with_ip(ds, "10.10.9.66");
  ASSERT_NE(prober, nullptr);
  EXPECT_EQ(prober->device_class(), DeviceClass::kUnknown);
  EXPECT_FALSE(prober->roles.contains("mqtt client"));
}

TEST(Tracker, AStrongerIdentificationWinsOverTheMqttOverTlsPort) {
  // A Windows workstation (DHCP vendor class) that also publishes over MQTT/TLS stays one.
  DeviceTracker t(ident().tracker_options());
  t.observe(ip("10.10.4.51"), kNsPerSec, "dhcp.vendor_class", "MSFT 5.0");
  t.observe(ip("10.10.4.51"), 2 * kNsPerSec, "tls.client_service", "secure-mqtt");
  const auto ds = t.snapshot();
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].device_class(), DeviceClass::kWorkstation);
}

// ------------------------------------------------------------------ real captures

TEST(RealCaptures, DhcpHostNamesFingerprintsAndVendorClasses) {
  const std::string z = shared_dir() + "/pcap/zeek/traces/dhcp/";
  const std::string s = shared_dir() + "/pcap/suricata-verify/";
  const auto ds =
      identify({z + "dhcp_time_and_nameserver.pcap", z + "hw-type0.pcap",
                z + "dhcp_discover_param_req_and_client_id.pcap",
                s + "dhcp-eve-extended-option-60/input.pcap", s + "dhcp-eve-extended/input.pcap"});
  const Device* pop = with_mac(ds, "00:90:f5:91:cd:1f");
  ASSERT_NE(pop, nullptr);
  EXPECT_EQ(pop->best(attr::kHostName), "pop-os");
  EXPECT_EQ(pop->best("dhcp_fingerprint"), "1,28,2,3,15,6,119,12,44,47,26,121,42,4,5,249,33,252");
  EXPECT_EQ(pop->best(attr::kOs), "Linux (ISC dhclient)");

  const Device* cisco = with_mac(ds, "cc:00:0a:c4:00:00");
  ASSERT_NE(cisco, nullptr);
  EXPECT_EQ(cisco->best(attr::kHostName), "R0");
  EXPECT_EQ(cisco->device_class(), DeviceClass::kNetworkGear);
  EXPECT_EQ(cisco->vendor(), "Cisco");
  EXPECT_EQ(cisco->best(attr::kOs), "Cisco IOS");

  const Device* test0 = with_mac(ds, "00:0b:82:01:fc:42");  // chaddr, not the relay source
  ASSERT_NE(test0, nullptr);
  EXPECT_EQ(test0->best(attr::kHostName), "test0000");
  EXPECT_EQ(test0->best("dhcp_fingerprint"), "1,3,6,42");
  EXPECT_FALSE(test0->best("dhcp_client_id").empty());

  const Device* win = with_mac(ds, "28:cf:da:dc:8d:76");
  ASSERT_NE(win, nullptr);
  EXPECT_EQ(win->best(attr::kHostName), "NicksMacBook");
  EXPECT_EQ(win->best("dhcp_vendor_class"), "MSFT 5.0");
  EXPECT_EQ(win->device_class(), DeviceClass::kWorkstation);
  EXPECT_EQ(win->best(attr::kOs).substr(0, 7), "Windows");

  const Device* nas = with_mac(ds, "00:11:32:17:49:f0");
  ASSERT_NE(nas, nullptr);
  EXPECT_EQ(nas->best(attr::kHostName), "nas1");
  if (have_oui()) {
    EXPECT_EQ(nas->vendor(), "Synology");
  }
}

TEST(RealCaptures, TlsCertificateSubjectsBelongToTheServers) {
  const std::string t = shared_dir() + "/pcap/zeek/traces/tls/";
  const auto ds = identify({t + "tls1.2.pcap", t + "client-certificate.pcap"});
  const Device* taleo = with_ip(ds, "68.233.76.12");
  ASSERT_NE(taleo, nullptr);
  EXPECT_EQ(taleo->id, "ip:68.233.76.12");  // a public address behind the gateway's MAC
  EXPECT_EQ(taleo->best("tls_subject").substr(0, 41), "CN=*.taleo.net,OU=Comodo PremiumSSL Wildc");
  const Device* idrix = with_ip(ds, "54.36.191.227");
  ASSERT_NE(idrix, nullptr);
  EXPECT_EQ(idrix->best("tls_subject"), "CN=certauth.idrix.fr");
  const Device* client = with_ip(ds, "192.168.0.64");
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->best("tls_client_subject"), "CN=johanna@corelight.com");
  EXPECT_EQ(client->best("ja4"), "t13d1715h2_5b57614c22b0_3d5424432f57");
  EXPECT_TRUE(client->has_mac());
  // The private client talked to public servers: internet exposure, with the peer as evidence.
  EXPECT_TRUE(client->internet_peer == "54.36.191.227" || client->internet_peer == "68.233.76.12")
      << client->internet_peer;
}

TEST(RealCaptures, TheHl7CapturesSendingApplication) {
  const auto ds = identify({shared_dir() + "/pcap/ndpi/hl7.pcap"});
  const Device* sender = with_ip(ds, "10.0.0.155");
  ASSERT_NE(sender, nullptr);
  EXPECT_EQ(sender->mac.to_string(), "00:0c:29:b5:b6:48");
  EXPECT_EQ(sender->best("hl7_application"), "SENDING_APPLICATION");
  EXPECT_EQ(sender->best("hl7_facility"), "SENDING_FACILITY");
  if (have_oui()) {
    EXPECT_EQ(sender->vendor(), "VMware");
  }
  const auto& ev = sender->attributes.at("hl7_application").best()->evidence.front();
  EXPECT_EQ(ev.source, "hl7.sending_application");
  EXPECT_GT(ev.first_seen, 0);
  const Device* receiver = with_ip(ds, "10.0.0.126");
  ASSERT_NE(receiver, nullptr);
  EXPECT_EQ(receiver->best("hl7_application"), "RECEIVING_APPLICATION");  // its ACK's MSH-3
}

TEST(RealCaptures, MdnsNamesAndModelsOneDeviceAcrossIpv4AndIpv6) {
  const auto ds = identify({shared_dir() + "/pcap/zeek/traces/dns/mdns.pcap",
                            shared_dir() + "/pcap/suricata-verify/mdns/frag-9.pcap"});
  const Device* vm = with_mac(ds, "8a:3c:d6:e1:4d:c4");
  ASSERT_NE(vm, nullptr);
  EXPECT_EQ(vm->best("mdns_name"), "johanna-QEMU-Virtual-Machine.local");
  EXPECT_EQ(vm->best(attr::kHostName), "johanna-QEMU-Virtual-Machine");
  std::set<std::string> addrs;
  for (const auto& a : vm->ips) addrs.insert(a.to_string());
  EXPECT_TRUE(addrs.contains("10.0.2.7"));
  EXPECT_TRUE(addrs.contains("fe80::883c:d6ff:fee1:4dc4"));
  const Device* mac = with_mac(ds, "a8:60:b6:0b:27:cd");
  ASSERT_NE(mac, nullptr);
  EXPECT_EQ(mac->best("mdns_service"), "_companion-link._tcp.local");
  EXPECT_EQ(mac->model(), "iMac17,1");  // TXT model=, rule mdns-model-txt
  if (have_oui()) {
    EXPECT_EQ(mac->vendor(), "Apple");
  }
}

TEST(RealCaptures, WsDiscoveryNamesSdcDevicesAndOnvifCamerasWithoutPatientContext) {
  // The synthetic capture gives all three hosts one source MAC, with addresses in two networks:
  // that MAC is taken for a router's, so each address stays its own device.
  const auto ds = identify({source_dir() + "/src/parsers/wsdiscovery/testdata/wsd_sdc_onvif.pcap"});
  const Device* sdc = with_ip(ds, "10.20.30.40");
  ASSERT_NE(sdc, nullptr);
  EXPECT_EQ(sdc->device_class(), DeviceClass::kPatientMonitor);
  EXPECT_EQ(sdc->best(attr::kLocation), "fac=HOSP1;bldng=B;flr=3;poc=ICU;rm=12;bed=2");
  for (const auto& v : sdc->attributes.at("wsd_scope").values)
    EXPECT_EQ(v.value.find("sdc.ctxt.pat"), std::string::npos) << v.value;  // PHI: never kept
  const std::string line = device_log_line(*sdc);
  EXPECT_EQ(line.find("PAT-TEST-0042"), std::string::npos) << line;
  const Device* cam = with_ip(ds, "192.168.1.64");
  ASSERT_NE(cam, nullptr);
  EXPECT_EQ(cam->device_class(), DeviceClass::kCamera);
  EXPECT_EQ(cam->model(), "IPC-122");
  EXPECT_EQ(cam->best(attr::kLocation), "ward-3");
  const Device* vms = with_ip(ds, "192.168.1.10");  // it only probes
  ASSERT_NE(vms, nullptr);
  EXPECT_EQ(vms->device_class(), DeviceClass::kUnknown);
}

// ------------------------------------------------------------------------- the demo

TEST(DemoCapture, PumpsMonitorsAndCamerasAreIdentifiedWithVendorModelAndFirmware) {
  const auto ds = identify({source_dir() + "/tests/data/synthetic-ward/capture.pcap"});
  for (const char* p : {"10.10.2.21", "10.10.2.22", "10.10.2.23"}) {
    const Device* d = with_ip(ds, p);
    ASSERT_NE(d, nullptr) << p;
    EXPECT_TRUE(d->has_mac()) << p;
    EXPECT_EQ(d->device_class(), DeviceClass::kInfusionPump) << p;
    EXPECT_EQ(d->vendor(), "BD") << p;
    EXPECT_EQ(d->model(), "Alaris PC Unit 8015") << p;
    EXPECT_EQ(d->version(), "9.33.1") << p;
    EXPECT_EQ(d->best(attr::kUdiDi), "00812345000" + std::string(p).substr(8) + "1") << p;
    EXPECT_EQ(d->best(attr::kSerial), "SN" + std::string(p).substr(8) + "77") << p;
    EXPECT_EQ(d->best(attr::kEui64), "0012AB00000000" + std::string(p).substr(8)) << p;
    EXPECT_EQ(d->internet_peer, "") << p;  // the demo hospital has no internet traffic
  }
  const Device* server = with_ip(ds, "10.10.1.5");
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->device_class(), DeviceClass::kPumpServer);
  EXPECT_EQ(server->model(), "Alaris Systems Manager");
  EXPECT_EQ(server->version(), "4.33.0");
  for (const auto& [p, bed] : {std::pair{"10.10.5.41", "BED07"}, {"10.10.5.42", "BED08"}}) {
    const Device* d = with_ip(ds, p);
    ASSERT_NE(d, nullptr) << p;
    EXPECT_EQ(d->device_class(), DeviceClass::kPatientMonitor) << p;
    EXPECT_EQ(d->vendor(), "Philips") << p;
    EXPECT_EQ(d->model(), "IntelliVue MX800") << p;
    EXPECT_EQ(d->version(), "M.00.03") << p;
    EXPECT_EQ(d->best(attr::kLocation),
              std::string("fac=DEMOHOSP;bldng=A;flr=2;poc=ICU;rm=7;bed=") + bed);
  }
  for (const auto& [p, model, fw] : {std::tuple{"10.10.6.61", "P3245-LVE", "10.12.165"},
                                     {"10.10.6.62", "Q6135-LE", "9.80.3.8"}}) {
    const Device* d = with_ip(ds, p);
    ASSERT_NE(d, nullptr) << p;
    EXPECT_EQ(d->device_class(), DeviceClass::kCamera) << p;
    EXPECT_EQ(d->vendor(), "Axis Communications") << p;
    EXPECT_EQ(d->model(), model) << p;
    EXPECT_EQ(d->version(), fw) << p;
  }
  const Device* cog = with_ip(ds, "10.10.3.31");
  ASSERT_NE(cog, nullptr);
  EXPECT_EQ(cog->device_class(), DeviceClass::kCognitiveMonitor);
  // The vulnerability matcher's input: vendor, model, version per device.
  EXPECT_EQ(with_ip(ds, "10.10.2.22")->vendor(), "BD");
}

TEST(DemoCapture, TheTestbedCameraFirmwareAndTheTlsCognitiveMonitorAreIdentified) {
  // demo/ward-demo.pcap, the testbed's ward-day run: the camera announces firmware 10.12.165 in
  // a vendor scope; COGMON-0032 publishes MQTT over TLS 1.3 to the broker's 8883, and its
  // static address means no DHCP host name.
  const auto ds = identify({source_dir() + "/demo/ward-demo.pcap"});
  const Device* cam = with_ip(ds, "10.10.6.61");
  ASSERT_NE(cam, nullptr);
  EXPECT_EQ(cam->device_class(), DeviceClass::kCamera);
  EXPECT_EQ(cam->vendor(), "Axis Communications");
  EXPECT_EQ(cam->model(), "P3245-LVE");
  EXPECT_EQ(cam->version(), "10.12.165");
  const Device* cog = with_ip(ds, "10.10.3.32");
  ASSERT_NE(cog, nullptr);
  EXPECT_EQ(cog->device_class(), DeviceClass::kCognitiveMonitor);
  EXPECT_TRUE(cog->roles.contains("mqtt client"));
  EXPECT_EQ(cog->attributes.at(std::string(attr::kClass)).values.front().evidence.front().rule,
            "mqtt-tls-client");
  EXPECT_EQ(with_ip(ds, "10.10.3.31")->device_class(), DeviceClass::kCognitiveMonitor);
  // The rule names no one else: the broker, the FHIR server, the nurse workstation and the
  // attacker (MQTT in clear only) are not cognitive monitors.
  std::size_t cognitive = 0;
  for (const auto& d : ds) cognitive += d.device_class() == DeviceClass::kCognitiveMonitor;
  EXPECT_EQ(cognitive, 2u);
  EXPECT_TRUE(with_ip(ds, "10.10.3.2")->roles.contains("mqtt broker"));
}

// ------------------------------------------------------------ intended inventory

std::vector<Device> demo_devices() {
  static const std::vector<Device> ds =
      identify({source_dir() + "/tests/data/synthetic-ward/capture.pcap"});
  return ds;
}

TEST(Intended, CsvReconciliationReportsUnknownMissingAndMismatches) {
  const std::string csv =
      "model,asset_id,mac,ip,firmware,location,cost_center\n"
      "Alaris PC Unit 8015,PUMP-21,9c:c8:ae:0a:02:15,,9.33.1,ICU BED07,4711\n"
      "Alaris 8015,PUMP-22,9C-C8-AE-0A-02-16,,9.19.0,ICU BED08,4711\n"           // firmware differs
      "IntelliVue MX450,MON-41,,10.10.5.41,M.00.03,ICU BED07,4712\n"             // model differs
      "Alaris PC Unit 8015,PUMP-99,9c:c8:ae:0a:02:99,,9.33.1,ICU BED11,4711\n";  // missing
  auto assets = parse_intended(csv, "cmms.csv", false);
  ASSERT_TRUE(assets.ok()) << assets.error().message();
  ASSERT_EQ(assets->size(), 4u);
  const auto ds = demo_devices();
  const Reconciliation r = reconcile(*assets, ds);
  ASSERT_EQ(r.matched.size(), 3u);
  EXPECT_TRUE(r.matched[0].mismatches.empty());
  EXPECT_EQ(r.matched[0].matched_by, "mac");
  ASSERT_EQ(r.matched[1].mismatches.size(), 1u);
  const Mismatch& fw = r.matched[1].mismatches[0];
  EXPECT_EQ(fw.field, "firmware");
  EXPECT_EQ(fw.intended, "9.19.0");
  EXPECT_EQ(fw.observed, "9.33.1");
  ASSERT_FALSE(fw.evidence.empty());
  EXPECT_EQ(fw.evidence.front().source, "hl7.sft.version");
  EXPECT_EQ(r.matched[2].matched_by, "ip");
  ASSERT_EQ(r.matched[2].mismatches.size(), 1u);
  EXPECT_EQ(r.matched[2].mismatches[0].field, "model");
  EXPECT_EQ(r.matched[2].mismatches[0].observed, "IntelliVue MX800");
  ASSERT_EQ(r.missing.size(), 1u);
  EXPECT_EQ((*assets)[r.missing[0]].asset_id, "PUMP-99");
  EXPECT_EQ((*assets)[r.missing[0]].origin, "cmms.csv:5");
  // Every other local device of the demo is unknown to this CMMS.
  EXPECT_EQ(r.unknown.size(), ds.size() - 3);
  const InventoryView v{&ds, &*assets, &r};
  const std::string table = format_inventory_table(v);
  EXPECT_NE(table.find("MISMATCH PUMP-22"), std::string::npos) << table;
  EXPECT_NE(table.find("firmware intended '9.19.0', observed '9.33.1' from hl7.sft.version"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("MISSING  PUMP-99"), std::string::npos) << table;
  const std::string out_csv = format_inventory_csv(v);
  EXPECT_NE(out_csv.find(",PUMP-22,mismatch:firmware"), std::string::npos) << out_csv;
  EXPECT_NE(out_csv.find(",PUMP-99,missing"), std::string::npos) << out_csv;
}

TEST(Intended, JsonReconciliationMatchesTheSameWay) {
  const std::string json = R"([
    {"asset_id": "CAM-61", "mac": "00:40:8c:0a:06:3d", "model": "AXIS P3245-LVE", "firmware": "10.12.165"},
    {"asset_id": "CAM-62", "ip": "10.10.6.62", "model": "Q6135-LE", "firmware": "v9.80.3.8", "location": null},
    {"asset_id": "CAM-70", "ip": "10.10.6.70", "model": "P3245-LVE"}
  ])";
  auto assets = parse_intended(json, "cmms.json", true);
  ASSERT_TRUE(assets.ok()) << assets.error().message();
  const auto ds = demo_devices();
  const Reconciliation r = reconcile(*assets, ds);
  ASSERT_EQ(r.matched.size(), 2u);
  EXPECT_EQ(r.mismatch_count(), 0u);  // "AXIS P3245-LVE" names the model; "v9.80.3.8" the fw
  ASSERT_EQ(r.missing.size(), 1u);
  EXPECT_EQ((*assets)[r.missing[0]].asset_id, "CAM-70");
  const std::string out = format_inventory_json({&ds, &*assets, &r});
  EXPECT_NE(out.find(R"("missing":[{"asset_id":"CAM-70","origin":"cmms.json:$[2]")"),
            std::string::npos)
      << out.substr(out.find("reconciliation"));
}

TEST(Intended, ErrorsNameTheFileAndLineOrJsonPath) {
  struct Case {
    const char* text;
    bool json;
    const char* expect;
  };
  const std::vector<Case> cases = {
      {"asset_id,mac\nA1,9c:c8:ae:0a:02\n", false, "x:2: mac: bad MAC address '9c:c8:ae:0a:02'"},
      {"asset_id,ip\nA1,10.0.0.300\n", false, "x:2: ip: bad IP address '10.0.0.300'"},
      {"asset_id,mac,model\nA1,9c:c8:ae:0a:02:15\n", false, "x:2: expected 3 fields, found 2"},
      {"name,model\nA1,X\n", false, "x:1: the header needs asset_id and mac or ip"},
      {"asset_id,mac\n,9c:c8:ae:0a:02:15\n", false, "x:2: asset_id is empty"},
      {"asset_id,mac,ip\nA1,,\n", false, "x:2: asset 'A1' has neither mac nor ip"},
      {R"([{"asset_id":"A","mac":"00:11:22:33:44:55"},{"asset_id":"B","ip":7}])", true,
       "x: $[1].ip: expected a string"},
      {R"([{"asset_id":"A","mac":"zz"}])", true, "x: $[0].mac: bad MAC address 'zz'"},
      {R"({"asset_id":"A"})", true, "x: $: expected an array"},
      {"[\n {\"asset_id\": \"A\",\n", true, "x:3: invalid JSON"},
  };
  for (const auto& c : cases) {
    auto r = parse_intended(c.text, "x", c.json);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_NE(r.error().message().find(c.expect), std::string::npos) << r.error().message();
  }
}

TEST(Intended, ModelAndFirmwareComparisons) {
  EXPECT_TRUE(same_model("Alaris 8015", "Alaris PC Unit 8015"));
  EXPECT_TRUE(same_model("intellivue mx800", "IntelliVue MX800"));
  EXPECT_FALSE(same_model("IntelliVue MX450", "IntelliVue MX800"));
  EXPECT_TRUE(same_firmware("V9.33.1", "9.33.1"));
  EXPECT_FALSE(same_firmware("9.33", "9.33.1"));
}

// ------------------------------------------------------------------- outputs

TEST(Outputs, TheDeviceLogRecordCarriesTheIdentificationAndItsEvidence) {
  const auto ds = demo_devices();
  const Device* pump = with_ip(ds, "10.10.2.21");
  ASSERT_NE(pump, nullptr);
  const std::string line = device_log_line(*pump);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  for (const char* f :
       {R"("device_id":"mac:9c:c8:ae:0a:02:15")", R"("mac":"9c:c8:ae:0a:02:15")",
        R"("ips":["10.10.2.21"])", R"("class":"infusion_pump")", R"("vendor":"BD")",
        R"("model":"Alaris PC Unit 8015")", R"("version":"9.33.1")", R"("host_name":"ALARIS-0021")",
        R"("source":"hl7.sft.version","raw":"9.33.1")", R"("rule":"bd-alaris-pc-unit")"})
    EXPECT_NE(line.find(f), std::string::npos) << f << "\n" << line;
  EXPECT_EQ(top_evidence(*pump),
            "class<-hl7.sft.product[bd-alaris-pc-unit] 90; model<-hl7.sft.product 85");
}

// The policy validates zones' device_classes against its own copy of the class names.
TEST(DeviceClass, ThePolicyKnowsTheSameClassNamesInTheSameOrder) {
  for (std::size_t i = 0; i < policy::kDeviceClassNames.size(); ++i)
    EXPECT_EQ(device_class_name(static_cast<DeviceClass>(i)), policy::kDeviceClassNames[i]);
  DeviceClass c{};
  EXPECT_FALSE(parse_device_class("tablet", c));
  EXPECT_EQ(device_class_name(static_cast<DeviceClass>(policy::kDeviceClassNames.size())),
            "unknown");  // no class beyond the policy's list
}

}  // namespace
}  // namespace ward::inventory
