//! `explain --request`: which load balancer and listener an HTTP request reaches, which rule
//! decides it, why each rule before it did not, and what the rule's action does.
//!
//! ```text
//!  METHOD URL + headers ─► listener (scheme, port) ─► rules by priority ─► action
//!                                                     (first failing condition of each)
//! ```
//!
//! The decision is [`model::Listener::route`], the same function the load balancer runs.

use std::fmt::Write as _;
use std::net::IpAddr;

use model::{
    Action, Family, Listener, ListenerProtocol, LoadBalancer, Model, RedirectSource, RequestFacts,
    RuleCondition, RuleRef, redirect_location,
};
use serde::Serialize;

use crate::explain::Analyzer;
use crate::query::QueryError;

/// An HTTP request to explain, as the user writes it: `GET https://host/path?query`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestQuery {
    pub method: String,
    pub protocol: ListenerProtocol,
    /// The URL's host, as written (an IPv6 address keeps its brackets).
    pub host: String,
    /// The URL's port, or the scheme's default.
    pub port: u16,
    /// The URL's authority as written: what the `Host` header carries.
    pub authority: String,
    pub path: String,
    pub query: Option<String>,
    /// Extra header fields, in order.
    pub headers: Vec<(String, String)>,
    /// The client's address; `None` is any address on the internet.
    pub source_ip: Option<IpAddr>,
    /// Which load balancer, when several listen on the port.
    pub load_balancer: Option<String>,
}

