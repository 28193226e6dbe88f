//! Measures the SQL injection detector on public corpora: recall on attacks, false positives on
//! benign values, and the cost per benign value.
//!
//! ```text
//! cargo run --release -p rampart-waf --example sqli_corpus -- [--corpora DIR] [--show misses|fp|all|files]
//! cargo run --release -p rampart-waf --example sqli_corpus -- --one "' or 1=1--"   # one value, both levels, cost
//! cargo run --release -p rampart-waf --example sqli_corpus -- --lines FILE...      # what each line of text gives
//! cargo run --release -p rampart-waf --example sqli_corpus -- --rank               # the costliest benign values
//! ```
//!
//! `ROUNDS` (for `--one`) and `BENIGN_ROUNDS` (for the cost of the benign list) set how many
//! times values are run, e.g. to count instructions under callgrind.
//!
//! Sources (not in this repository; see `/work/shared/corpora/README.md` for provenance):
//! - OWASP CRS regression tests (Apache-2.0), `crs-regression/tests/REQUEST-942-*`: the SQL
//!   injection rules' cases, with their paranoia level from `index.tsv`. A case is detected
//!   when any field of its request is: each query and form argument's name and value, each
//!   cookie, the headers an application reads (`User-Agent`, `Referer`, others not about the
//!   transport), the URI path, and the whole body (as `SQLi_BODY` inspects it). Every field goes
//!   through URL decoding and HTML entity decoding first, like the managed rules' transformations.
//!   `no_detect` cases ("this rule must not fire") count as false positives when detected, and
//!   so do the `no_detect_any` cases of every class.
//! - PayloadsAllTheThings (MIT), `payloadsallthethings/sqli/*`: one payload per line, URL-decoded
//!   once as a server would; lines starting with `# ` are the files' own comments.
//! - `crates/waf/tests/data/sqli-benign.txt` (this repository): realistic benign field values.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::Value;
use waf::detect::sqli::{Sensitivity, detect};

const LEVELS: [Sensitivity; 2] = [Sensitivity::Low, Sensitivity::High];

struct Case {
    rule: String,
    test: String,
    pl: u8,
    label: String,
    fields: Vec<(String, Vec<u8>)>,
}

