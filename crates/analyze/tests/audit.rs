#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use analyze::{Finding, RULES, Report, Severity, audit};

mod large_model;

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
}

fn run(yaml: &str) -> Vec<Finding> {
    let v = model::load_str(yaml, "t.yaml").unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    audit(&v.model)
}

fn of<'a>(findings: &'a [Finding], id: &str) -> Vec<&'a Finding> {
    findings.iter().filter(|f| f.id == id).collect()
}

fn ids(findings: &[Finding]) -> BTreeSet<&'static str> {
    findings.iter().map(|f| f.id).collect()
}

fn dump(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| format!("{} {} {} {}", f.id, f.severity, f.resource, f.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A VPC with one public subnet on the default NACL, one private subnet behind a NAT gateway,
/// and whatever `extra` adds (security groups, instances, NACLs…).
fn vpc(extra: &str) -> String {
    format!(
        "vpc: {{cidr_blocks: [10.0.0.0/16], ipv6_cidr_blocks: [2600:1f18:1:100::/56]}}\n\
         internet_gateway: {{name: igw}}\n\
         route_tables:\n  \
           public:\n    routes:\n      - {{destination: 0.0.0.0/0, target: internet_gateway}}\n      \
             - {{destination: ::/0, target: internet_gateway}}\n  \
           private:\n    routes:\n      - {{destination: 0.0.0.0/0, target: {{nat_gateway: nat}}}}\n\
         nat_gateways:\n  nat: {{public_ip: 203.0.113.5}}\n\
         {extra}"
    )
}

const SUBNETS: &str = "subnets:\n  \
    public: {cidr: 10.0.1.0/24, ipv6_cidr: 2600:1f18:1:101::/64, tier: public, route_table: public}\n  \
    private: {cidr: 10.0.2.0/24, tier: private, route_table: private}\n";

// --- the examples ---

#[test]
fn misconfigured_example_triggers_every_catalog_id() {
    let v = model::load_file(&example("misconfigured.yaml")).unwrap();
    assert!(v.warnings.is_empty(), "{}", v.warnings);
    let findings = audit(&v.model);
    let found = ids(&findings);
    let missing: Vec<&str> = RULES
        .iter()
        .map(|r| r.id)
        .filter(|id| !found.contains(id))
        .collect();
    assert!(
        missing.is_empty(),
        "missing {missing:?}:\n{}",
        dump(&findings)
    );
}

#[test]
fn seed_has_no_findings() {
    let m = model::load_file(&example("seed.yaml")).unwrap().model;
    let findings = audit(&m);
    assert!(findings.is_empty(), "{}", dump(&findings));
}

/// The seed as it was before its lb group allowed tcp 80: the HTTP listener that redirects to
/// HTTPS is unreachable, and the public NACL's opening for it serves nothing.
#[test]
fn seed_without_port_80_in_the_lb_group_cannot_serve_its_redirect() {
    let text = std::fs::read_to_string(example("seed.yaml")).unwrap();
    let rules = [
        "      - {protocol: tcp, ports: 80, cidr: 0.0.0.0/0}\n",
        "      - {protocol: tcp, ports: 80, cidr: ::/0}\n",
    ];
    let mut old = text;
    for r in rules {
        assert!(old.contains(r), "the seed's lb group lacks {r:?}");
        old = old.replace(r, "");
    }
    let f = run(&old);
    assert_eq!(
        ids(&f),
        BTreeSet::from(["RMP006", "RMP019"]),
        "{}",
        dump(&f)
    );
    let r = of(&f, "RMP019");
    assert_eq!(r.len(), 1, "{}", dump(&f));
    assert_eq!(r[0].resource, "load_balancers.web.listeners[0]");
    assert_eq!(r[0].severity, Severity::Medium);
    assert_eq!(
        r[0].message,
        "load balancer web listens on HTTP:80, but its security group lb allows no tcp 80 in"
    );
    assert!(
        r[0].explanation
            .contains("its default action (redirect to HTTPS) never runs"),
        "{}",
        r[0].explanation
    );
    assert!(
        r[0].fix.starts_with(
            "Add to security_groups.lb.ingress a rule allowing tcp 80 from the clients that should reach \
             HTTP:80: 0.0.0.0/0 and ::/0 for an internet-facing load balancer"
        ),
        "{}",
        r[0].fix
    );
    assert!(
        r[0].fix
            .contains("Or remove load_balancers.web.listeners[0]")
    );
    assert_eq!(
        r[0].related,
        vec!["load_balancers.web.security_groups", "security_groups.lb"]
    );
}

#[test]
fn catalog_ids_are_unique_ordered_and_complete() {
    let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted);
    for r in RULES {
        assert!(r.id.starts_with("RMP") && r.id.len() == 6, "{}", r.id);
        assert!(
            r.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{}",
            r.name
        );
        assert!(!r.short.is_empty() && !r.full.is_empty() && !r.help.is_empty());
        assert!(!r.tags.is_empty());
    }
}

#[test]
fn catalog_doc_lists_every_rule_as_in_the_code() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/audit.md"))
            .unwrap();
    for r in RULES {
        let row = format!("| {} | `{}` | {} | {} |", r.id, r.name, r.severity, r.short);
        assert!(
            doc.contains(&row),
            "docs/audit.md lacks or differs from:\n{row}"
        );
    }
    assert_eq!(doc.matches("\n| RMP").count(), RULES.len());
}

#[test]
fn findings_are_sorted_and_fingerprints_stable_and_unique() {
    let m = model::load_file(&example("misconfigured.yaml"))
        .unwrap()
        .model;
    let a = audit(&m);
    let b = audit(&m);
    assert_eq!(a, b);
    for w in a.windows(2) {
        let key = |f: &Finding| (std::cmp::Reverse(f.severity), f.id, f.resource.clone());
        assert!(key(&w[0]) <= key(&w[1]), "{} before {}", w[0].id, w[1].id);
    }
    let prints: BTreeSet<&str> = a.iter().map(|f| f.fingerprint.as_str()).collect();
    assert_eq!(prints.len(), a.len());
    assert!(a.iter().all(|f| f.fingerprint.len() == 16));
}

// --- RMP001 / RMP002: open to the world ---

