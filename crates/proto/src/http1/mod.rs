//! HTTP/1.x: request heads with desync classification, response heads, chunked bodies.
//!
//! All results are [`Span`]s into the caller's buffer; the parser never copies. Each call
//! parses from the start of the buffer, so a caller that reads more bytes simply calls again
//! (the cost is linear in what is buffered; a caller may skip the call when the new bytes hold
//! no LF).

pub(crate) mod chars;
mod chunked;
mod classify;
mod request;
mod response;

pub use chunked::{ChunkedScanner, ScanResult};
pub use classify::{
    Class, Classification, DesyncAction, DesyncMode, Reason, ReasonSet, desync_action,
};
pub use request::{BodyFraming, RequestHead, parse_request};
pub use response::{ResponseFraming, ResponseHead, parse_response};

/// A byte range into the caller's buffer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    #[inline]
    pub(crate) fn new(start: usize, end: usize) -> Span {
        // Positions are bounded by the head limit, which `Limits::clamped` keeps below u32::MAX.
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    /// The bytes this span covers in `buf` (empty if `buf` is not the buffer it came from and
    /// is too short).
    #[inline]
    pub fn of<'b>(&self, buf: &'b [u8]) -> &'b [u8] {
        buf.get(self.start as usize..self.end as usize)
            .unwrap_or(&[])
    }

    /// Length in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start) as usize
    }

    /// Whether the span is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
}

/// Size limits, enforced on partial input too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest request line (or status line), without its line ending.
    pub max_request_line: usize,
    /// Longest header line, without its line ending.
    pub max_header: usize,
    /// Longest head: start line, headers and the empty line.
    pub max_head: usize,
    /// Most header fields.
    pub max_headers: usize,
}

impl Default for Limits {
    /// AWS's request limits: 16 KiB request line, 16 KiB per header, 64 KiB head; 100 headers.
    fn default() -> Limits {
        Limits {
            max_request_line: 16384,
            max_header: 16384,
            max_head: 65536,
            max_headers: 100,
        }
    }
}

impl Limits {
    /// AWS's response limit: a target's response head over 32 KiB is a 502.
    pub fn response() -> Limits {
        Limits {
            max_request_line: 32768,
            max_header: 32768,
            max_head: 32768,
            max_headers: 100,
        }
    }

    /// Keeps every offset representable in a [`Span`].
    pub(crate) fn clamped(&self) -> Limits {
        const CAP: usize = (u32::MAX / 2) as usize;
        Limits {
            max_request_line: self.max_request_line.min(CAP),
            max_header: self.max_header.min(CAP),
            max_head: self.max_head.min(CAP),
            max_headers: self.max_headers,
        }
    }
}

/// The protocol version. HTTP/1.2–1.9 are treated as 1.1 (and classified NonCompliantVersion).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Version {
    /// HTTP/1.0
    Http10,
    /// HTTP/1.1
    #[default]
    Http11,
}

/// Facts about one header field the proxy needs when forwarding it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct HeaderFlags(u8);

impl HeaderFlags {
    const AWS_NAME: u8 = 1;
    const TOKEN_NAME: u8 = 2;
    const DROP: u8 = 4;
    const FOLDED: u8 = 8;
    const NON_COMPLIANT: u8 = 16;

    #[inline]
    fn set(&mut self, bit: u8) {
        self.0 |= bit;
    }
    #[inline]
    fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }
}

/// One header field. Flags are computed while parsing so forwarding needs no second look.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Header {
    /// The name as sent (for an obs-fold continuation of nothing or a colon-less line, the raw
    /// line part; see [`Header::must_drop`]).
    pub name: Span,
    /// The value, trimmed of optional whitespace. For a folded header it runs across the fold;
    /// forward it through [`write_unfolded`].
    pub value: Span,
    /// What the parser learnt about this field.
    pub flags: HeaderFlags,
}

impl Header {
    /// AWS's `drop_invalid_header_fields` keeps only names matching `[-A-Za-z0-9]+`.
    #[inline]
    pub fn is_valid_aws_name(&self) -> bool {
        self.flags.has(HeaderFlags::AWS_NAME)
    }
    /// The name is an RFC 9110 token.
    #[inline]
    pub fn is_token_name(&self) -> bool {
        self.flags.has(HeaderFlags::TOKEN_NAME)
    }
    /// The proxy must not forward this field, whatever its settings: a look-alike of
    /// Transfer-Encoding/Content-Length (the target might honour it where we did not), a line
    /// without a colon or with an empty name, whitespace before the first header, a
    /// Content-Length overridden by chunked framing or repeated, a Transfer-Encoding of only
    /// `identity`. Forwarding any of them could let the target frame the body differently.
    #[inline]
    pub fn must_drop(&self) -> bool {
        self.flags.has(HeaderFlags::DROP)
    }
    /// The value contains obs-fold line breaks; RFC 9112 §5.2 requires a proxy to replace them
    /// with spaces ([`write_unfolded`]).
    #[inline]
    pub fn is_folded(&self) -> bool {
        self.flags.has(HeaderFlags::FOLDED)
    }
    /// The name is not a token or the value holds control characters.
    #[inline]
    pub fn is_non_compliant(&self) -> bool {
        self.flags.has(HeaderFlags::NON_COMPLIANT)
    }
}

