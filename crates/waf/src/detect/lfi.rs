//! Local file inclusion: path traversal in all its spellings, and names of sensitive files.
//!
//! Traversal is found by walking the input one *unit* at a time, where a unit is a byte or an
//! encoding of `.`, `/` or `\` that survived the rule's transformations (`%2e`, `%252e`,
//! `%c0%ae` and other overlong UTF-8, `%u002e`, full-width forms, `0x2e`). Sensitive files are
//! found by their last path component (one automaton), then confirmed on a canonical copy of
//! the few bytes before it (decoded, lowercased, `\`→`/`, `//` and `/./` folded).

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use super::Detection;
use super::prefilter::{Anchors, byte_table};
use super::util::{at, automaton, found, hex, is_word, pct_at};

/// How many canonical bytes before a file name are kept to confirm its directory.
const WINDOW: usize = 96;

/// One step of decoding: the canonical byte (`.`, `/` for both slashes, else the lowercased
/// byte), how many input bytes it took, and whether it was encoded.
#[derive(Clone, Copy)]
pub(crate) struct Unit {
    pub(crate) byte: u8,
    pub(crate) len: usize,
    pub(crate) encoded: bool,
}

/// A raw or percent-encoded byte at `i`: the byte, its length, whether encoded.
fn byte_at(input: &[u8], i: usize) -> Option<(u8, usize, bool)> {
    let b = *input.get(i)?;
    if b == b'%'
        && let Some((d, n)) = pct_at(input, i)
    {
        return Some((d, n, true));
    }
    Some((b, 1, false))
}

/// Decodes an overlong or full-width encoding of `.`, `/` or `\` at `i`.
fn multibyte(input: &[u8], i: usize) -> Option<Unit> {
    let (b0, n0, e0) = byte_at(input, i)?;
    let cont = |j: usize| byte_at(input, j).filter(|&(b, _, _)| b & 0xc0 == 0x80 || b < 0x80);
    let (value, len) = match b0 {
        0xc0 | 0xc1 => {
            let (b1, n1, _) = cont(i + n0)?;
            if matches!(b1, b'.' | b'/' | b'\\') {
                // `%c0%5c`: a lax decoder keeps the ASCII byte
                return Some(Unit {
                    byte: if b1 == b'.' { b'.' } else { b'/' },
                    len: n0 + n1,
                    encoded: true,
                });
            }
            (u32::from(b0 & 0x1f) << 6 | u32::from(b1 & 0x3f), n0 + n1)
        }
        0xf8 | 0xfc => {
            // five- and six-byte overlong forms: zero continuation bytes, then the value
            let count = if b0 == 0xf8 { 4 } else { 5 };
            let mut j = i + n0;
            let mut last = 0u8;
            for k in 0..count {
                let (b, n, _) = cont(j)?;
                if k + 1 < count && b != 0x80 {
                    return None;
                }
                last = b;
                j += n;
            }
            (u32::from(last & 0x3f), j - i)
        }
        0xe0 => {
            let (b1, n1, _) = cont(i + n0)?;
            let (b2, n2, _) = cont(i + n0 + n1)?;
            (
                u32::from(b1 & 0x3f) << 6 | u32::from(b2 & 0x3f),
                n0 + n1 + n2,
            )
        }
        0xf0 => {
            let (b1, n1, _) = cont(i + n0)?;
            let (b2, n2, _) = cont(i + n0 + n1)?;
            let (b3, n3, _) = cont(i + n0 + n1 + n2)?;
            if b1 & 0x3f != 0 {
                return None;
            }
            (
                u32::from(b2 & 0x3f) << 6 | u32::from(b3 & 0x3f),
                n0 + n1 + n2 + n3,
            )
        }
        0xef | 0xe2 => {
            // full-width ．／＼ (EF BC 8E/8F/BC) and ∕ ∖ (E2 88 95/96)
            let (b1, n1, _) = byte_at(input, i + n0)?;
            let (b2, n2, _) = byte_at(input, i + n0 + n1)?;
            let c = match (b0, b1, b2) {
                (0xef, 0xbc, 0x8e) => b'.',
                (0xef, 0xbc, 0x8f)
                | (0xef, 0xbc, 0xbc)
                | (0xe2, 0x88, 0x95)
                | (0xe2, 0x88, 0x96) => b'/',
                _ => return None,
            };
            return Some(Unit {
                byte: c,
                len: n0 + n1 + n2,
                encoded: true,
            });
        }
        _ => return None,
    };
    let byte = match value {
        0x2e => b'.',
        0x2f | 0x5c => b'/',
        _ => return None,
    };
    let _ = e0;
    Some(Unit {
        byte,
        len,
        encoded: true,
    })
}

