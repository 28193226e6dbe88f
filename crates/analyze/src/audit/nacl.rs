//! Network ACLs on their own: rules that can never match (RMP007, RMP008), services let in
//! whose replies are blocked (RMP004), and public subnets left on the allow-all default
//! NACL (RMP013).

use std::collections::BTreeMap;

use model::{
    Direction, Family, L4, L4Match, NaclIdx, NaclRule, NetworkAcl, Packet, PortRange, Protocol,
    RuleAction, SubnetIdx, TCP, Tier, UDP,
};

use super::boxes::allows_everything;
use super::catalog::{
    DEFAULT_NACL_ON_PUBLIC_SUBNET, NACL_BLOCKS_REPLIES, NACL_RULE_NEVER_APPLIES,
    NACL_RULE_REDUNDANT,
};
use super::{
    Cx, Finding, Severity, and_list, capped_list, dir_index, generic_address_in, nacl_path,
    nacl_rule_path, subnet_path,
};
use crate::query::{LINUX_EPHEMERAL, NAT_EPHEMERAL};

pub(super) fn check(cx: &mut Cx<'_>) {
    shadowed(cx);
    blocked_replies(cx);
    default_nacl_on_public_subnets(cx);
}

/// `allow tcp 443 from 0.0.0.0/0`.
pub(super) fn describe_nacl_rule(r: &NaclRule, dir: Direction) -> String {
    format!(
        "{} {}",
        r.action,
        crate::explain::describe_nacl_rule(r, dir)
    )
}

/// A rule that admits replies to clients' connections rather than a service: a range of at
/// least 1024 ports above 1023, or one that holds the whole ephemeral range.
pub(super) fn is_return_traffic(p: PortRange) -> bool {
    (p.from >= 1024 && p.len() >= 1024) || (p.from <= 1024 && p.to == 65535)
}

fn shadowed(cx: &mut Cx<'_>) {
    let m = cx.m;
    let mut found = Vec::new();
    for (ni, acl) in m.network_acls.iter().enumerate() {
        let ni = NaclIdx(ni as u32);
        for dir in [Direction::Ingress, Direction::Egress] {
            let rules = acl.rules(dir);
            for s in &cx.shadowed[ni.get()][dir_index(dir)] {
                let Some(r) = rules.get(s.rule) else { continue };
                let covering: Vec<&NaclRule> = s.by.iter().filter_map(|&j| rules.get(j)).collect();
                let numbers: Vec<String> = covering.iter().map(|c| c.number.to_string()).collect();
                let described: Vec<String> = covering
                    .iter()
                    .map(|c| format!("{} ({})", c.number, describe_nacl_rule(c, dir)))
                    .collect();
                let rules_word = if covering.len() == 1 { "rule" } else { "rules" };
                let path = nacl_rule_path(m, ni, dir, s.rule);
                let related =
                    s.by.iter()
                        .map(|&j| nacl_rule_path(m, ni, dir, j))
                        .collect();
                let lowest = covering.iter().map(|c| c.number).min().unwrap_or(r.number);
                let common = format!(
                    "NACL rules are evaluated in ascending order and the first match decides. {} {} of network ACL {} \
                     {dir} match{} every packet that rule {} ({}) matches (computed exactly over protocol × port or \
                     ICMP type/code × address), so rule {} never decides anything.",
                    rules_word.replacen('r', "R", 1),
                    and_list(&described),
                    acl.name,
                    if covering.len() == 1 { "es" } else { "" },
                    r.number,
                    describe_nacl_rule(r, dir),
                    r.number
                );
                let f = if s.conflicting {
                    let opposite: Vec<String> = covering
                        .iter()
                        .filter(|c| c.action != r.action)
                        .map(|c| c.number.to_string())
                        .collect();
                    Finding::new(NACL_RULE_NEVER_APPLIES, path)
                        .message(format!(
                            "network ACL {} {dir} rule {} ({}) never takes effect: {rules_word} {} match{} everything it matches first",
                            acl.name,
                            r.number,
                            describe_nacl_rule(r, dir),
                            and_list(&numbers),
                            if covering.len() == 1 { "es" } else { "" }
                        ))
                        .explanation(format!(
                            "{common} Because {} {} {} the opposite action, the {} this rule expresses never happens.",
                            if opposite.len() == 1 { "rule" } else { "rules" },
                            and_list(&opposite),
                            if opposite.len() == 1 { "has" } else { "have" },
                            if r.action == RuleAction::Allow { "allow" } else { "deny" },
                        ))
                        .fix(if lowest > 1 {
                            format!(
                                "If rule {} states what you mean, renumber it below {lowest} (for example {}); \
                                 otherwise delete it.",
                                r.number,
                                lowest - 1
                            )
                        } else {
                            format!(
                                "Narrow rule {lowest}, or delete rule {} if rule {lowest} states what you mean.",
                                r.number
                            )
                        })
                } else {
                    Finding::new(NACL_RULE_REDUNDANT, path)
                        .message(format!(
                            "network ACL {} {dir} rule {} ({}) is redundant: {rules_word} {} already {}{} every packet it matches",
                            acl.name,
                            r.number,
                            describe_nacl_rule(r, dir),
                            and_list(&numbers),
                            if r.action == RuleAction::Allow { "allow" } else { "deny" },
                            if covering.len() == 1 { "s" } else { "" },
                        ))
                        .explanation(format!(
                            "{common} The covering rules have the same action, so deleting it changes nothing; \
                             it only uses one of the 20 rules a NACL may hold per direction and family."
                        ))
                        .fix(format!("Delete rule {}.", r.number))
                };
                found.push(f.related(related));
            }
        }
    }
    cx.out.extend(found);
}

