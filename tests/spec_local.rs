//! The local side's life-cycle commands (setup, create-bridge, launch, test-launch, launch-dns,
//! version, stop, stop-dns, reset, an unknown command): what the spec does in-process, and that
//! the real script does the same in every branch.

mod common;

use common::{namespaces, real_script, weavetrace, with_busybox_as_sh, Needs};

use predicates::prelude::*;
use weavetrace::case::Invocation;
use weavetrace::recording::{Recording, Status};
use weavetrace::sandbox::Sandbox;
use weavetrace::subject::{InProcessSpec, Subject};
use weavetrace::world::World;

fn main() {
    common::run(common::trials![
        an_unknown_command_or_an_option_without_its_value_ends_in_the_usage,
        launch_refuses_a_running_container_of_its_name_and_clears_a_stopped_one,
        launch_hands_the_password_nickname_port_and_peers_to_the_router,
        version_shows_each_image_and_stops_at_a_missing_one,
        the_real_script_agrees_on_every_branch_under_dash,
        the_real_script_agrees_on_every_branch_under_busybox_ash,
    ])
}

/// A world of its own (on top of the default), as a world file holds it.
const OTHER_IMAGES: &str = r#"
[[docker.container]]
id = "9a1f0c3e5b7d2a4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d"
name = "weave"
image = "nginx:latest"
[[docker.container]]
id = "8a1f0c3e5b7d2a4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d"
name = "weavedns"
image = "nginx:latest"
running = false
"#;

/// weave stopped, and weaveDNS running, both of the untagged image.
const UNTAGGED: &str = r#"
[[docker.container]]
id = "9a1f0c3e5b7d2a4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d"
name = "weave"
image = "weaveworks/weave"
running = false
[[docker.container]]
id = "8a1f0c3e5b7d2a4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d"
name = "weavedns"
image = "weaveworks/weavedns"
"#;

/// Every image there, the router's as its container's, and weaveexec under two tags besides latest.
const IMAGES: &str = r#"
[[docker.answer]]
args = '^docker inspect --format=\{\{\.Image\}\} weave$'
stdout = "1111aaaa\n"
[[docker.answer]]
args = '^docker inspect --format=\{\{\.Id\}\} weaveworks/weavedns:0.10.0$'
stdout = "2222bbbb\n"
[[docker.answer]]
args = '^docker inspect --format=\{\{\.Id\}\} weaveworks/weaveexec:0.10.0$'
stdout = "3333cccc\n"
[[docker.answer]]
args = '^docker run --rm 1111aaaa --version$'
stdout = "weave router 0.10.0\n"
[[docker.answer]]
args = '^docker run --rm 2222bbbb --version$'
stdout = "weave DNS 0.10.0\n"
[[docker.answer]]
args = '^docker images --no-trunc$'
stdout = """REPOSITORY             TAG      IMAGE ID   CREATED      VIRTUAL SIZE
weaveworks/weaveexec   0.10.0   3333cccc   2 days ago   10 MB
weaveworks/weaveexec   latest   3333cccc   2 days ago   10 MB
weaveworks/weaveexec   beta     3333cccc   2 days ago   10 MB
"""
[[host.answer]]
args = '^ip link show$'
stdout = """1: lo: <LOOPBACK,UP> mtu 65536
5: vethwepl40001: <BROADCAST> mtu 65535 master weave
7: vethwepl40002@if6: <BROADCAST> mtu 65535
"""
"#;

/// The router's container has no eth0 (docker run with `-b=none`).
const NO_ETH0: &str = r#"
[[host.answer]]
args = '^ip netns exec [0-9]+ ip link show eth0$'
stderr = "Device \"eth0\" does not exist.\n"
status = 1
"#;

fn spec(world: &str, args: &[&str]) -> Recording {
    let world = World::parse(world, "w.toml", 1).unwrap();
    let fake = std::path::Path::new(env!("CARGO_BIN_EXE_weavetrace-fake"));
    let inv = Invocation { env: vec![], args: args.iter().map(|a| a.to_string()).collect() };
    InProcessSpec::default().run(&inv, &Sandbox::new(&world, fake, None).unwrap()).unwrap()
}

fn trace(rec: &Recording) -> String {
    String::from_utf8(rec.trace.to_bytes()).unwrap()
}

