#include "core/task.h"

namespace core {

task_struct::task_struct(int pid_nr, const std::string& comm_name)
    : sim::Object("task_struct"),
      pid(pid_nr),
      comm(comm_name),
      flags(this, "flags", 0),
      alloc_lock(this, "alloc_lock", "&p->alloc_lock"),
      usage(this, "usage", true, 0),
      cpuset(this, "cpuset", nullptr),
      container(this, "container", nullptr),
      containers(this, "containers", nullptr),
      mm(this, "mm", nullptr),
      files(this, "files", true),
      fs(this, "fs", true),
      mems_allowed(this, "mems_allowed", 0x1),  // node_online_map: one node
      cpuset_mems_generation(this, "cpuset_mems_generation", 0) {
    set_name(comm_name);
}

}  // namespace core
