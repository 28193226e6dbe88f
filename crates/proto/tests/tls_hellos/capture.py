#!/usr/bin/env python3
"""Captures the first TLS ClientHello a client sends to 127.0.0.1 and prints it as hex.

Usage: capture.py OUT.hex -- CLIENT COMMAND ... ({port} in the command is replaced)
Listens on an ephemeral loopback port, runs the client, reads records until the first
handshake message is complete, closes the connection, writes the bytes read as hex.
"""
import socket, subprocess, sys, threading

def read_hello(conn):
    data = b""
    conn.settimeout(10)
    hs = b""
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
        # walk the records received so far
        hs, off = b"", 0
        while off + 5 <= len(data):
            n = int.from_bytes(data[off + 3:off + 5], "big")
            hs += data[off + 5:off + 5 + n]
            off += 5 + n
        if len(hs) >= 4 and len(hs) >= 4 + int.from_bytes(hs[1:4], "big") and off <= len(data):
            return data[:off]

def main():
    out, cmd = sys.argv[1], sys.argv[sys.argv.index("--") + 1:]
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    cmd = [c.replace("{port}", str(port)) for c in cmd]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    srv.settimeout(10)
    conn, _ = srv.accept()
    data = read_hello(conn)
    conn.close()
    proc.wait(timeout=10)
    with open(out, "w") as f:
        f.write(data.hex() + "\n")
    print(out, len(data), "bytes")

if __name__ == "__main__":
    main()
