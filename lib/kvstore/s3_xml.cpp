#include "kvstore/s3_xml.hpp"

#include <cstdint>

#include "core/error.hpp"

namespace dflow::kv {

namespace {

void append_utf8(std::string& out, uint32_t cp, const std::string& where) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) fail("{}: XML character reference {} is not a character", where, cp);
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

std::string decode_entities(std::string_view s, const std::string& where) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    const size_t semi = s.find(';', i);
    if (semi == std::string_view::npos || semi - i > 12) fail("{}: unterminated XML entity at \"{}\"", where, printable(s.substr(i, 12)));
    const std::string_view name = s.substr(i + 1, semi - i - 1);
    if (name == "lt") out += '<';
    else if (name == "gt") out += '>';
    else if (name == "amp") out += '&';
    else if (name == "quot") out += '"';
    else if (name == "apos") out += '\'';
    else if (name.size() > 1 && name[0] == '#') {
      const bool hex = name[1] == 'x' || name[1] == 'X';
      const std::string_view digits = name.substr(hex ? 2 : 1);
      if (digits.empty()) fail("{}: empty XML character reference", where);
      uint32_t cp = 0;
      for (char c : digits) {
        int d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (hex && c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else fail("{}: bad XML character reference &{};", where, printable(name));
        cp = cp * (hex ? 16 : 10) + uint32_t(d);
        if (cp > 0x10FFFF) fail("{}: XML character reference &{}; is out of range", where, printable(name));
      }
      append_utf8(out, cp, where);
    } else {
      fail("{}: unknown XML entity &{};", where, printable(name));
    }
    i = semi;
  }
  return out;
}

}  // namespace

std::vector<std::string> xml_texts(std::string_view xml, std::string_view tag, const std::string& where) {
  std::vector<std::string> out;
  const std::string open = "<" + std::string(tag), close = "</" + std::string(tag) + ">";
  size_t pos = 0;
  while ((pos = xml.find(open, pos)) != std::string_view::npos) {
    const size_t after = pos + open.size();
    if (after >= xml.size()) fail("{}: XML ends inside <{}>", where, tag);
    const char c = xml[after];
    if (c != '>' && c != ' ' && c != '/') {  // <KeyCount> is not <Key>
      pos = after;
      continue;
    }
    const size_t gt = xml.find('>', after);
    if (gt == std::string_view::npos) fail("{}: XML ends inside <{}>", where, tag);
    if (xml[gt - 1] == '/') {  // <Tag/>
      out.emplace_back();
      pos = gt + 1;
      continue;
    }
    const size_t end = xml.find(close, gt + 1);
    if (end == std::string_view::npos) fail("{}: <{}> is not closed", where, tag);
    out.push_back(decode_entities(xml.substr(gt + 1, end - gt - 1), where));
    pos = end + close.size();
  }
  return out;
}

std::string xml_text(std::string_view xml, std::string_view tag, const std::string& where) {
  auto all = xml_texts(xml, tag, where);
  return all.empty() ? std::string() : std::move(all.front());
}

ListPage parse_list_objects(std::string_view xml, const std::string& where) {
  if (xml.find("<ListBucketResult") == std::string_view::npos)
    fail("{}: the answer is not a ListBucketResult: \"{}\"", where, printable(xml.substr(0, 120)));
  ListPage page;
  // Keys sit in <Contents><Key>..</Key>..</Contents>; <Key> appears nowhere else in the answer.
  page.keys = xml_texts(xml, "Key", where);
  const std::string t = xml_text(xml, "IsTruncated", where);
  if (t != "true" && t != "false" && !t.empty()) fail("{}: IsTruncated is \"{}\"", where, printable(t));
  page.truncated = t == "true";
  page.next_token = xml_text(xml, "NextContinuationToken", where);
  if (page.truncated && page.next_token.empty()) fail("{}: a truncated listing without NextContinuationToken", where);
  return page;
}

}  // namespace dflow::kv
