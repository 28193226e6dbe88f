//! The WAF phase's runtime: a load balancer's web ACL, compiled with each configuration
//! generation, and what its verdicts leave behind — the response a stopped request gets, the
//! counters under AWS WAF's CloudWatch names, the sampled requests, and the WAF log.
//!
//! ```text
//!  decide() ─► token ─► WebAcl::evaluate ─► Verdict ─┬─ allow: forward, x-amzn-waf-* headers added
//!                                                    ├─ block: response()
//!                                                    ├─ captcha / challenge: the interstitial
//!                                                    └─ record(): counters · samples · log thread
//! ```
//!
//! A reload builds a new runtime; the counters, samples, log writer, drawn token key, the
//! verification rate limiter and the unchanged rate-based rules' counters carry over.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use waf::{ActionKind, Verdict};

use crate::access_log::{LogLine, LogWriter};
use crate::respond::LbResponse;
use crate::tokens::{ClientView, Tokens};

/// How much of a request body the WAF inspects. ALB's limit is fixed at 8 KB; AWS lets only
/// other resources (CloudFront, API Gateway, …) raise it.
pub(crate) const BODY_LIMIT: usize = 8 * 1024;

/// Requests kept per web ACL for `rampart waf sampled`.
const SAMPLES: usize = 100;

/// WAF log records waiting for the writer thread before new ones are dropped.
const LOG_QUEUE: usize = 16_384;

/// Distinct (rule group, rule) counters kept per web ACL; rules come from the configuration,
/// so this bounds only what reloads with ever-new names could accumulate.
const MAX_RULE_SERIES: usize = 10_000;

/// The five actions in the order of [`ACTION_METRICS`].
fn slot(a: ActionKind) -> usize {
    match a {
        ActionKind::Allow => 0,
        ActionKind::Block => 1,
        ActionKind::Count => 2,
        ActionKind::Captcha => 3,
        ActionKind::Challenge => 4,
    }
}

/// AWS WAF's CloudWatch metric per action (namespace `AWS/WAFV2`).
const ACTION_METRICS: [(&str, &str); 5] = [
    ("AllowedRequests", "Requests allowed"),
    ("BlockedRequests", "Requests blocked"),
    (
        "CountedRequests",
        "Requests that matched a rule whose action is Count",
    ),
    (
        "CaptchaRequests",
        "Requests answered with a CAPTCHA (or counted by a CAPTCHA rule)",
    ),
    (
        "ChallengeRequests",
        "Requests answered with a challenge (or counted by a Challenge rule)",
    ),
];

/// A load balancer's web ACL in one generation.
#[derive(Debug)]
pub(crate) struct WebAclRuntime {
    pub(crate) name: String,
    pub(crate) acl: waf::WebAcl,
    /// Whether a statement reads the body: only then is it read before deciding.
    pub(crate) inspects_body: bool,
    names: MetricNames,
    /// Kept across reloads (by the web ACL's name), as the load balancer's counters are.
    pub(crate) metrics: Arc<WafMetrics>,
    pub(crate) samples: Arc<Samples>,
    log: Option<LogWriter<WafLogLine>>,
    log_cfg: Option<model::AccessLog>,
    /// CAPTCHA and Challenge: the token key, token domains, verification paths.
    pub(crate) tokens: Tokens,
    /// The geolocation database, for the log's and samples' country.
    geo: Option<Arc<waf::geo::GeoDb>>,
}

impl WebAclRuntime {
    /// Builds the runtime of a compiled web ACL; counters and samples carry over from
    /// `prev`, and so does its log writer when the log's configuration is unchanged.
    pub(crate) fn new(
        cfg: &model::WebAclConfig,
        loaded: model::LoadedWebAcl,
        prev: Option<&WebAclRuntime>,
    ) -> std::io::Result<WebAclRuntime> {
        let log = match (&cfg.log, prev) {
            (None, _) => None,
            (Some(l), Some(p)) if p.log_cfg.as_ref() == Some(l) => p.log.clone(),
            (Some(l), _) => Some(LogWriter::spawn(l, "waf log", LOG_QUEUE)?),
        };
        let tokens = Tokens::new(
            loaded.token_key.clone(),
            &loaded.document,
            &loaded.rule_groups,
            prev.map(|p| &p.tokens),
        )?;
        let mut acl = loaded.compiled;
        if let Some(p) = prev {
            acl.adopt_rate_state(&p.acl);
        }
        Ok(WebAclRuntime {
            name: cfg.name.clone(),
            inspects_body: acl.inspects_body(),
            names: MetricNames::new(&loaded.document, &loaded.rule_groups),
            acl,
            metrics: prev.map_or_else(Default::default, |p| p.metrics.clone()),
            samples: prev.map_or_else(Default::default, |p| p.samples.clone()),
            log,
            log_cfg: cfg.log.clone(),
            tokens,
            geo: loaded.geo,
        })
    }

