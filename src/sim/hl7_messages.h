// HL7 v2.6 messages of the IHE PCD profiles, as the simulated devices send them (DOMAIN.md):
//   PCD-01 ORU^R01  pump -> pump server: drug, rate, VTBI, volume infused, device identity
//   PCD-10 ORU^R42  pump -> pump server: an infusion event (start, stop, alarm)
//   PCD-03 RGV^O15  EHR -> pump server -> pump: a programming order (RXG)
//   ACK^O15 / ACK^R01 / ACK^R42: the original-mode acknowledgement (MSA)
// Segments are separated by <CR>; framing (MLLP) is added by the sender. Pure functions: the
// caller passes the time, so tests get the same bytes on every run.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

namespace ward::sim {

// What a device announces about itself (MSH-3, SFT, PRT, OBX-18), so an inventory can name it.
struct DeviceIdentity {
  std::string vendor = "Becton Dickinson";  // SFT-1.1
  std::string vendor_short = "BD";          // SFT-1.6
  std::string model = "Alaris PC Unit 8015";
  std::string firmware = "9.19";  // SFT-2
  std::string udi_di = "00812345000211";
  std::string serial = "SN021";
};

// The drug and the programmed infusion. rate_units is the RXG-16 / OBX-6 text (UCUM), e.g.
// "mL/h" or "[iU]/h"; drug_id is the NDC product code (RXG-4.1).
struct Infusion {
  std::string drug_id = "0409-2720";
  std::string drug = "heparin";
  double rate = 1200;
  std::string rate_units = "[iU]/h";
  double vtbi_ml = 250;
  double volume_infused_ml = 0;
  double flow_ml_h = 12;  // the pump's fluid flow (MDC_FLOW_FLUID_PUMP)
  double weight_kg = 72;
};

struct Patient {
  std::string id = "MRN-00417";  // invented
  std::string name = "Testpatient^Alice";
  std::string dob = "19470312";
  std::string sex = "F";
  std::string care_area = "ICU";
  std::string bed = "BED07";
};

// "YYYYMMDDHHMMSS+0000" (HL7 DTM, UTC).
std::string hl7_time(std::time_t t);

// The pump's EUI-64 derived from its id ("PUMP0021" -> "0012AB0000000021").
std::string pump_eui(std::string_view pump_id);

std::string pcd01_oru(std::time_t now, std::string_view control_id, std::string_view pump_id,
                      const DeviceIdentity& dev, const Patient& pt, const Infusion& inf,
                      std::string_view drug_library_version);

// event: an MDC event code with its name, e.g. "196614^MDC_EVT_PUMP_DELIV_START^MDC".
std::string pcd10_event(std::time_t now, std::string_view control_id, std::string_view pump_id,
                        const DeviceIdentity& dev, const Patient& pt, double flow_ml_h,
                        std::string_view event);

// An IHE PCD-04 ORU^R40 alert (ACM) from the pump: an occlusion alarm with its phase ("start",
// "continue", "end"), state ("active", "inactive", "latched"), inactivation state ("enabled",
// "audio-paused", "alarm-paused", "alarm-off") and priority (PN, PL, PM, PH).
struct Alarm {
  std::string phase = "start";
  std::string state = "active";
  std::string inactivation = "enabled";
  std::string priority = "PH";
};
std::string pcd04_alert(std::time_t now, std::string_view control_id, std::string_view pump_id,
                        const Patient& pt, const Alarm& alarm);

// sender: MSH-3 (e.g. "BCMA^0012AB0000000010^EUI-64"); receiver: MSH-5.
std::string pcd03_rgv(std::time_t now, std::string_view control_id, std::string_view sender,
                      std::string_view receiver, std::string_view pump_id, const Patient& pt,
                      const Infusion& inf, std::string_view order_control = "NW");

// code: AA, AE or AR. event: "O15", "R01" or "R42". err_text non-empty adds an ERR segment.
std::string ack(std::time_t now, std::string_view control_id, std::string_view sender,
                std::string_view receiver, std::string_view event, std::string_view code,
                std::string_view err_text = {});

// MSH-10 of a message, or empty when it has none.
std::string_view control_id_of(std::string_view message);
// MSH-9 of a message ("RGV^O15^RGV_O15"), or empty.
std::string_view message_type_of(std::string_view message);
// Field `field` (1-based, HL7 numbering, MSH-1 is the separator) of the first segment named
// `segment`, or empty.
std::string_view field_of(std::string_view message, std::string_view segment, int field);

}  // namespace ward::sim
