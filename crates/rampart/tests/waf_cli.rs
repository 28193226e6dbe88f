//! `rampart waf test`: a web ACL against requests from a file, offline.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn rampart(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .output()
        .unwrap()
}

/// Writes a file of its own (tests run in parallel): `name` under a directory per call.
fn file(name: &str, body: &str) -> String {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("rampart-waf-cli-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p: PathBuf = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p.display().to_string()
}

const VIS: &str = r#""VisibilityConfig":{"SampledRequestsEnabled":true,"CloudWatchMetricsEnabled":true,"MetricName":"m"}"#;

fn acl() -> String {
    file(
        "acl.json",
        &format!(
            r#"{{"WebACL":{{"Name":"shop","DefaultAction":{{"Allow":{{}}}},{VIS},"Rules":[
  {{"Name":"tag-admin","Priority":0,"Action":{{"Count":{{}}}},"RuleLabels":[{{"Name":"admin"}}],{VIS},
    "Statement":{{"ByteMatchStatement":{{"SearchString":"L2FkbWlu","FieldToMatch":{{"UriPath":{{}}}},
      "PositionalConstraint":"STARTS_WITH","TextTransformations":[{{"Priority":0,"Type":"NONE"}}]}}}}}},
  {{"Name":"admin-outside-office","Priority":1,"Action":{{"Block":{{}}}},{VIS},
    "Statement":{{"AndStatement":{{"Statements":[
      {{"LabelMatchStatement":{{"Scope":"LABEL","Key":"admin"}}}},
      {{"NotStatement":{{"Statement":{{"IPSetReferenceStatement":{{"ARN":"arn:aws:wafv2:eu-west-1:1:regional/ipset/office/1"}}}}}}}}]}}}}}}]}},
"LockToken":"t"}}"#
        ),
    )
}

#[test]
fn evaluates_each_request_in_order_with_labels_and_matches() {
    let office = file(
        "office.json",
        r#"{"Name":"office","IPAddressVersion":"IPV4","Addresses":["10.0.0.0/8"]}"#,
    );
    let reqs = file(
        "reqs.jsonl",
        "{\"uri\":\"/admin/users\",\"client_ip\":\"10.1.2.3\"}\n{\"uri\":\"/admin/users\"}\n{\"uri\":\"/shop\"}\n",
    );
    let o = rampart(&[
        "waf",
        "test",
        "--web-acl",
        &acl(),
        "--ip-set",
        &office,
        "--requests",
        &reqs,
        "--output",
        "json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let lines: Vec<serde_json::Value> = o
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["action"], "ALLOW");
    assert_eq!(
        lines[0]["labels"][0],
        "awswaf:000000000000:webacl:shop:admin"
    );
    assert_eq!(lines[0]["matches"][0]["ruleId"], "tag-admin");
    assert_eq!(lines[1]["action"], "BLOCK");
    assert_eq!(lines[1]["terminatingRuleId"], "admin-outside-office");
    assert_eq!(lines[2]["action"], "ALLOW");
    assert_eq!(lines[2]["terminatingRuleId"], "Default_Action");

    let o = rampart(&[
        "waf",
        "test",
        "--web-acl",
        &acl(),
        "--ip-set",
        &office,
        "--requests",
        &reqs,
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("#2 GET /admin/users → BLOCK by admin-outside-office (REGULAR)"),
        "{text}"
    );
    assert!(text.contains("3 requests: 2 allowed, 1 stopped"), "{text}");
}

#[test]
fn a_missing_reference_is_located() {
    let reqs = file("one.jsonl", "{\"uri\":\"/\"}\n");
    let o = rampart(&["waf", "test", "--web-acl", &acl(), "--requests", &reqs]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("$.Rules[1].Statement.AndStatement.Statements[1].NotStatement.Statement.IPSetReferenceStatement.ARN"),
        "{err}"
    );
    assert!(err.contains("no IP set with this ARN or name"), "{err}");
}

#[test]
fn explain_request_shows_the_web_acls_steps() {
    let acl = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/waf/default-web-acl.json"
    );
    let cfg = file(
        "explain.yaml",
        &format!(
            "target_groups:\n  web:\n    targets: [\"127.0.0.1:9\"]\nweb_acls:\n  shop:\n    file: {acl}\n\
             load_balancers:\n  shop:\n    web_acl: shop\n    listeners:\n      - protocol: HTTP\n        \
             address: 127.0.0.1\n        port: 8080\n        default_action: {{forward: {{target_groups: [{{name: web}}]}}}}\n"
        ),
    );
    let o = rampart(&[
        "explain",
        "-c",
        &cfg,
        "--request",
        "GET http://shop.example:8080/?id=1%27%20or%201=1--",
        "-H",
        "User-Agent: curl/8",
        "--output",
        "json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["verdict"], "waf-block");
    assert_eq!(v["decided_by"]["layer"], "waf");
    assert_eq!(
        v["decided_by"]["rule"],
        "AWS-AWSManagedRulesSQLiRuleSet/SQLi_QUERYARGUMENTS"
    );
    let o = rampart(&[
        "explain",
        "-c",
        &cfg,
        "--request",
        "GET http://shop.example:8080/shoes",
        "-H",
        "User-Agent: curl/8",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("ALLOW by Default_Action"), "{text}");
    assert!(text.contains("verdict: FORWARD"), "{text}");
}
