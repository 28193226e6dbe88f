//! Security group rules that expose services to the internet: administration and database
//! ports open to the world (RMP001), all traffic open to the world (RMP002), and SSH or RDP
//! reachable from outside the VPC on an instance with a public address (RMP003).

use std::collections::HashMap;

use model::{
    Cidr, Direction, Family, GroupRef, InstanceIdx, L4Match, Model, PortRange, Protocol, SgIdx,
    SgPeer, SgRule, TCP, UDP,
};

use super::boxes::family_span;
use super::catalog::{ADMIN_PORT_OPEN, ALL_TRAFFIC_OPEN, REMOTE_ADMIN_FROM_OUTSIDE};
use super::{
    Cx, End, Finding, Severity, and_list, capped_list, cidr_inside_vpc, instance_path,
    public_address_in, sg_rule_path,
};
use crate::explain::{RuleRef, Verdict, describe_sg_rule};

/// A service that should never face the whole internet.
struct Service {
    port: u16,
    name: &'static str,
    /// Whether the service also listens on UDP.
    udp: bool,
}

const fn svc(port: u16, name: &'static str, udp: bool) -> Service {
    Service { port, name, udp }
}

/// Remote administration, databases, caches, search, container and cluster control, file
/// sharing: what scanners try first.
const ADMIN_SERVICES: &[Service] = &[
    svc(21, "FTP", false),
    svc(22, "SSH", false),
    svc(23, "Telnet", false),
    svc(135, "MS RPC", true),
    svc(139, "NetBIOS", false),
    svc(445, "SMB", false),
    svc(1433, "SQL Server", false),
    svc(1521, "Oracle", false),
    svc(2375, "Docker API", false),
    svc(2376, "Docker API (TLS)", false),
    svc(2379, "etcd", false),
    svc(2380, "etcd peer", false),
    svc(3306, "MySQL", false),
    svc(3389, "RDP", true),
    svc(5432, "PostgreSQL", false),
    svc(5601, "Kibana", false),
    svc(5900, "VNC", false),
    svc(5984, "CouchDB", false),
    svc(6379, "Redis", false),
    svc(6443, "Kubernetes API", false),
    svc(9042, "Cassandra", false),
    svc(9200, "Elasticsearch", false),
    svc(9300, "Elasticsearch transport", false),
    svc(10250, "kubelet", false),
    svc(11211, "Memcached", true),
    svc(27017, "MongoDB", false),
    svc(27018, "MongoDB shard", false),
];

/// One exposed service: protocol, port, name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Exposed {
    protocol: u8,
    port: u16,
    name: &'static str,
}

impl Exposed {
    fn label(&self) -> String {
        let p = if self.protocol == TCP { "tcp" } else { "udp" };
        format!("{} ({p} {})", self.name, self.port)
    }
}

/// The administration services a rule's protocol and ports let through.
fn exposed_services(protocol: Protocol, l4: &L4Match) -> Vec<Exposed> {
    let hit = |proto: u8, range: Option<PortRange>| {
        ADMIN_SERVICES
            .iter()
            .filter(move |s| proto == TCP || s.udp)
            .filter(move |s| range.is_none_or(|r| r.contains(s.port)))
            .map(move |s| Exposed {
                protocol: proto,
                port: s.port,
                name: s.name,
            })
    };
    match (protocol, l4) {
        (Protocol::All, _) => hit(TCP, None).chain(hit(UDP, None)).collect(),
        (Protocol::Number(p @ (TCP | UDP)), L4Match::Ports(r)) => hit(p, Some(*r)).collect(),
        _ => Vec::new(),
    }
}

/// Every protocol, or every port of TCP or UDP (port 0 is never used, so 1-65535 counts).
fn is_all_traffic(r: &SgRule) -> bool {
    match (r.protocol, r.l4) {
        (Protocol::All, _) => true,
        (Protocol::Number(TCP | UDP), L4Match::Ports(p)) => p.from <= 1 && p.to == 65535,
        _ => false,
    }
}

