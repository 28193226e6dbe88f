//! Paths reserved for administering a web server or application.
//!
//! A path matches when one of its segments is an administration page or directory
//! (case-insensitive, whole segment; a known page name may carry its extension).

use std::sync::LazyLock;

use super::Detection;
use super::prefilter::WordSet;
use super::util::found;

/// Whole path segments (lowercase).
const SEGMENTS: &[&[u8]] = &[
    b"admin",
    b"administrator",
    b"administration",
    b"admins",
    b"_admin",
    b"admin_area",
    b"adminarea",
    b"admin-console",
    b"admin_console",
    b"adminconsole",
    b"admincp",
    b"admincontrol",
    b"adminpanel",
    b"admin-panel",
    b"admin_panel",
    b"webadmin",
    b"siteadmin",
    b"sysadmin",
    b"superadmin",
    b"cpanel",
    b"controlpanel",
    b"wp-admin",
    b"phpmyadmin",
    b"phpmyadmin2",
    b"pma",
    b"myadmin",
    b"mysqladmin",
    b"mysql-admin",
    b"sqladmin",
    b"sqlmanager",
    b"sqlweb",
    b"websql",
    b"dbadmin",
    b"db-admin",
    b"adminer",
    b"phppgadmin",
    b"pgadmin",
    b"manager",
    b"host-manager",
    b"jmx-console",
    b"web-console",
    b"admin-ui",
    b"axis2-admin",
    b"solr",
    b"memadmin",
    b"redis-admin",
    b"rockmongo",
    b"mongo-express",
    b"elmah.axd",
    b"trace.axd",
    b"webmin",
    b"plesk",
    b"directadmin",
    b"ispconfig",
    b"kibana",
    b"_plugin",
    b"joomla-admin",
    b"typo3",
    b"umbraco",
    b"sitecore",
    b"bitrix",
    b"craft",
    b"backoffice",
    b"moderator",
    b"useradmin",
];

/// Page names (lowercase, without extension).
const PAGES: &[&[u8]] = &[
    b"admin",
    b"administrator",
    b"wp-login",
    b"adminer",
    b"admin-login",
    b"admin_login",
    b"adminlogin",
    b"login-admin",
    b"phpmyadmin",
    b"setup-config",
    b"install",
];

/// Extensions of pages that run code.
const SCRIPT_EXTENSIONS: &[&[u8]] = &[
    b".php", b".asp", b".aspx", b".jsp", b".jspx", b".do", b".action", b".cgi", b".pl", b".cfm",
    b".htm", b".html", b".py",
];

/// Segments that only count with a further segment after them (`/manager/html`, `/solr/admin`).
const NEEDS_CHILD: &[&[u8]] = &[
    b"manager",
    b"solr",
    b"craft",
    b"bitrix",
    b"typo3",
    b"umbraco",
    b"sitecore",
    b"kibana",
    b"_plugin",
    b"moderator",
    b"install",
];

struct Sets {
    segments: WordSet,
    pages: WordSet,
    script_extensions: WordSet,
    needs_child: WordSet,
}

static SETS: LazyLock<Sets> = LazyLock::new(|| Sets {
    segments: WordSet::new(SEGMENTS),
    pages: WordSet::new(PAGES),
    script_extensions: WordSet::new(SCRIPT_EXTENSIONS),
    needs_child: WordSet::new(NEEDS_CHILD),
});

/// Whether `input` (a URI path) names an administration page.
pub(crate) fn detect(input: &[u8]) -> Option<Detection> {
    let path = &input[..input
        .iter()
        .position(|&c| c == b'?' || c == b'#')
        .unwrap_or(input.len())];
    if !path.contains(&b'/') {
        return None;
    }
    let sets = &*SETS;
    let mut segments = path
        .split(|&c| c == b'/')
        .filter(|s| !s.is_empty())
        .peekable();
    while let Some(seg) = segments.next() {
        let stem = match seg.iter().rposition(|&c| c == b'.') {
            Some(p) if p > 0 => &seg[..p],
            _ => seg,
        };
        let is_segment = sets.segments.contains(seg);
        let ext = &seg[stem.len()..];
        let is_page =
            !ext.is_empty() && sets.script_extensions.contains(ext) && sets.pages.contains(stem);
        if !is_segment && !is_page {
            continue;
        }
        let has_child = segments.peek().is_some();
        let needs_child = sets.needs_child.contains(stem);
        if (is_segment && (!needs_child || has_child)) || (is_page && !needs_child) {
            return Some(found("admin-path", path));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::detect;

    fn hit(s: &str) -> bool {
        detect(s.as_bytes()).is_some()
    }

    #[test]
    fn admin() {
        for s in [
            "/admin",
            "/admin/",
            "/Admin/login",
            "/wp-admin/options.php",
            "/wp-login.php",
            "/phpmyadmin/index.php",
            "/manager/html",
            "/host-manager/html",
            "/sqlmanager/",
            "/administrator/index.php",
            "/app/admin/users",
            "/adminer.php",
            "/jmx-console/",
            "/solr/admin/cores",
            "/cpanel",
            "/admin.php?x=1",
        ] {
            assert!(hit(s), "{s}");
        }
    }

    #[test]
    fn benign() {
        for s in [
            "/",
            "/index.html",
            "/blog/administering-your-garden",
            "/api/v1/users",
            "/products/admiral-hat",
            "/manager",
            "/docs/admin-guide.pdf",
            "/solr",
            "/static/admin.css",
            "/team/management",
            "/adminstrators-club",
            "/about",
            "/search?q=admin",
            "/img/pma-logo.png",
            "/careers/site-manager",
        ] {
            assert!(!hit(s), "{s}");
        }
    }
}
