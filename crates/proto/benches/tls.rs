//! ClientHello cost: parsing curl's 517-byte ClientHello (captured, `tests/tls_hellos/`) in one
//! piece and in TCP-sized pieces of 100 bytes, and computing its JA3 and JA4.
//! `cargo bench -p rampart-proto --bench tls`; the figure is ns per ClientHello.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use proto::tls::{ClientHello, ClientHelloParser, Progress, Transport, parse_client_hello};
use std::hint::black_box;

fn curl_hello() -> Vec<u8> {
    let text = include_str!("../tests/tls_hellos/curl-default.hex");
    let hex: String = text
        .split_once("hex:\n")
        .map(|(_, h)| h.split_whitespace().collect())
        .unwrap_or_default();
    (0..hex.len())
        .step_by(2)
        .filter_map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

fn parsed(bytes: &[u8]) -> ClientHello {
    match parse_client_hello(bytes) {
        Progress::Done(h) => h,
        other => panic!("{other:?}"),
    }
}

fn bench(c: &mut Criterion) {
    let bytes = curl_hello();
    let hello = parsed(&bytes);
    let mut g = c.benchmark_group("tls");
    g.throughput(Throughput::Elements(1));
    g.bench_function("parse", |b| {
        b.iter(|| parse_client_hello(black_box(&bytes)))
    });
    g.bench_function("parse_in_100_byte_pieces", |b| {
        b.iter(|| {
            let mut p = ClientHelloParser::new();
            let mut last = Progress::Incomplete;
            for piece in black_box(&bytes).chunks(100) {
                last = p.push(piece);
            }
            last
        })
    });
    g.bench_function("ja3", |b| b.iter(|| black_box(&hello).ja3_hash()));
    g.bench_function("ja4", |b| b.iter(|| black_box(&hello).ja4(Transport::Tcp)));
    g.bench_function("parse_ja3_ja4", |b| {
        b.iter(|| {
            let h = parsed(black_box(&bytes));
            (h.ja3_hash(), h.ja4(Transport::Tcp))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
