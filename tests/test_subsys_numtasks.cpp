// numtasks (V7 5/7, Resource Groups) driven on a KernelV7 in a sim::Machine:
// the glue's files, charging with borrowing, the limits, the forkrate window,
// and the races the posted code has (check before charge; attach vs exit).
#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "core/kernel.h"
#include "core/v7/container.h"
#include "core/v7/labels.h"
#include "sim/leak.h"
#include "sim/machine.h"
#include "sim/script_policy.h"
#include "subsys/numtasks.h"

namespace {

using core::v7::container;
using sim::ScriptStep;

// A booted containers-v7 kernel. Set-up phases run serially on one CPU; `as`
// switches the task that CPU runs as (the scenario runner's `as`).
struct World {
    sim::Machine m;
    std::unique_ptr<core::Kernel> k = core::make_kernel("containers-v7", {});
    core::v7::KernelV7* kv = dynamic_cast<core::v7::KernelV7*>(k.get());
    subsys::numtasks_subsys_t* nt = nullptr;
    sim::SerialPolicy serial;

    World() {
        setup([&] { k->boot(); });
        nt = dynamic_cast<subsys::numtasks_subsys_t*>(kv->subsys_by_name("numtasks"));
        REQUIRE(nt);
    }
    void as(int pid) { m.cpu_state().user = k->task_by_pid(pid); }
    void setup(const std::function<void()>& body) {
        m.run({{"set-up", nullptr,
                [&] {
                    as(1);
                    body();
                }}},
              serial, "set-up");
    }
    // The kernel's own do_fork(): it calls numtasks_allow_fork(current)
    // before copy_process() (KernelV7::fork_allowed).
    int do_fork(int pid, const std::string& comm) { return k->fork(pid, comm); }
    // The numtasks state of the container named `dname` ("" for the root).
    subsys::numtasks* res(const std::string& dname) const {
        for (subsys::numtasks* r : nt->all_numtasks()) {
            const container* c = r->shares.css.container.peek();
            if (!r->freed && (dname.empty() ? c->parent == nullptr : c->dname == dname)) return r;
        }
        return nullptr;
    }
    container* cont(const std::string& dname) const { return res(dname)->shares.css.container.peek(); }
    // read(2) of a control file, inside a set-up phase.
    std::string read(const std::string& dname, const std::string& file) {
        std::string out;
        int rc = -1;
        setup([&] {
            container* c = cont(dname);
            for (const core::v7::cftype* cft : c->files)
                if (cft->name == file) rc = cft->read(c, cft, out);
        });
        REQUIRE(rc == 0);
        return out;
    }
    std::string stats(const std::string& dname) { return read(dname, "numtasks.stats"); }
    // Everything the runner checks at the end of a run, plus the subsystem's own.
    std::vector<sim::Finding> findings() {
        std::vector<sim::Finding> f = m.findings();
        k->check_invariants(f);
        nt->check_invariants(f);
        std::set<const sim::Object*> reach;
        k->reachable(reach);
        sim::check_leaks(m.arena(), reach, f);
        // The core may call the subsystem's hook itself: count each finding once.
        std::vector<sim::Finding> u;
        for (const sim::Finding& x : f)
            if (std::none_of(u.begin(), u.end(), [&](const sim::Finding& y) { return y.message == x.message; }))
                u.push_back(x);
        return u;
    }
    // Two CPUs running as the given tasks, under a script (then serial).
    void race(int pid0, std::function<void()> b0, int pid1, std::function<void()> b1, std::vector<ScriptStep> script) {
        sim::ScriptPolicy policy(std::move(script), serial);
        m.set_tracing(true);
        m.run({{"CPU0", k->task_by_pid(pid0), std::move(b0)}, {"CPU1", k->task_by_pid(pid1), std::move(b1)}}, policy,
              "threads");
        REQUIRE(m.schedule_error().empty());
        REQUIRE_FALSE(m.aborted());
    }
};

ScriptStep through(int cpu, const sim::Label& l) { return {cpu, ScriptStep::Kind::through, &l, 1, 0, "s"}; }
ScriptStep to(int cpu, const sim::Label& l) { return {cpu, ScriptStep::Kind::to, &l, 1, 0, "s"}; }
ScriptStep until_done(int cpu) { return {cpu, ScriptStep::Kind::until_done, nullptr, 1, 0, "s"}; }

std::string stats_text(int cur, int successes, int failures, int forkrate_failures) {
    return "numtasks: Current usage " + std::to_string(cur) + "\nnumtasks: Number of successes " +
           std::to_string(successes) + "\nnumtasks: Number of failures " + std::to_string(failures) +
           "\nnumtasks: Number of forkrate failures " + std::to_string(forkrate_failures) + "\n";
}

std::vector<std::string> messages(const std::vector<sim::Finding>& f) {
    std::vector<std::string> v;
    for (const auto& x : f) v.push_back(x.kind + ": " + x.message);
    return v;
}

// Mounted numtasks hierarchy with /dev/container/A and B.
void mount_ab(World& w) {
    w.setup([&] {
        REQUIRE(w.k->mount({"/dev/container", {"numtasks"}}) == 0);
        REQUIRE(w.k->mkdir("/dev/container/A") == 0);
        REQUIRE(w.k->mkdir("/dev/container/B") == 0);
    });
}

}  // namespace

