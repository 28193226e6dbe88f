//! The markup pass: an HTML tokenizer that reads tags the way a browser does — names end at
//! whitespace, `/` or `>`; attributes may follow one another with no space; values are quoted
//! or not; a tag left open runs to the end of the input — plus the leniencies of old browsers
//! and lax back ends (NUL bytes dropped from names, other control characters as separators,
//! backticks as quotes, junk between `<` and the name).
//!
//! Each tag is judged by its name (`script`, `iframe`, `object`… always run or load active
//! content), its attributes (event handlers, script URLs, dangerous CSS, form targets) and,
//! for `style`, its content. Markup found inside attribute values, comments and declarations
//! is read again, a bounded number of levels deep, since the context an input lands in is
//! unknown.

use std::ops::ControlFlow;

use memchr::{memchr, memmem};

use super::decode::{self, html_decode};
use super::names::{self, TagClass};
use super::{MAX_DEPTH, css, hit, url};
use crate::detect::Detection;

type Flow = ControlFlow<Detection, usize>;

/// The HTML whitespace characters.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0c' | b'\r')
}

/// Characters that end a tag or attribute name: HTML whitespace, and the other control
/// characters, which lenient parsers (and old browsers) treat as whitespace. NUL is dropped
/// from names instead, as old Internet Explorer did.
fn is_sep(c: u8) -> bool {
    c <= 0x20 && c != 0
}

/// A short name, lowercased, on the stack.
struct Name {
    buf: [u8; 64],
    len: usize,
    overflow: bool,
}

impl Name {
    fn new() -> Self {
        Name {
            buf: [0; 64],
            len: 0,
            overflow: false,
        }
    }

    fn push(&mut self, c: u8) {
        match self.buf.get_mut(self.len) {
            Some(slot) => {
                *slot = c.to_ascii_lowercase();
                self.len += 1;
            }
            None => self.overflow = true,
        }
    }

    fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// The name after any namespace prefix: `script` for `x:script`.
    fn local(&self) -> &[u8] {
        let b = self.bytes();
        b.iter()
            .rposition(|&c| c == b':')
            .map_or(b, |i| &b[i + 1..])
    }
}

/// What kind of markup a `<` opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Start,
    End,
    /// `<?target …?>`: a processing instruction (`<?xml-stylesheet`, `<?import`).
    Pi,
}

/// Markup in `s` that would run script.
pub(crate) fn scan(s: &[u8], depth: u8) -> Option<Detection> {
    let mut i = 0;
    while let Some(off) = s.get(i..).and_then(|rest| memchr(b'<', rest)) {
        let lt = i + off;
        match markup(s, lt, depth) {
            ControlFlow::Break(d) => return Some(d),
            ControlFlow::Continue(next) => i = next.max(lt + 1),
        }
    }
    None
}

/// The markup opened by the `<` at `lt`; continues at the offset where scanning resumes.
fn markup(s: &[u8], lt: usize, depth: u8) -> Flow {
    match s.get(lt + 1) {
        None => ControlFlow::Continue(s.len()),
        Some(b'!') => declaration(s, lt, depth),
        Some(b'?') => tag(s, lt + 2, Kind::Pi, depth),
        Some(b'/') if s.get(lt + 2).is_some_and(u8::is_ascii_alphabetic) => {
            tag(s, lt + 2, Kind::End, depth)
        }
        Some(c) if c.is_ascii_alphabetic() || *c == b':' => {
            if let Some(name) = spaced_tag(s, lt + 1) {
                return ControlFlow::Break(hit("xss:spaced-tag", &[b"<", name]));
            }
            tag(s, lt + 1, Kind::Start, depth)
        }
        Some(&c) if c == 0 || is_sep(c) || c == b'%' => {
            // `< script>`, `<\0script>`, `<%script>`: not tags to a browser, but to lax back
            // ends and filters that strip the junk
            let mut j = lt + 1;
            while j < lt + 4 && s.get(j).is_some_and(|&c| c == 0 || is_sep(c) || c == b'%') {
                j += 1;
            }
            // only `script` counts: `precedence < base {` is code
            let name = s[j..]
                .iter()
                .take_while(|c| c.is_ascii_alphabetic())
                .count();
            if s.get(j..j + name)
                .is_some_and(|n| n.eq_ignore_ascii_case(b"script"))
            {
                tag(s, j, Kind::Start, depth)
            } else {
                ControlFlow::Continue(lt + 1)
            }
        }
        Some(_) => ControlFlow::Continue(lt + 1),
    }
}

