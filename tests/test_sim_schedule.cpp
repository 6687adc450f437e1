// Schedules: token encoding, replay fidelity, determinism of the seeded random
// policy, the serial policy and ReplayPolicy's errors.
#include <cstdint>
#include <functional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "sim/kernel/atomic.h"
#include "sim/kernel/mutex.h"
#include "sim/kernel/rcu.h"
#include "sim/kernel/shared.h"
#include "sim/kernel/slab.h"
#include "sim/kernel/spinlock.h"
#include "sim/machine.h"
#include "sim/policy.h"
#include "sim/schedule_token.h"

namespace {

sim::Machine::Thread cpu(const std::string& name, std::function<void()> body) {
    return {name, nullptr, std::move(body)};
}

std::vector<int> decode_ok(const std::string& token) {
    std::string err;
    auto picks = sim::decode_token(token, err);
    INFO("token " << token << ": " << err);
    REQUIRE(picks.has_value());
    REQUIRE(err.empty());
    return *picks;
}

std::string decode_error(const std::string& token) {
    std::string err;
    auto picks = sim::decode_token(token, err);
    REQUIRE_FALSE(picks.has_value());
    return err;
}

}  // namespace

// ---------------------------------------------------------------------------
// encoding

TEST_CASE("schedule token: encode and decode", "[sim][token]") {
    REQUIRE(sim::encode_token({{0, 4}, {1, 2}, {0, 1}}) == "a4b2a");
    REQUIRE(sim::encode_token({}) == "-");
    REQUIRE(sim::encode_token({{25, 1}, {15, 12}}) == "zp12");
    REQUIRE(decode_ok("a4b2a") == std::vector<int>{0, 0, 0, 0, 1, 1, 0});
    REQUIRE(decode_ok("-").empty());
    REQUIRE(decode_ok("").empty());
    REQUIRE(decode_ok("c") == std::vector<int>{2});
    REQUIRE(decode_ok("a1b1") == std::vector<int>{0, 1});
    REQUIRE(decode_ok("a01") == std::vector<int>{0});
    REQUIRE(decode_ok("aab") == std::vector<int>{0, 0, 1});  // not canonical, still valid
    REQUIRE(decode_ok("z2") == std::vector<int>{25, 25});
    REQUIRE(decode_ok("a10000000").size() == 10000000u);
}

TEST_CASE("schedule token: malformed tokens give exact errors", "[sim][token]") {
    REQUIRE(decode_error("A") == "schedule token 'A': expected a CPU letter a-z at offset 0, found 'A'");
    REQUIRE(decode_error("3a") == "schedule token '3a': expected a CPU letter a-z at offset 0, found '3'");
    REQUIRE(decode_error("a2-b") == "schedule token 'a2-b': expected a CPU letter a-z at offset 2, found '-'");
    REQUIRE(decode_error("ab c") == "schedule token 'ab c': expected a CPU letter a-z at offset 2, found ' '");
    REQUIRE(decode_error("--") == "schedule token '--': expected a CPU letter a-z at offset 0, found '-'");
    REQUIRE(decode_error("a0") == "schedule token 'a0': run length 0 at offset 2");
    REQUIRE(decode_error("ab000c") == "schedule token 'ab000c': run length 0 at offset 5");
    REQUIRE(decode_error("a10000001") == "schedule token 'a10000001': run length too large");
    REQUIRE(decode_error("b99999999999999999999") == "schedule token 'b99999999999999999999': run length too large");
}

TEST_CASE("schedule token: round trip over random run lists", "[sim][token]") {
    std::mt19937 rng(12345);
    for (int iter = 0; iter < 500; ++iter) {
        std::vector<sim::Run> runs;
        int n = static_cast<int>(rng() % 20);
        std::vector<int> expect;
        for (int i = 0; i < n; ++i) {
            int c;
            do c = static_cast<int>(rng() % 26);
            while (!runs.empty() && runs.back().cpu == c);
            unsigned count = 1 + rng() % (rng() % 2 ? 3 : 300);
            runs.push_back({c, count});
            expect.insert(expect.end(), count, c);
        }
        std::string token = sim::encode_token(runs);
        INFO("token " << token);
        std::vector<int> picks = decode_ok(token);
        REQUIRE(picks == expect);
        REQUIRE(sim::encode_token(sim::runs_of(picks)) == token);
    }
}

