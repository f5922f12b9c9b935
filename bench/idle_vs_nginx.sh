#!/bin/bash
# bench/idle_vs_nginx.sh: the memory of an idle TLS connection in heraldd's
# net process against an nginx worker's, in one run.
#
# Both servers get the same certificate (ECDSA P-256), TLS versions,
# TLS 1.2 suites and session policy (a server-side cache, no tickets),
# and their idle limits out of the way.  bench/idle_conns.c opens
# BENCH_IDLE connections to each, one after another: a full handshake,
# then one keep-alive GET /healthz whose answer it reads (nginx serves a
# copy of heraldd's answer), and holds them all open.  The growth of the
# server's resident memory (VmRSS of net, or of nginx's worker) divided
# by the connections is the memory of one idle connection.
#
# It prints KiB per connection for both, the heraldd/nginx ratio against
# the target (<= 1.00), and that every connection was still open when
# measured: BENCH_IDLE (10000) is also the proof that heraldd holds that
# many within limits.connections and limits.open_files.  See
# bench/README.md.
#
# usage: bench/idle_vs_nginx.sh [-c] [-k] [-n]		(as root)
#	-c	census: what each server's heap gained per connection, by
#		allocation size (bench/heap_census.py)
#	-k	keep the scratch directory (logs, configurations)
#	-n	no request on the connections: idle right after the handshake
#		(limits.header_timeout and nginx's client_header_timeout
#		raised to let them stay)
# environment:
#	HERALDD, HERALDCTL	the binaries (default build/heraldd, build/heraldctl)
#	BENCH_IDLE		connections held open on each server (10000)
#	BENCH_SETTLE		seconds between the last connection and the
#				reading of RSS (default 2)
#
# It installs nothing: missing tools are named with the Debian packages
# that hold them.  It starts its own heraldd and nginx on free ports under
# a scratch directory and stops both on exit.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

repo=$(cd "$(dirname "$0")/.." && pwd)
HERALDD=${HERALDD:-$repo/build/heraldd}
HERALDCTL=${HERALDCTL:-$repo/build/heraldctl}
BENCH_IDLE=${BENCH_IDLE:-10000}
BENCH_SETTLE=${BENCH_SETTLE:-2}

TARGET=1.00

census=0 keep=0 norequest=0
while getopts ckn opt; do
	case $opt in
	c) census=1 ;;
	k) keep=1 ;;
	n) norequest=1 ;;
	*) usage_help "$0" ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { echo "usage: $0 [-c] [-k] [-n]" >&2; exit 2; }

whole BENCH_IDLE "$BENCH_IDLE"
whole BENCH_SETTLE "$BENCH_SETTLE"
[ "$BENCH_IDLE" -le 60000 ] ||
	die "BENCH_IDLE: at most 60000 (limits.open_files is at most 65536)"

# --- what it needs -----------------------------------------------------------

need_root
missing=""
need nginx nginx-light
need openssl openssl
need curl curl
need python3 python3
need cc build-essential
need pkg-config pkg-config
need_pc openssl libssl-dev
need_done "$missing"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

for b in "$HERALDD" "$HERALDCTL"; do
	[ -x "$b" ] || die "$b: not found or not executable (make all, or set HERALDD and HERALDCTL)"
done
HERALDD=$(abs_path "$HERALDD")
HERALDCTL=$(abs_path "$HERALDCTL")
herald_accounts

# The client holds BENCH_IDLE descriptors, each server as many.
ulimit -n $((BENCH_IDLE + 1024)) 2>/dev/null ||
	die "cannot raise the open files limit to $((BENCH_IDLE + 1024))"

# --- scratch directory and clean-up -------------------------------------------

tmp=$(scratch_dir /tmp herald-idle)
heraldd_pid="" nginx_pid="" client_pid=""

cleanup() {
	local rc=$?
	[ "$rc" -eq 0 ] || keep=1
	exec 3>&- 2>/dev/null || true
	finish "$rc" "$tmp" "$keep" 5 "$client_pid" "$heraldd_pid" "$nginx_pid"
}
on_exit cleanup

umask 022
make_cert "$tmp" ec
idle=$tmp/idle_conns
build_client idle_conns "$idle"

# --- heraldd ------------------------------------------------------------------

# Idle connections may stay an hour, and BENCH_IDLE of them fit.
more="  idle_timeout: 3600"
[ "$norequest" -eq 0 ] || more="$more
  header_timeout: 3600"
hport=$(free_port)
herald_yaml "$tmp" "$hport" error $((BENCH_IDLE + 64)) "$more" <<EOF
mt5:
  backend: paper
EOF
start_heraldd "$tmp"
heraldd_pid=$!
wait_heraldd "$heraldd_pid" "$tmp" ||
	die "heraldd not ready after 15 s: $(tail -n 20 "$tmp/heraldd.log")"
hurl=https://127.0.0.1:$hport
healthz "$hurl" "$tmp/healthz.json" "$tmp"
net_pid=$(ctl "$tmp" status | awk '$1 == "net" { print $2 }')
[ -n "$net_pid" ] || die "no net process in heraldctl status"

# --- nginx ----------------------------------------------------------------------

