#include "queue/error.hpp"

namespace tracepipe::queue {
namespace {

struct category : boost::system::error_category {
  const char* name() const noexcept override { return "tracepipe.queue"; }
  std::string message(int ev) const override {
    switch (static_cast<error>(ev)) {
      case error::not_connected: return "not connected to Redis";
      case error::connection_lost: return "connection to Redis lost before the reply";
      case error::timeout: return "Redis did not answer in time";
      case error::server_error: return "Redis answered with an error";
      case error::unexpected_reply: return "unexpected reply from Redis";
      case error::not_replicated: return "fewer Redis replicas confirmed the write in time than asked for";
    }
    return "unknown queue error";
  }
};

}  // namespace

const boost::system::error_category& queue_category() {
  static const category instance;
  return instance;
}

}  // namespace tracepipe::queue
