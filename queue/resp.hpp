#pragma once
// Writes a command in RESP (the Redis wire format) ourselves: hiredis 0.14
// formats with sdscatfmt, one small reallocation per argument, which cost
// more than Redis itself spends on an XADD of a 1 KB run.
#include <string>
#include <string_view>
#include <vector>

namespace tracepipe::queue {

/// Appends *<argc>\r\n then $<len>\r\n<arg>\r\n for each argument.
void append_resp_command(std::string& out, const std::vector<std::string_view>& argv);

}  // namespace tracepipe::queue
