// Must compile: the checks that refuse pointers, views and types without serialize() accept
// every kind of type that relay can send.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "relay/relay.hpp"

namespace {

struct plain {
  int a = 0;
  double b[3] = {};
  std::array<float, 2> c{};
};
struct with_serialize {  // trivially copyable, travels through its serialize()
  int kept = 0;
  int dropped = 0;
  template <class Archive>
  void serialize(Archive& ar, unsigned) {
    ar& kept;
  }
};
struct opted_in {  // a serialize() for other archives, and bytes declared safe
  double x = 0;
  std::int64_t id = 0;
  template <class Archive>
  void serialize(Archive& ar, unsigned) {
    ar& x& id;
  }
};
struct owner {  // not trivially copyable, with a serialize()
  std::string name;
  std::vector<with_serialize> items;
  template <class Archive>
  void serialize(Archive& ar, unsigned) {
    ar& name& items;
  }
};
struct empty {};

}  // namespace

template <>
inline constexpr bool relay::send_as_bytes<opted_in> = true;

template <class T>
void round_trip(const relay::communicator& comm, const T& value) {
  relay::send(comm, value, 0);
  (void)relay::recv<T>(comm, 0);
}

void sendable_types(const relay::communicator& comm) {
  round_trip(comm, plain{});
  round_trip(comm, with_serialize{});
  round_trip(comm, opted_in{});
  round_trip(comm, std::vector<opted_in>{});
  round_trip(comm, owner{});
  round_trip(comm, std::map<std::string, std::vector<owner>>{});
  round_trip(comm, std::vector<empty>{});
  round_trip(comm, std::map<int, empty>{});
  round_trip(comm, std::tuple<int, std::string, std::optional<plain>>{});
  relay::send(comm, std::string_view("abc"), 0);
  relay::send(comm, std::vector<std::string_view>{"a", "b"}, 0);
  (void)relay::recv<std::string>(comm, 0);
  (void)relay::recv<std::vector<std::string>>(comm, 0);
}
