//! The fake docker: the host's docker client and daemon, and the weaveexec image's answers.

pub mod client;

use super::net::{Net, HOST_NETNS_INODE};
use super::{Reply, State};
use crate::world::addr::{hash64, Cidr};
use crate::world::{image, services, Network, RegistryImage, World};
use client::{Client, Family, Flags};
use std::net::Ipv4Addr;

/// What the fake docker keeps between calls.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DockerState {
    /// How many containers `run -d` has started.
    pub started: u64,
    /// The world's containers, then those `run -d` made, in order of creation.
    #[serde(default)]
    pub containers: Vec<Container>,
    /// How many pids have been handed out.
    #[serde(default)]
    pub pids_handed: u64,
    /// The last address handed out, as an offset into the docker bridge's subnet.
    #[serde(default)]
    pub last_ip: u32,
    /// Every pid a container has had: the `PROCFS/PID` entries the fakes own.
    #[serde(default)]
    pub pids_seen: Vec<u32>,
    /// The registry's images pulled in this run, by the first tag of their registry entry (two
    /// entries may share an id: a tag pulled gives the daemon that entry's tags, not the other's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pulled: Vec<String>,
}

/// A container as the daemon knows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Container {
    pub id: String,
    /// Without docker's leading `/`.
    pub name: String,
    /// As `run` was given it.
    pub image: String,
    pub image_id: String,
    pub running: bool,
    /// 0 when not running.
    pub pid: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<Ipv4Addr>,
    pub hostname: String,
    pub domainname: String,
    pub network: Network,
    /// Its network namespace's inode; 0 when not running.
    pub netns: u64,
    /// The address the world fixed for it, kept across restarts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_ip: Option<Ipv4Addr>,
    /// `run -d`'s `-p HOSTPORT:PORT/PROTO` flags, as given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<String>,
    /// Its environment from `-e`: `NAME=value`, the caller's value for `-e NAME`, or `NAME` alone
    /// where the caller had none (as docker's client passes it on).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<String>,
    /// `-v` flags, as given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<String>,
    /// The program's arguments after the image (a world's containers have none recorded).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// Made by `run` in this run, not given by the world.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub created: bool,
}

impl Container {
    /// The value of `NAME` in its environment, if set.
    pub fn env_value(&self, name: &str) -> Option<&str> {
        self.env.iter().find_map(|e| e.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
    }
}

/// The first pid handed out after the world's `docker.pids`.
const FIRST_PID: u32 = 40001;

/// The id of the image a container runs: the world's image of that tag (or the registry's),
/// else one derived from the name.
fn image_id(world: &World, image: &str) -> String {
    match (world.docker.image(image), world.docker.registry_image(image, image)) {
        (Some(i), _) => i.id.clone(),
        (None, Some(r)) => r.id.clone(),
        (None, None) => image::derived_id(image),
    }
}

/// An image the daemon has: its id, tags, and `docker images`' CREATED and VIRTUAL SIZE.
struct HeldImage {
    id: String,
    tags: Vec<String>,
    created: String,
    size: String,
}

impl DockerState {
    /// Whether the daemon has `image`: one the registry lists only once pulled (at the start, or
    /// in this run); another tag of a repository the registry lists never (the registry's
    /// repositories are given whole: `weaveworks/weaveexec:0.9.0` exists nowhere); any other it is
    /// taken to have, as the world names no image it lacks. (`docker inspect` is stricter: it finds
    /// only images the world lists or a container uses, as the script inspects an image by name
    /// only for weave's own, and a bare name like `weave` is a missing container far more often.)
    fn has_image(&self, world: &World, image: &str) -> bool {
        if world.docker.image(image).is_some() {
            return true;
        }
        match world.docker.registry_image(image, image) {
            Some(r) => self.holds(r),
            None => !world.docker.registry_lists(image::repository(image)),
        }
    }

    /// Whether the daemon has the registry entry `r`: from the start, or pulled in this run.
    fn holds(&self, r: &RegistryImage) -> bool {
        r.pulled || r.tags.first().is_some_and(|t| self.pulled.contains(t))
    }

    /// The images the daemon has, as `docker images` lists them: the world's, the registry's
    /// pulled ones, then those of containers named nowhere else.
    fn images(&self, world: &World) -> Vec<HeldImage> {
        let mut held: Vec<HeldImage> = world
            .docker
            .images
            .iter()
            .map(|i| HeldImage {
                id: i.id.clone(),
                tags: i.tags.clone(),
                created: i.created.clone(),
                size: i.size.clone(),
            })
            .collect();
        for r in world.docker.registry.iter().filter(|r| self.holds(r)) {
            match held.iter_mut().find(|h| h.id == r.id) {
                Some(h) => {
                    let new: Vec<String> = r.tags.iter().filter(|&t| !h.tags.contains(t)).cloned().collect();
                    h.tags.extend(new);
                }
                None => held.push(HeldImage {
                    id: r.id.clone(),
                    tags: r.tags.clone(),
                    created: r.created.clone(),
                    size: r.size.clone(),
                }),
            }
        }
        for c in &self.containers {
            if !held.iter().any(|h| h.id == c.image_id) {
                let tags = if c.image == c.image_id { Vec::new() } else { vec![image::with_tag(&c.image)] };
                let (created, size) = (crate::world::default_created(), crate::world::default_size());
                held.push(HeldImage { id: c.image_id.clone(), tags, created, size });
            }
        }
        held
    }

    /// Adds the world's containers (a world is read once, when the state is first built).
    pub fn add_world_containers(&mut self, world: &World, net: &mut Net) {
        // Pids the world fixes are not handed out again.
        self.pids_seen.extend(world.docker.containers.iter().filter_map(|c| c.pid));
        for c in &world.docker.containers {
            let fixed_ip = c.ip_address.as_deref().and_then(|a| a.parse().ok());
            let hostname = c.hostname.clone().unwrap_or_else(|| match c.network {
                Network::Host => world.host.hostname.clone(),
                _ => c.id.chars().take(12).collect(),
            });
            self.containers.push(Container {
                id: c.id.clone(),
                name: c.name.clone(),
                image: c.image.clone(),
                image_id: image_id(world, &c.image),
                running: false,
                hostname,
                domainname: c.domainname.clone(),
                network: c.network,
                fixed_ip,
                ..Container::default()
            });
            if c.running {
                let n = self.containers.len() - 1;
                self.start(world, net, n, c.pid);
                let addresses: Vec<Cidr> = c.weave.iter().filter_map(|a| Cidr::parse(a)).collect();
                let (netns, pid) = (self.containers[n].netns, self.containers[n].pid);
                // A running router is one `weave launch` started: its ethwe is on the weave bridge,
                // up, with no address.
                if !addresses.is_empty() || services::runs(&c.image, services::ROUTER_IMAGE) {
                    net.attach_weave(netns, pid, &addresses);
                }
            }
        }
    }

    /// The next pid: the world's list, then counting up from [`FIRST_PID`]; never one a
    /// container has or had.
    fn next_pid(&mut self, world: &World) -> u32 {
        loop {
            let n = self.pids_handed;
            self.pids_handed += 1;
            let pid = match world.docker.pids.get(n as usize) {
                Some(&p) => p,
                None => FIRST_PID.saturating_add((n - world.docker.pids.len() as u64) as u32),
            };
            if !self.pids_seen.contains(&pid) || pid == u32::MAX {
                return pid;
            }
        }
    }

    /// The next free address of the docker bridge's subnet, after the last one handed out.
    fn next_ip(&mut self, bridge: Cidr) -> Option<Ipv4Addr> {
        let net = u32::from(bridge.network().ip);
        let size = if bridge.len >= 31 { return None } else { 1u32 << (32 - u32::from(bridge.len)) };
        for step in 1..size {
            let offset = (self.last_ip + step) % size;
            let ip = Ipv4Addr::from(net + offset);
            // The network's own address, the first host (kept free as docker does), the
            // broadcast and the bridge are never handed out.
            if offset < 2 || offset == size - 1 || ip == bridge.ip {
                continue;
            }
            if self.containers.iter().any(|c| c.running && c.ip == Some(ip)) {
                continue;
            }
            self.last_ip = offset;
            return Some(ip);
        }
        None
    }

    /// Starts container `n`: a pid, an address and a fresh namespace (the host's for `--net=host`).
    fn start(&mut self, world: &World, net: &mut Net, n: usize, pid: Option<u32>) {
        let pid = pid.unwrap_or_else(|| self.next_pid(world));
        if !self.pids_seen.contains(&pid) {
            self.pids_seen.push(pid);
        }
        let old = self.containers[n].netns;
        if old != 0 {
            net.remove_ns(old);
        }
        let bridge = net.docker_bridge();
        let network = self.containers[n].network;
        let ip = match network {
            Network::Bridge => self.containers[n].fixed_ip.or_else(|| self.next_ip(bridge)),
            _ => None,
        };
        let netns = match network {
            Network::Host => HOST_NETNS_INODE,
            Network::None => net.add_container_ns(None),
            Network::Bridge => net.add_container_ns(ip.map(|ip| Cidr { ip, len: bridge.len })),
        };
        let c = &mut self.containers[n];
        (c.running, c.pid, c.ip, c.netns) = (true, pid, ip, netns);
    }

