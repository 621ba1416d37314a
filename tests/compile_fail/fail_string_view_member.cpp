// Must not compile: a trivially copyable struct that holds a std::string_view (a pointer and a
// length) and no serialize(), in a vector.

#include <string_view>
#include <vector>

#include "relay/relay.hpp"

struct entry {
  std::string_view name;
  int count = 0;
};

void send_entries(const relay::communicator& comm, const std::vector<entry>& entries) {
  relay::send(comm, entries, 0);
}
