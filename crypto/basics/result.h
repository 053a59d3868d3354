// Errors are values at the boundaries: Result<T> holds a T or a reason.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace nl {

struct Error {
  std::string reason;
};

inline Error fail(std::string reason) { return Error{std::move(reason)}; }

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error e) : v_(std::move(e)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const std::string& error() const { return std::get<1>(v_).reason; }
  Error take_error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void> analogue.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error e) : err_(std::move(e.reason)) {}
  static Status success() { return Status(); }
  bool ok() const { return !err_; }
  explicit operator bool() const { return ok(); }
  const std::string& error() const { return *err_; }
  Error take_error() const { return Error{*err_}; }

 private:
  std::optional<std::string> err_;
};

}  // namespace nl
