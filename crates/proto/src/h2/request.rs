//! An HTTP/2 request head, decoded and checked against RFC 9113 §8.2–8.3.

use std::ops::Range;

/// A request's header section: the pseudo-header fields and the regular fields, in order,
/// stored in one buffer.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// The stream it arrived on.
    pub stream: u32,
    /// No body follows (END_STREAM was on the HEADERS frame).
    pub end_stream: bool,
    /// The `content-length` field's value, when present.
    pub content_length: Option<u64>,
    buf: Vec<u8>,
    /// Regular fields: name and value ranges into `buf`.
    fields: Vec<(Range<u32>, Range<u32>)>,
    method: Range<u32>,
    scheme: Range<u32>,
    path: Range<u32>,
    authority: Option<Range<u32>>,
}

impl Request {
    fn get(&self, r: &Range<u32>) -> &[u8] {
        self.buf
            .get(r.start as usize..r.end as usize)
            .unwrap_or(&[])
    }

    pub fn method(&self) -> &[u8] {
        self.get(&self.method)
    }

    pub fn scheme(&self) -> &[u8] {
        self.get(&self.scheme)
    }

    /// `:path`: the path and query.
    pub fn path(&self) -> &[u8] {
        self.get(&self.path)
    }

    /// `:authority`, else the `host` field.
    pub fn authority(&self) -> Option<&[u8]> {
        match &self.authority {
            Some(a) => Some(self.get(a)),
            None => self.field(b"host"),
        }
    }

    /// The regular fields, in the order received (names are lowercase).
    pub fn fields(&self) -> impl Iterator<Item = (&[u8], &[u8])> + Clone + '_ {
        self.fields.iter().map(|(n, v)| (self.get(n), self.get(v)))
    }

    /// The first field named `name` (lowercase).
    pub fn field(&self, name: &[u8]) -> Option<&[u8]> {
        self.fields().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// All values of the fields named `name` (lowercase).
    pub fn field_values<'a>(&'a self, name: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.fields()
            .filter(move |(n, _)| *n == name)
            .map(|(_, v)| v)
    }
}

/// Collects a request from decoded header fields and says what is wrong with it, if anything.
#[derive(Debug, Default)]
pub(crate) struct RequestBuilder {
    req: Request,
    method: bool,
    scheme: bool,
    path: bool,
    regular_seen: bool,
    error: Option<&'static str>,
}

impl RequestBuilder {
    pub(crate) fn new(stream: u32, end_stream: bool) -> RequestBuilder {
        RequestBuilder {
            req: Request {
                stream,
                end_stream,
                ..Request::default()
            },
            ..RequestBuilder::default()
        }
    }

    fn push(&mut self, bytes: &[u8]) -> Range<u32> {
        let start = self.req.buf.len() as u32;
        self.req.buf.extend_from_slice(bytes);
        start..self.req.buf.len() as u32
    }

    fn fail(&mut self, why: &'static str) {
        if self.error.is_none() {
            self.error = Some(why);
        }
    }

    /// One decoded field.
    pub(crate) fn field(&mut self, name: &[u8], value: &[u8]) {
        if self.error.is_some() {
            return;
        }
        if !valid_value(value) {
            return self.fail("invalid field value");
        }
        if let Some(pseudo) = name.strip_prefix(b":") {
            if self.regular_seen {
                return self.fail("pseudo-header field after a regular field");
            }
            let seen = match pseudo {
                b"method" => &mut self.method,
                b"scheme" => &mut self.scheme,
                b"path" => &mut self.path,
                b"authority" => {
                    if self.req.authority.is_some() {
                        return self.fail("duplicate :authority");
                    }
                    let r = self.push(value);
                    self.req.authority = Some(r);
                    return;
                }
                _ => return self.fail("unknown pseudo-header field"),
            };
            if *seen {
                return self.fail("duplicate pseudo-header field");
            }
            *seen = true;
            let r = self.push(value);
            match pseudo {
                b"method" => self.req.method = r,
                b"scheme" => self.req.scheme = r,
                _ => self.req.path = r,
            }
            return;
        }
        self.regular_seen = true;
        if name.is_empty() || !name.iter().all(|&b| is_lower_tchar(b)) {
            return self.fail("invalid field name");
        }
        match name {
            b"connection" | b"keep-alive" | b"proxy-connection" | b"transfer-encoding"
            | b"upgrade" => return self.fail("connection-specific field"),
            b"te" if value != b"trailers" => return self.fail("te other than trailers"),
            b"content-length" => {
                let Some(n) = parse_u64(value) else {
                    return self.fail("invalid content-length");
                };
                if self.req.content_length.is_some_and(|m| m != n) {
                    return self.fail("conflicting content-length");
                }
                self.req.content_length = Some(n);
            }
            _ => {}
        }
        let n = self.push(name);
        let v = self.push(value);
        self.req.fields.push((n, v));
    }

