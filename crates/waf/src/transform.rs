//! Text transformations (`TextTransformations[].Type`), with AWS's exact meanings, and the
//! pre-parse transformations of a raw query string (`PreParseTextTransformations[].Type`).
//!
//! AWS took most definitions from ModSecurity's transformation functions; where AWS's own text
//! is short (`URL_DECODE`: "decodes a URL-encoded value"), the behaviour follows ModSecurity's
//! reference manual and its published regression vectors (`secrules-language-tests`), which the
//! tests below quote. Every transformation works on bytes, never on characters: an input that
//! is not UTF-8 is transformed like any other.
//!
//! | Type | Here |
//! |---|---|
//! | `NONE` | no change |
//! | `COMPRESS_WHITE_SPACE` | `\f \t \n \r \v`, space and byte 0xA0 → one space per run |
//! | `HTML_ENTITY_DECODE` | `&quot; &amp; &lt; &gt; &nbsp;` (`;` optional, any case), `&#DDD;`, `&#xHH;` (`;` optional) → one byte ⚠; HTML5 names for ASCII (`&colon;` …) ⚠ |
//! | `LOWERCASE` / `UPPERCASE` | ASCII letters only |
//! | `CMD_LINE` | delete `\ " ' ^`; `, ;` and whitespace → one space per run; no space before `/` or `(`; lowercase |
//! | `CMD_LINE_WIN` / `CMD_LINE_UNIX` | ⚠ cmd.exe / POSIX shell variants of `CMD_LINE` |
//! | `URL_DECODE` | `%HH` → byte, `+` → space ⚠; invalid escapes stay |
//! | `URL_DECODE_UNI` | `URL_DECODE` plus `%uHHHH` (full-width FF01–FF5E → ASCII, else the low byte) |
//! | `BASE64_DECODE` | standard alphabet, stops at the first byte outside it (`=` included) |
//! | `BASE64_DECODE_EXT` | skips bytes outside the alphabet, accepts `-` `_` ⚠ |
//! | `HEX_DECODE` | pairs of hex digits → bytes; other bytes stay ⚠ |
//! | `MD5` / `SHA256` | the raw 16- / 32-byte digest |
//! | `REPLACE_COMMENTS` | `/*…*/` and an unterminated `/*…` → one space each |
//! | `REMOVE_COMMENTS_CHAR` | delete `/*`, `*/`, `--`, `#` |
//! | `ESCAPE_SEQ_DECODE` | ANSI C escapes; an unknown escape loses its backslash |
//! | `SQL_HEX_DECODE` | `0x4142` → `AB` |
//! | `CSS_DECODE` | `\` + 1–6 hex digits (+ one whitespace) → one byte; `\` + other → that byte |
//! | `JS_DECODE` | `\uHHHH` (as `URL_DECODE_UNI`), `\xHH`, `\OOO`, `\a \b \f \n \r \t \v`, `\c` → `c` |
//! | `JS_DECODE_EXT` | ⚠ `JS_DECODE` with lossless `\uHHHH`, surrogate pairs and `\u{…}` → UTF-8 |
//! | `NORMALIZE_PATH` / `NORMALIZE_PATH_WIN` | drop `//`, `/./`, resolve `/x/..`; `WIN` maps `\` → `/` first |
//! | `REMOVE_NULLS` / `REPLACE_NULLS` | delete 0x00 / 0x00 → space |
//! | `UTF8_TO_UNICODE` | each multi-byte UTF-8 sequence → `%uHHHH` (ModSecurity's form) |
//! | `REMOVE_WHITESPACE` | ⚠ delete the `COMPRESS_WHITE_SPACE` set |
//! | `TRIM`, `TRIM_LEFT`, `TRIM_RIGHT` | ⚠ strip `\t \n \v \f \r` and space |
//!
//! `⚠` marks a meaning AWS has not published (the ten newer types exist only in the API model);
//! each such item's doc comment says what was chosen and why.
//!
//! [`Transformation::apply`] never allocates when the output is the input or a sub-slice of it
//! (nothing to change, a trim, a dropped tail): it scans first and copies only from the first
//! byte that differs.

use std::borrow::Cow;
use std::collections::HashMap;

use memchr::{memchr, memchr2, memmem};

