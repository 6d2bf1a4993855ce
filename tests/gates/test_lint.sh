#!/usr/bin/env bash
# `make lint` as a suite of `make test`: clang-format, clang-tidy,
# cppcheck and shellcheck, one TAP line each (tools/lint.sh). Through make
# so that it also proves lint builds what it needs on a fresh tree.
cd "$(dirname "$0")/../.." || exit 2
# Called from `make test` (through tests/run.sh): the outer make's
# jobserver is not passed down to here, so start a make of our own.
unset MAKEFLAGS MFLAGS MAKELEVEL
exec make --no-print-directory -j"$(nproc)" lint
