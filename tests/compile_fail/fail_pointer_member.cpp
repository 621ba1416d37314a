// Must not compile: a plain struct with a pointer member and no serialize() would travel as its
// bytes, and the pointer would mean nothing on the receiving rank.

#include "relay/relay.hpp"

struct node {
  int value = 0;
  node* next = nullptr;
};

void send_node(const relay::communicator& comm, const node& n) {
  relay::send(comm, n, 0);
}
