//! One layer allows what the other blocks: a security group opens a service that a network
//! ACL denies (RMP005), and a network ACL opens a service that no security group behind it
//! allows (RMP006). Each is reported once per service, not once per rule.

use std::collections::{BTreeSet, HashSet};
use std::net::IpAddr;

use model::{
    Cidr, Direction, Family, GroupRef, InstanceIdx, L4, L4Match, Model, NaclIdx, Packet, PortRange,
    Protocol, RouteTarget, RuleAction, SgIdx, SgPeer, SgRule, SubnetIdx, TCP, UDP,
};

use super::catalog::{NACL_ALLOWS_NO_SG, SG_ALLOWS_NACL_DENIES};
use super::nacl::{describe_nacl_rule, is_return_traffic};
use super::{
    Cx, End, Finding, capped_list, cidr_inside_vpc, instance_path, nacl_path, public_address_in,
    sg_rule_path, subnet_path,
};
use crate::explain::{Layer, Leg, RuleRef, StepVerdict, Verdict, describe_sg_rule};
use crate::query::LINUX_EPHEMERAL;

/// At most this many sources and destinations are tried per rule: one per subnet is what
/// decides NACL verdicts, and a rule naming more subnets than this is rare.
const MAX_PER_RULE: usize = 16;

pub(super) fn check(cx: &mut Cx<'_>) {
    nacl_allows_without_sg(cx);
    sg_allows_nacl_denies(cx);
}

/// Whether a security group ingress rule could admit some packet of `proto`, `ports` from
/// `cidr`. Peers the model cannot resolve count as overlapping: the audit does not guess.
fn sg_rule_overlaps(m: &Model, r: &SgRule, proto: u8, ports: PortRange, cidr: &Cidr) -> bool {
    let proto_ok = r.protocol.matches(proto);
    let ports_ok = match r.l4 {
        L4Match::Any => true,
        L4Match::Ports(q) => q.from <= ports.to && ports.from <= q.to,
        L4Match::Icmp(_) => false,
    };
    let peer_ok = match &r.peer {
        SgPeer::Cidr(c) => c.overlaps(cidr),
        SgPeer::SecurityGroup(GroupRef::Local(g)) => {
            m.sg_members(*g).iter().any(|a| cidr.contains(*a))
        }
        SgPeer::PrefixList(GroupRef::Local(p)) => match &m.prefix_list(*p).entries {
            Some(es) => es.iter().any(|e| e.cidr.overlaps(cidr)),
            None => true,
        },
        SgPeer::SecurityGroup(GroupRef::External(_))
        | SgPeer::PrefixList(GroupRef::External(_)) => true,
    };
    proto_ok && ports_ok && peer_ok
}

fn nacl_allows_without_sg(cx: &mut Cx<'_>) {
    let m = cx.m;
    let mut found = Vec::new();
    for (ni, acl) in m.network_acls.iter().enumerate() {
        let ni = NaclIdx(ni as u32);
        let subnets: Vec<SubnetIdx> = m.subnets_with_nacl(ni).collect();
        let instances: Vec<InstanceIdx> = subnets
            .iter()
            .flat_map(|s| m.instances_in_subnet(*s).iter().copied())
            .collect();
        if instances.is_empty() {
            continue;
        }
        let groups: BTreeSet<SgIdx> = instances
            .iter()
            .flat_map(|i| m.instance(*i).security_groups.iter().copied())
            .collect();
        let mut seen: HashSet<(u8, PortRange, Cidr)> = HashSet::new();
        for (pos, r) in acl.ingress.iter().enumerate() {
            let (Protocol::Number(proto @ (TCP | UDP)), L4Match::Ports(ports)) = (r.protocol, r.l4)
            else {
                continue;
            };
            if r.action != RuleAction::Allow
                || is_return_traffic(ports)
                || cx.is_shadowed(ni, Direction::Ingress, pos)
                || !seen.insert((proto, ports, r.cidr))
            {
                continue;
            }
            let allowed = groups.iter().any(|g| {
                m.security_group(*g)
                    .ingress
                    .iter()
                    .any(|sr| sg_rule_overlaps(m, sr, proto, ports, &r.cidr))
            });
            if allowed {
                continue;
            }
            let path = super::nacl_rule_path(m, ni, Direction::Ingress, pos);
            let subnet_names: Vec<String> =
                subnets.iter().map(|s| m.subnet(*s).name.clone()).collect();
            let group_names: Vec<String> = groups
                .iter()
                .map(|g| m.security_group(*g).name.clone())
                .collect();
            let proto_name = if proto == TCP { "tcp" } else { "udp" };
            found.push(
                Finding::new(NACL_ALLOWS_NO_SG, path.clone())
                    .key(format!("{proto_name}/{ports}/{}", r.cidr))
                    .message(format!(
                        "network ACL {} allows {proto_name} {ports} in from {}, but no security group of the {} \
                         instance{} in subnet{} {} allows it",
                        acl.name,
                        r.cidr,
                        instances.len(),
                        if instances.len() == 1 { "" } else { "s" },
                        if subnets.len() == 1 { "" } else { "s" },
                        capped_list(&subnet_names, 4)
                    ))
                    .explanation(format!(
                        "Traffic entering a subnet passes its NACL, then a security group of the instance it is \
                         for. Rule {} ({}) lets the packets in, but none of the groups [{}] has an ingress rule for \
                         {proto_name} {ports} from any address of {}, so they are dropped one step later. The \
                         opening serves nothing today and is ready for the day a group rule is added by mistake. \
                         (Resources outside the model, such as load balancers or endpoints, may still use it.)",
                        r.number,
                        describe_nacl_rule(r, Direction::Ingress),
                        capped_list(&group_names, 6),
                        r.cidr
                    ))
                    .fix(format!(
                        "Delete {path}, or, if the service is meant to be reachable, add the security group rule \
                         it needs."
                    ))
                    .related(subnets.iter().map(|s| subnet_path(m, *s)).collect()),
            );
        }
    }
    cx.out.extend(found);
}

