//! Exact coverage of rules as boxes in packet space: protocol (0–255) × layer-4 value × address.
//!
//! The layer-4 value is the destination port for TCP and UDP, and `type × 256 + code` for ICMP
//! and ICMPv6, so that an ICMP type with any code is one interval. Rules of every other
//! protocol, and `-1`, match every layer-4 value, as AWS applies them. A rule's box (or boxes)
//! is exactly the set of packets it matches within its address family; subtracting the boxes
//! of earlier rules tells whether any packet is left for it to decide.

use model::{Family, IcmpMatch, L4Match, NaclRule, Protocol, RuleAction};

/// Stop splitting past this many fragments and call the rule effective: a conservative answer
/// that no real NACL reaches (twenty rules split a box into a few dozen pieces).
const MAX_FRAGMENTS: usize = 4096;

/// An inclusive interval.
pub(crate) type Span = (u128, u128);

/// A set of packets of one address family: protocol × layer-4 value × address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PacketBox {
    pub(crate) dims: [Span; 3],
}

pub(crate) const L4_MAX: u128 = 65535;

impl PacketBox {
    pub(crate) fn everything(family: Family) -> PacketBox {
        PacketBox {
            dims: [(0, 255), (0, L4_MAX), family_span(family)],
        }
    }

    fn intersects(&self, o: &PacketBox) -> bool {
        self.dims
            .iter()
            .zip(&o.dims)
            .all(|(a, b)| a.0 <= b.1 && b.0 <= a.1)
    }

    /// `self` minus `o`, as at most six disjoint boxes.
    fn subtract(&self, o: &PacketBox, out: &mut Vec<PacketBox>) {
        if !self.intersects(o) {
            out.push(*self);
            return;
        }
        let mut core = *self;
        for d in 0..3 {
            let (lo, hi) = core.dims[d];
            let (olo, ohi) = o.dims[d];
            if lo < olo {
                let mut piece = core;
                piece.dims[d] = (lo, olo - 1);
                out.push(piece);
                core.dims[d].0 = olo;
            }
            if hi > ohi {
                let mut piece = core;
                piece.dims[d] = (ohi + 1, hi);
                out.push(piece);
                core.dims[d].1 = ohi;
            }
        }
    }
}

pub(crate) fn family_span(family: Family) -> Span {
    match family {
        Family::Ipv4 => (0, u128::from(u32::MAX)),
        Family::Ipv6 => (0, u128::MAX),
    }
}

/// The protocol interval of a rule.
pub(crate) fn protocol_span(p: Protocol) -> Span {
    match p {
        Protocol::All => (0, 255),
        Protocol::Number(n) => (u128::from(n), u128::from(n)),
    }
}

/// The layer-4 intervals a match covers (one, except for "any type, code C", which AWS's
/// validation refuses but the type allows).
pub(crate) fn l4_spans(l4: &L4Match) -> Vec<Span> {
    match *l4 {
        L4Match::Any => vec![(0, L4_MAX)],
        L4Match::Ports(p) => vec![(u128::from(p.from), u128::from(p.to))],
        L4Match::Icmp(IcmpMatch { icmp_type, code }) => match (icmp_type, code) {
            (None, None) => vec![(0, L4_MAX)],
            (Some(t), None) => {
                let base = u128::from(t) * 256;
                vec![(base, base + 255)]
            }
            (Some(t), Some(c)) => {
                let v = u128::from(t) * 256 + u128::from(c);
                vec![(v, v)]
            }
            (None, Some(c)) => (0..256u128)
                .map(|t| (t * 256 + u128::from(c), t * 256 + u128::from(c)))
                .collect(),
        },
    }
}

/// The boxes of packets a rule matches, for `protocol`, `l4` and an address interval.
pub(crate) fn rule_boxes(protocol: Protocol, l4: &L4Match, addr: Span) -> Vec<PacketBox> {
    let proto = protocol_span(protocol);
    l4_spans(l4)
        .into_iter()
        .map(|l| PacketBox {
            dims: [proto, l, addr],
        })
        .collect()
}

pub(crate) fn nacl_rule_boxes(r: &NaclRule) -> Vec<PacketBox> {
    rule_boxes(r.protocol, &r.l4, r.cidr.range())
}

