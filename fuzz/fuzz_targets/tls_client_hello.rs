//! `tls::ClientHelloParser` on arbitrary bytes fed in pieces, with a small limit: never panics;
//! the pieces do not change the result (the same as one push of everything); a ClientHello
//! found has well-formed fingerprints and re-parses from its handshake message alone; the
//! bare-message parser (QUIC's path) never panics either.
//!
//! Input: a byte giving the size of the pieces (1 to 256), then the connection's bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use proto::tls::{ClientHello, ClientHelloParser, Progress, Transport};

const LIMIT: usize = 8192;

fn is_hex(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fuzz_target!(|data: &[u8]| {
    let Some((&step, stream)) = data.split_first() else {
        return;
    };
    let _ = ClientHello::from_handshake(stream);

    let mut whole = ClientHelloParser::with_limit(LIMIT);
    let expected = whole.push(stream);
    assert!(whole.consumed() <= stream.len());

    let mut p = ClientHelloParser::with_limit(LIMIT);
    let mut result = Progress::Incomplete;
    for piece in stream.chunks(usize::from(step) + 1) {
        result = p.push(piece);
        if result != Progress::Incomplete {
            break;
        }
    }
    assert_eq!(result, expected);
    assert_eq!(p.consumed(), whole.consumed());

    let Progress::Done(hello) = result else {
        return;
    };
    assert!(hello.message().len() <= LIMIT + 4);
    let ja3 = hello.ja3_hash();
    assert!(ja3.len() == 32 && is_hex(&ja3), "{ja3}");
    assert!(hello.ja3_string().starts_with(&format!("{},", hello.legacy_version())));
    for transport in [Transport::Tcp, Transport::Quic] {
        let ja4 = hello.ja4(transport);
        assert_eq!(ja4.len(), 36, "{ja4}");
        assert!(ja4.is_ascii());
        assert_eq!(&ja4[10..11], "_");
        assert_eq!(&ja4[23..24], "_");
        assert!(is_hex(&ja4[11..23]) && is_hex(&ja4[24..]), "{ja4}");
        assert!(hello.ja4_raw(transport).starts_with(&ja4[..11]));
    }
    if let Some(name) = hello.server_name() {
        assert!(!name.is_empty() && name.bytes().all(|b| (0x21..=0x7e).contains(&b)));
    }

    let again = ClientHello::from_handshake(hello.message()).expect("the message re-parses");
    assert_eq!(again.record_version(), None);
    assert_eq!(again.ja3_string(), hello.ja3_string());
    assert_eq!(again.ja4_raw(Transport::Tcp), hello.ja4_raw(Transport::Tcp));
    assert!(again.extensions().eq(hello.extensions()));
    assert_eq!(again.server_name(), hello.server_name());
});
