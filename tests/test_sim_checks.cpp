// The per-step checks of src/sim/kernel/check.cpp and the Machine's run-level
// checks: sleep-in-atomic, use-after-free, double-free, deadlock,
// lock-order-inversion and step-limit. Each fires exactly when it should, with
// the kernel's wording, and stays silent otherwise.
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
#include "sim/machine.h"
#include "sim/policy.h"

namespace {

sim::Machine::Thread cpu(const std::string& name, std::function<void()> body) {
    return {name, nullptr, std::move(body)};
}

std::vector<std::string> kinds(const sim::Machine& m) {
    std::vector<std::string> out;
    for (const sim::Finding& f : m.findings()) out.push_back(f.kind);
    return out;
}

using Kinds = std::vector<std::string>;
using Lines = std::vector<std::string>;
using Steps = std::vector<std::uint32_t>;

struct Node : sim::Object {
    explicit Node(const char* name)
        : sim::Object("node"), x(this, "x"), count(this, "count", true, 1),
          lock(this, "lock", "&node->lock"), slock(this, "slock", "&node->slock") {
        set_name(name);
    }
    sim::Shared<int> x;
    sim::atomic_t count;
    sim::mutex lock;
    sim::spinlock_t slock;
};

// Counts fiber unwinds: its destructor runs when a CPU's body ends, normally
// or by the Machine's Abort.
struct Unwound {
    int& n;
    ~Unwound() { ++n; }
};

const sim::Label L_spin{"f:spin_lock", "spin_lock(&s);"};
const sim::Label L_spin2{"f:spin_lock_2", "task_lock(p);"};
const sim::Label L_spin_un{"f:spin_unlock", "spin_unlock(&s);"};
const sim::Label L_mutex{"f:mutex_lock", "mutex_lock(&m);"};
const sim::Label L_mutex2{"f:mutex_lock_2", "mutex_lock(&m);"};
const sim::Label L_mutex_un{"f:mutex_unlock", "mutex_unlock(&m);"};
const sim::Label L_sync{"f:synchronize_rcu", "synchronize_rcu();"};
const sim::Label L_kmalloc{"f:kmalloc", "p = kmalloc(sizeof(*p), GFP_KERNEL);"};
const sim::Label L_rcu_lock{"f:rcu_read_lock", "rcu_read_lock();"};
const sim::Label L_rcu_unlock{"f:rcu_read_unlock", "rcu_read_unlock();"};
const sim::Label L_read_lock{"f:read_lock", "read_lock(&tasklist_lock);"};
const sim::Label L_read_unlock{"f:read_unlock", "read_unlock(&tasklist_lock);"};

}  // namespace

// ---------------------------------------------------------------------------
// sleep-in-atomic

