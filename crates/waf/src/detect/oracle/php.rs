//! PHP code injection.
//!
//! - open tags: `<?php`, `<?=`, `<?` followed by code, `[php]`;
//! - high-risk functions *called*: the name, then whitespace or comments, then `(`; names
//!   that are also English words (`system`, `exec`, `assert`) need the call to look like code
//!   (a quote, `$`, `)` or another call right after the parenthesis, and no space before it
//!   for a bare word);
//! - superglobals (`$_GET`, `$GLOBALS`, …) and variable variables (`${'_GET'}`);
//! - stream wrappers (`php://`, `phar://`, `zlib://`, `expect://`, `data://`…);
//! - serialized objects (`O:8:"stdClass":1:{…}`);
//! - `php.ini` directives set in a value (`allow_url_include=1`).

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use super::Detection;
use super::util::{at, automaton, before, found, is_word, skip_ws};

/// Functions that run code or commands, read or write files, or open sockets.
const FUNCTIONS: &[&str] = &[
    "system",
    "exec",
    "shell_exec",
    "passthru",
    "popen",
    "proc_open",
    "pcntl_exec",
    "eval",
    "assert",
    "create_function",
    "call_user_func",
    "call_user_func_array",
    "preg_replace",
    "base64_decode",
    "gzinflate",
    "gzuncompress",
    "gzdecode",
    "str_rot13",
    "convert_uudecode",
    "hex2bin",
    "file_get_contents",
    "file_put_contents",
    "fopen",
    "fwrite",
    "fputs",
    "fread",
    "readfile",
    "file",
    "include",
    "include_once",
    "require",
    "require_once",
    "phpinfo",
    "fsockopen",
    "pfsockopen",
    "stream_socket_client",
    "curl_exec",
    "curl_init",
    "move_uploaded_file",
    "unserialize",
    "extract",
    "parse_str",
    "putenv",
    "ini_set",
    "ini_get",
    "dl",
    "chmod",
    "chown",
    "symlink",
    "highlight_file",
    "show_source",
    "php_uname",
    "posix_getpwuid",
    "posix_getuid",
    "posix_geteuid",
    "posix_getegid",
    "posix_kill",
    "posix_mkfifo",
    "posix_setuid",
    "getenv",
    "get_defined_vars",
    "get_defined_functions",
    "get_current_user",
    "getcwd",
    "glob",
    "scandir",
    "opendir",
    "readdir",
    "unlink",
    "rmdir",
    "mkdir",
    "copy",
    "rename",
    "tempnam",
    "tmpfile",
    "var_dump",
    "print_r",
    "var_export",
    "array_map",
    "array_filter",
    "array_walk",
    "usort",
    "uasort",
    "uksort",
    "ob_start",
    "register_shutdown_function",
    "register_tick_function",
    "set_error_handler",
    "error_reporting",
    "set_time_limit",
    "ignore_user_abort",
    "mail",
    "header",
    "strrev",
    "str_replace",
    "chr",
    "ord",
    "escapeshellcmd",
    "escapeshellarg",
    "mb_ereg_replace",
    "iptcembed",
    "session_start",
    "zlib_decode",
    "gzopen",
    "bzopen",
    "imap_open",
    "ftp_connect",
    "socket_create",
    "mysql_query",
    "mysqli_query",
    "pg_query",
    "apache_child_terminate",
    "apache_setenv",
    "define",
    "constant",
    "func_get_args",
    "invoke",
    "reflectionfunction",
    "bzdecompress",
    "bzread",
    "gzfile",
    "gzread",
    "gzpassthru",
    "readgzfile",
    "zlib_encode",
    "gzcompress",
    "gzdeflate",
    "gzencode",
    "file_exists",
    "fileatime",
    "filectime",
    "filegroup",
    "fileinode",
    "filemtime",
    "fileowner",
    "fileperms",
    "filesize",
    "filetype",
    "fgets",
    "fgetc",
    "fgetcsv",
    "fputcsv",
    "fscanf",
    "fpassthru",
    "fflush",
    "ftruncate",
    "flock",
    "fstat",
    "ftell",
    "fseek",
    "rewind",
    "feof",
    "is_file",
    "is_dir",
    "is_link",
    "is_readable",
    "is_writable",
    "is_writeable",
    "is_executable",
    "is_uploaded_file",
    "is_array",
    "is_string",
    "is_numeric",
    "is_callable",
    "function_exists",
    "method_exists",
    "class_exists",
    "assert_options",
    "substr",
    "substr_count",
    "strpos",
    "stripos",
    "strrpos",
    "strstr",
    "stristr",
    "strtolower",
    "strtoupper",
    "ucfirst",
    "ucwords",
    "lcfirst",
    "strlen",
    "str_pad",
    "str_repeat",
    "str_split",
    "strtr",
    "strip_tags",
    "stripslashes",
    "addslashes",
    "htmlspecialchars",
    "html_entity_decode",
    "htmlentities",
    "nl2br",
    "number_format",
    "sprintf",
    "printf",
    "vsprintf",
    "vprintf",
    "fprintf",
    "sscanf",
    "implode",
    "explode",
    "join",
    "preg_match",
    "preg_match_all",
    "preg_split",
    "preg_quote",
    "preg_grep",
    "preg_replace_callback",
    "intval",
    "floatval",
    "boolval",
    "strval",
    "settype",
    "gettype",
    "serialize",
    "json_decode",
    "json_encode",
    "debug_zval_dump",
    "debug_print_backtrace",
    "pack",
    "unpack",
    "crc32",
    "md5",
    "sha1",
    "md5_file",
    "sha1_file",
    "hash",
    "hash_file",
    "crypt",
    "password_hash",
    "base64_encode",
    "bin2hex",
    "convert_uuencode",
    "quoted_printable_decode",
    "urldecode",
    "rawurldecode",
    "urlencode",
    "rawurlencode",
    "http_build_query",
    "get_headers",
    "getallheaders",
    "apache_request_headers",
    "array_merge",
    "array_keys",
    "array_values",
    "array_search",
    "array_slice",
    "array_splice",
    "array_reverse",
    "array_sum",
    "array_unique",
    "in_array",
    "count",
    "sizeof",
    "compact",
    "range",
    "shuffle",
    "array_rand",
    "array_flip",
    "array_pad",
    "array_fill",
    "array_combine",
    "array_key_exists",
    "iterator_apply",
    "iterator_to_array",
    "ini_get_all",
    "ini_restore",
    "set_include_path",
    "get_include_path",
    "ini_alter",
    "phpversion",
    "php_sapi_name",
    "php_ini_loaded_file",
    "getmypid",
    "getmyuid",
    "getmygid",
    "getmyinode",
    "getlastmod",
    "getrusage",
    "gethostname",
    "gethostbyname",
    "gethostbynamel",
    "getprotobyname",
    "getservbyname",
    "posix_getpwnam",
    "posix_getgrgid",
    "posix_getgrnam",
    "posix_getlogin",
    "posix_getpid",
    "posix_getppid",
    "posix_uname",
    "posix_times",
    "posix_ttyname",
    "posix_setsid",
    "posix_setpgid",
    "posix_access",
    "posix_getcwd",
    "proc_nice",
    "proc_terminate",
    "proc_close",
    "proc_get_status",
    "pclose",
    "stream_get_contents",
    "stream_context_create",
    "stream_socket_server",
    "stream_wrapper_register",
    "stream_filter_append",
    "stream_select",
    "socket_connect",
    "socket_bind",
    "socket_listen",
    "socket_accept",
    "socket_read",
    "socket_write",
    "socket_recv",
    "socket_send",
    "ftp_login",
    "ftp_get",
    "ftp_put",
    "ftp_exec",
    "ftp_nb_get",
    "ftp_fget",
    "curl_setopt",
    "curl_multi_exec",
    "curl_multi_init",
    "mysqli_connect",
    "mysql_connect",
    "pg_connect",
    "sqlite_open",
    "oci_connect",
    "mssql_connect",
    "odbc_exec",
    "ldap_connect",
    "ldap_search",
    "snmpget",
    "snmpwalk",
    "mb_send_mail",
    "imap_mail",
    "error_log",
    "syslog",
    "openlog",
    "xmlrpc_decode",
    "simplexml_load_string",
    "simplexml_load_file",
    "domdocument",
    "get_cfg_var",
    "get_loaded_extensions",
    "get_included_files",
    "get_required_files",
    "get_declared_classes",
    "getopt",
    "forward_static_call",
    "forward_static_call_array",
    "func_get_arg",
    "call_user_method",
    "call_user_method_array",
    "array_diff_ukey",
    "array_intersect_ukey",
    "array_udiff",
    "array_uintersect",
    "array_reduce",
    "ob_get_contents",
    "ob_end_flush",
    "ob_end_clean",
    "ob_get_clean",
    "ob_implicit_flush",
    "flush",
    "apache_get_modules",
    "apache_note",
    "virtual",
    "lchown",
    "lchgrp",
    "chgrp",
    "touch",
    "link",
    "readlink",
    "realpath",
    "umask",
    "dir",
    "highlight_string",
    "php_strip_whitespace",
    "token_get_all",
    "mt_rand",
    "rand",
    "random_bytes",
    "openssl_decrypt",
    "openssl_encrypt",
    "mcrypt_decrypt",
];

