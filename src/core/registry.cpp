// The kernels a scenario can name.
#include "core/cpuset_2620/cpuset.h"
#include "core/kernel.h"
#include "core/lab/lab.h"
#include "core/v7/container.h"
#include "core/v7_1/container.h"

namespace core {

std::vector<std::string> kernel_names() { return {"containers-v7-1", "cpuset-2.6.20", "containers-v7", "lab"}; }

std::unique_ptr<Kernel> make_kernel(const std::string& name, std::set<Fix> fixes) {
    if (name == "containers-v7-1") return std::make_unique<v7_1::Kernel171>(std::move(fixes));
    if (name == "cpuset-2.6.20") return std::make_unique<cpuset_2620::KernelCpuset2620>(std::move(fixes));
    if (name == "containers-v7") return std::make_unique<v7::KernelV7>(std::move(fixes));
    if (name == "lab") return std::make_unique<lab::LabKernel>(std::move(fixes));
    return nullptr;
}

}  // namespace core
