#!/usr/bin/env python3
"""An independent JA3/JA4 computation (Python standard library only) to cross-check the
fixtures: prints what it finds in each hex fixture and fails when a fixture's `ja3`, `ja3_hash`
or `ja4` line disagrees.

Usage: crosscheck.py FIXTURE.hex ...
"""
import hashlib, sys

GREASE = {0x0a0a + 0x1010 * i for i in range(16)}

def records_to_message(data):
    hs, off, first_version = b"", 0, None
    while off + 5 <= len(data):
        assert data[off] == 22, "not a handshake record"
        first_version = first_version or int.from_bytes(data[off + 1:off + 3], "big")
        n = int.from_bytes(data[off + 3:off + 5], "big")
        hs += data[off + 5:off + 5 + n]
        off += 5 + n
        if len(hs) >= 4 and len(hs) >= 4 + int.from_bytes(hs[1:4], "big"):
            return hs[:4 + int.from_bytes(hs[1:4], "big")]
    raise ValueError("incomplete")

def u16s(b):
    return [int.from_bytes(b[i:i + 2], "big") for i in range(0, len(b), 2)]

def parse(msg):
    assert msg[0] == 1
    body = msg[4:]
    p = 0
    version = int.from_bytes(body[p:p + 2], "big"); p += 2 + 32
    p += 1 + body[p]
    n = int.from_bytes(body[p:p + 2], "big"); ciphers = u16s(body[p + 2:p + 2 + n]); p += 2 + n
    p += 1 + body[p]
    exts = []
    if p < len(body):
        end = p + 2 + int.from_bytes(body[p:p + 2], "big"); p += 2
        while p < end:
            t = int.from_bytes(body[p:p + 2], "big"); n = int.from_bytes(body[p + 2:p + 4], "big")
            exts.append((t, body[p + 4:p + 4 + n])); p += 4 + n
    h = {"version": version, "ciphers": ciphers, "exts": exts, "groups": [], "formats": [],
         "sigalgs": [], "versions": [], "alpn": [], "sni": None}
    for t, d in exts:
        if t == 10: h["groups"] = u16s(d[2:])
        elif t == 11: h["formats"] = list(d[1:])
        elif t == 13: h["sigalgs"] = u16s(d[2:])
        elif t == 43: h["versions"] = u16s(d[1:])
        elif t == 16:
            q = 2
            while q < len(d):
                h["alpn"].append(d[q + 1:q + 1 + d[q]]); q += 1 + d[q]
        elif t == 0 and d:
            h["sni"] = d[5:5 + int.from_bytes(d[3:5], "big")].decode()
    return h

def ja3(h):
    dash = lambda xs: "-".join(str(x) for x in xs if x not in GREASE)
    return ",".join([str(h["version"]), dash(h["ciphers"]), dash(t for t, _ in h["exts"]),
                     dash(h["groups"]), "-".join(str(x) for x in h["formats"])])

def ja4(h, proto="t"):
    vers = [v for v in h["versions"] if v not in GREASE]
    v = max(vers) if vers else h["version"]
    names = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10", 0x0300: "s3", 0x0002: "s2",
             0xfeff: "d1", 0xfefd: "d2", 0xfefc: "d3"}
    ciphers = [c for c in h["ciphers"] if c not in GREASE]
    exts = [t for t, _ in h["exts"] if t not in GREASE]
    alpn = "00"
    if h["alpn"] and h["alpn"][0]:
        a = h["alpn"][0]
        if chr(a[0]).isalnum() and chr(a[-1]).isalnum() and a[0] < 128 and a[-1] < 128:
            alpn = chr(a[0]) + chr(a[-1])
        else:
            alpn = a.hex()[0] + a.hex()[-1]
    part_a = "%s%s%s%02d%02d%s" % (proto, names.get(v, "00"), "d" if any(t == 0 for t in exts) else "i",
                                   min(len(ciphers), 99), min(len(exts), 99), alpn)
    b = ",".join("%04x" % c for c in sorted(ciphers))
    c = ",".join("%04x" % t for t in sorted(exts) if t not in (0, 16))
    sigs = ",".join("%04x" % s for s in h["sigalgs"] if s not in GREASE)
    if sigs:
        c += "_" + sigs
    h12 = lambda s: hashlib.sha256(s.encode()).hexdigest()[:12] if s else "0" * 12
    return "%s_%s_%s" % (part_a, h12(b), h12(c))

def main():
    bad = 0
    for path in sys.argv[1:]:
        fields, hexdata, in_hex = {}, "", False
        for line in open(path):
            line = line.strip()
            if in_hex:
                hexdata += line.replace(" ", "")
            elif line == "hex:":
                in_hex = True
            elif line and not line.startswith("#") and ":" in line:
                k, v = line.split(":", 1)
                fields[k.strip()] = v.strip()
        h = parse(records_to_message(bytes.fromhex(hexdata)))
        got = {"ja3": ja3(h), "ja3_hash": hashlib.md5(ja3(h).encode()).hexdigest(),
               "ja4": ja4(h, "q" if fields.get("transport") == "quic" else "t")}
        for k, v in got.items():
            status = "" if fields.get(k) in (None, v) else "   MISMATCH with " + fields[k]
            bad += bool(status)
            print("%s %s: %s%s" % (path, k, v, status))
    sys.exit(1 if bad else 0)

if __name__ == "__main__":
    main()
