//! A small writer of MaxMind DB files (format 2.0), for tests: this crate's, the engine's and the
//! command line's. It is not a tool for building production databases.
//!
//! The file is what the published MaxMind DB specification describes: a binary search tree over
//! the 128 bits of an IPv6 address (IPv4 networks live under `::/96`, where readers look for
//! them), a 16-byte zero separator, a data section of typed values (maps, arrays, strings,
//! unsigned integers, booleans, doubles, bytes), then the `\xab\xcd\xefMaxMind.com` marker and
//! the metadata map. Records are 24, 28 or 32 bits, whichever is the smallest that fits.
//!
//! ```text
//!  [ node 0 | node 1 | … ]  [ 16 × 0x00 ]  [ data values … ]  [ marker ]  [ metadata map ]
//!    left/right records:  < node_count → node,  = node_count → no data,
//!                         > node_count → node_count + 16 + offset into the data section
//! ```
//!
//! Overlapping networks: a more specific network wins over a less specific one whatever their
//! order; of two identical networks the later wins.

use std::collections::HashMap;
use std::net::IpAddr;

/// The geographic and network facts about one network, as [`crate::geo::GeoDb`] reads them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct GeoRecord {
    /// ISO 3166-1 alpha-2 country code, e.g. `US`.
    pub country: Option<String>,
    /// ISO 3166-2 subdivision code with its country prefix, e.g. `US-OR`; needs `country`.
    pub region: Option<String>,
    /// Autonomous system number.
    pub asn: Option<u32>,
}

/// A value of the data section.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A map with string keys, written in the given order.
    Map(Vec<(String, Value)>),
    /// An array.
    Array(Vec<Value>),
    /// A UTF-8 string.
    String(String),
    /// Raw bytes.
    Bytes(Vec<u8>),
    /// An unsigned 16-bit integer.
    Uint16(u16),
    /// An unsigned 32-bit integer.
    Uint32(u32),
    /// An unsigned 64-bit integer.
    Uint64(u64),
    /// A boolean.
    Bool(bool),
    /// A double.
    Double(f64),
}

/// Why a database could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// A prefix longer than the address (32 for IPv4, 128 for IPv6).
    #[error("prefix /{prefix} is too long for {addr}")]
    PrefixTooLong {
        /// The network's address.
        addr: IpAddr,
        /// The prefix length given.
        prefix: u8,
    },
    /// A region without a country, or one that does not start with `<country>-`.
    #[error("region {region:?} does not belong to country {country:?}")]
    RegionWithoutCountry {
        /// The region given.
        region: String,
        /// The country given.
        country: Option<String>,
    },
    /// A string, map or array too long for the format, or a tree or data section too large.
    #[error("{0} is too large for the MaxMind DB format")]
    TooLarge(&'static str),
}

/// Builds a GeoIP2-shaped database (`country.iso_code`, `subdivisions[0].iso_code`,
/// `autonomous_system_number`) mapping each network to its record.
pub fn build(networks: &[((IpAddr, u8), GeoRecord)]) -> Result<Vec<u8>, WriteError> {
    let mut values = Vec::with_capacity(networks.len());
    for (net, record) in networks {
        values.push((*net, geo_value(record)?));
    }
    build_values(&values, "Rampart-Test-Geo", 0)
}

/// The data-section value [`build`] writes for a record.
pub fn geo_value(record: &GeoRecord) -> Result<Value, WriteError> {
    let mut map = Vec::new();
    if let Some(country) = &record.country {
        map.push((
            "country".to_owned(),
            Value::Map(vec![(
                "iso_code".to_owned(),
                Value::String(country.clone()),
            )]),
        ));
    }
    if let Some(region) = &record.region {
        let code = record
            .country
            .as_deref()
            .and_then(|c| region.strip_prefix(c))
            .and_then(|rest| rest.strip_prefix('-'))
            .ok_or_else(|| WriteError::RegionWithoutCountry {
                region: region.clone(),
                country: record.country.clone(),
            })?;
        map.push((
            "subdivisions".to_owned(),
            Value::Array(vec![Value::Map(vec![(
                "iso_code".to_owned(),
                Value::String(code.to_owned()),
            )])]),
        ));
    }
    if let Some(asn) = record.asn {
        map.push(("autonomous_system_number".to_owned(), Value::Uint32(asn)));
    }
    Ok(Value::Map(map))
}

