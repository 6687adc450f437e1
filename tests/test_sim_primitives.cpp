// The kernel primitives of src/sim/kernel on the deterministic machine:
// mutex, spinlock/task_lock, rwlock, atomic_t, kref, RCU, kmalloc/kfree and
// get/put_task_struct. Each test pins exact behaviour (counts, finding kinds,
// messages) and has a counterpart that must NOT fire.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "sim/kernel/atomic.h"
#include "sim/kernel/kref.h"
#include "sim/kernel/mutex.h"
#include "sim/kernel/rcu.h"
#include "sim/kernel/rwlock.h"
#include "sim/kernel/shared.h"
#include "sim/kernel/slab.h"
#include "sim/kernel/spinlock.h"
#include "sim/kernel/task_ref.h"
#include "sim/machine.h"
#include "sim/policy.h"

namespace {

using Threads = std::vector<sim::Machine::Thread>;

sim::Machine::Thread cpu(const std::string& name, std::function<void()> body) {
    return {name, nullptr, std::move(body)};
}

std::vector<std::string> kinds(const sim::Machine& m) {
    std::vector<std::string> out;
    for (const sim::Finding& f : m.findings()) out.push_back(f.kind);
    return out;
}

unsigned total_steps(const sim::Machine& m) {
    unsigned n = 0;
    for (const sim::Run& r : m.runs()) n += r.count;
    return n;
}

// A kmalloc'able object with plain fields and counters.
struct Obj : sim::Object {
    explicit Obj(const char* name = "O1", int count = 1)
        : sim::Object("obj"), x(this, "x"), y(this, "y"), count(this, "count", true, count),
          plain(this, "plain", false, 0), ref(this, "ref") {
        set_name(name);
    }
    sim::Shared<int> x;
    sim::Shared<int> y;
    sim::atomic_t count;  // a reference count
    sim::atomic_t plain;  // an ordinary atomic (not a count)
    sim::kref ref;
};

// A task_struct as far as task_lock / get_task_struct care.
struct Task : sim::Object {
    explicit Task(const char* name, int usage = 1)
        : sim::Object("task_struct"), alloc_lock(this, "alloc_lock", "&p->alloc_lock"),
          usage(this, "usage", true, usage), comm(this, "comm") {
        set_name(name);
    }
    sim::spinlock_t alloc_lock;
    sim::atomic_t usage;
    sim::Shared<int> comm;
};

const sim::Label L_lock{"worker:lock", "mutex_lock(&mx);"};
const sim::Label L_read{"worker:read", "v = c->x;"};
const sim::Label L_write{"worker:write", "c->x = v + 1;"};
const sim::Label L_unlock{"worker:unlock", "mutex_unlock(&mx);"};
const sim::Label L_bad_unlock{"oops:unlock", "mutex_unlock(&mx);"};

const sim::Label L_read_a{"reader:read_a", "a = p->x;"};
const sim::Label L_read_b{"reader:read_b", "b = p->y;"};
const sim::Label L_write_a{"writer:write_a", "p->x = a + 1;"};
const sim::Label L_write_b{"writer:write_b", "p->y = b + 1;"};
const sim::Label L_rlock{"reader:read_lock", "read_lock(&tasklist_lock);"};
const sim::Label L_runlock{"reader:read_unlock", "read_unlock(&tasklist_lock);"};
const sim::Label L_wlock{"writer:write_lock", "write_lock_irq(&tasklist_lock);"};
const sim::Label L_wunlock{"writer:write_unlock", "write_unlock_irq(&tasklist_lock);"};

// ---------------------------------------------------------------------------
// mutex

struct IncResult {
    int final_x = 0;
    int max_inside = 0;
    std::size_t findings = 0;
    bool aborted = false;
    unsigned steps = 0;
    std::string token;
};

constexpr int kCpus = 3;
constexpr int kIters = 5;

// kCpus CPUs each do kIters non-atomic "x = x + 1" (a read step then a write
// step), inside the mutex when `locked`.
IncResult run_increments(std::uint64_t seed, bool locked) {
    sim::Machine m;
    sim::mutex mx(&sim::global_object(), "mx", "mx");
    Obj c("C1");
    IncResult r;
    int inside = 0;
    auto body = [&] {
        for (int k = 0; k < kIters; ++k) {
            if (locked) sim::mutex_lock(mx, L_lock);
            int v = c.x.read(L_read);
            r.max_inside = std::max(r.max_inside, ++inside);  // between read and write
            c.x.write(v + 1, L_write);
            --inside;
            if (locked) sim::mutex_unlock(mx, L_unlock);
        }
    };
    Threads ts;
    for (int i = 0; i < kCpus; ++i) ts.push_back(cpu("CPU" + std::to_string(i), body));
    sim::RandomPolicy p(seed);
    m.run(std::move(ts), p);
    r.final_x = c.x.peek();
    r.findings = m.findings().size();
    r.aborted = m.aborted();
    r.steps = total_steps(m);
    r.token = m.token();
    return r;
}

}  // namespace

TEST_CASE("mutex: read-then-write inside the lock never loses an update", "[sim][mutex]") {
    for (std::uint64_t seed = 1; seed <= 200; ++seed) {
        INFO("seed " << seed);
        IncResult r = run_increments(seed, true);
        REQUIRE(r.final_x == kCpus * kIters);
        REQUIRE(r.max_inside == 1);
        REQUIRE(r.findings == 0);
        REQUIRE_FALSE(r.aborted);
        REQUIRE(r.steps == static_cast<unsigned>(kCpus * kIters * 4));
    }
}

TEST_CASE("mutex: the same increments without the lock do lose updates (control)", "[sim][mutex]") {
    int lost = 0, overlapped = 0;
    for (std::uint64_t seed = 1; seed <= 200; ++seed) {
        IncResult r = run_increments(seed, false);
        REQUIRE(r.final_x <= kCpus * kIters);
        REQUIRE(r.steps == static_cast<unsigned>(kCpus * kIters * 2));
        if (r.final_x < kCpus * kIters) ++lost;
        if (r.max_inside > 1) ++overlapped;
    }
    REQUIRE(lost > 0);
    REQUIRE(overlapped > 0);
}

