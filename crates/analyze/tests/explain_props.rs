//! explain's verdict equals the composition of the pure evaluators, as AWS composes them:
//! source SG egress → NACL out → NACL in → destination SG ingress, then the reply through both
//! NACLs again for every ephemeral port (security groups pass it by state). NACLs apply only
//! when the flow crosses a subnet boundary.

#![allow(clippy::unwrap_used)]

use std::fmt::Write;
use std::net::IpAddr;

use analyze::{Analyzer, EndpointSpec, Flow, FlowQuery, Host, Verdict};
use model::{
    Direction, Family, InstanceIdx, L4, Model, Packet, PortRange, SgContext, SubnetIdx, l4_for,
};
use proptest::prelude::*;

const CIDRS_V4: &[&str] = &[
    "0.0.0.0/0",
    "0.0.0.0/0",
    "0.0.0.0/0",
    "10.0.0.0/16",
    "10.0.1.0/24",
    "10.0.2.0/24",
    "10.0.3.0/24",
    "10.0.1.10/32",
    "198.51.100.0/24",
];
const CIDRS_V6: &[&str] = &["::/0", "::/0", "2600:1f18:0:1::/64", "2600:1f18:0:2::/64"];
const PROTOS: &[&str] = &["tcp", "udp", "icmp", "all", "all", "all", "47"];
const PORTS: &[&str] = &[
    "22",
    "443",
    "0-65535",
    "1024-65535",
    "32768-61000",
    "80-443",
    "0",
    "65535",
];

#[derive(Clone, Debug)]
struct GenRule {
    proto: usize,
    ports: usize,
    icmp: Option<(u8, Option<u8>)>,
    cidr: usize,
    v6: bool,
    allow: bool,
    sg_ref: Option<usize>,
}

fn rule() -> impl Strategy<Value = GenRule> {
    (
        0..PROTOS.len(),
        0..PORTS.len(),
        prop::option::of((
            prop::sample::select(vec![0u8, 3, 8, 11]),
            prop::option::of(0u8..5),
        )),
        0..CIDRS_V4.len(),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.7),
        prop::option::weighted(0.25, 0..3usize),
    )
        .prop_map(|(proto, ports, icmp, cidr, v6, allow, sg_ref)| GenRule {
            proto,
            ports,
            icmp,
            cidr,
            v6,
            allow,
            sg_ref,
        })
}

fn l4_yaml(r: &GenRule, out: &mut String) {
    let proto = PROTOS[r.proto];
    let _ = write!(out, "protocol: {proto}");
    match proto {
        "tcp" | "udp" => {
            let _ = write!(out, ", ports: \"{}\"", PORTS[r.ports]);
        }
        "icmp" => {
            if let Some((t, c)) = r.icmp {
                let _ = write!(out, ", icmp_type: {t}");
                if let Some(c) = c {
                    let _ = write!(out, ", icmp_code: {c}");
                }
            }
        }
        _ => {}
    }
}

fn cidr(r: &GenRule) -> &'static str {
    if r.v6 {
        CIDRS_V6[r.cidr % CIDRS_V6.len()]
    } else {
        CIDRS_V4[r.cidr]
    }
}

#[derive(Clone, Debug)]
struct GenModel {
    nacls: Vec<(Vec<GenRule>, Vec<GenRule>)>,
    sgs: Vec<(Vec<GenRule>, Vec<GenRule>)>,
    /// (subnet 0..3, groups bitmask, public ip)
    instances: Vec<(usize, u8, bool)>,
}

fn gen_model() -> impl Strategy<Value = GenModel> {
    let rules = || prop::collection::vec(rule(), 0..7);
    (
        prop::collection::vec((rules(), rules()), 3),
        prop::collection::vec((rules(), rules()), 3),
        prop::collection::vec((0..3usize, 1..8u8, any::<bool>()), 2..6),
    )
        .prop_map(|(nacls, sgs, instances)| GenModel {
            nacls,
            sgs,
            instances,
        })
}

