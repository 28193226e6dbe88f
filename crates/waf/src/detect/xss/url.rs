//! URL schemes that run script (`javascript:`, `vbscript:`…) or load an active document
//! (`data:text/html`), seen through the obfuscations a browser forgives: character references,
//! leading spaces and control characters, tabs and newlines inside the scheme, any case.

use super::decode::Chars;
use super::names;

/// Schemes that run script, and `data`.
const SCHEMES: [&[u8]; 5] = [b"javascript", b"vbscript", b"livescript", b"mocha", b"data"];
const NAMES: [&str; 5] = ["javascript:", "vbscript:", "livescript:", "mocha:", "data:"];
const DATA: usize = 4;

/// What a URL at some position turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A scheme that runs its text as script.
    Script,
    /// A `data:` URL of an active type (`text/html`, `image/svg+xml`, script…).
    ActiveData,
    /// A `data:` URL with no type (`data:,…`): text, unless a `<script src>` loads it.
    UntypedData,
    /// A `data:` URL of another type (`image/png`, `text/plain`…).
    OtherData,
}

/// A dangerous URL found at the start of a slice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Scheme {
    /// The scheme, for the evidence: `javascript:`.
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
    /// Offset of the first byte after the scheme; for `data:`, of the payload after the `,`.
    pub(crate) rest: usize,
    /// Whether the scheme was written with references, escapes or characters a browser drops
    /// (`jav&#x09;ascript:`): nobody writes a URL like that but to slip it past a filter.
    pub(crate) obfuscated: bool,
    /// `data:` only: the payload is base64 (`;base64,`).
    pub(crate) base64: bool,
    /// `data:` only: the media type is an image other than SVG.
    pub(crate) image: bool,
    /// `data:` only: the media type is SVG, which runs its scripts as a document but not as
    /// an image.
    pub(crate) svg: bool,
}

/// How lenient to be.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Opts {
    /// Decode JavaScript escapes (`\x6a`, `\u006a`) as well as character references: for text
    /// that may land in a script string.
    pub(crate) js_escapes: bool,
    /// Accept `javascript` without its colon, or with spaces before it: inside CSS `url(`,
    /// where a probe may be cut short.
    pub(crate) loose_colon: bool,
}

/// Code points a browser (or an old one) drops inside a scheme: tab, newline and carriage
/// return (the URL parser removes them), other C0 controls, soft hyphens and zero-width
/// characters.
fn ignorable(cp: u32) -> bool {
    cp < 0x20 || cp == 0x7F || cp == 0xAD || (0x200B..=0x200D).contains(&cp) || cp == 0xFEFF
}

/// The dangerous URL at the start of `s`, if any.
pub(crate) fn scheme_at(s: &[u8], opts: Opts) -> Option<Scheme> {
    let mut it = if opts.js_escapes {
        Chars::html_js(s)
    } else {
        Chars::html(s)
    };
    // leading spaces and C0 controls are stripped by the URL parser
    let mut u = it.by_ref().find(|u| u.cp > 0x20)?;
    let mut alive: u8 = 0b1_1111;
    let mut len = 0;
    let mut obfuscated = false;
    let complete = |alive: u8, len: usize| {
        (0..SCHEMES.len()).find(|&k| alive & (1 << k) != 0 && SCHEMES[k].len() == len)
    };
    loop {
        let c = u.cp;
        obfuscated |= !u.raw;
        if ignorable(c) {
            obfuscated = true;
        } else {
            if c == u32::from(b':') {
                let k = complete(alive, len)?;
                return finish(s, k, it.offset(), obfuscated);
            }
            let lc = u8::try_from(c).map_or(0, |b| b.to_ascii_lowercase());
            let mut next = 0;
            for (k, name) in SCHEMES.iter().enumerate() {
                if alive & (1 << k) != 0 && name.get(len) == Some(&lc) {
                    next |= 1 << k;
                }
            }
            if next == 0 {
                if opts.loose_colon
                    && !lc.is_ascii_alphanumeric()
                    && let Some(k) = complete(alive, len).filter(|&k| k != DATA)
                {
                    return finish(s, k, u.at, obfuscated);
                }
                return None;
            }
            alive = next;
            len += 1;
        }
        match it.next() {
            Some(n) => u = n,
            None if opts.loose_colon => {
                let k = complete(alive, len).filter(|&k| k != DATA)?;
                return finish(s, k, s.len(), obfuscated);
            }
            None => return None,
        }
    }
}

