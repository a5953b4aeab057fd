#include "queue/depth_sampler.hpp"

#include <boost/asio/dispatch.hpp>
#include <hiredis/hiredis.h>

namespace tracepipe::queue {

namespace asio = boost::asio;

depth_sampler::depth_sampler(stream_producer& producer, std::chrono::milliseconds interval)
    : producer_(producer), interval_(interval), timer_(producer.connection().strand()) {}

void depth_sampler::start() {
  asio::dispatch(producer_.connection().strand(), [self = shared_from_this()] { self->sample(); });
}

void depth_sampler::stop() {
  asio::dispatch(producer_.connection().strand(), [self = shared_from_this()] {
    self->stopped_ = true;
    self->timer_.cancel();
  });
}

void depth_sampler::sample() {
  if (stopped_) return;
  if (!producer_.connection().ready()) return schedule();
  struct tally {
    std::size_t remaining;
    std::uint64_t total = 0;
    bool ok = true;
  };
  auto t = std::make_shared<tally>(tally{producer_.shards()});
  for (std::size_t i = 0; i < producer_.shards(); ++i) {
    producer_.connection().command(
        {"XLEN", producer_.key(i)}, [self = shared_from_this(), t](boost::system::error_code ec, const redisReply* r) {
          if (ec || r->type != REDIS_REPLY_INTEGER) t->ok = false;
          else t->total += static_cast<std::uint64_t>(r->integer);
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
