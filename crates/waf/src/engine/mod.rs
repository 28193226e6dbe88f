//! A web ACL compiled for evaluation: references resolved, overrides applied, regexes built,
//! and each distinct (field, transformation chain) numbered so that a request computes it once.

mod eval;
mod required;
mod verdict;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::acl::json::{self, FieldToMatch, PositionalConstraint, Statement};
use crate::acl::{AclError, SearchStringEncoding};
use crate::detect::Detector;
use crate::detect::sqli::Sensitivity;
use crate::ipset::{IpMatcher, parse_cidr};
use crate::transform::Transformation;

pub use eval::Options;
pub use verdict::{
    ActionKind, BlockResponse, GroupRecord, MatchDetail, RateRecord, RuleMatch, RuleType,
    TraceStep, Verdict,
};

/// What a web ACL's references resolve against: the rule groups, IP sets and regex pattern
/// sets the configuration supplies (by ARN, or by the name inside the ARN), the address lists
/// behind the managed IP-reputation groups, and the geolocation database.
#[derive(Clone, Debug, Default)]
pub struct Resources {
    pub rule_groups: Vec<json::RuleGroup>,
    pub ip_sets: Vec<json::IpSet>,
    pub regex_pattern_sets: Vec<json::RegexPatternSet>,
    /// Addresses behind `AWSManagedIPReputationList`, `AnonymousIPList`, …, by rule name.
    pub managed_ip_lists: HashMap<String, Vec<crate::ipset::Cidr>>,
    /// The MaxMind-format database behind `GeoMatchStatement` and `AsnMatchStatement`.
    pub geo: Option<Arc<crate::geo::GeoDb>>,
}

/// The account part of labels when a document does not carry its own `LabelNamespace`.
/// ⚠ AWS puts the owning account's ID here; Rampart has no account, so it uses zeros.
const ACCOUNT: &str = "000000000000";

/// A compiled web ACL.
#[derive(Debug)]
pub struct WebAcl {
    pub(crate) name: String,
    pub(crate) arn: String,
    pub(crate) default_action: Action,
    pub(crate) rules: Vec<Rule>,
    pub(crate) slots: Vec<SlotSpec>,
    /// For each slot, a slot of the same field whose chain is the longest proper prefix of
    /// its own, and how many of its transformations that one applies already: the values are
    /// extracted once per field and each transformation applied once.
    pub(crate) slot_parents: Vec<Option<(usize, usize)>>,
    /// For each slot, whether a statement that reads it rejects from its values' summaries
    /// (computed once per value, shared by those statements).
    pub(crate) summarized: Vec<bool>,
    pub(crate) capacity: u64,
}

/// [`WebAcl::slot_parents`] for `slots`.
fn slot_parents(slots: &[SlotSpec]) -> Vec<Option<(usize, usize)>> {
    slots
        .iter()
        .map(|s| {
            slots
                .iter()
                .enumerate()
                .filter(|(_, p)| {
                    p.field == s.field
                        && p.chain.len() < s.chain.len()
                        && s.chain.starts_with(&p.chain)
                })
                .max_by_key(|(_, p)| p.chain.len())
                .map(|(j, p)| (j, p.chain.len()))
        })
        .collect()
}

impl WebAcl {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The ACL's ARN (`webaclId` in logs): its own when the document had one.
    pub fn arn(&self) -> &str {
        &self.arn
    }

    /// Web ACL capacity units used, computed as AWS does.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Whether a statement reads the request body (`Body`, `JsonBody`, or the body arguments
    /// of Rampart's managed groups): only then does the load balancer wait for the body's
    /// first bytes before evaluating.
    pub fn inspects_body(&self) -> bool {
        self.slots.iter().any(|s| {
            matches!(
                s.field,
                FieldToMatch::Body(_)
                    | FieldToMatch::JsonBody(_)
                    | FieldToMatch::RampartBodyArguments(_)
            )
        })
    }
}

/// An action as configured, with what it needs to be carried out.
#[derive(Clone, Debug)]
pub(crate) enum Action {
    Allow(Vec<(String, String)>),
    Block(BlockResponse),
    Count(Vec<(String, String)>),
    Captcha(Vec<(String, String)>),
    Challenge(Vec<(String, String)>),
}

impl Action {
    pub(crate) fn kind(&self) -> ActionKind {
        match self {
            Action::Allow(_) => ActionKind::Allow,
            Action::Block(_) => ActionKind::Block,
            Action::Count(_) => ActionKind::Count,
            Action::Captcha(_) => ActionKind::Captcha,
            Action::Challenge(_) => ActionKind::Challenge,
        }
    }
}