/// Builds an IPv6 database (`ip_version` 6) mapping each network to a value of any shape.
pub fn build_values(
    networks: &[((IpAddr, u8), Value)],
    database_type: &str,
    build_epoch: u64,
) -> Result<Vec<u8>, WriteError> {
    build_with_record_size(networks, database_type, build_epoch, 24)
}

/// [`build_values`] with records at least `min_record_size` bits wide (24, 28 or 32), so tests
/// can exercise every layout without a database of 2^24 entries.
pub(crate) fn build_with_record_size(
    networks: &[((IpAddr, u8), Value)],
    database_type: &str,
    build_epoch: u64,
    min_record_size: u16,
) -> Result<Vec<u8>, WriteError> {
    // Data section, with identical values written once.
    let mut data = Vec::new();
    let mut offsets: HashMap<Vec<u8>, u32> = HashMap::new();
    let mut entries = Vec::with_capacity(networks.len());
    for ((addr, prefix), value) in networks {
        let (bits, len) = tree_key(*addr, *prefix)?;
        let mut encoded = Vec::new();
        encode(value, &mut encoded)?;
        let offset = match offsets.get(&encoded) {
            Some(&o) => o,
            None => {
                let o = u32::try_from(data.len()).map_err(|_| WriteError::TooLarge("data"))?;
                data.extend_from_slice(&encoded);
                offsets.insert(encoded, o);
                o
            }
        };
        entries.push((bits, len, offset));
    }
    // Less specific first, so a more specific network is carved out of it; the sort is stable,
    // so the later of two identical networks is inserted last and wins.
    entries.sort_by_key(|&(_, len, _)| len);
    let mut trie = Trie::new();
    for &(bits, len, offset) in &entries {
        trie.insert(bits, len, offset);
    }
    let (order, index) = trie.reachable();
    let node_count = u32::try_from(order.len()).map_err(|_| WriteError::TooLarge("tree"))?;
    let data_len = u32::try_from(data.len()).map_err(|_| WriteError::TooLarge("data"))?;
    let max_record = u64::from(node_count) + 16 + u64::from(data_len);
    let record_size: u16 = if max_record < 1 << 24 && min_record_size <= 24 {
        24
    } else if max_record < 1 << 28 && min_record_size <= 28 {
        28
    } else if max_record < 1 << 32 {
        32
    } else {
        return Err(WriteError::TooLarge("database"));
    };
    let record = |slot: Slot| -> u32 {
        match slot {
            // `index` holds every node reachable from the root, and these slots are of such nodes.
            Slot::Node(n) => index.get(&n).copied().unwrap_or(node_count),
            Slot::Empty => node_count,
            Slot::Data(offset) => node_count + 16 + offset,
        }
    };
    let mut out = Vec::with_capacity(order.len() * usize::from(record_size) / 4 + data.len() + 256);
    for &n in &order {
        let [left, right] = trie.nodes[n as usize];
        let (l, r) = (record(left), record(right));
        match record_size {
            24 => {
                out.extend_from_slice(&l.to_be_bytes()[1..]);
                out.extend_from_slice(&r.to_be_bytes()[1..]);
            }
            28 => {
                out.extend_from_slice(&l.to_be_bytes()[1..]);
                out.push((((l >> 24) & 0x0F) << 4) as u8 | ((r >> 24) & 0x0F) as u8);
                out.extend_from_slice(&r.to_be_bytes()[1..]);
            }
            _ => {
                out.extend_from_slice(&l.to_be_bytes());
                out.extend_from_slice(&r.to_be_bytes());
            }
        }
    }
    out.extend_from_slice(&[0u8; 16]);
    out.extend_from_slice(&data);
    out.extend_from_slice(b"\xab\xcd\xefMaxMind.com");
    let metadata = Value::Map(vec![
        ("binary_format_major_version".to_owned(), Value::Uint16(2)),
        ("binary_format_minor_version".to_owned(), Value::Uint16(0)),
        ("build_epoch".to_owned(), Value::Uint64(build_epoch)),
        (
            "database_type".to_owned(),
            Value::String(database_type.to_owned()),
        ),
        (
            "description".to_owned(),
            Value::Map(vec![(
                "en".to_owned(),
                Value::String("Rampart test database".to_owned()),
            )]),
        ),
        ("ip_version".to_owned(), Value::Uint16(6)),
        (
            "languages".to_owned(),
            Value::Array(vec![Value::String("en".to_owned())]),
        ),
        ("node_count".to_owned(), Value::Uint32(node_count)),
        ("record_size".to_owned(), Value::Uint16(record_size)),
    ]);
    encode(&metadata, &mut out)?;
    Ok(out)
}

