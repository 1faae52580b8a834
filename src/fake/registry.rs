//! The one list of the fakes: each name with the model that answers it and what that model needs.
//! Everything that knows the fakes by name reads it here: [`super::answer`]'s dispatch, the
//! sandbox's PATH ([`installed`]), the host binaries a sandbox hides, `ip netns exec`
//! ([`exec_in_netns`]) and the replay's cassette. A new fake is one more row of [`FAKES`].

use super::docker::DockerState;
use super::net::ip::{self, IpCtx};
use super::net::Net;
use super::{host, http, Reply};
use crate::world::World;

/// A fake: the name the multi-call binary answers to, and how.
pub struct Fake {
    pub name: &'static str,
    pub model: Model,
    /// What a call does to the network state.
    pub net: NetUse,
    /// Whether a sandbox of `world` has it on PATH (a world's host may lack `arping`).
    pub present: fn(&World) -> bool,
    /// Whether `ip netns exec NAME` runs it (inside that namespace).
    pub in_netns: bool,
}

/// What answers a fake's calls.
#[derive(Clone, Copy)]
pub enum Model {
    /// docker: the client and its daemon keep their own part of the state and say themselves what
    /// they changed; the host's `answer`s do not apply to it.
    Docker,
    /// Answers from the world alone.
    World(fn(&World, &[Vec<u8>]) -> Reply),
    /// Answers from the services the daemon's containers run, whose state the calls change.
    Services(fn(&World, &DockerState, &Net, &mut http::Services, &[Vec<u8>]) -> Reply),
    /// Answers in a network namespace: the host's, or the one `ip netns exec` names.
    Net(fn(&IpCtx, &mut Net, u64, &[Vec<u8>]) -> Reply),
}

/// What a fake's call does to the network state, which decides whether the files that show it are
/// due for `materialize` after the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetUse {
    /// Nothing: the network is not even built for it.
    None,
    /// Builds it if no call has, and changes nothing the files show.
    Reads,
    /// May change it, unless its words only ask to read (`show`, `list`, `-V`, `-S`, `-C`); whether
    /// it did is found by comparing the network before and after.
    Changes,
}

fn always(_: &World) -> bool {
    true
}

/// Every fake, in the order a sandbox puts them on PATH.
pub static FAKES: &[Fake] = &[
    Fake { name: "docker", model: Model::Docker, net: NetUse::Changes, present: always, in_netns: false },
    Fake { name: "id", model: Model::World(host::id), net: NetUse::None, present: always, in_netns: false },
    Fake { name: "ip", model: Model::Net(ip::ip), net: NetUse::Changes, present: always, in_netns: true },
    Fake { name: "uname", model: Model::World(host::uname), net: NetUse::None, present: always, in_netns: false },
    Fake {
        name: "ethtool",
        model: Model::Net(|_, net, inode, argv| host::ethtool(net, inode, argv)),
        net: NetUse::Reads,
        present: always,
        in_netns: true,
    },
    Fake { name: "nsenter", model: Model::Net(ip::nsenter), net: NetUse::Changes, present: always, in_netns: false },
    Fake {
        name: "iptables",
        model: Model::Net(|cx, net, _, argv| net.iptables(cx.world.host.iptables_w, argv)),
        net: NetUse::Changes,
        present: always,
        in_netns: false,
    },
    Fake {
        name: "arping",
        model: Model::Net(|_, net, inode, argv| host::arping(net, inode, argv)),
        net: NetUse::Reads,
        present: |world| world.host.arping,
        in_netns: true,
    },
    // Reading /dev/urandom moves the source on, but shows in no file.
    Fake {
        name: "od",
        model: Model::Net(|cx, net, _, argv| host::od(cx.world, net, argv)),
        net: NetUse::Reads,
        present: always,
        in_netns: false,
    },
    Fake { name: "curl", model: Model::Services(http::curl), net: NetUse::Reads, present: always, in_netns: false },
    Fake { name: "hostname", model: Model::World(host::hostname), net: NetUse::None, present: always, in_netns: false },
    // Deleting flows shows in no file.
    Fake {
        name: "conntrack",
        model: Model::Net(|cx, net, _, argv| host::conntrack(cx.world, net, argv)),
        net: NetUse::Reads,
        present: always,
        in_netns: false,
    },
    Fake { name: "sleep", model: Model::World(host::sleep), net: NetUse::None, present: always, in_netns: false },
];

/// The fake of that name (a bare name: no path).
pub fn find(name: &[u8]) -> Option<&'static Fake> {
    FAKES.iter().find(|f| f.name.as_bytes() == name)
}

/// The fakes a sandbox of `world` puts on PATH: all but those the world's host lacks.
pub fn installed(world: &World) -> Vec<&'static str> {
    FAKES.iter().filter(|f| (f.present)(world)).map(|f| f.name).collect()
}

/// The fake of that name, where a sandbox of `world` has it on PATH.
pub fn find_installed(world: &World, name: &[u8]) -> Option<&'static Fake> {
    find(name).filter(|f| (f.present)(world))
}

/// `ip netns exec NAME ARGV...`'s run of a fake in the namespace `inode`; `None` when no fake of
/// `argv[0]` runs there. Given to `ip` through [`IpCtx::exec`], so that `ip` needs not know the list.
pub fn exec_in_netns(cx: &IpCtx, net: &mut Net, inode: u64, argv: &[Vec<u8>]) -> Option<Reply> {
    let fake = find_installed(cx.world, argv.first()?).filter(|f| f.in_netns)?;
    match fake.model {
        Model::Net(answer) => Some(answer(cx, net, inode, argv)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_fake_says_what_its_model_needs() {
        for f in FAKES {
            let consistent = match f.model {
                Model::World(_) => f.net == NetUse::None && !f.in_netns,
                Model::Docker | Model::Services(_) => f.net != NetUse::None && !f.in_netns,
                Model::Net(_) => f.net != NetUse::None,
            };
            assert!(consistent, "{}", f.name);
            assert_eq!(find(f.name.as_bytes()).map(|g| g.name), Some(f.name), "{} is listed twice", f.name);
        }
    }
}
