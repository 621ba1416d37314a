#pragma once
/// \file
/// Every collective operation: bcast, scatter, scatterv, scatter_balanced, gather, gatherv,
/// allgather, allgatherv, reduce, allreduce, scan, exscan, and their `_into` forms.
///
/// The rule they all follow: every collective is called by every rank of the communicator (with
/// the same root, where there is one) and returns its result by value. A rooted collective that
/// delivers its result to the root only (reduce, gather, gatherv) returns std::optional: the
/// result on the root, std::nullopt on every other rank. An `_into` form writes into the caller's
/// object and reuses its memory (a container is resized to what arrives); off the root, a rooted
/// `_into` form leaves the object alone. Bad input that only the root holds is announced through
/// the collective itself, so every rank raises the same kind of exception and none is left
/// waiting.

#include "relay/bcast.hpp"
#include "relay/gather.hpp"
#include "relay/ops.hpp"
#include "relay/reduce.hpp"
#include "relay/scan.hpp"
#include "relay/scatter.hpp"
