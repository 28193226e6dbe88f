//! AWS WAF's lenient JSON body parser (`FieldToMatch.JsonBody`).
//!
//! AWS parses the body, extracts its elements (object keys and scalar values), and runs the
//! rule's text transformations and match on each; one matching element matches the rule.
//! Parsing happens once per request and serves every rule:
//!
//! ```text
//!  body ─► parse(body, limits) ─► Parsed { elements (in document order), error }
//!       ─► evaluate(parsed, MatchPattern, MatchScope, InvalidFallbackBehavior)
//!            ├─ Elements(select(…))  each element's bytes → transformations → match
//!            ├─ WholeBody            EVALUATE_AS_STRING: the body as plain text
//!            └─ Match / NoMatch      MATCH / NO_MATCH after a parse error
//! ```
//!
//! What AWS documents, and this parser does:
//! - The parser is lenient: a missing comma (`{"k1":"v1""k2":"v2"}`), a missing colon
//!   (`{"k1":"v1","k2""v2"}`) and extra colons (`{"k1"::"v1"}`) still give key/value pairs.
//! - It stops at invalid characters, a duplicate key within one object, truncation, and a root
//!   that is neither an object nor an array. Without `InvalidFallbackBehavior`, what was parsed
//!   before the error is evaluated; with it, `MATCH`, `NO_MATCH` or `EVALUATE_AS_STRING`.
//! - `MatchScope` `ALL` inspects keys and values (a match in either is enough), `KEY` the keys,
//!   `VALUE` the values.
//! - `IncludedPaths` are JSON Pointers (RFC 6901, `~0` = `~`, `~1` = `/`); with `/a/b` the
//!   scope applies *below* `b`: `b`'s own key is not inspected, the keys and values under it
//!   are, and `b`'s value is when it is a scalar (`/dogs/0/name` inspects that name).
//!
//! Choices where AWS says nothing (⚠):
//! - ⚠ String values and keys are unescaped (`\uXXXX` to UTF-8, surrogate pairs joined, a lone
//!   surrogate becomes U+FFFD); numbers, `true`, `false` and `null` are elements as written.
//! - ⚠ Also tolerated: repeated and trailing commas (`[1,,2,]`), a key with no value
//!   (`{"a","b":1}`), raw control bytes and non-UTF-8 bytes inside strings, a UTF-8 BOM,
//!   numbers that only look like numbers (a run of `0-9 + - . e E` starting with `-` or a
//!   digit).
//! - ⚠ A string cut by the end of the body (the inspection limit cuts bodies) is still an
//!   element, with the bytes before the cut; then the parse reports `Truncated`. A string with
//!   an invalid escape (`\q`) is not an element.
//! - ⚠ An empty (or all-whitespace) body is `Truncated`; bytes after the root value are
//!   `TrailingData`. The element at a duplicate key is not yielded.
//! - ⚠ [`Limits`]: nesting deeper than `max_depth` (128) and more than `max_elements`
//!   (65,536) elements or nodes stop the parse like an invalid character (`TooDeep`,
//!   `TooManyElements`); AWS publishes no such limits, and an 8–64 KB body reaches neither
//!   with ordinary JSON.
//!
//! The parser has no recursion: an explicit stack of open containers, bounded by `max_depth`.
//! Keys and strings without escapes borrow the body.

use std::borrow::Cow;
use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};

use memchr::memchr2;

use crate::transform::hex4;

/// What one body may cost the parser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Containers open at once, the root included.
    pub max_depth: usize,
    /// Elements (keys and scalar values), and also positions in the tree (members, array
    /// items).
    pub max_elements: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 128,
            max_elements: 65_536,
        }
    }
}

/// What an element is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ElementKind {
    /// An object's key.
    Key,
    /// A string value.
    String,
    /// A number value, as written.
    Number,
    /// `true` or `false`, as written.
    Boolean,
    /// `null`.
    Null,
}

