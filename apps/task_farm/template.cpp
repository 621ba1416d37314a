#include "template.hpp"

#include <charconv>
#include <cstring>
#include <optional>

#include "relay/error.hpp"
#include "taskfile.hpp"

namespace task_farm {

namespace {

bool is_marker(const char* arg) {
  return std::strcmp(arg, ":::") == 0 || std::strcmp(arg, "::::") == 0;
}

/// A replacement string at the start of `text`: its length, the source (0: all) and modifier.
struct replacement {
  std::size_t length = 0;
  bool seq = false;      ///< {#}
  std::size_t arg = 0;   ///< 1-based; 0 for every argument
  std::string_view mod;  ///< "", ".", "/", "//" or "/."
};

std::optional<replacement> match(std::string_view text) {
  if (text.size() < 2 || text[0] != '{') return std::nullopt;
  const auto close = text.find('}');
  if (close == std::string_view::npos) return std::nullopt;
  const std::string_view inner = text.substr(1, close - 1);
  replacement r;
  r.length = close + 1;
  if (inner == "#") {
    r.seq = true;
    return r;
  }
  std::size_t digits = 0;
  while (digits < inner.size() && inner[digits] >= '0' && inner[digits] <= '9') ++digits;
  if (digits > 0) {
    const auto [p, ec] = std::from_chars(inner.data(), inner.data() + digits, r.arg);
    if (ec != std::errc{} || r.arg == 0) r.arg = static_cast<std::size_t>(-1);  // out of range
  }
  r.mod = inner.substr(digits);
  if (r.mod != "" && r.mod != "." && r.mod != "/" && r.mod != "//" && r.mod != "/.")
    return std::nullopt;
  return r;
}

std::string drop_extension(std::string_view s) {
  const auto dot = s.rfind('.');
  if (dot == std::string_view::npos || s.find('/', dot) != std::string_view::npos)
    return std::string(s);
  return std::string(s.substr(0, dot));
}

std::string_view basename(std::string_view s) {
  const auto slash = s.rfind('/');
  return slash == std::string_view::npos ? s : s.substr(slash + 1);
}

std::string dirname(std::string_view s) {
  while (s.size() > 1 && s.back() == '/') s.remove_suffix(1);
  const auto slash = s.rfind('/');
  if (slash == std::string_view::npos) return ".";
  s = s.substr(0, slash);
  while (s.size() > 1 && s.back() == '/') s.remove_suffix(1);
  return s.empty() ? "/" : std::string(s);
}

std::string modified(std::string_view arg, std::string_view mod) {
  if (mod == ".") return drop_extension(arg);
  if (mod == "/") return std::string(basename(arg));
  if (mod == "//") return dirname(arg);
  if (mod == "/.") return drop_extension(basename(arg));
  return std::string(arg);
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    pos = end + 1;
  }
  return lines;
}

}  // namespace

std::vector<arg_source> split_sources(int& argc, char** argv) {
  int first = 1;
  while (first < argc && !is_marker(argv[first])) ++first;
  std::vector<arg_source> sources;
  for (int i = first; i < argc;) {
    const bool file = std::strcmp(argv[i], "::::") == 0;
    const std::string marker = argv[i++];
    const int start = i;
    while (i < argc && !is_marker(argv[i])) ++i;
    if (i == start)
      throw relay::usage_error(marker + (file ? " needs one or more argument files after it"
                                              : " needs one or more arguments after it"));
    for (int j = start; j < i; ++j) {
      if (file)
        sources.push_back({true, {argv[j]}});
      else if (j == start)
        sources.push_back({false, {argv[j]}});
      else
        sources.back().values.emplace_back(argv[j]);
    }
  }
  argc = first;
  return sources;
}