/// `set` minus every box of `by`. Returns `None` when the fragments grow past the limit.
pub(crate) fn subtract_all(set: &[PacketBox], by: &[PacketBox]) -> Option<Vec<PacketBox>> {
    let mut cur = set.to_vec();
    for b in by {
        let mut next = Vec::with_capacity(cur.len());
        for piece in &cur {
            piece.subtract(b, &mut next);
        }
        if next.len() > MAX_FRAGMENTS {
            return None;
        }
        cur = next;
        if cur.is_empty() {
            break;
        }
    }
    Some(cur)
}

pub(crate) fn intersects_any(a: &[PacketBox], b: &[PacketBox]) -> bool {
    a.iter().any(|x| b.iter().any(|y| x.intersects(y)))
}

/// A rule that no packet can reach: earlier rules match everything it matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Shadowed {
    /// Position of the rule in the list.
    pub(crate) rule: usize,
    /// Positions of the earlier rules that took packets from it, in order.
    pub(crate) by: Vec<usize>,
    /// Whether one of them has the other action: the rule's intent is overturned.
    pub(crate) conflicting: bool,
}

/// Every rule of one direction of a NACL that is shadowed by the rules before it (sorted by
/// number, as the model keeps them). Rules of the other family never interact.
pub(crate) fn shadowed_rules(rules: &[NaclRule]) -> Vec<Shadowed> {
    let boxes: Vec<Vec<PacketBox>> = rules.iter().map(nacl_rule_boxes).collect();
    let mut out = Vec::new();
    for (i, r) in rules.iter().enumerate() {
        let mut rest = boxes[i].clone();
        let mut by = Vec::new();
        for (j, earlier) in rules.iter().enumerate().take(i) {
            if earlier.cidr.family() != r.cidr.family() || !intersects_any(&rest, &boxes[j]) {
                continue;
            }
            let Some(next) = subtract_all(&rest, &boxes[j]) else {
                by.clear();
                break;
            };
            rest = next;
            by.push(j);
            if rest.is_empty() {
                break;
            }
        }
        if rest.is_empty() {
            let conflicting = by.iter().any(|&j| rules[j].action != r.action);
            out.push(Shadowed {
                rule: i,
                by,
                conflicting,
            });
        }
    }
    out
}

