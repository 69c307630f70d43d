# aa-oci: on-demand AppArmor profiles for OCI containers.
#
# make            build the binaries into build/
# make check      install missing dependencies, build, run unit + VM tests
#                 (and the unit tests under ASan+UBSan and valgrind, and
#                 fmt-check)
# make demo       install missing dependencies, build, show it on a real kernel

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec
DATADIR    ?= $(PREFIX)/share
SYSCONFDIR ?= /etc
MANDIR     ?= $(DATADIR)/man
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
DESTDIR    ?=

VERSION := 0.1.0
B       := build

CC      ?= cc
PKG_CONFIG ?= pkg-config
CFLAGS  ?= -O2 -g
PKGS    := libapparmor yajl libseccomp

override CFLAGS += -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wformat=2 -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings -Wvla \
	-Wimplicit-fallthrough -Wno-unused-parameter \
	-fstack-protector-strong -fPIE -D_FORTIFY_SOURCE=2 \
	-MMD -MP -Iinclude -I$(B)/gen \
	$(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null) \
	-DAA_OCI_VERSION='"$(VERSION)"'
override LDFLAGS += -Wl,-z,relro,-z,now
LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

# The binaries are static PIEs (STATIC=1, the default): a container start
# runs aa-oci-hook or aa-oci-runtime, and a dynamically linked one spends
# more on the dynamic linker (finding, mapping and relocating libapparmor,
# libyajl, libseccomp, libc) than on its own work (make bench, README
# "Performance"). The price: a security fix in one of those libraries needs
# a rebuild of aa-oci, as for runc. STATIC=0 links them dynamically.
# Sanitizers need the dynamic runtime; the unit tests are always dynamic.
STATIC ?= 1
ifeq ($(SANITIZE),1)
STATIC := 0
endif
ifeq ($(STATIC),1)
BIN_LDFLAGS := -static-pie
BIN_LIBS := -l:libapparmor.a -l:libyajl_s.a -l:libseccomp.a
else
BIN_LDFLAGS := -pie -Wl,--as-needed
BIN_LIBS := $(LIBS)
endif

ifeq ($(WERROR),1)
override CFLAGS += -Werror
endif
ifeq ($(SANITIZE),1)
# Any report is fatal: UBSan stops at the first one, as ASan does.
override CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
override LDFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all
endif

