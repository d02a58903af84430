// A small JSON reader and string escaper.
//
// The addon parses two kinds of JSON: the normalized graph (native/GRAPH.md)
// and safetensors headers. Both are small, so a plain recursive-descent parser
// into an ordered tree is enough. No libtorch here: this header is cheap to
// include.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cnn {
namespace json {

enum class Kind { Null, Bool, Number, String, Array, Object };

class Value {
 public:
  Kind kind = Kind::Null;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<Value> items;                            // Array
  std::vector<std::pair<std::string, Value>> members;  // Object, in file order

  bool isNull() const { return kind == Kind::Null; }
  bool isObject() const { return kind == Kind::Object; }
  bool isArray() const { return kind == Kind::Array; }
  bool isNumber() const { return kind == Kind::Number; }
  bool isString() const { return kind == Kind::String; }
  bool isBool() const { return kind == Kind::Bool; }

  /** Member lookup on an object; nullptr when absent or not an object. */
  const Value* find(const std::string& key) const;
};

/** Parses a complete JSON document. Throws std::invalid_argument with the byte offset on bad input. */
Value parse(const char* data, size_t size);
inline Value parse(const std::string& text) { return parse(text.data(), text.size()); }

/** Appends `s` as a quoted JSON string literal. */
void appendQuoted(std::string& out, const std::string& s);

/** Formats an integer-valued shape as `[a, b, c]` for messages. */
std::string formatShape(const std::vector<int64_t>& shape);

}  // namespace json
}  // namespace cnn
