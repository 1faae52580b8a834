//! The spec as each shell weave runs under: dash, busybox ash (weaveexec's) and bash started as
//! `sh`; goldens with a variant per shell only where that shell behaves otherwise.

mod common;

use common::{real_script, shell, trial, weavetrace, Needs};
use predicates::prelude::*;

fn main() {
    let mut trials = common::trials![
        the_spec_traces_as_the_shell_it_is_asked_to_be,
        a_world_says_what_the_hosts_sh_is_and_weaveexec_stays_busybox,
        the_spec_as_a_program_refuses_an_unknown_dialect,
        every_golden_holds_for_the_spec_as_each_shell,
        record_writes_dash_sections_and_the_variant_where_a_shell_differs,
    ];
    for name in ["bash", "busybox"] {
        trials.push(trial(format!("the_real_script_under_{name}_agrees_with_the_spec_as_{name}"), move || {
            the_real_script_agrees_under(name)
        }));
        trials.push(trial(format!("the_real_script_under_{name}_holds_every_golden"), move || {
            the_real_script_holds_every_golden_under(name)
        }));
    }
    common::run(trials)
}

/// What the issue's example shows: a CIDR holding `\c` on a dash host passes is_cidr there (dash's
/// echo cuts it) and fails inside weaveexec (busybox's does not); bash as the host's sh refuses it
/// at once.
const CIDR: &str = "10.2.0.1/24\\cjunk";

fn the_spec_traces_as_the_shell_it_is_asked_to_be() {
    for (dialect, test_line) in [
        ("dash", format!("+ [ {CIDR} = --with-dns ]\n")),
        ("ash", format!("+ '[' '{CIDR}' '=' --with-dns ]\n")),
        ("bash", format!("+ '[' '{CIDR}' = --with-dns ']'\n")),
    ] {
        // The spec as a process and in-process write the same bytes.
        for in_process in [false, true] {
            let mut cmd = weavetrace();
            cmd.args(["record", "--dialect", dialect]);
            if in_process {
                cmd.arg("--in-process");
            }
            let assert = cmd.args(["--", "run", CIDR, "-ti", "ubuntu"]).assert();
            let assert = assert.stderr(predicate::str::contains(test_line.clone()));
            if dialect == "dash" {
                // The host takes it for a CIDR; weaveexec's busybox then refuses it.
                assert.code(1).stderr(predicate::str::contains("+ docker run -d -ti ubuntu\n"));
            } else {
                assert
                    .code(1)
                    .stderr(predicate::str::contains(format!("Invalid CIDR: {CIDR}\n")))
                    .stderr(predicate::str::contains("docker run").not());
            }
        }
    }
    // bash marks what runs inside `$(…)`, and its loops' heads.
    weavetrace()
        .args(["record", "--in-process", "--dialect", "bash", "--world", "fixtures/worlds/local-services.toml"])
        .args(["--", "--local", "expose", "10.2.0.1/24"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("\n++ docker -v\n"))
        .stderr(predicate::str::contains("\n+ case \"$COMMAND\" in\n"))
        .stderr(predicate::str::contains("\n+ for CIDR in $CIDR_ARGS\n"));
}

fn a_world_says_what_the_hosts_sh_is_and_weaveexec_stays_busybox() {
    weavetrace()
        .args([
            "record",
            "--nested",
            "--world",
            "fixtures/worlds/host-sh-bash.toml",
            "--",
            "run",
            CIDR,
            "-ti",
            "ubuntu",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("+ '[' 0.10.0 = '(unreleased version)' ']'\n"))
        .stderr(predicate::str::contains("# inside weaveexec").not());
    // On a dash host, weaveexec's own session is busybox's: quoted, and its echo keeps `\c`.
    weavetrace()
        .args(["record", "--nested", "--", "run", CIDR, "-ti", "ubuntu"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("+ [ 0.10.0 = (unreleased version) ]\n"))
        .stderr(predicate::str::contains(format!("# inside weaveexec: sh -x /home/weave/weave --local attach {CIDR} ")))
        .stderr(predicate::str::contains(format!("+ echo 'Invalid CIDR: {CIDR}'\nInvalid CIDR: {CIDR}\n")));
}

fn the_spec_as_a_program_refuses_an_unknown_dialect() {
    assert_cmd::Command::new(env!("CARGO_BIN_EXE_weave"))
        .args(["--dialect", "fish", "version"])
        .assert()
        .code(2)
        .stderr("weave (the spec): --dialect takes dash, ash or bash\n");
}

/// The spec as each shell holds every golden: dash's sections, or the shell's variant.
fn every_golden_holds_for_the_spec_as_each_shell() {
    for dialect in ["dash", "ash", "bash"] {
        weavetrace()
            .args(["check", "--in-process", "--dialect", dialect])
            .assert()
            .code(0)
            .stdout(predicate::str::is_match(r"(?m)^[0-9]+ passed, 0 failed$").unwrap());
    }
}

fn record_writes_dash_sections_and_the_variant_where_a_shell_differs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("escape.case");
    weavetrace()
        .args(["record", "--in-process", "--dialect", "ash", "-o"])
        .arg(&out)
        .args(["--", "run", CIDR, "-ti", "ubuntu"])
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("[variant.ash]\nwhy = "), "{text}");
    assert!(text.contains("~~~ trace [ash]\n"), "{text}");
    assert!(!text.contains("[variant.bash]"), "{text}");
    // The dash sections are dash's: the host's echo cut the CIDR, so docker ran.
    assert!(text.contains("\n+ docker run -d -ti ubuntu\n"), "{text}");
    for dialect in ["dash", "ash"] {
        weavetrace()
            .args(["check", "--in-process", "--dialect", dialect])
            .arg(&out)
            .assert()
            .code(0)
            .stdout(predicate::str::contains("1 passed, 0 failed"));
    }
    // Held as bash, whose sections it lacks, the case fails.
    weavetrace().args(["check", "--in-process", "--dialect", "bash"]).arg(&out).assert().code(1);
}

/// `diff --shell S`: the spec as S against the real script under S, 300 random draws.
fn the_real_script_agrees_under(name: &'static str) -> Needs {
    let sh = shell(name)?;
    let dir = tempfile::tempdir().unwrap();
    let script = real_script(dir.path())?;
    weavetrace()
        .args(["diff", "--random", "300", "--seed", "3", "--shell", &sh, "--script"])
        .arg(&script)
        .assert()
        .code(0)
        .stdout(predicate::str::is_match(r"(?m)^300 passed, 0 failed$").unwrap());
    Ok(())
}

fn the_real_script_holds_every_golden_under(name: &'static str) -> Needs {
    let sh = shell(name)?;
    let dir = tempfile::tempdir().unwrap();
    let script = real_script(dir.path())?;
    weavetrace()
        .args(["check", "--shell", &sh, "--script"])
        .arg(&script)
        .assert()
        .code(0)
        .stdout(predicate::str::is_match(r"(?m)^[0-9]+ passed, 0 failed$").unwrap());
    Ok(())
}
