//! The words a SQL injection is made of: keywords with their grammatical role, and functions,
//! procedures and schema names with the kind of attack they serve.
//!
//! One table, sorted by the lowercase word, looked up by binary search.

/// What a word does in the grammar, when it does anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kw {
    /// An ordinary name (column, table, function).
    None,
    Add,
    Against,
    All,
    Alter,
    Analyse,
    Analyze,
    And,
    Any,
    Array,
    As,
    Asc,
    Backup,
    Begin,
    Between,
    Binary,
    By,
    Call,
    Cascade,
    Case,
    Collate,
    Column,
    Copy,
    Create,
    Data,
    Dbcc,
    Deallocate,
    Declare,
    Delay,
    Delete,
    Desc,
    Describe,
    Distinct,
    Div,
    Drop,
    Dual,
    Else,
    End,
    Escape,
    Exec,
    Exists,
    Fetch,
    Flush,
    For,
    From,
    Grant,
    Group,
    Handler,
    Having,
    Identified,
    If,
    Immediate,
    In,
    Infile,
    Insert,
    Interval,
    Into,
    Is,
    Join,
    JoinMod,
    Kill,
    Left,
    Like,
    Limit,
    Load,
    Local,
    Lock,
    Match,
    Merge,
    Minus,
    Mod,
    /// A function that needs no parentheses: `CURRENT_USER`, `CURRENT_DATE`, …
    Niladic,
    Not,
    NotNull,
    Nowait,
    Null,
    /// The kind of object a DDL statement names: `TABLE`, `DATABASE`, `USER`, …
    Object,
    /// What `SHOW` lists: `TABLES`, `DATABASES`, …
    Objects,
    Offset,
    On,
    Open,
    Or,
    Order,
    Outfile,
    Prepare,
    Print,
    Procedure,
    Program,
    Reconfigure,
    Rename,
    Replace,
    Returning,
    Returns,
    Row,
    Select,
    Set,
    Show,
    Shutdown,
    Similar,
    Sounds,
    Temporary,
    Then,
    Time,
    To,
    Top,
    /// `TRUE` and `FALSE`.
    True,
    Truncate,
    Union,
    Unknown,
    Update,
    Use,
    User,
    Using,
    Values,
    Waitfor,
    When,
    Where,
    Window,
    With,
    Xml,
    Xor,
}

impl Kw {
    /// Keywords that begin a statement of their own (`SELECT …`, `DROP …`, `EXEC …`).
    pub(crate) fn begins_statement(self) -> bool {
        matches!(
            self,
            Kw::Select
                | Kw::Insert
                | Kw::Replace
                | Kw::Update
                | Kw::Delete
                | Kw::Drop
                | Kw::Create
                | Kw::Alter
                | Kw::Truncate
                | Kw::Exec
                | Kw::Declare
                | Kw::Set
                | Kw::Shutdown
                | Kw::Waitfor
                | Kw::Grant
                | Kw::Load
                | Kw::Show
                | Kw::Prepare
                | Kw::Copy
                | Kw::Call
                | Kw::Use
                | Kw::Describe
                | Kw::Kill
                | Kw::Dbcc
                | Kw::Deallocate
                | Kw::Reconfigure
                | Kw::Handler
                | Kw::Analyze
        )
    }
}

/// What calling (or naming) a function serves in an attack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fc {
    /// Not a function we know.
    None,
    /// Delays the response: time-based blind injection.
    Time,
    /// Puts query results into an error message: error-based injection.
    Error,
    /// Reads or writes files, runs commands, reaches the network.
    Danger,
    /// Tells the attacker about the database: version, user, schema.
    Info,
    /// A common SQL function.
    Common,
    /// A SQL function whose name prose and other languages use too: `max(`, `sin(`, `if (`.
    Ambiguous,
    /// A system catalog: `information_schema`, `sysobjects`, `pg_catalog`, …
    Schema,
}

/// The grammatical role and the function class of `lower`, a lowercase ASCII word.
pub(crate) fn lookup(lower: &[u8]) -> (Kw, Fc) {
    if lower.len() > MAX_WORD {
        return (Kw::None, Fc::None);
    }
    let mut slot = hash(lower) & (SLOTS - 1);
    loop {
        let entry = usize::from(TABLE[slot]);
        let Some(&(word, kw, fc)) = entry.checked_sub(1).and_then(|i| WORDS.get(i)) else {
            return (Kw::None, Fc::None);
        };
        if word.as_bytes() == lower {
            return (kw, fc);
        }
        slot = (slot + 1) & (SLOTS - 1);
    }
}

