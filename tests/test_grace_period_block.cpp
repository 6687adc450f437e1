// A drawn order can be impossible because a grace period cannot end yet:
// without CONFIG_PREEMPT (2.6.20's default) synchronize_rcu() waits for every
// CPU that was in the kernel to pass a quiescent state. The report says who
// it waits for; --nearest lets that CPU run until it passes one.
#include <catch2/catch.hpp>

#include "app/nearest.h"
#include "app/runner.h"
#include "app/scenario.h"
#include "sim/kernel/mutex.h"
#include "sim/kernel/rcu.h"
#include "sim/kernel/spinlock.h"
#include "sim/policy.h"

namespace {
const std::string kFile = std::string(CONTSIM_SOURCE_DIR) + "/scenarios/container/register-subsys-vs-fork-drawn.json";
}  // namespace

TEST_CASE("a schedule blocked at synchronize_rcu names the CPU the grace period waits for", "[rcu][infeasible]") {
    app::Scenario sc = app::load_scenario(kFile);
    REQUIRE(sc.expect.infeasible);
    app::RunResult r = app::run_scenario(sc);
    REQUIRE(r.infeasible);
    CHECK(r.infeasible->gp_waits_for == 0b10);
    CHECK(app::describe_block(r) ==
          "CPU0 waits for an RCU grace period: CPU1 has not passed a quiescent state since it began");
    CHECK(r.token == "b11a14");
    CHECK(r.exit_code() == 0);
    // With CONFIG_PREEMPT CPU1, out of container_fork()'s rcu_read_lock() and
    // holding no spinlock, is no reader: the drawn order runs as drawn.
    sc.config["PREEMPT"] = true;
    app::RunResult p = app::run_scenario(sc);
    CHECK_FALSE(p.infeasible);
    CHECK(p.violation_set() == std::vector<std::string>{"charge-mismatch", "missed-callback"});
    CHECK(p.exit_code() == 1);  // it expected the order to be impossible
}

TEST_CASE("run --nearest past a grace period: the waited-for CPU runs until its GFP_KERNEL allocation", "[rcu][nearest]") {
    app::Scenario sc = app::load_scenario(kFile);
    auto n = app::find_nearest(sc, {});
    REQUIRE(n);
    CHECK(n->reaches_target);
    CHECK(n->run.moved == 1);
    CHECK(n->run.token == "b11a14ba15b3");
    CHECK(n->run.violation_set() == std::vector<std::string>{"charge-mismatch", "missed-callback"});
    REQUIRE(n->notes.size() == 1);
    CHECK(n->notes[0] ==
          "CPU1 runs on from step 26 until it passes a quiescent state; then CPU0 goes on past "
          "container_register_subsys:synchronize_rcu");
}

TEST_CASE("a grace period that cannot end is a deadlock naming the CPU it waits for", "[rcu]") {
    // CPU0 sleeps in synchronize_rcu() holding a spinlock (itself a bug);
    // CPU1, spinning for it, never passes a quiescent state.
    struct Obj : sim::Object {
        Obj() : sim::Object("obj"), lock(this, "lock", "obj_lock"), x(this, "x") { set_name("O"); }
        sim::spinlock_t lock;
        sim::Shared<int> x;
    } o;
    const sim::Label L_lock{"updater:spin_lock", "spin_lock(&o->lock);"};
    const sim::Label L_sync{"updater:synchronize_rcu", "synchronize_rcu();"};
    const sim::Label L_other{"other:spin_lock", "spin_lock(&o->lock);"};
    const sim::Label L_x{"other:x", "o->x = 1;"};
    sim::Machine m;
    sim::ReplayPolicy p({1, 0, 0});
    m.run({{"CPU0", nullptr, [&] {
                sim::spin_lock(o.lock, L_lock);
                sim::synchronize_rcu(L_sync);
                sim::spin_unlock(o.lock, L_lock);
            }},
           {"CPU1", nullptr, [&] {
                o.x.write(1, L_x);
                sim::spin_lock(o.lock, L_other);
                sim::spin_unlock(o.lock, L_other);
            }}},
          p);
    REQUIRE(m.has_finding("deadlock"));
    const sim::Finding& d = *std::find_if(m.findings().begin(), m.findings().end(),
                                          [](const sim::Finding& f) { return f.kind == "deadlock"; });
    REQUIRE(d.details.size() >= 2);
    CHECK(d.details[0] == "CPU0 (updater) waits for an RCU grace period (not yet passed by CPU1)");
    CHECK(d.details[1] == "CPU1 (other) waits for O->lock, held by CPU0 since step 2");
    CHECK(m.has_finding("sleep-in-atomic"));
}
