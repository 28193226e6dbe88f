//! Rampart's load balancer: AWS Application Load Balancer semantics as a userspace proxy.
//!
//! ```text
//!  accept ─► tls (rustls, SNI, ALPN) ─► parse + classify (proto::http1) ─► shield ─► waf
//!         ─► route (listener rules) ─► upstream (target group, pooled HTTP/1.1) ─► response ─► log
//! ```
//!
//! [`Server`] runs the load balancers of a [`model::Model`]: it binds their listeners,
//! checks their targets' health, compiles their web ACLs, and swaps in a new configuration
//! atomically on [`Server::reload`]. The decisions between parsing and forwarding are one pure
//! function (`phases`), shared by the HTTP/1.1 and HTTP/2 front ends: the WAF evaluates there,
//! and the Shield layer will add its step there too.

#![forbid(unsafe_code)]

mod access_log;
mod body;
mod conn;
mod h1;
mod h2;
mod log;
mod metrics;
mod phases;
mod record;
mod respond;
mod rewrite;
mod server;
mod targets;
mod tls;
mod tokens;
mod upstream;
mod watchdog;
mod web_acl;

pub use access_log::{
    AccessLogRecord, FIELDS as ACCESS_LOG_FIELDS, LogType, ParseError, parse_line, request_field,
    target_group_arn,
};
pub use metrics::Metrics;
pub use server::{ReloadSummary, ServeError, Server};
pub use targets::{HealthState, TargetHealth};
pub use tls::{TlsError, certificate_arn};

/// Pieces the integration tests drive on their own (the access-log writer, the health
/// checker, the TLS context). Not a stable interface: use [`Server`].
#[doc(hidden)]
pub mod internals {
    pub use crate::access_log::AccessLogHandle;
    pub use crate::targets::{TargetGroupRuntime, spawn_health_checks};
    pub use crate::tls::{TlsContext, TlsInfo, certificate_names, server_config};
}