impl ElementKind {
    /// Whether the element is a key (`MatchScope` `KEY`) rather than a value (`VALUE`).
    pub fn is_key(self) -> bool {
        self == ElementKind::Key
    }
}

/// One key or scalar value of the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element<'a> {
    /// Key, or the value's type.
    pub kind: ElementKind,
    /// The bytes to inspect: a string unescaped, anything else as written.
    pub text: Cow<'a, [u8]>,
    /// Where it is: the member of a key (shared with that member's value), or the array item.
    node: u32,
}

/// A position in the document: the root, an object member, or an array item.
#[derive(Clone, Copy, Debug)]
struct Node {
    /// Always an earlier node; the root's is itself.
    parent: u32,
    seg: Seg,
}

#[derive(Clone, Copy, Debug)]
enum Seg {
    Root,
    /// An object member, named by the key element at this index.
    Key(u32),
    /// An array item.
    Index(u32),
}

/// Why the parse stopped early, and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at byte {offset}")]
pub struct ParseError {
    /// Why.
    pub kind: ParseErrorKind,
    /// The byte offset in the body where parsing stopped.
    pub offset: usize,
}

/// Why a JSON body could not be parsed completely. Every kind triggers
/// `InvalidFallbackBehavior`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The body ends inside the document (or is empty).
    #[error("the body ends inside the document")]
    Truncated,
    /// A byte that cannot start or continue a token where it stands.
    #[error("an invalid character")]
    InvalidCharacter,
    /// A backslash escape JSON does not define inside a string.
    #[error("an invalid escape in a string")]
    InvalidEscape,
    /// A key that an earlier member of the same object has.
    #[error("a duplicate key")]
    DuplicateKey,
    /// The body is not an object or an array.
    #[error("a root that is neither an object nor an array")]
    RootNotContainer,
    /// Something after the root value.
    #[error("data after the root value")]
    TrailingData,
    /// More nesting than [`Limits::max_depth`].
    #[error("nesting deeper than the limit")]
    TooDeep,
    /// More than [`Limits::max_elements`].
    #[error("more elements than the limit")]
    TooManyElements,
}

/// A parsed body: its elements in document order, and the error that stopped the parse, if
/// one did.
#[derive(Clone, Debug)]
pub struct Parsed<'a> {
    elements: Vec<Element<'a>>,
    nodes: Vec<Node>,
    error: Option<ParseError>,
}

impl<'a> Parsed<'a> {
    /// Every key and scalar value parsed, in document order.
    pub fn elements(&self) -> &[Element<'a>] {
        &self.elements
    }

    /// Why parsing stopped before the end, if it did.
    pub fn error(&self) -> Option<&ParseError> {
        self.error.as_ref()
    }

    /// Whether the whole body parsed.
    pub fn is_complete(&self) -> bool {
        self.error.is_none()
    }

    /// The JSON Pointer of element `index` (its member's, for a key), for logs and tests.
    pub fn pointer(&self, index: usize) -> Option<String> {
        let mut node = self.elements.get(index)?.node;
        let mut segs = Vec::new();
        while node != 0 && segs.len() <= self.nodes.len() {
            let n = self.nodes.get(node as usize)?;
            segs.push(n.seg);
            node = n.parent;
        }
        let mut out = String::new();
        for seg in segs.iter().rev() {
            out.push('/');
            match *seg {
                Seg::Root => {}
                Seg::Index(i) => out.push_str(&i.to_string()),
                Seg::Key(k) => {
                    let key = String::from_utf8_lossy(&self.elements.get(k as usize)?.text);
                    out.push_str(&key.replace('~', "~0").replace('/', "~1"));
                }
            }
        }
        Some(out)
    }
}

/// Parses `body` as AWS does, up to the first error.
pub fn parse<'a>(body: &'a [u8], limits: &Limits) -> Parsed<'a> {
    let mut parser = Parser {
        s: body,
        i: 0,
        limits: *limits,
        elements: Vec::new(),
        nodes: Vec::new(),
        stack: Vec::new(),
        keys: HashSet::new(),
        hasher: RandomState::new(),
    };
    let error = parser.run().err().map(|kind| ParseError {
        kind,
        offset: parser.i.min(body.len()),
    });
    Parsed {
        elements: parser.elements,
        nodes: parser.nodes,
        error,
    }
}