TEST_CASE("mutex: a CPU blocked on a held mutex is never picked", "[sim][mutex]") {
    sim::Machine m;
    sim::mutex mx(&sim::global_object(), "mx", "mx");
    Obj c("C1");
    auto body = [&](int v) {
        return [&, v] {
            sim::mutex_lock(mx, L_lock);
            c.x.write(v, L_write);
            sim::mutex_unlock(mx, L_unlock);
        };
    };

    SECTION("a replay that picks the blocked CPU stops with an error") {
        sim::ReplayPolicy p({0, 1, 0, 0, 1, 1});
        m.run({cpu("CPU0", body(1)), cpu("CPU1", body(2))}, p);
        REQUIRE(m.schedule_error() == "schedule token: step 2 picks CPU index 1, which is not runnable (blocked)");
        REQUIRE(m.aborted());
        REQUIRE(m.token() == "a");
        REQUIRE(c.x.peek() == 0);  // CPU0's write (step 2) never ran
        REQUIRE(m.findings().empty());
    }
    SECTION("the blocked CPU runs once the owner unlocks") {
        sim::ReplayPolicy p({0, 0, 0, 1, 1, 1});
        m.run({cpu("CPU0", body(1)), cpu("CPU1", body(2))}, p);
        REQUIRE(m.schedule_error().empty());
        REQUIRE_FALSE(m.aborted());
        REQUIRE(m.token() == "a3b3");
        REQUIRE(c.x.peek() == 2);
        REQUIRE(m.findings().empty());
        REQUIRE_FALSE(sim::mutex_is_locked(mx));
    }
    SECTION("the owner's unlock step is the only way in: replay blocked right before it") {
        sim::ReplayPolicy p({0, 0, 1});
        m.run({cpu("CPU0", body(1)), cpu("CPU1", body(2))}, p);
        REQUIRE(m.schedule_error() == "schedule token: step 3 picks CPU index 1, which is not runnable (blocked)");
        REQUIRE(c.x.peek() == 1);
    }
}

TEST_CASE("mutex: unlocking a mutex not held is a bad-unlock", "[sim][mutex]") {
    sim::Machine m;
    sim::mutex mx(&sim::global_object(), "mx", "mx");
    sim::SerialPolicy p;

    SECTION("never locked") {
        m.run({cpu("CPU0", [&] { sim::mutex_unlock(mx, L_bad_unlock); })}, p);
        REQUIRE(kinds(m) == std::vector<std::string>{"bad-unlock"});
        const sim::Finding& f = m.findings()[0];
        REQUIRE(f.message == "BUG: bad unlock balance: CPU0 releases mx at step 1 (oops:unlock) but does not hold it");
        REQUIRE(f.step == 1);
        REQUIRE(f.cpu == 0);
    }
    SECTION("held by another CPU") {
        m.run({cpu("CPU0", [&] { sim::mutex_lock(mx, L_lock); }),
               cpu("CPU1", [&] { sim::mutex_unlock(mx, L_bad_unlock); })},
              p);
        REQUIRE(kinds(m) == std::vector<std::string>{"bad-unlock"});
        REQUIRE(m.findings()[0].message ==
                "BUG: bad unlock balance: CPU1 releases mx at step 2 (oops:unlock) but does not hold it");
        REQUIRE(m.findings()[0].cpu == 1);
    }
    SECTION("balanced lock/unlock: no finding") {
        m.run({cpu("CPU0", [&] {
                   sim::mutex_lock(mx, L_lock);
                   sim::mutex_unlock(mx, L_unlock);
                   sim::mutex_lock(mx, L_lock);
                   sim::mutex_unlock(mx, L_unlock);
               })},
              p);
        REQUIRE(m.findings().empty());
        REQUIRE(m.token() == "a4");
    }
}

// ---------------------------------------------------------------------------
// spinlock / task_lock

TEST_CASE("spinlock: task_lock excludes, makes the CPU atomic, and unlocks", "[sim][spinlock]") {
    for (std::uint64_t seed = 1; seed <= 100; ++seed) {
        INFO("seed " << seed);
        sim::Machine m;
        Task t("T1");
        int inside = 0, max_inside = 0, depth_inside = -1, depth_after = -1;
        auto body = [&] {
            for (int k = 0; k < 3; ++k) {
                sim::task_lock(&t, L_lock);
                depth_inside = m.cpu_state().atomic_depth;
                int v = t.comm.read(L_read);
                max_inside = std::max(max_inside, ++inside);
                t.comm.write(v + 1, L_write);
                --inside;
                sim::task_unlock(&t, L_unlock);
                depth_after = m.cpu_state().atomic_depth;
            }
        };
        sim::RandomPolicy p(seed);
        m.run({cpu("CPU0", body), cpu("CPU1", body), cpu("CPU2", body)}, p);
        REQUIRE(t.comm.peek() == 9);
        REQUIRE(max_inside == 1);
        REQUIRE(depth_inside == 1);
        REQUIRE(depth_after == 0);
        REQUIRE(t.alloc_lock.owner == -1);
        REQUIRE(m.findings().empty());
        REQUIRE(total_steps(m) == 36u);
    }
}

TEST_CASE("spinlock: a spinning CPU is blocked, bad spin_unlock is reported", "[sim][spinlock]") {
    sim::Machine m;
    Task t("T1");
    auto body = [&] {
        sim::spin_lock(t.alloc_lock, L_lock);
        t.comm.write(1, L_write);
        sim::spin_unlock(t.alloc_lock, L_unlock);
    };
    SECTION("picking the spinning CPU is a schedule error") {
        sim::ReplayPolicy p({0, 1});
        m.run({cpu("CPU0", body), cpu("CPU1", body)}, p);
        REQUIRE(m.schedule_error() == "schedule token: step 2 picks CPU index 1, which is not runnable (blocked)");
    }
    SECTION("owner recorded while held") {
        int owner_seen = -2;
        sim::SerialPolicy p;
        m.run({cpu("CPU0", [&] { t.comm.write(1, L_write); }), cpu("CPU1", [&] {
                   sim::spin_lock(t.alloc_lock, L_lock);
                   owner_seen = t.alloc_lock.owner;
                   sim::spin_unlock(t.alloc_lock, L_unlock);
               })},
              p);
        REQUIRE(owner_seen == 1);
        REQUIRE(t.alloc_lock.owner == -1);
    }
    SECTION("bad unlock") {
        sim::SerialPolicy p;
        m.run({cpu("CPU0", [&] { sim::task_unlock(&t, L_bad_unlock); })}, p);
        REQUIRE(kinds(m) == std::vector<std::string>{"bad-unlock"});
        REQUIRE(m.findings()[0].message ==
                "BUG: bad unlock balance: CPU0 releases T1->alloc_lock at step 1 (oops:unlock) but does not hold it");
    }
}

