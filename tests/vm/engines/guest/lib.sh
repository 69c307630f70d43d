# lib.sh: helpers for the engines guest's tests (bash, sourced by tests.sh).
# shellcheck shell=bash disable=SC2034,SC2016 # (variables used by tests.sh; container scripts in single quotes)
#
# Every container gets a fresh host directory bind-mounted at /out: the
# container writes its marker there, and the test reads it from outside.

AAFS=/sys/kernel/security/apparmor
WORK=/tmp/w
IMG=aa-oci/busybox # the image name in Docker and Podman
CIMG=docker.io/aa-oci/busybox:latest # in containerd
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

# has TEXT NEEDLE: TEXT contains NEEDLE (a plain string).
has() { [[ $1 == *"$2"* ]]; }
hasnt() { ! has "$@"; }

# profile_mode NAME: the mode the kernel lists NAME in, nothing if not loaded.
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

# unload NAME: remove NAME from the kernel if it is loaded ("behind the
# engine's back": straight through securityfs, as apparmor_parser -R does).
unload() {
	loaded "$1" || return 0
	printf '%s' "$1" >"$AAFS/.remove"
}
# The policy namespace aa-oci-runtime and aa-oci-exec load containers'
# profiles into (profile_namespace, default aa-oci); in_ns NAME: its label
# there.
NS=aa-oci
in_ns() { echo ":$NS:$1"; }

# start_unloaded NAME: precondition of a test that needs NAME not loaded,
# in the root namespace or aa-oci's.
start_unloaded() {
	unload "$1"
	unload "$(in_ns "$1")"
	check "precondition: $1 is not loaded (nor $(in_ns "$1"))" \
		eval "not_loaded '$1' && not_loaded '$(in_ns "$1")'"
}

# kmark TAG: a mark in the kernel log and in syslog; klog TAG, slog TAG print
# each log since its mark.
kmark() {
	echo "aa-oci-vm mark $1" >/dev/kmsg
	logger -t aa-oci-vm "mark $1"
}
klog() { dmesg | sed -n "/aa-oci-vm mark $1\$/,\$p"; }
slog() { sed -n "/aa-oci-vm: mark $1\$/,\$p" /var/log/messages; }

# grep_all TEXT STRING...: the lines of TEXT holding every STRING.
grep_all() {
	local lines=$1
	shift
	for s in "$@"; do
		lines=$(printf '%s\n' "$lines" | grep -F -- "$s")
	done
	[ -n "$lines" ] && printf '%s\n' "$lines"
}

# kwait TAG STRING...: the kernel log lines since TAG holding every STRING,
# waiting up to 3 s (audit records come through kauditd, a little after).
kwait() {
	local tag=$1 i
	shift
	for ((i = 0; i < 30; i++)); do
		grep_all "$(klog "$tag")" "$@" | sed 's/^/    kernel: /' && return 0
		sleep 0.1
	done
	return 1
}
no_kgrep() {
	local tag=$1 lines
	shift
	lines=$(grep_all "$(klog "$tag")" "$@") || return 0
	printf '%s\n' "$lines" | sed 's/^/    kernel (unexpected): /'
	return 1
}
# swait TAG STRING...: the same for syslog (aa-oci's own lines).
swait() {
	local tag=$1 i
	shift
	for ((i = 0; i < 30; i++)); do
		grep_all "$(slog "$tag")" "$@" | sed 's/^/    syslog: /' && return 0
		sleep 0.1
	done
	return 1
}

# run_cmd COMMAND...: run it (120 s limit), stdin closed; OUT gets stdout and
# stderr, RC the exit status; both are shown.
run_cmd() {
	echo "  \$ ${*@Q}"
	OUT=$(timeout 120 "$@" </dev/null 2>&1)
	RC=$?
	printf '%s\n' "$OUT" | sed 's/^/  | /'
	echo "  (exit status $RC)"
}

# outdir NAME: a fresh directory for a container's /out; prints its path.
outdir() {
	rm -rf "${WORK:?}/$1"
	mkdir -p "$WORK/$1"
	chmod 0777 "$WORK/$1"
	echo "$WORK/$1"
}

# The container's report: its label, a marker that it ran, and a write that
# aa-oci-engine-test does not allow. stderr joins stdout so the shell's
# "can't create ...: Permission denied" is in the output.
PROBE='exec 2>&1
echo "label=$(cat /proc/self/attr/current)"
echo ran >/out/ran
echo x >/out/denied && echo "write /out/denied: succeeded"
exit 0'

# The same with an access docker-default refuses by a `deny` rule (silent in
# the kernel log): opening /proc/sysrq-trigger for writing. Opening writes
# nothing, so an unconfined run changes nothing either.
SYSRQ='exec 2>&1
echo "label=$(cat /proc/self/attr/current)"
echo ran >/out/ran
printf "" >/proc/sysrq-trigger && echo "sysrq-trigger: opened for writing"
exit 0'

# confined_checks PROFILE DIR: what the kernel decided for a PROBE run whose
# /out was DIR, from OUT/RC, the marker and the kernel log since mark $TAG.
# With a third argument ns: the profile is in aa-oci's namespace (the
# kernel lists it as :aa-oci:NAME, the container still sees NAME, the
# kernel log says namespace="root//aa-oci"), and not in the root one.
confined_checks() {
	local prof=$1 dir=$2 label=$1
	local -a nsrec=()
	if [ "${3:-}" = ns ]; then
		label=$(in_ns "$prof")
		nsrec=("namespace=\"root//$NS\"")
	fi
	check "exit status 0" [ "$RC" = 0 ]
	check "the container ran (its marker file exists)" [ -e "$dir/ran" ]
	check "label inside: $prof (enforce)" has "$OUT" "label=$prof (enforce)"
	check "the kernel lists $label (enforce)" mode_is "$label" enforce
	if [ "${3:-}" = ns ]; then
		check "and not $prof in the root namespace" not_loaded "$prof"
	fi
	check "the write to /out/denied failed with EACCES" \
		has "$OUT" "can't create /out/denied: Permission denied"
	check "/out/denied was not created" [ ! -e "$dir/denied" ]
	check "kernel log: apparmor=\"DENIED\" by $prof ${nsrec[*]} for /out/denied" \
		kwait "$TAG" 'apparmor="DENIED"' "profile=\"$prof\"" "${nsrec[@]}" 'name="/out/denied"'
}

# loaded_by_aa_oci PROFILE COMM: the kernel's profile_load record names COMM
# (aa-oci-runtime, aa-oci-hook) as the loader, and aa-oci's syslog line.
# A third argument ns: loaded into aa-oci's namespace (aa-oci names it by its
# label :aa-oci:NAME).
loaded_by_aa_oci() {
	local label=$1
	local -a nsrec=()
	if [ "${3:-}" = ns ]; then
		label=$(in_ns "$1")
		nsrec=("ns=\"$NS\"")
	fi
	check "kernel log: profile_load of $1 ${nsrec[*]} by comm=\"$2\"" \
		kwait "$TAG" 'operation="profile_load"' "name=\"$1\"" "comm=\"$2\"" "${nsrec[@]}"
	check "syslog: $2 says it loaded $label" swait "$TAG" "$2[" "profile \"$label\": loaded"
}
