//! IP addresses and CIDR blocks, with AWS's canonicalisation.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// The two address families. AWS keeps their rules apart: an IPv4 CIDR never matches IPv6 traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Ipv4,
    Ipv6,
}

impl Family {
    pub fn of(addr: IpAddr) -> Family {
        match addr {
            IpAddr::V4(_) => Family::Ipv4,
            IpAddr::V6(_) => Family::Ipv6,
        }
    }

    /// Bits in an address of this family.
    pub fn bits(self) -> u8 {
        match self {
            Family::Ipv4 => 32,
            Family::Ipv6 => 128,
        }
    }

    /// The block that holds every address of the family (`0.0.0.0/0` or `::/0`).
    pub fn everything(self) -> Cidr {
        match self {
            Family::Ipv4 => Cidr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
            Family::Ipv6 => Cidr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), 0),
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Family::Ipv4 => "IPv4",
            Family::Ipv6 => "IPv6",
        })
    }
}

/// An address as an unsigned integer, for range arithmetic on both families.
pub fn addr_to_u128(addr: IpAddr) -> u128 {
    match addr {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

/// The inverse of [`addr_to_u128`]. Values above `u32::MAX` saturate for IPv4.
pub fn u128_to_addr(family: Family, value: u128) -> IpAddr {
    match family {
        Family::Ipv4 => IpAddr::V4(Ipv4Addr::from(u32::try_from(value).unwrap_or(u32::MAX))),
        Family::Ipv6 => IpAddr::V6(Ipv6Addr::from(value)),
    }
}

/// A canonical CIDR block: the host bits are zero, as AWS stores it
/// (`100.68.0.18/18` is kept as `100.68.0.0/18`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cidr {
    addr: IpAddr,
    len: u8,
}

impl Cidr {
    /// A block from any address in it; host bits are cleared. `len` is clamped to the family.
    pub fn new(addr: IpAddr, len: u8) -> Cidr {
        let family = Family::of(addr);
        let len = len.min(family.bits());
        let first = addr_to_u128(addr) & mask(family, len);
        Cidr {
            addr: u128_to_addr(family, first),
            len,
        }
    }

    /// A single address (`/32` or `/128`).
    pub fn host(addr: IpAddr) -> Cidr {
        Cidr::new(addr, Family::of(addr).bits())
    }

    pub fn family(&self) -> Family {
        Family::of(self.addr)
    }

    pub fn network(&self) -> IpAddr {
        self.addr
    }

    pub fn prefix_len(&self) -> u8 {
        self.len
    }

    /// The first and last address of the block as integers.
    pub fn range(&self) -> (u128, u128) {
        let first = addr_to_u128(self.addr);
        (
            first,
            first | !mask(self.family(), self.len) & family_max(self.family()),
        )
    }

    pub fn contains(&self, addr: IpAddr) -> bool {
        if Family::of(addr) != self.family() {
            return false;
        }
        addr_to_u128(addr) & mask(self.family(), self.len) == addr_to_u128(self.addr)
    }

    /// Whether every address of `other` is in `self`.
    pub fn covers(&self, other: &Cidr) -> bool {
        other.family() == self.family() && other.len >= self.len && self.contains(other.addr)
    }

    pub fn overlaps(&self, other: &Cidr) -> bool {
        self.covers(other) || other.covers(self)
    }

    /// `0.0.0.0/0` or `::/0`.
    pub fn is_everything(&self) -> bool {
        self.len == 0
    }

    /// The n-th address of the block (0 = the network address), if the block is that large.
    pub fn nth(&self, n: u128) -> Option<IpAddr> {
        let (first, last) = self.range();
        let value = first.checked_add(n)?;
        (value <= last).then(|| u128_to_addr(self.family(), value))
    }

    /// Number of addresses, saturating at `u128::MAX` for `::/0`.
    pub fn size(&self) -> u128 {
        let (first, last) = self.range();
        (last - first).saturating_add(1)
    }
}

fn family_max(family: Family) -> u128 {
    match family {
        Family::Ipv4 => u128::from(u32::MAX),
        Family::Ipv6 => u128::MAX,
    }
}

fn mask(family: Family, len: u8) -> u128 {
    let bits = u32::from(family.bits());
    let len = u32::from(len);
    if len == 0 {
        return 0;
    }
    let ones = family_max(family);
    (ones << (bits - len)) & ones
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

impl fmt::Debug for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl serde::Serialize for Cidr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Why a CIDR string was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CidrError(pub &'static str);

impl fmt::Display for CidrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// A parsed CIDR and whether it was written in canonical form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParsedCidr {
    pub cidr: Cidr,
    /// False for `10.0.1.5/24`: AWS accepts it and stores `10.0.1.0/24`.
    pub canonical: bool,
}

impl ParsedCidr {
    /// Parses `a.b.c.d/n` or `x::y/n`. The prefix length is required, as AWS requires it.
    pub fn parse(text: &str) -> Result<ParsedCidr, CidrError> {
        let (addr, len) = text.trim().split_once('/').ok_or(CidrError(
            "a CIDR block needs a prefix length, e.g. 10.0.0.0/16",
        ))?;
        let addr = IpAddr::from_str(addr).map_err(|_| CidrError("not an IPv4 or IPv6 address"))?;
        if len.is_empty() || len.len() > 3 || !len.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CidrError("the prefix length must be a number"));
        }
        let len: u8 = len
            .parse()
            .map_err(|_| CidrError("the prefix length must be a number"))?;
        if len > Family::of(addr).bits() {
            return Err(match Family::of(addr) {
                Family::Ipv4 => CidrError("an IPv4 prefix length is 0 to 32"),
                Family::Ipv6 => CidrError("an IPv6 prefix length is 0 to 128"),
            });
        }
        let cidr = Cidr::new(addr, len);
        Ok(ParsedCidr {
            cidr,
            canonical: cidr.addr == addr,
        })
    }
}

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(s: &str) -> Result<Cidr, CidrError> {
        ParsedCidr::parse(s).map(|p| p.cidr)
    }
}

