//! The local side of weave 0.10.0: what the script does after `--local`, as it runs inside the
//! weaveexec container (or on a host, as root). Functions in the script's order and under its names.
//!
//! Covered: the settings, the root, kernel, `ip` and docker checks, and every command of the
//! dispatch (an unknown one included) with every helper it uses.

use super::{check_docker_version, collect_cidr_args, is_cidr, usage, validate_cidr, w, words};
use crate::spec::shell::{literal_pattern, Sh, Shell, Stage, Target, Word};
use crate::spec::utils;

/// `command_exists NAME`: `command -v $1 >/dev/null 2>&1`.
pub fn command_exists(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("command_exists", args, |sh| {
        let name = sh.split(&sh.arg(1));
        sh.command_v(name.first().map_or(&b""[..], Vec::as_slice), Target::Null).map(drop)
    })
}

/// The words of an unquoted `$NAME`.
fn split_var(sh: &Shell, name: &str) -> Vec<Word> {
    sh.split(&sh.var(name))
}

/// Words of a command line: literal words and already expanded lists, in order.
fn line(parts: &[&[Word]]) -> Vec<Word> {
    parts.concat()
}

/// `run_iptables ARGS`: iptables, with `-w` when this iptables knows it (asked once).
pub fn run_iptables(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("run_iptables", args, |sh| {
        sh.if_then(
            |sh| sh.test(149, &[b"-z", &sh.var("CHECKED_IPTABLES_W")]),
            |sh| {
                sh.if_then(
                    |sh| Ok(sh.external_redirected(150, words(&["iptables", "-S", "-w"]), Target::Null, true)? == 0),
                    |sh| sh.assign("IPTABLES_W", w("-w")),
                )?;
                sh.assign("CHECKED_IPTABLES_W", w("1"))
            },
        )?;
        let argv = line(&[&words(&["iptables"]), &split_var(sh, "IPTABLES_W"), &sh.args()]);
        sh.external(156, argv).map(drop)
    })
}

/// `run_iptables ARGS >/dev/null 2>&1` (or with only stdout thrown away).
fn run_iptables_quiet(sh: &mut Shell, args: Vec<Word>, stderr: Target) -> Sh<i32> {
    sh.redirected(Target::Null, stderr, |sh| run_iptables(sh, args))
}

/// `add_iptables_rule TABLE RULE...`: appends the rule unless `-C` finds it there.
pub fn add_iptables_rule(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("add_iptables_rule", args, |sh| {
        sh.assign("IPTABLES_TABLE", sh.arg(1))?;
        sh.shift(162, b"1")?;
        let table = split_var(sh, "IPTABLES_TABLE");
        sh.if_then(
            |sh| {
                let check = line(&[&words(&["-t"]), &table, &words(&["-C"]), &sh.args()]);
                Ok(run_iptables_quiet(sh, check, Target::Null)? != 0)
            },
            |sh| {
                let append = line(&[&words(&["-t"]), &table, &words(&["-A"]), &sh.args()]);
                run_iptables_quiet(sh, append, Target::Inherit).map(drop)
            },
        )
    })
}

/// `delete_iptables_rule TABLE RULE...`: deletes the rule where `-C` finds it.
pub fn delete_iptables_rule(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("delete_iptables_rule", args, |sh| {
        sh.assign("IPTABLES_TABLE", sh.arg(1))?;
        sh.shift(172, b"1")?;
        let table = split_var(sh, "IPTABLES_TABLE");
        sh.if_then(
            |sh| {
                let check = line(&[&words(&["-t"]), &table, &words(&["-C"]), &sh.args()]);
                Ok(run_iptables_quiet(sh, check, Target::Null)? == 0)
            },
            |sh| {
                let delete = line(&[&words(&["-t"]), &table, &words(&["-D"]), &sh.args()]);
                run_iptables_quiet(sh, delete, Target::Inherit).map(drop)
            },
        )
    })
}

/// `configure_arp_cache IFNAME [PREFIX]`: quicker ARP cache turnover on the interface, written
/// through `sh -c` run as is or inside `PREFIX` (`ip netns exec NS`).
pub fn configure_arp_cache(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("configure_arp_cache", args, |sh| {
        let ifname = sh.arg(1);
        let dir = [b"/proc/sys/net/ipv4/neigh/".as_slice(), &ifname].concat();
        let script = [
            b"echo 5 >".as_slice(),
            &dir,
            b"/base_reachable_time &&\n              echo 2 >",
            &dir,
            b"/delay_first_probe_time &&\n              echo 1 >",
            &dir,
            b"/ucast_solicit",
        ]
        .concat();
        let argv = line(&[&sh.split(&sh.arg(2)), &words(&["sh", "-c"]), &[script]]);
        sh.simple(185, argv, Target::Inherit, false).map(drop)
    })
}

/// `arp_update IFNAME CIDR [PREFIX]`: a gratuitous ARP for the address, when arping is installed.
pub fn arp_update(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("arp_update", args, |sh| {
        sh.if_then(
            |sh| Ok(command_exists(sh, words(&["arping"]))? == 0),
            |sh| {
                let address = sh.without_suffix(&sh.arg(2), b"/*");
                let argv = line(&[
                    &sh.split(&sh.arg(3)),
                    &words(&["arping", "-U", "-q", "-I"]),
                    &sh.split(&sh.arg(1)),
                    &words(&["-c", "1"]),
                    &sh.split(&address),
                ]);
                sh.external(199, argv).map(drop)
            },
        )
    })
}

/// The script `random_mac` hands to sed: od's bytes as a MAC, locally administered and unicast.
const RANDOM_MAC_SED: &str = "s|^ ||;s| |:|;s|[0-3]:|2:|;s|[4-7]:|6:|;s|[89ab]:|a:|;s|[c-f]:|e:|;s| |:|g";

/// `random_mac`: six random bytes from od, made a MAC by sed.
pub fn random_mac(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("random_mac", args, |sh| {
        let stages = vec![
            Stage::External { line: 208, argv: words(&["od", "-txC", "-An", "-N6", "/dev/urandom"]) },
            Stage::Utility { argv: words(&["sed", RANDOM_MAC_SED]), run: utils::sed },
        ];
        sh.pipeline(stages, Target::Inherit).map(drop)
    })
}

/// `create_bridge [--without-ethtool]`: the weave bridge, made once (with a random MAC, a high
/// MTU, and the iptables rules it needs), then brought up with tx offload off and ARP tuned.
pub fn create_bridge(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("create_bridge", args, |sh| {
        let bridge = split_var(sh, "BRIDGE");
        let sys = [b"/sys/class/net/".as_slice(), &sh.var("BRIDGE")].concat();
        sh.and_then(
            |sh| sh.test(216, &[b"!", b"-d", &sys]),
            |sh| {
                sh.external(
                    217,
                    line(&[&words(&["ip", "link", "add", "name"]), &bridge, &words(&["type", "bridge"])]),
                )?;
                let (mac, _) = sh.subst(|sh| random_mac(sh, vec![]).map(drop));
                let argv =
                    line(&[&words(&["ip", "link", "set", "dev"]), &bridge, &words(&["address"]), &sh.split(&mac)]);
                sh.external(221, argv)?;
                let dummy = sh.split(&[b"v".as_slice(), &sh.var("CONTAINER_IFNAME"), b"du"].concat());
                let mtu = split_var(sh, "MTU");
                sh.external(
                    226,
                    line(&[
                        &words(&["ip", "link", "add", "name"]),
                        &dummy,
                        &words(&["mtu"]),
                        &mtu,
                        &words(&["type", "dummy"]),
                    ]),
                )?;
                sh.external(227, line(&[&words(&["ip", "link", "set", "dev"]), &dummy, &words(&["master"]), &bridge]))?;
                sh.external(228, line(&[&words(&["ip", "link", "del", "dev"]), &dummy]))?;
                add_iptables_rule(
                    sh,
                    line(&[
                        &words(&["filter", "FORWARD", "-i"]),
                        &bridge,
                        &words(&["-o"]),
                        &bridge,
                        &words(&["-j", "ACCEPT"]),
                    ]),
                )?;
                sh.or_else(
                    |sh| Ok(run_iptables_quiet(sh, words(&["-t", "nat", "-N", "WEAVE"]), Target::Null)? == 0),
                    |sh| sh.true_(),
                )?;
                add_iptables_rule(sh, words(&["nat", "POSTROUTING", "-j", "WEAVE"])).map(drop)
            },
        )?;
        sh.if_then(
            |sh| sh.test(236, &[b"!", &sh.arg(1), b"=", b"--without-ethtool"]),
            |sh| {
                let argv = line(&[&words(&["ethtool", "-K"]), &bridge, &words(&["tx", "off"])]);
                sh.external_redirected(237, argv, Target::Null, false).map(drop)
            },
        )?;
        sh.external(240, line(&[&words(&["ip", "link", "set", "dev"]), &bridge, &words(&["up"])]))?;
        configure_arp_cache(sh, bridge.clone()).map(drop)
    })
}

