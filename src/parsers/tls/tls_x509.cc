// RFC 5280 certificate fields through OpenSSL 3, written the way Zeek's X509 analyzer writes
// them (zeek/zeek:src/file_analysis/analyzer/x509/X509.cc): RFC 2253 names, upper-case hex
// serial, OBJ long names for algorithms.
#include "parsers/tls/tls_x509.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <climits>
#include <ctime>
#include <memory>

#include "common/net.h"

namespace ward::parsers::tls::detail {
namespace {

struct X509Free {
  void operator()(X509* p) const noexcept { X509_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const noexcept { BIO_free(p); }
};
struct GeneralNamesFree {
  void operator()(GENERAL_NAMES* p) const noexcept { GENERAL_NAMES_free(p); }
};
struct BasicConstraintsFree {
  void operator()(BASIC_CONSTRAINTS* p) const noexcept { BASIC_CONSTRAINTS_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const noexcept { BN_free(p); }
};

std::string bounded(std::string_view s, std::uint32_t max) { return std::string(s.substr(0, max)); }

// What OpenSSL printed into `bio`, bounded.
std::string take(BIO* bio, std::uint32_t max) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  if (n <= 0 || data == nullptr) return {};
  return bounded(std::string_view(data, static_cast<std::size_t>(n)), max);
}

std::string name_text(const X509_NAME* name, std::uint32_t max) {
  if (name == nullptr) return {};
  const std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio) return {};
  if (X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
  return take(bio.get(), max);
}

std::string object_text(const ASN1_OBJECT* obj) {
  if (obj == nullptr) return {};
  std::array<char, 128> buf{};
  const int n = OBJ_obj2txt(buf.data(), static_cast<int>(buf.size()), obj, 0);
  if (n <= 0) return {};
  return std::string(buf.data(),
                     std::min<std::size_t>(static_cast<std::size_t>(n), buf.size() - 1));
}

std::string_view asn1_view(const ASN1_STRING* s) {
  if (s == nullptr) return {};
  const int len = ASN1_STRING_length(s);
  if (len <= 0) return {};
  return as_chars(ByteView(ASN1_STRING_get0_data(s), static_cast<std::size_t>(len)));
}

// ASN.1 UTCTime / GeneralizedTime as Unix seconds; false if OpenSSL cannot read it.
bool unix_seconds(const ASN1_TIME* t, std::int64_t& out) {
  if (t == nullptr) return false;
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return false;
  const std::int64_t days =
      days_from_civil(std::int64_t{tm.tm_year} + 1900, static_cast<unsigned>(tm.tm_mon + 1),
                      static_cast<unsigned>(tm.tm_mday));
  out = days * 86400 + std::int64_t{tm.tm_hour} * 3600 + std::int64_t{tm.tm_min} * 60 + tm.tm_sec;
  return true;
}

void decode_key(X509* x, X509Info& out, std::uint32_t max) {
  ASN1_OBJECT* alg = nullptr;
  if (X509_PUBKEY_get0_param(&alg, nullptr, nullptr, nullptr, X509_get_X509_PUBKEY(x)) == 1)
    out.key_alg = object_text(alg);
  EVP_PKEY* key = X509_get0_pubkey(x);  // owned by the certificate; null if unsupported
  if (key == nullptr) {
    out.key_type = "unknown";
    return;
  }
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS:
      out.key_type = "rsa";
      break;
    case EVP_PKEY_DSA:
      out.key_type = "dsa";
      break;
    case EVP_PKEY_EC:
      out.key_type = "ecdsa";
      break;
    case EVP_PKEY_ED25519:
      out.key_type = "ed25519";
      break;
    case EVP_PKEY_ED448:
      out.key_type = "ed448";
      break;
    case EVP_PKEY_DH:
    case EVP_PKEY_DHX:
      out.key_type = "dh";
      break;
    default:
      out.key_type = "unknown";
      break;
  }
  const int bits = EVP_PKEY_get_bits(key);
  out.key_length = bits > 0 ? static_cast<std::uint32_t>(bits) : 0;
  if (out.key_type == "rsa") {
    BIGNUM* e = nullptr;
    if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e) == 1 && e != nullptr) {
      const std::unique_ptr<BIGNUM, BnFree> owned(e);
      char* dec = BN_bn2dec(e);
      if (dec != nullptr) {
        out.exponent = bounded(dec, max);
        OPENSSL_free(dec);
      }
    }
  } else if (out.key_type == "ecdsa") {
    std::array<char, 80> group{};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(),
                                       &len) == 1) {
      out.curve = std::string(group.data(), std::min(len, group.size() - 1));
    }
  }
}

