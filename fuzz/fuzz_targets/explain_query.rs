//! `explain` on the seed model with arbitrary query text, as typed on the command line:
//! endpoint and target parsing, then the path walk. Never panics, always terminates.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static SEED: OnceLock<model::Model> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let m = SEED.get_or_init(|| {
        model::load_str(include_str!("../../examples/seed.yaml"), "seed.yaml")
            .expect("the seed loads")
            .model
    });
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (from, to) = text.split_once('\n').unwrap_or((text, "lb-a:443"));
    let Ok(from) = analyze::EndpointSpec::parse(from) else {
        return;
    };
    let Ok((to, protocol, port, icmp_code)) = analyze::FlowQuery::parse_target(to) else {
        return;
    };
    let q = analyze::FlowQuery {
        from,
        to,
        protocol,
        port,
        icmp_code,
        source_ports: analyze::LINUX_EPHEMERAL,
        family: None,
    };
    if let Ok(e) = analyze::Analyzer::new(m).explain(&q) {
        assert!(!e.trace.is_empty() || !e.notes.is_empty());
    }
});
