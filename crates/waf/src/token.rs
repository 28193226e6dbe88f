//! AWS WAF's CAPTCHA and Challenge actions: the `aws-waf-token`, its checks, and the
//! interstitial pages that earn one.
//!
//! A token is a cookie (`aws-waf-token`, the name AWS uses) holding when the client last solved
//! a challenge and when it last solved a CAPTCHA (either may be absent), the token domain it is
//! good for, when it was issued, and a random id — signed with HMAC-SHA256 under a key the
//! caller gives, base64url-encoded. Any change to it breaks the signature; signatures are
//! checked in constant time.
//!
//! ```text
//!  request ─► check_token(cookie, kind, immunity, now) ─► Valid ─► like Count, go on
//!                                │
//!                                └─► Absent | Expired | Invalid ─► interstitial, 202 / 405
//!  Challenge page: script finds n with SHA-256(nonce ":" n) starting with `difficulty` zero bits
//!                  ─► POST /.rampart-waf/challenge/verify ─► verify_challenge ─► Set-Cookie, reload
//!  CAPTCHA page:   a person types the characters of a distorted picture
//!                  ─► POST /.rampart-waf/captcha/verify ─► verify_captcha ─► Set-Cookie, 303 back
//! ```
//!
//! Challenge nonces and CAPTCHA puzzles are stateless: signed by the server, expiring, bound to
//! the token domain and optionally to the client (its address, say). A puzzle carries an HMAC of
//! its answer, never the answer. Being stateless, a nonce or puzzle can be answered more than
//! once until it expires, and a puzzle's answer can be guessed more than once: the load
//! balancer should rate-limit the two verification paths.
//!
//! AWS sources: waf-captcha-and-challenge-actions, waf-tokens-immunity-times,
//! waf-tokens-domains, waf-tokens-labeling, API_CaptchaResponse (failure reasons).

use std::fmt;

use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

mod captcha;
mod challenge;

pub use captcha::{CaptchaPage, issue_captcha, issue_captcha_with_answer, verify_captcha};
pub use challenge::{ChallengePage, issue_challenge, solve_challenge, verify_challenge};

/// The cookie that carries the token, as AWS names it.
pub const COOKIE_NAME: &str = "aws-waf-token";

/// The header AWS's application integration SDKs send the token in, instead of the cookie.
pub const TOKEN_HEADER: &str = "x-aws-waf-token";

/// The response header naming the action that answered (`captcha` or `challenge`).
pub const ACTION_HEADER: &str = "x-amzn-waf-action";

/// Where the challenge page posts its solution.
pub const CHALLENGE_VERIFY_PATH: &str = "/.rampart-waf/challenge/verify";

/// Where the CAPTCHA form posts its answer.
pub const CAPTCHA_VERIFY_PATH: &str = "/.rampart-waf/captcha/verify";

/// A challenge difficulty a browser meets in well under a second (leading zero bits).
pub const DEFAULT_CHALLENGE_DIFFICULTY: u8 = 16;

/// The highest difficulty accepted: 2^28 hashes would keep a phone busy for minutes.
pub const MAX_CHALLENGE_DIFFICULTY: u8 = 28;

/// How long a challenge nonce or CAPTCHA puzzle may be answered after it was issued.
pub const INTERSTITIAL_TTL_SECS: u64 = 300;

/// How far in the future a timestamp may be (clock differences between servers sharing a key).
pub const CLOCK_SKEW_SECS: u64 = 60;

/// The longest cookie value, nonce or puzzle read; anything longer is rejected unread.
const MAX_ENCODED_LEN: usize = 1024;

/// The longest form body read for a field.
const MAX_FORM_LEN: usize = 16 * 1024;

/// The shortest secret [`TokenKey::new`] accepts.
pub const MIN_SECRET_LEN: usize = 32;

/// Which action a token is checked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// The Challenge action: the token's challenge timestamp counts.
    Challenge,
    /// The CAPTCHA action: the token's CAPTCHA timestamp counts.
    Captcha,
}

impl TokenKind {
    /// The `x-amzn-waf-action` value: `challenge` or `captcha`.
    pub fn action_name(self) -> &'static str {
        match self {
            TokenKind::Challenge => "challenge",
            TokenKind::Captcha => "captcha",
        }
    }

    fn label_prefix(self) -> &'static str {
        match self {
            TokenKind::Challenge => "awswaf:managed:token:",
            TokenKind::Captcha => "awswaf:managed:captcha:",
        }
    }
}