/// Those that are ordinary words or too general to trust without code around them.
const WORDY: &[&str] = &[
    "system",
    "exec",
    "eval",
    "assert",
    "file",
    "include",
    "require",
    "extract",
    "copy",
    "rename",
    "glob",
    "mail",
    "header",
    "define",
    "constant",
    "invoke",
    "mkdir",
    "rmdir",
    "unlink",
    "dl",
    "chmod",
    "chown",
    "touch",
    "link",
    "count",
    "range",
    "hash",
    "crypt",
    "flush",
    "virtual",
    "join",
    "compact",
    "shuffle",
    "rand",
    "dir",
    "pack",
    "unpack",
    "flock",
    "rewind",
    "md5",
    "sizeof",
    "hash_file",
    "error_log",
    "syslog",
    "implode",
    "explode",
];

/// Superglobals (case-sensitive in PHP).
const SUPERGLOBALS: &[&str] = &[
    "$_GET",
    "$_POST",
    "$_REQUEST",
    "$_COOKIE",
    "$_SERVER",
    "$_ENV",
    "$_FILES",
    "$_SESSION",
    "$GLOBALS",
    "$HTTP_RAW_POST_DATA",
    "$http_response_header",
    "$HTTP_GET_VARS",
    "$HTTP_POST_VARS",
    "$HTTP_COOKIE_VARS",
    "$HTTP_SERVER_VARS",
    "$argv",
];

