//! SQL injection detection.
//!
//! The input is tokenized the way a database would read it in each of the places an
//! injection can begin: as a bare value (`WHERE id = <input>`), and after the quote that closes
//! the application's string literal (`WHERE name = '<input>'`, with `'`, `"` or `` ` ``). The
//! lexer (`lex`) folds case, comments, every kind of whitespace and Unicode look-alikes
//! (full-width forms, typographic quotes); a loose SQL grammar (`parse`) follows the tokens
//! and records the constructs injections are made of: tautologies and contradictions after
//! `OR`/`AND`, `UNION SELECT`, stacked statements, time-based and error-based functions, a
//! comment that cuts the query off after a quote, system catalogs. Natural language stops the
//! grammar within a word or two, which is what keeps free text that mentions SQL words quiet.
//!
//! ```text
//!  input ─► contexts: bare │ after ' │ after " │ after `
//!        ─► lexer (fold) ─► grammar runs (restart where a run stops) ─► findings
//!        ─► the first finding that reports at the sensitivity ─► Detection
//! ```
//!
//! `LOW` reports what only an injection writes; `HIGH` adds fragments (a SQL function call,
//! a catalog name, a boolean condition after a quote) that free text writes now and then.

mod lex;
mod parse;
mod words;

/// The longest keyword or function name the detector knows.
pub(super) const MAX_WORD: usize = words::MAX_WORD;

#[cfg(test)]
mod tests;

use super::Detection;
use parse::{Anchor, Finding, Run, Span, Step};

/// `SqliMatchStatement`'s `SensitivityLevel`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Sensitivity {
    /// AWS's default: fewer false positives (the managed rule groups' `SQLi_*` rules).
    #[default]
    Low,
    /// More detection, more false positives.
    High,
}

/// Bytes inspected: AWS forwards at most 64 KiB of a body to inspection.
const MAX_INPUT: usize = 64 * 1024;
/// Restarts of a quoted context at later quotes.
const MAX_QUOTE_RESTARTS: usize = 8;

/// String literals whose contents get a bare pass of their own.
const MAX_NESTED: usize = 8;

/// Whether `input` carries SQL injection.
pub fn detect(input: &[u8], sensitivity: Sensitivity) -> Option<Detection> {
    let input = input.get(..MAX_INPUT).unwrap_or(input);
    if input.len() < 2 {
        return None;
    }
    let high = sensitivity == Sensitivity::High;
    if !lex::worth_parsing(input, high) {
        return None;
    }
    let mut run = Run::new(input);
    if let Some(d) = view(input, high, &mut run, false) {
        return Some(d);
    }
    // `1+union+select+1`: the application decodes `+` in a query string or a form to a space,
    // whether or not the WAF's transformations did
    if memchr::memchr(b'+', input).is_some() {
        run.rebind(input);
        return view(input, high, &mut run, true);
    }
    None
}

/// Every context over `input`, with `+` read as a space or not.
fn view<'a>(input: &'a [u8], high: bool, run: &mut Run<'a>, plus: bool) -> Option<Detection> {
    let mut nested = [(0u32, 0u32); MAX_NESTED];
    let mut n_nested = 0;
    if let Some(d) = bare(input, high, run, Some((&mut nested, &mut n_nested)), plus) {
        return Some(d);
    }
    // which quotes the input holds (any non-ASCII byte may fold to one), in one pass
    let mut holds = [false; 3];
    for &b in input {
        match b {
            b'\'' => holds[0] = true,
            b'"' => holds[1] = true,
            b'`' => holds[2] = true,
            0xC2.. => holds = [true; 3],
            _ => {}
        }
    }
    for (q, held) in [b'\'', b'"', b'`'].into_iter().zip(holds) {
        if held && let Some(d) = quoted(input, q, high, run, plus) {
            return Some(d);
        }
    }
    // a value inside quotes of the input's own: an XML attribute, a JSON string
    for &(start, end) in &nested[..n_nested] {
        let Some(inner) = input.get(start as usize..end as usize) else {
            continue;
        };
        if !lex::worth_parsing(inner, high) {
            continue;
        }
        run.rebind(inner);
        if let Some(d) = bare(inner, high, run, None, plus) {
            return Some(d);
        }
    }
    None
}

