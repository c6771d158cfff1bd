// Ground-truth labels for a capture (docs/eval.md): a JSON list of
//   {"class", "technique", "attacker_ip", "victim_ips", "start_ts", "end_ts", "description"}
// with times in epoch seconds of the capture. The testbed writes them (testbed/README.md);
// `ward eval` reads them. Untrusted input: bounded size and depth; every error names the file
// and the JSON pointer of the offending member.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/net.h"
#include "common/result.h"

namespace ward::eval {

struct Label {
  std::string cls;        // one of attack_classes()
  std::string technique;  // ATT&CK id as written ("T0855"); informational
  IpAddr attacker;
  std::vector<IpAddr> victims;  // empty: any victim
  double start_ts = 0;
  double end_ts = 0;
  std::string description;
};

inline constexpr std::size_t kMaxLabelFileBytes = 16u << 20;
inline constexpr std::size_t kMaxLabels = 100'000;

// Parses a labels document; `name` is used in errors ("labels.json: /3/start_ts: ...").
Result<std::vector<Label>> parse_labels(std::string_view json_text, std::string_view name);
Result<std::vector<Label>> load_labels(const std::string& path);

}  // namespace ward::eval
