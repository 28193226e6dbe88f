//! The analyzer on a large model: 10,000 security-group rules and 200 NACLs
//! (`tests/large_model`). Run: `cargo bench -p rampart-analyze --bench analyze`.

use analyze::{Analyzer, EndpointSpec, FlowQuery, LINUX_EPHEMERAL};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

#[path = "../tests/large_model/mod.rs"]
mod large_model;

fn load() -> model::Model {
    let m = model::load_str(&large_model::yaml(), "large.yaml")
        .unwrap_or_else(|e| panic!("the generated model is valid: {e}"))
        .model;
    let sg_rules: usize = m
        .security_groups
        .iter()
        .map(|g| g.ingress.len() + g.egress.len())
        .sum();
    assert!(sg_rules >= 10_000, "{sg_rules} security-group rules");
    assert!(
        m.network_acls.len() >= 200,
        "{} NACLs",
        m.network_acls.len()
    );
    m
}

fn queries() -> Vec<FlowQuery> {
    let q = |from: EndpointSpec, to: &str, port: u16| FlowQuery {
        from,
        to: EndpointSpec::Instance(to.to_owned()),
        protocol: model::TCP,
        port,
        icmp_code: 0,
        source_ports: LINUX_EPHEMERAL,
        family: None,
    };
    vec![
        // across subnets, allowed by a CIDR rule: the whole walk, request and reply
        q(EndpointSpec::Instance("i208".into()), "i300", 6004),
        // across subnets, allowed by a group reference
        q(EndpointSpec::Instance("i101".into()), "i300", 6001),
        // no rule matches: every rule of the destination's groups is scanned
        q(EndpointSpec::Instance("i5".into()), "i201", 9999),
        // from the internet through the gateway, denied by a NACL rule
        q(EndpointSpec::Internet, "i100", 22),
    ]
}

fn bench(c: &mut Criterion) {
    let m = load();
    let an = Analyzer::new(&m);
    let qs = queries();
    let verdicts: Vec<_> = qs
        .iter()
        .map(|q| an.explain(q).unwrap_or_else(|e| panic!("{e}")).verdict)
        .collect();
    use analyze::Verdict::{Allow, Deny};
    assert_eq!(
        verdicts,
        [Allow, Allow, Deny, Deny],
        "the queries exercise what they say"
    );
    c.bench_function("explain/10k-sg-rules-200-nacls", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % qs.len();
            black_box(an.explain(black_box(&qs[i])).map(|e| e.verdict))
        })
    });
    c.bench_function("analyzer-new/10k-sg-rules-200-nacls", |b| {
        b.iter(|| black_box(Analyzer::new(black_box(&m))))
    });
    c.bench_function("audit/10k-sg-rules-200-nacls", |b| {
        b.iter(|| black_box(analyze::audit(black_box(&m))))
    });
    c.bench_function("load/10k-sg-rules-200-nacls", |b| {
        let y = large_model::yaml();
        b.iter(|| {
            black_box(model::load_str(black_box(&y), "large.yaml").map(|v| v.model.instances.len()))
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
