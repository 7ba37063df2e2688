#pragma once
// N5 (https://github.com/saalfeldlab/n5): attributes.json + one file per chunk at <dataset>/<i>/<j>/<k>
// (chunk grid indices in x,y,z order), each chunk a big-endian header followed by the
// compressed big-endian payload in Fortran order of the N5 dimensions (x fastest).
#include <filesystem>
#include <memory>
#include <string>

#include "io/volume.hpp"

namespace dflow::kv {
class KvStore;
}

namespace dflow {

// Opens <container>/<dataset> (e.g. "seg.n5", "s0"). Throws Error naming the path if it is not an N5 dataset.
std::unique_ptr<VolumeReader> open_n5(const std::filesystem::path& container, const std::string& dataset);
// The same in any key-value store (a directory, s3://, gs://): chunk keys "<dataset>/<i>/<j>/<k>".
std::unique_ptr<VolumeReader> open_n5(std::shared_ptr<kv::KvStore> container, const std::string& dataset);

// Creates (or reopens, if identical) an N5 dataset and writes chunk-aligned data into it.
struct N5Spec {
  Vec3 shape;           // x,y,z
  Vec3 chunk_shape;     // x,y,z
  DType dtype = DType::uint8;
  std::string compression = "gzip";  // raw | gzip | zlib | zstd | blosc (= blosc-lz4) | blosc-<cname>
  int level = -1;                     // -1 = codec default
};
class N5Writer {
 public:
  N5Writer(std::filesystem::path container, std::string dataset, const N5Spec& spec);
  ~N5Writer();
  N5Writer(N5Writer&&) noexcept;
  // Writes every chunk that `box` covers; box must be chunk-aligned (or end at the volume edge).
  void write(const Box& box, std::span<const std::byte> data);
  template <typename T> void write(const Array3<T>& a) { write(a.box(), a.bytes()); }
  const N5Spec& spec() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dflow
