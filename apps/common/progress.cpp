#include "progress.hpp"

#include <unistd.h>

#include <iostream>

namespace relay::app {

namespace {
constexpr double quiet_seconds = 1.0;    ///< no line in the first second: short runs stay quiet
constexpr double redraw_seconds = 0.25;  ///< a terminal line changes at most 4 times a second
constexpr double newline_seconds = 5.0;  ///< a log (not a terminal) gets a line every 5 s
}  // namespace

bool stderr_is_terminal() {
  return ::isatty(STDERR_FILENO) == 1;
}

progress_line::progress_line(bool enabled, bool in_place)
    : enabled_(enabled), in_place_(in_place) {}

double progress_line::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

bool progress_line::due() const {
  if (!enabled_) return false;
  const double t = elapsed();
  return t >= quiet_seconds && t - last_ >= (in_place_ ? redraw_seconds : newline_seconds);
}

void progress_line::show(const std::string& text) {
  if (!due()) return;
  last_ = elapsed();
  if (in_place_) {
    std::cerr << "\r\033[K" << text << std::flush;
    drawn_ = true;
  } else {
    std::cerr << text << std::endl;
  }
}

void progress_line::clear() {
  if (drawn_) std::cerr << "\r\033[K" << std::flush;
  drawn_ = false;
}

}  // namespace relay::app
