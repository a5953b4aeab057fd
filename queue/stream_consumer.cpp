#include "queue/stream_consumer.hpp"

#include <charconv>

namespace tracepipe::queue {

std::string_view stream_message::field(std::string_view name) const {
  for (const auto& [k, v] : fields)
    if (k == name) return v;
  return {};
}

std::uint64_t stream_message::enqueued_at_ms() const {
  std::uint64_t ms = 0;
  std::from_chars(id.data(), id.data() + id.size(), ms);
  return ms;
}

}  // namespace tracepipe::queue
