//! Protocol attacks carried in a value:
//!
//! - CRLF / header injection and response splitting: a line break (raw, still-encoded
//!   `%0d%0a` after the rule's decoding, or the `嘊嘍` Unicode trick) followed by a header
//!   line (`Name: value`), a status line (`HTTP/1.1 200`) or markup;
//! - a request line smuggled inside a value (`GET /x HTTP/1.1`);
//! - mail protocol commands after a line break (SMTP `MAIL FROM:`, `RCPT TO:`, IMAP/POP3);
//! - LDAP filter injection (`*)(uid=*))(|(uid=*`);
//! - `unix:` socket paths aimed at mod_proxy (CVE-2021-40438).

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use super::Detection;
use super::prefilter::{byte_table, classes};
use super::util::{at, automaton, found, hex, is_word, skip_ws};

/// Request methods a smuggled request line starts with.
const METHODS: &[&str] = &[
    "get",
    "post",
    "head",
    "put",
    "delete",
    "options",
    "connect",
    "trace",
    "track",
    "patch",
    "propfind",
    "proppatch",
    "mkcol",
    "copy",
    "move",
    "lock",
    "unlock",
];

/// Mail-protocol commands that matter after an injected line break.
const MAIL: &[&str] = &[
    "mail from:",
    "rcpt to:",
    "data",
    "ehlo ",
    "helo ",
    "auth login",
    "auth plain",
    "starttls",
    "vrfy ",
    "expn ",
    "rset",
    "quit",
];

static METHODS_AC: LazyLock<AhoCorasick> = LazyLock::new(|| {
    let pats: Vec<String> = METHODS.iter().map(|m| format!("{m} ")).collect();
    let refs: Vec<&str> = pats.iter().map(String::as_str).collect();
    automaton(&refs)
});

static MAIL_AC: LazyLock<AhoCorasick> = LazyLock::new(|| automaton(MAIL));

/// Whether `input` carries a protocol attack.
pub(crate) fn detect(input: &[u8]) -> Option<Detection> {
    // `$Version=1`: RFC 2109 cookie attributes, used to switch cookie parsers
    if input.len() >= 8
        && input[..8].eq_ignore_ascii_case(b"$version")
        && matches!(input.get(8), None | Some(b'=' | b' '))
    {
        return Some(found("protocol:cookie-version", input));
    }
    // each check runs only when the value holds a byte its attack needs
    let c = classes(input, &TRIGGERS);
    if c & BREAK != 0
        && let Some(d) = line_break_injection(input)
    {
        return Some(d);
    }
    if c & LT != 0
        && let Some(d) = meta_refresh(input)
    {
        return Some(d);
    }
    if c & SLASH != 0
        && let Some(d) = smuggled_request_line(input)
    {
        return Some(d);
    }
    if c & PAREN != 0
        && let Some(d) = ldap_injection(input)
    {
        return Some(d);
    }
    if c & BAR != 0 {
        return mod_proxy_unix(input);
    }
    None
}

/// The first byte of a line break in any spelling [`line_break`] knows.
const BREAK: u8 = 1;
/// `<meta`.
const LT: u8 = 2;
/// `HTTP/`.
const SLASH: u8 = 4;
/// LDAP filters.
const PAREN: u8 = 8;
/// `unix:…|`.
const BAR: u8 = 16;

const TRIGGERS: [u8; 256] = byte_table(&[
    (b"\r\n%\xe5\\&", BREAK),
    (b"<", LT),
    (b"/", SLASH),
    (b"()", PAREN),
    (b"|", BAR),
]);