TEST_CASE("sleep-in-atomic: sleeping calls under a spinlock", "[sim][checks][sleep]") {
    sim::Machine m;
    sim::spinlock_t s(&sim::global_object(), "s", "s");
    sim::mutex mx(&sim::global_object(), "mx", "mx");
    sim::SerialPolicy p;
    const std::string head = "BUG: sleeping function called from invalid context: CPU0 ";

    SECTION("mutex_lock") {
        m.run({cpu("CPU0", [&] {
                  sim::spin_lock(s, L_spin);
                  sim::mutex_lock(mx, L_mutex);
                  sim::mutex_unlock(mx, L_mutex_un);
                  sim::spin_unlock(s, L_spin_un);
              })},
              p);
        REQUIRE(kinds(m) == Kinds{"sleep-in-atomic"});
        const sim::Finding& f = m.findings()[0];
        REQUIRE(f.message == head + "mutex_lock at step 2 (f:mutex_lock) while holding s (taken at step 1)");
        REQUIRE(f.step == 2);
        REQUIRE(f.cpu == 0);
    }
    SECTION("synchronize_rcu") {
        m.run({cpu("CPU0", [&] {
                  sim::spin_lock(s, L_spin);
                  sim::synchronize_rcu(L_sync);
                  sim::spin_unlock(s, L_spin_un);
              })},
              p);
        REQUIRE(kinds(m) == Kinds{"sleep-in-atomic"});
        REQUIRE(m.findings()[0].message ==
                head + "synchronize_rcu at step 2 (f:synchronize_rcu) while holding s (taken at step 1)");
    }
    SECTION("kmalloc(GFP_KERNEL)") {
        m.run({cpu("CPU0", [&] {
                  sim::spin_lock(s, L_spin);
                  sim::kmalloc<Node>(L_kmalloc, sim::GFP_KERNEL, "N1");
                  sim::spin_unlock(s, L_spin_un);
              })},
              p);
        REQUIRE(kinds(m) == Kinds{"sleep-in-atomic"});
        REQUIRE(m.findings()[0].message ==
                head + "kmalloc(GFP_KERNEL) at step 2 (f:kmalloc) while holding s (taken at step 1)");
    }
    SECTION("kmalloc(GFP_ATOMIC) is allowed") {
        m.run({cpu("CPU0", [&] {
                  sim::spin_lock(s, L_spin);
                  sim::kmalloc<Node>(L_kmalloc, sim::GFP_ATOMIC, "N1");
                  sim::spin_unlock(s, L_spin_un);
              })},
              p);
        REQUIRE(m.findings().empty());
        REQUIRE(m.arena().objects().size() == 1u);
    }
    SECTION("nothing held: mutex_lock, synchronize_rcu and GFP_KERNEL are fine") {
        m.run({cpu("CPU0", [&] {
                  sim::mutex_lock(mx, L_mutex);
                  sim::kmalloc<Node>(L_kmalloc, sim::GFP_KERNEL, "N1");
                  sim::mutex_unlock(mx, L_mutex_un);
                  sim::synchronize_rcu(L_sync);
              })},
              p);
        REQUIRE(m.findings().empty());
        REQUIRE(m.token() == "a4");
    }
    SECTION("after spin_unlock the CPU may sleep again") {
        m.run({cpu("CPU0", [&] {
                  sim::spin_lock(s, L_spin);
                  sim::spin_unlock(s, L_spin_un);
                  sim::mutex_lock(mx, L_mutex);
                  sim::mutex_unlock(mx, L_mutex_un);
              })},
              p);
        REQUIRE(m.findings().empty());
    }
    SECTION("another CPU's spinlock does not make this CPU atomic") {
        m.run({cpu("CPU0", [&] { sim::spin_lock(s, L_spin); }), cpu("CPU1", [&] {
                   sim::mutex_lock(mx, L_mutex);
                   sim::mutex_unlock(mx, L_mutex_un);
               })},
              p);
        REQUIRE(m.findings().empty());
    }
    SECTION("one report per label, a second label reports again") {
        m.run({cpu("CPU0", [&] {
                  sim::spin_lock(s, L_spin);
                  for (int i = 0; i < 3; ++i) {
                      sim::mutex_lock(mx, L_mutex);
                      sim::mutex_unlock(mx, L_mutex_un);
                  }
                  sim::mutex_lock(mx, L_mutex2);
                  sim::mutex_unlock(mx, L_mutex_un);
                  sim::spin_unlock(s, L_spin_un);
              })},
              p);
        REQUIRE(kinds(m) == Kinds{"sleep-in-atomic", "sleep-in-atomic"});
        REQUIRE(m.findings()[0].step == 2);
        REQUIRE(m.findings()[1].message ==
                head + "mutex_lock at step 8 (f:mutex_lock_2) while holding s (taken at step 1)");
    }
}