/// Tags worth spelling out with spaces (`<f o r m`), which filters that squeeze whitespace,
/// and some old parsers, read as the tag.
const SPACED: [&[u8]; 16] = [
    b"applet",
    b"base",
    b"dialog",
    b"embed",
    b"form",
    b"frame",
    b"frameset",
    b"iframe",
    b"import",
    b"link",
    b"meta",
    b"object",
    b"script",
    b"style",
    b"svg",
    b"vmlframe",
];

/// A dangerous tag name written with whitespace inside it, starting at `start`.
fn spaced_tag(s: &[u8], start: usize) -> Option<&'static [u8]> {
    let mut joined = [0u8; 24];
    let (mut n, mut gaps, mut i) = (0, 0, start);
    while let Some(&c) = s.get(i) {
        if c.is_ascii_alphabetic() {
            *joined.get_mut(n)? = c.to_ascii_lowercase();
            n += 1;
        } else if is_sep(c) && s.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic()) {
            gaps += 1;
        } else {
            break;
        }
        i += 1;
    }
    if gaps == 0 {
        return None;
    }
    let joined = &joined[..n];
    SPACED.iter().copied().find(|t| *t == joined)
}

/// Whether `hay` starts with `prefix`, ignoring ASCII case.
fn starts_ci(hay: &[u8], prefix: &[u8]) -> bool {
    hay.get(..prefix.len())
        .is_some_and(|h| h.eq_ignore_ascii_case(prefix))
}

/// Where the ASCII-lowercase `needle` (which starts with `<`) first occurs in `hay`,
/// ignoring case.
fn find_tag_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memchr_iter(b'<', hay).find(|&i| starts_ci(&hay[i..], needle))
}

/// Server-side include directives (`<!--#exec cmd=…-->`).
const SSI: [&[u8]; 8] = [
    b"config",
    b"echo",
    b"exec",
    b"flastmod",
    b"fsize",
    b"include",
    b"printenv",
    b"set",
];

/// Reads markup again inside `body`, one level deeper.
fn nested(body: &[u8], depth: u8) -> ControlFlow<Detection> {
    if depth < MAX_DEPTH
        && memchr(b'<', body).is_some()
        && let Some(d) = scan(body, depth + 1)
    {
        return ControlFlow::Break(d);
    }
    ControlFlow::Continue(())
}

/// `<!--…-->`, `<!DOCTYPE…>`, `<!ENTITY…>`, `<![CDATA[…`: skipped by a browser, but read
/// again for markup, since an input may be meant to close the comment it lands in.
fn declaration(s: &[u8], lt: usize, depth: u8) -> Flow {
    let n = s.len();
    if s.get(lt + 2..lt + 4) == Some(b"--") {
        let body_start = lt + 4;
        let (body_end, next) = memmem::find(&s[body_start..], b"-->")
            .map_or((n, n), |o| (body_start + o, body_start + o + 3));
        let body = &s[body_start..body_end];
        if let Some(directive) = body.strip_prefix(b"#")
            && let Some(d) = SSI.iter().find(|d| starts_ci(directive, d))
        {
            return ControlFlow::Break(hit("xss:ssi", &[b"<!--#", d]));
        }
        nested(body, depth)?;
        return ControlFlow::Continue(next);
    }
    // a bogus comment or a declaration runs to the next `>`
    let body_start = lt + 2;
    let close = memchr(b'>', &s[body_start..]).map(|o| body_start + o);
    let body = &s[body_start..close.unwrap_or(n)];
    if external_entity(body) {
        return ControlFlow::Break(hit("xss:xml-entity", &[b"<!ENTITY"]));
    }
    nested(body, depth)?;
    ControlFlow::Continue(close.map_or(n, |c| c + 1))
}

