//! A synthetic VPC at the scale the audit must handle quickly: 200 subnets each with its own
//! NACL (so 200 NACLs with the default one, 20 rules each), 200 security groups of 50 rules
//! (10,000 rules: CIDRs inside and outside the VPC, group references, a few open to the
//! world), and 400 instances carrying one to three groups.

use std::fmt::Write;

pub(crate) const SUBNETS: usize = 199;
pub(crate) const GROUPS: usize = 200;
pub(crate) const RULES_PER_GROUP: usize = 50;

pub(crate) fn yaml() -> String {
    let mut y = String::from(
        "vpc: {cidr_blocks: [10.0.0.0/16]}\n\
         internet_gateway: {name: igw}\n\
         route_tables:\n  \
           public:\n    routes:\n      - {destination: 0.0.0.0/0, target: internet_gateway}\n  \
           private:\n    routes:\n      - {destination: 0.0.0.0/0, target: {nat_gateway: nat}}\n\
         nat_gateways:\n  nat: {subnet: s0, private_ip: 10.0.0.5, public_ip: 203.0.113.5}\n\
         subnets:\n",
    );
    for s in 0..SUBNETS {
        let rt = if s % 2 == 0 { "public" } else { "private" };
        let _ = writeln!(
            y,
            "  s{s}: {{cidr: 10.0.{s}.0/24, route_table: {rt}, network_acl: n{s}}}"
        );
    }
    y.push_str("network_acls:\n");
    for s in 0..SUBNETS {
        let _ = writeln!(y, "  n{s}:\n    ingress:");
        for k in 0..10u16 {
            let (action, ports, cidr) = match k {
                0 => ("deny", "22".to_owned(), "0.0.0.0/0".to_owned()),
                9 => ("allow", "1024-65535".to_owned(), "0.0.0.0/0".to_owned()),
                _ => (
                    "allow",
                    (8000 + k * 10 + (s as u16 % 7)).to_string(),
                    format!("10.0.{}.0/24", (s + k as usize) % SUBNETS),
                ),
            };
            let _ = writeln!(
                y,
                "      - {{rule: {}, action: {action}, protocol: tcp, ports: {ports}, cidr: {cidr}}}",
                100 + k * 10
            );
        }
        y.push_str("    egress:\n");
        for k in 0..10u16 {
            let (ports, cidr) = match k {
                0 => ("1024-65535".to_owned(), "0.0.0.0/0".to_owned()),
                1 => ("443".to_owned(), "0.0.0.0/0".to_owned()),
                _ => (
                    (8000 + k * 10).to_string(),
                    format!("10.0.{}.0/24", (s * 3 + k as usize) % SUBNETS),
                ),
            };
            let _ = writeln!(
                y,
                "      - {{rule: {}, action: allow, protocol: tcp, ports: {ports}, cidr: {cidr}}}",
                100 + k * 10
            );
        }
    }
    y.push_str("security_groups:\n");
    for g in 0..GROUPS {
        let _ = writeln!(y, "  g{g}:\n    ingress:");
        for r in 0..RULES_PER_GROUP {
            let port = 1000 + (g * RULES_PER_GROUP + r) % 60000;
            let peer = match r % 10 {
                _ if r == 0 && g % 25 == 0 => "cidr: 0.0.0.0/0".to_owned(),
                1 | 2 => format!("security_group: g{}", (g + r) % GROUPS),
                3 => format!("cidr: 198.{}.{}.0/24", 18 + r % 2, g % 250),
                _ => format!("cidr: 10.0.{}.0/24", (g + r) % SUBNETS),
            };
            let port = if r == 0 && g % 25 == 0 { 22 } else { port };
            let _ = writeln!(y, "      - {{protocol: tcp, ports: {port}, {peer}}}");
        }
    }
    y.push_str("instances:\n");
    for i in 0..SUBNETS * 2 {
        let s = i / 2;
        let public = if s % 2 == 0 {
            format!(", public_ip: 203.0.{}.{}", 114 + i / 250, 1 + i % 250)
        } else {
            String::new()
        };
        let groups: Vec<String> = (0..1 + i % 3)
            .map(|k| format!("g{}", (i + k * 7) % GROUPS))
            .collect();
        let _ = writeln!(
            y,
            "  i{i}: {{subnet: s{s}, private_ips: [10.0.{s}.{}]{public}, security_groups: [{}]}}",
            10 + i % 2,
            groups.join(", ")
        );
    }
    y
}
