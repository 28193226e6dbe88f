//! Evaluating a request against a compiled web ACL, with AWS's semantics: rules by priority,
//! groups in place, labels visible to later rules only, Count never terminating, CAPTCHA and
//! Challenge terminating unless the request's token is within its immunity time.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::net::IpAddr;

use super::verdict::*;
use super::{Action, Group, IpSource, Rule, Stmt, Then, WebAcl};
use crate::acl::json::{
    ComparisonOperator, FieldToMatch, ForwardedIpPosition, PositionalConstraint,
};
use crate::detect::Summary;
use crate::fields::{self, Extracted};
use crate::request::Request;
use crate::transform;

/// How to evaluate.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Seconds since the Unix epoch.
    pub now: u64,
    /// When the request's token says it last solved a CAPTCHA (Unix seconds), if it has a
    /// valid token.
    pub captcha_solved: Option<u64>,
    /// When the request's token says it last passed a Challenge.
    pub challenge_solved: Option<u64>,
    /// Milliseconds since the Unix epoch, for rate-based rules; `now × 1000` when 0.
    pub now_ms: u64,
    /// Record every rule met in [`Verdict::trace`].
    pub trace: bool,
}

/// Where a field's values after its transformation chain are: `Eval::refs[start..end]`, the
/// indices of its values in [`Eval::values`].
#[derive(Clone, Copy)]
struct Slot {
    start: usize,
    end: usize,
    forced: Option<bool>,
}

/// A field's values after its transformation chain.
struct SlotView<'s, 'r> {
    refs: &'s [u32],
    values: &'s [Cow<'r, [u8]>],
    sums: &'s [Option<Summary>],
    forced: Option<bool>,
}

impl SlotView<'_, '_> {
    /// The values, each with its summary when the slot has them.
    fn iter(&self) -> impl Iterator<Item = (&[u8], Option<&Summary>)> {
        self.refs.iter().filter_map(|&k| {
            let k = k as usize;
            Some((&**self.values.get(k)?, self.sums.get(k)?.as_ref()))
        })
    }
}

struct Eval<'a, 'r> {
    acl: &'a WebAcl,
    req: &'a Request<'r>,
    opts: Options,
    slots: Vec<Option<Slot>>,
    /// Every distinct value of the slots computed so far: a transformation that leaves a value
    /// as it was gives the same value, not a copy.
    values: Vec<Cow<'r, [u8]>>,
    /// Each value's summary, once a slot that rejects from it has it.
    sums: Vec<Option<Summary>>,
    /// The slots' values, as indices into `values`, one slot after the other.
    refs: Vec<u32>,
    /// The values borrowed from the request, by address and length.
    borrowed: HashMap<(usize, usize), u32, BuildHasherDefault<AddressHasher>>,
    labels: Vec<String>,
    /// Labels a statement adds as it is evaluated (geo), applied when its rule ends.
    pending: Vec<String>,
    details: Vec<MatchDetail>,
    non_terminating: Vec<RuleMatch>,
    rate: Vec<RateRecord>,
    groups: Vec<GroupRecord>,
    inserted: Vec<(String, String)>,
    oversize: Vec<&'static str>,
    trace: Vec<TraceStep>,
}

/// A rule's outcome.
enum Outcome {
    Continue,
    Terminate {
        action: Action,
        rule: String,
        kind: RuleType,
        details: Vec<MatchDetail>,
        immunity: Option<u64>,
    },
}

impl WebAcl {
    /// Evaluates `req`.
    pub fn evaluate(&self, req: &Request<'_>, opts: Options) -> Verdict {
        let mut e = Eval {
            acl: self,
            req,
            opts,
            slots: Vec::new(),
            values: Vec::with_capacity(64),
            sums: Vec::with_capacity(64),
            refs: Vec::with_capacity(128),
            borrowed: HashMap::default(),
            labels: Vec::new(),
            pending: Vec::new(),
            details: Vec::new(),
            non_terminating: Vec::new(),
            rate: Vec::new(),
            groups: Vec::with_capacity(
                self.rules
                    .iter()
                    .filter(|r| matches!(r.then, Then::Group(_)))
                    .count(),
            ),
            inserted: Vec::new(),
            oversize: Vec::new(),
            trace: Vec::new(),
        };
        e.slots.resize_with(self.slots.len(), || None);
        for rule in &self.rules {
            if let Outcome::Terminate {
                action,
                rule,
                kind,
                details,
                immunity,
            } = e.rule(rule, "", None)
            {
                return e.finish(action, rule, kind, details, immunity);
            }
        }
        e.finish(
            self.default_action.clone(),
            "Default_Action".into(),
            RuleType::Regular,
            Vec::new(),
            None,
        )
    }
}

