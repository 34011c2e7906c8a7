#include "rollup/rollup_views.h"

#include <string>

namespace vigil {

namespace {
std::array<bool, kRollupDimCount> Keeps(std::initializer_list<RollupDim> dims) {
  std::array<bool, kRollupDimCount> k{};
  k[static_cast<size_t>(RollupDim::kType)] = true;
  k[static_cast<size_t>(RollupDim::kName)] = true;
  for (RollupDim d : dims) k[static_cast<size_t>(d)] = true;
  return k;
}
}  // namespace

const std::vector<RollupView>& RollupViews() {
  static const std::vector<RollupView> kViews = {
      {"totals", Keeps({}), "\x1f" "0"},
      {"client", Keeps({RollupDim::kRelease, RollupDim::kEnvironment, RollupDim::kBrowser, RollupDim::kOs}), "\x1f" "1"},
      {"page", Keeps({RollupDim::kPath, RollupDim::kRelease, RollupDim::kEnvironment}), "\x1f" "2"},
      {"geo", Keeps({RollupDim::kCountry, RollupDim::kRelease, RollupDim::kEnvironment}), "\x1f" "3"},
  };
  return kViews;
}

Status SelectRollupView(RollupQuery* q) {
  std::array<bool, kRollupDimCount> used{};
  for (const auto& f : q->filters) used[static_cast<size_t>(f.dim)] = true;
  for (RollupDim d : q->group_by) used[static_cast<size_t>(d)] = true;
  for (const RollupView& v : RollupViews()) {
    bool covers = true;
    for (size_t i = 0; i < kRollupDimCount; ++i) covers = covers && (!used[i] || v.keeps[i]);
    if (!covers) continue;
    for (size_t i = 0; i < kRollupDimCount; ++i) {
      if (!v.keeps[i]) q->filters.push_back(RollupFilter{static_cast<RollupDim>(i), {std::string(v.all_values)}});
    }
    return Status::Ok();
  }
  std::string dims;
  for (size_t i = 0; i < kRollupDimCount; ++i) {
    if (used[i]) dims += std::string(dims.empty() ? "" : ", ") + std::string(RollupDimName(static_cast<RollupDim>(i)));
  }
  return Status::Error("unsupported_filters",
                       "no rollup view combines " + dims +
                           "; path and country each combine only with release and environment");
}

}  // namespace vigil