fn finish(s: &[u8], k: usize, rest: usize, obfuscated: bool) -> Option<Scheme> {
    let mut found = Scheme {
        name: NAMES[k],
        kind: Kind::Script,
        rest,
        obfuscated,
        base64: false,
        image: false,
        svg: false,
    };
    if k != DATA {
        return Some(found);
    }
    // data:[<media type>][;param=value…][;base64],<data>
    let mut mime = [0u8; 48];
    let mut n = 0;
    let mut it = Chars::html(s.get(rest..)?).peekable();
    while it.next_if(|u| u.cp <= 0x20).is_some() {}
    while let Some(u) = it.next_if(|u| {
        u8::try_from(u.cp).is_ok_and(|b| b.is_ascii_alphanumeric() || b"+-./".contains(&b))
    }) {
        *mime.get_mut(n)? = (u.cp as u8).to_ascii_lowercase();
        n += 1;
    }
    while it.next_if(|u| u.cp <= 0x20).is_some() {}
    match it.peek() {
        None => found.rest = s.len(),
        Some(u) if u.cp == u32::from(b',') || u.cp == u32::from(b';') => {
            // the parameters, up to the payload
            let params_at = rest + u.at;
            let params = &s[params_at..];
            let comma = memchr::memchr(b',', params).unwrap_or(params.len());
            found.base64 = params[..comma]
                .windows(6)
                .any(|x| x.eq_ignore_ascii_case(b"base64"));
            found.rest = (params_at + comma + 1).min(s.len());
        }
        Some(_) => return None,
    }
    let mime = &mime[..n];
    found.svg = mime == b"image/svg+xml";
    found.image = mime.starts_with(b"image/") && !found.svg;
    found.kind = if mime.is_empty() {
        Kind::UntypedData
    } else if names::is_active_mime(mime) {
        Kind::ActiveData
    } else {
        Kind::OtherData
    };
    Some(found)
}

/// Whether the text after a scheme reads as code rather than prose: `javascript:alert(1)`,
/// `javascript:/*…`, `javascript:void(0)` — but not `JavaScript: the good parts`.
pub(crate) fn code_follows(s: &[u8]) -> bool {
    let mut i = 0;
    while s
        .get(i)
        .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
    {
        i += 1;
    }
    let Some(&c) = s.get(i) else {
        return false;
    };
    match c {
        b'/' => matches!(s.get(i + 1), Some(b'/' | b'*')),
        b'(' | b'[' | b'{' | b'\'' | b'"' | b'`' | b'!' | b'~' | b'+' | b'-' | b';' | b'\\'
        | b'%' | b'&' => true,
        c if c.is_ascii_alphabetic() || c == b'_' || c == b'$' => {
            let mut j = i;
            while s
                .get(j)
                .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'$')
            {
                j += 1;
            }
            match s.get(j) {
                // `javascript:x::y` is a path in some language
                Some(b':') => s.get(j + 1) != Some(&b':'),
                next => matches!(
                    next,
                    Some(b'(' | b'.' | b'[' | b'=' | b'`' | b';' | b'+' | b',' | b'"' | b'\'')
                ),
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(s: &str) -> Option<Kind> {
        scheme_at(s.as_bytes(), Opts::default()).map(|m| m.kind)
    }

    #[test]
    fn script_schemes_through_obfuscation() {
        for s in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " \x0e javascript:x",
            "jav\tascript:x",
            "jav&#x09;ascript:x",
            "jav&#x0A;ascript:x",
            "&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;x",
            "&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058",
            "&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A",
            "ja&Tab;vascript&colon;x",
            "v&newline;b&tab;s&newline;c&newline;r&tab;i&tab;p&newline;t&colon;:",
            "vbscript:msgbox(1)",
            "livescript:x",
        ] {
            assert_eq!(kind(s), Some(Kind::Script), "{s}");
        }
    }

    #[test]
    fn data_urls_by_type() {
        assert_eq!(
            kind("data:text/html;base64,PHNjcmlwdD4="),
            Some(Kind::ActiveData)
        );
        assert_eq!(kind("data:image/svg+xml,<svg"), Some(Kind::ActiveData));
        assert_eq!(kind("data:,alert(1)"), Some(Kind::UntypedData));
        assert_eq!(kind(" data: , <x>"), Some(Kind::UntypedData));
        assert_eq!(kind("data:image/png;base64,iVBOR"), Some(Kind::OtherData));
        assert_eq!(kind("data: the key, the value"), None);
    }

    #[test]
    fn data_payload_and_obfuscation() {
        let m = scheme_at(
            b"data:text/plain;charset=utf-8;base64,PHN2Zz4=",
            Opts::default(),
        );
        let m = m.map(|m| (m.kind, m.base64, m.image, m.rest));
        assert_eq!(m, Some((Kind::OtherData, true, false, 37)));
        let m = scheme_at(b"data:image/gif;base64,R0lG", Opts::default());
        assert!(m.is_some_and(|m| m.image));
        assert!(scheme_at(b"jav&#x09;ascript:x", Opts::default()).is_some_and(|m| m.obfuscated));
        assert!(scheme_at(b"javascript:x", Opts::default()).is_some_and(|m| !m.obfuscated));
        assert!(scheme_at(b"  javascript:x", Opts::default()).is_some_and(|m| !m.obfuscated));
    }

    #[test]
    fn not_schemes() {
        for s in [
            "java script:x",
            "javascripts:x",
            "https://x",
            "javascript",
            "j",
            "",
        ] {
            assert_eq!(kind(s), None, "{s}");
        }
    }

    #[test]
    fn loose_colon_in_css() {
        let o = Opts {
            js_escapes: false,
            loose_colon: true,
        };
        assert!(scheme_at(b"javascript", o).is_some());
        assert!(scheme_at(b"javascript : alert(1)", o).is_some());
        assert!(scheme_at(b"javascripts", o).is_none());
    }

    #[test]
    fn code_or_prose_after_a_scheme() {
        assert!(code_follows(b"alert(1)"));
        assert!(code_follows(b"/*-/*`/*"));
        assert!(code_follows(b"void(0)"));
        assert!(code_follows(b"a=:,"));
        assert!(!code_follows(b" the good parts"));
        assert!(!code_follows(b""));
        assert!(!code_follows(b" it is great."));
    }
}
