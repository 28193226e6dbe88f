//! The request head: one pass over the bytes, classification on the way, framing at the end.
//!
//! Lenient where the request can still be framed and forwarded without the target seeing
//! something different from what we saw (obs-fold, bare LF, odd header names, spaces in the
//! target, duplicate Content-Length, TE with CL): those parse and are classified, and the
//! per-header flags tell the proxy what it must not forward verbatim. Strict where it cannot:
//! see [`parse_request`] for the safety floor.

use super::chars::{self, AWS_NAME, TCHAR};
use super::classify::{Classification, Reason, suspicious_framing_name};
use super::{
    ConnTokens, Header, HeaderFlags, Limits, Line, Overflow, ParseError, Span, Status, Version,
    fast_field, next_line, parse_content_length, trim_ows,
};

/// How the request body is delimited.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum BodyFraming {
    /// No body.
    #[default]
    None,
    /// Exactly this many bytes follow the head.
    ContentLength(u64),
    /// A chunked body follows; feed it to a [`super::ChunkedScanner`].
    Chunked,
}

/// A parsed request head: spans into the caller's buffer. Reused across requests on a
/// connection: [`RequestHead::clear`] keeps the header vector's capacity.
#[derive(Clone, Debug, Default)]
pub struct RequestHead {
    /// The method (a validated token).
    pub method: Span,
    /// The request-target as sent.
    pub target: Span,
    /// The path: the target before `?` for origin-form; the path part of absolute-form (empty
    /// when the absolute-form target has none, meaning `/`); `*` for `OPTIONS *`.
    pub path: Span,
    /// The query after `?` (without it), if there was a `?`.
    pub query: Option<Span>,
    /// The authority of an absolute-form target.
    pub authority: Option<Span>,
    /// The version.
    pub version: Version,
    /// The header fields in order (obs-fold continuations are merged into their field).
    pub headers: Vec<Header>,
    /// Bytes of the head, including any empty lines before the request line and the final
    /// empty line: the body (or the next pipelined request) starts here.
    pub head_len: usize,
    /// The host to route on, without port: from the absolute-form authority when there is one
    /// (RFC 9112 §3.2.2: it overrides Host, so the proxy must forward this host), else from the
    /// Host header.
    pub host: Option<Span>,
    /// The port of that host, if one was given.
    pub host_port: Option<u16>,
    /// How the body is delimited.
    pub framing: BodyFraming,
    /// Whether the client connection may be reused after this request: per version and
    /// Connection header, and never after a request that had both Transfer-Encoding and
    /// Content-Length or an HTTP/1.0 request with Transfer-Encoding (RFC 9112 §6.1).
    pub keep_alive: bool,
    /// `Connection: upgrade` and an Upgrade header are both present.
    pub upgrade: bool,
    /// `Expect: 100-continue`.
    pub expect_continue: bool,
    /// The desync verdict.
    pub classification: Classification,
    has_content_length: bool,
}

impl RequestHead {
    /// Resets for the next request, keeping capacity.
    pub fn clear(&mut self) {
        let mut headers = std::mem::take(&mut self.headers);
        headers.clear();
        *self = RequestHead {
            headers,
            ..RequestHead::default()
        };
    }

    /// The first header named `name` (ASCII case-insensitive).
    pub fn header<'b>(&self, buf: &'b [u8], name: &str) -> Option<&'b [u8]> {
        let name = name.as_bytes();
        self.headers
            .iter()
            .find(|h| h.name.len() == name.len() && h.name.of(buf).eq_ignore_ascii_case(name))
            .map(|h| h.value.of(buf))
    }

    /// The method as text (methods are validated tokens, so this never fails on a parsed head).
    pub fn method_str<'b>(&self, buf: &'b [u8]) -> &'b str {
        std::str::from_utf8(self.method.of(buf)).unwrap_or("")
    }

    /// Whether the request carried Content-Length that chunked framing overrides: the proxy
    /// must not forward it (RFC 9112 §6.3); those fields are also flagged
    /// [`Header::must_drop`].
    pub fn forward_strips_content_length(&self) -> bool {
        self.framing == BodyFraming::Chunked && self.has_content_length
    }
}

