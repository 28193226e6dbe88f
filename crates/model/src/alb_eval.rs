//! Listener-rule evaluation with AWS's semantics: which rule a request matches, and where a
//! redirect sends it. Shared by the proxy and by `explain --request`.
//!
//! Matching runs on every request, so it allocates nothing and its wildcard matcher is
//! O(pattern × input) at worst (patterns are at most 128 characters), never exponential.
//!
//! Decisions where AWS's documentation is silent (⚠):
//! - A value holding a control byte (0x00–0x1f, 0x7f) matches no pattern, not even `*`: AWS
//!   matches visible ASCII only, and a rule must not be satisfiable by smuggled bytes.
//! - Query strings are matched as sent, not percent-decoded: AWS asks for reserved characters
//!   in query-string conditions to be written percent-encoded, which only makes sense if the
//!   encoded text is compared. Case-insensitivity then also covers `%2f` against `%2F`.
//!   A parameter without `=` has that key and an empty value; empty parameters (`a=1&&b=2`)
//!   are skipped.
//! - An IPv4-mapped IPv6 source (`::ffff:10.0.0.1`) is matched as the IPv4 address.

use std::net::IpAddr;

use crate::alb::{Action, Listener, ListenerRule, RedirectAction, RuleCondition};

/// What rule conditions look at, borrowed from a parsed request.
#[derive(Clone, Copy, Debug)]
pub struct RequestFacts<'a> {
    /// As sent; compared case-sensitively.
    pub method: &'a str,
    /// The `Host` header (or HTTP/2 `:authority`) without its port.
    pub host: Option<&'a str>,
    /// The path without the query, as sent (not decoded).
    pub path: &'a str,
    /// The raw query without the `?`.
    pub query: Option<&'a str>,
    /// Header fields in order; names as sent.
    pub headers: &'a [(&'a str, &'a [u8])],
    /// The packet source of the client connection.
    pub source_ip: IpAddr,
}

/// Which rule decided: a numbered rule, or the listener's default rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RuleRef {
    Priority(u32),
    Default,
}

impl RuleRef {
    /// `matched_rule_priority` as the access log writes it: the priority, or 0 for the default.
    pub fn log_priority(self) -> u32 {
        match self {
            RuleRef::Priority(p) => p,
            RuleRef::Default => 0,
        }
    }
}

/// The rule a request matched and its action.
#[derive(Clone, Copy, Debug)]
pub struct Routed<'l> {
    pub rule: RuleRef,
    pub action: &'l Action,
}

impl Listener {
    /// The first rule, by priority, whose conditions all match; else the default rule.
    pub fn route(&self, req: &RequestFacts<'_>) -> Routed<'_> {
        debug_assert!(
            self.rules.windows(2).all(|w| w[0].priority < w[1].priority),
            "rules are sorted by priority"
        );
        match self.rules.iter().find(|r| r.matches(req)) {
            Some(r) => Routed {
                rule: RuleRef::Priority(r.priority),
                action: &r.action,
            },
            None => Routed {
                rule: RuleRef::Default,
                action: &self.default_action,
            },
        }
    }
}

impl ListenerRule {
    /// Whether every condition matches (a rule without conditions matches everything).
    pub fn matches(&self, req: &RequestFacts<'_>) -> bool {
        self.conditions.iter().all(|c| c.matches(req))
    }

