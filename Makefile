# ldrsnap - GNU make, C11.  `make help` lists the targets.

VERSION_MAJOR := $(shell sed -n 's/^\#define LDRSNAP_VERSION_MAJOR \([0-9]*\)/\1/p' include/ldrsnap.h)
VERSION_MINOR := $(shell sed -n 's/^\#define LDRSNAP_VERSION_MINOR \([0-9]*\)/\1/p' include/ldrsnap.h)
VERSION_PATCH := $(shell sed -n 's/^\#define LDRSNAP_VERSION_PATCH \([0-9]*\)/\1/p' include/ldrsnap.h)
VERSION := $(VERSION_MAJOR).$(VERSION_MINOR).$(VERSION_PATCH)
# During 0.x every minor release may break the ABI (as libgit2 does).
ifeq ($(VERSION_MAJOR),0)
SONUM := 0.$(VERSION_MINOR)
else
SONUM := $(VERSION_MAJOR)
endif

PREFIX ?= /usr/local
EXEC_PREFIX ?= $(PREFIX)
BINDIR ?= $(EXEC_PREFIX)/bin
LIBDIR ?= $(EXEC_PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=

BUILDDIR ?= build
CC ?= cc
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wpointer-arith -Wformat=2 -Wno-missing-field-initializers
ifeq ($(WERROR),1)
WARN += -Werror
endif
LIB_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) \
              -fPIC -fvisibility=hidden -Iinclude -Ilib
CLI_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) -Iinclude
# Profile-guided optimization (GCC), for release builds only: plain `make`
# builds without it (a fast edit loop); `make release`, `make install` and
# `make bench` build in $(BUILDDIR)/release with it.  There the library and
# the CLI are first built instrumented in pgo/gen, a training run analyzes
# a generated log and realistic captures (bench/capgen.c: plain, prefixed,
# UTF-16; with its tokenizer thread and on one thread) and the samples,
# and the objects are then built with that profile (the bench
# log: a few percent faster).  RELEASE_PGO=0 builds a release without; so
# does a compiler that lacks the options.  PGO=1 puts a profile into any
# build.
PGO_OK := $(shell $(CC) -fprofile-use -fprofile-prefix-path=/ -Wno-missing-profile -Werror -x c -c /dev/null -o /dev/null 2>/dev/null && echo 1 || echo 0)
PGO ?= 0
RELEASE_PGO ?= $(PGO_OK)
# Link-time optimization (GCC), for release builds too: the stages call
# each other across files once per record (pipe -> analyzer -> trace ->
# rules), and LTO inlines those calls.  Fat objects, so that the static
# library links without LTO as well; gcc-ar indexes them.  RELEASE_LTO=0
# builds a release without; so does a compiler or binutils that lacks it.
# LTO=1 puts it into any build.
LTO_OK := $(shell $(CC) -flto=auto -ffat-lto-objects -Werror -x c -c /dev/null -o /dev/null 2>/dev/null && command -v gcc-ar >/dev/null && $(CC) --version 2>/dev/null | grep -q 'Free Software Foundation' && echo 1 || echo 0)
LTO ?= 0
RELEASE_LTO ?= $(LTO_OK)
ifeq ($(LTO),1)
LTO_FLAGS := -flto=auto -ffat-lto-objects
AR := gcc-ar
endif
RELEASE_DIR ?= $(BUILDDIR)/release
ifeq ($(PGO),1)
PGO_ABS := $(abspath $(BUILDDIR))
PGO_STAMP := $(BUILDDIR)/pgo/profile.done
# -w: GCC warns of functions the instrumented build had inlined ("missing
# counts"), which says nothing of the code; that build, with the same
# sources and warnings (and -Werror under WERROR=1), reports the rest.
PGO_USE := -fprofile-use=$(PGO_ABS)/pgo/prof -fprofile-prefix-path=$(PGO_ABS) \
           -fprofile-partial-training -w