/// A line break at `i`: its length, in any of the spellings that survive decoding.
fn line_break(input: &[u8], i: usize) -> Option<usize> {
    match input[i] {
        b'\r' | b'\n' => Some(1),
        b'%' => {
            let h = hex(at(input, i + 1))?;
            let l = hex(at(input, i + 2))?;
            match h << 4 | l {
                0x0a | 0x0d => Some(3),
                // `%250d`
                0x25 if at(input, i + 3) == b'0'
                    && matches!(at(input, i + 4), b'a' | b'A' | b'd' | b'D') =>
                {
                    Some(5)
                }
                _ => None,
            }
        }
        // U+560A / U+560D (嘊 嘍): their low bytes are LF and CR to a lossy decoder
        0xe5 if at(input, i + 1) == 0x98 && matches!(at(input, i + 2), 0x8a | 0x8d) => Some(3),
        b'\\' if matches!(at(input, i + 1), b'r' | b'n') => Some(2),
        // `&#13;` `&#10;` `&#x0d;`: entities left in XML or HTML
        b'&' if at(input, i + 1) == b'#' => {
            let rest = &input[i + 2..];
            let (digits, radix) = if matches!(rest.first(), Some(b'x' | b'X')) {
                (&rest[1..], 16)
            } else {
                (rest, 10)
            };
            let n = digits
                .iter()
                .take(6)
                .take_while(|c| c.is_ascii_hexdigit())
                .count();
            let value = std::str::from_utf8(&digits[..n])
                .ok()
                .and_then(|d| u32::from_str_radix(d, radix).ok());
            let prefix = 2 + usize::from(radix == 16);
            (matches!(value, Some(10 | 13)) && digits.get(n) == Some(&b';'))
                .then_some(prefix + n + 1)
        }
        _ => None,
    }
}

fn line_break_injection(input: &[u8]) -> Option<Detection> {
    let mut i = 0;
    while i < input.len() {
        if TRIGGERS[usize::from(input[i])] & BREAK == 0 {
            i += 1;
            continue;
        }
        let Some(n) = line_break(input, i) else {
            i += 1;
            continue;
        };
        let start = i;
        // the whole run of breaks
        let mut j = i + n;
        let mut breaks = 1;
        while j < input.len() {
            match line_break(input, j) {
                Some(n) => {
                    j += n;
                    breaks += 1;
                }
                None => break,
            }
        }
        let escaped = input[start] == b'\\';
        let line = &input[j..];
        let line = &line[..line
            .iter()
            .position(|&c| c == b'\r' || c == b'\n')
            .unwrap_or(line.len())];
        let evidence = &input[start..input.len().min(j + 40)];
        if !escaped && header_line(line) {
            return Some(found("protocol:header-injection", evidence));
        }
        if status_or_request_line(line) {
            return Some(found("protocol:response-splitting", evidence));
        }
        if !escaped && breaks >= 2 && starts_markup(line) {
            return Some(found("protocol:response-splitting", evidence));
        }
        if !escaped
            && let Some(m) = MAIL_AC.find(line)
            && m.start() == 0
            && mail_command_complete(line, m.end())
        {
            return Some(found("protocol:mail-command-injection", evidence));
        }
        i = j;
    }
    None
}

/// `Name: value` with a header-like name; `Name:` at the end also counts.
fn header_line(line: &[u8]) -> bool {
    let line = &line[line
        .iter()
        .position(|&c| c != b' ' && c != b'\t')
        .unwrap_or(line.len())..];
    let name_len = line
        .iter()
        .take_while(|&&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        .count();
    if name_len < 2 || at(line, name_len) != b':' {
        return false;
    }
    let name = &line[..name_len];
    let known = KNOWN_HEADERS.iter().any(|h| name.eq_ignore_ascii_case(h));
    // an unknown name needs the shape of one (`X-Foo`, `Foo-Bar`, `InjectedHeader`) to tell
    // it from prose (`Note: …`)
    let camel =
        name[1..].iter().any(u8::is_ascii_uppercase) && name.iter().any(u8::is_ascii_lowercase);
    known
        || camel
        || (name.contains(&b'-') && name[0].is_ascii_alphabetic() && !name.ends_with(b"-"))
}

const KNOWN_HEADERS: &[&[u8]] = &[
    b"set-cookie",
    b"location",
    b"content-type",
    b"content-length",
    b"cookie",
    b"host",
    b"refresh",
    b"content-disposition",
    b"x-xss-protection",
    b"access-control-allow-origin",
    b"transfer-encoding",
    b"connection",
    b"cache-control",
    b"authorization",
    b"referer",
    b"user-agent",
    b"x-forwarded-for",
    b"content-security-policy",
    b"link",
    b"server",
    b"expires",
    b"pragma",
    b"vary",
    b"etag",
    b"accept",
    b"upgrade",
    b"te",
    b"trailer",
    b"via",
    b"warning",
    b"www-authenticate",
];

/// `HTTP/1.1 200 OK`, or `GET /x HTTP/1.1` right after a break.
fn status_or_request_line(line: &[u8]) -> bool {
    let l = &line[skip_ws(line, 0)..];
    if l.len() >= 6 && l[..5].eq_ignore_ascii_case(b"http/") && l[5].is_ascii_digit() {
        return true;
    }
    METHODS_AC
        .find(l)
        .is_some_and(|m| m.start() == 0 && request_line_rest(&l[m.end()..]))
}

/// `<html`, `<script`, `<body`: a body injected after a blank line.
fn starts_markup(line: &[u8]) -> bool {
    let l = &line[skip_ws(line, 0)..];
    l.first() == Some(&b'<')
        && l.get(1)
            .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'!')
}

