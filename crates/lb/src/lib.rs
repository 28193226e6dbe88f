//! Rampart's load balancer: AWS Application Load Balancer semantics as a userspace proxy.
//!
//! ```text
//!  accept ─► tls (rustls, SNI) ─► parse + classify (proto::http1) ─► shield ─► waf
//!         ─► route (listener rules) ─► upstream (target group, pooled HTTP/1.1) ─► response ─► log
//! ```

#![forbid(unsafe_code)]

mod access_log;
mod targets;
mod tls;

pub use access_log::{
    AccessLogHandle, AccessLogRecord, FIELDS as ACCESS_LOG_FIELDS, LogType, ParseError,
    format_time, parse_line, request_field, target_group_arn,
};
pub use targets::{
    CheckOutcome, DrainingTarget, HealthState, Lease, Reason, StickyCookie, TargetGroupRuntime,
    TargetHealth, TargetState, Thresholds, cookie, set_cookie_headers, spawn_health_checks,
    status_code_of, target_group_cookie, target_group_from_cookie,
};
pub use tls::{
    CertStore, TlsContext, TlsError, TlsInfo, certificate_arn, certificate_names, negotiated,
    openssl_name, protocol_name, rustls_suite, server_config,
};
