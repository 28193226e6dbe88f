//! Stage two for `web_acls`: names, files and logs. The documents themselves are read and
//! compiled after validation ([`crate::load_web_acl`]): validation does not touch the disk.

use std::path::PathBuf;

use super::Cx;
use crate::raw::*;
use crate::web_acl::WebAclConfig;

/// Rule names behind AWS's managed IP lists, as `ip_lists` keys name them.
const IP_LIST_RULES: [&str; 5] = [
    "AWSManagedIPReputationList",
    "AWSManagedReconnaissanceList",
    "AWSManagedIPDDoSList",
    "AnonymousIPList",
    "HostingProviderIPList",
];

impl Cx<'_> {
    pub(super) fn web_acls(&mut self, raw: &RawConfig) -> Vec<WebAclConfig> {
        let _ = self.names("web_acls", &raw.web_acls);
        let mut out = Vec::new();
        for (name, w) in raw.web_acls.iter() {
            let path = format!("web_acls.{}", name.text);
            // AWS: 1 to 128 of letters, digits, `-` and `_`
            let n = &name.text;
            if n.is_empty()
                || n.len() > 128
                || !n
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                self.bad(
                    &path,
                    name,
                    "a web ACL name has 1 to 128 letters, digits, hyphens and underscores",
                );
            }
            let file = match &w.file {
                Some(f) if !f.text.trim().is_empty() => PathBuf::from(&f.text),
                _ => {
                    self.missing(
                        &format!("{path}.file"),
                        w.file.as_ref().or(Some(name)),
                        "a web ACL needs its AWS JSON `file` (as `aws wafv2 get-web-acl` prints it)",
                    );
                    continue;
                }
            };
            let files = |cx: &mut Self, field: &str, leaves: &[Leaf]| -> Vec<PathBuf> {
                let mut v = Vec::new();
                for (i, l) in leaves.iter().enumerate() {
                    if l.text.trim().is_empty() {
                        cx.bad(&format!("{path}.{field}[{i}]"), l, "expected a file path");
                    } else {
                        v.push(PathBuf::from(&l.text));
                    }
                }
                v
            };
            let rule_groups = files(self, "rule_groups", &w.rule_groups);
            let ip_sets = files(self, "ip_sets", &w.ip_sets);
            let regex_pattern_sets = files(self, "regex_pattern_sets", &w.regex_pattern_sets);
            let mut ip_lists = Vec::new();
            for (rule, f) in w.ip_lists.iter() {
                let at = format!("{path}.ip_lists.{}", rule.text);
                if !IP_LIST_RULES.contains(&rule.text.as_str()) {
                    let mut msg =
                        "is not one of AWS's managed IP lists, so no rule reads it".to_owned();
                    match super::suggest(&rule.text, &IP_LIST_RULES) {
                        Some(s) => msg.push_str(&format!("; did you mean `{s}`?")),
                        None => msg.push_str(&format!(" (they are {})", IP_LIST_RULES.join(", "))),
                    }
                    self.warn(&at, rule, msg);
                }
                if f.text.trim().is_empty() {
                    self.bad(&at, f, "expected a file of CIDR blocks, one per line");
                    continue;
                }
                ip_lists.push((rule.text.clone(), PathBuf::from(&f.text)));
            }
            let log = w
                .log
                .as_ref()
                .and_then(|l| self.log_file(&format!("{path}.log"), l));
            let file_key = |cx: &mut Self, field: &str, leaf: &Option<Leaf>, what: &str| {
                let l = leaf.as_ref()?;
                if l.text.trim().is_empty() {
                    cx.bad(&format!("{path}.{field}"), l, format!("expected {what}"));
                    return None;
                }
                Some(PathBuf::from(&l.text))
            };
            let geo_database = file_key(
                self,
                "geo_database",
                &w.geo_database,
                "the path of a MaxMind-format database (GeoLite2/GeoIP2 Country, City or ASN)",
            );
            let token_secret_file = file_key(
                self,
                "token_secret_file",
                &w.token_secret_file,
                "the path of a file of at least 32 secret bytes",
            );
            out.push(WebAclConfig {
                name: name.text.clone(),
                file,
                rule_groups,
                ip_sets,
                regex_pattern_sets,
                ip_lists,
                log,
                geo_database,
                token_secret_file,
            });
        }
        out
    }
}
