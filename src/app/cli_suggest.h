// "Did you mean" for the command line: CLI11 says that an argument was not
// expected, not which command or option the user was reaching for. The
// candidates come from the CLI11 definition itself, so a new command or
// option is suggested without being listed anywhere else.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "app/nearest_name.h"  // did_you_mean()

namespace app {


// `contsim: unknown command "WORD"; did you mean "run"?`, or without a close
// command, `...; the commands are: run, labels, ...` (definition order).
std::string unknown_command_message(const CLI::App& root, const std::string& word);

// After root.parse(argc, argv) threw a CLI::ParseError: one line naming the
// unknown command (argv[1]) or the first unknown --option of the subcommand
// with a close match, without a trailing newline; "" when there is nothing
// to suggest.
std::string suggestion_for(const CLI::App& root, int argc, const char* const* argv);

}  // namespace app
