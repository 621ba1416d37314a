#include "app.hpp"

#include <mpi.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "relay/environment.hpp"
#include "relay/error.hpp"

namespace relay::app {

namespace {

std::string quoted(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

[[noreturn]] void bad_count(std::string_view text, std::string_view what, std::string_view why) {
  throw usage_error(std::string(what) + " " + std::string(why) + " (got " + quoted(text) + ")");
}

/// Parses digits into a 64-bit value; false on overflow.
bool digits_to_u64(std::string_view digits, std::uint64_t& out) {
  out = 0;
  for (char c : digits) {
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (out > (UINT64_MAX - d) / 10) return false;
    out = out * 10 + d;
  }
  return true;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

/// How long a failing rank waits for the others to fail too before it aborts the job.
constexpr std::chrono::seconds agreement_grace{10};

}  // namespace

std::uint64_t parse_count(std::string_view text, std::string_view what, std::uint64_t max) {
  std::string_view s = text;
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (!s.empty() && s.front() == '-') bad_count(text, what, "must not be negative");
  // Split "<mantissa>[e<exponent>]", with the mantissa "<int>[.<frac>]".
  std::string_view mantissa = s, exponent_text;
  if (auto e = s.find_first_of("eE"); e != std::string_view::npos) {
    mantissa = s.substr(0, e);
    exponent_text = s.substr(e + 1);
    if (!exponent_text.empty() && exponent_text.front() == '+') exponent_text.remove_prefix(1);
    if (!all_digits(exponent_text)) bad_count(text, what, "must be a non-negative integer");
  }
  std::string_view int_part = mantissa, frac_part;
  if (auto dot = mantissa.find('.'); dot != std::string_view::npos) {
    int_part = mantissa.substr(0, dot);
    frac_part = mantissa.substr(dot + 1);
  }
  if ((int_part.empty() && frac_part.empty()) || (!int_part.empty() && !all_digits(int_part)) ||
      (!frac_part.empty() && !all_digits(frac_part)))
    bad_count(text, what, "must be a non-negative integer");
  // value = digits(int_part frac_part) * 10^(exponent - len(frac_part)), exactly.
  std::uint64_t exponent = 0;
  if (!exponent_text.empty() &&
      (exponent_text.size() > 4 || !digits_to_u64(exponent_text, exponent)))
    bad_count(text, what, "is too large");
  std::string digits = std::string(int_part) + std::string(frac_part);
  const auto frac_len = static_cast<std::int64_t>(frac_part.size());
  std::int64_t shift = static_cast<std::int64_t>(exponent) - frac_len;
  // Drop trailing zeros that a negative shift would divide away.
  while (shift < 0 && !digits.empty() && digits.back() == '0') {
    digits.pop_back();
    ++shift;
  }
  if (shift < 0) bad_count(text, what, "must be a whole number");
  const auto first = digits.find_first_not_of('0');
  digits = first == std::string::npos ? "0" : digits.substr(first);
  std::uint64_t value = 0;
  if (!digits_to_u64(digits, value)) bad_count(text, what, "is too large");
  for (std::int64_t i = 0; i < shift && value != 0; ++i) {
    if (value > UINT64_MAX / 10) bad_count(text, what, "is too large");
    value *= 10;
  }
  if (value > max) bad_count(text, what, "is too large: the limit is " + std::to_string(max));
  return value;
}

void parse(CLI::App& cli, int argc, char** argv, const communicator& comm) {
  try {
    cli.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    if (comm.rank() == 0) std::cout << cli.help();
    throw exit_request{exit_ok};
  } catch (const CLI::CallForAllHelp&) {
    if (comm.rank() == 0) std::cout << cli.help("", CLI::AppFormatMode::All);
    throw exit_request{exit_ok};
  } catch (const CLI::CallForVersion&) {
    if (comm.rank() == 0) std::cout << cli.version() << "\n";
    throw exit_request{exit_ok};
  } catch (const CLI::ParseError& e) {
    throw usage_error(e.what());
  }
}

namespace {

/// True if every rank of `agreement` reaches this point within the grace period.
bool all_ranks_failed(MPI_Comm agreement) {
  MPI_Request request = MPI_REQUEST_NULL;
  if (MPI_Ibarrier(agreement, &request) != MPI_SUCCESS) return false;
  const auto deadline = std::chrono::steady_clock::now() + agreement_grace;
  for (;;) {
    int done = 0;
    if (MPI_Test(&request, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS) return false;
    if (done) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

/// Ends an app whose body threw: a clean shared exit when every rank failed alike, else abort.
int fail(MPI_Comm agreement, int rank, std::string_view name, const std::string& message,
         int code) {
  if (all_ranks_failed(agreement)) {
    if (rank == 0) std::cerr << name << ": " << message << std::endl;
    return code;
  }
  std::cerr << name << ": rank " << rank << ": " << message
            << " (other ranks did not fail; aborting the job)" << std::endl;
  MPI_Abort(MPI_COMM_WORLD, code);
  return code;
}

}  // namespace

int run(int argc, char** argv, std::string_view name,
        const std::function<int(int, char**, const communicator&)>& body, thread_level level) {
  relay::environment env(argc, argv, level);
  const communicator world;
  MPI_Comm agreement = MPI_COMM_NULL;
  MPI_Comm_dup(MPI_COMM_WORLD, &agreement);
  int code = exit_ok;
  try {
    code = body(argc, argv, world);
  } catch (const exit_request& request) {
    code = request.code;
  } catch (const usage_error& e) {
    code = fail(agreement, world.rank(), name, std::string(e.what()) + "; see --help", exit_usage);
  } catch (const std::exception& e) {
    code = fail(agreement, world.rank(), name, std::string("error: ") + e.what(), exit_failure);
  }
  MPI_Comm_free(&agreement);
  return code;
}

}  // namespace relay::app
