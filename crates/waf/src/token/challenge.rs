//! The Challenge action's interstitial: a proof of work a browser does without a person.
//!
//! The nonce is `base64url(1 | difficulty | expires_at | 16 random bytes | domain | HMAC)`, the
//! HMAC also covering the client binding. The work: find a decimal `n` such that
//! `SHA-256(nonce ":" n)` starts with `difficulty` zero bits — 2^difficulty hashes on average.

use ring::digest;

use super::{
    CHALLENGE_VERIFY_PATH, INTERSTITIAL_TTL_SECS, MAX_CHALLENGE_DIFFICULTY, Reader, Token,
    TokenError, TokenKey, TokenKind, TokenScope, VerifyError, host_within, html_escape,
    normalize_host, sign_encode, signed_payload_with, token_domain_for,
};

const SCRIPT: &str = include_str!("challenge.js");

/// The longest solution accepted (decimal digits of a u64).
const MAX_SOLUTION_DIGITS: usize = 20;

/// A challenge to send: the signed nonce and the page that solves it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChallengePage {
    /// The signed nonce the page works on.
    pub nonce: String,
    /// The HTML page (with its inline script) to send with status 202.
    pub html: String,
}

/// A challenge for the client in `scope`, valid for [`INTERSTITIAL_TTL_SECS`], needing
/// `difficulty` leading zero bits (1–[`MAX_CHALLENGE_DIFFICULTY`];
/// [`super::DEFAULT_CHALLENGE_DIFFICULTY`] suits browsers).
pub fn issue_challenge(
    now_secs: u64,
    key: &TokenKey,
    difficulty: u8,
    scope: &TokenScope<'_>,
) -> Result<ChallengePage, TokenError> {
    if difficulty == 0 || difficulty > MAX_CHALLENGE_DIFFICULTY {
        return Err(TokenError::Difficulty(difficulty));
    }
    let domain = token_domain_for(scope.host, scope.token_domains)
        .ok_or_else(|| TokenError::InvalidDomain(scope.host.to_owned()))?;
    let mut payload = Vec::with_capacity(64 + domain.len());
    payload.push(1);
    payload.push(difficulty);
    payload.extend_from_slice(&now_secs.saturating_add(INTERSTITIAL_TTL_SECS).to_be_bytes());
    payload.extend_from_slice(&key.random::<16>()?);
    payload.push(domain.len() as u8);
    payload.extend_from_slice(domain.as_bytes());
    let nonce = sign_encode(&mut payload, &key.nonce, scope.client);
    let script = SCRIPT
        .replace("__NONCE__", &nonce)
        .replace("__BITS__", &difficulty.to_string())
        .replace("__VERIFY__", CHALLENGE_VERIFY_PATH);
    let html = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex\">\n<title>Checking your browser</title>\n\
         <style>{style}</style>\n</head>\n<body>\n<main>\n<h1>Checking your browser…</h1>\n\
         <p id=\"rampart-status\">This takes a moment.</p>\n\
         <noscript><p>This site needs JavaScript to check your browser. Please turn it on and \
         reload the page.</p></noscript>\n</main>\n<script>\n{script}</script>\n</body>\n</html>\n",
        style = super::captcha::PAGE_STYLE,
    );
    // the nonce is base64url: nothing in it needs escaping inside the script's string
    debug_assert_eq!(html_escape(&nonce), nonce);
    Ok(ChallengePage { nonce, html })
}

/// Checks a posted solution: the nonce signed with `key` for this client, not expired, for a
/// token domain covering `scope.host`, and the work done. Returns the token to set: the
/// presented one (`existing`, when valid for the same domain) with its challenge time renewed,
/// or a new one.
pub fn verify_challenge(
    nonce: &str,
    solution: &str,
    now_secs: u64,
    key: &TokenKey,
    scope: &TokenScope<'_>,
    existing: Option<&str>,
) -> Result<Token, VerifyError> {
    let payload =
        signed_payload_with(nonce, &key.nonce, scope.client).ok_or(VerifyError::BadSignature)?;
    let mut r = Reader(payload);
    let (difficulty, expires, domain) = (|| {
        if r.u8()? != 1 {
            return None;
        }
        let difficulty = r.u8()?;
        let expires = r.u64()?;
        r.take(16)?;
        let domain = r.string()?;
        r.0.is_empty().then_some((difficulty, expires, domain))
    })()
    .ok_or(VerifyError::Malformed)?;
    if now_secs > expires {
        return Err(VerifyError::Expired);
    }
    let host = normalize_host(scope.host).ok_or(VerifyError::DomainMismatch)?;
    if !host_within(&host, &domain) {
        return Err(VerifyError::DomainMismatch);
    }
    if solution.is_empty()
        || solution.len() > MAX_SOLUTION_DIGITS
        || !solution.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(VerifyError::Malformed);
    }
    if leading_zero_bits(&work_hash(nonce, solution)) < u32::from(difficulty) {
        return Err(VerifyError::InsufficientWork);
    }
    renew(existing, &domain, TokenKind::Challenge, now_secs, key)
}

