# shellcheck shell=bash
# matrix.sh: the behaviour matrix of issue 10, sourced by tests.sh. The
# probe (tests/vm/probe) runs in runc as root with every capability, no
# masked or read-only paths, no seccomp, /proc and /sys writable and the
# host's PID namespace, under: no profile; Docker's own docker-default as
# this guest's dockerd loads it; ours; LXC's own lxc-container-default and
# -cgns from Debian's lxc package; ours. Each of ours must do what the
# engine's does, operation for operation, but where
# /aa-oci-tests/intended-differences (profiles/templates/intended-differences)
# lists the difference with its reason.

MX=$WORK/matrix
holds() { eval "$1"; }
PROBE_BIN=/aa-oci-tests/probe
INTENDED=/aa-oci-tests/intended-differences

# The columns: label ("" for none) and a short title.
MX_COLS=(
	":unconfined"
	"docker-default:docker"
	"aa-oci-docker-default:ours-docker"
	"lxc-container-default:lxc"
	"aa-oci-lxc-container-default:ours-lxc"
	"lxc-container-default-cgns:lxc-cgns"
	"aa-oci-lxc-container-default-cgns:ours-lxc-cgns"
)
# The pairs compared: engine's column, ours, the name used in
# intended-differences.
MX_PAIRS=(
	"docker ours-docker docker-default"
	"lxc ours-lxc lxc-container-default"
	"lxc-cgns ours-lxc-cgns lxc-container-default-cgns"
)

# mx_bundle NAME PROFILE: a bundle that runs the probe under PROFILE.
mx_bundle() {
	local b=$MX/$1 caps
	rm -rf "$b" && mkdir -p "$b/out"
	chmod 0777 "$b/out"
	cp $PROBE_BIN "$b/out/probe"
	(cd "$b" && runc spec) || return 1
	# every capability of the 6.1 kernel (0 to 40)
	caps=$(jq -nc '["CHOWN","DAC_OVERRIDE","DAC_READ_SEARCH","FOWNER","FSETID","KILL","SETGID","SETUID",
		"SETPCAP","LINUX_IMMUTABLE","NET_BIND_SERVICE","NET_BROADCAST","NET_ADMIN","NET_RAW","IPC_LOCK",
		"IPC_OWNER","SYS_MODULE","SYS_RAWIO","SYS_CHROOT","SYS_PTRACE","SYS_PACCT","SYS_ADMIN","SYS_BOOT",
		"SYS_NICE","SYS_RESOURCE","SYS_TIME","SYS_TTY_CONFIG","MKNOD","LEASE","AUDIT_WRITE","AUDIT_CONTROL",
		"SETFCAP","MAC_OVERRIDE","MAC_ADMIN","SYSLOG","WAKE_ALARM","BLOCK_SUSPEND","AUDIT_READ","PERFMON",
		"BPF","CHECKPOINT_RESTORE"] | map("CAP_" + .)')
	jq --arg rootfs /tmp/bb --arg out "$b/out" --argjson caps "$caps" \
		--arg prof "$2" --arg host "$MX_HOST" --arg other "$MX_OTHER" '
		.process.terminal = false
		| .process.args = ["/out/probe", "--host-pid", $host, "--other-pid", $other, "--workdir", "/out/work"]
		| .process.noNewPrivileges = false
		| .process.capabilities = {bounding: $caps, effective: $caps, permitted: $caps, inheritable: $caps, ambient: $caps}
		| (if $prof == "" then del(.process.apparmorProfile) else .process.apparmorProfile = $prof end)
		| .root = {path: $rootfs, readonly: true}
		| .mounts = [.mounts[] | if .destination == "/sys" or .destination == "/sys/fs/cgroup"
			then .options = [.options[] | select(. != "ro")] else . end]
		| .mounts += [{destination: "/out", type: "bind", source: $out, options: ["rbind", "rw"]}]
		| .linux.namespaces = [.linux.namespaces[] | select(.type != "pid")]
		| del(.linux.maskedPaths, .linux.readonlyPaths, .linux.seccomp)' \
		"$b/config.json" >"$b/c.json" && mv "$b/c.json" "$b/config.json"
}

# Ours go into the root namespace, beside the engines' own: a config with
# profile_namespace "" (aa-oci-exec would load them into :aa-oci: otherwise).
MX_ROOTNS=/tmp/aa-oci-root-namespace.json
echo '{"profile_namespace": ""}' >"$MX_ROOTNS"

# mx_load_ours TEMPLATE: our generated profile under the name aa-oci-TEMPLATE,
# in /etc/apparmor.d/containers, loaded the way aa-oci loads it.
mx_load_ours() {
	mkdir -p /etc/apparmor.d/containers
	aa-oci generate "$1" --name "aa-oci-$1" >"/etc/apparmor.d/containers/aa-oci-$1" || return 1
	unload "aa-oci-$1"
	aa-oci-exec --config "$MX_ROOTNS" --profile "aa-oci-$1" -- true
}

