//! `curl` and the HTTP services it reaches: the weave router (port 6784) and weaveDNS (port 6785),
//! each answering from the container that runs it, as weave 0.10.0's own handlers (built with Go
//! 1.4.2) do, with its state kept in [`Services`] and changed by the calls. What the models do not
//! cover (a peer that needs a name lookup) is `not modeled`.

use super::docker::{Container, DockerState};
use super::net::{Net, NetLink};
use super::Reply;
use crate::world::addr::hash64;
use crate::world::services::{self as world, image_version, runs, DNS_IMAGE, ROUTER_IMAGE};
use crate::world::World;
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The services a container may run, each from its image on its HTTP port.
#[derive(Clone, Copy)]
enum Service {
    Router,
    Dns,
}

impl Service {
    const ALL: [Service; 2] = [Service::Router, Service::Dns];

    fn port(self) -> &'static [u8] {
        match self {
            Service::Router => b"6784",
            Service::Dns => b"6785",
        }
    }

    fn image(self) -> &'static str {
        match self {
            Service::Router => ROUTER_IMAGE,
            Service::Dns => DNS_IMAGE,
        }
    }
}

/// A request as curl sends it.
struct Request<'a> {
    method: &'a [u8],
    host: &'a [u8],
    port: &'a [u8],
    path: &'a [u8],
    /// The form the body carries, decoded: `-d` data as given (the server decodes it), and
    /// `--data-urlencode NAME=VALUE` as VALUE exactly.
    form: Vec<(Vec<u8>, Vec<u8>)>,
    silent: bool,
}

/// An HTTP answer: the status code and the body.
type Answer = (u16, Vec<u8>);

/// `curl [--connect-timeout N] [-s] [-X METHOD] [-d DATA | --data-urlencode DATA]... URL`, the
/// forms weave 0.10 uses. Without `-f`, a 4xx body is printed and curl exits 0.
pub fn curl(world: &World, docker: &DockerState, net: &Net, services: &mut Services, argv: &[Vec<u8>]) -> Reply {
    let Some(request) = parse(argv) else { return Reply::not_modeled_call(argv) };
    let listening = docker
        .containers
        .iter()
        .find(|c| c.running && c.ip.is_some_and(|ip| ip.to_string().as_bytes() == request.host))
        .and_then(|c| {
            let service = Service::ALL.into_iter().find(|s| s.port() == request.port && runs(&c.image, s.image()));
            service.map(|s| (c, s))
        });
    let Some((container, service)) = listening else { return refused(&request) };
    let iface = Iface::of(net, container);
    match listens(world, container, service, &iface) {
        Listens::Yes => {}
        Listens::No => return refused(&request),
        Listens::Unmodeled(why) => {
            return Reply::not_modeled(&format!("{} ({why})", String::from_utf8_lossy(&argv.join(&b' '))))
        }
    }
    let answer = match service {
        Service::Router => services.router(world, net, container).handle(&request, &iface),
        Service::Dns => services.dns(world, container).handle(&request, &iface),
    };
    match answer {
        Some((_, body)) => Reply { stdout: body, ..Reply::default() },
        None => Reply::not_modeled_call(argv),
    }
}

/// Nothing listens there: connection refused, exit 7, said only without -s.
fn refused(request: &Request) -> Reply {
    let stderr = match request.silent {
        true => Vec::new(),
        false => format!(
            "curl: (7) Failed to connect to {} port {}: Connection refused\n",
            String::from_utf8_lossy(request.host),
            String::from_utf8_lossy(request.port)
        )
        .into_bytes(),
    };
    Reply { stderr, status: 7, ..Reply::default() }
}

/// Whether a service answers yet.
enum Listens {
    Yes,
    No,
    /// Whether it listens is not modeled (why): its program exits before listening at a moment
    /// that races the script's next calls, or it depends on a name lookup.
    Unmodeled(String),
}

/// The flags of the router's and weaveDNS's programs that take a value (Go's `flag`: every other
/// flag they know is a bool). The image's entrypoint adds `-wait 20`.
const ROUTER_VALUE_FLAGS: &[&str] =
    &["port", "iface", "name", "nickname", "password", "wait", "profile", "connlimit", "bufsz", "httpaddr"];
const DNS_VALUE_FLAGS: &[&str] =
    &["iface", "api", "domain", "wait", "dnsport", "httpport", "timeout", "udpbuf", "cache"];

/// Go's `flag.Parse` over a program's arguments: `-name value`, `-name=value`, `--name` the same,
/// bools alone; it stops at the first word that is not a flag (or after `--`). The flags, last
/// value winning, and the rest.
fn go_flags<'a>(args: &'a [String], value_flags: &[&str]) -> (Vec<(&'a str, &'a str)>, &'a [String]) {
    let mut flags = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if a == "--" {
            i += 1;
            break;
        }
        let Some(name) = a.strip_prefix("--").or_else(|| a.strip_prefix('-')).filter(|n| !n.is_empty()) else { break };
        match name.split_once('=') {
            Some((n, v)) => flags.push((n, v)),
            None if value_flags.contains(&name) => {
                flags.push((name, args.get(i + 1).map_or("", String::as_str)));
                i += 1;
            }
            None => flags.push((name, "true")),
        }
        i += 1;
    }
    (flags, &args[i.min(args.len())..])
}

