#![allow(clippy::unwrap_used)]

use std::path::Path;

use analyze::{
    Analyzer, EndpointSpec, Explanation, FlowQuery, LINUX_EPHEMERAL, Layer, Leg, RuleRef,
    StepVerdict, Verdict,
};
use model::{Direction, Model};

fn seed() -> Model {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/seed.yaml");
    model::load_file(&p).unwrap().model
}

fn load(yaml: &str) -> Model {
    model::load_str(yaml, "test.yaml").unwrap().model
}

fn explain(m: &Model, from: &str, to: &str) -> Explanation {
    let (to, protocol, port, icmp_code) = FlowQuery::parse_target(to).unwrap();
    let q = FlowQuery {
        from: EndpointSpec::parse(from).unwrap(),
        to,
        protocol,
        port,
        icmp_code,
        source_ports: LINUX_EPHEMERAL,
        family: None,
    };
    Analyzer::new(m).explain(&q).unwrap()
}

fn layers(e: &Explanation, leg: Leg) -> Vec<(Layer, StepVerdict)> {
    e.trace
        .iter()
        .filter(|s| s.leg == leg)
        .map(|s| (s.layer, s.verdict))
        .collect()
}

/// The seed article: "the NACL allows 443 in, but the security group does not, therefore the
/// connection gets lost".
#[test]
fn nacl_allows_443_but_security_group_does_not() {
    let m = load(
        "vpc: {cidr_blocks: [10.0.0.0/16]}\n\
         internet_gateway: {name: igw}\n\
         route_tables:\n  public: {routes: [{destination: 0.0.0.0/0, target: internet_gateway}]}\n\
         subnets:\n  public: {cidr: 10.0.1.0/24, route_table: public, network_acl: public}\n\
         network_acls:\n  public:\n\
         \x20   ingress: [{rule: 100, action: allow, protocol: tcp, ports: 443, cidr: 0.0.0.0/0}]\n\
         \x20   egress: [{rule: 100, action: allow, protocol: tcp, ports: 1024-65535, cidr: 0.0.0.0/0}]\n\
         security_groups:\n  web: {ingress: [{protocol: tcp, ports: 80, cidr: 0.0.0.0/0}]}\n\
         instances:\n  web-1: {subnet: public, private_ips: [10.0.1.10], public_ip: 203.0.113.10, security_groups: [web]}\n",
    );
    let e = explain(&m, "internet", "web-1:443");
    assert_eq!(e.verdict, Verdict::Deny);
    assert_eq!(e.decided_by.layer, Layer::SecurityGroup);
    let nacl = e
        .trace
        .iter()
        .position(|s| s.layer == Layer::NetworkAcl && s.direction == Some(Direction::Ingress))
        .unwrap();
    let sg = e
        .trace
        .iter()
        .position(|s| s.layer == Layer::SecurityGroup && s.verdict == StepVerdict::Deny)
        .unwrap();
    assert!(nacl < sg, "the NACL step comes first");
    assert_eq!(e.trace[nacl].verdict, StepVerdict::Allow);
    assert!(matches!(
        &e.trace[nacl].rule,
        Some(RuleRef::NaclRule { rule, .. }) if rule == "100"
    ));
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["verdict"], "deny");
    assert_eq!(json["decided_by"]["layer"], "security_group");
    assert!(json["trace"].as_array().unwrap().len() >= 3);
}

#[test]
fn seed_https_to_the_load_balancer_passes_the_firewall_both_ways() {
    let e = explain(&seed(), "internet", "lb-a:443");
    assert_eq!(e.verdict, Verdict::Allow);
    assert!(matches!(
        &e.decided_by.rule,
        Some(RuleRef::SecurityGroupRule { group, index: 0, .. }) if group == "lb"
    ));
    for leg in [Leg::Request, Leg::Reply] {
        assert!(
            layers(&e, leg).contains(&(Layer::FirewallEndpoint, StepVerdict::Pass)),
            "{leg:?} goes through the firewall endpoint"
        );
    }
    assert!(e.notes.is_empty(), "{:?}", e.notes);
}

