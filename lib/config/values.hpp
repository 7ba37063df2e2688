#pragma once
// Typed access to VALIDATED config values (see schema.hpp): [x,y,z] lists and boxes.
#include <yaml-cpp/yaml.h>

#include "core/geometry.hpp"

namespace dflow::config {

inline Vec3 as_vec3(const YAML::Node& n) { return {n[0].as<int64_t>(), n[1].as<int64_t>(), n[2].as<int64_t>()}; }
inline Box as_box(const YAML::Node& n) { return {as_vec3(n[0]), as_vec3(n[1])}; }

inline YAML::Node to_node(const Vec3& v) {
  YAML::Node n(YAML::NodeType::Sequence);
  for (int a = 0; a < 3; ++a) n.push_back(std::to_string(v[a]));
  return n;
}
inline YAML::Node to_node(const Box& b) {
  YAML::Node n(YAML::NodeType::Sequence);
  n.push_back(to_node(b.lo));
  n.push_back(to_node(b.hi));
  return n;
}

}  // namespace dflow::config
