#!/usr/bin/env bash
# make install into DESTDIR trees, and the installed service run as
# installed:
#   - PREFIX=/usr and the default PREFIX: exactly the expected files, with
#     their modes; the unit's paths follow PREFIX; the config is in
#     /etc/floodgate, is the example, and a second install keeps an edited
#     one; the installed man pages lint clean and the unit verifies
#     (systemd-analyze, its man: links resolved in the tree);
#   - the installed unit's ExecStartPre and ExecStart command lines, parsed
#     from it with every absolute path taken inside DESTDIR, run under the
#     unit's capability set (setpriv, as lib.sh does) in a test namespace on
#     the installed config (interfaces: set to the test's veth, as an
#     operator would) with a test pin dir (FLOODGATE_PIN_DIR): the check
#     passes, the daemon attaches, pins, counts real packets, serves
#     /metrics; the installed CLI and completion see its rules and lists;
#   - stopping it (SIGTERM, as systemctl stop) leaves the datapath attached
#     and counting (fail-static), and `floodgate detach` removes it;
#   - make uninstall removes everything but the config.
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

fg_require_root
fg_require_cmds make setpriv curl mandoc ping
fg_require_bins floodgated floodgate
tap_plan 29

UNIT_REL=lib/systemd/system/floodgated.service
# expect_tree ROOT "MODE PATH"...: the regular files under ROOT are exactly
# PATHs, each with its MODE.
expect_tree() {
	local root=$1 got want
	shift
	got=$(cd "$root" && find . -type f -printf '%m %P\n' | sort)
	want=$(printf '%s\n' "$@" | sort)
	if [ "$got" = "$want" ]; then
		ok "tree $(basename "$root"): exactly the $# expected files, modes as listed"
	else
		not_ok "tree $(basename "$root"): exactly the expected files and modes" \
			"$(diff <(echo "$want") <(echo "$got") | sed -n 's/^[<>]/&/p')"
	fi
}
# install_into DESTDIR [MAKE_ARGS...]: make install, generated files in the
# test's own directory (build/dist/ is left as it is); output in $out.
install_into() {
	local d=$1
	shift
	out=$(make -s -C "$FG_ROOT" install DESTDIR="$d" DIST="$d.dist" "$@" 2>&1)
}
# files PREFIX UNITDIR: the tree make install makes, "MODE PATH" each.
files() {
	local p=${1#/} u=${2#/}
	printf '%s\n' "755 $p/sbin/floodgated" "755 $p/bin/floodgate" \
		"644 $u/floodgated.service" \
		"644 $p/share/man/man8/floodgate.8" "644 $p/share/man/man8/floodgated.8" \
		"644 $p/share/man/man5/floodgate.yaml.5" \
		"644 $p/share/bash-completion/completions/floodgate" \
		"644 $p/share/floodgate/floodgate-dashboard.json" \
		"644 $p/share/floodgate/floodgate-alerts.yml" \
		"644 $p/share/floodgate/floodgate-alerts.test.yml" \
		"644 $p/share/doc/floodgate/README.md" \
		"644 $p/share/doc/floodgate/floodgate.example.yaml" \
		"644 etc/floodgate/floodgate.yaml"
}
# unit_cmd UNIT KEY: the command line of KEY (ExecStart, ...).
unit_cmd() { sed -n "s/^$2=//p" "$1"; }

# --- PREFIX=/usr ------------------------------------------------------------------
D=$FG_TMP/root-usr
start=$SECONDS
install_into "$D" PREFIX=/usr
check_eq "make install PREFIX=/usr DESTDIR=...: exit 0" $? 0 || diag "$out"
mapfile -t tree < <(files /usr /lib/systemd/system)
expect_tree "$D" "${tree[@]}"
unit=$D/$UNIT_REL
check_str "unit (PREFIX=/usr): ExecStartPre" "$(unit_cmd "$unit" ExecStartPre)" \
	"/usr/sbin/floodgated --check -c /etc/floodgate/floodgate.yaml"
check_str "unit (PREFIX=/usr): ExecStart" "$(unit_cmd "$unit" ExecStart)" \
	"/usr/sbin/floodgated -c /etc/floodgate/floodgate.yaml"
if grep -q '@[A-Z]*@' "$unit" ||
	! grep -qxF "Documentation=file:///usr/share/doc/floodgate/README.md" "$unit"; then
	not_ok "unit (PREFIX=/usr): every path filled in, README at /usr/share/doc" "$(grep -n '@\|Documentation' "$unit")"
else
	ok "unit (PREFIX=/usr): every path filled in, README at /usr/share/doc"
fi
got='' tmpl=''
for k in CapabilityBoundingSet AmbientCapabilities NoNewPrivileges SystemCallFilter; do
	got+="$k=$(grep "^$k=" "$unit" | tr '\n' ' ');"
	tmpl+="$k=$(grep "^$k=" "$FG_UNIT" | tr '\n' ' ');"
done
check_str "unit: capabilities and hardening as in the template" "$got" "$tmpl"
if grep -q 'systemctl stop' "$unit" && grep -q 'floodgate detach' "$unit" &&
	grep -q 'detach_on_exit: true' "$unit"; then
	ok "unit: says systemctl stop leaves filtering (fail-static), and how to remove it"
else
	not_ok "unit: says what stop means and how to remove filtering" "$(head -n 12 "$unit")"
fi
check "the installed config is the example" cmp "$D/etc/floodgate/floodgate.yaml" \
	"$FG_ROOT/user/floodgated/floodgate.example.yaml"
check "the installed binaries are the build's" \
	cmp "$D/usr/sbin/floodgated" "$FG_BUILD/floodgated"
lint=$(mandoc -T lint "$D"/usr/share/man/man*/* 2>&1)
check_str "installed man pages: mandoc -T lint is quiet" "$lint" ""
if command -v systemd-analyze >/dev/null 2>&1; then
	# The unit with its paths inside the tree; man: links looked up there.
	sed -e "s|=/usr/|=$D/usr/|g" -e "s| /etc/| $D/etc/|g" -e "s|file:///usr/|file://$D/usr/|" \
		"$unit" >"$FG_TMP/floodgated.service"
	out=$(MANPATH=$D/usr/share/man timeout 60 systemd-analyze verify "$FG_TMP/floodgated.service" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] && ! grep -q floodgated.service <<<"$out"; then
		ok "systemd-analyze verify: the installed unit is clean, its man pages found"
	else
		not_ok "systemd-analyze verify of the installed unit" "exit $rc" "$out"
	fi
else
	skip "systemd-analyze verify of the installed unit" "systemd-analyze not installed"
fi

# A second install keeps the operator's config.
echo "# edited by the operator" >>"$D/etc/floodgate/floodgate.yaml"
cp "$D/etc/floodgate/floodgate.yaml" "$FG_TMP/edited.yaml"
install_into "$D" PREFIX=/usr
rc=$?
if [ "$rc" -eq 0 ] && cmp -s "$D/etc/floodgate/floodgate.yaml" "$FG_TMP/edited.yaml" &&
	[[ $out == *"kept $D/etc/floodgate/floodgate.yaml"* ]]; then
	ok "a second make install keeps the edited config, and says so"
else
	not_ok "a second make install keeps the edited config" "exit $rc" "$out"
fi

# --- the default PREFIX ----------------------------------------------------------
D2=$FG_TMP/root-local
install_into "$D2"
check_eq "make install DESTDIR=... (default PREFIX): exit 0" $? 0 || diag "$out"
mapfile -t tree < <(files /usr/local /usr/local/lib/systemd/system)
expect_tree "$D2" "${tree[@]}"
check_str "unit (default PREFIX): ExecStart" "$(unit_cmd "$D2/usr/local/$UNIT_REL" ExecStart)" \
	"/usr/local/sbin/floodgated -c /etc/floodgate/floodgate.yaml"
diag "both installs: $((SECONDS - start)) s"

# --- the installed unit's command lines, run as installed ------------------------
lab_setup || tap_bail "lab setup failed"
# What an operator edits after installing: the interfaces.
sed -i "s/^interfaces: .*/interfaces: [$FG_IF_SERVER]/" "$D/etc/floodgate/floodgate.yaml"
# in_tree CMDLINE: the words of CMDLINE, absolute paths taken inside $D.
in_tree() {
	local w
	for w in $1; do
		case $w in
		/*) echo "$D$w" ;;
		*) echo "$w" ;;
		esac
	done
}
mapfile -t pre < <(in_tree "$(unit_cmd "$unit" ExecStartPre)")
mapfile -t run < <(in_tree "$(unit_cmd "$unit" ExecStart)")
fg_unit_use "$unit"
[ -z "$FG_DAEMON_PRIV_MISSING" ] ||
	diag "not in this shell's bounding set, so floodgated runs without: $FG_DAEMON_PRIV_MISSING"
diag "ExecStartPre as run: ${FG_DAEMON_PRIV[*]} ${pre[*]}"
out=$(lab_exec "$FG_NS_SERVER" timeout 30 "${FG_DAEMON_PRIV[@]}" "${pre[@]}" 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && [[ $out == *": ok: 1 interfaces, 3 rules"* ]]; then
	ok "ExecStartPre (--check on the installed config) exits 0: $out"
else
	not_ok "ExecStartPre exits 0" "exit $rc" "$out"
fi
log=$FG_TMP/installed.log
lab_bg "$FG_NS_SERVER" "$log" "${FG_DAEMON_PRIV[@]}" "${run[@]}"
pid=$LAB_BG_PID
if fg_log_wait 'msg="attached"' "$FG_ATTACH_TIMEOUT" 1 "$log"; then
	ok "ExecStart: floodgated attaches to $FG_IF_SERVER"
else
	not_ok "ExecStart: floodgated attaches" "$(tail -n 20 "$log")"
fi
# The capabilities it runs with: the unit's bounding set, by name.
names=$(python3 - "$pid" <<'PY'
import re, sys
caps = {int(n): c.lower() for c, n in re.findall(r"#define (CAP_\w+)\s+(\d+)\b",
        open("/usr/include/linux/capability.h").read())}
st = open("/proc/%s/status" % sys.argv[1]).read()
bnd = int(re.search(r"CapBnd:\s*([0-9a-f]+)", st).group(1), 16)
print(" ".join(sorted(caps.get(i, str(i)) for i in range(64) if bnd >> i & 1)))
PY
)
want=$(for c in $(fg_unit_caps CapabilityBoundingSet); do
	[[ " $FG_DAEMON_PRIV_MISSING " == *" cap_$c "* ]] || echo "cap_$c"
done | sort | tr '\n' ' ')
check_str "the daemon's bounding set is the unit's" "$names " "$want"
if [ -e "$FG_PIN_DIR/prog" ] && [ -e "$FG_PIN_DIR/link_$FG_IF_SERVER" ] && [ -e "$FG_PIN_DIR/fg_ctl" ]; then
	ok "pinned in the test pin dir (prog, link_$FG_IF_SERVER, fg_ctl)"
else
	not_ok "pinned in the test pin dir" "$(ls -la "$FG_PIN_DIR" 2>&1)"
fi
lab_exec "$FG_NS_CLIENT" ping -c 5 -i 0.05 -W 1 -q "$FG_SERVER4" >/dev/null 2>&1
check_ge "the datapath counts real packets (5 pings)" "$(fg_stat '*' '*')" 5
fg_wait_until 10 fg_metrics 127.0.0.1:9470
scrape=$(fg_metrics 127.0.0.1:9470)
attached=$(awk -v i="interface=\"$FG_IF_SERVER\"" '/^floodgate_interface_attached\{/ && index($0, i) { print $2 }' <<<"$scrape")
check_str "/metrics on the config's 127.0.0.1:9470: floodgate_interface_attached{$FG_IF_SERVER} 1" \
	"$attached" 1

# The installed CLI and completion, on the running daemon.
cli=$D/usr/bin/floodgate
lab_exec "$FG_NS_SERVER" "$cli" allow add 198.51.100.7 >/dev/null
# complete LINE: the installed completion's answer, sorted, space-separated.
complete_line() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	FLOODGATE_PIN_DIR=$FG_PIN_DIR bash -c '. "$1"; COMP_LINE=$2 COMP_POINT=${#2}
		_floodgate "$3"; printf "%s\n" "${COMPREPLY[@]}"' _ \
		"$D/usr/share/bash-completion/completions/floodgate" "$1" "$cli" | sort | tr '\n' ' '
}
check_str "completion: unblock --rule offers the config's rules" \
	"$(complete_line "floodgate unblock 192.0.2.2 --rule ")" "dns http ping "
check_str "completion: allow del offers the entries (CLI and config)" \
	"$(complete_line "floodgate allow del ")" "127.0.0.0/8 198.51.100.7/32 ::1/128 "
check_str "completion: an IPv6 entry after ':' offers the part after the last ':'" \
	"$(complete_line "floodgate --pin-dir $FG_PIN_DIR allow del ::")" "1/128 "

# Stop as systemctl does (SIGTERM): the datapath stays (fail-static).
fg_daemon_stop "$pid"
check_eq "SIGTERM: floodgated exits 0" $? 0
before=$(fg_stat '*' '*')
lab_exec "$FG_NS_CLIENT" ping -c 5 -i 0.05 -W 1 -q "$FG_SERVER4" >/dev/null 2>&1
after=$(fg_stat '*' '*')
if grep -q xdp < <(ip -n "$FG_NS_SERVER" link show dev "$FG_IF_SERVER") &&
	[ "$((after - before))" -ge 5 ]; then
	ok "after stop the program is still attached and counting ($((after - before)) packets)"
else
	not_ok "after stop the program is still attached and counting" "$before -> $after" \
		"$(ip -n "$FG_NS_SERVER" link show dev "$FG_IF_SERVER")"
fi
out=$(lab_exec "$FG_NS_SERVER" "$cli" detach 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && [ ! -e "$FG_PIN_DIR" ] &&
	! grep -q xdp < <(ip -n "$FG_NS_SERVER" link show dev "$FG_IF_SERVER"); then
	ok "floodgate detach (installed CLI): detached, pins removed"
else
	not_ok "floodgate detach removes the filtering" "exit $rc" "$out"
fi

# --- uninstall ---------------------------------------------------------------
out=$(make -s -C "$FG_ROOT" uninstall DESTDIR="$D" PREFIX=/usr 2>&1)
check_eq "make uninstall DESTDIR=... PREFIX=/usr: exit 0" $? 0 || diag "$out"
expect_tree "$D" "644 etc/floodgate/floodgate.yaml"
