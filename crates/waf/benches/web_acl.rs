//! Evaluating typical requests against Rampart's default web ACL (every managed rule group):
//! the WAF's cost per request on the load balancer's path.

#![allow(clippy::unwrap_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use waf::{Header, Options, Request, Resources};

fn default_acl() -> waf::WebAcl {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/waf/default-web-acl.json"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let loaded = waf::acl::load_web_acl(&text).unwrap();
    waf::compile(&loaded.value, loaded.search_strings, &Resources::default()).unwrap()
}

const BROWSER: &[(&str, &[u8])] = &[
    ("Host", b"shop.example.com"),
    (
        "User-Agent",
        b"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    ),
    (
        "Accept",
        b"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    ),
    ("Accept-Language", b"en-GB,en;q=0.5"),
    ("Accept-Encoding", b"gzip, deflate, br"),
    ("Referer", b"https://shop.example.com/catalog?page=2"),
    (
        "Cookie",
        b"session=8f14e45fceea167a5a36dedd4bea2543; _ga=GA1.2.1234567890.1700000000; theme=dark",
    ),
    ("Connection", b"keep-alive"),
];

/// The headers `bench/l7.sh` sends on its small GET.
const L7_HEADERS: &[(&str, &[u8])] = &[
    ("Host", b"shop.example.com"),
    (
        "User-Agent",
        b"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    ),
    (
        "Accept",
        b"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    ),
    ("Accept-Language", b"en-GB,en;q=0.5"),
];

/// `bench/l7/post.lua`'s body: 2048 bytes, 32 fields of one repeated letter each.
fn l7_form_body() -> Vec<u8> {
    let fields: Vec<String> = (0..32u8)
        .map(|i| {
            let len = if i == 31 { 60 } else { 59 };
            let letter = char::from(b'a' + i % 26);
            format!("f{i:02}={}", letter.to_string().repeat(len))
        })
        .collect();
    let body = fields.join("&").into_bytes();
    assert_eq!(body.len(), 2048);
    body
}

fn bench(c: &mut Criterion) {
    let acl = default_acl();
    let opts = Options {
        now: 1_700_000_000,
        ..Options::default()
    };
    let headers: Vec<Header<'_>> = BROWSER
        .iter()
        .map(|(n, v)| Header { name: n, value: v })
        .collect();
    let get = Request {
        client_ip: "198.51.100.7".parse().unwrap(),
        method: "GET",
        uri: "/products/shoes?color=blue&size=42&q=running+shoes",
        http_version: "HTTP/1.1",
        headers: &headers,
        body: b"",
        body_len: None,
        ja3: None,
        ja4: None,
    };
    let form = b"name=Jane+O%27Reilly&email=jane%40example.com&message=Hello%2C+I+would+like+to+update+my+order+and+select+a+different+size.+Thanks%21";
    let mut post_headers = headers.clone();
    post_headers.push(Header {
        name: "Content-Type",
        value: b"application/x-www-form-urlencoded",
    });
    let post = Request {
        method: "POST",
        uri: "/contact",
        headers: &post_headers,
        body: form,
        body_len: Some(form.len() as u64),
        ..get
    };
    let attack = Request {
        uri: "/products?id=1%27%20UNION%20SELECT%20password%20FROM%20users--",
        ..get
    };
    // the requests of `bench/l7.sh --waf`: its small GET, and its 2 KB form POST
    // (`bench/l7/post.lua`: 32 fields `fNN=` + 59 letters, the last one 60)
    let l7_headers: Vec<Header<'_>> = L7_HEADERS
        .iter()
        .map(|(n, v)| Header { name: n, value: v })
        .collect();
    let l7_get = Request {
        uri: "/small",
        headers: &l7_headers,
        ..get
    };
    let l7_form = l7_form_body();
    let mut l7_post_headers = l7_headers.clone();
    l7_post_headers.push(Header {
        name: "Content-Type",
        value: b"application/x-www-form-urlencoded",
    });
    let l7_len = l7_form.len().to_string();
    l7_post_headers.push(Header {
        name: "Content-Length",
        value: l7_len.as_bytes(),
    });
    let l7_post = Request {
        method: "POST",
        uri: "/form",
        headers: &l7_post_headers,
        body: &l7_form,
        body_len: Some(l7_form.len() as u64),
        ..get
    };
    let mut g = c.benchmark_group("default web ACL");
    g.throughput(Throughput::Elements(1));
    g.bench_function("browser GET", |b| {
        b.iter(|| acl.evaluate(black_box(&get), opts))
    });
    g.bench_function("form POST", |b| {
        b.iter(|| acl.evaluate(black_box(&post), opts))
    });
    g.bench_function("SQLi GET (blocked)", |b| {
        b.iter(|| acl.evaluate(black_box(&attack), opts))
    });
    g.bench_function("l7 GET", |b| {
        b.iter(|| acl.evaluate(black_box(&l7_get), opts))
    });
    g.bench_function("l7 form POST 2 KB", |b| {
        b.iter(|| acl.evaluate(black_box(&l7_post), opts))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
