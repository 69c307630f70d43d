# bench.sh: `make bench`, the guest side (busybox ash), run by /init for
# aaoci=bench. Measures on the real kernel with /bench/driver (tests/bench/
# driver.c) and prints what it measured; the host (tests/bench/run) makes
# the table. Nothing here judges a number. Lines for the host:
#   AAOCI:log <text>                  progress
#   AAOCI:bench <part> KEY=VALUE...   a measurement; <part>:<command> for
#                                     each line of the driver
#   AAOCI:bench-error <text>          a part could not be measured
# From the kernel command line: aaoci.runs=N multiplies every part's run
# count, aaoci.parts=1,2,... picks the parts (default all; 5 is read from
# the others).
# shellcheck shell=dash

AAFS=/sys/kernel/security/apparmor
HOOK=/usr/libexec/aa-oci/aa-oci-hook
DRIVER=/bench/driver
W=/tmp/bench
PARSER=/sbin/apparmor_parser

SCALE=1 PARTS=1,2,3,4,6,7 ASLR=0
for arg in $(cat /proc/cmdline); do
	case $arg in
	aaoci.runs=*) SCALE=${arg#aaoci.runs=} ;;
	aaoci.parts=*) PARTS=${arg#aaoci.parts=} ;;
	aaoci.aslr=1) ASLR=1 ;;
	esac
done
# Under software emulation, QEMU finds code it translated before only at
# the same virtual address: with address space layout randomization every
# exec translates its program and libraries again, which costs more than
# the work measured (natively ASLR costs about 1%). Off for the measured
# programs alike, unless aaoci.aslr=1.
[ "$ASLR" = 1 ] || echo 0 >/proc/sys/kernel/randomize_va_space
# part N: is part N asked for?
part() {
	case ",$PARTS," in
	*",$1,"*) return 0 ;;
	esac
	return 1
}

say() { echo "AAOCI:log $*"; }
bench() { echo "AAOCI:bench $*"; }
berr() { echo "AAOCI:bench-error $*"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v a="$1" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }'; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# field LINE KEY: KEY's value in a driver line (NAME KEY=VALUE ...).
field() { printf '%s\n' "$1" | sed -n "s/.* $2=\([^ ]*\).*/\1/p"; }
# driver_line OUT NAME: the driver's line for command NAME.
driver_line() { printf '%s\n' "$1" | grep "^$2 runs="; }
nloaded() { wc -l <"$AAFS/profiles"; }
loaded() { grep -q "^$1 (" "$AAFS/profiles"; }

# run_driver PART ARGS...: run the driver; its output is kept in OUT and
# each of its lines goes to the host as "AAOCI:bench PART:NAME ...". Its
# stderr and the measured commands' go to the console on failure.
run_driver() {
	local part=$1 rc
	shift
	: >"$W/$part.err"
	OUT=$($DRIVER -E "$W/$part.err" "$@" 2>>"$W/$part.err")
	rc=$?
	printf '%s\n' "$OUT" | while read -r name rest; do
		case $name in
		'#') echo "AAOCI:log $part: $rest" ;;
		?*) echo "AAOCI:bench $part:$name $rest" ;;
		esac
	done
	if [ $rc != 0 ]; then
		berr "$part: the driver exited $rc"
		sed "s/^/AAOCI:log $part: /" "$W/$part.err" | head -n 20
	fi
	return $rc
}

mkdir -p $W/profiles $W/run $W/cache $W/b $W/b4
cd $W || exit 1

# --- set-up ------------------------------------------------------------
say "set-up: profiles, a 20 KB config.json, the hook's settings"
# docker-default as Docker writes it: our template for this kernel, with
# the includes Docker's own template has (tunables, abstractions/base).
gen_profile() {
	aa-oci generate docker-default --name "$1" >"$W/profiles/$1"
}
gen_profile bench-default
gen_profile bench-cold

# the hook's settings: its own directories, the default parser
cat >$W/aa-oci.json <<EOF
{"profile_dirs": ["$W/profiles"], "run_dir": "$W/run", "cache_dir": "$W/cache"}
EOF
# the same with the parser behind a wrapper that counts compiles
cat >$W/count-parser <<EOF
#!/bin/sh
echo compile >>$W/compiles
exec $PARSER "\$@"
EOF
chmod 0755 $W/count-parser
cat >$W/aa-oci4.json <<EOF
{"profile_dirs": ["$W/profiles"], "run_dir": "$W/run4", "cache_dir": "$W/cache4",
 "parser": "$W/count-parser"}
