//! Response heads from targets. The targets are ours, but a compromised or buggy one must not
//! be able to split the client's stream, so this parser is strict: no obs-fold, no odd header
//! names, no NUL/CR in values, one unambiguous length. Every error is a 502 to the client.

use super::chars::{self, AWS_NAME};
use super::{
    ConnTokens, Header, HeaderFlags, Limits, Line, ParseError, Span, Status, Version, fast_field,
    next_line, parse_content_length, trim_ows,
};

/// How the response body is delimited (RFC 9112 §6.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ResponseFraming {
    /// No body: 1xx, 204, 304, or the answer to HEAD.
    #[default]
    None,
    /// Exactly this many bytes.
    ContentLength(u64),
    /// A chunked body.
    Chunked,
    /// Everything until the target closes the connection.
    UntilClose,
}

/// A parsed response head. Reused like [`super::RequestHead`].
#[derive(Clone, Debug, Default)]
pub struct ResponseHead {
    /// The version.
    pub version: Version,
    /// The status code (100–999).
    pub status: u16,
    /// The reason phrase (may be empty).
    pub reason: Span,
    /// The header fields.
    pub headers: Vec<Header>,
    /// Bytes of the head including the final empty line.
    pub head_len: usize,
    /// How the body is delimited.
    pub framing: ResponseFraming,
    /// Whether the target connection may be reused.
    pub keep_alive: bool,
    /// A 101 Switching Protocols: the connection becomes a tunnel.
    pub upgrade: bool,
    /// Content-Length was sent alongside chunked framing: the proxy must not forward it (the
    /// fields are also flagged [`Header::must_drop`]).
    pub strips_content_length: bool,
}

