//! The HTTP/1.1 front end: read a request head, decide ([`crate::phases`]), forward to a
//! pooled target connection, stream the response back; keep-alive and pipelining.
//!
//! Bodies are never decoded: their bytes pass through verbatim while their framing is
//! tracked, and the request head and the first body bytes go to the target in one write.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Buf, BytesMut};
use model::{LbAttributes, Listener, RedirectSource, RequestFacts};
use proto::{Class, RequestHead, ResponseHead, Status};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::watch;

use crate::body::{self, BodyState, CopyError, Dechunker};
use crate::conn::ConnInfo;
use crate::phases::{self, Decision, RequestMeta};
use crate::record::Exchange;
use crate::respond::LbResponse;
use crate::rewrite::{self, ForwardCtx, Framing, utf8};
use crate::server::{Generation, ListenerRef, Shared};
use crate::tokens;
use crate::upstream::{RespErr, TARGET_DEREGISTERED, UpstreamConn, read_response_head};
use crate::watchdog::Watchdog;
use crate::web_acl::BODY_LIMIT;

/// Per-connection buffers, reused across requests.
struct ConnState {
    buf: BytesMut,
    head: RequestHead,
    rhead: ResponseHead,
    out: Vec<u8>,
    opened: Instant,
    watchdog: Watchdog,
}

pub(crate) async fn serve<S>(shared: &Arc<Shared>, mut io: S, conn: ConnInfo)
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let mut st = ConnState {
        buf: BytesMut::with_capacity(8 * 1024),
        head: RequestHead::default(),
        rhead: ResponseHead::default(),
        out: Vec::with_capacity(4 * 1024),
        opened: Instant::now(),
        watchdog: Watchdog::new(),
    };
    let mut draining = shared.draining.subscribe();
    loop {
        let generation = shared.current.load_full();
        let Some(lref) = generation.listener(conn.local) else {
            break;
        };
        let attrs = &generation.lb_model(lref).attributes;
        let limits = proto::Limits {
            max_request_line: attrs.limits.max_request_line_bytes,
            max_header: attrs.limits.max_header_bytes,
            max_head: attrs.limits.max_request_head_bytes,
            ..proto::Limits::default()
        };
        match read_head(&mut io, &mut st, &limits, attrs, &mut draining).await {
            HeadRead::Ready => {}
            HeadRead::Closed => break,
            HeadRead::Refused(resp) => {
                let mut x = Exchange::new(kind(&conn), conn.peer, conn.tls.clone());
                x.request = "- - - -".into();
                respond(&generation, lref, &mut io, &mut st.out, resp, false, &mut x).await;
                log(&generation, lref, x);
                break;
            }
        }
        let keep = handle_request(shared, &generation, lref, &conn, &mut io, &mut st).await;
        if !keep || *draining.borrow() || st.opened.elapsed() >= attrs.client_keep_alive {
            break;
        }
    }
    let _ = io.shutdown().await;
}

fn kind(conn: &ConnInfo) -> &'static str {
    if conn.tls.is_some() { "https" } else { "http" }
}

enum HeadRead {
    Ready,
    Closed,
    Refused(LbResponse),
}

/// Reads until a whole request head is buffered. Waiting for the first byte is bounded by the
/// idle timeout (then the connection closes quietly); from the first byte the whole head must
/// arrive within the header read timeout (then 408), so a client that sends a byte at a time
/// cannot hold the connection.
async fn read_head<S>(
    io: &mut S,
    st: &mut ConnState,
    limits: &proto::Limits,
    attrs: &LbAttributes,
    draining: &mut watch::Receiver<bool>,
) -> HeadRead
where
    S: AsyncRead + Unpin,
{
    let mut deadline: Option<Instant> = None;
    let mut parse = !st.buf.is_empty();
    loop {
        if parse {
            match proto::parse_request(&st.buf, limits, &mut st.head) {
                Ok(Status::Complete) => return HeadRead::Ready,
                Ok(Status::Partial) => {}
                Err(e) => return HeadRead::Refused(LbResponse::error(e.status(), None).closing()),
            }
        }
        if !st.buf.is_empty() && deadline.is_none() {
            deadline = Some(Instant::now() + attrs.limits.header_read_timeout);
        }
        let wait = match deadline {
            Some(d) => d.saturating_duration_since(Instant::now()),
            None => attrs.idle_timeout,
        };
        if st.buf.capacity() - st.buf.len() < 4096 {
            st.buf.reserve(8 * 1024);
        }
        let before = st.buf.len();
        let read = tokio::select! {
            r = st.watchdog.run(wait, io.read_buf(&mut st.buf)) => r,
            _ = draining.changed(), if st.buf.is_empty() => return HeadRead::Closed,
        };
        match read {
            Some(Ok(0)) | Some(Err(_)) => return HeadRead::Closed,
            Some(Ok(_)) => {
                // Re-parse only when a line ended: a byte-a-time client costs one parse per
                // line, not one per byte.
                parse = memchr::memchr(b'\n', &st.buf[before..]).is_some();
            }
            None if st.buf.is_empty() => return HeadRead::Closed,
            None => {
                return HeadRead::Refused(
                    LbResponse::error(408, Some("ClientHeaderTimeout")).closing(),
                );
            }
        }
    }
}

