#!/usr/bin/env bash
# The man pages and the bash completion, as make generates and installs
# them (build/dist/, tools/bash-completion/floodgate):
#   - each page is clean for mandoc -T lint, lexgrog and man -l --warnings;
#   - they cannot drift from the code: every command of `floodgate help` is
#     in floodgate(8) (its usage line verbatim in SYNOPSIS, the verb a tag in
#     COMMANDS) and offered by the completion; every option and environment
#     variable of `floodgated --help` is in floodgated(8); every key the
#     config parser knows (user/lib/config.c) is a tag in floodgate.yaml(5);
#   - the completion's static answers (subcommands, option values).
# No network, no root needed. The completion's answers that come from a
# running daemon are tested in tests/e2e/test_install.sh.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

fg_require_cmds mandoc lexgrog man col
fg_require_bins floodgate floodgated
DIST=$FG_BUILD/dist
PAGES=(floodgate.8 floodgated.8 floodgate.yaml.5)
COMPLETION=$FG_ROOT/tools/bash-completion/floodgate
for p in "${PAGES[@]}"; do
	[ -f "$DIST/$p" ] || tap_bail "not built: $DIST/$p (run make)"
done
tap_plan 21

# render PAGE: the page as man shows it, plain text, no line wrapping of
# .nf blocks at this width.
render() { LC_ALL=C MANWIDTH=200 man -l "$DIST/$1" 2>/dev/null | col -b; }
# section TEXT NAME: the lines of section NAME (to the next heading).
section() { awk -v s="$2" '/^[A-Z]/ { on = ($0 == s) ; next } on' <<<"$1"; }
# tags TEXT: the tags of .TP paragraphs, first word (indented 7, then text).
tags_all() { sed -n 's/^       \([^ ].*\)$/\1/p' <<<"$1"; }
tags() { tags_all "$1" | awk '{ print $1 }' | tr -d ','; }

