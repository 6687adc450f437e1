// The Resource Groups core of V7 patch 5/7 (text: V6 5/6): kernel/res_group/
// res_group.c (register_controller and the container_subsys glue), rgcs.c
// (the <ctlr>.shares and <ctlr>.stats files) and shares.c
// (set_controller_shares). Each controller is a container subsystem whose
// per-container state embeds struct res_shares.
#pragma once
#include <string>
#include <vector>

#include "core/labels.h"
#include "core/v7/container.h"

#define CONTSIM_V7_RES_GROUP_LABELS(X)                                                                          \
    X(res_group_create, write_cont_subsys, "cont->subsys[ss->subsys_id] = &shares->css;")                       \
    X(res_group_destroy, read_shares, "struct res_shares *shares = get_controller_shares(cont, ctlr);")         \
    X(res_group_attach, read_old_shares, "oldshares = get_controller_shares(old_cont, ctlr);")                  \
    X(res_group_attach, read_new_shares, "newshares = get_controller_shares(cont, ctlr);")                      \
    X(res_group_fork, read_shares, "shares = get_controller_shares(task_container(task, ss), ctlr);")          \
    X(res_group_exit, read_shares, "shares = get_controller_shares(task_container(task, ss), ctlr);")          \
    X(res_group_file_write, kmalloc_buf, "buf = kmalloc(nbytes + 1, GFP_USER);")                               \
    X(res_group_file_write, lock_manage_mutex, "container_manage_lock();")                                     \
    X(res_group_file_write, test_removed, "if (container_is_removed(cont))")                                   \
    X(res_group_file_write, unlock_manage_mutex, "container_manage_unlock();")                                 \
    X(res_group_file_write, kfree_buf, "kfree(buf);")                                                          \
    X(res_group_file_read, kmalloc_page, "char *page = kmalloc(PAGE_SIZE, GFP_USER);")                         \
    X(res_group_file_read, kfree_page, "kfree(page);")                                                         \
    X(shares_parse, match_strdup, "*resname = match_strdup(args);")                                            \
    X(shares_parse, kfree_resname, "kfree(*resname); /* done: rc != 0 */")                                     \
    X(rgcs_set_shares, kfree_resname, "kfree(resname); /* set_shares() in rgcs.c */")                          \
    X(stats_parse, match_strdup, "*resname = match_strdup(args);")                                             \
    X(stats_parse, kmalloc_remaining_line, "*remaining_line = kmalloc(strlen(str) + 1, GFP_KERNEL);")          \
    X(stats_parse, kfree_resname, "kfree(*resname); /* -ENOMEM */")                                            \
    X(reset_stats, read_shares, "shares = get_controller_shares(rgroup, ctlr);")                               \
    X(reset_stats, kfree_resname, "kfree(resname);")                                                           \
    X(reset_stats, kfree_statstr, "kfree(statstr);")                                                           \
    X(show_shares, read_shares, "shares = get_controller_shares(rgroup, ctlr);")                               \
    X(show_shares, read_fields, "snprintf(buf, ..., shares->min_shares, shares->max_shares, ...divisor);")     \
    X(show_stats, read_shares, "shares = get_controller_shares(rgroup, ctlr);")                                \
    X(set_controller_shares, read_shares, "shares = get_controller_shares(rgroup, ctlr);")                     \
    X(set_controller_shares, read_prev, "prev_min = shares->min_shares; prev_max = shares->max_shares;")       \
    X(set_controller_shares, lock_callback_mutex, "container_lock(); /* XXX */")                               \
    X(set_controller_shares, read_parent_shares, "parent_shares = get_controller_shares(rgroup->parent, ctlr);") \
    X(set_controller_shares, read_new_min, "child_min_shares_changed(parent_shares, prev_min, shares->min_shares);") \
    X(set_controller_shares, read_new_max, "if (prev_max != shares->max_shares)")                              \
    X(set_controller_shares, unlock_callback_mutex, "container_unlock(); /* XXX */")                           \
    X(set_shares, copy_child_shares, "final_shares = *child_shares;")                                          \
    X(set_shares, write_child_shares, "*child_shares = final_shares;")                                         \
    X(are_shares_valid, read_parent, "min_shares_increase > parent->unused_min_shares || ... > parent->child_shares_divisor") \
    X(child_min_shares_changed, read_unused, "parent->unused_min_shares -= / += ... /* read */")               \
    X(child_min_shares_changed, write_unused, "parent->unused_min_shares -= / += ... /* write */")             \
    X(set_cur_max_shares, read_child_shares, "child_shares = get_controller_shares(child, ctlr);")             \
    X(set_cur_max_shares, read_child_max, "max_shares = max(max_shares, child_shares->max_shares);")           \
    X(set_cur_max_shares, read_parent_shares, "parent_shares = get_controller_shares(parent, ctlr);")          \
    X(set_cur_max_shares, write_cur_max, "parent_shares->cur_max_shares = max_shares;")

namespace subsys::lbl {
CONTSIM_V7_RES_GROUP_LABELS(CONTSIM_DEFINE_LABEL)
}

