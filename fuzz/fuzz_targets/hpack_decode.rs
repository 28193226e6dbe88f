//! `hpack::Decoder::decode` on arbitrary header blocks, several in sequence through one
//! decoder as on one connection, with a small table and list limit: never panics; the fields
//! handed out stay within the list limit and the table within its size; a block that decodes
//! re-encodes (through `Encoder`) to one that decodes to the same fields.
//!
//! Input: blocks, each after a byte giving its length (the last takes what is left).
#![no_main]

use libfuzzer_sys::fuzz_target;
use proto::hpack::{Decoder, Encoder};

const TABLE: usize = 256;
const LIST: usize = 1024;

type Fields = Vec<(Vec<u8>, Vec<u8>)>;

fn decode(
    d: &mut Decoder,
    block: &[u8],
    list: usize,
) -> (Result<(), proto::hpack::DecodeError>, Fields) {
    let mut fields = Vec::new();
    let r = d.decode(block, list, |n, v| fields.push((n.to_vec(), v.to_vec())));
    (r, fields)
}

fuzz_target!(|data: &[u8]| {
    let mut d = Decoder::new(TABLE);
    let mut rest = data;
    while let Some((&len, tail)) = rest.split_first() {
        let (block, next) = tail.split_at(usize::from(len).min(tail.len()));
        rest = next;
        let (r, fields) = decode(&mut d, block, LIST);
        let list: usize = fields.iter().map(|(n, v)| n.len() + v.len() + 32).sum();
        assert!(list <= LIST, "{list} bytes of fields handed out");
        assert!(d.table_size() <= TABLE);
        match r {
            Ok(()) => {
                let mut e = Encoder::new();
                let mut out = Vec::new();
                for (n, v) in &fields {
                    e.field(n, v, &mut out);
                }
                let (again, decoded) = decode(&mut Decoder::new(TABLE), &out, usize::MAX);
                assert_eq!(again, Ok(()));
                assert_eq!(decoded, fields);
            }
            // the connection would end here
            Err(e) if e.is_connection_error() => return,
            Err(_) => {}
        }
    }
});
