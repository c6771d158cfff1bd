#include "parsers/wsdiscovery/xml_scan.h"

#include <charconv>
#include <cstdint>

namespace ward::parsers::wsd::xml {
namespace {

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool starts_with(std::string_view s, std::size_t pos, std::string_view prefix) noexcept {
  return s.size() - pos >= prefix.size() && s.substr(pos, prefix.size()) == prefix;
}

// Appends code point `cp` as UTF-8. False for values XML does not allow.
bool append_utf8(std::uint32_t cp, std::string& out) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return true;
}

}  // namespace

Token Scanner::next() noexcept {
  Token t;
  for (;;) {
    if (failed_) {
      t.kind = TokenKind::kError;
      return t;
    }
    if (pos_ >= doc_.size()) {
      t.kind = TokenKind::kDone;
      return t;
    }
    if (doc_[pos_] != '<') {
      std::size_t lt = doc_.find('<', pos_);
      if (lt == std::string_view::npos) lt = doc_.size();
      t.kind = TokenKind::kText;
      t.text = doc_.substr(pos_, lt - pos_);
      pos_ = lt;
      return t;
    }
    // XML 1.0 §2.5 comments, §2.8 DOCTYPE, §2.6 processing instructions, §2.7 CDATA.
    const auto skip_past = [&](std::string_view end) {
      const std::size_t e = doc_.find(end, pos_);
      if (e == std::string_view::npos) {
        failed_ = true;
        return;
      }
      pos_ = e + end.size();
    };
    if (starts_with(doc_, pos_, "<!--")) {
      pos_ += 4;
      skip_past("-->");
      continue;
    }
    if (starts_with(doc_, pos_, "<![CDATA[")) {
      const std::size_t begin = pos_ + 9;
      const std::size_t e = doc_.find("]]>", begin);
      if (e == std::string_view::npos) {
        failed_ = true;
        continue;
      }
      t.kind = TokenKind::kText;
      t.cdata = true;
      t.text = doc_.substr(begin, e - begin);
      pos_ = e + 3;
      return t;
    }
    if (starts_with(doc_, pos_, "<!")) {
      saw_doctype_ = true;
      // A DOCTYPE may hold an internal subset in brackets: skip to "]>" then, else to '>'.
      const std::size_t gt = doc_.find('>', pos_);
      const std::size_t bracket = doc_.find('[', pos_);
      if (bracket != std::string_view::npos && gt != std::string_view::npos && bracket < gt) {
        skip_past("]>");
      } else {
        skip_past(">");
      }
      continue;
    }
    if (starts_with(doc_, pos_, "<?")) {
      skip_past("?>");
      continue;
    }
    const bool end_tag = starts_with(doc_, pos_, "</");
    std::size_t i = pos_ + (end_tag ? 2 : 1);
    const std::size_t name_begin = i;
    while (i < doc_.size() && !is_space(doc_[i]) && doc_[i] != '>' && doc_[i] != '/' &&
           doc_[i] != '<')
      ++i;
    t.name = doc_.substr(name_begin, i - name_begin);
    if (t.name.empty()) {
      failed_ = true;
      continue;
    }
    // The rest of the tag, up to a '>' outside quotes.
    const std::size_t attrs_begin = i;
    char quote = 0;
    while (i < doc_.size()) {
      const char c = doc_[i];
      if (quote != 0) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '>' || c == '<') {
        break;
      }
      ++i;
    }
    if (i >= doc_.size() || doc_[i] != '>') {
      failed_ = true;
      continue;
    }
    std::string_view rest = doc_.substr(attrs_begin, i - attrs_begin);
    pos_ = i + 1;
    if (end_tag) {
      for (char c : rest)
        if (!is_space(c)) failed_ = true;
      if (failed_) continue;
      t.kind = TokenKind::kEnd;
      return t;
    }
    if (!rest.empty() && rest.back() == '/') {
      t.self_closing = true;
      rest.remove_suffix(1);
    }
    t.kind = TokenKind::kStart;
    t.attrs = rest;
    return t;
  }
}

bool next_attribute(std::string_view& attrs, Attribute& out, bool& malformed) noexcept {
  std::size_t i = 0;
  while (i < attrs.size() && is_space(attrs[i])) ++i;
  if (i == attrs.size()) {
    attrs = {};
    return false;
  }
  const std::size_t name_begin = i;
  while (i < attrs.size() && !is_space(attrs[i]) && attrs[i] != '=') ++i;
  out.name = attrs.substr(name_begin, i - name_begin);
  while (i < attrs.size() && is_space(attrs[i])) ++i;
  if (out.name.empty() || i == attrs.size() || attrs[i] != '=') {
    malformed = true;
    attrs = {};
    return false;
  }
  ++i;
  while (i < attrs.size() && is_space(attrs[i])) ++i;
  if (i == attrs.size() || (attrs[i] != '"' && attrs[i] != '\'')) {
    malformed = true;
    attrs = {};
    return false;
  }
  const char q = attrs[i++];
  const std::size_t close = attrs.find(q, i);
  if (close == std::string_view::npos) {
    malformed = true;
    attrs = {};
    return false;
  }
  out.value = attrs.substr(i, close - i);
  attrs = attrs.substr(close + 1);
  return true;
}

bool decode_entities(std::string_view raw, std::string& out, std::size_t max) {
  bool ok = true;
  std::size_t i = 0;
  while (i < raw.size()) {
    if (out.size() + 4 > max) return false;  // room for one more UTF-8 sequence
    const char c = raw[i];
    if (c != '&') {
      out.push_back(c);
      ++i;
      continue;
    }
    const std::size_t semi = raw.find(';', i);
    const std::string_view ent = semi == std::string_view::npos || semi - i > 12
                                     ? std::string_view{}
                                     : raw.substr(i + 1, semi - i - 1);
    bool done = true;
    if (ent == "amp") {
      out.push_back('&');
    } else if (ent == "lt") {
      out.push_back('<');
    } else if (ent == "gt") {
      out.push_back('>');
    } else if (ent == "quot") {
      out.push_back('"');
    } else if (ent == "apos") {
      out.push_back('\'');
    } else if (ent.size() >= 2 && ent[0] == '#') {
      // XML 1.0 §4.1 character references.
      std::uint32_t cp = 0;
      const bool hex = ent[1] == 'x';
      const std::string_view digits = ent.substr(hex ? 2 : 1);
      const auto [p, ec] =
          std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
      done = !digits.empty() && ec == std::errc() && p == digits.data() + digits.size() &&
             append_utf8(cp, out);
    } else {
      done = false;
    }
    if (done) {
      i = semi + 1;
    } else {
      ok = false;  // keep the '&' literally and go on
      out.push_back('&');
      ++i;
    }
  }
  return ok;
}

void split_qname(std::string_view qname, std::string_view& prefix,
                 std::string_view& local) noexcept {
  const std::size_t colon = qname.find(':');
  if (colon == std::string_view::npos) {
    prefix = {};
    local = qname;
  } else {
    prefix = qname.substr(0, colon);
    local = qname.substr(colon + 1);
  }
}

}  // namespace ward::parsers::wsd::xml
