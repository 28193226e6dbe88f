#![allow(clippy::unwrap_used)]

use super::*;

/// A ClientHello built field by field.
#[derive(Clone)]
struct Builder {
    version: u16,
    session_id: Vec<u8>,
    ciphers: Vec<u16>,
    compression: Vec<u8>,
    /// `None`: no extensions block at all.
    extensions: Option<Vec<(u16, Vec<u8>)>>,
}

fn u16s(values: &[u16]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_be_bytes()).collect()
}

/// `data` after its length in `width` bytes.
fn vector(width: usize, data: &[u8]) -> Vec<u8> {
    let len = data.len().to_be_bytes();
    let mut out = len[len.len() - width..].to_vec();
    out.extend_from_slice(data);
    out
}

fn sni(name: &[u8]) -> Vec<u8> {
    let mut entry = vec![0];
    entry.extend(vector(2, name));
    vector(2, &entry)
}

fn alpn(names: &[&[u8]]) -> Vec<u8> {
    let list: Vec<u8> = names.iter().flat_map(|n| vector(1, n)).collect();
    vector(2, &list)
}

impl Builder {
    fn new() -> Builder {
        Builder {
            version: 0x0303,
            session_id: vec![0x55; 32],
            ciphers: vec![0x1301, 0xc02f],
            compression: vec![0],
            extensions: Some(Vec::new()),
        }
    }

    fn ext(mut self, kind: u16, data: Vec<u8>) -> Builder {
        self.extensions
            .get_or_insert_with(Vec::new)
            .push((kind, data));
        self
    }

    fn body(&self) -> Vec<u8> {
        let mut b = self.version.to_be_bytes().to_vec();
        b.extend([0xab; 32]);
        b.extend(vector(1, &self.session_id));
        b.extend(vector(2, &u16s(&self.ciphers)));
        b.extend(vector(1, &self.compression));
        if let Some(exts) = &self.extensions {
            let block: Vec<u8> = exts
                .iter()
                .flat_map(|(k, d)| {
                    let mut e = k.to_be_bytes().to_vec();
                    e.extend(vector(2, d));
                    e
                })
                .collect();
            b.extend(vector(2, &block));
        }
        b
    }

    /// The handshake message.
    fn message(&self) -> Vec<u8> {
        handshake(1, &self.body())
    }

    /// The message in one record.
    fn record(&self) -> Vec<u8> {
        records(&self.message(), usize::MAX)
    }

    fn parse(&self) -> ClientHello {
        match parse_client_hello(&self.record()) {
            Progress::Done(h) => h,
            other => panic!("{other:?}"),
        }
    }

    fn error(&self) -> HelloError {
        match parse_client_hello(&self.record()) {
            Progress::Error(e) => e,
            other => panic!("{other:?}"),
        }
    }
}

fn handshake(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![kind];
    m.extend(vector(3, body));
    m
}

/// `message` in handshake records of at most `size` bytes.
fn records(message: &[u8], size: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for chunk in message.chunks(size.min(1 << 14)) {
        out.extend([22, 3, 1]);
        out.extend(vector(2, chunk));
    }
    out
}

fn done(p: Progress) -> ClientHello {
    match p {
        Progress::Done(h) => h,
        other => panic!("{other:?}"),
    }
}

#[test]
fn grease_values_are_the_sixteen_of_rfc_8701() {
    let grease: Vec<u16> = (0..=u16::MAX).filter(|&v| is_grease(v)).collect();
    let expected: Vec<u16> = (0..16).map(|i| 0x0a0a + 0x1010 * i).collect();
    assert_eq!(grease, expected);
}