fn flag<'a>(flags: &[(&'a str, &'a str)], name: &str) -> Option<&'a str> {
    flags.iter().rev().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// A container's service program's arguments, read with its flags.
fn service_flags(c: &Container, service: Service) -> (Vec<(&str, &str)>, &[String]) {
    match service {
        Service::Router => go_flags(&c.args, ROUTER_VALUE_FLAGS),
        Service::Dns => go_flags(&c.args, DNS_VALUE_FLAGS),
    }
}

/// Whether `c`'s service answers: not where the world says it never does; for a container `run`
/// made, only once its `-iface` is there and up (both programs wait for it before they listen:
/// `EnsureInterface` in weaver/main.go and weavedns/main.go comes before `handleHTTP` and
/// `ListenHTTP`); a router given a peer Go cannot resolve exits (`log.Fatal` in
/// `initiateConnections`).
fn listens(world: &World, c: &Container, service: Service, iface: &Iface) -> Listens {
    let table = world.docker.containers.iter().find(|w| w.id == c.id);
    let silent_table = match service {
        Service::Router => table.and_then(|w| w.router.as_ref()).is_some_and(|r| r.silent),
        Service::Dns => table.and_then(|w| w.dns.as_ref()).is_some_and(|d| d.silent),
    };
    let silent_image = world.docker.registry_image(&c.image, &c.image_id).is_some_and(|r| r.silent);
    if silent_table || silent_image {
        return Listens::No;
    }
    if !c.created {
        return Listens::Yes;
    }
    let (flags, peers) = service_flags(c, service);
    if flag(&flags, "iface").is_some_and(|i| !i.is_empty()) && !iface.0.is_some_and(|l| l.up) {
        return Listens::No;
    }
    if let Service::Router = service {
        for p in peers {
            match resolve_tcp4(p) {
                Some(Ok(_)) => {}
                Some(Err(e)) => return Listens::Unmodeled(format!("the service exited: {e}")),
                None => return Listens::Unmodeled(format!("its peer {p:?} needs a name lookup")),
            }
        }
    }
    Listens::Yes
}

/// The router a container `run` made starts as its arguments say: `-name`, `-nickname`, `-port`,
/// the password (`-password`, else `WEAVE_PASSWORD`), and the peers after the flags, each asked
/// for and a target tried at once (`InitiateConnection`, the default port added).
fn router_table(world: &World, c: &Container) -> world::Router {
    let (flags, peers) = service_flags(c, Service::Router);
    let password = flag(&flags, "password").filter(|p| !p.is_empty()).or(c.env_value("WEAVE_PASSWORD"));
    let port = flag(&flags, "port").and_then(|p| p.parse().ok()).unwrap_or(6783u16);
    let clock = world::CLOCK.to_string();
    let mut reconnects: Vec<world::Reconnect> = Vec::new();
    for peer in peers {
        let Some(Ok((ip, p))) = resolve_tcp4(peer) else { continue };
        let address = tcp_addr_string(ip, if p == 0 { port } else { p });
        reconnects.retain(|r| r.asked.as_deref() != Some(peer.as_str()));
        if !reconnects.iter().any(|r| r.address == address) {
            reconnects.push(world::Reconnect {
                address,
                asked: Some(peer.clone()),
                attempting: true,
                error: None,
                at: clock.clone(),
            });
        }
    }
    world::Router {
        version: Some(world.docker.stamped_version(&c.image, &c.image_id)),
        encryption: password.is_some_and(|p| !p.is_empty()),
        name: flag(&flags, "name").filter(|n| !n.is_empty()).map(str::to_string),
        nickname: flag(&flags, "nickname").filter(|n| !n.is_empty()).map(str::to_string),
        port: Some(port),
        reconnects,
        ..world::Router::default()
    }
}

/// weaveDNS as a container `run` made starts it: `-domain` and `-dnsport`.
fn dns_table(world: &World, c: &Container) -> world::Dns {
    let (flags, _) = service_flags(c, Service::Dns);
    let mut t =
        world::Dns { version: Some(world.docker.stamped_version(&c.image, &c.image_id)), ..world::Dns::default() };
    if let Some(d) = flag(&flags, "domain") {
        t.domain = d.to_string();
    }
    if let Some(p) = flag(&flags, "dnsport") {
        t.listen = format!(":{p}");
    }
    t
}

fn parse(argv: &[Vec<u8>]) -> Option<Request<'_>> {
    let (mut method, mut url, mut silent, mut form) = (None, None, false, Vec::new());
    let mut i = 1;
    while i < argv.len() {
        let a = argv[i].as_slice();
        let mut value = || {
            i += 1;
            argv.get(i).map(Vec::as_slice)
        };
        match a {
            b"-s" | b"--silent" => silent = true,
            b"--connect-timeout" => {
                value()?;
            }
            b"-X" | b"--request" => method = Some(value()?),
            b"-d" | b"--data" => form.extend(value()?.split(|&b| b == b'&').map(|pair| decode_pair(pair, true))),
            b"--data-urlencode" => form.push(decode_pair(value()?, false)),
            _ if a.starts_with(b"http://") && url.is_none() => url = Some(&a[7..]),
            _ => return None,
        }
        i += 1;
    }
    let url = url?;
    let (authority, path) = url.split_at(url.iter().position(|&b| b == b'/').unwrap_or(url.len()));
    let (host, port) = match authority.iter().position(|&b| b == b':') {
        Some(c) => (&authority[..c], &authority[c + 1..]),
        None => (authority, &b"80"[..]),
    };
    let method = method.unwrap_or(if form.is_empty() { b"GET" } else { b"POST" });
    Some(Request { method, host, port, path: if path.is_empty() { b"/" } else { path }, form, silent })
}

/// `NAME=VALUE` of a form: percent- and `+`-decoded where the data was sent as is (`-d`), as
/// given where curl encoded it itself (`--data-urlencode`).
fn decode_pair(pair: &[u8], decode: bool) -> (Vec<u8>, Vec<u8>) {
    let (name, value) = match pair.iter().position(|&b| b == b'=') {
        Some(e) => (&pair[..e], &pair[e + 1..]),
        None => (pair, &b""[..]),
    };
    match decode {
        true => (percent_decode(name), percent_decode(value)),
        false => (name.to_vec(), value.to_vec()),
    }
}

