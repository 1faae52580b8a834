//! The addresses a world is written in and the fakes' network model computes with: IPv4 addresses
//! with a prefix, and MACs. Here, below both, so that the world can check its own addresses without
//! the fakes.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::Ipv4Addr;

/// An IPv4 address with its prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Cidr {
    pub ip: Ipv4Addr,
    pub len: u8,
}

impl Cidr {
    /// `A.B.C.D/N`, or a bare address as `/32`.
    pub fn parse(text: &str) -> Option<Cidr> {
        let (ip, len) = match text.split_once('/') {
            Some((ip, len)) if !len.is_empty() && len.bytes().all(|b| b.is_ascii_digit()) => (ip, len.parse().ok()?),
            Some(_) => return None,
            None => (text, 32),
        };
        (len <= 32).then_some(())?;
        Some(Cidr { ip: ip.parse().ok()?, len })
    }

    fn mask(self) -> u32 {
        if self.len == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(self.len))
        }
    }

    /// The network this address is in (`10.2.0.0/24` for `10.2.0.1/24`).
    pub fn network(self) -> Cidr {
        Cidr { ip: Ipv4Addr::from(u32::from(self.ip) & self.mask()), len: self.len }
    }

    pub fn contains(self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & self.mask() == u32::from(self.ip) & self.mask()
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.ip, self.len)
    }
}

impl From<Cidr> for String {
    fn from(c: Cidr) -> String {
        c.to_string()
    }
}

impl TryFrom<String> for Cidr {
    type Error = String;
    fn try_from(s: String) -> Result<Cidr, String> {
        Cidr::parse(&s).ok_or_else(|| format!("not an IPv4 address with a prefix length: {s:?}"))
    }
}

/// A stable pseudo-random 64 bits of some text (FNV-1a, then a splitmix64 finish).
pub fn hash64(parts: &[&[u8]]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325_u64;
    for p in parts {
        for &b in p.iter().chain(&[0xff]) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// A locally administered unicast MAC derived from `parts`, as the kernel's random ones look.
pub fn derived_mac(parts: &[&[u8]]) -> String {
    let b = hash64(parts).to_be_bytes();
    let first = (b[0] & 0xfe) | 0x02;
    format!("{first:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", b[1], b[2], b[3], b[4], b[5])
}

/// Whether `mac` is six colon-separated hex pairs.
pub fn valid_mac(mac: &str) -> bool {
    let parts: Vec<&str> = mac.split(':').collect();
    parts.len() == 6 && parts.iter().all(|p| !p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `mac` with two lowercase digits a byte, as the kernel reports it.
pub fn normal_mac(mac: &str) -> String {
    mac.split(':').map(|p| format!("{:0>2}", p.to_ascii_lowercase())).collect::<Vec<_>>().join(":")
}
