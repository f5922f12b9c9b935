# heraldd - privilege-separated gateway between trading clients and MT5.
#
#   make deps      install the Debian packages the build and tests need
#   make           build heraldd and heraldctl into $(BUILD)/
#   make check     warnings as errors, the layering probes, unit tests
#                  (plain and ASan/UBSan), fuzzers on their corpora, man
#                  page lint, integration tests, static analysis
#   make layering  prove that a wrong-way include does not compile
#   make check-sanitize  the integration tests against heraldd and heraldctl
#                  built with ASan and UBSan (in $(BUILD)/sanitize/)
#   make fuzz      build the libFuzzer harnesses
#   make fuzz-long SECONDS=N  run every harness N seconds, growing its corpus
#   make coverage  line coverage per directory over the units, the fuzzers'
#                  corpora and the integration suite; fails under COV_MIN%
#   make demo      run heraldd in the foreground on its embedded default
#   make bench     heraldd against nginx over TLS, printing the ratios
#   make bench-orders  orders/s through heraldd against durable SQLite inserts
#   make bench-bridge  orders/s and p99 over the MT5 bridge (herald-mt5sim)
#   make bench-pages   database pages and bytes the monitor writes per order
#                  against the paper backend, printing the ratios
#   make bench-memory  memory per idle TLS connection against nginx's
#   make bench-all every bench in BENCHES, one after the other
#   make install   PREFIX=/usr/local DESTDIR= (and the systemd units and
#                  tmpfiles.d where systemd is)
#   make all also builds herald-mt5sim: the MT5 bridge's Expert Advisor
#                  (broker/mql5/) on a simulated terminal (broker/mt5sim/)

VERSION	= 0.1.0
PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
BINDIR	?= $(PREFIX)/bin
DATADIR	?= $(PREFIX)/share/herald
MANDIR	?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc/herald
# Where systemd looks for units and tmpfiles.d; empty without systemd,
# and then make install leaves them out.
UNITDIR	?= $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null)
TMPFILESDIR ?= $(shell pkg-config --variable=tmpfilesdir systemd 2>/dev/null)
DESTDIR	?=
BUILD	?= build
CC	?= cc
FUZZCC	?= clang
FUZZCXX	?= clang++
FUZZ_SECONDS ?= 4
PYTHON	?= /usr/bin/python3

PKGS	= openssl libevent libevent_openssl sqlite3 libseccomp yaml-0.1 \
	  jansson libbsd-overlay libsystemd
DEBS	= build-essential pkg-config libssl-dev libevent-dev libsqlite3-dev \
	  libseccomp-dev libyaml-dev libjansson-dev libbsd-dev libcmocka-dev \
	  clang libclang-rt-14-dev python3 python3-pytest mandoc gdb curl \
	  openssl sqlite3 util-linux passwd procps clang-tools cppcheck \
	  libsystemd-dev llvm python3-prometheus-client iproute2

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN	= -Wall -Wextra -Werror -Wformat=2 -Wmissing-prototypes \
	  -Wstrict-prototypes -Wshadow -Wno-unused-parameter
