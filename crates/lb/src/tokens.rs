//! The CAPTCHA and Challenge actions in the load balancer: reading the `aws-waf-token`, the
//! interstitial pages, and the two verification paths the load balancer serves itself.
//!
//! ```text
//!  request ─► token (cookie or x-aws-waf-token) ─► solved() ─► waf::Options{captcha_solved, …}
//!  stopped by CAPTCHA / Challenge ─► accepts HTML? ─ yes ─► the page (405 / 202)
//!                                                   └ no ──► plain 405 / 202
//!  POST /.rampart-waf/{challenge,captcha}/verify ─► per-client rate limit ─► verify ─► Set-Cookie
//! ```
//!
//! The pure parts (token format, pages, checks) are `waf::token`'s; this module binds them to a
//! request: its host, its client address (nonces and puzzles are bound to it), its `Accept`
//! header, and whether the listener is HTTPS (the cookie is then `Secure`).

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use waf::ActionKind;
use waf::acl::json;
use waf::rate::{RateCaps, RateLimiter};
use waf::token::{self, TokenKey, TokenKind, TokenScope, VerifyError};

use crate::respond::LbResponse;

/// The largest body accepted on a verification path: a nonce or puzzle is under 300 bytes,
/// and a return path at most 2 KB.
pub(crate) const VERIFY_BODY_LIMIT: usize = 4 * 1024;

/// Verification posts allowed per client address in [`VERIFY_WINDOW_SECS`]; beyond, 429.
pub(crate) const VERIFY_RATE_LIMIT: u64 = 60;

/// The window of [`VERIFY_RATE_LIMIT`].
const VERIFY_WINDOW_SECS: u32 = 60;

/// Client addresses whose verification posts are counted at once; past it the address seen
/// least recently is forgotten (`waf::rate`'s eviction).
const VERIFY_TRACKED_CLIENTS: usize = 10_000;

/// The default immunity time (AWS: 300 s), and the shortest `Max-Age` the token cookie gets.
const DEFAULT_IMMUNITY_SECS: u64 = 300;

/// The request as the token code sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ClientView<'a> {
    /// `Host` (or `:authority`), with its port if any.
    pub(crate) host: Option<&'a str>,
    /// The `Accept` header.
    pub(crate) accept: Option<&'a str>,
    /// The request target (path and query), where a solved CAPTCHA sends the client back.
    pub(crate) target: &'a str,
    pub(crate) client: IpAddr,
    /// The presented token: the `aws-waf-token` cookie, else the `x-aws-waf-token` header.
    pub(crate) token: Option<&'a str>,
    /// The listener is HTTPS.
    pub(crate) secure: bool,
}

/// Which verification path a request is for, if any.
pub(crate) fn verify_kind(path: &str) -> Option<TokenKind> {
    match path {
        token::CHALLENGE_VERIFY_PATH => Some(TokenKind::Challenge),
        token::CAPTCHA_VERIFY_PATH => Some(TokenKind::Captcha),
        _ => None,
    }
}

/// The presented token in `Cookie` headers (several in HTTP/2) or the `x-aws-waf-token` header.
pub(crate) fn presented_token<'h>(headers: &[(&str, &'h [u8])]) -> Option<&'h str> {
    let cookie = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("cookie"))
        .filter_map(|(_, v)| std::str::from_utf8(v).ok())
        .find_map(token::token_from_cookie_header);
    cookie.or_else(|| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(token::TOKEN_HEADER))
            .and_then(|(_, v)| std::str::from_utf8(v).ok())
            .map(str::trim)
    })
}

/// When the request's token says it last solved a CAPTCHA and a challenge.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Solved {
    pub(crate) captcha: Option<u64>,
    pub(crate) challenge: Option<u64>,
}

/// A web ACL's token machinery in one generation.
pub(crate) struct Tokens {
    key: Arc<TokenKey>,
    /// Drawn at start rather than read from `token_secret_file`: carried over by reloads that
    /// still configure no file, so that tokens survive them.
    generated: bool,
    domains: Vec<String>,
    cookie_max_age: u64,
    /// Verification posts per client address; kept across reloads.
    verify_limiter: Arc<RateLimiter>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // never the key
        f.debug_struct("Tokens")
            .field("generated", &self.generated)
            .field("domains", &self.domains)
            .field("cookie_max_age", &self.cookie_max_age)
            .finish_non_exhaustive()
    }
}