    /// After a verdict: the counters, the sample and the log record.
    pub(crate) fn record(&self, v: &Verdict, req: &waf::Request<'_>, source: waf::log::Source<'_>) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        self.metrics.count(v, &self.names);
        // AWS logs the client address's country
        let info = self.geo.as_ref().map(|g| g.lookup(req.client_ip));
        let country = info.as_ref().map(waf::geo::GeoInfo::country_or_unknown);
        if self.names.sampled {
            self.samples.push(v, req, country, now);
        }
        if let Some(log) = &self.log {
            let source = waf::log::Source { country, ..source };
            log.log(WafLogLine(waf::log::record(&self.acl, v, req, source, now)));
        }
    }

    /// Flushes and stops the log writer.
    pub(crate) fn shutdown(&self) {
        if let Some(log) = &self.log {
            log.shutdown();
        }
    }

    /// The sampled requests in the shape of AWS's `GetSampledRequests` answer.
    pub(crate) fn sampled_json(&self) -> Value {
        self.samples.to_json(&self.name)
    }
}

/// The response to a request the web ACL stopped: for CAPTCHA and Challenge the interstitial
/// ([`Tokens::interstitial`]); for Block the custom response, or the load balancer's 403.
pub(crate) fn response(
    w: &WebAclRuntime,
    v: &Verdict,
    client: &ClientView<'_>,
    now: u64,
) -> LbResponse {
    match v.action {
        ActionKind::Captcha | ActionKind::Challenge => w.tokens.interstitial(v.action, client, now),
        _ => match &v.block {
            Some(b) if *b != waf::BlockResponse::default() => {
                let (content_type, body) = b
                    .body
                    .as_ref()
                    .map_or((String::new(), String::new()), |(t, c)| {
                        ((*t).to_owned(), c.clone())
                    });
                let mut r = LbResponse::error(b.status, None);
                r.content_type = content_type;
                r.body = body;
                // framing is the load balancer's to write
                r.headers = b
                    .headers
                    .iter()
                    .filter(|(n, _)| !is_framing_header(n))
                    .cloned()
                    .collect();
                r
            }
            // AWS's default: the load balancer's own 403 page
            _ => LbResponse::error(403, None),
        },
    }
}

fn is_framing_header(name: &str) -> bool {
    [
        "content-length",
        "transfer-encoding",
        "connection",
        "content-type",
    ]
    .iter()
    .any(|h| name.eq_ignore_ascii_case(h))
}

/// CloudWatch's names for a web ACL's metrics: the `MetricName` of each visibility
/// configuration, and whether metrics and samples are enabled.
#[derive(Debug, Default)]
struct MetricNames {
    web_acl: String,
    /// The web ACL's own `CloudWatchMetricsEnabled`: AWS applies it to the default action's
    /// metrics.
    default_action: bool,
    sampled: bool,
    /// Top-level rule name → its metric name, `None` when its metrics are off.
    rules: HashMap<String, Option<String>>,
    /// Rule group name → its metric name and its rules'.
    groups: HashMap<String, (String, HashMap<String, Option<String>>)>,
}

impl MetricNames {
    fn new(acl: &waf::acl::json::WebAcl, groups: &[waf::acl::json::RuleGroup]) -> MetricNames {
        let rules = |rules: &[waf::acl::json::Rule]| {
            rules
                .iter()
                .map(|r| {
                    let v = &r.visibility_config;
                    (
                        r.name.clone(),
                        v.cloudwatch_metrics_enabled.then(|| v.metric_name.clone()),
                    )
                })
                .collect::<HashMap<_, _>>()
        };
        MetricNames {
            web_acl: acl.visibility_config.metric_name.clone(),
            default_action: acl.visibility_config.cloudwatch_metrics_enabled,
            sampled: acl.visibility_config.sampled_requests_enabled,
            rules: rules(&acl.rules),
            groups: groups
                .iter()
                .map(|g| {
                    (
                        g.name.clone(),
                        (g.visibility_config.metric_name.clone(), rules(&g.rules)),
                    )
                })
                .collect(),
        }
    }

