#pragma once
/// \file
/// Non-blocking point-to-point messages, all of them: request.hpp (request, recv_request),
/// isend.hpp, irecv.hpp (irecv, irecv_into) and wait.hpp (wait_all, wait_any, test_any).
///
/// `isend` and `irecv` return request objects that own their buffers, so nothing dangles: the
/// value being sent is moved (or copied) into the request, and a receive's value lives in the
/// request until `get()` hands it out.
///
/// Every receive is a real MPI receive from the moment it is posted, whatever its type: a value
/// of unknown size (a vector, a string, a serialized type) is received first into a buffer of
/// config::first_piece_bytes, which holds the whole of a small value, or the head of a large one
/// whose rest follows on relay's private channel (detail/message.hpp, detail/matching.hpp). So MPI
/// itself matches messages to receives in posting order, blocking and non-blocking receives of any
/// kind alike (non-overtaking), and a send matched by a posted receive completes without any
/// further call from the receiver. The one exception is the rest of a large value: it is received
/// once the receiver's process next enters relay (any send, receive, wait or test takes the heads
/// of every pending receive), so the classic exchange `irecv; send; wait` works at every size.
///
/// A send of a `std::span` and a receive into one (`irecv_into`), shorter than
/// config::first_piece_bytes, are *plain* requests: the caller owns the memory, so the request
/// holds nothing but MPI's own request; posting one allocates nothing, and `wait_all` over plain
/// requests alone is one MPI_Waitall, as in a raw MPI program. Every other request keeps a state
/// object (the owned value, a received value and its status), taken from a per-thread pool. Plain
/// and state-based requests mix freely in `wait_all`, `wait_any` and `test_any`.
///
/// A request is used from one thread at a time; different threads may post, wait and test their
/// own requests concurrently under thread_level::multiple (all of relay's shared state is locked).

#include "relay/irecv.hpp"
#include "relay/isend.hpp"
#include "relay/p2p.hpp"
#include "relay/request.hpp"
#include "relay/wait.hpp"
