//! `parse_response` on arbitrary bytes (the first byte picks whether the request was HEAD):
//! never panics; a complete head has every span inside it and a coherent framing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use proto::http1::{Limits, ResponseFraming, ResponseHead, Status, parse_response};

fuzz_target!(|data: &[u8]| {
    let Some((&first, data)) = data.split_first() else {
        return;
    };
    let is_head = first & 1 == 1;
    let lim = Limits { max_request_line: 256, max_header: 256, max_head: 2048, max_headers: 16 };
    let mut h = ResponseHead::default();
    let Ok(Status::Complete) = parse_response(data, is_head, &lim, &mut h) else {
        return;
    };
    assert!(h.head_len <= data.len());
    assert!((100..=999).contains(&h.status));
    assert!(h.reason.end as usize <= h.head_len);
    for x in &h.headers {
        assert!(x.name.start <= x.name.end && x.name.end as usize <= h.head_len);
        assert!(x.value.start <= x.value.end && x.value.end as usize <= h.head_len);
    }
    if is_head || h.status == 204 || h.status == 304 || h.status < 200 {
        assert_eq!(h.framing, ResponseFraming::None);
    }
    if h.framing == ResponseFraming::UntilClose {
        assert!(!h.keep_alive);
    }
});