TEST_CASE("sleep-in-atomic: other atomic contexts and the held-lock list", "[sim][checks][sleep]") {
    sim::Machine m;
    sim::spinlock_t s(&sim::global_object(), "s", "s");
    sim::rwlock_t rw(&sim::global_object(), "tasklist_lock", "tasklist_lock");
    sim::mutex mx(&sim::global_object(), "mx", "mx");
    Node n("N1");
    sim::SerialPolicy p;
    const std::string head = "BUG: sleeping function called from invalid context: CPU0 ";

    SECTION("under read_lock") {
        m.run({cpu("CPU0", [&] {
                  sim::read_lock(rw, L_read_lock);
                  sim::mutex_lock(mx, L_mutex);
                  sim::mutex_unlock(mx, L_mutex_un);
                  sim::read_unlock(rw, L_read_unlock);
              })},
              p);
        REQUIRE(kinds(m) == Kinds{"sleep-in-atomic"});
        REQUIRE(m.findings()[0].message ==
                head + "mutex_lock at step 2 (f:mutex_lock) while holding tasklist_lock (taken at step 1)");
    }
    SECTION("inside an RCU read-side section") {
        m.run({cpu("CPU0", [&] {
                  sim::rcu_read_lock(L_rcu_lock);
                  sim::mutex_lock(mx, L_mutex);
                  sim::mutex_unlock(mx, L_mutex_un);
                  sim::rcu_read_unlock(L_rcu_unlock);
              })},
              p);
        REQUIRE(kinds(m) == Kinds{"sleep-in-atomic"});
        REQUIRE(m.findings()[0].message == head + "mutex_lock at step 2 (f:mutex_lock) while holding rcu_read_lock()");
    }
    SECTION("two spinlocks and RCU, listed in order") {
        m.run({cpu("CPU0", [&] {
                  sim::spin_lock(s, L_spin);
                  sim::spin_lock(n.slock, L_spin2);
                  sim::rcu_read_lock(L_rcu_lock);
                  sim::kmalloc<Node>(L_kmalloc, sim::GFP_KERNEL, "N2");
                  sim::rcu_read_unlock(L_rcu_unlock);
                  sim::spin_unlock(n.slock, L_spin_un);
                  sim::spin_unlock(s, L_spin_un);
              })},
              p);
        REQUIRE(kinds(m) == Kinds{"sleep-in-atomic"});
        REQUIRE(m.findings()[0].message ==
                head +
                    "kmalloc(GFP_KERNEL) at step 4 (f:kmalloc) while holding s (taken at step 1), N1->slock (taken at "
                    "step 2), rcu_read_lock()");
    }
    SECTION("a mutex held is not atomic") {
        m.run({cpu("CPU0", [&] {
                  sim::mutex_lock(n.lock, L_mutex);
                  sim::mutex_lock(mx, L_mutex2);
                  sim::synchronize_rcu(L_sync);
                  sim::mutex_unlock(mx, L_mutex_un);
                  sim::mutex_unlock(n.lock, L_mutex_un);
              })},
              p);
        REQUIRE(m.findings().empty());
    }
}

TEST_CASE("sleep-in-atomic: a mutex_lock under a spinlock that deadlocks is still reported", "[sim][checks][sleep]") {
    sim::Machine m;
    sim::spinlock_t s(&sim::global_object(), "s", "s");
    sim::mutex mx(&sim::global_object(), "mx", "mx");
    // CPU0: spin_lock(s); mutex_lock(mx).  CPU1: mutex_lock(mx); spin_lock(s).
    sim::ReplayPolicy p({0, 1});
    m.run({cpu("CPU0", [&] {
               sim::spin_lock(s, L_spin);
               sim::mutex_lock(mx, L_mutex);
           }),
           cpu("CPU1", [&] {
               sim::mutex_lock(mx, L_mutex2);
               sim::spin_lock(s, L_spin2);
           })},
          p);
    REQUIRE(kinds(m) == Kinds{"deadlock", "sleep-in-atomic"});
    REQUIRE(m.findings()[0].details[0] == "CPU0 (f) waits for mx, held by CPU1 since step 2");
    REQUIRE(m.findings()[0].details[1] == "CPU1 (f) waits for s, held by CPU0 since step 1");
    REQUIRE(m.findings()[1].message ==
            "BUG: sleeping function called from invalid context: CPU0 mutex_lock at step 2 (f:mutex_lock) while "
            "holding s (taken at step 1)");
}

// ---------------------------------------------------------------------------
// use-after-free / double-free

namespace {
const sim::Label L_free{"release:kfree", "kfree(n);"};
const sim::Label L_free2{"cleanup:kfree", "kfree(n);"};
const sim::Label L_read{"reader:read_x", "v = n->x;"};
const sim::Label L_write{"writer:write_x", "n->x = 1;"};
const sim::Label L_inc{"getter:inc", "atomic_inc(&n->count);"};
const sim::Label L_deref{"reader:deref", "v = rcu_dereference(n->x);"};
}  // namespace

