//! Rampart's analyzer: what the layers of a [`model::Model`] do to a flow, and what is wrong
//! with them.
//!
//! ```text
//!   FlowQuery ──► Analyzer::explain ──► Explanation { verdict, decided_by, trace[] }
//!   Model ──────► audit ──────────────► Finding[] ──► text · JSON · SARIF 2.1.0
//!   RequestQuery ► Analyzer::explain_request ► RequestExplanation { verdict, rule, action, trace[] }
//! ```
//!
//! `explain` walks a flow hop by hop (security groups, routes, NACLs, NAT and internet
//! gateways, firewall endpoints) in both directions, with the same pure evaluators that the
//! enforcement layers are tested against. The audit builds on it: a finding about a path is
//! confirmed by explaining that path. Pure: no I/O, no clock.

#![forbid(unsafe_code)]

mod audit;
mod explain;
mod query;
mod render;
mod request;
mod sarif;

pub use audit::{Finding, RULES, Report, RuleInfo, Severity, Summary, audit, rule, rule_index};
pub use explain::{
    Analyzer, DecidedBy, Explanation, Flow, FlowView, Host, Layer, Leg, PortVerdict, RuleRef, Step,
    StepVerdict, Verdict, describe_match, describe_sg_rule,
};
pub use query::{EndpointSpec, FlowQuery, LINUX_EPHEMERAL, NAT_EPHEMERAL, QueryError};
pub use request::{
    ActionView, ListenerView, RequestDecidedBy, RequestExplanation, RequestQuery, RequestVerdict,
    RequestView, RuleStep, TargetGroupView, describe_condition, listener_name,
};
pub use sarif::{SARIF_SCHEMA, level as sarif_level, security_severity};