#[test]
fn fields_of_a_hand_built_hello() {
    let b = Builder::new()
        .ext(extension::SERVER_NAME, sni(b"Example.COM."))
        .ext(extension::ALPN, alpn(&[b"h2", b"http/1.1"]))
        .ext(
            extension::SUPPORTED_GROUPS,
            vector(2, &u16s(&[0x001d, 0x0017])),
        )
        .ext(extension::EC_POINT_FORMATS, vector(1, &[0, 1]))
        .ext(0x1234, b"raw".to_vec())
        .ext(
            extension::SIGNATURE_ALGORITHMS,
            vector(2, &u16s(&[0x0403, 0x0804])),
        )
        .ext(
            extension::SUPPORTED_VERSIONS,
            vector(1, &u16s(&[0x0304, 0x0303])),
        );
    let h = b.parse();
    assert_eq!(h.record_version(), Some(0x0301));
    assert_eq!(h.legacy_version(), 0x0303);
    assert_eq!(h.highest_version(), 0x0304);
    assert_eq!(h.random(), &[0xab; 32]);
    assert_eq!(h.session_id(), &[0x55; 32]);
    assert_eq!(h.cipher_suites(), &[0x1301, 0xc02f]);
    assert_eq!(h.compression_methods(), &[0]);
    assert_eq!(h.server_name(), Some("Example.COM."));
    assert_eq!(
        h.alpn_protocols().collect::<Vec<_>>(),
        [&b"h2"[..], &b"http/1.1"[..]]
    );
    assert_eq!(h.supported_groups(), &[0x001d, 0x0017]);
    assert_eq!(h.ec_point_formats(), &[0, 1]);
    assert_eq!(h.signature_algorithms(), &[0x0403, 0x0804]);
    assert_eq!(h.supported_versions(), &[0x0304, 0x0303]);
    let kinds: Vec<u16> = h.extensions().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [0x0000, 0x0010, 0x000a, 0x000b, 0x1234, 0x000d, 0x002b]
    );
    assert_eq!(h.extension(0x1234), Some(&b"raw"[..]));
    assert_eq!(h.extension(0x4321), None);
    assert!(h.has_extension(extension::ALPN));
    assert_eq!(h.message(), b.message());
}

#[test]
fn hello_without_extensions_block() {
    let mut b = Builder::new();
    b.extensions = None;
    b.session_id.clear();
    let h = b.parse();
    assert_eq!(h.extensions().len(), 0);
    assert_eq!(h.server_name(), None);
    assert_eq!(h.highest_version(), 0x0303);
    assert_eq!(h.session_id(), b"");
}

// The two examples of the JA3 README (salesforce/ja3).
#[test]
fn ja3_readme_examples() {
    let mut b = Builder::new();
    b.version = 0x0301;
    b.ciphers = vec![47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4];
    let h = b
        .ext(0, sni(b"example.com"))
        .ext(10, vector(2, &u16s(&[23, 24, 25])))
        .ext(11, vector(1, &[0]))
        .parse();
    assert_eq!(
        h.ja3_string(),
        "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0"
    );
    assert_eq!(h.ja3_hash(), "ada70206e40642a3e4461f35503241d5");

    let mut b = Builder::new();
    b.version = 0x0301;
    b.ciphers = vec![4, 5, 10, 9, 100, 98, 3, 6, 19, 18, 99];
    b.extensions = None;
    let h = b.parse();
    assert_eq!(h.ja3_string(), "769,4-5-10-9-100-98-3-6-19-18-99,,,");
    assert_eq!(h.ja3_hash(), "de350869b8c85de67a350c8d186f11e6");
}

const SPEC_CIPHERS: [u16; 15] = [
    0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c,
    0x009d, 0x002f, 0x0035,
];
const SPEC_SIGNATURES: [u16; 8] = [
    0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
];

