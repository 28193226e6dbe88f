//! Text transformation cost: the chains managed rules use most, on a benign 100-byte value (a
//! User-Agent) and a benign 4 KiB form body with some percent-encoding; then the JSON body
//! parser on a 4 KiB document, beside serde_json parsing it into a `Value` in the same run.
//! `cargo bench -p rampart-waf --bench transform`; the figures are ns per value and bytes per
//! second.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use waf::json_body::{self, Limits, MatchPattern, MatchScope};
use waf::transform::{Transformation as T, apply_chain};

const CHAINS: &[(&str, &[T])] = &[
    ("none", &[T::None]),
    ("lowercase", &[T::Lowercase]),
    ("url_decode", &[T::UrlDecode]),
    (
        "url_html_lower",
        &[T::UrlDecode, T::HtmlEntityDecode, T::Lowercase],
    ),
    (
        "xss_full",
        &[
            T::UrlDecodeUni,
            T::HtmlEntityDecode,
            T::JsDecode,
            T::CssDecode,
            T::Lowercase,
            T::CompressWhiteSpace,
        ],
    ),
    ("path", &[T::UrlDecode, T::NormalizePath]),
    ("cmd_line", &[T::UrlDecode, T::CmdLine]),
    (
        "sqli",
        &[
            T::UrlDecode,
            T::ReplaceComments,
            T::CompressWhiteSpace,
            T::Lowercase,
        ],
    ),
];

/// A browser's User-Agent cut to 100 bytes.
fn value_100() -> Vec<u8> {
    let ua = b"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Safari/537.36";
    ua[..100].to_vec()
}

/// A form body of 4096 bytes: fields with spaces as `+` and a few `%XX`.
fn body_4k() -> Vec<u8> {
    let field = b"name=Jane+Doe&email=jane.doe%40example.com&comment=Looks+great%2C+thanks+for+the+quick+reply%21&";
    let mut body = Vec::with_capacity(4096);
    while body.len() < 4096 {
        let take = field.len().min(4096 - body.len());
        body.extend_from_slice(&field[..take]);
    }
    body
}

/// A JSON document of about 4 KiB: an order with line items.
fn json_4k() -> Vec<u8> {
    let mut s = String::from(
        "{\"order\":{\"id\":\"A-1029\",\"customer\":{\"name\":\"Jane Doe\",\"email\":\"jane@example.com\"},\"items\":[",
    );
    let mut i = 0;
    while s.len() < 4000 {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!(
            "{{\"sku\":\"SKU-{i:04}\",\"qty\":{},\"price\":{}.99,\"note\":\"gift wrap \\u00e9\"}}",
            i % 5 + 1,
            i * 3 + 4
        ));
        i += 1;
    }
    s.push_str("]}}");
    s.into_bytes()
}

fn transforms(c: &mut Criterion) {
    for (label, input) in [("100B", value_100()), ("4KiB", body_4k())] {
        let mut group = c.benchmark_group(format!("transform/{label}"));
        group.throughput(Throughput::Bytes(input.len() as u64));
        for (name, chain) in CHAINS {
            group.bench_function(*name, |b| {
                b.iter(|| apply_chain(black_box(chain), black_box(&input)).len())
            });
        }
        group.finish();
    }
}

fn json(c: &mut Criterion) {
    let body = json_4k();
    let mut group = c.benchmark_group("json_body/4KiB");
    group.throughput(Throughput::Bytes(body.len() as u64));
    let limits = Limits::default();
    group.bench_function("parse", |b| {
        b.iter(|| json_body::parse(black_box(&body), &limits).elements().len())
    });
    // for scale, in the same run: serde_json building a `Value` of the same document
    group.bench_function("serde_json_value", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&body)).is_ok())
    });
    let parsed = json_body::parse(&body, &limits);
    let pointers = MatchPattern::IncludedPaths(vec![
        json_body::JsonPointer::parse("/order/items/3").expect("pointer"),
        json_body::JsonPointer::parse("/order/customer/email").expect("pointer"),
    ]);
    group.bench_function("select_included_paths", |b| {
        b.iter(|| json_body::select(black_box(&parsed), &pointers, MatchScope::All).count())
    });
    group.finish();
}

criterion_group!(benches, transforms, json);
criterion_main!(benches);
