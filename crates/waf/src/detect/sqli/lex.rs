//! A SQL lexer that reads the input the way a database would, after folding what databases
//! (or the conversions in front of them) fold: case, comments, whitespace of every kind,
//! full-width and other Unicode look-alikes of ASCII punctuation and letters.
//!
//! Tokens carry byte offsets into the original input, for the evidence a detection reports.
//! The lexer never allocates and looks at each byte a bounded number of times.

use super::words::{self, Fc, Kw};

/// A character as the lexer sees it: ASCII after folding, or [`WIDE`] for any other letter.
#[derive(Clone, Copy, Debug)]
struct Ch {
    c: u8,
    len: usize,
}

/// A non-ASCII character with no ASCII look-alike: part of a name, like a letter.
const WIDE: u8 = 0x80;

/// The character at `i` (which must be in bounds), folded.
#[inline(always)]
fn ch(s: &[u8], i: usize) -> Ch {
    let b = s.get(i).copied().unwrap_or(b' ');
    if b < 0x80 {
        return Ch { c: b, len: 1 };
    }
    ch_wide(s, i)
}

/// [`ch`] for a byte past ASCII: the rare case.
#[cold]
#[inline(never)]
fn ch_wide(s: &[u8], i: usize) -> Ch {
    let (cp, len) = decode_utf8(s, i);
    Ch { c: fold(cp), len }
}

/// Decodes one UTF-8 sequence at `i`; an invalid byte reads as U+FFFD of length 1.
fn decode_utf8(s: &[u8], i: usize) -> (u32, usize) {
    let b0 = u32::from(s.get(i).copied().unwrap_or(0));
    let (len, init) = match b0 {
        0xC2..=0xDF => (2, b0 & 0x1F),
        0xE0..=0xEF => (3, b0 & 0x0F),
        0xF0..=0xF4 => (4, b0 & 0x07),
        _ => return (0xFFFD, 1),
    };
    let mut cp = init;
    for k in 1..len {
        match s.get(i + k) {
            Some(&b) if b & 0xC0 == 0x80 => cp = (cp << 6) | u32::from(b & 0x3F),
            _ => return (0xFFFD, 1),
        }
    }
    (cp, len)
}

/// The ASCII character a database or a charset conversion could read `cp` as, else [`WIDE`].
fn fold(cp: u32) -> u8 {
    match cp {
        // full-width forms of ASCII
        0xFF01..=0xFF5E => (cp - 0xFEE0) as u8,
        // spaces, including the zero-width ones
        0x00A0
        | 0x1680
        | 0x180E
        | 0x2000..=0x200B
        | 0x2028
        | 0x2029
        | 0x202F
        | 0x205F
        | 0x3000
        | 0xFEFF
        | 0x0085 => b' ',
        // apostrophes and single quotes: SQL Server's best-fit mapping turns several into '
        0x2018..=0x201B | 0x2032 | 0x2035 | 0x02B9 | 0x02BB | 0x02BC | 0x02C8 | 0x00B4 => b'\'',
        0x201C..=0x201F | 0x2033 | 0x2036 | 0x02BA => b'"',
        0x2010..=0x2015 | 0x2212 => b'-',
        0x2215 | 0x2044 => b'/',
        0x2217 | 0x204E => b'*',
        0x037E => b';',
        0x02C2 | 0x2039 => b'<',
        0x02C3 | 0x203A => b'>',
        // small form variants
        0xFE50 => b',',
        0xFE52 => b'.',
        0xFE54 => b';',
        0xFE55 => b':',
        0xFE56 => b'?',
        0xFE57 => b'!',
        0xFE59 => b'(',
        0xFE5A => b')',
        0xFE5B => b'{',
        0xFE5C => b'}',
        0xFE5F => b'#',
        0xFE60 => b'&',
        0xFE61 => b'*',
        0xFE62 => b'+',
        0xFE63 => b'-',
        0xFE64 => b'<',
        0xFE65 => b'>',
        0xFE66 => b'=',
        0xFE68 => b'\\',
        0xFE69 => b'$',
        0xFE6A => b'%',
        0xFE6B => b'@',
        _ => WIDE,
    }
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C | 0)
}

fn is_word_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == WIDE
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c == WIDE
}

