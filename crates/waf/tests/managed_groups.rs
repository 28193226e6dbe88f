//! The managed rule groups shipped in `crates/waf/managed/` and the default web ACL in
//! `examples/waf/` keep to AWS's shapes and naming rules, and to the rule names, labels and
//! default actions AWS publishes for each group.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;
use waf::detect::Detector;

/// Group name, vendor, label slug, and (rule name, label, action) in AWS's order.
type Expected = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str, &'static str)],
);

const GROUPS: &[Expected] = &[
    (
        "AWSManagedRulesCommonRuleSet",
        "aws",
        "core-rule-set",
        &[
            ("NoUserAgent_HEADER", "NoUserAgent_Header", "Block"),
            ("UserAgent_BadBots_HEADER", "BadBots_Header", "Block"),
            (
                "SizeRestrictions_QUERYSTRING",
                "SizeRestrictions_QueryString",
                "Block",
            ),
            (
                "SizeRestrictions_Cookie_HEADER",
                "SizeRestrictions_Cookie_Header",
                "Block",
            ),
            ("SizeRestrictions_BODY", "SizeRestrictions_Body", "Block"),
            (
                "SizeRestrictions_URIPATH",
                "SizeRestrictions_URIPath",
                "Block",
            ),
            ("EC2MetaDataSSRF_BODY", "EC2MetaDataSSRF_Body", "Block"),
            ("EC2MetaDataSSRF_COOKIE", "EC2MetaDataSSRF_Cookie", "Block"),
            (
                "EC2MetaDataSSRF_URIPATH",
                "EC2MetaDataSSRF_URIPath",
                "Block",
            ),
            (
                "EC2MetaDataSSRF_QUERYARGUMENTS",
                "EC2MetaDataSSRF_QueryArguments",
                "Block",
            ),
            (
                "GenericLFI_QUERYARGUMENTS",
                "GenericLFI_QueryArguments",
                "Block",
            ),
            ("GenericLFI_URIPATH", "GenericLFI_URIPath", "Block"),
            ("GenericLFI_BODY", "GenericLFI_Body", "Block"),
            (
                "RestrictedExtensions_URIPATH",
                "RestrictedExtensions_URIPath",
                "Block",
            ),
            (
                "RestrictedExtensions_QUERYARGUMENTS",
                "RestrictedExtensions_QueryArguments",
                "Block",
            ),
            (
                "GenericRFI_QUERYARGUMENTS",
                "GenericRFI_QueryArguments",
                "Block",
            ),
            ("GenericRFI_BODY", "GenericRFI_Body", "Block"),
            ("GenericRFI_URIPATH", "GenericRFI_URIPath", "Block"),
            (
                "CrossSiteScripting_COOKIE",
                "CrossSiteScripting_Cookie",
                "Block",
            ),
            (
                "CrossSiteScripting_QUERYARGUMENTS",
                "CrossSiteScripting_QueryArguments",
                "Block",
            ),
            (
                "CrossSiteScripting_BODY",
                "CrossSiteScripting_Body",
                "Block",
            ),
            (
                "CrossSiteScripting_URIPATH",
                "CrossSiteScripting_URIPath",
                "Block",
            ),
        ],
    ),
    (
        "AWSManagedRulesSQLiRuleSet",
        "aws",
        "sql-database",
        &[
            ("SQLi_QUERYARGUMENTS", "SQLi_QueryArguments", "Block"),
            (
                "SQLiExtendedPatterns_QUERYARGUMENTS",
                "SQLiExtendedPatterns_QueryArguments",
                "Block",
            ),
            ("SQLi_BODY", "SQLi_Body", "Block"),
            (
                "SQLiExtendedPatterns_BODY",
                "SQLiExtendedPatterns_Body",
                "Block",
            ),
            ("SQLi_COOKIE", "SQLi_Cookie", "Block"),
        ],
    ),
    (
        "AWSManagedRulesKnownBadInputsRuleSet",
        "aws",
        "known-bad-inputs",
        &[
            (
                "JavaDeserializationRCE_HEADER",
                "JavaDeserializationRCE_Header",
                "Block",
            ),
            (
                "JavaDeserializationRCE_BODY",
                "JavaDeserializationRCE_Body",
                "Block",
            ),
            (
                "JavaDeserializationRCE_URIPATH",
                "JavaDeserializationRCE_URIPath",
                "Block",
            ),
            (
                "JavaDeserializationRCE_QUERYSTRING",
                "JavaDeserializationRCE_QueryString",
                "Block",
            ),
            ("Host_localhost_HEADER", "Host_Localhost_Header", "Block"),
            ("PROPFIND_METHOD", "Propfind_Method", "Block"),
            (
                "ExploitablePaths_URIPATH",
                "ExploitablePaths_URIPath",
                "Block",
            ),
            ("Log4JRCE_HEADER", "Log4JRCE_Header", "Block"),
            ("Log4JRCE_QUERYSTRING", "Log4JRCE_QueryString", "Block"),
            ("Log4JRCE_BODY", "Log4JRCE_Body", "Block"),
            ("Log4JRCE_URIPATH", "Log4JRCE_URIPath", "Block"),
        ],
    ),
    (
        "AWSManagedRulesLinuxRuleSet",
        "aws",
        "linux-os",
        &[
            ("LFI_URIPATH", "LFI_URIPath", "Block"),
            ("LFI_QUERYSTRING", "LFI_QueryString", "Block"),
            ("LFI_HEADER", "LFI_Header", "Block"),
        ],
    ),
    (
        "AWSManagedRulesUnixRuleSet",
        "aws",
        "posix-os",
        &[
            (
                "UNIXShellCommandsVariables_QUERYARGUMENTS",
                "UNIXShellCommandsVariables_QUERYARGUMENTS",
                "Block",
            ),
            (
                "UNIXShellCommandsVariables_BODY",
                "UNIXShellCommandsVariables_BODY",
                "Block",
            ),
        ],
    ),
    (
        "AWSManagedRulesWindowsRuleSet",
        "aws",
        "windows-os",
        &[
            (
                "WindowsShellCommands_COOKIE",
                "WindowsShellCommands_Cookie",
                "Block",
            ),
            (
                "WindowsShellCommands_QUERYARGUMENTS",
                "WindowsShellCommands_QueryArguments",
                "Block",
            ),
            (
                "WindowsShellCommands_BODY",
                "WindowsShellCommands_Body",
                "Block",
            ),
            (
                "PowerShellCommands_COOKIE",
                "PowerShellCommands_Cookie",
                "Block",
            ),
            (
                "PowerShellCommands_QUERYARGUMENTS",
                "PowerShellCommands_QueryArguments",
                "Block",
            ),
            (
                "PowerShellCommands_BODY",
                "PowerShellCommands_Body",
                "Block",
            ),
        ],
    ),
    (
        "AWSManagedRulesPHPRuleSet",
        "aws",
        "php-app",
        &[
            (
                "PHPHighRiskMethodsVariables_HEADER",
                "PHPHighRiskMethodsVariables_Header",
                "Block",
            ),
            (
                "PHPHighRiskMethodsVariables_QUERYSTRING",
                "PHPHighRiskMethodsVariables_QueryString",
                "Block",
            ),
            (
                "PHPHighRiskMethodsVariables_BODY",
                "PHPHighRiskMethodsVariables_Body",
                "Block",
            ),
        ],
    ),
    (
        "AWSManagedRulesAdminProtectionRuleSet",
        "aws",
        "admin-protection",
        &[(
            "AdminProtection_URIPATH",
            "AdminProtection_URIPath",
            "Block",
        )],
    ),
    (
        "AWSManagedRulesAmazonIpReputationList",
        "aws",
        "amazon-ip-list",
        &[
            (
                "AWSManagedIPReputationList",
                "AWSManagedIPReputationList",
                "Block",
            ),
            (
                "AWSManagedReconnaissanceList",
                "AWSManagedReconnaissanceList",
                "Block",
            ),
            ("AWSManagedIPDDoSList", "AWSManagedIPDDoSList", "Count"),
        ],
    ),
    (
        "AWSManagedRulesAnonymousIpList",
        "aws",
        "anonymous-ip-list",
        &[
            ("AnonymousIPList", "AnonymousIPList", "Block"),
            ("HostingProviderIPList", "HostingProviderIPList", "Block"),
        ],
    ),
    (
        "RampartProtocolRuleSet",
        "rampart",
        "protocol-attack",
        &[
            (
                "ProtocolAttack_QUERYARGUMENTS",
                "ProtocolAttack_QueryArguments",
                "Block",
            ),
            ("ProtocolAttack_BODY", "ProtocolAttack_Body", "Block"),
            ("ProtocolAttack_COOKIE", "ProtocolAttack_Cookie", "Block"),
            ("ProtocolAttack_HEADER", "ProtocolAttack_Header", "Block"),
            ("ProtocolAttack_URIPATH", "ProtocolAttack_URIPath", "Block"),
            ("ScriptUpload_HEADER", "ScriptUpload_Header", "Block"),
            (
                "ContentTypeConfusion_HEADER",
                "ContentTypeConfusion_Header",
                "Block",
            ),
            ("UnknownMethod_METHOD", "UnknownMethod_Method", "Block"),
            (
                "BodyWithoutContent_METHOD",
                "BodyWithoutContent_Method",
                "Block",
            ),
            (
                "RestrictedHeader_HEADER",
                "RestrictedHeader_Header",
                "Block",
            ),
            (
                "UnexpectedContentType_HEADER",
                "UnexpectedContentType_Header",
                "Block",
            ),
            (
                "UnexpectedCharset_HEADER",
                "UnexpectedCharset_Header",
                "Block",
            ),
            ("NullByte_ARGUMENTS", "NullByte_Arguments", "Block"),
            (
                "UnicodeFullWidthEncoding_QUERYSTRING",
                "UnicodeFullWidthEncoding_QueryString",
                "Block",
            ),
            (
                "MultipartNameBypass_BODY",
                "MultipartNameBypass_Body",
                "Block",
            ),
            (
                "CrossSiteScripting_HEADER",
                "CrossSiteScripting_Header",
                "Block",
            ),
            (
                "HtmlInjection_ARGUMENTS",
                "HtmlInjection_Arguments",
                "Block",
            ),
        ],
    ),
];