fn main() {
    let mut corpora = PathBuf::from("/work/shared/corpora");
    let mut show = String::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--corpora" => corpora = args.next().map(PathBuf::from).unwrap_or(corpora),
            "--show" => show = args.next().unwrap_or_default(),
            "--lines" => {
                // every line of the files given: which ones each sensitivity reports
                let files: Vec<String> = args.by_ref().collect();
                for level in LEVELS {
                    let (mut n, mut hits) = (0, 0);
                    for f in &files {
                        let text = std::fs::read(f).unwrap_or_default();
                        for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                            n += 1;
                            if let Some(d) = detect(line, level) {
                                hits += 1;
                                let line = String::from_utf8_lossy(line);
                                println!(
                                    "  {level:?} {f}: {}  {} {:?}",
                                    clip(&line),
                                    d.reason,
                                    d.matched
                                );
                            }
                        }
                    }
                    println!("{level:?}: {hits}/{n} lines reported");
                }
                return;
            }
            "--rank" => {
                // the costliest benign values, to see where time goes
                let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sqli-benign.txt");
                let text = std::fs::read(path).unwrap_or_default();
                let mut costs: Vec<(u128, String)> = text
                    .split(|&b| b == b'\n')
                    .filter(|l| !l.is_empty())
                    .map(|v| {
                        let t = Instant::now();
                        for _ in 0..2000 {
                            for level in LEVELS {
                                std::hint::black_box(detect(std::hint::black_box(v), level));
                            }
                        }
                        (
                            t.elapsed().as_nanos() / 4000,
                            String::from_utf8_lossy(v).into_owned(),
                        )
                    })
                    .collect();
                costs.sort_by_key(|c| std::cmp::Reverse(c.0));
                for (ns, v) in costs.iter().take(25) {
                    println!("{ns:>7} ns  {}", clip(v));
                }
                return;
            }
            "--one" => {
                // one value: the verdict at each sensitivity and the cost
                let v = args.next().unwrap_or_default().into_bytes();
                for level in LEVELS {
                    let t = Instant::now();
                    let rounds: u32 = std::env::var("ROUNDS")
                        .ok()
                        .and_then(|r| r.parse().ok())
                        .unwrap_or(100_000);
                    for _ in 0..rounds {
                        std::hint::black_box(detect(std::hint::black_box(&v), level));
                    }
                    let ns = t.elapsed().as_nanos() / u128::from(rounds);
                    println!("{level:?}: {:?} ({ns} ns)", detect(&v, level));
                }
                return;
            }
            _ => {
                eprintln!("usage: sqli_corpus [--corpora DIR] [--show misses|fp|all]");
                std::process::exit(2);
            }
        }
    }
    let benign_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sqli-benign.txt");
    let benign: Vec<Vec<u8>> = std::fs::read(&benign_path)
        .map(|b| {
            b.split(|&c| c == b'\n')
                .filter(|l| !l.is_empty())
                .map(<[u8]>::to_vec)
                .collect()
        })
        .unwrap_or_default();

    let crs = load_crs(&corpora.join("crs-regression"));
    let any_benign = load_no_detect_any(&corpora.join("crs-regression"));
    let patt = load_patt(&corpora.join("payloadsallthethings/sqli"));
    println!(
        "CRS 942 cases: {}  no_detect_any cases (all classes): {}  PATT sqli payloads: {}  benign values: {}",
        crs.len(),
        any_benign.len(),
        patt.len(),
        benign.len()
    );

    for level in LEVELS {
        println!("\n== sensitivity {level:?}");
        let hit = |c: &Case| {
            c.fields
                .iter()
                .find_map(|(name, v)| detect(v, level).map(|d| (name.clone(), d)))
        };
        let mut rows: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for c in &crs {
            let detected = hit(c);
            let key = match (c.label.as_str(), c.pl) {
                ("detect", 1) => "recall   CRS-942 PL1",
                ("detect", 2) => "recall   CRS-942 PL2",
                ("detect", _) => "recall   CRS-942 PL3-4",
                ("no_detect", _) => "false+   CRS-942 no_detect",
                _ => continue,
            };
            let e = rows.entry(key).or_default();
            e.1 += 1;
            if detected.is_some() {
                e.0 += 1;
            }
            let print = match show.as_str() {
                "misses" => c.label == "detect" && c.pl <= 2 && detected.is_none(),
                "fp" => c.label == "no_detect" && detected.is_some(),
                "all" => true,
                _ => false,
            };
            if print {
                let payload = c
                    .fields
                    .iter()
                    .map(|(n, v)| format!("{n}={}", String::from_utf8_lossy(v)))
                    .collect::<Vec<_>>()
                    .join(" | ");
                let why = detected.map_or(String::new(), |(f, d)| {
                    format!("{f}: {} {:?}", d.reason, d.matched)
                });
                println!(
                    "  {} {}-{} PL{} {}  {}",
                    c.label,
                    c.rule,
                    c.test,
                    c.pl,
                    clip(&payload),
                    why
                );
            }
        }
        let (p1, n1) = rows
            .get("recall   CRS-942 PL1")
            .copied()
            .unwrap_or_default();
        let (p2, n2) = rows
            .get("recall   CRS-942 PL2")
            .copied()
            .unwrap_or_default();
        for (k, (hits, total)) in &rows {
            println!("  {k:<28} {hits:>4}/{total:<4} {:6.1}%", pct(*hits, *total));
        }
        println!(
            "  {:<28} {:>4}/{:<4} {:6.1}%",
            "recall   CRS-942 PL1+PL2",
            p1 + p2,
            n1 + n2,
            pct(p1 + p2, n1 + n2)
        );

        let mut any_fp = 0;
        for c in &any_benign {
            if let Some((f, d)) = hit(c) {
                any_fp += 1;
                if show == "fp" || show == "all" {
                    println!(
                        "  no_detect_any {}-{}: {f}: {} {:?}",
                        c.rule, c.test, d.reason, d.matched
                    );
                }
            }
        }
        println!(
            "  {:<28} {:>4}/{:<4} {:6.1}%",
            "false+   CRS no_detect_any",
            any_fp,
            any_benign.len(),
            pct(any_fp, any_benign.len())
        );

        let mut patt_hits = 0;
        let mut by_file: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for (file, p) in &patt {
            let e = by_file.entry(file.as_str()).or_default();
            e.1 += 1;
            if detect(p, level).is_some() {
                patt_hits += 1;
                e.0 += 1;
            } else if show == "misses" || show == "all" {
                println!("  PATT miss {file}: {}", clip(&String::from_utf8_lossy(p)));
            }
        }
        println!(
            "  {:<28} {:>4}/{:<4} {:6.1}%",
            "recall   PATT sqli",
            patt_hits,
            patt.len(),
            pct(patt_hits, patt.len())
        );
        // as bench/waf/corpus.py counts them: no fragments (fewer than two letters or digits, or
        // one bare word), each line once
        let mut seen = std::collections::HashSet::new();
        let (mut hits, mut total) = (0, 0);
        for (_, p) in &patt {
            let alnum = p.iter().filter(|b| b.is_ascii_alphanumeric()).count();
            let bare_word = p
                .trim_ascii()
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
            if alnum < 2 || bare_word || !seen.insert(p.clone()) {
                continue;
            }
            total += 1;
            hits += usize::from(detect(p, level).is_some());
        }
        println!(
            "  {:<28} {:>4}/{:<4} {:6.1}%",
            "recall   PATT (no fragments)",
            hits,
            total,
            pct(hits, total)
        );
        if show == "files" {
            for (f, (h, n)) in by_file {
                println!("    {f:<36} {h:>4}/{n:<4}");
            }
        }

        let mut fp = 0;
        for b in &benign {
            if let Some(d) = detect(b, level) {
                fp += 1;
                if show == "fp" || show == "all" {
                    println!(
                        "  benign FP: {}  {} {:?}",
                        clip(&String::from_utf8_lossy(b)),
                        d.reason,
                        d.matched
                    );
                }
            }
        }
        println!(
            "  {:<28} {:>4}/{:<4} {:6.1}%",
            "false+   benign list",
            fp,
            benign.len(),
            pct(fp, benign.len())
        );

        if !benign.is_empty() {
            let rounds: usize = std::env::var("BENIGN_ROUNDS")
                .ok()
                .and_then(|r| r.parse().ok())
                .unwrap_or(2000);
            let bytes: usize = benign.iter().map(Vec::len).sum();
            let t = Instant::now();
            let mut n = 0usize;
            for _ in 0..rounds {
                for b in &benign {
                    n += usize::from(detect(std::hint::black_box(b), level).is_some());
                }
            }
            let ns = t.elapsed().as_nanos() as f64 / (rounds * benign.len()) as f64;
            println!(
                "  cost: {ns:.0} ns per benign value (mean {} bytes) {}",
                bytes / benign.len(),
                if n == usize::MAX { "!" } else { "" }
            );
        }
    }
}