// ---------------------------------------------------------------------------
// replay and determinism

namespace {

struct Node : sim::Object {
    explicit Node(const char* name)
        : sim::Object("node"), x(this, "x"), y(this, "y"), z(this, "z"), gp(this, "gp"),
          count(this, "count", true, 1), mx(this, "mx", "&node->mx"), lock(this, "lock", "&node->lock") {
        set_name(name);
    }
    sim::Shared<int> x, y, z;
    sim::Shared<Node*> gp;
    sim::atomic_t count;
    sim::mutex mx;
    sim::spinlock_t lock;
};

const sim::Label L_lock{"w0:mutex_lock", "mutex_lock(&g->mx);"};
const sim::Label L_unlock{"w0:mutex_unlock", "mutex_unlock(&g->mx);"};
const sim::Label L_rx{"w0:read_x", "v = g->x;"};
const sim::Label L_wx{"w0:write_x", "g->x = v + 1;"};
const sim::Label L_rcu_lock{"w0:rcu_read_lock", "rcu_read_lock();"};
const sim::Label L_deref{"w0:deref", "p = rcu_dereference(g->gp);"};
const sim::Label L_rcu_unlock{"w0:rcu_read_unlock", "rcu_read_unlock();"};
const sim::Label L_px{"w0:read_p_x", "v = p->x;"};
const sim::Label L_inc{"w0:get", "atomic_inc(&g->count);"};
const sim::Label L_alloc{"w1:kmalloc", "p = kmalloc(sizeof(*p), GFP_KERNEL);"};
const sim::Label L_assign{"w1:assign", "rcu_assign_pointer(g->gp, p);"};
const sim::Label L_unpub{"w1:unpublish", "rcu_assign_pointer(g->gp, NULL);"};
const sim::Label L_sync{"w1:synchronize_rcu", "synchronize_rcu();"};
const sim::Label L_free{"w1:kfree", "kfree(p);"};
const sim::Label L_dec{"w1:put", "atomic_dec(&g->count);"};
const sim::Label L_spin{"w2:spin_lock", "spin_lock(&g->lock);"};
const sim::Label L_spin_un{"w2:spin_unlock", "spin_unlock(&g->lock);"};
const sim::Label L_rz{"w2:read_z", "v = g->z;"};
const sim::Label L_wz{"w2:write_z", "g->z = v + 1;"};
const sim::Label L_ry{"w2:read_y", "v = g->y;"};
const sim::Label L_wy{"w2:write_y", "g->y = v + 1;"};
const sim::Label L_peek{"w2:peek", "p = g->gp;"};
const sim::Label L_peek_x{"w2:peek_x", "v = p->x;"};

struct Outcome {
    std::string token;
    std::vector<std::string> trace;
    std::vector<std::string> findings;
    std::string error;
    bool operator==(const Outcome& o) const {
        return token == o.token && trace == o.trace && findings == o.findings && error == o.error;
    }
};

std::string describe(const sim::Event& e) {
    return std::to_string(e.step) + " cpu" + std::to_string(e.cpu) + " " + e.label->name + " " +
           (e.cell ? e.cell->display() : std::string("?")) + " " + sim::access_name(e.access) + " " +
           e.before.str() + "->" + e.after.str() + (e.changed ? " *" : "");
}

// Three CPUs over one global node: a mutex-protected counter, an RCU-published
// object freed after a grace period, a spinlock-protected counter, an unlocked
// racy counter and an unprotected peek at the published object (a
// use-after-free in some schedules).
Outcome run_world(sim::Policy& policy) {
    sim::Machine m;
    m.set_tracing(true);
    // CONFIG_PREEMPT: the peek outside rcu_read_lock() is then no read side
    // (without it CPU2's whole body would be one, between sleeps).
    m.set_preempt(true);
    Node g("G");
    auto w0 = [&] {
        for (int k = 0; k < 2; ++k) {
            sim::mutex_lock(g.mx, L_lock);
            int v = g.x.read(L_rx);
            g.x.write(v + 1, L_wx);
            sim::mutex_unlock(g.mx, L_unlock);
        }
        sim::rcu_read_lock(L_rcu_lock);
        Node* p = sim::rcu_dereference(g.gp, L_deref);
        if (p) p->x.read(L_px);
        sim::rcu_read_unlock(L_rcu_unlock);
        sim::atomic_inc(g.count, L_inc);
    };
    auto w1 = [&] {
        Node* p = sim::kmalloc<Node>(L_alloc, sim::GFP_KERNEL, "N1");
        sim::rcu_assign_pointer(g.gp, p, L_assign);
        sim::rcu_assign_pointer(g.gp, static_cast<Node*>(nullptr), L_unpub);
        sim::synchronize_rcu(L_sync);
        sim::kfree(p, L_free);
        sim::atomic_dec(g.count, L_dec);
    };
    auto w2 = [&] {
        Node* p = nullptr;
        for (int k = 0; k < 2; ++k) {
            if (k == 1) p = g.gp.read(L_peek);  // no rcu_read_lock: races with the kfree
            sim::spin_lock(g.lock, L_spin);
            int v = g.z.read(L_rz);
            g.z.write(v + 1, L_wz);
            sim::spin_unlock(g.lock, L_spin_un);
            int y = g.y.read(L_ry);  // unlocked: updates may be lost
            g.y.write(y + 1, L_wy);
        }
        if (p) p->x.read(L_peek_x);
    };
    m.run({cpu("CPU0", w0), cpu("CPU1", w1), cpu("CPU2", w2)}, policy);
    Outcome o;
    o.token = m.token();
    for (const sim::Event& e : m.trace()) o.trace.push_back(describe(e));
    for (const sim::Finding& f : m.findings()) o.findings.push_back(f.kind + ": " + f.message);
    o.error = m.schedule_error();
    // Sanity: the protected counters never lose an update.
    REQUIRE(g.x.peek() == 2);
    REQUIRE(g.z.peek() == 2);
    return o;
}

}  // namespace

