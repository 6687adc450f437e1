// The run, written for people (the list's CPU0 | CPU1 table) or for programs
// (a stable JSON document, docs/output-format.md).
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "app/runner.h"

namespace app {

// How the text report is laid out. The defaults are the stable layout pipes,
// docs and tests see (58-column CPU columns, every step, no colour).
struct TextStyle {
    std::size_t width = 0;  // total columns to fit (0: the natural layout)
    bool focus = false;     // fold steps that do not matter, mark races, show waits
    bool colour = false;    // ANSI colour (a terminal without NO_COLOR)
};

std::string report_text(const RunResult& r, const TextStyle& style = {});
nlohmann::json report_json(const RunResult& r);
// The run as a Trace Event Format document (Perfetto, chrome://tracing):
// report_chrome_trace.cpp.
nlohmann::json report_chrome_trace(const RunResult& r);
// The objects after step `at` of a run stopped there (RunOptions::stop_after),
// as a Graphviz digraph: report_dot.cpp.
std::string report_dot(const RunResult& r, std::uint32_t at);

// Op results as every output and scenario writes them: an error name ("-EBUSY"), else the integer.
nlohmann::json returns_json(const std::vector<int>& v);

// An op as the timeline's header writes it ("echo 100 > /dev/container/CS2/tasks").
std::string op_text(const Op& op);

// "CS2->count 0→1", "[T1->container = CS1]", or "" for steps that change nothing.
std::string event_note(const sim::Event& e);

}  // namespace app
