#include "status.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <unordered_map>

#include "relay/error.hpp"

namespace task_farm {

namespace {

constexpr std::array<std::string_view, 6> outcome_words = {"ok",      "failed",      "signal",
                                                           "timeout", "interrupted", "error"};

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t pos = 0;
  for (;;) {
    const auto tab = line.find('\t', pos);
    if (tab == std::string_view::npos) {
      fields.push_back(line.substr(pos));
      return fields;
    }
    fields.push_back(line.substr(pos, tab - pos));
    pos = tab + 1;
  }
}

template <class T>
std::optional<T> parse_int(std::string_view s) {
  T value{};
  const auto* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, value);
  if (ec != std::errc{} || ptr != end || s.empty()) return std::nullopt;
  return value;
}

std::optional<double> parse_double(std::string_view s) {
  double value = 0;
  const auto* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, value);
  if (ec != std::errc{} || ptr != end || s.empty() || !std::isfinite(value)) return std::nullopt;
  return value;
}

}  // namespace

std::string_view to_string(outcome o) {
  const auto i = static_cast<std::size_t>(o);
  return i < outcome_words.size() ? outcome_words[i] : "error";
}

std::optional<outcome> outcome_from_string(std::string_view word) {
  for (std::size_t i = 0; i < outcome_words.size(); ++i)
    if (outcome_words[i] == word) return static_cast<outcome>(i);
  return std::nullopt;
}

std::string_view status_header() {
  return "id\trank\thost\texit\tresult\tstart\tend\telapsed\tattempt\tcommand";
}

std::string escape_field(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::optional<std::string> unescape_field(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    if (++i == text.size()) return std::nullopt;
    switch (text[i]) {
      case '\\':
        out += '\\';
        break;
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      default:
        return std::nullopt;
    }
  }
  return out;
}

std::string format_time(double epoch_seconds) {
  auto ms = static_cast<long long>(std::llround(epoch_seconds * 1000.0));
  auto secs = static_cast<std::time_t>(ms / 1000);
  int millis = static_cast<int>(ms % 1000);
  if (millis < 0) {
    millis += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

std::optional<double> parse_time(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS.mmmZ
  if (text.size() != 24 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != '.' || text[23] != 'Z')
    return std::nullopt;
  const auto year = parse_int<int>(text.substr(0, 4));
  const auto month = parse_int<int>(text.substr(5, 2));
  const auto day = parse_int<int>(text.substr(8, 2));
  const auto hour = parse_int<int>(text.substr(11, 2));
  const auto minute = parse_int<int>(text.substr(14, 2));
  const auto second = parse_int<int>(text.substr(17, 2));
  const auto millis = parse_int<int>(text.substr(20, 3));
  if (!year || !month || !day || !hour || !minute || !second || !millis) return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 ||
      *second > 60)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = *second;
  const std::time_t t = timegm(&tm);
  return static_cast<double>(t) + *millis / 1000.0;
}

std::string format_status_line(const status_line& line) {
  const auto& r = line.rec;
  char elapsed[48];
  std::snprintf(elapsed, sizeof elapsed, "%.3f", r.elapsed);
  std::string out;
  out.reserve(96 + line.host.size() + line.command.size());
  out += std::to_string(r.id);
  out += '\t';
  out += std::to_string(r.rank);
  out += '\t';
  out += escape_field(line.host);
  out += '\t';
  out += std::to_string(r.exit_code);
  out += '\t';
  out += to_string(r.result);
  out += '\t';
  out += format_time(r.start);
  out += '\t';
  out += format_time(r.end);
  out += '\t';
  out += elapsed;
  out += '\t';
  out += std::to_string(r.attempt);
  out += '\t';
  out += escape_field(line.command);
  out += '\n';
  return out;
}

std::optional<status_line> parse_status_line(std::string_view text) {
  const auto f = split_tabs(text);
  if (f.size() != 10) return std::nullopt;
  status_line line;
  const auto id = parse_int<std::int64_t>(f[0]);
  const auto rank = parse_int<std::int32_t>(f[1]);
  auto host = unescape_field(f[2]);
  const auto exit_code = parse_int<std::int32_t>(f[3]);
  const auto result = outcome_from_string(f[4]);
  const auto start = parse_time(f[5]);
  const auto end = parse_time(f[6]);
  const auto elapsed = parse_double(f[7]);
  const auto attempt = parse_int<std::int32_t>(f[8]);
  auto command = unescape_field(f[9]);
  if (!id || *id < 1 || !rank || *rank < 0 || !host || !exit_code || !result || !start || !end ||
      !elapsed || *elapsed < 0 || !attempt || *attempt < 1 || !command)
    return std::nullopt;
  line.rec = {*id, *rank, *exit_code, *result, *attempt, *start, *end, *elapsed};
  line.host = std::move(*host);
  line.command = std::move(*command);
  return line;
}

status_log_contents parse_status_log(std::string_view text) {
  status_log_contents out;
  const auto header_end = text.find('\n');
  const std::string_view header = text.substr(0, header_end);
  if (header_end == std::string_view::npos || header != status_header())
    throw relay::usage_error("status.tsv does not start with the farm's header line");
  std::size_t pos = header_end + 1;
  out.complete_bytes = pos;
  std::size_t line_no = 1;
  while (pos < text.size()) {
    ++line_no;
    const auto end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      out.torn_tail = true;  // cut off mid-write: the attempt counts as not logged
      break;
    }
    auto parsed = parse_status_line(text.substr(pos, end - pos));
    if (!parsed)
      throw relay::usage_error(
          "status.tsv line " + std::to_string(line_no) + " is not a status line: '" +
          std::string(text.substr(pos, std::min<std::size_t>(end - pos, 80))) + "'");
    out.lines.push_back(std::move(*parsed));
    pos = end + 1;
    out.complete_bytes = pos;
  }
  return out;
}

