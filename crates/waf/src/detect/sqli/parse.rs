//! A loose SQL grammar run over the tokens of one injection context.
//!
//! A *run* starts where an injection could start (the start of the input, the quote that
//! closes the application's string literal, or where an earlier run stopped making sense) and
//! follows the tokens as the continuation of a `WHERE` clause would go on: operands and
//! operators, parentheses and calls, clauses (`UNION SELECT`, `ORDER BY`, `INTO OUTFILE`), and
//! whole statements after `;` or side by side (SQL Server runs `… WAITFOR DELAY '0:0:5'`).
//! It stops at the first token that cannot follow; natural language stops it within a word
//! or two ("select the best option" has an operand followed by a name).
//!
//! On its way a run records *findings*: the constructs an injection uses, each with the lowest
//! sensitivity that reports it ([`Level`]) and what it needs from the rest of the run
//! ([`Need`]): nothing (`UNION SELECT 1,2`, `sleep(5)`), to reach the end of the input without
//! a token that cannot follow (a whole statement as the value), or to end where a query may
//! end: the end of the input, a comment that cuts off the rest, `;` (a tautology).
//!
//! Conditions live in [`cond`], statements in [`stmt`], word classes in [`class`].
//! The state has a fixed size (a stack of at most [`MAX_DEPTH`] open parentheses, a few
//! findings); nothing recurses or allocates.

mod class;
mod cond;
mod stmt;

use super::lex::{ADJ, CALL, CMT, OPEN, Op, QUAL, SYSVAR, Tk, Token};
use super::words::{Fc, Kw};
pub(crate) use class::is_overflow_literal;
use class::{
    is_continuation, is_mongo_operator, is_name_like, is_structural, is_system_qualifier, is_unary,
    pg_type,
};
use cond::{number_truthy, string_truthy};

/// Open parentheses, calls, `CASE`s deeper than this stop the run.
const MAX_DEPTH: usize = 12;
/// Findings kept per run.
const MAX_FINDINGS: usize = 6;
/// Tokens of evidence kept per finding.
pub(crate) const EVIDENCE: usize = 5;
/// Recent token spans kept for evidence.
const RING: usize = 16;

/// The lowest sensitivity at which a finding reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Level {
    Low,
    High,
}

/// What a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reason {
    UnionSelect,
    StackedQuery,
    Statement,
    Tautology,
    Boolean,
    TimeFunction,
    ErrorFunction,
    DangerousFunction,
    InfoFunction,
    FunctionCall,
    SchemaAccess,
    CommentTruncation,
    QuoteTerminator,
    OrderBy,
    NoSql,
    Overflow,
    TypeCast,
}

impl Reason {
    /// Which of several findings names a detection: the most specific first.
    fn rank(self) -> u8 {
        match self {
            Reason::TimeFunction => 0,
            Reason::ErrorFunction => 1,
            Reason::DangerousFunction => 2,
            Reason::UnionSelect => 3,
            Reason::StackedQuery => 4,
            Reason::Tautology => 5,
            Reason::Boolean => 6,
            Reason::Statement => 7,
            Reason::OrderBy => 8,
            Reason::CommentTruncation => 9,
            Reason::QuoteTerminator => 10,
            Reason::SchemaAccess => 11,
            Reason::InfoFunction => 12,
            Reason::FunctionCall => 13,
            Reason::NoSql => 14,
            Reason::Overflow => 16,
            Reason::TypeCast => 15,
        }
    }

    /// The short name reported in [`super::super::Detection::reason`].
    pub(crate) fn name(self) -> &'static str {
        match self {
            Reason::UnionSelect => "sqli:union-select",
            Reason::StackedQuery => "sqli:stacked-query",
            Reason::Statement => "sqli:statement",
            Reason::Tautology => "sqli:tautology",
            Reason::Boolean => "sqli:boolean-condition",
            Reason::TimeFunction => "sqli:time-function",
            Reason::ErrorFunction => "sqli:error-function",
            Reason::DangerousFunction => "sqli:dangerous-function",
            Reason::InfoFunction => "sqli:info-function",
            Reason::FunctionCall => "sqli:function-call",
            Reason::SchemaAccess => "sqli:schema-access",
            Reason::CommentTruncation => "sqli:comment-truncation",
            Reason::QuoteTerminator => "sqli:quote-terminator",
            Reason::OrderBy => "sqli:order-by",
            Reason::NoSql => "sqli:nosql-operator",
            Reason::Overflow => "sqli:overflow-literal",
            Reason::TypeCast => "sqli:type-cast",
        }
    }
}

/// Where a run starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Anchor {
    /// At the start of the input: the input is the value (a number, a name, a statement).
    Start,
    /// Where an earlier run of the unquoted context stopped.
    Resume,
    /// After the first quote: it closes the application's string literal.
    Quote,
    /// After a later quote, once earlier ones led nowhere.
    LaterQuote,
}

/// A byte range of the input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: u32,
    pub(crate) end: u32,
}

/// What a finding needs from the rest of the run to be reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Need {
    /// Nothing: the construct says injection wherever it stands.
    Nothing,
    /// The run reaches the end of the input without a token that cannot follow (it may stop
    /// inside an open parenthesis: inputs are cut).
    NoError,
    /// The run ends where a query may end: the end of the input, a comment, `;`.
    Clean,
}

/// What a run found.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Finding {
    pub(crate) reason: Reason,
    pub(crate) level: Level,
    pub(crate) need: Need,
    pub(crate) spans: [Span; EVIDENCE],
    pub(crate) n: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FrameKind {
    Top,
    Paren,
    Call,
    Brace,
    Bracket,
    Case,
}

/// Why a select list began.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SelKind {
    None,
    /// `UNION [ALL] SELECT`
    Union,
    /// A statement at the start of the input.
    Start,
    /// A statement after `;`, or one set right after an operand.
    Stacked,
    /// `(SELECT …)`
    Sub,
}

#[derive(Clone, Copy, Debug)]
struct Frame {
    kind: FrameKind,
    /// Call: the function's class.
    fc: Fc,
    /// Call: the token of the function's name.
    seq: u32,
    /// Call: arguments begun.
    args: u8,
    sel: SelKind,
    /// A select list is open at this level (between SELECT and FROM or the list's end).
    sel_open: bool,
    sel_seq: u32,
    /// The select's finding, when one was recorded provisionally.
    sel_finding: Option<u8>,
    items: u8,
    /// An item only SQL writes: `*`, a call, a variable, NULL, a string, a subquery.
    marker: bool,
    /// A number among the items.
    num: bool,
    /// No item so far but names, numbers and strings: `SELECT 'Yes'` may be prose.
    plain: bool,
    aliased: bool,
    /// An item was seen.
    any: bool,
    /// `BETWEEN` waits for its `AND`.
    between: bool,
    /// `{` waits for its ODBC keyword (`{fn …}`, `{if …}`); a call's `(` touches its name.
    fresh: bool,
    /// The condition being followed at this level.
    cond: Option<Cond>,
    /// Call: its first argument began with a number, a call or a parenthesis (`sleep(5)`),
    /// not a name or a string (`benchmark (names, …`).
    numeric: Option<bool>,
}

impl Frame {
    const fn new(kind: FrameKind) -> Self {
        Frame {
            kind,
            fc: Fc::None,
            seq: 0,
            args: 0,
            sel: SelKind::None,
            sel_open: false,
            sel_seq: 0,
            sel_finding: None,
            items: 0,
            marker: false,
            num: false,
            plain: true,
            aliased: false,
            any: false,
            between: false,
            fresh: false,
            cond: None,
            numeric: None,
        }
    }
}

