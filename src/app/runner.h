// Runs a scenario: boot and set-up serially on one CPU, then the threads under
// the chosen policy with tracing on, then the end-of-run checks, then the
// comparison with `expect`.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/scenario.h"
#include "core/kernel.h"
#include "sim/checkpoint.h"
#include "sim/machine.h"
#include "sim/region.h"
#include "sim/script_policy.h"

namespace app {

struct RunOptions {
    std::optional<std::string> token;   // --schedule: replay exactly
    std::optional<std::uint64_t> seed;  // --seed: random policy
    std::uint32_t max_steps = 20000;
    // Exploration: run the threads under this policy instead of the file's
    // schedule, untraced, with the machine recording each step's
    // (CPU, cell, access) for partial-order reduction (sim::Machine::set_exploring).
    sim::Policy* policy = nullptr;
    // The file's schedule bent round the blocks it meets (contsim run --nearest).
    std::vector<sim::Repair> repairs;
    // Stop the run after this many steps (0: before the first): the state at
    // a step, for `run --format dot --at STEP` and the play page. A run
    // stopped early is `aborted`; its end-of-run checks do not run.
    std::optional<std::uint32_t> stop_after;
    // With `policy`: return when the threads are done and leave the rest (the
    // token, the end-of-run checks, the final state, `expect`) to the caller
    // (SnapshotRunner::result()), which skips it for runs it does not count.
    bool finish_later = false;
    // With `policy`, in a snapshot region: the run's checkpoints (SnapshotRunner).
    sim::Checkpoints* checkpoints = nullptr;
};

// A CPU where a run stopped by RunOptions::stop_after left it.
struct CpuFront {
    bool finished = false;
    bool runnable = false;             // may take the next step
    const sim::Label* next = nullptr;  // the step it is parked at
    std::optional<sim::Blocked> blocked;  // why it may not (a lock, a grace period)
    std::vector<sim::HeldLock> held;      // the locks it holds
};

// One op a traced run's thread ran (a repeated or for_each op: each time).
struct OpSpan {
    std::string text;         // "echo 100 > /dev/container/CS2/tasks"
    std::uint32_t after = 0;  // steps the machine had run when it began
    std::uint32_t until = 0;  // ... and when it returned
    int ret = 0;
};

struct ThreadResult {
    std::string cpu;
    int task;
    std::string task_name;
    std::vector<int> returns;  // one per op that ran
    std::vector<std::string> reads;  // the text of each read op that ran ("" when it failed)
    std::vector<OpSpan> spans;       // traced runs only
};

struct RunResult {
    // The machine owns every object the trace points at: keep it alive.
    std::unique_ptr<sim::Machine> machine;
    std::unique_ptr<core::Kernel> kernel;
    const Scenario* scenario = nullptr;
    std::string token;
    std::vector<ThreadResult> threads;
    std::vector<sim::Finding> findings;
    std::vector<core::NodeState> nodes;
    std::vector<core::GroupState> groups;
    std::vector<core::TaskState> tasks;  // "/proc/PID" in expect.final
    bool aborted = false;
    std::uint32_t steps = 0;
    // The file's schedule asked a blocked CPU to run: the drawn order cannot
    // happen. The run stopped there (`aborted`); `infeasible_message` says where.
    std::optional<sim::ScriptBlock> infeasible;
    std::string infeasible_message;
    // With RunOptions::stop_after: each CPU where the run stopped (empty when
    // the run ended before, every CPU done).
    std::vector<CpuFront> front;
    // With RunOptions::repairs: the steps they moved.
    unsigned moved = 0;
    bool matches = true;
    std::vector<std::string> mismatches;
    int exit_code() const { return matches ? 0 : 1; }
    // "CPU1": the name of the CPU running thread `cpu` ("?" for none).
    std::string cpu_name(int cpu) const;
    std::vector<std::string> violation_set() const;  // sorted, unique kinds
};

// Throws InputError (unfollowable schedule, failing set-up, bad token).
RunResult run_scenario(const Scenario& sc, const RunOptions& opt = {});

// Runs of one scenario that share one boot and set-up (contsim explore): the
// machine and kernel are built, booted and set up once inside a snapshot
// region (sim/region.h), whose used bytes are then copied aside; each run()
// copies them back and runs only the threads. A run gives the same result as
// run_scenario() with the same options (tests/test_snapshot.cpp).
class SnapshotRunner {
public:
    // nullptr when the snapshot cannot be made (no free region slot, or the
    // set-up fails: run_scenario() then reports the error as usual).
    // `checkpoints`: a run starts from the deepest checkpoint of an earlier
    // one that its policy's planned picks lead to (sim/checkpoint.h), not
    // from set-up; the runner must then stay on the thread that made it.
    static std::unique_ptr<SnapshotRunner> create(const Scenario& sc, std::uint32_t max_steps,
                                                  bool checkpoints = false);
    ~SnapshotRunner();
    SnapshotRunner(const SnapshotRunner&) = delete;
    SnapshotRunner& operator=(const SnapshotRunner&) = delete;

    // The threads under `policy` (exploring, untraced). The result has no
    // machine or kernel; it and machine() are valid until the next run.
    const RunResult& run(sim::Policy& policy);
    // The same run without its end-of-run work (token, checks, final state,
    // `expect`): result() does that on first call. An explorer asks only for
    // the runs it counts (most of a large search's runs are covered or
    // sleep-blocked, and the final state's strings cost a tenth of a run).
    const sim::Machine& run_threads_only(sim::Policy& policy);
    const RunResult& result();
    const sim::Machine& machine() const { return *machine_; }
    std::size_t snapshot_bytes() const;
    const sim::Checkpoints* checkpoints() const { return ck_.get(); }
    sim::Checkpoints* checkpoints() { return ck_.get(); }

private:
    SnapshotRunner() = default;
    std::unique_ptr<sim::region::Region> region_;  // first member: destroyed last
    const Scenario* sc_ = nullptr;
    std::uint32_t max_steps_ = 0;
    sim::Machine* machine_ = nullptr;  // in the region
    core::Kernel* kernel_ = nullptr;   // in the region
    // The last run's result, in the region too, built before the snapshot:
    // each restore (of set-up or of a checkpoint) puts back the state it had
    // then, never one from a later run (an assignment would keep the old
    // capacity, which the restore hands out again).
    RunResult* cur_ = nullptr;
    bool ran_ = false;       // cur_ holds a run
    bool finished_ = false;  // cur_ has had its end-of-run work
    std::unique_ptr<sim::Checkpoints> ck_;  // destroyed before the region
};

// The value of expect.final's target.key at the end of a run, as compared
// with `expect` (a path that no longer exists counts as freed); nullopt when
// the run has no such value.
std::optional<nlohmann::json> final_value(const RunResult& r, const std::string& target, const std::string& key);

}  // namespace app
