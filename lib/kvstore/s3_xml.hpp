#pragma once
// The few fields of S3's XML answers we need (ListObjectsV2, InitiateMultipartUpload, errors):
// element texts by tag name, entities decoded. Not a general XML parser: S3's answers are flat.
#include <string>
#include <string_view>
#include <vector>

namespace dflow::kv {

// Texts of every <tag>...</tag> (also <tag attr="..">), in order; &lt; &gt; &amp; &quot; &apos; &#N; &#xN;
// decoded. Throws one line naming `where` on an unterminated element or a bad entity.
std::vector<std::string> xml_texts(std::string_view xml, std::string_view tag, const std::string& where);
// The first text of `tag`, or empty.
std::string xml_text(std::string_view xml, std::string_view tag, const std::string& where);

struct ListPage {
  std::vector<std::string> keys;
  bool truncated = false;
  std::string next_token;
};
// A ListObjectsV2 answer (ListBucketResult). Throws naming `where` if it is not one.
ListPage parse_list_objects(std::string_view xml, const std::string& where);

}  // namespace dflow::kv