#[test]
fn seed_http_reaches_the_load_balancer_for_its_redirect() {
    let m = seed();
    for (to, index) in [("lb-a:80", 2), ("[2600:1f18:6e:5601::10]:80", 3)] {
        let e = explain(&m, "internet", to);
        assert_eq!(e.verdict, Verdict::Allow, "{to}");
        assert!(
            matches!(
                &e.decided_by.rule,
                Some(RuleRef::SecurityGroupRule { group, index: i, .. }) if group == "lb" && *i == index
            ),
            "{to}: {:?}",
            e.decided_by
        );
    }
}

/// The public NACL opens 1024-65535 from anywhere for replies, and NACLs are stateless, so a
/// new connection to 8080 passes it too; the security group is what stops it.
#[test]
fn seed_8080_passes_the_nacl_reply_rule_but_not_the_security_group() {
    let e = explain(&seed(), "internet", "lb-a:8080");
    assert_eq!(e.verdict, Verdict::Deny);
    assert_eq!(e.decided_by.layer, Layer::SecurityGroup);
    let public_nacl = e.trace.iter().find_map(|s| match &s.rule {
        Some(RuleRef::NaclRule {
            network_acl, rule, ..
        }) if network_acl == "public" => Some((rule.as_str(), s.verdict)),
        _ => None,
    });
    assert_eq!(public_nacl, Some(("120", StepVerdict::Allow)));
    // Everything after the deciding step is shown, but marked as not reached.
    let d = e
        .trace
        .iter()
        .position(|s| s.verdict == StepVerdict::Deny)
        .unwrap();
    assert!(e.trace[..=d].iter().all(|s| s.reached));
    assert!(e.trace[d + 1..].iter().all(|s| !s.reached));
}

#[test]
fn seed_private_instances_reach_out_through_the_nat_gateway_only() {
    let m = seed();
    let e = explain(&m, "app-1", "internet:443");
    assert_eq!(e.verdict, Verdict::Allow);
    assert!(layers(&e, Leg::Request).contains(&(Layer::NatGateway, StepVerdict::Pass)));
    assert!(layers(&e, Leg::Reply).contains(&(Layer::NatGateway, StepVerdict::Pass)));
    // The NAT's side of the reply is judged for the NAT's ports, the instance's side for its own.
    let reply_nacls: Vec<&str> = e
        .trace
        .iter()
        .filter(|s| s.leg == Leg::Reply && s.layer == Layer::NetworkAcl)
        .map(|s| s.packet.as_str())
        .collect();
    assert!(reply_nacls.iter().any(|p| p.ends_with(":1024-65535")));
    assert!(reply_nacls.iter().any(|p| p.ends_with(":32768-61000")));

    let e = explain(&m, "internet", "app-1:443");
    assert_eq!(e.verdict, Verdict::Deny);
    assert_eq!(e.decided_by.layer, Layer::InternetGateway);

    let e = explain(&m, "internet", "203.0.113.20:443");
    assert_eq!(e.verdict, Verdict::Deny);
    assert_eq!(e.decided_by.layer, Layer::NatGateway);
}

#[test]
fn seed_security_groups_chain_lb_app_db() {
    let m = seed();
    let e = explain(&m, "lb-a", "app-1:8080");
    assert_eq!(e.verdict, Verdict::Allow);
    assert!(matches!(
        &e.decided_by.rule,
        Some(RuleRef::SecurityGroupRule { group, .. }) if group == "app"
    ));
    // app and db share a subnet: no NACL is consulted.
    let e = explain(&m, "app-1", "db-1:5432");
    assert_eq!(e.verdict, Verdict::Allow);
    assert!(e.trace.iter().all(|s| s.layer != Layer::NetworkAcl));
    // The load balancer may not talk to the database.
    let e = explain(&m, "lb-a", "db-1:5432");
    assert_eq!(e.verdict, Verdict::Deny);
    assert_eq!(e.decided_by.layer, Layer::SecurityGroup);
    assert_eq!(e.trace[0].direction, Some(Direction::Egress));
    // The database initiates nothing.
    let e = explain(&m, "db-1", "internet:443");
    assert_eq!(e.verdict, Verdict::Deny);
    assert_eq!(e.decided_by.layer, Layer::SecurityGroup);
}

