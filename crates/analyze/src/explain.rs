//! `explain`: follow one flow through every layer, hop by hop, in both directions.
//!
//! ```text
//!  source SG egress ─► route ─► NACL out ─► [NAT / firewall endpoint / internet gateway] ─►
//!  NACL in ─► destination SG ingress            (request)
//!  destination SG (tracked) ─► route ─► NACL out ─► … ─► NACL in ─► source SG (tracked)
//!                                                 (reply: NACLs again, stateless)
//! ```
//!
//! The walk keeps going past the first deny wherever the path is still defined, so the trace
//! shows every layer that would block the flow; the verdict is the first deny.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use model::{
    Direction, Family, FirewallEndpointIdx, GroupRef, InstanceIdx, L4, L4Match, Model,
    NaclDecision, NaclRuleRef, NatIdx, Packet, PortRange, Protocol, RouteTable, RouteTarget,
    RuleAction, SgContext, SgMatch, SgPeer, SgRule, SubnetIdx, TCP, UDP, addr_to_u128,
    is_special_purpose, l4_for, protocol_name, u128_to_addr,
};
use serde::Serialize;

use crate::query::{EndpointSpec, FlowQuery, NAT_EPHEMERAL, QueryError};

/// The answer for a whole flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Allow,
    Deny,
    /// The path leaves the model (a peering connection, a transit gateway): Rampart cannot say.
    Unknown,
}

/// Which half of the exchange a step belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Leg {
    Request,
    Reply,
}

/// The layer a step belongs to; the same names appear in logs and counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    Route,
    NetworkAcl,
    SecurityGroup,
    InternetGateway,
    NatGateway,
    FirewallEndpoint,
    Destination,
    /// Traffic AWS does not filter at all (instance metadata, Amazon DNS, time sync).
    NotFiltered,
}

impl Layer {
    pub fn name(self) -> &'static str {
        match self {
            Layer::Route => "route",
            Layer::NetworkAcl => "network ACL",
            Layer::SecurityGroup => "security group",
            Layer::InternetGateway => "internet gateway",
            Layer::NatGateway => "NAT gateway",
            Layer::FirewallEndpoint => "firewall endpoint",
            Layer::Destination => "destination",
            Layer::NotFiltered => "not filtered",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepVerdict {
    Allow,
    Deny,
    /// Forwarded or translated: the step decides nothing.
    Pass,
    Unknown,
}

/// The rule behind a step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleRef {
    NaclRule {
        network_acl: String,
        direction: Direction,
        /// `100`, or `*` for the implicit deny.
        rule: String,
        /// The number AWS's API shows: `*` is 32767 (IPv4) or 32768 (IPv6).
        number: u32,
        action: RuleAction,
    },
    SecurityGroupRule {
        group: String,
        direction: Direction,
        index: usize,
        /// Where the rule is in the configuration: `security_groups.app.ingress[0]`.
        path: String,
    },
    /// Security groups deny by having no rule that allows.
    NoSecurityGroupRule {
        groups: Vec<String>,
        direction: Direction,
    },
    Route {
        route_table: String,
        destination: String,
        target: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        path: Option<String>,
    },
    /// A reply allowed because security groups are stateful.
    ConnectionTracking,
}

/// A NACL decision for part of a port range.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PortVerdict {
    pub ports: String,
    pub verdict: StepVerdict,
    pub rule: String,
}

/// One hop or decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    pub leg: Leg,
    pub layer: Layer,
    /// The resource that acted: `network_acls.public`, `instance lb-a`, `route_tables.private`.
    pub resource: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    pub verdict: StepVerdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<RuleRef>,
    /// The packet as this layer sees it.
    pub packet: String,
    pub detail: String,
    /// For a NACL judging a range of ports (a reply to an ephemeral port): each part.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<PortVerdict>,
    /// False for steps after the deciding deny: what would block the flow next.
    pub reached: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DecidedBy {
    pub layer: Layer,
    pub resource: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<RuleRef>,
    pub reason: String,
}

/// The flow as resolved: addresses chosen, ports and protocol.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FlowView {
    pub from: String,
    pub to: String,
    pub src_addr: IpAddr,
    pub dst_addr: IpAddr,
    pub protocol: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icmp_type: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icmp_code: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_ports: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Explanation {
    pub flow: FlowView,
    pub verdict: Verdict,
    pub decided_by: DecidedBy,
    pub trace: Vec<Step>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One end of a resolved flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Host {
    Instance(InstanceIdx),
    /// A host outside the VPC.
    External,
}

/// A flow with both ends resolved to addresses. `explain` builds one from a [`FlowQuery`];
/// the audit builds them directly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flow {
    pub src: Host,
    pub src_addr: IpAddr,
    pub dst_addr: IpAddr,
    pub protocol: u8,
    pub port: u16,
    pub icmp_code: u8,
    pub source_ports: PortRange,
}

/// Addresses that AWS never filters with security groups or NACLs, as seen from an instance.
const NOT_FILTERED: [(IpAddr, &str); 6] = [
    (
        IpAddr::V4(Ipv4Addr::new(169, 254, 169, 254)),
        "the instance metadata service",
    ),
    (
        IpAddr::V4(Ipv4Addr::new(169, 254, 169, 123)),
        "the Amazon Time Sync Service",
    ),
    (
        IpAddr::V4(Ipv4Addr::new(169, 254, 169, 253)),
        "the Amazon DNS server",
    ),
    (
        IpAddr::V6(Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254)),
        "the instance metadata service",
    ),
    (
        IpAddr::V6(Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x123)),
        "the Amazon Time Sync Service",
    ),
    (
        IpAddr::V6(Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x253)),
        "the Amazon DNS server",
    ),
];

const MAX_HOPS: usize = 16;

/// Explains flows through one model. Build it once; each query is then independent.
#[derive(Debug)]
pub struct Analyzer<'m> {
    model: &'m Model,
    internet_v4: IpAddr,
    internet_v6: IpAddr,
}

impl<'m> Analyzer<'m> {
    pub fn new(model: &'m Model) -> Analyzer<'m> {
        Analyzer {
            model,
            internet_v4: generic_internet_address(model, Family::Ipv4),
            internet_v6: generic_internet_address(model, Family::Ipv6),
        }
    }

    pub fn model(&self) -> &'m Model {
        self.model
    }

    /// The address that stands for "any host on the internet": public, and inside no block
    /// that any rule, route or prefix list of the model names (other than `/0`). What it gets
    /// is what every host on the internet gets.
    pub fn internet_address(&self, family: Family) -> IpAddr {
        match family {
            Family::Ipv4 => self.internet_v4,
            Family::Ipv6 => self.internet_v6,
        }
    }