/// Stream wrappers.
const WRAPPERS: &[&str] = &[
    "php://",
    "phar://",
    "zlib://",
    "expect://",
    "glob://",
    "ssh2.shell://",
    "ssh2.exec://",
    "ssh2.tunnel://",
    "ssh2.sftp://",
    "rar://",
    "ogg://",
    "compress.zlib://",
    "compress.bzip2://",
    "zip://",
    "data://text/plain",
    "data:text/plain;base64",
    "convert.iconv.",
    "convert.base64-encode",
    "convert.base64-decode",
    "convert.quoted-printable",
    "string.rot13",
    "zlib.deflate",
    "zlib.inflate",
];

/// `php.ini` directives worth setting only in an attack (followed by `=`).
const INI: &[&str] = &[
    "allow_url_include",
    "allow_url_fopen",
    "auto_prepend_file",
    "auto_append_file",
    "disable_functions",
    "open_basedir",
    "safe_mode",
    "register_globals",
    "session.save_path",
    "session.referer_check",
    "sendmail_path",
    "mail.log",
    "error_log",
    "extension_dir",
    "extension",
    "include_path",
    "memory_limit",
    "max_execution_time",
    "mbstring.regex_stack_limit",
    "pcre.backtrack_limit",
    "cgi.force_redirect",
    "doc_root",
    "user_ini.filename",
    "upload_tmp_dir",
    "display_errors",
    "log_errors",
    "smtp",
    "short_open_tag",
    "magic_quotes_gpc",
    "output_handler",
    "unserialize_callback_func",
    "zend_extension",
    "expose_php",
    "engine",
    "precision",
    "unserialize_max_depth",
    "serialize_precision",
    "opcache.",
    "mbstring.",
    "zend.",
    "pcre.",
    "xdebug.",
    "phar.",
    "session.",
    "assert.",
    "mysqli.",
    "sqlite3.",
    "date.timezone",
    "default_charset",
    "post_max_size",
    "upload_max_filesize",
    "variables_order",
    "request_order",
    "file_uploads",
];

