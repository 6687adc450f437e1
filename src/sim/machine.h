// The deterministic machine: simulated CPUs as Boost.Fibers on one OS thread,
// one decision per yield point. Knows nothing about containers: it sees labels,
// cells, access kinds, locks, RCU sections and objects.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "sim/access.h"
#include "sim/alloc_fail.h"
#include "sim/arena.h"
#include "sim/blocked.h"
#include "sim/finding.h"
#include "sim/label.h"
#include "sim/lockdep.h"
#include "sim/object.h"
#include "sim/policy.h"
#include "sim/schedule_token.h"
#include "sim/trace.h"

namespace boost::fibers {
class fiber;
}

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
    // A sleeping wait (mutex, rw_semaphore): a CPU blocked here has called
    // schedule(), a quiescent state for classic RCU. Spinning waits have not.
    bool sleeps = false;
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
    // The step changed whether some CPU is in an RCU quiescent state (or
    // counted one): ordered against grace-period snapshots and waits.
    bool qs = false;
    // Of those, a step after which some CPU may have entered a read-side
    // section (a non-quiescent stretch: an op's first step, a wake-up, a
    // quiescent state passed in the middle of kernel code). Only these decide
    // whether a grace period starting beside them waits for that stretch; a
    // step that only ends one commutes with the snapshot (docs/explore.md,
    // Reductions).
    bool qs_begin = false;
    // +1 or -1: the step added that to a counter and nothing but the checks
    // used the result (atomic_inc, atomic_dec, kref_get): two steps of the
    // same sign on one counter commute (docs/explore.md, Reductions). 0: any
    // other step, or one not known yet (a pending step).
    std::int8_t blind = 0;
    // The step took 1 from a counter and the model uses the result
    // (atomic_dec_and_test(), kref_put()), leaving `left`: two that leave it
    // non-zero commute (docs/explore.md, Reductions, nonzero-decs). Known
    // only once the step has run: a pending step never has it. Not set on a
    // blind decrement (blind-adds lets two of them swap whatever they leave,
    // which would move the zero between marked steps), nor on a counter the
    // model also changes in local code (atomic_t::folded).
    bool dec = false;
    std::int32_t left = 0;
    // Classic RCU: the CPU's local code after this step arrived at a sleeping
    // lock (Cell::id); whether it sleeps there (a quiescent state) depends on
    // that lock's holder, so the step is ordered against its releases.
    std::uint32_t arrives = 0;
    // For "may be co-enabled" (Flanagan and Godefroid): the locks the CPU
    // held when the step ran, as Machine::lock_bit()s, and the lock an
    // exclusive acquisition takes (-1: not one, or past 64 locks). A CPU's
    // step while it holds L never runs while another CPU could take L.
    std::uint64_t held = 0;
    std::int8_t lock_bit = -1;
};

// Machine::steps()'s memory. With checkpoints (sim/checkpoint.h) the steps
// live outside the snapshot region, in one buffer that never moves while a
// checkpoint is kept (Checkpoints::steps_allocator()): a checkpoint then need
// not copy them, since a run that restores one has the same steps before its
// decision as the run that took it, and only ever writes its own after them
// (a step's marks are set before the next decision, when checkpoints are taken).
// In the region they were a quarter of each copy, abandoned growth included.
// Past the buffer's capacity, or without one, it allocates as std::allocator
// does (then in the region, copied as before).
template <class T>
class StepsAllocator {
public:
    using value_type = T;
    using propagate_on_container_move_assignment = std::true_type;  // Machine::run() hands it over so
    using is_always_equal = std::false_type;
    StepsAllocator() = default;
    StepsAllocator(void* buffer, std::size_t bytes) : buffer_(buffer), bytes_(bytes) {}
    template <class U>
    StepsAllocator(const StepsAllocator<U>& o) : buffer_(o.buffer_), bytes_(o.bytes_) {}
    // A copy of the steps is the copier's own: it never shares the buffer.
    StepsAllocator select_on_container_copy_construction() const { return {}; }
    // The buffer serves one request: Machine::run()'s reserve() of its whole
    // capacity (one vector holds it; the allocator does not check that).
    T* allocate(std::size_t n) {
        return buffer_ && n * sizeof(T) == bytes_ ? static_cast<T*>(buffer_) : std::allocator<T>().allocate(n);
    }
    void deallocate(T* p, std::size_t n) {
        if (p != buffer_) std::allocator<T>().deallocate(p, n);
    }
    template <class U>
    bool operator==(const StepsAllocator<U>& o) const { return buffer_ == o.buffer_; }
    std::size_t capacity() const { return bytes_ / sizeof(T); }

private:
    template <class U>
    friend class StepsAllocator;
    void* buffer_ = nullptr;
    std::size_t bytes_ = 0;
};
using Steps = std::vector<StepInfo, StepsAllocator<StepInfo>>;