TEST_CASE("use-after-free: touching a kfree'd object names the freeing step", "[sim][checks][uaf]") {
    sim::Machine m;
    Node* n = nullptr;
    sim::SerialPolicy sp;
    m.run({cpu("init", [&] { n = sim::kmalloc<Node>(L_kmalloc, sim::GFP_KERNEL, "N1"); })}, sp, "set-up");
    REQUIRE(m.findings().empty());
    auto freer = [&] { sim::kfree(n, L_free); };
    int seen = -1;
    auto reader = [&] {
        seen = n->x.read(L_read);
        n->x.read(L_read);  // the second touch is the same story: no second report
    };

    SECTION("free, then read") {
        n->x.init(42);
        sim::ReplayPolicy p({0, 1, 1});
        m.run({cpu("CPU0", freer), cpu("CPU1", reader)}, p);
        REQUIRE(kinds(m) == Kinds{"use-after-free"});
        const sim::Finding& f = m.findings()[0];
        REQUIRE(f.message ==
                "BUG: use-after-free: CPU1 reader reads N1->x at step 2 (reader:read_x); N1 was freed at step 1 by "
                "CPU0 (release:kfree)");
        REQUIRE(f.step == 2);
        REQUIRE(f.cpu == 1);
        REQUIRE(f.related_steps == Steps{1});
        REQUIRE(seen == 42);  // the stale memory still holds the last value
    }
    SECTION("read, then free: nothing") {
        sim::ReplayPolicy p({1, 1, 0});
        m.run({cpu("CPU0", freer), cpu("CPU1", reader)}, p);
        REQUIRE(m.findings().empty());
        REQUIRE(n->freed);
    }
    SECTION("the verb follows the access") {
        sim::ReplayPolicy p({0, 1, 2});
        Node* other = nullptr;
        m.run({cpu("CPU0", freer), cpu("CPU1", [&] { n->x.write(1, L_write); }),
               cpu("CPU2", [&] { sim::atomic_inc(n->count, L_inc); }),
               cpu("CPU3", [&] { other = n; })},  // no yield point: done at start-up
              p);
        // One report per freed object: only the write (the first touch).
        REQUIRE(kinds(m) == Kinds{"use-after-free"});
        REQUIRE(m.findings()[0].message ==
                "BUG: use-after-free: CPU1 writer writes N1->x at step 2 (writer:write_x); N1 was freed at step 1 by "
                "CPU0 (release:kfree)");
        REQUIRE(other == n);
    }
    SECTION("rmw and lock verbs") {
        Node* n2 = nullptr;
        m.run({cpu("init", [&] { n2 = sim::kmalloc<Node>(L_kmalloc, sim::GFP_KERNEL, "N2"); })}, sp, "set-up 2");
        sim::ReplayPolicy p({0, 0, 1, 1});
        m.run({cpu("CPU0", [&] {
                   sim::kfree(n, L_free);
                   sim::kfree(n2, L_free);
               }),
               cpu("CPU1", [&] {
                   sim::atomic_inc(n->count, L_inc);
                   sim::mutex_lock(n2->lock, L_mutex);
               })},
              p);
        REQUIRE(kinds(m) == Kinds{"use-after-free", "use-after-free"});
        REQUIRE(m.findings()[0].message ==
                "BUG: use-after-free: CPU1 getter modifies N1->count at step 3 (getter:inc); N1 was freed at step 1 "
                "by CPU0 (release:kfree)");
        REQUIRE(m.findings()[1].message ==
                "BUG: use-after-free: CPU1 f touches N2->lock at step 4 (f:mutex_lock); N2 was freed at step 2 by "
                "CPU0 (release:kfree)");
    }
    SECTION("rcu_dereference of freed memory") {
        sim::SerialPolicy p;
        m.run({cpu("CPU0", [&] {
                  sim::kfree(n, L_free);
                  sim::rcu_read_lock(L_rcu_lock);
                  sim::rcu_dereference(n->x, L_deref);
                  sim::rcu_read_unlock(L_rcu_unlock);
              })},
              p);
        REQUIRE(kinds(m) == Kinds{"use-after-free"});
        REQUIRE(m.findings()[0].message ==
                "BUG: use-after-free: CPU0 reader reads N1->x at step 3 (reader:deref); N1 was freed at step 1 by "
                "CPU0 (release:kfree)");
    }
    SECTION("freed in an earlier phase") {
        m.run({cpu("exit", freer)}, sp, "teardown");
        m.run({cpu("CPU0", reader)}, sp);
        REQUIRE(kinds(m) == Kinds{"use-after-free"});
        REQUIRE(m.findings()[0].message ==
                "BUG: use-after-free: CPU0 reader reads N1->x at step 1 (reader:read_x); N1 was freed at teardown "
                "(release:kfree)");
        REQUIRE(m.findings()[0].related_steps.empty());
    }
}

