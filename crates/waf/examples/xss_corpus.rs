//! Measures the cross-site scripting detector on public corpora: recall on the OWASP CRS
//! regression tests of rule file 941 (by paranoia level) and on the PayloadsAllTheThings XSS
//! lists, false positives on CRS's `no_detect` cases and on Rampart's benign list, and the
//! time per benign value.
//!
//! ```text
//! cargo run --release -p rampart-waf --example xss_corpus -- [CORPORA] [-v]
//! cargo run --release -p rampart-waf --example xss_corpus -- [-v] --lines FILE…
//! ```
//!
//! `CORPORA` defaults to `$RAMPART_CORPORA` or `/work/shared/corpora` (see its README.md for
//! provenance and licences: CRS tests are Apache-2.0, OWASP CRS project; PayloadsAllTheThings
//! is MIT, swisskyrepo). `-v` lists every miss and false positive. `--lines` instead counts
//! the lines of any files (documentation, source code: prose and code as people post them)
//! that the detector flags.
//!
//! Each request is split into the fields a web ACL inspects one by one — the URI path, every
//! query and form argument (name and value), the whole body, every JSON string, every cookie,
//! every header value — and each field goes through the managed XSS rules' transformations
//! (`URL_DECODE`, here with IIS `%uXXXX` too, then `HTML_ENTITY_DECODE`) before the detector
//! sees it. "AWS fields" counts only what `CrossSiteScripting_*` inspect: path, query values,
//! body, cookie values. `\xNN` in a test's `data` is sent as that byte, as go-ftw does.
//!
//! A few `no_detect` cases carry a real attack where the CRS rule under test does not look
//! (`GENUINE_ATTACKS`); they are counted apart, as CRS records platform differences in its
//! `*-overrides.yaml`.

use std::collections::BTreeMap;
use std::error::Error;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::Value;
use waf::detect::xss;

type Res<T> = Result<T, Box<dyn Error>>;

/// Where a field came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Loc {
    Path,
    QueryName,
    QueryValue,
    Body,
    BodyName,
    BodyValue,
    JsonString,
    CookieName,
    CookieValue,
    Header,
}

impl Loc {
    /// Inspected by AWS's `CrossSiteScripting_URIPATH|_QUERYARGUMENTS|_BODY|_COOKIE`.
    fn aws(self) -> bool {
        matches!(
            self,
            Loc::Path | Loc::QueryValue | Loc::Body | Loc::CookieValue
        )
    }
}

struct Field {
    loc: Loc,
    value: Vec<u8>,
}

fn hex(c: u8) -> Option<u8> {
    char::from(c)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// `%XX` and `%uXXXX` decoding (with `+` as space when `plus`).
fn url_decode(s: &[u8], plus: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c == b'%' {
            if let (Some(h), Some(l)) = (
                s.get(i + 1).and_then(|&c| hex(c)),
                s.get(i + 2).and_then(|&c| hex(c)),
            ) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
            if matches!(s.get(i + 1), Some(b'u' | b'U')) {
                let digits: Option<Vec<u8>> = s
                    .get(i + 2..i + 6)
                    .map(|d| d.iter().filter_map(|&c| hex(c)).collect());
                if let Some(d) = digits.filter(|d| d.len() == 4) {
                    let cp = d.iter().fold(0u32, |a, &x| a * 16 + u32::from(x));
                    let ch = char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER);
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                    i += 6;
                    continue;
                }
            }
        }
        out.push(if plus && c == b'+' { b' ' } else { c });
        i += 1;
    }
    out
}