#[derive(Debug)]
pub(crate) struct Rule {
    pub(crate) name: String,
    pub(crate) statement: Stmt,
    pub(crate) then: Then,
    /// Full label names added when the statement matches.
    pub(crate) labels: Vec<String>,
    pub(crate) captcha_immunity: u64,
    pub(crate) challenge_immunity: u64,
}

#[derive(Debug)]
pub(crate) enum Then {
    Action {
        action: Action,
        /// The group's own action when a `RuleActionOverride` replaced it.
        overridden: Option<ActionKind>,
    },
    Group(Box<Group>),
}

#[derive(Debug)]
pub(crate) struct Group {
    /// The group's ARN, or `AWS#AWSManagedRulesCommonRuleSet` style for managed groups.
    pub(crate) id: String,
    pub(crate) managed: bool,
    pub(crate) count_override: bool,
    pub(crate) scope_down: Option<Stmt>,
    pub(crate) rules: Vec<Rule>,
    pub(crate) excluded: Vec<String>,
}

/// A distinct (field, transformation chain).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct SlotSpec {
    pub(crate) field: FieldToMatch,
    pub(crate) chain: Vec<Transformation>,
}

#[derive(Debug)]
pub(crate) enum Stmt {
    Const(bool),
    Byte {
        slot: usize,
        needle: Vec<u8>,
        /// The needle's byte classes: a value lacking one cannot hold it.
        classes: u64,
        finder: Box<memchr::memmem::Finder<'static>>,
        pos: PositionalConstraint,
    },
    Regex {
        slot: usize,
        re: Arc<regex::bytes::Regex>,
        /// Byte classes one of which every match holds, when the pattern has such a set.
        classes: Option<u64>,
    },
    RegexSet {
        slot: usize,
        set: Arc<regex::bytes::RegexSet>,
        /// Byte classes one of which every match of any pattern holds.
        classes: Option<u64>,
    },
    Sqli {
        slot: usize,
        level: Sensitivity,
    },
    Xss {
        slot: usize,
    },
    Detect {
        slot: usize,
        detector: Detector,
    },
    Size {
        slot: usize,
        op: json::ComparisonOperator,
        size: u64,
    },
    IpSet {
        set: Arc<IpMatcher>,
        source: IpSource,
    },
    Label {
        namespace: bool,
        key: String,
    },
    Geo {
        db: Arc<crate::geo::GeoDb>,
        codes: Vec<[u8; 2]>,
        source: IpSource,
    },
    Asn {
        db: Arc<crate::geo::GeoDb>,
        asns: Vec<u32>,
        source: IpSource,
    },
    Rate(Box<RateRule>),
    And(Vec<Stmt>),
    Or(Vec<Stmt>),
    Not(Box<Stmt>),
}

/// A rate-based statement: its counter lives as long as the compiled web ACL, or longer when
/// the next one adopts it ([`WebAcl::adopt_rate_state`]).
#[derive(Debug)]
pub(crate) struct RateRule {
    pub(crate) limiter: Arc<crate::rate::RateLimiter>,
    /// Identifies the statement's definition, so that a reload can tell it unchanged.
    pub(crate) fingerprint: [u8; 32],
    pub(crate) key: RateKey,
    pub(crate) scope_down: Option<Stmt>,
    pub(crate) window: u32,
}

#[derive(Debug)]
pub(crate) enum RateKey {
    Ip,
    ForwardedIp(IpSource),
    Constant,
    Custom(Vec<CustomKey>),
}

#[derive(Debug)]
pub(crate) enum CustomKey {
    /// A field's single value (header, cookie, query argument, query string, URI path) after
    /// its transformations.
    Slot(usize),
    Method,
    Ip,
    ForwardedIp(IpSource),
    LabelNamespace(String),
    Ja3,
    Ja4,
    Asn(Option<Arc<crate::geo::GeoDb>>),
}

/// Where a statement takes the client address from.
#[derive(Debug, Clone)]
pub(crate) enum IpSource {
    Client,
    Forwarded {
        header: String,
        fallback_match: bool,
        position: json::ForwardedIpPosition,
    },
}