/// The statement being checked: the keyword and how far it got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stmt {
    /// `DROP` object (`IF EXISTS`) name (end | `;` | comment | `,`)
    Drop(u8),
    /// `CREATE` (`OR REPLACE`) (`TEMPORARY`) object name
    Create(u8),
    /// `ALTER` object name
    Alter(u8),
    /// `TRUNCATE` (`TABLE`) name
    Truncate(u8),
    /// `INSERT`/`REPLACE` (`INTO`) name (`(…)`) `VALUES`|`SELECT`|`SET`|`(`
    Insert(u8),
    /// `UPDATE` name `SET` name `=`
    Update(u8),
    /// `DELETE` (`FROM`) name (`WHERE` | end)
    Delete(u8),
    /// `EXEC` name | `(` | `@` | string | `IMMEDIATE`
    Exec,
    /// `EXEC(`: something must come inside
    ExecParen,
    /// `DECLARE @x`
    Declare,
    /// `SET @x =` / `SET x =`
    Set(u8),
    /// `SHUTDOWN` (end | `;` | comment | `WITH`)
    Shutdown,
    /// `WAITFOR` `DELAY`|`TIME` string
    Waitfor(u8),
    /// `GRANT`/`REVOKE` … `TO`|`ON`|`FROM`
    Grant(u8),
    /// `LOAD DATA [LOCAL] INFILE`, `LOAD XML`
    Load(u8),
    /// `SHOW` `TABLES`|`DATABASES`|…
    Show,
    /// `PREPARE` name `FROM`
    Prepare(u8),
    /// `COPY` name … `PROGRAM`
    Copy(u8),
    /// `CALL`, `USE`, `DESCRIBE`, `KILL`, … name
    Simple,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum St {
    Start,
    Operand,
    After,
    /// After `;`.
    StmtStart,
    /// After a word that calls: `(` must follow.
    CallOpen,
    /// After `name.`: a name, `*`.
    QualName,
    /// After `UNION`/`EXCEPT`/…: `ALL`, `DISTINCT`, `(`, `SELECT`.
    AfterUnion,
    /// After `ORDER`/`GROUP`: `BY`.
    By,
    /// After `FROM`, `JOIN`, `INTO`: a table.
    Table,
    AfterTable,
    /// After `AS` or `COLLATE`: a name.
    Alias,
    /// After `::`: a type.
    CastType,
    /// After `LIMIT`/`OFFSET`/`TOP`: a number.
    Limit,
    /// After `IS`.
    Is,
    /// After `NOT` that follows an operand: `LIKE`, `IN`, `BETWEEN`, …
    AfterNot,
    /// After `IN`: `(`.
    In,
    /// After `SOUNDS`: `LIKE`; after `SIMILAR`: `TO`.
    Expect(Kw),
    /// After `INTO`.
    Into,
    /// After `INTO OUTFILE`: a string.
    IntoFile,
    /// After `PROCEDURE`: `ANALYSE`.
    Procedure,
    Stmt(Stmt),
    /// After a statement that checked out: anything until `;`.
    Lenient,
    /// A comment ended the input.
    Done,
}

/// How much the shape of a statement alone says SQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// `DROP TABLE x;`, `INSERT INTO x VALUES`, `DECLARE @x`, `EXEC xp_cmdshell`
    Strong,
    /// `DROP TABLE x` at the end, `DELETE FROM x`
    Medium,
    /// `EXEC plan`, `SHOW TABLES`, `CALL me`: only after `;` or a closed string
    Weak,
}

/// What the last operand was, for how much a following clause says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Prev {
    None,
    /// The string the quote closed.
    Closure,
    Num,
    Str,
    Name,
    Paren,
    Other,
}

impl Prev {
    /// An operand after which `UNION`, `;` or a statement is not prose.
    fn strong(self) -> bool {
        matches!(self, Prev::Closure | Prev::Num | Prev::Str | Prev::Paren)
    }
}

/// What the operands of a condition after `OR`/`AND` were.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CTok {
    /// A literal: number, string, `TRUE`/`FALSE`/`NULL`; and whether it is true.
    Lit(Span, bool),
    Name(Span),
    /// A function call.
    Call,
    /// `=`, `LIKE`, `REGEXP`: true when both sides are the same.
    Eq,
    /// Any other comparison: `<>`, `<`, `IS`, `IN`, `NOT LIKE`, `@>`, …
    Cmp,
    Other,
}

/// A condition being followed: from `OR`/`AND`/… (or the closure of a quote) to the next one.
#[derive(Clone, Copy, Debug)]
struct Cond {
    seq: u32,
    toks: [CTok; 4],
    n: usize,
    /// More than fits in `toks`, or a call or subquery inside.
    complex: bool,
    /// A call, a parenthesis or a subquery inside.
    nested: bool,
    /// Started after a boolean operator (not at the closure of a quote).
    boolean: bool,
    /// Started by `WHERE`.
    clause: bool,
}

/// One run of the grammar.
#[derive(Debug)]
pub(crate) struct Run<'a> {
    input: &'a [u8],
    anchor: Anchor,
    st: St,
    frames: [Frame; MAX_DEPTH],
    depth: usize,
    prev: Prev,
    /// Tokens consumed.
    n: u32,
    ring: [Span; RING],
    findings: [Option<Finding>; MAX_FINDINGS],
    nfind: usize,
    /// `)` with nothing open: parentheses of the application's query the input closes.
    closers: u32,
    /// Tokens since the closure that were only `)`.
    only_closers: bool,
    /// A SELECT was seen in this run.
    selected: bool,
    /// Lenient: a call's name was just seen, with its class.
    lenient_call: Option<(Fc, u32, u8)>,
    /// The statement being checked was set after `;` (or is the first thing after a quote).
    stmt_strong: bool,
    stmt_seq: u32,
    /// The run ended (end of input or a comment) in a state where a query may end.
    ended_clean: bool,
    /// The run reached the end of the input without stopping.
    ended_ok: bool,
    /// A name is qualified: the `.` comes next.
    qual_pending: bool,
    /// The `UNION` token, and whether what came before makes it SQL.
    union_seq: u32,
    union_strong: bool,
    /// The table reference has its alias.
    table_aliased: bool,
    /// The first operand of a run at the start of the input was a number.
    first_num: bool,
    /// The kind of the previous token.
    last_tk: Tk,
    /// The run began with an operator or clause that goes on from the application's operand:
    /// ` OR 1=1`, ` HAVING 1=1`, ` ORDER BY 1`.
    leading: bool,
    /// The class of the qualifiers of the name being read (`utl_http.request`).
    qual_fc: Fc,
    /// `COPY … FROM`/`TO` was just read.
    copy_from: bool,
    /// `ORDER` after a value: a number after `BY` makes it a probe.
    order_probe: Option<u32>,
    /// The select list of a statement at the start, once it ended: its token, whether it
    /// held an item only SQL writes, and whether `FROM` followed.
    start_sel: Option<(u32, bool, bool)>,
    /// Clauses after it that prose does not write: `GROUP BY`, `HAVING`, `ORDER BY`, `LIMIT`,
    /// `WHERE` with a comparison.
    clauses: u8,
    /// A subquery was seen.
    subquery: bool,
    /// An `AS` gave a quoted alias (`1234 AS "foobar" FROM`).
    quoted_alias: bool,
    /// An ODBC escape (`{if …}`, `{fn …}`) began.
    odbc: Option<u32>,
    /// The `::` of a cast.
    cast_seq: u32,
    /// A token came right after a block comment.
    commented: bool,
    /// `AS` followed a number or a parenthesis.
    as_after: bool,
    /// A keyword or a call was read: the run is more than names and operators.
    keyword_seen: bool,
    /// A comparison was read.
    cmp_seen: bool,
    /// The statement being checked began right after `;`.
    after_semi: bool,
}

/// The outcome of feeding a token to a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    Go,
    /// The token cannot follow: the run is over.
    Stop,
}

impl<'a> Run<'a> {
    pub(crate) fn new(input: &'a [u8]) -> Self {
        Run {
            input,
            anchor: Anchor::Start,
            st: St::Start,
            frames: [Frame::new(FrameKind::Top); MAX_DEPTH],
            depth: 0,
            prev: Prev::None,
            n: 0,
            ring: [Span::default(); RING],
            findings: [None; MAX_FINDINGS],
            nfind: 0,
            closers: 0,
            only_closers: true,
            selected: false,
            lenient_call: None,
            stmt_strong: false,
            stmt_seq: 0,
            ended_clean: false,
            ended_ok: false,
            qual_pending: false,
            union_seq: 0,
            union_strong: false,
            table_aliased: false,
            first_num: false,
            last_tk: Tk::Other,
            leading: false,
            qual_fc: Fc::None,
            copy_from: false,
            order_probe: None,
            start_sel: None,
            clauses: 0,
            subquery: false,
            quoted_alias: false,
            odbc: None,
            cast_seq: 0,
            commented: false,
            as_after: false,
            keyword_seen: false,
            cmp_seen: false,
            after_semi: false,
        }
    }

