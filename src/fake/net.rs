//! The network the local side changes: namespaces with their links, addresses and routes, and the
//! iptables tables; with the `ip` and `iptables` models over them.
//!
//! Only what weave 0.10's local side touches is modelled, in the words of iproute2 ss140804 and
//! iptables 1.4.21 on a 3.16 kernel: IPv4 addresses only, the main routing table only.

use super::Reply;
use crate::fs::Fs;
use crate::world::addr::{derived_mac, normal_mac, valid_mac, Cidr};
use crate::world::iptables::{self, rules_s, Table};
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
        let tables = iptables::empty_tables();
        let mut net = Net { namespaces: vec![host], next_inode: FIRST_NETNS_INODE, tables, random_draws: 0 };
        for line in &world.host.iptables {
            // A world is checked when loaded; a line that does not apply here is left out.
            let _ = iptables::apply_world_rule(&mut net.tables, line);
        }
        net
    }

    /// `iptables ARGS`; `w_ok` says whether this iptables knows `-w`.
    pub fn iptables(&mut self, w_ok: bool, argv: &[Vec<u8>]) -> Reply {
        let out = iptables::iptables(&mut self.tables, w_ok, argv);
        Reply {
            stdout: out.stdout.into_bytes(),
            stderr: out.stderr.into_bytes(),
            status: out.status,
            ..Reply::default()
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

    /// What an earlier attach left (see the world's `weave` key): the container in namespace
    /// `inode` (pid `pid`) has `ethwe` with `addresses`, its peer on the weave bridge.
    pub fn attach_weave(&mut self, inode: u64, pid: u32, addresses: &[Cidr]) {
        if inode == HOST_NETNS_INODE || self.ns(inode).is_none() {
            return;
        }
        if self.host().link("weave").is_none() {
            let ifindex = self.namespaces[0].alloc_ifindex();
            let mut bridge = NetLink::new(ifindex, "weave", LinkKind::Bridge, derived_mac(&[b"weave"]));
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
        ns.routes.push(Route { dest: Cidr { ip: Ipv4Addr::new(224, 0, 0, 0), len: 4 }, via: None, dev: guest });
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

/// The objects of `ip` in the order its prefix matching tries them.
const IP_OBJECTS: [&str; 20] = [
    "address",
    "addrlabel",
    "maddress",
    "route",
    "rule",
    "neighbor",
    "neighbour",
    "ntable",
    "ntbl",
    "link",
    "l2tp",
    "tunnel",
    "tuntap",
    "tap",
    "monitor",
    "xfrm",
    "mroute",
    "mrule",
    "netns",
    "netconf",
];

fn matches(word: &[u8], full: &str) -> bool {
    !word.is_empty() && full.as_bytes().starts_with(word)
}

/// What `ip` needs besides the network: the world, and the filesystem where `ip netns` finds names.
pub struct IpCtx<'a> {
    pub world: &'a World,
    pub fs: &'a dyn Fs,
    /// The running containers' pids and namespaces (`ip link set X netns PID`).
    pub pids: Vec<(u32, u64)>,
    /// Runs a fake in a namespace for `ip netns exec`; `None` when no fake of that name runs there.
    /// Given by the fakes' registry, which `ip` is one row of.
    pub exec: ExecInNetns,
}

/// How `ip netns exec` runs another fake in a namespace (see [`IpCtx::exec`]).
pub type ExecInNetns = fn(&IpCtx, &mut Net, u64, &[Vec<u8>]) -> Option<Reply>;

/// `ip ARGS` in the namespace `inode`. `argv[0]` is `ip`.
pub fn ip(cx: &IpCtx, net: &mut Net, inode: u64, argv: &[Vec<u8>]) -> Reply {
    let mut args: Vec<&[u8]> = argv.iter().skip(1).map(Vec::as_slice).collect();
    let mut family4 = true;
    let mut family_given = false;
    while let Some(first) = args.first().copied() {
        match first {
            b"-V" | b"-Version" => return reply(format!("{}\n", cx.world.host.ip_version)),
            b"-4" => family_given = true,
            b"-6" | b"-0" => (family4, family_given) = (false, true),
            b"-f" | b"-family" => {
                let Some(f) = args.get(1).copied() else {
                    return fail("Command line is not complete. Try option \"help\"\n".into(), 255);
                };
                family_given = true;
                family4 = f == b"inet";
                args.remove(0);
            }
            _ => break,
        }
        args.remove(0);
    }
    let Some(object) = args.first().copied() else {
        return fail(IP_USAGE.into(), 255);
    };
    let rest = &args[1..];
    let object = IP_OBJECTS.iter().find(|o| matches(object, o)).copied();
    match object {
        Some("link") => ip_link(cx, net, inode, rest, argv),
        Some("address") => ip_addr(net, inode, rest, family4, family_given, argv),
        Some("route") => ip_route(net, inode, rest, argv),
        Some("netns") if cx.world.host.netns => ip_netns(cx, net, inode, rest, argv),
        Some("netns") | None => fail(format!("Object \"{}\" is unknown, try \"ip help\".\n", text(args[0])), 255),
        Some(_) => Reply::not_modeled_call(argv),
    }
}

const IP_USAGE: &str = "Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n       ip [ -force ] -batch filename\nwhere  OBJECT := { link | addr | addrlabel | route | rule | neigh | ntable |\n                   tunnel | tuntap | maddr | mroute | mrule | monitor | xfrm |\n                   netns | l2tp | tcp_metrics | token }\n       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[esolve] |\n                    -f[amily] { inet | inet6 | ipx | dnet | bridge | link } |\n                    -4 | -6 | -I | -D | -B | -0 |\n                    -l[oops] { maximum-addr-flush-attempts } |\n                    -o[neline] | -t[imestamp] | -b[atch] [filename] |\n                    -rc[vbuf] [size]}\n";

fn no_device(name: &[u8]) -> Reply {
    fail(format!("Cannot find device \"{}\"\n", text(name)), 1)
}

fn does_not_exist(name: &[u8]) -> Reply {
    fail(format!("Device \"{}\" does not exist.\n", text(name)), 1)
}

fn rtnetlink(what: &str) -> Reply {
    fail(format!("RTNETLINK answers: {what}\n"), 2)
}

/// The flags and state words of a link as `ip` shows them.
fn link_flags(ns: &Netns, net: &Net, l: &NetLink) -> (String, &'static str) {
    let carrier = match l.kind {
        _ if l.world => true,
        LinkKind::Bridge => ns.links.iter().any(|p| p.master == Some(l.ifindex) && p.up && peer_up(net, p)),
        LinkKind::Veth => peer_up(net, l),
        _ => true,
    };
    let base = match l.kind {
        LinkKind::Loopback => "LOOPBACK",
        LinkKind::Dummy => "BROADCAST,NOARP",
        _ => "BROADCAST,MULTICAST",
    };
    if !l.up {
        return (base.to_string(), "DOWN");
    }
    if !carrier {
        let state = if l.kind == LinkKind::Veth { "LOWERLAYERDOWN" } else { "DOWN" };
        return (format!("NO-CARRIER,{base},UP"), state);
    }
    let state = match l.kind {
        LinkKind::Loopback | LinkKind::Dummy => "UNKNOWN",
        _ => "UP",
    };
    (format!("{base},UP,LOWER_UP"), state)
}

/// Whether a veth's other end is up (an end without a modelled peer always is).
fn peer_up(net: &Net, l: &NetLink) -> bool {
    match l.peer {
        Some(p) => net.ns(p.netns).and_then(|n| n.by_index(p.ifindex)).is_some_and(|p| p.up),
        None => true,
    }
}

/// The first line of a link in `ip link` (`mode` given) or `ip addr` form.
fn link_header(net: &Net, ns: &Netns, l: &NetLink, link_mode: bool) -> String {
    let (flags, state) = link_flags(ns, net, l);
    let (qdisc, qlen) = match (l.up, l.kind) {
        (false, _) => ("noop", matches!(l.kind, LinkKind::Ether | LinkKind::Veth)),
        (true, LinkKind::Ether | LinkKind::Veth) => ("pfifo_fast", true),
        (true, _) => ("noqueue", false),
    };
    let master = l.master.and_then(|m| ns.by_index(m)).map(|m| format!("master {} ", m.name)).unwrap_or_default();
    let mode = if link_mode { "mode DEFAULT " } else { "" };
    let qlen = if qlen { "qlen 1000" } else { "" };
    format!(
        "{}: {}: <{flags}> mtu {} qdisc {qdisc} {master}state {state} {mode}group default {qlen}\n",
        l.ifindex, l.name, l.mtu
    )
}

fn link_line(l: &NetLink) -> String {
    if l.kind == LinkKind::Loopback {
        format!("    link/loopback {} brd 00:00:00:00:00:00\n", l.mac)
    } else {
        format!("    link/ether {} brd ff:ff:ff:ff:ff:ff\n", l.mac)
    }
}

fn addr_lines(l: &NetLink) -> String {
    let mut out = String::new();
    for a in &l.addresses {
        let scope = if l.kind == LinkKind::Loopback { "host" } else { "global" };
        let secondary = if Netns::is_secondary(l, *a) { "secondary " } else { "" };
        out.push_str(&format!(
            "    inet {a} scope {scope} {secondary}{}\n       valid_lft forever preferred_lft forever\n",
            l.name
        ));
    }
    out
}

/// `[dev] NAME` of a `show`: the name, or an error for words past it.
fn show_target<'a>(rest: &[&'a [u8]]) -> Result<Option<&'a [u8]>, ()> {
    match rest {
        [] => Ok(None),
        [b"dev", name] | [name] if *name != b"dev" => Ok(Some(name)),
        _ => Err(()),
    }
}