/// One text transformation type, by AWS's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Transformation {
    /// `NONE`: no change.
    None,
    /// `COMPRESS_WHITE_SPACE`: `\f`, `\t`, `\n`, `\r`, `\v`, space and NBSP (the single byte
    /// 0xA0, so also a UTF-8 continuation byte, as in AWS and ModSecurity) become a space, and
    /// each run of them one space.
    CompressWhiteSpace,
    /// `HTML_ENTITY_DECODE`: each entity becomes **one byte**. ⚠ That is ModSecurity's rule (a
    /// numeric reference keeps its low byte, `&#x13c;` → `<`); AWS says "the corresponding
    /// characters" without saying how those above 0xFF are written. `&quot; &amp; &lt; &gt; &nbsp;` match in
    /// any case and without `;` (`&amp;` is ModSecurity's; AWS lists the other four).
    /// Numeric: `&#` + decimal digits or `&#x` + hex digits, `;` optional. ⚠ Also the HTML5
    /// names of ASCII characters (`&colon;`, `&Tab;`, `&lpar;` …), `;` required and
    /// case-sensitive as in browsers, which ModSecurity added in 2025 and AWS has not
    /// documented. Unknown names stay.
    HtmlEntityDecode,
    /// `LOWERCASE`: `A`–`Z` → `a`–`z`.
    Lowercase,
    /// `CMD_LINE`: delete `\ " ' ^`; `,`, `;` and whitespace become a space, one per run;
    /// spaces before `/` and `(` are deleted; `A`–`Z` → `a`–`z`.
    CmdLine,
    /// `URL_DECODE`: `%HH` → that byte; a `%` not followed by two hex digits stays as it is.
    /// ⚠ `+` → space, as ModSecurity does (AWS says only "decodes a URL-encoded value"); on a
    /// URI path that turns a literal `+` into a space too.
    UrlDecode,
    /// `BASE64_DECODE`: the standard alphabet; decoding stops at the first byte outside it,
    /// padding included (ModSecurity: `VGVzdENhc2U=\0…` → `TestCase`). Bits that do not fill a
    /// byte are dropped.
    Base64Decode,
    /// `HEX_DECODE`: each pair of hex digits becomes its byte. ⚠ A byte that does not start a
    /// pair of hex digits (a non-hex byte, or a lone digit) is kept as it is; ModSecurity
    /// decodes such pairs to garbage and AWS does not say.
    HexDecode,
    /// `MD5`: the raw 16-byte digest.
    Md5,
    /// `REPLACE_COMMENTS`: each `/*…*/` becomes one space (consecutive ones are not merged); an
    /// unterminated `/*…` becomes one space; a lone `*/` stays.
    ReplaceComments,
    /// `ESCAPE_SEQ_DECODE`: `\a \b \f \n \r \t \v \\ \? \' \"`, `\xHH` and 1–3 octal digits
    /// (`\0OOO` is `\0OO` + `O`; the value wraps to a byte: `\666` → 0xB6). ⚠ AWS: "encodings
    /// that aren't valid remain in the output"; ModSecurity's vectors drop the backslash of an
    /// unknown escape (`\8` → `8`, `\xag` → `xag`), which is what is done here. A final lone
    /// `\` stays.
    EscapeSeqDecode,
    /// `SQL_HEX_DECODE`: `0x` (or `0X`) followed by pairs of hex digits → those bytes
    /// (`0x414243` → `ABC`); decoding stops at the first pair that is not hex; `0x` with no
    /// pair stays.
    SqlHexDecode,
    /// `CSS_DECODE`: `\` + 1–6 hex digits → one byte (the low byte, or the ASCII of a
    /// full-width FF01–FF5E), consuming one following whitespace; `\` + newline is deleted;
    /// `\` + another byte → that byte (`ja\vascript` → `javascript`); a final `\` is deleted.
    CssDecode,
    /// `JS_DECODE`: `\uHHHH` (full-width FF01–FF5E → ASCII, otherwise only the low byte is
    /// kept), `\xHH`, octal `\O`, `\OO`, `\OOO` (at most 0o377: `\666` is `\66` + `6`),
    /// `\a \b \f \n \r \t \v`; `\` + any other byte → that byte (also `\u`, `\x` without their
    /// digits); a final `\` stays.
    JsDecode,
    /// `NORMALIZE_PATH`: removes repeated slashes, `.` segments and `x/..` pairs; a `..` that
    /// has nothing left to remove stays in a relative path and is dropped at the root of an
    /// absolute one (`/../etc` → `/etc`).
    NormalizePath,
    /// `NORMALIZE_PATH_WIN`: `\` → `/`, then [`NormalizePath`](Self::NormalizePath).
    NormalizePathWin,
    /// `REMOVE_NULLS`: deletes 0x00 bytes.
    RemoveNulls,
    /// `REPLACE_NULLS`: 0x00 → space.
    ReplaceNulls,
    /// `BASE64_DECODE_EXT`: forgiving Base64: bytes outside the alphabet are skipped, the
    /// URL-safe `-` and `_` count as `+` and `/` (ModSecurity decodes JWTs this way). ⚠ A `=`
    /// ends a quantum and decoding goes on, so concatenated padded chunks decode to the
    /// concatenation (ModSecurity gives up on such input; hiding a payload behind a stray `=`
    /// should not work).
    Base64DecodeExt,
    /// `URL_DECODE_UNI`: [`UrlDecode`](Self::UrlDecode) plus `%uHHHH` (or `%UHHHH`): a
    /// full-width FF01–FF5E becomes its ASCII character, any other code keeps only its low
    /// byte.
    UrlDecodeUni,
    /// `UTF8_TO_UNICODE`: each multi-byte UTF-8 sequence becomes `%u` and its code point in
    /// lowercase hex, at least four digits (ModSecurity's form: `é` → `%u00e9`), ready for
    /// `URL_DECODE_UNI`. ⚠ Overlong forms are converted too (`C0 AF` → `%u002f`), so the
    /// evasion they were used for shows; bytes that are not part of a complete sequence stay.
    Utf8ToUnicode,
    /// `REMOVE_WHITESPACE` ⚠ (API model only; ModSecurity's `removeWhitespace`): deletes the
    /// bytes of [`CompressWhiteSpace`](Self::CompressWhiteSpace)'s set, NBSP included.
    RemoveWhitespace,
    /// `TRIM` ⚠ (API model only; ModSecurity's `trim`): strips space, `\t \n \v \f \r` at
    /// both ends.
    Trim,
    /// `TRIM_LEFT` ⚠: as [`Trim`](Self::Trim), at the start only.
    TrimLeft,
    /// `TRIM_RIGHT` ⚠: as [`Trim`](Self::Trim), at the end only.
    TrimRight,
    /// `REMOVE_COMMENTS_CHAR` ⚠ (API model only; ModSecurity's `removeCommentsChar`): deletes
    /// every `/*`, `*/`, `--` and `#`, scanning left to right.
    RemoveCommentsChar,
    /// `UPPERCASE` ⚠ (API model only): `a`–`z` → `A`–`Z`.
    Uppercase,
    /// `CMD_LINE_WIN` ⚠ (API model only): `CMD_LINE` as cmd.exe reads a line: delete `^` and
    /// `"`; `,`, `;` and whitespace become one space per run; spaces before `/` and `(` are
    /// deleted; lowercase. `\` (the path separator) and `'` are kept.
    CmdLineWin,
    /// `CMD_LINE_UNIX` ⚠ (API model only): `CMD_LINE` as a POSIX shell reads a line: delete
    /// the quoting `\`, `'` and `"`; whitespace becomes one space per run. Case, `,`, `;`
    /// and the spaces before `/` are kept: they change a Unix command's meaning.
    CmdLineUnix,
    /// `JS_DECODE_EXT` ⚠ (API model only): [`JsDecode`](Self::JsDecode) without its losses:
    /// `\uHHHH` and ES2015 `\u{H…}` (up to U+10FFFF) become the UTF-8 of the code point, a
    /// surrogate pair becomes one character, a lone surrogate U+FFFD. Full-width forms are not
    /// folded (a JavaScript engine does not fold them either).
    JsDecodeExt,
    /// `SHA256` ⚠ (API model only): the raw 32-byte digest, like [`Md5`](Self::Md5).
    Sha256,
}

