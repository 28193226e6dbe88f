use super::*;
use proptest::prelude::*;
use std::collections::VecDeque;

type Fields = Vec<(Vec<u8>, Vec<u8>)>;

/// Bytes from hex, ignoring whitespace (the RFC's dumps).
fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

fn fields(list: &[(&str, &str)]) -> Fields {
    list.iter()
        .map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec()))
        .collect()
}

fn decode(d: &mut Decoder, block: &[u8]) -> Result<Fields, DecodeError> {
    let mut out = Vec::new();
    d.decode(block, usize::MAX, |n, v| out.push((n.to_vec(), v.to_vec())))
        .map(|()| out)
}

/// Decodes `block` and checks the fields, then the dynamic table (newest first) and its size,
/// as the RFC lists them after each example.
fn step(d: &mut Decoder, block: &str, want: &[(&str, &str)], table: &[(&str, &str)], size: usize) {
    assert_eq!(decode(d, &hex(block)).unwrap(), fields(want));
    assert_eq!(d.entries(), fields(table));
    assert_eq!(d.table_size(), size);
}

// RFC 7541 Appendix C.1: integers.

#[test]
fn rfc_7541_c1_integers() {
    let cases: [(usize, u32, &[u8]); 3] = [
        (10, 5, &[0x0a]),
        (1337, 5, &[0x1f, 0x9a, 0x0a]),
        (42, 8, &[0x2a]),
    ];
    for (value, prefix, bytes) in cases {
        let mut out = Vec::new();
        encode_integer(value, prefix, 0, &mut out);
        assert_eq!(out, bytes);
        let mut p = 0;
        assert_eq!(decode_integer(bytes, &mut p, prefix), Ok(value));
        assert_eq!(p, bytes.len());
    }
}

// RFC 7541 Appendix C.2: one representation each, from an empty table.

#[test]
fn rfc_7541_c2_1_literal_with_indexing() {
    let mut d = Decoder::new(4096);
    step(
        &mut d,
        "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572",
        &[("custom-key", "custom-header")],
        &[("custom-key", "custom-header")],
        55,
    );
}

#[test]
fn rfc_7541_c2_2_literal_without_indexing() {
    let mut d = Decoder::new(4096);
    step(
        &mut d,
        "040c 2f73 616d 706c 652f 7061 7468",
        &[(":path", "/sample/path")],
        &[],
        0,
    );
}

#[test]
fn rfc_7541_c2_3_literal_never_indexed() {
    let mut d = Decoder::new(4096);
    step(
        &mut d,
        "1008 7061 7373 776f 7264 0673 6563 7265 74",
        &[("password", "secret")],
        &[],
        0,
    );
}

#[test]
fn rfc_7541_c2_4_indexed() {
    let mut d = Decoder::new(4096);
    step(&mut d, "82", &[(":method", "GET")], &[], 0);
}

// RFC 7541 Appendix C.3 and C.4: three requests on one connection, raw and Huffman-coded.

const REQ1: &[(&str, &str)] = &[
    (":method", "GET"),
    (":scheme", "http"),
    (":path", "/"),
    (":authority", "www.example.com"),
];
const REQ2: &[(&str, &str)] = &[
    (":method", "GET"),
    (":scheme", "http"),
    (":path", "/"),
    (":authority", "www.example.com"),
    ("cache-control", "no-cache"),
];
const REQ3: &[(&str, &str)] = &[
    (":method", "GET"),
    (":scheme", "https"),
    (":path", "/index.html"),
    (":authority", "www.example.com"),
    ("custom-key", "custom-value"),
];
const REQ_TABLE1: &[(&str, &str)] = &[(":authority", "www.example.com")];
const REQ_TABLE2: &[(&str, &str)] = &[
    ("cache-control", "no-cache"),
    (":authority", "www.example.com"),
];
const REQ_TABLE3: &[(&str, &str)] = &[
    ("custom-key", "custom-value"),
    ("cache-control", "no-cache"),
    (":authority", "www.example.com"),
];

#[test]
fn rfc_7541_c3_requests_without_huffman() {
    let mut d = Decoder::new(4096);
    step(
        &mut d,
        "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
        REQ1,
        REQ_TABLE1,
        57,
    );
    step(
        &mut d,
        "8286 84be 5808 6e6f 2d63 6163 6865",
        REQ2,
        REQ_TABLE2,
        110,
    );
    step(
        &mut d,
        "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
        REQ3,
        REQ_TABLE3,
        164,
    );
}