/// Serves one request whose head is in `st.head`. Returns whether the connection may serve
/// another.
async fn handle_request<S>(
    shared: &Arc<Shared>,
    g: &Arc<Generation>,
    lref: ListenerRef,
    conn: &ConnInfo,
    io: &mut S,
    st: &mut ConnState,
) -> bool
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let lb_model = g.lb_model(lref);
    let attrs = &lb_model.attributes;
    let listener: &Listener = &lb_model.listeners[lref.listener];
    let lb = &g.lbs[lref.lb];
    let metrics = &lb.metrics;
    metrics.inc(&metrics.requests);

    let mut x = Exchange::new(kind(conn), conn.peer, conn.tls.clone());
    let head_len = st.head.head_len;
    x.received_bytes = head_len as u64;
    x.detailed = lb.access_log.is_some() || tracing::enabled!(tracing::Level::DEBUG);
    let trace_id = x.trace_id;
    {
        let (buf, head) = (&st.buf[..], &st.head);
        x.request = format!(
            "{} {}://{}:{}{} HTTP/1.{}",
            head.method_str(buf),
            listener.protocol.as_str(),
            head.host.map_or("-", |h| utf8(h.of(buf))),
            listener.port,
            utf8(head.target.of(buf)),
            u8::from(head.version == proto::Version::Http11)
        );
        x.user_agent = head
            .header(buf, "user-agent")
            .map(|u| String::from_utf8_lossy(u).into_owned());
    }

    // waf: a web ACL that reads bodies sees the body's first 8 KB, read before deciding; a
    // verification path's small form is read whole
    let web_acl = lb.web_acl.as_deref();
    let verify = web_acl.is_some() && tokens::verify_kind(utf8(st.head.path.of(&st.buf))).is_some();
    let limit = if verify {
        tokens::VERIFY_BODY_LIMIT
    } else {
        BODY_LIMIT
    };
    let too_large = |p: &BodyPrefix| verify && p.body_len.is_some_and(|n| n > limit as u64);
    let mut prefix = BodyPrefix::default();
    if verify
        && let proto::BodyFraming::ContentLength(n) = st.head.framing
        && n > limit as u64
    {
        prefix.body_len = Some(n);
    } else if (verify || web_acl.is_some_and(|w| w.inspects_body))
        && let Err(e) = read_body_prefix(io, st, attrs.idle_timeout, &mut prefix, limit).await
    {
        if let Some(status) = e.status() {
            let resp = LbResponse::error(status, None).closing();
            respond(g, lref, io, &mut st.out, resp, false, &mut x).await;
        } else {
            // the client went away mid-body: AWS logs 400
            x.elb_status = 400;
            metrics.elb_status(400);
        }
        log(g, lref, x);
        return false;
    }
    if too_large(&prefix) {
        let resp = LbResponse::error(413, None).closing();
        x.actions = "waf";
        respond(g, lref, io, &mut st.out, resp, false, &mut x).await;
        log(g, lref, x);
        return false;
    }

    // Everything borrowed from the buffer is used before the body is read.
    let (decision, framing, upgrade, client_keep_alive) = {
        let buf = &st.buf[..];
        let head = &st.head;
        let method = head.method_str(buf);
        let host_full = head
            .header(buf, "host")
            .or(head.authority.map(|a| a.of(buf)));
        let host = head.host.map(|h| utf8(h.of(buf)));
        let path = utf8(head.path.of(buf));
        let query = head.query.map(|q| utf8(q.of(buf)));
        let headers: Vec<(&str, &[u8])> = head
            .headers
            .iter()
            .map(|h| (utf8(h.name.of(buf)), h.value.of(buf)))
            .collect();
        let facts = RequestFacts {
            method,
            host,
            path,
            query,
            headers: &headers,
            source_ip: conn.peer.ip(),
        };
        let class = head.classification.class;
        if class != Class::Compliant {
            metrics.inc(&metrics.desync_non_compliant);
            x.classification = Some((class, head.classification.reason));
        }
        let forwarded_ips = rewrite::forwarded_ip_count(
            headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case("x-forwarded-for"))
                .map(|(_, v)| *v),
        );
        let meta = RequestMeta {
            class,
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
        let waf_headers: Vec<waf::Header<'_>>;
        let waf_uri: std::borrow::Cow<'_, str>;
        let waf_request: waf::Request<'_>;
        let waf_input = match web_acl {
            Some(w) => {
                waf_headers = headers
                    .iter()
                    .map(|(name, value)| waf::Header { name, value })
                    .collect();
                waf_uri = waf_target(buf, head);
                let body = match &prefix.dechunked {
                    Some(d) => d.as_slice(),
                    None => buf
                        .get(head_len..head_len + prefix.inspected)
                        .unwrap_or(&[]),
                };
                waf_request = waf::Request {
                    client_ip: conn.peer.ip(),
                    method,
                    uri: &waf_uri,
                    http_version: if head.version == proto::Version::Http11 {
                        "HTTP/1.1"
                    } else {
                        "HTTP/1.0"
                    },
                    headers: &waf_headers,
                    body,
                    body_len: prefix.body_len.or(match head.framing {
                        proto::BodyFraming::None => Some(0),
                        proto::BodyFraming::ContentLength(n) => Some(n),
                        proto::BodyFraming::Chunked => None,
                    }),
                    ja3: conn.tls.as_ref().and_then(|t| t.ja3.as_deref()),
                    ja4: conn.tls.as_ref().and_then(|t| t.ja4.as_deref()),
                };
                Some(phases::WafInput {
                    acl: w,
                    request: &waf_request,
                    client: tokens::ClientView {
                        host: host_full.map(utf8),
                        accept: head.header(buf, "accept").map(utf8),
                        target: &waf_uri,
                        client: conn.peer.ip(),
                        token: tokens::presented_token(&headers),
                        secure: conn.tls.is_some(),
                    },
                    now: unix_now(),
                })
            }
            None => None,
        };
        let decided = phases::decide(listener, &facts, &meta, waf_input);
        if let (Some(w), Some(input), Some(v)) = (web_acl, waf_input, &decided.verdict) {
            let source = waf::log::Source {
                name: "ALB",
                id: &lb_model.name,
                request_id: trace_id.as_str(),
                country: None,
            };
            w.record(v, input.request, source);
        }
        let inserted: &[(String, String)] = decided
            .verdict
            .as_ref()
            .map_or(&[], |v| v.inserted_headers.as_slice());
        let decision = decided.decision;

        let framing = match head.framing {
            proto::BodyFraming::None => Framing::None,
            proto::BodyFraming::ContentLength(n) => Framing::Length(n),
            proto::BodyFraming::Chunked => Framing::Chunked,
        };
        if let Decision::Forward { .. } = decision {
            // The target's request head, written while the client's is still borrowed.
            st.out.clear();
            let tls = conn.tls.as_ref().map(|t| (t.protocol, t.cipher));
            let cx = ForwardCtx {
                client_text: &conn.client_text,
                protocol: listener.protocol,
                listener_port: listener.port,
                attrs,
                host: host_full,
                trace_id: trace_id.as_str(),
                framing,
                upgrade: head.upgrade,
                tls,
                waf_headers: inserted,
            };
            let target: std::borrow::Cow<'_, [u8]> = match head.authority {
                // absolute-form: targets get origin-form
                Some(_) => {
                    let mut t = head.path.of(buf).to_vec();
                    if let Some(q) = head.query {
                        t.push(b'?');
                        t.extend_from_slice(q.of(buf));
                    }
                    t.into()
                }
                None => head.target.of(buf).into(),
            };
            rewrite::request_head(
                &mut st.out,
                method.as_bytes(),
                &target,
                head.headers
                    .iter()
                    .map(|h| rewrite::Field {
                        name: h.name.of(buf),
                        value: h.value.of(buf),
                        must_drop: h.must_drop(),
                        folded: h.is_folded(),
                    })
                    // the client had its 100 Continue from us; the target gets the body
                    .filter(|f| !(prefix.sent_continue && f.name.eq_ignore_ascii_case(b"expect"))),
                &cx,
            );
        }
        (decision, framing, head.upgrade, head.keep_alive)
    };

    match decision {
        Decision::Respond {
            response,
            rule,
            action,
        } => {
            x.rule = rule;
            x.actions = action;
            x.redirect_url = response.location.clone();
            // A body the load balancer does not read is skipped when it is already here;
            // otherwise the connection closes rather than guess where the next request starts.
            let mut state = BodyState::request(st.head.framing);
            st.buf.advance(head_len);
            let skipped = state.take(&st.buf).unwrap_or(0);
            st.buf.advance(skipped);
            let keep = client_keep_alive && state.is_done() && !response.close;
            if response.status == 400 && x.classification.is_some() {
                metrics.inc(&metrics.desync_blocked);
            }
            respond(g, lref, io, &mut st.out, response, keep, &mut x).await;
            log(g, lref, x);
            keep
        }
        Decision::Forward {
            rule,
            forward,
            close_after,
            action,
        } => {
            x.rule = Some(rule);
            x.actions = action;
            let keep = forward_request(
                shared, g, lref, conn, io, st, forward, framing, upgrade, &mut x,
            )
            .await;
            let keep = keep && client_keep_alive && !close_after;
            log(g, lref, x);
            keep
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn forward_request<S>(
    shared: &Arc<Shared>,
    g: &Arc<Generation>,
    lref: ListenerRef,
    conn: &ConnInfo,
    io: &mut S,
    st: &mut ConnState,
    forward: &model::ForwardAction,
    framing: Framing,
    upgrade: bool,
    x: &mut Exchange,
) -> bool
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let lb_model = g.lb_model(lref);
    let attrs = &lb_model.attributes;
    let metrics = &g.lbs[lref.lb].metrics;
    let head_len = st.head.head_len;
    let is_head = st.head.method_str(&st.buf) == "HEAD";

    let Some(choice) = phases::choose_target(g, forward, |name| cookie(&st.buf, &st.head, name))
    else {
        return fail(g, lref, io, st, x, 503, None).await;
    };
    x.target_group = Some(g.model.target_group(choice.target_group).name.clone());
    let (lease, set_cookies) = (choice.lease, choice.set_cookies);
    let target = lease.addr();
    x.target = Some(target);

    // The request body bytes already read go out with the head, in one write.
    let mut req_body = BodyState::request(st.head.framing);
    st.buf.advance(head_len);
    let first = match req_body.take(&st.buf) {
        Ok(n) => n,
        Err(_) => return fail(g, lref, io, st, x, 400, None).await,
    };
    if let (Some(max), Framing::Length(n)) = (attrs.limits.max_body_bytes, framing)
        && n > max
    {
        return fail(g, lref, io, st, x, 413, None).await;
    }
    st.out.extend_from_slice(&st.buf[..first]);
    st.buf.advance(first);
    x.received_bytes += first as u64;
    let replayable = req_body.is_done();

    let mut attempt = 0;
    let mut upstream = loop {
        attempt += 1;
        let mut up = match shared.pool.get(&lease, attrs, metrics).await {
            Ok(c) => c,
            Err(e) => {
                let (status, reason) = e.status();
                return fail(g, lref, io, st, x, status, Some(reason)).await;
            }
        };
        x.sent_to_target = Some(Instant::now());
        if up.stream.write_all(&st.out).await.is_err() {
            if up.reused && replayable && attempt == 1 && !up.stream.is_cut() {
                continue;
            }
            let reason = up.error_reason("TargetConnectionError");
            return fail(g, lref, io, st, x, 502, Some(reason)).await;
        }
        if !req_body.is_done() {
            let budget = attrs
                .limits
                .max_body_bytes
                .map(|m| m.saturating_sub(first as u64));
            match body::copy(
                io,
                &mut st.buf,
                &mut up.stream,
                &mut req_body,
                &mut st.watchdog,
                attrs.idle_timeout,
                budget,
            )
            .await
            {
                Ok(n) => x.received_bytes += n,
                Err(CopyError::TooLarge) => {
                    return fail(g, lref, io, st, x, 413, None).await;
                }
                Err(CopyError::Write) => {
                    let reason = up.error_reason("TargetConnectionError");
                    return fail(g, lref, io, st, x, 502, Some(reason)).await;
                }
                Err(_) => {
                    // the client went away or stalled mid-body: AWS logs 400 and closes
                    x.elb_status = 400;
                    metrics.elb_status(400);
                    return false;
                }
            }
        }
        match read_response_head(
            &mut up,
            &mut st.rhead,
            &mut st.watchdog,
            is_head,
            attrs.idle_timeout,
        )
        .await
        {
            Ok(()) => break up,
            Err(RespErr::Closed) if up.reused && replayable && attempt == 1 => continue,
            Err(e) => {
                let (status, reason) = e.status();
                return fail(g, lref, io, st, x, status, Some(reason)).await;
            }
        }
    };
    x.target_responded = Some(Instant::now());

    // 1xx interim responses (100 Continue) are passed on; the final one follows.
    while (100..200).contains(&st.rhead.status) && st.rhead.status != 101 {
        let n = st.rhead.head_len;
        if io.write_all(&upstream.buf[..n]).await.is_err() {
            return false;
        }
        upstream.buf.advance(n);
        match read_response_head(
            &mut upstream,
            &mut st.rhead,
            &mut st.watchdog,
            is_head,
            attrs.idle_timeout,
        )
        .await
        {
            Ok(()) => {}
            Err(e) => {
                let (status, reason) = e.status();
                return fail(g, lref, io, st, x, status, Some(reason)).await;
            }
        }
    }

    let status = st.rhead.status;
    x.target_status = Some(status);
    x.elb_status = status;
    metrics.target_status(status);
    let switching = status == 101 && upgrade;
    let mut resp_body = BodyState::response(st.rhead.framing);
    let resp_framing = match st.rhead.framing {
        proto::ResponseFraming::ContentLength(n) => Framing::Length(n),
        proto::ResponseFraming::Chunked => Framing::Chunked,
        proto::ResponseFraming::None | proto::ResponseFraming::UntilClose => Framing::None,
    };
    let http10_client = st.head.version == proto::Version::Http10;
    // An HTTP/1.0 client cannot read chunked framing: the body is decoded and the connection
    // closed to end it.
    let dechunk = http10_client && matches!(st.rhead.framing, proto::ResponseFraming::Chunked);
    let until_close = matches!(st.rhead.framing, proto::ResponseFraming::UntilClose) || dechunk;
    let keep_client = !until_close && st.head.keep_alive;
    {
        let rbuf = &upstream.buf[..];
        let rh = &st.rhead;
        st.out.clear();
        let upgrade_value = if switching {
            rh.header(rbuf, "upgrade")
        } else {
            None
        };
        rewrite::response_head(
            &mut st.out,
            status,
            rh.reason.of(rbuf),
            rh.headers
                .iter()
                .map(|h| (h.name.of(rbuf), h.value.of(rbuf))),
            if matches!(st.rhead.framing, proto::ResponseFraming::None) && !is_head {
                Framing::None
            } else if is_head {
                // HEAD: the target's length header describes the body it did not send
                match rh
                    .header(rbuf, "content-length")
                    .and_then(|v| utf8(v).parse().ok())
                {
                    Some(n) => Framing::Length(n),
                    None => Framing::None,
                }
            } else if dechunk {
                Framing::None
            } else {
                resp_framing
            },
            &set_cookies,
            keep_client,
            http10_client,
            upgrade_value,
        );
    }
    let rhead_len = st.rhead.head_len;
    upstream.buf.advance(rhead_len);
    if dechunk {
        x.responded = Some(Instant::now());
        if io.write_all(&st.out).await.is_err() {
            return false;
        }
        x.sent_bytes = st.out.len() as u64;
        match body::copy_dechunked(&mut upstream, io, &mut st.watchdog, attrs.idle_timeout).await {
            Ok(n) => x.sent_bytes += n,
            Err(_) => cut_mid_response(&upstream, x),
        }
        return false;
    }
    let first = match resp_body.take(&upstream.buf) {
        Ok(n) => n,
        Err(_) => return fail(g, lref, io, st, x, 502, Some("TargetResponseError")).await,
    };
    st.out.extend_from_slice(&upstream.buf[..first]);
    upstream.buf.advance(first);
    x.responded = Some(Instant::now());
    if io.write_all(&st.out).await.is_err() {
        x.elb_status = 460;
        return false;
    }
    x.sent_bytes = st.out.len() as u64;

    if switching {
        x.kind = if conn.tls.is_some() { "wss" } else { "ws" };
        tunnel(io, &mut st.buf, &mut upstream, attrs.idle_timeout).await;
        cut_mid_response(&upstream, x);
        return false;
    }

    if !resp_body.is_done() {
        match body::copy(
            &mut upstream.stream,
            &mut upstream.buf,
            io,
            &mut resp_body,
            &mut st.watchdog,
            attrs.idle_timeout,
            None,
        )
        .await
        {
            Ok(n) => x.sent_bytes += n,
            Err(_) => {
                // the response is cut mid-body: nothing else can be said on this connection
                cut_mid_response(&upstream, x);
                return false;
            }
        }
    }
    metrics.add(&metrics.sent_bytes, x.sent_bytes);
    metrics.add(&metrics.received_bytes, x.received_bytes);
    if !until_close && st.rhead.keep_alive {
        shared.pool.put(upstream, attrs.limits.max_idle_per_target);
    }
    drop(lease);
    keep_client
}

/// A response (or WebSocket) already under way when the target's deregistration delay
/// expired: the client connection closes, and the access log says why.
fn cut_mid_response(up: &UpstreamConn, x: &mut Exchange) {
    if up.stream.is_cut() {
        x.error_reason = Some(TARGET_DEREGISTERED);
    }
}

/// After `101 Switching Protocols`: bytes flow both ways until either side closes, the
/// connection idles past the idle timeout, or the target's deregistration delay expires.
async fn tunnel<S>(io: &mut S, client_pending: &mut BytesMut, up: &mut UpstreamConn, idle: Duration)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if !client_pending.is_empty() {
        if up.stream.write_all(client_pending).await.is_err() {
            return;
        }
        client_pending.clear();
    }
    if !up.buf.is_empty() {
        if io.write_all(&up.buf).await.is_err() {
            return;
        }
        up.buf.clear();
    }
    let mut a = [0u8; 16 * 1024];
    let mut b = [0u8; 16 * 1024];
    loop {
        let step = tokio::time::timeout(idle, async {
            tokio::select! {
                r = io.read(&mut a) => match r {
                    Ok(0) | Err(_) => false,
                    Ok(n) => up.stream.write_all(&a[..n]).await.is_ok(),
                },
                r = up.stream.read(&mut b) => match r {
                    Ok(0) | Err(_) => false,
                    Ok(n) => io.write_all(&b[..n]).await.is_ok(),
                },
            }
        })
        .await;
        if !matches!(step, Ok(true)) {
            return;
        }
    }
}