/// Like [`lookup`], for a word of any case whose [`hash_step`] hash over its lowercase bytes
/// is `hash`.
pub(crate) fn lookup_hashed(word: &[u8], hash: u32) -> (Kw, Fc) {
    if word.len() > MAX_WORD {
        return (Kw::None, Fc::None);
    }
    let mut slot = hash as usize & (SLOTS - 1);
    loop {
        let entry = usize::from(TABLE[slot]);
        let Some(&(w, kw, fc)) = entry.checked_sub(1).and_then(|i| WORDS.get(i)) else {
            return (Kw::None, Fc::None);
        };
        if w.len() == word.len() && w.as_bytes().eq_ignore_ascii_case(word) {
            return (kw, fc);
        }
        slot = (slot + 1) & (SLOTS - 1);
    }
}

/// The hash of the empty word.
pub(crate) const HASH_START: u32 = 0x811c_9dc5;

/// One byte (lowercase) more of a word's hash: FNV-1a.
#[inline]
pub(crate) const fn hash_step(h: u32, b: u8) -> u32 {
    (h ^ b as u32).wrapping_mul(0x0100_0193)
}

/// The longest word in the table.
pub(crate) const MAX_WORD: usize = {
    let mut max = 0;
    let mut i = 0;
    while i < WORDS.len() {
        if WORDS[i].0.len() > max {
            max = WORDS[i].0.len();
        }
        i += 1;
    }
    max
};

/// Open addressing over [`WORDS`], built at compile time: an entry is an index into `WORDS`
/// plus one, 0 is empty. Four times as many slots as words keeps probes short.
const SLOTS: usize = 4096;

const fn hash(w: &[u8]) -> usize {
    let mut h = HASH_START;
    let mut i = 0;
    while i < w.len() {
        h = hash_step(h, w[i]);
        i += 1;
    }
    h as usize
}

static TABLE: [u16; SLOTS] = {
    let mut table = [0u16; SLOTS];
    let mut i = 0;
    while i < WORDS.len() {
        let mut slot = hash(WORDS[i].0.as_bytes()) & (SLOTS - 1);
        while table[slot] != 0 {
            slot = (slot + 1) & (SLOTS - 1);
        }
        table[slot] = (i + 1) as u16;
        i += 1;
    }
    table
};

