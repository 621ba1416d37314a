#include "relay/collectives.hpp"

#include <algorithm>
#include <climits>
#include <cstring>
#include <exception>
#include <string>

namespace relay::detail {

int_layout make_layout(std::span<const std::uint64_t> sizes, const char* what) {
  int_layout layout;
  layout.counts.reserve(sizes.size());
  layout.displs.reserve(sizes.size());
  std::uint64_t offset = 0;
  for (std::uint64_t n : sizes) {
    if (n > INT_MAX || offset > INT_MAX)
      throw usage_error(std::string(what) + ": more than 2^31-1 elements in total; Open MPI " +
                        "4 has no large-count variable collectives");
    layout.counts.push_back(static_cast<int>(n));
    layout.displs.push_back(static_cast<int>(offset));
    offset += n;
  }
  layout.total = static_cast<std::size_t>(offset);
  return layout;
}

root_failure current_failure() noexcept {
  try {
    throw;
  } catch (const usage_error&) {
    return root_failure::usage;
  } catch (...) {
    return root_failure::error;
  }
}

void throw_root_failure(root_failure kind, const char* what, int root,
                        const std::string& root_message) {
  std::string text = std::string(what) + ": the root (rank " + std::to_string(root) + ") ";
  text += kind == root_failure::usage ? "was given invalid input" : "failed to prepare the data";
  if (!root_message.empty()) text += ": " + root_message;
  if (kind == root_failure::usage) throw usage_error(text);
  throw error(text);
}

void announce_root_failure(const communicator& comm, int root) {
  // One eager message: the kind, then as much of the root's message as fits.
  std::string note(1, static_cast<char>(current_failure()));
  try {
    throw;
  } catch (const std::exception& e) {
    note += e.what();
  } catch (...) {
  }
  note.resize(std::min(note.size(), config::eager_bytes));
  const MPI_Comm internal = internal_comm(comm);
  for (int r = 0; r < comm.size(); ++r)
    if (r != root)
      MPI_Send(note.data(), static_cast<int>(note.size()), MPI_BYTE, r, detail::failed_tag,
               internal);
}

void send_piece(const piece_wire& w, int dest, int tag, MPI_Comm comm) {
  if (w.bytes <= config::eager_bytes) {
    RELAY_MPI(MPI_Send, w.data, static_cast<int>(w.bytes), MPI_BYTE, dest, tag, comm);
    return;
  }
  const std::uint64_t bytes = w.bytes;
  RELAY_MPI(MPI_Send, &bytes, static_cast<int>(sizeof bytes), MPI_BYTE, dest,
            detail::piece_size_tag, comm);
  counted_type ct(w.type, w.count);
  RELAY_MPI(MPI_Send, w.data, ct.count(), ct.type(), dest, tag, comm);
}

void drop_piece(MPI_Comm comm, int source, int tag, std::size_t bytes) {
  byte_buffer discard(bytes);
  counted_type ct(MPI_BYTE, bytes);
  MPI_Recv(discard.data(), ct.count(), ct.type(), source, tag, comm, MPI_STATUS_IGNORE);
}

piece_head unusual_piece_head(const MPI_Status& st, int source, const char* eager,
                              const char* what) {
  if (st.MPI_TAG == detail::failed_tag) {
    const std::size_t n = received_byte_count(st);
    const auto kind = n > 0 && eager[0] == static_cast<char>(root_failure::usage)
                          ? root_failure::usage
                          : root_failure::error;
    throw_root_failure(kind, what, source, n > 1 ? std::string(eager + 1, n - 1) : std::string());
  }
  // detail::piece_size_tag: the size of a large piece, whose data follows.
  std::uint64_t bytes = 0;
  std::memcpy(&bytes, eager, sizeof bytes);
  return {static_cast<std::size_t>(bytes), false};
}

std::vector<std::uint64_t> allgather_counts(const communicator& comm, std::uint64_t mine) {
  std::vector<std::uint64_t> sizes(static_cast<std::size_t>(comm.size()));
  RELAY_MPI(MPI_Allgather, &mine, 1, MPI_UINT64_T, sizes.data(), 1, MPI_UINT64_T, comm.native());
  return sizes;
}

}  // namespace relay::detail