const BASTION: &str = "security_groups:\n  \
    admin:\n    ingress:\n      - {protocol: tcp, ports: 22, cidr: 0.0.0.0/0}\n";

#[test]
fn ssh_open_to_the_world_is_high_when_explain_reaches_an_instance() {
    let f = run(&vpc(&format!(
        "{SUBNETS}{BASTION}instances:\n  \
           jump: {{subnet: public, private_ips: [10.0.1.10], public_ip: 203.0.113.10, security_groups: [admin]}}\n"
    )));
    let open = of(&f, "RMP001");
    assert_eq!(open.len(), 1, "{}", dump(&f));
    assert_eq!(open[0].severity, Severity::High);
    assert_eq!(open[0].resource, "security_groups.admin.ingress[0]");
    assert_eq!(
        open[0].message,
        "security group admin allows SSH (tcp 22) from 0.0.0.0/0"
    );
    assert!(
        open[0]
            .explanation
            .contains("`explain` reaches jump on SSH (tcp 22) from the internet")
    );
    assert_eq!(open[0].related, vec!["instances.jump"]);
}

#[test]
fn ssh_open_to_the_world_on_a_private_instance_is_medium() {
    let f = run(&vpc(&format!(
        "{SUBNETS}{BASTION}instances:\n  \
           inner: {{subnet: private, private_ips: [10.0.2.10], security_groups: [admin]}}\n"
    )));
    let open = of(&f, "RMP001");
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].severity, Severity::Medium);
    assert!(open[0].explanation.contains("no public IPv4 address"));
    // …and with no instance at all, still reported, as latent.
    let f = run(&vpc(&format!("{SUBNETS}{BASTION}")));
    assert_eq!(of(&f, "RMP001")[0].severity, Severity::Medium);
    assert!(
        of(&f, "RMP001")[0]
            .explanation
            .contains("No instance carries")
    );
}

#[test]
fn narrow_sources_and_ordinary_ports_are_not_open_to_the_world() {
    let f = run(&vpc(&format!(
        "{SUBNETS}security_groups:\n  \
           g:\n    ingress:\n      - {{protocol: tcp, ports: 22, cidr: 10.0.0.0/8}}\n      \
             - {{protocol: tcp, ports: 443, cidr: 0.0.0.0/0}}\n      \
             - {{protocol: udp, ports: 22, cidr: 0.0.0.0/0}}\n      \
             - {{protocol: icmp, icmp_type: -1, cidr: 0.0.0.0/0}}\n"
    )));
    assert!(of(&f, "RMP001").is_empty(), "{}", dump(&f));
    assert!(of(&f, "RMP002").is_empty(), "{}", dump(&f));
}

#[test]
fn a_prefix_list_covering_everything_counts_as_the_world_and_udp_memcached_is_caught() {
    let f = run(&vpc(&format!(
        "{SUBNETS}prefix_lists:\n  \
           halves: {{entries: [{{cidr: 0.0.0.0/1}}, {{cidr: 128.0.0.0/1}}]}}\n  \
           v6: {{address_family: IPv6, entries: [{{cidr: ::/0}}]}}\n\
         security_groups:\n  \
           db:\n    ingress:\n      - {{protocol: tcp, ports: 3300-3310, prefix_list: halves}}\n      \
             - {{protocol: udp, ports: 11211, prefix_list: v6}}\n"
    )));
    let open = of(&f, "RMP001");
    assert_eq!(open.len(), 2, "{}", dump(&f));
    assert_eq!(
        open[0].message,
        "security group db allows MySQL (tcp 3306) from prefix list halves (every IPv4 address)"
    );
    assert!(open[1].message.contains("Memcached (udp 11211)"));
}

#[test]
fn all_traffic_from_anywhere_is_one_finding_not_one_per_port() {
    let f = run(&vpc(&format!(
        "{SUBNETS}security_groups:\n  \
           wide:\n    ingress:\n      - {{protocol: all, cidr: ::/0}}\n      \
             - {{protocol: tcp, ports: 1-65535, cidr: 0.0.0.0/0}}\n\
         instances:\n  \
           w: {{subnet: public, private_ips: [10.0.1.10], ipv6_addresses: ['2600:1f18:1:101::10'], security_groups: [wide]}}\n"
    )));
    let all = of(&f, "RMP002");
    assert_eq!(all.len(), 2, "{}", dump(&f));
    assert!(of(&f, "RMP001").is_empty());
    // IPv6 reaches w directly; IPv4 cannot (no public address).
    let v6 = all
        .iter()
        .find(|x| x.resource == "security_groups.wide.ingress[0]")
        .unwrap();
    assert_eq!(v6.severity, Severity::High);
    let v4 = all
        .iter()
        .find(|x| x.resource == "security_groups.wide.ingress[1]")
        .unwrap();
    assert_eq!(v4.severity, Severity::Medium);
}

// --- RMP003: SSH/RDP from outside ---

#[test]
fn ssh_from_an_outside_range_on_a_public_instance_recommends_session_manager() {
    let f = run(&vpc(&format!(
        "{SUBNETS}security_groups:\n  \
           office:\n    ingress:\n      - {{protocol: tcp, ports: 22, cidr: 198.51.100.0/24}}\n      \
             - {{protocol: tcp, ports: 3389, cidr: 10.0.0.0/16}}\n\
         instances:\n  \
           jump: {{subnet: public, private_ips: [10.0.1.10], public_ip: 203.0.113.10, security_groups: [office]}}\n  \
           inner: {{subnet: private, private_ips: [10.0.2.10], security_groups: [office]}}\n"
    )));
    let r = of(&f, "RMP003");
    assert_eq!(r.len(), 1, "{}", dump(&f));
    assert_eq!(r[0].resource, "instances.jump");
    assert_eq!(r[0].severity, Severity::Medium);
    assert_eq!(
        r[0].message,
        "jump (public 203.0.113.10) accepts from outside the VPC: SSH (tcp 22) from 198.51.100.0/24"
    );
    assert!(r[0].fix.contains("Session Manager"));
    assert!(of(&f, "RMP001").is_empty());
}

