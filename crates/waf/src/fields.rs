//! `FieldToMatch`: the parts of a request a statement inspects, as AWS extracts them.

use std::borrow::Cow;

use crate::acl::json::{
    CookieMatchPattern, FieldToMatch, HeaderMatchPattern, JsonInvalidFallback, MatchFallback,
    MatchScope, OversizeHandling,
};
use crate::request::Request;

/// AWS's limits on what it inspects of headers and cookies: the first 8 KB or 200 items.
pub(crate) const HEADERS_INSPECTED_BYTES: usize = 8 * 1024;
pub(crate) const HEADERS_INSPECTED_ITEMS: usize = 200;

/// The values a field yields for one request, before transformations.
#[derive(Debug, Default)]
pub(crate) struct Extracted<'r> {
    pub(crate) values: Vec<Cow<'r, [u8]>>,
    /// Decided without looking at the values: the field's oversize handling or fallback.
    pub(crate) forced: Option<bool>,
    /// The field was larger than what is inspected (for `oversizeFields` in the log).
    pub(crate) oversize: bool,
}

impl<'r> Extracted<'r> {
    fn one(v: impl Into<Cow<'r, [u8]>>) -> Extracted<'r> {
        Extracted {
            values: vec![v.into()],
            ..Extracted::default()
        }
    }

    fn forced(matched: bool) -> Extracted<'r> {
        Extracted {
            forced: Some(matched),
            ..Extracted::default()
        }
    }

    fn oversize(mut self, handling: Option<OversizeHandling>) -> Extracted<'r> {
        self.oversize = true;
        match handling.unwrap_or(OversizeHandling::Continue) {
            OversizeHandling::Continue => {}
            OversizeHandling::Match => self.forced = Some(true),
            OversizeHandling::NoMatch => self.forced = Some(false),
        }
        self
    }
}

fn fallback(f: Option<MatchFallback>) -> Extracted<'static> {
    match f {
        Some(MatchFallback::Match) => Extracted::forced(true),
        Some(MatchFallback::NoMatch) | None => Extracted::forced(false),
    }
}

/// The path of the request target: before `?` and `#`, after a scheme and authority if the
/// target is in absolute form.
pub(crate) fn uri_path(uri: &str) -> &str {
    let rest = match uri.find("://") {
        Some(i) if !uri[..i].contains('/') => {
            let after = &uri[i + 3..];
            match after.find('/') {
                Some(j) => &after[j..],
                None => "/",
            }
        }
        _ => uri,
    };
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    &rest[..end]
}

/// The query string: after the first `?`, up to `#`. `None` when there is no `?`.
pub(crate) fn query_string(uri: &str) -> Option<&str> {
    let q = &uri[uri.find('?')? + 1..];
    Some(q.find('#').map_or(q, |i| &q[..i]))
}

pub(crate) fn fragment(uri: &str) -> Option<&str> {
    uri.find('#').map(|i| &uri[i + 1..])
}

/// `name=value` pairs of a query string or urlencoded form, raw (not decoded).
pub(crate) fn pairs(q: &str) -> impl Iterator<Item = (&str, &str)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
}

/// Cookie `name=value` pairs from every `Cookie` header.
pub(crate) fn cookies<'r>(req: &Request<'r>) -> impl Iterator<Item = (&'r [u8], &'r [u8])> {
    req.headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("cookie"))
        .flat_map(|h| h.value.split(|&b| b == b';'))
        .map(trim)
        .filter(|c| !c.is_empty())
        .map(|c| match memchr::memchr(b'=', c) {
            Some(i) => (trim(&c[..i]), trim(&c[i + 1..])),
            None => (&c[..0], c),
        })
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end.max(start)]
}

/// The first value of header `name` (case-insensitive).
pub(crate) fn header<'r>(req: &Request<'r>, name: &str) -> Option<&'r [u8]> {
    req.headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value)
}

fn push_scoped<'r>(
    out: &mut Vec<Cow<'r, [u8]>>,
    scope: MatchScope,
    key: &'r [u8],
    value: &'r [u8],
) {
    if matches!(scope, MatchScope::All | MatchScope::Key) {
        out.push(Cow::Borrowed(key));
    }
    if matches!(scope, MatchScope::All | MatchScope::Value) {
        out.push(Cow::Borrowed(value));
    }
}

fn header_selected(p: &HeaderMatchPattern, name: &str) -> bool {
    let has = |l: &Option<Vec<String>>| {
        l.as_ref()
            .is_some_and(|l| l.iter().any(|n| n.eq_ignore_ascii_case(name)))
    };
    if p.all.is_some() {
        true
    } else if p.included_headers.is_some() {
        has(&p.included_headers)
    } else {
        !has(&p.excluded_headers)
    }
}

fn cookie_selected(p: &CookieMatchPattern, name: &[u8]) -> bool {
    // cookie names match case-sensitively and exactly
    let has = |l: &Option<Vec<String>>| {
        l.as_ref()
            .is_some_and(|l| l.iter().any(|n| n.as_bytes() == name))
    };
    if p.all.is_some() {
        true
    } else if p.included_cookies.is_some() {
        has(&p.included_cookies)
    } else {
        !has(&p.excluded_cookies)
    }
}

