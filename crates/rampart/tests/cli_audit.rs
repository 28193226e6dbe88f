#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs the built `rampart` from the workspace root, so example paths read as a user types them.
fn rampart(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .output()
        .unwrap()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap()
}

const SEED: &str = "examples/seed.yaml";
const BAD: &str = "examples/misconfigured.yaml";

#[test]
fn audit_exits_zero_after_reporting_without_fail_on() {
    let o = rampart(&["audit", "-c", BAD]);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.starts_with("HIGH ("), "{out}");
    assert!(out.contains("RMP001 admin-port-open-to-world  security_groups.bastion.ingress[0]  (examples/misconfigured.yaml:"));
    assert!(
        out.trim_end()
            .lines()
            .last()
            .unwrap()
            .starts_with("examples/misconfigured.yaml: ")
    );
}

/// A file, one per test, whose only finding is a low one: a security group attached to
/// nothing (RMP010).
fn low_only(test: &str) -> std::path::PathBuf {
    // not the directory that an_invalid_configuration_fails_with_its_errors removes
    let dir = std::env::temp_dir().join(format!("rampart-cli-audit-low-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{test}.yaml"));
    std::fs::write(
        &file,
        "vpc: {cidr_blocks: [10.0.0.0/16]}\nsecurity_groups:\n  spare: {}\n",
    )
    .unwrap();
    file
}

#[test]
fn fail_on_sets_the_exit_status_by_severity() {
    let low = low_only("fail-on");
    let low = low.to_str().unwrap();
    assert_eq!(
        code(&rampart(&["audit", "-c", low, "--fail-on", "high"])),
        0
    );
    assert_eq!(
        code(&rampart(&["audit", "-c", low, "--fail-on", "medium"])),
        0
    );
    assert_eq!(code(&rampart(&["audit", "-c", low, "--fail-on", "low"])), 1);
    // The seed has no findings at all.
    assert_eq!(
        code(&rampart(&["audit", "-c", SEED, "--fail-on", "low"])),
        0
    );
    assert_eq!(
        code(&rampart(&["audit", "-c", BAD, "--fail-on", "high"])),
        1
    );
    // A bad threshold is a usage error.
    assert_eq!(
        code(&rampart(&["audit", "-c", SEED, "--fail-on", "urgent"])),
        2
    );
}

#[test]
fn json_output() {
    let o = rampart(&["audit", "-c", SEED, "--output", "json"]);
    assert_eq!(code(&o), 0);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["source"], SEED);
    assert_eq!(
        v["summary"],
        serde_json::json!({"high": 0, "medium": 0, "low": 0})
    );
    assert_eq!(v["findings"], serde_json::json!([]));

    let low = low_only("json");
    let low = low.to_str().unwrap();
    let o = rampart(&["audit", "-c", low, "--output", "json"]);
    assert_eq!(code(&o), 0);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["source"], low);
    assert_eq!(
        v["summary"],
        serde_json::json!({"high": 0, "medium": 0, "low": 1})
    );
    assert_eq!(v["findings"][0]["id"], "RMP010");
    assert_eq!(v["findings"][0]["resource"], "security_groups.spare");
    assert_eq!(v["findings"][0]["line"], 3);
}

#[test]
fn an_unreachable_listener_is_located_at_its_listener() {
    let o = rampart(&["audit", "-c", BAD, "--output", "json"]);
    assert_eq!(code(&o), 0);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "RMP019")
        .unwrap();
    assert_eq!(f["name"], "lb-sg-blocks-listener");
    assert_eq!(f["severity"], "medium");
    assert_eq!(f["resource"], "load_balancers.shop.listeners[0]");
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(BAD),
    )
    .unwrap();
    let line = f["line"].as_u64().unwrap() as usize;
    assert_eq!(
        text.lines().nth(line - 1).map(str::trim),
        Some("- protocol: HTTP")
    );
}

#[test]
fn sarif_output_points_at_the_file_as_given() {
    let o = rampart(&["audit", "-c", BAD, "--output", "sarif", "--fail-on", "high"]);
    assert_eq!(code(&o), 1);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let phys = &r["locations"][0]["physicalLocation"];
        assert_eq!(phys["artifactLocation"]["uri"], BAD);
        assert!(phys["region"]["startLine"].as_u64().unwrap() >= 1);
    }
}

#[test]
fn an_invalid_configuration_fails_with_its_errors() {
    let dir = std::env::temp_dir().join(format!("rampart-cli-audit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.yaml");
    std::fs::write(&file, "vpc: {cidr_blocks: [10.0.0.0/33]}\n").unwrap();
    let o = rampart(&["audit", "-c", file.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    assert!(String::from_utf8_lossy(&o.stderr).contains("not valid"));
    assert!(o.stdout.is_empty());
    let _ = std::fs::remove_dir_all(dir);
}
