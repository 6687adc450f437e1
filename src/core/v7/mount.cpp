// Hierarchies (V7 3/7): container_get_sb() with its option parsing and
// hierarchy reuse, container_remount(), rebind_subsystems(), and the unmount
// path: mntput() -> deactivate_super() -> container_put_super().
#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "core/errno_names.h"
#include "core/v7/container.h"
#include "core/v7/labels.h"
#include "sim/kernel/rcu.h"
#include "sim/kernel/slab.h"

namespace core::v7 {

using namespace sim;

namespace {
constexpr int MAX_HIER = CONFIG_MAX_CONTAINER_HIERARCHIES;
}

// A BUG_ON() of the posted code: the kernel oopses; the model reports it and
// carries on, as a kernel without CONFIG_BUG would.
void kernel_bug_at(const char* file, const std::string& where, const std::string& what) {
    Machine& m = Machine::current();
    m.report({"kernel-bug", fmt::format("kernel BUG at {}: {}: {}", file, where, what), m.step(), m.cpu(), {}, {}});
}

void KernelV7::kernel_bug(const std::string& where, const std::string& what) {
    kernel_bug_at("kernel/container.c", where, what);
}

/* Convert a hierarchy specifier into a bitmask. LL=manage_mutex */
int KernelV7::parse_containerfs_options(const std::string* data, unsigned long* bits) {
    std::string o = data ? *data : "all";
    *bits = 0;
    std::size_t pos = 0;
    while (true) {  // strsep(&o, ",")
        std::size_t comma = o.find(',', pos);
        std::string token = o.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        if (token.empty()) return -EINVAL;
        if (token == "all") {
            *bits = (1ul << subsys_count) - 1;
        } else {
            int i;
            for (i = 0; i < subsys_count; i++) {
                if (token == subsys[i]->ss_name) {
                    *bits |= 1ul << i;
                    break;
                }
            }
            if (i == subsys_count) return -ENOENT;
        }
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    /* We can't have an empty hierarchy */
    if (!*bits) return -EINVAL;
    return 0;
}

// Called with manage_mutex held.
int KernelV7::rebind_subsystems(containerfs_root* root, unsigned long final_bits) {
    namespace yp = lbl::rebind_subsystems;
    struct container* cont = &root->top_container;
    int hierarchy = cont->hierarchy;
    unsigned long removed_bits = root->subsys_bits & ~final_bits;
    unsigned long added_bits = final_bits & ~root->subsys_bits;

    /* Check that any added subsystems are currently free */
    for (int i = 0; i < subsys_count; i++) {
        unsigned long bit = 1ul << i;
        container_subsys* ss = subsys[i];
        if (!(bit & added_bits)) continue;
        if (ss->hierarchy.read(yp::read_ss_hierarchy) != 0) return -EBUSY;  // Subsystem isn't free
    }
    /* Currently we don't handle adding/removing subsystems when any subcontainers exist. */
    if (!cont->children.empty()) return -EBUSY;

    mutex_lock(callback_mutex, yp::lock_callback_mutex);
    // The BUG_ONs read cont->subsys[i] and css->container without steps: every
    // writer of those fields (rebind_subsystems, container_register_subsys)
    // holds manage_mutex, as this caller does.
    for (int i = 0; i < subsys_count; i++) {
        container_subsys* ss = subsys[i];
        unsigned long bit = 1ul << i;
        if (bit & added_bits) {
            /* We're binding this subsystem to this hierarchy */
            if (cont->subsys[i].peek())
                kernel_bug("rebind_subsystems", fmt::format("BUG_ON(cont->subsys[i]): binding {} to hierarchy {}, whose "
                                                            "top container already has a state for it",
                                                            ss->ss_name, hierarchy));
            if (deref(dummytop()->subsys[i].peek(), yp::read_dummytop_subsys, "dummytop->subsys[i]")
                    ->container.peek() != dummytop())
                kernel_bug("rebind_subsystems",
                           fmt::format("BUG_ON(dummytop->subsys[i]->container != dummytop): binding {} to hierarchy {}",
                                       ss->ss_name, hierarchy));
            container_subsys_state* css = dummytop()->subsys[i].read(yp::read_dummytop_subsys);
            cont->subsys[i].write(css, yp::write_cont_subsys);
            css->container.write(cont, yp::write_css_container);
            root->subsys_list.insert(root->subsys_list.begin(), ss);  // list_add(&ss->sibling, &root->subsys_list)
            rcu_assign_pointer(ss->hierarchy, hierarchy, yp::assign_ss_hierarchy);
            if (ss->hooks & container_subsys::HOOK_BIND) ss->bind(cont);
        } else if (bit & removed_bits) {
            /* We're removing this subsystem */
            container_subsys_state* cur = cont->subsys[i].peek();
            if (cur != dummytop()->subsys[i].peek())
                kernel_bug("rebind_subsystems",
                           fmt::format("BUG_ON(cont->subsys[i] != dummytop->subsys[i]): unbinding {} from hierarchy {}",
                                       ss->ss_name, hierarchy));
            if (deref(cur, yp::clear_cont_subsys, "cont->subsys[i]")->container.peek() != cont)
                kernel_bug("rebind_subsystems",
                           fmt::format("BUG_ON(cont->subsys[i]->container != cont): unbinding {} from hierarchy {}",
                                       ss->ss_name, hierarchy));
            if (ss->hooks & container_subsys::HOOK_BIND) ss->bind(dummytop());
            container_subsys_state* css = dummytop()->subsys[i].read(yp::read_dummytop_subsys);
            css->container.write(dummytop(), yp::write_dummytop_css_container);
            cont->subsys[i].write(nullptr, yp::clear_cont_subsys);
            rcu_assign_pointer(ss->hierarchy, 0, yp::assign_ss_hierarchy_0);
            root->subsys_list.erase(std::find(root->subsys_list.begin(), root->subsys_list.end(), ss));  // list_del
        } else if (bit & final_bits) {
            /* Subsystem state should already exist */
            if (!cont->subsys[i].peek())
                kernel_bug("rebind_subsystems", fmt::format("BUG_ON(!cont->subsys[i]): {} stays bound to hierarchy {} "
                                                            "but its top container has no state for it",
                                                            ss->ss_name, hierarchy));
        } else {
            /* Subsystem state shouldn't exist */
            if (cont->subsys[i].peek())
                kernel_bug("rebind_subsystems", fmt::format("BUG_ON(cont->subsys[i]): {} is not bound to hierarchy {} "
                                                            "but its top container has a state for it",
                                                            ss->ss_name, hierarchy));
        }
    }
    root->subsys_bits = final_bits;
    mutex_unlock(callback_mutex, yp::unlock_callback_mutex);
    synchronize_rcu(yp::synchronize_rcu);
    return 0;
}

// list_empty(&cont->sibling) is false while cont is on its parent's children
// list (list_add in container_create, list_del in container_rmdir).
bool KernelV7::on_sibling_list(const struct container* cont) {
    return cont->parent && std::find(cont->parent->children.begin(), cont->parent->children.end(), cont) !=
                               cont->parent->children.end();
}

// "cpuset,cpuacct": the subsystems of a hierarchy's subsys_bits, for messages.
std::string KernelV7::subsys_names(unsigned long bits) const {
    std::string s;
    for (int i = 0; i < subsys_count; i++)
        if (bits & (1ul << i)) s += (s.empty() ? "" : ",") + std::string(subsys[i]->ss_name);
    return s.empty() ? fmt::format("{:#x}", bits) : s;
}

int KernelV7::container_get_sb(const std::string* data, int* hierarchy_out, super_block** sb_out) {
    namespace yp = lbl::container_get_sb;
    int i;
    unsigned long subsys_bits = 0;
    int ret = 0;
    containerfs_root* root = nullptr;

    mutex_lock(manage_mutex, yp::lock_manage_mutex);

    /* First find the desired set of resource controllers */
    ret = parse_containerfs_options(data, &subsys_bits);
    if (ret) goto out_unlock;

    /* See if we already have a hierarchy containing this set */
    for (i = 1; i < MAX_HIER; i++) {
        root = &rootnode[i];
        if (root->subsys_bits == subsys_bits) break;  // We match - use this hierarchy
        if (root->subsys_bits & subsys_bits) {        // We clash - fail
            ret = -EBUSY;
            goto out_unlock;
        }
    }
    if (i == MAX_HIER) {
        /* No existing hierarchy matched this set - but we know that all the subsystems are free */
        for (i = 1; i < MAX_HIER; i++) {
            root = &rootnode[i];
            if (!root->sb.read(yp::read_root_sb) && !root->subsys_bits) break;
        }
    }
    if (i == MAX_HIER) {
        ret = -ENOSPC;
        goto out_unlock;
    }
    *hierarchy_out = i;

    if (!root->sb.read(yp::read_root_sb)) {
        /* We need a new superblock for this container combination */
        struct container* cont = &root->top_container;
        // root->subsys_bits is written under manage_mutex, held here: no step.
        // A hierarchy matched by its set with a NULL root->sb is one whose
        // final umount's container_put_super() cleared root->sb and has not
        // rebound the subsystems yet (or could not: BUG_ON(ret) there).
        if (root->subsys_bits)
            kernel_bug("container_get_sb",
                       fmt::format("BUG_ON(root->subsys_bits): {}->sb is NULL but it still binds {}", root->name(),
                                   subsys_names(root->subsys_bits)));
        // get_sb_nodev(): sget() allocates the super_block; container_fill_super()
        // makes the root dentry for top_container (no steps) and links sb <-> root.
        super_block* sb = kzalloc<super_block>(yp::get_sb_nodev, GFP_KERNEL, i, root);
        if (!sb) {
            ret = -ENOMEM;
            goto out_unlock;
        }
        root->sb.write(sb, lbl::container_fill_super::write_root_sb);
        *sb_out = sb;
        // The top container's lists and root->number_of_containers change
        // under manage_mutex (and callback_mutex), held here: no steps.
        if (on_sibling_list(cont)) kernel_bug("container_get_sb", "BUG_ON(!list_empty(&cont->sibling))");
        if (!cont->children.empty())
            kernel_bug("container_get_sb", fmt::format("BUG_ON(!list_empty(&cont->children)): {} has {} child{}",
                                                       cont->name(), cont->children.size(),
                                                       cont->children.size() == 1 ? "" : "ren"));
        if (root->number_of_containers != 1)
            kernel_bug("container_get_sb", fmt::format("BUG_ON(root->number_of_containers != 1): it is {}",
                                                       root->number_of_containers));
        ret = rebind_subsystems(root, subsys_bits);
        // "It's safe to nest i_mutex inside manage_mutex in this case, since
        // no-one else can be accessing this directory yet": the new root's
        // i_mutex is not modelled (docs/fidelity/container.md).
        container_populate_dir(cont);
        if (ret) kernel_bug("container_get_sb", fmt::format("BUG_ON(ret): rebind_subsystems() returned {}", result_name(ret)));
    } else {
        /* Reuse the existing superblock */
        // container_put_super() may have cleared root->sb since the loop above read it.
        super_block* sb = deref(root->sb.read(yp::read_root_sb), yp::read_root_sb, "root->sb");
        atomic_inc(sb->s_active, yp::inc_s_active);  // simple_set_mnt() cannot fail here
        *sb_out = sb;
    }

out_unlock:
    mutex_unlock(manage_mutex, yp::unlock_manage_mutex);
    return ret;
}

int KernelV7::mount(const MountArgs& a) {
    // The subsystems option, e.g. "cpuset"; no option is NULL data ("all").
    std::string opts;
    for (std::size_t k = 0; k < a.subsystems.size(); ++k) opts += (k ? "," : "") + a.subsystems[k];
    int h = 0;
    super_block* sb = nullptr;
    int ret = container_get_sb(a.subsystems.empty() ? nullptr : &opts, &h, &sb);
    if (!ret) {
        // vfs_kern_mount()'s vfsmount, private until graft_tree() publishes it;
        // it holds the super_block reference container_get_sb() took.
        auto* mnt = sim::Machine::current().arena().create<vfsmount>(a.path, sb);
        dcache.changed(core::lbl::do_add_mount::graft_tree);
        mounts_.push_back({a.path, h, sb, mnt});
        if (mount_name_[h].empty()) mount_name_[h] = a.path;
    }
    return ret;
}

int KernelV7::container_remount(super_block* sb, const std::string* data) {
    namespace yp = lbl::container_remount;
    int ret = 0;
    unsigned long subsys_bits;
    // The caller holds a reference on a mount of sb and sb->s_umount: no
    // final deactivate_super() can have shut it down.
    containerfs_root* root = deref(sb->s_fs_info.read(yp::read_s_fs_info), yp::read_s_fs_info, "sb->s_fs_info");
    struct container* cont = &root->top_container;

    mutex_lock(cont->i_mutex, yp::lock_i_mutex);
    mutex_lock(manage_mutex, yp::lock_manage_mutex);

    /* See what subsystems are wanted */
    ret = parse_containerfs_options(data, &subsys_bits);
    if (!ret) {
        ret = rebind_subsystems(root, subsys_bits);
        /* (re)populate subsystem files */
        if (!ret) {
            dcache.changed(yp::populate_dir);  // walks to the files see the new set
            container_populate_dir(cont);
        }
    }
    mutex_unlock(manage_mutex, yp::unlock_manage_mutex);
    mutex_unlock(cont->i_mutex, yp::unlock_i_mutex);
    return ret;
}

// mount -o remount,OPTS PATH (fs/namespace.c do_remount()): the walk holds
// the mount, and down_write(&sb->s_umount) is held across do_remount_sb() ->
// container_remount().
int KernelV7::remount(const MountArgs& a) {
    Walk w = walk(a.path);
    auto m = std::find_if(mounts_.rbegin(), mounts_.rend(), [&](const Mount& x) { return x.path == a.path; });
    int ret = -EINVAL;  // not a mount point (nd.dentry != nd.mnt->mnt_root)
    if (m != mounts_.rend() && m->mnt == w.mnt) {
        super_block* sb = w.mnt->mnt_sb;
        std::string opts;
        for (std::size_t k = 0; k < a.subsystems.size(); ++k) opts += (k ? "," : "") + a.subsystems[k];
        down_write(sb->s_umount, lbl::do_remount::down_write_s_umount);
        ret = container_remount(sb, a.subsystems.empty() ? nullptr : &opts);
        up_write(sb->s_umount, lbl::do_remount::up_write_s_umount);
    }
    path_release(w);
    return ret;
}

// umount [-l] PATH (fs/namespace.c sys_umount() -> do_umount(), 2.6.20): the
// walk holds the mount; under namespace_sem and vfsmount_lock a mount still
// in use is -EBUSY ("if (flags & MNT_DETACH || !propagate_mount_busy(mnt, 2))
// umount_tree(...)"), else it leaves the namespace and release_mounts() drops
// the namespace's reference. The last mntput() deactivates the super_block:
// at once for an idle mount, at the last walker's path_release() after a
// lazy one. The busy check and umount_tree() are one step (vfsmount_lock).
int KernelV7::umount(const std::string& path, bool lazy) {
    Walk w = walk(path);
    auto mount_at = [&] {
        return std::find_if(mounts_.rbegin(), mounts_.rend(), [&](const Mount& x) { return x.path == path; });
    };
    if (mount_at() == mounts_.rend() || mount_at()->mnt != w.mnt) {
        path_release(w);
        return -EINVAL;  // not a mount point
    }
    dcache.changed(core::lbl::do_umount::umount_tree);
    sim::Machine::current().note_also_reads(w.mnt->mnt_count);  // propagate_mount_busy() read it in this step
    auto m = mount_at();  // a racing umount of the same path may have taken it (namespace_sem is not modelled)
    if (m == mounts_.rend() || m->mnt != w.mnt) {
        path_release(w);
        return -EINVAL;
    }
    if (!lazy && w.mnt->mnt_count.counter > 2) {
        path_release(w);
        return -EBUSY;
    }
    mounts_.erase(std::next(m).base());
    mntput(w.mnt, core::lbl::release_mounts::mntput);  // the namespace's reference
    path_release(w);
    return 0;
}

// fs/super.c deactivate_super(): the last s_active reference shuts the
// super_block down (->put_super) and frees it. `l` is the caller's decrement.
void KernelV7::deactivate_super(super_block* sb, const Label& l) {
    if (atomic_dec_and_test(sb->s_active, l)) {
        for (int i = 1; i < MAX_HIER; i++)
            if (&rootnode[i] == sb->s_fs_info.peek()) mount_name_[i].clear();
        // down_write(&s->s_umount); kill_sb() -> generic_shutdown_super() ->
        // container_put_super(), whose end drops s_umount; then destroy_super().
        down_write(sb->s_umount, lbl::deactivate_super::down_write_s_umount);
        container_put_super(sb);
        up_write(sb->s_umount, lbl::deactivate_super::up_write_s_umount);
        kfree(sb, lbl::deactivate_super::destroy_super);
    }
}

/*
 * Release the last use of a hierarchy.  Will never be called when there are
 * active subcontainers since each subcontainer bumps the value of sb->s_active.
 */
void KernelV7::container_put_super(super_block* sb) {
    namespace yp = lbl::container_put_super;
    // A super_block shut down twice finds s_fs_info NULL: the kernel oopses on root->sb.
    containerfs_root* root = deref(sb->s_fs_info.read(yp::read_s_fs_info), yp::read_s_fs_info, "sb->s_fs_info");
    struct container* cont = &root->top_container;

    root->sb.write(nullptr, yp::clear_root_sb);
    sb->s_fs_info.write(nullptr, yp::clear_s_fs_info);

    mutex_lock(manage_mutex, yp::lock_manage_mutex);
    if (root->number_of_containers != 1)
        kernel_bug("container_put_super", fmt::format("BUG_ON(root->number_of_containers != 1): it is {}",
                                                      root->number_of_containers));
    if (!cont->children.empty()) kernel_bug("container_put_super", "BUG_ON(!list_empty(&cont->children))");
    if (on_sibling_list(cont)) kernel_bug("container_put_super", "BUG_ON(!list_empty(&cont->sibling))");
    if (!root->subsys_bits) kernel_bug("container_put_super", "BUG_ON(!root->subsys_bits)");
    /* Rebind all subsystems back to the default hierarchy */
    int ret = rebind_subsystems(root, 0);
    if (ret) kernel_bug("container_put_super", fmt::format("BUG_ON(ret): rebind_subsystems() returned {}", result_name(ret)));
    mutex_unlock(manage_mutex, yp::unlock_manage_mutex);
}

}  // namespace core::v7
