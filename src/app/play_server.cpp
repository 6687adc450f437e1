#include "app/play_server.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <iostream>
#include <memory>
#include <mutex>

#include <fmt/format.h>
#include <httplib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/cli_test.h"
#include "app/play.h"
#include "app/play_assets.h"
#include "app/report.h"

namespace app {

namespace {

using nlohmann::json;

constexpr std::size_t kWorkers = 8;  // more than a browser's connections to one host (6)

// `dot -Tsvg` on a DOT text (Graphviz): the SVG, or "" when dot is missing
// or fails. The page then shows the DOT text itself.
std::string render_svg(const std::string& dot) {
    int in[2], out[2];
    if (::pipe(in) != 0) return "";
    if (::pipe(out) != 0) {
        ::close(in[0]);
        ::close(in[1]);
        return "";
    }
    pid_t pid = ::fork();
    if (pid < 0) {
        for (int fd : {in[0], in[1], out[0], out[1]}) ::close(fd);
        return "";
    }
    if (pid == 0) {
        ::dup2(in[0], STDIN_FILENO);
        ::dup2(out[1], STDOUT_FILENO);
        for (int fd : {in[0], in[1], out[0], out[1]}) ::close(fd);
        ::execlp("dot", "dot", "-Tsvg", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    // A writer thread would be needed for inputs past the pipe's buffer;
    // object graphs are a few kilobytes, so write all, then read.
    std::size_t done = 0;
    while (done < dot.size()) {
        ssize_t n = ::write(in[1], dot.data() + done, dot.size() - done);
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
    }
    ::close(in[1]);
    std::string svg;
    char buf[8192];
    for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) svg.append(buf, static_cast<std::size_t>(n));
    ::close(out[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? svg : "";
}

void send_json(httplib::Response& res, const json& j, int status = 200) {
    res.status = status;
    res.set_content(j.dump(), "application/json; charset=utf-8");
}

}  // namespace

int cmd_play(const PlayArgs& a) {
    const std::vector<std::string> files = collect_scenarios(a.paths);
    if (a.check) {
        std::vector<std::string> report;
        bool ok = check_levels(files, report);
        for (const auto& l : report) std::cout << l << "\n";
        std::cout << fmt::format("{} level{}: {}\n", files.size(), files.size() == 1 ? "" : "s",
                                 ok ? "every solution wins within par" : "FAILED");
        return ok ? 0 : 1;
    }
    // Levels first (a file's "play" block), then the rest in path order.
    std::vector<std::unique_ptr<Scenario>> levels;
    for (const auto& f : files) levels.push_back(std::make_unique<Scenario>(load_scenario(f)));
    std::stable_partition(levels.begin(), levels.end(), [](const auto& s) { return s->play.has_value(); });
    if (levels.empty()) throw InputError("play: no scenario files found");

    httplib::Server svr;
    // A worker serves one connection until it closes: an idle one (Chromium
    // preconnects sockets it may never use) would hold a lone worker for the
    // read timeout, 5 s, stalling every other request. So several workers,
    // no keep-alive, and the model replayed one request at a time (`model`).
    svr.new_task_queue = [] { return new httplib::ThreadPool(kWorkers); };
    svr.set_keep_alive_max_count(1);
    std::mutex model;
    for (const PlayAsset& as : play_assets()) {
        std::string path = as.path;
        std::string dir = a.web_dir;
        svr.Get(path == "/index.html" ? "/" : path, [as, dir](const httplib::Request&, httplib::Response& res) {
            if (dir.empty()) return res.set_content(std::string(as.data, as.size), as.mime);
            std::ifstream in(dir + as.path, std::ios::binary);  // --web-dir: the page as edited, unbuilt
            std::stringstream text;
            text << in.rdbuf();
            res.set_content(text.str(), as.mime);
        });
    }
    auto level_of = [&levels](const httplib::Request& req) -> const Scenario& {
        std::size_t id = 0;
        if (req.has_param("level")) {
            const std::string v = req.get_param_value("level");
            if (v.empty() || v.size() > 6 || v.find_first_not_of("0123456789") != std::string::npos)
                throw InputError("level: expected a level number");
            id = std::stoul(v);
        }
        if (id >= levels.size()) throw InputError(fmt::format("level: {} is past the last level ({})", id, levels.size() - 1));
        return *levels[id];
    };
    auto guarded = [&model](auto fn) {
        return [fn, &model](const httplib::Request& req, httplib::Response& res) {
            try {
                std::lock_guard<std::mutex> one_at_a_time(model);
                fn(req, res);
            } catch (const InputError& e) {
                send_json(res, {{"error", e.what()}}, 400);
            } catch (const std::exception& e) {
                send_json(res, {{"error", std::string("internal error (a bug in contsim): ") + e.what()}}, 500);
            }
        };
    };
    svr.Get("/api/levels", guarded([&](const httplib::Request&, httplib::Response& res) {
                json list = json::array();
                for (std::size_t i = 0; i < levels.size(); ++i) {
                    const Scenario& s = *levels[i];
                    list.push_back({{"level", i},
                                    {"name", s.name},
                                    {"title", s.title},
                                    {"goal", s.play ? json(s.play->goal) : json(nullptr)},
                                    {"par", s.play ? json(s.play->par) : json(nullptr)}});
                }
                send_json(res, list);
            }));
    svr.Get("/api/level", guarded([&](const httplib::Request& req, httplib::Response& res) {
                send_json(res, play_level(level_of(req)));
            }));
    svr.Get("/api/state", guarded([&](const httplib::Request& req, httplib::Response& res) {
                send_json(res, play_state(level_of(req), req.get_param_value("schedule")));
            }));
    svr.Get("/api/graph", guarded([&](const httplib::Request& req, httplib::Response& res) {
                RunResult r = replay_prefix(level_of(req), req.get_param_value("schedule"));
                std::string dot = report_dot(r, r.steps);
                send_json(res, {{"dot", dot}, {"svg", render_svg(dot)}});
            }));

    int port = a.port;
    if (port == 0) {
        port = svr.bind_to_any_port(a.host);
        if (port < 0) throw InputError(fmt::format("play: cannot listen on {}", a.host));
    } else if (!svr.bind_to_port(a.host, port)) {
        throw InputError(fmt::format("play: cannot listen on {}:{} (in use? --port 0 picks a free one)", a.host, port));
    }
    std::cout << fmt::format("contsim play: http://{}:{}/  ({} level{}; Ctrl-C stops)", a.host, port, levels.size(),
                             levels.size() == 1 ? "" : "s")
              << std::endl;
    if (a.host != "127.0.0.1" && a.host != "localhost" && a.host != "::1")
        std::cerr << "contsim: warning: --host " << a.host << " serves the page beyond this machine\n";
    svr.listen_after_bind();
    return 0;
}

}  // namespace app