#[test]
fn ssh_blocked_by_the_nacl_is_not_reachable_from_outside() {
    let f = run(&vpc("subnets:\n  \
           public: {cidr: 10.0.1.0/24, tier: public, route_table: public, network_acl: edge}\n\
         network_acls:\n  \
           edge:\n    ingress:\n      - {rule: 100, action: deny, protocol: tcp, ports: 22, cidr: 0.0.0.0/0}\n      \
             - {rule: 200, action: allow, protocol: all, cidr: 0.0.0.0/0}\n    \
           egress:\n      - {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}\n\
         security_groups:\n  \
           office:\n    ingress:\n      - {protocol: tcp, ports: 22, cidr: 198.51.100.0/24}\n\
         instances:\n  \
           jump: {subnet: public, private_ips: [10.0.1.10], public_ip: 203.0.113.10, security_groups: [office]}\n"));
    assert!(of(&f, "RMP003").is_empty(), "{}", dump(&f));
}

// --- RMP004: replies blocked ---

fn web_nacl(egress: &str) -> String {
    vpc(&format!(
        "subnets:\n  \
           web: {{cidr: 10.0.1.0/24, tier: public, route_table: public, network_acl: web}}\n\
         network_acls:\n  \
           web:\n    ingress:\n      - {{rule: 100, action: allow, protocol: tcp, ports: 443, cidr: 0.0.0.0/0}}\n      \
             - {{rule: 110, action: allow, protocol: tcp, ports: 1024-65535, cidr: 0.0.0.0/0}}\n    \
           egress:\n{egress}\
         security_groups:\n  \
           web:\n    ingress:\n      - {{protocol: tcp, ports: 443, cidr: 0.0.0.0/0}}\n\
         instances:\n  \
           w: {{subnet: web, private_ips: [10.0.1.10], public_ip: 203.0.113.10, security_groups: [web]}}\n"
    ))
}

#[test]
fn nacl_with_ephemeral_replies_open_does_not_block_replies() {
    let f = run(&web_nacl(
        "      - {rule: 100, action: allow, protocol: tcp, ports: 1024-65535, cidr: 0.0.0.0/0}\n",
    ));
    assert!(of(&f, "RMP004").is_empty(), "{}", dump(&f));
    assert!(of(&f, "RMP005").is_empty(), "{}", dump(&f));
}

#[test]
fn nacl_without_reply_rules_blocks_every_reply_high() {
    let f = run(&web_nacl("      []\n"));
    let r = of(&f, "RMP004");
    assert_eq!(r.len(), 1, "{}", dump(&f));
    assert_eq!(r[0].severity, Severity::High);
    assert_eq!(r[0].resource, "network_acls.web.egress");
    assert_eq!(
        r[0].message,
        "network ACL web lets tcp 443 in but its outbound rules deny the replies: to 0.0.0.0/0: no port of \
         1024-65535 allowed"
    );
    assert_eq!(r[0].related, vec!["network_acls.web.ingress[0]"]);
    // The 1024-65535 inbound rule is itself for replies: never a service.
    assert!(r.iter().all(|x| !x.message.contains("1024-65535 in")));
    // explain agrees from the security group's side: the reply is denied by the NACL.
    let sg = of(&f, "RMP005");
    assert_eq!(sg.len(), 1, "{}", dump(&f));
    assert!(
        sg[0].message.contains("denies the reply (egress rule *)"),
        "{}",
        sg[0].message
    );
}

#[test]
fn replies_to_part_of_the_ephemeral_range_are_medium_and_none_of_linux_is_high() {
    let f = run(&web_nacl(
        "      - {rule: 100, action: allow, protocol: tcp, ports: 49152-65535, cidr: 0.0.0.0/0}\n",
    ));
    let r = of(&f, "RMP004");
    assert_eq!(r[0].severity, Severity::Medium);
    assert!(
        r[0].message
            .ends_with("only ports 49152-65535 of 1024-65535 allowed (Linux's 32768-61000: part)"),
        "{}",
        r[0].message
    );
    let f = run(&web_nacl(
        "      - {rule: 100, action: allow, protocol: tcp, ports: 1024-30000, cidr: 0.0.0.0/0}\n",
    ));
    assert_eq!(of(&f, "RMP004")[0].severity, Severity::High);
}

// --- RMP005 / RMP006: layers disagree ---

#[test]
fn security_group_allows_what_the_database_nacl_denies() {
    let f = run(&vpc("subnets:\n  \
           app: {cidr: 10.0.1.0/24, route_table: private}\n  \
           data: {cidr: 10.0.2.0/24, route_table: private, network_acl: data}\n\
         network_acls:\n  \
           data:\n    ingress:\n      - {rule: 100, action: allow, protocol: tcp, ports: 3306, cidr: 10.0.1.0/24}\n    \
           egress:\n      - {rule: 100, action: allow, protocol: tcp, ports: 1024-65535, cidr: 10.0.1.0/24}\n\
         security_groups:\n  \
           app: {}\n  \
           db:\n    ingress:\n      - {protocol: tcp, ports: 5432, security_group: app}\n      \
             - {protocol: tcp, ports: 3306, security_group: app}\n\
         instances:\n  \
           a1: {subnet: app, private_ips: [10.0.1.10], security_groups: [app]}\n  \
           a2: {subnet: app, private_ips: [10.0.1.11], security_groups: [app]}\n  \
           d1: {subnet: data, private_ips: [10.0.2.10], security_groups: [db]}\n  \
           d2: {subnet: data, private_ips: [10.0.2.11], security_groups: [db]}\n"));
    let r = of(&f, "RMP005");
    // Once per service: two app instances, two db instances, one finding for 5432.
    assert_eq!(r.len(), 1, "{}", dump(&f));
    assert_eq!(r[0].resource, "network_acls.data.ingress");
    assert_eq!(
        r[0].message,
        "security group db allows tcp 5432 from security group app to d1 (subnet data), but network ACL data \
         denies the request (ingress rule *)"
    );
    assert_eq!(
        r[0].related,
        vec!["security_groups.db.ingress[0]", "instances.d1"]
    );
    assert!(
        r[0].fix.contains("allows tcp 5432 from 10.0.1.0/24"),
        "{}",
        r[0].fix
    );
    assert!(of(&f, "RMP006").is_empty(), "{}", dump(&f));
}

