#include "app/report.h"

namespace app {

std::string report_dot(const RunResult&, std::uint32_t) { return "digraph contsim {}\n"; }

}  // namespace app
