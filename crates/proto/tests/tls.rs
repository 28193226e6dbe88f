//! Real ClientHellos (`tests/tls_hellos/*.hex`): OpenSSL's and curl's, captured on a loopback
//! listener with `capture.py`, and three from suricata-verify's pcaps (OISF/suricata-verify,
//! MIT, `LICENSE-suricata-verify.txt`). Each file gives the SNI, ALPN, record count, JA3 and
//! JA4 that tshark (JA3), the ja4plus Python package (JA4) and `crosscheck.py` (both) compute
//! from the same bytes. The parser must agree whatever pieces the bytes arrive in.

#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use proto::tls::{
    ClientHello, ClientHelloParser, HelloError, Progress, Transport, parse_client_hello,
};

struct Fixture {
    name: &'static str,
    fields: Vec<(String, String)>,
    bytes: Vec<u8>,
}

impl Fixture {
    fn field(&self, key: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("{}: no {key}", self.name))
    }
}

macro_rules! fixtures {
    ($($name:literal),* $(,)?) => {
        [$(($name, include_str!(concat!("tls_hellos/", $name, ".hex")))),*]
    };
}

fn fixtures() -> Vec<Fixture> {
    fixtures![
        "openssl-tls13-sni",
        "openssl-tls12-alpn",
        "openssl-no-sni",
        "openssl-two-records",
        "curl-default",
        "curl-tls12-http11",
        "curl-ip-literal",
        "suricata-verify-tls-client-hello-frag-01",
        "suricata-verify-tls-certs-alert",
        "suricata-verify-bug-5758",
    ]
    .into_iter()
    .map(|(name, text)| {
        let mut fields = Vec::new();
        let mut hex = String::new();
        let mut in_hex = false;
        for line in text.lines() {
            if in_hex {
                hex.push_str(line.trim());
            } else if line == "hex:" {
                in_hex = true;
            } else if !line.starts_with('#') {
                let (k, v) = line.split_once(':').unwrap();
                fields.push((k.to_string(), v.trim().to_string()));
            }
        }
        let bytes = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        Fixture {
            name,
            fields,
            bytes,
        }
    })
    .collect()
}

fn done(name: &str, p: Progress) -> ClientHello {
    match p {
        Progress::Done(h) => h,
        other => panic!("{name}: {other:?}"),
    }
}

fn records(bytes: &[u8]) -> usize {
    let mut n = 0;
    let mut at = 0;
    while at + 5 <= bytes.len() {
        at += 5 + usize::from(u16::from_be_bytes([bytes[at + 3], bytes[at + 4]]));
        n += 1;
    }
    n
}

#[test]
fn captured_hellos_give_the_cross_checked_fingerprints() {
    for f in fixtures() {
        let mut p = ClientHelloParser::new();
        let h = done(f.name, p.push(&f.bytes));
        assert_eq!(p.consumed(), f.bytes.len(), "{}", f.name);
        assert_eq!(
            records(&f.bytes).to_string(),
            f.field("records"),
            "{}",
            f.name
        );
        let sni = h.server_name().unwrap_or("");
        assert_eq!(sni, f.field("sni"), "{}", f.name);
        let alpn: Vec<String> = h
            .alpn_protocols()
            .map(|p| String::from_utf8(p.to_vec()).unwrap())
            .collect();
        assert_eq!(alpn.join(","), f.field("alpn"), "{}", f.name);
        assert_eq!(h.ja3_string(), f.field("ja3"), "{}", f.name);
        assert_eq!(h.ja3_hash(), f.field("ja3_hash"), "{}", f.name);
        let ja4 = h.ja4(Transport::Tcp);
        assert_eq!(ja4, f.field("ja4"), "{}", f.name);
        assert_eq!(ja4.len(), 36);
        assert_eq!(h.record_version(), Some(0x0301), "{}", f.name);
        assert_eq!(h.compression_methods(), &[0]);
    }
}

