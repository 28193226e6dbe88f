//! `cargo bench -p rampart-analyze --bench audit`: the audit of a VPC with 10,000 security group
//! rules, 200 network ACLs and 400 instances.

#![allow(clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};

#[path = "../tests/large_model/mod.rs"]
mod large_model;

fn audit_large(c: &mut Criterion) {
    let m = model::load_str(&large_model::yaml(), "large.yaml")
        .unwrap()
        .model;
    c.bench_function("audit 10k SG rules, 200 NACLs", |b| {
        b.iter(|| analyze::audit(std::hint::black_box(&m)))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = audit_large
}
criterion_main!(benches);