/// HTML character references: numeric ones and the common named ones.
fn html_entity_decode(s: &[u8]) -> Vec<u8> {
    const NAMED: &[(&str, char)] = &[
        ("lt", '<'),
        ("gt", '>'),
        ("amp", '&'),
        ("quot", '"'),
        ("apos", '\''),
        ("nbsp", '\u{a0}'),
        ("colon", ':'),
        ("lpar", '('),
        ("rpar", ')'),
        ("tab", '\t'),
        ("newline", '\n'),
        ("sol", '/'),
        ("bsol", '\\'),
        ("semi", ';'),
        ("comma", ','),
        ("period", '.'),
        ("excl", '!'),
        ("equals", '='),
        ("grave", '`'),
        ("lsqb", '['),
        ("rsqb", ']'),
        ("lcub", '{'),
        ("rcub", '}'),
        ("plus", '+'),
        ("num", '#'),
    ];
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    'outer: while i < s.len() {
        if s[i] == b'&' {
            let rest = &s[i + 1..];
            if let Some(num) = rest.strip_prefix(b"#") {
                let (radix, digits) = match num.first() {
                    Some(b'x' | b'X') => (16, &num[1..]),
                    _ => (10, num),
                };
                let n = digits
                    .iter()
                    .take_while(|c| char::from(**c).is_digit(radix))
                    .count();
                if n > 0 {
                    let v = digits[..n].iter().fold(0u32, |a, &c| {
                        a.saturating_mul(radix)
                            .saturating_add(char::from(c).to_digit(radix).unwrap_or(0))
                    });
                    let ch = char::from_u32(v).unwrap_or(char::REPLACEMENT_CHARACTER);
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                    i += 1 + 1 + (num.len() - digits.len()) + n;
                    if s.get(i) == Some(&b';') {
                        i += 1;
                    }
                    continue;
                }
            }
            for (name, ch) in NAMED {
                let nb = name.as_bytes();
                if rest.len() > nb.len()
                    && rest[..nb.len()].eq_ignore_ascii_case(nb)
                    && rest[nb.len()] == b';'
                {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                    i += 1 + nb.len() + 1;
                    continue 'outer;
                }
            }
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

/// The managed XSS rules' transformations.
fn transform(v: &[u8]) -> Vec<u8> {
    html_entity_decode(&url_decode(v, false))
}

fn detect(v: &[u8]) -> Option<waf::detect::Detection> {
    xss::detect(&transform(v))
}

/// `name=value&…`, decoded as a form parser does.
fn split_args(s: &[u8], name_loc: Loc, value_loc: Loc, out: &mut Vec<Field>) {
    for pair in s.split(|&c| c == b'&').filter(|p| !p.is_empty()) {
        let (n, v) = match pair.iter().position(|&c| c == b'=') {
            Some(k) => (&pair[..k], &pair[k + 1..]),
            None => (pair, &b""[..]),
        };
        out.push(Field {
            loc: name_loc,
            value: url_decode(n, true),
        });
        if !v.is_empty() {
            out.push(Field {
                loc: value_loc,
                value: url_decode(v, true),
            });
        }
    }
}

fn json_strings(v: &Value, out: &mut Vec<Field>) {
    match v {
        Value::String(s) => out.push(Field {
            loc: Loc::JsonString,
            value: s.as_bytes().to_vec(),
        }),
        Value::Array(a) => a.iter().for_each(|x| json_strings(x, out)),
        Value::Object(o) => {
            for (k, x) in o {
                out.push(Field {
                    loc: Loc::JsonString,
                    value: k.as_bytes().to_vec(),
                });
                json_strings(x, out);
            }
        }
        _ => {}
    }
}

/// The fields of one request.
fn fields(uri: &[u8], headers: &[(String, Vec<u8>)], body: &[u8]) -> Vec<Field> {
    let mut out = Vec::new();
    let (path, query) = match uri.iter().position(|&c| c == b'?') {
        Some(k) => (&uri[..k], Some(&uri[k + 1..])),
        None => (uri, None),
    };
    out.push(Field {
        loc: Loc::Path,
        value: url_decode(path, false),
    });
    if let Some(q) = query {
        split_args(q, Loc::QueryName, Loc::QueryValue, &mut out);
    }
    let mut content_type = String::new();
    for (name, value) in headers {
        match name.to_ascii_lowercase().as_str() {
            "cookie" => {
                for c in value.split(|&c| c == b';') {
                    let c = c.trim_ascii();
                    let (n, v) = match c.iter().position(|&x| x == b'=') {
                        Some(k) => (&c[..k], &c[k + 1..]),
                        None => (c, &b""[..]),
                    };
                    out.push(Field {
                        loc: Loc::CookieName,
                        value: url_decode(n, false),
                    });
                    out.push(Field {
                        loc: Loc::CookieValue,
                        value: url_decode(v, false),
                    });
                }
            }
            "content-type" => content_type = String::from_utf8_lossy(value).to_ascii_lowercase(),
            "host" | "accept" | "content-length" | "connection" | "accept-encoding" => {}
            _ => out.push(Field {
                loc: Loc::Header,
                value: value.clone(),
            }),
        }
    }
    if !body.is_empty() {
        out.push(Field {
            loc: Loc::Body,
            value: body.to_vec(),
        });
        if content_type.contains("json") || body.first() == Some(&b'{') {
            if let Ok(v) = serde_json::from_slice::<Value>(body) {
                json_strings(&v, &mut out);
            }
        } else if !content_type.contains("xml") && !body.starts_with(b"<") {
            split_args(body, Loc::BodyName, Loc::BodyValue, &mut out);
        }
    }
    out
}

fn base64_decode(s: &str) -> Res<Vec<u8>> {
    let mut out = Vec::new();
    let (mut bits, mut n) = (0u32, 0);
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return Err(format!("bad base64 byte {c}").into()),
        };
        bits = bits << 6 | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    Ok(out)
}

/// `\xNN` in CRS's `data` (plain YAML scalars keep them): go-ftw sends those bytes.
fn unescape_hex(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && b.get(i + 1) == Some(&b'x')
            && let (Some(h), Some(l)) = (
                b.get(i + 2).and_then(|&c| hex(c)),
                b.get(i + 3).and_then(|&c| hex(c)),
            )
        {
            out.push(h << 4 | l);
            i += 4;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// CRS `no_detect` cases that carry a real attack in a place or form the CRS rule under test
/// does not look at (as CRS's own `*-overrides.yaml` record platform differences): counted
/// apart from false positives.
const GENUINE_ATTACKS: &[(&str, &str)] = &[
    ("941100#5", "a full <script> payload in Referer"),
    (
        "941110#10",
        "alert(1); in an argument name, 7-bit encoded tags around it",
    ),
    ("941140#14", "url(javascript:alert(1))"),
    ("941310#8", "alert(¢XSS¢) between half-encoded tags"),
    ("941310#9", "alert(¢XSS¢) between half-encoded tags"),
    ("932230#14", "<!--#exec cmd=…--> server-side include"),
    ("932230#18", "<!--#exec cmd=…--> server-side include"),
    ("932230#19", "<!--#exec cmd=…--> server-side include"),
];

/// The fields of every stage of one CRS test.
fn crs_fields(test: &Value) -> Res<Vec<Field>> {
    let mut out = Vec::new();
    for stage in test["stages"].as_array().into_iter().flatten() {
        let input = stage
            .get("input")
            .or_else(|| stage.get("stage").and_then(|s| s.get("input")));
        let Some(input) = input else { continue };
        if let Some(enc) = input.get("encoded_request").and_then(Value::as_str) {
            let raw = base64_decode(enc)?;
            let (head, body) = match raw.windows(4).position(|w| w == b"\r\n\r\n") {
                Some(k) => (&raw[..k], &raw[k + 4..]),
                None => (&raw[..], &b""[..]),
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
                    let k = l.iter().position(|&c| c == b':')?;
                    Some((
                        String::from_utf8_lossy(&l[..k]).into_owned(),
                        l[k + 1..].trim_ascii().to_vec(),
                    ))
                })
                .collect();
            out.extend(fields(uri, &headers, body));
            continue;
        }
        let uri = input.get("uri").and_then(scalar).unwrap_or_default();
        let headers: Vec<(String, Vec<u8>)> = input
            .get("headers")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.clone(), scalar(v)?.into_bytes())))
            .collect();
        let body = input
            .get("data")
            .and_then(scalar)
            .map(|d| unescape_hex(&d))
            .unwrap_or_default();
        out.extend(fields(uri.as_bytes(), &headers, &body));
    }
    Ok(out)
}