TEST_CASE("replay: a random run's token reproduces its trace, findings and token", "[sim][replay]") {
    int with_findings = 0;
    std::set<std::string> tokens;
    for (std::uint64_t seed = 1; seed <= 100; ++seed) {
        INFO("seed " << seed);
        sim::RandomPolicy rp(seed);
        Outcome a = run_world(rp);
        REQUIRE(a.error.empty());
        REQUIRE(a.trace.size() == decode_ok(a.token).size());
        sim::ReplayPolicy replay(decode_ok(a.token));
        Outcome b = run_world(replay);
        INFO("token " << a.token);
        REQUIRE(b.error.empty());
        REQUIRE(b.token == a.token);
        REQUIRE(b.trace == a.trace);
        REQUIRE(b.findings == a.findings);
        if (!a.findings.empty()) ++with_findings;
        tokens.insert(a.token);
    }
    REQUIRE(tokens.size() > 50u);   // the seeds explore different schedules
    REQUIRE(with_findings > 0);     // and some of them find the use-after-free
}

TEST_CASE("replay: the trace records every step with its CPU, label and values", "[sim][replay]") {
    sim::SerialPolicy p;
    Outcome o = run_world(p);
    // CPU0: 2 x (lock, read, write, unlock) + rcu_read_lock, deref (NULL), unlock, inc
    // CPU1: kmalloc, assign, unpublish, synchronize_rcu, kfree, dec
    // CPU2: 2 x (spin_lock, read, write, spin_unlock, read, write) with peek (NULL) between
    REQUIRE(o.token == "a12b6c13");
    REQUIRE(o.findings.empty());
    REQUIRE(o.trace.size() == 31u);
    REQUIRE(o.trace[0] == "1 cpu0 w0:mutex_lock G->mx acquire ->");
    REQUIRE(o.trace[1] == "2 cpu0 w0:read_x G->x read 0->0");
    REQUIRE(o.trace[2] == "3 cpu0 w0:write_x G->x write 0->1 *");
    REQUIRE(o.trace[9] == "10 cpu0 w0:deref G->gp rcu-deref NULL->NULL");
    REQUIRE(o.trace[11] == "12 cpu0 w0:get G->count read-modify-write 1->2 *");
    REQUIRE(o.trace[12] == "13 cpu1 w1:kmalloc N1 alloc ->N1 *");
    REQUIRE(o.trace[13] == "14 cpu1 w1:assign G->gp rcu-assign NULL->N1 *");
    REQUIRE(o.trace[14] == "15 cpu1 w1:unpublish G->gp rcu-assign N1->NULL *");
    REQUIRE(o.trace[15] == "16 cpu1 w1:synchronize_rcu rcu rcu-sync ->");
    REQUIRE(o.trace[16] == "17 cpu1 w1:kfree N1 free N1-> *");
    REQUIRE(o.trace[17] == "18 cpu1 w1:put G->count read-modify-write 2->1 *");
    REQUIRE(o.trace[18] == "19 cpu2 w2:spin_lock G->lock acquire ->");
    REQUIRE(o.trace[24] == "25 cpu2 w2:peek G->gp read NULL->NULL");
    REQUIRE(o.trace[30] == "31 cpu2 w2:write_y G->y write 1->2 *");
}

