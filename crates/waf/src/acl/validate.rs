//! AWS's validation of web ACLs, rule groups, IP sets and regex pattern sets: names, priorities,
//! limits, the shape rules the API enforces beyond JSON types. Every problem is reported.

use std::collections::HashSet;

use super::json::*;
use super::{AclError, SearchStringEncoding};

/// The limits AWS's API and quotas set (current quotas page where it and the 2023 guide differ).
pub(crate) mod limits {
    pub(crate) const NAME_LEN: usize = 128;
    pub(crate) const DESCRIPTION_LEN: usize = 256;
    pub(crate) const TRANSFORMATIONS: usize = 10;
    pub(crate) const SEARCH_STRING: usize = 200;
    pub(crate) const REGEX_LEN: usize = 512;
    pub(crate) const GEO_CODES: usize = 50;
    pub(crate) const ASNS: usize = 100;
    pub(crate) const SIZE_MAX: i64 = 21_474_836_480;
    pub(crate) const RATE_MIN: i64 = 10;
    pub(crate) const RATE_MAX: i64 = 2_000_000_000;
    pub(crate) const CUSTOM_KEYS: usize = 5;
    pub(crate) const LABEL_KEY: usize = 1024;
    pub(crate) const LABEL_COMPONENT: usize = 128;
    pub(crate) const LABEL_NAMESPACES: usize = 5;
    pub(crate) const RULE_ACTION_OVERRIDES: usize = 100;
    pub(crate) const CUSTOM_HEADERS: usize = 10;
    pub(crate) const CUSTOM_BODY: usize = 10_240;
    pub(crate) const IP_SET_ADDRESSES: usize = 10_000;
    pub(crate) const REGEX_PATTERNS: usize = 10;
    pub(crate) const HEADER_PATTERNS: usize = 199;
    pub(crate) const IMMUNITY_MIN: u64 = 60;
    pub(crate) const CHALLENGE_IMMUNITY_MIN: u64 = 300;
    pub(crate) const IMMUNITY_MAX: u64 = 259_200;
    pub(crate) const WEB_ACL_WCU: u64 = 5_000;
    pub(crate) const RULE_GROUP_WCU: u64 = 1_500;
    pub(crate) const RATE_RULES_ACL: usize = 10;
    pub(crate) const RATE_RULES_GROUP: usize = 4;
    pub(crate) const TOKEN_DOMAINS: usize = 10;
}

const RESERVED_LABEL_WORDS: [&str; 8] = [
    "awswaf",
    "aws",
    "waf",
    "rulegroup",
    "webacl",
    "regexpatternset",
    "ipset",
    "managed",
];

/// Where a statement sits, for the rules that depend on it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// The statement of a web ACL rule.
    AclTop,
    /// The statement of a rule-group rule.
    GroupTop,
    /// Inside And/Or/Not or a scope-down.
    Nested,
}

struct Checker {
    errors: Vec<AclError>,
    encoding: SearchStringEncoding,
    /// Rampart's shipped groups may use its extension statements and fields.
    shipped: bool,
}

impl Checker {
    fn err(&mut self, path: &str, message: impl Into<String>) {
        self.errors.push(AclError::at(path, message));
    }
}