/// Each transformation with its AWS name, in the API model's order.
const NAMES: [(Transformation, &str); 31] = [
    (Transformation::None, "NONE"),
    (Transformation::CompressWhiteSpace, "COMPRESS_WHITE_SPACE"),
    (Transformation::HtmlEntityDecode, "HTML_ENTITY_DECODE"),
    (Transformation::Lowercase, "LOWERCASE"),
    (Transformation::CmdLine, "CMD_LINE"),
    (Transformation::UrlDecode, "URL_DECODE"),
    (Transformation::Base64Decode, "BASE64_DECODE"),
    (Transformation::HexDecode, "HEX_DECODE"),
    (Transformation::Md5, "MD5"),
    (Transformation::ReplaceComments, "REPLACE_COMMENTS"),
    (Transformation::EscapeSeqDecode, "ESCAPE_SEQ_DECODE"),
    (Transformation::SqlHexDecode, "SQL_HEX_DECODE"),
    (Transformation::CssDecode, "CSS_DECODE"),
    (Transformation::JsDecode, "JS_DECODE"),
    (Transformation::NormalizePath, "NORMALIZE_PATH"),
    (Transformation::NormalizePathWin, "NORMALIZE_PATH_WIN"),
    (Transformation::RemoveNulls, "REMOVE_NULLS"),
    (Transformation::ReplaceNulls, "REPLACE_NULLS"),
    (Transformation::Base64DecodeExt, "BASE64_DECODE_EXT"),
    (Transformation::UrlDecodeUni, "URL_DECODE_UNI"),
    (Transformation::Utf8ToUnicode, "UTF8_TO_UNICODE"),
    (Transformation::RemoveWhitespace, "REMOVE_WHITESPACE"),
    (Transformation::Trim, "TRIM"),
    (Transformation::TrimLeft, "TRIM_LEFT"),
    (Transformation::TrimRight, "TRIM_RIGHT"),
    (Transformation::RemoveCommentsChar, "REMOVE_COMMENTS_CHAR"),
    (Transformation::Uppercase, "UPPERCASE"),
    (Transformation::CmdLineWin, "CMD_LINE_WIN"),
    (Transformation::CmdLineUnix, "CMD_LINE_UNIX"),
    (Transformation::JsDecodeExt, "JS_DECODE_EXT"),
    (Transformation::Sha256, "SHA256"),
];

impl Transformation {
    /// Every transformation, in the order of AWS's `TextTransformationType` enum.
    pub const ALL: [Transformation; 31] = {
        let mut all = [Transformation::None; 31];
        let mut i = 0;
        while i < NAMES.len() {
            all[i] = NAMES[i].0;
            i += 1;
        }
        all
    };

    /// The transformation AWS calls `name` (`"URL_DECODE"`, exact case), if any.
    pub fn from_name(name: &str) -> Option<Self> {
        NAMES.iter().find(|(_, n)| *n == name).map(|(t, _)| *t)
    }

    /// AWS's name for the transformation (`"COMPRESS_WHITE_SPACE"`, …).
    pub fn name(self) -> &'static str {
        NAMES
            .iter()
            .find(|(t, _)| *t == self)
            .map_or("NONE", |(_, n)| n)
    }

    /// Applies the transformation. The result borrows `input` when it is `input` or a
    /// sub-slice of it (nothing changed, a trim); it allocates only when bytes change.
    pub fn apply(self, input: &[u8]) -> Cow<'_, [u8]> {
        match self {
            Self::None => Cow::Borrowed(input),
            Self::CompressWhiteSpace => compress_white_space(input),
            Self::HtmlEntityDecode => html_entity_decode(input),
            Self::Lowercase => lowercase(input),
            Self::Uppercase => uppercase(input),
            Self::CmdLine => cmd_line(input, &CMD_LINE),
            Self::CmdLineWin => cmd_line(input, &CMD_LINE_WIN),
            Self::CmdLineUnix => cmd_line(input, &CMD_LINE_UNIX),
            Self::UrlDecode => url_decode(input, false),
            Self::UrlDecodeUni => url_decode(input, true),
            Self::Base64Decode => base64_decode(input, false),
            Self::Base64DecodeExt => base64_decode(input, true),
            Self::HexDecode => hex_decode(input),
            Self::Md5 => {
                use md5::Digest as _;
                Cow::Owned(md5::Md5::digest(input).to_vec())
            }
            Self::Sha256 => Cow::Owned(
                ring::digest::digest(&ring::digest::SHA256, input)
                    .as_ref()
                    .to_vec(),
            ),
            Self::ReplaceComments => replace_comments(input),
            Self::RemoveCommentsChar => remove_comments_char(input),
            Self::EscapeSeqDecode => escape_seq_decode(input),
            Self::SqlHexDecode => sql_hex_decode(input),
            Self::CssDecode => css_decode(input),
            Self::JsDecode => js_decode(input, false),
            Self::JsDecodeExt => js_decode(input, true),
            Self::NormalizePath => normalize_path(input, false),
            Self::NormalizePathWin => normalize_path(input, true),
            Self::RemoveNulls => remove_nulls(input),
            Self::ReplaceNulls => replace_nulls(input),
            Self::Utf8ToUnicode => utf8_to_unicode(input),
            Self::RemoveWhitespace => remove_whitespace(input),
            Self::Trim => Cow::Borrowed(trim_right(trim_left(input))),
            Self::TrimLeft => Cow::Borrowed(trim_left(input)),
            Self::TrimRight => Cow::Borrowed(trim_right(input)),
        }
    }
}

impl std::fmt::Display for Transformation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Applies `chain` in order (the caller sorts AWS's `TextTransformations` by `Priority`).
/// Borrows `input` while every step does.
pub fn apply_chain<'a>(chain: &[Transformation], input: &'a [u8]) -> Cow<'a, [u8]> {
    let mut value = Cow::Borrowed(input);
    for &t in chain {
        value = match value {
            Cow::Borrowed(b) => t.apply(b),
            Cow::Owned(v) => {
                // a borrowed result of an owned value is a sub-slice of it: copy only then
                let step = match t.apply(&v) {
                    Cow::Borrowed(b) if b.len() == v.len() => None,
                    other => Some(other.into_owned()),
                };
                Cow::Owned(step.unwrap_or(v))
            }
        };
    }
    value
}

