//! SARIF 2.1.0 output of an audit, in the shape GitHub code scanning accepts: every catalog
//! rule in `tool.driver.rules` (so `ruleIndex` is a position in [`RULES`]), one result per
//! finding located at the file (line and column when known) and at the resource path.

use serde_json::{Value, json};

use crate::audit::{Finding, RULES, Report, Severity, rule_index};

pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/rampart-rs/rampart";

/// The SARIF `level` of a severity.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub's `security-severity`: above 7.0 is high, 4.0–6.9 medium, below 4.0 low.
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::High => "8.0",
        Severity::Medium => "5.0",
        Severity::Low => "2.0",
    }
}

impl Report {
    /// The report as a SARIF 2.1.0 log with one run.
    pub fn to_sarif(&self) -> Value {
        let rules: Vec<Value> = RULES
            .iter()
            .map(|r| {
                json!({
                    "id": r.id,
                    "name": r.name,
                    "shortDescription": { "text": r.short },
                    "fullDescription": { "text": r.full },
                    "help": {
                        "text": r.help,
                        "markdown": format!("**{}** ({})\n\n{}\n\n**Fix:** {}", r.name, r.id, r.full, r.help),
                    },
                    "defaultConfiguration": { "level": level(r.severity) },
                    "properties": {
                        "security-severity": security_severity(r.severity),
                        "tags": r.tags,
                        "precision": "high",
                    },
                })
            })
            .collect();
        let results: Vec<Value> = self.findings.iter().map(|f| self.result(f)).collect();
        json!({
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [{
                "tool": {
                    "driver": {
                        "name": "rampart",
                        "version": env!("CARGO_PKG_VERSION"),
                        "semanticVersion": env!("CARGO_PKG_VERSION"),
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }]
        })
    }

    fn location(&self, path: &str) -> Value {
        let mut physical = json!({ "artifactLocation": { "uri": self.source } });
        if let Some(p) = self.position(path) {
            physical["region"] = json!({ "startLine": p.line, "startColumn": p.column });
        }
        json!({
            "physicalLocation": physical,
            "logicalLocations": [{ "fullyQualifiedName": path, "kind": "resource" }],
        })
    }

    fn result(&self, f: &Finding) -> Value {
        let related: Vec<Value> = f
            .related
            .iter()
            .enumerate()
            .map(|(i, path)| {
                let mut l = self.location(path);
                l["id"] = json!(i + 1);
                l["message"] = json!({ "text": path });
                l
            })
            .collect();
        let mut r = json!({
            "ruleId": f.id,
            "ruleIndex": rule_index(f.id).unwrap_or(0),
            "level": level(f.severity),
            "message": {
                "text": format!("{}\n\n{}\n\nFix: {}", f.message, f.explanation, f.fix),
            },
            "locations": [self.location(&f.resource)],
            "partialFingerprints": { "rampartFinding/v1": f.fingerprint },
            "properties": {
                "severity": f.severity,
                "resource": f.resource,
            },
        });
        if !related.is_empty() {
            r["relatedLocations"] = json!(related);
        }
        r
    }
}