#[derive(Clone, Copy)]
enum What {
    Function(usize),
    Wrapper,
    Ini,
    OpenTag,
}

struct Automata {
    /// Case-insensitive: functions, wrappers, ini directives, tags.
    ac: AhoCorasick,
    what: Vec<What>,
    /// Case-sensitive: superglobals.
    globals: AhoCorasick,
}

static AC: LazyLock<Automata> = LazyLock::new(|| {
    let mut pats: Vec<&str> = Vec::new();
    let mut what = Vec::new();
    for (i, f) in FUNCTIONS.iter().enumerate() {
        pats.push(f);
        what.push(What::Function(i));
    }
    for w in WRAPPERS {
        pats.push(w);
        what.push(What::Wrapper);
    }
    for d in INI {
        pats.push(d);
        what.push(What::Ini);
    }
    for t in ["<?", "[php]", "[/php]", "{php}", "{/php}"] {
        pats.push(t);
        what.push(What::OpenTag);
    }
    Automata {
        ac: automaton(&pats),
        what,
        globals: super::util::automaton_exact(SUPERGLOBALS),
    }
});

/// Whether `input` carries PHP code injection.
pub(crate) fn detect(input: &[u8]) -> Option<Detection> {
    if let Some(d) = detect_once(input) {
        return Some(d);
    }
    // `"sys"."tem"`: string concatenation hiding a name
    if input
        .windows(3)
        .any(|w| matches!(w, [b'"' | b'\'', b'.', b'"' | b'\'']))
        || memchr::memmem::find(input, b" . ").is_some()
    {
        let joined = unconcat(input);
        return detect_once(&joined).map(|mut d| {
            d.reason = "php:concatenated-call";
            d
        });
    }
    None
}