fn pct(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        100.0 * a as f64 / b as f64
    }
}

fn clip(s: &str) -> String {
    let s = s.replace('\n', "\\n");
    if s.chars().count() > 160 {
        format!("{}…", s.chars().take(160).collect::<String>())
    } else {
        s
    }
}

/// (rule, test) → (paranoia level, label, class), from `index.tsv`.
fn load_index(dir: &Path) -> HashMap<(String, String), (u8, String, String)> {
    let text = std::fs::read_to_string(dir.join("index.tsv")).unwrap_or_default();
    let mut map = HashMap::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 6 {
            continue;
        }
        let pl = cols[4].parse().unwrap_or(0);
        map.insert(
            (cols[1].to_string(), cols[2].to_string()),
            (pl, cols[5].to_string(), cols[3].to_string()),
        );
    }
    map
}

fn load_crs(dir: &Path) -> Vec<Case> {
    let index = load_index(dir);
    let mut cases = Vec::new();
    let Ok(rules) = std::fs::read_dir(dir.join("tests")) else {
        eprintln!("no CRS tests under {}", dir.display());
        return cases;
    };
    let mut files: Vec<PathBuf> = rules
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("REQUEST-942"))
        .flat_map(|e| {
            std::fs::read_dir(e.path())
                .into_iter()
                .flatten()
                .flatten()
                .map(|f| f.path())
        })
        .collect();
    files.sort();
    for f in files {
        cases.extend(load_file(&f, &index, |_| true));
    }
    cases
}