/// The ClientHello of the example in FoxIO's JA4 specification (technical_details/JA4.md), with
/// GREASE added where Chrome puts it.
fn spec_example(signatures: bool) -> Builder {
    let mut b = Builder::new();
    b.ciphers = [0x3a3a].into_iter().chain(SPEC_CIPHERS).collect();
    let mut b = b.ext(0x2a2a, Vec::new());
    for kind in [
        0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012,
        0x002b, 0xff01, 0x000b, 0x000a, 0x0015,
    ] {
        let data = match kind {
            0x0000 => sni(b"www.example.com"),
            0x0010 => alpn(&[b"h2", b"http/1.1"]),
            0x000d if signatures => vector(2, &u16s(&[&[0x8a8a][..], &SPEC_SIGNATURES].concat())),
            0x000d => vector(2, &[]),
            0x002b => vector(1, &u16s(&[0xdada, 0x0304, 0x0303])),
            0x000a => vector(2, &u16s(&[0x4a4a, 0x001d, 0x0017, 0x0018])),
            0x000b => vector(1, &[0]),
            _ => Vec::new(),
        };
        b = b.ext(kind, data);
    }
    b.ext(0x1a1a, vec![0])
}

#[test]
fn ja4_specification_example() {
    let h = spec_example(true).parse();
    assert_eq!(
        h.ja4(Transport::Tcp),
        "t13d1516h2_8daaf6152771_e5627efa2ab1"
    );
    assert_eq!(
        h.ja4_raw(Transport::Tcp),
        "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_\
         0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_\
         0403,0804,0401,0503,0805,0501,0806,0601"
    );
    assert_eq!(
        h.ja4(Transport::Quic),
        "q13d1516h2_8daaf6152771_e5627efa2ab1"
    );
    // GREASE left out of JA3 too
    assert_eq!(
        h.ja3_string(),
        "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,\
         27-0-51-16-17513-23-45-13-5-35-18-43-65281-11-10-21,29-23-24,0"
    );
}

#[test]
fn ja4_without_signature_algorithms_has_no_underscore() {
    // the specification's second example: "… ,4469,ff01 = 6d807ffa2a79"
    let h = spec_example(false).parse();
    assert_eq!(
        h.ja4(Transport::Tcp),
        "t13d1516h2_8daaf6152771_6d807ffa2a79"
    );
}

#[test]
fn ja4_empty_lists_hash_to_zeros() {
    let mut b = Builder::new();
    b.ciphers.clear();
    b.extensions = None;
    let h = b.parse();
    assert_eq!(
        h.ja4(Transport::Tcp),
        "t12i000000_000000000000_000000000000"
    );
    assert_eq!(h.ja3_string(), "771,,,,");
    // SNI and ALPN alone: counted in JA4_a, left out of JA4_c
    let h = Builder::new()
        .ext(0, sni(b"a.b"))
        .ext(16, alpn(&[b"http/1.1"]))
        .parse();
    assert_eq!(
        h.ja4(Transport::Tcp),
        "t12d0202h1_c1929292aa6b_000000000000"
    );
}

fn ja4_alpn_of(first: &[u8]) -> String {
    let h = Builder::new().ext(16, alpn(&[first, b"h2"])).parse();
    h.ja4(Transport::Tcp)[8..10].to_string()
}

#[test]
fn ja4_alpn_characters() {
    assert_eq!(ja4_alpn_of(b"h2"), "h2");
    assert_eq!(ja4_alpn_of(b"http/1.1"), "h1");
    assert_eq!(ja4_alpn_of(b"h"), "hh");
    assert_eq!(ja4_alpn_of(b""), "00");
    // the specification's examples of non-alphanumeric values
    assert_eq!(ja4_alpn_of(&[0xab]), "ab");
    assert_eq!(ja4_alpn_of(&[0xab, 0xcd]), "ad");
    assert_eq!(ja4_alpn_of(&[0x30, 0xab]), "3b");
    assert_eq!(ja4_alpn_of(&[0x30, 0x31, 0xab, 0xcd]), "3d");
    assert_eq!(ja4_alpn_of(&[0x30, 0xab, 0xcd, 0x31]), "01");
    assert_eq!(ja4_alpn_of(b"h2/"), "6f");
    let h = Builder::new().ext(16, alpn(&[])).parse();
    assert_eq!(&h.ja4(Transport::Tcp)[8..10], "00");
    assert_eq!(&Builder::new().parse().ja4(Transport::Tcp)[8..10], "00");
}

