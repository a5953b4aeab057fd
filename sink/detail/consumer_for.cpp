#include "sink/detail/consumer_for.hpp"

#include "common/redis_endpoint.hpp"
#include "queue/cluster_consumer.hpp"
#include "queue/standalone_consumer.hpp"

namespace tracepipe::sink::detail {

std::unique_ptr<queue::stream_consumer> consumer_for(const pipeline_context& ctx, std::string name) {
  const auto& redis = ctx.settings.redis;
  queue::consumer_options o;
  o.streams = ctx.streams;
  o.group = ctx.settings.worker.group;
  o.consumer = std::move(name);
  o.timeout = redis.command_timeout;
  if (redis.cluster.empty())
    return std::make_unique<queue::standalone_consumer>(*common::parse_redis_url(redis.url), std::move(o));
  queue::cluster_options c;
  for (const auto& url : redis.cluster) c.seeds.push_back(*common::parse_redis_url(url));
  c.timeout = redis.command_timeout;
  // One try per call: the consumer rests a node that does not answer and
  // reads the others; the pipeline's own backoff retries when none answers.
  c.limits.budget = std::chrono::milliseconds(0);
  return std::make_unique<queue::cluster_consumer>(std::move(c), std::move(o));
}

}  // namespace tracepipe::sink::detail