/// The kind of a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tk {
    /// A number: decimal, float, `0x…` hex, `0b…` binary, `X'…'`/`B'…'` literals.
    Num,
    /// A quoted string (`'…'`, `"…"`, `N'…'`, `$$…$$`).
    Str,
    /// A bare word: keyword, function or name ([`Token::kw`], [`Token::fc`]).
    Word,
    /// A quoted name: `` `…` `` or `[…]`.
    Ident,
    /// `@name`, `@@name`, `@`.
    Var,
    Op(Op),
    LParen,
    RParen,
    Comma,
    Semi,
    Dot,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    /// A comment that runs to the end of the input (`--`, `#`, an unterminated `/*`): what an
    /// attacker uses to cut off the rest of the query.
    Comment,
    /// Anything else: `\`, `?` outside an operator, `$`, `:`.
    Other,
}

/// An operator made of punctuation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    /// `=`, `==`
    Eq,
    /// `<>`, `!=`, `<`, `>`, `<=`, `>=`, `<=>`, `!<`, `!>`
    Cmp,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Caret,
    Amp,
    Pipe,
    Tilde,
    Bang,
    /// `||`: OR in MySQL, concatenation elsewhere.
    OrOr,
    /// `&&`
    AndAnd,
    /// `<<`, `>>`
    Shift,
    /// `:=`
    Assign,
    /// `::` (PostgreSQL cast)
    Cast,
    /// JSON and array operators that extract: `->`, `->>`, `#>`, `#>>`, `#-`
    Json,
    /// … and operators that test, giving a boolean: `@>`, `<@`, `?`, `?|`, `?&`, `@?`, `@@`,
    /// `~*`, `!~`, `!~*`
    JsonTest,
}

/// `Token::flags`: the word is followed by `(` (a call).
pub(crate) const CALL: u8 = 1;
/// `Token::flags`: … with nothing between the word and `(`.
pub(crate) const ADJ: u8 = 2;
/// `Token::flags`: a string or quoted name that runs to the end of the input.
pub(crate) const OPEN: u8 = 4;
/// `Token::flags`: a system variable, `@@name`.
pub(crate) const SYSVAR: u8 = 8;
/// `Token::flags`: a word directly followed by `.` (a qualifier: `schema.table`).
pub(crate) const QUAL: u8 = 16;
/// `Token::flags`: a block comment (`/* */`, `/*! */`) came right before the token: spaces
/// written the way only SQL injections write them.
pub(crate) const CMT: u8 = 32;