/// Errors building keys, tokens and pages.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The secret is shorter than [`MIN_SECRET_LEN`] bytes.
    #[error("the token secret must be at least {MIN_SECRET_LEN} bytes")]
    SecretTooShort,
    /// The system's random source failed.
    #[error("the system random source failed")]
    Random,
    /// The domain or host is not a host name or address.
    #[error("{0:?} is not a valid token domain")]
    InvalidDomain(String),
    /// The difficulty is 0 or above [`MAX_CHALLENGE_DIFFICULTY`].
    #[error("challenge difficulty {0} is not within 1–{MAX_CHALLENGE_DIFFICULTY}")]
    Difficulty(u8),
    /// The value is not a token signed with this key.
    #[error("the token is malformed or not signed with this key")]
    Invalid,
}

/// Why a challenge solution or CAPTCHA answer was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The nonce, puzzle or solution is not in the expected form.
    #[error("malformed nonce, puzzle or solution")]
    Malformed,
    /// The nonce or puzzle was not issued with this key (or for this client).
    #[error("the nonce or puzzle is not signed with this key for this client")]
    BadSignature,
    /// The nonce or puzzle is past its expiry.
    #[error("the nonce or puzzle has expired")]
    Expired,
    /// The request's host is not covered by the nonce's or puzzle's token domain.
    #[error("the request's host does not match the token domain")]
    DomainMismatch,
    /// The solution's hash lacks the required zero bits.
    #[error("the solution does not meet the difficulty")]
    InsufficientWork,
    /// The CAPTCHA answer is wrong.
    #[error("wrong answer")]
    WrongAnswer,
    /// The system's random source failed while minting the token.
    #[error("the system random source failed")]
    Random,
}

/// The secret the tokens, nonces and puzzles are signed with. Separate keys are derived from
/// it for each use, so a value of one kind can never pass as another.
pub struct TokenKey {
    token: hmac::Key,
    nonce: hmac::Key,
    puzzle: hmac::Key,
    answer: hmac::Key,
    rng: SystemRandom,
}

impl fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenKey { .. }")
    }
}

impl TokenKey {
    /// A key from a secret of at least [`MIN_SECRET_LEN`] random bytes. Servers that share the
    /// secret accept each other's tokens.
    pub fn new(secret: &[u8]) -> Result<Self, TokenError> {
        if secret.len() < MIN_SECRET_LEN {
            return Err(TokenError::SecretTooShort);
        }
        let master = hmac::Key::new(hmac::HMAC_SHA256, secret);
        let derive = |purpose: &[u8]| {
            hmac::Key::new(hmac::HMAC_SHA256, hmac::sign(&master, purpose).as_ref())
        };
        Ok(TokenKey {
            token: derive(b"rampart-waf token v1"),
            nonce: derive(b"rampart-waf challenge nonce v1"),
            puzzle: derive(b"rampart-waf captcha puzzle v1"),
            answer: derive(b"rampart-waf captcha answer v1"),
            rng: SystemRandom::new(),
        })
    }

    /// A fresh random secret of 32 bytes, for [`TokenKey::new`].
    pub fn generate_secret() -> Result<[u8; 32], TokenError> {
        let mut secret = [0u8; 32];
        SystemRandom::new()
            .fill(&mut secret)
            .map_err(|_| TokenError::Random)?;
        Ok(secret)
    }

    fn random<const N: usize>(&self) -> Result<[u8; N], TokenError> {
        let mut out = [0u8; N];
        self.rng.fill(&mut out).map_err(|_| TokenError::Random)?;
        Ok(out)
    }
}

/// Where a token is asked for or presented: the request's host, the web ACL's token domains,
/// and what binds a nonce or puzzle to the client.
#[derive(Clone, Copy, Debug)]
pub struct TokenScope<'a> {
    /// The request's `Host` (or `:authority`); a port is ignored.
    pub host: &'a str,
    /// The web ACL's `TokenDomains`.
    pub token_domains: &'a [String],
    /// Bytes a nonce or puzzle is bound to, e.g. the client address's octets, so one solved
    /// elsewhere is refused here; empty for no binding.
    pub client: &'a [u8],
}

/// A token: what the `aws-waf-token` cookie carries, once its signature has been checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    id: [u8; 16],
    domain: String,
    issued_at: u64,
    challenge_at: Option<u64>,
    captcha_at: Option<u64>,
}

impl Token {
    /// A new token for `domain` with a random id and no solve yet.
    pub fn new(key: &TokenKey, domain: &str, now_secs: u64) -> Result<Self, TokenError> {
        let domain =
            normalize_host(domain).ok_or_else(|| TokenError::InvalidDomain(domain.to_owned()))?;
        Ok(Token {
            id: key.random()?,
            domain,
            issued_at: now_secs,
            challenge_at: None,
            captcha_at: None,
        })
    }

