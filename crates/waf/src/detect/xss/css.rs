//! CSS that runs script or loads active content: `expression(…)`, `url(javascript:…)`,
//! `-moz-binding`, `behavior:`, `@import`. Read through character references, CSS escapes
//! (`\6a`, `\j`), comments, case and whitespace, none of which hide a keyword from the CSS
//! parser.

use super::decode::Chars;

/// Keywords, as they read with comments, escapes and whitespace gone and letters lowercased,
/// with the name to report.
const PATTERNS: [(&[u8], &str); 9] = [
    (b"expression(", "expression("),
    (b"javascript:", "javascript:"),
    (b"vbscript:", "vbscript:"),
    (b"livescript:", "livescript:"),
    (b"-moz-binding", "-moz-binding"),
    (b"behavior:", "behavior:"),
    (b"behaviour:", "behavior:"),
    (b"@import", "@import"),
    (b"-o-link:", "-o-link:"),
];

/// The longest pattern.
const WINDOW: usize = 12;

/// The first dangerous construct in the CSS text `s` (a `style` attribute's value or a
/// `<style>` element's content), by name.
pub(crate) fn dangerous(s: &[u8]) -> Option<&'static str> {
    let mut window = [0u8; WINDOW];
    let mut filled = 0usize;
    let mut chars = Chars::html(s).peekable();
    let mut in_comment = false;
    while let Some(u) = chars.next() {
        let mut cp = u.cp;
        if in_comment {
            if cp == u32::from(b'*') && chars.next_if(|n| n.cp == u32::from(b'/')).is_some() {
                in_comment = false;
            }
            continue;
        }
        if cp == u32::from(b'/') && chars.next_if(|n| n.cp == u32::from(b'*')).is_some() {
            in_comment = true;
            continue;
        }
        if cp == u32::from(b'\\') {
            // an escape: up to six hex digits and one optional space, or any other character
            let mut v = 0u32;
            let mut digits = 0;
            while digits < 6 {
                let Some(d) = chars
                    .peek()
                    .and_then(|n| char::from_u32(n.cp))
                    .and_then(|c| c.to_digit(16))
                else {
                    break;
                };
                v = v * 16 + d;
                digits += 1;
                chars.next();
            }
            if digits > 0 {
                chars.next_if(|n| matches!(n.cp, 0x20 | 0x09 | 0x0A | 0x0C | 0x0D));
                cp = v;
            } else if let Some(n) = chars.next() {
                if n.cp == u32::from(b'\n') {
                    continue;
                }
                cp = n.cp;
            } else {
                continue;
            }
        }
        // whitespace and controls never separate a keyword that a filter would see whole
        if cp <= 0x20 || cp == 0x7F {
            continue;
        }
        let b = u8::try_from(cp).map_or(0x80, |b| b.to_ascii_lowercase());
        window.copy_within(1.., 0);
        window[WINDOW - 1] = b;
        filled += 1;
        if !matches!(b, b'(' | b':' | b'g' | b't') {
            continue;
        }
        for (p, name) in PATTERNS {
            if filled >= p.len() && window.ends_with(p) {
                return Some(name);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dangerous_css_through_obfuscation() {
        for (css, want) in [
            ("width: expression(alert(1))", "expression("),
            ("x:expr/**/ession(alert(1))", "expression("),
            ("background:url(javascript:alert(1))", "javascript:"),
            (
                "background-image: url(&#1;javascript:alert('XSS'))",
                "javascript:",
            ),
            (
                "background-image:\\0075\\0072\\006C\\0028'\\006a\\0061\\0076\\0061\\0073\\0063\\0072\\0069\\0070\\0074\\003a",
                "javascript:",
            ),
            ("@im\\port'\\ja\x0basc\\ript:alert(1)'", "@import"),
            (
                "BODY{-moz-binding:url(\"http://x/xss.xml#xss\")}",
                "-moz-binding",
            ),
            ("behavior: url(xss.htc);", "behavior:"),
            ("beh&#x41vior:url(#default#time2)", "behavior:"),
            ("@import 'http://x/x.css';", "@import"),
        ] {
            assert_eq!(dangerous(css.as_bytes()), Some(want), "{css}");
        }
    }

    #[test]
    fn ordinary_css() {
        for css in [
            "color: red; font-weight: bold",
            "background: url(https://example.com/a.png) no-repeat",
            "font-family: 'Segoe UI', Arial, sans-serif; margin: 0 auto",
            "content: \"\\201C\"; width: calc(100% - 2em)",
            "p.MsoNormal { margin: 0in; font-size: 11.0pt; }",
        ] {
            assert_eq!(dangerous(css.as_bytes()), None, "{css}");
        }
    }
}