/// Whether a declaration (after `<!`, or after `!` in text) declares an external or parameter
/// XML entity: `ENTITY % x SYSTEM "http://…"`, `ENTITY x PUBLIC …`.
pub(crate) fn external_entity(decl: &[u8]) -> bool {
    if !starts_ci(decl, b"entity") || !decl.get(6).is_some_and(|&c| is_sep(c)) {
        return false;
    }
    let mut words = decl[6..].split(|&c| is_sep(c)).filter(|w| !w.is_empty());
    match words.next() {
        Some(b"%") => true,
        Some(_) => words.next().is_some_and(|w| {
            w.eq_ignore_ascii_case(b"system") || w.eq_ignore_ascii_case(b"public")
        }),
        None => false,
    }
}

/// An attribute value as written: the bytes between its quotes, or up to the next separator.
#[derive(Clone, Copy)]
struct Value<'a> {
    raw: &'a [u8],
    quoted: bool,
}

/// A tag whose name starts at `start`; continues after its `>` (or at the end of the input).
fn tag(s: &[u8], start: usize, kind: Kind, depth: u8) -> Flow {
    let n = s.len();
    let mut name = Name::new();
    let mut i = start;
    while let Some(&c) = s.get(i) {
        // `\0` written out is dropped, as a NUL would be (`<scr\0ipt>`)
        if c == b'\\' && s.get(i + 1) == Some(&b'0') {
            i += 2;
            continue;
        }
        // quotes, `<`, `+`, `\` and non-ASCII bytes end a name only for lenient readers:
        // `<script\x20src=…>`, `<script+src=…>` from a form encoder, `¼script¾`
        if is_sep(c) || c >= 0x80 || matches!(c, b'/' | b'>' | b'"' | b'\'' | b'<' | b'\\' | b'+') {
            break;
        }
        if kind == Kind::Pi && c == b'?' {
            break;
        }
        if c != 0 {
            name.push(c);
        }
        i += 1;
    }
    // `<scr<script>`: a lenient reader restarts at the inner `<`
    let restart = s.get(i) == Some(&b'<');
    let local = name.local();
    let class = if name.overflow {
        TagClass::Plain
    } else {
        names::tag_class(local)
    };
    if kind != Kind::End {
        if class == TagClass::Script {
            let reason = if local == b"script" {
                "xss:script-tag"
            } else {
                "xss:dangerous-tag"
            };
            return ControlFlow::Break(hit(reason, &[b"<", local]));
        }
        // `<svgonload=alert(1)>`: a handler glued to the tag name
        if let Some(eq) = memchr(b'=', name.bytes()) {
            let glued = &name.bytes()[..eq];
            let handler = (1..glued.len().saturating_sub(2))
                .find(|&k| glued[k..].starts_with(b"on") && names::is_event(&glued[k + 2..]));
            if let Some(k) = handler {
                return ControlFlow::Break(hit("xss:event-handler", &[b"<", &glued[k..]]));
            }
        }
    }
    if restart {
        return ControlFlow::Continue(i);
    }
    loop {
        while s.get(i).is_some_and(|&c| is_sep(c) || c == 0 || c == b'/') {
            i += 1;
        }
        let Some(&c) = s.get(i) else {
            i = n;
            break;
        };
        if c == b'>' {
            i += 1;
            break;
        }
        // `<a title="x" <script>`: a `<` where an attribute should start opens a tag to a
        // lenient reader, or in another context
        if c == b'<'
            && s.get(i + 1)
                .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'!')
        {
            break;
        }
        if kind == Kind::Pi && c == b'?' && s.get(i + 1) == Some(&b'>') {
            i += 2;
            break;
        }
        // an attribute name; its first character may be anything, even `=`
        let mut attr = Name::new();
        attr.push(c);
        i += 1;
        while let Some(&c) = s.get(i) {
            if is_sep(c) || matches!(c, b'/' | b'>' | b'=') {
                break;
            }
            if c != 0 {
                attr.push(c);
            }
            i += 1;
        }
        if class == TagClass::Active && kind != Kind::End && !names::is_layout_attr(attr.bytes()) {
            return ControlFlow::Break(hit("xss:dangerous-tag", &[b"<", local, attr.bytes()]));
        }
        let mut j = i;
        while s.get(j).is_some_and(|&c| is_space(c)) {
            j += 1;
        }
        let mut value = None;
        if s.get(j) == Some(&b'=') {
            j += 1;
            while s.get(j).is_some_and(|&c| is_space(c)) {
                j += 1;
            }
            match s.get(j) {
                // old Internet Explorer also quoted with backticks
                Some(&q @ (b'"' | b'\'' | b'`')) => {
                    let vs = j + 1;
                    let ve = memchr(q, &s[vs..]).map_or(n, |o| vs + o);
                    value = Some(Value {
                        raw: &s[vs..ve],
                        quoted: true,
                    });
                    i = (ve + 1).min(n);
                }
                _ => {
                    let mut ve = j;
                    while s.get(ve).is_some_and(|&c| !is_sep(c) && c != b'>') {
                        ve += 1;
                    }
                    value = Some(Value {
                        raw: &s[j..ve],
                        quoted: false,
                    });
                    i = ve;
                }
            }
        }
        attribute(local, class, &attr, value, depth)?;
    }
    if class == TagClass::Style && kind == Kind::Start {
        // the content is CSS up to `</style`, raw text to a browser
        let close = find_tag_ci(&s[i..], b"</style").map_or(n, |o| i + o);
        let content = &s[i..close];
        if let Some(k) = css::dangerous(content) {
            return ControlFlow::Break(hit("xss:css", &[b"<style", k.as_bytes()]));
        }
        // CSS escapes hide keywords from filters; ordinary style sheets have no use for them
        if memchr(b'\\', content).is_some() {
            return ControlFlow::Break(hit("xss:css", &[b"<style", b"\\"]));
        }
        nested(content, depth)?;
        return ControlFlow::Continue(close);
    }
    ControlFlow::Continue(i)
}