    /// Reads `input` from now on (a part of the input the run was made for).
    pub(crate) fn rebind(&mut self, input: &'a [u8]) {
        self.input = input;
    }

    /// Starts over at `anchor`, keeping the buffers.
    pub(crate) fn reset(&mut self, anchor: Anchor) {
        self.anchor = anchor;
        self.st = St::Start;
        self.frames[0] = Frame::new(FrameKind::Top);
        self.depth = 0;
        self.prev = Prev::None;
        self.n = 0;
        self.nfind = 0;
        self.closers = 0;
        self.only_closers = true;
        self.selected = false;
        self.lenient_call = None;
        self.stmt_strong = false;
        self.stmt_seq = 0;
        self.ended_clean = false;
        self.ended_ok = false;
        self.qual_pending = false;
        self.union_seq = 0;
        self.union_strong = false;
        self.table_aliased = false;
        self.first_num = false;
        self.last_tk = Tk::Other;
        self.leading = false;
        self.qual_fc = Fc::None;
        self.copy_from = false;
        self.order_probe = None;
        self.start_sel = None;
        self.clauses = 0;
        self.subquery = false;
        self.quoted_alias = false;
        self.odbc = None;
        self.commented = false;
        self.as_after = false;
        self.keyword_seen = false;
        self.cmp_seen = false;
        self.after_semi = false;
    }

    /// Prose is names after names: when the run holds one plain name and nothing else, the
    /// next plain name would stop it and start a run just like it. Takes `t` in its place and
    /// answers true, or leaves the run alone.
    pub(crate) fn shift_plain(&mut self, t: &Token) -> bool {
        let plain = matches!(t.tk, Tk::Word)
            && t.kw == Kw::None
            && t.fc == Fc::None
            && t.flags & (CALL | QUAL) == 0
            && self.input.get(t.start as usize) != Some(&b'$');
        if !plain
            || self.n != 1
            || !matches!(self.st, St::After)
            || self.prev != Prev::Name
            || self.depth != 0
            || self.nfind != 0
            || !matches!(self.anchor, Anchor::Start | Anchor::Resume)
        {
            return false;
        }
        let span = Span {
            start: t.start,
            end: t.end,
        };
        self.anchor = Anchor::Resume;
        self.ring[0] = span;
        self.commented = t.has(CMT);
        if let Some(c) = self.frames[0].cond.as_mut() {
            c.toks[0] = CTok::Name(span);
        }
        true
    }

    /// Tokens consumed so far.
    pub(crate) fn consumed(&self) -> u32 {
        self.n
    }

    /// The run begins after a quote that closes the application's string: `span` is the quote.
    pub(crate) fn closure(&mut self, span: Span, anchor: Anchor) {
        self.reset(anchor);
        self.push_ring(span);
        self.st = St::After;
        self.prev = Prev::Closure;
        self.last_tk = Tk::Str;
        // a comparison right after the quote compares the closed string: '='
        self.frames[0].cond = Some(Cond {
            seq: 0,
            toks: [
                CTok::Lit(span, false),
                CTok::Other,
                CTok::Other,
                CTok::Other,
            ],
            n: 1,
            complex: false,
            nested: false,
            boolean: false,
            clause: false,
        });
    }

    fn push_ring(&mut self, span: Span) {
        self.ring[self.n as usize % RING] = span;
        self.n += 1;
    }

    fn frame(&mut self) -> &mut Frame {
        &mut self.frames[self.depth]
    }

    fn top(&self) -> &Frame {
        &self.frames[self.depth]
    }

