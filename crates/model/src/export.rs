//! Model → YAML: what `rampart import` writes. Loading the output gives back the same model.

use crate::model::*;
use crate::proto::{L4Match, Protocol};
use crate::raw::*;

fn leaf(s: impl Into<String>) -> Leaf {
    Leaf::new(s)
}

fn opt(s: &Option<String>) -> Option<Leaf> {
    s.as_ref().map(leaf)
}

/// The raw document that describes `m`, with every default written out.
pub fn export(m: &Model) -> RawConfig {
    let mut raw = RawConfig {
        vpc: Some(RawVpc {
            name: Some(leaf(&m.vpc.name)),
            id: opt(&m.vpc.id),
            cidr_blocks: m
                .vpc
                .cidr_blocks
                .iter()
                .map(|c| leaf(c.to_string()))
                .collect(),
            ipv6_cidr_blocks: m
                .vpc
                .ipv6_cidr_blocks
                .iter()
                .map(|c| leaf(c.to_string()))
                .collect(),
        }),
        internet_gateway: m.internet_gateway.as_ref().map(|g| RawInternetGateway {
            name: Some(leaf(&g.name)),
            id: opt(&g.id),
            route_table: g.route_table.map(|t| leaf(&m.route_table(t).name)),
        }),
        ..RawConfig::default()
    };
    for pl in &m.prefix_lists {
        raw.prefix_lists.push(
            &pl.name,
            RawPrefixList {
                id: opt(&pl.id),
                address_family: Some(leaf(pl.family.to_string())),
                max_entries: pl.max_entries.map(|n| leaf(n.to_string())),
                entries: pl.entries.as_ref().map(|es| {
                    es.iter()
                        .map(|e| RawPrefixListEntry {
                            cidr: leaf(e.cidr.to_string()),
                            description: opt(&e.description),
                        })
                        .collect()
                }),
            },
        );
    }
    for rt in &m.route_tables {
        raw.route_tables.push(
            &rt.name,
            RawRouteTable {
                id: opt(&rt.id),
                main: rt.main.then(|| leaf("true")),
                routes: rt
                    .routes
                    .iter()
                    .filter(|r| r.index.is_some())
                    .map(|r| RawRoute {
                        destination: leaf(r.destination.to_string()),
                        target: route_target(m, &r.target),
                    })
                    .collect(),
            },
        );
    }
    for s in &m.subnets {
        raw.subnets.push(
            &s.name,
            RawSubnet {
                id: opt(&s.id),
                cidr: s.cidr.map(|c| leaf(c.to_string())),
                ipv6_cidr: s.ipv6_cidr.map(|c| leaf(c.to_string())),
                availability_zone: opt(&s.availability_zone),
                tier: s.tier.map(|t| leaf(t.to_string())),
                route_table: s
                    .route_table_explicit
                    .then(|| leaf(&m.route_table(s.route_table).name)),
                network_acl: s
                    .network_acl_explicit
                    .then(|| leaf(&m.network_acl(s.network_acl).name)),
            },
        );
    }
    for n in &m.nat_gateways {
        raw.nat_gateways.push(
            &n.name,
            RawNatGateway {
                id: opt(&n.id),
                subnet: n.subnet.map(|s| leaf(&m.subnet(s).name)),
                public_ip: n.public_ip.map(|a| leaf(a.to_string())),
                private_ip: n.private_ip.map(|a| leaf(a.to_string())),
            },
        );
    }
    for e in &m.firewall_endpoints {
        raw.firewall_endpoints.push(
            &e.name,
            RawFirewallEndpoint {
                id: opt(&e.id),
                subnet: e.subnet.map(|s| leaf(&m.subnet(s).name)),
            },
        );
    }
    for acl in &m.network_acls {
        let rules = |list: &[NaclRule]| {
            let mut list: Vec<&NaclRule> = list.iter().collect();
            list.sort_by_key(|r| r.index);
            list.into_iter()
                .map(|r| {
                    let (ports, icmp_type, icmp_code) = l4_fields(r.protocol, &r.l4);
                    RawNaclRule {
                        rule: leaf(r.number.to_string()),
                        action: leaf(r.action.to_string()),
                        protocol: leaf(r.protocol.name()),
                        ports,
                        icmp_type,
                        icmp_code,
                        cidr: leaf(r.cidr.to_string()),
                    }
                })
                .collect::<Vec<_>>()
        };
        raw.network_acls.push(
            &acl.name,
            RawNetworkAcl {
                id: opt(&acl.id),
                default: acl.is_default.then(|| leaf("true")),
                ingress: Some(rules(&acl.ingress)),
                egress: Some(rules(&acl.egress)),
            },
        );
    }
    for sg in &m.security_groups {
        let rules = |list: &[SgRule]| {
            list.iter()
                .map(|r| {
                    let (ports, icmp_type, icmp_code) = l4_fields(r.protocol, &r.l4);
                    let mut raw = RawSgRule {
                        protocol: leaf(r.protocol.name()),
                        ports,
                        icmp_type,
                        icmp_code,
                        description: opt(&r.description),
                        ..RawSgRule::default()
                    };
                    match &r.peer {
                        SgPeer::Cidr(c) => raw.cidr = Some(leaf(c.to_string())),
                        SgPeer::SecurityGroup(GroupRef::Local(g)) => {
                            raw.security_group = Some(leaf(&m.security_group(*g).name))
                        }
                        SgPeer::SecurityGroup(GroupRef::External(id)) => {
                            raw.security_group = Some(leaf(id))
                        }
                        SgPeer::PrefixList(GroupRef::Local(p)) => {
                            raw.prefix_list = Some(leaf(&m.prefix_list(*p).name))
                        }
                        SgPeer::PrefixList(GroupRef::External(id)) => {
                            raw.prefix_list = Some(leaf(id))
                        }
                    }
                    raw
                })
                .collect::<Vec<_>>()
        };
        raw.security_groups.push(
            &sg.name,
            RawSecurityGroup {
                id: opt(&sg.id),
                description: opt(&sg.description),
                ingress: Some(rules(&sg.ingress)),
                egress: Some(rules(&sg.egress)),
            },
        );
    }
    for i in &m.instances {
        let mut tags = NamedMap::default();
        for (k, v) in &i.tags {
            tags.push(k, leaf(v));
        }
        raw.instances.push(
            &i.name,
            RawInstance {
                id: opt(&i.id),
                subnet: leaf(&m.subnet(i.subnet).name),
                private_ips: i.private_ips.iter().map(|a| leaf(a.to_string())).collect(),
                ipv6_addresses: i
                    .ipv6_addresses
                    .iter()
                    .map(|a| leaf(a.to_string()))
                    .collect(),
                public_ip: i.public_ip.map(|a| leaf(a.to_string())),
                security_groups: Some(
                    i.security_groups
                        .iter()
                        .map(|g| leaf(&m.security_group(*g).name))
                        .collect(),
                ),
                tags,
            },
        );
    }
    raw
}