/// Validates a web ACL as `CreateWebACL` would.
pub fn validate_web_acl(
    acl: &WebAcl,
    encoding: SearchStringEncoding,
    shipped: bool,
) -> Result<(), Vec<AclError>> {
    let mut c = Checker {
        errors: Vec::new(),
        encoding,
        shipped,
    };
    let p = "$";
    name(&mut c, &format!("{p}.Name"), &acl.name);
    if let Some(d) = &acl.description
        && d.chars().count() > limits::DESCRIPTION_LEN
    {
        c.err(
            &format!("{p}.Description"),
            format!("longer than {} characters", limits::DESCRIPTION_LEN),
        );
    }
    visibility(
        &mut c,
        &format!("{p}.VisibilityConfig"),
        &acl.visibility_config,
    );
    let bodies = &acl.custom_response_bodies;
    custom_bodies(&mut c, &format!("{p}.CustomResponseBodies"), bodies);
    if let DefaultAction::Block(b) = &acl.default_action {
        block(&mut c, &format!("{p}.DefaultAction.Block"), b, bodies);
    }
    if let DefaultAction::Allow(a) = &acl.default_action {
        insert_headers(&mut c, &format!("{p}.DefaultAction.Allow"), a);
    }
    immunity(
        &mut c,
        &format!("{p}.CaptchaConfig"),
        &acl.captcha_config,
        false,
    );
    immunity(
        &mut c,
        &format!("{p}.ChallengeConfig"),
        &acl.challenge_config,
        true,
    );
    if acl.token_domains.len() > limits::TOKEN_DOMAINS {
        c.err(
            &format!("{p}.TokenDomains"),
            format!("at most {} token domains", limits::TOKEN_DOMAINS),
        );
    }
    rules(&mut c, p, &acl.rules, bodies, Place::AclTop);
    finish(c)
}

/// Validates a rule group as `CreateRuleGroup` would. `shipped` admits Rampart's extensions.
pub fn validate_rule_group(
    group: &RuleGroup,
    encoding: SearchStringEncoding,
    shipped: bool,
) -> Result<(), Vec<AclError>> {
    let mut c = Checker {
        errors: Vec::new(),
        encoding,
        shipped,
    };
    let p = "$";
    name(&mut c, &format!("{p}.Name"), &group.name);
    visibility(
        &mut c,
        &format!("{p}.VisibilityConfig"),
        &group.visibility_config,
    );
    let bodies = &group.custom_response_bodies;
    custom_bodies(&mut c, &format!("{p}.CustomResponseBodies"), bodies);
    rules(&mut c, p, &group.rules, bodies, Place::GroupTop);
    if let Some(cap) = group.capacity
        && !(1..=limits::RULE_GROUP_WCU as i64).contains(&cap)
    {
        c.err(
            &format!("{p}.Capacity"),
            format!("must be 1 to {}", limits::RULE_GROUP_WCU),
        );
    }
    finish(c)
}

/// Validates an IP set: addresses in CIDR notation of the set's version, no `/0`, ≤ 10,000.
pub fn validate_ip_set(set: &IpSet, path: &str) -> Result<(), Vec<AclError>> {
    let mut c = Checker {
        errors: Vec::new(),
        encoding: SearchStringEncoding::Text,
        shipped: false,
    };
    name(&mut c, &format!("{path}.Name"), &set.name);
    if set.addresses.len() > limits::IP_SET_ADDRESSES {
        c.err(
            &format!("{path}.Addresses"),
            format!("at most {} addresses", limits::IP_SET_ADDRESSES),
        );
    }
    for (i, a) in set.addresses.iter().enumerate() {
        let at = format!("{path}.Addresses[{i}]");
        match crate::ipset::parse_cidr(a) {
            Err(why) => c.err(&at, format!("{a:?}: {why}")),
            Ok(net) => {
                if net.prefix == 0 {
                    c.err(&at, format!("{a:?}: an IP set cannot contain /0"));
                }
                if net.addr.is_ipv4() != (set.ip_address_version == IpAddressVersion::V4) {
                    c.err(
                        &at,
                        format!("{a:?}: not an address of the set's IPAddressVersion"),
                    );
                }
            }
        }
    }
    finish(c)
}

/// Validates a regex pattern set: ≤ 10 patterns, each a valid pattern of AWS's dialect.
pub fn validate_regex_pattern_set(set: &RegexPatternSet, path: &str) -> Result<(), Vec<AclError>> {
    let mut c = Checker {
        errors: Vec::new(),
        encoding: SearchStringEncoding::Text,
        shipped: false,
    };
    name(&mut c, &format!("{path}.Name"), &set.name);
    if set.regular_expression_list.is_empty()
        || set.regular_expression_list.len() > limits::REGEX_PATTERNS
    {
        c.err(
            &format!("{path}.RegularExpressionList"),
            format!("1 to {} patterns", limits::REGEX_PATTERNS),
        );
    }
    for (i, r) in set.regular_expression_list.iter().enumerate() {
        regex(
            &mut c,
            &format!("{path}.RegularExpressionList[{i}].RegexString"),
            &r.regex_string,
        );
    }
    finish(c)
}