#[test]
fn rfc_7541_c4_requests_with_huffman() {
    let mut d = Decoder::new(4096);
    step(
        &mut d,
        "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
        REQ1,
        REQ_TABLE1,
        57,
    );
    step(
        &mut d,
        "8286 84be 5886 a8eb 1064 9cbf",
        REQ2,
        REQ_TABLE2,
        110,
    );
    step(
        &mut d,
        "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
        REQ3,
        REQ_TABLE3,
        164,
    );
}

// RFC 7541 Appendix C.5 and C.6: three responses with a 256-byte table, evicting.

const DATE1: &str = "Mon, 21 Oct 2013 20:13:21 GMT";
const DATE2: &str = "Mon, 21 Oct 2013 20:13:22 GMT";
const LOCATION: &str = "https://www.example.com";
const COOKIE: &str = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";

fn responses(blocks: [&str; 3]) {
    let mut d = Decoder::new(256);
    step(
        &mut d,
        blocks[0],
        &[
            (":status", "302"),
            ("cache-control", "private"),
            ("date", DATE1),
            ("location", LOCATION),
        ],
        &[
            ("location", LOCATION),
            ("date", DATE1),
            ("cache-control", "private"),
            (":status", "302"),
        ],
        222,
    );
    step(
        &mut d,
        blocks[1],
        &[
            (":status", "307"),
            ("cache-control", "private"),
            ("date", DATE1),
            ("location", LOCATION),
        ],
        &[
            (":status", "307"),
            ("location", LOCATION),
            ("date", DATE1),
            ("cache-control", "private"),
        ],
        222,
    );
    step(
        &mut d,
        blocks[2],
        &[
            (":status", "200"),
            ("cache-control", "private"),
            ("date", DATE2),
            ("location", LOCATION),
            ("content-encoding", "gzip"),
            ("set-cookie", COOKIE),
        ],
        &[
            ("set-cookie", COOKIE),
            ("content-encoding", "gzip"),
            ("date", DATE2),
        ],
        215,
    );
}

#[test]
fn rfc_7541_c5_responses_without_huffman() {
    responses([
        "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 \
         2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 \
         6c65 2e63 6f6d",
        "4803 3330 37c1 c0bf",
        "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d \
         54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 \
         5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e \
         3d31",
    ]);
}

#[test]
fn rfc_7541_c6_responses_with_huffman() {
    responses([
        "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 \
         2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
        "4883 640e ffc1 c0bf",
        "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab \
         77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f \
         9587 3160 65c0 03ed 4ee5 b106 3d50 07",
    ]);
}

// Errors.

fn decode_err(block: &[u8]) -> DecodeError {
    decode(&mut Decoder::new(4096), block).unwrap_err()
}

#[test]
fn index_zero_is_bad() {
    assert_eq!(decode_err(&[0x80]), DecodeError::BadIndex(0));
}

#[test]
fn index_past_the_dynamic_table_is_bad() {
    assert_eq!(decode_err(&[0xbe]), DecodeError::BadIndex(62));
    // as a literal's name
    assert_eq!(decode_err(&[0x7e, 0x01, b'v']), DecodeError::BadIndex(62));
    assert_eq!(
        decode_err(&[0x0f, 0x2f, 0x01, b'v']),
        DecodeError::BadIndex(62)
    );
    // one entry: 62 is fine, 63 is not
    let mut d = Decoder::new(4096);
    decode(
        &mut d,
        &hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"),
    )
    .unwrap();
    assert_eq!(
        decode(&mut d, &[0xbe]).unwrap(),
        fields(&[("custom-key", "custom-header")])
    );
    assert_eq!(decode(&mut d, &[0xbf]), Err(DecodeError::BadIndex(63)));
}

#[test]
fn truncated_integers_and_strings() {
    assert_eq!(decode_err(&[0xff]), DecodeError::Truncated);
    assert_eq!(decode_err(&[0xff, 0x80]), DecodeError::Truncated);
    // a literal without its value
    assert_eq!(decode_err(&[0x41]), DecodeError::Truncated);
    // a string shorter than its length
    assert_eq!(decode_err(&[0x40, 0x05, b'a']), DecodeError::Truncated);
    // a length of ~33 MB in a 6-byte block: refused before anything is allocated for it
    assert_eq!(
        decode_err(&[0x00, 0x7f, 0xff, 0xff, 0xff, 0x0f]),
        DecodeError::Truncated
    );
}

