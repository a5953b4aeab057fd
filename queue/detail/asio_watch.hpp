#pragma once
// hiredis 0.14 has no Asio adapter; this is one, built on the event hooks
// (addRead/delRead/addWrite/delWrite/cleanup) hiredis calls on its context.
// The descriptor is only watched, never owned: hiredis closes its own fd.
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

struct redisAsyncContext;

namespace tracepipe::queue::detail {

class asio_watch : public std::enable_shared_from_this<asio_watch> {
 public:
  /// Hooks itself into ctx->ev; must be called on the executor that runs ctx.
  static void attach(boost::asio::any_io_executor ex, redisAsyncContext* ctx);

  asio_watch(boost::asio::any_io_executor ex, redisAsyncContext* ctx);

 private:
  static void on_add_read(void* self);
  static void on_del_read(void* self);
  static void on_add_write(void* self);
  static void on_del_write(void* self);
  static void on_cleanup(void* self);

  void arm_read();
  void arm_write();

  boost::asio::posix::stream_descriptor fd_;
  redisAsyncContext* ctx_;  ///< null once hiredis cleaned up; handlers then do nothing
  bool want_read_ = false;
  bool want_write_ = false;
  bool read_armed_ = false;
  bool write_armed_ = false;
  std::shared_ptr<asio_watch> keep_alive_;  ///< held while hiredis refers to us
};

}  // namespace tracepipe::queue::detail
