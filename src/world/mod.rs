//! The simulated world the fakes answer from, as it is when a run starts: the host's docker client
//! and daemon with their containers and images, what weaveexec answers, and the host's links,
//! iptables rules and tools. The fakes' state grows from it.
//!
//! A world file is TOML; every key has a default, and the defaults are the world of the documented
//! traces (`fixtures/documented`), so an empty file, or none, is that world.
//!
//! Images: `[[docker.image]]` (with `created` and `size` as `docker images` prints them) are
//! images the daemon has; `[[docker.registry]]` are those Docker Hub offers (`pulled = false`:
//! the daemon lacks it until `docker pull`, or a `docker run` pulls it first; `error` makes the
//! pull fail; `version` is what its router or weaveDNS prints for `--version`; `output` is the
//! pull's stdout). An image named nowhere is one the daemon has. A service that never answers
//! HTTP (so `wait_for_status` times out): `silent = true` on its registry image (every container
//! of it) or in a world container's `[docker.container.router]` / `[docker.container.dns]`
//! table. Connection tracking flows `conntrack -D` finds: `[[host.flow]] protocol, dport`.

pub mod addr;
pub mod image;
pub mod iptables;
pub mod services;

use serde::{Deserialize, Serialize};
use std::path::Path;

/// A world, as a world file (or a case's `[world]` table) describes it.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct World {
    #[serde(default)]
    pub docker: Docker,
    #[serde(default)]
    pub weaveexec: Weaveexec,
    #[serde(default)]
    pub host: Host,
    /// Redaction rules for every case run in this world.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redact: Vec<Redaction>,
    /// A cassette: when present, the fakes answer these calls, in this order, and nothing else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<Replay>,
}

/// A redaction rule: every match of `regex` in a run's output becomes `placeholder` before the
/// comparison, so a golden can hold the placeholder where a value varies.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Redaction {
    pub regex: String,
    pub placeholder: String,
}

/// The calls a replay expects, each with the answer a trace revealed for it.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Replay {
    #[serde(default, rename = "call")]
    pub calls: Vec<ReplayCall>,
}

/// One expected call: its words as the trace shows them (joined by single spaces), and its answer.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayCall {
    pub command: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stdout: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stderr: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub status: i32,
}

fn is_zero(n: &i32) -> bool {
    *n == 0
}

/// The host's docker client and daemon.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Docker {
    /// The line `docker -v` prints (a newline is added; empty prints nothing).
    pub version_output: String,
    /// `docker -v`'s exit status.
    pub version_status: i32,
    /// The ids `docker run -d` hands out, in order; after them, deterministic 64-hex ids.
    pub container_ids: Vec<String>,
    /// Explicit answers, tried in order before the model.
    pub answer: Vec<Answer>,
    /// Containers that exist before the run, in the order `docker ps -a` would list them oldest first.
    #[serde(rename = "container")]
    pub containers: Vec<Container>,
    /// Images the daemon has besides those of its containers (`docker inspect IMAGE`).
    #[serde(rename = "image")]
    pub images: Vec<Image>,
    /// Pids handed to containers as they start (the world's first, then `docker run -d`s), in
    /// order; after them, pids counting up from 40001: above the default pid_max of 32768, so no
    /// process a sandboxed shell could `kill -0` has one.
    pub pids: Vec<u32>,
    /// The images the registry (Docker Hub) offers, for `docker pull` and for a `docker run` of an
    /// image the daemon lacks; unset, weave 0.10.0's three images, which the daemon has already
    /// as `:0.10.0`, and their `:latest` tags (the same images), which it lacks until pulled. A
    /// world that gives this list replaces the default one.
    pub registry: Vec<RegistryImage>,
}