fn ip_link(cx: &IpCtx, net: &mut Net, inode: u64, rest: &[&[u8]], argv: &[Vec<u8>]) -> Reply {
    let sub = rest.first().copied().unwrap_or(b"show");
    let args = rest.get(1..).unwrap_or_default();
    if matches(sub, "show") || matches(sub, "list") || sub == b"lst" {
        let Ok(target) = show_target(args) else { return Reply::not_modeled_call(argv) };
        let Some(ns) = net.ns(inode) else { return Reply::not_modeled_call(argv) };
        let mut out = String::new();
        for l in &ns.links {
            if target.is_none_or(|t| t == l.name.as_bytes()) {
                out.push_str(&link_header(net, ns, l, true));
                out.push_str(&link_line(l));
            }
        }
        return match target {
            Some(t) if out.is_empty() => does_not_exist(t),
            _ => reply(out),
        };
    }
    if matches(sub, "add") {
        return link_add(net, inode, args, argv);
    }
    if matches(sub, "delete") {
        let name = match args {
            [b"dev", name, ..] => *name,
            [name, ..] => *name,
            [] => return fail("Not enough information: \"dev\" argument is required.\n".into(), 255),
        };
        let Some(ns) = net.ns(inode) else { return Reply::not_modeled_call(argv) };
        let Some(l) = ns.link(&text(name)) else { return no_device(name) };
        if let [_, .., b"type", kind] = args {
            if !kind_name(l.kind).as_bytes().eq(*kind) {
                return rtnetlink("Operation not supported");
            }
        }
        let ifindex = l.ifindex;
        net.delete_link(inode, ifindex);
        return Reply::default();
    }
    if matches(sub, "set") {
        return link_set(cx, net, inode, args, argv);
    }
    Reply::not_modeled_call(argv)
}

fn kind_name(kind: LinkKind) -> &'static str {
    match kind {
        LinkKind::Loopback => "loopback",
        LinkKind::Ether => "ether",
        LinkKind::Bridge => "bridge",
        LinkKind::Veth => "veth",
        LinkKind::Dummy => "dummy",
    }
}

/// Name, mtu and address words of `ip link add` (before `type`, or after `peer`).
#[derive(Default)]
struct NewLink {
    name: Option<String>,
    mtu: Option<u32>,
    mac: Option<String>,
}

fn parse_new_link(words: &mut std::slice::Iter<'_, &[u8]>, stop: &[u8]) -> Result<NewLink, Reply> {
    let mut new = NewLink::default();
    let mut rest = words.clone();
    while let Some(w) = rest.clone().next() {
        if *w == stop {
            break;
        }
        rest.next();
        let mut value = || {
            rest.next()
                .map(|v| text(v))
                .ok_or_else(|| fail("Command line is not complete. Try option \"help\"\n".into(), 255))
        };
        match *w {
            b"name" | b"dev" => new.name = Some(value()?),
            b"mtu" => {
                let v = value()?;
                new.mtu =
                    Some(v.parse().map_err(|_| {
                        fail(format!("Error: argument \"{v}\" is wrong: Invalid \"mtu\" value\n\n"), 255)
                    })?);
            }
            b"address" => new.mac = Some(value()?),
            b"txqueuelen" | b"txqlen" => {
                value()?;
            }
            other => new.name = Some(text(other)),
        }
    }
    *words = rest;
    Ok(new)
}

