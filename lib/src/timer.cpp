#include "relay/timer.hpp"

#include "relay/error.hpp"

namespace relay {

timing summarize(const communicator& comm, double seconds) {
  double values[2] = {seconds, -seconds};  // max of -t is -min: one allreduce for both
  double extremes[2];
  double sum = 0;
  RELAY_MPI(MPI_Allreduce, values, extremes, 2, MPI_DOUBLE, MPI_MAX, comm.native());
  RELAY_MPI(MPI_Allreduce, &seconds, &sum, 1, MPI_DOUBLE, MPI_SUM, comm.native());
  return {-extremes[1], sum / comm.size(), extremes[0]};
}

timing timer::summarize(const communicator& comm) const {
  return relay::summarize(comm, elapsed());
}

}  // namespace relay