EOF
# unload NAME: remove NAME from the kernel if it is loaded (a PREP command)
cat >$W/unload <<EOF
#!/bin/sh
grep -q "^\$1 (" $AAFS/profiles || exit 0
printf '%s' "\$1" >$AAFS/.remove
EOF
chmod 0755 $W/unload
# rmctr: delete part 6's container (a PREP command)
cat >$W/rmctr <<EOF
#!/bin/sh
runc delete -f bench6 >/dev/null 2>&1
exit 0
EOF
chmod 0755 $W/rmctr

# bundles: runc's spec made into an engine's (tests/bench/config.jq), with
# the bind mounts' sources made; the state is what runc gives hooks on stdin
mkbundle() { # DIR PROFILE
	local tab dst src
	(cd "$1" && runc spec) || return 1
	jq -f /bench/config.jq --arg rootfs /containers/rootfs --arg profile "$2" \
		"$1/config.json" >"$1/config.new" && mv "$1/config.new" "$1/config.json"
	tab=$(printf '\t')
	jq -r '.mounts[] | select(.type == "bind") | [.destination, .source] | @tsv' \
		"$1/config.json" | while IFS=$tab read -r dst src; do
		case $dst in
		/etc/hosts | /etc/hostname | /etc/resolv.conf | /dev/termination-log)
			mkdir -p "$(dirname "$src")" && echo "# $dst" >"$src" ;;
		*) mkdir -p "$src" ;;
		esac
	done
	jq -c --arg b "$1" '{ociVersion: "1.0.2", id: "3c1f7e2a9d8b4c6e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e",
		status: "creating", pid: 4242, bundle: $b, annotations: .annotations}' \
		"$1/config.json" >"$1.state"
}
mkbundle $W/b bench-default || berr "setup: the bundle could not be made"
mkbundle $W/b4 bench-cold || berr "setup: the bundle could not be made"
bench setup config_bytes="$(wc -c <$W/b/config.json)" state_bytes="$(wc -c <$W/b.state)" \
	profile_bytes="$(wc -c <$W/profiles/bench-default)" loaded_at_boot="$(nloaded)"

ensure_loaded() {
	loaded bench-default || $HOOK --config $W/aa-oci.json createRuntime <$W/b.state
}

# --- 2. cold load: cache hit against apparmor_parser -Kr -----------------
# Each run starts with bench-default unloaded (PREP, not timed). The hook's
# first (warm-up) run compiles and fills the cache; every timed run is a
# hit. Beside them, the kernel's own part: the compiled policy written to
# .replace by busybox dd (static, one write), the least a load can cost.
part2() {
	local hit
	say "2. cold load, cache hit vs apparmor_parser -Kr ($N2 runs each)"
	$PARSER -QK --kernel-features $AAFS/features -o $W/bench-default.bin \
		$W/profiles/bench-default || berr "t2: compiling bench-default failed"
	run_driver t2 -n $N2 -w 2 \
		-p "$W/unload bench-default" -c parser "$PARSER -Kr $W/profiles/bench-default" \
		-i $W/b.state -p "$W/unload bench-default" -c hook "$HOOK --config $W/aa-oci.json createRuntime" \
		-p "$W/unload bench-default" -c dd-load "dd if=$W/bench-default.bin of=$AAFS/.replace bs=4M"
	# the hit is the path measured: check it once more, outside the timing
	$W/unload bench-default
	hit=$($HOOK --debug --config $W/aa-oci.json createRuntime <$W/b.state 2>&1)
	case $hit in
	*"from the cache"*) hit=yes ;;
	*)
		say "2. the hook did not load from the cache: $hit"
		hit=no
		;;
	esac
	bench t2 runs=$N2 cache_hit=$hit
}

# --- 1. the hook, profile loaded, against the floor ----------------------
# Beside them, to tell the costs apart: floor-libs (floor.c linked the way
# the hook is: a static PIE, or a PIE with the hook's libraries), and the
# hook's --version (its own binary loaded, no work).
#
# And the container record's cost (issue 11's budget: at most 5% of the
# loaded path): the same hook with run_dir's container journal made a
# directory, so that the record's open fails and nothing is written
# (hook-norec, a copy of the warm run_dir), against the hook as it runs.
part1() {
	N1=$((150 * SCALE))
	ensure_loaded
	rm -rf $W/run-norec && cp -a $W/run $W/run-norec &&
		rm -f $W/run-norec/containers.journal &&
		mkdir $W/run-norec/containers.journal || berr "t1: the run_dir copy failed"
	sed "s|$W/run\"|$W/run-norec\"|" $W/aa-oci.json >$W/aa-oci-norec.json
	: >$W/run/containers.journal
	say "1. hook (bench-default loaded) vs floor ($N1 runs each, interleaved)"
	run_driver t1 -n $N1 -w 10 \
		-i $W/b.state -c floor /bench/floor \
		-i $W/b.state -c floor-libs /bench/floor-libs \
		-i $W/b.state -c hook-version "$HOOK --version" \
		-i $W/b.state -c hook-norec "$HOOK --config $W/aa-oci-norec.json createRuntime" \
		-i $W/b.state -c hook "$HOOK --config $W/aa-oci.json createRuntime"
	[ "$(grep -c "	3c1f7e2a9d8b4c6e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e	" \
		$W/run/containers.journal)" -ge "$N1" ] || berr "t1: the hook wrote no container record"
	[ -z "$(ls -A $W/run-norec/containers.journal)" ] || berr "t1: hook-norec wrote a container record"
	bench t1 runs=$N1 loaded="$(nloaded)"
}

