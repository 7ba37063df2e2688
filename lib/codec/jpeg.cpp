#include "codec/jpeg.hpp"

#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <jpeglib.h>

#include "core/error.hpp"

namespace dflow::jpeg {
namespace {

// libjpeg reports fatal errors through error_exit, whose default calls exit(). We longjmp back
// into the small guarded functions below instead; they hold no C++ objects with destructors, so
// skipping their frames is safe. Warnings (level -1: "Premature end of JPEG file", "Corrupt JPEG
// data") are treated as errors too: libjpeg would otherwise pad a truncated image with gray.
struct ErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void on_error(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void on_message(j_common_ptr cinfo, int level) {
  if (level < 0) on_error(cinfo);  // trace messages (level >= 0) are ignored
}

void install(ErrorManager& err) {
  jpeg_std_error(&err.pub);
  err.pub.error_exit = on_error;
  err.pub.emit_message = on_message;
  err.message[0] = '\0';
}

struct Decompressor {
  jpeg_decompress_struct cinfo;
  ErrorManager err;
  bool created = false;
  Decompressor() {
    std::memset(&cinfo, 0, sizeof(cinfo));
    install(err);
    cinfo.err = &err.pub;
  }
  ~Decompressor() {
    if (created) jpeg_destroy_decompress(&cinfo);
  }
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;
};

struct Compressor {
  jpeg_compress_struct cinfo;
  ErrorManager err;
  bool created = false;
  unsigned char* buffer = nullptr;  // malloc'ed by jpeg_mem_dest
  unsigned long size = 0;
  Compressor() {
    std::memset(&cinfo, 0, sizeof(cinfo));
    install(err);
    cinfo.err = &err.pub;
  }
  ~Compressor() {
    if (created) jpeg_destroy_compress(&cinfo);
    std::free(buffer);
  }
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;
};

// Each guarded function returns false when libjpeg failed (message in err.message).
bool guarded_read_header(Decompressor& d, const unsigned char* data, unsigned long size) {
  if (setjmp(d.err.jump)) return false;
  jpeg_create_decompress(&d.cinfo);
  d.created = true;
  jpeg_mem_src(&d.cinfo, data, size);
  jpeg_read_header(&d.cinfo, TRUE);
  return true;
}

bool guarded_decompress(Decompressor& d, J_COLOR_SPACE space, unsigned char* out, size_t row_bytes) {
  if (setjmp(d.err.jump)) return false;
  d.cinfo.out_color_space = space;
  jpeg_start_decompress(&d.cinfo);
  while (d.cinfo.output_scanline < d.cinfo.output_height) {
    JSAMPROW row = out + static_cast<size_t>(d.cinfo.output_scanline) * row_bytes;
    jpeg_read_scanlines(&d.cinfo, &row, 1);
  }
  jpeg_finish_decompress(&d.cinfo);
  return true;
}

bool guarded_compress(Compressor& c, const uint8_t* pixels, int width, int height, int components, int quality) {
  if (setjmp(c.err.jump)) return false;
  jpeg_create_compress(&c.cinfo);
  c.created = true;
  jpeg_mem_dest(&c.cinfo, &c.buffer, &c.size);
  c.cinfo.image_width = static_cast<JDIMENSION>(width);
  c.cinfo.image_height = static_cast<JDIMENSION>(height);
  c.cinfo.input_components = components;
  c.cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&c.cinfo);
  jpeg_set_quality(&c.cinfo, quality, TRUE);
  jpeg_start_compress(&c.cinfo, TRUE);
  const size_t row_bytes = static_cast<size_t>(width) * static_cast<size_t>(components);
  while (c.cinfo.next_scanline < c.cinfo.image_height) {
    // libjpeg's API takes non-const rows but does not modify them.
    JSAMPROW row = const_cast<uint8_t*>(pixels) + static_cast<size_t>(c.cinfo.next_scanline) * row_bytes;
    jpeg_write_scanlines(&c.cinfo, &row, 1);
  }
  jpeg_finish_compress(&c.cinfo);
  return true;
}

void open(Decompressor& d, std::span<const std::byte> data) {
  if (data.empty()) fail("jpeg: empty data");
  if (!guarded_read_header(d, reinterpret_cast<const unsigned char*>(data.data()),
                           static_cast<unsigned long>(data.size())))
    fail("jpeg: cannot read header: {}", d.err.message);
}

}  // namespace

Header read_header(std::span<const std::byte> data) {
  Decompressor d;
  open(d, data);
  return {static_cast<int>(d.cinfo.image_width), static_cast<int>(d.cinfo.image_height), d.cinfo.num_components};
}

void decode(std::span<const std::byte> data, size_t expected_pixels, int expected_components, std::span<uint8_t> out) {
  if (expected_components != 1 && expected_components != 3)
    fail("jpeg: {} components requested, only 1 (grayscale) or 3 (RGB) are supported", expected_components);
  Decompressor d;
  open(d, data);
  const size_t w = d.cinfo.image_width, h = d.cinfo.image_height;
  if (d.cinfo.num_components != expected_components)
    fail("jpeg: image has {} components, expected {}", d.cinfo.num_components, expected_components);
  if (w * h != expected_pixels)
    fail("jpeg: image is {}x{} = {} pixels, expected {}", w, h, w * h, expected_pixels);
  if (out.size() != expected_pixels * static_cast<size_t>(expected_components))
    fail("jpeg: output buffer holds {} bytes, need {}", out.size(), expected_pixels * expected_components);
  const J_COLOR_SPACE space = expected_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  if (!guarded_decompress(d, space, out.data(), w * static_cast<size_t>(expected_components)))
    fail("jpeg: corrupt data: {}", d.err.message);
  if (d.cinfo.output_components != expected_components)
    fail("jpeg: decoder produced {} components, expected {}", d.cinfo.output_components, expected_components);
}

std::vector<std::byte> encode(const uint8_t* pixels, int width, int height, int components, int quality) {
  if (components != 1 && components != 3) fail("jpeg: cannot encode {} components (only 1 or 3)", components);
  if (width <= 0 || height <= 0 || width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION)
    fail("jpeg: cannot encode a {}x{} image (each side must be 1..{})", width, height, JPEG_MAX_DIMENSION);
  if (quality < 1 || quality > 100) fail("jpeg: quality {} is outside 1..100", quality);
  Compressor c;
  if (!guarded_compress(c, pixels, width, height, components, quality)) fail("jpeg: encoding failed: {}", c.err.message);
  const auto* begin = reinterpret_cast<const std::byte*>(c.buffer);
  return std::vector<std::byte>(begin, begin + c.size);
}

}  // namespace dflow::jpeg
