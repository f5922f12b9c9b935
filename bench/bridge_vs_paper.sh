#!/bin/bash
# bench/bridge_vs_paper.sh: orders per second and latency through heraldd
# over the MT5 bridge (mt5.backend: bridge, with herald-mt5sim, the
# HeraldBridge EA's own source on a simulated terminal) against the
# paper backend, in one run, with the same load client and the same
# configuration otherwise.
#
#   paper     heraldd with mt5.backend paper (netting)
#   bridge    heraldd with mt5.backend bridge on 127.0.0.1 and
#             herald-mt5sim --netting connected to it: every order is
#             journaled, tagged by the monitor, sent as ORDER_SEND to
#             the EA, executed on the simulated trade server, journaled
#             by the EA, answered, and the terminal's lists read again
#
# The load is bench/orders_load.c: BENCH_CONNECTIONS keep-alive TLS
# connections, half of them buying and half selling EURUSD 0.01 with a
# new client_order_id every time, so that the netting position stays
# small and no order runs out of margin.  It prints both rates, their
# latency percentiles, and the ratios bridge / paper.  See
# bench/README.md.
#
# usage: bench/bridge_vs_paper.sh [-k]		(as root)
#	-k	keep the scratch directory (logs, configurations, databases)
# environment:
#	BUILD			build directory (default build); the script
#				runs `make BUILD=$BUILD all` first
#	BENCH_MAKE		0: do not run make
#	HERALDD, HERALDCTL	the binaries (default $BUILD/heraldd, ...)
#	HERALD_MT5SIM		the simulator (default $BUILD/herald-mt5sim)
#	BENCH_SECONDS		length of each measurement (default 10)
#	BENCH_WARMUP		seconds of load before it is measured
#				(default 1)
#	BENCH_CONNECTIONS	connections of the load client, even
#				(default 8)
#	BENCH_DIR		where the scratch directory goes (default
#				/var/tmp)
#	BENCH_LOG_LEVEL		heraldd's log.level (default error)
#
# It installs nothing: missing tools are named with the Debian packages
# that hold them.  It starts its own heraldd processes and simulator on
# free ports and stops them, and removes the scratch directory, however
# it exits.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

heraldd_build_paths
HERALD_MT5SIM=${HERALD_MT5SIM:-$builddir/herald-mt5sim}
BENCH_SECONDS=${BENCH_SECONDS:-10}
BENCH_WARMUP=${BENCH_WARMUP:-1}
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-8}
BENCH_DIR=${BENCH_DIR:-/var/tmp}
BENCH_LOG_LEVEL=${BENCH_LOG_LEVEL:-error}
PYTHON=/usr/bin/python3
LOGIN=12345678
SERVER=Bench-Bridge

keep_flag_only "$@"

whole BENCH_SECONDS "$BENCH_SECONDS"
whole BENCH_CONNECTIONS "$BENCH_CONNECTIONS"
case $BENCH_WARMUP in ''|*[!0-9]*) die "BENCH_WARMUP: whole seconds, not '$BENCH_WARMUP'" ;; esac
[ $((BENCH_CONNECTIONS % 2)) -eq 0 ] ||
	die "BENCH_CONNECTIONS: an even number (half buy, half sell)"

# --- what it needs -----------------------------------------------------------

need_root
missing=""
need make build-essential
need cc build-essential
need pkg-config pkg-config
need openssl openssl
need curl curl
[ -x "$PYTHON" ] || missing="$missing python3"
need_pc openssl libssl-dev
need_done "$missing"

if [ "$BENCH_MAKE" != 0 ]; then
	say "make BUILD=$BUILD all"
	make -C "$repo" BUILD="$BUILD" all >&2 || die "make BUILD=$BUILD all failed"
fi
for b in "$HERALDD" "$HERALDCTL" "$HERALD_MT5SIM"; do
	[ -x "$b" ] || die "$b: not found (make BUILD=$BUILD all, or set HERALDD, HERALDCTL and HERALD_MT5SIM)"
done
HERALDD=$(abs_path "$HERALDD")
HERALDCTL=$(abs_path "$HERALDCTL")
HERALD_MT5SIM=$(abs_path "$HERALD_MT5SIM")
herald_accounts

# --- scratch directory and clean-up -------------------------------------------

[ -d "$BENCH_DIR" ] || die "BENCH_DIR $BENCH_DIR: no such directory"
tmp=$(scratch_dir "$BENCH_DIR" herald-bridge)
heraldd_pid="" sim_pid="" buy_pid="" sell_pid=""

cleanup() {
	local rc=$?
	case $rc in 0|130|143) ;; *) keep=1 ;; esac
	finish "$rc" "$tmp" "$keep" 10 "$buy_pid" "$sell_pid" "$sim_pid" \
	    "$heraldd_pid"
}
on_exit cleanup

build_client orders_load "$tmp/orders_load"

# --- one backend under load ----------------------------------------------------

# The risk rules run on every order, their limits out of the way.
trading='trading:
  max_open_positions: 10000
  max_positions_per_symbol: 10000
  orders_per_minute: 100000
  max_daily_loss: 0'