    /// The container `name` names: its full id, its name (with or without the `/`), or a
    /// prefix of one id only.
    pub fn find(&self, name: &str) -> Option<usize> {
        if name.is_empty() {
            return None;
        }
        let bare = name.strip_prefix('/').unwrap_or(name);
        if let Some(i) = self.containers.iter().position(|c| c.id == name || c.name == bare) {
            return Some(i);
        }
        let mut prefixed = self.containers.iter().enumerate().filter(|(_, c)| c.id.starts_with(name));
        match (prefixed.next(), prefixed.next()) {
            (Some((i, _)), None) => Some(i),
            _ => None,
        }
    }

    /// The running containers' pids and namespaces.
    pub fn pids(&self) -> Vec<(u32, u64)> {
        self.containers.iter().filter(|c| c.running).map(|c| (c.pid, c.netns)).collect()
    }
}

/// The image whose `--local` commands the model answers.
const WEAVEEXEC: &str = "weaveworks/weaveexec";

pub use client::run_flag_takes_value;

/// Answers one docker call: an explicit answer of the world if one matches, else the model.
/// `env` looks up the caller's environment (`docker run -e NAME` passes its value on).
pub fn docker(world: &World, state: &mut State, argv: &[Vec<u8>], env: &dyn Fn(&str) -> Option<Vec<u8>>) -> Reply {
    if let Some(r) = super::explicit_answer(&world.docker.answer, argv) {
        return r;
    }
    let args = &argv[1.min(argv.len())..];
    let command = match args.first().map(Vec::as_slice) {
        Some(b"-v" | b"--version") => {
            let mut stdout = world.docker.version_output.clone().into_bytes();
            if !stdout.is_empty() {
                stdout.push(b'\n');
            }
            return Reply { stdout, status: world.docker.version_status, ..Reply::default() };
        }
        Some(b"run") => "run",
        Some(b"inspect") => "inspect",
        Some(b"start") => "start",
        Some(b"stop") => "stop",
        Some(b"rm") => "rm",
        Some(b"pull") => "pull",
        Some(b"images") => "images",
        Some(b"ps") => "ps",
        _ => return Reply::not_modeled_call(argv),
    };
    // The client reads the flags first, as its version does: a wrong one is its answer.
    let client = Client::new(&world.docker.version_output, argv.first().map_or(b"docker", Vec::as_slice));
    let flags = match client.parse(command, &args[1..]) {
        Ok(flags) => flags,
        Err(reply) => return reply,
    };
    let mut reply = match command {
        "run" => run(world, state, &client, &flags, argv, env),
        "inspect" => inspect(world, state, &client, &flags, argv),
        "start" => start(world, state, &client, &flags, argv),
        "stop" => stop(world, state, &client, &flags, argv),
        "rm" => rm(world, state, &client, &flags, argv),
        "pull" => match (flags.set.is_empty(), &flags.operands[..]) {
            (true, [name]) => pull(world, state, &client, &String::from_utf8_lossy(name)),
            _ => Reply::not_modeled_call(argv),
        },
        "images" => images(world, state, &client, &flags, argv),
        _ => ps(world, state, &flags, argv),
    };
    if !flags.warnings.is_empty() {
        reply.stderr.splice(0..0, flags.warnings);
    }
    reply
}

/// A `docker run` command line, as a client read it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunArgs<'a> {
    pub detach: bool,
    /// `-e NAME=value` and `-e NAME` flags, as written.
    pub env_flags: Vec<&'a [u8]>,
    /// `-v SOURCE:TARGET[:MODE]` flags, as written.
    pub volumes: Vec<&'a [u8]>,
    /// `-p [IP:]HOSTPORT:PORT[/PROTO]` flags, as written.
    pub ports: Vec<&'a [u8]>,
    /// The image, if the line names one.
    pub image: Option<&'a [u8]>,
    /// The command and its arguments after the image.
    pub rest: &'a [Vec<u8>],
    /// `--name`, `-h`/`--hostname` and `--net` (or 1.12's `--network`), the last of each as given.
    pub name: Option<&'a [u8]>,
    pub hostname: Option<&'a [u8]>,
    pub net: Option<&'a [u8]>,
}

impl<'a> RunArgs<'a> {
    /// Reads the words after `docker run` with the flags of every release, never failing: for
    /// showing a call (the fake reads it with its client's version, [`RunArgs::from_flags`]).
    pub fn parse(args: &'a [Vec<u8>]) -> RunArgs<'a> {
        RunArgs::from_flags(&client::read_any("run", args))
    }

    /// What the model acts on among the flags a client read.
    pub fn from_flags(flags: &Flags<'a>) -> RunArgs<'a> {
        RunArgs {
            detach: flags.on("--detach"),
            env_flags: flags.values("--env").collect(),
            volumes: flags.values("--volume").collect(),
            ports: flags.values("--publish").collect(),
            image: flags.rest.first().map(Vec::as_slice),
            rest: flags.rest.get(1..).unwrap_or_default(),
            name: flags.last("--name"),
            hostname: flags.last("--hostname"),
            net: flags.set.iter().rev().find_map(|(f, v)| match (*f, v) {
                ("--net" | "--network", client::Value::Text(t)) => Some(*t),
                _ => None,
            }),
        }
    }

    /// Where the container sees the host's /proc: the target of a `-v /proc:TARGET` volume.
    pub fn host_proc(&self) -> Option<&'a [u8]> {
        self.volumes.iter().find_map(|v| {
            let mut parts = v.split(|&b| b == b':');
            (parts.next() == Some(b"/proc")).then(|| parts.next()).flatten()
        })
    }

    /// For a run of the weaveexec image, the `--local` command and its arguments.
    pub fn weaveexec_local(&self) -> Option<&'a [Vec<u8>]> {
        let weaveexec = std::str::from_utf8(self.image?).is_ok_and(|i| image::repository(i) == WEAVEEXEC);
        (weaveexec && self.rest.first().map(Vec::as_slice) == Some(b"--local")).then(|| &self.rest[1..])
    }
}

/// `docker ps -q [--no-trunc]`: the running containers' ids, newest first (docker lists by
/// creation, newest on top). The table without `-q` has columns that differ per client version:
/// not modeled.
fn ps(world: &World, state: &mut State, flags: &Flags, argv: &[Vec<u8>]) -> Reply {
    let (quiet, full) = (flags.on("--quiet"), flags.on("--no-trunc"));
    if !quiet || !flags.operands.is_empty() || flags.other_than(&["--quiet", "--no-trunc"]).is_some() {
        return Reply::not_modeled_call(argv);
    }
    let (docker, _) = state.parts(world);
    let mut stdout = Vec::new();
    for c in docker.containers.iter().rev().filter(|c| c.running) {
        let id = if full { &c.id[..] } else { &c.id[..12.min(c.id.len())] };
        stdout.extend_from_slice(id.as_bytes());
        stdout.push(b'\n');
    }
    Reply { stdout, ..Reply::default() }
}

