//! Protocols, port ranges, ICMP type/code, and the packet that rules are evaluated against.

use std::fmt;
use std::net::IpAddr;

use crate::addr::Family;

pub const ICMP: u8 = 1;
pub const TCP: u8 = 6;
pub const UDP: u8 = 17;
pub const ICMPV6: u8 = 58;

/// The protocol of a rule: every protocol (`-1`, `all`) or one IANA number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    All,
    Number(u8),
}

/// Names accepted beside numbers. AWS's API takes `tcp`, `udp`, `icmp`, `icmpv6`
/// and numbers; the rest are conveniences that stand for their number.
const NAMES: &[(&str, u8)] = &[
    ("icmp", ICMP),
    ("tcp", TCP),
    ("udp", UDP),
    ("icmpv6", ICMPV6),
    ("gre", 47),
    ("esp", 50),
    ("ah", 51),
    ("sctp", 132),
];

impl Protocol {
    pub fn parse(text: &str) -> Option<Protocol> {
        let t = text.trim().to_ascii_lowercase();
        if t == "all" || t == "-1" {
            return Some(Protocol::All);
        }
        if let Some((_, n)) = NAMES.iter().find(|(name, _)| *name == t) {
            return Some(Protocol::Number(*n));
        }
        if !t.is_empty() && t.len() <= 3 && t.bytes().all(|b| b.is_ascii_digit()) {
            return t.parse().ok().map(Protocol::Number);
        }
        None
    }

    pub fn matches(self, protocol: u8) -> bool {
        match self {
            Protocol::All => true,
            Protocol::Number(n) => n == protocol,
        }
    }

    /// The name used in output: `tcp`, `udp`, `icmp`, `icmpv6`, `all`, else the number.
    pub fn name(self) -> String {
        match self {
            Protocol::All => "all".into(),
            Protocol::Number(n) => protocol_name(n),
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// `tcp`, `udp`, `icmp` and `icmpv6` by name, other protocols by number.
pub fn protocol_name(n: u8) -> String {
    match n {
        ICMP => "icmp".into(),
        TCP => "tcp".into(),
        UDP => "udp".into(),
        ICMPV6 => "icmpv6".into(),
        other => other.to_string(),
    }
}

/// An inclusive port range; a single port is `p-p`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortRange {
    pub from: u16,
    pub to: u16,
}

impl PortRange {
    pub const ALL: PortRange = PortRange { from: 0, to: 65535 };

    pub fn single(port: u16) -> PortRange {
        PortRange {
            from: port,
            to: port,
        }
    }

    pub fn contains(&self, port: u16) -> bool {
        self.from <= port && port <= self.to
    }

    pub fn len(&self) -> u32 {
        u32::from(self.to) - u32::from(self.from) + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    pub fn is_all(&self) -> bool {
        *self == PortRange::ALL
    }

    /// Parses `443`, `1024-65535` or `all`.
    pub fn parse(text: &str) -> Result<PortRange, &'static str> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("all") {
            return Ok(PortRange::ALL);
        }
        let port = |s: &str| -> Result<u16, &'static str> {
            let s = s.trim();
            if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err("a port is a number from 0 to 65535");
            }
            s.parse::<u16>()
                .map_err(|_| "a port is a number from 0 to 65535")
        };
        match t.split_once('-') {
            None => port(t).map(PortRange::single),
            Some((a, b)) => {
                let (from, to) = (port(a)?, port(b)?);
                if from > to {
                    return Err("the first port of a range must not be above the last");
                }
                Ok(PortRange { from, to })
            }
        }
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.from == self.to {
            write!(f, "{}", self.from)
        } else {
            write!(f, "{}-{}", self.from, self.to)
        }
    }
}

/// ICMP type and code; `None` is AWS's `-1` (any).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IcmpMatch {
    pub icmp_type: Option<u8>,
    pub code: Option<u8>,
}

impl IcmpMatch {
    pub const ANY: IcmpMatch = IcmpMatch {
        icmp_type: None,
        code: None,
    };

    pub fn matches(&self, icmp_type: u8, code: u8) -> bool {
        self.icmp_type.is_none_or(|t| t == icmp_type) && self.code.is_none_or(|c| c == code)
    }
}

impl fmt::Display for IcmpMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.icmp_type, self.code) {
            (None, _) => f.write_str("any type"),
            (Some(t), None) => write!(f, "type {t}"),
            (Some(t), Some(c)) => write!(f, "type {t} code {c}"),
        }
    }
}

/// What a rule matches beyond the protocol, after AWS's rules are applied:
/// `-1` and protocols other than tcp/udp/icmp(v6) match every port whatever was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum L4Match {
    Any,
    Ports(PortRange),
    Icmp(IcmpMatch),
}

impl L4Match {
    pub fn matches(&self, l4: &L4) -> bool {
        match (self, l4) {
            (L4Match::Any, _) => true,
            (L4Match::Ports(r), L4::Ports { dst, .. }) => r.contains(*dst),
            (L4Match::Icmp(m), L4::Icmp { icmp_type, code }) => m.matches(*icmp_type, *code),
            _ => false,
        }
    }
}

