//! Paths reserved for administering a web server or application.
//!
//! A path matches when one of its segments is an administration page or directory
//! (case-insensitive, whole segment; a known page name may carry its extension).

use super::Detection;
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

/// Whether `input` (a URI path) names an administration page.
pub(crate) fn detect(input: &[u8]) -> Option<Detection> {
    let path = &input[..input
        .iter()
        .position(|&c| c == b'?' || c == b'#')
        .unwrap_or(input.len())];
    if !path.contains(&b'/') {
        return None;
    }
    let segments: Vec<&[u8]> = path
        .split(|&c| c == b'/')
        .filter(|s| !s.is_empty())
        .collect();
    for (i, seg) in segments.iter().enumerate() {
        let has_child = i + 1 < segments.len();
        let stem = match seg.iter().rposition(|&c| c == b'.') {
            Some(p) if p > 0 => &seg[..p],
            _ => seg,
        };
        let is_segment = SEGMENTS.iter().any(|s| seg.eq_ignore_ascii_case(s));
        let ext = &seg[stem.len()..];
        let script = SCRIPT_EXTENSIONS
            .iter()
            .any(|e| ext.eq_ignore_ascii_case(e));
        let is_page = script && PAGES.iter().any(|p| stem.eq_ignore_ascii_case(p));
        let needs_child = NEEDS_CHILD.iter().any(|s| stem.eq_ignore_ascii_case(s));
        if (is_segment && (!needs_child || has_child)) || (is_page && !needs_child) {
            return Some(found("admin-path", path));
        }
    }
    None
}
