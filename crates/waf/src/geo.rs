//! Country, region and autonomous system of an address, from a MaxMind-format database, and the
//! labels AWS WAF derives from them.
//!
//! One [`GeoDb`] reads GeoLite2/GeoIP2 Country or City databases (`country.iso_code`,
//! `subdivisions[0].iso_code`), GeoLite2-ASN (`autonomous_system_number`), or a database holding
//! both. The whole file is checked when it is loaded — every search-tree record in range, every
//! reachable data record decodable — so a lookup afterwards cannot fail: an address the database
//! does not know gets an empty [`GeoInfo`], which labels as country `XX`.
//!
//! Labels (`GeoMatchStatement` labels every request it inspects):
//! `awswaf:clientip:geo:country:US`, `awswaf:clientip:geo:region:US-OR`, and the
//! `awswaf:forwardedip:geo:…` variants when the address came from a forwarded-IP header.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use maxminddb::Reader;
use serde::Deserialize;

/// The country code labels use when the database does not know the address.
pub const UNKNOWN_COUNTRY: &str = "XX";

/// The largest database file [`GeoDb::open`] reads (GeoIP2 City is well under this).
pub const MAX_DATABASE_BYTES: u64 = 1 << 30;

const METADATA_MARKER: &[u8] = b"\xab\xcd\xefMaxMind.com";

/// Why a database could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GeoError {
    /// The file could not be read.
    #[error("cannot read geo database {path}: {source}")]
    Io {
        /// The path given.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than [`MAX_DATABASE_BYTES`].
    #[error("geo database {path} is {len} bytes, more than the {MAX_DATABASE_BYTES} allowed")]
    TooLarge {
        /// The path given.
        path: PathBuf,
        /// Its length.
        len: u64,
    },
    /// The bytes are not a MaxMind DB this reader accepts; the text says where it is wrong.
    #[error("invalid geo database: {0}")]
    Invalid(String),
}

/// An ISO 3166-1 alpha-2 country code: two ASCII capital letters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// The code if `s` is two ASCII letters (either case); it is kept in capitals.
    pub fn new(s: &str) -> Option<Self> {
        match s.as_bytes() {
            &[a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => Some(CountryCode([
                a.to_ascii_uppercase(),
                b.to_ascii_uppercase(),
            ])),
            _ => None,
        }
    }

    /// The two letters.
    pub fn as_str(&self) -> &str {
        // two ASCII letters by construction
        std::str::from_utf8(&self.0).unwrap_or(UNKNOWN_COUNTRY)
    }

    /// The two letters as bytes.
    pub fn as_bytes(&self) -> [u8; 2] {
        self.0
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CountryCode({})", self.as_str())
    }
}

/// Where the address being labelled came from; it picks the label namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GeoSource {
    /// The connection's address: `awswaf:clientip:geo:…`.
    ClientIp,
    /// An address from a `ForwardedIPConfig` header: `awswaf:forwardedip:geo:…`.
    ForwardedIp,
}

impl GeoSource {
    fn prefix(self) -> &'static str {
        match self {
            GeoSource::ClientIp => "awswaf:clientip:geo:",
            GeoSource::ForwardedIp => "awswaf:forwardedip:geo:",
        }
    }
}

/// What the database says about one address; every field is `None` when it does not know.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GeoInfo {
    /// The country (`country.iso_code`).
    pub country: Option<CountryCode>,
    /// The first-level subdivision as an ISO 3166-2 code with its country prefix, e.g. `US-OR`
    /// (`<country.iso_code>-<subdivisions[0].iso_code>`). `None` without a country.
    pub region: Option<String>,
    /// The autonomous system number (`autonomous_system_number`, or
    /// `traits.autonomous_system_number` in GeoIP2 Enterprise).
    pub asn: Option<u32>,
}

impl GeoInfo {
    /// The country code, or `XX` when unknown.
    pub fn country_or_unknown(&self) -> &str {
        self.country
            .as_ref()
            .map_or(UNKNOWN_COUNTRY, CountryCode::as_str)
    }

