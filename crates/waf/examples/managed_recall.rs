//! Measures the managed rule groups (`crates/waf/managed/*.json`) on public attack corpora and
//! on a benign list: recall per OWASP CRS regression class and paranoia level, recall per
//! PayloadsAllTheThings list, and false positives.
//!
//! ```text
//! cargo run --release -p rampart-waf --example managed_recall -- [CORPORA_DIR] [-v]
//! ```
//!
//! `CORPORA_DIR` defaults to `/work/shared/corpora` (the `crs-regression/` and
//! `payloadsallthethings/` folders; OWASP CRS regression tests are Apache-2.0, ©OWASP CRS
//! project; PayloadsAllTheThings lists are MIT, © swisskyrepo and contributors). `-v` prints
//! the missed attacks and the false positives.
//!
//! The rule groups are read from their JSON and evaluated by a small interpreter here (the
//! statements the groups use, with simple versions of their text transformations), so what is
//! measured is what ships. The built-in SQLi and XSS statements call `waf::detect::sqli` and
//! `waf::detect::xss`. IP-set rules never match (no list is configured) and
//! `Host_localhost_HEADER` is left out: every CRS test is sent to `Host: localhost`.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;
use waf::detect::{Detector, sqli, xss};

/// A request as the tool builds it.
#[derive(Clone, Debug, Default)]
struct Req {
    method: String,
    path: Vec<u8>,
    query: Option<Vec<u8>>,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

impl Req {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    fn from_target(method: &str, target: &[u8]) -> Req {
        let target = match target.iter().position(|&c| c == b'#') {
            Some(p) => &target[..p],
            None => target,
        };
        let (path, query) = match target.iter().position(|&c| c == b'?') {
            Some(p) => (target[..p].to_vec(), Some(target[p + 1..].to_vec())),
            None => (target.to_vec(), None),
        };
        Req {
            method: method.to_string(),
            path,
            query,
            ..Req::default()
        }
    }
}

// ---- transformations (simple versions, for measuring) -------------------------------------

fn url_decode(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'%' => {
                let h = (
                    s.get(i + 1).and_then(|c| (*c as char).to_digit(16)),
                    s.get(i + 2).and_then(|c| (*c as char).to_digit(16)),
                );
                if let (Some(a), Some(b)) = h {
                    out.push((a * 16 + b) as u8);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    out
}

fn html_entity_decode(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'&' {
            let rest = &s[i + 1..];
            let end = rest.iter().take(12).position(|&c| c == b';');
            let named: &[(&[u8], &[u8])] = &[
                (b"quot", b"\""),
                (b"amp", b"&"),
                (b"lt", b"<"),
                (b"gt", b">"),
                (b"apos", b"'"),
                (b"nbsp", b"\xa0"),
            ];
            if let Some(e) = end {
                let ent = &rest[..e];
                if let Some((_, v)) = named.iter().find(|(n, _)| ent.eq_ignore_ascii_case(n)) {
                    out.extend_from_slice(v);
                    i += e + 2;
                    continue;
                }
                if ent.first() == Some(&b'#') {
                    let num = &ent[1..];
                    let v = if num.first().is_some_and(|c| *c == b'x' || *c == b'X') {
                        u32::from_str_radix(std::str::from_utf8(&num[1..]).unwrap_or("x"), 16).ok()
                    } else {
                        std::str::from_utf8(num).ok().and_then(|n| n.parse().ok())
                    };
                    if let Some(c) = v.and_then(char::from_u32) {
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                        i += e + 2;
                        continue;
                    }
                }
            }
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

fn normalize_path(s: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(s).into_owned();
    let mut parts: Vec<&str> = Vec::new();
    let leading = text.starts_with('/');
    for seg in text.split('/') {
        match seg {
            "" | "." => {}
            ".." if !parts.is_empty() && parts.last() != Some(&"..") => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let mut out = if leading {
        "/".to_string()
    } else {
        String::new()
    };
    out.push_str(&parts.join("/"));
    if text.ends_with('/') && !out.ends_with('/') {
        out.push('/');
    }
    out.into_bytes()
}

fn transform(v: &[u8], tts: &Value) -> Vec<u8> {
    let mut list: Vec<(i64, String)> = tts
        .as_array()
        .map(|a| {
            a.iter()
                .map(|t| {
                    (
                        t["Priority"].as_i64().unwrap_or(0),
                        t["Type"].as_str().unwrap_or("NONE").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    list.sort();
    let mut cur = v.to_vec();
    for (_, t) in list {
        cur = match t.as_str() {
            "URL_DECODE" => url_decode(&cur),
            "HTML_ENTITY_DECODE" => html_entity_decode(&cur),
            "LOWERCASE" => cur.to_ascii_lowercase(),
            "NORMALIZE_PATH" => normalize_path(&cur),
            _ => cur,
        };
    }
    cur
}

// ---- fields --------------------------------------------------------------------------------

fn split_args(q: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    q.split(|&c| c == b'&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.iter().position(|&c| c == b'=') {
            Some(e) => (p[..e].to_vec(), p[e + 1..].to_vec()),
            None => (p.to_vec(), Vec::new()),
        })
        .collect()
}

fn cookies(req: &Req) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    for (n, v) in &req.headers {
        if n.eq_ignore_ascii_case("cookie") {
            for part in v.split(|&c| c == b';') {
                let part = part.strip_prefix(b" ").unwrap_or(part);
                match part.iter().position(|&c| c == b'=') {
                    Some(e) => out.push((part[..e].to_vec(), part[e + 1..].to_vec())),
                    None => out.push((part.to_vec(), Vec::new())),
                }
            }
        }
    }
    out
}

fn scoped(pairs: Vec<(Vec<u8>, Vec<u8>)>, scope: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (k, v) in pairs {
        if scope != "VALUE" {
            out.push(k);
        }
        if scope != "KEY" {
            out.push(v);
        }
    }
    out
}

fn json_strings(v: &Value, out: &mut Vec<(Vec<u8>, Vec<u8>)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match x {
                    Value::String(s) => out.push((k.as_bytes().to_vec(), s.as_bytes().to_vec())),
                    Value::Number(n) => {
                        out.push((k.as_bytes().to_vec(), n.to_string().into_bytes()))
                    }
                    _ => {
                        out.push((k.as_bytes().to_vec(), Vec::new()));
                        json_strings(x, out);
                    }
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| json_strings(x, out)),
        Value::String(s) => out.push((Vec::new(), s.as_bytes().to_vec())),
        _ => {}
    }
}

fn multipart(body: &[u8], ct: &str) -> Option<Vec<(Vec<u8>, Vec<u8>)>> {
    let b = ct
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))?
        .trim_matches('"');
    let delim = format!("--{b}");
    let text = body;
    let mut out = Vec::new();
    let mut parts: Vec<&[u8]> = Vec::new();
    let mut rest = text;
    while let Some(p) = memchr::memmem::find(rest, delim.as_bytes()) {
        parts.push(&rest[..p]);
        rest = &rest[p + delim.len()..];
    }
    for part in parts.into_iter().skip(1) {
        let part = part
            .strip_prefix(b"\r\n")
            .or_else(|| part.strip_prefix(b"\n"))
            .unwrap_or(part);
        let (head, value) = match memchr::memmem::find(part, b"\r\n\r\n") {
            Some(p) => (&part[..p], &part[p + 4..]),
            None => match memchr::memmem::find(part, b"\n\n") {
                Some(p) => (&part[..p], &part[p + 2..]),
                None => continue,
            },
        };
        let value = value
            .strip_suffix(b"\r\n")
            .or_else(|| value.strip_suffix(b"\n"))
            .unwrap_or(value);
        let head = String::from_utf8_lossy(head);
        let name = head
            .split("name=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or("");
        if let Some(f) = head
            .split("filename=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
        {
            out.push((b"filename".to_vec(), f.as_bytes().to_vec()));
        }
        out.push((name.as_bytes().to_vec(), value.to_vec()));
    }
    Some(out)
}

fn body_args(req: &Req) -> Option<Vec<(Vec<u8>, Vec<u8>)>> {
    if req.body.is_empty() {
        return None;
    }
    let ct = req
        .header("content-type")
        .map(|c| String::from_utf8_lossy(c).to_ascii_lowercase())
        .unwrap_or_default();
    if ct.starts_with("application/x-www-form-urlencoded") {
        return Some(split_args(&req.body));
    }
    if ct.starts_with("multipart/form-data")
        && let Some(p) = multipart(&req.body, &ct)
    {
        return Some(p);
    }
    if ct.contains("json")
        && let Ok(v) = serde_json::from_slice::<Value>(&req.body)
    {
        let mut out = Vec::new();
        json_strings(&v, &mut out);
        return Some(out);
    }
    Some(vec![(Vec::new(), req.body.clone())])
}

/// The values a `FieldToMatch` yields; `None` when the component is missing.
fn field(req: &Req, f: &Value) -> Option<Vec<Vec<u8>>> {
    let (kind, spec) = f.as_object()?.iter().next()?;
    let scope = spec["MatchScope"].as_str().unwrap_or("VALUE");
    match kind.as_str() {
        "AllQueryArguments" => Some(
            split_args(req.query.as_deref()?)
                .into_iter()
                .map(|(_, v)| v)
                .collect(),
        ),
        "RampartArgumentNames" => Some(
            split_args(req.query.as_deref()?)
                .into_iter()
                .map(|(k, _)| k)
                .collect(),
        ),
        "QueryString" => Some(vec![req.query.clone()?]),
        "UriPath" => Some(vec![req.path.clone()]),
        "Method" => Some(vec![req.method.as_bytes().to_vec()]),
        "SingleHeader" => {
            let name = spec["Name"].as_str()?;
            Some(vec![req.header(name)?.to_vec()])
        }
        "Headers" => {
            let names = |k: &str| -> Option<Vec<String>> {
                spec["MatchPattern"][k].as_array().map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_ascii_lowercase))
                        .collect()
                })
            };
            let (inc, exc) = (names("IncludedHeaders"), names("ExcludedHeaders"));
            let pairs: Vec<(Vec<u8>, Vec<u8>)> = req
                .headers
                .iter()
                .filter(|(n, _)| {
                    let n = n.to_ascii_lowercase();
                    inc.as_ref().is_none_or(|i| i.contains(&n))
                        && exc.as_ref().is_none_or(|e| !e.contains(&n))
                })
                .map(|(n, v)| (n.as_bytes().to_vec(), v.clone()))
                .collect();
            (!pairs.is_empty()).then(|| scoped(pairs, scope))
        }
        "Cookies" => {
            let c = cookies(req);
            (!c.is_empty()).then(|| scoped(c, scope))
        }
        "Body" => (!req.body.is_empty()).then(|| vec![req.body.clone()]),
        "RampartBodyArguments" => Some(scoped(body_args(req)?, scope)),
        _ => None,
    }
}

// ---- statements ----------------------------------------------------------------------------

fn eval(req: &Req, s: &Value) -> bool {
    let Some((kind, st)) = s.as_object().and_then(|o| o.iter().next()) else {
        return false;
    };
    match kind.as_str() {
        "OrStatement" => st["Statements"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| eval(req, x))),
        "AndStatement" => st["Statements"]
            .as_array()
            .is_some_and(|a| a.iter().all(|x| eval(req, x))),
        "NotStatement" => !eval(req, &st["Statement"]),
        "RampartDetectionStatement" => {
            let Some(d) = st["Detector"].as_str().and_then(Detector::from_name) else {
                panic!("unknown detector {}", st["Detector"]);
            };
            field(req, &st["FieldToMatch"]).is_some_and(|vals| {
                vals.iter().any(|v| {
                    d.detect(&transform(v, &st["TextTransformations"]))
                        .is_some()
                })
            })
        }
        "SqliMatchStatement" => {
            let level = if st["SensitivityLevel"] == "HIGH" {
                sqli::Sensitivity::High
            } else {
                sqli::Sensitivity::Low
            };
            field(req, &st["FieldToMatch"]).is_some_and(|vals| {
                vals.iter().any(|v| {
                    sqli::detect(&transform(v, &st["TextTransformations"]), level).is_some()
                })
            })
        }
        "XssMatchStatement" => field(req, &st["FieldToMatch"]).is_some_and(|vals| {
            vals.iter()
                .any(|v| xss::detect(&transform(v, &st["TextTransformations"])).is_some())
        }),
        "SizeConstraintStatement" => {
            let f = &st["FieldToMatch"];
            let size = st["Size"].as_u64().unwrap_or(0) as usize;
            let Some(vals) = field(req, f) else {
                return false;
            };
            let over_body = f.get("Body").is_some() && req.body.len() > 8192;
            let len = vals
                .iter()
                .map(|v| transform(v, &st["TextTransformations"]).len())
                .max()
                .unwrap_or(0);
            over_body
                || match st["ComparisonOperator"].as_str().unwrap_or("") {
                    "GT" => len > size,
                    "GE" => len >= size,
                    "LT" => len < size,
                    "LE" => len <= size,
                    "EQ" => len == size,
                    _ => len != size,
                }
        }
        "ByteMatchStatement" => {
            let needle = st["SearchString"].as_str().unwrap_or("").as_bytes();
            field(req, &st["FieldToMatch"]).is_some_and(|vals| {
                vals.iter()
                    .any(|v| transform(v, &st["TextTransformations"]) == needle)
            })
        }
        "RegexMatchStatement" => {
            let re = regex::bytes::Regex::new(st["RegexString"].as_str().unwrap_or("$^")).unwrap();
            field(req, &st["FieldToMatch"]).is_some_and(|vals| {
                vals.iter()
                    .any(|v| re.is_match(&transform(v, &st["TextTransformations"])))
            })
        }
        _ => false,
    }
}

struct Rule {
    group: String,
    name: String,
    statement: Value,
}

fn load_rules(dir: &Path) -> Vec<Rule> {
    let mut rules = Vec::new();
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    for f in files {
        let g: Value = serde_json::from_slice(&fs::read(&f).unwrap()).unwrap();
        for r in g["Rules"].as_array().unwrap() {
            let name = r["Name"].as_str().unwrap().to_string();
            if name == "Host_localhost_HEADER" || r["Action"].get("Count").is_some() {
                continue;
            }
            rules.push(Rule {
                group: g["Name"].as_str().unwrap().to_string(),
                name,
                statement: r["Statement"].clone(),
            });
        }
    }
    rules
}

/// The first rule (group/name) that fires.
fn verdict<'a>(rules: &'a [Rule], req: &Req) -> Option<&'a Rule> {
    rules.iter().find(|r| eval(req, &r.statement))
}

// ---- corpora -------------------------------------------------------------------------------

fn b64(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = 0u32;
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
        buf = buf << 6 | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    out
}

fn parse_raw(raw: &[u8]) -> Option<Req> {
    let head_end = memchr::memmem::find(raw, b"\r\n\r\n")
        .map(|p| (p, 4))
        .or_else(|| memchr::memmem::find(raw, b"\n\n").map(|p| (p, 2)))?;
    let head = String::from_utf8_lossy(&raw[..head_end.0]).into_owned();
    let mut lines = head.split('\n');
    let rl = lines.next()?.trim_end_matches('\r');
    let mut parts = rl.splitn(3, ' ');
    let method = parts.next()?;
    let target = parts.next()?;
    let mut req = Req::from_target(method, target.as_bytes());
    for l in lines {
        let l = l.trim_end_matches('\r');
        if let Some((n, v)) = l.split_once(':') {
            req.headers
                .push((n.trim().to_string(), v.trim_start().as_bytes().to_vec()));
        }
    }
    req.body = raw[head_end.0 + head_end.1..].to_vec();
    Some(req)
}

fn crs_request(input: &Value) -> Option<Req> {
    if let Some(enc) = input["encoded_request"].as_str() {
        return parse_raw(&b64(enc));
    }
    let method = input["method"].as_str().unwrap_or("GET");
    let uri = input["uri"].as_str().unwrap_or("/");
    let mut req = Req::from_target(method, uri.as_bytes());
    if let Some(h) = input["headers"].as_object() {
        for (n, v) in h {
            let v = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            req.headers.push((n.clone(), v.into_bytes()));
        }
    }
    match &input["data"] {
        Value::String(s) => req.body = s.as_bytes().to_vec(),
        Value::Array(a) => {
            req.body = a
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("\r\n")
                .into_bytes();
        }
        _ => {}
    }
    Some(req)
}

#[derive(Default)]
struct Tally {
    n: usize,
    hit: usize,
}

impl Tally {
    fn add(&mut self, hit: bool) {
        self.n += 1;
        self.hit += usize::from(hit);
    }
    fn pct(&self) -> String {
        if self.n == 0 {
            "   -  ".into()
        } else {
            format!("{:5.1}%", 100.0 * self.hit as f64 / self.n as f64)
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--probe") {
        // `--probe VALUE…`: what each detector says about each value
        for v in &args[1..] {
            for d in Detector::ALL {
                if let Some(x) = d.detect(v.as_bytes()) {
                    println!("{:<22} {} {:?}", d.name(), x.reason, x.matched);
                }
            }
            println!("-- {v}");
        }
        return;
    }
    let verbose = args.iter().any(|a| a == "-v");
    if args.first().map(String::as_str) == Some("--time") {
        // `--time VALUE…`: nanoseconds per call of each detector (`ONLY=LFI` for one, e.g.
        // under `perf stat` to read CPU time rather than wall time on a busy machine)
        let only = std::env::var("ONLY").ok();
        for v in &args[1..] {
            for d in Detector::ALL {
                if only.as_deref().is_some_and(|o| o != d.name()) {
                    continue;
                }
                let start = std::time::Instant::now();
                for _ in 0..20_000 {
                    std::hint::black_box(d.detect(std::hint::black_box(v.as_bytes())));
                }
                print!("{}={} ", d.name(), start.elapsed().as_nanos() / 20_000);
            }
            println!("\n-- {v}");
        }
        return;
    }
    if args.first().map(String::as_str) == Some("--case") {
        // `--case FILE TEST_ID`: the request the tool builds for one CRS case
        let text = fs::read_to_string(&args[1]).unwrap();
        let doc: Value = serde_saphyr::from_str(&text).unwrap();
        for t in doc["tests"].as_array().unwrap() {
            if same_id(&t["test_id"], &args[2]) {
                for st in t["stages"].as_array().unwrap() {
                    if let Some(r) = crs_request(&st["input"]) {
                        println!(
                            "{} {}?{}",
                            r.method,
                            String::from_utf8_lossy(&r.path),
                            String::from_utf8_lossy(r.query.as_deref().unwrap_or(b""))
                        );
                        for (n, v) in &r.headers {
                            println!("{n}: {}", String::from_utf8_lossy(v));
                        }
                        println!("\n{:?}", String::from_utf8_lossy(&r.body));
                    }
                }
            }
        }
        return;
    }
    let corpora = PathBuf::from(
        args.iter()
            .find(|a| !a.starts_with('-'))
            .cloned()
            .unwrap_or("/work/shared/corpora".into()),
    );
    let managed = Path::new(env!("CARGO_MANIFEST_DIR")).join("managed");
    let rules = load_rules(&managed);
    println!("{} rules from {}", rules.len(), managed.display());
    let mut fired: BTreeMap<String, usize> = BTreeMap::new();

    // CRS regression tests
    let crs = corpora.join("crs-regression");
    let index = fs::read_to_string(crs.join("index.tsv")).unwrap();
    let mut yaml_cache: BTreeMap<String, Value> = BTreeMap::new();
    // class -> (pl -> tally) for attacks; class -> tally for no_detect
    let mut attacks: BTreeMap<String, BTreeMap<String, Tally>> = BTreeMap::new();
    let mut benign: BTreeMap<String, Tally> = BTreeMap::new();
    // `no_detect_any`: no CRS rule at all may fire
    let mut strict = Tally::default();
    let classes = [
        "lfi",
        "rfi",
        "rce",
        "php",
        "protocol-attack",
        "protocol-enforcement",
        "java",
        "generic",
        "scanner",
        "sqli",
        "xss",
    ];
    for line in index.lines().skip(1) {
        let c: Vec<&str> = line.split('\t').collect();
        let (file, test_id, class, pl, label) = (c[0], c[2], c[3], c[4], c[5]);
        if !(classes.contains(&class) || label == "no_detect_any") || c[8] != "request" {
            continue;
        }
        let doc = yaml_cache.entry(file.to_string()).or_insert_with(|| {
            let text = fs::read_to_string(crs.join("tests").join(file)).unwrap();
            serde_saphyr::from_str::<Value>(&text).unwrap_or(Value::Null)
        });
        let Some(test) = doc["tests"]
            .as_array()
            .and_then(|t| t.iter().find(|t| same_id(&t["test_id"], test_id)))
        else {
            continue;
        };
        let mut hit = None;
        let mut shown = String::new();
        for stage in test["stages"].as_array().into_iter().flatten() {
            let input = if stage.get("input").is_some() {
                &stage["input"]
            } else {
                &stage["stage"]["input"]
            };
            if let Some(req) = crs_request(input) {
                if shown.is_empty() {
                    let mut s = String::from_utf8_lossy(&req.path).into_owned();
                    if let Some(q) = &req.query {
                        s.push('?');
                        s.push_str(&String::from_utf8_lossy(q));
                    }
                    if !req.body.is_empty() {
                        s.push_str(" BODY ");
                        s.push_str(&String::from_utf8_lossy(&req.body));
                    }
                    shown = s.replace('\n', "\\n").chars().take(160).collect();
                }
                if let Some(r) = verdict(&rules, &req) {
                    hit = Some(format!("{}/{}", r.group, r.name));
                    break;
                }
            }
        }
        match label {
            "detect" => {
                let t = attacks.entry(class.to_string()).or_default();
                t.entry(pl.to_string()).or_default().add(hit.is_some());
                if let Some(h) = &hit {
                    *fired.entry(h.clone()).or_default() += 1;
                } else if verbose {
                    println!("MISS crs {class} PL{pl} {file}#{test_id} {shown}");
                }
            }
            "no_detect_any" => {
                strict.add(hit.is_some());
                if let (Some(h), true) = (&hit, verbose) {
                    println!("FP   crs-any {class} {file}#{test_id} [{h}] {shown}");
                }
            }
            "no_detect" => {
                benign
                    .entry(class.to_string())
                    .or_default()
                    .add(hit.is_some());
                if let (Some(h), true) = (&hit, verbose) {
                    println!("FP   crs {class} PL{pl} {file}#{test_id} [{h}] {shown}");
                }
            }
            _ => {}
        }
    }
    println!("\nCRS regression (request phase), detected by the managed groups:");
    println!(
        "{:<22} {:>12} {:>12} {:>12} {:>12} {:>14}  {:>14}",
        "class", "PL1", "PL1+PL2", "all PLs", "CRS-PL1 bar", "no_detect FP", ""
    );
    for class in classes {
        let Some(t) = attacks.get(class) else {
            continue;
        };
        let sum = |pls: &[&str]| {
            let mut s = Tally::default();
            for (pl, x) in t {
                if pls.is_empty() || pls.contains(&pl.as_str()) {
                    s.n += x.n;
                    s.hit += x.hit;
                }
            }
            s
        };
        let (p1, p12, all) = (sum(&["1"]), sum(&["1", "2"]), sum(&[]));
        let bar = if all.n > 0 {
            format!("{:5.1}%", 100.0 * p1.n as f64 / all.n as f64)
        } else {
            "-".into()
        };
        let fp = benign
            .get(class)
            .map(|b| format!("{}/{} {}", b.hit, b.n, b.pct()))
            .unwrap_or_default();
        println!(
            "{:<22} {:>4}/{:<4}{} {:>4}/{:<4}{} {:>4}/{:<4}{} {:>12} {:>14}",
            class,
            p1.hit,
            p1.n,
            p1.pct(),
            p12.hit,
            p12.n,
            p12.pct(),
            all.hit,
            all.n,
            all.pct(),
            bar,
            fp
        );
    }

    println!(
        "CRS no_detect_any cases (no rule may fire): {} of {} blocked",
        strict.hit, strict.n
    );

    // PayloadsAllTheThings
    println!(
        "\nPayloadsAllTheThings (each line as a query argument / as a urlencoded form field):"
    );
    let patt = corpora.join("payloadsallthethings");
    for folder in [
        "cmdi",
        "lfi",
        "traversal",
        "crlf",
        "ldapi",
        "xxe",
        "ssti",
        "nosqli",
    ] {
        let mut files: Vec<PathBuf> = fs::read_dir(patt.join(folder))
            .map(|d| d.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default();
        files.sort();
        for f in files {
            let text = fs::read(&f).unwrap();
            let (mut q, mut b) = (Tally::default(), Tally::default());
            for line in text.split(|&c| c == b'\n') {
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                if line.is_empty() {
                    continue;
                }
                let enc = pct_encode(line);
                let mut rq = Req::from_target("GET", &[b"/search?x=".as_slice(), &enc].concat());
                rq.headers = default_headers();
                let hq = verdict(&rules, &rq);
                q.add(hq.is_some());
                let mut rb = Req::from_target("POST", b"/submit");
                rb.headers = default_headers();
                rb.headers.push((
                    "Content-Type".into(),
                    b"application/x-www-form-urlencoded".to_vec(),
                ));
                rb.body = [b"x=".as_slice(), &enc].concat();
                let hb = verdict(&rules, &rb);
                b.add(hb.is_some());
                if verbose && hq.is_none() {
                    println!(
                        "MISS patt {folder}/{} {}",
                        f.file_name().unwrap().to_string_lossy(),
                        String::from_utf8_lossy(line)
                    );
                }
            }
            println!(
                "  {:<55} {:>6} lines  query {}  form {}",
                format!("{folder}/{}", f.file_name().unwrap().to_string_lossy()),
                q.n,
                q.pct(),
                b.pct()
            );
        }
    }

    // the benign list
    let benign_file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/managed-benign.txt");
    if let Ok(text) = fs::read_to_string(&benign_file) {
        let (mut t, mut fps) = (Tally::default(), Vec::new());
        for line in text.lines() {
            if line.is_empty() || line.starts_with("#") {
                continue;
            }
            let mut reqs = Vec::new();
            if line.starts_with('/') {
                let mut r = Req::from_target("GET", line.as_bytes());
                r.headers = default_headers();
                reqs.push(r);
            }
            let enc = pct_encode(line.as_bytes());
            let mut rq = Req::from_target("GET", &[b"/search?q=".as_slice(), &enc].concat());
            rq.headers = default_headers();
            reqs.push(rq);
            let mut rb = Req::from_target("POST", b"/comment");
            rb.headers = default_headers();
            rb.headers.push((
                "Content-Type".into(),
                b"application/x-www-form-urlencoded".to_vec(),
            ));
            rb.body = [b"text=".as_slice(), &enc].concat();
            reqs.push(rb);
            let mut rc = Req::from_target("GET", b"/");
            rc.headers = default_headers();
            rc.headers
                .push(("Cookie".into(), [b"pref=".as_slice(), &enc].concat()));
            reqs.push(rc);
            let hit = reqs.iter().find_map(|r| verdict(&rules, r));
            t.add(hit.is_some());
            if let Some(h) = hit {
                fps.push(format!("{}/{}: {line}", h.group, h.name));
            }
        }
        println!(
            "\nbenign list {}: {} of {} lines blocked ({})",
            benign_file.display(),
            t.hit,
            t.n,
            t.pct()
        );
        for f in fps {
            println!("  FP {f}");
        }
    }

    println!("\nrules that fired on CRS attacks:");
    for (r, n) in &fired {
        println!("  {n:5} {r}");
    }
}

/// A YAML test id (a number, sometimes a string) against the index's text.
fn same_id(v: &Value, id: &str) -> bool {
    match v {
        Value::Number(n) => n.as_u64().is_some_and(|n| id.parse() == Ok(n)),
        Value::String(s) => s == id,
        _ => false,
    }
}

fn default_headers() -> Vec<(String, Vec<u8>)> {
    vec![
        ("Host".into(), b"www.example.com".to_vec()),
        (
            "User-Agent".into(),
            b"Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0".to_vec(),
        ),
        ("Accept".into(), b"text/html,application/xhtml+xml".to_vec()),
    ]
}

fn pct_encode(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() * 3);
    for &c in s {
        if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'~') {
            out.push(c);
        } else {
            out.extend_from_slice(format!("%{c:02X}").as_bytes());
        }
    }
    out
}
