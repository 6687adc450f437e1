// containers-v7: kernel/container.c after patch 3/7 (V7, Feb 2007) — the
// multi-subsystem API. A task points at a refcounted container_group (one
// container per hierarchy, one css per subsystem); container->count counts the
// groups that use the container, not tasks. Hierarchy 0 is the dummy hierarchy
// holding every unmounted subsystem. attach_task() reads tsk->containers
// without task_lock and container_exit() swaps it without task_lock.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/kernel.h"
#include "sim/kernel/atomic.h"
#include "sim/kernel/kref.h"
#include "sim/kernel/mutex.h"
#include "sim/kernel/rwsem.h"
#include "sim/kernel/spinlock.h"

namespace core::v7 {

// init/Kconfig (3/7): MAX_CONTAINER_HIERARCHIES "range 2 255, default 4";
// hierarchy 0 is the dummy, so three can be mounted at once.
constexpr int CONFIG_MAX_CONTAINER_HIERARCHIES = 4;
constexpr int CONFIG_MAX_CONTAINER_SUBSYS = 8;  // the Kconfig default

// bits in struct container flags field
constexpr unsigned long CONT_REMOVED = 1ul << 0;

struct container;
struct container_subsys;
struct containerfs_root;
struct file;
class KernelV7;

namespace detail {
// Builds a std::array of cells named "field[0]", "field[1]", ... owned by `o`.
template <class T, std::size_t... I>
std::array<sim::Shared<T>, sizeof...(I)> make_cells(sim::Object* o, const char* const* names,
                                                    std::index_sequence<I...>) {
    return {{sim::Shared<T>(o, names[I], T{})...}};
}
extern const char* const container_field_names[];  // "container[0]", ...
extern const char* const subsys_field_names[];     // "subsys[0]", ...
}  // namespace detail

// Per-subsystem/per-container state (struct container_subsys_state). It is
// embedded in the subsystem's own structure (struct cpuset), so its cells
// belong to that object (a freed cpuset makes them freed memory); it is an
// Object of its own only so that pointers to it print by name.
struct container_subsys_state : sim::Object {
    explicit container_subsys_state(sim::Object* embedding);
    sim::Shared<struct container*> container;  // LL=callback_mutex (rebind_subsystems)
    sim::spinlock_t refcnt_lock;               // css_get() vs container_rmdir()
    sim::atomic_t refcnt;                      // css_get/css_put; rmdir sets -1, so not a plain count
    sim::Object* object;                       // model: the structure embedding this css (container_of)
};

// include/linux/container.h (3/7): css_get() fails with -EINVAL once
// container_rmdir() has set refcnt to -1; css_get_current() is a bare
// atomic_inc, legal only under task_lock(current); css_put() a bare atomic_dec.
int css_get(container_subsys_state* css);
void css_get_current(container_subsys_state* css);
void css_put(container_subsys_state* css);

// A BUG() or BUG_ON() of the posted code fired in `file`: a `kernel-bug`
// finding "kernel BUG at FILE: WHERE: WHAT" at the current step. The caller
// carries on, as a kernel without CONFIG_BUG would (BUG_ON() then does
// nothing). For the subsystems (kernel/bc/beancounter.c, ...); container.c's
// own code calls KernelV7::kernel_bug().
void kernel_bug_at(const char* file, const std::string& where, const std::string& what);

// struct cftype: a control file. `write` is the cft->write method, `read` the
// cft->read method (fills `out` with what read(2) returns; 0 or -errno).
struct cftype {
    std::string name;
    int private_ = 0;
    std::function<int(struct container* cont, const cftype* cft, const std::string& buf)> write;
    std::function<int(struct container* cont, const cftype* cft, std::string& out)> read;
};

struct containerfs_root;

// LL= notes say which lock protects a field when it is written.
struct container : sim::Object {
    explicit container(const std::string& dname = "");
    sim::Shared<unsigned long> flags;  // LL=callback_mutex (set_bit)
    sim::atomic_t count;               // count of container groups using this container
    struct container* parent = nullptr;       // LL=manage_mutex+callback_mutex
    std::vector<struct container*> children;  // LL=manage_mutex+callback_mutex (list ops are not steps)
    std::string dname;                 // directory name
    // Private pointers for each registered subsystem
    std::array<sim::Shared<container_subsys_state*>, CONFIG_MAX_CONTAINER_SUBSYS> subsys;
    int hierarchy = 0;                       // immutable after creation
    containerfs_root* root = nullptr;        // immutable after creation
    struct container* top_container = nullptr;  // immutable after creation

