#!/usr/bin/env python3
"""Builds the labelled request set of bench/waf-detect.sh as JSON lines.

One request per line, in the format `rampart waf test --requests` reads:

    {"id": "crs/942100-3", "class": "sqli", "label": "attack", "source": "crs",
     "paranoia_level": 1, "method": "POST", "uri": "/post", "version": "HTTP/1.1",
     "headers": [["Host", "localhost"], ...], "body": "var=..."}

(`body_base64` instead of `body` when the body is not UTF-8). The headers are
the complete list sent on the wire, in order, Content-Length and Connection
included, so the raw sender (send.py) adds nothing. A second file (--raw-out)
holds the exact bytes of the few requests that the fields cannot reproduce
byte for byte (CRS's `encoded_request` cases).

Sets (see bench/waf/README.md):
  attack        CRS `detect` cases of the seven classes, PayloadsAllTheThings lines
  crs-negative  CRS `no_detect` cases of those classes (label benign, class = the rule's)
  benign        CRS `no_detect_any` cases (class "benign") + the generated benign set
  benign-code   forum posts quoting code (class "benign-code"), reported on their own

Everything is deterministic: the same corpora give the same file, byte for byte.
Python 3.11 standard library plus PyYAML (Debian's python3-yaml).
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import json
import re
import sys
import urllib.parse
from pathlib import Path

import benign

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_CORPORA = REPO.parent / "shared" / "corpora"

CLASSES = ("sqli", "xss", "lfi", "rfi", "rce", "php", "protocol")

# CRS rule file prefix -> class.
CRS_CLASS = {
    "942": "sqli",
    "941": "xss",
    "930": "lfi",
    "931": "rfi",
    "932": "rce",
    "933": "php",
    "920": "protocol",
    "921": "protocol",
}

# PayloadsAllTheThings folder -> class, and the files left out. The README of
# the corpora names the fragment files; the others listed here are fragments of
# the same kind (bare names, iconv filter-chain parts, placeholders).
PATT_CLASS = {
    "sqli": "sqli",
    "xss": "xss",
    "cmdi": "rce",
    "lfi": "lfi",
    "traversal": "lfi",
    "crlf": "protocol",
    "ldapi": "protocol",
}
PATT_SKIP = {
    "xss/0xcela_event_handlers.txt": "bare event-handler names (README)",
    "xss/port_swigger_xss_cheatsheet_event_handlers.txt": "bare event-handler names",
    "xss/jsonp_endpoint.txt": "a list of JSONP URLs (README)",
    "lfi/BSD-files.txt": "bare file paths (README)",
    "lfi/Linux-files.txt": "bare file paths (README)",
    "lfi/Mac-files.txt": "bare file paths (README)",
    "lfi/Web-files.txt": "bare file paths (README)",
    "lfi/Windows-files.txt": "bare file paths (README)",
    "lfi/php-filter-iconv.txt": "iconv filter-chain fragments (convert.iconv.X.Y)",
    "traversal/deep_traversal.txt": "{FILE} placeholders (README)",
    "ldapi/LDAP_attributes.txt": "bare LDAP attribute names",
}
# {FILE} placeholders in this list are filled with a file the other lists use.
PATT_FILE_PLACEHOLDER = {"traversal/traversals-8-deep-exotic-encoding.txt": b"etc/passwd"}
# PayloadsAllTheThings' CRLF lines are URL fragments already: see encode_payload.
TRAVERSAL_SAMPLE = 2000

# The site every attack and benign request is addressed to. go-ftw's tests say
# `Host: localhost`, the address of the test harness, not part of any attack;
# AWS's Known Bad Inputs group (and so Rampart's default web ACL) blocks
# `Host: localhost` on its own (Host_localhost_HEADER), which would count every
# CRS case as detected and every CRS benign case as a false positive whatever
# its payload. So that one value is replaced by this host; other Host values in
# the tests (IP addresses, empty, other names) are kept as they are.
SITE_HOST = "shop.example.com"
_RAW_LOCALHOST = re.compile(rb"(?im)^(host:[ \t]*)localhost([ \t]*\r?)$")

PATT_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
PATT_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


# --- Records -----------------------------------------------------------------
def record(
    rid: str,
    cls: str,
    label: str,
    source: str,
    pl: int | None,
    method: str,
    uri: str,
    headers: list[list[str]],
    body: bytes,
    version: str = "HTTP/1.1",
) -> dict:
    rec = {
        "id": rid,
        "class": cls,
        "label": label,
        "source": source,
        "paranoia_level": pl,
        "method": method,
        "uri": uri,
        "version": version,
        "headers": headers,
    }
    try:
        rec["body"] = body.decode("utf-8")
    except UnicodeDecodeError:
        rec["body_base64"] = base64.b64encode(body).decode("ascii")
    return rec


def serialize(rec: dict) -> bytes:
    """The bytes send.py puts on the wire for a record without raw bytes."""
    out = f"{rec['method']} {rec['uri']} {rec['version']}\r\n".encode("utf-8")
    for name, value in rec["headers"]:
        out += f"{name}: {value}\r\n".encode("utf-8")
    out += b"\r\n"
    if "body_base64" in rec:
        out += base64.b64decode(rec["body_base64"])
    else:
        out += rec.get("body", "").encode("utf-8")
    return out


def subset(rec: dict) -> str:
    """attack, crs-negative, benign or benign-code."""
    if rec["label"] == "attack":
        return "attack"
    if rec["class"] in CLASSES:
        return "crs-negative"
    if rec["class"] == "benign-code":
        return "benign-code"
    return "benign"


# --- CRS regression tests, the way go-ftw builds them --------------------------
# go-ftw (ftwhttp/request.go, test/defaults.go, test/data.go) builds the request
# line from method/uri/version (defaults GET, /, HTTP/1.1), writes the YAML
# `headers` map sorted by name, evaluates `data` as a Go template, and when
# `autocomplete_headers` is true (the default) it: adds Content-Type
# application/x-www-form-urlencoded to a request with data and none; URL-encodes
# each key and value of such data unless it already looks encoded; adds
# `Connection: close` and a Content-Length. It adds no Host, User-Agent or
# Accept: those come from the YAML. Multipart bodies get LF -> CRLF. An
# `encoded_request` is sent as the decoded bytes, untouched.
_GO_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
_HEX = frozenset(b"0123456789abcdefABCDEF")
_METHODS_WITH_BODY = re.compile(r"^POST|PUT|PATCH|DELETE$")
_REPEAT_TEMPLATE = re.compile(r'\{\{\s*"((?:[^"\\]|\\.)*)"\s*\|\s*repeat\s+(\d+)\s*\}\}')


def go_query_unescape(data: bytes) -> bytes | None:
    """Go's url.QueryUnescape; None where Go returns an error."""
    out = bytearray()
    i = 0
    while i < len(data):
        c = data[i]
        if c == 0x25:  # %
            if i + 2 >= len(data) or data[i + 1] not in _HEX or data[i + 2] not in _HEX:
                return None
            out.append(int(data[i + 1 : i + 3], 16))
            i += 3
            continue
        out.append(0x20 if c == 0x2B else c)
        i += 1
    return bytes(out)


