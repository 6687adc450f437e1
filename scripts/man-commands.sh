#!/usr/bin/env bash
# The man page's COMMANDS section (help2man --include): each subcommand's
# --help, so `man contsim` documents every option, not just the command list.
#   scripts/man-commands.sh CONTSIM > commands.h2m
set -euo pipefail
contsim=$1
echo "[COMMANDS]"
for cmd in run explore merge test check labels completion; do
    echo ".SS $cmd"
    echo ".nf"
    "$contsim" help "$cmd" | sed 's/\\/\\e/g; s/^\./\\\&./'
    echo ".fi"
done