fn finish(c: Checker) -> Result<(), Vec<AclError>> {
    if c.errors.is_empty() {
        Ok(())
    } else {
        Err(c.errors)
    }
}

fn name(c: &mut Checker, path: &str, name: &str) {
    if name.is_empty() || name.len() > limits::NAME_LEN {
        c.err(
            path,
            format!("must be 1 to {} characters", limits::NAME_LEN),
        );
    } else if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        c.err(
            path,
            format!("{name:?}: only letters, digits, `_` and `-` are allowed"),
        );
    }
}

fn visibility(c: &mut Checker, path: &str, v: &VisibilityConfig) {
    let m = &v.metric_name;
    if m.is_empty()
        || m.len() > limits::NAME_LEN
        || !m
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        c.err(
            &format!("{path}.MetricName"),
            format!("{m:?}: 1 to 128 of A–Z, a–z, 0–9, `_`, `-`"),
        );
    } else if m == "All" || m == "Default_Action" {
        c.err(&format!("{path}.MetricName"), format!("{m:?} is reserved"));
    }
}

fn custom_bodies(
    c: &mut Checker,
    path: &str,
    bodies: &std::collections::BTreeMap<String, CustomResponseBody>,
) {
    for (k, b) in bodies {
        if b.content.is_empty() || b.content.chars().count() > limits::CUSTOM_BODY {
            c.err(
                &format!("{path}.{k}.Content"),
                format!("must be 1 to {} characters", limits::CUSTOM_BODY),
            );
        }
    }
}

fn block(
    c: &mut Checker,
    path: &str,
    b: &BlockAction,
    bodies: &std::collections::BTreeMap<String, CustomResponseBody>,
) {
    let Some(r) = &b.custom_response else { return };
    let p = format!("{path}.CustomResponse");
    if !(200..=599).contains(&r.response_code) {
        c.err(&format!("{p}.ResponseCode"), "must be 200 to 599");
    }
    if let Some(k) = &r.custom_response_body_key
        && !bodies.contains_key(k)
    {
        c.err(
            &format!("{p}.CustomResponseBodyKey"),
            format!("{k:?}: no CustomResponseBodies entry has this key"),
        );
    }
    headers(
        c,
        &format!("{p}.ResponseHeaders"),
        &r.response_headers,
        true,
    );
}

fn insert_headers(c: &mut Checker, path: &str, a: &AllowAction) {
    if let Some(h) = &a.custom_request_handling {
        headers(
            c,
            &format!("{path}.CustomRequestHandling.InsertHeaders"),
            &h.insert_headers,
            false,
        );
    }
}

fn headers(c: &mut Checker, path: &str, headers: &[CustomHttpHeader], response: bool) {
    if headers.len() > limits::CUSTOM_HEADERS {
        c.err(path, format!("at most {} headers", limits::CUSTOM_HEADERS));
    }
    for (i, h) in headers.iter().enumerate() {
        let ok = !h.name.is_empty()
            && h.name.len() <= 64
            && h.name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            c.err(
                &format!("{path}[{i}].Name"),
                format!("{:?}: 1 to 64 of A–Z, a–z, 0–9, `-`, `_`", h.name),
            );
        }
        if response && h.name.eq_ignore_ascii_case("content-type") {
            c.err(
                &format!("{path}[{i}].Name"),
                "content-type comes from the custom response body",
            );
        }
        if h.value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
            c.err(
                &format!("{path}[{i}].Value"),
                "contains a control character",
            );
        }
    }
}

