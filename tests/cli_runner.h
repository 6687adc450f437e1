// Runs the contsim binary from the source directory (scenario paths in
// arguments are relative to it) and captures its exit status and output.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace test_cli {

struct Cli {
    int status = -1;
    std::string out, err;
};

inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// stderr without the note ASan prints once per process when a fiber switches
// stacks under it (google/sanitizers#189): `make sanitize` runs the same
// tests, and a test that wants "nothing on stderr" means nothing from contsim.
inline std::string without_sanitizer_notes(const std::string& err) {
    std::string out, line;
    std::istringstream in(err);
    while (std::getline(in, line)) {
        const bool note = (line.rfind("==", 0) == 0 && line.find("WARNING: ASan is ignoring requested "
                                                                 "__asan_handle_no_return") != std::string::npos) ||
                          line == "False positive error reports may follow" ||
                          line == "For details see https://github.com/google/sanitizers/issues/189";
        if (!note) out += line + (in.eof() ? "" : "\n");
    }
    return out;
}

inline Cli contsim(const std::string& args) {
    static int n = 0;
    namespace fs = std::filesystem;
    fs::path dir = fs::path(CONTSIM_BINARY).parent_path() / "test-cli-runs";
    fs::create_directories(dir);
    std::string stem = "run-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
    fs::path out = dir / (stem + ".out"), err = dir / (stem + ".err");
    std::string cmd = std::string("cd '") + CONTSIM_SOURCE_DIR + "' && '" + CONTSIM_BINARY + "' " + args + " >'" +
                      out.string() + "' 2>'" + err.string() + "' </dev/null";
    int st = std::system(cmd.c_str());
    Cli r;
    r.status = st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    fs::remove(out);
    fs::remove(err);
    return r;
}

}  // namespace test_cli
