//! Routes and placement: private subnets that route to the internet gateway (RMP011), public
//! addresses in private subnets (RMP012), asymmetric routing through firewall endpoints
//! (RMP015) and endpoints without a subnet (RMP016).

use std::collections::HashSet;

use model::{Family, InstanceIdx, Model, RouteTarget, SubnetIdx, TCP, Tier};

use super::catalog::{
    ASYMMETRIC_FIREWALL_ROUTING, FIREWALL_ENDPOINT_WITHOUT_SUBNET, PRIVATE_SUBNET_TO_IGW,
    PUBLIC_IP_IN_PRIVATE_SUBNET,
};
use super::{Cx, End, Finding, Severity, and_list, instance_path, subnet_path};
use crate::explain::{Explanation, Layer, Leg};

pub(super) fn check(cx: &mut Cx<'_>) {
    private_subnets(cx);
    public_ips(cx);
    endpoints_without_subnet(cx);
    asymmetric_routing(cx);
}

/// Paths of the routes of a subnet's table that lead to the internet gateway.
fn igw_routes(m: &Model, s: SubnetIdx) -> Vec<String> {
    let rt = m.route_table(m.subnet(s).route_table);
    rt.routes
        .iter()
        .filter(|r| r.target == RouteTarget::InternetGateway)
        .map(|r| match r.index {
            Some(i) => format!("route_tables.{}.routes[{i}]", rt.name),
            None => format!("route_tables.{}", rt.name),
        })
        .collect()
}

fn private_subnets(cx: &mut Cx<'_>) {
    let m = cx.m;
    for (si, s) in m.subnets.iter().enumerate() {
        let si = SubnetIdx(si as u32);
        if s.tier != Some(Tier::Private) || !m.routes_to_internet_gateway(si) {
            continue;
        }
        let routes = igw_routes(m, si);
        let rt = &m.route_table(s.route_table).name;
        let exposed: Vec<String> = m
            .instances_in_subnet(si)
            .iter()
            .filter(|i| m.instance(**i).public_ip.is_some())
            .map(|i| m.instance(*i).name.clone())
            .collect();
        cx.push(
            Finding::new(PRIVATE_SUBNET_TO_IGW, subnet_path(m, si))
                .message(format!(
                    "subnet {} is declared private but route table {rt} sends traffic to the internet gateway",
                    s.name
                ))
                .explanation(format!(
                    "In AWS a subnet is public exactly when its route table has a route to an internet gateway: \
                     {} make{} subnet {} public whatever it is called. {}",
                    and_list(&routes),
                    if routes.len() == 1 { "s" } else { "" },
                    s.name,
                    if exposed.is_empty() {
                        "Any instance launched in it with a public address is on the internet.".to_owned()
                    } else {
                        format!(
                            "{} ha{} a public address and {} on the internet.",
                            and_list(&exposed),
                            if exposed.len() == 1 { "s" } else { "ve" },
                            if exposed.len() == 1 { "is" } else { "are" }
                        )
                    }
                ))
                .fix(format!(
                    "Point the default route of route table {rt} at a NAT gateway in a public subnet, or declare \
                     subnet {} `tier: public` if that is what it is meant to be.",
                    s.name
                ))
                .related(routes),
        );
    }
}

fn public_ips(cx: &mut Cx<'_>) {
    let m = cx.m;
    for (ii, inst) in m.instances.iter().enumerate() {
        let i = InstanceIdx(ii as u32);
        let Some(public) = inst.public_ip else {
            continue;
        };
        if m.effective_tier(inst.subnet) != Tier::Private {
            continue;
        }
        let s = m.subnet(inst.subnet);
        let routed = m.routes_to_internet_gateway(inst.subnet);
        let (severity, why) = if routed {
            (
                Severity::High,
                format!(
                    "Subnet {} routes to the internet gateway, so the gateway translates {public} to the instance \
                     and {} is on the internet, in a subnet meant to keep it off.",
                    s.name, inst.name
                ),
            )
        } else {
            (
                Severity::Medium,
                format!(
                    "Subnet {} has no route to the internet gateway, so nothing reaches {} at {public} today; the \
                     address is unneeded, and the day a route is added the instance is on the internet.",
                    s.name, inst.name
                ),
            )
        };
        cx.push(
            Finding::new(PUBLIC_IP_IN_PRIVATE_SUBNET, instance_path(m, i))
                .severity(severity)
                .message(format!(
                    "instance {} has public address {public} but is in private subnet {}",
                    inst.name, s.name
                ))
                .explanation(why)
                .fix(format!(
                    "Remove the public address of {} (and disable auto-assign on subnet {}); reach the internet \
                     through a NAT gateway.",
                    inst.name, s.name
                ))
                .related(vec![subnet_path(m, inst.subnet)]),
        );
    }
}

fn endpoints_without_subnet(cx: &mut Cx<'_>) {
    let m = cx.m;
    for e in &m.firewall_endpoints {
        if e.subnet.is_some() {
            continue;
        }
        cx.push(
            Finding::new(
                FIREWALL_ENDPOINT_WITHOUT_SUBNET,
                format!("firewall_endpoints.{}", e.name),
            )
            .message(format!("firewall endpoint {} has no subnet", e.name))
            .explanation(format!(
                "Without its subnet, the network ACL and route table around endpoint {} are unknown: `explain` \
                 assumes it forwards straight to the destination, and this audit cannot check that traffic reaches \
                 it and comes back through it.",
                e.name
            ))
            .fix(format!(
                "Set `subnet:` on firewall_endpoints.{} to its firewall subnet.",
                e.name
            )),
        );
    }
}