/// The canonical unit at `i` (`i < input.len()`).
pub(crate) fn unit(input: &[u8], i: usize) -> Unit {
    let b = input[i];
    let plain = |byte: u8| Unit {
        byte,
        len: 1,
        encoded: false,
    };
    match b {
        b'\\' => plain(b'/'),
        b'%' => {
            if matches!(at(input, i + 1), b'u' | b'U') {
                let digits = [2, 3, 4, 5].map(|k| hex(at(input, i + k)));
                if let [Some(a), Some(b2), Some(c), Some(d)] = digits {
                    let v =
                        u16::from(a) << 12 | u16::from(b2) << 8 | u16::from(c) << 4 | u16::from(d);
                    let byte = match v {
                        0x2e | 0xff0e => b'.',
                        0x2f | 0x5c | 0x2215 | 0x2216 | 0xff0f | 0xff3c => b'/',
                        0 => 0,
                        _ => b'?',
                    };
                    return Unit {
                        byte,
                        len: 6,
                        encoded: true,
                    };
                }
            }
            if let Some(u) = multibyte(input, i) {
                return u;
            }
            match pct_at(input, i) {
                Some((d, n)) => Unit {
                    byte: match d {
                        b'\\' => b'/',
                        d => d.to_ascii_lowercase(),
                    },
                    len: n,
                    encoded: true,
                },
                None => plain(b'%'),
            }
        }
        0xc0 | 0xc1 | 0xe0 | 0xf0 | 0xf8 | 0xfc | 0xef | 0xe2 => {
            multibyte(input, i).unwrap_or(plain(b))
        }
        b'0' if matches!(at(input, i + 1), b'x' | b'X') => {
            // `0x2e`-style spellings seen in scanners' payloads
            match (hex(at(input, i + 2)), hex(at(input, i + 3))) {
                (Some(2), Some(0xe)) => Unit {
                    byte: b'.',
                    len: 4,
                    encoded: true,
                },
                (Some(2), Some(0xf)) | (Some(5), Some(0xc)) => Unit {
                    byte: b'/',
                    len: 4,
                    encoded: true,
                },
                _ => plain(b'0'),
            }
        }
        _ => plain(b.to_ascii_lowercase()),
    }
}

/// Whether `input` carries a path traversal or names a sensitive file.
pub(crate) fn detect(input: &[u8]) -> Option<Detection> {
    traversal(input).or_else(|| sensitive_file(input))
}

/// The bytes that start an encoded dot (`%2e`, overlong and full-width UTF-8), for
/// [`may_step`].
const ENCODED: [u8; 256] = byte_table(&[(b"%\xc0\xc1\xe0\xf0\xf8\xfc\xef", 1)]);

/// A fast reject for [`traversal`], in one pass: no `..`, no `0x`/`0X` and no byte that
/// starts an encoded dot.
fn may_step(input: &[u8]) -> bool {
    let mut hit = 0u8;
    let mut prev = 0u8;
    for &b in input {
        hit |= ENCODED[usize::from(b)]
            | u8::from(prev == b'.' && b == b'.')
            | u8::from(prev == b'0' && b | 0x20 == b'x');
        prev = b;
    }
    hit != 0
}