fn load_no_detect_any(dir: &Path) -> Vec<Case> {
    let index = load_index(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("tests"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("REQUEST-"))
        .flat_map(|e| {
            std::fs::read_dir(e.path())
                .into_iter()
                .flatten()
                .flatten()
                .map(|f| f.path())
        })
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for f in files {
        cases.extend(load_file(&f, &index, |label| label == "no_detect_any"));
    }
    cases
}

fn load_file(
    path: &Path,
    index: &HashMap<(String, String), (u8, String, String)>,
    keep: impl Fn(&str) -> bool,
) -> Vec<Case> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let doc: Value = match serde_saphyr::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{}: {e}", path.display());
            return Vec::new();
        }
    };
    let rule = scalar(&doc["rule_id"]);
    let mut out = Vec::new();
    for t in doc["tests"].as_array().into_iter().flatten() {
        let test = scalar(&t["test_id"]);
        let Some((pl, label, _class)) = index.get(&(rule.clone(), test.clone())) else {
            continue;
        };
        if !keep(label) {
            continue;
        }
        let mut fields = Vec::new();
        for s in t["stages"].as_array().into_iter().flatten() {
            let input = if s["input"].is_object() {
                &s["input"]
            } else {
                &s["stage"]["input"]
            };
            request_fields(input, &mut fields);
        }
        out.push(Case {
            rule: rule.clone(),
            test,
            pl: *pl,
            label: label.clone(),
            fields,
        });
    }
    out
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The fields of one request, transformed (URL decode, HTML entity decode).
fn request_fields(input: &Value, out: &mut Vec<(String, Vec<u8>)>) {
    if let Some(enc) = input["encoded_request"].as_str() {
        let raw = base64_decode(enc);
        raw_request_fields(&raw, out);
        return;
    }
    let uri = scalar(&input["uri"]);
    let mut headers = Vec::new();
    if let Some(h) = input["headers"].as_object() {
        for (k, v) in h {
            headers.push((k.clone(), scalar(v).into_bytes()));
        }
    }
    let body = scalar(&input["data"]).into_bytes();
    fields_of(uri.as_bytes(), &headers, &body, out);
}

