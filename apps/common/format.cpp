#include "format.hpp"

#include <cstdio>

namespace relay::app {

std::string format(const char* spec, double value) {
  const int n = std::snprintf(nullptr, 0, spec, value);
  std::string out(static_cast<std::size_t>(n > 0 ? n : 0), '\0');
  std::snprintf(out.data(), out.size() + 1, spec, value);
  return out;
}

std::string fixed(double value, int digits) {
  const int n = std::snprintf(nullptr, 0, "%.*f", digits, value);
  std::string out(static_cast<std::size_t>(n > 0 ? n : 0), '\0');
  std::snprintf(out.data(), out.size() + 1, "%.*f", digits, value);
  return out;
}

}  // namespace relay::app
