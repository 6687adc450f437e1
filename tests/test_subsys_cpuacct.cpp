// cpuacct (V7 4/7) driven on a KernelV7 in a sim::Machine: the charge path
// (an RCU reader with no task_lock and no css reference), cpuacct.usage, and
// what keeps a charge from touching freed state.
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
#include "subsys/cpuacct.h"

namespace {

using core::v7::container;
using sim::ScriptStep;

struct World {
    sim::Machine m;
    std::unique_ptr<core::Kernel> k = core::make_kernel("containers-v7", {});
    core::v7::KernelV7* kv = dynamic_cast<core::v7::KernelV7*>(k.get());
    subsys::cpuacct_subsys_t* ca = nullptr;
    sim::SerialPolicy serial;

    World() {
        setup([&] { k->boot(); });
        ca = dynamic_cast<subsys::cpuacct_subsys_t*>(kv->subsys_by_name("cpuacct"));
        REQUIRE(ca);
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
    // The `tick` op: charge the running task `jiffies` of CPU time.
    void tick(unsigned long jiffies) { ca->cpuacct_charge(k->current(), jiffies); }
    // cpuacct's container named `dname` below the top ("" for the top), found from init's container.
    container* cont(const std::string& dname) {
        container* c = nullptr;
        setup([&] { c = kv->task_container(k->task_by_pid(1), ca)->top_container; });
        if (dname.empty()) return c;
        for (container* k2 : c->children)
            if (k2->dname == dname) return k2;
        return nullptr;
    }
    std::string usage(const std::string& dname) {
        container* c = cont(dname);
        REQUIRE(c);
        std::string out;
        int rc = -1;
        setup([&] {
            for (const core::v7::cftype* cft : c->files)
                if (cft->name == "cpuacct.usage") rc = cft->read(c, cft, out);
        });
        REQUIRE(rc == 0);
        return out;
    }
    std::vector<sim::Finding> findings() {
        std::vector<sim::Finding> f = m.findings();
        k->check_invariants(f);
        ca->check_invariants(f);
        std::set<const sim::Object*> reach;
        k->reachable(reach);
        sim::check_leaks(m.arena(), reach, f);
        return f;
    }
};

ScriptStep to(int cpu, const sim::Label& l) { return {cpu, ScriptStep::Kind::to, &l, 1, 0, "s"}; }
ScriptStep until_done(int cpu) { return {cpu, ScriptStep::Kind::until_done, nullptr, 1, 0, "s"}; }

}  // namespace

TEST_CASE("cpuacct: ticks charge the running task's container, cpuacct.usage is time * 1000 / HZ",
          "[subsys][cpuacct]") {
    World w;
    // Unmounted, init's time goes to the dummy hierarchy's top_cpuacct, which
    // the mount then moves to the hierarchy's top container.
    w.setup([&] { w.tick(2); });
    w.setup([&] {
        REQUIRE(w.k->mount({"/dev/container", {"cpuacct"}}) == 0);
        REQUIRE(w.k->mkdir("/dev/container/A") == 0);
        REQUIRE(w.k->fork(100, "T1") == 0);
        REQUIRE(w.k->attach("/dev/container/A", 100) == 0);
        w.as(100);
        w.tick(3);
        w.as(1);
        w.tick(1);
    });
    CHECK(w.usage("") == "12");  // 3 jiffies at HZ 250
    CHECK(w.usage("A") == "12");
    std::vector<std::string> files;
    for (const core::v7::cftype* f : w.cont("A")->files) files.push_back(f->name);
    CHECK(files == std::vector<std::string>{"tasks", "cpuacct.usage"});
    CHECK(w.findings().empty());
    // Nothing but the core's count stops an rmdir: the task leaves, A is freed.
    w.setup([&] {
        REQUIRE(w.k->rmdir("/dev/container/A") == -EBUSY);
        REQUIRE(w.k->attach("/dev/container", 100) == 0);
        REQUIRE(w.k->rmdir("/dev/container/A") == 0);
    });
    CHECK(w.cont("A") == nullptr);
    CHECK(w.findings().empty());
}

TEST_CASE("cpuacct: a charge inside its RCU section holds off the attach that would let rmdir free its cpuacct",
          "[subsys][cpuacct][race]") {
    World w;
    w.setup([&] {
        REQUIRE(w.k->mount({"/dev/container", {"cpuacct"}}) == 0);
        REQUIRE(w.k->mkdir("/dev/container/A") == 0);
        REQUIRE(w.k->fork(100, "T1") == 0);
        REQUIRE(w.k->attach("/dev/container/A", 100) == 0);
    });
    int ra = 1, rr = 1;
    sim::ScriptPolicy policy({to(0, subsys::lbl::cpuacct_charge::spin_lock_irqsave),
                              to(1, core::v7::lbl::attach_task::synchronize_rcu), until_done(0), until_done(1)},
                             w.serial);
    w.m.set_tracing(true);
    w.m.run({{"CPU0", w.k->task_by_pid(100), [&] { w.tick(5); }},
             {"CPU1", w.k->task_by_pid(1),
              [&] {
                  ra = w.k->attach("/dev/container", 100);
                  rr = w.k->rmdir("/dev/container/A");
              }}},
            policy, "threads");
    REQUIRE(w.m.schedule_error().empty());
    CHECK(ra == 0);
    CHECK(rr == 0);
    // CPU0 charged cpuacct(A) after CPU1 had switched the task away; CPU1's
    // grace period ended only after CPU0's rcu_read_unlock, and the free after that.
    std::uint32_t assign = 0, charge = 0, unlock = 0, sync = 0, kfree = 0;
    std::string charged;
    for (const sim::Event& e : w.m.trace()) {
        std::string n = e.label->name;
        if (n == "attach_task:assign_containers") assign = e.step;
        if (n == "cpuacct_charge:write_time") charge = e.step, charged = e.cell->owner->name();
        if (n == "cpuacct_charge:rcu_read_unlock") unlock = e.step;
        if (n == "attach_task:synchronize_rcu") sync = e.step;
        if (n == "cpuacct_destroy:kfree_cpuacct") kfree = e.step;
    }
    CHECK(charged == "cpuacct(A)");
    CHECK(assign < charge);
    CHECK(charge < unlock);
    CHECK(unlock < sync);
    CHECK(sync < kfree);
    CHECK(w.findings().empty());
}

TEST_CASE("cpuacct: its yield points are listed with the kernel's labels", "[subsys][cpuacct]") {
    World w;
    std::vector<std::string> names;
    for (const sim::Label* l : w.kv->labels()) names.push_back(l->name);
    for (const char* n : {"cpuacct_charge:rcu_read_lock", "cpuacct_charge:read_css", "cpuusage_read:read_time",
                          "cpuacct_destroy:kfree_cpuacct"})
        CHECK(std::count(names.begin(), names.end(), std::string(n)) == 1);
}