/// The unquoted context: runs from the start, and again from wherever a run stops. Records
/// the contents of string literals in `nested`, when given.
fn bare(
    input: &[u8],
    high: bool,
    run: &mut Run<'_>,
    mut nested: Option<(&mut [(u32, u32); MAX_NESTED], &mut usize)>,
    plus: bool,
) -> Option<Detection> {
    let mut lexer = lex::Lexer::new(input, 0).plus_as_space(plus);
    run.reset(Anchor::Start);
    let mut retry = None;
    while let Some(t) = retry.take().or_else(|| lexer.next()) {
        if let Some((list, n)) = nested.as_mut()
            && t.tk == lex::Tk::Str
            && **n < MAX_NESTED
            && let Some(span) = string_contents(input, &t)
        {
            list[**n] = span;
            **n += 1;
        }
        if run.shift_plain(&t) {
            continue;
        }
        if run.step(&t) == Step::Stop {
            run.stopped();
            if let Some(f) = run.verdict(high) {
                return Some(detection(input, f));
            }
            // the token that stopped the run starts the next one, unless it stopped a fresh run
            let fresh = run.consumed() <= 1;
            run.reset(Anchor::Resume);
            if !fresh {
                retry = Some(t);
            }
        }
    }
    run.finish();
    run.verdict(high).map(|f| detection(input, f))
}

/// The contents of a closed `'…'` or `"…"` literal worth a pass of their own.
fn string_contents(input: &[u8], t: &lex::Token) -> Option<(u32, u32)> {
    if t.has(lex::OPEN) || t.end.saturating_sub(t.start) < 6 {
        return None;
    }
    let first = *input.get(t.start as usize)?;
    let last = *input.get(t.end as usize - 1)?;
    // an apostrophe inside a word (`I'd … we're`) opens no value
    if t.start > 0
        && input
            .get(t.start as usize - 1)
            .is_some_and(u8::is_ascii_alphanumeric)
    {
        return None;
    }
    let contents = input.get(t.start as usize + 1..t.end as usize - 1)?;
    // names, numbers, identifiers: nothing to read as SQL on their own
    let plain = contents.iter().all(|&b| {
        b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'@' | b':' | b'/')
    });
    (matches!(first, b'\'' | b'"') && last == first && !plain).then_some((t.start + 1, t.end - 1))
}

/// The context after quote `q`: the first quote closes the application's string literal; when
/// what follows stops making sense, a later quote may be the one.
fn quoted(input: &[u8], q: u8, high: bool, run: &mut Run<'_>, plus: bool) -> Option<Detection> {
    let mut from = 0;
    for restart in 0..=MAX_QUOTE_RESTARTS {
        let (qs, qe) = lex::find_quote(input, from, q)?;
        // a quote after a space or `(` opens a quotation in prose (`the "--force" flag`,
        // `` (`#`) ``) more often than it closes the application's string (`admin'--`)
        let opening = qs > 0
            && input
                .get(qs - 1)
                .is_some_and(|&b| b.is_ascii_whitespace() || b == b'(');
        let anchor = if restart == 0 && !opening {
            Anchor::Quote
        } else {
            Anchor::LaterQuote
        };
        run.closure(
            Span {
                start: u32::try_from(qs).ok()?,
                end: u32::try_from(qe).ok()?,
            },
            anchor,
        );
        let mut lexer = lex::Lexer::new(input, qe).plus_as_space(plus);
        let stop = lexer.by_ref().find(|t| run.step(t) == Step::Stop);
        let Some(t) = stop else {
            run.finish();
            return run.verdict(high).map(|f| detection(input, f));
        };
        // a string where the injection could end: it sits in an attribute, a JSON string, a
        // form field that closes around it
        if t.tk == lex::Tk::Str {
            run.finish();
        } else {
            run.stopped();
        }
        if let Some(f) = run.verdict(high) {
            return Some(detection(input, f));
        }
        // what stopped the run may stand on its own: '+sleep(5)+' whose + turned into spaces,
        // ' (select load_file('x')) '
        let call = (t.tk == lex::Tk::Word && t.has(lex::CALL)) || t.tk == lex::Tk::LParen;
        if !call {
            from = (t.start as usize).max(qe);
            continue;
        }
        run.reset(Anchor::Resume);
        let mut next = Some(t);
        let mut stopped = false;
        while let Some(t) = next.take().or_else(|| lexer.next()) {
            if run.step(&t) == Step::Stop {
                stopped = run.consumed() > 1;
                break;
            }
        }
        if stopped {
            run.stopped();
        } else {
            run.finish();
        }
        if let Some(f) = run.verdict(high) {
            return Some(detection(input, f));
        }
        from = (t.start as usize).max(qe);
    }
    None
}

fn detection(input: &[u8], f: &Finding) -> Detection {
    let matched = f.spans[..f.n]
        .iter()
        .filter_map(|s| input.get(s.start as usize..s.end as usize))
        .map(|b| {
            // long strings and comments: their start is evidence enough
            let b = b.get(..64).unwrap_or(b);
            String::from_utf8_lossy(b).into_owned()
        })
        .collect();
    Detection {
        reason: f.reason.name(),
        matched,
    }
}
