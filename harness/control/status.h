// Status and Result: how harness errors cross module interfaces (STYLE.md, tier 2).
//
// An error is a message that names the place ("node n3: cannot start kvd: ..."); it is
// returned, never thrown across an interface. What a system under test did is never an
// error here: that is an op's ok/fail/info.
//
// Thread-safety: plain value types.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace coordcheck::control {

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

// A value or an error message.
template <class T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit, like std::expected
  Result(Status error) : error_(std::move(error)) {}  // NOLINT; `error` must not be ok
  static Result Error(std::string message) { return Result(Status::Error(std::move(message))); }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Status& status() const { return error_; }
  const std::string& message() const { return error_.message(); }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status error_;
};

}  // namespace coordcheck::control