#[derive(Clone, Copy, Debug)]
enum Frame {
    Object { node: u32, state: ObjectState },
    Array { node: u32, next: u32 },
}

#[derive(Clone, Copy, Debug)]
enum ObjectState {
    /// Before a key (or the end).
    Key,
    /// After a key, before its colon.
    Colon { member: u32 },
    /// After the colon(s), before the value.
    Value { member: u32 },
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    limits: Limits,
    elements: Vec<Element<'a>>,
    nodes: Vec<Node>,
    stack: Vec<Frame>,
    /// (object node, keyed hash of a key) for duplicate detection in linear time.
    keys: HashSet<(u32, u64)>,
    hasher: RandomState,
}

type Step = Result<(), ParseErrorKind>;

fn starts_value(b: u8) -> bool {
    matches!(
        b,
        b'"' | b'{' | b'[' | b't' | b'f' | b'n' | b'-' | b'0'..=b'9'
    )
}

impl<'a> Parser<'a> {
    fn run(&mut self) -> Step {
        if self.s.starts_with(b"\xEF\xBB\xBF") {
            self.i = 3;
        }
        self.skip_ws();
        let root = match self.s.get(self.i) {
            None => return Err(ParseErrorKind::Truncated),
            Some(b'{') => Frame::Object {
                node: 0,
                state: ObjectState::Key,
            },
            Some(b'[') => Frame::Array { node: 0, next: 0 },
            Some(_) => return Err(ParseErrorKind::RootNotContainer),
        };
        self.nodes.push(Node {
            parent: 0,
            seg: Seg::Root,
        });
        self.stack.push(root);
        self.i += 1;
        while let Some(&top) = self.stack.last() {
            self.skip_ws();
            let Some(&b) = self.s.get(self.i) else {
                return Err(ParseErrorKind::Truncated);
            };
            match top {
                Frame::Object { node, state } => self.object_step(node, state, b)?,
                Frame::Array { node, next } => self.array_step(node, next, b)?,
            }
        }
        self.skip_ws();
        if self.i < self.s.len() {
            return Err(ParseErrorKind::TrailingData);
        }
        Ok(())
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    fn set_top(&mut self, frame: Frame) {
        if let Some(top) = self.stack.last_mut() {
            *top = frame;
        }
    }

    fn object_step(&mut self, node: u32, state: ObjectState, b: u8) -> Step {
        let at = |state| Frame::Object { node, state };
        match (state, b) {
            (_, b'}') => {
                self.stack.pop();
                self.i += 1;
            }
            (_, b',') => {
                self.set_top(at(ObjectState::Key));
                self.i += 1;
            }
            (ObjectState::Key, b'"') => {
                let member = self.key(node)?;
                self.set_top(at(ObjectState::Colon { member }));
            }
            (ObjectState::Colon { member } | ObjectState::Value { member }, b':') => {
                self.set_top(at(ObjectState::Value { member }));
                self.i += 1;
            }
            (ObjectState::Colon { member } | ObjectState::Value { member }, _)
                if starts_value(b) =>
            {
                // set first: a container value pushes its own frame above this one
                self.set_top(at(ObjectState::Key));
                self.value(member, b)?;
            }
            _ => return Err(ParseErrorKind::InvalidCharacter),
        }
        Ok(())
    }

    fn array_step(&mut self, node: u32, next: u32, b: u8) -> Step {
        match b {
            b']' => {
                self.stack.pop();
                self.i += 1;
            }
            b',' => self.i += 1,
            _ if starts_value(b) => {
                self.reserve(1, 0)?;
                let item = self.node(node, Seg::Index(next));
                self.set_top(Frame::Array {
                    node,
                    next: next.saturating_add(1),
                });
                self.value(item, b)?;
            }
            _ => return Err(ParseErrorKind::InvalidCharacter),
        }
        Ok(())
    }

    /// Fails unless `nodes` more nodes and `elements` more elements fit the limits.
    fn reserve(&self, nodes: usize, elements: usize) -> Step {
        if self.nodes.len() + nodes > self.limits.max_elements.saturating_add(1)
            || self.elements.len() + elements > self.limits.max_elements
        {
            return Err(ParseErrorKind::TooManyElements);
        }
        Ok(())
    }

    fn node(&mut self, parent: u32, seg: Seg) -> u32 {
        let id = self.nodes.len() as u32;
        self.nodes.push(Node { parent, seg });
        id
    }

    fn element(&mut self, kind: ElementKind, text: Cow<'a, [u8]>, node: u32) -> Step {
        self.reserve(0, 1)?;
        self.elements.push(Element { kind, text, node });
        Ok(())
    }

    /// Parses a key at `self.i` (a `"`) in object `object`; returns its member node.
    fn key(&mut self, object: u32) -> Result<u32, ParseErrorKind> {
        let start = self.i;
        let (text, complete) = self.string()?;
        if complete && self.is_duplicate(object, &text) {
            self.i = start;
            return Err(ParseErrorKind::DuplicateKey);
        }
        self.reserve(1, 1)?;
        let member = self.node(object, Seg::Key(self.elements.len() as u32));
        self.element(ElementKind::Key, text, member)?;
        if !complete {
            return Err(ParseErrorKind::Truncated);
        }
        Ok(member)
    }

    fn is_duplicate(&mut self, object: u32, key: &[u8]) -> bool {
        let hash = self.hasher.hash_one(key);
        if self.keys.insert((object, hash)) {
            return false;
        }
        // the same hash: compare with the object's earlier keys (a real duplicate ends the
        // parse, so this scan happens at most once, barring a 64-bit keyed-hash collision)
        let nodes = &self.nodes;
        self.elements.iter().any(|e| {
            e.kind == ElementKind::Key
                && nodes
                    .get(e.node as usize)
                    .is_some_and(|n| n.parent == object)
                && *e.text == *key
        })
    }

    /// Parses the value starting with `b` at `self.i`, at `node`.
    fn value(&mut self, node: u32, b: u8) -> Step {
        match b {
            b'"' => {
                let (text, complete) = self.string()?;
                self.element(ElementKind::String, text, node)?;
                if !complete {
                    return Err(ParseErrorKind::Truncated);
                }
            }
            b'{' | b'[' => {
                if self.stack.len() >= self.limits.max_depth {
                    return Err(ParseErrorKind::TooDeep);
                }
                self.stack.push(if b == b'{' {
                    Frame::Object {
                        node,
                        state: ObjectState::Key,
                    }
                } else {
                    Frame::Array { node, next: 0 }
                });
                self.i += 1;
            }
            b't' => self.literal(b"true", ElementKind::Boolean, node)?,
            b'f' => self.literal(b"false", ElementKind::Boolean, node)?,
            b'n' => self.literal(b"null", ElementKind::Null, node)?,
            _ => {
                let s = self.s;
                let start = self.i;
                let end = s[start..]
                    .iter()
                    .position(|c| !matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                    .map_or(s.len(), |p| start + p);
                self.i = end;
                self.element(ElementKind::Number, Cow::Borrowed(&s[start..end]), node)?;
            }
        }
        Ok(())
    }

    fn literal(&mut self, word: &'static [u8], kind: ElementKind, node: u32) -> Step {
        let s = self.s;
        let rest = &s[self.i..];
        if rest.starts_with(word) {
            let start = self.i;
            self.i += word.len();
            self.element(kind, Cow::Borrowed(&s[start..self.i]), node)
        } else if word.starts_with(rest) {
            self.i = s.len();
            Err(ParseErrorKind::Truncated)
        } else {
            Err(ParseErrorKind::InvalidCharacter)
        }
    }

    /// Parses the string at `self.i` (a `"`): its unescaped bytes, and whether it was closed
    /// before the body ended.
    fn string(&mut self) -> Result<(Cow<'a, [u8]>, bool), ParseErrorKind> {
        let s = self.s;
        let start = self.i + 1;
        let mut j = match memchr2(b'"', b'\\', &s[start..]) {
            None => {
                self.i = s.len();
                return Ok((Cow::Borrowed(&s[start..]), false));
            }
            Some(p) if s[start + p] == b'"' => {
                self.i = start + p + 1;
                return Ok((Cow::Borrowed(&s[start..start + p]), true));
            }
            Some(p) => start + p,
        };
        let mut out = s[start..j].to_vec();
        loop {
            // s[j] is a backslash
            let Some(&escape) = s.get(j + 1) else {
                self.i = s.len();
                return Ok((Cow::Owned(out), false));
            };
            j += 2;
            match escape {
                b'"' | b'\\' | b'/' => out.push(escape),
                b'b' => out.push(0x08),
                b'f' => out.push(0x0C),
                b'n' => out.push(b'\n'),
                b'r' => out.push(b'\r'),
                b't' => out.push(b'\t'),
                b'u' => {
                    let Some(code) = hex4(s, j) else {
                        let rest = &s[j..];
                        if rest.len() < 4 && rest.iter().all(u8::is_ascii_hexdigit) {
                            self.i = s.len();
                            return Ok((Cow::Owned(out), false));
                        }
                        self.i = j - 2;
                        return Err(ParseErrorKind::InvalidEscape);
                    };
                    j += 4;
                    let mut code = code;
                    if (0xD800..0xDC00).contains(&code)
                        && s.get(j) == Some(&b'\\')
                        && s.get(j + 1) == Some(&b'u')
                        && let Some(low) = hex4(s, j + 2)
                        && (0xDC00..0xE000).contains(&low)
                    {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                        j += 6;
                    }
                    let c = char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
                    let mut tmp = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
                }
                _ => {
                    self.i = j - 2;
                    return Err(ParseErrorKind::InvalidEscape);
                }
            }
            match memchr2(b'"', b'\\', &s[j..]) {
                None => {
                    out.extend_from_slice(&s[j..]);
                    self.i = s.len();
                    return Ok((Cow::Owned(out), false));
                }
                Some(p) => {
                    out.extend_from_slice(&s[j..j + p]);
                    j += p;
                    if s[j] == b'"' {
                        self.i = j + 1;
                        return Ok((Cow::Owned(out), true));
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What to inspect.

/// A JSON Pointer (RFC 6901) from `IncludedPaths`, parsed once when the rule is loaded.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct JsonPointer {
    text: String,
    tokens: Vec<Token>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Token {
    /// The reference token, unescaped.
    bytes: Box<[u8]>,
    /// The array index it names, when it is one (`0`, `17`; not `01` or `-`).
    index: Option<u32>,
}

/// Why a string is not a JSON Pointer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum PointerError {
    /// Neither empty nor starting with `/`.
    #[error("a JSON Pointer is empty or starts with '/'")]
    MissingSlash,
    /// A `~` not followed by `0` or `1`.
    #[error("'~' must be followed by '0' or '1' in a JSON Pointer")]
    BadEscape,
    /// More reference tokens than [`JsonPointer::MAX_TOKENS`].
    #[error("a JSON Pointer with more than 1024 reference tokens")]
    TooLong,
}

impl JsonPointer {
    /// The most reference tokens a pointer may have.
    pub const MAX_TOKENS: usize = 1024;

    /// Parses a pointer: `""` (the whole document) or `/token/token…`, `~1` for `/` and `~0`
    /// for `~` within a token.
    pub fn parse(text: &str) -> Result<Self, PointerError> {
        let mut tokens = Vec::new();
        if !text.is_empty() {
            let rest = text.strip_prefix('/').ok_or(PointerError::MissingSlash)?;
            for raw in rest.split('/') {
                if tokens.len() == Self::MAX_TOKENS {
                    return Err(PointerError::TooLong);
                }
                let mut bytes = Vec::with_capacity(raw.len());
                let mut it = raw.bytes();
                while let Some(b) = it.next() {
                    if b == b'~' {
                        match it.next() {
                            Some(b'0') => bytes.push(b'~'),
                            Some(b'1') => bytes.push(b'/'),
                            _ => return Err(PointerError::BadEscape),
                        }
                    } else {
                        bytes.push(b);
                    }
                }
                let index = array_index(&bytes);
                tokens.push(Token {
                    bytes: bytes.into(),
                    index,
                });
            }
        }
        Ok(JsonPointer {
            text: text.to_owned(),
            tokens,
        })
    }

    /// The pointer as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl std::fmt::Display for JsonPointer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

fn array_index(token: &[u8]) -> Option<u32> {
    let canonical = match token {
        [] => false,
        [b'0'] => true,
        [b'0', ..] => false,
        _ => token.iter().all(u8::is_ascii_digit),
    };
    if !canonical {
        return None;
    }
    std::str::from_utf8(token).ok()?.parse().ok()
}

/// `JsonBody.MatchScope`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MatchScope {
    /// `ALL`: keys and values; a match in either is a match.
    All,
    /// `KEY`: object keys only.
    Key,
    /// `VALUE`: scalar values only.
    Value,
}

impl MatchScope {
    /// The scope AWS calls `name` (`ALL`, `KEY`, `VALUE`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "ALL" => Some(Self::All),
            "KEY" => Some(Self::Key),
            "VALUE" => Some(Self::Value),
            _ => None,
        }
    }

    /// AWS's name for the scope.
    pub fn name(self) -> &'static str {
        match self {
            Self::All => "ALL",
            Self::Key => "KEY",
            Self::Value => "VALUE",
        }
    }
}

/// `JsonBody.MatchPattern`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MatchPattern {
    /// `All {}`: every element.
    All,
    /// `IncludedPaths`: the elements below each pointer (see the module's doc).
    IncludedPaths(Vec<JsonPointer>),
}

/// `JsonBody.InvalidFallbackBehavior`: what a parse error makes of the statement. Not set
/// (`None` where an `Option` is taken), what was parsed is evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InvalidFallback {
    /// `MATCH`: the statement matches.
    Match,
    /// `NO_MATCH`: the statement does not match.
    NoMatch,
    /// `EVALUATE_AS_STRING`: the body is inspected as plain text, with the same
    /// transformations and match.
    EvaluateAsString,
}

impl InvalidFallback {
    /// The behaviour AWS calls `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "MATCH" => Some(Self::Match),
            "NO_MATCH" => Some(Self::NoMatch),
            "EVALUATE_AS_STRING" => Some(Self::EvaluateAsString),
            _ => None,
        }
    }

