# bench/lib.sh: the shell functions the bench scripts share.
#
# Sourced, not run, by bench/tls_vs_nginx.sh and bench/orders_vs_sqlite.sh
# (`. "$(dirname "$0")/lib.sh"`), which run under `set -euo pipefail`.
# What each script does its own way stays in it.  The heraldd functions
# use HERALDD and HERALDCTL, the binaries the scripts take from the
# environment; everything else comes in parameters.  A heraldd started
# here keeps all its files in one scratch directory DIR: herald.yaml,
# heraldd.log, heraldd.sock, herald.db, heraldd.pid, server.crt and
# server.key.
# shellcheck shell=bash

# This file's directory: the bench sources.
bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# --- messages and checks ------------------------------------------------------

# say WORDS...: a line on stderr, marked as the bench's.
say() { printf 'bench: %s\n' "$*" >&2; }

# die WORDS...: say it and exit 1.
die() { say "$*"; exit 1; }

# usage_help SCRIPT: the usage block of SCRIPT's head comment, from
# "# usage:" to the next bare "#", on stderr; then exit 2.
usage_help() {
	sed -n '/^# usage:/,/^#$/p' "$1" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

# heraldd_build_paths: where the scripts that build heraldd find it:
# repo, BUILD (default build, relative to the repository), builddir,
# BENCH_MAKE (1: run make first), HERALDD and HERALDCTL.
heraldd_build_paths() {
	repo=$(cd "$(dirname "$0")/.." && pwd)
	BUILD=${BUILD:-build}
	case $BUILD in /*) builddir=$BUILD ;; *) builddir=$repo/$BUILD ;; esac
	BENCH_MAKE=${BENCH_MAKE:-1}
	HERALDD=${HERALDD:-$builddir/heraldd}
	HERALDCTL=${HERALDCTL:-$builddir/heraldctl}
}

# keep_flag_only "$@": the scripts whose only option is -k (keep the
# scratch directory); sets keep, refuses anything else with the usage.
keep_flag_only() {
	local opt OPTIND=1
	keep=0
	while getopts k opt; do
		case $opt in
		k) keep=1 ;;
		*) usage_help "$0" ;;
		esac
	done
	shift $((OPTIND - 1))
	[ $# -eq 0 ] || { echo "usage: $0 [-k]" >&2; exit 2; }
}

# whole NAME VALUE: die unless VALUE is a positive whole number.
whole() {
	case $2 in ''|*[!0-9]*|0) die "$1: a positive whole number, not '$2'" ;; esac
}

# need_root: die unless run as root (heraldd must start as root).
need_root() {
	[ "$(id -u)" -eq 0 ] ||
		die "run me as root: heraldd starts as root and drops privileges"
}

# need COMMAND PACKAGE: PACKAGE added to $missing (the caller's, which
# starts empty) unless COMMAND is on the PATH or in /usr/sbin.
need() {
	command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] ||
	    missing="$missing $2"
}

# need_pc MODULE PACKAGE: PACKAGE added to $missing unless pkg-config
# knows MODULE (nothing when pkg-config itself is missing: need says so).
need_pc() {
	if command -v pkg-config >/dev/null 2>&1 &&
	    ! pkg-config --exists "$1"; then
		missing="$missing $2"
	fi
}

# need_done PACKAGES: if PACKAGES (the $missing that need and need_pc
# made) is not empty, name the apt-get command that installs them and
# exit 2.
need_done() {
	[ -n "$1" ] || return 0
	say "missing tools; install them with"
	say "  apt-get install -y$1"
	exit 2
}

# abs_path FILE: FILE's absolute path (its directory must exist).
abs_path() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }

# herald_accounts: the group and user heraldd admits to its socket and
# runs its children as, created if missing (as etc/demo.sh does).
herald_accounts() {
	getent group herald-admin >/dev/null || {
		say "creating group herald-admin"; groupadd --system herald-admin; }
	id _herald >/dev/null 2>&1 || {
		say "creating user _herald"
		useradd --system --no-create-home --home-dir /nonexistent \
		    --shell /usr/sbin/nologin _herald; }
}

# --- scratch directory, processes, clean-up -----------------------------------

# scratch_dir PARENT NAME: make PARENT/NAME.XXXXXX, mode 0755, and print
# its name.
scratch_dir() {
	local dir
	dir=$(mktemp -d "$1/$2.XXXXXX") || exit 1
	chmod 0755 "$dir"
	echo "$dir"
}

# stop PID SECONDS: TERM, then KILL after SECONDS; nothing if PID is
# empty or gone.
stop() {
	local pid=$1 tenths=$(($2 * 10))
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq "$tenths"); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# on_exit FUNCTION: run FUNCTION on exit, and exit on SIGINT (130) and
# SIGTERM (143) so that it runs then too.
on_exit() {
	# shellcheck disable=SC2064	# the name, now
	trap "$1" EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# finish RC DIR KEEP SECONDS [PID...]: the end of an exit trap: no more
# traps, each PID stopped (stop, SECONDS), the scratch directory DIR
# removed or, with KEEP 1, kept and named; then exit RC.
finish() {
	local rc=$1 dir=$2 keep=$3 secs=$4 pid
	trap - EXIT INT TERM
	shift 4
	for pid in "$@"; do
		stop "$pid" "$secs"
	done
	if [ "$keep" -eq 1 ]; then
		say "scratch directory kept: $dir"
	else
		rm -rf "$dir"
	fi
	exit "$rc"
}

# free_port: a TCP port of 127.0.0.1 free at the moment ($PYTHON, or
# python3 from the PATH).
free_port() {
	"${PYTHON:-python3}" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# cpu_ticks PID [PID...]: user plus system time of the PIDs and of the
# first one's children, in clock ticks.
cpu_ticks() {
	local pid total=0 stat f
	for pid in "$@" $(pgrep -P "$1" || true); do
		read -r stat 2>/dev/null <"/proc/$pid/stat" || continue
		# Fields from the state on (the name may hold spaces):
		# utime and stime are proc(5)'s 14 and 15.
		read -r -a f <<<"${stat##*) }"
		total=$((total + f[11] + f[12]))
	done
	echo "$total"
}

# build_client NAME OUT: bench/NAME.c, a TLS client, with bench/benchtls.c
# into the program OUT, on the system's OpenSSL.
build_client() {
	# shellcheck disable=SC2046
	cc -O2 -Wall -D_GNU_SOURCE $(pkg-config --cflags openssl) -o "$2" \
	    "$bench_dir/$1.c" "$bench_dir/benchtls.c" \
	    $(pkg-config --libs openssl) -lpthread ||
		die "cannot build bench/$1.c"
}

# --- heraldd ------------------------------------------------------------------

# make_cert DIR ec|rsa: a self-signed certificate for 127.0.0.1,
# DIR/server.crt, with an ECDSA P-256 or an RSA-2048 key, DIR/server.key
# (0600, for heraldd's StrictModes).
make_cert() {
	local dir=$1
	local -a alg
	if [ "$2" = rsa ]; then
		alg=(-newkey rsa:2048)
	else
		alg=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
	fi
	openssl req -x509 "${alg[@]}" -nodes -days 2 -subj /CN=127.0.0.1 \
	    -addext subjectAltName=IP:127.0.0.1 \
	    -keyout "$dir/server.key" -out "$dir/server.crt" \
	    2>"$dir/openssl.log" ||
		die "openssl req failed: $(cat "$dir/openssl.log")"
	chmod 0600 "$dir/server.key"	# StrictModes
}

# herald_yaml DIR PORT LEVEL [CONNS [MORE]] <SECTIONS: DIR/herald.yaml,
# 0600, for a heraldd on 127.0.0.1:PORT with DIR/server.crt, its socket,
# chroot (DIR/empty, made here), database, pid file and audit key in DIR;
# then the
# script's own SECTIONS (mt5:, trading:, ...) from stdin; then the limits
# out of the way, since the benches measure the request path and not
# the throttles (the window is 1 s so that per_source and per_key allow
# a million requests a second), and log.level LEVEL.  CONNS (default
# 8192) is limits.connections and connections_per_source, with 8192
# descriptors more; MORE, lines of further limits ("  idle_timeout: 600").
# Dies if heraldd -n refuses it.
herald_yaml() {
	local dir=$1 conns=${4:-8192} more=${5:-}
	local files=$((conns + 8192))
	[ "$files" -le 65536 ] || files=65536
	mkdir -m 0755 "$dir/empty"
	{
		cat <<EOF
# Written by bench/$(basename "$0").
listen:
  - address: 127.0.0.1
    port: $2
tls:
  certificate: $dir/server.crt
  key: $dir/server.key
control:
  socket: $dir/heraldd.sock
  group: herald-admin
privsep:
  user: _herald
  chroot: $dir/empty
database: $dir/herald.db
pid_file: $dir/heraldd.pid
audit:
  key_file: $dir/audit.key
EOF
		cat
		cat <<EOF
limits:
  open_files: $files
  connections: $conns
  connections_per_source: $conns
${more:+$more
}rate_limit:
  window: 1
  per_source: 1000000
  per_key: 1000000
log:
  level: $3
EOF
	} >"$dir/herald.yaml"
	chmod 0600 "$dir/herald.yaml"
	"$HERALDD" -n -f "$dir/herald.yaml" >"$dir/check.log" 2>&1 ||
		die "heraldd -n refused the bench configuration: $(cat "$dir/check.log")"
}

# start_heraldd DIR [PREFIX...]: heraldd on DIR/herald.yaml in the
# background, logging to DIR/heraldd.log, run through the command PREFIX
# (taskset ...) if any; its pid is in $! afterwards.
start_heraldd() {
	local dir=$1
	shift
	"$@" "$HERALDD" -d -f "$dir/herald.yaml" </dev/null \
	    >"$dir/heraldd.log" 2>&1 &
}

# ctl DIR ARGS...: heraldctl ARGS on the socket in DIR.
ctl() { "$HERALDCTL" -s "$1/heraldd.sock" "${@:2}"; }

# broker_state DIR: what `heraldctl status` says of the broker
# ("connected", ...), or ? if heraldd does not answer.
broker_state() {
	local st
	st=$(ctl "$1" status 2>/dev/null) || { echo "?"; return 0; }
	sed -n 's/^broker  \([^ ]\)/\1/p' <<<"$st"
}

# wait_heraldd PID DIR [BROKER]: wait up to 15 s for the heraldd PID with
# its socket in DIR to run its net and broker processes and, if BROKER is
# given, for its broker to be in that state ("connected"); dies if
# heraldd exits meanwhile, false if it is not there in time.
wait_heraldd() {
	local pid=$1 dir=$2 want=${3:-} st
	for _ in $(seq 150); do
		kill -0 "$pid" 2>/dev/null ||
		    die "heraldd exited while starting: $(tail -n 20 "$dir/heraldd.log")"
		if st=$(ctl "$dir" status 2>/dev/null) &&
		    grep -Eq '^net +[0-9]+ +running' <<<"$st" &&
		    grep -Eq '^broker +[0-9]+ +running' <<<"$st" &&
		    { [ -z "$want" ] || [ "$(sed -n \
		    's/^broker  \([^ ]\)/\1/p' <<<"$st")" = "$want" ]; }; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# healthz URL FILE DIR: die unless the heraldd at URL (https://...), whose
# scratch directory is DIR, answers GET /healthz with a 200; the answer's
# body goes to FILE.
healthz() {
	local code
	code=$(curl -sk -o "$2" -w '%{http_code}' --max-time 5 "$1/healthz" ||
	    true)
	[ "$code" = 200 ] ||
		die "heraldd does not answer HTTPS on $1/healthz (status '$code'); log: $(tail -n 20 "$3/heraldd.log")"
}

# create_key DIR NAME ROLE: print a new API key NAME of ROLE, made by the
# heraldd with its socket in DIR (heraldctl key create).
create_key() {
	local key
	key=$(ctl "$1" key create "$2" --role "$3" 2>"$1/ctl.log") ||
		die "heraldctl key create failed: $(cat "$1/ctl.log")"
	case $key in hk_*) ;; *) die "heraldctl key create said '$key'" ;; esac
	echo "$key"
}

# --- nginx ----------------------------------------------------------------------

# heraldd's TLS 1.2 suites (privsep/tls.c), given to nginx as well.
CIPHERS12=ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:\
ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:\
ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305

# nginx_tls_server DIR PORT: the TLS lines of an nginx server block that
# serves as heraldd does: 127.0.0.1:PORT, DIR/server.crt and its key,
# TLS 1.2 and 1.3 with heraldd's 1.2 suites, heraldd's session policy.
nginx_tls_server() {
	printf '\t\t%s\n' \
	    "listen 127.0.0.1:$2 ssl;" \
	    "ssl_certificate $1/server.crt;" \
	    "ssl_certificate_key $1/server.key;" \
	    "ssl_protocols TLSv1.2 TLSv1.3;" \
	    "ssl_ciphers $CIPHERS12;" \
	    "ssl_prefer_server_ciphers on;" \
	    "# heraldd's policy: a server-side cache, no tickets." \
	    "ssl_session_cache shared:bench:4m;" \
	    "ssl_session_timeout 300s;" \
	    "ssl_session_tickets off;"
}

# start_nginx DIR URL [PREFIX...]: nginx (NGINX, the binary) on
# DIR/nginx/nginx.conf with DIR/nginx as its prefix, in the background,
# run through the command PREFIX (taskset ...) if any; its pid in
# $nginx_pid.  Waits up to 5 s for URL to answer 200 (the body goes to
# DIR/nginx.json) and dies if it does not, or if nginx exits.
start_nginx() {
	local dir=$1 url=$2 code=""
	shift 2
	"$@" "$NGINX" -p "$dir/nginx" -c "$dir/nginx/nginx.conf" </dev/null \
	    >"$dir/nginx/stderr.log" 2>&1 &
	nginx_pid=$!
	for _ in $(seq 50); do
		kill -0 "$nginx_pid" 2>/dev/null ||
		    die "nginx exited: $(cat "$dir/nginx/stderr.log" "$dir/nginx/error.log" 2>/dev/null)"
		code=$(curl -sk -o "$dir/nginx.json" -w '%{http_code}' \
		    --max-time 2 "$url" 2>/dev/null || true)
		[ "$code" = 200 ] && return 0
		sleep 0.1
	done
	die "nginx does not answer $url (status '$code')"
}

# --- report -------------------------------------------------------------------

# ratio A B: A / B with two decimals (0 if B is 0).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# verdict RATIO TARGET: "meets" if RATIO >= TARGET, else "BELOW".
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r + 0 >= t + 0 ? "meets" : "BELOW") }'; }
