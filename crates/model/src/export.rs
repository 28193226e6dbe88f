//! Model → YAML: what `rampart import` writes. Loading the output gives back the same model.

use std::time::Duration;

use crate::alb::*;
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
        vpc: m.vpc.is_defined().then(|| RawVpc {
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
    for g in &m.target_groups {
        raw.target_groups.push(&g.name, target_group(m, g));
    }
    for lb in &m.load_balancers {
        raw.load_balancers.push(&lb.name, load_balancer(m, lb));
    }
    for w in &m.web_acls {
        raw.web_acls.push(&w.name, web_acl(w));
    }
    raw
}

fn secs(d: Duration) -> Leaf {
    leaf(d.as_secs().to_string())
}

fn num(n: impl ToString) -> Leaf {
    leaf(n.to_string())
}

fn flag(b: bool) -> Leaf {
    leaf(if b { "true" } else { "false" })
}

fn target_protocol(p: TargetProtocol) -> Leaf {
    leaf(match p {
        TargetProtocol::Http => "HTTP",
        TargetProtocol::Https => "HTTPS",
    })
}

fn target_group(m: &Model, g: &TargetGroup) -> RawTargetGroup {
    let hc = &g.health_check;
    RawTargetGroup {
        protocol: Some(target_protocol(g.protocol)),
        protocol_version: Some(leaf(match g.protocol_version {
            ProtocolVersion::Http1 => "HTTP1",
            ProtocolVersion::Http2 => "HTTP2",
        })),
        port: g.port.map(num),
        targets: g
            .targets
            .iter()
            .map(|t| match t.instance {
                Some(i) => RawTarget {
                    address: None,
                    instance: Some(leaf(&m.instance(i).name)),
                    port: Some(num(t.addr.port())),
                },
                None => RawTarget {
                    address: Some(leaf(t.addr.to_string())),
                    ..RawTarget::default()
                },
            })
            .collect(),
        health_check: Some(RawHealthCheck {
            enabled: Some(flag(hc.enabled)),
            protocol: Some(target_protocol(hc.protocol)),
            path: Some(leaf(&hc.path)),
            port: Some(hc.port.map_or_else(|| leaf("traffic-port"), num)),
            interval_seconds: Some(secs(hc.interval)),
            timeout_seconds: Some(secs(hc.timeout)),
            healthy_threshold: Some(num(hc.healthy_threshold)),
            unhealthy_threshold: Some(num(hc.unhealthy_threshold)),
            matcher: Some(leaf(crate::validate::matcher_text(&hc.matcher))),
        }),
        algorithm: Some(leaf(g.algorithm.as_str())),
        slow_start_seconds: Some(g.slow_start.map_or_else(|| leaf("0"), secs)),
        deregistration_delay_seconds: Some(secs(g.deregistration_delay)),
        stickiness: g.stickiness.map(|d| RawStickiness {
            enabled: Some(flag(true)),
            kind: Some(leaf("lb_cookie")),
            duration_seconds: Some(secs(d)),
        }),
    }
}

fn load_balancer(m: &Model, lb: &LoadBalancer) -> RawLoadBalancer {
    let a = &lb.attributes;
    let l = &a.limits;
    RawLoadBalancer {
        subnets: lb
            .subnets
            .iter()
            .map(|s| leaf(&m.subnet(*s).name))
            .collect(),
        security_groups: lb
            .security_groups
            .iter()
            .map(|g| leaf(&m.security_group(*g).name))
            .collect(),
        attributes: Some(RawLbAttributes {
            idle_timeout_seconds: Some(secs(a.idle_timeout)),
            client_keep_alive_seconds: Some(secs(a.client_keep_alive)),
            desync_mitigation_mode: Some(leaf(match a.desync_mitigation_mode {
                DesyncMode::Monitor => "monitor",
                DesyncMode::Defensive => "defensive",
                DesyncMode::Strictest => "strictest",
            })),
            drop_invalid_header_fields: Some(flag(a.drop_invalid_header_fields)),
            preserve_host_header: Some(flag(a.preserve_host_header)),
            xff_header_processing: Some(leaf(match a.xff_header_processing {
                XffMode::Append => "append",
                XffMode::Preserve => "preserve",
                XffMode::Remove => "remove",
            })),
            xff_client_port: Some(flag(a.xff_client_port)),
            http2: Some(flag(a.http2)),
            tls_version_and_cipher_headers: Some(flag(a.tls_version_and_cipher_headers)),
        }),
        limits: Some(RawLbLimits {
            max_request_line_bytes: Some(num(l.max_request_line_bytes)),
            max_header_bytes: Some(num(l.max_header_bytes)),
            max_request_head_bytes: Some(num(l.max_request_head_bytes)),
            header_read_timeout_seconds: Some(secs(l.header_read_timeout)),
            max_body_bytes: l.max_body_bytes.map(num),
            max_connections: Some(num(l.max_connections)),
            connect_timeout_seconds: Some(secs(l.connect_timeout)),
            max_idle_per_target: Some(num(l.max_idle_per_target)),
        }),
        access_log: lb.access_log.as_ref().map(log_file),
        web_acl: lb.web_acl.map(|w| leaf(&m.web_acl(w).name)),
        listeners: lb.listeners.iter().map(|l| listener(m, l)).collect(),
    }
}

fn log_file(a: &AccessLog) -> RawAccessLog {
    RawAccessLog {
        path: Some(leaf(a.path.display().to_string())),
        max_bytes: Some(num(a.max_bytes)),
        max_files: Some(num(a.max_files)),
    }
}

fn web_acl(w: &crate::web_acl::WebAclConfig) -> RawWebAcl {
    let paths = |v: &[std::path::PathBuf]| {
        v.iter()
            .map(|p| leaf(p.display().to_string()))
            .collect::<Vec<_>>()
    };
    let mut ip_lists = NamedMap::default();
    for (rule, p) in &w.ip_lists {
        ip_lists.push(rule, leaf(p.display().to_string()));
    }
    RawWebAcl {
        file: Some(leaf(w.file.display().to_string())),
        rule_groups: paths(&w.rule_groups),
        ip_sets: paths(&w.ip_sets),
        regex_pattern_sets: paths(&w.regex_pattern_sets),
        ip_lists,
        log: w.log.as_ref().map(log_file),
        geo_database: w
            .geo_database
            .as_ref()
            .map(|p| leaf(p.display().to_string())),
        token_secret_file: w
            .token_secret_file
            .as_ref()
            .map(|p| leaf(p.display().to_string())),
    }
}

fn listener(m: &Model, l: &Listener) -> RawListener {
    let cert = |c: &Certificate| match c {
        Certificate::Files { cert, key } => RawCertificate {
            cert: Some(leaf(cert.display().to_string())),
            key: Some(leaf(key.display().to_string())),
            self_signed: None,
        },
        Certificate::SelfSigned { names } => RawCertificate {
            self_signed: Some(names.iter().map(leaf).collect()),
            ..RawCertificate::default()
        },
    };
    RawListener {
        protocol: Some(leaf(l.protocol.as_str().to_ascii_uppercase())),
        address: Some(leaf(l.address.to_string())),
        port: Some(num(l.port)),
        ssl_policy: l.tls.as_ref().map(|t| leaf(&t.ssl_policy.name)),
        certificate: l.tls.as_ref().map(|t| cert(&t.default_certificate)),
        certificates: l
            .tls
            .as_ref()
            .map(|t| t.certificates.iter().map(cert).collect())
            .unwrap_or_default(),
        rules: l
            .rules
            .iter()
            .map(|r| RawRule {
                priority: Some(num(r.priority)),
                conditions: conditions(&r.conditions),
                action: Some(action(m, &r.action)),
            })
            .collect(),
        default_action: Some(action(m, &l.default_action)),
    }
}

fn conditions(list: &[RuleCondition]) -> RawConditions {
    let leaves = |v: &[String]| Some(v.iter().map(leaf).collect());
    let mut c = RawConditions::default();
    for cond in list {
        match cond {
            RuleCondition::HostHeader(v) => c.host_header = leaves(v),
            RuleCondition::PathPattern(v) => c.path_pattern = leaves(v),
            RuleCondition::HttpHeader { name, values } => c.http_header.push(RawHttpHeader {
                name: leaf(name),
                values: values.iter().map(leaf).collect(),
            }),
            RuleCondition::HttpRequestMethod(v) => c.http_request_method = leaves(v),
            RuleCondition::QueryString(pairs) => {
                c.query_string = Some(
                    pairs
                        .iter()
                        .map(|p| RawQueryPair {
                            key: p.key.as_ref().map(leaf),
                            value: leaf(&p.value),
                        })
                        .collect(),
                )
            }
            RuleCondition::SourceIp(v) => {
                c.source_ip = Some(v.iter().map(|c| leaf(c.to_string())).collect())
            }
        }
    }
    c
}

fn action(m: &Model, a: &Action) -> RawAction {
    match a {
        Action::Forward(f) => {
            let name = |t: TargetGroupIdx| leaf(&m.target_group(t).name);
            let forward = match (f.target_groups.as_slice(), f.stickiness) {
                ([one], None) if one.weight == 1 => RawForward {
                    target_group: Some(name(one.target_group)),
                    ..RawForward::default()
                },
                (groups, stickiness) => RawForward {
                    target_group: None,
                    target_groups: groups
                        .iter()
                        .map(|g| RawWeightedGroup {
                            name: name(g.target_group),
                            weight: Some(num(g.weight)),
                        })
                        .collect(),
                    stickiness: stickiness.map(|d| RawForwardStickiness {
                        enabled: Some(flag(true)),
                        duration_seconds: Some(secs(d)),
                    }),
                },
            };
            RawAction {
                forward: Some(forward),
                ..RawAction::default()
            }
        }
        Action::Redirect(r) => RawAction {
            redirect: Some(RawRedirect {
                protocol: opt(&r.protocol),
                port: opt(&r.port),
                host: opt(&r.host),
                path: opt(&r.path),
                query: opt(&r.query),
                status_code: Some(leaf(match r.status_code {
                    RedirectStatus::Permanent => "HTTP_301",
                    RedirectStatus::Found => "HTTP_302",
                })),
            }),
            ..RawAction::default()
        },
        Action::FixedResponse(f) => RawAction {
            fixed_response: Some(RawFixedResponse {
                status_code: Some(num(f.status_code)),
                content_type: opt(&f.content_type),
                message_body: (!f.message_body.is_empty()).then(|| leaf(&f.message_body)),
            }),
            ..RawAction::default()
        },
    }
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