#[test]
fn ja4_versions() {
    let version = |legacy: u16, supported: Option<&[u16]>| {
        let mut b = Builder::new();
        b.version = legacy;
        if let Some(s) = supported {
            b = b.ext(43, vector(1, &u16s(s)));
        }
        b.parse().ja4(Transport::Tcp)[1..3].to_string()
    };
    assert_eq!(version(0x0303, None), "12");
    assert_eq!(version(0x0302, None), "11");
    assert_eq!(version(0x0301, None), "10");
    assert_eq!(version(0x0300, None), "s3");
    assert_eq!(version(0x0303, Some(&[0x0303, 0x0304])), "13");
    assert_eq!(version(0x0303, Some(&[0x7a7a, 0x0302])), "11");
    // only GREASE: the legacy version
    assert_eq!(version(0x0301, Some(&[0x7a7a])), "10");
    assert_eq!(version(0x0303, Some(&[0x7f1c])), "00");
    assert_eq!(version(0x0399, None), "00");
}

#[test]
fn ja4_counts_stop_at_99() {
    let mut b = Builder::new();
    b.ciphers = (1..=150).collect();
    for kind in 0x1000..0x1000 + 120 {
        b = b.ext(kind, Vec::new());
    }
    let j = b.parse().ja4(Transport::Tcp);
    assert_eq!(&j[..10], "t12i999900");
    assert_eq!(j.len(), 36);
}

#[test]
fn one_record_or_many() {
    let b = spec_example(true);
    let whole = b.parse();
    for size in [1, 2, 3, 7, 100] {
        let bytes = records(&b.message(), size);
        let mut p = ClientHelloParser::new();
        let h = done(p.push(&bytes));
        assert_eq!(p.consumed(), bytes.len());
        assert_eq!(h, whole);
    }
}

#[test]
fn byte_at_a_time() {
    let bytes = records(&spec_example(true).message(), 50);
    let mut p = ClientHelloParser::new();
    let (last, head) = bytes.split_last().unwrap();
    for b in head {
        assert_eq!(p.push(std::slice::from_ref(b)), Progress::Incomplete);
    }
    let h = done(p.push(std::slice::from_ref(last)));
    assert_eq!(h, spec_example(true).parse());
    assert_eq!(p.push(b"more"), Progress::Error(HelloError::Finished));
}

#[test]
fn bytes_after_the_hello_are_left() {
    let mut bytes = Builder::new().record();
    let hello_len = bytes.len();
    bytes.extend([20, 3, 3, 0, 1, 1]); // a ChangeCipherSpec record
    let mut p = ClientHelloParser::new();
    done(p.push(&bytes));
    assert_eq!(p.consumed(), hello_len);

    // a second handshake message in the ClientHello's record
    let mut message = Builder::new().message();
    let hello_len = message.len();
    message.extend(handshake(20, &[0; 12]));
    let bytes = records(&message, usize::MAX);
    let mut p = ClientHelloParser::new();
    done(p.push(&bytes));
    assert_eq!(p.consumed(), 5 + hello_len);
}

#[test]
fn from_handshake_reads_quic_crypto_data() {
    let b = spec_example(true).ext(extension::QUIC_TRANSPORT_PARAMETERS, vec![1, 2, 3]);
    let h = ClientHello::from_handshake(&b.message()).unwrap();
    assert_eq!(h.record_version(), None);
    assert!(
        h.ja4(Transport::Quic)
            .starts_with("q13d1517h2_8daaf6152771_")
    );
    let mut longer = b.message();
    longer.push(0);
    assert_eq!(
        ClientHello::from_handshake(&longer),
        Err(HelloError::Malformed("handshake length"))
    );
    assert_eq!(
        ClientHello::from_handshake(&[1, 0, 0]),
        Err(HelloError::Malformed("handshake header"))
    );
}

