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

# Issue 3: the wrappers.
RUNTIME=/usr/bin/aa-oci-runtime
EXEC=/usr/bin/aa-oci-exec

need_runtime() {
	check "aa-oci-runtime is installed in the guest ($RUNTIME; built as build/aa-oci-runtime)" [ -x "$RUNTIME" ]
}
need_exec() {
	check "aa-oci-exec is installed in the guest ($EXEC; built as build/aa-oci-exec)" [ -x "$EXEC" ]
}

# R1. Only the annotation asks for the profile, which is not loaded:
# aa-oci-runtime loads it, writes process.apparmorProfile, execs the runtime.
t_wrap() {
	local rt=$1 n=r1-$1
	need_runtime || return 1
	export AA_OCI_RUNTIME
	AA_OCI_RUNTIME=$(command -v "$rt")
	start_unloaded $PROFILE || return 1
	mkbundle $n "$S_PROBE"
	annotate $n aa-oci.profile $PROFILE
	check "precondition: config.json has no process.apparmorProfile" [ -z "$(spec_profile $n)" ]
	kmark $n
	echo "  AA_OCI_RUNTIME=$AA_OCI_RUNTIME"
	run_ctr $RUNTIME $n
	check "aa-oci-runtime ($rt) exited 0" [ "$RC" = 0 ]
	check "the container ran (its marker file exists)" [ -e $WORK/$n/out/ran ]
	check "label inside: $PROFILE (enforce)" has "$OUT" "label=$PROFILE (enforce)"
	check "the kernel lists $PROFILE (enforce)" mode_is $PROFILE enforce
	check "the write to /out/denied failed with EACCES" \
		has "$OUT" "can't create /out/denied: Permission denied"
	check "/out/denied was not created" [ ! -e $WORK/$n/out/denied ]
	check "config.json now has process.apparmorProfile \"$PROFILE\"" \
		[ "$(spec_profile $n)" = $PROFILE ]
	check "kernel log: profile_load of $PROFILE" \
		kwait $n 'operation="profile_load"' "name=\"$PROFILE\""
	check "kernel log: apparmor=\"DENIED\" by $PROFILE for /out/denied" \
		kwait $n 'apparmor="DENIED"' "profile=\"$PROFILE\"" 'name="/out/denied"'
}

# R2. The same bundle without the wrapper: runc runs it unconfined.
t_wrap_control() {
	local n=r2-direct
	start_unloaded $PROFILE || return 1
	mkbundle $n "$S_PROBE"
	annotate $n aa-oci.profile $PROFILE
	check "precondition: config.json has no process.apparmorProfile" [ -z "$(spec_profile $n)" ]
	run_ctr runc $n
	check "runc exited 0" [ "$RC" = 0 ]
	check "the container ran (its marker file exists)" [ -e $WORK/$n/out/ran ]
	check "label inside: unconfined" has "$OUT" "label=unconfined"
	check "the write to /out/denied succeeded" [ -e $WORK/$n/out/denied ]
	check "$PROFILE is still not loaded" not_loaded $PROFILE
	check "config.json still has no process.apparmorProfile" [ -z "$(spec_profile $n)" ]
}

# R3. The annotation asks for one profile, process.apparmorProfile names
# another custom one: refused before the runtime starts.
t_wrap_conflict() {
	local n=r3-conflict other=aa-oci-other rt
	need_runtime || return 1
	start_unloaded $PROFILE || return 1
	mkbundle $n "$S_PROBE"
	annotate $n aa-oci.profile $PROFILE
	with_profile $n $other
	cp $WORK/$n/config.json $WORK/$n/config.json.orig
	# the "real runtime": leaves a mark, then is runc
	rt=$WORK/$n/runtime
	printf '#!/bin/sh\necho "$*" >>%s/started\nexec runc "$@"\n' "$WORK/$n" >"$rt"
	chmod 0755 "$rt"
	export AA_OCI_RUNTIME=$rt
	run_cmd $RUNTIME --version
	check "control: a pass-through command does start that runtime (its mark appears)" \
		[ -e $WORK/$n/started ]
	rm -f $WORK/$n/started
	kmark $n
	run_cmd $RUNTIME run --bundle $WORK/$n $n
	check "aa-oci-runtime exited 1" [ "$RC" = 1 ]
	check "one line on stderr" [ "$(nlines "$OUT")" = 1 ]
	check "it says: aa-oci-runtime: ... asks for \"$PROFILE\" but process.apparmorProfile is \"$other\"" \
		sh -c 'case $1 in "aa-oci-runtime: "*"asks for \"$2\" but process.apparmorProfile is \"$3\""*) ;; *) exit 1 ;; esac' - "$OUT" $PROFILE $other
	check "the real runtime never started (no mark)" [ ! -e $WORK/$n/started ]
	check "the container never ran (no marker file)" [ ! -e $WORK/$n/out/ran ]
	check "config.json unchanged" cmp $WORK/$n/config.json $WORK/$n/config.json.orig
	check "$PROFILE was not loaded" not_loaded $PROFILE
	runc delete --force $n >/dev/null 2>&1
	return 0
}

