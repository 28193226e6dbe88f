//! File extensions that a web server should never serve or be asked about: logs,
//! configuration, backups, database dumps, keys, version-control and editor leftovers.
//!
//! The extension must end the path (or the value, for a file name given as a query argument)
//! or come right before `?`, `#` or `;`, and follow a file name.

use std::sync::LazyLock;

use super::Detection;
use super::prefilter::WordSet;
use super::util::{found, is_word};

/// Extensions, lowercase, without the dot.
const EXTENSIONS: &[&[u8]] = &[
    b"log",
    b"ini",
    b"bak",
    b"backup",
    b"old",
    b"orig",
    b"save",
    b"sav",
    b"swp",
    b"swo",
    b"tmp",
    b"temp",
    b"sql",
    b"sqlite",
    b"sqlite3",
    b"db",
    b"dbf",
    b"mdb",
    b"accdb",
    b"conf",
    b"config",
    b"cfg",
    b"cnf",
    b"env",
    b"git",
    b"svn",
    b"hg",
    b"htaccess",
    b"htpasswd",
    b"htdigest",
    b"passwd",
    b"pwd",
    b"pass",
    b"key",
    b"pem",
    b"ppk",
    b"p12",
    b"pfx",
    b"jks",
    b"keystore",
    b"csr",
    b"asa",
    b"asax",
    b"ascx",
    b"cdx",
    b"cer",
    b"idc",
    b"ida",
    b"idq",
    b"htr",
    b"htw",
    b"printer",
    b"inc",
    b"licx",
    b"lnk",
    b"pdb",
    b"pol",
    b"rdb",
    b"resources",
    b"resx",
    b"sys",
    b"vbproj",
    b"csproj",
    b"vsdisco",
    b"webinfo",
    b"xsd",
    b"xsx",
    b"dll",
    b"bat",
    b"cmd",
    b"vbs",
    b"reg",
    b"dist",
    b"DS_Store",
    b"bash_history",
    b"history",
    b"dump",
    b"dmp",
    b"mysql_history",
    b"npmrc",
    b"dockerenv",
];

/// Compressed archives' extensions: `backup.sql.zip` keeps its inner extension.
const COMPRESSED: &[&[u8]] = &[
    b"zip", b"gz", b"tgz", b"bz2", b"xz", b"7z", b"rar", b"tar", b"zst",
];

struct Sets {
    extensions: WordSet,
    compressed: WordSet,
}

static SETS: LazyLock<Sets> = LazyLock::new(|| Sets {
    extensions: WordSet::new(EXTENSIONS),
    compressed: WordSet::new(COMPRESSED),
});

/// Whether `input` (a path, or a file name in a value) ends in a restricted extension.
pub(crate) fn detect(input: &[u8]) -> Option<Detection> {
    // the part that names a file: up to `?`, `#` or `;`
    let end = input
        .iter()
        .position(|&c| matches!(c, b'?' | b'#' | b';'))
        .unwrap_or(input.len());
    let name = input[..end].trim_ascii_end();
    let name = &name[..name.iter().rposition(|&c| c != 0).map_or(0, |p| p + 1)];
    let tilde = name.ends_with(b"~");
    let name = name.strip_suffix(b"~").unwrap_or(name);
    if name.is_empty() || name.contains(&b' ') || name.contains(&b'\n') || name.contains(&b'@') {
        return None;
    }
    let mut dot = name.iter().rposition(|&c| c == b'.')?;
    // `backup.sql.zip`: a compressed dump keeps its inner extension
    let sets = &*SETS;
    if sets.compressed.contains(&name[dot + 1..])
        && let Some(inner) = name[..dot].iter().rposition(|&c| c == b'.')
    {
        let inner_ext = &name[inner + 1..dot];
        if sets.extensions.contains(inner_ext) {
            dot = inner;
        }
    }
    let ext_end = name[dot + 1..]
        .iter()
        .position(|&c| c == b'.')
        .map_or(name.len(), |p| dot + 1 + p);
    let ext = &name[dot + 1..ext_end];
    if ext.is_empty() || ext.len() > 16 {
        return None;
    }
    // a file name before the dot (`/x.log`, `.env` itself as a last component counts too)
    let stem_ok =
        dot == 0 || is_word(name[dot - 1]) || matches!(name[dot - 1], b'/' | b'-' | b'.' | b'\\');
    if !stem_ok {
        return None;
    }
    // a domain name (`example.com`) or an address is not a file
    let last_component = name
        .rsplit(|&c| c == b'/' || c == b'\\')
        .next()
        .unwrap_or(name);
    // an editor's backup copy (`index.php~`) of any file
    let listed = sets.extensions.contains(ext);
    let backup = tilde && ext.iter().all(u8::is_ascii_alphanumeric);
    if !(listed || backup) {
        return None;
    }
    // `report.log.html` would not get here; `v1.2.ini` is still a file
    if last_component.len() == ext.len() + 1 && !name.contains(&b'/') && dot == 0 && name.len() < 3
    {
        return None;
    }
    Some(found("restricted-extension", last_component))
}

#[cfg(test)]
mod tests {
    use super::detect;

    fn hit(s: &str) -> bool {
        detect(s.as_bytes()).is_some()
    }

    #[test]
    fn attacks() {
        for s in [
            "/var/log/access.log",
            "/config/app.ini",
            "/index.php.bak",
            "/backup/db.sql",
            "/site.conf",
            "/.env",
            "/app/.git",
            "/x/web.config",
            "/file.old?x=1",
            "backup.sql",
            "/wp-config.php.swp",
            "/server.key",
            "/global.asa",
            "/a/b/c.mdb",
            "/x.cfg;jsessionid=1",
            "/index.php~",
            "/.DS_Store",
        ] {
            assert!(hit(s), "{s}");
        }
    }

    #[test]
    fn benign() {
        for s in [
            "/index.html",
            "/images/logo.png",
            "/api/v1/users",
            "/download/report.pdf",
            "example.com",
            "/blog/how-to-read-a-log-file",
            "hello world.log is here",
            "user@mail.cfg",
            "/static/app.js",
            "/",
            "",
            "/docs/config",
            "/products/old",
            "/catalog.json",
            "/archive.tar.gz",
        ] {
            assert!(!hit(s), "{s}");
        }
    }
}
