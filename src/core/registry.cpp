// The kernels a scenario can name.
#include "core/kernel.h"
#include "core/v7_1/container.h"

namespace core {

std::vector<std::string> kernel_names() { return {"containers-v7-1"}; }

std::unique_ptr<Kernel> make_kernel(const std::string& name, std::set<Fix> fixes) {
    if (name == "containers-v7-1") return std::make_unique<v7_1::Kernel171>(std::move(fixes));
    return nullptr;
}

}  // namespace core
