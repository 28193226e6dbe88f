//! The HTTP/2 server state machine against hand-built client frames.

#![allow(clippy::unwrap_used)]

use proto::h2::frame::{flag, kind};
use proto::h2::{Config, ErrorCode, Event, FrameHeader, PREFACE, ServerConn};
use proto::hpack;

/// Frames a test client sends.
struct Client {
    enc: hpack::Encoder,
    bytes: Vec<u8>,
}

impl Client {
    fn new() -> Client {
        let mut c = Client {
            enc: hpack::Encoder::new(),
            bytes: PREFACE.to_vec(),
        };
        c.frame(kind::SETTINGS, 0, 0, &[]);
        c
    }

    fn frame(&mut self, kind: u8, flags: u8, stream: u32, payload: &[u8]) -> &mut Client {
        FrameHeader {
            len: payload.len() as u32,
            kind,
            flags,
            stream,
        }
        .write(&mut self.bytes);
        self.bytes.extend_from_slice(payload);
        self
    }

    fn block(&mut self, fields: &[(&str, &str)]) -> Vec<u8> {
        let mut b = Vec::new();
        for (n, v) in fields {
            self.enc.field(n.as_bytes(), v.as_bytes(), &mut b);
        }
        b
    }

    fn get(&mut self, stream: u32, path: &str) -> &mut Client {
        let b = self.block(&get_fields(path));
        self.frame(
            kind::HEADERS,
            flag::END_HEADERS | flag::END_STREAM,
            stream,
            &b,
        )
    }

    fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.bytes)
    }
}

fn get_fields(path: &str) -> Vec<(&'static str, &str)> {
    vec![
        (":method", "GET"),
        (":scheme", "https"),
        (":authority", "example.com"),
        (":path", path),
        ("user-agent", "test"),
    ]
}

/// Feeds everything; returns the events.
fn feed(s: &mut ServerConn, bytes: &[u8]) -> Vec<Event> {
    let used = s.recv(bytes).expect("no connection error");
    assert_eq!(used, bytes.len(), "every frame complete");
    std::iter::from_fn(|| s.poll_event()).collect()
}

/// The server's output as frames.
fn output(s: &mut ServerConn) -> Vec<(FrameHeader, Vec<u8>)> {
    let out = s.output().to_vec();
    s.advance_output(out.len());
    let mut frames = Vec::new();
    let mut at = 0;
    while let Some(h) = FrameHeader::parse(&out[at..]) {
        let end = at + 9 + h.len as usize;
        frames.push((h, out[at + 9..end].to_vec()));
        at = end;
    }
    assert_eq!(at, out.len(), "output ends on a frame boundary");
    frames
}

fn kinds(frames: &[(FrameHeader, Vec<u8>)]) -> Vec<u8> {
    frames.iter().map(|(h, _)| h.kind).collect()
}

fn error_code(payload: &[u8], at: usize) -> ErrorCode {
    ErrorCode::from_u32(u32::from_be_bytes(payload[at..at + 4].try_into().unwrap()))
}

fn goaway_code(s: &mut ServerConn) -> ErrorCode {
    let frames = output(s);
    let (_, p) = frames
        .iter()
        .find(|(h, _)| h.kind == kind::GOAWAY)
        .expect("a GOAWAY");
    error_code(p, 4)
}

fn started() -> (ServerConn, Client) {
    let mut s = ServerConn::new(Config::default());
    let mut c = Client::new();
    assert!(feed(&mut s, &c.take()).is_empty());
    let frames = output(&mut s);
    // our SETTINGS, the connection window, and the ack of the client's SETTINGS
    assert_eq!(
        kinds(&frames),
        [kind::SETTINGS, kind::WINDOW_UPDATE, kind::SETTINGS]
    );
    assert!(frames[2].0.has(flag::ACK));
    (s, c)
}