    /// The random id (AWS labels it `awswaf:managed:token:id:<id>`).
    pub fn id(&self) -> [u8; 16] {
        self.id
    }

    /// The id in lowercase hex.
    pub fn id_hex(&self) -> String {
        self.id.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The token domain: the host it was issued on, or the token domain that covers that host.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// When the token was first issued (Unix seconds).
    pub fn issued_at(&self) -> u64 {
        self.issued_at
    }

    /// When a challenge was last solved.
    pub fn challenge_solved_at(&self) -> Option<u64> {
        self.challenge_at
    }

    /// When a CAPTCHA was last solved.
    pub fn captcha_solved_at(&self) -> Option<u64> {
        self.captcha_at
    }

    /// The solve time that counts for `kind`.
    pub fn solved_at(&self, kind: TokenKind) -> Option<u64> {
        match kind {
            TokenKind::Challenge => self.challenge_at,
            TokenKind::Captcha => self.captcha_at,
        }
    }

    /// Records a solve of `kind` at `now_secs`.
    pub fn mark_solved(&mut self, kind: TokenKind, now_secs: u64) {
        match kind {
            TokenKind::Challenge => self.challenge_at = Some(now_secs),
            TokenKind::Captcha => self.captcha_at = Some(now_secs),
        }
    }

    /// The signed cookie value.
    pub fn encode(&self, key: &TokenKey) -> String {
        let mut out = Vec::with_capacity(64 + self.domain.len());
        out.push(1); // version
        let flags =
            u8::from(self.challenge_at.is_some()) | (u8::from(self.captcha_at.is_some()) << 1);
        out.push(flags);
        out.extend_from_slice(&self.issued_at.to_be_bytes());
        for t in [self.challenge_at, self.captcha_at].into_iter().flatten() {
            out.extend_from_slice(&t.to_be_bytes());
        }
        out.extend_from_slice(&self.id);
        // normalize_host keeps domains within 253 bytes
        out.push(self.domain.len() as u8);
        out.extend_from_slice(self.domain.as_bytes());
        let tag = hmac::sign(&key.token, &out);
        out.extend_from_slice(tag.as_ref());
        base64_encode(&out, URL_SAFE)
    }

    /// The token in a cookie value, if it is well-formed and signed with `key`.
    pub fn decode(value: &str, key: &TokenKey) -> Result<Self, TokenError> {
        let bytes = signed_payload(value, &key.token).ok_or(TokenError::Invalid)?;
        let mut r = Reader(bytes);
        let parsed = (|| {
            if r.u8()? != 1 {
                return None;
            }
            let flags = r.u8()?;
            if flags & !0b11 != 0 {
                return None;
            }
            let issued_at = r.u64()?;
            let challenge_at = if flags & 1 != 0 { Some(r.u64()?) } else { None };
            let captcha_at = if flags & 2 != 0 { Some(r.u64()?) } else { None };
            let id: [u8; 16] = r.take(16)?.try_into().ok()?;
            let domain = r.string()?;
            r.0.is_empty().then_some(Token {
                id,
                domain,
                issued_at,
                challenge_at,
                captcha_at,
            })
        })();
        parsed.ok_or(TokenError::Invalid)
    }

    /// A `Set-Cookie` header value carrying this token. `host` is the request's host: when the
    /// token domain is a parent of it (from the ACL's token domains), the cookie is set for
    /// that domain so its subdomains share it. `secure` adds `Secure` (for HTTPS).
    pub fn set_cookie(
        &self,
        key: &TokenKey,
        host: &str,
        secure: bool,
        max_age_secs: u64,
    ) -> String {
        let mut c = format!(
            "{COOKIE_NAME}={}; Path=/; Max-Age={max_age_secs}; SameSite=Lax; HttpOnly",
            self.encode(key)
        );
        if normalize_host(host).as_deref() != Some(self.domain.as_str()) {
            c.push_str("; Domain=");
            c.push_str(&self.domain);
        }
        if secure {
            c.push_str("; Secure");
        }
        c
    }
}

/// The state of a request's token for one action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenState {
    /// No token, or a token without a solve of this kind.
    Absent,
    /// A solve of this kind within the immunity time.
    Valid,
    /// A solve of this kind older than the immunity time.
    Expired,
    /// A token that is not signed with the key, is malformed, claims a time in the future, or
    /// is for a domain this request's host does not accept.
    Invalid,
}