# tiny_sources: the 10,000 tiny profiles of parts 3 and 7 (bench-0 ..
# bench-9999) and the 9 of part 3's "10 loaded" (with bench-default).
tiny_sources() {
	[ -s $W/p10k.src ] && return 0
	awk 'BEGIN { for (i = 0; i < 10000; i++) printf "profile bench-%d { }\n", i }' >$W/p10k.src
	awk 'BEGIN { for (i = 0; i < 9; i++) printf "profile bench-%d { }\n", i }' >$W/p9.src
	awk 'BEGIN { for (i = 0; i < 10; i++) printf "profile bench-%d { }\n", i }' >$W/p10.src
}

# --- 3. the hook with 10 and with 10,000 profiles loaded -----------------
# Blocks, since the kernel's state cannot change between two runs, in the
# order 10, 10,000, 10,000, 10 so that a steady drift hits both alike; the
# floor runs in every block too, to show the drift. Between the two blocks
# with 10,000 loaded, the paths where the profile is NOT loaded (parts 2 and
# 4 ran with about 10): a cold load with a cache hit, and part 4's round.
part3() {
	local t f h r i blk state sum_h10=0 sum_h10k=0 sum_f10=0 sum_f10k=0 rss3=0 fails3=0
	N3=$((60 * SCALE))
	ensure_loaded
	say "3. compiling 10,000 tiny profiles (bench-0 .. bench-9999) once"
	tiny_sources
	t=$(uptime_s)
	{ $PARSER -QK -o $W/p10k.bin $W/p10k.src && $PARSER -QK -o $W/p9.bin $W/p9.src; } ||
		berr "t3: compiling the tiny profiles failed"
	say "3. compiled in $(since "$t") s ($(wc -c <$W/p10k.bin) bytes)"
	$PARSER -B -r $W/p9.bin || berr "t3: loading 9 tiny profiles failed"
	for blk in 10-1 10k-1 x 10k-2 10-2; do
		case $blk in
		10k-1)
			t=$(uptime_s)
			$PARSER -B -r $W/p10k.bin || berr "t3: loading 10,000 profiles failed"
			say "3. loaded 10,000 in $(since "$t") s"
			;;
		10-2)
			t=$(uptime_s)
			i=9
			while [ $i -lt 10000 ]; do
				printf 'bench-%d' $i >$AAFS/.remove
				i=$((i + 1))
			done
			say "3. unloaded 9,991 in $(since "$t") s"
			;;
		x)
			say "3. with $(nloaded) loaded: cold load with a cache hit, and part 4's round"
			run_driver t3x -n "$N2" -w 1 \
				-i $W/b.state -p "$W/unload bench-default" -c hook-hit "$HOOK --config $W/aa-oci.json createRuntime"
			for k in 1 64; do
				$W/unload bench-cold && rm -rf $W/cache4 && : >$W/compiles
				run_driver t3x-$k -n 1 -w 0 -k $k -i $W/b4.state \
					-c start "$HOOK --config $W/aa-oci4.json createRuntime"
				bench t3x-$k compiles="$(wc -l <$W/compiles)"
			done
			$W/unload bench-cold
			ensure_loaded
			continue
			;;
		esac
		say "3. block $blk: $(nloaded) profiles loaded, $N3 runs each"
		run_driver t3-$blk -n $N3 -w 10 \
			-i $W/b.state -c floor /bench/floor \
			-i $W/b.state -c hook "$HOOK --config $W/aa-oci.json createRuntime"
		f=$(driver_line "$OUT" floor) h=$(driver_line "$OUT" hook)
		state=${blk%-*}
		eval "sum_h$state=\$((sum_h$state + $(field "$h" median_us)))"
		eval "sum_f$state=\$((sum_f$state + $(field "$f" median_us)))"
		fails3=$((fails3 + $(field "$h" fails)))
		r=$(field "$h" maxrss_kb)
		[ "$r" -gt "$rss3" ] && rss3=$r
	done
	bench t3 hook10_us=$((sum_h10 / 2)) hook10k_us=$((sum_h10k / 2)) \
		floor10_us=$((sum_f10 / 2)) floor10k_us=$((sum_f10k / 2)) \
		hook_fails=$fails3 hook_rss_kb=$rss3 runs=$((2 * N3))
}