/// Whether an attribute name is an event handler: `on` and letters. A lenient reader stops
/// at the first non-letter (`onload!#$%=` in old Firefox), so a known event followed by junk
/// counts too.
fn is_handler(name: &[u8]) -> bool {
    let Some(rest) = name.strip_prefix(b"on") else {
        return false;
    };
    let letters = rest
        .iter()
        .position(|c| !c.is_ascii_alphabetic())
        .unwrap_or(rest.len());
    if letters == rest.len() {
        (3..=50).contains(&letters)
    } else {
        names::is_event(&rest[..letters])
    }
}

/// `x/onerror=…` inside an unquoted value: lenient parsers split at the slash.
fn embedded_handler(v: &[u8]) -> Option<&[u8]> {
    memmem::find_iter(v, b"/on").find_map(|at| {
        let name = &v[at + 1..];
        let letters = name[2..]
            .iter()
            .position(|c| !c.is_ascii_alphabetic())
            .unwrap_or(name.len() - 2);
        (letters >= 3 && name.get(2 + letters) == Some(&b'=')).then(|| &name[..2 + letters])
    })
}

/// Whether a URL is a web, mail or relative one.
fn is_web_url(v: &[u8]) -> bool {
    let v = v.trim_ascii_start();
    [&b"http://"[..], b"https://", b"mailto:", b"tel:"]
        .iter()
        .any(|p| starts_ci(v, p))
        || matches!(v.first(), Some(b'/' | b'?' | b'#'))
}

