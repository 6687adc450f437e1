#include "app/fuzz_one.h"

#include <string>

#include "app/digest.h"
#include "app/json_input.h"
#include "app/report.h"
#include "app/runner.h"
#include "app/scenario.h"

namespace app {

int fuzz_one(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        if (text.size() > kMaxInputBytes) return 2;  // read_input_file() refuses these
        const Scenario sc = parse_scenario_text(text, "fuzz.json");
        RunOptions opt;
        opt.max_steps = kFuzzMaxSteps;
        {
            RunResult r = run_scenario(sc, opt);
            (void)report_text(r);
            (void)report_json(r).dump(2);
        }
        // A different interleaving per input, the same under every compiler (FNV, not std::hash).
        opt.seed = fnv1a64(text);
        RunResult r = run_scenario(sc, opt);
        (void)report_text(r);
        (void)report_json(r).dump(2);
        return 0;
    } catch (const InputError&) {
        return 2;
    }
}

}  // namespace app
