//! Desync classification: AWS ALB's tiers and reason codes (after `aws/http-desync-guardian`,
//! Apache-2.0) and the table that turns a tier into an action per mitigation mode.

/// How risky a request is, worst last (so `max` gives the worst).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// RFC compliant, no known risk.
    #[default]
    Compliant,
    /// Not compliant, no known desync risk.
    Acceptable,
    /// Not compliant; servers may disagree on how to handle it.
    Ambiguous,
    /// High risk: malformed or crafted to desynchronise parsers.
    Severe,
}

impl Class {
    /// The name the ALB uses (`classification` field of the access log).
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Compliant => "Compliant",
            Class::Acceptable => "Acceptable",
            Class::Ambiguous => "Ambiguous",
            Class::Severe => "Severe",
        }
    }
}

/// Why a request is not Compliant. `as_str` is AWS's code as the ALB access log writes it in
/// `classification_reason`.
///
/// The first nineteen are the ALB's documented codes. `MultilineHeader`,
/// `NonCrLfLineTermination`, `MissingHeaderColon` and `MissingUri` are the codes
/// http-desync-guardian's raw-request analyser uses for problems found while splitting the
/// head into lines; the ALB documents none of them, so where it would log something else for
/// the same bytes is unknown.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// Control characters (other than NUL/CR) in the request-target. Ambiguous.
    AmbiguousUri,
    /// A Content-Length that is not a plain decimal number. Severe.
    BadContentLength,
    /// NUL or CR inside a header line. Severe.
    BadHeader,
    /// An unknown transfer-coding. Severe.
    BadTransferEncoding,
    /// NUL or CR in the request-target. Severe.
    BadUri,
    /// A method that is not a token. Severe.
    BadMethod,
    /// A version that is not `HTTP/1.<digit>`. Severe.
    BadVersion,
    /// Both Transfer-Encoding and Content-Length. Ambiguous.
    BothTeClPresent,
    /// The same Content-Length value repeated. Ambiguous.
    DuplicateContentLength,
    /// A header line with an empty (or whitespace-only) name. Ambiguous.
    EmptyHeader,
    /// `Content-Length: 0` on GET or HEAD. Acceptable.
    GetHeadZeroContentLength,
    /// Content-Length headers with different values. Severe.
    MultipleContentLength,
    /// `chunked` applied more than once. Severe.
    MultipleTransferEncodingChunked,
    /// A header whose name is not a token, or whose value has control characters. Acceptable.
    NonCompliantHeader,
    /// `HTTP/1.2`–`HTTP/1.9`, or whitespace around the version. Acceptable.
    NonCompliantVersion,
    /// An unescaped space in the request-target. Acceptable.
    SpaceInUri,
    /// A header that normalises to Transfer-Encoding or Content-Length. Ambiguous.
    SuspiciousHeader,
    /// A non-zero Content-Length on GET/HEAD (or Content-Length in HTTP/0.9). Ambiguous.
    UndefinedContentLengthSemantics,
    /// Transfer-Encoding on GET/HEAD or in HTTP/1.0. Ambiguous.
    UndefinedTransferEncodingSemantics,
    /// obs-fold: a header line continued on the next line. Ambiguous.
    MultilineHeader,
    /// A line ended by a bare LF instead of CRLF. Acceptable.
    NonCrLfLineTermination,
    /// A header line without a colon. Ambiguous.
    MissingHeaderColon,
    /// A request line without a request-target. Ambiguous.
    MissingUri,
}

impl Reason {
    /// Every reason, in declaration order (the bit order of [`ReasonSet`]).
    pub const ALL: [Reason; 23] = [
        Reason::AmbiguousUri,
        Reason::BadContentLength,
        Reason::BadHeader,
        Reason::BadTransferEncoding,
        Reason::BadUri,
        Reason::BadMethod,
        Reason::BadVersion,
        Reason::BothTeClPresent,
        Reason::DuplicateContentLength,
        Reason::EmptyHeader,
        Reason::GetHeadZeroContentLength,
        Reason::MultipleContentLength,
        Reason::MultipleTransferEncodingChunked,
        Reason::NonCompliantHeader,
        Reason::NonCompliantVersion,
        Reason::SpaceInUri,
        Reason::SuspiciousHeader,
        Reason::UndefinedContentLengthSemantics,
        Reason::UndefinedTransferEncodingSemantics,
        Reason::MultilineHeader,
        Reason::NonCrLfLineTermination,
        Reason::MissingHeaderColon,
        Reason::MissingUri,
    ];