/// Answers with a load-balancer error and closes the connection.
async fn fail<S>(
    g: &Generation,
    lref: ListenerRef,
    io: &mut S,
    st: &mut ConnState,
    x: &mut Exchange,
    status: u16,
    reason: Option<&'static str>,
) -> bool
where
    S: AsyncWrite + Unpin,
{
    let resp = LbResponse::error(status, reason).closing();
    respond(g, lref, io, &mut st.out, resp, false, x).await;
    false
}

async fn respond<S>(
    g: &Generation,
    lref: ListenerRef,
    io: &mut S,
    out: &mut Vec<u8>,
    resp: LbResponse,
    keep_alive: bool,
    x: &mut Exchange,
) where
    S: AsyncWrite + Unpin,
{
    let metrics = &g.lbs[lref.lb].metrics;
    metrics.elb_status(resp.status);
    x.elb_status = resp.status;
    x.error_reason = resp.error_reason;
    out.clear();
    resp.write_http1(keep_alive, &[], out);
    x.responded = Some(Instant::now());
    if io.write_all(out).await.is_ok() {
        x.sent_bytes += out.len() as u64;
    }
}

/// The start of a request body, read for the WAF before the decision.
#[derive(Debug, Default)]
struct BodyPrefix {
    /// A chunked body's first data, decoded (a Content-Length body is inspected where it lies
    /// in the buffer).
    dechunked: Option<Vec<u8>>,
    /// A Content-Length body's bytes inspected, right after the head in the buffer.
    inspected: usize,
    /// The body's length: Content-Length; a chunked body's when its end was read, else a
    /// lower bound beyond what was inspected (so that the WAF treats it as oversize).
    body_len: Option<u64>,
    /// `Expect: 100-continue` was answered by the load balancer.
    sent_continue: bool,
}