#[test]
fn a_request_and_its_response() {
    let (mut s, mut c) = started();
    let ev = feed(&mut s, &c.get(1, "/index.html?x=1").take());
    let [Event::Request(r)] = &ev[..] else {
        panic!("{ev:?}")
    };
    assert_eq!(
        (r.stream, r.method(), r.path(), r.authority()),
        (
            1,
            &b"GET"[..],
            &b"/index.html?x=1"[..],
            Some(&b"example.com"[..])
        )
    );
    assert!(r.end_stream);
    assert_eq!(r.field(b"user-agent"), Some(&b"test"[..]));

    s.send_headers(1, 200, [(&b"Content-Type"[..], &b"text/plain"[..])], false);
    assert_eq!(s.send_data(1, b"hello", true), 5);
    let frames = output(&mut s);
    assert_eq!(kinds(&frames), [kind::HEADERS, kind::DATA]);
    assert!(frames[0].0.has(flag::END_HEADERS) && !frames[0].0.has(flag::END_STREAM));
    assert!(frames[1].0.has(flag::END_STREAM));
    assert_eq!(frames[1].1, b"hello");
    let mut dec = hpack::Decoder::new(4096);
    let mut fields = Vec::new();
    dec.decode(&frames[0].1, 1 << 16, |n, v| {
        fields.push((n.to_vec(), v.to_vec()))
    })
    .unwrap();
    assert_eq!(
        fields,
        [
            (b":status".to_vec(), b"200".to_vec()),
            (b"content-type".to_vec(), b"text/plain".to_vec())
        ]
    );
    assert_eq!(s.active_streams(), 0);
}

