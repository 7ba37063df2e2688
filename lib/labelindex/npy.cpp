#include "labelindex/npy.hpp"

#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <variant>

#include "core/error.hpp"
#include "core/files.hpp"

namespace dflow::labelindex {
namespace {

// The header is a Python literal written by repr(): dicts, lists, tuples, strings, ints, True/False.
struct PyValue {
  std::variant<std::monostate, std::string, int64_t, bool, std::vector<PyValue>, std::map<std::string, PyValue>> v;
  bool is_string() const { return std::holds_alternative<std::string>(v); }
  bool is_list() const { return std::holds_alternative<std::vector<PyValue>>(v); }
};

class PyParser {
 public:
  PyParser(std::string_view s, const std::string& name) : s_(s), name_(name) {}
  PyValue parse() {
    PyValue v = value();
    skip();
    if (i_ != s_.size()) bad("trailing characters");
    return v;
  }

 private:
  std::string_view s_;
  const std::string& name_;
  size_t i_ = 0;

  [[noreturn]] void bad(const char* what) {
    fail("{}: not a .npy header this reader understands ({} at offset {} of '{}')", name_, what, i_, printable(s_));
  }
  void skip() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t')) ++i_;
  }
  bool eat(char c) {
    skip();
    if (i_ < s_.size() && s_[i_] == c) return ++i_, true;
    return false;
  }
  PyValue value() {
    skip();
    if (i_ >= s_.size()) bad("unexpected end");
    const char c = s_[i_];
    if (c == '\'' || c == '"') {
      const size_t end = s_.find(c, i_ + 1);
      if (end == std::string_view::npos) bad("unterminated string");
      PyValue v{std::string(s_.substr(i_ + 1, end - i_ - 1))};
      i_ = end + 1;
      return v;
    }
    if (c == '{') {
      ++i_;
      std::map<std::string, PyValue> m;
      while (!eat('}')) {
        PyValue k = value();
        if (!k.is_string()) bad("dict key is not a string");
        if (!eat(':')) bad("expected ':'");
        m[std::get<std::string>(k.v)] = value();
        if (!eat(',') && (skip(), i_ >= s_.size() || s_[i_] != '}')) bad("expected ',' or '}'");
      }
      return PyValue{std::move(m)};
    }
    if (c == '[' || c == '(') {
      const char close = c == '[' ? ']' : ')';
      ++i_;
      std::vector<PyValue> items;
      while (!eat(close)) {
        items.push_back(value());
        if (!eat(',') && (skip(), i_ >= s_.size() || s_[i_] != close)) bad("expected ',' or a closing bracket");
      }
      return PyValue{std::move(items)};
    }
    if (s_.substr(i_, 4) == "True") return i_ += 4, PyValue{true};
    if (s_.substr(i_, 5) == "False") return i_ += 5, PyValue{false};
    if ((c >= '0' && c <= '9') || c == '-') {
      size_t j = i_ + 1;
      while (j < s_.size() && s_[j] >= '0' && s_[j] <= '9') ++j;
      if (j < s_.size() && s_[j] == 'L') ++j;  // Python 2 longs in old files
      const int64_t n = std::stoll(std::string(s_.substr(i_, j - i_)));
      i_ = j;
      return PyValue{n};
    }
    bad("unexpected character");
  }
};

NpyField parse_type(const std::string& t, const std::string& field_name, const std::string& name) {
  NpyField f;
  f.name = field_name;
  if (t.size() < 3) fail("{}: unsupported dtype '{}'", name, printable(t));
  const char order = t[0];
  f.big_endian = order == '>';
  f.kind = t[1];
  f.size = std::atoi(t.c_str() + 2);
  if ((order != '<' && order != '>' && order != '|' && order != '=') || (f.kind != 'u' && f.kind != 'i') ||
      (f.size != 1 && f.size != 2 && f.size != 4 && f.size != 8))
    fail("{}: {}dtype '{}' is not an integer type (mapping ids must be integers, e.g. '<u8')", name,
         field_name.empty() ? "" : "field '" + printable(field_name) + "' has ", printable(t));
  return f;
}

// One integer of a field from raw item bytes; negative values are reported by the caller.
int64_t load_signed(const std::byte* p, const NpyField& f, bool& negative) {
  uint64_t v = 0;
  for (int b = 0; b < f.size; ++b) {
    const int shift = f.big_endian ? (f.size - 1 - b) * 8 : b * 8;
    v |= uint64_t(p[b]) << shift;
  }
  negative = false;
  if (f.kind == 'i') {
    const uint64_t sign = uint64_t(1) << (f.size * 8 - 1);
    negative = (v & sign) != 0;
  }
  return static_cast<int64_t>(v);
}

uint64_t load_field(const std::byte* p, const NpyField& f, const std::string& name, uint64_t row, const char* what) {
  bool negative = false;
  const uint64_t v = static_cast<uint64_t>(load_signed(p, f, negative));
  if (negative) fail("{}: row {}: {} is negative", name, row, what);
  return v;
}

}  // namespace

