#include "core/v7_1/container.h"

#include <algorithm>
#include <fmt/format.h>

#include "core/common_labels.h"
#include "core/errno_names.h"
#include "core/v7_1/labels.h"
#include "sim/kernel/rcu.h"
#include "sim/kernel/slab.h"
#include "sim/kernel/task_ref.h"

namespace core::v7_1 {

using namespace sim;

namespace {
// check_for_release()'s kmalloc(PAGE_SIZE) path buffer.
struct pathbuf : Object {
    explicit pathbuf(const std::string& path) : Object("pathbuf") { set_name("pathbuf(" + path + ")"); }
};
struct write_buffer : Object {
    write_buffer() : Object("buffer") { set_name("buffer"); }
};
}  // namespace

container::container(const std::string& name)
    : Object("container"),
      flags(this, "flags", 0),
      count(this, "count", true, 0),
      dname(name),
      d_count(this, "d_count", true, 1),
      i_mutex(this, "i_mutex", "&inode->i_mutex") {
    d_count.folded = true;  // Dcache::dget() adds to it inside a walk's step
    set_name(name);
}

Kernel171::Kernel171(std::set<Fix> fixes)
    : Kernel(std::move(fixes)),
      top_container("top_container"),
      manage_mutex(&global_object(), "manage_mutex", "manage_mutex"),
      callback_mutex(&global_object(), "callback_mutex", "callback_mutex") {}

std::vector<const Label*> Kernel171::labels() const {
    std::vector<const Label*> v = common_labels();
    using namespace core::v7_1::lbl;
    std::vector<const Label*> k{CONTSIM_V7_1_LABELS(CONTSIM_LIST_LABEL)};
    v.insert(v.end(), k.begin(), k.end());
    return v;
}

// container_init_early(): init_task.container = &top_container, count stays 0.
void Kernel171::boot() {
    task_struct* init = create_init_task();
    init->container.init(&top_container);
}

// The container fs is kern_mount()ed at boot (get_sb_single); a user mount
// only makes it visible at another path.
int Kernel171::mount(const MountArgs& a) { return tree_.mount(a); }

int Kernel171::mkdir(const std::string& path) {
    return tree_.mkdir(
        path, [this](container* parent, const std::string& name) { return container_create(parent, name); },
        [this](container* c) { dput(c); });
}

int Kernel171::rmdir(const std::string& path) {
    return tree_.rmdir(path, [this](container* c) { return container_rmdir(c); }, [this](container* c) { dput(c); });
}

int Kernel171::attach(const std::string& dir, int pid) {
    container* c = tree_.path_lookup(dir);
    if (!c) return -ENOENT;
    return write_file(c, FILE_TASKLIST, std::to_string(pid));
}

// open(2) + write(2) + close(2) of a control file: the open file pins the
// directory's dentry, so a concurrent rmdir cannot free the container under it.
int Kernel171::write_file(container* c, filetype type, const std::string& value) {
    Dcache::dget(c);
    int r = container_common_file_write(c, type, value);
    dput(c);
    return r;
}

void Kernel171::dput(container* c) {
    if (Dcache::dput(c)) kfree(c, lbl::container_diput::kfree_container);
}

int Kernel171::write(const std::string& file, const std::string& value) {
    auto slash = file.find_last_of('/');
    container* c = tree_.path_lookup(file.substr(0, slash));
    if (!c) return -ENOENT;
    std::string f = file.substr(slash + 1);
    if (f == "tasks") return write_file(c, FILE_TASKLIST, value);
    if (f == "notify_on_release") return write_file(c, FILE_NOTIFY_ON_RELEASE, value);
    return -ENOENT;
}

// Writes return nbytes in the kernel; the model reports 0 for success.
int Kernel171::container_common_file_write(container* cont, filetype type, const std::string& buf) {
    namespace yp = lbl::container_common_file_write;
    Object* pathbuf = nullptr;
    int retval = 0;
    Object* buffer = kmalloc<write_buffer>(yp::kmalloc_buffer, GFP_KERNEL);
    mutex_lock(manage_mutex, yp::lock_manage_mutex);
    if (cont->flags.read(yp::test_removed) & CONT_REMOVED) {
        retval = -ENODEV;
    } else if (type == FILE_TASKLIST) {
        int pid = 0;
        try {
            pid = std::stoi(buf);
        } catch (...) {
            retval = -EIO;  // sscanf(pidbuf, "%d", &pid) != 1
        }
        if (!retval) retval = attach_task(cont, pid, &pathbuf);
    } else {
        retval = update_flag(CONT_NOTIFY_ON_RELEASE, cont, buf);
    }
    mutex_unlock(manage_mutex, yp::unlock_manage_mutex);
    container_release_agent(pathbuf);
    kfree(buffer, yp::kfree_buffer);
    return retval;
}

// 1/7 attach_task(), as Vaddagiri quoted it in message #11464.
int Kernel171::attach_task(container* cont, int pid, Object** ppathbuf) {
    namespace yp = lbl::attach_task;
    task_struct* tsk;
    container* oldcont;
    container* oldcont_tobe_released = nullptr;

    if (pid) {
        read_lock(tasklist_lock, yp::read_lock_tasklist);
        tsk = find_task_by_pid(pid, yp::find_task_by_pid);
        if (!tsk || (tsk->flags.read(yp::test_pf_exiting) & PF_EXITING)) {
            read_unlock(tasklist_lock, yp::read_unlock_tasklist_esrch);
            return -ESRCH;
        }
        get_task_struct(tsk, yp::get_task_struct);
        read_unlock(tasklist_lock, yp::read_unlock_tasklist);

        task_struct* cur = current();
        if (cur->euid && cur->euid != tsk->uid && cur->euid != tsk->suid) {
            put_task_struct(tsk, yp::put_task_struct_eacces);
            return -EACCES;
        }
    } else {
        tsk = current();
        get_task_struct(tsk, yp::get_task_struct_current);
    }
    // security_task_setscheduler(): no LSM in the model.

    mutex_lock(callback_mutex, yp::lock_callback_mutex);
    task_lock(tsk, yp::task_lock);
    oldcont = tsk->container.read(yp::read_oldcont);
    bool exiting = has_fix(Fix::attach_recheck_exiting) &&
                   (tsk->flags.read(yp::recheck_pf_exiting) & PF_EXITING);
    if (!oldcont || exiting) {
        task_unlock(tsk, yp::task_unlock_esrch);
        mutex_unlock(callback_mutex, yp::unlock_callback_mutex_esrch);
        put_task_struct(tsk, yp::put_task_struct_esrch);
        return -ESRCH;
    }
    atomic_inc(cont->count, yp::inc_count);
    rcu_assign_pointer(tsk->container, cont, yp::assign_container);
    if (has_fix(Fix::release_under_task_lock)) {
        // Paul Jackson, message #11478: drop the old count where the pointer changes.
        if (atomic_dec_and_test(oldcont->count, yp::dec_old_count_locked)) oldcont_tobe_released = oldcont;
    }
    task_unlock(tsk, yp::task_unlock);

    mutex_unlock(callback_mutex, yp::unlock_callback_mutex);

    put_task_struct(tsk, yp::put_task_struct);
    synchronize_rcu(yp::synchronize_rcu);
    if (has_fix(Fix::release_under_task_lock)) {
        if (oldcont_tobe_released) check_for_release(oldcont_tobe_released, ppathbuf);
    } else if (atomic_dec_and_test(oldcont->count, yp::dec_and_test_old_count)) {
        check_for_release(oldcont, ppathbuf);
    }
    return 0;
}

int Kernel171::update_flag(unsigned long bit, container* cont, const std::string& buf) {
    namespace yp = lbl::update_flag;
    bool turning_on = std::strtoul(buf.c_str(), nullptr, 10) != 0;
    mutex_lock(callback_mutex, yp::lock_callback_mutex);
    unsigned long f = cont->flags.peek();
    cont->flags.write(turning_on ? (f | bit) : (f & ~bit), yp::write_flags);
    mutex_unlock(callback_mutex, yp::unlock_callback_mutex);
    return 0;
}

void Kernel171::check_for_release(container* cont, Object** ppathbuf) {
    namespace yp = lbl::check_for_release;
    if ((cont->flags.read(yp::test_notify_on_release) & CONT_NOTIFY_ON_RELEASE) &&
        atomic_read(cont->count, yp::read_count) == 0 && cont->children.empty()) {
        *ppathbuf = kmalloc<pathbuf>(yp::kmalloc_pathbuf, GFP_KERNEL, tree_.path_of(cont));
    }
}

void Kernel171::container_release_agent(Object* pb) {
    if (!pb) return;
    kfree(pb, lbl::container_release_agent::kfree_pathbuf);
}

void Kernel171::container_fork(task_struct* child) {
    namespace yp = lbl::container_fork;
    task_struct* cur = current();
    task_lock(cur, yp::task_lock);
    container* c = cur->container.read(yp::read_parent_container);
    child->container.write(c, yp::write_child_container);
    atomic_inc(c->count, yp::inc_count);
    task_unlock(cur, yp::task_unlock);
}

void Kernel171::container_exit(task_struct* tsk) {
    namespace yp = lbl::container_exit;
    bool locked = has_fix(Fix::exit_task_lock);
    if (locked) task_lock(tsk, yp::task_lock);
    container* cont = tsk->container.read(yp::read_container);
    tsk->container.write(&top_container, yp::write_top_container);  // the_top_container_hack
    if (locked) task_unlock(tsk, yp::task_unlock);

    if (cont->flags.read(yp::test_notify_on_release) & CONT_NOTIFY_ON_RELEASE) {
        Object* pb = nullptr;
        mutex_lock(manage_mutex, yp::lock_manage_mutex);
        if (atomic_dec_and_test(cont->count, yp::dec_and_test_count)) check_for_release(cont, &pb);
        mutex_unlock(manage_mutex, yp::unlock_manage_mutex);
        container_release_agent(pb);
    } else {
        atomic_dec(cont->count, yp::dec_count);
    }
}

int Kernel171::container_create(container* parent, const std::string& name) {
    namespace yp = lbl::container_create;
    auto* cont = kmalloc<container>(yp::kmalloc_container, GFP_KERNEL, name);
    mutex_lock(manage_mutex, yp::lock_manage_mutex);
    // Fields of the unpublished container are initialised without steps.
    if (parent->flags.read(yp::test_parent_notify) & CONT_NOTIFY_ON_RELEASE)
        cont->flags.init(CONT_NOTIFY_ON_RELEASE);
    cont->parent = parent;
    mutex_lock(callback_mutex, yp::lock_callback_mutex);
    parent->children.push_back(cont);
    ++number_of_containers;
    mutex_unlock(callback_mutex, yp::unlock_callback_mutex);
    // container_create_dir() cannot fail in the model: no dentry or inode allocation.
    dcache.d_instantiate(parent, cont, yp::create_dir);
    mutex_unlock(manage_mutex, yp::unlock_manage_mutex);
    return 0;
}

int Kernel171::container_rmdir(container* cont) {
    namespace yp = lbl::container_rmdir;
    mutex_lock(manage_mutex, yp::lock_manage_mutex);
    if (atomic_read(cont->count, yp::read_count) > 0 || !cont->children.empty()) {
        mutex_unlock(manage_mutex, yp::unlock_manage_mutex_ebusy);
        return -EBUSY;
    }
    container* parent = cont->parent;
    mutex_lock(callback_mutex, yp::lock_callback_mutex);
    cont->flags.write(cont->flags.peek() | CONT_REMOVED, yp::set_removed);
    parent->children.erase(std::find(parent->children.begin(), parent->children.end(), cont));
    dcache.d_remove_dir(parent, cont, yp::d_remove_dir);
    dput(cont);  // dput(d): the directory's own reference
    --number_of_containers;
    mutex_unlock(callback_mutex, yp::unlock_callback_mutex);
    Object* pb = nullptr;
    if (parent->children.empty()) check_for_release(parent, &pb);
    mutex_unlock(manage_mutex, yp::unlock_manage_mutex);
    container_release_agent(pb);
    return 0;
}

std::vector<NodeState> Kernel171::nodes() const { return tree_.nodes(tasks_); }

void Kernel171::check_invariants(std::vector<Finding>& out) const { tree_.check_invariants(tasks_, out); }

void Kernel171::reachable(std::set<const Object*>& out) const { tree_.reachable(tasks_, out); }

}  // namespace core::v7_1