HARDEN	= -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
LDHARDEN = -pie -Wl,-z,relro,-z,now
# Each directory sees only what it may use (ARCHITECTURE.md, rule 8), so
# a wrong-way include is a compile error: common/ nothing else; privsep's
# process mechanism common/; the monitor's modules privsep/; net
# (daemon/) and the broker common/ and privsep's mechanism, never the
# monitor's modules; heraldctl common/.  Only the entry point sees all.
INC_common	= -Icommon
INC_privsep	= -Icommon -Iprivsep
INC_privsep/monitor = -Icommon -Iprivsep -Iprivsep/monitor
INC_daemon	= -Icommon -Iprivsep -Idaemon
INC_broker	= -Icommon -Iprivsep -Ibroker
INC_ctl		= -Icommon
INC_ALL		= -Icommon -Iprivsep -Iprivsep/monitor -Idaemon -Ibroker
INC_FILE_daemon/heraldd.c = $(INC_ALL)
# A unit test gets its directory's paths; the TLS tests play the
# monitor's side of the key operations with the real keyop.c.
INC_FILE_tests/daemon/test_tls.c = $(INC_daemon) -Iprivsep/monitor
# test_dispatch holds every process's dispatch table to the catalogue.
INC_FILE_tests/privsep/test_dispatch.c = $(INC_ALL)
INC_FILE_tests/daemon/test_tls_monitor.c = $(INC_daemon) -Iprivsep/monitor
INC_FILE_tests/daemon/test_tls_renew.c = $(INC_daemon) -Iprivsep/monitor
# A fuzzer gets the paths of the parser it drives.
INC_FILE_tests/fuzz/fuzz_audit.c = $(INC_daemon)
INC_FILE_tests/fuzz/fuzz_bridge.c = $(INC_common)
INC_FILE_tests/fuzz/fuzz_config.c = $(INC_common)
INC_FILE_tests/fuzz/fuzz_ctlproto.c = $(INC_common)
INC_FILE_tests/fuzz/fuzz_http.c = $(INC_daemon)
INC_FILE_tests/fuzz/fuzz_ipc.c = $(INC_privsep)
INC_FILE_tests/fuzz/fuzz_json.c = $(INC_daemon)
INC_FILE_tests/fuzz/fuzz_metrics.c = $(INC_daemon)
INC_FILE_tests/fuzz/fuzz_record.c = $(INC_broker)
INC_FILE_tests/fuzz/fuzz_ticks.c = $(INC_broker)
INC_FILE_tests/fuzz/fuzz_trade.c = $(INC_daemon)
# The include paths of a source or test file.
inc	= $(or $(INC_FILE_$1),$(INC_$(patsubst %/,%,$(dir $(1:tests/%=%)))))
DEFS	= -D_GNU_SOURCE -DHERALD_VERSION=\"$(VERSION)\" \
	  -DHERALD_CONF=\"$(SYSCONFDIR)/herald.yaml\"
CFLAGS	?= -O2 -g
ALL_CFLAGS = $(CFLAGS) $(WARN) $(HARDEN) $(DEFS) $(PKG_CFLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(LDHARDEN)
LIBS	= $(PKG_LIBS) -lm

# Sources are found by directory: the tree is the process model.
LIB_SRC	= $(wildcard common/*.c privsep/*.c privsep/monitor/*.c broker/*.c) \
	  $(filter-out daemon/heraldd.c,$(wildcard daemon/*.c))
HERALDD_SRC = daemon/heraldd.c
CTL_SRC	= $(wildcard ctl/*.c)
UNIT_SRC = $(wildcard tests/common/test_*.c tests/privsep/test_*.c \
	  tests/privsep/monitor/test_*.c tests/broker/test_*.c tests/daemon/test_*.c tests/ctl/test_*.c)
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
HDRS	= $(wildcard common/*.h privsep/*.h privsep/monitor/*.h broker/*.h \
	  daemon/*.h ctl/*.h)
# The helpers a directory's unit tests share, one header each.
TEST_HDRS = $(wildcard tests/*/*.h tests/*/*/*.h)

LIB_OBJ	= $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
UNITS	= $(UNIT_SRC:tests/%.c=$(BUILD)/tests/%)
ASAN_LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/asan/obj/%.o)
ASAN_UNITS = $(UNIT_SRC:tests/%.c=$(BUILD)/asan/tests/%)
FUZZ_LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/fuzz/obj/%.o)
FUZZERS	= $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)

ASAN_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	  -fno-sanitize-recover=all
FUZZ_FLAGS = -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
	  -fno-sanitize-recover=all -DFUZZING

.PHONY: all check layering unit unit-asan fuzz fuzz-run fuzz-long integration \
	manlint deps demo bench bench-orders bench-pages bench-bridge bench-all bench-memory install clean mutate

MT5SIM	= $(BUILD)/herald-mt5sim

all: $(BUILD)/heraldd $(BUILD)/heraldctl $(MT5SIM)

$(BUILD)/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(call inc,$<) -c $< -o $@

