//! AWS WAF's log record: one JSON object per request, in AWS's field names and order.

use serde_json::{Map, Value, json};

use crate::engine::{MatchDetail, RuleMatch, Verdict, WebAcl};
use crate::request::Request;

/// AWS logs at most this many labels.
const MAX_LABELS: usize = 100;

/// Where a request came from, for `httpSourceName` / `httpSourceId` / `requestId`.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    /// `ALB`, or `-` for offline evaluation.
    pub name: &'a str,
    /// The load balancer's id.
    pub id: &'a str,
    /// For ALB, the `X-Amzn-Trace-Id` value.
    pub request_id: &'a str,
    /// The client address's country (ISO 3166-1 alpha-2) when a geolocation database is
    /// configured; logged as `-` otherwise, as AWS does when it cannot tell.
    pub country: Option<&'a str>,
}

/// The AWS WAF log record of `verdict` for `req`, at `timestamp_ms` (Unix milliseconds).
pub fn record(
    acl: &WebAcl,
    verdict: &Verdict,
    req: &Request<'_>,
    source: Source<'_>,
    timestamp_ms: u64,
) -> Value {
    let mut r = Map::new();
    r.insert("timestamp".into(), json!(timestamp_ms));
    r.insert("formatVersion".into(), json!(1));
    r.insert("webaclId".into(), json!(acl.arn()));
    r.insert(
        "terminatingRuleId".into(),
        json!(verdict.terminating_rule_id),
    );
    r.insert(
        "terminatingRuleType".into(),
        json!(verdict.terminating_rule_type.as_str()),
    );
    r.insert("action".into(), json!(verdict.action.as_str()));
    r.insert(
        "terminatingRuleMatchDetails".into(),
        Value::Array(
            verdict
                .terminating_rule_match_details
                .iter()
                .map(detail)
                .collect(),
        ),
    );
    r.insert("httpSourceName".into(), json!(source.name));
    r.insert("httpSourceId".into(), json!(source.id));
    r.insert(
        "ruleGroupList".into(),
        Value::Array(
            verdict
                .rule_group_list
                .iter()
                .map(|g| {
                    json!({
                        "ruleGroupId": g.rule_group_id,
                        "terminatingRule": g.terminating_rule.as_ref().map(rule_match),
                        "nonTerminatingMatchingRules": g.non_terminating.iter().map(rule_match).collect::<Vec<_>>(),
                        "excludedRules": if g.excluded_rules.is_empty() {
                            Value::Null
                        } else {
                            Value::Array(g.excluded_rules.iter().map(|n| json!({"exclusionType": "EXCLUDED_AS_COUNT", "ruleId": n})).collect())
                        },
                    })
                })
                .collect(),
        ),
    );
    r.insert(
        "rateBasedRuleList".into(),
        Value::Array(
            verdict
                .rate_based_rules
                .iter()
                .map(|x| {
                    json!({
                        "rateBasedRuleName": x.rule_name,
                        "limitKey": x.limit_key,
                        "maxRateAllowed": x.max_rate_allowed,
                        "evaluationWindowSec": x.evaluation_window_sec.to_string(),
                    })
                })
                .collect(),
        ),
    );
    r.insert(
        "nonTerminatingMatchingRules".into(),
        Value::Array(
            verdict
                .non_terminating_matching_rules
                .iter()
                .map(rule_match)
                .collect(),
        ),
    );
    if !verdict.inserted_headers.is_empty() {
        r.insert(
            "requestHeadersInserted".into(),
            Value::Array(
                verdict
                    .inserted_headers
                    .iter()
                    .map(|(n, v)| json!({"name": n, "value": v}))
                    .collect(),
            ),
        );
    } else {
        r.insert("requestHeadersInserted".into(), Value::Null);
    }
    let code = verdict
        .block
        .as_ref()
        .map(|b| b.status)
        .filter(|&s| s != 403);
    r.insert(
        "responseCodeSent".into(),
        code.map_or(Value::Null, |c| json!(c)),
    );
    let (path, args) = split_uri(req.uri);
    r.insert(
        "httpRequest".into(),
        json!({
            "clientIp": req.client_ip.to_string(),
            "country": source.country.unwrap_or("-"),
            "headers": req.headers.iter().map(|h| json!({"name": h.name, "value": String::from_utf8_lossy(h.value)})).collect::<Vec<_>>(),
            "uri": path,
            "args": args,
            "httpVersion": req.http_version,
            "httpMethod": req.method,
            "requestId": source.request_id,
        }),
    );
    if !verdict.labels.is_empty() {
        r.insert(
            "labels".into(),
            Value::Array(
                verdict
                    .labels
                    .iter()
                    .take(MAX_LABELS)
                    .map(|l| json!({"name": l}))
                    .collect(),
            ),
        );
    }
    if !verdict.oversize_fields.is_empty() {
        r.insert("oversizeFields".into(), json!(verdict.oversize_fields));
    }
    if let Some(ja3) = req.ja3 {
        r.insert("ja3Fingerprint".into(), json!(ja3));
    }
    if let Some(ja4) = req.ja4 {
        r.insert("ja4Fingerprint".into(), json!(ja4));
    }
    r.insert("requestBodySize".into(), json!(req.body_len.unwrap_or(0)));
    r.insert(
        "requestBodySizeInspectedByWAF".into(),
        json!(req.body.len()),
    );
    Value::Object(r)
}

fn split_uri(uri: &str) -> (&str, &str) {
    let path = crate::fields::uri_path(uri);
    (path, crate::fields::query_string(uri).unwrap_or(""))
}

fn detail(d: &MatchDetail) -> Value {
    let mut m = Map::new();
    m.insert("conditionType".into(), json!(d.condition_type));
    if let Some(s) = d.sensitivity_level {
        m.insert("sensitivityLevel".into(), json!(s));
    }
    m.insert("location".into(), json!(d.location));
    m.insert("matchedData".into(), json!(d.matched_data));
    Value::Object(m)
}

fn rule_match(m: &RuleMatch) -> Value {
    let mut o = Map::new();
    o.insert("ruleId".into(), json!(m.rule_id));
    o.insert("action".into(), json!(m.action.as_str()));
    if let Some(a) = m.overridden_action {
        o.insert("overriddenAction".into(), json!(a.as_str()));
    }
    o.insert(
        "ruleMatchDetails".into(),
        Value::Array(m.details.iter().map(detail).collect()),
    );
    Value::Object(o)
}