fn percent_decode(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match s[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < s.len() => match (hex(s[i + 1]), hex(s[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    out
}

impl Request<'_> {
    /// A form value, as Go's `FormValue` gives it: the first, or empty.
    fn form_value(&self, name: &[u8]) -> &[u8] {
        self.form.iter().find(|(n, _)| n == name).map_or(&[][..], |(_, v)| v.as_slice())
    }
}

/// gorilla/mux's answer where no route matches (a path, or a method).
fn not_found() -> Option<Answer> {
    Some((404, b"404 page not found\n".to_vec()))
}

/// Go's `http.Error`: the message and a newline.
fn error(code: u16, message: &str) -> Option<Answer> {
    Some((code, format!("{message}\n").into_bytes()))
}

/// The services' state: a router or weaveDNS per container that has been asked something, built
/// from the world at the first call, and fresh again when its container has restarted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Services {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routers: Vec<Router>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns: Vec<Dns>,
}

/// Which run of a container a service belongs to: its id and pid.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    pub container: String,
    pub pid: u32,
}

impl Owner {
    fn of(c: &Container) -> Owner {
        Owner { container: c.id.clone(), pid: c.pid }
    }
}

/// The service of `c`'s current run in `list`: kept while that run lasts, made by `make` when
/// first asked (given the world's container, whose table is for its first run) and made afresh
/// after a restart.
fn served<'a, S>(
    list: &'a mut Vec<S>,
    world: &World,
    c: &Container,
    owner: fn(&S) -> &Owner,
    make: impl FnOnce(Option<&crate::world::Container>) -> S,
) -> &'a mut S {
    let current = Owner::of(c);
    let found = list.iter().position(|s| owner(s).container == current.container);
    if let Some(i) = found.filter(|&i| *owner(&list[i]) == current) {
        return &mut list[i];
    }
    let first_run = world.docker.containers.iter().find(|w| w.id == c.id && w.pid.is_none_or(|p| p == c.pid));
    let service = make(first_run.filter(|_| found.is_none()));
    let i = found.unwrap_or(list.len());
    match found {
        Some(_) => list[i] = service,
        None => list.push(service),
    }
    &mut list[i]
}

impl Services {
    pub fn is_empty(&self) -> bool {
        self.routers.is_empty() && self.dns.is_empty()
    }

    /// Forgets what container `id` served: it stopped, or was removed.
    pub fn drop_container(&mut self, id: &str) {
        self.routers.retain(|r| r.owner.container != id);
        self.dns.retain(|d| d.owner.container != id);
    }

    /// The router `container` runs.
    fn router(&mut self, world: &World, net: &Net, c: &Container) -> &mut Router {
        served(
            &mut self.routers,
            world,
            c,
            |r| &r.owner,
            |table| {
                let table = match (table, c.created) {
                    (Some(w), _) => w.router.clone().unwrap_or_default(),
                    (None, true) => router_table(world, c),
                    (None, false) => world::Router::default(),
                };
                Router::new(world, net, c, table)
            },
        )
    }

    /// The weaveDNS `container` runs.
    fn dns(&mut self, world: &World, c: &Container) -> &mut Dns {
        served(
            &mut self.dns,
            world,
            c,
            |d| &d.owner,
            |table| {
                let table = match (table, c.created) {
                    (Some(w), _) => w.dns.clone().unwrap_or_default(),
                    (None, true) => dns_table(world, c),
                    (None, false) => world::Dns::default(),
                };
                Dns::new(c, table)
            },
        )
    }

    /// What the calls changed, as text for a golden's `~~~ state`: each service whose state is
    /// no longer as it started, by container name, with the part of its report that changed.
    pub fn render(&self, name: &dyn Fn(&str) -> String) -> String {
        let mut out = String::new();
        for r in self.routers.iter().filter(|r| r.changed) {
            out.push_str(&format!("  {} router: peers asked for, then targets\n", name(&r.owner.container)));
            out.extend(r.asked.iter().map(|(peer, address)| format!("    asked {peer:?} ({address})\n")));
            out.extend(r.reconnects().lines().map(|l| format!("    {l}\n")));
        }
        for d in self.dns.iter().filter(|d| d.changed) {
            out.push_str(&format!("  {} weaveDNS zone\n", name(&d.owner.container)));
            out.extend(d.zone().lines().map(|l| format!("    {l}\n")));
        }
        out
    }
}

/// A service's `-iface`: the container's `ethwe`, if it has one.
struct Iface<'n>(Option<&'n NetLink>);

impl<'n> Iface<'n> {
    /// A world's container sniffs `ethwe`; one `run` made, its `-iface` (none without one).
    fn of(net: &'n Net, c: &Container) -> Iface<'n> {
        let name = match c.created {
            false => Some("ethwe"),
            true => {
                let service = if runs(&c.image, DNS_IMAGE) { Service::Dns } else { Service::Router };
                flag(&service_flags(c, service).0, "iface").filter(|i| !i.is_empty())
            }
        };
        Iface(name.and_then(|name| net.ns(c.netns).filter(|_| c.running).and_then(|ns| ns.link(name))))
    }

    fn mac(&self) -> Option<&str> {
        self.0.map(|l| l.mac.as_str())
    }
}

/// Go's `%v` of a `*net.Interface`: `&{INDEX MTU NAME MAC FLAGS}`, or `<nil>`.
impl std::fmt::Display for Iface<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self.0 {
            None => f.write_str("<nil>"),
            Some(l) => {
                let flags = if l.up { "up|broadcast|multicast" } else { "broadcast|multicast" };
                write!(f, "&{{{} {} {} {} {flags}}}", l.ifindex, l.mtu, l.name, l.mac)
            }
        }
    }
}

/// The router: what its status report shows, and its connection maker's peers and targets.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Router {
    pub owner: Owner,
    version: String,
    encryption: bool,
    name: String,
    nickname: String,
    uid: u64,
    peer_version: u64,
    clock: String,
    port: u16,
    /// The MAC cache beyond our interface's MAC.
    macs: Vec<world::MacEntry>,
    connections: Vec<world::Connection>,
    peers: Vec<world::Peer>,
    unicast: Vec<world::Unicast>,
    broadcast: Vec<world::Broadcast>,
    /// The peers asked for (`connect`, launch's arguments), each with the address it stands for.
    asked: Vec<(String, String)>,
    targets: Vec<Target>,
    /// Whether a call changed it since it was made.
    changed: bool,
}

