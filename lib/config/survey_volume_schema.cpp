// workflow.yaml of the survey-volume stage: look at an input volume before anything is written.
#include "config/base_schema.hpp"
#include "config/volume_schema.hpp"

namespace dflow::config {

Schema survey_volume_schema() {
  return workflow_schema({
      required("input", volume_schema(), "The volume to survey."),
      with_default("survey",
                   Schema::object({
                       with_default("brick-shape", Schema::ints(3).at_least(1), "[256,256,256]",
                                    "Shape [x,y,z] of the bricks the ranks read."),
                       with_default("kind", Schema::string({"auto", "grayscale", "segmentation"}), "auto",
                                    "What the volume holds; auto = uint8 is grayscale, uint32/uint64 segmentation."),
                       with_default("block-statistics-csv", Schema::boolean(), "false",
                                    "Segmentation: also write block-statistics.csv next to block-statistics.h5 "
                                    "(about 45 bytes per row)."),
                   }),
                   "{}", "Survey options."),
  });
}

}  // namespace dflow::config
