//! The encodings a browser undoes before it runs a payload — character references in attribute
//! values, JavaScript escapes in strings and identifiers — and the rewrites that undo evasions
//! a browser would not (full-width forms, `%u` escapes, 7-bit stripping, UTF-7).

use std::borrow::Cow;

use memchr::{memchr, memchr3};

/// Named character references that obfuscated payloads use, matched without case (browsers
/// match them with case, but payloads also aim at filters that lowercase first), and whether
/// a browser accepts them without the closing `;` (the legacy ones).
fn named(name: &[u8]) -> Option<(u8, bool)> {
    Some(match name {
        b"amp" => (b'&', true),
        b"apos" => (b'\'', false),
        b"ast" | b"midast" => (b'*', false),
        b"bsol" => (b'\\', false),
        b"colon" => (b':', false),
        b"comma" => (b',', false),
        b"commat" => (b'@', false),
        b"dollar" => (b'$', false),
        b"equals" => (b'=', false),
        b"excl" => (b'!', false),
        b"grave" => (b'`', false),
        b"gt" => (b'>', true),
        b"hat" => (b'^', false),
        b"lbrace" | b"lcub" => (b'{', false),
        b"lbrack" | b"lsqb" => (b'[', false),
        b"lowbar" => (b'_', false),
        b"lpar" => (b'(', false),
        b"lt" => (b'<', true),
        // no-break space: an ASCII stand-in, it only ever separates
        b"nbsp" => (b' ', true),
        b"newline" => (b'\n', false),
        b"num" => (b'#', false),
        b"percnt" => (b'%', false),
        b"period" => (b'.', false),
        b"plus" => (b'+', false),
        b"quest" => (b'?', false),
        b"quot" => (b'"', true),
        b"rbrace" | b"rcub" => (b'}', false),
        b"rbrack" | b"rsqb" => (b']', false),
        b"rpar" => (b')', false),
        b"semi" => (b';', false),
        b"sol" => (b'/', false),
        b"tab" => (b'\t', false),
        b"verbar" | b"vert" => (b'|', false),
        _ => return None,
    })
}

const REPLACEMENT: u32 = 0xFFFD;

/// The character reference at the start of `s` (which begins with `&`): the code point and
/// how many bytes it spans.
pub(crate) fn entity(s: &[u8]) -> Option<(u32, usize)> {
    if s.first() != Some(&b'&') {
        return None;
    }
    if s.get(1) == Some(&b'#') {
        let (radix, mut i) = match s.get(2) {
            Some(b'x' | b'X') => (16, 3),
            _ => (10, 2),
        };
        let start = i;
        let mut v: u32 = 0;
        while let Some(d) = s.get(i).and_then(|&c| char::from(c).to_digit(radix)) {
            v = v.saturating_mul(radix).saturating_add(d);
            i += 1;
        }
        if i == start {
            return None;
        }
        if s.get(i) == Some(&b';') {
            i += 1;
        }
        // as browsers do: NUL, surrogates and out-of-range values become U+FFFD
        let cp = if v == 0 || v > 0x10FFFF || (0xD800..=0xDFFF).contains(&v) {
            REPLACEMENT
        } else {
            v
        };
        return Some((cp, i));
    }
    let mut name = [0u8; 8];
    let mut i = 1;
    while let Some(&c) = s.get(i) {
        if !c.is_ascii_alphanumeric() {
            break;
        }
        if i > name.len() {
            return None;
        }
        name[i - 1] = c.to_ascii_lowercase();
        i += 1;
    }
    let (c, legacy) = named(&name[..i - 1])?;
    if s.get(i) == Some(&b';') {
        Some((u32::from(c), i + 1))
    } else if legacy {
        Some((u32::from(c), i))
    } else {
        None
    }
}

/// The JavaScript escape at the start of `s` (which begins with `\`): `\xHH`, `\uHHHH` or
/// `\u{H…}`, with the code point and the bytes it spans.
pub(crate) fn js_escape(s: &[u8]) -> Option<(u32, usize)> {
    let hex = |t: &[u8]| -> Option<u32> {
        let mut v: u32 = 0;
        for &c in t {
            v = v
                .checked_mul(16)?
                .checked_add(char::from(c).to_digit(16)?)?;
        }
        Some(v)
    };
    match s.get(1)? {
        b'x' | b'X' => Some((hex(s.get(2..4)?)?, 4)),
        b'u' | b'U' if s.get(2) == Some(&b'{') => {
            let close = s.iter().take(12).position(|&c| c == b'}')?;
            let v = hex(s.get(3..close)?)?;
            (close > 3 && v <= 0x10FFFF).then_some((v, close + 1))
        }
        b'u' | b'U' => Some((hex(s.get(2..6)?)?, 6)),
        _ => None,
    }
}