fn raw_request_fields(raw: &[u8], out: &mut Vec<(String, Vec<u8>)>) {
    let head_end = find(raw, b"\r\n\r\n")
        .map(|i| (i, i + 4))
        .or_else(|| find(raw, b"\n\n").map(|i| (i, i + 2)));
    let (head, body) = match head_end {
        Some((h, b)) => (&raw[..h], &raw[b..]),
        None => (raw, &[][..]),
    };
    let mut lines = head
        .split(|&c| c == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let request_line = lines.next().unwrap_or_default();
    let uri = request_line
        .split(|&c| c == b' ')
        .nth(1)
        .unwrap_or_default();
    let headers: Vec<(String, Vec<u8>)> = lines
        .filter_map(|l| {
            let i = l.iter().position(|&c| c == b':')?;
            Some((
                String::from_utf8_lossy(&l[..i]).trim().to_string(),
                l[i + 1..].trim_ascii().to_vec(),
            ))
        })
        .collect();
    fields_of(uri, &headers, body, out);
}

fn fields_of(
    uri: &[u8],
    headers: &[(String, Vec<u8>)],
    body: &[u8],
    out: &mut Vec<(String, Vec<u8>)>,
) {
    let (path, query) = match uri.iter().position(|&c| c == b'?') {
        Some(i) => (&uri[..i], &uri[i + 1..]),
        None => (uri, &[][..]),
    };
    out.push(("path".into(), transform(path, false)));
    args(query, "query", out);
    let mut content_type = Vec::new();
    for (name, value) in headers {
        match name.to_ascii_lowercase().as_str() {
            "cookie" => {
                for c in value.split(|&b| b == b';') {
                    let c = c.trim_ascii();
                    match c.iter().position(|&b| b == b'=') {
                        Some(i) => {
                            out.push(("cookie-name".into(), transform(&c[..i], false)));
                            out.push(("cookie".into(), transform(&c[i + 1..], false)));
                        }
                        None => out.push(("cookie".into(), transform(c, false))),
                    }
                }
            }
            "content-type" => content_type = value.to_ascii_lowercase(),
            "host" | "accept" | "content-length" | "connection" | "accept-encoding"
            | "accept-language" | "accept-charset" | "cache-control" | "keep-alive"
            | "proxy-connection" | "transfer-encoding" | "te" | "upgrade" | "pragma" => {}
            other => out.push((format!("header:{other}"), transform(value, false))),
        }
    }
    if !body.is_empty() {
        out.push(("body".into(), transform(body, true)));
        let form =
            content_type.is_empty() || find(&content_type, b"x-www-form-urlencoded").is_some();
        if form {
            args(body, "form", out);
        }
    }
}

fn args(s: &[u8], what: &str, out: &mut Vec<(String, Vec<u8>)>) {
    if s.is_empty() {
        return;
    }
    for pair in s.split(|&c| c == b'&') {
        match pair.iter().position(|&c| c == b'=') {
            Some(i) => {
                out.push((format!("{what}-name"), transform(&pair[..i], true)));
                out.push((what.to_string(), transform(&pair[i + 1..], true)));
            }
            None => out.push((what.to_string(), transform(pair, true))),
        }
    }
}

fn transform(s: &[u8], plus: bool) -> Vec<u8> {
    html_decode(&url_decode(s, plus))
}

fn url_decode(s: &[u8], plus: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'%' => {
                let h = s
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match h {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

fn html_decode(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'&'
            && let Some(len) = s[i..].iter().take(12).position(|&c| c == b';')
        {
            let ent = &s[i + 1..i + len];
            let cp = match ent {
                b"quot" => Some(0x22),
                b"amp" => Some(0x26),
                b"lt" => Some(0x3C),
                b"gt" => Some(0x3E),
                b"apos" => Some(0x27),
                b"nbsp" => Some(0xA0),
                [b'#', b'x' | b'X', hex @ ..] => std::str::from_utf8(hex)
                    .ok()
                    .and_then(|h| u32::from_str_radix(h, 16).ok()),
                [b'#', dec @ ..] => std::str::from_utf8(dec).ok().and_then(|d| d.parse().ok()),
                _ => None,
            };
            if let Some(c) = cp.and_then(char::from_u32) {
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                i += len + 1;
                continue;
            }
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

fn base64_decode(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn load_patt(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Ok(bytes) = std::fs::read(&f) else {
            continue;
        };
        for line in bytes.split(|&c| c == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() || line.starts_with(b"# ") {
                continue;
            }
            out.push((name.clone(), url_decode(line, false)));
        }
    }
    out
}
