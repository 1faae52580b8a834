use super::*;
use crate::fake::{answer, inline::initial_fs, materialize, State};
use crate::fs::{FileKind, Fs, MemFs};

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
    assert!(
        addr.contains(
            ": ethwe: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 65535 qdisc pfifo_fast state UP group default qlen 1000\n"
        ),
        "{addr}"
    );
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
    assert_eq!((ethwe.arp.base_reachable_time, ethwe.arp.delay_first_probe_time, ethwe.arp.ucast_solicit), (5, 2, 1));
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
        (2, "sh: 1: cannot create /proc/sys/net/ipv4/neigh/nope/base_reachable_time: Directory nonexistent\n".into())
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

#[test]
fn nsenter_and_a_namespace_path_lead_where_ip_netns_exec_does() {
    let mut run = Run::new(World::default());
    run.ok("docker run -d --name=c1 ubuntu");
    run.ok("ip link add name vethwepl40001 mtu 65535 type veth peer name vethwepg40001 mtu 65535");
    // iproute2 opens a value with a `/` as the namespace's path (weave 0.11 moves the veth so).
    run.ok("ip link set vethwepg40001 netns /hostproc/40001/ns/net");
    let inside = run.ok("nsenter --net=/hostproc/40001/ns/net ip link show vethwepg40001");
    assert!(inside.contains(": vethwepg40001: <BROADCAST,MULTICAST>"), "{inside}");
    assert_eq!(run.err("ip link show vethwepg40001").0, 1);
    run.ok("nsenter --net=/hostproc/40001/ns/net sh -c 'echo 5 >/proc/sys/net/ipv4/neigh/vethwepg40001/base_reachable_time'");
    assert_eq!(
        run.err("nsenter --net=/hostproc/9/ns/net ip link"),
        (1, "nsenter: cannot open /hostproc/9/ns/net: No such file or directory\n".into())
    );
    assert_eq!(
        run.err("ip link set vethwepl40001 netns /hostproc/9/ns/net").1,
        "Error: argument \"/hostproc/9/ns/net\" is wrong: Invalid \"netns\" value\n\n"
    );
    // What util-linux does besides (another namespace, no command) the fake does not guess at.
    assert_eq!(run.err("nsenter --mount=/hostproc/40001/ns/mnt ls").0, 127);
    assert_eq!(run.err("nsenter --net=/hostproc/40001/ns/net").0, 127);
}