/// What the Transfer-Encoding fields said.
#[derive(Default)]
struct TeState {
    /// Any exactly-named Transfer-Encoding field.
    present: bool,
    /// A coding outside chunked, identity, gzip, deflate, compress (or chunked with params).
    unknown: bool,
    /// gzip, deflate or compress: valid, but the ALB only proxies chunked and identity.
    unsupported: bool,
    chunked: u32,
}

/// Running state for classification of the framing fields across exact and look-alike names,
/// as http-desync-guardian counts them.
#[derive(Default)]
struct FramingClass {
    te_any: bool,
    te_chunked_seen: bool,
    cl_first: Option<u64>,
    te: Classification,
    cl: Classification,
}

impl FramingClass {
    fn te_value(&mut self, buf: &[u8], vs: usize, ve: usize, exact: Option<&mut TeState>) {
        self.te_any = true;
        let mut exact = exact;
        for el in buf[vs..ve].split(|&b| b == b',') {
            let (s, e) = trim_ows(el, 0, el.len());
            let el = &el[s..e];
            let (coding, has_params) = match memchr::memchr(b';', el) {
                Some(i) => {
                    let (s, e) = trim_ows(el, 0, i);
                    (&el[s..e], true)
                }
                None => (el, false),
            };
            let known = KNOWN_CODINGS
                .iter()
                .position(|c| coding.eq_ignore_ascii_case(c));
            match known {
                Some(0) => {
                    if self.te_chunked_seen {
                        self.te.add(Reason::MultipleTransferEncodingChunked);
                    }
                    self.te_chunked_seen = true;
                }
                Some(_) => {}
                None => self.te.add(Reason::BadTransferEncoding),
            }
            if let Some(t) = exact.as_deref_mut() {
                if el.is_empty() {
                    continue; // RFC 9110 §5.6.1: empty list elements do not count
                }
                match known {
                    Some(0) if !has_params => t.chunked += 1,
                    Some(1) if !has_params => {}
                    Some(2..) if !has_params => t.unsupported = true,
                    _ => t.unknown = true,
                }
            }
        }
    }

    fn cl_value(&mut self, n: Option<u64>) {
        match (n, self.cl_first) {
            (None, _) => self.cl.add(Reason::BadContentLength),
            (Some(n), Some(first)) if n != first => self.cl.add(Reason::MultipleContentLength),
            (Some(_), Some(_)) => self.cl.add(Reason::DuplicateContentLength),
            (Some(n), None) => self.cl_first = Some(n),
        }
    }
}

const KNOWN_CODINGS: [&[u8]; 5] = [b"chunked", b"identity", b"gzip", b"deflate", b"compress"];

