//! Writes the recorded verdicts of the family detectors (`tests/data/detector-verdicts.tsv`),
//! which `tests/detector_verdicts.rs` checks on every test run.
//!
//! ```text
//! cargo run -p rampart-waf --example record_verdicts                       # re-record the file's inputs
//! cargo run -p rampart-waf --example record_verdicts -- --inputs [CORPORA_DIR]  # choose the inputs anew
//! ```
//!
//! The first form keeps the file's inputs and writes what the current detectors answer on them:
//! run it after changing a detector's verdicts on purpose, and read the diff. It prints how many
//! verdicts changed, per detector, and the first changes.
//!
//! The second form also chooses the inputs again, so it needs the corpora (`CORPORA_DIR`,
//! default `/work/shared/corpora`; see its `README.md` for provenance and licences):
//! - every string literal of the detectors' sources (`src/detect/*.rs` but `sqli/` and `xss/`:
//!   their keywords and their unit tests' fixtures);
//! - variants of those (case flips, percent-encodings, separators before, after and around):
//!   the ones whose verdicts differ from the literal's own, and a sample of the others;
//! - the benign lists of `tests/data/*.txt`;
//! - values of the OWASP CRS regression tests (`crs-regression/`, Apache-2.0, © OWASP CRS
//!   project): each request's URI, query and form arguments, header values and body, as
//!   written and percent-decoded;
//! - lines of the PayloadsAllTheThings lists (`payloadsallthethings/`, MIT, © swisskyrepo and
//!   contributors), as written and percent-decoded.
//!
//! From the corpora, every distinct verdict of a source file is kept (a few inputs each) and a
//! sample of the rest, so the file stays small while covering what the detectors tell apart.
//! The choice is deterministic (a hash of each input, no random numbers).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;

#[path = "../tests/verdicts/mod.rs"]
mod verdicts;

use verdicts::{MAX_INPUT, Verdicts, format_line, literals, verdicts_of};

/// Longest input taken from the corpora: longer values are cut to this many bytes.
const MAX_CORPUS_INPUT: usize = 512;

/// How many variants of one literal are kept when their verdicts differ from the literal's.
const DIFFERING_VARIANTS: usize = 6;

/// One in this many of the other variants is kept.
const VARIANT_SAMPLE: u64 = 40;

/// How many inputs of one corpus file are kept for each distinct verdict.
const PER_VERDICT: usize = 2;

/// One in this many of a corpus's other inputs is kept.
const CORPUS_SAMPLE: u64 = 25;

/// Put before, after and around literals.
const SEPARATORS: &[&[u8]] = &[
    b"", b" ", b";", b"|", b"&", b"&&", b"\n", b"\r\n", b"%0a", b"%0d%0a", b"$(", b")", b"`", b"(",
    b"'", b"\"", b"/", b"../", b"=", b"?", b"#", b"\\", b"${", b"}", b"{", b":", b".", b"-", b"<",
    b">", b"*", b"[", b"]", b"%", b"^", b"!", b"~", b",", b"\t", b"\0", b"x", b"1",
];