TEST_CASE("numtasks: registration charges init, fork, attach and exit move the charge, borrowing from the root",
          "[subsys][numtasks]") {
    World w;
    // container_register_subsys() replays the fork callback for init.
    CHECK(w.res("")->name() == std::string("top_numtasks"));
    CHECK(w.res("")->cnt_cur_alloc.counter == 1);
    CHECK(w.res("")->successes.peek() == 1);
    CHECK(w.nt->total_cnt_alloc_value() == 1);
    mount_ab(w);
    CHECK(w.res("A")->name() == std::string("numtasks(A)"));
    w.setup([&] {
        REQUIRE(w.do_fork(100, "T1") == 0);
        REQUIRE(w.k->attach("/dev/container/A", 100) == 0);
    });
    // A's cnt_unused is DONT_CARE: its unit is borrowed from the root.
    CHECK(w.res("A")->cnt_cur_alloc.counter == 1);
    CHECK(w.res("A")->cnt_borrowed.counter == 1);
    CHECK(w.res("")->cnt_cur_alloc.counter == 2);
    CHECK(w.stats("A") == stats_text(1, 0, 0, 0));  // a borrowed unit is no success of A's
    CHECK(w.stats("") == stats_text(2, 3, 0, 0));
    CHECK(w.nt->total_cnt_alloc_value() == 2);
    w.setup([&] {
        w.as(100);
        REQUIRE(w.k->exit() == 0);
    });
    CHECK(w.res("A")->cnt_cur_alloc.counter == 0);
    CHECK(w.res("A")->cnt_borrowed.counter == 0);
    CHECK(w.res("")->cnt_cur_alloc.counter == 1);
    CHECK(w.nt->total_cnt_alloc_value() == 1);
    w.setup([&] { REQUIRE(w.k->rmdir("/dev/container/A") == 0); });
    CHECK(w.findings().empty());
}

TEST_CASE("numtasks.shares: the posted parser and validation, exact results", "[subsys][numtasks]") {
    World w;
    mount_ab(w);
    CHECK(w.read("A", "numtasks.shares") == "res=numtasks,min_shares=-3,max_shares=-3,child_shares_divisor=100\n");
    std::vector<int> rc;
    w.setup([&] {
        for (const char* v : {"max_shares=50", "res=numtasks,min_shares=10", "max_shares=50\n", "max_shares=",
                              "foo=1", "res=a,res=b", "max_shares=200", "min_shares=60", "res=anything",
                              ",,max_shares=0x28,", "child_shares_divisor=-5"})
            rc.push_back(w.k->write("/dev/container/A/numtasks.shares", v));
    });
    // "\n" (echo's) ends no %d token; 200 exceeds the parent's divisor; min 60 > max 40;
    // the resource name is never compared; base 0 takes hex; a negative divisor is refused.
    CHECK(rc == std::vector<int>{0, 0, -EINVAL, -EINVAL, -EINVAL, -EINVAL, -EINVAL, -EINVAL, 0, 0, -EINVAL});
    CHECK(w.read("A", "numtasks.shares") == "res=numtasks,min_shares=10,max_shares=40,child_shares_divisor=100\n");
    // The parent learned about its child: unused_min_shares and cur_max_shares.
    CHECK(w.res("")->shares.unused_min_shares.peek() == 90);
    CHECK(w.res("")->shares.cur_max_shares.peek() == 40);
    CHECK(w.findings().empty());
}