/// `docker run FLAGS IMAGE ARGS`.
fn run(
    world: &World,
    state: &mut State,
    client: &Client,
    flags: &Flags,
    argv: &[Vec<u8>],
    env: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> Reply {
    let parsed = RunArgs::from_flags(flags);
    let Some(image) = parsed.image else {
        return missing_image(client);
    };
    if parsed.detach && flags.on("--rm") {
        if let Some(reply) = rm_and_detach(client) {
            return reply;
        }
    }
    if !run_flags_modeled(client, flags) {
        return Reply::not_modeled_call(argv);
    }
    // Other combinations clients refuse, each in its own releases (`-a` with `-d`; `--rm` with a
    // restart policy): not modeled rather than a container created.
    let restarts = flags.last("--restart").is_some_and(|r| r.starts_with(b"always") || r.starts_with(b"on-failure"));
    if (parsed.detach && flags.values("--attach").next().is_some()) || (flags.on("--rm") && restarts) {
        return Reply::not_modeled_call(argv);
    }
    // The container's environment: `-e NAME=value`, or `-e NAME` with the caller's value.
    let resolved_env: Vec<(Vec<u8>, Option<Vec<u8>>)> = parsed
        .env_flags
        .iter()
        .map(|e| match e.iter().position(|&b| b == b'=') {
            Some(eq) => (e[..eq].to_vec(), Some(e[eq + 1..].to_vec())),
            None => (e.to_vec(), std::str::from_utf8(e).ok().and_then(env)),
        })
        .collect();
    let image = String::from_utf8_lossy(image).into_owned();
    // The client pulls an image the daemon lacks, saying so on stderr, before it creates the container.
    let mut pulled = Vec::new();
    if !state.parts(world).0.has_image(world, &image) {
        pulled = format!("Unable to find image '{image}' locally\n").into_bytes();
        let pull = pull(world, state, client, &image);
        pulled.extend_from_slice(&pull.stdout);
        pulled.extend_from_slice(&pull.stderr);
        if pull.status != 0 {
            // A pull the model does not cover leaves the run uncovered too.
            return Reply { stderr: pulled, status: pull.status, unmodeled: pull.unmodeled, ..Reply::default() };
        }
    }
    if let Some(local) = parsed.weaveexec_local() {
        let container_env = resolved_env.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))).collect();
        let host_proc = parsed.host_proc().unwrap_or(HOST_PROC_NOT_MOUNTED);
        let reply = weaveexec_local(world, state, local, container_env, host_proc, mount_points(&parsed.volumes));
        pulled.extend_from_slice(&reply.stderr);
        return Reply { stderr: pulled, ..reply };
    }
    if !parsed.detach {
        let mut reply = foreground(world, state, &image, parsed.rest);
        if reply.unmodeled {
            // What a container prints in the foreground is its program's: only the services'
            // `--version` and weaveexec's are modeled.
            reply = Reply::not_modeled_call(argv);
        }
        pulled.extend_from_slice(&reply.stderr);
        return Reply { stderr: pulled, ..reply };
    }
    let text = |w: Option<&[u8]>| w.map(|w| String::from_utf8_lossy(w).into_owned());
    let network = match parsed.net {
        Some(b"host") => Network::Host,
        Some(b"none") => Network::None,
        _ => Network::Bridge,
    };
    let (docker, net) = state.parts(world);
    let n = docker.started as usize;
    let id = match world.docker.container_ids.get(n) {
        Some(id) => id.clone(),
        None => generated_id((n - world.docker.container_ids.len()) as u64),
    };
    let name = match text(parsed.name) {
        Some(name) => {
            if let Some(other) = docker.containers.iter().find(|c| c.name == name) {
                // From 1.10 the client reports a daemon's refusal in words not measured here.
                if client.version() >= Some((1, 10)) {
                    return Reply::not_modeled(&format!(
                        "docker run --name {name} of a name in use, docker 1.10 or newer"
                    ));
                }
                let short = &other.id[..12.min(other.id.len())];
                let message = match client.release() {
                    (1, 0..=4) => format!("Conflict, The name {name} is already assigned to {short}. You have to delete (or rename) that container to be able to assign {name} to a container again."),
                    _ => format!("Conflict. The name \"{name}\" is already in use by container {short}. You have to delete (or rename) that container to be able to reuse that name."),
                };
                return Reply { stderr: daemon_error(client, &message).into_bytes(), status: 1, ..Reply::default() };
            }
            name
        }
        None => generated_name(&id),
    };
    docker.started += 1;
    let mut domainname = String::new();
    let hostname = match text(parsed.hostname) {
        // The client splits `-h` at its first dot into hostname and domain name (runconfig/parse.go,
        // 1.3 to 1.6), so `-h app.weave.local` is found by weaveDNS under weave.local.
        Some(h) => match h.split_once('.') {
            Some((host, domain)) => {
                domainname = domain.to_string();
                host.to_string()
            }
            None => h,
        },
        None => match network {
            Network::Host => world.host.hostname.clone(),
            _ => id.chars().take(12).collect(),
        },
    };
    let lossy = |w: &[u8]| String::from_utf8_lossy(w).into_owned();
    let env = resolved_env
        .iter()
        .map(|(k, v)| match v {
            Some(v) => format!("{}={}", lossy(k), lossy(v)),
            None => lossy(k),
        })
        .collect();
    docker.containers.push(Container {
        ports: parsed.ports.iter().map(|p| lossy(p)).collect(),
        volumes: parsed.volumes.iter().map(|v| lossy(v)).collect(),
        args: parsed.rest.iter().map(|a| lossy(a)).collect(),
        env,
        created: true,
        id: id.clone(),
        name,
        image_id: image_id(world, &image),
        image,
        hostname,
        domainname,
        network,
        ..Container::default()
    });
    let last = docker.containers.len() - 1;
    docker.start(world, net, last, None);
    Reply { stdout: format!("{id}\n").into_bytes(), stderr: pulled, changed: true, ..Reply::default() }
}

/// What a container run in the foreground prints: the router's and weaveDNS's `--version` (the
/// version the release stamped into the image); anything else is not modeled.
fn foreground(world: &World, state: &mut State, image: &str, rest: &[Vec<u8>]) -> Reply {
    let version_flag = matches!(rest, [flag] if flag == b"--version" || flag == b"-version");
    let (docker, _) = state.parts(world);
    let images = docker.images(world);
    // An image given by id runs as the image of that id.
    let name = match find_image(&images, image).and_then(|id| images.iter().find(|i| i.id == id)) {
        Some(held) if held.id.starts_with(image) => held.tags.first().cloned().unwrap_or_default(),
        _ => image.to_string(),
    };
    let program = if services::runs(&name, services::ROUTER_IMAGE) {
        "weave router"
    } else if services::runs(&name, services::DNS_IMAGE) {
        "weave DNS"
    } else {
        ""
    };
    if !version_flag || program.is_empty() {
        return Reply { unmodeled: true, ..Reply::default() };
    }
    let version = world.docker.stamped_version(&name, image);
    Reply { stdout: format!("{program} {version}\n").into_bytes(), ..Reply::default() }
}

/// `docker pull NAME` (docker 1.3's v1 registry): the registry's image comes to the daemon with
/// all its tags, the lines the world gives (or 1.3's for a one-layer image) on stdout; an image
/// the registry lacks, or one the world makes fail, ends with the client's error.
fn pull(world: &World, state: &mut State, client: &Client, name: &str) -> Reply {
    // 1.10 pulls by content from the v2 registry, whose progress lines the model does not write.
    if client.release() >= (1, 10) {
        return Reply::not_modeled(&format!("docker pull {name} by a docker 1.10 client or newer"));
    }
    let repository = image::repository(name);
    let tagged = image::with_tag(name);
    let mut stdout = format!("Pulling repository {repository}\n");
    let Some(entry) = world.docker.registry_image(name, name) else {
        // Docker Hub's v1 answers differ for a repository it lacks and a tag a repository lacks
        // (moby v1.3.1 graph/pull.go).
        let message = match (world.docker.registry_lists(repository), image::tag(&tagged)) {
            (true, Some(tag)) => format!("Tag {tag} not found in repository {repository}"),
            _ => format!("Error: image {repository} not found"),
        };
        return Reply {
            stdout: stdout.into_bytes(),
            stderr: fatal_line(client, &message).into_bytes(),
            status: 1,
            ..Reply::default()
        };
    };
    if let Some(error) = &entry.error {
        return Reply {
            stdout: stdout.into_bytes(),
            stderr: fatal_line(client, error).into_bytes(),
            status: 1,
            ..Reply::default()
        };
    }
    let (docker, _) = state.parts(world);
    let had = docker.has_image(world, name);
    if let (false, Some(output)) = (had, &entry.output) {
        stdout = output.clone();
    } else {
        let short = &entry.id[..12.min(entry.id.len())];
        let tag = image::tag(&tagged).unwrap_or("latest");
        stdout.push_str(&format!("{short}: Pulling image ({tag}) from {repository}\n"));
        stdout.push_str(&format!(
            "{short}: Pulling image ({tag}) from {repository}, endpoint: https://registry-1.docker.io/v1/\n"
        ));
        stdout.push_str(&format!("{short}: Pulling dependent layers\n{short}: Download complete\n"));
        let status = if had { "Image is up to date for" } else { "Downloaded newer image for" };
        stdout.push_str(&format!("Status: {status} {tagged}\n"));
    }
    if !had {
        docker.pulled.extend(entry.tags.first().cloned());
    }
    Reply { stdout: stdout.into_bytes(), ..Reply::default() }
}

/// `docker images --no-trunc`: docker 1.3-1.6's table (Go's tabwriter: columns at least 20 wide,
/// padded by 3), a row per tag (`<none>` for an image without one).
fn images(world: &World, state: &mut State, client: &Client, flags: &Flags, argv: &[Vec<u8>]) -> Reply {
    if !flags.on("--no-trunc") || !flags.operands.is_empty() || flags.other_than(&["--no-trunc"]).is_some() {
        return Reply::not_modeled_call(argv);
    }
    // 1.10 stores images by content: ids print as `sha256:...` and the size column is renamed.
    let content_addressed = client.version() >= Some((1, 10));
    let size = if content_addressed { "SIZE" } else { "VIRTUAL SIZE" };
    let (docker, _) = state.parts(world);
    let mut rows = vec![["REPOSITORY".to_string(), "TAG".into(), "IMAGE ID".into(), "CREATED".into(), size.into()]];
    for i in docker.images(world) {
        let tags: Vec<(String, String)> = match i.tags.is_empty() {
            true => vec![("<none>".into(), "<none>".into())],
            false => i
                .tags
                .iter()
                .map(|t| {
                    let t = image::with_tag(t);
                    (image::repository(&t).to_string(), image::tag(&t).unwrap_or_default().to_string())
                })
                .collect(),
        };
        for (repository, tag) in tags {
            rows.push([repository, tag, shown_image_id(client, &i.id), i.created.clone(), i.size.clone()]);
        }
    }
    let widths: Vec<usize> =
        (0..4).map(|c| rows.iter().map(|r| r[c].chars().count() + 3).max().unwrap_or(0).max(20)).collect();
    let mut stdout = String::new();
    for r in &rows {
        for (c, w) in widths.iter().enumerate() {
            stdout.push_str(&format!("{:<w$}", r[c]));
        }
        stdout.push_str(&r[4]);
        stdout.push('\n');
    }
    Reply { stdout: stdout.into_bytes(), ..Reply::default() }
}

/// A missing container, as the daemon of the client's version names it (1.6 looks names up in
/// its id index, whose error this is).
fn no_such_container(client: &Client, name: &str) -> String {
    let prefix = daemon_prefix(client);
    match client.release() {
        (1, 6) => format!("{prefix}no such id: {name}\n"),
        _ => format!("{prefix}No such container: {name}\n"),
    }
}