/// A connection maker's target: an address with the state of the attempts there.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Target {
    address: String,
    attempting: bool,
    error: Option<String>,
    at: String,
    /// Known from another peer's connections rather than asked for: kept while that lasts.
    gossip: bool,
}

const UNKNOWN_PEER: &str = "00:00:00:00:00:00";

impl Router {
    fn new(world: &World, net: &Net, c: &Container, t: world::Router) -> Router {
        let name = t.name.unwrap_or_else(|| net.weave_bridge_mac());
        let nickname = t.nickname.unwrap_or_else(|| world.host.hostname.clone());
        let clock = t.clock.unwrap_or_else(|| world::CLOCK.to_string());
        let mut asked = Vec::new();
        let targets = t
            .reconnects
            .iter()
            .map(|r| {
                if let Some(peer) = &r.asked {
                    asked.push((peer.clone(), r.address.clone()));
                }
                Target {
                    address: r.address.clone(),
                    attempting: r.attempting,
                    error: r.error.clone(),
                    at: r.at.clone(),
                    gossip: r.asked.is_none(),
                }
            })
            .collect();
        Router {
            owner: Owner::of(c),
            version: t.version.unwrap_or_else(|| image_version(&c.image)),
            encryption: t.encryption,
            // Checked to parse when the world was read.
            uid: t.uid.and_then(|u| u.parse().ok()).unwrap_or_else(|| hash64(&[b"uid", c.id.as_bytes()])),
            peer_version: t.peer_version,
            port: t.port.unwrap_or(6783),
            macs: t.macs,
            connections: t.connections,
            peers: t.peers,
            unicast: t.unicast.unwrap_or_else(|| vec![world::Unicast { peer: name.clone(), via: UNKNOWN_PEER.into() }]),
            broadcast: t.broadcast.unwrap_or_else(|| vec![world::Broadcast { peer: name.clone(), hops: Vec::new() }]),
            asked,
            targets,
            name,
            nickname,
            clock,
            changed: false,
        }
    }

    fn full_name(&self) -> String {
        format!("{}({})", self.name, self.nickname)
    }

    /// `GET /status`, `POST /connect` (`peer=`), `POST /forget`; 404 elsewhere.
    fn handle(&mut self, request: &Request, iface: &Iface) -> Option<Answer> {
        match (request.method, request.path) {
            (b"GET", b"/status") => Some((200, self.status(iface).into_bytes())),
            // The JSON report is no path weave 0.10's script takes.
            (b"GET", b"/status-json") => None,
            (b"POST", b"/connect") => {
                let peer = String::from_utf8_lossy(request.form_value(b"peer")).into_owned();
                match resolve_tcp4(&peer)? {
                    Err(e) => error(400, &format!("invalid peer address: {e}")),
                    Ok(address) => {
                        self.connect(peer, address);
                        Some((200, Vec::new()))
                    }
                }
            }
            (b"POST", b"/forget") => {
                let peer = String::from_utf8_lossy(request.form_value(b"peer")).into_owned();
                let before = self.asked.len();
                self.asked.retain(|(p, _)| *p != peer);
                self.changed |= self.asked.len() != before;
                Some((200, Vec::new()))
            }
            _ => not_found(),
        }
    }

    /// `InitiateConnection`: the peer is asked for, a target it already has is tried again now,
    /// and the connection maker runs (a new target is tried at once).
    fn connect(&mut self, peer: String, address: (Option<IpAddr>, u16)) {
        let port = if address.1 == 0 { self.port } else { address.1 };
        let address = tcp_addr_string(address.0, port);
        self.asked.retain(|(p, _)| *p != peer);
        self.asked.push((peer, address.clone()));
        if let Some(t) = self.targets.iter_mut().find(|t| t.address == address && !t.attempting) {
            (t.attempting, t.at) = (true, self.clock.clone());
        }
        self.run();
        self.changed = true;
    }

    /// The connection maker's run: each asked address we have no connection to becomes a
    /// target, attempted at once; those no longer wanted go, unless an attempt is under way.
    fn run(&mut self) {
        let wanted: Vec<String> = self
            .asked
            .iter()
            .map(|(_, a)| a.clone())
            .filter(|a| !self.connections.iter().any(|c| &c.address == a))
            .collect();
        for a in &wanted {
            if !self.targets.iter().any(|t| &t.address == a) {
                let at = self.clock.clone();
                self.targets.push(Target { address: a.clone(), attempting: true, error: None, at, gossip: false });
            }
        }
        self.targets.retain(|t| t.attempting || t.gossip || wanted.contains(&t.address));
    }

    /// `Status()` under the version and encryption lines, and the newline `Fprintln` adds.
    fn status(&mut self, iface: &Iface) -> String {
        // Printing the reconnects refreshes the connection maker first.
        self.run();
        let full = self.full_name();
        let mut out = format!("weave router {}\n", self.version);
        out.push_str(&format!("Encryption {}\n", if self.encryption { "on" } else { "off" }));
        out.push_str(&format!("Our name is {full}\nSniffing traffic on {iface}\nMACs:\n"));
        if let Some(mac) = iface.mac() {
            out.push_str(&format!("{mac} -> {full} ({})\n", self.clock));
        }
        for m in &self.macs {
            out.push_str(&format!("{} -> {} ({})\n", m.mac, m.peer, m.seen));
        }
        out.push_str("Peers:\n");
        // Ourselves first, then the others (their UIDs were checked to parse with the world).
        let others = self.peers.iter().map(|p| {
            let full = format!("{}({})", p.name, p.nickname);
            (full, p.version, p.uid.parse().unwrap_or_default(), &p.connections)
        });
        for (peer, version, uid, connections) in
            std::iter::once((full, self.peer_version, self.uid, &self.connections)).chain(others)
        {
            out.push_str(&format!("{peer} (v{version}) (UID {uid})\n"));
            for c in connections {
                let unestablished = if c.established { "" } else { " (unestablished)" };
                out.push_str(&format!("   -> {} [{}{unestablished}]\n", c.to, c.address));
            }
        }
        out.push_str("Routes:\nunicast:\n");
        for u in &self.unicast {
            out.push_str(&format!("{} -> {}\n", u.peer, u.via));
        }
        out.push_str("broadcast:\n");
        for b in &self.broadcast {
            out.push_str(&format!("{} -> [{}]\n", b.peer, b.hops.join(" ")));
        }
        out.push_str("Reconnects:\n");
        out.push_str(&self.reconnects());
        out.push('\n');
        out
    }

