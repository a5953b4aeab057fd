// The objects ingest.mode s3-first stores, as a worker reads them back
// (sink/stored_entries): any bytes are refused with a reason, or read into
// entries that ingest's own writer (ingest/s3_first) stores again as objects
// the reader gives back field for field — names, bytes and JSON alike.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_check.hpp"
#include "ingest/s3_first.hpp"
#include "queue/entry_fields.hpp"
#include "sink/stored_entries.hpp"

using namespace tracepipe;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static sink::stored_entries reader, again;
  std::vector<sink::entry_fields> entries, reread;
  if (auto problem = reader.read(std::string_view(reinterpret_cast<const char*>(data), size), entries)) {
    FUZZ_CHECK(!problem->empty());
    FUZZ_CHECK(entries.size() <= size);
    return 0;
  }
  // Written again: each entry in its own object (fresh ids apart), read back the same.
  std::vector<queue::stream_entry> stream;
  for (const auto& fields : entries) {
    auto& e = stream.emplace_back();
    for (const auto& [name, value] : fields) e.fields.emplace_back(name, value);
  }
  std::deque<std::string> storage;
  std::size_t id = 0;
  auto stored = ingest::store_first(stream, "p/", [&] { return std::to_string(id++); }, storage);
  FUZZ_CHECK(stored.references.size() == entries.size());
  std::size_t found = 0;
  for (const auto& object : stored.objects) {
    FUZZ_CHECK(object.key.starts_with("p/") && object.key.size() < 1024);
    FUZZ_CHECK(!again.read(object.body, reread));
    found += reread.size();
  }
  FUZZ_CHECK(found == entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& ref = stored.references[i];
    const ingest::stored_object* object = nullptr;
    for (const auto& o : stored.objects)
      if (o.key == ref.fields[1].second) object = &o;
    FUZZ_CHECK(object && !again.read(object->body, reread));
    FUZZ_CHECK(reread.at(std::stoul(std::string(ref.fields[2].second))) == entries[i]);
  }
  return 0;
}