    /// The tier this reason puts a request in.
    pub fn class(self) -> Class {
        use Reason::*;
        match self {
            GetHeadZeroContentLength
            | NonCompliantHeader
            | NonCompliantVersion
            | SpaceInUri
            | NonCrLfLineTermination => Class::Acceptable,
            AmbiguousUri
            | BothTeClPresent
            | DuplicateContentLength
            | EmptyHeader
            | SuspiciousHeader
            | UndefinedContentLengthSemantics
            | UndefinedTransferEncodingSemantics
            | MultilineHeader
            | MissingHeaderColon
            | MissingUri => Class::Ambiguous,
            BadContentLength
            | BadHeader
            | BadTransferEncoding
            | BadUri
            | BadMethod
            | BadVersion
            | MultipleContentLength
            | MultipleTransferEncodingChunked => Class::Severe,
        }
    }

    /// AWS's code, e.g. `"BothTeClPresent"`.
    pub fn as_str(self) -> &'static str {
        use Reason::*;
        match self {
            AmbiguousUri => "AmbiguousUri",
            BadContentLength => "BadContentLength",
            BadHeader => "BadHeader",
            BadTransferEncoding => "BadTransferEncoding",
            BadUri => "BadUri",
            BadMethod => "BadMethod",
            BadVersion => "BadVersion",
            BothTeClPresent => "BothTeClPresent",
            DuplicateContentLength => "DuplicateContentLength",
            EmptyHeader => "EmptyHeader",
            GetHeadZeroContentLength => "GetHeadZeroContentLength",
            MultipleContentLength => "MultipleContentLength",
            MultipleTransferEncodingChunked => "MultipleTransferEncodingChunked",
            NonCompliantHeader => "NonCompliantHeader",
            NonCompliantVersion => "NonCompliantVersion",
            SpaceInUri => "SpaceInUri",
            SuspiciousHeader => "SuspiciousHeader",
            UndefinedContentLengthSemantics => "UndefinedContentLengthSemantics",
            UndefinedTransferEncodingSemantics => "UndefinedTransferEncodingSemantics",
            MultilineHeader => "MultilineHeader",
            NonCrLfLineTermination => "NonCrLfLineTermination",
            MissingHeaderColon => "MissingHeaderColon",
            MissingUri => "MissingUri",
        }
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of reasons, one bit each: no heap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ReasonSet(u32);

impl ReasonSet {
    /// Whether `r` is in the set.
    pub fn contains(self, r: Reason) -> bool {
        self.0 & r.bit() != 0
    }
    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// How many reasons are in the set.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }
    /// The reasons, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = Reason> {
        Reason::ALL.into_iter().filter(move |r| self.contains(*r))
    }
    fn insert(&mut self, r: Reason) {
        self.0 |= r.bit();
    }
}

/// The verdict on one request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Classification {
    /// The worst tier found.
    pub class: Class,
    /// The reason that first raised the request to `class`: what the ALB logs as
    /// `classification_reason`. `None` when Compliant.
    pub reason: Option<Reason>,
    /// Every reason found.
    pub reasons: ReasonSet,
}

impl Classification {
    /// Whether `r` was found.
    pub fn has(&self, r: Reason) -> bool {
        self.reasons.contains(r)
    }

    /// Records `r`. Only a strictly worse tier replaces the logged reason, as in
    /// http-desync-guardian, so the first reason at the worst tier is the one reported.
    pub(crate) fn add(&mut self, r: Reason) {
        self.reasons.insert(r);
        if r.class() > self.class {
            self.class = r.class();
            self.reason = Some(r);
        }
    }

    /// Appends the findings of a later analysis step, keeping the first-wins rule.
    pub(crate) fn merge(&mut self, later: &Classification) {
        self.reasons.0 |= later.reasons.0;
        if later.class > self.class {
            self.class = later.class;
            self.reason = later.reason;
        }
    }
}

/// The listener's desync mitigation mode (`routing.http.desync_mitigation_mode`). The proxy
/// maps its configuration onto this; `proto` depends on no model crate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum DesyncMode {
    /// Allow everything; only count and log.
    Monitor,
    /// AWS's default.
    #[default]
    Defensive,
    /// Only Compliant requests pass.
    Strictest,
}

/// What to do with a request of a given class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DesyncAction {
    /// Route it normally.
    Allow,
    /// Route it, then close both the client and the target connection.
    AllowThenClose,
    /// Answer 400 and close the client connection.
    Block,
}

/// The ALB's mitigation table.
///
/// | class      | monitor | defensive        | strictest |
/// |------------|---------|------------------|-----------|
/// | Compliant  | allow   | allow            | allow     |
/// | Acceptable | allow   | allow            | block     |
/// | Ambiguous  | allow   | allow, then close| block     |
/// | Severe     | allow   | block            | block     |
pub fn desync_action(mode: DesyncMode, class: Class) -> DesyncAction {
    match (mode, class) {
        (DesyncMode::Monitor, _) | (_, Class::Compliant) => DesyncAction::Allow,
        (DesyncMode::Defensive, Class::Acceptable) => DesyncAction::Allow,
        (DesyncMode::Defensive, Class::Ambiguous) => DesyncAction::AllowThenClose,
        (DesyncMode::Defensive, Class::Severe) | (DesyncMode::Strictest, _) => DesyncAction::Block,
    }
}