/// Parses a request head from the start of `buf` into `head`.
///
/// `Ok(Partial)` means more bytes are needed; the limits are enforced on what is there (a
/// request line longer than `max_request_line` with no line ending yet fails at once).
///
/// # Safety floor
/// Some requests are refused in every desync mode, although AWS's monitor mode would forward
/// them: a proxy cannot forward what it cannot frame, or pass on bytes the target may split
/// differently, without becoming the desync itself. These are:
/// - a body length that cannot be determined: exactly-named Content-Length fields that are
///   unparsable (`Malformed(BadContentLength)`) or disagree (`Malformed(MultipleContentLength)`),
///   a Transfer-Encoding with an unknown coding (`Malformed(BadTransferEncoding)`; a known but
///   unsupported one such as gzip is `UnsupportedTransferEncoding`, 501, like the ALB);
/// - NUL or a bare CR in a header (`Malformed(BadHeader)`) or in the target
///   (`Malformed(BadUri)`): RFC 9110 §5.5 lets a recipient reject or rewrite them, and spans
///   cannot rewrite;
/// - a method that is not a token (`Malformed(BadMethod)`), a version that is not
///   `HTTP/1.<digit>` (`Malformed(BadVersion)`), no request-target (`Malformed(MissingUri)`),
///   a target in none of origin-, absolute- or asterisk-form (`Malformed(BadUri)`).
///
/// The reason inside `Malformed` is the desync code the access log should show.
pub fn parse_request(
    buf: &[u8],
    limits: &Limits,
    head: &mut RequestHead,
) -> Result<Status, ParseError> {
    head.clear();
    let lim = limits.clamped();
    let mut parse_cls = Classification::default();
    let mut line_cls = Classification::default();

    // RFC 9112 §2.2: ignore empty lines before the request line (left over after a body).
    let mut p = 0;
    loop {
        match buf.get(p) {
            Some(b'\n') => p += 1,
            Some(b'\r') if buf.get(p + 1) == Some(&b'\n') => p += 2,
            Some(b'\r') if p + 1 == buf.len() => return Ok(Status::Partial),
            None => return Ok(Status::Partial),
            _ => break,
        }
        if p > lim.max_head {
            return Err(ParseError::HeadTooLarge);
        }
    }

    // ---- request line ----
    let line_start = p;
    let (line_end, next) = match next_line(buf, p, lim.max_request_line, lim.max_head) {
        Ok(Line::Found { end, next, bare_lf }) => {
            if bare_lf {
                parse_cls.add(Reason::NonCrLfLineTermination);
            }
            (end, next)
        }
        Ok(Line::Partial) => {
            early_method_check(&buf[line_start..])?;
            return Ok(Status::Partial);
        }
        Err(Overflow::Head) => return Err(ParseError::HeadTooLarge),
        Err(Overflow::Line) => {
            let rest = &buf[line_start..];
            let line = memchr::memchr(b'\n', rest).map_or(rest, |lf| &rest[..lf]);
            return Err(line_too_long(line));
        }
    };
    let line = &buf[line_start..line_end];

    // method
    let mut i = 0;
    while i < line.len() && chars::is_tchar(line[i]) {
        i += 1;
    }
    if i == 0 || (i < line.len() && line[i] != b' ') {
        return Err(ParseError::Malformed(Reason::BadMethod));
    }
    if i == line.len() {
        return Err(ParseError::Malformed(Reason::MissingUri));
    }
    let method = &line[..i];
    if method == b"CONNECT" {
        return Err(ParseError::MethodNotAllowed);
    }
    head.method = Span::new(line_start, line_start + i);

    // version: after the last space; whitespace after it is tolerated but non-compliant
    let rest_start = i + 1;
    let (_, mut rest_end) = trim_ows(line, rest_start, line.len());
    if rest_end < rest_start {
        rest_end = rest_start;
    }
    let version_ws = rest_end != line.len();
    let rest = &line[rest_start..rest_end];
    let Some(sp) = memchr::memrchr(b' ', rest) else {
        return Err(if rest.starts_with(b"HTTP/") {
            ParseError::Malformed(Reason::MissingUri)
        } else {
            // HTTP/0.9: no version, no headers. Nothing downstream speaks it.
            ParseError::UnsupportedVersion
        });
    };
    let version = &rest[sp + 1..];
    head.version = match version {
        b"HTTP/1.1" => Version::Http11,
        b"HTTP/1.0" => Version::Http10,
        [b'H', b'T', b'T', b'P', b'/', b'1', b'.', d] if d.is_ascii_digit() => {
            line_cls.add(Reason::NonCompliantVersion);
            Version::Http11
        }
        // well-formed, just not ours: HTTP/0.9, HTTP/2, HTTP/2.0, HTTP/3 …
        [b'H', b'T', b'T', b'P', b'/', major] if major.is_ascii_digit() => {
            return Err(ParseError::UnsupportedVersion);
        }
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit() =>
        {
            return Err(ParseError::UnsupportedVersion);
        }
        _ => return Err(ParseError::Malformed(Reason::BadVersion)),
    };
    if version_ws {
        line_cls.add(Reason::NonCompliantVersion);
    }

    // target
    let ts = line_start + rest_start;
    let te = ts + sp;
    if ts == te {
        return Err(ParseError::Malformed(Reason::MissingUri));
    }
    head.target = Span::new(ts, te);
    parse_target(buf, ts, te, method, head, &mut line_cls)?;

    // ---- header fields ----
    let mut hdr_cls = Classification::default();
    let mut fc = FramingClass::default();
    let mut te_state = TeState::default();
    let mut cl_exact: Option<u64> = None;
    let mut cl_exact_bad = false;
    let mut cl_exact_conflict = false;
    let mut conn = ConnTokens::default();
    let mut has_upgrade = false;
    let mut host_seen = false;
    let mut p = next;
    loop {
        let mut flags = HeaderFlags::default();
        let (name_end, vs, ve, next) = match fast_field(buf, p, &lim) {
            Some(f) => {
                if f.bare_lf {
                    parse_cls.add(Reason::NonCrLfLineTermination);
                }
                flags.set(HeaderFlags::AWS_NAME | HeaderFlags::TOKEN_NAME);
                (f.name_end, f.vs, f.ve, f.next)
            }
            None => {
                let (end, next) = match next_line(buf, p, lim.max_header, lim.max_head) {
                    Ok(Line::Found { end, next, bare_lf }) => {
                        if bare_lf {
                            parse_cls.add(Reason::NonCrLfLineTermination);
                        }
                        (end, next)
                    }
                    Ok(Line::Partial) => return Ok(Status::Partial),
                    Err(Overflow::Line) => return Err(ParseError::HeaderTooLarge),
                    Err(Overflow::Head) => return Err(ParseError::HeadTooLarge),
                };
                if end == p {
                    head.head_len = next;
                    break;
                }
                let first = buf[p];
                if first == b' ' || first == b'\t' {
                    fold_line(
                        buf,
                        p,
                        end,
                        lim.max_headers,
                        head,
                        &mut parse_cls,
                        &mut hdr_cls,
                        &mut fc,
                    )?;
                    p = next;
                    continue;
                }
                let mut n = p;
                while n < end && chars::NAME[buf[n] as usize] & AWS_NAME != 0 {
                    n += 1;
                }
                let (name_end, value_start) = if n < end && buf[n] == b':' && n > p {
                    flags.set(HeaderFlags::AWS_NAME | HeaderFlags::TOKEN_NAME);
                    (n, n + 1)
                } else {
                    match memchr::memchr(b':', &buf[n..end]) {
                        Some(c) => {
                            let c = n + c;
                            classify_odd_name(buf, p, c, &mut flags, &mut hdr_cls)?;
                            (c, c + 1)
                        }
                        None => {
                            parse_cls.add(Reason::MissingHeaderColon);
                            classify_odd_name(buf, p, end, &mut flags, &mut hdr_cls)?;
                            flags.set(HeaderFlags::DROP);
                            (end, end)
                        }
                    }
                };
                let (vs, ve) = trim_ows(buf, value_start, end);
                if let Some(k) = chars::first_ctl(&buf[vs..ve], 0x20) {
                    check_value_ctl(&buf[vs + k..ve], &mut flags, &mut hdr_cls)?;
                }
                (name_end, vs, ve, next)
            }
        };

        if head.headers.len() >= lim.max_headers {
            return Err(ParseError::TooManyHeaders);
        }
        let name = &buf[p..name_end];
        match name.len() {
            14 if name.eq_ignore_ascii_case(b"content-length") => {
                let v = parse_content_length(&buf[vs..ve]);
                fc.cl_value(v);
                head.has_content_length = true;
                match (v, cl_exact) {
                    (None, _) => cl_exact_bad = true,
                    (Some(v), Some(c)) if v != c => cl_exact_conflict = true,
                    (Some(_), Some(_)) => flags.set(HeaderFlags::DROP),
                    (Some(v), None) => cl_exact = Some(v),
                }
            }
            17 if name.eq_ignore_ascii_case(b"transfer-encoding") => {
                te_state.present = true;
                fc.te_value(buf, vs, ve, Some(&mut te_state));
            }
            4 if name.eq_ignore_ascii_case(b"host") => {
                if host_seen {
                    return Err(ParseError::InvalidHost);
                }
                host_seen = true;
                if vs < ve {
                    let (h, port) = parse_host(buf, vs, ve)?;
                    if head.authority.is_none() {
                        head.host = Some(h);
                        head.host_port = port;
                    }
                }
            }
            10 if name.eq_ignore_ascii_case(b"connection") => conn.scan(&buf[vs..ve]),
            7 if name.eq_ignore_ascii_case(b"upgrade") => has_upgrade = true,
            6 if name.eq_ignore_ascii_case(b"expect") => {
                head.expect_continue |= buf[vs..ve].eq_ignore_ascii_case(b"100-continue");
            }
            _ => {
                if let Some(is_te) = suspicious_framing_name(name) {
                    hdr_cls.add(Reason::SuspiciousHeader);
                    flags.set(HeaderFlags::DROP);
                    if is_te {
                        fc.te_value(buf, vs, ve, None);
                    } else {
                        fc.cl_value(parse_content_length(&buf[vs..ve]));
                    }
                }
            }
        }
        head.headers.push(Header {
            name: Span::new(p, name_end),
            value: Span::new(vs, ve),
            flags,
        });
        p = next;
    }

    // ---- classification, in http-desync-guardian's order ----
    let mut cls = parse_cls;
    cls.merge(&hdr_cls);
    let mut framing_cls = Classification::default();
    if head.version == Version::Http10 && fc.te_any {
        framing_cls.add(Reason::UndefinedTransferEncodingSemantics);
    } else {
        framing_cls.merge(&fc.te);
        framing_cls.merge(&fc.cl);
        if method == b"GET" || method == b"HEAD" {
            if fc.te_any {
                framing_cls.add(Reason::UndefinedTransferEncodingSemantics);
            }
            match fc.cl_first {
                Some(0) => framing_cls.add(Reason::GetHeadZeroContentLength),
                Some(_) => framing_cls.add(Reason::UndefinedContentLengthSemantics),
                None => {}
            }
        }
        if fc.te_any && fc.cl_first.is_some() {
            framing_cls.add(Reason::BothTeClPresent);
        }
    }
    cls.merge(&framing_cls);
    cls.merge(&line_cls);
    head.classification = cls;

    // ---- framing, from exactly-named fields only (look-alikes are dropped) ----
    let mut keep_alive = match head.version {
        Version::Http11 => !conn.close,
        Version::Http10 => conn.keep_alive && !conn.close,
    };
    if te_state.present {
        if te_state.unknown {
            return Err(ParseError::Malformed(Reason::BadTransferEncoding));
        }
        if te_state.unsupported {
            return Err(ParseError::UnsupportedTransferEncoding);
        }
    }
    if te_state.present && te_state.chunked > 0 {
        // Only chunked and identity codings remain, and the last real one is chunked.
        head.framing = BodyFraming::Chunked;
        if head.has_content_length || head.version == Version::Http10 {
            keep_alive = false;
        }
        for h in &mut head.headers {
            if h.name.len() == 14 && h.name.of(buf).eq_ignore_ascii_case(b"content-length") {
                h.flags.set(HeaderFlags::DROP);
            }
        }
    } else {
        if te_state.present {
            // identity only: no coding at all, so the field must not reach the target
            for h in &mut head.headers {
                if h.name.len() == 17 && h.name.of(buf).eq_ignore_ascii_case(b"transfer-encoding") {
                    h.flags.set(HeaderFlags::DROP);
                }
            }
            if head.has_content_length {
                keep_alive = false;
            }
        }
        if cl_exact_bad {
            return Err(ParseError::Malformed(Reason::BadContentLength));
        }
        if cl_exact_conflict {
            return Err(ParseError::Malformed(Reason::MultipleContentLength));
        }
        head.framing = match cl_exact {
            Some(n) => BodyFraming::ContentLength(n),
            None => BodyFraming::None,
        };
    }
    head.keep_alive = keep_alive;
    head.upgrade = conn.upgrade && has_upgrade;
    Ok(Status::Complete)
}

