// Must not compile: the struct of fail_unique_ptr_send.cpp, gathered: the collectives refuse it
// with the same message as send.

#include <memory>
#include <string>

#include "relay/relay.hpp"

struct session {
  std::unique_ptr<std::string> user;
  int id = 0;
};

void gather_sessions(const relay::communicator& comm, const session& s) {
  (void)relay::gather(comm, s, 0);
}