impl<'r> Eval<'_, 'r> {
    fn finish(
        mut self,
        action: Action,
        rule: String,
        kind_of_rule: RuleType,
        details: Vec<MatchDetail>,
        immunity: Option<u64>,
    ) -> Verdict {
        let kind = action.kind();
        let block = match action {
            Action::Allow(h) => {
                self.insert(h);
                None
            }
            Action::Block(b) => Some(b),
            Action::Count(_) | Action::Captcha(_) | Action::Challenge(_) => None,
        };
        // headers are inserted only into a request that goes on
        if kind != ActionKind::Allow {
            self.inserted.clear();
        }
        Verdict {
            action: kind,
            block,
            immunity,
            terminating_rule_id: rule,
            terminating_rule_type: kind_of_rule,
            terminating_rule_match_details: details,
            rule_group_list: self.groups,
            non_terminating_matching_rules: self.non_terminating,
            rate_based_rules: self.rate,
            labels: self.labels,
            inserted_headers: self.inserted,
            oversize_fields: self.oversize,
            trace: self.trace,
        }
    }

    fn flush_pending(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        for l in std::mem::take(&mut self.pending) {
            if !self.labels.contains(&l) {
                self.labels.push(l);
            }
        }
    }

    fn now_ms(&self) -> u64 {
        if self.opts.now_ms != 0 {
            self.opts.now_ms
        } else {
            self.opts.now.saturating_mul(1000)
        }
    }

    /// The address a geo or ASN statement looks up, and where it came from.
    fn geo_address(
        &self,
        source: &IpSource,
    ) -> Option<Result<(IpAddr, crate::geo::GeoSource), bool>> {
        match self.addresses(source) {
            Addresses::Skip => None,
            Addresses::Fallback(m) => Some(Err(m)),
            Addresses::List(ips) => {
                let ips = ips.as_slice();
                let src = match source {
                    IpSource::Client => crate::geo::GeoSource::ClientIp,
                    IpSource::Forwarded { .. } => crate::geo::GeoSource::ForwardedIp,
                };
                ips.first().map(|ip| Ok((*ip, src)))
            }
        }
    }

    /// The aggregate key of a rate-based statement; `None` when a component is missing (the
    /// request is not counted).
    fn rate_key(&mut self, key: &super::RateKey) -> Option<Vec<u8>> {
        use super::{CustomKey, RateKey};
        let ip_bytes = |ip: IpAddr| match ip {
            IpAddr::V4(a) => a.octets().to_vec(),
            IpAddr::V6(a) => a.octets().to_vec(),
        };
        match key {
            RateKey::Ip => Some(ip_bytes(self.req.client_ip)),
            RateKey::Constant => Some(Vec::new()),
            RateKey::ForwardedIp(src) => match self.addresses(src) {
                Addresses::List(ips) => ips.as_slice().first().map(|ip| ip_bytes(*ip)),
                _ => None,
            },
            RateKey::Custom(keys) => {
                let mut out = Vec::new();
                for k in keys {
                    let part: Vec<u8> = match k {
                        CustomKey::Slot(i) => {
                            let s = self.slot(*i)?;
                            s.iter().next()?.0.to_vec()
                        }
                        CustomKey::Method => self.req.method.as_bytes().to_vec(),
                        CustomKey::Ip => ip_bytes(self.req.client_ip),
                        CustomKey::ForwardedIp(src) => match self.addresses(src) {
                            Addresses::List(ips) => ip_bytes(*ips.as_slice().first()?),
                            _ => return None,
                        },
                        CustomKey::LabelNamespace(ns) => {
                            let names: Vec<&str> = self
                                .labels
                                .iter()
                                .filter(|l| l.starts_with(ns.as_str()))
                                .map(String::as_str)
                                .collect();
                            if names.is_empty() {
                                return None;
                            }
                            names.join(",").into_bytes()
                        }
                        CustomKey::Ja3 => self.req.ja3?.as_bytes().to_vec(),
                        CustomKey::Ja4 => self.req.ja4?.as_bytes().to_vec(),
                        CustomKey::Asn(db) => db
                            .as_ref()?
                            .lookup(self.req.client_ip)
                            .asn?
                            .to_be_bytes()
                            .to_vec(),
                    };
                    // length-prefixed, so that ("ab","c") and ("a","bc") differ
                    out.extend_from_slice(&(part.len() as u32).to_be_bytes());
                    out.extend_from_slice(&part);
                }
                Some(out)
            }
        }
    }

    fn insert(&mut self, headers: Vec<(String, String)>) {
        for (k, v) in headers {
            // the same name again: the last matching rule wins
            self.inserted.retain(|(n, _)| *n != k);
            self.inserted.push((k, v));
        }
    }

    #[inline]
    fn step(&mut self, rule: &str, prefix: &str, matched: bool, effect: impl Into<String>) {
        if self.opts.trace {
            self.record_step(rule, prefix, matched, effect.into());
        }
    }

    #[cold]
    fn record_step(&mut self, rule: &str, prefix: &str, matched: bool, effect: String) {
        let name = if prefix.is_empty() {
            rule.to_string()
        } else {
            format!("{prefix}/{rule}")
        };
        self.trace.push(TraceStep {
            rule: name,
            matched,
            effect,
        });
    }

    /// Evaluates one rule; `group` is the index of the group record it belongs to.
    fn rule(&mut self, rule: &Rule, prefix: &str, group: Option<(usize, bool)>) -> Outcome {
        match &rule.then {
            Then::Group(g) => self.group(rule, g),
            Then::Action { action, overridden } => {
                self.details.clear();
                let matched = self.stmt(&rule.statement);
                // labels are added at the end of the rule's evaluation
                self.flush_pending();
                if !matched {
                    self.step(&rule.name, prefix, false, "no match");
                    return Outcome::Continue;
                }
                let details = std::mem::take(&mut self.details);
                self.labels.extend(rule.labels.iter().cloned());
                let rate_based = matches!(rule.statement, Stmt::Rate(_));
                if rate_based && let Some(r) = self.rate.last_mut() {
                    r.rule_name = rule.name.clone();
                }
                let kind = action.kind();
                let (solved, immunity) = match kind {
                    ActionKind::Captcha => (self.opts.captcha_solved, rule.captcha_immunity),
                    ActionKind::Challenge => (self.opts.challenge_solved, rule.challenge_immunity),
                    _ => (None, 0),
                };
                let token_valid =
                    solved.is_some_and(|t| self.opts.now.saturating_sub(t) <= immunity);
                let terminates = match kind {
                    ActionKind::Allow | ActionKind::Block => true,
                    ActionKind::Count => false,
                    ActionKind::Captcha | ActionKind::Challenge => {
                        let label = if token_valid {
                            "awswaf:managed:token:accepted"
                        } else if solved.is_some() {
                            "awswaf:managed:token:rejected"
                        } else {
                            "awswaf:managed:token:absent"
                        };
                        if !self.labels.iter().any(|l| l == label) {
                            self.labels.push(label.to_string());
                        }
                        !token_valid
                    }
                };
                let m = RuleMatch {
                    rule_id: rule.name.clone(),
                    action: kind,
                    overridden_action: *overridden,
                    details: details.clone(),
                };
                match group {
                    // a group referenced with OverrideAction Count: its terminating match counts
                    Some((gi, true)) if terminates => {
                        self.step(
                            &rule.name,
                            prefix,
                            true,
                            format!(
                                "{} overridden to COUNT by the group reference; group ends",
                                kind.as_str()
                            ),
                        );
                        if let Some(g) = self.groups.get_mut(gi) {
                            g.terminating_rule = Some(RuleMatch {
                                action: ActionKind::Count,
                                overridden_action: Some(kind),
                                ..m
                            });
                        }
                        return Outcome::Terminate {
                            action: Action::Count(Vec::new()),
                            rule: rule.name.clone(),
                            kind: RuleType::Group,
                            details,
                            immunity: None,
                        };
                    }
                    Some((gi, false)) if terminates => {
                        if let Some(g) = self.groups.get_mut(gi) {
                            g.terminating_rule = Some(m);
                        }
                    }
                    Some((gi, _)) => {
                        if let Some(g) = self.groups.get_mut(gi) {
                            g.non_terminating.push(m);
                        }
                    }
                    None if !terminates => self.non_terminating.push(m),
                    None => {}
                }
                if terminates {
                    self.step(
                        &rule.name,
                        prefix,
                        true,
                        format!("terminated ({})", kind.as_str()),
                    );
                    Outcome::Terminate {
                        action: action.clone(),
                        rule: rule.name.clone(),
                        kind: if rate_based {
                            RuleType::RateBased
                        } else {
                            RuleType::Regular
                        },
                        details,
                        immunity: matches!(kind, ActionKind::Captcha | ActionKind::Challenge)
                            .then_some(immunity),
                    }
                } else {
                    if let Action::Count(h) | Action::Captcha(h) | Action::Challenge(h) = action {
                        self.insert(h.clone());
                    }
                    let effect = if matches!(kind, ActionKind::Count) {
                        "counted".to_string()
                    } else {
                        format!("{}: token valid, counted", kind.as_str())
                    };
                    self.step(&rule.name, prefix, true, effect);
                    Outcome::Continue
                }
            }
        }
    }

    fn group(&mut self, rule: &Rule, g: &Group) -> Outcome {
        if let Some(sd) = &g.scope_down
            && !{
                let m = self.stmt(sd);
                self.flush_pending();
                m
            }
        {
            self.step(
                &rule.name,
                "",
                false,
                "scope-down did not match: group skipped",
            );
            return Outcome::Continue;
        }
        if self.opts.trace {
            self.step(&rule.name, "", true, format!("rule group {}", g.id));
        }
        let gi = self.groups.len();
        self.groups.push(GroupRecord {
            rule_group_id: g.id.clone(),
            terminating_rule: None,
            non_terminating: Vec::new(),
            excluded_rules: g.excluded.clone(),
        });
        for r in &g.rules {
            match self.rule(r, &rule.name, Some((gi, g.count_override))) {
                Outcome::Continue => {}
                Outcome::Terminate {
                    kind: RuleType::Group,
                    ..
                } => {
                    // counted by the reference's override: the group ends, the ACL goes on
                    return Outcome::Continue;
                }
                Outcome::Terminate {
                    action,
                    details,
                    immunity,
                    ..
                } => {
                    return Outcome::Terminate {
                        action,
                        rule: rule.name.clone(),
                        kind: if g.managed {
                            RuleType::ManagedRuleGroup
                        } else {
                            RuleType::Group
                        },
                        details,
                        immunity,
                    };
                }
            }
        }
        Outcome::Continue
    }

    /// Slot `i`'s values, computed on first use.
    fn slot(&mut self, i: usize) -> Option<SlotView<'_, 'r>> {
        let s = self.ensure(i)?;
        Some(SlotView {
            refs: self.refs.get(s.start..s.end)?,
            values: &self.values,
            sums: &self.sums,
            forced: s.forced,
        })
    }

    /// Adds a value, and its index to the slot being built. The same bytes of the request
    /// read by another field (a form field's value in `ALL` and in `VALUE` scope) are the same
    /// value, summarized once.
    fn push_value(&mut self, v: Cow<'r, [u8]>) {
        let next = self.values.len() as u32;
        if let Cow::Borrowed(b) = v {
            let k = *self
                .borrowed
                .entry((b.as_ptr() as usize, b.len()))
                .or_insert(next);
            if k != next {
                self.refs.push(k);
                return;
            }
        }
        self.refs.push(next);
        self.values.push(v);
        self.sums.push(None);
    }

    fn ensure(&mut self, i: usize) -> Option<Slot> {
        if let Some(s) = *self.slots.get(i)? {
            return Some(s);
        }
        let acl = self.acl;
        let spec = acl.slots.get(i)?;
        let (start, forced) = match acl.slot_parents.get(i).copied().flatten() {
            // the same field with a prefix of the chain: carry on from its values
            Some((parent, done)) if parent != i => {
                let rest = spec.chain.get(done..).unwrap_or_default();
                let p = self.ensure(parent)?;
                let start = self.refs.len();
                for r in p.start..p.end {
                    let k = *self.refs.get(r)?;
                    // `None`: the chain left the value as it was
                    let changed: Option<Cow<'r, [u8]>> = match self.values.get(k as usize)? {
                        Cow::Borrowed(b) => {
                            let b: &'r [u8] = b;
                            match transform::apply_chain(rest, b) {
                                Cow::Borrowed(out) if out.len() == b.len() => None,
                                other => Some(other),
                            }
                        }
                        Cow::Owned(o) => match transform::apply_chain(rest, o) {
                            Cow::Borrowed(out) if out.len() == o.len() => None,
                            other => Some(Cow::Owned(other.into_owned())),
                        },
                    };
                    match changed {
                        None => self.refs.push(k),
                        Some(v) => self.push_value(v),
                    }
                }
                (start, p.forced)
            }
            _ => {
                let start = self.refs.len();
                let Extracted {
                    values,
                    forced,
                    oversize,
                } = fields::extract(&spec.field, self.req);
                if oversize {
                    let name = oversize_name(&spec.field);
                    if !self.oversize.contains(&name) {
                        self.oversize.push(name);
                    }
                }
                for v in values {
                    let v = if spec.chain.is_empty() {
                        v
                    } else {
                        chain(&spec.chain, v)
                    };
                    self.push_value(v);
                }
                (start, forced)
            }
        };
        let end = self.refs.len();
        if acl.summarized.get(i).copied().unwrap_or(false) {
            for r in start..end {
                let k = *self.refs.get(r)? as usize;
                if let Some(sum @ None) = self.sums.get_mut(k) {
                    *sum = Some(Summary::of(self.values.get(k)?));
                }
            }
        }
        let s = Slot { start, end, forced };
        if let Some(slot) = self.slots.get_mut(i) {
            *slot = Some(s);
        }
        Some(s)
    }

    /// Any value of slot `i` satisfies `pred` (given its summary when the slot has one),
    /// unless the field's handling decided already.
    fn any(&mut self, i: usize, mut pred: impl FnMut(&[u8], Option<&Summary>) -> bool) -> bool {
        let Some(s) = self.slot(i) else { return false };
        if let Some(f) = s.forced {
            return f;
        }
        s.iter().any(|(v, sum)| pred(v, sum))
    }

    fn detail(
        &mut self,
        i: usize,
        condition_type: &'static str,
        sensitivity: Option<&'static str>,
        matched: Vec<String>,
    ) {
        let location = self
            .acl
            .slots
            .get(i)
            .map_or("UNKNOWN", |s| location(&s.field));
        self.details.push(MatchDetail {
            condition_type,
            sensitivity_level: sensitivity,
            location,
            matched_data: matched,
        });
    }

    fn stmt(&mut self, s: &Stmt) -> bool {
        match s {
            Stmt::Const(b) => *b,
            Stmt::Byte {
                slot,
                needle,
                classes,
                finder,
                pos,
            } => self.any(*slot, |v, sum| {
                sum.is_none_or(|s| s.may_hold(*classes)) && byte_match(v, needle, finder, *pos)
            }),
            Stmt::Regex { slot, re, classes } => {
                self.any(*slot, |v, sum| may_match(sum, *classes) && re.is_match(v))
            }
            Stmt::RegexSet { slot, set, classes } => {
                self.any(*slot, |v, sum| may_match(sum, *classes) && set.is_match(v))
            }
            Stmt::Sqli { slot, level } => {
                let mut found = None;
                let m = self.any(*slot, |v, sum| {
                    if sum.is_some_and(|s| !s.may_sqli(v)) {
                        return false;
                    }
                    found = crate::detect::sqli::detect(v, *level);
                    found.is_some()
                });
                if let Some(d) = found {
                    let lvl = match level {
                        crate::detect::sqli::Sensitivity::Low => "LOW",
                        crate::detect::sqli::Sensitivity::High => "HIGH",
                    };
                    self.detail(*slot, "SQL_INJECTION", Some(lvl), d.matched);
                }
                m
            }
            Stmt::Xss { slot } => {
                let mut found = None;
                let m = self.any(*slot, |v, sum| {
                    if sum.is_some_and(|s| !s.may_xss()) {
                        return false;
                    }
                    found = crate::detect::xss::detect(v);
                    found.is_some()
                });
                if let Some(d) = found {
                    self.detail(*slot, "XSS", None, d.matched);
                }
                m
            }
            Stmt::Detect { slot, detector } => {
                let mut found = None;
                let m = self.any(*slot, |v, sum| {
                    if sum.is_some_and(|s| !s.may_detect(*detector, v)) {
                        return false;
                    }
                    found = detector.detect(v);
                    found.is_some()
                });
                if let Some(d) = found {
                    self.detail(*slot, detector.name(), None, d.matched);
                }
                m
            }
            Stmt::Size { slot, op, size } => {
                let spec_field = self.acl.slots.get(*slot).map(|s| &s.field);
                // the body's size is its whole length, not just what was inspected
                if let Some(FieldToMatch::Body(_)) = spec_field
                    && let Some(len) = self.req.body_len
                {
                    return compare(len, *op, *size);
                }
                let Some(s) = self.slot(*slot) else {
                    return false;
                };
                if let Some(f) = s.forced
                    && !f
                {
                    return false;
                }
                s.iter().any(|(v, _)| compare(v.len() as u64, *op, *size))
            }
            Stmt::IpSet { set, source } => match self.addresses(source) {
                Addresses::Skip => false,
                Addresses::Fallback(m) => m,
                Addresses::List(ips) => ips.as_slice().iter().any(|ip| set.contains(*ip)),
            },
            Stmt::Label { namespace, key } => {
                if *namespace {
                    self.labels.iter().any(|l| l.starts_with(key.as_str()))
                } else {
                    self.labels.iter().any(|l| l == key)
                }
            }
            Stmt::Geo { db, codes, source } => match self.geo_address(source) {
                None => false,
                Some(Err(fallback)) => fallback,
                Some(Ok((ip, src))) => {
                    let info = db.lookup(ip);
                    // every inspected request is labelled with its country and region
                    self.pending.extend(info.labels(src));
                    info.country.is_some_and(|c| codes.contains(&c.as_bytes()))
                }
            },
            Stmt::Asn { db, asns, source } => match self.geo_address(source) {
                None => false,
                Some(Err(fallback)) => fallback,
                Some(Ok((ip, _))) => db.lookup(ip).asn.is_some_and(|a| asns.contains(&a)),
            },
            Stmt::Rate(r) => {
                if let Some(sd) = &r.scope_down
                    && !self.stmt(sd)
                {
                    return false;
                }
                let Some(key) = self.rate_key(&r.key) else {
                    return false;
                };
                let limited = r.limiter.observe(&key, self.now_ms());
                if limited {
                    self.rate.push(RateRecord {
                        rule_name: String::new(),
                        limit_key: match r.key {
                            super::RateKey::Ip => "IP",
                            super::RateKey::ForwardedIp(_) => "FORWARDED_IP",
                            super::RateKey::Constant => "CONSTANT",
                            super::RateKey::Custom(_) => "CUSTOM_KEYS",
                        },
                        max_rate_allowed: r.limiter.limit(),
                        evaluation_window_sec: r.window,
                    });
                }
                limited
            }
            Stmt::And(v) => v.iter().all(|s| self.stmt(s)),
            Stmt::Or(v) => v.iter().any(|s| self.stmt(s)),
            Stmt::Not(s) => !self.stmt(s),
        }
    }

    fn addresses(&self, source: &IpSource) -> Addresses {
        match source {
            IpSource::Client => Addresses::List(Ips::One(self.req.client_ip)),
            IpSource::Forwarded {
                header,
                fallback_match,
                position,
            } => {
                // the header is absent: the statement is not applied at all
                let Some(v) = fields::header(self.req, header) else {
                    return Addresses::Skip;
                };
                let Ok(v) = std::str::from_utf8(v) else {
                    return Addresses::Fallback(*fallback_match);
                };
                let items: Vec<&str> = v.split(',').map(str::trim).collect();
                let picked: Vec<&str> = match position {
                    ForwardedIpPosition::First => items.first().copied().into_iter().collect(),
                    ForwardedIpPosition::Last => items.last().copied().into_iter().collect(),
                    // ANY: up to 10 addresses, the last 10 when there are more
                    ForwardedIpPosition::Any => items[items.len().saturating_sub(10)..].to_vec(),
                };
                let mut ips = Vec::with_capacity(picked.len());
                for p in picked {
                    match p.parse::<IpAddr>() {
                        Ok(ip) => ips.push(ip),
                        Err(_) => return Addresses::Fallback(*fallback_match),
                    }
                }
                Addresses::List(Ips::Many(ips))
            }
        }
    }
}