// ---------------------------------------------------------------------------
// rwlock

TEST_CASE("rwlock: readers share, a writer excludes readers and writers", "[sim][rwlock]") {
    sim::Machine m;
    sim::rwlock_t rw(&sim::global_object(), "tasklist_lock", "tasklist_lock");
    Obj o("O1");
    int readers_seen = -1;
    auto reader = [&] {
        sim::read_lock(rw, L_rlock);
        readers_seen = std::max(readers_seen, rw.readers);
        o.x.read(L_read_a);
        sim::read_unlock(rw, L_runlock);
    };
    auto writer = [&] {
        sim::write_lock(rw, L_wlock);
        o.x.write(7, L_write_a);
        sim::write_unlock(rw, L_wunlock);
    };

    SECTION("two readers are inside together") {
        sim::ReplayPolicy p({0, 1, 0, 1, 0, 1});
        m.run({cpu("CPU0", reader), cpu("CPU1", reader)}, p);
        REQUIRE(m.schedule_error().empty());
        REQUIRE(readers_seen == 2);
        REQUIRE(rw.readers == 0);
        REQUIRE(m.token() == "ababab");
        REQUIRE(m.findings().empty());
    }
    SECTION("a reader waits for the writer") {
        sim::ReplayPolicy p({0, 1});
        m.run({cpu("CPU0", writer), cpu("CPU1", reader)}, p);
        REQUIRE(m.schedule_error() == "schedule token: step 2 picks CPU index 1, which is not runnable (blocked)");
    }
    SECTION("a writer waits for the writer") {
        sim::ReplayPolicy p({0, 0, 1});
        m.run({cpu("CPU0", writer), cpu("CPU1", writer)}, p);
        REQUIRE(m.schedule_error() == "schedule token: step 3 picks CPU index 1, which is not runnable (blocked)");
    }
    SECTION("write_lock waits until the last reader has left") {
        sim::ReplayPolicy p({0, 0, 2});
        m.run({cpu("CPU0", reader), cpu("CPU1", reader), cpu("CPU2", writer)}, p);
        // CPU1 has not even started its read_lock, but CPU0 is still inside.
        REQUIRE(m.schedule_error() == "schedule token: step 3 picks CPU index 2, which is not runnable (blocked)");
    }
    SECTION("after both readers unlock the writer goes in") {
        sim::ReplayPolicy p({0, 1, 0, 1, 0, 1, 2, 2, 2});
        m.run({cpu("CPU0", reader), cpu("CPU1", reader), cpu("CPU2", writer)}, p);
        REQUIRE(m.schedule_error().empty());
        REQUIRE(o.x.peek() == 7);
        REQUIRE(rw.writer == -1);
        REQUIRE(m.token() == "abababc3");
    }
}

namespace {
struct RwResult {
    int a = 0, b = 0;
    int observations = 0, torn = 0;
    std::size_t findings = 0;
};

// Two writers bump x and y (each a read step and a write step) under
// write_lock; two readers read both under read_lock and count torn pairs.
RwResult run_rw(std::uint64_t seed, bool locked) {
    sim::Machine m;
    sim::rwlock_t rw(&sim::global_object(), "tasklist_lock", "tasklist_lock");
    Obj o("P1");
    RwResult r;
    auto writer = [&] {
        for (int k = 0; k < 2; ++k) {
            if (locked) sim::write_lock(rw, L_wlock);
            int a = o.x.read(L_read_a);
            o.x.write(a + 1, L_write_a);
            int b = o.y.read(L_read_b);
            o.y.write(b + 1, L_write_b);
            if (locked) sim::write_unlock(rw, L_wunlock);
        }
    };
    auto reader = [&] {
        for (int k = 0; k < 2; ++k) {
            if (locked) sim::read_lock(rw, L_rlock);
            int a = o.x.read(L_read_a);
            int b = o.y.read(L_read_b);
            if (locked) sim::read_unlock(rw, L_runlock);
            ++r.observations;
            if (a != b) ++r.torn;
        }
    };
    sim::RandomPolicy p(seed);
    m.run({cpu("CPU0", writer), cpu("CPU1", reader), cpu("CPU2", writer), cpu("CPU3", reader)}, p);
    r.a = o.x.peek();
    r.b = o.y.peek();
    r.findings = m.findings().size();
    return r;
}
}  // namespace

TEST_CASE("rwlock: readers never see a writer's half-done update", "[sim][rwlock]") {
    for (std::uint64_t seed = 1; seed <= 200; ++seed) {
        INFO("seed " << seed);
        RwResult r = run_rw(seed, true);
        REQUIRE(r.a == 4);
        REQUIRE(r.b == 4);
        REQUIRE(r.observations == 4);
        REQUIRE(r.torn == 0);
        REQUIRE(r.findings == 0);
    }
    int torn = 0, lost = 0;
    for (std::uint64_t seed = 1; seed <= 200; ++seed) {
        RwResult r = run_rw(seed, false);
        torn += r.torn;
        if (r.a < 4) ++lost;
    }
    REQUIRE(torn > 0);  // control: without the lock the same readers do tear
    REQUIRE(lost > 0);
}

// ---------------------------------------------------------------------------
// atomic_t

namespace {
const sim::Label L_inc{"get_a:inc", "atomic_inc(&p->count);"};
const sim::Label L_dec{"put_a:dec", "atomic_dec(&p->count);"};
const sim::Label L_dec2{"put_b:dec", "atomic_dec(&p->count);"};
const sim::Label L_aread{"peek:read", "atomic_read(&p->count);"};
const sim::Label L_aset{"init:set", "atomic_set(&p->count, 5);"};
}  // namespace