/// On a request line still without its end, a method byte that is not a token char fails at
/// once (a TLS ClientHello sent to a plain-HTTP port, for one), as the full parse would.
fn early_method_check(line: &[u8]) -> Result<(), ParseError> {
    for (i, &b) in line.iter().enumerate() {
        if b == b' ' {
            return if i == 0 {
                Err(ParseError::Malformed(Reason::BadMethod))
            } else {
                Ok(())
            };
        }
        let trailing_cr = b == b'\r' && i + 1 == line.len();
        if !(chars::is_tchar(b) || trailing_cr) {
            return Err(ParseError::Malformed(Reason::BadMethod));
        }
    }
    Ok(())
}

/// 414 when the target is what made the line long: a method, a space, then the target up to
/// the end of what we have or a short tail (the version). Anything else is a 400.
fn line_too_long(line: &[u8]) -> ParseError {
    let method = line.iter().take_while(|&&b| chars::is_tchar(b)).count();
    if method == 0 || line.get(method) != Some(&b' ') {
        return ParseError::RequestLineTooLong;
    }
    let rest = &line[method + 1..];
    match memchr::memchr(b' ', rest) {
        None => ParseError::UriTooLong,
        Some(sp) if rest.len() - sp <= 16 => ParseError::UriTooLong,
        Some(_) => ParseError::RequestLineTooLong,
    }
}