/// An image the registry has: its id and tags, whether the daemon has it at the start, and what
/// its program and a pull of it print.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryImage {
    /// 64 lowercase hex digits.
    pub id: String,
    /// `REPOSITORY:TAG` names; pulling any of them gives the daemon the image with all of them
    /// (an image the registry has under another tag that a pull must not bring is a second
    /// entry with the same id).
    pub tags: Vec<String>,
    /// Whether the daemon has it when the run starts (then `docker pull` finds it up to date).
    #[serde(default = "yes")]
    pub pulled: bool,
    /// What its program (the router, weaveDNS) prints for `--version` after its name; unset, the
    /// first tag's tag (`0.10.0` for `latest`), as the release stamps it (`-X main.version`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// What `docker pull` of it prints on stdout when the daemon lacks it; unset, docker 1.3's
    /// lines for a one-layer image of the v1 registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// A pull of it fails with this daemon error (after `Pulling repository REPO`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// `docker images`' CREATED and VIRTUAL SIZE, as printed.
    #[serde(default = "default_created")]
    pub created: String,
    #[serde(default = "default_size")]
    pub size: String,
    /// A router or weaveDNS of this image runs but never answers HTTP (`wait_for_status` times out).
    #[serde(default)]
    pub silent: bool,
}

pub fn default_created() -> String {
    "3 weeks ago".into()
}

pub fn default_size() -> String {
    "11.64 MB".into()
}

/// A container of the world.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Container {
    /// The full id: 64 lowercase hex digits.
    pub id: String,
    /// Its name, without docker's leading `/`.
    pub name: String,
    /// The image as `docker run` was given it (`{{.Config.Image}}`).
    #[serde(default = "default_image")]
    pub image: String,
    /// Whether it runs (a stopped one has no pid, no address, no namespace).
    #[serde(default = "yes")]
    pub running: bool,
    /// Its pid while running; unset, the next of `docker.pids`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// Its address on the docker bridge; unset, the next free one of docker0's subnet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    /// `{{.Config.Hostname}}`; unset, the first 12 digits of the id, as docker makes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// `{{.Config.Domainname}}`.
    #[serde(default)]
    pub domainname: String,
    /// Its `--net`.
    #[serde(default)]
    pub network: Network,
    /// Addresses an earlier `weave attach` left on it: `ethwe` with these, up, its veth peer
    /// `vethweplPID` on the weave bridge (made when the host lacks it), the multicast route.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub weave: Vec<String>,
    /// The router's state, for a container of `weaveworks/weave`; unset, a fresh router's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub router: Option<services::Router>,
    /// weaveDNS's state, for a container of `weaveworks/weavedns`; unset, a fresh one's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns: Option<services::Dns>,
}

fn default_image() -> String {
    "ubuntu".into()
}

fn yes() -> bool {
    true
}

/// A container's `--net`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Network {
    /// A namespace of its own, with `eth0` on docker0.
    #[default]
    Bridge,
    /// The host's namespace.
    Host,
    /// A namespace of its own with only `lo`.
    None,
}

/// An image of the world: `docker inspect` finds it by id, id prefix or tag.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Image {
    /// 64 lowercase hex digits.
    pub id: String,
    /// `REPOSITORY:TAG` names (a name without a tag means `:latest`).
    #[serde(default)]
    pub tags: Vec<String>,
    /// `docker images`' CREATED and VIRTUAL SIZE, as printed.
    #[serde(default = "default_created")]
    pub created: String,
    #[serde(default = "default_size")]
    pub size: String,
}

/// An explicit answer to the docker calls whose words match `args`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// A regex over the call's words (`docker` first) joined by single spaces, as its trace line
    /// reads without the `+ `.
    pub args: String,
    #[serde(default)]
    pub stdout: String,
    #[serde(default)]
    pub stderr: String,
    #[serde(default)]
    pub status: i32,
}

/// What the weaveexec image's `--local` commands answer.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Weaveexec {
    /// The line the docker client inside the image prints for `docker -v` (1.3.1 in weave 0.10).
    pub docker_version_output: String,
}

