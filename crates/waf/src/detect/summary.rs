//! A value's summary, computed once per (field, transformation chain) value and shared by
//! every statement that reads it: which classes of bytes it holds, and which detectors'
//! keyword windows occur in it, in one pass over its bytes.
//!
//! Each statement asks the summary first ([`Summary::may_detect`], [`Summary::may_sqli`],
//! [`Summary::may_xss`], [`Summary::may_hold`]) and runs its detector only on a "maybe": the
//! cost of a benign value no longer grows with the number of detectors that read it. Every
//! test here is a *necessary* condition of its detector's detection (the reasons are given
//! beside each; the property tests below check them against the detectors).

use std::sync::LazyLock;

use super::Detector;
use super::prefilter::MultiAnchors;

/// The ASCII punctuation: each has its own class.
const PUNCT: &[u8; 32] = b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// The class of byte `b`: one bit among 41.
const fn class_of(b: u8) -> u64 {
    match b {
        b'x' => 1 << 2,
        b'X' => 1 << 3,
        b'a'..=b'z' => 1,
        b'A'..=b'Z' => 1 << 1,
        b'0' => 1 << 4,
        b'1'..=b'9' => 1 << 5,
        b' ' => 1 << 6,
        0..=0x1f | 0x7f => 1 << 7,
        0x80.. => 1 << 8,
        _ => {
            let mut i = 0;
            while i < PUNCT.len() {
                if PUNCT[i] == b {
                    return 1 << (9 + i);
                }
                i += 1;
            }
            0
        }
    }
}

/// Each byte's class.
static CLASS: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = class_of(b as u8);
        b += 1;
    }
    t
};

/// The union of the classes of `bytes`.
pub(crate) const fn classes_of(bytes: &[u8]) -> u64 {
    let mut c = 0;
    let mut i = 0;
    while i < bytes.len() {
        c |= class_of(bytes[i]);
        i += 1;
    }
    c
}

/// ASCII letters.
const ALPHA: u64 = classes_of(b"axAX");
/// Any non-ASCII byte (`0x80` stands for them all).
const HIGH: u64 = classes_of(&[0x80]);
/// Control bytes (`\0` stands for them all).
const CONTROL: u64 = classes_of(b"\0");
const DIGIT: u64 = classes_of(b"01");
const ZERO: u64 = classes_of(b"0");
const EX: u64 = classes_of(b"xX");

/// The detectors whose fast rejects test keyword windows, each with its bit in
/// [`Summary::anchors`].
const LFI: u8 = 1;
const METADATA: u8 = 2;
const POWERSHELL: u8 = 4;
const JAVA: u8 = 8;
const BAD_BOT: u8 = 16;

/// The keyword windows of those detectors, the same windows their own gates test.
static ANCHORS: LazyLock<MultiAnchors> = LazyLock::new(|| {
    let lfi = super::lfi::sensitive_keys();
    let powershell = super::powershell::gate_patterns();
    let java = super::java::gate_patterns();
    let lfi: Vec<&[u8]> = lfi.iter().map(|s| s.as_bytes()).collect();
    let powershell: Vec<&[u8]> = powershell.iter().map(|s| s.as_bytes()).collect();
    let metadata: Vec<&[u8]> = super::metadata_ssrf::NAMES
        .iter()
        .map(|s| s.as_bytes())
        .collect();
    let bad_bot: Vec<&[u8]> = super::bad_bot::TOOLS.iter().map(|s| s.as_bytes()).collect();
    MultiAnchors::new(&[
        (&lfi[..], LFI),
        (&metadata[..], METADATA),
        (&powershell[..], POWERSHELL),
        (&java[..], JAVA),
        (&bad_bot[..], BAD_BOT),
    ])
});

/// What one pass over a value tells every statement that reads it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Summary {
    /// The union of the classes of its bytes.
    classes: u64,
    /// The detectors (see [`ANCHORS`]) whose keyword windows occur in it.
    anchors: u8,
}

impl Summary {
    /// The summary of `value`.
    pub(crate) fn of(value: &[u8]) -> Summary {
        let anchors = &*ANCHORS;
        let mut classes = 0u64;
        let mut hits = 0u8;
        let mut h = 0u32;
        for &b in value {
            classes |= CLASS[usize::from(b)];
            hits |= anchors.step(&mut h, b);
        }
        Summary {
            classes,
            anchors: hits | anchors.rest(value),
        }
    }

    /// Whether the value holds a byte of `classes`.
    #[inline]
    fn any(&self, classes: u64) -> bool {
        self.classes & classes != 0
    }

