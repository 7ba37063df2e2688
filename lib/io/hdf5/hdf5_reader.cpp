// Reader for 3-D HDF5 datasets (z,y,x on disk, as h5py writes C-order numpy arrays).
#include <algorithm>
#include <array>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <mpi.h>

#include "io/hdf5/hdf5.hpp"
#include "io/hdf5/hdf5_common.hpp"

namespace dflow {
namespace {

namespace fs = std::filesystem;
using hdf5::Id;

// "'a', 'b', 'c'" for the members of `group` (at most 10), to say what the file does hold.
std::string list_members(hid_t file, const std::string& group) {
  std::vector<std::string> names;
  auto cb = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
    auto* v = static_cast<std::vector<std::string>*>(data);
    v->emplace_back(name);
    return v->size() >= 11 ? 1 : 0;  // stop early: the message only needs a few
  };
  H5Literate_by_name(file, group.c_str(), H5_INDEX_NAME, H5_ITER_INC, nullptr, cb, &names, H5P_DEFAULT);
  H5Eclear2(H5E_DEFAULT);
  if (names.empty()) return "nothing";
  std::string s;
  for (size_t i = 0; i < names.size() && i < 10; ++i) s += fmt::format("{}'{}'", i ? ", " : "", names[i]);
  if (names.size() > 10) s += ", ...";
  return s;
}

std::string type_description(hid_t type) {
  switch (H5Tget_class(type)) {
    case H5T_INTEGER: return fmt::format("{}-byte integer", H5Tget_size(type));
    case H5T_FLOAT: return fmt::format("{}-byte float", H5Tget_size(type));
    case H5T_STRING: return "string";
    case H5T_COMPOUND: return "compound";
    case H5T_ENUM: return "enum (h5py bool?)";
    case H5T_ARRAY: return "array";
    case H5T_OPAQUE: return "opaque";
    case H5T_BITFIELD: return "bitfield";
    case H5T_REFERENCE: return "reference";
    case H5T_VLEN: return "variable-length";
    default: return "unknown";
  }
}

// The DType of an HDF5 datatype, or nullopt if we do not read it.
std::optional<DType> to_dtype(hid_t type) {
  const size_t size = H5Tget_size(type);
  switch (H5Tget_class(type)) {
    case H5T_INTEGER: {
      const bool is_signed = H5Tget_sign(type) == H5T_SGN_2;
      switch (size) {
        case 1: return is_signed ? DType::int8 : DType::uint8;
        case 2: return is_signed ? DType::int16 : DType::uint16;
        case 4: return is_signed ? DType::int32 : DType::uint32;
        case 8: return is_signed ? DType::int64 : DType::uint64;
        default: return std::nullopt;
      }
    }
    case H5T_FLOAT:
      if (size == 4) return DType::float32;
      if (size == 8) return DType::float64;
      return std::nullopt;
    default: return std::nullopt;
  }
}

class Hdf5Reader final : public VolumeReader {
 public:
  Hdf5Reader(fs::path path, std::string dataset) : path_(std::move(path)), dataset_(std::move(dataset)) {
    std::lock_guard lock(hdf5::hdf5_mutex());
    hdf5::silence_errors();
    try {
      open_locked();
    } catch (...) {
      // Members are destroyed after this lock is released, so close the ids while we still hold it.
      dxpl_.reset();
      dset_.reset();
      file_.reset();
      throw;
    }
  }

  ~Hdf5Reader() override {
    std::lock_guard lock(hdf5::hdf5_mutex());
    dxpl_.reset();
    dset_.reset();
    file_.reset();
  }

  std::string driver() const {
    std::lock_guard lock(hdf5::hdf5_mutex());
    Id fapl(H5Fget_access_plist(file_.get()));
    const hid_t d = H5Pget_driver(fapl.get());
    if (d == H5FD_MPIO) return "mpio";
    if (d == H5FD_SEC2) return "sec2";
    return "other";
  }