// ---------------------------------------------------------------------------------------------
// Output that stays borrowed while it is a prefix of the input.

/// Writes a transformation's output; while the output equals the input's prefix nothing is
/// copied, and the first differing byte copies that prefix into a buffer.
struct Out<'a> {
    input: &'a [u8],
    len: usize,
    buf: Option<Vec<u8>>,
}

impl<'a> Out<'a> {
    /// Output whose first `n` bytes are the input's first `n`.
    fn verbatim(input: &'a [u8], n: usize) -> Self {
        Out {
            input,
            len: n.min(input.len()),
            buf: None,
        }
    }

    fn spill(&mut self) -> &mut Vec<u8> {
        self.buf.get_or_insert_with(|| {
            let mut v = Vec::with_capacity(self.input.len());
            v.extend_from_slice(&self.input[..self.len]);
            v
        })
    }

    #[inline]
    fn push(&mut self, b: u8) {
        if let Some(v) = &mut self.buf {
            v.push(b);
        } else if self.input.get(self.len) == Some(&b) {
            self.len += 1;
        } else {
            self.spill().push(b);
        }
    }

    fn extend(&mut self, s: &[u8]) {
        if let Some(v) = &mut self.buf {
            v.extend_from_slice(s);
        } else if self.input[self.len..].starts_with(s) {
            self.len += s.len();
        } else {
            self.spill().extend_from_slice(s);
        }
    }

    fn finish(self) -> Cow<'a, [u8]> {
        match self.buf {
            Some(v) => Cow::Owned(v),
            None => Cow::Borrowed(&self.input[..self.len]),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Byte classes and small decoders.

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The byte spelled by the two hex digits at `s[i..i + 2]`.
fn hex2(s: &[u8], i: usize) -> Option<u8> {
    let hi = hex_val(*s.get(i)?)?;
    let lo = hex_val(*s.get(i + 1)?)?;
    Some(hi << 4 | lo)
}

/// The value of the four hex digits at `s[i..i + 4]`.
pub(crate) fn hex4(s: &[u8], i: usize) -> Option<u32> {
    let hi = u32::from(hex2(s, i)?);
    let lo = u32::from(hex2(s, i + 2)?);
    Some(hi << 8 | lo)
}

/// IIS's `%u` rule, shared by `URL_DECODE_UNI`, `JS_DECODE` and `CSS_DECODE`: a full-width
/// ASCII code (FF01–FF5E) becomes its ASCII character, anything else its low byte.
fn fold_wide(code: u32) -> u8 {
    let low = (code & 0xFF) as u8;
    if (0xFF01..=0xFF5E).contains(&code) {
        low + 0x20
    } else {
        low
    }
}

/// `COMPRESS_WHITE_SPACE`'s set: space, `\t \n \v \f \r` and NBSP (0xA0).
fn is_wide_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | 0xA0)
}

/// C's `isspace` in the C locale.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r')
}

fn utf8_push(out: &mut Out<'_>, code: u32) {
    let c = char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
    let mut tmp = [0u8; 4];
    out.extend(c.encode_utf8(&mut tmp).as_bytes());
}

// ---------------------------------------------------------------------------------------------
// The transformations.

fn compress_white_space(input: &[u8]) -> Cow<'_, [u8]> {
    // the first byte the output differs at: a non-space member, or a space in a run
    let start = input.iter().enumerate().position(|(i, &b)| {
        is_wide_space(b) && (b != b' ' || input.get(i + 1).is_some_and(|&n| is_wide_space(n)))
    });
    let Some(start) = start else {
        return Cow::Borrowed(input);
    };
    let mut out = Out::verbatim(input, start);
    let mut in_run = false;
    for &b in &input[start..] {
        if is_wide_space(b) {
            if !in_run {
                out.push(b' ');
                in_run = true;
            }
        } else {
            out.push(b);
            in_run = false;
        }
    }
    out.finish()
}

fn lowercase(input: &[u8]) -> Cow<'_, [u8]> {
    match input.iter().position(u8::is_ascii_uppercase) {
        None => Cow::Borrowed(input),
        Some(start) => {
            let mut v = input.to_vec();
            v[start..].make_ascii_lowercase();
            Cow::Owned(v)
        }
    }
}

fn uppercase(input: &[u8]) -> Cow<'_, [u8]> {
    match input.iter().position(u8::is_ascii_lowercase) {
        None => Cow::Borrowed(input),
        Some(start) => {
            let mut v = input.to_vec();
            v[start..].make_ascii_uppercase();
            Cow::Owned(v)
        }
    }
}

/// Legacy HTML entities: any case, `;` optional (ModSecurity's list).
const LEGACY_ENTITIES: [(&[u8], u8); 5] = [
    (b"quot", b'"'),
    (b"amp", b'&'),
    (b"lt", b'<'),
    (b"gt", b'>'),
    (b"nbsp", 0xA0),
];

/// HTML5 named references whose character is ASCII; `;` required, exact case.
const HTML5_ASCII_ENTITIES: [(&[u8], u8); 42] = [
    (b"Tab", b'\t'),
    (b"NewLine", b'\n'),
    (b"excl", b'!'),
    (b"num", b'#'),
    (b"dollar", b'$'),
    (b"percnt", b'%'),
    (b"apos", b'\''),
    (b"lpar", b'('),
    (b"rpar", b')'),
    (b"ast", b'*'),
    (b"midast", b'*'),
    (b"plus", b'+'),
    (b"comma", b','),
    (b"period", b'.'),
    (b"sol", b'/'),
    (b"colon", b':'),
    (b"semi", b';'),
    (b"equals", b'='),
    (b"quest", b'?'),
    (b"commat", b'@'),
    (b"lsqb", b'['),
    (b"lbrack", b'['),
    (b"bsol", b'\\'),
    (b"rsqb", b']'),
    (b"rbrack", b']'),
    (b"Hat", b'^'),
    (b"lowbar", b'_'),
    (b"UnderBar", b'_'),
    (b"grave", b'`'),
    (b"DiacriticalGrave", b'`'),
    (b"lcub", b'{'),
    (b"lbrace", b'{'),
    (b"verbar", b'|'),
    (b"vert", b'|'),
    (b"VerticalLine", b'|'),
    (b"rcub", b'}'),
    (b"rbrace", b'}'),
    (b"QUOT", b'"'),
    (b"AMP", b'&'),
    (b"LT", b'<'),
    (b"GT", b'>'),
    (b"nbsp", 0xA0),
];

