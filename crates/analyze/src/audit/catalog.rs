//! Every kind of finding, with its stable ID: what SARIF's `rules[]` and the docs list.

use super::Severity;

/// One kind of finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RuleInfo {
    /// Stable across releases: `RMP001`.
    pub id: &'static str,
    /// Kebab-case: `admin-port-open-to-world`.
    pub name: &'static str,
    /// The usual severity; a finding may be rated lower or higher, as its description says.
    pub severity: Severity,
    pub short: &'static str,
    pub full: &'static str,
    /// How to fix it, in general.
    pub help: &'static str,
    pub tags: &'static [&'static str],
}

pub(super) const ADMIN_PORT_OPEN: &str = "RMP001";
pub(super) const ALL_TRAFFIC_OPEN: &str = "RMP002";
pub(super) const REMOTE_ADMIN_FROM_OUTSIDE: &str = "RMP003";
pub(super) const NACL_BLOCKS_REPLIES: &str = "RMP004";
pub(super) const SG_ALLOWS_NACL_DENIES: &str = "RMP005";
pub(super) const NACL_ALLOWS_NO_SG: &str = "RMP006";
pub(super) const NACL_RULE_NEVER_APPLIES: &str = "RMP007";
pub(super) const NACL_RULE_REDUNDANT: &str = "RMP008";
pub(super) const UNRESOLVED_REFERENCE: &str = "RMP009";
pub(super) const UNUSED_SECURITY_GROUP: &str = "RMP010";
pub(super) const PRIVATE_SUBNET_TO_IGW: &str = "RMP011";
pub(super) const PUBLIC_IP_IN_PRIVATE_SUBNET: &str = "RMP012";
pub(super) const DEFAULT_NACL_ON_PUBLIC_SUBNET: &str = "RMP013";
pub(super) const QUOTA_EXCEEDED: &str = "RMP014";
pub(super) const ASYMMETRIC_FIREWALL_ROUTING: &str = "RMP015";
pub(super) const FIREWALL_ENDPOINT_WITHOUT_SUBNET: &str = "RMP016";
pub(super) const DEFAULT_SG_IN_USE: &str = "RMP017";
pub(super) const REDUNDANT_SG_RULE: &str = "RMP018";
pub(super) const LB_SG_BLOCKS_LISTENER: &str = "RMP019";