fn link_add(net: &mut Net, inode: u64, args: &[&[u8]], argv: &[Vec<u8>]) -> Reply {
    let mut words = args.iter();
    let first = match parse_new_link(&mut words, b"type") {
        Ok(n) => n,
        Err(r) => return r,
    };
    words.next();
    let kind = match words.next().copied() {
        Some(b"bridge") => LinkKind::Bridge,
        Some(b"dummy") => LinkKind::Dummy,
        Some(b"veth") => LinkKind::Veth,
        Some(_) => return Reply::not_modeled_call(argv),
        None => return rtnetlink("Operation not supported"),
    };
    let peer = if kind == LinkKind::Veth {
        match words.next().copied() {
            Some(b"peer") => match parse_new_link(&mut words, b"") {
                Ok(n) => Some(n),
                Err(r) => return r,
            },
            Some(_) => return Reply::not_modeled_call(argv),
            None => Some(NewLink::default()),
        }
    } else {
        None
    };
    if words.next().is_some() {
        return Reply::not_modeled_call(argv);
    }
    let Some(ns) = net.ns_mut(inode) else { return Reply::not_modeled_call(argv) };
    let name = first.name.clone().unwrap_or_else(|| format!("{}{}", kind_name(kind), ns.next_ifindex));
    let peer_name = peer.as_ref().map(|p| p.name.clone().unwrap_or_else(|| format!("veth{}", ns.next_ifindex + 1)));
    if ns.link(&name).is_some() || peer_name.as_ref().is_some_and(|p| ns.link(p).is_some() || *p == name) {
        return rtnetlink("File exists");
    }
    for mac in [first.mac.as_ref(), peer.as_ref().and_then(|p| p.mac.as_ref())].into_iter().flatten() {
        if !valid_mac(mac) {
            return fail(format!("\"{mac}\" is invalid lladdr.\n"), 1);
        }
    }
    let make = |ns: &mut Netns, name: &str, new: &NewLink| {
        let ifindex = ns.alloc_ifindex();
        let mac = new
            .mac
            .as_deref()
            .map(normal_mac)
            .unwrap_or_else(|| derived_mac(&[name.as_bytes(), &inode.to_be_bytes(), &ifindex.to_be_bytes()]));
        let mut l = NetLink::new(ifindex, name, kind, mac);
        if let Some(mtu) = new.mtu {
            l.mtu = mtu;
        }
        ns.links.push(l);
        ifindex
    };
    let a = make(ns, &name, &first);
    if let (Some(peer), Some(peer_name)) = (peer, peer_name) {
        let b = make(ns, &peer_name, &peer);
        for (x, y) in [(a, b), (b, a)] {
            if let Some(l) = ns.links.iter_mut().find(|l| l.ifindex == x) {
                l.peer = Some(Peer { netns: inode, ifindex: y });
            }
        }
    }
    Reply::default()
}

/// Where `ip ... netns NS` or `ip netns exec NS` leads: the namespace a `/var/run/netns` name's
/// link leads to, through `PROCFS/PID/ns/net` and its `net:[INODE]`.
fn netns_by_name(fs: &dyn Fs, name: &[u8]) -> Option<u64> {
    if name.contains(&b'/') || name.is_empty() {
        return None;
    }
    let path = [b"/var/run/netns/".as_slice(), name].concat();
    let target = fs.read_link(&path)?;
    let ns = fs.read_link(&target)?;
    let inode = ns.strip_prefix(b"net:[")?.strip_suffix(b"]")?;
    std::str::from_utf8(inode).ok()?.parse().ok()
}

fn link_set(cx: &IpCtx, net: &mut Net, inode: u64, args: &[&[u8]], argv: &[Vec<u8>]) -> Reply {
    let (name, mut rest) = match args {
        [b"dev", name, rest @ ..] => (*name, rest),
        [name, rest @ ..] => (*name, rest),
        [] => return fail("Not enough of information: \"dev\" argument is required.\n".into(), 255),
    };
    let Some(ns) = net.ns(inode) else { return Reply::not_modeled_call(argv) };
    let Some(link) = ns.link(&text(name)) else { return no_device(name) };
    let mut ifindex = link.ifindex;
    let mut here = inode;
    while let Some((&w, more)) = rest.split_first() {
        rest = more;
        let mut value = || -> Result<&[u8], Reply> {
            let (v, more) = rest
                .split_first()
                .ok_or_else(|| fail("Command line is not complete. Try option \"help\"\n".into(), 255))?;
            rest = more;
            Ok(v)
        };
        let result = match w {
            b"up" => set_up(net, here, ifindex, true),
            b"down" => set_up(net, here, ifindex, false),
            b"address" => value().and_then(|v| set_address(net, here, ifindex, v)),
            b"mtu" => value().and_then(|v| set_mtu(net, here, ifindex, v)),
            b"master" => value().and_then(|v| set_master(net, here, ifindex, v)),
            b"nomaster" => {
                if let Some(l) = net.ns_mut(here).and_then(|n| n.links.iter_mut().find(|l| l.ifindex == ifindex)) {
                    l.master = None;
                }
                Ok(())
            }
            b"name" => value().and_then(|v| set_name(net, here, ifindex, v)),
            b"netns" => value().and_then(|v| {
                let target = netns_by_name(cx.fs, v).or_else(|| netns_of_pid(cx, v)).ok_or_else(|| {
                    if v.iter().all(u8::is_ascii_digit) && !v.is_empty() {
                        rtnetlink("No such process")
                    } else {
                        fail(format!("Error: argument \"{}\" is wrong: Invalid \"netns\" value\n\n", text(v)), 255)
                    }
                })?;
                let moved = move_link(net, here, ifindex, target)?;
                (here, ifindex) = (target, moved);
                Ok(())
            }),
            _ => Err(Reply::not_modeled_call(argv)),
        };
        if let Err(r) = result {
            return r;
        }
    }
    Reply::default()
}