    /// Resolves a query's endpoints, then explains the flow.
    pub fn explain(&self, q: &FlowQuery) -> Result<Explanation, QueryError> {
        let m = self.model;
        if !m.vpc.is_defined() {
            return Err(QueryError::Unknown(
                "the configuration has no VPC (it defines only load balancing), so there is no \
                 network to trace a flow through; explain an HTTP request with --request instead"
                    .into(),
            ));
        }
        if matches!(q.protocol, model::ICMP | model::ICMPV6) && q.port > 255 {
            return Err(QueryError::Syntax(format!(
                "ICMP type {} is out of range (0-255)",
                q.port
            )));
        }
        let lookup = |name: &str| -> Result<InstanceIdx, QueryError> {
            m.instance_by_name(name)
                .or_else(|| {
                    m.instances
                        .iter()
                        .position(|i| i.id.as_deref() == Some(name))
                        .map(|i| InstanceIdx(i as u32))
                })
                .ok_or_else(|| {
                    let names: Vec<&str> = m.instances.iter().map(|i| i.name.as_str()).collect();
                    QueryError::Unknown(format!(
                        "no instance is named {name:?}; instances: {}",
                        if names.is_empty() {
                            "none".to_owned()
                        } else {
                            names.join(", ")
                        }
                    ))
                })
        };
        let explicit = [&q.from, &q.to].into_iter().find_map(|e| match e {
            EndpointSpec::Address(a) => Some(Family::of(*a)),
            _ => None,
        });
        if let (EndpointSpec::Address(a), EndpointSpec::Address(b)) = (&q.from, &q.to)
            && Family::of(*a) != Family::of(*b)
        {
            return Err(QueryError::Syntax(
                "the two ends of a flow must be of the same address family".into(),
            ));
        }
        let from_inst = match &q.from {
            EndpointSpec::Instance(n) => Some(lookup(n)?),
            EndpointSpec::Address(a) => self.instance_at(*a),
            EndpointSpec::Internet => None,
        };
        let to_inst = match &q.to {
            EndpointSpec::Instance(n) => Some(lookup(n)?),
            _ => None,
        };
        let has = |i: Option<InstanceIdx>, f: Family| {
            i.is_none_or(|i| m.instance(i).primary_addr(f).is_some())
        };
        let family = explicit.or(q.family).unwrap_or(
            if has(from_inst, Family::Ipv4) && has(to_inst, Family::Ipv4) {
                Family::Ipv4
            } else {
                Family::Ipv6
            },
        );

        let (src, src_addr) = match (&q.from, from_inst) {
            (_, Some(i)) => {
                let a = m.instance(i).primary_addr(family).ok_or_else(|| {
                    QueryError::Unknown(format!(
                        "instance {} has no {family} address",
                        m.instance(i).name
                    ))
                })?;
                (Host::Instance(i), a)
            }
            (EndpointSpec::Address(a), None) => {
                if m.in_vpc(*a) {
                    return Err(QueryError::Unknown(format!(
                        "{a} is inside the VPC but no instance has it"
                    )));
                }
                (Host::External, *a)
            }
            _ => (Host::External, self.internet_address(family)),
        };
        let dst_addr = match (&q.to, to_inst) {
            (_, Some(i)) => {
                let inst = m.instance(i);
                match (src, family) {
                    // From outside, an instance is reached at its public address.
                    (Host::External, Family::Ipv4) => match inst.public_ip {
                        Some(p) => IpAddr::V4(p),
                        None => return Ok(self.no_public_address(q, i, src_addr, family)),
                    },
                    _ => inst.primary_addr(family).ok_or_else(|| {
                        QueryError::Unknown(format!(
                            "instance {} has no {family} address",
                            inst.name
                        ))
                    })?,
                }
            }
            (EndpointSpec::Address(a), None) => *a,
            _ => self.internet_address(family),
        };
        if src == Host::External
            && !m.in_vpc(dst_addr)
            && self.instance_at(dst_addr).is_none()
            && m.nat_by_public_ip(match dst_addr {
                IpAddr::V4(a) => a,
                IpAddr::V6(_) => Ipv4Addr::UNSPECIFIED,
            })
            .is_none()
        {
            return Err(QueryError::Unknown(
                "neither end of the flow is in the VPC: name an instance or one of its addresses"
                    .into(),
            ));
        }
        let flow = Flow {
            src,
            src_addr,
            dst_addr,
            protocol: q.protocol,
            port: q.port,
            icmp_code: q.icmp_code,
            source_ports: q.source_ports,
        };
        let mut e = self.explain_flow(&flow);
        e.flow.from = describe_endpoint(m, &q.from, src_addr);
        e.flow.to = describe_endpoint(m, &q.to, dst_addr);
        Ok(e)
    }

    /// The instance that owns an address, private or public.
    fn instance_at(&self, a: IpAddr) -> Option<InstanceIdx> {
        self.model.instance_by_private_addr(a).or(match a {
            IpAddr::V4(v4) => self.model.instance_by_public_ip(v4),
            IpAddr::V6(_) => None,
        })
    }

    fn no_public_address(
        &self,
        q: &FlowQuery,
        i: InstanceIdx,
        src_addr: IpAddr,
        family: Family,
    ) -> Explanation {
        let inst = self.model.instance(i);
        let private = inst.primary_addr(family).unwrap_or(src_addr);
        let step = Step {
            leg: Leg::Request,
            layer: Layer::InternetGateway,
            resource: self.igw_name(),
            direction: None,
            verdict: StepVerdict::Deny,
            rule: None,
            packet: format!("{} {src_addr} → {}", protocol_name(q.protocol), inst.name),
            detail: format!(
                "instance {} has no public IPv4 address: nothing on the internet can address it",
                inst.name
            ),
            ports: Vec::new(),
            reached: true,
        };
        let decided_by = DecidedBy {
            layer: step.layer,
            resource: step.resource.clone(),
            rule: None,
            reason: step.detail.clone(),
        };
        Explanation {
            flow: FlowView {
                from: describe_endpoint(self.model, &q.from, src_addr),
                to: inst.name.clone(),
                src_addr,
                dst_addr: private,
                protocol: protocol_name(q.protocol),
                port: matches!(q.protocol, TCP | UDP).then_some(q.port),
                icmp_type: None,
                icmp_code: None,
                source_ports: None,
            },
            verdict: Verdict::Deny,
            decided_by,
            trace: vec![step],
            notes: Vec::new(),
        }
    }

    fn igw_name(&self) -> String {
        self.model.internet_gateway.as_ref().map_or_else(
            || "internet gateway".to_owned(),
            |g| format!("internet_gateway {}", g.name),
        )
    }

