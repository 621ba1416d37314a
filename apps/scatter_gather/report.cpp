#include "report.hpp"

namespace scatter_gather {

nlohmann::ordered_json to_json(const result& res) {
  using json = nlohmann::ordered_json;
  json out;
  out["ranks"] = res.ranks;
  out["p2p"] = json::array();
  for (const auto& m : res.p2p)
    out["p2p"].push_back({{"from", m.from}, {"to", m.to}, {"value", m.value}});
  out["bcast"] = res.bcast;
  const auto strings = [](const std::vector<big>& values) {
    json list = json::array();
    for (const auto& v : values) list.push_back(v.str());
    return list;
  };
  out["scattered"] = strings(res.scattered);
  out["gathered"] = strings(res.gathered);
  out["sum"] = res.sum.str();
  return out;
}

}  // namespace scatter_gather