endif
# Header dependencies: each object's .d file lists the headers it read.
DEPFLAGS := -MMD -MP
# ISA-L's igzip inflates plain .gz inputs (2.8 times as fast as zlib:
# lib/source/gunzip.c); without it (ISAL=0, or no libisal) zlib does.
ISAL ?= $(shell pkg-config --exists libisal 2>/dev/null && echo 1 || echo 0)
ifeq ($(ISAL),1)
ISAL_CFLAGS := -DLS_HAVE_ISAL
ISAL_LIBS := -lisal
endif
# libdeflate inflates a zip's members of up to 4 MiB whole, in one call
# (lib/source/zip.c; 15 % less CPU than igzip's stream on them); without
# it (LIBDEFLATE=0, or no libdeflate) every member is a stream.
LIBDEFLATE ?= $(shell pkg-config --exists libdeflate 2>/dev/null && echo 1 || echo 0)
ifeq ($(LIBDEFLATE),1)
LIBDEFLATE_CFLAGS := -DLS_HAVE_LIBDEFLATE
LIBDEFLATE_LIBS := -ldeflate
endif
# libarchive is opened with dlopen(3) on the first archive, not linked
# (lib/source/archive.c): it brings libxml2, ICU and libstdc++, whose
# relocations took 1.1 ms at the start of every run, archives or not.
# ARCHIVE_DLOPEN=0 (or no soname found) links it.
ARCHIVE_DLOPEN ?= $(if $(findstring linux,$(shell $(CC) -dumpmachine 2>/dev/null)),1,0)
ifeq ($(ARCHIVE_DLOPEN),1)
ARCHIVE_SONAME := $(shell objdump -p "$$(pkg-config --variable=libdir libarchive 2>/dev/null)/libarchive.so" 2>/dev/null | awk '$$1 == "SONAME" { print $$2 }')
endif
ifneq ($(ARCHIVE_SONAME),)
ARCHIVE_CFLAGS := -DLS_ARCHIVE_SONAME=\"$(ARCHIVE_SONAME)\"
ARCHIVE_LIBS := -ldl
else
ARCHIVE_LIBS := -larchive
endif
LIBS_PRIVATE := -lpcre2-8 -lyaml $(ARCHIVE_LIBS) $(ISAL_LIBS) $(LIBDEFLATE_LIBS) -lz -lpthread
TEST_LIBS := -lcriterion $(LIBS_PRIVATE)

# One folder per stage (docs/ARCHITECTURE.md); lib/analyzer.c is where
# they meet.
LIB_SRC := lib/core/util.c lib/simd/simd.c lib/simd/simd_scalar.c \
           lib/simd/simd_sse2.c lib/simd/simd_avx2.c lib/text/text.c \
           lib/lex/lex.c lib/parse/parser.c \
           lib/codes/status.c lib/trace/trace.c lib/trace/trace_vista.c \
           lib/trace/trace_xp.c lib/trace/trace_debugger.c lib/trace/procs.c \
           lib/trace/modules.c lib/trace/fail.c lib/verdict/verdict.c \
           lib/analyzer.c lib/source/source.c lib/codes/codes.c \
           lib/codes/errtab.c lib/rules/rules.c lib/rules/rxmatch.c lib/rules/needles.c lib/rules/gate.c \
           lib/pipe/pipeline.c lib/redact/redact.c lib/redact/names.c \
           lib/redact/scan.c lib/json/json.c lib/diff/diff.c