    // Model of the directory's dentry and inode: the control files in it, the
    // inode's i_mutex (the VFS holds it across mkdir in the directory and
    // across its rmdir), and the dentry references that keep the container
    // (freed by container_diput at the last dput) alive: a path lookup in
    // progress or an open control file.
    sim::mutex i_mutex;
    std::vector<const cftype*> files;
    sim::atomic_t d_count;    // dentry references (core/dcache.h: dget is part of the walk, dput a step)
    bool d_deleted = false;   // rmdir'ed (IS_DEADDIR); freed at the last dput
    std::vector<struct container*> d_subdirs;  // the positive dentries below (core/dcache.h)
};

// struct container_group: the set of containers (one per hierarchy) and
// subsystem states a task uses. Immutable after creation except the kref.
struct container_group : sim::Object {
    explicit container_group(const std::string& name);
    sim::kref ref;
    std::array<sim::Shared<struct container*>, CONFIG_MAX_CONTAINER_HIERARCHIES> container;
    std::array<sim::Shared<container_subsys_state*>, CONFIG_MAX_CONTAINER_SUBSYS> subsys;
    bool on_list = false;  // model: linked into the list through init_container_group.list
};

// The file system's super_block, reduced to s_active (each mount, each
// container below the top and each container_clone() in progress hold one)
// and s_fs_info.
struct super_block : sim::Object {
    super_block(int hierarchy, containerfs_root* root);
    sim::atomic_t s_active;
    sim::Shared<containerfs_root*> s_fs_info;  // cleared by container_put_super() without a lock
    sim::rw_semaphore s_umount;  // held for write by do_remount() and by the final deactivate_super()
};

// struct vfsmount: one mount of a hierarchy's super_block. mnt_count is the
// namespace's reference plus one per path walk in progress (path_lookup()
// to path_release()); a non-lazy umount is -EBUSY while it is above 2 (the
// namespace's and umount's own). The last mntput() frees it and drops its
// super_block reference (deactivate_super()).
struct vfsmount : sim::Object {
    vfsmount(const std::string& where, super_block* sb);
    sim::atomic_t mnt_count;
    super_block* mnt_sb;
};

// struct containerfs_root: the root of a hierarchy. Static (rootnode[]).
struct containerfs_root : sim::Object {
    containerfs_root();
    sim::Shared<super_block*> sb;                 // LL=manage_mutex (put_super clears it without)
    unsigned long subsys_bits = 0;                // LL=manage_mutex+callback_mutex
    std::vector<container_subsys*> subsys_list;   // LL=manage_mutex+callback_mutex (for_each_subsys; list_add puts the newest first)
    struct container top_container;
    int number_of_containers = 0;                 // LL=callback_mutex
};

// struct container_subsys. The C tests each optional callback pointer (`if
// (ss->can_attach)`); here a subsystem overrides the hook and sets its bit in `hooks`.
struct container_subsys : sim::Object {
    enum hook : unsigned {
        HOOK_CAN_ATTACH = 1u << 0,
        HOOK_ATTACH = 1u << 1,
        HOOK_POST_ATTACH = 1u << 2,
        HOOK_FORK = 1u << 3,
        HOOK_EXIT = 1u << 4,
        HOOK_POPULATE = 1u << 5,
        HOOK_BIND = 1u << 6,
    };
    container_subsys(KernelV7& k, const char* ss_name, unsigned ss_hooks);