# E1. aa-oci-exec confines a plain process, loading the profile first.
t_exec_profile() {
	local n=e1-exec
	need_exec || return 1
	start_unloaded $PROFILE || return 1
	mkdir -p /out
	rm -f /out/ran /out/denied
	kmark $n
	run_cmd $EXEC --profile $PROFILE -- sh -c "$S_PROBE"
	check "aa-oci-exec exited 0" [ "$RC" = 0 ]
	check "the command ran (/out/ran exists)" [ -e /out/ran ]
	check "label: $PROFILE (enforce)" has "$OUT" "label=$PROFILE (enforce)"
	check "the write to /out/denied failed with EACCES" \
		has "$OUT" "can't create /out/denied: Permission denied"
	check "/out/denied was not created" [ ! -e /out/denied ]
	check "the kernel lists $PROFILE (enforce)" mode_is $PROFILE enforce
	check "kernel log: profile_load of $PROFILE" \
		kwait $n 'operation="profile_load"' "name=\"$PROFILE\""
	check "kernel log: apparmor=\"DENIED\" by $PROFILE for /out/denied" \
		kwait $n 'apparmor="DENIED"' "profile=\"$PROFILE\"" 'name="/out/denied"'
	check "this shell is still unconfined" [ "$(cat /proc/self/attr/current)" = unconfined ]
}

# E2. --seccomp-default --no-new-privs: unshare -U refused with EPERM,
# ordinary commands run.
t_exec_seccomp() {
	need_exec || return 1
	run_cmd unshare -U true
	check "control: without the filter, unshare -U succeeds" [ "$RC" = 0 ]
	run_cmd $EXEC --seccomp-default --no-new-privs -- unshare -U true
	check "with the filter, unshare -U fails" [ "$RC" != 0 ]
	check "... with EPERM (Operation not permitted)" has "$OUT" "Operation not permitted"
	run_cmd $EXEC --seccomp-default --no-new-privs -- true
	check "true runs under the filter (exit 0)" [ "$RC" = 0 ]
	run_cmd $EXEC --seccomp-default --no-new-privs -- echo ok
	check "echo ok runs under the filter (exit 0)" [ "$RC" = 0 ]
	check "... and prints ok" [ "$OUT" = ok ]
	run_cmd $EXEC --seccomp-default --no-new-privs -- grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status
	check "the kernel reports NoNewPrivs: 1" sh -c 'printf "%s\n" "$1" | grep -q "^NoNewPrivs:[[:space:]]*1$"' - "$OUT"
	check "the kernel reports Seccomp: 2 (filter)" sh -c 'printf "%s\n" "$1" | grep -q "^Seccomp:[[:space:]]*2$"' - "$OUT"
}

# E3. --no-new-privs from a confined task: the profile is stacked.
t_exec_stack() {
	local a=aa-oci-stack-a b=aa-oci-stack-b
	need_exec || return 1
	unload $a
	unload $b
	apparmor_parser -r /etc/apparmor.d/$b
	check "precondition: $a not loaded, $b loaded by the test" \
		sh -c 'not_loaded() { ! grep -q "^$1 " "$3/profiles"; }; not_loaded $1 "" $3 && grep -q "^$2 (enforce)" "$3/profiles"' - $a $b "$AAFS"
	run_cmd $EXEC --profile $a -- cat /proc/self/attr/current
	check "outer alone: $a (enforce)" [ "$OUT" = "$a (enforce)" ]
	run_cmd $EXEC --profile $a -- $EXEC --no-new-privs --profile $b -- cat /proc/self/attr/current
	check "aa-oci-exec exited 0" [ "$RC" = 0 ]
	check "label: the stack $a//&$b (enforce)" [ "$OUT" = "$a//&$b (enforce)" ]
	run_cmd $EXEC --profile $a -- $EXEC --profile $b -- cat /proc/self/attr/current
	echo "  (without --no-new-privs the inner one changes profile instead of stacking)"
	check "without --no-new-privs: $b (enforce), no stack" [ "$OUT" = "$b (enforce)" ]
}