/// One decoded character: its code point (or the raw byte, when `raw`) and where it began.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Unit {
    pub(crate) cp: u32,
    pub(crate) at: usize,
    pub(crate) raw: bool,
}

/// Characters of `s` with character references (and, optionally, JavaScript escapes) decoded.
/// Other bytes come through one by one, undecoded.
#[derive(Clone, Debug)]
pub(crate) struct Chars<'a> {
    s: &'a [u8],
    pos: usize,
    js: bool,
}

impl<'a> Chars<'a> {
    /// Decodes character references only, as a browser does in an attribute value.
    pub(crate) fn html(s: &'a [u8]) -> Self {
        Chars {
            s,
            pos: 0,
            js: false,
        }
    }

    /// Decodes character references and JavaScript escapes.
    pub(crate) fn html_js(s: &'a [u8]) -> Self {
        Chars {
            s,
            pos: 0,
            js: true,
        }
    }

    /// The offset of the next undecoded byte.
    pub(crate) fn offset(&self) -> usize {
        self.pos
    }
}

impl Iterator for Chars<'_> {
    type Item = Unit;

    fn next(&mut self) -> Option<Unit> {
        let at = self.pos;
        let b = *self.s.get(at)?;
        let rest = &self.s[at..];
        let decoded = match b {
            b'&' => entity(rest),
            b'\\' if self.js => js_escape(rest),
            _ => None,
        };
        Some(match decoded {
            Some((cp, n)) => {
                self.pos += n;
                Unit { cp, at, raw: false }
            }
            None => {
                self.pos += 1;
                Unit {
                    cp: u32::from(b),
                    at,
                    raw: true,
                }
            }
        })
    }
}

fn push_cp(out: &mut Vec<u8>, cp: u32) {
    let c = char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER);
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

/// Feeds `s`, its character references decoded, to `push` piece by piece. The decoded text is
/// never longer than `s`: a reference takes at least as many bytes as its UTF-8.
fn decode_into(s: &[u8], mut push: impl FnMut(&[u8])) {
    for u in Chars::html(s) {
        if u.raw {
            // a raw byte: `cp` is the byte itself
            push(&[u.cp as u8]);
        } else {
            let c = char::from_u32(u.cp).unwrap_or(char::REPLACEMENT_CHARACTER);
            push(c.encode_utf8(&mut [0; 4]).as_bytes());
        }
    }
}

/// `s` with its character references decoded, as a browser reads an attribute value.
pub(crate) fn html_decode(s: &[u8]) -> Cow<'_, [u8]> {
    if memchr(b'&', s).is_none() {
        return Cow::Borrowed(s);
    }
    let mut out = Vec::with_capacity(s.len());
    decode_into(s, |b| out.extend_from_slice(b));
    Cow::Owned(out)
}

/// Values up to this long are decoded on the stack.
const STACK: usize = 512;

/// `f` of `s` with its character references decoded, without allocating for short values.
pub(crate) fn with_html_decoded<R>(s: &[u8], f: impl FnOnce(&[u8]) -> R) -> R {
    if memchr(b'&', s).is_none() {
        return f(s);
    }
    if s.len() > STACK {
        return f(&html_decode(s));
    }
    let mut buf = [0u8; STACK];
    let mut n = 0;
    decode_into(s, |b| {
        if let Some(dst) = buf.get_mut(n..n + b.len()) {
            dst.copy_from_slice(b);
            n += b.len();
        }
    });
    f(&buf[..n])
}

