//! AWS WAF's lenient JSON body parser (`JsonBody`).

use crate::acl::json::MatchScope;

/// A parse error: where parsing stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub offset: usize,
}

/// What was parsed of a body.
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    pub error: Option<ParseError>,
}

/// Parses a body.
pub fn parse(body: &[u8]) -> Parsed {
    let _ = body;
    Parsed::default()
}

/// The elements selected by `included_paths` (all when `None`) in `scope`.
pub fn select<'p>(
    parsed: &'p Parsed,
    included_paths: Option<&'p [String]>,
    scope: MatchScope,
) -> impl Iterator<Item = &'p [u8]> {
    let _ = (parsed, included_paths, scope);
    std::iter::empty()
}