/// One token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) tk: Tk,
    pub(crate) kw: Kw,
    pub(crate) fc: Fc,
    pub(crate) flags: u8,
    /// Byte offsets into the input.
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Token {
    fn new(tk: Tk, start: usize, end: usize) -> Self {
        Token {
            tk,
            kw: Kw::None,
            fc: Fc::None,
            flags: 0,
            start: to_u32(start),
            end: to_u32(end),
        }
    }

    pub(crate) fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// A word with this keyword role.
    pub(crate) fn is(&self, kw: Kw) -> bool {
        matches!(self.tk, Tk::Word) && self.kw == kw
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Reads tokens from `s`, starting at a byte offset.
#[derive(Debug)]
pub(crate) struct Lexer<'a> {
    s: &'a [u8],
    pos: usize,
    /// Open MySQL executable comments (`/*!…`), whose `*/` is skipped.
    exec: u32,
    /// A block comment was skipped since the last token.
    commented: bool,
    /// `+` reads as a space: the application decodes it so in query strings and forms.
    plus_space: bool,
}

impl<'a> Lexer<'a> {
    /// Inputs are capped well below 4 GiB by the caller; offsets are `u32`.
    pub(crate) fn new(s: &'a [u8], pos: usize) -> Self {
        Lexer {
            s,
            pos,
            exec: 0,
            commented: false,
            plus_space: false,
        }
    }

    /// Reads `+` as a space from now on.
    pub(crate) fn plus_as_space(mut self, yes: bool) -> Self {
        self.plus_space = yes;
        self
    }

    #[inline]
    fn at(&self, i: usize) -> Ch {
        if i >= self.s.len() {
            return Ch { c: 0, len: 0 };
        }
        ch(self.s, i)
    }

    #[inline]
    fn c(&self, i: usize) -> u8 {
        self.at(i).c
    }

    /// Skips whitespace and comments that do not run to the end. Returns a comment token when
    /// one runs to the end of the input.
    fn skip(&mut self) -> Option<Token> {
        while self.pos < self.s.len() {
            // plain ASCII spaces, the common case
            let b = self.s[self.pos];
            if b == b' ' || b == b'\t' || b == b'\n' || b == b'\r' || (b == b'+' && self.plus_space)
            {
                self.pos += 1;
                continue;
            }
            let Ch { c, len } = self.at(self.pos);
            if is_space(c) {
                self.pos += len;
                continue;
            }
            let next = self.pos + len;
            let line_comment = match c {
                b'-' => self.c(next) == b'-',
                b'#' => !matches!(self.c(next), b'>' | b'-'),
                _ => false,
            };
            if line_comment {
                // to the end of the line; a comment with nothing but whitespace after it cuts
                // off the rest of the query
                let start = self.pos;
                let nl =
                    memchr::memchr(b'\n', &self.s[start..]).map_or(self.s.len(), |i| start + i);
                if self.s[nl..].iter().all(|&b| is_space(b)) {
                    self.pos = self.s.len();
                    return Some(Token::new(Tk::Comment, start, self.s.len()));
                }
                self.pos = nl;
                continue;
            }
            match c {
                b'/' if self.c(next) == b'*' => {
                    let body = next + self.at(next).len;
                    if self.c(body) == b'!' {
                        // MySQL runs what is inside /*!NNNNN … */
                        self.exec = self.exec.saturating_add(1);
                        self.commented = true;
                        let mut p = body + 1;
                        let mut digits = 0;
                        while digits < 6 && self.c(p).is_ascii_digit() {
                            p += 1;
                            digits += 1;
                        }
                        self.pos = p;
                    } else if let Some(end) = self.find_block_end(body) {
                        self.pos = end;
                        self.commented = true;
                    } else {
                        let t = Token::new(Tk::Comment, self.pos, self.s.len());
                        self.pos = self.s.len();
                        return Some(t);
                    }
                }
                b'*' if self.exec > 0 && self.c(next) == b'/' => {
                    self.exec -= 1;
                    self.commented = true;
                    self.pos = next + self.at(next).len;
                }
                _ => return None,
            }
        }
        None
    }

    /// The offset after the `*/` that closes a block comment whose body starts at `from`.
    fn find_block_end(&self, from: usize) -> Option<usize> {
        let mut i = from;
        while i < self.s.len() {
            let off = self
                .s
                .get(i..)?
                .iter()
                .position(|&b| b == b'*' || b >= 0xC2)?;
            let p = i + off;
            let Ch { c, len } = self.at(p);
            if c == b'*' {
                let q = p + len;
                if self.c(q) == b'/' {
                    return Some(q + self.at(q).len);
                }
            }
            i = p + len.max(1);
        }
        None
    }

    /// The end of a string whose body starts at `from`, closed by `q` (doubled `q` escapes it);
    /// `None` when it runs to the end of the input.
    fn string_end(&self, from: usize, q: u8) -> Option<usize> {
        let mut p = from;
        while p < self.s.len() {
            // jump to the next quote or byte that may fold to one
            p += self.s[p..]
                .iter()
                .position(|&b| b == q || b >= 0xC2)
                .unwrap_or(self.s.len() - p);
            if p >= self.s.len() {
                break;
            }
            let Ch { c, len } = self.at(p);
            if c == q {
                let after = p + len;
                if self.c(after) == q && after < self.s.len() {
                    p = after + self.at(after).len;
                    continue;
                }
                return Some(after);
            }
            p += len.max(1);
        }
        None
    }

    /// Whether `(` follows `p`, after whitespace and closed comments; and whether directly.
    fn paren_after(&self, p: usize) -> (bool, bool) {
        let mut i = p;
        let mut adjacent = true;
        while i < self.s.len() {
            let Ch { c, len } = self.at(i);
            if is_space(c) {
                adjacent = false;
                i += len;
            } else if c == b'/' && self.c(i + len) == b'*' && self.c(i + len + 1) != b'!' {
                match self.find_block_end(i + len + 1) {
                    Some(e) => {
                        adjacent = false;
                        i = e;
                    }
                    None => return (false, false),
                }
            } else {
                return (c == b'(', c == b'(' && adjacent);
            }
        }
        (false, false)
    }

    fn quoted(&mut self, tk: Tk, start: usize, body: usize, q: u8) -> Token {
        let t = match self.string_end(body, q) {
            Some(end) => Token::new(tk, start, end),
            None => {
                let mut t = Token::new(tk, start, self.s.len());
                t.flags |= OPEN;
                t
            }
        };
        self.pos = t.end as usize;
        t
    }

    fn word(&mut self, start: usize) -> Token {
        let s = self.s;
        // ASCII words, the common case: hashed as they are read
        let mut p = start;
        let mut h = words::HASH_START;
        while let Some(&b) = s.get(p) {
            match CLASS[usize::from(b)] {
                LETTER | DIGIT => {
                    h = words::hash_step(h, b.to_ascii_lowercase());
                    p += 1;
                }
                HIGH_BIT => return self.word_folded(start),
                _ => break,
            }
        }
        let word = &s[start..p];
        // string literals with a prefix: N'…', X'…', B'…', E'…', _utf8'…'
        let q = self.c(p);
        if q == b'\'' || (q == b'"' && word.first() == Some(&b'_')) {
            let hexish = matches!(word, b"x" | b"X" | b"b" | b"B");
            if hexish || matches!(word, b"n" | b"N" | b"e" | b"E") || word.first() == Some(&b'_') {
                let body = p + self.at(p).len;
                let tk = if hexish { Tk::Num } else { Tk::Str };
                return self.quoted(tk, start, body, q);
            }
        }
        let mut t = Token::new(Tk::Word, start, p);
        let (kw, fc) = words::lookup_hashed(word, h);
        t.kw = kw;
        t.fc = fc;
        self.pos = p;
        self.mark_call(&mut t);
        t
    }

    /// [`Lexer::word`] for a word with non-ASCII characters: full-width letters fold to
    /// ASCII (and the word may be a keyword); other letters make it a plain name.
    fn word_folded(&mut self, start: usize) -> Token {
        let mut p = start;
        let mut buf = [0u8; 32];
        let mut n = 0;
        let mut plain = true;
        while p < self.s.len() {
            let Ch { c, len } = self.at(p);
            if !is_word(c) {
                break;
            }
            if c == WIDE || n >= buf.len() {
                plain = false;
            } else {
                buf[n] = c.to_ascii_lowercase();
                n += 1;
            }
            p += len.max(1);
        }
        let mut t = Token::new(Tk::Word, start, p);
        if plain && n <= words::MAX_WORD {
            let (kw, fc) = words::lookup(&buf[..n]);
            t.kw = kw;
            t.fc = fc;
        }
        self.pos = p;
        self.mark_call(&mut t);
        t
    }

    fn mark_call(&self, t: &mut Token) {
        let end = t.end as usize;
        // the common cases without decoding: `(`, `.`, a space then a letter
        match self.s.get(end) {
            None => return,
            Some(b'(') => {
                t.flags |= CALL | ADJ;
                return;
            }
            Some(b'.') => {
                t.flags |= QUAL;
                return;
            }
            Some(b' ') => match self.s.get(end + 1) {
                Some(b) if b.is_ascii_alphanumeric() => return,
                _ => {}
            },
            Some(b) if b.is_ascii_alphanumeric() || matches!(b, b',' | b';' | b'=' | b')') => {
                return;
            }
            _ => {}
        }
        let (call, adj) = self.paren_after(end);
        if call {
            t.flags |= CALL;
        }
        if adj {
            t.flags |= ADJ;
        }
        if self.c(end) == b'.' {
            t.flags |= QUAL;
        }
    }

    fn number(&mut self, start: usize) -> Token {
        let s = self.s;
        let mut p = start;
        let digit = |i: usize| s.get(i).is_some_and(u8::is_ascii_digit);
        if s.get(p) == Some(&b'0') && matches!(s.get(p + 1), Some(b'x' | b'X' | b'b' | b'B')) {
            let hex = matches!(s.get(p + 1), Some(b'x' | b'X'));
            let mut q = p + 2;
            while s.get(q).is_some_and(|b| {
                if hex {
                    b.is_ascii_hexdigit()
                } else {
                    matches!(b, b'0' | b'1')
                }
            }) {
                q += 1;
            }
            if q > p + 2 {
                p = q;
                return self.number_tail(start, p);
            }
        }
        while digit(p) {
            p += 1;
        }
        if s.get(p) == Some(&b'.') && (digit(p + 1) || p == start) {
            p += 1;
            while digit(p) {
                p += 1;
            }
        }
        if matches!(s.get(p), Some(b'e' | b'E')) {
            let mut q = p + 1;
            if matches!(s.get(q), Some(b'+' | b'-')) {
                q += 1;
            }
            if digit(q) {
                while digit(q) {
                    q += 1;
                }
                p = q;
            }
        }
        self.number_tail(start, p)
    }

    /// A number followed by letters: a keyword there starts a new token (`1union`, `4oR2`),
    /// anything else makes the whole a name (`2nd`, `9e7abc`).
    fn number_tail(&mut self, start: usize, end: usize) -> Token {
        if end < self.s.len() && is_word(self.c(end)) {
            let mut probe = Lexer::new(self.s, end);
            let w = probe.word(end);
            if w.kw != Kw::None {
                self.pos = end;
                return Token::new(Tk::Num, start, end);
            }
            let mut t = Token::new(Tk::Word, start, w.end as usize);
            self.pos = w.end as usize;
            self.mark_call(&mut t);
            return t;
        }
        self.pos = end;
        Token::new(Tk::Num, start, end)
    }

    fn op(&mut self, start: usize, c: u8, next: u8, third: u8) -> Token {
        let (op, len) = match (c, next, third) {
            (b'<', b'=', b'>') => (Op::Cmp, 3),
            (b'-', b'>', b'>') | (b'#', b'>', b'>') => (Op::Json, 3),
            (b'!', b'~', b'*') => (Op::JsonTest, 3),
            (b'=', b'=', _) => (Op::Eq, 2),
            (b'<', b'>', _) | (b'!', b'=', _) | (b'<', b'=', _) | (b'>', b'=', _) => (Op::Cmp, 2),
            (b'!', b'<', _) | (b'!', b'>', _) => (Op::Cmp, 2),
            (b'<', b'<', _) | (b'>', b'>', _) => (Op::Shift, 2),
            (b'|', b'|', _) => (Op::OrOr, 2),
            (b'&', b'&', _) => (Op::AndAnd, 2),
            (b':', b'=', _) => (Op::Assign, 2),
            (b':', b':', _) => (Op::Cast, 2),
            (b'-', b'>', _) | (b'#', b'>', _) | (b'#', b'-', _) => (Op::Json, 2),
            (b'@', b'>', _) | (b'<', b'@', _) | (b'?', b'|', _) | (b'?', b'&', _) => {
                (Op::JsonTest, 2)
            }
            (b'@', b'?', _) | (b'@', b'@', _) | (b'~', b'*', _) | (b'!', b'~', _) => {
                (Op::JsonTest, 2)
            }
            (b'=', _, _) => (Op::Eq, 1),
            (b'<' | b'>', _, _) => (Op::Cmp, 1),
            (b'+', _, _) => (Op::Plus, 1),
            (b'-', _, _) => (Op::Minus, 1),
            (b'*', _, _) => (Op::Star, 1),
            (b'/', _, _) => (Op::Slash, 1),
            (b'%', _, _) => (Op::Percent, 1),
            (b'^', _, _) => (Op::Caret, 1),
            (b'&', _, _) => (Op::Amp, 1),
            (b'|', _, _) => (Op::Pipe, 1),
            (b'~', _, _) => (Op::Tilde, 1),
            (b'!', _, _) => (Op::Bang, 1),
            (b'?', _, _) => (Op::JsonTest, 1),
            _ => {
                let len = self.at(start).len.max(1);
                self.pos = start + len;
                return Token::new(Tk::Other, start, start + len);
            }
        };
        let mut p = start;
        for _ in 0..len {
            p += self.at(p).len.max(1);
        }
        self.pos = p;
        Token::new(Tk::Op(op), start, p)
    }

    fn var(&mut self, start: usize) -> Token {
        let mut p = start + self.at(start).len;
        let mut flags = 0;
        if self.c(p) == b'@' {
            p += self.at(p).len;
            flags |= SYSVAR;
        }
        match self.c(p) {
            q @ (b'\'' | b'"' | b'`') => {
                let body = p + self.at(p).len;
                let mut t = self.quoted(Tk::Var, start, body, q);
                t.flags |= flags;
                return t;
            }
            c if is_word(c) => {
                while p < self.s.len() && is_word(self.c(p)) {
                    p += self.at(p).len;
                }
            }
            _ => {}
        }
        self.pos = p;
        let mut t = Token::new(Tk::Var, start, p);
        t.flags |= flags;
        t
    }

    /// `$$…$$` / `$tag$…$tag$` (PostgreSQL), else a `$name` word, else a lone `$`.
    fn dollar(&mut self, start: usize) -> Token {
        let s = self.s;
        let mut p = start + 1;
        while s
            .get(p)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            p += 1;
        }
        if s.get(p) == Some(&b'$') {
            let tag = &s[start..=p];
            let body = p + 1;
            let end = s
                .get(body..)
                .and_then(|rest| memchr::memmem::find(rest, tag))
                .map(|i| body + i + tag.len());
            let mut t = Token::new(Tk::Str, start, end.unwrap_or(s.len()));
            if end.is_none() {
                t.flags |= OPEN;
            }
            self.pos = t.end as usize;
            return t;
        }
        if p > start + 1 {
            let mut t = Token::new(Tk::Word, start, p);
            self.pos = p;
            self.mark_call(&mut t);
            return t;
        }
        self.pos = p;
        Token::new(Tk::Other, start, p)
    }

    /// `[name]` (SQL Server) when it looks like one, else `[`.
    fn bracket(&mut self, start: usize) -> Token {
        let s = self.s;
        let mut p = start + 1;
        while s
            .get(p)
            .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b' ' | b'$'))
        {
            p += 1;
        }
        if p > start + 1 && s.get(p) == Some(&b']') && s.get(start + 1) != Some(&b' ') {
            self.pos = p + 1;
            return Token::new(Tk::Ident, start, p + 1);
        }
        self.pos = start + 1;
        Token::new(Tk::LBracket, start, start + 1)
    }
}

