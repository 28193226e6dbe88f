//! The script pass: what runs when an input lands inside an attribute or a script rather than
//! between tags. One walk over the bytes; each that can anchor an attack (`=`, `(`, `` ` ``, `.`,
//! `[`, `{`, `:`, `!`, `&`, `\`) gets a local look:
//!
//! - `" onmouseover=…`: an event-handler attribute injected after breaking out of a value;
//! - `alert(1)`, `';alert(1)//`, `` alert`1` ``, `(alert)(1)`, `top['al'+'ert'](1)`,
//!   `document.cookie`, `` [].sort.call`${alert}` ``, `{{constructor.constructor(…)()}}`,
//!   JSFuck: code that runs a sink, reads secrets or reaches `Function`, through comments,
//!   whitespace and escapes;
//! - `javascript:…` and active `data:` URLs, `expression(`, `url(javascript:`, `-moz-binding`.
//!
//! Prose is protected by requiring code around the keywords: `confirm (by Friday)`, `alert(s)`,
//! `JavaScript: the good parts` and `document.pdf` pass.

use memchr::memmem;

use super::decode::{self, entity, js_escape};
use super::html::external_entity;
use super::names::{self, Ident};
use super::{MAX_DEPTH, hit, url};
use crate::detect::Detection;

/// How far the look-arounds reach, so that the walk stays linear.
const REACH: usize = 256;

/// Bytes that anchor an attack (1); most (letters, digits, spaces) anchor nothing (0).
static ANCHOR: [u8; 256] = {
    let mut t = [0; 256];
    let anchors = b"=(`.[{:!&\\";
    let mut k = 0;
    while k < anchors.len() {
        t[anchors[k] as usize] = 1;
        k += 1;
    }
    t
};

/// The first anchor at or after `i`.
fn next_anchor(s: &[u8], mut i: usize) -> Option<usize> {
    // eight bytes at a time, without branching on each
    while let Some(chunk) = s.get(i..i + 8) {
        if chunk.iter().fold(0, |m, &c| m | ANCHOR[usize::from(c)]) != 0 {
            break;
        }
        i += 8;
    }
    s.get(i..)?
        .iter()
        .position(|&c| ANCHOR[usize::from(c)] != 0)
        .map(|o| i + o)
}

