//! The `web_acls` section: where a web ACL's AWS JSON documents are, its association with load
//! balancers, and the errors of both stages (the YAML, then the documents).
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

const BASE: &str = "\
target_groups:
  app: {targets: [10.0.2.10:8080]}
";

fn with(web_acls: &str, web_acl_ref: &str) -> String {
    format!(
        "{BASE}web_acls:\n{web_acls}load_balancers:\n  web:\n    web_acl: {web_acl_ref}\n    listeners:\n      - {{protocol: HTTP, port: 80, default_action: {{forward: app}}}}\n"
    )
}

fn errors(yaml: &str) -> String {
    match model::load_str(yaml, "waf.yaml") {
        Ok(_) => panic!("expected errors for:\n{yaml}"),
        Err(e) => e.to_string(),
    }
}

fn assert_has(text: &str, expected: &[&str]) {
    for e in expected {
        assert!(text.contains(e), "missing {e:?} in:\n{text}");
    }
}

#[test]
fn a_web_acl_names_its_documents_and_a_load_balancer_uses_it() {
    let yaml = with(
        "  shop:\n    file: waf/shop.json\n    rule_groups: [waf/group.json]\n    ip_sets: [waf/office.json]\n    regex_pattern_sets: [waf/patterns.json]\n    ip_lists: {AWSManagedIPReputationList: waf/reputation.txt}\n    log: {path: /var/log/rampart/waf.log, max_files: 3}\n",
        "shop",
    );
    let v = model::load_str(&yaml, "waf.yaml").unwrap();
    assert!(v.warnings.is_empty(), "{}", v.warnings);
    let m = &v.model;
    let w = &m.web_acls[0];
    assert_eq!(w.name, "shop");
    assert_eq!(w.file, PathBuf::from("waf/shop.json"));
    assert_eq!(w.rule_groups, [PathBuf::from("waf/group.json")]);
    assert_eq!(w.ip_sets, [PathBuf::from("waf/office.json")]);
    assert_eq!(w.regex_pattern_sets, [PathBuf::from("waf/patterns.json")]);
    assert_eq!(
        w.ip_lists,
        [(
            "AWSManagedIPReputationList".to_owned(),
            PathBuf::from("waf/reputation.txt")
        )]
    );
    let log = w.log.as_ref().unwrap();
    assert_eq!(log.max_files, 3);
    assert_eq!(log.max_bytes, 100 * 1024 * 1024);
    let lb = &m.load_balancers[0];
    assert_eq!(m.web_acl(lb.web_acl.unwrap()).name, "shop");

    // the export writes it back as it was read
    let again = model::load_str(&model::to_yaml(m).unwrap(), "again.yaml").unwrap();
    assert_eq!(&again.model, m);
}

#[test]
fn an_unknown_web_acl_gets_a_suggestion_and_an_unused_one_a_warning() {
    let e = errors(&with("  shop: {file: shop.json}\n", "shpo"));
    assert_has(
        &e,
        &[
            "load_balancers.web.web_acl: found \"shpo\"",
            "did you mean `shop`?",
        ],
    );
    let yaml = format!(
        "{BASE}web_acls:\n  spare: {{file: spare.json}}\nload_balancers:\n  web:\n    listeners:\n      - {{protocol: HTTP, port: 80, default_action: {{forward: app}}}}\n"
    );
    let v = model::load_str(&yaml, "waf.yaml").unwrap();
    assert_has(
        &v.warnings.to_string(),
        &["web_acls.spare", "no load balancer uses this web ACL"],
    );
}

#[test]
fn a_web_acl_needs_a_file_a_valid_name_and_a_log_path() {
    let e = errors(&with(
        "  shop: {rule_groups: [g.json]}\n  bad name!: {file: x.json}\n  logged: {file: l.json, log: {max_files: 2}}\n",
        "shop",
    ));
    assert_has(
        &e,
        &[
            "web_acls.shop.file",
            "needs its AWS JSON `file`",
            "web_acls.bad name!",
            "1 to 128 letters, digits, hyphens and underscores",
            "web_acls.logged.log.path",
        ],
    );
    // unknown keys stop at the first stage, located
    assert_has(
        &errors(&with("  shop: {file: s.json, rulegroups: []}\n", "shop")),
        &["waf.yaml:", "unknown field `rulegroups`"],
    );
}

#[test]
fn an_ip_list_that_no_managed_rule_reads_is_a_warning() {
    let v = model::load_str(
        &with(
            "  shop:\n    file: s.json\n    ip_lists: {AWSManagedIPReputationLst: r.txt}\n",
            "shop",
        ),
        "waf.yaml",
    )
    .unwrap();
    assert_has(
        &v.warnings.to_string(),
        &[
            "web_acls.shop.ip_lists.AWSManagedIPReputationLst",
            "did you mean `AWSManagedIPReputationList`?",
        ],
    );
}

