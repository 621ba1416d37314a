#include "relay/communicator.hpp"

#include "relay/detail/checks.hpp"

#include <string>

#include "relay/error.hpp"

namespace relay {

namespace {
int tag_upper_bound(MPI_Comm comm) {
  void* value = nullptr;
  int found = 0;
  RELAY_MPI(MPI_Comm_get_attr, comm, MPI_TAG_UB, &value, &found);
  return found ? *static_cast<int*>(value) : 32767;  // 32767 is the standard's guaranteed minimum
}
}  // namespace

communicator::communicator() : communicator(boost::mpi::communicator()) {}

communicator::communicator(MPI_Comm comm)
    : communicator(boost::mpi::communicator(comm, boost::mpi::comm_attach)) {
  if (comm != MPI_COMM_NULL) RELAY_MPI(MPI_Comm_set_errhandler, comm, MPI_ERRORS_RETURN);
}

communicator::communicator(const boost::mpi::communicator& comm)
    : comm_(comm), native_(static_cast<MPI_Comm>(comm)) {
  if (native() == MPI_COMM_NULL) return;
  RELAY_MPI(MPI_Comm_rank, native(), &rank_);
  RELAY_MPI(MPI_Comm_size, native(), &size_);
  // MPI_TAG_UB is only defined on MPI_COMM_WORLD, and the same for every communicator.
  tag_ub_ = tag_upper_bound(MPI_COMM_WORLD);
}

void communicator::barrier() const {
  RELAY_MPI(MPI_Barrier, native());
}

communicator communicator::split(int color, int key) const {
  if (color < 0 && color != undefined_color)
    throw usage_error("split: color must be >= 0 or undefined_color (got " + std::to_string(color) +
                      ")");
  MPI_Comm part = MPI_COMM_NULL;
  RELAY_MPI(MPI_Comm_split, native(), color, key, &part);
  if (part == MPI_COMM_NULL)
    return communicator(boost::mpi::communicator(MPI_COMM_NULL, boost::mpi::comm_attach));
  return communicator(boost::mpi::communicator(part, boost::mpi::comm_take_ownership));
}

communicator communicator::dup() const {
  MPI_Comm copy = MPI_COMM_NULL;
  RELAY_MPI(MPI_Comm_dup, native(), &copy);
  return communicator(boost::mpi::communicator(copy, boost::mpi::comm_take_ownership));
}

namespace detail {
void bad_rank(const communicator& comm, int rank, const char* what) {
  throw usage_error(std::string(what) + " " + std::to_string(rank) +
                    " is not a rank of this communicator (size " + std::to_string(comm.size()) +
                    ")");
}

void bad_tag(const communicator& comm, int tag) {
  throw usage_error("tag " + std::to_string(tag) + " is outside [0, " +
                    std::to_string(comm.max_tag()) + "]");
}

namespace {
int delete_internal(MPI_Comm, int, void* value, void*) {
  auto* internal = static_cast<MPI_Comm*>(value);
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized && *internal != MPI_COMM_NULL) MPI_Comm_free(internal);
  delete internal;
  return MPI_SUCCESS;
}
}  // namespace

MPI_Comm make_internal_comm(const communicator& comm) {
  static const int keyval = [] {
    int key = MPI_KEYVAL_INVALID;
    RELAY_MPI(MPI_Comm_create_keyval, MPI_COMM_NULL_COPY_FN, delete_internal, &key, nullptr);
    return key;
  }();
  void* value = nullptr;
  int found = 0;
  RELAY_MPI(MPI_Comm_get_attr, comm.native(), keyval, &value, &found);
  if (found) return comm.internal_ = *static_cast<MPI_Comm*>(value);
  auto* internal = new MPI_Comm(MPI_COMM_NULL);
  RELAY_MPI(MPI_Comm_dup, comm.native(), internal);
  RELAY_MPI(MPI_Comm_set_attr, comm.native(), keyval, internal);
  return comm.internal_ = *internal;
}
}  // namespace detail

}  // namespace relay