TEST_CASE("determinism: the same seed gives the same run, 50 times over", "[sim][replay]") {
    sim::RandomPolicy first_policy(424242);
    Outcome first = run_world(first_policy);
    for (int rep = 0; rep < 50; ++rep) {
        INFO("repetition " << rep);
        sim::RandomPolicy p(424242);
        Outcome again = run_world(p);
        REQUIRE(again.token == first.token);
        REQUIRE(again.trace == first.trace);
        REQUIRE(again.findings == first.findings);
    }
    sim::RandomPolicy other(424243);
    REQUIRE(run_world(other).token != first.token);
}

TEST_CASE("RandomPolicy: splitmix64 picks are fixed for a seed", "[sim][replay]") {
    // The sequence is part of the token format's contract: a seed printed by one
    // build must replay the same schedule in another.
    sim::RandomPolicy a(1), b(1);
    sim::Machine m;
    std::vector<int> pa, pb;
    for (int i = 0; i < 64; ++i) {
        pa.push_back(a.choose(m, 0b1011, 0));
        pb.push_back(b.choose(m, 0b1011, 0));
    }
    REQUIRE(pa == pb);
    for (int c : pa) REQUIRE((c == 0 || c == 1 || c == 3));
    REQUIRE(std::set<int>(pa.begin(), pa.end()).size() == 3u);
    sim::RandomPolicy single(99);
    for (int i = 0; i < 16; ++i) REQUIRE(single.choose(m, 0b100, 0) == 2);
}

// ---------------------------------------------------------------------------
// serial policy and ReplayPolicy's rules

namespace {
const sim::Label L_s{"t:step", "x++;"};
}

