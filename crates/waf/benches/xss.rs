//! The cross-site scripting detector on typical benign values and on attacks.
//!
//! `cargo bench -p rampart-waf --bench xss`

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use waf::detect::xss;

/// Benign values of the kinds a web ACL inspects, 10 to 200 bytes.
const BENIGN: &[&str] = &[
    "O'Reilly",
    "wireless headphones under $50",
    "john.doe@example.com",
    "2024-01-15T10:30:00Z",
    "550e8400-e29b-41d4-a716-446655440000",
    "Great product! Would buy again :) Shipping was fast (2 days) and the packaging was great!",
    "If x < 3 then y > 7, otherwise y = 0. Results: group A > group B (p < 0.05).",
    "<p>Hello <b>world</b>! Read the <a href=\"https://example.com/docs?id=1&amp;lang=en\" target=\"_blank\">docs</a>.</p>",
    "<img src=\"https://cdn.example.com/img/photo.png\" alt=\"A photo of a cat\" width=\"300\" height=\"200\">",
    "{\"query\":\"select the best option\",\"filters\":{\"price\":{\"lt\":100}},\"page\":1}",
    "https://example.com/search?q=shoes&sort=price_asc&page=2&utm_source=newsletter&utm_medium=email",
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
];

/// Attacks: the detector stops at the first finding.
const ATTACKS: &[&str] = &[
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
    "';alert(String.fromCharCode(88,83,83))//",
    "{{constructor.constructor('alert(1)')()}}",
];

fn bench(c: &mut Criterion) {
    c.bench_function("xss/benign (12 values)", |b| {
        b.iter(|| {
            for v in BENIGN {
                black_box(xss::detect(black_box(v.as_bytes())));
            }
        })
    });
    c.bench_function("xss/attacks (5 values)", |b| {
        b.iter(|| {
            for v in ATTACKS {
                black_box(xss::detect(black_box(v.as_bytes())));
            }
        })
    });
    let long = "lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(150);
    c.bench_function("xss/benign prose 8 KB", |b| {
        b.iter(|| black_box(xss::detect(black_box(long.as_bytes()))))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
