//! The typed model: every reference resolved to an index, every value parsed and canonical.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::addr::{Cidr, Family};
use crate::alb::{LoadBalancer, TargetGroup, TargetGroupIdx};
use crate::proto::{L4Match, Protocol};

macro_rules! index_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);

        impl $name {
            pub fn get(self) -> usize {
                self.0 as usize
            }
        }
    };
}

index_type!(
    /// A subnet of [`Model::subnets`].
    SubnetIdx
);
index_type!(
    /// A route table of [`Model::route_tables`].
    RouteTableIdx
);
index_type!(
    /// A network ACL of [`Model::network_acls`].
    NaclIdx
);
index_type!(
    /// A security group of [`Model::security_groups`].
    SgIdx
);
index_type!(
    /// An instance of [`Model::instances`].
    InstanceIdx
);
index_type!(
    /// A prefix list of [`Model::prefix_lists`].
    PrefixListIdx
);
index_type!(
    /// A NAT gateway of [`Model::nat_gateways`].
    NatIdx
);
index_type!(
    /// A firewall endpoint of [`Model::firewall_endpoints`].
    FirewallEndpointIdx
);

/// A VPC and its layer 3–4 defences: the single source of truth every engine compiles from.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub vpc: Vpc,
    pub internet_gateway: Option<InternetGateway>,
    pub prefix_lists: Vec<PrefixList>,
    pub route_tables: Vec<RouteTable>,
    pub subnets: Vec<Subnet>,
    pub nat_gateways: Vec<NatGateway>,
    pub firewall_endpoints: Vec<FirewallEndpoint>,
    pub network_acls: Vec<NetworkAcl>,
    pub security_groups: Vec<SecurityGroup>,
    pub instances: Vec<Instance>,
    pub load_balancers: Vec<LoadBalancer>,
    pub target_groups: Vec<TargetGroup>,
    pub web_acls: Vec<crate::web_acl::WebAclConfig>,
    /// Derived lookups, rebuilt by [`Model::reindex`].
    pub(crate) index: Index,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Index {
    /// Private addresses (IPv4 and IPv6) of the instances that carry each group.
    pub(crate) sg_members: Vec<Vec<IpAddr>>,
    pub(crate) by_private_addr: HashMap<IpAddr, InstanceIdx>,
    pub(crate) by_public_ip: HashMap<Ipv4Addr, InstanceIdx>,
    pub(crate) nat_by_public_ip: HashMap<Ipv4Addr, NatIdx>,
    pub(crate) sg_by_name: HashMap<String, SgIdx>,
    pub(crate) instance_by_name: HashMap<String, InstanceIdx>,
    pub(crate) subnet_instances: Vec<Vec<InstanceIdx>>,
    pub(crate) sg_instances: Vec<Vec<InstanceIdx>>,
}

impl Model {
    pub(crate) fn reindex(&mut self) {
        let mut ix = Index {
            sg_members: vec![Vec::new(); self.security_groups.len()],
            subnet_instances: vec![Vec::new(); self.subnets.len()],
            sg_instances: vec![Vec::new(); self.security_groups.len()],
            ..Index::default()
        };
        for (i, inst) in self.instances.iter().enumerate() {
            let idx = InstanceIdx(i as u32);
            ix.instance_by_name.insert(inst.name.clone(), idx);
            if let Some(list) = ix.subnet_instances.get_mut(inst.subnet.get()) {
                list.push(idx);
            }
            for a in inst.private_addrs() {
                ix.by_private_addr.insert(a, idx);
            }
            if let Some(p) = inst.public_ip {
                ix.by_public_ip.insert(p, idx);
            }
            for sg in &inst.security_groups {
                if let Some(m) = ix.sg_members.get_mut(sg.get()) {
                    m.extend(inst.private_addrs());
                }
                if let Some(m) = ix.sg_instances.get_mut(sg.get()) {
                    m.push(idx);
                }
            }
        }
        for m in &mut ix.sg_members {
            m.sort();
            m.dedup();
        }
        for (i, nat) in self.nat_gateways.iter().enumerate() {
            if let Some(p) = nat.public_ip {
                ix.nat_by_public_ip.insert(p, NatIdx(i as u32));
            }
        }
        for (i, sg) in self.security_groups.iter().enumerate() {
            ix.sg_by_name.insert(sg.name.clone(), SgIdx(i as u32));
        }
        self.index = ix;
    }

