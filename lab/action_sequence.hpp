#pragma once
// Whether a scenario's actions could play in their order, each component's
// state walked through the phases (lab/scenario_file.cpp reads the file).
#include <string_view>

#include "lab/scenario.hpp"

namespace tracepipe::lab {

/// Walks the actions in order with each component's state, so a scenario
/// that could not play — starting what runs, resuming what is not paused,
/// restarting workers while the servers they wait for are down, limiting a
/// server that is not running — is refused before anything starts. Throws
/// scenario_error "FILE:LINE: ACTION: why".
void check_action_sequence(std::string_view file, const scenario& s);

}  // namespace tracepipe::lab