run_plan plan_run(const std::vector<task>& tasks, const std::vector<status_line>& history,
                  bool skip_failed) {
  std::unordered_map<std::int64_t, std::size_t> index;
  index.reserve(tasks.size());
  for (std::size_t i = 0; i < tasks.size(); ++i) index.emplace(tasks[i].id, i);
  std::vector<std::int32_t> last_attempt(tasks.size(), 0);
  std::vector<bool> succeeded(tasks.size(), false);
  std::vector<bool> ended(tasks.size(), false);  // its last attempt ended, not interrupted
  for (const auto& line : history) {
    const auto it = index.find(line.rec.id);
    if (it == index.end())
      throw relay::usage_error(
          "the log has task " + std::to_string(line.rec.id) + " ('" + line.command.substr(0, 60) +
          "'), but line " + std::to_string(line.rec.id) +
          " of the task file is no task now: the task file was edited, so line "
          "numbers (the task ids) no longer match the log");
    const task& t = tasks[it->second];
    if (t.command != line.command)
      throw relay::usage_error(
          "the log has task " + std::to_string(t.id) + " as '" + line.command.substr(0, 60) +
          "', but line " + std::to_string(t.id) + " of the task file is now '" +
          t.command.substr(0, 60) +
          "': the task file was edited, so line numbers (the task ids) no longer "
          "match the log");
    if (line.rec.attempt >= last_attempt[it->second])
      ended[it->second] = line.rec.result != outcome::interrupted;
    last_attempt[it->second] = std::max(last_attempt[it->second], line.rec.attempt);
    if (line.rec.result == outcome::ok) succeeded[it->second] = true;
  }
  run_plan plan;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (succeeded[i]) {
      ++plan.already_succeeded;
      continue;
    }
    if (skip_failed && ended[i]) {
      ++plan.already_failed;
      continue;
    }
    plan.to_run.push_back({tasks[i], last_attempt[i] + 1});
  }
  return plan;
}

}  // namespace task_farm