fn mail_command_complete(line: &[u8], end: usize) -> bool {
    let cmd = &line[..end];
    if cmd.ends_with(b":") || cmd.ends_with(b" ") {
        // an argument follows (`MAIL FROM:<a@b>`, `EHLO host`, `a1 LOGIN`)
        end < line.len() && line[end..].iter().any(|&c| c != b' ')
    } else {
        // a command on its own (`QUIT`, `DATA`, `RSET`)
        line[end..]
            .iter()
            .all(|&c| c == b' ' || c == b'\r' || c == b'\n')
    }
}

/// After `GET `: a target, a space and `HTTP/d`.
fn request_line_rest(rest: &[u8]) -> bool {
    let target_len = rest
        .iter()
        .take_while(|&&c| c != b' ' && c != b'\r' && c != b'\n')
        .count();
    if target_len == 0 {
        return false;
    }
    let after = &rest[target_len..];
    let after = &after[skip_ws(after, 0)..];
    after.len() >= 6 && after[..5].eq_ignore_ascii_case(b"http/") && after[5].is_ascii_digit()
}

/// `GET /x HTTP/1.1` anywhere in a value, at a word start.
fn smuggled_request_line(input: &[u8]) -> Option<Detection> {
    if !memchr::memchr_iter(b'/', input)
        .any(|p| p >= 4 && input[p - 4..p].eq_ignore_ascii_case(b"http"))
    {
        return None;
    }
    for m in METHODS_AC.find_iter(input) {
        if m.start() > 0 && is_word(input[m.start() - 1]) {
            continue;
        }
        let rest = &input[m.end()..];
        let target_ok = rest.first().is_some_and(|&c| c == b'/' || c == b'*')
            || rest
                .iter()
                .take_while(|&&c| c != b' ')
                .collect::<Vec<_>>()
                .windows(3)
                .any(|w| *w[0] == b':' && *w[1] == b'/' && *w[2] == b'/');
        if target_ok && request_line_rest(rest) {
            return Some(found(
                "protocol:smuggled-request-line",
                &input[m.start()..input.len().min(m.end() + 40)],
            ));
        }
    }
    None
}

/// LDAP filter injection: a closing parenthesis followed by a new filter (`)(`, `)(|`,
/// `)&(`, `)!(`, with optional spaces) that tests an attribute, is a bare operator, or ends
/// the value; or a value that opens a composite filter or closes filters it did not open.
fn ldap_injection(input: &[u8]) -> Option<Detection> {
    let ws = |mut j: usize| {
        while matches!(at(input, j), b' ' | b'\t') {
            j += 1;
        }
        j
    };
    for close in memchr::memchr_iter(b')', input) {
        let mut j = ws(close + 1);
        let mut op = false;
        if matches!(at(input, j), b'&' | b'|' | b'!') {
            op = true;
            j = ws(j + 1);
        }
        if at(input, j) != b'(' {
            continue;
        }
        let mut k = ws(j + 1);
        while matches!(at(input, k), b'&' | b'|' | b'!' | b'(') {
            op = true;
            k = ws(k + 1);
        }
        let attr = input[k..]
            .iter()
            .take_while(|&&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b';' | b'_'))
            .count();
        let after = at(input, k + attr);
        let attr_test = attr > 0
            && (after == b'='
                || (matches!(after, b'~' | b'>' | b'<' | b':')
                    && input[k + attr..].iter().take(40).any(|&c| c == b'=')));
        let ends = k >= input.len() || (op && at(input, k) == b')');
        if attr_test || ends && (op || k >= input.len() && close + 1 < input.len()) {
            return Some(found(
                "protocol:ldap-injection",
                &input[close.saturating_sub(8)..input.len().min(close + 32)],
            ));
        }
    }
    // `*)(`…, `(|(uid=*))`, `*))%00`: the value closes filters it did not open
    let s = &input[skip_ws(input, 0)..];
    if (s.starts_with(b"*)") || s.starts_with(b"*))"))
        && s.len() > 2
        && matches!(at(s, 2), b'(' | b')' | b'|' | b'&' | 0)
    {
        return Some(found("protocol:ldap-injection", s));
    }
    if (s.starts_with(b"(|(") || s.starts_with(b"(&(") || s.starts_with(b"(!("))
        && s.contains(&b'=')
    {
        return Some(found("protocol:ldap-injection", s));
    }
    None
}