    /// `awswaf:clientip:geo:country:US` (or `…:XX`).
    pub fn country_label(&self, source: GeoSource) -> String {
        format!("{}country:{}", source.prefix(), self.country_or_unknown())
    }

    /// `awswaf:clientip:geo:region:US-OR`, when the region is known.
    pub fn region_label(&self, source: GeoSource) -> Option<String> {
        self.region
            .as_ref()
            .map(|r| format!("{}region:{r}", source.prefix()))
    }

    /// The labels a geo match statement adds: the country label, then the region label when
    /// the region is known.
    pub fn labels(&self, source: GeoSource) -> Vec<String> {
        let mut labels = vec![self.country_label(source)];
        labels.extend(self.region_label(source));
        labels
    }
}

/// A loaded, checked MaxMind DB.
pub struct GeoDb {
    reader: Reader<Vec<u8>>,
}

impl fmt::Debug for GeoDb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeoDb")
            .field("database_type", &self.reader.metadata.database_type)
            .field("build_epoch", &self.reader.metadata.build_epoch)
            .field("node_count", &self.reader.metadata.node_count)
            .finish()
    }
}

// Fields this reader uses; everything else in a record is skipped.
#[derive(Deserialize)]
struct RawRecord<'a> {
    #[serde(borrow, default)]
    country: Option<RawIso<'a>>,
    #[serde(borrow, default)]
    subdivisions: Option<Vec<RawIso<'a>>>,
    #[serde(default)]
    autonomous_system_number: Option<u32>,
    #[serde(default)]
    traits: Option<RawTraits>,
}

#[derive(Deserialize)]
struct RawIso<'a> {
    #[serde(borrow, default)]
    iso_code: Option<&'a str>,
}

#[derive(Deserialize)]
struct RawTraits {
    #[serde(default)]
    autonomous_system_number: Option<u32>,
}

impl GeoDb {
    /// Reads and checks the database at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, GeoError> {
        let path = path.as_ref();
        let io = |source| GeoError::Io {
            path: path.to_owned(),
            source,
        };
        let len = std::fs::metadata(path).map_err(io)?.len();
        if len > MAX_DATABASE_BYTES {
            return Err(GeoError::TooLarge {
                path: path.to_owned(),
                len,
            });
        }
        let bytes = std::fs::read(path).map_err(io)?;
        Self::from_bytes(bytes)
    }

    /// Checks and takes a database already in memory.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, GeoError> {
        if bytes.len() as u64 > MAX_DATABASE_BYTES {
            return Err(GeoError::Invalid(format!(
                "{} bytes, more than the {MAX_DATABASE_BYTES} allowed",
                bytes.len()
            )));
        }
        // The reader indexes its buffer without bounds checks of its own in places, so a
        // malformed file could panic it: the check runs first, and runs under catch_unwind in
        // case the reader trips on something the check did not foresee.
        match catch_unwind(AssertUnwindSafe(|| check(&bytes))) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(e),
            Err(_) => {
                return Err(GeoError::Invalid(
                    "the MaxMind DB reader failed on this file".to_owned(),
                ));
            }
        }
        let reader = Reader::from_source(bytes).map_err(|e| GeoError::Invalid(e.to_string()))?;
        Ok(GeoDb { reader })
    }

    /// What the database says about `ip`. An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is
    /// looked up as the IPv4 address.
    pub fn lookup(&self, ip: IpAddr) -> GeoInfo {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        if ip.is_ipv6() && self.reader.metadata.ip_version == 4 {
            return GeoInfo::default();
        }
        // Cannot fail after `check`; an error would mean "unknown" anyway.
        let Ok(Some(raw)) = self.reader.lookup::<RawRecord<'_>>(ip) else {
            return GeoInfo::default();
        };
        let country = raw
            .country
            .and_then(|c| c.iso_code)
            .and_then(CountryCode::new);
        let region = country.and_then(|c| {
            let sub = raw.subdivisions.as_ref()?.first()?.iso_code?;
            let valid =
                !sub.is_empty() && sub.len() <= 3 && sub.bytes().all(|b| b.is_ascii_alphanumeric());
            valid.then(|| format!("{}-{}", c.as_str(), sub.to_ascii_uppercase()))
        });
        let asn = raw
            .autonomous_system_number
            .or_else(|| raw.traits.and_then(|t| t.autonomous_system_number));
        GeoInfo {
            country,
            region,
            asn,
        }
    }

    /// The metadata's `database_type`, e.g. `GeoLite2-Country`.
    pub fn database_type(&self) -> &str {
        &self.reader.metadata.database_type
    }

    /// The metadata's `build_epoch` (Unix seconds).
    pub fn build_epoch(&self) -> u64 {
        self.reader.metadata.build_epoch
    }
}