MAINS   := hook-main cli-main runtime-main exec-main
LIB_SRC := $(filter-out $(addprefix hook/,$(addsuffix .c,$(MAINS))),$(wildcard hook/*.c))
LIB_OBJ := $(patsubst hook/%.c,$(B)/obj/%.o,$(LIB_SRC))
BINS    := $(B)/aa-oci-hook $(B)/aa-oci $(B)/aa-oci-runtime \
	$(B)/aa-oci-exec
UNIT_SRC := $(wildcard tests/unit/test-*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))

# Every apt package a build, the unit tests and the VM tests need.
BUILD_DEPS := gcc make pkg-config libapparmor-dev libyajl-dev libcmocka-dev \
	libseccomp-dev apparmor valgrind clang-format clang
VM_DEPS := qemu-system-x86 linux-image-amd64 busybox-static runc crun cpio jq lxc \
	hyperfine mmdebstrap e2fsprogs buildah python3-yaml

.PHONY: FORCE all check check-unit check-install check-vm check-engines demo deps install uninstall deb image fmt clean bench \
	unit-bins check-asan check-valgrind fmt-check

all: $(BINS)

-include hook/generate.mk

# Install paths compiled in; rewritten only when they change, so a build
# for another PREFIX rebuilds what uses them and nothing else.
GEN_HEADERS += $(B)/gen/paths.h
$(B)/gen/paths.h: FORCE
	@mkdir -p $(@D)
	@printf '#define AA_OCI_DATADIR "%s"\n#define AA_OCI_SYSCONFDIR "%s"\n#define AA_OCI_BINDIR "%s"\n' \
		'$(DATADIR)/aa-oci' '$(SYSCONFDIR)' '$(BINDIR)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
FORCE:

# The link mode is remembered, so switching STATIC relinks the binaries.
$(B)/link-flags: FORCE
	@mkdir -p $(@D)
	@echo '$(BIN_LDFLAGS) $(BIN_LIBS)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

$(B)/obj/%.o: hook/%.c | $(B)/obj $(GEN_HEADERS)
	$(CC) $(CFLAGS) -c -o $@ $<

$(B)/libaa-oci.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(B)/aa-oci-hook: $(B)/obj/hook-main.o $(B)/libaa-oci.a $(B)/link-flags
	$(CC) $(LDFLAGS) $(BIN_LDFLAGS) -o $@ $(filter %.o %.a,$^) $(BIN_LIBS)

$(B)/aa-oci: $(B)/obj/cli-main.o $(B)/libaa-oci.a $(B)/link-flags
	$(CC) $(LDFLAGS) $(BIN_LDFLAGS) -o $@ $(filter %.o %.a,$^) $(BIN_LIBS)

$(B)/aa-oci-runtime: $(B)/obj/runtime-main.o $(B)/libaa-oci.a $(B)/link-flags
	$(CC) $(LDFLAGS) $(BIN_LDFLAGS) -o $@ $(filter %.o %.a,$^) $(BIN_LIBS)

$(B)/aa-oci-exec: $(B)/obj/exec-main.o $(B)/libaa-oci.a $(B)/link-flags
	$(CC) $(LDFLAGS) $(BIN_LDFLAGS) -o $@ $(filter %.o %.a,$^) $(BIN_LIBS)

$(B)/tests/%: tests/unit/%.c $(B)/libaa-oci.a | $(B)/tests
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -pie -Wl,--as-needed -o $@ $< $(B)/libaa-oci.a \
		$(LIBS) $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

$(B)/obj $(B)/tests $(B)/results:
	mkdir -p $@

# $(call apt_install,PACKAGES): install those of PACKAGES that are missing
# with apt-get (needs root); nothing when all are there.
apt_install = missing=$$(for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q --no-install-recommends $$missing; \
	fi

# deps: install what is missing with apt-get (needs root), nothing otherwise.
deps:
	@$(call apt_install,$(BUILD_DEPS) $(VM_DEPS))

check: deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN)
	@rm -rf $(B)/results && mkdir -p $(B)/results
	@$(MAKE) --no-print-directory check-unit || true
	@$(MAKE) --no-print-directory check-asan || true
	@$(MAKE) --no-print-directory check-valgrind || true
	@$(MAKE) --no-print-directory check-fuzz || true
	@$(MAKE) --no-print-directory fmt-check FMT_TAP=$(B)/results/fmt.tap || true
	@$(MAKE) --no-print-directory check-install || true
	@$(MAKE) --no-print-directory check-vm || true
	@$(MAKE) --no-print-directory check-engines || true
	@tests/summarize $(B)/results

check-unit: all $(UNIT_BIN) | $(B)/results
	@tests/unit/run $(B) $(B)/results

unit-bins: $(UNIT_BIN)

# The unit tests built with ASan and UBSan (SANITIZE=1) in a build directory
# of their own, so the normal build is untouched; results unit-asan-*.tap.
# Any report fails the binary: UBSan is fatal (-fno-sanitize-recover=all),
# ASan and LSan stop at the first; tests/unit/run also fails a binary
# whose stderr holds a report from a child. The full unwinder on malloc
# lets LSan see through libseccomp, which has no frame pointers, so that
# tests/lsan.supp can name the one leak that is libseccomp's.
ASAN_B := $(B)/asan
ASAN_ENV := ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:fast_unwind_on_malloc=0:print_stacktrace=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp
check-asan: | $(B)/results
	@$(MAKE) --no-print-directory B=$(ASAN_B) SANITIZE=1 unit-bins || { \
		echo 'not ok 1 - check-asan: the ASan+UBSan build failed' \
			> $(B)/results/unit-asan-build.tap; exit 1; }
	@$(ASAN_ENV) tests/unit/run $(ASAN_B) $(B)/results asan-

# The hook's and the wrapper's own tests, and the cheap ones of the modules
# they use, once under valgrind; an error or a definite leak fails the
# binary. Results unit-valgrind-*.tap. tests/valgrind.supp: libseccomp's own
# leak. Left out: test-json (24 s), test-cache and test-sync (their
# concurrency tests time out), test-load, test-suggest (they need work),
# test-exec and test-seccomp (the seccomp build's watchdog is a clone
# sharing the caller's memory, which valgrind cannot run; check-asan covers
# them).
VALGRIND_TESTS := test-hook test-runtime test-oci test-config \
	test-policy test-resolve test-rundir test-kernel test-lxc
VALGRIND := valgrind -q --error-exitcode=99 --leak-check=full \
	--show-leak-kinds=definite --errors-for-leak-kinds=definite \
	--suppressions=tests/valgrind.supp
check-valgrind: $(addprefix $(B)/tests/,$(VALGRIND_TESTS)) | $(B)/results
	@UNIT_WRAP='$(VALGRIND)' tests/unit/run $(B) $(B)/results valgrind- \
		$(VALGRIND_TESTS)

check-install: all | $(B)/results
	@tests/install/run $(B) $(B)/results

check-vm: all | $(B)/results
	@tests/vm/run $(B) $(B)/results

# Docker, Podman, containerd: a Debian root filesystem guest (tests/vm/engines).
check-engines: | $(B)/results
	@tests/vm/engines/run $(B) $(B)/results

demo: deps
	@$(MAKE) --no-print-directory all
	@tests/vm/demo $(B)

bench: all
	@tests/bench/run $(B)

# install: everything below, under DESTDIR. /etc/aa-oci/config.json is the
# admin's once it exists: never overwritten. $(SYSCONFDIR)/apparmor.d/containers
# is created (empty) because the systemd unit watches it and fails without it.
install: all
	install -d $(DESTDIR)$(LIBEXECDIR)/aa-oci $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(DATADIR)/aa-oci/profiles \
		$(DESTDIR)$(DATADIR)/containers/oci/hooks.d \
		$(DESTDIR)$(DATADIR)/aa-oci/lxc \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(DATADIR)/aa-oci/kubernetes \
		$(DESTDIR)$(SYSCONFDIR)/aa-oci $(DESTDIR)$(SYSCONFDIR)/apparmor.d/containers
	install -m 0755 $(B)/aa-oci-hook $(DESTDIR)$(LIBEXECDIR)/aa-oci/aa-oci-hook
	install -m 0755 $(B)/aa-oci $(DESTDIR)$(BINDIR)/aa-oci
	install -m 0755 $(B)/aa-oci-runtime $(DESTDIR)$(BINDIR)/aa-oci-runtime
	install -m 0755 $(B)/aa-oci-exec $(DESTDIR)$(BINDIR)/aa-oci-exec
	sed 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' config/hooks.d/aa-oci.json.in \
		> $(DESTDIR)$(DATADIR)/containers/oci/hooks.d/aa-oci.json
	sed 's|/usr/local/libexec|$(LIBEXECDIR)|g' config/lxc/aa-oci.conf \
		> $(DESTDIR)$(DATADIR)/aa-oci/lxc/aa-oci.conf
	sed 's|/usr/local/bin|$(BINDIR)|g' config/systemd/aa-oci-sync.service \
		> $(DESTDIR)$(SYSTEMDUNITDIR)/aa-oci-sync.service
	install -m 0644 config/kubernetes/*.yaml $(DESTDIR)$(DATADIR)/aa-oci/kubernetes/
	install -m 0644 config/man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 config/man/*.8 $(DESTDIR)$(MANDIR)/man8/
	for f in $(ENGINE_SNIPPETS); do \
		install -d $(DESTDIR)$(DATADIR)/aa-oci/$$(dirname $$f); \
		$(B)/aa-oci configure $$(dirname $$f) --print \
			> $(DESTDIR)$(DATADIR)/aa-oci/$$f || exit 1; \
	done
	test -e $(DESTDIR)$(SYSCONFDIR)/aa-oci/config.json || \
		$(DEFAULT_CONFIG) > $(DESTDIR)$(SYSCONFDIR)/aa-oci/config.json

# The settings aa-oci configure adds, for doing it by hand: written by the
# built aa-oci itself (`aa-oci configure ENGINE --print`), so that their text
# lives in one place (hook/configure.c) and names this BINDIR.
ENGINE_SNIPPETS := docker/daemon.json containerd/aa-oci.toml crio/10-aa-oci.conf
# The default /etc/aa-oci/config.json, as install writes it.
DEFAULT_CONFIG = sed 's|/usr/local/share|$(DATADIR)|' config/aa-oci/config.json

# uninstall: takes out what install put in, with the same PREFIX, DESTDIR
# and directory variables. Like dpkg with a conffile (remove keeps it, purge
# drops it), /etc/aa-oci/config.json is removed only while it is byte for
# byte the default install writes; once the admin changed it, it is kept
# (and named). $(SYSCONFDIR)/apparmor.d/containers holds the admin's
# profiles: removed only when empty. aa-oci's own directories go; shared ones
# (bin, man, the unit directory, .../containers/oci/hooks.d) only when empty.
uninstall:
	rm -f $(DESTDIR)$(LIBEXECDIR)/aa-oci/aa-oci-hook \
		$(DESTDIR)$(BINDIR)/aa-oci $(DESTDIR)$(BINDIR)/aa-oci-runtime \
		$(DESTDIR)$(BINDIR)/aa-oci-exec \
		$(DESTDIR)$(DATADIR)/containers/oci/hooks.d/aa-oci.json \
		$(DESTDIR)$(DATADIR)/aa-oci/lxc/aa-oci.conf \
		$(DESTDIR)$(SYSTEMDUNITDIR)/aa-oci-sync.service \
		$(addprefix $(DESTDIR)$(DATADIR)/aa-oci/kubernetes/,$(notdir $(wildcard config/kubernetes/*.yaml))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(wildcard config/man/*.1))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(wildcard config/man/*.8))) \
		$(addprefix $(DESTDIR)$(DATADIR)/aa-oci/,$(ENGINE_SNIPPETS))
	@c=$(DESTDIR)$(SYSCONFDIR)/aa-oci/config.json; \
	if [ -e "$$c" ]; then \
		if $(DEFAULT_CONFIG) | cmp -s - "$$c"; then \
			echo "rm -f $$c"; rm -f "$$c"; \
		else \
			echo "kept $$c: changed since install (remove it by hand if unwanted)"; \
		fi; \
	fi
	@for d in $(DESTDIR)$(LIBEXECDIR)/aa-oci \
		$(addprefix $(DESTDIR)$(DATADIR)/aa-oci/,$(sort $(dir $(ENGINE_SNIPPETS))) \
			lxc kubernetes profiles) \
		$(DESTDIR)$(DATADIR)/aa-oci $(DESTDIR)$(SYSCONFDIR)/aa-oci \
		$(DESTDIR)$(SYSCONFDIR)/apparmor.d/containers \
		$(DESTDIR)$(DATADIR)/containers/oci/hooks.d \
		$(DESTDIR)$(DATADIR)/containers/oci $(DESTDIR)$(DATADIR)/containers; do \
		[ ! -d "$$d" ] || rmdir --ignore-fail-on-non-empty "$$d"; \
	done

# deb: build/aa-oci_$(VERSION)_<arch>.deb with dpkg-deb, from the tree
# `make install PREFIX=/usr` writes (built in $(B)/deb/build, so $(B)'s own
# binaries keep their PREFIX; staged in $(B)/deb/root). Inputs in
# config/debian: control.in (Depends: apparmor, for apparmor_parser; no
# library: the binaries are static, which the recipe checks), conffiles
# (/etc/aa-oci/config.json: dpkg keeps the admin's edits), copyright,
# changelog.in, lintian-overrides, and postrm (purge drops /var/cache/aa-oci). Nothing is started on install.
DEB_ARCH = $(shell dpkg --print-architecture)
DEB = $(B)/aa-oci_$(VERSION)_$(DEB_ARCH).deb
DEB_ROOT = $(B)/deb/root
deb:
	rm -rf $(DEB_ROOT)
	$(MAKE) --no-print-directory B=$(B)/deb/build PREFIX=/usr STATIC=1 \
		DESTDIR=$(abspath $(DEB_ROOT)) install
	for f in usr/bin/aa-oci usr/bin/aa-oci-runtime usr/bin/aa-oci-exec \
		usr/libexec/aa-oci/aa-oci-hook; do \
		if readelf -d $(DEB_ROOT)/$$f | grep -q NEEDED; then \
			echo "make deb: $$f needs shared libraries; the package's Depends assume STATIC=1" >&2; \
			exit 1; \
		fi; \
		strip --strip-unneeded $(DEB_ROOT)/$$f; \
	done
	gzip -9n $(DEB_ROOT)/usr/share/man/man*/*
	install -D -m 0644 config/debian/copyright $(DEB_ROOT)/usr/share/doc/aa-oci/copyright
	sed -e 's|@VERSION@|$(VERSION)|' \
		-e "s|@DATE@|$$(date -R -d @$$(git log -1 --format=%ct 2>/dev/null || date +%s))|" \
		config/debian/changelog.in | gzip -9n > $(DEB_ROOT)/usr/share/doc/aa-oci/changelog.gz
	install -D -m 0644 config/debian/lintian-overrides \
		$(DEB_ROOT)/usr/share/lintian/overrides/aa-oci
	install -d $(DEB_ROOT)/DEBIAN
	install -m 0644 config/debian/conffiles $(DEB_ROOT)/DEBIAN/conffiles
	install -m 0755 config/debian/postrm $(DEB_ROOT)/DEBIAN/postrm
	cd $(DEB_ROOT) && find usr -type f -print0 | sort -z | xargs -0 md5sum > DEBIAN/md5sums
	sed -e 's|@VERSION@|$(VERSION)|' -e 's|@ARCH@|$(DEB_ARCH)|' \
		-e "s|@SIZE@|$$(du -sk --exclude=DEBIAN $(DEB_ROOT) | cut -f1)|" \
		config/debian/control.in > $(DEB_ROOT)/DEBIAN/control
	dpkg-deb --root-owner-group -Zxz --build $(DEB_ROOT) $(DEB)

# image: the DaemonSet's image (config/kubernetes/daemonset.yaml), tagged
# aa-oci:$(VERSION) in buildah's (and podman's) local storage and written as
# a docker-archive, $(B)/aa-oci-image.tar, which `docker load`, `podman
# load` and `ctr -n k8s.io images import` all read. FROM scratch: aa-oci's
# static binaries for PREFIX=/usr/local (built in $(B)/image/build), plus
# Debian's apparmor_parser with its libraries and includes and a static
# busybox, staged by config/image/mkroot in $(B)/image/root. Installs
# buildah and busybox-static with apt-get when missing, as deps does.
IMAGE_DEPS := buildah busybox-static apparmor binutils file
IMAGE_TAR = $(B)/aa-oci-image.tar
image:
	@$(call apt_install,$(IMAGE_DEPS))
	rm -rf $(B)/image/root
	$(MAKE) --no-print-directory B=$(B)/image/build PREFIX=/usr/local STATIC=1 \
		DESTDIR=$(abspath $(B)/image/root) install
	config/image/mkroot $(B)/image
	buildah bud --quiet --isolation chroot --layers=false \
		--label org.opencontainers.image.version=$(VERSION) \
		-f config/image/Containerfile -t aa-oci:$(VERSION) $(B)/image
	rm -f $(IMAGE_TAR)
	buildah push --quiet aa-oci:$(VERSION) docker-archive:$(abspath $(IMAGE_TAR)):aa-oci:$(VERSION)
	@echo "image aa-oci:$(VERSION): $(IMAGE_TAR) ($$(du -h $(IMAGE_TAR) | cut -f1))"

# Every C source and header; the checked-in .clang-format says how.
FMT_SRC = $(wildcard hook/*.c include/*.h include/aa-oci/*.h tests/unit/*.c tests/unit/*.h \
	tests/bench/*.c tests/vm/probe/*.c tests/fuzz/*.c tests/fuzz/*.h)
CLANG_FORMAT ?= clang-format-14

fmt:
	$(CLANG_FORMAT) -i $(FMT_SRC)

# fmt-check: fails when clang-format would change a file (make fmt fixes
# it). With FMT_TAP=FILE (make check) also one TAP line in FILE.
fmt-check:
	@tests/fmt-check $(CLANG_FORMAT) '$(FMT_TAP)' $(FMT_SRC)

clean:
	rm -rf $(B)

include tests/fuzz/fuzz.mk

-include $(wildcard $(B)/obj/*.d $(B)/tests/*.d)