/// Compiles `acl` against `resources`. Every problem is reported, located by JSON path.
pub fn compile(
    acl: &json::WebAcl,
    encoding: SearchStringEncoding,
    resources: &Resources,
) -> Result<WebAcl, Vec<AclError>> {
    crate::acl::validate_web_acl(acl, encoding, false)?;
    let namespace = acl
        .label_namespace
        .clone()
        .unwrap_or_else(|| format!("awswaf:{ACCOUNT}:webacl:{}:", acl.name));
    let mut c = Compiler {
        resources,
        slots: HashMap::new(),
        slot_list: Vec::new(),
        summarized: Vec::new(),
        errors: Vec::new(),
        capacity: 0,
    };
    let immunity = |cfg: &Option<json::CaptchaConfig>| {
        cfg.as_ref()
            .and_then(|c| c.immunity_time_property.as_ref())
            .map(|t| t.immunity_time)
            .unwrap_or(300)
    };
    let captcha = immunity(&acl.captcha_config);
    let challenge = immunity(&acl.challenge_config);
    let ctx = Ctx {
        namespace: &namespace,
        bodies: &acl.custom_response_bodies,
        encoding,
        captcha,
        challenge,
    };
    let rules = c.rules("$.Rules", &acl.rules, &ctx, true);
    let default_action = match &acl.default_action {
        json::DefaultAction::Allow(a) => Action::Allow(inserted(a)),
        json::DefaultAction::Block(b) => Action::Block(block_response(b, ctx.bodies)),
    };
    if c.capacity > crate::acl::validate::limits::WEB_ACL_WCU {
        c.errors.push(AclError::at(
            "$.Rules",
            format!(
                "the rules use {} WCU; a web ACL has at most {}",
                c.capacity,
                crate::acl::validate::limits::WEB_ACL_WCU
            ),
        ));
    }
    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    Ok(WebAcl {
        arn: acl.arn.clone().unwrap_or_else(|| {
            format!(
                "arn:aws:wafv2:local:{ACCOUNT}:regional/webacl/{}/rampart",
                acl.name
            )
        }),
        name: acl.name.clone(),
        default_action,
        rules,
        slot_parents: slot_parents(&c.slot_list),
        summarized: {
            let mut s = c.summarized;
            s.resize(c.slot_list.len(), false);
            s
        },
        slots: c.slot_list,
        capacity: c.capacity,
    })
}

struct Ctx<'a> {
    namespace: &'a str,
    bodies: &'a BTreeMap<String, json::CustomResponseBody>,
    encoding: SearchStringEncoding,
    captcha: u64,
    challenge: u64,
}

struct Compiler<'a> {
    resources: &'a Resources,
    slots: HashMap<SlotSpec, usize>,
    slot_list: Vec<SlotSpec>,
    summarized: Vec<bool>,
    errors: Vec<AclError>,
    capacity: u64,
}

fn inserted(a: &json::AllowAction) -> Vec<(String, String)> {
    a.custom_request_handling
        .iter()
        .flat_map(|h| &h.insert_headers)
        .map(|h| {
            (
                format!("x-amzn-waf-{}", h.name.to_ascii_lowercase()),
                h.value.clone(),
            )
        })
        .collect()
}

fn block_response(
    b: &json::BlockAction,
    bodies: &BTreeMap<String, json::CustomResponseBody>,
) -> BlockResponse {
    match &b.custom_response {
        None => BlockResponse::default(),
        Some(r) => BlockResponse {
            status: r.response_code,
            headers: r
                .response_headers
                .iter()
                .map(|h| (h.name.clone(), h.value.clone()))
                .collect(),
            body: r
                .custom_response_body_key
                .as_ref()
                .and_then(|k| bodies.get(k))
                .map(|b| (b.content_type.mime(), b.content.clone())),
        },
    }
}

fn action(a: &json::RuleAction, bodies: &BTreeMap<String, json::CustomResponseBody>) -> Action {
    match a {
        json::RuleAction::Allow(a) => Action::Allow(inserted(a)),
        json::RuleAction::Block(b) => Action::Block(block_response(b, bodies)),
        json::RuleAction::Count(a) => Action::Count(inserted(a)),
        json::RuleAction::Captcha(a) => Action::Captcha(inserted(a)),
        json::RuleAction::Challenge(a) => Action::Challenge(inserted(a)),
    }
}

/// The name an ARN refers to: `…/ipset/<name>/<id>` → `<name>`; a bare name is itself.
fn arn_name<'s>(arn: &'s str, kind: &str) -> &'s str {
    let mut parts = arn.split('/');
    while let Some(p) = parts.next() {
        if p == kind {
            return parts.next().unwrap_or(arn);
        }
    }
    arn
}