/// The host the local side runs on: what `id`, `uname`, `ip`, `iptables` and the rest tell of it.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Host {
    /// What the host's `/bin/sh` is: `dash` (Debian, Ubuntu; the default), `bash` (Fedora, RHEL,
    /// CentOS) or `ash` (busybox, alpine). The spec behaves as that shell on the host; weaveexec's
    /// own shell is busybox ash whatever the host's.
    pub shell: crate::trace::Dialect,
    /// `id -u`.
    pub uid: u32,
    /// `uname -s -r`.
    pub uname: String,
    /// `ip -V`.
    pub ip_version: String,
    /// Whether `ip netns` works (iproute2 from 2011 on).
    pub netns: bool,
    /// `hostname`.
    pub hostname: String,
    /// Whether `/var/run/netns` exists when the run starts. weaveexec is a fresh container each
    /// time, so by default it does not.
    pub netns_dir: bool,
    /// Whether arping is installed (on PATH).
    pub arping: bool,
    /// Whether iptables accepts `-w` (1.4.20 on).
    pub iptables_w: bool,
    /// Rules present at the start, as `iptables -S` lines with their table, e.g.
    /// `-t nat -N WEAVE` or `-t filter -A FORWARD -i weave -o weave -j ACCEPT`.
    pub iptables: Vec<String>,
    /// The seed of `/dev/urandom` as `od` reads it.
    pub random_seed: u64,
    /// Explicit answers for the host's commands (`ip`, `ethtool`, `iptables`, `arping`, `od`,
    /// `curl`, `hostname`, `id`, `uname`), tried in order before the model; they change nothing.
    pub answer: Vec<Answer>,
    /// Network links of the host's namespace: `lo`, `eth0` and `docker0` by default.
    #[serde(rename = "link")]
    pub links: Vec<Link>,
    /// The connection tracking table's flows (none by default), as `conntrack -D` finds them.
    #[serde(rename = "flow", skip_serializing_if = "Vec::is_empty")]
    pub flows: Vec<Flow>,
}

/// A flow of the connection tracking table: its protocol (`udp`, `tcp`) and destination port.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    pub protocol: String,
    pub dport: u16,
}

/// A network link of the host.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    pub name: String,
    /// Addresses with their prefix length, e.g. `172.17.42.1/16`.
    #[serde(default)]
    pub addresses: Vec<String>,
    /// What kind of link.
    #[serde(default)]
    pub kind: LinkKind,
    /// Unset, 1500 (65536 for a loopback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtu: Option<u32>,
    /// `aa:bb:cc:dd:ee:ff`; unset, one derived from the name (all zeros for a loopback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    /// The bridge it is a port of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master: Option<String>,
    /// Whether it is up.
    #[serde(default = "yes")]
    pub up: bool,
}

/// The kinds of link the fakes know.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkKind {
    Loopback,
    #[default]
    Ether,
    Bridge,
    Veth,
    Dummy,
}

impl Link {
    /// A link of `kind` with the defaults for the rest.
    pub fn new(name: &str, kind: LinkKind, addresses: &[&str]) -> Link {
        Link {
            name: name.into(),
            addresses: addresses.iter().map(|a| a.to_string()).collect(),
            kind,
            mtu: None,
            mac: None,
            master: None,
            up: true,
        }
    }
}

impl Default for Host {
    fn default() -> Self {
        Host {
            shell: crate::trace::Dialect::Dash,
            uid: 0,
            uname: "Linux 3.16.0-4-amd64".into(),
            ip_version: "ip utility, iproute2-ss140804".into(),
            netns: true,
            hostname: "weave-host".into(),
            netns_dir: false,
            arping: true,
            iptables_w: true,
            iptables: Vec::new(),
            random_seed: 0x7765_6176,
            answer: Vec::new(),
            flows: Vec::new(),
            links: vec![
                Link::new("lo", LinkKind::Loopback, &["127.0.0.1/8"]),
                Link::new("eth0", LinkKind::Ether, &["10.0.2.15/24"]),
                Link::new("docker0", LinkKind::Bridge, &["172.17.42.1/16"]),
            ],
        }
    }
}

/// The container id of the documented `weave run` trace, the default world's first.
pub const DOCUMENTED_CONTAINER_ID: &str = "0eedd4c8c0a53d53209f415f5d1f004d75163f94a3f906d652aa7b37e56bbaaa";

impl Docker {
    /// The registry's image with id `id`, or with the tag `name` (`REPO` alone meaning `:latest`).
    pub fn registry_image(&self, name: &str, id: &str) -> Option<&RegistryImage> {
        let tag = image::with_tag(name);
        self.registry.iter().find(|r| r.id == id || r.tags.iter().any(|t| image::with_tag(t) == tag))
    }

    /// The world's `[[docker.image]]` with id `name`, or with the tag `name`.
    pub fn image(&self, name: &str) -> Option<&Image> {
        let tag = image::with_tag(name);
        self.images.iter().find(|i| i.id == name || i.tags.iter().any(|t| image::with_tag(t) == tag))
    }

