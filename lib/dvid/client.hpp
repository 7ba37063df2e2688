#pragma once
// DVID's HTTP client is the project's one HTTP client (http/client.hpp); these names keep the DVID
// code reading as before.
#include "http/client.hpp"

namespace dflow::dvid {
using http::Client;
using http::OutcomeUnknown;
using http::Replay;
using http::Response;
using http::RetryPolicy;
using http::Unavailable;
}  // namespace dflow::dvid
