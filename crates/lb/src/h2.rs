//! The HTTP/2 front end (ALPN `h2` on HTTPS listeners): hyper serves the connection, each
//! stream is decided by [`crate::phases`] exactly as an HTTP/1.1 request is, and forwarded to
//! the target over the same pooled HTTP/1.1 connections.

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::{Buf, Bytes, BytesMut};
use http_body_util::BodyExt;
use http_body_util::combinators::BoxBody;
use hyper::body::{Body, Frame, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use model::{RedirectSource, RequestFacts};
use proto::{Class, ResponseHead};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

use crate::body::ChunkedDecoder;
use crate::conn::ConnInfo;
use crate::phases::{self, Decision, RequestMeta};
use crate::record::Exchange;
use crate::respond::LbResponse;
use crate::rewrite::{self, ForwardCtx, Framing};
use crate::server::{Generation, ListenerRef, Shared};
use crate::upstream::{UpstreamConn, read_response_head};
use crate::watchdog::Watchdog;

type ResBody = BoxBody<Bytes, io::Error>;

/// AWS: up to 128 parallel requests per HTTP/2 connection.
const MAX_CONCURRENT_STREAMS: u32 = 128;

pub(crate) async fn serve<S>(shared: &Arc<Shared>, io: S, conn: ConnInfo)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let conn = Arc::new(conn);
    let svc_shared = shared.clone();
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let shared = svc_shared.clone();
        let conn = conn.clone();
        async move { Ok::<_, Infallible>(Box::pin(handle(&shared, &conn, req)).await) }
    });
    let mut builder = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
    builder.max_concurrent_streams(MAX_CONCURRENT_STREAMS);
    let served = builder.serve_connection(TokioIo::new(io), service);
    let mut draining = shared.draining.subscribe();
    tokio::pin!(served);
    tokio::select! {
        _ = served.as_mut() => {}
        _ = draining.changed() => {
            served.as_mut().graceful_shutdown();
            let _ = served.await;
        }
    }
}

fn lb_response(resp: LbResponse) -> Response<ResBody> {
    let mut b = Response::builder()
        .status(resp.status)
        .header("server", "rampart")
        .header("content-type", resp.content_type.as_str());
    if let Some(l) = &resp.location {
        b = b.header("location", l.as_str());
    }
    let body = http_body_util::Full::new(Bytes::from(resp.body))
        .map_err(|never| match never {})
        .boxed();
    b.body(body).unwrap_or_else(|_| {
        let mut r = Response::new(http_body_util::Empty::new().map_err(|n| match n {}).boxed());
        *r.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        r
    })
}

