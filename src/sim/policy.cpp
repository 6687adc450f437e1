#include "sim/policy.h"

#include "sim/machine.h"

namespace sim {

int lowest_cpu(CpuMask mask) { return __builtin_ctz(mask); }

int SerialPolicy::choose(const Machine&, CpuMask runnable, int) { return lowest_cpu(runnable); }

int RandomPolicy::choose(const Machine&, CpuMask runnable, int) {
    // splitmix64
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    int n = __builtin_popcount(runnable);
    int k = static_cast<int>(z % static_cast<std::uint64_t>(n));
    for (int i = 0;; ++i)
        if (runnable & (1u << i)) {
            if (k == 0) return i;
            --k;
        }
}

int ReplayPolicy::choose(const Machine& m, CpuMask runnable, int current) {
    if (next_ >= picks_.size()) return after_.choose(m, runnable, current);
    int c = picks_[next_];
    if (c >= m.ncpus() || !(runnable & (1u << c))) {
        const_cast<Machine&>(m).fail_schedule(
            "schedule token: step " + std::to_string(next_ + 1) + " picks CPU index " +
            std::to_string(c) + ", which is " +
            (c >= m.ncpus() ? std::string("not a CPU of this scenario")
                            : std::string("not runnable (") +
                                  (m.cpu_state(c).finished ? "finished" : "blocked") + ")"));
        return lowest_cpu(runnable);
    }
    ++next_;
    return c;
}

}  // namespace sim
