#pragma once
// Number formatting that the apps' reports share.

#include <string>

namespace relay::app {

/// `value` formatted by the printf conversion `spec`, e.g. format("%.3e", x).
[[nodiscard]] std::string format(const char* spec, double value);

/// `value` with `digits` digits after the point, e.g. fixed(2.5, 3) == "2.500".
[[nodiscard]] std::string fixed(double value, int digits);

}  // namespace relay::app