/// The network's top bits in the 128-bit tree and its prefix length there.
fn tree_key(addr: IpAddr, prefix: u8) -> Result<(u128, u8), WriteError> {
    let (bits, len) = match addr {
        IpAddr::V4(v4) if prefix <= 32 => (u128::from(u32::from(v4)), 96 + prefix),
        IpAddr::V6(v6) if prefix <= 128 => (u128::from(v6), prefix),
        _ => return Err(WriteError::PrefixTooLong { addr, prefix }),
    };
    let mask = if len == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(len))
    };
    Ok((bits & mask, len))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Empty,
    Node(u32),
    Data(u32),
}

/// The tree while it is built: node 0 is the root; a node's slots are its 0 and 1 children.
struct Trie {
    nodes: Vec<[Slot; 2]>,
}

impl Trie {
    fn new() -> Self {
        Trie {
            nodes: vec![[Slot::Empty; 2]],
        }
    }

    fn push(&mut self, slots: [Slot; 2]) -> u32 {
        self.nodes.push(slots);
        // The tree has at most 128 levels per inserted network, far below u32::MAX nodes for
        // any database this writer is meant for.
        u32::try_from(self.nodes.len() - 1).unwrap_or(u32::MAX)
    }

    fn insert(&mut self, bits: u128, len: u8, offset: u32) {
        if len == 0 {
            self.nodes[0] = [Slot::Data(offset); 2];
            return;
        }
        let mut node = 0usize;
        for depth in 0..len {
            let bit = ((bits >> (127 - u32::from(depth))) & 1) as usize;
            if depth + 1 == len {
                self.nodes[node][bit] = Slot::Data(offset);
                return;
            }
            node = match self.nodes[node][bit] {
                Slot::Node(n) => n as usize,
                Slot::Empty => {
                    let n = self.push([Slot::Empty; 2]);
                    self.nodes[node][bit] = Slot::Node(n);
                    n as usize
                }
                Slot::Data(d) => {
                    // carve the more specific network out of a less specific one
                    let n = self.push([Slot::Data(d); 2]);
                    self.nodes[node][bit] = Slot::Node(n);
                    n as usize
                }
            };
        }
    }

    /// The nodes still reachable from the root (a shorter network inserted over a subtree
    /// orphans it), in breadth-first order, and each one's new number.
    fn reachable(&self) -> (Vec<u32>, HashMap<u32, u32>) {
        let mut order = vec![0u32];
        let mut index = HashMap::from([(0u32, 0u32)]);
        let mut next = 0;
        while next < order.len() {
            let n = order[next];
            next += 1;
            for slot in self.nodes[n as usize] {
                if let Slot::Node(child) = slot {
                    let number = order.len() as u32;
                    index.insert(child, number);
                    order.push(child);
                }
            }
        }
        (order, index)
    }
}

