#include "sim/step_index.h"

#include <stdexcept>

namespace sim {

const StepIndex::List StepIndex::empty_;

const StepIndex::List& StepIndex::Table::at(std::uint32_t k) const {
    if (k < kDense) return k < dense_.size() ? dense_[k] : empty_;
    auto it = sparse_.find(k);
    return it == sparse_.end() ? empty_ : it->second;
}

StepIndex::List& StepIndex::Table::slot(std::uint32_t k) {
    if (k >= kDense) return sparse_[k];
    if (k >= dense_.size()) dense_.resize(static_cast<std::size_t>(k) + 1);
    return dense_[k];
}

void StepIndex::Table::remove(std::uint32_t k, std::uint32_t j) {
    // Steps are taken out latest first, so each is the last of its lists.
    List& l = slot(k);
    if (l.empty() || l.back() != j) throw std::logic_error("StepIndex: out of order");
    l.pop_back();
}

void StepIndex::add(const StepInfo& s) {
    const auto j = static_cast<std::uint32_t>(keys_.size());
    // qs_begin is only ever set with qs (Machine::mark_qs, pick()); filed under either, so a mark that sets it
    // alone would still be found.
    const Keys k{s.cell,         s.object,          s.also_reads, s.arrives, s.access == Access::free && s.object != 0,
                 s.rcu_snapshot, s.qs || s.qs_begin, s.fatal};
    by_cell_.add(k.cell, j);
    if (k.object) by_object_.add(k.object, j);
    if (k.freed) by_freed_.add(k.object, j);
    if (k.also_reads) by_also_reads_.add(k.also_reads, j);
    if (k.arrives) by_arrives_.add(k.arrives, j);
    if (k.snapshot) snapshots_.push_back(j);
    if (k.qs) qs_.push_back(j);
    if (k.fatal) fatal_.push_back(j);
    keys_.push_back(k);
}

void StepIndex::truncate(std::size_t n) {
    while (keys_.size() > n) {
        const auto j = static_cast<std::uint32_t>(keys_.size() - 1);
        const Keys& k = keys_.back();
        by_cell_.remove(k.cell, j);
        if (k.object) by_object_.remove(k.object, j);
        if (k.freed) by_freed_.remove(k.object, j);
        if (k.also_reads) by_also_reads_.remove(k.also_reads, j);
        if (k.arrives) by_arrives_.remove(k.arrives, j);
        if (k.snapshot) snapshots_.pop_back();
        if (k.qs) qs_.pop_back();
        if (k.fatal) fatal_.pop_back();
        keys_.pop_back();
    }
}

// dependent() (explore.cpp) calls two steps of different CPUs dependent only
// through one of these: a grace period's snapshot and a step changing a
// CPU's quiescence; an oops; a kfree and a step on its object; a step's
// arrival at a sleeping lock and that lock's release; a step's second read
// and a write of that cell; or the same cell.
bool StepIndex::candidates(const StepInfo& e, const List* (&out)[kMaxLists], int& n) const {
    n = 0;
    if (e.fatal) return false;
    out[n++] = &by_cell_.at(e.cell);
    if (e.arrives) out[n++] = &by_cell_.at(e.arrives);
    if (e.also_reads) out[n++] = &by_cell_.at(e.also_reads);
    out[n++] = &by_also_reads_.at(e.cell);
    if (e.access == Access::release || e.access == Access::release_shared) out[n++] = &by_arrives_.at(e.cell);
    if (e.object) out[n++] = e.access == Access::free ? &by_object_.at(e.object) : &by_freed_.at(e.object);
    if (e.qs || e.qs_begin) out[n++] = &snapshots_;
    if (e.rcu_snapshot) out[n++] = &qs_;
    out[n++] = &fatal_;
    return true;
}

StepIndex::Cursor::Cursor(const StepIndex& x, const StepInfo& e) {
    all_ = !x.candidates(e, lists_, n_);
    all_left_ = x.size();
    for (int k = 0; k < n_; ++k) left_[k] = lists_[k]->size();
}

bool StepIndex::Cursor::next(std::size_t& i) {
    if (all_) {
        if (all_left_ == 0) return false;
        i = --all_left_;
        return true;
    }
    int best = -1;
    std::uint32_t latest = 0;
    for (int k = 0; k < n_; ++k)
        if (left_[k] && (best < 0 || (*lists_[k])[left_[k] - 1] > latest)) {
            best = k;
            latest = (*lists_[k])[left_[k] - 1];
        }
    if (best < 0) return false;
    for (int k = 0; k < n_; ++k)  // a step filed in several lists is visited once
        if (left_[k] && (*lists_[k])[left_[k] - 1] == latest) --left_[k];
    i = latest;
    return true;
}

}  // namespace sim