    virtual int create(struct container* cont) = 0;
    virtual void destroy(struct container* cont) = 0;
    virtual int can_attach(struct container*, task_struct*) { return 0; }
    virtual void attach(struct container*, struct container* /*old_cont*/, task_struct*) {}
    virtual void post_attach(struct container*, struct container* /*old_cont*/, task_struct*) {}
    virtual void fork(task_struct*) {}
    virtual void exit(task_struct*) {}
    virtual int populate(struct container*) { return 0; }
    virtual void bind(struct container*) {}
    // The subsystem's yield points, for `contsim labels`.
    virtual std::vector<const sim::Label*> labels() const = 0;
    // Heap objects the subsystem keeps alive outside containers (for reachable()).
    virtual void reachable(std::set<const sim::Object*>&) const {}
    // End-of-run invariants of the subsystem's own state (charges vs
    // membership, ...), called after the core's; default none.
    virtual void check_invariants(std::vector<sim::Finding>&) const {}
    // Integer state of a container for `expect.final` ("cpuacct.usage", ...);
    // keys should start with the subsystem's name and a dot. Default none.
    virtual void final_values(const struct container*, std::map<std::string, long>&) const {}
    // Its text state ("cpuset.cpus"), and a task's ("cpus_allowed"). Default none.
    virtual void final_texts(const struct container*, std::map<std::string, std::string>&) const {}
    virtual void task_texts(const task_struct*, std::map<std::string, std::string>&) const {}

    KernelV7& kernel;
    const char* ss_name;
    unsigned hooks;
    int subsys_id = -1;
    int active = 0;
    sim::Shared<int> hierarchy;  // Protected by RCU
};

class KernelV7 : public Kernel {
public:
    explicit KernelV7(std::set<Fix> fixes);
    ~KernelV7() override;
    const char* name() const override { return "containers-v7"; }
    std::vector<const sim::Label*> labels() const override;
    std::string default_mount_point() const override { return "/dev/container"; }

    void boot() override;
    int mount(const MountArgs& a) override;
    int mkdir(const std::string& path) override;
    int rmdir(const std::string& path) override;
    int attach(const std::string& dir, int pid) override;
    int write(const std::string& file, const std::string& value) override;
    bool has_op(const std::string& op) const override;
    int read(const std::string& path, std::string& out) override;
    int umount(const std::string& path, bool lazy) override;
    int mkdir_at(struct container* parent, const std::string& name);
    int rmdir_at(struct container* parent, const std::string& name);
    int remount(const MountArgs& a) override;
    int unshare(unsigned long flags) override;
    int open_file(const std::string& name) override;
    int close_file(const std::string& name) override;
    // A control file held open (src/core/v7/open_file.cpp): container_file_open()
    // (the tasks file's pid array built at open), reads and writes through
    // the file, container_file_release(); the file pins its directory's
    // dentry and the vfsmount until the close.
    int open_path(const std::string& path) override;
    void cpuset_hotplug(bool cpu_dead) override;
    int read_fd(int fd, std::string& out) override;
    int write_fd(int fd, const std::string& value) override;
    int close_fd(int fd) override;
    void close_files(task_struct* tsk) override;
    void file_free(file* f);
    int tick(unsigned long cputime) override;
    int register_subsys(const std::string& ss) override;
    int css_get_op(const std::string& dir, const std::string& ss) override;
    int css_put_op(const std::string& dir, const std::string& ss) override;
    // References the css_get op took on css and the css_put op has not dropped.
    int css_references_held(const container_subsys_state* css) const;
    int module_param(const std::string& module, const std::string& param, const std::string& value) override;
    // The writable module parameters, by module: {"numtasks", {"total_numtasks", ...}}.
    static const std::vector<std::pair<std::string, std::vector<std::string>>>& module_params();
    std::vector<std::string> subsystem_names() const override;
    // The Kconfig symbol that builds each subsystem in ("CONTAINER_CPUACCT"),
    // and whether it may be "m" (registered from module_init, not start_kernel).
    struct SubsysConfig {
        const char* name;
        const char* symbol;
        bool modular;
    };
    static const std::vector<SubsysConfig>& subsys_configs();

    std::vector<NodeState> nodes() const override;
    std::vector<GroupState> groups() const override;
    std::vector<TaskState> task_states() const override;
    void check_invariants(std::vector<sim::Finding>& out) const override;
    void reachable(std::set<const sim::Object*>& out) const override;