/// Why a token did not pass, in finer detail than [`TokenState`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenFailure {
    /// No token was presented.
    Missing,
    /// The token is malformed, not signed with this key, or from the future.
    Invalid,
    /// The token carries no solve of the kind asked for.
    NotSolved,
    /// The solve is older than the immunity time.
    Expired,
    /// The token's domain is not accepted for this host.
    DomainMismatch,
}

impl TokenFailure {
    /// AWS's `failureReason` in `captchaResponse` / `challengeResponse`.
    pub fn aws_reason(self) -> &'static str {
        match self {
            TokenFailure::Missing | TokenFailure::NotSolved => "TOKEN_MISSING",
            TokenFailure::Invalid => "TOKEN_INVALID",
            TokenFailure::Expired => "TOKEN_EXPIRED",
            TokenFailure::DomainMismatch => "TOKEN_DOMAIN_MISMATCH",
        }
    }
}

/// The outcome of [`check_token`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenCheck {
    /// What the action does with it: only [`TokenState::Valid`] lets the request go on.
    pub state: TokenState,
    /// Why it did not pass; `None` when valid.
    pub failure: Option<TokenFailure>,
    /// The token, when one was presented and its signature is good (also when expired or for
    /// another domain).
    pub token: Option<Token>,
    /// Which action it was checked for.
    pub kind: TokenKind,
}

impl TokenCheck {
    /// Whether the action behaves like Count (the request goes on).
    pub fn is_valid(&self) -> bool {
        self.state == TokenState::Valid
    }

    /// AWS's token status label: `awswaf:managed:token:accepted|rejected|absent` for a
    /// challenge, `awswaf:managed:captcha:…` for a CAPTCHA. A token that cannot be read is
    /// `absent`, as AWS says of tokens its token manager cannot read.
    pub fn label(&self) -> &'static str {
        let status = match self.failure {
            None => 0,
            Some(TokenFailure::Missing | TokenFailure::Invalid) => 2,
            Some(_) => 1,
        };
        match (self.kind, status) {
            (TokenKind::Challenge, 0) => "awswaf:managed:token:accepted",
            (TokenKind::Challenge, 1) => "awswaf:managed:token:rejected",
            (TokenKind::Challenge, _) => "awswaf:managed:token:absent",
            (TokenKind::Captcha, 0) => "awswaf:managed:captcha:accepted",
            (TokenKind::Captcha, 1) => "awswaf:managed:captcha:rejected",
            (TokenKind::Captcha, _) => "awswaf:managed:captcha:absent",
        }
    }

    /// The status label, followed for a rejected token by the reason label
    /// (`…:rejected:not_solved|expired|domain_mismatch`). ⚠ The reason names follow AWS's
    /// token-labeling page as recalled, not a captured AWS response.
    pub fn labels(&self) -> Vec<String> {
        let mut out = vec![self.label().to_owned()];
        let reason = match self.failure {
            Some(TokenFailure::NotSolved) => Some("not_solved"),
            Some(TokenFailure::Expired) => Some("expired"),
            Some(TokenFailure::DomainMismatch) => Some("domain_mismatch"),
            _ => None,
        };
        if let Some(r) = reason {
            out.push(format!("{}rejected:{r}", self.kind.label_prefix()));
        }
        out
    }

    /// The solve time for the log's `solveTimestamp`, when the token carries one.
    pub fn solve_timestamp(&self) -> Option<u64> {
        self.token.as_ref().and_then(|t| t.solved_at(self.kind))
    }

    /// The log's `responseCode`: 405 (CAPTCHA) or 202 (Challenge) when the token does not pass.
    pub fn response_code(&self) -> Option<u16> {
        (!self.is_valid()).then(|| interstitial_status(self.kind, true))
    }
}