/// `s` with the look-alikes that a lenient back end (or an old browser) turns into markup made
/// plain: full-width forms (`＜script＞`), small forms (`﹤`), IIS `%uXXXX` escapes, JSON and
/// script escapes of `<` and `>` (`\u003c`, `\x3e`), and bytes whose high bit hides `<` and `>`
/// (`\xBC` and `\xBE`, which US-ASCII back ends strip to `<` and `>`). `None` when there is
/// nothing to rewrite.
pub(crate) fn fold(s: &[u8]) -> Option<Vec<u8>> {
    let percent_u = |i: usize| -> Option<u32> {
        if !matches!(s.get(i + 1), Some(b'u' | b'U')) {
            return None;
        }
        let h = s.get(i + 2..i + 6)?;
        let mut v = 0;
        for &c in h {
            v = v * 16 + char::from(c).to_digit(16)?;
        }
        Some(v)
    };
    // `\u003c` and `\x3e` in a JSON or script string become markup once decoded
    let js_angle = |i: usize| js_escape(&s[i..]).filter(|&(cp, _)| cp == 0x3C || cp == 0x3E);
    let has_wide = memchr3(0xEF, 0xBC, 0xBE, s).is_some();
    let has_percent_u = memchr::memchr_iter(b'%', s).any(|i| percent_u(i).is_some());
    let has_js = memchr::memchr_iter(b'\\', s).any(|i| js_angle(i).is_some());
    if !has_wide && !has_percent_u && !has_js {
        return None;
    }
    let mut out = Vec::with_capacity(s.len());
    let mut changed = false;
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        if b == 0xEF
            && let Some(&[b1, b2]) = s.get(i + 1..i + 3)
        {
            let ascii = match (b1, b2) {
                (0xBC, 0x81..=0xBF) => Some(b2 - 0x81 + 0x21),
                (0xBD, 0x80..=0x9E) => Some(b2 - 0x80 + 0x60),
                (0xB9, 0xA4) => Some(b'<'),
                (0xB9, 0xA5) => Some(b'>'),
                _ => None,
            };
            if let Some(a) = ascii {
                out.push(a);
                changed = true;
                i += 3;
                continue;
            }
        }
        if b == b'%'
            && let Some(cp) = percent_u(i)
        {
            match cp {
                0xFF01..=0xFF5E => out.push((cp - 0xFF01 + 0x21) as u8),
                0xFE64 => out.push(b'<'),
                0xFE65 => out.push(b'>'),
                _ => push_cp(&mut out, cp),
            }
            changed = true;
            i += 6;
            continue;
        }
        if b == b'\\'
            && let Some((cp, n)) = js_angle(i)
        {
            out.push(cp as u8);
            changed = true;
            i += n;
            continue;
        }
        // `¼` and `¾` whole, as a 7-bit back end reads them
        if b == 0xC2 && matches!(s.get(i + 1), Some(0xBC | 0xBE)) {
            i += 1;
            continue;
        }
        match b {
            0xBC => {
                out.push(b'<');
                changed = true;
            }
            0xBE => {
                out.push(b'>');
                changed = true;
            }
            _ => out.push(b),
        }
        i += 1;
    }
    changed.then_some(out)
}

fn base64_value(c: u8) -> Option<u32> {
    Some(u32::from(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    }))
}

/// Longest `data:` payload decoded to be read again.
const BASE64_MAX: usize = 16 * 1024;