def go_query_escape(data: bytes) -> bytes:
    """Go's url.QueryEscape."""
    out = bytearray()
    for c in data:
        if c in _GO_UNRESERVED:
            out.append(c)
        elif c == 0x20:
            out.append(0x2B)
        else:
            out += b"%%%02X" % c
    return bytes(out)


def go_encode_form(data: bytes) -> bytes:
    unescaped = go_query_unescape(data)
    if unescaped != data:  # already encoded, or not decodable: sent as is
        return data
    parts = []
    for token in data.split(b"&"):
        key, eq, value = token.partition(b"=")
        parts.append(go_query_escape(key) + (b"=" + go_query_escape(value) if eq else b""))
    return b"&".join(parts)


def go_template(data: str) -> str:
    """The one template function the CRS tests use: {{ "x" | repeat N }}."""
    return _REPEAT_TEMPLATE.sub(
        lambda m: m.group(1).encode().decode("unicode_escape") * int(m.group(2)), data
    )


def canon(name: str) -> str:
    return name.strip().lower()


def has_header(headers: list[list[str]], name: str) -> bool:
    return any(canon(n) == canon(name) for n, _ in headers)


def crs_stage_request(inp: dict) -> tuple[dict, bytes | None]:
    """(fields, raw bytes or None) for one go-ftw stage input."""
    if inp.get("encoded_request"):
        raw = _RAW_LOCALHOST.sub(rb"\g<1>" + SITE_HOST.encode() + rb"\g<2>",
                                 base64.b64decode(inp["encoded_request"]))
        return parse_raw(raw), raw
    method = str(inp.get("method") or "GET")
    uri = str(inp.get("uri") if inp.get("uri") is not None else "/")
    version = str(inp.get("version") or "HTTP/1.1")
    hmap = inp.get("headers") or {}
    headers = [[str(k), yaml_scalar(hmap[k])] for k in sorted(hmap, key=lambda k: str(k).encode())]
    for h in headers:
        if canon(h[0]) == "host" and h[1] == "localhost":
            h[1] = SITE_HOST
    auto = inp.get("autocomplete_headers", True) is not False
    data = b""
    if inp.get("data") is not None:
        data = go_template(str(inp["data"])).encode("utf-8")
    if data and auto:
        if not has_header(headers, "Content-Type"):
            headers.append(["Content-Type", "application/x-www-form-urlencoded"])
        if any(
            canon(n) == "content-type" and v.lower() == "application/x-www-form-urlencoded"
            for n, v in headers
        ):
            data = go_encode_form(data)
    if any(canon(n) == "content-type" and "multipart/form-data;" in v.lower() for n, v in headers):
        data = data.replace(b"\n", b"\r\n")
    if auto:
        if not has_header(headers, "Connection"):
            headers.append(["Connection", "close"])
        if not has_header(headers, "Content-Length") and (
            data or _METHODS_WITH_BODY.search(method)
        ):
            headers.append(["Content-Length", str(len(data))])
    return {"method": method, "uri": uri, "version": version, "headers": headers, "body": data}, None