#[test]
fn a_source_block_spanning_subnets_is_tried_from_each_of_them() {
    // 10.0.0.0/16 holds clients in subnets a and b; only b's NACL blocks them.
    let f = run(&vpc("subnets:\n  \
           a: {cidr: 10.0.1.0/24, route_table: private}\n  \
           b: {cidr: 10.0.2.0/24, route_table: private, network_acl: b}\n  \
           c: {cidr: 10.0.3.0/24, route_table: private}\n\
         network_acls:\n  \
           b:\n    ingress:\n      - {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}\n    \
           egress:\n      - {rule: 100, action: deny, protocol: tcp, ports: 5432, cidr: 10.0.3.0/24}\n      \
             - {rule: 200, action: allow, protocol: all, cidr: 0.0.0.0/0}\n\
         security_groups:\n  \
           client: {}\n  \
           db:\n    ingress:\n      - {protocol: tcp, ports: 5432, cidr: 10.0.0.0/16}\n\
         instances:\n  \
           ca: {subnet: a, private_ips: [10.0.1.10], security_groups: [client]}\n  \
           cb: {subnet: b, private_ips: [10.0.2.10], security_groups: [client]}\n  \
           d: {subnet: c, private_ips: [10.0.3.10], security_groups: [db]}\n"));
    let r = of(&f, "RMP005");
    assert_eq!(r.len(), 1, "{}", dump(&f));
    assert_eq!(r[0].resource, "network_acls.b.egress[0]");
    assert!(
        r[0].explanation.contains("from 10.0.0.0/16 (cb)"),
        "{}",
        r[0].explanation
    );
}

#[test]
fn nacl_opening_that_no_security_group_uses() {
    let nacl = |sg_rule: &str| {
        vpc(&format!(
            "subnets:\n  \
               app: {{cidr: 10.0.1.0/24, route_table: private}}\n  \
               data: {{cidr: 10.0.2.0/24, route_table: private, network_acl: data}}\n\
             network_acls:\n  \
               data:\n    ingress:\n      - {{rule: 100, action: allow, protocol: tcp, ports: 5432, cidr: 10.0.1.0/24}}\n    \
               egress:\n      - {{rule: 100, action: allow, protocol: tcp, ports: 1024-65535, cidr: 10.0.1.0/24}}\n\
             security_groups:\n  \
               app: {{}}\n  \
               db:\n    ingress:\n{sg_rule}\
             instances:\n  \
               a1: {{subnet: app, private_ips: [10.0.1.10], security_groups: [app]}}\n  \
               d1: {{subnet: data, private_ips: [10.0.2.10], security_groups: [db]}}\n"
        ))
    };
    let f = run(&nacl("      []\n"));
    let r = of(&f, "RMP006");
    assert_eq!(r.len(), 1, "{}", dump(&f));
    assert_eq!(r[0].resource, "network_acls.data.ingress[0]");
    assert_eq!(r[0].severity, Severity::Low);
    assert_eq!(
        r[0].message,
        "network ACL data allows tcp 5432 in from 10.0.1.0/24, but no security group of the 1 instance in subnet \
         data allows it"
    );
    // A group reference whose member is in the NACL's source block is a match.
    let f = run(&nacl(
        "      - {protocol: tcp, ports: 5432, security_group: app}\n",
    ));
    assert!(of(&f, "RMP006").is_empty(), "{}", dump(&f));
    assert!(of(&f, "RMP005").is_empty(), "{}", dump(&f));
    // A member outside the block is not.
    let f = run(&nacl(
        "      - {protocol: tcp, ports: 5432, cidr: 10.0.3.0/24}\n",
    ));
    assert_eq!(of(&f, "RMP006").len(), 1);
}

// --- RMP007 / RMP008: shadowed NACL rules ---

fn acl(ingress: &str) -> String {
    vpc(&format!(
        "network_acls:\n  \
           x:\n    ingress:\n{ingress}    egress: []\n"
    ))
}

#[test]
fn a_rule_covered_by_the_union_of_two_earlier_denies_never_takes_effect() {
    let f = run(&acl(
        "      - {rule: 10, action: deny, protocol: tcp, ports: 0-1000, cidr: 10.0.0.0/9}\n      \
         - {rule: 20, action: deny, protocol: tcp, ports: 0-1000, cidr: 10.128.0.0/9}\n      \
         - {rule: 30, action: allow, protocol: tcp, ports: 22-443, cidr: 10.0.0.0/8}\n      \
         - {rule: 40, action: allow, protocol: tcp, ports: 22-1001, cidr: 10.0.0.0/8}\n",
    ));
    let r = of(&f, "RMP007");
    assert_eq!(r.len(), 1, "{}", dump(&f));
    assert_eq!(r[0].resource, "network_acls.x.ingress[2]");
    assert_eq!(r[0].severity, Severity::Medium);
    assert_eq!(
        r[0].message,
        "network ACL x ingress rule 30 (allow tcp 22-443 from 10.0.0.0/8) never takes effect: rules 10 and 20 \
         match everything it matches first"
    );
    assert_eq!(
        r[0].related,
        vec!["network_acls.x.ingress[0]", "network_acls.x.ingress[1]"]
    );
    assert!(of(&f, "RMP008").is_empty());
}

#[test]
fn a_rule_covered_by_an_earlier_rule_with_the_same_action_is_redundant() {
    let f = run(&acl(
        "      - {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}\n      \
         - {rule: 110, action: allow, protocol: icmp, icmp_type: 3, icmp_code: 4, cidr: 0.0.0.0/0}\n",
    ));
    let r = of(&f, "RMP008");
    assert_eq!(r.len(), 1, "{}", dump(&f));
    assert_eq!(r[0].severity, Severity::Low);
    assert_eq!(r[0].resource, "network_acls.x.ingress[1]");
    assert!(
        r[0].message.contains("rule 100 already allows"),
        "{}",
        r[0].message
    );
}

#[test]
fn ipv4_rules_do_not_shadow_ipv6_rules() {
    let f = run(&acl(
        "      - {rule: 100, action: deny, protocol: all, cidr: 0.0.0.0/0}\n      \
         - {rule: 110, action: allow, protocol: tcp, ports: 443, cidr: ::/0}\n      \
         - {rule: 120, action: allow, protocol: tcp, ports: 80, cidr: 10.0.0.0/8}\n",
    ));
    let shadowed: Vec<&str> = f
        .iter()
        .filter(|x| x.id == "RMP007" || x.id == "RMP008")
        .map(|x| x.resource.as_str())
        .collect();
    assert_eq!(shadowed, vec!["network_acls.x.ingress[2]"], "{}", dump(&f));
}

