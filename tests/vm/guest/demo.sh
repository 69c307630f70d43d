# demo.sh: `make demo`, in the guest (busybox ash). Every line for the
# shellcheck shell=dash
# viewer starts with "AAOCI:say "; the verdict is "AAOCI:demo ok|failed".
# shellcheck source=tests/vm/guest/lib.sh disable=SC2034
. /tests/lib.sh

PROFILE=aa-oci-test
say() { echo "AAOCI:say $*"; }
# show: indent the real output of a command for the viewer
show() { sed 's/^/AAOCI:say     /'; }
ok=1
# claim WHAT COMMAND...: the demo says WHAT; say so loudly when it is false
claim() {
	local what=$1
	shift
	"$@" >/dev/null || { ok=0; say "  !! NOT SHOWN: $what"; }
}

say "Linux $(uname -r) with AppArmor enabled=$(cat /sys/module/apparmor/parameters/enabled), under QEMU."
say "/etc/apparmor.d/$PROFILE is installed, but the kernel has not loaded it:"
say "  \$ grep $PROFILE /sys/kernel/security/apparmor/profiles"
grep "$PROFILE" "$AAFS/profiles" | show
not_loaded $PROFILE && say "    (no output: not loaded)"
claim "$PROFILE is not loaded before the demo" not_loaded $PROFILE
say ""

say "(a) A container whose config.json asks for \"apparmorProfile\": \"$PROFILE\","
say "    started by runc WITHOUT aa-oci:"
mkbundle plain "$S_PROBE"
with_profile plain $PROFILE
kmark demo-a
run_ctr runc plain demo-a >/dev/null
say "  \$ runc run demo-a"
printf '%s\n' "$OUT" | show
if [ "$RC" != 0 ] && [ ! -e $WORK/plain/out/ran ]; then
	say "  -> runc failed (exit status $RC); the container's process never ran."
	say "     The kernel's log of the refusal:"
	kwait demo-a 'info="label not found"' | sed 's/^ *kernel: .*audit([0-9.:]*): /      /' | show
else
	say "  -> runc exit status $RC"
fi
claim "runc fails without aa-oci" [ "$RC" != 0 ]
claim "the container process did not run" [ ! -e $WORK/plain/out/ran ]
claim "the kernel logged label not found" kgrep demo-a 'info="label not found"'
say ""

say "(b) The same container, with aa-oci-hook as runc's createRuntime hook:"
mkbundle hooked "$S_PROBE"
with_profile hooked $PROFILE
hook_runc hooked
say "  config.json: \"hooks\": $(jq -c .hooks $WORK/hooked/config.json)"
kmark demo-b
run_ctr runc hooked demo-b >/dev/null
say "  \$ runc run demo-b      (the container prints its label, then writes /out/denied)"
printf '%s\n' "$OUT" | show
if [ "$RC" = 0 ] && loaded $PROFILE; then
	say "  -> runc exit status 0. The hook loaded the profile; the kernel now lists:"
	grep "^$PROFILE " "$AAFS/profiles" | show
	say "     and logged the denial:"
	kwait demo-b 'apparmor="DENIED"' "profile=\"$PROFILE\"" |
		sed 's/^ *kernel: .*audit([0-9.:]*): /      /' | show
else
	say "  -> runc exit status $RC; $PROFILE loaded: $(loaded $PROFILE && echo yes || echo no)"
fi
claim "runc succeeds with aa-oci-hook" [ "$RC" = 0 ]
claim "the label inside is $PROFILE (enforce)" has "$OUT" "label=$PROFILE (enforce)"
claim "the write to /out/denied fails with EACCES" has "$OUT" "can't create /out/denied: Permission denied"
claim "the kernel lists $PROFILE (enforce)" mode_is $PROFILE enforce
claim "the kernel logged apparmor=\"DENIED\" for $PROFILE" \
	kgrep demo-b 'apparmor="DENIED"' "profile=\"$PROFILE\""

if [ $ok = 1 ]; then
	echo "AAOCI:demo ok"
else
	echo "AAOCI:demo failed"
fi
