//! The network the local side changes: namespaces with their links, addresses and routes, and the
//! iptables tables. The commands over it are apart: [`ip`], [`iptables`], the `sh -c` that
//! `ip netns exec` runs ([`sh`]), and the text of a golden's `~~~ state` ([`render`]).
//!
//! Only what weave 0.10's local side touches is modelled, in the words of iproute2 ss140804 and
//! iptables 1.4.21 on a 3.16 kernel: IPv4 addresses only, the main routing table only.

pub mod ip;
pub mod iptables;
pub mod render;
pub mod sh;

use super::Reply;
use crate::world::addr::{derived_mac, normal_mac, Cidr};
use crate::world::iptables::{world_tables, Table};
use crate::world::{LinkKind, World};
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

/// The host's network namespace, as `readlink /proc/1/ns/net` names it.
pub const HOST_NETNS_INODE: u64 = 4026531992;
/// The first inode a namespace made during a run gets; the next count up from it.
const FIRST_NETNS_INODE: u64 = 4026532200;

/// The ARP settings of a link (`/proc/sys/net/ipv4/neigh/NAME/...`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Arp {
    pub base_reachable_time: u32,
    pub delay_first_probe_time: u32,
    pub ucast_solicit: u32,
}

impl Default for Arp {
    fn default() -> Self {
        Arp { base_reachable_time: 30, delay_first_probe_time: 5, ucast_solicit: 3 }
    }
}

/// The other end of a veth: its namespace (by inode) and index there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Peer {
    pub netns: u64,
    pub ifindex: u32,
}

/// A link in a namespace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetLink {
    pub ifindex: u32,
    pub name: String,
    pub kind: LinkKind,
    pub mtu: u32,
    pub mac: String,
    /// The bridge (by index, in the same namespace) it is a port of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master: Option<u32>,
    pub up: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<Peer>,
    #[serde(default)]
    pub addresses: Vec<Cidr>,
    #[serde(default)]
    pub arp: Arp,
    /// A link of the world's host: its carrier is as the world says (the ports of the world's
    /// bridges, such as docker0's containers' veths, are not modelled).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub world: bool,
}

/// A route someone added (`ip route add`, docker's default route); the kernel's own routes for
/// the addresses of up links are derived when shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    pub dest: Cidr,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<Ipv4Addr>,
    /// The link's index.
    pub dev: u32,
}

/// A network namespace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Netns {
    pub inode: u64,
    pub links: Vec<NetLink>,
    #[serde(default)]
    pub routes: Vec<Route>,
    pub next_ifindex: u32,
}

/// The network of the host and its containers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Net {
    /// The host's first.
    pub namespaces: Vec<Netns>,
    pub next_inode: u64,
    pub tables: Vec<Table>,
    /// How many times `/dev/urandom` has been read.
    #[serde(default)]
    pub random_draws: u64,
    /// The world's connection tracking flows that `conntrack -D` has deleted, by index.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flows_deleted: Vec<usize>,
}

fn default_mtu(kind: LinkKind) -> u32 {
    if kind == LinkKind::Loopback {
        65536
    } else {
        1500
    }
}

impl Netns {
    pub fn link(&self, name: &str) -> Option<&NetLink> {
        self.links.iter().find(|l| l.name == name)
    }

    fn link_mut(&mut self, name: &str) -> Option<&mut NetLink> {
        self.links.iter_mut().find(|l| l.name == name)
    }

    fn by_index(&self, ifindex: u32) -> Option<&NetLink> {
        self.links.iter().find(|l| l.ifindex == ifindex)
    }

    fn alloc_ifindex(&mut self) -> u32 {
        let n = self.next_ifindex;
        self.next_ifindex += 1;
        n
    }

    /// The routes `ip route show` lists: the kernel's for the primary address of each subnet of
    /// each up link (but the loopback's, which live in the local table), and the added ones.
    pub fn shown_routes(&self) -> Vec<(Cidr, Option<Ipv4Addr>, u32, Option<Ipv4Addr>)> {
        let mut routes = Vec::new();
        for l in self.links.iter().filter(|l| l.up && l.kind != LinkKind::Loopback) {
            let mut seen: Vec<Cidr> = Vec::new();
            for a in &l.addresses {
                let net = a.network();
                if a.len < 32 && !seen.contains(&net) {
                    seen.push(net);
                    routes.push((net, None, l.ifindex, Some(a.ip)));
                }
            }
        }
        routes.extend(self.routes.iter().map(|r| (r.dest, r.via, r.dev, None)));
        routes.sort_by_key(|r| (u32::from(r.0.ip), std::cmp::Reverse(r.0.len)));
        routes
    }

    /// Whether `addr` is a secondary address of its link: another address of the same subnet
    /// came first.
    fn is_secondary(link: &NetLink, addr: Cidr) -> bool {
        link.addresses.iter().take_while(|a| **a != addr).any(|a| a.network() == addr.network())
    }
}

