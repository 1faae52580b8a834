//! The weave 0.10.0 script, function for function, in the script's order and under its names.
//!
//! Hold this beside the script: each shell function is a Rust function of the same name that takes
//! the function's arguments, and each statement is one call on the [`Shell`]. The numbers passed to
//! the shell are the script's line numbers, which dash prints in its own error messages.
//!
//! This file covers the client side: everything the script runs on the host before `--local`.

mod local;

pub use local::{command_exists, dns_args, docker_bridge_ip};

use crate::spec::shell::{Sh, Shell, Stage, Target, Unwind, Word};
use crate::spec::utils;

/// The version the release process writes into the script.
pub const SCRIPT_VERSION: &str = "0.10.0";

/// The pattern `is_cidr` hands to `grep -E`.
const CIDR_PATTERN: &str = r"^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}/[0-9]{1,2}$";

/// The script `check_docker_version` hands to `sed -n -e`.
const DOCKER_VERSION_SED: &str = r"s|^Docker version \([0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*\).*|\1|p";

fn w(s: impl AsRef<[u8]>) -> Word {
    s.as_ref().to_vec()
}

fn words(list: &[&str]) -> Vec<Word> {
    list.iter().map(w).collect()
}

fn cat(parts: &[&[u8]]) -> Word {
    parts.concat()
}

/// Runs the whole script in `sh`, whose positional parameters are weave's command line: its
/// exit status.
pub fn main(sh: &mut Shell) -> i32 {
    match script(sh) {
        Ok(()) => sh.status(),
        Err(Unwind::Exit(n) | Unwind::Return(n)) => n,
    }
}

/// The script's top level: the prologue, then the client-side dispatch (`run`, or everything else
/// handed whole to weaveexec).
fn script(sh: &mut Shell) -> Sh<()> {
    sh.set_e()?;
    sh.assign("SCRIPT_VERSION", w(SCRIPT_VERSION))?;
    sh.if_else(
        |sh| sh.test(5, &[&sh.var("SCRIPT_VERSION"), b"=", b"(unreleased version)"]),
        |sh| sh.assign("IMAGE_VERSION", w("latest")),
        |sh| {
            let v = sh.var("SCRIPT_VERSION");
            sh.assign("IMAGE_VERSION", v)
        },
    )?;
    let image_version = sh.var("IMAGE_VERSION");
    let v = sh.var_or("VERSION", &image_version);
    sh.assign("IMAGE_VERSION", v)?;
    sh.assign("DOCKERHUB_USER", w("weaveworks"))?;
    let v = cat(&[&sh.var("DOCKERHUB_USER"), b"/weaveexec"]);
    sh.assign("BASE_EXEC_IMAGE", v)?;
    let v = cat(&[&sh.var("BASE_EXEC_IMAGE"), b":", &sh.var("IMAGE_VERSION")]);
    sh.assign("EXEC_IMAGE", v)?;
    let v = sh.var_or("PROCFS", b"/proc");
    sh.assign("PROCFS", v)?;

    sh.if_else(
        |sh| sh.test(102, &[&sh.arg(1), b"=", b"run"]),
        |sh| {
            sh.shift(103, b"1")?;
            check_docker_version(sh, vec![])?;
            sh.if_then(
                |sh| sh.test(105, &[&sh.arg(1), b"=", b"--with-dns"]),
                |sh| {
                    sh.shift(106, b"1")?;
                    let mut args = words(&["dns-args"]);
                    args.extend(sh.args());
                    sh.assign_subst("DNS_ARGS", |sh| exec_remote(sh, args).map(drop)).map(drop)
                },
            )?;
            collect_cidr_args(sh, sh.args())?;
            let count = sh.split(&sh.var("CIDR_COUNT"));
            sh.shift(110, count.first().map_or(b"1".as_slice(), Vec::as_slice))?;
            let mut argv = words(&["docker", "run"]);
            argv.extend(sh.split(&sh.var("DNS_ARGS")));
            argv.push(w("-d"));
            argv.extend(sh.args());
            sh.assign_subst("CONTAINER", |sh| sh.external(111, argv).map(drop))?;
            let mut args = words(&["attach"]);
            args.extend(sh.split(&sh.var("CIDR_ARGS")));
            args.extend(sh.split(&sh.var("CONTAINER")));
            exec_remote(sh, args)?;
            let container = sh.split(&sh.var("CONTAINER"));
            sh.echo(&container)?;
            sh.exit(b"0")
        },
        |sh| {
            sh.if_then(
                |sh| sh.test(115, &[&sh.arg(1), b"!=", b"--local"]),
                |sh| {
                    exec_remote(sh, sh.args())?;
                    let status = sh.status().to_string();
                    sh.exit(status.as_bytes())
                },
            )
        },
    )?;
    local::local(sh)
}

/// `usage`: the synopsis on stdout, then `exit 1`.
pub fn usage(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("usage", args, |sh| {
        for line in [
            "Usage:",
            "weave setup",
            "weave launch     [-password <password>] [-nickname <nickname>] <peer> ...",
            "weave launch-dns <cidr>",
            "weave connect    <peer>",
            "weave forget     <peer>",
            "weave run        [--with-dns] <cidr> [<cidr> ...] <docker run args> ...",
            "weave start      <cidr> [<cidr> ...] <container_id>",
            "weave attach     <cidr> [<cidr> ...] <container_id>",
            "weave detach     <cidr> [<cidr> ...] <container_id>",
            "weave expose     <cidr> [<cidr> ...] [-h <hostname>]",
            "weave hide       <cidr> [<cidr> ...]",
            "weave ps         [<container_id> ...]",
            "weave status",
            "weave version",
            "weave stop",
            "weave stop-dns",
            "weave reset",
        ] {
            sh.echo(&[w(line)])?;
        }
        sh.echo(&[])?;
        sh.echo(&[w("where <peer> is of the form <ip_address_or_fqdn>[:<port>], and")])?;
        sh.echo(&[w("      <cidr> is of the form <ip_address>/<routing_prefix_length>")])?;
        sh.exit(b"1")
    })
}