    /// The connection maker's targets, as its `String()` prints them.
    fn reconnects(&self) -> String {
        let mut out = String::new();
        for t in &self.targets {
            out.push_str(&format!("->[{}]", t.address));
            if let Some(e) = &t.error {
                out.push_str(&format!(" ({e})"));
            }
            let when = if t.attempting { "trying since" } else { "next try at" };
            out.push_str(&format!(" {when} {}\n", t.at));
        }
        out
    }
}

/// Go's `net.SplitHostPort` (1.4): `HOST:PORT` or `[HOST]:PORT`, else its error.
fn split_host_port(s: &str) -> Result<(&str, &str), String> {
    let err = |why: &str| Err(format!("{why} {s}"));
    let Some(i) = s.rfind(':') else { return err("missing port in address") };
    let (host, j, k) = if s.starts_with('[') {
        let Some(end) = s.find(']') else { return err("missing ']' in address") };
        match end + 1 {
            e if e == s.len() => return err("missing port in address"),
            e if e == i => {}
            e if s.as_bytes()[e] == b':' => return err("too many colons in address"),
            _ => return err("missing port in address"),
        }
        (&s[1..end], 1, end + 1)
    } else {
        let host = &s[..i];
        if host.contains(':') {
            return err("too many colons in address");
        }
        if host.contains('%') {
            return err("missing brackets in address");
        }
        (host, 0, 0)
    };
    if s[j..].contains('[') {
        return err("unexpected '[' in address");
    }
    if s[k..].contains(']') {
        return err("unexpected ']' in address");
    }
    Ok((host, &s[i + 1..]))
}

/// Go's `dtoi`: the decimal number at the start of `s`, and where it ends; `None` for no digit or
/// a number of 0xFFFFFF or more.
fn dtoi(s: &str) -> Option<(u32, usize)> {
    let mut n = 0u32;
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    for b in s.bytes().take(digits) {
        n = n * 10 + u32::from(b - b'0');
        if n >= 0xFF_FFFF {
            return None;
        }
    }
    (digits > 0).then_some((n, digits))
}

/// Go 1.4's `parseIPv4`: four decimal parts up to 255, leading zeros allowed.
fn parse_ipv4(s: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = s.split('.').collect();
    let octets: Vec<u8> = parts
        .iter()
        .filter_map(|p| dtoi(p).filter(|&(n, end)| end == p.len() && n <= 255).map(|(n, _)| n as u8))
        .collect();
    (parts.len() == 4 && octets.len() == 4).then(|| Ipv4Addr::new(octets[0], octets[1], octets[2], octets[3]))
}

/// Go 1.4's `ParseIP` for the forms weave meets: IPv4 as [`parse_ipv4`], else IPv6.
fn parse_ip(s: &str) -> Option<IpAddr> {
    parse_ipv4(s).map(IpAddr::V4).or_else(|| s.parse::<Ipv6Addr>().ok().map(IpAddr::V6))
}

/// `net.ResolveTCPAddr("tcp4", ...)` as the router's `InitiateConnection` uses it on a peer
/// (`HOST`, or `HOST:PORT`, port 0 meaning none given): the address, or Go's error. `None` where
/// Go would look the host up by name, which is not modeled.
fn resolve_tcp4(peer: &str) -> Option<Result<(Option<IpAddr>, u16), String>> {
    let (host, port) = split_host_port(peer).unwrap_or((peer, "0"));
    let joined = format!("{host}:{port}");
    let (host, port) = match split_host_port(&joined) {
        Ok(hp) => hp,
        Err(e) => return Some(Err(e)),
    };
    let port = match dtoi(port) {
        Some((p, end)) if end == port.len() => p,
        // A service name: a scratch image has no /etc/services, and Go's own table knows http.
        _ if port == "http" => 80,
        _ => return Some(Err(format!("unknown port tcp/{port}"))),
    };
    if port > 0xFFFF {
        return Some(Err(format!("invalid port {port}")));
    }
    if host.is_empty() {
        return Some(Ok((None, port as u16)));
    }
    let ip =
        parse_ip(host).or_else(|| host.split_once('%').and_then(|(h, _)| h.parse::<Ipv6Addr>().ok().map(IpAddr::V6)));
    match ip {
        Some(ip) => Some(Ok((Some(ip), port as u16))),
        // The router is built with netgo: Go's own resolver refuses a name that is no domain name
        // before it asks anyone (`lookup` in Go 1.4's dnsclient_unix.go). A name with a `%` has
        // its zone split off first, and a domain name needs a lookup: neither is modeled.
        None if !host.contains('%') && !is_domain_name(host) => {
            Some(Err(format!("lookup {host}: invalid domain name")))
        }
        None => None,
    }
}

/// Go 1.4's `isDomainName` (RFC 1035 and 3696): letters, digits, `_` and `-` in dot-separated
/// parts of 1 to 63 bytes, no part starting with `-` or ending with it before a dot, at most 255
/// bytes, and a letter or `_` somewhere.
fn is_domain_name(s: &str) -> bool {
    if s.is_empty() || s.len() > 255 {
        return false;
    }
    let (mut last, mut letter, mut part) = (b'.', false, 0);
    for c in s.bytes() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                letter = true;
                part += 1;
            }
            b'0'..=b'9' => part += 1,
            b'-' if last != b'.' => part += 1,
            b'.' if last != b'.' && last != b'-' && (1..=63).contains(&part) => part = 0,
            _ => return false,
        }
        last = c;
    }
    last != b'-' && part <= 63 && letter
}

