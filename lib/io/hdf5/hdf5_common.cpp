#include "io/hdf5/hdf5_common.hpp"

#include <mpi.h>

#include "core/error.hpp"

namespace dflow::hdf5 {

std::mutex& hdf5_mutex() {
  static std::mutex m;
  return m;
}

void silence_errors() {
  static bool done = false;
  if (done) return;
  // The library prints a multi-line trace for every failed call; our exceptions carry the useful part.
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  done = true;
}

namespace {
herr_t collect(unsigned n, const H5E_error2_t* err, void* data) {
  auto* out = static_cast<std::string*>(data);
  // Frame 0 is the innermost (the actual cause); keep the two innermost distinct descriptions.
  if (n < 2 && err->desc && *err->desc && out->find(err->desc) == std::string::npos) {
    if (!out->empty()) *out += "; ";
    *out += err->desc;
  }
  return 0;
}
}  // namespace

std::string error_stack_message() {
  std::string msg;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, collect, &msg);
  H5Eclear2(H5E_DEFAULT);
  return msg;
}

bool mpi_active() {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  return initialized && !finalized;
}

void Id::reset() {
  if (id_ < 0) return;
  const hid_t id = std::exchange(id_, H5I_INVALID_HID);
  // After MPI_Finalize the parallel library has already shut itself down (it hooks MPI_COMM_SELF),
  // closing every id; calling into it again would re-initialise HDF5 without MPI.
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return;
  switch (H5Iget_type(id)) {
    case H5I_FILE: H5Fclose(id); break;
    case H5I_GROUP: H5Gclose(id); break;
    case H5I_DATASET: H5Dclose(id); break;
    case H5I_DATASPACE: H5Sclose(id); break;
    case H5I_DATATYPE: H5Tclose(id); break;
    case H5I_GENPROP_LST: H5Pclose(id); break;
    default: H5Idec_ref(id); break;
  }
}

hid_t native_type(DType t) {
  switch (t) {
    case DType::uint8: return H5T_NATIVE_UINT8;
    case DType::uint16: return H5T_NATIVE_UINT16;
    case DType::uint32: return H5T_NATIVE_UINT32;
    case DType::uint64: return H5T_NATIVE_UINT64;
    case DType::int8: return H5T_NATIVE_INT8;
    case DType::int16: return H5T_NATIVE_INT16;
    case DType::int32: return H5T_NATIVE_INT32;
    case DType::int64: return H5T_NATIVE_INT64;
    case DType::float32: return H5T_NATIVE_FLOAT;
    case DType::float64: return H5T_NATIVE_DOUBLE;
  }
  fail("hdf5: no native type for {}", dtype_name(t));
}

}  // namespace dflow::hdf5