/// Subnets a and b are public (0.0.0.0/0 and ::/0 to the internet gateway); c is private.
fn render(g: &GenModel) -> String {
    let mut y = String::from(
        "vpc: {cidr_blocks: [10.0.0.0/16], ipv6_cidr_blocks: ['2600:1f18::/56']}\n\
         internet_gateway: {name: igw}\n\
         route_tables:\n  public:\n    routes:\n\
         \x20     - {destination: 0.0.0.0/0, target: internet_gateway}\n\
         \x20     - {destination: '::/0', target: internet_gateway}\n\
         subnets:\n",
    );
    for (i, n) in ["a", "b", "c"].iter().enumerate() {
        let rt = if i < 2 { ", route_table: public" } else { "" };
        let _ = writeln!(
            y,
            "  {n}: {{cidr: 10.0.{}.0/24, ipv6_cidr: '2600:1f18:0:{}::/64', network_acl: n{i}{rt}}}",
            i + 1,
            i + 1
        );
    }
    y.push_str("network_acls:\n");
    for (i, (ing, eg)) in g.nacls.iter().enumerate() {
        let _ = writeln!(y, "  n{i}:");
        for (dir, rules) in [("ingress", ing), ("egress", eg)] {
            let _ = writeln!(y, "    {dir}:");
            for (k, r) in rules.iter().enumerate() {
                let _ = write!(
                    y,
                    "      - {{rule: {}, action: {}, cidr: '{}', ",
                    (k + 1) * 10,
                    if r.allow { "allow" } else { "deny" },
                    cidr(r)
                );
                l4_yaml(r, &mut y);
                y.push_str("}\n");
            }
            if rules.is_empty() {
                y.truncate(y.len() - 1);
                y.push_str(" []\n");
            }
        }
    }
    y.push_str("security_groups:\n");
    for (i, (ing, eg)) in g.sgs.iter().enumerate() {
        let _ = writeln!(y, "  g{i}:");
        for (dir, rules) in [("ingress", ing), ("egress", eg)] {
            let _ = writeln!(y, "    {dir}:");
            let mut seen = Vec::new();
            for r in rules {
                let mut line = String::from("      - {");
                match r.sg_ref {
                    Some(g) => {
                        let _ = write!(line, "security_group: g{g}, ");
                    }
                    None => {
                        let _ = write!(line, "cidr: '{}', ", cidr(r));
                    }
                }
                l4_yaml(r, &mut line);
                line.push_str("}\n");
                // AWS refuses duplicate rules; so does the model.
                if !seen.contains(&line) {
                    y.push_str(&line);
                    seen.push(line);
                }
            }
            if seen.is_empty() {
                y.truncate(y.len() - 1);
                y.push_str(" []\n");
            }
        }
    }
    y.push_str("instances:\n");
    for (i, (s, groups, public)) in g.instances.iter().enumerate() {
        let gs: Vec<String> = (0..3)
            .filter(|b| groups & (1 << b) != 0)
            .map(|b| format!("g{b}"))
            .collect();
        let _ = write!(
            y,
            "  i{i}: {{subnet: {}, private_ips: [10.0.{}.{}], ipv6_addresses: ['2600:1f18:0:{}::{}'], security_groups: [{}]",
            ["a", "b", "c"][*s],
            s + 1,
            10 + i,
            s + 1,
            10 + i,
            gs.join(", ")
        );
        if *public {
            let _ = write!(y, ", public_ip: 203.0.113.{}", 10 + i);
        }
        y.push_str("}\n");
    }
    y
}

fn nacl_allows(m: &Model, s: SubnetIdx, dir: Direction, p: &Packet, ports: PortRange) -> bool {
    let acl = m.network_acl(m.subnet(s).network_acl);
    match p.l4 {
        L4::Ports { .. } => acl
            .evaluate_dst_ports(dir, p, ports)
            .iter()
            .all(|(_, d)| d.allowed()),
        _ => acl.evaluate(dir, p).allowed(),
    }
}