    /// Whether the value holds only bytes of `classes`.
    #[inline]
    fn only(&self, classes: u64) -> bool {
        self.classes & !classes == 0
    }

    /// Whether the value holds a byte of one of `classes`.
    #[inline]
    pub(crate) fn holds_any(&self, classes: u64) -> bool {
        self.any(classes)
    }

    /// Whether the value may hold `needle` (a byte match's search string): it holds each of
    /// its classes.
    #[inline]
    pub(crate) fn may_hold(&self, needle_classes: u64) -> bool {
        self.classes & needle_classes == needle_classes
    }

    /// Whether `detector` may flag `value` (this summary's value); `false` is certain.
    #[inline]
    pub(crate) fn may_detect(&self, detector: Detector, value: &[u8]) -> bool {
        match detector {
            // traversal needs a dot (plain, `%`-encoded, overlong or full-width UTF-8, or
            // `0x2e`); a sensitive file needs its key's window and its entry, each of which
            // holds one of `/._-`, spelled plainly, encoded, or as `\`
            Detector::Lfi => {
                let encoded =
                    self.any(const { classes_of(b"%") } | HIGH) || (self.any(ZERO) && self.any(EX));
                encoded
                    || (self.any(const { classes_of(b".") })
                        && memchr::memmem::find(value, b"..").is_some())
                    || (self.anchors & LFI != 0 && self.any(const { classes_of(b"/\\._-") }))
            }
            // a UNC path (`\\`), a bare scheme and `?`, an internal host before `/:?#`, and
            // every URL or include need `:` or `(`
            Detector::Rfi => self.any(const { classes_of(b"\\?/:#(") }),
            // a separator or evasion byte, a `/`, or a command as the first word
            Detector::UnixShell => {
                self.any(const { classes_of(b";|&$`'\"\\({<>?*[~!/") } | CONTROL)
                    || may_name_command(self, value, true)
            }
            // `%` (variables, `for`), `if ` (a space, tab, `(` or `"` after it), a separator,
            // a `/`, or a command as the first word
            Detector::WindowsShell => {
                self.any(const { classes_of(b";|&%^\"(<>`/ ") } | CONTROL)
                    || may_name_command(self, value, false)
            }
            // a keyword's window, or an alias before one of `($"'[`
            Detector::Powershell => {
                self.anchors & POWERSHELL != 0 || self.any(const { classes_of(b"($\"'[") })
            }
            // every construct needs one of `(:<[{=$`, a filter chain or a concatenation `.`
            Detector::Php => self.any(const { classes_of(b"(:<[{=$.") }),
            Detector::JavaDeserialization => self.anchors & JAVA != 0,
            // `${`
            Detector::Log4j => {
                self.any(const { classes_of(b"$") }) && self.any(const { classes_of(b"{") })
            }
            // a name's window, a non-ASCII digit or dot, or a token of ASCII digits
            Detector::Ec2MetadataSsrf => self.anchors & METADATA != 0 || self.any(HIGH | DIGIT),
            // an extension follows a dot
            Detector::RestrictedExtensions => self.any(const { classes_of(b".") }),
            Detector::BadBotUserAgent => self.anchors & BAD_BOT != 0,
            // path segments
            Detector::AdminPaths | Detector::ExploitablePaths => {
                self.any(const { classes_of(b"/") })
            }
            // `$Version`, a line break in any spelling, `<meta`, `HTTP/`, LDAP's parentheses,
            // `unix:…|`
            Detector::ProtocolAttack => {
                self.any(const { classes_of(b"$%\\&</()|") } | CONTROL | HIGH)
            }
        }
    }

    /// Whether the SQL injection detector may flag `value`: a value of ASCII letters alone is
    /// one word, and one longer than every keyword and function name triggers nothing.
    #[inline]
    pub(crate) fn may_sqli(&self, value: &[u8]) -> bool {
        !(self.only(ALPHA) && value.len() > super::sqli::MAX_WORD)
    }

    /// Whether the XSS detector may flag the value: markup needs `<`, script contexts one of
    /// `` =(`.[{:!&\ ``, and the look-alikes `%`, `\`, `+` or non-ASCII bytes.
    #[inline]
    pub(crate) fn may_xss(&self) -> bool {
        self.any(const { classes_of(b"<=(`.[{:!&\\%+") } | HIGH)
    }
}

/// Whether the first word of the value may name a command: a value of ASCII letters alone is
/// one word, and one longer than every command name names none.
fn may_name_command(s: &Summary, value: &[u8], unix: bool) -> bool {
    if s.only(ALPHA) && value.len() > super::shell::MAX_NAME {
        return false;
    }
    super::shell::first_word_names_command(value, unix)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
