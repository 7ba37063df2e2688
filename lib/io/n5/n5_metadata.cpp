#include "io/n5/n5_metadata.hpp"

#include "core/error.hpp"

namespace dflow::n5 {
namespace {

using nlohmann::json;

Vec3 parse_vec3(const json& attrs, const char* key, const std::string& where) {
  if (!attrs.contains(key)) fail("{}: not an N5 dataset (no '{}')", where, key);
  const json& v = attrs[key];
  if (!v.is_array()) fail("{}: '{}' must be a list, got {}", where, key, v.dump());
  if (v.size() != 3) fail("{}: '{}' is {}: only 3-D datasets are supported", where, key, v.dump());
  Vec3 out;
  for (int i = 0; i < 3; ++i) {
    if (!v[i].is_number_integer() || v[i].get<int64_t>() < 0)
      fail("{}: '{}' must hold non-negative integers, got {}", where, key, v.dump());
    out[i] = v[i].get<int64_t>();
  }
  return out;
}

int int_param(const json& c, const char* key, int fallback, const std::string& where) {
  if (!c.contains(key)) return fallback;
  if (!c[key].is_number_integer()) fail("{}: compression '{}' must be an integer, got {}", where, key, c[key].dump());
  return c[key].get<int>();
}

}  // namespace

Compressor parse_compression(const json& attrs, const std::string& where) {
  Compressor out;
  json c;
  if (attrs.contains("compression")) {
    c = attrs["compression"];
    if (!c.is_object() || !c.contains("type") || !c["type"].is_string())
      fail("{}: 'compression' must be an object with a 'type', got {}", where, c.dump());
  } else if (attrs.contains("compressionType")) {  // N5 before 1.0
    if (!attrs["compressionType"].is_string()) fail("{}: 'compressionType' must be a string", where);
    c = json{{"type", attrs["compressionType"]}};
  } else {
    c = json{{"type", "raw"}};  // N5's default
  }
  const std::string type = c["type"].get<std::string>();
  if (type == "raw") {
    out.kind = Compressor::Kind::raw;
  } else if (type == "gzip") {
    const bool zlib = c.contains("useZlib") && c["useZlib"].is_boolean() && c["useZlib"].get<bool>();
    out.kind = zlib ? Compressor::Kind::zlib : Compressor::Kind::gzip;
    out.level = int_param(c, "level", -1, where);
  } else if (type == "zstd") {
    out.kind = Compressor::Kind::zstd;
    out.level = int_param(c, "level", 3, where);
  } else if (type == "blosc") {
    out.kind = Compressor::Kind::blosc;
    if (c.contains("cname") && c["cname"].is_string()) out.blosc.cname = c["cname"].get<std::string>();
    out.blosc.clevel = int_param(c, "clevel", 5, where);
    out.blosc.shuffle = int_param(c, "shuffle", 1, where);
    out.blosc.blocksize = static_cast<size_t>(std::max(0, int_param(c, "blocksize", 0, where)));
  } else {
    fail("{}: compression type '{}' is not supported (raw, gzip, zstd, blosc)", where, type);
  }
  return out;
}

Metadata parse_metadata(const json& attrs, const std::string& where) {
  if (!attrs.is_object()) fail("{}: not a JSON object", where);
  Metadata m;
  m.shape = parse_vec3(attrs, "dimensions", where);
  m.chunk = parse_vec3(attrs, "blockSize", where);
  if (m.chunk.min() <= 0) fail("{}: 'blockSize' {} must be positive", where, m.chunk);
  if (!attrs.contains("dataType") || !attrs["dataType"].is_string()) fail("{}: not an N5 dataset (no 'dataType')", where);
  try {
    m.dtype = parse_dtype(attrs["dataType"].get<std::string>());
  } catch (const Error& e) {
    fail("{}: {}", where, e.what());
  }
  m.compressor = parse_compression(attrs, where);
  // N5 limits a chunk to 2 GiB; refusing larger ones also bounds our per-chunk buffers.
  if (static_cast<uint64_t>(m.chunk.prod()) * dtype_size(m.dtype) > (uint64_t{1} << 31))
    fail("{}: blockSize {} of {} exceeds N5's 2 GiB chunk limit", where, m.chunk, dtype_name(m.dtype));
  return m;
}

json compression_to_json(const Compressor& c) {
  switch (c.kind) {
    case Compressor::Kind::raw: return {{"type", "raw"}};
    case Compressor::Kind::gzip: return {{"type", "gzip"}, {"level", c.level}, {"useZlib", false}};
    case Compressor::Kind::zlib: return {{"type", "gzip"}, {"level", c.level}, {"useZlib", true}};
    case Compressor::Kind::zstd: return {{"type", "zstd"}, {"level", c.level}};
    case Compressor::Kind::blosc:
      return {{"type", "blosc"}, {"cname", c.blosc.cname}, {"clevel", c.blosc.clevel}, {"shuffle", c.blosc.shuffle},
              {"blocksize", c.blosc.blocksize}};
  }
  return {};
}

json metadata_to_json(const Metadata& m) {
  return {{"dimensions", {m.shape.x, m.shape.y, m.shape.z}},
          {"blockSize", {m.chunk.x, m.chunk.y, m.chunk.z}},
          {"dataType", std::string(dtype_name(m.dtype))},
          {"compression", compression_to_json(m.compressor)}};
}

Compressor compressor_from_name(const std::string& name, int level, DType dtype) {
  Compressor c;
  if (name == "raw") {
    c.kind = Compressor::Kind::raw;
  } else if (name == "gzip" || name == "zlib") {
    c.kind = name == "gzip" ? Compressor::Kind::gzip : Compressor::Kind::zlib;
    c.level = level;
    if (level < -1 || level > 9) fail("n5: gzip level {} is not in -1..9", level);
  } else if (name == "zstd") {
    c.kind = Compressor::Kind::zstd;
    c.level = level == -1 ? 3 : level;
  } else if (name == "blosc" || name.rfind("blosc-", 0) == 0) {
    c.kind = Compressor::Kind::blosc;
    c.blosc.cname = name == "blosc" ? "lz4" : name.substr(6);
    c.blosc.clevel = level == -1 ? 5 : level;
    c.blosc.shuffle = 1;
    c.blosc.typesize = dtype_size(dtype);
    if (c.blosc.cname != "lz4" && c.blosc.cname != "lz4hc" && c.blosc.cname != "zstd" && c.blosc.cname != "zlib" &&
        c.blosc.cname != "blosclz")
      fail("n5: blosc compressor '{}' is not one of lz4, lz4hc, zstd, zlib, blosclz", c.blosc.cname);
  } else {
    fail("n5: compression '{}' is not supported (raw, gzip, zlib, zstd, blosc, blosc-<cname>)", name);
  }
  return c;
}

}  // namespace dflow::n5
