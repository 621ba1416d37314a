#pragma once
/// \file
/// relay: zero-copy, value-returning C++ message passing over MPI and Boost.MPI.
/// This umbrella header includes every part of the library.

#include "relay/bcast.hpp"
#include "relay/collectives.hpp"
#include "relay/communicator.hpp"
#include "relay/config.hpp"
#include "relay/datatype.hpp"
#include "relay/decompose.hpp"
#include "relay/environment.hpp"
#include "relay/error.hpp"
#include "relay/gather.hpp"
#include "relay/irecv.hpp"
#include "relay/isend.hpp"
#include "relay/nonblocking.hpp"
#include "relay/ops.hpp"
#include "relay/output.hpp"
#include "relay/p2p.hpp"
#include "relay/pool.hpp"
#include "relay/reduce.hpp"
#include "relay/request.hpp"
#include "relay/scan.hpp"
#include "relay/scatter.hpp"
#include "relay/serialization.hpp"
#include "relay/status.hpp"
#include "relay/timer.hpp"
#include "relay/wait.hpp"