/// Whether the body was cut short of what the WAF may inspect.
fn body_oversize(req: &Request<'_>) -> bool {
    req.body_len.is_some_and(|n| n > req.body.len() as u64)
}

/// One part of each `name=value` pair of the request's query string, sized in one go.
fn query_values<'r>(
    uri: &'r str,
    part: impl Fn((&'r str, &'r str)) -> &'r str,
) -> Vec<Cow<'r, [u8]>> {
    let Some(q) = query_string(uri) else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(memchr::memchr_iter(b'&', q.as_bytes()).count() + 1);
    out.extend(pairs(q).map(|p| Cow::Borrowed(part(p).as_bytes())));
    out
}

/// The values of `field` in `req`.
pub(crate) fn extract<'r>(field: &FieldToMatch, req: &Request<'r>) -> Extracted<'r> {
    match field {
        FieldToMatch::UriPath(_) => Extracted::one(uri_path(req.uri).as_bytes()),
        FieldToMatch::QueryString(_) => {
            Extracted::one(query_string(req.uri).unwrap_or("").as_bytes())
        }
        FieldToMatch::Method(_) => Extracted::one(req.method.as_bytes()),
        FieldToMatch::SingleHeader(n) => Extracted {
            values: req
                .headers
                .iter()
                .filter(|h| h.name.eq_ignore_ascii_case(&n.name))
                .map(|h| Cow::Borrowed(h.value))
                .collect(),
            ..Extracted::default()
        },
        FieldToMatch::SingleQueryArgument(n) => Extracted {
            values: query_string(req.uri)
                .into_iter()
                .flat_map(pairs)
                .filter(|(k, _)| k.eq_ignore_ascii_case(&n.name))
                .map(|(_, v)| Cow::Borrowed(v.as_bytes()))
                .collect(),
            ..Extracted::default()
        },
        FieldToMatch::AllQueryArguments(_) => Extracted {
            values: query_values(req.uri, |(_, v)| v),
            ..Extracted::default()
        },
        FieldToMatch::RampartArgumentNames(_) => Extracted {
            values: query_values(req.uri, |(k, _)| k),
            ..Extracted::default()
        },
        FieldToMatch::Body(b) => {
            let e = Extracted::one(req.body);
            if body_oversize(req) {
                e.oversize(b.oversize_handling)
            } else {
                e
            }
        }
        FieldToMatch::JsonBody(j) => {
            let mut e = json_values(req.body, j);
            if body_oversize(req) {
                e = e.oversize(j.oversize_handling);
            }
            e
        }
        FieldToMatch::RampartBodyArguments(s) => body_arguments(req, s.match_scope),
        FieldToMatch::Headers(h) => {
            let per = if matches!(h.match_scope, MatchScope::All) {
                2
            } else {
                1
            };
            let mut out = Vec::with_capacity(req.headers.len().min(HEADERS_INSPECTED_ITEMS) * per);
            let mut bytes = 0;
            let mut oversize = false;
            for (i, hd) in req.headers.iter().enumerate() {
                bytes += hd.name.len() + hd.value.len() + 4;
                if i >= HEADERS_INSPECTED_ITEMS || bytes > HEADERS_INSPECTED_BYTES {
                    oversize = true;
                    break;
                }
                if header_selected(&h.match_pattern, hd.name) {
                    push_scoped(&mut out, h.match_scope, hd.name.as_bytes(), hd.value);
                }
            }
            let e = Extracted {
                values: out,
                ..Extracted::default()
            };
            if oversize {
                e.oversize(Some(h.oversize_handling))
            } else {
                e
            }
        }
        FieldToMatch::Cookies(c) => {
            let mut out = Vec::with_capacity(16);
            let mut bytes = 0;
            let mut oversize = false;
            for (i, (k, v)) in cookies(req).enumerate() {
                bytes += k.len() + v.len() + 2;
                if i >= HEADERS_INSPECTED_ITEMS || bytes > HEADERS_INSPECTED_BYTES {
                    oversize = true;
                    break;
                }
                if cookie_selected(&c.match_pattern, k) {
                    push_scoped(&mut out, c.match_scope, k, v);
                }
            }
            let e = Extracted {
                values: out,
                ..Extracted::default()
            };
            if oversize {
                e.oversize(Some(c.oversize_handling))
            } else {
                e
            }
        }
        FieldToMatch::HeaderOrder(h) => {
            let mut s = Vec::new();
            let mut oversize = false;
            for (i, hd) in req.headers.iter().enumerate() {
                if i >= HEADERS_INSPECTED_ITEMS || s.len() + hd.name.len() > HEADERS_INSPECTED_BYTES
                {
                    oversize = true;
                    break;
                }
                if i > 0 {
                    s.push(b':');
                }
                // ⚠ AWS's examples show the names lowercased (`host:user-agent:accept`)
                s.extend(hd.name.bytes().map(|b| b.to_ascii_lowercase()));
            }
            let e = Extracted::one(s);
            if oversize {
                e.oversize(h.oversize_handling)
            } else {
                e
            }
        }
        FieldToMatch::Ja3Fingerprint(f) => match req.ja3 {
            Some(v) => Extracted::one(v.as_bytes()),
            None => fallback(f.fallback_behavior),
        },
        FieldToMatch::Ja4Fingerprint(f) => match req.ja4 {
            Some(v) => Extracted::one(v.as_bytes()),
            None => fallback(f.fallback_behavior),
        },
        FieldToMatch::UriFragment(f) => match fragment(req.uri) {
            Some(v) => Extracted::one(v.as_bytes()),
            None => fallback(f.fallback_behavior),
        },
    }
}