/// `destroy_bridge`: the weave bridge deleted where it exists, and weave's iptables rules and
/// chain removed, each step allowed to fail.
pub fn destroy_bridge(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("destroy_bridge", args, |sh| {
        sh.if_then(
            |sh| {
                let sys = sh.split(&[b"/sys/class/net/".as_slice(), &sh.var("BRIDGE")].concat());
                let test = line(&[&words(&["-d"]), &sys]);
                sh.test_words(248, &test)
            },
            |sh| sh.external(249, line(&[&words(&["ip", "link", "del", "dev"]), &split_var(sh, "BRIDGE")])).map(drop),
        )?;
        let bridge = split_var(sh, "BRIDGE");
        let forward = line(&[
            &words(&["-t", "filter", "-D", "FORWARD", "-i"]),
            &bridge,
            &words(&["-o"]),
            &bridge,
            &words(&["-j", "ACCEPT"]),
        ]);
        sh.or_true(|sh| sh.redirected(Target::Inherit, Target::Null, |sh| run_iptables(sh, forward)))?;
        for rule in [
            &["-t", "nat", "-F", "WEAVE"][..],
            &["-t", "nat", "-D", "POSTROUTING", "-j", "WEAVE"],
            &["-t", "nat", "-X", "WEAVE"],
        ] {
            sh.or_true(|sh| run_iptables_quiet(sh, words(rule), Target::Null))?;
        }
        Ok(())
    })
}

/// `docker_bridge_ip`: the first IPv4 address of the docker bridge, without its prefix length.
pub fn docker_bridge_ip(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("docker_bridge_ip", args, |sh| {
        let mut ip = words(&["ip", "-4", "addr", "show", "dev"]);
        ip.extend(sh.split(&sh.var("DOCKER_BRIDGE")));
        sh.assign_subst("DOCKER_BRIDGE_IP", |sh| {
            let stages = vec![
                Stage::External { line: 258, argv: ip },
                Stage::Utility { argv: words(&["grep", "-m1", "-o", "inet [.0-9]*"]), run: utils::grep },
            ];
            sh.pipeline(stages, Target::Inherit).map(drop)
        })?;
        let v = sh.without_prefix(&sh.var("DOCKER_BRIDGE_IP"), b"inet ");
        sh.assign("DOCKER_BRIDGE_IP", v)
    })
}

/// `with_container_netns CONTAINER FUNCTION ARGS`: finds the container's pid (refusing a stopped
/// container or an image), names its network namespace for `ip netns`, runs FUNCTION with its
/// output kept in temporary files, and shows that output, or why the function failed.
pub fn with_container_netns(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("with_container_netns", args, |sh| {
        sh.assign("CONTAINER", sh.arg(1))?;
        sh.assign_subst("CONTAINER_PID", |sh| {
            let argv = line(&[&words(&["docker", "inspect", "--format={{.State.Pid}}"]), &split_var(sh, "CONTAINER")]);
            sh.external(270, argv).map(drop)
        })?;
        for (value, message, line_no) in
            [(&b"0"[..], &b" not running."[..], 272), (b"<no value>", b" unknown to Docker.", 277)]
        {
            sh.if_then(
                |sh| sh.test(line_no, &[&sh.var("CONTAINER_PID"), b"=", value]),
                |sh| {
                    let msg = [b"Container ".as_slice(), &sh.var("CONTAINER"), message].concat();
                    sh.echo_stderr(&[msg])?;
                    sh.exit(b"1")
                },
            )?;
        }
        sh.assign("NETNS", sh.var("CONTAINER_PID"))?;
        sh.and_then(
            |sh| sh.test(283, &[b"!", b"-d", b"/var/run/netns"]),
            |sh| sh.simple(283, words(&["mkdir", "-p", "/var/run/netns"]), Target::Inherit, false).map(drop),
        )?;
        // Each command expands its words when it runs: the `rm` can change what a pattern matches.
        let netns_link = |sh: &Shell| sh.split(&[b"/var/run/netns/".as_slice(), &sh.var("NETNS")].concat());
        sh.simple(284, line(&[&words(&["rm", "-f"]), &netns_link(sh)]), Target::Inherit, false)?;
        let target = sh.split(&[sh.var("PROCFS").as_slice(), b"/", &sh.var("CONTAINER_PID"), b"/ns/net"].concat());
        sh.simple(285, line(&[&words(&["ln", "-s"]), &target, &netns_link(sh)]), Target::Inherit, false)?;
        let (ifname, pid) = (sh.var("CONTAINER_IFNAME"), sh.var("CONTAINER_PID"));
        sh.assign("LOCAL_IFNAME", [b"v".as_slice(), &ifname, b"pl", &pid].concat())?;
        sh.assign("GUEST_IFNAME", [b"v".as_slice(), &ifname, b"pg", &pid].concat())?;
        sh.assign("IP_TMPOUT", [b"/tmp/weave_ip_out_".as_slice(), &sh.pid()].concat())?;
        sh.assign("IP_TMPERR", [b"/tmp/weave_ip_err_".as_slice(), &sh.pid()].concat())?;
        let (tmpout, tmperr) = (split_var(sh, "IP_TMPOUT"), split_var(sh, "IP_TMPERR"));
        sh.simple(291, line(&[&words(&["rm", "-f"]), &tmpout, &tmperr]), Target::Inherit, false)?;
        sh.assign("STATUS", w("0"))?;
        sh.shift(295, b"1")?;
        sh.if_else(
            |sh| {
                let (out, err) = (Target::File(sh.var("IP_TMPOUT")), Target::File(sh.var("IP_TMPERR")));
                let command = sh.args();
                let status = sh.redirected(out, err, |sh| run_words(sh, 296, command))?;
                Ok(status != 0)
            },
            |sh| {
                sh.assign("STATUS", w("1"))?;
                sh.if_else(
                    |sh| {
                        let pid = sh.var("CONTAINER_PID");
                        let alive = sh.redirected(Target::Inherit, Target::Null, |sh| {
                            sh.kill0(298, &pid).map(|alive| i32::from(!alive))
                        })?;
                        Ok(alive != 0)
                    },
                    |sh| {
                        let msg = [b"Container ".as_slice(), &sh.var("CONTAINER"), b" died"].concat();
                        sh.echo_stderr(&[msg])
                    },
                    |sh| {
                        let msg = [
                            b"Failure during network configuration for container ".as_slice(),
                            &sh.var("CONTAINER"),
                            b":",
                        ]
                        .concat();
                        sh.echo_stderr(&[msg])?;
                        let tmperr = split_var(sh, "IP_TMPERR");
                        sh.cat(&tmperr, true).map(drop)
                    },
                )
            },
            |sh| {
                let (tmpout, tmperr) = (split_var(sh, "IP_TMPOUT"), split_var(sh, "IP_TMPERR"));
                sh.cat(&tmpout, false)?;
                sh.cat(&tmperr, true).map(drop)
            },
        )?;
        let (tmpout, tmperr) = (split_var(sh, "IP_TMPOUT"), split_var(sh, "IP_TMPERR"));
        let netns_link = sh.split(&[b"/var/run/netns/".as_slice(), &sh.var("NETNS")].concat());
        sh.simple(308, line(&[&words(&["rm", "-f"]), &tmpout, &tmperr, &netns_link]), Target::Inherit, false)?;
        let status = sh.var("STATUS");
        sh.return_(&status)
    })
}

/// `"$@"` or an expanded `$VAR` as a command: the shell function it names (the local side passes
/// `attach`, `detach`, `launch`, `test_launch`, `container_weave_addrs` or, from `ps`,
/// `with_container_netns ... container_weave_addrs`; a container name with spaces puts another
/// word first), else the command of that name.
fn run_words(sh: &mut Shell, line_no: u32, mut words: Vec<Word>) -> Sh<i32> {
    if words.is_empty() {
        return Ok(0);
    }
    match words[0].as_slice() {
        b"attach" => attach(sh, words.split_off(1)),
        b"detach" => detach(sh, words.split_off(1)),
        b"container_weave_addrs" => container_weave_addrs(sh, words.split_off(1)),
        b"launch" => launch(sh, words.split_off(1)),
        b"test_launch" => test_launch(sh, words.split_off(1)),
        b"with_container_netns" => with_container_netns(sh, words.split_off(1)),
        _ => sh.simple(line_no, words, Target::Inherit, false),
    }
}

/// `ip netns exec $NETNS ARGS...`.
fn in_netns(sh: &Shell, args: &[Word]) -> Vec<Word> {
    line(&[&words(&["ip", "netns", "exec"]), &split_var(sh, "NETNS"), args])
}

