//! Statements: at the start of the input, after `;`, or set right after an operand (SQL Server
//! runs `… WAITFOR DELAY '0:0:5'`). Each is checked over its first tokens for a shape only SQL
//! writes (`DROP TABLE x;`, `INSERT INTO x VALUES`, `EXEC xp_cmdshell`), then followed
//! leniently to its end.

use super::*;

impl Run<'_> {
    pub(super) fn stmt_start(&mut self, t: &Token, span: Span) -> bool {
        match t.tk {
            Tk::Semi => true,
            Tk::Comment => {
                self.quote_terminator();
                self.ended_clean = true;
                self.ended_ok = true;
                self.st = St::Done;
                true
            }
            Tk::Word if self.statement_keyword(t) => {
                self.after_semi = true;
                self.begin_statement(t, SelKind::Stacked)
            }
            Tk::Word if t.has(CALL) && matches!(t.fc, Fc::Time | Fc::Danger | Fc::Error) => {
                self.st = St::Operand;
                self.operand(t, span)
            }
            _ => false,
        }
    }

    /// `';` with nothing after it: the quote closed and the statement ended.
    pub(super) fn quote_terminator(&mut self) {
        // only at the quote that closes the application's string: `println("Hello");` and
        // `'foo';'bar'` quote, they do not break out
        if self.anchor == Anchor::Quote && self.only_closers {
            self.find(Reason::QuoteTerminator, Level::Low, Need::Clean, 0);
        }
    }

    pub(super) fn statement_keyword(&self, t: &Token) -> bool {
        matches!(t.tk, Tk::Word)
            && (!t.has(CALL) || matches!(t.kw, Kw::Exec | Kw::Select))
            && t.kw.begins_statement()
    }

    pub(super) fn begin_statement(&mut self, t: &Token, kind: SelKind) -> bool {
        self.stmt_seq = self.n - 1;
        if kind == SelKind::Stacked && matches!(self.prev, Prev::Closure) {
            self.stmt_strong = true;
        }
        let s = match t.kw {
            Kw::Select => return self.select(kind),
            Kw::Insert | Kw::Replace => Stmt::Insert(0),
            Kw::Update => Stmt::Update(0),
            Kw::Delete => Stmt::Delete(0),
            Kw::Drop => Stmt::Drop(0),
            Kw::Create => Stmt::Create(0),
            Kw::Alter => Stmt::Alter(0),
            Kw::Truncate => Stmt::Truncate(0),
            Kw::Exec => Stmt::Exec,
            Kw::Declare => Stmt::Declare,
            Kw::Set => Stmt::Set(0),
            Kw::Shutdown => Stmt::Shutdown,
            Kw::Waitfor => Stmt::Waitfor(0),
            Kw::Grant => Stmt::Grant(0),
            Kw::Load => Stmt::Load(0),
            Kw::Show => Stmt::Show,
            Kw::Prepare => Stmt::Prepare(0),
            Kw::Copy => Stmt::Copy(0),
            _ => Stmt::Simple,
        };
        self.only_closers = false;
        self.st = St::Stmt(s);
        true
    }

    /// A statement checked out, with how much its shape alone says SQL.
    pub(super) fn statement_ok(&mut self, shape: Shape) {
        self.st = St::Lenient;
        let stacked = self.stmt_strong || self.prev.strong();
        let (level, need) = match (shape, stacked) {
            (Shape::Strong, true) => (Level::Low, Need::Nothing),
            (Shape::Strong, false) => (Level::Low, Need::NoError),
            (Shape::Medium, true) => (Level::Low, Need::NoError),
            (Shape::Medium, false) => (Level::High, Need::NoError),
            (Shape::Weak, true) => (Level::High, Need::NoError),
            (Shape::Weak, false) => return,
        };
        let reason = if self.prev == Prev::None && !self.stmt_strong {
            Reason::Statement
        } else {
            Reason::StackedQuery
        };
        self.find(reason, level, need, self.stmt_seq);
    }

    pub(super) fn stmt(&mut self, s: Stmt, t: &Token, span: Span) -> bool {
        let name = matches!(t.tk, Tk::Ident) || (matches!(t.tk, Tk::Word) && is_name_like(t.kw));
        let ends = matches!(t.tk, Tk::Semi | Tk::Comment | Tk::Comma);
        let next = |this: &mut Self, s: Stmt| {
            this.st = St::Stmt(s);
            true
        };
        match s {
            Stmt::Drop(0) => match t.kw {
                Kw::Object => next(self, Stmt::Drop(1)),
                _ => false,
            },
            Stmt::Drop(1) if t.kw == Kw::If => next(self, Stmt::Drop(1)),
            Stmt::Drop(1) if t.kw == Kw::Exists => next(self, Stmt::Drop(1)),
            Stmt::Drop(1) | Stmt::Drop(3) if name || matches!(t.tk, Tk::Dot) => {
                if t.has(QUAL) || matches!(t.tk, Tk::Dot) {
                    return next(self, Stmt::Drop(3));
                }
                next(self, Stmt::Drop(2))
            }
            Stmt::Drop(2) if ends || t.kw == Kw::Cascade => {
                self.statement_ok(Shape::Strong);
                self.lenient(t)
            }
            Stmt::Create(0) if matches!(t.kw, Kw::Or | Kw::Replace | Kw::Temporary) => {
                next(self, Stmt::Create(0))
            }
            Stmt::Create(0) if matches!(t.kw, Kw::Object | Kw::User) => next(self, Stmt::Create(1)),
            Stmt::Create(1) if t.kw == Kw::If || t.kw == Kw::Not || t.kw == Kw::Exists => {
                next(self, Stmt::Create(1))
            }
            Stmt::Create(1) if name || matches!(t.tk, Tk::Var) => next(self, Stmt::Create(2)),
            Stmt::Create(2) if matches!(t.tk, Tk::Dot) => next(self, Stmt::Create(1)),
            Stmt::Create(2)
                if matches!(t.tk, Tk::LParen | Tk::Str | Tk::Var)
                    || matches!(t.kw, Kw::As | Kw::Identified | Kw::Returns) =>
            {
                self.statement_ok(Shape::Strong);
                self.lenient(t)
            }
            Stmt::Create(2) if ends => {
                self.statement_ok(Shape::Weak);
                self.lenient(t)
            }
            Stmt::Alter(0) if matches!(t.kw, Kw::Object | Kw::User) => next(self, Stmt::Alter(1)),
            Stmt::Alter(1) if name => next(self, Stmt::Alter(2)),
            Stmt::Alter(2) if matches!(t.tk, Tk::Dot) => next(self, Stmt::Alter(1)),
            Stmt::Alter(2)
                if matches!(
                    t.kw,
                    Kw::Add
                        | Kw::Drop
                        | Kw::Set
                        | Kw::Rename
                        | Kw::Column
                        | Kw::Identified
                        | Kw::With
                ) || matches!(t.tk, Tk::Ident)
                    || name =>
            {
                self.statement_ok(Shape::Strong);
                true
            }
            Stmt::Truncate(0) if t.kw == Kw::Object => next(self, Stmt::Truncate(1)),
            Stmt::Truncate(0) if name => next(self, Stmt::Truncate(2)),
            Stmt::Truncate(1) if name => next(self, Stmt::Truncate(3)),
            Stmt::Truncate(2 | 3) if ends => {
                self.statement_ok(if s == Stmt::Truncate(3) {
                    Shape::Strong
                } else {
                    Shape::Weak
                });
                self.lenient(t)
            }
            Stmt::Insert(0) if t.kw == Kw::Into => next(self, Stmt::Insert(1)),
            Stmt::Insert(0) if name => next(self, Stmt::Insert(2)),
            Stmt::Insert(1) if name => next(self, Stmt::Insert(3)),
            Stmt::Insert(1 | 3) if matches!(t.tk, Tk::Dot) => next(self, Stmt::Insert(1)),
            Stmt::Insert(2 | 3) if matches!(t.tk, Tk::Dot) => {
                next(self, Stmt::Insert(if s == Stmt::Insert(2) { 0 } else { 1 }))
            }
            Stmt::Insert(3)
                if matches!(t.kw, Kw::Values | Kw::Select | Kw::Set)
                    || matches!(t.tk, Tk::LParen) =>
            {
                self.statement_ok(Shape::Strong);
                self.lenient(t)
            }
            // without INTO (MySQL allows it) the column list and VALUES must follow: "insert
            // coin (10c)" is no statement
            Stmt::Insert(2) if matches!(t.tk, Tk::LParen) => next(self, Stmt::Insert(4)),
            Stmt::Insert(4) if matches!(t.tk, Tk::RParen) => next(self, Stmt::Insert(5)),
            Stmt::Insert(4) if name || matches!(t.tk, Tk::Comma) => next(self, Stmt::Insert(4)),
            Stmt::Insert(2 | 5) if matches!(t.kw, Kw::Values | Kw::Select | Kw::Set) => {
                self.statement_ok(Shape::Strong);
                self.lenient(t)
            }
            Stmt::Update(0) if name => next(self, Stmt::Update(1)),
            Stmt::Update(1) if matches!(t.tk, Tk::Dot) => next(self, Stmt::Update(0)),
            Stmt::Update(1) if t.kw == Kw::Set => next(self, Stmt::Update(2)),
            Stmt::Update(2) if name => next(self, Stmt::Update(3)),
            Stmt::Update(3) if matches!(t.tk, Tk::Op(Op::Eq)) => {
                self.statement_ok(Shape::Strong);
                true
            }
            Stmt::Delete(0) if t.kw == Kw::From => next(self, Stmt::Delete(1)),
            Stmt::Delete(0) if name => next(self, Stmt::Delete(3)),
            Stmt::Delete(1) if name => next(self, Stmt::Delete(2)),
            Stmt::Delete(2 | 3) if matches!(t.tk, Tk::Dot) => next(self, Stmt::Delete(1)),
            Stmt::Delete(2 | 3) if t.kw == Kw::Where => {
                self.statement_ok(if s == Stmt::Delete(2) {
                    Shape::Strong
                } else {
                    Shape::Medium
                });
                true
            }
            Stmt::Delete(2) if ends => {
                // DELETE FROM users;-- : the `;` or the comment says SQL
                self.statement_ok(Shape::Strong);
                self.lenient(t)
            }
            // EXEC(@q), EXEC('…'): something inside; not `exec()` or a cut `exec (`
            Stmt::Exec if matches!(t.tk, Tk::LParen) => next(self, Stmt::ExecParen),
            Stmt::ExecParen if !matches!(t.tk, Tk::RParen | Tk::Comment) => {
                self.statement_ok(Shape::Strong);
                self.lenient(t)
            }
            Stmt::Exec => {
                let strong = match t.tk {
                    Tk::Var => true,
                    // a string that runs to the end is the application's text
                    Tk::Str => !t.has(OPEN),
                    Tk::Word if t.kw == Kw::Immediate => true,
                    Tk::Word if name => {
                        let text = self.text(span);
                        t.fc == Fc::Danger
                            || t.has(QUAL)
                            || (text.len() > 3
                                && (text[..3].eq_ignore_ascii_case(b"xp_")
                                    || text[..3].eq_ignore_ascii_case(b"sp_")))
                    }
                    _ => return false,
                };
                self.statement_ok(if strong { Shape::Strong } else { Shape::Weak });
                self.lenient(t)
            }
            Stmt::Declare if matches!(t.tk, Tk::Var) => {
                self.statement_ok(Shape::Strong);
                true
            }
            // SET @name: a lone `@` names nothing
            Stmt::Set(0) if matches!(t.tk, Tk::Var) && t.end - t.start > 1 => {
                next(self, Stmt::Set(2))
            }
            Stmt::Set(0) if name => next(self, Stmt::Set(1)),
            Stmt::Set(1 | 2) if matches!(t.tk, Tk::Op(Op::Eq | Op::Assign)) => {
                self.statement_ok(if s == Stmt::Set(2) {
                    Shape::Strong
                } else {
                    Shape::Weak
                });
                true
            }
            Stmt::Shutdown if ends || t.kw == Kw::With => {
                self.statement_ok(Shape::Medium);
                self.lenient(t)
            }
            Stmt::Waitfor(0) if matches!(t.kw, Kw::Delay | Kw::Time) => {
                next(self, Stmt::Waitfor(1))
            }
            Stmt::Waitfor(1) if matches!(t.tk, Tk::Str) || matches!(t.tk, Tk::Var) => {
                let seq = self.stmt_seq;
                self.find(Reason::TimeFunction, Level::Low, Need::Nothing, seq);
                self.st = St::After;
                self.prev = Prev::Str;
                true
            }
            Stmt::Grant(n) if (n < 6 && (name || grantable(t.kw))) || matches!(t.tk, Tk::Comma) => {
                next(self, Stmt::Grant(n.saturating_add(1)))
            }
            Stmt::Grant(n) if n > 0 && matches!(t.kw, Kw::To | Kw::On | Kw::From) => {
                self.statement_ok(Shape::Weak);
                true
            }
            Stmt::Load(0) if t.kw == Kw::Data => next(self, Stmt::Load(1)),
            Stmt::Load(0) if t.kw == Kw::Xml => {
                self.statement_ok(Shape::Strong);
                true
            }
            Stmt::Load(1) if t.kw == Kw::Local => next(self, Stmt::Load(1)),
            Stmt::Load(1) if t.kw == Kw::Infile => {
                self.statement_ok(Shape::Strong);
                true
            }
            Stmt::Show if t.kw == Kw::Objects => {
                self.statement_ok(Shape::Weak);
                true
            }
            Stmt::Prepare(0) if name => next(self, Stmt::Prepare(1)),
            Stmt::Prepare(1) if t.kw == Kw::From => {
                self.statement_ok(Shape::Strong);
                true
            }
            Stmt::Copy(n) if n > 0 && matches!(t.tk, Tk::Str) && self.copy_from => {
                // COPY t FROM '/etc/passwd'
                let seq = self.stmt_seq;
                self.find(Reason::DangerousFunction, Level::Low, Need::Nothing, seq);
                self.st = St::Lenient;
                true
            }
            Stmt::Copy(n) if n < 8 && t.kw != Kw::Program && !ends => {
                self.copy_from = matches!(t.kw, Kw::From | Kw::To);
                next(self, Stmt::Copy(n + 1))
            }
            Stmt::Copy(_) if t.kw == Kw::Program => {
                let seq = self.stmt_seq;
                self.find(Reason::DangerousFunction, Level::Low, Need::Nothing, seq);
                self.st = St::Lenient;
                true
            }
            Stmt::Simple if name || matches!(t.tk, Tk::Num | Tk::Str) => {
                self.statement_ok(Shape::Weak);
                true
            }
            // `;analyze--`, `;commit;`
            Stmt::Simple if ends => {
                self.statement_ok(Shape::Weak);
                self.lenient(t)
            }
            _ => false,
        }
    }

    /// After a statement that checked out: follow calls and statements, accept the rest.
    pub(super) fn lenient(&mut self, t: &Token) -> bool {
        if let Some((fc, seq, stage)) = self.lenient_call.take() {
            match (stage, t.tk) {
                (0, Tk::LParen) => self.lenient_call = Some((fc, seq, 1)),
                (1, Tk::RParen) | (0, _) => {}
                (1, _) => {
                    let reason = match fc {
                        Fc::Time => Reason::TimeFunction,
                        Fc::Error => Reason::ErrorFunction,
                        _ => Reason::DangerousFunction,
                    };
                    self.find(reason, Level::Low, Need::Nothing, seq);
                }
                _ => {}
            }
        }
        match t.tk {
            Tk::Semi => {
                self.st = St::StmtStart;
                self.stmt_strong = true;
                self.stmt_seq = self.n - 1;
            }
            Tk::Comment => {
                self.ended_clean = true;
                self.ended_ok = true;
                self.st = St::Done;
            }
            Tk::Word if t.has(CALL) && matches!(t.fc, Fc::Time | Fc::Error | Fc::Danger) => {
                self.lenient_call = Some((t.fc, self.n - 1, 0));
            }
            _ => {}
        }
        true
    }
}

fn grantable(kw: Kw) -> bool {
    matches!(
        kw,
        Kw::All
            | Kw::Select
            | Kw::Insert
            | Kw::Update
            | Kw::Delete
            | Kw::Exec
            | Kw::Object
            | Kw::Alter
            | Kw::Create
            | Kw::Drop
    )
}
