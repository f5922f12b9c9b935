#!/bin/bash
# bench/tls_vs_nginx.sh: heraldd against nginx over TLS, side by side.
#
# Both servers get the same certificate, the same TLS versions and TLS 1.2
# suites, the same session policy (a server-side cache, no tickets) and
# one CPU; the clients run on the others.  nginx (one worker) serves a
# static JSON file of exactly the size of heraldd's /v1/status answer, at
# the same path, so the two answer the same request with as many bytes.
#
#   keep-alive        wrk, BENCH_CONNECTIONS connections kept open, every
#                     request authenticated with an API key (heraldd asks
#                     its monitor for each one)
#   full handshake    bench/tls_handshake.c: a new connection and a full
#                     TLS handshake for every request, so every request
#                     costs heraldd one signature by its monitor
#   healthz           wrk on GET /healthz, keep-alive, no key: heraldd's
#                     net process alone, without the monitor (information)
#   reconnect         wrk -H 'Connection: close': a new connection per
#                     request on which wrk offers the previous TLS
#                     session; a server that resumes it makes no
#                     signature (for information)
#
# It prints requests/s, the heraldd/nginx ratio against the targets of
# issue 12 (keep-alive >= 0.6, stretch 0.8; handshakes >= 0.95 with
# P-256, >= 0.9 with RSA-2048), the latency percentiles and the server
# CPU time per request.  See bench/README.md.
#
# usage: bench/tls_vs_nginx.sh [-2] [-k] [-r]		(as root)
#	-2	full handshakes in TLS 1.2 (default: TLS 1.3)
#	-k	keep the scratch directory (logs, configurations)
#	-r	an RSA-2048 certificate instead of ECDSA P-256
# environment:
#	HERALDD, HERALDCTL	the binaries (default build/heraldd, build/heraldctl)
#	BENCH_SECONDS		length of each run (default 10)
#	BENCH_CONNECTIONS	wrk connections (default 32)
#	BENCH_THREADS		wrk threads (default 1)
#	BENCH_HS_CONNECTIONS	handshakes in flight at once (default 16)
#	BENCH_PIN		1: servers on the last CPU, clients on the
#				others; 0: no pinning (default 1 with 2+ CPUs)
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
BENCH_SECONDS=${BENCH_SECONDS:-10}
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-32}
BENCH_THREADS=${BENCH_THREADS:-1}
BENCH_HS_CONNECTIONS=${BENCH_HS_CONNECTIONS:-16}
BENCH_PIN=${BENCH_PIN:-}

KEEPALIVE_TARGET=0.60		# issue 12; its stretch: 0.80
HANDSHAKE_TARGET=0.95		# issue 12, P-256; RSA-2048 below

rsa=0 keep=0 tls12=0
while getopts 2kr opt; do
	case $opt in
	2) tls12=1 ;;
	k) keep=1 ;;
	r) rsa=1 ;;
	*) usage_help "$0" ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { echo "usage: $0 [-2] [-k] [-r]" >&2; exit 2; }

whole BENCH_SECONDS "$BENCH_SECONDS"

# --- what it needs -----------------------------------------------------------

need_root
missing=""
need nginx nginx-light
need wrk wrk
need openssl openssl
need curl curl
need python3 python3
need cc build-essential
need pkg-config pkg-config
need taskset util-linux
need_pc openssl libssl-dev
need_done "$missing"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

for b in "$HERALDD" "$HERALDCTL"; do
	[ -x "$b" ] || die "$b: not found or not executable (make all, or set HERALDD and HERALDCTL)"
done
HERALDD=$(abs_path "$HERALDD")
HERALDCTL=$(abs_path "$HERALDCTL")
herald_accounts

# --- scratch directory and clean-up -------------------------------------------

# Under /tmp (sticky, root's): heraldd accepts a chroot there.  0755 so
# that nginx's worker can read the JSON file.
tmp=$(scratch_dir /tmp herald-bench)
heraldd_pid="" nginx_pid=""

# Kept with -k and on any failure.
cleanup() {
	local rc=$?
	[ "$rc" -eq 0 ] || keep=1
	finish "$rc" "$tmp" "$keep" 5 "$heraldd_pid" "$nginx_pid"
}
on_exit cleanup

# --- CPUs ---------------------------------------------------------------------

ncpu=$(nproc)
[ -n "$BENCH_PIN" ] || { [ "$ncpu" -ge 2 ] && BENCH_PIN=1 || BENCH_PIN=0; }
# Command prefixes, not functions: a function run with & is a subshell,
# and $! would be its pid instead of the server's.
on_server=() on_client=()
if [ "$BENCH_PIN" = 1 ] && [ "$ncpu" -ge 2 ]; then
	on_server=(taskset -c $((ncpu - 1)))
	on_client=(taskset -c 0-$((ncpu - 2)))
	pinning="servers on CPU $((ncpu - 1)), clients on CPU 0-$((ncpu - 2))"