impl ResponseHead {
    /// Resets for the next response, keeping capacity.
    pub fn clear(&mut self) {
        let mut headers = std::mem::take(&mut self.headers);
        headers.clear();
        *self = ResponseHead {
            headers,
            ..ResponseHead::default()
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
}

/// Parses a response head from the start of `buf`. `is_head_request`: the request was HEAD,
/// so there is no body whatever the headers say. Use [`Limits::response`] for AWS's 32 KiB.
pub fn parse_response(
    buf: &[u8],
    is_head_request: bool,
    limits: &Limits,
    head: &mut ResponseHead,
) -> Result<Status, ParseError> {
    head.clear();
    let lim = limits.clamped();
    let too_big = |_| ParseError::HeadTooLarge;
    let (line_end, mut p) = match next_line(buf, 0, lim.max_request_line, lim.max_head) {
        Ok(Line::Found { end, next, .. }) => (end, next),
        Ok(Line::Partial) => {
            // fail early on a target that does not speak HTTP/1 at all
            let seen = &buf[..buf.len().min(9)];
            if !(b"HTTP/1.1 ".starts_with(seen) || b"HTTP/1.0 ".starts_with(seen)) {
                return Err(ParseError::MalformedResponse);
            }
            return Ok(Status::Partial);
        }
        Err(e) => return Err(too_big(e)),
    };
    let line = &buf[..line_end];
    head.version = match line.get(..9) {
        Some(b"HTTP/1.1 ") => Version::Http11,
        Some(b"HTTP/1.0 ") => Version::Http10,
        _ => return Err(ParseError::MalformedResponse),
    };
    let code = match line.get(9..12) {
        Some(&[a, b, c]) if a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit() => {
            u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0')
        }
        _ => return Err(ParseError::MalformedResponse),
    };
    if code < 100 {
        return Err(ParseError::MalformedResponse);
    }
    head.status = code;
    match line.get(12) {
        None => head.reason = Span::new(12, 12),
        Some(b' ') => {
            let r = &line[13..];
            if r.iter().any(|&b| chars::VALUE[b as usize] != chars::VAL_OK) {
                return Err(ParseError::MalformedResponse);
            }
            head.reason = Span::new(13, line_end);
        }
        Some(_) => return Err(ParseError::MalformedResponse),
    }

    let mut conn = ConnTokens::default();
    let mut cl: Option<u64> = None;
    let mut te_present = false;
    let mut te_last_chunked = false;
    loop {
        let mut flags = HeaderFlags::default();
        flags.set(HeaderFlags::TOKEN_NAME);
        let (n, vs, ve, next) = if let Some(f) = fast_field(buf, p, &lim) {
            flags.set(HeaderFlags::AWS_NAME);
            (f.name_end, f.vs, f.ve, f.next)
        } else {
            let (end, next) = match next_line(buf, p, lim.max_header, lim.max_head) {
                Ok(Line::Found { end, next, .. }) => (end, next),
                Ok(Line::Partial) => return Ok(Status::Partial),
                Err(e) => return Err(too_big(e)),
            };
            if end == p {
                head.head_len = next;
                break;
            }
            let mut n = p;
            while n < end && chars::is_tchar(buf[n]) {
                n += 1;
            }
            if n == p || n == end || buf[n] != b':' {
                // obs-fold, whitespace before the colon, a non-token name, or no colon at all
                return Err(ParseError::MalformedResponse);
            }
            if buf[p..n]
                .iter()
                .all(|&b| chars::NAME[b as usize] & AWS_NAME != 0)
            {
                flags.set(HeaderFlags::AWS_NAME);
            }
            let (vs, ve) = trim_ows(buf, n + 1, end);
            if let Some(k) = chars::first_ctl(&buf[vs..ve], 0x20) {
                if buf[vs + k..ve]
                    .iter()
                    .any(|&b| chars::VALUE[b as usize] == chars::VAL_BAD)
                {
                    return Err(ParseError::MalformedResponse);
                }
                flags.set(HeaderFlags::NON_COMPLIANT);
            }
            (n, vs, ve, next)
        };
        if head.headers.len() >= lim.max_headers {
            return Err(ParseError::TooManyHeaders);
        }
        let name = &buf[p..n];
        let value = &buf[vs..ve];
        match name.len() {
            14 if name.eq_ignore_ascii_case(b"content-length") => {
                let v = parse_content_length(value).ok_or(ParseError::MalformedResponse)?;
                match cl {
                    Some(c) if c != v => return Err(ParseError::MalformedResponse),
                    Some(_) => flags.set(HeaderFlags::DROP),
                    None => cl = Some(v),
                }
            }
            17 if name.eq_ignore_ascii_case(b"transfer-encoding") => {
                te_present = true;
                for el in value.split(|&b| b == b',') {
                    let (s, e) = trim_ows(el, 0, el.len());
                    if s < e {
                        te_last_chunked = el[s..e].eq_ignore_ascii_case(b"chunked");
                    }
                }
            }
            10 if name.eq_ignore_ascii_case(b"connection") => conn.scan(value),
            _ => {}
        }
        head.headers.push(Header {
            name: Span::new(p, n),
            value: Span::new(vs, ve),
            flags,
        });
        p = next;
    }

    head.keep_alive = match head.version {
        Version::Http11 => !conn.close,
        Version::Http10 => conn.keep_alive && !conn.close,
    };
    head.upgrade = code == 101;
    head.framing = if is_head_request || (100..200).contains(&code) || code == 204 || code == 304 {
        ResponseFraming::None
    } else if te_present {
        if cl.is_some() {
            head.strips_content_length = true;
            for h in &mut head.headers {
                if h.name.len() == 14 && h.name.of(buf).eq_ignore_ascii_case(b"content-length") {
                    h.flags.set(HeaderFlags::DROP);
                }
            }
        }
        if te_last_chunked {
            ResponseFraming::Chunked
        } else {
            ResponseFraming::UntilClose
        }
    } else {
        match cl {
            Some(n) => ResponseFraming::ContentLength(n),
            None => ResponseFraming::UntilClose,
        }
    };
    if head.framing == ResponseFraming::UntilClose || (te_present && cl.is_some()) {
        head.keep_alive = false;
    }
    Ok(Status::Complete)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(buf: &[u8], is_head: bool) -> Result<ResponseHead, ParseError> {
        let mut h = ResponseHead::default();
        match parse_response(buf, is_head, &Limits::response(), &mut h)? {
            Status::Complete => Ok(h),
            Status::Partial => panic!("partial"),
        }
    }

    #[test]
    fn a_plain_response_frames_by_content_length() {
        let buf = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello";
        let h = parse(buf, false).unwrap();
        assert_eq!(h.status, 200);
        assert_eq!(h.reason.of(buf), b"OK");
        assert_eq!(h.framing, ResponseFraming::ContentLength(5));
        assert_eq!(&buf[h.head_len..], b"hello");
        assert!(h.keep_alive);
        assert_eq!(h.header(buf, "x-a"), Some(&b"b"[..]));
    }

    #[test]
    fn head_204_304_and_1xx_have_no_body() {
        let cl = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
        assert_eq!(parse(cl, true).unwrap().framing, ResponseFraming::None);
        for code in ["100", "204", "304"] {
            let buf = format!("HTTP/1.1 {code} X\r\nContent-Length: 5\r\n\r\n");
            assert_eq!(
                parse(buf.as_bytes(), false).unwrap().framing,
                ResponseFraming::None
            );
        }
        let up = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n";
        assert!(parse(up, false).unwrap().upgrade);
    }

    #[test]
    fn chunked_wins_over_content_length_and_the_length_is_dropped() {
        let buf = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n";
        let h = parse(buf, false).unwrap();
        assert_eq!(h.framing, ResponseFraming::Chunked);
        assert!(h.strips_content_length && h.headers[0].must_drop());
        assert!(!h.keep_alive);
    }

    #[test]
    fn no_length_means_until_close() {
        let h = parse(b"HTTP/1.0 200 OK\r\n\r\n", false).unwrap();
        assert_eq!(h.framing, ResponseFraming::UntilClose);
        assert!(!h.keep_alive);
        let h = parse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false).unwrap();
        assert_eq!(h.framing, ResponseFraming::UntilClose);
    }

    #[test]
    fn malformed_responses_are_502() {
        for bad in [
            &b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nX : a\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nX: a\x00b\r\n\r\n",
            b"HTTP/1.1 20 OK\r\n\r\n",
            b"HTTP/2 200 OK\r\n\r\n",
            b"HTTP/1.1 200OK\r\n\r\n",
            b"SSH-2.0-OpenSSH\r\n",
        ] {
            let e = parse(bad, false).unwrap_err();
            assert_eq!(e.response_status(), 502, "{bad:?}");
        }
    }

    #[test]
    fn a_response_head_over_32k_is_refused_before_it_ends() {
        let mut buf = b"HTTP/1.1 200 OK\r\n".to_vec();
        while buf.len() <= 32768 {
            buf.extend_from_slice(b"X-Pad: ");
            buf.extend(std::iter::repeat_n(b'a', 1000));
            buf.extend_from_slice(b"\r\n");
        }
        let mut h = ResponseHead::default();
        assert_eq!(
            parse_response(&buf, false, &Limits::response(), &mut h),
            Err(ParseError::HeadTooLarge)
        );
    }

    #[test]
    fn garbage_is_refused_before_the_line_ends() {
        let mut h = ResponseHead::default();
        assert_eq!(
            parse_response(b"<html>", false, &Limits::response(), &mut h),
            Err(ParseError::MalformedResponse)
        );
        assert_eq!(
            parse_response(b"HTTP/1.", false, &Limits::response(), &mut h),
            Ok(Status::Partial)
        );
    }
}