/// How the replies to one source fare.
struct Blocked {
    rule_path: String,
    cidr: model::Cidr,
    allowed: Vec<PortRange>,
    allowed_ports: u32,
    linux_ports: u32,
    denied_by: Vec<String>,
    severity: Severity,
}

fn blocked_replies(cx: &mut Cx<'_>) {
    let m = cx.m;
    let mut found = Vec::new();
    for (ni, acl) in m.network_acls.iter().enumerate() {
        let ni = NaclIdx(ni as u32);
        let subnets: Vec<SubnetIdx> = m.subnets_with_nacl(ni).collect();
        // service (protocol, ports) → the sources whose replies are blocked
        let mut services: BTreeMap<(u8, PortRange), Vec<Blocked>> = BTreeMap::new();
        for (pos, r) in acl.ingress.iter().enumerate() {
            let (Protocol::Number(proto @ (TCP | UDP)), L4Match::Ports(ports)) = (r.protocol, r.l4)
            else {
                continue;
            };
            if r.action != RuleAction::Allow
                || is_return_traffic(ports)
                || cx.is_shadowed(ni, Direction::Ingress, pos)
            {
                continue;
            }
            // Traffic inside one subnet never crosses its NACL.
            if let [only] = subnets.as_slice()
                && m.subnet(*only).cidrs().any(|c| c.covers(&r.cidr))
            {
                continue;
            }
            let client = generic_address_in(cx, &r.cidr, acl.egress.iter().map(|e| &e.cidr));
            if let Some(b) = judge_replies(acl, proto, ports.from, client) {
                services.entry((proto, ports)).or_default().push(Blocked {
                    rule_path: nacl_rule_path(m, ni, Direction::Ingress, pos),
                    cidr: r.cidr,
                    ..b
                });
            }
        }
        for ((proto, ports), blocked) in services {
            let proto_name = if proto == TCP { "tcp" } else { "udp" };
            let service = format!("{proto_name} {ports}");
            let severity = blocked
                .iter()
                .map(|b| b.severity)
                .max()
                .unwrap_or(Severity::Medium);
            let per_source: Vec<String> = blocked
                .iter()
                .map(|b| {
                    if b.allowed_ports == 0 {
                        format!("to {}: no port of {NAT_EPHEMERAL} allowed", b.cidr)
                    } else {
                        let ranges: Vec<String> = b.allowed.iter().map(|r| r.to_string()).collect();
                        let linux = match b.linux_ports {
                            0 => "none",
                            n if n == LINUX_EPHEMERAL.len() => "all",
                            _ => "part",
                        };
                        format!(
                            "to {}: only ports {} of {NAT_EPHEMERAL} allowed (Linux's {LINUX_EPHEMERAL}: {linux})",
                            b.cidr,
                            capped_list(&ranges, 4)
                        )
                    }
                })
                .collect();
            let mut denied: Vec<String> =
                blocked.iter().flat_map(|b| b.denied_by.clone()).collect();
            denied.sort();
            denied.dedup();
            let inbound: Vec<String> = blocked.iter().map(|b| b.rule_path.clone()).collect();
            let lowest_deny = acl
                .egress
                .iter()
                .filter(|e| e.action == RuleAction::Deny)
                .map(|e| e.number)
                .min();
            let cidrs: Vec<String> = blocked.iter().map(|b| b.cidr.to_string()).collect();
            found.push(
                Finding::new(NACL_BLOCKS_REPLIES, format!("{}.egress", nacl_path(m, ni)))
                    .severity(severity)
                    .key(format!("{proto_name}/{ports}"))
                    .message(format!(
                        "network ACL {} lets {service} in but its outbound rules deny the replies: {}",
                        acl.name,
                        per_source.join("; ")
                    ))
                    .explanation(format!(
                        "NACLs are stateless: the reply to each request is a new packet that the outbound rules \
                         judge, sent to the port the client chose from its ephemeral range ({LINUX_EPHEMERAL} on \
                         Linux, 49152-65535 on Windows, {NAT_EPHEMERAL} behind a NAT gateway, load balancer or \
                         Lambda). {} let{} the requests in, and {} {} of network ACL {} egress drop{} the \
                         replies, so those clients' connections hang until they time out{}.",
                        and_list(&inbound),
                        if inbound.len() == 1 { "s" } else { "" },
                        if denied.len() == 1 { "rule" } else { "rules" },
                        and_list(&denied),
                        acl.name,
                        if denied.len() == 1 { "s" } else { "" },
                        if subnets.is_empty() {
                            " (the NACL is associated with no subnet yet)".to_owned()
                        } else {
                            String::new()
                        }
                    ))
                    .fix(format!(
                        "Add to {}.egress a rule that allows {proto_name} {NAT_EPHEMERAL} to {}{}.",
                        nacl_path(m, ni),
                        and_list(&cidrs),
                        match lowest_deny {
                            Some(n) if n > 1 => format!(", numbered below the deny rule {n}"),
                            _ => String::new(),
                        }
                    ))
                    .related(inbound),
            );
        }
    }
    cx.out.extend(found);
}

