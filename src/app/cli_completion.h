// Shell completion scripts generated from the CLI11 definition (`contsim
// completion bash|zsh`), so a command or option added to the parser is
// completed without a hand-written script drifting behind it.
#pragma once
#include <string>

#include <CLI/CLI.hpp>

namespace app {

// The completion script for `shell` ("bash" or "zsh"; anything else throws
// InputError): root's subcommands, each one's long options and,
// where it takes positional arguments, file names. Definition order, so the
// same binary always prints the same script. CLI11 2.1.2 does not expose an
// IsMember check's values, so option values complete as file names.
std::string completion_script(const CLI::App& root, const std::string& shell);

}  // namespace app
