#!/usr/bin/env bash
# Installs the Debian 12 packages contsim needs to build, test and benchmark.
# Checks with dpkg-query first so that a fully provisioned machine (CI, a dev
# box) never touches the network or needs root: `make build` runs this every time.
set -euo pipefail

pkgs=(cmake g++ make libboost-fiber-dev libboost-context-dev catch2 libfmt-dev
      nlohmann-json3-dev libcli11-dev libbenchmark-dev python3 python3-jsonschema help2man
      pkg-config libcpp-httplib-dev graphviz chromium chromium-driver python3-selenium)

missing=()
for p in "${pkgs[@]}"; do
    # "deinstall ok config-files" also exists, so match the full installed status.
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ $status == "install ok installed" ]] || missing+=("$p")
done

((${#missing[@]} == 0)) && exit 0  # the common case: say nothing

sudo=()
if ((EUID != 0)); then
    if command -v sudo >/dev/null 2>&1; then
        sudo=(sudo)
    else
        echo "install-deps: missing ${missing[*]}; run as root (no sudo found)" >&2
        exit 1
    fi
fi

"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
echo "install-deps: installed ${missing[*]}"
