// struct file, reduced to what the beancounters patch (6/7) adds: the
// beancounter a file was charged to. get_empty_filp() allocates it and calls
// bc_file_charge(); file_free() calls bc_file_uncharge() before freeing it.
#pragma once
#include <string>

#include "core/v7/container.h"

namespace core::v7 {

struct file : sim::Object {
    explicit file(const std::string& name) : sim::Object("file"), f_bc(this, "f_bc", nullptr) { set_name(name); }
    // struct beancounter *f_bc: its css is the beancounter's first member,
    // so the model stores the css pointer (container_of recovers the bc).
    sim::Shared<container_subsys_state*> f_bc;
    // Model bookkeeping: the pid whose files_struct holds the file (the
    // opener); its do_exit() closes it (close_files()).
    int owner_pid = 0;
};

}  // namespace core::v7
