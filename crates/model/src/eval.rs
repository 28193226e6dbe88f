//! Pure evaluators of AWS's layer 3–4 semantics: security groups (allow-only, union of groups)
//! and network ACLs (numbered, first match wins, stateless). Explain, audit and the nftables
//! compiler all answer to these.

use std::fmt;
use std::net::IpAddr;

use crate::addr::Family;
use crate::model::{
    Direction, GroupRef, Model, NaclRule, NetworkAcl, RuleAction, SgIdx, SgPeer, SgRule,
};
use crate::proto::{L4, L4Match, Packet, PortRange};

/// The NACL rule that decided: a numbered rule, or the catch-all `*` of the packet's family
/// (AWS numbers it 32767 for IPv4 and 32768 for IPv6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NaclRuleRef {
    Number(u16),
    Star(Family),
}

impl NaclRuleRef {
    /// The number AWS's API shows for the rule.
    pub fn aws_number(self) -> u32 {
        match self {
            NaclRuleRef::Number(n) => u32::from(n),
            NaclRuleRef::Star(Family::Ipv4) => 32767,
            NaclRuleRef::Star(Family::Ipv6) => 32768,
        }
    }
}

impl fmt::Display for NaclRuleRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NaclRuleRef::Number(n) => write!(f, "{n}"),
            NaclRuleRef::Star(family) => write!(f, "* ({family})"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NaclDecision {
    pub action: RuleAction,
    pub rule: NaclRuleRef,
}

impl NaclDecision {
    pub fn allowed(&self) -> bool {
        self.action == RuleAction::Allow
    }
}

impl NaclRule {
    /// The address a rule looks at: the source of inbound traffic, the destination of outbound.
    fn matches(&self, dir: Direction, packet: &Packet) -> bool {
        let addr = match dir {
            Direction::Ingress => packet.src,
            Direction::Egress => packet.dst,
        };
        self.cidr.contains(addr)
            && self.protocol.matches(packet.protocol)
            && self.l4.matches(&packet.l4)
    }
}

impl NetworkAcl {
    /// Rules in ascending number; the first that matches decides; else the family's `*` denies.
    pub fn evaluate(&self, dir: Direction, packet: &Packet) -> NaclDecision {
        self.rules(dir)
            .iter()
            .find(|r| r.matches(dir, packet))
            .map_or(
                NaclDecision {
                    action: RuleAction::Deny,
                    rule: NaclRuleRef::Star(packet.family()),
                },
                |r| NaclDecision {
                    action: r.action,
                    rule: NaclRuleRef::Number(r.number),
                },
            )
    }

    /// Evaluates a TCP or UDP packet for every destination port in `ports` at once, and returns
    /// the decisions as consecutive sub-ranges. This is how a reply to "some ephemeral port" is
    /// judged: a NACL that opens 32768–65535 passes Linux clients and fails Windows 2003 ones.
    pub fn evaluate_dst_ports(
        &self,
        dir: Direction,
        packet: &Packet,
        ports: PortRange,
    ) -> Vec<(PortRange, NaclDecision)> {
        let L4::Ports { src, .. } = packet.l4 else {
            return vec![(ports, self.evaluate(dir, packet))];
        };
        // Within a segment between rule boundaries the set of matching rules is constant.
        let mut cuts: Vec<u32> = vec![u32::from(ports.from)];
        for r in self.rules(dir) {
            if let L4Match::Ports(p) = r.l4 {
                for c in [u32::from(p.from), u32::from(p.to) + 1] {
                    if c > u32::from(ports.from) && c <= u32::from(ports.to) {
                        cuts.push(c);
                    }
                }
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        let mut out: Vec<(PortRange, NaclDecision)> = Vec::new();
        for (i, &start) in cuts.iter().enumerate() {
            let end = cuts.get(i + 1).map_or(u32::from(ports.to), |next| next - 1);
            let (Ok(start), Ok(end)) = (u16::try_from(start), u16::try_from(end)) else {
                continue;
            };
            let probe = Packet {
                l4: L4::Ports { src, dst: start },
                ..*packet
            };
            let d = self.evaluate(dir, &probe);
            match out.last_mut() {
                Some((range, last)) if *last == d => range.to = end,
                _ => out.push((
                    PortRange {
                        from: start,
                        to: end,
                    },
                    d,
                )),
            }
        }
        out
    }
}

impl SgRule {
    /// Whether the rule's protocol and ports (or ICMP type and code) take in `protocol` and
    /// `l4`, whoever the peer is: the half of [`Model::sg_rule_matches`] that looks at no
    /// address.
    pub fn matches_service(&self, protocol: u8, l4: &L4) -> bool {
        self.protocol.matches(protocol) && self.l4.matches(l4)
    }
}

/// The security-group rule that allowed a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SgMatch {
    pub group: SgIdx,
    pub direction: Direction,
    /// Position of the rule in the group's list.
    pub rule: usize,
}

/// How a security-group evaluation sees the remote side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SgContext {
    /// The packet was routed through a middlebox (a firewall endpoint): AWS does not match
    /// security-group references for such traffic, only CIDRs and prefix lists.
    pub via_middlebox: bool,
}

impl Model {
    /// Whether a rule's peer holds `remote`.
    pub fn sg_peer_matches(&self, peer: &SgPeer, remote: IpAddr, cx: SgContext) -> bool {
        match peer {
            SgPeer::Cidr(c) => c.contains(remote),
            SgPeer::SecurityGroup(GroupRef::Local(g)) => {
                !cx.via_middlebox && self.sg_members(*g).binary_search(&remote).is_ok()
            }
            SgPeer::PrefixList(GroupRef::Local(p)) => self.prefix_list(*p).contains(remote),
            SgPeer::SecurityGroup(GroupRef::External(_))
            | SgPeer::PrefixList(GroupRef::External(_)) => false,
        }
    }

    pub fn sg_rule_matches(
        &self,
        rule: &SgRule,
        dir: Direction,
        packet: &Packet,
        cx: SgContext,
    ) -> bool {
        let remote = match dir {
            Direction::Ingress => packet.src,
            Direction::Egress => packet.dst,
        };
        rule.matches_service(packet.protocol, &packet.l4)
            && self.sg_peer_matches(&rule.peer, remote, cx)
    }

    /// Security groups are allow-only and their rules are one set: the packet passes if any
    /// rule of any of `groups` allows it. Returns the first such rule in group order, or
    /// `None` (denied: no rule allows it).
    pub fn evaluate_security_groups(
        &self,
        groups: &[SgIdx],
        dir: Direction,
        packet: &Packet,
        cx: SgContext,
    ) -> Option<SgMatch> {
        groups.iter().find_map(|&g| {
            self.security_group(g)
                .rules(dir)
                .iter()
                .find(|r| self.sg_rule_matches(r, dir, packet, cx))
                .map(|r| SgMatch {
                    group: g,
                    direction: dir,
                    rule: r.index,
                })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::Cidr;
    use crate::proto::{Protocol, TCP};

    fn rule(number: u16, action: RuleAction, ports: PortRange, cidr: &str) -> NaclRule {
        NaclRule {
            number,
            action,
            protocol: Protocol::Number(TCP),
            l4: L4Match::Ports(ports),
            cidr: cidr.parse::<Cidr>().unwrap(),
            index: 0,
        }
    }

    fn tcp(src: &str, dst: &str, dst_port: u16) -> Packet {
        Packet {
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            protocol: TCP,
            l4: L4::Ports {
                src: 40000,
                dst: dst_port,
            },
        }
    }

    #[test]
    fn an_sg_rule_takes_in_a_service_whoever_its_peer_is() {
        let rule = |protocol, l4| SgRule {
            index: 0,
            protocol,
            l4,
            peer: SgPeer::SecurityGroup(GroupRef::External("sg-0123456789abcdef0".into())),
            description: None,
        };
        let port = |dst| L4::Ports { src: 40000, dst };
        let web = rule(
            Protocol::Number(TCP),
            L4Match::Ports(PortRange { from: 80, to: 443 }),
        );
        assert!(web.matches_service(TCP, &port(80)));
        assert!(web.matches_service(TCP, &port(443)));
        assert!(!web.matches_service(TCP, &port(8080)));
        assert!(!web.matches_service(crate::proto::UDP, &port(80)));
        // `-1` allows every port whatever is written.
        assert!(rule(Protocol::All, L4Match::Any).matches_service(TCP, &port(8080)));
        let ping = rule(
            Protocol::Number(crate::proto::ICMP),
            L4Match::Icmp(crate::proto::IcmpMatch {
                icmp_type: Some(8),
                code: None,
            }),
        );
        assert!(!ping.matches_service(TCP, &port(8)));
    }

    #[test]
    fn nacl_first_match_wins_then_star_denies_per_family() {
        let acl = NetworkAcl {
            name: "t".into(),
            id: None,
            is_default: false,
            ingress: vec![
                rule(90, RuleAction::Deny, PortRange::single(22), "0.0.0.0/0"),
                rule(100, RuleAction::Allow, PortRange::ALL, "0.0.0.0/0"),
            ],
            egress: vec![],
        };
        let d = acl.evaluate(Direction::Ingress, &tcp("1.2.3.4", "10.0.0.1", 22));
        assert_eq!(d.rule, NaclRuleRef::Number(90));
        assert!(!d.allowed());
        assert!(
            acl.evaluate(Direction::Ingress, &tcp("1.2.3.4", "10.0.0.1", 80))
                .allowed()
        );
        let v6 = acl.evaluate(Direction::Ingress, &tcp("2001:db8::1", "2001:db8::2", 80));
        assert_eq!(v6.rule, NaclRuleRef::Star(Family::Ipv6));
        assert_eq!(v6.rule.aws_number(), 32768);
    }

    #[test]
    fn nacl_return_traffic_needs_ephemeral_ports() {
        let acl = NetworkAcl {
            name: "t".into(),
            id: None,
            is_default: false,
            ingress: vec![],
            egress: vec![rule(
                100,
                RuleAction::Allow,
                PortRange {
                    from: 32768,
                    to: 65535,
                },
                "0.0.0.0/0",
            )],
        };
        let reply = tcp("10.0.0.1", "1.2.3.4", 0);
        let parts = acl.evaluate_dst_ports(
            Direction::Egress,
            &reply,
            PortRange {
                from: 1024,
                to: 65535,
            },
        );
        assert_eq!(parts.len(), 2);
        assert_eq!(
            parts[0].0,
            PortRange {
                from: 1024,
                to: 32767
            }
        );
        assert!(!parts[0].1.allowed());
        assert_eq!(
            parts[1].0,
            PortRange {
                from: 32768,
                to: 65535
            }
        );
        assert!(parts[1].1.allowed());
    }
}
