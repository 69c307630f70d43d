# Included by the Makefile: embeds the templates of the generated default
# profiles (profiles/templates/*.rules) into $(B)/gen/generate-templates.h,
# one C string per file, named tmpl_<file name, non-alphanumerics as '_'>.
# Only sed and the shell: '\', '"' and '?' (no trigraphs) are escaped, each
# line becomes "...\n", and template notes ('%#' lines) are dropped here.

GEN_TEMPLATES := $(sort $(wildcard profiles/templates/*.rules))
GEN_HEADERS += $(B)/gen/generate-templates.h

$(B)/gen/generate-templates.h: $(GEN_TEMPLATES) hook/generate.mk
	@mkdir -p $(@D)
	@{ printf '/* Generated from profiles/templates by hook/generate.mk. */\n'; \
	for f in $(GEN_TEMPLATES); do \
		n=$$(basename "$$f" .rules | sed 's/[^A-Za-z0-9]/_/g'); \
		printf '\nstatic const char tmpl_%s[] =\n' "$$n"; \
		sed -e '/^%#/d' -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' \
			-e 's/^/\t"/' -e 's/$$/\\n"/' "$$f"; \
		printf '\t"";\n'; \
	done; } > $@.tmp
	@mv $@.tmp $@