/// Judges one attribute of a tag.
fn attribute(
    tag: &[u8],
    class: TagClass,
    attr: &Name,
    value: Option<Value<'_>>,
    depth: u8,
) -> ControlFlow<Detection> {
    let name = attr.bytes();
    let local = attr.local();
    let brk = |reason, tokens: &[&[u8]]| ControlFlow::Break(hit(reason, tokens));
    if value.is_some() && is_handler(name) {
        return brk("xss:event-handler", &[b"<", tag, name]);
    }
    match class {
        TagClass::Meta if name == b"http-equiv" || name == b"charset" => {
            return brk("xss:meta", &[b"<meta", name]);
        }
        TagClass::Link if name == b"href" => return brk("xss:link", &[b"<link", name]),
        TagClass::Form if name == b"action" => return brk("xss:form-action", &[b"<", tag, name]),
        TagClass::Loader if name == b"src" => return brk("xss:dangerous-tag", &[b"<", tag, name]),
        TagClass::Animate if name == b"attributename" => {
            // `<set attributeName=onmouseover to=alert(1)>`
            let v = value.map_or(&b""[..], |v| v.raw.trim_ascii());
            if starts_ci(v, b"on") {
                return brk("xss:svg-animate", &[b"<", tag, name, v]);
            }
        }
        _ => {}
    }
    if name == b"formaction" {
        return brk("xss:form-action", &[b"<", tag, name]);
    }
    let Some(v) = value else {
        return ControlFlow::Continue(());
    };
    if let Some(m) = url::scheme_at(v.raw, url::Opts::default()) {
        let rest = &v.raw[m.rest..];
        match m.kind {
            url::Kind::Script
                if (!names::is_text_attr(local) || m.obfuscated || url::code_follows(rest)) =>
            {
                return brk("xss:js-url", &[name, m.name.as_bytes()]);
            }
            // an SVG shown as an image (`<img src="data:image/svg+xml,…">`, pasted icons) runs
            // no script: only what it carries is judged, below
            url::Kind::ActiveData if !(m.svg && names::is_image_tag(tag)) => {
                return brk("xss:data-url", &[name, m.name.as_bytes()]);
            }
            // what other `data:` URLs carry: markup there runs wherever the browser sniffs
            url::Kind::ActiveData | url::Kind::UntypedData | url::Kind::OtherData
                if !m.image && depth < MAX_DEPTH =>
            {
                let payload = if m.base64 {
                    decode::base64(&html_decode(rest))
                } else {
                    html_decode(rest).into_owned()
                };
                if let Some(d) = super::scan(&payload, depth + 1) {
                    return ControlFlow::Break(d);
                }
            }
            _ => {}
        }
    }
    if !v.quoted
        && let Some(h) = embedded_handler(v.raw)
    {
        return brk("xss:event-handler", &[b"<", tag, h]);
    }
    if name == b"style"
        && let Some(k) = css::dangerous(v.raw)
    {
        return brk("xss:css", &[name, k.as_bytes()]);
    }
    let contains = |needle: &[u8]| {
        v.raw
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
    };
    if name == b"xmlns" || name.starts_with(b"xmlns:") || name == b"ns" {
        if contains(b"xinclude") {
            return brk("xss:xml-injection", &[name, b"XInclude"]);
        }
        // Internet Explorer's HTML+TIME and VML behaviours run script from markup
        if contains(b"schemas-microsoft-com:time") || contains(b"schemas-microsoft-com:vml") {
            return brk("xss:ie-behavior", &[name, v.raw]);
        }
    }
    // IE data binding renders a data island's field as HTML
    if name == b"dataformatas" && contains(b"html") {
        return brk("xss:data-binding", &[name, v.raw]);
    }
    // markup or references inside the value: read the decoded value again (`&amp;` alone, as
    // in every URL with two query parameters, hides nothing; a web or relative URL holds a `<`
    // only as URL decoding left it, and no parser reads markup there)
    let hides = |at: usize| !starts_ci(&v.raw[at..], b"&amp;");
    if depth < MAX_DEPTH
        && (memchr(b'<', v.raw).is_some() || memchr::memchr_iter(b'&', v.raw).any(hides))
        && !(names::is_url_attr(local) && is_web_url(v.raw))
        && let Some(d) = decode::with_html_decoded(v.raw, |d| super::scan(d, depth + 1))
    {
        return ControlFlow::Break(d);
    }
    ControlFlow::Continue(())
}