/// Decodes the entity at the start of `s` (which starts with `&`): its byte and length.
fn decode_entity(s: &[u8]) -> Option<(u8, usize)> {
    if s.get(1) == Some(&b'#') {
        let (radix, first) = match s.get(2) {
            Some(b'x' | b'X') => (16u8, 3),
            _ => (10u8, 2),
        };
        let mut value = 0u8;
        let mut j = first;
        while let Some(&c) = s.get(j) {
            let digit = match radix {
                16 => hex_val(c),
                _ => c.is_ascii_digit().then(|| c - b'0'),
            };
            let Some(d) = digit else { break };
            // only the low byte is kept, so arithmetic modulo 256 is exact
            value = value.wrapping_mul(radix).wrapping_add(d);
            j += 1;
        }
        if j == first {
            return None;
        }
        if s.get(j) == Some(&b';') {
            j += 1;
        }
        return Some((value, j));
    }
    let name_len = s[1..]
        .iter()
        .take(17)
        .position(|c| !c.is_ascii_alphanumeric())
        .unwrap_or(s.len() - 1);
    let name = &s[1..1 + name_len];
    let semi = s.get(1 + name_len) == Some(&b';');
    let used = 1 + name_len + usize::from(semi);
    if let Some((_, b)) = LEGACY_ENTITIES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
    {
        return Some((*b, used));
    }
    if semi && let Some((_, b)) = HTML5_ASCII_ENTITIES.iter().find(|(n, _)| *n == name) {
        return Some((*b, used));
    }
    None
}

fn html_entity_decode(input: &[u8]) -> Cow<'_, [u8]> {
    let Some(start) = memchr(b'&', input) else {
        return Cow::Borrowed(input);
    };
    let mut out = Out::verbatim(input, start);
    let mut i = start;
    while i < input.len() {
        if input[i] == b'&'
            && let Some((b, used)) = decode_entity(&input[i..])
        {
            out.push(b);
            i += used;
            continue;
        }
        let next = memchr(b'&', &input[i + 1..]).map_or(input.len(), |p| i + 1 + p);
        out.extend(&input[i..next]);
        i = next;
    }
    out.finish()
}

/// A `CMD_LINE` variant: per byte, whether it is deleted, a separator, or glue (a separator
/// before it is dropped); and whether letters are lowercased.
struct CmdLineRules {
    class: [u8; 256],
    lowercase: bool,
}

const DELETE: u8 = 1;
const SEPARATOR: u8 = 2;
const GLUE: u8 = 4;

const fn cmd_line_rules(
    delete: &[u8],
    separator: &[u8],
    glue: &[u8],
    lowercase: bool,
) -> CmdLineRules {
    let mut class = [0u8; 256];
    let mut i = 0;
    while i < delete.len() {
        class[delete[i] as usize] |= DELETE;
        i += 1;
    }
    i = 0;
    while i < separator.len() {
        class[separator[i] as usize] |= SEPARATOR;
        i += 1;
    }
    i = 0;
    while i < glue.len() {
        class[glue[i] as usize] |= GLUE;
        i += 1;
    }
    CmdLineRules { class, lowercase }
}

const CMD_LINE: CmdLineRules = cmd_line_rules(b"\\\"'^", b" \t\n\x0b\x0c\r,;", b"/(", true);
const CMD_LINE_WIN: CmdLineRules = cmd_line_rules(b"\"^", b" \t\n\x0b\x0c\r,;", b"/(", true);
const CMD_LINE_UNIX: CmdLineRules = cmd_line_rules(b"\\\"'", b" \t\n\x0b\x0c\r", b"", false);

fn cmd_line<'a>(input: &'a [u8], rules: &CmdLineRules) -> Cow<'a, [u8]> {
    let mut out = Out::verbatim(input, 0);
    let mut pending_space = false;
    for &b in input {
        let class = rules.class[usize::from(b)];
        if class & DELETE != 0 {
            continue;
        }
        if class & SEPARATOR != 0 {
            pending_space = true;
            continue;
        }
        if pending_space && class & GLUE == 0 {
            out.push(b' ');
        }
        pending_space = false;
        out.push(if rules.lowercase {
            b.to_ascii_lowercase()
        } else {
            b
        });
    }
    if pending_space {
        out.push(b' ');
    }
    out.finish()
}

fn url_decode(input: &[u8], uni: bool) -> Cow<'_, [u8]> {
    let Some(start) = memchr2(b'%', b'+', input) else {
        return Cow::Borrowed(input);
    };
    let mut out = Out::verbatim(input, start);
    let mut i = start;
    while i < input.len() {
        match input[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                if uni
                    && matches!(input.get(i + 1), Some(b'u' | b'U'))
                    && let Some(code) = hex4(input, i + 2)
                {
                    out.push(fold_wide(code));
                    i += 6;
                } else if let Some(b) = hex2(input, i + 1) {
                    out.push(b);
                    i += 3;
                } else {
                    out.push(b'%');
                    i += 1;
                }
            }
            _ => {
                let next = memchr2(b'%', b'+', &input[i..]).map_or(input.len(), |p| i + p);
                out.extend(&input[i..next]);
                i = next;
            }
        }
    }
    out.finish()
}

fn base64_value(b: u8, ext: bool) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        b'-' if ext => Some(62),
        b'_' if ext => Some(63),
        _ => None,
    }
}