enum Addresses {
    Skip,
    Fallback(bool),
    List(Ips),
}

/// The addresses a statement looks at: the client's alone needs no allocation.
enum Ips {
    One(IpAddr),
    Many(Vec<IpAddr>),
}

impl Ips {
    fn as_slice(&self) -> &[IpAddr] {
        match self {
            Ips::One(ip) => std::slice::from_ref(ip),
            Ips::Many(v) => v,
        }
    }
}

/// A value through a transformation chain (owned values stay owned, and a transformation that
/// returns part of one, as `TRIM` does, keeps that part).
fn chain<'r>(chain: &[crate::transform::Transformation], v: Cow<'r, [u8]>) -> Cow<'r, [u8]> {
    match v {
        Cow::Borrowed(b) => transform::apply_chain(chain, b),
        Cow::Owned(o) => match transform::apply_chain(chain, &o) {
            Cow::Borrowed(b) if b.len() == o.len() => Cow::Owned(o),
            other => Cow::Owned(other.into_owned()),
        },
    }
}

/// Hashes the (address, length) keys of [`Eval::borrowed`]: two multiplications, no SipHash.
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(26);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Whether a value may match a pattern every match of which holds one of `classes`.
#[inline]
fn may_match(sum: Option<&Summary>, classes: Option<u64>) -> bool {
    match (sum, classes) {
        (Some(s), Some(c)) => s.holds_any(c),
        _ => true,
    }
}

