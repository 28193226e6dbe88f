use super::*;
use crate::http1::Class;

fn parse(buf: &[u8]) -> Result<RequestHead, ParseError> {
    let mut h = RequestHead::default();
    match parse_request(buf, &Limits::default(), &mut h)? {
        Status::Complete => Ok(h),
        Status::Partial => panic!("partial: {:?}", String::from_utf8_lossy(buf)),
    }
}

/// Parses `POST /a HTTP/1.1` with the given header lines.
fn post(headers: &str) -> Result<RequestHead, ParseError> {
    parse(format!("POST /a HTTP/1.1\r\nHost: h\r\n{headers}\r\n").as_bytes())
}

fn classified(h: &RequestHead) -> (Class, Option<Reason>) {
    (h.classification.class, h.classification.reason)
}

const BROWSER_GET: &[u8] = b"GET /products/shoes?color=red&size=42 HTTP/1.1\r\n\
Host: www.example.com:8443\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n\
Accept-Language: en-US,en;q=0.5\r\n\
Accept-Encoding: gzip, deflate, br\r\n\
Connection: keep-alive\r\n\
Cookie: session=abc123; theme=dark\r\n\
Upgrade-Insecure-Requests: 1\r\n\
Sec-Fetch-Dest: document\r\n\
Sec-Fetch-Mode: navigate\r\n\r\n";

#[test]
fn a_browser_get_is_compliant_and_every_span_is_right() {
    let h = parse(BROWSER_GET).unwrap();
    let b = BROWSER_GET;
    assert_eq!(h.method_str(b), "GET");
    assert_eq!(h.target.of(b), b"/products/shoes?color=red&size=42");
    assert_eq!(h.path.of(b), b"/products/shoes");
    assert_eq!(h.query.unwrap().of(b), b"color=red&size=42");
    assert_eq!(h.authority, None);
    assert_eq!(h.version, Version::Http11);
    assert_eq!(h.headers.len(), 10);
    assert_eq!(h.host.unwrap().of(b), b"www.example.com");
    assert_eq!(h.host_port, Some(8443));
    assert_eq!(h.header(b, "user-agent").unwrap()[..7], b"Mozilla"[..]);
    assert_eq!(h.head_len, b.len());
    assert_eq!(h.framing, BodyFraming::None);
    assert!(h.keep_alive && !h.upgrade && !h.expect_continue);
    assert_eq!(classified(&h), (Class::Compliant, None));
    assert!(
        h.headers
            .iter()
            .all(|x| x.is_valid_aws_name() && !x.must_drop())
    );
}

#[test]
fn every_split_point_gives_partial_then_the_same_head() {
    let whole = parse(BROWSER_GET).unwrap();
    let mut h = RequestHead::default();
    for cut in 0..BROWSER_GET.len() {
        assert_eq!(
            parse_request(&BROWSER_GET[..cut], &Limits::default(), &mut h),
            Ok(Status::Partial),
            "cut at {cut}"
        );
    }
    let mut h = RequestHead::default();
    assert_eq!(
        parse_request(BROWSER_GET, &Limits::default(), &mut h),
        Ok(Status::Complete)
    );
    assert_eq!(h.headers, whole.headers);
    assert_eq!(
        (h.method, h.target, h.path, h.query),
        (whole.method, whole.target, whole.path, whole.query)
    );
    assert_eq!(
        (h.head_len, h.host, h.host_port),
        (whole.head_len, whole.host, whole.host_port)
    );
    assert_eq!(h.classification, whole.classification);
}

#[test]
fn pipelined_requests_are_found_by_head_len() {
    let buf = b"POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\nHost: h\r\n\r\n";
    let first = parse(buf).unwrap();
    assert_eq!(first.framing, BodyFraming::ContentLength(3));
    let next = first.head_len + 3;
    let second = parse(&buf[next..]).unwrap();
    assert_eq!(second.path.of(&buf[next..]), b"/b");
    assert_eq!(second.head_len, buf.len() - next);
}

#[test]
fn empty_lines_before_the_request_line_are_skipped() {
    let buf = b"\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n";
    let h = parse(buf).unwrap();
    assert_eq!(h.method.of(buf), b"GET");
    assert_eq!(h.head_len, buf.len());
}