/// Go's `TCPAddr.String()`: `IP:PORT`, brackets round IPv6, nothing for no IP.
fn tcp_addr_string(ip: Option<IpAddr>, port: u16) -> String {
    match ip.map(go_ip) {
        None => format!(":{port}"),
        Some(ip) if ip.contains(':') => format!("[{ip}]:{port}"),
        Some(ip) => format!("{ip}:{port}"),
    }
}

/// Go's `IP.String()`: an IPv4-mapped IPv6 address prints as IPv4.
fn go_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or_else(|| v6.to_string(), |v4| v4.to_string()),
        v4 => v4.to_string(),
    }
}

/// weaveDNS: what its status report shows, and the zone its calls change.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dns {
    pub owner: Owner,
    version: String,
    domain: String,
    listen: String,
    fallback: String,
    records: Vec<world::Record>,
    changed: bool,
}

impl Dns {
    fn new(c: &Container, t: world::Dns) -> Dns {
        let f = &t.fallback;
        // Go's `%v` of a `*dns.ClientConfig`.
        let fallback = format!(
            "&{{[{}] [{}] {} {} {} {}}}",
            f.servers.join(" "),
            f.search.join(" "),
            f.port,
            f.ndots,
            f.timeout,
            f.attempts
        );
        Dns {
            owner: Owner::of(c),
            version: t.version.unwrap_or_else(|| image_version(&c.image)),
            domain: t.domain,
            listen: t.listen,
            fallback,
            // The world's addresses are checked to parse as this; Go prints them in its own form.
            records: t
                .records
                .into_iter()
                .map(|r| world::Record { ip: r.ip.parse().map_or(r.ip, go_ip), ..r })
                .collect(),
            changed: false,
        }
    }

    /// `GET /status`, `PUT /name/ID/IP` (`fqdn=`), `DELETE /name/ID/IP`; 404 elsewhere.
    fn handle(&mut self, request: &Request, iface: &Iface) -> Option<Answer> {
        let Some(rest) = request.path.strip_prefix(b"/name/") else {
            return match (request.method, request.path) {
                (b"GET", b"/status") => Some((200, self.status(iface).into_bytes())),
                _ => not_found(),
            };
        };
        // `/name/{id:.+}/{ip:.+}`: both parts non-empty, the id taking all but the last segment.
        let split = rest.iter().rposition(|&b| b == b'/').filter(|&s| s > 0 && s + 1 < rest.len());
        let Some(s) = split else { return not_found() };
        let ident = String::from_utf8_lossy(&rest[..s]).into_owned();
        let ip = std::str::from_utf8(&rest[s + 1..]).ok().and_then(parse_ip).map(go_ip);
        match (request.method, ip) {
            (b"PUT", _) if request.form_value(b"fqdn").is_empty() => error(400, "Invalid FQDN"),
            (b"PUT", None) => error(400, "Invalid IP"),
            (b"DELETE", None) => error(400, "Invalid IP in request"),
            (b"PUT", Some(ip)) => {
                let name = String::from_utf8_lossy(request.form_value(b"fqdn")).into_owned();
                // A name outside the domain is ignored; a record held already is no error.
                let record = world::Record { ident, ip, name: fqdn(&name) };
                if is_sub_domain(&self.domain, &name) && !self.records.contains(&record) {
                    self.records.push(record);
                    self.changed = true;
                }
                Some((200, Vec::new()))
            }
            (b"DELETE", Some(ip)) => {
                // The first record of that container and address; none is no error.
                if let Some(i) = self.records.iter().position(|r| r.ident == ident && r.ip == ip) {
                    self.records.remove(i);
                    self.changed = true;
                }
                Some((200, Vec::new()))
            }
            _ => not_found(),
        }
    }

    /// The version line, `Status()`, and the newline `Fprintln` adds.
    fn status(&self, iface: &Iface) -> String {
        format!(
            "weave DNS {}\nLocal domain {}\nListen address {}\nmDNS interface {iface}\nFallback DNS config {}\nZone database:\n{}\n",
            self.version,
            self.domain,
            self.listen,
            self.fallback,
            self.zone()
        )
    }

    /// The zone as `ZoneDb.String()` prints it: the id cut to 12 characters, the address, the name.
    fn zone(&self) -> String {
        self.records.iter().map(|r| format!("{:.12} {} {}\n", r.ident, r.ip, r.name)).collect()
    }
}

/// miekg/dns's `Fqdn`: the name with a final dot.
fn fqdn(name: &str) -> String {
    match name.ends_with('.') {
        true => name.to_string(),
        false => format!("{name}."),
    }
}