#[derive(Default)]
struct Tally {
    total: usize,
    hit: usize,
    hit_aws: usize,
}

impl Tally {
    fn add(&mut self, hit: bool, aws: bool) {
        self.total += 1;
        self.hit += usize::from(hit);
        self.hit_aws += usize::from(aws);
    }

    fn merge(&mut self, o: &Tally) {
        self.total += o.total;
        self.hit += o.hit;
        self.hit_aws += o.hit_aws;
    }

    fn pct(n: usize, d: usize) -> f64 {
        if d == 0 {
            0.0
        } else {
            100.0 * n as f64 / d as f64
        }
    }

    fn line(&self, what: &str) -> String {
        format!(
            "{what:<44} {:>4}/{:<4} {:>6.1}%   (AWS fields: {:>4} {:>6.1}%)",
            self.hit,
            self.total,
            Self::pct(self.hit, self.total),
            self.hit_aws,
            Self::pct(self.hit_aws, self.total)
        )
    }
}

fn show(v: &[u8]) -> String {
    let s = String::from_utf8_lossy(v);
    let mut out: String = s.chars().take(110).flat_map(char::escape_debug).collect();
    if s.chars().count() > 110 {
        out.push('…');
    }
    out
}

fn describe(d: &waf::detect::Detection) -> String {
    format!("{} {:?}", d.reason, d.matched)
}