/// The outbound verdicts on replies from `server_port` to `client`, over the whole ephemeral
/// range; `None` when every port is allowed.
fn judge_replies(
    acl: &NetworkAcl,
    proto: u8,
    server_port: u16,
    client: std::net::IpAddr,
) -> Option<Blocked> {
    let reply = Packet {
        src: client,
        dst: client,
        protocol: proto,
        l4: L4::Ports {
            src: server_port,
            dst: NAT_EPHEMERAL.from,
        },
    };
    let parts = acl.evaluate_dst_ports(Direction::Egress, &reply, NAT_EPHEMERAL);
    let allowed: Vec<PortRange> = parts
        .iter()
        .filter(|(_, d)| d.allowed())
        .map(|(r, _)| *r)
        .collect();
    let allowed_ports: u32 = allowed.iter().map(PortRange::len).sum();
    if allowed_ports == NAT_EPHEMERAL.len() {
        return None;
    }
    let linux_ports: u32 = acl
        .evaluate_dst_ports(Direction::Egress, &reply, LINUX_EPHEMERAL)
        .iter()
        .filter(|(_, d)| d.allowed())
        .map(|(r, _)| r.len())
        .sum();
    let mut denied_by: Vec<String> = parts
        .iter()
        .filter(|(_, d)| !d.allowed())
        .map(|(_, d)| d.rule.to_string())
        .collect();
    denied_by.dedup();
    Some(Blocked {
        rule_path: String::new(),
        cidr: model::Cidr::host(client),
        allowed,
        allowed_ports,
        linux_ports,
        denied_by,
        severity: if allowed_ports == 0 || linux_ports == 0 {
            Severity::High
        } else {
            Severity::Medium
        },
    })
}

fn default_nacl_on_public_subnets(cx: &mut Cx<'_>) {
    let m = cx.m;
    for (si, s) in m.subnets.iter().enumerate() {
        let si = SubnetIdx(si as u32);
        let acl = m.network_acl(s.network_acl);
        if m.effective_tier(si) != Tier::Public
            || !acl.is_default
            || !allows_everything(&acl.ingress, Family::Ipv4)
        {
            continue;
        }
        cx.push(
            Finding::new(DEFAULT_NACL_ON_PUBLIC_SUBNET, subnet_path(m, si))
                .message(format!(
                    "public subnet {} uses the default network ACL {}, which allows all inbound traffic",
                    s.name, acl.name
                ))
                .explanation(format!(
                    "Subnet {} routes to the internet gateway, and the default NACL's inbound rules allow every \
                     packet, so the instances' security groups are the only filter between them and the internet. \
                     One permissive group rule becomes an exposure with no second layer to stop it.",
                    s.name
                ))
                .fix(format!(
                    "Create a network ACL for subnet {} that allows the public services inbound and tcp/udp \
                     1024-65535 for replies (then denies the rest), and set `network_acl:` on the subnet.",
                    s.name
                ))
                .related(vec![nacl_path(m, s.network_acl)]),
        );
    }
}
