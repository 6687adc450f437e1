#include "sim/tree_search.h"

#include <stdexcept>

namespace sim {

TreeSearch::TreeSearch(const std::vector<std::uint8_t>& fixed_prefix) {
    Item root;
    root.unit.prefix = fixed_prefix;
    root.ids.assign(fixed_prefix.size(), kFixed);
    add(std::move(root));
}

std::uint32_t TreeSearch::new_node(Node nd) {
    if (free_.empty()) {
        nodes_.push_back(std::move(nd));
        return static_cast<std::uint32_t>(nodes_.size() - 1);
    }
    const std::uint32_t id = free_.back();
    free_.pop_back();
    nodes_[id] = std::move(nd);
    return id;
}

void TreeSearch::add(Item it) {
    for (std::uint32_t id : it.ids)
        if (id != kFixed) ++nodes_[id].refs;
    items_.push_back(std::move(it));
    back_.emplace_back();
}

void TreeSearch::release(const Item& it) {
    for (std::uint32_t id : it.ids) {
        if (id == kFixed || --nodes_[id].refs) continue;
        nodes_[id] = Node{};  // no unit left can send it a race
        free_.push_back(id);
    }
}

ExploreOptions TreeSearch::unit_options(ExploreOptions o, std::uint64_t split_after) {
    o.tree = true;
    o.split_after = split_after;
    o.handoff_after = 0;  // the split after split_after runs replaces hand-offs
    return o;
}

TreeSearch::Result TreeSearch::explore(Explorer& ex, const Explorer::RunOnce& run_once,
                                       const Explorer::OnExecution& on_execution, const Task& t) {
    ex.seed_forecast(t.forecast.get());
    Result r;
    r.stats = ex.explore(run_once, on_execution, t.unit);
    r.requests = ex.requests();
    r.split_nodes = ex.split_nodes();
    r.split_path = ex.split_path();
    r.pieces = ex.pieces();
    r.forecast = std::make_shared<const StepForecast>(ex.forecast());
    return r;
}

bool TreeSearch::take(Task& t) {
    if (stopped_ || taken_ == made()) return false;
    t.id = taken_++;
    t.unit = item(t.id).unit;
    t.forecast = item(t.id).forecast;
    return true;
}

void TreeSearch::give_back(std::size_t id, Result r, const StepOf& step_of,
                           const std::function<void(std::size_t, const Result&)>& on_commit) {
    if (id < committed_ || id >= taken_ || back_[id - first_]) throw std::logic_error("tree search: a unit given back twice");
    back_[id - first_] = std::make_unique<Result>(std::move(r));
    while (committed_ < taken_ && back_[committed_ - first_]) {
        const std::size_t i = committed_++;
        const std::unique_ptr<Result> res = std::move(back_[i - first_]);
        on_commit(i, *res);
        if (!res->stats.complete) stopped_ = true;
        if (!stopped_) commit(i, *res, step_of);
        // Committed, in order: the first unit left. Its children copied what they need.
        release(items_.front());
        items_.pop_front();
        back_.pop_front();
        ++first_;
    }
}

// The unit's split (its path's nodes below its prefix, shared from now on,
// and their pending branches as units), then its races with shared nodes.
void TreeSearch::commit(std::size_t i, const Result& r, const StepOf& step_of) {
    Item& it = item(i);
    if (!r.split_nodes.empty()) {
        if (r.split_path.size() + 1 != it.unit.prefix.size() + r.split_nodes.size())
            throw std::logic_error("tree search: a unit's split path does not match its nodes");
        for (const Explorer::SplitNode& sn : r.split_nodes) {
            Node nd;
            nd.enabled = sn.enabled;
            nd.sleep = sn.sleep;
            nd.backtrack = sn.backtrack | sn.branched;
            nd.branched = sn.branched;
            nd.branches = sn.branches;
            const std::uint32_t id = new_node(std::move(nd));
            ++nodes_[id].refs;  // the unit's own, let go with the unit's others
            it.ids.push_back(id);
        }
    }
    // items_ is a deque: `it` stays put as units are added after it.
    for (const Explorer::Piece& pc : r.pieces) {
        Item ch;
        ch.unit = pc.unit;
        ch.ids.assign(it.ids.begin(), it.ids.begin() + pc.node + 1);
        ch.forecast = r.forecast;
        add(std::move(ch));
    }
    for (const Explorer::Request& q : r.requests) apply(i, q, r, step_of);
}

// Explorer::race() on a node of its path: the unit has narrowed the initials
// to the CPUs awake there in its view and left out its own pick.
void TreeSearch::apply(std::size_t i, const Explorer::Request& q, const Result& r, const StepOf& step_of) {
    const Item& it = item(i);
    const std::uint32_t id = it.ids.at(q.node);
    if (id == kFixed) return;  // the fixed prefix is never varied
    Node& nd = nodes_[id];
    if (q.initials & nd.backtrack) return;
    const CpuMask can = q.initials & nd.enabled;
    const CpuMask wanted = can ? CpuMask{1} << __builtin_ctz(can) : nd.enabled;
    nd.backtrack |= wanted;
    for (CpuMask s = wanted & nd.enabled & ~nd.sleep & ~nd.branched; s; s &= s - 1) {
        const int c = __builtin_ctz(s);
        Item ch;
        ch.unit.prefix.assign(it.unit.prefix.begin(), it.unit.prefix.begin() + q.node);
        ch.unit.prefix.push_back(static_cast<std::uint8_t>(c));
        for (const Unit::Sleeper& z : it.unit.sleepers)
            if (z.node < q.node) ch.unit.sleepers.push_back(z);
        for (const StepInfo& b : nd.branches) ch.unit.sleepers.push_back({q.node, b});
        ch.ids.assign(it.ids.begin(), it.ids.begin() + q.node + 1);
        ch.forecast = r.forecast;
        nd.branches.push_back(step_of(ch.unit));  // a probe: leaves the tree alone
        nd.branched |= CpuMask{1} << c;
        add(std::move(ch));  // `it` and `nd` stay put (items_ is a deque; no node is made)
    }
}

}  // namespace sim
