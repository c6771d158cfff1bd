// Names of well-known DICOM UIDs (PS3.6 Annex A): the common SOP classes and transfer syntaxes a
// monitor sees, so logs can say "CT Image Storage" next to 1.2.840.10008.5.1.4.1.1.2. A small
// constant table; stateless and thread-safe.
#pragma once

#include <string_view>

namespace ward::parsers::dicom {

// The PS3.6 name of `uid` (trailing NUL padding ignored), or "" when it is not in the table.
std::string_view uid_name(std::string_view uid) noexcept;

// How a transfer syntax encodes data sets, for the PHI scan.
enum class Encoding : unsigned char {
  kUnknown,         // not negotiated (picked up mid-association) or not in the table
  kImplicitLittle,  // 1.2.840.10008.1.2
  kExplicitLittle,  // 1.2.840.10008.1.2.1 and every encapsulated (compressed pixel) syntax
  kExplicitBig,     // 1.2.840.10008.1.2.2 (retired)
  kDeflated,        // 1.2.840.10008.1.2.1.99: the data set is compressed, not scannable
};
Encoding transfer_syntax_encoding(std::string_view uid) noexcept;

}  // namespace ward::parsers::dicom