/// Sorted by the word (a test checks it).
pub(crate) const WORDS: &[(&str, Kw, Fc)] = &[
    ("abs", Kw::None, Fc::Ambiguous),
    ("acos", Kw::None, Fc::Ambiguous),
    ("add", Kw::Add, Fc::None),
    ("adddate", Kw::None, Fc::Common),
    ("addtime", Kw::None, Fc::Common),
    ("aes_decrypt", Kw::None, Fc::Common),
    ("aes_encrypt", Kw::None, Fc::Common),
    ("against", Kw::Against, Fc::None),
    ("all", Kw::All, Fc::None),
    ("all_objects", Kw::None, Fc::Schema),
    ("all_tab_columns", Kw::None, Fc::Schema),
    ("all_tables", Kw::None, Fc::Schema),
    ("all_users", Kw::None, Fc::Schema),
    ("alter", Kw::Alter, Fc::None),
    ("analyse", Kw::Analyse, Fc::None),
    ("analyze", Kw::Analyze, Fc::None),
    ("and", Kw::And, Fc::None),
    ("any", Kw::Any, Fc::None),
    ("array", Kw::Array, Fc::None),
    ("array_agg", Kw::None, Fc::Common),
    ("as", Kw::As, Fc::None),
    ("asc", Kw::Asc, Fc::None),
    ("ascii", Kw::None, Fc::Common),
    ("asin", Kw::None, Fc::Ambiguous),
    ("atan", Kw::None, Fc::Ambiguous),
    ("avg", Kw::None, Fc::Ambiguous),
    ("backup", Kw::Backup, Fc::None),
    ("begin", Kw::Begin, Fc::None),
    ("benchmark", Kw::None, Fc::Time),
    ("between", Kw::Between, Fc::None),
    ("bin", Kw::None, Fc::Ambiguous),
    ("binary", Kw::Binary, Fc::None),
    ("binary_checksum", Kw::None, Fc::Common),
    ("bit_and", Kw::None, Fc::Common),
    ("bit_length", Kw::None, Fc::Common),
    ("bit_or", Kw::None, Fc::Common),
    ("bit_xor", Kw::None, Fc::Common),
    ("by", Kw::By, Fc::None),
    ("call", Kw::Call, Fc::None),
    ("cascade", Kw::Cascade, Fc::None),
    ("case", Kw::Case, Fc::None),
    ("cast", Kw::None, Fc::Ambiguous),
    ("ceil", Kw::None, Fc::Ambiguous),
    ("ceiling", Kw::None, Fc::Ambiguous),
    ("change", Kw::Add, Fc::None),
    ("char", Kw::None, Fc::Common),
    ("char_length", Kw::None, Fc::Common),
    ("character_length", Kw::None, Fc::Common),
    ("charindex", Kw::None, Fc::Common),
    ("charset", Kw::None, Fc::Ambiguous),
    ("checksum", Kw::None, Fc::Ambiguous),
    ("chr", Kw::None, Fc::Common),
    ("close", Kw::Open, Fc::None),
    ("coalesce", Kw::None, Fc::Common),
    ("coercibility", Kw::None, Fc::Common),
    ("collate", Kw::Collate, Fc::None),
    ("collation", Kw::None, Fc::Ambiguous),
    ("column", Kw::Column, Fc::None),
    ("columns", Kw::Objects, Fc::None),
    ("commit", Kw::Begin, Fc::None),
    ("compress", Kw::None, Fc::Ambiguous),
    ("concat", Kw::None, Fc::Common),
    ("concat_ws", Kw::None, Fc::Common),
    ("connection_id", Kw::None, Fc::Info),
    ("constraint", Kw::Object, Fc::None),
    ("conv", Kw::None, Fc::Ambiguous),
    ("convert", Kw::None, Fc::Ambiguous),
    ("convert_tz", Kw::None, Fc::Common),
    ("copy", Kw::Copy, Fc::None),
    ("cos", Kw::None, Fc::Ambiguous),
    ("cot", Kw::None, Fc::Ambiguous),
    ("count", Kw::None, Fc::Ambiguous),
    ("crc32", Kw::None, Fc::Ambiguous),
    ("create", Kw::Create, Fc::None),
    ("cross", Kw::JoinMod, Fc::None),
    ("crypt", Kw::None, Fc::Ambiguous),
    ("ctxsys", Kw::None, Fc::Danger),
    ("cume_dist", Kw::None, Fc::Common),
    ("curdate", Kw::None, Fc::Common),
    ("current_database", Kw::None, Fc::Info),
    ("current_date", Kw::Niladic, Fc::None),
    ("current_role", Kw::Niladic, Fc::None),
    ("current_schema", Kw::None, Fc::Info),
    ("current_setting", Kw::None, Fc::Info),
    ("current_time", Kw::Niladic, Fc::None),
    ("current_timestamp", Kw::Niladic, Fc::None),
    ("current_user", Kw::Niladic, Fc::Info),
    ("cursor_to_xml", Kw::None, Fc::Common),
    ("curtime", Kw::None, Fc::Common),
    ("data", Kw::Data, Fc::None),
    ("database", Kw::Object, Fc::Info),
    ("database_to_xml", Kw::None, Fc::Common),
    ("databases", Kw::Objects, Fc::None),
    ("datalength", Kw::None, Fc::Common),
    ("date", Kw::None, Fc::Ambiguous),
    ("date_add", Kw::None, Fc::Common),
    ("date_format", Kw::None, Fc::Common),
    ("date_sub", Kw::None, Fc::Common),
    ("dateadd", Kw::None, Fc::Common),
    ("datediff", Kw::None, Fc::Common),
    ("day", Kw::None, Fc::Ambiguous),
    ("dayname", Kw::None, Fc::Common),
    ("db_name", Kw::None, Fc::Info),
    ("dba_tables", Kw::None, Fc::Schema),
    ("dba_users", Kw::None, Fc::Schema),
    ("dbcc", Kw::Dbcc, Fc::None),
    ("dblink", Kw::None, Fc::Danger),
    ("dblink_connect", Kw::None, Fc::Danger),
    ("dblink_exec", Kw::None, Fc::Danger),
    ("dbms_java", Kw::None, Fc::Danger),
    ("dbms_lock", Kw::None, Fc::Danger),
    ("dbms_pipe", Kw::None, Fc::Danger),
    ("dbms_random", Kw::None, Fc::Common),
    ("dbms_scheduler", Kw::None, Fc::Danger),
    ("dbms_xmlgen", Kw::None, Fc::Error),
    ("deallocate", Kw::Deallocate, Fc::None),
    ("declare", Kw::Declare, Fc::None),
    ("decode", Kw::None, Fc::Ambiguous),
    ("delay", Kw::Delay, Fc::None),
    ("delete", Kw::Delete, Fc::None),
    ("dense_rank", Kw::None, Fc::Common),
    ("des_decrypt", Kw::None, Fc::Common),
    ("des_encrypt", Kw::None, Fc::Common),
    ("desc", Kw::Desc, Fc::None),
    ("describe", Kw::Describe, Fc::None),
    ("distinct", Kw::Distinct, Fc::None),
    ("distinctrow", Kw::Distinct, Fc::None),
    ("div", Kw::Div, Fc::Ambiguous),
    ("drithsx", Kw::None, Fc::Error),
    ("drop", Kw::Drop, Fc::None),
    ("dual", Kw::Dual, Fc::None),
    ("dumpfile", Kw::Outfile, Fc::None),
    ("else", Kw::Else, Fc::None),
    ("elt", Kw::None, Fc::Common),
    ("encode", Kw::None, Fc::Ambiguous),
    ("encrypt", Kw::None, Fc::Common),
    ("end", Kw::End, Fc::None),
    ("escape", Kw::Escape, Fc::None),
    ("event", Kw::Object, Fc::None),
    ("except", Kw::Union, Fc::None),
    ("exec", Kw::Exec, Fc::None),
    ("execute", Kw::Exec, Fc::None),
    ("exists", Kw::Exists, Fc::Ambiguous),
    ("exp", Kw::None, Fc::Ambiguous),
    ("explain", Kw::Describe, Fc::None),
    ("export_set", Kw::None, Fc::Common),
    ("extension", Kw::Object, Fc::None),
    ("extract", Kw::None, Fc::Ambiguous),
    ("extractvalue", Kw::None, Fc::Error),
    ("false", Kw::True, Fc::None),
    ("fetch", Kw::Fetch, Fc::None),
    ("field", Kw::None, Fc::Ambiguous),
    ("find_in_set", Kw::None, Fc::Common),
    ("first_value", Kw::None, Fc::Common),
    ("floor", Kw::None, Fc::Ambiguous),
    ("flush", Kw::Flush, Fc::None),
    ("for", Kw::For, Fc::None),
    ("format", Kw::None, Fc::Ambiguous),
    ("found_rows", Kw::None, Fc::Common),
    ("from", Kw::From, Fc::None),
    ("from_base64", Kw::None, Fc::Common),
    ("from_days", Kw::None, Fc::Common),
    ("from_unixtime", Kw::None, Fc::Common),
    ("full", Kw::JoinMod, Fc::None),
    ("function", Kw::Object, Fc::None),
    ("generate_series", Kw::None, Fc::Common),
    ("geometrycollection", Kw::None, Fc::Error),
    ("get_format", Kw::None, Fc::Common),
    ("get_host_address", Kw::None, Fc::Error),
    ("get_host_name", Kw::None, Fc::Error),
    ("get_lock", Kw::None, Fc::Time),
    ("getdate", Kw::None, Fc::Common),
    ("getmappingxpath", Kw::None, Fc::Error),
    ("glob", Kw::Like, Fc::None),
    ("grant", Kw::Grant, Fc::None),
    ("grants", Kw::Objects, Fc::None),
    ("greatest", Kw::None, Fc::Common),
    ("group", Kw::Group, Fc::None),
    ("group_concat", Kw::None, Fc::Common),
    ("gtid_subset", Kw::None, Fc::Error),
    ("gtid_subtract", Kw::None, Fc::Error),
    ("handler", Kw::Handler, Fc::None),
    ("has_dbaccess", Kw::None, Fc::Info),
    ("hashbytes", Kw::None, Fc::Common),
    ("having", Kw::Having, Fc::None),
    ("hex", Kw::None, Fc::Common),
    ("host_name", Kw::None, Fc::Info),
    ("hour", Kw::None, Fc::Ambiguous),
    ("httpuritype", Kw::None, Fc::Danger),
    ("identified", Kw::Identified, Fc::None),
    ("if", Kw::If, Fc::Ambiguous),
    ("ifnull", Kw::None, Fc::Common),
    ("iif", Kw::None, Fc::Common),
    ("ilike", Kw::Like, Fc::None),
    ("immediate", Kw::Immediate, Fc::None),
    ("in", Kw::In, Fc::None),
    ("index", Kw::Object, Fc::None),
    ("inet_aton", Kw::None, Fc::Common),
    ("inet_ntoa", Kw::None, Fc::Common),
    ("inet_server_addr", Kw::None, Fc::Info),
    ("infile", Kw::Infile, Fc::None),
    ("information_schema", Kw::None, Fc::Schema),
    ("initcap", Kw::None, Fc::Ambiguous),
    ("inner", Kw::JoinMod, Fc::None),
    ("insert", Kw::Insert, Fc::Ambiguous),
    ("instr", Kw::None, Fc::Common),
    ("intersect", Kw::Union, Fc::None),
    ("interval", Kw::Interval, Fc::Ambiguous),
    ("into", Kw::Into, Fc::None),
    ("is", Kw::Is, Fc::None),
    ("is_member", Kw::None, Fc::Info),
    ("is_srvrolemember", Kw::None, Fc::Info),
    ("isnull", Kw::NotNull, Fc::Common),
    ("join", Kw::Join, Fc::None),
    ("json", Kw::None, Fc::Ambiguous),
    ("json_agg", Kw::None, Fc::Common),
    ("json_array", Kw::None, Fc::Common),
    ("json_build_object", Kw::None, Fc::Common),
    ("json_extract", Kw::None, Fc::Common),
    ("json_keys", Kw::None, Fc::Common),
    ("json_object", Kw::None, Fc::Common),
    ("json_search", Kw::None, Fc::Common),
    ("json_valid", Kw::None, Fc::Common),
    ("jsonb_build_object", Kw::None, Fc::Common),
    ("jsonb_pretty", Kw::None, Fc::Common),
    ("kill", Kw::Kill, Fc::None),
    ("lag", Kw::None, Fc::Ambiguous),
    ("last_day", Kw::None, Fc::Common),
    ("last_insert_id", Kw::None, Fc::Info),
    ("last_value", Kw::None, Fc::Common),
    ("lcase", Kw::None, Fc::Common),
    ("lead", Kw::None, Fc::Ambiguous),
    ("least", Kw::None, Fc::Common),
    ("left", Kw::Left, Fc::Ambiguous),
    ("len", Kw::None, Fc::Ambiguous),
    ("length", Kw::None, Fc::Ambiguous),
    ("like", Kw::Like, Fc::None),
    ("likelihood", Kw::None, Fc::Common),
    ("likely", Kw::None, Fc::Common),
    ("limit", Kw::Limit, Fc::None),
    ("linestring", Kw::None, Fc::Error),
    ("listagg", Kw::None, Fc::Common),
    ("ln", Kw::None, Fc::Ambiguous),
    ("lo_export", Kw::None, Fc::Danger),
    ("lo_from_bytea", Kw::None, Fc::Danger),
    ("lo_get", Kw::None, Fc::Danger),
    ("lo_import", Kw::None, Fc::Danger),
    ("lo_put", Kw::None, Fc::Danger),
    ("load", Kw::Load, Fc::None),
    ("load_file", Kw::None, Fc::Danger),
    ("local", Kw::Local, Fc::None),
    ("localtime", Kw::Niladic, Fc::Common),
    ("localtimestamp", Kw::Niladic, Fc::None),
    ("locate", Kw::None, Fc::Common),
    ("lock", Kw::Lock, Fc::None),
    ("log", Kw::None, Fc::Ambiguous),
    ("log10", Kw::None, Fc::Ambiguous),
    ("log2", Kw::None, Fc::Ambiguous),
    ("login", Kw::Object, Fc::None),
    ("lower", Kw::None, Fc::Ambiguous),
    ("lpad", Kw::None, Fc::Common),
    ("ltrim", Kw::None, Fc::Common),
    ("make_set", Kw::None, Fc::Common),
    ("make_timestamp", Kw::None, Fc::Common),
    ("makedate", Kw::None, Fc::Common),
    ("maketime", Kw::None, Fc::Common),
    ("match", Kw::Match, Fc::None),
    ("max", Kw::None, Fc::Ambiguous),
    ("md4", Kw::None, Fc::Common),
    ("md5", Kw::None, Fc::Common),
    ("merge", Kw::Merge, Fc::None),
    ("microsecond", Kw::None, Fc::Common),
    ("mid", Kw::None, Fc::Common),
    ("min", Kw::None, Fc::Ambiguous),
    ("minus", Kw::Minus, Fc::None),
    ("minute", Kw::None, Fc::Ambiguous),
    ("mod", Kw::Mod, Fc::Ambiguous),
    ("modify", Kw::Add, Fc::None),
    ("month", Kw::None, Fc::Ambiguous),
    ("monthname", Kw::None, Fc::Common),
    ("msdb", Kw::None, Fc::Schema),
    ("msysaccessobjects", Kw::None, Fc::Schema),
    ("msysobjects", Kw::None, Fc::Schema),
    ("msysqueries", Kw::None, Fc::Schema),
    ("msysrelationships", Kw::None, Fc::Schema),
    ("multilinestring", Kw::None, Fc::Error),
    ("multipoint", Kw::None, Fc::Error),
    ("multipolygon", Kw::None, Fc::Error),
    ("name_const", Kw::None, Fc::Error),
    ("natural", Kw::JoinMod, Fc::None),
    ("nchar", Kw::None, Fc::Common),
    ("newid", Kw::None, Fc::Common),
    ("northwind", Kw::None, Fc::Schema),
    ("not", Kw::Not, Fc::None),
    ("notnull", Kw::NotNull, Fc::None),
    ("now", Kw::None, Fc::Ambiguous),
    ("nowait", Kw::Nowait, Fc::None),
    ("ntile", Kw::None, Fc::Common),
    ("null", Kw::Null, Fc::None),
    ("nullif", Kw::None, Fc::Common),
    ("nvarchar", Kw::None, Fc::Common),
    ("nvl", Kw::None, Fc::Common),
    ("nvl2", Kw::None, Fc::Common),
    ("object_id", Kw::None, Fc::Info),
    ("object_name", Kw::None, Fc::Info),
    ("oct", Kw::None, Fc::Ambiguous),
    ("octet_length", Kw::None, Fc::Common),
    ("offset", Kw::Offset, Fc::None),
    ("old_password", Kw::None, Fc::Common),
    ("on", Kw::On, Fc::None),
    ("open", Kw::Open, Fc::None),
    ("opendatasource", Kw::None, Fc::Danger),
    ("openquery", Kw::None, Fc::Danger),
    ("openrowset", Kw::None, Fc::Danger),
    ("optimize", Kw::Analyze, Fc::None),
    ("or", Kw::Or, Fc::None),
    ("ord", Kw::None, Fc::Common),
    ("order", Kw::Order, Fc::None),
    ("outer", Kw::JoinMod, Fc::None),
    ("outfile", Kw::Outfile, Fc::None),
    ("overlay", Kw::None, Fc::Common),
    ("password", Kw::None, Fc::Ambiguous),
    ("patindex", Kw::None, Fc::Common),
    ("percent_rank", Kw::None, Fc::Common),
    ("period_add", Kw::None, Fc::Common),
    ("period_diff", Kw::None, Fc::Common),
    ("pg_authid", Kw::None, Fc::Schema),
    ("pg_backend_pid", Kw::None, Fc::Info),
    ("pg_catalog", Kw::None, Fc::Schema),
    ("pg_class", Kw::None, Fc::Schema),
    ("pg_database", Kw::None, Fc::Schema),
    ("pg_ls_dir", Kw::None, Fc::Danger),
    ("pg_namespace", Kw::None, Fc::Schema),
    ("pg_read_binary_file", Kw::None, Fc::Danger),
    ("pg_read_file", Kw::None, Fc::Danger),
    ("pg_roles", Kw::None, Fc::Schema),
    ("pg_shadow", Kw::None, Fc::Schema),
    ("pg_sleep", Kw::None, Fc::Time),
    ("pg_sleep_for", Kw::None, Fc::Time),
    ("pg_sleep_until", Kw::None, Fc::Time),
    ("pg_stat_activity", Kw::None, Fc::Schema),
    ("pg_stat_file", Kw::None, Fc::Danger),
    ("pg_tables", Kw::None, Fc::Schema),
    ("pg_typeof", Kw::None, Fc::Common),
    ("pg_user", Kw::None, Fc::Schema),
    ("pi", Kw::None, Fc::Ambiguous),
    ("polygon", Kw::None, Fc::Error),
    ("position", Kw::None, Fc::Ambiguous),
    ("pow", Kw::None, Fc::Ambiguous),
    ("power", Kw::None, Fc::Ambiguous),
    ("prepare", Kw::Prepare, Fc::None),
    ("print", Kw::Print, Fc::None),
    ("printf", Kw::None, Fc::Ambiguous),
    ("privileges", Kw::Objects, Fc::None),
    ("procedure", Kw::Procedure, Fc::None),
    ("processlist", Kw::Objects, Fc::None),
    ("program", Kw::Program, Fc::None),
    ("purge", Kw::Cascade, Fc::None),
    ("quarter", Kw::None, Fc::Ambiguous),
    ("query_to_xml", Kw::None, Fc::Common),
    ("quote", Kw::None, Fc::Ambiguous),
    ("quotename", Kw::None, Fc::Common),
    ("rand", Kw::None, Fc::Ambiguous),
    ("random", Kw::None, Fc::Ambiguous),
    ("randomblob", Kw::None, Fc::Time),
    ("rank", Kw::None, Fc::Ambiguous),
    ("receive_message", Kw::None, Fc::Time),
    ("reconfigure", Kw::Reconfigure, Fc::None),
    ("regexp", Kw::Like, Fc::None),
    ("regexp_like", Kw::None, Fc::Common),
    ("regexp_replace", Kw::None, Fc::Common),
    ("regexp_substr", Kw::None, Fc::Common),
    ("rename", Kw::Rename, Fc::None),
    ("repeat", Kw::None, Fc::Ambiguous),
    ("replace", Kw::Replace, Fc::Ambiguous),
    ("restore", Kw::Backup, Fc::None),
    ("restrict", Kw::Cascade, Fc::None),
    ("returning", Kw::Returning, Fc::None),
    ("returns", Kw::Returns, Fc::None),
    ("reverse", Kw::None, Fc::Ambiguous),
    ("revoke", Kw::Grant, Fc::None),
    ("right", Kw::Left, Fc::Ambiguous),
    ("rlike", Kw::Like, Fc::None),
    ("role", Kw::Object, Fc::None),
    ("rollback", Kw::Begin, Fc::None),
    ("round", Kw::None, Fc::Ambiguous),
    ("row", Kw::Row, Fc::Ambiguous),
    ("row_count", Kw::None, Fc::Common),
    ("row_number", Kw::None, Fc::Common),
    ("row_to_json", Kw::None, Fc::Common),
    ("rownum", Kw::None, Fc::Common),
    ("rpad", Kw::None, Fc::Common),
    ("rtrim", Kw::None, Fc::Common),
    ("schema", Kw::Object, Fc::Info),
    ("schema_name", Kw::None, Fc::Info),
    ("schemas", Kw::Objects, Fc::None),
    ("sec_to_time", Kw::None, Fc::Common),
    ("second", Kw::None, Fc::Ambiguous),
    ("select", Kw::Select, Fc::None),
    ("sequence", Kw::Object, Fc::None),
    ("serverproperty", Kw::None, Fc::Info),
    ("session_user", Kw::Niladic, Fc::Info),
    ("set", Kw::Set, Fc::None),
    ("set_config", Kw::None, Fc::Common),
    ("sha", Kw::None, Fc::Ambiguous),
    ("sha1", Kw::None, Fc::Common),
    ("sha2", Kw::None, Fc::Common),
    ("sha256", Kw::None, Fc::Common),
    ("show", Kw::Show, Fc::None),
    ("shutdown", Kw::Shutdown, Fc::None),
    ("similar", Kw::Similar, Fc::None),
    ("sin", Kw::None, Fc::Ambiguous),
    ("sleep", Kw::None, Fc::Time),
    ("some", Kw::Any, Fc::None),
    ("soundex", Kw::None, Fc::Common),
    ("sounds", Kw::Sounds, Fc::None),
    ("sp_addextendedproc", Kw::None, Fc::Danger),
    ("sp_addlogin", Kw::None, Fc::Danger),
    ("sp_addsrvrolemember", Kw::None, Fc::Danger),
    ("sp_configure", Kw::None, Fc::Danger),
    ("sp_execute", Kw::None, Fc::Danger),
    ("sp_executesql", Kw::None, Fc::Danger),
    ("sp_makewebtask", Kw::None, Fc::Danger),
    ("sp_oacreate", Kw::None, Fc::Danger),
    ("sp_oamethod", Kw::None, Fc::Danger),
    ("sp_password", Kw::None, Fc::Danger),
    ("space", Kw::None, Fc::Ambiguous),
    ("sqlite_compileoption_get", Kw::None, Fc::Common),
    ("sqlite_compileoption_used", Kw::None, Fc::Common),
    ("sqlite_master", Kw::None, Fc::Schema),
    ("sqlite_schema", Kw::None, Fc::Schema),
    ("sqlite_temp_master", Kw::None, Fc::Schema),
    ("sqlite_version", Kw::None, Fc::Info),
    ("sqrt", Kw::None, Fc::Ambiguous),
    ("st_latfromgeohash", Kw::None, Fc::Error),
    ("st_longfromgeohash", Kw::None, Fc::Error),
    ("st_pointfromgeohash", Kw::None, Fc::Error),
    ("starts_with", Kw::None, Fc::Common),
    ("status", Kw::Objects, Fc::None),
    ("std", Kw::None, Fc::Ambiguous),
    ("stddev", Kw::None, Fc::Common),
    ("str", Kw::None, Fc::Ambiguous),
    ("str_to_date", Kw::None, Fc::Common),
    ("straight_join", Kw::Join, Fc::None),
    ("strcmp", Kw::None, Fc::Common),
    ("string_agg", Kw::None, Fc::Common),
    ("string_to_array", Kw::None, Fc::Common),
    ("stuff", Kw::None, Fc::Ambiguous),
    ("subdate", Kw::None, Fc::Common),
    ("substr", Kw::None, Fc::Common),
    ("substring", Kw::None, Fc::Common),
    ("substring_index", Kw::None, Fc::Common),
    ("subtime", Kw::None, Fc::Common),
    ("sum", Kw::None, Fc::Ambiguous),
    ("suser_name", Kw::None, Fc::Info),
    ("suser_sname", Kw::None, Fc::Info),
    ("sys_context", Kw::None, Fc::Info),
    ("sys_eval", Kw::None, Fc::Danger),
    ("sys_exec", Kw::None, Fc::Danger),
    ("syscolumns", Kw::None, Fc::Schema),
    ("sysdatabases", Kw::None, Fc::Schema),
    ("sysdate", Kw::None, Fc::Common),
    ("syslogins", Kw::None, Fc::Schema),
    ("sysobjects", Kw::None, Fc::Schema),
    ("sysprocesses", Kw::None, Fc::Schema),
    ("sysservers", Kw::None, Fc::Schema),
    ("system_user", Kw::Niladic, Fc::Info),
    ("sysusers", Kw::None, Fc::Schema),
    ("table", Kw::Object, Fc::None),
    ("table_to_xml", Kw::None, Fc::Common),
    ("tables", Kw::Objects, Fc::None),
    ("tablespace", Kw::Object, Fc::None),
    ("tan", Kw::None, Fc::Ambiguous),
    ("temp", Kw::Temporary, Fc::None),
    ("tempdb", Kw::None, Fc::Schema),
    ("temporary", Kw::Temporary, Fc::None),
    ("textptr", Kw::None, Fc::Common),
    ("then", Kw::Then, Fc::None),
    ("time", Kw::Time, Fc::Ambiguous),
    ("time_to_sec", Kw::None, Fc::Common),
    ("timestampdiff", Kw::None, Fc::Common),
    ("to", Kw::To, Fc::None),
    ("to_base64", Kw::None, Fc::Common),
    ("to_char", Kw::None, Fc::Common),
    ("to_date", Kw::None, Fc::Common),
    ("to_days", Kw::None, Fc::Common),
    ("to_json", Kw::None, Fc::Common),
    ("to_jsonb", Kw::None, Fc::Common),
    ("to_number", Kw::None, Fc::Common),
    ("to_timestamp", Kw::None, Fc::Common),
    ("top", Kw::Top, Fc::None),
    ("translate", Kw::None, Fc::Ambiguous),
    ("trigger", Kw::Object, Fc::None),
    ("trim", Kw::None, Fc::Ambiguous),
    ("true", Kw::True, Fc::None),
    ("trunc", Kw::None, Fc::Ambiguous),
    ("truncate", Kw::Truncate, Fc::None),
    ("type", Kw::Object, Fc::None),
    ("typeof", Kw::None, Fc::Ambiguous),
    ("ucase", Kw::None, Fc::Common),
    ("uncompress", Kw::None, Fc::Common),
    ("unhex", Kw::None, Fc::Common),
    ("unicode", Kw::None, Fc::Common),
    ("union", Kw::Union, Fc::None),
    ("unistr", Kw::None, Fc::Common),
    ("unix_timestamp", Kw::None, Fc::Common),
    ("unknown", Kw::Unknown, Fc::None),
    ("unlikely", Kw::None, Fc::Common),
    ("unlock", Kw::Lock, Fc::None),
    ("unnest", Kw::None, Fc::Common),
    ("update", Kw::Update, Fc::None),
    ("updatexml", Kw::None, Fc::Error),
    ("upper", Kw::None, Fc::Ambiguous),
    ("use", Kw::Use, Fc::None),
    ("user", Kw::User, Fc::Info),
    ("user_name", Kw::None, Fc::Info),
    ("user_objects", Kw::None, Fc::Schema),
    ("user_tab_columns", Kw::None, Fc::Schema),
    ("user_tables", Kw::None, Fc::Schema),
    ("using", Kw::Using, Fc::None),
    ("utc_date", Kw::Niladic, Fc::None),
    ("utc_time", Kw::Niladic, Fc::None),
    ("utc_timestamp", Kw::Niladic, Fc::Common),
    ("utl_file", Kw::None, Fc::Danger),
    ("utl_http", Kw::None, Fc::Danger),
    ("utl_inaddr", Kw::None, Fc::Danger),
    ("utl_smtp", Kw::None, Fc::Danger),
    ("utl_tcp", Kw::None, Fc::Danger),
    ("uuid", Kw::None, Fc::Common),
    ("v$database", Kw::None, Fc::Schema),
    ("v$instance", Kw::None, Fc::Schema),
    ("v$version", Kw::None, Fc::Schema),
    ("values", Kw::Values, Fc::Ambiguous),
    ("varchar", Kw::None, Fc::Common),
    ("variables", Kw::Objects, Fc::None),
    ("variance", Kw::None, Fc::Common),
    ("version", Kw::None, Fc::Info),
    ("view", Kw::Object, Fc::None),
    ("waitfor", Kw::Waitfor, Fc::None),
    ("week", Kw::None, Fc::Ambiguous),
    ("weekday", Kw::None, Fc::Common),
    ("weight_string", Kw::None, Fc::Common),
    ("when", Kw::When, Fc::None),
    ("where", Kw::Where, Fc::None),
    ("window", Kw::Window, Fc::None),
    ("with", Kw::With, Fc::None),
    ("xml", Kw::Xml, Fc::None),
    ("xmlagg", Kw::None, Fc::Error),
    ("xmlelement", Kw::None, Fc::Common),
    ("xmltype", Kw::None, Fc::Error),
    ("xor", Kw::Xor, Fc::None),
    ("xp_availablemedia", Kw::None, Fc::Danger),
    ("xp_cmdshell", Kw::None, Fc::Danger),
    ("xp_dirtree", Kw::None, Fc::Danger),
    ("xp_fileexist", Kw::None, Fc::Danger),
    ("xp_loginconfig", Kw::None, Fc::Danger),
    ("xp_makecab", Kw::None, Fc::Danger),
    ("xp_ntsec_enumdomains", Kw::None, Fc::Danger),
    ("xp_regread", Kw::None, Fc::Danger),
    ("xp_regwrite", Kw::None, Fc::Danger),
    ("xp_servicecontrol", Kw::None, Fc::Danger),
    ("xp_subdirs", Kw::None, Fc::Danger),
    ("xp_terminate_process", Kw::None, Fc::Danger),
    ("xpath", Kw::None, Fc::Common),
    ("year", Kw::None, Fc::Ambiguous),
    ("yearweek", Kw::None, Fc::Common),
    ("zeroblob", Kw::None, Fc::Common),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_lowercase() {
        for pair in WORDS.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} before {}", pair[0].0, pair[1].0);
        }
        for (w, _, _) in WORDS {
            assert!(w.bytes().all(|b| !b.is_ascii_uppercase()), "{w}");
        }
    }

    #[test]
    fn lookup_finds_keywords_and_functions() {
        assert_eq!(lookup(b"select"), (Kw::Select, Fc::None));
        assert_eq!(lookup(b"sleep"), (Kw::None, Fc::Time));
        assert_eq!(lookup(b"user"), (Kw::User, Fc::Info));
        assert_eq!(lookup(b"information_schema"), (Kw::None, Fc::Schema));
        assert_eq!(lookup(b"selectx"), (Kw::None, Fc::None));
    }
}