/// A client to try: an instance (and the address it uses) or an address outside the VPC,
/// and how the rule names it.
struct Source {
    end: End,
    addr: IpAddr,
    instance: Option<InstanceIdx>,
    /// How the rule names the source: `10.0.0.0/8`, `security group app`.
    name: String,
    /// The source with the client chosen for it: `security group app (app-1)`.
    label: String,
}

/// One instance per subnet among `instances`, in model order.
fn one_per_subnet(m: &Model, instances: &[InstanceIdx]) -> Vec<InstanceIdx> {
    let mut seen = HashSet::new();
    instances
        .iter()
        .copied()
        .filter(|i| seen.insert(m.instance(*i).subnet))
        .take(MAX_PER_RULE)
        .collect()
}

fn cidr_sources(cx: &Cx<'_>, c: &Cidr, label: &str, out: &mut Vec<Source>) {
    let m = cx.m;
    if c.is_everything() {
        let a = cx.an.internet_address(c.family());
        out.push(Source {
            end: End::Internet(c.family()),
            addr: a,
            instance: None,
            name: label.to_owned(),
            label: format!("{label} (the internet)"),
        });
        return;
    }
    let mut subnets_seen = 0;
    for (si, s) in m.subnets.iter().enumerate() {
        if subnets_seen >= MAX_PER_RULE || !s.cidrs().any(|sc| sc.overlaps(c)) {
            continue;
        }
        let inside = m
            .instances_in_subnet(SubnetIdx(si as u32))
            .iter()
            .find_map(|i| {
                m.instance(*i)
                    .private_addrs()
                    .find(|a| c.contains(*a))
                    .map(|a| (*i, a))
            });
        if let Some((i, a)) = inside {
            subnets_seen += 1;
            out.push(Source {
                end: End::Addr(a),
                addr: a,
                instance: Some(i),
                name: label.to_owned(),
                label: format!("{label} ({})", m.instance(i).name),
            });
        }
    }
    if !cidr_inside_vpc(m, c)
        && let Some(a) = public_address_in(cx, c)
    {
        out.push(Source {
            end: End::Addr(a),
            addr: a,
            instance: None,
            name: label.to_owned(),
            label: format!("{label} ({a})"),
        });
    }
}

fn sources(cx: &Cx<'_>, r: &SgRule, dst_family_hint: Family) -> Vec<Source> {
    let m = cx.m;
    let mut out = Vec::new();
    match &r.peer {
        SgPeer::Cidr(c) => cidr_sources(cx, c, &c.to_string(), &mut out),
        SgPeer::PrefixList(GroupRef::Local(p)) => {
            let pl = m.prefix_list(*p);
            for e in pl.entries.iter().flatten().take(8) {
                cidr_sources(
                    cx,
                    &e.cidr,
                    &format!("prefix list {} entry {}", pl.name, e.cidr),
                    &mut out,
                );
            }
        }
        SgPeer::SecurityGroup(GroupRef::Local(h)) => {
            for i in one_per_subnet(m, m.instances_with_sg(*h)) {
                let inst = m.instance(i);
                let Some(a) = inst
                    .primary_addr(dst_family_hint)
                    .or_else(|| inst.private_addrs().next())
                else {
                    continue;
                };
                out.push(Source {
                    end: End::Addr(a),
                    addr: a,
                    instance: Some(i),
                    name: format!("security group {}", m.security_group(*h).name),
                    label: format!(
                        "security group {} ({})",
                        m.security_group(*h).name,
                        inst.name
                    ),
                });
            }
        }
        _ => {}
    }
    out
}