#[derive(Debug)]
enum PrefixError {
    Closed,
    TimedOut,
    Malformed,
}

impl PrefixError {
    /// The status to answer with, when the client is still there to read it.
    fn status(&self) -> Option<u16> {
        match self {
            PrefixError::Closed => None,
            PrefixError::TimedOut => Some(408),
            PrefixError::Malformed => Some(400),
        }
    }
}

/// Framed bytes of a chunked body read for the WAF: past this, what was decoded is inspected
/// and the body counts as oversize (chunk extensions cannot make the load balancer buffer
/// without bound).
const MAX_PREFIX_FRAMING: usize = 64 * 1024;

/// Reads into the buffer, after the head, until the first `limit` bytes of the body
/// (de-chunked) or the whole body are there, each read bounded by the idle timeout. Nothing is
/// consumed: the head and these bytes are forwarded as they are.
async fn read_body_prefix<S>(
    io: &mut S,
    st: &mut ConnState,
    idle: Duration,
    p: &mut BodyPrefix,
    limit: usize,
) -> Result<(), PrefixError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let head_len = st.head.head_len;
    let mut chunked = matches!(st.head.framing, proto::BodyFraming::Chunked)
        .then(|| (Dechunker::default(), Vec::new(), 0usize));
    loop {
        match st.head.framing {
            proto::BodyFraming::None => return Ok(()),
            proto::BodyFraming::ContentLength(n) => {
                let want = n.min(limit as u64) as usize;
                if st.buf.len() - head_len >= want {
                    p.inspected = want;
                    p.body_len = Some(n);
                    return Ok(());
                }
            }
            proto::BodyFraming::Chunked => {
                if let Some((d, data, fed)) = &mut chunked {
                    let (n, done) = d
                        .feed(&st.buf[head_len + *fed..], data, limit + 1)
                        .map_err(|()| PrefixError::Malformed)?;
                    *fed += n;
                    if done || data.len() > limit || *fed > MAX_PREFIX_FRAMING {
                        let inspected = data.len().min(limit);
                        let len = if done {
                            data.len()
                        } else {
                            data.len().max(inspected + 1)
                        };
                        p.body_len = Some(len as u64);
                        data.truncate(inspected);
                        p.dechunked = Some(std::mem::take(data));
                        return Ok(());
                    }
                }
            }
        }
        if st.head.expect_continue && !p.sent_continue && st.buf.len() == head_len {
            io.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .await
                .map_err(|_| PrefixError::Closed)?;
            p.sent_continue = true;
        }
        if st.buf.capacity() - st.buf.len() < 4096 {
            st.buf.reserve(16 * 1024);
        }
        match st.watchdog.run(idle, io.read_buf(&mut st.buf)).await {
            Some(Ok(0)) | Some(Err(_)) => return Err(PrefixError::Closed),
            Some(Ok(_)) => {}
            None => return Err(PrefixError::TimedOut),
        }
    }
}

