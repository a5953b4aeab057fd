#include "ingest/decompress.hpp"

#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <functional>
#include <string>

namespace tracepipe::ingest {
namespace {

constexpr std::size_t mib = 1024 * 1024;

/// Compressible but not trivial bytes, like JSON runs.
std::string sample(std::size_t size) {
  std::string s;
  s.reserve(size);
  for (std::size_t i = 0; s.size() < size; ++i) s += R"({"id":")" + std::to_string(i * 2654435761u) + R"(","v":[1,2,3]},)";
  s.resize(size);
  return s;
}

/// Gzips what `feed` produces; feed(chunk) returns false when done. Streams, so
/// a 200 MiB input never sits in memory.
std::string gzip_stream(const std::function<bool(std::string&)>& feed) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out, chunk;
  char buffer[64 * 1024];
  bool more = true;
  while (more) {
    chunk.clear();
    more = feed(chunk);
    zs.next_in = reinterpret_cast<Bytef*>(chunk.data());
    zs.avail_in = static_cast<uInt>(chunk.size());
    do {
      zs.next_out = reinterpret_cast<Bytef*>(buffer);
      zs.avail_out = sizeof buffer;
      deflate(&zs, more ? Z_NO_FLUSH : Z_FINISH);
      out.append(buffer, sizeof buffer - zs.avail_out);
    } while (zs.avail_out == 0);
  }
  deflateEnd(&zs);
  return out;
}

std::string gzip(std::string_view data) {
  return gzip_stream([&](std::string& chunk) { return chunk.assign(data), false; });
}

std::string zstd(std::string_view data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3));
  return out;
}

/// A zstd frame of `total` zeros whose header declares that size, made in 1 MiB steps.
std::string zstd_zeros(std::size_t total) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setPledgedSrcSize(cctx, total);
  std::string zeros(mib, '\0'), out;
  char buffer[64 * 1024];
  for (std::size_t done = 0; done < total; done += mib) {
    ZSTD_inBuffer in{zeros.data(), zeros.size(), 0};
    auto mode = done + mib >= total ? ZSTD_e_end : ZSTD_e_continue;
    std::size_t left;
    do {
      ZSTD_outBuffer zout{buffer, sizeof buffer, 0};
      left = ZSTD_compressStream2(cctx, &zout, &in, mode);
      out.append(buffer, zout.pos);
    } while (mode == ZSTD_e_end ? left != 0 : in.pos < in.size);
  }
  ZSTD_freeCCtx(cctx);
  return out;
}

std::string decoded(std::string_view encoding, std::string_view body, std::size_t limit = 64 * mib) {
  std::string storage;
  auto result = decode_body(encoding, body, limit, storage);
  if (auto* r = std::get_if<rejection>(&result)) {
    ADD_FAILURE() << r->status << " " << r->detail;
    return {};
  }
  return std::string(std::get<std::string_view>(result));
}

rejection refused(std::string_view encoding, std::string_view body, std::size_t limit = 64 * mib) {
  std::string storage;
  auto result = decode_body(encoding, body, limit, storage);
  EXPECT_TRUE(std::holds_alternative<rejection>(result));
  return std::holds_alternative<rejection>(result) ? std::get<rejection>(result) : rejection{};
}

TEST(decode_body, identity_is_a_view_of_the_input) {
  std::string body = sample(1000), storage;
  for (auto encoding : {"", "identity", " Identity\t"}) {
    auto result = decode_body(encoding, body, mib, storage);
    ASSERT_TRUE(std::holds_alternative<std::string_view>(result));
    EXPECT_EQ(std::get<std::string_view>(result).data(), body.data());
    EXPECT_EQ(std::get<std::string_view>(result).size(), body.size());
  }
  EXPECT_TRUE(storage.empty());
}

TEST(decode_body, gzip_and_zstd_round_trips) {
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{5000}, 3 * mib + 7}) {
    auto data = sample(size);
    EXPECT_EQ(decoded("gzip", gzip(data)), data) << size;
    EXPECT_EQ(decoded("x-gzip", gzip(data)), data) << size;
    EXPECT_EQ(decoded("zstd", zstd(data)), data) << size;
  }
}

TEST(decode_body, encoding_names_are_case_insensitive) {
  auto data = sample(100);
  EXPECT_EQ(decoded(" GZip ", gzip(data)), data);
  EXPECT_EQ(decoded("ZSTD", zstd(data)), data);
  EXPECT_EQ(decoded("X-Gzip", gzip(data)), data);
}