TEST_CASE("double-free: a second kfree of the same object", "[sim][checks][uaf]") {
    sim::Machine m;
    Node* n = nullptr;
    sim::SerialPolicy sp;
    m.run({cpu("init", [&] { n = sim::kmalloc<Node>(L_kmalloc, sim::GFP_KERNEL, "N1"); })}, sp, "set-up");

    SECTION("two CPUs in one run") {
        sim::ReplayPolicy p({1, 0});
        m.run({cpu("CPU0", [&] { sim::kfree(n, L_free2); }), cpu("CPU1", [&] { sim::kfree(n, L_free); })}, p);
        REQUIRE(kinds(m) == Kinds{"double-free"});
        const sim::Finding& f = m.findings()[0];
        REQUIRE(f.message ==
                "BUG: double free: CPU0 (cleanup:kfree) frees N1 at step 2; already freed at step 1 by CPU1 "
                "(release:kfree)");
        REQUIRE(f.step == 2);
        REQUIRE(f.cpu == 0);
        REQUIRE(f.related_steps == Steps{1});
        // The object keeps its first free's record.
        REQUIRE(n->freed_step == 1);
        REQUIRE(n->freed_cpu == 1);
        REQUIRE(n->freed_at == &L_free);
    }
    SECTION("freed in an earlier phase: no step of this run is related") {
        m.run({cpu("exit", [&] { sim::kfree(n, L_free); })}, sp, "teardown");
        m.run({cpu("CPU0", [&] { sim::kfree(n, L_free2); })}, sp);
        REQUIRE(kinds(m) == Kinds{"double-free"});
        REQUIRE(m.findings()[0].message ==
                "BUG: double free: CPU0 (cleanup:kfree) frees N1 at step 1; already freed at teardown");
        REQUIRE(m.findings()[0].related_steps.empty());
    }
    SECTION("one kfree: nothing") {
        m.run({cpu("CPU0", [&] { sim::kfree(n, L_free); })}, sp);
        REQUIRE(m.findings().empty());
        REQUIRE(n->freed);
    }
}

// ---------------------------------------------------------------------------
// deadlock

namespace {
const sim::Label L_a0{"thread_a:lock_a", "mutex_lock(&a);"};
const sim::Label L_b0{"thread_a:lock_b", "mutex_lock(&b);"};
const sim::Label L_ua0{"thread_a:unlock_a", "mutex_unlock(&a);"};
const sim::Label L_ub0{"thread_a:unlock_b", "mutex_unlock(&b);"};
const sim::Label L_b1{"thread_b:lock_b", "mutex_lock(&b);"};
const sim::Label L_a1{"thread_b:lock_a", "mutex_lock(&a);"};
const sim::Label L_ua1{"thread_b:unlock_a", "mutex_unlock(&a);"};
const sim::Label L_ub1{"thread_b:unlock_b", "mutex_unlock(&b);"};
const sim::Label L_x{"worker:x", "x++;"};

struct Abba {
    sim::mutex& a;
    sim::mutex& b;
    int& unwound;
    std::function<void()> ab() {
        return [this] {
            Unwound g{unwound};
            sim::mutex_lock(a, L_a0);
            sim::mutex_lock(b, L_b0);
            sim::mutex_unlock(b, L_ub0);
            sim::mutex_unlock(a, L_ua0);
        };
    }
    std::function<void()> ba() {
        return [this] {
            Unwound g{unwound};
            sim::mutex_lock(b, L_b1);
            sim::mutex_lock(a, L_a1);
            sim::mutex_unlock(a, L_ua1);
            sim::mutex_unlock(b, L_ub1);
        };
    }
};
}  // namespace

