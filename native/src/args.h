// Reading JavaScript arguments: typed option objects and typed-array views.
//
// The TypeScript facade validates everything first; these checks exist so a
// wrong call from anywhere else fails with ENGINE_BAD_ARGUMENT instead of
// undefined behaviour.
#pragma once

#include <napi.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "errors.h"

namespace cnn {

/** A view of a JS typed array's bytes plus a reference that keeps it alive while a worker reads it. */
struct BufferView {
  const uint8_t* data = nullptr;
  size_t bytes = 0;
  size_t length = 0;  // elements
  Napi::ObjectReference keep;
};

inline BufferView typedArrayArg(const Napi::Value& value, napi_typedarray_type type, const char* typeName, const std::string& what) {
  if (!value.IsTypedArray()) badArgument(what + " must be a " + typeName);
  Napi::TypedArray array = value.As<Napi::TypedArray>();
  napi_typedarray_type actual = array.TypedArrayType();
  bool ok = actual == type || (type == napi_uint8_array && actual == napi_uint8_clamped_array);
  if (!ok) badArgument(what + " must be a " + typeName);
  BufferView view;
  view.data = static_cast<const uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  view.bytes = array.ByteLength();
  view.length = array.ElementLength();
  view.keep = Napi::Persistent(array.As<Napi::Object>());
  return view;
}

inline std::string stringArg(const Napi::Value& value, const std::string& what) {
  if (!value.IsString()) badArgument(what + " must be a string");
  return value.As<Napi::String>().Utf8Value();
}

/** Typed, optional fields of an options object; undefined and null read as absent. */
class Options {
 public:
  Options(const Napi::Value& value, std::string where) : where_(std::move(where)) {
    if (value.IsUndefined() || value.IsNull()) {
      empty_ = true;
      return;
    }
    if (!value.IsObject()) badArgument(where_ + " must be an object");
    obj_ = value.As<Napi::Object>();
  }

  bool has(const char* key) const {
    if (empty_ || !obj_.Has(key)) return false;
    Napi::Value v = obj_.Get(key);
    return !v.IsUndefined() && !v.IsNull();
  }

  Napi::Value get(const char* key) const { return obj_.Get(key); }

  double number(const char* key, double fallback) const {
    if (!has(key)) return fallback;
    Napi::Value v = obj_.Get(key);
    if (!v.IsNumber()) badArgument(field(key) + " must be a number");
    double d = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d)) badArgument(field(key) + " must be finite");
    return d;
  }

  int64_t integer(const char* key, int64_t fallback, int64_t min) const {
    if (!has(key)) return fallback;
    double d = number(key, 0);
    if (std::floor(d) != d || d < static_cast<double>(min) || d > 9007199254740992.0) {
      badArgument(field(key) + " must be an integer of at least " + std::to_string(min));
    }
    return static_cast<int64_t>(d);
  }

  int64_t requiredInteger(const char* key, int64_t min) const {
    if (!has(key)) badArgument(field(key) + " is required");
    return integer(key, 0, min);
  }

  bool flag(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    Napi::Value v = obj_.Get(key);
    if (!v.IsBoolean()) badArgument(field(key) + " must be a boolean");
    return v.As<Napi::Boolean>().Value();
  }

  std::string text(const char* key, const std::string& fallback) const {
    if (!has(key)) return fallback;
    return stringArg(obj_.Get(key), field(key));
  }

  std::vector<double> numbers(const char* key) const {
    std::vector<double> out;
    if (!has(key)) return out;
    Napi::Value v = obj_.Get(key);
    if (v.IsNumber()) {
      out.push_back(number(key, 0));
      return out;
    }
    if (!v.IsArray()) badArgument(field(key) + " must be a number or an array of numbers");
    Napi::Array arr = v.As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      Napi::Value item = arr.Get(i);
      if (!item.IsNumber() || !std::isfinite(item.As<Napi::Number>().DoubleValue())) {
        badArgument(field(key) + " must contain only finite numbers");
      }
      out.push_back(item.As<Napi::Number>().DoubleValue());
    }
    return out;
  }

  /** A [lo, hi] pair; a single number r reads as [center - r, center + r] (Keras's symmetric ranges). */
  std::pair<double, double> range(const char* key, std::pair<double, double> fallback, double center) const {
    if (!has(key)) return fallback;
    std::vector<double> v = numbers(key);
    if (v.size() == 1) {
      if (v[0] < 0) badArgument(field(key) + " must not be negative");
      return {center - v[0], center + v[0]};
    }
    if (v.size() != 2 || v[0] > v[1]) badArgument(field(key) + " must be a number or [lo, hi] with lo <= hi");
    return {v[0], v[1]};
  }

  std::string field(const char* key) const { return where_ + "." + key; }

 private:
  Napi::Object obj_;
  std::string where_;
  bool empty_ = false;
};

}  // namespace cnn