/// AWS's published capacities (Rampart's own group: its own).
const CAPACITIES: &[(&str, i64)] = &[
    ("AWSManagedRulesCommonRuleSet", 700),
    ("AWSManagedRulesSQLiRuleSet", 200),
    ("AWSManagedRulesKnownBadInputsRuleSet", 200),
    ("AWSManagedRulesLinuxRuleSet", 200),
    ("AWSManagedRulesUnixRuleSet", 100),
    ("AWSManagedRulesWindowsRuleSet", 200),
    ("AWSManagedRulesPHPRuleSet", 100),
    ("AWSManagedRulesAdminProtectionRuleSet", 100),
    ("AWSManagedRulesAmazonIpReputationList", 25),
    ("AWSManagedRulesAnonymousIpList", 50),
    ("RampartProtocolRuleSet", 300),
];

const TRANSFORMATIONS: &[&str] = &[
    "NONE",
    "COMPRESS_WHITE_SPACE",
    "HTML_ENTITY_DECODE",
    "LOWERCASE",
    "CMD_LINE",
    "URL_DECODE",
    "BASE64_DECODE",
    "HEX_DECODE",
    "MD5",
    "REPLACE_COMMENTS",
    "ESCAPE_SEQ_DECODE",
    "SQL_HEX_DECODE",
    "CSS_DECODE",
    "JS_DECODE",
    "NORMALIZE_PATH",
    "NORMALIZE_PATH_WIN",
    "REMOVE_NULLS",
    "REPLACE_NULLS",
    "BASE64_DECODE_EXT",
    "URL_DECODE_UNI",
    "UTF8_TO_UNICODE",
];