    /// The first condition, in the rule's order, that the request does not meet.
    pub fn first_unmet(&self, req: &RequestFacts<'_>) -> Option<&RuleCondition> {
        self.conditions.iter().find(|c| !c.matches(req))
    }
}

impl RuleCondition {
    /// Whether the request meets this condition: any of its values matches.
    pub fn matches(&self, req: &RequestFacts<'_>) -> bool {
        match self {
            RuleCondition::HostHeader(patterns) => req.host.is_some_and(|h| {
                patterns
                    .iter()
                    .any(|p| wildcard_match(p.as_bytes(), h.as_bytes(), true))
            }),
            RuleCondition::PathPattern(patterns) => patterns
                .iter()
                .any(|p| wildcard_match(p.as_bytes(), req.path.as_bytes(), false)),
            RuleCondition::HttpHeader { name, values } => req
                .headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .any(|(_, v)| values.iter().any(|p| wildcard_match(p.as_bytes(), v, true))),
            RuleCondition::HttpRequestMethod(methods) => methods.iter().any(|m| m == req.method),
            RuleCondition::QueryString(patterns) => req.query.is_some_and(|q| {
                q.split('&').filter(|p| !p.is_empty()).any(|param| {
                    let (key, value) = param.split_once('=').unwrap_or((param, ""));
                    patterns.iter().any(|p| {
                        p.key
                            .as_ref()
                            .is_none_or(|k| wildcard_match(k.as_bytes(), key.as_bytes(), true))
                            && wildcard_match(p.value.as_bytes(), value.as_bytes(), true)
                    })
                })
            }),
            RuleCondition::SourceIp(cidrs) => {
                let ip = req.source_ip.to_canonical();
                cidrs.iter().any(|c| c.contains(ip))
            }
        }
    }

    /// AWS's name for the condition's field (`host-header`, `path-pattern`, …).
    pub fn field(&self) -> &'static str {
        match self {
            RuleCondition::HostHeader(_) => "host-header",
            RuleCondition::PathPattern(_) => "path-pattern",
            RuleCondition::HttpHeader { .. } => "http-header",
            RuleCondition::HttpRequestMethod(_) => "http-request-method",
            RuleCondition::QueryString(_) => "query-string",
            RuleCondition::SourceIp(_) => "source-ip",
        }
    }
}

fn is_control(b: u8) -> bool {
    b < 0x20 || b == 0x7f
}

/// Whether `input` matches `pattern`, where `*` stands for any run of bytes (also none) and `?`
/// for exactly one; other bytes match themselves, ignoring ASCII case when `case_insensitive`.
/// An input holding a control byte never matches.
///
/// Greedy with one backtrack point (the last `*`): a later `*` makes any earlier choice
/// final, so the work is bounded by pattern × input.
pub fn wildcard_match(pattern: &[u8], input: &[u8], case_insensitive: bool) -> bool {
    if input.iter().any(|&b| is_control(b)) {
        return false;
    }
    let same = |p: u8, c: u8| {
        if case_insensitive {
            p.eq_ignore_ascii_case(&c)
        } else {
            p == c
        }
    };
    let (mut p, mut i) = (0, 0);
    // Where the pattern resumes after the last `*`, and where in the input that `*` stopped.
    let mut star: Option<(usize, usize)> = None;
    while let Some(&c) = input.get(i) {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p + 1, i));
                p += 1;
                continue;
            }
            Some(b'?') => {
                p += 1;
                i += 1;
                continue;
            }
            Some(&q) if same(q, c) => {
                p += 1;
                i += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((resume, stopped)) => {
                star = Some((resume, stopped + 1));
                p = resume;
                i = stopped + 1;
            }
            None => return false,
        }
    }
    pattern
        .get(p..)
        .is_some_and(|rest| rest.iter().all(|&c| c == b'*'))
}

/// The parts of the original request a redirect's placeholders refer to.
#[derive(Clone, Copy, Debug)]
pub struct RedirectSource<'a> {
    /// `http` or `https`.
    pub protocol: &'a str,
    pub host: &'a str,
    pub port: u16,
    pub path: &'a str,
    pub query: Option<&'a str>,
}

/// The placeholders of redirect actions, and the components each may appear in.
pub const REDIRECT_PLACEHOLDERS: [(&str, &[&str]); 5] = [
    ("#{protocol}", &["protocol", "query"]),
    ("#{host}", &["host", "path", "query"]),
    ("#{port}", &["port", "path", "query"]),
    ("#{path}", &["path", "query"]),
    ("#{query}", &["query"]),
];