TEST_CASE("numtasks: a child's max_shares limits nothing until total_numtasks is set", "[subsys][numtasks]") {
    World w;
    mount_ab(w);
    w.setup([&] {
        REQUIRE(w.do_fork(100, "T1") == 0);
        REQUIRE(w.k->attach("/dev/container/A", 100) == 0);
        REQUIRE(w.k->write("/dev/container/A/numtasks.shares", "max_shares=1") == 0);
    });
    // The root's cnt_max_shares is DONT_CARE, so A's recalculates to DONT_CARE.
    CHECK(w.res("A")->cnt_max_shares.peek() == subsys::SHARE_DONT_CARE);
    int second = 1, third = 1;
    w.setup([&] {
        w.as(100);
        second = w.do_fork(101, "T2");
    });
    CHECK(second == 0);
    CHECK(w.res("A")->cnt_cur_alloc.counter == 2);
    // Setting the module parameter propagates: A's limit becomes 1 * 100 / 100.
    int set = 1;
    w.setup([&] { set = w.nt->set_total_numtasks("100"); });
    CHECK(set == 0);
    CHECK(w.res("")->cnt_max_shares.peek() == 100);
    CHECK(w.res("A")->cnt_max_shares.peek() == 1);
    w.setup([&] {
        w.as(100);
        third = w.do_fork(102, "T3");
    });
    CHECK(third == -ENOSPC);
    CHECK(w.stats("A") == stats_text(2, 0, 1, 0));
    // total_numtasks may not go to or below what is allocated; junk is -EINVAL.
    std::vector<int> rc;
    w.setup([&] {
        for (const char* v : {"3", "0", "x", "4"}) rc.push_back(w.nt->set_total_numtasks(v));
    });
    CHECK(rc == std::vector<int>{-EINVAL, -EINVAL, -EINVAL, 0});
    CHECK(w.findings().empty());
}

TEST_CASE("numtasks: below cnt_unused a child keeps its own units, above, it borrows", "[subsys][numtasks]") {
    World w;
    mount_ab(w);
    w.setup([&] {
        REQUIRE(w.nt->set_total_numtasks("100") == 0);
        // cnt_min_shares = 2 * 100 / 100; cnt_unused = 100 * 2 / 100.
        REQUIRE(w.k->write("/dev/container/A/numtasks.shares", "min_shares=2") == 0);
        REQUIRE(w.do_fork(100, "T1") == 0);
        REQUIRE(w.do_fork(101, "T2") == 0);
        REQUIRE(w.do_fork(102, "T3") == 0);
        for (int pid : {100, 101, 102}) REQUIRE(w.k->attach("/dev/container/A", pid) == 0);
    });
    CHECK(w.res("A")->cnt_unused.peek() == 2);
    CHECK(w.res("A")->cnt_cur_alloc.counter == 3);
    CHECK(w.res("A")->cnt_borrowed.counter == 1);
    CHECK(w.res("")->cnt_cur_alloc.counter == 2);  // init and A's borrowed unit
    CHECK(w.nt->total_cnt_alloc_value() == 4);
    CHECK(w.stats("A") == stats_text(3, 2, 0, 0));
    CHECK(w.findings().empty());
}

TEST_CASE("numtasks: the forkrate window, on the model's jiffies", "[subsys][numtasks]") {
    World w;
    std::vector<int> rc;
    w.setup([&] {
        REQUIRE(w.nt->set_forkrate("1") == 0);
        rc.push_back(w.do_fork(100, "T1"));
        rc.push_back(w.do_fork(101, "T2"));  // second fork in the same period
        w.nt->advance_jiffies(251);  // forkrate_interval (1 s) has passed
        rc.push_back(w.do_fork(102, "T3"));
    });
    CHECK(rc == std::vector<int>{0, -ENOSPC, 0});
    // Unmounted: the root's state hangs off dummytop, which has no files.
    CHECK(w.res("")->cnt_cur_alloc.counter == 3);
    CHECK(w.res("")->forkrate_failures.peek() == 1);
    CHECK(w.res("")->forks_in_period.peek() == 1);
    CHECK(w.findings().empty());
}

