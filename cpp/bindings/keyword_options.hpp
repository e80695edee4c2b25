// keyword_options: Python keyword arguments -> a C++ options struct; an unknown name is an error.
#pragma once

#include <pybind11/pybind11.h>

#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace carrierdb::bindings {
namespace py = pybind11;

/// Reads the keyword arguments of one call into an options struct. Each option is named once, in
/// the take() that reads it, and that list is also what finish() offers as the known names when a
/// keyword matched none: a misspelled option is a ConfigurationError, never silently ignored.
/// None means "the default" for every option.
///
///     keyword_options kw("seed", kwargs);
///     kw.take("dry_run", out.dry_run);
///     kw.take_with("progress", [&](const py::object &callback) { ... });
///     kw.finish();
class keyword_options {
public:
  /// `what` names the options in messages ("seed option(s)", "connect() option(s)").
  keyword_options(std::string what, const py::kwargs &kwargs);

  /// The option as a T when it was given (and is not None); a value of the wrong type is a
  /// ConfigurationError naming the option and what it takes.
  template <class T>
  std::optional<T> get(const char *name) {
    std::optional<T> out;
    take_with(name, [&](const py::object &given) {
      try {
        out = given.cast<T>();
      } catch (const py::cast_error &) {
        wrong_type(name, expected<T>(), given);
      }
    });
    return out;
  }

  /// Sets `out` to the option when it was given (and is not None), as get() reads it.
  template <class T>
  void take(const char *name, T &out) {
    if (std::optional<T> given = get<T>(name)) out = std::move(*given);
  }

  /// Calls `apply(value)` when the option was given (and is not None).
  template <class Apply>
  void take_with(const char *name, Apply &&apply) {
    m_known.emplace_back(name);
    const py::str key(name);
    if (!m_kwargs.contains(key)) return;
    py::object given = m_kwargs[key];
    ++m_taken;
    if (!given.is_none()) apply(given);
  }

  /// Throws ConfigurationError when a keyword was none of the options taken.
  void finish() const;

private:
  /// What a value of T is called in Python, for the message about a value of another type.
  template <class T>
  static constexpr const char *expected() {
    if constexpr (std::is_same_v<T, bool>) return "True or False";
    else if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T>) return "a non-negative int";
    else if constexpr (std::is_integral_v<T>) return "an int";
    else if constexpr (std::is_floating_point_v<T>) return "a number";
    else return "a str";
  }
  [[noreturn]] void wrong_type(const char *name, const char *expected, const py::object &given) const;

  std::string m_what;
  py::kwargs m_kwargs;
  std::vector<std::string> m_known;
  std::size_t m_taken = 0;
};

}  // namespace carrierdb::bindings
