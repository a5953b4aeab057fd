#pragma once
// Which Redis consumer a pipeline reads with, chosen from its settings.
#include <memory>
#include <string>

#include "queue/stream_consumer.hpp"
#include "sink/pipeline.hpp"

namespace tracepipe::sink::detail {

/// The consumer for Redis as configured: a cluster's when redis.cluster
/// lists seeds, else redis.url's server's. Both were checked when set.
std::unique_ptr<queue::stream_consumer> consumer_for(const pipeline_context& ctx, std::string name);

}  // namespace tracepipe::sink::detail