/// The namespace of a pid: a running container's (any other number is no process here).
fn netns_of_pid(cx: &IpCtx, pid: &[u8]) -> Option<u64> {
    let pid: u32 = std::str::from_utf8(pid).ok()?.parse().ok()?;
    cx.pids.iter().find(|(p, _)| *p == pid).map(|(_, n)| *n)
}

fn link_mut(net: &mut Net, inode: u64, ifindex: u32) -> Result<&mut NetLink, Reply> {
    net.ns_mut(inode)
        .and_then(|n| n.links.iter_mut().find(|l| l.ifindex == ifindex))
        .ok_or_else(|| fail("Cannot find device\n".into(), 1))
}

fn set_up(net: &mut Net, inode: u64, ifindex: u32, up: bool) -> Result<(), Reply> {
    link_mut(net, inode, ifindex)?.up = up;
    if !up {
        // A link going down takes the routes through it.
        if let Some(ns) = net.ns_mut(inode) {
            ns.routes.retain(|r| r.dev != ifindex);
        }
    }
    Ok(())
}

fn set_address(net: &mut Net, inode: u64, ifindex: u32, mac: &[u8]) -> Result<(), Reply> {
    let mac = text(mac);
    if !valid_mac(&mac) {
        return Err(fail(format!("\"{mac}\" is invalid lladdr.\n"), 1));
    }
    let mac = normal_mac(&mac);
    if u8::from_str_radix(&mac[..2], 16).unwrap_or(0) & 1 == 1 {
        return Err(rtnetlink("Cannot assign requested address"));
    }
    link_mut(net, inode, ifindex)?.mac = mac;
    Ok(())
}

fn set_mtu(net: &mut Net, inode: u64, ifindex: u32, mtu: &[u8]) -> Result<(), Reply> {
    let Some(mtu) = std::str::from_utf8(mtu).ok().and_then(|m| m.parse::<u32>().ok()) else {
        return Err(fail(format!("Error: argument \"{}\" is wrong: Invalid \"mtu\" value\n\n", text(mtu)), 255));
    };
    let l = link_mut(net, inode, ifindex)?;
    // A bridge's MTU cannot be raised past its ports' (and without ports, past 1500).
    if l.kind == LinkKind::Bridge && mtu > l.mtu.max(1500) || !(68..=65536).contains(&mtu) {
        return Err(rtnetlink("Invalid argument"));
    }
    l.mtu = mtu;
    Ok(())
}

fn set_master(net: &mut Net, inode: u64, ifindex: u32, bridge: &[u8]) -> Result<(), Reply> {
    let ns = net.ns_mut(inode).ok_or_else(|| no_device(bridge))?;
    let Some(b) = ns.link(&text(bridge)) else {
        return Err(fail(format!("Device \"{}\" does not exist.\n", text(bridge)), 1));
    };
    if b.kind != LinkKind::Bridge || b.ifindex == ifindex {
        return Err(rtnetlink("Operation not supported"));
    }
    let b = b.ifindex;
    if let Some(l) = ns.links.iter_mut().find(|l| l.ifindex == ifindex) {
        l.master = Some(b);
    }
    // A bridge takes the lowest MTU of its ports.
    let lowest = ns.links.iter().filter(|l| l.master == Some(b)).map(|l| l.mtu).min();
    if let (Some(lowest), Some(bl)) = (lowest, ns.links.iter_mut().find(|l| l.ifindex == b)) {
        bl.mtu = lowest;
    }
    Ok(())
}

fn set_name(net: &mut Net, inode: u64, ifindex: u32, name: &[u8]) -> Result<(), Reply> {
    let name = text(name);
    let ns = net.ns_mut(inode).ok_or_else(|| rtnetlink("No such device"))?;
    if ns.links.iter().any(|l| l.name == name && l.ifindex != ifindex) {
        return Err(rtnetlink("File exists"));
    }
    let l = ns.links.iter_mut().find(|l| l.ifindex == ifindex).ok_or_else(|| rtnetlink("No such device"))?;
    if l.up {
        return Err(rtnetlink("Device or resource busy"));
    }
    l.name = name;
    Ok(())
}

/// Moves a link to another namespace, down, without addresses, routes or bridge; returns its
/// index there.
fn move_link(net: &mut Net, from: u64, ifindex: u32, to: u64) -> Result<u32, Reply> {
    if from == to {
        return Ok(ifindex);
    }
    let name = link_mut(net, from, ifindex)?.name.clone();
    if net.ns(to).is_some_and(|n| n.link(&name).is_some()) {
        return Err(rtnetlink("File exists"));
    }
    let src = net.ns_mut(from).ok_or_else(|| rtnetlink("No such device"))?;
    let pos = src.links.iter().position(|l| l.ifindex == ifindex).ok_or_else(|| rtnetlink("No such device"))?;
    let mut link = src.links.remove(pos);
    src.routes.retain(|r| r.dev != ifindex);
    for l in &mut src.links {
        if l.master == Some(ifindex) {
            l.master = None;
        }
    }
    let dst = net.ns_mut(to).ok_or_else(|| rtnetlink("No such device"))?;
    if dst.by_index(link.ifindex).is_some() {
        link.ifindex = dst.alloc_ifindex();
    } else {
        dst.next_ifindex = dst.next_ifindex.max(link.ifindex + 1);
    }
    let new_index = link.ifindex;
    link.up = false;
    link.master = None;
    link.addresses.clear();
    link.arp = Arp::default();
    let peer = link.peer;
    dst.links.push(link);
    dst.links.sort_by_key(|l| l.ifindex);
    if let Some(p) = peer {
        if let Some(other) = net.ns_mut(p.netns).and_then(|n| n.links.iter_mut().find(|l| l.ifindex == p.ifindex)) {
            other.peer = Some(Peer { netns: to, ifindex: new_index });
        }
    }
    Ok(new_index)
}

/// `dev NAME` anywhere in `words`, and the words that are not it.
fn take_dev<'a>(words: &[&'a [u8]]) -> (Option<&'a [u8]>, Vec<&'a [u8]>) {
    let mut dev = None;
    let mut others = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if words[i] == b"dev" && i + 1 < words.len() {
            dev = Some(words[i + 1]);
            i += 2;
        } else {
            others.push(words[i]);
            i += 1;
        }
    }
    (dev, others)
}

