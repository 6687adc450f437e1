// The VFS state path walks depend on: the dcache (which directories a walk
// finds) and the mount table (which mount covers a path). Modelled as one
// location: path_lookup() and lookup_hash() read it; mounts, umounts and a
// directory's d_instantiate()/d_delete() write it. Coarse (every walk depends
// on every mkdir), but every change a walk could observe is a step, so
// exploration never treats a walk and such a change as commuting.
#pragma once
#include <algorithm>
#include <string>

#include "core/common_labels.h"
#include "sim/kernel/atomic.h"
#include "sim/kernel/shared.h"
#include "sim/object.h"

namespace core {

class Dcache {
public:
    Dcache() : cell_(&sim::global_object(), "dcache", 0) {}

    void path_lookup() { cell_.read(lbl::path_lookup::walk); }
    void lookup_hash() { cell_.read(lbl::lookup_hash::read_dcache); }
    void changed(const sim::Label& l) { cell_.write(cell_.peek() + 1, l); }

    // A directory's dentry turns positive in its parent (container_create_dir()
    // -> d_instantiate()) or leaves it (container_d_remove_dir() -> d_delete()).
    // Walks follow Node::d_subdirs, not the subsystem's children list.
    // Node also has d_deleted (IS_DEADDIR: mkdir in it fails with -ENOENT).
    template <class Node>
    void d_instantiate(Node* parent, Node* child, const sim::Label& l) {
        changed(l);
        parent->d_subdirs.push_back(child);
    }
    template <class Node>
    void d_remove_dir(Node* parent, Node* child, const sim::Label& l) {
        changed(l);
        parent->d_subdirs.erase(std::find(parent->d_subdirs.begin(), parent->d_subdirs.end(), child));
        child->d_deleted = true;  // IS_DEADDIR
    }

    // __d_lookup(): the positive dentry `name` below `dir`, or nullptr. Not
    // a step: callers have just taken path_lookup()'s or lookup_hash()'s.
    template <class Node>
    static Node* d_lookup(const Node* dir, const std::string& name) {
        auto it = std::find_if(dir->d_subdirs.begin(), dir->d_subdirs.end(),
                               [&](const Node* k) { return k->dname == name; });
        return it == dir->d_subdirs.end() ? nullptr : *it;
    }

    // Dentry references. The walk's dget() is part of its step (__d_lookup()
    // takes it under the dentry's lock): while a directory is in d_subdirs it
    // holds a reference of its own or is pinned by rmdir, so a walk's
    // increment never races the last put. dput() is a step: which put is the
    // last, and so who frees, depends on the order of the puts.
    template <class Node>
    static void dget(Node* n) {
        sim::atomic_inc_folded(n->d_count);
    }
    // True when this put took the count to 0.
    template <class Node>
    static bool dput(Node* n) {
        return sim::atomic_dec_and_test(n->d_count, lbl::dput::dec_d_count);
    }

private:
    sim::Shared<int> cell_;
};

}  // namespace core