#[test]
fn captured_hello_details() {
    let all = fixtures();
    let get = |name: &str| {
        let f = all.iter().find(|f| f.name == name).unwrap();
        done(name, parse_client_hello(&f.bytes))
    };
    let h = get("openssl-tls13-sni");
    assert_eq!(h.legacy_version(), 0x0303);
    assert_eq!(h.highest_version(), 0x0304);
    assert_eq!(h.supported_versions(), &[0x0304, 0x0303, 0x0302, 0x0301]);
    assert_eq!(h.session_id().len(), 32);
    assert_eq!(
        h.supported_groups(),
        &[
            0x001d, 0x0017, 0x001e, 0x0019, 0x0018, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104
        ]
    );
    assert_eq!(h.ec_point_formats(), &[0, 1, 2]);
    assert_eq!(h.signature_algorithms()[..3], [0x0403, 0x0503, 0x0603]);
    let key_share = h.extension(0x0033).unwrap();
    // one X25519 share: list length, group, key length, 32 bytes
    assert_eq!(key_share[..6], [0, 36, 0, 0x1d, 0, 32]);

    let h = get("curl-tls12-http11");
    assert_eq!(h.highest_version(), 0x0303);
    assert!(h.supported_versions().is_empty());
    assert_eq!(h.ja4(Transport::Quic)[..1], *"q");

    let h = get("openssl-two-records");
    assert_eq!(h.alpn_protocols().len(), 33);
    assert_eq!(h.message().len(), 4 + 0x269);
}

#[test]
fn one_byte_at_a_time_gives_the_same_hello() {
    for f in fixtures() {
        let whole = done(f.name, parse_client_hello(&f.bytes));
        let mut p = ClientHelloParser::new();
        let (last, head) = f.bytes.split_last().unwrap();
        for (i, b) in head.iter().enumerate() {
            assert_eq!(
                p.push(std::slice::from_ref(b)),
                Progress::Incomplete,
                "{} at {i}",
                f.name
            );
        }
        assert_eq!(done(f.name, p.push(std::slice::from_ref(last))), whole);
        assert_eq!(p.consumed(), f.bytes.len());
    }
}

#[test]
fn every_prefix_is_incomplete() {
    for f in fixtures() {
        for n in 0..f.bytes.len() {
            assert_eq!(
                parse_client_hello(&f.bytes[..n]),
                Progress::Incomplete,
                "{} {n}",
                f.name
            );
        }
    }
}

#[test]
fn the_message_reparses_without_records() {
    for f in fixtures() {
        let h = done(f.name, parse_client_hello(&f.bytes));
        let again = ClientHello::from_handshake(h.message()).unwrap();
        assert_eq!(again.record_version(), None);
        assert_eq!(again.ja4(Transport::Tcp), h.ja4(Transport::Tcp));
        assert_eq!(again.ja3_hash(), h.ja3_hash());
        assert_eq!(
            again.extensions().collect::<Vec<_>>(),
            h.extensions().collect::<Vec<_>>()
        );
    }
}

#[test]
fn a_limit_below_the_hello_refuses_it() {
    for f in fixtures() {
        let h = done(f.name, parse_client_hello(&f.bytes));
        let len = h.message().len() - 4;
        let mut p = ClientHelloParser::with_limit(len - 1);
        assert_eq!(
            p.push(&f.bytes),
            Progress::Error(HelloError::TooLarge { len, max: len - 1 })
        );
    }
}

proptest! {
    #[test]
    fn any_split_gives_the_same_hello(which in 0usize..10, cuts in proptest::collection::vec(0usize..2000, 0..12)) {
        let all = fixtures();
        let f = &all[which % all.len()];
        let whole = done(f.name, parse_client_hello(&f.bytes));
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (f.bytes.len() + 1)).collect();
        cuts.push(f.bytes.len());
        cuts.sort_unstable();
        cuts.dedup();
        let mut p = ClientHelloParser::new();
        let mut at = 0;
        let mut result = Progress::Incomplete;
        for c in cuts {
            prop_assert_eq!(&result, &Progress::Incomplete);
            result = p.push(&f.bytes[at..c]);
            at = c;
        }
        prop_assert_eq!(result, Progress::Done(whole));
    }

    #[test]
    fn corrupted_hellos_never_panic(which in 0usize..10, edits in proptest::collection::vec((0usize..2000, any::<u8>()), 1..8), step in 1usize..64) {
        let all = fixtures();
        let f = &all[which % all.len()];
        let mut bytes = f.bytes.clone();
        for (at, b) in edits {
            let n = bytes.len();
            bytes[at % n] = b;
        }
        let whole = parse_client_hello(&bytes);
        let mut p = ClientHelloParser::new();
        let mut result = Progress::Incomplete;
        for chunk in bytes.chunks(step) {
            result = p.push(chunk);
            if result != Progress::Incomplete {
                break;
            }
        }
        prop_assert_eq!(&result, &whole);
        if let Progress::Done(h) = result {
            prop_assert_eq!(h.ja4(Transport::Tcp).len(), 36);
            prop_assert_eq!(h.ja3_hash().len(), 32);
        }
    }
}
