// Lockdep in miniature: locks belong to classes (by name, as the kernel's
// static lock keys), every acquisition adds held-class -> new-class edges, and
// a new edge that closes a cycle is a possible deadlock even if none happened.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sim {

struct Label;

struct LockEdge {
    bool present = false;
    std::uint32_t step = 0;   // where the edge was first seen
    int cpu = -1;
    const Label* label = nullptr;
    unsigned run = 0;         // Machine::run_serial() of that step
};

class Lockdep {
public:
    int class_of(const char* name);
    const std::string& class_name(int cls) const { return names_[cls]; }
    // Records from -> to. Returns true when the edge is new and closes a cycle;
    // `cycle` then holds the classes to -> ... -> from.
    bool add_edge(int from, int to, std::uint32_t step, int cpu, const Label* label,
                  std::vector<int>& cycle, unsigned run = 0);
    const LockEdge& edge(int from, int to) const { return edges_[from][to]; }

private:
    bool path(int from, int to, std::vector<int>& out, std::vector<char>& seen) const;
    std::map<std::string, int> ids_;
    std::vector<std::string> names_;
    std::vector<std::vector<LockEdge>> edges_;
};

}  // namespace sim
