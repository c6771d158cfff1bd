#include "inventory/identify.h"

namespace ward::inventory {

Result<std::unique_ptr<Identification>> load_identification(std::string default_rules,
                                                            const std::string& user_rules,
                                                            std::string oui_path) {
  auto id = std::make_unique<Identification>();
  if (default_rules.empty()) default_rules = default_fingerprints_path();
  if (default_rules.empty()) {
    id->warnings.emplace_back(
        "no default fingerprint rules found (data/fingerprints.yaml; set WARD_DATA_DIR): "
        "devices are identified from direct signals only");
  } else {
    if (Status s = id->rules.add_file(default_rules, false); !s.ok()) return unexpected(s);
    id->rules_path = default_rules;
  }
  if (!user_rules.empty()) {
    if (Status s = id->rules.add_file(user_rules, true); !s.ok()) return unexpected(s);
  }
  if (oui_path.empty()) oui_path = std::string(kDefaultOuiPath);
  auto oui = OuiTable::load(oui_path);
  if (oui.ok()) {
    id->oui = std::move(*oui);
  } else {
    id->warnings.push_back(oui.error().message() +
                           " (install Debian's ieee-data): vendors are not looked up from MAC "
                           "addresses; identification continues without them");
  }
  return id;
}

}  // namespace ward::inventory