# --- 7. unconfined exec with 10,000 container profiles in aa-oci's namespace
# Issue 14: aa-oci-runtime and aa-oci-exec load containers' profiles into
# the policy namespace "aa-oci" (profile_namespace); an unconfined exec
# looks for a profile attaching to the executable among the root
# namespace's only. Measured as part 3 is, with the states 10 and 10,000
# (now in the namespace) in blocks, the floor (an unconfined exec) and the
# hook in every block, N3 runs each; the order 10, 10,000, 10,000, 10 twice
# over, since switching takes seconds here (part 3's unload of 9,991 root
# profiles takes minutes) and the drift between blocks on a shared machine
# is as large as what is measured. The root namespace keeps part 3's 10
# (bench-default and bench-0 .. bench-8) throughout. The namespace's
# profiles are compiled with --namespace aa-oci into one file per batch (as
# part 3 compiles its 10,000) and loaded with apparmor_parser -B -r; they go
# with aa-oci unload --all (one write of ":aa-oci:" to .remove).
part7() {
	local t f h r blk state sum_h10=0 sum_h10k=0 sum_f10=0 sum_f10k=0 rss7=0 fails7=0 ns
	local min_f10=0 min_f10k=0
	N3=$((60 * SCALE))
	ensure_loaded
	tiny_sources
	say "7. compiling 10,000 and 10 tiny profiles for the namespace aa-oci once"
	t=$(uptime_s)
	{ $PARSER -QK --namespace aa-oci -o $W/p10k-ns.bin $W/p10k.src &&
		$PARSER -QK --namespace aa-oci -o $W/p10-ns.bin $W/p10.src &&
		{ [ -s $W/p9.bin ] || $PARSER -QK -o $W/p9.bin $W/p9.src; }; } ||
		berr "t7: compiling the tiny profiles failed"
	say "7. compiled in $(since "$t") s ($(wc -c <$W/p10k-ns.bin) bytes)"
	# the root namespace as part 3 leaves it: bench-default and bench-0 .. 8
	$PARSER -B -r $W/p9.bin || berr "t7: loading 9 tiny profiles failed"
	aa-oci unload --all --config $W/aa-oci.json >/dev/null
	$PARSER -B -r $W/p10-ns.bin || berr "t7: loading 10 profiles into the namespace failed"
	for blk in 10-1 10k-1 10k-2 10-2 10-3 10k-3 10k-4 10-4; do
		case $blk in
		10k-1 | 10k-3)
			t=$(uptime_s)
			$PARSER -B -r $W/p10k-ns.bin || berr "t7: loading 10,000 profiles into the namespace failed"
			say "7. loaded 10,000 into :aa-oci: in $(since "$t") s"
			;;
		10-2 | 10-4)
			t=$(uptime_s)
			aa-oci unload --all --config $W/aa-oci.json >/dev/null ||
				berr "t7: aa-oci unload --all failed"
			say "7. unloaded the namespace (aa-oci unload --all) in $(since "$t") s"
			$PARSER -B -r $W/p10-ns.bin || berr "t7: loading 10 profiles into the namespace failed"
			;;
		esac
		ns=$(grep -c '^:aa-oci:' "$AAFS/profiles")
		case $blk in
		10-*) [ "$ns" = 10 ] || berr "t7: block $blk: $ns profiles in :aa-oci:, not 10" ;;
		*) [ "$ns" = 10000 ] || berr "t7: block $blk: $ns profiles in :aa-oci:, not 10000" ;;
		esac
		say "7. block $blk: $(nloaded) profiles loaded, $ns of them in :aa-oci:, $N3 runs each"
		run_driver t7-$blk -n $N3 -w 10 \
			-i $W/b.state -c floor /bench/floor \
			-i $W/b.state -c hook "$HOOK --config $W/aa-oci.json createRuntime"
		f=$(driver_line "$OUT" floor) h=$(driver_line "$OUT" hook)
		state=${blk%-*}
		eval "sum_h$state=\$((sum_h$state + $(field "$h" median_us)))"
		eval "sum_f$state=\$((sum_f$state + $(field "$f" median_us)))"
		eval "min_f$state=\$((min_f$state + $(field "$f" min_us)))"
		fails7=$((fails7 + $(field "$h" fails) + $(field "$f" fails)))
		r=$(field "$h" maxrss_kb)
		[ "$r" -gt "$rss7" ] && rss7=$r
	done
	aa-oci unload --all --config $W/aa-oci.json >/dev/null
	grep -q '^:aa-oci:' "$AAFS/profiles" && berr "t7: profiles left in :aa-oci: after aa-oci unload --all"
	bench t7 hook10_us=$((sum_h10 / 4)) hook10k_us=$((sum_h10k / 4)) \
		floor10_us=$((sum_f10 / 4)) floor10k_us=$((sum_f10k / 4)) \
		floor10_min_us=$((min_f10 / 4)) floor10k_min_us=$((min_f10k / 4)) \
		fails=$fails7 runs=$((4 * N3)) root_loaded="$(grep -vc '^:' "$AAFS/profiles")"
}