/// `connect_container_to_bridge`: a veth pair, one end on the bridge, the other moved into the
/// container and renamed; refused for a container sharing the host's network namespace.
pub fn connect_container_to_bridge(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("connect_container_to_bridge", args, |sh| {
        sh.if_then(
            |sh| {
                let procfs = sh.var("PROCFS");
                let theirs = [procfs.as_slice(), b"/", &sh.var("CONTAINER_PID"), b"/ns/net"].concat();
                let ours = [procfs.as_slice(), b"/", &sh.pid(), b"/ns/net"].concat();
                let readlink = |sh: &mut Shell, path: &[u8]| {
                    let argv = line(&[&words(&["readlink"]), &sh.split(path)]);
                    sh.subst(|sh| sh.simple(313, argv, Target::Inherit, false).map(drop)).0
                };
                let (a, b) = (readlink(sh, &theirs), readlink(sh, &ours));
                sh.test(313, &[b"-h", &theirs, b"-a", b"-h", &ours, b"-a", &a, b"=", &b])
            },
            |sh| {
                sh.echo_stderr(&[w("Container is running in the host network namespace, and therefore cannot be")])?;
                sh.echo_stderr(&[w("connected to weave. Perhaps the container was started with --net=host.")])?;
                sh.return_(b"1")
            },
        )?;
        let (local, guest, mtu) = (split_var(sh, "LOCAL_IFNAME"), split_var(sh, "GUEST_IFNAME"), split_var(sh, "MTU"));
        let bridge = split_var(sh, "BRIDGE");
        sh.if_then(
            |sh| {
                let argv = line(&[
                    &words(&["ip", "link", "add", "name"]),
                    &local,
                    &words(&["mtu"]),
                    &mtu,
                    &words(&["type", "veth", "peer", "name"]),
                    &guest,
                    &words(&["mtu"]),
                    &mtu,
                ]);
                Ok(sh.external(318, argv)? != 0)
            },
            |sh| sh.return_(b"1"),
        )?;
        sh.if_then(
            |sh| {
                let steps: [(u32, Vec<Word>, Target); 4] = [
                    (322, line(&[&words(&["ethtool", "-K"]), &guest, &words(&["tx", "off"])]), Target::Null),
                    (
                        323,
                        line(&[&words(&["ip", "link", "set"]), &local, &words(&["master"]), &bridge]),
                        Target::Inherit,
                    ),
                    (324, line(&[&words(&["ip", "link", "set"]), &local, &words(&["up"])]), Target::Inherit),
                    (
                        325,
                        line(&[&words(&["ip", "link", "set"]), &guest, &words(&["netns"]), &split_var(sh, "NETNS")]),
                        Target::Inherit,
                    ),
                ];
                for (line_no, argv, stdout) in steps {
                    if sh.external_redirected(line_no, argv, stdout, false)? != 0 {
                        return Ok(true);
                    }
                }
                Ok(false)
            },
            |sh| {
                sh.or_else(
                    |sh| {
                        Ok(sh.external(
                            328,
                            line(&[&words(&["ip", "link", "del"]), &local, &words(&["type", "veth"])]),
                        )? == 0)
                    },
                    |sh| sh.true_(),
                )?;
                sh.return_(b"1")
            },
        )?;
        let ifname = split_var(sh, "CONTAINER_IFNAME");
        sh.if_then(
            |sh| {
                let argv = in_netns(sh, &line(&[&words(&["ip", "link", "set"]), &guest, &words(&["name"]), &ifname]));
                if sh.external(332, argv)? != 0 {
                    return Ok(true);
                }
                let prefix = [b"ip netns exec ".as_slice(), &sh.var("NETNS")].concat();
                let args = line(&[&split_var(sh, "CONTAINER_IFNAME"), &[prefix]]);
                Ok(configure_arp_cache(sh, args)? != 0)
            },
            |sh| sh.return_(b"1"),
        )
    })
}

/// `ask_version CONTAINER IMAGE`: `--version` of the image the container runs, else of the
/// image itself; neither there: a message, and status 1.
pub fn ask_version(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("ask_version", args, |sh| {
        let inspect = |sh: &mut Shell, line_no: u32, format: &str, what: Vec<Word>| {
            let argv = line(&[&words(&["docker", "inspect", format]), &what]);
            let status = sh.assign_subst("DOCKERIMAGE", |sh| {
                sh.external_redirected(line_no, argv, Target::Inherit, true).map(drop)
            })?;
            Ok(status != 0)
        };
        sh.if_then(
            |sh| inspect(sh, 339, "--format={{.Image}}", sh.split(&sh.arg(1))),
            |sh| {
                sh.if_then(
                    |sh| inspect(sh, 340, "--format={{.Id}}", sh.split(&sh.arg(2))),
                    |sh| sh.echo_stderr(&[[b"Unable to find ".as_slice(), &sh.arg(2), b" image."].concat()]),
                )
            },
        )?;
        sh.and_then(
            |sh| sh.test(344, &[b"-n", &sh.var("DOCKERIMAGE")]),
            |sh| {
                let argv =
                    line(&[&words(&["docker", "run", "--rm"]), &split_var(sh, "DOCKERIMAGE"), &words(&["--version"])]);
                sh.external(344, argv).map(drop)
            },
        )
    })
}

/// `launch` (in the router's namespace): the router connected to the bridge, tx offload off on
/// its eth0 and its weave interface up; a container without eth0 (docker started with `-b=none`)
/// is refused.
pub fn launch(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("launch", args, |sh| {
        sh.if_then(
            |sh| {
                let argv = in_netns(sh, &words(&["ip", "link", "show", "eth0"]));
                Ok(sh.external_redirected(352, argv, Target::Null, false)? != 0)
            },
            |sh| {
                sh.echo_stderr(&[w(
                    "Perhaps you are running the docker daemon with container networking disabled (-b=none).",
                )])?;
                sh.return_(b"1")
            },
        )?;
        sh.and_then(
            |sh| Ok(connect_container_to_bridge(sh, vec![])? == 0),
            |sh| {
                sh.and_then(
                    |sh| {
                        let argv = in_netns(sh, &words(&["ethtool", "-K", "eth0", "tx", "off"]));
                        Ok(sh.external_redirected(357, argv, Target::Null, false)? == 0)
                    },
                    |sh| {
                        let up = line(&[
                            &words(&["ip", "link", "set"]),
                            &split_var(sh, "CONTAINER_IFNAME"),
                            &words(&["up"]),
                        ]);
                        let argv = in_netns(sh, &up);
                        sh.external(358, argv).map(drop)
                    },
                )
            },
        )
    })
}

/// `test_launch` (in a test router's namespace): tx offload off on its eth0.
pub fn test_launch(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("test_launch", args, |sh| {
        let argv = in_netns(sh, &words(&["ethtool", "-K", "eth0", "tx", "off"]));
        sh.external_redirected(362, argv, Target::Null, false).map(drop)
    })
}

/// `ip netns exec $NETNS ip addr show dev $CONTAINER_IFNAME | grep -F $ADDR >/dev/null`: whether
/// the container's interface has the address.
fn has_address(sh: &mut Shell, line_no: u32) -> Sh<bool> {
    let show = in_netns(sh, &line(&[&words(&["ip", "addr", "show", "dev"]), &split_var(sh, "CONTAINER_IFNAME")]));
    let grep = line(&[&words(&["grep", "-F"]), &split_var(sh, "ADDR")]);
    let stages = vec![Stage::External { line: line_no, argv: show }, Stage::Utility { argv: grep, run: utils::grep }];
    Ok(sh.pipeline(stages, Target::Null)? == 0)
}

/// `attach CIDR...` (in the container's namespace): adds the addresses to an interface already
/// there, or connects the container first and routes multicast over weave.
pub fn attach(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("attach", args, |sh| {
        let ifname = split_var(sh, "CONTAINER_IFNAME");
        let add = |sh: &mut Shell, line_no: u32| {
            let argv = in_netns(
                sh,
                &line(&[&words(&["ip", "addr", "add"]), &split_var(sh, "ADDR"), &words(&["dev"]), &ifname]),
            );
            Ok(sh.external(line_no, argv)? != 0)
        };
        let exists = sh.cond(|sh| {
            let argv = in_netns(sh, &line(&[&words(&["ip", "link", "show"]), &ifname]));
            Ok(sh.external_redirected(366, argv, Target::Null, true)? == 0)
        })?;
        if exists {
            sh.for_in("ADDR", br#"for ADDR in "$@""#, sh.args(), |sh| {
                if sh.cond(|sh| has_address(sh, 370))? {
                    return sh.continue_();
                }
                sh.if_then(|sh| add(sh, 375), |sh| sh.return_(b"1"))
            })?;
            return sh.return_(b"0");
        }
        sh.if_then(|sh| Ok(connect_container_to_bridge(sh, vec![])? != 0), |sh| sh.return_(b"1"))?;
        sh.for_in("ADDR", br#"for ADDR in "$@""#, sh.args(), |sh| {
            sh.if_then(|sh| add(sh, 388), |sh| sh.return_(b"1"))
        })?;
        sh.if_then(
            |sh| {
                let argv = in_netns(sh, &line(&[&words(&["ip", "link", "set"]), &ifname, &words(&["up"])]));
                Ok(sh.external(393, argv)? != 0)
            },
            |sh| sh.return_(b"1"),
        )?;
        sh.if_then(
            |sh| {
                let show = in_netns(sh, &words(&["ip", "route", "show"]));
                let stages = vec![
                    Stage::External { line: 398, argv: show },
                    Stage::Utility { argv: words(&["grep", r"^224\.0\.0\.0/4"]), run: utils::grep },
                ];
                Ok(sh.pipeline(stages, Target::Null)? != 0)
            },
            |sh| {
                let argv = in_netns(sh, &line(&[&words(&["ip", "route", "add", "224.0.0.0/4", "dev"]), &ifname]));
                sh.external(399, argv).map(drop)
            },
        )?;
        let prefix = [b"ip netns exec ".as_slice(), &sh.var("NETNS")].concat();
        let args = line(&[&split_var(sh, "CONTAINER_IFNAME"), &sh.split(&sh.arg(1)), &[prefix]]);
        arp_update(sh, args).map(drop)
    })
}

/// `detach CIDR...` (in the container's namespace): removes the addresses it has, and the
/// interface once no IPv4 address is left on it.
pub fn detach(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("detach", args, |sh| {
        let ifname = split_var(sh, "CONTAINER_IFNAME");
        sh.for_in("ADDR", br#"for ADDR in "$@""#, sh.args(), |sh| {
            if !sh.cond(|sh| has_address(sh, 407))? {
                return sh.continue_();
            }
            sh.if_then(
                |sh| {
                    let argv = in_netns(
                        sh,
                        &line(&[&words(&["ip", "addr", "del"]), &split_var(sh, "ADDR"), &words(&["dev"]), &ifname]),
                    );
                    Ok(sh.external(412, argv)? != 0)
                },
                |sh| sh.return_(b"1"),
            )
        })?;
        sh.if_then(
            |sh| {
                let argv = in_netns(sh, &line(&[&words(&["ip", "-f", "inet", "addr", "show", "dev"]), &ifname]));
                let (addrs, _) = sh.subst(|sh| sh.external(417, argv).map(drop));
                sh.test(417, &[b"-n", &addrs])
            },
            |sh| sh.return_(b"0"),
        )?;
        let argv = in_netns(sh, &line(&[&words(&["ip", "link", "del"]), &ifname, &words(&["type", "veth"])]));
        sh.external(423, argv).map(drop)
    })
}