impl Tokens {
    /// The key from the configuration, else the previous generation's drawn key, else a new
    /// one; the token domains and immunity times from the web ACL's documents.
    pub(crate) fn new(
        configured: Option<Arc<TokenKey>>,
        document: &json::WebAcl,
        groups: &[json::RuleGroup],
        prev: Option<&Tokens>,
    ) -> std::io::Result<Tokens> {
        let (key, generated) = match (configured, prev) {
            (Some(k), _) => (k, false),
            (None, Some(p)) if p.generated => (p.key.clone(), true),
            (None, _) => {
                let secret = TokenKey::generate_secret().map_err(std::io::Error::other)?;
                (
                    Arc::new(TokenKey::new(&secret).map_err(std::io::Error::other)?),
                    true,
                )
            }
        };
        let verify_limiter = match prev {
            Some(p) => p.verify_limiter.clone(),
            None => Arc::new(
                RateLimiter::new(
                    VERIFY_RATE_LIMIT,
                    VERIFY_WINDOW_SECS,
                    RateCaps {
                        max_tracked_keys: VERIFY_TRACKED_CLIENTS,
                        max_limited_keys: VERIFY_TRACKED_CLIENTS,
                        shards: 16,
                    },
                )
                .map_err(std::io::Error::other)?,
            ),
        };
        Ok(Tokens {
            key,
            generated,
            domains: document.token_domains.clone(),
            cookie_max_age: longest_immunity(document, groups),
            verify_limiter,
        })
    }

    /// The solve times of a presented token that is signed with the key, not from the future,
    /// and for a domain this host accepts; nothing otherwise (AWS: a token it cannot read is
    /// absent). The engine compares them with each rule's immunity time.
    pub(crate) fn solved(&self, presented: Option<&str>, host: Option<&str>, now: u64) -> Solved {
        let (Some(presented), Some(host)) = (presented, host) else {
            return Solved::default();
        };
        let scope = TokenScope {
            host,
            token_domains: &self.domains,
            client: &[],
        };
        let c = token::check_token(
            Some(presented),
            TokenKind::Challenge,
            &self.key,
            &scope,
            u64::MAX,
            now,
        );
        let readable = matches!(c.failure, None | Some(token::TokenFailure::NotSolved));
        match c.token {
            Some(t) if readable => Solved {
                captcha: t.captcha_solved_at(),
                challenge: t.challenge_solved_at(),
            },
            _ => Solved::default(),
        }
    }

    /// The answer to a request a CAPTCHA or Challenge rule stopped: the interstitial page for
    /// a client that accepts HTML, AWS's plain 405 / 202 otherwise (and when the host cannot
    /// carry a token).
    pub(crate) fn interstitial(
        &self,
        action: ActionKind,
        c: &ClientView<'_>,
        now: u64,
    ) -> LbResponse {
        let kind = match action {
            ActionKind::Captcha => TokenKind::Captcha,
            _ => TokenKind::Challenge,
        };
        let html = token::accepts_html(c.accept);
        let status = token::interstitial_status(kind, html);
        let page = match (html, c.host) {
            (true, Some(host)) => {
                let binding = client_bytes(c.client);
                let scope = TokenScope {
                    host,
                    token_domains: &self.domains,
                    client: &binding,
                };
                match kind {
                    TokenKind::Challenge => token::issue_challenge(
                        now,
                        &self.key,
                        token::DEFAULT_CHALLENGE_DIFFICULTY,
                        &scope,
                    )
                    .map(|p| p.html)
                    .ok(),
                    TokenKind::Captcha => {
                        token::issue_captcha(now, &self.key, &scope, c.target, false)
                            .map(|p| p.html)
                            .ok()
                    }
                }
            }
            _ => None,
        };
        match page {
            Some(html) => page_response(status, kind, html),
            None => plain(status, kind),
        }
    }

    /// Serves a verification path: `body` is the form the page posted (at most
    /// [`VERIFY_BODY_LIMIT`] bytes; the caller refuses longer ones).
    pub(crate) fn verify(
        &self,
        kind: TokenKind,
        method: &str,
        body: &[u8],
        c: &ClientView<'_>,
        now: u64,
    ) -> LbResponse {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(now.saturating_mul(1000), |d| d.as_millis() as u64);
        let binding = client_bytes(c.client);
        if self.verify_limiter.observe(&binding, now_ms) {
            return text(
                429,
                "Too many verification attempts from this address; wait a minute.\n",
            );
        }
        if method != "POST" {
            let mut r = text(
                405,
                "This path takes the form the verification page posts.\n",
            );
            r.headers.push(("Allow".into(), "POST".into()));
            return r;
        }
        let Some(host) = c.host else {
            return text(400, "The request has no host.\n");
        };
        let scope = TokenScope {
            host,
            token_domains: &self.domains,
            client: &binding,
        };
        let field = |name: &str| token::form_field(body, name);
        let back = field("return");
        let result = match kind {
            TokenKind::Challenge => token::verify_challenge(
                &field("nonce").unwrap_or_default(),
                &field("solution").unwrap_or_default(),
                now,
                &self.key,
                &scope,
                c.token,
            ),
            TokenKind::Captcha => token::verify_captcha(
                &field("puzzle").unwrap_or_default(),
                &field("answer").unwrap_or_default(),
                now,
                &self.key,
                &scope,
                c.token,
            ),
        };
        match result {
            Ok(t) => {
                let cookie = t.set_cookie(&self.key, host, c.secure, self.cookie_max_age);
                // the challenge page posts with fetch() and reloads itself; a form gets a 303
                let mut r = match (kind, back) {
                    (TokenKind::Challenge, None) => text(200, "Verified.\n"),
                    (_, back) => {
                        let mut r = LbResponse::error(303, None);
                        r.content_type.clear();
                        r.body.clear();
                        r.location = Some(
                            token::safe_return_path(back.as_deref().unwrap_or("/")).to_owned(),
                        );
                        r
                    }
                };
                r.headers.push(("Set-Cookie".into(), cookie));
                r.headers.push(("Cache-Control".into(), "no-store".into()));
                r
            }
            // a person gets another picture
            Err(VerifyError::WrongAnswer | VerifyError::Expired) if kind == TokenKind::Captcha => {
                let return_to = back.as_deref().unwrap_or("/");
                match token::issue_captcha(now, &self.key, &scope, return_to, true) {
                    Ok(p) => page_response(token::interstitial_status(kind, true), kind, p.html),
                    Err(_) => text(403, "The CAPTCHA could not be verified.\n"),
                }
            }
            Err(e) => text(403, &format!("Verification failed: {e}.\n")),
        }
    }
}

