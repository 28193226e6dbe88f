//! The HTTP/2 server state machine on arbitrary client bytes after a valid preface and
//! SETTINGS, fed in pieces whose sizes come from the input: never panics, keeps its stream
//! limit, and its output is always whole frames.
#![no_main]

use libfuzzer_sys::fuzz_target;
use proto::h2::{Config, Event, FrameHeader, PREFACE, ServerConn};

fuzz_target!(|data: &[u8]| {
    let Some((&step, data)) = data.split_first() else {
        return;
    };
    let step = usize::from(step % 64) + 1;
    let config = Config {
        max_concurrent_streams: 4,
        stream_window: 1024,
        connection_window: 4096,
        max_header_list_size: 2048,
        max_header_block: 4096,
        reset_budget: 8,
    };
    let mut s = ServerConn::new(config);
    let mut input = PREFACE.to_vec();
    input.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0]);
    input.extend_from_slice(data);
    let mut buf = Vec::new();
    for piece in input.chunks(step) {
        buf.extend_from_slice(piece);
        let used = match s.recv(&buf) {
            Ok(n) => n,
            Err(_) => break,
        };
        assert!(used <= buf.len());
        buf.drain(..used);
        while let Some(ev) = s.poll_event() {
            match ev {
                Event::Request(r) => {
                    assert!(!r.method().is_empty() && !r.path().is_empty());
                    s.send_headers(r.stream, 200, [(&b"X-Test"[..], &b"1"[..])], false);
                    s.send_data(r.stream, &[b'a'; 3000], true);
                }
                Event::Malformed { stream, status, .. } => {
                    assert!(status == 400 || status == 431);
                    s.send_headers(stream, status, [], true);
                }
                Event::Data { stream, data, .. } => s.release(stream, data.len()),
                Event::Reset { .. } | Event::GoAway { .. } => {}
            }
        }
        assert!(s.active_streams() <= 4);
        check_frames(s.output());
        let n = s.output().len();
        s.advance_output(n);
    }
});

fn check_frames(mut out: &[u8]) {
    while !out.is_empty() {
        let h = FrameHeader::parse(out).expect("a whole frame header");
        let end = 9 + h.len as usize;
        assert!(end <= out.len(), "a whole frame");
        out = &out[end..];
    }
}
