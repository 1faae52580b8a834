//! `ip` (iproute2 ss140804) over the network: `link`, `address`, `route` and `netns`.

use super::sh::sh_c;
use super::{fail, reply, text, Arp, Net, NetLink, Netns, Peer, Route};
use crate::fake::Reply;
use crate::fs::Fs;
use crate::world::addr::{derived_mac, normal_mac, valid_mac, Cidr};
use crate::world::{LinkKind, World};
use std::net::Ipv4Addr;

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

pub(super) fn kind_name(kind: LinkKind) -> &'static str {
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

/// Where a path to a namespace (`ip link set X netns /proc/PID/ns/net`, which iproute2 opens as
/// it is when it holds a `/`, and `nsenter --net=PATH`) leads: the `net:[INODE]` its link names.
fn netns_by_path(fs: &dyn Fs, path: &[u8]) -> Option<u64> {
    if !path.contains(&b'/') {
        return None;
    }
    let ns = fs.read_link(path)?;
    let inode = ns.strip_prefix(b"net:[")?.strip_suffix(b"]")?;
    std::str::from_utf8(inode).ok()?.parse().ok()
}

/// `nsenter --net=PATH CMD ...` (util-linux): CMD run in the namespace PATH leads to, as `ip netns
/// exec` runs it; any other namespace or option is not modeled.
pub fn nsenter(cx: &IpCtx, net: &mut Net, _inode: u64, argv: &[Vec<u8>]) -> Reply {
    let mut rest = &argv[1..];
    let mut path: Option<&[u8]> = None;
    while let Some((w, more)) = rest.split_first() {
        match w.as_slice() {
            b"--" => {
                rest = more;
                break;
            }
            w if w.starts_with(b"--net=") => path = Some(&w[6..]),
            w if w.starts_with(b"-") => return Reply::not_modeled_call(argv),
            _ => break,
        }
        rest = more;
    }
    let (Some(path), Some(_)) = (path, rest.first()) else { return Reply::not_modeled_call(argv) };
    let Some(target) = netns_by_path(cx.fs, path).filter(|&t| net.ns(t).is_some()) else {
        return fail(format!("nsenter: cannot open {}: No such file or directory\n", text(path)), 1);
    };
    let inner: Vec<Vec<u8>> = rest.to_vec();
    // `sh -c` is no fake: only the ARP settings it writes are read from it, as for `ip netns exec`.
    if inner[0] == b"sh" {
        return sh_c(net, target, &inner, argv);
    }
    (cx.exec)(cx, net, target, &inner).unwrap_or_else(|| {
        fail(format!("nsenter: failed to execute {}: No such file or directory\n", text(&inner[0])), 1)
    })
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
                let target = netns_by_name(cx.fs, v)
                    .or_else(|| netns_by_path(cx.fs, v))
                    .or_else(|| netns_of_pid(cx, v))
                    .ok_or_else(|| {
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

pub(super) fn route_line(ns: &Netns, r: &(Cidr, Option<Ipv4Addr>, u32, Option<Ipv4Addr>)) -> String {
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
