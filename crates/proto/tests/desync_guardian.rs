//! Cases ported from aws/http-desync-guardian's test suite (`tests/severe.yaml`,
//! `tests/ambiguous.yaml`, `tests/acceptable.yaml`; Copyright Amazon.com, Inc. or its
//! affiliates, Apache-2.0). Each case there lists method, URI, version and headers with the
//! expected tier and reason; here they are written out as the bytes a client would send.
//!
//! Where Rampart answers differently on purpose, the case carries an override saying what it
//! does instead and why, as CRS records platform exceptions.

use proto::http1::{Class, Limits, ParseError, Reason, RequestHead, Status, parse_request};

enum Want {
    /// desync-guardian's verdict, which Rampart matches.
    Same,
    /// Rampart refuses the request outright (every mode) although desync-guardian classifies it.
    Refused(ParseError, &'static str),
    /// Rampart reports a different first reason.
    Reason(Class, Reason, &'static str),
}

struct Case {
    name: &'static str,
    method: &'static [u8],
    uri: &'static [u8],
    version: &'static [u8],
    headers: Vec<(Vec<u8>, Vec<u8>)>,
    class: Class,
    reason: Option<Reason>,
    want: Want,
}

use Class::*;
use Reason::*;
use Want::*;

const CL_TE: &[u8] = b"Transfer-Encoding";
const CL: &[u8] = b"Content-Length";

macro_rules! case {
    ($name:expr, $m:expr, $v:expr, [$(($hn:expr, $hv:expr)),* $(,)?], $class:expr, $reason:expr) => {
        case!($name, $m, $v, [$(($hn, $hv)),*], $class, $reason, Same)
    };
    ($name:expr, $m:expr, $v:expr, [$(($hn:expr, $hv:expr)),* $(,)?], $class:expr, $reason:expr, $want:expr) => {
        Case {
            name: $name,
            method: $m,
            uri: b"/foo/bar",
            version: $v,
            headers: vec![$(($hn.to_vec(), $hv.to_vec())),*],
            class: $class,
            reason: $reason,
            want: $want,
        }
    };
}

const FLOOR: &str = "safety floor: cannot be forwarded without risking the desync itself";

fn cases() -> Vec<Case> {
    vec![
        // ---- severe.yaml ----
        case!(
            "Multiple Content-Length",
            b"POST",
            b"HTTP/1.1",
            [(CL, b"1000"), (CL, b"100")],
            Severe,
            Some(MultipleContentLength),
            Refused(ParseError::Malformed(MultipleContentLength), FLOOR)
        ),
        case!(
            "Bad Content-Length: 1000,1000",
            b"POST",
            b"HTTP/1.1",
            [(CL, b"1000,1000")],
            Severe,
            Some(BadContentLength),
            Refused(ParseError::Malformed(BadContentLength), FLOOR)
        ),
        case!(
            "Bad Content-Length: 1000 1000",
            b"POST",
            b"HTTP/1.1",
            [(CL, b"1000 1000")],
            Severe,
            Some(BadContentLength),
            Refused(ParseError::Malformed(BadContentLength), FLOOR)
        ),
        case!(
            "Bad Content-Length: 1000.1000",
            b"POST",
            b"HTTP/1.1",
            [(CL, b"1000.1000")],
            Severe,
            Some(BadContentLength),
            Refused(ParseError::Malformed(BadContentLength), FLOOR)
        ),
        case!(
            "Bad Content-Length (64-bits overflow)",
            b"POST",
            b"HTTP/1.1",
            [(CL, b"18446744073709551616")],
            Severe,
            Some(BadContentLength),
            Refused(ParseError::Malformed(BadContentLength), FLOOR)
        ),
        case!(
            "Unknown Transfer-Encoding: xchunked",
            b"POST",
            b"HTTP/1.1",
            [(CL_TE, b"xchunked")],
            Severe,
            Some(BadTransferEncoding),
            Refused(ParseError::Malformed(BadTransferEncoding), FLOOR)
        ),
        case!(
            "Bad character in Transfer-Encoding value",
            b"POST",
            b"HTTP/1.1",
            [(CL_TE, b"chunked\x11")],
            Severe,
            Some(BadTransferEncoding),
            Refused(ParseError::Malformed(BadTransferEncoding), FLOOR)
        ),
        case!(
            "Bad character in Content-Length value",
            b"POST",
            b"HTTP/1.1",
            [(CL, b"1000\x11")],
            Severe,
            Some(BadContentLength),
            Refused(ParseError::Malformed(BadContentLength), FLOOR)
        ),
        case!(
            "Multiple Transfer-Encoding: chunked",
            b"POST",
            b"HTTP/1.1",
            [(CL_TE, b"chunked"), (CL_TE, b"chunked")],
            Severe,
            Some(MultipleTransferEncodingChunked)
        ),
        case!(
            "Multiple Transfer-Encoding: chunked,chunked",
            b"POST",
            b"HTTP/1.1",
            [(CL_TE, b"chunked,chunked")],
            Severe,
            Some(MultipleTransferEncodingChunked)
        ),
        case!(
            "Http Engine missed CR",
            b"POST",
            b"HTTP/1.1",
            [
                (CL, b"1000"),
                (
                    b"Some-Custom-Header",
                    b"Parser error\r must not contain\r symbols."
                )
            ],
            Severe,
            Some(BadHeader),
            Refused(
                ParseError::Malformed(BadHeader),
                "RFC 9110 §5.5: reject or rewrite bare CR; spans cannot rewrite"
            )
        ),
        case!(
            "\\r in name is bad",
            b"POST",
            b"HTTP/1.1",
            [(b"Some-Bad-Header\r", b"1000")],
            Severe,
            Some(BadHeader),
            Refused(ParseError::Malformed(BadHeader), "RFC 9110 §5.5")
        ),
        case!(
            "\\0 in name is bad",
            b"POST",
            b"HTTP/1.1",
            [(b"Some-Bad-Header\x00", b"1000")],
            Severe,
            Some(BadHeader),
            Refused(ParseError::Malformed(BadHeader), "RFC 9110 §5.5")
        ),
        case!(
            "\\r in value is bad",
            b"POST",
            b"HTTP/1.1",
            [
                (b"Some-Bad-Header", b"value\rcontent-length: 1000"),
                (CL, b"100")
            ],
            Severe,
            Some(BadHeader),
            Refused(ParseError::Malformed(BadHeader), "RFC 9110 §5.5")
        ),
        case!(
            "\\0 in value is bad",
            b"POST",
            b"HTTP/1.1",
            [
                (b"Some-Bad-Header", b"value\x00content-length: 1000"),
                (CL, b"100")
            ],
            Severe,
            Some(BadHeader),
            Refused(ParseError::Malformed(BadHeader), "RFC 9110 §5.5")
        ),
        case!(
            "\\0 at the start of a line",
            b"POST",
            b"HTTP/1.1",
            [(b"\x00Some-Bad-Header", b"value"), (CL, b"100")],
            Severe,
            Some(BadHeader),
            Refused(ParseError::Malformed(BadHeader), "RFC 9110 §5.5")
        ),
        case!(
            "\\0 at the end of a value",
            b"POST",
            b"HTTP/1.1",
            [(b"Some-Bad-Header", b"value\x00"), (CL, b"100")],
            Severe,
            Some(BadHeader),
            Refused(ParseError::Malformed(BadHeader), "RFC 9110 §5.5")
        ),
        case!(
            "Content-Length[white-space] and Content-Length",
            b"POST",
            b"HTTP/1.1",
            [(b"Content-Length ", b"100"), (CL, b"1000")],
            Severe,
            Some(MultipleContentLength)
        ),
        case!(
            "[white-space]Content-Length and Content-Length",
            b"POST",
            b"HTTP/1.1",
            [(b" Content-Length", b"100"), (CL, b"1000")],
            Severe,
            Some(MultipleContentLength)
        ),
        case!(
            "Transfer-Encoding[white-space] and Transfer-Encoding",
            b"POST",
            b"HTTP/1.1",
            [(b"Transfer-Encoding ", b"chunked"), (CL_TE, b"chunked")],
            Severe,
            Some(MultipleTransferEncodingChunked)
        ),
        case!(
            "Bad method",
            b"bad_method\x01",
            b"HTTP/1.1",
            [(b"Host", b"localhost")],
            Severe,
            Some(BadMethod),
            Refused(
                ParseError::Malformed(BadMethod),
                "a method must be a token to be forwarded"
            )
        ),
        // ---- ambiguous.yaml ----
        case!(
            "Transfer-Encoding with a trailing space in name",
            b"POST",
            b"HTTP/1.1",
            [(b"Transfer-Encoding ", b"chunked")],
            Ambiguous,
            Some(SuspiciousHeader)
        ),
        case!(
            "Transfer-Encoding with a trailing tab in name",
            b"POST",
            b"HTTP/1.1",
            [(b"Transfer-Encoding\t", b"chunked")],
            Ambiguous,
            Some(SuspiciousHeader)
        ),
        case!(
            "\\x01Transfer-Encoding",
            b"POST",
            b"HTTP/1.1",
            [(b"\x01Transfer-Encoding", b"chunked")],
            Ambiguous,
            Some(SuspiciousHeader)
        ),
        case!(
            "\\x01\\x01Content-Length",
            b"POST",
            b"HTTP/1.1",
            [(b"\x01\x01Content-Length", b"1")],
            Ambiguous,
            Some(SuspiciousHeader)
        ),
        case!(
            "Transfer-Encoding with a space in the middle",
            b"POST",
            b"HTTP/1.1",
            [(b"Transfer- Encoding", b"chunked")],
            Ambiguous,
            Some(SuspiciousHeader)
        ),
        case!(
            "Transfer_Encoding with underscore",
            b"POST",
            b"HTTP/1.1",
            [(b"Transfer_Encoding", b"chunked")],
            Ambiguous,
            Some(SuspiciousHeader)
        ),
        case!(
            "Content_Length with underscore",
            b"POST",
            b"HTTP/1.1",
            [(b"Content_Length", b"1000")],
            Ambiguous,
            Some(SuspiciousHeader)
        ),
        case!(
            "Duplicate Content-Length",
            b"PUT",
            b"HTTP/1.1",
            [(CL, b"1000"), (CL, b"1000")],
            Ambiguous,
            Some(DuplicateContentLength)
        ),
        case!(
            "Both Transfer-Encoding:chunked and Content-Length",
            b"POST",
            b"HTTP/1.1",
            [(CL_TE, b"chunked"), (CL, b"100")],
            Ambiguous,
            Some(BothTeClPresent)
        ),
        case!(
            "Both Transfer-Encoding and Content-Length",
            b"POST",
            b"HTTP/1.1",
            [(CL_TE, b"gzip"), (CL, b"100")],
            Ambiguous,
            Some(BothTeClPresent),
            Refused(
                ParseError::UnsupportedTransferEncoding,
                "the ALB proxies only chunked and identity: 501"
            )
        ),
        case!(
            "Get with a body and Content-Length",
            b"GET",
            b"HTTP/1.1",
            [(CL, b"1000")],
            Ambiguous,
            Some(UndefinedContentLengthSemantics)
        ),
        case!(
            "Get with a body and Transfer-Encoding",
            b"GET",
            b"HTTP/1.1",
            [(CL_TE, b"chunked")],
            Ambiguous,
            Some(UndefinedTransferEncodingSemantics)
        ),
        case!(
            "Head with a body and Content-Length",
            b"HEAD",
            b"HTTP/1.1",
            [(CL, b"1000")],
            Ambiguous,
            Some(UndefinedContentLengthSemantics)
        ),
        case!(
            "Head with a body and Transfer-Encoding",
            b"HEAD",
            b"HTTP/1.1",
            [(CL_TE, b"chunked")],
            Ambiguous,
            Some(UndefinedTransferEncodingSemantics)
        ),
        case!(
            "Transfer-Encoding[white-space] and Content-Length",
            b"POST",
            b"HTTP/1.1",
            [(b"Transfer-Encoding ", b"chunked"), (CL, b"1000")],
            Ambiguous,
            Some(SuspiciousHeader)
        ),
        case!(
            "[white-space]Transfer-Encoding and Content-Length",
            b"POST",
            b"HTTP/1.1",
            [(b" Transfer-Encoding", b"chunked"), (CL, b"1000")],
            Ambiguous,
            Some(SuspiciousHeader),
            Reason(
                Ambiguous,
                MultilineHeader,
                "on the wire a whitespace-led line: desync-guardian's raw analyser reports MultilineHeader first too"
            )
        ),
        case!(
            "Transfer-Encoding[white-space] and Content-Length[white-space]",
            b"POST",
            b"HTTP/1.1",
            [
                (b"Transfer-Encoding ", b"chunked"),
                (b"Content-Length ", b"1000")
            ],
            Ambiguous,
            Some(SuspiciousHeader)
        ),
        case!(
            "Transfer-Encoding x",
            b"POST",
            b"HTTP/1.1",
            [(b"Transfer-Encoding x", b"chunked")],
            Ambiguous,
            Some(SuspiciousHeader)
        ),
        case!(
            "transfer-encoding XY",
            b"POST",
            b"HTTP/1.1",
            [(b"transfer-encoding XY", b"chunked")],
            Ambiguous,
            Some(SuspiciousHeader)
        ),
        case!(
            "Transfer-Encoding \\x01",
            b"POST",
            b"HTTP/1.1",
            [(b"Transfer-Encoding \x01", b"chunked")],
            Ambiguous,
            Some(SuspiciousHeader)
        ),
        case!(
            "Empty header name",
            b"POST",
            b"HTTP/1.1",
            [(b"", b"chunked"), (CL, b"1000")],
            Ambiguous,
            Some(EmptyHeader)
        ),
        case!(
            "Header name starts with :",
            b"POST",
            b"HTTP/1.1",
            [
                (b":SomeHeader:Transfer-Encoding:", b"chunked"),
                (CL, b"1000")
            ],
            Ambiguous,
            Some(EmptyHeader)
        ),
        case!(
            "Transfer-Encoding for HTTP/1.0",
            b"POST",
            b"HTTP/1.0",
            [(CL_TE, b"chunked")],
            Ambiguous,
            Some(UndefinedTransferEncodingSemantics)
        ),
        case!(
            "Transfer-Encoding for HTTP/0.9",
            b"POST",
            b"HTTP/0.9",
            [(CL_TE, b"chunked")],
            Ambiguous,
            Some(UndefinedTransferEncodingSemantics),
            Refused(
                ParseError::UnsupportedVersion,
                "no target speaks HTTP/0.9: 505"
            )
        ),
        case!(
            "Transfer-Encoding Latin Small Letter Long S",
            b"POST",
            b"HTTP/1.1",
            [("Tranſfer-Encoding".as_bytes(), b"chunked")],
            Ambiguous,
            Some(SuspiciousHeader)
        ),
        case!(
            "Transfer-Encoding Latin Small Letter Dotless I",
            b"POST",
            b"HTTP/1.1",
            [("Transfer-Encodıng".as_bytes(), b"chunked")],
            Ambiguous,
            Some(SuspiciousHeader)
        ),
        case!(
            "Transfer-Encoding with multiple hyphens",
            b"POST",
            b"HTTP/1.1",
            [(b"Transfer---Encoding", b"chunked")],
            Ambiguous,
            Some(SuspiciousHeader)
        ),
        case!(
            "Transfer-Encoding with multiple delimiters",
            b"POST",
            b"HTTP/1.1",
            [(b"Transfer___Encoding", b"chunked")],
            Ambiguous,
            Some(SuspiciousHeader)
        ),
        case!(
            "Transfer-Encoding with UTF8 spaces",
            b"POST",
            b"HTTP/1.1",
            [("\u{2003}Transfer-Encoding".as_bytes(), b"chunked")],
            Ambiguous,
            Some(SuspiciousHeader)
        ),
        case!(
            "Content-Length with UTF8 spaces",
            b"POST",
            b"HTTP/1.1",
            [("Content-Length\u{2003}".as_bytes(), b"1000")],
            Ambiguous,
            Some(SuspiciousHeader)
        ),
        case!(
            "Transfer-Encoding with a UTF8 delimiter",
            b"POST",
            b"HTTP/1.1",
            [("Transfer\u{2015}Encoding".as_bytes(), b"chunked")],
            Ambiguous,
            Some(SuspiciousHeader)
        ),
        case!(
            "Transfer-Encoding with arbitrary non-ASCII chars",
            b"POST",
            b"HTTP/1.1",
            [(b"Transfer-Encoding\x88", b"chunked")],
            Ambiguous,
            Some(SuspiciousHeader)
        ),
        case!(
            "Content-Length with arbitrary non-ASCII chars",
            b"POST",
            b"HTTP/1.1",
            [(b"\xa0Content-Length", b"100")],
            Ambiguous,
            Some(SuspiciousHeader)
        ),
        // ---- acceptable.yaml ----
        case!(
            "No TE/CL headers, some others are non-compliant",
            b"PUT",
            b"HTTP/1.1",
            [
                (b"x-my-custom-header ", b"some value"),
                (b"x-my-second-custom-header", b"some value")
            ],
            Acceptable,
            Some(NonCompliantHeader)
        ),
        case!(
            "TE and some others are non-compliant",
            b"PUT",
            b"HTTP/1.1",
            [(b"x-my-custom-header ", b"some value"), (CL_TE, b"chunked")],
            Acceptable,
            Some(NonCompliantHeader)
        ),
        case!(
            "A non-essential header with a non-printable character",
            b"PUT",
            b"HTTP/1.1",
            [
                (b"\x01x-my-custom-header", b"some value"),
                (CL_TE, b"chunked")
            ],
            Acceptable,
            Some(NonCompliantHeader)
        ),
        case!(
            "CL and some others are non-compliant",
            b"PUT",
            b"HTTP/1.1",
            [(b"x-my-custom-header ", b"some value"), (CL, b"10000")],
            Acceptable,
            Some(NonCompliantHeader)
        ),
        case!(
            "Get with Content-Length:0",
            b"GET",
            b"HTTP/1.1",
            [(CL, b"0")],
            Acceptable,
            Some(GetHeadZeroContentLength)
        ),
        case!(
            "Head with Content-Length:0",
            b"HEAD",
            b"HTTP/1.1",
            [(CL, b"0")],
            Acceptable,
            Some(GetHeadZeroContentLength)
        ),
        case!(
            "Non-RFC, but OK HTTP/0.9",
            b"GET",
            b"HTTP/0.9",
            [(b"X-My-Header", b"some value")],
            Acceptable,
            Some(NonCompliantVersion),
            Refused(
                ParseError::UnsupportedVersion,
                "no target speaks HTTP/0.9: 505"
            )
        ),
        case!(
            "Unknown but OK HTTP/1.2",
            b"GET",
            b"HTTP/1.2",
            [(b"X-My-Header", b"some value")],
            Acceptable,
            Some(NonCompliantVersion)
        ),
        // ---- compliant requests ----
        case!(
            "POST with a length",
            b"POST",
            b"HTTP/1.1",
            [(b"Host", b"example.com"), (CL, b"10")],
            Compliant,
            None
        ),
        case!(
            "PUT chunked",
            b"PUT",
            b"HTTP/1.1",
            [(b"Host", b"example.com"), (CL_TE, b"chunked")],
            Compliant,
            None
        ),
        case!(
            "GET with tchars in names",
            b"GET",
            b"HTTP/1.1",
            [(b"tchars-ok-.!#$%&'*+^_`|~", b"v"), (b"X", b"\t\tOWS \t ")],
            Compliant,
            None
        ),
    ]
}

fn raw(c: &Case) -> Vec<u8> {
    let mut b = Vec::new();
    for part in [c.method, b" ", c.uri, b" ", c.version, b"\r\n"] {
        b.extend_from_slice(part);
    }
    for (n, v) in &c.headers {
        b.extend_from_slice(&n[..]);
        b.extend_from_slice(b": ");
        b.extend_from_slice(&v[..]);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(b"\r\n");
    b
}

#[test]
fn desync_guardian_cases() {
    let mut failures = Vec::new();
    let all = cases();
    for c in &all {
        let buf = raw(c);
        let mut head = RequestHead::default();
        let got = parse_request(&buf, &Limits::default(), &mut head);
        let ok = match (&c.want, &got) {
            (Same, Ok(Status::Complete)) => {
                (head.classification.class, head.classification.reason) == (c.class, c.reason)
            }
            (Refused(e, _), Err(g)) => e == g,
            (Reason(class, reason, _), Ok(Status::Complete)) => {
                (head.classification.class, head.classification.reason) == (*class, Some(*reason))
            }
            _ => false,
        };
        if let Refused(ParseError::Malformed(r), _) = &c.want {
            // a refusal carries the code desync-guardian would log, at its tier
            assert_eq!(Some(*r), c.reason, "{}", c.name);
            assert_eq!(r.class(), c.class, "{}", c.name);
        }
        let why = match &c.want {
            Same => "desync-guardian's verdict",
            Refused(_, why) | Reason(_, _, why) => {
                assert!(!why.is_empty(), "{}: an override needs a reason", c.name);
                why
            }
        };
        if !ok {
            failures.push(format!(
                "{}: got {:?} {:?}, expected per {why}",
                c.name, got, head.classification
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}