/// `container_weave_addrs` (in the container's namespace, through with_container_netns): what
/// `ip` shows of its weave interface.
pub fn container_weave_addrs(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("container_weave_addrs", args, |sh| {
        let argv = in_netns(sh, &line(&[&words(&["ip", "addr", "show", "dev"]), &split_var(sh, "CONTAINER_IFNAME")]));
        sh.external(427, argv).map(drop)
    })
}

/// `check_not_running NAME IMAGE`: exit 1 when a container NAME runs (of IMAGE, any tag, or of
/// another image), or exists stopped with another image; a stopped one of IMAGE is removed.
pub fn check_not_running(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("check_not_running", args, |sh| {
        sh.case_head(br#"case $(docker inspect --format='{{.State.Running}} {{.Config.Image}}' $1 2> /dev/null) in"#);
        let (state, _) = sh.subst(|sh| {
            let argv = line(&[
                &words(&["docker", "inspect", "--format={{.State.Running}} {{.Config.Image}}"]),
                &sh.split(&sh.arg(1)),
            ]);
            sh.external_redirected(436, argv, Target::Inherit, true).map(drop)
        });
        let image = sh.arg(2);
        // The arms' patterns: `"true $2"`, `"true $2:"*`, `"false $2"`, `"false $2:"*`, `true*`, `false*`.
        let exact = |running: &[u8]| literal_pattern(&[running, b" ", &image].concat());
        let tagged = |running: &[u8]| [literal_pattern(&[running, b" ", &image, b":"].concat()), w("*")].concat();
        let arms = [exact(b"true"), tagged(b"true"), exact(b"false"), tagged(b"false"), w("true*"), w("false*")];
        let arms: Vec<[&[u8]; 1]> = arms.iter().map(|p| [p.as_slice()]).collect();
        let arms: Vec<&[&[u8]]> = arms.iter().map(|a| a.as_slice()).collect();
        let name = sh.arg(1);
        match sh.case_arm(&state, &arms) {
            Some(0 | 1) => {
                sh.echo_stderr(&[[name.as_slice(), b" is already running."].concat()])?;
                sh.exit(b"1")
            }
            Some(2) => sh
                .external_redirected(446, line(&[&words(&["docker", "rm"]), &sh.split(&name)]), Target::Null, false)
                .map(drop),
            Some(3) => sh
                .external_redirected(449, line(&[&words(&["docker", "rm"]), &sh.split(&name)]), Target::Null, false)
                .map(drop),
            Some(4) => {
                sh.echo_stderr(&[
                    [b"Found another running container named '".as_slice(), &name, b"'. Aborting."].concat()
                ])?;
                sh.exit(b"1")
            }
            Some(5) => {
                sh.echo_stderr(&[[b"Found another container named '".as_slice(), &name, b"'. Aborting."].concat()])?;
                sh.exit(b"1")
            }
            _ => Ok(()),
        }
    })
}

/// `http_call_ip IP PORT VERB URL ARGS`: curl, quietly, with a short connect timeout.
pub fn http_call_ip(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("http_call_ip", args, |sh| {
        for (k, name) in ["ip", "port", "http_verb", "url"].into_iter().enumerate() {
            sh.assign(name, sh.arg(k + 1))?;
        }
        sh.shift(467, b"4")?;
        let target = [b"http://".as_slice(), &sh.var("ip"), b":", &sh.var("port"), &sh.var("url")].concat();
        let argv = line(&[
            &words(&["curl", "--connect-timeout", "3", "-s", "-X"]),
            &split_var(sh, "http_verb"),
            &sh.args(),
            &sh.split(&target),
        ]);
        sh.external(468, argv).map(drop)
    })
}

/// `http_call CONTAINER PORT VERB URL ARGS`: http_call_ip at the container's address, once docker
/// says it runs and has one.
pub fn http_call(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("http_call", args, |sh| {
        sh.if_then(
            |sh| {
                let argv = line(&[
                    &words(&["docker", "inspect", "--format={{.State.Running}} {{.NetworkSettings.IPAddress}}"]),
                    &sh.split(&sh.arg(1)),
                ]);
                let status =
                    sh.assign_subst("status", |sh| sh.external_redirected(473, argv, Target::Inherit, true).map(drop))?;
                Ok(status != 0)
            },
            |sh| {
                let msg = [sh.arg(1).as_slice(), b" container is not present; have you launched it?"].concat();
                sh.echo_stderr(&[msg])?;
                sh.return_(b"1")
            },
        )?;
        sh.case_head(br#"case "$status" in"#);
        let status = sh.var("status");
        match sh.case_arm(&status, &[&[b"true "], &[b"true*"], &[b"*"]]) {
            Some(0) => {
                let msg =
                    [sh.arg(1).as_slice(), b" container has no IP address; is Docker networking enabled?"].concat();
                sh.echo_stderr(&[msg])?;
                return sh.return_(b"1");
            }
            Some(1) => {
                let ip = sh.without_prefix(&status, b"true ");
                sh.assign("ip", ip)?;
            }
            _ => {
                let msg = [sh.arg(1).as_slice(), b" container is not running."].concat();
                sh.echo_stderr(&[msg])?;
                return sh.return_(b"1");
            }
        }
        sh.shift(490, b"1")?;
        let args = line(&[&split_var(sh, "ip"), &sh.args()]);
        http_call_ip(sh, args).map(drop)
    })
}

/// `wait_for_status CONTAINER PORT`: asks the container's `/status` until it answers, four
/// times at most, sleeping 1, 2 then 3 seconds between; status 1 when the container dies
/// meanwhile or never answers.
pub fn wait_for_status(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("wait_for_status", args, |sh| {
        sh.assign_subst("TARGET_IP", |sh| {
            let argv = line(&[
                &words(&["docker", "inspect", "--format={{.NetworkSettings.IPAddress}}"]),
                &sh.split(&sh.arg(1)),
            ]);
            sh.external(496, argv).map(drop)
        })?;
        sh.assign("WAIT_TIME", w("1"))?;
        sh.while_do(
            |sh| {
                let status_call =
                    line(&[&split_var(sh, "TARGET_IP"), &sh.split(&sh.arg(2)), &words(&["GET", "/status"])]);
                if sh.redirected(Target::Null, Target::Inherit, |sh| http_call_ip(sh, status_call))? == 0 {
                    return Ok(false);
                }
                let test = line(&[&split_var(sh, "WAIT_TIME"), &words(&["-lt", "4"])]);
                sh.test_words(498, &test)
            },
            |sh| {
                sh.if_then(
                    |sh| {
                        let argv = line(&[
                            &words(&["docker", "inspect", "--format={{.State.Running}}"]),
                            &sh.split(&sh.arg(1)),
                        ]);
                        let status = sh.assign_subst("status", |sh| {
                            sh.external_redirected(499, argv, Target::Inherit, true).map(drop)
                        })?;
                        Ok(status != 0 || sh.test(499, &[&sh.var("status"), b"!=", b"true"])?)
                    },
                    |sh| {
                        sh.echo_stderr(&[[b"Container ".as_slice(), &sh.arg(1), b" died"].concat()])?;
                        sh.return_(b"1")
                    },
                )?;
                sh.external(503, line(&[&words(&["sleep"]), &split_var(sh, "WAIT_TIME")]))?;
                let next = sh.arith_var(504, "WAIT_TIME")? + 1;
                sh.assign("WAIT_TIME", w(next.to_string()))
            },
        )?;
        sh.if_then(
            |sh| {
                let test = line(&[&split_var(sh, "WAIT_TIME"), &words(&["=", "4"])]);
                sh.test_words(506, &test)
            },
            |sh| {
                sh.echo_stderr(
                    &[[b"Timed out waiting for ".as_slice(), &sh.arg(1), b" container to start."].concat()],
                )?;
                sh.return_(b"1")
            },
        )?;
        sh.return_(b"0")
    })
}

/// `dns_args ARGS`: `--dns` with the docker bridge's address, and `--dns-search=.` unless the
/// arguments bring their own; docker older than 1.2 is refused.
pub fn dns_args(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("dns_args", args, |sh| {
        sh.if_then(
            |sh| {
                let (major, minor) = (sh.var("DOCKER_VERSION_MAJOR"), sh.var("DOCKER_VERSION_MINOR"));
                let test: Vec<&[u8]> = vec![
                    b"(", &major, b"-lt", b"1", b")", b"-o", b"(", &major, b"-eq", b"1", b"-a", &minor, b"-lt", b"2",
                    b")",
                ];
                sh.test(518, &test)
            },
            |sh| {
                let msg = [
                    b"ERROR: The '--with-dns' option requires Docker 1.2.0 or later; you are running ".as_slice(),
                    &sh.var("DOCKER_VERSION"),
                ]
                .concat();
                sh.echo_stderr(&[msg])?;
                sh.exit(b"1")
            },
        )?;
        docker_bridge_ip(sh, vec![])?;
        let v = [b"--dns ".as_slice(), &sh.var("DOCKER_BRIDGE_IP")].concat();
        sh.assign("DNS_ARG", v)?;
        sh.assign("DNS_SEARCH_ARG", w("--dns-search=."))?;
        sh.for_in("arg", br#"for arg in "$@""#, sh.args(), |sh| {
            // A `case` word is neither split nor globbed.
            sh.case_head(b"case $arg in");
            let arg = sh.var("arg");
            match sh.case_arm(&arg, &[&[b"--dns-search=*"], &[b"*"]]) {
                Some(0) => sh.assign("DNS_SEARCH_ARG", w("")),
                _ => Ok(()),
            }
        })?;
        let v = [sh.var("DNS_ARG").as_slice(), b" ", &sh.var("DNS_SEARCH_ARG")].concat();
        sh.assign("DNS_ARGS", v)
    })
}

/// `tell_dns METHOD CONTAINER CIDR...`: tells a running weaveDNS about (or to forget) the
/// container's names for each address; without weaveDNS, nothing.
pub fn tell_dns(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("tell_dns", args, |sh| {
        sh.assign("METHOD", sh.arg(1))?;
        sh.assign("CONTAINER_ID", sh.arg(2))?;
        sh.shift(544, b"2")?;
        sh.if_then(
            |sh| {
                let argv = line(&[
                    &words(&["docker", "inspect", "--format={{.State.Running}}"]),
                    &split_var(sh, "DNS_CONTAINER_NAME"),
                ]);
                let st =
                    sh.assign_subst("status", |sh| sh.external_redirected(546, argv, Target::Inherit, true).map(drop))?;
                if st != 0 {
                    return Ok(true);
                }
                sh.test(546, &[&sh.var("status"), b"!=", b"true"])
            },
            |sh| sh.return_last(),
        )?;
        sh.assign_subst("CONTAINER", |sh| {
            let argv = line(&[&words(&["docker", "inspect", "--format={{.Id}}"]), &split_var(sh, "CONTAINER_ID")]);
            sh.external_redirected(551, argv, Target::Inherit, true).map(drop)
        })?;
        more_args(sh, 552)?;
        sh.for_in("ADDR", br#"for ADDR in "$@""#, sh.args(), |sh| {
            let address = sh.without_suffix(&sh.var("ADDR"), b"/*");
            let url = [b"/name/".as_slice(), &sh.var("CONTAINER"), b"/", &address].concat();
            let args = line(&[
                &split_var(sh, "DNS_CONTAINER_NAME"),
                &split_var(sh, "DNS_HTTP_PORT"),
                &split_var(sh, "METHOD"),
                &sh.split(&url),
                &split_var(sh, "MORE_ARGS"),
            ]);
            sh.or_true(|sh| http_call(sh, args))
        })
    })
}

