// Must not compile: a struct that owns memory through a std::unique_ptr and has no serialize()
// cannot be sent; the error names the type (relay::detail::cannot_send<session>).

#include <memory>
#include <string>

#include "relay/relay.hpp"

struct session {
  std::unique_ptr<std::string> user;
  int id = 0;
};

void send_session(const relay::communicator& comm, const session& s) {
  relay::send(comm, s, 0);
}