/// The `Location` a redirect action sends the request to.
///
/// Components the action leaves unset keep the request's (`#{protocol}`, `#{host}`,
/// `#{port}`, `/#{path}`, `#{query}`). `#{path}` is the path without its leading `/` (AWS's
/// own example writes `/#{path}`); `#{query}` is the query without `?`, and an empty query
/// gives no `?`. The port is left out of the URL when it is the scheme's default
/// (`https://h/p`, not `https://h:443/p`), which browsers treat as the same URL.
pub fn redirect_location(action: &RedirectAction, src: &RedirectSource<'_>) -> String {
    let component = |written: &Option<String>, default: &str| {
        fill_placeholders(written.as_deref().unwrap_or(default), src)
    };
    let protocol = component(&action.protocol, "#{protocol}").to_ascii_lowercase();
    let host = component(&action.host, "#{host}");
    let port = component(&action.port, "#{port}");
    let path = component(&action.path, "/#{path}");
    let query = component(&action.query, "#{query}");
    let mut out = String::with_capacity(
        protocol.len() + host.len() + port.len() + path.len() + query.len() + 6,
    );
    out.push_str(&protocol);
    out.push_str("://");
    out.push_str(&host);
    let default_port = matches!(
        (protocol.as_str(), port.as_str()),
        ("http", "80") | ("https", "443")
    );
    if !default_port {
        out.push(':');
        out.push_str(&port);
    }
    if !path.starts_with('/') {
        out.push('/');
    }
    out.push_str(&path);
    if !query.is_empty() {
        out.push('?');
        out.push_str(&query);
    }
    out
}