    /// Explains a resolved flow.
    pub fn explain_flow(&self, flow: &Flow) -> Explanation {
        let m = self.model;
        let icmp_type = u8::try_from(flow.port).unwrap_or(u8::MAX);
        let l4 = l4_for(flow.protocol, 0, flow.port, icmp_type, flow.icmp_code);
        let packet = Packet {
            src: flow.src_addr,
            dst: flow.dst_addr,
            protocol: flow.protocol,
            l4,
        };
        let has_ports = matches!(l4, L4::Ports { .. });
        let view = FlowView {
            from: host_label(m, flow.src, flow.src_addr),
            to: flow.dst_addr.to_string(),
            src_addr: flow.src_addr,
            dst_addr: flow.dst_addr,
            protocol: protocol_name(flow.protocol),
            port: has_ports.then_some(flow.port),
            icmp_type: matches!(l4, L4::Icmp { .. }).then_some(icmp_type),
            icmp_code: matches!(l4, L4::Icmp { .. }).then_some(flow.icmp_code),
            source_ports: has_ports.then(|| flow.source_ports.to_string()),
        };
        let mut w = Walk {
            m,
            igw: self.igw_name(),
            leg: Leg::Request,
            steps: Vec::new(),
            endpoints: Vec::new(),
            nat: None,
            notes: Vec::new(),
        };
        let p = Pkt {
            packet,
            src_ports: flow.source_ports,
            dst_ports: PortRange::single(flow.port),
        };

        // Traffic to the instance's own link-local services is never filtered.
        if let Host::Instance(_) = flow.src
            && let Some(what) = not_filtered(m, flow.dst_addr)
        {
            w.push(
                Layer::NotFiltered,
                what.to_owned(),
                None,
                StepVerdict::Allow,
                None,
                &p,
                format!(
                    "AWS does not filter traffic to {what} with security groups or network ACLs"
                ),
            );
            return finish(view, w);
        }

        let arrival = match flow.src {
            Host::Instance(i) => {
                if m.instance_by_private_addr(flow.dst_addr) == Some(i) {
                    w.notes.push(
                        "source and destination are the same instance: nothing filters it".into(),
                    );
                    return finish(view, w);
                }
                w.walk(Loc::Subnet(m.instance(i).subnet), p)
            }
            Host::External => w.walk(Loc::Internet, p),
        };
        let via_middlebox = !w.endpoints.is_empty();
        let mut request_steps = std::mem::take(&mut w.steps);

        // The source's security groups judge the packet as it leaves, before any hop.
        if let Host::Instance(i) = flow.src {
            let step = w.sg_step(i, Direction::Egress, &p, via_middlebox);
            request_steps.insert(0, step);
        }
        w.steps = request_steps;

        let arrived = match arrival {
            Arrival::Instance(d, pkt) => {
                let step = w.sg_step(d, Direction::Ingress, &pkt, via_middlebox);
                w.steps.push(step);
                Some((Some(d), pkt))
            }
            Arrival::External(pkt) => Some((None, pkt)),
            Arrival::Blocked | Arrival::Unknown => None,
        };

        // The reply: security groups let it through by state; NACLs judge it again.
        if let Some((dst_inst, pkt)) = arrived {
            match pkt.packet.reply() {
                None => w.notes.push(format!(
                    "{} type {} has no reply",
                    protocol_name(flow.protocol),
                    icmp_type
                )),
                Some(reply) => {
                    let request_endpoints = std::mem::take(&mut w.endpoints);
                    w.leg = Leg::Reply;
                    let rp = Pkt {
                        packet: reply,
                        src_ports: pkt.dst_ports,
                        dst_ports: pkt.src_ports,
                    };
                    if let Some(d) = dst_inst {
                        w.tracked(d, Direction::Egress, &rp);
                    }
                    let start = match dst_inst {
                        Some(d) => Loc::Subnet(m.instance(d).subnet),
                        None => Loc::Internet,
                    };
                    let back = w.walk(start, rp);
                    match back {
                        Arrival::Instance(s, bp) if flow.src == Host::Instance(s) => {
                            w.tracked(s, Direction::Ingress, &bp);
                        }
                        Arrival::External(bp) if flow.src == Host::External => {
                            if bp.packet.dst != flow.src_addr {
                                w.push(
                                    Layer::Destination,
                                    "client".into(),
                                    None,
                                    StepVerdict::Deny,
                                    None,
                                    &bp,
                                    format!(
                                        "the reply reaches {} instead of the client {}: it is dropped",
                                        bp.packet.dst, flow.src_addr
                                    ),
                                );
                            }
                        }
                        Arrival::Blocked | Arrival::Unknown => {}
                        Arrival::Instance(_, bp) | Arrival::External(bp) => {
                            w.push(
                                Layer::Destination,
                                "reply".into(),
                                None,
                                StepVerdict::Deny,
                                None,
                                &bp,
                                "the reply does not return to the client".into(),
                            );
                        }
                    }
                    if request_endpoints != w.endpoints {
                        w.notes.push(format!(
                            "asymmetric routing: the request passes firewall endpoints [{}] and the \
                             reply [{}]; AWS Network Firewall needs both directions through the same \
                             endpoint, or its stateful engine drops the flow",
                            endpoint_names(m, &request_endpoints),
                            endpoint_names(m, &w.endpoints)
                        ));
                    }
                }
            }
        }
        finish(view, w)
    }
}

