#include "sim/kernel/check.h"

#include <fmt/format.h>

#include "sim/kernel/atomic.h"
#include "sim/kernel/rcu.h"
#include "sim/kernel/slab.h"
#include "sim/kernel/task_ref.h"

namespace sim {

const Label put_task_struct_free{"__put_task_struct:free_task", "free_task(tsk);"};
const Label rcu_process_callbacks_invoke{"rcu_process_callbacks:invoke",
                                         "list->func(list); /* rcu_do_batch(): the grace period has ended */"};

namespace {
// Static cells outlive the machine that numbered them: give them ids no
// machine hands out, so exploration never confuses them with a model's cell.
struct StaticCell : Cell {
    StaticCell(const char* field_name, std::uint32_t fixed_id) : Cell(&global_object(), field_name, fixed_id) {}
};
}  // namespace

Cell& rcu_cell() {
    static StaticCell c("rcu", 0xffffffffu);
    return c;
}

Cell& slab_cell() {
    static StaticCell c("slab", 0xfffffffeu);
    return c;
}

namespace {
std::string held_list(const Machine& m) {
    const CpuState& s = m.cpu_state(m.cpu());
    std::string out;
    for (int k = 0; k < s.nheld; ++k) {
        if (!out.empty()) out += ", ";
        out += fmt::format("{} (taken at step {})", s.held[k].lock->display(), s.held[k].step);
    }
    if (s.rcu_nesting > 0) out += std::string(out.empty() ? "" : ", ") + "rcu_read_lock()";
    return out;
}
}  // namespace

void might_sleep(Machine& m, const Label& l, const char* what) {
    for (const Finding& f : m.findings())
        if (f.kind == "sleep-in-atomic" && f.message.find(l.name) != std::string::npos) return;
    m.report({"sleep-in-atomic",
              fmt::format("BUG: sleeping function called from invalid context: {} {} at step {} ({}) while holding {}",
                          m.cpu_state().name, what, m.step(), l.name, held_list(m)),
              m.step(), m.cpu(), {}, {}});
}

void lock_acquired(Machine& m, const Cell& lock, int& cls_cache, const char* cls_name, const Label& l) {
    if (cls_cache < 0) cls_cache = m.lockdep().class_of(cls_name);
    CpuState& s = m.cpu_state();
    std::vector<int> cycle;
    for (int k = 0; k < s.nheld; ++k) {
        if (!m.lockdep().add_edge(s.held[k].cls, cls_cache, m.step(), m.cpu(), &l, cycle, m.run_serial())) continue;
        // cycle: new -> ... -> held. The earlier order is cycle[0] -> cycle[1].
        const LockEdge& old = m.lockdep().edge(cycle[0], cycle[1]);
        const std::string& a = m.lockdep().class_name(s.held[k].cls);
        const std::string& b = m.lockdep().class_name(cls_cache);
        // A step of an earlier phase has no number in this run's timeline.
        bool same_run = old.run == m.run_serial();
        std::string when = same_run ? fmt::format("at step {}", old.step)
                                    : fmt::format("during {}", m.who(old.run, old.cpu));
        Finding f{"lock-order-inversion",
                  fmt::format("BUG: possible circular locking dependency: {} ({}) takes {} at step {} while holding "
                              "{}; the order {} -> {} was taken {} ({})",
                              s.name, l.name, b, m.step(), a, m.lockdep().class_name(cycle[0]),
                              m.lockdep().class_name(cycle[1]), when, old.label ? old.label->name : "?"),
                  m.step(),
                  m.cpu(),
                  {},
                  {}};
        if (same_run) f.related_steps.push_back(old.step);
        f.details = {"",
                     " Possible unsafe locking scenario:",
                     "",
                     fmt::format("      {:<28}{}", "CPU0", "CPU1"),
                     fmt::format("      {:<28}{}", "----", "----"),
                     fmt::format("      lock({});", a),
                     fmt::format("      {:<28}lock({});", "", b),
                     fmt::format("      {:<28}lock({});", "", a),
                     fmt::format("      lock({});", b),
                     "",
                     " *** DEADLOCK ***"};
        m.report(std::move(f));
    }
    if (s.nheld < kMaxHeldLocks) s.held[s.nheld++] = {&lock, cls_cache, m.step(), &l};
}

void lock_released(Machine& m, const Cell& lock, const Label& l) {
    CpuState& s = m.cpu_state();
    for (int k = s.nheld - 1; k >= 0; --k)
        if (s.held[k].lock == &lock) {
            for (int j = k; j + 1 < s.nheld; ++j) s.held[j] = s.held[j + 1];
            --s.nheld;
            return;
        }
    m.report({"bad-unlock",
              fmt::format("BUG: bad unlock balance: {} releases {} at step {} ({}) but does not hold it", s.name,
                          lock.display(), m.step(), l.name),
              m.step(), m.cpu(), {}, {}});
}

void refcount_underflow(Machine& m, atomic_t& a, int before, int after, const Label& l) {
    std::string prev = "no earlier decrement";
    std::vector<std::uint32_t> rel;
    if (a.last_dec_label) {
        if (a.last_dec_run == m.run_serial()) {
            prev = fmt::format("previous decrement at step {} ({} {})", a.last_dec_step,
                               m.who(a.last_dec_run, a.last_dec_cpu), label_function(a.last_dec_label));
            rel.push_back(a.last_dec_step);
        } else {
            prev = fmt::format("previous decrement during {} ({})", m.who(a.last_dec_run, a.last_dec_cpu),
                               label_function(a.last_dec_label));
        }
    }
    m.report({"refcount-underflow",
              fmt::format("BUG: refcount underflow: {} {} -> {} at step {} ({} {}); {}", a.display(), before, after,
                          m.step(), m.cpu_state().name, label_function(&l), prev),
              m.step(), m.cpu(), rel, {}});
}

void kref_get_on_zero(Machine& m, atomic_t& a, const Label& l) {
    std::string prev = "no earlier put";
    std::vector<std::uint32_t> rel;
    if (a.last_dec_label && a.last_dec_run == m.run_serial()) {
        prev = fmt::format("put to 0 at step {} ({} {})", a.last_dec_step, m.who(a.last_dec_run, a.last_dec_cpu),
                           label_function(a.last_dec_label));
        rel.push_back(a.last_dec_step);
    }
    m.report({"kref-get-zero",
              fmt::format("WARNING: kref_get() on a zero refcount: {} 0 -> 1 at step {} ({} {}); {}", a.display(),
                          m.step(), m.cpu_state().name, label_function(&l), prev),
              m.step(), m.cpu(), rel, {}});
}

void note_decrement(Machine& m, atomic_t& a, const Label& l) {
    a.last_dec_step = m.step();
    a.last_dec_cpu = m.cpu();
    a.last_dec_label = &l;
    a.last_dec_run = m.run_serial();
}

void double_free(Machine& m, Object& o, const Label& l) {
    std::string first = o.freed_run == m.run_serial()
                            ? fmt::format("step {} by {} ({})", o.freed_step, m.who(o.freed_run, o.freed_cpu),
                                          o.freed_at ? o.freed_at->name : "?")
                            : m.who(o.freed_run, o.freed_cpu);
    m.report({"double-free",
              fmt::format("BUG: double free: {} ({}) frees {} at step {}; already freed at {}", m.cpu_state().name,
                          l.name, o.name(), m.step(), first),
              m.step(), m.cpu(),
              o.freed_run == m.run_serial() ? std::vector<std::uint32_t>{o.freed_step} : std::vector<std::uint32_t>{},
              {}});
}

void rcu_unbalanced_unlock(Machine& m, const Label& l) {
    m.report({"rcu-misuse",
              fmt::format("BUG: rcu_read_unlock() without rcu_read_lock(): {} at step {} ({})", m.cpu_state().name,
                          m.step(), l.name),
              m.step(), m.cpu(), {}, {}});
}

}  // namespace sim