fn ip_addr(net: &mut Net, inode: u64, rest: &[&[u8]], family4: bool, family_given: bool, argv: &[Vec<u8>]) -> Reply {
    let sub = rest.first().copied().unwrap_or(b"show");
    let args = rest.get(1..).unwrap_or_default();
    if matches(sub, "show") || matches(sub, "list") || sub == b"lst" {
        let Ok(target) = show_target(args) else { return Reply::not_modeled_call(argv) };
        let Some(ns) = net.ns(inode) else { return Reply::not_modeled_call(argv) };
        if let Some(t) = target {
            if ns.link(&text(t)).is_none() {
                return does_not_exist(t);
            }
        }
        let mut out = String::new();
        for l in ns.links.iter().filter(|l| target.is_none_or(|t| t == l.name.as_bytes())) {
            if family_given && (!family4 || l.addresses.is_empty()) {
                continue;
            }
            out.push_str(&link_header(net, ns, l, false));
            if !family_given {
                out.push_str(&link_line(l));
            }
            out.push_str(&addr_lines(l));
        }
        return reply(out);
    }
    let adding = matches(sub, "add");
    if !adding && !matches(sub, "delete") {
        return Reply::not_modeled_call(argv);
    }
    let (dev, others) = take_dev(args);
    let Some(dev) = dev else {
        return fail("Not enough information: \"dev\" argument is required.\n".into(), 1);
    };
    let addr = match others.as_slice() {
        [b"local", a] | [a] => *a,
        _ => return Reply::not_modeled_call(argv),
    };
    let Some(cidr) = Cidr::parse(&text(addr)) else {
        return fail(format!("Error: an inet prefix is expected rather than \"{}\".\n", text(addr)), 1);
    };
    let Some(ns) = net.ns_mut(inode) else { return Reply::not_modeled_call(argv) };
    let Some(link) = ns.link_mut(&text(dev)) else { return no_device(dev) };
    if adding {
        if link.addresses.iter().any(|a| a.ip == cidr.ip && a.len == cidr.len) {
            return rtnetlink("File exists");
        }
        link.addresses.push(cidr);
        return Reply::default();
    }
    let Some(pos) = link.addresses.iter().position(|a| a.ip == cidr.ip && a.len == cidr.len) else {
        return rtnetlink("Cannot assign requested address");
    };
    // Without promote_secondaries (the default), the primary takes its secondaries with it.
    let primary = !Netns::is_secondary(link, cidr);
    link.addresses.remove(pos);
    if primary {
        link.addresses.retain(|a| a.network() != cidr.network());
    }
    Reply::default()
}

fn route_line(ns: &Netns, r: &(Cidr, Option<Ipv4Addr>, u32, Option<Ipv4Addr>)) -> String {
    let (dest, via, dev, src) = r;
    let dest = if dest.len == 0 { "default".to_string() } else { dest.to_string() };
    let dev = ns.by_index(*dev).map_or("?", |l| l.name.as_str());
    match (via, src) {
        (Some(via), _) => format!("{dest} via {via} dev {dev} \n"),
        (None, Some(src)) => format!("{dest} dev {dev}  proto kernel  scope link  src {src} \n"),
        (None, None) => format!("{dest} dev {dev}  scope link \n"),
    }
}

fn ip_route(net: &mut Net, inode: u64, rest: &[&[u8]], argv: &[Vec<u8>]) -> Reply {
    let sub = rest.first().copied().unwrap_or(b"show");
    let args = rest.get(1..).unwrap_or_default();
    let Some(ns) = net.ns_mut(inode) else { return Reply::not_modeled_call(argv) };
    if (matches(sub, "show") || matches(sub, "list")) && args.is_empty() {
        let out: String = ns.shown_routes().iter().map(|r| route_line(ns, r)).collect();
        return reply(out);
    }
    let adding = matches(sub, "add");
    if !adding && !matches(sub, "delete") {
        return Reply::not_modeled_call(argv);
    }
    let (dev, others) = take_dev(args);
    let (dest, via) = match others.as_slice() {
        [d] => (*d, None),
        [d, b"via", g] => (*d, Some(*g)),
        _ => return Reply::not_modeled_call(argv),
    };
    let dest_text = text(dest);
    let dest = if dest_text == "default" { Cidr::parse("0.0.0.0/0") } else { Cidr::parse(&dest_text) };
    let Some(dest) = dest else {
        return fail(format!("Error: an inet prefix is expected rather than \"{dest_text}\".\n"), 1);
    };
    if dest.network() != dest {
        return rtnetlink("Invalid argument");
    }
    let via = match via.map(|g| text(g).parse::<Ipv4Addr>()) {
        Some(Ok(g)) => Some(g),
        Some(Err(_)) => return Reply::not_modeled_call(argv),
        None => None,
    };
    let link = match dev {
        Some(d) => match ns.link(&text(d)) {
            Some(l) => Some((l.ifindex, l.up)),
            None => return no_device(d),
        },
        None => None,
    };
    if !adding {
        let before = ns.routes.len();
        ns.routes.retain(|r| !(r.dest == dest && link.is_none_or(|(i, _)| r.dev == i)));
        return if ns.routes.len() == before { rtnetlink("No such process") } else { Reply::default() };
    }
    let Some((ifindex, up)) = link else { return Reply::not_modeled_call(argv) };
    if !up {
        return rtnetlink("Network is down");
    }
    if ns.shown_routes().iter().any(|r| r.0 == dest) {
        return rtnetlink("File exists");
    }
    ns.routes.push(Route { dest, via, dev: ifindex });
    Reply::default()
}

fn ip_netns(cx: &IpCtx, net: &mut Net, _inode: u64, rest: &[&[u8]], argv: &[Vec<u8>]) -> Reply {
    match rest {
        [] | [b"list"] | [b"show"] => {
            let out: String = cx.fs.list(b"/var/run/netns").iter().map(|n| format!("{}\n", text(n))).collect();
            reply(out)
        }
        [b"exec", name, cmd @ ..] => {
            let Some(target) = netns_by_name(cx.fs, name) else {
                return fail(
                    format!("Cannot open network namespace \"{}\": No such file or directory\n", text(name)),
                    255,
                );
            };
            if net.ns(target).is_none() {
                return fail(
                    format!("Cannot open network namespace \"{}\": No such file or directory\n", text(name)),
                    255,
                );
            }
            let Some(program) = cmd.first() else {
                return fail("No command specified\n".into(), 255);
            };
            let inner: Vec<Vec<u8>> = cmd.iter().map(|w| w.to_vec()).collect();
            // `sh -c` is no fake: only the ARP settings it writes are read from it.
            if *program == b"sh" {
                return sh_c(net, target, &inner, argv);
            }
            (cx.exec)(cx, net, target, &inner).unwrap_or_else(|| {
                fail(format!("exec of \"{}\" failed: No such file or directory\n", text(program)), 255)
            })
        }
        _ => Reply::not_modeled_call(argv),
    }
}

