# heraldd - privilege-separated gateway between trading clients and MT5.
#
#   make deps      install the Debian packages the build and tests need
#   make           build heraldd and heraldctl into $(BUILD)/
#   make check     warnings as errors, unit tests (plain and ASan/UBSan),
#                  fuzzers on their corpora, man page lint, integration tests
#   make check-sanitize  the integration tests against heraldd and heraldctl
#                  built with ASan and UBSan (in $(BUILD)/sanitize/)
#   make fuzz      build the libFuzzer harnesses
#   make demo      run heraldd in the foreground on its embedded default
#   make bench     heraldd against nginx over TLS, printing the ratios
#   make bench-orders  orders/s through heraldd against durable SQLite inserts
#   make install   PREFIX=/usr/local DESTDIR=

VERSION	= 0.1.0
PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc/herald
DESTDIR	?=
BUILD	?= build
CC	?= cc
FUZZCC	?= clang
FUZZ_SECONDS ?= 4
PYTHON	?= /usr/bin/python3

PKGS	= openssl libevent libevent_openssl sqlite3 libseccomp yaml-0.1 \
	  jansson libbsd-overlay
DEBS	= build-essential pkg-config libssl-dev libevent-dev libsqlite3-dev \
	  libseccomp-dev libyaml-dev libjansson-dev libbsd-dev libcmocka-dev \
	  clang libclang-rt-14-dev python3 python3-pytest mandoc gdb curl \
	  openssl sqlite3 util-linux passwd procps

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN	= -Wall -Wextra -Werror -Wformat=2 -Wmissing-prototypes \
	  -Wstrict-prototypes -Wshadow -Wno-unused-parameter
HARDEN	= -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
LDHARDEN = -pie -Wl,-z,relro,-z,now
INC	= -I. -Icommon -Iprivsep -Idaemon -Ibroker
DEFS	= -D_GNU_SOURCE -DHERALD_VERSION=\"$(VERSION)\" \
	  -DHERALD_CONF=\"$(SYSCONFDIR)/herald.yaml\"
CFLAGS	?= -O2 -g
ALL_CFLAGS = $(CFLAGS) $(WARN) $(HARDEN) $(INC) $(DEFS) $(PKG_CFLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(LDHARDEN)
LIBS	= $(PKG_LIBS) -lm

# Sources are found by directory: the tree is the process model.
LIB_SRC	= $(wildcard common/*.c privsep/*.c broker/*.c) \
	  $(filter-out daemon/heraldd.c,$(wildcard daemon/*.c))
HERALDD_SRC = daemon/heraldd.c
CTL_SRC	= $(wildcard ctl/*.c)
UNIT_SRC = $(wildcard tests/common/test_*.c tests/privsep/test_*.c \
	  tests/broker/test_*.c tests/daemon/test_*.c tests/ctl/test_*.c)
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
HDRS	= $(wildcard common/*.h privsep/*.h broker/*.h daemon/*.h ctl/*.h)

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

.PHONY: all check unit unit-asan fuzz fuzz-run integration manlint deps \
	demo bench bench-orders install clean

all: $(BUILD)/heraldd $(BUILD)/heraldctl

$(BUILD)/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libherald.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/heraldd: $(BUILD)/obj/daemon/heraldd.o $(BUILD)/libherald.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/heraldctl: $(CTL_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/libherald.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# Unit tests (cmocka), linked against the same library as the daemon.
$(BUILD)/tests/%: tests/%.c $(BUILD)/libherald.a $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libherald.a \
	    $(LIBS) -lcmocka

# The same units again under AddressSanitizer and UBSan.
$(BUILD)/asan/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_FLAGS) $(WARN) $(INC) $(DEFS) $(PKG_CFLAGS) -c $< -o $@

$(BUILD)/asan/libherald.a: $(ASAN_LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/asan/tests/%: tests/%.c $(BUILD)/asan/libherald.a $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_FLAGS) $(WARN) $(INC) $(DEFS) $(PKG_CFLAGS) -o $@ $< \
	    $(BUILD)/asan/libherald.a $(LIBS) -lcmocka

# libFuzzer harnesses, one per parser.
$(BUILD)/fuzz/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZCC) $(FUZZ_FLAGS) $(WARN) $(INC) $(DEFS) $(PKG_CFLAGS) -c $< -o $@

$(BUILD)/fuzz/libherald.a: $(FUZZ_LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/fuzz/%: tests/fuzz/%.c $(BUILD)/fuzz/libherald.a $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZCC) $(FUZZ_FLAGS) -fsanitize=fuzzer $(WARN) $(INC) $(DEFS) \
	    $(PKG_CFLAGS) -o $@ $< $(BUILD)/fuzz/libherald.a $(LIBS)

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

unit: $(UNITS)
	@set -e; for t in $(UNITS); do echo "unit: $$t"; $$t; done

unit-asan: $(ASAN_UNITS)
	@set -e; for t in $(ASAN_UNITS); do echo "unit (asan): $$t"; \
	    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 $$t; done

manlint:
	mandoc -Tlint -W warning man/*.[0-9]

integration: all
	HERALDD=$(abspath $(BUILD)/heraldd) HERALDCTL=$(abspath $(BUILD)/heraldctl) \
	    $(PYTHON) -m pytest -q -p no:cacheprovider tests/integration

check: all unit unit-asan fuzz-run manlint integration

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
	    $(PYTHON) -m pytest -q -p no:cacheprovider tests/integration

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

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(SYSCONFDIR) $(DESTDIR)/var/empty/heraldd \
	    $(DESTDIR)/var/lib/herald
	install -m 0555 $(BUILD)/heraldd $(BUILD)/heraldctl $(DESTDIR)$(SBINDIR)
	install -m 0444 man/*.5 $(DESTDIR)$(MANDIR)/man5
	install -m 0444 man/*.8 $(DESTDIR)$(MANDIR)/man8
	for m in man/*.7; do [ -f "$$m" ] && install -m 0444 $$m \
	    $(DESTDIR)$(MANDIR)/man7 || true; done
	[ -f $(DESTDIR)$(SYSCONFDIR)/herald.yaml ] || \
	    install -m 0600 etc/herald.yaml $(DESTDIR)$(SYSCONFDIR)/herald.yaml
	chmod 0755 $(DESTDIR)/var/empty/heraldd
	chmod 0700 $(DESTDIR)/var/lib/herald
	if [ -z "$(DESTDIR)" ]; then \
	    getent group herald-admin >/dev/null || groupadd --system herald-admin; \
	    id _herald >/dev/null 2>&1 || useradd --system --no-create-home \
	        --home-dir /var/empty/heraldd --shell /usr/sbin/nologin _herald; \
	fi

clean:
	rm -rf $(BUILD)