/// Removes `"."`, `' . '` and the like between string pieces.
fn unconcat(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let c = input[i];
        if matches!(c, b'"' | b'\'') {
            let mut j = skip_ws(input, i + 1);
            if at(input, j) == b'.' {
                j = skip_ws(input, j + 1);
                if matches!(at(input, j), b'"' | b'\'') {
                    i = j + 1;
                    continue;
                }
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

fn detect_once(input: &[u8]) -> Option<Detection> {
    // every PHP construct needs one of these bytes
    let filter_chain = [&b"convert."[..], b"string.", b"zlib."]
        .iter()
        .any(|f| memchr::memmem::find(input, f).is_some());
    if !filter_chain
        && !input
            .iter()
            .any(|&b| matches!(b, b'(' | b':' | b'<' | b'[' | b'{' | b'=' | b'$'))
    {
        return None;
    }
    let a = &*AC;
    if let Some(m) = a.globals.find(input)
        && (!is_word(at(input, m.end())) || input[m.start()..m.end()].starts_with(b"$_"))
    {
        return Some(found(
            "php:superglobal",
            &input[m.start()..input.len().min(m.end() + 16)],
        ));
    }
    if let Some(d) = serialized_object(input)
        .or_else(|| variable_variable(input))
        .or_else(|| variable_function(input))
    {
        return Some(d);
    }
    for m in a.ac.find_iter(input) {
        let (s, e) = (m.start(), m.end());
        let evidence = &input[s..input.len().min(e + 24)];
        match a.what[m.pattern().as_usize()] {
            What::Wrapper => {
                if !is_word(before(input, s)) {
                    return Some(found("php:wrapper", evidence));
                }
            }
            What::Ini => {
                let j = skip_ws(input, e);
                let boundary_before = !is_word(before(input, s)) && before(input, s) != b'.';
                // a directive family (`opcache.`) takes any name after it
                let j = if input[e - 1] == b'.' {
                    skip_ws(
                        input,
                        e + input[e..]
                            .iter()
                            .take_while(|&&c| is_word(c) || c == b'.')
                            .count(),
                    )
                } else {
                    j
                };
                if boundary_before
                    && at(input, j) == b'='
                    && at(input, j + 1) != b'='
                    && (s == 0
                        || matches!(
                            before(input, s),
                            b' ' | b'\n' | b'=' | b'&' | b'"' | b'\'' | b';' | b'-'
                        ))
                {
                    return Some(found("php:ini-directive", evidence));
                }
            }
            What::OpenTag => {
                if open_tag(input, s, e) {
                    return Some(found("php:open-tag", evidence));
                }
            }
            What::Function(i) => {
                if call(input, s, e, FUNCTIONS[i]) {
                    return Some(found("php:function-call", evidence));
                }
            }
        }
    }
    None
}

/// `<?php`, `<?=`, `<? code`, `[php]…`; not `<?xml` and other processing instructions.
fn open_tag(input: &[u8], s: usize, e: usize) -> bool {
    let tag = &input[s..e];
    if tag != b"<?" {
        return true;
    }
    let rest = &input[e..];
    if rest.len() >= 3 && rest[..3].eq_ignore_ascii_case(b"php") {
        return true;
    }
    if rest.len() >= 3 && rest[..3].eq_ignore_ascii_case(b"xml") {
        // `<?xml version=…` is XML; `<?xml :echo 1;` is a short open tag followed by code
        let k = skip_ws(rest, 3);
        return k < rest.len() && matches!(rest[k], b':' | b';' | b'(' | b'$');
    }
    match rest.first() {
        None => true,
        Some(b'=') => rest.get(1).is_some_and(|&c| {
            c == b'$' || c == b' ' || c.is_ascii_alphanumeric() || c == b'"' || c == b'\''
        }),
        Some(b' ' | b'\t' | b'\n' | b'\r') => {
            // `<? echo 1; ?>`: code follows (a word then `(`, `$` or `;`)
            let j = skip_ws(rest, 0);
            let w = rest[j..].iter().take_while(|&&c| is_word(c)).count();
            let code_end = memchr::memmem::find(rest, b"?>").unwrap_or(rest.len().min(200));
            let code = &rest[j..code_end.max(j)];
            // `<? echo test`: a statement keyword
            let keyword = [
                b"echo".as_slice(),
                b"print",
                b"system",
                b"eval",
                b"exec",
                b"include",
                b"require",
                b"passthru",
            ]
            .iter()
            .any(|k| rest[j..].len() >= k.len() && rest[j..j + k.len()].eq_ignore_ascii_case(k));
            keyword
                || rest.get(j) == Some(&b'$')
                || rest[j..]
                    .get(..3)
                    .is_some_and(|t| t.eq_ignore_ascii_case(b"php"))
                || (w > 0 && code.iter().any(|&c| matches!(c, b'(' | b';' | b'$')))
        }
        _ => false,
    }
}

/// Whether the function name at `s..e` is called.
fn call(input: &[u8], s: usize, e: usize, name: &str) -> bool {
    let prev = before(input, s);
    let wordy = WORDY.contains(&name);
    // part of a longer identifier (`ecosystem(`), unless the name is PHP's own and long
    // (`FOOfsockopen()` still reaches `fsockopen`)
    if (is_word(prev) && (wordy || name.len() < 6)) || prev == b'$' || prev == b'-' {
        return false;
    }
    if is_word(at(input, e)) {
        return false;
    }
    // whitespace, comments, and the `)` of `(system)('ls')` between the name and `(`
    let mut j = e;
    let mut gap = false;
    let mut closing_paren = false;
    loop {
        let k = skip_ws(input, j);
        gap |= k > j;
        j = k;
        if input[j..].starts_with(b"/*") {
            // comments are short; a long one is not read to its end (no quadratic scans)
            let window = &input[j + 2..input.len().min(j + 2 + 256)];
            j = memchr::memmem::find(window, b"*/").map_or(input.len(), |p| j + 2 + p + 2);
            gap = true;
        } else if input[j..].starts_with(b"#") || input[j..].starts_with(b"//") {
            j = input[j..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(input.len(), |p| j + p + 1);
            gap = true;
        } else if matches!(at(input, j), b'"' | b'\'') && at(input, j + 1) == b')' && !closing_paren
        {
            // `("sys"."tem")(…)`, `('system')('id')`
            j += 2;
            closing_paren = true;
        } else if matches!(at(input, j), b'"' | b'\'')
            && at(input, j + 1) == b'('
            && matches!(prev, b'"' | b'\'')
        {
            // `"system"(…)`
            j += 1;
            closing_paren = true;
        } else if at(input, j) == b')' && !closing_paren && at(input, skip_ws(input, j + 1)) == b'('
        {
            j += 1;
            closing_paren = true;
        } else if at(input, j) == b'=' && !wordy && j == e {
            // `Shell_exec=(…)`
            j += 1;
        } else {
            break;
        }
    }
    if at(input, j) != b'(' {
        return false;
    }
    if !wordy || closing_paren {
        return true;
    }
    // a comment between a word and its parenthesis is code
    if gap && input[e..j].windows(2).any(|w| w == b"/*" || w == b"//")
        || input[e..j].contains(&b'#')
    {
        return true;
    }
    // an English word: the arguments must look like code
    let k = skip_ws(input, j + 1);
    let first = at(input, k);
    let codey = matches!(first, b'"' | b'\'' | b'$' | b'`' | b'[')
        || (first.is_ascii_alphabetic() && {
            let w = input[k..].iter().take_while(|&&c| is_word(c)).count();
            at(input, skip_ws(input, k + w)) == b'(' && !gap
        });
    codey && (!gap || matches!(first, b'"' | b'\'' | b'$'))
}

/// `O:8:"stdClass":1:{…}`, `C:…`, `a:2:{i:0;…}`.
fn serialized_object(input: &[u8]) -> Option<Detection> {
    let mut i = 0;
    while let Some(p) = input[i..].iter().position(|&c| c == b':') {
        let colon = i + p;
        i = colon + 1;
        let Some(kind) = colon.checked_sub(1).map(|k| input[k]) else {
            continue;
        };
        if colon >= 2 && is_word(input[colon - 2]) {
            continue;
        }
        let digits = input[colon + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits == 0 || digits > 6 {
            continue;
        }
        let after = colon + 1 + digits;
        let ok = match kind {
            b'O' | b'o' | b'C' | b'c' => {
                at(input, after) == b':' && at(input, after + 1) == b'"' && {
                    // `"Name":N:{`
                    let name_end = input[after + 2..]
                        .iter()
                        .take(256)
                        .position(|&c| c == b'"')
                        .map(|q| after + 2 + q);
                    name_end.is_some_and(|q| {
                        at(input, q + 1) == b':' && {
                            let d = input[q + 2..]
                                .iter()
                                .take_while(|c| c.is_ascii_digit())
                                .count();
                            d > 0 && at(input, q + 2 + d) == b':' && at(input, q + 3 + d) == b'{'
                        }
                    })
                }
            }
            b'a' => {
                at(input, after) == b':'
                    && at(input, after + 1) == b'{'
                    && matches!(at(input, after + 2), b'i' | b's' | b'}')
                    && at(input, after + 3) == b':'
            }
            _ => false,
        };
        if ok {
            return Some(found(
                "php:serialized-object",
                &input[colon - 1..input.len().min(colon + 40)],
            ));
        }
    }
    None
}

/// `${'_GET'}`, `$ {'_VAR'.'IABLE'}`, `${$a}`, `$ { X }`: variable variables.
fn variable_variable(input: &[u8]) -> Option<Detection> {
    let mut i = 0;
    while let Some(p) = input[i..].iter().position(|&c| c == b'$') {
        let d = i + p;
        i = d + 1;
        let j = skip_ws(input, d + 1);
        if at(input, j) != b'{' {
            continue;
        }
        let k = skip_ws(input, j + 1);
        // `${name}` alone is also a template placeholder; a space, a quote or a variable
        // inside the braces is PHP
        if j > d + 1
            || matches!(at(input, k), b'\'' | b'"' | b'$' | b'@')
            || (at(input, k) == b'}' && k > j + 1)
        {
            return Some(found(
                "php:variable-variable",
                &input[d..input.len().min(d + 32)],
            ));
        }
    }
    None
}

/// `$f(…)`, `$$b(…)`, `$__['o'](…)`, `${$x}(…)`, `$a->$b(…)`, `$x /*c*/ (…)`: calling a
/// function whose name is in a variable.
fn variable_function(input: &[u8]) -> Option<Detection> {
    let mut i = 0;
    while let Some(p) = input[i..].iter().position(|&c| c == b'$') {
        let d = i + p;
        i = d + 1;
        let mut j = d;
        while at(input, j) == b'$' {
            j += 1;
        }
        if at(input, j) == b'{' {
            match input[j..].iter().take(64).position(|&c| c == b'}') {
                Some(c) => j += c + 1,
                None => continue,
            }
        } else {
            let n = input[j..].iter().take_while(|&&c| is_word(c)).count();
            if n == 0 || input[j].is_ascii_digit() {
                continue;
            }
            j += n;
        }
        // subscripts, properties, whitespace and comments before the call
        for _ in 0..16 {
            let k = skip_ws(input, j);
            let c = at(input, k);
            // to the matching close, nesting included; an empty subscript is not code
            let skip_to = |close: u8| {
                let open = input[k];
                let mut depth = 0u32;
                for (n, &x) in input[k..].iter().take(64).enumerate() {
                    if x == open {
                        depth += 1;
                    } else if x == close {
                        depth -= 1;
                        if depth == 0 {
                            return (n > 1).then_some(k + n + 1);
                        }
                    }
                }
                None
            };
            let next = match c {
                b'[' => skip_to(b']'),
                b'{' => skip_to(b'}'),
                b'-' if at(input, k + 1) == b'>' => {
                    let w = k + 2 + usize::from(at(input, k + 2) == b'$');
                    Some(w + input[w..].iter().take_while(|&&x| is_word(x)).count())
                }
                b'/' if at(input, k + 1) == b'*' => {
                    memchr::memmem::find(&input[k..input.len().min(k + 256)], b"*/")
                        .map(|p| k + p + 2)
                }
                b'/' if at(input, k + 1) == b'/' => Some(
                    input[k..]
                        .iter()
                        .position(|&x| x == b'\n')
                        .map_or(input.len(), |p| k + p + 1),
                ),
                b'#' => Some(
                    input[k..]
                        .iter()
                        .position(|&x| x == b'\n')
                        .map_or(input.len(), |p| k + p + 1),
                ),
                _ => None,
            };
            match next {
                Some(n) if n > k => j = n,
                _ => {
                    j = k;
                    break;
                }
            }
        }
        if at(input, j) == b'(' {
            return Some(found(
                "php:variable-function",
                &input[d..input.len().min(j + 8)],
            ));
        }
    }
    None
}