/// Address ranges that are never the public internet: RFC 1918, shared address space,
/// loopback, link-local, multicast and reserved, for both families.
pub fn is_special_purpose(addr: IpAddr) -> bool {
    const V4: &[(&str, u8)] = &[
        ("0.0.0.0", 8),
        ("10.0.0.0", 8),
        ("100.64.0.0", 10),
        ("127.0.0.0", 8),
        ("169.254.0.0", 16),
        ("172.16.0.0", 12),
        ("192.168.0.0", 16),
        ("224.0.0.0", 4),
        ("240.0.0.0", 4),
    ];
    const V6: &[(&str, u8)] = &[
        ("::", 127),
        ("fc00::", 7),
        ("fe80::", 10),
        ("ff00::", 8),
        ("::ffff:0:0", 96),
    ];
    let table = match addr {
        IpAddr::V4(_) => V4,
        IpAddr::V6(_) => V6,
    };
    table.iter().any(|(net, len)| {
        IpAddr::from_str(net).is_ok_and(|net| Cidr::new(net, *len).contains(addr))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Cidr {
        s.parse().unwrap()
    }

    #[test]
    fn canonicalises_host_bits_like_aws() {
        let p = ParsedCidr::parse("100.68.0.18/18").unwrap();
        assert_eq!(p.cidr.to_string(), "100.68.0.0/18");
        assert!(!p.canonical);
        assert!(ParsedCidr::parse("10.0.0.0/16").unwrap().canonical);
        assert_eq!(c("2001:db8::1/64").to_string(), "2001:db8::/64");
    }

    #[test]
    fn refuses_malformed_blocks() {
        for bad in [
            "10.0.0.0",
            "10.0.0.0/33",
            "10.0.0/8",
            "::/129",
            "x/1",
            "10.0.0.0/",
            "10.0.0.0/-1",
            "10.0.0.0/+8",
            "10.0.0.0/0008",
        ] {
            assert!(ParsedCidr::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn contains_respects_family_and_boundaries() {
        let all4 = c("0.0.0.0/0");
        assert!(all4.contains("255.255.255.255".parse().unwrap()));
        assert!(!all4.contains("::1".parse().unwrap()));
        let host = c("10.0.0.5/32");
        assert!(host.contains("10.0.0.5".parse().unwrap()));
        assert!(!host.contains("10.0.0.6".parse().unwrap()));
        assert_eq!(c("10.0.0.0/24").range(), (0x0a00_0000, 0x0a00_00ff));
        assert_eq!(c("::/0").range(), (0, u128::MAX));
        assert_eq!(c("::/0").size(), u128::MAX);
        assert!(c("10.0.0.0/16").covers(&c("10.0.3.0/24")));
        assert!(!c("10.0.3.0/24").covers(&c("10.0.0.0/16")));
    }

    #[test]
    fn special_purpose_ranges() {
        assert!(is_special_purpose("10.1.2.3".parse().unwrap()));
        assert!(is_special_purpose("fe80::1".parse().unwrap()));
        assert!(!is_special_purpose("198.51.100.7".parse().unwrap()));
        assert!(!is_special_purpose("2600::1".parse().unwrap()));
    }
}