# --- 4. 64 starts at once, same profile, unloaded and not cached ----------
# A round: a single cold start and 64 at once (the order alternates between
# rounds), each from nothing: unloaded, empty cache, no compile counted.
# Beside it, what 64 processes at once cost here whatever they do: 64
# floors, and 64 hooks whose profile is already loaded.
part4() {
	local ones="" manys="" compiles="" fails4=0 rss4=0 order k l c r
	R4=$((3 * SCALE))
	say "4. 64 hooks at once vs one, bench-cold unloaded and uncached ($R4 rounds)"
	for round in $(seq 1 $R4); do
		if [ $((round % 2)) = 1 ]; then order="1 64"; else order="64 1"; fi
		for k in $order; do
			$W/unload bench-cold && rm -rf $W/cache4 && : >$W/compiles
			run_driver t4-$k-$round -n 1 -w 0 -k $k -i $W/b4.state \
				-c start "$HOOK --config $W/aa-oci4.json createRuntime"
			l=$(driver_line "$OUT" start)
			c=$(wc -l <$W/compiles)
			loaded bench-cold || { berr "t4: bench-cold not loaded after the run"; fails4=$((fails4 + 1)); }
			say "4. round $round: $k at once: $(field "$l" median_us) us, $c compile(s), fails $(field "$l" fails)"
			fails4=$((fails4 + $(field "$l" fails)))
			if [ $k = 1 ]; then
				ones="$ones $(field "$l" median_us)"
			else
				manys="$manys $(field "$l" median_us)"
				compiles="$compiles,$c"
				r=$(field "$l" maxrss_kb)
				[ "$r" -gt "$rss4" ] && rss4=$r
			fi
		done
	done
	# shellcheck disable=SC2086
	bench t4 one_us="$(median $ones)" many_us="$(median $manys)" compiles="${compiles#,}" \
		fails=$fails4 rounds=$R4 rss_with_parser_kb=$rss4
	$W/unload bench-cold
	ensure_loaded
	say "4. for comparison: 64 floors at once, 64 hooks at once with the profile loaded"
	run_driver t4-diag -n $R4 -w 1 -k 64 \
		-i $W/b.state -c floor64 /bench/floor \
		-i $W/b.state -c hook64-loaded "$HOOK --config $W/aa-oci.json createRuntime"
}

# --- 6. aa-oci-runtime create against runc create, same bundle -----------
# The bundle names bench-default (loaded) in process.apparmorProfile, as
# Docker writes it; both end with the same created container, deleted
# before the next run (PREP, not timed).
part6() {
	N6=$((60 * SCALE))
	ensure_loaded
	say "6. aa-oci-runtime create vs runc create ($N6 runs each)"
	run_driver t6 -n $N6 -w 2 \
		-p $W/rmctr -c runc "runc create --bundle $W/b bench6" \
		-p $W/rmctr -c wrapper "aa-oci-runtime --aa-oci-config $W/aa-oci.json create --bundle $W/b bench6"
	$W/rmctr
	bench t6 runs=$N6
}

N2=$((15 * SCALE))
for p in 2 1 3 7 4 6; do
	part $p || continue
	t=$(uptime_s)
	part$p
	say "part $p took $(since "$t") s"
done

bench machine cpus="$(grep -c ^processor /proc/cpuinfo)" \
	mem_mb="$(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo)" \
	kernel="$(uname -r)" parser="$($PARSER --version | head -n 1 | sed 's/.* version //; s/ /_/g')" \
	runc="$(runc --version | head -n 1 | sed 's/.* version //')" \
	aslr="$([ "$(cat /proc/sys/kernel/randomize_va_space)" = 0 ] && echo off || echo on)"
say "bench finished"
