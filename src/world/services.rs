//! The HTTP services a world's containers may run: the weave router (image `weaveworks/weave`) and
//! weaveDNS (`weaveworks/weavedns`), as their status reports show them. Every key has a default:
//! a router or weaveDNS container with no table is one freshly launched, knowing no other peer
//! and no name.
//!
//! Go prints some of this state from maps, in an order that changes from run to run; a world
//! gives such lists in the order the report is to show them.

use super::addr::valid_mac;
use serde::{Deserialize, Serialize};

/// What the router's `Status()` shows beyond what the rest of the world says (its interface is
/// the container's `ethwe`, its name by default the host's weave bridge MAC, as `weave launch`
/// passes it).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Router {
    /// The version line's version; unset, the image's tag (`0.10.0` for none or `latest`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Whether a password was given (`Encryption on`).
    pub encryption: bool,
    /// Our peer name, a MAC; unset, the host's `weave` bridge's MAC (`-name $MACADDR`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Our nickname; unset, the host's name (`-nickname "$(hostname)"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    /// Our peer's UID, a random uint64 in Go, written as a string (TOML's integers stop at
    /// 2^63); unset, one derived from the container id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// Our peer's topology version (0 until a connection comes or goes).
    pub peer_version: u64,
    /// The router's clock as Go prints a `time.Time` (`2006-01-02 15:04:05.999999999 -0700 MST`):
    /// when our MAC was seen, and when a target asked for by `connect` is tried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock: Option<String>,
    /// The port peers connect to (`-port`), added to a peer given without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// The MAC cache beyond our interface's own MAC (seen by us at `clock`, and listed first).
    #[serde(rename = "mac", skip_serializing_if = "Vec::is_empty")]
    pub macs: Vec<MacEntry>,
    /// Our connections.
    #[serde(rename = "connection", skip_serializing_if = "Vec::is_empty")]
    pub connections: Vec<Connection>,
    /// The other peers we know, after ourselves.
    #[serde(rename = "peer", skip_serializing_if = "Vec::is_empty")]
    pub peers: Vec<Peer>,
    /// Unicast routes, `peer -> next hop`; unset, ours only (to the unknown peer `00:00:00:00:00:00`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unicast: Option<Vec<Unicast>>,
    /// Broadcast routes, `peer -> [hops]`; unset, ours only (no hops).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broadcast: Option<Vec<Broadcast>>,
    /// Addresses the router is trying to connect to, or will try again.
    #[serde(rename = "reconnect", skip_serializing_if = "Vec::is_empty")]
    pub reconnects: Vec<Reconnect>,
    /// It runs but never answers HTTP: `wait_for_status` times out on it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub silent: bool,
}

/// A MAC the router has seen, and the peer it was seen behind (`NAME(NICKNAME)`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MacEntry {
    pub mac: String,
    pub peer: String,
    /// When, as Go prints a time.
    pub seen: String,
}

/// A peer other than ourselves.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Peer {
    pub name: String,
    pub nickname: String,
    #[serde(default)]
    pub version: u64,
    /// A uint64, written as a string.
    pub uid: String,
    #[serde(default, rename = "connection", skip_serializing_if = "Vec::is_empty")]
    pub connections: Vec<Connection>,
}

/// A connection of a peer to another (`NAME(NICKNAME)`), at the other's TCP address.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Connection {
    pub to: String,
    pub address: String,
    #[serde(default = "yes")]
    pub established: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Unicast {
    pub peer: String,
    pub via: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Broadcast {
    pub peer: String,
    #[serde(default)]
    pub hops: Vec<String>,
}

/// A target of the connection maker: an address (`IP:PORT`), the peer argument that asked for it
/// (`weave connect`, or launch's peers), whether an attempt is under way, the last attempt's
/// error, and when it was tried or is to be tried next.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Reconnect {
    pub address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asked: Option<String>,
    #[serde(default)]
    pub attempting: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub at: String,
}