/// The script `populate_dns` hands to `sed -n -e`: the addresses of `ip addr show`'s inet lines.
const INET_SED: &str = r"s/inet \([^/]*\)\/\(.*\)/\1/p";

/// `populate_dns`: once weaveDNS answers, tells it the weave addresses of every running container
/// under the container's name; if it never answers, says so and leaves it empty.
pub fn populate_dns(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("populate_dns", args, |sh| {
        sh.if_then(
            |sh| {
                let args = line(&[&split_var(sh, "DNS_CONTAINER_NAME"), &split_var(sh, "DNS_HTTP_PORT")]);
                Ok(wait_for_status(sh, args)? != 0)
            },
            |sh| {
                sh.echo_stderr(&[w("If running, it will not be pre-populated.")])?;
                sh.return_(b"0")
            },
        )?;
        let (running, _) = sh.subst(|sh| sh.external(564, words(&["docker", "ps", "-q", "--no-trunc"])).map(drop));
        sh.for_in("CONTAINER", br#"for CONTAINER in $(docker ps -q --no-trunc)"#, sh.split(&running), |sh| {
            more_args(sh, 565)?;
            sh.if_then(
                |sh| {
                    let addrs = line(&[&split_var(sh, "CONTAINER"), &words(&["container_weave_addrs"])]);
                    let status = sh.assign_subst("CONTAINER_IPS", |sh| {
                        // `with_container_netns ... 2>&1 | sed`: its messages and trace go down the pipe.
                        let function: crate::spec::shell::Group = Box::new(move |sh: &mut Shell| {
                            sh.redirected(Target::Inherit, Target::Stdout, |sh| with_container_netns(sh, addrs))
                                .map(drop)
                        });
                        let stages = vec![
                            Stage::Group(function),
                            Stage::Utility { argv: words(&["sed", "-n", "-e", INET_SED]), run: utils::sed },
                        ];
                        sh.pipeline(stages, Target::Inherit).map(drop)
                    })?;
                    Ok(status == 0)
                },
                |sh| {
                    sh.for_in("IP", br#"for IP in $CONTAINER_IPS"#, split_var(sh, "CONTAINER_IPS"), |sh| {
                        let url = [b"/name/".as_slice(), &sh.var("CONTAINER"), b"/", &sh.var("IP")].concat();
                        let args = line(&[
                            &split_var(sh, "TARGET_IP"),
                            &split_var(sh, "DNS_HTTP_PORT"),
                            &words(&["PUT"]),
                            &sh.split(&url),
                            &split_var(sh, "MORE_ARGS"),
                        ]);
                        http_call_ip(sh, args).map(drop)
                    })
                },
            )
        })
    })
}