impl RequestQuery {
    /// Parses `[METHOD] URL`, e.g. `GET https://app.example.test:8443/api?x=1` (the method
    /// defaults to GET).
    pub fn parse(text: &str) -> Result<RequestQuery, QueryError> {
        let syntax = |m: &str| QueryError::Syntax(format!("{text:?}: {m}"));
        let t = text.trim();
        let (method, url) = match t.split_once(char::is_whitespace) {
            Some((m, u)) => (m, u.trim()),
            None => ("GET", t),
        };
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(syntax("expected METHOD URL, e.g. GET https://example.com/"));
        }
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| syntax("expected an absolute URL: http://HOST/… or https://HOST/…"))?;
        let protocol = match scheme.to_ascii_lowercase().as_str() {
            "http" => ListenerProtocol::Http,
            "https" => ListenerProtocol::Https,
            _ => return Err(syntax("the scheme is http or https")),
        };
        let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        if authority.is_empty() || authority.contains('@') {
            return Err(syntax("the URL needs a host (and no user name)"));
        }
        let (host, port) = split_host_port(authority).ok_or_else(|| syntax("bad host or port"))?;
        let default_port = match protocol {
            ListenerProtocol::Http => 80,
            ListenerProtocol::Https => 443,
        };
        let (path, query) = match tail.split_once('?') {
            Some((p, q)) => (p, Some(q.to_owned())),
            None => (tail, None),
        };
        let path = if path.is_empty() { "/" } else { path };
        Ok(RequestQuery {
            method: method.to_owned(),
            protocol,
            host: host.to_owned(),
            port: port.unwrap_or(default_port),
            authority: authority.to_owned(),
            path: path.to_owned(),
            query,
            headers: Vec::new(),
            source_ip: None,
            load_balancer: None,
        })
    }

    /// Adds a header field written `Name: value`.
    pub fn add_header(&mut self, text: &str) -> Result<(), QueryError> {
        let (name, value) = text.split_once(':').ok_or_else(|| {
            QueryError::Syntax(format!("{text:?}: a header is written `Name: value`"))
        })?;
        let name = name.trim();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(QueryError::Syntax(format!("{text:?}: bad header name")));
        }
        self.headers
            .push((name.to_owned(), value.trim().to_owned()));
        Ok(())
    }

    fn url(&self) -> String {
        let q = self
            .query
            .as_deref()
            .map(|q| format!("?{q}"))
            .unwrap_or_default();
        format!(
            "{}://{}{}{q}",
            self.protocol.as_str(),
            self.authority,
            self.path
        )
    }
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`.
fn split_host_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if authority.starts_with('[') {
        let close = authority.find(']')?;
        let (h, after) = authority.split_at(close + 1);
        match after {
            "" => (h, None),
            p => (h, Some(p.strip_prefix(':')?)),
        }
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return None;
    }
    let port = match port {
        None => None,
        Some(p) => Some(p.parse::<u16>().ok().filter(|p| *p > 0)?),
    };
    Some((host, port))
}

/// What the request meets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequestVerdict {
    Forward,
    Redirect,
    FixedResponse,
    /// No listener takes the scheme and port.
    NoListener,
    /// The load balancer's web ACL stops it (Block, CAPTCHA or Challenge).
    WafBlock,
}

impl RequestVerdict {
    pub fn name(self) -> &'static str {
        match self {
            RequestVerdict::Forward => "forward",
            RequestVerdict::Redirect => "redirect",
            RequestVerdict::FixedResponse => "fixed-response",
            RequestVerdict::NoListener => "no-listener",
            RequestVerdict::WafBlock => "waf-block",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RequestView {
    pub method: String,
    pub url: String,
    /// The host the rules see (the `Host` header without its port).
    pub host: String,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    pub source_ip: IpAddr,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ListenerView {
    /// `HTTPS:443`, as AWS's console names a listener.
    pub name: String,
    pub address: IpAddr,
    /// Where it is in the configuration: `load_balancers.web.listeners[1]`.
    pub path: String,
}

/// One rule tried, in priority order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleStep {
    pub layer: &'static str,
    /// `priority 10` or `default`.
    pub rule: String,
    pub matched: bool,
    pub conditions: Vec<String>,
    /// The first condition the request does not meet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_condition: Option<String>,
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RequestDecidedBy {
    pub layer: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TargetGroupView {
    pub name: String,
    pub weight: u16,
    pub protocol: &'static str,
    pub algorithm: &'static str,
    pub targets: Vec<String>,
    pub health_check: String,
}

/// What the deciding rule's action does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum ActionView {
    Forward {
        target_groups: Vec<TargetGroupView>,
        #[serde(skip_serializing_if = "Option::is_none")]
        stickiness_seconds: Option<u64>,
    },
    Redirect {
        status: u16,
        location: String,
    },
    FixedResponse {
        status: u16,
        #[serde(skip_serializing_if = "Option::is_none")]
        content_type: Option<String>,
        body: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RequestExplanation {
    pub request: RequestView,
    pub verdict: RequestVerdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listener: Option<ListenerView>,
    pub decided_by: RequestDecidedBy,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<ActionView>,
    pub trace: Vec<RuleStep>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Analyzer<'_> {
    /// Finds the listener for the request's scheme and port, and routes the request.
    pub fn explain_request(&self, q: &RequestQuery) -> Result<RequestExplanation, QueryError> {
        let m = self.model();
        if m.load_balancers.is_empty() {
            return Err(QueryError::Unknown(
                "the configuration defines no load_balancers".into(),
            ));
        }
        let lbs: Vec<&LoadBalancer> = match &q.load_balancer {
            Some(name) => {
                let lb = m
                    .load_balancers
                    .iter()
                    .find(|lb| &lb.name == name)
                    .ok_or_else(|| {
                        QueryError::Unknown(format!(
                            "no load balancer is named {name:?}; load balancers: {}",
                            names(m.load_balancers.iter().map(|l| l.name.as_str()))
                        ))
                    })?;
                vec![lb]
            }
            None => m.load_balancers.iter().collect(),
        };
        let source_ip = q
            .source_ip
            .unwrap_or_else(|| self.internet_address(Family::Ipv4));
        let host_header = q
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("host"))
            .map(|(_, v)| v.as_str());
        let host = match host_header {
            Some(h) => split_host_port(h).map_or(h, |(h, _)| h),
            None => q.host.as_str(),
        };
        let mut notes = Vec::new();
        let request = RequestView {
            method: q.method.clone(),
            url: q.url(),
            host: host.to_owned(),
            path: q.path.clone(),
            query: q.query.clone(),
            source_ip,
            headers: q.headers.iter().map(|(n, v)| format!("{n}: {v}")).collect(),
        };

        let candidates: Vec<(&LoadBalancer, usize, &Listener)> = lbs
            .iter()
            .flat_map(|lb| {
                lb.listeners
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| l.port == q.port && l.protocol == q.protocol)
                    .map(move |(i, l)| (*lb, i, l))
            })
            .collect();
        let (lb, li, listener) = match candidates.as_slice() {
            [one] => *one,
            [] => {
                let same_port: Vec<String> = lbs
                    .iter()
                    .flat_map(|lb| {
                        lb.listeners
                            .iter()
                            .filter(|l| l.port == q.port)
                            .map(move |l| format!("{} has {}", lb.name, listener_name(l)))
                    })
                    .collect();
                let mut reason = format!(
                    "no listener takes {} on port {}",
                    q.protocol.as_str().to_ascii_uppercase(),
                    q.port
                );
                if !same_port.is_empty() {
                    let _ = write!(reason, " ({})", same_port.join(", "));
                }
                let all: Vec<String> = lbs
                    .iter()
                    .flat_map(|lb| {
                        lb.listeners
                            .iter()
                            .map(move |l| format!("{} {}", lb.name, listener_name(l)))
                    })
                    .collect();
                notes.push(format!("listeners: {}", all.join(", ")));
                return Ok(RequestExplanation {
                    request,
                    verdict: RequestVerdict::NoListener,
                    load_balancer: None,
                    listener: None,
                    decided_by: RequestDecidedBy {
                        layer: "listener",
                        rule: None,
                        reason,
                    },
                    action: None,
                    trace: Vec::new(),
                    notes,
                });
            }
            many => {
                let list: Vec<String> = many
                    .iter()
                    .map(|(lb, _, l)| format!("{} {} on {}", lb.name, listener_name(l), l.address))
                    .collect();
                return Err(QueryError::Unknown(format!(
                    "several listeners take {} on port {}: {}; pick one with --load-balancer",
                    q.protocol.as_str().to_ascii_uppercase(),
                    q.port,
                    list.join(", ")
                )));
            }
        };

        let mut headers: Vec<(&str, &[u8])> = Vec::with_capacity(q.headers.len() + 1);
        if host_header.is_none() {
            headers.push(("Host", q.authority.as_bytes()));
        }
        headers.extend(q.headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes())));
        let facts = RequestFacts {
            method: &q.method,
            host: Some(host),
            path: &q.path,
            query: q.query.as_deref(),
            headers: &headers,
            source_ip,
        };
        let mut trace = Vec::new();
        if let Some(stop) = self.web_acl_steps(lb, q, &headers, source_ip, &mut trace, &mut notes) {
            return Ok(RequestExplanation {
                request,
                verdict: RequestVerdict::WafBlock,
                load_balancer: Some(lb.name.clone()),
                listener: Some(ListenerView {
                    name: listener_name(listener),
                    address: listener.address,
                    path: format!("load_balancers.{}.listeners[{li}]", lb.name),
                }),
                decided_by: stop,
                action: None,
                trace,
                notes,
            });
        }
        let routed = listener.route(&facts);
        let source_matters = listener
            .rules
            .iter()
            .take_while(|r| RuleRef::Priority(r.priority) != routed.rule)
            .chain(
                listener
                    .rules
                    .iter()
                    .find(|r| RuleRef::Priority(r.priority) == routed.rule),
            )
            .any(|r| {
                r.conditions
                    .iter()
                    .any(|c| matches!(c, RuleCondition::SourceIp(_)))
            });
        if q.source_ip.is_none() && source_matters {
            notes.push(format!(
                "the client is {source_ip}, standing for any address on the internet; give --source-ip for a particular one"
            ));
        }
        for rule in &listener.rules {
            let unmet = rule.first_unmet(&facts);
            let conditions = rule.conditions.iter().map(describe_condition).collect();
            let step = match unmet {
                Some(c) => RuleStep {
                    layer: "listener_rule",
                    rule: format!("priority {}", rule.priority),
                    matched: false,
                    conditions,
                    failed_condition: Some(describe_condition(c)),
                    detail: format!(
                        "{} does not match: {}",
                        describe_condition(c),
                        request_value(c, &facts)
                    ),
                },
                None => RuleStep {
                    layer: "listener_rule",
                    rule: format!("priority {}", rule.priority),
                    matched: true,
                    conditions,
                    failed_condition: None,
                    detail: format!("all conditions match → {}", rule.action.kind()),
                },
            };
            let matched = step.matched;
            trace.push(step);
            if matched {
                break;
            }
        }
        if routed.rule == RuleRef::Default {
            trace.push(RuleStep {
                layer: "listener_rule",
                rule: "default".into(),
                matched: true,
                conditions: Vec::new(),
                failed_condition: None,
                detail: format!(
                    "no rule matched: the default action → {}",
                    routed.action.kind()
                ),
            });
        }
        let rule = match routed.rule {
            RuleRef::Priority(p) => format!("priority {p}"),
            RuleRef::Default => "default".into(),
        };
        let action = self.describe_action(routed.action, q, host);
        let (verdict, reason) = match &action {
            ActionView::Forward { target_groups, .. } => (
                RequestVerdict::Forward,
                format!(
                    "forwarded to {}",
                    target_groups
                        .iter()
                        .map(|g| format!("target group {} (weight {})", g.name, g.weight))
                        .collect::<Vec<_>>()
                        .join(" and ")
                ),
            ),
            ActionView::Redirect { status, .. } => (
                RequestVerdict::Redirect,
                format!("redirected by the load balancer ({status})"),
            ),
            ActionView::FixedResponse { status, .. } => (
                RequestVerdict::FixedResponse,
                format!("answered by the load balancer itself ({status})"),
            ),
        };
        Ok(RequestExplanation {
            request,
            verdict,
            load_balancer: Some(lb.name.clone()),
            listener: Some(ListenerView {
                name: listener_name(listener),
                address: listener.address,
                path: format!("load_balancers.{}.listeners[{li}]", lb.name),
            }),
            decided_by: RequestDecidedBy {
                layer: "listener_rule",
                rule: Some(rule),
                reason,
            },
            action: Some(action),
            trace,
            notes,
        })
    }

    /// The web ACL's steps (`waf` layer), when the load balancer has one; the decision when it
    /// stops the request.
    fn web_acl_steps(
        &self,
        lb: &LoadBalancer,
        q: &RequestQuery,
        headers: &[(&str, &[u8])],
        source_ip: IpAddr,
        trace: &mut Vec<RuleStep>,
        notes: &mut Vec<String>,
    ) -> Option<RequestDecidedBy> {
        let idx = lb.web_acl?;
        let cfg = self.model().web_acl(idx);
        let loaded = match model::load_web_acl(cfg, "") {
            Ok(l) => l,
            Err(d) => {
                notes.push(format!("web ACL {} could not be read: {d}", cfg.name));
                return None;
            }
        };
        let hs: Vec<waf::Header<'_>> = headers
            .iter()
            .map(|(n, v)| waf::Header { name: n, value: v })
            .collect();
        let uri = match &q.query {
            Some(qs) => format!("{}?{qs}", q.path),
            None => q.path.clone(),
        };
        let req = waf::Request {
            client_ip: source_ip,
            method: &q.method,
            uri: &uri,
            http_version: "HTTP/1.1",
            headers: &hs,
            body: b"",
            body_len: None,
            ja3: None,
            ja4: None,
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let v = loaded.compiled.evaluate(
            &req,
            waf::Options {
                now,
                trace: true,
                ..waf::Options::default()
            },
        );
        for t in &v.trace {
            trace.push(RuleStep {
                layer: "waf",
                rule: t.rule.clone(),
                matched: t.matched,
                conditions: Vec::new(),
                failed_condition: None,
                detail: t.effect.clone(),
            });
        }
        if !v.labels.is_empty() {
            notes.push(format!("WAF labels: {}", v.labels.join(", ")));
        }
        let inner = v
            .rule_group_list
            .iter()
            .find_map(|g| g.terminating_rule.as_ref().map(|t| t.rule_id.clone()));
        let rule = match inner {
            Some(i) => format!("{}/{i}", v.terminating_rule_id),
            None => v.terminating_rule_id.clone(),
        };
        trace.push(RuleStep {
            layer: "waf",
            rule: format!("web ACL {}", cfg.name),
            matched: true,
            conditions: Vec::new(),
            failed_condition: None,
            detail: format!("{} by {rule}", v.action.as_str()),
        });
        if v.allows() {
            return None;
        }
        let status = v.block.as_ref().map_or(
            match v.action {
                waf::ActionKind::Captcha => 405,
                waf::ActionKind::Challenge => 202,
                _ => 403,
            },
            |b| b.status,
        );
        Some(RequestDecidedBy {
            layer: "waf",
            rule: Some(rule),
            reason: format!(
                "web ACL {}: {} ({status}) before any listener rule",
                cfg.name,
                v.action.as_str()
            ),
        })
    }

    fn describe_action(&self, action: &Action, q: &RequestQuery, host: &str) -> ActionView {
        let m: &Model = self.model();
        match action {
            Action::Forward(f) => ActionView::Forward {
                target_groups: f
                    .target_groups
                    .iter()
                    .map(|w| {
                        let g = m.target_group(w.target_group);
                        let hc = &g.health_check;
                        TargetGroupView {
                            name: g.name.clone(),
                            weight: w.weight,
                            protocol: match g.protocol {
                                model::TargetProtocol::Http => "HTTP",
                                model::TargetProtocol::Https => "HTTPS",
                            },
                            algorithm: g.algorithm.as_str(),
                            targets: g
                                .targets
                                .iter()
                                .map(|t| match t.instance {
                                    Some(i) => format!("{} ({})", t.addr, m.instance(i).name),
                                    None => t.addr.to_string(),
                                })
                                .collect(),
                            health_check: if hc.enabled {
                                format!("GET {} every {} s", hc.path, hc.interval.as_secs())
                            } else {
                                "disabled".into()
                            },
                        }
                    })
                    .collect(),
                stickiness_seconds: f.stickiness.map(|d| d.as_secs()),
            },
            Action::Redirect(r) => {
                let src = RedirectSource {
                    protocol: q.protocol.as_str(),
                    host,
                    port: q.port,
                    path: &q.path,
                    query: q.query.as_deref(),
                };
                ActionView::Redirect {
                    status: r.status_code.code(),
                    location: redirect_location(r, &src),
                }
            }
            Action::FixedResponse(f) => ActionView::FixedResponse {
                status: f.status_code,
                content_type: f.content_type.clone(),
                body: f.message_body.clone(),
            },
        }
    }
}

fn names<'a>(it: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<&str> = it.collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// `HTTPS:443`.
pub fn listener_name(l: &Listener) -> String {
    format!("{}:{}", l.protocol.as_str().to_ascii_uppercase(), l.port)
}

fn quoted_list(v: &[String]) -> String {
    let q: Vec<String> = v.iter().map(|s| format!("{s:?}")).collect();
    format!("[{}]", q.join(", "))
}

/// A condition as AWS names it, with its values: `path-pattern ["/api/*"]`.
pub fn describe_condition(c: &RuleCondition) -> String {
    let values = match c {
        RuleCondition::HostHeader(v)
        | RuleCondition::PathPattern(v)
        | RuleCondition::HttpRequestMethod(v) => quoted_list(v),
        RuleCondition::HttpHeader { name, values } => format!("{name} {}", quoted_list(values)),
        RuleCondition::QueryString(pairs) => {
            let p: Vec<String> = pairs
                .iter()
                .map(|p| match &p.key {
                    Some(k) => format!("{k}={}", p.value),
                    None => format!("(any key)={}", p.value),
                })
                .collect();
            quoted_list(&p)
        }
        RuleCondition::SourceIp(cidrs) => {
            let c: Vec<String> = cidrs.iter().map(|c| c.to_string()).collect();
            format!("[{}]", c.join(", "))
        }
    };
    format!("{} {values}", c.field())
}

/// What the request offers the condition, for saying why it did not match.
fn request_value(c: &RuleCondition, f: &RequestFacts<'_>) -> String {
    match c {
        RuleCondition::HostHeader(_) => match f.host {
            Some(h) => format!("the host is {h:?}"),
            None => "the request has no host".into(),
        },
        RuleCondition::PathPattern(_) => format!("the path is {:?}", f.path),
        RuleCondition::HttpRequestMethod(_) => format!("the method is {:?}", f.method),
        RuleCondition::HttpHeader { name, .. } => {
            let values: Vec<String> = f
                .headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| format!("{:?}", String::from_utf8_lossy(v)))
                .collect();
            if values.is_empty() {
                format!("the request has no {name} header")
            } else {
                format!("{name} is {}", values.join(", "))
            }
        }
        RuleCondition::QueryString(_) => match f.query {
            Some(q) if !q.is_empty() => format!("the query is {q:?}"),
            _ => "the request has no query".into(),
        },
        RuleCondition::SourceIp(_) => format!("the source is {}", f.source_ip),
    }
}

impl RequestExplanation {
    /// The explanation for a terminal.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let r = &self.request;
        let _ = writeln!(out, "request: {} {}", r.method, r.url);
        let _ = writeln!(out, "         from {}", r.source_ip);
        for h in &r.headers {
            let _ = writeln!(out, "         {h}");
        }
        if let (Some(lb), Some(l)) = (&self.load_balancer, &self.listener) {
            let _ = writeln!(
                out,
                "listener: load balancer {lb}, {} on {} ({})",
                l.name, l.address, l.path
            );
        }
        if !self.trace.is_empty() {
            let mut layer = "";
            let unmatched_waf = self
                .trace
                .iter()
                .filter(|s| s.layer == "waf" && !s.matched)
                .count();
            for s in &self.trace {
                // the web ACL's rules without a match are many: the text shows the count
                if s.layer == "waf" && !s.matched {
                    continue;
                }
                if s.layer != layer && layer == "waf" && unmatched_waf > 0 {
                    let _ = writeln!(out, "  ({unmatched_waf} more WAF rules did not match)");
                }
                if s.layer != layer {
                    layer = s.layer;
                    let _ = writeln!(
                        out,
                        "\n{}",
                        if layer == "waf" { "web ACL" } else { "rules" }
                    );
                }
                let mark = if s.matched { "✓" } else { "✗" };
                let _ = writeln!(out, "  {mark} {:<15} {}", s.rule, s.detail);
                if s.matched && !s.conditions.is_empty() {
                    for c in &s.conditions {
                        let _ = writeln!(out, "    {:<15} {c}", "");
                    }
                }
            }
        }
        if self.trace.last().is_some_and(|s| s.layer == "waf") {
            let n = self
                .trace
                .iter()
                .filter(|s| s.layer == "waf" && !s.matched)
                .count();
            if n > 0 {
                let _ = writeln!(out, "  ({n} more WAF rules did not match)");
            }
        }
        if !self.notes.is_empty() {
            let _ = writeln!(out);
            for n in &self.notes {
                let _ = writeln!(out, "note: {n}");
            }
        }
        let d = &self.decided_by;
        let by = match (d.layer, &d.rule) {
            ("waf", Some(rule)) => format!("the web ACL ({rule})"),
            (_, Some(rule)) => format!("listener rule ({rule})"),
            (_, None) => "listener".into(),
        };
        let _ = writeln!(
            out,
            "\nverdict: {}, decided by {by}",
            self.verdict.name().to_ascii_uppercase()
        );
        let _ = writeln!(out, "  {}", d.reason);
        match &self.action {
            Some(ActionView::Forward {
                target_groups,
                stickiness_seconds,
            }) => {
                for g in target_groups {
                    let _ = writeln!(
                        out,
                        "  target group {} (weight {}, {}, {}, health check {}): {}",
                        g.name,
                        g.weight,
                        g.protocol,
                        g.algorithm,
                        g.health_check,
                        if g.targets.is_empty() {
                            "no targets (AWS answers 503)".to_owned()
                        } else {
                            g.targets.join(", ")
                        }
                    );
                }
                if let Some(s) = stickiness_seconds {
                    let _ = writeln!(out, "  target group stickiness: {s} s");
                }
            }
            Some(ActionView::Redirect { status, location }) => {
                let _ = writeln!(out, "  {status} Location: {location}");
            }
            Some(ActionView::FixedResponse {
                status,
                content_type,
                body,
            }) => {
                let _ = writeln!(
                    out,
                    "  {status}{} {body:?}",
                    content_type
                        .as_deref()
                        .map(|c| format!(" {c}"))
                        .unwrap_or_default()
                );
            }
            None => {}
        }
        out
    }
}