/// The firewall endpoints each leg of an explained flow passes.
fn endpoints(x: &Explanation, leg: Leg) -> Vec<String> {
    x.trace
        .iter()
        .filter(|s| s.leg == leg && s.layer == Layer::FirewallEndpoint)
        .map(|s| {
            s.resource
                .trim_start_matches("firewall_endpoints.")
                .to_owned()
        })
        .collect()
}

fn asymmetric(x: &Explanation) -> bool {
    x.notes.iter().any(|n| n.starts_with("asymmetric routing"))
}

/// Explains, for one instance per subnet, the flows to and from the internet and to every
/// other subnet whose routes involve a firewall endpoint, and reports the asymmetric ones.
fn asymmetric_routing(cx: &mut Cx<'_>) {
    let m = cx.m;
    if m.firewall_endpoints.is_empty() {
        return;
    }
    let reps: Vec<(SubnetIdx, InstanceIdx)> = (0..m.subnets.len())
        .filter_map(|s| {
            let s = SubnetIdx(s as u32);
            m.instances_in_subnet(s).first().map(|i| (s, *i))
        })
        .collect();
    let edge_rt = m
        .internet_gateway
        .as_ref()
        .and_then(|g| g.route_table)
        .map(|rt| format!("route_tables.{}", m.route_table(rt).name));
    let mut reported: HashSet<(SubnetIdx, String)> = HashSet::new();
    for &(s, i) in &reps {
        let inst = m.instance(i);
        let rt = format!(
            "route_tables.{}",
            m.route_table(m.subnet(s).route_table).name
        );
        for family in [Family::Ipv4, Family::Ipv6] {
            if inst.primary_addr(family).is_none() {
                continue;
            }
            let addressable = match family {
                Family::Ipv4 => inst.public_ip.is_some(),
                Family::Ipv6 => true,
            };
            let mut flows = vec![(
                End::Instance(i),
                End::Internet(family),
                format!("from {} to the internet ({family})", inst.name),
                format!("out/{family}"),
            )];
            if addressable {
                flows.push((
                    End::Internet(family),
                    End::Instance(i),
                    format!("from the internet to {} ({family})", inst.name),
                    format!("in/{family}"),
                ));
            }
            for (from, to, what, key) in flows {
                let Some(x) = cx.explain(from, to, TCP, 443) else {
                    continue;
                };
                if !asymmetric(&x) || !reported.insert((s, key.clone())) {
                    continue;
                }
                let related: Vec<String> =
                    std::iter::once(rt.clone()).chain(edge_rt.clone()).collect();
                cx.push(report(m, s, &x, &what, key, related));
            }
        }
    }
    // Subnet to subnet, where a route between them leads somewhere other than `local`.
    for (k, &(a, i)) in reps.iter().enumerate() {
        for &(b, j) in &reps[k + 1..] {
            let (ia, ib) = (m.instance(i), m.instance(j));
            let family = if ia.primary_addr(Family::Ipv4).is_some()
                && ib.primary_addr(Family::Ipv4).is_some()
            {
                Family::Ipv4
            } else {
                Family::Ipv6
            };
            let (Some(aa), Some(ab)) = (ia.primary_addr(family), ib.primary_addr(family)) else {
                continue;
            };
            let rta = m.route_table(m.subnet(a).route_table);
            let rtb = m.route_table(m.subnet(b).route_table);
            let local = |rt: &model::RouteTable, addr| {
                rt.lookup(addr)
                    .is_some_and(|r| r.target == RouteTarget::Local)
            };
            if local(rta, ab) && local(rtb, aa) {
                continue;
            }
            let Some(x) = cx.explain(End::Instance(i), End::Instance(j), TCP, 443) else {
                continue;
            };
            let key = format!("to/{}", m.subnet(b).name);
            if !asymmetric(&x) || !reported.insert((a, key.clone())) {
                continue;
            }
            let what = format!(
                "from {} (subnet {}) to {} (subnet {})",
                ia.name,
                m.subnet(a).name,
                ib.name,
                m.subnet(b).name
            );
            let related = vec![
                format!("route_tables.{}", rta.name),
                format!("route_tables.{}", rtb.name),
            ];
            cx.push(report(m, a, &x, &what, key, related));
        }
    }
}

fn report(
    m: &Model,
    s: SubnetIdx,
    x: &Explanation,
    what: &str,
    key: String,
    related: Vec<String>,
) -> Finding {
    let list = |v: Vec<String>| match v.len() {
        0 => "no firewall endpoint".to_owned(),
        1 => format!("firewall endpoint {}", v[0]),
        _ => format!("firewall endpoints {}", and_list(&v)),
    };
    let req = list(endpoints(x, Leg::Request));
    let rep = list(endpoints(x, Leg::Reply));
    Finding::new(ASYMMETRIC_FIREWALL_ROUTING, subnet_path(m, s))
        .key(key)
        .message(format!(
            "traffic {what}: the request passes {req}, the reply {rep}"
        ))
        .explanation(format!(
            "`explain` of tcp 443 {what} routes the request through {req} and the reply through {rep}. \
             AWS Network Firewall's stateful engine must see both directions of a flow at the same endpoint; \
             otherwise it drops the flow (or, with stateless forwarding, lets half of it through uninspected)."
        ))
        .fix(
            "Make the routes symmetric: send the reply direction (the subnet's route table, or the internet \
             gateway's edge route table for traffic from the internet) through the same endpoint as the request.",
        )
        .related(related)
}
