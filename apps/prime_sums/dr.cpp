// Work in progress: the method itself lands in the next commits.
#include "dr.hpp"

#include <stdexcept>

namespace prime_sums {
struct dr_plan::impl {};
dr_plan::dr_plan(std::uint64_t, double) { throw std::logic_error("dr: not built yet"); }
dr_plan::~dr_plan() = default;
std::vector<dr_task> dr_plan::tasks(int) const { return {}; }
dr_result dr_plan::run(const dr_task&) const { return {}; }
u128 dr_plan::combine(const std::vector<dr_task>&, const std::vector<dr_result>&) const { return 0; }
std::uint64_t dr_plan::x() const { return 0; }
std::uint64_t dr_plan::y() const { return 0; }
std::uint64_t dr_plan::memory_bytes() const { return 0; }
u128 dr_sum(std::uint64_t x, double alpha) {
  const dr_plan plan(x, alpha);
  const auto t = plan.tasks(1);
  std::vector<dr_result> r;
  for (const auto& k : t) r.push_back(plan.run(k));
  return plan.combine(t, r);
}
}  // namespace prime_sums
