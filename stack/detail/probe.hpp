#pragma once

#include <chrono>
#include <string>

/// One readiness check each, bounded by `timeout`: true once the server
/// answers a real request, not merely accepts connections.
namespace tracepipe::stack::detail {

/// `PING` answers `PONG` (not -LOADING while the AOF replays).
bool redis_ping(int port, std::chrono::milliseconds timeout);

/// `SELECT 1` over HTTP answers 200 with body "1\n".
bool clickhouse_select_1(int port, std::chrono::milliseconds timeout);

/// The four-letter word `ruok` answers `imok`.
bool zookeeper_ruok(int port, std::chrono::milliseconds timeout);

/// A SigV4-signed HEAD of the bucket answers 200.
bool s3_head_bucket(int port, const std::string& bucket, std::chrono::milliseconds timeout);

}  // namespace tracepipe::stack::detail
