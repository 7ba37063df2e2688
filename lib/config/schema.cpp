#include "config/schema.hpp"

#include <algorithm>
#include <charconv>
#include <regex>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/files.hpp"

namespace dflow::config {

struct Schema::Impl {
  Kind kind = Kind::string;
  std::vector<Field> fields;
  std::vector<std::string> choices;
  std::vector<std::string> one_of;
  std::optional<Schema> item;
  int count = 0;
  std::optional<int64_t> min;
  size_t min_items = 0;
};

std::shared_ptr<Schema::Impl> Schema::make(Kind kind) {
  auto impl = std::make_shared<Impl>();
  impl->kind = kind;
  return impl;
}

namespace {

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------- construction

Schema Schema::object(std::vector<Field> fields) {
  auto impl = make(Kind::object);
  std::set<std::string> seen;
  for (const auto& f : fields)
    if (!seen.insert(f.key).second) throw std::logic_error("schema: duplicate field " + f.key);
  impl->fields = std::move(fields);
  return Schema(impl);
}

Schema Schema::string(std::vector<std::string> choices) {
  auto impl = make(Kind::string);
  impl->choices = std::move(choices);
  return Schema(impl);
}

Schema Schema::integer() { return Schema(make(Kind::integer)); }
Schema Schema::number() { return Schema(make(Kind::number)); }
Schema Schema::boolean() { return Schema(make(Kind::boolean)); }
Schema Schema::box() { return Schema(make(Kind::box)); }
Schema Schema::string_map() { return Schema(make(Kind::string_map)); }

Schema Schema::ints(int n) {
  auto impl = make(Kind::int_list);
  impl->count = n;
  return Schema(impl);
}

Schema Schema::list(Schema item) {
  auto impl = make(Kind::list);
  impl->item = std::move(item);
  return Schema(impl);
}

Schema Schema::at_least(int64_t min) const {
  if (kind() != Kind::integer && kind() != Kind::int_list && kind() != Kind::box)
    throw std::logic_error("schema: at_least() needs an integer type");
  auto impl = std::make_shared<Impl>(*impl_);
  impl->min = min;
  return Schema(impl);
}

Schema Schema::min_items(size_t n) const {
  if (kind() != Kind::list) throw std::logic_error("schema: min_items() needs a list");
  auto impl = std::make_shared<Impl>(*impl_);
  impl->min_items = n;
  return Schema(impl);
}

Schema Schema::exactly_one_of(std::vector<std::string> keys) const {
  if (kind() != Kind::object) throw std::logic_error("schema: exactly_one_of() needs an object");
  for (const auto& k : keys) {
    const Field* f = field(k);
    if (!f || f->presence != Field::Presence::optional)
      throw std::logic_error("schema: exactly_one_of(): " + k + " must be an optional field without default");
  }
  auto impl = std::make_shared<Impl>(*impl_);
  impl->one_of = std::move(keys);
  return Schema(impl);
}

Schema::Kind Schema::kind() const { return impl_->kind; }
const std::vector<Field>& Schema::fields() const { return impl_->fields; }
const std::vector<std::string>& Schema::choices() const { return impl_->choices; }
const std::vector<std::string>& Schema::one_of() const { return impl_->one_of; }
const Schema& Schema::item() const { return *impl_->item; }
int Schema::count() const { return impl_->count; }
std::optional<int64_t> Schema::minimum() const { return impl_->min; }
size_t Schema::min_item_count() const { return impl_->min_items; }

const Field* Schema::field(std::string_view key) const {
  for (const auto& f : impl_->fields)
    if (f.key == key) return &f;
  return nullptr;
}

namespace {

std::string ints_name(int n) {
  if (n == 3) return "[x,y,z] integers";
  if (n == 2) return "[x,y] integers";
  return fmt::format("list of {} integers", n);
}

// The noun phrase after "expected" in error messages.
std::string expected_text(const Schema& s) {
  switch (s.kind()) {
    case Schema::Kind::object: return "a mapping";
    case Schema::Kind::string: return "a string";
    case Schema::Kind::integer: return "an integer";
    case Schema::Kind::number: return "a number";
    case Schema::Kind::boolean: return "true or false";
    case Schema::Kind::int_list: return "a list of " + ints_name(s.count());
    case Schema::Kind::box: return "a box [[x0,y0,z0],[x1,y1,z1]]";
    case Schema::Kind::list: return "a list";
    case Schema::Kind::string_map: return "a mapping of names to strings";
  }
  return "?";
}

}  // namespace

std::string Schema::type_name() const {
  const std::string min = impl_->min ? fmt::format(" >= {}", *impl_->min) : "";
  switch (kind()) {
    case Kind::object: return "mapping";
    case Kind::string: return choices().empty() ? "string" : "one of: " + join(choices(), ", ");
    case Kind::integer: return "integer" + min;
    case Kind::number: return "number";
    case Kind::boolean: return "true/false";
    case Kind::int_list: return ints_name(count()) + min;
    case Kind::box: return "box [[x0,y0,z0],[x1,y1,z1]]";
    case Kind::list: {
      std::string s = "list of " + item().type_name();
      if (min_item_count()) s += fmt::format(" (at least {})", min_item_count());
      return s;
    }
    case Kind::string_map: return "mapping of name to string";
  }
  return "?";
}

// ---------------------------------------------------------------- scalars

namespace {

// Quoted scalars ("4", '4') and explicit !!str are always strings, never numbers or booleans.
bool is_quoted(const YAML::Node& n) { return n.Tag() == "!" || n.Tag() == "tag:yaml.org,2002:str"; }

bool is_null_text(const std::string& s) { return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL"; }

// Decimal only: yaml-cpp's own conversion would read "010" as octal 8.
std::optional<int64_t> parse_int(const std::string& s) {
  std::string_view v = s;
  if (!v.empty() && v[0] == '+') v.remove_prefix(1);
  if (v.empty()) return std::nullopt;
  int64_t out = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || ptr != v.data() + v.size()) return std::nullopt;
  return out;
}

std::optional<double> parse_float(const std::string& s) {
  static const std::regex re(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (!std::regex_match(s, re)) return std::nullopt;
  return std::stod(s);
}

std::optional<bool> parse_bool(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

std::string canonical_float(double v) { return fmt::format("{}", v); }

// How a value is named in "expected X, got Y".
std::string describe(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "an empty value";
  if (n.IsSequence()) return fmt::format("a list of {} item{}", n.size(), n.size() == 1 ? "" : "s");
  if (n.IsMap()) return "a mapping";
  return fmt::format("\"{}\"", n.Scalar());
}

// ---------------------------------------------------------------- validation

class Validator {
 public:
  explicit Validator(std::string file) : file_(std::move(file)) {}

  YAML::Node run(const Schema& s, const YAML::Node& n, const std::string& path) {
    switch (s.kind()) {
      case Schema::Kind::object: return object(s, n, path);
      case Schema::Kind::string: return string(s, n, path);
      case Schema::Kind::integer: return YAML::Node(std::to_string(integer(s, n, path)));
      case Schema::Kind::number: return number(s, n, path);
      case Schema::Kind::boolean: return boolean(s, n, path);
      case Schema::Kind::int_list: return int_list(s, n, path);
      case Schema::Kind::box: return box(s, n, path);
      case Schema::Kind::list: return list(s, n, path);
      case Schema::Kind::string_map: return string_map(s, n, path);
    }
    return {};
  }

 private:
  [[noreturn]] void fail_at(const std::string& path, const std::string& msg) const {
    if (path.empty()) fail("{}: {}", file_, msg);
    fail("{}: {}: {}", file_, path, msg);
  }
  [[noreturn]] void wrong_type(const Schema& s, const YAML::Node& n, const std::string& path) const {
    if (path.empty() && s.kind() == Schema::Kind::object && (!n.IsDefined() || n.IsNull()))
      fail_at(path, "the file is empty (expected a mapping of workflow options)");
    const bool scalar_kind = s.kind() == Schema::Kind::integer || s.kind() == Schema::Kind::number ||
                             s.kind() == Schema::Kind::boolean;
    const char* hint = scalar_kind && n.IsScalar() && is_quoted(n) ? " (quoted, so a string)" : "";
    fail_at(path, fmt::format("expected {}, got {}{}", expected_text(s), describe(n), hint));
  }
  static std::string child(const std::string& path, const std::string& key) {
    return path.empty() ? printable(key) : path + "." + printable(key);
  }
  static std::string item(const std::string& path, size_t i) { return fmt::format("{}[{}]", path, i); }

  YAML::Node object(const Schema& s, const YAML::Node& n, const std::string& path) {
    if (!n.IsMap()) wrong_type(s, n, path);
    std::set<std::string> present;
    for (const auto& kv : n) {
      if (!kv.first.IsScalar()) fail_at(path, "keys must be plain names, got " + describe(kv.first));
      const std::string key = kv.first.Scalar();
      if (!present.insert(key).second) fail_at(child(path, key), "duplicate key");
      if (!s.field(key)) {
        std::vector<std::string> allowed;
        for (const auto& f : s.fields()) allowed.push_back(f.key);
        fail_at(child(path, key), fmt::format("unknown key (allowed: {})", join(allowed, ", ")));
      }
    }
    YAML::Node out(YAML::NodeType::Map);
    for (const auto& f : s.fields()) {
      const std::string p = child(path, f.key);
      if (present.count(f.key)) {
        const YAML::Node v = n[f.key];
        if (f.presence == Field::Presence::required && v.IsNull()) fail_at(p, "required value is missing");
        out[f.key] = run(f.schema, v, p);
      } else if (f.presence == Field::Presence::required) {
        fail_at(p, "required value is missing");
      } else if (f.presence == Field::Presence::defaulted) {
        out[f.key] = YAML::Clone(f.default_value);
      }
    }
    if (!s.one_of().empty()) {
      std::vector<std::string> given;
      for (const auto& k : s.one_of())
        if (present.count(k)) given.push_back(k);
      if (given.size() != 1)
        fail_at(path, fmt::format("exactly one of {} is required (found {})", join(s.one_of(), ", "),
                                  given.empty() ? "none" : join(given, " and ")));
    }
    return out;
  }

  YAML::Node string(const Schema& s, const YAML::Node& n, const std::string& path) {
    if (!n.IsScalar()) wrong_type(s, n, path);
    const std::string& v = n.Scalar();
    if (!s.choices().empty() && std::find(s.choices().begin(), s.choices().end(), v) == s.choices().end())
      fail_at(path, fmt::format("expected one of {}, got \"{}\"", join(s.choices(), ", "), v));
    return YAML::Node(v);
  }

  int64_t integer(const Schema& s, const YAML::Node& n, const std::string& path) {
    std::optional<int64_t> v;
    if (n.IsScalar() && !is_quoted(n)) v = parse_int(n.Scalar());
    if (!v) wrong_type(s, n, path);
    if (s.minimum() && *v < *s.minimum()) fail_at(path, fmt::format("must be at least {}, got {}", *s.minimum(), *v));
    return *v;
  }

  YAML::Node number(const Schema& s, const YAML::Node& n, const std::string& path) {
    std::optional<double> v;
    if (n.IsScalar() && !is_quoted(n)) v = parse_float(n.Scalar());
    if (!v) wrong_type(s, n, path);
    return YAML::Node(canonical_float(*v));
  }

  YAML::Node boolean(const Schema& s, const YAML::Node& n, const std::string& path) {
    std::optional<bool> v;
    if (n.IsScalar() && !is_quoted(n)) v = parse_bool(n.Scalar());
    if (!v) wrong_type(s, n, path);
    return YAML::Node(*v ? "true" : "false");
  }

  YAML::Node ints(const Schema& s, const YAML::Node& n, const std::string& path, int count) {
    if (!n.IsSequence()) wrong_type(s, n, path);
    if (n.size() != size_t(count)) fail_at(path, fmt::format("expected {} integers, got {}", count, n.size()));
    YAML::Node out(YAML::NodeType::Sequence);
    // Elements are checked as plain integers with the list's minimum.
    Schema element = Schema::integer();
    if (s.minimum()) element = element.at_least(*s.minimum());
    for (size_t i = 0; i < n.size(); ++i) out.push_back(std::to_string(integer(element, n[i], item(path, i))));
    return out;
  }

  YAML::Node int_list(const Schema& s, const YAML::Node& n, const std::string& path) { return ints(s, n, path, s.count()); }

  YAML::Node box(const Schema& s, const YAML::Node& n, const std::string& path) {
    if (!n.IsSequence() || n.size() != 2 || !n[0].IsSequence() || !n[1].IsSequence()) wrong_type(s, n, path);
    YAML::Node out(YAML::NodeType::Sequence);
    out.push_back(ints(s, n[0], item(path, 0), 3));
    out.push_back(ints(s, n[1], item(path, 1), 3));
    return out;
  }

  YAML::Node list(const Schema& s, const YAML::Node& n, const std::string& path) {
    if (!n.IsSequence()) wrong_type(s, n, path);
    if (n.size() < s.min_item_count())
      fail_at(path, fmt::format("expected at least {} item{}, got {}", s.min_item_count(), s.min_item_count() == 1 ? "" : "s", n.size()));
    YAML::Node out(YAML::NodeType::Sequence);
    for (size_t i = 0; i < n.size(); ++i) out.push_back(run(s.item(), n[i], item(path, i)));
    return out;
  }

  YAML::Node string_map(const Schema& s, const YAML::Node& n, const std::string& path) {
    if (!n.IsMap()) wrong_type(s, n, path);
    YAML::Node out(YAML::NodeType::Map);
    std::set<std::string> seen;
    for (const auto& kv : n) {
      if (!kv.first.IsScalar()) fail_at(path, "keys must be plain names, got " + describe(kv.first));
      const std::string key = kv.first.Scalar();
      if (!seen.insert(key).second) fail_at(child(path, key), "duplicate key");
      if (!kv.second.IsScalar()) fail_at(child(path, key), "expected a string, got " + describe(kv.second));
      out[key] = kv.second.Scalar();
    }
    return out;
  }

  std::string file_;
};

}  // namespace

YAML::Node validate(const Schema& schema, const YAML::Node& node, const std::string& file_name) {
  return Validator(file_name).run(schema, node, "");
}

// ---------------------------------------------------------------- fields

Field required(std::string key, Schema schema, std::string description) {
  return Field{std::move(key), std::move(schema), Field::Presence::required, {}, {}, std::move(description)};
}

Field optional(std::string key, Schema schema, std::string description) {
  return Field{std::move(key), std::move(schema), Field::Presence::optional, {}, {}, std::move(description)};
}

Field with_default(std::string key, Schema schema, std::string_view default_yaml, std::string description) {
  YAML::Node value;
  try {
    value = validate(schema, YAML::Load(std::string(default_yaml)), "schema default of " + key);
  } catch (const std::exception& e) {
    throw std::logic_error(e.what());
  }
  return Field{std::move(key), std::move(schema), Field::Presence::defaulted, value, std::string(default_yaml),
               std::move(description)};
}

// ---------------------------------------------------------------- parsing

YAML::Node parse_yaml(const std::string& text, const std::string& file_name) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    // yaml-cpp's marks are 0-based; editors count from 1.
    if (e.mark.is_null()) fail("{}: {}", file_name, printable(e.msg));
    fail("{}: line {}, column {}: {}", file_name, e.mark.line + 1, e.mark.column + 1, printable(e.msg));
  }
}

YAML::Node load_yaml_file(const std::filesystem::path& path) { return parse_yaml(read_text(path), path.string()); }

// ---------------------------------------------------------------- writing YAML

namespace {

// True if `s` can be written as a plain scalar and reads back as the same string.
bool plain_ok(const std::string& s) {
  if (s.empty() || is_null_text(s) || parse_int(s) || parse_float(s) || parse_bool(s)) return false;
  // Words other YAML readers (and yaml-cpp's as<bool>) take for booleans.
  static const std::set<std::string> yaml11 = {"y", "Y", "n", "N", "yes", "Yes", "YES", "no", "No", "NO",
                                               "on", "On", "ON", "off", "Off", "OFF"};
  if (yaml11.count(s)) return false;
  if (std::string_view("-?:,[]{}#&*!|>'\"%@` ").find(s.front()) != std::string_view::npos) return false;
  if (s.back() == ' ' || s.back() == ':') return false;
  if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos) return false;
  for (const char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
    if (c == ',' || c == '[' || c == ']' || c == '{' || c == '}') return false;  // unsafe inside [a, b]
  }
  return true;
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
          out += fmt::format("\\x{:02x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        else
          out += c;
    }
  }
  return out + "\"";
}

std::string string_text(const std::string& s) { return plain_ok(s) ? s : quote(s); }

bool flowable(const Schema& s) {
  switch (s.kind()) {
    case Schema::Kind::object:
    case Schema::Kind::string_map: return false;
    case Schema::Kind::list: return flowable(s.item());
    default: return true;
  }
}

// One-line form of a value whose schema is flowable.
std::string flow(const Schema& s, const YAML::Node& n) {
  switch (s.kind()) {
    case Schema::Kind::string: return string_text(n.Scalar());
    case Schema::Kind::integer:
    case Schema::Kind::number:
    case Schema::Kind::boolean: return n.Scalar();
    case Schema::Kind::int_list: {
      std::vector<std::string> parts;
      for (const auto& v : n) parts.push_back(v.Scalar());
      return "[" + join(parts, ", ") + "]";
    }
    case Schema::Kind::box: return "[" + flow(Schema::ints(3), n[0]) + ", " + flow(Schema::ints(3), n[1]) + "]";
    case Schema::Kind::list: {
      std::vector<std::string> parts;
      for (const auto& v : n) parts.push_back(flow(s.item(), v));
      return "[" + join(parts, ", ") + "]";
    }
    default: return "?";
  }
}

void emit_object(const Schema& s, const YAML::Node& n, int indent, std::string& out);

void emit_value(const Schema& s, const YAML::Node& n, int indent, std::string& out, const std::string& lead) {
  const std::string pad(indent, ' ');
  if (flowable(s)) {
    out += lead + " " + flow(s, n) + "\n";
  } else if (s.kind() == Schema::Kind::object) {
    if (n.size() == 0) {
      out += lead + " {}\n";
    } else {
      out += lead + "\n";
      emit_object(s, n, indent + 2, out);
    }
  } else if (s.kind() == Schema::Kind::string_map) {
    if (n.size() == 0) {
      out += lead + " {}\n";
    } else {
      out += lead + "\n";
      for (const auto& kv : n) out += pad + "  " + string_text(kv.first.Scalar()) + ": " + string_text(kv.second.Scalar()) + "\n";
    }
  } else {  // list of mappings: "- " takes the place of the first key's indentation
    if (n.size() == 0) {
      out += lead + " []\n";
      return;
    }
    out += lead + "\n";
    for (const auto& v : n) {
      std::string item;
      if (s.item().kind() == Schema::Kind::object && v.size() > 0) {
        emit_object(s.item(), v, indent + 4, item);
        item[indent + 2] = '-';
      } else {
        emit_value(s.item(), v, indent + 2, item, pad + "  -");
      }
      out += item;
    }
  }
}

void emit_object(const Schema& s, const YAML::Node& n, int indent, std::string& out) {
  const std::string pad(indent, ' ');
  for (const auto& f : s.fields()) {
    const YAML::Node v = n[f.key];
    if (!v.IsDefined()) continue;
    emit_value(f.schema, v, indent, out, pad + string_text(f.key) + ":");
  }
}

}  // namespace

