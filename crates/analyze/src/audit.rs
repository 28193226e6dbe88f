//! `audit`: what is wrong with a configuration, explained in terms of AWS's behaviour.
//!
//! ```text
//!  Model ─► exposure (SG rules open to the world, SSH/RDP from outside) ─┐
//!        ─► network ACLs (shadowed rules, blocked replies, default NACL) ─┤
//!        ─► layers (NACL vs security groups, both ways) ────────────────┼─► Finding[] (sorted)
//!        ─► hygiene (references, unused groups, redundant rules, quotas) ┤      │
//!        ─► topology (private subnets, public IPs, firewall routing) ───┤   text · JSON · SARIF
//!        ─► listeners (load balancer ports vs their own groups) ────────┘
//! ```
//!
//! Findings about a path are confirmed with [`Analyzer::explain`]; explanations are cached,
//! and a path is explained only when a cheap structural check says the answer could be
//! interesting, so the audit stays linear in the size of the model.

mod boxes;
mod catalog;
mod exposure;
mod hygiene;
mod layers;
mod listeners;
mod nacl;
mod topology;

use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Write as _};
use std::net::IpAddr;
use std::rc::Rc;
use std::str::FromStr;

use model::{
    Cidr, Direction, Family, InstanceIdx, Model, NaclIdx, Pos, SgIdx, SubnetIdx,
    is_special_purpose, u128_to_addr,
};
use serde::Serialize;

use crate::explain::{Analyzer, Explanation};
use crate::query::{EndpointSpec, FlowQuery, LINUX_EPHEMERAL};

pub use catalog::{RULES, RuleInfo, rule, rule_index};

/// How much a finding matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Severity, String> {
        match s.to_ascii_lowercase().as_str() {
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            _ => Err(format!("{s:?}: expected low, medium or high")),
        }
    }
}

/// One problem, where it is, why it matters and what to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The catalog ID: `RMP001`.
    pub id: &'static str,
    /// The catalog name: `admin-port-open-to-world`.
    pub name: &'static str,
    pub severity: Severity,
    /// Where in the configuration: `security_groups.web.ingress[2]`, `subnets.private`.
    pub resource: String,
    /// One line.
    pub message: String,
    /// Why it matters, in terms of what AWS does.
    pub explanation: String,
    /// What to change.
    pub fix: String,
    /// Other places involved: the rules that cover a shadowed rule, the instances exposed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    /// Position of `resource` in the file, when known (see [`Report::locate`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// Stable across runs and unrelated edits: a hash of the ID, the resource and what the
    /// finding is about (not of its wording).
    pub fingerprint: String,
    #[serde(skip)]
    key: String,
}

impl Finding {
    /// A finding of catalog kind `id` about `resource`, at the kind's default severity.
    fn new(id: &'static str, resource: impl Into<String>) -> Finding {
        let info = catalog::rule(id);
        Finding {
            id,
            name: info.map_or("", |r| r.name),
            severity: info.map_or(Severity::Low, |r| r.severity),
            resource: resource.into(),
            message: String::new(),
            explanation: String::new(),
            fix: String::new(),
            related: Vec::new(),
            line: None,
            column: None,
            fingerprint: String::new(),
            key: String::new(),
        }
    }

    fn severity(mut self, s: Severity) -> Finding {
        self.severity = s;
        self
    }

    fn message(mut self, m: impl Into<String>) -> Finding {
        self.message = m.into();
        self
    }

    fn explanation(mut self, e: impl Into<String>) -> Finding {
        self.explanation = e.into();
        self
    }

    fn fix(mut self, f: impl Into<String>) -> Finding {
        self.fix = f.into();
        self
    }

    fn related(mut self, r: Vec<String>) -> Finding {
        self.related = r;
        self
    }

    /// What distinguishes two findings of one kind about one resource (a service, a quota).
    fn key(mut self, k: impl Into<String>) -> Finding {
        self.key = k.into();
        self
    }
}

/// Audits a model. The findings are sorted: severity (high first), ID, resource.
pub fn audit(model: &Model) -> Vec<Finding> {
    let mut cx = Cx::new(model);
    exposure::check(&mut cx);
    nacl::check(&mut cx);
    layers::check(&mut cx);
    hygiene::check(&mut cx);
    topology::check(&mut cx);
    listeners::check(&mut cx);
    let mut findings = cx.out;
    for f in &mut findings {
        f.fingerprint = fingerprint(&[f.id, &f.resource, &f.key]);
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.id.cmp(b.id))
            .then_with(|| a.resource.cmp(&b.resource))
            .then_with(|| a.message.cmp(&b.message))
    });
    findings.dedup_by(|a, b| a.fingerprint == b.fingerprint);
    findings
}

