#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn rampart(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .current_dir(workspace())
        .output()
        .unwrap()
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn temp_file(name: &str, body: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rampart-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

#[test]
fn check_summarises_the_seed() {
    let o = rampart(&["check", "-c", "examples/seed.yaml"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("valid"));
    assert!(out.contains("instances"));
    let o = rampart(&["check", "-c", "examples/seed.yaml", "--output", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["counts"]["instances"], 4);
}

#[test]
fn check_reports_every_error_with_its_location() {
    let bad = temp_file(
        "bad.yaml",
        "vpc:\n  cidr_blocks: [10.0.0.0/16]\n\
         network_acls:\n  public:\n    ingress:\n\
         \x20     - {rule: 100, action: allow, protocol: tcp, ports: 70000, cidr: 0.0.0.0/0}\n\
         \x20     - {rule: 0, action: permit, protocol: tcp, ports: 80, cidr: 10.0.0.0/33}\n\
         security_groups:\n  web:\n    ingress:\n      - {protocol: tcp, ports: 443, security_group: wbe}\n",
    );
    let o = rampart(&["check", "-c", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    for expected in [
        "bad.yaml:6:",
        "network_acls.public.ingress[0].ports: found \"70000\"",
        "network_acls.public.ingress[1].rule: found \"0\"",
        "network_acls.public.ingress[1].action: found \"permit\", expected allow or deny",
        "network_acls.public.ingress[1].cidr: found \"10.0.0.0/33\"",
        "security_groups.web.ingress[0].security_group: found \"wbe\"",
        "did you mean `web`?",
        "5 problems",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
}

#[test]
fn unknown_keys_and_later_sections_are_refused() {
    let bad = temp_file(
        "unknown.yaml",
        "vpc:\n  cidr_blocks: [10.0.0.0/16]\n  colour: red\n",
    );
    let o = rampart(&["check", "-c", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("unknown.yaml:3:3: vpc.colour: unknown field `colour`"));
    let later = temp_file(
        "later.yaml",
        "vpc:\n  cidr_blocks: [10.0.0.0/16]\nshield: {}\n",
    );
    let o = rampart(&["check", "-c", later.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("shield: this section belongs to the Shield layer"));
}

const VIS: &str = r#""VisibilityConfig": {"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": "m"}"#;

/// A load balancer `web` with the web ACL `shop` in `acl_file`.
fn waf_config(name: &str, acl_file: &std::path::Path, web_acl_ref: &str) -> PathBuf {
    temp_file(
        name,
        &format!(
            r#"target_groups:
  app: {{targets: ["127.0.0.1:8080"]}}
web_acls:
  shop:
    file: "{}"
load_balancers:
  web:
    web_acl: {web_acl_ref}
    listeners:
      - {{protocol: HTTP, port: 8080, default_action: {{forward: app}}}}
"#,
            acl_file.display()
        ),
    )
}

#[test]
fn check_reads_web_acls_and_locates_their_errors_in_the_json() {
    let good = temp_file(
        "shop.json",
        &format!(
            r#"{{"Name": "shop", "DefaultAction": {{"Allow": {{}}}}, {VIS}, "Rules": [
  {{"Name": "admin", "Priority": 0, "Action": {{"Block": {{}}}}, {VIS},
    "Statement": {{"ByteMatchStatement": {{"SearchString": "/admin", "PositionalConstraint": "STARTS_WITH",
      "FieldToMatch": {{"UriPath": {{}}}}, "TextTransformations": [{{"Priority": 0, "Type": "NONE"}}]}}}}}}]}}"#
        ),
    );
    let cfg = waf_config("waf-good.yaml", &good, "shop");
    let o = rampart(&["check", "-c", cfg.to_str().unwrap(), "--output", "json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["counts"]["web_acls"], 1);

    // a misspelt action, on line 2 of the JSON file
    let bad = temp_file(
        "shop-bad.json",
        &format!(
            "{{\"Name\": \"shop\", \"DefaultAction\": {{\"Allow\": {{}}}}, {VIS}, \"Rules\": [\n  {{\"Name\": \"admin\", \"Priority\": 0, \"Action\": {{\"Blok\": {{}}}}}}]}}"
        ),
    );
    let cfg = waf_config("waf-bad.yaml", &bad, "shop");
    let o = rampart(&["check", "-c", cfg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains(&format!("{}:2:", bad.display())),
        "located in the JSON file: {err}"
    );
    assert!(err.contains("$.Rules[0].Action"), "{err}");

    // a file that is not there is reported where rampart.yaml names it
    let cfg = waf_config(
        "waf-missing.yaml",
        std::path::Path::new("/nonexistent/shop.json"),
        "shop",
    );
    let o = rampart(&["check", "-c", cfg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains("waf-missing.yaml:5:11: web_acls.shop.file"),
        "{err}"
    );
    assert!(err.contains("cannot read the file"), "{err}");

    // an unknown association gets a suggestion
    let cfg = waf_config("waf-typo.yaml", &good, "shpo");
    let o = rampart(&["check", "-c", cfg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.contains("load_balancers.web.web_acl"), "{err}");
    assert!(err.contains("did you mean `shop`?"), "{err}");
}

#[test]
fn malformed_and_missing_files_fail_cleanly() {
    let bad = temp_file("broken.yaml", "vpc: [\n");
    let o = rampart(&["check", "-c", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("broken.yaml:"));
    let o = rampart(&["check", "-c", "/nonexistent/rampart.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("/nonexistent/rampart.yaml"));
    let bin = temp_file("binary.yaml", "\u{0}\u{1}\u{2}");
    let o = rampart(&["check", "-c", bin.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn explain_prints_the_trace_and_can_assert_a_verdict() {
    let o = rampart(&[
        "explain",
        "-c",
        "examples/seed.yaml",
        "--from",
        "internet",
        "--to",
        "lb-a:8080",
    ]);
    assert!(o.status.success());
    let out = text(&o.stdout);
    assert!(
        out.contains("verdict: DENY, decided by security group"),
        "{out}"
    );
    let o = rampart(&[
        "explain",
        "-c",
        "examples/seed.yaml",
        "--from",
        "internet",
        "--to",
        "lb-a:8080",
        "--expect",
        "allow",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let o = rampart(&[
        "explain",
        "-c",
        "examples/seed.yaml",
        "--from",
        "lb-a",
        "--to",
        "app-1:8080",
        "--output",
        "json",
        "--expect",
        "allow",
    ]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["verdict"], "allow");
    assert_eq!(
        v["decided_by"]["rule"]["path"],
        "security_groups.app.ingress[0]"
    );
    assert!(
        v["trace"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["leg"] == "reply")
    );
}

#[test]
fn explain_rejects_bad_queries() {
    for (from, to) in [
        ("nobody", "db-1:5432"),
        ("internet", "db-1"),
        ("internet", "db-1:70000"),
    ] {
        let o = rampart(&[
            "explain",
            "-c",
            "examples/seed.yaml",
            "--from",
            from,
            "--to",
            to,
        ]);
        assert_eq!(o.status.code(), Some(1), "{from} {to}");
        assert!(text(&o.stderr).starts_with("error: "));
    }
    let o = rampart(&["explain", "-c", "examples/seed.yaml", "--to", "db-1:5432"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "a missing argument is a usage error"
    );
}

#[test]
fn explain_request_names_the_listener_rule_and_action() {
    let o = rampart(&[
        "explain",
        "-c",
        "examples/seed.yaml",
        "--request",
        "GET https://admin.example.test/x",
        "--expect",
        "fixed-response",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    for expected in [
        "listener: load balancer web, HTTPS:443",
        "✗ priority 10",
        "path-pattern [\"/api/*\"] does not match: the path is \"/x\"",
        "✓ priority 20",
        "verdict: FIXED-RESPONSE, decided by listener rule (priority 20)",
        "403 text/plain",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }

    let o = rampart(&[
        "explain",
        "-c",
        "examples/seed.yaml",
        "--request",
        "http://app.example.test/a/b?q=1",
        "--output",
        "json",
        "--expect",
        "redirect",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["verdict"], "redirect");
    assert_eq!(v["load_balancer"], "web");
    assert_eq!(v["listener"]["name"], "HTTP:80");
    assert_eq!(v["decided_by"]["layer"], "listener_rule");
    assert_eq!(v["decided_by"]["rule"], "default");
    assert_eq!(v["action"]["status"], 301);
    assert_eq!(v["action"]["location"], "https://app.example.test/a/b?q=1");

    let o = rampart(&[
        "explain",
        "-c",
        "examples/seed.yaml",
        "--request",
        "POST https://app.example.test/api/users",
        "--output",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["verdict"], "forward");
    assert_eq!(v["decided_by"]["rule"], "priority 10");
    assert_eq!(v["action"]["target_groups"][0]["name"], "app");
    assert_eq!(
        v["action"]["target_groups"][0]["targets"][0],
        "10.0.2.11:8080 (app-1)"
    );
}

#[test]
fn explain_request_reports_a_port_nobody_listens_on_and_a_failed_expectation() {
    let o = rampart(&[
        "explain",
        "-c",
        "examples/seed.yaml",
        "--request",
        "https://app.example.test:8443/",
        "--expect",
        "forward",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stdout).contains("verdict: NO-LISTENER"));
    // A flow's verdicts do not apply to a request, and --request excludes --from/--to.
    let o = rampart(&[
        "explain",
        "-c",
        "examples/seed.yaml",
        "--request",
        "https://x/",
        "--expect",
        "allow",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let o = rampart(&[
        "explain",
        "-c",
        "examples/seed.yaml",
        "--request",
        "https://x/",
        "--from",
        "internet",
        "--to",
        "lb-a:80",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = rampart(&[
        "explain",
        "-c",
        "examples/seed.yaml",
        "--request",
        "ftp://x/",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("the scheme is http or https"));
}

#[test]
fn a_load_balancer_only_file_checks_audits_and_explains_requests() {
    let f = temp_file(
        "lb-only.yaml",
        "target_groups:\n  app: {port: 9001, targets: [127.0.0.1]}\n\
         load_balancers:\n  local:\n    listeners:\n\
         \x20     - protocol: HTTP\n        port: 8080\n        rules:\n\
         \x20         - {priority: 5, conditions: {source_ip: [10.0.0.0/8]}, action: {fixed_response: {status_code: 200}}}\n\
         \x20       default_action: {forward: app}\n",
    );
    let c = f.to_str().unwrap();
    let o = rampart(&["check", "-c", c]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("no vpc (load balancing only)"));
    let o = rampart(&["audit", "-c", c, "--fail-on", "low"]);
    assert!(o.status.success(), "{}", text(&o.stdout));
    assert!(text(&o.stdout).contains("0 findings"));
    let o = rampart(&[
        "explain",
        "-c",
        c,
        "--from",
        "internet",
        "--to",
        "10.0.0.1:80",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("the configuration has no VPC"));
    let o = rampart(&[
        "explain",
        "-c",
        c,
        "--request",
        "http://localhost:8080/",
        "--source-ip",
        "10.9.9.9",
        "--expect",
        "fixed-response",
    ]);
    assert!(o.status.success(), "{}", text(&o.stdout));
}

#[test]
fn check_reads_the_geo_database_and_the_token_secret_of_a_web_acl() {
    let acl = temp_file(
        "geo-shop.json",
        &format!(
            r#"{{"Name": "shop", "DefaultAction": {{"Allow": {{}}}}, {VIS}, "Rules": [
  {{"Name": "geo", "Priority": 0, "Action": {{"Block": {{}}}}, {VIS},
    "Statement": {{"GeoMatchStatement": {{"CountryCodes": ["DE"]}}}}}}]}}"#
        ),
    );
    let db = waf::mmdb_writer::build(&[(
        ("192.0.2.0".parse().unwrap(), 24),
        waf::mmdb_writer::GeoRecord {
            country: Some("DE".into()),
            ..Default::default()
        },
    )])
    .unwrap();
    let geo = temp_file("geo.mmdb", "");
    std::fs::write(&geo, &db).unwrap();
    let secret = temp_file("token-secret", &"s".repeat(32));
    let config = |name: &str, geo: &std::path::Path, secret: &std::path::Path| {
        let cfg = waf_config(name, &acl, "shop");
        let text = std::fs::read_to_string(&cfg).unwrap().replace(
            "    file:",
            &format!(
                "    geo_database: \"{}\"\n    token_secret_file: \"{}\"\n    file:",
                geo.display(),
                secret.display()
            ),
        );
        std::fs::write(&cfg, text).unwrap();
        cfg
    };
    let cfg = config("geo-good.yaml", &geo, &secret);
    let o = rampart(&["check", "-c", cfg.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));

    let cfg = config(
        "geo-missing.yaml",
        std::path::Path::new("/nonexistent/geo.mmdb"),
        &secret,
    );
    let o = rampart(&["check", "-c", cfg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.contains("geo-missing.yaml:5:"), "{err}");
    assert!(err.contains("web_acls.shop.geo_database"), "{err}");

    let short = temp_file("short-secret", "short");
    let cfg = config("geo-secret.yaml", &geo, &short);
    let o = rampart(&["check", "-c", cfg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.contains("web_acls.shop.token_secret_file"), "{err}");
    assert!(err.contains("at least 32 bytes"), "{err}");
    assert!(!err.contains("short\n"), "the secret is not quoted: {err}");
}
