//! `rampart waf test`: a web ACL against requests from a file, offline, one result per request
//! in input order — to try an ACL (in count mode, say) before deploying it.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use serde_json::{Value, json};
use waf::acl;

#[derive(Args, Debug)]
pub(crate) struct WafTestArgs {
    /// The web ACL: AWS JSON, as `aws wafv2 get-web-acl` prints it or as the console writes it.
    #[arg(long, value_name = "FILE")]
    web_acl: PathBuf,
    /// The requests: a HAR file, JSON lines, or HTTP transcripts (`>>>` before each request).
    #[arg(long, value_name = "FILE")]
    requests: PathBuf,
    /// A rule group the ACL references (AWS JSON; repeatable).
    #[arg(long = "rule-group", value_name = "FILE")]
    rule_groups: Vec<PathBuf>,
    /// An IP set the ACL references (AWS JSON; repeatable).
    #[arg(long = "ip-set", value_name = "FILE")]
    ip_sets: Vec<PathBuf>,
    /// A regex pattern set the ACL references (AWS JSON; repeatable).
    #[arg(long = "regex-pattern-set", value_name = "FILE")]
    regex_pattern_sets: Vec<PathBuf>,
    /// The addresses behind a managed IP list: RULE=FILE, one CIDR per line, e.g.
    /// AWSManagedIPReputationList=reputation.txt (repeatable).
    #[arg(long = "ip-list", value_name = "RULE=FILE")]
    ip_lists: Vec<String>,
    /// A MaxMind-format database (GeoLite2/GeoIP2 Country, City or ASN) for geo and ASN
    /// match statements.
    #[arg(long, value_name = "FILE")]
    geo_database: Option<PathBuf>,
    /// Body bytes inspected (the ALB's fixed limit is 8 KB).
    #[arg(long, value_name = "BYTES", default_value_t = 8 * 1024)]
    body_limit: usize,
    #[arg(long, value_enum, default_value_t = super::cli::Output::Text)]
    output: super::cli::Output,
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn acl_errors(path: &Path, e: Vec<acl::AclError>) -> anyhow::Error {
    let mut s = format!(
        "{} is not valid ({} problem{}):",
        path.display(),
        e.len(),
        if e.len() == 1 { "" } else { "s" }
    );
    for e in e {
        let _ = write!(s, "\n{}:{e}", path.display());
    }
    anyhow::anyhow!(s)
}

/// The resources named on the command line.
pub(crate) fn resources(
    rule_groups: &[PathBuf],
    ip_sets: &[PathBuf],
    regex_pattern_sets: &[PathBuf],
    ip_lists: &[String],
) -> anyhow::Result<waf::Resources> {
    let mut r = waf::Resources::default();
    for p in rule_groups {
        r.rule_groups.push(
            acl::load_rule_group(&read(p)?)
                .map_err(|e| acl_errors(p, e))?
                .value,
        );
    }
    for p in ip_sets {
        r.ip_sets
            .push(acl::load_ip_set(&read(p)?).map_err(|e| acl_errors(p, e))?);
    }
    for p in regex_pattern_sets {
        r.regex_pattern_sets
            .push(acl::load_regex_pattern_set(&read(p)?).map_err(|e| acl_errors(p, e))?);
    }
    for spec in ip_lists {
        let (rule, file) = spec
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("--ip-list {spec:?}: expected RULE=FILE"))?;
        r.managed_ip_lists
            .insert(rule.to_string(), read_ip_list(Path::new(file))?);
    }
    Ok(r)
}

/// One CIDR per line; `#` starts a comment.
pub(crate) fn read_ip_list(path: &Path) -> anyhow::Result<Vec<waf::ipset::Cidr>> {
    let text = read(path)?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        out.push(
            waf::ipset::parse_cidr(line)
                .map_err(|why| anyhow::anyhow!("{}:{}: {line:?}: {why}", path.display(), i + 1))?,
        );
    }
    Ok(out)
}

