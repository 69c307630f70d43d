# tests.sh: the real-kernel tests, run by the guest's /init (busybox ash).
# shellcheck shell=dash
#
# Each test runs real containers with real runc/crun and checks what the
# kernel decided: the label inside, EACCES from a refused access, the
# profiles the kernel lists, its audit records. Output for the host:
#   AAOCI:plan N
#   AAOCI:log N <line>          the test's own output
#   AAOCI:result ok N - name    or "not ok N - name"
# shellcheck source=tests/vm/guest/lib.sh disable=SC2034
. /tests/lib.sh

PROFILE=aa-oci-test

need_hook() {
	check "aa-oci-hook is installed in the guest ($HOOK; built as build/aa-oci-hook)" [ -x "$HOOK" ]
}

# start_unloaded NAME: precondition of the tests that need the hook to load.
start_unloaded() {
	unload "$1"
	check "precondition: $1 is not loaded" not_loaded "$1"
}

t_preflight() {
	check "AppArmor is enabled" [ "$(cat /sys/module/apparmor/parameters/enabled)" = Y ]
	check "$AAFS/profiles is readable" [ -r "$AAFS/profiles" ]
	check "/etc/apparmor.d/$PROFILE is installed" [ -f "/etc/apparmor.d/$PROFILE" ]
	check "$PROFILE is not loaded at boot" not_loaded "$PROFILE"
	check "runc and crun run" sh -c 'runc --version >/dev/null && crun --version >/dev/null'
}

# 1. A profile in /etc/apparmor.d that is not loaded; the hook loads it.
t_loads() {
	local rt=$1 n=t1-$1
	need_hook || return 1
	start_unloaded $PROFILE || return 1
	mkbundle $n "$S_PROBE"
	with_profile $n $PROFILE
	hook_$rt $n
	kmark $n
	run_ctr $rt $n
	check "$rt exited 0" [ "$RC" = 0 ]
	check "the container ran (its marker file exists)" [ -e $WORK/$n/out/ran ]
	check "label inside: $PROFILE (enforce)" has "$OUT" "label=$PROFILE (enforce)"
	check "the kernel lists $PROFILE (enforce)" mode_is $PROFILE enforce
	check "the write to /out/denied failed with EACCES" \
		has "$OUT" "can't create /out/denied: Permission denied"
	check "/out/denied was not created" [ ! -e $WORK/$n/out/denied ]
	check "kernel log: profile_load of $PROFILE" \
		kwait $n 'operation="profile_load"' "name=\"$PROFILE\""
	check "kernel log: apparmor=\"DENIED\" by $PROFILE for /out/denied" \
		kwait $n 'apparmor="DENIED"' "profile=\"$PROFILE\"" 'name="/out/denied"'
}

# 2. The same without the hook: the runtime cannot set the label.
t_nohook() {
	local rt=$1 n=t2-$1
	start_unloaded $PROFILE || return 1
	mkbundle $n "$S_PROBE"
	with_profile $n $PROFILE
	kmark $n
	run_ctr $rt $n
	check "$rt failed" [ "$RC" != 0 ]
	check "the container process did not run (no marker file)" [ ! -e $WORK/$n/out/ran ]
	check "$rt's error names the exec attribute (attr/.../exec)" \
		sh -c 'printf "%s" "$1" | grep -q "attr/.*exec"' - "$OUT"
	check "kernel log: change_onexec refused, info=\"label not found\"" \
		kwait $n 'operation="change_onexec"' 'info="label not found"'
	check "$PROFILE is still not loaded" not_loaded $PROFILE
}