fn sg_allows(m: &Model, i: InstanceIdx, dir: Direction, p: &Packet) -> bool {
    m.evaluate_security_groups(&m.instance(i).security_groups, dir, p, SgContext::default())
        .is_some()
}

/// The AWS composition, written out for the paths these models have: local routing between
/// instances, and the internet through the internet gateway (public IPv4 or global IPv6).
fn oracle(m: &Model, an: &Analyzer, flow: &Flow, dst: Option<InstanceIdx>, family: Family) -> bool {
    let icmp_type = u8::try_from(flow.port).unwrap_or(0);
    let l4 = l4_for(
        flow.protocol,
        flow.source_ports.from,
        flow.port,
        icmp_type,
        flow.icmp_code,
    );
    let public = |s: SubnetIdx| m.routes_to_internet_gateway(s);
    match (flow.src, dst) {
        (Host::Instance(a), Some(b)) => {
            let (sa, sb) = (m.instance(a).subnet, m.instance(b).subnet);
            let p = Packet {
                src: flow.src_addr,
                dst: flow.dst_addr,
                protocol: flow.protocol,
                l4,
            };
            let cross = sa != sb;
            let request = sg_allows(m, a, Direction::Egress, &p)
                && (!cross
                    || (nacl_allows(m, sa, Direction::Egress, &p, PortRange::single(flow.port))
                        && nacl_allows(
                            m,
                            sb,
                            Direction::Ingress,
                            &p,
                            PortRange::single(flow.port),
                        )))
                && sg_allows(m, b, Direction::Ingress, &p);
            let reply = match p.reply() {
                None => true,
                Some(r) => {
                    !cross
                        || (nacl_allows(m, sb, Direction::Egress, &r, flow.source_ports)
                            && nacl_allows(m, sa, Direction::Ingress, &r, flow.source_ports))
                }
            };
            request && reply
        }
        (Host::External, Some(b)) => {
            let inst = m.instance(b);
            let sb = inst.subnet;
            let private = match family {
                Family::Ipv4 => match inst.public_ip {
                    Some(_) => IpAddr::V4(inst.private_ips[0]),
                    None => return false,
                },
                Family::Ipv6 => IpAddr::V6(inst.ipv6_addresses[0]),
            };
            let p = Packet {
                src: flow.src_addr,
                dst: private,
                protocol: flow.protocol,
                l4,
            };
            let request = nacl_allows(m, sb, Direction::Ingress, &p, PortRange::single(flow.port))
                && sg_allows(m, b, Direction::Ingress, &p);
            let reply = match p.reply() {
                None => true,
                Some(r) => {
                    public(sb) && nacl_allows(m, sb, Direction::Egress, &r, flow.source_ports)
                }
            };
            request && reply
        }
        (Host::Instance(a), None) => {
            let inst = m.instance(a);
            let sa = inst.subnet;
            let p = Packet {
                src: flow.src_addr,
                dst: an.internet_address(family),
                protocol: flow.protocol,
                l4,
            };
            let leaves = public(sa) && (family == Family::Ipv6 || inst.public_ip.is_some());
            let request = sg_allows(m, a, Direction::Egress, &p)
                && leaves
                && nacl_allows(m, sa, Direction::Egress, &p, PortRange::single(flow.port));
            let reply = match p.reply() {
                None => true,
                Some(r) => nacl_allows(m, sa, Direction::Ingress, &r, flow.source_ports),
            };
            request && reply
        }
        (Host::External, None) => unreachable!("flows always touch the VPC"),
    }
}