fn compare(len: u64, op: ComparisonOperator, size: u64) -> bool {
    match op {
        ComparisonOperator::Eq => len == size,
        ComparisonOperator::Ne => len != size,
        ComparisonOperator::Le => len <= size,
        ComparisonOperator::Lt => len < size,
        ComparisonOperator::Ge => len >= size,
        ComparisonOperator::Gt => len > size,
    }
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

pub(crate) fn byte_match(
    v: &[u8],
    needle: &[u8],
    finder: &memchr::memmem::Finder<'_>,
    pos: PositionalConstraint,
) -> bool {
    match pos {
        PositionalConstraint::Exactly => v == needle,
        PositionalConstraint::StartsWith => v.starts_with(needle),
        PositionalConstraint::EndsWith => v.ends_with(needle),
        PositionalConstraint::Contains => finder.find(v).is_some(),
        PositionalConstraint::ContainsWord => finder.find_iter(v).any(|i| {
            let before = i == 0 || v.get(i - 1).is_some_and(|&b| !is_word(b));
            let end = i + needle.len();
            let after = end >= v.len() || v.get(end).is_some_and(|&b| !is_word(b));
            before && after
        }),
    }
}

fn location(f: &FieldToMatch) -> &'static str {
    match f {
        FieldToMatch::SingleHeader(_) | FieldToMatch::Headers(_) | FieldToMatch::HeaderOrder(_) => {
            "HEADER"
        }
        FieldToMatch::QueryString(_) => "QUERY_STRING",
        FieldToMatch::AllQueryArguments(_) | FieldToMatch::RampartArgumentNames(_) => {
            "ALL_QUERY_ARGS"
        }
        FieldToMatch::SingleQueryArgument(_) => "SINGLE_QUERY_ARG",
        FieldToMatch::UriPath(_) => "URI",
        FieldToMatch::Body(_) | FieldToMatch::RampartBodyArguments(_) => "BODY",
        FieldToMatch::JsonBody(_) => "BODY",
        FieldToMatch::Cookies(_) => "COOKIES",
        FieldToMatch::Method(_) => "METHOD",
        _ => "UNKNOWN",
    }
}

fn oversize_name(f: &FieldToMatch) -> &'static str {
    match f {
        FieldToMatch::JsonBody(_) => "REQUEST_JSON_BODY",
        FieldToMatch::Headers(_) | FieldToMatch::HeaderOrder(_) => "REQUEST_HEADERS",
        FieldToMatch::Cookies(_) => "REQUEST_COOKIES",
        _ => "REQUEST_BODY",
    }
}