# 3, 4. A built-in default that is not loaded: generated, loaded, enforced.
# Its denials are `deny` rules, which the kernel does not log: the proof is
# the difference between the same container unconfined and confined.
t_generated() {
	local prof=$1 n=t-$1
	need_hook || return 1
	start_unloaded "$prof" || return 1

	mkbundle $n-unconfined "$S_SYSRQ"
	writable_proc $n-unconfined
	hook_runc $n-unconfined
	run_ctr runc $n-unconfined
	check "unconfined: runc exited 0" [ "$RC" = 0 ]
	check "unconfined: label inside: unconfined" has "$OUT" "label=unconfined"
	check "unconfined: opening /proc/sysrq-trigger for writing succeeded" \
		has "$OUT" "sysrq-trigger: opened for writing"

	mkbundle $n "$S_SYSRQ"
	writable_proc $n
	with_profile $n "$prof"
	hook_runc $n
	kmark $n
	run_ctr runc $n
	check "confined: runc exited 0" [ "$RC" = 0 ]
	check "confined: the container ran" [ -e $WORK/$n/out/ran ]
	check "confined: label inside: $prof (enforce)" has "$OUT" "label=$prof (enforce)"
	check "the kernel lists $prof (enforce)" mode_is "$prof" enforce
	check "confined: opening /proc/sysrq-trigger for writing failed with EACCES" \
		has "$OUT" "can't create /proc/sysrq-trigger: Permission denied"
	check "kernel log: profile_load of $prof" \
		kwait $n 'operation="profile_load"' "name=\"$prof\""
}

# 5. A profile that exists nowhere: the hook fails, so the runtime refuses.
t_unknown() {
	local n=t5-unknown-profile prof=aa-oci-no-such-profile
	need_hook || return 1
	check "precondition: no $prof loaded or in /etc/apparmor.d" \
		sh -c '! grep -q "^$1 " "$2/profiles" && ! grep -rqs "profile $1" /etc/apparmor.d' - $prof "$AAFS"
	mkbundle $n "$S_PROBE"
	with_profile $n $prof
	hook_runc $n
	run_ctr runc $n
	check "runc failed" [ "$RC" != 0 ]
	check "the container process did not run (no marker file)" [ ! -e $WORK/$n/out/ran ]
	# runc quotes the hook's stderr inside its own message: drop its escapes
	local plain
	plain=$(printf '%s' "$OUT" | tr -d '\\')
	check "the hook's error line: aa-oci-hook: $(echo $n | cut -c1-12): profile \"$prof\": ..." \
		has "$plain" "aa-oci-hook: $(echo $n | cut -c1-12): profile \"$prof\": "
	check "$prof was not loaded" not_loaded $prof
}

# 6. aa-oci.mode=complain: loaded in complain mode, the access is allowed
# and logged as ALLOWED.
t_complain() {
	local n=t6-complain
	need_hook || return 1
	start_unloaded $PROFILE || return 1
	mkbundle $n "$S_PROBE"
	with_profile $n $PROFILE
	annotate $n aa-oci.profile $PROFILE
	annotate $n aa-oci.mode complain
	hook_runc $n
	kmark $n
	run_ctr runc $n
	check "runc exited 0" [ "$RC" = 0 ]
	check "the kernel lists $PROFILE (complain)" mode_is $PROFILE complain
	check "label inside: $PROFILE (complain)" has "$OUT" "label=$PROFILE (complain)"
	check "the write enforce mode refuses succeeded (/out/denied exists)" \
		[ -e $WORK/$n/out/denied ]
	check "kernel log: apparmor=\"ALLOWED\" by $PROFILE for /out/denied" \
		kwait $n 'apparmor="ALLOWED"' "profile=\"$PROFILE\"" 'name="/out/denied"'
}

# 7. Already loaded: the hook must not load it again.
t_loaded() {
	local n=t7-loaded
	need_hook || return 1
	unload $PROFILE
	kmark $n-setup
	apparmor_parser -r /etc/apparmor.d/$PROFILE
	check "precondition: $PROFILE loaded (enforce) by the test itself" mode_is $PROFILE enforce
	# the setup's own load is logged: proves the check below would see one
	check "kernel log shows the setup's profile_load (so a reload would show)" \
		kwait $n-setup 'operation="profile_load"' "name=\"$PROFILE\"" || return 1
	mkbundle $n "$S_PROBE"
	with_profile $n $PROFILE
	hook_runc $n
	kmark $n
	run_ctr runc $n
	sleep 1 # let kauditd print anything the start caused
	check "runc exited 0" [ "$RC" = 0 ]
	check "label inside: $PROFILE (enforce)" has "$OUT" "label=$PROFILE (enforce)"
	check "kernel log: no profile_load of $PROFILE during the start" \
		no_kgrep $n 'operation="profile_load"' "name=\"$PROFILE\""
	check "kernel log: no profile_replace of $PROFILE during the start" \
		no_kgrep $n 'operation="profile_replace"' "name=\"$PROFILE\""
}

