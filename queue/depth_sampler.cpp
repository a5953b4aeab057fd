#include "queue/depth_sampler.hpp"

#include <boost/asio/dispatch.hpp>
#include <hiredis/hiredis.h>

namespace tracepipe::queue {

namespace asio = boost::asio;

depth_sampler::depth_sampler(stream_producer& producer, std::chrono::milliseconds interval)
    : producer_(producer), interval_(interval), timer_(producer.strand()) {}

void depth_sampler::start() {
  asio::dispatch(producer_.strand(), [self = shared_from_this()] { self->sample(); });
}

void depth_sampler::stop() {
  asio::dispatch(producer_.strand(), [self = shared_from_this()] {
    self->stopped_ = true;
    self->timer_.cancel();
  });
}

void depth_sampler::sample() {
  if (stopped_) return;
  if (!producer_.ready()) return schedule();
  // Summed over the shards — on a Redis Cluster, over the nodes that hold them.
  struct tally {
    std::size_t remaining;
    std::uint64_t total = 0;
    bool ok = true;
  };
  auto t = std::make_shared<tally>(tally{producer_.shards()});
  for (std::size_t i = 0; i < producer_.shards(); ++i) {
    auto length = std::make_shared<std::uint64_t>(0);
    producer_.on_shard(
        i, {"XLEN", producer_.key(i)},
        [length](const redisReply* r) -> std::pair<boost::system::error_code, std::string> {
          if (r->type != REDIS_REPLY_INTEGER) return {error::unexpected_reply, "XLEN did not answer a number"};
          *length = static_cast<std::uint64_t>(r->integer);
          return {};
        },
        [self = shared_from_this(), t, length](boost::system::error_code ec, const std::string&) {
          if (ec) t->ok = false;
          else t->total += *length;
          if (--t->remaining > 0) return;
          if (t->ok) self->depth_ = t->total;
          self->schedule();
        });
  }
}

void depth_sampler::schedule() {
  if (stopped_) return;
  timer_.expires_after(interval_);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->sample();
  });
}

}  // namespace tracepipe::queue
