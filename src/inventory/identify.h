// Loads what identification needs once at start: the default fingerprint rules, an optional
// user rule file (its rules take precedence) and the IEEE OUI table. A missing OUI table or
// default rule file is not an error: identification still works with what is there, and a
// warning says what is missing. A broken rule file is an error (file:line:column).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "inventory/device_tracker.h"
#include "inventory/fingerprints.h"
#include "inventory/oui.h"

namespace ward::inventory {

struct Identification {
  RuleSet rules;
  std::optional<OuiTable> oui;
  std::string rules_path;  // the default rule file used, or ""
  std::vector<std::string> warnings;
  // Options pointing at this object's rules and table. REQUIRES: *this outlives the tracker.
  [[nodiscard]] TrackerOptions tracker_options() const {
    TrackerOptions t;
    t.rules = &rules;
    t.oui = oui ? &*oui : nullptr;
    return t;
  }
};

// `default_rules`: "" = default_fingerprints_path(); `user_rules`: "" = none;
// `oui_path`: "" = kDefaultOuiPath.
Result<std::unique_ptr<Identification>> load_identification(std::string default_rules,
                                                            const std::string& user_rules,
                                                            std::string oui_path);

}  // namespace ward::inventory