namespace subsys {

using core::task_struct;
using core::v7::cftype;
using core::v7::container;
using core::v7::container_subsys_state;

// include/linux/res_group.h
constexpr int SHARE_UNCHANGED = -1;    // implicitly specified by userspace, never stored
constexpr int SHARE_UNSUPPORTED = -2;  // the controller does not let userspace change it
constexpr int SHARE_DONT_CARE = -3;
constexpr int SHARE_DEFAULT_DIVISOR = 100;
constexpr unsigned NO_RES_ID = core::v7::CONFIG_MAX_CONTAINER_SUBSYS;  // MAX_RES_CTLRS

// struct res_shares. Embedded in the controller's structure, so its cells
// belong to that object. LL=manage_mutex+callback_mutex for every field
// (set_controller_shares writes them under both; shares_changed under manage_mutex).
struct res_shares {
    explicit res_shares(sim::Object* embedding);
    /* shares only set by userspace */
    sim::Shared<int> min_shares;
    sim::Shared<int> max_shares;
    sim::Shared<int> child_shares_divisor;
    /* share values invisible to userspace */
    sim::Shared<int> unused_min_shares;
    sim::Shared<int> cur_max_shares;
    container_subsys_state css;  // the last member, as posted: container_of(NULL) is not NULL
};

// A struct res_shares held as plain values (set_shares()' stack copies).
struct res_shares_val {
    int min_shares = SHARE_UNCHANGED;
    int max_shares = SHARE_UNCHANGED;
    int child_shares_divisor = SHARE_UNCHANGED;
    int unused_min_shares = 0;
    int cur_max_shares = 0;
};

// A controller's structure that embeds res_shares (struct numtasks): what
// css->object points at, so container_of(css, struct res_shares, css) works.
struct res_shares_object : sim::Object {
    explicit res_shares_object(const char* type) : sim::Object(type), shares(this) {}
    res_shares shares;
};

// struct res_controller: the container_subsys, its two files and the
// controller's callbacks. A callback the C leaves NULL is an `ops` bit unset.
class res_controller : public core::v7::container_subsys {
public:
    enum ctlr_op : unsigned {
        OP_SHARES_CHANGED = 1u << 0,
        OP_SHOW_STATS = 1u << 1,
        OP_RESET_STATS = 1u << 2,
        OP_MOVE_TASK = 1u << 3,
    };
    // register_controller(): wires the glue in (attach/fork/exit only with a
    // move_task) and names the files; container_register_subsys() is the
    // kernel's boot, which registers every built-in subsystem.
    res_controller(core::v7::KernelV7& k, const char* name, unsigned ops);

    int create(container* cont) override;    // res_group_create
    void destroy(container* cont) override;  // res_group_destroy
    int populate(container* cont) override;  // res_group_populate
    void attach(container* cont, container* old_cont, task_struct* tsk) override;  // res_group_attach
    void fork(task_struct* task) override;   // res_group_fork
    void exit(task_struct* task) override;   // res_group_exit

    virtual res_shares* alloc_shares_struct(container* cont) = 0;
    virtual void free_shares_struct(res_shares* shares) = 0;
    virtual void shares_changed(res_shares*) {}
    virtual int show_stats(res_shares*, std::string&) { return 0; }
    virtual int reset_stats(res_shares*, const std::string&) { return 0; }
    virtual void move_task(task_struct*, res_shares* /*old*/, res_shares* /*new*/) {}

    // ctlr->ctlr_id: ss->subsys_id once container_register_subsys() has returned.
    unsigned ctlr_id() const { return active ? static_cast<unsigned>(subsys_id) : NO_RES_ID; }
    // get_controller_shares(): one read of rgroup->subsys[id] (the caller's label).
    res_shares* get_controller_shares(container* rgroup, const sim::Label& l);
    // shares.c
    int set_controller_shares(container* rgroup, const res_shares_val& new_shares);

    const char* name;  // ctlr->name
    unsigned ops;

private:
    enum { RG_FILE_SHARES, RG_FILE_STATS };
    int res_group_file_write(container* cont, const cftype* cft, const std::string& buf);
    int res_group_file_read(container* cont, const cftype* cft, std::string& out);
    int rgcs_set_shares(container* rgroup, const std::string& str);
    int shares_parse(const std::string& options, sim::Object** resname, res_shares_val* shares);
    int show_shares(container* rgroup, std::string& buf);
    int show_stats_file(container* rgroup, std::string& buf);
    int stats_parse(const std::string& options, sim::Object** resname, sim::Object** remaining_line);
    int reset_stats_file(container* rgroup, const std::string& str);
    void child_min_shares_changed(res_shares* parent, int child_cur_min_shares, int child_new_min_shares);
    void set_cur_max_shares(container* parent);

    cftype shares_cft;  // res_group_cft: the cftype's closures carry ctlr
    cftype stats_cft;
};

// lib/parser.c match_int()/simple_strtol(s, &end, 0): 0 or -EINVAL.
int match_int(const std::string& s, int* result);

}  // namespace subsys
