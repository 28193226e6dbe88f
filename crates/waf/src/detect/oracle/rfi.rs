//! Remote file inclusion: a URL that points at a raw IP address, a URL ending in `?` (the
//! classic trick to cut off the suffix an include adds), a scheme that is only ever used for
//! SSRF or local reads (`file:`, `gopher:`, `dict:`, `jar:`, …), a UNC path to an address, or a
//! URL given to one of the parameters that PHP applications were known to include.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use super::Detection;
use super::metadata_ssrf::parse_ipv4;
use super::util::{at, automaton, before, found, is_word};

/// Schemes whose URLs are followed by the host check.
const WEB_SCHEMES: &[&str] = &["http://", "https://", "ftp://", "ftps://", "file://"];

/// Schemes that on their own are an attack when a value carries them.
const SSRF_SCHEMES: &[&str] = &[
    "file:/",
    "gopher://",
    "dict://",
    "ldap://",
    "ldaps://",
    "ldapi://",
    "tftp://",
    "jar:",
    "netdoc:/",
    "sftp://",
    "smb://",
    "local_file:/",
    "url:file:",
    "data:text/plain",
];

/// Names of the local machine and of container and cluster internals: a URL or a bare host
/// aimed at them is server-side request forgery.
const INTERNAL_HOSTS: &[&str] = &[
    "localhost",
    "localhost.localdomain",
    "localhost4",
    "localhost6",
    "localhost4.localdomain4",
    "localhost6.localdomain6",
    "ip6-localhost",
    "ip6-loopback",
    "ipv6-localhost",
    "host.docker.internal",
    "gateway.docker.internal",
    "kubernetes.docker.internal",
    "host.containers.internal",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
    "kubernetes.default",
    "localtest.me",
    "lvh.me",
];

/// Parameter names of well-known include vulnerabilities, followed by `=` and a URL.
const INCLUDE_PARAMS: &[&str] = &[
    "mosconfig_absolute_path=",
    "_conf[path]=",
    "_server[document_root]=",
    "gallery_basedir=",
    "path[docroot]=",
    "appserv_root=",
    "config[root_dir]=",
    "include(",
    "include_path=",
    "phpbb_root_path=",
    "absolute_path=",
];

static AC: LazyLock<(AhoCorasick, usize, usize)> = LazyLock::new(|| {
    let mut all: Vec<&str> = WEB_SCHEMES.to_vec();
    all.extend_from_slice(SSRF_SCHEMES);
    all.extend_from_slice(INCLUDE_PARAMS);
    (
        automaton(&all),
        WEB_SCHEMES.len(),
        WEB_SCHEMES.len() + SSRF_SCHEMES.len(),
    )
});

/// Whether `input` carries a remote file inclusion.
pub(crate) fn detect(input: &[u8]) -> Option<Detection> {
    if let Some(d) = unc_path(input)
        .or_else(|| bare_scheme_question(input))
        .or_else(|| internal_host(input))
    {
        return Some(d);
    }
    if !input.contains(&b':') && !input.contains(&b'(') {
        return None;
    }
    let (ac, web_end, ssrf_end) = &*AC;
    for m in ac.find_iter(input) {
        let idx = m.pattern().as_usize();
        let start = m.start();
        // a scheme must start a word: `xhttp://` is not one, `url:http://` is
        if is_word(before(input, start)) && idx < *ssrf_end {
            continue;
        }
        let evidence = &input[start..input.len().min(start + 64)];
        if idx < *web_end {
            let rest = &input[m.end()..];
            if host_is_ip(rest) {
                return Some(found("rfi:ip-host", evidence));
            }
            if ends_with_question_mark(rest) {
                return Some(found("rfi:trailing-question-mark", evidence));
            }
            if input[start..m.end()].eq_ignore_ascii_case(b"file://") {
                return Some(found("rfi:file-scheme", evidence));
            }
        } else if idx < *ssrf_end {
            // `jar:` needs a URL after it; the others are complete on their own
            if input[start..m.end()].eq_ignore_ascii_case(b"jar:")
                && !has_scheme_after(&input[m.end()..])
            {
                continue;
            }
            return Some(found("rfi:ssrf-scheme", evidence));
        } else {
            let rest = &input[m.end()..];
            let url_follows = WEB_SCHEMES.iter().any(|s| {
                let rest = if rest.first() == Some(&b'\'') || rest.first() == Some(&b'"') {
                    &rest[1..]
                } else {
                    rest
                };
                rest.len() >= s.len() && rest[..s.len()].eq_ignore_ascii_case(s.as_bytes())
            });
            if url_follows {
                return Some(found("rfi:include-parameter", evidence));
            }
        }
    }
    None
}

