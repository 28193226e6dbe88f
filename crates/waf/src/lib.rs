//! Rampart's web application firewall: the semantics of AWS WAF v2.
//!
//! A pure engine: it reads web ACLs, rule groups, IP sets and regex pattern sets in AWS's own
//! JSON, compiles them, and evaluates requests it is handed, with an explicit clock. It does no
//! I/O; the load balancer (`lb`) and the `rampart waf test` command feed it requests.
//!
//! ```text
//!  request ─► fields (FieldToMatch, once each) ─► transformations (once per chain)
//!          ─► statements (byte/regex sets in one pass, detectors) ─► rules by priority
//!          ─► labels, actions, terminating rule ─► verdict + AWS WAF log record
//! ```

#![forbid(unsafe_code)]

pub mod detect;
pub mod geo;
pub mod json_body;
#[doc(hidden)]
pub mod mmdb_writer;
pub mod rate;
mod request;
pub mod token;
pub mod transform;

pub use request::{Header, Request};