pub(crate) fn test(a: WafTestArgs) -> anyhow::Result<ExitCode> {
    let resources = resources(
        &a.rule_groups,
        &a.ip_sets,
        &a.regex_pattern_sets,
        &a.ip_lists,
    )?;
    let mut resources = resources;
    if let Some(p) = &a.geo_database {
        resources.geo = Some(std::sync::Arc::new(
            waf::geo::GeoDb::open(p).with_context(|| format!("{}", p.display()))?,
        ));
    }
    let text = read(&a.web_acl)?;
    let loaded = acl::load_web_acl(&text).map_err(|e| acl_errors(&a.web_acl, e))?;
    let compiled = waf::compile(&loaded.value, loaded.search_strings, &resources)
        .map_err(|e| acl_errors(&a.web_acl, e))?;
    let raw = std::fs::read(&a.requests)
        .with_context(|| format!("cannot read {}", a.requests.display()))?;
    let requests =
        waf::requests::read(&raw).with_context(|| format!("{}", a.requests.display()))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let opts = waf::Options {
        now,
        trace: true,
        ..waf::Options::default()
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut blocked = 0usize;
    for r in &requests {
        let v = r.with(a.body_limit, |req| compiled.evaluate(req, opts));
        if !v.allows() {
            blocked += 1;
        }
        match a.output {
            super::cli::Output::Json => {
                serde_json::to_writer(&mut out, &result_json(r, &v))?;
                writeln!(out)?;
            }
            super::cli::Output::Text => write_text(&mut out, r, &v)?,
        }
    }
    if a.output == super::cli::Output::Text {
        writeln!(
            out,
            "{} request{}: {} allowed, {blocked} stopped (web ACL {}, {} WCU)",
            requests.len(),
            if requests.len() == 1 { "" } else { "s" },
            requests.len() - blocked,
            compiled.name(),
            compiled.capacity()
        )?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn matches_json(v: &waf::Verdict) -> Vec<Value> {
    let m = |group: Option<&str>, r: &waf::RuleMatch, terminating: bool| {
        json!({
            "ruleGroup": group,
            "ruleId": r.rule_id,
            "action": r.action.as_str(),
            "overriddenAction": r.overridden_action.map(|a| a.as_str()),
            "terminating": terminating,
            "details": r.details.iter().map(|d| json!({
                "conditionType": d.condition_type,
                "location": d.location,
                "matchedData": d.matched_data,
            })).collect::<Vec<_>>(),
        })
    };
    let mut out: Vec<Value> = v
        .non_terminating_matching_rules
        .iter()
        .map(|r| m(None, r, false))
        .collect();
    for g in &v.rule_group_list {
        out.extend(
            g.non_terminating
                .iter()
                .map(|r| m(Some(&g.rule_group_id), r, false)),
        );
        if let Some(t) = &g.terminating_rule {
            out.push(m(Some(&g.rule_group_id), t, true));
        }
    }
    out
}

fn result_json(r: &waf::requests::OwnedRequest, v: &waf::Verdict) -> Value {
    json!({
        "id": r.id,
        "method": r.method,
        "uri": r.uri,
        "action": v.action.as_str(),
        "terminatingRuleId": v.terminating_rule_id,
        "terminatingRuleType": v.terminating_rule_type.as_str(),
        "responseCode": v.block.as_ref().map(|b| b.status),
        "labels": v.labels,
        "matches": matches_json(v),
        "insertedHeaders": v.inserted_headers.iter().map(|(n, val)| json!({"name": n, "value": val})).collect::<Vec<_>>(),
        "oversizeFields": v.oversize_fields,
        "trace": v.trace.iter().map(|t| json!({"rule": t.rule, "matched": t.matched, "effect": t.effect})).collect::<Vec<_>>(),
    })
}

fn write_text(
    out: &mut impl std::io::Write,
    r: &waf::requests::OwnedRequest,
    v: &waf::Verdict,
) -> std::io::Result<()> {
    let uri: String = r.uri.chars().take(100).collect();
    write!(out, "#{} {} {uri} → {}", r.id, r.method, v.action.as_str())?;
    if v.terminating_rule_id == "Default_Action" {
        writeln!(out, " (default action)")?;
    } else {
        let inner = v
            .rule_group_list
            .iter()
            .find_map(|g| g.terminating_rule.as_ref().map(|t| t.rule_id.as_str()));
        match inner {
            Some(i) => writeln!(
                out,
                " by {}/{i} ({})",
                v.terminating_rule_id,
                v.terminating_rule_type.as_str()
            )?,
            None => writeln!(
                out,
                " by {} ({})",
                v.terminating_rule_id,
                v.terminating_rule_type.as_str()
            )?,
        }
    }
    for m in matches_json(v) {
        let group = m["ruleGroup"]
            .as_str()
            .map(|g| format!("{g}/"))
            .unwrap_or_default();
        let details: Vec<String> = m["details"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| {
                format!(
                    "{} in {}: {}",
                    d["conditionType"].as_str().unwrap_or(""),
                    d["location"].as_str().unwrap_or(""),
                    d["matchedData"]
                )
            })
            .collect();
        writeln!(
            out,
            "    match {group}{} {}{}{}",
            m["ruleId"].as_str().unwrap_or(""),
            m["action"].as_str().unwrap_or(""),
            m["overriddenAction"]
                .as_str()
                .map(|o| format!(" (overrides {o})"))
                .unwrap_or_default(),
            if details.is_empty() {
                String::new()
            } else {
                format!(" — {}", details.join("; "))
            }
        )?;
    }
    if !v.labels.is_empty() {
        writeln!(out, "    labels {}", v.labels.join(", "))?;
    }
    Ok(())
}
