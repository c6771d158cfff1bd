// Renderings of the inventory: one JSON record per device (the `device` log and
// `ward inventory --format json`), a table for people, CSV for spreadsheets; each with the
// reconciliation against the intended inventory when one was given. Pure functions.
#pragma once

#include <string>
#include <vector>

#include "common/json_writer.h"
#include "inventory/device.h"
#include "inventory/intended.h"

namespace ward::inventory {

// One device as a JSON object (Zeek-style names where Zeek has them: `ts`, `mac`, `host_name`).
// `ts` is the device's last_seen. With `evidence`, every attribute value and its evidence;
// without, the best value of each identification attribute only.
void write_device_json(JsonWriter& w, const Device& d, bool evidence = true);
std::string device_log_line(const Device& d);

// The strongest evidence of the identification (class, vendor, model, version), for a table
// cell: "class=infusion_pump<-hl7.sft.product[bd-alaris-pcu] 85".
std::string top_evidence(const Device& d, std::size_t max_items = 2);

struct InventoryView {
  const std::vector<Device>* devices = nullptr;
  const std::vector<IntendedAsset>* intended = nullptr;  // null: no reconciliation
  const Reconciliation* reconciliation = nullptr;
};

std::string format_inventory_table(const InventoryView& v);
std::string format_inventory_json(const InventoryView& v);
std::string format_inventory_csv(const InventoryView& v);

}  // namespace ward::inventory