TEST_CASE("numtasks: set_forkrate resets only the root's window once the hierarchy is mounted", "[subsys][numtasks]") {
    World w;
    mount_ab(w);
    std::vector<int> rc;
    w.setup([&] {
        REQUIRE(w.do_fork(100, "T1") == 0);
        REQUIRE(w.k->attach("/dev/container/A", 100) == 0);
        REQUIRE(w.nt->set_forkrate("1") == 0);
        w.as(100);
        rc.push_back(w.do_fork(101, "T2"));  // A's one fork this period
        w.as(1);
        rc.push_back(w.do_fork(102, "T3"));  // the root's one fork this period
        // Re-setting the rate "resets all windows": root_rgroup is dummytop, which has no children.
        REQUIRE(w.nt->set_forkrate("1") == 0);
        rc.push_back(w.do_fork(103, "T4"));
        w.as(100);
        rc.push_back(w.do_fork(104, "T5"));
    });
    CHECK(rc == std::vector<int>{0, 0, 0, -ENOSPC});
    CHECK(w.res("A")->forks_in_period.peek() == 1);
    CHECK(w.stats("A") == stats_text(2, 0, 0, 1));
    CHECK(w.findings().empty());
}

TEST_CASE("numtasks.stats: a res= token at the end makes stats_parse read past the buffer", "[subsys][numtasks]") {
    World w;
    mount_ab(w);
    std::vector<int> rc;
    w.setup([&] {
        rc.push_back(w.k->write("/dev/container/A/numtasks.stats", "res=numtasks,x"));
        rc.push_back(w.k->write("/dev/container/A/numtasks.stats", "nothing"));
    });
    CHECK(rc == std::vector<int>{0, -EINVAL});
    CHECK(w.findings().empty());
    w.setup([&] { rc.push_back(w.k->write("/dev/container/A/numtasks.stats", "res=numtasks")); });
    CHECK(rc.back() == 0);
    auto f = w.findings();
    REQUIRE(f.size() == 1);
    CHECK(f[0].kind == "out-of-bounds");
    CHECK(f[0].message ==
          "BUG: out-of-bounds read: stats_parse() at step 5 (set-up) takes the remaining line at buf + 12 + 1, past "
          "the end of res_group_file_write()'s kmalloc(12 + 1) buffer, and strlen()s and strcpy()s whatever follows");
}

TEST_CASE("numtasks.shares: a write racing rmdir gets -ENODEV from the removed test", "[subsys][numtasks]") {
    World w;
    mount_ab(w);
    w.setup([&] { REQUIRE(w.do_fork(100, "T1") == 0); });
    int wr = 1, rm = 1;
    namespace rg = subsys::lbl::res_group_file_write;
    w.race(1, [&] { wr = w.k->write("/dev/container/A/numtasks.shares", "max_shares=5"); },  //
           100, [&] { rm = w.k->rmdir("/dev/container/A"); },
           {to(0, rg::lock_manage_mutex), until_done(1), until_done(0)});
    CHECK(rm == 0);
    CHECK(wr == -ENODEV);
    CHECK(w.findings().empty());  // the open file's dentry kept the container; numtasks(A) was freed by rmdir
}