TEST_CASE("SerialPolicy: each CPU runs to completion in order", "[sim][serial]") {
    sim::Machine m;
    m.set_tracing(true);
    Node g("G");
    auto steps = [&](int n) {
        return [&, n] {
            for (int i = 0; i < n; ++i) g.x.write(i, L_s);
        };
    };
    sim::SerialPolicy p;
    m.run({cpu("CPU0", steps(3)), cpu("CPU1", steps(2)), cpu("CPU2", steps(4))}, p);
    REQUIRE(m.token() == "a3b2c4");
    std::vector<int> cpus;
    std::vector<std::uint32_t> stepnos;
    for (const sim::Event& e : m.trace()) {
        cpus.push_back(e.cpu);
        stepnos.push_back(e.step);
    }
    REQUIRE(cpus == std::vector<int>{0, 0, 0, 1, 1, 2, 2, 2, 2});
    REQUIRE(stepnos == std::vector<std::uint32_t>{1, 2, 3, 4, 5, 6, 7, 8, 9});
}

TEST_CASE("SerialPolicy: the lowest runnable CPU goes next", "[sim][serial]") {
    sim::Machine m;
    Node g("G");
    // ReplayPolicy runs its picks, then continues serially: CPU1 takes the
    // mutex first, so CPU0 is blocked and CPU1 must run until it unlocks.
    sim::ReplayPolicy p({1});
    m.run({cpu("CPU0", [&] {
               sim::mutex_lock(g.mx, L_lock);
               g.x.write(1, L_wx);
               sim::mutex_unlock(g.mx, L_unlock);
           }),
           cpu("CPU1", [&] {
               sim::mutex_lock(g.mx, L_lock);
               g.x.write(2, L_wx);
               sim::mutex_unlock(g.mx, L_unlock);
               g.y.write(2, L_wx);
           })},
          p);
    REQUIRE(m.schedule_error().empty());
    REQUIRE(m.token() == "b3a3b");
    REQUIRE(g.x.peek() == 1);
}

TEST_CASE("ReplayPolicy: picks that cannot be followed stop the run", "[sim][replay]") {
    sim::Machine m;
    Node g("G");
    auto steps = [&](int n) {
        return [&, n] {
            for (int i = 0; i < n; ++i) g.x.write(i, L_s);
        };
    };
    SECTION("a CPU index beyond the scenario") {
        sim::ReplayPolicy p({0, 5});
        m.run({cpu("CPU0", steps(2)), cpu("CPU1", steps(2))}, p);
        REQUIRE(m.schedule_error() ==
                "schedule token: step 2 picks CPU index 5, which is not a CPU of this scenario");
        REQUIRE(m.aborted());
        REQUIRE(m.token() == "a");
        REQUIRE(m.findings().empty());
    }
    SECTION("a finished CPU") {
        sim::ReplayPolicy p({0, 0, 1, 0});
        m.run({cpu("CPU0", steps(2)), cpu("CPU1", steps(2))}, p);
        REQUIRE(m.schedule_error() == "schedule token: step 4 picks CPU index 0, which is not runnable (finished)");
        REQUIRE(m.token() == "a2b");
    }
    SECTION("a token longer than the run is ignored past the end") {
        sim::ReplayPolicy p(decode_ok("a2b5"));
        m.run({cpu("CPU0", steps(2)), cpu("CPU1", steps(2))}, p);
        REQUIRE(m.schedule_error().empty());
        REQUIRE_FALSE(m.aborted());
        REQUIRE(m.token() == "a2b2");
    }
    SECTION("a short token continues serially") {
        sim::ReplayPolicy p(decode_ok("b"));
        m.run({cpu("CPU0", steps(2)), cpu("CPU1", steps(2))}, p);
        REQUIRE(m.schedule_error().empty());
        REQUIRE(m.token() == "ba2b");
    }
    SECTION("the error is cleared by the next run") {
        sim::ReplayPolicy bad({3});
        m.run({cpu("CPU0", steps(1))}, bad);
        REQUIRE(m.schedule_error() == "schedule token: step 1 picks CPU index 3, which is not a CPU of this scenario");
        sim::SerialPolicy p;
        m.run({cpu("CPU0", steps(1))}, p);
        REQUIRE(m.schedule_error().empty());
        REQUIRE_FALSE(m.aborted());
        REQUIRE(m.token() == "a");
    }
}
