#include "mesh/simplify.hpp"

#include <algorithm>
#include <cmath>

#include <meshoptimizer.h>

namespace dflow::mesh {

SimplifyResult simplify(Mesh& m, const SimplifyOptions& opt) {
  const size_t nt = m.num_triangles();
  size_t target = nt;
  if (opt.fraction < 1.0) target = size_t(std::max(0.0, opt.fraction) * double(nt));
  if (opt.max_triangles > 0) target = std::min(target, opt.max_triangles);
  target = std::max<size_t>(target, 4);
  if (nt <= 4 || target >= nt) return {};
  const float scale = meshopt_simplifyScale(m.vertices.data(), m.num_vertices(), 3 * sizeof(float));
  // meshoptimizer takes the error relative to the mesh's extent.
  const float rel = std::isfinite(opt.max_error) && scale > 0 ? float(opt.max_error / scale) : 1e30f;
  std::vector<uint32_t> out(m.triangles.size());
  float err = 0;
  const size_t n = meshopt_simplify(out.data(), m.triangles.data(), m.triangles.size(), m.vertices.data(), m.num_vertices(),
                                    3 * sizeof(float), target * 3, rel, opt.lock_border ? meshopt_SimplifyLockBorder : 0, &err);
  out.resize(n);
  m.triangles = std::move(out);
  m.remove_unused_vertices();
  return {double(err) * double(scale)};
}

}  // namespace dflow::mesh
