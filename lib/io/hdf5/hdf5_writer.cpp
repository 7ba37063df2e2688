#include "io/hdf5/hdf5_writer.hpp"

#include <array>
#include <mutex>

#include "core/error.hpp"
#include "io/hdf5/hdf5_common.hpp"

namespace dflow {

using hdf5::Id;

namespace {
// Little-endian file types, as numpy/h5py store them on the machines we run on.
hid_t file_type(DType t) {
  switch (t) {
    case DType::uint8: return H5T_STD_U8LE;
    case DType::uint16: return H5T_STD_U16LE;
    case DType::uint32: return H5T_STD_U32LE;
    case DType::uint64: return H5T_STD_U64LE;
    case DType::int8: return H5T_STD_I8LE;
    case DType::int16: return H5T_STD_I16LE;
    case DType::int32: return H5T_STD_I32LE;
    case DType::int64: return H5T_STD_I64LE;
    case DType::float32: return H5T_IEEE_F32LE;
    case DType::float64: return H5T_IEEE_F64LE;
  }
  return H5T_STD_U8LE;
}
}  // namespace

struct Hdf5Writer::Impl {
  std::string where;
  DType dtype;
  Vec3 shape;
  Id file, dset;
};

Hdf5Writer::Hdf5Writer(const std::filesystem::path& path, const std::string& dataset, DType dtype, Vec3 shape,
                       Vec3 chunk, int gzip_level)
    : impl_(std::make_unique<Impl>()) {
  impl_->where = fmt::format("hdf5:{}:/{}", path.string(), dataset);
  impl_->dtype = dtype;
  impl_->shape = shape;
  if (shape.min() <= 0 || chunk.min() <= 0) fail("{}: cannot create: shape {} and chunk {} must be positive", impl_->where, shape, chunk);

  std::lock_guard lock(hdf5::hdf5_mutex());
  hdf5::silence_errors();
  try {
    std::error_code ec;
    if (std::filesystem::exists(path, ec))
      impl_->file = Id(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    else
      impl_->file = Id(H5Fcreate(path.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT));
    if (!impl_->file.valid()) fail("hdf5: {}: cannot open for writing: {}", path.string(), hdf5::error_stack_message());

    const std::array<hsize_t, 3> dims{hsize_t(shape.z), hsize_t(shape.y), hsize_t(shape.x)};
    // HDF5 rejects chunks larger than the dataset's fixed extent.
    const Vec3 c = vmin(chunk, shape);
    const std::array<hsize_t, 3> cdims{hsize_t(c.z), hsize_t(c.y), hsize_t(c.x)};
    Id space(H5Screate_simple(3, dims.data(), nullptr));
    Id dcpl(H5Pcreate(H5P_DATASET_CREATE));
    Id lcpl(H5Pcreate(H5P_LINK_CREATE));
    H5Pset_create_intermediate_group(lcpl.get(), 1);
    H5Pset_chunk(dcpl.get(), 3, cdims.data());
    if (gzip_level > 0) H5Pset_deflate(dcpl.get(), unsigned(std::min(gzip_level, 9)));
    impl_->dset = Id(H5Dcreate2(impl_->file.get(), dataset.c_str(), file_type(dtype), space.get(), lcpl.get(),
                                dcpl.get(), H5P_DEFAULT));
    if (!impl_->dset.valid()) fail("{}: cannot create dataset: {}", impl_->where, hdf5::error_stack_message());
  } catch (...) {
    impl_->dset.reset();
    impl_->file.reset();
    throw;
  }
}

Hdf5Writer::~Hdf5Writer() {
  std::lock_guard lock(hdf5::hdf5_mutex());
  impl_->dset.reset();
  impl_->file.reset();
}

void Hdf5Writer::write(const Box& box, std::span<const std::byte> data) {
  if (box.empty() || !Box{{0, 0, 0}, impl_->shape}.contains(box))
    fail("{}: box {} is empty or outside the dataset [0,{})", impl_->where, box, impl_->shape);
  const size_t need = size_t(box.volume()) * dtype_size(impl_->dtype);
  if (data.size() != need) fail("{}: data for box {} has {} bytes, need {}", impl_->where, box, data.size(), need);
  const Vec3 s = box.shape();
  const std::array<hsize_t, 3> start{hsize_t(box.lo.z), hsize_t(box.lo.y), hsize_t(box.lo.x)};
  const std::array<hsize_t, 3> count{hsize_t(s.z), hsize_t(s.y), hsize_t(s.x)};

  std::lock_guard lock(hdf5::hdf5_mutex());
  Id filespace(H5Dget_space(impl_->dset.get()));
  Id memspace(H5Screate_simple(3, count.data(), nullptr));
  H5Sselect_hyperslab(filespace.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr);
  if (H5Dwrite(impl_->dset.get(), hdf5::native_type(impl_->dtype), memspace.get(), filespace.get(), H5P_DEFAULT,
               data.data()) < 0)
    fail("{}: writing box {} failed: {}", impl_->where, box, hdf5::error_stack_message());
}

}  // namespace dflow
