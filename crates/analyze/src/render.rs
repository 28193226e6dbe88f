//! Plain-text rendering of explanations, for terminals.

use std::fmt::Write;

use crate::explain::{Explanation, Leg, StepVerdict, Verdict};

impl Explanation {
    /// A readable trace: one line per step, grouped by request and reply, then the verdict.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let f = &self.flow;
        let what = match (f.port, f.icmp_type) {
            (Some(p), _) => format!("{} port {p}", f.protocol),
            (None, Some(t)) => format!("{} type {t} code {}", f.protocol, f.icmp_code.unwrap_or(0)),
            (None, None) => format!("protocol {}", f.protocol),
        };
        let _ = writeln!(out, "flow: {} → {}, {what}", f.from, f.to);
        if let Some(sp) = &f.source_ports {
            let _ = writeln!(out, "      client source ports {sp}");
        }
        let mut leg = None;
        let mut separated = false;
        for s in &self.trace {
            if leg != Some(s.leg) {
                leg = Some(s.leg);
                let _ = writeln!(
                    out,
                    "\n{}",
                    match s.leg {
                        Leg::Request => "request",
                        Leg::Reply => "reply",
                    }
                );
            }
            if !s.reached && !separated {
                separated = true;
                let _ = writeln!(out, "  ·· not reached: what would apply next ··");
            }
            let mark = match (s.reached, s.verdict) {
                (false, _) => "·",
                (true, StepVerdict::Allow) => "✓",
                (true, StepVerdict::Deny) => "✗",
                (true, StepVerdict::Pass) => "→",
                (true, StepVerdict::Unknown) => "?",
            };
            let _ = writeln!(out, "  {mark} {:<17} {}", s.layer.name(), s.detail);
            let _ = writeln!(out, "    {:<17} {}", "", s.packet);
            for p in &s.ports {
                let v = if p.verdict == StepVerdict::Allow {
                    "allow"
                } else {
                    "deny"
                };
                let _ = writeln!(
                    out,
                    "    {:<17}   ports {:<12} {v} (rule {})",
                    "", p.ports, p.rule
                );
            }
        }
        if !self.notes.is_empty() {
            let _ = writeln!(out);
            for n in &self.notes {
                let _ = writeln!(out, "note: {n}");
            }
        }
        let verdict = match self.verdict {
            Verdict::Allow => "ALLOW",
            Verdict::Deny => "DENY",
            Verdict::Unknown => "UNKNOWN",
        };
        let d = &self.decided_by;
        let _ = writeln!(
            out,
            "\nverdict: {verdict}, decided by {} ({})",
            d.layer.name(),
            d.resource
        );
        let _ = writeln!(out, "  {}", d.reason);
        out
    }
}
