//! Web ACLs: AWS WAF's own JSON documents, named in `rampart.yaml` and associated with load
//! balancers.
//!
//! The model keeps where the documents are; [`load_web_acl`] reads them (the web ACL, the rule
//! groups, IP sets and regex pattern sets it references, the addresses behind managed IP
//! lists) and compiles them with the `waf` engine. Every problem is a [`Diagnostic`] located
//! in the file it is in: the JSON path and, for what the JSON reader found, the line and
//! column.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use waf::acl::{self, AclError, SearchStringEncoding, json};

use crate::alb::AccessLog;
use crate::diag::{Diagnostic, Diagnostics};

/// A web ACL of [`crate::Model::web_acls`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WebAclIdx(pub u32);

impl WebAclIdx {
    pub fn get(self) -> usize {
        self.0 as usize
    }
}

/// `web_acls.NAME`: where a web ACL's documents are. Paths are as written: relative ones are
/// relative to the working directory, as the access log's are.
#[derive(Clone, Debug, PartialEq)]
pub struct WebAclConfig {
    pub name: String,
    /// The web ACL: `{"WebACL": …}` as `aws wafv2 get-web-acl` prints it, or the bare object.
    pub file: PathBuf,
    pub rule_groups: Vec<PathBuf>,
    pub ip_sets: Vec<PathBuf>,
    pub regex_pattern_sets: Vec<PathBuf>,
    /// The addresses behind a managed IP list (`AWSManagedIPReputationList`, …), by rule
    /// name: one CIDR per line, `#` comments.
    pub ip_lists: Vec<(String, PathBuf)>,
    /// AWS WAF log records, one JSON object per line, rotated by size.
    pub log: Option<AccessLog>,
    /// The MaxMind-format database behind `GeoMatchStatement`, `AsnMatchStatement` and the
    /// WAF log's `country`.
    pub geo_database: Option<PathBuf>,
    /// The secret that signs CAPTCHA and Challenge tokens: the file's bytes, at least
    /// [`waf::token::MIN_SECRET_LEN`]. Without it the load balancer draws one at start, and
    /// tokens do not survive a restart.
    pub token_secret_file: Option<PathBuf>,
}

/// A web ACL's documents, read and compiled.
#[derive(Debug)]
pub struct LoadedWebAcl {
    pub compiled: waf::WebAcl,
    /// The web ACL as read, for what the compiled form does not keep (metric names).
    pub document: json::WebAcl,
    /// The rule groups as read.
    pub rule_groups: Vec<json::RuleGroup>,
    /// The geolocation database, when configured.
    pub geo: Option<Arc<waf::geo::GeoDb>>,
    /// The key from `token_secret_file`, when configured.
    pub token_key: Option<Arc<waf::token::TokenKey>>,
}

/// The largest WAF document read: AWS's own documents are far smaller (a web ACL holds at
/// most 5,000 WCU of rules; an IP set 10,000 addresses).
const MAX_DOCUMENT_BYTES: u64 = 8 * 1024 * 1024;

/// The largest token secret file read.
const MAX_SECRET_BYTES: u64 = 4096;

/// Reads the web ACL's documents from the file system and compiles them. `config_file` names
/// the `rampart.yaml` that names the documents, for the errors about reading them.
pub fn load_web_acl(cfg: &WebAclConfig, config_file: &str) -> Result<LoadedWebAcl, Diagnostics> {
    load_web_acl_with(cfg, config_file, &mut read_document)
}

