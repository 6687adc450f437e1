#include "app/op_flow.h"

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

namespace app {

namespace {

int clamp_int(long long v, long long lo, long long hi) { return static_cast<int>(std::clamp(v, lo, hi)); }

// The op with its fields computed; false (and `err`) when a computed path
// cannot name anything (not absolute, or longer than PATH_MAX).
bool concrete(const Op& op, const expr::Env& env, long index, Op& c, int& err) {
    c = op;
    // `c` lives across the op's steps, and a reference it held to one of the
    // file's expressions would be counted in the file's memory, outside the
    // snapshot region: a run restored from a checkpoint taken during the op
    // (sim/checkpoint.h) would drop that reference a second time. So it
    // holds none: it needs no condition or loop, and op_text() reads only
    // the "value" expression's source, kept without ownership.
    c.flow.cond.reset();
    c.flow.repeat.reset();
    c.flow.for_each.reset();
    c.flow.texts.clear();
    for (auto& [key, e] : c.flow.ints) e = expr::ExprPtr(expr::ExprPtr(), e.get());
    for (const auto& [key, e] : op.flow.ints) {
        long long v = e->eval(env).i;
        if (key == "pid") c.pid = clamp_int(v, -1, 99999);  // attach: no such task -> -ESRCH
        if (key == "cputime") c.cputime = static_cast<unsigned long>(clamp_int(v, 0, 1000000));
        if (key == "uid") c.uid = clamp_int(v, 0, 65535);
        if (key == "euid") c.euid = clamp_int(v, 0, 65535);
        if (key == "suid") c.suid = clamp_int(v, 0, 65535);
        if (key == "value") c.number = static_cast<long>(std::clamp(v, -2147483648LL, 2147483647LL));
    }
    if (!op.flow.ints.count("euid") && op.flow.ints.count("uid") && op.euid == op.uid) c.euid = c.uid;
    if (!op.flow.ints.count("suid") && op.flow.ints.count("uid") && op.suid == op.uid) c.suid = c.uid;
    // A repeated fork makes pid, pid+1, ... (named T<pid> unless the file names them).
    if ((op.op == "fork" || op.op == "clone") && index > 0) {
        c.pid = op.pid + static_cast<int>(index);
        if (op.name == fmt::format("T{}", op.pid)) c.name = fmt::format("T{}", c.pid);
    }
    // "handle": the fd the open bound (its result; -errno if it failed: -EBADF then).
    if (!op.handle.empty()) {
        auto it = env.find(op.handle);
        c.fd = it == env.end() ? -1 : static_cast<int>(std::clamp(it->second.ret, -1LL, 1000000LL));
    }
    // "via": the pointer value an earlier op read ("" is NULL).
    if (!op.via.empty()) {
        auto it = env.find(op.via);
        c.object = it == env.end() ? std::string() : it->second.text;
    }
    if (auto v = op.flow.texts.find("value"); v != op.flow.texts.end()) c.value = v->second.eval(env);
    if (auto p = op.flow.texts.find("path"); p != op.flow.texts.end()) {
        std::string path = p->second.eval(env);
        if (path.size() > 4096) {
            err = -ENAMETOOLONG;
            return false;
        }
        if (path.empty() || path[0] != '/') {
            err = -ENOENT;
            return false;
        }
        c.path = normalize_path(path);
    }
    return true;
}

}  // namespace

bool run_op(const Op& op, expr::Env& env, const OpCall& call, const OpRecord& record) {
    if (op.flow.cond && op.flow.cond->eval(env).i == 0) return true;
    std::vector<long long> each;
    long times = 1;
    if (op.flow.repeat) times = static_cast<long>(std::clamp(op.flow.repeat->eval(env).i, 0LL, expr::kMaxIterations));
    if (op.flow.for_each) {
        each = op.flow.for_each->eval(env).list;
        if (static_cast<long long>(each.size()) > expr::kMaxIterations) each.resize(expr::kMaxIterations);
        times = static_cast<long>(each.size());
    }
    for (long i = 0; i < times; ++i) {
        if (op.flow.for_each) {
            env["each"] = {each[static_cast<std::size_t>(i)], {}};
            env["index"] = {i, {}};
        }
        int ret = 0;
        std::string text;
        if (op.flow.empty() && op.via.empty() && op.handle.empty()) {  // as written
            ret = call(op, text);
            record(op, ret, text);
        } else {
            Op c;
            if (concrete(op, env, i, c, ret)) ret = call(c, text);
            record(c, ret, text);
        }
        if (!op.flow.bind.empty()) env[op.flow.bind] = {ret, text};
        if (op.op == "exit") return false;
    }
    return true;
}

}  // namespace app