/// What weaveDNS's `Status()` shows beyond the rest of the world (its mDNS interface is the
/// container's `ethwe`).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Dns {
    /// The version line's version; unset, the image's tag (`0.10.0` for none or `latest`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `-domain`: names outside it are not recorded.
    pub domain: String,
    /// `-dnsport`, as the listen address shows it.
    pub listen: String,
    /// The container's `/etc/resolv.conf`, as the fallback config.
    pub fallback: Fallback,
    /// The zone, in the order the records were added.
    #[serde(rename = "record", skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<Record>,
    /// It runs but never answers HTTP.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub silent: bool,
}

impl Default for Dns {
    fn default() -> Self {
        Dns {
            version: None,
            domain: "weave.local.".into(),
            listen: ":53".into(),
            fallback: Fallback::default(),
            records: Vec::new(),
            silent: false,
        }
    }
}

/// A resolver config as miekg/dns reads it from a resolv.conf.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Fallback {
    /// `nameserver` lines; the default world's is VirtualBox NAT's resolver, as its eth0 suggests.
    pub servers: Vec<String>,
    pub search: Vec<String>,
    pub port: String,
    pub ndots: u32,
    pub timeout: u32,
    pub attempts: u32,
}

impl Default for Fallback {
    fn default() -> Self {
        Fallback {
            servers: vec!["10.0.2.3".into()],
            search: Vec::new(),
            port: "53".into(),
            ndots: 1,
            timeout: 5,
            attempts: 2,
        }
    }
}

/// A zone record: the container id, its address and its fully qualified name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub ident: String,
    pub ip: String,
    pub name: String,
}

fn yes() -> bool {
    true
}

/// The version a service's image tag stands for.
pub fn image_version(image: &str) -> String {
    super::image::tag(image).filter(|&tag| tag != "latest").unwrap_or("0.10.0").to_string()
}

/// The default router clock: a moment of weave 0.10.0's release month.
pub const CLOCK: &str = "2015-05-27 10:30:00.123456789 +0000 UTC";

/// The image a service runs from, without its tag.
pub const ROUTER_IMAGE: &str = "weaveworks/weave";
pub const DNS_IMAGE: &str = "weaveworks/weavedns";

/// Whether `image` (any tag) is `repository`.
pub fn runs(image: &str, repository: &str) -> bool {
    super::image::repository(image) == repository
}

/// What is wrong with the service tables of a container of `image`, if anything: a piece of the
/// text to point at, and the message.
pub fn problem(image: &str, router: Option<&Router>, dns: Option<&Dns>) -> Option<(String, String)> {
    let bad_mac = |mac: &str| (!valid_mac(mac)).then(|| (mac.to_string(), format!("{mac:?} is not a MAC")));
    if let Some(r) = router {
        if !runs(image, ROUTER_IMAGE) {
            return Some((
                "container.router".into(),
                format!("a router table, but the image is {image:?}, not {ROUTER_IMAGE}"),
            ));
        }
        let names = r.name.iter().chain(r.peers.iter().map(|p| &p.name));
        let macs = r.macs.iter().map(|m| &m.mac);
        if let Some(p) = names.chain(macs).find_map(|m| bad_mac(m)) {
            return Some(p);
        }
        let uids = r.uid.iter().chain(r.peers.iter().map(|p| &p.uid));
        if let Some(uid) = uids.into_iter().find(|u| u.parse::<u64>().is_err()) {
            return Some((uid.clone(), format!("uid {uid:?} is not a uint64")));
        }
    }
    if let Some(d) = dns {
        if !runs(image, DNS_IMAGE) {
            return Some(("container.dns".into(), format!("a dns table, but the image is {image:?}, not {DNS_IMAGE}")));
        }
        if let Some(r) = d.records.iter().find(|r| r.ip.parse::<std::net::IpAddr>().is_err()) {
            return Some((r.ip.clone(), format!("record ip {:?} is not an IP address", r.ip)));
        }
    }
    None
}