/// The request target as the WAF reads it: origin-form as sent; an absolute-form target
/// (`http://host/path?q`) as its path and query, so that `UriPath` sees a path either way.
/// Bytes that are not UTF-8 become U+FFFD rather than hide the rest of the target.
fn waf_target<'b>(buf: &'b [u8], head: &RequestHead) -> std::borrow::Cow<'b, str> {
    let bytes = match head.authority {
        Some(_) => {
            let end = head.query.map_or(head.path.end, |q| q.end) as usize;
            buf.get(head.path.start as usize..end).unwrap_or(&[])
        }
        None => head.target.of(buf),
    };
    if bytes.is_empty() {
        return "/".into();
    }
    String::from_utf8_lossy(bytes)
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A cookie's value from the request's `Cookie` headers.
fn cookie(buf: &[u8], head: &RequestHead, name: &str) -> Option<String> {
    head.headers
        .iter()
        .filter(|h| h.name.of(buf).eq_ignore_ascii_case(b"cookie"))
        .flat_map(|h| h.value.of(buf).split(|b| *b == b';'))
        .find_map(|pair| {
            let pair = pair.trim_ascii();
            let (k, v) = pair.split_at(pair.iter().position(|b| *b == b'=')?);
            (k == name.as_bytes()).then(|| String::from_utf8_lossy(&v[1..]).into_owned())
        })
}

fn log(g: &Generation, lref: ListenerRef, x: Exchange) {
    crate::log::emit(g, lref, x);
}