fn push_error(bytes: &[u8]) -> HelloError {
    match ClientHelloParser::new().push(bytes) {
        Progress::Error(e) => e,
        other => panic!("{other:?}"),
    }
}

#[test]
fn not_tls_is_refused_at_the_first_byte() {
    assert_eq!(push_error(b"G"), HelloError::NotHandshake(b'G'));
    // an SSL 2.0 ClientHello
    assert_eq!(
        push_error(&[0x80, 0x2e, 0x01]),
        HelloError::NotHandshake(0x80)
    );
    assert_eq!(push_error(&[22, 2, 0]), HelloError::RecordVersion(0x0200));
    assert_eq!(push_error(&[22, 3, 1, 0, 0]), HelloError::EmptyRecord);
    assert_eq!(
        push_error(&[22, 3, 1, 0x40, 0x01]),
        HelloError::RecordOverflow(16385)
    );
    assert_eq!(
        ClientHelloParser::new().push(&[22, 3, 1, 0x40]),
        Progress::Incomplete
    );
    assert_eq!(
        push_error(&[22, 3, 1, 0, 4, 2, 0, 0, 0]),
        HelloError::NotClientHello(2)
    );
    // an alert between two records of the ClientHello
    let mut bytes = records(&Builder::new().message(), 20);
    bytes.truncate(25);
    bytes.extend([21, 3, 3, 0, 2, 2, 40]);
    assert_eq!(push_error(&bytes), HelloError::NotHandshake(21));
}

#[test]
fn an_error_is_found_at_the_same_byte_however_the_input_is_cut() {
    let mut bytes = Builder::new().record();
    bytes.extend(b"\x16\x03\x01");
    let cases: [&[u8]; 4] = [
        b"GET / HTTP/1.1\r\n",
        &[22, 3, 1, 0x40, 0x01, 1, 0],
        &[22, 3, 1, 0, 9, 2, 0, 0, 5, 0],
        &bytes[..],
    ];
    for case in cases {
        let mut whole = ClientHelloParser::new();
        let expected = whole.push(case);
        for step in 1..case.len() {
            let mut p = ClientHelloParser::new();
            let mut got = Progress::Incomplete;
            for piece in case.chunks(step) {
                got = p.push(piece);
                if got != Progress::Incomplete {
                    break;
                }
            }
            assert_eq!(got, expected);
            assert_eq!(
                p.consumed(),
                whole.consumed(),
                "{case:?} in pieces of {step}"
            );
        }
    }
}

#[test]
fn size_limit_applies_to_the_announced_length() {
    let header = [22, 3, 1, 0, 4, 1, 0x01, 0x00, 0x01];
    assert_eq!(
        push_error(&header),
        HelloError::TooLarge {
            len: 65537,
            max: DEFAULT_MAX_CLIENT_HELLO
        }
    );
    let mut p = ClientHelloParser::with_limit(100);
    assert_eq!(
        p.push(&Builder::new().ext(1, vec![0; 100]).record()),
        Progress::Error(HelloError::TooLarge { len: 181, max: 100 })
    );
    // at the limit
    let b = Builder::new();
    let len = b.message().len() - 4;
    done(ClientHelloParser::with_limit(len).push(&b.record()));
}

