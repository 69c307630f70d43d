# lib.sh: helpers for the guest's tests and demo (busybox ash, sourced).
# shellcheck shell=dash
#
# A bundle is $WORK/NAME: config.json from `runc spec`, edited with jq, and
# out/ bind-mounted at /out in the container, so the host side of the test
# sees what the container wrote. Every bundle shares one read-only busybox
# root filesystem.

AAFS=/sys/kernel/security/apparmor
HOOK=/usr/libexec/aa-oci/aa-oci-hook
ROOTFS=/containers/rootfs
WORK=/tmp/vm
mkdir -p "$WORK"

# check DESCRIPTION COMMAND...: run COMMAND, report it, count a failure.
check() {
	local desc=$1
	shift
	if "$@"; then
		echo "  ok: $desc"
	else
		echo "  FAIL: $desc"
		FAILS=$((FAILS + 1))
		return 1
	fi
}

# holds EXPR: the shell expression EXPR is true; for a check of more than
# one test (`check D [ a ] && [ b ]` would check only the first).
holds() { eval "$1"; }

# has TEXT NEEDLE: TEXT contains NEEDLE (a plain string).
has() {
	case $1 in
	*"$2"*) return 0 ;;
	esac
	return 1
}

# profile_mode NAME: print the mode the kernel lists NAME in ("enforce",
# "complain"), nothing when it is not loaded.
profile_mode() {
	local name mode
	while read -r name mode; do
		if [ "$name" = "$1" ]; then
			mode=${mode#(}
			echo "${mode%)}"
			return 0
		fi
	done <"$AAFS/profiles"
}

loaded() { [ -n "$(profile_mode "$1")" ]; }
not_loaded() { ! loaded "$1"; }
mode_is() { [ "$(profile_mode "$1")" = "$2" ]; }

# unload NAME: remove NAME from the kernel if it is loaded.
unload() {
	loaded "$1" || return 0
	printf '%s' "$1" >"$AAFS/.remove"
}

# kmark TAG: write a mark into the kernel log; klog TAG prints the log since.
kmark() { echo "aa-oci-vm mark $1" >/dev/kmsg; }
klog() { dmesg | sed -n "/aa-oci-vm mark $1\$/,\$p"; }

# kgrep TAG STRING...: print the kernel log lines since TAG holding every
# STRING; fails when there is none.
kgrep() {
	local tag=$1 lines
	shift
	lines=$(klog "$tag")
	for s in "$@"; do
		lines=$(printf '%s\n' "$lines" | grep -F -- "$s")
	done
	[ -n "$lines" ] && printf '%s\n' "$lines" | sed 's/^/    kernel: /'
}

no_kgrep() { ! kgrep "$@"; }

# kwait TAG STRING...: like kgrep, waiting up to 3 s for the line (audit
# records reach the log through kauditd, a little after the event).
kwait() {
	local i=0
	while [ $i -lt 30 ]; do
		kgrep "$@" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# cfg NAME JQ-ARGS...: rewrite NAME's config.json with jq.
cfg() {
	local c=$WORK/$1/config.json
	shift
	jq "$@" "$c" >"$c.new" && mv "$c.new" "$c"
}

# mkbundle NAME SCRIPT: a fresh bundle whose process runs `sh -c SCRIPT`.
mkbundle() {
	local b=$WORK/$1
	rm -rf "$b"
	mkdir -p "$b/out"
	(cd "$b" && runc spec) || return 1
	cfg "$1" --arg cmd "$2" --arg out "$b/out" --arg rootfs "$ROOTFS" '
		.process.terminal = false
		| .process.args = ["/bin/sh", "-c", $cmd]
		| .root = {path: $rootfs, readonly: true}
		| .mounts += [{destination: "/out", type: "bind", source: $out,
			options: ["rbind", "rw"]}]'
}

with_profile() { cfg "$1" --arg p "$2" '.process.apparmorProfile = $p'; }
annotate() { cfg "$1" --arg k "$2" --arg v "$3" '.annotations[$k] = $v'; }
# /proc fully writable, so a refused write is AppArmor's, not a read-only mount
writable_proc() { cfg "$1" 'del(.linux.readonlyPaths, .linux.maskedPaths)'; }
# the hook as runc wires it (createRuntime) and as crun does here (prestart)
hook_runc() {
	cfg "$1" --arg h "$HOOK" \
		'.hooks.createRuntime = [{path: $h, args: ["aa-oci-hook", "createRuntime"]}]'
}
hook_crun() {
	cfg "$1" --arg h "$HOOK" \
		'.hooks.prestart = [{path: $h, args: ["aa-oci-hook", "prestart"]}]'
}

# run_ctr RUNTIME NAME [ID]: run bundle NAME in the foreground (60 s limit).
# Sets OUT (stdout and stderr of runtime and container) and RC, also kept in
# $WORK/NAME/run.out and run.rc; shows both.
run_ctr() {
	local rt=$1 b=$WORK/$2 id=${3:-$2}
	OUT=$(timeout 60 "$rt" run --bundle "$b" "$id" </dev/null 2>&1)
	RC=$?
	"$rt" delete --force "$id" >/dev/null 2>&1
	printf '%s\n' "$OUT" >"$b/run.out"
	echo "$RC" >"$b/run.rc"
	echo "  \$ $rt run --bundle $b $id"
	printf '%s\n' "$OUT" | sed 's/^/  | /'
	echo "  (exit status $RC)"
}

# load_result NAME: OUT and RC of an earlier run_ctr (one run in background).
load_result() {
	OUT=$(cat "$WORK/$1/run.out")
	RC=$(cat "$WORK/$1/run.rc")
}

# The container's report: its label, a marker that it ran, and a write its
# profile (aa-oci-test) does not allow. stderr joins stdout so the shell's
# "can't create ...: Permission denied" is in the output.
# shellcheck disable=SC2034 # used by tests.sh and demo.sh
S_PROBE='exec 2>&1
echo "label=$(cat /proc/self/attr/current)"
echo ran >/out/ran
echo x >/out/denied && echo "write /out/denied: succeeded"
exit 0'

# The same with a write that docker-default and lxc-container-default deny
# with `deny` rules (silent): opening /proc/sysrq-trigger for writing (printf,
# not `:`: a failed redirection of a special builtin ends the shell). Opening
# writes nothing, so the unconfined run changes nothing either.
# shellcheck disable=SC2034
S_SYSRQ='exec 2>&1
echo "label=$(cat /proc/self/attr/current)"
echo ran >/out/ran
printf "" >/proc/sysrq-trigger && echo "sysrq-trigger: opened for writing"
exit 0'

# run_cmd COMMAND...: run COMMAND (60 s limit), stdin from /dev/null. Sets
# OUT (its stdout and stderr) and RC; shows both.
run_cmd() {
	OUT=$(timeout 60 "$@" </dev/null 2>&1)
	RC=$?
	echo "  \$ $*"
	printf '%s\n' "$OUT" | sed 's/^/  | /'
	echo "  (exit status $RC)"
}

# nlines TEXT: the number of lines in TEXT.
nlines() { printf '%s\n' "$1" | wc -l; }

# spec_profile NAME: process.apparmorProfile of bundle NAME ("" when unset).
spec_profile() { jq -r '.process.apparmorProfile // ""' "$WORK/$1/config.json"; }

# wait_for SECONDS COMMAND...: run COMMAND every 0.1 s until it succeeds, at
# most SECONDS; fails when it never did. The limit only bounds a hang: no
# test asserts how fast something happened.
wait_for() {
	local n=$(($1 * 10)) i=0
	shift
	while ! "$@"; do
		i=$((i + 1))
		[ $i -ge $n ] && return 1
		sleep 0.1
	done
}

# has_line FILE LINE: FILE holds LINE, the whole line.
has_line() { grep -Fxq -- "$2" "$1"; }
# has_text FILE TEXT: a line of FILE contains TEXT (a plain string).
has_text() { grep -Fq -- "$2" "$1"; }