fn json_scope(s: MatchScope) -> crate::json_body::MatchScope {
    match s {
        MatchScope::All => crate::json_body::MatchScope::All,
        MatchScope::Key => crate::json_body::MatchScope::Key,
        MatchScope::Value => crate::json_body::MatchScope::Value,
    }
}

fn json_values<'r>(body: &'r [u8], j: &crate::acl::json::JsonBodyField) -> Extracted<'r> {
    use crate::json_body::{self, JsonPointer, Limits, MatchPattern};
    if body.is_empty() {
        return Extracted::default();
    }
    let parsed = json_body::parse(body, &Limits::default());
    if parsed.error().is_some() {
        match j.invalid_fallback_behavior {
            Some(JsonInvalidFallback::Match) => return Extracted::forced(true),
            Some(JsonInvalidFallback::NoMatch) => return Extracted::forced(false),
            Some(JsonInvalidFallback::EvaluateAsString) => return Extracted::one(body),
            // not set: what was parsed before the error is evaluated
            None => {}
        }
    }
    let pattern = match &j.match_pattern.included_paths {
        None => MatchPattern::All,
        Some(paths) => MatchPattern::IncludedPaths(
            paths
                .iter()
                .filter_map(|p| JsonPointer::parse(p).ok())
                .collect(),
        ),
    };
    Extracted {
        values: json_body::select(&parsed, &pattern, json_scope(j.match_scope))
            .map(|v| Cow::Owned(v.to_vec()))
            .collect(),
        ..Extracted::default()
    }
}

/// The fields of a form or JSON body (Rampart's managed groups inspect each on its own), or
/// the raw body for other content types.
fn body_arguments<'r>(req: &Request<'r>, scope: MatchScope) -> Extracted<'r> {
    if req.body.is_empty() {
        return Extracted::default();
    }
    let ct = header(req, "content-type").unwrap_or(b"");
    let ct = std::str::from_utf8(ct).unwrap_or("");
    let mut values = Vec::new();
    const FORM: &str = "application/x-www-form-urlencoded";
    if ct.len() >= FORM.len() && ct.as_bytes()[..FORM.len()].eq_ignore_ascii_case(FORM.as_bytes()) {
        if let Ok(body) = std::str::from_utf8(req.body) {
            for (k, v) in pairs(body) {
                push_scoped(&mut values, scope, k.as_bytes(), v.as_bytes());
            }
            return Extracted {
                values,
                ..Extracted::default()
            };
        }
    } else if ct
        .as_bytes()
        .windows(4)
        .any(|w| w.eq_ignore_ascii_case(b"json"))
    {
        let parsed = crate::json_body::parse(req.body, &crate::json_body::Limits::default());
        if parsed.error().is_none() {
            values.extend(
                crate::json_body::select(
                    &parsed,
                    &crate::json_body::MatchPattern::All,
                    json_scope(scope),
                )
                .map(|v| Cow::Owned(v.to_vec())),
            );
            return Extracted {
                values,
                ..Extracted::default()
            };
        }
    } else if let Some(boundary) =
        crate::multipart::boundary(&ct.to_ascii_lowercase(), header(req, "content-type"))
    {
        for part in crate::multipart::parts(req.body, &boundary) {
            if matches!(scope, MatchScope::All | MatchScope::Key) {
                values.push(Cow::Borrowed(part.name));
                if let Some(f) = part.filename {
                    values.push(Cow::Borrowed(f));
                }
            }
            if matches!(scope, MatchScope::All | MatchScope::Value) {
                values.push(Cow::Borrowed(part.body));
            }
        }
        return Extracted {
            values,
            ..Extracted::default()
        };
    }
    Extracted::one(req.body)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn uri_parts() {
        assert_eq!(uri_path("/a/b?c=d#e"), "/a/b");
        assert_eq!(uri_path("http://h:80/x?y"), "/x");
        assert_eq!(uri_path("http://h"), "/");
        assert_eq!(query_string("/a?b=c&d#f"), Some("b=c&d"));
        assert_eq!(query_string("/a"), None);
        assert_eq!(fragment("/a?b#frag"), Some("frag"));
        let p: Vec<_> = pairs("a=1&&b&c=x=y").collect();
        assert_eq!(p, [("a", "1"), ("b", ""), ("c", "x=y")]);
    }
}
