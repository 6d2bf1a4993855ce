#!/usr/bin/env bash
# make reproducible as a suite of make test: two builds in two
# directories, every output compared by sha256 (tools/reproducible.sh).
exec "$(dirname "$0")/../../tools/reproducible.sh" --tree