t_matrix() {
	local col label title i op line a b pair real ours name fails=0 rows
	[ -x $PROBE_BIN ] || { check "the probe is installed ($PROBE_BIN)" false; return 1; }
	check "the list of intended differences is installed ($INTENDED)" [ -f $INTENDED ] || return 1
	rm -rf "$MX" && mkdir -p "$MX"

	# Docker's own docker-default, as dockerd loads it: removed, then a
	# container with the default runtime makes dockerd load it again.
	unload docker-default
	kmark matrix-docker
	run_cmd docker run --rm --network none $IMG true
	check "Docker's docker-default loaded by dockerd (comm=\"apparmor_parser\")" \
		kwait matrix-docker 'operation="profile_load"' 'name="docker-default"' 'comm="apparmor_parser"' || return 1
	# LXC's own profiles from Debian's lxc package.
	check "Debian's lxc package has /etc/apparmor.d/lxc-containers" [ -f /etc/apparmor.d/lxc-containers ] || return 1
	run_cmd apparmor_parser -r /etc/apparmor.d/lxc-containers
	check "LXC's lxc-container-default and -cgns loaded (apparmor_parser -r /etc/apparmor.d/lxc-containers)" \
		holds 'loaded lxc-container-default && loaded lxc-container-default-cgns' || return 1
	# Ours, through aa-oci's own loader.
	for t in docker-default lxc-container-default lxc-container-default-cgns; do
		mx_load_ours $t
		check "ours loaded by aa-oci as aa-oci-$t" loaded "aa-oci-$t" || return 1
	done
	aa-oci generate docker-default --explain --name aa-oci-docker-default | sed 's/^/  ours| /'

	# The peers: an unconfined host process, one under another profile.
	sleep 1000 </dev/null >/dev/null 2>&1 &
	MX_HOST=$!
	aa-oci-exec --config "$MX_ROOTNS" --profile "$PROFILE" -- sleep 1000 </dev/null >/dev/null 2>&1 &
	MX_OTHER=$!
	# until aa-oci-exec has loaded the profile and exec'd under it
	for i in $(seq 1 300); do
		has "$(cat /proc/$MX_OTHER/attr/current 2>/dev/null)" "$PROFILE" && break
		sleep 0.1
	done
	echo "  host peer $MX_HOST ($(cat /proc/$MX_HOST/attr/current)), other peer $MX_OTHER ($(cat /proc/$MX_OTHER/attr/current))"
	check "the other peer runs under $PROFILE" has "$(cat /proc/$MX_OTHER/attr/current)" "$PROFILE"

	for col in "${MX_COLS[@]}"; do
		label=${col%%:*} title=${col#*:}
		mx_bundle "$title" "$label" || { check "bundle for $title" false; return 1; }
		timeout 120 runc run --bundle "$MX/$title" "mx-$title" </dev/null >"$MX/$title.out" 2>"$MX/$title.err"
		echo "$?" >"$MX/$title.rc"
		runc delete --force "mx-$title" >/dev/null 2>&1
		check "$title: the probe ran ($(wc -l <"$MX/$title.out") operations, exit $(cat "$MX/$title.rc"))" \
			holds "[ \"\$(cat $MX/$title.rc)\" = 0 ] && [ \$(wc -l <$MX/$title.out) -ge 60 ]" || {
			sed 's/^/  stderr| /' "$MX/$title.err" | head -20
			return 1
		}
	done
	kill $MX_HOST $MX_OTHER 2>/dev/null

	# The matrix: one row per operation, one column per profile.
	{
		printf '%-34s' operation
		for col in "${MX_COLS[@]}"; do printf ' %-13s' "${col#*:}"; done
		echo
		while IFS=$'\t' read -r op _; do
			printf '%-34s' "$op"
			for col in "${MX_COLS[@]}"; do
				printf ' %-13s' "$(awk -F'\t' -v o="$op" '$1 == o { print $2 }' "$MX/${col#*:}.out")"
			done
			echo
		done <"$MX/unconfined.out"
	} >"$MX/matrix.txt"
	sed 's/^/  /' "$MX/matrix.txt"

	# Every difference between an engine's profile and ours is listed.
	for pair in "${MX_PAIRS[@]}"; do
		read -r a b name <<<"$pair"
		rows=$(join -t $'\t' <(sort "$MX/$a.out") <(sort "$MX/$b.out"))
		while IFS=$'\t' read -r op real ours; do
			[ "$real" = "$ours" ] && continue
			if line=$(awk -v p="$name" -v o="$op" -v r="$real" -v u="$ours" \
				'$1 == p && $2 == o && $3 == r && $4 == u { print; exit }' $INTENDED) && [ -n "$line" ]; then
				echo "  intended: $name $op: $real (theirs) / $ours (ours): ${line#* * * * }"
			else
				echo "  UNEXPLAINED: $name $op: $real (theirs) / $ours (ours)"
				fails=$((fails + 1))
			fi
		done <<<"$rows"
		check "$name: the same operation list in both columns" \
			[ "$(cut -f1 "$MX/$a.out" | sort)" = "$(cut -f1 "$MX/$b.out" | sort)" ]
	done
	check "no difference between an engine's profile and ours that is not in intended-differences ($fails)" [ $fails = 0 ]
	# A listed difference that no longer shows is stale: say so.
	while read -r name op real ours _; do
		case $name in '' | '#'*) continue ;; esac
		for pair in "${MX_PAIRS[@]}"; do
			read -r a b n <<<"$pair"
			[ "$n" = "$name" ] || continue
			[ "$(awk -F'\t' -v o="$op" '$1 == o { print $2 }' "$MX/$a.out")" = "$real" ] &&
				[ "$(awk -F'\t' -v o="$op" '$1 == o { print $2 }' "$MX/$b.out")" = "$ours" ] ||
				echo "  note: intended difference not seen this run: $name $op $real $ours"
		done
	done <$INTENDED
}
