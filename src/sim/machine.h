// The deterministic machine: simulated CPUs as Boost.Fibers on one OS thread,
// one decision per yield point. Knows nothing about containers: it sees labels,
// cells, access kinds, locks, RCU sections and objects.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/access.h"
#include "sim/alloc_fail.h"
#include "sim/arena.h"
#include "sim/finding.h"
#include "sim/label.h"
#include "sim/lockdep.h"
#include "sim/object.h"
#include "sim/policy.h"
#include "sim/schedule_token.h"
#include "sim/trace.h"

namespace sim {

constexpr int kMaxCpus = 16;
constexpr int kMaxHeldLocks = 16;

// What a parked CPU waits for before its pending step may run.
struct Wait {
    bool (*ready)(const void* obj, const class Machine& m, int cpu) = nullptr;
    const void* obj = nullptr;
    const Cell* lock = nullptr;  // the lock waited for, for the deadlock report
    // If set: called on the parked CPU (before it unwinds) when the run aborts
    // while it waits here, so a call that never returns is still checked.
    void (*abandoned)(class Machine& m, const Label& l) = nullptr;
};

// One executed step as exploration sees it (recorded only while exploring; no
// strings, no allocation beyond the vector's amortised growth).
struct StepInfo {
    std::uint32_t cell = 0;      // Cell::id of the cell touched
    std::uint32_t object = 0;    // Object::serial of the cell's owner (kfree conflicts with every cell of it)
    std::uint8_t cpu = 0;
    Access access = Access::read;
    bool rcu_snapshot = false;   // the CPU's local code after this step snapshotted RCU readers (synchronize_rcu)
    bool fatal = false;          // the CPU's local code after this step oopsed: the run stopped every CPU
    std::uint32_t also_reads = 0;  // Cell::id of a second cell the step's local code read (0: none)
};

// A call_rcu() callback queued on a CPU: it runs on that CPU, in softirq
// context, once every read-side section in its snapshot has ended.
constexpr int kMaxRcuCallbacks = 8;
struct RcuCallback {
    void (*fn)(void*) = nullptr;
    void* arg = nullptr;
    std::array<std::int64_t, kMaxCpus> gp_wait{};  // as CpuState::gp_wait
};

struct HeldLock {
    const Cell* lock;
    int cls;
    std::uint32_t step;
    const Label* label;
};

struct CpuState {
    std::string name;
    std::function<void()> body;
    void* user = nullptr;          // the model's per-CPU data (e.g. `current`)
    bool started = false;
    bool finished = false;
    const Label* pending = nullptr;
    const Cell* pending_cell = nullptr;
    Access pending_access = Access::read;
    const Wait* wait = nullptr;    // lives in the parked call's frame
    int atomic_depth = 0;          // spinlocks held: sleeping here is a bug
    int rcu_nesting = 0;
    std::uint32_t rcu_section = 0; // bumped at each outermost rcu_read_lock
    std::array<std::int64_t, kMaxCpus> gp_wait{};  // synchronize_rcu snapshot
    std::array<HeldLock, kMaxHeldLocks> held{};
    int nheld = 0;
    std::array<RcuCallback, kMaxRcuCallbacks> callbacks{};  // call_rcu() queue, oldest first
    int ncallbacks = 0;
};

// Thrown at a yield point to unwind a CPU cooperatively (deadlock, step limit,
// schedule error); caught at the fiber's top.
struct Abort {};

class Machine {
public:
    Machine();
    ~Machine();
    Machine(const Machine&) = delete;
    Machine& operator=(const Machine&) = delete;

    static Machine& current();          // the machine running on this OS thread
    static Machine* current_or_null();

    // --- running ---------------------------------------------------------
    struct Thread {
        std::string cpu;
        void* user;
        std::function<void()> body;
    };
    // Runs the threads to completion (or abort) under `policy`. Objects and
    // findings persist across runs (setup, then the threads); steps restart at 1.
    void run(std::vector<Thread> threads, Policy& policy, std::string phase = "run");
    unsigned run_serial() const { return run_serial_; }
    // "CPU1" for a CPU of the current run, else the earlier phase's name ("set-up").
    std::string who(unsigned run, int cpu) const;

    void set_max_steps(std::uint32_t n) { max_steps_ = n; }
    void set_tracing(bool on) { tracing_ = on; }
    bool tracing() const { return tracing_; }
    const Trace& trace() const { return trace_; }
    const std::vector<Run>& runs() const { return runs_; }
    // Exploration: record a StepInfo per executed step (and, at a deadlock, the
    // blocked CPUs' pending steps). Tracing stays off while exploring.
    void set_exploring(bool on) { exploring_ = on; }
    bool exploring() const { return exploring_; }
    const std::vector<StepInfo>& steps() const { return steps_; }
    const std::vector<StepInfo>& blocked_at_end() const { return blocked_at_end_; }
    StepInfo pending_info(int cpu) const;  // the step CPU `cpu` is parked at
    // Called by a policy to end the run quietly (exploration: nothing new below).
    void stop() { abort_ = true; }
    std::string token() const { return encode_token(runs_); }

