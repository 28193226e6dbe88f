//! What every match of a rule's regular expression must hold: a set of bytes one of which
//! each match contains, as byte classes, so that a value whose summary has none of them is
//! rejected before the regex runs.

use regex_syntax::hir::{Class, Hir, HirKind};

/// A set of bytes.
type Bytes = [u64; 4];

fn one(b: u8) -> Bytes {
    let mut s = [0; 4];
    s[usize::from(b >> 6)] |= 1 << (b & 63);
    s
}

fn union(a: Bytes, b: Bytes) -> Bytes {
    [a[0] | b[0], a[1] | b[1], a[2] | b[2], a[3] | b[3]]
}

fn members(s: &Bytes) -> impl Iterator<Item = u8> + '_ {
    (0..=255u8).filter(|&b| s[usize::from(b >> 6)] >> (b & 63) & 1 != 0)
}

/// The byte classes of a set: what a value's summary is tested against.
fn classes(s: &Bytes) -> u64 {
    members(s).fold(0, |c, b| c | crate::detect::classes_of(&[b]))
}

/// The byte classes one of which every match of `pattern` holds, as the engine compiles a
/// rule's pattern (bytes, no Unicode); `None` when there is no such set (it can match the
/// empty string) or the pattern is not understood.
pub(crate) fn required_classes(pattern: &str) -> Option<u64> {
    required_classes_with(pattern, false)
}

fn required_classes_with(pattern: &str, unicode: bool) -> Option<u64> {
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(unicode)
        .utf8(false)
        .build()
        .parse(pattern)
        .ok()?;
    required(&hir, 0).map(|s| classes(&s))
}

/// The classes of every pattern of a regex pattern set (compiled with Unicode): a value with
/// none of them matches none.
pub(crate) fn required_classes_any<S: AsRef<str>>(patterns: &[S]) -> Option<u64> {
    patterns
        .iter()
        .try_fold(0, |c, p| Some(c | required_classes_with(p.as_ref(), true)?))
}

/// Bounds the walk over a hostile pattern's syntax tree.
const MAX_DEPTH: u32 = 64;

/// A set of bytes one of which every match of `hir` holds.
fn required(hir: &Hir, depth: u32) -> Option<Bytes> {
    if depth > MAX_DEPTH {
        return None;
    }
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => None,
        HirKind::Literal(lit) => {
            // the byte whose class is least common in text: punctuation over letters
            let b = lit
                .0
                .iter()
                .copied()
                .find(|b| !b.is_ascii_alphanumeric())
                .or_else(|| lit.0.first().copied())?;
            Some(one(b))
        }
        HirKind::Class(Class::Bytes(c)) => Some(
            c.ranges()
                .iter()
                .flat_map(|r| r.start()..=r.end())
                .fold([0; 4], |s, b| union(s, one(b))),
        ),
        HirKind::Class(Class::Unicode(c)) => {
            let mut s = [0; 4];
            for r in c.ranges() {
                for cp in u32::from(r.start())..=u32::from(r.end()).min(0x7f) {
                    s = union(s, one(cp as u8));
                }
                if u32::from(r.end()) > 0x7f {
                    s = union(s, [0, 0, !0, !0]);
                }
            }
            Some(s)
        }
        HirKind::Repetition(r) if r.min >= 1 => required(&r.sub, depth + 1),
        HirKind::Repetition(_) => None,
        HirKind::Capture(c) => required(&c.sub, depth + 1),
        // any part's set will do: the one with the fewest classes
        HirKind::Concat(parts) => parts
            .iter()
            .filter_map(|p| required(p, depth + 1))
            .min_by_key(|s| (classes(s).count_ones(), members(s).count())),
        HirKind::Alternation(alts) => alts
            .iter()
            .try_fold([0; 4], |acc, a| Some(union(acc, required(a, depth + 1)?))),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::detect::classes_of;
    use proptest::prelude::*;

    #[test]
    fn managed_patterns() {
        assert_eq!(required_classes("[\\r\\n]"), Some(classes_of(b"\r")));
        assert_eq!(required_classes("['\";=]"), Some(classes_of(b"'\";=")));
        assert_eq!(
            required_classes("(?i)(<\\s*/?\\s*(script|style)\\b|<!--|-->|<!\\[)"),
            Some(classes_of(b"<-"))
        );
        assert_eq!(required_classes("a*"), None);
        assert_eq!(required_classes("^$"), None);
        assert_eq!(required_classes("x|"), None);
        assert_eq!(required_classes_any(&["a", "b*"]), None);
        assert_eq!(required_classes("(?i)abc"), Some(classes_of(b"aA")));
    }

    proptest! {
        /// Whatever a pattern matches holds one of its required classes.
        #[test]
        fn matches_hold_a_required_class(
            pattern in "(\\(?(\\[a-c<-]|a|B|-|<|\\.|\\\\d|\\\\s|x\\?|(?i)q)[*+?]?\\)?\\|?){1,6}",
            text in "[a-cB<x.q 0-9-]{0,20}",
        ) {
            let Ok(re) = crate::engine::compile_regex(&pattern) else { return Ok(()); };
            if let Some(c) = required_classes(&pattern)
                && let Some(m) = re.find(text.as_bytes())
            {
                prop_assert!(classes_of(m.as_bytes()) & c != 0, "{pattern} on {text:?}");
            }
        }
    }
}