/// `exec_remote ARGS`: the whole command goes to a short-lived weaveexec container.
pub fn exec_remote(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("exec_remote", args, |sh| {
        let mut argv = words(&["docker", "run", "--rm", "-v", "/var/run/docker.sock:/var/run/docker.sock", "-v"]);
        argv.push(cat(&[&sh.var("PROCFS"), b":/hostproc"]));
        argv.extend(words(&[
            "-e",
            "VERSION",
            "-e",
            "WEAVE_DOCKER_ARGS",
            "-e",
            "WEAVEDNS_DOCKER_ARGS",
            "-e",
            "WEAVE_PASSWORD",
            "-e",
            "WEAVE_PORT",
            "-e",
            "WEAVE_CONTAINER_NAME",
            "-e",
            "DOCKER_BRIDGE",
            "-e",
            "PROCFS=/hostproc",
            "--privileged",
            "--net=host",
        ]));
        argv.extend(sh.split(&sh.var("EXEC_IMAGE")));
        argv.push(w("--local"));
        argv.extend(sh.args());
        sh.external(45, argv).map(drop)
    })
}

/// `check_docker_version`: the host docker's version, read through sed; 1.3.0 is refused.
pub fn check_docker_version(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("check_docker_version", args, |sh| {
        sh.if_then(
            |sh| {
                let status = sh.assign_subst("DOCKER_VERSION", |sh| {
                    let stages = vec![
                        Stage::External { line: 60, argv: words(&["docker", "-v"]) },
                        Stage::Utility { argv: words(&["sed", "-n", "-e", DOCKER_VERSION_SED]), run: utils::sed },
                    ];
                    sh.pipeline(stages, Target::Inherit).map(drop)
                })?;
                Ok(status != 0 || sh.test(60, &[b"-z", &sh.var("DOCKER_VERSION")])?)
            },
            |sh| {
                sh.echo_stderr(&[w("ERROR: Unable to parse docker version")])?;
                sh.exit(b"1")
            },
        )?;
        sh.if_then(
            |sh| sh.test(66, &[&sh.var("DOCKER_VERSION"), b"=", b"1.3.0"]),
            |sh| {
                let msg = cat(&[
                    b"You are running Docker version ",
                    &sh.var("DOCKER_VERSION"),
                    b", which contains a bug that prevents weave from working properly. Please upgrade.",
                ]);
                sh.echo_stderr(&[msg])?;
                sh.exit(b"1")
            },
        )
    })
}

/// `is_cidr ARG`: whether `echo "$1"` has a line `grep -E` takes for an address with a prefix.
pub fn is_cidr(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("is_cidr", args, |sh| {
        let stages = vec![
            Stage::Echo { args: vec![sh.arg(1)] },
            Stage::Utility { argv: words(&["grep", "-E", CIDR_PATTERN]), run: utils::grep },
        ];
        sh.pipeline(stages, Target::Null).map(drop)
    })
}

/// `validate_cidr ARG`: exit 1 with a message unless ARG is a CIDR.
pub fn validate_cidr(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("validate_cidr", args, |sh| {
        sh.if_then(
            |sh| Ok(is_cidr(sh, vec![sh.arg(1)])? != 0),
            |sh| {
                sh.echo_stderr(&[cat(&[b"Invalid CIDR: ", &sh.arg(1)])])?;
                sh.echo_stderr(&[w("CIDR must of be of form <ip_address>/<routing_prefix_length>, e.g. 10.2.1.1/24")])?;
                sh.exit(b"1")
            },
        )
    })
}

/// `collect_cidr_args ARGS`: the leading CIDRs into CIDR_ARGS and CIDR_COUNT; none at all is an
/// invalid CIDR, or with no arguments left, the usage.
pub fn collect_cidr_args(sh: &mut Shell, args: Vec<Word>) -> Sh<i32> {
    sh.call("collect_cidr_args", args, |sh| {
        sh.assign("CIDR_ARGS", w(""))?;
        sh.assign("CIDR_COUNT", w("0"))?;
        sh.while_do(
            |sh| Ok(is_cidr(sh, vec![sh.arg(1)])? == 0),
            |sh| {
                let v = cat(&[&sh.var("CIDR_ARGS"), b" ", &sh.arg(1)]);
                sh.assign("CIDR_ARGS", v)?;
                let n = sh.arith_var(90, "CIDR_COUNT")? + 1;
                sh.assign("CIDR_COUNT", w(n.to_string()))?;
                sh.shift(91, b"1")
            },
        )?;
        sh.if_then(
            |sh| {
                let mut test = sh.split(&sh.var("CIDR_COUNT"));
                test.extend(words(&["-eq", "0"]));
                sh.test_words(93, &test)
            },
            |sh| {
                let validated = sh.cond(|sh| {
                    let argc = sh.argc().to_string();
                    Ok(sh.test(94, &[argc.as_bytes(), b"-gt", b"0"])? && validate_cidr(sh, vec![sh.arg(1)])? == 0)
                })?;
                if !validated {
                    usage(sh, vec![])?;
                }
                Ok(())
            },
        )
    })
}