    // Called by a policy that cannot follow its script: stops the run.
    void fail_schedule(std::string message);
    const std::string& schedule_error() const { return schedule_error_; }
    bool aborted() const { return aborted_; }

    // --- what the primitives call ------------------------------------------
    // Parks the current CPU at a yield point; returns when it is picked to
    // execute that step. `w.ready` (if set) says when the step may run.
    void yield(const Label& l, const Cell* c, Access a, const Wait* w = nullptr);
    void record(const Cell* c, Access a, Value before, Value after);
    // synchronize_rcu() has just read which CPUs are inside read sections.
    void note_rcu_snapshot();
    // call_rcu(): queue fn(arg) on the current CPU with `gp_wait` (the readers
    // it must outlive). The CPU runs its callbacks when its own work is done,
    // each after its grace period (docs/fidelity.md, Semantics).
    void queue_rcu_callback(const RcuCallback& cb);
    // The current CPU's last step also read `c` in its local code (a check
    // made under a lock the model folds into that step, e.g. umount's mount
    // count under vfsmount_lock): exploration orders it against writers of c.
    void note_also_reads(const Cell& c);
    void report(Finding f);
    // A kernel oops in the running CPU (a NULL pointer dereference, ...):
    // report it and abort the run, unwinding every CPU, as the kernel would
    // kill the task and leave the machine in doubt. Never returns, but is not
    // declared [[noreturn]]: ASan would then call __asan_handle_no_return in
    // the caller's frame on the fiber stack, which it misreads (see unwind()).
    void oops(Finding f);
    // A NULL dereference in modelled code at label l ("what" says which
    // pointer): the kernel-bug oops that sim::deref() and yield() raise.
    void null_deref(const Label& l, const std::string& what);
    // yield() on &p->field with p == NULL.
    void null_field(const Label& l);
    void use_after_free(const Cell& c, const Label& l);

    int cpu() const { return cur_; }
    CpuState& cpu_state() { return cpus_[cur_]; }
    const CpuState& cpu_state(int i) const { return cpus_[i]; }
    int ncpus() const { return ncpus_; }
    std::uint32_t step() const { return step_; }
    const Label* last_label() const { return last_label_; }
    bool in_run() const { return running_; }
    // Name of the current CPU's function at the current step ("attach_task").
    std::string current_function() const;

    Arena& arena() { return arena_; }
    AllocFailInjector& alloc_fail() { return alloc_fail_; }
    Lockdep& lockdep() { return lockdep_; }
    std::uint32_t next_cell_id() { return ++cell_ids_; }
    std::uint32_t next_serial() { return ++serials_; }

    const std::vector<Finding>& findings() const { return findings_; }
    bool has_finding(const std::string& kind) const;

    // Low-level fiber plumbing (used by the Boost.Fiber algorithm).
    void cpu_main(int i);

private:
    void switch_to(int next);
    int next_cpu();
    CpuMask runnable() const;
    void deadlock();
    [[noreturn]] void unwind(const Label* parked_at);
    void run_rcu_callbacks();
    void pick(int c);

    std::vector<CpuState> cpus_;
    int ncpus_ = 0;
    CpuMask unfinished_ = 0;  // CPUs whose body has not returned
    CpuMask waiting_ = 0;     // CPUs parked on a step with a wait condition
    std::array<void*, kMaxCpus> fiber_top_{};  // cpu_main's frame, for unwind()
    Policy* policy_ = nullptr;
    int cur_ = -1;
    int started_ = 0;
    bool running_ = false;
    bool abort_ = false;
    bool aborted_ = false;
    bool tracing_ = false;
    bool exploring_ = false;
    std::vector<StepInfo> steps_;
    std::vector<StepInfo> blocked_at_end_;
    std::uint32_t step_ = 0;
    std::uint32_t max_steps_ = 100000;
    const Label* last_label_ = nullptr;
    std::vector<Run> runs_;
    Trace trace_;
    std::vector<Finding> findings_;
    std::string schedule_error_;
    Arena arena_;
    AllocFailInjector alloc_fail_;
    Lockdep lockdep_;
    std::uint32_t cell_ids_ = 0;
    std::uint32_t serials_ = 0;
    Machine* outer_ = nullptr;
    unsigned run_serial_ = 0;
    std::vector<std::string> phases_;
};

// Short name of the function part of a label ("attach_task").
std::string label_function(const Label* l);

}  // namespace sim