    pub fn subnet(&self, i: SubnetIdx) -> &Subnet {
        &self.subnets[i.get()]
    }
    pub fn route_table(&self, i: RouteTableIdx) -> &RouteTable {
        &self.route_tables[i.get()]
    }
    pub fn network_acl(&self, i: NaclIdx) -> &NetworkAcl {
        &self.network_acls[i.get()]
    }
    pub fn security_group(&self, i: SgIdx) -> &SecurityGroup {
        &self.security_groups[i.get()]
    }
    pub fn instance(&self, i: InstanceIdx) -> &Instance {
        &self.instances[i.get()]
    }
    pub fn prefix_list(&self, i: PrefixListIdx) -> &PrefixList {
        &self.prefix_lists[i.get()]
    }
    pub fn nat_gateway(&self, i: NatIdx) -> &NatGateway {
        &self.nat_gateways[i.get()]
    }
    pub fn firewall_endpoint(&self, i: FirewallEndpointIdx) -> &FirewallEndpoint {
        &self.firewall_endpoints[i.get()]
    }

    pub fn target_group(&self, i: TargetGroupIdx) -> &TargetGroup {
        &self.target_groups[i.get()]
    }

    pub fn web_acl(&self, i: crate::web_acl::WebAclIdx) -> &crate::web_acl::WebAclConfig {
        &self.web_acls[i.get()]
    }

    pub fn instance_by_name(&self, name: &str) -> Option<InstanceIdx> {
        self.index.instance_by_name.get(name).copied()
    }

    pub fn security_group_by_name(&self, name: &str) -> Option<SgIdx> {
        self.index.sg_by_name.get(name).copied()
    }

    /// The instance that owns a private IPv4 or IPv6 address.
    pub fn instance_by_private_addr(&self, addr: IpAddr) -> Option<InstanceIdx> {
        self.index.by_private_addr.get(&addr).copied()
    }

    /// The instance an elastic or auto-assigned public IPv4 address maps to.
    pub fn instance_by_public_ip(&self, addr: Ipv4Addr) -> Option<InstanceIdx> {
        self.index.by_public_ip.get(&addr).copied()
    }

    pub fn nat_by_public_ip(&self, addr: Ipv4Addr) -> Option<NatIdx> {
        self.index.nat_by_public_ip.get(&addr).copied()
    }

    /// Private addresses of the instances that carry a group: what a reference to it matches.
    pub fn sg_members(&self, sg: SgIdx) -> &[IpAddr] {
        self.index
            .sg_members
            .get(sg.get())
            .map_or(&[], Vec::as_slice)
    }

    pub fn instances_in_subnet(&self, s: SubnetIdx) -> &[InstanceIdx] {
        self.index
            .subnet_instances
            .get(s.get())
            .map_or(&[], Vec::as_slice)
    }

    pub fn instances_with_sg(&self, sg: SgIdx) -> &[InstanceIdx] {
        self.index
            .sg_instances
            .get(sg.get())
            .map_or(&[], Vec::as_slice)
    }

    /// The subnet whose IPv4 or IPv6 block holds `addr`.
    pub fn subnet_of(&self, addr: IpAddr) -> Option<SubnetIdx> {
        self.subnets
            .iter()
            .position(|s| s.cidrs().any(|c| c.contains(addr)))
            .map(|i| SubnetIdx(i as u32))
    }

    /// Whether `addr` is inside one of the VPC's blocks.
    pub fn in_vpc(&self, addr: IpAddr) -> bool {
        self.vpc.cidrs().any(|c| c.contains(addr))
    }

    pub fn default_security_group(&self) -> Option<SgIdx> {
        self.security_groups
            .iter()
            .position(|g| g.is_default)
            .map(|i| SgIdx(i as u32))
    }

    pub fn default_network_acl(&self) -> Option<NaclIdx> {
        self.network_acls
            .iter()
            .position(|n| n.is_default)
            .map(|i| NaclIdx(i as u32))
    }