// --- RMP009 / RMP010 / RMP017 / RMP018: hygiene ---

#[test]
fn references_the_model_cannot_resolve() {
    let f = run(&vpc(
        "prefix_lists:\n  corp: {max_entries: 5}\n  unused: {max_entries: 5}\n\
         security_groups:\n  \
           g:\n    ingress:\n      - {protocol: tcp, ports: 22, security_group: sg-0123456789abcdef0}\n      \
             - {protocol: tcp, ports: 443, prefix_list: pl-63a5400a}\n      \
             - {protocol: tcp, ports: 22, prefix_list: corp}\n",
    ));
    let r: Vec<(String, Severity)> = of(&f, "RMP009")
        .iter()
        .map(|x| (x.resource.clone(), x.severity))
        .collect();
    assert_eq!(
        r,
        vec![
            ("security_groups.g.ingress[0]".to_owned(), Severity::Medium),
            ("prefix_lists.corp".to_owned(), Severity::Low),
            ("security_groups.g.ingress[1]".to_owned(), Severity::Low),
        ],
        "{}",
        dump(&f)
    );
}

#[test]
fn unused_groups_but_not_the_default_one() {
    let f = run(&vpc(&format!(
        "{SUBNETS}security_groups:\n  \
           used: {{}}\n  \
           spare:\n    ingress: []\n  \
           caller:\n    ingress:\n      - {{protocol: tcp, ports: 443, security_group: spare}}\n\
         instances:\n  \
           a: {{subnet: private, private_ips: [10.0.2.10], security_groups: [used, caller]}}\n"
    )));
    let r: Vec<&str> = of(&f, "RMP010")
        .iter()
        .map(|x| x.resource.as_str())
        .collect();
    assert_eq!(r, vec!["security_groups.spare"], "{}", dump(&f));
    assert_eq!(
        of(&f, "RMP010")[0].related,
        vec!["security_groups.caller.ingress[0]"]
    );
    assert!(of(&f, "RMP017").is_empty());
}

#[test]
fn a_group_carried_only_by_a_load_balancer_is_used() {
    let f = run(&balanced(
        "[lb]",
        "  lb:\n    ingress:\n      - {protocol: tcp, ports: 80, cidr: 0.0.0.0/0}\n      \
             - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}\n",
    ));
    assert!(of(&f, "RMP010").is_empty(), "{}", dump(&f));
}

#[test]
fn a_group_attached_to_nothing_is_unused_beside_a_load_balancer() {
    let f = run(&balanced(
        "[lb]",
        "  lb:\n    ingress:\n      - {protocol: tcp, ports: 80, cidr: 0.0.0.0/0}\n      \
             - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}\n    \
           egress:\n      - {protocol: tcp, ports: 8080, security_group: app}\n  \
           app: {}\n  \
           spare: {}\n",
    ));
    let r = of(&f, "RMP010");
    let resources: Vec<&str> = r.iter().map(|x| x.resource.as_str()).collect();
    // A reference from the load balancer's group does not make app used: no interface carries it.
    assert_eq!(
        resources,
        vec!["security_groups.app", "security_groups.spare"],
        "{}",
        dump(&f)
    );
    assert_eq!(r[0].related, vec!["security_groups.lb.egress[0]"]);
    assert_eq!(
        r[1].message,
        "security group spare is attached to no instance or load balancer"
    );
    assert!(
        r[1].explanation
            .starts_with("No instance or load balancer in the model carries group spare"),
        "{}",
        r[1].explanation
    );
    assert!(
        !r[1].explanation.contains("Load balancers"),
        "{}",
        r[1].explanation
    );
}

#[test]
fn instances_on_the_default_group() {
    let f = run(&vpc(&format!(
        "{SUBNETS}instances:\n  a: {{subnet: private, private_ips: [10.0.2.10]}}\n"
    )));
    let r = of(&f, "RMP017");
    assert_eq!(r.len(), 1, "{}", dump(&f));
    assert_eq!(r[0].resource, "instances.a");
    // A default group emptied of inbound rules lets nothing in: not reported.
    let f = run(&vpc(&format!(
        "{SUBNETS}security_groups:\n  default:\n    ingress: []\n\
         instances:\n  a: {{subnet: private, private_ips: [10.0.2.10]}}\n"
    )));
    assert!(of(&f, "RMP017").is_empty(), "{}", dump(&f));
}

#[test]
fn redundant_group_rules_keep_one_cover() {
    let f = run(&vpc("security_groups:\n  \
           g:\n    ingress:\n      - {protocol: tcp, ports: 443, cidr: 10.0.0.0/24}\n      \
             - {protocol: tcp, ports: 443, cidr: 10.0.0.0/25}\n      \
             - {protocol: tcp, ports: 443, cidr: 10.0.0.128/25}\n      \
             - {protocol: all, cidr: 192.168.0.0/16}\n      \
             - {protocol: udp, ports: 53, cidr: 192.168.1.0/24}\n      \
             - {protocol: tcp, ports: 443, cidr: '2600::/16'}\n"));
    let r: Vec<&str> = of(&f, "RMP018")
        .iter()
        .map(|x| x.resource.as_str())
        .collect();
    // Rule 0 is the union of 1 and 2; once it is gone, 1 and 2 are needed.
    assert_eq!(
        r,
        vec![
            "security_groups.g.ingress[0]",
            "security_groups.g.ingress[4]"
        ],
        "{}",
        dump(&f)
    );
}

// --- RMP011 / RMP012 / RMP013: subnets ---

