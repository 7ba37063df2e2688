// bench_cleave: the data of bench/bench_cleave.py. One synthetic body of N supervoxels
// (cleave/synthetic.hpp) in a fresh repo of a running DVID (its label index, which is what
// GET /supervoxels reads), its edges as the reference's .npy, the mapping, and our cleave table.
//   bench_cleave --dvid URL --dir DIR [--svs N] [--admin-token TOKEN]
// Writes DIR/edges.npy, DIR/mapping.csv, DIR/table.bin and DIR/setup.json {uuid, instance, body, first_sv, svs}.
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "cleave/build.hpp"
#include "cleave/synthetic.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "dvid/labelmap.hpp"
#include "dvid/repo.hpp"

using namespace dflow;

int main(int argc, char** argv) {
  std::string url, token;
  std::filesystem::path dir;
  size_t n = 100000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--dvid") url = v;
    else if (a == "--dir") dir = v;
    else if (a == "--svs") n = std::stoul(v);
    else if (a == "--admin-token") token = v;
  }
  if (url.empty() || dir.empty()) {
    log::error("usage: bench_cleave --dvid URL --dir DIR [--svs N] [--admin-token TOKEN]");
    return 2;
  }
  try {
    std::filesystem::create_directories(dir);
    const uint64_t first = 7000000;
    const cleave::SyntheticBody b = cleave::synthetic_body(n, first, 42);
    cleave::MergeTableNpyWriter npy(dir / "edges.npy");
    npy.write(b.edges);
    npy.finish();
    std::string mapping = "sv,body\n";
    for (uint64_t sv : b.svs) mapping += fmt::format("{},{}\n", sv, b.body);
    write_text_atomic(dir / "mapping.csv", mapping);
    dvid::Client c(url);
    if (!token.empty()) c.set_admin_token(token);
    const std::string uuid = dvid::create_repo(c, "bench-cleave", "cleave benchmark");
    dvid::create_instance(c, uuid, "labelmap", "segmentation", {{"BlockSize", "64,64,64"}});
    dvidpb::LabelIndices indices;
    *indices.add_indices() = cleave::synthetic_label_index(b);
    dvid::Labelmap(c, uuid, "segmentation").post_indices(indices);
    cleave::BuildOptions o;
    o.edges = dir / "edges.npy";
    o.mapping = dir / "mapping.csv";
    o.output = dir / "table.bin";
    cleave::build_cleave_table(o);
    const nlohmann::json j{{"uuid", uuid}, {"instance", "segmentation"}, {"body", b.body}, {"first_sv", first}, {"svs", n}};
    write_text_atomic(dir / "setup.json", j.dump());
    return 0;
  } catch (const std::exception& e) {
    log::error("{}", e.what());
    return 1;
  }
}
