#pragma once
// A kill -9 at an exact point of the write path, for the fault tests
// (tests/faults): with TRACEPIPE_FAILPOINT=<name>:<n> in the environment, the
// n-th pass of the process through failpoint("<name>") sends it SIGKILL —
// no destructor, no flush, no goodbye, as a crashed host would. Without the
// variable a pass costs one load of a flag. The names are listed in
// README's "Fault tests" section; an unknown name never fires.
#include <string_view>

namespace tracepipe::config {

void failpoint(std::string_view name);

}  // namespace tracepipe::config