    /// The `Rule` dimension of a top-level rule; `None` when its metrics are off.
    fn rule(&self, name: &str) -> Option<String> {
        match self.rules.get(name) {
            Some(m) => m.clone(),
            None => Some(name.to_owned()),
        }
    }

    /// The `RuleGroup` and `Rule` dimensions of a rule inside a group.
    fn group_rule(&self, group_id: &str, rule: &str) -> Option<(String, String)> {
        let name = group_name(group_id);
        match self.groups.get(name) {
            Some((metric, rules)) => {
                let r = match rules.get(rule) {
                    Some(m) => m.clone()?,
                    None => rule.to_owned(),
                };
                Some((metric.clone(), r))
            }
            // managed groups: their own names
            None => Some((name.to_owned(), rule.to_owned())),
        }
    }
}

/// The name in a rule group's id: `…/rulegroup/NAME/…` or `Vendor#NAME`.
fn group_name(id: &str) -> &str {
    if let Some((_, name)) = id.split_once('#') {
        return name;
    }
    let mut parts = id.split('/');
    while let Some(p) = parts.next() {
        if p == "rulegroup" {
            return parts.next().unwrap_or(id);
        }
    }
    id
}

/// One web ACL's counters.
#[derive(Debug, Default)]
pub(crate) struct WafMetrics {
    /// `Rule=ALL`: every request by its terminating action; Count when any rule counted it.
    all: [AtomicU64; 5],
    /// The default action's requests (`Rule` = the web ACL's metric name).
    default_action: [AtomicU64; 5],
    /// (`RuleGroup`, `Rule`) → per action. Touched only when a rule matched.
    rules: Mutex<HashMap<SeriesKey, [u64; 5]>>,
}

/// A rule's `RuleGroup` (for a rule inside a group) and `Rule` dimensions.
type SeriesKey = (Option<String>, String);

impl WafMetrics {
    fn count(&self, v: &Verdict, names: &MetricNames) {
        let bump = |c: &[AtomicU64; 5], a: ActionKind| {
            c[slot(a)].fetch_add(1, Ordering::Relaxed);
        };
        bump(&self.all, v.action);
        let counted = !v.non_terminating_matching_rules.is_empty()
            || v.rule_group_list
                .iter()
                .any(|g| !g.non_terminating.is_empty());
        if counted {
            bump(&self.all, ActionKind::Count);
        }
        if v.terminating_rule_id == "Default_Action" {
            bump(&self.default_action, v.action);
            if !counted {
                return;
            }
        }
        let mut series: Vec<(SeriesKey, ActionKind)> = Vec::new();
        if v.terminating_rule_id != "Default_Action"
            && let Some(r) = names.rule(&v.terminating_rule_id)
        {
            series.push(((None, r), v.action));
        }
        for m in &v.non_terminating_matching_rules {
            if let Some(r) = names.rule(&m.rule_id) {
                series.push(((None, r), m.action));
            }
        }
        for g in &v.rule_group_list {
            let inner = g.terminating_rule.iter().map(|t| (t, v.action));
            let counted = g.non_terminating.iter().map(|m| (m, m.action));
            for (m, action) in inner.chain(counted) {
                if let Some((group, rule)) = names.group_rule(&g.rule_group_id, &m.rule_id) {
                    series.push(((Some(group), rule), action));
                }
            }
        }
        if series.is_empty() {
            return;
        }
        let mut rules = self.rules.lock().unwrap_or_else(PoisonError::into_inner);
        for (key, action) in series {
            let full = rules.len() >= MAX_RULE_SERIES;
            match rules.get_mut(&key) {
                Some(c) => c[slot(action)] += 1,
                None if !full => {
                    let mut c = [0; 5];
                    c[slot(action)] = 1;
                    rules.insert(key, c);
                }
                None => {}
            }
        }
    }
}