    /// AWS's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Match => "MATCH",
            Self::NoMatch => "NO_MATCH",
            Self::EvaluateAsString => "EVALUATE_AS_STRING",
        }
    }
}

/// The elements a `JsonBody` field inspects, in document order; each item is one element's
/// bytes, before the rule's transformations.
#[derive(Clone, Debug)]
pub struct Selection<'p, 'a> {
    elements: std::slice::Iter<'p, Element<'a>>,
    scope: MatchScope,
    /// For `IncludedPaths`: per node, `EXACT` (a pointer names it) and `BELOW` (it is under
    /// one).
    included: Option<Vec<u8>>,
}

const EXACT: u8 = 1;
const BELOW: u8 = 2;

impl<'p> Iterator for Selection<'p, '_> {
    type Item = &'p [u8];

    fn next(&mut self) -> Option<&'p [u8]> {
        for e in self.elements.by_ref() {
            let is_key = e.kind.is_key();
            let in_scope = match self.scope {
                MatchScope::All => true,
                MatchScope::Key => is_key,
                MatchScope::Value => !is_key,
            };
            if !in_scope {
                continue;
            }
            if let Some(flags) = &self.included {
                let f = flags.get(e.node as usize).copied().unwrap_or(0);
                // a pointer's own key is not inspected; its scalar value is
                let wanted = if is_key { f & BELOW != 0 } else { f != 0 };
                if !wanted {
                    continue;
                }
            }
            return Some(&e.text);
        }
        None
    }
}