fn immunity(c: &mut Checker, path: &str, cfg: &Option<CaptchaConfig>, challenge: bool) {
    let Some(t) = cfg.as_ref().and_then(|c| c.immunity_time_property.as_ref()) else {
        return;
    };
    let min = if challenge {
        limits::CHALLENGE_IMMUNITY_MIN
    } else {
        limits::IMMUNITY_MIN
    };
    if !(min..=limits::IMMUNITY_MAX).contains(&t.immunity_time) {
        c.err(
            &format!("{path}.ImmunityTimeProperty.ImmunityTime"),
            format!("must be {min} to {} seconds", limits::IMMUNITY_MAX),
        );
    }
}

fn rules(
    c: &mut Checker,
    p: &str,
    rules: &[Rule],
    bodies: &std::collections::BTreeMap<String, CustomResponseBody>,
    place: Place,
) {
    let mut names = HashSet::new();
    let mut priorities = HashSet::new();
    let mut rate_rules = 0;
    for (i, r) in rules.iter().enumerate() {
        let rp = format!("{p}.Rules[{i}]");
        name(c, &format!("{rp}.Name"), &r.name);
        if !names.insert(r.name.as_str()) {
            c.err(
                &format!("{rp}.Name"),
                format!("{:?}: rule names must be unique", r.name),
            );
        }
        if r.priority < 0 {
            c.err(&format!("{rp}.Priority"), "must be 0 or more");
        } else if !priorities.insert(r.priority) {
            c.err(
                &format!("{rp}.Priority"),
                format!("{}: rule priorities must be unique", r.priority),
            );
        }
        visibility(c, &format!("{rp}.VisibilityConfig"), &r.visibility_config);
        let is_group = matches!(
            r.statement,
            Statement::RuleGroupReferenceStatement(_) | Statement::ManagedRuleGroupStatement(_)
        );
        if matches!(r.statement, Statement::RateBasedStatement(_)) {
            rate_rules += 1;
        }
        match (&r.action, &r.override_action, is_group) {
            (Some(_), Some(_), _) => c.err(&rp, "has both Action and OverrideAction"),
            (None, None, false) => c.err(&rp, "needs an Action"),
            (None, None, true) => c.err(
                &rp,
                "a rule-group reference needs an OverrideAction (None or Count)",
            ),
            (Some(_), None, true) => c.err(
                &format!("{rp}.Action"),
                "a rule-group reference takes OverrideAction, not Action",
            ),
            (None, Some(_), false) => c.err(
                &format!("{rp}.OverrideAction"),
                "OverrideAction is only for rule-group references",
            ),
            _ => {}
        }
        if let Some(a) = &r.action {
            action(c, &format!("{rp}.Action"), a, bodies);
        }
        if is_group && !r.rule_labels.is_empty() {
            c.err(
                &format!("{rp}.RuleLabels"),
                "a rule-group reference cannot add labels",
            );
        }
        for (j, l) in r.rule_labels.iter().enumerate() {
            label_name(c, &format!("{rp}.RuleLabels[{j}].Name"), &l.name);
        }
        immunity(c, &format!("{rp}.CaptchaConfig"), &r.captcha_config, false);
        immunity(
            c,
            &format!("{rp}.ChallengeConfig"),
            &r.challenge_config,
            true,
        );
        statement(c, &format!("{rp}.Statement"), &r.statement, place);
    }
    let max_rate = if place == Place::AclTop {
        limits::RATE_RULES_ACL
    } else {
        limits::RATE_RULES_GROUP
    };
    if rate_rules > max_rate {
        c.err(
            &format!("{p}.Rules"),
            format!("at most {max_rate} rate-based rules"),
        );
    }
}

fn action(
    c: &mut Checker,
    p: &str,
    a: &RuleAction,
    bodies: &std::collections::BTreeMap<String, CustomResponseBody>,
) {
    match a {
        RuleAction::Block(b) => block(c, &format!("{p}.Block"), b, bodies),
        RuleAction::Allow(a) => insert_headers(c, &format!("{p}.Allow"), a),
        RuleAction::Count(a) => insert_headers(c, &format!("{p}.Count"), a),
        RuleAction::Captcha(a) => insert_headers(c, &format!("{p}.Captcha"), a),
        RuleAction::Challenge(a) => insert_headers(c, &format!("{p}.Challenge"), a),
    }
}