/// Finds `../` steps: two or more, or one that is encoded, or one at the start of the value or
/// right after a slash or `=`, or one followed by a sensitive file.
fn traversal(input: &[u8]) -> Option<Detection> {
    if !may_step(input) {
        return None;
    }
    let mut steps = 0u32;
    let mut encoded_step = false;
    let mut anchored_step = false;
    let mut first_step_at = None;
    // state of the current run of dots
    let mut dots = 0u32;
    let mut run_start = 0usize;
    let mut run_encoded = false;
    // what preceded the current run: 0 = start, else the canonical byte
    let mut prev = 0u8;
    let mut before_run = 0u8;
    let mut i = 0;
    while i < input.len() {
        let u = unit(input, i);
        match u.byte {
            0 => {}
            b'.' => {
                if dots == 0 {
                    run_start = i;
                    run_encoded = false;
                    before_run = prev;
                }
                dots += 1;
                run_encoded |= u.encoded;
                prev = b'.';
            }
            b'/' | b';' => {
                let boundary = before_run == 0 || !is_word(before_run);
                if dots >= 2 && boundary && (u.byte == b'/' || at(input, i + 1) == b'/') {
                    steps += 1;
                    encoded_step |= run_encoded || u.encoded;
                    anchored_step |= matches!(before_run, 0 | b'/' | b'=')
                        || (matches!(before_run, b'"' | b'\'')
                            && input[run_start.saturating_sub(10)..run_start]
                                .eq_ignore_ascii_case(b"filename=\""));
                    first_step_at.get_or_insert(run_start);
                }
                dots = 0;
                prev = u.byte;
            }
            c => {
                dots = 0;
                prev = c;
            }
        }
        i += u.len;
    }
    // `..` at the very end after a slash (`/a/..`) is a step too
    if dots >= 2 && matches!(before_run, b'/') {
        steps += 1;
        first_step_at.get_or_insert(run_start);
    }
    let start = first_step_at?;
    let evidence = &input[start..input.len().min(start + 48)];
    if steps >= 2 {
        return Some(found("lfi:traversal", evidence));
    }
    if encoded_step {
        return Some(found("lfi:encoded-traversal", evidence));
    }
    if anchored_step {
        return Some(found("lfi:traversal", evidence));
    }
    None
}

/// Sensitive files and directories, canonical (lowercase, `/` separators). A leading `/` means
/// the name must start a path (start of the value or after a slash); otherwise it must not be
/// glued to a word character.
const SENSITIVE: &[&str] = &[
    // unix
    "etc/passwd",
    "etc/shadow",
    "etc/gshadow",
    "etc/group",
    "etc/hosts",
    "etc/issue",
    "etc/motd",
    "etc/sudoers",
    "etc/crontab",
    "etc/fstab",
    "etc/hostname",
    "etc/resolv.conf",
    "etc/profile",
    "etc/bashrc",
    "etc/inittab",
    "etc/subuid",
    "etc/subgid",
    "etc/master.passwd",
    "etc/security/passwd",
    "etc/pwd.db",
    "etc/spwd.db",
    "etc/httpd/conf/httpd.conf",
    "etc/apache2/apache2.conf",
    "etc/nginx/nginx.conf",
    "etc/my.cnf",
    "etc/mysql/my.cnf",
    "etc/ssh/sshd_config",
    "etc/ssh/ssh_config",
    "etc/os-release",
    "etc/lsb-release",
    "etc/redhat-release",
    "etc/debian_version",
    "etc/release",
    "etc/environment",
    "etc/ld.so.preload",
    "etc/apt/sources.list",
    "etc/shells",
    "etc/netconfig",
    "etc/aliases",
    "etc/php.ini",
    "/proc/self/",
    "/proc/version",
    "/proc/cmdline",
    "/proc/cpuinfo",
    "/proc/meminfo",
    "/proc/mounts",
    "/proc/net/",
    "/proc/sched_debug",
    "/proc/1/",
    "/proc/partitions",
    "/proc/stat",
    "/sys/class",
    "/sys/kernel",
    "/sys/devices",
    "/sys/power",
    "/sys/firmware",
    "/sys/module",
    "/proc/interrupts",
    "/proc/modules",
    "/proc/filesystems",
    "/proc/loadavg",
    "/proc/swaps",
    "/proc/kcore",
    "/proc/kallsyms",
    "/var/log/",
    "/var/run/secrets/",
    "/var/lib/mysql/",
    "/var/mail/",
    "/var/spool/cron",
    "/usr/local/etc/",
    "/root/",
    "/dev/tcp/",
    "/dev/udp/",
    ".bash_history",
    ".zsh_history",
    ".sh_history",
    ".mysql_history",
    ".psql_history",
    ".lesshst",
    ".viminfo",
    ".bashrc",
    ".bash_profile",
    ".profile",
    ".ssh/",
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    "authorized_keys",
    "known_hosts",
    ".aws/credentials",
    ".aws/config",
    ".docker/",
    ".kube/config",
    ".npmrc",
    ".netrc",
    ".pgpass",
    ".my.cnf",
    ".git-credentials",
    ".gitconfig",
    ".htaccess",
    ".htpasswd",
    ".htdigest",
    "/.git/",
    "/.svn/",
    "/.hg/",
    "/.env",
    "wp-config.php",
    "/config.inc.php",
    "/configuration.php",
    "/localsettings.php",
    "/settings.php",
    "/database.yml",
    "/secrets.yml",
    "/credentials.xml",
    "/application.properties",
    "/appsettings.json",
    // windows and IIS
    "win.ini",
    "boot.ini",
    "system.ini",
    "autoexec.bat",
    "config.sys",
    "/windows/system32/",
    "/windows/repair/",
    "/windows/panther/",
    "/windows/debug/",
    "/winnt/",
    "/system32/config/",
    "/system32/drivers/etc/",
    "/inetpub/",
    "/web.config",
    "/applicationhost.config",
    "/machine.config",
    "/php.ini",
    "/httpd.conf",
    "/my.ini",
    // java and app servers
    "/web-inf/",
    "/meta-inf/",
    // logs and data of common servers
    "/access_log",
    "/error_log",
    "/access.log",
    "/error.log",
    "/logs/",
    "/mysql/data/",
    "/php/sessions",
    "/php4/sessions",
    "/php5/sessions",
    "/xampp/",
    "/documents and settings/",
    "desktop.ini",
    "ntuser.dat",
    "pagefile.sys",
    "hiberfil.sys",
    "c:/windows/",
    "c:/winnt/",
    "/tomcat-users.xml",
    "/server.xml",
    "/jboss-web.xml",
];