fn an_unknown_command_or_an_option_without_its_value_ends_in_the_usage() {
    let rec = spec("", &["--local", "no-such-thing"]);
    let t = trace(&rec);
    assert!(
        t.contains("+ echo Unknown weave command 'no-such-thing'\nUnknown weave command 'no-such-thing'\n+ usage\n"),
        "{t}"
    );
    assert!(String::from_utf8_lossy(&rec.stdout).starts_with("Usage:\nweave setup\n"));
    assert_eq!(rec.status, Status::Exited(1));
    for option in ["-password", "-nickname", "-port"] {
        let rec = spec("", &["--local", "launch", "-port", "7000", option]);
        let t = trace(&rec);
        assert!(t.contains("+ shift 2\n+ true\n+ [ 1 -gt 1 ]\n+ usage\n"), "{option}: {t}");
        assert_eq!(rec.status, Status::Exited(1), "{option}");
        assert!(!rec.calls.iter().any(|c| c.argv.len() > 1 && c.argv[1].0 == b"run"), "{option}: no router runs");
    }
}

fn launch_refuses_a_running_container_of_its_name_and_clears_a_stopped_one() {
    let router = std::fs::read_to_string(common::root().join("fixtures/worlds/local-router.toml")).unwrap();
    for (world, args, said) in [
        (router.as_str(), &["--local", "launch"][..], "weave is already running.\n"),
        (OTHER_IMAGES, &["--local", "test-launch"], "Found another running container named 'weave'. Aborting.\n"),
        (
            OTHER_IMAGES,
            &["--local", "launch-dns", "10.2.0.1/24"],
            "Found another container named 'weavedns'. Aborting.\n",
        ),
        (UNTAGGED, &["--local", "launch-dns", "10.2.0.1/24"], "weavedns is already running.\n"),
    ] {
        let rec = spec(world, args);
        let t = trace(&rec);
        assert!(t.ends_with(&format!("{said}+ exit 1\n")), "{args:?}: {t}");
        assert_eq!(rec.status, Status::Exited(1), "{args:?}");
    }
    // A stopped weave of the untagged image is removed, then launched over.
    let t = trace(&spec(UNTAGGED, &["--local", "launch"]));
    assert!(
        t.contains("+ docker inspect --format={{.State.Running}} {{.Config.Image}} weave\n+ docker rm weave\n"),
        "{t}"
    );
}

fn launch_hands_the_password_nickname_port_and_peers_to_the_router() {
    let args = [
        "--local",
        "launch",
        "10.2.0.1/24",
        "-password",
        "s3",
        "-nickname",
        "n m",
        "-port",
        "7000",
        "192.168.48.13",
        "192.168.48.14:6790",
    ];
    let rec = spec("", &args);
    let t = trace(&rec);
    assert_eq!(rec.status, Status::Exited(0), "{t}");
    assert!(t.contains("WARNING: 10.2.0.1/24 parameter ignored;"), "{t}");
    assert!(t.contains("+ WEAVE_PASSWORD=s3\n+ export WEAVE_PASSWORD\n+ shift 2\n+ true\n"), "{t}");
    assert!(t.contains("+ true\n+ break\n+ docker run --privileged -d --name=weave -p 6783:7000/tcp"), "{t}");
    let run = rec.calls.iter().find(|c| c.argv.get(1).is_some_and(|a| a.0 == b"run")).expect("the router runs");
    let argv: Vec<String> = run.argv.iter().map(|a| String::from_utf8_lossy(&a.0).into_owned()).collect();
    // The router is named after the bridge's MAC, which create_bridge set at random.
    let mac = t.lines().find_map(|l| l.strip_prefix("+ ip link set dev weave address ")).expect("the bridge's MAC");
    assert_eq!(
        argv[argv.len() - 10..],
        ["-iface", "ethwe", "-port", "7000", "-name", mac, "-nickname", "n m", "192.168.48.13", "192.168.48.14:6790"]
    );
    // The exported password reaches docker's environment.
    assert_eq!(run.env.get("WEAVE_PASSWORD").map(|v| v.0.as_slice()), Some(&b"s3"[..]));
    // The router answers at once: no sleep, and its id is the output.
    assert!(t.contains("+ WAIT_TIME=1\n+ http_call_ip ") && !t.contains("+ sleep"), "{t}");
    assert!(t.ends_with(&format!("+ echo {}", String::from_utf8_lossy(&rec.stdout))), "{t}");
}