/// The longest immunity time the documents configure (at least AWS's default 300 s): the
/// cookie lives that long, and each rule checks its own immunity time against the solve time.
fn longest_immunity(document: &json::WebAcl, groups: &[json::RuleGroup]) -> u64 {
    let of = |c: &Option<json::CaptchaConfig>| {
        c.as_ref()
            .and_then(|c| c.immunity_time_property.as_ref())
            .map_or(0, |t| t.immunity_time)
    };
    let rules = document
        .rules
        .iter()
        .chain(groups.iter().flat_map(|g| g.rules.iter()));
    rules
        .map(|r| of(&r.captcha_config).max(of(&r.challenge_config)))
        .chain([of(&document.captcha_config), of(&document.challenge_config)])
        .fold(DEFAULT_IMMUNITY_SECS, u64::max)
}

/// What nonces and puzzles are bound to: the client address's octets.
fn client_bytes(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

fn page_response(status: u16, kind: TokenKind, html: String) -> LbResponse {
    let mut r = LbResponse::error(status, None);
    r.content_type = "text/html; charset=utf-8".into();
    r.body = html;
    r.headers = vec![
        (token::ACTION_HEADER.into(), kind.action_name().into()),
        ("Cache-Control".into(), "no-store".into()),
    ];
    r
}

/// AWS's answer to a client that cannot run the interstitial.
fn plain(status: u16, kind: TokenKind) -> LbResponse {
    let mut r = text(
        status,
        &format!(
            "This request needs a {} that this client cannot complete.\n",
            kind.action_name()
        ),
    );
    r.headers = vec![(token::ACTION_HEADER.into(), kind.action_name().into())];
    r
}

fn text(status: u16, body: &str) -> LbResponse {
    let mut r = LbResponse::error(status, None);
    r.content_type = "text/plain".into();
    r.body = body.to_owned();
    r
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_token_comes_from_a_cookie_or_the_header() {
        let cookie: &[(&str, &[u8])] = &[
            ("cookie", b"a=1"),
            ("Cookie", b"b=2; aws-waf-token=abc"),
            ("x-aws-waf-token", b"def"),
        ];
        assert_eq!(presented_token(cookie), Some("abc"));
        assert_eq!(presented_token(&cookie[2..]), Some("def"));
        assert_eq!(presented_token(&cookie[..1]), None);
    }

    #[test]
    fn the_cookie_lives_as_long_as_the_longest_immunity_time() {
        let doc: json::WebAcl = serde_json::from_value(serde_json::json!({
            "Name": "w", "DefaultAction": {"Allow": {}},
            "VisibilityConfig": {"SampledRequestsEnabled": false, "CloudWatchMetricsEnabled": false, "MetricName": "m"},
            "CaptchaConfig": {"ImmunityTimeProperty": {"ImmunityTime": 120}},
            "ChallengeConfig": {"ImmunityTimeProperty": {"ImmunityTime": 3600}},
        }))
        .unwrap();
        assert_eq!(longest_immunity(&doc, &[]), 3600);
    }

    #[test]
    fn verify_paths_are_exact() {
        assert_eq!(
            verify_kind("/.rampart-waf/challenge/verify"),
            Some(TokenKind::Challenge)
        );
        assert_eq!(
            verify_kind("/.rampart-waf/captcha/verify"),
            Some(TokenKind::Captcha)
        );
        assert_eq!(verify_kind("/.rampart-waf/captcha/verify/"), None);
    }
}
