// The ns subsystem, V7 patch 7/7 "Container interface to nsproxy subsystem"
// (kernel/ns_container.c). Its text is not in our reference: ns_create() and
// ns_container_clone() are modelled from what the thread quotes (#11552,
// #11652, #18013); struct nscont, ns_destroy() and ns_can_attach() from the
// code's successor, mainline's ns_cgroup.c (2.6.24). Every such assumption
// is marked "7/7 assumption" next to the code it governs and listed in
// docs/fidelity/bc-ns.md. Registered by adding it to KernelV7's builtin_subsys_.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "core/labels.h"
#include "core/v7/container.h"
#include "core/v7/file.h"

#define CONTSIM_V7_NS_LABELS(X)                                                                                \
    X(ns_create, kzalloc, "ns = kzalloc(sizeof(*ns), GFP_KERNEL);")                                            \
    X(ns_destroy, read_css, "struct nscont *ns = container_ns(cont);")                                         \
    X(ns_destroy, kfree, "kfree(ns);")                                                                         \
    X(ns_can_attach, read_count, "if (atomic_read(&new_cont->count) != 0) return -EPERM;")

namespace subsys::lbl {
CONTSIM_V7_NS_LABELS(CONTSIM_DEFINE_LABEL)
}

namespace subsys {

using core::task_struct;
using core::v7::cftype;
using core::v7::container;
using core::v7::container_subsys_state;

// 7/7 assumption: struct nscont is { css; } (mainline's ns_cgroup adds an
// unused spinlock). The thread shows only the name.
struct nscont : sim::Object {
    explicit nscont(const std::string& name);
    container_subsys_state css;  // first member
};

// Which namespaces a task has (its nsproxy's members), as identities: 0 is
// init_nsproxy's. Model data for nsproxy.cpp: no steps, no reference counts.
struct ns_ids {
    int mnt = 0, uts = 0, ipc = 0;
    bool operator==(const ns_ids&) const = default;
};

class ns_subsys_t : public core::v7::container_subsys {
public:
    explicit ns_subsys_t(core::v7::KernelV7& k);
    int create(container* cont) override;
    void destroy(container* cont) override;
    int can_attach(container* cont, task_struct* tsk) override;
    std::vector<const sim::Label*> labels() const override;

    // ns_container_clone(): from copy_namespaces()/sys_unshare() when a new
    // namespace is made; calls container_clone(tsk, &ns_subsys). 0 or -errno.
    int ns_container_clone(task_struct* tsk);

    // tsk->nsproxy's namespaces; a task never seen by copy_namespaces() has
    // init_nsproxy's (the model's fork does not call copy_namespaces()
    // without CLONE_NEW* flags, so plain-fork sharing is not tracked).
    ns_ids task_namespaces(const task_struct* tsk) const;
    void set_task_namespaces(const task_struct* tsk, ns_ids ids) { task_ns_[tsk] = ids; }
    int new_namespace_id() { return ++last_ns_id_; }

private:
    std::map<const task_struct*, ns_ids> task_ns_;
    int last_ns_id_ = 0;
};

}  // namespace subsys