/// `docker stop [-t N] NAME...`: each running container stops and its name is printed; a stopped
/// one is printed too (the daemon answers 304); a missing one fails the call at the end.
fn stop(world: &World, state: &mut State, client: &Client, flags: &Flags, argv: &[Vec<u8>]) -> Reply {
    if flags.other_than(&["--time"]).is_some() {
        return Reply::not_modeled_call(argv);
    }
    each_named(world, state, client, flags, argv, "stop", |state, n| {
        let running = state.docker.containers[n].running;
        if running {
            state.stop_container(world, n);
        }
        Ok(running)
    })
}

/// `docker rm [-f] NAME...`: each container goes (a running one only with `-f`, which kills it
/// first); what is refused fails the call at the end.
fn rm(world: &World, state: &mut State, client: &Client, flags: &Flags, argv: &[Vec<u8>]) -> Reply {
    if flags.other_than(&["--force"]).is_some() {
        return Reply::not_modeled_call(argv);
    }
    let conflict = if client.release() >= (1, 5) { "Conflict, " } else { "" };
    let force = flags.on("--force");
    each_named(world, state, client, flags, argv, "remove", |state, n| {
        if state.docker.containers[n].running {
            if !force {
                let prefix = daemon_prefix(client);
                return Err(format!("{prefix}{conflict}You cannot remove a running container. Stop the container before attempting removal or use -f\n"));
            }
            state.stop_container(world, n);
        }
        state.docker.containers.remove(n);
        Ok(true)
    })
}

/// `docker stop`, `rm` and `start` alike: `act` on each named container in turn (whether it
/// changed anything, or the daemon's refusal), its name printed when done, docker's "No such
/// container" for a missing one; any failure ends the call with status 1 and the words the
/// client's version ends with (measured on each release's client).
fn each_named(
    world: &World,
    state: &mut State,
    client: &Client,
    flags: &Flags,
    argv: &[Vec<u8>],
    verb: &str,
    mut act: impl FnMut(&mut State, usize) -> Result<bool, String>,
) -> Reply {
    if flags.operands.is_empty() {
        return Reply::not_modeled_call(argv);
    }
    let version = client.release();
    let mut reply = Reply::default();
    let mut failed = Vec::new();
    for &name in &flags.operands {
        let text = String::from_utf8_lossy(name);
        let found = state.parts(world).0.find(&text);
        let done = match found {
            Some(n) => act(state, n),
            None => Err(no_such_container(client, &text)),
        };
        match done {
            Ok(changed) => {
                reply.changed |= changed;
                reply.stdout.extend_from_slice(name);
                reply.stdout.push(b'\n');
            }
            // 1.10 names the container in each of stop's and rm's errors instead of a summary.
            Err(message) if version == (1, 10) && verb != "start" => {
                let line = format!("Failed to {verb} container ({text}): {message}");
                reply.stderr.extend_from_slice(line.as_bytes());
                failed.push(text.into_owned());
            }
            Err(message) => {
                reply.stderr.extend_from_slice(message.as_bytes());
                failed.push(text.into_owned());
            }
        }
    }
    if failed.is_empty() {
        return reply;
    }
    reply.status = 1;
    let last = match version {
        (1, 0..=6) => fatal_line(client, &format!("Error: failed to {verb} one or more containers")),
        (1, 7..=9) => format!("Error: failed to {verb} containers: [{}]\n", failed.join(" ")),
        _ if verb == "start" => format!("Error: failed to start containers: {}\n", failed.join(", ")),
        _ => String::new(),
    };
    reply.stderr.extend_from_slice(last.as_bytes());
    reply
}

/// A name for a container run without `--name`: docker's adjective_surname form, from its id.
fn generated_name(id: &str) -> String {
    const LEFT: [&str; 8] = ["admiring", "berserk", "clever", "drunk", "elated", "focused", "gloomy", "hungry"];
    const RIGHT: [&str; 8] = ["albattani", "bardeen", "curie", "darwin", "euclid", "fermi", "galileo", "hopper"];
    let h = hash64(&[id.as_bytes()]);
    format!("{}_{}", LEFT[(h % 8) as usize], RIGHT[((h >> 8) % 8) as usize])
}

/// The fixed moment the fakes' log lines carry, so that runs compare.
const LOG_TIME: (&str, &str) = ("2015/04/24 10:00:00", "2015-04-24T10:00:00Z");

/// How the client reports a daemon's error as its last words: a Go log line (1.0-1.3), a logrus
/// line (1.4-1.6, not on a terminal; 1.4 and 1.5 quote the level), or plain (1.7 on).
fn fatal_line(client: &Client, message: &str) -> String {
    match client.release() {
        (1, 0..=3) => format!("{} {message}\n", LOG_TIME.0),
        (1, 4..=5) => format!("time=\"{}\" level=\"fatal\" msg={message:?} \n", LOG_TIME.1),
        (1, 6) => format!("time=\"{}\" level=fatal msg={message:?} \n", LOG_TIME.1),
        _ => format!("{message}\n"),
    }
}

/// What the client puts before a daemon's words: 1.0.0 alone a bare "Error: " (measured on
/// 1.0.0 and 1.0.1).
fn daemon_prefix(client: &Client) -> &'static str {
    match client.release() == (1, 0) && client.patch() == 0 {
        true => "Error: ",
        false => "Error response from daemon: ",
    }
}

/// A daemon's refusal, as the client ends with it.
fn daemon_error(client: &Client, message: &str) -> String {
    fatal_line(client, &format!("{}{message}", daemon_prefix(client)))
}

/// `docker start NAME...`: each stopped container runs again (a new pid, a fresh namespace); each
/// name is printed as given.
fn start(world: &World, state: &mut State, client: &Client, flags: &Flags, argv: &[Vec<u8>]) -> Reply {
    // Attached, the container's output would be the answer: not modeled.
    if !flags.set.is_empty() {
        return Reply::not_modeled_call(argv);
    }
    each_named(world, state, client, flags, argv, "start", |state, n| {
        let (docker, net) = state.parts(world);
        let running = docker.containers[n].running;
        if !running {
            docker.start(world, net, n, None);
        }
        Ok(!running)
    })
}

/// What `docker inspect` found for a name.
enum Found<'a> {
    Container(&'a Container),
    Image { id: &'a str },
}

/// `docker inspect --format=T NAME...` (or `-f T`): the template once per name.
fn inspect(world: &World, state: &mut State, client: &Client, flags: &Flags, argv: &[Vec<u8>]) -> Reply {
    if flags.operands.is_empty() || flags.other_than(&["--format"]).is_some() {
        return Reply::not_modeled_call(argv);
    }
    let Some(template) = flags.last("--format") else {
        return Reply::not_modeled("docker inspect (without --format)");
    };
    let template = String::from_utf8_lossy(template).into_owned();
    let (docker, _) = state.parts(world);
    let images = docker.images(world);
    let mut reply = Reply::default();
    for &name in &flags.operands {
        let name = String::from_utf8_lossy(name);
        let found = match docker.find(&name) {
            Some(n) => Some(Found::Container(&docker.containers[n])),
            None => find_image(&images, &name).map(|id| Found::Image { id }),
        };
        let Some(found) = found else {
            let (what, blank) = match client.version() {
                Some((1, 0..=9)) => ("image or container", false),
                Some((1, 10..=11)) => ("image or container", true),
                Some((1, 12)) => ("image, container or task", true),
                _ => ("object", true),
            };
            reply.stderr.extend_from_slice(format!("Error: No such {what}: {name}\n").as_bytes());
            // From 1.10 the client prints what it found, nothing, as a line of its own; how that
            // mixes with the answers for other names was not measured.
            if blank {
                if flags.operands.len() > 1 {
                    return Reply::not_modeled_call(argv);
                }
                reply.stdout.push(b'\n');
            }
            reply.status = 1;
            continue;
        };
        match expand(client, &template, &found) {
            Ok(text) => {
                reply.stdout.extend_from_slice(text.as_bytes());
                reply.stdout.push(b'\n');
            }
            Err(e) => {
                reply.stderr.extend_from_slice(e.as_bytes());
                reply.status = 1;
                return reply;
            }
        }
    }
    reply
}

/// An image the daemon has, by id, unique id prefix or tag.
fn find_image<'w>(images: &'w [HeldImage], name: &str) -> Option<&'w str> {
    let tag = image::with_tag(name);
    if let Some(i) = images.iter().find(|i| i.id == name || i.tags.iter().any(|t| image::with_tag(t) == tag)) {
        return Some(&i.id);
    }
    let mut prefixed = images.iter().filter(|i| !name.is_empty() && i.id.starts_with(name));
    match (prefixed.next(), prefixed.next()) {
        (Some(i), None) => Some(&i.id),
        _ => None,
    }
}

/// An image id as the client shows it: from 1.10, with the digest's algorithm.
fn shown_image_id(client: &Client, id: &str) -> String {
    match client.version() >= Some((1, 10)) {
        true => format!("sha256:{id}"),
        false => id.to_string(),
    }
}