#[test]
fn reusing_a_head_clears_the_previous_request() {
    let mut h = RequestHead::default();
    parse_request(BROWSER_GET, &Limits::default(), &mut h).unwrap();
    parse_request(b"GET / HTTP/1.0\r\n\r\n", &Limits::default(), &mut h).unwrap();
    assert!(h.headers.is_empty() && h.host.is_none() && h.query.is_none());
    assert!(!h.keep_alive);
}

// ---- one test per reason ----

#[test]
fn control_character_in_uri_is_ambiguous_uri() {
    let h = parse(b"GET /a\x01b HTTP/1.1\r\nHost: h\r\n\r\n").unwrap();
    assert_eq!(
        classified(&h),
        (Class::Ambiguous, Some(Reason::AmbiguousUri))
    );
}

#[test]
fn tab_in_uri_is_ambiguous_uri() {
    let h = parse(b"GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n").unwrap();
    assert_eq!(
        classified(&h),
        (Class::Ambiguous, Some(Reason::AmbiguousUri))
    );
}

#[test]
fn unparsable_content_length_is_refused_as_bad_content_length() {
    for v in ["+5", "-5", "5,5", "5 5", "0x5", "", "99999999999999999999"] {
        assert_eq!(
            post(&format!("Content-Length: {v}\r\n")).unwrap_err(),
            ParseError::Malformed(Reason::BadContentLength),
            "{v:?}"
        );
    }
}

#[test]
fn unparsable_length_in_a_lookalike_is_severe_but_frameable() {
    let h = post("Content_Length: x\r\n").unwrap();
    assert_eq!(
        classified(&h),
        (Class::Severe, Some(Reason::BadContentLength))
    );
    assert!(h.classification.has(Reason::SuspiciousHeader));
    assert_eq!(h.framing, BodyFraming::None);
    assert!(h.headers[1].must_drop());
}

#[test]
fn nul_or_cr_in_a_header_is_refused_as_bad_header() {
    for raw in [
        &b"X: a\x00b\r\n"[..],
        b"X: a\rb\r\n",
        b"X\x00: a\r\n",
        b"X\r: a\r\n",
        b"\x00X: a\r\n",
    ] {
        let mut buf = b"GET / HTTP/1.1\r\nHost: h\r\n".to_vec();
        buf.extend_from_slice(raw);
        buf.extend_from_slice(b"\r\n");
        assert_eq!(
            parse(&buf).unwrap_err(),
            ParseError::Malformed(Reason::BadHeader),
            "{raw:?}"
        );
        assert_eq!(Reason::BadHeader.class(), Class::Severe);
    }
}

#[test]
fn unknown_transfer_coding_is_refused_as_bad_transfer_encoding() {
    for v in ["xchunked", "chunked\x11", "chunked;foo=bar"] {
        assert_eq!(
            post(&format!("Transfer-Encoding: {v}\r\n")).unwrap_err(),
            ParseError::Malformed(Reason::BadTransferEncoding),
            "{v:?}"
        );
    }
}

#[test]
fn empty_transfer_coding_element_is_severe_and_ignored_for_framing() {
    let h = post("Transfer-Encoding: , chunked\r\n").unwrap();
    assert_eq!(
        classified(&h),
        (Class::Severe, Some(Reason::BadTransferEncoding))
    );
    assert_eq!(h.framing, BodyFraming::Chunked);
}

#[test]
fn known_but_unsupported_coding_is_501() {
    for v in ["gzip", "gzip, chunked", "deflate", "compress, chunked"] {
        let e = post(&format!("Transfer-Encoding: {v}\r\n")).unwrap_err();
        assert_eq!(e, ParseError::UnsupportedTransferEncoding, "{v}");
        assert_eq!(e.status(), 501);
    }
}

#[test]
fn nul_or_cr_in_uri_is_refused_as_bad_uri() {
    for buf in [
        &b"GET /a\x00 HTTP/1.1\r\n\r\n"[..],
        b"GET /a\rb HTTP/1.1\r\n\r\n",
    ] {
        assert_eq!(
            parse(buf).unwrap_err(),
            ParseError::Malformed(Reason::BadUri)
        );
    }
}

