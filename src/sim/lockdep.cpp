#include "sim/lockdep.h"

namespace sim {

int Lockdep::class_of(const char* name) {
    auto it = ids_.find(name);
    if (it != ids_.end()) return it->second;
    int id = static_cast<int>(names_.size());
    ids_.emplace(name, id);
    names_.emplace_back(name);
    for (auto& row : edges_) row.resize(names_.size());
    edges_.emplace_back(names_.size());
    return id;
}

bool Lockdep::path(int from, int to, std::vector<int>& out, std::vector<char>& seen) const {
    if (from == to) {
        out.push_back(to);
        return true;
    }
    if (seen[from]) return false;
    seen[from] = 1;
    out.push_back(from);
    for (int n = 0; n < static_cast<int>(names_.size()); ++n)
        if (edges_[from][n].present && path(n, to, out, seen)) return true;
    out.pop_back();
    return false;
}

bool Lockdep::add_edge(int from, int to, std::uint32_t step, int cpu, const Label* label,
                       std::vector<int>& cycle, unsigned run) {
    if (from == to) return false;  // nesting within one class: not tracked
    LockEdge& e = edges_[from][to];
    if (e.present) return false;
    e = {true, step, cpu, label, run};
    std::vector<char> seen(names_.size(), 0);
    cycle.clear();
    return path(to, from, cycle, seen);
}

}  // namespace sim
