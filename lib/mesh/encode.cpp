#include "mesh/encode.hpp"

#include <cmath>
#include <cstring>

#include <draco/compression/decode.h>
#include <draco/compression/encode.h>
#include <draco/mesh/mesh.h>
#include <fmt/format.h>

#include "core/error.hpp"

namespace dflow::mesh {
namespace {

// Area-weighted vertex normals (the un-normalised face cross products summed), as vol2mesh's
// recompute_normals; vertices without a non-degenerate face get (0,0,0).
std::vector<float> vertex_normals(const Mesh& m) {
  std::vector<double> acc(m.vertices.size(), 0.0);
  const float* v = m.vertices.data();
  for (size_t t = 0; t < m.triangles.size(); t += 3) {
    const uint32_t a = m.triangles[t], b = m.triangles[t + 1], c = m.triangles[t + 2];
    double e1[3], e2[3];
    for (int k = 0; k < 3; ++k) e1[k] = double(v[3 * b + k]) - v[3 * a + k], e2[k] = double(v[3 * c + k]) - v[3 * a + k];
    const double n[3] = {e1[1] * e2[2] - e1[2] * e2[1], e1[2] * e2[0] - e1[0] * e2[2], e1[0] * e2[1] - e1[1] * e2[0]};
    for (uint32_t i : {a, b, c})
      for (int k = 0; k < 3; ++k) acc[3 * i + k] += n[k];
  }
  std::vector<float> out(acc.size());
  for (size_t i = 0; i < acc.size(); i += 3) {
    const double len = std::sqrt(acc[i] * acc[i] + acc[i + 1] * acc[i + 1] + acc[i + 2] * acc[i + 2]);
    for (int k = 0; k < 3; ++k) out[i + k] = len > 0 ? float(acc[i + k] / len) : 0.0f;
  }
  return out;
}

int add_float3_attribute(draco::Mesh& dm, draco::GeometryAttribute::Type type, const std::vector<float>& values) {
  const size_t n = values.size() / 3;
  draco::GeometryAttribute ga;
  ga.Init(type, nullptr, 3, draco::DT_FLOAT32, false, sizeof(float) * 3, 0);
  const int id = dm.AddAttribute(ga, true, uint32_t(n));
  draco::PointAttribute* att = dm.attribute(id);
  for (size_t i = 0; i < n; ++i) att->SetAttributeValue(draco::AttributeValueIndex(uint32_t(i)), &values[3 * i]);
  return id;
}

std::string encode_drc(const Mesh& m, const EncodeOptions& opt) {
  draco::Mesh dm;
  dm.set_num_points(uint32_t(m.num_vertices()));
  add_float3_attribute(dm, draco::GeometryAttribute::POSITION, m.vertices);
  if (opt.draco_normals) add_float3_attribute(dm, draco::GeometryAttribute::NORMAL, vertex_normals(m));
  dm.SetNumFaces(m.num_triangles());
  for (size_t t = 0; t < m.num_triangles(); ++t) {
    draco::Mesh::Face f{draco::PointIndex(m.triangles[3 * t]), draco::PointIndex(m.triangles[3 * t + 1]),
                        draco::PointIndex(m.triangles[3 * t + 2])};
    dm.SetFace(draco::FaceIndex(uint32_t(t)), f);
  }
  draco::Encoder enc;
  const int speed = 10 - opt.draco_compression_level;
  enc.SetSpeedOptions(speed, speed);
  if (opt.draco_explicit_grid) {
    if (!(opt.draco_range > 0)) fail("draco: explicit quantisation range must be positive, got {}", opt.draco_range);
    enc.SetAttributeExplicitQuantization(draco::GeometryAttribute::POSITION, opt.draco_quantization_bits, 3, opt.draco_origin.data(),
                                         opt.draco_range);
  } else {
    enc.SetAttributeQuantization(draco::GeometryAttribute::POSITION, opt.draco_quantization_bits);
  }
  enc.SetAttributeQuantization(draco::GeometryAttribute::NORMAL, opt.draco_normal_bits);
  draco::EncoderBuffer buf;
  const draco::Status st = enc.EncodeMeshToBuffer(dm, &buf);
  if (!st.ok()) fail("draco: cannot encode a mesh of {} vertices, {} triangles: {}", m.num_vertices(), m.num_triangles(), st.error_msg_string());
  return std::string(buf.data(), buf.size());
}

std::string encode_ngmesh(const Mesh& m) {
  static_assert(std::endian::native == std::endian::little, "ngmesh is little-endian");
  const uint32_t nv = uint32_t(m.num_vertices());
  std::string out(4 + m.vertices.size() * 4 + m.triangles.size() * 4, '\0');
  std::memcpy(out.data(), &nv, 4);
  std::memcpy(out.data() + 4, m.vertices.data(), m.vertices.size() * 4);
  std::memcpy(out.data() + 4 + m.vertices.size() * 4, m.triangles.data(), m.triangles.size() * 4);
  return out;
}

std::string encode_obj(const Mesh& m) {
  fmt::memory_buffer b;
  for (size_t i = 0; i < m.vertices.size(); i += 3)
    fmt::format_to(std::back_inserter(b), "v {:.7g} {:.7g} {:.7g}\n", m.vertices[i], m.vertices[i + 1], m.vertices[i + 2]);
  for (size_t t = 0; t < m.triangles.size(); t += 3)
    fmt::format_to(std::back_inserter(b), "f {} {} {}\n", m.triangles[t] + 1, m.triangles[t + 1] + 1, m.triangles[t + 2] + 1);
  return fmt::to_string(b);
}

void check_indices(const Mesh& m, std::string_view fmt_name, std::string_view what) {
  const size_t nv = m.num_vertices();
  for (size_t t = 0; t < m.triangles.size(); ++t)
    if (m.triangles[t] >= nv)
      fail("{}: {}: triangle {} refers to vertex {} of {}", fmt_name, what, t / 3, m.triangles[t], nv);
}

Mesh decode_ngmesh(std::string_view s, std::string_view what) {
  Mesh m;
  if (s.empty()) return m;
  if (s.size() < 4) fail("ngmesh: {}: {} bytes, shorter than the vertex count", what, s.size());
  uint32_t nv;
  std::memcpy(&nv, s.data(), 4);
  const size_t vbytes = size_t(nv) * 12;
  if (s.size() - 4 < vbytes) fail("ngmesh: {}: {} vertices need {} bytes, file has {}", what, nv, 4 + vbytes, s.size());
  const size_t tbytes = s.size() - 4 - vbytes;
  if (tbytes % 12 != 0) fail("ngmesh: {}: {} bytes of triangles is not a multiple of 12", what, tbytes);
  m.vertices.resize(size_t(nv) * 3);
  std::memcpy(m.vertices.data(), s.data() + 4, vbytes);
  m.triangles.resize(tbytes / 4);
  std::memcpy(m.triangles.data(), s.data() + 4 + vbytes, tbytes);
  check_indices(m, "ngmesh", what);
  return m;
}

Mesh decode_obj(std::string_view s, std::string_view what) {
  Mesh m;
  size_t line_no = 0;
  std::string line;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t end = s.find('\n', pos);
    if (end == std::string_view::npos) end = s.size();
    line.assign(s.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("v ", 0) == 0) {
      float x, y, z;
      if (std::sscanf(line.c_str() + 2, "%f %f %f", &x, &y, &z) != 3) fail("obj: {} line {}: bad vertex '{}'", what, line_no, line);
      m.vertices.insert(m.vertices.end(), {x, y, z});
    } else if (line.rfind("f ", 0) == 0) {
      // "f a b c" or "f a//n b//n c//n" / "a/t/n": the vertex index is the number before any '/'.
      uint32_t idx[3];
      const char* p = line.c_str() + 2;
      for (int k = 0; k < 3; ++k) {
        char* e;
        const long v = std::strtol(p, &e, 10);
        if (e == p || v < 1) fail("obj: {} line {}: bad face '{}'", what, line_no, line);
        idx[k] = uint32_t(v - 1);
        p = e;
        while (*p && *p != ' ') ++p;
      }
      while (*p == ' ') ++p;
      if (*p) fail("obj: {} line {}: only triangles are supported, got '{}'", what, line_no, line);
      m.triangles.insert(m.triangles.end(), idx, idx + 3);
    } else if (line.rfind("vn ", 0) == 0 || line.rfind("vt ", 0) == 0 || line.rfind("o ", 0) == 0 || line.rfind("g ", 0) == 0 ||
               line.rfind("s ", 0) == 0) {
      continue;
    } else {
      fail("obj: {} line {}: unexpected '{}'", what, line_no, line);
    }
  }
  check_indices(m, "obj", what);
  return m;
}

Mesh decode_drc(std::string_view s, std::string_view what) {
  Mesh m;
  if (s.empty()) return m;
  draco::DecoderBuffer buf;
  buf.Init(s.data(), s.size());
  draco::Decoder dec;
  auto res = dec.DecodeMeshFromBuffer(&buf);
  if (!res.ok()) fail("drc: {}: not a Draco mesh: {}", what, res.status().error_msg_string());
  std::unique_ptr<draco::Mesh> dm = std::move(res).value();
  const draco::PointAttribute* pos = dm->GetNamedAttribute(draco::GeometryAttribute::POSITION);
  if (!pos || pos->num_components() != 3) fail("drc: {}: no 3-component POSITION attribute", what);
  m.vertices.resize(size_t(dm->num_points()) * 3);
  for (uint32_t i = 0; i < dm->num_points(); ++i)
    if (!pos->ConvertValue<float, 3>(pos->mapped_index(draco::PointIndex(i)), &m.vertices[3 * size_t(i)]))
      fail("drc: {}: cannot read vertex {}", what, i);
  m.triangles.resize(size_t(dm->num_faces()) * 3);
  for (uint32_t f = 0; f < dm->num_faces(); ++f) {
    const auto& face = dm->face(draco::FaceIndex(f));
    for (int k = 0; k < 3; ++k) m.triangles[3 * size_t(f) + k] = face[k].value();
  }
  check_indices(m, "drc", what);
  return m;
}

}  // namespace

Format parse_format(std::string_view name) {
  if (name == "drc") return Format::drc;
  if (name == "ngmesh") return Format::ngmesh;
  if (name == "obj") return Format::obj;
  fail("unknown mesh format '{}' (expected drc, ngmesh or obj)", name);
}

std::string_view format_name(Format f) {
  switch (f) {
    case Format::drc: return "drc";
    case Format::ngmesh: return "ngmesh";
    case Format::obj: return "obj";
  }
  return "?";
}

std::string encode(const Mesh& m, Format f, const EncodeOptions& opt) {
  if (m.empty()) return {};
  switch (f) {
    case Format::drc: return encode_drc(m, opt);
    case Format::ngmesh: return encode_ngmesh(m);
    case Format::obj: return encode_obj(m);
  }
  fail("encode: bad mesh format {}", int(f));
}

Mesh decode(std::string_view bytes, Format f, std::string_view what) {
  switch (f) {
    case Format::drc: return decode_drc(bytes, what);
    case Format::ngmesh: return decode_ngmesh(bytes, what);
    case Format::obj: return decode_obj(bytes, what);
  }
  fail("decode: bad mesh format {}", int(f));
}

}  // namespace dflow::mesh