struct Sensitive {
    /// A fast reject: a value without one of the keys' windows has no key.
    gate: Anchors,
    /// Keyed by the last component of each entry (with its trailing `/` for directories).
    ac: AhoCorasick,
    /// For each key, the entries it stands for.
    entries: Vec<Vec<&'static str>>,
}

/// The automaton key of an entry: its last component (directories keep their `/`), or the
/// whole entry when that component is too short to be selective.
fn key_of(entry: &'static str) -> &'static str {
    let trimmed = entry.trim_end_matches('/');
    let cut = trimmed.rfind('/').map_or(0, |p| p + 1);
    let key = &entry[cut..];
    let key = if key.len() < 4 { entry } else { key };
    key.trim_start_matches('/')
}

/// The automaton's keys, and for each the entries it stands for.
fn keyed_entries() -> (Vec<&'static str>, Vec<Vec<&'static str>>) {
    let mut keys: Vec<&'static str> = Vec::new();
    let mut entries: Vec<Vec<&'static str>> = Vec::new();
    for &e in SENSITIVE {
        let k = key_of(e);
        match keys.iter().position(|&x| x.eq_ignore_ascii_case(k)) {
            Some(p) => entries[p].push(e),
            None => {
                keys.push(k);
                entries.push(vec![e]);
            }
        }
    }
    (keys, entries)
}

/// The patterns behind the sensitive-file gate (the value summary tests the same windows).
pub(super) fn sensitive_keys() -> Vec<&'static str> {
    keyed_entries().0
}

/// Every sensitive entry, canonical: the value summary checks which bytes they need.
#[cfg(test)]
pub(super) fn sensitive_entries() -> &'static [&'static str] {
    SENSITIVE
}

static SENSITIVE_AC: LazyLock<Sensitive> = LazyLock::new(|| {
    let (keys, entries) = keyed_entries();
    Sensitive {
        gate: Anchors::new(&keys),
        ac: automaton(&keys),
        entries,
    }
});

/// Whether `input` names a sensitive file or directory.
pub(crate) fn sensitive_file(input: &[u8]) -> Option<Detection> {
    let s = &*SENSITIVE_AC;
    if !s.gate.may_contain(input) {
        return None;
    }
    for m in s.ac.find_iter(input) {
        let Some(entries) = s.entries.get(m.pattern().as_usize()) else {
            continue;
        };
        for entry in entries {
            // a file name must end there (`passwdx` is another name); `passwd-` at the very
            // end is the file's backup copy
            if !entry.ends_with('/') {
                let next = at(input, m.end());
                if is_word(next) || next == b'-' && m.end() + 1 != input.len() {
                    continue;
                }
            }
            if confirm(input, m.start(), m.end(), entry) {
                let from = m.start().saturating_sub(entry.len());
                return Some(found("lfi:sensitive-file", &input[from..m.end()]));
            }
        }
    }
    None
}