#[test]
fn integers_over_32_bits_overflow() {
    // 2^32 + 126
    assert_eq!(
        decode_err(&[0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]),
        DecodeError::IntegerOverflow
    );
    // u32::MAX is accepted as an integer (and is then a bad index)
    let mut b = Vec::new();
    encode_integer(u32::MAX as usize, 7, 0x80, &mut b);
    assert_eq!(b.len(), 6);
    assert_eq!(decode_err(&b), DecodeError::BadIndex(u64::from(u32::MAX)));
    let mut p = 0;
    assert_eq!(decode_integer(&b, &mut p, 7), Ok(u32::MAX as usize));
    // six continuation bytes, even of zeros
    assert_eq!(
        decode_err(&[0xff, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]),
        DecodeError::IntegerOverflow
    );
}

#[test]
fn size_update_above_our_setting_is_refused() {
    // 4097
    assert_eq!(
        decode_err(&[0x3f, 0xe2, 0x1f]),
        DecodeError::TableSizeUpdateTooLarge
    );
    let mut d = Decoder::new(4096);
    // 4096, then 0, then a field
    assert_eq!(
        decode(&mut d, &[0x3f, 0xe1, 0x1f, 0x20, 0x82])
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn size_update_after_a_field_is_refused() {
    assert_eq!(
        decode_err(&[0x82, 0x20]),
        DecodeError::TableSizeUpdateNotFirst
    );
}

#[test]
fn size_update_evicts() {
    let mut d = Decoder::new(4096);
    step(
        &mut d,
        "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
        REQ1,
        REQ_TABLE1,
        57,
    );
    // down to 56 bytes: the entry goes; then back to 4096
    assert_eq!(
        decode(&mut d, &[0x3f, 0x19, 0x3f, 0xe1, 0x1f]).unwrap(),
        vec![]
    );
    assert_eq!(d.table_size(), 0);
    assert_eq!(decode(&mut d, &[0xbe]), Err(DecodeError::BadIndex(62)));
}

#[test]
fn lowering_our_setting_requires_a_size_update_first() {
    let mut d = Decoder::new(4096);
    d.set_max_table_size(100);
    assert_eq!(
        decode(&mut d, &[0x82]),
        Err(DecodeError::TableSizeUpdateMissing)
    );
    let mut d = Decoder::new(4096);
    d.set_max_table_size(100);
    // 101 is above the new setting
    assert_eq!(
        decode(&mut d, &[0x3f, 0x46, 0x82]),
        Err(DecodeError::TableSizeUpdateTooLarge)
    );
    let mut d = Decoder::new(4096);
    d.set_max_table_size(100);
    assert_eq!(decode(&mut d, &[0x3f, 0x45, 0x82]).unwrap().len(), 1);
    assert_eq!(decode(&mut d, &[0x82]).unwrap().len(), 1);
    // raising it needs nothing
    d.set_max_table_size(8192);
    assert_eq!(decode(&mut d, &[0x82]).unwrap().len(), 1);
}

#[test]
fn huffman_eos_in_a_value_is_an_error() {
    // `a: <EOS + 2 padding bits>`
    assert_eq!(
        decode_err(&[0x00, 0x01, b'a', 0x84, 0xff, 0xff, 0xff, 0xff]),
        DecodeError::Huffman
    );
}

#[test]
fn huffman_bad_padding_is_an_error() {
    // zeros as padding
    assert_eq!(
        decode_err(&[0x00, 0x01, b'a', 0x81, 0x00]),
        DecodeError::Huffman
    );
    // 'a' and 11 bits of ones
    assert_eq!(
        decode_err(&[0x00, 0x01, b'a', 0x82, 0x1f, 0xff]),
        DecodeError::Huffman
    );
    // 'a' and 3 bits of ones is fine
    assert_eq!(
        decode(&mut Decoder::new(4096), &[0x00, 0x01, b'a', 0x81, 0x1f]).unwrap(),
        fields(&[("a", "a")])
    );
}

#[test]
fn only_list_too_large_keeps_the_connection() {
    assert!(!DecodeError::ListTooLarge.is_connection_error());
    assert!(DecodeError::Huffman.is_connection_error());
    assert!(DecodeError::BadIndex(0).is_connection_error());
}

/// A literal with incremental indexing and a new name.
fn indexed_literal(name: &[u8], value: &[u8], out: &mut Vec<u8>) {
    out.push(0x40);
    encode_integer(name.len(), 7, 0, out);
    out.extend_from_slice(name);
    encode_integer(value.len(), 7, 0, out);
    out.extend_from_slice(value);
}

#[test]
fn list_too_large_still_decodes_the_whole_block() {
    let mut block = Vec::new();
    indexed_literal(b"x-aa", &[b'a'; 20], &mut block);
    indexed_literal(b"x-bb", &[b'b'; 20], &mut block);
    indexed_literal(b"x-cc", &[b'c'; 20], &mut block);
    let mut d = Decoder::new(4096);
    let mut seen = Vec::new();
    // each field counts 56: the first fits in 100, the second does not
    let r = d.decode(&block, 100, |n, _| seen.push(n.to_vec()));
    assert_eq!(r, Err(DecodeError::ListTooLarge));
    assert_eq!(seen, vec![b"x-aa".to_vec()]);
    assert_eq!(d.table_size(), 3 * 56);
    // the next block refers to all three
    let got = decode(&mut d, &[0xbe, 0xbf, 0xc0]).unwrap();
    let names: Vec<_> = got.iter().map(|(n, _)| n.as_slice()).collect();
    assert_eq!(names, [&b"x-cc"[..], b"x-bb", b"x-aa"]);
}

#[test]
fn a_field_larger_than_the_whole_list_budget_is_consumed() {
    let mut block = Vec::new();
    indexed_literal(b"x-big", &[b'v'; 3000], &mut block);
    block.push(0x82);
    let mut d = Decoder::new(4096);
    let mut n = 0;
    assert_eq!(
        d.decode(&block, 64, |_, _| n += 1),
        Err(DecodeError::ListTooLarge)
    );
    assert_eq!(n, 0);
    assert_eq!(d.table_size(), 5 + 3000 + 32);
    assert_eq!(decode(&mut d, &[0xbe]).unwrap()[0].1.len(), 3000);
}

#[test]
fn the_list_limit_counts_32_bytes_per_field() {
    // `:method: GET` counts 7 + 3 + 32 = 42
    let mut d = Decoder::new(4096);
    assert_eq!(d.decode(&[0x82, 0x82], 84, |_, _| ()), Ok(()));
    assert_eq!(
        d.decode(&[0x82, 0x82], 83, |_, _| ()),
        Err(DecodeError::ListTooLarge)
    );
}

#[test]
fn a_literal_naming_an_entry_it_evicts_keeps_the_name() {
    // table of 60 bytes; `x-name: 1` (39) is entry 62; a new `x-name: 22` (40) evicts it
    let mut d = Decoder::new(60);
    let mut block = Vec::new();
    indexed_literal(b"x-name", b"1", &mut block);
    block.extend_from_slice(&[0x7e, 0x02, b'2', b'2']);
    assert_eq!(
        decode(&mut d, &block).unwrap(),
        fields(&[("x-name", "1"), ("x-name", "22")])
    );
    assert_eq!(d.entries(), fields(&[("x-name", "22")]));
}

// The encoder.

fn encode_with(f: impl FnOnce(&mut Encoder, &mut Vec<u8>)) -> Vec<u8> {
    let mut out = Vec::new();
    f(&mut Encoder::new(), &mut out);
    out
}

#[test]
fn status_codes_in_the_static_table_are_one_byte() {
    for (status, byte) in [
        (200, 0x88),
        (204, 0x89),
        (206, 0x8a),
        (304, 0x8b),
        (400, 0x8c),
    ] {
        assert_eq!(encode_with(|e, o| e.status(status, o)), [byte]);
    }
    assert_eq!(encode_with(|e, o| e.status(404, o)), [0x8d]);
    assert_eq!(encode_with(|e, o| e.status(500, o)), [0x8e]);
    assert_eq!(encode_with(|e, o| e.status(302, o)), b"\x08\x03302");
    assert_eq!(encode_with(|e, o| e.status(503, o)), b"\x08\x03503");
}

#[test]
fn static_names_and_fields() {
    // name 31, raw value
    assert_eq!(
        encode_with(|e, o| e.field(b"content-type", b"text/html", o)),
        b"\x0f\x10\x09text/html"
    );
    // the whole field is in the table
    assert_eq!(
        encode_with(|e, o| e.field(b"accept-encoding", b"gzip, deflate", o)),
        [0x90]
    );
    assert_eq!(encode_with(|e, o| e.field(b":method", b"GET", o)), [0x82]);
    assert_eq!(encode_with(|e, o| e.field(b":status", b"304", o)), [0x8b]);
    // `content-encoding: gzip` is not: name 26
    assert_eq!(
        encode_with(|e, o| e.field(b"content-encoding", b"gzip", o)),
        b"\x0f\x0b\x04gzip"
    );
    // a new name
    assert_eq!(
        encode_with(|e, o| e.field(b"x-custom", b"v", o)),
        b"\x00\x08x-custom\x01v"
    );
}

#[test]
fn credentials_are_never_indexed() {
    assert_eq!(
        encode_with(|e, o| e.field(b"set-cookie", b"a=b", o)),
        b"\x1f\x28\x03a=b"
    );
    assert_eq!(
        encode_with(|e, o| e.field(b"authorization", b"x", o)),
        b"\x1f\x08\x01x"
    );
    // even where the static table has the field (`cookie:` with an empty value)
    assert_eq!(
        encode_with(|e, o| e.field(b"cookie", b"", o)),
        b"\x1f\x11\x00"
    );
    let mut d = Decoder::new(4096);
    assert_eq!(
        decode(&mut d, b"\x1f\x28\x03a=b").unwrap(),
        fields(&[("set-cookie", "a=b")])
    );
}

#[test]
fn size_updates_go_in_front_of_the_next_block_once() {
    let mut e = Encoder::new();
    let mut out = Vec::new();
    e.set_max_table_size(0);
    e.status(200, &mut out);
    e.field(b"server", b"r", &mut out);
    assert_eq!(out, b"\x20\x88\x0f\x27\x01r");
    out.clear();
    e.status(200, &mut out);
    assert_eq!(out, [0x88]);
    // lowered then raised between two blocks: the smallest, then the final size
    out.clear();
    e.set_max_table_size(100);
    e.set_max_table_size(4096);
    e.status(200, &mut out);
    assert_eq!(out, [0x3f, 0x45, 0x3f, 0xe1, 0x1f, 0x88]);
    // unchanged: nothing
    out.clear();
    e.set_max_table_size(4096);
    e.status(200, &mut out);
    assert_eq!(out, [0x88]);
}

#[test]
fn a_peer_decoder_accepts_our_size_updates() {
    let mut e = Encoder::new();
    let mut d = Decoder::new(4096);
    d.set_max_table_size(100);
    e.set_max_table_size(100);
    let mut out = Vec::new();
    e.status(404, &mut out);
    assert_eq!(decode(&mut d, &out).unwrap(), fields(&[(":status", "404")]));
}

// Properties.

fn name() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        "[a-z0-9-]{1,24}".prop_map(String::into_bytes),
        proptest::sample::select(
            table::STATIC
                .iter()
                .map(|(n, _)| n.to_vec())
                .collect::<Vec<_>>()
        ),
    ]
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..40),
        proptest::sample::select(
            table::STATIC
                .iter()
                .map(|(_, v)| v.to_vec())
                .collect::<Vec<_>>()
        ),
        Just(b"gzip, deflate".to_vec()),
    ]
}

