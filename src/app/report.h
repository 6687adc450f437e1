// The run, written for people (the list's CPU0 | CPU1 table) or for programs
// (a stable JSON document, docs/output-format.md).
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "app/runner.h"

namespace app {

std::string report_text(const RunResult& r);
nlohmann::json report_json(const RunResult& r);
// Op results as every output and scenario writes them: an error name ("-EBUSY"), else the integer.
nlohmann::json returns_json(const std::vector<int>& v);

// "CS2->count 0→1", "[T1->container = CS1]", or "" for steps that change nothing.
std::string event_note(const sim::Event& e);

}  // namespace app
