#![allow(clippy::unwrap_used)]
//! Property tests of the evaluators against reference oracles.
//!
//! Every oracle here is written from `shared/spec/aws-semantics.md` (§1 security groups, §2
//! network ACLs), not from the code under test, and works on rules *as written*: the protocol
//! text (`-1`, `all`, `tcp`, `58`, …), the port text, ICMP type and code with `-1`, and the CIDR
//! text with host bits possibly set. The model under test is always built by rendering the
//! generated rules as YAML and loading it, so validation's translation of AWS's protocol rules
//! is checked together with the evaluators.

use std::collections::{BTreeSet, HashSet};
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use model::{
    Cidr, Direction, Family, L4, Model, NaclRuleRef, NetworkAcl, Packet, ParsedCidr, PortRange,
    RouteTable, RouteTarget, RuleAction, SgContext,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

// ---------------------------------------------------------------------------------------------
// Addresses and blocks, as the oracles see them: integers and bits.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Fam {
    V4,
    V6,
}

impl Fam {
    fn bits(self) -> u32 {
        match self {
            Fam::V4 => 32,
            Fam::V6 => 128,
        }
    }

    fn max(self) -> u128 {
        match self {
            Fam::V4 => u128::from(u32::MAX),
            Fam::V6 => u128::MAX,
        }
    }

    fn of(v6: bool) -> Fam {
        if v6 { Fam::V6 } else { Fam::V4 }
    }

