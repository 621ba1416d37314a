#include "protocol.hpp"

#include <cstring>
#include <stdexcept>
#include <type_traits>

namespace task_farm {

namespace {

class writer {
 public:
  template <class T>
  void put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto* p = reinterpret_cast<const char*>(&value);
    bytes_.insert(bytes_.end(), p, p + sizeof(T));
  }
  void put_string(const std::string& s) {
    put(static_cast<std::uint64_t>(s.size()));
    bytes_.insert(bytes_.end(), s.begin(), s.end());
  }
  std::vector<char> take() { return std::move(bytes_); }

 private:
  std::vector<char> bytes_;
};

class reader {
 public:
  explicit reader(std::span<const char> bytes) : bytes_(bytes) {}
  template <class T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>);
    need(sizeof(T));
    T value;
    std::memcpy(&value, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }
  std::string get_string() {
    const auto size = get<std::uint64_t>();
    need(size);
    std::string s(bytes_.data() + pos_, static_cast<std::size_t>(size));
    pos_ += static_cast<std::size_t>(size);
    return s;
  }
  void finish() const {
    if (pos_ != bytes_.size()) throw std::runtime_error("task_farm message: trailing bytes");
  }

 private:
  void need(std::uint64_t n) const {
    if (n > bytes_.size() - pos_) throw std::runtime_error("task_farm message: truncated");
  }
  std::span<const char> bytes_;
  std::size_t pos_ = 0;
};

// A record's fields one by one (not the struct's bytes, which include padding).
void put_record(writer& w, const attempt_record& r) {
  w.put(r.id);
  w.put(r.rank);
  w.put(r.exit_code);
  w.put(static_cast<std::int32_t>(r.result));
  w.put(r.attempt);
  w.put(r.start);
  w.put(r.end);
  w.put(r.elapsed);
}

attempt_record get_record(reader& rd) {
  attempt_record r;
  r.id = rd.get<std::int64_t>();
  r.rank = rd.get<std::int32_t>();
  r.exit_code = rd.get<std::int32_t>();
  const auto result = rd.get<std::int32_t>();
  if (result < 0 || result > static_cast<std::int32_t>(outcome::error))
    throw std::runtime_error("task_farm message: bad outcome");
  r.result = static_cast<outcome>(result);
  r.attempt = rd.get<std::int32_t>();
  r.start = rd.get<double>();
  r.end = rd.get<double>();
  r.elapsed = rd.get<double>();
  return r;
}

}  // namespace

std::vector<char> encode(const worker_msg& msg) {
  writer w;
  w.put(static_cast<std::int32_t>(msg.kind));
  w.put(msg.want);
  w.put(msg.signal);
  w.put(msg.cpu_seconds);
  w.put(static_cast<std::uint64_t>(msg.records.size()));
  for (const auto& r : msg.records) put_record(w, r);
  return w.take();
}

std::vector<char> encode(const master_msg& msg) {
  writer w;
  w.put(static_cast<std::int32_t>(msg.kind));
  w.put(static_cast<std::int32_t>(msg.mode));
  w.put(msg.grace);
  w.put(static_cast<std::uint64_t>(msg.tasks.size()));
  for (const auto& t : msg.tasks) {
    w.put(t.id);
    w.put(t.first_attempt);
    w.put_string(t.command);
  }
  return w.take();
}

worker_msg decode_worker_msg(std::span<const char> bytes) {
  reader rd(bytes);
  worker_msg msg;
  const auto kind = rd.get<std::int32_t>();
  if (kind < 1 || kind > 3) throw std::runtime_error("task_farm message: bad worker kind");
  msg.kind = static_cast<msg_kind>(kind);
  msg.want = rd.get<std::int32_t>();
  msg.signal = rd.get<std::int32_t>();
  msg.cpu_seconds = rd.get<double>();
  const auto n = rd.get<std::uint64_t>();
  if (n > bytes.size()) throw std::runtime_error("task_farm message: bad count");
  msg.records.reserve(static_cast<std::size_t>(n));
  for (std::uint64_t i = 0; i < n; ++i) msg.records.push_back(get_record(rd));
  rd.finish();
  return msg;
}

master_msg decode_master_msg(std::span<const char> bytes) {
  reader rd(bytes);
  master_msg msg;
  const auto kind = rd.get<std::int32_t>();
  if (kind < 10 || kind > 12) throw std::runtime_error("task_farm message: bad master kind");
  msg.kind = static_cast<msg_kind>(kind);
  const auto mode = rd.get<std::int32_t>();
  if (mode < 0 || mode > 2) throw std::runtime_error("task_farm message: bad stop mode");
  msg.mode = static_cast<stop_mode>(mode);
  msg.grace = rd.get<double>();
  const auto n = rd.get<std::uint64_t>();
  if (n > bytes.size()) throw std::runtime_error("task_farm message: bad count");
  msg.tasks.reserve(static_cast<std::size_t>(n));
  for (std::uint64_t i = 0; i < n; ++i) {
    assignment a;
    a.id = rd.get<std::int64_t>();
    a.first_attempt = rd.get<std::int32_t>();
    a.command = rd.get_string();
    msg.tasks.push_back(std::move(a));
  }
  rd.finish();
  return msg;
}

}  // namespace task_farm
