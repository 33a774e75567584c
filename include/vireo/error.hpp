// vireo — error type shared by every layer.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace vireo {

// Every failure the engine reports to a user is a vireo::Error whose what() is
// one self-contained line (no trailing newline), suitable for a CLI's stderr.
class Error : public std::runtime_error {
public:
    explicit Error(const std::string& msg) : std::runtime_error(msg) {}
};

namespace detail {
template <class... A>
std::string cat(const A&... a) {
    std::ostringstream os;
    (os << ... << a);
    return os.str();
}
}  // namespace detail

template <class... A>
[[noreturn]] void fail(const A&... a) {
    throw Error(detail::cat(a...));
}

template <class... A>
inline void check(bool ok, const A&... a) {
    if (!ok) fail(a...);
}

}  // namespace vireo