#[test]
fn target_in_no_known_form_is_bad_uri() {
    for buf in [
        &b"GET a/b HTTP/1.1\r\n\r\n"[..],
        b"GET * HTTP/1.1\r\n\r\n",
        b"GET ftp://x/ HTTP/1.1\r\n\r\n",
        b"GET http://user@x/ HTTP/1.1\r\n\r\n",
        b"GET http:/// HTTP/1.1\r\n\r\n",
    ] {
        assert_eq!(
            parse(buf).unwrap_err(),
            ParseError::Malformed(Reason::BadUri),
            "{buf:?}"
        );
    }
}

#[test]
fn non_token_method_is_refused_as_bad_method() {
    for buf in [
        &b"bad_method\x01 / HTTP/1.1\r\n\r\n"[..],
        b" GET / HTTP/1.1\r\n\r\n",
        b"GE(T / HTTP/1.1\r\n\r\n",
        b"GET\t/ HTTP/1.1\r\n\r\n",
    ] {
        assert_eq!(
            parse(buf).unwrap_err(),
            ParseError::Malformed(Reason::BadMethod),
            "{buf:?}"
        );
    }
}

#[test]
fn tls_client_hello_on_a_plain_port_fails_without_waiting() {
    let mut h = RequestHead::default();
    assert_eq!(
        parse_request(b"\x16\x03\x01\x02\x00\x01", &Limits::default(), &mut h),
        Err(ParseError::Malformed(Reason::BadMethod))
    );
}

#[test]
fn malformed_version_is_refused_as_bad_version() {
    for v in ["HTTP/1.x", "HTTP/11", "http/1.1", "HTTX/1.1", "HTTP/1.1.1"] {
        let buf = format!("GET / {v}\r\n\r\n");
        assert_eq!(
            parse(buf.as_bytes()).unwrap_err(),
            ParseError::Malformed(Reason::BadVersion),
            "{v}"
        );
    }
}

#[test]
fn te_and_cl_together_is_ambiguous_and_frames_as_chunked() {
    let h = post("Transfer-Encoding: chunked\r\nContent-Length: 100\r\n").unwrap();
    assert_eq!(
        classified(&h),
        (Class::Ambiguous, Some(Reason::BothTeClPresent))
    );
    assert_eq!(h.framing, BodyFraming::Chunked);
    assert!(h.forward_strips_content_length());
    assert!(h.headers[2].must_drop() && !h.headers[1].must_drop());
    assert!(!h.keep_alive, "RFC 9112 §6.1: close after TE+CL");
}

#[test]
fn same_content_length_twice_is_duplicate_and_the_copy_is_dropped() {
    let h = post("Content-Length: 5\r\nContent-Length: 5\r\n").unwrap();
    assert_eq!(
        classified(&h),
        (Class::Ambiguous, Some(Reason::DuplicateContentLength))
    );
    assert_eq!(h.framing, BodyFraming::ContentLength(5));
    assert!(!h.headers[1].must_drop() && h.headers[2].must_drop());
}