# E4. A profile that cannot be loaded: the command never runs, exit 126.
t_exec_unloadable() {
	local n=e4 m=$WORK/e4-ran prof
	need_exec || return 1
	rm -f $m
	run_cmd $EXEC -- sh -c "echo ran >$m"
	check "control: without a profile the command runs (marker written)" [ -e $m ]
	for prof in aa-oci-no-such-profile aa-oci-broken; do
		rm -f $m
		run_cmd $EXEC --profile $prof -- sh -c "echo ran >$m"
		check "$prof: exit status 126" [ "$RC" = 126 ]
		check "$prof: the command did not run (no marker)" [ ! -e $m ]
		check "$prof: the error names the profile" has "$OUT" "aa-oci-exec: profile \"$prof\": "
		check "$prof: not loaded" not_loaded $prof
	done
	check "aa-oci-broken's error is the parser's" has "$OUT" "syntax error"
}

# L1. LXC: lxc.apparmor.profile names a profile that is not loaded; the
# pre-start hook (aa-oci-hook lxc, hook version 1) loads it and LXC starts
# the container under it. Without the hook the same container fails.
LXCPATH=$WORK/lxc
LXC_PROFILE=aa-oci-lxc-test

# mklxc NAME HOOK(yes|no): a container NAME in $LXCPATH, its own copy of the
# busybox rootfs, $LXCPATH/NAME/out bind-mounted at /out.
mklxc() {
	local d=$LXCPATH/$1
	rm -rf "$d"
	mkdir -p "$d/out"
	cp -a $ROOTFS "$d/rootfs"
	cat >"$d/config" <<-EOF
		lxc.uts.name = $1
		lxc.rootfs.path = dir:$d/rootfs
		lxc.net.0.type = empty
		lxc.mount.auto = proc:rw sys:ro
		lxc.mount.entry = $d/out out none bind 0 0
		lxc.console.path = none
		lxc.apparmor.profile = $LXC_PROFILE
		lxc.apparmor.allow_nesting = 0
	EOF
	if [ "$2" = yes ]; then
		cat >>"$d/config" <<-EOF
			lxc.hook.version = 1
			lxc.hook.pre-start = $HOOK lxc
		EOF
	fi
	sed 's/^/  config: /' "$d/config"
}

# The container's init: a report in /out, then it waits to be looked at.
S_LXC='exec >/out/report 2>&1
echo "label=$(cat /proc/self/attr/current)"
echo ran >/out/ran
echo x >/out/denied && echo "write /out/denied: succeeded"
exec sleep 60'

need_lxc() {
	check "lxc-start is installed in the guest (Debian package lxc on the host)" \
		sh -c 'command -v lxc-start >/dev/null'
}

