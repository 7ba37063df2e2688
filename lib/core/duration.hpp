#pragma once
// The one duration formatter: "H:MM:SS" (hours unbounded: "100:00:00"), as flyemflows prints
// durations; used by progress lines, ETAs, launchflow's summary and --status, and the servers' uptime.
#include <string>

namespace dflow {

// Rounded to the second; "?" for an unknown duration (negative, NaN, infinite or over 10^8 s: an
// ETA with no rate yet).
std::string format_duration(double seconds);

}  // namespace dflow
