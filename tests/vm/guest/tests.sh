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

# 6. aa-oci.mode=complain: refused unless the config file says
# allow_complain (complain is unconfined with logging); allowed, loaded in
# complain mode, the access is allowed and logged as ALLOWED.
I9=$WORK/i9
mkdir -p $I9
printf '{"allow_complain": true}\n' >$I9/complain.json
# hook_conf NAME RUNTIME CONFIG: the hook with --config CONFIG, --debug
# (runc passes a failing hook's stderr on in its own message).
hook_conf() {
	local stage=createRuntime
	[ "$2" = crun ] && stage=prestart
	cfg "$1" --arg h "$HOOK" --arg c "$3" --arg s "$stage" \
		'.hooks[$s] = [{path: $h, args: ["aa-oci-hook", "--config", $c, "--debug", $s]}]'
}
t_complain() {
	local n=t6-complain
	need_hook || return 1
	start_unloaded $PROFILE || return 1
	mkbundle $n "$S_PROBE"
	with_profile $n $PROFILE
	annotate $n aa-oci.profile $PROFILE
	annotate $n aa-oci.mode complain
	hook_runc $n
	kmark $n-refused
	run_ctr runc $n
	check "default config: runc failed" [ "$RC" != 0 ]
	check "the container never ran" [ ! -e $WORK/$n/out/ran ]
	check "the hook says: asks for complain mode ... set \"allow_complain\": true" \
		has "$(printf '%s' "$OUT" | tr -d '\\')" 'asks for complain mode, which the config file does not allow (set "allow_complain": true'
	check "$PROFILE was not loaded" not_loaded $PROFILE

	hook_conf $n runc $I9/complain.json
	kmark $n
	run_ctr runc $n
	check "allow_complain: true, shared profile: still refused (complain is per container)" \
		holds '[ "$RC" != 0 ] && [ ! -e $WORK/$n/out/ran ]'
	check "the hook points at aa-oci-runtime" \
		has "$(printf '%s' "$OUT" | tr -d '\\')" "run it through aa-oci-runtime"
	check "$PROFILE was not loaded" not_loaded $PROFILE

	# process.apparmorProfile naming this container's private copy
	# (what aa-oci-runtime writes): the copy is loaded in complain mode.
	with_profile $n "$PROFILE--aa-oci-t6-complain"
	kmark $n-copy
	run_ctr runc $n
	check "with its private copy named: runc exited 0" [ "$RC" = 0 ]
	check "label inside: $PROFILE--aa-oci-t6-complain (complain)" \
		has "$OUT" "label=$PROFILE--aa-oci-t6-complain (complain)"
	check "the write enforce mode refuses succeeded (/out/denied exists)" \
		[ -e $WORK/$n/out/denied ]
	check "kernel log: apparmor=\"ALLOWED\" by the copy for /out/denied" \
		kwait $n-copy 'apparmor="ALLOWED"' "profile=\"$PROFILE--aa-oci-t6-complain\"" 'name="/out/denied"'
	check "the shared $PROFILE was not loaded" not_loaded $PROFILE
	unload "$PROFILE--aa-oci-t6-complain"
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

# Issue 14: the wrappers load into aa-oci's policy namespace by default
# (profile_namespace "aa-oci"); a profile there is ":aa-oci:NAME" from the
# host. NS_OFF is a config file with profile_namespace "", the behaviour
# before issue 14: everything in the root namespace.
NS=aa-oci
I14=$WORK/i14
mkdir -p $I14
NS_OFF=$I14/ns-off.json
printf '{"profile_namespace": ""}\n' >$NS_OFF
# nsl NAME: NAME's label in the namespace
nsl() { printf ':%s:%s' $NS "$1"; }
# unload_both NAME: NAME unloaded from the root namespace and from aa-oci's
unload_both() {
	unload "$1"
	unload "$(nsl "$1")"
}
# wrap_off RUNTIME: a script running aa-oci-runtime over RUNTIME with NS_OFF
# (run_ctr takes one command)
wrap_off() {
	printf '#!/bin/sh\nAA_OCI_RUNTIME=%s exec %s --aa-oci-config %s "$@"\n' \
		"$(command -v $1)" "$RUNTIME" $NS_OFF >$I14/wrap-off-$1
	chmod 0755 $I14/wrap-off-$1
	echo $I14/wrap-off-$1
}

need_runtime() {
	check "aa-oci-runtime is installed in the guest ($RUNTIME; built as build/aa-oci-runtime)" [ -x "$RUNTIME" ]
}
need_exec() {
	check "aa-oci-exec is installed in the guest ($EXEC; built as build/aa-oci-exec)" [ -x "$EXEC" ]
}

# R1. Only the annotation asks for the profile, which is not loaded:
# aa-oci-runtime loads it, writes process.apparmorProfile, execs the runtime.
# With profile_namespace "" (NS_OFF), as before issue 14: in the root
# namespace (the default, aa-oci's namespace, is i14-1).
t_wrap() {
	local rt=$1 n=r1-$1 w
	need_runtime || return 1
	w=$(wrap_off $rt)
	unload_both $PROFILE
	start_unloaded $PROFILE || return 1
	mkbundle $n "$S_PROBE"
	annotate $n aa-oci.profile $PROFILE
	check "precondition: config.json has no process.apparmorProfile" [ -z "$(spec_profile $n)" ]
	kmark $n
	echo "  $w:"
	sed 's/^/  | /' $w
	run_ctr $w $n
	check "aa-oci-runtime ($rt) exited 0" [ "$RC" = 0 ]
	check "the container ran (its marker file exists)" [ -e $WORK/$n/out/ran ]
	check "label inside: $PROFILE (enforce)" has "$OUT" "label=$PROFILE (enforce)"
	check "the kernel lists $PROFILE (enforce)" mode_is $PROFILE enforce
	check "the write to /out/denied failed with EACCES" \
		has "$OUT" "can't create /out/denied: Permission denied"
	check "/out/denied was not created" [ ! -e $WORK/$n/out/denied ]
	check "config.json now has process.apparmorProfile \"$PROFILE\"" \
		[ "$(spec_profile $n)" = $PROFILE ]
	check "nothing loaded in the namespace: no $(nsl $PROFILE)" not_loaded "$(nsl $PROFILE)"
	check "kernel log: profile_load of $PROFILE, in the root namespace (no ns=)" \
		holds "kwait $n 'operation=\"profile_load\"' 'name=\"$PROFILE\"' && no_kgrep $n 'operation=\"profile_load\"' 'ns=\"'"
	check "kernel log: apparmor=\"DENIED\" by $PROFILE for /out/denied, no namespace=" \
		holds "kwait $n 'apparmor=\"DENIED\"' 'profile=\"$PROFILE\"' 'name=\"/out/denied\"' && no_kgrep $n 'apparmor=\"DENIED\"' 'namespace='"
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
	unload_both $PROFILE
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
	# the wrapper names what it would load: the namespace's label
	check "it says: aa-oci-runtime: ... asks for \"$(nsl $PROFILE)\" but process.apparmorProfile is \"$other\"" \
		sh -c 'case $1 in "aa-oci-runtime: "*"asks for \"$2\" but process.apparmorProfile is \"$3\""*) ;; *) exit 1 ;; esac' - "$OUT" "$(nsl $PROFILE)" $other
	check "the real runtime never started (no mark)" [ ! -e $WORK/$n/started ]
	check "the container never ran (no marker file)" [ ! -e $WORK/$n/out/ran ]
	check "config.json unchanged" cmp $WORK/$n/config.json $WORK/$n/config.json.orig
	check "$PROFILE was not loaded (root or $(nsl $PROFILE))" \
		holds "not_loaded $PROFILE && not_loaded $(nsl $PROFILE)"
	runc delete --force $n >/dev/null 2>&1
	return 0
}

# E1. aa-oci-exec confines a plain process, loading the profile first.
# With profile_namespace "" (NS_OFF): in the root namespace, as before
# issue 14 (the default, aa-oci's namespace, is i14-6).
t_exec_profile() {
	local n=e1-exec
	need_exec || return 1
	unload_both $PROFILE
	start_unloaded $PROFILE || return 1
	mkdir -p /out
	rm -f /out/ran /out/denied
	kmark $n
	run_cmd $EXEC --config $NS_OFF --profile $PROFILE -- sh -c "$S_PROBE"
	check "aa-oci-exec exited 0" [ "$RC" = 0 ]
	check "the command ran (/out/ran exists)" [ -e /out/ran ]
	check "label: $PROFILE (enforce)" has "$OUT" "label=$PROFILE (enforce)"
	check "the write to /out/denied failed with EACCES" \
		has "$OUT" "can't create /out/denied: Permission denied"
	check "/out/denied was not created" [ ! -e /out/denied ]
	check "the kernel lists $PROFILE (enforce)" mode_is $PROFILE enforce
	check "nothing loaded in the namespace: no $(nsl $PROFILE)" not_loaded "$(nsl $PROFILE)"
	check "kernel log: profile_load of $PROFILE" \
		kwait $n 'operation="profile_load"' "name=\"$PROFILE\""
	check "kernel log: apparmor=\"DENIED\" by $PROFILE for /out/denied, no namespace=" \
		holds "kwait $n 'apparmor=\"DENIED\"' 'profile=\"$PROFILE\"' 'name=\"/out/denied\"' && no_kgrep $n 'apparmor=\"DENIED\"' 'namespace='"
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

# E3. --no-new-privs from a confined task: the profile is stacked. First
# in the root namespace (NS_OFF), then with the default config: the outer
# aa-oci-exec puts a in ":aa-oci:", and the inner one, confined there, sees
# the kernel from inside that namespace (":aa-oci:X" would be a namespace
# under aa-oci's, see tests/vm/README.md): it reads .ns_level and names b
# plainly, which is ":aa-oci:b" from the host.
t_exec_stack() {
	local a=aa-oci-stack-a b=aa-oci-stack-b l=aa-oci-stack-l
	need_exec || return 1
	local DEXEC="$EXEC"
	local EXEC="$EXEC --config $NS_OFF"
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
	# the default config: both in aa-oci's namespace
	unload_both $a
	unload_both $b
	run_cmd $DEXEC --profile $b -- true
	check "precondition: aa-oci-exec from the host loaded $(nsl $b), not $b" \
		holds "loaded $(nsl $b) && not_loaded $b"
	run_cmd $DEXEC --profile $a -- cat "$AAFS/.ns_level"
	check "under $(nsl $a): .ns_level reads 1" [ "$OUT" = 1 ]
	run_cmd $DEXEC --profile $a -- $DEXEC --no-new-privs --profile $b -- cat /proc/self/attr/current
	check "in the namespace: aa-oci-exec exited 0" [ "$RC" = 0 ]
	check "in the namespace: the stack $a//&$b (enforce), as the namespace names it" \
		[ "$OUT" = "$a//&$b (enforce)" ]
	check "no namespace was made inside $NS" \
		sh -c '[ -z "$(ls "$1/policy/namespaces/$2/namespaces" 2>/dev/null)" ]' - "$AAFS" $NS
	# b loaded nowhere: the inner aa-oci-exec, under a profile that may
	# load policy (l), loads it into its own namespace, aa-oci's
	unload_both $b
	run_cmd $DEXEC --profile $l -- $DEXEC --no-new-privs --profile $b -- cat /proc/self/attr/current
	check "loading from inside: aa-oci-exec exited 0" [ "$RC" = 0 ]
	# the kernel orders a stack's profiles by name
	check "loading from inside: the stack $b//&$l (enforce)" [ "$OUT" = "$b//&$l (enforce)" ]
	check "loading from inside: $(nsl $b) loaded, $b not" holds "loaded $(nsl $b) && not_loaded $b"
	check "loading from inside: no namespace was made inside $NS" \
		sh -c '[ -z "$(ls "$1/policy/namespaces/$2/namespaces" 2>/dev/null)" ]' - "$AAFS" $NS
	# its record says "aa-oci-stack-b", as that caller names it
	rm -f /run/aa-oci/loaded/$b
	unload_both $a
	unload_both $b
	unload_both $l
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
		# by its label in aa-oci's namespace, where it would have gone
		check "$prof: the error names the profile: aa-oci-exec: profile \"$(nsl $prof)\": ..." \
			has "$OUT" "aa-oci-exec: profile \"$(nsl $prof)\": "
		check "$prof: not loaded (root or namespace)" holds "not_loaded $prof && not_loaded $(nsl $prof)"
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

# Issue 4: the node agent, `aa-oci sync --watch DIR`. One agent runs from S1
# to S6 (S1 starts it, S6 stops it with SIGTERM), a second one in S7. A
# wrapper shell starts it and writes its exit status to $WORK/sync.rc; its
# stdio is kept off run_test's pipe (sed would wait for the agent). What the
# agent loaded is recorded in run_dir (/run/aa-oci, no config file here).
SYNC_CMD="aa-oci sync --watch"
SYNC_DIR=$WORK/sync
SYNC_LOG=$WORK/sync.log
SYNC_STATE=/run/aa-oci/sync.state
SYNC_SECRET=$WORK/sync-secret
SYNC_NAMES="sync-a sync-b sync-c sync-x sync-foreign sync-broken"

need_aa_oci() {
	check "aa-oci is installed in the guest (/usr/bin/aa-oci; built as build/aa-oci)" [ -x /usr/bin/aa-oci ]
}

# sync_profile NAME [FLAGS] [RULE...]: write $SYNC_DIR/NAME, a profile NAME
# allowing all file access, with FLAGS (e.g. complain) and more RULEs.
sync_profile() {
	local name=$1 flags=$2 f=$SYNC_DIR/$1 t=$WORK/sync-profile r
	shift 2
	{
		printf 'profile %s %s{\n  file,\n' "$name" "${flags:+flags=($flags) }"
		for r in "$@"; do printf '  %s\n' "$r"; done
		printf '}\n'
	} >$t
	# written in place, as an edit, with one write (the burst in S5 is the
	# test of a file read while it is being written)
	cat $t >"$f"
	sed "s/^/  $name: /" "$f"
}

# sync_start LOG: start the agent on $SYNC_DIR, its stderr in LOG.
sync_start() {
	rm -f $WORK/sync.pid $WORK/sync.rc
	sh -c '$1 "$2" 2>"$3" & echo $! >"$4"; wait $!; echo $? >"$5"' - \
		"$SYNC_CMD" "$SYNC_DIR" "$1" $WORK/sync.pid $WORK/sync.rc \
		</dev/null >/dev/null 2>&1 &
	wait_for 5 [ -s $WORK/sync.pid ]
	echo "  \$ $SYNC_CMD $SYNC_DIR 2>$1 &   (pid $(sync_pid))"
}
sync_pid() { cat $WORK/sync.pid 2>/dev/null; }
sync_alive() { [ ! -e $WORK/sync.rc ] && kill -0 "$(sync_pid)" 2>/dev/null; }
# sync_stop: SIGTERM, then up to 10 s for the exit status; SIGKILL after.
sync_stop() {
	kill -TERM "$(sync_pid)" 2>/dev/null
	wait_for 10 [ -s $WORK/sync.rc ] && return 0
	kill -KILL "$(sync_pid)" 2>/dev/null
	return 1
}

# sync_show LOG: the agent's lines in LOG since the last sync_show of LOG.
sync_show() {
	local seen=0
	[ -e "$1.seen" ] && seen=$(cat "$1.seen")
	tail -n +$((seen + 1)) "$1" | sed 's/^/  agent| /'
	wc -l <"$1" >"$1.seen"
}

# recorded NAME FILE: the agent's record says it loaded NAME from FILE.
recorded() { has_line $SYNC_STATE "$(printf '%s\t%s' "$1" "$2")"; }
not_recorded() { ! grep -q "^$1	" $SYNC_STATE; }
show_record() { sed 's/^/  record| /' $SYNC_STATE; }

# sync_cat: cat $SYNC_SECRET under sync-a, which must be loaded already.
sync_cat() { run_cmd $EXEC --no-load --profile sync-a -- cat $SYNC_SECRET; }
cat_refused() {
	local out
	out=$($EXEC --no-load --profile sync-a -- cat $SYNC_SECRET 2>&1 </dev/null) && return 1
	has "$out" "Permission denied"
}
cat_allowed() { [ "$($EXEC --no-load --profile sync-a -- cat $SYNC_SECRET 2>&1 </dev/null)" = secret ]; }
both_loaded() { loaded "$1" && loaded "$2"; }
# hot_count: how many sync-hot-N profiles the kernel lists.
hot_count() { grep -c '^sync-hot-' "$AAFS/profiles"; }
hot_final() { loaded sync-hot-100 && [ "$(hot_count)" = 1 ]; }

# S1. The agent loads the directory: every profile in it, a file that does
# not compile skipped; what it brought into the kernel is recorded, a
# profile loaded before it (sync-foreign) is not.
t_sync_load() {
	local d=$SYNC_DIR p
	need_aa_oci || return 1
	need_exec || return 1
	for p in $SYNC_NAMES $(sed -n 's/^\(sync-hot-[0-9]*\) .*/\1/p' $AAFS/profiles); do
		unload $p
	done
	rm -rf $d $SYNC_STATE $SYNC_LOG*
	mkdir -p $d
	sync_profile sync-a ""
	sync_profile sync-b ""
	sync_profile sync-foreign ""
	printf 'profile sync-broken {\n  bad\n}\n' >$d/sync-broken
	sed 's/^/  sync-broken: /' $d/sync-broken
	apparmor_parser -r $d/sync-foreign
	check "precondition: sync-foreign loaded by apparmor_parser, sync-a and sync-b not loaded" \
		sh -c 'grep -q "^sync-foreign (enforce)" $1/profiles && ! grep -q "^sync-[ab] " $1/profiles' - "$AAFS"
	kmark s1
	sync_start $SYNC_LOG
	check "the kernel lists sync-a and sync-b" wait_for 20 both_loaded sync-a sync-b
	check "the record lists sync-b (written after the first pass)" \
		wait_for 10 recorded sync-b $d/sync-b
	sync_show $SYNC_LOG
	show_record
	check "the kernel lists sync-a (enforce)" mode_is sync-a enforce
	check "the kernel lists sync-b (enforce)" mode_is sync-b enforce
	check "sync-broken is not loaded" not_loaded sync-broken
	check "the agent is running" sync_alive
	check "log: aa-oci: sync: loaded \"sync-a\" from $d/sync-a" \
		has_line $SYNC_LOG "aa-oci: sync: loaded \"sync-a\" from $d/sync-a"
	check "log: aa-oci: sync: loaded \"sync-b\" from $d/sync-b" \
		has_line $SYNC_LOG "aa-oci: sync: loaded \"sync-b\" from $d/sync-b"
	check "log: aa-oci: sync: skipped $d/sync-broken: ..." \
		has_text $SYNC_LOG "aa-oci: sync: skipped $d/sync-broken: "
	check "record: sync-a from $d/sync-a" recorded sync-a $d/sync-a
	check "record: sync-foreign not listed (loaded before the agent)" not_recorded sync-foreign
	check "kernel log: profile_load of sync-a" kwait s1 'operation="profile_load"' 'name="sync-a"'
	check "kernel log: profile_load of sync-b" kwait s1 'operation="profile_load"' 'name="sync-b"'
}

# S2. Editing a file changes what the kernel enforces: a deny rule added
# refuses a read allowed before; then complain mode and no deny rule.
t_sync_edit() {
	local d=$SYNC_DIR
	need_exec || return 1
	check "precondition: the agent is running" sync_alive || return 1
	echo secret >$SYNC_SECRET
	sync_cat
	check "before: cat $SYNC_SECRET under sync-a exits 0" [ "$RC" = 0 ]
	check "before: ... and prints secret" [ "$OUT" = secret ]
	kmark s2-deny
	sync_profile sync-a "" "deny $SYNC_SECRET r,"
	check "after adding the deny rule: cat under sync-a is refused (waited up to 10 s)" \
		wait_for 10 cat_refused
	sync_cat
	check "after: exit status not 0" [ "$RC" != 0 ]
	check "after: Permission denied" has "$OUT" "Permission denied"
	check "after: sync-a still enforce" mode_is sync-a enforce
	run_cmd cat $SYNC_SECRET
	check "control: unconfined, the same cat works" [ "$OUT" = secret ]
	check "kernel log: profile_replace of sync-a" \
		kwait s2-deny 'operation="profile_replace"' 'name="sync-a"'
	kmark s2-complain
	sync_profile sync-a complain
	check "after switching the file to complain mode: the kernel lists sync-a (complain)" \
		wait_for 10 mode_is sync-a complain
	sync_cat
	check "the deny rule is gone: cat under sync-a exits 0" [ "$RC" = 0 ]
	check "... and prints secret" [ "$OUT" = secret ]
	run_cmd $EXEC --no-load --profile sync-a -- cat /proc/self/attr/current
	check "label: sync-a (complain)" [ "$OUT" = "sync-a (complain)" ]
	check "kernel log: profile_replace of sync-a" \
		kwait s2-complain 'operation="profile_replace"' 'name="sync-a"'
	sync_show $SYNC_LOG
	check "log: aa-oci: sync: reloaded \"sync-a\" from $d/sync-a" \
		has_line $SYNC_LOG "aa-oci: sync: reloaded \"sync-a\" from $d/sync-a"
}

# S3. A new file that does not compile, and a loaded one broken by an
# edit: both skipped, the kernel keeps the rest (sync-b's old version
# too), the agent keeps going and loads the next good file.
t_sync_broken() {
	local d=$SYNC_DIR
	check "precondition: the agent is running" sync_alive || return 1
	printf 'profile sync-x {\n  bad\n}\n' >$d/sync-x
	printf 'profile sync-b {\n  file,\n  bad\n}\n' >$d/sync-b
	check "log: aa-oci: sync: skipped $d/sync-x: ..." \
		wait_for 10 has_text $SYNC_LOG "aa-oci: sync: skipped $d/sync-x: "
	check "log: aa-oci: sync: skipped $d/sync-b: ..." \
		wait_for 10 has_text $SYNC_LOG "aa-oci: sync: skipped $d/sync-b: "
	check "sync-x is not loaded" not_loaded sync-x
	check "sync-b is still loaded (enforce): its last good version" mode_is sync-b enforce
	check "sync-a is still loaded" loaded sync-a
	check "the agent is running" sync_alive
	sync_profile sync-c ""
	check "then a new good file: sync-c loaded (enforce)" wait_for 10 mode_is sync-c enforce
	sync_show $SYNC_LOG
}

# S4. Files removed: sync-b (loaded by the agent) is unloaded once the
# file stayed gone for the grace time; sync-foreign (loaded before the
# agent) is left loaded and the log says so.
t_sync_delete() {
	local d=$SYNC_DIR
	check "precondition: the agent is running" sync_alive || return 1
	check "precondition: sync-b and sync-foreign loaded" both_loaded sync-b sync-foreign || return 1
	kmark s4
	rm $d/sync-b $d/sync-foreign
	check "sync-b unloaded (waited up to 10 s)" wait_for 10 not_loaded sync-b
	check "log: aa-oci: sync: left \"sync-foreign\" loaded ..." \
		wait_for 10 has_text $SYNC_LOG 'aa-oci: sync: left "sync-foreign" loaded'
	sync_show $SYNC_LOG
	check "sync-foreign is still loaded (enforce)" mode_is sync-foreign enforce
	check "sync-a and sync-c are still loaded" both_loaded sync-a sync-c
	check "log: aa-oci: sync: unloaded \"sync-b\": ... (it was loaded from $d/sync-b)" \
		has_line $SYNC_LOG "aa-oci: sync: unloaded \"sync-b\": no profile file defines it any more (it was loaded from $d/sync-b)"
	check "log: aa-oci: sync: left \"sync-foreign\" loaded though no profile file defines it any more: it was loaded before aa-oci sync loaded it" \
		has_line $SYNC_LOG 'aa-oci: sync: left "sync-foreign" loaded though no profile file defines it any more: it was loaded before aa-oci sync loaded it'
	check "kernel log: profile_remove of sync-b" \
		kwait s4 'operation="profile_remove"' 'name="sync-b"'
	check "kernel log: no profile_remove of sync-foreign" \
		no_kgrep s4 'operation="profile_remove"' 'name="sync-foreign"'
	show_record
	check "record: sync-b gone" not_recorded sync-b
}

# S5. 100 edits in a row, each renaming the profile in $SYNC_DIR/sync-hot
# (written in place: the agent may read a half-written file). The first is
# waited for, so the agent owns a sync-hot-N from the start; the other 99
# take a second or two, with a pause every 5th, so the agent's passes (at
# most 0.5 s apart during a burst) fall inside the burst. In the end the
# kernel has sync-hot-100 and no other sync-hot-N.
t_sync_burst() {
	local d=$SYNC_DIR i=2 n
	check "precondition: the agent is running" sync_alive || return 1
	printf 'profile sync-hot-1 {\n  file,\n}\n' >$d/sync-hot
	check "the first version, sync-hot-1, loaded" wait_for 10 loaded sync-hot-1 || return 1
	while [ $i -le 100 ]; do
		printf 'profile sync-hot-%d {\n  file,\n}\n' $i >$d/sync-hot
		[ $((i % 5)) = 0 ] && sleep 0.05
		i=$((i + 1))
	done
	echo "  wrote $d/sync-hot 99 more times (sync-hot-2 ... sync-hot-100)"
	check "the kernel ends with sync-hot-100 and no other sync-hot-N (waited up to 30 s)" \
		wait_for 30 hot_final
	echo "  kernel: $(grep '^sync-hot-' $AAFS/profiles | tr '\n' ' ')"
	n=$(grep -c 'aa-oci: sync: \(re\)\{0,1\}loaded "sync-hot-' $SYNC_LOG)
	echo "  the agent loaded $n versions of sync-hot, unloaded $(grep -c 'unloaded "sync-hot-' $SYNC_LOG) names, skipped it $(grep -c "skipped $d/sync-hot:" $SYNC_LOG) times (half-written)"
	check "sync-hot-100 (enforce)" mode_is sync-hot-100 enforce
	check "the agent is running" sync_alive
	check "record: sync-hot-100 from $d/sync-hot" wait_for 5 recorded sync-hot-100 $d/sync-hot
	check "record: no other sync-hot-N" [ "$(grep -c '^sync-hot-' $SYNC_STATE)" = 1 ]
	check "sync-a and sync-c are still loaded" both_loaded sync-a sync-c
	sync_show $SYNC_LOG | tail -n 6
}

# S6. SIGTERM: the agent stops, exit status 0, and unloads nothing.
t_sync_stop() {
	check "precondition: the agent is running" sync_alive || return 1
	kmark s6
	echo "  \$ kill -TERM $(sync_pid)"
	check "it exits within 10 s of SIGTERM" sync_stop
	sync_show $SYNC_LOG
	check "exit status 0" [ "$(cat $WORK/sync.rc)" = 0 ]
	check "log: the last line is aa-oci: sync: stopped" [ "$(tail -n 1 $SYNC_LOG)" = "aa-oci: sync: stopped" ]
	check "sync-a, sync-c still loaded" both_loaded sync-a sync-c
	check "sync-hot-100 still loaded" loaded sync-hot-100
	check "kernel log: no profile_remove after SIGTERM" no_kgrep s6 'operation="profile_remove"'
}

# S7. A restarted agent still knows what the first one loaded (from the
# record): sync-hot-100, whose file was removed while no agent ran, is
# unloaded at start; sync-a, loaded before this agent started, so only the
# record says it is ours, is unloaded when its file goes.
t_sync_restart() {
	local d=$SYNC_DIR log=$SYNC_LOG.2 p
	check "precondition: no agent running" [ -e $WORK/sync.rc ] || return 1
	check "precondition: sync-a and sync-hot-100 loaded" both_loaded sync-a sync-hot-100 || return 1
	rm $d/sync-hot
	echo "  removed $d/sync-hot while no agent runs"
	sync_start $log
	check "sync-hot-100 unloaded by the new agent (waited up to 10 s)" \
		wait_for 10 not_loaded sync-hot-100
	check "it loaded sync-a (waited up to 10 s)" \
		wait_for 10 has_line $log "aa-oci: sync: loaded \"sync-a\" from $d/sync-a"
	check "log: aa-oci: sync: unloaded \"sync-hot-100\": ... (it was loaded from $d/sync-hot)" \
		has_line $log "aa-oci: sync: unloaded \"sync-hot-100\": no profile file defines it any more (it was loaded from $d/sync-hot)"
	rm $d/sync-a
	check "sync-a unloaded when its file is removed (waited up to 10 s)" \
		wait_for 10 not_loaded sync-a
	check "log: aa-oci: sync: unloaded \"sync-a\": ... (it was loaded from $d/sync-a)" \
		wait_for 5 has_line $log "aa-oci: sync: unloaded \"sync-a\": no profile file defines it any more (it was loaded from $d/sync-a)"
	check "sync-c and sync-foreign still loaded" both_loaded sync-c sync-foreign
	check "SIGTERM: it exits within 10 s" sync_stop
	sync_show $log
	check "exit status 0" [ "$(cat $WORK/sync.rc)" = 0 ]
	for p in $SYNC_NAMES; do unload $p; done
}

# Issue 5: the binary policy cache on the real kernel. One profile,
# aa-oci-cache-test, in a directory of its own, and a config file of its
# own: the parser is a wrapper that counts its runs, cache_dir and run_dir
# are fresh. runc runs the hook at createRuntime through sh, with --debug
# and its stderr appended to a log (runc drops a successful hook's output).
# i5-1 to i5-5 build on each other.
CT=$WORK/cache
CT_P=aa-oci-cache-test
CT_SRC=$CT/profiles/$CT_P
CT_CONF=$CT/config.json
CT_COUNT=$CT/compiles
CT_LOG=$CT/hook.log
CT_HINT=$CT/run/kdir/$CT_P

# ct_profile [RULE]: write $CT_SRC: aa-oci-test's rules under its own name
# (writing /out/ran allowed, /out/denied not), plus RULE. Without
# abstractions/base, which takes most of a compile's time under TCG; the
# tunables are still an include the cache key follows.
ct_profile() {
	{
		printf 'abi <abi/3.0>,\ninclude <tunables/global>\n\n'
		printf 'profile %s flags=(attach_disconnected,mediate_deleted) {\n' $CT_P
		printf '  capability,\n  network,\n  signal,\n  ptrace,\n'
		printf '  /** rmix,\n  /out/ran w,\n'
		if [ -n "$1" ]; then printf '  %s\n' "$1"; fi
		printf '}\n'
	} >$CT_SRC
}

# ct_config FILE CACHE_DIR: a config file for the counting parser.
ct_config() {
	printf '{"parser": "%s", "cache_dir": "%s", "run_dir": "%s", "profile_dirs": ["%s"]}\n' \
		$CT/parser "$2" $CT/run $CT/profiles >"$1"
	sed "s|^|  $1: |" "$1"
}

# ct_compiles: how many times the parser ran.
ct_compiles() { cat $CT_COUNT 2>/dev/null | grep -c ''; }

# ct_bundle: the one bundle of i5-*, $CT_B: S_PROBE under $CT_P, the hook
# with --config $CT_CONF (ct_start puts another file in its place).
CT_B=$WORK/i5
ct_bundle() {
	mkbundle i5 "$S_PROBE" || return 1
	cfg i5 --arg p $CT_P --arg h "$HOOK" --arg c "$CT_CONF" --arg l "$CT_LOG" \
		'.process.apparmorProfile = $p
		| .hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c",
			"exec \"$0\" --config \"$1\" --debug createRuntime 2>>\"$2\"",
			$h, $c, $l]}]'
	mv $CT_B/config.json $CT_B/config.json.in
}