    /// Whether some image of the registry is tagged in `repository` (then the registry has every
    /// tag of it there is).
    pub fn registry_lists(&self, repository: &str) -> bool {
        self.registry.iter().flat_map(|r| &r.tags).any(|t| image::repository(t) == repository)
    }

    /// What the router or weaveDNS of image `name` (id `id`) prints as its version: the registry's
    /// `version`, else the tag the release stamps in.
    pub fn stamped_version(&self, name: &str, id: &str) -> String {
        self.registry_image(name, id).and_then(|r| r.version.clone()).unwrap_or_else(|| services::image_version(name))
    }
}

impl Default for Docker {
    fn default() -> Self {
        Docker {
            version_output: "Docker version 1.6.0, build 4749651".into(),
            version_status: 0,
            container_ids: vec![DOCUMENTED_CONTAINER_ID.into()],
            answer: Vec::new(),
            containers: Vec::new(),
            images: Vec::new(),
            pids: Vec::new(),
            // Docker Hub's `latest` was 0.10.0 then: the same image, a tag the daemon lacks
            // until it is pulled (a v1 pull brings the one tag asked for).
            registry: ["weave", "weavedns", "weaveexec"]
                .iter()
                .flat_map(|name| {
                    let tag = format!("weaveworks/{name}:0.10.0");
                    let id = image::derived_id(&tag);
                    [(tag, true), (format!("weaveworks/{name}:latest"), false)].map(|(tag, pulled)| RegistryImage {
                        id: id.clone(),
                        tags: vec![tag],
                        pulled,
                        version: None,
                        output: None,
                        error: None,
                        created: default_created(),
                        size: default_size(),
                        silent: false,
                    })
                })
                .collect(),
        }
    }
}

impl Default for Weaveexec {
    fn default() -> Self {
        Weaveexec { docker_version_output: "Docker version 1.3.1, build 4e9bbfa".into() }
    }
}

/// A world file that cannot be used: where, and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct WorldError {
    pub path: String,
    pub line: usize,
    pub message: String,
}

/// A parser's message on one line, as errors a user sees are.
pub fn one_line(message: &str) -> String {
    message.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("; ")
}

/// 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

impl World {
    /// The world as a weaveexec container sees it: the same host and daemon, reached by the
    /// image's own docker client, whose `docker -v` answers the image's line.
    pub fn inside_weaveexec(&self) -> World {
        let mut inside = self.clone();
        inside.docker.version_output = self.weaveexec.docker_version_output.clone();
        inside.docker.version_status = 0;
        inside
    }

    /// Reads a world file.
    pub fn load(path: &Path) -> Result<World, WorldError> {
        let display = path.display().to_string();
        let cannot = |why: String| WorldError {
            path: display.clone(),
            line: 1,
            message: format!("cannot read world file: {why}"),
        };
        let bytes = crate::input::read(path).map_err(cannot)?;
        let text = String::from_utf8(bytes).map_err(|_| cannot("not UTF-8 text".into()))?;
        World::parse(&text, &display, 1)
    }

    /// Parses world TOML taken from `path`, where the text starts at line `first_line`.
    pub fn parse(text: &str, path: &str, first_line: usize) -> Result<World, WorldError> {
        let err = |offset: Option<usize>, message: String| WorldError {
            path: path.to_string(),
            line: first_line - 1 + offset.map_or(1, |o| line_of(text, o)),
            message,
        };
        let world: World = toml::from_str(text)
            .map_err(|e| err(e.span().map(|s| s.start), format!("bad world: {}", one_line(e.message()))))?;
        world.validated(text, path, first_line)
    }

    /// Checks what the TOML schema cannot (answer regexes, ids); `text` is where the world was read
    /// from, to point at the offending line.
    pub fn validated(self, text: &str, path: &str, first_line: usize) -> Result<World, WorldError> {
        match self.check() {
            Ok(()) => Ok(self),
            Err(Problem { needle, nth, message }) => {
                let at = text.match_indices(&needle).nth(nth).or_else(|| text.match_indices(&needle).next());
                Err(WorldError {
                    path: path.to_string(),
                    line: first_line - 1 + at.map_or(1, |(o, _)| line_of(text, o)),
                    message,
                })
            }
        }
    }