/// FNV-1a, 64 bits: stable across platforms and compiler versions, unlike `DefaultHasher`.
fn fingerprint(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h ^= 0x1f;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        for b in p.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// Counts by severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub high: usize,
    pub medium: usize,
    pub low: usize,
}

/// The findings about one source (a file or an AWS export directory).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The file or directory, as the user named it.
    pub source: String,
    pub findings: Vec<Finding>,
    /// Positions of resource and related paths, filled by [`Report::locate`].
    pub(crate) positions: BTreeMap<String, Pos>,
}

impl Report {
    pub fn new(source: impl Into<String>, findings: Vec<Finding>) -> Report {
        Report {
            source: source.into(),
            findings,
            positions: BTreeMap::new(),
        }
    }

    /// Records where each resource is written, with a lookup such as [`model::locate`] over the
    /// parsed file.
    pub fn locate(&mut self, lookup: impl Fn(&str) -> Option<Pos>) {
        for f in &mut self.findings {
            for path in std::iter::once(&f.resource).chain(&f.related) {
                if !self.positions.contains_key(path)
                    && let Some(p) = lookup(path)
                {
                    self.positions.insert(path.clone(), p);
                }
            }
            if let Some(p) = self.positions.get(&f.resource) {
                f.line = Some(p.line);
                f.column = Some(p.column);
            }
        }
    }

    pub(crate) fn position(&self, path: &str) -> Option<Pos> {
        self.positions.get(path).copied()
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for f in &self.findings {
            match f.severity {
                Severity::High => s.high += 1,
                Severity::Medium => s.medium += 1,
                Severity::Low => s.low += 1,
            }
        }
        s
    }

    /// Whether a finding at or above `threshold` exists.
    pub fn fails(&self, threshold: Severity) -> bool {
        self.findings.iter().any(|f| f.severity >= threshold)
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "source": self.source,
            "summary": self.summary(),
            "findings": self.findings,
        })
    }

    /// Grouped by severity, high first, then a one-line summary.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for sev in [Severity::High, Severity::Medium, Severity::Low] {
            let group: Vec<&Finding> = self.findings.iter().filter(|f| f.severity == sev).collect();
            if group.is_empty() {
                continue;
            }
            let _ = writeln!(out, "{} ({})", sev.as_str().to_uppercase(), group.len());
            for f in group {
                let at = match (f.line, f.column) {
                    (Some(l), Some(c)) => format!("  ({}:{l}:{c})", self.source),
                    (Some(l), None) => format!("  ({}:{l})", self.source),
                    _ => String::new(),
                };
                let _ = writeln!(out, "  {} {}  {}{at}", f.id, f.name, f.resource);
                let _ = writeln!(out, "    {}", f.message);
                let _ = writeln!(out, "    why: {}", f.explanation);
                let _ = writeln!(out, "    fix: {}", f.fix);
                if !f.related.is_empty() {
                    let _ = writeln!(out, "    see: {}", f.related.join(", "));
                }
                out.push('\n');
            }
        }
        let s = self.summary();
        let n = self.findings.len();
        let _ = writeln!(
            out,
            "{}: {n} finding{}: {} high, {} medium, {} low",
            self.source,
            if n == 1 { "" } else { "s" },
            s.high,
            s.medium,
            s.low
        );
        out
    }
}

/// One end of a flow the audit explains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum End {
    Internet(Family),
    Instance(InstanceIdx),
    Addr(IpAddr),
}

/// The audit's working state: the model, an analyzer with a cache, precomputed facts, and the
/// findings so far.
pub(crate) struct Cx<'m> {
    pub(crate) m: &'m Model,
    pub(crate) an: Analyzer<'m>,
    explained: HashMap<(End, End, u8, u16), Option<Rc<Explanation>>>,
    /// Per NACL and direction: the shadowed rules (positions in the model's sorted list).
    pub(crate) shadowed: Vec<[Vec<boxes::Shadowed>; 2]>,
    pub(crate) out: Vec<Finding>,
}

