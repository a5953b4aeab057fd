#include "ingest/decompress.hpp"

#include "common/text.hpp"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <climits>
#include <memory>

namespace tracepipe::ingest {
namespace {

constexpr std::size_t first_chunk = 64 * 1024;

rejection too_large(std::size_t limit) {
  return {413, "decompressed_too_large", "decoded request body is over the limit of " + std::to_string(limit) + " bytes"};
}

rejection invalid(std::string_view codec, std::string_view what) {
  return {400, "invalid_encoding", std::string(codec) + " body could not be decoded: " + std::string(what)};
}

/// Decoded output that grows geometrically up to `cap` (limit + 1: filling it
/// proves the body is over the limit). Each allocation is exact, because
/// std::string's own growth may double capacity well past the cap.
class output {
 public:
  output(std::string& storage, std::size_t limit, std::size_t input_size)
      : storage_(storage), cap_(limit == SIZE_MAX ? limit : limit + 1),
        next_size_(std::min(cap_, std::max(first_chunk, input_size * 4))) {
    storage_.clear();
  }

  /// Room to write into, growing when full; empty once the cap is reached.
  std::pair<char*, std::size_t> room() {
    if (used_ == storage_.size() && storage_.size() < cap_) {
      std::string bigger;
      bigger.reserve(next_size_);
      bigger.append(storage_);
      bigger.resize(next_size_);
      storage_.swap(bigger);
      next_size_ = std::min(cap_, next_size_ > cap_ / 2 ? cap_ : next_size_ * 2);
    }
    return {storage_.data() + used_, storage_.size() - used_};
  }

  void produced(std::size_t n) { used_ += n; }
  bool over(std::size_t limit) const { return used_ > limit; }

  std::string_view finish() {
    storage_.resize(used_);
    return storage_;
  }

 private:
  std::string& storage_;
  std::size_t cap_, next_size_, used_ = 0;
};

std::variant<std::string_view, rejection> inflate_gzip(std::string_view body, std::size_t limit, std::string& storage) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return rejection{500, "internal_error", "gzip: inflateInit2 failed"};
  std::unique_ptr<z_stream, decltype(&inflateEnd)> guard(&zs, &inflateEnd);
  output out(storage, limit, body.size());
  std::size_t in_pos = 0;
  while (true) {
    auto [room, room_size] = out.room();
    if (room_size == 0) return too_large(limit);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data() + in_pos));
    zs.avail_in = static_cast<uInt>(std::min<std::size_t>(body.size() - in_pos, UINT_MAX));
    zs.next_out = reinterpret_cast<Bytef*>(room);
    zs.avail_out = static_cast<uInt>(std::min<std::size_t>(room_size, UINT_MAX));
    const uInt avail_in = zs.avail_in, avail_out = zs.avail_out;
    int rc = inflate(&zs, Z_NO_FLUSH);
    in_pos += avail_in - zs.avail_in;
    out.produced(avail_out - zs.avail_out);
    if (rc == Z_STREAM_END) {
      if (in_pos == body.size()) break;
      inflateReset(&zs);  // another gzip member follows (or trailing garbage, refused as a bad header)
    } else if (rc == Z_BUF_ERROR && zs.avail_out != 0) {
      return invalid("gzip", "unexpected end of data");
    } else if (rc == Z_MEM_ERROR) {
      return rejection{500, "internal_error", "gzip: out of memory"};
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return invalid("gzip", std::string(zs.msg ? zs.msg : "corrupt data") + " at input byte " + std::to_string(in_pos));
    }
  }
  if (out.over(limit)) return too_large(limit);
  return out.finish();
}

std::variant<std::string_view, rejection> decompress_zstd(std::string_view body, std::size_t limit,
                                                          std::string& storage) {
  // The frame's declared content size is never used: output grows as it is produced.
  // Memory inside zstd is bounded by its window (at most 128 MiB by default).
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> dctx(ZSTD_createDCtx(), &ZSTD_freeDCtx);
  if (!dctx) return rejection{500, "internal_error", "zstd: out of memory"};
  output out(storage, limit, body.size());
  ZSTD_inBuffer in{body.data(), body.size(), 0};
  while (true) {
    auto [room, room_size] = out.room();
    if (room_size == 0) return too_large(limit);
    ZSTD_outBuffer zout{room, room_size, 0};
    std::size_t rc = ZSTD_decompressStream(dctx.get(), &zout, &in);
    out.produced(zout.pos);
    if (ZSTD_isError(rc)) {
      return invalid("zstd", std::string(ZSTD_getErrorName(rc)) + " at input byte " + std::to_string(in.pos));
    }
    if (rc == 0 && in.pos == in.size) break;  // last frame complete and flushed
    if (in.pos == in.size && zout.pos < zout.size) return invalid("zstd", "unexpected end of data");
  }
  if (out.over(limit)) return too_large(limit);
  return out.finish();
}

}  // namespace

std::variant<std::string_view, rejection> decode_body(std::string_view encoding, std::string_view body,
                                                      std::size_t limit, std::string& storage) {
  encoding = common::trim(encoding);
  if (encoding.empty() || common::iequals(encoding, "identity")) {
    if (body.size() > limit) return too_large(limit);
    return body;
  }
  if (common::iequals(encoding, "gzip") || common::iequals(encoding, "x-gzip")) return inflate_gzip(body, limit, storage);
  if (common::iequals(encoding, "zstd")) return decompress_zstd(body, limit, storage);
  return rejection{415, "unsupported_encoding",
                   "Content-Encoding \"" + std::string(encoding.substr(0, 64)) + "\" is not supported (use gzip or zstd)"};
}

}  // namespace tracepipe::ingest