#[test]
fn load_file_reads_the_documents_and_locates_what_it_cannot_read() {
    let dir = std::env::temp_dir().join(format!("rampart-model-waf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let vis = r#""VisibilityConfig": {"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": "m"}"#;
    std::fs::write(
        dir.join("shop.json"),
        format!(r#"{{"Name": "shop", "DefaultAction": {{"Block": {{}}}}, {vis}}}"#),
    )
    .unwrap();
    std::fs::write(
        dir.join("bad-list.txt"),
        "192.0.2.0/24\n# a comment\n10.0.0.300\n",
    )
    .unwrap();
    let cfg = dir.join("rampart.yaml");
    let yaml = |list: &str| {
        with(
            &format!(
                "  shop:\n    file: {}\n    ip_lists: {{AnonymousIPList: {}}}\n",
                dir.join("shop.json").display(),
                dir.join(list).display()
            ),
            "shop",
        )
    };
    std::fs::write(&cfg, yaml("bad-list.txt")).unwrap();
    let e = model::load_file(&cfg).unwrap_err().to_string();
    assert_has(&e, &["bad-list.txt:3:1", "found \"10.0.0.300\""]);
    std::fs::write(&cfg, yaml("missing.txt")).unwrap();
    let e = model::load_file(&cfg).unwrap_err().to_string();
    assert_has(
        &e,
        &[
            "rampart.yaml:6:",
            "web_acls.shop.ip_lists.AnonymousIPList",
            "cannot read the file",
        ],
    );
    std::fs::write(dir.join("ok.txt"), "192.0.2.0/24\n").unwrap();
    std::fs::write(&cfg, yaml("ok.txt")).unwrap();
    let v = model::load_file(&cfg).unwrap();
    let loaded = model::load_web_acl(&v.model.web_acls[0], "rampart.yaml").unwrap();
    assert_eq!(loaded.compiled.name(), "shop");
    assert!(!loaded.compiled.inspects_body());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_geo_database_and_a_token_secret_are_read_at_load_and_their_errors_located() {
    let dir = std::env::temp_dir().join(format!("rampart-model-geo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let vis = r#""VisibilityConfig": {"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": "m"}"#;
    std::fs::write(
        dir.join("shop.json"),
        format!(r#"{{"Name": "shop", "DefaultAction": {{"Allow": {{}}}}, {vis}}}"#),
    )
    .unwrap();
    let db = waf::mmdb_writer::build(&[(
        ("192.0.2.0".parse().unwrap(), 24),
        waf::mmdb_writer::GeoRecord {
            country: Some("DE".into()),
            ..Default::default()
        },
    )])
    .unwrap();
    std::fs::write(dir.join("geo.mmdb"), &db).unwrap();
    std::fs::write(dir.join("corrupt.mmdb"), &db[..db.len() / 2]).unwrap();
    std::fs::write(dir.join("secret"), [7u8; 32]).unwrap();
    std::fs::write(dir.join("short"), b"too short\n").unwrap();
    let cfg = dir.join("rampart.yaml");
    let yaml = |geo: &str, secret: &str| {
        with(
            &format!(
                "  shop:\n    file: {}\n    geo_database: {}\n    token_secret_file: {}\n",
                dir.join("shop.json").display(),
                dir.join(geo).display(),
                dir.join(secret).display()
            ),
            "shop",
        )
    };
    std::fs::write(&cfg, yaml("geo.mmdb", "secret")).unwrap();
    let v = model::load_file(&cfg).unwrap();
    let w = &v.model.web_acls[0];
    assert_eq!(w.geo_database, Some(dir.join("geo.mmdb")));
    assert_eq!(w.token_secret_file, Some(dir.join("secret")));
    let loaded = model::load_web_acl(w, "rampart.yaml").unwrap();
    let geo = loaded.geo.as_ref().unwrap();
    assert_eq!(
        geo.lookup("192.0.2.9".parse().unwrap())
            .country_or_unknown(),
        "DE"
    );
    assert!(loaded.token_key.is_some());
    // the export writes the keys back
    let again = model::load_str(&model::to_yaml(&v.model).unwrap(), "again.yaml").unwrap();
    assert_eq!(again.model, v.model);

    for (geo, secret, expected) in [
        (
            "missing.mmdb",
            "secret",
            &[
                "rampart.yaml:6:",
                "web_acls.shop.geo_database",
                "cannot read",
            ][..],
        ),
        (
            "corrupt.mmdb",
            "secret",
            &[
                "rampart.yaml:6:",
                "web_acls.shop.geo_database",
                "invalid geo database",
            ][..],
        ),
        (
            "geo.mmdb",
            "short",
            &[
                "rampart.yaml:7:",
                "web_acls.shop.token_secret_file",
                "at least 32 bytes",
            ][..],
        ),
        (
            "geo.mmdb",
            "nope",
            &[
                "rampart.yaml:7:",
                "web_acls.shop.token_secret_file",
                "cannot read the file",
            ][..],
        ),
    ] {
        std::fs::write(&cfg, yaml(geo, secret)).unwrap();
        let e = model::load_file(&cfg).unwrap_err().to_string();
        assert_has(&e, expected);
        assert!(!e.contains("too short"), "a secret is never quoted: {e}");
    }
    let e = errors(&with(
        "  shop: {file: s.json, geo_database: \"\"}\n",
        "shop",
    ));
    assert_has(
        &e,
        &["web_acls.shop.geo_database", "MaxMind-format database"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}
