#!/usr/bin/env bash
# The daemon/CLI cycle of memcheck_cycle.sh under valgrind memcheck.
exec "$(dirname "$0")/memcheck_cycle.sh" valgrind