# ct_start ID [CONFIG]: run $CT_B as container ID with runc, the hook with
# CONFIG (default $CT_CONF), /out emptied first. Sets OUT and RC (run_ctr)
# and HLOG, the hook's stderr.
ct_start() {
	sed "s|\"$CT_CONF\"|\"${2:-$CT_CONF}\"|" $CT_B/config.json.in >$CT_B/config.json
	rm -f $CT_B/out/*
	printf "" >$CT_LOG
	kmark "$1"
	run_ctr runc i5 "$1"
	ct_hlog
}
ct_hlog() {
	HLOG=$(cat $CT_LOG)
	printf '%s\n' "$HLOG" | sed 's/^/  hook| /'
	echo "  parser runs so far: $(ct_compiles)"
}

# ct_hook ID: run the hook alone, with the state runc gives it for
# container ID of $CT_B (no container: where only the hook's decision
# matters). Sets RC and HLOG.
ct_hook() {
	printf '{"ociVersion": "1.0.2", "id": "%s", "status": "creating", "pid": %d, "bundle": "%s"}' \
		"$1" $$ $CT_B >$CT/state
	cp $CT_B/config.json.in $CT_B/config.json
	printf "" >$CT_LOG
	echo "  \$ $HOOK --config $CT_CONF --debug createRuntime <$CT/state"
	$HOOK --config $CT_CONF --debug createRuntime <$CT/state 2>$CT_LOG
	RC=$?
	echo "  (exit status $RC)"
	ct_hlog
}

# hlog LINE: the hook logged LINE (the whole line) in the last ct_start or
# ct_hook.
hlog() { printf '%s\n' "$HLOG" | grep -Fxq -- "$1"; }
# hlog_has TEXT...: one line of the hook's log holds every TEXT.
hlog_has() {
	local lines=$HLOG s
	for s in "$@"; do
		lines=$(printf '%s\n' "$lines" | grep -F -- "$s")
	done
	[ -n "$lines" ]
}

# ct_loaded ID [SUFFIX]: the hook's line for a load from $CT_SRC.
ct_loaded() {
	hlog "aa-oci-hook: $1: profile \"$CT_P\": loaded (enforce) from $CT_SRC$2"
}
CT_HIT=", compiled policy from the cache"

# ct_confined ID: the container ran under $CT_P (enforce), its write to
# /out/denied refused and logged by the kernel.
ct_confined() {
	check "runc exited 0" [ "$RC" = 0 ]
	check "label inside: $CT_P (enforce)" has "$OUT" "label=$CT_P (enforce)"
	check "the kernel lists $CT_P (enforce)" mode_is $CT_P enforce
	check "the write to /out/denied failed with EACCES" \
		has "$OUT" "can't create /out/denied: Permission denied"
	check "kernel log: apparmor=\"DENIED\" by $CT_P for /out/denied" \
		kwait "$1" 'apparmor="DENIED"' "profile=\"$CT_P\"" 'name="/out/denied"'
}

# ct_list [CONFIG]: aa-oci cache list; ct_entries: its count of entries,
# ct_entry N: its Nth entry (DIR/KEY, relative to cache_dir).
ct_list() { run_cmd aa-oci cache list --config "${1:-$CT_CONF}"; }
ct_entries() { printf '%s\n' "$OUT" | sed -n 's/^\([0-9]*\) entries, .*/\1/p'; }
ct_entry() { printf '%s\n' "$OUT" | sed -n 's|^\([^ ]*/[0-9a-f]\{64\}\)  .*|\1|p' | sed -n "$1p"; }

# i5-1. A cache hit loads into the kernel without running the parser.
t_cache_hit() {
	local e
	need_hook || return 1
	need_aa_oci || return 1
	start_unloaded $CT_P || return 1
	rm -rf $CT
	mkdir -p $CT/profiles
	printf '#!/bin/sh\necho "$*" >>%s\nexec /sbin/apparmor_parser "$@"\n' $CT_COUNT >$CT/parser
	chmod 0755 $CT/parser
	sed 's/^/  parser: /' $CT/parser
	ct_config $CT_CONF $CT/c
	ct_profile ""
	ct_bundle || return 1
	ct_list
	check "precondition: aa-oci cache list: 0 entries" [ "$(ct_entries)" = 0 ]

	ct_start i5-1-miss
	ct_confined i5-1-miss
	check "the container ran (its marker file exists)" [ -e $CT_B/out/ran ]
	check "the parser ran once" [ "$(ct_compiles)" = 1 ]
	check "hook: loaded (enforce) from $CT_SRC (compiled, not from the cache)" ct_loaded i5-1-miss
	check "kernel log: profile_load of $CT_P" \
		kwait i5-1-miss 'operation="profile_load"' "name=\"$CT_P\""
	ct_list
	check "aa-oci cache list: 1 entry" [ "$(ct_entries)" = 1 ]
	check "... not flagged DAMAGED" holds '[ -n "$(ct_entry 1)" ] && ! has "$OUT" DAMAGED'
	e=$(ct_entry 1)
	echo "$e" >$CT/entry1

	unload $CT_P
	check "unloaded: the kernel no longer lists $CT_P" not_loaded $CT_P || return 1
	ct_start i5-1-hit
	ct_confined i5-1-hit
	check "the container ran (its marker file exists)" [ -e $CT_B/out/ran ]
	check "the parser did not run again (still 1 run)" [ "$(ct_compiles)" = 1 ]
	check "hook: loaded (enforce) from $CT_SRC$CT_HIT" ct_loaded i5-1-hit "$CT_HIT"
	check "kernel log: profile_load of $CT_P (the cached binary went into the kernel)" \
		kwait i5-1-hit 'operation="profile_load"' "name=\"$CT_P\""
	ct_list
	check "aa-oci cache list: still 1 entry, the same ($e)" \
		holds '[ "$(ct_entries)" = 1 ] && [ "$(ct_entry 1)" = "$e" ]'
}

# i5-2. The profile file edited after it was cached: compiled again, and
# the kernel enforces the new version.
t_cache_edit() {
	local n=i5-2-edit
	check "precondition: $CT_P loaded, the parser ran once" \
		sh -c '[ "$1" = 1 ] && grep -q "^$2 (enforce)" "$3/profiles"' - "$(ct_compiles)" $CT_P "$AAFS" || return 1
	ct_profile "deny /out/ran w,"
	echo "  $CT_SRC now has: $(grep deny $CT_SRC)"
	unload $CT_P
	check "unloaded: the kernel no longer lists $CT_P" not_loaded $CT_P || return 1
	ct_start $n
	check "runc exited 0" [ "$RC" = 0 ]
	check "the parser ran again (2 runs)" [ "$(ct_compiles)" = 2 ]
	check "hook: loaded (enforce) from $CT_SRC (compiled, not from the cache)" ct_loaded $n
	check "label inside: $CT_P (enforce)" has "$OUT" "label=$CT_P (enforce)"
	check "the new rule is enforced: writing /out/ran, allowed by the first version, failed with EACCES" \
		has "$OUT" "can't create /out/ran: Permission denied"
	check "/out/ran was not created" [ ! -e $CT_B/out/ran ]
	check "kernel log: profile_load of $CT_P" \
		kwait $n 'operation="profile_load"' "name=\"$CT_P\""
	ct_list
	check "aa-oci cache list: 2 entries (the first version's kept under its own key)" \
		[ "$(ct_entries)" = 2 ]
}

# i5-3. A damaged entry: recompiled, rewritten, never loaded.
t_cache_damaged() {
	local n=i5-3-damaged e size
	e=$(cat $CT/entry1 2>/dev/null)
	check "precondition: the first entry ($e) is there" holds '[ -n "$e" ] && [ -f "$CT/c/$e" ]' || return 1
	ct_profile ""
	echo "  $CT_SRC back to its first version (whose entry is $e)"
	size=$(stat -c %s "$CT/c/$e")
	truncate -s $((size / 2)) "$CT/c/$e"
	echo "  truncated $CT/c/$e from $size to $(stat -c %s "$CT/c/$e") bytes"
	ct_list
	check "aa-oci cache list flags it: DAMAGED" \
		sh -c 'printf "%s\n" "$1" | grep "^$2 " | grep -q DAMAGED' - "$OUT" "$e"
	unload $CT_P
	check "unloaded: the kernel no longer lists $CT_P" not_loaded $CT_P || return 1
	local before
	before=$(ct_compiles)
	ct_start $n
	ct_confined $n
	check "the container ran (its marker file exists: the first version again)" [ -e $CT_B/out/ran ]
	check "the parser ran again ($((before + 1)) runs)" [ "$(ct_compiles)" = $((before + 1)) ]
	check "hook: ... policy cache entry ${e#*/} for $CT_SRC was damaged; recompiled" \
		hlog "aa-oci-hook: $n: profile \"$CT_P\": policy cache entry ${e#*/} for $CT_SRC was damaged; recompiled"
	check "hook: loaded (enforce) from $CT_SRC (compiled, not from the cache)" ct_loaded $n
	# after ct_confined's DENIED record, so a refusal logged before it is in
	check "kernel log: no load refused (the damaged entry never reached the kernel)" \
		no_kgrep $n 'apparmor="STATUS"' 'error='
	ct_list
	check "aa-oci cache list: $e rewritten, no longer DAMAGED" \
		sh -c 'printf "%s\n" "$1" | grep "^$2 " | grep -vq DAMAGED' - "$OUT" "$e"
	check "... 2 entries, none DAMAGED" holds '[ "$(ct_entries)" = 2 ] && ! has "$OUT" DAMAGED'
}

# i5-4. A read-only cache directory: the container still starts, confined,
# with a warning; the parser runs.
t_cache_readonly() {
	local n=i5-4-ro ro=$CT/ro before
	mkdir -p $ro
	mount -t tmpfs -o ro aa-oci-ro $ro
	check "precondition: $ro is a read-only mount" \
		sh -c '! mkdir "$1/x" 2>/dev/null' - $ro || { umount $ro; return 1; }
	ct_config $CT/config-ro.json $ro
	unload $CT_P
	before=$(ct_compiles)
	ct_start $n $CT/config-ro.json
	ct_confined $n
	check "the container ran (its marker file exists)" [ -e $CT_B/out/ran ]
	check "the parser ran ($((before + 1)) runs)" [ "$(ct_compiles)" = $((before + 1)) ]
	check "hook: ... policy cache not used (... Read-only file system); compiling without it" \
		hlog_has "aa-oci-hook: $n: profile \"$CT_P\": policy cache not used (" \
		"Read-only file system" "); compiling without it"
	check "hook: loaded (enforce) from $CT_SRC (compiled, not from the cache)" ct_loaded $n
	ct_list $CT/config-ro.json
	check "aa-oci cache list: 0 entries in $ro" [ "$(ct_entries)" = 0 ]
	umount $ro
}

# i5-5. The profile's directory in the kernel, remembered in
# <run_dir>/kdir/NAME: it names the live directory; unloaded behind
# aa-oci's back it goes stale and is replaced; and its mode is read live
# (a profile switched to complain behind aa-oci's back is reloaded in
# enforce mode when a container asks for enforce).
t_cache_kdir() {
	local n=i5-5 d1 d2 d c
	check "precondition: $CT_P loaded (enforce)" mode_is $CT_P enforce || return 1
	c=$(ct_compiles)
	ct_hook $n-known
	check "the hook exited 0" [ "$RC" = 0 ]
	check "hook: already loaded (enforce)" \
		hlog "aa-oci-hook: debug: $n-known: profile \"$CT_P\": already loaded (enforce)"
	d1=$(cat $CT_HINT 2>/dev/null)
	echo "  $CT_HINT: $d1"
	check "$CT_HINT names a directory: $AAFS/policy/profiles/$d1" \
		holds '[ -n "$d1" ] && [ -d "$AAFS/policy/profiles/$d1" ]'
	check "... whose name file reads $CT_P" [ "$(cat "$AAFS/policy/profiles/$d1/name" 2>&1)" = $CT_P ]

	unload $CT_P
	check "unloaded behind aa-oci's back (.remove): $d1 is gone" \
		[ ! -e "$AAFS/policy/profiles/$d1" ] || return 1
	ct_start $n-reload
	ct_confined $n-reload
	check "hook: loaded (enforce) from $CT_SRC$CT_HIT" ct_loaded $n-reload "$CT_HIT"
	d2=
	for d in "$AAFS/policy/profiles/$CT_P".*; do
		case ${d##*.} in
		"" | *[!0-9]*) ;;
		*) d2=${d##*/} ;;
		esac
	done
	echo "  the kernel's directory now: $d2; $CT_HINT: $(cat $CT_HINT)"
	check "the kernel has it in another directory ($d2)" holds '[ -n "$d2" ] && [ "$d2" != "$d1" ]'
	ct_hook $n-again
	check "the hook exited 0" [ "$RC" = 0 ]
	check "hook: already loaded (enforce)" \
		hlog "aa-oci-hook: debug: $n-again: profile \"$CT_P\": already loaded (enforce)"
	echo "  $CT_HINT: $(cat $CT_HINT)"
	check "the stale name was replaced: $CT_HINT reads $d2" [ "$(cat $CT_HINT)" = "$d2" ]
	check "... whose name file reads $CT_P" [ "$(cat "$AAFS/policy/profiles/$d2/name" 2>&1)" = $CT_P ]

	kmark $n-complain
	run_cmd apparmor_parser -C -r $CT_SRC
	check "switched to complain behind aa-oci's back: the kernel lists $CT_P (complain)" \
		mode_is $CT_P complain || return 1
	check "precondition: $CT_HINT still names the live directory ($d2)" \
		holds '[ "$(cat $CT_HINT)" = "$d2" ] && [ "$(cat "$AAFS/policy/profiles/$d2/name")" = $CT_P ]'
	check "... whose mode file reads complain" [ "$(cat "$AAFS/policy/profiles/$d2/mode")" = complain ]
	ct_start $n-enforce
	sleep 1 # let kauditd print anything the start caused
	check "runc exited 0" [ "$RC" = 0 ]
	check "the administrator's mode is kept: label inside: $CT_P (complain)" \
		has "$OUT" "label=$CT_P (complain)"
	check "the kernel still lists $CT_P (complain)" mode_is $CT_P complain
	check "hook log: profile \"$CT_P\": enforce mode asked, but it is in complain mode, set outside aa-oci ... kept" \
		hlog_has "aa-oci-hook: $n-enforce: profile \"$CT_P\": enforce mode asked, but it is in complain mode, set outside aa-oci" "kept, so the container runs in complain mode"
	check "kernel log: no profile_replace of $CT_P during the start" \
		no_kgrep $n-enforce 'operation="profile_replace"' "name=\"$CT_P\""
	check "the parser ran no more in i5-5 (still $c runs)" [ "$(ct_compiles)" = "$c" ]
	unload $CT_P
}

# i5-7. The kernel's features, walked once per boot (kernel.c
# kernel_features): <run_dir>/features holds this boot's id and the
# features as libapparmor renders them (the cache's own .features file has
# the same bytes). A file from another boot is not believed: the features
# are walked again, the file rewritten, and the cache still hits.
t_cache_features() {
	local n=i5-7 memo=$CT/run/features dotf c
	check "precondition: i5-1 left $memo" [ -f $memo ] || return 1
	dotf=$(ls -d $CT/c/*/.features 2>/dev/null | head -n 1)
	echo "  $memo: $(head -c 200 $memo | tr '\n' ' ')..."
	check "its first line is this boot's id ($(cat /proc/sys/kernel/random/boot_id))" \
		[ "$(head -n 1 $memo)" = "$(cat /proc/sys/kernel/random/boot_id)" ]
	check "then the features' length, then the features libapparmor wrote to the cache ($dotf), byte for byte" \
		sh -c '[ "$(sed -n 2p "$1")" = "$(($(wc -c <"$2")))" ] && tail -n +3 "$1" | cmp -s - "$2"' - $memo "$dotf"
	{
		echo 00000000-0000-0000-0000-000000000000
		echo 'policy {versions {v5 {yes}}}'
	} >$memo
	echo "  $memo now claims another boot, with other features"
	c=$(ct_compiles)
	unload $CT_P
	ct_start $n
	ct_confined $n
	check "hook: loaded (enforce) from $CT_SRC$CT_HIT (the features walked again give the same cache)" \
		ct_loaded $n "$CT_HIT"
	check "the parser did not run (still $c runs)" [ "$(ct_compiles)" = "$c" ]
	check "$memo rewritten for this boot, the same bytes as $dotf again" \
		sh -c '[ "$(head -n 1 "$1")" = "$(cat /proc/sys/kernel/random/boot_id)" ] && tail -n +3 "$1" | cmp -s - "$2"' - $memo "$dotf"
	unload $CT_P
}

# i12-1. <run_dir>/features cut short (a power loss, a full disk): every
# prefix of the features is well formed to libapparmor, fewer features,
# another cache key. At each length the next start walks the features
# again, hits the cache (the parser does not run) and rewrites the file
# whole.
t_features_torn() {
	local n=i12-1 memo=$CT/run/features whole=$CT/features.whole c size l
	need_hook || return 1
	check "precondition: i5-7 left $memo" [ -f $memo ] || return 1
	cp $memo $whole
	size=$(wc -c <$whole)
	c=$(ct_compiles)
	for l in 0 1 36 37 38 39 $((size / 2)) $((size - 2)) $((size - 1)); do
		head -c $l $whole >$memo
		unload $CT_P
		ct_hook $n-$l >/dev/null
		check "cut to $l of $size bytes: the start loads it (exit 0)" [ "$RC" = 0 ]
		check "... from the cache: the parser did not run (still $c runs)" \
			[ "$(ct_compiles)" = "$c" ]
		check "... and $memo is whole again" cmp -s $memo $whole
	done
	unload $CT_P
}

# i12-2. Without CAP_MAC_ADMIN the kernel refuses the write to .replace:
# the hook refuses the container with one line naming the profile and the
# error, nothing is loaded or recorded; with it, the next start loads.
t_no_mac_admin() {
	# by its path: busybox ash runs its own setpriv applet for the name
	local n=i12-2 eff setpriv=/usr/bin/setpriv rec=$CT/run/loaded/$CT_P before st
	need_hook || return 1
	start_unloaded $CT_P || return 1
	check "util-linux setpriv is installed (--bounding-set)" \
		sh -c '"$1" --help 2>&1 | grep -q -- --bounding-set' - $setpriv || return 1
	eff=$($setpriv --bounding-set -mac_admin -- sh -c 'sed -n "s/^CapEff:[[:space:]]*//p" /proc/self/status')
	echo "  CapEff under setpriv --bounding-set -mac_admin: $eff"
	check "CAP_MAC_ADMIN (bit 33) is dropped, CAP_SYS_ADMIN (21) kept" \
		holds '[ $((0x$eff & 0x200000000)) = 0 ] && [ $((0x$eff & 0x200000)) != 0 ]'
	printf '{"ociVersion": "1.0.2", "id": "%s", "status": "creating", "pid": %d, "bundle": "%s"}' \
		$n $$ $CT_B >$CT/state
	cp $CT_B/config.json.in $CT_B/config.json
	printf "" >$CT_LOG
	# an earlier start's record (unload does not drop it): must not change
	before=$(cat $rec 2>/dev/null)
	kmark $n
	echo "  \$ $setpriv --bounding-set -mac_admin -- $HOOK --config $CT_CONF createRuntime <$CT/state"
	$setpriv --bounding-set -mac_admin -- $HOOK --config $CT_CONF createRuntime <$CT/state 2>$CT_LOG
	RC=$?
	echo "  (exit status $RC)"
	ct_hlog
	sleep 1 # let kauditd print what the refusal caused
	klog $n | grep -F apparmor= | sed 's/^/    kernel: /'
	check "the hook exited 1: the container is refused" [ "$RC" = 1 ]
	check "one line on stderr" [ "$(printf '%s\n' "$HLOG" | grep -c .)" = 1 ]
	check "it names the profile and the kernel's refusal" \
		hlog_has "aa-oci-hook: $n: profile \"$CT_P\": the kernel refused the policy compiled from $CT_SRC: "
	check "... and the kernel's errno (EACCES: Permission denied)" hlog_has "Permission denied"
	check "kernel log: the write refused, info=\"not policy admin\" error=-13" \
		kgrep $n 'info="not policy admin"' 'error=-13' "comm=\"aa-oci-hook\""
	check "$CT_P is not loaded" not_loaded $CT_P
	check "kernel log: no profile_load of $CT_P" \
		no_kgrep $n 'operation="profile_load"' "name=\"$CT_P\""
	check "no record of it as loaded by this start ($rec unchanged)" \
		[ "$(cat $rec 2>/dev/null)" = "$before" ]
	st=$(aa-oci status --json --config $CT_CONF)
	check "aa-oci status --json lists containers" \
		sh -c 'printf "%s" "$1" | jq -e "has(\"containers\")" >/dev/null' - "$st"
	check "... and not the refused one ($n)" \
		sh -c '! printf "%s" "$1" | jq -e ".containers[] | select(.id == \"$2\")" >/dev/null' - "$st" $n
	ct_hook $n-again
	check "with CAP_MAC_ADMIN the next start loads it (exit 0)" [ "$RC" = 0 ]
	check "the kernel lists $CT_P (enforce)" mode_is $CT_P enforce
	unload $CT_P
}

# What the loader's "not loaded" answer rests on (kernel.c
# kernel_profile_exists): the kernel's .access label query fails with ENOENT
# for a name no profile has, and succeeds for a loaded one.
t_access_query() {
	local q out
	q() { printf 'label\000%s\000\002' "$1" | dd of="$AAFS/.access" bs=512 2>&1; }
	unload $PROFILE
	check "precondition: $PROFILE is not loaded" not_loaded $PROFILE
	out=$(q $PROFILE)
	check "query for $PROFILE, not loaded: the write fails with ENOENT" \
		has "$out" "No such file or directory"
	apparmor_parser -r /etc/apparmor.d/$PROFILE
	check "precondition: $PROFILE is loaded" loaded $PROFILE
	out=$(q $PROFILE)
	check "query for $PROFILE, loaded: the write succeeds" \
		sh -c '! printf "%s" "$1" | grep -q "error"' - "$out"
	unload $PROFILE
}

# Issue 9: no container can change a profile it did not ask for.
VICTIM=/usr/sbin/victimd
VICTIM_FILE=/etc/apparmor.d/usr.sbin.victimd

# victim_setup: a host profile named by its path, in a file named the way
# the host names such files, loaded in enforce mode before any container.
victim_setup() {
	cat >$VICTIM_FILE <<'P'
profile /usr/sbin/victimd flags=(attach_disconnected) {
  file,
  deny /out/denied w,
}
P
	apparmor_parser -r $VICTIM_FILE
	check "precondition: the kernel lists $VICTIM (enforce)" mode_is $VICTIM enforce
}

# victim_intact TAG: still enforce, nothing replaced or loaded since TAG.
victim_intact() {
	sleep 1 # let kauditd print anything the attempt caused
	check "the kernel still lists $VICTIM (enforce)" mode_is $VICTIM enforce
	check "kernel log: no profile_replace since the attempt" \
		no_kgrep "$1" 'operation="profile_replace"'
	check "kernel log: no profile_load since the attempt" \
		no_kgrep "$1" 'operation="profile_load"'
	check "usr.sbin.victimd was not loaded under that name" not_loaded usr.sbin.victimd
	check "nothing of it loaded in aa-oci's namespace" \
		holds "not_loaded $(nsl usr.sbin.victimd) && not_loaded $(nsl $VICTIM)"
}

# i9-1. Through the hook: a container names the host profile's file and
# asks complain mode; refused, by the complain gate and, where complain is
# allowed, by the check of what the compiled file declares.
t_victim_hook() {
	local n=i9-1 plain
	need_hook || return 1
	victim_setup || return 1
	mkbundle $n "$S_PROBE"
	with_profile $n usr.sbin.victimd
	annotate $n aa-oci.profile usr.sbin.victimd
	annotate $n aa-oci.mode complain
	hook_runc $n
	kmark $n
	run_ctr runc $n
	check "default config: runc failed, the container never ran" \
		holds '[ "$RC" != 0 ] && [ ! -e $WORK/$n/out/ran ]'
	check "the hook names the complain gate" \
		has "$(printf '%s' "$OUT" | tr -d '\\')" 'allow_complain'
	victim_intact $n

	# complain is per container: even allowed, the shared host profile
	# is refused by the hook; the container's own copy of it cannot be
	# made from a file that declares another name
	hook_conf $n runc $I9/complain.json
	kmark $n-allowed
	run_ctr runc $n
	check "allow_complain: true: runc failed, the container never ran" \
		holds '[ "$RC" != 0 ] && [ ! -e $WORK/$n/out/ran ]'
	victim_intact $n-allowed
	with_profile $n "usr.sbin.victimd--aa-oci-i9-1"
	kmark $n-copy
	run_ctr runc $n
	plain=$(printf '%s' "$OUT" | tr -d '\\')
	check "its private copy asked: refused, the file declares no \"profile usr.sbin.victimd\"" \
		has "$plain" "$VICTIM_FILE does not declare \"profile usr.sbin.victimd\""
	victim_intact $n-copy

	# Without complain it still never forces a reload of the host file.
	with_profile $n usr.sbin.victimd
	cfg $n 'del(.annotations["aa-oci.mode"])'
	hook_runc $n
	kmark $n-enforce
	run_ctr runc $n
	plain=$(printf '%s' "$OUT" | tr -d '\\')
	check "enforce asked: refused as well" holds '[ "$RC" != 0 ] && [ ! -e $WORK/$n/out/ran ]'
	check "the hook says what the file declares: $VICTIM_FILE declares \"$VICTIM\", not \"usr.sbin.victimd\"" \
		has "$plain" "$VICTIM_FILE declares \"$VICTIM\", not \"usr.sbin.victimd\""
	victim_intact $n-enforce
}

# i9-2. The same through aa-oci-runtime (only the annotations ask).
t_victim_runtime() {
	local rt=$1 n=i9-2-$1
	need_runtime || return 1
	victim_setup || return 1
	export AA_OCI_RUNTIME
	AA_OCI_RUNTIME=$(command -v "$rt")
	mkbundle $n "$S_PROBE"
	annotate $n aa-oci.profile usr.sbin.victimd
	annotate $n aa-oci.mode complain
	cp $WORK/$n/config.json $WORK/$n/config.json.orig
	kmark $n
	run_ctr $RUNTIME $n
	check "default config: aa-oci-runtime ($rt) failed, the container never ran" \
		holds '[ "$RC" != 0 ] && [ ! -e $WORK/$n/out/ran ]'
	check "it names the complain gate" has "$OUT" "allow_complain"
	victim_intact $n
	kmark $n-allowed
	run_cmd $RUNTIME --aa-oci-config $I9/complain.json run --bundle $WORK/$n $n
	$rt delete --force $n >/dev/null 2>&1
	check "allow_complain: true: exit 1, the container never ran" \
		holds '[ "$RC" = 1 ] && [ ! -e $WORK/$n/out/ran ]'
	check "it says no per-container copy can be made of that file" \
		has "$OUT" "$VICTIM_FILE does not declare \"profile usr.sbin.victimd\""
	check "config.json unchanged" cmp $WORK/$n/config.json $WORK/$n/config.json.orig
	victim_intact $n-allowed
	# enforce: the check of what the file declares
	cfg $n 'del(.annotations["aa-oci.mode"])'
	cp $WORK/$n/config.json $WORK/$n/config.json.orig
	kmark $n-enforce
	run_cmd $RUNTIME run --bundle $WORK/$n $n
	$rt delete --force $n >/dev/null 2>&1
	# compiled for aa-oci's namespace: the labels are the namespace's
	check "enforce asked: exit 1, it says what the file declares: $VICTIM_FILE declares \"$(nsl $VICTIM)\", not \"$(nsl usr.sbin.victimd)\"" \
		holds '[ "$RC" = 1 ] && has "$OUT" "$VICTIM_FILE declares \"$(nsl $VICTIM)\", not \"$(nsl usr.sbin.victimd)\""'
	check "config.json unchanged" cmp $WORK/$n/config.json $WORK/$n/config.json.orig
	victim_intact $n-enforce
}

# i9-5. A profile the administrator disabled (aa-disable's link in
# /etc/apparmor.d/disable/) is never loaded on a container's request.
t_disabled() {
	local n=i9-5 p=aa-oci-disabled plain
	need_hook || return 1
	printf 'profile %s flags=(attach_disconnected) {\n  file,\n}\n' $p >/etc/apparmor.d/$p
	mkdir -p /etc/apparmor.d/disable
	ln -sf ../$p /etc/apparmor.d/disable/$p
	unload $p
	mkbundle $n "$S_PROBE"
	with_profile $n $p
	hook_runc $n
	kmark $n
	run_ctr runc $n
	plain=$(printf '%s' "$OUT" | tr -d '\\')
	check "runc failed, the container never ran" holds '[ "$RC" != 0 ] && [ ! -e $WORK/$n/out/ran ]'
	check "the hook says: /etc/apparmor.d/$p is disabled (/etc/apparmor.d/disable/$p exists)" \
		has "$plain" "/etc/apparmor.d/$p is disabled (/etc/apparmor.d/disable/$p exists)"
	check "$p was not loaded" not_loaded $p
	rm -f /etc/apparmor.d/disable/$p
	run_ctr runc $n
	check "control: the link removed, the same container runs confined" \
		has "$OUT" "label=$p (enforce)"
	unload $p
}

# i9-6. aa-oci-exec --profile unconfined obeys allow_unconfined, and a
# confined caller is refused rather than run under its own label.
t_exec_unconfined() {
	local m=$WORK/i9-6-ran
	need_exec || return 1
	printf '{"allow_unconfined": true}\n' >$I9/unconfined.json
	rm -f $m
	run_cmd $EXEC --profile unconfined -- sh -c "echo ran >$m"
	check "default config: exit 126, the command did not run" \
		holds '[ "$RC" = 126 ] && [ ! -e $m ]'
	check "it says: --profile asks for unconfined ... set \"allow_unconfined\": true" \
		has "$OUT" '--profile asks for unconfined, which the config file does not allow (set "allow_unconfined": true'
	run_cmd $EXEC --config $I9/unconfined.json --profile unconfined -- cat /proc/self/attr/current
	check "allowed, from an unconfined shell: runs unconfined" \
		holds '[ "$RC" = 0 ] && [ "$OUT" = unconfined ]'
	unload aa-oci-stack-a
	run_cmd $EXEC --profile aa-oci-stack-a -- \
		$EXEC --config $I9/unconfined.json --profile unconfined -- cat /proc/self/attr/current
	check "allowed, but the caller is confined (aa-oci-stack-a): exit 126, not run under the caller's label" \
		holds '[ "$RC" = 126 ] && ! has "$OUT" "aa-oci-stack-a (enforce)"'
	check "it says the process is confined" has "$OUT" "this process is confined"
	unload aa-oci-stack-a
}

# Issue 11: two containers share payment-api; one asks complain.
PAY=payment-api
pay_profile() {
	mkdir -p /etc/apparmor.d/local
	cat >/etc/apparmor.d/$PAY <<'P'
abi <abi/3.0>,
include <tunables/global>

profile payment-api flags=(attach_disconnected,mediate_deleted) {
  include <abstractions/base>
  capability,
  signal,
  /** rmix,
  /out/ran w,
  /out/app/logs/** rw,
  include if exists <local/payment-api>
}
P
	rm -f /etc/apparmor.d/local/$PAY
}

# i11-1. Complain for one container through aa-oci-runtime: a private copy
# under its own label; the other container stays enforced; aa-oci status
# lists both; delete unloads the copy.
t_per_container_complain() {
	local n=i11-1 c copy st rt
	need_runtime || return 1
	pay_profile
	unload_both $PAY
	printf '{"allow_complain": true}\n' >$I9/i11.json
	# the probe writes, then waits for the test to look, then exits
	local S='exec 2>&1
echo "label=$(cat /proc/self/attr/current)"
echo ran >/out/ran
echo x >/out/denied && echo "write /out/denied: succeeded"
i=0; while [ ! -e /out/go ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
exit 0'
	for c in enf cmp; do
		mkbundle $n-$c "$S"
		annotate $n-$c aa-oci.profile $PAY
	done
	annotate $n-cmp aa-oci.mode complain
	copy=$PAY--aa-oci-$(printf '%s' $n-cmp | cut -c1-12)
	# both in aa-oci's namespace (the default profile_namespace): aa-oci's
	# records and status name them by their labels
	local lpay lcopy
	lpay=$(nsl $PAY) lcopy=$(nsl $copy)
	# the wrapper with this test's settings, over runc and over crun
	for rt in runc crun; do
		printf '#!/bin/sh\nAA_OCI_RUNTIME=%s exec %s --aa-oci-config %s "$@"\n' \
			"$(command -v $rt)" "$RUNTIME" $I9/i11.json >$I9/wrap-$rt
		chmod 0755 $I9/wrap-$rt
	done
	kmark $n
	run_ctr $I9/wrap-runc $n-enf >$WORK/$n-enf.log 2>&1 &
	run_ctr $I9/wrap-crun $n-cmp >$WORK/$n-cmp.log 2>&1 &
	wait_for 60 sh -c '[ -e "$1/out/ran" ] && [ -e "$2/out/ran" ]' - $WORK/$n-enf $WORK/$n-cmp
	run_cmd aa-oci status --json
	st=$OUT
	run_cmd aa-oci status
	# while both run: each record attributed to its own container
	sleep 1 # the audit records reach the log through kauditd
	run_cmd aa-oci logs --container $n-enf --json
	check "aa-oci logs --container $n-enf: the DENIED write of /out/denied, by $PAY" \
		sh -c 'printf "%s\n" "$1" | jq -e "select(.apparmor == \"DENIED\" and .name == \"/out/denied\" and .profile == \"$2\" and .container == \"$3\")" >/dev/null' - "$OUT" $PAY $n-enf
	run_cmd aa-oci logs --container $n-cmp --json
	check "aa-oci logs --container $n-cmp: the ALLOWED write, by its copy" \
		sh -c 'printf "%s\n" "$1" | jq -e "select(.apparmor == \"ALLOWED\" and .name == \"/out/denied\" and .profile == \"$2\" and .container == \"$3\")" >/dev/null' - "$OUT" $copy $n-cmp
	check "aa-oci logs --container $n-enf shows nothing of $n-cmp" \
		sh -c '! printf "%s\n" "$1" | grep -q "$2"' - "$(aa-oci logs --container $n-enf --json)" $copy
	touch $WORK/$n-enf/out/go $WORK/$n-cmp/out/go
	wait
	cat $WORK/$n-enf.log $WORK/$n-cmp.log
	check "status --json: $n-enf under $lpay (enforce)" \
		sh -c 'printf "%s" "$1" | jq -e ".containers[] | select(.id == \"$2\") | select(.profile == \"$3\" and .mode == \"enforce\")" >/dev/null' - "$st" $n-enf $lpay
	check "status --json: $n-cmp under its copy $lcopy (complain)" \
		sh -c 'printf "%s" "$1" | jq -e ".containers[] | select(.id == \"$2\") | select(.profile == \"$3\" and .mode == \"complain\")" >/dev/null' - "$st" $n-cmp $lcopy
	check "status --json: each container's process carries its label" \
		sh -c 'printf "%s" "$1" | jq -e "[.containers[] | select(.id == \"$2\" or .id == \"$3\") | .label_matches] == [true, true]" >/dev/null' - "$st" $n-enf $n-cmp
	load_result $n-enf
	check "enforced container: label $PAY (enforce)" has "$OUT" "label=$PAY (enforce)"
	check "enforced container: the write to /out/denied failed with EACCES" \
		has "$OUT" "can't create /out/denied: Permission denied"
	load_result $n-cmp
	check "complain container: label $copy (complain)" has "$OUT" "label=$copy (complain)"
	check "complain container: the same write succeeded" has "$OUT" "write /out/denied: succeeded"
	check "kernel log: DENIED by $PAY for /out/denied" \
		kwait $n 'apparmor="DENIED"' "profile=\"$PAY\"" 'name="/out/denied"'
	check "kernel log: ALLOWED by $copy for /out/denied" \
		kwait $n 'apparmor="ALLOWED"' "profile=\"$copy\"" 'name="/out/denied"'
	check "the shared $lpay is still enforce" mode_is $lpay enforce
	check "after delete, the private copy $lcopy is gone from the kernel" not_loaded $lcopy
	check "after delete, aa-oci status lists neither container" \
		sh -c '! aa-oci status --json | jq -e ".containers[] | select(.id == \"$1\" or .id == \"$2\")" >/dev/null' - $n-enf $n-cmp
}

# i11-2. unload_unused: the last container's poststop unloads a profile
# loaded on a container's request; a start racing that unload always runs
# confined (it records itself before it looks at the kernel).
hook_unused() {
	cfg "$1" --arg h "$HOOK" --arg c $I9/unload.json '
		.hooks.createRuntime = [{path: $h, args: ["aa-oci-hook", "--config", $c, "createRuntime"]}]
		| .hooks.poststop = [{path: $h, args: ["aa-oci-hook", "--config", $c, "poststop"]}]'
}
t_unload_unused() {
	local n=i11-2 i bad=0
	need_hook || return 1
	printf '{"unload_unused": true}\n' >$I9/unload.json
	start_unloaded $PROFILE || return 1
	mkbundle $n "$S_PROBE"
	with_profile $n $PROFILE
	hook_unused $n
	kmark $n
	run_ctr runc $n
	check "the container ran confined: label $PROFILE (enforce)" has "$OUT" "label=$PROFILE (enforce)"
	check "its poststop unloaded $PROFILE (no container uses it)" not_loaded $PROFILE
	check "kernel log: profile_remove of $PROFILE" \
		kwait $n 'operation="profile_remove"' "name=\"$PROFILE\""
	# 64 rounds: A ends (its poststop may unload) while B starts.
	mkbundle $n-b "$S_PROBE"
	with_profile $n-b $PROFILE
	hook_unused $n-b
	for i in $(seq 1 64); do
		run_ctr runc $n $n-a$i >/dev/null 2>&1 &
		run_ctr runc $n-b $n-b$i >/dev/null 2>&1
		wait
		load_result $n-b
		if ! has "$OUT" "label=$PROFILE (enforce)"; then
			bad=$((bad + 1))
			echo "  round $i: B: $(printf '%s' "$OUT" | head -n 3)"
		fi
	done
	check "64 rounds: B always ran confined ($bad failures)" [ $bad = 0 ]
	check "after the last container, $PROFILE is unloaded again" not_loaded $PROFILE
}

# i11-3. sync --watch follows a profile's local override: editing
# /etc/apparmor.d/local/NAME changes the kernel's policy.
t_sync_local() {
	local d=$WORK/i11-3 pid
	rm -rf $d && mkdir -p $d/profiles $d/run
	echo secret >$d/secret
	rm -f /etc/apparmor.d/local/sync-inc
	unload sync-inc
	printf '{"run_dir": "%s/run"}\n' $d >$d/config.json
	cat >$d/profiles/sync-inc <<'P'
profile sync-inc flags=(attach_disconnected) {
  /** rmix,
  include if exists <local/sync-inc>
}
P
	aa-oci sync --watch --config $d/config.json $d/profiles </dev/null >/dev/null 2>$d/sync.log &
	pid=$!
	check "the agent loaded sync-inc" wait_for 60 loaded sync-inc
	run_cmd $EXEC --no-load --profile sync-inc -- cat $d/secret
	check "before: cat under sync-inc reads the file" has "$OUT" secret
	mkdir -p /etc/apparmor.d/local
	printf 'deny %s r,\n' $d/secret >/etc/apparmor.d/local/sync-inc
	check "after local/sync-inc is written: the read is refused (the agent reloaded it)" \
		wait_for 30 sh -c '! "$1" --no-load --profile sync-inc -- cat "$2" >/dev/null 2>&1' - $EXEC $d/secret
	run_cmd $EXEC --no-load --profile sync-inc -- cat $d/secret
	check "cat: Permission denied" has "$OUT" "Permission denied"
	kill $pid
	wait $pid
	sed 's/^/  agent| /' $d/sync.log | tail -5
	rm -f /etc/apparmor.d/local/sync-inc
	unload sync-inc
}

# i11-4. The learning loop of the seeds: a complain run that writes where
# payment-api does not allow, aa-oci suggest --write --reload, then an
# enforced run where that write succeeds and an unrelated one is denied.
t_learn() {
	local n=i11-4 S id=i11-4-learn lpay
	need_runtime || return 1
	pay_profile
	unload_both $PAY
	# the wrapper loads it in aa-oci's namespace; suggest --profile and
	# reload take the plain name too, and act on the label there
	lpay=$(nsl $PAY)
	printf '{"allow_complain": true}\n' >$I9/i11.json
	for rt in runc; do
		printf '#!/bin/sh\nAA_OCI_RUNTIME=%s exec %s --aa-oci-config %s "$@"\n' \
			"$(command -v $rt)" "$RUNTIME" $I9/i11.json >$I9/wrap-$rt
		chmod 0755 $I9/wrap-$rt
	done
	S='exec 2>&1
echo "label=$(cat /proc/self/attr/current)"
mkdir -p /out/app/data
echo x >/out/app/data/report.txt && echo "report: written"
echo y >/out/unrelated && echo "unrelated: written"
i=0; while [ ! -e /out/go ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
exit 0'
	mkbundle $n "$S"
	annotate $n aa-oci.profile $PAY
	annotate $n aa-oci.mode complain
	run_ctr $I9/wrap-runc $n $id >$WORK/$n.log 2>&1 &
	wait_for 60 test -e $WORK/$n/out/app/data/report.txt
	sleep 1
	run_cmd aa-oci logs --container $id
	check "aa-oci logs --container: the complain run's ALLOWED write of /out/app/data/report.txt" \
		sh -c 'printf "%s" "$1" | grep "ALLOWED" | grep -q "/out/app/data/report.txt"' - "$OUT"
	run_cmd aa-oci suggest --container $id
	check "suggest: a rule for /out/app/data/report.txt" has "$OUT" "/out/app/data/report.txt"
	check "suggest: the diff is against /etc/apparmor.d/local/$PAY" has "$OUT" "+++ /etc/apparmor.d/local/$PAY"
	touch $WORK/$n/out/go
	wait
	cat $WORK/$n.log
	# only the write the workload needs is kept: drop the unrelated one
	run_cmd aa-oci suggest --profile $PAY --write --reload --since -10m
	check "suggest --write: rules added to local/$PAY" has "$OUT" "added to /etc/apparmor.d/local/$PAY"
	check "suggest --reload: $lpay loaded again" has "$OUT" "$lpay: loaded again"
	echo "  local/$PAY:"
	sed 's/^/  | /' /etc/apparmor.d/local/$PAY
	sed -i '/unrelated/d' /etc/apparmor.d/local/$PAY
	run_cmd aa-oci reload $PAY
	check "reload $PAY: $lpay, the one the wrapper loaded, loaded again" \
		has "$OUT" "$lpay: loaded (enforce) from /etc/apparmor.d/$PAY"
	check "reload $PAY: nothing loaded in the root namespace" not_loaded $PAY
	# enforced: the learned write succeeds, the unrelated one is denied
	mkbundle $n-enf "$S"
	annotate $n-enf aa-oci.profile $PAY
	touch $WORK/$n-enf/out/go
	kmark $n-enf
	run_ctr $I9/wrap-runc $n-enf
	check "enforced: label $PAY (enforce)" has "$OUT" "label=$PAY (enforce)"
	check "enforced: the learned write succeeds" has "$OUT" "report: written"
	check "enforced: the unrelated write is denied" has "$OUT" "can't create /out/unrelated: Permission denied"
	check "kernel log: DENIED by $PAY in aa-oci's namespace for /out/unrelated" \
		kwait $n-enf 'apparmor="DENIED"' "namespace=\"root//$NS\"" "profile=\"$PAY\"" 'name="/out/unrelated"'
	run_cmd aa-oci unload $PAY
	check "unload $PAY: $lpay unloaded" has "$OUT" "$lpay: unloaded"
	check "unload $PAY: $lpay is gone from the kernel" not_loaded $lpay
	rm -f /etc/apparmor.d/local/$PAY
	unload_both $PAY
}

# Issue 14: aa-oci's own policy namespace. The wrappers load what a
# container asks for into it (profile_namespace, default "aa-oci") and name
# it ":aa-oci:NAME"; the container sees NAME, the host ":aa-oci:NAME"; the
# kernel logs namespace="root//aa-oci" profile="NAME".

# The probe, then it waits for /out/go (the test looks at it meanwhile).
S_NSWAIT='exec 2>&1
echo "label=$(cat /proc/self/attr/current)"
echo ran >/out/ran
echo x >/out/denied && echo "write /out/denied: succeeded"
i=0; while [ ! -e /out/go ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
exit 0'

# no_ns_profiles: the kernel lists nothing in aa-oci's namespace, which is gone
no_ns_profiles() {
	! grep -q "^:$NS:" $AAFS/profiles && [ ! -e $AAFS/policy/namespaces/$NS ]
}

# i14-1. runc and crun through aa-oci-runtime, only aa-oci.profile set, the
# profile loaded nowhere: it goes into the namespace, config.json names its
# label, the container is confined by it; aa-oci status and aa-oci logs
# show the container under that label.
t_ns_wrap() {
	local rt=$1 n=i14-1-$1 pid hl st l
	need_runtime || return 1
	l=$(nsl $PROFILE)
	export AA_OCI_RUNTIME
	AA_OCI_RUNTIME=$(command -v "$rt")
	unload_both $PROFILE
	check "precondition: $PROFILE loaded nowhere (root, $l)" \
		holds "not_loaded $PROFILE && not_loaded $l"
	mkbundle $n "$S_NSWAIT"
	annotate $n aa-oci.profile $PROFILE
	kmark $n
	run_ctr $RUNTIME $n >$WORK/$n.log 2>&1 &
	wait_for 60 test -e $WORK/$n/out/ran
	pid=$($rt state $n | jq -r .pid)
	hl=$(cat /proc/$pid/attr/current)
	echo "  host: /proc/$pid/attr/current: $hl"
	check "from the host the container's process is $l (enforce)" [ "$hl" = "$l (enforce)" ]
	check "kernel log: DENIED in namespace root//$NS by $PROFILE for /out/denied" \
		kwait $n 'apparmor="DENIED"' "namespace=\"root//$NS\"" "profile=\"$PROFILE\"" 'name="/out/denied"'
	run_cmd aa-oci status --json
	st=$OUT
	run_cmd aa-oci status
	check "aa-oci status: a line for $n under $l" \
		sh -c 'printf "%s\n" "$1" | grep "^  $2 " | grep -q " $3 *enforce "' - "$OUT" $n "$l"
	check "aa-oci status --json: $n under $l (enforce), its process labelled so" \
		sh -c 'printf "%s" "$1" | jq -e ".containers[] | select(.id == \"$2\") | select(.profile == \"$3\" and .mode == \"enforce\" and .label == \"$3\" and .label_matches == true)" >/dev/null' - "$st" $n "$l"
	check "aa-oci status --json: $l (enforce) loaded by the runtime wrapper" \
		sh -c 'printf "%s" "$1" | jq -e ".profiles[] | select(.name == \"$2\" and .mode == \"enforce\" and .loaded == true and .loaded_by == \"runtime\")" >/dev/null' - "$st" "$l"
	run_cmd aa-oci logs --container $n --json
	check "aa-oci logs --container $n: the DENIED write of /out/denied, by $PROFILE in $NS, this container's" \
		sh -c 'printf "%s\n" "$1" | jq -e "select(.apparmor == \"DENIED\" and .name == \"/out/denied\" and .profile == \"$2\" and .namespace == \"$3\" and .container == \"$4\")" >/dev/null' - "$OUT" $PROFILE $NS $n
	run_cmd aa-oci logs --profile "$l" --json
	check "aa-oci logs --profile $l: the same record" \
		sh -c 'printf "%s\n" "$1" | jq -e "select(.apparmor == \"DENIED\" and .name == \"/out/denied\" and .container == \"$2\")" >/dev/null' - "$OUT" $n
	# a plain name: where the wrappers put it, root or aa-oci's namespace;
	# with profile_namespace "" only the root namespace's
	run_cmd aa-oci logs --profile $PROFILE --json
	check "aa-oci logs --profile $PROFILE: the same record (the plain name covers $NS)" \
		sh -c 'printf "%s\n" "$1" | jq -e "select(.apparmor == \"DENIED\" and .name == \"/out/denied\" and .container == \"$2\")" >/dev/null' - "$OUT" $n
	run_cmd aa-oci logs --profile $PROFILE --json --config $NS_OFF
	check "aa-oci logs --profile $PROFILE with NS_OFF (the root namespace's only): not this record" \
		sh -c '! printf "%s\n" "$1" | grep -q "\"container\":\"$2\""' - "$OUT" $n
	touch $WORK/$n/out/go
	wait
	cat $WORK/$n.log
	load_result $n
	check "aa-oci-runtime ($rt) exited 0" [ "$RC" = 0 ]
	check "label inside: $PROFILE (enforce)" has "$OUT" "label=$PROFILE (enforce)"
	check "the write to /out/denied failed with EACCES" \
		has "$OUT" "can't create /out/denied: Permission denied"
	check "/out/denied was not created" [ ! -e $WORK/$n/out/denied ]
	check "config.json now has process.apparmorProfile \"$l\"" [ "$(spec_profile $n)" = "$l" ]
	check "the kernel lists $l (enforce)" mode_is "$l" enforce
	check "$PROFILE is not loaded in the root namespace" not_loaded $PROFILE
	check "kernel log: profile_load of $PROFILE with ns=\"$NS\"" \
		kwait $n 'operation="profile_load"' "name=\"$PROFILE\"" "ns=\"$NS\""
}

# i14-2. The hook with ":aa-oci:NAME" in process.apparmorProfile (what the
# wrapper writes, or an engine told so): loaded into the namespace.
t_ns_hook() {
	local n=i14-2 l
	need_hook || return 1
	l=$(nsl $PROFILE)
	unload_both $PROFILE
	check "precondition: $PROFILE loaded nowhere (root, $l)" \
		holds "not_loaded $PROFILE && not_loaded $l"
	mkbundle $n "$S_PROBE"
	with_profile $n "$l"
	hook_runc $n
	kmark $n
	run_ctr runc $n
	check "runc exited 0" [ "$RC" = 0 ]
	check "label inside: $PROFILE (enforce)" has "$OUT" "label=$PROFILE (enforce)"
	check "the write to /out/denied failed with EACCES" \
		has "$OUT" "can't create /out/denied: Permission denied"
	check "the kernel lists $l (enforce)" mode_is "$l" enforce
	check "$PROFILE is not loaded in the root namespace" not_loaded $PROFILE
	check "kernel log: profile_load of $PROFILE with ns=\"$NS\", by aa-oci-hook" \
		kwait $n 'operation="profile_load"' "name=\"$PROFILE\"" "ns=\"$NS\"" 'comm="aa-oci-hook"'
	check "kernel log: DENIED in namespace root//$NS by $PROFILE for /out/denied" \
		kwait $n 'apparmor="DENIED"' "namespace=\"root//$NS\"" "profile=\"$PROFILE\"" 'name="/out/denied"'
}

# i14-3. A tenant never chooses a namespace: names with ':' other than
# ":aa-oci:" + a valid name are refused by the hook (process.apparmorProfile)
# and by aa-oci-runtime (aa-oci.profile), nothing loaded. Files that would
# load if the names were taken are there (x, ../x, a//b), and a namespace
# "other" is one apparmor_parser would create.
t_ns_hostile() {
	local n=i14-3 name before plain i=0 want
	need_hook || return 1
	need_runtime || return 1
	export AA_OCI_RUNTIME
	AA_OCI_RUNTIME=$(command -v runc)
	printf 'profile x flags=(attach_disconnected) {\n  file,\n}\n' >/etc/apparmor.d/x
	printf 'profile x flags=(attach_disconnected) {\n  file,\n}\n' >/etc/x
	printf 'profile a flags=(attach_disconnected) {\n  file,\n  profile b {\n    file,\n  }\n}\n' >/etc/apparmor.d/a
	for name in ":other:x" ":$NS:../x" ":$NS:a//b" ":$NS:"; do
		i=$((i + 1))
		case $i in
		1) want="names a policy namespace" ;;
		2) want="must start with a letter, digit or '_'" ;;
		3) want="has a character that is not allowed (byte 0x2f at 1)" ;;
		4) want="names a policy namespace" ;;
		esac
		echo "  -- $name"
		cat $AAFS/profiles >$I14/profiles.before
		mkbundle $n "$S_PROBE"
		with_profile $n "$name"
		hook_runc $n
		kmark $n-$i
		run_ctr runc $n
		plain=$(printf '%s' "$OUT" | tr -d '\\')
		check "hook, $name: runc failed, the container never ran" \
			holds '[ "$RC" != 0 ] && [ ! -e $WORK/$n/out/ran ]'
		check "hook, $name: refused: $want" has "$plain" "$want"
		sleep 0.5 # let kauditd print anything the attempt caused
		check "hook, $name: the profiles list is unchanged" cmp $AAFS/profiles $I14/profiles.before
		check "hook, $name: kernel log: no profile_load or profile_replace" \
			holds "no_kgrep $n-$i 'operation=\"profile_load\"' && no_kgrep $n-$i 'operation=\"profile_replace\"'"

		mkbundle $n "$S_PROBE"
		annotate $n aa-oci.profile "$name"
		cp $WORK/$n/config.json $WORK/$n/config.json.orig
		kmark $n-$i-rt
		run_cmd $RUNTIME run --bundle $WORK/$n $n
		runc delete --force $n >/dev/null 2>&1
		check "aa-oci-runtime, aa-oci.profile $name: exit 1, the container never ran" \
			holds '[ "$RC" = 1 ] && [ ! -e $WORK/$n/out/ran ]'
		check "aa-oci-runtime, $name: refused: $want" has "$OUT" "$want"
		check "aa-oci-runtime, $name: config.json unchanged" cmp $WORK/$n/config.json $WORK/$n/config.json.orig
		sleep 0.5
		check "aa-oci-runtime, $name: the profiles list is unchanged" cmp $AAFS/profiles $I14/profiles.before
		check "aa-oci-runtime, $name: kernel log: no profile_load or profile_replace" \
			holds "no_kgrep $n-$i-rt 'operation=\"profile_load\"' && no_kgrep $n-$i-rt 'operation=\"profile_replace\"'"
	done
	check "no namespace \"other\" was made" [ ! -e $AAFS/policy/namespaces/other ]
	rm -f /etc/apparmor.d/x /etc/x /etc/apparmor.d/a
}

# i14-4. aa-oci unload --all: the whole namespace in one write to .remove
# (one profile_remove record for all its profiles), the root namespace
# untouched, aa-oci's records of the namespace's profiles dropped.
t_ns_unload_all() {
	local n=i14-4 other=aa-oci-stack-b before removes
	need_exec || return 1
	need_aa_oci || return 1
	unload_both aa-oci-lxc-test
	run_cmd $EXEC --profile aa-oci-lxc-test -- true
	run_cmd $EXEC --profile "$(nsl $PROFILE)" -- true
	apparmor_parser -r /etc/apparmor.d/$other
	before=$(grep -c "^:$NS:" $AAFS/profiles)
	sed 's/^/  | /' $AAFS/profiles
	check "precondition: $before (at least 2) profiles in :$NS:, $other in the root namespace" \
		holds "[ $before -ge 2 ] && mode_is $other enforce"
	kmark $n
	run_cmd aa-oci unload --all
	check "aa-oci unload --all exited 0" [ "$RC" = 0 ]
	check "it says: :$NS: unloaded (N profiles aa-oci had recorded)" \
		sh -c 'printf "%s" "$1" | grep -Eq "^:$2: unloaded \([0-9]+ profiles? aa-oci had recorded\)$"' - "$OUT" $NS
	sed 's/^/  | /' $AAFS/profiles
	check "the profiles list has no :$NS: line, policy/namespaces/$NS is gone" no_ns_profiles
	check "$other (root namespace) is still loaded" mode_is $other enforce
	sleep 0.5
	removes=$(klog $n | grep -c 'operation="profile_remove"')
	klog $n | grep 'operation="profile_remove"' | sed 's/^/    kernel: /'
	check "kernel log: one profile_remove record for the $before profiles (one write)" [ "$removes" = 1 ]
	check "aa-oci status --json: no :$NS: profile left in aa-oci's records" \
		sh -c '! aa-oci status --json | jq -e ".profiles[] | select(.name | startswith(\":$1:\"))" >/dev/null' - $NS
	run_cmd aa-oci unload --all
	check "again, with no namespace left: exit 0, 0 profiles" \
		holds '[ "$RC" = 0 ] && has "$OUT" "(0 profiles aa-oci had recorded)"'
	unload $other
}

# i14-5. unload_unused: a namespaced profile goes with its last container,
# through aa-oci-runtime's delete and through the hook's poststop.
t_ns_unused() {
	local n=i14-5 l w
	need_runtime || return 1
	need_hook || return 1
	l=$(nsl $PROFILE)
	printf '{"unload_unused": true}\n' >$I14/unused.json
	w=$I14/wrap-unused
	printf '#!/bin/sh\nAA_OCI_RUNTIME=%s exec %s --aa-oci-config %s "$@"\n' \
		"$(command -v runc)" "$RUNTIME" $I14/unused.json >$w
	chmod 0755 $w
	unload_both $PROFILE
	mkbundle $n "$S_PROBE"
	annotate $n aa-oci.profile $PROFILE
	kmark $n
	run_ctr $w $n
	check "aa-oci-runtime: the container ran confined: label $PROFILE (enforce)" has "$OUT" "label=$PROFILE (enforce)"
	check "config.json names $l" [ "$(spec_profile $n)" = "$l" ]
	check "kernel log: $PROFILE loaded with ns=\"$NS\"" \
		kwait $n 'operation="profile_load"' "name=\"$PROFILE\"" "ns=\"$NS\""
	check "after its delete, $l is unloaded (no container uses it)" not_loaded "$l"
	check "kernel log: profile_remove of $PROFILE" \
		kwait $n 'operation="profile_remove"' "name=\"$PROFILE\""

	mkbundle $n-hook "$S_PROBE"
	with_profile $n-hook "$l"
	cfg $n-hook --arg h "$HOOK" --arg c $I14/unused.json '
		.hooks.createRuntime = [{path: $h, args: ["aa-oci-hook", "--config", $c, "createRuntime"]}]
		| .hooks.poststop = [{path: $h, args: ["aa-oci-hook", "--config", $c, "poststop"]}]'
	kmark $n-hook
	run_ctr runc $n-hook
	check "hook: the container ran confined: label $PROFILE (enforce)" has "$OUT" "label=$PROFILE (enforce)"
	check "kernel log: $PROFILE loaded with ns=\"$NS\" by the hook" \
		kwait $n-hook 'operation="profile_load"' "name=\"$PROFILE\"" "ns=\"$NS\"" 'comm="aa-oci-hook"'
	check "its poststop unloaded $l" not_loaded "$l"
	check "kernel log: profile_remove of $PROFILE by the hook" \
		kwait $n-hook 'operation="profile_remove"' "name=\"$PROFILE\"" 'comm="aa-oci-hook"'
	check "$PROFILE was never loaded in the root namespace" not_loaded $PROFILE
}

# host_label ARGS...: the label of `$EXEC ARGS -- sleep 30` as the host
# reads it, once it has left unconfined (also shown on stderr).
host_label() {
	local pid hl
	$EXEC "$@" -- sleep 30 </dev/null >/dev/null 2>&1 &
	pid=$!
	wait_for 10 sh -c '[ "$(cat /proc/$1/attr/current)" != unconfined ]' - $pid
	hl=$(cat /proc/$pid/attr/current)
	kill $pid
	wait $pid 2>/dev/null
	echo "  host: /proc/$pid/attr/current: $hl" >&2
	printf '%s\n' "$hl"
}

# i14-6. aa-oci-exec --profile NAME: NAME into the namespace, unless the
# root namespace already has it (an administrator's profile stays his);
# ":aa-oci:NAME" asks for the namespace's whatever root has.
t_ns_exec() {
	local n=i14-6 l b=aa-oci-stack-b hl
	need_exec || return 1
	l=$(nsl $PROFILE)
	unload_both $PROFILE
	unload_both $b
	mkdir -p /out
	rm -f /out/ran /out/denied
	kmark $n
	run_cmd $EXEC --profile $PROFILE -- sh -c "$S_PROBE"
	check "aa-oci-exec exited 0" [ "$RC" = 0 ]
	check "label: $PROFILE (enforce)" has "$OUT" "label=$PROFILE (enforce)"
	check "the write to /out/denied failed with EACCES" \
		has "$OUT" "can't create /out/denied: Permission denied"
	check "the kernel lists $l (enforce), not $PROFILE" holds "mode_is $l enforce && not_loaded $PROFILE"
	check "kernel log: DENIED in namespace root//$NS by $PROFILE for /out/denied" \
		kwait $n 'apparmor="DENIED"' "namespace=\"root//$NS\"" "profile=\"$PROFILE\"" 'name="/out/denied"'
	hl=$(host_label --profile $PROFILE)
	check "from the host: $l (enforce)" [ "$hl" = "$l (enforce)" ]

	apparmor_parser -r /etc/apparmor.d/$b
	check "precondition: $b loaded in the root namespace by apparmor_parser" mode_is $b enforce
	hl=$(host_label --profile $b)
	check "$b, loaded in the root namespace: stays there, from the host $b (enforce)" [ "$hl" = "$b (enforce)" ]
	check "nothing loaded as $(nsl $b)" not_loaded "$(nsl $b)"
	hl=$(host_label --profile "$(nsl $b)")
	check "--profile $(nsl $b): loaded in the namespace, from the host $(nsl $b) (enforce)" \
		[ "$hl" = "$(nsl $b) (enforce)" ]
	unload_both $b
}

# i14-7. profile_namespace "" (NS_OFF): as before issue 14. aa-oci-exec
# loads in the root namespace (i3-1, i3-4 do the same for aa-oci-runtime
# and a plain process), the hook refuses any ':' (no namespace is aa-oci's),
# aa-oci unload --all has nothing to unload.
t_ns_off() {
	local n=i14-7 l hl
	need_exec || return 1
	need_hook || return 1
	l=$(nsl aa-oci-lxc-test)
	unload_both aa-oci-lxc-test
	hl=$(host_label --config $NS_OFF --profile aa-oci-lxc-test)
	check "aa-oci-exec: from the host aa-oci-lxc-test (enforce), in the root namespace" \
		[ "$hl" = "aa-oci-lxc-test (enforce)" ]
	check "the kernel lists aa-oci-lxc-test, not $l" holds "mode_is aa-oci-lxc-test enforce && not_loaded $l"
	unload_both $PROFILE
	mkbundle $n "$S_PROBE"
	with_profile $n "$(nsl $PROFILE)"
	hook_conf $n runc $NS_OFF
	run_ctr runc $n
	check "hook with NS_OFF, $(nsl $PROFILE): refused, the container never ran" \
		holds '[ "$RC" != 0 ] && [ ! -e $WORK/$n/out/ran ]'
	check "the hook says it names a policy namespace" \
		has "$(printf '%s' "$OUT" | tr -d '\\')" "names a policy namespace"
	check "$PROFILE loaded nowhere" holds "not_loaded $PROFILE && not_loaded $(nsl $PROFILE)"
	run_cmd aa-oci unload --all --config $NS_OFF
	check "aa-oci unload --all with NS_OFF: exit 1, profile_namespace is empty" \
		holds '[ "$RC" = 1 ] && has "$OUT" "profile_namespace is empty"'
	unload aa-oci-lxc-test
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
	t "[6][i9-3] hook, aa-oci.mode=complain: refused by default, and for the shared profile even with allow_complain (per container); the container's private copy named in process.apparmorProfile: complain, ALLOWED logged" t_complain
	t "[7] profile already loaded: no profile_load/profile_replace during the start" t_loaded
	t "[8] two containers (runc + crun) needing the same unloaded profile at once: both confined" t_concurrent
	t "[i3-1][i14-7] runc via aa-oci-runtime, profile_namespace \"\", only aa-oci.profile set, profile not loaded: loaded in the root namespace, set in config.json, confined, write denied and logged" t_wrap runc
	t "[i3-1][i14-7] crun via aa-oci-runtime, profile_namespace \"\", only aa-oci.profile set, profile not loaded: loaded in the root namespace, set in config.json, confined, write denied and logged" t_wrap crun
	t "[i3-2] the same bundle run by runc directly: unconfined, the write succeeds" t_wrap_control
	t "[i3-3] aa-oci-runtime: annotation and a different custom process.apparmorProfile: exit 1, runtime never started, config.json unchanged" t_wrap_conflict
	t "[i3-4][i14-7] aa-oci-exec --profile, profile_namespace \"\": plain process loaded in the root namespace, confined, write denied and logged" t_exec_profile
	t "[i3-4] aa-oci-exec --seccomp-default --no-new-privs: unshare -U gets EPERM, ordinary commands run" t_exec_seccomp
	t "[i3-4] aa-oci-exec --no-new-privs under a confined task: profile stacked (A//&B), with profile_namespace \"\" and in aa-oci's namespace" t_exec_stack
	t "[i3-5] aa-oci-exec with a profile that cannot be loaded (missing, does not compile): command not run, exit 126" t_exec_unloadable
	t "[i3-6] lxc-start, lxc.apparmor.profile not loaded, aa-oci-hook lxc as pre-start: loaded, container confined" t_lxc
	t "[i3-6] lxc-start, same profile not loaded, without the hook: LXC fails, container never runs" t_lxc_nohook
	t "[i4-1] aa-oci sync --watch DIR: every profile in DIR loaded, a file that does not compile skipped, only its own loads recorded" t_sync_load
	t "[i4-2] aa-oci sync: editing a profile file changes the kernel's policy (a deny rule enforced, then complain mode)" t_sync_edit
	t "[i4-3] aa-oci sync: broken files (new, and an edit of a loaded one) skipped, the rest stay loaded, the agent goes on" t_sync_broken
	t "[i4-4] aa-oci sync: deleting files unloads only what the agent loaded (sync-foreign left loaded)" t_sync_delete
	t "[i4-5] aa-oci sync: 100 rapid edits renaming the profile end in the final state (sync-hot-100 only)" t_sync_burst
	t "[i4-6] aa-oci sync: SIGTERM ends it with exit 0, profiles stay loaded" t_sync_stop
	t "[i4-7] aa-oci sync restarted: remembers what it loaded (unloads a profile whose file went while it was down, and sync-a)" t_sync_restart
	t "[i5-1] policy cache: a start compiles once and stores the entry; unloaded, the next start loads it from the cache without the parser, confined" t_cache_hit
	t "[i5-2] policy cache: the profile file edited: compiled again, the kernel enforces the new rule" t_cache_edit
	t "[i5-3] policy cache: a truncated entry is recompiled and rewritten, with a warning; the container is confined" t_cache_damaged
	t "[i5-4] policy cache: a read-only cache directory: the container starts confined, warning \"policy cache not used\"" t_cache_readonly
	t "[i5-5][i9-4] <run_dir>/kdir/NAME names the live kernel directory, a stale one is replaced, its mode is read live; an administrator's apparmor_parser -C is kept (container in complain, the hook says so)" t_cache_kdir
	t "[i5-6] kernel: the .access label query answers ENOENT for an unloaded profile, succeeds for a loaded one" t_access_query
	t "[i5-7] kernel features read once per boot: <run_dir>/features has this boot's id and libapparmor's bytes; one from another boot is replaced, the cache still hits" t_cache_features
	t "[i12-1] <run_dir>/features cut at 9 lengths: never believed; the start hits the cache and rewrites it whole" t_features_torn
	t "[i12-2] the hook without CAP_MAC_ADMIN: the kernel refuses .replace, the container is refused with one line naming the profile and the error, nothing loaded or recorded" t_no_mac_admin
	t "[i9-1] hook: a container names a host profile's file (usr.sbin.victimd) in complain mode: refused, /usr/sbin/victimd stays enforce, no profile_replace" t_victim_hook
	t "[i9-2] aa-oci-runtime (runc): the same request refused, /usr/sbin/victimd stays enforce, no profile_replace" t_victim_runtime runc
	t "[i9-2] aa-oci-runtime (crun): the same request refused, /usr/sbin/victimd stays enforce, no profile_replace" t_victim_runtime crun
	t "[i9-6] aa-oci-exec --profile unconfined: refused without allow_unconfined; allowed, runs unconfined; from a confined caller refused" t_exec_unconfined
	t "[i9-5] a profile disabled with a link in /etc/apparmor.d/disable/ is refused, nothing loaded" t_disabled
	t "[i11-1] two containers share payment-api, one asks complain (aa-oci-runtime, runc + crun): its private copy in complain, the other enforced (DENIED / ALLOWED); aa-oci status --json lists both; delete unloads the copy" t_per_container_complain
	t "[i11-4] the learning loop: a complain run's writes, aa-oci logs --container, aa-oci suggest --write --reload into local/payment-api, then enforced: the learned write succeeds, an unrelated one is denied; suggest, reload and unload by the plain name act on :aa-oci:payment-api" t_learn
	t "[i11-2] unload_unused: the last container's poststop unloads the on-demand profile; 64 rounds of a start racing that unload: always confined" t_unload_unused
	t "[i11-3] aa-oci sync --watch: editing /etc/apparmor.d/local/NAME (an include of a synced profile) changes the kernel's policy" t_sync_local
	t "[i14-1] runc via aa-oci-runtime, aa-oci.profile only: loaded into aa-oci's namespace, config.json names :aa-oci:NAME, label NAME inside and :aa-oci:NAME from the host, DENIED with namespace=\"root//aa-oci\"; aa-oci status and logs show the container" t_ns_wrap runc
	t "[i14-1] crun via aa-oci-runtime, aa-oci.profile only: loaded into aa-oci's namespace, config.json names :aa-oci:NAME, label NAME inside and :aa-oci:NAME from the host, DENIED with namespace=\"root//aa-oci\"; aa-oci status and logs show the container" t_ns_wrap crun
	t "[i14-2] hook, process.apparmorProfile :aa-oci:NAME: loaded into the namespace, container confined" t_ns_hook
	t "[i14-3] names with ':' (:other:x, :aa-oci:../x, :aa-oci:a//b, :aa-oci:) refused by the hook and by aa-oci-runtime, nothing loaded" t_ns_hostile
	t "[i14-4] aa-oci unload --all: the namespace removed in one write, the root namespace untouched, records dropped" t_ns_unload_all
	t "[i14-5] unload_unused: a namespaced profile unloaded when its last container goes (aa-oci-runtime delete, hook poststop)" t_ns_unused
	t "[i14-6] aa-oci-exec --profile NAME: into the namespace (from the host :aa-oci:NAME); a root-loaded NAME stays in root; :aa-oci:NAME asked goes to the namespace" t_ns_exec
	t "[i14-7] profile_namespace \"\": aa-oci-exec loads in the root namespace, the hook refuses :aa-oci:NAME, unload --all refused" t_ns_off
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