async fn handle(
    shared: &Arc<Shared>,
    conn: &ConnInfo,
    req: Request<Incoming>,
) -> Response<ResBody> {
    let g = shared.current.load_full();
    let Some(lref) = g.listener(conn.local) else {
        return lb_response(LbResponse::error(503, None));
    };
    let lb_model = g.lb_model(lref);
    let attrs = &lb_model.attributes;
    let listener = &lb_model.listeners[lref.listener];
    let metrics = &g.lbs[lref.lb].metrics;
    metrics.inc(&metrics.requests);
    let mut x = Exchange::new("h2", conn.peer, conn.tls.clone());
    x.detailed = g.lbs[lref.lb].access_log.is_some() || tracing::enabled!(tracing::Level::DEBUG);
    let trace_id = x.trace_id;

    let (parts, body) = req.into_parts();
    let authority: Option<String> = parts
        .uri
        .authority()
        .map(|a| a.as_str().to_owned())
        .or_else(|| {
            parts
                .headers
                .get(hyper::header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_owned)
        });
    let host = authority
        .as_deref()
        .map(|a| std::str::from_utf8(rewrite::strip_port(a.as_bytes())).unwrap_or(""));
    let path = parts.uri.path();
    let query = parts.uri.query();
    let headers: Vec<(&str, &[u8])> = parts
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_bytes()))
        .collect();
    let facts = RequestFacts {
        method: parts.method.as_str(),
        host,
        path,
        query,
        headers: &headers,
        source_ip: conn.peer.ip(),
    };
    let forwarded_ips = rewrite::forwarded_ip_count(
        parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .map(|v| v.as_bytes()),
    );
    // hyper has already refused what HTTP/2 forbids (connection headers, bad names), which is
    // AWS's "stricter validation" for HTTP/2.
    let meta = RequestMeta {
        class: Class::Compliant,
        desync_mode: attrs.desync_mitigation_mode,
        forwarded_ips,
        redirect: RedirectSource {
            protocol: listener.protocol.as_str(),
            host: host.unwrap_or(""),
            port: listener.port,
            path,
            query,
        },
    };
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    if x.detailed {
        x.request = format!(
            "{} {}://{}:{}{} HTTP/2.0",
            parts.method,
            listener.protocol.as_str(),
            host.unwrap_or("-"),
            listener.port,
            path_and_query
        );
        x.user_agent = parts
            .headers
            .get(hyper::header::USER_AGENT)
            .map(|u| String::from_utf8_lossy(u.as_bytes()).into_owned());
    }

    let decision = phases::decide(listener, &facts, &meta);
    let response = match decision {
        Decision::Respond {
            response,
            rule,
            action,
        } => {
            x.rule = rule;
            x.actions = action;
            x.redirect_url = response.location.clone();
            metrics.elb_status(response.status);
            x.elb_status = response.status;
            x.error_reason = response.error_reason;
            lb_response(response)
        }
        Decision::Forward { rule, forward, .. } => {
            x.rule = Some(rule);
            x.actions = "forward";
            let length = parts
                .headers
                .get(hyper::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            let framing = match length {
                Some(n) => Framing::Length(n),
                None if body.is_end_stream() => Framing::None,
                None => Framing::Chunked,
            };
            let mut head = Vec::with_capacity(1024);
            let tls = conn.tls.as_ref().map(|t| (t.protocol, t.cipher));
            let cx = ForwardCtx {
                client_text: &conn.client_text,
                protocol: listener.protocol,
                listener_port: listener.port,
                attrs,
                host: authority.as_deref().map(str::as_bytes),
                trace_id: trace_id.as_str(),
                framing,
                upgrade: false,
                tls,
            };
            rewrite::request_head(
                &mut head,
                parts.method.as_str().as_bytes(),
                path_and_query.as_bytes(),
                headers
                    .iter()
                    .filter(|(n, _)| *n != "host")
                    .map(|(n, v)| rewrite::Field::plain(n.as_bytes(), v)),
                &cx,
            );
            let is_head = parts.method == hyper::Method::HEAD;
            // HTTP/2 may split cookies over several fields
            let cookies: Vec<&str> = parts
                .headers
                .get_all(hyper::header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            let cookies = cookies.join("; ");
            // boxed: hyper moves each stream's future into its task, and a small future is
            // a cheap move
            Box::pin(forward_stream(
                shared, &g, lref, forward, head, body, framing, is_head, &cookies, &mut x,
            ))
            .await
        }
    };
    crate::log::emit(&g, lref, x);
    response
}

#[allow(clippy::too_many_arguments)]
async fn forward_stream(
    shared: &Arc<Shared>,
    g: &Arc<Generation>,
    lref: ListenerRef,
    forward: &model::ForwardAction,
    head: Vec<u8>,
    mut body: Incoming,
    framing: Framing,
    is_head: bool,
    cookies: &str,
    x: &mut Exchange,
) -> Response<ResBody> {
    let attrs = &g.lb_model(lref).attributes;
    let metrics = &g.lbs[lref.lb].metrics;
    let fail = |x: &mut Exchange, status: u16, reason: Option<&'static str>| {
        metrics.elb_status(status);
        x.elb_status = status;
        x.error_reason = reason;
        lb_response(LbResponse::error(status, reason))
    };
    let Some(choice) = phases::choose_target(g, forward, |name| {
        crate::targets::cookie(cookies, name).map(str::to_owned)
    }) else {
        return fail(x, 503, None);
    };
    x.target_group = Some(g.model.target_group(choice.target_group).name.clone());
    let (lease, set_cookies) = (choice.lease, choice.set_cookies);
    let target = lease.addr();
    x.target = Some(target);

    let mut up = match shared.pool.get(&lease, attrs, metrics).await {
        Ok(c) => c,
        Err(e) => {
            let (status, reason) = e.status();
            return fail(x, status, Some(reason));
        }
    };
    x.sent_to_target = Some(Instant::now());
    if up.stream.write_all(&head).await.is_err() {
        return fail(x, 502, Some("TargetConnectionError"));
    }
    let mut sent: u64 = 0;
    let max_body = attrs.limits.max_body_bytes;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return fail(x, 400, None);
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        sent += data.len() as u64;
        if max_body.is_some_and(|m| sent > m) {
            return fail(x, 413, None);
        }
        let ok = match framing {
            Framing::Chunked => {
                let mut chunk = format!("{:x}\r\n", data.len()).into_bytes();
                chunk.extend_from_slice(&data);
                chunk.extend_from_slice(b"\r\n");
                up.stream.write_all(&chunk).await.is_ok()
            }
            _ => up.stream.write_all(&data).await.is_ok(),
        };
        if !ok {
            return fail(x, 502, Some("TargetConnectionError"));
        }
    }
    if framing == Framing::Chunked && up.stream.write_all(b"0\r\n\r\n").await.is_err() {
        return fail(x, 502, Some("TargetConnectionError"));
    }
    x.received_bytes = sent;

    let mut rhead = ResponseHead::default();
    let mut watchdog = Watchdog::new();
    loop {
        match read_response_head(
            &mut up,
            &mut rhead,
            &mut watchdog,
            is_head,
            attrs.idle_timeout,
        )
        .await
        {
            Ok(()) => {}
            Err(e) => {
                let (status, reason) = e.status();
                return fail(x, status, Some(reason));
            }
        }
        if (100..200).contains(&rhead.status) {
            // interim responses are not relayed over HTTP/2 here
            let n = rhead.head_len;
            up.buf.advance(n);
            continue;
        }
        break;
    }
    x.target_responded = Some(Instant::now());
    let status = rhead.status;
    x.target_status = Some(status);
    x.elb_status = status;
    metrics.target_status(status);

    let mut builder = Response::builder().status(status);
    for h in &rhead.headers {
        let name = h.name.of(&up.buf);
        if is_connection_header(name) {
            continue;
        }
        builder = builder.header(name, h.value.of(&up.buf));
    }
    for c in &set_cookies {
        builder = builder.header(hyper::header::SET_COOKIE, c.as_str());
    }
    let keep_alive = rhead.keep_alive;
    let state = match rhead.framing {
        proto::ResponseFraming::None => Remaining::Done,
        proto::ResponseFraming::ContentLength(n) => Remaining::Length(n),
        proto::ResponseFraming::Chunked => Remaining::Chunked(ChunkedDecoder::default()),
        proto::ResponseFraming::UntilClose => Remaining::UntilClose,
    };
    up.buf.advance(rhead.head_len);
    x.responded = Some(Instant::now());
    let idle = attrs.idle_timeout;
    let max_idle = attrs.limits.max_idle_per_target;
    // The whole body already read (the common small response): no task, no channel.
    let complete = match state {
        Remaining::Done => Some(Bytes::new()),
        Remaining::Length(n) if up.buf.len() as u64 >= n => {
            Some(up.buf.split_to(n as usize).freeze())
        }
        _ => None,
    };
    if let Some(data) = complete {
        x.sent_bytes = data.len() as u64;
        if keep_alive {
            shared.pool.put(up, max_idle);
        }
        drop(lease);
        let body = http_body_util::Full::new(data)
            .map_err(|never| match never {})
            .boxed();
        return builder
            .body(body)
            .unwrap_or_else(|_| fail(x, 502, Some("TargetResponseError")));
    }
    let (tx, rx) = mpsc::channel(8);
    let shared = shared.clone();
    tokio::spawn(async move {
        let _lease = lease;
        if let Some(up) = pump(up, state, idle, &tx).await
            && keep_alive
        {
            shared.pool.put(up, max_idle);
        }
    });
    let body = ChannelBody { rx }.boxed();
    builder
        .body(body)
        .unwrap_or_else(|_| fail(x, 502, Some("TargetResponseError")))
}