const RESERVED_LABEL_WORDS: &[&str] = &[
    "awswaf",
    "aws",
    "waf",
    "rulegroup",
    "webacl",
    "regexpatternset",
    "ipset",
    "managed",
];

fn managed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("managed")
}

fn read(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn object_keys(v: &Value) -> Vec<&str> {
    v.as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// `[A-Za-z0-9_-]`, 1–128, not `All` / `Default_Action`: AWS's metric and rule-name rule.
fn valid_metric_name(s: &str) -> bool {
    (1..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        && s != "All"
        && s != "Default_Action"
}

fn check_visibility(v: &Value, at: &str) {
    assert_eq!(
        object_keys(v).into_iter().collect::<BTreeSet<_>>(),
        BTreeSet::from([
            "CloudWatchMetricsEnabled",
            "MetricName",
            "SampledRequestsEnabled"
        ]),
        "{at}: VisibilityConfig members"
    );
    assert!(
        v["SampledRequestsEnabled"].is_boolean() && v["CloudWatchMetricsEnabled"].is_boolean(),
        "{at}"
    );
    assert!(
        valid_metric_name(v["MetricName"].as_str().unwrap_or("")),
        "{at}: MetricName {}",
        v["MetricName"]
    );
}

/// Walks a statement: one member, known kinds, valid fields and transformations.
fn check_statement(s: &Value, at: &str, in_rampart_group: bool) {
    let keys = object_keys(s);
    assert_eq!(
        keys.len(),
        1,
        "{at}: a Statement has exactly one member, got {keys:?}"
    );
    let (kind, body) = (keys[0], &s[keys[0]]);
    match kind {
        "AndStatement" | "OrStatement" => {
            let list = body["Statements"]
                .as_array()
                .unwrap_or_else(|| panic!("{at}: Statements"));
            assert!(list.len() >= 2, "{at}: {kind} needs two statements");
            for (i, x) in list.iter().enumerate() {
                check_statement(x, &format!("{at}.{kind}.Statements[{i}]"), in_rampart_group);
            }
        }
        "NotStatement" => check_statement(
            &body["Statement"],
            &format!("{at}.NotStatement"),
            in_rampart_group,
        ),
        "IPSetReferenceStatement" => {
            let arn = body["ARN"].as_str().unwrap_or("");
            assert!(
                arn.starts_with("rampart:managed-ip-list:"),
                "{at}: IP list ARN {arn}"
            );
        }
        "RampartDetectionStatement" => {
            assert_eq!(
                object_keys(body).len(),
                3,
                "{at}: Detector, FieldToMatch, TextTransformations"
            );
            let name = body["Detector"].as_str().unwrap_or("");
            assert!(
                Detector::from_name(name).is_some(),
                "{at}: unknown detector {name}"
            );
            check_field(&body["FieldToMatch"], at, in_rampart_group);
            check_transformations(&body["TextTransformations"], at);
        }
        "SqliMatchStatement" => {
            assert!(
                matches!(body["SensitivityLevel"].as_str(), Some("LOW" | "HIGH")),
                "{at}"
            );
            check_field(&body["FieldToMatch"], at, in_rampart_group);
            check_transformations(&body["TextTransformations"], at);
        }
        "XssMatchStatement" => {
            check_field(&body["FieldToMatch"], at, in_rampart_group);
            check_transformations(&body["TextTransformations"], at);
        }
        "SizeConstraintStatement" => {
            assert!(
                matches!(
                    body["ComparisonOperator"].as_str(),
                    Some("EQ" | "NE" | "LE" | "LT" | "GE" | "GT")
                ),
                "{at}"
            );
            assert!(
                body["Size"].as_u64().is_some_and(|s| s <= 21_474_836_480),
                "{at}"
            );
            check_field(&body["FieldToMatch"], at, in_rampart_group);
            check_transformations(&body["TextTransformations"], at);
        }
        "ByteMatchStatement" => {
            let search = body["SearchString"].as_str().unwrap_or("");
            assert!((1..=200).contains(&search.len()), "{at}: SearchString");
            assert!(
                matches!(
                    body["PositionalConstraint"].as_str(),
                    Some("EXACTLY" | "STARTS_WITH" | "ENDS_WITH" | "CONTAINS" | "CONTAINS_WORD")
                ),
                "{at}"
            );
            check_field(&body["FieldToMatch"], at, in_rampart_group);
            check_transformations(&body["TextTransformations"], at);
        }
        "RegexMatchStatement" => {
            let re = body["RegexString"].as_str().unwrap_or("");
            assert!(
                (1..=512).contains(&re.len()),
                "{at}: RegexString within the API's limit"
            );
            assert!(
                regex::bytes::Regex::new(re).is_ok(),
                "{at}: RegexString {re}"
            );
            check_field(&body["FieldToMatch"], at, in_rampart_group);
            check_transformations(&body["TextTransformations"], at);
        }
        other => panic!("{at}: statement {other} is not used by the shipped groups"),
    }
}

fn check_field(f: &Value, at: &str, _in_rampart_group: bool) {
    let keys = object_keys(f);
    assert_eq!(keys.len(), 1, "{at}: FieldToMatch has exactly one member");
    let body = &f[keys[0]];
    match keys[0] {
        "AllQueryArguments" | "UriPath" | "QueryString" | "Method" | "RampartArgumentNames" => {
            assert_eq!(
                body,
                &Value::Object(Default::default()),
                "{at}: {} is empty",
                keys[0]
            );
        }
        "SingleHeader" => assert!(
            body["Name"]
                .as_str()
                .is_some_and(|n| n == n.to_ascii_lowercase()),
            "{at}"
        ),
        "Body" => assert!(
            matches!(
                body["OversizeHandling"].as_str(),
                Some("CONTINUE" | "MATCH" | "NO_MATCH")
            ),
            "{at}"
        ),
        "RampartBodyArguments" => assert!(
            matches!(body["MatchScope"].as_str(), Some("ALL" | "KEY" | "VALUE")),
            "{at}"
        ),
        "Headers" | "Cookies" => {
            assert!(
                matches!(body["MatchScope"].as_str(), Some("ALL" | "KEY" | "VALUE")),
                "{at}"
            );
            assert!(
                matches!(
                    body["OversizeHandling"].as_str(),
                    Some("CONTINUE" | "MATCH" | "NO_MATCH")
                ),
                "{at}"
            );
            let pattern = object_keys(&body["MatchPattern"]);
            assert_eq!(pattern.len(), 1, "{at}: MatchPattern has one member");
        }
        other => panic!("{at}: field {other} is not used by the shipped groups"),
    }
}

fn check_transformations(t: &Value, at: &str) {
    let list = t
        .as_array()
        .unwrap_or_else(|| panic!("{at}: TextTransformations"));
    assert!(
        (1..=10).contains(&list.len()),
        "{at}: 1 to 10 transformations"
    );
    let mut priorities = BTreeSet::new();
    for x in list {
        assert!(
            priorities.insert(x["Priority"].as_i64().unwrap_or(-1)),
            "{at}: priorities are unique"
        );
        let ty = x["Type"].as_str().unwrap_or("");
        assert!(TRANSFORMATIONS.contains(&ty), "{at}: transformation {ty}");
    }
}

fn check_label(name: &str, at: &str) {
    assert!(!name.is_empty() && name.len() <= 1024, "{at}");
    assert!(
        name.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b':')),
        "{at}: label {name}"
    );
    let parts: Vec<&str> = name.split(':').collect();
    assert!(parts.len() <= 5, "{at}: at most 5 namespaces");
    for p in parts {
        assert!(!p.is_empty() && p.len() <= 128, "{at}: component {p:?}");
        assert!(
            !RESERVED_LABEL_WORDS.contains(&p),
            "{at}: reserved word {p}"
        );
    }
}

#[test]
fn every_group_file_is_expected() {
    let mut found: Vec<String> = fs::read_dir(managed_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    found.sort();
    let mut want: Vec<String> = GROUPS.iter().map(|g| format!("{}.json", g.0)).collect();
    want.sort();
    assert_eq!(found, want);
}

#[test]
fn groups_keep_aws_shape_names_labels_and_actions() {
    for &(name, vendor, slug, rules) in GROUPS {
        let at = format!("{name}.json");
        let g = read(&managed_dir().join(&at));
        assert_eq!(
            object_keys(&g).into_iter().collect::<BTreeSet<_>>(),
            BTreeSet::from([
                "Capacity",
                "LabelNamespace",
                "Name",
                "Rules",
                "VisibilityConfig"
            ]),
            "{at}: RuleGroup members"
        );
        assert_eq!(g["Name"], name, "{at}");
        let cap = CAPACITIES.iter().find(|c| c.0 == name).map(|c| c.1);
        assert_eq!(g["Capacity"].as_i64(), cap, "{at}: capacity");
        assert_eq!(
            g["LabelNamespace"],
            format!("awswaf:managed:{vendor}:{slug}:"),
            "{at}"
        );
        check_visibility(&g["VisibilityConfig"], &at);
        let list = g["Rules"].as_array().unwrap();
        assert_eq!(list.len(), rules.len(), "{at}: rule count");
        let mut priorities = BTreeSet::new();
        let mut names = BTreeSet::new();
        for (i, (r, &(rule, label, action))) in list.iter().zip(rules).enumerate() {
            let at = format!("{at}: Rules[{i}] {rule}");
            assert_eq!(r["Name"], rule, "{at}: AWS's rule name and order");
            assert!(valid_metric_name(rule), "{at}: rule name");
            assert!(names.insert(rule), "{at}: unique name");
            let p = r["Priority"].as_i64().expect("priority");
            assert!(
                p >= 0 && priorities.insert(p),
                "{at}: priority unique and non-negative"
            );
            let keys: BTreeSet<&str> = object_keys(r).into_iter().collect();
            assert_eq!(
                keys,
                BTreeSet::from([
                    "Action",
                    "Name",
                    "Priority",
                    "RuleLabels",
                    "Statement",
                    "VisibilityConfig"
                ]),
                "{at}"
            );
            assert_eq!(
                object_keys(&r["Action"]),
                vec![action],
                "{at}: default action"
            );
            assert_eq!(
                r["Action"][action],
                Value::Object(Default::default()),
                "{at}"
            );
            let labels = r["RuleLabels"].as_array().unwrap();
            assert_eq!(labels.len(), 1, "{at}");
            assert_eq!(labels[0]["Name"], label, "{at}: AWS's label");
            check_label(label, &at);
            check_visibility(&r["VisibilityConfig"], &at);
            assert_eq!(
                r["VisibilityConfig"]["MetricName"], rule,
                "{at}: metric named after the rule"
            );
            check_statement(&r["Statement"], &at, vendor == "rampart");
        }
    }
}

#[test]
fn ip_list_rules_reference_their_own_list() {
    for group in [
        "AWSManagedRulesAmazonIpReputationList",
        "AWSManagedRulesAnonymousIpList",
    ] {
        let g = read(&managed_dir().join(format!("{group}.json")));
        for r in g["Rules"].as_array().unwrap() {
            let arn = &r["Statement"]["IPSetReferenceStatement"]["ARN"];
            assert_eq!(
                arn,
                &Value::String(format!(
                    "rampart:managed-ip-list:{}",
                    r["Name"].as_str().unwrap()
                ))
            );
        }
    }
}

#[test]
fn default_web_acl_references_every_group() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/waf/default-web-acl.json");
    let doc = read(&path);
    let acl = &doc["WebACL"];
    assert_eq!(acl["Name"], "rampart-default");
    assert_eq!(acl["DefaultAction"], serde_json::json!({"Allow": {}}));
    check_visibility(&acl["VisibilityConfig"], "WebACL");
    let rules = acl["Rules"].as_array().unwrap();
    let mut referenced = Vec::new();
    let mut priorities = BTreeSet::new();
    for r in rules {
        let m = &r["Statement"]["ManagedRuleGroupStatement"];
        let (vendor, name) = (
            m["VendorName"].as_str().unwrap(),
            m["Name"].as_str().unwrap(),
        );
        assert_eq!(
            vendor,
            if name.starts_with("Rampart") {
                "Rampart"
            } else {
                "AWS"
            }
        );
        assert_eq!(
            r["OverrideAction"],
            serde_json::json!({"None": {}}),
            "{name}"
        );
        assert!(
            r.get("Action").is_none() && r.get("RuleLabels").is_none(),
            "{name}: a group reference has no Action or labels"
        );
        assert_eq!(r["Name"], format!("{vendor}-{name}"));
        check_visibility(&r["VisibilityConfig"], name);
        assert!(
            priorities.insert(r["Priority"].as_i64().unwrap()),
            "{name}: unique priority"
        );
        referenced.push(name.to_string());
    }
    // AWS's usual order: IP reputation first
    assert_eq!(referenced[0], "AWSManagedRulesAmazonIpReputationList");
    assert_eq!(referenced[1], "AWSManagedRulesAnonymousIpList");
    let mut want: Vec<String> = GROUPS.iter().map(|g| g.0.to_string()).collect();
    let mut got = referenced.clone();
    want.sort();
    got.sort();
    assert_eq!(got, want, "every shipped group, once");
    let capacity: i64 = CAPACITIES.iter().map(|c| c.1).sum();
    assert_eq!(acl["Capacity"].as_i64(), Some(capacity));
    assert!(capacity <= 5000, "within the web ACL maximum");
}