fn base64_decode(input: &[u8], ext: bool) -> Cow<'_, [u8]> {
    let mut out = Out::verbatim(input, 0);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for &b in input {
        if let Some(v) = base64_value(b, ext) {
            acc = (acc << 6) | u32::from(v);
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
                acc &= (1 << bits) - 1;
            }
        } else if !ext {
            break;
        } else if b == b'=' {
            acc = 0;
            bits = 0;
        }
    }
    out.finish()
}

fn hex_decode(input: &[u8]) -> Cow<'_, [u8]> {
    let mut out = Out::verbatim(input, 0);
    let mut i = 0;
    while i < input.len() {
        if let Some(b) = hex2(input, i) {
            out.push(b);
            i += 2;
        } else {
            out.push(input[i]);
            i += 1;
        }
    }
    out.finish()
}

fn replace_comments(input: &[u8]) -> Cow<'_, [u8]> {
    let Some(start) = memmem::find(input, b"/*") else {
        return Cow::Borrowed(input);
    };
    let mut out = Out::verbatim(input, start);
    let mut i = start;
    while i < input.len() {
        match memmem::find(&input[i..], b"/*") {
            None => {
                out.extend(&input[i..]);
                break;
            }
            Some(p) => {
                out.extend(&input[i..i + p]);
                out.push(b' ');
                i = match memmem::find(&input[i + p + 2..], b"*/") {
                    Some(q) => i + p + 2 + q + 2,
                    None => input.len(),
                };
            }
        }
    }
    out.finish()
}

fn remove_comments_char(input: &[u8]) -> Cow<'_, [u8]> {
    let Some(start) = input
        .iter()
        .position(|&b| matches!(b, b'/' | b'*' | b'-' | b'#'))
    else {
        return Cow::Borrowed(input);
    };
    let mut out = Out::verbatim(input, start);
    let mut i = start;
    while i < input.len() {
        let rest = &input[i..];
        if rest.starts_with(b"/*") || rest.starts_with(b"*/") || rest.starts_with(b"--") {
            i += 2;
        } else if rest[0] == b'#' {
            i += 1;
        } else {
            out.push(rest[0]);
            i += 1;
        }
    }
    out.finish()
}

fn escape_seq_decode(input: &[u8]) -> Cow<'_, [u8]> {
    let Some(start) = memchr(b'\\', input) else {
        return Cow::Borrowed(input);
    };
    let mut out = Out::verbatim(input, start);
    let mut i = start;
    while i < input.len() {
        if input[i] != b'\\' {
            let next = memchr(b'\\', &input[i..]).map_or(input.len(), |p| i + p);
            out.extend(&input[i..next]);
            i = next;
            continue;
        }
        let Some(&c) = input.get(i + 1) else {
            out.push(b'\\');
            break;
        };
        i += 2;
        let decoded = match c {
            b'a' => 0x07,
            b'b' => 0x08,
            b'f' => 0x0C,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'v' => 0x0B,
            b'x' => match hex2(input, i) {
                Some(b) => {
                    i += 2;
                    b
                }
                None => b'x',
            },
            b'0'..=b'7' => {
                let mut value = c - b'0';
                for _ in 0..2 {
                    match input.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            value = value.wrapping_mul(8).wrapping_add(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                value
            }
            other => other,
        };
        out.push(decoded);
    }
    out.finish()
}

fn sql_hex_decode(input: &[u8]) -> Cow<'_, [u8]> {
    let starts_hex = |i: usize| {
        input[i] == b'0'
            && matches!(input.get(i + 1), Some(b'x' | b'X'))
            && hex2(input, i + 2).is_some()
    };
    let Some(start) = (0..input.len()).find(|&i| starts_hex(i)) else {
        return Cow::Borrowed(input);
    };
    let mut out = Out::verbatim(input, start);
    let mut i = start;
    while i < input.len() {
        if starts_hex(i) {
            i += 2;
            while let Some(b) = hex2(input, i) {
                out.push(b);
                i += 2;
            }
        } else {
            out.push(input[i]);
            i += 1;
        }
    }
    out.finish()
}

fn css_decode(input: &[u8]) -> Cow<'_, [u8]> {
    let Some(start) = memchr(b'\\', input) else {
        return Cow::Borrowed(input);
    };
    let mut out = Out::verbatim(input, start);
    let mut i = start;
    while i < input.len() {
        if input[i] != b'\\' {
            let next = memchr(b'\\', &input[i..]).map_or(input.len(), |p| i + p);
            out.extend(&input[i..next]);
            i = next;
            continue;
        }
        match input.get(i + 1) {
            // a final backslash, and a backslash before a newline (a line continuation), go
            None => i += 1,
            Some(b'\n') => i += 2,
            Some(&c) if hex_val(c).is_some() => {
                let mut j = i + 1;
                let mut code = 0u32;
                while j < input.len() && j < i + 7 {
                    let Some(d) = hex_val(input[j]) else { break };
                    code = code << 4 | u32::from(d);
                    j += 1;
                }
                out.push(fold_wide(code));
                if input.get(j).is_some_and(|&w| is_c_space(w)) {
                    j += 1;
                }
                i = j;
            }
            Some(&c) => {
                out.push(c);
                i += 2;
            }
        }
    }
    out.finish()
}

/// A `\u` escape's code for `JS_DECODE_EXT`: the `\u{…}` form, or four digits, joining a
/// surrogate pair; its code point and the bytes it used after `\u`.
fn js_unicode_ext(s: &[u8], i: usize) -> Option<(u32, usize)> {
    if s.get(i) == Some(&b'{') {
        let close = s[i + 1..].iter().take(7).position(|&b| b == b'}')?;
        let digits = &s[i + 1..i + 1 + close];
        if digits.is_empty() {
            return None;
        }
        let mut code = 0u32;
        for &d in digits {
            code = code << 4 | u32::from(hex_val(d)?);
        }
        return (code <= 0x10FFFF).then_some((code, close + 2));
    }
    let code = hex4(s, i)?;
    if (0xD800..0xDC00).contains(&code)
        && s.get(i + 4) == Some(&b'\\')
        && s.get(i + 5) == Some(&b'u')
        && let Some(low) = hex4(s, i + 6)
        && (0xDC00..0xE000).contains(&low)
    {
        return Some((0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00), 10));
    }
    Some((code, 4))
}

