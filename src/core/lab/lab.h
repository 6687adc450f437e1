// Kernel "lab": no container code, only the simulator's kernel primitives as
// ops on objects a scenario declares ("objects": {"A": "mutex", "x": "int"}),
// for teaching kernel locking (docs/labs/). Each op is one primitive, as the
// kernel's own (sim/kernel/*.h), so every check the container kernels get --
// lockdep's order, sleep in atomic, use-after-free, double free, refcount
// underflow, RCU, leaks, deadlock -- fires from a lab too.
//
// A thread's ops are one path through kernel code, not system calls: the CPU
// does not return to user mode between them (no RCU quiescent state there,
// locks may be held from one op to the next).
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/kernel.h"
#include "sim/kernel/atomic.h"
#include "sim/kernel/kref.h"
#include "sim/kernel/mutex.h"
#include "sim/kernel/rwlock.h"
#include "sim/kernel/rwsem.h"
#include "sim/kernel/shared.h"
#include "sim/kernel/spinlock.h"

namespace core::lab {

enum class Type { mutex, spinlock, rwlock, rwsem, integer, atomic, kref, object, pointer };
const std::vector<std::pair<std::string, Type>>& type_names();  // "mutex", "spinlock", ... "pointer"
const char* type_name(Type t);

// One declared object. `value`: an int's, atomic's or object's initial
// value, a kref's initial count (default 1); `points_to`: a pointer's
// initial target ("" for NULL); `allocated`: an object or kref exists at boot.
struct ObjectSpec {
    std::string name;
    Type type = Type::integer;
    long value = 0;
    std::string points_to;
    bool allocated = true;
    bool reassigned = false;  // some op kmallocs it: its pointer variable is shared, each use reads it
};

// What an op takes: the object types it applies to (none: no object), and
// whether it takes a "value" (an integer, or for a pointer an object name).
struct OpInfo {
    const char* name;
    std::vector<Type> takes;
    bool value = false;
    bool via = false;  // may name its object through a pointer an earlier op read ("via": NAME)
};
const std::vector<OpInfo>& ops();
const OpInfo* find_op(const std::string& name);

// One op as the runner hands it over: `object` a declared name, or with
// `via` an instance name a pointer read gave ("d", "d(2)"; "" is NULL).
struct LabOp {
    std::string op;
    std::string object;
    bool via = false;
    long value = 0;
    std::string target;  // a pointer store's object name, "" for NULL
    bool atomic_gfp = false;
};

// One instance of a declared object (the boot one, or one a kmalloc made).
struct LabObj : sim::Object {
    LabObj(const char* name, Type t, const char* family_name, long initial);
    Type kind;
    const char* family;  // the declared name: labels and lock classes
    sim::mutex mx;
    sim::spinlock_t spin;
    sim::rwlock_t rw;
    sim::rw_semaphore sem;
    sim::atomic_t at;
    sim::kref ref;
    sim::Shared<long> val;
    sim::Shared<LabObj*> ptr;
};

class LabKernel : public Kernel {
public:
    explicit LabKernel(std::set<Fix> fixes);
    ~LabKernel() override;

    const char* name() const override { return "lab"; }
    std::vector<const sim::Label*> labels() const override;
    std::string default_mount_point() const override { return "/"; }
    bool has_op(const std::string& op) const override;
    bool ops_are_syscalls() const override { return false; }

    // Before boot (and before labels(): the labels name the objects).
    void set_objects(std::vector<ObjectSpec> specs);
    const std::vector<ObjectSpec>& objects() const { return specs_; }
    int lab_op(const LabOp& op, std::string& text);
    // The locks some CPU holds (names, ", "-separated): after set-up, none may be.
    std::string held_locks() const;

    void boot() override;
    int mount(const MountArgs&) override { return -ENOSYS; }
    int mkdir(const std::string&) override { return -ENOSYS; }
    int rmdir(const std::string&) override { return -ENOSYS; }
    int attach(const std::string&, int) override { return -ENOSYS; }
    int write(const std::string&, const std::string&) override { return -ENOSYS; }

    std::vector<NodeState> nodes() const override;
    std::vector<GroupState> groups() const override;
    std::vector<std::string> final_state_lines() const override;
    void check_invariants(std::vector<sim::Finding>&) const override {}
    void reachable(std::set<const sim::Object*>& out) const override;

protected:
    void fork_hook(task_struct*) override {}
    void exit_hook(task_struct*) override {}
    bool resolves(const std::string&) const override { return false; }

private:
    struct Named;
    Named* named(const std::string& name);
    LabObj* instance(const LabOp& op, const sim::Label& l, bool null_ok = false);
    LabObj* instance_named(const std::string& name) const;  // "d", "d(2)": any made so far, freed or not
    LabObj* make_instance(Named& n, const char* inst_name);

    std::vector<ObjectSpec> specs_;
    std::vector<std::unique_ptr<Named>> named_;
    std::vector<LabObj*> instances_;  // every instance ever made, in creation order
};

// The yield-point label of op `op` on object `object` ("mutex_lock:A",
// "mutex_lock(&A);"); one per process, so a schedule parsed with one kernel
// names the same label as the run's. nullptr for an op the object's type
// does not take.
const sim::Label* label_for(const std::string& op, const std::string& object, Type t, bool atomic_gfp = false);

}  // namespace core::lab
