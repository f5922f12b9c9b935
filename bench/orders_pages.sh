#!/bin/bash
# bench/orders_pages.sh: what each durable order makes heraldd's monitor
# write: the database pages of each table and index an order's commits
# touch, the commits per order, and the bytes the monitor writes per
# order under a paced load.  Load-insensitive: counts, not times.
#
#   alone   BENCH_ALONE orders, one at a time (one connection, 10 a
#           second), after the WAL was emptied: every frame the WAL
#           then holds is theirs, by the b-tree it belongs to
#           (bench/wal_pages.py, SQLite's dbstat)
#           and the broker's messages to the monitor per order (perf
#           stat counts its sendmsg(2) calls)
#   paced   BENCH_RATE orders a second on BENCH_CONNECTIONS connections
#           for BENCH_SECONDS: the monitor's write_bytes (proc(5)) per
#           order, checkpoints included
#
# Both after BENCH_WARMUP seconds of closed-loop orders, so that the
# tables are not empty.  See bench/README.md.
#
# usage: bench/orders_pages.sh [-k]		(as root)
#	-k	keep the scratch directory (logs, configuration, database)
# environment: BUILD, BENCH_MAKE, HERALDD, HERALDCTL, BENCH_DIR as for
# orders_vs_sqlite.sh; BENCH_ALONE (default 20), BENCH_WARMUP (3),
# BENCH_SECONDS (5), BENCH_RATE (1000), BENCH_CONNECTIONS (16).
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

heraldd_build_paths
BENCH_DIR=${BENCH_DIR:-/var/tmp}
BENCH_ALONE=${BENCH_ALONE:-20}
BENCH_WARMUP=${BENCH_WARMUP:-3}
BENCH_SECONDS=${BENCH_SECONDS:-5}
BENCH_RATE=${BENCH_RATE:-1000}
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-16}
PYTHON=/usr/bin/python3

keep_flag_only "$@"
whole BENCH_ALONE "$BENCH_ALONE"
whole BENCH_WARMUP "$BENCH_WARMUP"
whole BENCH_SECONDS "$BENCH_SECONDS"
whole BENCH_RATE "$BENCH_RATE"
whole BENCH_CONNECTIONS "$BENCH_CONNECTIONS"
# One order alone every 100 ms: at most 10 a second over the run.
[ "$BENCH_ALONE" -le 100 ] || die "BENCH_ALONE: at most 100, not $BENCH_ALONE"

need_root
missing=""
need make build-essential
need cc build-essential
need pkg-config pkg-config
need openssl openssl
need curl curl
need perf linux-perf
[ -x "$PYTHON" ] || missing="$missing python3"
need_pc openssl libssl-dev
need_done "$missing"

if [ "$BENCH_MAKE" != 0 ]; then
	make -C "$repo" BUILD="$BUILD" all >&2 || die "make BUILD=$BUILD all failed"
fi
HERALDD=$(abs_path "$HERALDD")
HERALDCTL=$(abs_path "$HERALDCTL")
herald_accounts

tmp=$(scratch_dir "$BENCH_DIR" herald-pages)
heraldd_pid="" load_pid=""
cleanup() {
	local rc=$?
	case $rc in 0|130|143) ;; *) keep=1 ;; esac
	finish "$rc" "$tmp" "$keep" 10 "$load_pid" "$heraldd_pid"
}
on_exit cleanup

build_client orders_load "$tmp/orders_load"
umask 022
make_cert "$tmp" ec
port=$(free_port)
# As orders_vs_sqlite.sh: the throttles out of the way, netting.
herald_yaml "$tmp" "$port" error <<EOF
mt5:
  backend: paper
  paper:
    balance: 1000000000
    margin_mode: netting
trading:
  max_open_positions: 10000
  max_positions_per_symbol: 10000
  orders_per_minute: 100000
  max_daily_loss: 0
EOF
start_heraldd "$tmp"
heraldd_pid=$!
wait_heraldd "$heraldd_pid" "$tmp" connected || die "heraldd's broker is not connected"
url=https://127.0.0.1:$port
healthz "$url" /dev/null "$tmp"
: >"$tmp/keys"
chmod 0600 "$tmp/keys"
for i in $(seq "$BENCH_CONNECTIONS"); do
	create_key "$tmp" "bench-$i" trader >>"$tmp/keys"
done

# load NAME SECONDS [options]: orders_load, its answer count on stdout.
load() {
	local name=$1 secs=$2
	shift 2
	"$tmp/orders_load" -w 0 -d "$secs" -K "$tmp/keys" "$@" "$url/trade" \
	    >"$tmp/$name.out" 2>"$tmp/$name.err" ||
		die "orders_load: $(cat "$tmp/$name.out" "$tmp/$name.err")"
	kill -0 "$heraldd_pid" 2>/dev/null ||
		die "heraldd died: $(tail -n 20 "$tmp/heraldd.log")"
	awk '$1 == "ok" { print $2 }' "$tmp/$name.out"
}

io_bytes() { sed -n 's/^write_bytes: //p' "/proc/$1/io"; }

say "warm-up: ${BENCH_WARMUP}s closed loop on $BENCH_CONNECTIONS connections"
warm=$(load warm "$BENCH_WARMUP" -c "$BENCH_CONNECTIONS")
sleep 0.5

# The broker: heraldd's child run as "heraldd -P broker".
broker_pid=""
for p in $(pgrep -P "$heraldd_pid" || true); do
	case $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) in
	*"-P broker "*) broker_pid=$p ;;
	esac
done
[ -n "$broker_pid" ] || die "cannot find heraldd's broker process"

# One order at a time: an order per connection every 100 ms is far
# apart enough that each one's commits are its own.  Meanwhile perf
# counts the broker's sendmsg(2) calls: its messages to the monitor.
"$PYTHON" "$bench_dir/wal_pages.py" truncate "$tmp/herald.db"
alone_secs=$(((BENCH_ALONE + 9) / 10))
perf stat -x, -e syscalls:sys_enter_sendmsg -p "$broker_pid" \
    -o "$tmp/sendmsg.csv" -- sleep "$((alone_secs + 1))" &
perf_pid=$!
sleep 0.3
alone=$(load alone "$alone_secs" -c 1 -r 10)
wait "$perf_pid" || say "!! perf stat failed"
sleep 0.5
"$PYTHON" "$bench_dir/wal_pages.py" count "$tmp/herald.db" "$alone" \
    >"$tmp/alone.pages"

say "paced: $BENCH_RATE orders/s on $BENCH_CONNECTIONS connections, ${BENCH_SECONDS}s"
io0=$(io_bytes "$heraldd_pid")
paced=$(load paced "$BENCH_SECONDS" -c "$BENCH_CONNECTIONS" -r "$BENCH_RATE")
io1=$(io_bytes "$heraldd_pid")

echo "orders_pages: uptime $(uptime)"
echo "warm-up orders $warm"
echo "--- $alone orders one at a time (WAL frames by b-tree)"
cat "$tmp/alone.pages"
awk -F, -v n="$alone" '$3 ~ /sendmsg/ { printf "broker messages per order %.2f\n", (n > 0 ? $1 / n : 0) }' \
    "$tmp/sendmsg.csv"
echo "--- $paced orders paced at $BENCH_RATE/s"
awk -v b=$((io1 - io0)) -v n="$paced" \
    'BEGIN { printf "monitor write_bytes per order %.1f KB\n", (n > 0 ? b / 1024 / n : 0) }'