#[test]
fn seed_ipv6_reaches_the_load_balancer_directly() {
    let e = explain(&seed(), "internet", "[2600:1f18:6e:5601::10]:443");
    assert_eq!(e.verdict, Verdict::Allow);
    assert!(matches!(
        &e.decided_by.rule,
        Some(RuleRef::SecurityGroupRule { index: 1, .. })
    ));
}

#[test]
fn metadata_service_is_not_filtered() {
    let e = explain(&seed(), "db-1", "169.254.169.254:80");
    assert_eq!(e.verdict, Verdict::Allow);
    assert_eq!(e.decided_by.layer, Layer::NotFiltered);
}

const TWO_SUBNETS: &str = "vpc: {cidr_blocks: [10.0.0.0/16]}\n\
    internet_gateway: {name: igw}\n\
    subnets:\n  a: {cidr: 10.0.1.0/24, network_acl: a, route_table: ra}\n  b: {cidr: 10.0.2.0/24, network_acl: b, route_table: rb}\n";

#[test]
fn nacl_return_traffic_needs_the_whole_ephemeral_range() {
    let m = load(&format!(
        "{TWO_SUBNETS}route_tables:\n  ra: {{routes: []}}\n  rb: {{routes: []}}\n\
         network_acls:\n  a: {{}}\n  b:\n\
         \x20   ingress: [{{rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}}]\n\
         \x20   egress: [{{rule: 100, action: allow, protocol: tcp, ports: 49152-65535, cidr: 0.0.0.0/0}}]\n\
         security_groups:\n  s: {{ingress: [{{protocol: all, cidr: 0.0.0.0/0}}]}}\n\
         instances:\n  x: {{subnet: a, private_ips: [10.0.1.10], security_groups: [s]}}\n  y: {{subnet: b, private_ips: [10.0.2.10], security_groups: [s]}}\n"
    ));
    // Only a's NACL matters for the request out: it is custom and empty, so everything fails
    // there first. Open it and look at the reply.
    let e = explain(&m, "x", "y:22");
    assert_eq!(e.decided_by.layer, Layer::NetworkAcl);
    let m = load(&format!(
        "{TWO_SUBNETS}route_tables:\n  ra: {{routes: []}}\n  rb: {{routes: []}}\n\
         network_acls:\n  a:\n\
         \x20   ingress: [{{rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}}]\n\
         \x20   egress: [{{rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}}]\n  b:\n\
         \x20   ingress: [{{rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}}]\n\
         \x20   egress: [{{rule: 100, action: allow, protocol: tcp, ports: 49152-65535, cidr: 0.0.0.0/0}}]\n\
         security_groups:\n  s: {{ingress: [{{protocol: all, cidr: 0.0.0.0/0}}]}}\n\
         instances:\n  x: {{subnet: a, private_ips: [10.0.1.10], security_groups: [s]}}\n  y: {{subnet: b, private_ips: [10.0.2.10], security_groups: [s]}}\n"
    ));
    let e = explain(&m, "x", "y:22");
    assert_eq!(e.verdict, Verdict::Deny);
    let step = e
        .trace
        .iter()
        .find(|s| s.verdict == StepVerdict::Deny)
        .unwrap();
    assert_eq!(step.leg, Leg::Reply);
    assert_eq!(step.layer, Layer::NetworkAcl);
    // 32768-49151 are denied by `*`, 49152-61000 allowed by rule 100.
    assert_eq!(step.ports.len(), 2);
    assert_eq!(step.ports[0].ports, "32768-49151");
    assert_eq!(step.ports[0].rule, "* (IPv4)");
    assert_eq!(step.ports[1].ports, "49152-61000");
}

