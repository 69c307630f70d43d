# shellcheck shell=bash
# tests.sh: aa-oci with the real engines, run by the engines guest's init
# (bash). Docker, Podman and containerd from Debian's packages, driven with
# their own command lines as their users drive them; images are made here
# from the guest's busybox, never pulled. Each test checks what the kernel
# decided: the label inside the container, EACCES from a refused access, the
# profiles the kernel lists, its audit records (who loaded what).
#   AAOCI:plan N
#   AAOCI:log N <line>          a test's own output
#   AAOCI:result ok N - name    or "not ok N - name", or "ok N - name # SKIP why"
# shellcheck source=tests/vm/engines/guest/lib.sh
. /aa-oci-tests/lib.sh
# shellcheck source=tests/vm/engines/guest/matrix.sh
. /aa-oci-tests/matrix.sh

PROFILE=aa-oci-engine-test

t_preflight() {
	check "AppArmor is enabled" [ "$(cat /sys/module/apparmor/parameters/enabled)" = Y ]
	sed 's/^/  dpkg: /' /var/log/aa-oci-dpkg.log
	check "dpkg -i $(basename /aa-oci-tests/aa-oci_*.deb) succeeded" [ "$(cat /var/log/aa-oci-dpkg.rc)" = 0 ]
	check "dpkg lists aa-oci as installed" \
		[ "$(dpkg-query -W -f='${Status}' aa-oci 2>&1)" = "install ok installed" ]
	echo "  $(dpkg-query -W -f='${Package} ${Version} ${Architecture}; Depends: ${Depends}' aa-oci)"
	for f in /usr/bin/aa-oci-runtime /usr/bin/aa-oci /usr/bin/aa-oci-exec \
		/usr/libexec/aa-oci/aa-oci-hook; do
		check "the package put $f" bash -c '[ -x "$1" ] && dpkg -S "$1" | grep -q "^aa-oci:"' - $f
	done
	for f in /usr/share/containers/oci/hooks.d/aa-oci.json \
		/usr/share/aa-oci/docker/daemon.json /usr/share/aa-oci/containerd/aa-oci.toml \
		/etc/aa-oci/config.json; do
		check "the package put $f" bash -c '[ -f "$1" ] && dpkg -S "$1" | grep -q "^aa-oci:"' - $f
	done
	check "/etc/aa-oci/config.json is a conffile" \
		has "$(dpkg-query -W -f='${Conffiles}' aa-oci)" /etc/aa-oci/config.json
	check "/etc/apparmor.d/containers exists" [ -d /etc/apparmor.d/containers ]
	check "/etc/apparmor.d/$PROFILE is installed" [ -f /etc/apparmor.d/$PROFILE ]
	check "$PROFILE is not loaded at boot" not_loaded $PROFILE
	for v in "docker --version" "podman --version" "ctr --version" "runc --version" "crun --version"; do
		echo "  $($v | head -n 1)"
	done
}