/// A template with each known placeholder replaced; anything else is kept as written.
fn fill_placeholders(template: &str, src: &RedirectSource<'_>) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(at) = rest.find("#{") {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let known = REDIRECT_PLACEHOLDERS
            .iter()
            .map(|(name, _)| *name)
            .find(|name| tail.starts_with(name));
        match known {
            Some(name) => {
                match name {
                    "#{protocol}" => out.push_str(&src.protocol.to_ascii_lowercase()),
                    "#{host}" => out.push_str(src.host),
                    "#{port}" => out.push_str(&src.port.to_string()),
                    "#{path}" => out.push_str(src.path.strip_prefix('/').unwrap_or(src.path)),
                    _ => out.push_str(src.query.unwrap_or("")),
                }
                rest = &tail[name.len()..];
            }
            None => {
                out.push_str("#{");
                rest = &tail[2..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;
    use crate::alb::{FixedResponseAction, QueryStringPattern, RedirectStatus};

    fn facts<'a>(headers: &'a [(&'a str, &'a [u8])]) -> RequestFacts<'a> {
        RequestFacts {
            method: "GET",
            host: Some("test.example.com"),
            path: "/api/users",
            query: Some("version=2&Mode=Fast&flag"),
            headers,
            source_ip: IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3)),
        }
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn host(p: &[&str], h: &str) -> bool {
        let f = RequestFacts {
            host: Some(h),
            ..facts(&[])
        };
        RuleCondition::HostHeader(strings(p)).matches(&f)
    }

    fn path(p: &[&str], path: &str) -> bool {
        let f = RequestFacts { path, ..facts(&[]) };
        RuleCondition::PathPattern(strings(p)).matches(&f)
    }

    #[test]
    fn wildcards_star_is_any_run_question_mark_exactly_one() {
        assert!(wildcard_match(b"*", b"", false));
        assert!(wildcard_match(b"", b"", false));
        assert!(!wildcard_match(b"", b"a", false));
        assert!(!wildcard_match(b"?", b"", false));
        assert!(wildcard_match(b"a?c", b"abc", false));
        assert!(!wildcard_match(b"a?c", b"ac", false));
        assert!(wildcard_match(b"*a*a*a*b", b"aaaaaaaaaaaaaaaaaaab", false));
        assert!(!wildcard_match(b"*a*a*a*b", &[b'a'; 4096], false));
        assert!(wildcard_match(b"ABC", b"abc", true));
        assert!(!wildcard_match(b"ABC", b"abc", false));
        // Control bytes never match, not even under `*`.
        assert!(!wildcard_match(b"*", b"a\x00b", false));
        assert!(!wildcard_match(b"a?b", b"a\x7fb", false));
    }

    #[test]
    fn host_header_is_case_insensitive_and_the_star_needs_the_dot() {
        // AWS's example: *.example.com matches test.example.com, not example.com.
        assert!(host(&["*.example.com"], "test.example.com"));
        assert!(host(&["*.example.com"], "TEST.Example.COM"));
        assert!(!host(&["*.example.com"], "example.com"));
        assert!(host(&["admin.*"], "admin.example.test"));
        assert!(host(&["www.example.co?"], "www.example.com"));
        assert!(!host(&["www.example.co?"], "www.example.co"));
        assert!(host(&["a.example.com", "b.example.com"], "b.example.com"));
        let no_host = RequestFacts {
            host: None,
            ..facts(&[])
        };
        assert!(!RuleCondition::HostHeader(strings(&["*"])).matches(&no_host));
    }

    #[test]
    fn path_pattern_is_case_sensitive_and_sees_the_path_only() {
        assert!(path(&["/api/*"], "/api/users"));
        assert!(!path(&["/api/*"], "/API/users"));
        assert!(!path(&["/api/*"], "/api"));
        assert!(path(&["/img/*.jpg"], "/img/a/b.jpg"));
        assert!(path(&["*.jpg"], "/x.jpg"));
        // The query is not part of the path.
        assert!(!path(&["*version*"], "/api/users"));
    }

    #[test]
    fn http_header_name_and_values_ignore_case_and_any_occurrence_counts() {
        let h: &[(&str, &[u8])] = &[
            ("x-env", b"green"),
            ("User-Agent", b"Mozilla/5.0 (Mobile)"),
            ("X-Env", b"BLUE"),
        ];
        let f = facts(h);
        let cond = |name: &str, values: &[&str]| RuleCondition::HttpHeader {
            name: name.into(),
            values: strings(values),
        };
        assert!(cond("X-ENV", &["blue"]).matches(&f));
        assert!(cond("user-agent", &["*mobile*"]).matches(&f));
        assert!(!cond("user-agent", &["*tablet*"]).matches(&f));
        assert!(!cond("X-Missing", &["*"]).matches(&f));
    }

    #[test]
    fn http_request_method_is_exact_and_case_sensitive() {
        let f = facts(&[]);
        assert!(RuleCondition::HttpRequestMethod(strings(&["HEAD", "GET"])).matches(&f));
        assert!(!RuleCondition::HttpRequestMethod(strings(&["get"])).matches(&f));
        assert!(!RuleCondition::HttpRequestMethod(strings(&["G*"])).matches(&f));
    }

    #[test]
    fn query_string_pairs_ignore_case_and_a_pair_without_key_matches_any_value() {
        let f = facts(&[]);
        let q = |pairs: &[(Option<&str>, &str)]| {
            RuleCondition::QueryString(
                pairs
                    .iter()
                    .map(|(k, v)| QueryStringPattern {
                        key: k.map(str::to_owned),
                        value: (*v).to_owned(),
                    })
                    .collect(),
            )
            .matches(&f)
        };
        assert!(q(&[(Some("version"), "2")]));
        assert!(q(&[(Some("mode"), "f*")]));
        assert!(q(&[(None, "FAST")]));
        assert!(q(&[(Some("flag"), "")]));
        assert!(!q(&[(Some("version"), "1")]));
        assert!(q(&[(Some("version"), "1"), (Some("v*"), "?")]));
        // Matched as sent: an encoded value is compared encoded.
        let enc = RequestFacts {
            query: Some("q=a%2Fb"),
            ..facts(&[])
        };
        let cond = RuleCondition::QueryString(vec![QueryStringPattern {
            key: Some("q".into()),
            value: "a%2fb".into(),
        }]);
        assert!(cond.matches(&enc));
        let none = RequestFacts {
            query: None,
            ..facts(&[])
        };
        assert!(!cond.matches(&none));
    }

    #[test]
    fn source_ip_is_the_packet_source() {
        let c = |s: &str| RuleCondition::SourceIp(vec![s.parse().unwrap()]);
        let f = facts(&[]);
        assert!(c("10.0.0.0/8").matches(&f));
        assert!(!c("192.168.0.0/16").matches(&f));
        let mapped = RequestFacts {
            source_ip: "::ffff:10.1.2.3".parse().unwrap(),
            ..facts(&[])
        };
        assert!(c("10.0.0.0/8").matches(&mapped));
        // The forwarded-for header is not the source.
        let h: &[(&str, &[u8])] = &[("X-Forwarded-For", b"192.168.1.1")];
        assert!(!c("192.168.0.0/16").matches(&facts(h)));
    }

    fn fixed(code: u16) -> Action {
        Action::FixedResponse(FixedResponseAction {
            status_code: code,
            content_type: None,
            message_body: String::new(),
        })
    }

    #[test]
    fn route_takes_the_lowest_priority_rule_that_matches_else_the_default() {
        let rule = |priority, cond: RuleCondition| ListenerRule {
            priority,
            conditions: vec![cond],
            action: fixed(200 + priority as u16),
        };
        let l = Listener {
            protocol: crate::alb::ListenerProtocol::Http,
            address: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            port: 80,
            tls: None,
            rules: vec![
                rule(1, RuleCondition::PathPattern(strings(&["/nope"]))),
                rule(5, RuleCondition::PathPattern(strings(&["/api/*"]))),
                rule(9, RuleCondition::HostHeader(strings(&["*"]))),
            ],
            default_action: fixed(404),
        };
        let r = l.route(&facts(&[]));
        assert_eq!(r.rule, RuleRef::Priority(5));
        assert_eq!(r.action, &fixed(205));
        let other = RequestFacts {
            path: "/",
            host: None,
            ..facts(&[])
        };
        let r = l.route(&other);
        assert_eq!(r.rule, RuleRef::Default);
        assert_eq!(r.rule.log_priority(), 0);
        assert_eq!(r.action, &fixed(404));
    }

    fn redirect(
        protocol: Option<&str>,
        host: Option<&str>,
        port: Option<&str>,
        path: Option<&str>,
        query: Option<&str>,
    ) -> RedirectAction {
        RedirectAction {
            protocol: protocol.map(str::to_owned),
            port: port.map(str::to_owned),
            host: host.map(str::to_owned),
            path: path.map(str::to_owned),
            query: query.map(str::to_owned),
            status_code: RedirectStatus::Permanent,
        }
    }

    const SRC: RedirectSource<'static> = RedirectSource {
        protocol: "http",
        host: "example.com",
        port: 80,
        path: "/a/b",
        query: Some("x=1"),
    };

    #[test]
    fn redirect_to_https_keeps_host_path_and_query_and_omits_the_default_port() {
        let r = redirect(Some("HTTPS"), None, Some("443"), None, None);
        assert_eq!(redirect_location(&r, &SRC), "https://example.com/a/b?x=1");
        // Only the protocol changed: the port stays 80, as on AWS.
        let r = redirect(Some("HTTPS"), None, None, None, None);
        assert_eq!(
            redirect_location(&r, &SRC),
            "https://example.com:80/a/b?x=1"
        );
    }

    #[test]
    fn redirect_placeholders_expand_where_aws_allows_them() {
        let r = redirect(
            Some("#{protocol}"),
            Some("www.#{host}"),
            Some("#{port}"),
            Some("/new/#{path}/#{host}/#{port}"),
            Some("from=#{protocol}://#{host}:#{port}/#{path}&#{query}"),
        );
        assert_eq!(
            redirect_location(&r, &SRC),
            "http://www.example.com/new/a/b/example.com/80?from=http://example.com:80/a/b&x=1"
        );
        // `/#{path}` is the path again: `#{path}` has no leading slash.
        let r = redirect(None, Some("other.test"), None, Some("/#{path}"), None);
        assert_eq!(redirect_location(&r, &SRC), "http://other.test/a/b?x=1");
        // An empty query gives no `?`.
        let no_query = RedirectSource { query: None, ..SRC };
        let r = redirect(None, None, Some("8080"), None, None);
        assert_eq!(
            redirect_location(&r, &no_query),
            "http://example.com:8080/a/b"
        );
        let r = redirect(None, None, None, Some("/x"), Some(""));
        assert_eq!(redirect_location(&r, &SRC), "http://example.com/x");
        // Unknown text that looks like a placeholder is kept.
        let r = redirect(None, None, None, Some("/#{nope}"), None);
        assert_eq!(
            redirect_location(&r, &SRC),
            "http://example.com/#{nope}?x=1"
        );
    }
}