fn js_decode(input: &[u8], ext: bool) -> Cow<'_, [u8]> {
    let Some(start) = memchr(b'\\', input) else {
        return Cow::Borrowed(input);
    };
    let mut out = Out::verbatim(input, start);
    let mut i = start;
    while i < input.len() {
        if input[i] != b'\\' {
            let next = memchr(b'\\', &input[i..]).map_or(input.len(), |p| i + p);
            out.extend(&input[i..next]);
            i = next;
            continue;
        }
        let Some(&c) = input.get(i + 1) else {
            out.push(b'\\');
            break;
        };
        if c == b'u' {
            if ext {
                if let Some((code, used)) = js_unicode_ext(input, i + 2) {
                    utf8_push(&mut out, code);
                    i += 2 + used;
                    continue;
                }
            } else if let Some(code) = hex4(input, i + 2) {
                out.push(fold_wide(code));
                i += 6;
                continue;
            }
        }
        if c == b'x'
            && let Some(b) = hex2(input, i + 2)
        {
            out.push(b);
            i += 4;
            continue;
        }
        if (b'0'..=b'7').contains(&c) {
            // one byte at most: three digits only when the first is 0–3
            let max = if c <= b'3' { 3 } else { 2 };
            let mut value = 0u8;
            let mut j = i + 1;
            while j < input.len() && j < i + 1 + max && (b'0'..=b'7').contains(&input[j]) {
                value = value.wrapping_mul(8).wrapping_add(input[j] - b'0');
                j += 1;
            }
            out.push(value);
            i = j;
            continue;
        }
        out.push(match c {
            b'a' => 0x07,
            b'b' => 0x08,
            b'f' => 0x0C,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'v' => 0x0B,
            other => other,
        });
        i += 2;
    }
    out.finish()
}

fn normalize_path(input: &[u8], win: bool) -> Cow<'_, [u8]> {
    let separator = |b: u8| b == b'/' || (win && b == b'\\');
    let body = input.strip_prefix(b"/").unwrap_or(input);
    let body = body.strip_suffix(b"/").unwrap_or(body);
    let needs_work = (win && memchr(b'\\', input).is_some())
        || (input.len() > 1 && body.is_empty())
        || (!body.is_empty()
            && body
                .split(|&b| b == b'/')
                .any(|s| matches!(s, b"" | b"." | b"..")));
    if !needs_work {
        return Cow::Borrowed(input);
    }
    let absolute = input.first().is_some_and(|&b| separator(b));
    let trailing = input.last().is_some_and(|&b| separator(b));
    let mut stack: Vec<&[u8]> = Vec::new();
    for seg in input.split(|&b| separator(b)) {
        match seg {
            b"" | b"." => {}
            b".." => match stack.last() {
                Some(&top) if top != b".." => {
                    stack.pop();
                }
                // nothing above the root of an absolute path
                _ if absolute => {}
                _ => stack.push(seg),
            },
            _ => stack.push(seg),
        }
    }
    let mut out = Out::verbatim(input, 0);
    if absolute {
        out.push(b'/');
    }
    for (n, seg) in stack.iter().enumerate() {
        if n > 0 {
            out.push(b'/');
        }
        out.extend(seg);
    }
    if trailing && !stack.is_empty() {
        out.push(b'/');
    }
    out.finish()
}

fn remove_nulls(input: &[u8]) -> Cow<'_, [u8]> {
    match memchr(0, input) {
        None => Cow::Borrowed(input),
        Some(start) => {
            let mut v = Vec::with_capacity(input.len());
            v.extend_from_slice(&input[..start]);
            v.extend(input[start..].iter().copied().filter(|&b| b != 0));
            Cow::Owned(v)
        }
    }
}

fn replace_nulls(input: &[u8]) -> Cow<'_, [u8]> {
    match memchr(0, input) {
        None => Cow::Borrowed(input),
        Some(start) => {
            let mut v = input.to_vec();
            for b in &mut v[start..] {
                if *b == 0 {
                    *b = b' ';
                }
            }
            Cow::Owned(v)
        }
    }
}

fn remove_whitespace(input: &[u8]) -> Cow<'_, [u8]> {
    match input.iter().position(|&b| is_wide_space(b)) {
        None => Cow::Borrowed(input),
        Some(start) => {
            let mut v = Vec::with_capacity(input.len());
            v.extend_from_slice(&input[..start]);
            v.extend(
                input[start..]
                    .iter()
                    .copied()
                    .filter(|&b| !is_wide_space(b)),
            );
            Cow::Owned(v)
        }
    }
}

fn trim_left(input: &[u8]) -> &[u8] {
    let start = input
        .iter()
        .position(|&b| !is_c_space(b))
        .unwrap_or(input.len());
    &input[start..]
}

fn trim_right(input: &[u8]) -> &[u8] {
    let end = input
        .iter()
        .rposition(|&c| !is_c_space(c))
        .map_or(0, |p| p + 1);
    &input[..end]
}

fn utf8_to_unicode(input: &[u8]) -> Cow<'_, [u8]> {
    let Some(start) = input.iter().position(|&b| b >= 0x80) else {
        return Cow::Borrowed(input);
    };
    let mut out = Out::verbatim(input, start);
    let mut i = start;
    while i < input.len() {
        let b = input[i];
        let (len, init) = match b {
            0x00..=0x7F => {
                let next = input[i..]
                    .iter()
                    .position(|&c| c >= 0x80)
                    .map_or(input.len(), |p| i + p);
                out.extend(&input[i..next]);
                i = next;
                continue;
            }
            0xC0..=0xDF => (2, u32::from(b & 0x1F)),
            0xE0..=0xEF => (3, u32::from(b & 0x0F)),
            0xF0..=0xF7 => (4, u32::from(b & 0x07)),
            _ => (0, 0),
        };
        let tail = input.get(i + 1..i + len.max(1));
        let code = tail
            .filter(|t| len > 0 && t.iter().all(|&c| c & 0xC0 == 0x80))
            .map(|t| {
                t.iter()
                    .fold(init, |acc, &c| acc << 6 | u32::from(c & 0x3F))
            });
        match code {
            Some(code) => {
                out.extend(b"%u");
                let digits = (32 - code.leading_zeros()).div_ceil(4).max(4);
                for shift in (0..digits).rev() {
                    let nibble = (code >> (shift * 4)) & 0xF;
                    out.push(b"0123456789abcdef"[nibble as usize]);
                }
                i += len;
            }
            None => {
                out.push(b);
                i += 1;
            }
        }
    }
    out.finish()
}

