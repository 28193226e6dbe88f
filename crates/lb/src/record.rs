//! One request's story, as the access log, the counters and the trace tell it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use model::RuleRef;

use crate::rewrite::TraceId;
use crate::tls::TlsInfo;

/// What happened to one request, filled in as it moves through the phases.
#[derive(Debug)]
pub(crate) struct Exchange {
    /// `http`, `https`, `h2`, `ws` or `wss`.
    pub(crate) kind: &'static str,
    pub(crate) client: SocketAddr,
    pub(crate) target: Option<SocketAddr>,
    pub(crate) received: Instant,
    pub(crate) created: SystemTime,
    pub(crate) sent_to_target: Option<Instant>,
    pub(crate) target_responded: Option<Instant>,
    pub(crate) responded: Option<Instant>,
    pub(crate) elb_status: u16,
    pub(crate) target_status: Option<u16>,
    pub(crate) received_bytes: u64,
    pub(crate) sent_bytes: u64,
    /// `METHOD scheme://host:port/uri HTTP/x`.
    pub(crate) request: String,
    pub(crate) user_agent: Option<String>,
    pub(crate) tls: Option<Arc<TlsInfo>>,
    pub(crate) target_group: Option<String>,
    pub(crate) trace_id: TraceId,
    /// Whether the request line and user agent are kept (an access log or debug tracing
    /// wants them); otherwise they are never formatted.
    pub(crate) detailed: bool,
    pub(crate) rule: Option<RuleRef>,
    pub(crate) actions: &'static str,
    pub(crate) redirect_url: Option<String>,
    pub(crate) error_reason: Option<&'static str>,
    pub(crate) classification: Option<(proto::Class, Option<proto::Reason>)>,
}

impl Exchange {
    pub(crate) fn new(
        kind: &'static str,
        client: SocketAddr,
        tls: Option<Arc<TlsInfo>>,
    ) -> Exchange {
        Exchange {
            kind,
            client,
            target: None,
            received: Instant::now(),
            created: SystemTime::now(),
            sent_to_target: None,
            target_responded: None,
            responded: None,
            elb_status: 0,
            target_status: None,
            received_bytes: 0,
            sent_bytes: 0,
            request: String::new(),
            user_agent: None,
            tls,
            target_group: None,
            trace_id: TraceId::new(),
            detailed: false,
            rule: None,
            actions: "",
            redirect_url: None,
            error_reason: None,
            classification: None,
        }
    }
}
