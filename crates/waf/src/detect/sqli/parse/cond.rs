//! Conditions: what follows `OR`, `AND`, `WHERE`, or the quote that closed the application's
//! string, up to the next one. Literal against literal (`1=1`, `'a'='b'`) is a tautology or a
//! contradiction; a comparison after a quote a boolean probe. Parentheses hold conditions of
//! their own; one around a single literal reads as the literal (`('x')=('x'`).

use super::*;

impl Run<'_> {
    pub(super) fn cond_push(&mut self, c: CTok) {
        if matches!(c, CTok::Cmp | CTok::Eq) {
            self.cmp_seen = true;
        }
        if let Some(cond) = self.frame().cond.as_mut() {
            if cond.n < cond.toks.len() {
                cond.toks[cond.n] = c;
                cond.n += 1;
            } else {
                cond.complex = true;
            }
        }
    }

    pub(super) fn cond_complex(&mut self) {
        if let Some(cond) = self.frame().cond.as_mut() {
            cond.complex = true;
            cond.nested = true;
        }
    }

    /// The query ends here: the conditions of every open level end, innermost first.
    pub(super) fn cond_close_all(&mut self, comment: bool) {
        let depth = self.depth;
        for d in (0..=depth).rev() {
            self.depth = d;
            let inner = self.cond_close(comment);
            if d > 0 {
                // a parenthesis left open around one literal reads as the literal: OR ('x')=('x
                self.depth = d - 1;
                match inner {
                    Some(c)
                        if self.frames[d].kind == FrameKind::Paren
                            && !c.complex
                            && c.n == 1
                            && matches!(c.toks[0], CTok::Lit(..)) =>
                    {
                        self.cond_push(c.toks[0]);
                    }
                    _ if self.frames[d].kind == FrameKind::Call => {}
                    _ => self.cond_complex(),
                }
            }
        }
        self.depth = depth;
    }

    /// The condition being followed ends; `comment` when a comment cuts it.
    pub(super) fn cond_close(&mut self, comment: bool) -> Option<Cond> {
        let cond = self.frame().cond.take()?;
        let toks = &cond.toks[..cond.n];
        let same = |this: &Self, a: Span, b: Span| {
            this.literal_text(a)
                .eq_ignore_ascii_case(this.literal_text(b))
        };
        let constant = !cond.complex
            && match toks {
                [CTok::Lit(..), CTok::Cmp | CTok::Eq, CTok::Lit(..)] => true,
                [CTok::Name(a), CTok::Cmp | CTok::Eq, CTok::Name(b)] => same(self, *a, *b),
                _ => false,
            };
        let identical = !cond.complex
            && match toks {
                // 1=1, 42 LIKE 42; not 11!=11 or '1' NOT REGEXP '1'
                [CTok::Lit(a, _), CTok::Eq, CTok::Lit(b, _)] => same(self, *a, *b),
                _ => false,
            };
        let truthy = !cond.complex && matches!(toks, [CTok::Lit(_, true)]);
        // OR 0, AND false: a bare number or boolean
        let bare_literal = !cond.complex
            && matches!(toks, [CTok::Lit(span, _)] if !matches!(self.text(*span).first(), Some(b'\'' | b'"')));
        let strong = self.anchor == Anchor::Quote || self.leading;
        let compares = toks.iter().any(|t| matches!(t, CTok::Cmp | CTok::Eq));
        if cond.clause && compares {
            self.clauses = self.clauses.saturating_add(1);
        }
        let found = if !cond.boolean {
            // '=' right after the quote; 1=1 at the start
            match self.anchor {
                Anchor::Quote if constant => Some((Reason::Tautology, Level::Low)),
                Anchor::LaterQuote if constant => Some((Reason::Tautology, Level::High)),
                Anchor::Start | Anchor::Resume if identical => {
                    Some((Reason::Tautology, Level::High))
                }
                _ => None,
            }
        } else if constant {
            Some((Reason::Tautology, Level::Low))
        } else if self.first_num
            && matches!(toks, [CTok::Lit(span, true)] if self.text(*span).eq_ignore_ascii_case(b"true"))
        {
            // 9999 or true
            Some((Reason::Tautology, Level::Low))
        } else if truthy || (bare_literal && strong) {
            // OR 1: after a quote or as the payload's start, or cut off by a comment
            match self.anchor {
                _ if strong || comment => Some((Reason::Tautology, Level::Low)),
                Anchor::LaterQuote => Some((Reason::Tautology, Level::High)),
                _ => None,
            }
        } else if compares {
            match self.anchor {
                _ if strong => Some((Reason::Boolean, Level::Low)),
                Anchor::LaterQuote => Some((Reason::Boolean, Level::High)),
                Anchor::Start if self.first_num && cond.nested => {
                    Some((Reason::Boolean, Level::Low))
                }
                Anchor::Start if self.first_num => Some((Reason::Boolean, Level::High)),
                _ => None,
            }
        } else if strong && !cond.complex && toks == [CTok::Call] {
            // ' OR json_valid(id);
            Some((Reason::Boolean, Level::Low))
        } else if self.anchor == Anchor::Quote && self.word_literal(toks) {
            // a'or'a
            Some((Reason::Boolean, Level::High))
        } else {
            None
        };
        if let Some((reason, level)) = found {
            self.find(reason, level, Need::Clean, cond.seq);
        } else if (self.leading || matches!(self.anchor, Anchor::Quote | Anchor::LaterQuote))
            && cond.boolean
            && compares
        {
            // `AND 7639=(`, `|| langCode ==`: a condition begun, cut
            self.find(Reason::Boolean, Level::High, Need::NoError, cond.seq);
        }
        Some(cond)
    }

    /// A lone literal operand: a number, a string of one word.
    fn word_literal(&self, toks: &[CTok]) -> bool {
        match toks {
            [CTok::Lit(span, _)] => !self
                .text(*span)
                .iter()
                .any(|&b| matches!(b, b' ' | b'\t' | b'\n')),
            _ => false,
        }
    }

    /// A literal's text without its quotes.
    fn literal_text(&self, span: Span) -> &[u8] {
        let text = self.text(span);
        let body = match text.first() {
            Some(b'\'' | b'"') => text.get(1..).unwrap_or_default(),
            _ => text,
        };
        match body.split_last() {
            Some((b'\'' | b'"', rest)) => rest,
            _ => body,
        }
    }
}

pub(super) fn number_truthy(text: &[u8]) -> bool {
    text.iter().any(|&b| (b'1'..=b'9').contains(&b))
        && !text.starts_with(b"0x")
        && !text.starts_with(b"0X")
}

/// A string literal that reads as a nonzero number: '1'.
pub(super) fn string_truthy(text: &[u8]) -> bool {
    let body = text
        .iter()
        .position(|&b| b == b'\'' || b == b'"')
        .and_then(|i| text.get(i + 1..))
        .unwrap_or_default();
    let digits = body.iter().take_while(|b| b.is_ascii_digit()).count();
    digits > 0 && body[..digits].iter().any(|&b| b != b'0')
}
