// The run JSON validator (ingest/run_reader): POST /runs, PATCH /runs/{id},
// POST /runs/batch bodies, and multipart run / field parts. The first byte
// picks the entry point, the rest is the JSON.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/run_checks.hpp"
#include "ingest/run_reader.hpp"

using namespace tracepipe;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static ingest::run_reader reader(ingest::reader_limits{64, 1000, "default"});
  constexpr std::string_view id = "0f8fad5b-d9cb-469f-a165-70867728950e";
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<ingest::run_op> ops;
  std::optional<ingest::rejection> r;
  switch (data[0] % 6) {
    case 0: r = reader.read_batch(body, ops); break;
    case 1: r = reader.read_single_post(body, ops); break;
    case 2: r = reader.read_patch(body, id, ops); break;
    case 3: r = reader.read_patch(body, "0F8FAD5B-D9CB-469F-A165-70867728950E", ops); break;
    case 4: {
      ingest::run_op op;
      r = reader.read_part_run(body, data[0] & 0x80 ? ingest::op_kind::patch : ingest::op_kind::post, id,
                               "post." + std::string(id), op);
      if (!r) ops.push_back(std::move(op));
      break;
    }
    case 5: r = reader.check_field(body, data[0] & 0x80 ? "inputs" : "extra", "post.x.inputs"); break;
  }
  if (r) {
    fuzz::check_rejection(*r);
    return 0;
  }
  FUZZ_CHECK(ops.size() <= reader.limits().max_runs);
  fuzz::check_ops(ops, body);
  return 0;
}
