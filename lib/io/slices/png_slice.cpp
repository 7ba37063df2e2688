// Grayscale 8/16-bit PNG slices through libpng. 16-bit PNG samples are big-endian on disk; libpng
// swaps them to the host's order (png_set_swap) so the output matches numpy's native uint16.
//
// libpng reports errors with longjmp. The functions that call setjmp below hold only trivially
// destructible locals, so jumping out of libpng never skips a C++ destructor.
#include <bit>
#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <png.h>

#include "core/error.hpp"
#include "io/slices/slice_image.hpp"

namespace dflow {
namespace {

struct PngState {
  std::FILE* fp = nullptr;
  png_structp png = nullptr;
  png_infop info = nullptr;
  char error[512] = {0};
};

void on_png_error(png_structp png, png_const_charp msg) {
  auto* st = static_cast<PngState*>(png_get_error_ptr(png));
  std::snprintf(st->error, sizeof st->error, "%s", msg);
  png_longjmp(png, 1);
}

void on_png_warning(png_structp, png_const_charp) {}  // e.g. "iCCP: known incorrect sRGB profile"

struct PngHeader {
  png_uint_32 width = 0, height = 0;
  int bit_depth = 0, color_type = 0, interlace = 0;
};

bool read_png_header(PngState& st, PngHeader& h) {
  if (setjmp(png_jmpbuf(st.png))) return false;
  png_init_io(st.png, st.fp);
  png_read_info(st.png, st.info);
  png_get_IHDR(st.png, st.info, &h.width, &h.height, &h.bit_depth, &h.color_type, &h.interlace, nullptr, nullptr);
  return true;
}

// Sets up the transformations; returns false on a libpng error.
bool prepare_png_read(PngState& st, bool swap16, bool interlaced) {
  if (setjmp(png_jmpbuf(st.png))) return false;
  if (swap16) png_set_swap(st.png);
  if (interlaced) png_set_interlace_handling(st.png);
  png_read_update_info(st.png, st.info);
  return true;
}

// Non-interlaced: decode rows 0..y1-1 one at a time (PNG rows can only be read in order), copying
// the window out of rows y0..y1-1. Memory: one row.
bool read_png_rows(PngState& st, png_bytep row, png_uint_32 y0, png_uint_32 y1, size_t x_off, size_t n_bytes,
                   png_bytep out) {
  if (setjmp(png_jmpbuf(st.png))) return false;
  for (png_uint_32 y = 0; y < y1; ++y) {
    png_read_row(st.png, row, nullptr);
    if (y >= y0) std::memcpy(out + size_t(y - y0) * n_bytes, row + x_off, n_bytes);
  }
  return true;
}

// Interlaced (Adam7): every pass touches every row, so the whole image must be decoded at once.
bool read_png_image(PngState& st, png_bytepp rows) {
  if (setjmp(png_jmpbuf(st.png))) return false;
  png_read_image(st.png, rows);
  return true;
}

class PngSlice final : public SliceImage {
 public:
  explicit PngSlice(std::filesystem::path path) : path_(std::move(path)) {
    st_.fp = std::fopen(path_.c_str(), "rb");
    if (!st_.fp) fail("slices: {}: cannot open: {}", path_.string(), std::strerror(errno));
    st_.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &st_, on_png_error, on_png_warning);
    if (st_.png) st_.info = png_create_info_struct(st_.png);
    if (!st_.png || !st_.info) {
      close();
      fail("slices: {}: cannot create PNG decoder", path_.string());
    }
    try {
      read_header();
    } catch (...) {
      close();
      throw;
    }
  }
  ~PngSlice() override { close(); }
  PngSlice(const PngSlice&) = delete;
  PngSlice& operator=(const PngSlice&) = delete;

  const SliceImageInfo& info() const override { return info_; }

  void read(int64_t x0, int64_t x1, int64_t y0, int64_t y1, std::byte* out) override {
    if (used_) fail("slices: {}: PNG slice read twice (internal error)", path_.string());
    used_ = true;
    const bool swap16 = info_.dtype == DType::uint16 && std::endian::native == std::endian::little;
    const bool interlaced = header_.interlace != PNG_INTERLACE_NONE;
    if (!prepare_png_read(st_, swap16, interlaced)) fail_png("cannot set up decoding");
    const size_t e = dtype_size(info_.dtype);
    const size_t row_bytes = png_get_rowbytes(st_.png, st_.info);
    const size_t x_off = size_t(x0) * e, n = size_t(x1 - x0) * e;
    auto* dst = reinterpret_cast<png_bytep>(out);
    if (!interlaced) {
      std::vector<png_byte> row(row_bytes);
      if (!read_png_rows(st_, row.data(), png_uint_32(y0), png_uint_32(y1), x_off, n, dst))
        fail_png("cannot decode (truncated or corrupt file?)");
      return;
    }
    std::vector<png_byte> image(row_bytes * header_.height);
    std::vector<png_bytep> rows(header_.height);
    for (size_t y = 0; y < rows.size(); ++y) rows[y] = image.data() + y * row_bytes;
    if (!read_png_image(st_, rows.data())) fail_png("cannot decode (truncated or corrupt file?)");
    for (int64_t y = y0; y < y1; ++y) std::memcpy(dst + size_t(y - y0) * n, rows[size_t(y)] + x_off, n);
  }

 private:
  [[noreturn]] void fail_png(const char* what) const {
    fail("slices: {}: {}: {}", path_.string(), what, st_.error[0] ? st_.error : "libpng error");
  }

  void read_header() {
    if (!read_png_header(st_, header_)) fail_png("cannot read PNG header");
    const int ct = header_.color_type;
    if (ct == PNG_COLOR_TYPE_PALETTE) fail("slices: {}: palette PNG; only grayscale images are supported", path_.string());
    if (ct == PNG_COLOR_TYPE_RGB || ct == PNG_COLOR_TYPE_RGB_ALPHA)
      fail("slices: {}: RGB{} PNG; only grayscale images are supported", path_.string(),
           ct == PNG_COLOR_TYPE_RGB_ALPHA ? "A" : "");
    if (ct == PNG_COLOR_TYPE_GRAY_ALPHA)
      fail("slices: {}: grayscale+alpha PNG; only single-channel grayscale is supported", path_.string());
    if (header_.bit_depth != 8 && header_.bit_depth != 16)
      fail("slices: {}: PNG has {} bits per pixel; only 8- and 16-bit grayscale is supported", path_.string(),
           header_.bit_depth);
    info_.width = header_.width;
    info_.height = header_.height;
    info_.dtype = header_.bit_depth == 8 ? DType::uint8 : DType::uint16;
  }

  void close() {
    if (st_.png) png_destroy_read_struct(&st_.png, st_.info ? &st_.info : nullptr, nullptr);
    if (st_.fp) std::fclose(st_.fp);
    st_.png = nullptr;
    st_.info = nullptr;
    st_.fp = nullptr;
  }

  std::filesystem::path path_;
  PngState st_;
  PngHeader header_;
  SliceImageInfo info_;
  bool used_ = false;
};

}  // namespace

std::unique_ptr<SliceImage> open_png_slice(const std::filesystem::path& path) {
  return std::make_unique<PngSlice>(path);
}

}  // namespace dflow
