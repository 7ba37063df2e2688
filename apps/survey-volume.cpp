// survey-volume: scan an input volume on all MPI ranks (see lib/survey/survey.hpp and --help).
#include "survey/survey.hpp"

int main(int argc, char** argv) { return dflow::stages::survey_volume_main(argc, argv); }
