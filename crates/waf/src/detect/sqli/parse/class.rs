//! Word classes the grammar asks about, and the literals it knows.

use super::*;

pub(super) fn is_unary(op: Op) -> bool {
    matches!(op, Op::Minus | Op::Plus | Op::Tilde | Op::Bang)
}

/// Words that go on from an operand the application wrote.
pub(super) fn is_continuation(kw: Kw) -> bool {
    matches!(
        kw,
        Kw::And
            | Kw::Or
            | Kw::Xor
            | Kw::Union
            | Kw::Order
            | Kw::Group
            | Kw::Having
            | Kw::Limit
            | Kw::Into
            | Kw::Procedure
            | Kw::Like
            | Kw::Is
            | Kw::In
            | Kw::Between
            | Kw::Waitfor
            | Kw::Where
            | Kw::From
            | Kw::NotNull
            | Kw::Collate
    )
}

/// Keywords that never name a column or a function.
pub(super) fn is_structural(kw: Kw) -> bool {
    matches!(
        kw,
        Kw::Select
            | Kw::From
            | Kw::Where
            | Kw::And
            | Kw::Or
            | Kw::Xor
            | Kw::Not
            | Kw::In
            | Kw::Exists
            | Kw::Any
            | Kw::All
            | Kw::Union
            | Kw::On
            | Kw::Using
            | Kw::As
            | Kw::When
            | Kw::Then
            | Kw::Else
            | Kw::Case
            | Kw::Is
            | Kw::Like
            | Kw::Between
            | Kw::Having
            | Kw::By
            | Kw::Into
            | Kw::Join
            | Kw::Limit
            | Kw::Group
            | Kw::Order
            | Kw::Distinct
    )
}

/// Words that can be a name (column, table, alias) where an operand goes.
pub(super) fn is_name_like(kw: Kw) -> bool {
    matches!(
        kw,
        Kw::None
            | Kw::Left
            | Kw::Replace
            | Kw::If
            | Kw::Insert
            | Kw::Time
            | Kw::Delay
            | Kw::User
            | Kw::Object
            | Kw::Objects
            | Kw::Data
            | Kw::Column
            | Kw::Identified
            | Kw::Temporary
            | Kw::Infile
            | Kw::Local
            | Kw::Immediate
            | Kw::Nowait
            | Kw::Add
            | Kw::Program
            | Kw::Returns
            | Kw::Cascade
            | Kw::Xml
            | Kw::Open
            | Kw::Analyse
            | Kw::Analyze
            | Kw::Outfile
            | Kw::Top
            | Kw::Row
            | Kw::Array
            | Kw::Match
            | Kw::Against
            | Kw::Window
            | Kw::Returning
            | Kw::Backup
            | Kw::Begin
            | Kw::Print
            | Kw::Kill
            | Kw::Rename
            | Kw::Handler
            | Kw::Merge
            | Kw::With
            | Kw::Lock
            | Kw::Flush
            | Kw::Describe
            | Kw::Use
            | Kw::Show
            | Kw::Call
            | Kw::Copy
            | Kw::Load
            | Kw::Grant
            | Kw::Prepare
            | Kw::Deallocate
            | Kw::Reconfigure
            | Kw::Dbcc
            | Kw::JoinMod
            | Kw::To
            | Kw::Values
    )
}

pub(super) fn is_mongo_operator(name: &[u8]) -> bool {
    const OPS: &[&[u8]] = &[
        b"ne",
        b"eq",
        b"gt",
        b"gte",
        b"lt",
        b"lte",
        b"in",
        b"nin",
        b"regex",
        b"where",
        b"exists",
        b"not",
        b"nor",
        b"or",
        b"and",
        b"elemmatch",
        b"text",
        b"expr",
        b"type",
        b"size",
        b"all",
        b"mod",
        b"jsonschema",
    ];
    OPS.iter().any(|op| op.eq_ignore_ascii_case(name))
}

/// A PostgreSQL type name an injection casts to: `Some(true)` for the numeric and boolean
/// ones, whose casts fail with the value in the error.
pub(super) fn pg_type(name: &[u8]) -> Option<bool> {
    const NUMERIC: &[&[u8]] = &[
        b"int",
        b"int2",
        b"int4",
        b"int8",
        b"integer",
        b"bigint",
        b"smallint",
        b"numeric",
        b"decimal",
        b"real",
        b"float",
        b"float4",
        b"float8",
        b"double",
        b"bool",
        b"boolean",
        b"regclass",
        b"oid",
    ];
    const OTHER: &[&[u8]] = &[
        b"text",
        b"varchar",
        b"char",
        b"json",
        b"jsonb",
        b"bytea",
        b"xml",
        b"inet",
        b"uuid",
        b"money",
        b"date",
        b"timestamp",
    ];
    if NUMERIC.iter().any(|t| t.eq_ignore_ascii_case(name)) {
        Some(true)
    } else if OTHER.iter().any(|t| t.eq_ignore_ascii_case(name)) {
        Some(false)
    } else {
        None
    }
}

/// Numbers that probe integer and float overflows.
pub(crate) fn is_overflow_literal(text: &[u8]) -> bool {
    const LITERALS: &[&[u8]] = &[
        b"2147483647",
        b"2147483648",
        b"4294967295",
        b"4294967296",
        b"9223372036854775807",
        b"9223372036854775808",
        b"18446744073709551615",
        b"18446744073709551616",
        b"2.2250738585072011e-308",
        b"2.2250738585072012e-308",
    ];
    LITERALS.iter().any(|l| l.eq_ignore_ascii_case(text))
}

/// Qualifiers that name a system database: `mysql.user`, `master..sysdatabases`, `sys.objects`.
pub(super) fn is_system_qualifier(name: &[u8]) -> bool {
    [
        &b"mysql"[..],
        b"master",
        b"sys",
        b"msdb",
        b"tempdb",
        b"pg_catalog",
        b"information_schema",
    ]
    .iter()
    .any(|q| q.eq_ignore_ascii_case(name))
}