/// Appends every web ACL's counters in the Prometheus text format, one metric family per
/// action: `rampart_waf_BlockedRequests{WebACL="…",Rule="ALL"}`, per rule with `Rule`, and
/// with `RuleGroup` for the rules of a group. The `Rule="ALL"` series are always written;
/// the others once they are not zero (CloudWatch's reporting criterion).
pub(crate) fn render_prometheus(acls: &[&WebAclRuntime], out: &mut String) {
    if acls.is_empty() {
        return;
    }
    let snapshots: Vec<_> = acls
        .iter()
        .map(|w| {
            let rules = w
                .metrics
                .rules
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .iter()
                .map(|(k, v)| (k.clone(), *v))
                .collect::<Vec<_>>();
            (w, rules)
        })
        .collect();
    for (i, (name, help)) in ACTION_METRICS.iter().enumerate() {
        let _ = writeln!(out, "# HELP rampart_waf_{name} {help}");
        let _ = writeln!(out, "# TYPE rampart_waf_{name} counter");
        for (w, rules) in &snapshots {
            let acl = label(&w.names.web_acl);
            let _ = writeln!(
                out,
                "rampart_waf_{name}{{WebACL=\"{acl}\",Rule=\"ALL\"}} {}",
                w.metrics.all[i].load(Ordering::Relaxed)
            );
            let d = w.metrics.default_action[i].load(Ordering::Relaxed);
            if d > 0 && w.names.default_action {
                let _ = writeln!(
                    out,
                    "rampart_waf_{name}{{WebACL=\"{acl}\",Rule=\"{acl}\"}} {d}"
                );
            }
            let mut sorted: Vec<_> = rules.iter().filter(|(_, c)| c[i] > 0).collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            for ((group, rule), c) in sorted {
                match group {
                    Some(g) => {
                        let _ = writeln!(
                            out,
                            "rampart_waf_{name}{{WebACL=\"{acl}\",RuleGroup=\"{}\",Rule=\"{}\"}} {}",
                            label(g),
                            label(rule),
                            c[i]
                        );
                    }
                    None => {
                        let _ = writeln!(
                            out,
                            "rampart_waf_{name}{{WebACL=\"{acl}\",Rule=\"{}\"}} {}",
                            label(rule),
                            c[i]
                        );
                    }
                }
            }
        }
    }

    let logged: Vec<_> = acls
        .iter()
        .filter_map(|w| w.log.as_ref().map(|l| (&w.names.web_acl, l.stats())))
        .collect();
    if !logged.is_empty() {
        let _ = writeln!(
            out,
            "# HELP rampart_waf_LogRecordsDropped WAF log records dropped because the writer fell behind or the disk refused them (Rampart's, not a CloudWatch metric)"
        );
        let _ = writeln!(out, "# TYPE rampart_waf_LogRecordsDropped counter");
        for (acl, (_, dropped)) in logged {
            let _ = writeln!(
                out,
                "rampart_waf_LogRecordsDropped{{WebACL=\"{}\"}} {dropped}",
                label(acl)
            );
        }
    }
}

