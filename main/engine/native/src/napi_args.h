// Reading Node-API arguments with messages that name the bad one, and turning them into JS errors.
#pragma once
#include <node_api.h>
#include <exception>
#include <new>
#include <string>
#include <vector>

namespace {

struct ArgError {
  std::string message;
};

void check(napi_env env, napi_status status) {
  if (status != napi_ok) throw ArgError{"internal Node-API error"};
}

struct Args {
  napi_env env;
  std::vector<napi_value> v;
  const char* fn;
  Args(napi_env e, napi_callback_info info, size_t n, const char* name) : env(e), v(n), fn(name) {
    size_t argc = n;
    check(env, napi_get_cb_info(env, info, &argc, v.data(), nullptr, nullptr));
    if (argc < n) throw ArgError{std::string(fn) + ": expected " + std::to_string(n) + " arguments"};
  }
  // A whole number in 0 .. 2³¹−1 (not truncated or wrapped: 1.5 or 2³² are refused).
  int i32(size_t k, const char* what) {
    double out;
    if (napi_get_value_double(env, v[k], &out) != napi_ok || !(out >= 0) || out > 2147483647.0 || out != (double)(int)out)
      throw ArgError{std::string(fn) + ": " + what + " must be a whole number from 0 to 2147483647"};
    return (int)out;
  }
  double f64(size_t k, const char* what) {
    double out;
    if (napi_get_value_double(env, v[k], &out) != napi_ok) throw ArgError{std::string(fn) + ": " + what + " must be a number"};
    return out;
  }
  bool flag(size_t k, const char* what) {
    bool out;
    if (napi_get_value_bool(env, v[k], &out) != napi_ok) throw ArgError{std::string(fn) + ": " + what + " must be a boolean"};
    return out;
  }
  // A Float32Array of at least `need` elements (or null when `optional`).
  float* floats(size_t k, size_t need, const char* what, bool optional = false) {
    napi_valuetype type;
    check(env, napi_typeof(env, v[k], &type));
    if (optional && (type == napi_null || type == napi_undefined)) return nullptr;
    bool is;
    check(env, napi_is_typedarray(env, v[k], &is));
    if (!is) throw ArgError{std::string(fn) + ": " + what + " must be a Float32Array"};
    napi_typedarray_type t;
    size_t length;
    void* data;
    check(env, napi_get_typedarray_info(env, v[k], &t, &length, &data, nullptr, nullptr));
    if (t != napi_float32_array) throw ArgError{std::string(fn) + ": " + what + " must be a Float32Array"};
    if (length < need)
      throw ArgError{std::string(fn) + ": " + what + " holds " + std::to_string(length) + " floats, needs " + std::to_string(need)};
    return static_cast<float*>(data);
  }
};

template <typename F>
napi_value guarded(napi_env env, F body) {
  try {
    body();
  } catch (const ArgError& e) {
    napi_throw_type_error(env, nullptr, e.message.c_str());
  } catch (const std::bad_alloc&) {
    napi_throw_error(env, nullptr, "native kernels: out of memory");
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, (std::string("native kernels: ") + e.what()).c_str());
  }
  return nullptr;
}

}  // namespace