// A grace-period wait (an rcu_sync step) ran because these steps let it: for
// each CPU in its snapshot, the step after which that CPU had passed a
// quiescent state. The wait commutes with every other step of those CPUs, so
// exploration orders it after these alone (as an acquisition after the release).
struct GpEdge {
    std::uint32_t from;  // index in Machine::steps(): the quiescent state
    std::uint32_t to;    // index of the rcu_sync step
};
using GpEdges = std::vector<GpEdge>;

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
    // Machine::lock_bit(lock) once pending_info() has asked for it (-2: not
    // yet): each step asks for every held lock, and a search of the lock
    // table per held lock per step showed in profiles. The first ask still
    // numbers a new lock, so bits are handed out in the same order.
    mutable std::int8_t bit = -2;
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
    // RCU quiescent states (docs/fidelity.md, Semantics): qs_seq counts the
    // ones this CPU has passed; in_kernel (from an op's first step until it
    // returns to user mode), asleep (blocked at a sleeping wait since it last ran) and
    // in_softirq (running a call_rcu callback) say whether it is in one now.
    std::uint64_t qs_seq = 0;
    bool ops_done = false;         // its body has returned (idle, but for call_rcu callbacks)
    bool in_kernel = false;
    bool asleep = false;
    bool in_softirq = false;
    // Exploring: the steps after which qs_seq passed v. `step` is the last
    // step run then; `own` this CPU's own last step. They differ when it fell
    // asleep at a lock because another CPU took it after its arrival: the
    // quiescent state needs both (the arrival and the acquisition commute,
    // so either may come first in another execution of the trace), and a
    // grace period that waited for it follows both.
    static constexpr std::uint32_t kNoStep = ~std::uint32_t{0};
    struct Bump {
        std::uint32_t step;  // kNoStep: before the first step
        std::int64_t own;    // -1: it had run no step
    };
    std::vector<Bump> bump_at;
    std::int64_t last_step = -1;  // exploring: index of its last step in Machine::steps()
    // synchronize_rcu snapshot, per CPU: its qs_seq if it was outside a
    // quiescent state (the grace period waits for the next one), else
    // -1 - qs_seq (no wait; the stretch it last ended still precedes the
    // wait: Machine::note_gp_edges).
    std::array<std::int64_t, kMaxCpus> gp_wait{};
    std::array<HeldLock, kMaxHeldLocks> held{};
    int nheld = 0;
    std::array<RcuCallback, kMaxRcuCallbacks> callbacks{};  // call_rcu() queue, oldest first
    int ncallbacks = 0;
    int wait_row = -1;  // tracing: its open entry in Machine::waits() while blocked
    // preempt_count() as the kernel would see it (without the hardirq bits).
    int preempt_count() const { return atomic_depth + rcu_nesting + (in_softirq ? 1 : 0); }
};

// Thrown at a yield point to unwind a CPU cooperatively (deadlock, step limit,
// schedule error); caught at the fiber's top.
struct Abort {};

