//! `waf::transform` on arbitrary input: every text transformation and every pre-parse
//! transformation never panics; outputs stay within their length bounds (at most the input's
//! length, three times it for `UTF8_TO_UNICODE`, the digest's for `MD5`/`SHA256`); a borrowed
//! output lies inside the input, an owned one differs from it; a chain equals its steps.
//!
//! Input: the first byte picks the transformation (modulo their number), the rest is the value.
#![no_main]

use std::borrow::Cow;

use libfuzzer_sys::fuzz_target;
use waf::transform::{PreParseTransformation, Transformation, apply_chain};

fn max_len(t: Transformation, n: usize) -> usize {
    match t {
        Transformation::Md5 => 16,
        Transformation::Sha256 => 32,
        Transformation::Utf8ToUnicode => n * 3,
        _ => n,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, input)) = data.split_first() else {
        return;
    };
    let all = Transformation::ALL;
    let t = all[usize::from(pick) % all.len()];
    let out = t.apply(input);
    assert!(out.len() <= max_len(t, input.len()), "{t}: output too long");
    match &out {
        Cow::Borrowed(b) => {
            let (start, base) = (b.as_ptr() as usize, input.as_ptr() as usize);
            assert!(b.is_empty() || (start >= base && start + b.len() <= base + input.len()));
        }
        Cow::Owned(v) => assert!(
            v.as_slice() != input || matches!(t, Transformation::Md5 | Transformation::Sha256),
            "{t} allocated for nothing"
        ),
    }

    // a chain of this and the next transformation equals applying them one by one
    let u = all[(usize::from(pick) + 1) % all.len()];
    let chained = apply_chain(&[t, u], input);
    assert_eq!(chained.as_ref(), u.apply(&out).as_ref());

    let p = PreParseTransformation::ALL[usize::from(pick) % PreParseTransformation::ALL.len()];
    let pre = p.apply(input);
    assert!(pre.len() <= input.len() * 2 + 1);
});