/// miekg/dns's `IsSubDomain`: `child`'s labels end with all of `parent`'s, compared as written
/// (not case-folded).
fn is_sub_domain(parent: &str, child: &str) -> bool {
    let labels = |s: &str| -> Vec<String> {
        let f = fqdn(s);
        let f = f.strip_suffix('.').unwrap_or(&f).to_string();
        if f.is_empty() {
            return Vec::new();
        }
        f.split('.').map(str::to_string).collect()
    };
    let (p, c) = (labels(parent), labels(child));
    p.len() <= c.len() && p.iter().rev().zip(c.iter().rev()).all(|(a, b)| a == b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::State;

    fn argv(line: &str) -> Vec<Vec<u8>> {
        shell_words::split(line).unwrap().into_iter().map(String::into_bytes).collect()
    }

    /// A world with one running container of `image` (and the router's, or weaveDNS's, table).
    fn world(image: &str, table: &str) -> World {
        let text = format!(
            "[[docker.container]]\nid = \"{}\"\nname = \"svc\"\nimage = \"{image}\"\nip_address = \"172.17.0.2\"\n{table}",
            "ab".repeat(32)
        );
        World::parse(&text, "w.toml", 1).unwrap()
    }

    /// Runs curl command lines in turn against one state; each line's stdout and status.
    fn session(world: &World, lines: &[&str]) -> (Vec<(String, i32, bool)>, State) {
        let mut state = State::new(world);
        let out = lines
            .iter()
            .map(|line| {
                let (docker, net, services) = state.all_parts(world);
                let r = curl(world, docker, net, services, &argv(line));
                (String::from_utf8(r.stdout).unwrap(), r.status, r.unmodeled)
            })
            .collect();
        (out, state)
    }

    fn stdout(world: &World, line: &str) -> String {
        session(world, &[line]).0.remove(0).0
    }

    #[test]
    fn nothing_listening_is_connection_refused_said_only_without_s() {
        let none = World::default();
        let (out, _) =
            session(&none, &["curl --connect-timeout 3 -s -X POST -d peer=10.0.0.4 http://172.17.0.2:6784/connect"]);
        assert_eq!((out[0].1, out[0].0.as_str()), (7, ""));
        // A running container that is not the router does not listen on the router's port.
        let other = world("ubuntu", "");
        let mut state = State::new(&other);
        let (docker, net, services) = state.all_parts(&other);
        let r = curl(&other, docker, net, services, &argv("curl -X GET http://172.17.0.2:6784/status"));
        assert_eq!(
            String::from_utf8_lossy(&r.stderr),
            "curl: (7) Failed to connect to 172.17.0.2 port 6784: Connection refused\n"
        );
    }

    #[test]
    fn a_fresh_routers_report_shows_its_interface_name_and_own_routes() {
        let w = world("weaveworks/weave:0.10.0", "");
        let report = stdout(&w, "curl -s -X GET http://172.17.0.2:6784/status");
        let lines: Vec<&str> = report.lines().collect();
        assert_eq!(lines[..2], ["weave router 0.10.0", "Encryption off"]);
        // The name is the weave bridge's MAC (made with the router's ethwe), the nickname the host's.
        let name = lines[2].strip_prefix("Our name is ").unwrap();
        assert!(name.ends_with("(weave-host)"), "{name}");
        let iface =
            regex::Regex::new(r"^Sniffing traffic on &\{\d+ 65535 ethwe ([0-9a-f:]{17}) up\|broadcast\|multicast\}$");
        let mac = &iface.unwrap().captures(lines[3]).expect(lines[3])[1].to_string();
        assert_eq!(lines[4], "MACs:");
        assert!(lines[5].starts_with(&format!("{mac} -> {name} (2015-")), "{}", lines[5]);
        let bare = name.split('(').next().unwrap();
        assert_eq!(
            lines[6..],
            [
                "Peers:",
                &format!("{name} (v0) (UID {})", hash64(&[b"uid", "ab".repeat(32).as_bytes()])),
                "Routes:",
                "unicast:",
                &format!("{bare} -> 00:00:00:00:00:00"),
                "broadcast:",
                &format!("{bare} -> []"),
                "Reconnects:",
                "",
            ]
        );
        // Fprintln's newline after Status()'s own.
        assert!(report.ends_with("Reconnects:\n\n"));
    }

    #[test]
    fn connect_adds_a_target_tried_at_once_and_forget_lets_it_go_when_not_under_way() {
        let table = "[docker.container.router]\nclock = \"T0\"\n\
            [[docker.container.router.reconnect]]\naddress = \"10.0.0.9:6783\"\nasked = \"10.0.0.9\"\n\
            error = \"refused\"\nat = \"T1\"\n";
        let w = world("weaveworks/weave:0.10.0", table);
        let post = "curl -s -X POST http://172.17.0.2:6784";
        let status = "curl -s -X GET http://172.17.0.2:6784/status";
        let (out, state) = session(
            &w,
            &[
                &format!("{post}/connect -d peer=10.0.0.4"),
                &format!("{post}/connect -d peer=10.0.0.5:7000"),
                &format!("{post}/forget -d peer=10.0.0.9"),
                status,
            ],
        );
        assert!(out.iter().all(|(_, status, unmodeled)| (*status, *unmodeled) == (0, false)));
        let reconnects = out[3].0.split("Reconnects:\n").nth(1).unwrap();
        // The forgotten target was waiting, so the connection maker's next run drops it.
        assert_eq!(reconnects, "->[10.0.0.4:6783] trying since T0\n->[10.0.0.5:7000] trying since T0\n\n");
        assert!(state
            .render()
            .contains("  svc router: peers asked for, then targets\n    asked \"10.0.0.4\" (10.0.0.4:6783)\n"));
        // Asked again, a waiting target is tried at once, its last error still shown.
        let (out, _) = session(&w, &[&format!("{post}/connect -d peer=10.0.0.9"), status]);
        assert!(out[1].0.contains("->[10.0.0.9:6783] (refused) trying since T0\n"), "{}", out[1].0);
    }

    #[test]
    fn a_peer_go_cannot_resolve_gets_go_1_4s_message_and_a_name_is_not_modeled() {
        let w = world("weaveworks/weave:0.10.0", "");
        let connect = |peer: &str| {
            session(&w, &[&format!("curl -s -X POST -d peer={peer} http://172.17.0.2:6784/connect")]).0.remove(0)
        };
        for (peer, body) in [
            ("1.2.3.4:5:6", "invalid peer address: too many colons in address 1.2.3.4:5:6:0\n"),
            ("10.0.0.4:70000", "invalid peer address: invalid port 70000\n"),
            ("10.0.0.4:abc", "invalid peer address: unknown port tcp/abc\n"),
            ("10.0.0.4:", "invalid peer address: unknown port tcp/\n"),
            ("[::1", "invalid peer address: missing ']' in address [::1:0\n"),
            ("10.0.0.4", ""),
            ("010.0.0.4:http", ""),
            // The host and port split, then joined again without brackets: Go refuses its own join.
            ("[::1]:6783", "invalid peer address: too many colons in address ::1:6783\n"),
            ("", ""),
        ] {
            assert_eq!(connect(peer), (body.to_string(), 0, false), "{peer}");
        }
        assert!(connect("host.example").2);
        assert_eq!(tcp_addr_string(resolve_tcp4("010.0.0.4").unwrap().ok().unwrap().0, 6783), "10.0.0.4:6783");
        // Go's resolver refuses what is no domain name without a lookup; a domain name needs one.
        assert_eq!(resolve_tcp4("say \"hi\""), Some(Err("lookup say \"hi\": invalid domain name".into())));
        assert_eq!(resolve_tcp4("10.2.0.1/24:6783"), Some(Err("lookup 10.2.0.1/24: invalid domain name".into())));
        assert_eq!(resolve_tcp4("1.2.3.400"), Some(Err("lookup 1.2.3.400: invalid domain name".into())));
        assert_eq!(resolve_tcp4("-db"), Some(Err("lookup -db: invalid domain name".into())));
        for needs_lookup in ["db", "db.weave.local", "_x.y", "x-1.example"] {
            assert_eq!(resolve_tcp4(needs_lookup), None, "{needs_lookup}");
        }
        assert_eq!(tcp_addr_string(None, 6783), ":6783");
        assert_eq!(tcp_addr_string(Some("::ffff:1.2.3.4".parse().unwrap()), 1), "1.2.3.4:1");
        assert_eq!(tcp_addr_string(Some("::1".parse().unwrap()), 1), "[::1]:1");
    }

    #[test]
    fn the_router_says_404_elsewhere_and_leaves_its_json_report_unmodeled() {
        let w = world("weaveworks/weave:0.10.0", "");
        assert_eq!(stdout(&w, "curl -s -X GET http://172.17.0.2:6784/nope"), "404 page not found\n");
        assert!(session(&w, &["curl -s http://172.17.0.2:6784/status-json"]).0[0].2);
    }

    #[test]
    fn weavedns_checks_the_name_and_the_address_and_keeps_its_zone() {
        let w = world("weaveworks/weavedns:0.10.0", "");
        let put = "curl --connect-timeout 3 -s -X PUT";
        let url = "http://172.17.0.2:6785";
        let (out, state) = session(
            &w,
            &[
                &format!("{put} --data-urlencode fqdn=web.weave.local. {url}/name/0123456789abcdef/10.2.0.1"),
                &format!("{put} {url}/name/abc/10.2.0.1"),
                &format!("{put} --data-urlencode fqdn=x. {url}/name/weave:expose/nope"),
                &format!("curl -s -X DELETE {url}/name/abc/nope"),
                &format!("curl -s -X POST {url}/name/abc/10.2.0.1"),
                // Outside the domain (compared as written), and a duplicate: both ignored.
                &format!("{put} --data-urlencode fqdn=db.WEAVE.local {url}/name/abc/10.2.0.2"),
                &format!("{put} --data-urlencode fqdn=web.weave.local {url}/name/0123456789abcdef/10.2.0.1"),
                &format!("{put} --data-urlencode fqdn=db.weave.local {url}/name/abc/010.2.0.3"),
                &format!("curl -s -X DELETE {url}/name/abc/10.2.0.9"),
                &format!("curl -s -X GET {url}/status"),
            ],
        );
        let bodies: Vec<&str> = out.iter().map(|(o, _, _)| o.as_str()).collect();
        assert_eq!(
            bodies[..9],
            ["", "Invalid FQDN\n", "Invalid IP\n", "Invalid IP in request\n", "404 page not found\n", "", "", "", ""]
        );
        let report = bodies[9];
        assert!(report.starts_with("weave DNS 0.10.0\nLocal domain weave.local.\nListen address :53\n"), "{report}");
        // No ethwe in this world: Go prints a nil *net.Interface.
        assert!(report.contains("\nmDNS interface <nil>\nFallback DNS config &{[10.0.2.3] [] 53 1 5 2}\n"));
        assert!(report
            .ends_with("Zone database:\n0123456789ab 10.2.0.1 web.weave.local.\nabc 10.2.0.3 db.weave.local.\n\n"));
        assert!(state.render().contains("  svc weaveDNS zone\n    0123456789ab 10.2.0.1 web.weave.local.\n"));
    }

    #[test]
    fn a_restarted_service_starts_fresh() {
        let w = world("weaveworks/weavedns:0.10.0", "");
        let put = "curl -s -X PUT --data-urlencode fqdn=a.weave.local. http://172.17.0.2:6785/name/abc/10.2.0.1";
        let (_, mut state) = session(&w, &[put]);
        state.services.dns[0].owner.pid += 1;
        let (docker, net, services) = state.all_parts(&w);
        let r = curl(&w, docker, net, services, &argv("curl -s http://172.17.0.2:6785/status"));
        assert!(String::from_utf8(r.stdout).unwrap().ends_with("Zone database:\n\n"));
    }

    #[test]
    fn go_splits_host_and_port_as_1_4_did() {
        assert_eq!(split_host_port("a:1"), Ok(("a", "1")));
        assert_eq!(split_host_port("[::1]:2"), Ok(("::1", "2")));
        assert_eq!(split_host_port("a"), Err("missing port in address a".into()));
        assert_eq!(split_host_port("[::1]"), Err("missing port in address [::1]".into()));
        assert_eq!(split_host_port("[::1]:a:80"), Err("too many colons in address [::1]:a:80".into()));
        assert_eq!(split_host_port("fe80::1%eth0:1"), Err("too many colons in address fe80::1%eth0:1".into()));
        assert_eq!(split_host_port("a%b:1"), Err("missing brackets in address a%b:1".into()));
        assert_eq!(split_host_port("a]:1"), Err("unexpected ']' in address a]:1".into()));
        assert_eq!(parse_ipv4("1.2.3.256"), None);
        assert_eq!(dtoi("16777215"), None);
        assert!(is_sub_domain("weave.local.", "a.weave.local") && !is_sub_domain("weave.local.", "weave.localx."));
        assert!(!is_sub_domain("weave.local.", "local."));
    }
}