#[test]
fn security_group_references_do_not_match_through_a_middlebox() {
    // Traffic between a and b is routed through a firewall endpoint in subnet f.
    let yaml = "vpc: {cidr_blocks: [10.0.0.0/16]}\n\
        firewall_endpoints:\n  fw: {subnet: f}\n\
        route_tables:\n\
        \x20 ra: {routes: [{destination: 10.0.2.0/24, target: {firewall_endpoint: fw}}]}\n\
        \x20 rb: {routes: [{destination: 10.0.1.0/24, target: {firewall_endpoint: fw}}]}\n\
        subnets:\n\
        \x20 a: {cidr: 10.0.1.0/24, route_table: ra}\n\
        \x20 b: {cidr: 10.0.2.0/24, route_table: rb}\n\
        \x20 f: {cidr: 10.0.3.0/28}\n\
        security_groups:\n\
        \x20 client: {}\n\
        \x20 server: {ingress: [{protocol: tcp, ports: 5432, security_group: client}]}\n\
        instances:\n\
        \x20 x: {subnet: a, private_ips: [10.0.1.10], security_groups: [client]}\n\
        \x20 y: {subnet: b, private_ips: [10.0.2.10], security_groups: [server]}\n";
    let e = explain(&load(yaml), "x", "y:5432");
    assert_eq!(e.verdict, Verdict::Deny);
    assert_eq!(e.decided_by.layer, Layer::SecurityGroup);
    assert!(
        e.decided_by.reason.contains("middlebox"),
        "{}",
        e.decided_by.reason
    );
    // Without the detour the reference matches.
    let direct = yaml
        .replace(
            "{destination: 10.0.2.0/24, target: {firewall_endpoint: fw}}",
            "",
        )
        .replace(
            "{destination: 10.0.1.0/24, target: {firewall_endpoint: fw}}",
            "",
        );
    assert_eq!(
        explain(&load(&direct), "x", "y:5432").verdict,
        Verdict::Allow
    );
}

#[test]
fn replies_routed_through_a_nat_gateway_are_lost() {
    // A web server in a subnet whose default route is a NAT gateway: requests arrive through
    // the internet gateway, but replies leave through the NAT and come from the wrong address.
    let yaml = "vpc: {cidr_blocks: [10.0.0.0/16]}\n\
        internet_gateway: {name: igw}\n\
        nat_gateways:\n  nat: {subnet: pub, private_ip: 10.0.0.5, public_ip: 203.0.113.20}\n\
        route_tables:\n\
        \x20 pub: {routes: [{destination: 0.0.0.0/0, target: internet_gateway}]}\n\
        \x20 web: {routes: [{destination: 0.0.0.0/0, target: {nat_gateway: nat}}]}\n\
        subnets:\n\
        \x20 pub: {cidr: 10.0.0.0/24, route_table: pub}\n\
        \x20 web: {cidr: 10.0.1.0/24, route_table: web}\n\
        security_groups:\n  web: {ingress: [{protocol: tcp, ports: 443, cidr: 0.0.0.0/0}]}\n\
        instances:\n  w: {subnet: web, private_ips: [10.0.1.10], public_ip: 203.0.113.10, security_groups: [web]}\n";
    let e = explain(&load(yaml), "internet", "w:443");
    assert_eq!(e.verdict, Verdict::Deny);
    assert_eq!(e.decided_by.layer, Layer::NatGateway);
    assert!(
        e.trace
            .iter()
            .any(|s| s.leg == Leg::Reply && s.verdict == StepVerdict::Deny)
    );
}

#[test]
fn blackhole_denies_and_an_external_route_is_unknown() {
    let yaml = "vpc: {cidr_blocks: [10.0.0.0/16]}\n\
        route_tables:\n\
        \x20 r: {routes: [{destination: 192.0.2.0/24, target: blackhole}, {destination: 0.0.0.0/0, target: {external: tgw-0123456789abcdef0}}]}\n\
        subnets:\n  a: {cidr: 10.0.1.0/24, route_table: r}\n\
        instances:\n  x: {subnet: a, private_ips: [10.0.1.10]}\n";
    let m = load(yaml);
    let e = explain(&m, "x", "192.0.2.1:443");
    assert_eq!(e.verdict, Verdict::Deny);
    assert_eq!(e.decided_by.layer, Layer::Route);
    let e = explain(&m, "x", "198.51.100.1:443");
    assert_eq!(e.verdict, Verdict::Unknown);
    assert!(e.decided_by.reason.contains("tgw-0123456789abcdef0"));
}