/// `sh -c "echo V >/proc/sys/net/ipv4/neigh/IF/FILE && ..."` inside a namespace: the ARP settings
/// of that namespace's links.
fn sh_c(net: &mut Net, inode: u64, inner: &[Vec<u8>], argv: &[Vec<u8>]) -> Reply {
    let [_, c, script] = inner else { return Reply::not_modeled_call(argv) };
    if c != b"-c" {
        return Reply::not_modeled_call(argv);
    }
    let script = text(script);
    let Ok(writes) = crate::spec::files::echo_chain(&script) else { return Reply::not_modeled_call(argv) };
    for crate::spec::files::EchoTo { value, path, line } in writes {
        let Some(rest) = path.strip_prefix("/proc/sys/net/ipv4/neigh/") else { return Reply::not_modeled_call(argv) };
        let Some((ifname, file)) = rest.split_once('/') else { return Reply::not_modeled_call(argv) };
        let Some(link) = net.ns_mut(inode).and_then(|n| n.link_mut(ifname)) else {
            return fail(format!("sh: {line}: cannot create {path}: Directory nonexistent\n"), 2);
        };
        let Ok(v) = value.parse::<u32>() else { return Reply::not_modeled_call(argv) };
        match file {
            "base_reachable_time" => link.arp.base_reachable_time = v,
            "delay_first_probe_time" => link.arp.delay_first_probe_time = v,
            "ucast_solicit" => link.arp.ucast_solicit = v,
            _ => return Reply::not_modeled_call(argv),
        }
    }
    Reply::default()
}