$(BUILD)/libherald.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/heraldd: $(BUILD)/obj/daemon/heraldd.o $(BUILD)/libherald.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/heraldctl: $(CTL_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/libherald.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# Unit tests (cmocka), linked against the same library as the daemon.
$(BUILD)/tests/%: tests/%.c $(BUILD)/libherald.a $(HDRS) $(TEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(call inc,$<) $(ALL_LDFLAGS) -o $@ $< \
	    $(BUILD)/libherald.a \
	    $(LIBS) -lcmocka

# The same units again under AddressSanitizer and UBSan.
$(BUILD)/asan/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_FLAGS) $(WARN) $(call inc,$<) $(DEFS) $(PKG_CFLAGS) \
	    -c $< -o $@

$(BUILD)/asan/libherald.a: $(ASAN_LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/asan/tests/%: tests/%.c $(BUILD)/asan/libherald.a $(HDRS) $(TEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_FLAGS) $(WARN) $(call inc,$<) $(DEFS) $(PKG_CFLAGS) -o $@ $< \
	    $(BUILD)/asan/libherald.a $(LIBS) -lcmocka

# libFuzzer harnesses, one per parser.
$(BUILD)/fuzz/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZCC) $(FUZZ_FLAGS) $(WARN) $(call inc,$<) $(DEFS) $(PKG_CFLAGS) \
	    -c $< -o $@

$(BUILD)/fuzz/libherald.a: $(FUZZ_LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/fuzz/%: tests/fuzz/%.c $(BUILD)/fuzz/libherald.a $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZCC) $(FUZZ_FLAGS) -fsanitize=fuzzer $(WARN) $(call inc,$<) $(DEFS) \
	    $(PKG_CFLAGS) -o $@ $< $(BUILD)/fuzz/libherald.a $(LIBS)

# herald-mt5sim: the Expert Advisor's own source, turned into C++ by the
# translation step (broker/mt5sim/mql2cpp.sed, documented there and in
# herald-bridge.7), compiled against the shim of the MQL5 functions it
# calls (broker/mt5sim/mql5.h and the .cpp files beside it) and linked
# with the paper engine from libherald.a.  The generated files stay in
# $(BUILD)/mt5sim/gen, under the names they have in MetaEditor, so the
# EA's #include lines find their translated neighbours.
MQL_SRC	= $(wildcard broker/mql5/*.mq5 broker/mql5/*.mqh)
MQL_GEN	= $(MQL_SRC:broker/mql5/%=$(BUILD)/mt5sim/gen/%)
MT5SIM_SRC = $(wildcard broker/mt5sim/*.cpp)
MT5SIM_OBJ = $(MT5SIM_SRC:broker/mt5sim/%.cpp=$(BUILD)/mt5sim/%.o) \
	  $(BUILD)/mt5sim/HeraldBridge.o
MT5SIM_HDRS = $(wildcard broker/mt5sim/*.h)
MT5SIM_CXXFLAGS = -std=c++17 $(CFLAGS) $(filter-out -Wmissing-prototypes \
	  -Wstrict-prototypes,$(WARN)) $(HARDEN) -D_GNU_SOURCE \
	  -Ibroker/mt5sim -Ibroker -Icommon

$(BUILD)/mt5sim/gen/%: broker/mql5/% broker/mt5sim/mql2cpp.sed
	@mkdir -p $(dir $@)
	sed -E -f broker/mt5sim/mql2cpp.sed $< >$@

$(BUILD)/mt5sim/HeraldBridge.o: $(MQL_GEN) $(MT5SIM_HDRS)
	$(CXX) $(MT5SIM_CXXFLAGS) -include broker/mt5sim/mql5.h -x c++ \
	    -c $(BUILD)/mt5sim/gen/HeraldBridge.mq5 -o $@

$(BUILD)/mt5sim/%.o: broker/mt5sim/%.cpp $(MT5SIM_HDRS) $(HDRS)
	@mkdir -p $(dir $@)
	$(CXX) $(MT5SIM_CXXFLAGS) -c $< -o $@

$(MT5SIM): $(MT5SIM_OBJ) $(BUILD)/libherald.a
	$(CXX) $(ALL_LDFLAGS) -o $@ $^ $(filter-out %sanitize-options.o,$(LIBS))

# The EA's frame parser, from the same translated source, fuzzed.
FUZZERS	+= $(BUILD)/fuzz/fuzz_eaframe

$(BUILD)/fuzz/fuzz_eaframe: tests/fuzz/fuzz_eaframe.cpp $(MQL_GEN) $(MT5SIM_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZCXX) -std=c++17 $(FUZZ_FLAGS) -fsanitize=fuzzer \
	    $(filter-out -Wmissing-prototypes -Wstrict-prototypes,$(WARN)) \
	    -I$(BUILD)/mt5sim/gen -Ibroker/mt5sim -include broker/mt5sim/mql5.h \
	    -o $@ $< -lcrypto

fuzz: $(FUZZERS)

# Each harness runs on a scratch copy of its corpus so the tree stays clean.
fuzz-run: $(FUZZERS)
	@set -e; for f in $(FUZZERS); do \
	    n=$${f##*/fuzz_}; \
	    mkdir -p $(BUILD)/fuzz/out/$$n; \
	    echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
	    $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 \
	        -close_fd_mask=3 $(BUILD)/fuzz/out/$$n tests/fuzz/corpus/$$n \
	        >$(BUILD)/fuzz/out/$$n.log 2>&1 || \
	        { tail -n 40 $(BUILD)/fuzz/out/$$n.log; exit 1; }; \
	done; echo "fuzz: $(words $(FUZZERS)) harnesses clean"

# make fuzz-long SECONDS=N: every harness for N seconds on its corpus,
# what it finds merged into the corpus with -merge=1 (an input is kept
# only if it adds coverage), so tests/fuzz/corpus/ grows by files ready
# to commit.  A crash stops the run with its input in
# build/fuzz/long/<harness>/crash-*: fix it, then add that input to the
# corpus, where fuzz-run replays it in every check.
SECONDS ?= 60
fuzz-long: $(FUZZERS)
	@set -e; for f in $(FUZZERS); do \
	    n=$${f##*/fuzz_}; c=tests/fuzz/corpus/$$n; \
	    o=$(BUILD)/fuzz/long/$$n; rm -rf $$o; mkdir -p $$o/new $$o/min; \
	    echo "fuzz-long: $$n for $(SECONDS)s ($$(ls $$c | wc -l) inputs)"; \
	    $$f -max_total_time=$(SECONDS) -print_final_stats=1 \
	        -close_fd_mask=3 -artifact_prefix=$$o/ $$o/new $$c \
	        >$$o/run.log 2>&1 || { tail -n 40 $$o/run.log; exit 1; }; \
	    $$f -merge=1 -close_fd_mask=3 $$o/min $$c $$o/new \
	        >$$o/merge.log 2>&1 || { tail -n 20 $$o/merge.log; exit 1; }; \
	    sha1sum $$c/* | cut -c1-40 >$$o/have; \
	    for i in $$o/min/*; do grep -qx $${i##*/} $$o/have || \
	        cp $$i $$c/; done; \
	    echo "fuzz-long: $$n now $$(ls $$c | wc -l) inputs"; \
	done

unit: $(UNITS)
	@set -e; for t in $(UNITS); do echo "unit: $$t"; $$t; done

unit-asan: $(ASAN_UNITS)
	@set -e; for t in $(ASAN_UNITS); do echo "unit (asan): $$t"; \
	    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 $$t; done

manlint:
	mandoc -Tlint -W warning man/*.[0-9]

integration: all
	HERALDD=$(abspath $(BUILD)/heraldd) HERALDCTL=$(abspath $(BUILD)/heraldctl) \
	    HERALD_MT5SIM=$(abspath $(MT5SIM)) \
	    $(PYTHON) -m pytest -q -p no:cacheprovider tests/integration

# The layering, proved able to fail: per directory, one-line probes that
# include a header the directory must not see have to fail to compile
# because the header is not found, and one that includes a header it may
# use has to compile (so a broken probe cannot pass).
#	directory	forbidden headers			allowed
LAYER_PROBES = \
	common		msg.h,api.h,rpc.h,paper.h,auth.h	params.h \
	privsep		http.h,rpc.h,paper.h,auth.h,trading.h	msg.h \
	privsep/monitor	http.h,rpc.h,paper.h,backend.h,broker.h	auth.h \
	daemon		auth.h,keyop.h,trading.h,paper.h,monitor.h rpc.h \
	broker		rpc.h,http.h,trading.h,auth.h,monitor.h	backend.h \
	ctl		msg.h,rpc.h,auth.h,paper.h		ctlproto.h

layering:
	@set -- $(LAYER_PROBES); n=0; \
	while [ $$# -gt 0 ]; do \
	    dir=$$1; bad=$$2; good=$$3; shift 3; \
	    flags="$(DEFS) $(PKG_CFLAGS) $$(case $$dir in \
	        common) echo '$(INC_common)';; \
	        privsep) echo '$(INC_privsep)';; \
	        privsep/monitor) echo '$(INC_privsep/monitor)';; \
	        daemon) echo '$(INC_daemon)';; \
	        broker) echo '$(INC_broker)';; \
	        ctl) echo '$(INC_ctl)';; esac)"; \
	    for h in $$(echo $$bad | tr , ' '); do \
	        out=$$(printf '#include "%s"\n' $$h | $(CC) $$flags \
	            -fsyntax-only -x c - 2>&1) && { \
	            echo "layering: $$dir/ can include $$h"; exit 1; }; \
	        case $$out in *"$$h"*"No such file"*) ;; *) \
	            echo "layering: probe of $$h in $$dir/ failed otherwise:"; \
	            echo "$$out"; exit 1;; esac; \
	        n=$$((n + 1)); \
	    done; \
	    printf '#include "%s"\n' $$good | $(CC) $$flags -fsyntax-only \
	        -x c - || { echo "layering: $$dir/ cannot include $$good"; \
	        exit 1; }; \
	done; echo "layering: $$n wrong-way includes refused"

check: all layering unit unit-asan fuzz-run manlint integration analyze

# Static analysis, in check: clang's analyzer over a fresh build of the
# library, heraldd and heraldctl (in its own build directory, all its
# default checkers), and cppcheck over the sources with the include paths
# and defines the build uses.  Both must report nothing: a false positive
# is silenced at its line, saying why, never by turning a checker off.
# cppcheck takes one set of include paths for the whole tree: the union
# of the per-directory ones (the layering target checks those).
SCAN_BUILD ?= scan-build
CPPCHECK ?= cppcheck
ANALYZE_DIRS = common privsep daemon broker ctl
ANALYZE_INC = $(INC_ALL)
ANALYZE_ARCH = $(shell $(CC) -dM -E -x c /dev/null 2>/dev/null | awk \
	  '$$2 ~ /^(__linux__|__x86_64__|__aarch64__)$$/ { print "-D" $$2 }')
CPPCHECK_FLAGS = -q --error-exitcode=1 --inline-suppr --template=gcc \
	  --enable=warning,portability,performance \
	  $(ANALYZE_INC) $(DEFS) $(ANALYZE_ARCH) \
	  $(filter -I% -D%,$(subst -isystem ,-I,$(PKG_CFLAGS)))

.PHONY: analyze analyze-scan analyze-cppcheck
analyze: analyze-scan analyze-cppcheck

analyze-scan:
	rm -rf $(BUILD)/analyze/scan
	$(SCAN_BUILD) --status-bugs --use-cc=$(CC) \
	    -o $(BUILD)/analyze/scan/report \
	    $(MAKE) BUILD=$(BUILD)/analyze/scan MT5SIM= all

# The build directory turns on cppcheck's whole-program checks; started
# afresh each time so no cached verdict outlives a change.
analyze-cppcheck:
	rm -rf $(BUILD)/analyze/cppcheck
	mkdir -p $(BUILD)/analyze/cppcheck
	$(CPPCHECK) $(CPPCHECK_FLAGS) \
	    --cppcheck-build-dir=$(BUILD)/analyze/cppcheck $(ANALYZE_DIRS)

# make check-sanitize: heraldd and heraldctl built again with ASan and
# UBSan into $(SAN_BUILD) (the same rules, through a second make), with
# tests/sanitize/options.c linked in, then the whole integration suite
# against them.  HERALD_SANITIZE adds to the children's seccomp tables
# exactly what the sanitizer runtime needs (privsep/sandbox.c) and keeps
# the children's stderr, where their reports go; the tests fail on any
# report in the daemon's log or in heraldctl's stderr, naming the
# process (tests/integration/conftest.py).
SAN_BUILD = $(BUILD)/sanitize
SAN_CFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	  -fno-sanitize-recover=all -DHERALD_SANITIZE
SAN_OPTS = $(SAN_BUILD)/sanitize-options.o

.PHONY: sanitize check-sanitize

$(SAN_OPTS): tests/sanitize/options.c
	@mkdir -p $(dir $@)
	$(CC) $(SAN_CFLAGS) $(WARN) $(HARDEN) $(DEFS) -c $< -o $@

# The second make does not know the options object: relink when it moves.
sanitize: $(SAN_OPTS)
	@for b in heraldd heraldctl; do [ $(SAN_BUILD)/$$b -nt $(SAN_OPTS) ] || \
	    rm -f $(SAN_BUILD)/$$b; done
	$(MAKE) BUILD=$(SAN_BUILD) CFLAGS="$(SAN_CFLAGS)" \
	    LDFLAGS="-fsanitize=address,undefined" \
	    LIBS="$(LIBS) $(abspath $(SAN_OPTS))" all

check-sanitize: sanitize
	HERALDD=$(abspath $(SAN_BUILD)/heraldd) \
	    HERALDCTL=$(abspath $(SAN_BUILD)/heraldctl) \
	    HERALD_MT5SIM=$(abspath $(SAN_BUILD)/herald-mt5sim) \
	    $(PYTHON) -m pytest -q -p no:cacheprovider tests/integration

# make coverage: line coverage per directory of heraldd, heraldctl and
# the library, over the unit tests, each fuzzer's corpus and the
# integration suite; fails when one of COV_DIRS is under COV_MIN percent
# (the floor README gives).  Not in check: it builds everything again
# and reruns the suites (about as long as check itself).  clang's
# source-based coverage, in continuous mode (%c): a process maps its
# counters onto its profile file when it starts, so net and the broker,
# which can open no file once sandboxed, still leave theirs.  Processes
# are told apart by pid; heraldd's children inherit no environment, so
# the file name is built in (heraldctl's differs: a reused pid must
# never hand one binary's file to another), and each unit test and
# fuzzer gets its own through LLVM_PROFILE_FILE.
COV_BUILD = $(BUILD)/coverage
COV_PROF = $(abspath $(COV_BUILD))/profraw
COV_DIRS = common privsep daemon broker
COV_SHOW = common privsep privsep/monitor daemon broker ctl
COV_MIN	?= 85
LLVM_COV ?= llvm-cov
LLVM_PROFDATA ?= llvm-profdata
COV_NAME = heraldd
$(BUILD)/obj/ctl/%.o: COV_NAME = heraldctl
COV_FLAGS = -O1 -g -fprofile-instr-generate=$(COV_PROF)/$$(COV_NAME)-%p%c.profraw \
	  -fcoverage-mapping -mllvm -runtime-counter-relocation
COV_UNITS = $(UNIT_SRC:tests/%.c=$(COV_BUILD)/tests/%)
COV_FUZZERS = $(FUZZ_SRC:tests/fuzz/%.c=$(COV_BUILD)/fuzz/%)

.PHONY: coverage coverage-build coverage-run coverage-report

# One step after the other, also under -j.
coverage:
	$(MAKE) coverage-build
	$(MAKE) coverage-run
	$(MAKE) coverage-report

coverage-build:
	$(MAKE) BUILD=$(COV_BUILD) CC=clang CXX=clang++ CFLAGS='$(COV_FLAGS)' \
	    LDFLAGS=-fprofile-instr-generate \
	    FUZZ_FLAGS='$(COV_FLAGS) -fsanitize=fuzzer-no-link -DFUZZING' \
	    all $(COV_UNITS) $(COV_FUZZERS)

coverage-run:
	rm -rf $(COV_PROF) && mkdir -p $(COV_PROF)
	@set -e; for t in $(COV_UNITS); do echo "coverage: $$t"; \
	    LLVM_PROFILE_FILE=$(COV_PROF)/unit-$${t##*/}-%p%c.profraw $$t \
	        >$(COV_BUILD)/unit.log 2>&1 || { cat $(COV_BUILD)/unit.log; \
	        exit 1; }; done
	@set -e; for f in $(COV_FUZZERS); do n=$${f##*/fuzz_}; \
	    echo "coverage: $$f on its corpus"; \
	    LLVM_PROFILE_FILE=$(COV_PROF)/fuzz-$$n-%p%c.profraw $$f -runs=0 \
	        -close_fd_mask=3 tests/fuzz/corpus/$$n >/dev/null 2>&1; done
	HERALDD=$(abspath $(COV_BUILD)/heraldd) \
	    HERALDCTL=$(abspath $(COV_BUILD)/heraldctl) \
	    HERALD_MT5SIM=$(abspath $(COV_BUILD)/herald-mt5sim) \
	    HERALD_COVERAGE_DIR=$(COV_PROF) \
	    $(PYTHON) -m pytest -q -p no:cacheprovider tests/integration

# Lines per directory from llvm-cov's per-file table (columns 8 and 9:
# lines, lines missed); privsep counts privsep/monitor in.
coverage-report:
	find $(COV_PROF) -name '*.profraw' >$(COV_BUILD)/profraw.list
	$(LLVM_PROFDATA) merge -sparse -failure-mode=all \
	    -input-files=$(COV_BUILD)/profraw.list \
	    -o $(COV_BUILD)/coverage.profdata
	@$(LLVM_COV) report -instr-profile=$(COV_BUILD)/coverage.profdata \
	    -ignore-filename-regex='^tests/' $(COV_BUILD)/heraldd \
	    $(patsubst %,-object %,$(COV_BUILD)/heraldctl $(COV_UNITS) \
	    $(COV_FUZZERS)) >$(COV_BUILD)/report.txt
	@awk -v show="$(COV_SHOW)" -v dirs="$(COV_DIRS)" -v min=$(COV_MIN) ' \
	    $$1 ~ /\.c$$/ { d = $$1; sub(/\/[^\/]*$$/, "", d); \
	        n[d] += $$8; m[d] += $$9; \
	        if (d ~ /\//) { t = d; sub(/\/.*/, "", t); \
	            n[t] += $$8; m[t] += $$9 } } \
	    function pct(d) { return n[d] ? 100 * (n[d] - m[d]) / n[d] : 0 } \
	    END { printf "%-18s %7s %7s %7s\n", "directory", "lines", \
	            "missed", "cover"; \
	        k = split(show, s, " "); \
	        for (i = 1; i <= k; i++) \
	            printf "%-18s %7d %7d %6.1f%%\n", s[i] "/", n[s[i]], \
	                m[s[i]], pct(s[i]); \
	        k = split(dirs, s, " "); bad = 0; \
	        for (i = 1; i <= k; i++) if (pct(s[i]) < min) { \
	            printf "coverage: %s/ is under %d%%\n", s[i], min; \
	            bad = 1 } \
	        exit bad }' $(COV_BUILD)/report.txt
	@echo "coverage: per file in $(COV_BUILD)/report.txt"

# Each patch in tests/mutants/ breaks one critical check; the test its
# header names has to fail, or make mutate does (tests/mutants/mutate.sh).
# Not in check: every mutant is a rebuild and a test run.
mutate:
	PYTHON=$(PYTHON) sh tests/mutants/mutate.sh $(BUILD)

deps:
	@missing=""; for p in $(DEBS); do \
	    dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	    echo "deps: installing$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	        apt-get install -y -qq $$missing; \
	else echo "deps: all Debian packages present"; fi

demo: all
	sh etc/demo.sh $(BUILD)

# heraldd against nginx over TLS (needs nginx-light and wrk); not in check.
bench: all
	HERALDD=$(abspath $(BUILD)/heraldd) HERALDCTL=$(abspath $(BUILD)/heraldctl) \
	    bash bench/tls_vs_nginx.sh

# Orders per second through heraldd (paper backend, journaled durably)
# against a loop of single durable SQLite inserts; not in check.
bench-orders: all $(BUILD)/libherald.a
	BUILD=$(abspath $(BUILD)) BENCH_MAKE=0 \
	    HERALDD=$(abspath $(BUILD)/heraldd) \
	    HERALDCTL=$(abspath $(BUILD)/heraldctl) \
	    bash bench/orders_vs_sqlite.sh

# The database pages, by table and index, and the bytes the monitor
# writes per order (paper backend); not in check.
bench-pages: all
	BUILD=$(abspath $(BUILD)) BENCH_MAKE=0 \
	    HERALDD=$(abspath $(BUILD)/heraldd) \
	    HERALDCTL=$(abspath $(BUILD)/heraldctl) \
	    bash bench/orders_pages.sh

# Orders per second and latency over the MT5 bridge (herald-mt5sim)
# against the paper backend, in one run; not in check.
bench-bridge: all
	BUILD=$(abspath $(BUILD)) BENCH_MAKE=0 \
	    HERALDD=$(abspath $(BUILD)/heraldd) \
	    HERALDCTL=$(abspath $(BUILD)/heraldctl) \
	    HERALD_MT5SIM=$(abspath $(MT5SIM)) \
	    bash bench/bridge_vs_paper.sh

# Memory per idle TLS connection in net against an nginx worker, with
# BENCH_IDLE (10000) connections held open (needs nginx-light); not in check.
bench-memory: all
	HERALDD=$(abspath $(BUILD)/heraldd) HERALDCTL=$(abspath $(BUILD)/heraldctl) \
	    bash bench/idle_vs_nginx.sh

# Every bench, one after the other (none is in check): a bench adds its
# target here as a row.  Each prints its ratio against a reference it
# measures in the same run; a bench that fails (a missing tool) does not
# stop the others, and bench-all fails at the end naming it.
BENCHES = bench bench-orders bench-pages bench-memory bench-bridge

bench-all: all
	@failed=""; for b in $(BENCHES); do \
	    echo "=== make $$b"; \
	    $(MAKE) --no-print-directory $$b || failed="$$failed $$b"; \
	done; \
	if [ -n "$$failed" ]; then echo "bench-all: failed:$$failed"; exit 1; fi

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(SYSCONFDIR) $(DESTDIR)/var/empty/heraldd \
	    $(DESTDIR)/var/lib/herald
	install -m 0555 $(BUILD)/heraldd $(BUILD)/heraldctl $(DESTDIR)$(SBINDIR)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/mql5
	install -m 0555 $(MT5SIM) $(DESTDIR)$(BINDIR)
	install -m 0444 $(MQL_SRC) $(DESTDIR)$(DATADIR)/mql5
	install -m 0444 man/*.5 $(DESTDIR)$(MANDIR)/man5
	install -m 0444 man/*.8 $(DESTDIR)$(MANDIR)/man8
	for m in man/*.7; do [ -f "$$m" ] && install -m 0444 $$m \
	    $(DESTDIR)$(MANDIR)/man7 || true; done
	[ -f $(DESTDIR)$(SYSCONFDIR)/herald.yaml ] || \
	    install -m 0600 etc/herald.yaml $(DESTDIR)$(SYSCONFDIR)/herald.yaml
	chmod 0755 $(DESTDIR)/var/empty/heraldd
	chmod 0700 $(DESTDIR)/var/lib/herald
	if [ -n "$(UNITDIR)" ]; then \
	    install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(TMPFILESDIR); \
	    for u in heraldd.service heraldd@.service; do \
	        sed 's|/usr/local/sbin/|$(SBINDIR)/|' etc/$$u \
	            >$(DESTDIR)$(UNITDIR)/$$u; \
	        chmod 0444 $(DESTDIR)$(UNITDIR)/$$u; \
	    done; \
	    install -m 0444 etc/heraldd.tmpfiles \
	        $(DESTDIR)$(TMPFILESDIR)/heraldd.conf; \
	fi
	if [ -z "$(DESTDIR)" ]; then \
	    getent group herald-admin >/dev/null || groupadd --system herald-admin; \
	    id _herald >/dev/null 2>&1 || useradd --system --no-create-home \
	        --home-dir /var/empty/heraldd --shell /usr/sbin/nologin _herald; \
	    $(SBINDIR)/heraldd -G -f $(SYSCONFDIR)/herald.yaml; \
	fi

clean:
	rm -rf $(BUILD)
