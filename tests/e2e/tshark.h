// tshark as a differential oracle: runs Debian's tshark on a capture and returns the fields
// asked for, one row per packet that matches the display filter. Tests compare what Ward
// logs with what tshark decodes from the same file.
#pragma once

#include <string>
#include <vector>

namespace ward::testing {

// True iff tshark is installed (scripts/install-deps.sh installs it).
bool tshark_available();

// `tshark -r capture -Y filter -T fields -e f1 -e f2 ...`; each row has one string per field
// (empty when the packet lacks it; several occurrences are joined by ','). Decoding of
// non-standard ports can be forced with `decode_as` entries such as "tcp.port==6661,hl7".
std::vector<std::vector<std::string>> tshark_fields(const std::string& capture,
                                                    const std::string& filter,
                                                    const std::vector<std::string>& fields,
                                                    const std::vector<std::string>& decode_as = {});

}  // namespace ward::testing