/// Whether a header name normalises to `Transfer-Encoding` (`Some(true)`) or `Content-Length`
/// (`Some(false)`) without being exactly it: what http-desync-guardian calls a suspicious
/// header. Only ASCII letters count; everything else (delimiters, whitespace, control and
/// non-ASCII bytes) is skipped, except that the two UTF-8 letters whose upper case is ASCII —
/// `ſ` (U+017F → `S`) and `ı` (U+0131 → `I`) — count as `s` and `i`. Letters after the match
/// are allowed only when something that is not a token character separates them
/// (`Transfer-Encoding x`), so `Content-Length-Range` stays a different header.
pub(crate) fn suspicious_framing_name(name: &[u8]) -> Option<bool> {
    if name.len() < 13 {
        return None;
    }
    for (target, is_te) in [
        (&b"transferencoding"[..], true),
        (&b"contentlength"[..], false),
    ] {
        if letters_match(name, target) {
            return Some(is_te);
        }
    }
    None
}

fn letters_match(name: &[u8], target: &[u8]) -> bool {
    let mut t = 0;
    let mut i = 0;
    while i < name.len() {
        let b = name[i];
        let letter = match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => Some((b.to_ascii_lowercase(), 1)),
            0xc5 if name.get(i + 1) == Some(&0xbf) => Some((b's', 2)),
            0xc4 if name.get(i + 1) == Some(&0xb1) => Some((b'i', 2)),
            _ => None,
        };
        match letter {
            Some((l, width)) => {
                if t == target.len() {
                    // Trailing letters: suspicious only when set apart by a non-token byte.
                    return i > 0 && !super::chars::is_tchar(name[i - 1]);
                }
                if l != target[t] {
                    return false;
                }
                t += 1;
                i += width;
            }
            None => i += 1,
        }
    }
    t == target.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_has_its_aws_code_and_a_distinct_bit() {
        let mut seen = ReasonSet::default();
        for r in Reason::ALL {
            assert_eq!(format!("{r:?}"), r.as_str());
            assert!(!seen.contains(r));
            seen.insert(r);
        }
        assert_eq!(seen.len(), Reason::ALL.len());
    }

    #[test]
    fn mitigation_table_matches_the_spec() {
        use Class::*;
        use DesyncAction::*;
        use DesyncMode::*;
        let table = [
            (Compliant, [Allow, Allow, Allow]),
            (Acceptable, [Allow, Allow, Block]),
            (Ambiguous, [Allow, AllowThenClose, Block]),
            (Severe, [Allow, Block, Block]),
        ];
        for (class, actions) in table {
            for (mode, want) in [Monitor, Defensive, Strictest].into_iter().zip(actions) {
                assert_eq!(desync_action(mode, class), want, "{mode:?} {class:?}");
            }
        }
    }

    #[test]
    fn first_reason_at_the_worst_class_is_reported() {
        let mut c = Classification::default();
        c.add(Reason::SpaceInUri);
        c.add(Reason::EmptyHeader);
        c.add(Reason::SuspiciousHeader);
        c.add(Reason::NonCompliantHeader);
        assert_eq!(c.class, Class::Ambiguous);
        assert_eq!(c.reason, Some(Reason::EmptyHeader));
        assert_eq!(c.reasons.len(), 4);
    }

    #[test]
    fn lookalikes_of_framing_headers_are_suspicious() {
        for name in [
            &b"Transfer-Encoding "[..],
            b"Transfer_Encoding",
            b" Transfer-Encoding",
            b"\x01Transfer-Encoding",
            b"Transfer---Encoding",
            b"Transfer- Encoding",
            b"Tran\xc5\xbffer-Encoding",
            b"Transfer-Encod\xc4\xb1ng",
            b"Transfer-Encoding x",
            b"transfer-encoding XY",
            b"Transfer-Encoding\x88",
        ] {
            assert_eq!(suspicious_framing_name(name), Some(true), "{name:?}");
        }
        for name in [
            &b"Content_Length"[..],
            b"\xa0Content-Length",
            b"Content-Length   ",
        ] {
            assert_eq!(suspicious_framing_name(name), Some(false), "{name:?}");
        }
        for name in [
            &b"Content-Length-Range"[..],
            b"Accept-Encoding",
            b"Content-Type",
            b"X-Transfer-Encoding",
            b"Content-Location",
        ] {
            assert_eq!(suspicious_framing_name(name), None, "{name:?}");
        }
    }
}
