// Must not compile: a copyable struct with a std::vector<std::string> member and no serialize(),
// gathered. The message names the element type, not the vector it sits in.

#include <string>
#include <vector>

#include "relay/relay.hpp"

struct sample {
  std::vector<std::string> labels;
  double value = 0;
};

void gather_samples(const relay::communicator& comm, const std::vector<sample>& mine) {
  (void)relay::gather(comm, mine, 0);
}
