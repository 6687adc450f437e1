#include "subsys/res_group.h"

#include <algorithm>
#include <cctype>
#include <cerrno>

#include <fmt/format.h>

#include "sim/kernel/slab.h"

namespace subsys {

using namespace sim;
using core::v7::KernelV7;

namespace {
constexpr std::size_t PAGE_SIZE = 4096;

// The kmalloc'ed strings of rgcs.c (buf, page, resname, remaining_line).
struct rg_string : Object {
    explicit rg_string(const char* n) : Object(n) { set_name(n); }
};

bool is_share_quantitative(int share) { return share >= 0; }
bool is_share_valid(int share) {
    return share == SHARE_DONT_CARE || share == SHARE_UNSUPPORTED || is_share_quantitative(share);
}
bool did_share_change(int share) { return share != SHARE_UNCHANGED; }
bool change_supported(int share) { return share != SHARE_UNSUPPORTED; }

// lib/vsprintf.c simple_strtoul()/simple_strtol() (2.6.20), base 0.
long simple_strtol(const char* cp, const char** endp) {
    bool neg = *cp == '-';
    if (neg) cp++;
    unsigned base = 10;
    if (*cp == '0') {
        base = 8;
        cp++;
        if (std::toupper(static_cast<unsigned char>(*cp)) == 'X' && std::isxdigit(static_cast<unsigned char>(cp[1]))) {
            cp++;
            base = 16;
        }
    }
    unsigned long result = 0, value;
    while (std::isxdigit(static_cast<unsigned char>(*cp)) &&
           (value = std::isdigit(static_cast<unsigned char>(*cp))
                        ? *cp - '0'
                        : std::toupper(static_cast<unsigned char>(*cp)) - 'A' + 10) < base) {
        result = result * base + value;
        cp++;
    }
    *endp = cp;
    // The kernel negates the unsigned result (`return -simple_strtoul(cp+1,endp,base)`):
    // wraps, never overflows, so "-9223372036854775808" is LONG_MIN, not undefined behaviour.
    return static_cast<long>(neg ? 0 - result : result);
}

// lib/parser.c match_one() for one pattern "prefix%d" or "prefix%s": the
// argument, or nullopt when the token does not match.
std::optional<std::string> match_one(const std::string& s, const std::string& prefix, char conv) {
    if (s.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
    std::string rest = s.substr(prefix.size());
    if (conv == 's') {
        if (rest.empty()) return std::nullopt;
        return rest;
    }
    const char* end;
    simple_strtol(rest.c_str(), &end);
    std::size_t n = static_cast<std::size_t>(end - rest.c_str());
    if (n == 0) return std::nullopt;
    if (n != rest.size()) return std::nullopt;  // the pattern ends: strcmp("", s) must be 0
    return rest;
}

// strsep(&options, ","): the tokens, empty ones included.
std::vector<std::string> strsep_all(const std::string& s) {
    std::vector<std::string> v;
    std::size_t pos = 0;
    while (true) {
        std::size_t c = s.find(',', pos);
        v.push_back(s.substr(pos, c == std::string::npos ? std::string::npos : c - pos));
        if (c == std::string::npos) break;
        pos = c + 1;
    }
    return v;
}
}  // namespace

int match_int(const std::string& s, int* result) {
    const char* end;
    long l = simple_strtol(s.c_str(), &end);
    if (end == s.c_str()) return -EINVAL;
    *result = static_cast<int>(l);
    return 0;
}

res_shares::res_shares(Object* embedding)
    : min_shares(embedding, "shares.min_shares", 0),
      max_shares(embedding, "shares.max_shares", 0),
      child_shares_divisor(embedding, "shares.child_shares_divisor", 0),
      unused_min_shares(embedding, "shares.unused_min_shares", 0),
      cur_max_shares(embedding, "shares.cur_max_shares", 0),
      css(embedding) {}

// register_controller(): attach/fork/exit only when there is a move_task.
res_controller::res_controller(KernelV7& k, const char* ctlr_name, unsigned ctlr_ops)
    : container_subsys(k, ctlr_name,
                       HOOK_POPULATE | ((ctlr_ops & OP_MOVE_TASK) ? (HOOK_ATTACH | HOOK_FORK | HOOK_EXIT) : 0u)),
      name(ctlr_name),
      ops(ctlr_ops) {
    shares_cft.name = std::string(name) + ".shares";
    shares_cft.private_ = RG_FILE_SHARES;
    shares_cft.read = [this](container* c, const cftype* cft, std::string& out) { return res_group_file_read(c, cft, out); };
    shares_cft.write = [this](container* c, const cftype* cft, const std::string& b) {
        return res_group_file_write(c, cft, b);
    };
    stats_cft.name = std::string(name) + ".stats";
    stats_cft.private_ = RG_FILE_STATS;
    stats_cft.read = shares_cft.read;
    stats_cft.write = shares_cft.write;
}

// container_of(rgroup->subsys[id], struct res_shares, css). css is the last
// member of res_shares, so in C a NULL css gives a bogus non-NULL pointer; no
// container of the controller's hierarchy has a NULL css, so the model returns NULL.
res_shares* res_controller::get_controller_shares(container* rgroup, const Label& l) {
    if (!rgroup) return nullptr;  // NO_SHARE
    container_subsys_state* css = rgroup->subsys[subsys_id].read(l);
    return css ? &static_cast<res_shares_object*>(css->object)->shares : nullptr;
}

// --- res_group.c: the container_subsys glue ---------------------------------

// No NULL check on alloc_shares_struct(): &shares->css of a NULL shares is a
// small non-NULL pointer that init_container_css() then writes through.
int res_controller::create(container* cont) {
    res_shares* shares = alloc_shares_struct(cont);
    if (!shares) {
        Machine& m = Machine::current();
        m.report({"kernel-bug",
                  fmt::format("BUG: unable to handle kernel NULL pointer dereference: res_group_create() stores "
                              "&shares->css of a NULL {} shares struct (alloc_shares_struct() failed) at step {} ({}), "
                              "and init_container_css() writes through it",
                              name, m.step(), m.cpu_state().name),
                  m.step(), m.cpu(), {}, {}});
        return -ENOMEM;  // model: the oops would kill the task with manage_mutex held
    }
    cont->subsys[subsys_id].write(&shares->css, lbl::res_group_create::write_cont_subsys);
    return 0;
}

void res_controller::destroy(container* cont) {
    free_shares_struct(get_controller_shares(cont, lbl::res_group_destroy::read_shares));
}

int res_controller::populate(container* cont) {
    int err;
    if ((err = kernel.container_add_file(cont, &shares_cft)) < 0) return err;
    if ((err = kernel.container_add_file(cont, &stats_cft)) < 0) return err;
    return 0;
}

void res_controller::attach(container* cont, container* old_cont, task_struct* tsk) {
    namespace yp = lbl::res_group_attach;
    res_shares* oldshares = get_controller_shares(old_cont, yp::read_old_shares);
    res_shares* newshares = get_controller_shares(cont, yp::read_new_shares);
    if (ops & OP_MOVE_TASK) move_task(tsk, oldshares, newshares);
}

void res_controller::fork(task_struct* task) {
    res_shares* shares = get_controller_shares(kernel.task_container(task, this), lbl::res_group_fork::read_shares);
    if (ops & OP_MOVE_TASK) move_task(task, nullptr, shares);
}

// Called before container_exit() re-points the task: task_container() is
// still the container the task is leaving, unless an attach moves it after.
void res_controller::exit(task_struct* task) {
    res_shares* shares = get_controller_shares(kernel.task_container(task, this), lbl::res_group_exit::read_shares);
    if (ops & OP_MOVE_TASK) move_task(task, shares, nullptr);
}

// --- rgcs.c: the <ctlr>.shares and <ctlr>.stats files -----------------------

// Returns nbytes in the kernel; the model reports 0 for success.
int res_controller::res_group_file_write(container* cont, const cftype* cft, const std::string& userbuf) {
    namespace yp = lbl::res_group_file_write;
    int retval;
    if (userbuf.size() >= PAGE_SIZE) return -E2BIG;
    Object* buf = kmalloc<rg_string>(yp::kmalloc_buf, GFP_KERNEL, "buf");  // GFP_USER
    if (!buf) return -ENOMEM;
    // copy_from_user() cannot fault in the model.
    kernel.container_manage_lock(yp::lock_manage_mutex);
    if (kernel.container_is_removed(cont, yp::test_removed)) {
        retval = -ENODEV;
    } else {
        switch (cft->private_) {
        case RG_FILE_SHARES: retval = rgcs_set_shares(cont, userbuf); break;
        case RG_FILE_STATS: retval = reset_stats_file(cont, userbuf); break;
        default: retval = -EINVAL;
        }
    }
    kernel.container_manage_unlock(yp::unlock_manage_mutex);
    kfree(buf, yp::kfree_buf);
    return retval;
}

// No lock at all: the fields are read as they are.
int res_controller::res_group_file_read(container* cont, const cftype* cft, std::string& out) {
    namespace yp = lbl::res_group_file_read;
    int retval;
    std::string page_text;
    Object* page = kmalloc<rg_string>(yp::kmalloc_page, GFP_KERNEL, "page");  // GFP_USER
    if (!page) return -ENOMEM;
    switch (cft->private_) {
    case RG_FILE_SHARES: retval = show_shares(cont, page_text); break;
    case RG_FILE_STATS: retval = show_stats_file(cont, page_text); break;
    default: retval = -EINVAL;
    }
    if (retval >= 0) {
        out = page_text;  // simple_read_from_buffer() at offset 0
        retval = 0;
    }
    kfree(page, yp::kfree_page);
    return retval;
}

int res_controller::show_stats_file(container* rgroup, std::string& buf) {
    res_shares* shares = get_controller_shares(rgroup, lbl::show_stats::read_shares);
    if (shares && (ops & OP_SHOW_STATS)) return show_stats(shares, buf);
    return 0;
}

// Looks for "res=NAME"; the remaining line is what follows that token.
int res_controller::stats_parse(const std::string& options, Object** resname, Object** remaining_line) {
    namespace yp = lbl::stats_parse;
    int rc = -EINVAL;
    auto tokens = strsep_all(options);
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const std::string& p = tokens[i];
        if (p.empty()) continue;
        if (!match_one(p, "res=", 's')) continue;
        *resname = kmalloc<rg_string>(yp::match_strdup, GFP_KERNEL, "resname");
        // str = p + strlen(p) + 1: when p is the last token that is one past
        // the NUL ending the kmalloc(nbytes + 1) buffer, and strlen(str) reads on.
        if (i + 1 == tokens.size()) {
            Machine& m = Machine::current();
            m.report({"out-of-bounds",
                      fmt::format("BUG: out-of-bounds read: stats_parse() at step {} ({}) takes the remaining line "
                                  "at buf + {} + 1, past the end of res_group_file_write()'s kmalloc({} + 1) "
                                  "buffer, and strlen()s and strcpy()s whatever follows",
                                  m.step(), m.cpu_state().name, options.size(), options.size()),
                      m.step(), m.cpu(), {}, {}});
        }
        *remaining_line = kmalloc<rg_string>(yp::kmalloc_remaining_line, GFP_KERNEL, "remaining_line");
        if (!*remaining_line) {
            kfree(*resname, yp::kfree_resname);
            *resname = nullptr;
            rc = -ENOMEM;
        } else {
            rc = 0;  // strcpy(*remaining_line, str)
        }
        break;
    }
    return rc;
}

int res_controller::reset_stats_file(container* rgroup, const std::string& str) {
    namespace yp = lbl::reset_stats;
    Object *resname = nullptr, *statstr = nullptr;
    int rc = stats_parse(str, &resname, &statstr);
    if (rc) return rc;
    res_shares* shares = get_controller_shares(rgroup, yp::read_shares);
    if (shares && (ops & OP_RESET_STATS)) rc = reset_stats(shares, "");
    kfree(resname, yp::kfree_resname);
    kfree(statstr, yp::kfree_statstr);
    return rc;
}

// Tokens res=%s, min_shares=%d, max_shares=%d, child_shares_divisor=%d,
// comma-separated; anything else (a trailing newline included) is -EINVAL.
// The resource name is never compared with the controller's.
int res_controller::shares_parse(const std::string& options, Object** resname, res_shares_val* shares) {
    namespace yp = lbl::shares_parse;
    int option, rc = -EINVAL;
    *resname = nullptr;
    for (const std::string& p : strsep_all(options)) {
        if (p.empty()) continue;
        std::optional<std::string> arg;
        if ((arg = match_one(p, "res=", 's'))) {
            if (*resname) goto done;
            *resname = kmalloc<rg_string>(yp::match_strdup, GFP_KERNEL, "resname");
        } else if ((arg = match_one(p, "min_shares=", 'd'))) {
            if (match_int(*arg, &option)) goto done;
            shares->min_shares = option;
        } else if ((arg = match_one(p, "max_shares=", 'd'))) {
            if (match_int(*arg, &option)) goto done;
            shares->max_shares = option;
        } else if ((arg = match_one(p, "child_shares_divisor=", 'd'))) {
            if (match_int(*arg, &option)) goto done;
            shares->child_shares_divisor = option;
        } else {
            goto done;
        }
    }
    rc = 0;
done:
    if (rc) {
        kfree(*resname, yp::kfree_resname);
        *resname = nullptr;
    }
    return rc;
}

// set_shares() of rgcs.c (shares.c has another static set_shares()).
int res_controller::rgcs_set_shares(container* rgroup, const std::string& str) {
    Object* resname = nullptr;
    res_shares_val shares;  // min, max and divisor SHARE_UNCHANGED
    int rc = shares_parse(str, &resname, &shares);
    if (!rc) {
        rc = set_controller_shares(rgroup, shares);
        kfree(resname, lbl::rgcs_set_shares::kfree_resname);
    }
    return rc;
}

int res_controller::show_shares(container* rgroup, std::string& buf) {
    namespace yp = lbl::show_shares;
    res_shares* shares = get_controller_shares(rgroup, yp::read_shares);
    if (shares) {
        int mn = shares->min_shares.read(yp::read_fields);
        int mx = shares->max_shares.read(yp::read_fields);
        int dv = shares->child_shares_divisor.read(yp::read_fields);
        buf += fmt::format("res={},min_shares={},max_shares={},child_shares_divisor={}\n", name, mn, mx, dv);
    }
    return static_cast<int>(buf.size());
}

// --- shares.c ----------------------------------------------------------------

// Caller is responsible for protecting 'parent' (callback_mutex here).
void res_controller::child_min_shares_changed(res_shares* parent, int child_cur_min_shares, int child_new_min_shares) {
    namespace yp = lbl::child_min_shares_changed;
    if (is_share_quantitative(child_new_min_shares))
        parent->unused_min_shares.write(parent->unused_min_shares.read(yp::read_unused) - child_new_min_shares,
                                        yp::write_unused);
    if (is_share_quantitative(child_cur_min_shares))
        parent->unused_min_shares.write(parent->unused_min_shares.read(yp::read_unused) + child_cur_min_shares,
                                        yp::write_unused);
}

// Parent's cur_max_shares := the largest max_shares of its children (at least 0).
void res_controller::set_cur_max_shares(container* parent) {
    namespace yp = lbl::set_cur_max_shares;
    int max_shares = 0;
    for (container* child : parent->children) {
        res_shares* child_shares = get_controller_shares(child, yp::read_child_shares);
        max_shares = std::max(max_shares, child_shares->max_shares.read(yp::read_child_max));
    }
    res_shares* parent_shares = get_controller_shares(parent, yp::read_parent_shares);
    parent_shares->cur_max_shares.write(max_shares, yp::write_cur_max);
}

namespace {
// are_shares_valid(): the child is a stack copy; only the parent is shared.
int are_shares_valid(const res_shares_val& child, res_shares* parent, int current_usage, int min_shares_increase) {
    namespace yp = lbl::are_shares_valid;
    if (parent && ((is_share_quantitative(child.min_shares) &&
                    min_shares_increase > parent->unused_min_shares.read(yp::read_parent)) ||
                   (is_share_quantitative(child.max_shares) &&
                    child.max_shares > parent->child_shares_divisor.read(yp::read_parent))))
        return -EINVAL;
    if (!is_share_valid(child.min_shares)) return -EINVAL;
    if (!is_share_valid(child.max_shares)) return -EINVAL;
    if (!is_share_quantitative(child.child_shares_divisor) || current_usage > child.child_shares_divisor)
        return -EINVAL;
    if (child.child_shares_divisor < child.cur_max_shares) return -EINVAL;
    if (is_share_quantitative(child.min_shares) && is_share_quantitative(child.max_shares) &&
        child.min_shares > child.max_shares)
        return -EINVAL;
    return 0;
}

// set_shares() of shares.c. The caller holds callback_mutex.
int set_shares(const res_shares_val& neww, res_shares* child_shares, res_shares* parent_shares) {
    namespace yp = lbl::set_shares;
    // new is the caller's stack copy (a reference here, never NULL).
    if (!child_shares) core::v7::kernel_bug_at("kernel/res_group/shares.c", "set_shares", "BUG_ON(!new || !child_shares)");
    deref(child_shares, yp::copy_child_shares, "child_shares");
    res_shares_val cur;  // final_shares = *child_shares (the struct copy reads every field)
    cur.min_shares = child_shares->min_shares.read(yp::copy_child_shares);
    cur.max_shares = child_shares->max_shares.read(yp::copy_child_shares);
    cur.child_shares_divisor = child_shares->child_shares_divisor.read(yp::copy_child_shares);
    cur.unused_min_shares = child_shares->unused_min_shares.read(yp::copy_child_shares);
    cur.cur_max_shares = child_shares->cur_max_shares.read(yp::copy_child_shares);
    res_shares_val fin = cur;
    // The C re-reads child_shares' fields below; nothing writes them meanwhile
    // (both mutexes are held), so the copy stands in for those reads.
    if (did_share_change(neww.child_shares_divisor) && change_supported(cur.child_shares_divisor))
        fin.child_shares_divisor = neww.child_shares_divisor;
    if (did_share_change(neww.min_shares) && change_supported(cur.min_shares)) fin.min_shares = neww.min_shares;
    if (did_share_change(neww.max_shares) && change_supported(cur.max_shares)) fin.max_shares = neww.max_shares;

    int current_usage = cur.child_shares_divisor - cur.unused_min_shares;
    int min_shares_increase = fin.min_shares;
    if (is_share_quantitative(cur.min_shares)) min_shares_increase -= cur.min_shares;

    int rc = are_shares_valid(fin, parent_shares, current_usage, min_shares_increase);
    if (rc) return rc; /* new shares would violate restrictions */

    if (did_share_change(neww.child_shares_divisor))
        fin.unused_min_shares = fin.child_shares_divisor - current_usage;
    child_shares->min_shares.write(fin.min_shares, yp::write_child_shares);  // *child_shares = final_shares
    child_shares->max_shares.write(fin.max_shares, yp::write_child_shares);
    child_shares->child_shares_divisor.write(fin.child_shares_divisor, yp::write_child_shares);
    child_shares->unused_min_shares.write(fin.unused_min_shares, yp::write_child_shares);
    child_shares->cur_max_shares.write(fin.cur_max_shares, yp::write_child_shares);
    return 0;
}
}  // namespace

// Called with manage_mutex held (res_group_file_write). shares_changed runs
// after callback_mutex is dropped.
int res_controller::set_controller_shares(container* rgroup, const res_shares_val& new_shares) {
    namespace yp = lbl::set_controller_shares;
    if (!(ops & OP_SHARES_CHANGED)) return -EINVAL;
    res_shares* shares = get_controller_shares(rgroup, yp::read_shares);
    if (!shares) return -EINVAL;
    int prev_min = shares->min_shares.read(yp::read_prev);
    int prev_max = shares->max_shares.read(yp::read_prev);

    kernel.container_lock(yp::lock_callback_mutex); /* XXX */
    // spin_lock(&rgroup->group_lock): commented out in the posted code
    res_shares* parent_shares = get_controller_shares(rgroup->parent, yp::read_parent_shares);
    int rc = set_shares(new_shares, shares, parent_shares);
    if (!rc && rgroup->parent) {  // if (rc || is_res_group_root(rgroup)) goto done;
        /* Notify parent about changes in my shares */
        child_min_shares_changed(parent_shares, prev_min, shares->min_shares.read(yp::read_new_min));
        if (prev_max != shares->max_shares.read(yp::read_new_max)) set_cur_max_shares(rgroup->parent);
    }
    kernel.container_unlock(yp::unlock_callback_mutex); /* XXX */
    if (!rc) shares_changed(shares);
    return rc;
}

}  // namespace subsys