/// [`load_web_acl`], with the documents' text from `read` (for configurations held in
/// memory, and tests).
pub fn load_web_acl_with(
    cfg: &WebAclConfig,
    config_file: &str,
    read: &mut dyn FnMut(&Path) -> Result<String, String>,
) -> Result<LoadedWebAcl, Diagnostics> {
    let mut errors = Vec::new();
    let base = format!("web_acls.{}", cfg.name);
    let mut text = |path: &Path, at: String, errors: &mut Vec<Diagnostic>| match read(path) {
        Ok(t) => Some(t),
        Err(why) => {
            errors.push(Diagnostic {
                file: config_file.to_owned(),
                path: at,
                line: None,
                column: None,
                found: Some(path.display().to_string()),
                message: format!("cannot read the file: {why}"),
            });
            None
        }
    };

    let mut resources = waf::Resources::default();
    let mut group_files: Vec<(String, PathBuf)> = Vec::new();
    for (i, p) in cfg.rule_groups.iter().enumerate() {
        let Some(t) = text(p, format!("{base}.rule_groups[{i}]"), &mut errors) else {
            continue;
        };
        match acl::load_rule_group(&t) {
            Ok(mut loaded) => {
                if loaded.search_strings == SearchStringEncoding::Base64 {
                    search_strings_as_base64(&mut loaded.value);
                }
                group_files.push((loaded.value.name.clone(), p.clone()));
                resources.rule_groups.push(loaded.value);
            }
            Err(e) => errors.extend(located(p, e)),
        }
    }
    for (i, p) in cfg.ip_sets.iter().enumerate() {
        let Some(t) = text(p, format!("{base}.ip_sets[{i}]"), &mut errors) else {
            continue;
        };
        match acl::load_ip_set(&t) {
            Ok(s) => resources.ip_sets.push(s),
            Err(e) => errors.extend(located(p, e)),
        }
    }
    for (i, p) in cfg.regex_pattern_sets.iter().enumerate() {
        let Some(t) = text(p, format!("{base}.regex_pattern_sets[{i}]"), &mut errors) else {
            continue;
        };
        match acl::load_regex_pattern_set(&t) {
            Ok(s) => resources.regex_pattern_sets.push(s),
            Err(e) => errors.extend(located(p, e)),
        }
    }
    for (rule, p) in &cfg.ip_lists {
        let Some(t) = text(p, format!("{base}.ip_lists.{rule}"), &mut errors) else {
            continue;
        };
        match ip_list(p, &t) {
            Ok(cidrs) => {
                resources.managed_ip_lists.insert(rule.clone(), cidrs);
            }
            Err(e) => errors.extend(e),
        }
    }
    let mut config_error = |at: String, found: &Path, message: String| {
        errors.push(Diagnostic {
            file: config_file.to_owned(),
            path: at,
            line: None,
            column: None,
            found: Some(found.display().to_string()),
            message,
        });
    };
    let mut geo = None;
    if let Some(p) = &cfg.geo_database {
        // binary, and up to a gigabyte: read from the file system, not through `read`
        match waf::geo::GeoDb::open(p) {
            Ok(db) => geo = Some(Arc::new(db)),
            Err(e) => config_error(format!("{base}.geo_database"), p, e.to_string()),
        }
    }
    resources.geo = geo.clone();
    let mut token_key = None;
    if let Some(p) = &cfg.token_secret_file {
        match read_secret(p).and_then(|s| waf::token::TokenKey::new(&s).map_err(|e| e.to_string()))
        {
            Ok(k) => token_key = Some(Arc::new(k)),
            Err(why) => config_error(format!("{base}.token_secret_file"), p, why),
        }
    }
    let document =
        text(&cfg.file, format!("{base}.file"), &mut errors).and_then(|t| match acl::load_web_acl(
            &t,
        ) {
            Ok(l) => Some(l),
            Err(e) => {
                errors.extend(located(&cfg.file, e));
                None
            }
        });
    // Compiling reports what the references resolve to; it waits until every document read.
    let (Some(document), true) = (document, errors.is_empty()) else {
        return Err(Diagnostics(errors));
    };
    match waf::compile(&document.value, document.search_strings, &resources) {
        Ok(compiled) => Ok(LoadedWebAcl {
            compiled,
            document: document.value,
            rule_groups: resources.rule_groups,
            geo,
            token_key,
        }),
        Err(e) => Err(Diagnostics(
            e.into_iter()
                .map(|e| in_group_file(&cfg.file, &group_files, e))
                .collect(),
        )),
    }
}

/// Reads a document of at most [`MAX_DOCUMENT_BYTES`].
fn read_document(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut text = String::new();
    f.take(MAX_DOCUMENT_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| e.to_string())?;
    if text.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(format!("larger than {MAX_DOCUMENT_BYTES} bytes"));
    }
    Ok(text)
}