/// Whether the model answers for every flag of a `docker run`: the flags it carries out, or that
/// change nothing it answers, each with a value the client (after reading its flags) and the
/// daemon surely take. Any other flag or value is not modeled, rather than a container created
/// where the real client or daemon would refuse one (a bad port mapping, a name with a space, a
/// network or a user that may not exist, a memory limit under the daemon's floor, ...).
fn run_flags_modeled(client: &Client, flags: &Flags) -> bool {
    static PATTERNS: std::sync::OnceLock<[regex::Regex; 3]> = std::sync::OnceLock::new();
    let [name, port, restart] = PATTERNS.get_or_init(|| {
        [
            r"^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$",
            r"^((\d{1,3}(\.\d{1,3}){3}:)?\d*:)?\d+(/(tcp|udp))?$",
            r"^(no|always|on-failure(:\d+)?)$",
        ]
        .map(|p| regex::Regex::new(p).expect("a valid pattern"))
    });
    let minor = client.version().map_or(0, |(_, minor)| minor);
    flags.set.iter().all(|(flag, value)| {
        let text = match value {
            client::Value::Text(t) => std::str::from_utf8(t).unwrap_or("\u{0}"),
            client::Value::Bool(_) => "",
        };
        match *flag {
            "--detach" | "--rm" | "--sig-proxy" | "--privileged" | "--publish-all" | "--interactive" | "--tty"
            | "--read-only" | "--env" | "--hostname" | "--dns" | "--dns-search" | "--add-host" | "--entrypoint"
            | "--label" | "--cpu-shares" | "--volume" => true,
            "--name" => name.is_match(text),
            "--publish" => port.is_match(text),
            "--restart" => restart.is_match(text),
            "--workdir" => text.starts_with('/'),
            // A size the client reads and the daemon's floor (4 MiB in later releases) passes.
            "--memory" => memory_bytes(text).is_some_and(|b| b >= 4 << 20),
            "--net" | "--network" => matches!(text, "bridge" | "host" | "none") || (text == "default" && minor >= 8),
            _ => false,
        }
    })
}

/// A size as docker's client reads it (`512m`, `1g`, `1048576`), in bytes.
fn memory_bytes(text: &str) -> Option<u64> {
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let shift = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" => 10,
        "m" => 20,
        "g" => 30,
        _ => return None,
    };
    digits.parse::<u64>().ok()?.checked_mul(1 << shift)
}

/// `docker run` without an image, as the client's version says so (measured on each release's
/// client built from its tag).
fn missing_image(client: &Client) -> Reply {
    if !client.covered() {
        return Reply::not_modeled("docker run without an image, of a client after 1.13");
    }
    let argv0 = client.argv0();
    let first = match client.version() >= Some((1, 11)) {
        true => argv0,
        false => "docker",
    };
    let stderr = match (client.family(), client.version()) {
        (Some(Family::Usage), _) => match client.usage("run") {
            Some(usage) => return Reply { stderr: usage.into(), status: 2, ..Reply::default() },
            None => return Reply::not_modeled("docker run without an image: its usage text"),
        },
        (_, Some((1, 5..=6))) => {
            format!("{first}: \"run\" requires a minimum of 1 argument. See '{argv0} run --help'.\n")
        }
        (Some(Family::Cobra), _) => "\"docker run\" requires at least 1 argument(s).\nSee 'docker run --help'.\n\n\
                                     Usage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun a command in a new container\n"
            .to_string(),
        (Some(Family::Hint | Family::Hint125), Some((_, minor))) => {
            let tab = if minor >= 8 { "\t" } else { " " };
            format!(
                "{first}: \"run\" requires a minimum of 1 argument.\nSee '{argv0} run --help'.\n\n\
                 Usage:{tab}docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun a command in a new container\n"
            )
        }
        _ => return Reply::not_modeled("docker run without an image"),
    };
    Reply { stderr: stderr.into_bytes(), status: 1, ..Reply::default() }
}

/// `docker run --rm -d`: refused before 1.13 (the client removes the container when it exits,
/// which a detached client cannot wait for); `None` where it is allowed.
fn rm_and_detach(client: &Client) -> Option<Reply> {
    match client.version()? {
        (1, 0..=12) => Some(Reply {
            stderr: fatal_line(client, "Conflicting options: --rm and -d").into_bytes(),
            status: 1,
            ..Reply::default()
        }),
        (1, 13..) => None,
        _ => Some(Reply::not_modeled("docker run --rm -d")),
    }
}

/// A pid as docker 1.0-1.6 prints it: a float64 of a generic map, so a million and over in
/// Go's shortest exponent form (`1.488899e+06`).
fn go_number(n: u32) -> String {
    if n < 1_000_000 {
        return n.to_string();
    }
    let digits = n.to_string();
    let mantissa = digits.trim_end_matches('0');
    let (first, rest) = mantissa.split_at(1);
    let dot = if rest.is_empty() { String::new() } else { format!(".{rest}") };
    format!("{first}{dot}e+{:02}", digits.len() - 1)
}

/// Expands a Go template's field actions (`{{.State.Pid}}`) over what was found; other text is
/// kept as is.
fn expand(client: &Client, template: &str, found: &Found) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            return Err("Template parsing error: template: :1: unclosed action\n".to_string());
        };
        let action = after[..close].trim();
        rest = &after[close + 2..];
        if !action.starts_with('.') || action.contains(char::is_whitespace) {
            return Err(format!("weavetrace: docker inspect: the template action {{{{{action}}}}} is not modelled\n"));
        }
        out.push_str(&field(client, action, found));
    }
    out.push_str(rest);
    Ok(out)
}

fn field(client: &Client, path: &str, found: &Found) -> String {
    const NO: &str = "<no value>";
    // Up to 1.6 the template runs on a generic map, whose numbers are float64s.
    let number = |n: u32| if client.version() >= Some((1, 7)) { n.to_string() } else { go_number(n) };
    match found {
        Found::Image { id } => match path {
            ".Id" => shown_image_id(client, id),
            ".Config.Image" | ".Config.Hostname" | ".Config.Domainname" => String::new(),
            _ => NO.into(),
        },
        Found::Container(c) => match path {
            ".Id" => c.id.clone(),
            ".Name" => format!("/{}", c.name),
            ".Image" => shown_image_id(client, &c.image_id),
            ".State.Pid" => number(c.pid),
            ".State.Running" => c.running.to_string(),
            ".Config.Image" => c.image.clone(),
            ".Config.Hostname" => c.hostname.clone(),
            ".Config.Domainname" => c.domainname.clone(),
            ".NetworkSettings.IPAddress" => c.ip.map(|ip| ip.to_string()).unwrap_or_default(),
            _ => NO.into(),
        },
    }
}

/// Where the weaveexec image keeps the script it runs.
pub const WEAVEEXEC_SCRIPT: &[u8] = b"/home/weave/weave";

/// Where the host's container processes go in a weaveexec run without `-v /proc:...`: nowhere its
/// script looks (its own /proc shows its own pid namespace).
pub const HOST_PROC_NOT_MOUNTED: &[u8] = b"/.host-proc-not-mounted";

/// A weaveexec `--local CMD ...` run for the caller to make: the words after `--local`, the
/// container's environment, and where it sees the host's /proc.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalRun {
    pub args: Vec<Vec<u8>>,
    pub env: Vec<(Vec<u8>, Vec<u8>)>,
    pub host_proc: Vec<u8>,
    /// The names `/` holds beyond the host's (its volumes' mount points).
    pub mount_points: Vec<Vec<u8>>,
}

/// weaveexec's `--local CMD ...`: the spec's local side runs in the container — its docker
/// client the image's own, its host the world's, its calls changing the same state. (A world
/// that wants the answer fixed gives a `[[docker.answer]]` for the run, which comes first.) When
/// the image holds the subject's script, the run is left to the caller, which runs that.
fn weaveexec_local(
    world: &World,
    state: &mut State,
    args: &[Vec<u8>],
    env: Vec<(Vec<u8>, Vec<u8>)>,
    host_proc: &[u8],
    mount_points: Vec<Vec<u8>>,
) -> Reply {
    if state.runs_script {
        let container = LocalRun { args: args.to_vec(), env, host_proc: host_proc.to_vec(), mount_points };
        return Reply { container: Some(Box::new(container)), changed: true, ..Reply::default() };
    }
    let inside = world.inside_weaveexec();
    let mut argv = vec![b"--local".to_vec()];
    argv.extend(args.iter().cloned());
    // A fresh container: its own filesystem, the host's /proc where a volume puts it (the
    // script's `-v /proc:/hostproc`), and its shell is pid 1 in the host's network namespace
    // (--net=host).
    // The nested calls are numbered apart: they are kept with this call, not in the log.
    let outer_calls = std::mem::take(&mut state.calls);
    let mut fs = crate::fs::MemFs::default();
    let (mut run, changed) = {
        let mut host = super::inline::FakeHost::new(&inside, state, &mut fs, host_proc, 1);
        // The container's root is the host's, with its volumes' mount points besides.
        host.root_extras = mount_points;
        // The image is alpine's: its /bin/sh is busybox ash, whatever the host's shell.
        let ash = crate::trace::Dialect::Ash;
        let root = std::path::Path::new("/");
        let run = super::inline::run_spec(&mut host, WEAVEEXEC_SCRIPT, ash, env, argv, root, None);
        (run, host.changed)
    };
    state.calls = outer_calls;
    // The image runs weave without -x: the container's stderr holds only its messages; the
    // trace is kept with the call, as `sh -x` would have written it.
    let messages = std::mem::take(&mut run.io.messages);
    let nested = super::log::Nested { trace: super::log::Bytes(run.io.stderr), calls: run.calls };
    // A call inside that the models do not cover leaves the container's answer unmodeled too.
    let unmodeled = nested.calls.iter().any(|c| c.unmodeled);
    let nested = Some(Box::new(nested));
    Reply { stdout: run.io.stdout, stderr: messages, status: run.status, nested, changed, unmodeled, container: None }
}

