// The first-piece protocol of values of unknown size (see relay/detail/message.hpp): relay's
// private channel, the routes of rests, and the sends and receives of heads and rests.

#include "relay/detail/message.hpp"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "relay/datatype.hpp"
#include "relay/detail/buffer.hpp"
#include "relay/detail/matching.hpp"
#include "relay/environment.hpp"

namespace relay::detail {
namespace {

/// relay's private channel: a duplicate of MPI_COMM_WORLD on which only rests travel, so that no
/// receive of the user's (any_tag, any_source) can ever match one.
struct channel_state {
  MPI_Comm comm = MPI_COMM_NULL;
  int tag_ub = 32767;
  std::atomic<std::uint32_t> next_tag{0};
};
channel_state& channel() {
  static channel_state c;
  return c;
}

MPI_Comm channel_comm() {
  const MPI_Comm c = channel().comm;
  if (c == MPI_COMM_NULL) [[unlikely]]
    throw usage_error("a value of " + std::to_string(piece_bytes) +
                      " bytes or more needs relay's private channel: construct a "
                      "relay::environment on every rank before sending it");
  return c;
}

/// The world ranks of a communicator's peers (its remote group for an intercommunicator), cached
/// as an attribute of the communicator and freed with it.
int delete_ranks(MPI_Comm, int, void* value, void*) {
  delete static_cast<std::vector<int>*>(value);
  return MPI_SUCCESS;
}

std::mutex& ranks_lock() {
  static std::mutex m;
  return m;
}

const std::vector<int>& world_ranks(MPI_Comm comm) {
  static int keyval = MPI_KEYVAL_INVALID;
  std::lock_guard guard(ranks_lock());
  if (keyval == MPI_KEYVAL_INVALID)
    RELAY_MPI(MPI_Comm_create_keyval, MPI_COMM_NULL_COPY_FN, delete_ranks, &keyval, nullptr);
  void* value = nullptr;
  int found = 0;
  RELAY_MPI(MPI_Comm_get_attr, comm, keyval, &value, &found);
  if (found) return *static_cast<std::vector<int>*>(value);
  int inter = 0;
  RELAY_MPI(MPI_Comm_test_inter, comm, &inter);
  MPI_Group group = MPI_GROUP_NULL;
  MPI_Group world = MPI_GROUP_NULL;
  if (inter)
    RELAY_MPI(MPI_Comm_remote_group, comm, &group);
  else
    RELAY_MPI(MPI_Comm_group, comm, &group);
  RELAY_MPI(MPI_Comm_group, MPI_COMM_WORLD, &world);
  int size = 0;
  RELAY_MPI(MPI_Group_size, group, &size);
  std::vector<int> mine(static_cast<std::size_t>(size));
  for (int i = 0; i < size; ++i) mine[static_cast<std::size_t>(i)] = i;
  auto ranks = std::make_unique<std::vector<int>>(mine.size());
  RELAY_MPI(MPI_Group_translate_ranks, group, size, mine.data(), world, ranks->data());
  MPI_Group_free(&group);
  MPI_Group_free(&world);
  RELAY_MPI(MPI_Comm_set_attr, comm, keyval, ranks.get());
  return *ranks.release();
}

int world_rank(MPI_Comm comm, int rank) {
  if (comm == MPI_COMM_WORLD) return rank;
  const std::vector<int>& ranks = world_ranks(comm);
  const int w = ranks.at(static_cast<std::size_t>(rank));
  if (w == MPI_UNDEFINED) [[unlikely]]
    throw usage_error("a value of " + std::to_string(piece_bytes) +
                      " bytes or more can only travel between processes of MPI_COMM_WORLD");
  return w;
}

}  // namespace

void open_channel() {
  channel_state& c = channel();
  if (c.comm != MPI_COMM_NULL) return;
  RELAY_MPI(MPI_Comm_dup, MPI_COMM_WORLD, &c.comm);
  RELAY_MPI(MPI_Comm_set_errhandler, c.comm, MPI_ERRORS_RETURN);
  void* value = nullptr;
  int found = 0;
  RELAY_MPI(MPI_Comm_get_attr, MPI_COMM_WORLD, MPI_TAG_UB, &value, &found);
  if (found) c.tag_ub = *static_cast<int*>(value);
  at_finalize([] {
    channel_state& ch = channel();
    if (ch.comm != MPI_COMM_NULL) MPI_Comm_free(&ch.comm);
    ch.comm = MPI_COMM_NULL;
  });
}

rest_route route_to(MPI_Comm comm, int dest) {
  channel_state& c = channel();
  const MPI_Comm ch = channel_comm();
  const std::uint32_t n = c.next_tag.fetch_add(1, std::memory_order_relaxed);
  return {ch, world_rank(comm, dest),
          static_cast<int>(n % (static_cast<std::uint32_t>(c.tag_ub) + 1))};
}

rest_route route_from(MPI_Comm comm, int source, std::uint32_t tag) {
  return {channel_comm(), world_rank(comm, source), static_cast<int>(tag)};
}

std::size_t received_bytes(const MPI_Status& st) {
  return received_byte_count(st);
}

void set_received_bytes(MPI_Status& st, std::size_t n) {
  RELAY_MPI(MPI_Status_set_elements_x, &st, MPI_BYTE, static_cast<MPI_Count>(n));
}

large_send::large_send(const char* data, std::size_t bytes, int dest, int tag, MPI_Comm comm) {
  const rest_route route = route_to(comm, dest);
  std::memcpy(head_, data, head_payload_bytes);
  const trailer t{bytes, static_cast<std::uint32_t>(route.tag), piece_magic};
  std::memcpy(head_ + head_payload_bytes, &t, sizeof t);
  RELAY_MPI(MPI_Isend, head_, static_cast<int>(piece_bytes), MPI_BYTE, dest, tag, comm,
            &handles[0]);
  counted_type rest(MPI_BYTE, bytes - head_payload_bytes);
  const int code = MPI_Isend(data + head_payload_bytes, rest.count(), rest.type(), route.peer,
                             route.tag, route.comm, &handles[1]);
  if (code != MPI_SUCCESS) [[unlikely]] {
    MPI_Wait(&handles[0], MPI_STATUS_IGNORE);
    throw_mpi_error("MPI_Isend", code);
  }
}

void send_bytes(const void* data, std::size_t bytes, int dest, int tag, MPI_Comm comm) {
  if (bytes < piece_bytes || dest == MPI_PROC_NULL) {
    counted_type ct(MPI_BYTE, bytes);
    RELAY_MPI(MPI_Send, data, ct.count(), ct.type(), dest, tag, comm);
    return;
  }
  large_send out(static_cast<const char*>(data), bytes, dest, tag, comm);
  wait_progressing(2, out.handles);
}

bool isend_small(const void* data, std::size_t bytes, int dest, int tag, MPI_Comm comm,
                 MPI_Request* request) {
  if (bytes >= piece_bytes && dest != MPI_PROC_NULL) return false;
  counted_type ct(MPI_BYTE, bytes);
  RELAY_MPI(MPI_Isend, data, ct.count(), ct.type(), dest, tag, comm, request);
  return true;
}

void receive_rest(const incoming_rest& rest) {
  counted_type ct(MPI_BYTE, rest.bytes);
  RELAY_MPI(MPI_Recv, rest.to, ct.count(), ct.type(), rest.route.peer, rest.route.tag,
            rest.route.comm, MPI_STATUS_IGNORE);
}

void post_rest(const incoming_rest& rest, MPI_Request* request) {
  counted_type ct(MPI_BYTE, rest.bytes);
  RELAY_MPI(MPI_Irecv, rest.to, ct.count(), ct.type(), rest.route.peer, rest.route.tag,
            rest.route.comm, request);
}

void drop_rest(MPI_Comm comm, int source, const trailer& t) noexcept {
  try {
    const rest_route route = route_from(comm, source, t.tag);
    MPI_Message msg = MPI_MESSAGE_NULL;
    MPI_Status st;
    if (MPI_Mprobe(route.peer, route.tag, route.comm, &msg, &st) != MPI_SUCCESS) return;
    byte_buffer discard(received_bytes(st));
    counted_type ct(MPI_BYTE, discard.size());
    MPI_Mrecv(discard.data(), ct.count(), ct.type(), &msg, MPI_STATUS_IGNORE);
  } catch (...) {  // nothing more can be done for the sender
  }
}

}  // namespace relay::detail
