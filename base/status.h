// Status and Result: how errors cross module interfaces in every layer (STYLE.md, tier 2).
//
// An error is a message that names the place ("node n3: cannot start kvd: ...",
// "history.jsonl:12: missing field 'f'"); it is returned, never thrown across an interface.
// What a system under test did is never an error here: that is an op's ok/fail/info.
//
// A Status is truthy when ok (`if (!st) return st;`), like a Result. Reading the value of a
// Result that holds an error is a programmer error: it asserts (STYLE.md, tier 3), in every
// build type, instead of being undefined behaviour.
//
// Thread-safety: plain value types.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

namespace coordcheck {

class Status {
 public:
  Status() = default;  // ok
  static Status Ok() { return Status(); }
  static Status Error(std::string message) {
    Status s;
    s.error_ = std::move(message);
    s.failed_ = true;
    return s;
  }
  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  // The error message; empty when ok.
  const std::string& message() const { return error_; }
  // The same error with `context + ": "` in front (no-op when ok).
  Status Wrap(const std::string& context) const {
    return ok() ? *this : Error(context + ": " + error_);
  }

 private:
  std::string error_;
  bool failed_ = false;
};

namespace status_internal {
// Reports the misuse and aborts: a Result's value read while it holds an error.
[[noreturn]] inline void ValueOfError(const std::string& message) {
  std::fprintf(stderr, "coordcheck: Result::value() on an error: %s\n", message.c_str());
  std::abort();
}
}  // namespace status_internal

// A value or an error message.
template <class T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}      // NOLINT: implicit, like std::expected
  Result(Status error) : error_(std::move(error)) {  // NOLINT; `error` must not be ok
    if (error_.ok()) error_ = Status::Error("an ok Status given as a Result's error");
  }
  static Result Error(std::string message) { return Result(Status::Error(std::move(message))); }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Status& status() const { return error_; }
  const std::string& message() const { return error_.message(); }
  T& value() & { return Checked(), *value_; }
  const T& value() const& { return Checked(), *value_; }
  T&& value() && { return Checked(), std::move(*value_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  void Checked() const {
    if (!value_.has_value()) status_internal::ValueOfError(error_.message());
  }

  std::optional<T> value_;
  Status error_;
};

}  // namespace coordcheck