/// The names a container's `/` holds beyond the host's: the top directories of its volumes'
/// targets (docker makes them), `hostproc` for weave's `-v /proc:/hostproc`.
fn mount_points(volumes: &[&[u8]]) -> Vec<Vec<u8>> {
    let mut names: Vec<Vec<u8>> = Vec::new();
    for v in volumes {
        let target = v.split(|&b| b == b':').nth(1).unwrap_or_default();
        let top = target.strip_prefix(b"/").and_then(|t| t.split(|&b| b == b'/').next()).unwrap_or_default();
        if !top.is_empty() && !names.iter().any(|n| n == top) {
            names.push(top.to_vec());
        }
    }
    names
}

/// The n-th container id after the world's list: 64 hex digits from a fixed generator (splitmix64),
/// never with twelve leading digits, as docker guarantees.
pub fn generated_id(n: u64) -> String {
    let mut x = 0x7765_6176_6574_7261_u64 ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut id = String::with_capacity(64);
    for _ in 0..4 {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        id.push_str(&format!("{z:016x}"));
    }
    if id[..12].bytes().all(|b| b.is_ascii_digit()) {
        id.replace_range(0..1, "f");
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::Answer;

    fn no_env(_: &str) -> Option<Vec<u8>> {
        None
    }

    fn argv(line: &str) -> Vec<Vec<u8>> {
        line.split(' ').map(|w| w.as_bytes().to_vec()).collect()
    }

    #[test]
    fn what_the_model_does_not_cover_says_so_with_127_never_a_silent_success() {
        let world = World::default();
        for (line, said) in [
            ("docker logs x", "not modeled: docker logs x\n"),
            ("docker run --rm busybox true", "not modeled: docker run --rm busybox true\n"),
            // A service's program in the foreground: only its --version is modeled.
            (
                "docker run --rm weaveworks/weave:0.10.0 --help",
                "not modeled: docker run --rm weaveworks/weave:0.10.0 --help\n",
            ),
        ] {
            let reply = docker(&world, &mut State::default(), &argv(line), &no_env);
            assert_eq!((reply.status, reply.unmodeled), (127, true), "{line}");
            assert_eq!(String::from_utf8_lossy(&reply.stderr), said, "{line}");
            assert!(reply.stdout.is_empty(), "{line}");
        }
        // A world's explicit answer covers a call the model does not.
        let mut pinned = World::default();
        pinned.docker.answer.push(Answer { args: "^docker logs ".into(), stdout: "hi\n".into(), ..Answer::default() });
        let reply = docker(&pinned, &mut State::default(), &argv("docker logs x"), &no_env);
        assert_eq!((reply.status, reply.unmodeled, reply.stdout), (0, false, b"hi\n".to_vec()));
    }

    #[test]
    fn run_detached_hands_out_ids_in_order() {
        let mut world = World::default();
        world.docker.container_ids = vec!["aaa".into()];
        let mut state = State::default();
        let first = docker(&world, &mut state, &argv("docker run -d --label=x -ti ubuntu"), &no_env);
        assert_eq!(first.stdout, b"aaa\n");
        let second = docker(&world, &mut state, &argv("docker run -ti -d ubuntu"), &no_env);
        assert_eq!(second.stdout, format!("{}\n", generated_id(0)).into_bytes());
        assert_ne!(generated_id(0), generated_id(1));
        assert_eq!(generated_id(5).len(), 64);
        let third = docker(&world, &mut state, &argv("docker run -dit ubuntu sh"), &no_env);
        assert_eq!(third.stdout, format!("{}\n", generated_id(1)).into_bytes());
    }

    #[test]
    fn weaveexec_runs_each_local_command_through_the_spec() {
        let world = World::default();
        let mut state = State::default();
        let base = "docker run --rm -v /var/run/docker.sock:/var/run/docker.sock -e VERSION --privileged --net=host weaveworks/weaveexec:0.10.0 --local";
        let dns = docker(&world, &mut state, &argv(&format!("{base} dns-args 10.2.0.1/24 -ti ubuntu")), &no_env);
        assert_eq!(dns.stdout, b"--dns 172.17.42.1 --dns-search=.");
        let attach = docker(&world, &mut state, &argv(&format!("{base} attach 10.2.0.1/24 abc")), &no_env);
        // No container `abc`: the image's docker says so, and the script stops there under set -e;
        // the bridge it made first stays.
        assert_eq!(
            (attach.status, String::from_utf8_lossy(&attach.stderr)),
            (1, "Error: No such image or container: abc\n".into())
        );
        let nested = attach.nested.expect("the container's own run is kept");
        let trace = String::from_utf8_lossy(&nested.trace.0).into_owned();
        assert!(trace.ends_with("abc\nError: No such image or container: abc\n+ CONTAINER_PID=\n"), "{trace}");
        assert!(state.render().contains("weave"), "{}", state.render());
        assert_eq!(state.docker.started, 0);
    }

    fn inspect(world: &World, state: &mut State, line: &str) -> (String, String, i32) {
        let words: Vec<Vec<u8>> = shell_words::split(line).unwrap().into_iter().map(String::into_bytes).collect();
        let r = docker(world, state, &words, &no_env);
        (String::from_utf8(r.stdout).unwrap(), String::from_utf8(r.stderr).unwrap(), r.status)
    }

    #[test]
    fn inspect_expands_templates_for_containers_and_images() {
        let mut world = World::default();
        world.docker.containers.push(crate::world::Container {
            id: "b".repeat(64),
            name: "weave".into(),
            image: "weaveworks/weave:0.10.0".into(),
            running: false,
            pid: None,
            ip_address: None,
            hostname: None,
            domainname: String::new(),
            network: Network::Bridge,
            weave: Vec::new(),
            router: None,
            dns: None,
        });
        world.docker.images.push(crate::world::Image {
            id: "c".repeat(64),
            tags: vec!["weaveworks/weaveexec:0.10.0".into()],
            created: "1 day ago".into(),
            size: "1 MB".into(),
        });
        world.docker.pids = vec![1234567];
        let mut state = State::default();
        let id = docker(&world, &mut state, &argv("docker run -d --name=c1 -h box.example.com ubuntu"), &no_env);
        assert_eq!(id.stdout, format!("{DOCUMENTED_ID}\n").into_bytes());
        let t =
            "'--format={{.State.Running}} {{.Config.Image}} {{.NetworkSettings.IPAddress}} {{.Name}} {{.State.Pid}}'";
        assert_eq!(
            inspect(&world, &mut state, &format!("docker inspect {t} c1 weave")),
            (
                "true ubuntu 172.17.0.2 /c1 1.234567e+06\nfalse weaveworks/weave:0.10.0  /weave 0\n".into(),
                String::new(),
                0
            )
        );
        assert_eq!(
            inspect(
                &world,
                &mut state,
                "docker inspect -f --data-urlencode_fqdn={{.Config.Hostname}}.{{.Config.Domainname}}. 0eedd"
            ),
            ("--data-urlencode_fqdn=box.example.com.\n".into(), String::new(), 0)
        );
        assert_eq!(inspect(&world, &mut state, "docker inspect --format={{.Id}} c1").0, format!("{DOCUMENTED_ID}\n"));
        assert_eq!(
            inspect(&world, &mut state, "docker inspect --format={{.Id}}/{{.State.Pid}} weaveworks/weaveexec:0.10.0"),
            (format!("{}/<no value>\n", "c".repeat(64)), String::new(), 0)
        );
        assert_eq!(
            inspect(&world, &mut state, "docker inspect --format={{.State.Pid}} nope c1"),
            ("1.234567e+06\n".into(), "Error: No such image or container: nope\n".into(), 1)
        );
        assert_eq!(inspect(&world, &mut state, "docker inspect --format={{.Image}} c1").0.len(), 65);
    }

    const DOCUMENTED_ID: &str = crate::world::DOCUMENTED_CONTAINER_ID;

    #[test]
    fn start_restarts_and_reports_missing_ones_as_the_client_does() {
        let world = World::default();
        let mut state = State::default();
        docker(&world, &mut state, &argv("docker run -d --name=c1 ubuntu"), &no_env);
        state.docker.containers[0].running = false;
        let r = docker(&world, &mut state, &argv("docker start c1"), &no_env);
        assert_eq!((r.stdout.as_slice(), r.status), (&b"c1\n"[..], 0));
        assert_eq!(state.docker.containers[0].pid, 40002);
        let inside = world.inside_weaveexec();
        let r = docker(&inside, &mut state, &argv("docker start nope"), &no_env);
        assert_eq!(
            String::from_utf8(r.stderr).unwrap(),
            "Error response from daemon: No such container: nope\n2015/04/24 10:00:00 Error: failed to start one or more containers\n"
        );
        assert_eq!(r.status, 1);
        let conflict = docker(&world, &mut state, &argv("docker run -d --name=c1 ubuntu"), &no_env);
        assert_eq!(conflict.status, 1);
        assert!(String::from_utf8_lossy(&conflict.stderr).starts_with("time=\"2015-04-24T10:00:00Z\" level=fatal msg=\"Error response from daemon: Conflict. The name \\\"c1\\\" is already in use"));
    }

    #[test]
    fn a_run_the_client_or_daemon_may_refuse_is_not_modeled_never_a_container() {
        let world = World::default();
        for line in [
            "docker run -d --name=a ubuntu",
            "docker run -d --name=db:1 ubuntu",
            "docker run -d -p 80:http ubuntu",
            "docker run -d --net=container:web ubuntu",
            "docker run -d --memory=1m ubuntu",
            "docker run -d --cap-add=NET_ADMIN ubuntu",
            "docker run -d -a stdout ubuntu",
            "docker run --rm --restart=always ubuntu",
        ] {
            let mut state = State::default();
            let r = docker(&world, &mut state, &argv(line), &no_env);
            assert!(r.unmodeled && r.status == 127, "{line}: {r:?}");
            assert!(state.docker.containers.is_empty(), "{line}");
        }
        let mut state = State::default();
        let ok = "docker run -d --name=web.1 -p 10.0.0.1:80:80/udp --memory=1g --restart=on-failure:3 -w /srv ubuntu";
        assert_eq!(docker(&world, &mut state, &argv(ok), &no_env).status, 0);
    }

    #[test]
    fn a_pull_the_model_does_not_cover_leaves_the_run_uncovered() {
        let mut world = World::default();
        world.docker.version_output = "Docker version 1.10.3, build 20f81dd".into();
        let r = docker(&world, &mut State::default(), &argv("docker run -d weaveworks/weave:latest"), &no_env);
        assert!(r.unmodeled, "{r:?}");
    }

    #[test]
    fn run_honours_net_host_and_none() {
        let world = World::default();
        let mut state = State::default();
        docker(&world, &mut state, &argv("docker run -d --net=host --name hh ubuntu"), &no_env);
        docker(&world, &mut state, &argv("docker run -d --net none --name nn ubuntu"), &no_env);
        let (h, n) = (&state.docker.containers[0], &state.docker.containers[1]);
        assert_eq!((h.netns, h.ip, h.hostname.as_str()), (HOST_NETNS_INODE, None, "weave-host"));
        let ns = state.net.as_ref().unwrap().ns(n.netns).unwrap();
        assert_eq!(ns.links.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(), ["lo"]);
        assert_eq!(go_number(40001), "40001");
        assert_eq!(go_number(1_000_000), "1e+06");
    }

    #[test]
    fn latest_is_docker_hubs_tag_of_the_same_image_which_the_daemon_lacks_until_pulled() {
        let world = World::default();
        let mut state = State::default();
        let listed = |state: &mut State| {
            let table = text(&run_line(&world, state, "docker images --no-trunc", &no_env)).0;
            table.lines().filter(|l| l.starts_with("weaveworks/weave ")).count()
        };
        assert_eq!(listed(&mut state), 1);
        let pulled = text(&run_line(&world, &mut state, "docker pull weaveworks/weave:latest", &no_env)).0;
        assert!(pulled.ends_with("Status: Downloaded newer image for weaveworks/weave:latest\n"), "{pulled}");
        // One image, two tags; the other images did not gain theirs.
        assert_eq!(listed(&mut state), 2);
        let table = text(&run_line(&world, &mut state, "docker images --no-trunc", &no_env)).0;
        assert!(!table.contains("weaveworks/weavedns      latest"), "{table}");
    }

    #[test]
    fn run_splits_a_dotted_hostname_into_host_and_domain() {
        let world = World::default();
        let mut state = State::default();
        docker(&world, &mut state, &argv("docker run -d -h app.weave.local ubuntu"), &no_env);
        docker(&world, &mut state, &argv("docker run -d --hostname=plain ubuntu"), &no_env);
        let names: Vec<_> =
            state.docker.containers.iter().map(|c| (c.hostname.as_str(), c.domainname.as_str())).collect();
        assert_eq!(names, [("app", "weave.local"), ("plain", "")]);
    }

    #[test]
    fn explicit_answers_come_first() {
        let mut world = World::default();
        world.docker.answer.push(Answer {
            args: "^docker run .*-d".into(),
            stderr: "boom\n".into(),
            status: 1,
            ..Default::default()
        });
        let mut state = State::default();
        let r = docker(&world, &mut state, &argv("docker run -d ubuntu"), &no_env);
        assert_eq!((r.stderr.as_slice(), r.status), (&b"boom\n"[..], 1));
        assert_eq!(
            docker(&world, &mut state, &argv("docker -v"), &no_env).stdout,
            b"Docker version 1.6.0, build 4749651\n"
        );
    }

    fn run_line(world: &World, state: &mut State, line: &str, env: &dyn Fn(&str) -> Option<Vec<u8>>) -> Reply {
        let words: Vec<Vec<u8>> = shell_words::split(line).unwrap().into_iter().map(String::into_bytes).collect();
        match words[0].as_slice() {
            b"docker" => docker(world, state, &words, env),
            _ => {
                super::super::answer(world, state, &mut crate::fs::MemFs::default(), &words, env, Vec::new()).unwrap().0
            }
        }
    }

    fn text(r: &Reply) -> (String, String, i32) {
        (String::from_utf8_lossy(&r.stdout).into_owned(), String::from_utf8_lossy(&r.stderr).into_owned(), r.status)
    }

    /// The world inside weaveexec: its docker client is 1.3.1.
    fn weaveexec_world() -> World {
        World::default().inside_weaveexec()
    }

    #[test]
    fn stop_ends_the_namespace_and_the_host_side_veth_then_rm_forgets_the_container() {
        let world = weaveexec_world();
        let mut state = State::new(&world);
        let r =
            run_line(&world, &mut state, "docker run -d --name=weave weaveworks/weave:0.10.0 -iface ethwe", &no_env);
        assert_eq!(r.status, 0);
        let (docker, net) = state.parts(&world);
        let (netns, pid) = (docker.containers[0].netns, docker.containers[0].pid);
        net.attach_weave(netns, pid, &[]);
        let veth = format!("vethwepl{pid}");
        assert!(state.net.as_ref().unwrap().host().link(&veth).is_some());
        assert_eq!(
            text(&run_line(&world, &mut state, "docker stop weave", &no_env)),
            ("weave\n".into(), String::new(), 0)
        );
        let net = state.net.as_ref().unwrap();
        assert!(net.ns(netns).is_none() && net.host().link(&veth).is_none(), "{}", state.render());
        assert!(state.render().contains("  weave "), "{}", state.render());
        assert!(state.render().contains(" stopped\n"), "{}", state.render());
        let t = "docker inspect '--format={{.State.Running}} {{.Config.Image}} {{.State.Pid}} [{{.NetworkSettings.IPAddress}}]' weave";
        assert_eq!(text(&run_line(&world, &mut state, t, &no_env)).0, "false weaveworks/weave:0.10.0 0 []\n");
        // A stopped container stops again quietly (the daemon answers 304), and goes with rm.
        assert_eq!(text(&run_line(&world, &mut state, "docker stop weave", &no_env)).2, 0);
        assert_eq!(
            text(&run_line(&world, &mut state, "docker rm weave", &no_env)),
            ("weave\n".into(), String::new(), 0)
        );
        assert!(!state.render().contains("\n  weave "), "{}", state.render());
        assert_eq!(
            text(&run_line(&world, &mut state, t, &no_env)),
            (String::new(), "Error: No such image or container: weave\n".into(), 1)
        );
        // Missing: 1.3.1's daemon says "No such container", 1.6's "no such id".
        assert_eq!(
            text(&run_line(&world, &mut state, "docker stop weave", &no_env)).1,
            "Error response from daemon: No such container: weave\n2015/04/24 10:00:00 Error: failed to stop one or more containers\n"
        );
        assert_eq!(
            text(&run_line(&World::default(), &mut State::default(), "docker rm -f weave", &no_env)),
            (
                String::new(),
                "Error response from daemon: no such id: weave\ntime=\"2015-04-24T10:00:00Z\" level=fatal msg=\"Error: failed to remove one or more containers\" \n".into(),
                1
            )
        );
    }

    #[test]
    fn rm_refuses_a_running_container_unless_forced() {
        let world = weaveexec_world();
        let mut state = State::new(&world);
        run_line(&world, &mut state, "docker run -d --name=web ubuntu", &no_env);
        assert_eq!(
            text(&run_line(&world, &mut state, "docker rm web", &no_env)),
            (
                String::new(),
                "Error response from daemon: You cannot remove a running container. Stop the container before attempting removal or use -f\n2015/04/24 10:00:00 Error: failed to remove one or more containers\n".into(),
                1
            )
        );
        assert!(state.docker.containers[0].running);
        let netns = state.docker.containers[0].netns;
        assert_eq!(text(&run_line(&world, &mut state, "docker rm -f web", &no_env)).2, 0);
        assert!(state.docker.containers.is_empty() && state.net.as_ref().unwrap().ns(netns).is_none());
        // The name is free again; while the container existed, 1.3.1 named the conflict its way.
        run_line(&world, &mut state, "docker run -d --name=web ubuntu", &no_env);
        let r = run_line(&world, &mut state, "docker run -d --name=web ubuntu", &no_env);
        assert!(
            text(&r).1.starts_with(
                "2015/04/24 10:00:00 Error response from daemon: Conflict, The name web is already assigned to "
            ),
            "{}",
            text(&r).1
        );
    }

    fn registry_world() -> World {
        let mut world = weaveexec_world();
        world.docker.registry[0].pulled = false;
        world.docker.registry[0].created = "2 days ago".into();
        world
    }

    #[test]
    fn pull_brings_an_image_that_images_then_lists_and_inspect_finds() {
        let world = registry_world();
        let mut state = State::new(&world);
        let id = world.docker.registry[0].id.clone();
        let inspect = "docker inspect --format={{.Id}} weaveworks/weave:0.10.0";
        assert_eq!(text(&run_line(&world, &mut state, inspect, &no_env)).2, 1);
        let listed = |state: &mut State| text(&run_line(&world, state, "docker images --no-trunc", &no_env)).0;
        assert!(!listed(&mut state).contains(&id));
        let r = run_line(&world, &mut state, "docker pull weaveworks/weave:0.10.0", &no_env);
        let out = text(&r).0;
        assert!(out.starts_with("Pulling repository weaveworks/weave\n"), "{out}");
        assert!(out.ends_with("Status: Downloaded newer image for weaveworks/weave:0.10.0\n"), "{out}");
        assert_eq!(text(&run_line(&world, &mut state, inspect, &no_env)), (format!("{id}\n"), String::new(), 0));
        let table = listed(&mut state);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(
            lines[0],
            format!("{:<23}{:<20}{:<67}{:<20}VIRTUAL SIZE", "REPOSITORY", "TAG", "IMAGE ID", "CREATED")
        );
        assert!(
            lines.contains(
                &format!("{:<23}{:<20}{:<67}{:<20}11.64 MB", "weaveworks/weave", "0.10.0", id, "2 days ago").as_str()
            ),
            "{table}"
        );
        // Pulled again, it is up to date; a name the registry lacks fails as 1.3.1 does.
        assert!(text(&run_line(&world, &mut state, "docker pull weaveworks/weave:0.10.0", &no_env))
            .0
            .ends_with("Status: Image is up to date for weaveworks/weave:0.10.0\n"));
        assert_eq!(
            text(&run_line(&world, &mut state, "docker pull weaveworks/nope", &no_env)),
            (
                "Pulling repository weaveworks/nope\n".into(),
                "2015/04/24 10:00:00 Error: image weaveworks/nope not found\n".into(),
                1
            )
        );
        // A tag the registry's repository lacks has its own message.
        assert_eq!(
            text(&run_line(&world, &mut state, "docker pull weaveworks/weave:0.9.0", &no_env)).1,
            "2015/04/24 10:00:00 Tag 0.9.0 not found in repository weaveworks/weave\n"
        );
    }

    #[test]
    fn run_pulls_an_image_the_daemon_lacks_first_and_version_asks_the_image() {
        let world = registry_world();
        let mut state = State::new(&world);
        let r =
            run_line(&world, &mut state, "docker run -d --name=weave weaveworks/weave:0.10.0 -iface ethwe", &no_env);
        let (out, err, status) = text(&r);
        assert_eq!((out.len(), status), (65, 0));
        assert!(
            err.starts_with(
                "Unable to find image 'weaveworks/weave:0.10.0' locally\nPulling repository weaveworks/weave\n"
            ),
            "{err}"
        );
        let image = text(&run_line(&world, &mut state, "docker inspect --format={{.Image}} weave", &no_env)).0;
        assert_eq!(image.trim(), world.docker.registry[0].id);
        let version = run_line(&world, &mut state, &format!("docker run --rm {} --version", image.trim()), &no_env);
        assert_eq!(text(&version), ("weave router 0.10.0\n".into(), String::new(), 0));
        let mut stamped = world.clone();
        // weaveDNS's 0.10.0 entry (each image's `latest` follows its own).
        stamped.docker.registry[2].version = Some("git-1234".into());
        let dns = run_line(&stamped, &mut state, "docker run --rm weaveworks/weavedns:0.10.0 --version", &no_env);
        assert_eq!(text(&dns).0, "weave DNS git-1234\n");
        let mut failing = registry_world();
        failing.docker.registry[0].error = Some("Error: network is down".into());
        let r = run_line(&failing, &mut State::new(&failing), "docker run -d weaveworks/weave:0.10.0", &no_env);
        assert_eq!(
            text(&r),
            (String::new(), "Unable to find image 'weaveworks/weave:0.10.0' locally\nPulling repository weaveworks/weave\n2015/04/24 10:00:00 Error: network is down\n".into(), 1)
        );
    }

    #[test]
    fn a_router_answers_once_its_interface_is_up_with_what_its_arguments_said() {
        let world = weaveexec_world();
        let mut state = State::new(&world);
        let password = |k: &str| (k == "WEAVE_PASSWORD").then(|| b"s3cret".to_vec());
        let launch = "docker run --privileged -d --name=weave -p 6783:6783/tcp -p 6783:6783/udp -e WEAVE_PASSWORD weaveworks/weave:0.10.0 -iface ethwe -port 6783 -name 7a:00:00:00:00:01 -nickname host1 10.0.0.2 10.0.0.3:6790";
        assert_eq!(run_line(&world, &mut state, launch, &password).status, 0);
        let c = state.docker.containers[0].clone();
        assert_eq!(
            (c.ports.len(), c.env.as_slice(), c.args.len()),
            (2, &["WEAVE_PASSWORD=s3cret".to_string()][..], 10)
        );
        let ip = c.ip.unwrap();
        let status = format!("curl --connect-timeout 3 -s -X GET http://{ip}:6784/status");
        // No ethwe yet: the router has not started listening.
        assert_eq!(text(&run_line(&world, &mut state, &status, &no_env)), (String::new(), String::new(), 7));
        state.net.as_mut().unwrap().attach_weave(c.netns, c.pid, &[]);
        let (report, _, code) = text(&run_line(&world, &mut state, &status, &no_env));
        assert_eq!(code, 0);
        assert!(
            report.starts_with("weave router 0.10.0\nEncryption on\nOur name is 7a:00:00:00:00:01(host1)\n"),
            "{report}"
        );
        assert!(report.ends_with("Reconnects:\n->[10.0.0.2:6783] trying since 2015-05-27 10:30:00.123456789 +0000 UTC\n->[10.0.0.3:6790] trying since 2015-05-27 10:30:00.123456789 +0000 UTC\n\n"), "{report}");
        // Stopped and started again, it is a fresh router, with no interface yet.
        run_line(&world, &mut state, "docker stop weave", &no_env);
        assert!(state.services.is_empty());
        run_line(&world, &mut state, "docker start weave", &no_env);
        let ip = state.docker.containers[0].ip.unwrap();
        assert_eq!(text(&run_line(&world, &mut state, &format!("curl -s http://{ip}:6784/status"), &no_env)).2, 7);
    }

    #[test]
    fn a_world_can_keep_a_service_from_ever_answering() {
        let mut world = weaveexec_world();
        world.docker.registry[0].silent = true;
        let mut state = State::new(&world);
        run_line(&world, &mut state, "docker run -d --name=weave weaveworks/weave:0.10.0 -iface ethwe", &no_env);
        let c = state.docker.containers[0].clone();
        state.net.as_mut().unwrap().attach_weave(c.netns, c.pid, &[]);
        let r = run_line(&world, &mut state, &format!("curl -s http://{}:6784/status", c.ip.unwrap()), &no_env);
        assert_eq!(text(&r), (String::new(), String::new(), 7));
        // Without the key, the same run answers.
        let world = weaveexec_world();
        let mut state = State::new(&world);
        run_line(&world, &mut state, "docker run -d --name=weave weaveworks/weave:0.10.0 -iface ethwe", &no_env);
        state.net.as_mut().unwrap().attach_weave(c.netns, c.pid, &[]);
        assert_eq!(
            run_line(&world, &mut state, &format!("curl -s http://{}:6784/status", c.ip.unwrap()), &no_env).status,
            0
        );
    }

    #[test]
    fn sleep_returns_at_once_and_conntrack_counts_what_it_deleted() {
        let mut world = World::default();
        let mut state = State::new(&world);
        let started = std::time::Instant::now();
        assert_eq!(text(&run_line(&world, &mut state, "sleep 3", &no_env)), (String::new(), String::new(), 0));
        assert_eq!(run_line(&world, &mut state, "sleep 0.5 1m", &no_env).status, 0);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert_eq!(
            text(&run_line(&world, &mut state, "sleep x", &no_env)),
            (String::new(), "sleep: invalid time interval 'x'\nTry 'sleep --help' for more information.\n".into(), 1)
        );
        assert_eq!(
            text(&run_line(&world, &mut state, "sleep", &no_env)).1,
            "sleep: missing operand\nTry 'sleep --help' for more information.\n"
        );
        let delete = "conntrack -D -p udp --dport 6783";
        assert_eq!(
            text(&run_line(&world, &mut state, delete, &no_env)),
            (String::new(), "conntrack v1.4.2 (conntrack-tools): 0 flow entries have been deleted.\n".into(), 1)
        );
        let flow = |dport| crate::world::Flow { protocol: "udp".into(), dport };
        world.host.flows = vec![flow(6783), flow(53), flow(6783)];
        let mut state = State::new(&world);
        assert_eq!(
            text(&run_line(&world, &mut state, delete, &no_env)).1,
            "conntrack v1.4.2 (conntrack-tools): 2 flow entries have been deleted.\n"
        );
        assert_eq!(run_line(&world, &mut state, delete, &no_env).status, 1);
    }
}