/// `http?`, `file??`: a scheme name, then only question marks.
fn bare_scheme_question(input: &[u8]) -> Option<Detection> {
    let n = input.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    let scheme = &input[..n];
    let rest = &input[n..];
    let is_scheme = [b"http".as_slice(), b"https", b"ftp", b"ftps", b"file"]
        .iter()
        .any(|s| scheme.eq_ignore_ascii_case(s));
    (is_scheme && !rest.is_empty() && rest.iter().all(|&c| c == b'?'))
        .then(|| found("rfi:trailing-question-mark", input))
}

/// `localhost/`, `http://host.docker.internal:2375/…`, `http:127.0.0.1`: a value that is a
/// URL or host on the local machine or inside the cluster.
fn internal_host(input: &[u8]) -> Option<Detection> {
    let s = input.trim_ascii();
    // after an optional `scheme:` and `//`
    let n = s
        .iter()
        .take(12)
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'+')
        .count();
    let (rest, had_scheme) = match s.get(n) {
        Some(b':') if n >= 2 && !s[..n].iter().all(u8::is_ascii_digit) => {
            let r = &s[n + 1..];
            (r.strip_prefix(b"//").unwrap_or(r), true)
        }
        _ => (s, false),
    };
    let host_end = rest
        .iter()
        .position(|&c| matches!(c, b'/' | b':' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let host = &rest[..host_end];
    let next = rest.get(host_end).copied();
    let named = INTERNAL_HOSTS
        .iter()
        .any(|h| host.eq_ignore_ascii_case(h.as_bytes()));
    // a bare name needs the shape of a URL (`localhost/`, `localhost:8080`) to tell it from a word
    if named && (had_scheme || next.is_some()) {
        return Some(found("rfi:internal-host", s));
    }
    // `http:127.0.0.1`: a scheme without `//` before an address
    if had_scheme
        && !s[n + 1..].starts_with(b"//")
        && host.iter().any(u8::is_ascii_digit)
        && parse_ipv4(host).is_some()
    {
        return Some(found("rfi:ip-host", s));
    }
    None
}

fn has_scheme_after(rest: &[u8]) -> bool {
    let n = rest.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    n >= 3 && rest.get(n) == Some(&b':')
}

/// The authority's host, after any `user:pass@`, is an IPv4 (any inet_aton spelling) or a
/// bracketed or bare IPv6 literal.
fn host_is_ip(rest: &[u8]) -> bool {
    let rest = &rest[..rest.len().min(300)];
    let end = rest
        .iter()
        .position(|&c| {
            matches!(
                c,
                b'/' | b'?' | b'#' | b'\\' | b' ' | b'"' | b'\'' | b'<' | b'>' | b'&'
            )
        })
        .unwrap_or(rest.len());
    let authority = &rest[..end];
    let host = match authority.iter().rposition(|&c| c == b'@') {
        Some(p) => &authority[p + 1..],
        None => authority,
    };
    if host.first() == Some(&b'[') {
        return host.contains(&b':');
    }
    // bare IPv6 (`https://2001:db8::1/…`): at least two colons and only hex digits
    if host.iter().filter(|&&c| c == b':').count() >= 2
        && host.iter().all(|c| c.is_ascii_hexdigit() || *c == b':')
    {
        return true;
    }
    let host = match host.iter().position(|&c| c == b':') {
        Some(p) => &host[..p],
        None => host,
    };
    !host.is_empty() && host.iter().any(u8::is_ascii_digit) && parse_ipv4(host).is_some()
}

/// `http://x/y?` : the URL ends the value with one or more `?` (or a NUL).
fn ends_with_question_mark(rest: &[u8]) -> bool {
    let rest = &rest[..rest.len().min(512)];
    let end = rest
        .iter()
        .position(|&c| matches!(c, b' ' | b'"' | b'\'' | b'&' | b'<'))
        .unwrap_or(rest.len());
    let url = &rest[..end];
    url.len() > 1 && (url.ends_with(b"?") || url.ends_with(b"\0") || url.ends_with(b"%00"))
}

/// `\\10.0.0.1\share`: a UNC path to an address at the start of the value.
fn unc_path(input: &[u8]) -> Option<Detection> {
    let s = input.strip_prefix(b"\\\\")?;
    let end = s
        .iter()
        .position(|&c| c == b'\\' || c == b'/')
        .unwrap_or(s.len());
    let host = &s[..end];
    (at(s, end) != 0 && !host.is_empty() && (parse_ipv4(host).is_some() || host.contains(&b'@')))
        .then(|| found("rfi:unc-path", input))
}