impl NetLink {
    fn new(ifindex: u32, name: &str, kind: LinkKind, mac: String) -> NetLink {
        NetLink {
            ifindex,
            name: name.to_string(),
            kind,
            mtu: default_mtu(kind),
            mac,
            master: None,
            up: false,
            peer: None,
            addresses: Vec::new(),
            arp: Arp::default(),
            world: false,
        }
    }
}

impl Net {
    /// The network as the world has it when a run starts (no containers yet: docker adds them).
    pub fn from_world(world: &World) -> Net {
        let mut host = Netns { inode: HOST_NETNS_INODE, links: Vec::new(), routes: Vec::new(), next_ifindex: 1 };
        for l in &world.host.links {
            let ifindex = host.alloc_ifindex();
            let mac = match (&l.mac, l.kind) {
                (Some(m), _) => normal_mac(m),
                (None, LinkKind::Loopback) => "00:00:00:00:00:00".to_string(),
                (None, _) => derived_mac(&[l.name.as_bytes()]),
            };
            let mut link = NetLink::new(ifindex, &l.name, l.kind, mac);
            link.mtu = l.mtu.unwrap_or(default_mtu(l.kind));
            link.up = l.up;
            link.world = true;
            link.addresses = l.addresses.iter().filter_map(|a| Cidr::parse(a)).collect();
            host.links.push(link);
        }
        for l in &world.host.links {
            if let Some(master) = &l.master {
                let m = host.link(master).map(|m| m.ifindex);
                if let Some(link) = host.link_mut(&l.name) {
                    link.master = m;
                }
            }
        }
        // A world is checked when loaded; a line that does not apply here is left out.
        let (tables, _) = world_tables(&world.host.iptables);
        Net {
            namespaces: vec![host],
            next_inode: FIRST_NETNS_INODE,
            tables,
            random_draws: 0,
            flows_deleted: Vec::new(),
        }
    }

    pub fn host(&self) -> &Netns {
        &self.namespaces[0]
    }

    pub fn ns(&self, inode: u64) -> Option<&Netns> {
        self.namespaces.iter().find(|n| n.inode == inode)
    }

    fn ns_mut(&mut self, inode: u64) -> Option<&mut Netns> {
        self.namespaces.iter_mut().find(|n| n.inode == inode)
    }

    /// The docker bridge's address: docker0's first, else docker's default.
    pub fn docker_bridge(&self) -> Cidr {
        self.host()
            .link("docker0")
            .and_then(|l| l.addresses.first().copied())
            .unwrap_or(Cidr { ip: Ipv4Addr::new(172, 17, 42, 1), len: 16 })
    }

    /// A new namespace for a container: `lo`, and with an address, `eth0` on the docker bridge
    /// with docker's MAC for it and its default route. Returns its inode.
    pub fn add_container_ns(&mut self, address: Option<Cidr>) -> u64 {
        let inode = self.next_inode;
        self.next_inode += 1;
        let mut ns = Netns { inode, links: Vec::new(), routes: Vec::new(), next_ifindex: 2 };
        let mut lo = NetLink::new(1, "lo", LinkKind::Loopback, "00:00:00:00:00:00".into());
        lo.up = true;
        lo.addresses.push(Cidr { ip: Ipv4Addr::LOCALHOST, len: 8 });
        ns.links.push(lo);
        if let Some(address) = address {
            // The kernel of 3.16 numbers links per namespace; docker makes the pair on the host
            // and moves this end in, keeping the host's number.
            let ifindex = self.namespaces[0].alloc_ifindex();
            ns.next_ifindex = ns.next_ifindex.max(ifindex + 1);
            let o = address.ip.octets();
            let mac = format!("02:42:{:02x}:{:02x}:{:02x}:{:02x}", o[0], o[1], o[2], o[3]);
            let mut eth0 = NetLink::new(ifindex, "eth0", LinkKind::Veth, mac);
            eth0.up = true;
            eth0.addresses.push(address);
            ns.links.push(eth0);
            let gateway = self.docker_bridge().ip;
            ns.routes.push(Route {
                dest: Cidr { ip: Ipv4Addr::UNSPECIFIED, len: 0 },
                via: Some(gateway),
                dev: ifindex,
            });
        }
        self.namespaces.push(ns);
        inode
    }

    /// The weave bridge's MAC: the host's `weave` link's, or the one it gets when made here.
    pub fn weave_bridge_mac(&self) -> String {
        self.host().link("weave").map_or_else(|| derived_mac(&[b"weave"]), |l| l.mac.clone())
    }