/// Script-context attacks anywhere in `s`, `depth` levels inside other markup.
pub(crate) fn scan(s: &[u8], depth: u8) -> Option<Detection> {
    // the end of the last `{{ … }}` read, so that nested braces are read once
    let mut template_end = 0;
    // where the last look back for a scheme stopped, so that each byte is looked at once
    let mut scheme_floor = 0;
    let mut from = 0;
    while let Some(i) = next_anchor(s, from) {
        from = i + 1;
        let c = s[i];
        let found = match c {
            b'{' if i < template_end => None,
            b'{' => {
                let (found, end) = brace(s, i);
                template_end = end;
                found
            }
            b'=' => equals(s, i),
            b'(' | b'`' => call(s, i, i + 1, false),
            b'.' => member(s, i),
            b'[' => bracket(s, i),
            b'!' => bang(s, i),
            // a scheme ends in a colon, written as is or hidden by references or escapes (a
            // bare `&` or `\\` ends a scheme instead)
            _ => {
                let (found, hides) = match c {
                    b':' => (colon(s, i), true),
                    b'&' => match entity(&s[i..]) {
                        Some((cp, n)) => (amp(s, i, cp, n), true),
                        None => (None, false),
                    },
                    _ => (None, js_escape(&s[i..]).is_some()),
                };
                let floor = scheme_floor;
                scheme_floor = i + 1;
                found.or_else(|| hides.then(|| scheme_before(s, i, floor, depth)).flatten())
            }
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// A script scheme that ends at the colon (or at the reference or escape that may hide one,
/// or start one) at `a`: one of the word starts in the run of letters and obfuscation just
/// before `a`, after `floor` and at most [`REACH`] bytes back.
fn scheme_before(s: &[u8], a: usize, floor: usize, depth: u8) -> Option<Detection> {
    // letters, and what references, escapes and dropped characters are made of
    let scheme_char = |c: u8| {
        c.is_ascii_alphanumeric()
            || matches!(c, b'&' | b'#' | b';' | b'\\' | b'{' | b'}')
            || c < 0x20
    };
    let lo = a.saturating_sub(REACH).max(floor);
    let mut t = a;
    while t > lo && scheme_char(s[t - 1]) {
        t -= 1;
    }
    (t..=a).find_map(|st| {
        let c = s[st];
        let first = matches!(c.to_ascii_lowercase(), b'j' | b'v' | b'l' | b'm' | b'd');
        // a scheme starts a token: `WLDP_HOST_JAVASCRIPT:` is a name
        let token_start = st == 0 || !is_ident(s[st - 1]);
        ((first || c == b'&' || c == b'\\') && token_start && may_start_scheme(s, st))
            .then(|| scheme(s, st, depth))
            .flatten()
    })
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$'
}

fn is_js_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

/// What lies between two tokens.
#[derive(Clone, Copy, Default)]
struct Gap {
    space: bool,
    comment: bool,
}

/// Steps back from `p` over whitespace and `/* … */` comments.
fn skip_back(s: &[u8], p: usize) -> (usize, Gap) {
    let mut q = p;
    let mut gap = Gap::default();
    let floor = p.saturating_sub(REACH);
    while q > floor {
        if is_js_space(s[q - 1]) {
            q -= 1;
            gap.space = true;
        } else if q >= 2 && s[q - 2] == b'*' && s[q - 1] == b'/' {
            match memmem::rfind(&s[floor..q - 2], b"/*") {
                Some(o) => {
                    q = floor + o;
                    gap.comment = true;
                }
                None => break,
            }
        } else {
            break;
        }
    }
    (q, gap)
}

/// Steps forward from `p` over whitespace and `/* … */` comments.
fn skip_fwd(s: &[u8], p: usize) -> (usize, Gap) {
    let mut r = p;
    let mut gap = Gap::default();
    let ceil = (p + REACH).min(s.len());
    while r < ceil {
        if is_js_space(s[r]) {
            r += 1;
            gap.space = true;
        } else if s[r] == b'/' && s.get(r + 1) == Some(&b'*') {
            match memmem::find(&s[r + 2..ceil], b"*/") {
                Some(o) => {
                    r += 2 + o + 2;
                    gap.comment = true;
                }
                None => break,
            }
        } else {
            break;
        }
    }
    (r, gap)
}

/// The longest identifier the detector reads (`getelementsbyclassname` is 22).
const ID_MAX: usize = 32;

/// An identifier, escapes (`al\u0065rt`) decoded.
struct Id {
    buf: [u8; ID_MAX],
    len: usize,
    /// Where it starts in the input.
    start: usize,
    /// Where it ends in the input.
    end: usize,
}

impl Id {
    fn name(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    fn kind(&self) -> Option<Ident> {
        names::ident(self.name())
    }

    /// Reads the identifier in `s[start..end]`, decoding escapes; `None` if it has none or is
    /// too long to matter.
    fn read(s: &[u8], start: usize, end: usize) -> Option<Id> {
        let mut id = Id {
            buf: [0; ID_MAX],
            len: 0,
            start,
            end,
        };
        let mut i = start;
        while i < end {
            let (c, n) = match s[i] {
                b'\\' => match js_escape(&s[i..end]) {
                    Some((cp, n)) => (u8::try_from(cp).ok().filter(|&c| is_ident(c)), n),
                    None => (None, 1),
                },
                c if is_ident(c) => (Some(c), 1),
                _ => (None, 1),
            };
            i += n;
            match c {
                Some(c) => {
                    *id.buf.get_mut(id.len)? = c;
                    id.len += 1;
                }
                // a stray `\`, `{` or `}`: the identifier starts after it
                None => {
                    id.len = 0;
                    id.start = i;
                }
            }
        }
        (id.len > 0).then_some(id)
    }
}

/// The identifier that ends at `q`.
fn ident_before(s: &[u8], q: usize) -> Option<Id> {
    let mut st = q;
    let mut escaped = false;
    while st > 0 {
        let c = s[st - 1];
        if !(is_ident(c) || matches!(c, b'\\' | b'{' | b'}')) {
            break;
        }
        escaped |= c == b'\\';
        st -= 1;
        // longer than any name the detector knows, even with six-byte escapes
        if q - st > 6 * ID_MAX || (!escaped && q - st > ID_MAX) {
            return None;
        }
    }
    Id::read(s, st, q)
}

/// The identifier that starts at `r`.
fn ident_after(s: &[u8], r: usize) -> Option<Id> {
    let mut end = r;
    let mut chars = 0;
    while end < s.len() {
        match s[end] {
            c if is_ident(c) => end += 1,
            b'\\' => end += js_escape(&s[end..]).map_or(1, |(_, n)| n),
            _ => break,
        }
        chars += 1;
        // longer than any name the detector knows (base64, hashes)
        if chars > ID_MAX {
            return None;
        }
    }
    let id = Id::read(s, r, end)?;
    (id.start == r).then_some(id)
}

/// The identifier before `q`, or the one wrapped in the parentheses that end there:
/// `(document)`, `(0,alert)`.
fn object_before(s: &[u8], q: usize) -> Option<Id> {
    if q == 0 || s[q - 1] != b')' {
        return ident_before(s, q);
    }
    let close = q - 1;
    let open = s[close.saturating_sub(40)..close]
        .iter()
        .rposition(|&c| c == b'(')?
        + close.saturating_sub(40);
    let inner = &s[open + 1..close];
    // a comma expression takes its last operand: `(0,alert)`
    let from = inner.iter().rposition(|&c| c == b',').map_or(0, |k| k + 1);
    let (a, _) = skip_fwd(s, open + 1 + from);
    let (b, _) = skip_back(s, close);
    let id = ident_after(s, a)?;
    (id.end == b).then_some(id)
}

/// The text between the `(` that ends at `after` and the next `)`, if near.
fn argument(s: &[u8], after: usize) -> Option<&[u8]> {
    let rest = s.get(after..)?;
    let close = rest.iter().take(64).position(|&c| c == b')')?;
    Some(rest[..close].trim_ascii())
}

/// Suffixes that English puts in parentheses: `alert(s)`, `confirm(ed)`.
const SUFFIXES: [&[u8]; 9] = [
    b"s", b"es", b"ed", b"d", b"ing", b"er", b"ers", b"ion", b"ions",
];

/// `(` or `` ` `` at `p` (the call's arguments start at `after`): a call of a sink, or CSS
/// that runs script.
fn call(s: &[u8], p: usize, after: usize, entity: bool) -> Option<Detection> {
    let tick = s[p] == b'`';
    let (q, gap) = skip_back(s, p);
    if let Some(d) = callback(s, q, after, gap) {
        return Some(d);
    }
    let id = object_before(s, q)?;
    let raw = &s[id.start..id.end];
    // `` `alert` ``, `` `String.fromCharCode()` ``, `` `x.set.call` ``: code spans in
    // Markdown and documentation name code, they are not code
    let mut chain = id.start;
    while chain > 0 && id.start - chain < 64 && (is_ident(s[chain - 1]) || s[chain - 1] == b'.') {
        chain -= 1;
    }
    if chain > 0 && s[chain - 1] == b'`' {
        if tick {
            return None;
        }
        let close = s[after..].iter().take(64).position(|&c| c == b')');
        if close.is_some_and(|c| s.get(after + c + 1) == Some(&b'`')) {
            return None;
        }
    }
    // a tagged template has its text right after the backtick; `` `self.call` is `` ends a
    // code span
    if tick && s.get(after).is_some_and(|&c| is_js_space(c)) {
        return None;
    }
    let (before, _) = skip_back(s, id.start);
    let dot_before = before > 0 && s[before - 1] == b'.';
    let loose = gap.space && !gap.comment;
    let word_before = || ident_before(s, before);
    // `Function('alert(1)')()`, `new Function(code)`; not an enum variant `Function(usize)`
    if raw == b"Function" {
        let (r, _) = skip_fwd(s, after);
        let string = tick || matches!(s.get(r), Some(b'\'' | b'"' | b'`'));
        let new = word_before().is_some_and(|w| w.name() == b"new");
        return ((string && !gap.space) || new).then(|| hit("xss:js-sink", &[raw, b"("]));
    }
    // `fn confirm(…)`, `def eval(…)`: a definition in some language, not a call
    if word_before()
        .is_some_and(|w| matches!(w.name(), b"fn" | b"def" | b"function" | b"func" | b"sub"))
    {
        return None;
    }
    match id.kind()? {
        // `req.eval(x)` is some object's method; on a global (`top.alert(1)`) the member
        // access is judged by `member`
        Ident::Sink | Ident::Helper if dot_before && id.name() != b"fromCharCode" => None,
        Ident::Sink | Ident::Helper => {
            // a call is closed: `eval(` alone names the function
            let closed = tick
                || entity
                || memchr::memchr(b')', &s[after..s.len().min(after + REACH)]).is_some();
            if !closed {
                return None;
            }
            let arg = if tick || entity {
                None
            } else {
                argument(s, after)
            };
            if loose && !arg.is_some_and(code_like) {
                return None;
            }
            if arg.is_some_and(|a| SUFFIXES.iter().any(|x| a.eq_ignore_ascii_case(x))) {
                return None;
            }
            // `confirm(*ptr)`, `alert(&msg)`: C and Rust, not JavaScript
            if arg.is_some_and(|a| matches!(a.first(), Some(b'*' | b'&'))) {
                return None;
            }
            // `String.fromCharCode(88,83,83)` spells something; with nothing it is a mention
            if id.name() == b"fromCharCode" && arg.is_some_and(<[u8]>::is_empty) {
                return None;
            }
            // `use alert() sparingly`, `the eval(code) function`: a sentence names a function;
            // a payload has code, or nothing, before it
            let weak = arg.is_some_and(|a| {
                a.iter().all(|&c| is_ident(c)) && !a.first().is_some_and(u8::is_ascii_digit)
            });
            let code_before =
                before == 0 || b";'\"`(){}[]=,+-*/|&!?:<>.\\".contains(&s[before - 1]);
            if weak && !code_before {
                return None;
            }
            Some(hit("xss:js-sink", &[raw, if tick { b"`" } else { b"(" }]))
        }
        Ident::Import if !gap.space && !tick => {
            let (r, _) = skip_fwd(s, after);
            matches!(s.get(r), Some(b'\'' | b'"' | b'`')).then(|| hit("xss:js-sink", &[raw, b"("]))
        }
        // `x.constructor('alert(1)')` builds a function from a string; `opts.constructor()`
        // is some object's accessor
        Ident::Constructor if dot_before => {
            let (r, _) = skip_fwd(s, after);
            (tick || matches!(s.get(r), Some(b'\'' | b'"' | b'`')))
                .then(|| hit("xss:js-obfuscation", &[b".", raw, b"("]))
        }
        Ident::Call if tick && id.start > 0 && s[id.start - 1] == b'.' => {
            Some(hit("xss:js-template", &[b".", raw, b"`"]))
        }
        // `x:expression(…)` in CSS; not a path such as `Value::Expression(…)`
        Ident::Expression
            if !tick
                && before > 0
                && s[before - 1] == b':'
                && (before < 2 || s[before - 2] != b':') =>
        {
            Some(hit("xss:css", &[raw, b"("]))
        }
        Ident::Url if !tick => {
            let mut r = after;
            while s
                .get(r)
                .is_some_and(|&c| c <= 0x20 || c == b'"' || c == b'\'')
            {
                r += 1;
            }
            let opts = url::Opts {
                js_escapes: false,
                loose_colon: true,
            };
            let m = url::scheme_at(s.get(r..)?, opts)?;
            (m.kind == url::Kind::Script).then(|| hit("xss:css", &[b"url(", m.name.as_bytes()]))
        }
        _ => None,
    }
}

/// A sink handed over as a callback: `[1].find(alert)`, `setTimeout(alert)`.
fn callback(s: &[u8], q: usize, after: usize, gap: Gap) -> Option<Detection> {
    let (r, _) = skip_fwd(s, after);
    let arg = ident_after(s, r)?;
    if arg.kind()? != Ident::Sink {
        return None;
    }
    let (e, _) = skip_fwd(s, arg.end);
    if !matches!(s.get(e), Some(b')' | b',')) || gap.space {
        return None;
    }
    let callee = ident_before(s, q)?;
    let (before, _) = skip_back(s, callee.start);
    let method = before > 0 && s[before - 1] == b'.';
    // the functions that call what they are handed
    let calls_back = matches!(
        callee.name(),
        b"apply"
            | b"bind"
            | b"call"
            | b"catch"
            | b"every"
            | b"filter"
            | b"finally"
            | b"find"
            | b"findIndex"
            | b"findLast"
            | b"flatMap"
            | b"forEach"
            | b"map"
            | b"reduce"
            | b"reduceRight"
            | b"some"
            | b"sort"
            | b"then"
    );
    ((method && calls_back) || callee.kind() == Some(Ident::Sink))
        .then(|| hit("xss:js-sink", &[&s[arg.start..arg.end], b")"]))
}

/// Whether a call's argument reads as code: a number, a string, a regex, a member access…
fn code_like(a: &[u8]) -> bool {
    match a.first() {
        None => true,
        Some(c) if c.is_ascii_digit() => true,
        Some(b'"' | b'\'' | b'`' | b'/' | b'[' | b'{' | b'-') => true,
        Some(_) => {
            a.iter()
                .any(|c| matches!(c, b'.' | b'(' | b'+' | b'"' | b'\''))
                || (a.len() <= 2 && a.iter().all(|&c| is_ident(c)))
        }
    }
}

/// `=` at `p`: an event handler written into the page (`" onmouseover=…`), or a sink put in a
/// variable and called (`a=alert,a(1)`).
fn equals(s: &[u8], p: usize) -> Option<Detection> {
    let mut q = p;
    while q > 0 && p - q < 8 && s[q - 1] <= 0x20 {
        q -= 1;
    }
    let mut st = q;
    while st > 0 && q - st <= 52 && s[st - 1].is_ascii_alphabetic() {
        st -= 1;
    }
    let name = &s[st..q];
    let whole = st == 0 || !s[st - 1].is_ascii_alphabetic();
    if whole && (5..=52).contains(&name.len()) && name[..2].eq_ignore_ascii_case(b"on") {
        let mut lower = [0u8; 52];
        let lower = &mut lower[..name.len()];
        lower.copy_from_slice(name);
        lower.make_ascii_lowercase();
        let prev = st.checked_sub(1).map(|k| s[k]);
        let quote = matches!(prev, Some(b'"' | b'\'' | b'`'));
        let separated = prev.is_none_or(|c| {
            c <= 0x20
                || matches!(
                    c,
                    b'"' | b'\'' | b'`' | b'/' | b';' | b',' | b'(' | b'|' | b'+' | b'\\'
                )
        });
        // `  onfoo=`: spaces that end an unquoted attribute value, then a new attribute
        // (in lowercase: indented code such as `    OneOrMore = 1,` is not markup)
        let leading_space = prev.is_some_and(|c| c <= 0x20)
            && s[..st].iter().all(|&c| c <= 0x20)
            && !name.iter().any(u8::is_ascii_uppercase);
        if separated && (names::is_event(&lower[2..]) || quote || leading_space) {
            return Some(hit("xss:event-handler", &[name, b"="]));
        }
    }
    // `'formaction=`, `" srcdoc=`: other attributes that run what they are given
    let quoted = st > 0 && matches!(s[st - 1], b'"' | b'\'' | b'`');
    if whole && quoted {
        if name.eq_ignore_ascii_case(b"formaction") {
            return Some(hit("xss:form-action", &[name, b"="]));
        }
        if name.eq_ignore_ascii_case(b"srcdoc") {
            return Some(hit("xss:attribute-injection", &[name, b"="]));
        }
    }
    // `a=alert,a(1)`
    let (r, _) = skip_fwd(s, p + 1);
    let plain_end = s[r..]
        .iter()
        .position(|&c| !is_ident(c))
        .map_or(s.len(), |o| r + o);
    if s.get(plain_end) != Some(&b',') {
        return None;
    }
    let sink = ident_after(s, r)?;
    if sink.kind()? != Ident::Sink || s.get(sink.end) != Some(&b',') {
        return None;
    }
    let (r, _) = skip_fwd(s, sink.end + 1);
    let callee = ident_after(s, r)?;
    (s.get(callee.end) == Some(&b'('))
        .then(|| hit("xss:js-sink", &[&s[sink.start..sink.end], b","]))
}

/// `.` at `p`: a dangerous member (`document.cookie`, `window.location`), markup written into
/// the page (`.innerHTML=`), or a way to `Function` (`constructor.constructor`).
fn member(s: &[u8], p: usize) -> Option<Detection> {
    let (r, _) = skip_fwd(s, p + 1);
    let prop = ident_after(s, r)?;
    let special = matches!(
        prop.name(),
        b"innerHTML" | b"outerHTML" | b"insertAdjacentHTML" | b"constructor"
    );
    // most dots sit in prose, numbers, host and file names: look no further unless the member
    // is one that matters
    if !special && !names::is_member_name(prop.name()) {
        return None;
    }
    let (after, _) = skip_fwd(s, prop.end);
    let next = s.get(after).copied();
    let (q, _) = skip_back(s, p);
    let obj = object_before(s, q);
    match prop.name() {
        b"innerHTML" | b"outerHTML" if next == Some(b'=') && s.get(after + 1) != Some(&b'=') => {
            return Some(hit(
                "xss:dom-write",
                &[b".", &s[prop.start..prop.end], b"="],
            ));
        }
        b"insertAdjacentHTML" if next == Some(b'(') => {
            return Some(hit(
                "xss:dom-write",
                &[b".", &s[prop.start..prop.end], b"("],
            ));
        }
        b"constructor" if obj.as_ref().is_some_and(|o| o.name() == b"constructor") => {
            return Some(hit("xss:js-obfuscation", &[b"constructor.constructor"]));
        }
        _ => {}
    }
    let obj = obj?;
    if obj.kind()? != Ident::Global {
        return None;
    }
    // `self.location`, `self.document` are every Python and Rust method's fields
    if obj.name() == b"self" {
        return None;
    }
    let strength = names::member(obj.name(), prop.name())?;
    // `self.location(path)`: a call of what JavaScript has as a property is some other code
    let callable = names::is_method(prop.name());
    let code_next = match next {
        Some(b'(') => callable,
        Some(b'=' | b';' | b'+' | b')' | b',' | b'[' | b'.') => true,
        _ => false,
    };
    if next == Some(b'(') && !callable {
        return None;
    }
    // a path segment such as `/manual/document.cookie` names a page, not code
    let in_path = obj.start > 0 && s[obj.start - 1] == b'/';
    if (in_path || strength == names::Member::Dom) && !code_next {
        return None;
    }
    Some(hit(
        "xss:dom-access",
        &[&s[obj.start..obj.end], b".", &s[prop.start..prop.end]],
    ))
}

/// `[` at `p`: JSFuck, a global indexed by a computed name (`top['al'+'ert']`), or a
/// constructor reached by name (`[]['constructor']`).
fn bracket(s: &[u8], p: usize) -> Option<Detection> {
    if s.get(p + 1) == Some(&b']')
        && let Some(d) = jsfuck(s, p)
    {
        return Some(d);
    }
    let (r, _) = skip_fwd(s, p + 1);
    let next = s.get(r).copied();
    if let Some(q @ (b'"' | b'\'')) = next {
        let body = &s[r + 1..];
        let len = body.iter().take(16).position(|&c| c == q)?;
        let key = &body[..len];
        if [&b"constructor"[..], b"__proto__", b"prototype"].contains(&key) {
            return Some(hit("xss:js-obfuscation", &[b"[", key, b"]"]));
        }
    }
    let (q, gap) = skip_back(s, p);
    let obj = object_before(s, q)?;
    // `stack.top[i]` is some object's member, not the global
    let (before, _) = skip_back(s, obj.start);
    if obj.kind()? != Ident::Global || (before > 0 && s[before - 1] == b'.') {
        return None;
    }
    let computed = match next? {
        b'"' | b'\'' => true,
        // `the new location [link](…)`, `parent [`Command`]` in Markdown: after a space, only
        // a string index reads as code; and `self[i]` indexes in Rust and Python
        _ if gap.space || obj.name() == b"self" => false,
        b'`' | b'/' => true,
        c if is_ident(c) => {
            // `top[0]`, `self[i]`, `content[idx..]` index (in some language); a name worked
            // out by a call or a concatenation (`top[8680439..toString(30)]`,
            // `top[atob(x)]`, `top[a+b]`) reaches whatever it spells
            let end = s[r..].iter().take(64).position(|&c| c == b']');
            end.is_some_and(|e| s[r..r + e].iter().any(|c| matches!(c, b'(' | b'+')))
        }
        _ => false,
    };
    computed.then(|| hit("xss:js-obfuscation", &[&s[obj.start..obj.end], b"["]))
}

/// JSFuck around the `[]` at `p`: `(![]+[])[+!+[]]`, `+!![]`.
fn jsfuck(s: &[u8], p: usize) -> Option<Detection> {
    let in_set = |c: u8| matches!(c, b'[' | b']' | b'(' | b')' | b'!' | b'+' | b' ');
    let mut a = p;
    while a > 0 && p - a < 64 && in_set(s[a - 1]) {
        a -= 1;
    }
    let mut b = p;
    while b < s.len() && b - p < 64 && in_set(s[b]) {
        b += 1;
    }
    // `vec![]` is a Rust macro, not JSFuck
    if a > 0 && is_ident(s[a - 1]) && s[a] == b'!' {
        return None;
    }
    let run = &s[a..b];
    let dense = run.iter().filter(|&&c| c != b' ').count();
    // `![](…)` is a Markdown image; JSFuck never calls a boolean
    let marker = memmem::find_iter(run, b"![]").any(|k| run.get(k + 3) != Some(&b'('))
        || memmem::find(run, b"+[]").is_some()
        || memmem::find(run, b"[]+").is_some();
    (dense >= 5 && marker).then(|| hit("xss:js-obfuscation", &[&run[..run.len().min(24)]]))
}

/// Words that only a client-side template injection puts between `{{` and `}}`.
const TEMPLATE_WORDS: [&[u8]; 9] = [
    b"constructor",
    b"$eval",
    b"$on",
    b"alert",
    b"__proto__",
    b"$new",
    b"prototype",
    b"fromcharcode",
    b"$parse",
];

/// `{` at `p`: client-side template injection (`{{constructor.constructor('…')()}}`) or a sink
/// in a template literal (`${alert}`). Also returns where a `{{ … }}` read ends.
fn brace(s: &[u8], p: usize) -> (Option<Detection>, usize) {
    if s.get(p + 1) == Some(&b'{') {
        let body = &s[p + 2..(p + 2 + REACH).min(s.len())];
        let len = memmem::find(body, b"}}").unwrap_or(body.len());
        let body = &body[..len];
        let word = TEMPLATE_WORDS
            .iter()
            .find(|w| body.windows(w.len()).any(|x| x.eq_ignore_ascii_case(w)));
        let found = word.map(|w| hit("xss:template-injection", &[b"{{", w]));
        return (found, p + 2 + len);
    }
    (template_sink(s, p), 0)
}

/// `${alert}` in a template literal.
fn template_sink(s: &[u8], p: usize) -> Option<Detection> {
    if p == 0 || s[p - 1] != b'$' {
        return None;
    }
    let (r, _) = skip_fwd(s, p + 1);
    let id = ident_after(s, r)?;
    let (e, _) = skip_fwd(s, id.end);
    (id.kind()? == Ident::Sink && s.get(e) == Some(&b'}'))
        .then(|| hit("xss:js-template", &[b"${", &s[id.start..id.end], b"}"]))
}

/// `:` at `p`: `-moz-binding:` and `behavior: url(`, CSS that loads script.
fn colon(s: &[u8], p: usize) -> Option<Detection> {
    let mut st = p;
    while st > 0 && p - st < 16 && (s[st - 1].is_ascii_alphabetic() || s[st - 1] == b'-') {
        st -= 1;
    }
    let word = &s[st..p];
    let ends_ci =
        |w: &[u8]| word.len() >= w.len() && word[word.len() - w.len()..].eq_ignore_ascii_case(w);
    if ends_ci(b"-moz-binding") {
        return Some(hit("xss:css", &[b"-moz-binding", b":"]));
    }
    if ends_ci(b"behavior") || ends_ci(b"behaviour") {
        let (r, _) = skip_fwd(s, p + 1);
        if s.get(r..r + 4)
            .is_some_and(|u| u.eq_ignore_ascii_case(b"url("))
        {
            return Some(hit("xss:css", &[b"behavior", b":", b"url("]));
        }
    }
    None
}

/// `!` at `p`: an external XML entity declared in text (`!ENTITY % x SYSTEM "http://…"`).
fn bang(s: &[u8], p: usize) -> Option<Detection> {
    external_entity(&s[p + 1..]).then(|| hit("xss:xml-entity", &[b"!ENTITY"]))
}

/// The character reference `cp`, `n` bytes at `p`: `(` or `` ` `` after a sink
/// (`alert&lpar;1&rpar;`).
fn amp(s: &[u8], p: usize, cp: u32, n: usize) -> Option<Detection> {
    if cp == u32::from(b'(') || cp == u32::from(b'`') {
        return call(s, p, p + n, true);
    }
    None
}

/// Whether the letter at `i` can start a script or `data:` scheme, by the next letter (any
/// other byte may be obfuscation): a cheap test before the decoding one.
fn may_start_scheme(s: &[u8], i: usize) -> bool {
    let expect = match s[i].to_ascii_lowercase() {
        b'j' | b'd' => b'a',
        b'v' => b'b',
        b'l' => b'i',
        b'm' => b'o',
        _ => return true,
    };
    s.get(i + 1)
        .is_none_or(|c| !c.is_ascii_alphabetic() || c.to_ascii_lowercase() == expect)
}

/// A script URL starting at `p` and followed by code, or an active `data:` URL (an SVG one only
/// with dangerous markup in its base64 payload).
fn scheme(s: &[u8], p: usize, depth: u8) -> Option<Detection> {
    let opts = url::Opts {
        js_escapes: true,
        loose_colon: false,
    };
    let m = url::scheme_at(&s[p..], opts)?;
    let rest = &s[p + m.rest..];
    let found = match m.kind {
        url::Kind::Script => m.obfuscated || url::code_follows(rest),
        // an SVG may just be an image: judged by what it carries, which only base64 hides
        url::Kind::ActiveData if m.svg => {
            if !m.base64 || depth >= MAX_DEPTH {
                return None;
            }
            let len = rest
                .iter()
                .take_while(|&&c| c.is_ascii_alphanumeric() || b"+/=".contains(&c))
                .count();
            return super::scan(&decode::base64(&rest[..len]), depth + 1);
        }
        url::Kind::ActiveData => true,
        // `data:,<svg onload=…>` only matters with markup in it
        url::Kind::UntypedData => memchr::memchr(b'<', rest).is_some(),
        url::Kind::OtherData => false,
    };
    let reason = if m.kind == url::Kind::Script {
        "xss:js-url"
    } else {
        "xss:data-url"
    };
    found.then(|| hit(reason, &[m.name.as_bytes()]))
}
