#!/usr/bin/env python3
"""The broker process on its own, sandboxed, driven as the monitor does.

test_broker_alone.py runs it in `make check`; by hand, as root, after a
build:

    python3 tests/integration/broker_conversation.py build/heraldd

It starts `heraldd -P broker` with a SOCK_SEQPACKET socketpair on
descriptor 3 and checks, with seccomp in force (kill mode):
  1. INIT, READY, the configuration, BROKER_UP(1, "paper"); a market order
     answered by its records (same header id) then BROKER_RES, all in
     one message (BROKER_BATCH); reads; FIND;
     a pending order filled by the random walk: records with id 0 closed
     by BROKER_SYNC;
  2. a second broker fed the records of the first finds every command;
  3. a refused symbol gives BROKER_UP(0, reason) and 503 afterwards;
  4. a message out of turn is fatal and names itself.
"""
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERALDD = sys.argv[1] if len(sys.argv) > 1 else 'build/heraldd'
TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
NAMES = re.findall(r'^M\((\w+),',
                   open(os.path.join(TOP, 'privsep', 'msg.h')).read(), re.M)
T = {n: i + 1 for i, n in enumerate(NAMES)}
N = {v: k for k, v in T.items()}
OP_TRADE, OP_ACCOUNT, OP_ORDERS, OP_SYMBOL = 2, 3, 7, 9


def s(x):
    b = x.encode()
    return struct.pack('<H', len(b)) + b


def d(x):
    return struct.pack('<d', x)


def symbol(name, base, profit, digits, contract, start):
    return (s(name) + s(base) + s(profit) + struct.pack('<B', digits) +
            d(contract) + d(0.01) + d(100) + d(0.01) +
            struct.pack('<IBBBB', 0, 3, 4, 2, 0) + d(0) +
            d(1) + d(0) + d(contract) + d(0) + d(0) + d(start) +
            struct.pack('<IIBBI', 10, 5, 1, 0x0f, 86400))


def trade_params(side, vol, price=None):
    """A market order, or with a price a limit order; then the order
    block: flags, type, stop_limit, deviation, type_time, expiration."""
    return (s('EURUSD') + struct.pack('<B', side) + d(vol) +
            struct.pack('<B', 1 if price is not None else 0) +
            d(price or 0) + d(0) + d(0) + s('') + s('') + b'\0' +
            struct.pack('<BB', 0, 1 if price is not None else 0) + d(0) +
            struct.pack('<IBQ', 0 if price is not None else 10, 0, 0))


def req(cmd, op, params=b''):
    return struct.pack('<QBH', cmd, op, len(params)) + params


def res(p):
    st, = struct.unpack('<H', p[:2])
    o = 2
    out = []
    for _ in range(2):
        n, = struct.unpack('<H', p[o:o + 2])
        out.append(p[o + 2:o + 2 + n].decode())
        o += 2 + n
    _, rl = struct.unpack('<II', p[o:o + 8])
    return st, out[0], out[1], p[o + 8:o + 8 + rl]


def result(r):
    rc, order, deal, pos = struct.unpack('<IQQQ', r[:28])
    return dict(retcode=rc, order=order, deal=deal, position=pos)


class Broker:
    def __init__(self, chroot, seccomp_debug=0):
        self.sock, cs = socket.socketpair(socket.AF_UNIX,
                                          socket.SOCK_SEQPACKET)
        n = cs.fileno()
        self.proc = subprocess.Popen(
            ['sh', '-c', 'exec "$0" -P broker 3<&%d %d<&-' % (n, n),
             HERALDD], pass_fds=(n,))
        cs.close()
        self.logs = []
        self.records = []
        self.queue = []         # the entries of a BROKER_BATCH still to read
        self.carriers = {}      # header id: messages that carried it
        self.send('INIT', struct.pack('<II', 65534, 65534) + s(chroot) +
                  struct.pack('<IBBB', 64, seccomp_debug, 7, 0))
        assert self.recv()[0] == 'READY'
        self.send('BROKER_CONFIG', struct.pack('<BB', 0, 2) + s('USD') +
                  struct.pack('<I', 100) + d(10000) +
                  struct.pack('<QII', 7, 50, 2))

    def send(self, t, payload=b'', mid=0):
        self.sock.send(struct.pack('=IIIHH', T[t], len(payload), mid, 0, 0) +
                       payload)

    def recv(self):
        """The next message, a BROKER_BATCH's entries one by one."""
        self.sock.settimeout(5)
        while not self.queue:
            m = self.sock.recv(70000)
            if not m:
                raise EOFError('the broker closed its channel')
            t, _, mid, _, _ = struct.unpack('=IIIHH', m[:16])
            if N[t] == 'LOG':
                self.logs.append(m[16 + 3:].decode())
                continue
            if N[t] != 'BROKER_BATCH':
                self.queue.append((N[t], mid, m[16:]))
            else:
                o = 16
                while o < len(m):
                    et, mid, n = struct.unpack('<III', m[o:o + 12])
                    self.queue.append((N[et], mid, m[o + 12:o + 12 + n]))
                    o += 12 + n
            for i in {e[1] for e in self.queue}:
                self.carriers[i] = self.carriers.get(i, 0) + 1
        return self.queue.pop(0)

    def answer(self, mid):
        """Records up to the BROKER_RES for mid; ticks' groups skipped."""
        recs = []
        while True:
            t, m, p = self.recv()
            if t == 'BROKER_RECORD':
                self.records.append(p)
                if m == mid:
                    recs.append((p[0], p[1]))
                continue
            if t == 'BROKER_SYNC':
                continue
            assert t == 'BROKER_RES' and m == mid, (t, m, mid)
            return recs, res(p)

    def stop(self):
        self.send('SHUTDOWN')
        assert self.proc.wait(5) == 0
        assert not any('violation' in x for x in self.logs), self.logs


