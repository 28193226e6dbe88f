//! The AWS CLI's JSON output, as far as the import reads it.
//!
//! Field names are AWS's (PascalCase). Unknown fields are ignored, because AWS adds fields over
//! time; the fields the import needs are required, so a truncated or hand-edited file fails
//! with the path of what is missing instead of importing something subtly different. Fields
//! that AWS itself leaves out in some cases (`Tags` on an untagged resource, `CidrBlock` on an
//! IPv6-only subnet, `PortRange` on an all-protocols NACL entry) are optional.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Tag {
    pub(crate) key: String,
    pub(crate) value: String,
}

/// The value of the tag `key`, if present and not blank.
pub(crate) fn tag<'a>(tags: &'a [Tag], key: &str) -> Option<&'a str> {
    tags.iter()
        .find(|t| t.key == key)
        .map(|t| t.value.trim())
        .filter(|v| !v.is_empty())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AssociationState {
    pub(crate) state: String,
}

// ---- aws ec2 describe-vpcs ------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DescribeVpcs {
    pub(crate) vpcs: Vec<Vpc>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Vpc {
    pub(crate) vpc_id: String,
    pub(crate) cidr_block: Option<String>,
    pub(crate) cidr_block_association_set: Option<Vec<CidrBlockAssociation>>,
    #[serde(default)]
    pub(crate) ipv6_cidr_block_association_set: Vec<Ipv6CidrBlockAssociation>,
    #[serde(default)]
    pub(crate) tags: Vec<Tag>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct CidrBlockAssociation {
    pub(crate) cidr_block: String,
    pub(crate) cidr_block_state: Option<AssociationState>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Ipv6CidrBlockAssociation {
    pub(crate) ipv6_cidr_block: Option<String>,
    pub(crate) ipv6_cidr_block_state: Option<AssociationState>,
}

// ---- aws ec2 describe-subnets ---------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DescribeSubnets {
    pub(crate) subnets: Vec<Subnet>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Subnet {
    pub(crate) subnet_id: String,
    pub(crate) vpc_id: String,
    /// Absent on an IPv6-only subnet.
    pub(crate) cidr_block: Option<String>,
    #[serde(default)]
    pub(crate) ipv6_cidr_block_association_set: Vec<Ipv6CidrBlockAssociation>,
    pub(crate) availability_zone: Option<String>,
    #[serde(default)]
    pub(crate) tags: Vec<Tag>,
}

// ---- aws ec2 describe-route-tables ----------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DescribeRouteTables {
    pub(crate) route_tables: Vec<RouteTable>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RouteTable {
    pub(crate) route_table_id: String,
    pub(crate) vpc_id: String,
    #[serde(default)]
    pub(crate) associations: Vec<RouteTableAssociation>,
    pub(crate) routes: Vec<Route>,
    #[serde(default)]
    pub(crate) tags: Vec<Tag>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RouteTableAssociation {
    #[serde(default)]
    pub(crate) main: bool,
    pub(crate) subnet_id: Option<String>,
    /// An edge association: an internet or virtual private gateway.
    pub(crate) gateway_id: Option<String>,
    pub(crate) association_state: Option<AssociationState>,
}

/// One route. AWS sets exactly one target field; a route to a Gateway Load Balancer or
/// Network Firewall endpoint comes back in `GatewayId` (`vpce-…`), as the API's `Route` has
/// no endpoint field, though `CreateRoute` takes `VpcEndpointId`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Route {
    pub(crate) destination_cidr_block: Option<String>,
    pub(crate) destination_ipv6_cidr_block: Option<String>,
    pub(crate) destination_prefix_list_id: Option<String>,
    pub(crate) gateway_id: Option<String>,
    pub(crate) nat_gateway_id: Option<String>,
    pub(crate) vpc_endpoint_id: Option<String>,
    pub(crate) transit_gateway_id: Option<String>,
    pub(crate) vpc_peering_connection_id: Option<String>,
    pub(crate) instance_id: Option<String>,
    pub(crate) network_interface_id: Option<String>,
    pub(crate) egress_only_internet_gateway_id: Option<String>,
    pub(crate) carrier_gateway_id: Option<String>,
    pub(crate) local_gateway_id: Option<String>,
    pub(crate) core_network_arn: Option<String>,
    pub(crate) odb_network_arn: Option<String>,
    /// A next hop propagated by VPC Route Server.
    pub(crate) ip_address: Option<String>,
    /// `active` or `blackhole`.
    pub(crate) state: Option<String>,
}

// ---- aws ec2 describe-internet-gateways -----------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DescribeInternetGateways {
    pub(crate) internet_gateways: Vec<InternetGateway>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct InternetGateway {
    pub(crate) internet_gateway_id: String,
    #[serde(default)]
    pub(crate) attachments: Vec<GatewayAttachment>,
    #[serde(default)]
    pub(crate) tags: Vec<Tag>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct GatewayAttachment {
    pub(crate) vpc_id: String,
    pub(crate) state: Option<String>,
}

// ---- aws ec2 describe-nat-gateways ----------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DescribeNatGateways {
    pub(crate) nat_gateways: Vec<NatGateway>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct NatGateway {
    pub(crate) nat_gateway_id: String,
    pub(crate) vpc_id: String,
    pub(crate) subnet_id: Option<String>,
    pub(crate) state: Option<String>,
    #[serde(default)]
    pub(crate) nat_gateway_addresses: Vec<NatGatewayAddress>,
    #[serde(default)]
    pub(crate) tags: Vec<Tag>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct NatGatewayAddress {
    pub(crate) private_ip: Option<String>,
    pub(crate) public_ip: Option<String>,
    pub(crate) is_primary: Option<bool>,
}

// ---- aws network-firewall describe-firewall -------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DescribeFirewall {
    pub(crate) firewall: Option<Firewall>,
    pub(crate) firewall_status: FirewallStatus,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Firewall {
    pub(crate) firewall_name: Option<String>,
    pub(crate) vpc_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct FirewallStatus {
    /// Availability Zone → the firewall's state there.
    pub(crate) sync_states: BTreeMap<String, SyncState>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct SyncState {
    pub(crate) attachment: Option<Attachment>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Attachment {
    pub(crate) subnet_id: String,
    /// Absent while the endpoint is being created.
    pub(crate) endpoint_id: Option<String>,
}

// ---- aws ec2 describe-network-acls ----------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DescribeNetworkAcls {
    pub(crate) network_acls: Vec<NetworkAcl>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct NetworkAcl {
    pub(crate) network_acl_id: String,
    pub(crate) vpc_id: String,
    pub(crate) is_default: bool,
    pub(crate) entries: Vec<NaclEntry>,
    #[serde(default)]
    pub(crate) associations: Vec<NaclAssociation>,
    #[serde(default)]
    pub(crate) tags: Vec<Tag>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct NaclEntry {
    pub(crate) rule_number: i64,
    pub(crate) protocol: String,
    pub(crate) rule_action: String,
    pub(crate) egress: bool,
    pub(crate) cidr_block: Option<String>,
    pub(crate) ipv6_cidr_block: Option<String>,
    pub(crate) port_range: Option<PortRange>,
    pub(crate) icmp_type_code: Option<IcmpTypeCode>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PortRange {
    pub(crate) from: i64,
    pub(crate) to: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct IcmpTypeCode {
    #[serde(rename = "Type")]
    pub(crate) icmp_type: i64,
    pub(crate) code: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct NaclAssociation {
    pub(crate) subnet_id: String,
}

// ---- aws ec2 describe-security-groups -------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DescribeSecurityGroups {
    pub(crate) security_groups: Vec<SecurityGroup>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct SecurityGroup {
    pub(crate) group_id: String,
    pub(crate) vpc_id: String,
    pub(crate) group_name: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) ip_permissions: Vec<IpPermission>,
    pub(crate) ip_permissions_egress: Vec<IpPermission>,
    #[serde(default)]
    pub(crate) tags: Vec<Tag>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct IpPermission {
    pub(crate) ip_protocol: String,
    pub(crate) from_port: Option<i64>,
    pub(crate) to_port: Option<i64>,
    #[serde(default)]
    pub(crate) ip_ranges: Vec<IpRange>,
    #[serde(default)]
    pub(crate) ipv6_ranges: Vec<Ipv6Range>,
    #[serde(default)]
    pub(crate) prefix_list_ids: Vec<PrefixListId>,
    #[serde(default)]
    pub(crate) user_id_group_pairs: Vec<UserIdGroupPair>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct IpRange {
    pub(crate) cidr_ip: String,
    pub(crate) description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Ipv6Range {
    pub(crate) cidr_ipv6: String,
    pub(crate) description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PrefixListId {
    pub(crate) prefix_list_id: String,
    pub(crate) description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct UserIdGroupPair {
    pub(crate) group_id: String,
    pub(crate) description: Option<String>,
}

// ---- aws ec2 describe-instances -------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DescribeInstances {
    pub(crate) reservations: Vec<Reservation>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Reservation {
    pub(crate) instances: Vec<Instance>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Instance {
    pub(crate) instance_id: String,
    pub(crate) state: Option<InstanceState>,
    /// Absent once an instance is terminated.
    pub(crate) vpc_id: Option<String>,
    pub(crate) subnet_id: Option<String>,
    pub(crate) private_ip_address: Option<String>,
    pub(crate) public_ip_address: Option<String>,
    #[serde(default)]
    pub(crate) network_interfaces: Vec<NetworkInterface>,
    #[serde(default)]
    pub(crate) security_groups: Vec<GroupIdentifier>,
    #[serde(default)]
    pub(crate) tags: Vec<Tag>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct InstanceState {
    pub(crate) name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct NetworkInterface {
    pub(crate) network_interface_id: Option<String>,
    pub(crate) subnet_id: Option<String>,
    pub(crate) attachment: Option<EniAttachment>,
    #[serde(default)]
    pub(crate) private_ip_addresses: Vec<PrivateIpAddress>,
    #[serde(default)]
    pub(crate) ipv6_addresses: Vec<Ipv6Address>,
    #[serde(default)]
    pub(crate) groups: Vec<GroupIdentifier>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct EniAttachment {
    pub(crate) device_index: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PrivateIpAddress {
    pub(crate) private_ip_address: String,
    #[serde(default)]
    pub(crate) primary: bool,
    pub(crate) association: Option<IpAssociation>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct IpAssociation {
    pub(crate) public_ip: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Ipv6Address {
    pub(crate) ipv6_address: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct GroupIdentifier {
    pub(crate) group_id: String,
}

// ---- aws ec2 describe-managed-prefix-lists / get-managed-prefix-list-entries ---------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DescribeManagedPrefixLists {
    pub(crate) prefix_lists: Vec<ManagedPrefixList>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ManagedPrefixList {
    pub(crate) prefix_list_id: String,
    pub(crate) prefix_list_name: Option<String>,
    pub(crate) address_family: Option<String>,
    /// Absent on AWS-managed lists.
    pub(crate) max_entries: Option<i64>,
    /// `AWS` for AWS-managed lists, else an account ID.
    pub(crate) owner_id: Option<String>,
    #[serde(default)]
    pub(crate) tags: Vec<Tag>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PrefixListEntries {
    pub(crate) entries: Vec<PrefixListEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PrefixListEntry {
    pub(crate) cidr: String,
    pub(crate) description: Option<String>,
}