std::string to_yaml(const Schema& schema, const YAML::Node& validated) {
  std::string out;
  if (schema.kind() == Schema::Kind::object)
    emit_object(schema, validated, 0, out);
  else
    emit_value(schema, validated, 0, out, "value:");
  return out;
}

// ---------------------------------------------------------------- starting-point file

namespace {

void comment_out(std::string& text, size_t from) {
  std::string out = text.substr(0, from);
  size_t pos = from;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    const std::string line = text.substr(pos, nl - pos);
    const size_t first = line.find_first_not_of(' ');
    if (first == std::string::npos || line[first] == '#')  // descriptions are comments already
      out += line;
    else
      out += line.substr(0, first) + "# " + line.substr(first);
    out += "\n";
    pos = nl + 1;
  }
  text = std::move(out);
}

// `values`: the defaults of this object as its parent's default gives them (undefined if none).
void default_object(const Schema& s, const YAML::Node& values, int indent, std::string& out) {
  const std::string pad(indent, ' ');
  for (const auto& f : s.fields()) {
    if (!s.one_of().empty() && f.key == s.one_of().front())
      out += pad + "# Exactly one of: " + join(s.one_of(), ", ") + " (uncomment one).\n";
    if (!f.description.empty()) out += pad + "# " + f.description + "\n";
    const std::string lead = pad + string_text(f.key) + ":";
    YAML::Node v = values.IsMap() ? YAML::Node(values[f.key]) : YAML::Node(YAML::NodeType::Undefined);
    if (!v.IsDefined() && f.presence == Field::Presence::defaulted) v = f.default_value;
    const bool object = f.schema.kind() == Schema::Kind::object;
    if (v.IsDefined()) {
      if (object && v.size() > 0) {
        out += lead + "\n";
        default_object(f.schema, v, indent + 2, out);
      } else {
        emit_value(f.schema, v, indent, out, lead);
      }
      continue;
    }
    const size_t start = out.size();
    if (object) {
      out += lead + "\n";
      default_object(f.schema, YAML::Node(YAML::NodeType::Undefined), indent + 2, out);
    } else {
      out += lead + "  # " + (f.presence == Field::Presence::required ? "REQUIRED, " : "optional, ") +
             f.schema.type_name() + "\n";
    }
    if (f.presence == Field::Presence::optional) comment_out(out, start);
  }
}

}  // namespace