/// Whether the rules (in order) allow every packet of `family`: no deny rule decides any
/// packet, and the allow rules leave nothing to the `*` deny.
pub(crate) fn allows_everything(rules: &[NaclRule], family: Family) -> bool {
    let mut rest = vec![PacketBox::everything(family)];
    for r in rules.iter().filter(|r| r.cidr.family() == family) {
        let b = nacl_rule_boxes(r);
        if !intersects_any(&rest, &b) {
            continue;
        }
        if r.action == RuleAction::Deny {
            return false;
        }
        match subtract_all(&rest, &b) {
            Some(next) => rest = next,
            None => return false,
        }
        if rest.is_empty() {
            return true;
        }
    }
    rest.is_empty()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::net::IpAddr;

    use model::{
        Cidr, Direction, ICMP, L4, NaclRuleRef, NetworkAcl, Packet, PortRange, TCP, UDP,
        u128_to_addr,
    };
    use proptest::prelude::*;

    use super::*;

    fn rule(
        number: u16,
        action: RuleAction,
        protocol: Protocol,
        l4: L4Match,
        cidr: &str,
    ) -> NaclRule {
        NaclRule {
            number,
            action,
            protocol,
            l4,
            cidr: cidr.parse().unwrap(),
            index: 0,
        }
    }

    fn tcp(from: u16, to: u16) -> L4Match {
        L4Match::Ports(PortRange { from, to })
    }

    #[test]
    fn a_union_of_two_earlier_rules_shadows_a_third() {
        let rules = vec![
            rule(
                100,
                RuleAction::Allow,
                Protocol::Number(TCP),
                tcp(0, 1000),
                "10.0.0.0/9",
            ),
            rule(
                110,
                RuleAction::Deny,
                Protocol::Number(TCP),
                tcp(0, 1000),
                "10.128.0.0/9",
            ),
            rule(
                120,
                RuleAction::Allow,
                Protocol::Number(TCP),
                tcp(22, 443),
                "10.0.0.0/8",
            ),
            rule(
                130,
                RuleAction::Allow,
                Protocol::Number(TCP),
                tcp(22, 1001),
                "10.0.0.0/8",
            ),
        ];
        let s = shadowed_rules(&rules);
        assert_eq!(
            s,
            vec![Shadowed {
                rule: 2,
                by: vec![0, 1],
                conflicting: true
            }]
        );
    }

    #[test]
    fn ipv4_rules_never_shadow_ipv6_ones() {
        let rules = vec![
            rule(
                100,
                RuleAction::Deny,
                Protocol::All,
                L4Match::Any,
                "0.0.0.0/0",
            ),
            rule(
                110,
                RuleAction::Allow,
                Protocol::Number(TCP),
                tcp(443, 443),
                "::/0",
            ),
        ];
        assert!(shadowed_rules(&rules).is_empty());
    }

    #[test]
    fn all_protocols_cover_every_port_and_icmp_type() {
        let rules = vec![
            rule(
                100,
                RuleAction::Allow,
                Protocol::All,
                L4Match::Any,
                "0.0.0.0/0",
            ),
            rule(
                110,
                RuleAction::Allow,
                Protocol::Number(ICMP),
                L4Match::Icmp(IcmpMatch {
                    icmp_type: Some(3),
                    code: Some(4),
                }),
                "10.0.0.0/8",
            ),
            rule(
                120,
                RuleAction::Deny,
                Protocol::Number(47),
                L4Match::Any,
                "10.0.0.0/8",
            ),
        ];
        let s = shadowed_rules(&rules);
        assert_eq!(s.len(), 2);
        assert!(!s[0].conflicting);
        assert!(s[1].conflicting);
        assert!(allows_everything(&rules, Family::Ipv4));
        assert!(!allows_everything(&rules, Family::Ipv6));
    }

    #[test]
    fn an_icmp_type_with_any_code_is_covered_code_by_code_only_when_all_256_are() {
        let icmp = |t, c| {
            L4Match::Icmp(IcmpMatch {
                icmp_type: Some(t),
                code: c,
            })
        };
        let mut rules: Vec<NaclRule> = (0..=255u8)
            .map(|c| {
                rule(
                    u16::from(c) + 1,
                    RuleAction::Allow,
                    Protocol::Number(ICMP),
                    icmp(3, Some(c)),
                    "0.0.0.0/0",
                )
            })
            .collect();
        rules.push(rule(
            300,
            RuleAction::Allow,
            Protocol::Number(ICMP),
            icmp(3, None),
            "0.0.0.0/0",
        ));
        assert_eq!(shadowed_rules(&rules).len(), 1);
        rules.remove(17);
        assert!(shadowed_rules(&rules).is_empty());
    }

    // --- brute force: the evaluator itself, on every cell of the rules' arrangement ---

    /// Rules drawn from a small universe, so that they overlap, nest and abut often: ports and
    /// ICMP values near each other, a handful of neighbouring addresses, both families.
    fn arb_rule() -> impl Strategy<Value = (RuleAction, Protocol, L4Match, Cidr)> {
        let action = prop_oneof![Just(RuleAction::Allow), Just(RuleAction::Deny)];
        let ports = prop_oneof![
            4 => (0u16..8, 0u16..8).prop_map(|(a, b)| PortRange { from: a.min(b), to: a.max(b) }),
            1 => (0u16..8).prop_map(|a| PortRange { from: a, to: 65535 }),
        ];
        let icmp =
            (prop::option::of(0u8..3), prop::option::of(0u8..3)).prop_map(|(t, c)| IcmpMatch {
                icmp_type: t,
                code: c,
            });
        let proto_l4 = prop_oneof![
            1 => Just((Protocol::All, L4Match::Any)),
            1 => Just((Protocol::Number(47), L4Match::Any)),
            4 => ports.clone().prop_map(|p| (Protocol::Number(TCP), L4Match::Ports(p))),
            1 => ports.prop_map(|p| (Protocol::Number(UDP), L4Match::Ports(p))),
            2 => icmp.prop_map(|m| (Protocol::Number(ICMP), L4Match::Icmp(m))),
        ];
        let cidr = prop_oneof![
            1 => Just("0.0.0.0/0".to_owned()),
            1 => Just("::/0".to_owned()),
            1 => Just("2001:db8::/127".to_owned()),
            6 => (0u8..4, 30u8..=32).prop_map(|(o, l)| format!("10.0.0.{o}/{l}")),
        ]
        .prop_map(|s| s.parse::<Cidr>().unwrap());
        (action, proto_l4, cidr).prop_map(|(a, (p, l), c)| (a, p, l, c))
    }

    fn packet(family: Family, proto: u128, l4: u128, addr: u128) -> Packet {
        let protocol = u8::try_from(proto).unwrap();
        let l4v = u16::try_from(l4).unwrap();
        let l4 = match protocol {
            TCP | UDP => L4::Ports { src: 0, dst: l4v },
            ICMP | 58 => L4::Icmp {
                icmp_type: (l4v >> 8) as u8,
                code: (l4v & 0xff) as u8,
            },
            _ => L4::Other,
        };
        let src: IpAddr = u128_to_addr(family, addr);
        Packet {
            src,
            dst: src,
            protocol,
            l4,
        }
    }

    /// The start of every cell that the boxes' edges cut `span` into.
    fn cuts(span: Span, edges: &[Span]) -> Vec<u128> {
        let mut v = vec![span.0];
        for &(lo, hi) in edges {
            if lo > span.0 && lo <= span.1 {
                v.push(lo);
            }
            if hi < span.1 && hi >= span.0 {
                v.push(hi + 1);
            }
        }
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Whether some packet that `acl.ingress[i]` matches is decided by it, trying one packet in
    /// every cell of the arrangement of all the rules' boxes inside its own.
    fn decides_something(acl: &NetworkAcl, i: usize) -> bool {
        let r = &acl.ingress[i];
        let family = r.cidr.family();
        let all: Vec<PacketBox> = acl
            .ingress
            .iter()
            .filter(|o| o.cidr.family() == family)
            .flat_map(nacl_rule_boxes)
            .collect();
        nacl_rule_boxes(r).iter().any(|b| {
            let per_dim: Vec<Vec<u128>> = (0..3)
                .map(|d| {
                    cuts(
                        b.dims[d],
                        &all.iter().map(|x| x.dims[d]).collect::<Vec<_>>(),
                    )
                })
                .collect();
            per_dim[0].iter().any(|&p| {
                per_dim[1].iter().any(|&l| {
                    per_dim[2].iter().any(|&a| {
                        let d = acl.evaluate(Direction::Ingress, &packet(family, p, l, a));
                        d.rule == NaclRuleRef::Number(r.number)
                    })
                })
            })
        })
    }

    fn arb_box() -> impl Strategy<Value = PacketBox> {
        let span = (0u128..6, 0u128..6).prop_map(|(a, b)| (a.min(b), a.max(b)));
        [span.clone(), span.clone(), span].prop_map(|dims| PacketBox { dims })
    }

    fn holds(b: &PacketBox, p: [u128; 3]) -> bool {
        b.dims
            .iter()
            .zip(p)
            .all(|(&(lo, hi), v)| lo <= v && v <= hi)
    }

    proptest! {
        #[test]
        fn subtraction_is_exact_point_by_point(a in arb_box(), b in arb_box()) {
            let mut out = Vec::new();
            a.subtract(&b, &mut out);
            for piece in &out {
                prop_assert!(piece.dims.iter().all(|(lo, hi)| lo <= hi), "{:?}", piece);
            }
            for x in 0..6 {
                for y in 0..6 {
                    for z in 0..6 {
                        let p = [x, y, z];
                        let n = out.iter().filter(|q| holds(q, p)).count();
                        let expected = usize::from(holds(&a, p) && !holds(&b, p));
                        prop_assert_eq!(n, expected, "point {:?}: {:?} − {:?} = {:?}", p, a, b, out);
                    }
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        #[test]
        fn shadowing_agrees_with_the_evaluator(specs in prop::collection::vec(arb_rule(), 1..8)) {
            let ingress: Vec<NaclRule> = specs
                .into_iter()
                .enumerate()
                .map(|(i, (action, protocol, l4, cidr))| NaclRule {
                    number: (i as u16 + 1) * 10,
                    action,
                    protocol,
                    l4,
                    cidr,
                    index: i,
                })
                .collect();
            let acl = NetworkAcl {
                name: "p".into(),
                id: None,
                is_default: false,
                ingress,
                egress: Vec::new(),
            };
            let shadowed: Vec<usize> = shadowed_rules(&acl.ingress).iter().map(|s| s.rule).collect();
            for i in 0..acl.ingress.len() {
                prop_assert_eq!(
                    shadowed.contains(&i),
                    !decides_something(&acl, i),
                    "rule {} of {:?}", i, acl.ingress
                );
            }
        }
    }
}