TEST_CASE("deadlock: ABBA on two CPUs", "[sim][checks][deadlock]") {
    sim::Machine m;
    sim::mutex a(&sim::global_object(), "A", "A");
    sim::mutex b(&sim::global_object(), "B", "B");
    int unwound = 0;
    Abba t{a, b, unwound};
    sim::ReplayPolicy p({0, 1});
    m.run({cpu("CPU0", t.ab()), cpu("CPU1", t.ba())}, p);

    REQUIRE(unwound == 2);  // both fibers unwound
    REQUIRE(m.aborted());
    REQUIRE(m.schedule_error().empty());
    REQUIRE_FALSE(m.in_run());
    REQUIRE(m.token() == "ab");
    REQUIRE(kinds(m) == Kinds{"deadlock"});  // neither got its second lock: no lockdep edge
    const sim::Finding& f = m.findings()[0];
    REQUIRE(f.message == "BUG: deadlock: every unfinished CPU is blocked after step 2");
    REQUIRE(f.step == 2);
    REQUIRE(f.cpu == -1);
    REQUIRE(f.related_steps == Steps{2, 1});
    const std::string pad(28, ' ');
    REQUIRE(f.details == Lines{
                             "CPU0 (thread_a) waits for B, held by CPU1 since step 2",
                             "CPU1 (thread_b) waits for A, held by CPU0 since step 1",
                             "",
                             " Possible unsafe locking scenario:",
                             "",
                             "      CPU0" + std::string(24, ' ') + "CPU1" + std::string(24, ' '),
                             "      ----" + std::string(24, ' ') + "----" + std::string(24, ' '),
                             "      lock(A);",
                             "      " + pad + "lock(B);",
                             "      lock(B);",
                             "      " + pad + "lock(A);",
                             "",
                             " *** DEADLOCK ***",
                         });

    // The machine runs again: steps restart, nothing new is reported.
    sim::mutex c(&sim::global_object(), "C", "C");
    Node n("N1");
    int unwound2 = 0;
    auto body = [&] {
        Unwound g{unwound2};
        for (int k = 0; k < 3; ++k) {
            sim::mutex_lock(c, L_a0);
            int v = n.x.read(L_x);
            n.x.write(v + 1, L_x);
            sim::mutex_unlock(c, L_ua0);
        }
    };
    sim::RandomPolicy rp(7);
    m.run({cpu("CPU0", body), cpu("CPU1", body)}, rp);
    REQUIRE(unwound2 == 2);
    REQUIRE_FALSE(m.aborted());
    REQUIRE(m.schedule_error().empty());
    REQUIRE(n.x.peek() == 6);
    REQUIRE(m.findings().size() == 1u);
    std::string tok = m.token();
    std::string err;
    auto picks = sim::decode_token(tok, err);
    REQUIRE(picks);
    REQUIRE(picks->size() == 24u);
}

TEST_CASE("deadlock: the same ABBA serially is no deadlock", "[sim][checks][deadlock]") {
    sim::Machine m;
    sim::mutex a(&sim::global_object(), "A", "A");
    sim::mutex b(&sim::global_object(), "B", "B");
    int unwound = 0;
    Abba t{a, b, unwound};
    sim::SerialPolicy p;
    m.run({cpu("CPU0", t.ab()), cpu("CPU1", t.ba())}, p);
    REQUIRE_FALSE(m.aborted());
    REQUIRE_FALSE(m.has_finding("deadlock"));
    REQUIRE(m.token() == "a4b4");
}

TEST_CASE("deadlock: under random schedules ABBA either deadlocks or is flagged by lockdep", "[sim][checks][deadlock]") {
    int deadlocks = 0, inversions = 0;
    for (std::uint64_t seed = 1; seed <= 200; ++seed) {
        INFO("seed " << seed);
        sim::Machine m;
        sim::mutex a(&sim::global_object(), "A", "A");
        sim::mutex b(&sim::global_object(), "B", "B");
        int unwound = 0;
        Abba t{a, b, unwound};
        sim::RandomPolicy p(seed);
        m.run({cpu("CPU0", t.ab()), cpu("CPU1", t.ba())}, p);
        REQUIRE(unwound == 2);
        REQUIRE(m.findings().size() == 1u);
        if (m.findings()[0].kind == "deadlock") {
            ++deadlocks;
            REQUIRE(m.aborted());
            REQUIRE(m.findings()[0].details.back() == " *** DEADLOCK ***");
        } else {
            REQUIRE(m.findings()[0].kind == "lock-order-inversion");
            REQUIRE_FALSE(m.aborted());
            ++inversions;
        }
    }
    REQUIRE(deadlocks > 0);
    REQUIRE(inversions > 0);
}

TEST_CASE("deadlock: a CPU taking a spinlock it holds", "[sim][checks][deadlock]") {
    sim::Machine m;
    Node n("N1");
    sim::SerialPolicy p;
    m.run({cpu("CPU0", [&] {
              sim::spin_lock(n.slock, L_spin);
              sim::spin_lock(n.slock, L_spin2);
          })},
          p);
    REQUIRE(kinds(m) == Kinds{"deadlock"});
    REQUIRE(m.findings()[0].message == "BUG: deadlock: every unfinished CPU is blocked after step 1");
    REQUIRE(m.findings()[0].details[0] == "CPU0 (f) waits for N1->slock, held by CPU0 since step 1");
    REQUIRE(m.findings()[0].details.size() == 10u);
    REQUIRE(m.findings()[0].details[6] == "      lock(N1->slock);");  // held
    REQUIRE(m.findings()[0].details[7] == "      lock(N1->slock);");  // wanted
}