#[test]
fn private_subnet_routing_to_the_internet_gateway_and_its_public_instance() {
    let f = run(&vpc("subnets:\n  \
           leaky: {cidr: 10.0.1.0/24, tier: private, route_table: public}\n  \
           quiet: {cidr: 10.0.2.0/24, route_table: private}\n\
         instances:\n  \
           a: {subnet: leaky, private_ips: [10.0.1.10], public_ip: 203.0.113.10}\n  \
           b: {subnet: quiet, private_ips: [10.0.2.10], public_ip: 203.0.113.11}\n"));
    let s = of(&f, "RMP011");
    assert_eq!(s.len(), 1, "{}", dump(&f));
    assert_eq!(s[0].resource, "subnets.leaky");
    assert_eq!(
        s[0].related,
        vec![
            "route_tables.public.routes[0]",
            "route_tables.public.routes[1]"
        ]
    );
    let p: Vec<(&str, Severity)> = of(&f, "RMP012")
        .iter()
        .map(|x| (x.resource.as_str(), x.severity))
        .collect();
    // quiet has no tier and no route to the gateway: effectively private.
    assert_eq!(
        p,
        vec![
            ("instances.a", Severity::High),
            ("instances.b", Severity::Medium)
        ]
    );
}

#[test]
fn public_subnet_on_the_allow_all_default_nacl() {
    let f = run(&vpc(SUBNETS));
    let r: Vec<&str> = of(&f, "RMP013")
        .iter()
        .map(|x| x.resource.as_str())
        .collect();
    assert_eq!(r, vec!["subnets.public"], "{}", dump(&f));
    // A default NACL edited to deny something is no longer allow-all.
    let f = run(&vpc(&format!(
        "{SUBNETS}network_acls:\n  \
           default:\n    default: true\n    ingress:\n      \
             - {{rule: 90, action: deny, protocol: tcp, ports: 22, cidr: 0.0.0.0/0}}\n      \
             - {{rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}}\n"
    )));
    assert!(of(&f, "RMP013").is_empty(), "{}", dump(&f));
}

// --- RMP014: quotas ---

#[test]
fn security_group_rule_quota_counts_per_family_and_references_count_twice() {
    let rules: String = (0..61)
        .map(|i| {
            format!(
                "      - {{protocol: tcp, ports: {}, cidr: 10.0.0.0/8}}\n",
                1000 + i
            )
        })
        .collect();
    let f = run(&vpc(&format!(
        "security_groups:\n  big:\n    ingress:\n{rules}"
    )));
    let q = of(&f, "RMP014");
    assert_eq!(q.len(), 1, "{}", dump(&f));
    assert_eq!(q[0].resource, "security_groups.big.ingress");
    assert_eq!(q[0].severity, Severity::Low);
    assert!(q[0].message.contains("61 IPv4 ingress rules"));
    // 40 IPv4 CIDR rules and 30 IPv6 ones are within quota; 30 group references on top push
    // both families over.
    let v4: String = (0..40)
        .map(|i| {
            format!(
                "      - {{protocol: tcp, ports: {}, cidr: 10.0.0.0/8}}\n",
                1000 + i
            )
        })
        .collect();
    let v6: String = (0..31)
        .map(|i| {
            format!(
                "      - {{protocol: tcp, ports: {}, cidr: '2600::/16'}}\n",
                1000 + i
            )
        })
        .collect();
    let refs: String = (0..30)
        .map(|i| {
            format!(
                "      - {{protocol: tcp, ports: {}, security_group: other}}\n",
                3000 + i
            )
        })
        .collect();
    let f = run(&vpc(&format!(
        "security_groups:\n  other: {{}}\n  big:\n    ingress:\n{v4}{v6}"
    )));
    assert!(of(&f, "RMP014").is_empty(), "{}", dump(&f));
    let f = run(&vpc(&format!(
        "security_groups:\n  other: {{}}\n  big:\n    ingress:\n{v4}{v6}{refs}"
    )));
    let messages: Vec<&str> = of(&f, "RMP014")
        .iter()
        .map(|x| x.message.as_str())
        .collect();
    assert_eq!(
        messages,
        vec![
            "security group big has 61 IPv6 ingress rules; AWS allows 60 per direction and family",
            "security group big has 70 IPv4 ingress rules; AWS allows 60 per direction and family",
        ],
        "{}",
        dump(&f)
    );
}

#[test]
fn nacl_rule_quota_counts_the_star() {
    let rules = |n: u16| -> String {
        (1..=n)
            .map(|i| {
                format!(
                    "      - {{rule: {i}, action: deny, protocol: all, cidr: 192.0.2.{i}/32}}\n"
                )
            })
            .collect()
    };
    assert!(of(&run(&acl(&rules(19))), "RMP014").is_empty());
    let f = run(&acl(&rules(20)));
    let q = of(&f, "RMP014");
    assert_eq!(q.len(), 1, "{}", dump(&f));
    assert_eq!(q[0].resource, "network_acls.x.ingress");
    assert_eq!(q[0].severity, Severity::Low);
    let f = run(&acl(&rules(40)));
    assert_eq!(of(&f, "RMP014")[0].severity, Severity::Medium);
}

#[test]
fn groups_per_interface_and_the_thousand_rule_product() {
    let groups: String = (0..11).map(|i| format!("  g{i}: {{}}\n")).collect();
    let names: Vec<String> = (0..11).map(|i| format!("g{i}")).collect();
    let big: String = (0..100)
        .map(|i| {
            format!(
                "      - {{protocol: tcp, ports: {}, cidr: 10.0.0.0/8}}\n",
                1000 + i
            )
        })
        .collect();
    let f = run(&vpc(&format!(
        "{SUBNETS}security_groups:\n{groups}  big:\n    ingress:\n{big}\
         instances:\n  a: {{subnet: private, private_ips: [10.0.2.10], security_groups: [{}]}}\n  \
           b: {{subnet: private, private_ips: [10.0.2.11], security_groups: [big]}}\n",
        names.join(", ")
    )));
    let q: Vec<(&str, Severity)> = of(&f, "RMP014")
        .iter()
        .map(|x| (x.resource.as_str(), x.severity))
        .collect();
    assert_eq!(
        q,
        vec![
            ("instances.a", Severity::Medium),
            ("instances.a", Severity::Low),
            ("security_groups.big.ingress", Severity::Low),
        ],
        "{}",
        dump(&f)
    );
}

// --- RMP015 / RMP016: firewall endpoints ---

