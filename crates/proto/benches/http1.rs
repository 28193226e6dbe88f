//! Request-head parsing cost: a typical browser GET (~500 bytes, 10 headers) and a curl GET.
//! `cargo bench -p rampart-proto --bench http1`; the figure is ns per request.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use proto::http1::{
    ChunkedScanner, Limits, RequestHead, ResponseHead, parse_request, parse_response,
};
use std::hint::black_box;

const BROWSER_GET: &[u8] = b"GET /products/shoes/running?color=red&size=42&sort=price HTTP/1.1\r\n\
Host: www.example.com\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n\
Accept-Language: en-US,en;q=0.5\r\n\
Accept-Encoding: gzip, deflate, br, zstd\r\n\
Referer: https://www.example.com/products/shoes\r\n\
Connection: keep-alive\r\n\
Cookie: session=3f2a9c1e7b5d4e0f8a6c; theme=dark; consent=1\r\n\
Upgrade-Insecure-Requests: 1\r\n\
Sec-Fetch-Dest: document\r\n\r\n";

const CURL_GET: &[u8] =
    b"GET /health HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n";

const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nDate: Tue, 24 Nov 2026 18:00:00 GMT\r\n\
Content-Type: text/html; charset=utf-8\r\nContent-Length: 1234\r\nConnection: keep-alive\r\n\
Cache-Control: no-cache\r\nServer: nginx\r\n\r\n";

fn bench(c: &mut Criterion) {
    let limits = Limits::default();
    let mut g = c.benchmark_group("http1");
    for (name, req) in [("browser_get", BROWSER_GET), ("curl_get", CURL_GET)] {
        g.throughput(Throughput::Elements(1));
        let mut head = RequestHead::default();
        g.bench_function(name, |b| {
            b.iter(|| {
                let r = parse_request(black_box(req), &limits, &mut head);
                black_box((&r, head.head_len));
            })
        });
    }
    let mut resp = ResponseHead::default();
    let rl = Limits::response();
    g.bench_function("response", |b| {
        b.iter(|| {
            let r = parse_response(black_box(RESPONSE), false, &rl, &mut resp);
            black_box((&r, resp.head_len));
        })
    });
    let mut body = Vec::new();
    for _ in 0..16 {
        body.extend_from_slice(b"400\r\n");
        body.extend(std::iter::repeat_n(b'x', 0x400));
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"0\r\n\r\n");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("chunked_16k", |b| {
        b.iter(|| black_box(ChunkedScanner::new().scan(black_box(&body))))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