impl Compiler<'_> {
    fn err(&mut self, path: &str, m: impl Into<String>) {
        self.errors.push(AclError::at(path, m));
    }

    fn slot(&mut self, field: &FieldToMatch, ts: &[json::TextTransformation]) -> usize {
        let mut sorted: Vec<&json::TextTransformation> = ts.iter().collect();
        sorted.sort_by_key(|t| t.priority);
        let chain: Vec<Transformation> = sorted
            .iter()
            .filter_map(|t| t.transformation())
            .filter(|t| *t != Transformation::None)
            .collect();
        let spec = SlotSpec {
            field: field.clone(),
            chain,
        };
        if let Some(&i) = self.slots.get(&spec) {
            return i;
        }
        let i = self.slot_list.len();
        self.slot_list.push(spec.clone());
        self.slots.insert(spec, i);
        i
    }

    /// `slot`, noted as read by a statement that rejects from its values' summaries.
    fn summarized(&mut self, slot: usize) -> usize {
        if self.summarized.len() <= slot {
            self.summarized.resize(slot + 1, false);
        }
        self.summarized[slot] = true;
        slot
    }

    fn rules(&mut self, p: &str, rules: &[json::Rule], ctx: &Ctx<'_>, top: bool) -> Vec<Rule> {
        let mut order: Vec<(usize, &json::Rule)> = rules.iter().enumerate().collect();
        order.sort_by_key(|(_, r)| r.priority);
        let mut out = Vec::with_capacity(rules.len());
        for (i, r) in order {
            let rp = format!("{p}[{i}]");
            if let Some(rule) = self.rule(&rp, r, ctx, top) {
                out.push(rule);
            }
        }
        out
    }

    fn rule(&mut self, rp: &str, r: &json::Rule, ctx: &Ctx<'_>, top: bool) -> Option<Rule> {
        let immunity = |cfg: &Option<json::CaptchaConfig>, d: u64| {
            cfg.as_ref()
                .and_then(|c| c.immunity_time_property.as_ref())
                .map_or(d, |t| t.immunity_time)
        };
        let captcha_immunity = immunity(&r.captcha_config, ctx.captcha);
        let challenge_immunity = immunity(&r.challenge_config, ctx.challenge);
        let labels = r
            .rule_labels
            .iter()
            .map(|l| format!("{}{}", ctx.namespace, l.name))
            .collect::<Vec<_>>();
        self.capacity += (labels.len() as u64).div_ceil(5);
        let sp = format!("{rp}.Statement");
        let (statement, then) = match &r.statement {
            Statement::ManagedRuleGroupStatement(m) if top => {
                let group = self.managed_group(&sp, m, r, ctx)?;
                (Stmt::Const(true), Then::Group(Box::new(group)))
            }
            Statement::RuleGroupReferenceStatement(g) if top => {
                let group = self.customer_group(&sp, g, r)?;
                (Stmt::Const(true), Then::Group(Box::new(group)))
            }
            s => {
                let stmt = self.statement(&sp, s, ctx)?;
                let a = r.action.as_ref().map(|a| action(a, ctx.bodies))?;
                (
                    stmt,
                    Then::Action {
                        action: a,
                        overridden: None,
                    },
                )
            }
        };
        Some(Rule {
            name: r.name.clone(),
            statement,
            then,
            labels,
            captcha_immunity,
            challenge_immunity,
        })
    }

    fn managed_group(
        &mut self,
        p: &str,
        m: &json::ManagedRuleGroupStatement,
        r: &json::Rule,
        ctx: &Ctx<'_>,
    ) -> Option<Group> {
        let p = format!("{p}.ManagedRuleGroupStatement");
        let Some(shipped) = crate::managed::group(&m.vendor_name, &m.name) else {
            self.err(
                &format!("{p}.Name"),
                format!(
                    "{}/{}: Rampart does not ship this managed rule group (it ships: {})",
                    m.vendor_name,
                    m.name,
                    crate::managed::names().join(", ")
                ),
            );
            return None;
        };
        let scope_down = match &m.scope_down_statement {
            Some(s) => Some(self.statement(&format!("{p}.ScopeDownStatement"), s, ctx)?),
            None => None,
        };
        self.group(
            format!("{}#{}", m.vendor_name, m.name),
            true,
            &shipped,
            SearchStringEncoding::Text,
            &m.excluded_rules,
            &m.rule_action_overrides,
            r,
            scope_down,
            &p,
        )
    }

    fn customer_group(
        &mut self,
        p: &str,
        g: &json::RuleGroupReferenceStatement,
        r: &json::Rule,
    ) -> Option<Group> {
        let p = format!("{p}.RuleGroupReferenceStatement");
        let name = arn_name(&g.arn, "rulegroup");
        let resources = self.resources;
        let Some(group) = resources
            .rule_groups
            .iter()
            .find(|rg| rg.arn.as_deref() == Some(g.arn.as_str()) || rg.name == name)
        else {
            self.err(
                &format!("{p}.ARN"),
                format!(
                    "{:?}: no rule group with this ARN or name is configured",
                    g.arn
                ),
            );
            return None;
        };
        if let Err(e) = crate::acl::validate_rule_group(group, SearchStringEncoding::Text, false) {
            for mut e in e {
                e.path = format!("rule group {}: {}", group.name, e.path);
                self.errors.push(e);
            }
            return None;
        }
        for (i, o) in g.rule_action_overrides.iter().enumerate() {
            if !group.rules.iter().any(|r| r.name == o.name) {
                self.err(
                    &format!("{p}.RuleActionOverrides[{i}].Name"),
                    format!("{:?}: the rule group has no rule with this name", o.name),
                );
            }
        }
        let id = group.arn.clone().unwrap_or_else(|| {
            format!(
                "arn:aws:wafv2:local:{ACCOUNT}:regional/rulegroup/{}/rampart",
                group.name
            )
        });
        self.group(
            id,
            false,
            group,
            SearchStringEncoding::Text,
            &g.excluded_rules,
            &g.rule_action_overrides,
            r,
            None,
            &p,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn group(
        &mut self,
        id: String,
        managed: bool,
        group: &json::RuleGroup,
        encoding: SearchStringEncoding,
        excluded: &[json::ExcludedRule],
        overrides: &[json::RuleActionOverride],
        r: &json::Rule,
        scope_down: Option<Stmt>,
        p: &str,
    ) -> Option<Group> {
        let namespace = group
            .label_namespace
            .clone()
            .unwrap_or_else(|| format!("awswaf:{ACCOUNT}:rulegroup:{}:", group.name));
        let ctx = Ctx {
            namespace: &namespace,
            bodies: &group.custom_response_bodies,
            encoding,
            captcha: 300,
            challenge: 300,
        };
        let before = self.errors.len();
        // a referenced group costs its declared capacity, not the sum of its statements
        let capacity_before = self.capacity;
        let mut rules = self.rules(
            &format!("{p} → {}.Rules", group.name),
            &group.rules,
            &ctx,
            false,
        );
        if self.errors.len() > before {
            return None;
        }
        if let Some(cap) = group.capacity {
            self.capacity = capacity_before + u64::try_from(cap).unwrap_or(0);
        }
        for rule in &mut rules {
            let over = overrides
                .iter()
                .find(|o| o.name == rule.name)
                .map(|o| action(&o.action_to_use, ctx.bodies))
                .or_else(|| {
                    excluded
                        .iter()
                        .any(|e| e.name == rule.name)
                        .then(|| Action::Count(Vec::new()))
                });
            if let (Some(new), Then::Action { action, overridden }) = (over, &mut rule.then) {
                *overridden = Some(action.kind());
                *action = new;
            }
        }
        Some(Group {
            id,
            managed,
            count_override: matches!(r.override_action, Some(json::OverrideAction::Count(_))),
            scope_down,
            rules,
            excluded: excluded.iter().map(|e| e.name.clone()).collect(),
        })
    }

    fn statement(&mut self, p: &str, s: &Statement, ctx: &Ctx<'_>) -> Option<Stmt> {
        let tcost = |ts: &[json::TextTransformation]| {
            10 * ts.iter().filter(|t| t.kind != "NONE").count() as u64
        };
        let fcost = |f: &FieldToMatch, base: u64| -> u64 {
            let base = if matches!(f, FieldToMatch::JsonBody(_)) {
                base * 2
            } else {
                base
            };
            base + if matches!(f, FieldToMatch::AllQueryArguments(_)) {
                10
            } else {
                0
            }
        };
        Some(match s {
            Statement::ByteMatchStatement(b) => {
                let needle = match search_bytes(b, ctx.encoding) {
                    Ok(n) => n,
                    Err(e) => {
                        self.err(&format!("{p}.ByteMatchStatement"), e);
                        return None;
                    }
                };
                let base = match b.positional_constraint {
                    PositionalConstraint::Contains | PositionalConstraint::ContainsWord => 10,
                    _ => 2,
                };
                self.capacity += fcost(&b.field_to_match, base) + tcost(&b.text_transformations);
                let slot = self.slot(&b.field_to_match, &b.text_transformations);
                Stmt::Byte {
                    slot: self.summarized(slot),
                    classes: crate::detect::classes_of(&needle),
                    finder: Box::new(memchr::memmem::Finder::new(&needle).into_owned()),
                    needle,
                    pos: b.positional_constraint,
                }
            }
            Statement::RegexMatchStatement(r) => {
                let re = match compile_regex(&r.regex_string) {
                    Ok(re) => re,
                    Err(e) => {
                        self.err(&format!("{p}.RegexMatchStatement.RegexString"), e);
                        return None;
                    }
                };
                self.capacity += fcost(&r.field_to_match, 4) + tcost(&r.text_transformations);
                let slot = self.slot(&r.field_to_match, &r.text_transformations);
                let classes = required::required_classes(&r.regex_string);
                Stmt::Regex {
                    slot: if classes.is_some() {
                        self.summarized(slot)
                    } else {
                        slot
                    },
                    re: Arc::new(re),
                    classes,
                }
            }
            Statement::RegexPatternSetReferenceStatement(r) => {
                let name = arn_name(&r.arn, "regexpatternset");
                let resources = self.resources;
                let Some(set) = resources
                    .regex_pattern_sets
                    .iter()
                    .find(|s| s.arn.as_deref() == Some(r.arn.as_str()) || s.name == name)
                else {
                    self.err(
                        &format!("{p}.RegexPatternSetReferenceStatement.ARN"),
                        format!(
                            "{:?}: no regex pattern set with this ARN or name is configured",
                            r.arn
                        ),
                    );
                    return None;
                };
                let patterns: Vec<&str> = set
                    .regular_expression_list
                    .iter()
                    .map(|r| r.regex_string.as_str())
                    .collect();
                let compiled = regex::bytes::RegexSetBuilder::new(&patterns)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build();
                let set = match compiled {
                    Ok(s) => s,
                    Err(e) => {
                        self.err(
                            &format!("{p}.RegexPatternSetReferenceStatement.ARN"),
                            format!("regex pattern set {}: {e}", set.name),
                        );
                        return None;
                    }
                };
                self.capacity += fcost(&r.field_to_match, 40) + tcost(&r.text_transformations);
                let slot = self.slot(&r.field_to_match, &r.text_transformations);
                let classes = required::required_classes_any(&patterns);
                Stmt::RegexSet {
                    slot: if classes.is_some() {
                        self.summarized(slot)
                    } else {
                        slot
                    },
                    set: Arc::new(set),
                    classes,
                }
            }
            Statement::SqliMatchStatement(s) => {
                let level = match s.sensitivity_level {
                    Some(json::SensitivityLevel::High) => Sensitivity::High,
                    _ => Sensitivity::Low,
                };
                let base = if level == Sensitivity::High { 30 } else { 20 };
                self.capacity += fcost(&s.field_to_match, base) + tcost(&s.text_transformations);
                let slot = self.slot(&s.field_to_match, &s.text_transformations);
                Stmt::Sqli {
                    slot: self.summarized(slot),
                    level,
                }
            }
            Statement::XssMatchStatement(s) => {
                self.capacity += fcost(&s.field_to_match, 40) + tcost(&s.text_transformations);
                let slot = self.slot(&s.field_to_match, &s.text_transformations);
                Stmt::Xss {
                    slot: self.summarized(slot),
                }
            }
            Statement::RampartDetectionStatement(s) => {
                let Some(detector) = Detector::from_name(&s.detector) else {
                    self.err(
                        &format!("{p}.RampartDetectionStatement.Detector"),
                        "no such detector",
                    );
                    return None;
                };
                let slot = self.slot(&s.field_to_match, &s.text_transformations);
                Stmt::Detect {
                    slot: self.summarized(slot),
                    detector,
                }
            }
            Statement::SizeConstraintStatement(s) => {
                self.capacity += fcost(&s.field_to_match, 1) + tcost(&s.text_transformations);
                Stmt::Size {
                    slot: self.slot(&s.field_to_match, &s.text_transformations),
                    op: s.comparison_operator,
                    size: u64::try_from(s.size).unwrap_or(0),
                }
            }
            Statement::IpSetReferenceStatement(s) => {
                let name = arn_name(&s.arn, "ipset");
                let set = if let Some(list) = s.arn.strip_prefix(crate::managed::IP_LIST_ARN_PREFIX)
                {
                    // a managed IP list: the addresses the user supplied, or none
                    let cidrs = self
                        .resources
                        .managed_ip_lists
                        .get(list)
                        .cloned()
                        .unwrap_or_default();
                    IpMatcher::new(cidrs)
                } else {
                    let resources = self.resources;
                    let Some(set) = resources
                        .ip_sets
                        .iter()
                        .find(|i| i.arn.as_deref() == Some(s.arn.as_str()) || i.name == name)
                    else {
                        self.err(
                            &format!("{p}.IPSetReferenceStatement.ARN"),
                            format!("{:?}: no IP set with this ARN or name is configured", s.arn),
                        );
                        return None;
                    };
                    IpMatcher::new(set.addresses.iter().filter_map(|a| parse_cidr(a).ok()))
                };
                let source = match &s.ip_set_forwarded_ip_config {
                    None => IpSource::Client,
                    Some(f) => IpSource::Forwarded {
                        header: f.header_name.clone(),
                        fallback_match: f.fallback_behavior == json::MatchFallback::Match,
                        position: f.position,
                    },
                };
                self.capacity += if matches!(
                    &source,
                    IpSource::Forwarded {
                        position: json::ForwardedIpPosition::Any,
                        ..
                    }
                ) {
                    6
                } else {
                    1
                };
                Stmt::IpSet {
                    set: Arc::new(set),
                    source,
                }
            }
            Statement::LabelMatchStatement(l) => {
                self.capacity += 1;
                let key = if l.key.starts_with("awswaf:") {
                    l.key.clone()
                } else {
                    format!("{}{}", ctx.namespace, l.key)
                };
                Stmt::Label {
                    namespace: l.scope == json::LabelScope::Namespace,
                    key,
                }
            }
            Statement::AndStatement(s) => {
                Stmt::And(self.statements(&format!("{p}.AndStatement"), &s.statements, ctx)?)
            }
            Statement::OrStatement(s) => {
                Stmt::Or(self.statements(&format!("{p}.OrStatement"), &s.statements, ctx)?)
            }
            Statement::NotStatement(n) => Stmt::Not(Box::new(self.statement(
                &format!("{p}.NotStatement.Statement"),
                &n.statement,
                ctx,
            )?)),
            Statement::GeoMatchStatement(g) => {
                let db = self.geo(&format!("{p}.GeoMatchStatement"))?;
                self.capacity += 1;
                Stmt::Geo {
                    db,
                    codes: g
                        .country_codes
                        .iter()
                        .filter_map(|c| <[u8; 2]>::try_from(c.as_bytes()).ok())
                        .collect(),
                    source: forwarded(&g.forwarded_ip_config),
                }
            }
            Statement::AsnMatchStatement(a) => {
                let db = self.geo(&format!("{p}.AsnMatchStatement"))?;
                self.capacity += 1;
                Stmt::Asn {
                    db,
                    asns: a
                        .asn_list
                        .iter()
                        .filter_map(|n| u32::try_from(*n).ok())
                        .collect(),
                    source: forwarded(&a.forwarded_ip_config),
                }
            }
            Statement::RateBasedStatement(r) => {
                let p = format!("{p}.RateBasedStatement");
                let window = r.evaluation_window_sec.unwrap_or(300);
                let limiter = match crate::rate::RateLimiter::new(
                    u64::try_from(r.limit).unwrap_or(u64::MAX),
                    u32::try_from(window).unwrap_or(0),
                    crate::rate::RateCaps::default(),
                ) {
                    Ok(l) => l,
                    Err(e) => {
                        self.err(&p, e.to_string());
                        return None;
                    }
                };
                self.capacity += 2;
                let scope_down = match &r.scope_down_statement {
                    Some(s) => Some(self.statement(&format!("{p}.ScopeDownStatement"), s, ctx)?),
                    None => None,
                };
                let key = match r.aggregate_key_type {
                    json::AggregateKeyType::Ip => RateKey::Ip,
                    json::AggregateKeyType::Constant => RateKey::Constant,
                    json::AggregateKeyType::ForwardedIp => {
                        RateKey::ForwardedIp(forwarded(&r.forwarded_ip_config))
                    }
                    json::AggregateKeyType::CustomKeys => {
                        let mut keys = Vec::new();
                        for k in &r.custom_keys {
                            keys.push(self.custom_key(k, r, ctx));
                        }
                        self.capacity += 30 * keys.len() as u64;
                        RateKey::Custom(keys)
                    }
                };
                Stmt::Rate(Box::new(RateRule {
                    limiter: Arc::new(limiter),
                    fingerprint: crate::rate::fingerprint(r),
                    key,
                    scope_down,
                    window: u32::try_from(window).unwrap_or(300),
                }))
            }
            Statement::ManagedRuleGroupStatement(_) | Statement::RuleGroupReferenceStatement(_) => {
                self.err(p, "only at the top level of a web ACL rule");
                return None;
            }
        })
    }

    fn geo(&mut self, p: &str) -> Option<Arc<crate::geo::GeoDb>> {
        let db = self.resources.geo.clone();
        if db.is_none() {
            self.err(
                p,
                "needs a geolocation database (a MaxMind-format file: `geo_database` in the \
                 configuration, --geo-database on the command line)",
            );
        }
        db
    }

    fn custom_key(
        &mut self,
        k: &json::RateBasedCustomKey,
        r: &json::RateBasedStatement,
        ctx: &Ctx<'_>,
    ) -> CustomKey {
        use json::RateBasedCustomKey as K;
        let empty = json::Empty {};
        fn named(n: &json::NamedKey) -> (String, &[json::TextTransformation]) {
            (n.name.clone(), &n.text_transformations)
        }
        match k {
            K::Header(n) => {
                let (name, ts) = named(n);
                CustomKey::Slot(self.slot(&FieldToMatch::SingleHeader(json::NameOnly { name }), ts))
            }
            K::Cookie(n) => {
                let (name, ts) = named(n);
                CustomKey::Slot(self.slot(
                    &FieldToMatch::Cookies(json::CookiesField {
                        match_pattern: json::CookieMatchPattern {
                            all: None,
                            included_cookies: Some(vec![name]),
                            excluded_cookies: None,
                        },
                        match_scope: json::MatchScope::Value,
                        oversize_handling: json::OversizeHandling::Continue,
                    }),
                    ts,
                ))
            }
            K::QueryArgument(n) => {
                let (name, ts) = named(n);
                CustomKey::Slot(self.slot(
                    &FieldToMatch::SingleQueryArgument(json::NameOnly { name }),
                    ts,
                ))
            }
            K::QueryString(t) => CustomKey::Slot(
                self.slot(&FieldToMatch::QueryString(empty), &t.text_transformations),
            ),
            K::UriPath(t) => {
                CustomKey::Slot(self.slot(&FieldToMatch::UriPath(empty), &t.text_transformations))
            }
            K::HttpMethod(_) => CustomKey::Method,
            K::Ip(_) => CustomKey::Ip,
            K::ForwardedIp(_) => CustomKey::ForwardedIp(forwarded(&r.forwarded_ip_config)),
            K::LabelNamespace(l) => {
                CustomKey::LabelNamespace(if l.namespace.starts_with("awswaf:") {
                    l.namespace.clone()
                } else {
                    format!("{}{}", ctx.namespace, l.namespace)
                })
            }
            K::Ja3Fingerprint(_) => CustomKey::Ja3,
            K::Ja4Fingerprint(_) => CustomKey::Ja4,
            K::Asn(_) => CustomKey::Asn(self.resources.geo.clone()),
        }
    }

    fn statements(&mut self, p: &str, s: &[Statement], ctx: &Ctx<'_>) -> Option<Vec<Stmt>> {
        let mut out = Vec::with_capacity(s.len());
        let mut ok = true;
        for (i, st) in s.iter().enumerate() {
            match self.statement(&format!("{p}.Statements[{i}]"), st, ctx) {
                Some(x) => out.push(x),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }
}

/// A `ForwardedIPConfig` as an address source: the first address of the header.
fn forwarded(f: &Option<json::ForwardedIpConfig>) -> IpSource {
    match f {
        None => IpSource::Client,
        Some(f) => IpSource::Forwarded {
            header: f.header_name.clone(),
            fallback_match: f.fallback_behavior == json::MatchFallback::Match,
            position: json::ForwardedIpPosition::First,
        },
    }
}

/// The bound on a compiled regex's size: AWS's patterns are short; this keeps a hostile
/// configuration from taking the process's memory.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Compiles a pattern of AWS's regex dialect.
///
/// ⚠ Rampart uses the `regex` crate (linear time, no backtracking). It rejects what AWS
/// rejects (backreferences, recursion, conditionals, atomic groups, possessive quantifiers,
/// `\C`, `\R`, `\K`), and also lookaround, which AWS's PCRE subset allows.
pub(crate) fn compile_regex(pattern: &str) -> Result<regex::bytes::Regex, String> {
    regex::bytes::RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .unicode(false)
        .build()
        .map_err(|e| match e {
            regex::Error::Syntax(s) => {
                let first = s
                    .lines()
                    .last()
                    .unwrap_or("invalid pattern")
                    .trim()
                    .to_string();
                format!("not a supported regular expression: {first}")
            }
            other => other.to_string(),
        })
}

/// The bytes a `ByteMatchStatement` searches for.
pub(crate) fn search_bytes(
    b: &json::ByteMatchStatement,
    encoding: SearchStringEncoding,
) -> Result<Vec<u8>, String> {
    match (&b.search_string, &b.search_string_base64) {
        (Some(_), Some(_)) => Err("SearchString and SearchStringBase64 are exclusive".into()),
        (None, None) => Err("needs a SearchString".into()),
        (None, Some(b64)) => crate::base64::decode_padded(b64)
            .ok_or_else(|| "SearchStringBase64 is not base64".into()),
        (Some(s), None) => match encoding {
            SearchStringEncoding::Text => Ok(s.as_bytes().to_vec()),
            SearchStringEncoding::Base64 => crate::base64::decode_padded(s).ok_or_else(|| {
                "SearchString is not base64, as it is in the API's {\"WebACL\": …} form \
                 (unwrap the document to write it as text)"
                    .into()
            }),
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn arn_names() {
        assert_eq!(
            arn_name(
                "arn:aws:wafv2:us-east-1:1:regional/ipset/blocked/abc-123",
                "ipset"
            ),
            "blocked"
        );
        assert_eq!(arn_name("blocked", "ipset"), "blocked");
    }
}