# run NAME: heraldd in $tmp/NAME with the backend NAME (paper or bridge,
# the simulator beside it), the load for BENCH_SECONDS, then both
# stopped; the load's output in $tmp/NAME/buy.out and sell.out.
run() {
	local name=$1 dir=$tmp/$1 port bport key half=$((BENCH_CONNECTIONS / 2))
	mkdir -m 0755 "$dir"
	make_cert "$dir" ec
	port=$(free_port)
	bport=$(free_port)
	if [ "$name" = bridge ]; then
		umask 077
		head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/bridge.key"
		echo >>"$dir/bridge.key"
		umask 022
		herald_yaml "$dir" "$port" "$BENCH_LOG_LEVEL" <<EOF
mt5:
  backend: bridge
  login: $LOGIN
  server: $SERVER
  bridge:
    address: 127.0.0.1
    port: $bport
    key_file: $dir/bridge.key
$trading
EOF
	else
		herald_yaml "$dir" "$port" "$BENCH_LOG_LEVEL" <<EOF
mt5:
  backend: paper
  paper:
    balance: 10000
    margin_mode: netting
$trading
EOF
	fi
	start_heraldd "$dir"
	heraldd_pid=$!
	if [ "$name" = bridge ]; then
		wait_heraldd "$heraldd_pid" "$dir" ||
			die "heraldd did not start: $(tail -n 20 "$dir/heraldd.log")"
		mkdir -m 0700 "$dir/mt5-files"
		"$HERALD_MT5SIM" --connect "127.0.0.1:$bport" \
		    --key-file "$dir/bridge.key" --login "$LOGIN" \
		    --server "$SERVER" --files "$dir/mt5-files" --netting \
		    </dev/null >"$dir/mt5sim.log" 2>&1 &
		sim_pid=$!
	fi
	wait_heraldd "$heraldd_pid" "$dir" connected ||
		die "the $name backend is not connected after 15 s (broker: $(broker_state "$dir")): $(tail -n 20 "$dir/heraldd.log")"
	healthz "https://127.0.0.1:$port" /dev/null "$dir"
	key=$(create_key "$dir" bench trader)
	say "$name: $BENCH_CONNECTIONS connections, ${BENCH_WARMUP}s warm-up, ${BENCH_SECONDS}s measured"
	"$tmp/orders_load" -c "$half" -w "$BENCH_WARMUP" -d "$BENCH_SECONDS" \
	    -k "$key" -p "$name-b-$$" -S BUY "https://127.0.0.1:$port/trade" \
	    >"$dir/buy.out" 2>"$dir/buy.err" &
	buy_pid=$!
	"$tmp/orders_load" -c "$half" -w "$BENCH_WARMUP" -d "$BENCH_SECONDS" \
	    -k "$key" -p "$name-s-$$" -S SELL "https://127.0.0.1:$port/trade" \
	    >"$dir/sell.out" 2>"$dir/sell.err" &
	sell_pid=$!
	wait "$buy_pid" || true
	wait "$sell_pid" || true
	buy_pid="" sell_pid=""
	for side in buy sell; do
		grep -q '^ok ' "$dir/$side.out" ||
			die "orders_load ($name, $side): $(cat "$dir/$side.out" "$dir/$side.err")"
	done
	kill -0 "$heraldd_pid" 2>/dev/null ||
		die "heraldd ($name) died under load: $(tail -n 20 "$dir/heraldd.log")"
	stop "$sim_pid" 10
	stop "$heraldd_pid" 10
	sim_pid="" heraldd_pid=""
}

# field NAME WORD SIDE: the value after WORD on the "ok" line of SIDE's
# output of run NAME.
field() {
	awk -v w="$2" '$1 == "ok" { for (i = 2; i < NF; i++) if ($i == w) print $(i + 1) }' \
	    "$tmp/$1/$3.out"
}

# rate NAME: orders answered 200 per second, both sides.
rate() { awk -v a="$(field "$1" rate buy)" -v b="$(field "$1" rate sell)" \
    'BEGIN { printf "%.1f", a + b }'; }

# p99 NAME: the worse of the two sides' 99th percentiles (ms).
p99() { awk -v a="$(field "$1" p99 buy)" -v b="$(field "$1" p99 sell)" \
    'BEGIN { printf "%.2f", (a + 0 > b + 0 ? a : b) }'; }
p50() { awk -v a="$(field "$1" p50 buy)" -v b="$(field "$1" p50 sell)" \
    'BEGIN { printf "%.2f", (a + 0 > b + 0 ? a : b) }'; }

# others NAME: answers that are not 200 with retcode 10009, both sides.
others() {
	cat "$tmp/$1/buy.out" "$tmp/$1/sell.out" |
	    awk '$1 == "class" && !($2 == 200 && $3 == "retcode=10009") { n += $4 } END { print n + 0 }'
}

up=$(uptime)
run paper
run bridge

pr=$(rate paper) br=$(rate bridge)
echo
echo "heraldd ($HERALDD): the bridge (herald-mt5sim $HERALD_MT5SIM, netting) against the paper backend (netting)"
echo "load: $BENCH_CONNECTIONS keep-alive connections (half BUY, half SELL EURUSD 0.01), a new client_order_id each; ${BENCH_SECONDS}s after ${BENCH_WARMUP}s warm-up"
echo "uptime before: $up"
echo
printf '%-10s %12s   %s\n' "" "orders/s" "latency (ms, the worse side)"
printf '%-10s %12s   p50 %s  p99 %s\n' paper "$pr" "$(p50 paper)" "$(p99 paper)"
printf '%-10s %12s   p50 %s  p99 %s\n' bridge "$br" "$(p50 bridge)" "$(p99 bridge)"
echo
echo "ratio bridge / paper: orders/s $(ratio "$br" "$pr"), p99 $(ratio "$(p99 bridge)" "$(p99 paper)")"
echo "uptime after: $(uptime)"
for n in paper bridge; do
	o=$(others "$n")
	[ "$o" -eq 0 ] || echo "!! $n: $o answers other than 200 with retcode 10009:" \
	    "$(grep -h '^class ' "$tmp/$n/buy.out" "$tmp/$n/sell.out" | cut -c 1-160 | tr '\n' ' ')"
done