TEST_CASE("numtasks race: two forks with one free slot both pass the check before either charges",
          "[subsys][numtasks][race]") {
    World w;
    mount_ab(w);
    w.setup([&] {
        REQUIRE(w.nt->set_total_numtasks("100") == 0);
        REQUIRE(w.k->write("/dev/container/A/numtasks.shares", "max_shares=3") == 0);
        REQUIRE(w.do_fork(100, "P1") == 0);
        REQUIRE(w.do_fork(101, "P2") == 0);
        REQUIRE(w.k->attach("/dev/container/A", 100) == 0);
        REQUIRE(w.k->attach("/dev/container/A", 101) == 0);
    });
    REQUIRE(w.res("A")->cnt_max_shares.peek() == 3);
    REQUIRE(w.res("A")->cnt_cur_alloc.counter == 2);
    int r0 = 1, r1 = 1;
    namespace af = subsys::lbl::numtasks_allow_fork;
    // Each fork's check (cnt_cur_alloc 2 < 3) runs before either charge (the fork callback).
    w.race(100, [&] { r0 = w.do_fork(200, "C1"); },  //
           101, [&] { r1 = w.do_fork(201, "C2"); },
           {through(0, af::rcu_read_unlock), through(1, af::rcu_read_unlock), until_done(0), until_done(1)});
    CHECK(r0 == 0);
    CHECK(r1 == 0);
    CHECK(w.stats("A") == stats_text(4, 0, 0, 0));
    CHECK(messages(w.findings()) ==
          std::vector<std::string>{"over-limit: BUG: over limit: the fork of C2 (pid 201) at step 88 (CPU1) "
                                   "charged numtasks(A) to 4, over its cnt_max_shares of 3"});
}

TEST_CASE("numtasks race: an attach between the check and the charge lands the child over a limit of 1",
          "[subsys][numtasks][race]") {
    World w;
    mount_ab(w);
    w.setup([&] {
        REQUIRE(w.nt->set_total_numtasks("100") == 0);
        REQUIRE(w.k->write("/dev/container/A/numtasks.shares", "max_shares=1") == 0);
        REQUIRE(w.do_fork(100, "T1") == 0);
        REQUIRE(w.k->attach("/dev/container/A", 100) == 0);
    });
    int r0 = 1, r1 = 1;
    namespace af = subsys::lbl::numtasks_allow_fork;
    // init checks the root (no limit), is moved into the full A, then charges A.
    w.race(1, [&] { r0 = w.do_fork(200, "C1"); },  //
           100, [&] { r1 = w.k->attach("/dev/container/A", 1); },
           {through(0, af::rcu_read_unlock), until_done(1), until_done(0)});
    CHECK(r0 == 0);
    CHECK(r1 == 0);  // attach itself has no limit: numtasks has no can_attach
    CHECK(w.stats("A") == stats_text(3, 0, 0, 0));
    CHECK(messages(w.findings()) ==
          std::vector<std::string>{"over-limit: BUG: over limit: the fork of C1 (pid 200) at step 91 (CPU0) charged "
                                   "numtasks(A) to 3, over its cnt_max_shares of 1"});
}

TEST_CASE("numtasks race: attach vs exit — the exit callback charges A off, then attach moves the task A -> B",
          "[subsys][numtasks][race]") {
    World w;
    mount_ab(w);
    w.setup([&] {
        REQUIRE(w.do_fork(100, "T1") == 0);
        REQUIRE(w.k->attach("/dev/container/A", 100) == 0);
    });
    int ra = 1, re = 1;
    namespace atp = core::v7::lbl::attach_task_by_pid;
    namespace ce = core::v7::lbl::container_exit;
    // CPU0 passes the PF_EXITING test; CPU1 runs do_exit up to container_exit's
    // unlocked read of tsk->containers (its exit callback has run: A 1 -> 0);
    // CPU0's attach switches the task to cg(B) and its callback moves A -> B
    // (A's dec is clamped at 0, B charged); CPU1 then puts cg(B).
    w.race(1, [&] { ra = w.k->attach("/dev/container/B", 100); },  //
           100, [&] { re = w.k->exit(); },
           {through(0, atp::read_unlock_tasklist), to(1, ce::read_containers), until_done(0), until_done(1)});
    CHECK(ra == 0);
    CHECK(re == 0);
    // The core's counts are right (the exit put the group it read); numtasks' are not.
    CHECK(w.res("A")->cnt_cur_alloc.counter == 0);
    CHECK(w.res("B")->cnt_cur_alloc.counter == 1);
    CHECK(w.res("B")->cnt_borrowed.counter == 1);
    auto f = w.findings();
    REQUIRE(f.size() == 2);
    CHECK(f[0].kind == "charge-mismatch");
    CHECK(f[0].message ==
          "BUG: charge mismatch: numtasks(B)->cnt_cur_alloc is 1 but /dev/container/B has 0 live tasks and lends 0 to "
          "its children");
    CHECK(f[1].kind == "charge-underflow");
    CHECK(f[1].message ==
          "BUG: charge underflow hidden: dec_usage_count() found numtasks(A)->cnt_cur_alloc already 0 at step 80 "
          "(CPU0, moving T1 (pid 100) out) and returned without a decrement");
    // The order that does it, in the run's own steps.
    auto step_of = [&](const std::string& label, int cpu) {
        for (const sim::Event& e : w.m.trace())
            if (e.cpu == cpu && label == e.label->name) return e.step;
        return 0u;
    };
    std::uint32_t exit_cb = step_of("res_group_exit:read_shares", 1);
    std::uint32_t assign = step_of("attach_task:assign_containers", 0);
    std::uint32_t attach_cb = step_of("res_group_attach:read_old_shares", 0);
    std::uint32_t exit_read = step_of("container_exit:read_containers", 1);
    CHECK(0 < exit_cb);
    CHECK(exit_cb < assign);
    CHECK(assign < attach_cb);
    CHECK(attach_cb < 79);
    CHECK(79 < exit_read);

    // rmdir B: free_shares_struct hands B's borrowed unit back to the root, so
    // the leaked charge vanishes with the group; only the recorded underflow remains.
    w.setup([&] { REQUIRE(w.k->rmdir("/dev/container/B") == 0); });
    CHECK(w.res("")->cnt_cur_alloc.counter == 1);
    auto g = w.findings();
    REQUIRE(g.size() == 1);
    CHECK(g[0].kind == "charge-underflow");
}