/// The family whose every address the peer holds: `/0`, or a prefix list whose entries
/// together cover everything.
fn world_family(m: &Model, peer: &SgPeer) -> Option<Family> {
    match peer {
        SgPeer::Cidr(c) if c.is_everything() => Some(c.family()),
        SgPeer::PrefixList(GroupRef::Local(p)) => {
            let pl = m.prefix_list(*p);
            let entries = pl.entries.as_deref()?;
            let mut ranges: Vec<(u128, u128)> = entries
                .iter()
                .filter(|e| e.cidr.family() == pl.family)
                .map(|e| e.cidr.range())
                .collect();
            ranges.sort_unstable();
            let (lo, hi) = family_span(pl.family);
            let mut next = lo;
            for (a, b) in ranges {
                if a > next {
                    return None;
                }
                if b >= hi {
                    return Some(pl.family);
                }
                next = next.max(b + 1);
            }
            None
        }
        _ => None,
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    world_open(cx);
    remote_admin_from_outside(cx);
}

fn world_open(cx: &mut Cx<'_>) {
    let m = cx.m;
    for (gi, g) in m.security_groups.iter().enumerate() {
        let gi = SgIdx(gi as u32);
        for r in &g.ingress {
            let Some(family) = world_family(m, &r.peer) else {
                continue;
            };
            let all = is_all_traffic(r);
            let exposed = exposed_services(r.protocol, &r.l4);
            if !all && exposed.is_empty() {
                continue;
            }
            let path = sg_rule_path(m, gi, Direction::Ingress, r.index);
            let carriers = m.instances_with_sg(gi);
            let reach = reachability(cx, carriers, family, &exposed);
            let desc = describe_sg_rule(m, r, Direction::Ingress);
            let services: Vec<String> = exposed.iter().map(Exposed::label).collect();
            let who = match family {
                Family::Ipv4 => "every IPv4 address",
                Family::Ipv6 => "every IPv6 address",
            };
            let (id, message, what, fix) = if all {
                (
                    ALL_TRAFFIC_OPEN,
                    format!(
                        "security group {} allows {desc}: every service its instances run is open to the internet",
                        g.name
                    ),
                    format!(
                        "every port, including {} administration and database ports such as {}",
                        services.len(),
                        capped_list(&services, 4)
                    ),
                    format!(
                        "Replace {path} with one rule per service the instances offer (for example tcp 443 from {}), \
                         and open administration ports, if at all, only to the addresses that need them.",
                        peer_label(m, r)
                    ),
                )
            } else {
                (
                    ADMIN_PORT_OPEN,
                    format!(
                        "security group {} allows {} from {}",
                        g.name,
                        capped_list(&services, 6),
                        peer_label(m, r)
                    ),
                    and_list(&services),
                    format!(
                        "Narrow the source of {path} to the addresses that need it (a VPN or office CIDR, or the \
                         clients' security group).{}",
                        if exposed.iter().any(|e| e.port == 22 || e.port == 3389) {
                            " For SSH and RDP, use Session Manager instead and delete the rule."
                        } else {
                            " Keep databases and caches in private subnets, open only to the application's security group."
                        }
                    ),
                )
            };
            let severity = if reach.reachable.is_empty() {
                Severity::Medium
            } else {
                Severity::High
            };
            let explanation = format!(
                "The rule ({desc}) matches {who}, and security groups allow a packet when any rule of any \
                 attached group matches: there are no deny rules and no order, so this rule alone opens {what} \
                 to the whole internet. {}",
                reach.sentence(m, carriers)
            );
            let related = if reach.reachable.is_empty() {
                carriers
                    .iter()
                    .take(20)
                    .map(|i| instance_path(m, *i))
                    .collect()
            } else {
                reach
                    .reachable
                    .iter()
                    .map(|(i, _)| instance_path(m, *i))
                    .collect()
            };
            cx.push(
                Finding::new(id, path)
                    .severity(severity)
                    .message(message)
                    .explanation(explanation)
                    .fix(fix)
                    .related(related),
            );
        }
    }
}

/// What `explain` says about reaching the carriers of a group from the internet.
struct Reach {
    /// Each reachable instance and the services it is reachable on.
    reachable: Vec<(InstanceIdx, Vec<Exposed>)>,
    /// Why the first carrier is not reachable, when none is.
    blocked_by: Option<String>,
}

impl Reach {
    fn sentence(&self, m: &Model, carriers: &[InstanceIdx]) -> String {
        if carriers.is_empty() {
            return "No instance carries the group today; the rule takes effect on whatever it is \
                    attached to next."
                .into();
        }
        let names: Vec<String> = carriers
            .iter()
            .map(|i| m.instance(*i).name.clone())
            .collect();
        if self.reachable.is_empty() {
            return format!(
                "It is carried by {}; `explain` finds {} reachable from the internet today{}, so the \
                 exposure is one public address or route away.",
                capped_list(&names, 8),
                if names.len() == 1 {
                    "it not"
                } else {
                    "none of them"
                },
                self.blocked_by
                    .as_ref()
                    .map(|b| format!(" ({b})"))
                    .unwrap_or_default()
            );
        }
        let reachable: Vec<String> = self
            .reachable
            .iter()
            .map(|(i, svcs)| {
                let s: Vec<String> = svcs.iter().map(Exposed::label).collect();
                format!("{} on {}", m.instance(*i).name, capped_list(&s, 3))
            })
            .collect();
        format!(
            "It is carried by {}; `explain` reaches {} from the internet.",
            capped_list(&names, 8),
            capped_list(&reachable, 5)
        )
    }
}

/// Explains the internet → instance flow for each exposed service, once per class of
/// instances that any such flow treats alike.
fn reachability(
    cx: &mut Cx<'_>,
    carriers: &[InstanceIdx],
    family: Family,
    exposed: &[Exposed],
) -> Reach {
    let mut reach = Reach {
        reachable: Vec::new(),
        blocked_by: None,
    };
    for (rep, members) in representatives(cx.m, carriers) {
        let mut open = Vec::new();
        for e in exposed {
            let Some(x) = cx.explain(
                End::Internet(family),
                End::Instance(rep),
                e.protocol,
                e.port,
            ) else {
                continue;
            };
            if x.verdict == Verdict::Allow {
                open.push(*e);
            } else if reach.blocked_by.is_none() {
                reach.blocked_by = Some(format!(
                    "{} {}: {}",
                    cx.m.instance(rep).name,
                    e.label(),
                    x.decided_by.reason
                ));
            }
        }
        if !open.is_empty() {
            for i in members {
                reach.reachable.push((i, open.clone()));
            }
        }
    }
    reach.reachable.sort_by_key(|(i, _)| *i);
    reach
}

/// Instances grouped so that every flow from outside treats the members of a group alike:
/// same subnet (routes and NACL), same security groups, same kinds of address, same edge
/// route. Returns each group's first instance and all its members, in model order.
pub(super) fn representatives(
    m: &Model,
    instances: &[InstanceIdx],
) -> Vec<(InstanceIdx, Vec<InstanceIdx>)> {
    type Key = (u32, Vec<SgIdx>, bool, bool, Option<Cidr>);
    let edge = m
        .internet_gateway
        .as_ref()
        .and_then(|g| g.route_table)
        .map(|rt| m.route_table(rt));
    let mut classes: HashMap<Key, usize> = HashMap::new();
    let mut out: Vec<(InstanceIdx, Vec<InstanceIdx>)> = Vec::new();
    for &i in instances {
        let inst = m.instance(i);
        let mut groups = inst.security_groups.clone();
        groups.sort_unstable();
        let edge_route = edge.and_then(|t| {
            let a = inst.primary_addr(Family::Ipv4)?;
            t.lookup(a).map(|r| r.destination)
        });
        let key = (
            inst.subnet.0,
            groups,
            inst.public_ip.is_some(),
            !inst.ipv6_addresses.is_empty(),
            edge_route,
        );
        match classes.get(&key) {
            Some(&c) => out[c].1.push(i),
            None => {
                classes.insert(key, out.len());
                out.push((i, vec![i]));
            }
        }
    }
    out
}

/// How the message names a rule's peer.
fn peer_label(m: &Model, r: &SgRule) -> String {
    match &r.peer {
        SgPeer::Cidr(c) => c.to_string(),
        SgPeer::SecurityGroup(GroupRef::External(id))
        | SgPeer::PrefixList(GroupRef::External(id)) => id.clone(),
        SgPeer::SecurityGroup(GroupRef::Local(g)) => {
            format!("security group {}", m.security_group(*g).name)
        }
        SgPeer::PrefixList(GroupRef::Local(p)) => {
            let pl = m.prefix_list(*p);
            format!("prefix list {} (every {} address)", pl.name, pl.family)
        }
    }
}

/// SSH or RDP from outside the VPC, confirmed by `explain` from an address of each source.
fn remote_admin_from_outside(cx: &mut Cx<'_>) {
    let m = cx.m;
    let exposed_hosts: Vec<InstanceIdx> = (0..m.instances.len())
        .map(|i| InstanceIdx(i as u32))
        .filter(|i| {
            let inst = m.instance(*i);
            inst.public_ip.is_some() || !inst.ipv6_addresses.is_empty()
        })
        .collect();
    for (rep, members) in representatives(m, &exposed_hosts) {
        let inst = m.instance(rep);
        // (port, source, rule path) for every rule that could let SSH or RDP in from outside.
        let mut candidates: Vec<(u16, Cidr, String)> = Vec::new();
        for &g in &inst.security_groups {
            for r in &m.security_group(g).ingress {
                let ports: Vec<u16> = [22u16, 3389]
                    .into_iter()
                    .filter(|p| match (r.protocol, r.l4) {
                        (Protocol::All, _) => true,
                        (Protocol::Number(TCP), L4Match::Ports(range)) => range.contains(*p),
                        _ => false,
                    })
                    .collect();
                if ports.is_empty() {
                    continue;
                }
                let sources: Vec<Cidr> = match &r.peer {
                    SgPeer::Cidr(c) => vec![*c],
                    SgPeer::PrefixList(GroupRef::Local(p)) => m
                        .prefix_list(*p)
                        .entries
                        .iter()
                        .flatten()
                        .map(|e| e.cidr)
                        .collect(),
                    _ => Vec::new(),
                };
                let path = sg_rule_path(m, g, Direction::Ingress, r.index);
                for c in sources {
                    let usable = match c.family() {
                        Family::Ipv4 => inst.public_ip.is_some(),
                        Family::Ipv6 => !inst.ipv6_addresses.is_empty(),
                    };
                    if usable && !cidr_inside_vpc(m, &c) {
                        for &p in &ports {
                            candidates.push((p, c, path.clone()));
                        }
                    }
                }
            }
        }
        candidates.sort();
        candidates.dedup();
        candidates.truncate(64);
        let mut hits: Vec<(u16, Cidr, String)> = Vec::new();
        for (port, c, path) in candidates {
            let Some(src) = public_address_in(cx, &c) else {
                continue;
            };
            let Some(x) = cx.explain(End::Addr(src), End::Instance(rep), TCP, port) else {
                continue;
            };
            if x.verdict == Verdict::Allow {
                let by = match &x.decided_by.rule {
                    Some(RuleRef::SecurityGroupRule { path, .. }) => path.clone(),
                    _ => path,
                };
                hits.push((port, c, by));
            }
        }
        if hits.is_empty() {
            continue;
        }
        let mut parts = Vec::new();
        for (port, name) in [(22u16, "SSH (tcp 22)"), (3389, "RDP (tcp 3389)")] {
            let from: Vec<String> = hits
                .iter()
                .filter(|h| h.0 == port)
                .map(|h| h.1.to_string())
                .collect();
            if !from.is_empty() {
                parts.push(format!("{name} from {}", capped_list(&from, 4)));
            }
        }
        let mut rules: Vec<String> = hits.iter().map(|h| h.2.clone()).collect();
        rules.sort();
        rules.dedup();
        for i in members {
            let inst = m.instance(i);
            let public = match (inst.public_ip, inst.ipv6_addresses.first()) {
                (Some(p), _) => format!("public {p}"),
                (None, Some(v6)) => format!("IPv6 {v6}"),
                (None, None) => "no public address".into(),
            };
            cx.push(
                Finding::new(REMOTE_ADMIN_FROM_OUTSIDE, instance_path(m, i))
                    .message(format!(
                        "{} ({public}) accepts from outside the VPC: {}",
                        inst.name,
                        parts.join("; ")
                    ))
                    .explanation(format!(
                        "`explain` from an address of each source to {} is allowed all the way: internet \
                         gateway, network ACLs and security group ({}). A login service on the internet is \
                         scanned and brute-forced within minutes of going up, and a bastion adds keys to \
                         rotate and a host to patch.",
                        inst.name,
                        and_list(&rules)
                    ))
                    .fix(format!(
                        "Use AWS Systems Manager Session Manager instead: run the SSM agent (preinstalled on \
                         Amazon Linux and Windows AMIs), give the instance role AmazonSSMManagedInstanceCore \
                         and a path to the SSM endpoints (NAT gateway or interface endpoints), then delete {}.",
                        and_list(&rules)
                    ))
                    .related(rules.clone()),
            );
        }
    }
}