TEST_CASE("atomic_t: operations return the kernel's values, one step each", "[sim][atomic]") {
    sim::Machine m;
    Obj o("O1", 0);
    std::vector<int> got;
    sim::SerialPolicy p;
    m.run({cpu("CPU0", [&] {
              got.push_back(sim::atomic_inc_return(o.count, L_inc));           // 1
              got.push_back(sim::atomic_inc_return(o.count, L_inc));           // 2
              got.push_back(sim::atomic_read(o.count, L_aread));               // 2
              got.push_back(sim::atomic_dec_and_test(o.count, L_dec) ? 1 : 0);  // 1: false
              got.push_back(sim::atomic_dec_and_test(o.count, L_dec) ? 1 : 0);  // 0: true
              sim::atomic_set(o.count, 5, L_aset);
              got.push_back(sim::atomic_read(o.count, L_aread));  // 5
              sim::atomic_inc(o.count, L_inc);
              got.push_back(sim::atomic_read(o.count, L_aread));  // 6
              sim::atomic_dec(o.count, L_dec);
              got.push_back(sim::atomic_read(o.count, L_aread));  // 5
          })},
          p);
    REQUIRE(got == std::vector<int>{1, 2, 2, 0, 1, 5, 6, 5});
    REQUIRE(o.count.counter == 5);
    REQUIRE(m.token() == "a11");
    REQUIRE(m.findings().empty());
}

TEST_CASE("atomic_t: an explored decrement whose result is used records the value it left unless the counter is folded",
          "[sim][atomic]") {
    sim::Machine m;
    m.set_exploring(true);
    Obj o("O1", 3), f("F1", 3);
    f.count.folded = true;  // as a dentry's d_count: dget() adds inside a walk's step
    sim::SerialPolicy p;
    m.run({cpu("CPU0", [&] {
              (void)sim::atomic_dec_and_test(o.count, L_dec);  // leaves 2
              sim::atomic_dec(o.count, L_dec);                 // blind (blind-adds): no mark
              sim::atomic_inc(o.count, L_inc);                 // an increment: no mark
              sim::atomic_inc_folded(f.count);                 // no step
              (void)sim::atomic_dec_and_test(f.count, L_dec);  // leaves 3, unmarked
          })},
          p);
    const auto& st = m.steps();
    REQUIRE(st.size() == 4);
    CHECK((st[0].dec && st[0].left == 2));
    CHECK_FALSE(st[1].dec);
    CHECK(st[1].blind == -1);
    CHECK_FALSE(st[2].dec);
    CHECK_FALSE(st[3].dec);
    CHECK(f.count.counter == 3);
    CHECK(m.findings().empty());

    // A folded increment on a counter not made folded is a model bug.
    sim::Machine bad;
    Obj g("G1", 1);
    bad.run({cpu("CPU0", [&] { sim::atomic_inc_folded(g.count); })}, p);
    REQUIRE(bad.findings().size() == 1);
    CHECK(bad.findings()[0].kind == "internal-error");
    CHECK(bad.findings()[0].message == "contsim internal error on CPU0: atomic_inc_folded() on G1->count, not made folded");
}

