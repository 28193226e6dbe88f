//! Cross-site scripting detection: whether one field value, once a page reflects it, would
//! make a browser run script.
//!
//! The context the value lands in is unknown — between tags, inside an attribute value, inside
//! a script string, inside CSS — so two passes read it, both linear:
//!
//! ```text
//!  input ─┬─► markup pass (html.rs): tags as a browser tokenizes them ─► tag / attribute /
//!         │      │ attribute values, comments: read again (≤ MAX_DEPTH)    CSS / URL judgement
//!         └─► script pass (text.rs): injected handlers, sinks, DOM access, script URLs
//!  look-alikes (full-width `＜`, `%u`, 7-bit `\xBC`, UTF-7 `+ADw-`) ─► rewritten copy ─► both
//! ```
//!
//! Benign rich text (`<b>`, `<p>`, `<a href="https://…">`, `<img src alt>`, lists, inline
//! styles) and prose with `<`, `>`, `alert`, `confirm (…)` or `JavaScript:` pass: a tag is
//! judged by what it would run, not by being a tag.
//!
//! The passes allocate nothing on ordinary input: attribute values are decoded on the stack.
//! Copies are made only for look-alike rewrites (which only attacks need), `data:` payloads
//! of non-image types, and attribute values over 512 bytes with character references.
//!
//! `Detection::reason`, by what was found (`matched` holds the tokens, AWS-style: `<`, `img`,
//! `onerror`):
//!
//! | reason | found |
//! |---|---|
//! | `xss:script-tag` | `<script`, however written (`<x:script`, `<scr\0ipt`, `＜script`) |
//! | `xss:dangerous-tag` | `iframe`, `object`, `embed`, `base`, `frame`… with a loading attribute; `<xss>` probes; `layer`/`xml` with `src` |
//! | `xss:spaced-tag` | a dangerous tag name spelled with spaces: `<f o r m` |
//! | `xss:event-handler` | an `on…=` attribute, in a tag or injected after a quote or space |
//! | `xss:js-url` / `xss:data-url` | `javascript:`, `vbscript:`… URLs; `data:` URLs of active types |
//! | `xss:css` | `expression(`, `url(javascript:`, `-moz-binding`, `behavior:`, `@import` |
//! | `xss:meta`, `xss:link`, `xss:form-action`, `xss:svg-animate`, `xss:attribute-injection` | meta refresh/charset, stylesheet links, form targets, SVG `set` of a handler, an injected `srcdoc` |
//! | `xss:data-binding`, `xss:ie-behavior`, `xss:xml-injection`, `xss:xml-entity`, `xss:ssi` | old Internet Explorer data binding and behaviours, XInclude, external XML entities, server-side includes |
//! | `xss:js-sink`, `xss:dom-access`, `xss:dom-write` | `alert(1)`, `eval(…)`, `document.cookie`, `.innerHTML=` in script context |
//! | `xss:js-obfuscation`, `xss:js-template`, `xss:template-injection` | `top['al'+'ert']`, JSFuck, `` .call`${…}` ``, `{{constructor.constructor(…)}}` |

mod css;
mod decode;
mod html;
mod names;
mod text;
mod url;

#[cfg(test)]
mod tests;

use memchr::memchr3;

use super::Detection;

/// How many levels deep markup inside attribute values and comments is read again.
const MAX_DEPTH: u8 = 3;

/// Longest evidence token kept, in bytes.
const TOKEN_MAX: usize = 40;

/// Whether `input` — one field value, as the rule's text transformations left it, or a whole
/// body — carries cross-site scripting: the first finding, with its evidence.
pub fn detect(input: &[u8]) -> Option<Detection> {
    if let Some(d) = scan(input, 0) {
        return Some(d);
    }
    // the look-alikes need one of these bytes: most input has none
    if memchr3(b'%', b'\\', b'+', input).is_none() && memchr3(0xEF, 0xBC, 0xBE, input).is_none() {
        return None;
    }
    if let Some(folded) = decode::fold(input)
        && let Some(d) = scan(&folded, 0)
    {
        return Some(d);
    }
    let utf7 = decode::utf7(input)?;
    scan(&utf7, 0)
}

/// Both passes over `s`, `depth` levels inside other markup.
fn scan(s: &[u8], depth: u8) -> Option<Detection> {
    html::scan(s, depth).or_else(|| text::scan(s, depth))
}

/// A detection with `tokens` as its evidence, each cut to a few dozen bytes.
fn hit(reason: &'static str, tokens: &[&[u8]]) -> Detection {
    let matched = tokens
        .iter()
        .map(|t| {
            let t = &t[..t.len().min(TOKEN_MAX)];
            String::from_utf8_lossy(t).into_owned()
        })
        .collect();
    Detection { reason, matched }
}
