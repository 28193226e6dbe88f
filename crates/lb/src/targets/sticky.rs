//! Stickiness cookies: `AWSALB`/`AWSALBCORS` pin a target, `AWSALBTG`/`AWSALBTGCORS` pin a
//! target group of a weighted forward.
//!
//! A value is an HMAC-SHA256 tag (first 16 bytes, hex) over the group and the target under a
//! key drawn at process start, so it reveals no address and cannot be forged for another
//! target. A value from an earlier process (or another node) is unknown here and falls back to
//! the algorithm with a new cookie, as any invalid cookie does.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use ring::hmac;

/// Which cookie pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StickyCookie {
    /// `AWSALB` and `AWSALBCORS`: the target.
    Target,
    /// `AWSALBTG` and `AWSALBTGCORS`: the target group.
    TargetGroup,
}

impl StickyCookie {
    /// The cookie's name and its CORS twin's.
    /// The value a request carries, from either cookie of the pair.
    #[cfg(test)]
    fn find(self, cookie_header: &str) -> Option<&str> {
        self.names()
            .iter()
            .find_map(|name| cookie(cookie_header, name))
    }

    pub(crate) fn names(self) -> [&'static str; 2] {
        match self {
            StickyCookie::Target => ["AWSALB", "AWSALBCORS"],
            StickyCookie::TargetGroup => ["AWSALBTG", "AWSALBTGCORS"],
        }
    }
}

/// The `Set-Cookie` values for a sticky pick: the plain cookie and its CORS twin, expiring
/// `duration` after `now`.
pub(crate) fn set_cookie_headers(
    kind: StickyCookie,
    value: &str,
    duration: Duration,
    now: SystemTime,
) -> [String; 2] {
    let expires = httpdate::fmt_http_date(now + duration);
    let [plain, cors] = kind.names();
    [
        format!("{plain}={value}; Expires={expires}; Path=/"),
        format!("{cors}={value}; Expires={expires}; Path=/; SameSite=None; Secure"),
    ]
}

/// The value of cookie `name` in a `Cookie` header.
pub(crate) fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

/// The `AWSALB` value for a target of a group.
pub(crate) fn target_cookie(group: &str, addr: SocketAddr) -> String {
    tag(&[b"AWSALB", group.as_bytes(), addr.to_string().as_bytes()])
}

/// The `AWSALBTG` value for a target group.
pub(crate) fn target_group_cookie(group: &str) -> String {
    tag(&[b"AWSALBTG", group.as_bytes()])
}

/// Which of a forward's groups an `AWSALBTG` value names, by index.
pub(crate) fn target_group_from_cookie<'a>(
    value: &str,
    groups: impl IntoIterator<Item = &'a str>,
) -> Option<usize> {
    groups
        .into_iter()
        .position(|g| target_group_cookie(g) == value)
}

fn key() -> &'static hmac::Key {
    static KEY: OnceLock<hmac::Key> = OnceLock::new();
    KEY.get_or_init(|| {
        hmac::Key::generate(hmac::HMAC_SHA256, &ring::rand::SystemRandom::new()).unwrap_or_else(
            |_| {
                // Only a pinning cookie rests on this key: a guessable key lets a client choose
                // its target, which retrying connections achieves anyway.
                tracing::error!("no system randomness; stickiness cookies use a weak key");
                let seed: Vec<u8> = (0..32).map(|_| fastrand::u8(..)).collect();
                hmac::Key::new(hmac::HMAC_SHA256, &seed)
            },
        )
    })
}

fn tag(parts: &[&[u8]]) -> String {
    let mut ctx = hmac::Context::with_key(key());
    for part in parts {
        // Length-prefixed so that ("ab","c") and ("a","bc") differ.
        ctx.update(&(part.len() as u64).to_be_bytes());
        ctx.update(part);
    }
    let tag = ctx.sign();
    tag.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_cookie_values_are_awss() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let [plain, cors] =
            set_cookie_headers(StickyCookie::Target, "abc", Duration::from_secs(86400), now);
        assert_eq!(
            plain,
            "AWSALB=abc; Expires=Wed, 15 Nov 2023 22:13:20 GMT; Path=/"
        );
        assert_eq!(
            cors,
            "AWSALBCORS=abc; Expires=Wed, 15 Nov 2023 22:13:20 GMT; Path=/; SameSite=None; Secure"
        );
        let [tg, _] = set_cookie_headers(StickyCookie::TargetGroup, "x", Duration::ZERO, now);
        assert!(tg.starts_with("AWSALBTG=x; "));
    }

    #[test]
    fn cookies_are_found_in_a_cookie_header() {
        let h = "a=1; AWSALBCORS=cors; AWSALBTG=tg";
        assert_eq!(cookie(h, "a"), Some("1"));
        assert_eq!(StickyCookie::Target.find(h), Some("cors"));
        assert_eq!(StickyCookie::TargetGroup.find(h), Some("tg"));
        assert_eq!(
            StickyCookie::Target.find("AWSALB=p; AWSALBCORS=c"),
            Some("p")
        );
        assert_eq!(cookie("AWSALBX=1", "AWSALB"), None);
    }

    #[test]
    fn group_cookies_round_trip_and_differ_per_group() {
        let groups = ["blue", "green"];
        let green = target_group_cookie("green");
        assert_eq!(green.len(), 32);
        assert_eq!(target_group_from_cookie(&green, groups), Some(1));
        assert_ne!(green, target_group_cookie("blue"));
        let mut forged = green.clone().into_bytes();
        forged[0] = if forged[0] == b'0' { b'1' } else { b'0' };
        let forged = String::from_utf8(forged).unwrap();
        assert_eq!(target_group_from_cookie(&forged, groups), None);
        assert_ne!(
            target_cookie("g", "10.0.0.1:80".parse().unwrap()),
            target_cookie("g", "10.0.0.1:81".parse().unwrap())
        );
    }
}
