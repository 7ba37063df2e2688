// kvstore pieces that need no server: URL parsing, S3's XML answers, AWS credential files, the
// local FileStore and prefix stores.
#include <catch2/catch.hpp>

#include <fstream>

#include "kvstore/s3_xml.hpp"
#include "kvstore/stores.hpp"
#include "test_support.hpp"

using namespace dflow;
using namespace dflow::kv;
using Catch::Matchers::Contains;

TEST_CASE("bucket and local URLs are parsed, bad ones refused naming the URL") {
  auto s3 = parse_location("s3://my-bucket/a/b/");
  CHECK(s3.scheme == "s3");
  CHECK(s3.bucket == "my-bucket");
  CHECK(s3.prefix == "a/b");
  auto gs = parse_location("gs://bkt");
  CHECK(gs.scheme == "gs");
  CHECK(gs.bucket == "bkt");
  CHECK(gs.prefix.empty());
  CHECK(parse_location("file:///data/vol/").path == "/data/vol");
  CHECK(parse_location("rel/dir").path == "rel/dir");
  CHECK(is_bucket_url("s3://x"));
  CHECK_FALSE(is_bucket_url("/s3://x"));
  CHECK_THROWS_WITH(parse_location("s3:///prefix"), Contains("s3:///prefix") && Contains("no bucket name"));
  CHECK_THROWS_WITH(parse_location("gs://a b/c"), Contains("gs://a b/c") && Contains("bucket name"));
  CHECK_THROWS_WITH(parse_location("s3://b/p?endpoint=x"), Contains("takes no query"));
  CHECK_THROWS_WITH(parse_location("http://host/vol"), Contains("http://host/vol") && Contains("unsupported URL scheme"));
  CHECK_THROWS_WITH(parse_location("s3://b/a//c"), Contains("empty path segment"));
  CHECK(url_encode("a/b c+d", true) == "a/b%20c%2Bd");
  CHECK(url_encode("a/b", false) == "a%2Fb");
}

TEST_CASE("S3 XML answers: listing pages, entities, errors") {
  const std::string page =
      R"(<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">)"
      R"(<Name>b</Name><Prefix>v/</Prefix><KeyCount>2</KeyCount><IsTruncated>true</IsTruncated>)"
      R"(<Contents><Key>v/a&amp;b</Key><ETag>&#34;x&#34;</ETag></Contents><Contents><Key>v/&#x3bb;</Key></Contents>)"
      R"(<NextContinuationToken>tok/1=</NextContinuationToken></ListBucketResult>)";
  const ListPage p = parse_list_objects(page, "test");
  REQUIRE(p.keys.size() == 2);
  CHECK(p.keys[0] == "v/a&b");
  CHECK(p.keys[1] == "v/\xce\xbb");
  CHECK(p.truncated);
  CHECK(p.next_token == "tok/1=");
  CHECK(xml_text(page, "ETag", "t") == "\"x\"");
  CHECK(xml_text("<Error><Code>NoSuchBucket</Code><Message/></Error>", "Message", "t").empty());
  CHECK_THROWS_WITH(parse_list_objects("<Error><Code>AccessDenied</Code></Error>", "s3://b/v: list"),
                    Contains("s3://b/v: list") && Contains("not a ListBucketResult"));
  CHECK_THROWS_WITH(parse_list_objects("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>", "w"),
                    Contains("without NextContinuationToken"));
  CHECK_THROWS_WITH(xml_texts("<Key>a&bogus;</Key>", "Key", "w"), Contains("unknown XML entity"));
  CHECK_THROWS_WITH(xml_texts("<Key>abc", "Key", "w"), Contains("not closed"));
  CHECK_THROWS_WITH(xml_texts("<Key>&#0;</Key>", "Key", "w"), Contains("not a character"));
}

TEST_CASE("AWS credentials files: profiles, comments, half-filled profiles") {
  const std::string ini = "# comment\n[default]\naws_access_key_id = AK1\naws_secret_access_key=SK1\n\n"
                          "[profile other]\naws_access_key_id=AK2\naws_secret_access_key = SK2\naws_session_token=T2\n"
                          "[half]\naws_access_key_id=AK3\n";
  auto d = parse_aws_credentials(ini, "default", "creds");
  CHECK(d.access_key == "AK1");
  CHECK(d.secret_key == "SK1");
  auto o = parse_aws_credentials(ini, "other", "creds");
  CHECK(o.access_key == "AK2");
  CHECK(o.session_token == "T2");
  CHECK(parse_aws_credentials(ini, "absent", "creds").access_key.empty());
  CHECK_THROWS_WITH(parse_aws_credentials(ini, "half", "creds"), Contains("creds") && Contains("[half]"));
  CHECK_THROWS_WITH(parse_aws_credentials("[x\n", "x", "creds"), Contains("creds:1"));
}

TEST_CASE("FileStore: put, ranged get, size, list, remove; prefix stores") {
  const auto dir = test::scratch_dir("kvstore-file");
  auto store = open_kvstore((dir / "root").string());
  store->check_writable();
  const std::string text = "0123456789";
  store->put("a/b/c", std::as_bytes(std::span(text)));
  store->put("a/d", std::as_bytes(std::span(text)).first(3));
  store->flush();
  CHECK(store->size("a/b/c") == 10u);
  CHECK_FALSE(store->size("a/x"));
  auto r = store->get_range("a/b/c", 7, 10);
  REQUIRE(r);
  CHECK(std::string(reinterpret_cast<const char*>(r->data()), r->size()) == "789");
  CHECK(store->get_range("a/b/c", 20, 4)->empty());
  CHECK_FALSE(store->get_range("nope", 0, 4));
  CHECK(store->list() == std::vector<std::string>{"a/b/c", "a/d"});
  auto sub = substore(store, "a/");
  CHECK(sub->list() == std::vector<std::string>{"b/c", "d"});
  CHECK(sub->describe("d") == (dir / "root" / "a" / "d").string());
  CHECK(sub->get("d")->size() == 3u);
  sub->remove("d");
  CHECK_FALSE(store->get("a/d"));
  CHECK(store->local_root() == dir / "root");
  { std::ofstream(dir / "file") << "x"; }
  CHECK_THROWS_WITH(open_kvstore((dir / "file" / "sub").string())->check_writable(), Contains((dir / "file" / "sub").string()));
}