fn version_shows_each_image_and_stops_at_a_missing_one() {
    let rec = spec(IMAGES, &["--local", "version"]);
    assert_eq!(
        String::from_utf8_lossy(&rec.stdout),
        "weave script 0.10.0\nweave router 0.10.0\nweave DNS 0.10.0\nweave exec 0.10.0 beta \n"
    );
    assert!(trace(&rec).contains("+ tr -s  \n+ cut -d   -f 2\n+ tr \\n  \n+ EXEC_VERSION=0.10.0 beta \n"));
    // Without the router's image, ask_version fails, and set -e ends the script there.
    let none = std::fs::read_to_string(common::root().join("fixtures/worlds/images-none.toml")).unwrap();
    let rec = spec(&none, &["--local", "version"]);
    assert_eq!(String::from_utf8_lossy(&rec.stdout), "weave script 0.10.0\n");
    assert!(trace(&rec).ends_with("Unable to find weaveworks/weave:0.10.0 image.\n+ [ -n  ]\n"));
    assert_eq!(rec.status, Status::Exited(1));
}

/// Command lines reaching every branch of the new arms in some world (a router that never
/// answers makes wait_for_status sleep and give up; the sleep fake returns at once).
const LINES: &str = "\
--local setup
--local create-bridge
--local create-bridge x
--local launch
--local launch 10.2.0.1/24
--local launch -password x -nickname n -port 7000 peer1 peer2
--local launch -password
--local launch 10.2.0.1/24 -nickname
--local launch -password 'a b' -nickname 'n m' peer
WEAVE_DOCKER_ARGS='--memory 1g' WEAVE_PORT=7000 --local launch -nickname 'a b'
WEAVE_CONTAINER_NAME=weavedns --local launch
--local test-launch
--local test-launch a b
--local launch-dns 10.2.0.1/24
WEAVEDNS_DOCKER_ARGS='--memory 1g' --local launch-dns 10.2.0.1/24 -debug
--local launch-dns 10.2.0.1
--local launch-dns
--local version
--local version x
VERSION=latest --local version
--local stop
--local stop x
WEAVE_PORT=7000 --local stop
--local stop-dns
--local reset
--local reset x
--local no-such-thing
--local '*'
";

fn the_real_script_agrees_on_every_branch(shell: Result<String, common::Missing>) -> Needs {
    let dir = tempfile::tempdir().unwrap();
    let script = real_script(dir.path())?;
    namespaces()?;
    let shell = shell?;
    let cases = dir.path().join("lines");
    std::fs::write(&cases, LINES).unwrap();
    let mut worlds = vec![None];
    for name in [
        "local-services",
        "local-router",
        "local-router-stopped",
        "local-weavedns-stopped",
        "router-silent",
        "images-none",
        "leftovers",
    ] {
        worlds.push(Some(common::root().join(format!("fixtures/worlds/{name}.toml"))));
    }
    for (k, text) in [OTHER_IMAGES, UNTAGGED, IMAGES, NO_ETH0].into_iter().enumerate() {
        let path = dir.path().join(format!("w{k}.toml"));
        std::fs::write(&path, text).unwrap();
        worlds.push(Some(path));
    }
    let lines = LINES.lines().count();
    for world in worlds {
        let mut cmd = weavetrace();
        cmd.args(["diff", "--shell", &shell, "--script"]).arg(&script).arg("--cases").arg(&cases);
        if let Some(w) = &world {
            cmd.arg("--world").arg(w);
        }
        cmd.assert().code(0).stdout(predicate::str::contains(format!("{lines} passed, 0 failed")));
    }
    Ok(())
}

fn the_real_script_agrees_on_every_branch_under_dash() -> Needs {
    the_real_script_agrees_on_every_branch(Ok("/bin/sh".into()))
}

fn the_real_script_agrees_on_every_branch_under_busybox_ash() -> Needs {
    with_busybox_as_sh(the_real_script_agrees_on_every_branch)
}
