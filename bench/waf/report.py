#!/usr/bin/env python3
"""Tables, goal checks and the markdown report of bench/waf-detect.sh.

Reads the request set (corpus.py) and each engine's per-request results, in
input order, and prints per class: attacks detected, benign false positives
and CRS-negative cases blocked, for Rampart and nginx + ModSecurity + CRS at
each paranoia level; then the goals of the acceptance criteria. Writes the
merged per-request outcomes (JSON lines) for `--misses`.

Outcome of a request for an engine:
  block   the WAF stopped it: Rampart's action is not ALLOW (offline), or the
          server answered 403 (Rampart behind its load balancer), or
          ModSecurity intervened (403 from CRS's anomaly score, or 400 from
          the recommended config's body-parsing rules 200002-200004).
  reject  the server refused it before the WAF decided: any other 4xx/5xx
          from nginx's own parser and limits (400, 408, 411, 413, 414, 405
          for TRACE, ...) or no response at all. Counted apart: it is not a
          detection, but the request was stopped.
  allow   everything else.
Detection rates and the goal checks count `block` only; `stopped` adds `reject`.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections import Counter, defaultdict
from pathlib import Path

CLASSES = ("sqli", "xss", "lfi", "rfi", "rce", "php", "protocol")

CRS_PREFIX = {
    "942": "sqli", "941": "xss", "930": "lfi", "931": "rfi", "932": "rce", "933": "php",
    "920": "protocol", "921": "protocol",
}
# Bookkeeping rules of CRS 3.3 that say "the score is too high", not why.
CRS_BOOKKEEPING = {"949110", "959100", "980130", "980140", "901001"}

# Rampart rule names / labels -> class (AWS managed rule names, case-folded).
# The first match wins, so PHPHighRiskMethods is php, not protocol.
RAMPART_KEYWORDS = (
    ("sqli", ("sqli", "sql_injection", "sqlinjection")),
    ("xss", ("xss", "crosssitescripting", "cross_site_scripting")),
    ("php", ("php",)),
    ("rfi", ("rfi", "remotefileinclusion")),
    ("lfi", ("lfi", "localfileinclusion", "traversal")),
    ("rce", ("unixshell", "windowsshell", "powershell", "shell", "rce", "commandinjection",
             "command_injection", "log4j")),
    ("protocol", ("sizerestrictions", "nouseragent", "protocol", "crlf", "smuggling", "header",
                  "host", "method", "ldap")),
)


def crs_class(rule_id: str) -> str:
    if rule_id.startswith("200") and len(rule_id) == 6:
        return "protocol"  # modsecurity.conf-recommended: request body could not be parsed
    return CRS_PREFIX.get(rule_id[:3], "other")


def rampart_classes(why: list[str]) -> set[str]:
    """The class named by the terminating rule (the first entries of `why`: the
    matched rule, then its group), else by the labels."""
    for text in (w.lower() for w in why):
        for cls, words in RAMPART_KEYWORDS:
            if any(word in text for word in words):
                return {cls}
    return {"other"} if why else set()


def subset(rec: dict) -> str:
    if rec["label"] == "attack":
        return "attack"
    if rec["class"] in CLASSES:
        return "crs-negative"
    if rec["class"] == "benign-code":
        return "benign-code"
    return "benign"


def benign_kind(rec: dict) -> str:
    if rec["source"] == "crs":
        return "crs no_detect_any"
    return rec["id"].split("/", 1)[1].rsplit("-", 1)[0]


# --- Engines -----------------------------------------------------------------
class Engine:
    def __init__(self, key: str, title: str, kind: str, path: Path | None, note: str = ""):
        self.key, self.title, self.kind, self.path, self.note = key, title, kind, path, note
        self.outcome: dict[str, str] = {}
        self.why: dict[str, list[str]] = {}
        self.reason: dict[str, str] = {}

    @property
    def ran(self) -> bool:
        return bool(self.outcome)

    def load(self, recs: list[dict]) -> None:
        if self.path is None:
            return
        lines = self.path.read_text(encoding="utf-8").splitlines()
        if len(lines) != len(recs):
            self.note = (f"{self.path.name}: {len(lines)} result lines for {len(recs)} requests; "
                         "results not used")
            return
        for rec, line in zip(recs, lines):
            r = json.loads(line)
            rid = rec["id"]
            if r.get("id") not in (None, rid):
                self.note = f"{self.path.name}: result for {r.get('id')} where {rid} was expected; results not used"
                self.outcome.clear()
                return
            if self.kind == "rampart":
                action = str(r.get("action", "")).upper()
                self.outcome[rid] = "allow" if action == "ALLOW" else ("block" if action else "error")
                why = [str(m.get("ruleId")) for m in r.get("matches") or []
                       if isinstance(m, dict) and m.get("terminating") and m.get("ruleId")]
                if r.get("terminatingRuleId"):
                    why.append(str(r["terminatingRuleId"]))
                why += [str(x) for x in r.get("labels") or []]
                self.why[rid] = why
            else:
                status = int(r.get("status") or 0)
                if r.get("intervention") is not None or status == 403:
                    self.outcome[rid] = "block"
                elif status == 0 or status >= 400:
                    self.outcome[rid] = "reject"
                    self.reason[rid] = r.get("server_reason") or (
                        f"HTTP {status}" if status else (r.get("error") or "no response"))
                else:
                    self.outcome[rid] = "allow"
                self.why[rid] = [x for x in r.get("rules") or [] if x not in CRS_BOOKKEEPING]

    def classes(self, rid: str) -> set[str]:
        if self.kind == "rampart":
            return rampart_classes(self.why.get(rid, []))
        if self.kind == "modsec":
            return {crs_class(x) for x in self.why.get(rid, [])}
        return {"unknown"}


# --- Figures -------------------------------------------------------------------
def pct(n: int, total: int) -> str:
    return f"{100.0 * n / total:.1f}%" if total else "-"


def frac(n: int, total: int) -> str:
    return f"{n}/{total} ({pct(n, total)})" if total else "-"


class Figures:
    def __init__(self, recs: list[dict], engines: list[Engine]):
        self.recs, self.engines = recs, engines
        self.sets = defaultdict(list)  # (set, class) -> ids
        for rec in recs:
            self.sets[(subset(rec), rec["class"])].append(rec["id"])
        self.by_id = {r["id"]: r for r in recs}

    def ids(self, set_name: str, cls: str | None = None) -> list[str]:
        if cls is None:
            return [i for (s, _), v in self.sets.items() if s == set_name for i in v]
        return self.sets.get((set_name, cls), [])

    def count(self, e: Engine, ids, outcome=("block",)) -> int:
        return sum(1 for i in ids if e.outcome.get(i) in outcome)

    def fp_attr(self, e: Engine, cls: str) -> int:
        return sum(1 for i in self.ids("benign") if e.outcome.get(i) == "block" and cls in e.classes(i))


def goal_lines(fig: Figures, rampart: Engine | None, crs: dict[int, Engine]) -> list[tuple[str, str]]:
    """(check, verdict) per the acceptance wording."""
    out = []
    pl1, pl2 = crs.get(1), crs.get(2)
    usable = rampart is not None and rampart.ran

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    if pl1 and pl1.ran:
        for cls in CLASSES:
            ids = fig.ids("attack", cls)
            if not ids:
                continue
            p = fig.count(pl1, ids)
            if usable:
                r = fig.count(rampart, ids)
                out.append((f"{cls}: detection >= CRS PL1 ({pct(r, len(ids))} vs {pct(p, len(ids))})", verdict(r >= p)))
            else:
                out.append((f"{cls}: detection >= CRS PL1 (CRS PL1 {pct(p, len(ids))})", "n/a"))
    if pl2 and pl2.ran:
        ids = fig.ids("attack")
        p = fig.count(pl2, ids)
        if usable:
            r = fig.count(rampart, ids)
            out.append((f"overall: detection >= CRS PL2 ({pct(r, len(ids))} vs {pct(p, len(ids))})", verdict(r >= p)))
        else:
            out.append((f"overall: detection >= CRS PL2 (CRS PL2 {pct(p, len(ids))})", "n/a"))
    if pl1 and pl1.ran:
        ids = fig.ids("benign")
        p = fig.count(pl1, ids)
        if usable:
            r = fig.count(rampart, ids)
            out.append((f"benign false positives <= CRS PL1 ({pct(r, len(ids))} vs {pct(p, len(ids))})", verdict(r <= p)))
        else:
            out.append((f"benign false positives <= CRS PL1 (CRS PL1 {pct(p, len(ids))})", "n/a"))
    return out


# --- Output --------------------------------------------------------------------
def terminal(fig: Figures, goals, ran: list[Engine]) -> str:
    lines = []
    w = 22
    head = f"{'class':<9} {'attacks':>7} " + "".join(f"{e.title:>{w}}" for e in ran)
    lines.append("== Attacks detected (blocked by the WAF; +N = also refused by the server)")
    lines.append(head)
    for cls in CLASSES + ("overall",):
        ids = fig.ids("attack", None if cls == "overall" else cls)
        if not ids:
            continue
        cells = []
        for e in ran:
            b, rj = fig.count(e, ids), fig.count(e, ids, ("reject",))
            cells.append(f"{b:>6} {pct(b, len(ids)):>6}" + (f" +{rj:<5}" if rj else " " * 7))
        lines.append(f"{cls:<9} {len(ids):>7} " + "".join(f"{c:>{w}}" for c in cells))
    lines.append("")
    ben = fig.ids("benign")
    lines.append(f"== False positives: benign requests blocked ({len(ben)} benign; by the class of the rules that fired)")
    lines.append(f"{'class':<9} {'':>7} " + "".join(f"{e.title:>{w}}" for e in ran))
    for cls in CLASSES + ("other",):
        cells = [f"{fig.fp_attr(e, cls):>6} {pct(fig.fp_attr(e, cls), len(ben)):>6}       " for e in ran]
        lines.append(f"{cls:<9} {'':>7} " + "".join(f"{c:>{w}}" for c in cells))
    cells = []
    for e in ran:
        b, rj = fig.count(e, ben), fig.count(e, ben, ("reject",))
        cells.append(f"{b:>6} {pct(b, len(ben)):>6}" + (f" +{rj:<5}" if rj else " " * 7))
    lines.append(f"{'overall':<9} {len(ben):>7} " + "".join(f"{c:>{w}}" for c in cells))
    code = fig.ids("benign-code")
    if code:
        cells = [f"{fig.count(e, code):>6} {pct(fig.count(e, code), len(code)):>6}       " for e in ran]
        lines.append(f"{'code':<9} {len(code):>7} " + "".join(f"{c:>{w}}" for c in cells) + "   (forum posts quoting code)")
    lines.append("")
    lines.append("== CRS-negative cases blocked (CRS no_detect tests: that rule must not fire)")
    lines.append(f"{'class':<9} {'cases':>7} " + "".join(f"{e.title:>{w}}" for e in ran))
    for cls in CLASSES + ("overall",):
        ids = fig.ids("crs-negative", None if cls == "overall" else cls)
        if not ids:
            continue
        cells = [f"{fig.count(e, ids):>6} {pct(fig.count(e, ids), len(ids)):>6}       " for e in ran]
        lines.append(f"{cls:<9} {len(ids):>7} " + "".join(f"{c:>{w}}" for c in cells))
    lines.append("")
    lines.append("== Goals (Rampart vs CRS)")
    for check, verdict in goals:
        lines.append(f"  {verdict:<5} {check}")
    return "\n".join(lines)


def markdown(fig: Figures, goals, engines: list[Engine], args) -> str:
    ran = [e for e in engines if e.ran]
    md = []
    title = "WAF detection benchmark" + (" (quick: 10 % sample)" if args.quick else "")
    md.append(f"# {title} — {args.date}")
    md.append("")
    md.append(f"Made by `{args.command}`" if args.command else "Made by `bench/waf-detect.sh`.")
    md.append("")
    for v in args.versions or []:
        md.append(f"- {v}")
    if args.timings and Path(args.timings).exists():
        parts = []
        for line in Path(args.timings).read_text().splitlines():
            name, secs, *rest = line.split("\t")
            parts.append(f"{name} {float(secs):.0f} s" + (f" ({rest[0]})" if rest and rest[0] else ""))
        md.append("- time: " + "; ".join(parts))
    for e in engines:
        if e.note:
            md.append(f"- **{e.title}: {e.note}**")
    md.append("- detected = blocked by the WAF (Rampart: action other than ALLOW; ModSecurity: 403, or its 400 for an unparsable body). "
              "Requests nginx refused before ModSecurity saw them (400 from its parser, 408, 413, 414, …) are *rejected*: "
              "not a detection, but shown as stopped.")
    md.append("- corpora: OWASP CRS regression tests (Apache-2.0), PayloadsAllTheThings (MIT), and a generated benign set; see `bench/waf/README.md`.")
    md.append("")
    counts = Counter(subset(r) for r in fig.recs)
    md.append(f"Requests: {len(fig.recs)} — attacks {counts['attack']}, benign {counts['benign']}, "
              f"benign-code {counts['benign-code']}, crs-negative {counts['crs-negative']}.")
    md.append("")

    md.append("## Per class")
    md.append("")
    cols = ["class", "attacks"] + [f"{e.title} detected" for e in ran] + \
           [f"{e.title} stopped" for e in ran if e.kind != "rampart"] + \
           [f"{e.title} benign FP" for e in ran] + [f"{e.title} crs-negative blocked" for e in ran]
    md.append("| " + " | ".join(cols) + " |")
    md.append("|" + "|".join(["---"] + ["---:"] * (len(cols) - 1)) + "|")
    ben = fig.ids("benign")
    for cls in CLASSES + ("overall",):
        ids = fig.ids("attack", None if cls == "overall" else cls)
        neg = fig.ids("crs-negative", None if cls == "overall" else cls)
        row = [f"**{cls}**" if cls == "overall" else cls, str(len(ids))]
        row += [frac(fig.count(e, ids), len(ids)) for e in ran]
        row += [frac(fig.count(e, ids, ("block", "reject")), len(ids)) for e in ran if e.kind != "rampart"]
        if cls == "overall":
            row += [frac(fig.count(e, ben), len(ben)) for e in ran]
        else:
            row += [frac(fig.fp_attr(e, cls), len(ben)) for e in ran]
        row += [frac(fig.count(e, neg), len(neg)) for e in ran]
        md.append("| " + " | ".join(row) + " |")
        if cls == CLASSES[-1]:
            row = ["other rules", "-"] + ["-"] * len(ran) + ["-" for e in ran if e.kind != "rampart"]
            row += [frac(fig.fp_attr(e, "other"), len(ben)) for e in ran] + ["-"] * len(ran)
            md.append("| " + " | ".join(row) + " |")
    md.append("")
    md.append("\"other rules\": CRS's method enforcement (911100: PUT, PATCH and DELETE are not in its default "
              "`tx.allowed_methods`), scanner detection (913), multipart (922), generic (934), session fixation (943), "
              "Java (944); for Rampart, rules whose names name none of the seven classes.")
    md.append("")
    md.append("Benign FP per class counts the benign requests blocked with a rule of that class among the rules that fired "
              "(CRS: the rule ids ModSecurity logged; Rampart: the terminating rule and labels); a request can count in "
              "several classes. The overall row counts every benign request blocked, whatever the reason. "
              "crs-negative = CRS `no_detect` cases (\"this rule must not fire\"): a secondary false-positive measure.")
    md.append("")
    md.append("## Goals")
    md.append("")
    for check, verdict in goals:
        md.append(f"- **{verdict}** {check}")
    if not goals:
        md.append("- no CRS run to compare with")
    md.append("")

    md.append("## Detection by source")
    md.append("")
    md.append("| class | source | attacks | " + " | ".join(e.title for e in ran) + " |")
    md.append("|---|---|---:|" + "---:|" * len(ran))
    for cls in CLASSES:
        for src in ("crs", "patt"):
            ids = [i for i in fig.ids("attack", cls) if fig.by_id[i]["source"] == src]
            if ids:
                md.append(f"| {cls} | {src} | {len(ids)} | " + " | ".join(frac(fig.count(e, ids), len(ids)) for e in ran) + " |")
    md.append("")
    md.append("CRS regression attacks by the paranoia level of the CRS rule they were written for:")
    md.append("")
    md.append("| rule paranoia level | attacks | " + " | ".join(e.title for e in ran) + " |")
    md.append("|---|---:|" + "---:|" * len(ran))
    for pl in (1, 2, 3, 4):
        ids = [i for i in fig.ids("attack") if fig.by_id[i]["source"] == "crs" and fig.by_id[i]["paranoia_level"] == pl]
        if ids:
            md.append(f"| {pl} | {len(ids)} | " + " | ".join(frac(fig.count(e, ids), len(ids)) for e in ran) + " |")
    md.append("")

    md.append("## False positives by kind of benign request")
    md.append("")
    md.append("| kind | requests | " + " | ".join(e.title for e in ran) + " |")
    md.append("|---|---:|" + "---:|" * len(ran))
    kinds = defaultdict(list)
    for i in ben + fig.ids("benign-code"):
        kinds[benign_kind(fig.by_id[i]) if fig.by_id[i]["class"] != "benign-code" else "code (benign-code, not in the FP rate)"].append(i)
    for kind, ids in kinds.items():
        md.append(f"| {kind} | {len(ids)} | " + " | ".join(frac(fig.count(e, ids), len(ids)) for e in ran) + " |")
    md.append("")
    for e in ran:
        # Rampart: the terminating rule; CRS: every rule that matched
        rules = Counter(x for i in ben if e.outcome.get(i) == "block"
                        for x in (e.why.get(i, [])[:1] if e.kind == "rampart" else e.why.get(i, [])))
        if rules:
            md.append(f"{e.title}: rules behind its benign false positives (requests per rule): " +
                      ", ".join(f"{x} ({n})" for x, n in rules.most_common(15)))
            md.append("")
    for e in ran:
        fps = [i for i in ben if e.outcome.get(i) == "block"]
        if not fps:
            continue
        md.append(f"<details><summary>{e.title}: the {len(fps)} benign request(s) blocked</summary>")
        md.append("")
        for i in fps[:60]:
            rec = fig.by_id[i]
            md.append(f"- `{i}` {rec['method']} `{rec['uri'][:90]}` — {', '.join(e.why.get(i, [])[:8]) or '?'}")
        if len(fps) > 60:
            md.append(f"- … {len(fps) - 60} more in the outcomes file")
        md.append("")
        md.append("</details>")
        md.append("")

    rejected = [e for e in ran if any(v == "reject" for v in e.outcome.values())]
    if rejected:
        md.append("## Refused by the server (not counted as detections)")
        md.append("")
        for e in rejected:
            per_set = Counter(subset(fig.by_id[i]) for i, v in e.outcome.items() if v == "reject")
            reasons = Counter(e.reason.get(i, "?") for i, v in e.outcome.items() if v == "reject")
            md.append(f"- {e.title}: " + ", ".join(f"{k} {v}" for k, v in sorted(per_set.items())) + "; reasons: " +
                      "; ".join(f"{r} ({n})" for r, n in reasons.most_common(6)))
        md.append("")

    r = next((e for e in ran if e.key == "rampart"), None)
    if r:
        md.append("## Rampart's misses that CRS caught (first 10 per class; all with `bench/waf-detect.sh --misses CLASS`)")
        md.append("")
        for cls in CLASSES:
            miss = [i for i in fig.ids("attack", cls) if r.outcome.get(i) == "allow"
                    and any(e.outcome.get(i) == "block" for e in ran if e.kind == "modsec")]
            if not miss:
                continue
            md.append(f"**{cls}** ({len(miss)}):")
            md.append("")
            for i in miss[:10]:
                md.append(f"- `{i}`: {describe(fig.by_id[i], 120)}")
            md.append("")
    return "\n".join(md) + "\n"


# Headers every CRS case carries; the others are shown, as the attack is often in one.
PLAIN_HEADERS = {"host", "connection", "content-length"}
PLAIN_VALUES = {
    ("user-agent", "OWASP CRS test agent"), ("accept", "*/*"),
    ("accept", "text/xml,application/xml,application/xhtml+xml,text/html;q=0.9,text/plain;q=0.8,image/png,*/*;q=0.5"),
    ("content-type", "application/x-www-form-urlencoded"),
}


def describe(rec: dict, width: int) -> str:
    body = rec.get("body") or ("<base64 body>" if rec.get("body_base64") else "")
    text = f"{rec['method']} {rec['uri']}"
    odd = [f"{n}: {v}" for n, v in rec["headers"]
           if n.lower() not in PLAIN_HEADERS and (n.lower(), v) not in PLAIN_VALUES]
    if rec["source"] == "crs" and odd:  # CRS cases often carry the attack in a header
        text += "  headers: " + "; ".join(odd)
    if body:
        text += f"  body: {body}"
    text = text.replace("\r", "\\r").replace("\n", "\\n").replace("`", "'")
    return text if len(text) <= width else text[: width - 1] + "…"


def misses(outcomes: Path, requests: Path, cls: str) -> int:
    if not outcomes.exists():
        print(f"no outcomes at {outcomes}: run bench/waf-detect.sh first", file=sys.stderr)
        return 1
    rows = [json.loads(line) for line in outcomes.read_text(encoding="utf-8").splitlines()]
    recs = {}
    if requests.exists():
        for line in requests.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            recs[rec["id"]] = rec
    if not any("rampart" in r for r in rows):
        print("the last run has no Rampart results", file=sys.stderr)
        return 1
    crs_keys = sorted(k for k in rows[0] if k.startswith("crs_pl") and not k.endswith("_why"))
    if cls == "fp":
        sel = [r for r in rows if r["set"] == "benign" and r.get("rampart") == "block"]
        print(f"Rampart's false positives: {len(sel)}")
    else:
        sel = [r for r in rows if r["set"] == "attack" and (cls == "all" or r["class"] == cls)
               and r.get("rampart") == "allow" and any(r.get(k) == "block" for k in crs_keys)]
        print(f"Rampart's misses in {cls} that CRS caught: {len(sel)}")
    for r in sel:
        caught = ",".join(k.replace("crs_", "").upper() for k in crs_keys if r.get(k) == "block")
        rules = sorted({x for k in crs_keys for x in r.get(f"{k}_why") or []})
        extra = f"rampart: {' '.join(r.get('rampart_why') or [])}" if cls == "fp" else f"CRS {caught} rules {' '.join(rules[:8])}"
        print(f"{r['id']}  [{extra}]")
        if r["id"] in recs:
            print(f"    {describe(recs[r['id']], 300)}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=Path, required=True)
    ap.add_argument("--rampart", type=Path, help="rampart waf test --output json results")
    ap.add_argument("--rampart-url-results", type=Path, help="send.py results against a Rampart load balancer")
    ap.add_argument("--rampart-note", default="", help="why Rampart's column is missing")
    ap.add_argument("--crs", action="append", default=[], metavar="LEVEL=FILE", help="send.py results for CRS at LEVEL")
    ap.add_argument("--outcomes", type=Path, help="write the per-request outcomes here (JSON lines)")
    ap.add_argument("--md", type=Path, help="write the markdown report here")
    ap.add_argument("--timings", help="TSV: part, seconds, detail")
    ap.add_argument("--versions", action="append")
    ap.add_argument("--command", default="")
    ap.add_argument("--date", default="")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--misses", metavar="CLASS", help="print Rampart's misses of CLASS (or all, or fp) from --outcomes")
    args = ap.parse_args()

    if args.misses:
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # | head
        if args.outcomes is None:
            sys.exit("--misses needs --outcomes")
        return misses(args.outcomes, args.requests, args.misses)

    recs = [json.loads(line) for line in args.requests.read_text(encoding="utf-8").splitlines()]
    engines: list[Engine] = []
    rampart = None
    if args.rampart_url_results:
        rampart = Engine("rampart", "Rampart (LB)", "url", args.rampart_url_results, args.rampart_note)
    elif args.rampart or args.rampart_note:
        rampart = Engine("rampart", "Rampart", "rampart", args.rampart, args.rampart_note)
    if rampart:
        engines.append(rampart)
    crs: dict[int, Engine] = {}
    for spec in args.crs:
        level, _, path = spec.partition("=")
        crs[int(level)] = Engine(f"crs_pl{level}", f"CRS PL{level}", "modsec", Path(path))
        engines.append(crs[int(level)])
    for e in engines:
        e.load(recs)
    fig = Figures(recs, engines)
    goals = goal_lines(fig, rampart, crs)
    ran = [e for e in engines if e.ran]
    print(terminal(fig, goals, ran))
    for e in engines:
        if e.note:
            print(f"NOTE {e.title}: {e.note}")

    if args.outcomes:
        with open(args.outcomes, "w", encoding="utf-8") as f:
            for rec in recs:
                row = {"id": rec["id"], "set": subset(rec), "class": rec["class"], "source": rec["source"],
                       "paranoia_level": rec["paranoia_level"]}
                for e in ran:
                    row[e.key] = e.outcome.get(rec["id"])
                    row[f"{e.key}_why"] = e.why.get(rec["id"], [])
                f.write(json.dumps(row, separators=(",", ":")) + "\n")
    if args.md:
        args.md.write_text(markdown(fig, goals, engines, args), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