#[test]
fn empty_header_name_is_ambiguous_and_dropped() {
    // (a whitespace-only name starts with whitespace: on the wire that is an obs-fold)
    for line in [": chunked\r\n", ":: chunked\r\n"] {
        let h = parse(
            format!("POST /a HTTP/1.1\r\nHost: h\r\nX: y\r\n{line}Content-Length: 1\r\n\r\n")
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(
            h.classification.class,
            Class::Ambiguous,
            "{line:?} {:?}",
            h.classification
        );
        assert!(h.classification.has(Reason::EmptyHeader));
        assert!(h.headers.iter().any(|x| x.must_drop()));
    }
    let h = post(":SomeHeader:Transfer-Encoding: chunked\r\nContent-Length: 1\r\n").unwrap();
    assert_eq!(
        classified(&h),
        (Class::Ambiguous, Some(Reason::EmptyHeader))
    );
}

#[test]
fn get_with_zero_content_length_is_acceptable() {
    let h = parse(b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n").unwrap();
    assert_eq!(
        classified(&h),
        (Class::Acceptable, Some(Reason::GetHeadZeroContentLength))
    );
    assert_eq!(h.framing, BodyFraming::ContentLength(0));
}

#[test]
fn different_content_lengths_are_refused_as_multiple_content_length() {
    assert_eq!(
        post("Content-Length: 1000\r\nContent-Length: 100\r\n").unwrap_err(),
        ParseError::Malformed(Reason::MultipleContentLength)
    );
}

#[test]
fn a_lookalike_length_that_disagrees_is_severe_but_framed_by_the_real_one() {
    let h = post("Content-Length : 100\r\nContent-Length: 1000\r\n").unwrap();
    assert_eq!(
        classified(&h),
        (Class::Severe, Some(Reason::MultipleContentLength))
    );
    assert_eq!(h.framing, BodyFraming::ContentLength(1000));
    assert!(h.headers[1].must_drop());
}

#[test]
fn chunked_twice_is_severe_multiple_transfer_encoding_chunked() {
    for lines in [
        "Transfer-Encoding: chunked, chunked\r\n",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
    ] {
        let h = post(lines).unwrap();
        assert_eq!(
            classified(&h),
            (Class::Severe, Some(Reason::MultipleTransferEncodingChunked))
        );
        assert_eq!(h.framing, BodyFraming::Chunked);
    }
}

#[test]
fn control_character_in_a_value_is_non_compliant_header() {
    let h = post("X-A: a\x01b\r\n").unwrap();
    assert_eq!(
        classified(&h),
        (Class::Acceptable, Some(Reason::NonCompliantHeader))
    );
    assert!(h.headers[1].is_non_compliant() && !h.headers[1].must_drop());
}

#[test]
fn non_token_header_name_is_non_compliant_and_not_aws_valid() {
    let h = post("x-my-custom-header : v\r\nX\x01Y: v\r\n").unwrap();
    assert_eq!(
        classified(&h),
        (Class::Acceptable, Some(Reason::NonCompliantHeader))
    );
    assert!(
        h.headers[1..]
            .iter()
            .all(|x| !x.is_valid_aws_name() && x.is_non_compliant())
    );
}

#[test]
fn obs_text_in_values_is_compliant_as_in_desync_guardian() {
    let h = post("X-Name: José\r\n").unwrap();
    assert_eq!(classified(&h), (Class::Compliant, None));
}

#[test]
fn underscore_names_are_tokens_but_not_aws_valid() {
    let h = post("X_Forwarded_For: 1.2.3.4\r\n").unwrap();
    assert_eq!(classified(&h), (Class::Compliant, None));
    assert!(h.headers[1].is_token_name() && !h.headers[1].is_valid_aws_name());
}

#[test]
fn http_1_2_is_non_compliant_version_served_as_1_1() {
    let h = parse(b"GET / HTTP/1.2\r\nHost: h\r\n\r\n").unwrap();
    assert_eq!(
        classified(&h),
        (Class::Acceptable, Some(Reason::NonCompliantVersion))
    );
    assert_eq!(h.version, Version::Http11);
}

#[test]
fn whitespace_after_the_version_is_non_compliant_version() {
    let h = parse(b"GET / HTTP/1.1 \t \r\nHost: h\r\n\r\n").unwrap();
    assert_eq!(
        classified(&h),
        (Class::Acceptable, Some(Reason::NonCompliantVersion))
    );
}

#[test]
fn space_in_uri_is_acceptable() {
    let buf = b"GET /a b HTTP/1.1\r\nHost: h\r\n\r\n";
    let h = parse(buf).unwrap();
    assert_eq!(
        classified(&h),
        (Class::Acceptable, Some(Reason::SpaceInUri))
    );
    assert_eq!(h.target.of(buf), b"/a b");
}

#[test]
fn transfer_encoding_with_space_before_colon_is_suspicious_and_dropped() {
    let h = post("Transfer-Encoding : chunked\r\n").unwrap();
    assert_eq!(
        classified(&h),
        (Class::Ambiguous, Some(Reason::SuspiciousHeader))
    );
    assert_eq!(
        h.framing,
        BodyFraming::None,
        "framing follows exact names only"
    );
    assert!(h.headers[1].must_drop());
}

#[test]
fn transfer_encoding_with_leading_space_on_the_first_line_is_suspicious() {
    let h = parse(b"POST /a HTTP/1.1\r\n Transfer-Encoding: chunked\r\nHost: h\r\n\r\n").unwrap();
    assert_eq!(h.classification.class, Class::Ambiguous);
    assert!(h.classification.has(Reason::SuspiciousHeader));
    assert!(h.classification.has(Reason::MultilineHeader));
    assert!(h.headers[0].must_drop());
    assert_eq!(h.framing, BodyFraming::None);
}

#[test]
fn get_with_a_body_is_undefined_content_length_semantics() {
    let h = parse(b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n").unwrap();
    assert_eq!(
        classified(&h),
        (
            Class::Ambiguous,
            Some(Reason::UndefinedContentLengthSemantics)
        )
    );
    assert_eq!(h.framing, BodyFraming::ContentLength(10));
}

#[test]
fn head_with_chunked_is_undefined_transfer_encoding_semantics() {
    let h = parse(b"HEAD / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n").unwrap();
    assert_eq!(
        classified(&h),
        (
            Class::Ambiguous,
            Some(Reason::UndefinedTransferEncodingSemantics)
        )
    );
}

#[test]
fn http_1_0_with_chunked_is_ambiguous_framed_chunked_and_closes() {
    let h =
        parse(b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n")
            .unwrap();
    assert_eq!(
        classified(&h),
        (
            Class::Ambiguous,
            Some(Reason::UndefinedTransferEncodingSemantics)
        )
    );
    assert_eq!(h.framing, BodyFraming::Chunked);
    assert!(!h.keep_alive);
}

#[test]
fn obs_fold_is_multiline_header_and_the_value_spans_the_fold() {
    let buf = b"GET / HTTP/1.1\r\nHost: h\r\nX-Long: a\r\n  b\r\n\r\n";
    let h = parse(buf).unwrap();
    assert_eq!(
        classified(&h),
        (Class::Ambiguous, Some(Reason::MultilineHeader))
    );
    let x = h.headers[1];
    assert!(x.is_folded());
    let mut out = Vec::new();
    crate::http1::write_unfolded(x.value.of(buf), &mut out);
    assert_eq!(out, b"a b");
}

#[test]
fn folded_content_type_is_not_multiline_header() {
    let h = parse(
        b"GET / HTTP/1.1\r\nHost: h\r\nContent-Type: multipart/mixed;\r\n boundary=x\r\n\r\n",
    )
    .unwrap();
    assert_eq!(classified(&h), (Class::Compliant, None));
    assert!(h.headers[1].is_folded());
}

#[test]
fn folding_a_framing_or_host_field_is_refused() {
    for lines in [
        "Content-Length: 5\r\n 0\r\n",
        "Transfer-Encoding: gzip\r\n , chunked\r\n",
        "Host: a\r\n b\r\n",
    ] {
        let buf = format!("POST /a HTTP/1.1\r\n{lines}\r\n");
        assert_eq!(
            parse(buf.as_bytes()).unwrap_err(),
            ParseError::Malformed(Reason::MultilineHeader),
            "{lines:?}"
        );
    }
}

#[test]
fn bare_lf_lines_are_accepted_as_non_crlf_termination() {
    let buf = b"GET / HTTP/1.1\nHost: h\n\n";
    let h = parse(buf).unwrap();
    assert_eq!(
        classified(&h),
        (Class::Acceptable, Some(Reason::NonCrLfLineTermination))
    );
    assert_eq!(h.head_len, buf.len());
    assert_eq!(h.host.unwrap().of(buf), b"h");
}

#[test]
fn header_line_without_colon_is_ambiguous_and_dropped() {
    let h = post("X-Powered-By PHP\r\n").unwrap();
    assert_eq!(
        classified(&h),
        (Class::Ambiguous, Some(Reason::MissingHeaderColon))
    );
    assert!(h.headers[1].must_drop());
    // desync-guardian reads the whole line as a name close to Transfer-Encoding with an empty
    // (so invalid) coding
    let h = post("Transfer-Encoding chunked\r\n").unwrap();
    assert_eq!(
        classified(&h),
        (Class::Severe, Some(Reason::BadTransferEncoding))
    );
    assert!(h.classification.has(Reason::SuspiciousHeader));
    assert!(h.classification.has(Reason::MissingHeaderColon));
    assert!(h.headers[1].must_drop());
    assert_eq!(h.framing, BodyFraming::None);
}

#[test]
fn request_line_without_target_is_refused_as_missing_uri() {
    for buf in [
        &b"GET HTTP/1.1\r\n\r\n"[..],
        b"GET  HTTP/1.1\r\n\r\n",
        b"GET\r\n\r\n",
    ] {
        assert_eq!(
            parse(buf).unwrap_err(),
            ParseError::Malformed(Reason::MissingUri),
            "{buf:?}"
        );
    }
}

// ---- framing, connection, targets ----

#[test]
fn identity_only_transfer_encoding_is_dropped_and_length_frames() {
    let h = post("Transfer-Encoding: identity\r\nContent-Length: 3\r\n").unwrap();
    assert_eq!(h.framing, BodyFraming::ContentLength(3));
    assert!(h.headers[1].must_drop() && !h.headers[2].must_drop());
    assert_eq!(
        classified(&h),
        (Class::Ambiguous, Some(Reason::BothTeClPresent))
    );
}

#[test]
fn chunked_then_identity_is_chunked() {
    assert_eq!(
        post("Transfer-Encoding: chunked, identity\r\n")
            .unwrap()
            .framing,
        BodyFraming::Chunked
    );
}

#[test]
fn keep_alive_follows_version_and_connection() {
    let ka = |b: &[u8]| parse(b).unwrap().keep_alive;
    assert!(ka(b"GET / HTTP/1.1\r\n\r\n"));
    assert!(!ka(b"GET / HTTP/1.1\r\nConnection: Close\r\n\r\n"));
    assert!(!ka(b"GET / HTTP/1.0\r\n\r\n"));
    assert!(ka(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
}

#[test]
fn upgrade_needs_both_connection_token_and_upgrade_header() {
    let h = parse(b"GET /ws HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n").unwrap();
    assert!(h.upgrade);
    assert!(
        !parse(b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n")
            .unwrap()
            .upgrade
    );
}

#[test]
fn expect_100_continue_is_reported() {
    assert!(
        post("Expect: 100-Continue\r\nContent-Length: 1\r\n")
            .unwrap()
            .expect_continue
    );
}

#[test]
fn absolute_form_sets_authority_and_overrides_host() {
    let buf = b"GET http://api.example.com:8080/v1/x?q=1 HTTP/1.1\r\nHost: other\r\n\r\n";
    let h = parse(buf).unwrap();
    assert_eq!(h.authority.unwrap().of(buf), b"api.example.com:8080");
    assert_eq!(h.host.unwrap().of(buf), b"api.example.com");
    assert_eq!(h.host_port, Some(8080));
    assert_eq!(h.path.of(buf), b"/v1/x");
    assert_eq!(h.query.unwrap().of(buf), b"q=1");
    let buf = b"GET HTTPS://[::1] HTTP/1.1\r\n\r\n";
    let h = parse(buf).unwrap();
    assert_eq!(h.host.unwrap().of(buf), b"[::1]");
    assert!(h.path.is_empty());
}

#[test]
fn options_asterisk_is_accepted() {
    let buf = b"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n";
    assert_eq!(parse(buf).unwrap().path.of(buf), b"*");
}

#[test]
fn connect_is_not_allowed() {
    let e = parse(b"CONNECT example.com:443 HTTP/1.1\r\n\r\n").unwrap_err();
    assert_eq!((e.clone(), e.status()), (ParseError::MethodNotAllowed, 405));
}

#[test]
fn repeated_or_invalid_host_is_refused() {
    for lines in [
        "Host: a\r\nHost: b\r\n",
        "Host: a b\r\n",
        "Host: a:99999\r\n",
        "Host: a:x\r\n",
        "Host: a/b\r\n",
    ] {
        let buf = format!("GET / HTTP/1.1\r\n{lines}\r\n");
        assert_eq!(
            parse(buf.as_bytes()).unwrap_err(),
            ParseError::InvalidHost,
            "{lines:?}"
        );
    }
}

#[test]
fn versions_other_than_1_x_are_505() {
    for buf in [
        &b"GET / HTTP/2.0\r\n\r\n"[..],
        b"GET / HTTP/0.9\r\n\r\n",
        b"GET /\r\n\r\n",
        b"PRI * HTTP/2.0\r\n\r\n",
    ] {
        let e = parse(buf).unwrap_err();
        assert_eq!(
            (e.clone(), e.status()),
            (ParseError::UnsupportedVersion, 505),
            "{buf:?}"
        );
    }
}

// ---- limits ----

fn small() -> Limits {
    Limits {
        max_request_line: 64,
        max_header: 32,
        max_head: 256,
        max_headers: 4,
    }
}

#[test]
fn a_long_target_is_414_before_the_line_ends() {
    let mut buf = b"GET /".to_vec();
    buf.resize(16385 + 1, b'a');
    let mut h = RequestHead::default();
    let e = parse_request(&buf, &Limits::default(), &mut h).unwrap_err();
    assert_eq!((e.clone(), e.status()), (ParseError::UriTooLong, 414));
}

#[test]
fn a_long_request_line_with_a_version_is_400() {
    let mut buf = b"GET /".to_vec();
    buf.resize(16000, b'a');
    buf.extend_from_slice(b" HTTP/1.1 ");
    buf.resize(16390, b'x');
    let mut h = RequestHead::default();
    let e = parse_request(&buf, &Limits::default(), &mut h).unwrap_err();
    assert_eq!(
        (e.clone(), e.status()),
        (ParseError::RequestLineTooLong, 400)
    );
}

#[test]
fn a_request_line_at_the_limit_is_fine() {
    let lim = small();
    let mut line = b"GET /".to_vec();
    line.resize(64 - 9, b'a');
    line.extend_from_slice(b" HTTP/1.1");
    assert_eq!(line.len(), 64);
    line.extend_from_slice(b"\r\n\r\n");
    let mut h = RequestHead::default();
    assert_eq!(parse_request(&line, &lim, &mut h), Ok(Status::Complete));
    line.insert(5, b'a');
    assert_eq!(
        parse_request(&line, &lim, &mut h),
        Err(ParseError::UriTooLong)
    );
}

#[test]
fn a_long_header_line_is_refused_before_it_ends() {
    let mut buf = b"GET / HTTP/1.1\r\nX: ".to_vec();
    buf.resize(buf.len() + 40, b'v');
    let mut h = RequestHead::default();
    assert_eq!(
        parse_request(&buf, &small(), &mut h),
        Err(ParseError::HeaderTooLarge)
    );
}

#[test]
fn a_large_head_is_refused_before_it_ends() {
    let mut buf = b"GET / HTTP/1.1\r\n".to_vec();
    while buf.len() <= 65536 {
        buf.extend_from_slice(b"X-Pad: 0123456789012345678901234567890123456789\r\n");
    }
    let mut h = RequestHead::default();
    let lim = Limits {
        max_headers: 10_000,
        ..Limits::default()
    };
    assert_eq!(
        parse_request(&buf, &lim, &mut h),
        Err(ParseError::HeadTooLarge)
    );
}

#[test]
fn more_than_max_headers_is_refused() {
    let buf = b"GET / HTTP/1.1\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\n\r\n";
    let mut h = RequestHead::default();
    let e = parse_request(buf, &small(), &mut h).unwrap_err();
    assert_eq!((e.clone(), e.status()), (ParseError::TooManyHeaders, 400));
}

#[test]
fn aws_default_limits() {
    assert_eq!(
        Limits::default(),
        Limits {
            max_request_line: 16384,
            max_header: 16384,
            max_head: 65536,
            max_headers: 100
        }
    );
}
