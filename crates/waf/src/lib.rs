//! Rampart's web application firewall: the semantics of AWS WAF v2.
//!
//! A pure engine: it reads web ACLs, rule groups, IP sets and regex pattern sets in AWS's own
//! JSON, compiles them, and evaluates requests it is handed, with an explicit clock. It does no
//! I/O; the load balancer (`lb`) and the `rampart waf test` command feed it requests.
//!
//! ```text
//!  request ─► fields (FieldToMatch, once each) ─► transformations (once per chain)
//!          ─► statements (byte/regex matches, detectors) ─► rules by priority
//!          ─► labels, actions, terminating rule ─► verdict + AWS WAF log record
//! ```

#![forbid(unsafe_code)]

pub mod acl;
mod base64;
pub mod detect;
mod engine;
mod fields;
pub mod geo;
pub mod ipset;
pub mod json_body;
pub mod log;
mod managed;
#[doc(hidden)]
pub mod mmdb_writer;
mod multipart;
pub mod rate;
mod request;
pub mod requests;
pub mod token;
pub mod transform;

pub use engine::{
    ActionKind, BlockResponse, GroupRecord, MatchDetail, Options, RateRecord, Resources, RuleMatch,
    RuleType, TraceStep, Verdict, WebAcl, compile,
};
pub use managed::names as managed_rule_groups;
pub use request::{Header, Request};