/// Whether the head was complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// The head is complete; the result is filled in.
    Complete,
    /// More bytes are needed (limits were checked on what is there).
    Partial,
}

/// Why a head was refused. `status()` is the code the ALB answers a client with; for a
/// target's response every error is a 502.
#[non_exhaustive]
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// The request-target alone made the request line too long.
    #[error("request-target too long")]
    UriTooLong,
    /// The request line (or status line) is too long.
    #[error("request line too long")]
    RequestLineTooLong,
    /// One header line is too long.
    #[error("header line too long")]
    HeaderTooLarge,
    /// The whole head is too long.
    #[error("head too large")]
    HeadTooLarge,
    /// More header fields than allowed.
    #[error("too many header fields")]
    TooManyHeaders,
    /// The message cannot be framed or parsed safely; the reason is the desync code that
    /// describes it (its class is what the access log should show).
    #[error("malformed message: {0}")]
    Malformed(Reason),
    /// Not HTTP/1.0 or 1.x.
    #[error("unsupported HTTP version")]
    UnsupportedVersion,
    /// A transfer-coding other than chunked and identity.
    #[error("unsupported transfer-coding")]
    UnsupportedTransferEncoding,
    /// A method the load balancer does not proxy (CONNECT).
    #[error("method not allowed")]
    MethodNotAllowed,
    /// Host header missing its value rules: repeated, or not a valid `host[:port]`.
    #[error("invalid Host header")]
    InvalidHost,
    /// A chunked body that does not follow RFC 9112 §7.1.
    #[error("invalid chunked encoding")]
    InvalidChunk,
    /// A status line or response header that does not parse.
    #[error("malformed response")]
    MalformedResponse,
}

impl ParseError {
    /// The status the load balancer answers a client with.
    pub fn status(&self) -> u16 {
        match self {
            ParseError::UriTooLong => 414,
            ParseError::UnsupportedVersion => 505,
            ParseError::UnsupportedTransferEncoding => 501,
            ParseError::MethodNotAllowed => 405,
            ParseError::MalformedResponse => 502,
            _ => 400,
        }
    }

    /// The status for an error in a target's response: always 502.
    pub fn response_status(&self) -> u16 {
        502
    }
}

/// Whether `b` is a non-empty RFC 9110 token.
pub fn is_token(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(|&c| chars::is_tchar(c))
}

/// Whether AWS considers `name` a valid header name (`[-A-Za-z0-9]+`); with
/// `routing.http.drop_invalid_header_fields.enabled` the ALB removes the others.
pub fn is_valid_aws_header_name(name: &[u8]) -> bool {
    !name.is_empty()
        && name
            .iter()
            .all(|&c| chars::NAME[c as usize] & chars::AWS_NAME != 0)
}