fn sg_allows_nacl_denies(cx: &mut Cx<'_>) {
    let m = cx.m;
    // Once per service: destination subnet, protocol, port, the source as the rule names it,
    // and where the client sits (its subnet, or outside the VPC), which decides the NACLs.
    let mut seen: HashSet<(SubnetIdx, u8, u16, String, Option<SubnetIdx>)> = HashSet::new();
    for (gi, g) in m.security_groups.iter().enumerate() {
        let gi = SgIdx(gi as u32);
        let dsts = one_per_subnet(m, m.instances_with_sg(gi));
        if dsts.is_empty() {
            continue;
        }
        for r in &g.ingress {
            let (Protocol::Number(proto @ (TCP | UDP)), L4Match::Ports(ports)) = (r.protocol, r.l4)
            else {
                continue;
            };
            let port = ports.from;
            for &dst in &dsts {
                let d = m.instance(dst);
                let hint = if d.private_ips.is_empty() {
                    Family::Ipv6
                } else {
                    Family::Ipv4
                };
                for src in sources(cx, r, hint) {
                    let key_src = src.name.clone();
                    let src_subnet = src.instance.map(|i| m.instance(i).subnet);
                    if src.instance == Some(dst)
                        || !seen.insert((d.subnet, proto, port, key_src.clone(), src_subnet))
                        || !could_be_denied(cx, &src, dst, proto, port)
                    {
                        continue;
                    }
                    let Some(x) = cx.explain(src.end, End::Instance(dst), proto, port) else {
                        continue;
                    };
                    if x.verdict != Verdict::Deny || x.decided_by.layer != Layer::NetworkAcl {
                        continue;
                    }
                    let Some(RuleRef::NaclRule {
                        network_acl,
                        direction,
                        rule,
                        ..
                    }) = &x.decided_by.rule
                    else {
                        continue;
                    };
                    let leg = x
                        .trace
                        .iter()
                        .find(|s| s.reached && s.verdict == StepVerdict::Deny)
                        .map_or(Leg::Request, |s| s.leg);
                    let Some(ni) = m.network_acls.iter().position(|a| &a.name == network_acl)
                    else {
                        continue;
                    };
                    let ni = NaclIdx(ni as u32);
                    let acl = m.network_acl(ni);
                    let nacl_rule = rule
                        .parse::<u16>()
                        .ok()
                        .and_then(|n| acl.rules(*direction).iter().position(|x| x.number == n));
                    let resource = match nacl_rule {
                        Some(pos) => super::nacl_rule_path(m, ni, *direction, pos),
                        None => format!("{}.{direction}", nacl_path(m, ni)),
                    };
                    let proto_name = if proto == TCP { "tcp" } else { "udp" };
                    let sg_path = sg_rule_path(m, gi, Direction::Ingress, r.index);
                    let leg_word = match leg {
                        Leg::Request => "the request",
                        Leg::Reply => "the reply",
                    };
                    let family = Family::of(src.addr);
                    let block_of = |i: InstanceIdx| {
                        m.subnet(m.instance(i).subnet)
                            .cidrs()
                            .find(|c| c.family() == family)
                            .map_or_else(|| src.addr.to_string(), |c| c.to_string())
                    };
                    let src_block = match src.instance {
                        Some(i) => block_of(i),
                        None => src.name.split(' ').next().unwrap_or_default().to_owned(),
                    };
                    let dst_block = block_of(dst);
                    let allow = match (leg, direction) {
                        (Leg::Request, Direction::Ingress) => {
                            format!("{proto_name} {port} from {src_block}")
                        }
                        (Leg::Request, Direction::Egress) => {
                            format!("{proto_name} {port} to {dst_block}")
                        }
                        (Leg::Reply, Direction::Egress) => {
                            format!("{proto_name} 1024-65535 to {src_block} (the replies)")
                        }
                        (Leg::Reply, Direction::Ingress) => {
                            format!("{proto_name} 1024-65535 from {dst_block} (the replies)")
                        }
                    };
                    let below = match rule.parse::<u16>() {
                        Ok(n) => format!(", numbered below rule {n}"),
                        Err(_) => String::new(),
                    };
                    let fix = format!(
                        "Add to network_acls.{network_acl}.{direction} a rule that allows {allow}{below}; or delete \
                         {sg_path} if the service is not meant to be reachable from {key_src}."
                    );
                    cx.out.push(
                        Finding::new(SG_ALLOWS_NACL_DENIES, resource)
                            .key(format!(
                                "{}/{proto_name}/{port}/{key_src}/{}",
                                m.subnet(d.subnet).name,
                                src_subnet.map_or("outside", |s| m.subnet(s).name.as_str())
                            ))
                            .message(format!(
                                "security group {} allows {proto_name} {port} from {key_src} to {} (subnet {}), but \
                                 network ACL {network_acl} denies {leg_word} ({direction} rule {rule})",
                                g.name,
                                d.name,
                                m.subnet(d.subnet).name
                            ))
                            .explanation(format!(
                                "{sg_path} ({}) opens the service, but `explain` of {proto_name} {port} from {} to {} \
                                 is denied: {} Traffic must pass both layers, and NACLs judge the request and the \
                                 reply separately (they are stateless), so the service does not work from this source \
                                 whatever the security group says.",
                                describe_sg_rule(m, r, Direction::Ingress),
                                src.label,
                                d.name,
                                x.decided_by.reason
                            ))
                            .fix(fix)
                            .related(vec![sg_path, instance_path(m, dst)]),
                    );
                }
            }
        }
    }
}