// ---------------------------------------------------------------------------------------------
// Pre-parse transformations of a raw query string.

/// One pre-parse text transformation (`PreParseTextTransformations[].Type`), applied to the
/// raw query string before AWS splits it into arguments; only `SingleQueryArgument` and
/// `AllQueryArguments` accept them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum PreParseTransformation {
    /// `NONE`: the raw query string as received.
    None,
    /// `URL_DECODE`: as [`Transformation::UrlDecode`], so encoded `&` and `=` become
    /// delimiters. ⚠ `+` → space is assumed here too (AWS only says `%HH`).
    UrlDecode,
    /// `URL_DECODE_UNI`: as [`Transformation::UrlDecodeUni`].
    UrlDecodeUni,
    /// `COMBINE_DUPLICATE_QUERY_ARGS_BY_COMMA`: the values of a name that occurs more than once
    /// are joined with `,` at its first occurrence, and the later ones removed
    /// (`a=1&b=2&a=3` → `a=1,3&b=2`). ⚠ Names compare byte for byte, raw (not decoded, case
    /// kept); an occurrence without `=` contributes an empty value; empty `&&` pieces stay.
    CombineDuplicateQueryArgsByComma,
    /// `REPLACE_SEMICOLONS_WITH_AMPERSANDS`: every `;` becomes `&`.
    ReplaceSemicolonsWithAmpersands,
}

const PRE_PARSE_NAMES: [(PreParseTransformation, &str); 5] = [
    (PreParseTransformation::None, "NONE"),
    (PreParseTransformation::UrlDecode, "URL_DECODE"),
    (PreParseTransformation::UrlDecodeUni, "URL_DECODE_UNI"),
    (
        PreParseTransformation::CombineDuplicateQueryArgsByComma,
        "COMBINE_DUPLICATE_QUERY_ARGS_BY_COMMA",
    ),
    (
        PreParseTransformation::ReplaceSemicolonsWithAmpersands,
        "REPLACE_SEMICOLONS_WITH_AMPERSANDS",
    ),
];

impl PreParseTransformation {
    /// Every pre-parse transformation, in the API model's order.
    pub const ALL: [PreParseTransformation; 5] = [
        PRE_PARSE_NAMES[0].0,
        PRE_PARSE_NAMES[1].0,
        PRE_PARSE_NAMES[2].0,
        PRE_PARSE_NAMES[3].0,
        PRE_PARSE_NAMES[4].0,
    ];

    /// The pre-parse transformation AWS calls `name`, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        PRE_PARSE_NAMES
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(t, _)| *t)
    }

    /// AWS's name for it.
    pub fn name(self) -> &'static str {
        PRE_PARSE_NAMES
            .iter()
            .find(|(t, _)| *t == self)
            .map_or("NONE", |(_, n)| n)
    }

    /// Applies it to a raw query string (without the `?`).
    pub fn apply(self, query: &[u8]) -> Cow<'_, [u8]> {
        match self {
            Self::None => Cow::Borrowed(query),
            Self::UrlDecode => url_decode(query, false),
            Self::UrlDecodeUni => url_decode(query, true),
            Self::ReplaceSemicolonsWithAmpersands => match memchr(b';', query) {
                None => Cow::Borrowed(query),
                Some(start) => {
                    let mut v = query.to_vec();
                    for b in &mut v[start..] {
                        if *b == b';' {
                            *b = b'&';
                        }
                    }
                    Cow::Owned(v)
                }
            },
            Self::CombineDuplicateQueryArgsByComma => combine_duplicate_args(query),
        }
    }
}

impl std::fmt::Display for PreParseTransformation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Applies pre-parse transformations in order (sorted by `Priority` by the caller).
pub fn apply_pre_parse_chain<'a>(
    chain: &[PreParseTransformation],
    query: &'a [u8],
) -> Cow<'a, [u8]> {
    let mut value = Cow::Borrowed(query);
    for &t in chain {
        value = match value {
            Cow::Borrowed(b) => t.apply(b),
            Cow::Owned(v) => match t.apply(&v) {
                Cow::Borrowed(_) => Cow::Owned(v),
                Cow::Owned(w) => Cow::Owned(w),
            },
        };
    }
    value
}

/// An argument's name: the part before its first `=`.
fn arg_name(piece: &[u8]) -> &[u8] {
    memchr(b'=', piece).map_or(piece, |p| &piece[..p])
}

fn combine_duplicate_args(query: &[u8]) -> Cow<'_, [u8]> {
    let pieces: Vec<&[u8]> = query.split(|&b| b == b'&').collect();
    // each name's first piece, and the values of its later occurrences
    let mut first: HashMap<&[u8], usize> = HashMap::new();
    let mut extra: HashMap<usize, Vec<&[u8]>> = HashMap::new();
    let mut dropped = vec![false; pieces.len()];
    for (n, piece) in pieces.iter().enumerate() {
        if piece.is_empty() {
            continue;
        }
        let name = arg_name(piece);
        match first.get(name) {
            None => {
                first.insert(name, n);
            }
            Some(&f) => {
                let value = piece.get(name.len() + 1..).unwrap_or(b"");
                extra.entry(f).or_default().push(value);
                dropped[n] = true;
            }
        }
    }
    if extra.is_empty() {
        return Cow::Borrowed(query);
    }
    let mut out = Vec::with_capacity(query.len());
    let mut wrote = false;
    for (n, piece) in pieces.iter().enumerate() {
        if dropped[n] {
            continue;
        }
        if wrote {
            out.push(b'&');
        }
        wrote = true;
        out.extend_from_slice(piece);
        if let Some(values) = extra.get(&n) {
            if !piece.contains(&b'=') {
                out.push(b'=');
            }
            for v in values {
                out.push(b',');
                out.extend_from_slice(v);
            }
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
