// Writing N5: attributes.json (dataset, and {"n5":"2.5.0"} at the container root), then one file per
// chunk, edge chunks truncated to the volume as n5-java writes them. Chunk files are written via a
// temporary name and rename so readers never see half a chunk.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/files.hpp"
#include "io/n5/chunk_copy.hpp"
#include "io/n5/n5.hpp"
#include "io/n5/n5_chunk.hpp"
#include "io/n5/n5_metadata.hpp"

namespace dflow {

using nlohmann::json;

struct N5Writer::Impl {
  fs::path dir;
  std::string dir_str;
  N5Spec spec;
  n5::Metadata meta;
};

namespace {

json load_json(const fs::path& path) {
  const std::string text = read_text(path);
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    fail("n5: {}: invalid JSON: {}", path.string(), e.what());
  }
}

void ensure_root_attributes(const fs::path& container) {
  const fs::path p = container / "attributes.json";
  if (!fs::exists(p)) {
    write_text_atomic(p, json{{"n5", "2.5.0"}}.dump());
    return;
  }
  json root = load_json(p);
  if (root.is_object() && !root.contains("n5")) {
    root["n5"] = "2.5.0";
    write_text_atomic(p, root.dump());
  }
}

// Compares an existing dataset with the one requested; one line naming every difference.
void check_same(const n5::Metadata& have, const n5::Metadata& want, const fs::path& attrs_path) {
  std::string diff;
  auto add = [&](const std::string& s) { diff += (diff.empty() ? "" : "; ") + s; };
  if (have.shape != want.shape) add(fmt::format("dimensions {} (requested {})", have.shape, want.shape));
  if (have.chunk != want.chunk) add(fmt::format("blockSize {} (requested {})", have.chunk, want.chunk));
  if (have.dtype != want.dtype)
    add(fmt::format("dataType {} (requested {})", dtype_name(have.dtype), dtype_name(want.dtype)));
  if (!(have.compressor == want.compressor))
    add(fmt::format("compression {} (requested {})", n5::compression_to_json(have.compressor).dump(),
                    n5::compression_to_json(want.compressor).dump()));
  if (!diff.empty()) fail("n5: {}: dataset exists with different attributes: {}", attrs_path.string(), diff);
}

}  // namespace

N5Writer::N5Writer(std::filesystem::path container, std::string dataset, const N5Spec& spec)
    : impl_(std::make_unique<Impl>()) {
  while (!dataset.empty() && dataset.front() == '/') dataset.erase(dataset.begin());
  impl_->dir = dataset.empty() ? container : container / dataset;
  impl_->dir_str = impl_->dir.string();
  impl_->spec = spec;
  if (spec.shape.min() <= 0) fail("n5: {}: shape {} must be positive", impl_->dir_str, spec.shape);
  if (spec.chunk_shape.min() <= 0) fail("n5: {}: chunk shape {} must be positive", impl_->dir_str, spec.chunk_shape);
  n5::Metadata& m = impl_->meta;
  m.shape = spec.shape;
  m.chunk = spec.chunk_shape;
  m.dtype = spec.dtype;
  try {
    m.compressor = n5::compressor_from_name(spec.compression, spec.level, spec.dtype);
  } catch (const Error& e) {
    fail("{} (dataset {})", e.what(), impl_->dir_str);
  }

  std::error_code ec;
  fs::create_directories(impl_->dir, ec);
  if (ec) fail("n5: {}: cannot create directory: {}", impl_->dir_str, ec.message());
  ensure_root_attributes(container);
  const fs::path attrs_path = impl_->dir / "attributes.json";
  if (fs::exists(attrs_path)) {
    const json have = load_json(attrs_path);
    if (have.is_object() && !have.contains("dimensions"))
      fail("n5: {}: exists but is a group, not a dataset", attrs_path.string());
    check_same(n5::parse_metadata(have, "n5: " + attrs_path.string()), m, attrs_path);
  } else {
    write_text_atomic(attrs_path, n5::metadata_to_json(m).dump());
  }
}

N5Writer::~N5Writer() = default;
N5Writer::N5Writer(N5Writer&&) noexcept = default;

const N5Spec& N5Writer::spec() const { return impl_->spec; }

void N5Writer::write(const Box& box, std::span<const std::byte> data) {
  const n5::Metadata& m = impl_->meta;
  const std::string& where = impl_->dir_str;
  const size_t elem = dtype_size(m.dtype);
  if (box.empty()) fail("n5: {}: cannot write the empty box {}", where, box);
  if (!Box{{0, 0, 0}, m.shape}.contains(box))
    fail("n5: {}: box {} is outside the dataset [[0,0,0],{}]", where, box, m.shape);
  for (int a = 0; a < 3; ++a)
    if (box.lo[a] % m.chunk[a] != 0 || (box.hi[a] % m.chunk[a] != 0 && box.hi[a] != m.shape[a]))
      fail("n5: {}: box {} is not aligned to the chunk shape {}", where, box, m.chunk);
  if (data.size() != static_cast<size_t>(box.volume()) * elem)
    fail("n5: {}: {} bytes given for box {}, which needs {}", where, data.size(), box, box.volume() * elem);

  const Vec3 glo = floor_div(box.lo, m.chunk), ghi = ceil_div(box.hi, m.chunk);
  std::vector<std::byte> buf;
  for (int64_t k = glo.z; k < ghi.z; ++k)
    for (int64_t j = glo.y; j < ghi.y; ++j)
      for (int64_t i = glo.x; i < ghi.x; ++i) {
        const Vec3 origin = Vec3{i, j, k} * m.chunk;
        const Box cbox{origin, vmin(origin + m.chunk, m.shape)};
        buf.resize(static_cast<size_t>(cbox.volume()) * elem);
        // Byte swapping is its own inverse, so the reader's converter makes big-endian data too.
        copy_chunk_region(data.data(), box, {.swap_bytes = true}, buf.data(), cbox, cbox, elem);
        const std::string path = fmt::format("{}/{}/{}/{}", where, i, j, k);
        try {
          write_file_atomic(path, n5::encode_chunk(buf, cbox.shape(), m));
        } catch (const Error& e) {
          fail("n5: {}: chunk (x,y,z) [{},{},{}]: {}", path, i, j, k, e.what());
        }
      }
}

}  // namespace dflow