/// A label's name as a rule adds it: `[ns1:[ns2:…]]name`.
fn label_name(c: &mut Checker, p: &str, label: &str) {
    let parts: Vec<&str> = label.split(':').collect();
    if parts.len() > limits::LABEL_NAMESPACES + 1 {
        c.err(
            p,
            format!(
                "{label:?}: at most {} namespaces before the name",
                limits::LABEL_NAMESPACES
            ),
        );
    }
    for part in parts {
        if part.is_empty()
            || part.len() > limits::LABEL_COMPONENT
            || !part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
        {
            c.err(
                p,
                format!("{label:?}: each component is 1 to 128 of A–Z, a–z, 0–9, `_`, `-`, `.`"),
            );
            return;
        }
        if RESERVED_LABEL_WORDS.contains(&part) {
            c.err(p, format!("{label:?}: `{part}` is reserved"));
            return;
        }
    }
}

fn transformations(c: &mut Checker, p: &str, ts: &[TextTransformation]) {
    if ts.is_empty() {
        c.err(p, "at least one text transformation (NONE for none)");
    }
    if ts.len() > limits::TRANSFORMATIONS {
        c.err(
            p,
            format!("at most {} text transformations", limits::TRANSFORMATIONS),
        );
    }
    let mut seen = HashSet::new();
    for (i, t) in ts.iter().enumerate() {
        if t.transformation().is_none() {
            c.err(
                &format!("{p}[{i}].Type"),
                format!("{:?}: not a text transformation type", t.kind),
            );
        }
        if t.priority < 0 {
            c.err(&format!("{p}[{i}].Priority"), "must be 0 or more");
        } else if !seen.insert(t.priority) {
            c.err(
                &format!("{p}[{i}].Priority"),
                format!("{}: priorities must be unique", t.priority),
            );
        }
    }
}

fn field(c: &mut Checker, p: &str, f: &FieldToMatch) {
    match f {
        FieldToMatch::SingleHeader(n) if n.name.is_empty() || n.name.len() > 64 => {
            c.err(
                &format!("{p}.SingleHeader.Name"),
                "must be 1 to 64 characters",
            );
        }
        FieldToMatch::SingleQueryArgument(n) if n.name.is_empty() || n.name.len() > 30 => {
            c.err(
                &format!("{p}.SingleQueryArgument.Name"),
                "must be 1 to 30 characters",
            );
        }
        FieldToMatch::JsonBody(j) => {
            let pat = &j.match_pattern;
            if pat.all.is_some() == pat.included_paths.is_some() {
                c.err(
                    &format!("{p}.JsonBody.MatchPattern"),
                    "exactly one of All and IncludedPaths",
                );
            }
            for (i, path) in pat.included_paths.iter().flatten().enumerate() {
                if let Err(e) = crate::json_body::JsonPointer::parse(path) {
                    c.err(
                        &format!("{p}.JsonBody.MatchPattern.IncludedPaths[{i}]"),
                        format!("{path:?}: {e}"),
                    );
                }
            }
        }
        FieldToMatch::Headers(h) => {
            let m = &h.match_pattern;
            let set = [
                m.all.is_some(),
                m.included_headers.is_some(),
                m.excluded_headers.is_some(),
            ];
            if set.iter().filter(|b| **b).count() != 1 {
                c.err(
                    &format!("{p}.Headers.MatchPattern"),
                    "exactly one of All, IncludedHeaders and ExcludedHeaders",
                );
            }
            for l in [&m.included_headers, &m.excluded_headers]
                .into_iter()
                .flatten()
            {
                if l.is_empty() || l.len() > limits::HEADER_PATTERNS {
                    c.err(
                        &format!("{p}.Headers.MatchPattern"),
                        format!("1 to {} header names", limits::HEADER_PATTERNS),
                    );
                }
            }
        }
        FieldToMatch::Cookies(k) => {
            let m = &k.match_pattern;
            let set = [
                m.all.is_some(),
                m.included_cookies.is_some(),
                m.excluded_cookies.is_some(),
            ];
            if set.iter().filter(|b| **b).count() != 1 {
                c.err(
                    &format!("{p}.Cookies.MatchPattern"),
                    "exactly one of All, IncludedCookies and ExcludedCookies",
                );
            }
            for l in [&m.included_cookies, &m.excluded_cookies]
                .into_iter()
                .flatten()
            {
                if l.is_empty() || l.len() > limits::HEADER_PATTERNS {
                    c.err(
                        &format!("{p}.Cookies.MatchPattern"),
                        format!("1 to {} cookie names", limits::HEADER_PATTERNS),
                    );
                }
            }
        }
        FieldToMatch::RampartBodyArguments(_) | FieldToMatch::RampartArgumentNames(_)
            if !c.shipped =>
        {
            c.err(
                p,
                "Rampart's extension fields are only for the rule groups it ships",
            );
        }
        _ => {}
    }
}