  DType dtype() const override { return dtype_; }
  Box bounds() const override { return {{0, 0, 0}, shape_}; }
  Vec3 chunk_shape() const override { return chunk_; }
  std::string describe() const override { return fmt::format("hdf5:{}:/{}", path_.string(), dataset_); }

  void read(const Box& box, std::span<std::byte> out) const override {
    check_box(box);
    const size_t need = static_cast<size_t>(box.volume()) * dtype_size(dtype_);
    if (out.size() != need) fail("{}: output buffer for box {} has {} bytes, need {}", describe(), box, out.size(), need);
    const Vec3 s = box.shape();
    const std::array<hsize_t, 3> start{hsize_t(box.lo.z), hsize_t(box.lo.y), hsize_t(box.lo.x)};
    const std::array<hsize_t, 3> count{hsize_t(s.z), hsize_t(s.y), hsize_t(s.x)};

    std::lock_guard lock(hdf5::hdf5_mutex());
    Id filespace(H5Dget_space(dset_.get()));
    Id memspace(H5Screate_simple(3, count.data(), nullptr));
    if (!filespace.valid() || !memspace.valid() ||
        H5Sselect_hyperslab(filespace.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr) < 0)
      fail("{}: cannot select box {}: {}", describe(), box, hdf5::error_stack_message());
    // Reading straight into `out` with the native type: HDF5 converts byte order and nothing is copied twice.
    if (H5Dread(dset_.get(), hdf5::native_type(dtype_), memspace.get(), filespace.get(), dxpl_.get(), out.data()) < 0)
      fail("{}: reading box {} failed: {}", describe(), box, hdf5::error_stack_message());
  }

 private:
  [[noreturn]] void open_fail(const std::string& what) const {
    fail("hdf5: {}: {}", path_.string(), what);
  }

  void open_locked() {
    std::error_code ec;
    if (!fs::exists(path_, ec)) open_fail("no such file");
    const htri_t is_h5 = H5Fis_hdf5(path_.c_str());
    if (is_h5 < 0) open_fail(fmt::format("cannot open: {}", hdf5::error_stack_message()));
    if (is_h5 == 0) open_fail("not an HDF5 file");

    Id fapl(H5Pcreate(H5P_FILE_ACCESS));
    if (hdf5::mpi_active()) {
      // MPI_COMM_SELF: every rank opens the file on its own and reads its own bricks, with no
      // collective calls that would force ranks to read in lock step.
      if (H5Pset_fapl_mpio(fapl.get(), MPI_COMM_SELF, MPI_INFO_NULL) < 0)
        open_fail(fmt::format("cannot set up MPI-IO: {}", hdf5::error_stack_message()));
      dxpl_ = Id(H5Pcreate(H5P_DATASET_XFER));
      H5Pset_dxpl_mpio(dxpl_.get(), H5FD_MPIO_INDEPENDENT);
    } else {
      dxpl_ = Id(H5Pcreate(H5P_DATASET_XFER));
    }
    file_ = Id(H5Fopen(path_.c_str(), H5F_ACC_RDONLY, fapl.get()));
    if (!file_.valid()) open_fail(fmt::format("cannot open: {}", hdf5::error_stack_message()));

    open_dataset_locked();
  }

