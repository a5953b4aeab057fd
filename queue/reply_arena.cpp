#include "queue/reply_arena.hpp"

#include <algorithm>
#include <cstring>

#include <hiredis/hiredis.h>

namespace tracepipe::queue {
namespace {

constexpr std::size_t chunk_size = 1 << 20;
constexpr std::size_t kept_after_reset = 4;  // chunks: what one small round trip needs and more

reply_arena& arena_of(const redisReadTask* task) { return *static_cast<reply_arena*>(task->privdata); }

/// A zeroed reply of the task's type, hung into its parent array as hiredis's own functions do.
redisReply* new_reply(const redisReadTask* task, int type) {
  auto* r = static_cast<redisReply*>(arena_of(task).allocate(sizeof(redisReply)));
  std::memset(r, 0, sizeof *r);
  r->type = type;
  if (task->parent) static_cast<redisReply*>(task->parent->obj)->element[task->idx] = r;
  return r;
}

void* create_string(const redisReadTask* task, char* str, size_t len) {
  auto* text = static_cast<char*>(arena_of(task).allocate(len + 1));
  std::memcpy(text, str, len);
  text[len] = '\0';
  redisReply* r = new_reply(task, task->type);
  r->str = text;
  r->len = len;
  return r;
}

void* create_array(const redisReadTask* task, int elements) {
  redisReply* r = new_reply(task, REDIS_REPLY_ARRAY);
  r->elements = static_cast<size_t>(elements);
  if (elements > 0) {
    auto bytes = sizeof(redisReply*) * static_cast<std::size_t>(elements);
    r->element = static_cast<redisReply**>(arena_of(task).allocate(bytes));
    std::memset(r->element, 0, bytes);
  }
  return r;
}

void* create_integer(const redisReadTask* task, long long value) {
  redisReply* r = new_reply(task, REDIS_REPLY_INTEGER);
  r->integer = value;
  return r;
}

void* create_nil(const redisReadTask* task) { return new_reply(task, REDIS_REPLY_NIL); }

void free_nothing(void*) {}  // the arena owns it all

redisReplyObjectFunctions arena_functions{create_string, create_array, create_integer, create_nil, free_nothing};

}  // namespace

void reply_arena::attach(redisReader* reader) {
  reader->fn = &arena_functions;
  reader->privdata = this;
}

void reply_arena::reset() {
  if (chunks_.size() > kept_after_reset) chunks_.resize(kept_after_reset);
  current_ = 0;
  used_ = 0;
}

void* reply_arena::allocate(std::size_t bytes) {
  constexpr std::size_t align = alignof(std::max_align_t);
  bytes = (bytes + align - 1) & ~(align - 1);
  for (; current_ < chunks_.size(); ++current_, used_ = 0) {
    if (used_ + bytes <= chunks_[current_].size) {
      void* p = chunks_[current_].bytes.get() + used_;
      used_ += bytes;
      return p;
    }
  }
  auto size = std::max(chunk_size, bytes);
  chunks_.push_back({std::make_unique_for_overwrite<char[]>(size), size});
  current_ = chunks_.size() - 1;
  used_ = bytes;
  return chunks_.back().bytes.get();
}

}  // namespace tracepipe::queue
