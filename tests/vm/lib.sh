# lib.sh: host side of the VM harness, sourced by run, demo and
# capture-features (bash). Boots Debian's AppArmor kernel under QEMU in
# software emulation (TCG; KVM does not work here, see tests/vm/README.md).

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
QEMU=${QEMU:-qemu-system-x86_64}

# vm_kernel: the newest installed Debian kernel image.
vm_kernel() {
	ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1
}

# vm_prereq: print why the VM cannot run, or nothing (then returns 0).
vm_prereq() {
	local kernel
	if [ "$(id -u)" != 0 ]; then
		echo "not root (the guest image is built from root-only files; run as root)"
		return 1
	fi
	if ! command -v "$QEMU" >/dev/null; then
		echo "$QEMU not found (install qemu-system-x86)"
		return 1
	fi
	kernel=$(vm_kernel)
	if [ -z "$kernel" ]; then
		echo "no /boot/vmlinuz-* (install linux-image-amd64)"
		return 1
	fi
	if [ ! -r "$kernel" ]; then
		echo "$kernel is not readable"
		return 1
	fi
}

# vm_boot MODE LOG LIMIT: boot the guest image with aaoci=MODE, at most LIMIT
# seconds. The console goes to LOG (without carriage returns) and, line by
# line, to stdout. Returns qemu's status (124 when the time limit hit).
vm_boot() {
	local mode=$1 log=$2 limit=$3
	timeout --kill-after=5 "$limit" "$QEMU" \
		-machine accel=tcg -smp 2 -m 1024 -nographic -no-reboot \
		-kernel "$(vm_kernel)" -initrd "$VM_BUILD/vm/initramfs.cpio.gz" \
		-append "console=ttyS0 apparmor=1 security=apparmor quiet panic=-1 aaoci=$mode" \
		</dev/null 2>&1 | sed -u 's/\r//g' | tee "$log"
	return "${PIPESTATUS[0]}"
}

# vm_image BUILD: build (or reuse) the guest image. Sets VM_BUILD.
vm_image() {
	VM_BUILD=$1
	mkdir -p "$VM_BUILD/vm"
	"$VM_DIR/mkinitramfs" "$VM_BUILD"
}

# now: seconds since the epoch, with fractions.
now() { date +%s.%N; }
# elapsed START: seconds since START, one decimal.
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }'; }