/// A token secret: the file's bytes, at most [`MAX_SECRET_BYTES`]. The error never quotes them.
fn read_secret(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(|e| format!("cannot read the file: {e}"))?;
    let mut bytes = Vec::new();
    f.take(MAX_SECRET_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the file: {e}"))?;
    if bytes.len() as u64 > MAX_SECRET_BYTES {
        return Err(format!(
            "a token secret file holds at most {MAX_SECRET_BYTES} bytes"
        ));
    }
    Ok(bytes)
}

fn located(file: &Path, errors: Vec<AclError>) -> Vec<Diagnostic> {
    errors
        .into_iter()
        .map(|e| Diagnostic {
            file: file.display().to_string(),
            path: e.path,
            line: e.line,
            column: e.column,
            found: None,
            message: e.message,
        })
        .collect()
}

/// A compile error about a rule group (`rule group NAME: $.Rules[0]…`) points at the group's
/// own file.
fn in_group_file(acl_file: &Path, groups: &[(String, PathBuf)], e: AclError) -> Diagnostic {
    let mut d = located(acl_file, vec![e]).remove(0);
    if let Some(rest) = d.path.strip_prefix("rule group ")
        && let Some((name, path)) = rest.split_once(": ")
        && let Some((_, file)) = groups.iter().find(|(n, _)| n == name)
    {
        d.file = file.display().to_string();
        d.path = path.to_owned();
    }
    d
}

/// One CIDR per line; `#` starts a comment.
fn ip_list(path: &Path, text: &str) -> Result<Vec<waf::ipset::Cidr>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let entry = line.split('#').next().unwrap_or("").trim();
        if entry.is_empty() {
            continue;
        }
        match waf::ipset::parse_cidr(entry) {
            Ok(c) => out.push(c),
            Err(why) => errors.push(Diagnostic {
                file: path.display().to_string(),
                path: String::new(),
                line: Some(i + 1),
                column: Some(line.len() - line.trim_start().len() + 1),
                found: Some(entry.to_owned()),
                message: format!("expected a CIDR block such as 192.0.2.0/24: {why}"),
            }),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A rule group read from the API's `{"RuleGroup": …}` form carries its `SearchString`s in
/// base64; the engine reads a referenced group's as text, so they move to
/// `SearchStringBase64`, which is base64 in both forms.
fn search_strings_as_base64(group: &mut json::RuleGroup) {
    fn statement(s: &mut json::Statement) {
        match s {
            json::Statement::ByteMatchStatement(b) if b.search_string_base64.is_none() => {
                b.search_string_base64 = b.search_string.take();
            }
            json::Statement::AndStatement(all) | json::Statement::OrStatement(all) => {
                all.statements.iter_mut().for_each(statement);
            }
            json::Statement::NotStatement(n) => statement(&mut n.statement),
            json::Statement::RateBasedStatement(r) => {
                if let Some(s) = &mut r.scope_down_statement {
                    statement(s);
                }
            }
            _ => {}
        }
    }
    for r in &mut group.rules {
        statement(&mut r.statement);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(files: &[(&str, &str)]) -> (WebAclConfig, HashMap<PathBuf, String>) {
        let cfg = WebAclConfig {
            name: "shop".into(),
            file: "shop.json".into(),
            rule_groups: files
                .iter()
                .filter(|(n, _)| n.starts_with("group"))
                .map(|(n, _)| PathBuf::from(n))
                .collect(),
            ip_sets: Vec::new(),
            regex_pattern_sets: Vec::new(),
            ip_lists: files
                .iter()
                .filter(|(n, _)| n.ends_with(".txt"))
                .map(|(n, _)| ("AWSManagedIPReputationList".to_owned(), PathBuf::from(n)))
                .collect(),
            log: None,
            geo_database: None,
            token_secret_file: None,
        };
        let map = files
            .iter()
            .map(|(n, t)| (PathBuf::from(n), (*t).to_owned()))
            .collect();
        (cfg, map)
    }

    fn load(files: &[(&str, &str)]) -> Result<LoadedWebAcl, Diagnostics> {
        let (cfg, map) = config(files);
        load_web_acl_with(&cfg, "rampart.yaml", &mut |p| {
            map.get(p).cloned().ok_or_else(|| "not found".to_owned())
        })
    }

    const VIS: &str =
        r#"{"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": "m"}"#;

    fn acl(rules: &str) -> String {
        format!(
            r#"{{"Name": "shop", "DefaultAction": {{"Allow": {{}}}}, "VisibilityConfig": {VIS}, "Rules": [{rules}]}}"#
        )
    }

    #[test]
    fn a_group_referenced_by_name_compiles() {
        let group = format!(
            r#"{{"RuleGroup": {{"Name": "g", "Capacity": 10, "VisibilityConfig": {VIS}, "Rules": [
                {{"Name": "admin", "Priority": 0, "Action": {{"Block": {{}}}}, "VisibilityConfig": {VIS},
                  "Statement": {{"ByteMatchStatement": {{"SearchString": "L2FkbWlu", "PositionalConstraint": "STARTS_WITH",
                    "FieldToMatch": {{"UriPath": {{}}}}, "TextTransformations": [{{"Priority": 0, "Type": "NONE"}}]}}}}}}]}}}}"#
        );
        let web = acl(&format!(
            r#"{{"Name": "grp", "Priority": 0, "OverrideAction": {{"None": {{}}}}, "VisibilityConfig": {VIS},
                "Statement": {{"RuleGroupReferenceStatement": {{"ARN": "g"}}}}}}"#
        ));
        let loaded = load(&[("shop.json", &web), ("group.json", &group)]).unwrap();
        assert_eq!(loaded.compiled.name(), "shop");
        assert_eq!(loaded.rule_groups.len(), 1);
        // the API form's base64 search string is read as base64
        let headers = [];
        let req = waf::Request {
            client_ip: "192.0.2.1".parse().unwrap(),
            method: "GET",
            uri: "/admin/x",
            http_version: "HTTP/1.1",
            headers: &headers,
            body: b"",
            body_len: None,
            ja3: None,
            ja4: None,
        };
        let v = loaded.compiled.evaluate(&req, waf::Options::default());
        assert_eq!(v.action, waf::ActionKind::Block);
    }

    #[test]
    fn a_body_statement_makes_the_web_acl_read_bodies() {
        let rule = |field: &str| {
            format!(
                r#"{{"Name": "r", "Priority": 0, "Action": {{"Block": {{}}}}, "VisibilityConfig": {VIS},
                  "Statement": {{"NotStatement": {{"Statement": {{"ByteMatchStatement": {{"SearchString": "x",
                    "PositionalConstraint": "CONTAINS", "FieldToMatch": {field},
                    "TextTransformations": [{{"Priority": 0, "Type": "NONE"}}]}}}}}}}}}}"#
            )
        };
        let body = load(&[("shop.json", &acl(&rule(r#"{"Body": {}}"#)))]).unwrap();
        assert!(body.compiled.inspects_body());
        let json = load(&[(
            "shop.json",
            &acl(&rule(
                r#"{"JsonBody": {"MatchPattern": {"All": {}}, "MatchScope": "ALL"}}"#,
            )),
        )])
        .unwrap();
        assert!(json.compiled.inspects_body());
        let uri = load(&[("shop.json", &acl(&rule(r#"{"UriPath": {}}"#)))]).unwrap();
        assert!(!uri.compiled.inspects_body());
    }

    #[test]
    fn errors_are_located_in_the_file_they_are_in() {
        let web = acl(r#"{"Name": "r", "Priority": 0, "Action": {"Blok": {}}}"#);
        let e = load(&[("shop.json", &web)]).unwrap_err();
        assert_eq!(e.0[0].file, "shop.json");
        assert!(e.0[0].line.is_some(), "{e}");

        let web = acl("");
        let e = load(&[("shop.json", &web), ("bad.txt", "10.0.0.0/8\nnot-an-ip\n")]).unwrap_err();
        assert_eq!(e.0[0].file, "bad.txt");
        assert_eq!(e.0[0].line, Some(2));

        let (mut cfg, _) = config(&[]);
        cfg.rule_groups.push("missing.json".into());
        let e =
            load_web_acl_with(&cfg, "rampart.yaml", &mut |_| Err("not found".into())).unwrap_err();
        assert_eq!(e.0[0].file, "rampart.yaml");
        assert_eq!(e.0[0].path, "web_acls.shop.rule_groups[0]");
        assert_eq!(e.0[1].path, "web_acls.shop.file");
    }

    #[test]
    fn a_missing_reference_names_the_statement() {
        let web = acl(&format!(
            r#"{{"Name": "grp", "Priority": 0, "OverrideAction": {{"None": {{}}}}, "VisibilityConfig": {VIS},
                "Statement": {{"RuleGroupReferenceStatement": {{"ARN": "nope"}}}}}}"#
        ));
        let e = load(&[("shop.json", &web)]).unwrap_err();
        assert_eq!(e.0[0].file, "shop.json");
        assert!(e.0[0].path.contains("RuleGroupReferenceStatement"), "{e}");
    }
}
