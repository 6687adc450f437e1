// A control file held open across ops on containers-v7 (3/7): open(2) walks
// to the directory and keeps its dentry and vfsmount (dentry_open() takes
// the walk's references), get_empty_filp() makes the struct file (charged to
// the opener's beancounter, 6/7), container_file_open() calls cft->open --
// for the tasks file container_tasks_open(), which builds the pid array once;
// reads and writes go through the file (container_file_read/_write: the
// directory is the pinned one, removed or not); close(2)'s __fput() calls
// container_file_release() (container_tasks_release: the buffers), then
// file_free(), dput() and mntput() (fs/file_table.c 2.6.20, in that order).
#include <cerrno>

#include <fmt/format.h>

#include "core/v7/container.h"
#include "core/v7/file.h"
#include "core/v7/labels.h"
#include "sim/kernel/slab.h"
#include "subsys/bc.h"

namespace core::v7 {

using namespace sim;

int KernelV7::open_path(const std::string& path) {
    const auto slash = path.find_last_of('/');
    Walk w = walk(path.substr(0, slash));  // path_lookup(): the dentry and the vfsmount
    const cftype* cft = nullptr;
    if (w.c)
        for (const cftype* x : w.c->files)
            if (x->name == path.substr(slash + 1)) cft = x;
    if (!cft) {
        path_release(w);
        return -ENOENT;
    }
    Dcache::dget(w.c);  // the file's dentry holds its parent's
    namespace yp = lbl::get_empty_filp;
    const std::string name = fd_name(next_fd_);
    file* f = kmalloc<file>(yp::kmem_cache_alloc, GFP_KERNEL, name);
    if (f)
        if (auto* bc = dynamic_cast<subsys::bc_subsys_t*>(subsys_by_name("bc")); bc && bc->bc_file_charge(f)) {
            kfree(f, yp::kmem_cache_free);  // fail_charge
            f = nullptr;
        }
    if (!f) {
        dput(w.c);
        path_release(w);
        return -ENFILE;
    }
    OpenControl oc;
    oc.cont = w.c;
    oc.mnt = w.mnt;
    oc.cft = cft;
    // container_file_open(): if (cft->open) err = cft->open(inode, file);
    if (cft == &cft_tasks) {
        if (int err = container_tasks_open(w.c, oc.ctr, oc.buf, oc.text)) {
            file_free(f);
            dput(w.c);
            path_release(w);
            return err;
        }
    }
    fdt.write(fdt.peek() + 1, lbl::fd_install::write_fdt);
    f->owner_pid = current()->pid;
    files_[name] = f;
    control_[name] = oc;
    return next_fd_++;
}

int KernelV7::read_fd(int fd, std::string& out) {
    auto it = control_.find(fd_name(fd));
    if (it == control_.end()) return -EBADF;
    OpenControl& oc = it->second;
    if (oc.cft == &cft_tasks) {
        // container_tasks_read(): the text built at open, from *ppos.
        Machine& m = Machine::current();
        m.yield(lbl::container_tasks_read::copy_to_user, oc.buf->self_cell(), Access::read);
        if (m.tracing()) m.record(oc.buf->self_cell(), Access::read, Value{}, Value{});
        if (!oc.read_done) out = oc.text;
        oc.read_done = true;
        return 0;
    }
    if (!oc.cft->read) return -EINVAL;  // container_file_read()
    if (oc.read_done) return 0;         // *ppos at the end
    int ret = oc.cft->read(oc.cont, oc.cft, out);
    oc.read_done = ret == 0;
    return ret;
}

int KernelV7::write_fd(int fd, const std::string& value) {
    auto it = control_.find(fd_name(fd));
    if (it == control_.end()) return -EBADF;
    return container_file_write(it->second.cont, it->second.cft, value);
}

int KernelV7::close_fd(int fd) {
    const std::string name = fd_name(fd);
    if (!control_.count(name)) return -EBADF;
    fdt.write(fdt.peek() + 1, lbl::sys_close::write_fdt);
    release_control(name);
    return 0;
}

// __fput(): f_op->release (container_file_release -> container_tasks_release),
// file_free(), dput(dentry), mntput(mnt).
void KernelV7::release_control(const std::string& name) {
    OpenControl oc = control_.at(name);
    control_.erase(name);
    file* f = files_.at(name);
    files_.erase(name);
    if (oc.cft == &cft_tasks) {
        kfree(oc.buf, lbl::container_tasks_release::kfree_buf);
        kfree(oc.ctr, lbl::container_tasks_release::kfree_ctr);
    }
    file_free(f);
    dput(oc.cont);
    if (oc.mnt) mntput(oc.mnt, lbl::__fput::mntput);
}

}  // namespace core::v7