impl Iterator for Lexer<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        if let Some(comment) = self.skip() {
            return Some(comment);
        }
        if self.pos >= self.s.len() {
            return None;
        }
        let start = self.pos;
        let Ch { c, len } = self.at(start);
        let next = self.c(start + len);
        let single = |lexer: &mut Self, tk| {
            lexer.pos = start + len;
            Token::new(tk, start, start + len)
        };
        let t = match c {
            b'\'' | b'"' => self.quoted(Tk::Str, start, start + len, c),
            b'`' => self.quoted(Tk::Ident, start, start + len, c),
            b'0'..=b'9' => self.number(start),
            b'.' if next.is_ascii_digit() => self.number(start),
            c if is_word_start(c) => self.word(start),
            b'@' if !matches!(next, b'>' | b'?' | b'@')
                || self.c(start + 2).is_ascii_alphabetic() =>
            {
                self.var(start)
            }
            b'$' => self.dollar(start),
            b'[' => self.bracket(start),
            b'(' => single(self, Tk::LParen),
            b')' => single(self, Tk::RParen),
            b',' => single(self, Tk::Comma),
            b';' => single(self, Tk::Semi),
            b'.' => single(self, Tk::Dot),
            b'{' => single(self, Tk::LBrace),
            b'}' => single(self, Tk::RBrace),
            b']' => single(self, Tk::RBracket),
            _ => {
                let third = self.c(start + len + self.at(start + len).len);
                self.op(start, c, next, third)
            }
        };
        // never stall, whatever the input
        if self.pos <= start {
            self.pos = start + len.max(1);
        }
        let mut t = t;
        if std::mem::take(&mut self.commented) {
            t.flags |= CMT;
        }
        Some(t)
    }
}

