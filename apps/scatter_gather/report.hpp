#pragma once
// scatter_gather's --json output (the text is printed by the tour itself, in rank order, as it
// goes).

#include <nlohmann/json.hpp>

#include "tour.hpp"

namespace scatter_gather {

/// The tour's results as one JSON object; big numbers are decimal strings.
[[nodiscard]] nlohmann::ordered_json to_json(const result& res);

}  // namespace scatter_gather