# 8. Two containers needing the same unloaded profile, started together.
t_concurrent() {
	local n=t8-concurrent
	need_hook || return 1
	start_unloaded $PROFILE || return 1
	mkbundle $n-runc "$S_PROBE"
	with_profile $n-runc $PROFILE
	hook_runc $n-runc
	mkbundle $n-crun "$S_PROBE"
	with_profile $n-crun $PROFILE
	hook_crun $n-crun
	kmark $n
	run_ctr runc $n-runc >$WORK/$n-runc.log &
	run_ctr crun $n-crun >$WORK/$n-crun.log &
	wait
	cat $WORK/$n-runc.log $WORK/$n-crun.log
	for rt in runc crun; do
		load_result $n-$rt
		check "$rt exited 0" [ "$RC" = 0 ]
		check "$rt: label inside: $PROFILE (enforce)" has "$OUT" "label=$PROFILE (enforce)"
		check "$rt: the write to /out/denied failed with EACCES" \
			has "$OUT" "can't create /out/denied: Permission denied"
	done
	check "the kernel lists $PROFILE (enforce)" mode_is $PROFILE enforce
	sleep 0.5
	echo "  loads of $PROFILE logged during the two starts:"
	kgrep $n "name=\"$PROFILE\"" 'operation="profile_' || echo "    (none)"
}

# run_test NAME FUNCTION [ARG...]: run one test in a subshell, report it.
run_test() {
	local name=$1 rc
	shift
	N=$((N + 1))
	# streamed, so a test that hangs still shows how far it got
	(
		FAILS=0
		echo "# $name"
		"$@"
		rc=$?
		[ "$FAILS" = 0 ] && [ "$rc" = 0 ]
		echo $? >/tmp/test-$N.rc
	) 2>&1 | sed "s/^/AAOCI:log $N /"
	rc=$(cat /tmp/test-$N.rc 2>/dev/null || echo 1)
	if [ $rc = 0 ]; then
		echo "AAOCI:result ok $N - $name"
	else
		echo "AAOCI:result not ok $N - $name"
	fi
}

all_tests() {
	t "kernel: AppArmor enabled, test profile installed but not loaded" t_preflight
	t "[1] profile not loaded, runc + hook at createRuntime: loaded, confined, write denied and logged" t_loads runc
	t "[1] profile not loaded, crun + hook at prestart: loaded, confined, write denied and logged" t_loads crun
	t "[2] profile not loaded, runc without the hook: runtime fails, container never runs" t_nohook runc
	t "[2] profile not loaded, crun without the hook: runtime fails, container never runs" t_nohook crun
	t "[3] docker-default not loaded: generated, loaded, label set, sysrq-trigger denied" t_generated docker-default
	t "[4] lxc-container-default not loaded: generated, loaded, label set, sysrq-trigger denied" t_generated lxc-container-default
	t "[5] unknown profile: runtime refuses, hook names the profile, container never runs" t_unknown
	t "[6] annotation aa-oci.mode=complain: loaded in complain mode, access ALLOWED and logged" t_complain
	t "[7] profile already loaded: no profile_load/profile_replace during the start" t_loaded
	t "[8] two containers (runc + crun) needing the same unloaded profile at once: both confined" t_concurrent
	t "kernel log: no audit records lost (printk rate limit)" sh -c '! dmesg | grep -q "printk limit exceeded\|callbacks suppressed"'
}

# count first, so the host knows how many results to expect
N=0
t() { N=$((N + 1)); }
all_tests
echo "AAOCI:plan $N"
N=0
t() { run_test "$@"; }
all_tests
