//! `waf::json_body::parse` on arbitrary bodies, with the default limits and with small ones:
//! never panics; elements stay within the limit; an error's offset lies in the body; every
//! element has a pointer; selections by `All`, by pointers and by each scope yield at most the
//! parsed elements, keys only for `KEY` and values only for `VALUE`; the fallback decision
//! follows the error.
//!
//! Input: the first byte sets the small limits (depth 1–8, elements 1–32), the rest is the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use waf::json_body::{
    Evaluation, InvalidFallback, JsonPointer, Limits, MatchPattern, MatchScope, evaluate, parse,
    select,
};

fn check(body: &[u8], limits: &Limits) {
    let parsed = parse(body, limits);
    let n = parsed.elements().len();
    assert!(n <= limits.max_elements);
    if let Some(e) = parsed.error() {
        assert!(e.offset <= body.len());
    }
    for i in 0..n {
        assert!(parsed.pointer(i).is_some());
    }
    let keys = parsed.elements().iter().filter(|e| e.kind.is_key()).count();
    let mut pointers = vec![JsonPointer::parse("").expect("empty pointer")];
    // pointers to the first elements, so IncludedPaths selects something
    for i in 0..n.min(4) {
        if let Some(Ok(p)) = parsed.pointer(i).map(|s| JsonPointer::parse(&s)) {
            pointers.push(p);
        }
    }
    for pattern in [MatchPattern::All, MatchPattern::IncludedPaths(pointers)] {
        assert!(select(&parsed, &pattern, MatchScope::All).count() <= n);
        assert!(select(&parsed, &pattern, MatchScope::Key).count() <= keys);
        assert!(select(&parsed, &pattern, MatchScope::Value).count() <= n - keys);
    }
    assert_eq!(
        select(&parsed, &MatchPattern::All, MatchScope::All).count(),
        n
    );
    let e = evaluate(
        &parsed,
        &MatchPattern::All,
        MatchScope::All,
        Some(InvalidFallback::Match),
    );
    assert_eq!(matches!(e, Evaluation::Match), parsed.error().is_some());
}

fuzz_target!(|data: &[u8]| {
    let Some((&knobs, body)) = data.split_first() else {
        return;
    };
    check(body, &Limits::default());
    let small = Limits {
        max_depth: usize::from(knobs & 7) + 1,
        max_elements: usize::from(knobs >> 3) + 1,
    };
    check(body, &small);
});