t_lxc() {
	local name=l1-lxc d=$LXCPATH/l1-lxc pid i
	need_hook || return 1
	need_lxc || return 1
	start_unloaded $LXC_PROFILE || return 1
	mklxc $name yes
	kmark $name
	run_cmd lxc-start -P $LXCPATH -n $name -d -l DEBUG -o $d/lxc.log -- /bin/sh -c "$S_LXC"
	check "lxc-start exited 0" [ "$RC" = 0 ]
	i=0
	while [ ! -s $d/out/report ] || ! grep -q 'denied' $d/out/report; do
		[ $i -ge 100 ] && break
		sleep 0.1
		i=$((i + 1))
	done
	echo "  container's report:"
	sed 's/^/  | /' $d/out/report 2>/dev/null
	run_cmd lxc-info -P $LXCPATH -n $name -s -p -H
	pid=$(printf '%s\n' "$OUT" | awk '$1 == "PID:" { print $2 }')
	check "lxc-info: RUNNING" has "$OUT" RUNNING
	check "lxc-info: the container's PID ($pid)" [ -n "$pid" ]
	LABEL=$(cat /proc/${pid:-0}/attr/current 2>&1)
	echo "  outside: /proc/$pid/attr/current: $LABEL"
	check "outside: /proc/$pid/attr/current is $LXC_PROFILE (enforce)" \
		[ "$LABEL" = "$LXC_PROFILE (enforce)" ]
	REPORT=$(cat $d/out/report 2>/dev/null)
	check "the container ran (its marker file exists)" [ -e $d/out/ran ]
	check "inside: label $LXC_PROFILE (enforce)" has "$REPORT" "label=$LXC_PROFILE (enforce)"
	check "inside: the write to /out/denied failed with EACCES" \
		has "$REPORT" "can't create /out/denied: Permission denied"
	check "/out/denied was not created" [ ! -e $d/out/denied ]
	check "the kernel lists $LXC_PROFILE (enforce)" mode_is $LXC_PROFILE enforce
	check "kernel log: profile_load of $LXC_PROFILE" \
		kwait $name 'operation="profile_load"' "name=\"$LXC_PROFILE\""
	check "kernel log: apparmor=\"DENIED\" by $LXC_PROFILE for /out/denied" \
		kwait $name 'apparmor="DENIED"' "profile=\"$LXC_PROFILE\"" 'name="/out/denied"'
	run_cmd lxc-stop -P $LXCPATH -n $name -k
	if [ "$FAILS" != 0 ]; then
		echo "  lxc log:"
		sed 's/^/  | /' $d/lxc.log
	fi
}

t_lxc_nohook() {
	local name=l2-lxc d=$LXCPATH/l2-lxc
	need_lxc || return 1
	start_unloaded $LXC_PROFILE || return 1
	mklxc $name no
	kmark $name
	run_cmd lxc-start -P $LXCPATH -n $name -d -l DEBUG -o $d/lxc.log -- /bin/sh -c "$S_LXC"
	sleep 0.5
	check "lxc-start failed" [ "$RC" != 0 ]
	check "the container never ran (no marker file)" [ ! -e $d/out/ran ]
	check "$LXC_PROFILE is still not loaded" not_loaded $LXC_PROFILE
	echo "  lxc log, AppArmor lines:"
	grep -i 'apparmor' $d/lxc.log | sed 's/^/  | /'
	check "lxc log: Failed to change AppArmor profile to $LXC_PROFILE" \
		grep -q "Failed to change AppArmor profile to $LXC_PROFILE" $d/lxc.log
	check "kernel log: the label change refused, info=\"label not found\"" \
		kwait $name 'info="label not found"' "name=\"$LXC_PROFILE\""
	lxc-stop -P $LXCPATH -n $name -k >/dev/null 2>&1
	return 0
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
	t "[i3-1] runc via aa-oci-runtime, only aa-oci.profile set, profile not loaded: loaded, set in config.json, confined, write denied and logged" t_wrap runc
	t "[i3-1] crun via aa-oci-runtime, only aa-oci.profile set, profile not loaded: loaded, set in config.json, confined, write denied and logged" t_wrap crun
	t "[i3-2] the same bundle run by runc directly: unconfined, the write succeeds" t_wrap_control
	t "[i3-3] aa-oci-runtime: annotation and a different custom process.apparmorProfile: exit 1, runtime never started, config.json unchanged" t_wrap_conflict
	t "[i3-4] aa-oci-exec --profile: plain process loaded, confined, write denied and logged" t_exec_profile
	t "[i3-4] aa-oci-exec --seccomp-default --no-new-privs: unshare -U gets EPERM, ordinary commands run" t_exec_seccomp
	t "[i3-4] aa-oci-exec --no-new-privs under a confined task: profile stacked (A//&B)" t_exec_stack
	t "[i3-5] aa-oci-exec with a profile that cannot be loaded (missing, does not compile): command not run, exit 126" t_exec_unloadable
	t "[i3-6] lxc-start, lxc.apparmor.profile not loaded, aa-oci-hook lxc as pre-start: loaded, container confined" t_lxc
	t "[i3-6] lxc-start, same profile not loaded, without the hook: LXC fails, container never runs" t_lxc_nohook
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
