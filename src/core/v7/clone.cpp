// container_clone() and container_is_descendant() (V7 3/7): the ns
// subsystem's way to make a child container for a task that unshares or
// clones a namespace, with its retry when the task or the hierarchy changed
// meanwhile ("Race in container_clone() - leaking container").
#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "core/errno_names.h"
#include "core/v7/container.h"
#include "core/v7/labels.h"

namespace core::v7 {

using namespace sim;

/**
 * container_clone - duplicate the current container and move this
 * task into the new child
 */
int KernelV7::container_clone(task_struct* tsk, container_subsys* ss) {
    namespace yp = lbl::container_clone;
    int ret = 0;
    std::string nodename;
    struct container *parent, *child;
    int h;

    /* We shouldn't be called by an unregistered subsystem */
    if (ss->subsys_id < 0) kernel_bug("container_clone", "BUG_ON(subsys->subsys_id < 0)");

    /* First figure out what hierarchy and container we're dealing
     * with, and pin them so we can drop manage_mutex */
    mutex_lock(manage_mutex, yp::lock_manage_mutex);
again:
    h = ss->hierarchy.read(yp::read_hierarchy);
    if (h == 0) {
        printk(fmt::format("Not cloning container for unused subsystem {}", ss->ss_name));
        mutex_unlock(manage_mutex, yp::unlock_manage_mutex_unused);
        return 0;
    }
    parent = tsk->containers.read(yp::read_containers)->container[h].read(yp::read_parent);
    /* Pin the hierarchy */
    // container_put_super() clears root->sb before it takes manage_mutex.
    super_block* sb = deref(parent->root->sb.read(yp::read_sb), yp::read_sb, "parent->root->sb");
    atomic_inc(sb->s_active, yp::inc_s_active);
    /* Keep the container alive */
    atomic_inc(parent->count, yp::inc_parent_count);
    mutex_unlock(manage_mutex, yp::unlock_manage_mutex);

    /* Now do the VFS work to create a container */
    nodename = fmt::format("node{}", atomic_inc_return(namecnt, yp::inc_namecnt));  // get_unused_name()

    /* Hold the parent directory mutex across this operation to
     * stop anyone else deleting the new container */
    mutex_lock(parent->i_mutex, yp::lock_i_mutex);
    // container_get_dentry() (lookup_one_len(): the dcache) then vfs_mkdir()
    // -> container_mkdir(): a dead parent gives -ENOENT, an existing name
    // -EEXIST (may_create(); the directory permission check is not modelled).
    dcache.lookup_hash();
    if (parent->d_deleted)
        ret = -ENOENT;
    else if (Dcache::d_lookup(parent, nodename))
        ret = -EEXIST;
    else
        ret = container_create(parent, nodename);
    child = Dcache::d_lookup(parent, nodename);  // __d_cont(dentry)
    if (ret) {
        printk(fmt::format("Failed to create container {}: {}", nodename, ret));
        goto out_release;
    }
    if (!child) {
        printk(fmt::format("Couldn't find new container {}", nodename));
        ret = -ENOMEM;
        goto out_release;
    }

    /* The container now exists. Retake manage_mutex and check
     * that we're still in the same state that we thought we were. */
    mutex_lock(manage_mutex, yp::relock_manage_mutex);
    if (h != ss->hierarchy.read(yp::reread_hierarchy) ||
        parent != tsk->containers.read(yp::reread_containers)->container[h].read(yp::reread_parent)) {
        /* Aargh, we raced ... */
        mutex_unlock(parent->i_mutex, yp::unlock_i_mutex_race);
        atomic_dec(parent->count, yp::dec_parent_count_race);
        deactivate_super(deref(parent->root->sb.read(yp::read_sb_race), yp::read_sb_race, "parent->root->sb"),
                         yp::deactivate_super_race);
        printk(fmt::format("Race in container_clone() - leaking container {}", nodename));
        goto again;
    }

    /* All seems fine. Finish by moving the task into the new container */
    ret = attach_task(child, tsk);
    mutex_unlock(manage_mutex, yp::unlock_manage_mutex_attach);

out_release:
    mutex_unlock(parent->i_mutex, yp::unlock_i_mutex);
    atomic_dec(parent->count, yp::dec_parent_count);
    deactivate_super(deref(parent->root->sb.read(yp::read_sb_release), yp::read_sb_release, "parent->root->sb"),
                     yp::deactivate_super);
    return ret;
}

int KernelV7::container_is_descendant(struct container* cont) {
    namespace yp = lbl::container_is_descendant;
    int ret;
    struct container* target;
    container_lock(yp::lock_callback_mutex);
    target = current()->containers.read(yp::read_containers)->container[cont->hierarchy].read(yp::read_target);
    while (cont != target && cont != target->top_container) cont = cont->parent;
    ret = (cont == target);
    container_unlock(yp::unlock_callback_mutex);
    return ret;
}

}  // namespace core::v7