void decode_sans(X509* x, const X509Limits& limits, X509Info& out) {
  const std::unique_ptr<GENERAL_NAMES, GeneralNamesFree> names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return;
  std::uint32_t kept = 0;
  const int n = sk_GENERAL_NAME_num(names.get());
  for (int i = 0; i < n; ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names.get(), i);
    if (g == nullptr) continue;
    int type = 0;
    const void* value = GENERAL_NAME_get0_value(g, &type);
    std::vector<std::string>* list = nullptr;
    std::string text;
    switch (type) {
      case GEN_DNS:
        list = &out.san_dns;
        text = bounded(asn1_view(static_cast<const ASN1_STRING*>(value)), limits.max_string_bytes);
        break;
      case GEN_URI:
        list = &out.san_uri;
        text = bounded(asn1_view(static_cast<const ASN1_STRING*>(value)), limits.max_string_bytes);
        break;
      case GEN_EMAIL:
        list = &out.san_email;
        text = bounded(asn1_view(static_cast<const ASN1_STRING*>(value)), limits.max_string_bytes);
        break;
      case GEN_IPADD: {
        const ByteView ip = as_bytes(asn1_view(static_cast<const ASN1_STRING*>(value)));
        if (ip.size() == 4) {
          text = IpAddr::v4(ip).to_string();
        } else if (ip.size() == 16) {
          text = IpAddr::v6(ip).to_string();
        } else {
          continue;  // RFC 5280 §4.2.1.6: 4 or 16 octets; anything else is not an address
        }
        list = &out.san_ip;
        break;
      }
      default:
        continue;
    }
    if (kept == limits.max_sans) {
      out.sans_truncated = true;
      return;
    }
    ++kept;
    list->push_back(std::move(text));
  }
}

}  // namespace

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

const X509Info* X509Cache::lookup(ByteView der, const X509Limits& limits) {
  const std::string_view key(reinterpret_cast<const char*>(der.data()), der.size());
  if (auto it = by_der_.find(key); it != by_der_.end()) {
    ++hits_;
    entries_.splice(entries_.begin(), entries_, it->second);
    return it->second->valid ? &it->second->info : nullptr;
  }
  if (capacity_ == 0) {
    scratch_.valid = decode_x509(der, limits, scratch_.info);
    return scratch_.valid ? &scratch_.info : nullptr;
  }
  if (entries_.size() >= capacity_) {
    by_der_.erase(entries_.back().der);
    entries_.pop_back();
  }
  entries_.emplace_front();
  Entry& e = entries_.front();
  e.der.assign(key);
  e.valid = decode_x509(der, limits, e.info);
  by_der_.emplace(e.der, entries_.begin());
  return e.valid ? &e.info : nullptr;
}

bool decode_x509(ByteView der, const X509Limits& limits, X509Info& out) {
  out = X509Info{};
  if (der.empty() || der.size() > static_cast<std::size_t>(INT_MAX)) return false;
  const unsigned char* p = der.data();
  const std::unique_ptr<X509, X509Free> x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x) return false;

  out.version = static_cast<std::uint32_t>(X509_get_version(x.get()) + 1);
  {
    const std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
    if (bio && i2a_ASN1_INTEGER(bio.get(), X509_get0_serialNumber(x.get())) > 0)
      out.serial = take(bio.get(), limits.max_string_bytes);
  }
  out.subject = name_text(X509_get_subject_name(x.get()), limits.max_string_bytes);
  out.issuer = name_text(X509_get_issuer_name(x.get()), limits.max_string_bytes);
  (void)unix_seconds(X509_get0_notBefore(x.get()), out.not_before);
  (void)unix_seconds(X509_get0_notAfter(x.get()), out.not_after);
  const X509_ALGOR* sig = nullptr;
  X509_get0_signature(nullptr, &sig, x.get());
  if (sig != nullptr) {
    const ASN1_OBJECT* obj = nullptr;
    X509_ALGOR_get0(&obj, nullptr, nullptr, sig);
    out.sig_alg = object_text(obj);
  }
  decode_key(x.get(), out, limits.max_string_bytes);
  decode_sans(x.get(), limits, out);
  {
    int critical = 0;
    const std::unique_ptr<BASIC_CONSTRAINTS, BasicConstraintsFree> bc(
        static_cast<BASIC_CONSTRAINTS*>(
            X509_get_ext_d2i(x.get(), NID_basic_constraints, &critical, nullptr)));
    if (bc) {
      out.basic_constraints_ca = bc->ca != 0;
      if (bc->pathlen != nullptr) {
        const long len = ASN1_INTEGER_get(bc->pathlen);
        if (len >= 0 && len <= 0xffff)
          out.basic_constraints_path_len = static_cast<std::uint32_t>(len);
      }
    }
  }
  // RFC 5280 §6.1: self-signed = self-issued and verifiable with its own key; OpenSSL's cached
  // flag checks the names and the key identifiers, not the signature (cheap and sufficient
  // to flag device certificates that no CA issued).
  out.self_signed = (X509_get_extension_flags(x.get()) & EXFLAG_SS) != 0;
  out.sha256 = sha256_hex(der.first(static_cast<std::size_t>(p - der.data())));
  out.sha1 = sha1_hex(der.first(static_cast<std::size_t>(p - der.data())));
  return true;
}

namespace {

std::string digest_hex(const EVP_MD* md, ByteView data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> buf{};
  unsigned int n = 0;
  if (EVP_Digest(data.data(), data.size(), buf.data(), &n, md, nullptr) != 1) return {};
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  out.reserve(std::size_t{n} * 2);
  for (unsigned int i = 0; i < n; ++i) {
    out.push_back(kHex[buf[i] >> 4]);
    out.push_back(kHex[buf[i] & 0xfU]);
  }
  return out;
}

}  // namespace

std::string md5_hex(std::string_view data) { return digest_hex(EVP_md5(), as_bytes(data)); }
std::string sha256_hex(ByteView data) { return digest_hex(EVP_sha256(), data); }
std::string sha1_hex(ByteView data) { return digest_hex(EVP_sha1(), data); }

}  // namespace ward::parsers::tls::detail
