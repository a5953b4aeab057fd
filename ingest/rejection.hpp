#pragma once
// Why a request is refused: the HTTP status and the JSON body
// {"error": error, "detail": detail} it is answered with.
#include <string>

namespace tracepipe::ingest {

struct rejection {
  unsigned status;     ///< 400, 401, 413, 415, 422, 429, 503 …
  std::string error;   ///< short, stable machine-readable reason, e.g. "invalid_json"
  std::string detail;  ///< one sentence for a person: what is wrong and where
};

}  // namespace tracepipe::ingest