TEST_CASE("numtasks: the same attach and exit in serial order keep every charge", "[subsys][numtasks][race]") {
    World w;
    mount_ab(w);
    w.setup([&] {
        REQUIRE(w.do_fork(100, "T1") == 0);
        REQUIRE(w.k->attach("/dev/container/A", 100) == 0);
    });
    int ra = 1, re = 1;
    w.race(1, [&] { ra = w.k->attach("/dev/container/B", 100); },  //
           100, [&] { re = w.k->exit(); }, {until_done(0), until_done(1)});
    CHECK(ra == 0);
    CHECK(re == 0);
    CHECK(w.res("B")->cnt_cur_alloc.counter == 0);
    CHECK(w.findings().empty());
}

TEST_CASE("numtasks: every yield point is listed with the kernel's labels", "[subsys][numtasks]") {
    World w;
    std::vector<std::string> names;
    for (const sim::Label* l : w.kv->labels()) names.push_back(l->name);
    for (const char* n : {"numtasks_allow_fork:read_cur_alloc", "dec_usage_count:read_cur_alloc",
                          "res_group_file_write:test_removed", "set_controller_shares:lock_callback_mutex"})
        CHECK(std::count(names.begin(), names.end(), std::string(n)) == 1);
    auto sorted = names;
    std::sort(sorted.begin(), sorted.end());
    CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
}

TEST_CASE("numtasks race: forks_in_period++ is unlocked, so two forks pass a forkrate of 1 in one period",
          "[subsys][numtasks][race]") {
    World w;
    w.setup([&] {
        REQUIRE(w.do_fork(100, "T1") == 0);
        REQUIRE(w.nt->set_forkrate("1") == 0);  // resets the root's window
    });
    int r0 = 1, r1 = 1;
    namespace cf = subsys::lbl::check_forkrate;
    namespace af = subsys::lbl::numtasks_allow_fork;
    // Both read forks_in_period 0 before either writes 1.
    w.race(1, [&] { r0 = w.do_fork(200, "C1"); },  //
           100, [&] { r1 = w.do_fork(201, "C2"); },
           {to(0, cf::write_forks_in_period), through(1, af::rcu_read_unlock), until_done(0), until_done(1)});
    CHECK(r0 == 0);
    CHECK(r1 == 0);
    CHECK(w.res("")->forks_in_period.peek() == 1);
    CHECK(w.res("")->forkrate_failures.peek() == 0);
    CHECK(w.res("")->cnt_cur_alloc.counter == 4);
    CHECK(w.findings().empty());  // the charges match the tasks: only the rate was exceeded
}