/// The elements of `parsed` that `pattern` and `scope` select, whether or not the parse
/// completed (see [`evaluate`] for the fallback).
pub fn select<'p, 'a>(
    parsed: &'p Parsed<'a>,
    pattern: &MatchPattern,
    scope: MatchScope,
) -> Selection<'p, 'a> {
    let included = match pattern {
        MatchPattern::All => None,
        MatchPattern::IncludedPaths(pointers) => Some(included_nodes(parsed, pointers)),
    };
    Selection {
        elements: parsed.elements.iter(),
        scope,
        included,
    }
}

/// Marks each node named by a pointer (`EXACT`) or under one (`BELOW`), in one pass over the
/// nodes per pointer: a node's parent always comes before it.
fn included_nodes(parsed: &Parsed<'_>, pointers: &[JsonPointer]) -> Vec<u8> {
    const MISS: u16 = u16::MAX;
    const UNDER: u16 = u16::MAX - 1;
    let mut flags = vec![0u8; parsed.nodes.len()];
    // per node: how many of the pointer's tokens its path matches, or MISS / UNDER
    let mut matched = vec![MISS; parsed.nodes.len()];
    for pointer in pointers {
        let len = pointer.tokens.len() as u16;
        for (idx, node) in parsed.nodes.iter().enumerate() {
            let m = if idx == 0 {
                0
            } else {
                match matched.get(node.parent as usize).copied().unwrap_or(MISS) {
                    MISS => MISS,
                    UNDER => UNDER,
                    pm if pm == len => UNDER,
                    pm => match pointer.tokens.get(pm as usize) {
                        Some(token) if seg_matches(parsed, node.seg, token) => pm + 1,
                        _ => MISS,
                    },
                }
            };
            matched[idx] = m;
            if m == UNDER {
                flags[idx] |= BELOW;
            } else if m == len {
                flags[idx] |= EXACT;
            }
        }
    }
    flags
}