/// `<meta http-equiv="refresh" …>`: a redirect injected into a page.
fn meta_refresh(input: &[u8]) -> Option<Detection> {
    memchr::memchr(b'<', input)?;
    let p = input
        .windows(5)
        .position(|w| w.eq_ignore_ascii_case(b"<meta"))?;
    let rest = &input[p..input.len().min(p + 200)];
    rest.windows(10)
        .any(|w| w.eq_ignore_ascii_case(b"http-equiv"))
        .then(|| found("protocol:meta-refresh", rest))
}

/// `unix:/run/x.sock|http://…`: mod_proxy's socket syntax in a request.
fn mod_proxy_unix(input: &[u8]) -> Option<Detection> {
    memchr::memchr(b'|', input)?;
    let p = memchr::memmem::find(input, b"unix:")?;
    if p > 0 && is_word(input[p - 1]) {
        return None;
    }
    let rest = &input[p..];
    let bar = rest.iter().position(|&c| c == b'|')?;
    let after = &rest[bar + 1..];
    (after.len() > 4
        && after.iter().take_while(|c| c.is_ascii_alphabetic()).count() >= 2
        && after.windows(3).any(|w| w == b"://"))
    .then(|| {
        found(
            "protocol:mod-proxy-unix-socket",
            &rest[..rest.len().min(64)],
        )
    })
}

#[cfg(test)]
mod tests {
    use super::detect;

    fn hit(s: &str) -> bool {
        detect(s.as_bytes()).is_some()
    }

    #[test]
    fn attacks() {
        for s in [
            "foo\r\nSet-Cookie: a=b",
            "x%0d%0aLocation: http://evil",
            "x%0aX-Injected: 1",
            "en\r\n\r\n<html>owned</html>",
            "x\r\nHTTP/1.1 200 OK",
            "x\nContent-Length: 0",
            "嘊嘍Set-Cookie: crlf=injection",
            "%250d%250aSet-Cookie:x=1",
            "GET /admin HTTP/1.1",
            "x\r\nGET /a HTTP/1.0",
            "\r\nMAIL FROM:<a@b.com>",
            "\r\nRCPT TO:<victim@x>",
            "%0d%0aEHLO test.com",
            "*)(uid=*))(|(uid=*",
            "admin)(&(password=*)",
            "*)(objectClass=*",
            "(|(uid=*)(cn=*))",
            "unix:/run/x.sock|http://backend/",
            "foobar&#13;&#10;Content-Length: 0",
            "Headerdata\rInjectedHeader: response_splitting_code",
            "eb9adbd87d)!(sn=*",
            "admin)(|",
            "val)&(cn=admin",
            "test) ( & ",
            "bar)(&)",
            "$Version=1",
            "foobar<meta http-equiv=\"Refresh\" content=\"0; url=http://x/\">",
        ] {
            assert!(hit(s), "{s}");
        }
    }

    #[test]
    fn benign() {
        for s in [
            "line one\nline two",
            "Dear Sir,\r\nNote: the meeting is at 10.\r\nThanks",
            "Hello\r\n\r\nRegards",
            "We received this mail from Mars",
            "I will get the HTTP/2 upgrade done",
            "get this done",
            "(a+b)(c+d)",
            "f(x)(y)",
            "Call me (555)(123)",
            "see RFC 2616 (HTTP/1.1)",
            "item\r\nsubject to change",
            "a:b:c",
            "Posted at 10:00\nRe: your order",
            "smiley :)(:",
            "unix: the best OS",
        ] {
            assert!(!hit(s), "{s}");
        }
    }
}