/// The local side, from the `shift 1` after `--local` to the end of the script.
pub fn local(sh: &mut Shell) -> Sh<()> {
    sh.shift(120, b"1")?;
    let user = sh.var("DOCKERHUB_USER");
    sh.assign("BASE_IMAGE", [user.as_slice(), b"/weave"].concat())?;
    sh.assign("BASE_DNS_IMAGE", [user.as_slice(), b"/weavedns"].concat())?;
    let version = sh.var("IMAGE_VERSION");
    let v = [sh.var("BASE_IMAGE").as_slice(), b":", &version].concat();
    sh.assign("IMAGE", v)?;
    let v = [sh.var("BASE_DNS_IMAGE").as_slice(), b":", &version].concat();
    sh.assign("DNS_IMAGE", v)?;
    let v = sh.var_or("DOCKER_BRIDGE", b"docker0");
    sh.assign("DOCKER_BRIDGE", v)?;
    let v = sh.var_or("WEAVE_CONTAINER_NAME", b"weave");
    sh.assign("CONTAINER_NAME", v)?;
    sh.assign("DNS_CONTAINER_NAME", w("weavedns"))?;
    sh.assign("BRIDGE", w("weave"))?;
    sh.assign("CONTAINER_IFNAME", w("ethwe"))?;
    sh.assign("MTU", w("65535"))?;
    let v = sh.var_or("WEAVE_PORT", b"6783");
    sh.assign("PORT", v)?;
    sh.assign("HTTP_PORT", w("6784"))?;
    sh.assign("DNS_HTTP_PORT", w("6785"))?;

    // [ $(id -u) = 0 ] || { echo "weave must be run as 'root' when run locally" >&2; exit 1; }
    let root = sh.cond(|sh| {
        let (uid, _) = sh.subst(|sh| sh.external(576, words(&["id", "-u"])).map(drop));
        let mut test = sh.split(&uid);
        test.extend(words(&["=", "0"]));
        sh.test_words(576, &test)
    })?;
    if !root {
        sh.echo_stderr(&[w("weave must be run as 'root' when run locally")])?;
        sh.exit(b"1")?;
    }

    // uname -s -r | sed -n -e '...' | { read sys maj min; ...checks... }
    let group: crate::spec::shell::Group = Box::new(|sh: &mut Shell| {
        let uname =
            |sh: &mut Shell, line: u32| sh.subst(|sh| sh.external(line, words(&["uname", "-s", "-r"])).map(drop)).0;
        sh.if_then(
            |sh| Ok(!sh.read(&["sys", "maj", "min"])?),
            |sh| {
                let msg = [b"ERROR: Unable to parse operating system version ".as_slice(), &uname(sh, 583)].concat();
                sh.echo_stderr(&[msg])?;
                sh.exit(b"1")
            },
        )?;
        sh.if_then(
            |sh| sh.test(587, &[&sh.var("sys"), b"!=", b"Linux"]),
            |sh| {
                let msg = [
                    b"ERROR: Operating systems other than Linux are not supported (you have ".as_slice(),
                    &uname(sh, 588),
                    b")",
                ]
                .concat();
                sh.echo_stderr(&[msg])?;
                sh.exit(b"1")
            },
        )?;
        sh.if_then(
            |sh| {
                let (maj, min) = (sh.var("maj"), sh.var("min"));
                let test: Vec<&[u8]> =
                    vec![b"(", &maj, b"-eq", b"3", b"-a", &min, b"-ge", b"5", b")", b"-o", &maj, b"-gt", b"3"];
                Ok(!sh.test(592, &test)?)
            },
            |sh| {
                let msg = [
                    b"WARNING: Linux kernel version 3.5 or newer is required (you have ".as_slice(),
                    &sh.var("maj"),
                    b".",
                    &sh.var("min"),
                    b")",
                ]
                .concat();
                sh.echo_stderr(&[msg])
            },
        )
    });
    let stages = vec![
        Stage::External { line: 581, argv: words(&["uname", "-s", "-r"]) },
        Stage::Utility { argv: words(&["sed", "-n", "-e", UNAME_SED]), run: utils::sed },
        Stage::Group(group),
    ];
    sh.pipeline(stages, Target::Inherit)?;

    sh.if_then(
        |sh| Ok(command_exists(sh, words(&["ip"]))? != 0),
        |sh| {
            sh.echo_stderr(&[w("ERROR: ip utility is missing. Please install it.")])?;
            sh.exit(b"1")
        },
    )?;
    sh.if_then(
        |sh| Ok(sh.external_redirected(602, words(&["ip", "netns", "list"]), Target::Null, true)? != 0),
        |sh| {
            let (version, _) = sh.subst(|sh| sh.external(603, words(&["ip", "-V"])).map(drop));
            let msg = [b"ERROR: ".as_slice(), &version, b" does not support network namespaces."].concat();
            sh.echo_stderr(&[msg])?;
            sh.echo_stderr(&[w("       Please install iproute2-ss111010 or later.")])?;
            sh.exit(b"1")
        },
    )?;
    check_docker_version(sh, vec![])?;
    for (name, field) in [("DOCKER_VERSION_MAJOR", "1"), ("DOCKER_VERSION_MINOR", "2"), ("DOCKER_VERSION_PATCH", "3")] {
        sh.assign_subst(name, |sh| {
            let version = sh.var("DOCKER_VERSION");
            let stages = vec![
                Stage::Echo { args: vec![version] },
                Stage::Utility { argv: words(&["cut", "-d.", "-f", field]), run: utils::cut },
            ];
            sh.pipeline(stages, Target::Inherit).map(drop)
        })?;
    }
    argc_or_usage(sh, 613, b"-gt", b"0")?;
    let command = sh.arg(1);
    sh.assign("COMMAND", command.clone())?;
    sh.shift(615, b"1")?;
    sh.case_head(br#"case "$COMMAND" in"#);
    match command.as_slice() {
        b"setup" => {
            let images = line(&[&split_var(sh, "IMAGE"), &split_var(sh, "DNS_IMAGE"), &split_var(sh, "EXEC_IMAGE")]);
            sh.for_in("img", br#"for img in $IMAGE $DNS_IMAGE $EXEC_IMAGE"#, images, |sh| {
                sh.external(620, line(&[&words(&["docker", "pull"]), &split_var(sh, "img")])).map(drop)
            })?;
            Ok(())
        }
        b"create-bridge" => {
            create_bridge(sh, words(&["--without-ethtool"]))?;
            Ok(())
        }
        b"launch" => {
            check_not_running(sh, line(&[&split_var(sh, "CONTAINER_NAME"), &split_var(sh, "BASE_IMAGE")]))?;
            create_bridge(sh, vec![])?;
            sh.assign_subst("MACADDR", |sh| {
                let address = sh.split(&[b"/sys/class/net/".as_slice(), &sh.var("BRIDGE"), b"/address"].concat());
                sh.cat(&address, false).map(drop)
            })?;
            sh.if_then(
                |sh| Ok(is_cidr(sh, vec![sh.arg(1)])? == 0),
                |sh| {
                    let msg = [
                        b"WARNING: ".as_slice(),
                        &sh.arg(1),
                        b" parameter ignored; 'weave launch' no longer takes a CIDR as the first parameter",
                    ]
                    .concat();
                    sh.echo_stderr(&[msg])?;
                    sh.shift(641, b"1")
                },
            )?;
            sh.assign_subst("NICKNAME", |sh| sh.external(643, words(&["hostname"])).map(drop))?;
            sh.assign("CONTAINER_PORT", sh.var("PORT"))?;
            sh.while_do(
                |sh| sh.true_().map(|()| true),
                |sh| {
                    sh.case_head(br#"case "$1" in"#);
                    let option = sh.arg(1);
                    // Each option: the line of its `[ $# -gt 1 ]`, its variable, the line of its `shift 2`.
                    let (test_line, name, shift_line) =
                        match sh.case_arm(&option, &[&[b"-password"], &[b"-nickname"], &[b"-port"]]) {
                            Some(0) => (648, "WEAVE_PASSWORD", 651),
                            Some(1) => (654, "NICKNAME", 656),
                            Some(2) => (659, "CONTAINER_PORT", 661),
                            _ => return sh.break_(),
                        };
                    argc_or_usage(sh, test_line, b"-gt", b"1")?;
                    sh.assign(name, sh.arg(2))?;
                    if name == "WEAVE_PASSWORD" {
                        sh.export(name)?;
                    }
                    sh.shift(shift_line, b"2")
                },
            )?;
            sh.assign_subst("CONTAINER", |sh| {
                let (port, container_port) = (sh.var("PORT"), sh.var("CONTAINER_PORT"));
                let tcp = sh.split(&[port.as_slice(), b":", &container_port, b"/tcp"].concat());
                let udp = sh.split(&[port.as_slice(), b":", &container_port, b"/udp"].concat());
                let name = sh.split(&[b"--name=".as_slice(), &sh.var("CONTAINER_NAME")].concat());
                let argv = line(&[
                    &words(&["docker", "run", "--privileged", "-d"]),
                    &name,
                    &words(&["-p"]),
                    &tcp,
                    &words(&["-p"]),
                    &udp,
                    &words(&["-e", "WEAVE_PASSWORD"]),
                    &split_var(sh, "WEAVE_DOCKER_ARGS"),
                    &split_var(sh, "IMAGE"),
                    &words(&["-iface"]),
                    &split_var(sh, "CONTAINER_IFNAME"),
                    &words(&["-port"]),
                    &split_var(sh, "CONTAINER_PORT"),
                    &words(&["-name"]),
                    &split_var(sh, "MACADDR"),
                    &words(&["-nickname"]),
                    &[sh.var("NICKNAME")],
                    &sh.args(),
                ]);
                sh.external(671, argv).map(drop)
            })?;
            let args = line(&[&split_var(sh, "CONTAINER"), &words(&["launch"])]);
            sh.redirected(Target::Null, Target::Inherit, |sh| with_container_netns(sh, args))?;
            wait_for_status(sh, line(&[&split_var(sh, "CONTAINER_NAME"), &split_var(sh, "HTTP_PORT")]))?;
            let container = split_var(sh, "CONTAINER");
            sh.echo(&container)?;
            Ok(())
        }
        b"test-launch" => {
            check_not_running(sh, line(&[&split_var(sh, "CONTAINER_NAME"), &split_var(sh, "BASE_IMAGE")]))?;
            sh.assign_subst("MACADDR", |sh| random_mac(sh, vec![]).map(drop))?;
            sh.assign_subst("CONTAINER", |sh| {
                let name = sh.split(&[b"--name=".as_slice(), &sh.var("CONTAINER_NAME")].concat());
                let argv = line(&[
                    &words(&["docker", "run", "--privileged", "-d"]),
                    &name,
                    &words(&["-e", "WEAVE_PASSWORD"]),
                    &split_var(sh, "WEAVE_DOCKER_ARGS"),
                    &split_var(sh, "IMAGE"),
                    &words(&["-name"]),
                    &split_var(sh, "MACADDR"),
                    &words(&["-nickname"]),
                    &[sh.var("CONTAINER_NAME")],
                    &sh.args(),
                ]);
                sh.external(689, argv).map(drop)
            })?;
            let args = line(&[&split_var(sh, "CONTAINER"), &words(&["test_launch"])]);
            sh.redirected(Target::Null, Target::Inherit, |sh| with_container_netns(sh, args))?;
            wait_for_status(sh, line(&[&split_var(sh, "CONTAINER"), &split_var(sh, "HTTP_PORT")]))?;
            let container = split_var(sh, "CONTAINER");
            sh.echo(&container)?;
            Ok(())
        }
        b"launch-dns" => {
            argc_or_usage(sh, 696, b"-gt", b"0")?;
            sh.assign("CIDR", sh.arg(1))?;
            validate_cidr(sh, split_var(sh, "CIDR"))?;
            sh.shift(699, b"1")?;
            check_not_running(sh, line(&[&split_var(sh, "DNS_CONTAINER_NAME"), &split_var(sh, "BASE_DNS_IMAGE")]))?;
            create_bridge(sh, vec![])?;
            docker_bridge_ip(sh, vec![])?;
            sh.assign_subst("DNS_CONTAINER", |sh| {
                let name = sh.split(&[b"--name=".as_slice(), &sh.var("DNS_CONTAINER_NAME")].concat());
                let port = sh.split(&[sh.var("DOCKER_BRIDGE_IP").as_slice(), b":53:53/udp"].concat());
                let argv = line(&[
                    &words(&["docker", "run", "--privileged", "-d"]),
                    &name,
                    &words(&["-p"]),
                    &port,
                    &words(&["-v", "/var/run/docker.sock:/var/run/docker.sock"]),
                    &split_var(sh, "WEAVEDNS_DOCKER_ARGS"),
                    &split_var(sh, "DNS_IMAGE"),
                    &words(&["-iface"]),
                    &split_var(sh, "CONTAINER_IFNAME"),
                    &sh.args(),
                ]);
                sh.external(706, argv).map(drop)
            })?;
            let args = line(&[&split_var(sh, "DNS_CONTAINER"), &words(&["attach"]), &split_var(sh, "CIDR")]);
            sh.redirected(Target::Null, Target::Inherit, |sh| with_container_netns(sh, args))?;
            populate_dns(sh, vec![])?;
            let container = split_var(sh, "DNS_CONTAINER");
            sh.echo(&container)?;
            Ok(())
        }
        b"connect" | b"forget" => {
            let (line_no, path) = if command.as_slice() == b"connect" { (714, "/connect") } else { (718, "/forget") };
            argc_or_usage(sh, line_no, b"-eq", b"1")?;
            let peer = [b"peer=".as_slice(), &sh.arg(1)].concat();
            let args = line(&[
                &split_var(sh, "CONTAINER_NAME"),
                &split_var(sh, "HTTP_PORT"),
                &words(&["POST", path, "-d"]),
                &[peer],
            ]);
            http_call(sh, args)?;
            Ok(())
        }
        b"status" => {
            let router =
                line(&[&split_var(sh, "CONTAINER_NAME"), &split_var(sh, "HTTP_PORT"), &words(&["GET", "/status"])]);
            sh.or_true(|sh| http_call(sh, router))?;
            sh.echo(&[])?;
            let dns = line(&[
                &split_var(sh, "DNS_CONTAINER_NAME"),
                &split_var(sh, "DNS_HTTP_PORT"),
                &words(&["GET", "/status"]),
            ]);
            quiet_http_call(sh, dns)?;
            Ok(())
        }
        b"ps" => {
            sh.or_else(
                |sh| {
                    let argc = sh.argc().to_string();
                    if !sh.test(727, &[argc.as_bytes(), b"-eq", b"0"])? {
                        return Ok(false);
                    }
                    // `|| CONTAINERS="$@"` runs when `docker ps -q` fails too.
                    let status = sh.assign_subst_with("CONTAINERS", b"weave:expose ", |sh| {
                        sh.external(727, words(&["docker", "ps", "-q"])).map(drop)
                    })?;
                    Ok(status == 0)
                },
                |sh| sh.assign("CONTAINERS", sh.args().join(&b' ')),
            )?;
            sh.for_in("CONTAINER_ID", br#"for CONTAINER_ID in $CONTAINERS"#, split_var(sh, "CONTAINERS"), |sh| {
                sh.if_else(
                    |sh| sh.test(729, &[&sh.var("CONTAINER_ID"), b"=", b"weave:expose"]),
                    |sh| sh.assign("ADDRS_CMD", [b"ip addr show dev ".as_slice(), &sh.var("BRIDGE")].concat()),
                    |sh| {
                        let id = sh.var("CONTAINER_ID");
                        let command = [b"with_container_netns ".as_slice(), &id, b" container_weave_addrs"].concat();
                        sh.assign("ADDRS_CMD", command)
                    },
                )?;
                sh.if_then(
                    |sh| {
                        let status = sh.assign_subst("CONTAINER_ADDRS", |sh| {
                            let command = split_var(sh, "ADDRS_CMD");
                            sh.redirected(Target::Inherit, Target::Stdout, |sh| run_words(sh, 734, command)).map(drop)
                        })?;
                        Ok(status == 0)
                    },
                    |sh| {
                        for (name, pattern) in [("CONTAINER_MAC", "link/ether .*"), ("CONTAINER_IPS", "inet .*")] {
                            sh.assign_subst(name, |sh| {
                                let stages = vec![
                                    Stage::Echo { args: vec![sh.var("CONTAINER_ADDRS")] },
                                    Stage::Utility { argv: words(&["grep", "-o", pattern]), run: utils::grep },
                                    Stage::Utility { argv: words(&["cut", "-d", " ", "-f", "2"]), run: utils::cut },
                                ];
                                sh.pipeline(stages, Target::Inherit).map(drop)
                            })?;
                        }
                        let shown = line(&[
                            &split_var(sh, "CONTAINER_ID"),
                            &split_var(sh, "CONTAINER_MAC"),
                            &split_var(sh, "CONTAINER_IPS"),
                        ]);
                        sh.echo(&shown)
                    },
                )
            })?;
            Ok(())
        }
        b"version" => {
            argc_or_usage(sh, 742, b"-eq", b"0")?;
            let shown = line(&[&words(&["weave", "script"]), &split_var(sh, "SCRIPT_VERSION")]);
            sh.echo(&shown)?;
            ask_version(sh, line(&[&split_var(sh, "CONTAINER_NAME"), &split_var(sh, "IMAGE")]))?;
            ask_version(sh, line(&[&split_var(sh, "DNS_CONTAINER_NAME"), &split_var(sh, "DNS_IMAGE")]))?;
            sh.if_else(
                |sh| {
                    let argv =
                        line(&[&words(&["docker", "inspect", "--format={{.Id}}"]), &split_var(sh, "EXEC_IMAGE")]);
                    let status = sh.assign_subst("EXEC_IMAGE_ID", |sh| {
                        sh.external_redirected(746, argv, Target::Inherit, true).map(drop)
                    })?;
                    Ok(status != 0)
                },
                |sh| sh.echo_stderr(&[[b"Unable to find ".as_slice(), &sh.var("EXEC_IMAGE"), b" image."].concat()]),
                |sh| {
                    sh.assign_subst("EXEC_VERSION", |sh| {
                        let stages = vec![
                            Stage::External { line: 749, argv: words(&["docker", "images", "--no-trunc"]) },
                            Stage::Utility {
                                argv: line(&[&words(&["grep"]), &split_var(sh, "EXEC_IMAGE_ID")]),
                                run: utils::grep,
                            },
                            Stage::Utility { argv: words(&["grep", "-v", "latest"]), run: utils::grep },
                            Stage::Utility { argv: words(&["tr", "-s", " "]), run: utils::tr },
                            Stage::Utility { argv: words(&["cut", "-d", " ", "-f", "2"]), run: utils::cut },
                            Stage::Utility { argv: words(&["tr", "\\n", " "]), run: utils::tr },
                        ];
                        sh.pipeline(stages, Target::Inherit).map(drop)
                    })?;
                    sh.if_else(
                        |sh| sh.test(750, &[b"-n", &sh.var("EXEC_VERSION")]),
                        |sh| sh.echo(&[[b"weave exec ".as_slice(), &sh.var("EXEC_VERSION")].concat()]),
                        |sh| sh.echo(&[w("weave exec (unreleased version)")]),
                    )
                },
            )?;
            Ok(())
        }
        b"run" => {
            argc_or_usage(sh, 758, b"-gt", b"0")?;
            sh.if_then(
                |sh| sh.test(759, &[&sh.arg(1), b"=", b"--with-dns"]),
                |sh| {
                    sh.shift(760, b"1")?;
                    dns_args(sh, sh.args()).map(drop)
                },
            )?;
            collect_cidr_args(sh, sh.args())?;
            let count = sh.var("CIDR_COUNT");
            sh.shift(764, &count)?;
            sh.assign_subst("CONTAINER", |sh| {
                let argv = line(&[&words(&["docker", "run"]), &split_var(sh, "DNS_ARGS"), &words(&["-d"]), &sh.args()]);
                sh.external(765, argv).map(drop)
            })?;
            create_bridge(sh, vec![])?;
            in_container_netns(sh, "CONTAINER", "attach")?;
            tell_dns_about(sh, "CONTAINER", b"PUT")?;
            let container = split_var(sh, "CONTAINER");
            sh.echo(&container)?;
            Ok(())
        }
        b"dns-args" => {
            dns_args(sh, sh.args())?;
            let mut args = vec![w("-n")];
            args.extend(sh.split(&sh.var("DNS_ARGS")));
            sh.echo(&args)?;
            Ok(())
        }
        b"start" | b"attach" | b"detach" => {
            collect_cidr_args(sh, sh.args())?;
            let count = sh.var("CIDR_COUNT");
            sh.shift(777, &count)?;
            argc_or_usage(sh, 778, b"-eq", b"1")?;
            sh.assign("CONTAINER_ID", sh.arg(1))?;
            if command.as_slice() != b"detach" {
                create_bridge(sh, vec![])?;
            }
            if command.as_slice() == b"start" {
                sh.assign_subst("CONTAINER", |sh| {
                    let argv = line(&[&words(&["docker", "start"]), &split_var(sh, "CONTAINER_ID")]);
                    sh.external(781, argv).map(drop)
                })?;
            }
            if command.as_slice() == b"detach" {
                in_container_netns(sh, "CONTAINER_ID", "detach")?;
                tell_dns_about(sh, "CONTAINER_ID", b"DELETE")?;
            } else {
                in_container_netns(sh, "CONTAINER_ID", "attach")?;
                tell_dns_about(sh, "CONTAINER_ID", b"PUT")?;
            }
            if command.as_slice() == b"start" {
                let container = split_var(sh, "CONTAINER");
                sh.echo(&container)?;
            }
            Ok(())
        }
        b"expose" => {
            collect_cidr_args(sh, sh.args())?;
            let count = sh.var("CIDR_COUNT");
            sh.shift(805, &count)?;
            sh.if_else(
                |sh| {
                    let argc = sh.argc().to_string();
                    sh.test(806, &[argc.as_bytes(), b"-eq", b"0"])
                },
                |sh| sh.assign("FQDN", Vec::new()),
                |sh| {
                    let hostname_given = sh.cond(|sh| {
                        let argc = sh.argc().to_string();
                        sh.test(809, &[argc.as_bytes(), b"-eq", b"2", b"-a", &sh.arg(1), b"=", b"-h"])
                    })?;
                    if !hostname_given {
                        usage(sh, vec![])?;
                    }
                    sh.assign("FQDN", sh.arg(2))
                },
            )?;
            create_bridge(sh, words(&["--without-ethtool"]))?;
            sh.for_in("CIDR", br#"for CIDR in $CIDR_ARGS"#, split_var(sh, "CIDR_ARGS"), |sh| {
                sh.if_then(
                    |sh| Ok(!bridge_has(sh, 814)?),
                    |sh| {
                        let (bridge, cidr) = (split_var(sh, "BRIDGE"), split_var(sh, "CIDR"));
                        sh.external(816, line(&[&words(&["ip", "addr", "add", "dev"]), &bridge, &cidr]))?;
                        arp_update(sh, line(&[&bridge, &cidr]))?;
                        add_iptables_rule(sh, masquerade_out(&bridge, &cidr))?;
                        add_iptables_rule(sh, masquerade_in(&bridge, &cidr))?;
                        sh.if_then(
                            |sh| sh.test(820, &[&sh.var("FQDN")]),
                            |sh| {
                                let fqdn = [b"fqdn=".as_slice(), &sh.var("FQDN")].concat();
                                let args = line(&[&expose_name(sh, b"PUT"), &words(&["--data-urlencode"]), &[fqdn]]);
                                quiet_http_call(sh, args)
                            },
                        )
                    },
                )
            })?;
            Ok(())
        }
        b"hide" => {
            collect_cidr_args(sh, sh.args())?;
            let count = sh.var("CIDR_COUNT");
            sh.shift(828, &count)?;
            argc_or_usage(sh, 829, b"-eq", b"0")?;
            create_bridge(sh, words(&["--without-ethtool"]))?;
            sh.for_in("CIDR", br#"for CIDR in $CIDR_ARGS"#, split_var(sh, "CIDR_ARGS"), |sh| {
                sh.if_then(
                    |sh| bridge_has(sh, 832),
                    |sh| {
                        let (bridge, cidr) = (split_var(sh, "BRIDGE"), split_var(sh, "CIDR"));
                        sh.external(834, line(&[&words(&["ip", "addr", "del", "dev"]), &bridge, &cidr]))?;
                        delete_iptables_rule(sh, masquerade_out(&bridge, &cidr))?;
                        delete_iptables_rule(sh, masquerade_in(&bridge, &cidr))?;
                        let args = expose_name(sh, b"DELETE");
                        quiet_http_call(sh, args)
                    },
                )
            })?;
            Ok(())
        }
        b"stop" | b"stop-dns" => {
            let (line_no, name, message) = if command.as_slice() == b"stop" {
                (842, "CONTAINER_NAME", "Weave is not running.")
            } else {
                (850, "DNS_CONTAINER_NAME", "WeaveDNS is not running.")
            };
            argc_or_usage(sh, line_no, b"-eq", b"0")?;
            sh.if_then(
                |sh| {
                    let argv = line(&[&words(&["docker", "stop"]), &split_var(sh, name)]);
                    Ok(sh.external_redirected(line_no + 1, argv, Target::Null, true)? != 0)
                },
                |sh| sh.echo_stderr(&[w(message)]),
            )?;
            quietly_or_true(sh, line_no + 4, line(&[&words(&["docker", "rm", "-f"]), &split_var(sh, name)]))?;
            if command.as_slice() == b"stop" {
                conntrack_flush(sh, 847)?;
            }
            Ok(())
        }
        b"reset" => {
            argc_or_usage(sh, 857, b"-eq", b"0")?;
            for (line_no, verb, name) in [
                (858, &["docker", "stop"][..], "CONTAINER_NAME"),
                (859, &["docker", "stop"], "DNS_CONTAINER_NAME"),
                (860, &["docker", "rm", "-f"], "CONTAINER_NAME"),
                (861, &["docker", "rm", "-f"], "DNS_CONTAINER_NAME"),
            ] {
                quietly_or_true(sh, line_no, line(&[&words(verb), &split_var(sh, name)]))?;
            }
            conntrack_flush(sh, 862)?;
            destroy_bridge(sh, vec![])?;
            let (veths, _) = sh.subst(|sh| {
                let ours = sh.split(&[b"v".as_slice(), &sh.var("CONTAINER_IFNAME"), b"pl"].concat());
                let stages = vec![
                    Stage::External { line: 864, argv: words(&["ip", "link", "show"]) },
                    Stage::Utility { argv: line(&[&words(&["grep"]), &ours]), run: utils::grep },
                    Stage::Utility { argv: words(&["cut", "-d", " ", "-f", "2"]), run: utils::cut },
                    Stage::Utility { argv: words(&["tr", "-d", ":"]), run: utils::tr },
                ];
                sh.pipeline(stages, Target::Inherit).map(drop)
            });
            sh.for_in(
                "LOCAL_IFNAME",
                br#"for LOCAL_IFNAME in $(ip link show | grep v${CONTAINER_IFNAME}pl | cut -d ' ' -f 2 | tr -d ':')"#,
                sh.split(&veths),
                |sh| {
                    sh.external(865, line(&[&words(&["ip", "link", "del"]), &split_var(sh, "LOCAL_IFNAME")])).map(drop)
                },
            )?;
            Ok(())
        }
        _ => {
            let msg = [b"Unknown weave command '".as_slice(), &sh.var("COMMAND"), b"'"].concat();
            sh.echo_stderr(&[msg])?;
            usage(sh, vec![])?;
            Ok(())
        }
    }
}

