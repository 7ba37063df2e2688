#include "io/precomputed/metadata.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/files.hpp"
#include "io/precomputed/compression.hpp"

namespace dflow::precomputed {

using nlohmann::json;

std::string_view encoding_name(Encoding e) {
  switch (e) {
    case Encoding::raw: return "raw";
    case Encoding::jpeg: return "jpeg";
    case Encoding::compressed_segmentation: return "compressed_segmentation";
  }
  return "?";
}

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

const json& member(const json& obj, const char* name, const std::string& where) {
  auto it = obj.find(name);
  if (it == obj.end()) fail("{}: missing \"{}\"", where, name);
  return *it;
}

int64_t get_int(const json& v, const std::string& where, const char* name) {
  if (!v.is_number_integer()) {
    // cloud-volume sometimes writes 64.0; accept integral floats.
    if (v.is_number_float() && v.get<double>() == static_cast<double>(static_cast<int64_t>(v.get<double>())))
      return static_cast<int64_t>(v.get<double>());
    fail("{}: \"{}\" must be an integer, got {}", where, name, v.dump());
  }
  return v.get<int64_t>();
}

Vec3 get_vec3(const json& v, const std::string& where, const char* name) {
  if (!v.is_array() || v.size() != 3) fail("{}: \"{}\" must be an [x,y,z] array, got {}", where, name, v.dump());
  return {get_int(v[0], where, name), get_int(v[1], where, name), get_int(v[2], where, name)};
}

ShardingSpec parse_sharding(const json& s, const std::string& where) {
  if (!s.is_object()) fail("{}: \"sharding\" must be an object", where);
  const std::string type = member(s, "@type", where).is_string() ? s["@type"].get<std::string>() : "";
  if (type != "neuroglancer_uint64_sharded_v1")
    fail("{}: unsupported sharding \"@type\" {} (only neuroglancer_uint64_sharded_v1)", where, s["@type"].dump());
  ShardingSpec spec;
  const std::string hash = member(s, "hash", where).is_string() ? s["hash"].get<std::string>() : "";
  if (hash == "identity") spec.hash = ShardingSpec::Hash::identity;
  else if (hash == "murmurhash3_x86_128") spec.hash = ShardingSpec::Hash::murmurhash3_x86_128;
  else fail("{}: unsupported sharding hash {} (identity or murmurhash3_x86_128)", where, s["hash"].dump());
  auto bits = [&](const char* name, int max) {
    const int64_t b = get_int(member(s, name, where), where, name);
    if (b < 0 || b > max) fail("{}: sharding \"{}\" = {} is outside 0..{}", where, name, b, max);
    return static_cast<int>(b);
  };
  spec.preshift_bits = bits("preshift_bits", 64);
  spec.minishard_bits = bits("minishard_bits", 32);
  spec.shard_bits = bits("shard_bits", 64);
  if (spec.minishard_bits + spec.shard_bits > 64)
    fail("{}: sharding minishard_bits + shard_bits = {} exceeds 64", where, spec.minishard_bits + spec.shard_bits);
  auto encoding = [&](const char* name) {
    if (!s.contains(name)) return false;
    const std::string e = s[name].is_string() ? s[name].get<std::string>() : "";
    if (e == "raw") return false;
    if (e == "gzip") return true;
    fail("{}: unsupported sharding \"{}\" {} (raw or gzip)", where, name, s[name].dump());
  };
  spec.minishard_index_gzip = encoding("minishard_index_encoding");
  spec.data_gzip = encoding("data_encoding");
  return spec;
}

Scale parse_scale(const json& s, size_t index, const Info& info, const std::string& info_where) {
  if (!s.is_object()) fail("{}: scales[{}] is not an object", info_where, index);
  Scale scale;
  const json& key = member(s, "key", info_where);
  if (!key.is_string() || key.get<std::string>().empty()) fail("{}: scales[{}].key must be a non-empty string", info_where, index);
  scale.key = key.get<std::string>();
  const std::string where = fmt::format("{} (scale {} \"{}\")", info_where, index, scale.key);

  scale.size = get_vec3(member(s, "size", where), where, "size");
  if (scale.size.min() <= 0) fail("{}: size {} must be positive", where, scale.size);
  if (s.contains("voxel_offset")) scale.voxel_offset = get_vec3(s["voxel_offset"], where, "voxel_offset");
  if (s.contains("resolution")) {
    const json& r = s["resolution"];
    if (!r.is_array() || r.size() != 3 || !r[0].is_number() || !r[1].is_number() || !r[2].is_number())
      fail("{}: \"resolution\" must be an [x,y,z] array of numbers", where);
    for (int i = 0; i < 3; ++i) scale.resolution[i] = r[i].get<double>();
  }

  const json& chunks = member(s, "chunk_sizes", where);
  if (!chunks.is_array() || chunks.empty()) fail("{}: \"chunk_sizes\" must be a non-empty array", where);
  // Each extra entry is a full extra copy of the data (neuroglancer volume.md), so reading the
  // first is always correct.
  scale.chunk_size = get_vec3(chunks[0], where, "chunk_sizes");
  if (scale.chunk_size.min() <= 0) fail("{}: chunk size {} must be positive", where, scale.chunk_size);

  const json& enc = member(s, "encoding", where);
  const std::string e = enc.is_string() ? lower(enc.get<std::string>()) : "";
  if (e == "raw") scale.encoding = Encoding::raw;
  else if (e == "jpeg") scale.encoding = Encoding::jpeg;
  else if (e == "compressed_segmentation") scale.encoding = Encoding::compressed_segmentation;
  else fail("{}: unsupported encoding {} (supported: raw, jpeg, compressed_segmentation)", where, enc.dump());

  if (scale.encoding == Encoding::jpeg && info.dtype != DType::uint8)
    fail("{}: jpeg encoding needs data_type uint8, info says {}", where, dtype_name(info.dtype));
  if (scale.encoding == Encoding::compressed_segmentation) {
    if (info.dtype != DType::uint32 && info.dtype != DType::uint64)
      fail("{}: compressed_segmentation needs data_type uint32 or uint64, info says {}", where, dtype_name(info.dtype));
    scale.cseg_block_size = get_vec3(member(s, "compressed_segmentation_block_size", where), where,
                                     "compressed_segmentation_block_size");
    if (scale.cseg_block_size.min() <= 0) fail("{}: compressed_segmentation_block_size must be positive", where);
  }
  if (s.contains("jpeg_quality") && !s["jpeg_quality"].is_null())
    scale.jpeg_quality = static_cast<int>(get_int(s["jpeg_quality"], where, "jpeg_quality"));

  if (s.contains("sharding") && !s["sharding"].is_null()) {
    scale.sharding = parse_sharding(s["sharding"], where);
    if (chunks.size() != 1) fail("{}: sharding requires exactly one entry in \"chunk_sizes\", got {}", where, chunks.size());
  }
  return scale;
}

}  // namespace

