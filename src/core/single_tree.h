// The single-hierarchy kernels' (containers-v7-1, cpuset-2.6.20) file-system
// glue and end-of-run checks, for any node type with parent, children, dname
// and a counting `count`, and a task pointer field naming the task's node.
// Path walks follow the dentries (Node::d_subdirs) and read the dcache as a
// step (core/dcache.h).
#pragma once
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/dcache.h"
#include "core/kernel.h"
#include "core/mm.h"
#include "sim/kernel/mutex.h"

namespace core {

template <class Node>
class SingleTree {
public:
    // `field` is the task_struct member pointing at a Node (&task_struct::container).
    using Field = sim::Shared<Node*> task_struct::*;
    SingleTree(Dcache& dcache, Node& top, std::string default_mount, Field field, const char* field_name)
        : dcache_(dcache), top_(top), default_mount_(std::move(default_mount)), field_(field), field_name_(field_name) {}

    // get_sb_single(): one superblock, visible at any number of mount points.
    int mount(const MountArgs& a) {
        if (!a.subsystems.empty()) return -EINVAL;
        dcache_.changed(lbl::do_add_mount::graft_tree);
        if (std::find(mounts_.begin(), mounts_.end(), a.path) == mounts_.end()) mounts_.push_back(a.path);
        return 0;
    }

    // path_lookup(): a step, then the walk.
    Node* path_lookup(const std::string& path) {
        dcache_.path_lookup();
        return lookup(path);
    }

    // sys_mkdirat(): the walk to the parent pins its dentry; lookup_create()
    // takes the parent's i_mutex and looks the name up. `create(parent, name)`
    // is the file system's mkdir; `dput(node)` drops a dentry reference.
    template <class Create, class Dput>
    int mkdir(const std::string& path, Create create, Dput dput) {
        auto slash = path.find_last_of('/');
        Node* parent = path_lookup(path.substr(0, slash));
        if (!parent) return -ENOENT;
        std::string name = path.substr(slash + 1);
        Dcache::dget(parent);
        sim::mutex_lock(parent->i_mutex, lbl::sys_mkdirat::lock_parent_i_mutex);
        dcache_.lookup_hash();
        int ret;
        if (parent->d_deleted)
            ret = -ENOENT;  // IS_DEADDIR
        else if (Dcache::d_lookup(parent, name))
            ret = -EEXIST;
        else
            ret = create(parent, name);
        sim::mutex_unlock(parent->i_mutex, lbl::sys_mkdirat::unlock_parent_i_mutex);
        dput(parent);
        return ret;
    }

    // do_rmdir(): a mount point is busy; otherwise the victim is looked up
    // under its parent's i_mutex, so of two rmdirs only one finds it, and
    // vfs_rmdir() holds the victim's i_mutex too, so a mkdir in it either
    // finishes first or finds it dead. `remove(victim)` is the file system's rmdir.
    template <class Remove, class Dput>
    int rmdir(const std::string& path, Remove remove, Dput dput) {
        dcache_.path_lookup();
        if (std::find(mounts_.begin(), mounts_.end(), path) != mounts_.end()) return -EBUSY;  // d_mountpoint()
        auto slash = path.find_last_of('/');
        Node* parent = lookup(path.substr(0, slash));
        if (!parent) return -ENOENT;
        Dcache::dget(parent);
        sim::mutex_lock(parent->i_mutex, lbl::do_rmdir::lock_parent_i_mutex);
        dcache_.lookup_hash();
        Node* victim = Dcache::d_lookup(parent, path.substr(slash + 1));
        int ret = -ENOENT;
        if (victim) {
            Dcache::dget(victim);  // lookup_hash()'s reference
            sim::mutex_lock(victim->i_mutex, lbl::vfs_rmdir::lock_i_mutex);
            ret = remove(victim);
            sim::mutex_unlock(victim->i_mutex, lbl::vfs_rmdir::unlock_i_mutex);
            dput(victim);  // the last one frees the directory
        }
        sim::mutex_unlock(parent->i_mutex, lbl::do_rmdir::unlock_parent_i_mutex);
        dput(parent);
        return ret;
    }

    // The walk alone (not a step): for the runner's checks and after lookup_hash().
    Node* lookup(const std::string& path) const {
        for (const std::string& m : mounts_) {
            auto parts = path_below(m, path);
            if (!parts) continue;
            Node* c = &top_;
            for (const std::string& p : *parts)
                if (!(c = Dcache::d_lookup(c, p))) return nullptr;
            return c;
        }
        return nullptr;
    }

    std::string path_of(const Node* c) const {
        std::string s;
        for (; c && c != &top_; c = c->parent) s = "/" + c->dname + s;
        return (mounts_.empty() ? default_mount_ : mounts_.front()) + s;
    }

    // Top first, then each subtree in creation order.
    std::vector<const Node*> preorder() const {
        std::vector<const Node*> out, stack{&top_};
        while (!stack.empty()) {
            const Node* c = stack.back();
            stack.pop_back();
            out.push_back(c);
            for (auto it = c->children.rbegin(); it != c->children.rend(); ++it) stack.push_back(*it);
        }
        return out;
    }

    // Membership is the live tasks pointing at the node.
    std::vector<NodeState> nodes(const std::vector<task_struct*>& tasks) const {
        std::vector<NodeState> out;
        for (const Node* c : preorder()) {
            NodeState n{path_of(c), c->count.counter, {}};
            for (const task_struct* t : tasks)
                if (task_is_live(t) && (t->*field_).peek() == c) n.tasks.push_back(t->pid);
            out.push_back(n);
        }
        return out;
    }

    // count-mismatch and dangling-pointer. init_task sits in the top node
    // without a count (container_init_early / cpuset_init_early).
    void check_invariants(const std::vector<task_struct*>& tasks, std::vector<sim::Finding>& out) const {
        std::string top = path_of(&top_);
        for (const NodeState& n : nodes(tasks)) {
            int expected = static_cast<int>(n.tasks.size()) - (n.path == top ? 1 : 0);
            if (n.count != expected)
                out.push_back({"count-mismatch",
                               fmt::format("BUG: count mismatch: {} count is {} but {} live task{} attached", n.path,
                                           n.count, expected, expected == 1 ? " is" : "s are"),
                               0, -1, {}, {}});
        }
        for (const task_struct* t : tasks) {
            const Node* c = (t->*field_).peek();
            if (task_is_live(t) && c && c->freed)
                out.push_back({"dangling-pointer",
                               fmt::format("BUG: dangling pointer: live task {} (pid {}) ->{} points at freed {}",
                                           t->name(), t->pid, field_name_, c->name()),
                               0, -1, {}, {}});
        }
    }

    void reachable(const std::vector<task_struct*>& tasks, std::set<const sim::Object*>& out) const {
        for (const task_struct* t : tasks)
            if (t->hashed) {
                out.insert(t);
                if ((t->*field_).peek()) out.insert((t->*field_).peek());
                if (t->mm.peek()) out.insert(t->mm.peek());
            }
        for (const Node* c : preorder()) out.insert(c);
    }

private:
    Dcache& dcache_;
    Node& top_;
    std::string default_mount_;
    Field field_;
    const char* field_name_;
    std::vector<std::string> mounts_;
};

}  // namespace core