# --- lint ---------------------------------------------------------------------
for p in "${PAGES[@]}"; do
	out=$(mandoc -T lint "$DIST/$p" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
		ok "$p: mandoc -T lint is quiet"
	else
		not_ok "$p: mandoc -T lint is quiet" "exit $rc" "$out"
	fi
	name=${p%.*}
	out=$(lexgrog "$DIST/$p" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] && [[ $out == *": \"$name - "* ]]; then
		ok "$p: lexgrog reads its NAME ($out)"
	else
		not_ok "$p: lexgrog reads its NAME" "exit $rc" "$out"
	fi
	out=$(LC_ALL=C MANWIDTH=80 man --warnings -l "$DIST/$p" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
		ok "$p: man -l renders it without warnings"
	else
		not_ok "$p: man -l renders it without warnings" "exit $rc" "$out"
	fi
done

# --- floodgate(8) and the completion against `floodgate help` -----------------
mapfile -t usages < <("$FG_CLI" help | sed -n 's/^  floodgate //p')
verbs=()
for u in "${usages[@]}"; do verbs+=("${u%% *}"); done
[ ${#verbs[@]} -ge 10 ] || tap_bail "floodgate help listed ${#verbs[@]} commands: ${verbs[*]}"
page=$(render floodgate.8)
synopsis=$(section "$page" SYNOPSIS)
missing=()
for u in "${usages[@]}"; do
	grep -qxF "       floodgate $u" <<<"$synopsis" || missing+=("floodgate $u")
done
if [ ${#missing[@]} -eq 0 ]; then
	ok "floodgate(8) SYNOPSIS has the usage line of each of the ${#usages[@]} commands verbatim"
else
	not_ok "floodgate(8) SYNOPSIS has every usage line of floodgate help" "missing:" "${missing[@]}"
fi
commands=$(tags "$(section "$page" COMMANDS)")
missing=()
for v in "${verbs[@]}"; do
	grep -qxF "$v" <<<"$commands" || missing+=("$v")
done
if [ ${#missing[@]} -eq 0 ]; then
	ok "floodgate(8) COMMANDS describes each of the ${#verbs[@]} commands (${verbs[*]})"
else
	not_ok "floodgate(8) COMMANDS describes every command" "missing: ${missing[*]}" "tags: ${commands//$'\n'/ }"
fi

# complete LINE: what the completion offers with the cursor at the end of
# LINE, sorted, one a line (a fresh bash: nothing leaks between calls).
complete_line() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	bash -c '. "$1"; COMP_LINE=$2 COMP_POINT=${#2}; _floodgate "$3"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$COMPLETION" "$1" "$FG_CLI" | sort
}
offered=$(complete_line "floodgate ")
missing=()
for v in "${verbs[@]}"; do
	grep -qxF "$v" <<<"$offered" || missing+=("$v")
done
if [ ${#missing[@]} -eq 0 ]; then
	ok "the completion offers each of the ${#verbs[@]} commands after 'floodgate '"
else
	not_ok "the completion offers every command" "missing: ${missing[*]}" "offered: ${offered//$'\n'/ }"
fi

# expect_completion LINE EXPECTED...: exactly these, in any order.
expect_completion() {
	local line=$1 got want
	shift
	got=$(complete_line "$line" | tr '\n' ' ')
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	check_str "completion of '$line': $*" "$got" "$want"
}
expect_completion "floodgate --json mode " enforce dry-run
expect_completion "floodgate deny " add del list
expect_completion "floodgate --pin-dir /tmp top --by " drops packets
expect_completion "floodgate mode dry-run " --for --rule
expect_completion "floodgate mode enforce " --rule
expect_completion "floodgate explain 192.0.2.1 --proto " tcp udp icmp

# --- floodgated(8) against `floodgated --help` -------------------------------
page=$(render floodgated.8)
help=$("$FG_DAEMON" --help)
mapfile -t opts < <(grep -oE '(^|[ [,])--?[a-zA-Z][a-z-]*' <<<"$help" | tr -d ' [,' | sort -u)
mapfile -t envs < <(grep -oE 'FLOODGATE_[A-Z_]+' <<<"$help" | sort -u)
[ ${#opts[@]} -ge 8 ] || tap_bail "floodgated --help listed ${#opts[@]} options: ${opts[*]}"
# Every option a tag names ("-c, --config FILE": -c and --config).
options=$(tags_all "$(section "$page" OPTIONS)" | grep -oE -- '--?[a-zA-Z][a-z-]*')
environment=$(tags "$(section "$page" ENVIRONMENT)")
missing=()
for o in "${opts[@]}"; do
	grep -qxF -- "$o" <<<"$options" || missing+=("$o")
done
for e in "${envs[@]}"; do
	grep -qxF -- "$e" <<<"$environment" || missing+=("$e")
done
if [ ${#missing[@]} -eq 0 ]; then
	ok "floodgated(8) has each of the ${#opts[@]} options and ${#envs[@]} variables of floodgated --help"
else
	not_ok "floodgated(8) has every option and variable of floodgated --help" "missing: ${missing[*]}"
fi

# --- floodgate.yaml(5) against the parser's key tables -----------------------
# Every `static const char *const NAME_keys[] = { ... NULL }` of config.c,
# DIM_KEY_NAMES expanded: NAME then its keys, one table a line.
tables=$(python3 - "$FG_ROOT/user/lib/config.c" <<'PY'
import re, sys
src = open(sys.argv[1]).read()
dims = re.search(r"#define DIM_KEY_NAMES((?:[^\n]*\\\n)*[^\n]*)", src).group(1)
dims = re.findall(r'"([^"]+)"', dims)
for name, body in re.findall(r"static const char \*const (\w+)_keys\[\] = \{(.*?)\};", src, re.S):
    keys = []
    for tok in re.findall(r'"[^"]*"|DIM_KEY_NAMES', body):
        keys += dims if tok == "DIM_KEY_NAMES" else [tok.strip('"')]
    print(name, *keys)
PY
)
page_tags=$(tags "$(render floodgate.yaml.5)")
root=$(sed -n 's/^root //p' <<<"$tables")
ntables=$(grep -c . <<<"$tables")
nkeys=$(awk '{ n += NF - 1 } END { print n + 0 }' <<<"$tables")
missing=()
for k in $root; do
	grep -qxF -- "$k" <<<"$page_tags" || missing+=("$k")
done
if [ -n "$root" ] && [ ${#missing[@]} -eq 0 ]; then
	ok "floodgate.yaml(5) has each of the $(wc -w <<<"$root") top-level keys ($root)"
else
	not_ok "floodgate.yaml(5) has every top-level key" "missing: ${missing[*]}" "root keys: $root"
fi
missing=()
while read -r t keys; do
	for k in $keys; do
		grep -qxF -- "$k" <<<"$page_tags" || missing+=("$t.$k")
	done
done <<<"$tables"
if [ "$ntables" -ge 5 ] && [ ${#missing[@]} -eq 0 ]; then
	ok "floodgate.yaml(5) has every key of the parser's $ntables key tables ($nkeys keys)"
else
	not_ok "floodgate.yaml(5) has every key of the parser's key tables" \
		"$ntables tables" "missing: ${missing[*]}"
fi