TEST(decode_body, concatenated_members_and_frames) {
  auto a = sample(3000), b = sample(10);
  EXPECT_EQ(decoded("gzip", gzip(a) + gzip(b)), a + b);
  EXPECT_EQ(decoded("zstd", zstd(a) + zstd(b)), a + b);
}

TEST(decode_body, unknown_encoding_is_415) {
  for (auto encoding : {"br", "deflate", "gzip, zstd", "compress"}) {
    auto r = refused(encoding, "abc");
    EXPECT_EQ(r.status, 415u) << encoding;
    EXPECT_EQ(r.error, "unsupported_encoding");
    EXPECT_NE(r.detail.find(encoding), std::string::npos) << r.detail;
  }
}

TEST(decode_body, corrupt_or_trailing_data_is_400) {
  auto data = sample(20000);
  auto bad_gzip = gzip(data), bad_zstd = zstd(data);
  bad_gzip[bad_gzip.size() / 2] ^= 0x55;
  bad_gzip[bad_gzip.size() / 2 + 1] ^= 0x55;
  bad_zstd[4] ^= 0x7f;  // frame header descriptor
  for (auto [encoding, body] : {std::pair{"gzip", bad_gzip}, std::pair{"zstd", bad_zstd},
                                std::pair{"gzip", gzip(data) + "garbage"}, std::pair{"zstd", zstd(data) + "garbage"},
                                std::pair{"gzip", gzip(data) + std::string(8, '\0')}, std::pair{"gzip", std::string()},
                                std::pair{"zstd", std::string()}, std::pair{"gzip", data}, std::pair{"zstd", data}}) {
    auto r = refused(encoding, body);
    EXPECT_EQ(r.status, 400u) << encoding << " " << r.detail;
    EXPECT_EQ(r.error, "invalid_encoding");
    EXPECT_EQ(r.detail.rfind(encoding, 0), 0u) << r.detail;
  }
}

TEST(decode_body, every_truncation_is_400) {
  auto data = sample(4000);
  for (auto [encoding, full] : {std::pair{"gzip", gzip(data)}, std::pair{"zstd", zstd(data)}}) {
    for (std::size_t n = 0; n < full.size(); ++n) {
      auto r = refused(encoding, std::string_view(full).substr(0, n));
      ASSERT_EQ(r.status, 400u) << encoding << " n=" << n;
    }
  }
}

TEST(decode_body, bomb_stops_at_the_limit) {
  constexpr std::size_t total = 200 * mib;
  auto gz = gzip_stream([n = std::size_t{0}](std::string& chunk) mutable {
    chunk.assign(mib, '\0');
    return ++n < total / mib;
  });
  auto zs = zstd_zeros(total);  // its frame header claims 200 MiB; never trusted
  ASSERT_LT(gz.size(), 1 * mib);
  ASSERT_LT(zs.size(), 64 * 1024);
  for (auto [encoding, body] : {std::pair{"gzip", gz}, std::pair{"zstd", zs}}) {
    std::string storage;
    auto result = decode_body(encoding, body, mib, storage);
    ASSERT_TRUE(std::holds_alternative<rejection>(result)) << encoding;
    auto& r = std::get<rejection>(result);
    EXPECT_EQ(r.status, 413u);
    EXPECT_EQ(r.error, "decompressed_too_large");
    EXPECT_NE(r.detail.find(std::to_string(mib)), std::string::npos) << r.detail;
    EXPECT_LE(storage.capacity(), mib + 1) << encoding;
  }
}

TEST(decode_body, exactly_at_the_limit_passes_one_more_byte_fails) {
  constexpr std::size_t limit = mib + 3;  // not a power of two, unlike the growth steps
  auto at = sample(limit), over = sample(limit + 1);
  EXPECT_EQ(decoded("gzip", gzip(at), limit), at);
  EXPECT_EQ(decoded("zstd", zstd(at), limit), at);
  EXPECT_EQ(decoded("", at, limit), at);
  EXPECT_EQ(refused("gzip", gzip(over), limit).status, 413u);
  EXPECT_EQ(refused("zstd", zstd(over), limit).status, 413u);
  EXPECT_EQ(refused("identity", over, limit).status, 413u);
  EXPECT_EQ(decoded("gzip", gzip(""), 0), "");
  EXPECT_EQ(refused("zstd", zstd("x"), 0).status, 413u);
}

}  // namespace
}  // namespace tracepipe::ingest