# libarchive: containers and compressors (lib/source/ alone knows it)
LIB_SRC += lib/source/archive.c lib/source/gunzip.c lib/source/zip.c
LIB_HDR := $(wildcard lib/*.h lib/*/*.h)
RULE_FILES := $(sort $(wildcard lib/rules/builtin/*.yml))
GEN_BUILTIN := $(BUILDDIR)/gen/builtin_rules.c
CLI_SRC := cli/excerpt.c cli/rollup.c cli/main.c cli/options.c cli/term.c cli/next_steps.c cli/tree.c cli/analyze.c cli/render_text.c cli/render_html.c cli/render_json.c \
           cli/out.c \
           cli/json.c cli/report.c cli/decode.c cli/rules_cmd.c \
           cli/redact_cmd.c cli/diff_cmd.c cli/redact_out.c
TEST_SRC := $(wildcard tests/unit/*.c)

LIB_OBJ := $(LIB_SRC:%.c=$(BUILDDIR)/%.o) $(BUILDDIR)/gen/builtin_rules.o
CLI_OBJ := $(CLI_SRC:%.c=$(BUILDDIR)/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILDDIR)/%.o)

STATIC := $(BUILDDIR)/libldrsnap.a
SHARED_REAL := $(BUILDDIR)/libldrsnap.so.$(VERSION)
SHARED_SONAME := libldrsnap.so.$(SONUM)
SHARED := $(BUILDDIR)/libldrsnap.so
CLI := $(BUILDDIR)/ldrsnap
PC := $(BUILDDIR)/ldrsnap.pc
UNIT := $(BUILDDIR)/tests/unit_tests

.PHONY: all lib cli check unit golden headercheck symcheck example mancheck \
        asan tsan bench score heldout demo deps install install-built release uninstall \
        clean update-golden help \
        regen check-generated fuzz fuzz-run fuzz-replay format-check check-browser \
        json-doc-check \
        check-portable check-layers check-fast

all: $(STATIC) $(SHARED) $(CLI) $(PC)
lib: $(STATIC) $(SHARED)
cli: $(CLI)

help:
	@echo "make            build libldrsnap.a, libldrsnap.so, ldrsnap, ldrsnap.pc"
	@echo "make release    the same with profile-guided and link-time optimization (in $(RELEASE_DIR)/)"
	@echo "make demo       build and analyze samples/ (after make deps)"
	@echo "make check      unit tests, CLI golden tests, header, symbols, example"
	@echo "make check-layers  no stage includes a later one; the heart reads no PCRE2/yaml/zlib"
	@echo "make asan       the same tests under ASan + UBSan (in build-asan/)"
	@echo "make check-browser  the HTML report in headless Chromium (DOM, screenshot)"
	@echo "make format-check  the files listed in FORMAT_FILES follow .clang-format"
	@echo "make check-portable  the tests on a build without SIMD or byte-order macros"
	@echo "make bench      speed and memory against grep on a generated log"
	@echo "make deps       install the Debian packages the build needs"
	@echo "make install    the release build: PREFIX=/usr/local DESTDIR="
	@echo "make clean      remove every build folder (build, build-asan, ...)"
	@echo "make update-golden  refresh tests/cli/*.out from the current CLI"

$(BUILDDIR)/lib/%.o: lib/%.c $(PGO_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(LIB_CFLAGS) $(CFLAGS) $(LTO_FLAGS) $(PGO_USE) $(FILE_CFLAGS) $(DEPFLAGS) -c $< -o $@

# The AVX2 kernels, and only they, are built for AVX2 (simd.c calls them
# only on a CPU that has it).
ifneq ($(findstring x86_64,$(shell $(CC) -dumpmachine)),)
$(BUILDDIR)/lib/simd/simd_avx2.o: FILE_CFLAGS := -mavx2
endif
$(BUILDDIR)/lib/source/gunzip.o: FILE_CFLAGS := $(ISAL_CFLAGS)
$(BUILDDIR)/lib/source/zip.o: FILE_CFLAGS := $(ISAL_CFLAGS) $(LIBDEFLATE_CFLAGS)
$(BUILDDIR)/lib/source/archive.o: FILE_CFLAGS := $(ARCHIVE_CFLAGS)
$(BUILDDIR)/tests/unit/test_zip.o: FILE_CFLAGS := $(LIBDEFLATE_CFLAGS)

# The built-in rules, embedded at build time by a host tool.
$(BUILDDIR)/tools/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -o $@ $<

$(GEN_BUILTIN): $(RULE_FILES) $(BUILDDIR)/tools/embed
	@mkdir -p $(dir $@)
	$(BUILDDIR)/tools/embed $@ $(RULE_FILES)

$(BUILDDIR)/gen/builtin_rules.o: $(GEN_BUILTIN) $(PGO_STAMP)
	$(CC) $(CPPFLAGS) -std=c11 -fPIC -fvisibility=hidden $(CFLAGS) $(LTO_FLAGS) $(PGO_USE) -c $< -o $@

$(BUILDDIR)/cli/%.o: cli/%.c $(PGO_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CLI_CFLAGS) $(CFLAGS) $(LTO_FLAGS) $(PGO_USE) $(DEPFLAGS) -c $< -o $@

# The profile: an instrumented build, then its training run.
ifeq ($(PGO),1)
$(PGO_STAMP): $(LIB_SRC) $(CLI_SRC) $(RULE_FILES) tools/embed.c bench/gen.c \
              bench/capgen.c Makefile \
              include/ldrsnap.h $(LIB_HDR) $(wildcard cli/*.h)
	rm -rf $(BUILDDIR)/pgo
	$(MAKE) --no-print-directory PGO=0 BUILDDIR=$(BUILDDIR)/pgo/gen \
	    CFLAGS="$(CFLAGS) -fprofile-generate -fprofile-update=atomic -fprofile-dir=$(PGO_ABS)/pgo/prof -fprofile-prefix-path=$(PGO_ABS)/pgo/gen" \
	    LDFLAGS="$(LDFLAGS) -fprofile-generate" WERROR=$(WERROR) \
	    $(BUILDDIR)/pgo/gen/ldrsnap
	$(CC) -O2 -o $(BUILDDIR)/pgo/train-gen bench/gen.c
	$(CC) -O2 -o $(BUILDDIR)/pgo/train-capgen bench/capgen.c
	$(BUILDDIR)/pgo/train-gen 8 > $(BUILDDIR)/pgo/train.log
	$(BUILDDIR)/pgo/train-capgen -m 16 -s 7 > $(BUILDDIR)/pgo/train-real.log
	$(BUILDDIR)/pgo/train-capgen -m 4 -s 8 --prefix > $(BUILDDIR)/pgo/train-prefix.log
	$(BUILDDIR)/pgo/train-capgen -m 4 -s 9 --utf16 > $(BUILDDIR)/pgo/train-utf16.log
	for a in "--json" "--json -j 1" "--all -j 1"; do \
	    for f in train train-real; do \
	        $(BUILDDIR)/pgo/gen/ldrsnap $$a $(BUILDDIR)/pgo/$$f.log > /dev/null; \
	        [ $$? -le 1 ] || exit 1; done; done
	for f in train-real train-prefix train-utf16; do \
	    $(BUILDDIR)/pgo/gen/ldrsnap $(BUILDDIR)/pgo/$$f.log > /dev/null; \
	    [ $$? -le 1 ] || exit 1; \
	    $(BUILDDIR)/pgo/gen/ldrsnap --json $(BUILDDIR)/pgo/$$f.log > /dev/null; \
	    [ $$? -le 1 ] || exit 1; done
	$(BUILDDIR)/pgo/gen/ldrsnap --json samples tests/data > /dev/null; \
	    [ $$? -le 2 ] || exit 1
	rm -f $(BUILDDIR)/pgo/train*.log
	touch $@
endif

# the unit tests read internal headers too (their .d files list them)
$(BUILDDIR)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CLI_CFLAGS) -Ilib -Wno-missing-prototypes -DSRCDIR=\"$(CURDIR)\" $(CFLAGS) $(FILE_CFLAGS) $(DEPFLAGS) -c $< -o $@

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_OBJ:.o=.d)

$(STATIC): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(SHARED_REAL): $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,$(SHARED_SONAME) $(CFLAGS) $(LTO_FLAGS) $(LDFLAGS) -o $@ $^ $(LIBS_PRIVATE)

$(SHARED): $(SHARED_REAL)
	ln -sf libldrsnap.so.$(VERSION) $(BUILDDIR)/$(SHARED_SONAME)
	ln -sf $(SHARED_SONAME) $@

$(CLI): $(CLI_OBJ) $(STATIC)
	$(CC) $(CFLAGS) $(LTO_FLAGS) $(LDFLAGS) -o $@ $(CLI_OBJ) $(STATIC) $(LIBS_PRIVATE)

# ldrsnap.pc: what a static link needs besides libldrsnap.a; with
# ARCHIVE_DLOPEN, -ldl instead of libarchive.
PC_SED = -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	-e 's|@ARCHIVE_PC@|$(if $(filter -larchive,$(ARCHIVE_LIBS)), libarchive,)|' \
	-e 's|@DL@|$(if $(filter -ldl,$(ARCHIVE_LIBS)), -ldl,)|' \
	-e 's|@ISAL_PC@|$(if $(ISAL_LIBS), libisal,)$(if $(LIBDEFLATE_LIBS), libdeflate,)|'

$(PC): lib/libldrsnap.pc.in include/ldrsnap.h Makefile
	@mkdir -p $(dir $@)
	sed $(PC_SED) $< > $@

# ---- tests ---------------------------------------------------------------

$(UNIT): $(TEST_OBJ) $(STATIC)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(TEST_OBJ) $(STATIC) $(TEST_LIBS)

# Criterion passes a test whose forked worker a sanitizer reported at
# its exit (a leak), so the reports in its output fail the run too.
unit: $(UNIT) $(BUILDDIR)/capgen
	LDRSNAP_CORPUS=$(CURDIR)/../shared/corpus \
	    LDRSNAP_CAPGEN=$(abspath $(BUILDDIR)/capgen) $(UNIT) --jobs 2 \
	    2> $(BUILDDIR)/unit.err; rc=$$?; cat $(BUILDDIR)/unit.err >&2; \
	if grep -q 'Sanitizer' $(BUILDDIR)/unit.err; then \
	    echo 'unit: a sanitizer reported (above)' >&2; exit 1; fi; exit $$rc

golden: $(CLI)
	LDRSNAP=$(CURDIR)/$(CLI) sh tests/cli/run.sh

# The HTML pages in a real browser: headless Chromium (Debian's chromium,
# tools/deps.sh) renders them; the DOM after their scripts ran and a
# screenshot are checked (tests/browser/).  SHOT=docs/report.png keeps the
# screenshot of the first page.
check-browser: $(CLI)
	LDRSNAP=$(CURDIR)/$(CLI) sh tests/browser/run.sh

update-golden: $(CLI)
	LDRSNAP=$(CURDIR)/$(CLI) UPDATE=1 sh tests/cli/run.sh

headercheck:
	@mkdir -p $(BUILDDIR)
	printf '#include <ldrsnap.h>\nint main(void){return ldrsnap_version()==0;}\n' > $(BUILDDIR)/hdr.c
	$(CC) -std=c99 -pedantic -Wall -Wextra -Werror -Iinclude -c $(BUILDDIR)/hdr.c -o $(BUILDDIR)/hdr.o
	cp $(BUILDDIR)/hdr.c $(BUILDDIR)/hdr.cpp
	c++ -std=c++11 -pedantic -Wall -Wextra -Werror -Iinclude -c $(BUILDDIR)/hdr.cpp -o $(BUILDDIR)/hdrpp.o

symcheck: $(SHARED)
	nm -D --defined-only $(SHARED_REAL) | awk '$$2 == "T" {print $$3}' | sort > $(BUILDDIR)/symbols.txt
	diff -u lib/libldrsnap.sym $(BUILDDIR)/symbols.txt

# The embedding example, built the way a user builds it: against an
# installed copy, through pkg-config, with the shared library and with the
# static one (pkg-config --static: ldrsnap.pc's private libraries).
example: all
	rm -rf $(BUILDDIR)/stage
	$(MAKE) --no-print-directory install-built DESTDIR=$(CURDIR)/$(BUILDDIR)/stage PREFIX=/usr >/dev/null
	PKG_CONFIG_SYSROOT_DIR=$(CURDIR)/$(BUILDDIR)/stage \
	PKG_CONFIG_PATH=$(CURDIR)/$(BUILDDIR)/stage/usr/lib/pkgconfig \
	sh -c '$(CC) -std=c99 -Wall -Werror docs/examples/analyze.c -o $(BUILDDIR)/analyze_example $$(pkg-config --cflags --libs ldrsnap) -Wl,-rpath,$(CURDIR)/$(BUILDDIR)/stage/usr/lib'
	$(BUILDDIR)/analyze_example samples/win10-missing-vcruntime.log > $(BUILDDIR)/example.out; test $$? -eq 1
	diff -u tests/cli/example.expected $(BUILDDIR)/example.out
	PKG_CONFIG_SYSROOT_DIR=$(CURDIR)/$(BUILDDIR)/stage \
	PKG_CONFIG_PATH=$(CURDIR)/$(BUILDDIR)/stage/usr/lib/pkgconfig \
	sh -c '$(CC) -std=c99 -Wall -Werror docs/examples/analyze.c -o $(BUILDDIR)/analyze_static $$(pkg-config --cflags ldrsnap) $$(pkg-config --static --libs ldrsnap | sed "s/-lldrsnap/-l:libldrsnap.a/")'
	$(BUILDDIR)/analyze_static samples/win10-missing-vcruntime.log > $(BUILDDIR)/example.out; test $$? -eq 1
	diff -u tests/cli/example.expected $(BUILDDIR)/example.out

mancheck:
	@if command -v mandoc >/dev/null; then \
	    mandoc -Tlint -W warning docs/ldrsnap.1 docs/libldrsnap.3 docs/ldrsnap-rules.5 docs/ldrsnap-json.5; \
	else echo "mandoc not installed: man pages not linted"; fi

# The generated code table: regenerate from the Debian packages' headers,
# or check that the committed file is what the generator makes of them.
WINAPI_DIR ?= /usr/share/cargo/registry/winapi-0.3.9/src/shared
MINGW_DIR ?= /usr/share/mingw-w64/include

regen:
	python3 tools/gen_errtab.py --winapi $(WINAPI_DIR) --mingw $(MINGW_DIR) > lib/codes/errtab.c.new
	mv lib/codes/errtab.c.new lib/codes/errtab.c

# The folders of lib/ are layers: no file includes a header of a later
# stage, and the heart reads no PCRE2, libyaml, zlib or libarchive header;
# the self-test plants wrong includes in a copy and wants each caught.
check-layers:
	sh tools/check_layers.sh "$(CC)" $(CPPFLAGS)
	sh tools/check_layers.sh --self-test "$(CC)"

check-generated:
	@if command -v python3 >/dev/null && [ -f $(WINAPI_DIR)/winerror.rs ] && \
	    [ -f $(MINGW_DIR)/winerror.h ]; then \
	    mkdir -p $(BUILDDIR); \
	    python3 tools/gen_errtab.py --winapi $(WINAPI_DIR) --mingw $(MINGW_DIR) > $(BUILDDIR)/errtab.c && \
	    diff -q lib/codes/errtab.c $(BUILDDIR)/errtab.c && echo "check-generated: lib/codes/errtab.c is up to date"; \
	else echo "check-generated: skipped (needs python3, librust-winapi-dev, mingw-w64-common)"; fi

# Every record and field the CLI writes is in ldrsnap-json(5).
json-doc-check: $(CLI)
	python3 tools/check_json_doc.py $(CLI)

# -j 2 on a lone archive: both workers take members; on it and on a
# folder the two workers write the output themselves, no printing
# thread beside them, and a walk calls no lstat(); a log's output past
# 1 MiB is written by a thread beside the analyzing one (instructions and
# calls per thread under valgrind, not a clock; not a golden test, which
# the sanitizer builds run too)
jobs-workers-check: $(CLI)
	@out=$$(LDRSNAP=$(CURDIR)/$(CLI) sh tests/archive/jobs_workers.sh); \
	echo "$$out"; echo "$$out" | grep -q '^both workers analyzed members$$'
	@out=$$(LDRSNAP=$(CURDIR)/$(CLI) sh tests/archive/jobs_wakes.sh); \
	echo "$$out"; \
	test "$$(echo "$$out" | grep -c -e ': two workers, no printing thread, waits in runs$$' \
	    -e '^logs: the walk read the entries. types from the directory$$' \
	    -e '^big.log: its output written beside the analyzing thread$$')" = 4

check: all unit golden headercheck symcheck example mancheck json-doc-check check-generated \
       check-layers fuzz-replay score heldout check-fast jobs-workers-check
	@echo "make check: all passed"

asan:
	$(MAKE) --no-print-directory BUILDDIR=build-asan PGO=0 \
	    CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	    LDFLAGS="-fsanitize=address,undefined" WERROR=$(WERROR) unit golden
	@echo "make asan: all passed"

# The portable build, as a compiler without x86 vectors or byte-order
# macros builds it (MSVC, a big-endian target): every scalar twin, under
# ASan + UBSan, through the unit and golden tests (zstd's
# ZSTD_NO_INTRINSICS job).
PORTABLE_CPPFLAGS := -DLS_NO_SIMD -U__BYTE_ORDER__ -U__SSE2__ -U__AVX2__
check-portable:
	$(MAKE) --no-print-directory BUILDDIR=build-portable PGO=0 \
	    CPPFLAGS="$(PORTABLE_CPPFLAGS)" \
	    CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	    LDFLAGS="-fsanitize=address,undefined" WERROR=$(WERROR) unit golden
	@echo "make check-portable: all passed"

# ThreadSanitizer on the tokenizer thread (Criterion's runner cannot start
# under TSan, so the CLI is run): a generated 8 MB log and every sample
# at once, with the thread and without, must give the same output.
tsan:
	$(MAKE) --no-print-directory BUILDDIR=build-tsan PGO=0 \
	    CFLAGS="-O1 -g -fsanitize=thread" LDFLAGS="-fsanitize=thread" \
	    WERROR=$(WERROR) build-tsan/ldrsnap
	$(CC) -O2 -o build-tsan/bench-gen bench/gen.c
	build-tsan/bench-gen 8 > build-tsan/big.log
	cat samples/*.log build-tsan/big.log samples/*.log > build-tsan/mixed.log
	# an archive's members go to every worker (big.log: read as analyzed)
	rm -f build-tsan/mixed.zip
	zip -q -j -X build-tsan/mixed.zip samples/*.log build-tsan/big.log
	for f in build-tsan/big.log build-tsan/mixed.log build-tsan/mixed.zip; do \
	    for j in 1 2; do \
	        TSAN_OPTIONS=halt_on_error=1 build-tsan/ldrsnap --json --all \
	            -j $$j $$f > $$f.$$j; [ $$? -le 1 ] || exit 1; done; \
	    cmp $$f.1 $$f.2 || exit 1; done
	# a folder: the workers write the units in order themselves (-j 3,
	# more workers than cores), big.log's output past 1 MiB written
	# through at its turn, a file with no loader-snaps lines skipped
	rm -rf build-tsan/dir && mkdir build-tsan/dir
	cp samples/*.log build-tsan/big.log README.md build-tsan/dir/
	for j in 1 3; do \
	    TSAN_OPTIONS=halt_on_error=1 build-tsan/ldrsnap --json --all \
	        -j $$j build-tsan/dir > build-tsan/dir.$$j; \
	    [ $$? -le 1 ] || exit 1; done
	cmp build-tsan/dir.1 build-tsan/dir.3
	# a .gz from a pipe: inflated on a thread of its own
	gzip -c build-tsan/big.log > build-tsan/big.log.gz
	TSAN_OPTIONS=halt_on_error=1 build-tsan/ldrsnap --json --all -j 1 - \
	    < build-tsan/big.log.gz | sed 's|<stdin>|build-tsan/big.log|' \
	    > build-tsan/big.gz.1; [ $$? -le 1 ] || exit 1
	cmp build-tsan/big.log.1 build-tsan/big.gz.1
	# a .gz with a tokenizer thread: the analyzing thread reads ahead too
	TSAN_OPTIONS=halt_on_error=1 build-tsan/ldrsnap --json --all -j 2 - \
	    < build-tsan/big.log.gz | sed 's|<stdin>|build-tsan/big.log|' \
	    > build-tsan/big.gz.2; [ $$? -le 1 ] || exit 1
	cmp build-tsan/big.log.2 build-tsan/big.gz.2
	@echo "make tsan: all passed"

# Fuzzing (clang, libFuzzer + ASan + UBSan): make fuzz builds the targets
# in build-fuzz/; make fuzz-run FUZZ_SECONDS=60 runs each (FUZZ_PARALLEL=1:
# all at once, each logging to build-fuzz/fuzz-TARGET.log); make check
# replays the committed corpus (fuzz/corpus/*) through the normal build.
# UBSan findings stop the run (-fno-sanitize-recover), so they are saved.
# The targets start the tokenizer thread after a few bytes
# (ldrsnap__analyzer_pipe_after()), so the threaded path is fuzzed too.
FUZZ_TARGETS := analyze rules decode archive api needles json
FUZZ_SECONDS ?= 60
FUZZ_PARALLEL ?= 0
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
fuzz:
	$(MAKE) --no-print-directory BUILDDIR=build-fuzz CC=clang PGO=0 \
	    CFLAGS="-O1 -g -fsanitize=fuzzer-no-link $(FUZZ_SAN)" lib
	for t in $(FUZZ_TARGETS); do \
	    clang -O1 -g -fsanitize=fuzzer $(FUZZ_SAN) -Iinclude -Ilib fuzz/fuzz_$$t.c \
	        build-fuzz/libldrsnap.a $(LIBS_PRIVATE) -o build-fuzz/fuzz_$$t || exit 1; \
	done

fuzz-run: fuzz
	pids=; for t in $(FUZZ_TARGETS); do mkdir -p fuzz/corpus/$$t; \
	    if [ "$(FUZZ_PARALLEL)" = 1 ]; then \
	        build-fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
	            fuzz/corpus/$$t > build-fuzz/fuzz-$$t.log 2>&1 & pids="$$pids $$!"; \
	    else \
	        build-fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
	            fuzz/corpus/$$t || exit 1; \
	    fi; done; \
	for p in $$pids; do wait $$p || exit 1; done

# Replay every saved fuzz input through a plain build of each target.
$(BUILDDIR)/fuzz/replay_%: fuzz/fuzz_%.c fuzz/replay.c $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iinclude -Ilib fuzz/replay.c $< $(STATIC) $(LIBS_PRIVATE) -o $@

fuzz-replay: $(FUZZ_TARGETS:%=$(BUILDDIR)/fuzz/replay_%)
	for t in $(FUZZ_TARGETS); do \
	    $(BUILDDIR)/fuzz/replay_$$t fuzz/corpus/$$t/* || exit 1; done

# The files that follow .clang-format already (it describes the code as
# written): make format-check fails when one of them drifts.  A file joins
# the list when it is reformatted, in a commit of its own.
CLANG_FORMAT ?= $(shell command -v clang-format-14 || command -v clang-format)
FORMAT_FILES := bench/measure.c docs/examples/analyze.c fuzz/fuzz_decode.c \
                fuzz/fuzz_rules.c fuzz/replay.c lib/codes/codes_internal.h \
                tests/unit/helpers.h lib/simd/simd_scalar.c
format-check:
	@if [ -z "$(CLANG_FORMAT)" ]; then echo "format-check: no clang-format"; exit 1; fi
	$(CLANG_FORMAT) --dry-run -Werror $(FORMAT_FILES)
	@echo "make format-check: $(words $(FORMAT_FILES)) files follow .clang-format"

# The README's Slurm recipe on a one-node cluster on 127.0.0.1 (munged,
# slurmctld, slurmd in a temporary folder, stopped by pid at the end).
.PHONY: check-slurm
check-slurm: $(CLI)
	sh tools/check_slurm.sh $(CLI)

bench: release
	sh bench/run.sh $(RELEASE_DIR)/ldrsnap

# Precision and recall of root causes on generated captures with their
# truth (bench/capgen.c, tests/score/): SCORE_MIN is the floor, raised as
# the analyzer gets better (a ratchet); SCORE_VERBOSE=1 lists every miss.
SCORE_MIN ?= 0.99
$(BUILDDIR)/capgen: bench/capgen.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -std=c11 $(WARN) -o $@ $<

$(BUILDDIR)/tests/score: tests/score/score.c $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -std=c11 -D_DEFAULT_SOURCE $(WARN) -Iinclude -o $@ $< $(STATIC) $(LIBS_PRIVATE)

score: $(BUILDDIR)/capgen $(BUILDDIR)/tests/score
	SCORE_MIN=$(SCORE_MIN) sh tests/score/run.sh $(BUILDDIR)/capgen \
	    $(BUILDDIR)/tests/score $(BUILDDIR)/score

# Root causes on hand-written logs kept apart from the generator (issue 11):
# tests/heldout/NAME.log with its truth NAME.json; the cases still wrong
# are listed in tests/heldout/known-failures.txt, which may only shrink.
heldout: $(CLI)
	python3 tests/heldout/run.py $(CLI) tests/heldout

# Every fast way against the general way, on realistic captures: the
# tokenizer thread's output must be the one thread's, byte for byte.
check-fast: $(CLI) $(BUILDDIR)/capgen
	sh tests/fast/run.sh $(CLI) $(BUILDDIR)/capgen $(BUILDDIR)/fast

demo: $(CLI)
	$(CLI) samples/win10-missing-vcruntime.log || true

deps:
	sh tools/deps.sh

# ---- release, install ----------------------------------------------------

# The release build: the same objects, with the profile and link-time
# optimization (RELEASE_PGO=0, RELEASE_LTO=0: without), in a folder of
# their own so that `make` stays fast.
release:
	$(MAKE) --no-print-directory BUILDDIR=$(RELEASE_DIR) PGO=$(RELEASE_PGO) LTO=$(RELEASE_LTO) all

install:
	$(MAKE) --no-print-directory BUILDDIR=$(RELEASE_DIR) PGO=$(RELEASE_PGO) LTO=$(RELEASE_LTO) install-built

# install what $(BUILDDIR) holds, as built (make example stages it so)
install-built: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
	    $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
	    $(DESTDIR)$(MANDIR)/man5
	install -m 755 $(CLI) $(DESTDIR)$(BINDIR)/ldrsnap
	install -m 644 $(STATIC) $(DESTDIR)$(LIBDIR)/libldrsnap.a
	install -m 755 $(SHARED_REAL) $(DESTDIR)$(LIBDIR)/libldrsnap.so.$(VERSION)
	ln -sf libldrsnap.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SHARED_SONAME)
	ln -sf $(SHARED_SONAME) $(DESTDIR)$(LIBDIR)/libldrsnap.so
	install -m 644 include/ldrsnap.h $(DESTDIR)$(INCLUDEDIR)/ldrsnap.h
	sed $(PC_SED) lib/libldrsnap.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/ldrsnap.pc
	install -m 644 docs/ldrsnap.1 $(DESTDIR)$(MANDIR)/man1/ldrsnap.1
	install -m 644 docs/libldrsnap.3 $(DESTDIR)$(MANDIR)/man3/libldrsnap.3
	install -m 644 docs/ldrsnap-rules.5 $(DESTDIR)$(MANDIR)/man5/ldrsnap-rules.5
	install -m 644 docs/ldrsnap-json.5 $(DESTDIR)$(MANDIR)/man5/ldrsnap-json.5

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/ldrsnap $(DESTDIR)$(LIBDIR)/libldrsnap.a \
	    $(DESTDIR)$(LIBDIR)/libldrsnap.so.$(VERSION) \
	    $(DESTDIR)$(LIBDIR)/$(SHARED_SONAME) $(DESTDIR)$(LIBDIR)/libldrsnap.so \
	    $(DESTDIR)$(INCLUDEDIR)/ldrsnap.h $(DESTDIR)$(PKGCONFIGDIR)/ldrsnap.pc \
	    $(DESTDIR)$(MANDIR)/man1/ldrsnap.1 $(DESTDIR)$(MANDIR)/man3/libldrsnap.3 \
	    $(DESTDIR)$(MANDIR)/man5/ldrsnap-rules.5 \
	    $(DESTDIR)$(MANDIR)/man5/ldrsnap-json.5

clean:
	rm -rf $(sort $(BUILDDIR) build) build-*/
