#include "sim/hl7_messages.h"

#include <fmt/format.h>

#include <cmath>

namespace ward::sim {
namespace {

constexpr std::string_view kProfilePcd01 = "IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO";
constexpr std::string_view kProfilePcd03 =
    "IHE_PCD_PIV_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.3.1^ISO";
constexpr std::string_view kProfilePcd04 =
    "IHE_PCD_ACM_001^IHE PCD^1.3.6.1.4.1.19376.1.6.4.4.1^ISO";
constexpr std::string_view kProfilePcd10 = "IHE_PCD_010^IHE PCD^1.3.6.1.4.1.19376.1.6.4.10^ISO";

// HL7 NM (HL7 v2.5 §2.A.47): plain decimal, no exponent, trailing zeros trimmed.
std::string nm(double v) {
  if (!std::isfinite(v)) return "0";
  std::string s = fmt::format("{:.3f}", v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

// The MDC code for a UCUM rate unit (RXG-16 / OBX-6), so the units are machine-readable.
std::string units_field(std::string_view ucum) {
  if (ucum == "mL/h") return "265266^MDC_DIM_MILLI_L_PER_HR^MDC";
  if (ucum == "ug/kg/min") return "265619^MDC_DIM_MICRO_G_PER_KG_PER_MIN^MDC";
  return fmt::format("{0}^{0}^UCUM", ucum);
}

std::string sft(const DeviceIdentity& dev) {
  return fmt::format("SFT|{}^L^^^^{}|{}|{}|{}-{}", dev.vendor, dev.vendor_short, dev.firmware,
                     dev.model, dev.serial, dev.firmware);
}

std::string join(std::initializer_list<std::string> segments) {
  std::string out;
  for (const auto& s : segments) {
    out += s;
    out += '\r';
  }
  return out;
}

}  // namespace

std::string hl7_time(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}{:02}{:02}{:02}{:02}{:02}+0000", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string pump_eui(std::string_view pump_id) {
  std::string digits;
  for (char c : pump_id)
    if (c >= '0' && c <= '9') digits += c;
  if (digits.size() > 4) digits = digits.substr(digits.size() - 4);
  while (digits.size() < 4) digits.insert(digits.begin(), '0');
  return "0012AB000000" + digits;
}

std::string pcd01_oru(std::time_t now, std::string_view control_id, std::string_view pump_id,
                      const DeviceIdentity& dev, const Patient& pt, const Infusion& inf,
                      std::string_view drug_library_version) {
  const std::string eui = pump_eui(pump_id);
  const std::string ts = hl7_time(now);
  const double remain = std::max(0.0, inf.vtbi_ml - inf.volume_infused_ml);
  return join({
      fmt::format("MSH|^~\\&|{}^{}^EUI-64|{}|PUMPGW|{}|{}||ORU^R01^ORU_R01|{}|P|2.6|||NE|AL|||||{}",
                  pump_id, eui, pt.care_area, pt.care_area, ts, control_id, kProfilePcd01),
      sft(dev),
      fmt::format("PID|||{}^^^DEMOHOSP^MR||{}||{}|{}", pt.id, pt.name, pt.dob, pt.sex),
      fmt::format("PV1||I|{}^{}^1", pt.care_area, pt.bed),
      fmt::format("OBR|1|{}^{}||69985^MDC_DEV_PUMP_INFUS_MDS^MDC|||{}", control_id, pump_id, ts),
      fmt::format(
          "OBX|1||70049^MDC_DEV_PUMP_INFUS_LVP_MDS^MDC|1.0.0.0|||||||X|||||||{}^{}^{}^EUI-64", eui,
          dev.model, eui),
      fmt::format("PRT|1|UC||SB^Send by^participation||||||(01){}(21){}||||||{}||||{}", dev.udi_di,
                  dev.serial, dev.udi_di, dev.serial),
      fmt::format("OBX|2|ST|184514^MDC_DRUG_NAME_LABEL^MDC|1.1.1.1|{}||||||R", inf.drug),
      fmt::format("OBX|3|NM|157784^MDC_FLOW_FLUID_PUMP^MDC|1.1.1.2|{}|265266^MDC_DIM_MILLI_L_PER_"
                  "HR^MDC|||||R",
                  nm(inf.flow_ml_h)),
      fmt::format("OBX|4|NM|157924^MDC_RATE_DOSE^MDC|1.1.1.3|{}|{}|||||R", nm(inf.rate),
                  units_field(inf.rate_units)),
      fmt::format(
          "OBX|5|NM|157884^MDC_VOL_FLUID_TBI^MDC|1.1.1.4|{}|263762^MDC_DIM_MILLI_L^MDC|||||R",
          nm(inf.vtbi_ml)),
      fmt::format("OBX|6|NM|157993^MDC_VOL_FLUID_DELIV_TOTAL^MDC|1.1.1.5|{}|263762^MDC_DIM_MILLI_L^"
                  "MDC|||||R",
                  nm(inf.volume_infused_ml)),
      fmt::format("OBX|7|NM|157872^MDC_VOL_FLUID_TBI_REMAIN^MDC|1.1.1.6|{}|263762^MDC_DIM_MILLI_L^"
                  "MDC|||||R",
                  nm(remain)),
      fmt::format("OBX|8|ST|184517^MDC_PUMP_DRUG_LIBRARY_VERSION^MDC|1.0.0.1|{}||||||R",
                  drug_library_version),
  });
}

std::string pcd10_event(std::time_t now, std::string_view control_id, std::string_view pump_id,
                        const DeviceIdentity& dev, const Patient& pt, double flow_ml_h,
                        std::string_view event) {
  const std::string eui = pump_eui(pump_id);
  const std::string ts = hl7_time(now);
  return join({
      fmt::format("MSH|^~\\&|{}^{}^EUI-64|{}|PUMPGW|{}|{}||ORU^R42^ORU_R01|{}|P|2.6|||NE|AL|||||{}",
                  pump_id, eui, pt.care_area, pt.care_area, ts, control_id, kProfilePcd10),
      sft(dev),
      fmt::format("PID|||{}^^^DEMOHOSP^MR||{}||{}|{}", pt.id, pt.name, pt.dob, pt.sex),
      // IPEC: the PCD-01 structure (PV1 required), only MSH-9.2 and MSH-21 differ.
      fmt::format("PV1||I|{}^{}^1", pt.care_area, pt.bed),
      fmt::format("OBR|1|{}^{}||{}|||{}", control_id, pump_id, event, ts),
      fmt::format("OBX|1||70050^MDC_DEV_PUMP_INFUS_VMD^MDC|1.1.0.0|||||||X|||||||{}^{}^{}^EUI-64",
                  eui, dev.model, eui),
      fmt::format("OBX|2|NM|157784^MDC_FLOW_FLUID_PUMP^MDC|1.1.1.1|{}|265266^MDC_DIM_MILLI_L_PER_"
                  "HR^MDC|||||R",
                  nm(flow_ml_h)),
  });
}

std::string pcd04_alert(std::time_t now, std::string_view control_id, std::string_view pump_id,
                        const Patient& pt, const Alarm& alarm) {
  const std::string eui = pump_eui(pump_id);
  const std::string ts = hl7_time(now);
  return join({
      fmt::format("MSH|^~\\&|{}^{}^EUI-64|{}|PUMPGW|{}|{}||ORU^R40^ORU_R40|{}|P|2.6|||AL|NE|||||{}",
                  pump_id, eui, pt.care_area, pt.care_area, ts, control_id, kProfilePcd04),
      fmt::format("PID|||{}^^^DEMOHOSP^MR||{}||{}|{}", pt.id, pt.name, pt.dob, pt.sex),
      fmt::format("PV1||I|{}^{}^1", pt.care_area, pt.bed),
      fmt::format("OBR|1|{}^{}^{}^EUI-64|ALM-{}^{}^{}^EUI-64|196616^MDC_EVT_ALARM^MDC|||{}",
                  control_id, pump_id, eui, pump_id, pump_id, eui, ts),
      fmt::format("OBX|1|CWE|196616^MDC_EVT_ALARM^MDC|1.0.0.0.1|196940^MDC_EVT_FLUID_LINE_OCCL^MDC^"
                  "^^^^^Occlusion|||ST|||F|||||||{}^^{}^EUI-64",
                  eui, eui),
      fmt::format("OBX|2|CWE|68480^MDC_ATTR_ALERT_SOURCE^MDC|1.0.0.0.2|69985^MDC_DEV_PUMP_INFUS_"
                  "MDS^MDC||||||F|||{}",
                  ts),
      fmt::format("OBX|3|ST|68481^MDC_ATTR_EVENT_PHASE^MDC|1.0.0.0.3|{}||||||F", alarm.phase),
      fmt::format("OBX|4|ST|68482^MDC_ATTR_ALARM_STATE^MDC|1.0.0.0.4|{}||||||F", alarm.state),
      fmt::format("OBX|5|ST|68483^MDC_ATTR_ALARM_INACTIVATION_STATE^MDC|1.0.0.0.5|{}||||||F",
                  alarm.inactivation),
      fmt::format("OBX|6|ST|68484^MDC_ATTR_ALARM_PRIORITY^MDC|1.0.0.0.6|{}||||||F", alarm.priority),
      "OBX|7|ST|68485^MDC_ATTR_ALERT_TYPE^MDC|1.0.0.0.7|ST||||||F",
  });
}

std::string pcd03_rgv(std::time_t now, std::string_view control_id, std::string_view sender,
                      std::string_view receiver, std::string_view pump_id, const Patient& pt,
                      const Infusion& inf, std::string_view order_control) {
  // RXG: 4 give code, 5 VTBI, 7 its units (mL), 15 rate, 16 rate units.
  const std::string rxg =
      fmt::format("RXG|1|1||{}^{}^NDC|{}||263762^MDC_DIM_MILLI_L^MDC||||||||{}|{}", inf.drug_id,
                  inf.drug, nm(inf.vtbi_ml), nm(inf.rate), units_field(inf.rate_units));
  return join({
      fmt::format("MSH|^~\\&|{}|{}|{}|{}|{}||RGV^O15^RGV_O15|{}|P|2.6|||AL|NE|||||{}", sender,
                  pt.care_area, receiver, pt.care_area, hl7_time(now), control_id, kProfilePcd03),
      fmt::format("PID|||{}^^^DEMOHOSP^MR||{}||{}|{}", pt.id, pt.name, pt.dob, pt.sex),
      fmt::format("PV1||I|{}^{}^1", pt.care_area, pt.bed),
      fmt::format("ORC|{}|{}-ORD^BCMA||||||||||||||||||{}", order_control, control_id,
                  pt.care_area),
      rxg,
      "RXR|IV^Intravenous^HL70162",
      fmt::format("OBX|1||69986^MDC_DEV_PUMP_INFUS_VMD^MDC|||||||||||||||{}^^{}^EUI-64", pump_id,
                  pump_eui(pump_id)),
      fmt::format("OBX|2|NM|68063^MDC_ATTR_PT_WEIGHT^MDC||{}|kg^kg^UCUM|||||F", nm(inf.weight_kg)),
  });
}

std::string ack(std::time_t now, std::string_view control_id, std::string_view sender,
                std::string_view receiver, std::string_view event, std::string_view code,
                std::string_view err_text) {
  std::string out =
      fmt::format("MSH|^~\\&|{}|ICU|{}|ICU|{}||ACK^{}^ACK|A{}|P|2.6\rMSA|{}|{}\r", sender, receiver,
                  hl7_time(now), event, control_id, code, control_id);
  if (!err_text.empty())
    out += fmt::format("ERR|||207^Application internal error^HL70357|E|{}\r", err_text);
  return out;
}

std::string_view field_of(std::string_view message, std::string_view segment, int field) {
  std::size_t pos = 0;
  while (pos < message.size()) {
    std::size_t end = message.find('\r', pos);
    if (end == std::string_view::npos) end = message.size();
    std::string_view seg = message.substr(pos, end - pos);
    pos = end + 1;
    if (seg.size() < 4 || seg.substr(0, 3) != segment || seg[3] != '|') continue;
    // MSH-1 is the separator itself, so MSH field n is the (n-1)th after the segment id.
    int index = segment == "MSH" ? field - 1 : field;
    std::size_t start = 3;
    for (int i = 0; i < index; ++i) {
      start = seg.find('|', start);
      if (start == std::string_view::npos) return {};
      ++start;
    }
    std::size_t stop = seg.find('|', start);
    return seg.substr(start, stop == std::string_view::npos ? seg.size() - start : stop - start);
  }
  return {};
}

std::string_view control_id_of(std::string_view message) { return field_of(message, "MSH", 10); }
std::string_view message_type_of(std::string_view message) { return field_of(message, "MSH", 9); }

}  // namespace ward::sim
