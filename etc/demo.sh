#!/bin/sh
# Run heraldd in the foreground on a throw-away configuration: the paper
# backend (its embedded default), 127.0.0.1:8181, and everything else
# (control socket, pid file, database, empty chroot) under BUILD/demo.
#
# usage: sh etc/demo.sh BUILD		(as root; "make demo" does this)
set -eu

if [ $# -ne 1 ] || [ ! -x "$1/heraldd" ] || [ ! -x "$1/heraldctl" ]; then
	echo "usage: $0 builddir (with heraldd and heraldctl built in it)" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: heraldd starts as root and drops privileges; run me as root" >&2
	exit 1
fi

build=$(cd "$1" && pwd)
demo=$build/demo
conf=$demo/herald.yaml
sock=$demo/heraldd.sock

# The accounts heraldd runs its children as and admits to the socket.
getent group herald-admin >/dev/null ||
	groupadd --system herald-admin
id _herald >/dev/null 2>&1 ||
	useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin _herald

# heraldd refuses a chroot that anyone but root could tamper with: it and
# every directory above it must be root's and not writable by group or
# others (a sticky /tmp excepted).
root_only() {
	d=$1
	while :; do
		info=$(stat -c '%u %A' "$d") || return 1
		[ "${info%% *}" = 0 ] || return 1
		case ${info#* } in
		*t|*T) ;;
		?????w*|????????w?) return 1 ;;
		esac
		[ "$d" = / ] && return 0
		d=$(dirname "$d")
	done
}

mkdir -p "$demo"
chown root:root "$demo"
chmod 0755 "$demo"
if root_only "$demo"; then
	chroot=$demo/empty
else
	chroot=/var/empty/heraldd-demo
	echo "demo: $demo is not root's all the way up; chroot $chroot"
fi
mkdir -p "$chroot"
chown root:root "$chroot"
chmod 0755 "$chroot"

umask 077
# A self-signed certificate for 127.0.0.1, made once.
if [ ! -f "$demo/server.key" ]; then
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$demo/server.key" -out "$demo/server.crt" -days 365 \
	    -subj /CN=localhost \
	    -addext subjectAltName=IP:127.0.0.1,DNS:localhost 2>/dev/null
	chmod 0600 "$demo/server.key"
	chmod 0644 "$demo/server.crt"
fi
cat >"$conf" <<EOF
# Written by etc/demo.sh; see herald.yaml(5).
listen:
  - address: 127.0.0.1
    port: 8181
tls:
  certificate: $demo/server.crt
  key: $demo/server.key
control:
  socket: $sock
  group: herald-admin
privsep:
  user: _herald
  chroot: $chroot
database: $demo/herald.db
pid_file: $demo/heraldd.pid
mt5:
  backend: paper
audit:
  key_file: $demo/audit.key
log:
  level: info
EOF
chmod 0600 "$conf"

"$build/heraldd" -n -f "$conf"

"$build/heraldd" -d -f "$conf" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null' INT TERM
tries=0
until "$build/heraldctl" -s "$sock" status >/dev/null 2>&1; do
	tries=$((tries + 1))
	if [ $tries -gt 100 ] || ! kill -0 $pid 2>/dev/null; then
		echo "demo: heraldd did not start" >&2
		wait $pid
		exit 1
	fi
	sleep 0.1
done
name=demo-$(date +%Y%m%d%H%M%S)
key=$("$build/heraldctl" -s "$sock" key create "$name" --role trader \
    2>/dev/null) || key=""

cat <<EOF

heraldd demo: paper backend, HTTPS on 127.0.0.1:8181
configuration $conf

A demo trader key (shown once): $key

Try it:
  curl --cacert $demo/server.crt -H 'Authorization: Bearer $key' \\
      https://127.0.0.1:8181/v1/status

Place a trade on the paper account (buy 0.01 lot of EURUSD at the market):
  curl --cacert $demo/server.crt -H 'Authorization: Bearer $key' \\
      -H 'Content-Type: application/json' \\
      -d '{"symbol": "EURUSD", "side": "BUY", "volume": 0.01}' \\
      https://127.0.0.1:8181/trade

and look at it:
  curl --cacert $demo/server.crt -H 'Authorization: Bearer $key' \\
      https://127.0.0.1:8181/v1/positions

As root or a member of herald-admin:
  $build/heraldctl -s $sock status
  $build/heraldctl -s $sock key list
  $build/heraldctl -s $sock reload

Stop it with Ctrl-C.
EOF
wait $pid
