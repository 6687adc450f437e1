// The outcomes of a search without their counts and witnesses: what every
// way of running it (DPOR or DFS, any --jobs, any reduction rule) must agree on.
#pragma once
#include <set>

#include "app/explore.h"

inline std::set<app::Outcome> outcome_set(const app::ExploreResult& r) {
    std::set<app::Outcome> s;
    for (const auto& row : r.outcomes) s.insert(row.outcome);
    return s;
}
