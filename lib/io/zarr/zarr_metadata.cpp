#include "io/zarr/zarr_metadata.hpp"

#include <cmath>
#include <cstring>
#include <limits>

#include "core/error.hpp"
#include "core/log.hpp"

namespace dflow::zarr {
namespace {

using nlohmann::json;

Vec3 parse_zyx(const json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || !j[key].is_array()) fail("{}: '{}' is missing or not a list", where, key);
  const json& v = j[key];
  if (v.size() != 3) fail("{}: '{}' is {}: only 3-D arrays are supported", where, key, v.dump());
  Vec3 out;
  for (int i = 0; i < 3; ++i) {
    if (!v[i].is_number_integer() || v[i].get<int64_t>() < 0)
      fail("{}: '{}' must hold non-negative integers, got {}", where, key, v.dump());
    out[2 - i] = v[i].get<int64_t>();  // zarr (z,y,x) -> x,y,z
  }
  return out;
}

template <typename T>
std::vector<std::byte> as_bytes(T v) {
  std::vector<std::byte> b(sizeof(T));
  std::memcpy(b.data(), &v, sizeof(T));
  return b;
}

template <typename T>
std::vector<std::byte> integer_fill(const json& fv, const std::string& where) {
  bool ok = false;
  T v{};
  if (fv.is_number_unsigned()) {
    const uint64_t u = fv.get<uint64_t>();
    ok = u <= static_cast<uint64_t>(std::numeric_limits<T>::max());
    v = static_cast<T>(u);
  } else if (fv.is_number_integer()) {
    const int64_t s = fv.get<int64_t>();
    ok = s >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
         (s < 0 || static_cast<uint64_t>(s) <= static_cast<uint64_t>(std::numeric_limits<T>::max()));
    v = static_cast<T>(s);
  } else if (fv.is_number_float()) {
    const double d = fv.get<double>();
    ok = std::trunc(d) == d && d >= static_cast<double>(std::numeric_limits<T>::min()) &&
         d <= static_cast<double>(std::numeric_limits<T>::max());
    v = static_cast<T>(d);
  }
  if (!ok) fail("{}: fill_value {} does not fit the array's data type", where, fv.dump());
  return as_bytes(v);
}

template <typename T>
std::vector<std::byte> float_fill(const json& fv, const std::string& where) {
  if (fv.is_number()) return as_bytes(static_cast<T>(fv.get<double>()));
  if (fv.is_string()) {
    const std::string s = fv.get<std::string>();
    if (s == "NaN") return as_bytes(std::numeric_limits<T>::quiet_NaN());
    if (s == "Infinity") return as_bytes(std::numeric_limits<T>::infinity());
    if (s == "-Infinity") return as_bytes(-std::numeric_limits<T>::infinity());
  }
  fail("{}: fill_value {} is not a number", where, fv.dump());
}

std::vector<std::byte> parse_fill(const json& j, DType t, const std::string& where) {
  if (!j.contains("fill_value") || j["fill_value"].is_null()) return std::vector<std::byte>(dtype_size(t));
  const json& fv = j["fill_value"];
  switch (t) {
    case DType::uint8: return integer_fill<uint8_t>(fv, where);
    case DType::uint16: return integer_fill<uint16_t>(fv, where);
    case DType::uint32: return integer_fill<uint32_t>(fv, where);
    case DType::uint64: return integer_fill<uint64_t>(fv, where);
    case DType::int8: return integer_fill<int8_t>(fv, where);
    case DType::int16: return integer_fill<int16_t>(fv, where);
    case DType::int32: return integer_fill<int32_t>(fv, where);
    case DType::int64: return integer_fill<int64_t>(fv, where);
    case DType::float32: return float_fill<float>(fv, where);
    case DType::float64: return float_fill<double>(fv, where);
  }
  return {};
}

int int_param(const json& c, const char* key, int fallback, const std::string& where) {
  if (!c.contains(key) || c[key].is_null()) return fallback;
  if (!c[key].is_number_integer()) fail("{}: compressor '{}' must be an integer, got {}", where, key, c[key].dump());
  return c[key].get<int>();
}

Compressor parse_compressor(const json& j, const std::string& where) {
  Compressor out;
  if (!j.contains("compressor") || j["compressor"].is_null()) return out;  // raw
  const json& c = j["compressor"];
  if (!c.is_object() || !c.contains("id") || !c["id"].is_string())
    fail("{}: 'compressor' must be null or an object with an 'id', got {}", where, c.dump());
  const std::string id = c["id"].get<std::string>();
  if (id == "blosc") {
    out.kind = Compressor::Kind::blosc;
    if (c.contains("cname") && c["cname"].is_string()) out.blosc.cname = c["cname"].get<std::string>();
    out.blosc.clevel = int_param(c, "clevel", 5, where);
    out.blosc.shuffle = int_param(c, "shuffle", 1, where);
    out.blosc.blocksize = static_cast<size_t>(std::max(0, int_param(c, "blocksize", 0, where)));
  } else if (id == "zlib" || id == "gzip") {
    out.kind = id == "zlib" ? Compressor::Kind::zlib : Compressor::Kind::gzip;
    out.level = int_param(c, "level", -1, where);
  } else if (id == "zstd") {
    out.kind = Compressor::Kind::zstd;
    out.level = int_param(c, "level", 0, where);
  } else {
    fail("{}: compressor '{}' is not supported (null, blosc, zlib, gzip, zstd)", where, id);
  }
  return out;
}

}  // namespace

