// Status and Result<T>: expected failures (bad input, I/O) as values, in the style of LevelDB.
// A Status is cheap to copy when ok; an error carries a short machine code and a human detail.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace vigil {

class Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  // `code` is a stable snake_case identifier (shown to clients and used as a metric label);
  // `detail` is for humans.
  static Status Error(std::string code, std::string detail = {}) {
    Status s;
    s.code_ = std::move(code);
    s.detail_ = std::move(detail);
    return s;
  }
  bool ok() const { return code_.empty(); }
  const std::string& code() const { return code_; }
  const std::string& detail() const { return detail_; }
  std::string ToString() const { return ok() ? "ok" : detail_.empty() ? code_ : code_ + ": " + detail_; }

 private:
  std::string code_;
  std::string detail_;
};

// Either a value or an error Status.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) { assert(!status_.ok()); }  // NOLINT
  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace vigil