fn regex(c: &mut Checker, p: &str, re: &str) {
    if re.is_empty() || re.len() > limits::REGEX_LEN {
        c.err(p, format!("must be 1 to {} characters", limits::REGEX_LEN));
        return;
    }
    if let Err(e) = crate::engine::compile_regex(re) {
        c.err(p, format!("{re:?}: {e}"));
    }
}

fn statement(c: &mut Checker, p: &str, s: &Statement, place: Place) {
    match s {
        Statement::ByteMatchStatement(b) => {
            let p = format!("{p}.ByteMatchStatement");
            match crate::engine::search_bytes(b, c.encoding) {
                Err(e) => c.err(&p, e),
                Ok(bytes) => {
                    if bytes.len() > limits::SEARCH_STRING {
                        c.err(
                            &format!("{p}.SearchString"),
                            format!("longer than {} bytes", limits::SEARCH_STRING),
                        );
                    }
                    if b.positional_constraint == PositionalConstraint::ContainsWord
                        && (bytes.is_empty()
                            || !bytes
                                .iter()
                                .all(|b| b.is_ascii_alphanumeric() || *b == b'_'))
                    {
                        c.err(
                            &format!("{p}.SearchString"),
                            "CONTAINS_WORD needs a word: only A–Z, a–z, 0–9 and `_`",
                        );
                    }
                }
            }
            inspected(c, &p, &b.field_to_match, &b.text_transformations);
        }
        Statement::RegexMatchStatement(r) => {
            let p = format!("{p}.RegexMatchStatement");
            regex(c, &format!("{p}.RegexString"), &r.regex_string);
            inspected(c, &p, &r.field_to_match, &r.text_transformations);
        }
        Statement::RegexPatternSetReferenceStatement(r) => {
            let p = format!("{p}.RegexPatternSetReferenceStatement");
            inspected(c, &p, &r.field_to_match, &r.text_transformations);
        }
        Statement::SqliMatchStatement(s) => {
            let p = format!("{p}.SqliMatchStatement");
            inspected(c, &p, &s.field_to_match, &s.text_transformations);
        }
        Statement::XssMatchStatement(s) => {
            let p = format!("{p}.XssMatchStatement");
            inspected(c, &p, &s.field_to_match, &s.text_transformations);
        }
        Statement::RampartDetectionStatement(s) => {
            let p = format!("{p}.RampartDetectionStatement");
            if !c.shipped {
                c.err(
                    &p,
                    "Rampart's detection statement is only for the rule groups it ships",
                );
            }
            if crate::detect::Detector::from_name(&s.detector).is_none() {
                c.err(
                    &format!("{p}.Detector"),
                    format!("{:?}: no such detector", s.detector),
                );
            }
            inspected(c, &p, &s.field_to_match, &s.text_transformations);
        }
        Statement::SizeConstraintStatement(s) => {
            let p = format!("{p}.SizeConstraintStatement");
            if !(0..=limits::SIZE_MAX).contains(&s.size) {
                c.err(
                    &format!("{p}.Size"),
                    format!("must be 0 to {}", limits::SIZE_MAX),
                );
            }
            inspected(c, &p, &s.field_to_match, &s.text_transformations);
        }
        Statement::GeoMatchStatement(g) => {
            let p = format!("{p}.GeoMatchStatement");
            if g.country_codes.is_empty() || g.country_codes.len() > limits::GEO_CODES {
                c.err(
                    &format!("{p}.CountryCodes"),
                    format!("1 to {} country codes", limits::GEO_CODES),
                );
            }
            for (i, cc) in g.country_codes.iter().enumerate() {
                if cc.len() != 2 || !cc.bytes().all(|b| b.is_ascii_uppercase()) {
                    c.err(
                        &format!("{p}.CountryCodes[{i}]"),
                        format!("{cc:?}: an ISO 3166 alpha-2 code such as US"),
                    );
                }
            }
            if let Some(f) = &g.forwarded_ip_config {
                forwarded_header(
                    c,
                    &format!("{p}.ForwardedIPConfig.HeaderName"),
                    &f.header_name,
                );
            }
        }
        Statement::AsnMatchStatement(a) => {
            let p = format!("{p}.AsnMatchStatement");
            if a.asn_list.is_empty() || a.asn_list.len() > limits::ASNS {
                c.err(
                    &format!("{p}.AsnList"),
                    format!("1 to {} ASNs", limits::ASNS),
                );
            }
            for (i, n) in a.asn_list.iter().enumerate() {
                if !(0..=i64::from(u32::MAX)).contains(n) {
                    c.err(&format!("{p}.AsnList[{i}]"), "an ASN is 0 to 4294967295");
                }
            }
            if let Some(f) = &a.forwarded_ip_config {
                forwarded_header(
                    c,
                    &format!("{p}.ForwardedIPConfig.HeaderName"),
                    &f.header_name,
                );
            }
        }
        Statement::IpSetReferenceStatement(s) => {
            let p = format!("{p}.IPSetReferenceStatement");
            if let Some(f) = &s.ip_set_forwarded_ip_config {
                forwarded_header(
                    c,
                    &format!("{p}.IPSetForwardedIPConfig.HeaderName"),
                    &f.header_name,
                );
            }
        }
        Statement::LabelMatchStatement(l) => {
            let p = format!("{p}.LabelMatchStatement");
            if l.key.is_empty() || l.key.len() > limits::LABEL_KEY {
                c.err(
                    &format!("{p}.Key"),
                    format!("must be 1 to {} characters", limits::LABEL_KEY),
                );
            }
        }
        Statement::RateBasedStatement(r) => {
            let p = format!("{p}.RateBasedStatement");
            if place == Place::Nested {
                c.err(&p, "a rate-based statement cannot be nested");
            }
            if !(limits::RATE_MIN..=limits::RATE_MAX).contains(&r.limit) {
                c.err(
                    &format!("{p}.Limit"),
                    format!("must be {} to {}", limits::RATE_MIN, limits::RATE_MAX),
                );
            }
            if let Some(w) = r.evaluation_window_sec
                && ![60, 120, 300, 600].contains(&w)
            {
                c.err(
                    &format!("{p}.EvaluationWindowSec"),
                    "must be 60, 120, 300 or 600",
                );
            }
            match r.aggregate_key_type {
                AggregateKeyType::ForwardedIp if r.forwarded_ip_config.is_none() => c.err(
                    &format!("{p}.ForwardedIPConfig"),
                    "FORWARDED_IP needs a ForwardedIPConfig",
                ),
                AggregateKeyType::Constant if r.scope_down_statement.is_none() => c.err(
                    &format!("{p}.ScopeDownStatement"),
                    "CONSTANT needs a scope-down statement",
                ),
                AggregateKeyType::CustomKeys => {
                    let n = r.custom_keys.len();
                    if n == 0 || n > limits::CUSTOM_KEYS {
                        c.err(
                            &format!("{p}.CustomKeys"),
                            format!("1 to {} custom keys", limits::CUSTOM_KEYS),
                        );
                    }
                    let ip_only = r.custom_keys.iter().all(|k| {
                        matches!(
                            k,
                            RateBasedCustomKey::Ip(_) | RateBasedCustomKey::ForwardedIp(_)
                        )
                    });
                    if n > 0 && ip_only {
                        c.err(
                            &format!("{p}.CustomKeys"),
                            "IP and ForwardedIP must be combined with another key \
                             (use AggregateKeyType IP or FORWARDED_IP instead)",
                        );
                    }
                    for (i, k) in r.custom_keys.iter().enumerate() {
                        let ts = match k {
                            RateBasedCustomKey::Header(n)
                            | RateBasedCustomKey::Cookie(n)
                            | RateBasedCustomKey::QueryArgument(n) => Some(&n.text_transformations),
                            RateBasedCustomKey::QueryString(t) | RateBasedCustomKey::UriPath(t) => {
                                Some(&t.text_transformations)
                            }
                            _ => None,
                        };
                        if let Some(ts) = ts {
                            transformations(
                                c,
                                &format!("{p}.CustomKeys[{i}].TextTransformations"),
                                ts,
                            );
                        }
                        if matches!(k, RateBasedCustomKey::ForwardedIp(_))
                            && r.forwarded_ip_config.is_none()
                        {
                            c.err(
                                &format!("{p}.ForwardedIPConfig"),
                                "a ForwardedIP key needs a ForwardedIPConfig",
                            );
                        }
                    }
                }
                _ => {}
            }
            if !r.custom_keys.is_empty() && r.aggregate_key_type != AggregateKeyType::CustomKeys {
                c.err(
                    &format!("{p}.CustomKeys"),
                    "CustomKeys go with AggregateKeyType CUSTOM_KEYS",
                );
            }
            if let Some(s) = &r.scope_down_statement {
                statement(c, &format!("{p}.ScopeDownStatement"), s, Place::Nested);
            }
        }
        Statement::AndStatement(s) => compound(c, &format!("{p}.AndStatement"), s),
        Statement::OrStatement(s) => compound(c, &format!("{p}.OrStatement"), s),
        Statement::NotStatement(n) => {
            statement(
                c,
                &format!("{p}.NotStatement.Statement"),
                &n.statement,
                Place::Nested,
            );
        }
        Statement::RuleGroupReferenceStatement(r) => {
            let p = format!("{p}.RuleGroupReferenceStatement");
            if place != Place::AclTop {
                c.err(&p, "only at the top level of a web ACL rule");
            }
            overrides(c, &p, &r.rule_action_overrides);
        }
        Statement::ManagedRuleGroupStatement(m) => {
            let p = format!("{p}.ManagedRuleGroupStatement");
            if place != Place::AclTop {
                c.err(&p, "only at the top level of a web ACL rule");
            }
            overrides(c, &p, &m.rule_action_overrides);
            if let Some(s) = &m.scope_down_statement {
                statement(c, &format!("{p}.ScopeDownStatement"), s, Place::Nested);
            }
        }
    }
}

/// A statement's field and its transformations.
fn inspected(c: &mut Checker, p: &str, f: &FieldToMatch, ts: &[TextTransformation]) {
    field(c, &format!("{p}.FieldToMatch"), f);
    transformations(c, &format!("{p}.TextTransformations"), ts);
}

fn compound(c: &mut Checker, p: &str, s: &Statements) {
    if s.statements.is_empty() {
        c.err(&format!("{p}.Statements"), "at least one statement");
    }
    for (i, st) in s.statements.iter().enumerate() {
        statement(c, &format!("{p}.Statements[{i}]"), st, Place::Nested);
    }
}

fn forwarded_header(c: &mut Checker, p: &str, name: &str) {
    if name.is_empty()
        || name.len() > 255
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        c.err(p, format!("{name:?}: a header name"));
    }
}

fn overrides(c: &mut Checker, p: &str, o: &[RuleActionOverride]) {
    if o.len() > limits::RULE_ACTION_OVERRIDES {
        c.err(
            &format!("{p}.RuleActionOverrides"),
            format!("at most {} overrides", limits::RULE_ACTION_OVERRIDES),
        );
    }
}