    /// Checks what serde cannot; on error, a piece of text to locate it by, and the message.
    fn check(&self) -> Result<(), Problem> {
        let answers =
            self.docker.answer.iter().map(|a| ("docker", a)).chain(self.host.answer.iter().map(|a| ("host", a)));
        for (whose, a) in answers {
            if let Err(e) = regex::Regex::new(&a.args) {
                let first = e.to_string().lines().last().unwrap_or_default().trim().to_string();
                return Err(Problem::at(
                    &a.args,
                    format!("bad world: {whose}.answer args is not a valid regex: {first}"),
                ));
            }
        }
        for r in &self.redact {
            if let Err(e) = regex::bytes::Regex::new(&r.regex) {
                let first = e.to_string().lines().last().unwrap_or_default().trim().to_string();
                return Err(Problem::at(&r.regex, format!("bad redaction: regex is not valid: {first}")));
            }
        }
        for id in &self.docker.container_ids {
            if id.is_empty() || id.contains(char::is_whitespace) {
                return Err(Problem::at(
                    &format!("{id:?}"),
                    format!("bad world: container id {id:?} is empty or holds white space"),
                ));
            }
        }
        self.check_links()?;
        if let (_, Some((line, e))) = iptables::world_tables(&self.host.iptables) {
            return Err(Problem::at(line, format!("bad world: host.iptables {line:?}: {e}")));
        }
        self.check_docker()
    }

    fn check_links(&self) -> Result<(), Problem> {
        for (i, l) in self.host.links.iter().enumerate() {
            let nth = self.host.links[..i].iter().filter(|o| o.name == l.name).count();
            if nth > 0 {
                return Err(Problem {
                    needle: format!("\"{}\"", l.name),
                    nth,
                    message: format!("bad world: link {:?} is given twice", l.name),
                });
            }
            if l.name.is_empty() || l.name.len() > 15 || l.name.contains(|c: char| c == '/' || c.is_whitespace()) {
                return Err(Problem::at(
                    &format!("\"{}\"", l.name),
                    format!("bad world: {:?} is not a link name (1 to 15 characters, no '/' or space)", l.name),
                ));
            }
            for a in &l.addresses {
                // An IPv6 address (the kernel's own link-local ones) is kept as text, but must be one.
                let v6 = a.split_once('/').is_some_and(|(ip, len)| {
                    ip.parse::<std::net::Ipv6Addr>().is_ok() && len.parse::<u8>().is_ok_and(|l| l <= 128)
                });
                if !v6 && addr::Cidr::parse(a).is_none() {
                    return Err(Problem::at(
                        a,
                        format!("bad world: link {:?}: address {a:?} is not ADDRESS/PREFIX", l.name),
                    ));
                }
            }
            if let Some(mac) = &l.mac {
                if !addr::valid_mac(mac) {
                    return Err(Problem::at(
                        mac,
                        format!("bad world: link {:?}: mac {mac:?} is not six hex bytes", l.name),
                    ));
                }
            }
            if let Some(mtu) = l.mtu {
                if !(68..=65536).contains(&mtu) {
                    return Err(Problem::at(
                        &format!("mtu = {mtu}"),
                        format!("bad world: link {:?}: mtu {mtu} is not within 68..65536", l.name),
                    ));
                }
            }
            if let Some(master) = &l.master {
                if !self.host.links.iter().any(|b| &b.name == master && b.kind == LinkKind::Bridge) {
                    return Err(Problem::at(
                        master,
                        format!("bad world: link {:?}: master {master:?} is not a bridge of the host", l.name),
                    ));
                }
            }
        }
        Ok(())
    }

