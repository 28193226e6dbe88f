//! CIDR blocks and IP sets: parsing, and membership by binary search over merged ranges.

use std::net::IpAddr;

/// One CIDR block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    pub addr: IpAddr,
    pub prefix: u8,
}

/// Parses `a.b.c.d/n` or `x::y/n` (a bare address is a /32 or /128).
pub fn parse_cidr(s: &str) -> Result<Cidr, &'static str> {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let addr: IpAddr = addr.trim().parse().map_err(|_| "not an IP address")?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        None => max,
        Some(p) => {
            let p: u8 = p.trim().parse().map_err(|_| "not a prefix length")?;
            if p > max {
                return Err("prefix length too long for the address family");
            }
            p
        }
    };
    Ok(Cidr { addr, prefix })
}

/// A set of addresses, both families, as sorted disjoint ranges.
#[derive(Clone, Debug, Default)]
pub struct IpMatcher {
    v4: Vec<(u32, u32)>,
    v6: Vec<(u128, u128)>,
}

impl IpMatcher {
    pub fn new(cidrs: impl IntoIterator<Item = Cidr>) -> IpMatcher {
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for c in cidrs {
            match c.addr {
                IpAddr::V4(a) => {
                    let host = 32 - u32::from(c.prefix);
                    let mask = if host == 32 { 0 } else { u32::MAX << host };
                    let lo = u32::from(a) & mask;
                    v4.push((lo, lo | !mask));
                }
                IpAddr::V6(a) => {
                    let host = 128 - u32::from(c.prefix);
                    let mask = if host == 128 { 0 } else { u128::MAX << host };
                    let lo = u128::from(a) & mask;
                    v6.push((lo, lo | !mask));
                }
            }
        }
        IpMatcher {
            v4: merge(v4),
            v6: merge(v6),
        }
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(a) => find(&self.v4, u32::from(a)),
            IpAddr::V6(a) => match a.to_ipv4_mapped() {
                Some(v4) => find(&self.v4, u32::from(v4)),
                None => find(&self.v6, u128::from(a)),
            },
        }
    }

    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }
}

fn merge<T: Ord + Copy + num::Succ>(mut r: Vec<(T, T)>) -> Vec<(T, T)> {
    r.sort_unstable();
    let mut out: Vec<(T, T)> = Vec::with_capacity(r.len());
    for (lo, hi) in r {
        if let Some(last) = out.last_mut()
            && (lo <= last.1 || last.1.succ() == Some(lo))
        {
            if hi > last.1 {
                last.1 = hi;
            }
            continue;
        }
        out.push((lo, hi));
    }
    out
}

fn find<T: Ord + Copy>(r: &[(T, T)], x: T) -> bool {
    let i = r.partition_point(|&(lo, _)| lo <= x);
    i > 0 && r.get(i - 1).is_some_and(|&(_, hi)| x <= hi)
}

mod num {
    pub(crate) trait Succ: Sized {
        fn succ(self) -> Option<Self>;
    }
    impl Succ for u32 {
        fn succ(self) -> Option<u32> {
            self.checked_add(1)
        }
    }
    impl Succ for u128 {
        fn succ(self) -> Option<u128> {
            self.checked_add(1)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn set(c: &[&str]) -> IpMatcher {
        IpMatcher::new(c.iter().map(|s| parse_cidr(s).unwrap()))
    }

    #[test]
    fn membership_v4_v6_and_mapped() {
        let s = set(&["10.0.0.0/8", "192.0.2.44/32", "2001:db8::/32"]);
        assert!(s.contains("10.255.0.1".parse().unwrap()));
        assert!(s.contains("192.0.2.44".parse().unwrap()));
        assert!(!s.contains("192.0.2.45".parse().unwrap()));
        assert!(s.contains("2001:db8:1::1".parse().unwrap()));
        assert!(!s.contains("2001:db9::1".parse().unwrap()));
        assert!(s.contains("::ffff:10.1.2.3".parse().unwrap()));
    }

    #[test]
    fn adjacent_and_overlapping_blocks_merge() {
        let s = set(&["10.0.0.0/25", "10.0.0.128/25", "10.0.0.0/24", "0.0.0.0/1"]);
        assert_eq!(s.v4.len(), 1);
        assert!(s.contains("127.255.255.255".parse().unwrap()));
        assert!(!s.contains("128.0.0.0".parse().unwrap()));
    }

    #[test]
    fn cidr_errors() {
        assert!(parse_cidr("10.0.0.0/33").is_err());
        assert!(parse_cidr("10.0.0/8").is_err());
        assert!(parse_cidr("::/129").is_err());
        assert_eq!(parse_cidr("::1").unwrap().prefix, 128);
    }
}
