#pragma once
// Errors of the queue library, as error codes: Redis being away or slow is an
// expected outage on the data plane, never an exception.
#include <boost/system/error_code.hpp>

namespace tracepipe::queue {

enum class error {
  not_connected = 1,   ///< no live connection to Redis right now
  connection_lost,     ///< the connection dropped before the reply came
  timeout,             ///< Redis did not answer within the command timeout
  server_error,        ///< Redis answered with an error reply (OOM, WRONGTYPE …)
  unexpected_reply,    ///< a reply of a shape the command cannot produce
  not_replicated,      ///< WAIT: fewer replicas confirmed the write in time than asked for
};

const boost::system::error_category& queue_category();

inline boost::system::error_code make_error_code(error e) {
  return {static_cast<int>(e), queue_category()};
}

}  // namespace tracepipe::queue

template <>
struct boost::system::is_error_code_enum<tracepipe::queue::error> : std::true_type {};