/// Checks a presented token (the `aws-waf-token` cookie's value, or the `x-aws-waf-token`
/// header's) for `kind`: valid when signed with `key`, for a domain `scope.host` accepts, with a
/// solve of that kind no older than `immunity_secs` (AWS: expired when now − timestamp exceeds
/// the immunity time).
pub fn check_token(
    presented: Option<&str>,
    kind: TokenKind,
    key: &TokenKey,
    scope: &TokenScope<'_>,
    immunity_secs: u64,
    now_secs: u64,
) -> TokenCheck {
    let done = |state, failure, token| TokenCheck {
        state,
        failure,
        token,
        kind,
    };
    let Some(value) = presented.filter(|v| !v.is_empty()) else {
        return done(TokenState::Absent, Some(TokenFailure::Missing), None);
    };
    let Ok(token) = Token::decode(value, key) else {
        return done(TokenState::Invalid, Some(TokenFailure::Invalid), None);
    };
    let future = |t: Option<u64>| t.is_some_and(|t| t > now_secs.saturating_add(CLOCK_SKEW_SECS));
    if future(Some(token.issued_at)) || future(token.challenge_at) || future(token.captcha_at) {
        return done(TokenState::Invalid, Some(TokenFailure::Invalid), None);
    }
    if !domain_accepted(&token.domain, scope) {
        return done(
            TokenState::Invalid,
            Some(TokenFailure::DomainMismatch),
            Some(token),
        );
    }
    match token.solved_at(kind) {
        None => done(
            TokenState::Absent,
            Some(TokenFailure::NotSolved),
            Some(token),
        ),
        Some(t) if now_secs.saturating_sub(t) > immunity_secs => done(
            TokenState::Expired,
            Some(TokenFailure::Expired),
            Some(token),
        ),
        Some(_) => done(TokenState::Valid, None, Some(token)),
    }
}

/// The status of the response to a request that must solve a CAPTCHA (405) or a challenge
/// (202). AWS documents the same status whether or not the client accepts HTML; only the body
/// differs (the interstitial page when it does, see [`accepts_html`]). The parameter keeps the
/// decision in one place should that change.
pub fn interstitial_status(kind: TokenKind, accepts_html: bool) -> u16 {
    let _ = accepts_html;
    match kind {
        TokenKind::Captcha => 405,
        TokenKind::Challenge => 202,
    }
}

/// Whether an `Accept` header asks for HTML (`text/html`, with a non-zero q), which is when AWS
/// sends the interstitial page.
pub fn accepts_html(accept: Option<&str>) -> bool {
    let Some(accept) = accept else {
        return false;
    };
    accept.split(',').any(|item| {
        let mut parts = item.split(';');
        let media = parts.next().unwrap_or("").trim();
        if !media.eq_ignore_ascii_case("text/html") {
            return false;
        }
        !parts.any(|p| {
            let p = p.trim();
            p.len() >= 2
                && p[..2].eq_ignore_ascii_case("q=")
                && p[2..].trim().parse::<f32>().is_ok_and(|q| q <= 0.0)
        })
    })
}

/// The `aws-waf-token` value in a `Cookie` header, if any.
pub fn token_from_cookie_header(cookie: &str) -> Option<&str> {
    cookie.split(';').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        (name.trim() == COOKIE_NAME).then(|| value.trim().trim_matches('"'))
    })
}

/// The token domain to issue a token with on `host`: the shortest of the ACL's token domains
/// that is `host` or a parent of it, so that the token is shared as widely as the ACL allows;
/// otherwise `host` itself. `None` when `host` is not a valid host.
pub fn token_domain_for(host: &str, token_domains: &[String]) -> Option<String> {
    let host = normalize_host(host)?;
    let best = token_domains
        .iter()
        .filter_map(|d| normalize_host(d))
        .filter(|d| host_within(&host, d))
        .min_by_key(String::len);
    Some(best.unwrap_or(host))
}

/// Whether a token for `domain` is accepted on `scope.host`: AWS accepts the host's own domain
/// plus every token domain of the ACL and their subdomains.
fn domain_accepted(domain: &str, scope: &TokenScope<'_>) -> bool {
    if normalize_host(scope.host).as_deref() == Some(domain) {
        return true;
    }
    scope
        .token_domains
        .iter()
        .filter_map(|d| normalize_host(d))
        .any(|d| host_within(domain, &d))
}

/// `host` is `domain` or one of its subdomains.
fn host_within(host: &str, domain: &str) -> bool {
    host == domain
        || host
            .strip_suffix(domain)
            .is_some_and(|rest| rest.ends_with('.'))
}

/// A `Host` value as a token domain: lowercase, without port or trailing dot; `None` unless it
/// is a DNS name (letters, digits, `-`, `_`, dots) or an IP literal, at most 253 bytes.
pub fn normalize_host(host: &str) -> Option<String> {
    let host = host.trim();
    let name = if let Some(rest) = host.strip_prefix('[') {
        // [v6]:port
        let (inner, after) = rest.split_once(']')?;
        if !(after.is_empty() || after.starts_with(':')) {
            return None;
        }
        inner.parse::<std::net::Ipv6Addr>().ok()?;
        return Some(format!("[{}]", inner.to_ascii_lowercase()));
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            Some(_) => return None,
            None => host,
        }
    };
    let name = name.strip_suffix('.').unwrap_or(name);
    let ok = !name.is_empty()
        && name.len() <= 253
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
        && !name.split('.').any(str::is_empty);
    ok.then(|| name.to_ascii_lowercase())
}

