// Reads on v7_1: a directory's tasks file (container_tasks_open() with
// npids = atomic_read(&cont->count), pid_array_load(), the text buffer) and
// notify_on_release (container_common_file_read()). One read op is open, read to
// the end and release; the open file pins the directory.
#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "core/v7_1/container.h"
#include "core/v7_1/labels.h"
#include "sim/kernel/rwlock.h"
#include "sim/kernel/slab.h"

namespace core::v7_1 {

using namespace sim;

namespace {
struct read_buffer : Object {
    explicit read_buffer(const char* what) : Object("buffer") { set_name(what); }
};
}  // namespace

int Kernel171::read(const std::string& path, std::string& out) {
    auto slash = path.find_last_of('/');
    container* cont = tree_.path_lookup(path.substr(0, slash));
    if (!cont) return -ENOENT;
    std::string f = path.substr(slash + 1);
    int ret = 0;
    Dcache::dget(cont);
    if (f == "tasks") {
        namespace yp = lbl::container_tasks_open;
        Object* ctr = kmalloc<read_buffer>(yp::kmalloc_ctr, GFP_KERNEL, "ctr");
        if (!ctr) {
            ret = -ENOMEM;
        } else {
            // "If container gets more users after we read count, we won't have enough space - tough."
            int npids = atomic_read(cont->count, yp::read_count);
            Object* pidarray = kmalloc<read_buffer>(yp::kmalloc_pidarray, GFP_KERNEL, "pidarray");
            if (!pidarray) {
                kfree(ctr, lbl::container_tasks_release::kfree_ctr);
                ret = -ENOMEM;
            } else {
                std::vector<int> pids;
                read_lock(tasklist_lock, lbl::pid_array_load::read_lock_tasklist);
                for (task_struct* p : tasks_) {  // do_each_thread(g, p)
                    if (!p->hashed) continue;
                    if (p->container.read(lbl::pid_array_load::read_container) == cont) {
                        if (static_cast<int>(pids.size()) == npids) break;  // array full
                        pids.push_back(p->pid);
                    }
                }
                read_unlock(tasklist_lock, lbl::pid_array_load::read_unlock_tasklist);
                std::sort(pids.begin(), pids.end());
                Object* buf = kmalloc<read_buffer>(yp::kmalloc_buf, GFP_KERNEL, "ctr->buf");
                if (buf)
                    for (int pid : pids) out += fmt::format("{}\n", pid);
                else
                    ret = -ENOMEM;
                kfree(pidarray, yp::kfree_pidarray);
                kfree(buf, lbl::container_tasks_release::kfree_buf);
                kfree(ctr, lbl::container_tasks_release::kfree_ctr);
            }
        }
    } else if (f == "notify_on_release") {
        namespace yp = lbl::container_common_file_read;
        Object* page = kmalloc<read_buffer>(yp::get_free_page, GFP_KERNEL, "page");
        if (!page) {
            ret = -ENOMEM;
        } else {
            out = (cont->flags.read(yp::test_notify_on_release) & CONT_NOTIFY_ON_RELEASE) ? "1\n" : "0\n";
            kfree(page, yp::free_page);
        }
    } else {
        ret = -ENOENT;
    }
    dput(cont);
    return ret;
}

}  // namespace core::v7_1
