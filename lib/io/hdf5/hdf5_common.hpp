#pragma once
// Internal helpers shared by the HDF5 reader and writer (not part of the public API).
//
// Debian's parallel HDF5 (libhdf5-openmpi) is built without --enable-threadsafe, so EVERY call into
// the library, including H5?close from destructors, must hold hdf5_mutex().
#include <mutex>
#include <string>
#include <utility>

#include <hdf5.h>

#include "core/dtype.hpp"

namespace dflow::hdf5 {

std::mutex& hdf5_mutex();

// Turns off HDF5's automatic error-stack printing (once per process); call with the mutex held.
void silence_errors();

// The innermost messages of HDF5's current error stack, e.g. "can't open file; file locking ...",
// or "" if the stack is empty. Clears the stack. Call with the mutex held.
std::string error_stack_message();

// RAII owner of one hid_t. The destructor closes the id with the matching H5?close; callers hold
// hdf5_mutex() whenever an Id is destroyed.
class Id {
 public:
  Id() = default;
  explicit Id(hid_t id) : id_(id) {}
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  Id(Id&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)) {}
  Id& operator=(Id&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, H5I_INVALID_HID);
    }
    return *this;
  }
  ~Id() { reset(); }

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Gives up ownership (for closes whose status must be checked).
  hid_t release() { return std::exchange(id_, H5I_INVALID_HID); }
  void reset();

 private:
  hid_t id_ = H5I_INVALID_HID;
};

// Native memory type for a DType (H5T_NATIVE_UINT64, ...): HDF5 converts from the file's byte order.
hid_t native_type(DType t);

// True if MPI_Init has run and MPI_Finalize has not: only then may the MPI-IO driver be used.
bool mpi_active();

}  // namespace dflow::hdf5
