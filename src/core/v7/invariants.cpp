// End-of-run invariants of containers-v7 beyond container counts and group
// krefs (container.cpp): every super_block's s_active, every live css's
// refcnt, every live task's usage, the files' beancounter pointers, and
// every mm's mm_users, whether every task got the fork callback of every subsystem that has one.
#include <fmt/format.h>

#include "core/v7/container.h"
#include "core/v7/file.h"
#include "core/mm.h"

#include <map>

namespace core::v7 {

using namespace sim;

namespace {
constexpr int MAX_HIER = CONFIG_MAX_CONTAINER_HIERARCHIES;

Finding finding(const char* kind, std::string msg) { return {kind, std::move(msg), 0, -1, {}, {}}; }

// Every container of a hierarchy, top first.
std::vector<const struct container*> tree(const struct container* top) {
    std::vector<const struct container*> out, stack{top};
    while (!stack.empty()) {
        const struct container* c = stack.back();
        stack.pop_back();
        out.push_back(c);
        for (auto it = c->children.rbegin(); it != c->children.rend(); ++it) stack.push_back(*it);
    }
    return out;
}
}  // namespace

void KernelV7::check_refcounts(std::vector<Finding>& out) const {
    // s_active: each mount of the super_block and each container below its
    // top (container_create's atomic_inc, dropped by rmdir) hold one.
    for (int h = 1; h < MAX_HIER; ++h) {
        const super_block* sb = rootnode[h].sb.peek();
        if (!sb || sb->freed) continue;
        int mounts = 0, below = 0;
        for (const Mount& mt : mounts_) mounts += mt.sb == sb;
        for (const struct container* c : tree(&rootnode[h].top_container))
            below += c != c->top_container && !c->freed && !(c->flags.peek() & CONT_REMOVED);
        int expected = mounts + below;
        if (sb->s_active.counter != expected)
            out.push_back(finding("s-active-mismatch",
                                  fmt::format("BUG: s_active mismatch: {}->s_active is {} but {} mount{} and {} "
                                              "container{} below the top hold it",
                                              sb->name(), sb->s_active.counter, mounts, mounts == 1 ? "" : "s", below,
                                              below == 1 ? "" : "s")));
    }
    for (const Mount& mt : mounts_)
        if (mt.sb->freed)
            out.push_back(finding("dangling-pointer",
                                  fmt::format("BUG: dangling pointer: the mount at {} uses freed {}", mt.path,
                                              mt.sb->name())));
    // css refcnt: the references the scenario's css_get ops hold plus the
    // open files charged to it (bc_file_charge's css_get_current); a removed
    // container's states are -1 on top of that (container_rmdir).
    for (int h = 0; h < MAX_HIER; ++h)
        for (const struct container* c : tree(&rootnode[h].top_container)) {
            if (c->freed) continue;
            for (int j = 0; j < subsys_count; ++j) {
                const container_subsys_state* css = c->subsys[j].peek();
                if (!css || css->object->freed) continue;
                // A bound subsystem's top state is also dummytop's
                // (rebind_subsystems leaves dummytop->subsys[i] set): check
                // each state once, at the container it points back to.
                if (css->container.peek() != c) continue;
                auto held = css_held_.find(css);
                int gets = held == css_held_.end() ? 0 : held->second;
                int files = 0;
                for (const auto& [name, f] : files_) files += f->f_bc.peek() == css;
                int expected = gets + files - ((c->flags.peek() & CONT_REMOVED) ? 1 : 0);
                if (css->refcnt.counter != expected)
                    out.push_back(finding(
                        "refcnt-mismatch",
                        fmt::format("BUG: css refcnt mismatch: {}'s {} state has refcnt {} but {} css_get reference{} "
                                    "and {} open file{} hold it{}",
                                    path_of(c), subsys[j]->ss_name, css->refcnt.counter, gets, gets == 1 ? "" : "s",
                                    files, files == 1 ? "" : "s",
                                    (c->flags.peek() & CONT_REMOVED) ? " (-1: removed)" : "")));
            }
        }
    // An open file charged to a freed beancounter: file_free() will touch it.
    for (const auto& [name, f] : files_) {
        const container_subsys_state* css = f->f_bc.peek();
        if (css && css->object->freed)
            out.push_back(finding("dangling-pointer",
                                  fmt::format("BUG: dangling pointer: open file {}->f_bc points at freed {}", name,
                                              css->object->name())));
    }
    // task usage: a task still in the task list holds two references (the
    // one release_task() drops and the one the final schedule drops).
    for (const task_struct* t : tasks_) {
        if (!t->hashed || t->freed) continue;
        if (t->usage.counter != 2)
            out.push_back(finding("usage-mismatch",
                                  fmt::format("BUG: task usage mismatch: {} (pid {}) ->usage is {} but a live task "
                                              "holds 2 (release_task's and the final schedule's)",
                                              t->name(), t->pid, t->usage.counter)));
    }
    // mm_users: every task whose ->mm it is holds one (get_task_mm()'s
    // references are all put by the end of a run).
    std::map<const mm_struct*, int> users;
    for (const task_struct* t : tasks_)
        if (!t->freed && t->mm.peek()) users[t->mm.peek()]++;
    for (const auto& [mm, n] : users) {
        if (mm->freed)
            out.push_back(finding("dangling-pointer",
                                  fmt::format("BUG: dangling pointer: {} task{} still use{} freed {}", n,
                                              n == 1 ? "" : "s", n == 1 ? "s" : "", mm->name())));
        else if (mm->mm_users.counter != n)
            out.push_back(finding("mm-users-mismatch",
                                  fmt::format("BUG: mm_users mismatch: {}->mm_users is {} but {} task{} use{} it",
                                              mm->name(), mm->mm_users.counter, n, n == 1 ? "" : "s",
                                              n == 1 ? "s" : "")));
    }
    // Fork callbacks: a live task has had every registered fork callback,
    // from container_fork() or from container_register_subsys()'s replay.
    for (int j = 0; j < subsys_count; ++j) {
        const container_subsys* ss = subsys[j];
        if (!(ss->hooks & container_subsys::HOOK_FORK)) continue;
        for (const task_struct* t : tasks_) {
            if (!live(t) || !t->hashed) continue;
            auto it = fork_callbacks_.find(t);
            if (it != fork_callbacks_.end() && (it->second & (1ul << j))) continue;
            auto at = registered_at_.find(ss);
            std::string when = at != registered_at_.end() && at->second
                                   ? fmt::format("registered at step {}", at->second)
                                   : std::string("registered at boot");
            out.push_back(finding("missed-callback",
                                  fmt::format("BUG: missed fork callback: {} (pid {}) never had {}'s fork callback "
                                              "({})",
                                              t->name(), t->pid, ss->ss_name, when)));
        }
    }
}

}  // namespace core::v7