/// Writes a control byte (and extended type byte and size bytes) for a value of `type_num`
/// (1–15) and `size`.
fn control(out: &mut Vec<u8>, type_num: u8, size: usize) -> Result<(), WriteError> {
    let (head, ext) = if type_num <= 7 {
        (type_num << 5, None)
    } else {
        (0, Some(type_num - 7))
    };
    let push_size = |out: &mut Vec<u8>, bits: u8| {
        out.push(head | bits);
        if let Some(e) = ext {
            out.push(e);
        }
    };
    if size < 29 {
        push_size(out, size as u8);
    } else if size < 29 + 256 {
        push_size(out, 29);
        out.push((size - 29) as u8);
    } else if size < 285 + 65_536 {
        push_size(out, 30);
        out.extend_from_slice(&((size - 285) as u16).to_be_bytes());
    } else if size < 65_821 + (1 << 24) {
        push_size(out, 31);
        out.extend_from_slice(&((size - 65_821) as u32).to_be_bytes()[1..]);
    } else {
        return Err(WriteError::TooLarge("value"));
    }
    Ok(())
}

/// Big-endian bytes without leading zeros (zero has none), as the format stores integers.
fn minimal(bytes: &[u8]) -> &[u8] {
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    &bytes[skip..]
}

fn encode(value: &Value, out: &mut Vec<u8>) -> Result<(), WriteError> {
    match value {
        Value::String(s) => {
            control(out, 2, s.len())?;
            out.extend_from_slice(s.as_bytes());
        }
        Value::Double(d) => {
            control(out, 3, 8)?;
            out.extend_from_slice(&d.to_be_bytes());
        }
        Value::Bytes(b) => {
            control(out, 4, b.len())?;
            out.extend_from_slice(b);
        }
        Value::Uint16(n) => {
            let b = n.to_be_bytes();
            let m = minimal(&b);
            control(out, 5, m.len())?;
            out.extend_from_slice(m);
        }
        Value::Uint32(n) => {
            let b = n.to_be_bytes();
            let m = minimal(&b);
            control(out, 6, m.len())?;
            out.extend_from_slice(m);
        }
        Value::Map(pairs) => {
            control(out, 7, pairs.len())?;
            for (k, v) in pairs {
                encode(&Value::String(k.clone()), out)?;
                encode(v, out)?;
            }
        }
        Value::Uint64(n) => {
            let b = n.to_be_bytes();
            let m = minimal(&b);
            control(out, 9, m.len())?;
            out.extend_from_slice(m);
        }
        Value::Array(items) => {
            control(out, 11, items.len())?;
            for v in items {
                encode(v, out)?;
            }
        }
        Value::Bool(b) => control(out, 14, usize::from(*b))?,
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn control_bytes_follow_the_size_encoding() {
        let mut out = Vec::new();
        control(&mut out, 2, 28).unwrap();
        assert_eq!(out, [0x5C]);
        out.clear();
        control(&mut out, 2, 29).unwrap();
        assert_eq!(out, [0x5D, 0x00]);
        out.clear();
        control(&mut out, 2, 500).unwrap();
        assert_eq!(out, [0x5E, 0x00, 0xD7]);
        out.clear();
        control(&mut out, 2, 70_000).unwrap();
        assert_eq!(out, [0x5F, 0x00, 0x10, 0x53]);
        out.clear();
        // extended type: array (11) is 0 in the control byte and 4 in the next
        control(&mut out, 11, 2).unwrap();
        assert_eq!(out, [0x02, 0x04]);
    }

    #[test]
    fn integers_are_minimal() {
        let mut out = Vec::new();
        encode(&Value::Uint32(0), &mut out).unwrap();
        assert_eq!(out, [0xC0]);
        out.clear();
        encode(&Value::Uint32(16509), &mut out).unwrap();
        assert_eq!(out, [0xC2, 0x40, 0x7D]);
        out.clear();
        encode(&Value::Bool(true), &mut out).unwrap();
        assert_eq!(out, [0x01, 0x07]);
    }

    #[test]
    fn region_must_carry_its_country() {
        let bad = GeoRecord {
            country: Some("US".into()),
            region: Some("CA-BC".into()),
            asn: None,
        };
        assert!(geo_value(&bad).is_err());
        let v4: IpAddr = "1.2.3.4".parse().unwrap();
        assert!(build(&[((v4, 33), GeoRecord::default())]).is_err());
    }
}