NpyHeader parse_npy_header(std::span<const std::byte> head, const std::string& name) {
  static const unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (head.size() < 10 || std::memcmp(head.data(), magic, 6) != 0) fail("{}: not a .npy file (bad magic)", name);
  NpyHeader h;
  h.major = int(head[6]);
  h.minor = int(head[7]);
  size_t len = 0, start = 0;
  if (h.major == 1) {
    len = size_t(head[8]) | size_t(head[9]) << 8;
    start = 10;
  } else if (h.major == 2 || h.major == 3) {
    if (head.size() < 12) fail("{}: truncated .npy preamble", name);
    len = load_le32(head.data() + 8);
    start = 12;
  } else {
    fail("{}: .npy format version {}.{} is not supported", name, h.major, h.minor);
  }
  if (head.size() < start + len) fail("{}: truncated .npy header ({} bytes announced)", name, len);
  const std::string raw(reinterpret_cast<const char*>(head.data() + start), len);
  h.data_offset = start + len;

  const PyValue root = PyParser(raw, name).parse();
  const std::string text = printable(raw);  // for messages
  const auto* dict = std::get_if<std::map<std::string, PyValue>>(&root.v);
  if (!dict) fail("{}: .npy header is not a dict: {}", name, text);
  auto key = [&](const char* k) -> const PyValue& {
    auto it = dict->find(k);
    if (it == dict->end()) fail("{}: .npy header has no '{}': {}", name, k, text);
    return it->second;
  };
  const PyValue& fo = key("fortran_order");
  if (!std::holds_alternative<bool>(fo.v)) fail("{}: .npy fortran_order is not a bool", name);
  h.fortran_order = std::get<bool>(fo.v);
  const PyValue& shape = key("shape");
  if (!shape.is_list()) fail("{}: .npy shape is not a tuple", name);
  for (const PyValue& d : std::get<std::vector<PyValue>>(shape.v)) {
    if (!std::holds_alternative<int64_t>(d.v) || std::get<int64_t>(d.v) < 0) fail("{}: bad .npy shape in {}", name, text);
    h.shape.push_back(static_cast<uint64_t>(std::get<int64_t>(d.v)));
  }
  const PyValue& descr = key("descr");
  if (descr.is_string()) {
    h.fields.push_back(parse_type(std::get<std::string>(descr.v), "", name));
    h.itemsize = h.fields[0].size;
  } else if (descr.is_list()) {
    h.structured = true;
    for (const PyValue& item : std::get<std::vector<PyValue>>(descr.v)) {
      const auto* t = std::get_if<std::vector<PyValue>>(&item.v);
      if (!t || t->size() != 2 || !(*t)[0].is_string() || !(*t)[1].is_string())
        fail("{}: unsupported structured dtype (fields must be (name, type) pairs of scalars): {}", name, text);
      const std::string fname = std::get<std::string>((*t)[0].v), ftype = std::get<std::string>((*t)[1].v);
      // Padding written by numpy for aligned dtypes has an empty name and a 'V' type: skip its bytes.
      if (ftype.size() >= 3 && ftype[1] == 'V') {
        h.itemsize += std::atoi(ftype.c_str() + 2);
        continue;
      }
      NpyField f;
      if (fname == "segment_id" || fname == "body_id") {
        f = parse_type(ftype, fname, name);
      } else {
        f.name = fname;  // an unused field: only its size matters
        f.size = ftype.size() >= 3 ? std::atoi(ftype.c_str() + 2) : 0;
        if (f.size <= 0) fail("{}: cannot size field '{}' of type '{}'", name, printable(fname), printable(ftype));
      }
      f.type = ftype;
      f.offset = h.itemsize;
      h.itemsize += f.size;
      h.fields.push_back(f);
    }
  } else {
    fail("{}: .npy descr is neither a type string nor a field list: {}", name, text);
  }
  return h;
}