def main():
    chroot = tempfile.mkdtemp(prefix='herald-broker.')
    os.chmod(chroot, 0o755)

    # 1. up, a market order, reads, a pending order filled by the walk
    b = Broker(chroot)
    b.send('BROKER_SYMBOL', symbol('EURUSD', 'EUR', 'USD', 5, 1e5, 1.1))
    b.send('BROKER_SYMBOL', symbol('GBPUSD', 'GBP', 'USD', 5, 1e5, 1.25))
    csv = b'EURUSD,1.10000,1.10010,1\nGBPUSD,1.25000,1.25010,2\n'
    b.send('BROKER_TICKS', struct.pack('<H', len(csv)) + csv)
    b.send('BROKER_START')
    t, _, p = b.recv()
    assert t == 'BROKER_UP' and p == b'\x01\x05\x00paper', (t, p)
    b.send('BROKER_REQ', req(1, OP_TRADE, trade_params(1, 0.1)), 101)
    recs, (st, code, _, r) = b.answer(101)
    assert st == 200 and code == 'ok' and result(r)['retcode'] == 10009
    assert recs == [(5, 1), (3, 1), (1, 1), (6, 1)], recs
    # Four records and the answer: one message (issue 12).
    assert b.carriers[101] == 1, b.carriers
    b.send('BROKER_REQ', req(0, OP_ACCOUNT), 102)
    assert b.answer(102)[1][:2] == (200, 'ok')
    b.send('BROKER_REQ', req(0, OP_ORDERS), 103)
    assert b.answer(103)[1][:2] == (200, 'ok')
    b.send('BROKER_REQ', req(0, OP_SYMBOL, s('NOPE')), 104)
    assert b.answer(104)[1][:2] == (404, 'not_found')
    b.send('BROKER_FIND', struct.pack('<Q', 1), 105)
    assert result(b.answer(105)[1][3])['retcode'] == 10009
    b.send('BROKER_FIND', struct.pack('<Q', 99), 106)
    assert b.answer(106)[1][:2] == (404, 'unknown_command')
    b.send('BROKER_REQ', req(0, OP_SYMBOL, s('EURUSD')), 107)
    sym = b.answer(107)[1][3]
    o = 0
    for _ in range(3):
        o += 2 + struct.unpack('<H', sym[o:o + 2])[0]
    o += 1 + 8 * 5 + 4 + 2 + 8
    bid, ask = struct.unpack('<dd', sym[o:o + 16])
    b.send('BROKER_REQ', req(3, OP_TRADE, trade_params(
        1, 0.1, round(ask - 0.00002, 5))), 108)
    assert result(b.answer(108)[1][3])['retcode'] == 10008
    deadline = time.time() + 10
    tick_records = 0
    while time.time() < deadline:
        t, m, p = b.recv()
        if t == 'BROKER_RECORD':
            assert m == 0
            b.records.append(p)
            tick_records += 1
        elif t == 'BROKER_SYNC':
            break
    assert tick_records >= 3, tick_records
    b.stop()
    records = b.records
    print('1. up, orders, reads, a fill by the walk: ok')

    # 2. the stored records (here: all of them, in order) rebuild it
    b = Broker(chroot)
    b.send('BROKER_SYMBOL', symbol('EURUSD', 'EUR', 'USD', 5, 1e5, 1.1))
    b.send('BROKER_SYMBOL', symbol('GBPUSD', 'GBP', 'USD', 5, 1e5, 1.25))
    for p in records:
        b.send('BROKER_RECORD', p)
    b.send('BROKER_START')
    assert b.recv()[2][0] == 1
    for cmd, rc in ((1, 10009), (3, 10008)):
        b.send('BROKER_FIND', struct.pack('<Q', cmd), 200 + cmd)
        assert result(b.answer(200 + cmd)[1][3])['retcode'] == rc
    b.stop()
    print('2. restart from the records: ok')

    # 3. a refused symbol: down with the reason, 503 to requests
    b = Broker(chroot)
    b.send('BROKER_SYMBOL', symbol('EURUSD', 'EUR', 'USD', 5, 1e5, 1.1))
    b.send('BROKER_SYMBOL', symbol('EURGBP', 'EUR', 'GBP', 5, 1e5, 0.85))
    b.send('BROKER_START')
    t, _, p = b.recv()
    assert t == 'BROKER_UP' and p[0] == 0 and b'EURGBP' in p, p
    b.send('BROKER_FIND', struct.pack('<Q', 1), 301)
    assert b.answer(301)[1][:2] == (503, 'broker_unavailable')
    b.send('BROKER_REQ', req(5, OP_TRADE, trade_params(1, 0.1)), 302)
    assert b.answer(302)[1][:2] == (503, 'broker_unavailable')
    b.stop()
    print('3. refused configuration, 503: ok')

    # 4. out of turn: fatal
    b = Broker(chroot)
    b.send('BROKER_SYMBOL', symbol('EURUSD', 'EUR', 'USD', 5, 1e5, 1.1))
    b.send('BROKER_FIND', struct.pack('<Q', 1), 401)
    try:
        while True:
            b.recv()
    except (EOFError, ConnectionResetError):
        pass
    assert b.proc.wait(5) != 0
    assert 'BROKER_FIND' in b.logs[-1], b.logs
    print('4. out of turn is fatal: ok (%s)' % b.logs[-1])
    os.rmdir(chroot)


if __name__ == '__main__':
    main()