    fn text(&self, span: Span) -> &'a [u8] {
        self.input
            .get(span.start as usize..span.end as usize)
            .unwrap_or_default()
    }

    /// Records a finding with evidence from token `from` (a sequence number) to the last one.
    fn find(&mut self, reason: Reason, level: Level, need: Need, from: u32) -> Option<u8> {
        let last = self.n.saturating_sub(1);
        let first = from.max(self.n.saturating_sub(RING as u32)).min(last);
        let mut spans = [Span::default(); EVIDENCE];
        let mut n = 0;
        let mut seq = first;
        while seq <= last && n < EVIDENCE {
            spans[n] = self.ring[seq as usize % RING];
            n += 1;
            seq += 1;
        }
        let f = Finding {
            reason,
            level,
            need,
            spans,
            n,
        };
        if self.nfind < MAX_FINDINGS {
            self.findings[self.nfind] = Some(f);
            self.nfind += 1;
            return u8::try_from(self.nfind - 1).ok();
        }
        // full: a finding that reports at LOW replaces one that does not
        if level == Level::Low {
            let slot = self
                .findings
                .iter()
                .position(|f| f.is_some_and(|f| f.level == Level::High))?;
            self.findings[slot] = Some(f);
            return u8::try_from(slot).ok();
        }
        None
    }

    fn upgrade(&mut self, idx: Option<u8>) {
        if let Some(f) = idx
            .and_then(|i| self.findings.get_mut(usize::from(i)))
            .and_then(Option::as_mut)
        {
            f.level = Level::Low;
        }
    }

    /// The most telling finding that reports at `high` (or LOW) given how the run ended.
    pub(crate) fn verdict(&self, high: bool) -> Option<&Finding> {
        self.findings[..self.nfind]
            .iter()
            .flatten()
            .filter(|f| {
                (high || f.level == Level::Low)
                    && match f.need {
                        Need::Nothing => true,
                        Need::NoError => self.ended_ok,
                        Need::Clean => self.ended_clean,
                    }
            })
            .min_by_key(|f| f.reason.rank())
    }

    /// Feeds one token.
    pub(crate) fn step(&mut self, t: &Token) -> Step {
        if self.depth >= MAX_DEPTH - 1 {
            return Step::Stop;
        }
        // prose is names after names: decide those without the general machinery
        let plain = matches!(t.tk, Tk::Word)
            && t.kw == Kw::None
            && t.fc == Fc::None
            && t.flags & (CALL | QUAL) == 0
            && self.input.get(t.start as usize) != Some(&b'$');
        if plain {
            match self.st {
                St::After if !self.top().sel_open => return Step::Stop,
                St::Start => {
                    self.push_ring(Span {
                        start: t.start,
                        end: t.end,
                    });
                    self.frames[0].cond = Some(Cond {
                        seq: self.n - 1,
                        toks: [
                            CTok::Name(Span {
                                start: t.start,
                                end: t.end,
                            }),
                            CTok::Other,
                            CTok::Other,
                            CTok::Other,
                        ],
                        n: 1,
                        complex: false,
                        nested: false,
                        boolean: false,
                        clause: false,
                    });
                    self.prev = Prev::Name;
                    self.only_closers = false;
                    self.st = St::After;
                    self.last_tk = Tk::Word;
                    return Step::Go;
                }
                _ => {}
            }
        }
        let span = Span {
            start: t.start,
            end: t.end,
        };
        self.push_ring(span);
        if t.has(CMT) {
            self.commented = true;
        }
        if matches!(t.tk, Tk::Word) && (t.has(CALL) || !is_name_like(t.kw)) {
            self.keyword_seen = true;
        }
        self.notice(t, span);
        let go = match self.st {
            St::Start => self.start(t, span),
            St::Operand => self.operand(t, span),
            St::After => self.after(t, span),
            St::StmtStart => self.stmt_start(t, span),
            St::CallOpen => {
                if matches!(t.tk, Tk::LParen) {
                    self.st = St::Operand;
                    true
                } else {
                    false
                }
            }
            St::QualName => self.qual_name(t),
            St::AfterUnion => self.after_union(t),
            St::By => {
                if t.is(Kw::By) {
                    self.st = St::Operand;
                    true
                } else {
                    false
                }
            }
            St::Table => self.table(t),
            St::AfterTable => self.after_table(t, span),
            St::Alias => self.alias(t),
            St::CastType => self.cast_type(t),
            St::Limit => self.limit(t),
            St::Is => self.is(t),
            St::AfterNot => self.after_not(t),
            St::In => {
                if matches!(t.tk, Tk::LParen) {
                    self.open(FrameKind::Paren, Fc::None)
                } else {
                    false
                }
            }
            St::Expect(kw) => {
                if t.is(kw) {
                    self.st = St::Operand;
                    self.cond_push(CTok::Cmp);
                    true
                } else {
                    false
                }
            }
            St::Into => self.into(t),
            St::IntoFile => {
                if matches!(t.tk, Tk::Str) {
                    let seq = self.n.saturating_sub(3);
                    self.find(Reason::DangerousFunction, Level::Low, Need::Nothing, seq);
                    self.operand_done(Prev::Str);
                    true
                } else {
                    false
                }
            }
            St::Procedure => {
                if t.is(Kw::Analyse) {
                    let seq = self.n.saturating_sub(2);
                    let level = if self.prev.strong() || self.anchor == Anchor::Start {
                        Level::Low
                    } else {
                        Level::High
                    };
                    self.find(Reason::Statement, level, Need::Nothing, seq);
                    self.st = St::After;
                    true
                } else {
                    false
                }
            }
            St::Stmt(s) => self.stmt(s, t, span),
            St::Lenient => self.lenient(t),
            St::Done => false,
        };
        self.last_tk = t.tk;
        if go { Step::Go } else { Step::Stop }
    }

    /// Findings that depend on a token alone, wherever it is.
    fn notice(&mut self, t: &Token, span: Span) {
        let seq = self.n - 1;
        match t.tk {
            Tk::Word => {
                match t.fc {
                    Fc::Schema => {
                        let sql = self.selected || self.leading;
                        let level = if sql && matches!(self.st, St::Table | St::QualName) {
                            Level::Low
                        } else {
                            Level::High
                        };
                        self.find(Reason::SchemaAccess, level, Need::Nothing, seq);
                    }
                    Fc::Danger if !t.has(CALL) => {
                        let name = self.text(span);
                        if name.len() > 3
                            && (name[..3].eq_ignore_ascii_case(b"xp_")
                                || name[..3].eq_ignore_ascii_case(b"sp_"))
                        {
                            self.find(Reason::DangerousFunction, Level::High, Need::Nothing, seq);
                        }
                    }
                    Fc::Time if !t.has(CALL) && self.text(span).contains(&b'_') => {
                        // pg_sleep, without the call
                        self.find(Reason::TimeFunction, Level::High, Need::Nothing, seq);
                    }
                    _ => {}
                }
                if t.has(CALL) && t.has(ADJ) {
                    match t.fc {
                        Fc::Time => {
                            self.find(Reason::TimeFunction, Level::High, Need::Nothing, seq);
                        }
                        Fc::Error => {
                            self.find(Reason::ErrorFunction, Level::High, Need::Nothing, seq);
                        }
                        Fc::Danger => {
                            self.find(Reason::DangerousFunction, Level::High, Need::Nothing, seq);
                        }
                        Fc::Info => {
                            self.find(Reason::InfoFunction, Level::High, Need::Nothing, seq);
                        }
                        Fc::Common => {
                            self.find(Reason::FunctionCall, Level::High, Need::Nothing, seq);
                        }
                        _ => {}
                    }
                }
                if t.has(QUAL) && t.fc != Fc::Schema && is_system_qualifier(self.text(span)) {
                    let level = if self.selected && matches!(self.st, St::Table) {
                        Level::Low
                    } else {
                        Level::High
                    };
                    self.find(Reason::SchemaAccess, level, Need::Nothing, seq);
                }
                let name = self.text(span);
                if name.first() == Some(&b'$') && is_mongo_operator(&name[1..]) {
                    self.find(Reason::NoSql, Level::High, Need::Nothing, seq);
                }
            }
            Tk::Ident => {
                // `information_schema`, [$ne]
                let text = self.text(span);
                let inner = text
                    .get(1..text.len().saturating_sub(1))
                    .unwrap_or_default();
                if inner.first() == Some(&b'$') && is_mongo_operator(&inner[1..]) {
                    self.find(Reason::NoSql, Level::High, Need::Nothing, seq);
                }
                let mut lower = [0u8; 24];
                if inner.len() <= lower.len() {
                    for (l, b) in lower.iter_mut().zip(inner) {
                        *l = b.to_ascii_lowercase();
                    }
                    if super::words::lookup(&lower[..inner.len()]).1 == Fc::Schema {
                        let sql = self.selected || self.leading;
                        let level = if sql && matches!(self.st, St::Table) {
                            Level::Low
                        } else {
                            Level::High
                        };
                        self.find(Reason::SchemaAccess, level, Need::Nothing, seq);
                    }
                }
            }
            // 4294967296 as the value itself, not inside an LDAP filter or a sentence
            Tk::Num
                if self.n == 1
                    && self.anchor == Anchor::Start
                    && is_overflow_literal(self.text(span)) =>
            {
                self.find(Reason::Overflow, Level::High, Need::Nothing, seq);
            }
            Tk::Var if t.has(SYSVAR) && self.text(span).len() > 2 => {
                let level = if self.top().sel_open && self.top().sel == SelKind::Union {
                    Level::Low
                } else {
                    Level::High
                };
                self.find(Reason::InfoFunction, level, Need::Nothing, seq);
            }
            _ => {}
        }
    }

    // ---- states -------------------------------------------------------------------------

    /// The first token of a run: an operand, a statement, or an operator or clause that goes
    /// on from the application's own operand.
    fn start(&mut self, t: &Token, span: Span) -> bool {
        match t.tk {
            Tk::Word if self.statement_keyword(t) => self.begin_statement(t, SelKind::Start),
            Tk::Word if is_continuation(t.kw) => {
                self.leading = true;
                self.st = St::After;
                self.after(t, span)
            }
            Tk::Op(op) if !is_unary(op) => {
                self.leading = matches!(op, Op::OrOr | Op::AndAnd);
                self.st = St::After;
                self.after(t, span)
            }
            Tk::RParen | Tk::Semi => {
                // `;` first: the application's statement ends there
                self.leading = matches!(t.tk, Tk::Semi);
                self.st = St::After;
                self.after(t, span)
            }
            Tk::Comment => false,
            _ => {
                // the operands of a comparison at the start: 1=1
                self.frame().cond = Some(Cond {
                    seq: self.n - 1,
                    toks: [CTok::Other; 4],
                    n: 0,
                    complex: false,
                    nested: false,
                    boolean: false,
                    clause: false,
                });
                self.st = St::Operand;
                self.operand(t, span)
            }
        }
    }

    fn operand(&mut self, t: &Token, span: Span) -> bool {
        if let Some(seq) = self.order_probe.take()
            && (matches!(t.tk, Tk::Num) || (matches!(t.tk, Tk::Word) && t.has(CALL)))
        {
            self.find(Reason::OrderBy, Level::Low, Need::Clean, seq);
        }
        match t.tk {
            Tk::RParen
                if matches!(self.last_tk, Tk::LParen) && self.top().kind == FrameKind::Call =>
            {
                self.close(FrameKind::Paren)
            }
            Tk::Num => {
                self.first_arg(true);
                if self.anchor == Anchor::Start && self.prev == Prev::None {
                    self.first_num = true;
                }
                let truthy = number_truthy(self.text(span));
                self.cond_push(CTok::Lit(span, truthy));
                // a hex literal (0x616263) is SQL's way of writing a string
                let text = self.text(span);
                let hex = text.len() > 2 && matches!(&text[..2], b"0x" | b"0X" | b"x'" | b"X'");
                self.item(hex, true);
                self.operand_done(Prev::Num);
                true
            }
            Tk::Str => {
                self.first_arg(false);
                let truthy = string_truthy(self.text(span));
                self.cond_push(CTok::Lit(span, truthy));
                // a string that runs to the end is the application's text, not an item
                if !t.has(OPEN) {
                    self.item(true, false);
                    self.frame().plain = true;
                }
                self.operand_done(Prev::Str);
                true
            }
            Tk::Var => {
                self.cond_push(CTok::Name(span));
                self.item(true, false);
                self.operand_done(Prev::Other);
                true
            }
            Tk::Ident => {
                self.cond_push(CTok::Name(span));
                self.item(false, false);
                self.operand_done(Prev::Name);
                true
            }
            Tk::LParen => {
                self.first_arg(true);
                self.open(FrameKind::Paren, Fc::None)
            }
            Tk::LBrace => {
                self.cond_complex();
                let ok = self.open(FrameKind::Brace, Fc::None);
                self.frame().fresh = true;
                ok
            }
            Tk::Op(Op::Star) => {
                self.cond_push(CTok::Other);
                self.item(true, false);
                self.operand_done(Prev::Other);
                true
            }
            Tk::Op(op) if is_unary(op) => true,
            Tk::Word => self.operand_word(t, span),
            _ => false,
        }
    }

    fn operand_word(&mut self, t: &Token, span: Span) -> bool {
        if self.top().kind == FrameKind::Brace && self.top().fresh {
            self.frame().fresh = false;
            // {fn …}, {if …}, {x …}, {d '…'}: the ODBC keyword
            let text = self.text(span);
            let odbc = [
                &b"fn"[..],
                b"if",
                b"x",
                b"d",
                b"t",
                b"ts",
                b"oj",
                b"call",
                b"escape",
            ]
            .iter()
            .any(|k| k.eq_ignore_ascii_case(text));
            if odbc && !t.has(CALL) {
                self.odbc = Some(self.n - 1);
                return true;
            }
        }
        match t.kw {
            Kw::Select => return self.select(SelKind::Sub),
            Kw::Null | Kw::True | Kw::Unknown | Kw::Niladic | Kw::Dual => {
                let truthy = t.kw == Kw::True && self.text(span).eq_ignore_ascii_case(b"true");
                self.cond_push(CTok::Lit(span, truthy));
                self.item(true, false);
                self.operand_done(Prev::Other);
                return true;
            }
            Kw::Not | Kw::Binary | Kw::Interval | Kw::Distinct => return true,
            Kw::All | Kw::Any | Kw::Exists if t.has(CALL) => {
                self.cond_complex();
                self.st = St::In;
                return true;
            }
            Kw::All => return self.top().sel_open,
            Kw::Case => {
                self.cond_complex();
                let ok = self.open(FrameKind::Case, Fc::None);
                self.item(true, false);
                return ok;
            }
            Kw::When if self.top().kind == FrameKind::Case => return true,
            _ => {}
        }
        if t.has(CALL) && !is_structural(t.kw) {
            return self.call(t);
        }
        if !is_name_like(t.kw) {
            return false;
        }
        let marker = matches!(
            t.fc,
            Fc::Time | Fc::Error | Fc::Danger | Fc::Info | Fc::Schema
        );
        if t.has(QUAL) {
            self.cond_complex();
            self.item(marker, false);
            self.qual_fc = t.fc;
            self.st = St::QualName;
            self.prev = Prev::Name;
            // the dot comes next; QualName takes it
            self.qual_pending = true;
            return true;
        }
        self.first_arg(false);
        self.cond_push(CTok::Name(span));
        self.item(marker, false);
        self.operand_done(Prev::Name);
        true
    }

    /// A function call: the name, then `(` in [`St::CallOpen`].
    fn call(&mut self, t: &Token) -> bool {
        self.call_as(t.fc, t.has(ADJ))
    }

    fn call_as(&mut self, fc: Fc, adjacent: bool) -> bool {
        self.first_arg(true);
        self.cond_push(CTok::Call);
        self.item(true, false);
        let seq = self.n - 1;
        if !self.open(FrameKind::Call, fc) {
            return false;
        }
        let f = self.frame();
        f.seq = seq;
        f.fresh = adjacent;
        self.st = St::CallOpen;
        true
    }

    fn qual_name(&mut self, t: &Token) -> bool {
        if self.qual_pending {
            self.qual_pending = false;
            return matches!(t.tk, Tk::Dot);
        }
        match t.tk {
            // master..xp_cmdshell
            Tk::Dot => true,
            Tk::Word if t.has(CALL) => {
                // utl_http.request(: the qualifier says what the call does
                let fc = match (self.qual_fc, t.fc) {
                    (q @ (Fc::Time | Fc::Error | Fc::Danger), _) => q,
                    (_, f) => f,
                };
                self.qual_fc = Fc::None;
                self.call_as(fc, t.has(ADJ))
            }
            Tk::Word | Tk::Ident => {
                if t.has(QUAL) {
                    if matches!(t.fc, Fc::Time | Fc::Error | Fc::Danger) {
                        self.qual_fc = t.fc;
                    }
                    self.qual_pending = true;
                    return true;
                }
                self.qual_fc = Fc::None;
                self.operand_done(Prev::Name);
                true
            }
            Tk::Op(Op::Star) => {
                self.operand_done(Prev::Other);
                true
            }
            _ => false,
        }
    }

    /// An operand begins in the current frame: the first argument of a call records its kind.
    fn first_arg(&mut self, numeric: bool) {
        let f = self.frame();
        if f.kind == FrameKind::Call && f.args == 0 && f.numeric.is_none() {
            f.numeric = Some(numeric);
        }
    }

    /// Marks the current select list's item kinds.
    fn item(&mut self, marker: bool, num: bool) {
        if marker {
            self.sub_marker();
        }
        // the nearest open select list: `SELECT (user())` marks the list the parenthesis is in
        let Some(d) = (0..=self.depth)
            .rev()
            .find(|&d| self.frames[d].sel_open || d == 0)
        else {
            return;
        };
        let f = &mut self.frames[d];
        if f.sel_open {
            f.any = true;
            f.marker |= marker;
            f.num |= num;
            f.plain &= !marker;
            let upgrade = f.sel == SelKind::Union && (marker || num);
            let idx = f.sel_finding;
            if upgrade {
                self.upgrade(idx);
            }
        }
    }

    fn operand_done(&mut self, prev: Prev) {
        self.prev = prev;
        self.only_closers = false;
        self.st = St::After;
    }

    fn open(&mut self, kind: FrameKind, fc: Fc) -> bool {
        if self.depth + 1 >= MAX_DEPTH {
            return false;
        }
        let n = self.n;
        // a parenthesis right after OR/AND holds the condition: OR ('1'='1')
        let inner = match self.top().cond {
            Some(c) if kind == FrameKind::Paren && c.n == 0 && c.boolean => Some(Cond {
                seq: c.seq,
                toks: [CTok::Other; 4],
                n: 0,
                complex: false,
                nested: false,
                boolean: true,
                clause: false,
            }),
            _ if kind == FrameKind::Paren => Some(Cond {
                seq: n.saturating_sub(1),
                toks: [CTok::Other; 4],
                n: 0,
                complex: false,
                nested: false,
                boolean: false,
                clause: false,
            }),
            _ if kind == FrameKind::Call => None,
            _ => {
                self.cond_complex();
                None
            }
        };
        self.depth += 1;
        self.frames[self.depth] = Frame::new(kind);
        self.frames[self.depth].fc = fc;
        self.frames[self.depth].cond = inner;
        self.st = St::Operand;
        self.only_closers = false;
        true
    }

    /// `)`, `]`, `}`, `END`: closes the innermost frame of `kind`.
    fn close(&mut self, kind: FrameKind) -> bool {
        if self.depth == 0 {
            if kind != FrameKind::Paren {
                return false;
            }
            // a parenthesis of the application's query: ') OR ('1'='1
            self.closers += 1;
            self.cond_close(false);
            self.end_select(false);
            self.st = St::After;
            self.prev = Prev::Paren;
            return true;
        }
        let f = *self.top();
        let matches = f.kind == kind || (kind == FrameKind::Paren && f.kind == FrameKind::Call);
        if !matches {
            return false;
        }
        let inner = self.cond_close(false);
        self.end_select(false);
        if f.kind == FrameKind::Call {
            self.call_done(&f);
        }
        self.depth -= 1;
        // ('x') reads as 'x'; a call was pushed when it began
        match inner {
            Some(c) if !c.complex && c.n == 1 && matches!(c.toks[0], CTok::Lit(..)) => {
                self.cond_push(c.toks[0]);
            }
            _ if f.kind == FrameKind::Call => {}
            _ => self.cond_complex(),
        }
        self.st = St::After;
        self.prev = Prev::Paren;
        self.only_closers = false;
        true
    }

    /// A call's first argument is complete (or the call took none).
    fn call_done(&mut self, f: &Frame) {
        if f.args > 0 {
            return;
        }
        let (reason, level, need) = match f.fc {
            // `sleep(5)`, `benchmark(1000000, md5(1))`; not `this benchmark (names, …)`
            Fc::Time if f.fresh || f.numeric != Some(false) => {
                (Reason::TimeFunction, Level::Low, Need::Nothing)
            }
            Fc::Time => (Reason::TimeFunction, Level::High, Need::Nothing),
            Fc::Error => (Reason::ErrorFunction, Level::Low, Need::Nothing),
            Fc::Danger => (Reason::DangerousFunction, Level::Low, Need::Nothing),
            Fc::Info => {
                let level = if self.anchor == Anchor::Quote {
                    Level::Low
                } else {
                    Level::High
                };
                (Reason::InfoFunction, level, Need::Clean)
            }
            // '||myapp.adduser('admin')||': a call right after the quote
            _ if self.anchor == Anchor::Quote => (Reason::FunctionCall, Level::Low, Need::Clean),
            Fc::Common => (Reason::FunctionCall, Level::High, Need::Nothing),
            _ => return,
        };
        self.find(reason, level, need, f.seq);
    }

    fn after(&mut self, t: &Token, span: Span) -> bool {
        match t.tk {
            Tk::Op(op) => self.after_op(op),
            Tk::Word => self.after_word(t),
            Tk::Str => {
                // 'a' 'b' is one string in MySQL; an alias in a select list
                if self.prev == Prev::Str || self.prev == Prev::Closure {
                    self.prev = Prev::Str;
                    return true;
                }
                self.alias_here()
            }
            // array[id]: the lexer reads `[id]` as a SQL Server name
            Tk::Ident if self.input.get(t.start as usize) == Some(&b'[') => true,
            Tk::Ident => self.alias_here(),
            Tk::Comma => {
                self.cond_close(false);
                let f = self.frame();
                if f.kind == FrameKind::Call {
                    if f.args == 0 {
                        let f = *f;
                        self.call_done(&f);
                    }
                    self.frame().args = self.frame().args.saturating_add(1);
                }
                let f = self.frame();
                f.items = f.items.saturating_add(1);
                f.aliased = false;
                self.st = St::Operand;
                true
            }
            Tk::RParen => self.close(FrameKind::Paren),
            Tk::RBracket => self.close(FrameKind::Bracket),
            Tk::RBrace => {
                let ok = self.close(FrameKind::Brace);
                if ok && let Some(seq) = self.odbc.take() {
                    // {if length((select …))>0}: MySQL's ODBC syntax, hiding an expression
                    let level = if self.first_num || self.leading || self.anchor == Anchor::Quote {
                        Level::Low
                    } else {
                        Level::High
                    };
                    self.find(Reason::Statement, level, Need::NoError, seq);
                }
                ok
            }
            Tk::LBracket => {
                self.cond_complex();
                self.open(FrameKind::Bracket, Fc::None)
            }
            Tk::Dot => {
                self.st = St::QualName;
                true
            }
            Tk::Semi => {
                self.cond_close(false);
                self.end_select(false);
                if self.depth > 0 {
                    return false;
                }
                // the statement ended: databases run it whatever follows
                self.settle();
                self.stmt_strong = self.prev.strong()
                    || matches!(self.anchor, Anchor::Quote | Anchor::LaterQuote)
                    || (self.leading && self.n == 1);
                self.st = St::StmtStart;
                self.stmt_seq = self.n - 1;
                true
            }
            Tk::Comment => self.comment(span),
            _ => false,
        }
    }

    fn after_op(&mut self, op: Op) -> bool {
        match op {
            Op::OrOr | Op::AndAnd => self.boolean(),
            Op::Eq => {
                self.cond_push(CTok::Eq);
                self.st = St::Operand;
                true
            }
            // binary `~` is PostgreSQL's regular expression match
            Op::Cmp | Op::JsonTest | Op::Tilde => {
                self.cond_push(CTok::Cmp);
                self.st = St::Operand;
                true
            }
            Op::Cast => {
                self.cast_seq = self.n - 1;
                self.st = St::CastType;
                true
            }
            _ => {
                self.cond_push(CTok::Other);
                self.st = St::Operand;
                true
            }
        }
    }

    /// `OR`, `AND`, `XOR`, `||`, `&&`: a new condition begins.
    fn boolean(&mut self) -> bool {
        if self.top().between {
            self.frame().between = false;
            self.st = St::Operand;
            return true;
        }
        self.cond_close(false);
        self.frame().cond = Some(Cond {
            seq: self.n - 1,
            toks: [CTok::Other; 4],
            n: 0,
            complex: false,
            nested: false,
            boolean: true,
            clause: false,
        });
        self.st = St::Operand;
        true
    }

    fn after_word(&mut self, t: &Token) -> bool {
        match t.kw {
            Kw::And | Kw::Or | Kw::Xor => return self.boolean(),
            Kw::Div | Kw::Mod | Kw::Escape => {
                self.cond_push(CTok::Other);
                self.st = St::Operand;
                return true;
            }
            Kw::Like => {
                self.cond_push(CTok::Eq);
                self.st = St::Operand;
                return true;
            }
            Kw::Sounds => {
                self.st = St::Expect(Kw::Like);
                return true;
            }
            Kw::Similar => {
                self.st = St::Expect(Kw::To);
                return true;
            }
            Kw::Is => {
                self.cond_push(CTok::Cmp);
                self.st = St::Is;
                return true;
            }
            Kw::NotNull if !t.has(CALL) => {
                self.cond_push(CTok::Cmp);
                return true;
            }
            Kw::Not => {
                self.st = St::AfterNot;
                return true;
            }
            Kw::Between => {
                self.cond_push(CTok::Cmp);
                self.frame().between = true;
                self.st = St::Operand;
                return true;
            }
            Kw::In => {
                self.cond_push(CTok::Cmp);
                self.st = St::In;
                return true;
            }
            Kw::Collate => {
                self.st = St::Alias;
                return true;
            }
            Kw::As => {
                self.st = St::Alias;
                self.frame().aliased = true;
                self.as_after = matches!(self.prev, Prev::Paren | Prev::Num) && self.depth == 0;
                return true;
            }
            Kw::Asc | Kw::Desc => return true,
            Kw::Union | Kw::Minus => return self.union(),
            Kw::From => {
                let f = *self.top();
                if f.kind == FrameKind::Call {
                    // SUBSTRING(x FROM 1), TRIM(BOTH 'x' FROM y), EXTRACT(YEAR FROM d)
                    self.st = St::Operand;
                    return true;
                }
                self.cond_close(false);
                if !self.top().sel_open && self.depth == 0 && self.quoted_alias {
                    // `1234 AS "foobar" FROM`, `` ` AS `id` from ``: a select list's tail
                    self.find(Reason::Statement, Level::Low, Need::NoError, self.n - 1);
                } else if !self.top().sel_open && self.as_after {
                    // `) AS t FROM`
                    self.find(Reason::Statement, Level::High, Need::NoError, self.n - 1);
                }
                self.end_select(true);
                self.st = St::Table;
                return true;
            }
            Kw::Where | Kw::Having | Kw::On => {
                if t.kw == Kw::Having {
                    self.clauses = self.clauses.saturating_add(1);
                }
                self.end_select(false);
                self.boolean();
                if let Some(c) = self.frame().cond.as_mut() {
                    c.clause = t.kw == Kw::Where;
                }
                return true;
            }
            Kw::Group | Kw::Order => {
                self.clauses = self.clauses.saturating_add(1);
                self.cond_close(false);
                self.end_select(false);
                // ORDER BY after the value: probing the number of columns
                let probe = (self.anchor == Anchor::Quote && self.prev == Prev::Closure)
                    || self.prev == Prev::Num
                    || (self.prev == Prev::Paren && self.closers > 0)
                    || (self.leading && self.n == 1);
                // ORDER BY 1, GROUP BY CONCAT(…): a column number or a call after the value
                self.order_probe = (self.depth == 0 && probe).then_some(self.n - 1);
                self.st = St::By;
                return true;
            }
            Kw::Limit | Kw::Offset | Kw::Fetch => {
                self.clauses = self.clauses.saturating_add(1);
                self.cond_close(false);
                self.end_select(false);
                self.st = St::Limit;
                return true;
            }
            Kw::Into => {
                self.cond_close(false);
                self.end_select(false);
                self.st = St::Into;
                return true;
            }
            Kw::Procedure => {
                self.cond_close(false);
                self.st = St::Procedure;
                return true;
            }
            Kw::For => {
                // FOR UPDATE, FOR XML PATH, FOR JSON
                self.st = St::Alias;
                return true;
            }
            Kw::Then | Kw::Else | Kw::When if self.top().kind == FrameKind::Case => {
                self.cond_close(false);
                self.st = St::Operand;
                return true;
            }
            Kw::End if self.top().kind == FrameKind::Case => return self.close(FrameKind::Case),
            Kw::Select => {
                // a SELECT straight after the closed string ('select …): SQL Server runs it
                if self.prev == Prev::Closure && self.n <= 2 {
                    self.stmt_strong = true;
                    return self.select(SelKind::Stacked);
                }
                return false;
            }
            _ => {}
        }
        if self.statement_keyword(t) && self.depth == 0 {
            // statements side by side: SQL Server runs `… WAITFOR DELAY '0:0:5'`
            self.cond_close(false);
            self.end_select(false);
            return self.begin_statement(t, SelKind::Stacked);
        }
        if t.has(CALL) {
            return false;
        }
        if is_name_like(t.kw) {
            return self.alias_here();
        }
        false
    }

    /// A name right after an operand: an alias, where aliases go.
    fn alias_here(&mut self) -> bool {
        let f = self.frame();
        if f.sel_open && !f.aliased {
            f.aliased = true;
            return true;
        }
        false
    }

    fn after_not(&mut self, t: &Token) -> bool {
        match t.kw {
            Kw::Like => {
                self.cond_push(CTok::Cmp);
                self.st = St::Operand;
                true
            }
            Kw::In => {
                self.cond_push(CTok::Cmp);
                self.st = St::In;
                true
            }
            Kw::Between => {
                self.cond_push(CTok::Cmp);
                self.frame().between = true;
                self.st = St::Operand;
                true
            }
            Kw::Similar => {
                self.st = St::Expect(Kw::To);
                true
            }
            Kw::Exists | Kw::Null => {
                self.st = St::After;
                true
            }
            _ => false,
        }
    }

    fn is(&mut self, t: &Token) -> bool {
        match t.kw {
            Kw::Not => true,
            Kw::Null | Kw::True | Kw::Unknown => {
                self.st = St::After;
                true
            }
            Kw::Distinct => {
                self.st = St::Expect(Kw::From);
                true
            }
            _ => false,
        }
    }

    fn cast_type(&mut self, t: &Token) -> bool {
        if !matches!(t.tk, Tk::Word) {
            return false;
        }
        let name = self.text(Span {
            start: t.start,
            end: t.end,
        });
        if let Some(numeric) = pg_type(name) {
            // PostgreSQL's cast: of a call or a literal (`unistr(password)::int`,
            // `'{"b":2}'::jsonb`), only SQL writes it; of a name at the very start
            // (`password::int`), a cast to a number fails with the value in the message
            let strong = matches!(self.prev, Prev::Paren | Prev::Closure | Prev::Str)
                || self.leading
                || self.anchor == Anchor::Quote
                || (numeric && self.anchor == Anchor::Start && self.n <= 3);
            let level = if strong { Level::Low } else { Level::High };
            self.find(
                Reason::TypeCast,
                level,
                Need::NoError,
                self.cast_seq.saturating_sub(1),
            );
        }
        if t.has(CALL) {
            // ::varchar(10)
            return self.call(t);
        }
        self.st = St::After;
        true
    }

    fn alias(&mut self, t: &Token) -> bool {
        match t.tk {
            Tk::Word if t.has(CALL) => self.call(t),
            Tk::Ident | Tk::Str => {
                self.quoted_alias = true;
                self.st = St::After;
                true
            }
            Tk::Word => {
                self.st = St::After;
                true
            }
            _ => false,
        }
    }

    fn limit(&mut self, t: &Token) -> bool {
        match t.tk {
            Tk::Num | Tk::Var => {
                self.operand_done(Prev::Num);
                true
            }
            Tk::Word if matches!(t.kw, Kw::All | Kw::Null) => {
                self.operand_done(Prev::Other);
                true
            }
            Tk::LParen => self.open(FrameKind::Paren, Fc::None),
            _ => false,
        }
    }

    fn into(&mut self, t: &Token) -> bool {
        match t.tk {
            Tk::Word if t.kw == Kw::Outfile => {
                self.st = St::IntoFile;
                true
            }
            Tk::Var => {
                self.st = St::After;
                true
            }
            Tk::Word | Tk::Ident => {
                self.st = St::AfterTable;
                true
            }
            _ => false,
        }
    }

    fn union(&mut self) -> bool {
        self.cond_close(false);
        self.end_select(false);
        self.st = St::AfterUnion;
        self.union_seq = self.n - 1;
        self.union_strong = self.prev.strong() || (self.anchor == Anchor::Start && self.n == 1);
        true
    }

    fn after_union(&mut self, t: &Token) -> bool {
        match t.tk {
            Tk::Word if matches!(t.kw, Kw::All | Kw::Distinct) => true,
            Tk::Word if t.kw == Kw::Select => self.select(SelKind::Union),
            Tk::Word if t.kw == Kw::Values => {
                let (level, need) = if self.union_strong {
                    (Level::Low, Need::Nothing)
                } else {
                    (Level::High, Need::NoError)
                };
                self.find(Reason::UnionSelect, level, need, self.union_seq);
                self.st = St::Operand;
                true
            }
            Tk::LParen => {
                if !self.open(FrameKind::Paren, Fc::None) {
                    return false;
                }
                self.st = St::AfterUnion;
                true
            }
            _ => false,
        }
    }

    /// `SELECT`: a select list opens at the current level.
    fn select(&mut self, kind: SelKind) -> bool {
        self.selected = true;
        let seq = self.n - 1;
        let finding = match kind {
            SelKind::Union => {
                let (level, need) = if self.union_strong {
                    (Level::Low, Need::Nothing)
                } else {
                    (Level::High, Need::NoError)
                };
                self.find(Reason::UnionSelect, level, need, self.union_seq)
            }
            _ => None,
        };
        let f = self.frame();
        f.sel = kind;
        f.sel_open = true;
        f.sel_seq = seq;
        f.sel_finding = finding;
        f.items = 0;
        f.marker = false;
        f.num = false;
        f.plain = true;
        f.aliased = false;
        f.any = false;
        if kind == SelKind::Sub {
            self.cond_complex();
            self.subquery = true;
        }
        self.st = St::Operand;
        true
    }

    /// The select list at the current level ends: at `FROM` (`from`), or at anything else;
    /// `clean` when the statement ends there (`;`, the end of the input, a comment).
    fn end_select(&mut self, from: bool) {
        self.end_select_at(self.depth, from);
    }

    fn end_select_at(&mut self, d: usize, from: bool) {
        let f = self.frames[d];
        if !f.sel_open {
            return;
        }
        self.frames[d].sel_open = false;
        let (reason, level, need) = match f.sel {
            SelKind::Union => {
                if f.marker || f.num || from {
                    self.upgrade(f.sel_finding);
                }
                return;
            }
            // a whole statement as the value: judged when the input ends
            SelKind::Start => {
                self.start_sel = Some((f.sel_seq, f.marker && !f.plain, from));
                return;
            }
            SelKind::Stacked if f.any && (f.marker || self.stmt_strong) => {
                let need = if self.stmt_strong {
                    Need::Nothing
                } else {
                    Need::NoError
                };
                (Reason::StackedQuery, Level::Low, need)
            }
            SelKind::Stacked if f.any => (Reason::StackedQuery, Level::High, Need::NoError),
            _ => return,
        };
        self.find(reason, level, need, f.sel_seq);
    }

    fn table(&mut self, t: &Token) -> bool {
        match t.tk {
            Tk::Word if t.has(CALL) && !is_structural(t.kw) => {
                // FROM unnest(…), FROM generate_series(…)
                if !self.call(t) {
                    return false;
                }
                true
            }
            Tk::Word if is_name_like(t.kw) || t.kw == Kw::Dual => {
                self.table_aliased = false;
                self.st = St::AfterTable;
                true
            }
            Tk::Ident => {
                self.table_aliased = false;
                self.st = St::AfterTable;
                true
            }
            Tk::LParen => self.open(FrameKind::Paren, Fc::None),
            Tk::Comment => self.comment(Span {
                start: t.start,
                end: t.end,
            }),
            _ => false,
        }
    }

    fn after_table(&mut self, t: &Token, span: Span) -> bool {
        match t.tk {
            Tk::Dot => {
                self.st = St::Table;
                true
            }
            Tk::Comma => {
                self.st = St::Table;
                true
            }
            Tk::Word => match t.kw {
                Kw::Join | Kw::JoinMod | Kw::Left => {
                    if t.kw == Kw::Join {
                        self.st = St::Table;
                    }
                    true
                }
                Kw::As => {
                    self.st = St::Alias;
                    true
                }
                Kw::None if !t.has(CALL) => {
                    // an alias, once
                    if self.table_aliased {
                        return false;
                    }
                    self.table_aliased = true;
                    true
                }
                _ => {
                    self.table_aliased = false;
                    self.st = St::After;
                    self.prev = Prev::Name;
                    self.after(t, span)
                }
            },
            _ => {
                self.table_aliased = false;
                self.st = St::After;
                self.prev = Prev::Name;
                self.after(t, span)
            }
        }
    }

    fn comment(&mut self, span: Span) -> bool {
        let can_end = matches!(
            self.st,
            St::After | St::AfterTable | St::StmtStart | St::Lenient
        );
        if !can_end || self.depth > self.closers as usize {
            return false;
        }
        self.cond_close_all(true);
        for d in (0..=self.depth).rev() {
            self.end_select_at(d, false);
        }
        self.judge_start_select();
        if matches!(self.anchor, Anchor::Quote | Anchor::LaterQuote) {
            // `admin'--`; but not `"--force"` (a `--` glued to a word is an option, and MySQL
            // does not read it as a comment), nor `'value' -- prose` at a later quote
            let text = self.text(span);
            let glued = text.starts_with(b"--") && text.get(2).is_some_and(u8::is_ascii_alphabetic);
            // after more than `)`: SQL must show in it (a keyword, a call; a comparison after
            // the first quote), not a glob's `/*` or a shell's `> file # note`
            let block = text.starts_with(b"/*");
            let sql =
                self.keyword_seen || (self.anchor == Anchor::Quote && (self.cmp_seen || !block));
            let level = match (self.anchor, self.only_closers) {
                (Anchor::Quote, true) if !glued => Some(Level::Low),
                (_, false) if sql => Some(Level::Low),
                _ => None,
            };
            if let Some(level) = level {
                self.find(Reason::CommentTruncation, level, Need::Clean, 0);
            }
        }
        self.ended_clean = true;
        self.ended_ok = true;
        self.st = St::Done;
        true
    }

    /// `(SELECT CHAR(113)…`, `(SELECT COUNT(*)…`: a subquery whose first item only SQL writes.
    fn sub_marker(&mut self) {
        let d = self.depth;
        let f = self.frames[d];
        if f.sel_open && f.sel == SelKind::Sub && !f.any && f.sel_finding.is_none() {
            let idx = self.find(Reason::Statement, Level::Low, Need::Nothing, f.sel_seq);
            self.frames[d].sel_finding = idx.or(Some(u8::MAX));
        }
    }

    /// The statement ended well: findings that waited for a clean end have it.
    fn settle(&mut self) {
        for f in self.findings[..self.nfind].iter_mut().flatten() {
            if f.need == Need::Clean {
                f.need = Need::Nothing;
            }
        }
    }

    /// A statement at the start of the input, judged once the input ended.
    fn judge_start_select(&mut self) {
        let Some((seq, marker, from)) = self.start_sel.take() else {
            return;
        };
        // SELECT @@version; SELECT * FROM users; SELECT x GROUP BY y HAVING …;
        // SELECT/**/password/**/FROM/**/Members
        let sql = marker
            || self.subquery
            || self.clauses >= 2
            || (from && (self.clauses >= 1 || self.commented));
        if sql {
            self.find(Reason::Statement, Level::Low, Need::NoError, seq);
        }
    }

    /// The run stopped at a token: what it found so far stands, except what needed it to end.
    pub(crate) fn stopped(&mut self) {
        self.ended_clean = false;
        self.ended_ok = false;
        // stopped inside a call only attacks make (`utl_inaddr.get_host_address((SELECT …`):
        // it stands; not for `sleep(`, which prose writes ("sleep(8 hours)")
        for d in 1..=self.depth {
            let f = self.frames[d];
            let begun = d < self.depth || !matches!(self.last_tk, Tk::LParen);
            let attack = match f.fc {
                Fc::Danger => true,
                Fc::Error => f.fresh,
                _ => false,
            };
            if f.kind == FrameKind::Call && attack && begun {
                let reason = if f.fc == Fc::Danger {
                    Reason::DangerousFunction
                } else {
                    Reason::ErrorFunction
                };
                self.find(reason, Level::Low, Need::Nothing, f.seq);
            }
        }
    }

    /// The input ended (or, in a quoted context, a string of the same quote began where the
    /// injection could end: an attribute or a JSON string closing around it).
    pub(crate) fn finish(&mut self) {
        match self.st {
            St::Done => return,
            St::Stmt(Stmt::Drop(2)) => self.statement_ok(Shape::Medium),
            St::Stmt(Stmt::Delete(2) | Stmt::Shutdown | Stmt::Create(2)) => {
                self.statement_ok(Shape::Weak);
            }
            St::Stmt(Stmt::Truncate(3)) => self.statement_ok(Shape::Medium),
            _ => {}
        }
        // parentheses left open may be the application's to close: (id = <input>)
        let open_parens = self.frames[1..=self.depth]
            .iter()
            .all(|f| f.kind == FrameKind::Paren);
        let can_end = matches!(
            self.st,
            St::After | St::AfterTable | St::StmtStart | St::Lenient
        ) && (self.depth <= self.closers as usize || open_parens);
        if matches!(self.st, St::StmtStart) {
            self.quote_terminator();
        }
        let f = *self.top();
        if f.sel_open && f.sel == SelKind::Union && !f.any && matches!(self.st, St::Operand) {
            // `UNION SELECT` and nothing after it
            self.upgrade(f.sel_finding);
        }
        self.cond_close_all(false);
        for d in (0..=self.depth).rev() {
            self.end_select_at(d, false);
        }
        self.judge_start_select();
        // the input ends inside calls: cut payloads (`extractvalue(1,concat(…`)
        for d in 1..=self.depth {
            let f = self.frames[d];
            if f.kind != FrameKind::Call {
                continue;
            }
            // `extractvalue(`, `load_file(`: names only attacks call, the parenthesis touching
            let begun = d < self.depth
                || (!matches!(self.st, St::CallOpen) && !matches!(self.last_tk, Tk::LParen))
                || f.fresh;
            let (reason, level) = match f.fc {
                Fc::Time if begun => (Reason::TimeFunction, Level::Low),
                Fc::Error if begun => (Reason::ErrorFunction, Level::Low),
                Fc::Danger if begun => (Reason::DangerousFunction, Level::Low),
                Fc::Time | Fc::Error | Fc::Danger | Fc::Info | Fc::Common | Fc::Ambiguous => {
                    (Reason::FunctionCall, Level::High)
                }
                _ => continue,
            };
            self.find(reason, level, Need::Nothing, f.seq);
        }
        // `{if length((select …` cut before its `}`
        if let Some(seq) = self.odbc.take() {
            let level = if self.first_num || self.leading || self.anchor == Anchor::Quote {
                Level::Low
            } else {
                Level::High
            };
            self.find(Reason::Statement, level, Need::NoError, seq);
        }
        // `;update users`, `;drop`: a statement begun after `;`
        if matches!(self.st, St::Stmt(_)) && self.after_semi {
            self.find(
                Reason::StackedQuery,
                Level::High,
                Need::Nothing,
                self.stmt_seq,
            );
        }
        self.ended_clean = can_end;
        self.ended_ok = true;
    }
}