class Checkpoints;

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
    // With `ck` (exploration in a snapshot region, sim/checkpoint.h) the CPUs'
    // fibers park when the run is over instead of ending, and the run hands
    // `ck` the checkpoints it wants; a later run of the same threads may then
    // start from one: ck->restore(), then resume().
    void run(std::vector<Thread> threads, Policy& policy, std::string phase = "run", Checkpoints* ck = nullptr);
    // The run ck->restore() just put back, on to its end under `policy`.
    void resume(Policy& policy);
    // Checkpoints::release(): ends the parked fibers of the last run.
    void release_fibers();
    // With checkpoints a stopped run's CPUs park where they stand instead of
    // unwinding: stopping a run costs nothing (Explorer's run-on is moot).
    bool stops_in_place() const { return ck_ != nullptr; }
    // Where CPU `cpu`'s fiber last suspended (its deepest recorded frame).
    void* fiber_low(int cpu) const { return fiber_low_[static_cast<std::size_t>(cpu)]; }
    unsigned run_serial() const { return run_serial_; }
    // "CPU1" for a CPU of the current run, else the earlier phase's name ("set-up").
    std::string who(unsigned run, int cpu) const;

    void set_max_steps(std::uint32_t n) { max_steps_ = n; }
    std::uint32_t max_steps() const { return max_steps_; }
    void set_tracing(bool on) { tracing_ = on; }
    bool tracing() const { return tracing_; }
    const Trace& trace() const { return trace_; }
    // Tracing: every time a CPU was blocked (a lock held by another CPU, a
    // grace period), in the order found.
    const std::vector<WaitRow>& waits() const { return waits_; }
    // Why CPU `cpu`, parked at a wait, cannot run now.
    Blocked blocked_on(int cpu) const;
    const std::vector<Run>& runs() const { return runs_; }
    // Exploration: record a StepInfo per executed step (and, at a deadlock, the
    // blocked CPUs' pending steps). Tracing stays off while exploring.
    void set_exploring(bool on) { exploring_ = on; }
    bool exploring() const { return exploring_; }
    const Steps& steps() const { return steps_; }
    const std::vector<StepInfo>& blocked_at_end() const { return blocked_at_end_; }
    const GpEdges& gp_edges() const { return gp_edges_; }  // in order of `to`
    StepInfo pending_info(int cpu) const;  // the step CPU `cpu` is parked at
    // Fills a fresh StepInfo with it: pick() builds the step in place, since a
    // returned one written field by field and then copied stalled the copy's
    // wide loads on the narrow stores (store forwarding; perf, four-CPU search).
    void fill_pending_info(int cpu, StepInfo& i) const;
    // A lock's bit in StepInfo::held for this run (first come, first served;
    // -1 past 64 locks, which then never prune a race).
    int lock_bit(const Cell* lock) const;
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
    // RCU flavour: 2.6.20 classic RCU without CONFIG_PREEMPT (the default)
    // or with it (read-side sections are the preempt-disabled regions).
    void set_preempt(bool on) { preempt_ = on; }
    bool preempt() const { return preempt_; }
    // Whether CPU `cpu` is outside every quiescent state now: a grace period
    // that starts now must wait until it passes one (qs_seq moves).
    bool rcu_nonquiescent(int cpu) const;
    // The CPUs the grace period CPU `cpu` waits at has yet to see pass a
    // quiescent state (0 if it waits for no grace period).
    CpuMask gp_waits_for(int cpu) const;
    // Of a grace period's snapshot (CpuState::gp_wait), the CPUs that have not
    // passed a quiescent state since.
    CpuMask gp_not_passed(const std::array<std::int64_t, kMaxCpus>& snapshot) const;
    // rcu_qsctr_inc(): the current CPU passes a quiescent state (returns to
    // user mode, calls schedule()); under PREEMPT these already are outside
    // every read section, so only classic RCU counts them.
    // `resumes`: the CPU goes on in the kernel after it (kmalloc's reclaim,
    // msleep), so a new read-side stretch begins there too; false when it
    // returns to user mode or sleeps until a later step wakes it.
    void rcu_qsctr_inc(bool resumes = true);
    // The current CPU's syscall returns to user mode (a quiescent state for
    // classic RCU until its next op's first step enters the kernel again).
    void return_to_user();
    // The current CPU's preempt count (spinlocks held + rcu_read_lock
    // nesting) was `was` before its last step: under PREEMPT, leaving the
    // preempt-disabled region is a quiescent state, entering it starts one.
    void preempt_count_changed(int was);
    // call_rcu(): queue fn(arg) on the current CPU with `gp_wait` (the readers
    // it must outlive). The CPU runs its callbacks when its own work is done,
    // each after its grace period (docs/fidelity.md, Semantics).
    void queue_rcu_callback(const RcuCallback& cb);
    // The current CPU's last step also read `c` in its local code (a check
    // made under a lock the model folds into that step, e.g. umount's mount
    // count under vfsmount_lock): exploration orders it against writers of c.
    void note_also_reads(const Cell& c);
    // The running CPU's last step added `delta` (+1 or -1) to a counter and
    // the model does not use the result (StepInfo::blind).
    void note_blind_add(int delta);
    // The running CPU's last step took 1 from a counter, leaving `after`
    // (StepInfo::dec).
    void note_decrement(int after);
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
    const Arena& arena() const { return arena_; }
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
    // CPU `me` hands over to CPU `next` (-1: the main context) and waits.
    void suspend(int me, int next);
    // cpu_main's end (after its body or its unwinding): returns the CPU to run next.
    int cpu_ends(int i);
    // With checkpoints: CPU i, done, waits for a restore (which copies a
    // checkpoint over its stack) or the release of the fibers.
    void park(int i, int next);
    // The main context's part of a run, from its start (`fresh`) or from the
    // checkpoint Checkpoints::restore() just put back (resume()).
    void main_part(Policy& policy, bool fresh);
    void spawn_parked();  // with checkpoints: the CPUs' fibers, kept by ck_
    void drive();         // with checkpoints, the main context's part of a run
    void run_fibers();    // without: the CPUs' fibers, created and joined here
    void join_fibers(std::vector<boost::fibers::fiber>& fibers);  // ended: their stacks freed
    int next_cpu();
    CpuMask runnable();
    void deadlock();
    [[noreturn]] void unwind(const Label* parked_at);
    void run_rcu_callbacks();
    void pick(int c);
    // CPU `cpu`'s last executed step changed some CPU's quiescence (`begin`:
    // it may have started a read-side stretch: StepInfo::qs_begin).
    void mark_qs(int cpu, bool begin);
    void count_qs(CpuState& s);  // ++s.qs_seq, remembering the step it follows
    void note_gp_edges(int c);
    void note_waits(CpuMask runnable);  // tracing: open and close WaitRows
    void note_sleepers();   // classic RCU: CPUs blocked at a sleeping wait have called schedule()

    std::vector<CpuState> cpus_;
    int ncpus_ = 0;
    CpuMask unfinished_ = 0;  // CPUs whose body has not returned
    CpuMask waiting_ = 0;     // CPUs parked on a step with a wait condition
    std::array<void*, kMaxCpus> fiber_top_{};  // cpu_main's frame, for unwind()
    std::array<void*, kMaxCpus> fiber_low_{};  // suspend()'s frame, for Checkpoints::take()
    Checkpoints* ck_ = nullptr;                // this run's checkpoints (none: fibers end with the run)
    Policy* policy_ = nullptr;
    int cur_ = -1;
    int started_ = 0;
    bool running_ = false;
    bool abort_ = false;
    bool aborted_ = false;
    bool tracing_ = false;
    bool exploring_ = false;
    bool preempt_ = false;
    mutable std::vector<std::uint32_t> lock_ids_;  // lock_bit(): Cell::id per bit
    Steps steps_;
    GpEdges gp_edges_;
    std::vector<StepInfo> blocked_at_end_;
    std::uint32_t step_ = 0;
    std::uint32_t max_steps_ = 100000;
    const Label* last_label_ = nullptr;
    std::vector<Run> runs_;
    Trace trace_;
    std::vector<WaitRow> waits_;
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