#[test]
fn outbound_through_the_firewall_but_inbound_around_it_is_asymmetric() {
    let f = run("vpc: {cidr_blocks: [10.0.0.0/16]}\n\
         internet_gateway: {name: igw}\n\
         route_tables:\n  \
           fw:\n    routes:\n      - {destination: 0.0.0.0/0, target: internet_gateway}\n  \
           via-fw:\n    routes:\n      - {destination: 0.0.0.0/0, target: {firewall_endpoint: fw-a}}\n\
         subnets:\n  \
           fw: {cidr: 10.0.0.0/28, tier: firewall, route_table: fw}\n  \
           web: {cidr: 10.0.1.0/24, tier: public, route_table: via-fw}\n\
         firewall_endpoints:\n  fw-a: {subnet: fw}\n  fw-b: {}\n\
         instances:\n  w: {subnet: web, private_ips: [10.0.1.10], public_ip: 203.0.113.10}\n");
    let r: Vec<&str> = of(&f, "RMP015")
        .iter()
        .map(|x| x.message.as_str())
        .collect();
    assert_eq!(
        r,
        vec![
            "traffic from the internet to w (IPv4): the request passes no firewall endpoint, the reply firewall endpoint fw-a",
            "traffic from w to the internet (IPv4): the request passes firewall endpoint fw-a, the reply no firewall endpoint",
        ],
        "{}",
        dump(&f)
    );
    let e = of(&f, "RMP016");
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].resource, "firewall_endpoints.fw-b");
}

// --- RMP019: load balancer listeners against their own groups ---

/// A load balancer `web` in the public subnet with the groups `groups`, listening on HTTP:80
/// (a redirect to HTTPS) and HTTPS:443, and the security groups `sgs` (YAML under
/// `security_groups:`).
fn balanced(groups: &str, sgs: &str) -> String {
    vpc(&format!(
        "{SUBNETS}\
         security_groups:\n{sgs}\
         load_balancers:\n  \
           web:\n    subnets: [public]\n    security_groups: {groups}\n    listeners:\n      \
             - {{protocol: HTTP, port: 80, default_action: {{redirect: {{protocol: HTTPS, port: \"443\", status_code: HTTP_301}}}}}}\n      \
             - {{protocol: HTTPS, port: 443, certificate: {{self_signed: [web.example.test]}}, \
                 default_action: {{fixed_response: {{status_code: 200}}}}}}\n"
    ))
}

#[test]
fn a_listener_port_no_group_of_the_load_balancer_allows_is_reported() {
    let f = run(&balanced(
        "[lb]",
        "  lb:\n    ingress:\n      - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}\n",
    ));
    let r = of(&f, "RMP019");
    assert_eq!(r.len(), 1, "{}", dump(&f));
    assert_eq!(r[0].name, "lb-sg-blocks-listener");
    assert_eq!(r[0].resource, "load_balancers.web.listeners[0]");
    assert_eq!(r[0].severity, Severity::Medium);
    assert!(r[0].message.contains("HTTP:80"), "{}", r[0].message);
    assert!(
        r[0].explanation.contains(
            "No ingress rule of security group lb allows tcp 80, from any source (CIDR, security group or \
             prefix list)"
        ),
        "{}",
        r[0].explanation
    );
    assert!(r[0].explanation.contains("clients wait for a timeout"));

    // With several groups, each is named, and the fix is for any one of them.
    let f = run(&balanced(
        "[lb, extra]",
        "  lb:\n    ingress:\n      - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}\n  \
           extra:\n    ingress:\n      - {protocol: udp, ports: 80, cidr: 0.0.0.0/0}\n",
    ));
    let r = of(&f, "RMP019");
    assert_eq!(r.len(), 1, "{}", dump(&f));
    assert_eq!(
        r[0].message,
        "load balancer web listens on HTTP:80, but none of its security groups (lb and extra) allows tcp 80 in"
    );
    assert!(
        r[0].fix.starts_with(
            "Add to the ingress rules of one of its security groups (lb or extra) a rule"
        ),
        "{}",
        r[0].fix
    );
    assert_eq!(
        r[0].related,
        vec![
            "load_balancers.web.security_groups",
            "security_groups.lb",
            "security_groups.extra"
        ]
    );
}

#[test]
fn a_listener_port_any_group_of_the_load_balancer_allows_is_not_reported() {
    for (groups, sgs) in [
        // A range, from part of the internet.
        (
            "[lb]",
            "  lb:\n    ingress:\n      - {protocol: tcp, ports: 80-443, cidr: 198.51.100.0/24}\n",
        ),
        // Every protocol: ports written or not, all of them.
        (
            "[lb]",
            "  lb:\n    ingress:\n      - {protocol: all, cidr: 10.0.0.0/16}\n",
        ),
        // The rules of all the load balancer's groups are one set.
        (
            "[lb, http]",
            "  lb:\n    ingress:\n      - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}\n  \
               http:\n    ingress:\n      - {protocol: tcp, ports: 80, cidr: ::/0}\n",
        ),
    ] {
        let f = run(&balanced(groups, sgs));
        assert!(of(&f, "RMP019").is_empty(), "{sgs}\n{}", dump(&f));
    }
}

#[test]
fn a_listener_port_open_only_to_a_security_group_or_a_prefix_list_counts_as_allowed() {
    let both = "      - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}\n";
    for source in [
        // The clients' group, in the model: an internal load balancer.
        "security_group: clients",
        // A group outside the model (a peered VPC): the audit does not guess who is in it.
        "security_group: sg-0a1b2c3d4e5f67890",
        "prefix_list: office",
    ] {
        let f = run(&format!(
            "prefix_lists:\n  office: {{entries: [{{cidr: 192.0.2.0/24}}]}}\n{}",
            balanced(
                "[lb]",
                &format!(
                    "  clients: {{}}\n  \
                       lb:\n    ingress:\n{both}      - {{protocol: tcp, ports: 80, {source}}}\n"
                ),
            )
        ));
        assert!(of(&f, "RMP019").is_empty(), "{source}\n{}", dump(&f));
    }
    // The same rule for another port leaves HTTP:80 closed.
    let f = run(&balanced(
        "[lb]",
        &format!(
            "  clients: {{}}\n  \
               lb:\n    ingress:\n{both}      - {{protocol: tcp, ports: 8080, security_group: clients}}\n"
        ),
    ));
    assert_eq!(of(&f, "RMP019").len(), 1, "{}", dump(&f));
}