    // --- what container.h/container.c export to subsystems ----------------
    void container_lock(const sim::Label& l) { sim::mutex_lock(callback_mutex, l); }
    void container_unlock(const sim::Label& l) { sim::mutex_unlock(callback_mutex, l); }
    void container_manage_lock(const sim::Label& l) { sim::mutex_lock(manage_mutex, l); }
    void container_manage_unlock(const sim::Label& l) { sim::mutex_unlock(manage_mutex, l); }
    bool container_is_removed(struct container* cont, const sim::Label& l) {
        return cont->flags.read(l) & CONT_REMOVED;
    }
    int container_add_file(struct container* cont, const cftype* cft);
    // container_clone(): a child of tsk's container in ss's hierarchy, tsk moved into it (3/7).
    int container_clone(task_struct* tsk, container_subsys* ss);
    // The registered subsystem named `name` (model lookup, not a step); nullptr if none.
    container_subsys* subsys_by_name(const std::string& name) const;
    int container_task_count(struct container* cont);
    // Return true if the container is a descendant of the current container (3/7).
    int container_is_descendant(struct container* cont);
    struct container* task_container(task_struct* task, container_subsys* ss);
    // The open files (the model's fd table), by the scenario's name.
    const std::map<std::string, file*>& open_files() const { return files_; }
    // do_each_thread() needs these (update_nodemask walks the task list).
    sim::rwlock_t& tasklist() { return tasklist_lock; }
    std::string path_of(const struct container* c) const;

protected:
    void fork_hook(task_struct* child) override { container_fork(child); }
    void exit_hook(task_struct* tsk) override { container_exit(tsk); }
    bool resolves(const std::string& path) const override { return lookup(path) != nullptr; }
    int fork_allowed(task_struct* p) override;
    int copy_namespaces_hook(unsigned long flags, task_struct* p) override;

private:
    enum container_filetype_t { FILE_ROOT, FILE_DIR, FILE_TASKLIST };

    struct container* dummytop() { return &rootnode[0].top_container; }
    static void get_container_group(container_group* cg, const sim::Label& l) { sim::kref_get(cg->ref, l); }
    void put_container_group(container_group* cg, const sim::Label& l);
    void release_container_group(container_group* cg);
    container_group* find_existing_container_group(container_group* oldcg, struct container* cont);
    container_group* find_container_group(container_group* oldcg, struct container* cont);
    int container_file_write(struct container* cont, const cftype* cft, const std::string& buf);
    int container_common_file_write(struct container* cont, const cftype* cft, const std::string& buf);
    int attach_task_by_pid(struct container* cont, const std::string& pidbuf);
    int attach_task(struct container* cont, task_struct* tsk);
    void container_fork(task_struct* child);
    void container_exit(task_struct* tsk);
    void container_init_early();
    int container_register_subsys(container_subsys* new_subsys);
    void init_container_css(container_subsys* ss, struct container* cont);
    int container_populate_dir(struct container* cont);
    int container_create(struct container* parent, const std::string& name);
    int container_rmdir(struct container* cont);
    void container_diput(struct container* cont);
    void dput(struct container* cont);
    // The css_get/css_put ops: dir's state of subsystem `name`, reached with
    // the directory's dentry pinned, handed to fn (-ENOENT, -EINVAL otherwise).
    int css_op(const std::string& dir, const std::string& name,
               const std::function<int(container_subsys_state*)>& fn);
    int parse_containerfs_options(const std::string* data, unsigned long* bits);
    int rebind_subsystems(containerfs_root* root, unsigned long final_bits);
    int container_get_sb(const std::string* data, int* hierarchy_out, super_block** sb_out);
    int container_remount(super_block* sb, const std::string* data);
    void container_put_super(super_block* sb);
    void deactivate_super(super_block* sb, const sim::Label& l);
    void kernel_bug(const std::string& where, const std::string& what);
    static bool on_sibling_list(const struct container* cont);  // !list_empty(&cont->sibling)
    std::string subsys_names(unsigned long bits) const;
    // Reads (src/core/v7/read.cpp).
    int container_tasks_read(struct container* cont, std::string& out);
    int pid_array_load(std::vector<int>& pidarray, int npids, struct container* cont);
    int proc_container_show(int pid, std::string& out);
    int read_file(struct container* c, const std::string& file, std::string& out);
    // container_tasks_open()'s pid array and text (ctr, ctr->buf): 0 or -ENOMEM.
    int container_tasks_open(struct container* cont, sim::Object*& ctr, sim::Object*& buf, std::string& text);
    int proc_containerstats_show(std::string& out);
    int container_path(const struct container* cont, std::string& buf) const;
    container_subsys* builtin(const std::string& name) const;