/// Whether anything in `s` could start a finding: a quote, `||`, `&&`, `::`, `{`, a keyword
/// that begins a condition, a clause or a statement, a function or catalog name the grammar
/// knows; at `high`, also comparisons, `@@`, `$name`, long numbers and calls of common
/// functions. A cheap superset of what the grammar reports, so that values with none of it
/// (identifiers, tokens, most prose) skip the grammar.
pub(crate) fn worth_parsing(s: &[u8], high: bool) -> bool {
    let mut i = 0;
    let mut after_word = false;
    while let Some(&b) = s.get(i) {
        match CLASS[usize::from(b)] {
            DULL => {
                after_word = false;
                i += 1;
            }
            LETTER => {
                let (end, trigger) = word_triggers(s, i, high);
                if trigger {
                    return true;
                }
                after_word = true;
                i = end.max(i + 1);
            }
            DIGIT => {
                let end = s[i..]
                    .iter()
                    .position(|&b| !matches!(b, b'0'..=b'9' | b'.' | b'e' | b'E' | b'-' | b'+'))
                    .map_or(s.len(), |n| i + n);
                if high && !after_word && is_overflow_number(&s[i..end]) {
                    return true;
                }
                // `1union`: the lexer splits a keyword off a number, so the word that follows
                // counts (read on the next turn)
                after_word = false;
                i = s[i..]
                    .iter()
                    .position(|b| !b.is_ascii_digit())
                    .map_or(s.len(), |n| i + n);
            }
            SPECIAL => {
                let next = s.get(i + 1).copied().unwrap_or(0);
                let interesting = match b {
                    b'|' | b'&' | b':' => next == b,
                    b'=' | b'<' | b'>' => high,
                    b'@' => high && (next == b'@' || !after_word),
                    // quotes, `{`
                    _ => true,
                };
                if interesting {
                    return true;
                }
                after_word = false;
                i += 1;
            }
            _ => {
                // non-ASCII: a letter, or a look-alike of ASCII punctuation or letters
                let Ch { c, len } = ch(s, i);
                match c {
                    WIDE => {
                        after_word = true;
                        i += len.max(1);
                    }
                    c if c.is_ascii_alphabetic() || c == b'_' => {
                        let (end, trigger) = word_triggers(s, i, high);
                        if trigger {
                            return true;
                        }
                        after_word = true;
                        i = end.max(i + 1);
                    }
                    // a look-alike of anything else: the grammar decides
                    c if !is_space(c) => return true,
                    _ => {
                        after_word = false;
                        i += len.max(1);
                    }
                }
            }
        }
    }
    false
}

