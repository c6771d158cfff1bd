// The intended inventory (what the hospital's CMMS says should be on the network) and its
// reconciliation with what Ward observed: unknown devices (observed, not intended), missing
// devices (intended, not observed) and mismatches (model or firmware differ).
//
// Input: CSV with a header naming the columns asset_id, mac, ip, vendor, model, firmware,
// location in any order (other columns are ignored; asset_id and one of mac/ip are required),
// or a JSON array of objects with those keys. Errors name the file and line (CSV) or the JSON
// path ("$[3].mac"). Pure functions; thread-compatible.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/result.h"
#include "inventory/device.h"

namespace ward::inventory {

struct IntendedAsset {
  std::string asset_id;
  MacAddr mac;  // zero when not given
  IpAddr ip;    // zero when not given
  bool has_ip = false;
  std::string vendor, model, firmware, location;
  std::string origin;  // "file:line" or "file:$[i]"
};

inline constexpr std::size_t kMaxIntendedAssets = 1'000'000;

Result<std::vector<IntendedAsset>> load_intended(const std::string& path);
// The same from text; `name` is used in messages; `json` selects the format.
Result<std::vector<IntendedAsset>> parse_intended(std::string_view text, const std::string& name,
                                                  bool json);

struct Mismatch {
  std::string field;  // "model" or "firmware"
  std::string intended;
  std::string observed;
  std::vector<Evidence> evidence;  // behind the observed value
};

struct Matched {
  std::size_t asset = 0;   // index into the intended assets
  std::size_t device = 0;  // index into the devices
  std::string matched_by;  // "mac" or "ip"
  std::vector<Mismatch> mismatches;
};

struct Reconciliation {
  std::vector<Matched> matched;      // includes those with mismatches
  std::vector<std::size_t> unknown;  // device indices: local devices no asset names
  std::vector<std::size_t> missing;  // asset indices: no observed device
  [[nodiscard]] std::size_t mismatch_count() const;
};

// Matches assets to devices by MAC, else by IP. Only local devices (with a MAC, or with a
// private / link-local address) can be "unknown": public addresses are the outside world.
Reconciliation reconcile(const std::vector<IntendedAsset>& assets,
                         const std::vector<Device>& devices);

// True iff `observed` names the same model as `intended`: the words (letters and digits) of
// one are all among the words of the other, case-insensitively ("Alaris 8015" and "Alaris PC
// Unit 8015").
bool same_model(std::string_view intended, std::string_view observed);
// True iff two firmware strings are the same version ("v9.33.1" and "9.33.1").
bool same_firmware(std::string_view intended, std::string_view observed);
bool is_local_address(const IpAddr& ip);

}  // namespace ward::inventory