/// `CMD >/dev/null 2>&1 || true`.
fn quietly_or_true(sh: &mut Shell, line_no: u32, argv: Vec<Word>) -> Sh<()> {
    sh.or_true(|sh| sh.external_redirected(line_no, argv, Target::Null, true))
}

/// `conntrack -D -p udp --dport $PORT >/dev/null 2>&1 || true`: the router's UDP flows forgotten.
fn conntrack_flush(sh: &mut Shell, line_no: u32) -> Sh<()> {
    let argv = line(&[&words(&["conntrack", "-D", "-p", "udp", "--dport"]), &split_var(sh, "PORT")]);
    quietly_or_true(sh, line_no, argv)
}

/// `ip addr show dev $BRIDGE | grep -qF $CIDR`: whether the bridge has the address (expose, hide).
fn bridge_has(sh: &mut Shell, line_no: u32) -> Sh<bool> {
    let show = line(&[&words(&["ip", "addr", "show", "dev"]), &split_var(sh, "BRIDGE")]);
    let grep = line(&[&words(&["grep", "-qF"]), &split_var(sh, "CIDR")]);
    let stages = vec![Stage::External { line: line_no, argv: show }, Stage::Utility { argv: grep, run: utils::grep }];
    Ok(sh.pipeline(stages, Target::Inherit)? == 0)
}