/// A field of an `application/x-www-form-urlencoded` body, decoded; `None` if absent, or the
/// body or field is malformed or too long.
pub fn form_field(body: &[u8], name: &str) -> Option<String> {
    if body.len() > MAX_FORM_LEN {
        return None;
    }
    body.split(|&b| b == b'&').find_map(|pair| {
        let (k, v) = match pair.iter().position(|&b| b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &[][..]),
        };
        if percent_decode(k)? != name.as_bytes() {
            return None;
        }
        String::from_utf8(percent_decode(v)?).ok()
    })
}

fn percent_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = |b: u8| (b as char).to_digit(16);
                let hi = hex(*s.get(i + 1)?)?;
                let lo = hex(*s.get(i + 2)?)?;
                out.push((hi * 16 + lo) as u8);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    Some(out)
}

/// `path` if it is a same-site path to send the client back to (starts with one `/`, no
/// backslash, no control characters, at most 2048 bytes); `/` otherwise. Guards the CAPTCHA
/// form's return field against open redirects.
pub fn safe_return_path(path: &str) -> &str {
    let ok = path.len() <= 2048
        && path.starts_with('/')
        && !path.starts_with("//")
        && !path.bytes().any(|b| b == b'\\' || b.is_ascii_control());
    if ok { path } else { "/" }
}

/// Escapes text for HTML element content and quoted attributes.
pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Decodes `value` and checks its trailing HMAC-SHA256 tag under `key`, in constant time;
/// returns the payload before the tag.
fn signed_payload(value: &str, key: &hmac::Key) -> Option<Vec<u8>> {
    signed_payload_with(value, key, &[])
}

/// [`signed_payload`] where the tag also covers `extra` (not carried in the value).
fn signed_payload_with(value: &str, key: &hmac::Key, extra: &[u8]) -> Option<Vec<u8>> {
    if value.len() > MAX_ENCODED_LEN {
        return None;
    }
    let mut bytes = base64_decode_url(value)?;
    let split = bytes.len().checked_sub(32)?;
    let tag = bytes.split_off(split);
    // ring compares the recomputed tag in constant time
    hmac::verify(key, &with_extra(&bytes, extra), &tag).ok()?;
    Some(bytes)
}

fn with_extra(bytes: &[u8], extra: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(bytes.len() + extra.len() + 2);
    v.extend_from_slice(bytes);
    if !extra.is_empty() {
        // length-prefixed, so payload and binding cannot slide into each other
        v.extend_from_slice(&(extra.len().min(u16::MAX as usize) as u16).to_be_bytes());
        v.extend_from_slice(extra);
    }
    v
}

/// Signs `payload` (and `extra`) and returns the base64url of payload and tag.
fn sign_encode(payload: &mut Vec<u8>, key: &hmac::Key, extra: &[u8]) -> String {
    let tag = hmac::sign(key, &with_extra(payload, extra));
    payload.extend_from_slice(tag.as_ref());
    base64_encode(payload, URL_SAFE)
}

/// A cursor over a decoded payload.
struct Reader(Vec<u8>);

impl Reader {
    fn take(&mut self, n: usize) -> Option<Vec<u8>> {
        if self.0.len() < n {
            return None;
        }
        let rest = self.0.split_off(n);
        Some(std::mem::replace(&mut self.0, rest))
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_be_bytes(self.take(8)?.try_into().ok()?))
    }

    /// A length-prefixed token domain, which must already be in normal form.
    fn string(&mut self) -> Option<String> {
        let len = usize::from(self.u8()?);
        let s = String::from_utf8(self.take(len)?).ok()?;
        (normalize_host(&s).as_deref() == Some(s.as_str())).then_some(s)
    }
}