    /// The request, or why it is malformed.
    pub(crate) fn finish(self) -> Result<Request, &'static str> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let req = self.req;
        if req.method() == b"CONNECT" {
            return Err("CONNECT is not supported");
        }
        if !self.method || !self.scheme || !self.path {
            return Err("missing :method, :scheme or :path");
        }
        if !crate::is_token(req.method()) {
            return Err("invalid :method");
        }
        if !matches!(req.scheme(), b"https" | b"http") {
            return Err("unsupported :scheme");
        }
        let path = req.path();
        let asterisk = path == b"*" && req.method() == b"OPTIONS";
        if !asterisk && path.first() != Some(&b'/') {
            return Err("invalid :path");
        }
        if path.iter().any(|&b| b <= b' ' || b == 0x7f) {
            return Err("invalid :path");
        }
        match (&req.authority, req.field(b"host")) {
            (None, None) => return Err("no :authority or host"),
            (Some(a), Some(h)) if req.get(a) != h => {
                return Err(":authority and host differ");
            }
            _ => {}
        }
        if req
            .fields
            .iter()
            .filter(|(n, _)| req.get(n) == b"host")
            .count()
            > 1
        {
            return Err("more than one host field");
        }
        if req.end_stream && req.content_length.is_some_and(|n| n > 0) {
            return Err("content-length without a body");
        }
        Ok(req)
    }
}

/// RFC 9113 §8.2.1: no NUL, CR or LF, and no leading or trailing whitespace.
fn valid_value(v: &[u8]) -> bool {
    let edge = |b: Option<&u8>| matches!(b, Some(b' ' | b'\t'));
    !edge(v.first()) && !edge(v.last()) && !v.iter().any(|&b| matches!(b, 0 | b'\r' | b'\n'))
}

fn is_lower_tchar(b: u8) -> bool {
    crate::http1::chars::is_tchar(b) && !b.is_ascii_uppercase()
}

fn parse_u64(v: &[u8]) -> Option<u64> {
    if v.is_empty() || v.len() > 19 {
        return None;
    }
    v.iter().try_fold(0u64, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(fields: &[(&str, &str)]) -> Result<Request, &'static str> {
        let mut b = RequestBuilder::new(1, true);
        for (n, v) in fields {
            b.field(n.as_bytes(), v.as_bytes());
        }
        b.finish()
    }

    const BASE: [(&str, &str); 4] = [
        (":method", "GET"),
        (":scheme", "https"),
        (":authority", "example.com"),
        (":path", "/a?b=c"),
    ];

    #[test]
    fn a_plain_request() {
        let mut f = BASE.to_vec();
        f.push(("cookie", "a=1"));
        f.push(("cookie", "b=2"));
        let r = build(&f).unwrap();
        assert_eq!(r.method(), b"GET");
        assert_eq!(r.path(), b"/a?b=c");
        assert_eq!(r.authority(), Some(&b"example.com"[..]));
        assert_eq!(r.field_values(b"cookie").count(), 2);
    }

    #[test]
    fn host_stands_in_for_authority() {
        let f = [
            (":method", "GET"),
            (":scheme", "https"),
            (":path", "/"),
            ("host", "h.example"),
        ];
        assert_eq!(build(&f).unwrap().authority(), Some(&b"h.example"[..]));
    }

    #[test]
    fn malformed_requests() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (
                &[
                    (":method", "GET"),
                    (":scheme", "https"),
                    (":authority", "a"),
                ],
                "missing",
            ),
            (
                &[(":method", "CONNECT"), (":authority", "a:443")],
                "CONNECT",
            ),
            (
                &[
                    ("x", "1"),
                    (":method", "GET"),
                    (":scheme", "https"),
                    (":path", "/"),
                ],
                "after a regular",
            ),
            (&[(":method", "GET"), (":method", "GET")], "duplicate"),
            (&[(":status", "200")], "unknown pseudo"),
            (&[(":method", "GET"), ("Upper", "x")], "invalid field name"),
            (
                &[(":method", "GET"), ("connection", "close")],
                "connection-specific",
            ),
            (&[(":method", "GET"), ("te", "gzip")], "te other"),
            (&[(":method", "GET"), ("x", " lead")], "invalid field value"),
            (
                &[(":method", "GET"), ("x", "a\r\nb: c")],
                "invalid field value",
            ),
            (
                &[
                    (":method", "GET"),
                    ("content-length", "1"),
                    ("content-length", "2"),
                ],
                "conflicting",
            ),
            (
                &[(":method", "GET"), ("content-length", "-1")],
                "invalid content-length",
            ),
        ];
        for (fields, want) in cases {
            let err = build(fields).unwrap_err();
            assert!(err.contains(want), "{fields:?}: {err}");
        }
        let mut f = BASE.to_vec();
        f.push(("host", "other.example"));
        assert_eq!(build(&f).unwrap_err(), ":authority and host differ");
        let mut f = BASE.to_vec();
        f[3] = (":path", "relative");
        assert_eq!(build(&f).unwrap_err(), "invalid :path");
        let mut f = BASE.to_vec();
        f[1] = (":scheme", "ftp");
        assert_eq!(build(&f).unwrap_err(), "unsupported :scheme");
    }
}