    /// Subnets associated with a NACL.
    pub fn subnets_with_nacl(&self, nacl: NaclIdx) -> impl Iterator<Item = SubnetIdx> + '_ {
        self.subnets
            .iter()
            .enumerate()
            .filter(move |(_, s)| s.network_acl == nacl)
            .map(|(i, _)| SubnetIdx(i as u32))
    }

    /// Whether a subnet routes to the internet gateway, which is what makes it public in AWS.
    pub fn routes_to_internet_gateway(&self, s: SubnetIdx) -> bool {
        self.route_table(self.subnet(s).route_table)
            .routes
            .iter()
            .any(|r| r.target == RouteTarget::InternetGateway)
    }

    /// The subnet's role: as declared, or, when not declared, public if it routes to the
    /// internet gateway and private otherwise.
    pub fn effective_tier(&self, s: SubnetIdx) -> Tier {
        let subnet = self.subnet(s);
        subnet
            .tier
            .unwrap_or(if self.routes_to_internet_gateway(s) {
                Tier::Public
            } else {
                Tier::Private
            })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Vpc {
    pub name: String,
    pub id: Option<String>,
    pub cidr_blocks: Vec<Cidr>,
    pub ipv6_cidr_blocks: Vec<Cidr>,
}

impl Vpc {
    /// The VPC of a configuration that defines none (one that only runs load balancers): no
    /// blocks, so no address is inside it.
    pub fn none() -> Vpc {
        Vpc {
            name: "vpc".into(),
            id: None,
            cidr_blocks: Vec::new(),
            ipv6_cidr_blocks: Vec::new(),
        }
    }

    /// Whether this is a real VPC (AWS gives every VPC an IPv4 block).
    pub fn is_defined(&self) -> bool {
        !self.cidr_blocks.is_empty() || !self.ipv6_cidr_blocks.is_empty()
    }

    pub fn cidrs(&self) -> impl Iterator<Item = &Cidr> {
        self.cidr_blocks.iter().chain(&self.ipv6_cidr_blocks)
    }

    pub fn has_ipv6(&self) -> bool {
        !self.ipv6_cidr_blocks.is_empty()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct InternetGateway {
    pub name: String,
    pub id: Option<String>,
    /// Edge association: the route table for traffic that enters the VPC from the internet.
    pub route_table: Option<RouteTableIdx>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PrefixList {
    pub name: String,
    pub id: Option<String>,
    pub family: Family,
    pub max_entries: Option<u32>,
    /// `None` when the entries are unknown: such a list matches nothing here.
    pub entries: Option<Vec<PrefixListEntry>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PrefixListEntry {
    pub cidr: Cidr,
    pub description: Option<String>,
}

impl PrefixList {
    pub fn contains(&self, addr: IpAddr) -> bool {
        self.entries
            .as_deref()
            .unwrap_or_default()
            .iter()
            .any(|e| e.cidr.contains(addr))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct RouteTable {
    pub name: String,
    pub id: Option<String>,
    /// The main route table serves every subnet without an explicit association.
    pub main: bool,
    /// Routes as written, plus the implicit `local` route of each VPC block.
    pub routes: Vec<Route>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    pub destination: Cidr,
    pub target: RouteTarget,
    /// Position in `routes:` of the file; `None` for an implicit local route.
    pub index: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteTarget {
    Local,
    InternetGateway,
    NatGateway(NatIdx),
    FirewallEndpoint(FirewallEndpointIdx),
    Blackhole,
    /// Anything outside the model: a peering connection, transit gateway, VPN gateway,
    /// egress-only gateway, network interface or gateway endpoint, by its AWS ID.
    External(String),
}

impl RouteTable {
    /// Longest-prefix match, as AWS routes.
    pub fn lookup(&self, addr: IpAddr) -> Option<&Route> {
        self.routes
            .iter()
            .filter(|r| r.destination.contains(addr))
            .max_by_key(|r| r.destination.prefix_len())
    }
}

/// What a subnet is for. AWS has no such attribute; a subnet is public when it routes to an
/// internet gateway. Declaring the intent lets the audit catch a subnet that is not what it
/// was meant to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Public,
    Private,
    Firewall,
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Tier::Public => "public",
            Tier::Private => "private",
            Tier::Firewall => "firewall",
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Subnet {
    pub name: String,
    pub id: Option<String>,
    pub cidr: Option<Cidr>,
    pub ipv6_cidr: Option<Cidr>,
    pub availability_zone: Option<String>,
    pub tier: Option<Tier>,
    pub route_table: RouteTableIdx,
    /// Whether `route_table` was associated explicitly (else it is the main table).
    pub route_table_explicit: bool,
    pub network_acl: NaclIdx,
    /// Whether `network_acl` was associated explicitly (else it is the default NACL).
    pub network_acl_explicit: bool,
}

impl Subnet {
    pub fn cidrs(&self) -> impl Iterator<Item = &Cidr> {
        self.cidr.iter().chain(self.ipv6_cidr.iter())
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct NatGateway {
    pub name: String,
    pub id: Option<String>,
    /// `None` when the import did not say where the gateway is.
    pub subnet: Option<SubnetIdx>,
    pub public_ip: Option<Ipv4Addr>,
    pub private_ip: Option<IpAddr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FirewallEndpoint {
    pub name: String,
    pub id: Option<String>,
    /// `None` when the import did not say which firewall subnet holds the endpoint.
    pub subnet: Option<SubnetIdx>,
}

/// Allow or deny, for NACL rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleAction {
    Allow,
    Deny,
}

impl fmt::Display for RuleAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RuleAction::Allow => "allow",
            RuleAction::Deny => "deny",
        })
    }
}

/// Ingress or egress: the direction of a rule list relative to the subnet or instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Ingress,
    Egress,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct NetworkAcl {
    pub name: String,
    pub id: Option<String>,
    pub is_default: bool,
    /// Sorted by rule number.
    pub ingress: Vec<NaclRule>,
    pub egress: Vec<NaclRule>,
}

impl NetworkAcl {
    pub fn rules(&self, dir: Direction) -> &[NaclRule] {
        match dir {
            Direction::Ingress => &self.ingress,
            Direction::Egress => &self.egress,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct NaclRule {
    /// 1–32766.
    pub number: u16,
    pub action: RuleAction,
    pub protocol: Protocol,
    /// Ports or ICMP type/code after AWS's protocol rules.
    pub l4: L4Match,
    /// Source for ingress rules, destination for egress rules.
    pub cidr: Cidr,
    /// Position in the file's list (rules are kept sorted by number).
    pub index: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SecurityGroup {
    pub name: String,
    pub id: Option<String>,
    pub description: Option<String>,
    /// The VPC's group named `default`.
    pub is_default: bool,
    pub ingress: Vec<SgRule>,
    pub egress: Vec<SgRule>,
}

impl SecurityGroup {
    pub fn rules(&self, dir: Direction) -> &[SgRule] {
        match dir {
            Direction::Ingress => &self.ingress,
            Direction::Egress => &self.egress,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct SgRule {
    /// Position in the group's `ingress:` or `egress:` list.
    pub index: usize,
    pub protocol: Protocol,
    pub l4: L4Match,
    /// Source for ingress rules, destination for egress rules.
    pub peer: SgPeer,
    pub description: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SgPeer {
    Cidr(Cidr),
    SecurityGroup(GroupRef<SgIdx>),
    PrefixList(GroupRef<PrefixListIdx>),
}

/// A reference that resolves in this model, or an AWS ID that does not: a group in a peered
/// VPC, or a deleted one (AWS calls such rules stale). External references match nothing here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupRef<T> {
    Local(T),
    External(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Instance {
    pub name: String,
    pub id: Option<String>,
    pub subnet: SubnetIdx,
    pub private_ips: Vec<Ipv4Addr>,
    pub ipv6_addresses: Vec<Ipv6Addr>,
    pub public_ip: Option<Ipv4Addr>,
    pub security_groups: Vec<SgIdx>,
    pub tags: BTreeMap<String, String>,
}

impl Instance {
    /// Private IPv4 and IPv6 addresses, primary first.
    pub fn private_addrs(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.private_ips
            .iter()
            .map(|a| IpAddr::V4(*a))
            .chain(self.ipv6_addresses.iter().map(|a| IpAddr::V6(*a)))
    }

    /// The address the instance uses as a source in `family`.
    pub fn primary_addr(&self, family: Family) -> Option<IpAddr> {
        match family {
            Family::Ipv4 => self.private_ips.first().map(|a| IpAddr::V4(*a)),
            Family::Ipv6 => self.ipv6_addresses.first().map(|a| IpAddr::V6(*a)),
        }
    }
}