nport=$(free_port)
mkdir -m 0755 "$tmp/www" "$tmp/nginx"
cp "$tmp/healthz.json" "$tmp/www/"	# the same bytes
chmod 0644 "$tmp/www/healthz.json"
cat >"$tmp/nginx/nginx.conf" <<EOF
# Written by bench/idle_vs_nginx.sh.
worker_processes 1;
worker_rlimit_nofile $((BENCH_IDLE + 1024));
master_process on;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log error;
# Twice the connections: with fewer than 1/16 of them free, nginx closes
# its idle keep-alive connections to make room.
events {
	worker_connections $((2 * BENCH_IDLE + 64));
}
http {
	access_log off;
	client_body_temp_path $tmp/nginx/body;
	proxy_temp_path $tmp/nginx/proxy;
	fastcgi_temp_path $tmp/nginx/fastcgi;
	uwsgi_temp_path $tmp/nginx/uwsgi;
	scgi_temp_path $tmp/nginx/scgi;
	keepalive_requests 1000000;
	keepalive_timeout 3600s;
	client_header_timeout 3600s;
	server_tokens off;
	server {
$(nginx_tls_server "$tmp" "$nport")
		location = /healthz {
			alias $tmp/www/healthz.json;
			default_type application/json;
			add_header Cache-Control no-store;
		}
	}
}
EOF
nurl=https://127.0.0.1:$nport
start_nginx "$tmp" "$nurl/healthz"
worker_pid=$(pgrep -P "$nginx_pid" | head -n 1)
[ -n "$worker_pid" ] || die "no nginx worker process"

# --- runs -------------------------------------------------------------------------

census_py=$(dirname "$0")/heap_census.py

# rss PID: VmRSS of PID in KiB.
rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }

# hold NAME URL PID: BENCH_IDLE idle connections to URL held open while
# the RSS of PID is read; leaves kib (per connection), before, after
# (KiB), opened, alive, secs.
hold() {
	local name=$1 url=$2 pid=$3 out=$tmp/$1.out line
	local -a flags=(-c "$BENCH_IDLE")
	[ "$norequest" -eq 0 ] || flags+=(-n)
	rm -f "$tmp/hold"
	mkfifo "$tmp/hold"
	before=$(rss "$pid")
	[ "$census" -eq 0 ] || "$census_py" snap "$pid" >"$tmp/$name.heap0"
	say "$name: opening $BENCH_IDLE connections"
	"$idle" "${flags[@]}" "$url/healthz" <"$tmp/hold" >"$out" 2>&1 &
	client_pid=$!
	exec 3>"$tmp/hold"
	while ! line=$(grep '^open ' "$out"); do
		kill -0 "$client_pid" 2>/dev/null ||
			die "idle_conns exited: $(cat "$out")"
		sleep 0.5
	done
	sleep "$BENCH_SETTLE"
	after=$(rss "$pid")
	[ "$census" -eq 0 ] || "$census_py" snap "$pid" >"$tmp/$name.heap1"
	echo >&3
	exec 3>&-
	wait "$client_pid" || true
	client_pid=""
	# open N errors N seconds S
	read -r _ opened _ _ _ secs <<<"$line"
	alive=$(awk '/^alive / { print $2 }' "$out")
	kib=$(awk -v a="$after" -v b="$before" -v n="$opened" \
	    'BEGIN { printf "%.1f", (n > 0 ? (a - b) / n : 0) }')
	[ "$opened" = "$BENCH_IDLE" ] ||
		say "!! $name: only $opened of $BENCH_IDLE opened: $(grep 'first error' "$out" || true)"
	[ "${alive:-0}" = "$opened" ] ||
		say "!! $name: ${alive:-0} of $opened still open when measured"
}

hold heraldd "$hurl" "$net_pid"
h_kib=$kib h_before=$before h_after=$after h_open=$opened h_alive=$alive h_secs=$secs
mon_rss=$(rss "$heraldd_pid")
hold nginx "$nurl" "$worker_pid"
n_kib=$kib n_before=$before n_after=$after n_open=$opened n_alive=$alive n_secs=$secs

# --- report -------------------------------------------------------------------------

r=$(ratio "$h_kib" "$n_kib")
v=$(awk -v r="$r" -v t="$TARGET" 'BEGIN { print (r + 0 <= t + 0 ? "meets" : "ABOVE") }')
state="after one keep-alive request each"
[ "$norequest" -eq 0 ] || state="right after the handshake, no request"
echo
echo "heraldd ($HERALDD) vs $("$NGINX" -v 2>&1 | sed 's/.*: //')"
echo "$BENCH_IDLE idle TLS connections (ECDSA P-256), $state; $(uptime)"
echo
printf '%-8s %12s %12s %12s %8s %8s %8s\n' server "KiB/conn" \
    "RSS before" "RSS after" opened alive "open s"
printf '%-8s %12s %12s %12s %8s %8s %8s\n' heraldd "$h_kib" "$h_before" \
    "$h_after" "$h_open" "$h_alive" "$h_secs"
printf '%-8s %12s %12s %12s %8s %8s %8s\n' nginx "$n_kib" "$n_before" \
    "$n_after" "$n_open" "$n_alive" "$n_secs"
echo
echo "ratio heraldd/nginx KiB per idle connection: $r (target <= $TARGET: $v)"
echo "(heraldd: net's VmRSS; its monitor's is $mon_rss KiB and does not" \
    "grow with connections; nginx: its worker's)"
if [ "$census" -eq 1 ]; then
	echo
	echo "heap census: what each heap gained per connection, by glibc chunk size"
	"$census_py" diff "$BENCH_IDLE" \
	    "heraldd=$tmp/heraldd.heap0,$tmp/heraldd.heap1" \
	    "nginx=$tmp/nginx.heap0,$tmp/nginx.heap1"
fi