fn parse_target(
    buf: &[u8],
    ts: usize,
    te: usize,
    method: &[u8],
    head: &mut RequestHead,
    cls: &mut Classification,
) -> Result<(), ParseError> {
    let t = &buf[ts..te];
    // Character classes first: a NUL or CR anywhere is refused whatever the form.
    if let Some(k) = chars::first_ctl(t, 0x21) {
        for &b in &t[k..] {
            match chars::URI[b as usize] {
                chars::URI_BAD => return Err(ParseError::Malformed(Reason::BadUri)),
                chars::URI_SPACE => cls.add(Reason::SpaceInUri),
                chars::URI_CTL => cls.add(Reason::AmbiguousUri),
                _ => {}
            }
        }
    }
    let path_start = match t[0] {
        b'/' => ts,
        b'*' if t.len() == 1 && method == b"OPTIONS" => {
            head.path = Span::new(ts, te);
            return Ok(());
        }
        _ => {
            let scheme_len = if t.len() >= 7 && t[..7].eq_ignore_ascii_case(b"http://") {
                7
            } else if t.len() >= 8 && t[..8].eq_ignore_ascii_case(b"https://") {
                8
            } else {
                return Err(ParseError::Malformed(Reason::BadUri));
            };
            let a_start = ts + scheme_len;
            let a_end = buf[a_start..te]
                .iter()
                .position(|&b| matches!(b, b'/' | b'?' | b'#'))
                .map_or(te, |k| a_start + k);
            if a_start == a_end || memchr::memchr(b'@', &buf[a_start..a_end]).is_some() {
                // RFC 9110 §4.2.4: userinfo in an http(s) URI is an error
                return Err(ParseError::Malformed(Reason::BadUri));
            }
            let (h, port) = parse_host(buf, a_start, a_end)
                .map_err(|_| ParseError::Malformed(Reason::BadUri))?;
            head.authority = Some(Span::new(a_start, a_end));
            head.host = Some(h);
            head.host_port = port;
            a_end
        }
    };
    match memchr::memchr(b'?', &buf[path_start..te]) {
        Some(q) => {
            head.path = Span::new(path_start, path_start + q);
            head.query = Some(Span::new(path_start + q + 1, te));
        }
        None => head.path = Span::new(path_start, te),
    }
    Ok(())
}

