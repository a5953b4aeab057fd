// The SigV4 signer against AWS's published S3 examples ("Signature
// Calculations for the Authorization Header: Transferring Payload in a Single
// Chunk"): same credentials, time, region and bucket; every intermediate
// string must match, not only the final signature.
#include "common/sha256.hpp"
#include "s3/sigv4.hpp"

#include <gtest/gtest.h>

namespace tracepipe::s3 {

using common::hmac_sha256;
using common::sha256_hex;
using common::to_hex;
namespace {

constexpr const char* empty_sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr const char* welcome_sha256 = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";
constexpr const char* amz_date = "20130524T000000Z";
constexpr const char* host = "examplebucket.s3.amazonaws.com";

sigv4_credentials example_credentials() {
  return {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1", "s3"};
}

std::string string_to_sign(const char* canonical_request_hash) {
  return std::string("AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n") +
         canonical_request_hash;
}

std::string authorization(const char* signed_headers, const char* signature) {
  return std::string("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                     "SignedHeaders=") + signed_headers + ",Signature=" + signature;
}

TEST(Sha256, KnownDigests) {
  EXPECT_EQ(sha256_hex(""), empty_sha256);
  EXPECT_EQ(sha256_hex("Welcome to Amazon S3."), welcome_sha256);
  EXPECT_EQ(sha256_hex(std::string("a\0b", 3)), sha256_hex(std::string_view("a\0b", 3)));
  EXPECT_NE(sha256_hex(std::string("a\0b", 3)), sha256_hex("a"));
  // RFC 4231, test case 2.
  EXPECT_EQ(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(SigV4, AwsExampleGetObject) {
  sigv4_request r{"GET", "/test.txt", {},
                  {{"Host", host}, {"Range", "bytes=0-9"}, {"x-amz-content-sha256", empty_sha256},
                   {"x-amz-date", amz_date}},
                  empty_sha256};
  auto s = sigv4_sign(r, example_credentials(), amz_date);
  EXPECT_EQ(s.canonical_request,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(s.string_to_sign, string_to_sign("7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"));
  EXPECT_EQ(s.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(s.authorization, authorization("host;range;x-amz-content-sha256;x-amz-date",
                                           "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"));
}

TEST(SigV4, AwsExamplePutObject) {
  // The key is "test$file.text": the '$' must be encoded once, as %24.
  sigv4_request r{"PUT", "/test$file.text", {},
                  {{"Date", "Fri, 24 May 2013 00:00:00 GMT"}, {"Host", host},
                   {"x-amz-content-sha256", sha256_hex("Welcome to Amazon S3.")}, {"x-amz-date", amz_date},
                   {"x-amz-storage-class", "REDUCED_REDUNDANCY"}},
                  welcome_sha256};
  auto s = sigv4_sign(r, example_credentials(), amz_date);
  EXPECT_EQ(s.canonical_request,
            "PUT\n/test%24file.text\n\ndate:Fri, 24 May 2013 00:00:00 GMT\n"
            "host:examplebucket.s3.amazonaws.com\n"
            "x-amz-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\n"
            "x-amz-date:20130524T000000Z\nx-amz-storage-class:REDUCED_REDUNDANCY\n\n"
            "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n"
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  EXPECT_EQ(s.string_to_sign, string_to_sign("9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d"));
  EXPECT_EQ(s.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
  EXPECT_EQ(s.authorization, authorization("date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
                                           "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"));
}

TEST(SigV4, AwsExampleGetBucketLifecycle) {
  sigv4_request r{"GET", "/", {{"lifecycle", ""}},
                  {{"Host", host}, {"x-amz-content-sha256", empty_sha256}, {"x-amz-date", amz_date}},
                  empty_sha256};
  auto s = sigv4_sign(r, example_credentials(), amz_date);
  EXPECT_EQ(s.canonical_request,
            "GET\n/\nlifecycle=\nhost:examplebucket.s3.amazonaws.com\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n\nhost;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(s.string_to_sign, string_to_sign("9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca"));
  EXPECT_EQ(s.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
  EXPECT_EQ(s.authorization, authorization("host;x-amz-content-sha256;x-amz-date",
                                           "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"));
}

TEST(SigV4, AwsExampleListObjects) {
  // Parameters given out of order on purpose: the canonical form sorts them.
  sigv4_request r{"GET", "/", {{"prefix", "J"}, {"max-keys", "2"}},
                  {{"Host", host}, {"x-amz-content-sha256", empty_sha256}, {"x-amz-date", amz_date}},
                  empty_sha256};
  auto s = sigv4_sign(r, example_credentials(), amz_date);
  EXPECT_EQ(s.canonical_request,
            "GET\n/\nmax-keys=2&prefix=J\nhost:examplebucket.s3.amazonaws.com\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n\nhost;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(s.string_to_sign, string_to_sign("df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7"));
  EXPECT_EQ(s.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
  EXPECT_EQ(s.authorization, authorization("host;x-amz-content-sha256;x-amz-date",
                                           "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"));
}

TEST(SigV4, HeadersAreLowerCasedSortedAndTrimmed) {
  // The GET Object example again, headers shuffled, mixed case, padded.
  sigv4_request r{"GET", "/test.txt", {},
                  {{"X-Amz-Date", amz_date}, {"  RANGE ", "  bytes=0-9\t"}, {"X-AMZ-CONTENT-SHA256", empty_sha256},
                   {"host", host}},
                  empty_sha256};
  EXPECT_EQ(sigv4_sign(r, example_credentials(), amz_date).signature,
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");

  sigv4_request spaced{"GET", "/", {}, {{"host", "h"}, {"x-amz-meta-a", " a   b  c "}, {"x-amz-meta-a", "d"}},
                       "UNSIGNED-PAYLOAD"};
  auto s = sigv4_sign(spaced, example_credentials(), amz_date);
  EXPECT_EQ(s.canonical_request, "GET\n/\n\nhost:h\nx-amz-meta-a:a b c,d\n\nhost;x-amz-meta-a\nUNSIGNED-PAYLOAD");
}

TEST(SigV4, PathIsEncodedOnceSegmentBySegment) {
  EXPECT_EQ(sigv4_encode_path("/bucket/runs/2024-01-01/ab_CD.9~x"), "/bucket/runs/2024-01-01/ab_CD.9~x");
  EXPECT_EQ(sigv4_encode_path("/b/a b+c=d&e"), "/b/a%20b%2Bc%3Dd%26e");
  EXPECT_EQ(sigv4_encode_path("/b/caf\xc3\xa9"), "/b/caf%C3%A9");
  // A raw '%' is data: encoded, never taken for an escape (no double decoding).
  EXPECT_EQ(sigv4_encode_path("/b/100%25"), "/b/100%2525");
  EXPECT_EQ(sigv4_encode_path("/b//x/"), "/b//x/");
}

TEST(SigV4, QueryIsEncodedAndSorted) {
  EXPECT_EQ(sigv4_canonical_query({}), "");
  EXPECT_EQ(sigv4_canonical_query({{"lifecycle", ""}}), "lifecycle=");
  EXPECT_EQ(sigv4_canonical_query({{"prefix", "a/b c"}, {"delimiter", "/"}, {"a", "2"}, {"a", "1"}}),
            "a=1&a=2&delimiter=%2F&prefix=a%2Fb%20c");
}

TEST(SigV4, AmzDateIsUtc) {
  using namespace std::chrono;
  EXPECT_EQ(sigv4_amz_date(system_clock::time_point(seconds(1369353600))), "20130524T000000Z");
  EXPECT_EQ(sigv4_amz_date(system_clock::time_point(seconds(1369353600 + 86399))), "20130524T235959Z");
}

}  // namespace
}  // namespace tracepipe::s3