NpyHeader read_npy_header(const std::filesystem::path& path, std::ifstream& in) {
  const std::string name = path.string();
  in.open(path, std::ios::binary);
  if (!in) fail("{}: cannot open: {}", name, std::strerror(errno));
  std::vector<std::byte> head(65536 + 12);
  in.read(reinterpret_cast<char*>(head.data()), std::streamsize(head.size()));
  head.resize(size_t(in.gcount()));
  return parse_npy_header(head, name);
}

std::vector<SvBody> read_npy_mapping(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::ifstream in;
  const NpyHeader h = read_npy_header(path, in);

  // Where each column's values live: (field, stride between rows, offset of row 0).
  uint64_t n = 0;
  const NpyField *sv_field = nullptr, *body_field = nullptr;
  size_t sv_base = 0, body_base = 0, stride = 0;
  if (h.structured) {
    if (h.shape.size() != 1) fail("{}: a structured mapping must be 1-D, got shape with {} dimensions", name, h.shape.size());
    for (const NpyField& f : h.fields) {
      if (f.name == "segment_id") sv_field = &f;
      if (f.name == "body_id") body_field = &f;
    }
    if (!sv_field || !body_field) fail("{}: structured mapping needs fields 'segment_id' and 'body_id'", name);
    n = h.shape[0];
    stride = h.itemsize;
    sv_base = sv_field->offset;
    body_base = body_field->offset;
  } else {
    if (h.shape.size() != 2 || h.shape[1] != 2)
      fail("{}: a mapping array must have shape (N, 2) (columns supervoxel, body), got {} dimensions{}", name,
           h.shape.size(), h.shape.size() == 2 ? fmt::format(" ({}, {})", h.shape[0], h.shape[1]) : "");
    n = h.shape[0];
    sv_field = body_field = &h.fields[0];
    const size_t e = h.itemsize;
    if (h.fortran_order) {
      stride = e, sv_base = 0, body_base = n * e;
    } else {
      stride = 2 * e, sv_base = 0, body_base = e;
    }
  }
  const uint64_t data_bytes = h.structured ? n * h.itemsize : n * 2 * h.itemsize;
  in.clear();
  in.seekg(0, std::ios::end);
  const uint64_t file_size = uint64_t(in.tellg());
  if (file_size < h.data_offset + data_bytes)
    fail("{}: truncated: {} rows need {} data bytes, the file has {}", name, n, data_bytes, file_size - h.data_offset);

  std::vector<SvBody> rows(n);
  // Read in slabs of rows; a Fortran-order column is contiguous, so each column is one pass.
  const auto read_column = [&](size_t base, const NpyField& f, bool is_sv) {
    constexpr uint64_t kRows = 1 << 18;
    std::vector<std::byte> buf;
    for (uint64_t r0 = 0; r0 < n; r0 += kRows) {
      const uint64_t rn = std::min(kRows, n - r0);
      const uint64_t first = h.data_offset + base + r0 * stride;
      const uint64_t bytes = (rn - 1) * stride + f.size;
      buf.resize(bytes);
      in.seekg(std::streamoff(first));
      in.read(reinterpret_cast<char*>(buf.data()), std::streamsize(bytes));
      if (uint64_t(in.gcount()) != bytes) fail("{}: read failed at byte {}", name, first);
      for (uint64_t r = 0; r < rn; ++r) {
        const uint64_t v = load_field(buf.data() + r * stride, f, name, r0 + r, is_sv ? "supervoxel" : "body");
        (is_sv ? rows[r0 + r].sv : rows[r0 + r].body) = v;
      }
    }
  };
  read_column(sv_base, *sv_field, true);
  read_column(body_base, *body_field, false);
  return rows;
}

}  // namespace dflow::labelindex
