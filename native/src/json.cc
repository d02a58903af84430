#include "json.h"

#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace cnn {
namespace json {

const Value* Value::find(const std::string& key) const {
  if (kind != Kind::Object) return nullptr;
  for (const auto& m : members) {
    if (m.first == key) return &m.second;
  }
  return nullptr;
}

namespace {

// Nesting deeper than this is not a graph or a safetensors header; refusing it keeps the stack safe.
constexpr int MAX_DEPTH = 64;

class Parser {
 public:
  Parser(const char* data, size_t size) : p_(data), begin_(data), end_(data + size) {}

  Value document() {
    Value v = value(0);
    skipSpace();
    if (p_ != end_) fail("unexpected trailing characters");
    return v;
  }

 private:
  const char* p_;
  const char* begin_;
  const char* end_;

  [[noreturn]] void fail(const char* what) const {
    throw std::invalid_argument(std::string("invalid JSON at byte ") + std::to_string(p_ - begin_) + ": " + what);
  }

  void skipSpace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }

  bool consume(const char* word) {
    const char* q = p_;
    for (const char* w = word; *w; ++w, ++q) {
      if (q == end_ || *q != *w) return false;
    }
    p_ = q;
    return true;
  }

  Value value(int depth) {
    if (depth > MAX_DEPTH) fail("nesting too deep");
    skipSpace();
    if (p_ == end_) fail("unexpected end");
    Value v;
    switch (*p_) {
      case '{': object(v, depth); break;
      case '[': array(v, depth); break;
      case '"':
        v.kind = Kind::String;
        v.string = str();
        break;
      case 't':
        if (!consume("true")) fail("bad literal");
        v.kind = Kind::Bool;
        v.boolean = true;
        break;
      case 'f':
        if (!consume("false")) fail("bad literal");
        v.kind = Kind::Bool;
        break;
      case 'n':
        if (!consume("null")) fail("bad literal");
        break;
      default: number(v);
    }
    return v;
  }

  void object(Value& v, int depth) {
    v.kind = Kind::Object;
    ++p_;
    skipSpace();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      return;
    }
    for (;;) {
      skipSpace();
      if (p_ == end_ || *p_ != '"') fail("expected a member name");
      std::string key = str();
      skipSpace();
      if (p_ == end_ || *p_ != ':') fail("expected ':'");
      ++p_;
      v.members.emplace_back(std::move(key), value(depth + 1));
      skipSpace();
      if (p_ == end_) fail("unexpected end in object");
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == '}') {
        ++p_;
        return;
      }
      fail("expected ',' or '}'");
    }
  }

  void array(Value& v, int depth) {
    v.kind = Kind::Array;
    ++p_;
    skipSpace();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
      return;
    }
    for (;;) {
      v.items.push_back(value(depth + 1));
      skipSpace();
      if (p_ == end_) fail("unexpected end in array");
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == ']') {
        ++p_;
        return;
      }
      fail("expected ',' or ']'");
    }
  }

  void number(Value& v) {
    const char* start = p_;
    if (p_ != end_ && (*p_ == '-' || *p_ == '+')) ++p_;
    while (p_ != end_ && ((*p_ >= '0' && *p_ <= '9') || *p_ == '.' || *p_ == 'e' || *p_ == 'E' || *p_ == '-' || *p_ == '+')) ++p_;
    if (p_ == start) fail("unexpected character");
    std::string text(start, p_);
    char* stop = nullptr;
    double d = std::strtod(text.c_str(), &stop);
    if (stop == nullptr || *stop != '\0' || !std::isfinite(d)) fail("bad number");
    v.kind = Kind::Number;
    v.number = d;
  }

  static void appendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  uint32_t hex4() {
    if (end_ - p_ < 4) fail("short \\u escape");
    uint32_t cp = 0;
    for (int i = 0; i < 4; ++i, ++p_) {
      char c = *p_;
      cp <<= 4;
      if (c >= '0' && c <= '9') cp |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') cp |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') cp |= static_cast<uint32_t>(c - 'A' + 10);
      else fail("bad \\u escape");
    }
    return cp;
  }

  std::string str() {
    ++p_;  // opening quote
    std::string out;
    while (p_ != end_ && *p_ != '"') {
      char c = *p_++;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (p_ == end_) break;
      char e = *p_++;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && end_ - p_ >= 6 && p_[0] == '\\' && p_[1] == 'u') {
            p_ += 2;
            uint32_t lo = hex4();
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          appendUtf8(out, cp);
          break;
        }
        default: fail("bad escape");
      }
    }
    if (p_ == end_) fail("unterminated string");
    ++p_;  // closing quote
    return out;
  }
};

}  // namespace

Value parse(const char* data, size_t size) { return Parser(data, size).document(); }

void appendQuoted(std::string& out, const std::string& s) {
  static const char* HEX = "0123456789abcdef";
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += HEX[c >> 4];
          out += HEX[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

std::string formatShape(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(shape[i]);
  }
  out += "]";
  return out;
}

}  // namespace json
}  // namespace cnn