/// The catalog, in ID order. SARIF's `ruleIndex` is a position in this list.
pub const RULES: &[RuleInfo] = &[
    RuleInfo {
        id: ADMIN_PORT_OPEN,
        name: "admin-port-open-to-world",
        severity: Severity::High,
        short: "An administration or database port is open to the whole internet",
        full: "A security group ingress rule allows a remote-administration, database, cache, \
               search, container or cluster-control port (SSH, RDP, MySQL, PostgreSQL, Redis, \
               Elasticsearch, Docker, etcd, Kubernetes, SMB, VNC, …) from 0.0.0.0/0, ::/0 or a \
               prefix list that covers every address. Security groups allow a packet when any \
               rule of any attached group matches it, so one such rule exposes the service to \
               every host on the internet. High when `explain` finds an instance carrying the \
               group reachable from the internet on one of the ports; medium when none is \
               today (no instance, no public address, or another layer blocks it).",
        help: "Restrict the source to the addresses that need the service (a VPN or office \
               CIDR, or the security group of the clients). Reach instances through AWS Systems \
               Manager Session Manager instead of opening SSH or RDP, and keep databases in \
               private subnets, open only to the application's security group.",
        tags: &["security", "security-group", "exposure", "CWE-284"],
    },
    RuleInfo {
        id: ALL_TRAFFIC_OPEN,
        name: "all-traffic-open-to-world",
        severity: Severity::High,
        short: "All traffic is allowed in from the whole internet",
        full: "A security group ingress rule allows every protocol (-1), or every TCP or UDP \
               port, from 0.0.0.0/0 or ::/0. Every service an instance runs, including ones \
               listening by accident, is exposed. High when `explain` finds an instance \
               carrying the group reachable from the internet; medium otherwise.",
        help: "Replace the rule with one rule per service the instances offer (for example tcp \
               443), each from the narrowest source that needs it.",
        tags: &["security", "security-group", "exposure", "CWE-284"],
    },
    RuleInfo {
        id: REMOTE_ADMIN_FROM_OUTSIDE,
        name: "remote-admin-reachable-from-outside",
        severity: Severity::Medium,
        short: "SSH or RDP on an instance with a public address is reachable from outside the VPC",
        full: "An instance with a public address accepts SSH (tcp 22) or RDP (tcp 3389) from \
               addresses outside the VPC, and `explain` confirms the path from an address of \
               the rule's source through the internet gateway, network ACLs and security \
               groups. Even a narrow source CIDR leaves a login service on the internet, with \
               keys or passwords to manage and rotate.",
        help: "Use AWS Systems Manager Session Manager (no inbound port, IAM-controlled, logged) \
               instead of a bastion or direct SSH/RDP, then remove the rule and, if nothing \
               else needs it, the public address.",
        tags: &["security", "exposure", "remote-access"],
    },
    RuleInfo {
        id: NACL_BLOCKS_REPLIES,
        name: "nacl-blocks-replies",
        severity: Severity::High,
        short: "A network ACL lets a service in but blocks its replies",
        full: "A network ACL has an inbound rule that allows a TCP or UDP service, but its \
               outbound rules deny the replies to the clients' ephemeral ports. NACLs are \
               stateless: a reply is judged again by the outbound rules, as a packet to the \
               client's source port (32768–61000 on Linux, 49152–65535 on Windows, 1024–65535 \
               behind a NAT gateway or load balancer). High when no port of 1024–65535, or none \
               of Linux's 32768–61000, is allowed; medium when only some are.",
        help: "Add an outbound rule allowing the protocol on ports 1024-65535 to the clients' \
               CIDR, numbered below any deny that would match first.",
        tags: &["reliability", "network-acl", "stateless"],
    },
    RuleInfo {
        id: SG_ALLOWS_NACL_DENIES,
        name: "sg-allows-nacl-denies",
        severity: Severity::Medium,
        short: "A security group allows a service that a network ACL blocks",
        full: "A security group rule allows a service from a source, but `explain` of that flow \
               (from an address of the rule's CIDR, from an instance carrying the referenced \
               group, or from the internet for 0.0.0.0/0 and ::/0) is denied by a network ACL \
               on the way in or on the reply. Traffic must pass both layers; the service does \
               not work, and whoever reads the security group believes it does.",
        help: "Allow the service in the network ACL that denies it (and its replies on the \
               ephemeral ports), or remove the security group rule if the service is not meant \
               to be reachable from that source.",
        tags: &[
            "reliability",
            "network-acl",
            "security-group",
            "consistency",
        ],
    },
    RuleInfo {
        id: NACL_ALLOWS_NO_SG,
        name: "nacl-allows-no-sg",
        severity: Severity::Low,
        short: "A network ACL allows a service that no security group behind it allows",
        full: "A network ACL inbound rule allows a TCP or UDP service from a source, but no \
               security group of any instance in the subnets using that NACL allows the service \
               from that source. The opening serves nothing today; it widens the blast radius \
               the day a permissive security group rule is added. Resources outside the model \
               (load balancers, endpoints) may still use it.",
        help: "Remove the NACL rule, or add the security group rule that the service needs.",
        tags: &["hygiene", "network-acl", "consistency"],
    },
    RuleInfo {
        id: NACL_RULE_NEVER_APPLIES,
        name: "nacl-rule-never-takes-effect",
        severity: Severity::Medium,
        short: "A network ACL rule is overridden by earlier rules with the other action",
        full: "Every packet the rule matches is matched first by rules with lower numbers, at \
               least one of which has the opposite action. NACL rules are evaluated in \
               ascending order and the first match decides, so the rule never takes effect: an \
               intended allow never allows, or an intended deny never denies.",
        help: "Renumber the rule below the rules that cover it, or narrow those rules.",
        tags: &["correctness", "network-acl", "shadowed-rule"],
    },
    RuleInfo {
        id: NACL_RULE_REDUNDANT,
        name: "nacl-rule-redundant",
        severity: Severity::Low,
        short: "A network ACL rule is covered by earlier rules with the same action",
        full: "Every packet the rule matches is matched first by rules with lower numbers and \
               the same action. The rule is redundant: removing it changes nothing, and it uses \
               one of the 20 rules a NACL may have per direction and family.",
        help: "Delete the rule.",
        tags: &["hygiene", "network-acl", "shadowed-rule"],
    },
    RuleInfo {
        id: UNRESOLVED_REFERENCE,
        name: "unresolved-reference",
        severity: Severity::Medium,
        short: "A rule references a security group or prefix list that is not in the model",
        full: "A security group rule references a group ID that is not in this VPC (deleted, \
               which AWS reports as a stale rule, or in a peered VPC), or a prefix list that is \
               not defined or whose entries are unknown (an AWS-managed list). Rampart cannot \
               evaluate such a rule and treats it as matching nothing; in AWS a stale rule \
               matches nothing either. Medium for group references, low for prefix lists.",
        help: "Delete stale rules; define the peered group or the prefix list (with its entries) \
               in the configuration so that the rule can be checked.",
        tags: &["correctness", "security-group", "stale-rule"],
    },
    RuleInfo {
        id: UNUSED_SECURITY_GROUP,
        name: "unused-security-group",
        severity: Severity::Low,
        short: "A security group is attached to nothing",
        full: "No instance or load balancer in the model carries the group (the VPC's default \
               group is not reported). A rule of another group that references it does not make \
               it used: such a reference matches only the interfaces that carry the group, so it \
               matches nothing. Unused groups accumulate permissive rules nobody reviews. \
               Resources outside the model (Lambda functions, VPC endpoints, databases) may \
               still use it.",
        help: "Delete the group, or attach it where it is meant to be used.",
        tags: &["hygiene", "security-group"],
    },
    RuleInfo {
        id: PRIVATE_SUBNET_TO_IGW,
        name: "private-subnet-routes-to-internet",
        severity: Severity::Medium,
        short: "A subnet declared private routes to the internet gateway",
        full: "The subnet is declared `tier: private`, but its route table sends traffic to \
               the internet gateway, which is what makes a subnet public in AWS. Any instance in \
               it with a public address is reachable from the internet.",
        help: "Route the subnet's internet traffic through a NAT gateway in a public subnet, or \
               declare the subnet public if that is what it is meant to be.",
        tags: &["security", "routing", "exposure"],
    },
    RuleInfo {
        id: PUBLIC_IP_IN_PRIVATE_SUBNET,
        name: "public-ip-in-private-subnet",
        severity: Severity::Medium,
        short: "An instance in a private subnet has a public address",
        full: "The instance has a public IPv4 address but its subnet is private (declared so, \
               or without a route to the internet gateway). Without that route the address is \
               useless and becomes an exposure the day the route is added; with it (a subnet \
               declared private that routes to the gateway) the instance is on the internet: \
               high.",
        help: "Remove the public address (disable auto-assign on the subnet) and reach the \
               internet through a NAT gateway.",
        tags: &["security", "exposure"],
    },
    RuleInfo {
        id: DEFAULT_NACL_ON_PUBLIC_SUBNET,
        name: "default-nacl-allows-all-on-public-subnet",
        severity: Severity::Low,
        short: "A public subnet uses the default network ACL, which allows all inbound traffic",
        full: "The subnet routes to the internet gateway and uses the VPC's default NACL, whose \
               inbound rules allow every packet. Security groups are then the only filter \
               between the internet and the instances: one permissive group rule is an \
               exposure, with no second layer to catch it.",
        help: "Associate a custom NACL that allows the public services inbound and the \
               ephemeral ports (1024-65535) for replies, and denies the rest.",
        tags: &["security", "network-acl", "defence-in-depth"],
    },
    RuleInfo {
        id: QUOTA_EXCEEDED,
        name: "aws-quota-exceeded",
        severity: Severity::Medium,
        short: "The configuration exceeds an AWS quota, so a deploy would fail",
        full: "Checks AWS's VPC quotas: 60 inbound and 60 outbound rules per security group per \
               address family (a group reference counts for both families, a prefix list as its \
               maximum entries); 5 security groups per network interface (adjustable to 16); \
               rules per group × groups per interface at most 1,000; 20 rules per NACL per \
               direction per family including the `*` deny (adjustable to 40); 200 NACLs per \
               VPC. Low when a quota increase would let it deploy; medium when it is over a \
               hard limit.",
        help: "Request a quota increase where the quota is adjustable; otherwise merge rules \
               (wider CIDRs, port ranges, prefix lists) or split groups.",
        tags: &["quota", "deployability"],
    },
    RuleInfo {
        id: ASYMMETRIC_FIREWALL_ROUTING,
        name: "asymmetric-firewall-routing",
        severity: Severity::Medium,
        short: "Requests and replies take different firewall endpoints",
        full: "`explain` finds a flow whose request passes one set of Network Firewall \
               endpoints and whose reply passes another (or none). AWS Network Firewall's \
               stateful engine must see both directions of a flow through the same endpoint; \
               otherwise it drops the flow or passes it uninspected.",
        help: "Make the routes symmetric: route the reply direction (the subnet's route table, \
               or the internet gateway's edge route table) through the same endpoint as the \
               request.",
        tags: &["reliability", "routing", "network-firewall"],
    },
    RuleInfo {
        id: FIREWALL_ENDPOINT_WITHOUT_SUBNET,
        name: "firewall-endpoint-without-subnet",
        severity: Severity::Low,
        short: "A firewall endpoint has no subnet",
        full: "The configuration does not say which subnet holds the Network Firewall \
               endpoint, so the NACLs and routes around it cannot be checked; `explain` assumes \
               it forwards straight to the destination.",
        help: "Set `subnet:` on the endpoint to its firewall subnet.",
        tags: &["completeness", "network-firewall"],
    },
    RuleInfo {
        id: DEFAULT_SG_IN_USE,
        name: "default-security-group-in-use",
        severity: Severity::Low,
        short: "An instance uses the VPC's default security group",
        full: "The default group allows all traffic between its members, so every instance \
               launched without a group can reach every other one on every port. CIS AWS \
               Foundations recommends that the default group restrict all traffic and that \
               nothing use it.",
        help: "Give the instance a purpose-made group with only the rules it needs.",
        tags: &["security", "security-group", "CIS"],
    },
    RuleInfo {
        id: REDUNDANT_SG_RULE,
        name: "redundant-security-group-rule",
        severity: Severity::Low,
        short: "A security group rule allows nothing that the group's other rules do not",
        full: "Security group rules are one set: a packet is allowed if any rule matches. A rule \
               whose packets are all matched by other rules of the same group (CIDR and prefix \
               list peers, computed exactly) adds nothing but still counts toward the 60-rule \
               quota.",
        help: "Delete the rule, or merge it into the rule that covers it.",
        tags: &["hygiene", "security-group"],
    },
    RuleInfo {
        id: LB_SG_BLOCKS_LISTENER,
        name: "lb-sg-blocks-listener",
        severity: Severity::Medium,
        short: "A load balancer listens on a port that its own security groups do not allow in",
        full: "A load balancer has a listener on a port, but no ingress rule of any of the load \
               balancer's own security groups allows tcp on that port, from any source. Security \
               groups are allow-only and the rules of all the groups are one set, so every \
               connection to the listener is dropped before it arrives: clients wait for a \
               timeout, and the listener's rules and default action never run (an HTTP listener \
               that redirects to HTTPS redirects nobody). A rule from any source opens the port \
               for this check (a CIDR, a security group or a prefix list, even one outside the \
               model); which clients get through is what `explain` answers. Load balancers \
               without security groups, such as those of a file without `vpc`, are not checked.",
        help: "Allow tcp on the listener port in one of the load balancer's security groups, from \
               the clients that should reach it (AWS recommends 0.0.0.0/0, and ::/0 for a \
               dualstack load balancer, when it is internet-facing, and the VPC's CIDR when it is \
               internal), or remove the listener.",
        tags: &[
            "reliability",
            "load-balancer",
            "security-group",
            "consistency",
        ],
    },
];

/// The catalog entry of an ID.
pub fn rule(id: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.id == id)
}

/// Position of an ID in [`RULES`], for SARIF's `ruleIndex`.
pub fn rule_index(id: &str) -> Option<usize> {
    RULES.iter().position(|r| r.id == id)
}
