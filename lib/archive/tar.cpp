#include "archive/tar.hpp"

#include <algorithm>
#include <cstring>

#include "core/error.hpp"

namespace dflow::tar {

namespace {

// ustar header layout (offset, length).
constexpr size_t kName = 0, kNameLen = 100;
constexpr size_t kMode = 100, kUid = 108, kGid = 116, kSize = 124, kMtime = 136, kChksum = 148, kType = 156;
constexpr size_t kMagic = 257, kVersion = 263, kPrefix = 345, kPrefixLen = 155;

void put_octal(std::byte* field, size_t len, uint64_t v) {
  // len-1 octal digits, zero-padded, then NUL.
  for (size_t i = len - 1; i-- > 0;) {
    field[i] = std::byte('0' + (v & 7));
    v >>= 3;
  }
  field[len - 1] = std::byte{0};
}

uint32_t header_checksum(const std::byte* h) {
  uint32_t sum = 0;
  for (size_t i = 0; i < kBlock; ++i) sum += (i >= kChksum && i < kChksum + 8) ? uint32_t(' ') : uint32_t(h[i]);
  return sum;
}

// A numeric header field: octal text (spaces/NULs around it), or GNU base-256 (high bit of byte 0).
uint64_t get_number(const std::byte* field, size_t len, const std::string& what, size_t offset) {
  if ((uint8_t(field[0]) & 0x80) != 0) {
    if ((uint8_t(field[0]) & 0x40) != 0) fail("{}: negative base-256 number in the header at offset {}", what, offset);
    uint64_t v = uint8_t(field[0]) & 0x3f;
    for (size_t i = 1; i < len; ++i) {
      if (v >> 56) fail("{}: base-256 number too large in the header at offset {}", what, offset);
      v = v << 8 | uint8_t(field[i]);
    }
    return v;
  }
  uint64_t v = 0;
  size_t i = 0;
  while (i < len && (field[i] == std::byte{' '} || field[i] == std::byte{0})) ++i;
  for (; i < len; ++i) {
    const char c = char(field[i]);
    if (c == ' ' || c == 0) break;
    if (c < '0' || c > '7') fail("{}: bad octal digit '{}' in the header at offset {}", what, c, offset);
    v = v << 3 | uint64_t(c - '0');
  }
  return v;
}

std::string get_string(const std::byte* field, size_t len) {
  const auto* p = reinterpret_cast<const char*>(field);
  return std::string(p, strnlen(p, len));
}

bool all_zero(const std::byte* p, size_t n) {
  return std::all_of(p, p + n, [](std::byte b) { return b == std::byte{0}; });
}

// PAX records "<len> <key>=<value>\n"; only path and size matter for flat archives.
void apply_pax(std::span<const std::byte> data, std::string& path, int64_t& size, const std::string& what) {
  const std::string text(reinterpret_cast<const char*>(data.data()), data.size());
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t sp = text.find(' ', pos);
    if (sp == std::string::npos) break;
    const size_t len = std::stoull(text.substr(pos, sp - pos));
    if (len == 0 || pos + len > text.size()) fail("{}: malformed PAX record at byte {}", what, pos);
    const std::string rec = text.substr(sp + 1, len - (sp + 1 - pos) - 1);  // without the trailing '\n'
    const size_t eq = rec.find('=');
    if (eq != std::string::npos) {
      const std::string key = rec.substr(0, eq), value = rec.substr(eq + 1);
      if (key == "path") path = value;
      if (key == "size") size = int64_t(std::stoull(value));
    }
    pos += len;
  }
}

}  // namespace

void Writer::add(const std::string& name, std::span<const std::byte> data) {
  if (name.empty() || name.size() > kNameLen || name.find('\0') != std::string::npos)
    fail("tar: member name \"{}\" must be 1..100 bytes without NUL (ustar name field)", name);
  const size_t at = out_.size();
  out_.resize(at + member_bytes(data.size()), std::byte{0});
  std::byte* h = out_.data() + at;
  std::memcpy(h + kName, name.data(), name.size());
  put_octal(h + kMode, 8, 0644);
  put_octal(h + kUid, 8, 0);
  put_octal(h + kGid, 8, 0);
  if (data.size() < (uint64_t{1} << 33)) {
    put_octal(h + kSize, 12, data.size());
  } else {  // GNU base-256: marker bit, then big-endian
    uint64_t v = data.size();
    for (size_t i = 12; i-- > 1;) {
      h[kSize + i] = std::byte(v & 0xff);
      v >>= 8;
    }
    h[kSize] = std::byte{0x80};
  }
  put_octal(h + kMtime, 12, 0);
  h[kType] = std::byte{'0'};
  std::memcpy(h + kMagic, "ustar", 6);  // "ustar\0"
  std::memcpy(h + kVersion, "00", 2);
  // Checksum: 6 octal digits, NUL, space (as GNU tar, Python and Go write it).
  const uint32_t sum = header_checksum(h);
  put_octal(h + kChksum, 7, sum);
  h[kChksum + 7] = std::byte{' '};
  if (!data.empty()) std::memcpy(h + kBlock, data.data(), data.size());
  ++members_;
}

std::vector<std::byte> Writer::finish() {
  out_.resize(out_.size() + kTrailerBytes, std::byte{0});
  std::vector<std::byte> done;
  done.swap(out_);
  members_ = 0;
  return done;
}

std::vector<Entry> read(std::span<const std::byte> archive, const std::string& what) {
  std::vector<Entry> entries;
  size_t pos = 0;
  std::string next_path;                 // from a PAX 'x' or GNU 'L' member, for the next header
  int64_t next_size = -1;                // from a PAX 'x' member (-1: none)
  while (true) {
    if (pos == archive.size()) break;  // no trailer: Go writes one, but a bare end is unambiguous too
    if (pos + kBlock > archive.size()) fail("{}: truncated header at offset {} ({} bytes left)", what, pos, archive.size() - pos);
    const std::byte* h = archive.data() + pos;
    if (all_zero(h, kBlock)) break;  // end-of-archive marker
    const uint64_t want = get_number(h + kChksum, 8, what, pos);
    if (want != header_checksum(h)) fail("{}: header checksum mismatch at offset {} (member \"{}\")", what, pos, get_string(h + kName, kNameLen));
    std::string name = get_string(h + kName, kNameLen);
    if (get_string(h + kMagic, 5) == "ustar") {
      const std::string prefix = get_string(h + kPrefix, kPrefixLen);
      if (!prefix.empty() && get_string(h + kVersion, 2) == "00") name = prefix + "/" + name;
    }
    uint64_t size = get_number(h + kSize, 12, what, pos);
    const char type = char(h[kType]) == 0 ? '0' : char(h[kType]);
    if (next_size >= 0 && type != 'x' && type != 'g' && type != 'L') size = uint64_t(next_size);
    if (size > archive.size() - pos - kBlock)
      fail("{}: member \"{}\" at offset {} claims {} bytes, only {} remain", what, name, pos, size, archive.size() - pos - kBlock);
    const std::span<const std::byte> data = archive.subspan(pos + kBlock, size);
    pos += member_bytes(size);
    pos = std::min(pos, archive.size());
    if (type == 'x') {
      apply_pax(data, next_path, next_size, what);
      continue;
    }
    if (type == 'g') continue;  // global PAX header: nothing a flat archive needs
    if (type == 'L') {
      next_path = get_string(data.data(), data.size());
      continue;
    }
    if (!next_path.empty()) name = next_path;
    next_path.clear();
    next_size = -1;
    entries.push_back({std::move(name), type, data});
  }
  return entries;
}

}  // namespace dflow::tar