  void open_dataset_locked() {
    // h5py accepts "/a/b" and "a/b" alike.
    std::string name = dataset_;
    while (!name.empty() && name.front() == '/') name.erase(0, 1);
    while (!name.empty() && name.back() == '/') name.pop_back();
    if (name.empty()) open_fail("no dataset name given");
    dataset_ = name;

    // Check each path component so a missing group is reported as such, not as a library trace.
    size_t pos = 0;
    for (;;) {
      const size_t slash = name.find('/', pos);
      const std::string part = name.substr(0, slash);
      const htri_t exists = H5Lexists(file_.get(), part.c_str(), H5P_DEFAULT);
      if (exists <= 0) {
        H5Eclear2(H5E_DEFAULT);
        const std::string parent = pos == 0 ? "/" : "/" + name.substr(0, pos - 1);
        const std::string members = list_members(file_.get(), parent);
        if (part == name) open_fail(fmt::format("no dataset '/{}' (group {} holds {})", name, parent, members));
        open_fail(fmt::format("no dataset '/{}': no '/{}' (group {} holds {})", name, part, parent, members));
      }
      if (slash == std::string::npos) break;
      pos = slash + 1;
    }
    {
      Id obj(H5Oopen(file_.get(), name.c_str(), H5P_DEFAULT));
      if (!obj.valid()) open_fail(fmt::format("cannot open '/{}': {}", name, hdf5::error_stack_message()));
      if (H5Iget_type(obj.get()) != H5I_DATASET) open_fail(fmt::format("'/{}' is a group, not a dataset", name));
    }
    dset_ = Id(H5Dopen2(file_.get(), name.c_str(), H5P_DEFAULT));
    if (!dset_.valid()) open_fail(fmt::format("cannot open dataset '/{}': {}", name, hdf5::error_stack_message()));

    Id space(H5Dget_space(dset_.get()));
    const int ndims = H5Sget_simple_extent_ndims(space.get());
    std::array<hsize_t, 8> dims{};
    if (ndims > 0 && ndims <= 8) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    if (ndims != 3) {
      std::string shape;
      for (int i = 0; i < ndims && i < 8; ++i) shape += fmt::format("{}{}", i ? "," : "", dims[size_t(i)]);
      open_fail(fmt::format("dataset '/{}' has {} dimensions (shape [{}]); expected a 3-D z,y,x volume", name, ndims, shape));
    }
    shape_ = {int64_t(dims[2]), int64_t(dims[1]), int64_t(dims[0])};

    Id type(H5Dget_type(dset_.get()));
    const auto dt = to_dtype(type.get());
    if (!dt)
      open_fail(fmt::format("dataset '/{}' has unsupported data type ({}); expected an integer or float type", name,
                            type_description(type.get())));
    dtype_ = *dt;

    Id dcpl(H5Dget_create_plist(dset_.get()));
    check_filters(dcpl.get());
    if (H5Pget_layout(dcpl.get()) == H5D_CHUNKED) {
      std::array<hsize_t, 3> c{};
      H5Pget_chunk(dcpl.get(), 3, c.data());
      chunk_ = {int64_t(c[2]), int64_t(c[1]), int64_t(c[0])};
    } else {
      // Contiguous (or compact) storage is z-major, so whole z-planes are the natural read unit.
      chunk_ = {std::max<int64_t>(shape_.x, 1), std::max<int64_t>(shape_.y, 1), 1};
    }
  }

  // Fail at open, not at the first read, when the data needs a filter this HDF5 build lacks
  // (e.g. h5py's lzf or a blosc plugin).
  void check_filters(hid_t dcpl) const {
    const int n = H5Pget_nfilters(dcpl);
    for (int i = 0; i < n; ++i) {
      unsigned flags = 0, config = 0;
      size_t nvals = 0;
      char fname[256] = {0};
      const H5Z_filter_t id = H5Pget_filter2(dcpl, unsigned(i), &flags, &nvals, nullptr, sizeof fname, fname, &config);
      if (id < 0) continue;
      if (H5Zfilter_avail(id) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        open_fail(fmt::format("dataset '/{}' uses compression filter {} ('{}'), which this HDF5 library does not have",
                              dataset_, int(id), fname));
      }
    }
  }

  fs::path path_;
  std::string dataset_;
  Id file_, dset_, dxpl_;
  DType dtype_ = DType::uint8;
  Vec3 shape_{}, chunk_{};
};

}  // namespace

std::unique_ptr<VolumeReader> open_hdf5(const std::filesystem::path& path, const std::string& dataset) {
  return std::make_unique<Hdf5Reader>(path, dataset);
}

std::string hdf5_driver(const VolumeReader& reader) {
  const auto* r = dynamic_cast<const Hdf5Reader*>(&reader);
  if (!r) fail("{}: not an HDF5 reader", reader.describe());
  return r->driver();
}

}  // namespace dflow