std::string shell_quote(std::string_view word) {
  if (!word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789-_+./") == std::string_view::npos)
    return std::string(word);
  std::string out = "'";
  for (char c : word) {
    if (c == '\'')
      out += "'\"'\"'";
    else
      out += c;
  }
  out += '\'';
  // parallel drops the empty quotes that a leading or trailing ' leaves: '"'"'a' is "'"'a'.
  if (out.size() > 2 && out.starts_with("''")) out.erase(0, 2);
  if (out.size() > 2 && out.ends_with("''")) out.erase(out.size() - 2);
  return out;
}

void check_template(std::string_view templ, std::size_t sources) {
  if (templ.find_first_of("\n\r") != std::string_view::npos)
    throw relay::usage_error("--template must be one line (it holds a newline)");
  const auto first = templ.find_first_not_of(" \t\f\v");
  if (first == std::string_view::npos) throw relay::usage_error("--template is blank");
  if (templ[first] == '#')
    throw relay::usage_error("--template must not start with '#' (a comment in a task file)");
  for (std::size_t i = 0; i < templ.size(); ++i) {
    const auto r = match(templ.substr(i));
    if (!r) continue;
    if (!r->seq && r->arg > sources)
      throw relay::usage_error("--template uses " + std::string(templ.substr(i, r->length)) +
                               ", but there " + (sources == 1 ? "is " : "are ") +
                               std::to_string(sources) + " input source" +
                               (sources == 1 ? "" : "s") + " (::: or ::::)");
    i += r->length - 1;
  }
}

std::string expand_template(std::string_view templ, std::span<const std::string> args,
                            std::int64_t seq) {
  std::string out;
  bool replaced = false;
  const auto all = [&](std::string_view mod) {
    for (std::size_t k = 0; k < args.size(); ++k) {
      if (k > 0) out += ' ';
      out += shell_quote(modified(args[k], mod));
    }
  };
  for (std::size_t i = 0; i < templ.size();) {
    const auto r = match(templ.substr(i));
    if (!r) {
      out += templ[i++];
      continue;
    }
    replaced = true;
    if (r->seq)
      out += std::to_string(seq);
    else if (r->arg == 0)
      all(r->mod);
    else if (r->arg <= args.size())
      out += shell_quote(modified(args[r->arg - 1], r->mod));
    i += r->length;
  }
  if (!replaced) {
    out += ' ';
    all("");
  }
  return out;
}

std::string expand_sweep(std::string_view templ, std::vector<arg_source> sources) {
  check_template(templ, sources.size());
  std::size_t total = 1;
  for (std::size_t s = 0; s < sources.size(); ++s) {
    auto& src = sources[s];
    const std::string name = src.file ? "argument file '" + src.values.at(0) + "'"
                                      : "::: source " + std::to_string(s + 1);
    if (src.file) src.values = split_lines(read_file(src.values.at(0), "argument file"));
    if (src.values.empty()) throw relay::usage_error(name + " holds no arguments");
    for (std::size_t k = 0; k < src.values.size(); ++k)
      if (src.values[k].find_first_of("\n\r") != std::string::npos)
        throw relay::usage_error(name + ": argument " + std::to_string(k + 1) +
                                 " holds a newline (a task is one line)");
    if (total > max_sweep_tasks / src.values.size())
      throw relay::usage_error("the sweep has more than " + std::to_string(max_sweep_tasks) +
                               " tasks");
    total *= src.values.size();
  }
  std::string text;
  std::vector<std::size_t> at(sources.size(), 0);
  std::vector<std::string> args(sources.size());
  for (std::size_t n = 0; n < total; ++n) {
    for (std::size_t s = 0; s < sources.size(); ++s) args[s] = sources[s].values[at[s]];
    text += expand_template(templ, args, static_cast<std::int64_t>(n + 1));
    text += '\n';
    for (std::size_t s = sources.size(); s-- > 0;) {  // the last source varies fastest
      if (++at[s] < sources[s].values.size()) break;
      at[s] = 0;
    }
  }
  return text;
}

}  // namespace task_farm
