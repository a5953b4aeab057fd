#include "queue/detail/asio_watch.hpp"

#include <hiredis/async.h>

namespace tracepipe::queue::detail {

namespace asio = boost::asio;

asio_watch::asio_watch(asio::any_io_executor ex, redisAsyncContext* ctx) : fd_(ex, ctx->c.fd), ctx_(ctx) {}

void asio_watch::attach(asio::any_io_executor ex, redisAsyncContext* ctx) {
  auto w = std::make_shared<asio_watch>(ex, ctx);
  w->keep_alive_ = w;
  ctx->ev.data = w.get();
  ctx->ev.addRead = &on_add_read;
  ctx->ev.delRead = &on_del_read;
  ctx->ev.addWrite = &on_add_write;
  ctx->ev.delWrite = &on_del_write;
  ctx->ev.cleanup = &on_cleanup;
}

void asio_watch::on_add_read(void* p) {
  auto* self = static_cast<asio_watch*>(p);
  self->want_read_ = true;
  self->arm_read();
}

void asio_watch::on_del_read(void* p) { static_cast<asio_watch*>(p)->want_read_ = false; }

void asio_watch::on_add_write(void* p) {
  auto* self = static_cast<asio_watch*>(p);
  self->want_write_ = true;
  self->arm_write();
}

void asio_watch::on_del_write(void* p) { static_cast<asio_watch*>(p)->want_write_ = false; }

void asio_watch::on_cleanup(void* p) {
  auto* self = static_cast<asio_watch*>(p);
  // hiredis is about to close and free; stop touching the context and give
  // the fd back without closing it (hiredis closes it).
  self->ctx_ = nullptr;
  self->want_read_ = self->want_write_ = false;
  boost::system::error_code ignored;
  self->fd_.cancel(ignored);
  self->fd_.release();
  self->keep_alive_.reset();  // pending waits still hold a reference
}

void asio_watch::arm_read() {
  if (read_armed_ || !ctx_) return;
  read_armed_ = true;
  fd_.async_wait(asio::posix::stream_descriptor::wait_read,
                 [self = shared_from_this()](boost::system::error_code ec) {
                   self->read_armed_ = false;
                   if (ec || !self->ctx_ || !self->want_read_) return;
                   redisAsyncHandleRead(self->ctx_);  // may clean up: ctx_ becomes null
                   if (self->ctx_ && self->want_read_) self->arm_read();
                 });
}

void asio_watch::arm_write() {
  if (write_armed_ || !ctx_) return;
  write_armed_ = true;
  fd_.async_wait(asio::posix::stream_descriptor::wait_write,
                 [self = shared_from_this()](boost::system::error_code ec) {
                   self->write_armed_ = false;
                   if (ec || !self->ctx_ || !self->want_write_) return;
                   redisAsyncHandleWrite(self->ctx_);
                   if (self->ctx_ && self->want_write_) self->arm_write();
                 });
}

}  // namespace tracepipe::queue::detail
