// A 64-bit FNV-1a checksum as 16 hex digits: what explore reports carry so that
// `merge` and `--resume` notice a report edited by hand, a scenario changed
// between shard runs, or reports of different searches mixed up. It detects
// accidents, not tampering (anyone can recompute it); the witness replay check
// in merge covers invented rows.
#pragma once
#include <cstdint>
#include <string>

namespace app {

std::uint64_t fnv1a64(const std::string& s);
std::string digest_hex(const std::string& s);

}  // namespace app