/// Does what the page's script does: the first `n` whose hash meets the nonce's difficulty.
/// For tests and tools; a server never needs it. `None` if the nonce cannot be read (its
/// signature is not checked here) or no `n` below `max_tries` works.
pub fn solve_challenge(nonce: &str, max_tries: u64) -> Option<u64> {
    let raw = super::base64_decode_url(nonce)?;
    let difficulty = u32::from(*raw.get(1)?);
    (0..max_tries).find(|n| leading_zero_bits(&work_hash(nonce, &n.to_string())) >= difficulty)
}

fn work_hash(nonce: &str, solution: &str) -> digest::Digest {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(nonce.as_bytes());
    ctx.update(b":");
    ctx.update(solution.as_bytes());
    ctx.finish()
}

fn leading_zero_bits(d: &digest::Digest) -> u32 {
    let mut z = 0;
    for &b in d.as_ref() {
        if b != 0 {
            return z + b.leading_zeros();
        }
        z += 8;
    }
    z
}

/// The token after a solve of `kind`: `existing` if it is good and for `domain`, else new.
pub(super) fn renew(
    existing: Option<&str>,
    domain: &str,
    kind: TokenKind,
    now_secs: u64,
    key: &TokenKey,
) -> Result<Token, VerifyError> {
    let mut token = match existing.and_then(|v| Token::decode(v, key).ok()) {
        Some(t) if t.domain() == domain && t.issued_at() <= now_secs => t,
        _ => Token::new(key, domain, now_secs).map_err(|e| match e {
            TokenError::Random => VerifyError::Random,
            _ => VerifyError::Malformed,
        })?,
    };
    token.mark_solved(kind, now_secs);
    Ok(token)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::tests::{key, scope};
    use super::super::{TokenState, check_token};
    use super::*;

    const NOW: u64 = 1_700_000_000;

    #[test]
    fn a_solved_challenge_earns_a_token() {
        let k = key();
        let s = scope("www.example.com", &[]);
        let page = issue_challenge(NOW, &k, 8, &s).unwrap();
        assert!(page.html.contains(&page.nonce));
        assert!(page.html.contains(CHALLENGE_VERIFY_PATH));
        let n = solve_challenge(&page.nonce, 1 << 20).unwrap();
        let token = verify_challenge(&page.nonce, &n.to_string(), NOW + 3, &k, &s, None).unwrap();
        assert_eq!(token.domain(), "www.example.com");
        assert_eq!(token.challenge_solved_at(), Some(NOW + 3));
        assert_eq!(token.captcha_solved_at(), None);
        let cookie = token.encode(&k);
        let c = check_token(Some(&cookie), TokenKind::Challenge, &k, &s, 300, NOW + 10);
        assert_eq!(c.state, TokenState::Valid);
    }

    #[test]
    fn wrong_work_expiry_client_and_host_are_refused() {
        let k = key();
        let s = scope("www.example.com", &[]);
        let page = issue_challenge(NOW, &k, 12, &s).unwrap();
        let n = solve_challenge(&page.nonce, 1 << 24).unwrap().to_string();
        // a solution that does not meet the difficulty
        let bad = (0..)
            .map(|i: u64| i.to_string())
            .find(|c| leading_zero_bits(&work_hash(&page.nonce, c)) < 12)
            .unwrap();
        assert_eq!(
            verify_challenge(&page.nonce, &bad, NOW, &k, &s, None),
            Err(VerifyError::InsufficientWork)
        );
        for junk in ["", "12a", "-1", "123456789012345678901"] {
            assert_eq!(
                verify_challenge(&page.nonce, junk, NOW, &k, &s, None),
                Err(VerifyError::Malformed)
            );
        }
        assert_eq!(
            verify_challenge(
                &page.nonce,
                &n,
                NOW + INTERSTITIAL_TTL_SECS + 1,
                &k,
                &s,
                None
            ),
            Err(VerifyError::Expired)
        );
        let elsewhere = TokenScope {
            client: b"\xc6\x33\x64\x07",
            ..s
        };
        assert_eq!(
            verify_challenge(&page.nonce, &n, NOW, &k, &elsewhere, None),
            Err(VerifyError::BadSignature)
        );
        let other_host = scope("evil.example", &[]);
        assert_eq!(
            verify_challenge(&page.nonce, &n, NOW, &k, &other_host, None),
            Err(VerifyError::DomainMismatch)
        );
        let other_key = TokenKey::new(&[9u8; 32]).unwrap();
        assert_eq!(
            verify_challenge(&page.nonce, &n, NOW, &other_key, &s, None),
            Err(VerifyError::BadSignature)
        );
        assert!(issue_challenge(NOW, &k, 0, &s).is_err());
        assert!(issue_challenge(NOW, &k, 29, &s).is_err());
    }

    #[test]
    fn a_token_domain_covers_subdomains_and_an_existing_token_is_renewed() {
        let k = key();
        let domains = vec!["example.com".to_owned()];
        let s = scope("shop.example.com", &domains);
        let page = issue_challenge(NOW, &k, 4, &s).unwrap();
        let n = solve_challenge(&page.nonce, 1 << 16).unwrap().to_string();
        let mut old = Token::new(&k, "example.com", NOW - 1000).unwrap();
        old.mark_solved(TokenKind::Captcha, NOW - 100);
        let old_cookie = old.encode(&k);
        let t = verify_challenge(&page.nonce, &n, NOW, &k, &s, Some(&old_cookie)).unwrap();
        assert_eq!(t.id(), old.id());
        assert_eq!(t.domain(), "example.com");
        assert_eq!(t.captcha_solved_at(), Some(NOW - 100));
        assert_eq!(t.challenge_solved_at(), Some(NOW));
        // a forged or foreign existing token is replaced, not trusted
        let t = verify_challenge(&page.nonce, &n, NOW, &k, &s, Some("forged")).unwrap();
        assert_ne!(t.id(), old.id());
        assert_eq!(t.captcha_solved_at(), None);
    }

    /// The page's own script, run by Node with stand-ins for the DOM and fetch, earns a token:
    /// what a browser does, without a browser. Needs `node` (Debian's `nodejs`, which
    /// `scripts/test` installs); fails when it is missing.
    #[test]
    fn the_page_script_solves_its_challenge() {
        let k = key();
        let s = scope("www.example.com", &[]);
        let page = issue_challenge(NOW, &k, 14, &s).unwrap();
        let start = page.html.find("<script>\n").unwrap() + "<script>\n".len();
        let end = page.html.rfind("</script>").unwrap();
        let script = &page.html[start..end];
        let harness = format!(
            "var posted = null;\n\
             var document = {{ getElementById: function () {{ return {{ textContent: '' }}; }} }};\n\
             var location = {{ reload: function () {{ console.log(JSON.stringify(posted)); }} }};\n\
             var fetch = function (url, opts) {{ posted = {{ url: url, body: opts.body, \
             method: opts.method }}; return Promise.resolve({{ ok: true }}); }};\n{script}"
        );
        let dir = std::env::temp_dir().join(format!("rampart-challenge-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("harness.js");
        std::fs::write(&file, harness).unwrap();
        let out = match std::process::Command::new("node").arg(&file).output() {
            Ok(out) => out,
            Err(e) => {
                std::fs::remove_dir_all(&dir).unwrap();
                panic!("this test runs the challenge page's script in node: install nodejs ({e})");
            }
        };
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let posted: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(posted["url"], CHALLENGE_VERIFY_PATH);
        assert_eq!(posted["method"], "POST");
        let body = posted["body"].as_str().unwrap().as_bytes();
        let nonce = super::super::form_field(body, "nonce").unwrap();
        let solution = super::super::form_field(body, "solution").unwrap();
        assert_eq!(nonce, page.nonce);
        let token = verify_challenge(&nonce, &solution, NOW + 1, &k, &s, None).unwrap();
        assert_eq!(token.challenge_solved_at(), Some(NOW + 1));
    }
}