/// `s` decoded from base64, leniently: other bytes (whitespace, a bad character) are skipped;
/// at most the first 16 KiB.
pub(crate) fn base64(s: &[u8]) -> Vec<u8> {
    let s = &s[..s.len().min(BASE64_MAX)];
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let (mut bits, mut n) = (0u32, 0u32);
    for v in s.iter().filter_map(|&c| base64_value(c)) {
        bits = (bits << 6 | v) & 0xFF_FFFF;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}

/// `s` read as UTF-7 (`+ADw-script+AD4-` is `<script>`), when that turns up characters that
/// make markup or break out of a string (`< > " '`). `None` otherwise.
pub(crate) fn utf7(s: &[u8]) -> Option<Vec<u8>> {
    // a UTF-7 `<`, `>`, `"` or `'` always starts `+AD` or `+AC`
    let starts = |i: usize| matches!(s.get(i + 1..i + 3), Some(b"AD" | b"AC"));
    if !memchr::memchr_iter(b'+', s).any(starts) {
        return None;
    }
    let mut out = Vec::with_capacity(s.len());
    let mut markup = false;
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        if b != b'+' {
            out.push(b);
            i += 1;
            continue;
        }
        i += 1;
        if s.get(i) == Some(&b'-') {
            out.push(b'+');
            i += 1;
            continue;
        }
        let (mut bits, mut nbits, mut high) = (0u32, 0u32, None::<u32>);
        let mut any = false;
        while let Some(v) = s.get(i).and_then(|&c| base64_value(c)) {
            any = true;
            bits = (bits << 6 | v) & 0x3F_FFFF;
            nbits += 6;
            i += 1;
            if nbits >= 16 {
                nbits -= 16;
                let unit = (bits >> nbits) & 0xFFFF;
                let cp = match (high.take(), unit) {
                    (None, 0xD800..=0xDBFF) => {
                        high = Some(unit);
                        continue;
                    }
                    (Some(h), 0xDC00..=0xDFFF) => 0x10000 + ((h - 0xD800) << 10) + (unit - 0xDC00),
                    (_, u) => u,
                };
                markup |= matches!(cp, 0x3C | 0x3E | 0x22 | 0x27);
                push_cp(&mut out, cp);
            }
        }
        if !any {
            out.push(b'+');
        }
        if s.get(i) == Some(&b'-') {
            i += 1;
        }
    }
    markup.then_some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn numeric_and_named_references() {
        assert_eq!(entity(b"&#106;x"), Some((106, 6)));
        assert_eq!(entity(b"&#0000106&#97"), Some((106, 9)));
        assert_eq!(entity(b"&#x6A;"), Some((0x6A, 6)));
        assert_eq!(entity(b"&#X6a"), Some((0x6A, 5)));
        assert_eq!(entity(b"&Tab;"), Some((9, 5)));
        assert_eq!(entity(b"&NewLine;"), Some((10, 9)));
        assert_eq!(entity(b"&colon;"), Some((u32::from(b':'), 7)));
        assert_eq!(entity(b"&lt"), Some((u32::from(b'<'), 3)));
        assert_eq!(entity(b"&colon"), None);
        assert_eq!(entity(b"&#;"), None);
        assert_eq!(entity(b"&#0;"), Some((REPLACEMENT, 4)));
        assert_eq!(entity(b"&T"), None);
        assert_eq!(entity(b"&averyveryverylongname;"), None);
    }

    #[test]
    fn javascript_escapes() {
        assert_eq!(js_escape(b"\\x3c"), Some((0x3C, 4)));
        assert_eq!(js_escape(b"\\u0065rt"), Some((0x65, 6)));
        assert_eq!(js_escape(b"\\u{61}lert"), Some((0x61, 6)));
        assert_eq!(js_escape(b"\\u{}"), None);
        assert_eq!(js_escape(b"\\n"), None);
        assert_eq!(js_escape(b"\\x"), None);
    }

    #[test]
    fn html_decode_borrows_when_it_can() {
        assert!(matches!(html_decode(b"plain"), Cow::Borrowed(_)));
        assert_eq!(
            &*html_decode(b"a&lt;b&nbsp;c&amp&#xe9;"),
            "a<b c&é".as_bytes()
        );
    }

    #[test]
    fn decoding_on_the_stack_matches() {
        for s in [
            &b"a&lt;b&#x1F600;&#0;&#0000106"[..],
            b"plain",
            &b"&lt;".repeat(200),
        ] {
            with_html_decoded(s, |d| assert_eq!(d, &*html_decode(s)));
        }
    }

    #[test]
    fn fold_look_alikes() {
        assert_eq!(fold("＜script＞".as_bytes()).unwrap(), b"<script>");
        assert_eq!(fold(b"%uff1cscript%u0020%uff1e").unwrap(), b"<script >");
        assert_eq!(fold(b"\xbcscript\xbe").unwrap(), b"<script>");
        assert_eq!(fold("﹤svg".as_bytes()).unwrap(), b"<svg");
        assert_eq!(
            fold(b"\\u003csvg onload=f()\\x3E").unwrap(),
            b"<svg onload=f()>"
        );
        assert_eq!(fold(b"plain text 100%, C:\\x\\u"), None);
    }

    #[test]
    fn lenient_base64() {
        assert_eq!(base64(b"PHNjcmlwdD4="), b"<script>");
        assert_eq!(base64(b"PHNj\ncmlw dD4"), b"<script>");
        assert_eq!(base64(b""), b"");
    }

    #[test]
    fn utf7_markup() {
        assert_eq!(
            utf7(b"+ADw-script+AD4-alert(1)").unwrap(),
            b"<script>alert(1)"
        );
        assert_eq!(utf7(b"1+1=2"), None);
        assert_eq!(utf7(b"a+-b+ADw-"), Some(b"a+b<".to_vec()));
        assert_eq!(utf7(b"+AGEAYgBj-"), None);
    }
}
