// libFuzzer target for what ward-sim reads from the network: MLLP framing (MllpReader, fed in
// pieces cut at the input's first byte), the field access on each framed message, and the status
// line of an HTTPS response (http_status_of).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sim/fhir_upload.h"
#include "sim/hl7_messages.h"
#include "sim/mllp_net.h"

// NOLINTNEXTLINE(readability-identifier-naming): the entry point name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t cut = data[0] % size;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  (void)ward::sim::http_status_of(in);
  ward::sim::MllpReader r;
  for (std::string_view piece : {in.substr(0, cut), in.substr(std::min(cut, in.size()))}) {
    if (!r.feed(piece)) return 0;
    while (auto m = r.next()) {
      (void)ward::sim::control_id_of(*m);
      (void)ward::sim::message_type_of(*m);
      for (int f = 0; f < 20; ++f) (void)ward::sim::field_of(*m, "RXG", f);
      (void)ward::sim::field_of(*m, "MSA", 1);
    }
  }
  return 0;
}
