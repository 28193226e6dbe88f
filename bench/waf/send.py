#!/usr/bin/env python3
"""Sends the requests of bench/waf-detect.sh raw over TCP and records the status.

Each request goes on its own connection, byte for byte as corpus.py built it
(request line, headers in order, body; the exact bytes from --raw where the
fields cannot reproduce them). Nothing is added or normalised. A thread pool
keeps --concurrency connections in flight; every request has a deadline
(--timeout) for connect, send and the response head.

Each connection comes from its own loopback source address (127.10.x.y, one
per request), so the lines a server logs about a request (nginx's error log,
where ModSecurity writes the rules that matched) can be tied to it by the
`client:` field: --modsec-log reads that log after the run and adds the rule
ids, ModSecurity's intervention status and nginx's own reason for a refusal.

Output: one JSON object per request, in input order:
  {"id", "status" (0 = no response), "error", "src", "ms",
   and with --modsec-log: "rules", "intervention", "server_reason"}
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import socket
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

SRC_BASE = (127 << 24) | (10 << 16)  # 127.10.0.0
STATUS_LINE = re.compile(rb"^HTTP/\d(?:\.\d)? (\d{3})")


def source_address(index: int) -> str:
    """A distinct loopback address per request, never .0 or .255."""
    n = SRC_BASE + (index // 254) * 256 + index % 254 + 1
    return socket.inet_ntoa(n.to_bytes(4, "big"))


def wire_bytes(rec: dict, raw: bytes | None) -> bytes:
    if raw is not None:
        return raw
    out = f"{rec['method']} {rec['uri']} {rec['version']}\r\n".encode("utf-8")
    for name, value in rec["headers"]:
        out += f"{name}: {value}\r\n".encode("utf-8")
    out += b"\r\n"
    if "body_base64" in rec:
        out += base64.b64decode(rec["body_base64"])
    else:
        out += rec.get("body", "").encode("utf-8")
    return out


def exchange(host: str, port: int, src: str, data: bytes, timeout: float) -> tuple[int, str | None]:
    """(final status or 0, error) for one request on a fresh connection."""
    deadline = time.monotonic() + timeout
    try:
        sock = socket.create_connection((host, port), timeout=timeout, source_address=(src, 0))
    except OSError as e:
        return 0, f"connect: {e}"
    with sock:
        send_error = None
        try:
            sock.sendall(data)
        except OSError as e:  # the server may answer and close before reading it all
            send_error = f"send: {e}"
        buf = b""
        while True:
            # skip interim 1xx responses (100 Continue) to the final status
            while True:
                m = STATUS_LINE.match(buf)
                end = buf.find(b"\r\n\r\n")
                if m and end >= 0 and m.group(1).startswith(b"1"):
                    buf = buf[end + 4 :]
                    continue
                break
            if m and end >= 0:
                return int(m.group(1)), None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            sock.settimeout(remaining)
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            except OSError as e:
                return (int(m.group(1)) if m else 0), send_error or f"recv: {e}"
            if not chunk:
                break
            buf += chunk
        m = STATUS_LINE.match(buf)
        if m:
            return int(m.group(1)), None  # status line without a complete head
        if not buf:
            return 0, send_error or ("no response" if time.monotonic() < deadline else "timeout")
        return 0, f"unparsable response: {buf[:60]!r}"


_CLIENT = re.compile(r", client: ([0-9.]+), server: ")
_CLIENT_BRACKET = re.compile(r"\[client ([0-9.]+)\] ModSecurity: ")
_RULE_ID = re.compile(r'\[id "(\d+)"\]')
_DENIED = re.compile(r"ModSecurity: Access denied with code (\d+)")
_NGINX_MSG = re.compile(r"\*\d+ (.*?)(?:, client: |$)")
_IGNORED = ("closed keepalive connection", "client closed connection while waiting for request")


def parse_modsec_log(path: Path) -> dict[str, dict]:
    """client address -> {"rules": [...], "intervention": code, "server_reason": text}."""
    out: dict[str, dict] = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            clients = _CLIENT.findall(line) or _CLIENT_BRACKET.findall(line)
            if not clients:
                continue
            entry = out.setdefault(clients[-1], {"rules": [], "intervention": None, "server_reason": None})
            if "ModSecurity: " in line:
                for rid in _RULE_ID.findall(line):
                    if rid not in entry["rules"]:
                        entry["rules"].append(rid)
                denied = _DENIED.search(line)
                if denied:
                    entry["intervention"] = int(denied.group(1))
            elif entry["server_reason"] is None:
                m = _NGINX_MSG.search(line)
                if m and not any(s in m.group(1) for s in _IGNORED):
                    entry["server_reason"] = m.group(1)[:160]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=Path, required=True)
    ap.add_argument("--raw", type=Path, help="exact bytes for some ids (corpus.py --raw-out)")
    ap.add_argument("--target", required=True, help="HOST:PORT")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    ap.add_argument("--modsec-log", type=Path, help="nginx error log to read after the run")
    ap.add_argument("--label", default="", help="name shown in the progress line")
    args = ap.parse_args()

    host, _, port = args.target.rpartition(":")
    raws: dict[str, bytes] = {}
    if args.raw and args.raw.exists():
        for line in args.raw.read_text(encoding="utf-8").splitlines():
            obj = json.loads(line)
            raws[obj["id"]] = base64.b64decode(obj["raw_base64"])
    with open(args.requests, encoding="utf-8") as f:
        recs = [json.loads(line) for line in f]

    results: list[dict | None] = [None] * len(recs)
    done = 0
    lock = threading.Lock()
    started = time.monotonic()

    def one(i: int) -> None:
        nonlocal done
        rec = recs[i]
        src = source_address(i)
        t0 = time.monotonic()
        status, error = exchange(host, int(port), src, wire_bytes(rec, raws.get(rec["id"])), args.timeout)
        results[i] = {"id": rec["id"], "status": status, "error": error, "src": src,
                      "ms": round((time.monotonic() - t0) * 1000, 1)}
        with lock:
            done += 1
            if done % 2000 == 0 and sys.stderr.isatty():
                print(f"  {args.label} {done}/{len(recs)}", file=sys.stderr, flush=True)

    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        list(pool.map(one, range(len(recs))))
    elapsed = time.monotonic() - started

    if args.modsec_log:
        log = parse_modsec_log(args.modsec_log)
        for r in results:
            entry = log.get(r["src"], {"rules": [], "intervention": None, "server_reason": None})
            r.update(entry)
    with open(args.out, "w", encoding="utf-8") as f:
        for r in results:
            f.write(json.dumps(r, separators=(",", ":")) + "\n")
    no_resp = sum(1 for r in results if r["status"] == 0)
    print(f"  {args.label}: {len(recs)} requests in {elapsed:.1f} s "
          f"({len(recs) / elapsed:.0f} req/s, {no_resp} without a response)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