/// `nat WEAVE -o $BRIDGE ! -s $CIDR -j MASQUERADE`: what leaves for the weave network from an
/// exposed address is masqueraded.
fn masquerade_out(bridge: &[Word], cidr: &[Word]) -> Vec<Word> {
    line(&[&words(&["nat", "WEAVE", "-o"]), bridge, &words(&["!", "-s"]), cidr, &words(&["-j", "MASQUERADE"])])
}

/// `nat WEAVE -s $CIDR ! -o $BRIDGE -j MASQUERADE`: what the weave network sends out through the
/// host is masqueraded.
fn masquerade_in(bridge: &[Word], cidr: &[Word]) -> Vec<Word> {
    line(&[&words(&["nat", "WEAVE", "-s"]), cidr, &words(&["!", "-o"]), bridge, &words(&["-j", "MASQUERADE"])])
}

/// `$DNS_CONTAINER_NAME $DNS_HTTP_PORT METHOD /name/weave:expose/${CIDR%/*}`: http_call's first
/// words for the host's exposed name.
fn expose_name(sh: &Shell, method: &[u8]) -> Vec<Word> {
    let address = sh.without_suffix(&sh.var("CIDR"), b"/*");
    let url = [b"/name/weave:expose/".as_slice(), &address].concat();
    line(&[&split_var(sh, "DNS_CONTAINER_NAME"), &split_var(sh, "DNS_HTTP_PORT"), &[method.to_vec()], &sh.split(&url)])
}

/// `http_call ARGS 2>/dev/null || true`.
fn quiet_http_call(sh: &mut Shell, args: Vec<Word>) -> Sh<()> {
    sh.or_true(|sh| sh.redirected(Target::Inherit, Target::Null, |sh| http_call(sh, args)))
}

/// `[ $# OP N ] || usage`.
fn argc_or_usage(sh: &mut Shell, line: u32, op: &[u8], n: &[u8]) -> Sh<()> {
    sh.or_else(
        |sh| {
            let argc = sh.argc().to_string();
            sh.test(line, &[argc.as_bytes(), op, n])
        },
        |sh| usage(sh, vec![]).map(drop),
    )
}

/// `with_container_netns $VAR FUNCTION $CIDR_ARGS >/dev/null`.
fn in_container_netns(sh: &mut Shell, var: &str, function: &str) -> Sh<i32> {
    let args = line(&[&split_var(sh, var), &words(&[function]), &split_var(sh, "CIDR_ARGS")]);
    sh.redirected(Target::Null, Target::Inherit, |sh| with_container_netns(sh, args))
}

/// `tell_dns METHOD $VAR $CIDR_ARGS`.
fn tell_dns_about(sh: &mut Shell, var: &str, method: &[u8]) -> Sh<i32> {
    let args = line(&[&[method.to_vec()], &split_var(sh, var), &split_var(sh, "CIDR_ARGS")]);
    tell_dns(sh, args)
}

/// The script the kernel check hands to `sed -n -e`.
const UNAME_SED: &str = r"s|^\([^ ]*\) \([0-9][0-9]*\)\.\([0-9][0-9]*\).*|\1 \2 \3|p";

/// `MORE_ARGS=$(docker inspect --format='--data-urlencode fqdn=...' $CONTAINER 2>/dev/null) && true`:
/// the container's name for weaveDNS as curl arguments (tell_dns and populate_dns).
fn more_args(sh: &mut Shell, line_no: u32) -> Sh<()> {
    sh.and_then(
        |sh| {
            let format = "--format=--data-urlencode fqdn={{.Config.Hostname}}.{{.Config.Domainname}}.";
            let argv = line(&[&words(&["docker", "inspect", format]), &split_var(sh, "CONTAINER")]);
            let status = sh.assign_subst("MORE_ARGS", |sh| {
                sh.external_redirected(line_no, argv, Target::Inherit, true).map(drop)
            })?;
            Ok(status == 0)
        },
        |sh| sh.true_(),
    )
}
