//! Properties of the HTTP/1 parsers: well-formed requests round-trip through the spans and are
//! Compliant; any bytes at all parse without panicking and with spans inside the buffer; a
//! prefix never fails where the whole input succeeds.

use proptest::prelude::*;
use proto::http1::{
    BodyFraming, ChunkedScanner, Class, Limits, RequestHead, ResponseHead, Span, Status,
    parse_request, parse_response,
};

#[derive(Debug, Clone)]
struct Req {
    method: String,
    path: String,
    query: Option<String>,
    headers: Vec<(String, String)>,
    body: Option<u64>,
}

fn request() -> impl Strategy<Value = Req> {
    (
        "[A-Z][A-Z!#$%&'*+.^_`|~0-9-]{0,11}",
        "/[A-Za-z0-9/._~%-]{0,40}",
        proptest::option::of("[A-Za-z0-9=&/?%._-]{0,30}"),
        proptest::collection::vec(
            ("X-[A-Za-z0-9-]{1,20}", "([!-~]([ -~]{0,30}[!-~])?)?"),
            0..12,
        ),
        proptest::option::of(0u64..1_000_000),
    )
        .prop_filter("CONNECT is refused", |(m, ..)| m != "CONNECT")
        .prop_map(|(method, path, query, headers, body)| {
            let body = if method == "GET" || method == "HEAD" {
                None
            } else {
                body
            };
            Req {
                method,
                path,
                query,
                headers,
                body,
            }
        })
}

fn render(r: &Req) -> Vec<u8> {
    let mut s = format!("{} {}", r.method, r.path);
    if let Some(q) = &r.query {
        s.push('?');
        s.push_str(q);
    }
    s.push_str(" HTTP/1.1\r\nHost: example.com\r\n");
    for (n, v) in &r.headers {
        s.push_str(&format!("{n}: {v}\r\n"));
    }
    if let Some(n) = r.body {
        s.push_str(&format!("Content-Length: {n}\r\n"));
    }
    s.push_str("\r\n");
    s.into_bytes()
}

fn inside(s: Span, len: usize) -> bool {
    s.start <= s.end && (s.end as usize) <= len
}

fn check_spans(h: &RequestHead, len: usize) {
    assert!(h.head_len <= len);
    let mut spans = vec![h.method, h.target, h.path];
    spans.extend(h.query);
    spans.extend(h.authority);
    spans.extend(h.host);
    for x in &h.headers {
        spans.push(x.name);
        spans.push(x.value);
    }
    for s in spans {
        assert!(
            inside(s, h.head_len),
            "{s:?} outside head of {}",
            h.head_len
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn well_formed_requests_are_compliant_and_round_trip(r in request()) {
        let buf = render(&r);
        let mut h = RequestHead::default();
        prop_assert_eq!(parse_request(&buf, &Limits::default(), &mut h), Ok(Status::Complete));
        prop_assert_eq!(h.classification.class, Class::Compliant, "{:?}", h.classification);
        prop_assert_eq!(h.method_str(&buf), r.method.as_str());
        prop_assert_eq!(h.path.of(&buf), r.path.as_bytes());
        prop_assert_eq!(h.query.map(|q| q.of(&buf).to_vec()), r.query.as_ref().map(|q| q.as_bytes().to_vec()));
        prop_assert_eq!(h.head_len, buf.len());
        prop_assert_eq!(h.host.map(|x| x.of(&buf).to_vec()), Some(b"example.com".to_vec()));
        let got: Vec<_> = h.headers[1..1 + r.headers.len()]
            .iter()
            .map(|x| (x.name.of(&buf).to_vec(), x.value.of(&buf).to_vec()))
            .collect();
        let want: Vec<_> = r.headers.iter().map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec())).collect();
        prop_assert_eq!(got, want);
        prop_assert_eq!(h.framing, r.body.map_or(BodyFraming::None, BodyFraming::ContentLength));
        prop_assert!(h.keep_alive);
        prop_assert!(h.headers.iter().all(|x| x.is_valid_aws_name() && !x.must_drop()));
    }

    #[test]
    fn any_prefix_of_a_well_formed_request_is_partial(r in request(), cut in any::<prop::sample::Index>()) {
        let buf = render(&r);
        let cut = cut.index(buf.len());
        let mut h = RequestHead::default();
        prop_assert_eq!(parse_request(&buf[..cut], &Limits::default(), &mut h), Ok(Status::Partial));
    }

    #[test]
    fn any_bytes_parse_without_panic_and_spans_stay_inside(
        buf in proptest::collection::vec(any::<u8>(), 0..600),
        small in any::<bool>(),
    ) {
        let lim = if small {
            Limits { max_request_line: 40, max_header: 30, max_head: 200, max_headers: 5 }
        } else {
            Limits::default()
        };
        let mut h = RequestHead::default();
        if let Ok(Status::Complete) = parse_request(&buf, &lim, &mut h) {
            check_spans(&h, buf.len());
            if h.framing == BodyFraming::Chunked {
                let r = ChunkedScanner::new().scan(&buf[h.head_len..]);
                if let Ok(r) = r {
                    prop_assert!(r.consumed <= buf.len() - h.head_len);
                }
            }
        }
        let mut rh = ResponseHead::default();
        if let Ok(Status::Complete) = parse_response(&buf, false, &lim, &mut rh) {
            prop_assert!(rh.head_len <= buf.len());
            for x in &rh.headers {
                prop_assert!(inside(x.name, rh.head_len) && inside(x.value, rh.head_len));
            }
        }
    }

    #[test]
    fn request_like_bytes_never_fail_on_a_prefix_when_the_whole_parses(
        lines in proptest::collection::vec(
            prop_oneof![
                Just("Host: h".to_string()),
                Just("Transfer-Encoding: chunked".to_string()),
                Just("Content-Length: 5".to_string()),
                Just(" folded".to_string()),
                Just("Bad Name: x".to_string()),
                Just("nocolon".to_string()),
                "[ -~\t]{0,20}",
            ],
            0..8,
        ),
        lf_only in any::<bool>(),
        cut in any::<prop::sample::Index>(),
    ) {
        let eol = if lf_only { "\n" } else { "\r\n" };
        let mut s = format!("POST /x HTTP/1.1{eol}");
        for l in &lines {
            s.push_str(l);
            s.push_str(eol);
        }
        s.push_str(eol);
        let buf = s.into_bytes();
        let lim = Limits { max_request_line: 64, max_header: 24, max_head: 160, max_headers: 6 };
        let mut h = RequestHead::default();
        let whole = parse_request(&buf, &lim, &mut h);
        if let Ok(Status::Complete) = whole {
            check_spans(&h, buf.len());
        }
        let cut = cut.index(buf.len() + 1);
        let part = parse_request(&buf[..cut], &lim, &mut h);
        if part.is_err() {
            prop_assert!(whole.is_err(), "prefix {cut} gave {part:?}, whole gave {whole:?}");
        }
    }

    #[test]
    fn chunked_scanner_consumes_at_most_its_input(
        chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..40), 0..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut body = Vec::new();
        for c in &chunks {
            body.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
            body.extend_from_slice(c);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b"0\r\n\r\nNEXT");
        let mut s = ChunkedScanner::new();
        let cut = cut.index(body.len() + 1);
        let a = s.scan(&body[..cut]).unwrap();
        let total = if a.done { a.consumed } else { cut + s.scan(&body[cut..]).unwrap().consumed };
        prop_assert_eq!(&body[total..], b"NEXT");
    }
}