/// A Prometheus label value: `\`, `"` and newlines escaped.
fn label(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// One request as `GetSampledRequests` describes it.
#[derive(Debug)]
struct Sample {
    timestamp_ms: u64,
    client_ip: IpAddr,
    /// `-` without a geolocation database.
    country: String,
    method: String,
    path: String,
    args: String,
    http_version: String,
    headers: Vec<(String, String)>,
    action: ActionKind,
    terminating_rule: String,
    rule_within_group: Option<String>,
    labels: Vec<String>,
    inserted: Vec<(String, String)>,
    response_code: Option<u16>,
}

impl Default for Sample {
    fn default() -> Sample {
        Sample {
            timestamp_ms: 0,
            client_ip: IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
            country: String::new(),
            method: String::new(),
            path: String::new(),
            args: String::new(),
            http_version: String::new(),
            headers: Vec::new(),
            action: ActionKind::Allow,
            terminating_rule: String::new(),
            rule_within_group: None,
            labels: Vec::new(),
            inserted: Vec::new(),
            response_code: None,
        }
    }
}

impl Sample {
    /// Describes `req` and its verdict, reusing this sample's buffers.
    fn fill(&mut self, v: &Verdict, req: &waf::Request<'_>, country: Option<&str>, now_ms: u64) {
        fn set(s: &mut String, v: &str) {
            s.clear();
            s.push_str(v);
        }
        let (path, args) = req.uri.split_once('?').unwrap_or((req.uri, ""));
        self.timestamp_ms = now_ms;
        self.client_ip = req.client_ip;
        set(&mut self.country, country.unwrap_or("-"));
        set(&mut self.method, req.method);
        set(&mut self.path, path);
        set(&mut self.args, args);
        set(&mut self.http_version, req.http_version);
        self.headers.truncate(req.headers.len());
        for (i, h) in req.headers.iter().enumerate() {
            let value = String::from_utf8_lossy(h.value);
            match self.headers.get_mut(i) {
                Some((n, val)) => {
                    set(n, h.name);
                    set(val, &value);
                }
                None => self.headers.push((h.name.to_owned(), value.into_owned())),
            }
        }
        self.action = v.action;
        set(&mut self.terminating_rule, &v.terminating_rule_id);
        self.rule_within_group = v
            .rule_group_list
            .iter()
            .find_map(|g| g.terminating_rule.as_ref().map(|t| t.rule_id.clone()));
        self.labels.clone_from(&v.labels);
        self.inserted.clone_from(&v.inserted_headers);
        self.response_code = v.block.as_ref().map(|b| b.status);
    }
}

/// The last [`SAMPLES`] requests a web ACL evaluated.
#[derive(Debug, Default)]
pub(crate) struct Samples {
    ring: Mutex<VecDeque<Sample>>,
    /// Requests evaluated since the web ACL started (`PopulationSize`).
    population: AtomicU64,
    /// When the first was (Unix milliseconds).
    since: AtomicU64,
}

impl Samples {
    fn push(&self, v: &Verdict, req: &waf::Request<'_>, country: Option<&str>, now_ms: u64) {
        self.population.fetch_add(1, Ordering::Relaxed);
        let _ = self
            .since
            .compare_exchange(0, now_ms, Ordering::Relaxed, Ordering::Relaxed);
        // a sample, not a record: a contended ring skips this one rather than wait
        let Ok(mut ring) = self.ring.try_lock() else {
            return;
        };
        // the oldest sample's buffers take the new one: no allocation once the ring is full
        let mut sample = if ring.len() >= SAMPLES {
            ring.pop_front().unwrap_or_default()
        } else {
            Sample::default()
        };
        sample.fill(v, req, country, now_ms);
        ring.push_back(sample);
    }

    fn to_json(&self, web_acl: &str) -> Value {
        let ring = self.ring.lock().unwrap_or_else(PoisonError::into_inner);
        let secs = |ms: u64| ms as f64 / 1000.0;
        let samples: Vec<Value> = ring
            .iter()
            .rev()
            .map(|s| {
                let mut o = json!({
                    "Request": {
                        "ClientIP": s.client_ip.to_string(),
                        "Country": s.country,
                        "URI": s.path,
                        "Args": s.args,
                        "Method": s.method,
                        "HTTPVersion": s.http_version,
                        "Headers": s.headers.iter().map(|(n, v)| json!({"Name": n, "Value": v})).collect::<Vec<_>>(),
                    },
                    "Weight": 1,
                    "Timestamp": secs(s.timestamp_ms),
                    "Action": s.action.as_str(),
                    "TerminatingRuleId": s.terminating_rule,
                    "Labels": s.labels.iter().map(|l| json!({"Name": l})).collect::<Vec<_>>(),
                });
                if let Some(r) = &s.rule_within_group {
                    o["RuleNameWithinRuleGroup"] = json!(r);
                }
                if !s.inserted.is_empty() {
                    o["RequestHeadersInserted"] = Value::Array(
                        s.inserted
                            .iter()
                            .map(|(n, v)| json!({"Name": n, "Value": v}))
                            .collect(),
                    );
                }
                if let Some(c) = s.response_code {
                    o["ResponseCodeSent"] = json!(c);
                }
                o
            })
            .collect();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        json!({
            "WebACL": web_acl,
            "SampledRequests": samples,
            "PopulationSize": self.population.load(Ordering::Relaxed),
            "TimeWindow": {
                "StartTime": secs(self.since.load(Ordering::Relaxed)),
                "EndTime": secs(now),
            },
        })
    }
}

/// One AWS WAF log record, formatted by the writer thread.
#[derive(Debug)]
pub(crate) struct WafLogLine(Value);

impl LogLine for WafLogLine {
    fn write_line(&self, out: &mut String) {
        // serde_json escapes control characters: a record is always one line
        let _ = write!(out, "{}", self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_names_come_from_arns_and_managed_ids() {
        assert_eq!(
            group_name("arn:aws:wafv2:us-east-1:1:regional/rulegroup/admin-rules/abc"),
            "admin-rules"
        );
        assert_eq!(
            group_name("AWS#AWSManagedRulesCommonRuleSet"),
            "AWSManagedRulesCommonRuleSet"
        );
        assert_eq!(group_name("plain"), "plain");
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