// ---------------------------------------------------------------------------
// lock-order-inversion

TEST_CASE("lock-order-inversion: A->B then B->A without a deadlock", "[sim][checks][lockdep]") {
    sim::Machine m;
    sim::mutex a(&sim::global_object(), "A", "A");
    sim::mutex b(&sim::global_object(), "B", "B");
    int unwound = 0;
    Abba t{a, b, unwound};
    sim::SerialPolicy p;

    SECTION("exactly one finding, naming the earlier order") {
        m.run({cpu("CPU0", t.ab()), cpu("CPU1", t.ba())}, p);
        REQUIRE_FALSE(m.aborted());
        REQUIRE(m.token() == "a4b4");
        REQUIRE(kinds(m) == Kinds{"lock-order-inversion"});
        const sim::Finding& f = m.findings()[0];
        REQUIRE(f.message ==
                "BUG: possible circular locking dependency: CPU1 (thread_b:lock_a) takes A at step 6 while holding "
                "B; the order A -> B was taken at step 2 (thread_a:lock_b)");
        REQUIRE(f.step == 6);
        REQUIRE(f.cpu == 1);
        REQUIRE(f.related_steps == Steps{2});
        const std::string pad(28, ' ');
        REQUIRE(f.details == Lines{
                                 "",
                                 " Possible unsafe locking scenario:",
                                 "",
                                 "      CPU0" + std::string(24, ' ') + "CPU1",
                                 "      ----" + std::string(24, ' ') + "----",
                                 "      lock(B);",
                                 "      " + pad + "lock(A);",
                                 "      " + pad + "lock(B);",
                                 "      lock(A);",
                                 "",
                                 " *** DEADLOCK ***",
                             });
    }
    SECTION("repeating the inverted order does not report again") {
        m.run({cpu("CPU0", t.ab()), cpu("CPU1", t.ba()), cpu("CPU2", t.ba()), cpu("CPU3", t.ab())}, p);
        REQUIRE(kinds(m) == Kinds{"lock-order-inversion"});
    }
    SECTION("the earlier order from a previous phase") {
        m.run({cpu("init", t.ab())}, p, "set-up");
        REQUIRE(m.findings().empty());
        m.run({cpu("CPU1", t.ba())}, p);
        REQUIRE(kinds(m) == Kinds{"lock-order-inversion"});
        REQUIRE(m.findings()[0].message ==
                "BUG: possible circular locking dependency: CPU1 (thread_b:lock_a) takes A at step 2 while holding "
                "B; the order A -> B was taken during set-up (thread_a:lock_b)");
        REQUIRE(m.findings()[0].related_steps.empty());
    }
    SECTION("a consistent order: nothing") {
        m.run({cpu("CPU0", t.ab()), cpu("CPU1", t.ab())}, p);
        REQUIRE(m.findings().empty());
    }
}

TEST_CASE("lock-order-inversion: lock classes, not instances, three-lock cycle", "[sim][checks][lockdep]") {
    sim::Machine m;
    sim::SerialPolicy p;
    SECTION("two objects of one class nest without a report") {
        Node n1("N1"), n2("N2");
        m.run({cpu("CPU0", [&] {
                  sim::mutex_lock(n1.lock, L_a0);
                  sim::mutex_lock(n2.lock, L_b0);
                  sim::mutex_unlock(n2.lock, L_ub0);
                  sim::mutex_unlock(n1.lock, L_ua0);
              }),
              cpu("CPU1", [&] {
                  sim::mutex_lock(n2.lock, L_b1);
                  sim::mutex_lock(n1.lock, L_a1);
                  sim::mutex_unlock(n1.lock, L_ua1);
                  sim::mutex_unlock(n2.lock, L_ub1);
              })},
              p);
        REQUIRE(m.findings().empty());
    }
    SECTION("A->B, B->C, then C->A closes the cycle") {
        sim::mutex a(&sim::global_object(), "a", "A");
        sim::mutex b(&sim::global_object(), "b", "B");
        sim::mutex c(&sim::global_object(), "c", "C");
        auto pair = [&](sim::mutex& x, sim::mutex& y) {
            return [px = &x, py = &y] {
                sim::mutex_lock(*px, L_a0);
                sim::mutex_lock(*py, L_b0);
                sim::mutex_unlock(*py, L_ub0);
                sim::mutex_unlock(*px, L_ua0);
            };
        };
        m.run({cpu("CPU0", pair(a, b)), cpu("CPU1", pair(b, c))}, p);
        REQUIRE(m.findings().empty());
        m.run({cpu("CPU2", pair(c, a))}, p);
        REQUIRE(kinds(m) == Kinds{"lock-order-inversion"});
        REQUIRE(m.findings()[0].message ==
                "BUG: possible circular locking dependency: CPU2 (thread_a:lock_b) takes A at step 2 while holding "
                "C; the order A -> B was taken during run (thread_a:lock_b)");
    }
}

