# Included by the Makefile: the libFuzzer harnesses in tests/fuzz (see
# tests/fuzz/README.md). clang builds the library objects again with
# -fsanitize=fuzzer-no-link,address,undefined into $(B)/fuzz/obj (never
# mixed with the objects of the binaries), and each harness with
# -fsanitize=fuzzer,address,undefined against them.
#
# make fuzz         every harness for FUZZ_SECONDS (default 600) each, one
#                   at a time, then a table of executions, exec/s, coverage
#                   and crashes; FUZZ_RUNS=N ends each after N executions
#                   instead (FUZZ_SECONDS then bounds it)
# make check-fuzz   the regression inputs, then every harness for
#                   FUZZ_CHECK_SECONDS (default 10); TAP in $(B)/results/fuzz.tap

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 600
FUZZ_CHECK_SECONDS ?= 10
FUZZ_RUNS ?=
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_CFLAGS := -O1 -g -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wformat=2 \
	-Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings -Wvla \
	-Wimplicit-fallthrough -Wno-unused-parameter -MMD -MP -Iinclude -I$(B)/gen \
	$(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null) \
	-DAA_OCI_VERSION='"$(VERSION)"' $(FUZZ_SAN)

FUZZ_NAMES := $(sort $(basename $(notdir $(wildcard tests/fuzz/*.c))))
FUZZ_OBJ := $(patsubst hook/%.c,$(B)/fuzz/obj/%.o,$(LIB_SRC))
FUZZ_BINS := $(addprefix $(B)/fuzz/,$(FUZZ_NAMES))

.PHONY: fuzz fuzz-build check-fuzz

$(B)/fuzz/obj/%.o: hook/%.c | $(B)/fuzz/obj $(GEN_HEADERS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(B)/fuzz/libaa-oci-fuzz.a: $(FUZZ_OBJ)
	$(AR) rcs $@ $^

$(B)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(B)/fuzz/libaa-oci-fuzz.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
		$(B)/fuzz/libaa-oci-fuzz.a $(LIBS)

$(B)/fuzz/obj:
	mkdir -p $@

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@FUZZ_RUNS=$(FUZZ_RUNS) tests/fuzz/run fuzz $(B) $(FUZZ_SECONDS) \
		$(FUZZ_NAMES)

# A build that fails is a failed test too, not a missing result.
check-fuzz: | $(B)/results
	@$(MAKE) --no-print-directory fuzz-build || { \
		echo 'not ok 1 - fuzz: the harnesses do not build (make fuzz-build)' \
			> $(B)/results/fuzz.tap; exit 1; }
	@tests/fuzz/run check $(B) $(FUZZ_CHECK_SECONDS) $(FUZZ_NAMES)

-include $(wildcard $(B)/fuzz/obj/*.d $(B)/fuzz/*.d)
