#pragma once
// The open-file limit a server with many connections needs: each connection
// is a file descriptor, and the usual soft limit (1024) is far below
// ingest.max_connections.
#include <cstdint>
#include <optional>
#include <string>

namespace tracepipe::ingest {

/// Raises this process's soft RLIMIT_NOFILE towards `wanted` (at most the hard
/// limit). Returns a one-sentence warning when the limit stays below it.
std::optional<std::string> raise_open_files_limit(std::uint64_t wanted);

}  // namespace tracepipe::ingest