_ANY_RULE = re.compile(r'^\\\[id "\\d\+"\\\]$')


def forbids_every_rule(test: dict) -> bool:
    """True when every stage's log check is "no rule id at all" (`\\[id "\\d+"\\]`)."""
    stages = test.get("stages") or []
    return bool(stages) and all(
        _ANY_RULE.match(str(((st.get("output") or {}).get("log") or {}).get("no_match_regex", "")))
        for st in stages
    )


def yaml_scalar(v) -> str:
    # Go's YAML decoder into map[string]string keeps the scalar's text.
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def parse_raw(raw: bytes) -> dict:
    """Best-effort fields of a raw request (the raw bytes are what is sent)."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = raw.partition(b"\n\n")
    lines = re.split(rb"\r?\n", head)
    parts = lines[0].split(b" ", 2) if lines else [b""]
    parts += [b""] * (3 - len(parts))
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers.append([name.decode("utf-8", "replace"), value.strip().decode("utf-8", "replace")])
    return {
        "method": parts[0].decode("utf-8", "replace"),
        "uri": parts[1].decode("utf-8", "replace"),
        "version": parts[2].decode("utf-8", "replace"),
        "headers": headers,
        "body": body,
    }


def load_yaml():
    try:
        import yaml  # noqa: PLC0415
    except ImportError:
        sys.exit("corpus.py: PyYAML is missing (apt-get install python3-yaml)")
    try:
        return yaml.CSafeLoader, yaml
    except AttributeError:
        return yaml.SafeLoader, yaml


def crs_requests(corpora: Path) -> tuple[list[dict], dict[str, bytes], dict]:
    root = corpora / "crs-regression"
    loader, yaml = load_yaml()
    index = {}
    with open(root / "index.tsv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            index[(row["file"], row["test_id"])] = row
    out: list[dict] = []
    raws: dict[str, bytes] = {}
    stats = {"skipped_labels": {}, "files": 0, "not_benign": []}
    docs: dict[str, dict] = {}
    for (file, test_id), row in index.items():
        prefix = row["rule_id"][:3]
        label = row["label"]
        if row["phase"] != "request":
            continue
        if label == "no_detect_any":
            cls, lab = "benign", "benign"  # checked against the YAML below
        elif prefix in CRS_CLASS and label == "detect":
            cls, lab = CRS_CLASS[prefix], "attack"
        elif prefix in CRS_CLASS and label == "no_detect":
            cls, lab = CRS_CLASS[prefix], "benign"
        else:
            if prefix in CRS_CLASS:
                stats["skipped_labels"][label] = stats["skipped_labels"].get(label, 0) + 1
            continue
        if file not in docs:
            with open(root / "tests" / file, encoding="utf-8") as f:
                docs[file] = yaml.load(f, Loader=loader) or {}
            stats["files"] += 1
        test = next(
            (t for t in docs[file].get("tests") or [] if str(t.get("test_id")) == test_id), None
        )
        if test is None:
            continue
        if label == "no_detect_any" and not forbids_every_rule(test):
            # 922130's "negative" cases only say that rule's multipart check must not fire;
            # their upload is a PHP file reading /etc/passwd: not benign traffic.
            stats["not_benign"].append(f"{row['rule_id']}-{test_id}")
            continue
        pl = int(row["paranoia_level"]) if row["paranoia_level"].isdigit() else None
        for n, stage in enumerate(test.get("stages") or [], start=1):
            fields, raw = crs_stage_request(stage.get("input") or {})
            rid = f"crs/{row['rule_id']}-{test_id}" + (f"-s{n}" if n > 1 else "")
            rec = record(rid, cls, lab, "crs", pl, fields["method"], fields["uri"],
                         fields["headers"], fields["body"], fields["version"])
            if raw is not None and raw != serialize(rec):
                raws[rid] = raw
            out.append(rec)
    return out, raws, stats


# --- PayloadsAllTheThings --------------------------------------------------------
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


def encode_payload(line: bytes) -> str:
    """Percent-encodes a payload for a query value or a form body.

    As Burp Intruder does with these lists: every byte outside the unreserved
    set is encoded, but a `%` that starts a valid %XX escape is kept, so the
    application decodes the value once and gets what the list's author meant
    (`%2e%2e%2f` arrives as `../`, `%0d%0a` as CRLF). A stray `%` becomes %25.
    """
    out = []
    i = 0
    while i < len(line):
        c = line[i]
        if c in _UNRESERVED:
            out.append(chr(c))
        elif c == 0x25 and i + 2 < len(line) and line[i + 1] in _HEX and line[i + 2] in _HEX:
            out.append("%")
        else:
            out.append("%%%02X" % c)
        i += 1
    return "".join(out)


_BARE_WORD = re.compile(rb"^[A-Za-z0-9_.\-]+$")


def is_fragment(line: bytes) -> bool:
    """Separators and bare words that are no attack on their own.

    `|`, `;`, `'"`, `%0a`, `\\r\\n`, `*`, and single words such as `ls`, `dir`,
    `onload` or `boot.ini`: a WAF that blocked them would block ordinary text.
    """
    decoded = urllib.parse.unquote_to_bytes(line)
    decoded = re.sub(rb"\\[nrtx0]", b" ", decoded)
    alnum = sum(1 for c in decoded if chr(c).isalnum())
    return alnum < 2 or bool(_BARE_WORD.match(decoded.strip()))


def patt_lines(corpora: Path) -> tuple[dict[str, list[tuple[str, bytes]]], dict]:
    """class -> [(origin "folder/file:line", payload)], deduplicated per class."""
    root = corpora / "payloadsallthethings"
    per_class: dict[str, list[tuple[str, bytes]]] = {c: [] for c in CLASSES}
    seen: dict[str, set[bytes]] = {c: set() for c in CLASSES}
    traversal: list[tuple[str, bytes]] = []
    stats = {"skipped_files": dict(PATT_SKIP), "fragments": {}, "duplicates": {}, "lines": {}}
    for folder, cls in PATT_CLASS.items():
        for path in sorted((root / folder).iterdir()):
            rel = f"{folder}/{path.name}"
            if rel in PATT_SKIP or not path.is_file():
                continue
            for n, line in enumerate(path.read_bytes().split(b"\n"), start=1):
                line = line.rstrip(b"\r")
                if not line.strip():
                    continue
                if rel in PATT_FILE_PLACEHOLDER:
                    line = line.replace(b"{FILE}", PATT_FILE_PLACEHOLDER[rel])
                stats["lines"][cls] = stats["lines"].get(cls, 0) + 1
                if is_fragment(line):
                    stats["fragments"][cls] = stats["fragments"].get(cls, 0) + 1
                    continue
                if line in seen[cls]:
                    stats["duplicates"][cls] = stats["duplicates"].get(cls, 0) + 1
                    continue
                seen[cls].add(line)
                if folder == "traversal":
                    traversal.append((f"{rel}:{n}", line))
                else:
                    per_class[cls].append((f"{rel}:{n}", line))
    # The 22k traversal lines would swamp the class: keep a fixed sample, the
    # lines with the smallest SHA-256, in file order.
    keep = set(sorted(traversal, key=lambda t: hashlib.sha256(t[1]).digest())[:TRAVERSAL_SAMPLE])
    stats["traversal_lines"] = len(traversal)
    per_class["lfi"] += [t for t in traversal if t in keep]
    return per_class, stats


def patt_requests(corpora: Path) -> tuple[list[dict], dict]:
    per_class, stats = patt_lines(corpora)
    out = []
    for cls in CLASSES:
        for origin, line in per_class[cls]:
            value = encode_payload(line)
            base = [["Host", SITE_HOST], ["User-Agent", PATT_UA], ["Accept", PATT_ACCEPT],
                    ["Accept-Language", "en-US,en;q=0.5"]]
            out.append(record(f"patt/{origin}/get", cls, "attack", "patt", None, "GET",
                              f"/search?q={value}", base + [["Connection", "close"]], b""))
            body = f"name=Alex&comment={value}".encode("ascii")
            out.append(record(f"patt/{origin}/post", cls, "attack", "patt", None, "POST",
                              "/comment", base + [
                                  ["Content-Type", "application/x-www-form-urlencoded"],
                                  ["Content-Length", str(len(body))],
                                  ["Connection", "close"]], body))
    return out, stats


# --- Main ----------------------------------------------------------------------
def quick_keep(rid: str) -> bool:
    """The deterministic 10 % sample of --quick."""
    return hashlib.sha256(rid.encode()).digest()[0] % 10 == 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    ap.add_argument("--out", type=Path, required=True, help="requests, JSON lines")
    ap.add_argument("--raw-out", type=Path, help="exact bytes of the raw-only requests, JSON lines")
    ap.add_argument("--quick", action="store_true", help="a deterministic 10 %% sample")
    ap.add_argument("--stats", type=Path, help="write the build statistics here (JSON)")
    args = ap.parse_args()

    if not (args.corpora / "crs-regression" / "index.tsv").is_file():
        sys.exit(f"corpus.py: no corpora at {args.corpora} (expected crs-regression/index.tsv)")
    crs, raws, crs_stats = crs_requests(args.corpora)
    patt, patt_stats = patt_requests(args.corpora)
    ben = benign.generate(HERE / "benign")
    requests = crs + patt + [record(**b) for b in ben]

    ids = set()
    for rec in requests:
        if rec["id"] in ids:
            sys.exit(f"corpus.py: duplicate id {rec['id']}")
        ids.add(rec["id"])
    if args.quick:
        requests = [r for r in requests if quick_keep(r["id"])]

    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        for rec in requests:
            f.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
    if args.raw_out:
        with open(args.raw_out, "w", encoding="utf-8") as f:
            for rec in requests:
                if rec["id"] in raws:
                    f.write(json.dumps({"id": rec["id"],
                                        "raw_base64": base64.b64encode(raws[rec["id"]]).decode()}) + "\n")

    counts: dict[str, dict[str, int]] = {}
    for rec in requests:
        key = subset(rec)
        counts.setdefault(key, {})
        counts[key][rec["class"]] = counts[key].get(rec["class"], 0) + 1
    stats = {"counts": counts, "crs": crs_stats, "patt": patt_stats, "total": len(requests),
             "quick": args.quick}
    if args.stats:
        args.stats.write_text(json.dumps(stats, indent=1, sort_keys=True) + "\n")
    summary = ", ".join(f"{k} {sum(v.values())}" for k, v in sorted(counts.items()))
    print(f"corpus: {len(requests)} requests ({summary}){' [quick 10 % sample]' if args.quick else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