#[test]
fn bytes_one_at_a_time_give_the_same_events() {
    let mut s = ServerConn::new(Config::default());
    let mut c = Client::new();
    c.get(1, "/a").get(3, "/b");
    let bytes = c.take();
    let mut buf = Vec::new();
    let mut events = Vec::new();
    for b in bytes {
        buf.push(b);
        let used = s.recv(&buf).unwrap();
        buf.drain(..used);
        events.extend(std::iter::from_fn(|| s.poll_event()));
    }
    assert!(buf.is_empty());
    let paths: Vec<_> = events
        .iter()
        .map(|e| match e {
            Event::Request(r) => r.path().to_vec(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(paths, [b"/a".to_vec(), b"/b".to_vec()]);
}

#[test]
fn a_bad_preface_or_first_frame_ends_the_connection() {
    let mut s = ServerConn::new(Config::default());
    let e = s.recv(b"GET / HTTP/1.1\r\n\r\n").unwrap_err();
    assert_eq!(e.code, ErrorCode::ProtocolError);
    assert_eq!(goaway_code(&mut s), ErrorCode::ProtocolError);
    assert!(s.is_done());

    let mut s = ServerConn::new(Config::default());
    let mut bytes = PREFACE.to_vec();
    FrameHeader {
        len: 8,
        kind: kind::PING,
        flags: 0,
        stream: 0,
    }
    .write(&mut bytes);
    bytes.extend_from_slice(&[0; 8]);
    assert_eq!(s.recv(&bytes).unwrap_err().code, ErrorCode::ProtocolError);
}

#[test]
fn ping_is_answered_with_its_payload() {
    let (mut s, mut c) = started();
    feed(&mut s, &c.frame(kind::PING, 0, 0, b"12345678").take());
    let frames = output(&mut s);
    assert_eq!(kinds(&frames), [kind::PING]);
    assert!(frames[0].0.has(flag::ACK));
    assert_eq!(frames[0].1, b"12345678");
    // an ack is not answered
    feed(
        &mut s,
        &c.frame(kind::PING, flag::ACK, 0, b"12345678").take(),
    );
    assert!(output(&mut s).is_empty());
}

#[test]
fn streams_beyond_the_limit_are_refused() {
    let mut s = ServerConn::new(Config {
        max_concurrent_streams: 2,
        ..Config::default()
    });
    let mut c = Client::new();
    feed(&mut s, &c.take());
    output(&mut s);
    let ev = feed(&mut s, &c.get(1, "/").get(3, "/").get(5, "/").take());
    assert_eq!(ev.len(), 2);
    let frames = output(&mut s);
    assert_eq!(kinds(&frames), [kind::RST_STREAM]);
    assert_eq!(frames[0].0.stream, 5);
    assert_eq!(error_code(&frames[0].1, 0), ErrorCode::RefusedStream);
    // finishing one makes room
    s.send_headers(1, 204, [], true);
    output(&mut s);
    assert_eq!(feed(&mut s, &c.get(7, "/").take()).len(), 1);
}

#[test]
fn response_data_waits_for_the_clients_window() {
    let (mut s, mut c) = started();
    feed(&mut s, &c.get(1, "/big").take());
    s.send_headers(1, 200, [], false);
    let body = vec![7u8; 100_000];
    let n = s.send_data(1, &body, true);
    assert_eq!(n, 65_535, "the initial window");
    let frames = output(&mut s);
    assert!(
        frames[1..]
            .iter()
            .all(|(h, p)| h.kind == kind::DATA && p.len() <= 16_384)
    );
    assert!(!frames.last().unwrap().0.has(flag::END_STREAM));
    assert_eq!(s.send_data(1, &body[n..], true), 0);
    // the stream's window alone is not enough; the connection's too
    feed(
        &mut s,
        &c.frame(kind::WINDOW_UPDATE, 0, 1, &100_000u32.to_be_bytes())
            .take(),
    );
    assert_eq!(s.send_data(1, &body[n..], true), 0);
    feed(
        &mut s,
        &c.frame(kind::WINDOW_UPDATE, 0, 0, &100_000u32.to_be_bytes())
            .take(),
    );
    assert_eq!(s.send_data(1, &body[n..], true), 100_000 - 65_535);
    let frames = output(&mut s);
    assert!(frames.last().unwrap().0.has(flag::END_STREAM));
    assert_eq!(s.active_streams(), 0);
}

#[test]
fn a_smaller_initial_window_applies_to_open_streams() {
    let (mut s, mut c) = started();
    feed(&mut s, &c.get(1, "/").take());
    s.send_headers(1, 200, [], false);
    let mut p = Vec::new();
    p.extend_from_slice(&4u16.to_be_bytes());
    p.extend_from_slice(&10u32.to_be_bytes());
    feed(&mut s, &c.frame(kind::SETTINGS, 0, 0, &p).take());
    assert_eq!(s.send_data(1, &[1; 100], true), 10);
    // and a window above 2^31-1 is a connection error
    let mut p = Vec::new();
    p.extend_from_slice(&4u16.to_be_bytes());
    p.extend_from_slice(&(1u32 << 31).to_be_bytes());
    let e = s
        .recv(&c.frame(kind::SETTINGS, 0, 0, &p).take())
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::FlowControlError);
}

#[test]
fn request_bodies_are_credited_back_when_released() {
    let (mut s, mut c) = started();
    let mut f = get_fields("/upload");
    f[0] = (":method", "POST");
    let b = c.block(&f);
    c.frame(kind::HEADERS, flag::END_HEADERS, 1, &b);
    let chunk = vec![b'x'; 16_384];
    for _ in 0..8 {
        c.frame(kind::DATA, 0, 1, &chunk);
    }
    c.frame(kind::DATA, flag::END_STREAM, 1, b"end");
    let ev = feed(&mut s, &c.take());
    assert_eq!(ev.len(), 10);
    let total: usize = ev
        .iter()
        .map(|e| match e {
            Event::Data { data, .. } => data.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(total, 8 * 16_384 + 3);
    assert!(matches!(
        ev.last(),
        Some(Event::Data {
            end_stream: true,
            ..
        })
    ));
    output(&mut s);
    // nothing is credited until released; half the stream window credits the stream (it has
    // ended: only the connection) — release all
    s.release(1, 8 * 16_384 + 3);
    let frames = output(&mut s);
    assert!(
        frames
            .iter()
            .all(|(h, _)| h.kind == kind::WINDOW_UPDATE && h.stream == 0)
    );
}

#[test]
fn a_client_past_its_window_is_reset() {
    let mut s = ServerConn::new(Config {
        stream_window: 100,
        ..Config::default()
    });
    let mut c = Client::new();
    feed(&mut s, &c.take());
    output(&mut s);
    let mut f = get_fields("/");
    f[0] = (":method", "POST");
    let b = c.block(&f);
    c.frame(kind::HEADERS, flag::END_HEADERS, 1, &b);
    c.frame(kind::DATA, 0, 1, &[0; 101]);
    let ev = feed(&mut s, &c.take());
    assert!(matches!(
        ev[1],
        Event::Reset {
            stream: 1,
            code: ErrorCode::FlowControlError,
            by_peer: false
        }
    ));
}

#[test]
fn content_length_must_match_the_body() {
    let (mut s, mut c) = started();
    let mut f = get_fields("/");
    f[0] = (":method", "POST");
    f.push(("content-length", "5"));
    let b = c.block(&f);
    c.frame(kind::HEADERS, flag::END_HEADERS, 1, &b);
    c.frame(kind::DATA, flag::END_STREAM, 1, b"abc");
    let ev = feed(&mut s, &c.take());
    assert!(matches!(
        ev[1],
        Event::Reset {
            code: ErrorCode::ProtocolError,
            ..
        }
    ));
}

#[test]
fn malformed_requests_are_answered_not_served() {
    let (mut s, mut c) = started();
    let mut f = get_fields("/");
    f.push(("Upper-Case", "x"));
    let b = c.block(&f);
    c.frame(kind::HEADERS, flag::END_HEADERS | flag::END_STREAM, 1, &b);
    let ev = feed(&mut s, &c.take());
    assert!(matches!(
        ev[..],
        [Event::Malformed {
            stream: 1,
            status: 400,
            ..
        }]
    ));
    let mut f = get_fields("/");
    let big = "v".repeat(70_000);
    f.push(("x-big", &big));
    let mut c2 = Client::new();
    let b = c2.block(&f);
    let mut s2 = ServerConn::new(Config::default());
    feed(&mut s2, &c2.take());
    c2.frame(kind::HEADERS, flag::END_STREAM, 1, &b[..16_000]);
    c2.frame(kind::CONTINUATION, 0, 1, &b[16_000..32_000]);
    c2.frame(kind::CONTINUATION, 0, 1, &b[32_000..48_000]);
    c2.frame(kind::CONTINUATION, 0, 1, &b[48_000..64_000]);
    c2.frame(kind::CONTINUATION, flag::END_HEADERS, 1, &b[64_000..]);
    let ev = feed(&mut s2, &c2.take());
    assert!(
        matches!(ev[..], [Event::Malformed { status: 431, .. }]),
        "{ev:?}"
    );
}

#[test]
fn header_blocks_split_over_continuation_frames() {
    let (mut s, mut c) = started();
    let b = c.block(&get_fields("/split"));
    let (a, rest) = b.split_at(3);
    c.frame(kind::HEADERS, flag::END_STREAM, 1, a);
    c.frame(kind::CONTINUATION, flag::END_HEADERS, 1, rest);
    let ev = feed(&mut s, &c.take());
    assert!(matches!(&ev[..], [Event::Request(r)] if r.path() == b"/split"));

    // anything between them is a connection error
    let b = c.block(&get_fields("/x"));
    c.frame(kind::HEADERS, flag::END_STREAM, 3, &b[..3]);
    c.frame(kind::PING, 0, 0, &[0; 8]);
    let e = s.recv(&c.take()).unwrap_err();
    assert_eq!(e.code, ErrorCode::ProtocolError);
}

#[test]
fn an_endless_header_block_is_cut() {
    let mut s = ServerConn::new(Config {
        max_header_block: 40_000,
        ..Config::default()
    });
    let mut c = Client::new();
    feed(&mut s, &c.take());
    c.frame(kind::HEADERS, 0, 1, &[0x82; 16_000]);
    for _ in 0..3 {
        c.frame(kind::CONTINUATION, 0, 1, &[0x82; 16_000]);
    }
    let e = s.recv(&c.take()).unwrap_err();
    assert_eq!(e.code, ErrorCode::EnhanceYourCalm);
}

#[test]
fn rapid_resets_close_the_connection() {
    let mut s = ServerConn::new(Config {
        reset_budget: 10,
        ..Config::default()
    });
    let mut c = Client::new();
    feed(&mut s, &c.take());
    let mut id = 1;
    let err = loop {
        c.get(id, "/");
        c.frame(kind::RST_STREAM, 0, id, &8u32.to_be_bytes());
        match s.recv(&c.take()) {
            Ok(_) => {}
            Err(e) => break e,
        }
        while s.poll_event().is_some() {}
        id += 2;
        assert!(id < 100, "never cut");
    };
    assert_eq!(err.code, ErrorCode::EnhanceYourCalm);
    assert_eq!(id, 19, "the tenth cancelled stream");
}

#[test]
fn client_resets_are_events() {
    let (mut s, mut c) = started();
    feed(&mut s, &c.get(1, "/").take());
    let ev = feed(
        &mut s,
        &c.frame(kind::RST_STREAM, 0, 1, &8u32.to_be_bytes()).take(),
    );
    assert!(matches!(
        ev[..],
        [Event::Reset {
            stream: 1,
            code: ErrorCode::Cancel,
            by_peer: true
        }]
    ));
    assert_eq!(s.active_streams(), 0);
    // the late response goes nowhere
    s.send_headers(1, 200, [], true);
    assert!(output(&mut s).is_empty());
}

#[test]
fn protocol_errors_on_streams_and_connections() {
    let cases: &[(u8, u8, u32, &[u8], ErrorCode)] = &[
        (kind::DATA, 0, 0, b"x", ErrorCode::ProtocolError),
        (kind::DATA, 0, 9, b"x", ErrorCode::ProtocolError), // idle stream
        (kind::HEADERS, 0x5, 2, &[0x82], ErrorCode::ProtocolError), // even id
        (
            kind::PUSH_PROMISE,
            0x4,
            1,
            &[0, 0, 0, 2],
            ErrorCode::ProtocolError,
        ),
        (
            kind::CONTINUATION,
            0x4,
            1,
            &[0x82],
            ErrorCode::ProtocolError,
        ),
        (
            kind::SETTINGS,
            0,
            0,
            &[0, 2, 0, 0, 0, 2],
            ErrorCode::ProtocolError,
        ),
        (
            kind::SETTINGS,
            0,
            0,
            &[0, 5, 0, 0, 0, 1],
            ErrorCode::ProtocolError,
        ),
        (
            kind::SETTINGS,
            0,
            0,
            &[0, 2, 0, 0],
            ErrorCode::FrameSizeError,
        ),
        (kind::SETTINGS, 0x1, 0, &[0, 0], ErrorCode::FrameSizeError),
        (kind::PING, 0, 0, &[0; 7], ErrorCode::FrameSizeError),
        (kind::PING, 0, 1, &[0; 8], ErrorCode::ProtocolError),
        (
            kind::WINDOW_UPDATE,
            0,
            0,
            &[0, 0, 0, 0],
            ErrorCode::ProtocolError,
        ),
        (
            kind::WINDOW_UPDATE,
            0,
            0,
            &[0x7f, 0xff, 0xff, 0xff],
            ErrorCode::FlowControlError,
        ),
        (
            kind::RST_STREAM,
            0,
            0,
            &[0, 0, 0, 8],
            ErrorCode::ProtocolError,
        ),
        (
            kind::RST_STREAM,
            0,
            5,
            &[0, 0, 0, 8],
            ErrorCode::ProtocolError,
        ), // idle
        (
            kind::HEADERS,
            0x5,
            1,
            &[0xff, 0xff, 0xff, 0xff, 0x0f],
            ErrorCode::CompressionError,
        ),
        (kind::DATA, 0x8, 1, &[5, 1, 2], ErrorCode::ProtocolError), // padding too long
    ];
    for (k, flags, stream, payload, want) in cases {
        let (mut s, mut c) = started();
        let e = s
            .recv(&c.frame(*k, *flags, *stream, payload).take())
            .map(|_| ())
            .unwrap_err();
        assert_eq!(e.code, *want, "frame type {k} on {stream}: {e:?}");
        assert_eq!(goaway_code(&mut s), *want);
    }
    // a frame larger than the default maximum
    let (mut s, mut c) = started();
    let e = s
        .recv(&c.frame(kind::DATA, 0, 1, &[0; 16_385]).take())
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::FrameSizeError);
    // unknown frame types are ignored
    let (mut s, mut c) = started();
    assert!(feed(&mut s, &c.frame(0xfa, 0xff, 3, b"whatever").take()).is_empty());
}

#[test]
fn trailers_end_the_body() {
    let (mut s, mut c) = started();
    let mut f = get_fields("/");
    f[0] = (":method", "POST");
    let b = c.block(&f);
    c.frame(kind::HEADERS, flag::END_HEADERS, 1, &b);
    c.frame(kind::DATA, 0, 1, b"body");
    let t = c.block(&[("x-checksum", "1")]);
    c.frame(kind::HEADERS, flag::END_HEADERS | flag::END_STREAM, 1, &t);
    let ev = feed(&mut s, &c.take());
    assert!(matches!(
        &ev[2],
        Event::Data { stream: 1, data, end_stream: true } if data.is_empty()
    ));
}

#[test]
fn graceful_shutdown_finishes_open_streams() {
    let (mut s, mut c) = started();
    feed(&mut s, &c.get(1, "/").take());
    s.go_away(ErrorCode::NoError);
    let frames = output(&mut s);
    assert_eq!(kinds(&frames), [kind::GOAWAY]);
    assert_eq!(&frames[0].1[..4], &1u32.to_be_bytes());
    // a stream opened after the GOAWAY is ignored
    assert!(feed(&mut s, &c.get(3, "/").take()).is_empty());
    assert!(!s.is_done());
    s.send_headers(1, 200, [], true);
    assert!(s.is_done());
}

#[test]
fn an_early_response_stops_the_request_body() {
    let (mut s, mut c) = started();
    let mut f = get_fields("/");
    f[0] = (":method", "POST");
    let b = c.block(&f);
    c.frame(kind::HEADERS, flag::END_HEADERS, 1, &b);
    c.frame(kind::DATA, 0, 1, b"part");
    feed(&mut s, &c.take());
    output(&mut s);
    s.send_headers(1, 413, [], true);
    let frames = output(&mut s);
    assert_eq!(kinds(&frames), [kind::HEADERS, kind::RST_STREAM]);
    assert_eq!(error_code(&frames[1].1, 0), ErrorCode::NoError);
    // later DATA on it is ignored, and still counted against the connection window
    assert!(
        feed(
            &mut s,
            &c.frame(kind::DATA, flag::END_STREAM, 1, b"more").take()
        )
        .is_empty()
    );
}