const DULL: u8 = 0;
const LETTER: u8 = 1;
const DIGIT: u8 = 2;
const SPECIAL: u8 = 3;
const HIGH_BIT: u8 = 4;

/// What the prefilter does with a byte.
static CLASS: [u8; 256] = {
    let mut t = [DULL; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = if c >= 0x80 {
            HIGH_BIT
        } else if c.is_ascii_alphabetic() || c == b'_' || c == b'$' {
            LETTER
        } else if c.is_ascii_digit() {
            DIGIT
        } else if matches!(
            c,
            b'\'' | b'"' | b'`' | b'{' | b'|' | b'&' | b':' | b'=' | b'<' | b'>' | b'@'
        ) {
            SPECIAL
        } else {
            DULL
        };
        b += 1;
    }
    t
};

/// A number that probes overflows (see the grammar's list).
fn is_overflow_number(text: &[u8]) -> bool {
    matches!(text.len(), 10 | 19 | 20 | 23) && super::parse::is_overflow_literal(text)
}

/// Reads the word at `start`; whether it can start a finding (see [`worth_parsing`]).
fn word_triggers(s: &[u8], start: usize, high: bool) -> (usize, bool) {
    let mut p = start;
    let mut h = words::HASH_START;
    while let Some(&b) = s.get(p) {
        match CLASS[usize::from(b)] {
            LETTER | DIGIT => {
                h = words::hash_step(h, b.to_ascii_lowercase());
                p += 1;
            }
            // a word with non-ASCII letters, or full-width ones
            HIGH_BIT => return word_triggers_folded(s, start, high),
            _ => break,
        }
    }
    let word = &s[start..p];
    if word.first() == Some(&b'$') {
        return (p, high && word.len() > 1);
    }
    let (kw, fc) = words::lookup_hashed(word, h);
    (p, triggers(s, p, word, kw, fc, high))
}

