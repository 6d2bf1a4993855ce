#!/usr/bin/env bash
# The daemon/CLI cycle of memcheck_cycle.sh under ASan+UBSan (build/san/).
exec "$(dirname "$0")/memcheck_cycle.sh" asan
