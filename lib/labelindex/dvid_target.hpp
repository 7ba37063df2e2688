#pragma once
// Checks on the destination before anything is posted, and the repo's mutation id.
#include <cstdint>
#include <string>

#include "dvid/client.hpp"

namespace dflow::labelindex {

// The instance must be a labelmap with 64^3 blocks (label-index keys assume them, as flyemflows'
// _check_instance does) and the node must be uncommitted (DVID refuses POST /indices and
// /mappings on a locked node). Errors say what to do.
void check_target(dvid::Client& client, const std::string& uuid, const std::string& instance);

// The repo's MutationID (flyemflows' default --last-mutid).
uint64_t repo_mutation_id(dvid::Client& client, const std::string& uuid);

// "2026-11-25T09:00:00Z": now, UTC, RFC 3339.
std::string rfc3339_now();

}  // namespace dflow::labelindex