/// Canonicalizes `input[from..end]` into `buf` and checks that it ends with `entry` at a
/// boundary.
fn confirm(input: &[u8], key_start: usize, end: usize, entry: &str) -> bool {
    let want = entry.trim_start_matches('/').as_bytes();
    let path_start = entry.starts_with('/');
    let from = key_start.saturating_sub(WINDOW);
    let mut buf = [0u8; WINDOW * 2];
    let mut n = 0usize;
    let mut i = from;
    while i < end && n < buf.len() {
        let u = unit(input, i);
        i += u.len;
        let c = u.byte;
        match c {
            0 | b'"' | b'\'' => continue,
            b'/' => {
                // fold `//` and `/./`
                if n > 0 && buf[n - 1] == b'/' {
                    continue;
                }
                if n >= 2 && buf[n - 1] == b'.' && buf[n - 2] == b'/' {
                    n -= 1;
                    continue;
                }
            }
            _ => {}
        }
        buf[n] = c;
        n += 1;
    }
    let got = &buf[..n];
    if got.len() < want.len() || !got[got.len() - want.len()..].eq_ignore_ascii_case(want) {
        return false;
    }
    let before_pos = got.len() - want.len();
    if before_pos == 0 {
        // the value (or the window) starts with the entry
        return from == 0 || !path_start;
    }
    let prev = got[before_pos - 1];
    if path_start {
        prev == b'/' || prev == b'=' || prev == b':' || prev == b' ' && entry.len() > 8
    } else {
        !is_word(prev) && prev != b'-' || want.first() == Some(&b'.')
    }
}

#[cfg(test)]
mod tests {
    use super::detect;

    fn hit(s: &str) -> bool {
        detect(s.as_bytes()).is_some()
    }

    #[test]
    fn traversal_spellings() {
        for s in [
            "../../etc/passwd",
            "../../../../windows/win.ini",
            "..\\..\\..\\boot.ini",
            ".../.../WINDOWS/win.ini",
            "....//....//etc/passwd",
            "..%2f..%2f..%2fetc%2fpasswd",
            "%2e%2e/%2e%2e/secret.txt",
            "%252e%252e%252fconfig",
            "..%c0%af..%c0%afetc",
            "%c0%ae%c0%ae/%c0%ae%c0%ae/x",
            "..%u2215..%u2215x",
            "%uff0e%uff0e/%uff0e%uff0e/x",
            "0x2e0x2e/0x2e0x2e/x",
            "..;/..;/manager",
            "/static/../../../../etc/hosts",
            "../config.php",
            "file=../../x",
            "\u{ff0e}\u{ff0e}\u{ff0f}\u{ff0e}\u{ff0e}\u{ff0f}x",
            "..%00/..%00/etc",
        ] {
            assert!(hit(s), "{s}");
        }
    }

    #[test]
    fn sensitive_files() {
        for s in [
            "/etc/passwd",
            "/etc//passwd",
            "/etc/./shadow",
            "/proc/self/environ",
            "c:\\windows\\win.ini",
            "C:/boot.ini",
            "/home/user/.ssh/id_rsa",
            "~/.bash_history",
            "/var/www/.htaccess",
            "/web.config",
            "/etc/subuid-",
            "file:///etc/passwd",
            "/WEB-INF/web.xml",
            "/var/log/apache2/access.log",
        ] {
            assert!(hit(s), "{s}");
        }
    }

    #[test]
    fn benign_look_alikes() {
        for s in [
            "hello world",
            "Wait... what?",
            "see https://example.com/a/b/c.html",
            "version 1.2.3",
            "a/b/c",
            "<img src=\"../img/logo.png\">",
            "user.name@example.com",
            "the passwd command changes passwords",
            "our group of hosts",
            "1..10 and 3...5",
            "/etc is a directory",
            "use the environment variable",
            "I edited my webconfig",
            "Document1.docx",
            "/docs/passwords-policy",
            "my.env.example",
            "0x1234abcd",
        ] {
            assert!(!hit(s), "{s}");
        }
    }
}