#[test]
fn a_load_balancer_without_security_groups_is_not_checked() {
    // A file without `vpc`: no security groups at all.
    let f = run(
        "target_groups:\n  app: {port: 9001, targets: [127.0.0.1]}\n\
         load_balancers:\n  local:\n    listeners:\n      \
           - {protocol: HTTP, port: 8080, default_action: {forward: app}}\n",
    );
    assert!(f.is_empty(), "{}", dump(&f));
    // A load balancer in a VPC that names none.
    let f = run(&balanced(
        "[]",
        "  lb:\n    ingress:\n      - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}\n",
    ));
    assert!(of(&f, "RMP019").is_empty(), "{}", dump(&f));
}

#[test]
fn the_seed_firewall_routing_is_symmetric() {
    let m = model::load_file(&example("seed.yaml")).unwrap().model;
    assert!(of(&audit(&m), "RMP015").is_empty());
}

// --- outputs ---

fn located_report() -> Report {
    let path = example("misconfigured.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let raw = model::parse_yaml(&text, "misconfigured.yaml").unwrap();
    let m = model::validate(&raw, "misconfigured.yaml").unwrap().model;
    let mut report = Report::new("examples/misconfigured.yaml", audit(&m));
    report.locate(|p| model::locate(&raw, p));
    report
}

#[test]
fn json_output_has_source_summary_and_findings() {
    let report = located_report();
    let v = report.to_json();
    assert_eq!(v["source"], "examples/misconfigured.yaml");
    let s = report.summary();
    assert_eq!(v["summary"]["high"], s.high);
    assert_eq!(v["summary"]["medium"], s.medium);
    assert_eq!(v["summary"]["low"], s.low);
    assert_eq!(s.high + s.medium + s.low, report.findings.len());
    let first = &v["findings"][0];
    for key in [
        "id",
        "name",
        "severity",
        "resource",
        "message",
        "explanation",
        "fix",
        "fingerprint",
    ] {
        assert!(first[key].is_string(), "{key}: {first}");
    }
    assert!(first["line"].is_u64());
}

#[test]
fn text_output_is_grouped_by_severity_with_a_summary_line() {
    let report = located_report();
    let t = report.to_text();
    let high = t.find("HIGH (").unwrap();
    let medium = t.find("MEDIUM (").unwrap();
    let low = t.find("LOW (").unwrap();
    assert!(high < medium && medium < low);
    let s = report.summary();
    assert!(t.trim_end().ends_with(&format!(
        "examples/misconfigured.yaml: {} findings: {} high, {} medium, {} low",
        report.findings.len(),
        s.high,
        s.medium,
        s.low
    )));
}

#[test]
fn sarif_output_is_structurally_valid_for_code_scanning() {
    let report = located_report();
    let v = report.to_sarif();
    assert_eq!(v["version"], "2.1.0");
    assert!(v["$schema"].as_str().unwrap().contains("sarif"));
    let run = &v["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "rampart");
    assert!(driver["version"].is_string());
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), RULES.len());
    for r in rules {
        for key in ["id", "name"] {
            assert!(r[key].is_string(), "{key}: {r}");
        }
        for key in ["shortDescription", "fullDescription", "help"] {
            assert!(r[key]["text"].is_string(), "{key}: {r}");
        }
        let level = r["defaultConfiguration"]["level"].as_str().unwrap();
        assert!(["error", "warning", "note"].contains(&level));
        let sev: f64 = r["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&sev));
        assert!(
            r["properties"]["tags"]
                .as_array()
                .is_some_and(|t| !t.is_empty())
        );
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), report.findings.len());
    let mut prints = BTreeSet::new();
    for (res, f) in results.iter().zip(&report.findings) {
        let idx = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            rules[idx]["id"], res["ruleId"],
            "ruleIndex must point at ruleId"
        );
        assert_eq!(res["ruleId"], f.id);
        assert!(["error", "warning", "note"].contains(&res["level"].as_str().unwrap()));
        assert!(
            res["message"]["text"]
                .as_str()
                .unwrap()
                .starts_with(&f.message)
        );
        let loc = &res["locations"][0];
        assert_eq!(
            loc["physicalLocation"]["artifactLocation"]["uri"],
            "examples/misconfigured.yaml"
        );
        assert_eq!(loc["logicalLocations"][0]["fullyQualifiedName"], f.resource);
        if let Some(line) = f.line {
            assert_eq!(loc["physicalLocation"]["region"]["startLine"], line);
            assert!(
                loc["physicalLocation"]["region"]["startColumn"]
                    .as_u64()
                    .unwrap()
                    >= 1
            );
        }
        let fp = res["partialFingerprints"]
            .as_object()
            .unwrap()
            .values()
            .next()
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned();
        assert!(prints.insert(fp));
        for (i, rel) in res["relatedLocations"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            assert_eq!(rel["id"], i + 1);
        }
    }
    // Every finding of the example is in the file, so every result has a line.
    assert!(report.findings.iter().all(|f| f.line.is_some()));
}

#[test]
fn fail_threshold() {
    let report = located_report();
    assert!(report.fails(Severity::High));
    let seed = model::load_file(&example("seed.yaml")).unwrap().model;
    let seed = Report::new("seed.yaml", audit(&seed));
    assert!(!seed.fails(Severity::Low));
    let unused = run("vpc: {cidr_blocks: [10.0.0.0/16]}\nsecurity_groups:\n  spare: {}\n");
    let unused = Report::new("unused.yaml", unused);
    assert_eq!(
        unused.summary().low,
        unused.findings.len(),
        "only low findings"
    );
    assert!(!unused.fails(Severity::Medium));
    assert!(unused.fails(Severity::Low));
}

// --- scale ---

#[test]
fn a_large_model_is_audited_with_findings_of_every_scale_sensitive_kind() {
    let m = model::load_str(&large_model::yaml(), "large.yaml")
        .unwrap()
        .model;
    let rules: usize = m
        .security_groups
        .iter()
        .map(|g| g.ingress.len() + g.egress.len())
        .sum();
    assert!(rules >= 10_000, "{rules}");
    assert_eq!(m.network_acls.len(), 200);
    let t = std::time::Instant::now();
    let f = audit(&m);
    let took = t.elapsed();
    // A loose guard against quadratic blow-ups, even unoptimised; release takes ~0.1 s.
    assert!(took.as_secs() < 20, "{took:?}");
    assert!(!of(&f, "RMP001").is_empty());
    assert!(!of(&f, "RMP008").is_empty());
}