fn crs(root: &Path, verbose: bool, report: &mut String) -> Res<()> {
    let base = root.join("crs-regression");
    let index = std::fs::read_to_string(base.join("index.tsv"))?;
    let mut files: BTreeMap<String, Value> = BTreeMap::new();
    let mut by_pl: BTreeMap<String, Tally> = BTreeMap::new();
    let mut fp_xss = Tally::default();
    let mut fp_any = Tally::default();
    let mut fp_other = Tally::default();
    let mut genuine = 0;
    let mut misses = String::new();
    let mut fps = String::new();
    for row in index.lines().skip(1) {
        let col: Vec<&str> = row.split('\t').collect();
        let [file, rule, test_id, class, pl, label, ..] = col[..] else {
            continue;
        };
        let benign = label == "no_detect" || label == "no_detect_any";
        if !(benign || (class == "xss" && label == "detect")) {
            continue;
        }
        if !files.contains_key(file) {
            let text = std::fs::read_to_string(base.join("tests").join(file))?;
            let v: Value = serde_saphyr::from_str(&text).map_err(|e| format!("{file}: {e}"))?;
            files.insert(file.to_owned(), v);
        }
        let Some(test) = files[file]["tests"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| t.get("test_id").and_then(scalar).as_deref() == Some(test_id))
        else {
            continue;
        };
        let fields = crs_fields(test)?;
        let found = fields.iter().find_map(|f| detect(&f.value).map(|d| (f, d)));
        let found_aws = fields
            .iter()
            .any(|f| f.loc.aws() && detect(&f.value).is_some());
        let id = format!("{rule}#{test_id} PL{pl}");
        if label == "detect" {
            by_pl
                .entry(format!("PL{pl}"))
                .or_default()
                .add(found.is_some(), found_aws);
            if found.is_none() {
                let payload = fields
                    .iter()
                    .map(|f| show(&transform(&f.value)))
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>();
                writeln!(misses, "  MISS {id}: {}", payload.join(" | "))?;
            }
            continue;
        }
        let tally = if label == "no_detect_any" {
            &mut fp_any
        } else if class == "xss" {
            &mut fp_xss
        } else {
            &mut fp_other
        };
        let key = format!("{rule}#{test_id}");
        if let Some((_, why)) = GENUINE_ATTACKS.iter().find(|(k, _)| *k == key) {
            if found.is_some() {
                genuine += 1;
                writeln!(fps, "  ATTACK {id} {label} {class}: {why}")?;
            }
            continue;
        }
        tally.add(found.is_some(), found_aws);
        if let Some((f, d)) = found {
            writeln!(
                fps,
                "  FP {id} {label} {class} {:?}: {} ← {}",
                f.loc,
                describe(&d),
                show(&transform(&f.value))
            )?;
        }
    }
    writeln!(
        report,
        "OWASP CRS regression tests, rule file 941 (XSS), attack cases:"
    )?;
    let mut pl12 = Tally::default();
    let mut all = Tally::default();
    for (pl, t) in &by_pl {
        writeln!(report, "{}", t.line(&format!("  recall {pl}")))?;
        if pl == "PL1" || pl == "PL2" {
            pl12.merge(t);
        }
        all.merge(t);
    }
    writeln!(report, "{}", pl12.line("  recall PL1+PL2"))?;
    writeln!(report, "{}", all.line("  recall all levels"))?;
    writeln!(report, "False positives on CRS cases that must not fire:")?;
    writeln!(
        report,
        "{}",
        fp_xss.line("  941 no_detect (this XSS rule must not fire)")
    )?;
    writeln!(
        report,
        "{}",
        fp_any.line("  no_detect_any (no CRS rule may fire)")
    )?;
    writeln!(
        report,
        "{}",
        fp_other.line("  other classes' no_detect (informative)")
    )?;
    writeln!(
        report,
        "  ({genuine} no_detect cases that carry a real attack were detected and left out: -v lists them)"
    )?;
    if verbose {
        report.push_str(&misses);
        report.push_str(&fps);
    }
    Ok(())
}