impl fmt::Display for L4Match {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            L4Match::Any => f.write_str("all"),
            L4Match::Ports(r) if r.is_all() => f.write_str("all ports"),
            L4Match::Ports(r) => write!(f, "port {r}"),
            L4Match::Icmp(m) => m.fmt(f),
        }
    }
}

/// The transport header fields that rules look at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum L4 {
    /// TCP and UDP.
    Ports { src: u16, dst: u16 },
    /// ICMP and ICMPv6.
    Icmp { icmp_type: u8, code: u8 },
    /// Any other protocol: only addresses and the protocol number count.
    Other,
}

/// One packet as the rules see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Packet {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub protocol: u8,
    pub l4: L4,
}

impl Packet {
    pub fn family(&self) -> Family {
        Family::of(self.dst)
    }

    /// The reply a stateful peer would send, if the protocol has one: ports swapped,
    /// echo request answered by echo reply. ICMP messages other than requests have none.
    pub fn reply(&self) -> Option<Packet> {
        let l4 = match self.l4 {
            L4::Ports { src, dst } => L4::Ports { src: dst, dst: src },
            L4::Icmp { icmp_type, code } => L4::Icmp {
                icmp_type: icmp_reply_type(self.protocol, icmp_type)?,
                code,
            },
            L4::Other => L4::Other,
        };
        Some(Packet {
            src: self.dst,
            dst: self.src,
            protocol: self.protocol,
            l4,
        })
    }
}

/// The reply type of an ICMP query (echo, timestamp, information, address mask; ICMPv6 echo).
pub fn icmp_reply_type(protocol: u8, icmp_type: u8) -> Option<u8> {
    match (protocol, icmp_type) {
        (ICMP, 8) => Some(0),
        (ICMP, 13) => Some(14),
        (ICMP, 15) => Some(16),
        (ICMP, 17) => Some(18),
        (ICMPV6, 128) => Some(129),
        _ => None,
    }
}

/// The transport fields a packet of `protocol` carries.
pub fn l4_for(protocol: u8, src_port: u16, dst_port: u16, icmp_type: u8, code: u8) -> L4 {
    match protocol {
        TCP | UDP => L4::Ports {
            src: src_port,
            dst: dst_port,
        },
        ICMP | ICMPV6 => L4::Icmp { icmp_type, code },
        _ => L4::Other,
    }
}

impl fmt::Display for Packet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = protocol_name(self.protocol);
        match self.l4 {
            L4::Ports { src, dst } => match self.family() {
                Family::Ipv4 => write!(f, "{p} {}:{src} → {}:{dst}", self.src, self.dst),
                Family::Ipv6 => write!(f, "{p} [{}]:{src} → [{}]:{dst}", self.src, self.dst),
            },
            L4::Icmp { icmp_type, code } => write!(
                f,
                "{p} {} → {} type {icmp_type} code {code}",
                self.src, self.dst
            ),
            L4::Other => write!(f, "protocol {p} {} → {}", self.src, self.dst),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_names_and_numbers() {
        assert_eq!(Protocol::parse("TCP"), Some(Protocol::Number(6)));
        assert_eq!(Protocol::parse("-1"), Some(Protocol::All));
        assert_eq!(Protocol::parse("all"), Some(Protocol::All));
        assert_eq!(Protocol::parse("47"), Some(Protocol::Number(47)));
        assert_eq!(Protocol::parse("256"), None);
        assert_eq!(Protocol::parse("-2"), None);
        assert_eq!(Protocol::parse("tcpp"), None);
        assert_eq!(Protocol::Number(58).name(), "icmpv6");
    }

    #[test]
    fn port_ranges() {
        assert_eq!(PortRange::parse("443"), Ok(PortRange::single(443)));
        assert_eq!(
            PortRange::parse("1024-65535"),
            Ok(PortRange {
                from: 1024,
                to: 65535
            })
        );
        assert_eq!(PortRange::parse("all"), Ok(PortRange::ALL));
        assert!(PortRange::parse("65536").is_err());
        assert!(PortRange::parse("80-79").is_err());
        assert!(PortRange::parse("-1").is_err());
        assert!(PortRange::parse("").is_err());
        assert_eq!(PortRange::ALL.len(), 65536);
    }

    #[test]
    fn echo_request_is_answered_by_echo_reply() {
        let p = Packet {
            src: "10.0.0.1".parse().unwrap(),
            dst: "10.0.0.2".parse().unwrap(),
            protocol: ICMP,
            l4: L4::Icmp {
                icmp_type: 8,
                code: 0,
            },
        };
        let r = p.reply().unwrap();
        assert_eq!(
            r.l4,
            L4::Icmp {
                icmp_type: 0,
                code: 0
            }
        );
        let unreachable = Packet {
            l4: L4::Icmp {
                icmp_type: 3,
                code: 4,
            },
            ..p
        };
        assert!(unreachable.reply().is_none());
    }
}