fn header_list() -> impl Strategy<Value = Fields> {
    proptest::collection::vec((name(), value()), 0..20)
}

/// A reference encoder in the manner of browsers: incremental indexing into a dynamic table
/// modelled as a list of pairs, indexed fields for repeats, Huffman or raw strings as the
/// test case chooses. The decoder must end up with the same table.
struct Reference {
    table: VecDeque<(Vec<u8>, Vec<u8>)>,
    max: usize,
}

impl Reference {
    fn size(&self) -> usize {
        self.table.iter().map(|(n, v)| n.len() + v.len() + 32).sum()
    }

    fn string(s: &[u8], huffman_coded: bool, out: &mut Vec<u8>) {
        if huffman_coded {
            encode_integer(huffman::encoded_len(s), 7, 0x80, out);
            huffman::encode(s, out);
        } else {
            encode_integer(s.len(), 7, 0, out);
            out.extend_from_slice(s);
        }
    }

    /// `how`: 0 literal with indexing, 1 without, 2 never indexed.
    fn field(
        &mut self,
        name: &[u8],
        value: &[u8],
        how: u8,
        huffman_coded: bool,
        out: &mut Vec<u8>,
    ) {
        let full = table::STATIC
            .iter()
            .position(|(n, v)| *n == name && *v == value)
            .or_else(|| {
                self.table
                    .iter()
                    .position(|(n, v)| n == name && v == value)
                    .map(|i| i + 61)
            });
        if let Some(i) = full {
            encode_integer(i + 1, 7, 0x80, out);
            return;
        }
        let name_index = table::STATIC
            .iter()
            .position(|(n, _)| *n == name)
            .or_else(|| {
                self.table
                    .iter()
                    .position(|(n, _)| n == name)
                    .map(|i| i + 61)
            })
            .map_or(0, |i| i + 1);
        let (prefix, first) = match how {
            0 => (6, 0x40),
            1 => (4, 0x00),
            _ => (4, 0x10),
        };
        encode_integer(name_index, prefix, first, out);
        if name_index == 0 {
            Reference::string(name, huffman_coded, out);
        }
        Reference::string(value, huffman_coded, out);
        if how == 0 {
            let size = name.len() + value.len() + 32;
            if size > self.max {
                self.table.clear();
            } else {
                while self.size() + size > self.max {
                    self.table.pop_back();
                }
                self.table.push_front((name.to_vec(), value.to_vec()));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn encoder_output_decodes_to_the_same_fields(
        blocks in proptest::collection::vec(
            (proptest::option::of(0usize..5000), proptest::option::of(100u16..1000), header_list()),
            1..5,
        ),
    ) {
        let mut e = Encoder::new();
        let mut d = Decoder::new(4096);
        for (table_size, status, list) in blocks {
            if let Some(n) = table_size {
                e.set_max_table_size(n.min(4096));
            }
            let mut out = Vec::new();
            let mut want = Vec::new();
            if let Some(s) = status {
                e.status(s, &mut out);
                want.push((b":status".to_vec(), s.to_string().into_bytes()));
            }
            for (n, v) in &list {
                e.field(n, v, &mut out);
            }
            want.extend(list);
            prop_assert_eq!(decode(&mut d, &out)?, want);
            prop_assert_eq!(d.table_size(), 0);
        }
    }

    #[test]
    fn browser_style_blocks_decode_and_the_tables_agree(
        max in prop_oneof![Just(0usize), Just(64), Just(256), Just(4096)],
        blocks in proptest::collection::vec(
            proptest::collection::vec((name(), value(), 0u8..3, any::<bool>()), 0..12),
            1..6,
        ),
    ) {
        let mut r = Reference { table: VecDeque::new(), max };
        let mut d = Decoder::new(max);
        for block in blocks {
            let mut out = Vec::new();
            let mut want = Vec::new();
            for (n, v, how, h) in block {
                r.field(&n, &v, how, h, &mut out);
                want.push((n, v));
            }
            prop_assert_eq!(decode(&mut d, &out)?, want);
            prop_assert_eq!(d.entries(), r.table.iter().cloned().collect::<Vec<_>>());
            prop_assert_eq!(d.table_size(), r.size());
        }
    }

    #[test]
    fn huffman_round_trips_any_bytes(text in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut enc = Vec::new();
        huffman::encode(&text, &mut enc);
        prop_assert_eq!(enc.len(), huffman::encoded_len(&text));
        let mut dec = Vec::new();
        huffman::decode(&enc, &mut dec)?;
        prop_assert_eq!(dec, text);
    }

    #[test]
    fn any_bytes_decode_without_panic_within_the_bounds(
        blocks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..120), 1..6),
    ) {
        let mut d = Decoder::new(256);
        for block in blocks {
            let mut list = 0;
            let r = d.decode(&block, 512, |n, v| list += n.len() + v.len() + 32);
            prop_assert!(list <= 512);
            prop_assert!(d.table_size() <= 256);
            if r.is_err_and(|e| e.is_connection_error()) {
                break;
            }
        }
    }
}
