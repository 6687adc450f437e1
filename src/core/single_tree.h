// The single-hierarchy kernels' (containers-v7-1, cpuset-2.6.20) file-system
// glue and end-of-run checks, for any node type with parent, children, dname
// and a counting `count`, and a task pointer field naming the task's node.
// Path lookup is VFS work the model does not step through.
#pragma once
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/kernel.h"

namespace core {

template <class Node>
class SingleTree {
public:
    // `field` is the task_struct member pointing at a Node (&task_struct::container).
    using Field = sim::Shared<Node*> task_struct::*;
    SingleTree(Node& top, std::string default_mount, Field field, const char* field_name)
        : top_(top), default_mount_(std::move(default_mount)), field_(field), field_name_(field_name) {}

    // get_sb_single(): one superblock, visible at any number of mount points.
    int mount(const MountArgs& a) {
        if (!a.subsystems.empty()) return -EINVAL;
        if (std::find(mounts_.begin(), mounts_.end(), a.path) == mounts_.end()) mounts_.push_back(a.path);
        return 0;
    }

    Node* lookup(const std::string& path) const {
        for (const std::string& m : mounts_) {
            auto parts = path_below(m, path);
            if (!parts) continue;
            Node* c = &top_;
            for (const std::string& p : *parts) {
                auto it = std::find_if(c->children.begin(), c->children.end(), [&](Node* k) { return k->dname == p; });
                if (it == c->children.end()) return nullptr;
                c = *it;
            }
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
            }
        for (const Node* c : preorder()) out.insert(c);
    }

private:
    Node& top_;
    std::string default_mount_;
    Field field_;
    const char* field_name_;
    std::vector<std::string> mounts_;
};

}  // namespace core