else
	pinning="no CPU pinning ($ncpu CPUs)"
fi

# --- certificate ----------------------------------------------------------------

umask 022
if [ "$rsa" -eq 1 ]; then
	keyalg="RSA-2048"
	HANDSHAKE_TARGET=0.90
	make_cert "$tmp" rsa
else
	keyalg="ECDSA P-256"
	make_cert "$tmp" ec
fi

# --- heraldd ------------------------------------------------------------------

hport=$(free_port)
herald_yaml "$tmp" "$hport" error <<EOF
mt5:
  backend: paper
EOF

start_heraldd "$tmp" "${on_server[@]}"
heraldd_pid=$!
wait_heraldd "$heraldd_pid" "$tmp" ||
	die "heraldd not ready after 15 s: $(tail -n 20 "$tmp/heraldd.log")"

hurl=https://127.0.0.1:$hport
healthz "$hurl" "$tmp/healthz.json" "$tmp"

key=$(create_key "$tmp" bench viewer) || exit 1
auth="Authorization: Bearer $key"

code=$(curl -sk -o "$tmp/status.json" -w '%{http_code}' --max-time 5 \
    -H "$auth" "$hurl/v1/status" || true)
[ "$code" = 200 ] ||
	die "GET /v1/status with the bench key: status '$code': $(cat "$tmp/status.json" 2>/dev/null)"
size=$(wc -c <"$tmp/status.json")

# --- nginx ----------------------------------------------------------------------

nport=$(free_port)
mkdir -m 0755 "$tmp/www" "$tmp/nginx"
cp "$tmp/status.json" "$tmp/healthz.json" "$tmp/www/"	# the same bytes
chmod 0644 "$tmp/www/status.json" "$tmp/www/healthz.json"
cat >"$tmp/nginx/nginx.conf" <<EOF
# Written by bench/tls_vs_nginx.sh.
worker_processes 1;
master_process on;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log error;
events {
	worker_connections 16384;
}
http {
	access_log off;
	client_body_temp_path $tmp/nginx/body;
	proxy_temp_path $tmp/nginx/proxy;
	fastcgi_temp_path $tmp/nginx/fastcgi;
	uwsgi_temp_path $tmp/nginx/uwsgi;
	scgi_temp_path $tmp/nginx/scgi;
	keepalive_requests 1000000;
	keepalive_timeout 60s;
	server_tokens off;
	open_file_cache max=16;
	server {
$(nginx_tls_server "$tmp" "$nport")
		location = /v1/status {
			alias $tmp/www/status.json;
			default_type application/json;
			add_header Cache-Control no-store;
		}
		location = /healthz {
			alias $tmp/www/healthz.json;
			default_type application/json;
			add_header Cache-Control no-store;
		}
	}
}
EOF
nurl=https://127.0.0.1:$nport
start_nginx "$tmp" "$nurl/v1/status" "${on_server[@]}"
cmp -s "$tmp/nginx.json" "$tmp/status.json" || die "nginx's JSON differs from heraldd's"

# --- the handshake client -----------------------------------------------------

hs=$tmp/tls_handshake
build_client tls_handshake "$hs"

# --- runs -------------------------------------------------------------------------

# Each run leaves: rps, lat (the percentiles, one line), cpu (server
# microseconds per request), note (errors).
hz=$(getconf CLK_TCK)