fn endpoint_names(m: &Model, e: &[FirewallEndpointIdx]) -> String {
    e.iter()
        .map(|e| m.firewall_endpoint(*e).name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe_endpoint(m: &Model, spec: &EndpointSpec, addr: IpAddr) -> String {
    match spec {
        EndpointSpec::Internet => format!("internet ({addr})"),
        EndpointSpec::Instance(n) => format!("{n} ({addr})"),
        EndpointSpec::Address(a) => match m.instance_by_private_addr(*a).or(match a {
            IpAddr::V4(v4) => m.instance_by_public_ip(*v4),
            IpAddr::V6(_) => None,
        }) {
            Some(i) => format!("{} ({a})", m.instance(i).name),
            None => a.to_string(),
        },
    }
}

fn host_label(m: &Model, h: Host, addr: IpAddr) -> String {
    match h {
        Host::Instance(i) => format!("{} ({addr})", m.instance(i).name),
        Host::External => addr.to_string(),
    }
}

fn not_filtered(m: &Model, dst: IpAddr) -> Option<&'static str> {
    if let Some((_, what)) = NOT_FILTERED.iter().find(|(a, _)| *a == dst) {
        return Some(what);
    }
    // The Route 53 Resolver at the primary VPC block's base + 2.
    let primary = m.vpc.cidr_blocks.first()?;
    (primary.nth(2) == Some(dst)).then_some("the Amazon DNS server (Route 53 Resolver)")
}

/// The verdict is the first deny; without one, an unknown hop makes it unknown; else allow,
/// decided by the destination's security group (or the source's when the destination is
/// outside the VPC).
fn finish(flow: FlowView, w: Walk<'_>) -> Explanation {
    let mut steps = w.steps;
    let first_deny = steps.iter().position(|s| s.verdict == StepVerdict::Deny);
    let first_unknown = steps.iter().position(|s| s.verdict == StepVerdict::Unknown);
    let (verdict, decisive) = match (first_deny, first_unknown) {
        (Some(d), _) => (Verdict::Deny, Some(d)),
        (None, Some(u)) => (Verdict::Unknown, Some(u)),
        (None, None) => {
            let sg = |dir| {
                steps.iter().position(|s| {
                    s.leg == Leg::Request
                        && s.layer == Layer::SecurityGroup
                        && s.direction == Some(dir)
                })
            };
            let last_allow = steps.iter().rposition(|s| s.verdict == StepVerdict::Allow);
            (
                Verdict::Allow,
                sg(Direction::Ingress)
                    .or_else(|| sg(Direction::Egress))
                    .or(last_allow),
            )
        }
    };
    if verdict != Verdict::Allow
        && let Some(d) = decisive
    {
        for s in steps.iter_mut().skip(d + 1) {
            s.reached = false;
        }
    }
    let decided_by = match decisive.and_then(|d| steps.get(d)) {
        Some(s) => DecidedBy {
            layer: s.layer,
            resource: s.resource.clone(),
            rule: s.rule.clone(),
            reason: s.detail.clone(),
        },
        None => DecidedBy {
            layer: Layer::NotFiltered,
            resource: String::new(),
            rule: None,
            reason: w.notes.first().cloned().unwrap_or_default(),
        },
    };
    Explanation {
        flow,
        verdict,
        decided_by,
        trace: steps,
        notes: w.notes,
    }
}

/// A packet in flight, with the port ranges of its ends (a reply goes to any of the client's
/// ephemeral ports).
#[derive(Clone, Copy, Debug)]
struct Pkt {
    packet: Packet,
    src_ports: PortRange,
    dst_ports: PortRange,
}

impl Pkt {
    fn label(&self) -> String {
        let p = &self.packet;
        let proto = protocol_name(p.protocol);
        let fmt_addr = |a: IpAddr| match a {
            IpAddr::V4(_) => a.to_string(),
            IpAddr::V6(_) => format!("[{a}]"),
        };
        match p.l4 {
            L4::Ports { .. } => format!(
                "{proto} {}:{} → {}:{}",
                fmt_addr(p.src),
                self.src_ports,
                fmt_addr(p.dst),
                self.dst_ports
            ),
            L4::Icmp { icmp_type, code } => {
                format!("{proto} {} → {} type {icmp_type} code {code}", p.src, p.dst)
            }
            L4::Other => format!("protocol {proto} {} → {}", p.src, p.dst),
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Loc {
    Subnet(SubnetIdx),
    Internet,
}

enum Arrival {
    Instance(InstanceIdx, Pkt),
    External(Pkt),
    Blocked,
    Unknown,
}

/// Address translation a NAT gateway applied to the request, undone for the reply.
#[derive(Clone, Copy, Debug)]
struct NatSession {
    nat: NatIdx,
    inside_addr: IpAddr,
    inside_ports: PortRange,
}

struct Walk<'m> {
    m: &'m Model,
    igw: String,
    leg: Leg,
    steps: Vec<Step>,
    endpoints: Vec<FirewallEndpointIdx>,
    nat: Option<NatSession>,
    notes: Vec<String>,
}

/// An endpoint passed, with the packet's addresses there.
type Visit = (FirewallEndpointIdx, IpAddr, IpAddr);

enum Next {
    Arrive(Arrival),
    Continue(Loc, Pkt),
}

impl Walk<'_> {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        layer: Layer,
        resource: String,
        direction: Option<Direction>,
        verdict: StepVerdict,
        rule: Option<RuleRef>,
        p: &Pkt,
        detail: String,
    ) {
        self.steps.push(Step {
            leg: self.leg,
            layer,
            resource,
            direction,
            verdict,
            rule,
            packet: p.label(),
            detail,
            ports: Vec::new(),
            reached: true,
        });
    }

    fn route_step(
        &mut self,
        rt: &RouteTable,
        route: Option<&model::Route>,
        p: &Pkt,
        verdict: StepVerdict,
        detail: String,
    ) {
        let rule = route.map(|r| RuleRef::Route {
            route_table: rt.name.clone(),
            destination: r.destination.to_string(),
            target: target_label(self.m, &r.target),
            path: r
                .index
                .map(|i| format!("route_tables.{}.routes[{i}]", rt.name)),
        });
        self.push(
            Layer::Route,
            format!("route_tables.{}", rt.name),
            None,
            verdict,
            rule,
            p,
            detail,
        );
    }

    fn walk(&mut self, mut loc: Loc, mut p: Pkt) -> Arrival {
        let mut visited: Vec<Visit> = Vec::new();
        for _ in 0..MAX_HOPS {
            let next = match loc {
                Loc::Subnet(s) => self.hop_from_subnet(s, p, &mut visited),
                Loc::Internet => self.hop_from_internet(p, &mut visited),
            };
            match next {
                Next::Arrive(a) => return a,
                Next::Continue(l, np) => {
                    loc = l;
                    p = np;
                }
            }
        }
        self.push(
            Layer::Route,
            "routing".into(),
            None,
            StepVerdict::Deny,
            None,
            &p,
            format!("more than {MAX_HOPS} hops: the routes form a loop"),
        );
        Arrival::Blocked
    }

    fn hop_from_subnet(&mut self, s: SubnetIdx, mut p: Pkt, visited: &mut Vec<Visit>) -> Next {
        let m = self.m;
        let rt = m.route_table(m.subnet(s).route_table);
        let Some(route) = rt.lookup(p.packet.dst) else {
            self.route_step(
                rt,
                None,
                &p,
                StepVerdict::Deny,
                format!(
                    "no route to {} from subnet {}",
                    p.packet.dst,
                    m.subnet(s).name
                ),
            );
            return Next::Arrive(Arrival::Blocked);
        };
        let target = target_label(m, &route.target);
        let here = format!(
            "{} → {target} (subnet {})",
            route.destination,
            m.subnet(s).name
        );
        match &route.target {
            RouteTarget::Local => {
                self.route_step(rt, Some(route), &p, StepVerdict::Pass, here);
                let Some(d) = m.subnet_of(p.packet.dst) else {
                    self.push(
                        Layer::Destination,
                        p.packet.dst.to_string(),
                        None,
                        StepVerdict::Deny,
                        None,
                        &p,
                        format!("no subnet holds {}", p.packet.dst),
                    );
                    return Next::Arrive(Arrival::Blocked);
                };
                self.cross(s, d, &p);
                self.deliver(d, p)
            }
            RouteTarget::Blackhole => {
                self.route_step(
                    rt,
                    Some(route),
                    &p,
                    StepVerdict::Deny,
                    format!("{here}: a blackhole route drops the packet"),
                );
                Next::Arrive(Arrival::Blocked)
            }
            RouteTarget::External(id) => {
                self.route_step(
                    rt,
                    Some(route),
                    &p,
                    StepVerdict::Unknown,
                    format!("{here}: the path leaves the model through {id}"),
                );
                Next::Arrive(Arrival::Unknown)
            }
            RouteTarget::InternetGateway => {
                self.route_step(rt, Some(route), &p, StepVerdict::Pass, here);
                self.nacl(s, Direction::Egress, &p);
                match self.igw_egress(&mut p) {
                    true => Next::Continue(Loc::Internet, p),
                    false => Next::Arrive(Arrival::Blocked),
                }
            }
            RouteTarget::NatGateway(n) => {
                self.route_step(rt, Some(route), &p, StepVerdict::Pass, here);
                self.through_nat(s, *n, p)
            }
            RouteTarget::FirewallEndpoint(e) => {
                self.route_step(rt, Some(route), &p, StepVerdict::Pass, here);
                let ep = m.firewall_endpoint(*e);
                match ep.subnet {
                    Some(es) => self.cross(s, es, &p),
                    None => self.nacl(s, Direction::Egress, &p),
                }
                if self.endpoint(*e, &p, visited).is_none() {
                    return Next::Arrive(Arrival::Blocked);
                }
                match ep.subnet {
                    Some(es) => Next::Continue(Loc::Subnet(es), p),
                    None => self.unplaced_forward(p),
                }
            }
        }
    }

    /// An endpoint whose subnet is unknown is assumed to forward as AWS's reference
    /// architecture does: into the VPC to the destination, or out to the internet gateway.
    fn unplaced_forward(&mut self, mut p: Pkt) -> Next {
        let m = self.m;
        if m.in_vpc(p.packet.dst) {
            match m.subnet_of(p.packet.dst) {
                Some(d) => {
                    self.nacl(d, Direction::Ingress, &p);
                    self.deliver(d, p)
                }
                None => Next::Arrive(Arrival::Blocked),
            }
        } else if self.igw_egress(&mut p) {
            Next::Continue(Loc::Internet, p)
        } else {
            Next::Arrive(Arrival::Blocked)
        }
    }

    fn endpoint(
        &mut self,
        e: FirewallEndpointIdx,
        p: &Pkt,
        visited: &mut Vec<Visit>,
    ) -> Option<()> {
        let ep = self.m.firewall_endpoint(e);
        // The same endpoint may be passed twice by a hairpin (out to a public address and back
        // in, translated); the same packet at the same endpoint again is a loop.
        let visit = (e, p.packet.src, p.packet.dst);
        if visited.contains(&visit) {
            self.push(
                Layer::FirewallEndpoint,
                format!("firewall_endpoints.{}", ep.name),
                None,
                StepVerdict::Deny,
                None,
                p,
                "the packet comes back to the same endpoint: the routes form a loop".into(),
            );
            return None;
        }
        visited.push(visit);
        self.endpoints.push(e);
        let placed = match ep.subnet {
            Some(s) => format!("in subnet {}", self.m.subnet(s).name),
            None => {
                "whose subnet is not in the model (assumed to forward to the destination)".into()
            }
        };
        self.push(
            Layer::FirewallEndpoint,
            format!("firewall_endpoints.{}", ep.name),
            None,
            StepVerdict::Pass,
            None,
            p,
            format!(
                "inspected by Network Firewall endpoint {} {placed}; firewall policies come with the \
                 network_firewall layer, so the packet passes here",
                ep.name
            ),
        );
        Some(())
    }

    fn through_nat(&mut self, s: SubnetIdx, n: NatIdx, mut p: Pkt) -> Next {
        let m = self.m;
        let nat = m.nat_gateway(n);
        let res = format!("nat_gateways.{}", nat.name);
        if self.leg == Leg::Reply {
            self.push(
                Layer::NatGateway,
                res,
                None,
                StepVerdict::Deny,
                None,
                &p,
                format!(
                    "the reply is routed through NAT gateway {}, which would rewrite its source; \
                     the client expects {} and drops it (asymmetric route)",
                    nat.name, p.packet.src
                ),
            );
            return Next::Arrive(Arrival::Blocked);
        }
        if Family::of(p.packet.dst) == Family::Ipv6 {
            self.push(
                Layer::NatGateway,
                res,
                None,
                StepVerdict::Deny,
                None,
                &p,
                "a NAT gateway translates IPv4 only".into(),
            );
            return Next::Arrive(Arrival::Blocked);
        }
        match nat.subnet {
            Some(ns) => self.cross(s, ns, &p),
            None => self.nacl(s, Direction::Egress, &p),
        }
        let inside = p;
        let nat_addr = nat
            .private_ip
            .or_else(|| nat.subnet.and_then(|ns| m.subnet(ns).cidr?.nth(4)))
            .unwrap_or(p.packet.src);
        p.packet.src = nat_addr;
        p.src_ports = NAT_EPHEMERAL;
        self.nat = Some(NatSession {
            nat: n,
            inside_addr: inside.packet.src,
            inside_ports: inside.src_ports,
        });
        let public = nat
            .public_ip
            .map_or_else(|| "no public address".to_owned(), |a| a.to_string());
        self.push(
            Layer::NatGateway,
            res,
            None,
            StepVerdict::Pass,
            None,
            &p,
            format!(
                "NAT gateway {} rewrites the source {}:{} to {nat_addr}:{} (public {public})",
                nat.name, inside.packet.src, inside.src_ports, NAT_EPHEMERAL
            ),
        );
        match nat.subnet {
            Some(ns) => Next::Continue(Loc::Subnet(ns), p),
            None => {
                self.notes.push(format!(
                    "NAT gateway {} is in no known subnet: assumed to send straight to the internet gateway",
                    nat.name
                ));
                if self.igw_egress(&mut p) {
                    Next::Continue(Loc::Internet, p)
                } else {
                    Next::Arrive(Arrival::Blocked)
                }
            }
        }
    }

    /// Leaving through the internet gateway: a private IPv4 source is translated to its public
    /// address, or the gateway drops the packet.
    fn igw_egress(&mut self, p: &mut Pkt) -> bool {
        let m = self.m;
        let src = p.packet.src;
        let translated = match src {
            IpAddr::V4(_) => {
                let by_instance = m.instance_by_private_addr(src).and_then(|i| {
                    m.instance(i)
                        .public_ip
                        .map(|pub_ip| (m.instance(i).name.clone(), pub_ip))
                });
                let by_nat = self.nat.and_then(|s| {
                    let nat = m.nat_gateway(s.nat);
                    nat.public_ip
                        .map(|pub_ip| (format!("NAT gateway {}", nat.name), pub_ip))
                });
                match by_instance.or(by_nat) {
                    Some((who, pub_ip)) => {
                        p.packet.src = IpAddr::V4(pub_ip);
                        Some(format!("translates the source {src} ({who}) to {pub_ip}"))
                    }
                    None => None,
                }
            }
            IpAddr::V6(_) if m.in_vpc(src) => Some("sends the IPv6 packet on unchanged".into()),
            IpAddr::V6(_) => None,
        };
        match translated {
            Some(detail) => {
                let label = self.igw.clone();
                self.push(
                    Layer::InternetGateway,
                    label,
                    None,
                    StepVerdict::Pass,
                    None,
                    p,
                    detail,
                );
                true
            }
            None => {
                let label = self.igw.clone();
                self.push(
                    Layer::InternetGateway,
                    label,
                    None,
                    StepVerdict::Deny,
                    None,
                    p,
                    format!(
                        "{src} has no public address, so the internet gateway drops the packet \
                         (a private subnet reaches the internet through a NAT gateway)"
                    ),
                );
                false
            }
        }
    }

    /// Arriving from the internet at the VPC's edge.
    fn hop_from_internet(&mut self, mut p: Pkt, visited: &mut Vec<Visit>) -> Next {
        let m = self.m;
        let dst = p.packet.dst;
        let into = match dst {
            IpAddr::V4(v4) => {
                if let Some(i) = m.instance_by_public_ip(v4) {
                    let inst = m.instance(i);
                    inst.private_ips.first().map(|private| {
                        (
                            IpAddr::V4(*private),
                            format!(
                                "translates the destination {dst} to {private} ({})",
                                inst.name
                            ),
                        )
                    })
                } else if let Some(n) = m.nat_by_public_ip(v4) {
                    let nat = m.nat_gateway(n);
                    match (self.nat, nat.private_ip) {
                        (Some(s), Some(private)) if s.nat == n && self.leg == Leg::Reply => Some((
                            private,
                            format!(
                                "translates the destination {dst} to {private} (NAT gateway {})",
                                nat.name
                            ),
                        )),
                        _ => {
                            self.push(
                                Layer::NatGateway,
                                format!("nat_gateways.{}", nat.name),
                                None,
                                StepVerdict::Deny,
                                None,
                                &p,
                                format!("NAT gateway {} accepts no connections from the internet, only replies", nat.name),
                            );
                            return Next::Arrive(Arrival::Blocked);
                        }
                    }
                } else if m.in_vpc(dst) || is_special_purpose(dst) {
                    let label = self.igw.clone();
                    self.push(
                        Layer::InternetGateway,
                        label,
                        None,
                        StepVerdict::Deny,
                        None,
                        &p,
                        format!(
                            "{dst} is a private address: it cannot be reached from the internet"
                        ),
                    );
                    return Next::Arrive(Arrival::Blocked);
                } else {
                    None
                }
            }
            IpAddr::V6(_) if m.in_vpc(dst) => {
                Some((dst, "routes the IPv6 packet into the VPC".into()))
            }
            IpAddr::V6(_) => None,
        };
        let Some((private, detail)) = into else {
            return Next::Arrive(Arrival::External(p));
        };
        let Some(igw) = &m.internet_gateway else {
            self.push(
                Layer::InternetGateway,
                "internet gateway".into(),
                None,
                StepVerdict::Deny,
                None,
                &p,
                "the VPC has no internet gateway".into(),
            );
            return Next::Arrive(Arrival::Blocked);
        };
        p.packet.dst = private;
        let label = self.igw.clone();
        self.push(
            Layer::InternetGateway,
            label,
            None,
            StepVerdict::Pass,
            None,
            &p,
            detail,
        );
        let Some(edge) = igw.route_table else {
            return match m.subnet_of(private) {
                Some(d) => {
                    self.nacl(d, Direction::Ingress, &p);
                    self.deliver(d, p)
                }
                None => Next::Arrive(Arrival::Blocked),
            };
        };
        let rt = m.route_table(edge);
        let Some(route) = rt.lookup(private) else {
            self.route_step(
                rt,
                None,
                &p,
                StepVerdict::Deny,
                format!("no route to {private} in the gateway route table"),
            );
            return Next::Arrive(Arrival::Blocked);
        };
        let here = format!(
            "{} → {} (gateway route table)",
            route.destination,
            target_label(m, &route.target)
        );
        match &route.target {
            RouteTarget::Local => {
                self.route_step(rt, Some(route), &p, StepVerdict::Pass, here);
                match m.subnet_of(private) {
                    Some(d) => {
                        self.nacl(d, Direction::Ingress, &p);
                        self.deliver(d, p)
                    }
                    None => Next::Arrive(Arrival::Blocked),
                }
            }
            RouteTarget::FirewallEndpoint(e) => {
                self.route_step(rt, Some(route), &p, StepVerdict::Pass, here);
                let ep = m.firewall_endpoint(*e);
                if let Some(es) = ep.subnet {
                    self.nacl(es, Direction::Ingress, &p);
                }
                if self.endpoint(*e, &p, visited).is_none() {
                    return Next::Arrive(Arrival::Blocked);
                }
                match ep.subnet {
                    Some(es) => Next::Continue(Loc::Subnet(es), p),
                    None => self.unplaced_forward(p),
                }
            }
            _ => {
                self.route_step(
                    rt,
                    Some(route),
                    &p,
                    StepVerdict::Deny,
                    format!(
                        "{here}: a gateway route table routes only to local or a firewall endpoint"
                    ),
                );
                Next::Arrive(Arrival::Blocked)
            }
        }
    }

    /// The packet has reached subnet `d`: hand it to the interface that owns its destination.
    fn deliver(&mut self, d: SubnetIdx, mut p: Pkt) -> Next {
        let m = self.m;
        let dst = p.packet.dst;
        if let Some(i) = m.instance_by_private_addr(dst) {
            return Next::Arrive(Arrival::Instance(i, p));
        }
        if let Some(s) = self.nat
            && self.leg == Leg::Reply
            && m.nat_gateway(s.nat).private_ip == Some(dst)
        {
            let nat = m.nat_gateway(s.nat);
            p.packet.dst = s.inside_addr;
            p.dst_ports = s.inside_ports;
            self.push(
                Layer::NatGateway,
                format!("nat_gateways.{}", nat.name),
                None,
                StepVerdict::Pass,
                None,
                &p,
                format!(
                    "NAT gateway {} rewrites the destination back to {}",
                    nat.name, s.inside_addr
                ),
            );
            return Next::Continue(Loc::Subnet(d), p);
        }
        let what = if m.nat_gateways.iter().any(|n| n.private_ip == Some(dst)) {
            format!("{dst} is a NAT gateway: it accepts no connections, it only translates")
        } else {
            format!(
                "no network interface in subnet {} has the address {dst}",
                m.subnet(d).name
            )
        };
        self.push(
            Layer::Destination,
            dst.to_string(),
            None,
            StepVerdict::Deny,
            None,
            &p,
            what,
        );
        Next::Arrive(Arrival::Blocked)
    }

    /// Leaving subnet `s` for subnet `d`: both NACLs, unless the packet stays in one subnet.
    fn cross(&mut self, s: SubnetIdx, d: SubnetIdx, p: &Pkt) {
        if s != d {
            self.nacl(s, Direction::Egress, p);
            self.nacl(d, Direction::Ingress, p);
        }
    }

    fn nacl(&mut self, s: SubnetIdx, dir: Direction, p: &Pkt) {
        let m = self.m;
        let subnet = m.subnet(s);
        let acl = m.network_acl(subnet.network_acl);
        let parts: Vec<(PortRange, NaclDecision)> = match p.packet.l4 {
            L4::Ports { src, .. } => {
                let probe = Packet {
                    l4: L4::Ports {
                        src,
                        dst: p.dst_ports.from,
                    },
                    ..p.packet
                };
                acl.evaluate_dst_ports(dir, &probe, p.dst_ports)
            }
            _ => vec![(PortRange::ALL, acl.evaluate(dir, &p.packet))],
        };
        let nacl_ref = |d: &NaclDecision| RuleRef::NaclRule {
            network_acl: acl.name.clone(),
            direction: dir,
            rule: match d.rule {
                NaclRuleRef::Number(n) => n.to_string(),
                NaclRuleRef::Star(_) => "*".into(),
            },
            number: d.rule.aws_number(),
            action: d.action,
        };
        let denied = parts.iter().find(|(_, d)| !d.allowed());
        let (verdict, deciding) = match denied {
            Some((_, d)) => (StepVerdict::Deny, *d),
            None => (
                StepVerdict::Allow,
                parts.first().map_or(
                    NaclDecision {
                        action: RuleAction::Deny,
                        rule: NaclRuleRef::Star(p.packet.family()),
                    },
                    |(_, d)| *d,
                ),
            ),
        };
        let where_ = format!("{} on subnet {} {dir}", acl.name, subnet.name);
        let detail = if parts.len() > 1 {
            let allowed: u32 = parts
                .iter()
                .filter(|(_, d)| d.allowed())
                .map(|(r, _)| r.len())
                .sum();
            let total: u32 = parts.iter().map(|(r, _)| r.len()).sum();
            match verdict {
                StepVerdict::Deny => format!(
                    "{where_}: {allowed} of the {total} possible destination ports are allowed; the rest are \
                     denied (first by rule {}), so some connections fail",
                    deciding.rule
                ),
                _ => format!("{where_}: allowed for every port of {}", p.dst_ports),
            }
        } else {
            let rule_desc = describe_deciding_nacl_rule(acl, dir, deciding.rule);
            format!(
                "{where_}: rule {} {} ({rule_desc})",
                deciding.rule, deciding.action
            )
        };
        let ports = if parts.len() > 1 {
            parts
                .iter()
                .map(|(r, d)| PortVerdict {
                    ports: r.to_string(),
                    verdict: if d.allowed() {
                        StepVerdict::Allow
                    } else {
                        StepVerdict::Deny
                    },
                    rule: d.rule.to_string(),
                })
                .collect()
        } else {
            Vec::new()
        };
        self.steps.push(Step {
            leg: self.leg,
            layer: Layer::NetworkAcl,
            resource: format!("network_acls.{}", acl.name),
            direction: Some(dir),
            verdict,
            rule: Some(nacl_ref(&deciding)),
            packet: p.label(),
            detail,
            ports,
            reached: true,
        });
    }

    fn sg_step(&self, i: InstanceIdx, dir: Direction, p: &Pkt, via_middlebox: bool) -> Step {
        let m = self.m;
        let inst = m.instance(i);
        let groups: Vec<String> = inst
            .security_groups
            .iter()
            .map(|g| m.security_group(*g).name.clone())
            .collect();
        let cx = SgContext { via_middlebox };
        let probe = match p.packet.l4 {
            L4::Ports { src, .. } => Packet {
                l4: L4::Ports {
                    src,
                    dst: p.dst_ports.from,
                },
                ..p.packet
            },
            _ => p.packet,
        };
        let hit = m.evaluate_security_groups(&inst.security_groups, dir, &probe, cx);
        let remote = match dir {
            Direction::Ingress => p.packet.src,
            Direction::Egress => p.packet.dst,
        };
        let (verdict, rule, detail) = match hit {
            Some(SgMatch { group, rule, .. }) => {
                let g = m.security_group(group);
                let r = g.rules(dir).iter().find(|r| r.index == rule);
                let path = format!("security_groups.{}.{dir}[{rule}]", g.name);
                (
                    StepVerdict::Allow,
                    Some(RuleRef::SecurityGroupRule {
                        group: g.name.clone(),
                        direction: dir,
                        index: rule,
                        path: path.clone(),
                    }),
                    format!(
                        "{} {dir}: allowed by {path} ({})",
                        inst.name,
                        r.map(|r| describe_sg_rule(m, r, dir)).unwrap_or_default()
                    ),
                )
            }
            None => {
                let mut why = format!(
                    "{} {dir}: no rule of [{}] allows {} {} {remote}",
                    inst.name,
                    groups.join(", "),
                    describe_traffic(&p.packet, p.dst_ports),
                    peer_word(dir),
                );
                if via_middlebox && self.ref_would_match(&inst.security_groups, dir, &probe) {
                    why.push_str(
                        "; a security-group reference would match, but AWS does not match \
                         references for traffic routed through a middlebox (use a CIDR)",
                    );
                }
                (
                    StepVerdict::Deny,
                    Some(RuleRef::NoSecurityGroupRule {
                        groups: groups.clone(),
                        direction: dir,
                    }),
                    why,
                )
            }
        };
        Step {
            leg: self.leg,
            layer: Layer::SecurityGroup,
            resource: format!("instance {} [{}]", inst.name, groups.join(", ")),
            direction: Some(dir),
            verdict,
            rule,
            packet: p.label(),
            detail,
            ports: Vec::new(),
            reached: true,
        }
    }

    fn ref_would_match(&self, groups: &[model::SgIdx], dir: Direction, p: &Packet) -> bool {
        self.m
            .evaluate_security_groups(
                groups,
                dir,
                p,
                SgContext {
                    via_middlebox: false,
                },
            )
            .is_some()
    }

    /// A reply passing a security group because the request was allowed.
    fn tracked(&mut self, i: InstanceIdx, dir: Direction, p: &Pkt) {
        let m = self.m;
        let inst = m.instance(i);
        let groups: Vec<&str> = inst
            .security_groups
            .iter()
            .map(|g| m.security_group(*g).name.as_str())
            .collect();
        let resource = format!("instance {} [{}]", inst.name, groups.join(", "));
        self.push(
            Layer::SecurityGroup,
            resource,
            Some(dir),
            StepVerdict::Allow,
            Some(RuleRef::ConnectionTracking),
            p,
            format!(
                "{} {dir}: the reply is allowed by connection tracking (security groups are stateful)",
                inst.name
            ),
        );
    }
}

fn target_label(m: &Model, t: &RouteTarget) -> String {
    match t {
        RouteTarget::Local => "local".into(),
        RouteTarget::InternetGateway => m.internet_gateway.as_ref().map_or_else(
            || "internet gateway".into(),
            |g| format!("internet gateway {}", g.name),
        ),
        RouteTarget::NatGateway(n) => format!("NAT gateway {}", m.nat_gateway(*n).name),
        RouteTarget::FirewallEndpoint(e) => {
            format!("firewall endpoint {}", m.firewall_endpoint(*e).name)
        }
        RouteTarget::Blackhole => "blackhole".into(),
        RouteTarget::External(id) => id.clone(),
    }
}

/// `tcp port 443`, `icmp type 8 code 0`, `protocol 47`.
fn describe_traffic(p: &Packet, dst_ports: PortRange) -> String {
    match p.l4 {
        L4::Ports { .. } => format!("{} port {dst_ports}", protocol_name(p.protocol)),
        L4::Icmp { icmp_type, code } => {
            format!("{} type {icmp_type} code {code}", protocol_name(p.protocol))
        }
        L4::Other => format!("protocol {}", protocol_name(p.protocol)),
    }
}

/// `tcp 443 from 0.0.0.0/0`, `all traffic from security group lb`.
pub fn describe_sg_rule(m: &Model, r: &SgRule, dir: Direction) -> String {
    let what = describe_match(r.protocol, &r.l4);
    let peer = match &r.peer {
        SgPeer::Cidr(c) => c.to_string(),
        SgPeer::SecurityGroup(GroupRef::Local(g)) => {
            format!("security group {}", m.security_group(*g).name)
        }
        SgPeer::SecurityGroup(GroupRef::External(id)) => {
            format!("security group {id} (not in the model)")
        }
        SgPeer::PrefixList(GroupRef::Local(p)) => format!("prefix list {}", m.prefix_list(*p).name),
        SgPeer::PrefixList(GroupRef::External(id)) => {
            format!("prefix list {id} (not in the model)")
        }
    };
    format!("{what} {} {peer}", peer_word(dir))
}

/// `tcp 443`, `all traffic`, `icmp type 8`.
pub fn describe_match(protocol: Protocol, l4: &L4Match) -> String {
    match (protocol, l4) {
        (Protocol::All, _) => "all traffic".into(),
        (Protocol::Number(n), L4Match::Ports(r)) if r.is_all() => {
            format!("{} all ports", protocol_name(n))
        }
        (Protocol::Number(n), L4Match::Ports(r)) => format!("{} {r}", protocol_name(n)),
        (Protocol::Number(n), L4Match::Icmp(i)) => format!("{} {i}", protocol_name(n)),
        (Protocol::Number(n), L4Match::Any) => format!("protocol {}", protocol_name(n)),
    }
}

fn describe_deciding_nacl_rule(acl: &model::NetworkAcl, dir: Direction, r: NaclRuleRef) -> String {
    match r {
        NaclRuleRef::Star(f) => format!("the implicit deny of every {f} packet no rule matched"),
        NaclRuleRef::Number(n) => acl
            .rules(dir)
            .iter()
            .find(|x| x.number == n)
            .map(|x| describe_nacl_rule(x, dir))
            .unwrap_or_default(),
    }
}

/// `tcp 443 from 0.0.0.0/0`.
pub(crate) fn describe_nacl_rule(r: &model::NaclRule, dir: Direction) -> String {
    format!(
        "{} {} {}",
        describe_match(r.protocol, &r.l4),
        peer_word(dir),
        r.cidr
    )
}

/// How a rule names its peer: the source of ingress traffic, the destination of egress.
pub(crate) fn peer_word(dir: Direction) -> &'static str {
    match dir {
        Direction::Ingress => "from",
        Direction::Egress => "to",
    }
}