# The busybox image, made from the guest's own busybox: a root filesystem
# tar (docker import, podman import) and an OCI image archive (ctr import).
t_images() {
	local r=/tmp/bb a
	rm -rf $r && mkdir -p $r/bin $r/proc $r/sys $r/dev $r/etc $r/tmp $r/out
	cp /bin/busybox $r/bin/
	for a in sh cat echo ls printf sleep true id; do ln -s busybox $r/bin/$a; done
	tar -C $r --owner=0 --group=0 --numeric-owner -cf /tmp/busybox.tar . &&
		check "busybox rootfs tar" [ -s /tmp/busybox.tar ]
	# OCI image layout: one uncompressed layer, config, manifest, index
	local o=/tmp/oci b=/tmp/oci/blobs/sha256 ld ls cd cs md ms
	rm -rf $o && mkdir -p $b
	ld=$(sha256sum </tmp/busybox.tar | cut -d' ' -f1)
	ls=$(stat -c %s /tmp/busybox.tar)
	cp /tmp/busybox.tar $b/"$ld"
	jq -cn --arg d "sha256:$ld" '{architecture: "amd64", os: "linux",
		config: {Env: ["PATH=/bin"], Cmd: ["/bin/sh"]},
		rootfs: {type: "layers", diff_ids: [$d]}}' >/tmp/oci.config
	cd=$(sha256sum </tmp/oci.config | cut -d' ' -f1)
	cs=$(stat -c %s /tmp/oci.config)
	mv /tmp/oci.config $b/"$cd"
	jq -cn --arg cd "sha256:$cd" --argjson cs "$cs" --arg ld "sha256:$ld" --argjson ls "$ls" '
		{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
		 config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $cd, size: $cs},
		 layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $ld, size: $ls}]}' \
		>/tmp/oci.manifest
	md=$(sha256sum </tmp/oci.manifest | cut -d' ' -f1)
	ms=$(stat -c %s /tmp/oci.manifest)
	mv /tmp/oci.manifest $b/"$md"
	jq -cn --arg md "sha256:$md" --argjson ms "$ms" --arg n "$CIMG" '
		{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json",
		 digest: $md, size: $ms, platform: {architecture: "amd64", os: "linux"},
		 annotations: {"io.containerd.image.name": $n, "org.opencontainers.image.ref.name": "latest"}}]}' \
		>$o/index.json
	echo '{"imageLayoutVersion": "1.0.0"}' >$o/oci-layout
	tar -C $o -cf /tmp/busybox-oci.tar . &&
		check "busybox OCI image archive" [ -s /tmp/busybox-oci.tar ]
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds.
wait_for() {
	local n=$1 i
	shift
	for ((i = 0; i < n * 4; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.25
	done
	return 1
}

# containerd with its default configuration (the snapshotter native: the
# guest has no kernel modules, so no overlay). dockerd uses it too.
# [i13] aa-oci configure containerd on Debian's own config.toml (which has
# CRI settings of its own, so the handler goes into it, not a drop-in),
# then containerd starts with it.
t_containerd_start() {
	local orig
	orig=$(cat /etc/containerd/config.toml)
	sed 's/^/  config.toml (Debian): /' /etc/containerd/config.toml
	run_cmd aa-oci configure containerd
	check "aa-oci configure containerd: exit 0, says what to restart" \
		eval '[ "$RC" = 0 ] && has "$OUT" "systemctl restart containerd"'
	check "config.toml kept: Debian's lines are all still there, first" \
		has "$(cat /etc/containerd/config.toml)" "$orig"
	check "config.toml.aa-oci-backup is Debian's file" \
		[ "$(cat /etc/containerd/config.toml.aa-oci-backup)" = "$orig" ]
	run_cmd aa-oci configure containerd
	check "a second run changes nothing" eval '[ "$RC" = 0 ] && has "$OUT" "already configured"'
	echo "  \$ containerd &"
	containerd >/var/log/containerd.log 2>&1 &
	check "containerd answers (ctr version)" wait_for 30 ctr version
	run_cmd ctr plugins ls
	check "the CRI plugin loaded (ok) with the configured config.toml" \
		eval 'printf "%s\n" "$OUT" | grep -q "io.containerd.grpc.v1 *cri .* ok"'
	OUT=$(containerd config dump 2>&1)
	check "containerd config dump: Debian's cni bin_dir /usr/lib/cni kept" \
		has "$OUT" 'bin_dir = "/usr/lib/cni"'
	check "containerd config dump: runtime handler aa-oci, BinaryName /usr/bin/aa-oci-runtime" \
		has "$OUT" 'BinaryName = "/usr/bin/aa-oci-runtime"'
	check "containerd config dump: runc (the default handler) still there" \
		has "$OUT" 'runtimes.runc]'
	run_cmd ctr images import --snapshotter native /tmp/busybox-oci.tar
	check "ctr images import of the busybox OCI archive" [ "$RC" = 0 ]
	run_cmd ctr images ls -q
	check "containerd lists $CIMG" has "$OUT" "$CIMG"
}

# ---- Docker -------------------------------------------------------------

# dockerd as README says: aa-oci's daemon.json as /etc/docker/daemon.json.
# Its other flags only make it run offline in this guest.
t_docker_start() {
	check "Debian's docker.io has no /etc/docker/daemon.json" [ ! -e /etc/docker/daemon.json ]
	run_cmd aa-oci configure docker --dry-run
	check "--dry-run prints the file it would write, writes nothing" \
		eval 'has "$OUT" "+++ /etc/docker/daemon.json" && [ ! -e /etc/docker/daemon.json ]'
	run_cmd aa-oci configure docker
	check "aa-oci configure docker: exit 0, says what to restart" \
		eval '[ "$RC" = 0 ] && has "$OUT" "systemctl restart docker"'
	run_cmd aa-oci configure docker
	check "a second run changes nothing" eval '[ "$RC" = 0 ] && has "$OUT" "already configured"'
	sed 's/^/  daemon.json: /' /etc/docker/daemon.json
	echo "  \$ dockerd --iptables=false --bridge=none --storage-driver=vfs --containerd=/run/containerd/containerd.sock &"
	dockerd --iptables=false --bridge=none --storage-driver=vfs \
		--containerd=/run/containerd/containerd.sock >/var/log/dockerd.log 2>&1 &
	if ! check "dockerd answers (docker info)" wait_for 60 docker info; then
		tail -n 20 /var/log/dockerd.log | sed 's/^/  dockerd: /'
		return 1
	fi
	run_cmd docker info --format '{{json .Runtimes}}'
	check "docker info lists the runtime aa-oci -> /usr/bin/aa-oci-runtime" \
		has "$OUT" '"aa-oci":{"path":"/usr/bin/aa-oci-runtime"}'
	run_cmd docker import --change 'ENV PATH=/bin' --change 'CMD ["/bin/sh"]' /tmp/busybox.tar $IMG
	check "docker import of the busybox rootfs tar" [ "$RC" = 0 ]
}

# docker run --runtime aa-oci --security-opt apparmor=NAME, NAME not loaded.
t_docker_aa_oci() {
	local dir
	start_unloaded $PROFILE || return 1
	dir=$(outdir docker-aa-oci)
	TAG=docker-aa-oci
	kmark "$TAG"
	run_cmd docker run --rm --network none -v "$dir:/out" \
		--runtime aa-oci --security-opt apparmor=$PROFILE $IMG sh -c "$PROBE"
	confined_checks $PROFILE "$dir" ns
	loaded_by_aa_oci $PROFILE aa-oci-runtime ns
}

# [i14] A profile the root namespace has (loaded by hand, as admins do
# today) is what the container runs under: aa-oci-runtime leaves the label
# as Docker wrote it and loads nothing.
t_docker_root_loaded() {
	local dir
	start_unloaded $PROFILE || return 1
	apparmor_parser -r /etc/apparmor.d/$PROFILE
	check "precondition: $PROFILE loaded in the root namespace by apparmor_parser -r" mode_is $PROFILE enforce
	dir=$(outdir docker-root-loaded)
	TAG=docker-root-loaded
	kmark "$TAG"
	run_cmd docker run --rm --network none -v "$dir:/out" \
		--runtime aa-oci --security-opt apparmor=$PROFILE $IMG sh -c "$PROBE"
	confined_checks $PROFILE "$dir"
	check "nothing loaded into the namespace" not_loaded "$(in_ns $PROFILE)"
	check "no profile_load by aa-oci-runtime" \
		no_kgrep "$TAG" 'operation="profile_load"' 'comm="aa-oci-runtime"'
	unload $PROFILE
}

# [i11] aa-oci logs --container names the container a denial came from,
# for a running Docker (or Podman) container: ENGINE is docker or podman.
WAITER='exec 2>&1
echo x >/out/denied
echo ran >/out/ran
sleep 60'
t_logs_engine() {
	local eng=$1 dir id out
	local -a opt=(--runtime aa-oci --security-opt apparmor=$PROFILE)
	[ "$eng" = podman ] && opt=(--runtime aa-oci --annotation aa-oci.profile=$PROFILE)
	dir=$(outdir "logs-$eng")
	TAG=logs-$eng
	kmark "$TAG"
	run_cmd $eng run -d --network none -v "$dir:/out" "${opt[@]}" $IMG sh -c "$WAITER"
	id=$(printf '%s\n' "$OUT" | tail -n 1)
	check "$eng started it detached (id $id)" holds '[ "$RC" = 0 ] && [ ${#id} -ge 12 ]' || return 1
	for _ in $(seq 1 100); do [ -e "$dir/ran" ] && break; sleep 0.1; done
	kwait "$TAG" 'apparmor="DENIED"' "profile=\"$PROFILE\"" 'name="/out/denied"' >/dev/null
	run_cmd aa-oci logs --container "${id:0:12}" --json
	out=$OUT
	check "aa-oci logs --container ${id:0:12}: the DENIED write of /out/denied by $PROFILE, attributed to $id" \
		bash -c 'jq -e "select(.apparmor == \"DENIED\" and .name == \"/out/denied\" and .profile == \"$2\" and (.container | startswith(\"$3\")))" <<<"$1" >/dev/null' - "$out" $PROFILE "${id:0:12}"
	run_cmd aa-oci logs --container "${id:0:12}"
	check "the plain form names the container too" has "$OUT" "${id:0:12}"
	$eng rm -f "$id" >/dev/null 2>&1
}

# The same with Docker's default runtime: what Docker users see today.
t_docker_plain() {
	local dir
	start_unloaded $PROFILE || return 1
	dir=$(outdir docker-plain)
	TAG=docker-plain
	kmark "$TAG"
	run_cmd docker run --rm --network none -v "$dir:/out" \
		--security-opt apparmor=$PROFILE $IMG sh -c "$PROBE"
	check "docker run failed" [ "$RC" != 0 ]
	check "the container process did not run (no marker file)" [ ! -e "$dir/ran" ]
	check "the error is runc's: unable to apply apparmor profile ... attr/apparmor/exec: no such file or directory" \
		grep -q 'unable to apply apparmor profile.*attr/apparmor/exec: no such file or directory' <<<"$OUT"
	check "kernel log: change_onexec refused, info=\"label not found\"" \
		kwait "$TAG" 'operation="change_onexec"' 'info="label not found"' "name=\"$PROFILE\""
	check "$PROFILE is still not loaded" not_loaded $PROFILE
}

# A profile that exists nowhere: the error Docker users see, and no container.
t_docker_unknown() {
	local dir
	dir=$(outdir docker-unknown)
	TAG=docker-unknown
	kmark "$TAG"
	run_cmd docker run --network none -v "$dir:/out" --name aa-oci-unknown \
		--runtime aa-oci --security-opt apparmor=aa-oci-no-such-profile $IMG sh -c "$PROBE"
	check "docker run failed" [ "$RC" != 0 ]
	check "the container process did not run (no marker file)" [ ! -e "$dir/ran" ]
	check "docker's error names the profile" has "$OUT" 'aa-oci-no-such-profile'
	check "syslog: aa-oci-runtime refused it" swait "$TAG" 'aa-oci-runtime[' '"aa-oci-no-such-profile"'
	run_cmd docker ps -a --filter name=aa-oci-unknown --format '{{.Names}} {{.Status}}'
	docker rm -f aa-oci-unknown >/dev/null 2>&1
}

# docker run --annotation (Docker 24 and later).
t_docker_annotation() {
	local dir
	if ! docker run --help | grep -q -- '--annotation'; then
		SKIP="docker $(docker version --format '{{.Client.Version}}') has no 'docker run --annotation' (Docker 24 added it); Docker 20.10 users name the profile with --security-opt apparmor="
		echo "  skipped: $SKIP"
		return 0
	fi
	start_unloaded $PROFILE || return 1
	dir=$(outdir docker-annotation)
	TAG=docker-annotation
	kmark "$TAG"
	run_cmd docker run --rm --network none -v "$dir:/out" \
		--runtime aa-oci --annotation aa-oci.profile=$PROFILE $IMG sh -c "$PROBE"
	confined_checks $PROFILE "$dir" ns
	loaded_by_aa_oci $PROFILE aa-oci-runtime ns
}

# docker-default removed from the kernel behind dockerd's back, then a plain
# `docker run --runtime aa-oci`. Checked by the difference on an access
# docker-default denies (Docker's read-only /proc paths are dropped with
# systempaths=unconfined, so a refusal is AppArmor's, not EROFS).
t_docker_default() {
	local dir rt=$1
	local -a rtopt=()
	[ "$rt" = aa-oci ] && rtopt=(--runtime aa-oci)
	dir=$(outdir "docker-default-$rt")
	run_cmd docker run --rm --network none -v "$dir:/out" "${rtopt[@]}" \
		--security-opt systempaths=unconfined --security-opt apparmor=unconfined $IMG sh -c "$SYSRQ"
	check "unconfined control: label unconfined" has "$OUT" "label=unconfined"
	check "unconfined control: /proc/sysrq-trigger opened for writing" \
		has "$OUT" "sysrq-trigger: opened for writing"

	start_unloaded docker-default || return 1
	dir=$(outdir "docker-default-$rt-confined")
	TAG=docker-default-$rt
	kmark "$TAG"
	run_cmd docker run --rm --network none -v "$dir:/out" "${rtopt[@]}" \
		--security-opt systempaths=unconfined $IMG sh -c "$SYSRQ"
	check "exit status 0" [ "$RC" = 0 ]
	check "the container ran" [ -e "$dir/ran" ]
	check "label inside: docker-default (enforce)" has "$OUT" "label=docker-default (enforce)"
	check "the kernel lists docker-default (enforce)" mode_is docker-default enforce
	check "opening /proc/sysrq-trigger for writing failed with EACCES" \
		has "$OUT" "can't create /proc/sysrq-trigger: Permission denied"
	# Who put it back: dockerd itself (moby's ensureDefaultAppArmorProfile
	# runs apparmor_parser while it builds the spec, before any runtime is
	# called), or aa-oci-runtime (it loads in-process: comm="aa-oci-runtime").
	check "kernel log: docker-default was loaded again" \
		kwait "$TAG" 'operation="profile_load"' 'name="docker-default"'
	if [ "$rt" = runc ]; then
		check "by dockerd (comm=\"apparmor_parser\"): no aa-oci involved" \
			kwait "$TAG" 'operation="profile_load"' 'name="docker-default"' 'comm="apparmor_parser"'
	elif grep_all "$(klog "$TAG")" 'operation="profile_load"' 'name="docker-default"' 'comm="apparmor_parser"' >/dev/null; then
		echo "  note: dockerd reloaded docker-default itself (comm=\"apparmor_parser\") before calling the runtime;"
		echo "  aa-oci-runtime then found it loaded, so aa-oci did not have to regenerate it"
		check "aa-oci-runtime did not load docker-default a second time" \
			no_kgrep "$TAG" 'operation="profile_load"' 'name="docker-default"' 'comm="aa-oci-runtime"'
	else
		check "loaded by aa-oci-runtime (its generated docker-default)" \
			kwait "$TAG" 'operation="profile_load"' 'name="docker-default"' 'comm="aa-oci-runtime"'
	fi
}

# ---- Podman -------------------------------------------------------------

# Podman in this guest: no systemd (cgroupfs, events in a file), storage vfs
# (no overlay module). aa-oci-runtime registered as the runtime "aa-oci".
t_podman_setup() {
	mkdir -p /etc/containers
	cat >/etc/containers/containers.conf <<-'EOF'
		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
	EOF
	cat >/etc/containers/storage.conf <<-'EOF'
		[storage]
		driver = "vfs"
		runroot = "/run/containers/storage"
		graphroot = "/var/lib/containers/storage"
	EOF
	sed 's/^/  containers.conf: /' /etc/containers/containers.conf
	run_cmd aa-oci configure podman
	check "aa-oci configure podman: exit 0, the drop-in containers.conf.d/aa-oci.conf" \
		eval '[ "$RC" = 0 ] && [ -f /etc/containers/containers.conf.d/aa-oci.conf ]'
	sed 's/^/  containers.conf.d\/aa-oci.conf: /' /etc/containers/containers.conf.d/aa-oci.conf
	run_cmd podman import --quiet --change 'ENV PATH=/bin' --change 'CMD ["/bin/sh"]' /tmp/busybox.tar $IMG
	check "podman import of the busybox rootfs tar" [ "$RC" = 0 ]
	run_cmd podman info --format '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}}'
}

no_podman_container() {
	local ps
	ps=$(podman ps -a --format '{{.ID}} {{.Status}}')
	[ -z "$ps" ] || { printf '    podman ps -a: %s\n' "$ps"; return 1; }
}

# podman run --runtime aa-oci-runtime --annotation aa-oci.profile=NAME
t_podman_annotation() {
	local dir rtarg=$1
	start_unloaded $PROFILE || return 1
	TAG=podman-annotation-${rtarg//\//_}
	dir=$(outdir "$TAG")
	kmark "$TAG"
	run_cmd podman run --rm --network none -v "$dir:/out" \
		--runtime "$rtarg" --annotation aa-oci.profile=$PROFILE $IMG sh -c "$PROBE"
	confined_checks $PROFILE "$dir" ns
	loaded_by_aa_oci $PROFILE aa-oci-runtime ns
	check "no container left (podman ps -a is empty)" no_podman_container
}

# A bad annotation: a clear error from podman, and no container.
t_podman_bad() {
	local dir
	dir=$(outdir podman-bad)
	TAG=podman-bad
	kmark "$TAG"
	run_cmd podman run --rm --network none -v "$dir:/out" \
		--runtime aa-oci --annotation aa-oci.profile=../etc $IMG sh -c "$PROBE"
	check "podman run failed" [ "$RC" != 0 ]
	check "podman's output has aa-oci-runtime's reason: profile name \"../etc\" ..." \
		grep -q 'aa-oci-runtime: .*profile name "\.\./etc"' <<<"$OUT"
	check "the container process did not run (no marker file)" [ ! -e "$dir/ran" ]
	check "no container left (podman ps -a is empty)" no_podman_container
	check "syslog: aa-oci-runtime refused it" swait "$TAG" 'aa-oci-runtime[' 'profile name "../etc"'

	dir=$(outdir podman-unknown)
	run_cmd podman run --rm --network none -v "$dir:/out" \
		--runtime aa-oci --annotation aa-oci.profile=aa-oci-no-such-profile $IMG sh -c "$PROBE"
	check "a profile that exists nowhere: podman run failed" [ "$RC" != 0 ]
	check "podman's output names the profile" has "$OUT" '"aa-oci-no-such-profile"'
	check "the container process did not run (no marker file)" [ ! -e "$dir/ran" ]
	check "no container left (podman ps -a is empty)" no_podman_container
}

# The annotation without the wrapper: only the hooks.d hook runs, and the
# runtime would apply Podman's own default; the hook refuses the container
# rather than let it run under something else than asked.
t_podman_hook_only() {
	local dir
	start_unloaded $PROFILE || return 1
	dir=$(outdir podman-hook-only)
	TAG=podman-hook-only
	kmark "$TAG"
	run_cmd podman run --rm --network none -v "$dir:/out" \
		--annotation aa-oci.profile=$PROFILE $IMG sh -c "$PROBE"
	check "podman run failed" [ "$RC" != 0 ]
	check "podman's output names aa-oci-hook" has "$OUT" /usr/libexec/aa-oci/aa-oci-hook
	check "the container process did not run (no marker file)" [ ! -e "$dir/ran" ]
	check "no container left (podman ps -a is empty)" no_podman_container
	check "syslog: aa-oci-hook says why (process.apparmorProfile is Podman's default)" \
		swait "$TAG" 'aa-oci-hook[' "profile \"$PROFILE\"" 'run the container through aa-oci-runtime'
}

# ---- Kubernetes: the DaemonSet's sync container under Podman --------------

# kubelet's layout of a ConfigMap volume in DIR: the keys' files in a
# timestamped directory, ..data a link to it, each key a link into ..data.
# cm_publish DIR STAMP KEYFILE...: publish a new version the kubelet way
# (its AtomicWriter): write ..STAMP, point ..data_tmp at it and rename it over
# ..data, then add the links of new keys, drop those of gone keys and the
# old directory.
cm_publish() {
	local dir=$1 stamp=$2 old f k
	shift 2
	old=$(readlink "$dir/..data" 2>/dev/null)
	mkdir "$dir/..$stamp"
	for f in "$@"; do cp "$f" "$dir/..$stamp/"; done
	ln -s "..$stamp" "$dir/..data_tmp"
	mv -T "$dir/..data_tmp" "$dir/..data"
	for f in "$@"; do
		k=$(basename "$f")
		[ -L "$dir/$k" ] || ln -s "..data/$k" "$dir/$k"
	done
	for f in "$dir"/*; do
		[ -e "$f" ] || rm -f "$f" # a key no longer in ..data
	done
	[ -z "$old" ] || rm -rf "${dir:?}/$old"
}

# wait_loaded NAME SECONDS: poll the kernel's profile list every 20 ms;
# prints the time it took.
wait_loaded() {
	local t0 i
	t0=$(date +%s.%N)
	for ((i = 0; i < $2 * 50; i++)); do
		if loaded "$1"; then
			awk -v s="$t0" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }'
			return 0
		fi
		sleep 0.02
	done
	return 1
}

# The image `make image` built (docker-archive, podman load) runs as the
# DaemonSet's "sync" container: image, command, args, privileges and volume
# mounts all read from config/kubernetes/daemonset.yaml (converted to JSON on
# the host), none restated here. hostPath volumes are the guest's own paths;
# the configMap volume is a directory laid out as kubelet mounts one, holding
# the keys of config/kubernetes/profiles-configmap.yaml. Left out: resources
# (requests and limits are the scheduler's and cgroups' business, not what
# the container can do). Then a key added the kubelet way must be loaded
# within a second, and a key taken out unloaded.
t_daemonset() {
	local ds=/aa-oci-tests/daemonset.json cmj=/aa-oci-tests/profiles-configmap.json
	local c spec image pull cm=$WORK/configmap src=$WORK/cm-src name mp ro vol key t
	local -a opt=() cmd=()
	if [ -s /aa-oci-tests/image.error ]; then
		echo "  $(cat /aa-oci-tests/image.error)"
		check "make image built the image" false
		return 1
	fi
	run_cmd podman load -i /aa-oci-tests/aa-oci-image.tar
	check "podman load of make image's archive" [ "$RC" = 0 ] || return 1

	spec=$(jq -c '.[] | select(.kind == "DaemonSet") | .spec.template.spec' $ds)
	c=$(jq -c '.containers[] | select(.name == "sync")' <<<"$spec")
	check "daemonset.yaml has a DaemonSet with a container \"sync\"" [ -n "$c" ] || return 1
	image=$(jq -r .image <<<"$c")
	case $(jq -r '.imagePullPolicy // "IfNotPresent"' <<<"$c") in
	IfNotPresent) pull=missing ;; Never) pull=never ;; *) pull=always ;;
	esac
	opt=(--pull "$pull" --name aa-oci-sync)
	# privileges: each field the manifest sets, or the test fails
	for key in $(jq -r '.securityContext // {} | keys[]' <<<"$c"); do
		case $key in
		privileged) [ "$(jq .securityContext.privileged <<<"$c")" = true ] && opt+=(--privileged) ;;
		runAsUser) opt+=(--user "$(jq .securityContext.runAsUser <<<"$c")") ;;
		readOnlyRootFilesystem)
			[ "$(jq .securityContext.readOnlyRootFilesystem <<<"$c")" = true ] && opt+=(--read-only) ;;
		capabilities)
			for t in $(jq -r '.securityContext.capabilities.add // [] | .[]' <<<"$c"); do opt+=(--cap-add "$t"); done
			for t in $(jq -r '.securityContext.capabilities.drop // [] | .[]' <<<"$c"); do opt+=(--cap-drop "$t"); done ;;
		*) check "securityContext.$key is known to this test" false ;;
		esac
	done
	[ "$(jq '.hostPID // false' <<<"$spec")" = true ] && opt+=(--pid host)
	if [ "$(jq '.hostNetwork // false' <<<"$spec")" = true ]; then opt+=(--network host); else opt+=(--network none); fi

	# the ConfigMap's keys, published as kubelet does
	rm -rf "$cm" "$src" && mkdir -p "$cm" "$src"
	for key in $(jq -r '.[] | select(.kind == "ConfigMap" and .metadata.name == "aa-oci-profiles") | .data | keys[]' $cmj); do
		jq -j --arg k "$key" '.[] | select(.kind == "ConfigMap") | .data[$k]' $cmj >"$src/$key"
	done
	check "profiles-configmap.yaml has keys ($(ls "$src" | tr '\n' ' '))" [ -n "$(ls "$src")" ] || return 1
	cm_publish "$cm" 2026_11_30_12_00_00.000000001 "$src"/*
	ls -la "$cm" | sed 's/^/  configmap: /'

	# the mounts: each volumeMount's volume
	while read -r name mp ro; do
		vol=$(jq -c --arg n "$name" '.volumes[] | select(.name == $n)' <<<"$spec")
		if jq -e .hostPath <<<"$vol" >/dev/null; then
			t=$(jq -r .hostPath.path <<<"$vol")
			[ "$(jq -r '.hostPath.type // ""' <<<"$vol")" = DirectoryOrCreate ] && mkdir -p "$t"
		elif jq -e .configMap <<<"$vol" >/dev/null; then
			t=$cm
		else
			check "volume $name: a kind this test knows (hostPath, configMap)" false
			continue
		fi
		if [ "$ro" = true ]; then opt+=(-v "$t:$mp:ro"); else opt+=(-v "$t:$mp"); fi
	done < <(jq -r '.volumeMounts[] | "\(.name) \(.mountPath) \(.readOnly // false)"' <<<"$c")
	mapfile -t cmd < <(jq -r '(.command // []) + (.args // []) | .[]' <<<"$c")

	for key in "$src"/*; do unload "$(basename "$key")"; done
	unload aa-oci-cm-added
	TAG=daemonset
	kmark "$TAG"
	run_cmd podman run -d "${opt[@]}" "$image" "${cmd[@]}"
	check "podman run -d of $image as the DaemonSet's sync container" [ "$RC" = 0 ] || return 1
	for key in "$src"/*; do
		key=$(basename "$key")
		t=$(wait_loaded "$key" 60)
		check "the ConfigMap's profile $key is loaded (${t:-not within 60}s after the start)" [ -n "$t" ]
	done

	# a new key, the kubelet way; the agent loads it within a second
	printf 'abi <abi/3.0>,\nprofile aa-oci-cm-added flags=(attach_disconnected) {\n  file,\n  capability,\n}\n' \
		>"$src/aa-oci-cm-added"
	cm_publish "$cm" 2026_11_30_12_01_00.000000002 "$src"/*
	t=$(wait_loaded aa-oci-cm-added 10)
	echo "  aa-oci-cm-added listed by the kernel ${t:-not within 10}s after the new version was published"
	check "a profile added to the ConfigMap is loaded within a second (${t:-more than 10}s)" \
		awk -v t="${t:-99}" 'BEGIN { exit !(t <= 1.0) }'
	check "kernel log: profile_load of aa-oci-cm-added by comm=\"aa-oci\" (the agent in the container)" \
		kwait "$TAG" 'operation="profile_load"' 'name="aa-oci-cm-added"' 'comm="aa-oci"'
	ls -la "$cm" | sed 's/^/  configmap: /'

	# the key taken out again: the agent unloads what it loaded
	rm -f "$src/aa-oci-cm-added"
	cm_publish "$cm" 2026_11_30_12_02_00.000000003 "$src"/*
	check "a profile taken out of the ConfigMap is unloaded" wait_for 10 not_loaded aa-oci-cm-added
	run_cmd podman logs aa-oci-sync
	check "the agent's log names the added profile" has "$OUT" aa-oci-cm-added
	podman rm -f aa-oci-sync >/dev/null 2>&1
	for key in "$src"/*; do unload "$(basename "$key")"; done
}

# ---- containerd ---------------------------------------------------------

CTR_RUN=(ctr run --rm --snapshotter native)

# ctr run with aa-oci-runtime as the runc binary and aa-oci.profile set.
t_ctr_aa_oci() {
	local dir
	start_unloaded $PROFILE || return 1
	dir=$(outdir ctr-aa-oci)
	TAG=ctr-aa-oci
	kmark "$TAG"
	# the runtime aa-oci configure gave containerd (ctr has no CRI
	# runtime handlers: it takes the handler's BinaryName)
	local bin
	bin=$(containerd config dump 2>/dev/null | sed -n '/runtimes\.aa-oci\.options\]/,/^ *\[/s/^ *BinaryName = "\(.*\)"/\1/p' | head -n 1)
	check "the configured handler's BinaryName: $bin" [ "$bin" = /usr/bin/aa-oci-runtime ]
	run_cmd "${CTR_RUN[@]}" --runc-binary "$bin" \
		--annotation aa-oci.profile=$PROFILE \
		--mount "type=bind,src=$dir,dst=/out,options=rbind:rw" \
		$CIMG ctr-aa-oci sh -c "$PROBE"
	confined_checks $PROFILE "$dir" ns
	loaded_by_aa_oci $PROFILE aa-oci-runtime ns
}

# The same without aa-oci: the annotation means nothing to runc.
t_ctr_plain() {
	local dir
	start_unloaded $PROFILE || return 1
	dir=$(outdir ctr-plain)
	run_cmd "${CTR_RUN[@]}" --annotation aa-oci.profile=$PROFILE \
		--mount "type=bind,src=$dir,dst=/out,options=rbind:rw" \
		$CIMG ctr-plain sh -c "$PROBE"
	check "exit status 0" [ "$RC" = 0 ]
	check "label inside: unconfined" has "$OUT" "label=unconfined"
	check "the write to /out/denied succeeded" [ -e "$dir/denied" ]
	check "$PROFILE is still not loaded" not_loaded $PROFILE
}

# /usr/share/aa-oci/containerd/aa-oci.toml (aa-oci configure containerd
# --print, written by make install), merged into a version 2 config.toml: the
# configuration containerd reads has the runtime handler aa-oci.
t_ctr_snippet() {
	local c=/tmp/containerd-aa-oci.toml
	{ echo 'version = 2'; cat /usr/share/aa-oci/containerd/aa-oci.toml; } >$c
	echo "  \$ containerd --config $c config dump"
	OUT=$(containerd --config $c config dump 2>&1)
	RC=$?
	check "containerd accepts it (exit status $RC)" [ "$RC" = 0 ] || printf '%s\n' "$OUT" | tail -n 5
	local sect
	sect=$(printf '%s\n' "$OUT" | sed -n '/runtimes\.aa-oci\]/,/^$/p;/runtimes\.aa-oci\.options\]/,/^$/p')
	printf '%s\n' "$sect" | sed 's/^/  | /'
	check "runtime aa-oci: runtime_type io.containerd.runc.v2" has "$sect" 'runtime_type = "io.containerd.runc.v2"'
	check "runtime aa-oci: pod_annotations [\"aa-oci.*\"]" has "$sect" 'pod_annotations = ["aa-oci.*"]'
	check "runtime aa-oci: BinaryName /usr/bin/aa-oci-runtime" has "$sect" 'BinaryName = "/usr/bin/aa-oci-runtime"'
}

run_test() {
	local name=$1 rc
	shift
	N=$((N + 1))
	rm -f /tmp/test-$N.skip
	# aaoci_only=f1,f2 on the kernel command line (AA_OCI_ENGINES_ONLY on
	# the host): run only those test functions, for working on one test.
	if [ -n "$ONLY" ] && [[ ",$ONLY," != *",$1,"* ]]; then
		echo "AAOCI:result ok $N - $name # SKIP not selected (AA_OCI_ENGINES_ONLY)"
		return 0
	fi
	# streamed, so a test that hangs still shows how far it got
	(
		FAILS=0
		SKIP=
		echo "# $name"
		"$@"
		rc=$?
		[ -n "$SKIP" ] && echo "$SKIP" >/tmp/test-$N.skip
		[ "$FAILS" = 0 ] && [ "$rc" = 0 ]
		echo $? >/tmp/test-$N.rc
	) 2>&1 | sed "s/^/AAOCI:log $N /"
	rc=$(cat /tmp/test-$N.rc 2>/dev/null || echo 1)
	if [ "$rc" = 0 ] && [ -s /tmp/test-$N.skip ]; then
		echo "AAOCI:result ok $N - $name # SKIP $(cat /tmp/test-$N.skip)"
	elif [ "$rc" = 0 ]; then
		echo "AAOCI:result ok $N - $name"
	else
		echo "AAOCI:result not ok $N - $name"
	fi
}

all_tests() {
	t "engines guest: AppArmor on, aa-oci installed from its .deb (dpkg -i), test profile in /etc/apparmor.d not loaded" t_preflight
	t "busybox images made locally (rootfs tar, OCI archive)" t_images
	t "[i13] aa-oci configure containerd on Debian's config.toml (CRI settings kept, backup, idempotent); containerd starts, CRI plugin ok; ctr images import of the busybox OCI archive" t_containerd_start
	t "[docker][i13] aa-oci configure docker (no daemon.json in Debian's docker.io; --dry-run, idempotent), dockerd started: runtime aa-oci registered; busybox imported" t_docker_start
	t "[docker][i14] run --runtime aa-oci --security-opt apparmor=NAME, NAME not loaded: loaded by aa-oci-runtime into the namespace :aa-oci: (not the root one), confined (NAME inside), write denied and logged with namespace=\"root//aa-oci\"" t_docker_aa_oci
	t "[docker][i14] the same NAME already loaded in the root namespace (by hand): used where it is, nothing loaded into :aa-oci:" t_docker_root_loaded
	t "[docker] run --security-opt apparmor=NAME, NAME not loaded, default runtime: fails as today (runc: attr/apparmor/exec: no such file or directory)" t_docker_plain
	t "[docker] run --runtime aa-oci --security-opt apparmor=NAME, NAME exists nowhere: docker run fails, the error names NAME" t_docker_unknown
	t "[docker] run --runtime aa-oci --annotation aa-oci.profile=NAME: confined" t_docker_annotation
	t "[docker] docker-default removed behind dockerd's back, run --runtime aa-oci: confined by docker-default again, sysrq-trigger denied; the loader named" t_docker_default aa-oci
	t "[docker] docker-default removed behind dockerd's back, run with the default runtime: dockerd reloads it itself (control)" t_docker_default runc
	t "[i10] behaviour matrix: the probe under Docker's docker-default (as dockerd loads it) and LXC's lxc-container-default[-cgns] (Debian's lxc) against ours; no difference that intended-differences does not explain" t_matrix
	t "[docker][i11] aa-oci logs --container ID attributes a denial in a running Docker container" t_logs_engine docker
	t "[podman][i13] containers.conf (cgroupfs), aa-oci configure podman (containers.conf.d drop-in), storage vfs; podman import of busybox" t_podman_setup
	t "[podman] run --runtime /usr/bin/aa-oci-runtime --annotation aa-oci.profile=NAME, NAME not loaded: loaded, confined, write denied and logged" t_podman_annotation /usr/bin/aa-oci-runtime
	t "[podman] run --runtime aa-oci (containers.conf) --annotation aa-oci.profile=NAME: loaded, confined" t_podman_annotation aa-oci
	t "[podman][i11] aa-oci logs --container ID attributes a denial in a running Podman container" t_logs_engine podman
	t "[podman] run --annotation aa-oci.profile=../etc, or a profile that exists nowhere: clear error in podman's output, no container" t_podman_bad
	t "[podman] run --annotation aa-oci.profile=NAME without aa-oci-runtime: the hooks.d hook refuses (Podman's default profile would apply), no container" t_podman_hook_only
	t "[kubernetes] the make image image as daemonset.yaml's sync container under podman (mounts, privileges, command from the manifest) loads a kubelet-laid-out ConfigMap; a key added the kubelet way is loaded within a second, one taken out unloaded" t_daemonset
	t "[containerd] ctr run with the runtime aa-oci configure set (--runc-binary BinaryName) --annotation aa-oci.profile=NAME, NAME not loaded: loaded, confined, write denied and logged" t_ctr_aa_oci
	t "[containerd] ctr run --annotation aa-oci.profile=NAME with plain runc: unconfined, annotation ignored (control)" t_ctr_plain
	t "[containerd] /usr/share/aa-oci/containerd/aa-oci.toml (configure --print) in a version 2 config.toml: containerd reads the aa-oci runtime handler" t_ctr_snippet
	t "kernel log: no audit records lost (printk rate limit)" bash -c '! dmesg | grep -q "printk limit exceeded\|callbacks suppressed"'
}

ONLY=$(sed -n 's/.*aaoci_only=\([^ ]*\).*/\1/p' /proc/cmdline)
# count first, so the host knows how many results to expect
N=0
t() { N=$((N + 1)); }
all_tests
echo "AAOCI:plan $N"
N=0
t() { run_test "$@"; }
all_tests