Metadata parse_zarray(const json& j, ZarrStore store, const std::string& where) {
  if (!j.is_object()) fail("{}: not a JSON object", where);
  if (!j.contains("zarr_format") || j["zarr_format"] != 2)
    fail("{}: zarr_format is {}, only 2 is supported", where, j.contains("zarr_format") ? j["zarr_format"].dump() : "missing");
  Metadata m;
  m.shape = parse_zyx(j, "shape", where);
  m.chunk = parse_zyx(j, "chunks", where);
  if (m.chunk.min() <= 0) fail("{}: chunks {} must be positive (x,y,z)", where, m.chunk);

  if (!j.contains("dtype") || !j["dtype"].is_string())
    fail("{}: dtype {} is not supported (only simple numeric types)", where, j.value("dtype", json()).dump());
  std::string dt = j["dtype"].get<std::string>();
  if (dt.size() >= 2 && dt[0] == '>') {
    m.big_endian = true;
    dt[0] = '<';
  }
  try {
    m.dtype = parse_dtype(dt);
  } catch (const Error& e) {
    fail("{}: {}", where, e.what());
  }
  if (dtype_size(m.dtype) == 1) m.big_endian = false;

  const std::string order = j.value("order", std::string("C"));
  if (order != "C" && order != "F") fail("{}: order '{}' is neither C nor F", where, order);
  m.fortran_order = order == "F";

  if (j.contains("filters") && !j["filters"].is_null() && !(j["filters"].is_array() && j["filters"].empty()))
    fail("{}: filters {} are not supported (only null)", where, j["filters"].dump());

  m.fill = parse_fill(j, m.dtype, where);
  m.compressor = parse_compressor(j, where);

  m.separator = store == ZarrStore::nested ? '/' : '.';
  if (j.contains("dimension_separator") && !j["dimension_separator"].is_null()) {
    const json& s = j["dimension_separator"];
    if (s == ".") m.separator = '.';
    else if (s == "/") m.separator = '/';
    else fail("{}: dimension_separator {} is neither \".\" nor \"/\"", where, s.dump());
    const char implied = store == ZarrStore::nested ? '/' : '.';
    if (store != ZarrStore::n5 && m.separator != implied)
      log::warn("{}: dimension_separator \"{}\" overrides store-type {} (which implies \"{}\"); chunk keys use \"{}\"",
                where, m.separator, store == ZarrStore::nested ? "NestedDirectoryStore" : "DirectoryStore", implied,
                m.separator);
  }
  if (static_cast<uint64_t>(m.chunk.prod()) * dtype_size(m.dtype) > (uint64_t{1} << 31))
    fail("{}: chunks {} of {} exceed 2 GiB per chunk", where, m.chunk, dtype_name(m.dtype));
  return m;
}

}  // namespace dflow::zarr