fn route_target(m: &Model, t: &RouteTarget) -> RawRouteTarget {
    let (kind, name) = match t {
        RouteTarget::Local => ("local", None),
        RouteTarget::InternetGateway => ("internet_gateway", None),
        RouteTarget::Blackhole => ("blackhole", None),
        RouteTarget::NatGateway(n) => ("nat_gateway", Some(m.nat_gateway(*n).name.clone())),
        RouteTarget::FirewallEndpoint(e) => (
            "firewall_endpoint",
            Some(m.firewall_endpoint(*e).name.clone()),
        ),
        RouteTarget::External(id) => ("external", Some(id.clone())),
    };
    RawRouteTarget {
        kind: leaf(kind),
        name: name.map(leaf),
    }
}

type L4Fields = (Option<Leaf>, Option<Leaf>, Option<Leaf>);

fn l4_fields(protocol: Protocol, l4: &L4Match) -> L4Fields {
    match (protocol, l4) {
        (_, L4Match::Ports(r)) => (
            Some(leaf(if r.is_all() {
                "all".into()
            } else {
                r.to_string()
            })),
            None,
            None,
        ),
        (_, L4Match::Icmp(m)) => (
            None,
            m.icmp_type.map(|t| leaf(t.to_string())),
            m.code.map(|c| leaf(c.to_string())),
        ),
        (_, L4Match::Any) => (None, None, None),
    }
}

/// The model as a `rampart.yaml` document.
pub fn to_yaml(m: &Model) -> Result<String, String> {
    serde_saphyr::to_string(&export(m)).map_err(|e| e.to_string())
}
