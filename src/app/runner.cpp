#include "app/runner.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "app/op_flow.h"
#include "app/report.h"
#include "core/lab/lab.h"
#include "core/v7/container.h"
#include "sim/leak.h"
#include "sim/script_policy.h"

namespace app {

namespace {
// Boot and set-up: far beyond any file's ops (a step-limit here would be a
// model bug, reported as set-up not clean).
constexpr std::uint32_t kSetupMaxSteps = 50'000'000;
}  // namespace

namespace {

// One time of an op (op_flow.h computed its fields); a read's text in `text`.
int do_op(core::Kernel& k, const Op& op, std::string& text) {
    if (auto* lab = dynamic_cast<core::lab::LabKernel*>(&k)) {
        core::lab::LabOp l{op.op, op.object, !op.via.empty(), op.number, op.value, op.atomic_gfp};
        return lab->lab_op(l, text);
    }
    if (!op.handle.empty()) {  // an open control file
        if (op.fd < 0) return -EBADF;
        if (op.op == "read") {
            int r = k.read_fd(op.fd, text);
            if (r != 0) text.clear();
            return r;
        }
        return op.op == "write" ? k.write_fd(op.fd, op.value) : k.close_fd(op.fd);
    }
    if (op.op == "open" && !op.path.empty()) return k.open_path(op.path);
    if (op.op == "cpu_down" || op.op == "cpu_up") return k.cpu_hotplug(op.hot, op.op == "cpu_up");
    if (op.op == "mem_online") return k.mem_online(op.hot);
    if (op.op == "fork") return k.fork(op.pid, op.name);
    if (op.op == "exit") return k.exit();
    if (op.op == "attach") return k.attach(op.path, op.pid);
    if (op.op == "mount") return k.mount({op.path, op.subsystems});
    if (op.op == "mkdir") return k.mkdir(op.path);
    if (op.op == "rmdir") return k.rmdir(op.path);
    if (op.op == "write") return k.write(op.path, op.value);
    if (op.op == "read") {
        int r = k.read(op.path, text);
        if (r != 0) text.clear();
        return r;
    }
    if (op.op == "umount") return k.umount(op.path, op.lazy);
    if (op.op == "remount") return k.remount({op.path, op.subsystems});
    if (op.op == "clone") return k.clone(op.pid, op.name, op.flags);
    if (op.op == "unshare") return k.unshare(op.flags);
    if (op.op == "open") return k.open_file(op.file);
    if (op.op == "close") return k.close_file(op.file);
    if (op.op == "tick") return k.tick(op.cputime);
    if (op.op == "register_subsys") return k.register_subsys(op.subsystem);
    if (op.op == "css_get") return k.css_get_op(op.path, op.subsystem);
    if (op.op == "css_put") return k.css_put_op(op.path, op.subsystem);
    if (op.op == "module_param") return k.module_param(op.module, op.param, op.value);
    if (op.op == "setuid") return k.setuid(op.uid, op.euid, op.suid);
    if (op.op == "capability") return k.capability(op.cap, op.cap_on);
    return -EINVAL;
}

// RunOptions::stop_after: the wrapped policy's picks until that many steps
// have run; then it notes where each CPU is and stops the run (as a policy
// that ends it quietly does).
class StopAfter : public sim::Policy {
public:
    StopAfter(sim::Policy& inner, sim::Machine& m, std::uint32_t steps, std::vector<CpuFront>& front)
        : inner_(inner), m_(m), steps_(steps), front_(front) {}
    int choose(const sim::Machine& m, sim::CpuMask runnable, int current) override {
        if (m.step() < steps_) return inner_.choose(m, runnable, current);
        front_.clear();
        for (int i = 0; i < m.ncpus(); ++i) {
            const sim::CpuState& c = m.cpu_state(i);
            CpuFront f;
            f.finished = c.finished;
            f.runnable = (runnable >> i & 1) != 0;
            f.next = c.finished ? nullptr : c.pending;
            if (!c.finished && !f.runnable) f.blocked = m.blocked_on(i);
            f.held.assign(c.held.begin(), c.held.begin() + c.nheld);
            front_.push_back(f);
        }
        m_.stop();
        return current;
    }

private:
    sim::Policy& inner_;
    sim::Machine& m_;
    std::uint32_t steps_;
    std::vector<CpuFront>& front_;
};

std::string join_kinds(const std::vector<std::string>& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
    return s + "]";
}

// `scripted`: the run followed the file's schedule (not a token, a seed or an
// explorer's policy, under which an infeasible file's `violations` are the
// drawn outcome to compare with).
void compare(RunResult& r, const Scenario& sc, bool scripted) {
    const Expect& e = sc.expect;
    if (r.infeasible) {
        // Only `infeasible` is compared: the run stopped where the order broke.
        r.matches = e.present && e.infeasible;
        if (!r.matches) r.mismatches.push_back("the drawn schedule cannot happen: " + r.infeasible_message);
        return;
    }
    if (!e.present) {
        r.matches = r.findings.empty();
        if (!r.matches) r.mismatches.push_back("no expect given and the run has findings");
        return;
    }
    if (e.infeasible && scripted) {
        r.matches = false;
        r.mismatches.push_back("infeasible: expected the drawn schedule to be impossible, but the run followed it");
        return;
    }
    if (e.violations) {
        std::vector<std::string> want(e.violations->begin(), e.violations->end());
        auto got = r.violation_set();
        if (want != got)
            r.mismatches.push_back(fmt::format("violations: expected {}, found {}", join_kinds(want), join_kinds(got)));
    }
    for (const auto& [cpu, want] : e.returns) {
        for (const ThreadResult& t : r.threads)
            if (t.cpu == cpu && t.returns != want) {
                auto fmtv = [](const std::vector<int>& v) {
                    std::string s = "[";
                    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + core::result_name(v[i]);
                    return s + "]";
                };
                r.mismatches.push_back(fmt::format("returns.{}: expected {}, found {}", cpu, fmtv(want), fmtv(t.returns)));
            }
    }
    for (const auto& [cpu, want] : e.reads) {
        for (const ThreadResult& t : r.threads) {
            if (t.cpu != cpu) continue;
            bool ok = t.reads.size() == want.size();
            for (std::size_t i = 0; ok && i < want.size(); ++i)
                ok = std::find(want[i].begin(), want[i].end(), t.reads[i]) != want[i].end();
            if (ok) continue;
            nlohmann::json w = nlohmann::json::array();  // as the file writes it
            for (const auto& alts : want) w.push_back(alts.size() == 1 ? nlohmann::json(alts[0]) : nlohmann::json(alts));
            r.mismatches.push_back(
                fmt::format("reads.{}: expected {}, found {}", cpu, w.dump(), nlohmann::json(t.reads).dump()));
        }
    }
    for (const FinalCheck& f : e.final) {
        std::optional<nlohmann::json> got = final_value(r, f.target, f.key);
        if (!got)
            r.mismatches.push_back(fmt::format("final.{}.{}: no such value at the end of the run", f.target, f.key));
        else if (*got != f.value)
            r.mismatches.push_back(fmt::format("final.{}.{}: expected {}, found {}", f.target, f.key, f.value.dump(),
                                               got->dump()));
    }
    r.matches = r.mismatches.empty();
}

}  // namespace

std::optional<nlohmann::json> final_value(const RunResult& r, const std::string& target, const std::string& key) {
    std::optional<nlohmann::json> got;
    for (const core::NodeState& n : r.nodes)
        if (n.path == target) {
            if (key == "count") got = n.count;
            if (key == "tasks") got = n.tasks;
            auto v = n.values.find(key);
            if (v != n.values.end()) got = v->second;
            auto t = n.texts.find(key);
            if (t != n.texts.end()) got = t->second;
        }
    for (const core::GroupState& g : r.groups)
        if (g.name == target) {
            if (key == "refcount") got = g.refcount;
            if (key == "tasks") got = g.tasks;
            if (key == "freed") got = g.freed;
        }
    for (const core::TaskState& t : r.tasks)
        if (target == "/proc/" + std::to_string(t.pid)) {
            auto v = t.texts.find(key);
            if (v != t.texts.end()) got = v->second;
        }
    // "gone": the directory no longer exists (removed, or its hierarchy unmounted).
    if (key == "gone")
        got = std::none_of(r.nodes.begin(), r.nodes.end(), [&](auto& n) { return n.path == target; });
    if (key == "freed" && !got) {
        bool exists = std::any_of(r.nodes.begin(), r.nodes.end(), [&](auto& n) { return n.path == target; });
        if (!exists) got = true;
    }
    return got;
}

std::string RunResult::cpu_name(int cpu) const {
    return cpu >= 0 && static_cast<std::size_t>(cpu) < threads.size() ? threads[static_cast<std::size_t>(cpu)].cpu : "?";
}

std::vector<std::string> RunResult::violation_set() const {
    std::vector<std::string> v;
    for (const auto& f : findings) v.push_back(f.kind);
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

namespace {

// Boot and set-up: one CPU, serial, untraced. Throws InputError.
void boot_and_setup(sim::Machine& m, core::Kernel& k, const Scenario& sc) {
    k.set_config(sc.config);
    k.set_machine(sc.machine_cpus, sc.machine_mems);
    k.set_hotplug(sc.hotplug);
    if (auto* lab = dynamic_cast<core::lab::LabKernel*>(&k)) lab->set_objects(sc.objects);
    k.set_config_modules(sc.modules);
    // The RCU flavour follows CONFIG_PREEMPT (default off, as 2.6.20's
    // Kconfig.preempt "default PREEMPT_NONE"): docs/fidelity.md, Semantics.
    m.set_preempt(k.config("PREEMPT", false));
    m.alloc_fail().configure(sc.fail_alloc);
    std::string setup_error, op_where, op_name;
    sim::SerialPolicy serial;
    // --max-steps bounds the threads, not boot and set-up (serial, so they
    // cannot livelock; bounded by the file's ops): their own generous bound.
    const std::uint32_t thread_bound = m.max_steps();
    m.set_max_steps(kSetupMaxSteps);
    m.run({{"set-up", nullptr,
            [&] {
                k.boot();
                expr::Env env;  // the names set-up's ops bind
                auto call = [&](const Op& c, std::string& text) { return setup_error.empty() ? do_op(k, c, text) : 0; };
                auto record = [&](const Op&, int res, const std::string&) {
                    if (res != 0 && setup_error.empty())
                        setup_error = fmt::format("{}: {}: set-up op \"{}\" failed with {}", sc.file, op_where, op_name,
                                                  core::result_name(res));
                };
                for (const Op& op : sc.setup) {
                    m.cpu_state().user = k.task_by_pid(op.as);
                    if (!m.cpu_state().user) {
                        setup_error = fmt::format("{}: {}.as: pid {} does not exist at this point", sc.file, op.where, op.as);
                        return;
                    }
                    op_where = op.where;
                    op_name = op.op;
                    run_op(op, env, call, record);
                    if (!setup_error.empty()) return;
                }
            }}},
          serial, "set-up");
    m.set_max_steps(thread_bound);
    if (!setup_error.empty()) throw InputError(setup_error);
    if (auto* lab = dynamic_cast<core::lab::LabKernel*>(&k); lab && !lab->held_locks().empty())
        throw InputError(fmt::format("{}: $.setup: set-up leaves {} held: release every lock it takes (the threads "
                                     "start from a quiet machine)",
                                     sc.file, lab->held_locks()));
    if (!m.findings().empty())
        throw InputError(fmt::format("{}: $.setup: set-up is not clean: {}", sc.file, m.findings().front().message));
}

// The end of run_threads() once the threads are done: the token, the
// end-of-run checks (invariants, leaks), the final state and `expect`.
void finish_threads(RunResult& r, const sim::Machine& m, const core::Kernel& k, const Scenario& sc,
                    bool schedule_checks) {
    r.token = m.token();
    r.steps = m.step();
    r.aborted = m.aborted();
    r.findings = m.findings();
    if (!r.aborted) {
        k.check_invariants(r.findings);
        std::set<const sim::Object*> reach;
        k.reachable(reach);
        sim::check_leaks(m.arena(), reach, r.findings);
    }
    r.nodes = k.nodes();
    r.groups = k.groups();
    r.tasks = k.task_states();
    compare(r, sc, schedule_checks);
}

// The threads, after set-up, then the end-of-run checks and `expect`.
void run_threads(RunResult& r, sim::Machine& m, core::Kernel& k, const Scenario& sc, const RunOptions& opt) {
    sim::SerialPolicy serial;
    // The threads; injected allocation failures count from here.
    m.alloc_fail().arm(true);
    std::vector<sim::Machine::Thread> threads;
    r.threads.resize(sc.threads.size());
    for (std::size_t i = 0; i < sc.threads.size(); ++i) {
        const ThreadSpec& t = sc.threads[i];
        core::task_struct* task = k.task_by_pid(t.task);
        if (!task)
            throw InputError(fmt::format("{}: $.threads[{}].task: pid {} does not exist after set-up", sc.file, i, t.task));
        r.threads[i] = {t.cpu, t.task, task->comm, {}, {}, {}};
        threads.push_back({t.cpu, task, [&k, &t, &res = r.threads[i]] {
                               expr::Env env;  // the names this thread's ops bind
                               std::uint32_t began = 0;
                               auto call = [&k, &began](const Op& c, std::string& text) {
                                   began = sim::Machine::current().step();
                                   return do_op(k, c, text);
                               };
                               auto record = [&res, &began, syscalls = k.ops_are_syscalls()](
                                                 const Op& c, int ret, const std::string& text) {
                                   sim::Machine& mc = sim::Machine::current();
                                   if (mc.tracing()) res.spans.push_back({op_text(c), began, mc.step(), ret});
                                   res.returns.push_back(ret);
                                   if (c.op == "read") res.reads.push_back(text);
                                   // Back in user mode: a quiescent state
                                   // (rcu_check_callbacks(cpu, user=1)).
                                   if (syscalls) sim::Machine::current().return_to_user();
                               };
                               for (const Op& op : t.ops)
                                   if (!run_op(op, env, call, record)) break;  // an exit ran
                           }});
    }
    std::unique_ptr<sim::ReplayPolicy> replay;
    std::unique_ptr<sim::RandomPolicy> random;
    std::unique_ptr<sim::ScriptPolicy> script;
    sim::Policy* policy;
    if (opt.policy) {
        policy = opt.policy;
    } else if (opt.token) {
        std::string err;
        auto picks = sim::decode_token(*opt.token, err);
        if (!picks) throw InputError("--schedule: " + err);
        policy = (replay = std::make_unique<sim::ReplayPolicy>(std::move(*picks))).get();
    } else if (opt.seed) {
        policy = (random = std::make_unique<sim::RandomPolicy>(*opt.seed)).get();
    } else {
        policy = (script = std::make_unique<sim::ScriptPolicy>(sc.schedule, serial, opt.repairs)).get();
    }
    std::optional<StopAfter> stop_after;
    if (opt.stop_after) policy = &stop_after.emplace(*policy, m, *opt.stop_after, r.front);
    m.set_tracing(!opt.policy);
    m.set_exploring(opt.policy != nullptr);
    m.run(std::move(threads), *policy, "threads", opt.policy ? opt.checkpoints : nullptr);
    if (script && script->blocked()) {
        // Not bad input: an answer. The drawn order cannot happen here.
        r.infeasible = script->blocked();
        r.infeasible_message = fmt::format("{}: $.{}", sc.file, m.schedule_error());
        r.token = m.token();
        r.steps = m.step();
        r.aborted = true;
        r.findings = m.findings();
        r.nodes = k.nodes();
        r.groups = k.groups();
        r.tasks = k.task_states();
        compare(r, sc, true);
        return;
    }
    if (!m.schedule_error().empty()) {
        const std::string& e = m.schedule_error();
        if (replay) throw InputError("--schedule: " + e);
        throw InputError(fmt::format("{}: $.{}", sc.file, e));
    }
    if (script) r.moved = script->moved();
    // A schedule that asked for more than the run did cannot be followed either.
    if (replay && replay->unused() && !opt.stop_after)
        throw InputError(fmt::format("--schedule: the token has {} more step{} than the run (which ended after step {})",
                                     replay->unused(), replay->unused() == 1 ? "" : "s", m.step()));
    if (script && !m.aborted()) {
        std::string e = script->unmet(m);
        if (!e.empty()) throw InputError(fmt::format("{}: $.{}", sc.file, e));
    }
    if (opt.finish_later) return;
    finish_threads(r, m, k, sc, script != nullptr && opt.repairs.empty());
}

}  // namespace

RunResult run_scenario(const Scenario& sc, const RunOptions& opt) {
    RunResult r;
    r.scenario = &sc;
    r.machine = std::make_unique<sim::Machine>();
    sim::Machine& m = *r.machine;
    m.set_max_steps(opt.max_steps);
    r.kernel = core::make_kernel(sc.kernel, sc.fixes);
    boot_and_setup(m, *r.kernel, sc);
    run_threads(r, m, *r.kernel, sc, opt);
    return r;
}

// --- SnapshotRunner -----------------------------------------------------------

std::unique_ptr<SnapshotRunner> SnapshotRunner::create(const Scenario& sc, std::uint32_t max_steps, bool checkpoints) {
    // Warm-up, outside any region: one ordinary run of the scenario brings up
    // this thread's Boost.Fiber scheduler, dispatcher and main context, the
    // FiberAlgo and the stack pool, and the function-local statics the model
    // reaches, so that none of them is ever allocated in the region (and
    // overwritten by a restore). The kernels' tables that hold heap storage
    // are touched explicitly, whatever this scenario reaches.
    core::v7::KernelV7::subsys_configs();
    core::v7::KernelV7::module_params();
    try {
        sim::SerialPolicy serial;
        RunOptions ro;
        ro.max_steps = max_steps;
        ro.policy = &serial;
        run_scenario(sc, ro);
    } catch (const std::exception&) {
        return nullptr;  // the caller's ordinary runs report it
    }

    std::unique_ptr<SnapshotRunner> s(new SnapshotRunner);
    s->region_ = sim::region::Region::create();
    if (!s->region_) return nullptr;
    s->sc_ = &sc;
    s->max_steps_ = max_steps;
    try {
        sim::region::Scope in(*s->region_);
        // The same construction order as run_scenario(): cell ids and serials follow it.
        auto m = std::make_unique<sim::Machine>();
        m->set_max_steps(max_steps);
        std::unique_ptr<core::Kernel> k = core::make_kernel(sc.kernel, sc.fixes);
        boot_and_setup(*m, *k, sc);
        for (const ThreadSpec& t : sc.threads)
            if (!k->task_by_pid(t.task)) return nullptr;  // run_scenario() says which
        s->machine_ = m.release();
        s->kernel_ = k.release();
        s->cur_ = new RunResult;
        s->cur_->scenario = &sc;
    } catch (const std::exception&) {
        // Unwound inside the region (still mapped): the machine and kernel
        // were destroyed as usual. The exception is gone before the region is.
        return nullptr;
    }
    s->region_->snapshot();
    if (checkpoints) s->ck_ = std::make_unique<sim::Checkpoints>(*s->region_);
    return s;
}

SnapshotRunner::~SnapshotRunner() {
    if (ck_ && ck_->has_fibers()) {
        sim::region::Scope in(*region_);
        ck_->release(*machine_);
    }
    // As a RunResult would: the kernel, then the machine (which hands this
    // thread's current machine back). Their memory is the region's.
    delete kernel_;
    delete machine_;
}

std::size_t SnapshotRunner::snapshot_bytes() const { return region_->snapshot_size(); }

const sim::Machine& SnapshotRunner::run_threads_only(sim::Policy& policy) {
    finished_ = false;
    ran_ = false;
    try {
        sim::region::Scope in(*region_);
        if (ck_ && ck_->restore(policy)) {
            // The threads, from a checkpoint on: run_threads() built them
            // and their result in an earlier run, which the checkpoint holds.
            machine_->resume(policy);
            if (!machine_->schedule_error().empty())
                throw InputError(fmt::format("{}: $.{}", sc_->file, machine_->schedule_error()));
        } else {
            if (ck_) ck_->release(*machine_);  // the parked CPUs of an earlier run
            region_->restore();
            RunOptions ro;
            ro.max_steps = max_steps_;
            ro.policy = &policy;
            ro.finish_later = true;
            ro.checkpoints = ck_.get();
            run_threads(*cur_, *machine_, *kernel_, *sc_, ro);
        }
        ran_ = true;
    } catch (...) {
        region_->pin();  // the exception in flight may point into the region
        throw;
    }
    return *machine_;
}

const RunResult& SnapshotRunner::result() {
    if (!ran_) throw std::logic_error("SnapshotRunner::result() before a run");
    if (!finished_) {
        try {
            // Its strings and vectors go where the run's went: into the region.
            sim::region::Scope in(*region_);
            finish_threads(*cur_, *machine_, *kernel_, *sc_, false);
        } catch (...) {
            region_->pin();
            throw;
        }
        finished_ = true;
    }
    return *cur_;
}

const RunResult& SnapshotRunner::run(sim::Policy& policy) {
    run_threads_only(policy);
    return result();
}

}  // namespace app