TEST_CASE("atomic_t: concurrent atomic_inc never loses an update", "[sim][atomic]") {
    for (std::uint64_t seed = 1; seed <= 50; ++seed) {
        sim::Machine m;
        Obj o("O1", 0);
        std::vector<int> returned;
        auto body = [&] {
            for (int k = 0; k < 4; ++k) returned.push_back(sim::atomic_inc_return(o.plain, L_inc));
        };
        sim::RandomPolicy p(seed);
        m.run({cpu("CPU0", body), cpu("CPU1", body), cpu("CPU2", body)}, p);
        REQUIRE(o.plain.counter == 12);
        std::sort(returned.begin(), returned.end());
        REQUIRE(returned == std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    }
}

TEST_CASE("atomic_t: refcount-underflow fires once, when a count goes 0 -> -1", "[sim][atomic]") {
    sim::Machine m;
    sim::SerialPolicy p;

    SECTION("0 -> -1 on one CPU names the previous decrement") {
        Obj o("CS1", 1);
        m.run({cpu("CPU0", [&] {
                  sim::atomic_dec(o.count, L_dec);   // 1 -> 0
                  sim::atomic_dec(o.count, L_dec2);  // 0 -> -1: the finding
                  sim::atomic_dec(o.count, L_dec2);  // -1 -> -2: no second finding
              })},
              p);
        REQUIRE(kinds(m) == std::vector<std::string>{"refcount-underflow"});
        const sim::Finding& f = m.findings()[0];
        REQUIRE(f.message ==
                "BUG: refcount underflow: CS1->count 0 -> -1 at step 2 (CPU0 put_b); previous decrement at step 1 "
                "(CPU0 put_a)");
        REQUIRE(f.step == 2);
        REQUIRE(f.cpu == 0);
        REQUIRE(f.related_steps == std::vector<std::uint32_t>{1});
        REQUIRE(o.count.counter == -2);
    }
    SECTION("two CPUs each dropping the one reference") {
        Obj o("CS1", 1);
        sim::ReplayPolicy rp({0, 1});
        m.run({cpu("CPU0", [&] { sim::atomic_dec(o.count, L_dec); }),
               cpu("CPU1", [&] { sim::atomic_dec_and_test(o.count, L_dec2); })},
              rp);
        REQUIRE(kinds(m) == std::vector<std::string>{"refcount-underflow"});
        REQUIRE(m.findings()[0].message ==
                "BUG: refcount underflow: CS1->count 0 -> -1 at step 2 (CPU1 put_b); previous decrement at step 1 "
                "(CPU0 put_a)");
        REQUIRE(m.findings()[0].cpu == 1);
    }
    SECTION("no earlier decrement") {
        Obj o("CS1", 0);
        m.run({cpu("CPU0", [&] { sim::atomic_dec(o.count, L_dec); })}, p);
        REQUIRE(kinds(m) == std::vector<std::string>{"refcount-underflow"});
        REQUIRE(m.findings()[0].message ==
                "BUG: refcount underflow: CS1->count 0 -> -1 at step 1 (CPU0 put_a); no earlier decrement");
        REQUIRE(m.findings()[0].related_steps.empty());
    }
    SECTION("the previous decrement was in an earlier phase") {
        Obj o("CS1", 1);
        m.run({cpu("init", [&] { sim::atomic_dec(o.count, L_dec); })}, p, "set-up");
        REQUIRE(m.findings().empty());
        m.run({cpu("CPU0", [&] { sim::atomic_dec(o.count, L_dec2); })}, p);
        REQUIRE(kinds(m) == std::vector<std::string>{"refcount-underflow"});
        REQUIRE(m.findings()[0].message ==
                "BUG: refcount underflow: CS1->count 0 -> -1 at step 1 (CPU0 put_b); previous decrement during "
                "set-up (put_a)");
        REQUIRE(m.findings()[0].related_steps.empty());
    }
    SECTION("a count that stays >= 0: nothing") {
        Obj o("CS1", 2);
        m.run({cpu("CPU0", [&] {
                  sim::atomic_dec(o.count, L_dec);
                  sim::atomic_inc(o.count, L_inc);
                  sim::atomic_dec(o.count, L_dec);
                  sim::atomic_dec_and_test(o.count, L_dec);
              })},
              p);
        REQUIRE(o.count.counter == 0);
        REQUIRE(m.findings().empty());
    }
    SECTION("an atomic_t that is not a count may go negative") {
        Obj o("CS1", 1);
        m.run({cpu("CPU0", [&] {
                  sim::atomic_dec(o.plain, L_dec);
                  sim::atomic_dec(o.plain, L_dec);
                  sim::atomic_set(o.plain, 0, L_aset);
                  sim::atomic_dec_and_test(o.plain, L_dec);
              })},
              p);
        REQUIRE(o.plain.counter == -1);
        REQUIRE(m.findings().empty());
    }
}

// ---------------------------------------------------------------------------
// kref

namespace {
const sim::Label L_kinit{"alloc:kref_init", "kref_init(&p->ref);"};
const sim::Label L_kget{"user:kref_get", "kref_get(&p->ref);"};
const sim::Label L_kput{"user:kref_put", "kref_put(&p->ref, release);"};
const sim::Label L_kfree_rel{"release:kfree", "kfree(p);"};
}  // namespace

TEST_CASE("kref: release runs exactly once, at zero", "[sim][kref]") {
    sim::Machine m;
    Obj o("K1");
    int releases = 0;
    sim::kref* released = nullptr;
    auto release = [&](sim::kref* k) {
        ++releases;
        released = k;
    };
    sim::SerialPolicy p;

    SECTION("init, get, put, put") {
        std::vector<int> rets;
        m.run({cpu("CPU0", [&] {
                  sim::kref_init(o.ref, L_kinit);
                  sim::kref_get(o.ref, L_kget);
                  rets.push_back(sim::kref_put(o.ref, release, L_kput));
                  rets.push_back(releases);
                  rets.push_back(sim::kref_put(o.ref, release, L_kput));
              })},
              p);
        REQUIRE(rets == std::vector<int>{0, 0, 1});
        REQUIRE(releases == 1);
        REQUIRE(released == &o.ref);
        REQUIRE(o.ref.refcount.counter == 0);
        REQUIRE(m.findings().empty());
    }
    SECTION("a put on zero underflows and does not release again") {
        int ret = -1;
        m.run({cpu("CPU0", [&] {
                  sim::kref_init(o.ref, L_kinit);
                  sim::kref_put(o.ref, release, L_kput);
                  ret = sim::kref_put(o.ref, release, L_kput);
              })},
              p);
        REQUIRE(ret == 0);
        REQUIRE(releases == 1);
        REQUIRE(kinds(m) == std::vector<std::string>{"refcount-underflow"});
        REQUIRE(m.findings()[0].message ==
                "BUG: refcount underflow: K1->ref 0 -> -1 at step 3 (CPU0 user); previous decrement at step 2 "
                "(CPU0 user)");
    }
}

TEST_CASE("kref: concurrent puts release exactly once, by the last one", "[sim][kref]") {
    for (std::uint64_t seed = 1; seed <= 100; ++seed) {
        INFO("seed " << seed);
        sim::Machine m;
        Obj* o = nullptr;
        int releases = 0, released_by = -1;
        sim::SerialPolicy sp;
        m.run({cpu("init", [&] {
                  o = sim::kmalloc<Obj>(L_kinit, sim::GFP_KERNEL, "K1");
                  sim::kref_init(o->ref, L_kinit);
                  sim::kref_get(o->ref, L_kget);
                  sim::kref_get(o->ref, L_kget);
              })},
              sp, "set-up");
        auto body = [&] {
            sim::kref_put(o->ref, [&](sim::kref*) {
                ++releases;
                released_by = m.cpu();
                sim::kfree(o, L_kfree_rel);
            }, L_kput);
        };
        sim::RandomPolicy p(seed);
        m.run({cpu("CPU0", body), cpu("CPU1", body), cpu("CPU2", body)}, p);
        REQUIRE(releases == 1);
        REQUIRE(o->freed);
        REQUIRE(o->freed_cpu == released_by);
        REQUIRE(o->ref.refcount.counter == 0);
        REQUIRE(m.findings().empty());
        REQUIRE(total_steps(m) == 4u);  // three puts and one kfree
        // The releasing CPU's put is the last of the three puts.
        REQUIRE(m.runs().back().cpu == released_by);
    }
}

// ---------------------------------------------------------------------------
// RCU

namespace {
const sim::Label L_rcu_lock{"reader:rcu_read_lock", "rcu_read_lock();"};
const sim::Label L_rcu_deref{"reader:deref", "p = rcu_dereference(gp);"};
const sim::Label L_rcu_unlock{"reader:rcu_read_unlock", "rcu_read_unlock();"};
const sim::Label L_assign{"updater:assign", "rcu_assign_pointer(gp, new);"};
const sim::Label L_sync{"updater:synchronize_rcu", "synchronize_rcu();"};
const sim::Label L_done{"updater:done", "kfree(old);"};

// rcu_read_lock() sections as the only read sides: CONFIG_PREEMPT, where
// they are (with spinlocks, not taken here). Without it see the tests below.
struct RcuWorld {
    RcuWorld() { m.set_preempt(true); }
    sim::Machine m;
    Obj g{"G"};  // g.x: the RCU-protected pointer (as an int); g.y: "done"
    int deref = -1;
    bool sync_ready_while_reading = true;
    const sim::Label* updater_pending = nullptr;
    int reader_nesting_at_sync = -1;

    std::function<void()> reader() {
        return [this] {
            sim::rcu_read_lock(L_rcu_lock);
            deref = sim::rcu_dereference(g.x, L_rcu_deref);
            sync_ready_while_reading = sim::rcu_grace_period_done(nullptr, m, 1);
            updater_pending = m.cpu_state(1).pending;
            sim::rcu_read_unlock(L_rcu_unlock);
        };
    }
    std::function<void()> updater() {
        return [this] {
            sim::rcu_assign_pointer(g.x, 2, L_assign);
            sim::synchronize_rcu(L_sync);
            reader_nesting_at_sync = m.cpu_state(0).rcu_nesting;
            g.y.write(1, L_done);
        };
    }
};
}  // namespace

TEST_CASE("RCU: synchronize_rcu waits for a reader that began before it", "[sim][rcu]") {
    RcuWorld w;
    SECTION("the updater cannot run while the reader is inside") {
        // step 1 CPU0 rcu_read_lock; step 2 CPU1 assign (then calls synchronize_rcu)
        sim::ReplayPolicy p({0, 1, 1});
        w.m.run({cpu("CPU0", w.reader()), cpu("CPU1", w.updater())}, p);
        REQUIRE(w.m.schedule_error() ==
                "schedule token: step 3 picks CPU index 1, which is not runnable (blocked)");
    }
    SECTION("still blocked after the reader's dereference") {
        sim::ReplayPolicy p({0, 1, 0, 1});
        w.m.run({cpu("CPU0", w.reader()), cpu("CPU1", w.updater())}, p);
        REQUIRE(w.m.schedule_error() ==
                "schedule token: step 4 picks CPU index 1, which is not runnable (blocked)");
        REQUIRE(w.deref == 2);  // a pre-existing reader may see either pointer
        REQUIRE_FALSE(w.sync_ready_while_reading);
        REQUIRE(w.updater_pending == &L_sync);
    }
    SECTION("returns after the reader unlocks") {
        sim::ReplayPolicy p({0, 1, 0, 0, 1, 1});
        w.m.set_tracing(true);
        w.m.run({cpu("CPU0", w.reader()), cpu("CPU1", w.updater())}, p);
        REQUIRE(w.m.schedule_error().empty());
        REQUIRE(w.m.token() == "aba2b2");
        REQUIRE(w.reader_nesting_at_sync == 0);
        REQUIRE(w.g.y.peek() == 1);
        REQUIRE(w.m.findings().empty());
        std::vector<std::string> labels;
        for (const sim::Event& e : w.m.trace()) labels.push_back(e.label->name);
        REQUIRE(labels == std::vector<std::string>{"reader:rcu_read_lock", "updater:assign", "reader:deref",
                                                   "reader:rcu_read_unlock", "updater:synchronize_rcu",
                                                   "updater:done"});
        REQUIRE(w.m.trace()[4].access == sim::Access::rcu_sync);
        REQUIRE(w.m.trace()[4].step == 5);
    }
}

TEST_CASE("RCU: synchronize_rcu does not wait for readers that began after it", "[sim][rcu]") {
    RcuWorld w;
    SECTION("a reader entering after the call") {
        // step 1 CPU1 assign (then calls synchronize_rcu: no reader inside);
        // step 2 CPU0 rcu_read_lock; step 3 CPU1 synchronize_rcu returns.
        sim::ReplayPolicy p({1, 0, 1, 1, 0, 0});
        w.m.run({cpu("CPU0", w.reader()), cpu("CPU1", w.updater())}, p);
        REQUIRE(w.m.schedule_error().empty());
        REQUIRE(w.reader_nesting_at_sync == 1);  // returned with the new reader inside
        REQUIRE(w.deref == 2);                  // which sees the new pointer
        REQUIRE(w.m.token() == "bab2a2");
        REQUIRE(w.m.findings().empty());
    }
    SECTION("a reader that left and re-entered") {
        int nesting = -1;
        auto reader = [&] {
            sim::rcu_read_lock(L_rcu_lock);
            sim::rcu_read_unlock(L_rcu_unlock);
            sim::rcu_read_lock(L_rcu_lock);
            sim::rcu_read_unlock(L_rcu_unlock);
        };
        auto updater = [&] {
            sim::rcu_assign_pointer(w.g.x, 2, L_assign);
            sim::synchronize_rcu(L_sync);
            nesting = w.m.cpu_state(0).rcu_nesting;
        };
        // CPU0 in section 1 when CPU1 calls synchronize_rcu; it leaves and enters
        // section 2; the grace period no longer needs it.
        sim::ReplayPolicy p({0, 1, 0, 0, 1, 0});
        w.m.run({cpu("CPU0", reader), cpu("CPU1", updater)}, p);
        REQUIRE(w.m.schedule_error().empty());
        REQUIRE(nesting == 1);
        REQUIRE(w.m.token() == "aba2ba");
    }
    SECTION("a nested reader holds the grace period until its outermost unlock") {
        auto reader = [&] {
            sim::rcu_read_lock(L_rcu_lock);
            sim::rcu_read_lock(L_rcu_lock);
            sim::rcu_read_unlock(L_rcu_unlock);
            sim::rcu_read_unlock(L_rcu_unlock);
        };
        auto updater = [&] {
            sim::rcu_assign_pointer(w.g.x, 2, L_assign);
            sim::synchronize_rcu(L_sync);
        };
        SECTION("blocked after the inner unlock") {
            sim::ReplayPolicy p({0, 0, 1, 0, 1});
            w.m.run({cpu("CPU0", reader), cpu("CPU1", updater)}, p);
            REQUIRE(w.m.schedule_error() ==
                    "schedule token: step 5 picks CPU index 1, which is not runnable (blocked)");
        }
        SECTION("free after the outer unlock") {
            sim::ReplayPolicy p({0, 0, 1, 0, 0, 1});
            w.m.run({cpu("CPU0", reader), cpu("CPU1", updater)}, p);
            REQUIRE(w.m.schedule_error().empty());
            REQUIRE(w.m.token() == "a2ba2b");
        }
    }
}

TEST_CASE("RCU: under random schedules the grace period covers exactly the earlier readers", "[sim][rcu]") {
    int waited = 0, overlapped = 0;
    for (std::uint64_t seed = 1; seed <= 300; ++seed) {
        INFO("seed " << seed);
        RcuWorld w;
        w.m.set_tracing(true);
        sim::RandomPolicy p(seed);
        w.m.run({cpu("CPU0", w.reader()), cpu("CPU1", w.updater())}, p);
        REQUIRE(w.m.findings().empty());
        std::uint32_t lock = 0, unlock = 0, assign = 0, sync = 0;
        for (const sim::Event& e : w.m.trace()) {
            if (e.label == &L_rcu_lock) lock = e.step;
            if (e.label == &L_rcu_unlock) unlock = e.step;
            if (e.label == &L_assign) assign = e.step;
            if (e.label == &L_sync) sync = e.step;
        }
        REQUIRE(w.m.trace().size() == 6u);
        if (lock < assign) {
            REQUIRE(sync > unlock);  // a reader already inside is waited for
            ++waited;
        } else if (sync < unlock) {
            ++overlapped;  // a later reader is not
        }
    }
    REQUIRE(waited > 0);
    REQUIRE(overlapped > 0);
}

TEST_CASE("RCU: rcu_read_unlock without rcu_read_lock is rcu-misuse", "[sim][rcu]") {
    sim::Machine m;
    sim::SerialPolicy p;
    SECTION("unbalanced") {
        int nesting = -1;
        m.run({cpu("CPU0", [&] {
                  sim::rcu_read_lock(L_rcu_lock);
                  sim::rcu_read_unlock(L_rcu_unlock);
                  sim::rcu_read_unlock(L_rcu_unlock);
                  nesting = m.cpu_state().rcu_nesting;
              })},
              p);
        REQUIRE(kinds(m) == std::vector<std::string>{"rcu-misuse"});
        REQUIRE(m.findings()[0].message ==
                "BUG: rcu_read_unlock() without rcu_read_lock(): CPU0 at step 3 (reader:rcu_read_unlock)");
        REQUIRE(m.findings()[0].step == 3);
        REQUIRE(nesting == 0);
    }
    SECTION("balanced and nested: nothing") {
        m.run({cpu("CPU0", [&] {
                  sim::rcu_read_lock(L_rcu_lock);
                  sim::rcu_read_lock(L_rcu_lock);
                  sim::rcu_read_unlock(L_rcu_unlock);
                  sim::rcu_read_unlock(L_rcu_unlock);
              })},
              p);
        REQUIRE(m.findings().empty());
    }
}

namespace {
struct Unwound {
    int& n;
    ~Unwound() { ++n; }
};
}  // namespace

TEST_CASE("RCU: synchronize_rcu inside the caller's own read section", "[sim][rcu]") {
    // The caller sleeps: that is its own quiescent state (2.6.20 schedule()
    // counts one even when it complains of the atomic context), so it returns;
    // the sleep inside rcu_read_lock() is the finding.
    for (bool preempt : {false, true}) {
        INFO((preempt ? "PREEMPT" : "no PREEMPT"));
        sim::Machine m;
        m.set_preempt(preempt);
        Obj o("O1");
        sim::SerialPolicy p;
        bool returned = false;
        m.run({cpu("CPU0", [&] {
                   sim::rcu_read_lock(L_rcu_lock);
                   sim::synchronize_rcu(L_sync);
                   returned = true;
                   sim::rcu_read_unlock(L_rcu_unlock);
               }),
               cpu("CPU1", [&] { o.x.write(1, L_write); })},
              p);
        REQUIRE(returned);
        REQUIRE_FALSE(m.aborted());
        REQUIRE(kinds(m) == std::vector<std::string>{"sleep-in-atomic"});
        REQUIRE(m.findings()[0].message ==
                "BUG: sleeping function called from invalid context: CPU0 synchronize_rcu at step 2 "
                "(updater:synchronize_rcu) while holding rcu_read_lock()");
    }
}

TEST_CASE("RCU without PREEMPT: a grace period waits until each CPU in the kernel leaves it or sleeps", "[sim][rcu]") {
    // 2.6.20 classic RCU, CONFIG_PREEMPT off: quiescent states are user mode,
    // schedule() and idle (rcu_check_callbacks(), schedule()'s rcu_qsctr_inc()).
    SECTION("a reader with no rcu_read_lock() is covered until its ops are done") {
        for (std::uint64_t seed = 1; seed <= 200; ++seed) {
            INFO("seed " << seed);
            sim::Machine m;
            Obj g("G");
            m.set_tracing(true);
            auto reader = [&] {
                g.x.read(L_rcu_deref);
                g.y.read(L_rcu_deref);
            };
            auto updater = [&] {
                g.x.write(2, L_assign);
                sim::synchronize_rcu(L_sync);
                g.y.write(1, L_done);
            };
            sim::RandomPolicy p(seed);
            m.run({cpu("CPU0", reader), cpu("CPU1", updater)}, p);
            std::uint32_t first = 0, last = 0, assign = 0, sync = 0;
            for (const sim::Event& e : m.trace()) {
                if (e.cpu == 0 && !first) first = e.step;
                if (e.cpu == 0) last = e.step;
                if (e.label == &L_assign) assign = e.step;
                if (e.label == &L_sync) sync = e.step;
            }
            // Entered before the updater's snapshot (taken after its assign):
            // the wait ends after the reader's last step.
            if (first < assign) REQUIRE(sync > last);
        }
    }
    SECTION("a user-mode return between two ops is a quiescent state") {
        sim::Machine m;
        Obj g("G");
        auto reader = [&] {
            g.x.read(L_rcu_deref);
            m.return_to_user();
            g.y.read(L_rcu_deref);
        };
        auto updater = [&] {
            g.x.write(2, L_assign);
            sim::synchronize_rcu(L_sync);
        };
        // CPU0 reads x; CPU1 assigns (snapshot: CPU0 in the kernel); CPU0
        // returns to user mode and enters its next op; the wait is over.
        sim::ReplayPolicy p({0, 1, 0, 1});
        m.run({cpu("CPU0", reader), cpu("CPU1", updater)}, p);
        REQUIRE(m.schedule_error().empty());
        REQUIRE(m.token() == "abab");
    }
    SECTION("a CPU asleep on a mutex held by the updater is quiescent: no deadlock") {
        sim::Machine m;
        sim::mutex mx(nullptr, "manage_mutex", "manage_mutex");
        Obj g("G");
        auto updater = [&] {
            sim::mutex_lock(mx, L_lock);
            g.x.write(2, L_assign);
            sim::synchronize_rcu(L_sync);
            sim::mutex_unlock(mx, L_unlock);
        };
        auto other = [&] {
            g.y.read(L_rcu_deref);
            sim::mutex_lock(mx, L_lock);
            sim::mutex_unlock(mx, L_unlock);
        };
        // CPU1 enters the kernel, CPU0 takes the mutex and snapshots (CPU1 in
        // the kernel), CPU1 arrives at the mutex and sleeps: the wait is over.
        sim::ReplayPolicy p({1, 0, 0, 0, 0, 1, 1});
        m.run({cpu("CPU0", updater), cpu("CPU1", other)}, p);
        REQUIRE(m.schedule_error().empty());
        REQUIRE(m.findings().empty());
        REQUIRE(m.token() == "ba4b2");
    }
    SECTION("with PREEMPT the same reader is not waited for") {
        sim::Machine m;
        m.set_preempt(true);
        Obj g("G");
        auto reader = [&] {
            g.x.read(L_rcu_deref);
            g.y.read(L_rcu_deref);
        };
        auto updater = [&] {
            g.x.write(2, L_assign);
            sim::synchronize_rcu(L_sync);
        };
        sim::ReplayPolicy p({0, 1, 1, 0});
        m.run({cpu("CPU0", reader), cpu("CPU1", updater)}, p);
        REQUIRE(m.schedule_error().empty());
        REQUIRE(m.token() == "ab2a");
    }
}

// ---------------------------------------------------------------------------
// kmalloc / kfree / get_task_struct / put_task_struct

namespace {
const sim::Label L_alloc{"alloc:kmalloc", "p = kmalloc(sizeof(*p), GFP_KERNEL);"};
const sim::Label L_free{"release:kfree", "kfree(p);"};
const sim::Label L_get_task{"attach:get_task_struct", "get_task_struct(tsk);"};
const sim::Label L_put_task{"attach:put_task_struct", "put_task_struct(tsk);"};
}  // namespace

TEST_CASE("kmalloc: objects come from the arena and kfree marks them freed", "[sim][slab]") {
    sim::Machine m;
    Obj* a = nullptr;
    Obj* b = nullptr;
    sim::SerialPolicy p;
    m.set_tracing(true);
    m.run({cpu("CPU0", [&] {
              a = sim::kmalloc<Obj>(L_alloc, sim::GFP_KERNEL, "A1", 3);
              b = sim::kzalloc<Obj>(L_alloc, sim::GFP_ATOMIC, "B1");
              sim::kfree(a, L_free);
              sim::kfree(nullptr, L_free);  // not a step
          })},
          p);
    REQUIRE(m.token() == "a3");
    REQUIRE(m.arena().objects() == std::vector<sim::Object*>{a, b});
    REQUIRE(a->heap);
    REQUIRE(a->count.counter == 3);
    REQUIRE(std::string(a->name()) == "A1");
    REQUIRE(a->serial < b->serial);
    REQUIRE(a->freed);
    REQUIRE(a->freed_step == 3);
    REQUIRE(a->freed_cpu == 0);
    REQUIRE(a->freed_at == &L_free);
    REQUIRE_FALSE(b->freed);
    REQUIRE(m.findings().empty());
    REQUIRE(m.trace().size() == 3u);
    REQUIRE(m.trace()[0].access == sim::Access::alloc);
    REQUIRE(m.trace()[0].after.str() == "A1");
    REQUIRE(m.trace()[2].access == sim::Access::free);
    REQUIRE(m.trace()[2].cell == a->self_cell());
}

TEST_CASE("put_task_struct: the last put frees the task", "[sim][task]") {
    sim::Machine m;
    sim::SerialPolicy sp;
    Task* t = nullptr;
    m.run({cpu("init", [&] { t = sim::kmalloc<Task>(L_alloc, sim::GFP_KERNEL, "T1", 1); })}, sp, "set-up");

    SECTION("get then two puts: freed by the second, as a step of its own") {
        sim::ReplayPolicy p({0, 0, 1, 1});
        m.run({cpu("CPU0", [&] {
                   sim::get_task_struct(t, L_get_task);
                   sim::put_task_struct(t, L_put_task);
               }),
               cpu("CPU1", [&] { sim::put_task_struct(t, L_put_task); })},
              p);
        REQUIRE(m.schedule_error().empty());
        // steps: 1 CPU0 get (2), 2 CPU0 put (1), 3 CPU1 put (0), 4 CPU1 free_task
        REQUIRE(m.token() == "a2b2");
        REQUIRE(t->freed);
        REQUIRE(t->freed_step == 4);
        REQUIRE(t->freed_cpu == 1);
        REQUIRE(t->freed_at == &sim::put_task_struct_free);
        REQUIRE(std::string(t->freed_at->name) == "__put_task_struct:free_task");
        REQUIRE(t->usage.counter == 0);
        REQUIRE(m.findings().empty());
    }
    SECTION("a get keeps it alive") {
        m.run({cpu("CPU0", [&] {
                  sim::get_task_struct(t, L_get_task);
                  sim::put_task_struct(t, L_put_task);
              })},
              sp);
        REQUIRE_FALSE(t->freed);
        REQUIRE(t->usage.counter == 1);
        REQUIRE(m.token() == "a2");
    }
    SECTION("one put too many: use-after-free and underflow, no second free") {
        m.run({cpu("CPU0", [&] {
                  sim::put_task_struct(t, L_put_task);
                  sim::put_task_struct(t, L_put_task);
              })},
              sp);
        REQUIRE(m.token() == "a3");
        REQUIRE(kinds(m) == std::vector<std::string>{"use-after-free", "refcount-underflow"});
        REQUIRE(m.findings()[0].message ==
                "BUG: use-after-free: CPU0 attach modifies T1->usage at step 3 (attach:put_task_struct); T1 was "
                "freed at step 2 by CPU0 (__put_task_struct:free_task)");
        REQUIRE(m.findings()[1].message ==
                "BUG: refcount underflow: T1->usage 0 -> -1 at step 3 (CPU0 attach); previous decrement at step 1 "
                "(CPU0 attach)");
        REQUIRE(t->freed_step == 2);
    }
}