// ---------------------------------------------------------------------------
// step-limit

TEST_CASE("step-limit: a run that never finishes is stopped", "[sim][checks][steplimit]") {
    sim::Machine m;
    Node n("N1");
    int unwound = 0;
    m.set_max_steps(50);

    SECTION("one CPU spinning on yield points") {
        sim::SerialPolicy p;
        m.run({cpu("CPU0", [&] {
                  Unwound g{unwound};
                  for (;;) n.x.read(L_read);
              })},
              p);
        REQUIRE(unwound == 1);
        REQUIRE(m.aborted());
        REQUIRE(m.token() == "a50");
        REQUIRE(kinds(m) == Kinds{"step-limit"});
        const sim::Finding& f = m.findings()[0];
        REQUIRE(f.message == "BUG: step limit: the run did not finish within 50 steps (livelock?)");
        REQUIRE(f.step == 50);
        REQUIRE(f.cpu == 0);
    }
    SECTION("two CPUs, random schedule") {
        sim::RandomPolicy p(3);
        auto spin = [&] {
            Unwound g{unwound};
            for (;;) n.x.write(1, L_write);
        };
        m.run({cpu("CPU0", spin), cpu("CPU1", spin)}, p);
        REQUIRE(unwound == 2);
        REQUIRE(kinds(m) == Kinds{"step-limit"});
        unsigned steps = 0;
        for (const sim::Run& r : m.runs()) steps += r.count;
        REQUIRE(steps == 50u);
    }
    SECTION("exactly 50 steps is within the limit, 51 is not") {
        sim::SerialPolicy p;
        m.run({cpu("CPU0", [&] {
                  for (int i = 0; i < 50; ++i) n.x.read(L_read);
              })},
              p);
        REQUIRE(m.findings().empty());
        REQUIRE_FALSE(m.aborted());
        REQUIRE(m.token() == "a50");
        m.run({cpu("CPU0", [&] {
                  Unwound g{unwound};
                  for (int i = 0; i < 51; ++i) n.x.read(L_read);
              })},
              p);
        REQUIRE(kinds(m) == Kinds{"step-limit"});
        REQUIRE(unwound == 1);
        REQUIRE(m.token() == "a50");
    }
}

// ---------------------------------------------------------------------------
// kref-get-zero

struct Group : sim::Object {
    Group() : sim::Object("group"), ref(this, "ref") { set_name("G"); }
    sim::kref ref;
};

const sim::Label L_kref_get{"find:get", "get_container_group(res);"};
const sim::Label L_kref_put{"exit:put", "put_container_group(cg);"};

TEST_CASE("kref-get-zero: a kref_get on a count its last put took to 0 warns, naming that put",
          "[sim][checks][kref]") {
    sim::Machine m;
    Group g;
    g.ref.refcount.counter = 1;
    sim::ReplayPolicy p({1, 0});
    m.run({cpu("CPU0", [&] { sim::kref_get(g.ref, L_kref_get); }),
           cpu("CPU1", [&] { sim::kref_put(g.ref, [](sim::kref*) {}, L_kref_put); })},
          p);
    REQUIRE(kinds(m) == Kinds{"kref-get-zero"});
    REQUIRE(m.findings()[0].message ==
            "WARNING: kref_get() on a zero refcount: G->ref 0 -> 1 at step 2 (CPU0 find); put to 0 at step 1 (CPU1 "
            "exit)");
    REQUIRE(m.findings()[0].related_steps == Steps{1});

    sim::Machine m2;
    Group h;
    h.ref.refcount.counter = 1;
    sim::SerialPolicy sp;
    m2.run({cpu("CPU0", [&] { sim::kref_get(h.ref, L_kref_get); })}, sp);
    REQUIRE(m2.findings().empty());
    REQUIRE(h.ref.refcount.counter == 2);
}
