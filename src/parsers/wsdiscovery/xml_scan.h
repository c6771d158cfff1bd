// A small pull scanner for the XML of SOAP-over-UDP messages (one datagram = one document).
// It yields start tags (with their raw attribute text), end tags and text; it skips comments,
// processing instructions and DOCTYPE declarations (their presence is reported, nothing in them
// is processed: no DTD, no external or custom entities), returns CDATA sections as text, and
// decodes only the five predefined entities and character references (decode_entities()).
// It checks that tags are well formed and balanced enough for extraction, not full XML 1.0
// conformance. Views point into the document. Bounded: no allocation, linear in the input.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ward::parsers::wsd::xml {

enum class TokenKind { kStart, kEnd, kText, kDone, kError };

struct Token {
  TokenKind kind = TokenKind::kDone;
  std::string_view name;   // kStart/kEnd: qualified name ("wsa:Action")
  std::string_view attrs;  // kStart: the raw attribute text
  bool self_closing = false;
  std::string_view text;  // kText: raw character data, or the content of a CDATA section
  bool cdata = false;     // kText from CDATA: no entity decoding applies
};

class Scanner {
 public:
  explicit Scanner(std::string_view doc) noexcept : doc_(doc) {}
  // The next token; kDone at the end; kError (and then always kError) on malformed markup.
  Token next() noexcept;
  [[nodiscard]] bool saw_doctype() const noexcept { return saw_doctype_; }

 private:
  std::string_view doc_;
  std::size_t pos_ = 0;
  bool failed_ = false;
  bool saw_doctype_ = false;
};

struct Attribute {
  std::string_view name;   // qualified name
  std::string_view value;  // raw (entities not decoded), without quotes
};

// Reads the next attribute from `attrs` (and advances it). Returns false at the end; sets
// `malformed` if the text is not name="value" / name='value' pairs.
bool next_attribute(std::string_view& attrs, Attribute& out, bool& malformed) noexcept;

// Appends `raw` to `out` with &amp; &lt; &gt; &quot; &apos; and &#N; / &#xH; decoded, as long
// as `out` stays within `max` bytes. Returns false if an entity is malformed or unknown (it is
// then copied as is) or the text did not fit (it is cut).
bool decode_entities(std::string_view raw, std::string& out, std::size_t max);

// "p:local" -> "p" and "local"; "local" -> "" and "local".
void split_qname(std::string_view qname, std::string_view& prefix,
                 std::string_view& local) noexcept;

}  // namespace ward::parsers::wsd::xml