const HEADER: &str = "\
# Recorded verdicts of Rampart's family detectors (waf::detect::Detector), checked by
# tests/detector_verdicts.rs. Written by examples/record_verdicts.rs: do not edit by hand.
#
#   cargo run -p rampart-waf --example record_verdicts                  # re-record these inputs
#   cargo run -p rampart-waf --example record_verdicts -- --inputs      # choose the inputs anew
#
# One input per line: the input, escaped, a tab, then the detectors that fire on it as
# NAME=reason (in Detector::ALL order), or `-` when none does. Escapes: \\\\ \\t \\n \\r \\xHH (every
# byte that is not printable, a leading `#`, trailing spaces).
#
# Sources of the inputs:
# - string literals of crates/waf/src/detect/*.rs (keywords and unit-test fixtures), and
#   variants of them (case flips, percent-encodings, separators);
# - crates/waf/tests/data/{managed,sqli,xss}-benign.txt;
# - values from the OWASP CRS regression tests, coreruleset/coreruleset @ 2cbd1d01
#   tests/regression/ (Apache-2.0, Copyright OWASP CRS project): URIs, arguments, header values
#   and bodies, as written and percent-decoded, some cut to 512 bytes;
# - lines of the PayloadsAllTheThings Intruder lists, swisskyrepo/PayloadsAllTheThings @ f9fa5141
#   (MIT, Copyright (c) 2019 Swissky and contributors), as written and percent-decoded.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(verdicts::PATH);
    let result = match args.first().map(String::as_str) {
        None => rerecord(&file),
        Some("--inputs") => {
            let corpora = args
                .get(1)
                .map_or_else(|| PathBuf::from("/work/shared/corpora"), PathBuf::from);
            choose(&file, &corpora)
        }
        Some(other) => Err(format!("unknown argument `{other}`; see the example's doc")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("record_verdicts: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Rewrites `file` with the current verdicts on its own inputs, keeping its comments.
fn rerecord(file: &Path) -> Result<(), String> {
    let text = fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut out = String::with_capacity(text.len());
    let mut changes = Changes::default();
    for (i, line) in text.lines().enumerate() {
        if verdicts::is_data(line) {
            let r = verdicts::parse_line(i + 1, line)?;
            let now = verdicts_of(&r.input);
            changes.add(&r.input, &r.verdicts, &now);
            out.push_str(&format_line(&r.input, &now));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    fs::write(file, out).map_err(|e| format!("{}: {e}", file.display()))?;
    changes.print();
    Ok(())
}

/// Which verdicts changed, per detector, and the first few.
#[derive(Default)]
struct Changes {
    per_detector: BTreeMap<&'static str, usize>,
    shown: Vec<String>,
}

impl Changes {
    fn add(&mut self, input: &[u8], was: &Verdicts, now: &Verdicts) {
        for d in waf::detect::Detector::ALL {
            let (a, b) = (verdicts::reason_of(was, d), verdicts::reason_of(now, d));
            if a == b {
                continue;
            }
            *self.per_detector.entry(d.name()).or_default() += 1;
            if self.shown.len() < 20 {
                self.shown.push(format!(
                    "  {:<22} {:<30} -> {:<30} {}",
                    d.name(),
                    a.unwrap_or("-"),
                    b.unwrap_or("-"),
                    verdicts::escape(input)
                ));
            }
        }
    }

    fn print(&self) {
        if self.per_detector.is_empty() {
            println!("no verdict changed");
            return;
        }
        for (d, n) in &self.per_detector {
            println!("{d}: {n} verdicts changed");
        }
        for s in &self.shown {
            println!("{s}");
        }
    }
}

/// A titled part of the file: its inputs and their verdicts.
type Section = (String, Vec<(Vec<u8>, Verdicts)>);

/// The inputs chosen so far, by section, without repeats.
struct Picker {
    seen: HashSet<Vec<u8>>,
    sections: Vec<Section>,
}

impl Picker {
    fn section(&mut self, title: &str) {
        self.sections.push((title.to_string(), Vec::new()));
    }

    /// Keeps `input` (in the last section) unless it is already kept; says whether it was new.
    fn keep(&mut self, input: &[u8], v: &Verdicts) -> bool {
        if input.len() > MAX_INPUT || !self.seen.insert(input.to_vec()) {
            return false;
        }
        if let Some((_, s)) = self.sections.last_mut() {
            s.push((input.to_vec(), v.clone()));
        }
        true
    }

    fn contains(&self, input: &[u8]) -> bool {
        self.seen.contains(input)
    }
}

/// Chooses the inputs from the sources and the corpora, and writes `file`.
fn choose(file: &Path, corpora: &Path) -> Result<(), String> {
    for dir in ["crs-regression/tests", "payloadsallthethings"] {
        if !corpora.join(dir).is_dir() {
            return Err(format!("{} is missing", corpora.join(dir).display()));
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut p = Picker {
        seen: HashSet::new(),
        sections: Vec::new(),
    };

    // literals of the sources, then their variants
    let mut sources = Vec::new();
    rust_files(&root.join("src/detect"), &mut sources)?;
    sources.sort();
    let mut lits = BTreeSet::new();
    for s in &sources {
        let text = fs::read_to_string(s).map_err(|e| format!("{}: {e}", s.display()))?;
        lits.extend(literals(&text));
    }
    p.section("string literals of the detectors' sources");
    for l in &lits {
        p.keep(l, &verdicts_of(l));
    }
    p.section("variants of those literals: case flips, percent-encodings, separators");
    for l in &lits {
        if l.len() < 2 {
            continue;
        }
        let own = verdicts_of(l);
        let mut others = Vec::new();
        let mut differing = 0;
        for v in by_hash(variants(l)) {
            if p.contains(&v) {
                continue;
            }
            let vv = verdicts_of(&v);
            if vv != own && differing < DIFFERING_VARIANTS {
                differing += 1;
                p.keep(&v, &vv);
            } else {
                others.push((v, vv));
            }
        }
        for (v, vv) in others {
            if fnv(&v).is_multiple_of(VARIANT_SAMPLE) {
                p.keep(&v, &vv);
            }
        }
    }

    p.section("the benign lists of tests/data/");
    for name in ["managed-benign.txt", "sqli-benign.txt", "xss-benign.txt"] {
        let path = root.join("tests/data").join(name);
        let text = fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        for line in text.split(|&c| c == b'\n').filter(|l| !l.is_empty()) {
            p.keep(line, &verdicts_of(line));
        }
    }

    p.section("OWASP CRS regression tests (Apache-2.0, Copyright OWASP CRS project)");
    for (_, values) in crs_values(&corpora.join("crs-regression/tests"))? {
        pick_diverse(&mut p, values);
    }

    p.section("PayloadsAllTheThings lists (MIT, Copyright (c) 2019 Swissky and contributors)");
    let mut lists = Vec::new();
    list_files(&corpora.join("payloadsallthethings"), &mut lists)?;
    lists.sort();
    for f in lists {
        let text = fs::read(&f).map_err(|e| format!("{}: {e}", f.display()))?;
        let mut values = Vec::new();
        for line in text.split(|&c| c == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            values.push(cut(line));
            values.push(cut(&percent_decoded(line)));
        }
        pick_diverse(&mut p, values);
    }

    // what changed for the inputs kept from the old file
    let old = fs::read_to_string(file).unwrap_or_default();
    let was: BTreeMap<Vec<u8>, Verdicts> = verdicts::parse(&old)
        .unwrap_or_default()
        .into_iter()
        .map(|r| (r.input, r.verdicts))
        .collect();
    let mut changes = Changes::default();
    for (_, lines) in &p.sections {
        for (input, v) in lines {
            if let Some(w) = was.get(input) {
                changes.add(input, w, v);
            }
        }
    }

    let mut out = String::from(HEADER);
    let mut total = 0;
    for (title, lines) in &p.sections {
        out.push_str(&format!("\n# == {title} ({} inputs)\n", lines.len()));
        println!("{:>6}  {title}", lines.len());
        total += lines.len();
        for (input, v) in lines {
            out.push_str(&format_line(input, v));
            out.push('\n');
        }
    }
    fs::write(file, &out).map_err(|e| format!("{}: {e}", file.display()))?;
    println!(
        "{total} inputs, {} bytes (was {} bytes) in {}",
        out.len(),
        old.len(),
        file.display()
    );
    changes.print();
    Ok(())
}

/// Keeps, from one corpus file's `values`, a few inputs of each distinct verdict and a sample
/// of the rest.
fn pick_diverse(p: &mut Picker, values: Vec<Vec<u8>>) {
    let mut per_verdict: BTreeMap<Verdicts, usize> = BTreeMap::new();
    for v in by_hash(values) {
        if p.contains(&v) {
            continue;
        }
        let vv = verdicts_of(&v);
        let n = per_verdict.entry(vv.clone()).or_default();
        if *n < PER_VERDICT || fnv(&v).is_multiple_of(CORPUS_SAMPLE) {
            *n += 1;
            p.keep(&v, &vv);
        }
    }
}

/// `values` without repeats, in the order of their hashes (a fixed shuffle).
fn by_hash(values: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let mut v: Vec<(u64, Vec<u8>)> = values.into_iter().map(|x| (fnv(&x), x)).collect();
    v.sort();
    v.dedup();
    v.into_iter().map(|(_, x)| x).collect()
}

/// FNV-1a, 64 bits.
fn fnv(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325, |h, &c| {
        (h ^ u64::from(c)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// At most `MAX_CORPUS_INPUT` bytes of `v`.
fn cut(v: &[u8]) -> Vec<u8> {
    v[..v.len().min(MAX_CORPUS_INPUT)].to_vec()
}

/// The variants of literal `l`: case flips, percent-encodings and separators.
fn variants(l: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![
        l.to_ascii_uppercase(),
        l.to_ascii_lowercase(),
        l.iter()
            .enumerate()
            .map(|(i, &c)| {
                if i % 2 == 0 {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect(),
        percent_encoded(l, false),
        percent_encoded(l, true),
    ];
    for sep in SEPARATORS {
        out.push([sep, l].concat());
        out.push([l, sep].concat());
        out.push([b"a", *sep, l, sep, b"/x -y"].concat());
    }
    out
}

/// `l` with every byte but letters and digits as `%HH` (or `%25HH` when `twice`).
fn percent_encoded(l: &[u8], twice: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(l.len() * 3);
    for &c in l {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else {
            out.extend_from_slice(if twice { b"%25" } else { b"%" });
            out.extend_from_slice(format!("{c:02x}").as_bytes());
        }
    }
    out
}

/// `%HH` decoded and `+` made a space, as the managed rules' URL_DECODE does.
fn percent_decoded(v: &[u8]) -> Vec<u8> {
    let hex = |c: Option<&u8>| c.and_then(|&c| (c as char).to_digit(16));
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        match (v[i], hex(v.get(i + 1)), hex(v.get(i + 2))) {
            (b'%', Some(h), Some(l)) => {
                out.extend(u8::try_from(h * 16 + l));
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// The `.rs` files under `dir`, but the SQL injection and XSS engines (they have their own
/// corpus tests).
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for e in entries.flatten() {
        let path = e.path();
        let name = e.file_name();
        if path.is_dir() {
            if name != "sqli" && name != "xss" {
                rust_files(&path, out)?;
            }
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// The payload lists under `dir` (every file but the licence).
fn list_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            list_files(&path, out)?;
        } else if dir.file_name() != Some(std::ffi::OsStr::new("payloadsallthethings")) {
            out.push(path);
        }
    }
    Ok(())
}

/// The values of the request-side CRS regression tests, per test file: each stage's URI, its
/// query arguments, its header values, its body and the body's form arguments, as written and
/// percent-decoded.
fn crs_values(dir: &Path) -> Result<BTreeMap<PathBuf, Vec<Vec<u8>>>, String> {
    let mut files = Vec::new();
    let entries = fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for d in entries.flatten() {
        if !d.file_name().to_string_lossy().starts_with("REQUEST-") {
            continue;
        }
        for f in fs::read_dir(d.path()).into_iter().flatten().flatten() {
            files.push(f.path());
        }
    }
    let mut out = BTreeMap::new();
    for f in files {
        let text = fs::read_to_string(&f).map_err(|e| format!("{}: {e}", f.display()))?;
        let doc: Value =
            serde_saphyr::from_str(&text).map_err(|e| format!("{}: {e}", f.display()))?;
        let mut raw: Vec<Vec<u8>> = Vec::new();
        for test in doc["tests"].as_array().into_iter().flatten() {
            for stage in test["stages"].as_array().into_iter().flatten() {
                let input = if stage.get("input").is_some() {
                    &stage["input"]
                } else {
                    &stage["stage"]["input"]
                };
                if let Some(uri) = input["uri"].as_str() {
                    raw.push(uri.as_bytes().to_vec());
                    if let Some((_, q)) = uri.split_once('?') {
                        raw.extend(arguments(q.as_bytes()));
                    }
                }
                if let Some(h) = input["headers"].as_object() {
                    for v in h.values() {
                        match v {
                            Value::String(s) => raw.push(s.as_bytes().to_vec()),
                            other => raw.push(other.to_string().into_bytes()),
                        }
                    }
                }
                let body = match &input["data"] {
                    Value::String(s) => s.clone(),
                    Value::Array(a) => a
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join("\r\n"),
                    _ => String::new(),
                };
                if !body.is_empty() {
                    raw.extend(arguments(body.as_bytes()));
                    raw.push(body.into_bytes());
                }
            }
        }
        let mut values = Vec::with_capacity(raw.len() * 2);
        for v in raw {
            values.push(cut(&percent_decoded(&v)));
            values.push(cut(&v));
        }
        out.insert(f, values);
    }
    Ok(out)
}

/// The values of `a=b&c=d` (nothing when there is no `=`).
fn arguments(q: &[u8]) -> Vec<Vec<u8>> {
    q.split(|&c| c == b'&')
        .filter_map(|kv| {
            kv.iter()
                .position(|&c| c == b'=')
                .map(|p| kv[p + 1..].to_vec())
        })
        .collect()
}