    fn family(self) -> Family {
        match self {
            Fam::V4 => Family::Ipv4,
            Fam::V6 => Family::Ipv6,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Addr {
    fam: Fam,
    v: u128,
}

impl Addr {
    fn ip(self) -> IpAddr {
        match self.fam {
            Fam::V4 => IpAddr::V4(Ipv4Addr::from(self.v as u32)),
            Fam::V6 => IpAddr::V6(Ipv6Addr::from(self.v)),
        }
    }

    /// Bit `i` of the address, counted from the most significant.
    fn bit(self, i: u32) -> bool {
        (self.v >> (self.fam.bits() - 1 - i)) & 1 == 1
    }
}

/// A CIDR block as written in a rule: the address may have host bits set (`10.0.1.5/24`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct WCidr {
    addr: Addr,
    len: u32,
}

impl WCidr {
    fn text(self) -> String {
        format!("{}/{}", self.addr.ip(), self.len)
    }

    /// The first `len` bits of the address equal the block's, one by one.
    fn contains(self, a: Addr) -> bool {
        a.fam == self.addr.fam && (0..self.len).all(|i| a.bit(i) == self.addr.bit(i))
    }

    fn with_host_bits(self, set: bool) -> Addr {
        let bits = self.addr.fam.bits();
        let mut v = self.addr.v;
        for i in self.len..bits {
            let b = 1u128 << (bits - 1 - i);
            if set {
                v |= b;
            } else {
                v &= !b;
            }
        }
        Addr {
            fam: self.addr.fam,
            v,
        }
    }

    fn first(self) -> Addr {
        self.with_host_bits(false)
    }

    fn last(self) -> Addr {
        self.with_host_bits(true)
    }

    /// How AWS stores it: host bits cleared.
    fn canonical(self) -> WCidr {
        WCidr {
            addr: self.first(),
            len: self.len,
        }
    }

    fn key(self) -> (Fam, u128, u32) {
        (self.addr.fam, self.first().v, self.len)
    }

    fn host(a: Addr) -> WCidr {
        WCidr {
            addr: a,
            len: a.fam.bits(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rules as written, and the oracle's reading of AWS's protocol rules.

/// Protocol, ports and ICMP fields of a rule, exactly as the YAML says them.
#[derive(Clone, Debug, PartialEq, Eq)]
struct L4W {
    proto: String,
    ports: Option<String>,
    icmp_type: Option<i32>,
    icmp_code: Option<i32>,
    /// Written as bare YAML scalars (`protocol: -1`, `icmp_type: -1`, `cidr: ::/0`) rather
    /// than quoted strings.
    plain: bool,
}

impl L4W {
    fn everything() -> L4W {
        L4W {
            proto: "-1".into(),
            ports: None,
            icmp_type: None,
            icmp_code: None,
            plain: false,
        }
    }
}

/// AWS's `IpProtocol`: `-1` (or `all`) is every protocol, else a name or an IANA number.
fn proto_number(text: &str) -> Option<u8> {
    match text {
        "-1" | "all" => None,
        "tcp" => Some(6),
        "udp" => Some(17),
        "icmp" => Some(1),
        "icmpv6" => Some(58),
        n => Some(n.parse().unwrap()),
    }
}

/// `443`, `1024-65535` or `all`, inclusive.
fn port_bounds(text: &str) -> (u16, u16) {
    if text == "all" {
        return (0, 65535);
    }
    match text.split_once('-') {
        Some((a, b)) => (a.parse().unwrap(), b.parse().unwrap()),
        None => {
            let p = text.parse().unwrap();
            (p, p)
        }
    }
}

/// The destination ports of a tcp or udp rule.
fn tcp_udp_ports(l4: &L4W) -> Option<(u16, u16)> {
    match proto_number(&l4.proto) {
        Some(6 | 17) => l4.ports.as_deref().map(port_bounds),
        _ => None,
    }
}

/// An ICMP type or code as written: absent or `-1` is any.
fn icmp_field_takes(written: Option<i32>, value: u8) -> bool {
    match written {
        None | Some(-1) => true,
        Some(w) => w == i32::from(value),
    }
}

/// Whether the protocol part of a rule takes the packet (spec §1 and §2): `-1` takes every
/// protocol on every port; tcp/udp take the destination ports written; icmp/icmpv6 take the
/// type and code written; every other protocol takes all ports whatever is written.
/// `icmpv6_all_types` is the NACL case of protocol 58 with an IPv4 CIDR.
fn l4_takes(l4: &L4W, pkt: &Pkt, icmpv6_all_types: bool) -> bool {
    let Some(n) = proto_number(&l4.proto) else {
        return true;
    };
    if pkt.proto != n {
        return false;
    }
    match n {
        6 | 17 => {
            let (from, to) = port_bounds(l4.ports.as_deref().unwrap());
            from <= pkt.dport && pkt.dport <= to
        }
        58 if icmpv6_all_types => true,
        1 | 58 => {
            icmp_field_takes(l4.icmp_type, pkt.itype) && icmp_field_takes(l4.icmp_code, pkt.icode)
        }
        _ => true,
    }
}

/// A packet as the oracles see it.
#[derive(Clone, Copy, Debug)]
struct Pkt {
    src: Addr,
    dst: Addr,
    proto: u8,
    sport: u16,
    dport: u16,
    itype: u8,
    icode: u8,
}

impl Pkt {
    fn fam(&self) -> Fam {
        self.dst.fam
    }

    fn remote(&self, dir: Direction) -> Addr {
        match dir {
            Direction::Ingress => self.src,
            Direction::Egress => self.dst,
        }
    }

    fn to_model(self) -> Packet {
        let l4 = match self.proto {
            6 | 17 => L4::Ports {
                src: self.sport,
                dst: self.dport,
            },
            1 | 58 => L4::Icmp {
                icmp_type: self.itype,
                code: self.icode,
            },
            _ => L4::Other,
        };
        Packet {
            src: self.src.ip(),
            dst: self.dst.ip(),
            protocol: self.proto,
            l4,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Generators shared by every property.

const SPECIAL_PORTS: [u16; 7] = [0, 1, 1023, 1024, 32767, 32768, 65535];
/// The generated VPC's IPv6 block, 2600:1f18:6e:5600::/56.
const VPC6: u128 = 0x2600_1f18_006e_5600_0000_0000_0000_0000;
const DOC6: u128 = 0x2001_0db8 << 96;
const EXTERNAL_SG: &str = "sg-0123456789abcdef0";
const EXTERNAL_PL: &str = "pl-0123456789abcdef0";

fn fam() -> impl Strategy<Value = Fam> {
    prop_oneof![Just(Fam::V4), Just(Fam::V6)]
}

/// Addresses that cluster in the generated VPC, plus documentation, mapped and random ones.
fn addr_bits(f: Fam) -> BoxedStrategy<u128> {
    match f {
        Fam::V4 => prop_oneof![
            3 => (0u128..4, 0u128..256).prop_map(|(k, lo)| 0x0A00_0000 | (k << 8) | lo),
            1 => (0u128..0x1_0000).prop_map(|x| 0x0A00_0000 | x),
            1 => (0u128..512).prop_map(|x| 0xC0A8_0000 | x),
            2 => any::<u32>().prop_map(u128::from),
            1 => select(vec![0u128, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF]),
        ]
        .boxed(),
        Fam::V6 => prop_oneof![
            3 => (0u128..4, 0u128..512).prop_map(|(k, lo)| VPC6 | (k << 64) | lo),
            1 => (0u128..(1 << 72)).prop_map(|x| VPC6 | x),
            1 => (0u128..0x1_0000).prop_map(|x| DOC6 | x),
            1 => any::<u32>().prop_map(|x| 0xFFFF_0000_0000 | u128::from(x)),
            2 => any::<u128>(),
            1 => select(vec![0u128, 1, 1 << 127, u128::MAX]),
        ]
        .boxed(),
    }
}

fn prefix_len(f: Fam) -> BoxedStrategy<u32> {
    match f {
        Fam::V4 => prop_oneof![
            2 => select(vec![0u32, 1, 8, 16, 24, 28, 31, 32]),
            1 => 0u32..=32,
        ]
        .boxed(),
        Fam::V6 => prop_oneof![
            2 => select(vec![0u32, 1, 32, 48, 56, 64, 96, 127, 128]),
            1 => 0u32..=128,
        ]
        .boxed(),
    }
}

/// A block of one family, written canonically or with host bits set.
fn wcidr_of(f: Fam) -> BoxedStrategy<WCidr> {
    (addr_bits(f), prefix_len(f), any::<bool>())
        .prop_map(move |(v, len, canonical)| {
            let c = WCidr {
                addr: Addr { fam: f, v },
                len,
            };
            if canonical { c.canonical() } else { c }
        })
        .boxed()
}

fn wcidr() -> impl Strategy<Value = WCidr> {
    fam().prop_flat_map(wcidr_of)
}

fn proto_text() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => select(vec![
            "-1", "all", "tcp", "udp", "icmp", "icmpv6", "6", "17", "1", "58", "47", "0", "255",
        ])
        .prop_map(str::to_owned),
        1 => any::<u8>().prop_map(|n| n.to_string()),
    ]
}

/// Mostly tcp and udp, for the properties about port ranges.
fn ports_heavy_proto_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => select(vec!["tcp", "udp", "6", "17"]).prop_map(str::to_owned),
        1 => proto_text(),
    ]
}

fn port_range() -> impl Strategy<Value = (u16, u16)> {
    prop_oneof![
        select(SPECIAL_PORTS.to_vec()).prop_map(|p| (p, p)),
        Just((0, 65535)),
        (
            select(SPECIAL_PORTS.to_vec()),
            select(SPECIAL_PORTS.to_vec())
        )
            .prop_map(|(a, b)| (a.min(b), a.max(b))),
        (any::<u16>(), any::<u16>()).prop_map(|(a, b)| (a.min(b), a.max(b))),
        (any::<u16>(), 0u16..8).prop_map(|(a, w)| (a, a.saturating_add(w))),
    ]
}

/// The ways a range can be written: `all`, `0-65535`, `80`, `80-80`, `1024-65535`.
fn ports_text((from, to): (u16, u16), style: u8) -> String {
    if (from, to) == (0, 65535) && style.is_multiple_of(2) {
        "all".into()
    } else if from == to && !style.is_multiple_of(3) {
        from.to_string()
    } else {
        format!("{from}-{to}")
    }
}

fn icmp_value() -> impl Strategy<Value = i32> {
    prop_oneof![
        2 => select(vec![-1, 0, 3, 4, 8, 11, 128, 129, 255]),
        1 => 0i32..=255,
    ]
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layer {
    Nacl,
    SecurityGroup,
}

/// Protocol fields before they are shaped into what AWS accepts for the protocol.
#[derive(Clone, Debug)]
struct L4Raw {
    proto: String,
    range: (u16, u16),
    style: u8,
    ports_on_other: bool,
    icmp_type: i32,
    icmp_code: i32,
    icmp_given: bool,
    plain: bool,
}

fn l4_raw(ports_heavy: bool) -> impl Strategy<Value = L4Raw> {
    let proto = if ports_heavy {
        ports_heavy_proto_text().boxed()
    } else {
        proto_text().boxed()
    };
    (
        proto,
        port_range(),
        any::<u8>(),
        any::<bool>(),
        icmp_value(),
        icmp_value(),
        prop::bool::weighted(0.8),
        any::<bool>(),
    )
        .prop_map(
            |(proto, range, style, ports_on_other, icmp_type, icmp_code, icmp_given, plain)| {
                L4Raw {
                    proto,
                    range,
                    style,
                    ports_on_other,
                    icmp_type,
                    icmp_code,
                    icmp_given,
                    plain,
                }
            },
        )
}

impl L4Raw {
    /// The rule as a person would write it for AWS: tcp and udp with ports; icmp with type and
    /// code (a type of -1 needs a code of -1); icmpv6 in a security group, and 58 in a NACL rule
    /// with an IPv4 CIDR, may leave them out; other protocols may carry ports AWS ignores.
    fn written(&self, layer: Layer, cidr_family: Option<Fam>) -> L4W {
        let ports = Some(ports_text(self.range, self.style));
        let mut l4 = L4W {
            proto: self.proto.clone(),
            ports: None,
            icmp_type: None,
            icmp_code: None,
            plain: self.plain,
        };
        match proto_number(&self.proto) {
            Some(6 | 17) => l4.ports = ports,
            Some(n @ (1 | 58)) => {
                let optional = match layer {
                    Layer::SecurityGroup => n == 58,
                    Layer::Nacl => n == 58 && cidr_family == Some(Fam::V4),
                };
                if self.icmp_given || !optional {
                    l4.icmp_type = Some(self.icmp_type);
                    l4.icmp_code = Some(if self.icmp_type == -1 {
                        -1
                    } else {
                        self.icmp_code
                    });
                }
            }
            _ => l4.ports = ports.filter(|_| self.ports_on_other),
        }
        l4
    }
}

fn quoted(s: &str) -> String {
    format!("\"{s}\"")
}

/// A scalar bare or quoted.
fn scalar(s: &str, plain: bool) -> String {
    if plain { s.to_owned() } else { quoted(s) }
}

fn l4_yaml(l4: &L4W) -> String {
    let mut s = format!("protocol: {}", scalar(&l4.proto, l4.plain));
    if let Some(p) = &l4.ports {
        write!(s, ", ports: {}", scalar(p, l4.plain)).unwrap();
    }
    if let Some(t) = l4.icmp_type {
        write!(s, ", icmp_type: {}", scalar(&t.to_string(), l4.plain)).unwrap();
    }
    if let Some(c) = l4.icmp_code {
        write!(s, ", icmp_code: {}", scalar(&c.to_string(), l4.plain)).unwrap();
    }
    s
}

fn load(yaml: &str) -> Model {
    match model::load_str(yaml, "gen.yaml") {
        Ok(v) => v.model,
        Err(e) => panic!("the generated configuration was refused: {e}\n{yaml}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Probes: packets aimed at the blocks, ports, protocols and ICMP fields of the generated rules.

#[derive(Clone, Debug)]
enum AddrPick {
    /// An address at or next to a block of the rules: its first, last, one below, one above,
    /// the address as written, or one inside.
    Aim(usize, u8, u128),
    Random(u128),
}

impl AddrPick {
    fn kind(&self) -> (u8, u128) {
        match *self {
            AddrPick::Aim(_, k, r) => (k, r),
            AddrPick::Random(r) => (5, r),
        }
    }
}

#[derive(Clone, Debug)]
enum ProtoPick {
    Listed(u8),
    OfRule(usize),
    Random(u8),
}

#[derive(Clone, Debug)]
enum PortPick {
    Listed(u16),
    /// The first or last port of a rule's range, or the port just outside it.
    EdgeOfRule(usize, u8),
    Random(u16),
}

#[derive(Clone, Debug)]
enum IcmpPick {
    /// A rule's type and code, exactly, or with the code or the type one off.
    OfRule(usize, u8),
    Raw(u8, u8),
}

#[derive(Clone, Debug)]
struct Probe {
    v6: bool,
    src: AddrPick,
    dst: AddrPick,
    proto: ProtoPick,
    sport: u16,
    dport: PortPick,
    icmp: IcmpPick,
    /// Aim every field at one rule, so that most probes land on or just beside it.
    focus: Option<usize>,
}

fn addr_pick() -> impl Strategy<Value = AddrPick> {
    prop_oneof![
        4 => (any::<usize>(), 0u8..6, any::<u128>()).prop_map(|(i, k, r)| AddrPick::Aim(i, k, r)),
        1 => any::<u128>().prop_map(AddrPick::Random),
    ]
}

fn proto_pick() -> impl Strategy<Value = ProtoPick> {
    prop_oneof![
        3 => select(vec![6u8, 17, 1, 58, 47, 0, 255]).prop_map(ProtoPick::Listed),
        3 => any::<usize>().prop_map(ProtoPick::OfRule),
        1 => any::<u8>().prop_map(ProtoPick::Random),
    ]
}

fn port_pick() -> impl Strategy<Value = PortPick> {
    prop_oneof![
        2 => select(SPECIAL_PORTS.to_vec()).prop_map(PortPick::Listed),
        3 => (any::<usize>(), 0u8..4).prop_map(|(i, k)| PortPick::EdgeOfRule(i, k)),
        1 => any::<u16>().prop_map(PortPick::Random),
    ]
}

fn icmp_pick() -> impl Strategy<Value = IcmpPick> {
    prop_oneof![
        2 => (any::<usize>(), 0u8..3).prop_map(|(i, k)| IcmpPick::OfRule(i, k)),
        1 => (select(vec![0u8, 3, 8, 11, 128, 129, 255]), select(vec![0u8, 1, 4, 255]))
            .prop_map(|(t, c)| IcmpPick::Raw(t, c)),
        1 => any::<(u8, u8)>().prop_map(|(t, c)| IcmpPick::Raw(t, c)),
    ]
}

fn probe() -> impl Strategy<Value = Probe> {
    (
        any::<bool>(),
        addr_pick(),
        addr_pick(),
        proto_pick(),
        prop_oneof![select(SPECIAL_PORTS.to_vec()), any::<u16>()],
        port_pick(),
        icmp_pick(),
        prop::option::weighted(0.6, any::<usize>()),
    )
        .prop_map(|(v6, src, dst, proto, sport, dport, icmp, focus)| Probe {
            v6,
            src,
            dst,
            proto,
            sport,
            dport,
            icmp,
            focus,
        })
}

/// An address of a block by `kind`: first, last, one below, one above, as written, inside.
fn aim_addr(c: WCidr, kind: u8, r: u128) -> Addr {
    let (first, last) = (c.first().v, c.last().v);
    let v = match kind {
        0 => first,
        1 => last,
        2 => first.wrapping_sub(1),
        3 => last.wrapping_add(1),
        4 => c.addr.v,
        _ => match (last - first).checked_add(1) {
            Some(size) => first + r % size,
            None => r,
        },
    };
    Addr {
        fam: c.addr.fam,
        v: v & c.addr.fam.max(),
    }
}

/// A port by `kind`: the first or last of the range, or the one just outside.
fn aim_port((from, to): (u16, u16), kind: u8) -> u16 {
    match kind {
        0 => from,
        1 => to,
        2 => from.wrapping_sub(1),
        _ => to.wrapping_add(1),
    }
}

/// An ICMP type and code as written (-1 becomes a common value), exactly or one off.
fn aim_icmp(t: i32, c: i32, kind: u8) -> (u8, u8) {
    let t = u8::try_from(t).unwrap_or(8);
    let c = u8::try_from(c).unwrap_or(0);
    match kind {
        0 => (t, c),
        1 => (t, c.wrapping_add(1)),
        _ => (t.wrapping_add(1), c),
    }
}

impl Pkt {
    /// The packet with its protocol, port or ICMP fields aimed at a rule's.
    fn aimed_at(mut self, l4: &L4W, p: &Probe) -> Pkt {
        let n = proto_number(&l4.proto);
        if let Some(n) = n {
            self.proto = n;
        }
        if let (Some(6 | 17), Some(ports)) = (n, &l4.ports) {
            let kind = match p.dport {
                PortPick::EdgeOfRule(_, k) => k,
                _ => 0,
            };
            self.dport = aim_port(port_bounds(ports), kind);
        }
        if let Some(t) = l4.icmp_type {
            let kind = match p.icmp {
                IcmpPick::OfRule(_, k) => k,
                IcmpPick::Raw(..) => 0,
            };
            (self.itype, self.icode) = aim_icmp(t, l4.icmp_code.unwrap_or(-1), kind);
        }
        self
    }

    fn with_remote(mut self, dir: Direction, remote: Addr) -> Pkt {
        match dir {
            Direction::Ingress => self.src = remote,
            Direction::Egress => self.dst = remote,
        }
        self
    }
}

/// What probes aim at.
#[derive(Default)]
struct Targets {
    cidrs: Vec<WCidr>,
    l4s: Vec<L4W>,
}

impl Targets {
    /// An address aimed at a block of the family. IPv6 probes also aim at the IPv4-mapped
    /// form (`::ffff:a.b.c.d`) of IPv4 blocks, which IPv4 rules must not take.
    fn addr(&self, fam: Fam, pick: &AddrPick) -> Addr {
        let mut blocks: Vec<WCidr> = self
            .cidrs
            .iter()
            .filter(|c| c.addr.fam == fam)
            .copied()
            .collect();
        if fam == Fam::V6 {
            blocks.extend(
                self.cidrs
                    .iter()
                    .filter(|c| c.addr.fam == Fam::V4)
                    .map(|c| WCidr {
                        addr: Addr {
                            fam: Fam::V6,
                            v: 0xFFFF_0000_0000 | c.addr.v,
                        },
                        len: 96 + c.len,
                    }),
            );
        }
        match pick {
            AddrPick::Aim(i, kind, r) if !blocks.is_empty() => {
                aim_addr(blocks[i % blocks.len()], *kind, *r)
            }
            AddrPick::Aim(_, _, r) | AddrPick::Random(r) => Addr {
                fam,
                v: r & fam.max(),
            },
        }
    }

    fn proto(&self, pick: &ProtoPick) -> u8 {
        match pick {
            ProtoPick::Listed(n) | ProtoPick::Random(n) => *n,
            ProtoPick::OfRule(i) if !self.l4s.is_empty() => {
                proto_number(&self.l4s[i % self.l4s.len()].proto).unwrap_or(6)
            }
            ProtoPick::OfRule(_) => 6,
        }
    }

    fn port_ranges(&self) -> Vec<(u16, u16)> {
        self.l4s.iter().filter_map(tcp_udp_ports).collect()
    }

    fn port(&self, pick: &PortPick) -> u16 {
        let ranges = self.port_ranges();
        match pick {
            PortPick::Listed(p) | PortPick::Random(p) => *p,
            PortPick::EdgeOfRule(i, k) if !ranges.is_empty() => {
                aim_port(ranges[i % ranges.len()], *k)
            }
            PortPick::EdgeOfRule(i, _) => SPECIAL_PORTS[i % SPECIAL_PORTS.len()],
        }
    }

    fn icmp(&self, pick: &IcmpPick) -> (u8, u8) {
        let written: Vec<(i32, i32)> = self
            .l4s
            .iter()
            .filter_map(|l| Some((l.icmp_type?, l.icmp_code.unwrap_or(-1))))
            .collect();
        match pick {
            IcmpPick::Raw(t, c) => (*t, *c),
            IcmpPick::OfRule(i, k) if !written.is_empty() => {
                let (t, c) = written[i % written.len()];
                aim_icmp(t, c, *k)
            }
            IcmpPick::OfRule(..) => (8, 0),
        }
    }

    /// The probe's packet in `fam`, each field aimed on its own.
    fn packet_in(&self, fam: Fam, p: &Probe) -> Pkt {
        let (itype, icode) = self.icmp(&p.icmp);
        Pkt {
            src: self.addr(fam, &p.src),
            dst: self.addr(fam, &p.dst),
            proto: self.proto(&p.proto),
            sport: p.sport,
            dport: self.port(&p.dport),
            itype,
            icode,
        }
    }

    fn packet(&self, p: &Probe) -> Pkt {
        self.packet_in(Fam::of(p.v6), p)
    }
}

// ---------------------------------------------------------------------------------------------
// Network ACLs (spec §2).

#[derive(Clone, Debug)]
struct NaclW {
    number: u16,
    allow: bool,
    l4: L4W,
    cidr: WCidr,
}

fn rule_number() -> impl Strategy<Value = u16> {
    prop_oneof![Just(1u16), Just(32766), 1u16..=32766, 1u16..=300]
}

fn nacl_rule(ports_heavy: bool) -> impl Strategy<Value = NaclW> {
    (rule_number(), any::<bool>(), l4_raw(ports_heavy), wcidr()).prop_map(
        |(number, allow, l4, cidr)| NaclW {
            number,
            allow,
            l4: l4.written(Layer::Nacl, Some(cidr.addr.fam)),
            cidr,
        },
    )
}

/// Up to 20 rules with unique numbers, in the random order they are written.
fn nacl_rules(ports_heavy: bool) -> impl Strategy<Value = Vec<NaclW>> {
    vec(nacl_rule(ports_heavy), 0..=20).prop_map(|mut rules| {
        let mut seen = HashSet::new();
        rules.retain(|r| seen.insert(r.number));
        rules
    })
}

/// Numbered rules in ascending order, the first match decides, else the family's `*` denies.
/// The CIDR is the source for ingress and the destination for egress; an IPv4 rule never
/// matches IPv6 traffic; protocol 58 with an IPv4 CIDR matches every ICMP type.
fn nacl_oracle(rules: &[NaclW], dir: Direction, pkt: &Pkt) -> (RuleAction, NaclRuleRef) {
    let mut sorted: Vec<&NaclW> = rules.iter().collect();
    sorted.sort_by_key(|r| r.number);
    for r in sorted {
        if r.cidr.contains(pkt.remote(dir)) && l4_takes(&r.l4, pkt, r.cidr.addr.fam == Fam::V4) {
            let action = if r.allow {
                RuleAction::Allow
            } else {
                RuleAction::Deny
            };
            return (action, NaclRuleRef::Number(r.number));
        }
    }
    (RuleAction::Deny, NaclRuleRef::Star(pkt.fam().family()))
}

fn nacl_rules_yaml(out: &mut String, key: &str, rules: &[NaclW]) {
    if rules.is_empty() {
        writeln!(out, "    {key}: []").unwrap();
        return;
    }
    writeln!(out, "    {key}:").unwrap();
    for r in rules {
        writeln!(
            out,
            "      - {{rule: {}, action: {}, {}, cidr: {}}}",
            scalar(&r.number.to_string(), r.l4.plain),
            scalar(if r.allow { "allow" } else { "deny" }, r.l4.plain),
            l4_yaml(&r.l4),
            scalar(&r.cidr.text(), r.l4.plain),
        )
        .unwrap();
    }
}

fn nacl_yaml(ingress: &[NaclW], egress: &[NaclW]) -> String {
    let mut y = String::from(
        "vpc:\n  cidr_blocks: [\"10.0.0.0/16\"]\n  ipv6_cidr_blocks: [\"2600:1f18:6e:5600::/56\"]\n\
         network_acls:\n  gen:\n",
    );
    nacl_rules_yaml(&mut y, "ingress", ingress);
    nacl_rules_yaml(&mut y, "egress", egress);
    y
}

fn nacl_named<'m>(m: &'m Model, name: &str) -> &'m NetworkAcl {
    m.network_acls.iter().find(|a| a.name == name).unwrap()
}

fn nacl_targets(rules: &[NaclW]) -> Targets {
    Targets {
        cidrs: rules.iter().map(|r| r.cidr).collect(),
        l4s: rules.iter().map(|r| r.l4.clone()).collect(),
    }
}

/// The probe's packet for one direction of a NACL. A focused probe is in the family of one
/// rule, aimed at its protocol fields, with the address the rule looks at on or beside its block.
fn nacl_packet(rules: &[NaclW], dir: Direction, p: &Probe) -> Pkt {
    let t = nacl_targets(rules);
    match p.focus {
        Some(f) if !rules.is_empty() => {
            let r = &rules[f % rules.len()];
            let (kind, x) = p.src.kind();
            t.packet_in(r.cidr.addr.fam, p)
                .aimed_at(&r.l4, p)
                .with_remote(dir, aim_addr(r.cidr, kind, x))
        }
        _ => t.packet(p),
    }
}

#[derive(Clone, Debug)]
enum Window {
    Fixed(u16, u16),
    /// Around the first port of a rule's range, or the port after its last: which rule, which
    /// end, how far below, how far above.
    AroundEdge(usize, bool, u16, u16),
}

impl Window {
    /// The window's ports; an edge window prefers the range of the rule a probe focuses on.
    fn bounds(&self, t: &Targets, focused: Option<&NaclW>) -> (u16, u16) {
        match *self {
            Window::Fixed(from, to) => (from, to),
            Window::AroundEdge(i, end, below, above) => {
                let ranges = match focused.and_then(|r| tcp_udp_ports(&r.l4)) {
                    Some(own) => vec![own],
                    None => t.port_ranges(),
                };
                let Some(&(a, b)) = ranges.get(i % ranges.len().max(1)) else {
                    return (1024, 65535);
                };
                let edge = if end { b.saturating_add(1) } else { a };
                (edge.saturating_sub(below), edge.saturating_add(above))
            }
        }
    }
}

/// Port windows: small ones checked port by port, some around the edges of the rules' ranges,
/// and the usual ephemeral ranges.
fn port_window() -> impl Strategy<Value = Window> {
    prop_oneof![
        6 => (any::<usize>(), any::<bool>(), 0u16..300, 0u16..300)
            .prop_map(|(i, end, below, above)| Window::AroundEdge(i, end, below, above)),
        2 => (any::<u16>(), 0u16..600).prop_map(|(a, w)| Window::Fixed(a, a.saturating_add(w))),
        2 => select(vec![
            (0u16, 65535u16),
            (1024, 65535),
            (32768, 61000),
            (1025, 5000),
            (49152, 65535),
            (0, 0),
            (65535, 65535),
        ])
        .prop_map(|(a, b)| Window::Fixed(a, b)),
        1 => (any::<u16>(), any::<u16>()).prop_map(|(a, b)| Window::Fixed(a.min(b), a.max(b))),
    ]
}

// ---------------------------------------------------------------------------------------------
// Security groups (spec §1): a generated VPC with subnets, instances, groups and prefix lists.

#[derive(Clone, Debug)]
enum PeerW {
    Cidr(WCidr),
    /// A group's name or ID as written, or an external ID.
    Group(String),
    PrefixList(String),
}

#[derive(Clone, Debug)]
struct SgRuleW {
    l4: L4W,
    peer: PeerW,
}

#[derive(Clone, Debug)]
struct GroupW {
    name: String,
    id: Option<String>,
    /// False for AWS's default group when the file does not define it.
    declared: bool,
    ingress: Option<Vec<SgRuleW>>,
    egress: Option<Vec<SgRuleW>>,
}

#[derive(Clone, Debug)]
struct PrefixListW {
    name: String,
    id: String,
    fam: Fam,
    declare_family: bool,
    max_entries: Option<usize>,
    entries: Option<Vec<WCidr>>,
}

#[derive(Clone, Debug)]
struct SubnetW {
    v4: WCidr,
    v6: Option<WCidr>,
}

#[derive(Clone, Debug)]
struct InstanceW {
    name: String,
    subnet: usize,
    v4: Vec<Addr>,
    v6: Vec<Addr>,
    /// Group names or IDs, as written.
    groups: Vec<String>,
}

impl InstanceW {
    fn addrs(&self) -> impl Iterator<Item = Addr> + '_ {
        self.v4.iter().chain(&self.v6).copied()
    }

    fn addrs_of(&self, fam: Fam) -> &[Addr] {
        match fam {
            Fam::V4 => &self.v4,
            Fam::V6 => &self.v6,
        }
    }
}

#[derive(Clone, Debug)]
struct World {
    vpc_v6: bool,
    subnets: Vec<SubnetW>,
    prefix_lists: Vec<PrefixListW>,
    /// Declared groups, then AWS's default group if the file does not define one.
    groups: Vec<GroupW>,
    instances: Vec<InstanceW>,
}

impl World {
    fn group(&self, written: &str) -> Option<&GroupW> {
        self.groups
            .iter()
            .find(|g| g.name == written || g.id.as_deref() == Some(written))
    }

    fn prefix_list(&self, written: &str) -> Option<&PrefixListW> {
        self.prefix_lists
            .iter()
            .find(|p| p.name == written || p.id == written)
    }

    fn carries(&self, inst: &InstanceW, group: &str) -> bool {
        inst.groups
            .iter()
            .any(|w| self.group(w).is_some_and(|g| g.name == group))
    }

    /// A group's rules in one direction, with AWS's defaults for a missing list: the default
    /// group lets its own members in; every group without egress rules lets everything out to
    /// 0.0.0.0/0, and to ::/0 in an IPv6 VPC.
    fn rules(&self, g: &GroupW, dir: Direction) -> Vec<SgRuleW> {
        let written = match dir {
            Direction::Ingress => &g.ingress,
            Direction::Egress => &g.egress,
        };
        if let Some(list) = written {
            return list.clone();
        }
        let all_to = |fam| SgRuleW {
            l4: L4W::everything(),
            peer: PeerW::Cidr(WCidr {
                addr: Addr { fam, v: 0 },
                len: 0,
            }),
        };
        match dir {
            Direction::Ingress if g.name == "default" => vec![SgRuleW {
                l4: L4W::everything(),
                peer: PeerW::Group("default".into()),
            }],
            Direction::Ingress => Vec::new(),
            Direction::Egress if self.vpc_v6 => vec![all_to(Fam::V4), all_to(Fam::V6)],
            Direction::Egress => vec![all_to(Fam::V4)],
        }
    }

    /// A group reference holds the private addresses of the instances that carry the group,
    /// and nothing for traffic that came through a middlebox; a prefix list holds its entries.
    fn peer_holds(&self, peer: &PeerW, remote: Addr, via_middlebox: bool) -> bool {
        match peer {
            PeerW::Cidr(c) => c.contains(remote),
            PeerW::Group(w) => {
                !via_middlebox
                    && self.group(w).is_some_and(|g| {
                        self.instances
                            .iter()
                            .any(|i| self.carries(i, &g.name) && i.addrs().any(|a| a == remote))
                    })
            }
            PeerW::PrefixList(w) => self
                .prefix_list(w)
                .is_some_and(|p| p.entries.iter().flatten().any(|e| e.contains(remote))),
        }
    }

    fn rule_takes(&self, r: &SgRuleW, dir: Direction, pkt: &Pkt, via_middlebox: bool) -> bool {
        l4_takes(&r.l4, pkt, false) && self.peer_holds(&r.peer, pkt.remote(dir), via_middlebox)
    }

    /// Allow-only, one set: allowed iff any rule of any group of the instance takes it.
    fn allows(&self, inst: &InstanceW, dir: Direction, pkt: &Pkt, via_middlebox: bool) -> bool {
        inst.groups.iter().filter_map(|w| self.group(w)).any(|g| {
            self.rules(g, dir)
                .iter()
                .any(|r| self.rule_takes(r, dir, pkt, via_middlebox))
        })
    }

    fn targets(&self) -> Targets {
        let mut t = Targets::default();
        for g in &self.groups {
            for dir in [Direction::Ingress, Direction::Egress] {
                for r in self.rules(g, dir) {
                    if let PeerW::Cidr(c) = r.peer {
                        t.cidrs.push(c);
                    }
                    t.l4s.push(r.l4);
                }
            }
        }
        for p in &self.prefix_lists {
            t.cidrs.extend(p.entries.iter().flatten());
        }
        for s in &self.subnets {
            t.cidrs.extend(s.v6.iter().chain([&s.v4]));
        }
        for i in &self.instances {
            t.cidrs.extend(i.addrs().map(WCidr::host));
        }
        t
    }

    fn yaml(&self) -> String {
        let mut y = String::from("vpc:\n  cidr_blocks: [\"10.0.0.0/16\"]\n");
        if self.vpc_v6 {
            y.push_str("  ipv6_cidr_blocks: [\"2600:1f18:6e:5600::/56\"]\n");
        }
        y.push_str("subnets:\n");
        for (k, s) in self.subnets.iter().enumerate() {
            writeln!(y, "  s{k}:\n    cidr: {}", quoted(&s.v4.text())).unwrap();
            if let Some(v6) = s.v6 {
                writeln!(y, "    ipv6_cidr: {}", quoted(&v6.text())).unwrap();
            }
        }
        if !self.prefix_lists.is_empty() {
            y.push_str("prefix_lists:\n");
        }
        for p in &self.prefix_lists {
            writeln!(y, "  {}:\n    id: {}", p.name, quoted(&p.id)).unwrap();
            if p.declare_family {
                let f = if p.fam == Fam::V4 { "IPv4" } else { "IPv6" };
                writeln!(y, "    address_family: \"{f}\"").unwrap();
            }
            if let Some(n) = p.max_entries {
                writeln!(y, "    max_entries: \"{n}\"").unwrap();
            }
            match &p.entries {
                None => {}
                Some(e) if e.is_empty() => y.push_str("    entries: []\n"),
                Some(e) => {
                    y.push_str("    entries:\n");
                    for c in e {
                        writeln!(y, "      - {{cidr: {}}}", quoted(&c.text())).unwrap();
                    }
                }
            }
        }
        y.push_str("security_groups:\n");
        for g in self.groups.iter().filter(|g| g.declared) {
            writeln!(y, "  {}:\n    description: \"generated\"", g.name).unwrap();
            if let Some(id) = &g.id {
                writeln!(y, "    id: {}", quoted(id)).unwrap();
            }
            for (key, list) in [("ingress", &g.ingress), ("egress", &g.egress)] {
                match list {
                    None => {}
                    Some(l) if l.is_empty() => writeln!(y, "    {key}: []").unwrap(),
                    Some(l) => {
                        writeln!(y, "    {key}:").unwrap();
                        for r in l {
                            let peer = match &r.peer {
                                PeerW::Cidr(c) => {
                                    format!("cidr: {}", scalar(&c.text(), r.l4.plain))
                                }
                                PeerW::Group(g) => format!("security_group: {}", quoted(g)),
                                PeerW::PrefixList(p) => format!("prefix_list: {}", quoted(p)),
                            };
                            writeln!(y, "      - {{{}, {peer}}}", l4_yaml(&r.l4)).unwrap();
                        }
                    }
                }
            }
        }
        y.push_str("instances:\n");
        for i in &self.instances {
            writeln!(y, "  {}:\n    subnet: \"s{}\"", i.name, i.subnet).unwrap();
            let list = |a: &[Addr]| {
                a.iter()
                    .map(|a| quoted(&a.ip().to_string()))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            writeln!(y, "    private_ips: [{}]", list(&i.v4)).unwrap();
            if !i.v6.is_empty() {
                writeln!(y, "    ipv6_addresses: [{}]", list(&i.v6)).unwrap();
            }
            let groups: Vec<String> = i.groups.iter().map(|g| quoted(g)).collect();
            writeln!(y, "    security_groups: [{}]", groups.join(", ")).unwrap();
        }
        y
    }
}

#[derive(Clone, Debug)]
enum PeerSpec {
    Cidr(WCidr),
    /// A block around an instance's address: which instance, which family, prefix length,
    /// whether written canonically.
    NearInstance(usize, bool, u32, bool),
    Group(usize, bool),
    DefaultGroup,
    ExternalGroup,
    PrefixList(usize, bool),
    ExternalPrefixList,
}

#[derive(Clone, Debug)]
struct GroupSpec {
    with_id: bool,
    ingress: Option<Vec<(L4Raw, PeerSpec)>>,
    egress: Option<Vec<(L4Raw, PeerSpec)>>,
}

#[derive(Clone, Debug)]
struct PrefixListSpec {
    v6: bool,
    declare_family: bool,
    entries: Option<Vec<PeerSpec>>,
    spare: Option<usize>,
}

#[derive(Clone, Debug)]
struct InstanceSpec {
    subnet: usize,
    v4: Vec<u8>,
    v6: Vec<u16>,
    groups: Vec<(usize, bool)>,
    with_default: bool,
}

#[derive(Clone, Debug)]
struct WorldSpec {
    vpc_v6: bool,
    subnets_v6: Vec<bool>,
    prefix_lists: Vec<PrefixListSpec>,
    groups: Vec<GroupSpec>,
    default_at: Option<usize>,
    instances: Vec<InstanceSpec>,
}

fn near_instance() -> impl Strategy<Value = PeerSpec> {
    (
        any::<usize>(),
        any::<bool>(),
        select(vec![0u32, 16, 24, 28, 30, 32, 48, 56, 64, 120, 127, 128]),
        any::<bool>(),
    )
        .prop_map(|(i, v6, len, canonical)| PeerSpec::NearInstance(i, v6, len, canonical))
}

fn peer_spec() -> impl Strategy<Value = PeerSpec> {
    prop_oneof![
        3 => wcidr().prop_map(PeerSpec::Cidr),
        3 => near_instance(),
        3 => (any::<usize>(), any::<bool>()).prop_map(|(i, id)| PeerSpec::Group(i, id)),
        1 => Just(PeerSpec::DefaultGroup),
        1 => Just(PeerSpec::ExternalGroup),
        2 => (any::<usize>(), any::<bool>()).prop_map(|(i, id)| PeerSpec::PrefixList(i, id)),
        1 => Just(PeerSpec::ExternalPrefixList),
    ]
}

fn sg_rule_list() -> impl Strategy<Value = Option<Vec<(L4Raw, PeerSpec)>>> {
    prop::option::weighted(0.75, vec((l4_raw(false), peer_spec()), 0..=6))
}

fn world_spec() -> impl Strategy<Value = WorldSpec> {
    let prefix_list = (
        any::<bool>(),
        any::<bool>(),
        prop::option::weighted(
            0.85,
            vec(
                prop_oneof![wcidr().prop_map(PeerSpec::Cidr), near_instance()],
                0..=4,
            ),
        ),
        prop::option::of(0usize..3),
    )
        .prop_map(|(v6, declare_family, entries, spare)| PrefixListSpec {
            v6,
            declare_family,
            entries,
            spare,
        });
    let group =
        (any::<bool>(), sg_rule_list(), sg_rule_list()).prop_map(|(with_id, ingress, egress)| {
            GroupSpec {
                with_id,
                ingress,
                egress,
            }
        });
    let instance = (
        any::<usize>(),
        vec(any::<u8>(), 0..=2),
        vec(any::<u16>(), 0..=2),
        vec((any::<usize>(), any::<bool>()), 1..=5),
        prop::bool::weighted(0.3),
    )
        .prop_map(|(subnet, v4, v6, groups, with_default)| InstanceSpec {
            subnet,
            v4,
            v6,
            groups,
            with_default,
        });
    (
        any::<bool>(),
        vec(any::<bool>(), 1..=3),
        vec(prefix_list, 0..=2),
        vec(group, 1..=4),
        prop::option::of(any::<usize>()),
        vec(instance, 1..=5),
    )
        .prop_map(
            |(vpc_v6, subnets_v6, prefix_lists, groups, default_at, instances)| WorldSpec {
                vpc_v6,
                subnets_v6,
                prefix_lists,
                groups,
                default_at,
                instances,
            },
        )
}

/// A free address of a subnet, avoiding the four AWS reserves at the start (and, for IPv4,
/// the broadcast address at the end): offsets 4 ..= 4 + span - 1.
fn free_addr(used: &mut HashSet<Addr>, block: WCidr, span: u128, want: u128) -> Addr {
    let mut o = want % span;
    loop {
        let a = Addr {
            fam: block.addr.fam,
            v: block.first().v + 4 + o,
        };
        if used.insert(a) {
            return a;
        }
        o = (o + 1) % span;
    }
}

/// The normalised identity of a rule, to leave out rules that AWS would refuse as duplicates.
fn rule_identity(w: &World, r: &SgRuleW) -> String {
    let n = proto_number(&r.l4.proto);
    let l4 = match n {
        None => "any".to_owned(),
        Some(6 | 17) => format!("{:?}", port_bounds(r.l4.ports.as_deref().unwrap())),
        Some(1 | 58) => {
            let f = |v: Option<i32>| v.filter(|&v| v != -1);
            format!("{:?}/{:?}", f(r.l4.icmp_type), f(r.l4.icmp_code))
        }
        Some(_) => "any".to_owned(),
    };
    let peer = match &r.peer {
        PeerW::Cidr(c) => format!("{:?}", c.key()),
        PeerW::Group(g) => format!("sg {}", w.group(g).map_or(g.as_str(), |g| &g.name)),
        PeerW::PrefixList(p) => format!("pl {}", w.prefix_list(p).map_or(p.as_str(), |p| &p.name)),
    };
    format!("{n:?} {l4} {peer}")
}

fn build_world(spec: &WorldSpec) -> World {
    let subnets: Vec<SubnetW> = spec
        .subnets_v6
        .iter()
        .enumerate()
        .map(|(k, &v6)| {
            let k = k as u128 + 1;
            SubnetW {
                v4: WCidr {
                    addr: Addr {
                        fam: Fam::V4,
                        v: 0x0A00_0000 | (k << 8),
                    },
                    len: 24,
                },
                v6: (spec.vpc_v6 && v6).then_some(WCidr {
                    addr: Addr {
                        fam: Fam::V6,
                        v: VPC6 | (k << 64),
                    },
                    len: 64,
                }),
            }
        })
        .collect();

    let mut used = HashSet::new();
    let mut instances: Vec<InstanceW> = spec
        .instances
        .iter()
        .enumerate()
        .map(|(n, s)| {
            let subnet = s.subnet % subnets.len();
            let block = &subnets[subnet];
            let v6: Vec<Addr> = match block.v6 {
                Some(b) => {
                    s.v6.iter()
                        .map(|&o| free_addr(&mut used, b, 4096, u128::from(o)))
                        .collect()
                }
                None => Vec::new(),
            };
            // An instance has at least one private address, of either family.
            let v4_offsets: &[u8] = if s.v4.is_empty() && v6.is_empty() {
                &[0]
            } else {
                &s.v4
            };
            let v4 = v4_offsets
                .iter()
                .map(|&o| free_addr(&mut used, block.v4, 251, u128::from(o)))
                .collect();
            InstanceW {
                name: format!("i{n}"),
                subnet,
                v4,
                v6,
                groups: Vec::new(),
            }
        })
        .collect();

    let n = spec.groups.len();
    let default_at = spec.default_at.map(|d| d % n);
    let mut groups: Vec<GroupW> = spec
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| GroupW {
            name: if default_at == Some(i) {
                "default".into()
            } else {
                format!("g{i}")
            },
            id: g.with_id.then(|| format!("sg-{:017x}", 0xa0 + i)),
            declared: true,
            ingress: None,
            egress: None,
        })
        .collect();
    if default_at.is_none() {
        groups.push(GroupW {
            name: "default".into(),
            id: None,
            declared: false,
            ingress: None,
            egress: None,
        });
    }

    let near = |i: usize, v6: bool, len: u32, canonical: bool| -> Option<WCidr> {
        let inst = &instances[i % instances.len()];
        let a = *inst.addrs_of(Fam::of(v6)).first()?;
        let c = WCidr {
            addr: a,
            len: len.min(a.fam.bits()),
        };
        Some(if canonical { c.canonical() } else { c })
    };

    let prefix_lists: Vec<PrefixListW> = spec
        .prefix_lists
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let fam = Fam::of(p.v6);
            let entries = p.entries.as_ref().map(|list| {
                let mut seen = HashSet::new();
                list.iter()
                    .filter_map(|e| match *e {
                        PeerSpec::Cidr(c) => Some(c),
                        PeerSpec::NearInstance(i, _, len, canonical) => {
                            near(i, p.v6, len, canonical)
                        }
                        _ => None,
                    })
                    .filter(|c| c.addr.fam == fam && seen.insert(c.key()))
                    .collect::<Vec<_>>()
            });
            let count = entries.as_ref().map_or(0, Vec::len);
            PrefixListW {
                name: format!("list{i}"),
                id: format!("pl-{:017x}", 0xb0 + i),
                fam,
                declare_family: p.declare_family,
                max_entries: p.spare.map(|s| (count + s).max(1)),
                entries,
            }
        })
        .collect();

    let peer = |p: &PeerSpec| -> PeerW {
        match *p {
            PeerSpec::Cidr(c) => PeerW::Cidr(c),
            PeerSpec::NearInstance(i, v6, len, canonical) => PeerW::Cidr(
                near(i, v6, len, canonical)
                    .or_else(|| near(i, !v6, len, canonical))
                    .unwrap(),
            ),
            PeerSpec::Group(i, by_id) => {
                let g = &groups[i % groups.len()];
                PeerW::Group(match (&g.id, by_id) {
                    (Some(id), true) => id.clone(),
                    _ => g.name.clone(),
                })
            }
            PeerSpec::DefaultGroup => PeerW::Group("default".into()),
            PeerSpec::ExternalGroup => PeerW::Group(EXTERNAL_SG.into()),
            PeerSpec::PrefixList(_, _) if prefix_lists.is_empty() => {
                PeerW::PrefixList(EXTERNAL_PL.into())
            }
            PeerSpec::PrefixList(i, by_id) => {
                let p = &prefix_lists[i % prefix_lists.len()];
                PeerW::PrefixList(if by_id { p.id.clone() } else { p.name.clone() })
            }
            PeerSpec::ExternalPrefixList => PeerW::PrefixList(EXTERNAL_PL.into()),
        }
    };
    let rules = |list: &Option<Vec<(L4Raw, PeerSpec)>>| -> Option<Vec<SgRuleW>> {
        list.as_ref().map(|l| {
            l.iter()
                .map(|(l4, p)| SgRuleW {
                    l4: l4.written(Layer::SecurityGroup, None),
                    peer: peer(p),
                })
                .collect()
        })
    };
    let written: Vec<_> = spec
        .groups
        .iter()
        .map(|g| (rules(&g.ingress), rules(&g.egress)))
        .collect();
    for (g, (ingress, egress)) in groups.iter_mut().zip(written) {
        g.ingress = ingress;
        g.egress = egress;
    }

    for (inst, s) in instances.iter_mut().zip(&spec.instances) {
        let mut seen = HashSet::new();
        for &(i, by_id) in &s.groups {
            let g = &groups[i % groups.len()];
            if seen.insert(g.name.clone()) {
                inst.groups.push(match (&g.id, by_id) {
                    (Some(id), true) => id.clone(),
                    _ => g.name.clone(),
                });
            }
        }
        if s.with_default && seen.insert("default".into()) {
            inst.groups.push("default".into());
        }
        inst.groups.truncate(5);
    }

    let mut world = World {
        vpc_v6: spec.vpc_v6,
        subnets,
        prefix_lists,
        groups,
        instances,
    };
    // AWS refuses a rule that repeats another of the same list (InvalidPermission.Duplicate).
    let deduped: Vec<_> = world
        .groups
        .iter()
        .map(|g| {
            let dedup = |list: &Option<Vec<SgRuleW>>| {
                list.as_ref().map(|l| {
                    let mut seen = HashSet::new();
                    l.iter()
                        .filter(|r| seen.insert(rule_identity(&world, r)))
                        .cloned()
                        .collect::<Vec<_>>()
                })
            };
            (dedup(&g.ingress), dedup(&g.egress))
        })
        .collect();
    for (g, (ingress, egress)) in world.groups.iter_mut().zip(deduped) {
        g.ingress = ingress;
        g.egress = egress;
    }
    world
}

#[derive(Clone, Debug)]
enum RemotePick {
    /// An address of another instance: which instance, which of its addresses.
    Instance(usize, usize),
    Aim(AddrPick),
}

#[derive(Clone, Debug)]
struct SgProbe {
    instance: usize,
    egress: bool,
    remote: RemotePick,
    local: u128,
    via_middlebox: bool,
    probe: Probe,
}

fn sg_probe() -> impl Strategy<Value = SgProbe> {
    (
        any::<usize>(),
        any::<bool>(),
        prop_oneof![
            2 => (any::<usize>(), any::<usize>()).prop_map(|(i, j)| RemotePick::Instance(i, j)),
            3 => addr_pick().prop_map(RemotePick::Aim),
        ],
        any::<u128>(),
        prop::bool::weighted(0.2),
        probe(),
    )
        .prop_map(
            |(instance, egress, remote, local, via_middlebox, probe)| SgProbe {
                instance,
                egress,
                remote,
                local,
                via_middlebox,
                probe,
            },
        )
}

impl World {
    /// Where a probe aimed at a rule's peer goes: an address on or beside a CIDR or a prefix
    /// list entry, or a private address of an instance that carries the referenced group (or
    /// the address after it).
    fn aim_peer(&self, peer: &PeerW, pick: &AddrPick) -> Option<Addr> {
        let (kind, r) = pick.kind();
        let nth = |len: usize| (r % (len.max(1) as u128)) as usize;
        match peer {
            PeerW::Cidr(c) => Some(aim_addr(*c, kind, r)),
            PeerW::Group(w) => {
                let g = self.group(w)?;
                let members: Vec<Addr> = self
                    .instances
                    .iter()
                    .filter(|i| self.carries(i, &g.name))
                    .flat_map(|i| i.addrs())
                    .collect();
                let m = *members.get(nth(members.len()))?;
                Some(if kind == 3 {
                    Addr {
                        v: m.v.wrapping_add(1) & m.fam.max(),
                        ..m
                    }
                } else {
                    m
                })
            }
            PeerW::PrefixList(w) => {
                let entries = self.prefix_list(w)?.entries.as_ref()?;
                Some(aim_addr(*entries.get(nth(entries.len()))?, kind, r))
            }
        }
    }

    /// The packet between the instance and the remote end, in the probe's direction. A
    /// focused probe is aimed at one rule of the instance's groups in that direction.
    fn packet(&self, t: &Targets, p: &SgProbe) -> (usize, Direction, Pkt) {
        let i = p.instance % self.instances.len();
        let inst = &self.instances[i];
        let dir = if p.egress {
            Direction::Egress
        } else {
            Direction::Ingress
        };
        let rules: Vec<SgRuleW> = inst
            .groups
            .iter()
            .filter_map(|w| self.group(w))
            .flat_map(|g| self.rules(g, dir))
            .collect();
        let focused = p
            .probe
            .focus
            .and_then(|f| rules.get(f % rules.len().max(1)));
        let aimed = focused.and_then(|r| self.aim_peer(&r.peer, &p.probe.src));
        let fam = aimed.map_or(Fam::of(p.probe.v6), |a| a.fam);
        let mut base = t.packet_in(fam, &p.probe);
        if let Some(r) = focused {
            base = base.aimed_at(&r.l4, &p.probe);
        }
        let remote = aimed.unwrap_or_else(|| match &p.remote {
            RemotePick::Instance(k, j) => {
                let addrs = self.instances[k % self.instances.len()].addrs_of(fam);
                if addrs.is_empty() {
                    base.src
                } else {
                    addrs[j % addrs.len()]
                }
            }
            RemotePick::Aim(a) => t.addr(fam, a),
        });
        let local = inst.addrs_of(fam).first().copied().unwrap_or(Addr {
            fam,
            v: p.local & fam.max(),
        });
        let (src, dst) = match dir {
            Direction::Egress => (local, remote),
            Direction::Ingress => (remote, local),
        };
        (i, dir, Pkt { src, dst, ..base })
    }
}

fn check_sg_probe(
    m: &Model,
    w: &World,
    t: &Targets,
    p: &SgProbe,
    yaml: &str,
) -> Result<(), TestCaseError> {
    let (i, dir, pkt) = w.packet(t, p);
    let inst = &w.instances[i];
    let idx = m.instance_by_name(&inst.name).unwrap();
    let groups = &m.instance(idx).security_groups;
    let cx = SgContext {
        via_middlebox: p.via_middlebox,
    };
    let got = m.evaluate_security_groups(groups, dir, &pkt.to_model(), cx);
    let want = w.allows(inst, dir, &pkt, p.via_middlebox);
    prop_assert_eq!(
        got.is_some(),
        want,
        "{} {} {:?} via_middlebox={} got {:?}\n{}",
        inst.name,
        dir,
        pkt.to_model(),
        p.via_middlebox,
        got,
        yaml
    );
    if let Some(hit) = got {
        prop_assert_eq!(hit.direction, dir);
        prop_assert!(
            groups.contains(&hit.group),
            "{:?} is not on the instance",
            hit
        );
        let name = &m.security_group(hit.group).name;
        let g = w.group(name).unwrap();
        let rules = w.rules(g, dir);
        let rule = rules.get(hit.rule);
        prop_assert!(
            rule.is_some_and(|r| w.rule_takes(r, dir, &pkt, p.via_middlebox)),
            "{:?} names {} {}[{}] = {:?}, which does not take {:?}\n{}",
            hit,
            name,
            dir,
            hit.rule,
            rule,
            pkt.to_model(),
            yaml
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Default groups (spec §1): `default` lets its members in, a missing egress list lets
// everything out, `egress: []` nothing.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DefaultDecl {
    /// The file does not define `default`: AWS's is used.
    Implicit,
    /// `default: {description: …}`, no rule lists.
    Bare,
    /// `default: {egress: []}`.
    NoEgress,
}

#[derive(Clone, Debug)]
struct DefaultCase {
    vpc_v6: bool,
    decl: DefaultDecl,
    /// Per instance: bit 0 `default`, bit 1 `open` (no lists), bit 2 `closed` (`egress: []`);
    /// and whether it has an IPv6 address.
    instances: Vec<(u8, bool)>,
}

impl DefaultCase {
    fn has(&self, i: usize, bit: u8) -> bool {
        self.instances[i].0 & bit != 0
    }

    fn addr(&self, i: usize, fam: Fam) -> Option<Addr> {
        let o = 10 + i as u128;
        match fam {
            Fam::V4 => Some(Addr {
                fam,
                v: 0x0A00_0100 | o,
            }),
            Fam::V6 => (self.vpc_v6 && self.instances[i].1).then_some(Addr {
                fam,
                v: VPC6 | (1 << 64) | o,
            }),
        }
    }

    fn yaml(&self) -> String {
        let mut y = String::from("vpc:\n  cidr_blocks: [\"10.0.0.0/16\"]\n");
        if self.vpc_v6 {
            y.push_str("  ipv6_cidr_blocks: [\"2600:1f18:6e:5600::/56\"]\n");
        }
        y.push_str("subnets:\n  s0:\n    cidr: \"10.0.1.0/24\"\n");
        if self.vpc_v6 {
            y.push_str("    ipv6_cidr: \"2600:1f18:6e:5601::/64\"\n");
        }
        y.push_str("security_groups:\n");
        match self.decl {
            DefaultDecl::Implicit => {}
            DefaultDecl::Bare => y.push_str("  default:\n    description: \"bare\"\n"),
            DefaultDecl::NoEgress => y.push_str("  default:\n    egress: []\n"),
        }
        y.push_str("  open:\n    description: \"no lists\"\n  closed:\n    egress: []\n");
        y.push_str("instances:\n");
        for i in 0..self.instances.len() {
            writeln!(y, "  i{i}:\n    subnet: \"s0\"").unwrap();
            let v4 = self.addr(i, Fam::V4).unwrap();
            writeln!(y, "    private_ips: [\"{}\"]", v4.ip()).unwrap();
            if let Some(v6) = self.addr(i, Fam::V6) {
                writeln!(y, "    ipv6_addresses: [\"{}\"]", v6.ip()).unwrap();
            }
            let groups: Vec<&str> = [(1, "default"), (2, "open"), (4, "closed")]
                .into_iter()
                .filter(|(bit, _)| self.has(i, *bit))
                .map(|(_, g)| g)
                .collect();
            writeln!(y, "    security_groups: [{}]", groups.join(", ")).unwrap();
        }
        y
    }
}

fn default_case() -> impl Strategy<Value = DefaultCase> {
    (
        any::<bool>(),
        prop_oneof![
            Just(DefaultDecl::Implicit),
            Just(DefaultDecl::Bare),
            Just(DefaultDecl::NoEgress)
        ],
        vec((1u8..8, any::<bool>()), 2..=6),
    )
        .prop_map(|(vpc_v6, decl, instances)| DefaultCase {
            vpc_v6,
            decl,
            instances,
        })
}

// ---------------------------------------------------------------------------------------------
// Routes.

#[derive(Clone, Debug, PartialEq, Eq)]
enum TargetW {
    Local,
    InternetGateway,
    Blackhole,
    /// A peering connection, or a middlebox's network interface.
    External(&'static str),
}

const PEERING: &str = "pcx-0123456789abcdef0";
/// AWS lets a middlebox's network interface replace a VPC block's local route.
const MIDDLEBOX_ENI: &str = "eni-0123456789abcdef0";

#[derive(Clone, Debug)]
struct RouteW {
    dest: WCidr,
    target: TargetW,
}

/// IPv4 blocks a VPC may have at once (they do not overlap).
const VPC4_BLOCKS: [(u128, u32); 4] = [
    (0x0A00_0000, 16),
    (0x0A01_0000, 16),
    (0xAC10_0500, 24),
    (0xC0A8_0000, 28),
];

#[derive(Clone, Debug)]
struct RouteCase {
    blocks: Vec<WCidr>,
    main: bool,
    routes: Vec<RouteW>,
}

fn route_case() -> impl Strategy<Value = RouteCase> {
    (
        1u8..16,
        any::<bool>(),
        any::<bool>(),
        vec((wcidr(), 0u8..6, any::<usize>()), 0..=12),
    )
        .prop_map(|(mask, v6, main, specs)| {
            let mut blocks: Vec<WCidr> = VPC4_BLOCKS
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, &(v, len))| WCidr {
                    addr: Addr { fam: Fam::V4, v },
                    len,
                })
                .collect();
            if v6 {
                blocks.push(WCidr {
                    addr: Addr {
                        fam: Fam::V6,
                        v: VPC6,
                    },
                    len: 56,
                });
            }
            let mut seen = HashSet::new();
            let mut routes = Vec::new();
            for (dest, kind, block) in specs {
                let (dest, mut target) = match kind {
                    0 => (blocks[block % blocks.len()], TargetW::Local),
                    1 => (
                        blocks[block % blocks.len()],
                        TargetW::External(MIDDLEBOX_ENI),
                    ),
                    2 => (dest.canonical(), TargetW::InternetGateway),
                    3 => (dest.canonical(), TargetW::Blackhole),
                    _ => (dest.canonical(), TargetW::External(PEERING)),
                };
                // A VPC block's route is local, or a middlebox that replaces the local route;
                // AWS has no other way to route a whole VPC block.
                let replaces_local = target == TargetW::External(MIDDLEBOX_ENI);
                if blocks.iter().any(|b| b.key() == dest.key()) && !replaces_local {
                    target = TargetW::Local;
                }
                // Inside a VPC block AWS routes only to local or a middlebox, never to an
                // internet gateway.
                let inside_vpc = blocks.iter().any(|b| {
                    let (b, d) = (
                        b.text().parse::<Cidr>(),
                        dest.canonical().text().parse::<Cidr>(),
                    );
                    matches!((b, d), (Ok(b), Ok(d)) if b.covers(&d))
                });
                if inside_vpc && target == TargetW::InternetGateway {
                    target = TargetW::External(MIDDLEBOX_ENI);
                }
                if seen.insert(dest.key()) {
                    routes.push(RouteW { dest, target });
                }
            }
            RouteCase {
                blocks,
                main,
                routes,
            }
        })
}

impl RouteCase {
    fn yaml(&self) -> String {
        let list = |f: Fam| {
            self.blocks
                .iter()
                .filter(|b| b.addr.fam == f)
                .map(|b| quoted(&b.text()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut y = format!("vpc:\n  cidr_blocks: [{}]\n", list(Fam::V4));
        if self.blocks.iter().any(|b| b.addr.fam == Fam::V6) {
            writeln!(y, "  ipv6_cidr_blocks: [{}]", list(Fam::V6)).unwrap();
        }
        y.push_str("internet_gateway:\n  name: \"igw\"\nroute_tables:\n  rt:\n");
        if self.main {
            y.push_str("    main: \"true\"\n");
        }
        if self.routes.is_empty() {
            y.push_str("    routes: []\n");
        } else {
            y.push_str("    routes:\n");
        }
        for r in &self.routes {
            let target = match r.target {
                TargetW::Local => "\"local\"".to_owned(),
                TargetW::InternetGateway => "\"internet_gateway\"".to_owned(),
                TargetW::Blackhole => "\"blackhole\"".to_owned(),
                TargetW::External(id) => format!("{{external: \"{id}\"}}"),
            };
            writeln!(
                y,
                "      - {{destination: {}, target: {target}}}",
                quoted(&r.dest.text())
            )
            .unwrap();
        }
        y
    }

    /// The table's routes as AWS keeps them: those written, plus the local route of every VPC
    /// block whose local route was not replaced.
    fn effective(&self, written: bool) -> Vec<RouteW> {
        let mut routes = if written {
            self.routes.clone()
        } else {
            Vec::new()
        };
        for b in &self.blocks {
            if !routes.iter().any(|r| r.dest.key() == b.key()) {
                routes.push(RouteW {
                    dest: *b,
                    target: TargetW::Local,
                });
            }
        }
        routes
    }
}

/// Brute-force longest-prefix match.
fn lpm(routes: &[RouteW], a: Addr) -> Option<&RouteW> {
    let mut best: Option<&RouteW> = None;
    for r in routes {
        if r.dest.contains(a) && best.is_none_or(|b| r.dest.len > b.dest.len) {
            best = Some(r);
        }
    }
    best
}

fn same_target(t: &RouteTarget, w: &TargetW) -> bool {
    match (t, w) {
        (RouteTarget::Local, TargetW::Local)
        | (RouteTarget::InternetGateway, TargetW::InternetGateway)
        | (RouteTarget::Blackhole, TargetW::Blackhole) => true,
        (RouteTarget::External(id), TargetW::External(w)) => id == w,
        _ => false,
    }
}

fn check_lookup(
    table: &RouteTable,
    routes: &[RouteW],
    a: Addr,
    yaml: &str,
) -> Result<(), TestCaseError> {
    let got = table.lookup(a.ip());
    let want = lpm(routes, a);
    match (got, want) {
        (None, None) => {}
        (Some(g), Some(w)) => {
            prop_assert_eq!(
                g.destination.to_string(),
                w.dest.canonical().text(),
                "{} in {}\n{}",
                a.ip(),
                table.name,
                yaml
            );
            prop_assert!(
                same_target(&g.target, &w.target),
                "{}: {:?} is not {:?}\n{}",
                a.ip(),
                g.target,
                w.target,
                yaml
            );
        }
        _ => prop_assert!(
            false,
            "{} in {}: got {:?}, want {:?}\n{}",
            a.ip(),
            table.name,
            got,
            want,
            yaml
        ),
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The properties.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// NACLs: ascending rule numbers, first match, `*` per family, AWS's protocol rules.
    #[test]
    fn nacl_evaluate_matches_first_match_oracle(
        ingress in nacl_rules(false),
        egress in nacl_rules(false),
        probes in vec(probe(), 16),
    ) {
        let yaml = nacl_yaml(&ingress, &egress);
        let m = load(&yaml);
        let acl = nacl_named(&m, "gen");
        for (dir, rules) in [(Direction::Ingress, &ingress), (Direction::Egress, &egress)] {
            for p in &probes {
                let pkt = nacl_packet(rules, dir, p);
                let got = acl.evaluate(dir, &pkt.to_model());
                prop_assert_eq!(
                    (got.action, got.rule),
                    nacl_oracle(rules, dir, &pkt),
                    "{} {:?}\n{}", dir, pkt.to_model(), yaml
                );
            }
        }
    }

    /// `evaluate_dst_ports` cuts a port range into contiguous segments that cover it exactly,
    /// differ from their neighbours, and agree with `evaluate` at every port.
    #[test]
    fn nacl_port_segments_agree_with_pointwise_evaluation(
        rules in nacl_rules(true),
        egress in any::<bool>(),
        probe in probe(),
        focus in prop::option::weighted(0.9, any::<usize>()),
        window in port_window(),
        samples in vec(any::<u16>(), 64),
    ) {
        let dir = if egress { Direction::Egress } else { Direction::Ingress };
        let yaml = if egress { nacl_yaml(&[], &rules) } else { nacl_yaml(&rules, &[]) };
        let m = load(&yaml);
        let acl = nacl_named(&m, "gen");
        let probe = Probe { focus, ..probe };
        let targets = nacl_targets(&rules);
        let pkt = nacl_packet(&rules, dir, &probe);
        let focused = probe.focus.and_then(|f| rules.get(f % rules.len().max(1)));
        let (from, to) = window.bounds(&targets, focused);
        let range = PortRange { from, to };
        let segments = acl.evaluate_dst_ports(dir, &pkt.to_model(), range);
        if !matches!(pkt.proto, 6 | 17) {
            prop_assert_eq!(segments, vec![(range, acl.evaluate(dir, &pkt.to_model()))]);
            return Ok(());
        }
        prop_assert!(!segments.is_empty());
        prop_assert_eq!(segments[0].0.from, from, "{:?}", segments);
        prop_assert_eq!(segments[segments.len() - 1].0.to, to, "{:?}", segments);
        for (r, _) in &segments {
            prop_assert!(r.from <= r.to, "{:?}", segments);
        }
        for pair in segments.windows(2) {
            prop_assert_eq!(u32::from(pair[1].0.from), u32::from(pair[0].0.to) + 1, "{:?}", segments);
            prop_assert_ne!(pair[0].1, pair[1].1, "adjacent segments decide alike: {:?}", segments);
        }
        let mut points: BTreeSet<u16> = BTreeSet::new();
        if to - from <= 600 {
            points.extend(from..=to);
        } else {
            for (r, _) in &segments {
                points.extend([r.from, r.to, r.from.saturating_sub(1), r.to.saturating_add(1)]);
            }
            for (a, b) in targets.port_ranges() {
                points.extend([a, b, a.saturating_sub(1), b.saturating_add(1)]);
            }
            let span = u32::from(to - from) + 1;
            points.extend(samples.iter().map(|s| from + (u32::from(*s) % span) as u16));
        }
        for port in points.into_iter().filter(|p| range.contains(*p)) {
            let at = Pkt { dport: port, ..pkt };
            let (_, seg) = segments.iter().find(|(r, _)| r.contains(port)).unwrap();
            let point = acl.evaluate(dir, &at.to_model());
            prop_assert_eq!(*seg, point, "port {}: {:?}\n{}", port, segments, yaml);
            prop_assert_eq!((point.action, point.rule), nacl_oracle(&rules, dir, &at));
        }
    }

    /// Security groups: allow iff any rule of any group on the instance takes the packet;
    /// group references by member address (never through a middlebox), prefix lists by entry.
    #[test]
    fn security_groups_allow_iff_any_rule_of_any_group_matches(
        spec in world_spec(),
        probes in vec(sg_probe(), 24),
    ) {
        let world = build_world(&spec);
        let yaml = world.yaml();
        let m = load(&yaml);
        for inst in &world.instances {
            let idx = m.instance_by_name(&inst.name).unwrap();
            let got: BTreeSet<&str> = m.instance(idx).security_groups.iter()
                .map(|g| m.security_group(*g).name.as_str()).collect();
            let want: BTreeSet<&str> = inst.groups.iter()
                .map(|w| world.group(w).unwrap().name.as_str()).collect();
            prop_assert_eq!(got, want, "{}\n{}", inst.name, yaml);
        }
        let targets = world.targets();
        for p in &probes {
            check_sg_probe(&m, &world, &targets, p, &yaml)?;
        }
    }

    /// `default` without an ingress list lets in exactly its own members; a group without an
    /// egress list lets everything out (to ::/0 only in an IPv6 VPC); `egress: []` nothing.
    #[test]
    fn default_groups_follow_aws_defaults(
        case in default_case(),
        probes in vec((any::<usize>(), any::<bool>(), any::<bool>(), prop::option::of(any::<usize>()),
                       any::<u128>(), select(vec![6u8, 17, 1, 58, 47, 0]), any::<u16>(), any::<bool>()), 24),
    ) {
        let yaml = case.yaml();
        let m = load(&yaml);
        let n = case.instances.len();
        for (i, egress, v6, remote_instance, random, proto, port, via_middlebox) in probes {
            let i = i % n;
            let fam = Fam::of(v6);
            let remote = remote_instance
                .and_then(|k| case.addr(k % n, fam))
                .unwrap_or(Addr { fam, v: random & fam.max() });
            let local = case.addr(i, fam).unwrap_or(Addr { fam, v: !random & fam.max() });
            let (dir, src, dst) = if egress {
                (Direction::Egress, local, remote)
            } else {
                (Direction::Ingress, remote, local)
            };
            let pkt = Pkt { src, dst, proto, sport: port, dport: port, itype: 8, icode: 0 };
            let want = match dir {
                Direction::Ingress => {
                    case.has(i, 1)
                        && !via_middlebox
                        && (0..n).any(|k| case.has(k, 1) && case.addr(k, fam) == Some(remote))
                }
                Direction::Egress => {
                    let default_open = case.decl != DefaultDecl::NoEgress && case.has(i, 1);
                    (default_open || case.has(i, 2)) && (fam == Fam::V4 || case.vpc_v6)
                }
            };
            let idx = m.instance_by_name(&format!("i{i}")).unwrap();
            let got = m.evaluate_security_groups(
                &m.instance(idx).security_groups,
                dir,
                &pkt.to_model(),
                SgContext { via_middlebox },
            );
            prop_assert_eq!(got.is_some(), want, "i{} {} {:?}\n{}", i, dir, pkt.to_model(), yaml);
        }
    }

    /// Route lookup is the longest prefix that holds the address, and every VPC block keeps
    /// its local route unless a middlebox replaces it.
    #[test]
    fn route_lookup_is_longest_prefix_match(
        case in route_case(),
        probes in vec((any::<bool>(), addr_pick()), 32),
    ) {
        let yaml = case.yaml();
        let m = load(&yaml);
        let mut targets = Targets::default();
        targets.cidrs.extend(case.routes.iter().map(|r| r.dest));
        targets.cidrs.extend(&case.blocks);
        for table in &m.route_tables {
            let written = table.name == "rt";
            prop_assert_eq!(table.main, !written || case.main, "{}\n{}", table.name, yaml);
            let routes = case.effective(written);
            prop_assert_eq!(table.routes.len(), routes.len(), "{}\n{}", table.name, yaml);
            for r in routes.iter().filter(|r| case.blocks.iter().any(|b| b.key() == r.dest.key())) {
                prop_assert!(
                    table.routes.iter().any(|t| t.destination.to_string() == r.dest.text()
                        && same_target(&t.target, &r.target)),
                    "{} routes {} to {:?}? {:?}\n{}", table.name, r.dest.text(), r.target, table.routes, yaml
                );
            }
            for (v6, pick) in &probes {
                check_lookup(table, &routes, targets.addr(Fam::of(*v6), pick), &yaml)?;
            }
        }
        prop_assert_eq!(m.route_tables.len(), if case.main { 1 } else { 2 });
    }

    /// CIDR text: parse(display(c)) == c, canonicalisation clears host bits and is idempotent,
    /// and the range is the block's first and last address.
    #[test]
    fn cidr_display_parse_round_trip_and_canonical_form(c in wcidr()) {
        let parsed = ParsedCidr::parse(&c.text()).unwrap();
        prop_assert_eq!(parsed.canonical, c.addr == c.first());
        prop_assert_eq!(parsed.cidr.to_string(), c.canonical().text());
        prop_assert_eq!(u32::from(parsed.cidr.prefix_len()), c.len);
        prop_assert_eq!(parsed.cidr.family(), c.addr.fam.family());
        let again: Cidr = parsed.cidr.to_string().parse().unwrap();
        prop_assert_eq!(again, parsed.cidr);
        prop_assert!(ParsedCidr::parse(&parsed.cidr.to_string()).unwrap().canonical);
        prop_assert_eq!(Cidr::new(parsed.cidr.network(), parsed.cidr.prefix_len()), parsed.cidr);
        prop_assert_eq!(Cidr::new(c.addr.ip(), parsed.cidr.prefix_len()), parsed.cidr);
        prop_assert_eq!(parsed.cidr.range(), (c.first().v, c.last().v));
    }

    /// `contains` agrees with comparing the first `len` bits one by one, across families.
    #[test]
    fn cidr_contains_matches_bitwise_oracle(
        c in wcidr(),
        picks in vec((prop::bool::weighted(0.2), addr_pick()), 16),
    ) {
        let cidr: Cidr = c.text().parse().unwrap();
        let targets = Targets { cidrs: vec![c], l4s: Vec::new() };
        for (other_family, pick) in &picks {
            let fam = match (c.addr.fam, other_family) {
                (f, false) => f,
                (Fam::V4, true) => Fam::V6,
                (Fam::V6, true) => Fam::V4,
            };
            let a = targets.addr(fam, pick);
            prop_assert_eq!(cidr.contains(a.ip()), c.contains(a), "{} ∋ {}", cidr, a.ip());
        }
    }

    /// `covers` holds iff the other block's first and last addresses are both inside, and
    /// `overlaps` iff either block holds the other's first address.
    #[test]
    fn cidr_covers_iff_first_and_last_are_contained(
        a in wcidr(),
        unrelated in wcidr(),
        related in prop::bool::weighted(0.8),
        r in any::<u128>(),
        shift in 0u32..=128,
        len_pick in any::<u32>(),
    ) {
        let f = a.addr.fam;
        // A related block: the same top bits as `a` down to a random depth, a random length.
        let b = if related {
            let flip = (r & f.max()).checked_shr(shift.min(f.bits())).unwrap_or(0);
            WCidr {
                addr: Addr { fam: f, v: (a.addr.v ^ flip) & f.max() },
                len: len_pick % (f.bits() + 1),
            }
        } else {
            unrelated
        };
        let (ca, cb): (Cidr, Cidr) = (a.text().parse().unwrap(), b.text().parse().unwrap());
        let want = a.contains(b.first()) && a.contains(b.last());
        prop_assert_eq!(ca.covers(&cb), want, "{} covers {}", ca, cb);
        let overlap = a.contains(b.first()) || b.contains(a.first());
        prop_assert_eq!(ca.overlaps(&cb), overlap, "{} overlaps {}", ca, cb);
    }
}