/// Appends `value` to `out` with every obs-fold (CRLF or LF plus the whitespace after it)
/// replaced by one space, as RFC 9112 §5.2 asks of a proxy.
pub fn write_unfolded(value: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < value.len() {
        match value[i] {
            b'\r' | b'\n' => {
                while i < value.len() && matches!(value[i], b'\r' | b'\n' | b' ' | b'\t') {
                    i += 1;
                }
                out.push(b' ');
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
}

/// One line of a head.
pub(crate) enum Line {
    Partial,
    Found {
        /// End of the content (before CR LF or LF).
        end: usize,
        /// Start of the next line.
        next: usize,
        bare_lf: bool,
    },
}

/// Which limit a line broke.
pub(crate) enum Overflow {
    Line,
    Head,
}

/// Finds the line starting at `p`, enforcing the line and head limits on what is there. When
/// both limits are broken, the one a byte-by-byte reader would have hit first wins, so a
/// prefix of the input never reports a different limit than the whole.
#[inline]
pub(crate) fn next_line(
    buf: &[u8],
    p: usize,
    max_line: usize,
    max_head: usize,
) -> Result<Line, Overflow> {
    let line_at = p.saturating_add(max_line).saturating_add(2);
    let head_at = max_head.saturating_add(1);
    let first = if line_at <= head_at {
        Overflow::Line
    } else {
        Overflow::Head
    };
    let stop = line_at.min(head_at).min(buf.len());
    match buf.get(p..stop).and_then(|s| memchr::memchr(b'\n', s)) {
        None => {
            if buf.len() >= line_at.min(head_at) {
                Err(first)
            } else {
                Ok(Line::Partial)
            }
        }
        Some(i) => {
            let lf = p + i;
            let cr = lf > p && buf[lf - 1] == b'\r';
            let end = if cr { lf - 1 } else { lf };
            let line_long = end - p > max_line;
            let head_long = lf + 1 > max_head;
            match (line_long, head_long) {
                (false, false) => Ok(Line::Found {
                    end,
                    next: lf + 1,
                    bare_lf: !cr,
                }),
                (true, true) => Err(first),
                (true, false) => Err(Overflow::Line),
                (false, true) => Err(Overflow::Head),
            }
        }
    }
}

/// A field line of the common shape, found in one pass.
pub(crate) struct Field {
    pub name_end: usize,
    pub vs: usize,
    pub ve: usize,
    pub next: usize,
    pub bare_lf: bool,
}

/// The common case in one pass: an `[-A-Za-z0-9]+` name, a colon, a value of visible bytes,
/// spaces and tabs, CRLF (or LF), within the limits. The scan for control bytes that validates
/// the value also finds the line end, so the line is read once. Anything else (end of head,
/// folds, odd names, control bytes, partial lines, limits) returns `None` and goes through the
/// general path, which gives the same result for the lines this one accepts.
#[inline]
pub(crate) fn fast_field(buf: &[u8], p: usize, lim: &Limits) -> Option<Field> {
    let line_at = p.saturating_add(lim.max_header).saturating_add(2);
    let head_at = lim.max_head.saturating_add(1);
    let stop = line_at.min(head_at).min(buf.len());
    let mut n = p;
    while n < stop && chars::NAME[buf[n] as usize] & chars::AWS_NAME != 0 {
        n += 1;
    }
    if n == p || n >= stop || buf[n] != b':' {
        return None;
    }
    let mut vs = n + 1;
    while vs < stop && matches!(buf[vs], b' ' | b'\t') {
        vs += 1;
    }
    let mut k = vs;
    let (end, lf) = loop {
        let j = k + chars::first_ctl(buf.get(k..stop)?, 0x20)?;
        match buf[j] {
            b'\r' if j + 1 < stop && buf[j + 1] == b'\n' => break (j, j + 1),
            b'\n' => break (j, j),
            b'\t' => k = j + 1,
            _ => return None,
        }
    };
    if end - p > lim.max_header || lf + 1 > lim.max_head {
        return None;
    }
    let (vs, ve) = trim_ows(buf, vs, end);
    Some(Field {
        name_end: n,
        vs,
        ve,
        next: lf + 1,
        bare_lf: end == lf,
    })
}

#[inline]
pub(crate) fn trim_ows(buf: &[u8], mut s: usize, mut e: usize) -> (usize, usize) {
    while s < e && matches!(buf[s], b' ' | b'\t') {
        s += 1;
    }
    while e > s && matches!(buf[e - 1], b' ' | b'\t') {
        e -= 1;
    }
    (s, e)
}

/// Parses a decimal Content-Length: digits only (no sign, no list), no overflow.
pub(crate) fn parse_content_length(v: &[u8]) -> Option<u64> {
    if v.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for &b in v {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(n)
}

/// Tokens of a Connection header that matter to the proxy.
#[derive(Default)]
pub(crate) struct ConnTokens {
    pub close: bool,
    pub keep_alive: bool,
    pub upgrade: bool,
}

impl ConnTokens {
    pub(crate) fn scan(&mut self, v: &[u8]) {
        for t in v.split(|&b| b == b',') {
            let (s, e) = trim_ows(t, 0, t.len());
            let t = &t[s..e];
            if t.eq_ignore_ascii_case(b"close") {
                self.close = true;
            } else if t.eq_ignore_ascii_case(b"keep-alive") {
                self.keep_alive = true;
            } else if t.eq_ignore_ascii_case(b"upgrade") {
                self.upgrade = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unfolding_replaces_each_fold_with_one_space() {
        let mut out = Vec::new();
        write_unfolded(b"a\r\n  b\n\tc d", &mut out);
        assert_eq!(out, b"a b c d");
    }

    #[test]
    fn content_length_is_digits_only() {
        assert_eq!(parse_content_length(b"0"), Some(0));
        assert_eq!(parse_content_length(b"007"), Some(7));
        assert_eq!(
            parse_content_length(b"18446744073709551615"),
            Some(u64::MAX)
        );
        for bad in [
            &b""[..],
            b"+5",
            b"-1",
            b"1,1",
            b"1 1",
            b"0x10",
            b"18446744073709551616",
        ] {
            assert_eq!(parse_content_length(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn span_of_a_foreign_short_buffer_is_empty_not_a_panic() {
        assert_eq!(Span::new(3, 9).of(b"abc"), b"");
        assert_eq!(Span::new(9, 3).len(), 0);
    }

    #[test]
    fn aws_header_names() {
        assert!(is_valid_aws_header_name(b"X-Forwarded-For"));
        assert!(!is_valid_aws_header_name(b"X_Forwarded_For"));
        assert!(!is_valid_aws_header_name(b""));
        assert!(is_token(b"X_Forwarded_For"));
        assert!(!is_token(b"a b"));
    }
}