impl<'m> Cx<'m> {
    fn new(m: &'m Model) -> Cx<'m> {
        let shadowed = m
            .network_acls
            .iter()
            .map(|a| {
                [
                    boxes::shadowed_rules(&a.ingress),
                    boxes::shadowed_rules(&a.egress),
                ]
            })
            .collect();
        Cx {
            m,
            an: Analyzer::new(m),
            explained: HashMap::new(),
            shadowed,
            out: Vec::new(),
        }
    }

    fn push(&mut self, f: Finding) {
        self.out.push(f);
    }

    /// `explain` of a flow, cached. `None` when the flow cannot be posed (an instance without
    /// an address of the family).
    pub(crate) fn explain(
        &mut self,
        from: End,
        to: End,
        protocol: u8,
        port: u16,
    ) -> Option<Rc<Explanation>> {
        let key = (from, to, protocol, port);
        if let Some(e) = self.explained.get(&key) {
            return e.clone();
        }
        let m = self.m;
        let spec = |e: End| match e {
            End::Internet(_) => EndpointSpec::Internet,
            End::Instance(i) => EndpointSpec::Instance(m.instance(i).name.clone()),
            End::Addr(a) => EndpointSpec::Address(a),
        };
        let family = [from, to].into_iter().find_map(|e| match e {
            End::Internet(f) => Some(f),
            End::Addr(a) => Some(Family::of(a)),
            End::Instance(_) => None,
        });
        let q = FlowQuery {
            from: spec(from),
            to: spec(to),
            protocol,
            port,
            icmp_code: 0,
            source_ports: LINUX_EPHEMERAL,
            family,
        };
        let e = self.an.explain(&q).ok().map(Rc::new);
        self.explained.insert(key, e.clone());
        e
    }

    pub(crate) fn is_shadowed(&self, nacl: NaclIdx, dir: Direction, pos: usize) -> bool {
        self.shadowed
            .get(nacl.get())
            .map(|d| &d[dir_index(dir)])
            .is_some_and(|s| s.iter().any(|x| x.rule == pos))
    }
}

pub(crate) fn dir_index(dir: Direction) -> usize {
    match dir {
        Direction::Ingress => 0,
        Direction::Egress => 1,
    }
}

// --- paths and wording shared by the checks ---

pub(crate) fn sg_path(m: &Model, g: SgIdx) -> String {
    format!("security_groups.{}", m.security_group(g).name)
}

pub(crate) fn sg_rule_path(m: &Model, g: SgIdx, dir: Direction, index: usize) -> String {
    format!("{}.{dir}[{index}]", sg_path(m, g))
}

pub(crate) fn nacl_path(m: &Model, n: NaclIdx) -> String {
    format!("network_acls.{}", m.network_acl(n).name)
}

pub(crate) fn nacl_rule_path(m: &Model, n: NaclIdx, dir: Direction, pos: usize) -> String {
    let acl = m.network_acl(n);
    match acl.rules(dir).get(pos) {
        Some(r) => format!("network_acls.{}.{dir}[{}]", acl.name, r.index),
        None => format!("network_acls.{}.{dir}", acl.name),
    }
}

pub(crate) fn subnet_path(m: &Model, s: SubnetIdx) -> String {
    format!("subnets.{}", m.subnet(s).name)
}

pub(crate) fn instance_path(m: &Model, i: InstanceIdx) -> String {
    format!("instances.{}", m.instance(i).name)
}

/// `a`, `a and b`, `a, b and c`.
pub(crate) fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// At most `n` items, then "and N more".
pub(crate) fn capped_list(items: &[String], n: usize) -> String {
    if items.len() <= n {
        return and_list(items);
    }
    format!("{} and {} more", items[..n].join(", "), items.len() - n)
}

/// A public address in `cidr` that is outside the VPC, if there is one: the analyzer's
/// generic internet address when the block holds it (what any host gets), else the first of a
/// few evenly spaced candidates.
pub(crate) fn public_address_in(cx: &Cx<'_>, cidr: &Cidr) -> Option<IpAddr> {
    let family = cidr.family();
    let generic = cx.an.internet_address(family);
    if cidr.contains(generic) {
        return Some(generic);
    }
    let (first, last) = cidr.range();
    let span = last - first;
    (0..=64u128)
        .flat_map(|k| {
            let base = first + span / 64 * k;
            [base, base.saturating_add(1).min(last)]
        })
        .map(|v| u128_to_addr(family, v))
        .find(|a| !cx.m.in_vpc(*a) && !is_special_purpose(*a))
}

/// An address of `cidr` outside every smaller block of `avoid` that lies inside it: what most
/// of the block gets from rules naming those blocks. `0.0.0.0/0` and `::/0` give the
/// analyzer's internet address.
pub(crate) fn generic_address_in<'a>(
    cx: &Cx<'_>,
    cidr: &Cidr,
    avoid: impl Iterator<Item = &'a Cidr>,
) -> IpAddr {
    if cidr.is_everything() {
        return cx.an.internet_address(cidr.family());
    }
    let mut blocks: Vec<(u128, u128)> = avoid
        .filter(|b| cidr.covers(b) && *b != cidr)
        .map(Cidr::range)
        .collect();
    blocks.sort_unstable();
    let (first, last) = cidr.range();
    let mut candidate = first;
    for (lo, hi) in blocks {
        if lo > candidate {
            break;
        }
        candidate = candidate.max(hi.saturating_add(1));
    }
    if candidate > last {
        candidate = first;
    }
    u128_to_addr(cidr.family(), candidate)
}

/// Whether every address of `c` is in the VPC.
pub(crate) fn cidr_inside_vpc(m: &Model, c: &Cidr) -> bool {
    m.vpc.cidrs().any(|v| v.covers(c))
}