fn invalid(msg: impl Into<String>) -> GeoError {
    GeoError::Invalid(msg.into())
}

/// Checks the whole file: metadata, every search-tree record in range, and every data record
/// reachable by a lookup decodable as [`RawRecord`].
fn check(bytes: &[u8]) -> Result<(), GeoError> {
    let marker = memchr::memmem::rfind(bytes, METADATA_MARKER)
        .ok_or_else(|| invalid("no metadata marker"))?;
    let reader = Reader::from_source(bytes).map_err(|e| invalid(e.to_string()))?;
    let meta = &reader.metadata;
    if meta.binary_format_major_version != 2 {
        return Err(invalid(format!(
            "binary format version {} (2 expected)",
            meta.binary_format_major_version
        )));
    }
    let node_bytes = match meta.record_size {
        24 => 6,
        28 => 7,
        32 => 8,
        s => return Err(invalid(format!("record size {s} (24, 28 or 32 expected)"))),
    };
    let bits: u32 = match meta.ip_version {
        4 => 32,
        6 => 128,
        v => return Err(invalid(format!("ip_version {v} (4 or 6 expected)"))),
    };
    let node_count = meta.node_count as usize;
    if node_count == 0 {
        return Err(invalid("node_count is 0"));
    }
    let tree_len = node_count
        .checked_mul(node_bytes)
        .ok_or_else(|| invalid("node_count too large"))?;
    let data_start = tree_len + 16;
    if data_start > marker {
        return Err(invalid(format!(
            "the search tree ({node_count} nodes) and separator overrun the data section"
        )));
    }
    let data_len = marker - data_start;
    let tree = &bytes[..tree_len];
    let read = |node: usize, side: usize| -> usize {
        let base = &tree[node * node_bytes..(node + 1) * node_bytes];
        match node_bytes {
            6 => be(&base[side * 3..side * 3 + 3]),
            7 => {
                let high = if side == 0 {
                    usize::from(base[3] >> 4)
                } else {
                    usize::from(base[3] & 0x0F)
                };
                (high << 24) | be(&base[side * 4..side * 4 + 3])
            }
            _ => be(&base[side * 4..side * 4 + 4]),
        }
    };
    for node in 0..node_count {
        for side in 0..2 {
            let r = read(node, side);
            if r > node_count && (r < node_count + 16 || r - node_count - 16 >= data_len) {
                return Err(invalid(format!(
                    "node {node} points to {r}, outside the tree and the data section"
                )));
            }
        }
    }
    // Breadth-first from the root, so each node is first met on its shortest path: a lookup
    // walks at most `bits` levels, and a node first met deeper is out of every lookup's reach.
    let mut seen = vec![false; node_count];
    seen[0] = true;
    let mut queue = VecDeque::from([(0usize, 0u128, 0u32)]);
    let mut data: HashMap<usize, u128> = HashMap::new();
    while let Some((node, path, depth)) = queue.pop_front() {
        if depth >= bits {
            continue;
        }
        for side in 0..2 {
            let r = read(node, side);
            let child_path = (path << 1) | side as u128;
            if r < node_count {
                if !seen[r] {
                    seen[r] = true;
                    queue.push_back((r, child_path, depth + 1));
                }
            } else if r > node_count {
                // an address whose walk ends on this record
                let addr = child_path << (bits - depth - 1);
                data.entry(r).or_insert(addr);
            }
        }
    }
    for (pointer, addr) in data {
        let ip = if bits == 32 {
            IpAddr::V4(Ipv4Addr::from(addr as u32))
        } else {
            IpAddr::V6(Ipv6Addr::from(addr))
        };
        reader
            .lookup::<RawRecord<'_>>(ip)
            .map_err(|e| invalid(format!("data record at {pointer}: {e}")))?;
    }
    Ok(())
}