    fn check_docker(&self) -> Result<(), Problem> {
        let hex64 = |id: &str| id.len() == 64 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        let containers = &self.docker.containers;
        for (i, c) in containers.iter().enumerate() {
            if !hex64(&c.id) {
                return Err(Problem::at(
                    &c.id,
                    format!("bad world: container id {:?} is not 64 lowercase hex digits", c.id),
                ));
            }
            let nth = containers[..i].iter().filter(|o| o.id == c.id).count();
            if nth > 0 {
                return Err(Problem {
                    needle: c.id.clone(),
                    nth,
                    message: format!("bad world: container id {} is given twice", c.id),
                });
            }
            let nth = containers[..i].iter().filter(|o| o.name == c.name).count();
            if c.name.is_empty() || nth > 0 {
                return Err(Problem {
                    needle: format!("\"{}\"", c.name),
                    nth,
                    message: format!("bad world: container name {:?} is empty or given twice", c.name),
                });
            }
            if let Some(ip) = &c.ip_address {
                if ip.parse::<std::net::Ipv4Addr>().is_err() {
                    return Err(Problem::at(
                        ip,
                        format!("bad world: container {:?}: ip_address {ip:?} is not an IPv4 address", c.name),
                    ));
                }
            }
            if c.pid == Some(0) {
                return Err(Problem::at(&c.id, format!("bad world: container {:?}: pid 0 is no process", c.name)));
            }
            if let Some(bad) = c.weave.iter().find(|a| !a.contains('/') || addr::Cidr::parse(a).is_none()) {
                return Err(Problem::at(
                    bad,
                    format!("bad world: container {:?}: weave address {bad:?} is not ADDRESS/LENGTH", c.name),
                ));
            }
            if let Some((needle, message)) = services::problem(&c.image, c.router.as_ref(), c.dns.as_ref()) {
                return Err(Problem::at(&needle, format!("bad world: container {:?}: {message}", c.name)));
            }
        }
        let registry = self.docker.registry.iter().map(|r| &r.id);
        for id in self.docker.images.iter().map(|i| &i.id).chain(registry) {
            if !hex64(id) {
                return Err(Problem::at(id, format!("bad world: image id {id:?} is not 64 lowercase hex digits")));
            }
        }
        if let Some(p) = self.docker.pids.iter().find(|&&p| p == 0) {
            return Err(Problem::at("pids", format!("bad world: docker.pids holds {p}, which is no process")));
        }
        Ok(())
    }
}

/// What `check` found wrong, and the `nth` occurrence of `needle` in the text to point at.
struct Problem {
    needle: String,
    nth: usize,
    message: String,
}