/// [`word_triggers`] for a word with non-ASCII characters: folded first.
fn word_triggers_folded(s: &[u8], start: usize, high: bool) -> (usize, bool) {
    let mut p = start;
    let mut buf = [0u8; words::MAX_WORD];
    let mut n = 0;
    let mut plain = true;
    while p < s.len() {
        let Ch { c, len } = ch(s, p);
        if !is_word(c) {
            break;
        }
        if c != WIDE && n < buf.len() {
            buf[n] = c.to_ascii_lowercase();
            n += 1;
        } else {
            plain = false;
        }
        p += len.max(1);
    }
    if !plain || n == 0 {
        return (p, false);
    }
    let word = &buf[..n];
    let (kw, fc) = words::lookup(word);
    (p, triggers(s, p, word, kw, fc, high))
}

fn triggers(s: &[u8], end: usize, word: &[u8], kw: Kw, fc: Fc, high: bool) -> bool {
    // a name's function class and its keyword role both count (`insert` is both)
    let call = || {
        let rest = s.get(end..).unwrap_or_default();
        rest.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'(')
    };
    let function = match fc {
        Fc::Time | Fc::Error | Fc::Danger | Fc::Schema => true,
        Fc::Info | Fc::Common | Fc::Ambiguous => high && call(),
        Fc::None => false,
    };
    function
        || starts_something(kw)
        || (high && kw == Kw::Like)
        || (high
            && s.get(end) == Some(&b'.')
            && [&b"mysql"[..], b"master", b"sys", b"msdb", b"tempdb"]
                .iter()
                .any(|q| q.eq_ignore_ascii_case(word)))
}

