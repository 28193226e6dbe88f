//! HPACK cost: decoding a browser's and h2load's request header blocks, first on a new
//! connection (the dynamic table's first allocations included) and then repeated (most fields
//! indexed from the dynamic table), Huffman decoding alone, and encoding a small response.
//! `cargo bench -p rampart-proto --bench hpack`; the figure is ns per block.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use proto::hpack::{Decoder, Encoder, huffman};
use std::hint::black_box;

/// A request's fields, with the static index of the whole field or of its name.
type Request = [(Static, &'static str, &'static str)];

#[derive(Clone, Copy)]
enum Static {
    Field(u8),
    Name(u8),
    No,
}

/// A Chrome navigation request.
const BROWSER: &Request = &[
    (Static::Field(2), ":method", "GET"),
    (Static::Name(1), ":authority", "www.example.com"),
    (Static::Field(7), ":scheme", "https"),
    (
        Static::Name(4),
        ":path",
        "/products/shoes/running?color=red&size=42&sort=price",
    ),
    (
        Static::No,
        "sec-ch-ua",
        "\"Chromium\";v=\"128\", \"Not;A=Brand\";v=\"24\", \"Google Chrome\";v=\"128\"",
    ),
    (Static::No, "sec-ch-ua-mobile", "?0"),
    (Static::No, "sec-ch-ua-platform", "\"Linux\""),
    (Static::No, "upgrade-insecure-requests", "1"),
    (
        Static::Name(58),
        "user-agent",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
         Chrome/128.0.0.0 Safari/537.36",
    ),
    (
        Static::Name(19),
        "accept",
        "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,\
         image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
    ),
    (Static::No, "sec-fetch-site", "none"),
    (Static::No, "sec-fetch-mode", "navigate"),
    (Static::No, "sec-fetch-user", "?1"),
    (Static::No, "sec-fetch-dest", "document"),
    (
        Static::Name(16),
        "accept-encoding",
        "gzip, deflate, br, zstd",
    ),
    (Static::Name(17), "accept-language", "en-US,en;q=0.9"),
    (
        Static::Name(32),
        "cookie",
        "session=3f2a9c1e7b5d4e0f8a6c; theme=dark; consent=1",
    ),
    (Static::No, "priority", "u=0, i"),
];

/// The same page's next navigation: a new path, everything else as before. The path is sent
/// without indexing so that the table is the same after every iteration.
const BROWSER_NEXT_PATH: &str = "/products/shoes/running?color=blue&size=42&sort=price";

/// What h2load sends for each request.
const H2LOAD: &Request = &[
    (Static::Field(2), ":method", "GET"),
    (Static::Field(7), ":scheme", "https"),
    (Static::Name(1), ":authority", "127.0.0.1:8443"),
    (Static::Field(4), ":path", "/"),
    (Static::Field(16), "accept-encoding", "gzip, deflate"),
    (Static::Name(58), "user-agent", "h2load nghttp2/1.52.0"),
];

/// Encodes as browsers do: Huffman-coded strings, every literal added to the dynamic table,
/// fields already in it sent as an index. The table never fills here, so no eviction.
#[derive(Default)]
struct BrowserEncoder {
    /// Newest first.
    table: Vec<(String, String)>,
}

fn integer(value: usize, prefix_bits: u32, first: u8, out: &mut Vec<u8>) {
    let mask = u8::MAX >> (8 - prefix_bits);
    if value < usize::from(mask) {
        out.push(first | value as u8);
        return;
    }
    out.push(first | mask);
    let mut rest = value - usize::from(mask);
    while rest >= 0x80 {
        out.push(rest as u8 | 0x80);
        rest >>= 7;
    }
    out.push(rest as u8);
}

fn huffman_string(s: &str, out: &mut Vec<u8>) {
    integer(huffman::encoded_len(s.as_bytes()), 7, 0x80, out);
    huffman::encode(s.as_bytes(), out);
}

impl BrowserEncoder {
    /// The block for `req`, with `path` instead of its own sent without indexing.
    fn block(&mut self, req: &Request, path: Option<&str>) -> Vec<u8> {
        let mut out = Vec::new();
        for &(st, name, value) in req {
            if let (":path", Some(p)) = (name, path) {
                out.push(0x04);
                huffman_string(p, &mut out);
                continue;
            }
            if let Static::Field(i) = st {
                out.push(0x80 | i);
                continue;
            }
            if let Some(i) = self.table.iter().position(|(n, v)| n == name && v == value) {
                integer(62 + i, 7, 0x80, &mut out);
                continue;
            }
            match st {
                Static::Name(i) => integer(usize::from(i), 6, 0x40, &mut out),
                _ => {
                    out.push(0x40);
                    huffman_string(name, &mut out);
                }
            }
            huffman_string(value, &mut out);
            self.table.insert(0, (name.to_string(), value.to_string()));
        }
        out
    }
}

fn fields(d: &mut Decoder, block: &[u8]) -> usize {
    let mut n = 0;
    d.decode(block, 65536, |_, _| n += 1)
        .expect("the block decodes");
    n
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("hpack");
    g.throughput(Throughput::Elements(1));
    for (name, req, next_path) in [
        ("browser", BROWSER, Some(BROWSER_NEXT_PATH)),
        ("h2load", H2LOAD, None),
    ] {
        let mut enc = BrowserEncoder::default();
        let first = enc.block(req, None);
        let repeat = enc.block(req, next_path);
        let mut warm = Decoder::new(4096);
        assert_eq!(fields(&mut warm, &first), req.len());
        assert_eq!(fields(&mut warm, &repeat), req.len());
        println!(
            "{name}: first block {} bytes, repeat {} bytes",
            first.len(),
            repeat.len()
        );
        g.bench_function(format!("decode_{name}_first"), |b| {
            b.iter_batched_ref(
                || Decoder::new(4096),
                |d| black_box(fields(d, black_box(&first))),
                BatchSize::NumIterations(64),
            )
        });
        g.bench_function(format!("decode_{name}_repeat"), |b| {
            b.iter(|| black_box(fields(&mut warm, black_box(&repeat))))
        });
    }
    // the browser's longest values, as one string
    let text: String = BROWSER.iter().map(|&(_, _, v)| v).collect();
    let mut coded = Vec::new();
    huffman::encode(text.as_bytes(), &mut coded);
    let mut decoded = Vec::with_capacity(text.len() * 2);
    g.throughput(Throughput::Bytes(coded.len() as u64));
    g.bench_function("huffman_decode", |b| {
        b.iter(|| {
            decoded.clear();
            huffman::decode(black_box(&coded), &mut decoded).expect("decodes");
            black_box(decoded.len())
        })
    });
    g.throughput(Throughput::Elements(1));
    let mut e = Encoder::new();
    let mut out = Vec::with_capacity(256);
    g.bench_function("encode_response", |b| {
        b.iter(|| {
            out.clear();
            e.status(black_box(200), &mut out);
            e.field(
                b"content-type",
                black_box(b"text/html; charset=utf-8"),
                &mut out,
            );
            e.field(b"content-length", black_box(b"1234"), &mut out);
            e.field(
                b"date",
                black_box(b"Tue, 24 Nov 2026 18:00:00 GMT"),
                &mut out,
            );
            e.field(b"server", black_box(b"rampart"), &mut out);
            black_box(out.len())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
