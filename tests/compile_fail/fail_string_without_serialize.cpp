// Must not compile: a struct that holds a std::string has neither safe bytes nor a serialize(),
// so relay has no way to send it.

#include <string>

#include "relay/relay.hpp"

struct person {
  std::string name;
  int age = 0;
};

void send_person(const relay::communicator& comm, const person& p) {
  relay::send(comm, p, 0);
}
