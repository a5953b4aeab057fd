#pragma once

#include <string>

namespace tracepipe::stack::detail {

/// Where a private clickhouse-server keeps its files and listens.
struct clickhouse_layout {
  std::string dir;  ///< absolute; data, tmp, logs and users.xml go below it
  int http_port = 0;
  int tcp_port = 0;
};

/// The server config: `defaults` (the Debian config.xml) without comments,
/// without its paths, logger, listen hosts and every top-level `*_port`,
/// plus ours: everything under `layout.dir`, 127.0.0.1, HTTP and TCP only.
std::string clickhouse_config(const std::string& defaults, const clickhouse_layout& layout);

/// Writes DIR/config.xml and DIR/users.xml from /etc/clickhouse-server's
/// files; returns the config path. Throws `error` if those are missing.
std::string write_clickhouse_config(const clickhouse_layout& layout);

}  // namespace tracepipe::stack::detail