Info parse_info(const std::string& json_text, const std::string& where) {
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::exception& e) {
    fail("{}: not valid JSON: {}", where, e.what());
  }
  if (!j.is_object()) fail("{}: info is not a JSON object", where);
  if (j.contains("@type") && j["@type"] != "neuroglancer_multiscale_volume")
    fail("{}: \"@type\" is {}, expected \"neuroglancer_multiscale_volume\"", where, j["@type"].dump());
  Info info;
  const json& type = member(j, "type", where);
  info.type = type.is_string() ? type.get<std::string>() : "";
  if (info.type != "image" && info.type != "segmentation")
    fail("{}: \"type\" is {}, expected \"image\" or \"segmentation\"", where, type.dump());

  const json& dt = member(j, "data_type", where);
  const std::string dts = dt.is_string() ? lower(dt.get<std::string>()) : "";
  static constexpr std::string_view allowed[] = {"uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "float32"};
  if (std::find(std::begin(allowed), std::end(allowed), dts) == std::end(allowed))
    fail("{}: unsupported data_type {} (uint8/16/32/64, int8/16/32, float32)", where, dt.dump());
  info.dtype = parse_dtype(dts);

  info.num_channels = static_cast<int>(get_int(member(j, "num_channels", where), where, "num_channels"));
  if (info.num_channels != 1)
    fail("{}: num_channels is {}; only single-channel volumes are supported", where, info.num_channels);

  const json& scales = member(j, "scales", where);
  if (!scales.is_array() || scales.empty()) fail("{}: \"scales\" must be a non-empty array", where);
  for (size_t i = 0; i < scales.size(); ++i) info.scales.push_back(parse_scale(scales[i], i, info, where));
  return info;
}