account() {	# ticks before, ticks after, requests
	if [ "$3" -gt 0 ] 2>/dev/null; then
		cpu=$(awk -v t=$(($2 - $1)) -v hz="$hz" -v n="$3" \
		    'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
	else
		cpu="-"
	fi
}

run_wrk() {	# server pid, output file, wrk arguments...
	local pid=$1 out=$2 t0 t1 n
	shift 2
	t0=$(cpu_ticks "$pid")
	"${on_client[@]}" wrk -t"$BENCH_THREADS" -c"$BENCH_CONNECTIONS" \
	    -d"${BENCH_SECONDS}s" --latency "$@" >"$out" 2>&1 ||
		die "wrk failed: $(cat "$out")"
	t1=$(cpu_ticks "$pid")
	rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
	n=$(awk '/requests in/ { print $1 }' "$out")
	lat=$(awk '/Latency Distribution/ { on = 1; next }
	    on && /%/ { printf "p%s %s  ", $1, $2; if ($1 == "99%") exit }' \
	    "$out" | sed 's/%//g')
	note=$(grep -E 'Non-2xx|Socket errors' "$out" | tr '\n' ' ' || true)
	account "$t0" "$t1" "${n:-0}"
	[ -n "$rps" ] || die "no Requests/sec in wrk's output: $(cat "$out")"
}

run_hs() {	# server pid, output file, tls_handshake arguments...
	local pid=$1 out=$2 t0 t1 line f
	shift 2
	t0=$(cpu_ticks "$pid")
	"${on_client[@]}" "$hs" -c "$BENCH_HS_CONNECTIONS" -d "$BENCH_SECONDS" "$@" \
	    >"$out" 2>&1 || true
	t1=$(cpu_ticks "$pid")
	line=$(grep '^requests ' "$out") || die "tls_handshake: $(cat "$out")"
	# requests N errors N resumed N seconds S rps R p50 X p75 X ...
	read -r -a f <<<"$line"
	rps=${f[9]}
	lat="p50 ${f[11]}ms  p75 ${f[13]}ms  p90 ${f[15]}ms  p99 ${f[17]}ms"
	note=""
	[ "${f[3]}" = 0 ] ||
		note="${f[3]} errors ($(grep -o 'first: .*' "$out" || true)) "
	[ "${f[5]}" = 0 ] || note="$note${f[5]} resumed handshakes "
	account "$t0" "$t1" "${f[1]}"
}

declare -A R L C N
one() {	# test name, client, path, then the client's arguments
	local test=$1 kind=$2 path=$3 srv url pid
	shift 3
	for srv in heraldd nginx; do
		if [ "$srv" = heraldd ]; then
			url=$hurl$path pid=$heraldd_pid
		else
			url=$nurl$path pid=$nginx_pid
		fi
		say "$test: $srv (${BENCH_SECONDS}s)"
		"run_$kind" "$pid" "$tmp/$test.$srv.out" "$@" "$url"
		R[$test.$srv]=$rps L[$test.$srv]=$lat C[$test.$srv]=$cpu
		N[$test.$srv]=$note
	done
}

hsflags=()
[ "$tls12" -eq 1 ] && hsflags+=(-2)

# A second of each first, so that neither pays for its cold start.
for url in "$hurl" "$nurl"; do
	"${on_client[@]}" wrk -t1 -c4 -d1s -H "$auth" "$url/v1/status" \
	    >/dev/null 2>&1 || true
done

one keepalive wrk /v1/status -H "$auth"
one healthz wrk /healthz
one handshake hs /v1/status "${hsflags[@]}" -H "$auth"
one reconnect wrk /v1/status -H "$auth" -H 'Connection: close'

# --- report -------------------------------------------------------------------------

echo
echo "heraldd ($HERALDD) vs $("$NGINX" -v 2>&1 | sed 's/.*: //')"
echo "$keyalg certificate; /v1/status answer of $size bytes; $pinning"
hsver="TLS 1.3"
[ "$tls12" -eq 0 ] || hsver="TLS 1.2"
echo "wrk -t$BENCH_THREADS -c$BENCH_CONNECTIONS;" \
    "$BENCH_HS_CONNECTIONS handshakes in flight ($hsver); ${BENCH_SECONDS}s each"
echo
printf '%-16s %13s %13s %7s  %s\n' test "heraldd req/s" "nginx req/s" ratio target
for test in keepalive healthz handshake reconnect; do
	r=$(ratio "${R[$test.heraldd]}" "${R[$test.nginx]}")
	case $test in
	keepalive) tgt=">= $KEEPALIVE_TARGET $(verdict "$r" "$KEEPALIVE_TARGET")" ;;
	handshake) tgt=">= $HANDSHAKE_TARGET $(verdict "$r" "$HANDSHAKE_TARGET")" ;;
	healthz) tgt="(information: keep-alive, no key, net alone)" ;;
	*) tgt="(information: wrk resumes TLS sessions)" ;;
	esac
	printf '%-16s %13s %13s %7s  %s\n' "$test" "${R[$test.heraldd]}" \
	    "${R[$test.nginx]}" "$r" "$tgt"
done
echo
echo "latency (ms, from wrk --latency or tls_handshake) and server CPU per request:"
for test in keepalive healthz handshake reconnect; do
	for srv in heraldd nginx; do
		printf '  %-10s %-8s %s cpu %sus/req\n' "$test" "$srv" \
		    "${L[$test.$srv]}" "${C[$test.$srv]}"
		[ -z "${N[$test.$srv]}" ] ||
			printf '  %-10s %-8s !! %s\n' "$test" "$srv" "${N[$test.$srv]}"
	done
done
