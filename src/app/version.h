// contsim's version: the project version and the `git describe` of the tree it
// was built from ("0.11.0 (git ca8a942-dirty)"). Shown by --version and stored
// in every explore report, so `merge` and `--resume` refuse another binary's reports.
#pragma once

namespace app {
const char* version();
}  // namespace app