    // The walk alone (not a step); walk() is the step and the walk.
    struct container* lookup(const std::string& path) const;
    struct Mount;
    const Mount* mount_below(const std::string& path) const;  // the latest mount the path is under
    // path_lookup(): the dcache step, then the container the path names and
    // the vfsmount it is in, whose mnt_count the walk takes (mntget(),
    // folded into the walk's step: docs/explore.md). Every walk that found a
    // mount ends with path_release().
    struct Walk {
        struct container* c = nullptr;
        vfsmount* mnt = nullptr;
    };
    Walk walk(const std::string& path);
    void path_release(const Walk& w);
    void mntput(vfsmount* mnt, const sim::Label& l);
    std::string relpath(const struct container* c) const;
    std::string group_name(const std::array<struct container*, CONFIG_MAX_CONTAINER_HIERARCHIES>& conts) const;
    int live_groups_using(const struct container* c) const;
    void check_refcounts(std::vector<sim::Finding>& out) const;  // src/core/v7/invariants.cpp

    // Statics of kernel/container.c, in declaration order.
    std::array<container_subsys*, CONFIG_MAX_CONTAINER_SUBSYS> subsys{};
    int subsys_count = 0;
    std::array<containerfs_root, CONFIG_MAX_CONTAINER_HIERARCHIES> rootnode;
    sim::Shared<int> need_forkexit_callback;  // read under RCU in fork/exit
    container_group init_container_group;
    sim::spinlock_t container_group_lock;
    int container_group_count = 0;            // LL=container_group_lock
    sim::mutex manage_mutex;
    sim::mutex callback_mutex;
    cftype cft_tasks;
    bool system_running = false;              // system_state == SYSTEM_RUNNING

    // The list through init_container_group.list, in list order (the head
    // first, then newest first, as list_add() inserts after the head).
    std::vector<container_group*> cg_list;
    // Model bookkeeping: every group ever made (live or freed), for groups().
    std::vector<container_group*> all_groups_;
    // Model bookkeeping: container_exit() only puts groups other than
    // init_container_group, so a task that exits while in it keeps its
    // reference for good. Those references are part of the expected kref.
    int exited_in_init_ = 0;
    // The subsystems compiled into this kernel, registered at boot.
    std::vector<std::unique_ptr<container_subsys>> builtin_subsys_;
    // Mount points, in mount order: (path, hierarchy, its super_block, the vfsmount).
    struct Mount {
        std::string path;
        int hierarchy;
        super_block* sb;
        vfsmount* mnt;
    };
    std::vector<Mount> mounts_;
    // How final state names each hierarchy: its first mount point (while its
    // super_block lives).
    std::array<std::string, CONFIG_MAX_CONTAINER_HIERARCHIES> mount_name_;
    // get_unused_name()'s counter for container_clone() ("node1", ...).
    sim::atomic_t namecnt;
    // The model's fd table: files opened by the `open` op, by name. Threads
    // may close each other's files, so the table is one location that
    // fd_install() and close() write (steps), and files_ changes only after them.
    // A file belongs to the task that opened it: its exit closes it.
    std::map<std::string, file*> files_;
    sim::Shared<int> fdt;
    // A control file's open state, by its struct file's name in files_
    // ("fd<N>", N the fd open_path() returned): what container_file_open()
    // and dentry_open() took, for the reads and the release.
    struct OpenControl {
        struct container* cont = nullptr;  // __d_cont(file->f_dentry->d_parent), pinned
        vfsmount* mnt = nullptr;           // file->f_vfsmnt
        const cftype* cft = nullptr;
        sim::Object* ctr = nullptr;        // the tasks file: struct ctr_struct and ctr->buf
        sim::Object* buf = nullptr;
        std::string text;                  // ctr->buf's contents
        bool read_done = false;            // *ppos at the end: a further read gives ""
    };
    std::map<std::string, OpenControl> control_;
    int next_fd_ = 3;
    static std::string fd_name(int fd) { return "fd" + std::to_string(fd); }
    void release_control(const std::string& name);
    // References taken by the css_get op and not yet put, per css.
    std::map<const container_subsys_state*, int> css_held_;
    // Model bookkeeping for the fork-callback check: which subsystems' fork
    // callback (bit subsys_id) each task has had, and the step each
    // subsystem was registered at.
    std::map<const task_struct*, unsigned long> fork_callbacks_;
    std::map<const container_subsys*, std::uint32_t> registered_at_;
};

}  // namespace core::v7