/// A public address of `family` that no block of the model other than `/0` contains.
fn generic_internet_address(m: &Model, family: Family) -> IpAddr {
    let mut blocks: Vec<(u128, u128)> = Vec::new();
    let mut add = |c: &model::Cidr| {
        if c.family() == family && !c.is_everything() {
            blocks.push(c.range());
        }
    };
    m.vpc.cidrs().for_each(&mut add);
    for rt in &m.route_tables {
        rt.routes.iter().for_each(|r| add(&r.destination));
    }
    for acl in &m.network_acls {
        acl.ingress
            .iter()
            .chain(&acl.egress)
            .for_each(|r| add(&r.cidr));
    }
    for sg in &m.security_groups {
        for r in sg.ingress.iter().chain(&sg.egress) {
            if let SgPeer::Cidr(c) = &r.peer {
                add(c);
            }
        }
    }
    for pl in &m.prefix_lists {
        pl.entries.iter().flatten().for_each(|e| add(&e.cidr));
    }
    for i in &m.instances {
        if let Some(p) = i.public_ip {
            blocks.push((u128::from(u32::from(p)), u128::from(u32::from(p))));
        }
    }
    blocks.sort_unstable();
    let start = match family {
        Family::Ipv4 => IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7)),
        Family::Ipv6 => IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 7)),
    };
    let mut candidate = addr_to_u128(start);
    // Each round either returns or moves past at least one block or special range.
    for _ in 0..(blocks.len() + 64) {
        let addr = u128_to_addr(family, candidate);
        if let Some((_, last)) = blocks
            .iter()
            .find(|(a, b)| *a <= candidate && candidate <= *b)
        {
            candidate = last.saturating_add(1);
            continue;
        }
        if is_special_purpose(addr) {
            candidate =
                candidate.saturating_add(1 << if family == Family::Ipv4 { 20 } else { 100 });
            continue;
        }
        return addr;
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internet_address_avoids_every_named_block() {
        let y = "vpc: {cidr_blocks: [10.0.0.0/16]}\n\
                 security_groups:\n  web:\n    ingress:\n      - {protocol: tcp, ports: 443, cidr: 198.51.100.0/24}\n";
        let m = model::load_str(y, "t.yaml").unwrap().model;
        let a = Analyzer::new(&m);
        let addr = a.internet_address(Family::Ipv4);
        assert!(
            !"198.51.100.0/24"
                .parse::<model::Cidr>()
                .unwrap()
                .contains(addr)
        );
        assert!(!is_special_purpose(addr));
    }
}
