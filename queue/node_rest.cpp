#include "queue/node_rest.hpp"

namespace tracepipe::queue {

bool node_rest::resting(const std::string& node, clock::time_point now) const {
  auto it = nodes_.find(node);
  return it != nodes_.end() && now < it->second.until;
}

void node_rest::failed(const std::string& node, clock::time_point now) {
  auto& s = nodes_[node];
  s.until = now + backoff_->wait(s.failures++);
}

}  // namespace tracepipe::queue
