#pragma once
// Publishing a bucket for neuroglancer: anyone may read its objects, and browsers on other origins
// may fetch them (CORS), as the seed does with `gsutil iam ch allUsers:objectViewer` and
// `gsutil cors set`. Idempotent: what is already in place is left alone and reported as such.
#include <string>
#include <vector>

#include "kvstore/kvstore.hpp"

namespace dflow::kv {

// The CORS rule neuroglancer needs: GET/HEAD from any origin, the Range and Content-Type headers
// (sharded volumes read byte ranges), cached an hour.
struct CorsRule {
  std::vector<std::string> origins{"*"};
  std::vector<std::string> methods{"GET", "HEAD"};
  std::vector<std::string> response_headers{"Content-Type", "Range", "Content-Range", "Content-Encoding", "Content-Length"};
  int max_age_seconds = 3600;
};

struct PublishReport {
  std::vector<std::string> lines;  // one per setting: what was done or found
  std::string public_url;          // the volume over plain HTTP(S), as a browser fetches it
  std::string neuroglancer_source; // "precomputed://gs://b/p" or "precomputed://https://..."
  std::string dvid_ref;            // the ngprecomputed `ref` DVID v1.0.0 can open for it
};

// Sets public read and the CORS rule on the bucket of `url` (s3:// or gs://). Throws one line naming
// the bucket if a setting is refused (e.g. no permission).
PublishReport publish_bucket(const std::string& url, const Options& options, const CorsRule& cors = {});

// A neuroglancer link (viewer base, e.g. https://neuroglancer-demo.appspot.com) showing `source` as
// an image layer named `layer`.
std::string neuroglancer_url(const std::string& viewer, const std::string& source, const std::string& layer);

}  // namespace dflow::kv