fn be(bytes: &[u8]) -> usize {
    bytes.iter().fold(0, |acc, &b| (acc << 8) | usize::from(b))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::mmdb_writer::{self, GeoRecord, Value};
    use proptest::prelude::*;

    fn rec(country: Option<&str>, region: Option<&str>, asn: Option<u32>) -> GeoRecord {
        GeoRecord {
            country: country.map(str::to_owned),
            region: region.map(str::to_owned),
            asn,
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn sample() -> GeoDb {
        let bytes = mmdb_writer::build(&[
            ((ip("81.2.69.0"), 24), rec(Some("GB"), Some("GB-ENG"), None)),
            (
                (ip("81.2.69.160"), 27),
                rec(Some("GB"), Some("GB-WLS"), Some(20712)),
            ),
            (
                (ip("52.32.0.0"), 11),
                rec(Some("US"), Some("US-OR"), Some(16509)),
            ),
            ((ip("2001:db8::"), 32), rec(Some("DE"), None, Some(3320))),
            ((ip("2001:db8:1::"), 48), rec(None, None, Some(64500))),
            ((ip("10.0.0.0"), 8), rec(None, None, None)),
        ])
        .unwrap();
        GeoDb::from_bytes(bytes).unwrap()
    }

    #[test]
    fn ipv4_networks_round_trip_through_the_reader() {
        let db = sample();
        let info = db.lookup(ip("52.40.1.2"));
        assert_eq!(info.country.unwrap().as_str(), "US");
        assert_eq!(info.region.as_deref(), Some("US-OR"));
        assert_eq!(info.asn, Some(16509));
        // the more specific network wins inside the less specific one
        assert_eq!(
            db.lookup(ip("81.2.69.170")).region.as_deref(),
            Some("GB-WLS")
        );
        assert_eq!(db.lookup(ip("81.2.69.170")).asn, Some(20712));
        assert_eq!(
            db.lookup(ip("81.2.69.10")).region.as_deref(),
            Some("GB-ENG")
        );
        assert_eq!(db.lookup(ip("81.2.69.10")).asn, None);
        // just outside the /11
        assert_eq!(db.lookup(ip("52.64.0.0")), GeoInfo::default());
        assert_eq!(db.lookup(ip("10.1.2.3")), GeoInfo::default());
    }

    #[test]
    fn ipv6_networks_round_trip_through_the_reader() {
        let db = sample();
        let de = db.lookup(ip("2001:db8:ffff::1"));
        assert_eq!(de.country.unwrap().as_str(), "DE");
        assert_eq!(de.region, None);
        assert_eq!(de.asn, Some(3320));
        let asn_only = db.lookup(ip("2001:db8:1::42"));
        assert_eq!(asn_only.country, None);
        assert_eq!(asn_only.asn, Some(64500));
        assert_eq!(db.lookup(ip("2001:db9::1")), GeoInfo::default());
    }

    #[test]
    fn mapped_ipv4_is_looked_up_as_ipv4() {
        let db = sample();
        assert_eq!(
            db.lookup(ip("::ffff:52.40.1.2")),
            db.lookup(ip("52.40.1.2"))
        );
    }

    #[test]
    fn labels_follow_aws_formats() {
        let db = sample();
        let info = db.lookup(ip("52.40.1.2"));
        assert_eq!(
            info.labels(GeoSource::ClientIp),
            [
                "awswaf:clientip:geo:country:US",
                "awswaf:clientip:geo:region:US-OR"
            ]
        );
        assert_eq!(
            info.country_label(GeoSource::ForwardedIp),
            "awswaf:forwardedip:geo:country:US"
        );
        let unknown = db.lookup(ip("192.0.2.1"));
        assert_eq!(
            unknown.labels(GeoSource::ClientIp),
            ["awswaf:clientip:geo:country:XX"]
        );
    }

    #[test]
    fn geolite2_shaped_records_with_names_are_read() {
        let city = Value::Map(vec![
            (
                "city".into(),
                Value::Map(vec![(
                    "names".into(),
                    Value::Map(vec![("en".into(), Value::String("Boardman".into()))]),
                )]),
            ),
            (
                "country".into(),
                Value::Map(vec![
                    ("geoname_id".into(), Value::Uint32(6252001)),
                    ("iso_code".into(), Value::String("US".into())),
                    ("is_in_european_union".into(), Value::Bool(false)),
                ]),
            ),
            (
                "location".into(),
                Value::Map(vec![("latitude".into(), Value::Double(45.8696))]),
            ),
            (
                "subdivisions".into(),
                Value::Array(vec![
                    Value::Map(vec![("iso_code".into(), Value::String("OR".into()))]),
                    Value::Map(vec![("iso_code".into(), Value::String("XYZ".into()))]),
                ]),
            ),
            (
                "traits".into(),
                Value::Map(vec![(
                    "autonomous_system_number".into(),
                    Value::Uint32(16509),
                )]),
            ),
        ]);
        let bytes =
            mmdb_writer::build_values(&[((ip("52.32.0.0"), 11), city)], "GeoIP2-City", 7).unwrap();
        let db = GeoDb::from_bytes(bytes).unwrap();
        assert_eq!(db.database_type(), "GeoIP2-City");
        assert_eq!(db.build_epoch(), 7);
        let info = db.lookup(ip("52.33.0.1"));
        assert_eq!(info.region.as_deref(), Some("US-OR"));
        assert_eq!(info.asn, Some(16509));
    }

    #[test]
    fn malformed_codes_are_unknown() {
        let bytes = mmdb_writer::build(&[((ip("198.51.100.0"), 24), rec(Some("USA"), None, None))])
            .unwrap();
        let db = GeoDb::from_bytes(bytes).unwrap();
        assert_eq!(db.lookup(ip("198.51.100.7")).country, None);
    }

    #[test]
    fn records_of_another_shape_are_rejected_at_load() {
        let bytes = mmdb_writer::build_values(
            &[((ip("198.51.100.0"), 24), Value::String("not a map".into()))],
            "Odd",
            0,
        )
        .unwrap();
        assert!(matches!(
            GeoDb::from_bytes(bytes),
            Err(GeoError::Invalid(_))
        ));
    }

    #[test]
    fn garbage_is_rejected_not_panicked_on() {
        assert!(GeoDb::from_bytes(Vec::new()).is_err());
        assert!(GeoDb::from_bytes(b"hello".to_vec()).is_err());
        let good =
            mmdb_writer::build(&[((ip("1.0.0.0"), 8), rec(Some("AU"), None, None))]).unwrap();
        // a tree record pointing past the data section
        let mut bad = good.clone();
        bad[0] = 0xFF;
        bad[1] = 0xFF;
        bad[2] = 0xF0;
        assert!(GeoDb::from_bytes(bad).is_err());
        // truncated before the metadata
        let cut = good.len() / 2;
        assert!(GeoDb::from_bytes(good[cut..].to_vec()).is_err());
    }

    #[test]
    fn open_reads_a_file() {
        let dir = std::env::temp_dir().join(format!("rampart-geo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("test.mmdb");
        let bytes =
            mmdb_writer::build(&[((ip("1.0.0.0"), 8), rec(Some("AU"), None, None))]).unwrap();
        std::fs::write(&path, bytes).unwrap();
        let db = GeoDb::open(&path).unwrap();
        assert_eq!(db.lookup(ip("1.2.3.4")).country_or_unknown(), "AU");
        assert!(matches!(
            GeoDb::open(dir.join("missing.mmdb")),
            Err(GeoError::Io { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn every_record_size_is_read() {
        let mut nets = Vec::new();
        for i in 0..300u32 {
            let a = Ipv4Addr::from(0x0B00_0000 + (i << 8));
            let v = mmdb_writer::geo_value(&rec(Some("NL"), None, Some(i))).unwrap();
            nets.push(((IpAddr::V4(a), 24), v));
        }
        nets.push(((ip("2001:db8::"), 32), Value::Map(vec![])));
        for size in [24, 28, 32] {
            let bytes = mmdb_writer::build_with_record_size(&nets, "T", 0, size).unwrap();
            let db = GeoDb::from_bytes(bytes).unwrap();
            assert_eq!(db.reader.metadata.record_size, size);
            for i in [0u32, 1, 150, 299] {
                let a = Ipv4Addr::from(0x0B00_0000 + (i << 8) + 5);
                assert_eq!(db.lookup(IpAddr::V4(a)).asn, Some(i), "record size {size}");
            }
            assert_eq!(db.lookup(ip("2001:db8::1")), GeoInfo::default());
        }
    }

    fn arb_net() -> impl Strategy<Value = (IpAddr, u8)> {
        prop_oneof![
            (any::<u32>(), 0u8..=32).prop_map(|(a, p)| {
                let mask = if p == 0 {
                    0
                } else {
                    u32::MAX << (32 - u32::from(p))
                };
                (IpAddr::V4(Ipv4Addr::from(a & mask)), p)
            }),
            (any::<u128>(), 1u8..=128).prop_map(|(a, p)| {
                let mask = u128::MAX << (128 - u32::from(p));
                (IpAddr::V6(Ipv6Addr::from(a & mask)), p)
            }),
        ]
    }

    /// The address's bits in the 128-bit tree, IPv4 under `::/96` as readers place it.
    fn tree_bits(ip: IpAddr) -> u128 {
        match ip {
            IpAddr::V4(a) => u128::from(u32::from(a)),
            IpAddr::V6(a) => a
                .to_ipv4_mapped()
                .map_or(u128::from(a), |v4| u128::from(u32::from(v4))),
        }
    }

    fn contains(net: (IpAddr, u8), ip: IpAddr) -> bool {
        let (nb, p) = match net.0 {
            IpAddr::V4(a) => (u128::from(u32::from(a)), u32::from(net.1) + 96),
            IpAddr::V6(a) => (u128::from(a), u32::from(net.1)),
        };
        p == 0 || (nb ^ tree_bits(ip)) >> (128 - p) == 0
    }

    proptest! {
        // The longest matching prefix decides, as the oracle (a linear scan) says.
        #[test]
        fn lookups_match_a_linear_scan(
            nets in proptest::collection::vec((arb_net(), 1u32..1000), 1..12),
            probes in proptest::collection::vec(arb_net(), 1..12),
        ) {
            let input: Vec<_> = nets
                .iter()
                .map(|&(net, asn)| (net, rec(None, None, Some(asn))))
                .collect();
            let db = GeoDb::from_bytes(mmdb_writer::build(&input).unwrap()).unwrap();
            // probe each network's own address, and random addresses
            let addrs = nets.iter().map(|(n, _)| n.0).chain(probes.iter().map(|p| p.0));
            for a in addrs {
                let mut best: Option<(u8, u32)> = None;
                for &(net, asn) in &nets {
                    let len = if net.0.is_ipv4() { net.1 + 96 } else { net.1 };
                    // later identical networks win: >=
                    if contains(net, a) && best.is_none_or(|(p, _)| len >= p) {
                        best = Some((len, asn));
                    }
                }
                prop_assert_eq!(db.lookup(a).asn, best.map(|(_, asn)| asn), "address {}", a);
            }
        }

        // A corrupted file is rejected, or loads and answers every lookup: never a panic.
        #[test]
        fn corrupted_databases_do_not_panic(
            flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
            probes in proptest::collection::vec(arb_net(), 1..6),
        ) {
            let good = mmdb_writer::build(&[
                ((ip("81.2.69.0"), 24), rec(Some("GB"), Some("GB-ENG"), Some(1))),
                ((ip("2001:db8::"), 32), rec(Some("DE"), None, Some(3320))),
            ])
            .unwrap();
            let mut bad = good.clone();
            for (i, b) in flips {
                let at = i.index(bad.len());
                bad[at] = b;
            }
            if let Ok(db) = GeoDb::from_bytes(bad) {
                for p in probes {
                    let _ = db.lookup(p.0);
                }
                let _ = db.lookup(ip("81.2.69.1"));
            }
        }
    }
}
