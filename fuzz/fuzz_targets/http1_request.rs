//! `parse_request` on arbitrary bytes with small limits: never panics, always terminates; a
//! complete head has every span inside it; a chunked body after it is scanned too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use proto::http1::{BodyFraming, ChunkedScanner, Limits, RequestHead, Span, Status, parse_request};

fn inside(s: Span, len: usize) -> bool {
    s.start <= s.end && s.end as usize <= len
}

fuzz_target!(|data: &[u8]| {
    let lim = Limits { max_request_line: 256, max_header: 256, max_head: 2048, max_headers: 16 };
    let mut h = RequestHead::default();
    let Ok(Status::Complete) = parse_request(data, &lim, &mut h) else {
        return;
    };
    assert!(h.head_len <= data.len() && h.head_len <= lim.max_head);
    let mut spans = vec![h.method, h.target, h.path];
    spans.extend(h.query);
    spans.extend(h.authority);
    spans.extend(h.host);
    for x in &h.headers {
        spans.push(x.name);
        spans.push(x.value);
    }
    for s in spans {
        assert!(inside(s, h.head_len), "{s:?} outside {}", h.head_len);
    }
    assert!(h.headers.len() <= lim.max_headers);
    assert!(std::str::from_utf8(h.method.of(data)).is_ok());
    // the classification's logged reason is always one of the reasons found, at the top class
    if let Some(r) = h.classification.reason {
        assert!(h.classification.has(r) && r.class() == h.classification.class);
    }
    if h.framing == BodyFraming::Chunked {
        let body = &data[h.head_len..];
        let mut s = ChunkedScanner::with_limits(64, 256);
        // fed in two pieces: the split must not change where the body ends
        let mid = body.len() / 2;
        if let Ok(a) = s.scan(&body[..mid]) {
            assert!(a.consumed <= mid);
            if !a.done {
                if let Ok(b) = s.scan(&body[mid..]) {
                    assert!(b.consumed <= body.len() - mid);
                }
            }
        }
    }
});
