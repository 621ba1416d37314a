// Must not compile: a received std::string_view would view memory that is gone once the receive
// returns; receive a std::vector<std::string> instead.

#include <string_view>
#include <vector>

#include "relay/relay.hpp"

std::vector<std::string_view> receive_names(const relay::communicator& comm) {
  return relay::recv<std::vector<std::string_view>>(comm, 0);
}
