// `contsim play PATH...`: a local web server for the play page. Stateless:
// every request replays its scenario along the token it carries (app/play.h).
#pragma once
#include <string>
#include <vector>

namespace app {

struct PlayArgs {
    std::vector<std::string> paths;  // scenario files or directories of them
    std::string host = "127.0.0.1";
    int port = 8377;                 // 0: any free port (printed)
    bool check = false;              // --check: replay each level's solution, no server
    std::string web_dir;             // --web-dir: serve the page's files from here (developing the page)
};

int cmd_play(const PlayArgs& a);

}  // namespace app