#[test]
fn malformed_hellos() {
    let m = |b: Builder| b.error();
    let mut b = Builder::new();
    b.session_id = vec![0; 33];
    assert_eq!(m(b), HelloError::Malformed("legacy_session_id"));

    // an odd cipher_suites length
    let mut body = Builder::new().body();
    body[2 + 32 + 33 + 1] = 5;
    assert_eq!(
        push_error(&records(&handshake(1, &body), usize::MAX)),
        HelloError::Malformed("cipher_suites")
    );

    let mut body = Builder::new().body();
    body.push(0);
    assert_eq!(
        push_error(&records(&handshake(1, &body), usize::MAX)),
        HelloError::Malformed("bytes after the extensions")
    );
    // an extensions block longer than the message
    let mut body = Builder::new().ext(1, vec![]).body();
    body.truncate(body.len() - 1);
    assert_eq!(
        push_error(&records(&handshake(1, &body), usize::MAX)),
        HelloError::Malformed("extensions")
    );
    // an extension longer than the block
    let mut body = Builder::new().ext(1, vec![]).body();
    let n = body.len();
    body[n - 1] = 1;
    assert_eq!(
        push_error(&records(&handshake(1, &body), usize::MAX)),
        HelloError::Malformed("extension")
    );
    // truncated before the compression methods
    let body = &Builder::new().body()[..2 + 32 + 33 + 2 + 4];
    assert_eq!(
        push_error(&records(&handshake(1, body), usize::MAX)),
        HelloError::Malformed("legacy_compression_methods")
    );
    assert_eq!(
        push_error(&records(&handshake(1, &[]), usize::MAX)),
        HelloError::Malformed("legacy_version")
    );

    assert_eq!(
        m(Builder::new().ext(10, vector(2, &[0, 1, 2]))),
        HelloError::Malformed("supported_groups")
    );
    assert_eq!(
        m(Builder::new().ext(13, vec![0, 2, 4, 3, 0])),
        HelloError::Malformed("signature_algorithms")
    );
    assert_eq!(
        m(Builder::new().ext(43, vec![4, 3, 4])),
        HelloError::Malformed("supported_versions")
    );
    assert_eq!(
        m(Builder::new().ext(11, vec![2, 0])),
        HelloError::Malformed("ec_point_formats")
    );
    assert_eq!(
        m(Builder::new().ext(16, vec![0, 3, 2, b'h'])),
        HelloError::Malformed("application_layer_protocol_negotiation")
    );
    assert_eq!(
        m(Builder::new().ext(16, vec![])),
        HelloError::Malformed("application_layer_protocol_negotiation")
    );
}

#[test]
fn duplicate_extensions_are_refused() {
    let b = Builder::new()
        .ext(0, sni(b"a.example"))
        .ext(5, vec![])
        .ext(0, sni(b"b.example"));
    assert_eq!(b.error(), HelloError::DuplicateExtension(0));
    let b = Builder::new().ext(0x0a0a, vec![]).ext(0x0a0a, vec![]);
    assert_eq!(b.error(), HelloError::DuplicateExtension(0x0a0a));
}

#[test]
fn server_names() {
    let name = |data: Vec<u8>| Builder::new().ext(0, data);
    assert_eq!(name(sni(b"")).error(), HelloError::BadServerName);
    assert_eq!(name(sni(b"a b")).error(), HelloError::BadServerName);
    assert_eq!(name(sni(b"a\0b")).error(), HelloError::BadServerName);
    assert_eq!(
        name(sni("é.fr".as_bytes())).error(),
        HelloError::BadServerName
    );
    assert_eq!(
        name(sni(b"10.0.0.1")).parse().server_name(),
        Some("10.0.0.1")
    );
    // empty extension data: the extension is there (JA4 says `d`), the name is not
    let h = name(Vec::new()).parse();
    assert_eq!(h.server_name(), None);
    assert_eq!(&h.ja4(Transport::Tcp)[3..4], "d");
    // two host names
    let mut list = vec![0];
    list.extend(vector(2, b"a.example"));
    list.push(0);
    list.extend(vector(2, b"b.example"));
    assert_eq!(
        name(vector(2, &list)).error(),
        HelloError::Malformed("server_name with two host names")
    );
    // another name type is skipped
    let mut list = vec![7];
    list.extend(vector(2, b"\xff\x00"));
    list.push(0);
    list.extend(vector(2, b"a.example"));
    assert_eq!(
        name(vector(2, &list)).parse().server_name(),
        Some("a.example")
    );
    // a truncated entry
    assert_eq!(
        name(vector(2, &[0, 0, 5, b'a'])).error(),
        HelloError::Malformed("server_name")
    );
}