use crate::base64::decode_url as base64_decode_url;
pub(crate) use crate::base64::{STANDARD, URL_SAFE, encode as base64_encode};

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(super) fn key() -> TokenKey {
        TokenKey::new(&[7u8; 32]).unwrap()
    }

    pub(super) fn scope<'a>(host: &'a str, domains: &'a [String]) -> TokenScope<'a> {
        TokenScope {
            host,
            token_domains: domains,
            client: b"\xc0\x00\x02\x01",
        }
    }

    const NOW: u64 = 1_700_000_000;

    #[test]
    fn token_round_trips() {
        let k = key();
        let mut t = Token::new(&k, "Example.COM:8443", NOW).unwrap();
        assert_eq!(t.domain(), "example.com");
        t.mark_solved(TokenKind::Challenge, NOW + 5);
        let encoded = t.encode(&k);
        assert!(
            encoded
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        let back = Token::decode(&encoded, &k).unwrap();
        assert_eq!(back, t);
        assert_eq!(back.challenge_solved_at(), Some(NOW + 5));
        assert_eq!(back.captcha_solved_at(), None);
        t.mark_solved(TokenKind::Captcha, NOW + 9);
        assert_eq!(Token::decode(&t.encode(&k), &k).unwrap(), t);
    }

    #[test]
    fn a_tampered_token_is_rejected() {
        let k = key();
        let mut t = Token::new(&k, "example.com", NOW).unwrap();
        t.mark_solved(TokenKind::Captcha, NOW);
        let encoded = t.encode(&k);
        let mut raw = base64_decode_url(&encoded).unwrap();
        for i in 0..raw.len() {
            raw[i] ^= 1;
            let bad = base64_encode(&raw, URL_SAFE);
            assert_eq!(
                Token::decode(&bad, &k),
                Err(TokenError::Invalid),
                "byte {i}"
            );
            raw[i] ^= 1;
        }
        // truncated, extended, re-padded
        assert!(Token::decode(&encoded[..encoded.len() - 1], &k).is_err());
        assert!(Token::decode(&format!("{encoded}A"), &k).is_err());
        assert!(Token::decode(&format!("{encoded}="), &k).is_err());
        assert!(Token::decode("", &k).is_err());
    }

    #[test]
    fn a_token_from_another_key_is_rejected() {
        let other = TokenKey::new(&[8u8; 32]).unwrap();
        let t = Token::new(&other, "example.com", NOW).unwrap();
        assert_eq!(
            Token::decode(&t.encode(&other), &key()),
            Err(TokenError::Invalid)
        );
        assert!(TokenKey::new(&[1u8; 31]).is_err());
    }

    fn check(token: Option<&str>, kind: TokenKind, host: &str, now: u64) -> TokenCheck {
        check_token(token, kind, &key(), &scope(host, &[]), 300, now)
    }

    #[test]
    fn states_against_the_immunity_time() {
        let k = key();
        let mut t = Token::new(&k, "example.com", NOW).unwrap();
        t.mark_solved(TokenKind::Challenge, NOW);
        let v = t.encode(&k);
        let c = check(Some(&v), TokenKind::Challenge, "example.com", NOW + 300);
        assert_eq!(c.state, TokenState::Valid);
        assert_eq!(c.label(), "awswaf:managed:token:accepted");
        assert_eq!(c.response_code(), None);
        assert_eq!(c.solve_timestamp(), Some(NOW));
        let c = check(Some(&v), TokenKind::Challenge, "example.com", NOW + 301);
        assert_eq!(c.state, TokenState::Expired);
        assert_eq!(c.failure.unwrap().aws_reason(), "TOKEN_EXPIRED");
        assert_eq!(
            c.labels(),
            [
                "awswaf:managed:token:rejected",
                "awswaf:managed:token:rejected:expired"
            ]
        );
        assert_eq!(c.response_code(), Some(202));
        // no CAPTCHA solve in it
        let c = check(Some(&v), TokenKind::Captcha, "example.com", NOW);
        assert_eq!(c.state, TokenState::Absent);
        assert_eq!(c.failure, Some(TokenFailure::NotSolved));
        assert_eq!(c.label(), "awswaf:managed:captcha:rejected");
        assert_eq!(c.response_code(), Some(405));
        // none at all
        let c = check(None, TokenKind::Challenge, "example.com", NOW);
        assert_eq!(c.state, TokenState::Absent);
        assert_eq!(c.label(), "awswaf:managed:token:absent");
        assert_eq!(c.failure.unwrap().aws_reason(), "TOKEN_MISSING");
        // garbage
        let c = check(Some("garbage!"), TokenKind::Challenge, "example.com", NOW);
        assert_eq!(c.state, TokenState::Invalid);
        assert_eq!(c.failure.unwrap().aws_reason(), "TOKEN_INVALID");
        // from the future
        let c = check(Some(&v), TokenKind::Challenge, "example.com", NOW - 61);
        assert_eq!(c.state, TokenState::Invalid);
    }

    #[test]
    fn domains_follow_the_token_domain_list() {
        let k = key();
        let domains = vec!["example.com".to_owned()];
        let d = token_domain_for("shop.example.com:443", &domains).unwrap();
        assert_eq!(d, "example.com");
        assert_eq!(
            token_domain_for("other.org", &domains).unwrap(),
            "other.org"
        );
        assert_eq!(
            token_domain_for("notexample.com", &domains).unwrap(),
            "notexample.com"
        );
        let mut t = Token::new(&k, &d, NOW).unwrap();
        t.mark_solved(TokenKind::Challenge, NOW);
        let v = t.encode(&k);
        let on = |host: &str, domains: &[String]| {
            check_token(
                Some(&v),
                TokenKind::Challenge,
                &k,
                &scope(host, domains),
                300,
                NOW,
            )
        };
        assert!(on("www.example.com", &domains).is_valid());
        assert!(on("example.com", &[]).is_valid(), "the host's own domain");
        let c = on("www.example.com", &[]);
        assert_eq!(c.failure, Some(TokenFailure::DomainMismatch));
        assert_eq!(c.failure.unwrap().aws_reason(), "TOKEN_DOMAIN_MISMATCH");
        assert!(!on("other.org", &[]).is_valid());
        // the cookie is set for the parent domain only when it differs from the host
        assert!(
            t.set_cookie(&k, "shop.example.com", true, 600)
                .contains("; Domain=example.com")
        );
        let own = t.set_cookie(&k, "example.com", false, 600);
        assert!(!own.contains("Domain=") && !own.contains("Secure"));
        assert!(own.starts_with("aws-waf-token="));
    }

    #[test]
    fn interstitial_statuses_and_accept() {
        assert_eq!(interstitial_status(TokenKind::Captcha, false), 405);
        assert_eq!(interstitial_status(TokenKind::Challenge, false), 202);
        assert_eq!(interstitial_status(TokenKind::Challenge, true), 202);
        assert!(accepts_html(Some(
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        )));
        assert!(accepts_html(Some("TEXT/HTML; q=0.5")));
        assert!(!accepts_html(Some("text/html;q=0")));
        assert!(!accepts_html(Some("*/*")));
        assert!(!accepts_html(Some("application/json")));
        assert!(!accepts_html(None));
    }

    #[test]
    fn cookie_and_form_parsing() {
        assert_eq!(
            token_from_cookie_header("a=1; aws-waf-token=abc_-; b=2"),
            Some("abc_-")
        );
        assert_eq!(token_from_cookie_header("aws-waf-tokenx=1"), None);
        let body = b"nonce=ab%2Dc&solution=123&return=%2Fa%3Fb%3D1+2";
        assert_eq!(form_field(body, "nonce").as_deref(), Some("ab-c"));
        assert_eq!(form_field(body, "return").as_deref(), Some("/a?b=1 2"));
        assert_eq!(form_field(body, "missing"), None);
        assert_eq!(form_field(b"x=%zz", "x"), None);
        assert_eq!(safe_return_path("/a?b"), "/a?b");
        assert_eq!(safe_return_path("//evil.example"), "/");
        assert_eq!(safe_return_path("https://evil.example"), "/");
        assert_eq!(safe_return_path("/\\evil"), "/");
        assert_eq!(safe_return_path("/a\r\nSet-Cookie: x"), "/");
    }

    #[test]
    fn hosts_normalize() {
        assert_eq!(
            normalize_host("WWW.Example.com.:80").as_deref(),
            Some("www.example.com")
        );
        assert_eq!(
            normalize_host("[2001:DB8::1]:443").as_deref(),
            Some("[2001:db8::1]")
        );
        assert_eq!(
            normalize_host("192.0.2.1:8080").as_deref(),
            Some("192.0.2.1")
        );
        assert_eq!(normalize_host("exa mple.com"), None);
        assert_eq!(normalize_host("a..b"), None);
        assert_eq!(normalize_host(""), None);
        assert_eq!(normalize_host("[::1]x"), None);
    }

    proptest! {
        #[test]
        fn base64url_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
            let s = base64_encode(&bytes, URL_SAFE);
            prop_assert_eq!(base64_decode_url(&s), Some(bytes));
        }

        #[test]
        fn decoding_arbitrary_text_never_panics(s in "\\PC{0,200}") {
            let k = key();
            let _ = Token::decode(&s, &k);
            let _ = base64_decode_url(&s);
            let _ = form_field(s.as_bytes(), "a");
            let _ = accepts_html(Some(&s));
            let _ = normalize_host(&s);
        }

        #[test]
        fn each_value_has_one_encoding(s in "[A-Za-z0-9_-]{0,40}") {
            if let Some(bytes) = base64_decode_url(&s) {
                prop_assert_eq!(base64_encode(&bytes, URL_SAFE), s);
            }
        }
    }
}