std::string info_to_json(const Info& info) {
  auto vec = [](const Vec3& v) { return json::array({v.x, v.y, v.z}); };
  json j;
  j["@type"] = "neuroglancer_multiscale_volume";
  j["type"] = info.type;
  j["data_type"] = std::string(dtype_name(info.dtype));
  j["num_channels"] = info.num_channels;
  json scales = json::array();
  for (const Scale& s : info.scales) {
    json o;
    o["key"] = s.key;
    o["size"] = vec(s.size);
    o["voxel_offset"] = vec(s.voxel_offset);
    o["resolution"] = json::array({s.resolution[0], s.resolution[1], s.resolution[2]});
    o["chunk_sizes"] = json::array({vec(s.chunk_size)});
    o["encoding"] = std::string(encoding_name(s.encoding));
    if (s.encoding == Encoding::compressed_segmentation) o["compressed_segmentation_block_size"] = vec(s.cseg_block_size);
    if (s.jpeg_quality) o["jpeg_quality"] = *s.jpeg_quality;
    if (s.sharding) {
      const ShardingSpec& sh = *s.sharding;
      o["sharding"] = {
          {"@type", "neuroglancer_uint64_sharded_v1"},
          {"hash", sh.hash == ShardingSpec::Hash::identity ? "identity" : "murmurhash3_x86_128"},
          {"preshift_bits", sh.preshift_bits},
          {"minishard_bits", sh.minishard_bits},
          {"shard_bits", sh.shard_bits},
          {"minishard_index_encoding", sh.minishard_index_gzip ? "gzip" : "raw"},
          {"data_encoding", sh.data_gzip ? "gzip" : "raw"},
      };
    }
    scales.push_back(std::move(o));
  }
  j["scales"] = std::move(scales);
  return j.dump(2) + "\n";
}

Info read_info(const std::filesystem::path& dir) {
  if (!std::filesystem::exists(dir)) fail("precomputed: {}: no such directory", dir.string());
  return read_info(*kv::open_kvstore(dir.string()));
}

Info read_info(const kv::KvStore& store) {
  const std::string where = "precomputed: " + store.describe("info");
  if (auto bytes = store.get("info")) {
    if (looks_gzipped(*bytes)) *bytes = gunzip(*bytes, where);
    return parse_info(std::string(reinterpret_cast<const char*>(bytes->data()), bytes->size()), where);
  }
  if (auto bytes = store.get("info.gz")) {
    const auto text = gunzip(*bytes, "precomputed: " + store.describe("info.gz"));
    return parse_info(std::string(reinterpret_cast<const char*>(text.data()), text.size()), "precomputed: " + store.describe("info.gz"));
  }
  store.check_readable();  // a missing bucket or wrong credentials say so
  fail("{}: no info file (not a precomputed volume?)", where);
}

std::shared_ptr<kv::KvStore> open_store(const std::string& url, const kv::Options& options) {
  std::string p = url;
  if (p.rfind("precomputed://", 0) == 0) p = p.substr(14);
  if (kv::is_bucket_url(p)) return kv::open_kvstore(p, options);
  return kv::open_kvstore(local_path(url).string());
}

std::filesystem::path local_path(const std::string& url) {
  std::string p = url;
  auto strip = [&](std::string_view prefix) {
    if (p.rfind(prefix, 0) == 0) p = p.substr(prefix.size());
  };
  strip("precomputed://");
  if (p.find("://") != std::string::npos && p.rfind("file://", 0) != 0)
    fail("precomputed: {}: only local paths (\"/path\", \"file:///path\"), s3:// and gs:// are supported", url);
  strip("file://");
  if (p.empty()) fail("precomputed: empty path");
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return std::filesystem::path(p);
}

}  // namespace dflow::precomputed