/// A cheap, sound pre-check: `true` unless the flow takes the plain path (internet gateway or
/// local route, no middlebox) and every NACL on it allows the request and every reply port.
/// Only flows that pass it are explained.
fn could_be_denied(cx: &Cx<'_>, src: &Source, dst: InstanceIdx, proto: u8, port: u16) -> bool {
    let m = cx.m;
    let d = m.instance(dst);
    let family = Family::of(src.addr);
    let Some(d_addr) = d.primary_addr(family) else {
        return false;
    };
    let d_acl = m.network_acl(m.subnet(d.subnet).network_acl);
    let d_rt = m.route_table(m.subnet(d.subnet).route_table);
    let request = Packet {
        src: src.addr,
        dst: d_addr,
        protocol: proto,
        l4: L4::Ports {
            src: LINUX_EPHEMERAL.from,
            dst: port,
        },
    };
    let reply = Packet {
        src: d_addr,
        dst: src.addr,
        protocol: proto,
        l4: L4::Ports {
            src: port,
            dst: LINUX_EPHEMERAL.from,
        },
    };
    let denies_reply = |acl: &model::NetworkAcl, dir: Direction| {
        acl.evaluate_dst_ports(dir, &reply, LINUX_EPHEMERAL)
            .iter()
            .any(|(_, dec)| !dec.allowed())
    };
    match src.instance {
        None => {
            // From outside: the instance must be addressable from the internet at all, else the
            // gateway (not a NACL) decides.
            let addressable = match family {
                Family::Ipv4 => d.public_ip.is_some(),
                Family::Ipv6 => true,
            };
            if !addressable {
                return false;
            }
            let edge_plain = m
                .internet_gateway
                .as_ref()
                .and_then(|g| g.route_table)
                .is_none_or(|rt| {
                    m.route_table(rt)
                        .lookup(d_addr)
                        .is_some_and(|r| r.target == RouteTarget::Local)
                });
            let back_plain = d_rt
                .lookup(src.addr)
                .is_some_and(|r| r.target == RouteTarget::InternetGateway);
            !edge_plain
                || !back_plain
                || !d_acl.evaluate(Direction::Ingress, &request).allowed()
                || denies_reply(d_acl, Direction::Egress)
        }
        Some(s) => {
            let si = m.instance(s).subnet;
            if si == d.subnet {
                return false;
            }
            let s_acl = m.network_acl(m.subnet(si).network_acl);
            let s_rt = m.route_table(m.subnet(si).route_table);
            let local = |rt: &model::RouteTable, a: IpAddr| {
                rt.lookup(a).is_some_and(|r| r.target == RouteTarget::Local)
            };
            !local(s_rt, d_addr)
                || !local(d_rt, src.addr)
                || !s_acl.evaluate(Direction::Egress, &request).allowed()
                || !d_acl.evaluate(Direction::Ingress, &request).allowed()
                || denies_reply(d_acl, Direction::Egress)
                || denies_reply(s_acl, Direction::Ingress)
        }
    }
}
