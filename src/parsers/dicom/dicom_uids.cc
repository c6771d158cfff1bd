#include "parsers/dicom/dicom_uids.h"

#include <array>

namespace ward::parsers::dicom {
namespace {

struct UidName {
  std::string_view uid;
  std::string_view name;
};

// PS3.6 Annex A, Table A-1: the common ones only.
constexpr std::array<UidName, 40> kUids = {{
    {"1.2.840.10008.1.1", "Verification SOP Class"},
    {"1.2.840.10008.3.1.1.1", "DICOM Application Context Name"},
    {"1.2.840.10008.1.2", "Implicit VR Little Endian"},
    {"1.2.840.10008.1.2.1", "Explicit VR Little Endian"},
    {"1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian"},
    {"1.2.840.10008.1.2.2", "Explicit VR Big Endian"},
    {"1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)"},
    {"1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)"},
    {"1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)"},
    {"1.2.840.10008.1.2.4.70", "JPEG Lossless, Non-Hierarchical, First-Order Prediction"},
    {"1.2.840.10008.1.2.4.80", "JPEG-LS Lossless Image Compression"},
    {"1.2.840.10008.1.2.4.81", "JPEG-LS Lossy (Near-Lossless) Image Compression"},
    {"1.2.840.10008.1.2.4.90", "JPEG 2000 Image Compression (Lossless Only)"},
    {"1.2.840.10008.1.2.4.91", "JPEG 2000 Image Compression"},
    {"1.2.840.10008.1.2.5", "RLE Lossless"},
    {"1.2.840.10008.5.1.4.1.1.1", "Computed Radiography Image Storage"},
    {"1.2.840.10008.5.1.4.1.1.1.1", "Digital X-Ray Image Storage - For Presentation"},
    {"1.2.840.10008.5.1.4.1.1.2", "CT Image Storage"},
    {"1.2.840.10008.5.1.4.1.1.2.1", "Enhanced CT Image Storage"},
    {"1.2.840.10008.5.1.4.1.1.3.1", "Ultrasound Multi-frame Image Storage"},
    {"1.2.840.10008.5.1.4.1.1.4", "MR Image Storage"},
    {"1.2.840.10008.5.1.4.1.1.4.1", "Enhanced MR Image Storage"},
    {"1.2.840.10008.5.1.4.1.1.6.1", "Ultrasound Image Storage"},
    {"1.2.840.10008.5.1.4.1.1.7", "Secondary Capture Image Storage"},
    {"1.2.840.10008.5.1.4.1.1.9.1.1", "12-lead ECG Waveform Storage"},
    {"1.2.840.10008.5.1.4.1.1.88.11", "Basic Text SR Storage"},
    {"1.2.840.10008.5.1.4.1.1.88.22", "Enhanced SR Storage"},
    {"1.2.840.10008.5.1.4.1.1.104.1", "Encapsulated PDF Storage"},
    {"1.2.840.10008.5.1.4.1.1.128", "Positron Emission Tomography Image Storage"},
    {"1.2.840.10008.5.1.4.1.1.481.5", "RT Plan Storage"},
    {"1.2.840.10008.5.1.4.1.2.1.1", "Patient Root Query/Retrieve Information Model - FIND"},
    {"1.2.840.10008.5.1.4.1.2.1.2", "Patient Root Query/Retrieve Information Model - MOVE"},
    {"1.2.840.10008.5.1.4.1.2.1.3", "Patient Root Query/Retrieve Information Model - GET"},
    {"1.2.840.10008.5.1.4.1.2.2.1", "Study Root Query/Retrieve Information Model - FIND"},
    {"1.2.840.10008.5.1.4.1.2.2.2", "Study Root Query/Retrieve Information Model - MOVE"},
    {"1.2.840.10008.5.1.4.1.2.2.3", "Study Root Query/Retrieve Information Model - GET"},
    {"1.2.840.10008.5.1.4.31", "Modality Worklist Information Model - FIND"},
    {"1.2.840.10008.3.1.2.3.3", "Modality Performed Procedure Step SOP Class"},
    {"1.2.840.10008.1.20.1", "Storage Commitment Push Model SOP Class"},
    {"1.2.840.10008.5.1.1.9", "Basic Grayscale Print Management Meta SOP Class"},
}};

std::string_view trim_nul(std::string_view uid) noexcept {
  while (!uid.empty() && (uid.back() == '\0' || uid.back() == ' ')) uid.remove_suffix(1);
  return uid;
}

}  // namespace

std::string_view uid_name(std::string_view uid) noexcept {
  uid = trim_nul(uid);
  for (const UidName& u : kUids)
    if (u.uid == uid) return u.name;
  return {};
}

Encoding transfer_syntax_encoding(std::string_view uid) noexcept {
  uid = trim_nul(uid);
  if (uid == "1.2.840.10008.1.2") return Encoding::kImplicitLittle;
  if (uid == "1.2.840.10008.1.2.1") return Encoding::kExplicitLittle;
  if (uid == "1.2.840.10008.1.2.1.99") return Encoding::kDeflated;
  if (uid == "1.2.840.10008.1.2.2") return Encoding::kExplicitBig;
  // PS3.5 §A.4: every encapsulated (compressed pixel data) syntax is explicit VR little endian
  // (1.2.840.10008.1.2.4.x JPEG family, 1.2.840.10008.1.2.5 RLE, and later ones).
  if (uid.substr(0, 20) == "1.2.840.10008.1.2.4." || uid == "1.2.840.10008.1.2.5")
    return Encoding::kExplicitLittle;
  return Encoding::kUnknown;
}

}  // namespace ward::parsers::dicom
