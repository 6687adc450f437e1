// Reads on containers-v7 (3/7): a directory's tasks file (container_tasks_open
// with container_task_count() and pid_array_load()), any other control file
// through its cft->read, /proc/PID/container (proc_container_show) and
// /proc/containers (proc_containerstats_show). One `read` op is open, read
// to the end and release.
#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "core/v7/container.h"
#include "core/v7/labels.h"
#include "sim/kernel/rcu.h"
#include "sim/kernel/rwlock.h"
#include "sim/kernel/slab.h"
#include "sim/kernel/task_ref.h"

namespace core::v7 {

using namespace sim;

namespace {
constexpr int MAX_HIER = CONFIG_MAX_CONTAINER_HIERARCHIES;

// The buffers the read paths kmalloc (struct ctr_struct, the pid array, the
// text, proc's PAGE_SIZE buffer): objects so that a failure or a leak shows.
struct read_buffer : Object {
    explicit read_buffer(const char* what) : Object("buffer") { set_name(what); }
};
}  // namespace

// container_path(): "/" for a top container, "/CS1/sub" below it.
int KernelV7::container_path(const struct container* cont, std::string& buf) const {
    std::string r = relpath(cont);
    buf = "/" + r;
    return 0;
}

/*
 * Load into 'pidarray' up to 'npids' of the tasks using container 'cont'.
 * No need to task_lock(p) when reading out p->containers, since we're in an
 * RCU read section, so the container_group can't go away.
 */
int KernelV7::pid_array_load(std::vector<int>& pidarray, int npids, struct container* cont) {
    namespace yp = lbl::pid_array_load;
    int n = 0;
    int h = cont->hierarchy;
    rcu_read_lock(yp::rcu_read_lock);
    read_lock(tasklist_lock, yp::read_lock_tasklist);
    for (task_struct* p : tasks_) {  // do_each_thread(g, p)
        if (!p->hashed) continue;
        if (p->containers.read(yp::read_containers)->container[h].read(yp::read_container) == cont) {
            pidarray.push_back(p->pid);
            if (++n == npids) break;  // array_full
        }
    }
    read_unlock(tasklist_lock, yp::read_unlock_tasklist);
    rcu_read_unlock(yp::rcu_read_unlock);
    return n;
}

// container_tasks_open(): the pid array, sorted, as text in ctr->buf (the
// file's private_data until container_tasks_release()). npids is
// container_task_count(), which sums group references, not tasks.
int KernelV7::container_tasks_open(struct container* cont, Object*& ctr, Object*& buf, std::string& text) {
    namespace yp = lbl::container_tasks_open;
    ctr = kmalloc<read_buffer>(yp::kmalloc_ctr, GFP_KERNEL, "ctr");
    if (!ctr) return -ENOMEM;
    int npids = container_task_count(cont);
    Object* pidbuf = kmalloc<read_buffer>(yp::kmalloc_pidarray, GFP_KERNEL, "pidarray");
    if (!pidbuf) {
        kfree(ctr, lbl::container_tasks_release::kfree_ctr);  // err1
        return -ENOMEM;
    }
    std::vector<int> pidarray;
    npids = pid_array_load(pidarray, npids, cont);
    std::sort(pidarray.begin(), pidarray.end());  // sort(pidarray, npids, sizeof(pid_t), cmppid, NULL)
    buf = kmalloc<read_buffer>(yp::kmalloc_buf, GFP_KERNEL, "ctr->buf");
    if (!buf) {
        kfree(pidbuf, yp::kfree_pidarray);  // err2
        kfree(ctr, lbl::container_tasks_release::kfree_ctr);
        return -ENOMEM;
    }
    for (int pid : pidarray) text += fmt::format("{}\n", pid);  // pid_array_to_buf()
    kfree(pidbuf, yp::kfree_pidarray);
    return 0;
}

// open(2) (container_tasks_open), read(2) to the end (a copy of ctr->buf),
// close(2) (container_tasks_release): one `read` op of a path.
int KernelV7::container_tasks_read(struct container* cont, std::string& out) {
    Object *ctr = nullptr, *buf = nullptr;
    int ret = container_tasks_open(cont, ctr, buf, out);
    if (ret) return ret;
    kfree(buf, lbl::container_tasks_release::kfree_buf);
    kfree(ctr, lbl::container_tasks_release::kfree_ctr);
    return 0;
}

// /proc/PID/container: one line per hierarchy with subsystems, "names:path".
int KernelV7::proc_container_show(int pid, std::string& out) {
    namespace yp = lbl::proc_container_show;
    int retval = -ENOMEM;
    Object* buf = kmalloc<read_buffer>(yp::kmalloc_buf, GFP_KERNEL, "buf");
    if (!buf) return retval;
    // kernel/pid.c get_pid_task() (2.6.20): the lookup and the reference
    // under rcu_read_lock(), so release_task()'s call_rcu() put cannot free
    // the task between them.
    rcu_read_lock(yp::rcu_read_lock);
    task_struct* tsk = find_task_by_pid(pid, yp::get_pid_task);
    if (tsk) get_task_struct(tsk, yp::get_task_struct);
    rcu_read_unlock(yp::rcu_read_unlock);
    if (!tsk) {
        kfree(buf, yp::kfree_buf);
        return -ESRCH;
    }
    retval = 0;
    mutex_lock(manage_mutex, yp::lock_manage_mutex);
    for (int i = 1; i < MAX_HIER; i++) {
        containerfs_root* root = &rootnode[i];
        int count = 0;
        /* Skip this hierarchy if it has no active subsystems */
        if (!root->subsys_bits) continue;
        for (container_subsys* ss : root->subsys_list) out += fmt::format("{}{}", count++ ? "," : "", ss->ss_name);
        out += ':';
        // tsk->containers read with manage_mutex alone: no task_lock, no RCU.
        std::string path;
        retval = container_path(tsk->containers.read(yp::read_containers)->container[i].read(yp::read_container), path);
        if (retval < 0) break;
        out += path + "\n";
    }
    mutex_unlock(manage_mutex, yp::unlock_manage_mutex);
    put_task_struct(tsk, yp::put_task_struct);
    kfree(buf, yp::kfree_buf);
    return retval;
}

/* Display information about each subsystem and each hierarchy */
int KernelV7::proc_containerstats_show(std::string& out) {
    namespace yp = lbl::proc_containerstats_show;
    mutex_lock(manage_mutex, yp::lock_manage_mutex);
    out += "Hierarchies:\n";
    for (int i = 0; i < MAX_HIER; i++) {
        containerfs_root* root = &rootnode[i];
        bool first = true;
        out += fmt::format("{}: topcount={} bits={:x} containers={} (", i,
                           atomic_read(root->top_container.count, yp::read_top_count), root->subsys_bits,
                           root->number_of_containers);
        for (container_subsys* ss : root->subsys_list) {
            out += fmt::format("{}{}", first ? "" : ", ", ss->ss_name);
            first = false;
        }
        out += ')';
        if (super_block* sb = root->sb.read(yp::read_sb))
            out += fmt::format(" s_active={}", atomic_read(sb->s_active, yp::read_s_active));
        out += '\n';
    }
    out += "Subsystems:\n";
    for (int i = 0; i < subsys_count; i++) {
        container_subsys* ss = subsys[i];
        out += fmt::format("{}: name={} hierarchy={}\n", i, ss->ss_name, ss->hierarchy.read(yp::read_ss_hierarchy));
    }
    out += fmt::format("Container groups: {}\n", container_group_count);
    mutex_unlock(manage_mutex, yp::unlock_manage_mutex);
    return 0;
}

// cat PATH. An open control file pins its directory (dget/dput).
int KernelV7::read(const std::string& path, std::string& out) {
    if (path == "/proc/containers") return proc_containerstats_show(out);
    if (path.rfind("/proc/", 0) == 0) {
        std::string rest = path.substr(6);
        auto slash = rest.find('/');
        if (slash == std::string::npos || rest.substr(slash + 1) != "container") return -ENOENT;
        return proc_container_show(std::stoi(rest.substr(0, slash)), out);
    }
    auto slash = path.find_last_of('/');
    Walk w = walk(path.substr(0, slash));
    int ret = w.c ? read_file(w.c, path.substr(slash + 1), out) : -ENOENT;
    path_release(w);
    return ret;
}

// open(2) + read(2) to the end + close(2) of a control file of `c`.
int KernelV7::read_file(struct container* c, const std::string& f, std::string& out) {
    const cftype* cft = nullptr;
    for (const cftype* x : c->files)
        if (x->name == f) cft = x;
    if (!cft) return -ENOENT;
    Dcache::dget(c);
    int ret;
    if (cft == &cft_tasks)
        ret = container_tasks_read(c, out);
    else if (!cft->read)
        ret = -EINVAL;  // container_file_read(): if (!cft->read) return -EINVAL;
    else
        ret = cft->read(c, cft, out);
    dput(c);
    return ret;
}

}  // namespace core::v7
