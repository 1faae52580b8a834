//! The local side of weave 0.10.0: what the script does after `--local`, as it runs inside the
//! weaveexec container (or on a host, as root). Functions in the script's order and under its names.
//!
//! Covered so far: the settings, the root, kernel, `ip` and docker checks, and `dns-args` with the
//! helpers it uses. The other commands end the spec as not specified yet.

use super::{check_docker_version, usage, w, words};
use crate::spec::shell::{Redirect, Sh, Shell, Stage, Word};
use crate::spec::utils;

/// What the local side ends in: a status, or a command the spec does not cover yet.
pub enum Local {
    Done,
    Unspecified(String),
}

/// `command_exists NAME`: `command -v $1 >/dev/null 2>&1`.
pub fn command_exists(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("command_exists", args, |sh| {
        let name = sh.split(&sh.arg(1));
        sh.command_v(name.first().map_or(&b""[..], Vec::as_slice), Redirect::Null).map(drop)
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
            sh.pipeline(stages, Redirect::Inherit).map(drop)
        })?;
        let v = sh.without_prefix(&sh.var("DOCKER_BRIDGE_IP"), b"inet ");
        sh.assign("DOCKER_BRIDGE_IP", v)
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
        sh.for_in("arg", sh.args(), |sh| {
            let arg = sh.var("arg");
            let words = sh.split(&arg);
            let subject = words.concat();
            match sh.case_arm(&subject, &[&[b"--dns-search=*"], &[b"*"]]) {
                Some(0) => sh.assign("DNS_SEARCH_ARG", w("")),
                _ => Ok(()),
            }
        })?;
        let v = [sh.var("DNS_ARG").as_slice(), b" ", &sh.var("DNS_SEARCH_ARG")].concat();
        sh.assign("DNS_ARGS", v)
    })
}

/// The local side, from the `shift 1` after `--local` to the end of the script.
pub fn local(sh: &mut Shell) -> Sh<Local> {
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
        let (uid, _) = sh.subst(|sh| sh.external(575, words(&["id", "-u"])).map(drop));
        let mut test = sh.split(&uid);
        test.extend(words(&["=", "0"]));
        sh.test(575, &test.iter().map(Vec::as_slice).collect::<Vec<_>>())
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
    sh.pipeline(stages, Redirect::Inherit)?;

    sh.if_then(
        |sh| Ok(command_exists(sh, words(&["ip"]))? != 0),
        |sh| {
            sh.echo_stderr(&[w("ERROR: ip utility is missing. Please install it.")])?;
            sh.exit(b"1")
        },
    )?;
    sh.if_then(
        |sh| Ok(sh.external_redirected(602, words(&["ip", "netns", "list"]), Redirect::Null, true)? != 0),
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
            sh.pipeline(stages, Redirect::Inherit).map(drop)
        })?;
    }
    let has_args = sh.cond(|sh| {
        let argc = sh.argc().to_string();
        sh.test(613, &[argc.as_bytes(), b"-gt", b"0"])
    })?;
    if !has_args {
        usage(sh, vec![])?;
    }
    let command = sh.arg(1);
    sh.assign("COMMAND", command.clone())?;
    sh.shift(615, b"1")?;
    match command.as_slice() {
        b"dns-args" => {
            dns_args(sh, sh.args())?;
            let mut args = vec![w("-n")];
            args.extend(sh.split(&sh.var("DNS_ARGS")));
            sh.echo(&args)?;
            Ok(Local::Done)
        }
        other => Ok(Local::Unspecified(format!("weave --local {}", String::from_utf8_lossy(other)))),
    }
}

/// The script the kernel check hands to `sed -n -e`.
const UNAME_SED: &str = r"s|^\([^ ]*\) \([0-9][0-9]*\)\.\([0-9][0-9]*\).*|\1 \2 \3|p";
