#pragma once
// Where the sink's Redis connection builds its replies: hiredis's own reply
// functions make two heap allocations per field of every stream entry (the
// reply object and its string) and free them one by one afterwards — over
// 10% of a worker's instructions. These build the same redisReply structs
// in one bump-allocated arena instead, emptied before each round trip.
#include <cstddef>
#include <memory>
#include <vector>

struct redisReader;

namespace tracepipe::queue {

class reply_arena {
 public:
  /// Makes `reader` build its replies here; they stay valid until reset().
  void attach(redisReader* reader);
  /// Forgets every reply built so far; keeps a little memory for the next.
  void reset();

  void* allocate(std::size_t bytes);

 private:
  struct chunk {
    std::unique_ptr<char[]> bytes;
    std::size_t size = 0;
  };
  std::vector<chunk> chunks_;
  std::size_t current_ = 0;  ///< the chunk being filled
  std::size_t used_ = 0;     ///< bytes of it taken
};

}  // namespace tracepipe::queue