    /// What an earlier attach left (see the world's `weave` key), or with no addresses what
    /// launch left: the container in namespace `inode` (pid `pid`) has `ethwe` with `addresses`,
    /// its peer on the weave bridge, and where it has addresses the multicast route attach adds.
    pub fn attach_weave(&mut self, inode: u64, pid: u32, addresses: &[Cidr]) {
        if inode == HOST_NETNS_INODE || self.ns(inode).is_none() {
            return;
        }
        if self.host().link("weave").is_none() {
            let ifindex = self.namespaces[0].alloc_ifindex();
            let mut bridge = NetLink::new(ifindex, "weave", LinkKind::Bridge, self.weave_bridge_mac());
            (bridge.mtu, bridge.up) = (65535, true);
            self.namespaces[0].links.push(bridge);
        }
        let master = self.host().link("weave").map(|b| b.ifindex);
        let local = self.namespaces[0].alloc_ifindex();
        let guest = {
            let ns = self.ns_mut(inode).expect("checked above");
            ns.alloc_ifindex()
        };
        let name = format!("vethwepl{pid}");
        let mut host_end = NetLink::new(local, &name, LinkKind::Veth, derived_mac(&[name.as_bytes()]));
        (host_end.mtu, host_end.up, host_end.master) = (65535, true, master);
        host_end.peer = Some(Peer { netns: inode, ifindex: guest });
        self.namespaces[0].links.push(host_end);
        let mut ethwe = NetLink::new(guest, "ethwe", LinkKind::Veth, derived_mac(&[b"ethwe", name.as_bytes()]));
        (ethwe.mtu, ethwe.up) = (65535, true);
        ethwe.peer = Some(Peer { netns: HOST_NETNS_INODE, ifindex: local });
        ethwe.addresses = addresses.to_vec();
        let ns = self.ns_mut(inode).expect("checked above");
        ns.links.push(ethwe);
        if !addresses.is_empty() {
            ns.routes.push(Route { dest: Cidr { ip: Ipv4Addr::new(224, 0, 0, 0), len: 4 }, via: None, dev: guest });
        }
    }

    /// Drops a container's namespace (its process ended): its links go, and the veth peers of
    /// them elsewhere with them.
    pub fn remove_ns(&mut self, inode: u64) {
        if inode == HOST_NETNS_INODE {
            return;
        }
        let Some(ns) = self.ns(inode) else { return };
        let peers: Vec<Peer> = ns.links.iter().filter_map(|l| l.peer).collect();
        self.namespaces.retain(|n| n.inode != inode);
        for p in peers {
            self.delete_link(p.netns, p.ifindex);
        }
    }

    /// Deletes a link and its veth peer, their routes, and their ports' membership.
    fn delete_link(&mut self, inode: u64, ifindex: u32) {
        let Some(ns) = self.ns_mut(inode) else { return };
        let Some(pos) = ns.links.iter().position(|l| l.ifindex == ifindex) else { return };
        let link = ns.links.remove(pos);
        ns.routes.retain(|r| r.dev != ifindex);
        for l in &mut ns.links {
            if l.master == Some(ifindex) {
                l.master = None;
            }
        }
        if let Some(p) = link.peer {
            self.delete_link(p.netns, p.ifindex);
        }
    }

    /// The `n`-th six bytes of `/dev/urandom` of a world seeded with `seed`.
    pub fn random_bytes(&mut self, seed: u64) -> [u8; 6] {
        use rand::{RngCore, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        rng.set_word_pos(u128::from(self.random_draws) * 2);
        self.random_draws += 1;
        let mut bytes = [0u8; 8];
        rng.fill_bytes(&mut bytes);
        [bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5]]
    }
}

fn reply(stdout: String) -> Reply {
    Reply { stdout: stdout.into_bytes(), ..Reply::default() }
}

fn fail(stderr: String, status: i32) -> Reply {
    Reply { stderr: stderr.into_bytes(), status, ..Reply::default() }
}

fn text(w: &[u8]) -> String {
    String::from_utf8_lossy(w).into_owned()
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod fixture_tests {
    use crate::fake::State;
    use crate::world::World;

    #[test]
    fn every_fixture_world_loads_and_builds() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/worlds");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let world = World::load(&path).unwrap_or_else(|e| panic!("{e}"));
            let rendered = State::new(&world).render();
            assert!(rendered.starts_with("containers\n"), "{}", path.display());
        }
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/worlds/local-attach-ready.toml");
        let state = State::new(&World::load(&path).unwrap());
        let rendered = state.render();
        assert!(
            rendered.contains("  c1 5f1c0d2e9b8a running pid 4242 ip 172.17.0.2\n  old 9a8b7c6d5e4f stopped\n"),
            "{rendered}"
        );
        assert!(rendered.contains("  4: weave bridge mtu 65535 up 7a:3e:51:0c:22:81\n"), "{rendered}");
        assert!(rendered.contains("iptables -t filter\n  -A FORWARD -i weave -o weave -j ACCEPT\n"), "{rendered}");
    }
}
