// Reading Node-API arguments with messages that name the bad one, and turning them into JS errors.
#pragma once
#include <node_api.h>
#include <exception>
#include <new>
#include <string>

namespace {

struct ArgError {
  std::string message;
};

void check(napi_env env, napi_status status) {
  if (status != napi_ok) throw ArgError{"internal Node-API error"};
}

// A call's one argument: an object whose named properties are read one by one, so a missing or mistyped
// property is refused by its name.
struct Args {
  napi_env env;
  napi_value obj;
  const char* fn;
  Args(napi_env e, napi_callback_info info, const char* name) : env(e), obj(nullptr), fn(name) {
    size_t argc = 1;
    check(env, napi_get_cb_info(env, info, &argc, &obj, nullptr, nullptr));
    napi_valuetype type = napi_undefined;
    if (argc == 1) check(env, napi_typeof(env, obj, &type));
    if (type != napi_object) throw ArgError{std::string(fn) + ": expected one object of named arguments"};
  }
  napi_value get(const char* what) {
    napi_value out;
    check(env, napi_get_named_property(env, obj, what, &out));
    return out;
  }
  ArgError bad(const char* what, const char* must) { return ArgError{std::string(fn) + ": " + what + " must be " + must}; }
  // A whole number in 0 .. 2³¹−1 (not truncated or wrapped: 1.5 or 2³² are refused).
  int i32(const char* what) {
    double out;
    if (napi_get_value_double(env, get(what), &out) != napi_ok || !(out >= 0) || out > 2147483647.0 || out != (double)(int)out)
      throw bad(what, "a whole number from 0 to 2147483647");
    return (int)out;
  }
  double f64(const char* what) {
    double out;
    if (napi_get_value_double(env, get(what), &out) != napi_ok) throw bad(what, "a number");
    return out;
  }
  bool flag(const char* what) {
    bool out;
    if (napi_get_value_bool(env, get(what), &out) != napi_ok) throw bad(what, "a boolean");
    return out;
  }
  // A typed array of `type`: its data and length. With `present`, null or undefined is allowed too (and
  // clears *present).
  void* typed(const char* what, napi_typedarray_type type, const char* must, size_t* length, bool* present = nullptr) {
    napi_value v = get(what);
    napi_valuetype vt;
    check(env, napi_typeof(env, v, &vt));
    if (present) *present = !(vt == napi_null || vt == napi_undefined);
    if (present && !*present) return nullptr;
    bool is;
    check(env, napi_is_typedarray(env, v, &is));
    napi_typedarray_type t = napi_int8_array;
    void* data = nullptr;
    if (is) check(env, napi_get_typedarray_info(env, v, &t, length, &data, nullptr, nullptr));
    if (!is || t != type) throw bad(what, must);
    return data;
  }
  // A Float32Array of at least `need` elements (or null when `optional`).
  float* floats(const char* what, size_t need, bool optional = false) {
    size_t length = 0;
    bool present = true;
    float* data = static_cast<float*>(typed(what, napi_float32_array, "a Float32Array", &length, optional ? &present : nullptr));
    if (present && length < need)
      throw ArgError{std::string(fn) + ": " + what + " holds " + std::to_string(length) + " floats, needs " + std::to_string(need)};
    return data;
  }
  // A whole Float32Array, however long: its data and length.
  float* floats(const char* what, size_t* length) { return static_cast<float*>(typed(what, napi_float32_array, "a Float32Array", length)); }
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