std::string default_yaml(const Schema& schema) {
  std::string out;
  default_object(schema, YAML::Node(YAML::NodeType::Undefined), 0, out);
  return out;
}

// ---------------------------------------------------------------- documentation

namespace {

std::string cell(std::string s) {
  std::string out;
  for (const char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

void document_rows(const Schema& s, const std::string& prefix, std::string& out) {
  for (const auto& f : s.fields()) {
    const std::string key = prefix.empty() ? f.key : prefix + "." + f.key;
    std::string def;
    switch (f.presence) {
      case Field::Presence::required: def = "**required**"; break;
      case Field::Presence::optional: def = s.one_of().empty() ? "(none)" : "one of " + join(s.one_of(), "/"); break;
      case Field::Presence::defaulted:
        def = f.schema.kind() == Schema::Kind::object ? "" : "`" + cell(f.default_text) + "`";
        break;
    }
    out += fmt::format("| `{}` | {} | {} | {} |\n", key, cell(f.schema.type_name()), def, cell(f.description));
    if (f.schema.kind() == Schema::Kind::object) document_rows(f.schema, key, out);
    if (f.schema.kind() == Schema::Kind::list && f.schema.item().kind() == Schema::Kind::object)
      document_rows(f.schema.item(), key + "[]", out);
  }
}

}  // namespace

std::string document(const Schema& schema, const std::string& prefix) {
  std::string out = "| Key | Type | Default | Description |\n|---|---|---|---|\n";
  if (schema.kind() == Schema::Kind::object) document_rows(schema, prefix, out);
  return out;
}

}  // namespace dflow::config
