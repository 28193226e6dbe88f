//! The log phase: each request becomes one access-log line, one `tracing` event and the
//! counters, naming the same rule and target group.

use std::time::{Instant, SystemTime};

use crate::access_log::{AccessLogRecord, LogType, target_group_arn};
use crate::record::Exchange;
use crate::server::{Generation, ListenerRef};

pub(crate) fn emit(g: &Generation, lref: ListenerRef, x: Exchange) {
    let lb = &g.lbs[lref.lb];
    let name = &g.lb_model(lref).name;
    if !x.detailed {
        return;
    }
    tracing::debug!(
        load_balancer = %name,
        client = %x.client,
        request = %x.request,
        status = x.elb_status,
        target = ?x.target,
        target_group = ?x.target_group,
        rule = ?x.rule,
        action = x.actions,
        error_reason = ?x.error_reason,
        "request"
    );
    if let Some(log) = &lb.access_log {
        log.log(record(name, x));
    }
}

fn record(elb: &str, x: Exchange) -> AccessLogRecord {
    let kind = match x.kind {
        "https" => LogType::Https,
        "h2" => LogType::H2,
        "ws" => LogType::Ws,
        "wss" => LogType::Wss,
        _ => LogType::Http,
    };
    let end = x.responded.unwrap_or_else(Instant::now);
    let mut r = AccessLogRecord::new(kind, elb, x.client, SystemTime::now());
    r.request_creation_time = x.created;
    r.target = x.target;
    // AWS: request time until sent to the target, target time until its response head,
    // response time until the response went out; -1 when the stage never happened
    match (x.sent_to_target, x.target_responded) {
        (Some(sent), Some(answered)) => {
            r.request_processing_time = Some(sent.duration_since(x.received));
            r.target_processing_time = Some(answered.duration_since(sent));
            r.response_processing_time = Some(end.saturating_duration_since(answered));
        }
        (None, _) if x.target.is_none() => {
            r.request_processing_time = Some(end.duration_since(x.received));
            r.target_processing_time = Some(std::time::Duration::ZERO);
            r.response_processing_time = Some(std::time::Duration::ZERO);
        }
        _ => {}
    }
    r.elb_status_code = (x.elb_status != 0).then_some(x.elb_status);
    r.target_status_code = x.target_status;
    r.received_bytes = x.received_bytes;
    r.sent_bytes = x.sent_bytes;
    r.request = x.request;
    r.user_agent = x.user_agent;
    if let Some(tls) = x.tls {
        r.ssl_cipher = Some(tls.cipher);
        r.ssl_protocol = Some(tls.protocol);
        r.domain_name = tls.sni.clone();
        r.chosen_cert_arn = tls.certificate.clone();
    }
    r.target_group_arn = x.target_group.as_deref().map(target_group_arn);
    r.trace_id = Some(x.trace_id.as_str().to_owned());
    r.matched_rule_priority = x.rule.map(|rule| rule.log_priority() as i32);
    if !x.actions.is_empty() {
        r.actions_executed.push(x.actions);
    }
    r.redirect_url = x.redirect_url;
    r.error_reason = x.error_reason;
    if let Some(t) = x.target {
        r.target_port_list.push(t);
    }
    if let Some(s) = x.target_status {
        r.target_status_code_list.push(s);
    }
    if let Some((class, reason)) = x.classification {
        r.classification = Some(class.as_str());
        r.classification_reason = reason.map(proto::Reason::as_str);
    }
    r
}
