//! A large generated model: 200 subnets, each with its own NACL (20 rules per direction),
//! 200 security groups with 50 rules each (10,000 rules: CIDRs, group references and prefix
//! lists), and 400 instances carrying 3 groups each.

use std::fmt::Write;

pub(crate) const SUBNETS: usize = 200;
pub(crate) const GROUPS: usize = 200;
pub(crate) const RULES_PER_GROUP: usize = 50;

pub(crate) fn yaml() -> String {
    let mut y = String::from(
        "vpc: {name: large, cidr_blocks: [10.0.0.0/16]}\n\
         internet_gateway: {name: igw}\n\
         prefix_lists:\n  office: {max_entries: 4, entries: [{cidr: 192.0.2.0/24}, {cidr: 198.51.100.0/25}]}\n\
         route_tables:\n  public: {routes: [{destination: 0.0.0.0/0, target: internet_gateway}]}\n\
         subnets:\n",
    );
    for s in 0..SUBNETS {
        let rt = if s % 2 == 0 {
            ", route_table: public"
        } else {
            ""
        };
        let _ = writeln!(y, "  s{s}: {{cidr: 10.0.{s}.0/24, network_acl: n{s}{rt}}}");
    }
    y.push_str("network_acls:\n");
    for s in 0..SUBNETS {
        let _ = writeln!(y, "  n{s}:");
        for dir in ["ingress", "egress"] {
            let _ = writeln!(y, "    {dir}:");
            for r in 0..19 {
                let (action, cidr) = match r % 4 {
                    0 => ("deny", format!("10.0.{}.0/24", (s + r) % 256)),
                    1 => ("allow", "10.0.0.0/16".to_owned()),
                    2 => ("deny", format!("203.0.{r}.0/24")),
                    _ => ("allow", "0.0.0.0/0".to_owned()),
                };
                let port = [22, 80, 443, 5432, 8080][r % 5];
                let _ = writeln!(
                    y,
                    "      - {{rule: {}, action: {action}, protocol: tcp, ports: {port}, cidr: {cidr}}}",
                    (r + 1) * 10
                );
            }
            let _ = writeln!(
                y,
                "      - {{rule: 1000, action: allow, protocol: tcp, ports: 1024-65535, cidr: 0.0.0.0/0}}"
            );
        }
    }
    y.push_str("security_groups:\n");
    for g in 0..GROUPS {
        let _ = writeln!(y, "  g{g}:");
        for dir in ["ingress", "egress"] {
            let _ = writeln!(y, "    {dir}:");
            for r in 0..RULES_PER_GROUP / 2 {
                let port = 1000 + r;
                let peer = match r % 5 {
                    0 => format!("security_group: g{}", (g + r) % GROUPS),
                    1 => "prefix_list: office".to_owned(),
                    2 => format!("cidr: 10.0.{}.0/24", (g + r) % 256),
                    3 => format!("cidr: 172.{}.0.0/16", 16 + r % 16),
                    _ => format!("cidr: 10.{}.0.0/16", r),
                };
                let _ = writeln!(y, "      - {{protocol: tcp, ports: {port}, {peer}}}");
            }
        }
    }
    y.push_str("instances:\n");
    for i in 0..2 * SUBNETS {
        let s = i / 2;
        let public = if s % 2 == 0 {
            format!(", public_ip: 203.0.113.{}", i % 250 + 1)
        } else {
            String::new()
        };
        let _ = writeln!(
            y,
            "  i{i}: {{subnet: s{s}, private_ips: [10.0.{s}.{}], security_groups: [g{}, g{}, g{}]{public}}}",
            10 + i % 2,
            i % GROUPS,
            (i + 7) % GROUPS,
            (i + 13) % GROUPS
        );
    }
    y
}