#[test]
fn asymmetric_firewall_routing_is_reported() {
    // The gateway sends inbound traffic through the firewall; the subnet's replies skip it.
    let yaml = "vpc: {cidr_blocks: [10.0.0.0/16]}\n\
        internet_gateway: {name: igw, route_table: edge}\n\
        firewall_endpoints:\n  fw: {subnet: f}\n\
        route_tables:\n\
        \x20 edge: {routes: [{destination: 10.0.1.0/24, target: {firewall_endpoint: fw}}]}\n\
        \x20 out: {routes: [{destination: 0.0.0.0/0, target: internet_gateway}]}\n\
        subnets:\n\
        \x20 f: {cidr: 10.0.0.0/28, route_table: out}\n\
        \x20 web: {cidr: 10.0.1.0/24, route_table: out}\n\
        security_groups:\n  web: {ingress: [{protocol: tcp, ports: 443, cidr: 0.0.0.0/0}]}\n\
        instances:\n  w: {subnet: web, private_ips: [10.0.1.10], public_ip: 203.0.113.10, security_groups: [web]}\n";
    let e = explain(&load(yaml), "internet", "w:443");
    assert_eq!(e.verdict, Verdict::Allow);
    assert!(
        e.notes.iter().any(|n| n.contains("asymmetric")),
        "{:?}",
        e.notes
    );
}

#[test]
fn queries_name_what_is_wrong() {
    let m = seed();
    let an = Analyzer::new(&m);
    let q = |from: &str, to: &str| {
        let (to, protocol, port, icmp_code) = FlowQuery::parse_target(to)?;
        an.explain(&FlowQuery {
            from: EndpointSpec::parse(from)?,
            to,
            protocol,
            port,
            icmp_code,
            source_ports: LINUX_EPHEMERAL,
            family: None,
        })
    };
    assert!(
        q("app-9", "db-1:5432")
            .unwrap_err()
            .to_string()
            .contains("app-1")
    );
    assert!(
        q("10.0.2.99", "db-1:5432")
            .unwrap_err()
            .to_string()
            .contains("no instance")
    );
    assert!(q("internet", "internet:443").is_err());
    assert!(FlowQuery::parse_target("db-1").is_err());
    assert!(FlowQuery::parse_target("db-1:99999").is_err());
    assert!(FlowQuery::parse_target("db-1:80/bogus").is_err());
    assert!(FlowQuery::parse_target("db-1:3.4/icmp").is_ok());
    assert!(FlowQuery::parse_target("db-1/gre").is_ok());
    assert!(FlowQuery::parse_target("[2600::1]:443/udp").is_ok());
}

#[test]
fn hairpin_through_nat_and_firewall_is_not_a_loop() {
    // app-1 reaches the load balancer's public address: out through the NAT gateway and the
    // firewall endpoint, back in through the same endpoint, translated both times.
    let e = explain(&seed(), "app-1", "203.0.113.10:443");
    assert_eq!(e.verdict, Verdict::Allow, "{}", e.to_text());
    let passes = e
        .trace
        .iter()
        .filter(|s| s.leg == Leg::Request && s.layer == Layer::FirewallEndpoint)
        .count();
    assert_eq!(passes, 2);
    // The load balancer sees the NAT gateway's public address, so a group reference would not
    // match: the lb group allows 443 from 0.0.0.0/0.
    assert!(e.decided_by.reason.contains("0.0.0.0/0"));
}

#[test]
fn a_route_back_to_the_same_endpoint_is_a_loop() {
    let yaml = "vpc: {cidr_blocks: [10.0.0.0/16]}\n\
        internet_gateway: {name: igw}\n\
        firewall_endpoints:\n  fw: {subnet: f}\n\
        route_tables:\n\
        \x20 a: {routes: [{destination: 0.0.0.0/0, target: {firewall_endpoint: fw}}]}\n\
        subnets:\n\
        \x20 f: {cidr: 10.0.0.0/28, route_table: a}\n\
        \x20 web: {cidr: 10.0.1.0/24, route_table: a}\n\
        instances:\n  w: {subnet: web, private_ips: [10.0.1.10], public_ip: 203.0.113.10}\n";
    let e = explain(&load(yaml), "w", "internet:443");
    assert_eq!(e.verdict, Verdict::Deny);
    assert_eq!(e.decided_by.layer, Layer::FirewallEndpoint);
    assert!(e.decided_by.reason.contains("loop"));
}