fn seg_matches(parsed: &Parsed<'_>, seg: Seg, token: &Token) -> bool {
    match seg {
        Seg::Root => false,
        Seg::Index(i) => token.index == Some(i),
        Seg::Key(k) => parsed
            .elements
            .get(k as usize)
            .is_some_and(|e| *e.text == *token.bytes),
    }
}

/// What a `JsonBody` field gives a statement to inspect.
#[derive(Clone, Debug)]
pub enum Evaluation<'p, 'a> {
    /// Inspect these elements; any match matches.
    Elements(Selection<'p, 'a>),
    /// `EVALUATE_AS_STRING` after a parse error: inspect the whole body as plain text.
    WholeBody,
    /// `MATCH` after a parse error.
    Match,
    /// `NO_MATCH` after a parse error.
    NoMatch,
}

/// Applies `InvalidFallbackBehavior` (`fallback`; `None` = not set) to a parse, and selects the
/// elements otherwise.
pub fn evaluate<'p, 'a>(
    parsed: &'p Parsed<'a>,
    pattern: &MatchPattern,
    scope: MatchScope,
    fallback: Option<InvalidFallback>,
) -> Evaluation<'p, 'a> {
    match (parsed.error.is_some(), fallback) {
        (true, Some(InvalidFallback::Match)) => Evaluation::Match,
        (true, Some(InvalidFallback::NoMatch)) => Evaluation::NoMatch,
        (true, Some(InvalidFallback::EvaluateAsString)) => Evaluation::WholeBody,
        _ => Evaluation::Elements(select(parsed, pattern, scope)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
