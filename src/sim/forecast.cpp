#include "sim/forecast.h"

namespace sim {

void StepForecast::clear() {
    for (auto& m : marks_) m.clear();
    for (auto& t : to_snapshot_) t.clear();
}

void StepForecast::learn(std::span<const StepInfo> steps, std::span<const std::uint32_t> pos, std::size_t from,
                         bool qs_begin) {
    CpuMask changed = 0;
    for (std::size_t j = from; j < steps.size(); ++j) {
        const StepInfo& s = steps[j];
        std::vector<std::uint8_t>& m = marks_[s.cpu];
        if (m.size() <= pos[j]) m.resize(pos[j] + 1);
        const auto v = static_cast<std::uint8_t>(kKnown | ((qs_begin ? s.qs_begin : s.qs) ? kBegins : 0) |
                                                 (s.rcu_snapshot ? kSnapshot : 0));
        if (m[pos[j]] != v) {
            m[pos[j]] = v;
            changed |= CpuMask{1} << s.cpu;
        }
    }
    // Nearly always nothing: the same code runs the same steps.
    for (; changed; changed &= changed - 1) recount(__builtin_ctz(changed));
}

void StepForecast::learn(std::span<const StepInfo> steps, bool qs_begin) {
    std::vector<std::uint32_t> pos(steps.size());
    Ordinals count{};
    for (std::size_t j = 0; j < steps.size(); ++j) pos[j] = count[steps[j].cpu]++;
    learn(steps, pos, 0, qs_begin);
}

void StepForecast::recount(int cpu) {
    const std::vector<std::uint8_t>& m = marks_[cpu];
    std::vector<std::uint32_t>& t = to_snapshot_[cpu];
    t.assign(m.size(), kNone);
    std::uint32_t next = kNone;
    for (std::size_t o = m.size(); o-- > 0;) {
        if (m[o] & kSnapshot)
            next = 0;
        else if (next != kNone && (m[o] & kKnown))
            ++next;
        else
            next = kNone;  // a step never seen: nothing known beyond it
        t[o] = next;
    }
}

CpuMask StepForecast::first(const Ordinals& ord, CpuMask among) const {
    CpuMask quiet = 0, nearest = 0;
    std::uint32_t best = kNone;
    for (CpuMask s = among; s; s &= s - 1) {
        const int c = __builtin_ctz(s);
        const std::uint32_t o = ord[c];
        if (o >= marks_[c].size()) continue;
        const std::uint8_t m = marks_[c][o];
        if ((m & kKnown) && !(m & kBegins)) quiet |= CpuMask{1} << c;
        const std::uint32_t d = to_snapshot_[c][o];
        if (d == kNone || d > best) continue;
        if (d < best) nearest = 0;
        best = d;
        nearest |= CpuMask{1} << c;
    }
    return quiet ? quiet : nearest;
}

}  // namespace sim