fn flow_strategy() -> impl Strategy<Value = (usize, usize, usize, u16, u8, bool, PortRange)> {
    (
        0..7usize,
        0..7usize,
        prop::sample::select(vec![6usize, 17, 1, 47]),
        prop::sample::select(vec![0u16, 22, 80, 443, 1024, 8080, 40000, 65535, 8, 3]),
        0u8..5,
        prop::bool::weighted(0.25),
        prop::sample::select(vec![
            PortRange {
                from: 32768,
                to: 61000,
            },
            PortRange::single(40000),
            PortRange {
                from: 1024,
                to: 65535,
            },
        ]),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn explain_verdict_equals_composed_evaluators(
        g in gen_model(),
        (from, to, proto, port, code, v6, source_ports) in flow_strategy(),
    ) {
        let yaml = render(&g);
        let m = model::load_str(&yaml, "gen.yaml").map_err(|e| TestCaseError::fail(format!("{e}\n{yaml}")))?.model;
        let an = Analyzer::new(&m);
        let n = m.instances.len();
        let family = if v6 { Family::Ipv6 } else { Family::Ipv4 };
        // Index n stands for the internet.
        let (from, to) = (from % (n + 1), to % (n + 1));
        let port = if proto == 1 { port % 256 } else { port };
        prop_assume!(from != to);
        let spec = |i: usize| if i == n {
            EndpointSpec::Internet
        } else {
            EndpointSpec::Instance(m.instance(InstanceIdx(i as u32)).name.clone())
        };
        let q = FlowQuery {
            from: spec(from),
            to: spec(to),
            protocol: proto as u8,
            port,
            icmp_code: code,
            source_ports,
            family: Some(family),
        };
        let e = an.explain(&q).unwrap();
        let src = if from == n { Host::External } else { Host::Instance(InstanceIdx(from as u32)) };
        let dst = (to < n).then_some(InstanceIdx(to as u32));
        let flow = Flow {
            src,
            src_addr: e.flow.src_addr,
            dst_addr: e.flow.dst_addr,
            protocol: proto as u8,
            port,
            icmp_code: code,
            source_ports,
        };
        let expected = oracle(&m, &an, &flow, dst, family);
        STATS.record(expected, e.decided_by.layer);
        prop_assert_eq!(
            e.verdict == Verdict::Allow,
            expected,
            "flow {:?}\nexplanation:\n{}\nmodel:\n{}",
            flow,
            e.to_text(),
            yaml
        );
        // The deciding step of a deny is the first denying step, and it was reached.
        if e.verdict == Verdict::Deny {
            let first = e.trace.iter().find(|s| s.verdict == analyze::StepVerdict::Deny).unwrap();
            prop_assert!(first.reached);
            prop_assert_eq!(first.layer, e.decided_by.layer);
        }
    }
}

/// Counts of what the generated cases exercised, checked at the end so that a generator that
/// drifts into "everything is denied by the first layer" fails loudly.
struct Stats(std::sync::Mutex<std::collections::BTreeMap<String, usize>>);

static STATS: Stats = Stats(std::sync::Mutex::new(std::collections::BTreeMap::new()));

impl Stats {
    fn record(&self, allowed: bool, layer: analyze::Layer) {
        let key = if allowed {
            "allow".to_owned()
        } else {
            format!("deny:{layer:?}")
        };
        *self.0.lock().unwrap().entry(key).or_default() += 1;
    }
}

#[test]
fn generated_flows_cover_every_outcome() {
    explain_verdict_equals_composed_evaluators();
    let stats = STATS.0.lock().unwrap().clone();
    eprintln!("outcomes: {stats:?}");
    let total: usize = stats.values().sum();
    for key in [
        "allow",
        "deny:NetworkAcl",
        "deny:SecurityGroup",
        "deny:InternetGateway",
    ] {
        let n = stats.get(key).copied().unwrap_or(0);
        assert!(
            n * 50 >= total,
            "{key} is under 2% of {total} cases: {stats:?}"
        );
    }
}