impl Net {
    /// The network as text, for a golden's `~~~ state`: each namespace's links, routes, and the
    /// iptables tables that differ from empty.
    pub fn render(&self, names: &dyn Fn(u64) -> String) -> String {
        let mut out = String::new();
        for ns in &self.namespaces {
            out.push_str(&format!("netns {} ({})\n", ns.inode, names(ns.inode)));
            for l in &ns.links {
                let master =
                    l.master.and_then(|m| ns.by_index(m)).map(|m| format!(" master {}", m.name)).unwrap_or_default();
                let peer = match l.peer {
                    Some(p) => {
                        let name =
                            self.ns(p.netns).and_then(|n| n.by_index(p.ifindex)).map_or("?", |l| l.name.as_str());
                        if p.netns == ns.inode {
                            format!(" peer {name}")
                        } else {
                            format!(" peer {name}@{}", p.netns)
                        }
                    }
                    None => String::new(),
                };
                out.push_str(&format!(
                    "  {}: {} {} mtu {}{master} {} {}{peer}\n",
                    l.ifindex,
                    l.name,
                    kind_name(l.kind),
                    l.mtu,
                    if l.up { "up" } else { "down" },
                    l.mac
                ));
                for a in &l.addresses {
                    out.push_str(&format!("    inet {a}\n"));
                }
                if l.arp != Arp::default() {
                    out.push_str(&format!(
                        "    arp base_reachable_time={} delay_first_probe_time={} ucast_solicit={}\n",
                        l.arp.base_reachable_time, l.arp.delay_first_probe_time, l.arp.ucast_solicit
                    ));
                }
            }
            for r in ns.shown_routes() {
                out.push_str("  route ");
                out.push_str(route_line(ns, &r).trim_end());
                out.push('\n');
            }
        }
        for t in &self.tables {
            let rules = rules_s(t, None);
            let changed = rules.lines().any(|l| !l.starts_with("-P ") || !l.ends_with(" ACCEPT"));
            if changed {
                out.push_str(&format!("iptables -t {}\n", t.name));
                for line in rules.lines().filter(|l| !l.starts_with("-P ")) {
                    out.push_str(&format!("  {line}\n"));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{answer, inline::initial_fs, materialize, State};
    use crate::fs::{FileKind, MemFs};

    /// A world's run as weaveexec sees it: procfs at /hostproc, its shell pid 1.
    struct Run {
        world: World,
        state: State,
        fs: MemFs,
    }

    impl Run {
        fn new(world: World) -> Run {
            let mut state = State::default();
            let mut fs = MemFs::default();
            initial_fs(&world, &mut state, &mut fs, b"/hostproc", Some(1));
            Run { world, state, fs }
        }

        fn call(&mut self, line: &str) -> Reply {
            let argv: Vec<Vec<u8>> = shell_words::split(line).unwrap().into_iter().map(String::into_bytes).collect();
            let (reply, _) = answer(&self.world, &mut self.state, &mut self.fs, &argv, &|_| None, Vec::new()).unwrap();
            if reply.changed {
                materialize(&self.state, &mut self.fs, b"/hostproc");
            }
            reply
        }

        fn ok(&mut self, line: &str) -> String {
            let r = self.call(line);
            assert_eq!(r.status, 0, "{line}: {}", String::from_utf8_lossy(&r.stderr));
            String::from_utf8(r.stdout).unwrap()
        }

        fn err(&mut self, line: &str) -> (i32, String) {
            let r = self.call(line);
            (r.status, String::from_utf8(r.stderr).unwrap())
        }

        fn net(&self) -> &Net {
            self.state.net.as_ref().unwrap()
        }
    }

    #[test]
    fn a_whole_attach_changes_the_container_and_the_host() {
        let mut run = Run::new(World::default());
        let id = run.ok("docker run -d --name=c1 ubuntu").trim().to_string();
        assert_eq!(id, crate::world::DOCUMENTED_CONTAINER_ID);
        let pid = run.ok(&format!("docker inspect --format={{{{.State.Pid}}}} {}", &id[..12])).trim().to_string();
        assert_eq!(pid, "40001");
        assert_eq!(run.fs.read_link(b"/hostproc/40001/ns/net"), Some(b"net:[4026532200]".to_vec()));
        // create_bridge
        assert!(!run.fs.is_dir(b"/sys/class/net/weave"));
        run.ok("ip link add name weave type bridge");
        assert!(run.fs.is_dir(b"/sys/class/net/weave"));
        run.ok("ip link set dev weave address 7a:11:22:33:44:55");
        assert_eq!(run.fs.read(b"/sys/class/net/weave/address").unwrap(), b"7a:11:22:33:44:55\n");
        run.ok("ip link add name vethwedu mtu 65535 type dummy");
        run.ok("ip link set dev vethwedu master weave");
        run.ok("ip link del dev vethwedu");
        assert_eq!(run.fs.read(b"/sys/class/net/weave/mtu").unwrap(), b"65535\n");
        assert!(!run.fs.is_dir(b"/sys/class/net/vethwedu"));
        assert_eq!(run.err("iptables -w -t filter -C FORWARD -i weave -o weave -j ACCEPT").0, 1);
        run.ok("iptables -w -t filter -A FORWARD -i weave -o weave -j ACCEPT");
        run.ok("iptables -w -t filter -C FORWARD -o weave -i weave -j ACCEPT");
        run.ok("iptables -w -t nat -N WEAVE");
        assert_eq!(run.err("iptables -w -t nat -N WEAVE"), (1, "iptables: Chain already exists.\n".into()));
        run.ok("iptables -w -t nat -A POSTROUTING -j WEAVE");
        run.ok("ethtool -K weave tx off");
        run.ok("ip link set dev weave up");
        // with_container_netns
        run.fs.mkdir_p(b"/var/run/netns").unwrap();
        run.fs.symlink(b"/hostproc/40001/ns/net", b"/var/run/netns/40001").unwrap();
        assert!(run.ok("ip netns exec 40001 ip link show eth0").contains(": eth0: <BROADCAST,MULTICAST,UP,LOWER_UP>"));
        assert_eq!(run.err("ip netns exec 40001 ip link show ethwe").0, 1);
        // connect_container_to_bridge
        run.ok("ip link add name vethwepl40001 mtu 65535 type veth peer name vethwepg40001 mtu 65535");
        run.ok("ethtool -K vethwepg40001 tx off");
        run.ok("ip link set vethwepl40001 master weave");
        run.ok("ip link set vethwepl40001 up");
        run.ok("ip link set vethwepg40001 netns 40001");
        run.ok("ip netns exec 40001 ip link set vethwepg40001 name ethwe");
        run.ok("ip netns exec 40001 sh -c 'echo 5 >/proc/sys/net/ipv4/neigh/ethwe/base_reachable_time &&\n  echo 2 >/proc/sys/net/ipv4/neigh/ethwe/delay_first_probe_time &&\n  echo 1 >/proc/sys/net/ipv4/neigh/ethwe/ucast_solicit'");
        // attach
        run.ok("ip netns exec 40001 ip addr add 10.2.0.1/24 dev ethwe");
        run.ok("ip netns exec 40001 ip link set ethwe up");
        assert!(!run.ok("ip netns exec 40001 ip route show").contains("224.0.0.0/4"));
        run.ok("ip netns exec 40001 ip route add 224.0.0.0/4 dev ethwe");
        run.ok("ip netns exec 40001 arping -U -q -I ethwe -c 1 10.2.0.1");
        let addr = run.ok("ip netns exec 40001 ip addr show dev ethwe");
        assert!(addr.contains(": ethwe: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 65535 qdisc pfifo_fast state UP group default qlen 1000\n"), "{addr}");
        assert!(
            addr.contains("    inet 10.2.0.1/24 scope global ethwe\n       valid_lft forever preferred_lft forever\n"),
            "{addr}"
        );
        assert_eq!(
            run.ok("ip netns exec 40001 ip route show"),
            "default via 172.17.42.1 dev eth0 \n10.2.0.0/24 dev ethwe  proto kernel  scope link  src 10.2.0.1 \n172.17.0.0/16 dev eth0  proto kernel  scope link  src 172.17.0.2 \n224.0.0.0/4 dev ethwe  scope link \n"
        );
        let container = run.net().ns(4026532200).unwrap();
        let ethwe = container.link("ethwe").unwrap();
        assert_eq!(
            (ethwe.arp.base_reachable_time, ethwe.arp.delay_first_probe_time, ethwe.arp.ucast_solicit),
            (5, 2, 1)
        );
        let peer = ethwe.peer.unwrap();
        let host = run.net().host();
        let local = host.by_index(peer.ifindex).unwrap();
        assert_eq!((local.name.as_str(), peer.netns), ("vethwepl40001", HOST_NETNS_INODE));
        assert_eq!(host.by_index(local.master.unwrap()).unwrap().name, "weave");
        assert!(!run.ok("ip link show weave").contains("master"));
        assert!(run.ok("ip link show vethwepl40001").contains(" master weave state UP mode DEFAULT"));
        let rendered = run.state.render();
        assert!(rendered.contains("  c1 0eedd4c8c0a5 running pid 40001 ip 172.17.0.2\n"), "{rendered}");
        assert!(rendered.contains("iptables -t nat\n  -N WEAVE\n  -A POSTROUTING -j WEAVE\n"), "{rendered}");
        assert!(
            rendered.contains("    arp base_reachable_time=5 delay_first_probe_time=2 ucast_solicit=1\n"),
            "{rendered}"
        );
        // detach: the address goes, then the link with its peer and routes.
        run.ok("ip netns exec 40001 ip addr del 10.2.0.1/24 dev ethwe");
        assert_eq!(run.ok("ip netns exec 40001 ip -f inet addr show dev ethwe"), "");
        run.ok("ip netns exec 40001 ip link del ethwe type veth");
        assert!(run.net().host().link("vethwepl40001").is_none());
        assert!(!run.ok("ip netns exec 40001 ip route show").contains("224.0.0.0/4"));
        assert!(!run.fs.is_dir(b"/sys/class/net/vethwepl40001"));
    }

    #[test]
    fn ip_errors_read_as_iproute2s() {
        let mut run = Run::new(World::default());
        assert_eq!(run.err("ip -4 addr show dev weave"), (1, "Device \"weave\" does not exist.\n".into()));
        assert_eq!(run.err("ip link set dev weave up"), (1, "Cannot find device \"weave\"\n".into()));
        assert_eq!(run.err("ip link add name docker0 type bridge"), (2, "RTNETLINK answers: File exists\n".into()));
        assert_eq!(run.err("ip addr add 172.17.42.1/16 dev docker0"), (2, "RTNETLINK answers: File exists\n".into()));
        assert_eq!(
            run.err("ip addr del 10.9.9.9/24 dev docker0"),
            (2, "RTNETLINK answers: Cannot assign requested address\n".into())
        );
        assert_eq!(
            run.err("ip netns exec 123 ip link"),
            (255, "Cannot open network namespace \"123\": No such file or directory\n".into())
        );
        run.fs.mkdir_p(b"/var/run/netns").unwrap();
        run.fs.symlink(b"/hostproc/1/ns/net", b"/var/run/netns/self").unwrap();
        assert_eq!(
            run.err("ip netns exec self ping x"),
            (255, "exec of \"ping\" failed: No such file or directory\n".into())
        );
        assert_eq!(
            run.err("ip netns exec self sh -c 'echo 5 >/proc/sys/net/ipv4/neigh/nope/base_reachable_time'"),
            (
                2,
                "sh: 1: cannot create /proc/sys/net/ipv4/neigh/nope/base_reachable_time: Directory nonexistent\n"
                    .into()
            )
        );
        // The host's own namespace, through /hostproc/1.
        assert!(run.ok("ip netns exec self ip link show docker0").starts_with("3: docker0: "));
        assert_eq!(run.ok("ip netns list"), "self\n");
        assert_eq!(run.ok("ip -V"), "ip utility, iproute2-ss140804\n");
        let lo = run.ok("ip link show lo");
        assert_eq!(lo, "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default \n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n");
        // A new bridge without ports has no carrier; an up bridge cannot take a new name.
        run.ok("ip link add name weave type bridge");
        run.ok("ip link set weave up");
        assert!(run
            .ok("ip link show weave")
            .contains("<NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN"));
        assert_eq!(run.err("ip link set weave name other").0, 2);
        assert_eq!(run.err("ip route add 224.0.0.0/4 dev nope"), (1, "Cannot find device \"nope\"\n".into()));
    }

    #[test]
    fn iptables_speaks_1_4_21() {
        let mut world = World::default();
        world.host.iptables = vec!["-t nat -N WEAVE".into(), "-t filter -A FORWARD -i weave -o weave -j ACCEPT".into()];
        world.host.iptables_w = false;
        let mut run = Run::new(world);
        let (status, stderr) = run.err("iptables -S -w");
        assert_eq!(status, 2);
        assert!(stderr.starts_with("iptables v1.4.21: unknown option \"-w\"\n"), "{stderr}");
        assert_eq!(
            run.ok("iptables -S"),
            "-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n-A FORWARD -i weave -o weave -j ACCEPT\n"
        );
        assert_eq!(
            run.err("iptables -t nat -A NOPE -j ACCEPT"),
            (1, "iptables: No chain/target/match by that name.\n".into())
        );
        assert_eq!(run.err("iptables -t nat -A POSTROUTING -j NOPE").0, 1);
        run.ok("iptables -t nat -A WEAVE -o weave ! -s 10.2.0.1/24 -j MASQUERADE");
        assert_eq!(run.ok("iptables -t nat -S WEAVE"), "-N WEAVE\n-A WEAVE ! -s 10.2.0.0/24 -o weave -j MASQUERADE\n");
        run.ok("iptables -t nat -C WEAVE ! -s 10.2.0.0/24 -o weave -j MASQUERADE");
        assert_eq!(
            run.err("iptables -t nat -D WEAVE -j MASQUERADE"),
            (1, "iptables: Bad rule (does a matching rule exist in that chain?).\n".into())
        );
        assert_eq!(run.err("iptables -t nat -X WEAVE"), (1, "iptables: Directory not empty.\n".into()));
        run.ok("iptables -t nat -F WEAVE");
        run.ok("iptables -t nat -X WEAVE");
        assert_eq!(run.err("iptables -t nat -F WEAVE").0, 1);
    }

    #[test]
    fn host_answers_come_first_and_change_nothing() {
        let mut world = World::default();
        world.host.answer.push(crate::world::Answer {
            args: "^ip link add name vethwepl.* type veth".into(),
            stderr: "RTNETLINK answers: Operation not permitted\n".into(),
            status: 2,
            ..Default::default()
        });
        let mut run = Run::new(world);
        let r = run.call("ip link add name vethwepl1 mtu 65535 type veth peer name vethwepg1 mtu 65535");
        assert_eq!((r.status, r.changed), (2, false));
        assert!(run.net().host().link("vethwepl1").is_none());
    }

    #[test]
    fn materialize_follows_links_and_containers_and_keeps_what_scripts_wrote() {
        let mut run = Run::new(World::default());
        assert_eq!(run.fs.list(b"/sys/class/net"), [b"docker0".to_vec(), b"eth0".to_vec(), b"lo".to_vec()]);
        assert_eq!(run.fs.read(b"/proc/sys/net/ipv4/neigh/docker0/ucast_solicit").unwrap(), b"3\n");
        assert_eq!(run.fs.read_link(b"/hostproc/1/ns/net"), Some(b"net:[4026531992]".to_vec()));
        run.fs.write(b"/proc/sys/net/ipv4/neigh/docker0/ucast_solicit", b"1\n").unwrap();
        run.fs.mkdir_p(b"/hostproc/77").unwrap();
        run.ok("docker run -d --name=c1 ubuntu");
        materialize(&run.state, &mut run.fs, b"/hostproc");
        let before = run.fs.clone();
        materialize(&run.state, &mut run.fs, b"/hostproc");
        assert_eq!(run.fs, before, "idempotent");
        assert_eq!(run.fs.read(b"/proc/sys/net/ipv4/neigh/docker0/ucast_solicit").unwrap(), b"1\n");
        assert_eq!(run.fs.kind(b"/hostproc/40001/ns/net"), Some(FileKind::Symlink));
        // A container that stops loses its /proc entry; others are left alone.
        let docker = &mut run.state.docker;
        docker.containers[0].running = false;
        materialize(&run.state, &mut run.fs, b"/hostproc");
        assert_eq!(run.fs.kind(b"/hostproc/40001"), None);
        assert!(run.fs.is_dir(b"/hostproc/77"));
        // Started again: a new pid and a fresh namespace.
        assert_eq!(run.ok("docker start c1"), "c1\n");
        assert_eq!(run.fs.read_link(b"/hostproc/40002/ns/net"), Some(b"net:[4026532201]".to_vec()));
    }
}

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