fn is_connection_header(name: &[u8]) -> bool {
    [
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "upgrade",
        "te",
    ]
    .iter()
    .any(|h| name.eq_ignore_ascii_case(h.as_bytes()))
}

enum Remaining {
    Done,
    Length(u64),
    Chunked(ChunkedDecoder),
    UntilClose,
}

/// Reads the response body from the target and sends its data to the stream. Returns the
/// connection when the body ended cleanly, so it can be pooled.
async fn pump(
    mut up: UpstreamConn,
    mut state: Remaining,
    idle: std::time::Duration,
    tx: &mpsc::Sender<Result<Frame<Bytes>, io::Error>>,
) -> Option<UpstreamConn> {
    loop {
        if !up.buf.is_empty() {
            let data: Bytes = match &mut state {
                Remaining::Done => return Some(up),
                Remaining::Length(left) => {
                    let n = (*left).min(up.buf.len() as u64) as usize;
                    *left -= n as u64;
                    let d = up.buf.split_to(n).freeze();
                    if *left == 0 {
                        state = Remaining::Done;
                    }
                    d
                }
                Remaining::UntilClose => up.buf.split().freeze(),
                Remaining::Chunked(dec) => {
                    let mut out = BytesMut::new();
                    match dec.decode(&mut up.buf, &mut out) {
                        Ok(true) => state = Remaining::Done,
                        Ok(false) => {}
                        Err(()) => {
                            let _ = tx.send(Err(io::Error::other("bad chunk"))).await;
                            return None;
                        }
                    }
                    out.freeze()
                }
            };
            if !data.is_empty() && tx.send(Ok(Frame::data(data))).await.is_err() {
                return None;
            }
        }
        if matches!(state, Remaining::Done) {
            return Some(up);
        }
        if up.buf.capacity() - up.buf.len() < 8192 {
            up.buf.reserve(32 * 1024);
        }
        match tokio::time::timeout(idle, up.stream.read_buf(&mut up.buf)).await {
            Ok(Ok(0)) => {
                if matches!(state, Remaining::UntilClose) {
                    return None;
                }
                let _ = tx
                    .send(Err(io::Error::other("target closed mid-body")))
                    .await;
                return None;
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                let _ = tx.send(Err(e)).await;
                return None;
            }
            Err(_) => {
                let _ = tx
                    .send(Err(io::Error::other("target timed out mid-body")))
                    .await;
                return None;
            }
        }
    }
}

/// A response body fed by [`pump`].
struct ChannelBody {
    rx: mpsc::Receiver<Result<Frame<Bytes>, io::Error>>,
}

impl Body for ChannelBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        self.rx.poll_recv(cx)
    }
}
