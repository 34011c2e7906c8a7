// Rollup views: instead of one row per combination of all eight dimensions (whose count explodes
// with real traffic), RollupStep writes each event into a few narrower views. Every view keeps
// `type` and `name`; the other dimensions of a view hold their real value, the rest hold the
// view's `all_values` marker. A query reads exactly one view: the smallest that has every dimension it filters or
// groups by. Views, smallest first:
//   totals: type, name
//   client: type, name, release, environment, browser, os
//   page:   type, name, path, release, environment
//   geo:    type, name, country, release, environment
// So e.g. "LCP by browser for release X" and "page views by path" are answered, while "path within
// one browser" is not (SelectRollupView fails with code "unsupported_filters").
#pragma once

#include <array>
#include <string_view>

#include "common/status.h"
#include "rollup/rollup_store.h"

namespace vigil {

struct RollupView {
  std::string_view name;
  std::array<bool, kRollupDimCount> keeps;  // indexed by RollupDim
  // The stored value of the dimensions this view does not keep: "\x1f" plus the view's index, so
  // each view's rows are told apart by equality filters alone.
  std::string_view all_values;
};

const std::vector<RollupView>& RollupViews();

// Restricts `q` to the smallest view that keeps every dimension it filters or groups by (adds
// dimension = all_values filters for the others). Fails when no view has them all.
Status SelectRollupView(RollupQuery* q);

}  // namespace vigil