/// Files of bare event names and the like: not attacks on their own.
const FRAGMENTS: [&str; 2] = [
    "0xcela_event_handlers.txt",
    "port_swigger_xss_cheatsheet_event_handlers.txt",
];

fn patt(root: &Path, verbose: bool, report: &mut String) -> Res<()> {
    let dir = root.join("payloadsallthethings").join("xss");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    names.sort();
    let mut total = Tally::default();
    let mut whole = Tally::default();
    let mut misses = String::new();
    writeln!(
        report,
        "PayloadsAllTheThings XSS lists (one payload per line, as a query value):"
    )?;
    for path in names {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read(&path)?;
        let mut t = Tally::default();
        let mut bare = 0;
        // Mario Heiderich's vectors span several lines each, one `<div id="N">` per vector
        let items: Vec<&[u8]> = if name == "MarioXSSVectors.txt" {
            let mut v: Vec<&[u8]> = Vec::new();
            let mut start = 0;
            for (k, _) in text
                .windows(9)
                .enumerate()
                .filter(|(_, w)| *w == b"<div id=\"")
            {
                if k > start {
                    v.push(&text[start..k]);
                }
                start = k;
            }
            v.push(&text[start..]);
            v
        } else {
            text.split(|&c| c == b'\n')
                .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
                .collect()
        };
        for line in items {
            // `#Google.com:` headings in the JSONP list
            if line.trim_ascii().is_empty() || (line.starts_with(b"#") && line.ends_with(b":")) {
                continue;
            }
            // the encodings of a lone `<` that XSSDetection.txt lists
            if transform(line).trim_ascii() == b"<"
                || line.trim_ascii().eq_ignore_ascii_case(b"\\x3c")
                || line.trim_ascii().eq_ignore_ascii_case(b"\\u003c")
            {
                bare += 1;
                continue;
            }
            let hit = detect(line).is_some();
            t.add(hit, hit);
            if !hit && verbose {
                writeln!(misses, "  MISS {name}: {}", show(line))?;
            }
        }
        let fragment = FRAGMENTS.contains(&name.as_str());
        let note = match (fragment, bare) {
            (true, _) => "  [bare event names]".to_owned(),
            (false, 0) => String::new(),
            (false, b) => format!("  [{b} lone `<` encodings left out]"),
        };
        let label = if name == "MarioXSSVectors.txt" {
            format!("  {name} (vectors)")
        } else {
            format!("  {name}")
        };
        writeln!(report, "{}{note}", t.line(&label))?;
        whole.merge(&t);
        if !fragment {
            total.merge(&t);
        }
    }
    writeln!(report, "{}", total.line("  recall, lists of payloads"))?;
    writeln!(
        report,
        "{}",
        whole.line("  recall, every line of every file")
    )?;
    report.push_str(&misses);
    Ok(())
}

/// The other classes' PayloadsAllTheThings lists, through the XSS detector: not false
/// positives (they are attacks), but a measure of how far the detector strays from its class.
fn other_classes(root: &Path, verbose: bool, report: &mut String) -> Res<()> {
    let base = root.join("payloadsallthethings");
    let mut classes: Vec<PathBuf> = std::fs::read_dir(&base)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && !p.ends_with("xss"))
        .collect();
    classes.sort();
    writeln!(
        report,
        "Other classes' PayloadsAllTheThings lists flagged as XSS (informative):"
    )?;
    let mut flagged = String::new();
    for dir in classes {
        let mut t = Tally::default();
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        for f in files {
            for line in std::fs::read(&f)?.split(|&c| c == b'\n') {
                if line.trim_ascii().is_empty() {
                    continue;
                }
                let d = detect(line);
                t.add(d.is_some(), d.is_some());
                if let Some(d) = d.filter(|_| verbose) {
                    writeln!(
                        flagged,
                        "  XSS in {}: {} ← {}",
                        dir.display(),
                        describe(&d),
                        show(line)
                    )?;
                }
            }
        }
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        writeln!(report, "{}", t.line(&format!("  {name}")))?;
    }
    report.push_str(&flagged);
    Ok(())
}