/// `host[:port]`, `[v6][:port]`. The host keeps IPv6 brackets.
fn parse_host(buf: &[u8], s: usize, e: usize) -> Result<(Span, Option<u16>), ParseError> {
    let v = &buf[s..e];
    let host_end = if v.first() == Some(&b'[') {
        let close = memchr::memchr(b']', v).ok_or(ParseError::InvalidHost)?;
        close + 1
    } else {
        memchr::memchr(b':', v).unwrap_or(v.len())
    };
    let host = &v[..host_end];
    let host_ok = !host.is_empty()
        && host.iter().all(|&b| {
            b.is_ascii_alphanumeric()
                || matches!(b, b'.' | b'-' | b'_' | b'[' | b']' | b':' | b'%')
                || b >= 0x80
                || matches!(
                    b,
                    b'!' | b'$'
                        | b'&'
                        | b'\''
                        | b'('
                        | b')'
                        | b'*'
                        | b'+'
                        | b','
                        | b';'
                        | b'='
                        | b'~'
                )
        });
    if !host_ok {
        return Err(ParseError::InvalidHost);
    }
    let port = match &v[host_end..] {
        [] => None,
        [b':', digits @ ..] if !digits.is_empty() && digits.len() <= 5 => {
            let n = parse_content_length(digits).ok_or(ParseError::InvalidHost)?;
            Some(u16::try_from(n).map_err(|_| ParseError::InvalidHost)?)
        }
        // RFC 3986 allows an empty port after the colon
        [b':'] => None,
        _ => return Err(ParseError::InvalidHost),
    };
    Ok((Span::new(s, s + host_end), port))
}

