#include "relay/collectives.hpp"

#include <climits>

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

void announce_root_failure(const communicator& comm, int root) {
  const MPI_Comm internal = internal_comm(comm);
  for (int r = 0; r < comm.size(); ++r)
    if (r != root) MPI_Send(nullptr, 0, MPI_BYTE, r, config::failed_tag, internal);
}

MPI_Message match_piece(const communicator& comm, int root, MPI_Status& st, const char* what) {
  MPI_Message msg = MPI_MESSAGE_NULL;
  RELAY_MPI(MPI_Mprobe, root, MPI_ANY_TAG, internal_comm(comm), &msg, &st);
  if (st.MPI_TAG == config::failed_tag) {
    RELAY_MPI(MPI_Mrecv, nullptr, 0, MPI_BYTE, &msg, &st);
    throw error(std::string(what) + ": the root (rank " + std::to_string(root) +
                ") failed to prepare the data");
  }
  return msg;
}

std::vector<std::uint64_t> allgather_counts(const communicator& comm, std::uint64_t mine) {
  std::vector<std::uint64_t> sizes(static_cast<std::size_t>(comm.size()));
  RELAY_MPI(MPI_Allgather, &mine, 1, MPI_UINT64_T, sizes.data(), 1, MPI_UINT64_T, comm.native());
  return sizes;
}

}  // namespace relay::detail