impl Problem {
    fn at(needle: &str, message: String) -> Problem {
        Problem { needle: needle.to_string(), nth: 0, message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_is_the_documented_world() {
        let w = World::parse("", "w.toml", 1).unwrap();
        assert_eq!(w, World::default());
        assert_eq!(w.docker.version_output, "Docker version 1.6.0, build 4749651");
        assert!(w.docker.answer.is_empty());
    }

    #[test]
    fn service_tables_are_checked_where_they_stand() {
        let container = |image: &str, table: &str| {
            format!("[[docker.container]]\nid = \"{}\"\nname = \"svc\"\nimage = \"{image}\"\n{table}", "ab".repeat(32))
        };
        let router = "weaveworks/weave:0.10.0";
        for (text, line, says) in [
            (container("ubuntu", "[docker.container.router]\nencryption = true\n"), 5, "a router table, but the image"),
            (container(router, "[docker.container.router]\nname = \"7a:zz\"\n"), 6, "\"7a:zz\" is not a MAC"),
            (container(router, "[docker.container.router]\nuid = \"-1\"\n"), 6, "uid \"-1\" is not a uint64"),
            (
                container(
                    "weaveworks/weavedns",
                    "[[docker.container.dns.record]]\nident = \"x\"\nip = \"10.2.0\"\nname = \"a.\"\n",
                ),
                7,
                "record ip \"10.2.0\" is not an IP address",
            ),
        ] {
            let e = World::parse(&text, "w.toml", 1).unwrap_err();
            assert_eq!(e.line, line, "{text}");
            assert!(e.message.contains(says), "{}", e.message);
        }
        assert!(World::parse(
            &container(router, "[docker.container.router]\nuid = \"18446744073709551615\"\n"),
            "w",
            1
        )
        .is_ok());
    }

    #[test]
    fn errors_name_the_line() {
        let e = World::parse("[docker]\nversion_status = \"x\"\n", "w.toml", 1).unwrap_err();
        assert_eq!((e.path.as_str(), e.line), ("w.toml", 2));
        let e = World::parse("[docker]\nnope = 1\n", "c.case", 10).unwrap_err();
        assert_eq!(e.line, 11);
        assert!(e.to_string().starts_with("c.case:11: "), "{e}");
        let e = World::parse("[[docker.answer]]\nargs = \"(\"\n", "w.toml", 1).unwrap_err();
        assert_eq!(e.line, 2, "{e}");
    }

    #[test]
    fn the_default_host_has_lo_eth0_and_docker0() {
        let world = World::default();
        let names: Vec<&str> = world.host.links.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["lo", "eth0", "docker0"]);
        // A link of an older world file, with only a name and addresses, still loads.
        let w = World::parse("[[host.link]]\nname = \"br0\"\naddresses = [\"10.1.42.1/24\"]\n", "w.toml", 1).unwrap();
        assert_eq!((w.host.links[0].kind, w.host.links[0].up, w.host.links[0].mtu), (LinkKind::Ether, true, None));
    }

    #[test]
    fn a_links_address_is_an_ipv4_or_ipv6_one_with_its_prefix_length() {
        let link =
            |a: &str| World::parse(&format!("[[host.link]]\nname = \"br0\"\naddresses = [\"{a}\"]\n"), "w.toml", 1);
        for good in ["10.1.42.1/24", "fe80::1/64"] {
            assert!(link(good).is_ok(), "{good}");
        }
        for bad in ["junk:junk", "fe80::1", "fe80::1/129", "10.1.42.300/24"] {
            let e = link(bad).unwrap_err();
            assert_eq!(e.line, 3, "{e}");
            assert!(e.message.contains("is not ADDRESS/PREFIX"), "{e}");
        }
    }

    #[test]
    fn a_containers_weave_addresses_need_their_prefix_length() {
        let text = "[[docker.container]]\nid = \"3f9a7c2e41d05b8e6a1c9d3f7b2e5a4c8d0f6e1b9a3c7d5e2f4a6b8c0d1e3f5a\"\nname = \"web\"\nweave = [\"10.2.0.1\"]\n";
        let e = World::parse(text, "w.toml", 1).unwrap_err();
        assert_eq!(
            (e.line, e.message.as_str()),
            (4, "bad world: container \"web\": weave address \"10.2.0.1\" is not ADDRESS/LENGTH")
        );
        assert!(World::parse(&text.replace("10.2.0.1\"", "10.2.0.1/24\""), "w.toml", 1).is_ok());
    }

    #[test]
    fn containers_images_and_links_are_checked_with_their_line() {
        let id = "a".repeat(64);
        let ok = format!("[[docker.container]]\nid = \"{id}\"\nname = \"c1\"\nnetwork = \"host\"\n[[docker.image]]\nid = \"{id}\"\ntags = [\"ubuntu\"]\n");
        let w = World::parse(&ok, "w.toml", 1).unwrap();
        assert_eq!((w.docker.containers[0].image.as_str(), w.docker.containers[0].running), ("ubuntu", true));
        let e = World::parse("[[docker.container]]\nid = \"abc\"\nname = \"x\"\n", "w.toml", 1).unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        let twice = format!(
            "[[docker.container]]\nid = \"{id}\"\nname = \"x\"\n[[docker.container]]\nid = \"{}\"\nname = \"x\"\n",
            "b".repeat(64)
        );
        let e = World::parse(&twice, "w.toml", 1).unwrap_err();
        assert_eq!(e.line, 6, "{e}");
        let links = "[[host.link]]\nname = \"a\"\n[[host.link]]\nname = \"a\"\n";
        assert_eq!(World::parse(links, "w.toml", 1).unwrap_err().line, 4);
        let e = World::parse("[[host.link]]\nname = \"a\"\nmaster = \"nope\"\n", "w.toml", 1).unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        let e = World::parse("[host]\niptables = [\"-t nat -A NOPE -j ACCEPT\"]\n", "w.toml", 1).unwrap_err();
        assert!(e.message.contains("No chain/target/match"), "{e}");
        let e = World::parse("[[host.answer]]\nargs = \"[\"\n", "w.toml", 1).unwrap_err();
        assert!(e.message.contains("host.answer"), "{e}");
        let e = World::parse("[host]\nnope = 1\n", "w.toml", 1).unwrap_err();
        assert_eq!(e.line, 2);
    }
}
