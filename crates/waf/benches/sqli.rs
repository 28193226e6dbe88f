//! SQL injection detection cost: the whole benign list (`tests/data/sqli-benign.txt`, realistic
//! field values, most of them caught by the prefilter), typical values one by one, and attacks
//! (which run the grammar to a finding), at both sensitivities.
//! `cargo bench -p rampart-waf --bench sqli`; the benign list's figure is per value.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use waf::detect::sqli::{Sensitivity, detect};

const BENIGN: &str = include_str!("../tests/data/sqli-benign.txt");

const VALUES: &[(&str, &str)] = &[
    ("id", "1234567"),
    ("uuid", "550e8400-e29b-41d4-a716-446655440000"),
    ("email", "john.doe@example.com"),
    ("name", "O'Reilly"),
    ("search", "red running shoes size 10"),
    (
        "prose-sql-words",
        "select the best option and update your order",
    ),
    (
        "prose-apostrophes",
        "It's a beautiful day, isn't it? We went to the beach and swam for hours.",
    ),
    (
        "json",
        "{\"name\":\"John\",\"age\":30,\"city\":\"New York\"}",
    ),
    (
        "user-agent",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
         Chrome/120.0.0.0 Safari/537.36",
    ),
    (
        "prose-200",
        "Dear Sir or Madam, I'd like to order 2 or 3 boxes; please select the cheapest \
         shipping option and update me by email. We're moving on the 5th, so delivery from \
         Monday to Friday is best. Thanks!",
    ),
];

const ATTACKS: &[(&str, &str)] = &[
    ("tautology", "admin' or '1'='1'--"),
    (
        "union",
        "-1 UNION ALL SELECT NULL,NULL,CONCAT(0x71,version(),0x71)-- -",
    ),
    ("time", "1) and sleep(5)#"),
    (
        "stacked",
        "1;declare @q varchar(99);set @q='\\\\x.example\\a';exec master.dbo.xp_dirtree @q;--",
    ),
];

fn levels() -> [(&'static str, Sensitivity); 2] {
    [("low", Sensitivity::Low), ("high", Sensitivity::High)]
}

fn benign_list(c: &mut Criterion) {
    let values: Vec<&[u8]> = BENIGN
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::as_bytes)
        .collect();
    let mut g = c.benchmark_group("sqli/benign-list");
    g.throughput(Throughput::Elements(values.len() as u64));
    for (name, level) in levels() {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut hits = 0;
                for v in &values {
                    hits += usize::from(detect(black_box(v), level).is_some());
                }
                hits
            });
        });
    }
    g.finish();
}

fn one_by_one(c: &mut Criterion) {
    for (group, list) in [("sqli/benign", VALUES), ("sqli/attack", ATTACKS)] {
        let mut g = c.benchmark_group(group);
        for (name, value) in list {
            for (level_name, level) in levels() {
                g.bench_with_input(
                    BenchmarkId::new(*name, level_name),
                    value.as_bytes(),
                    |b, v| b.iter(|| detect(black_box(v), level)),
                );
            }
        }
        g.finish();
    }
}

criterion_group!(benches, benign_list, one_by_one);
criterion_main!(benches);