/// A header name that is not `[-A-Za-z0-9]+`: NUL or CR is refused, anything else is flagged.
fn classify_odd_name(
    buf: &[u8],
    s: usize,
    e: usize,
    flags: &mut HeaderFlags,
    cls: &mut Classification,
) -> Result<(), ParseError> {
    let name = &buf[s..e];
    let mut all = TCHAR | AWS_NAME;
    for &b in name {
        if b == 0 || b == b'\r' {
            return Err(ParseError::Malformed(Reason::BadHeader));
        }
        all &= chars::NAME[b as usize];
    }
    if all & TCHAR != 0 && !name.is_empty() {
        flags.set(HeaderFlags::TOKEN_NAME);
    } else {
        flags.set(HeaderFlags::NON_COMPLIANT);
        cls.add(Reason::NonCompliantHeader);
    }
    let (ts, te) = trim_ows(buf, s, e);
    if ts == te {
        cls.add(Reason::EmptyHeader);
        flags.set(HeaderFlags::DROP);
    }
    Ok(())
}

/// The value holds a byte below 0x20 or DEL from `tail[0]` on.
fn check_value_ctl(
    tail: &[u8],
    flags: &mut HeaderFlags,
    cls: &mut Classification,
) -> Result<(), ParseError> {
    for &b in tail {
        match chars::VALUE[b as usize] {
            chars::VAL_BAD => return Err(ParseError::Malformed(Reason::BadHeader)),
            chars::VAL_CTL => {
                flags.set(HeaderFlags::NON_COMPLIANT);
                cls.add(Reason::NonCompliantHeader);
            }
            _ => {}
        }
    }
    Ok(())
}

/// A line starting with whitespace: obs-fold of the previous field, or (right after the
/// request line) a line RFC 9112 §2.2 says to reject or ignore. Classified MultilineHeader as
/// http-desync-guardian does (which exempts Content-Type, whose media types may fold); a
/// continuation that reads like a Transfer-Encoding or Content-Length field is also
/// SuspiciousHeader. A fold inside Content-Length, Transfer-Encoding or Host is refused: the
/// target would unfold it into a value we never framed or routed on.
#[allow(clippy::too_many_arguments)] // the parser's running state, passed piecewise
fn fold_line(
    buf: &[u8],
    p: usize,
    end: usize,
    max_headers: usize,
    head: &mut RequestHead,
    parse_cls: &mut Classification,
    hdr_cls: &mut Classification,
    fc: &mut FramingClass,
) -> Result<(), ParseError> {
    let (s, e) = trim_ows(buf, p, end);
    let mut flags = HeaderFlags::default();
    if let Some(k) = chars::first_ctl(&buf[s..e], 0x20) {
        check_value_ctl(&buf[s + k..e], &mut flags, hdr_cls)?;
    }
    let colon = memchr::memchr(b':', &buf[s..e]).map(|c| s + c);
    if let Some(c) = colon
        && let Some(is_te) = suspicious_framing_name(&buf[p..c])
    {
        // desync-guardian reads such a line as a header of its own and counts its value
        hdr_cls.add(Reason::SuspiciousHeader);
        let (vs, ve) = trim_ows(buf, c + 1, end);
        if is_te {
            fc.te_value(buf, vs, ve, None);
        } else {
            fc.cl_value(parse_content_length(&buf[vs..ve]));
        }
    }
    match head.headers.last_mut() {
        Some(prev) if !prev.must_drop() => {
            let name = prev.name.of(buf);
            for refused in [&b"content-length"[..], b"transfer-encoding", b"host"] {
                if name.eq_ignore_ascii_case(refused) {
                    return Err(ParseError::Malformed(Reason::MultilineHeader));
                }
            }
            if !name.eq_ignore_ascii_case(b"content-type") {
                parse_cls.add(Reason::MultilineHeader);
            }
            prev.flags.set(HeaderFlags::FOLDED | flags.0);
            if s < e {
                if prev.value.is_empty() {
                    prev.value = Span::new(s, e);
                } else {
                    prev.value.end = e as u32;
                }
            }
        }
        _ => {
            parse_cls.add(Reason::MultilineHeader);
            if head.headers.len() >= max_headers {
                return Err(ParseError::TooManyHeaders);
            }
            // Nothing to continue: keep the line visible (for logging) but never forward it.
            let name_end = colon.unwrap_or(end);
            flags.set(HeaderFlags::DROP | HeaderFlags::NON_COMPLIANT);
            let (vs, ve) = colon.map_or((end, end), |c| trim_ows(buf, c + 1, end));
            head.headers.push(Header {
                name: Span::new(p, name_end),
                value: Span::new(vs, ve),
                flags,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