fn benign(path: &Path, verbose: bool, report: &mut String) -> Res<()> {
    let text = std::fs::read(path)?;
    let lines: Vec<&[u8]> = text
        .split(|&c| c == b'\n')
        .filter(|l| !l.is_empty() && !l.starts_with(b"# "))
        .collect();
    let mut t = Tally::default();
    let mut fps = String::new();
    for l in &lines {
        let d = detect(l);
        t.add(d.is_some(), d.is_some());
        if let Some(d) = d {
            writeln!(fps, "  FP {}: {}", describe(&d), show(l))?;
        }
    }
    writeln!(report, "Benign values ({}):", path.display())?;
    writeln!(report, "{}", t.line("  false positives"))?;
    if verbose || t.hit > 0 {
        report.push_str(&fps);
    }
    // time of the detector alone, on values as the transformations leave them
    let values: Vec<Vec<u8>> = lines.iter().map(|l| transform(l)).collect();
    let bytes: usize = values.iter().map(Vec::len).sum();
    let rounds = 2000;
    let cpu = on_cpu_ns();
    let start = Instant::now();
    let mut found = 0usize;
    for _ in 0..rounds {
        for v in &values {
            found += usize::from(xss::detect(std::hint::black_box(v)).is_some());
        }
    }
    let per = |ns: f64| ns / (rounds * values.len()) as f64;
    let wall = per(start.elapsed().as_nanos() as f64);
    let mean = bytes as f64 / values.len() as f64;
    let cpu = match (cpu, on_cpu_ns()) {
        (Some(a), Some(b)) => format!("{:.0} ns on CPU, ", per(b.saturating_sub(a) as f64)),
        _ => String::new(),
    };
    writeln!(
        report,
        "  {cpu}{wall:.0} ns wall per benign value (mean {mean:.0} bytes; {found} detections in {rounds} rounds)"
    )?;
    Ok(())
}

/// Time this thread has spent on a CPU (Linux), which a loaded machine does not inflate the
/// way it does wall time.
fn on_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

/// Every line of other files (prose, code, documentation), as benign values: how many the
/// detector flags, as is (no transformations).
fn lines(paths: &[PathBuf], verbose: bool, report: &mut String) -> Res<()> {
    let mut t = Tally::default();
    let mut flagged = String::new();
    for p in paths {
        let text = std::fs::read(p)?;
        for line in text
            .split(|&c| c == b'\n')
            .filter(|l| !l.trim_ascii().is_empty())
        {
            let d = xss::detect(line);
            t.add(d.is_some(), d.is_some());
            if let Some(d) = d.filter(|_| verbose) {
                writeln!(
                    flagged,
                    "  FP {}: {} ← {}",
                    p.display(),
                    describe(&d),
                    show(line)
                )?;
            }
        }
    }
    writeln!(report, "Lines of {} other files:", paths.len())?;
    writeln!(report, "{}", t.line("  flagged"))?;
    report.push_str(&flagged);
    Ok(())
}

fn main() -> Res<()> {
    let mut verbose = false;
    let mut root = std::env::var_os("RAMPART_CORPORA")
        .map_or_else(|| PathBuf::from("/work/shared/corpora"), PathBuf::from);
    let mut args = std::env::args().skip(1);
    let mut extra = Vec::new();
    while let Some(a) = args.next() {
        if a == "-v" || a == "--verbose" {
            verbose = true;
        } else if a == "--lines" {
            // `--lines FILE…`: only these files, line by line
            extra.extend(args.by_ref().map(PathBuf::from));
        } else {
            root = PathBuf::from(a);
        }
    }
    if !extra.is_empty() {
        let mut report = String::new();
        lines(&extra, verbose, &mut report)?;
        print!("{report}");
        return Ok(());
    }
    let benign_list = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/xss-benign.txt");
    let mut report = String::new();
    crs(&root, verbose, &mut report)?;
    patt(&root, verbose, &mut report)?;
    other_classes(&root, verbose, &mut report)?;
    benign(&benign_list, verbose, &mut report)?;
    print!("{report}");
    Ok(())
}
