// The play page's static files, built into the binary from web/play
// (cmake/embed-assets.cmake).
#pragma once
#include <cstddef>
#include <vector>

namespace app {

struct PlayAsset {
    const char* path;  // "/play.js"
    const char* data;
    std::size_t size;
    const char* mime;
};

const std::vector<PlayAsset>& play_assets();

}  // namespace app
