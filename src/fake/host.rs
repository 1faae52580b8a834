//! The fakes for the host's own commands the local side asks: `id`, `uname`, `ip`.

use super::Reply;
use crate::world::World;

fn out(text: String) -> Reply {
    Reply { stdout: text.into_bytes(), ..Reply::default() }
}

fn words(argv: &[Vec<u8>]) -> Vec<&[u8]> {
    argv.iter().skip(1).map(Vec::as_slice).collect()
}

/// `id [-u]`.
pub fn id(world: &World, argv: &[Vec<u8>]) -> Reply {
    let uid = world.host.uid;
    match words(argv).as_slice() {
        [b"-u"] => out(format!("{uid}\n")),
        _ => {
            let name = if uid == 0 { "root".to_string() } else { format!("u{uid}") };
            out(format!("uid={uid}({name}) gid={uid}({name}) groups={uid}({name})\n"))
        }
    }
}

/// `uname [-s] [-r]`.
pub fn uname(world: &World, argv: &[Vec<u8>]) -> Reply {
    let (sys, rel) = world.host.uname.split_once(' ').unwrap_or((world.host.uname.as_str(), ""));
    let args = words(argv);
    let mut parts = Vec::new();
    if args.is_empty() || args.contains(&&b"-s"[..]) {
        parts.push(sys);
    }
    if args.contains(&&b"-r"[..]) {
        parts.push(rel);
    }
    out(format!("{}\n", parts.join(" ")))
}

/// `ip`: `-V`, `netns list`, and `-4 addr show dev NAME`, answered from the world's links.
pub fn ip(world: &World, argv: &[Vec<u8>]) -> Reply {
    match words(argv).as_slice() {
        [b"-V"] => out(format!("{}\n", world.host.ip_version)),
        [b"netns", b"list"] | [b"netns"] => {
            if world.host.netns {
                Reply::default()
            } else {
                Reply {
                    stderr: b"Object \"netns\" is unknown, try \"ip help\".\n".to_vec(),
                    status: 255,
                    ..Reply::default()
                }
            }
        }
        [b"-4", b"addr", b"show", b"dev", name] => {
            let name = String::from_utf8_lossy(name);
            let Some((n, link)) = world.host.links.iter().enumerate().find(|(_, l)| l.name == name) else {
                return Reply {
                    stderr: format!("Device \"{name}\" does not exist.\n").into_bytes(),
                    status: 1,
                    ..Reply::default()
                };
            };
            let mut text = format!(
                "{}: {name}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default \n",
                n + 3
            );
            for address in link.addresses.iter().filter(|a| a.contains('.')) {
                text.push_str(&format!(
                    "    inet {address} scope global {name}\n       valid_lft forever preferred_lft forever\n"
                ));
            }
            out(text)
        }
        _ => Reply::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(line: &str) -> Vec<Vec<u8>> {
        line.split(' ').map(|w| w.as_bytes().to_vec()).collect()
    }

    #[test]
    fn the_default_host_is_a_root_linux_with_docker0() {
        let w = World::default();
        assert_eq!(id(&w, &argv("id -u")).stdout, b"0\n");
        assert_eq!(uname(&w, &argv("uname -s -r")).stdout, b"Linux 3.16.0-4-amd64\n");
        let addr = ip(&w, &argv("ip -4 addr show dev docker0"));
        assert!(String::from_utf8_lossy(&addr.stdout).contains("    inet 172.17.42.1/16 scope global docker0\n"));
        assert_eq!(ip(&w, &argv("ip -4 addr show dev weave")).status, 1);
        assert_eq!(ip(&w, &argv("ip netns list")).status, 0);
    }
}