/// Keywords that begin a condition, a clause or a statement (every statement keyword but
/// `ANALYZE`).
fn starts_something(kw: Kw) -> bool {
    matches!(
        kw,
        Kw::And
            | Kw::Or
            | Kw::Xor
            | Kw::Where
            | Kw::Having
            | Kw::On
            | Kw::Union
            | Kw::Minus
            | Kw::Order
            | Kw::Group
            | Kw::Into
            | Kw::Procedure
            | Kw::From
            | Kw::Join
            | Kw::Limit
    ) || (kw.begins_statement() && kw != Kw::Analyze)
}

/// The offsets of the characters folded to `q` in `s`, from `from`: the first one.
pub(crate) fn find_quote(s: &[u8], from: usize, q: u8) -> Option<(usize, usize)> {
    let mut i = from;
    while i < s.len() {
        let rest = s.get(i..)?;
        // jump to the next candidate: the quote itself or a non-ASCII lead byte
        let off = rest.iter().position(|&b| b == q || b >= 0xC2)?;
        let p = i + off;
        let Ch { c, len } = ch(s, p);
        if c == q {
            return Some((p, p + len));
        }
        i = p + len.max(1);
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn kinds(s: &str) -> Vec<Tk> {
        Lexer::new(s.as_bytes(), 0).map(|t| t.tk).collect()
    }

    fn texts(s: &str) -> Vec<String> {
        Lexer::new(s.as_bytes(), 0)
            .map(|t| s[t.start as usize..t.end as usize].to_string())
            .collect()
    }

    #[test]
    fn basic_tokens() {
        assert_eq!(texts("1 OR 1=1-- x"), ["1", "OR", "1", "=", "1", "-- x"]);
        assert_eq!(
            kinds("'a''b' \"c\" `d` @x @@version 0x41 1.5e3"),
            [
                Tk::Str,
                Tk::Str,
                Tk::Ident,
                Tk::Var,
                Tk::Var,
                Tk::Num,
                Tk::Num
            ]
        );
    }

    #[test]
    fn comments_fold_to_whitespace_or_end_the_input() {
        assert_eq!(texts("UNION/**/SELECT"), ["UNION", "SELECT"]);
        assert_eq!(
            texts("union#x\ndistinctrow\u{b}select"),
            ["union", "distinctrow", "select"]
        );
        assert_eq!(texts("a /* open"), ["a", "/* open"]);
        assert_eq!(texts("/*!50000select*/ 1"), ["select", "1"]);
        assert_eq!(texts("x -- y\n  "), ["x", "-- y\n  "]);
    }

    #[test]
    fn number_then_keyword_splits() {
        assert_eq!(texts("1union select"), ["1", "union", "select"]);
        assert_eq!(texts("1oR 2"), ["1", "oR", "2"]);
        // MySQL reads a name that starts with digits as a name
        assert_eq!(texts("4oR2"), ["4oR2"]);
        assert_eq!(kinds("2nd"), [Tk::Word]);
        assert_eq!(kinds("0xf00dsdfdsa"), [Tk::Word]);
    }

    #[test]
    fn unicode_look_alikes_fold() {
        let s = "\u{FF33}\u{FF25}\u{FF2C}\u{FF25}\u{FF23}\u{FF34} 1";
        let t: Vec<Token> = Lexer::new(s.as_bytes(), 0).collect();
        assert_eq!(t[0].kw, Kw::Select);
        // typographic and full-width quotes pair up like ASCII ones
        assert_eq!(
            texts("\u{2019} or \u{2019}1"),
            ["\u{2019} or \u{2019}", "1"]
        );
        assert_eq!(
            kinds("\u{FF07}a\u{FF07} \u{FF0D}\u{FF0D}"),
            [Tk::Str, Tk::Comment]
        );
    }

    #[test]
    fn calls_are_marked() {
        let t: Vec<Token> = Lexer::new(b"sleep(5) sleep (5) sleep", 0).collect();
        assert!(t[0].has(CALL) && t[0].has(ADJ));
        assert!(t[4].has(CALL) && !t[4].has(ADJ));
        assert!(!t[8].has(CALL));
    }

    #[test]
    fn lexer_always_advances() {
        let s = [
            0xF0u8, 0x9F, b'\'', 0xE2, 0x80, b'/', b'*', b'!', 0xFF, b'$', b'[', b'@',
        ];
        for i in 0..s.len() {
            let n = Lexer::new(&s[i..], 0).take(100).count();
            assert!(n < 100);
        }
    }
}
