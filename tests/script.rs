//! Real scripts as subjects: our own small scripts in fixtures/, and the real weave 0.10.0 script
//! when WEAVE_0_10_SCRIPT names it.

mod common;

use common::{namespaces, real_script, shell, trial, weaveexec, weavetrace, Needs};
use predicates::prelude::*;

fn main() {
    let mut trials = common::trials![
        fixture_scripts_hold_their_goldens_under_dash,
        the_netns_fixture_holds_its_golden_under_dash,
        a_pipeline_reordered_for_real_is_still_a_mismatch,
        a_script_that_never_ends_is_killed_with_everything_it_started,
        the_real_weave_0_10_script_holds_every_golden,
        reaching_outside_the_sandbox_is_an_escape_never_a_pass,
        isolated_an_escape_is_the_only_difference_and_a_host_docker_is_covered,
        a_command_the_sandbox_lacks_is_named,
        calls_the_fakes_do_not_model_fail_their_case_are_named_and_never_written,
        the_subject_sees_no_network_its_own_tmp_and_a_read_only_root,
        weaveexec_runs_the_scripts_own_local_side_in_a_container_of_its_own,
        a_change_to_the_local_side_fails_the_client_golden_that_reaches_it,
    ];
    for name in ["bash", "busybox"] {
        trials.push(trial(format!("{name}_traces_are_held_against_dash_goldens_in_dash_form"), move || {
            other_shell_holds_dash_goldens(name, &["substitutions", "failures"])
        }));
        trials.push(trial(format!("{name}_is_blessed_into_its_own_variant_and_held_to_it"), move || {
            blessed_into_a_variant(name)
        }));
        trials.push(trial(format!("{name}_linked_as_sh_under_tmp_is_run_and_read_as_itself"), move || {
            linked_as_sh_under_tmp(name)
        }));
        // netns: pipeline pieces written into a file and shown again, quoted by ash.
        trials.push(trial(format!("{name}_netns_trace_is_held_against_its_dash_golden"), move || {
            namespaces()?;
            other_shell_holds_dash_goldens(name, &["netns"])
        }));
    }
    common::run(trials)
}

/// `weavetrace check` of `fixtures/scripts/NAME.sh` against its golden `NAME.case`.
fn check_fixture(name: &str) -> assert_cmd::Command {
    let mut cmd = weavetrace();
    cmd.args(["check", "--script", &format!("fixtures/scripts/{name}.sh"), &format!("fixtures/scripts/{name}.case")]);
    cmd
}

/// `check_fixture(name)` passes, again and again: dash interleaves pipeline traces differently from
/// run to run.
fn holds_its_golden_repeatedly(name: &str) {
    for _ in 0..10 {
        check_fixture(name).assert().code(0).stdout(predicate::str::contains("1 passed, 0 failed"));
    }
}

fn fixture_scripts_hold_their_goldens_under_dash() -> Needs {
    for name in ["pipelines", "failures"] {
        holds_its_golden_repeatedly(name);
    }
    // Its weaveexec runs the script's own local side.
    weaveexec()?;
    holds_its_golden_repeatedly("substitutions");
    Ok(())
}

/// A script sees the world's files (the netns fixture's `/var/run/netns`) only in the namespaces.
fn the_netns_fixture_holds_its_golden_under_dash() -> Needs {
    namespaces()?;
    holds_its_golden_repeatedly("netns");
    Ok(())
}

fn a_pipeline_reordered_for_real_is_still_a_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(common::root().join("fixtures/scripts/pipelines.case")).unwrap();
    // The expected trace claims `n=1` comes before the first pipeline: a sequential reordering.
    let moved = text.replacen("+ docker -v\n", "+ n=1\n+ docker -v\n", 1).replacen(
        "+ grep -E ^[a-z]+$\n+ n=1\n",
        "+ grep -E ^[a-z]+$\n",
        1,
    );
    assert_ne!(moved, text);
    let case = dir.path().join("pipelines.case");
    std::fs::write(&case, moved).unwrap();
    let script = common::root().join("fixtures/scripts/pipelines.sh");
    weavetrace()
        .arg("check")
        .arg("--script")
        .arg(&script)
        .arg(&case)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("trace differs"));
}

fn a_script_that_never_ends_is_killed_with_everything_it_started() {
    weavetrace()
        .args(["check", "--timeout", "0.5", "--script", "fixtures/scripts/stuck.sh", "fixtures/scripts/stuck.case"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("status: expected 0, got timed out"));
    std::thread::sleep(std::time::Duration::from_millis(100));
    let leftovers: Vec<String> = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| std::fs::read(e.ok()?.path().join("cmdline")).ok())
        .filter(|c| c == b"tail\x00-n\x0037\x00-f\x00/dev/null\x00")
        .map(|c| String::from_utf8_lossy(&c).into_owned())
        .collect();
    assert!(leftovers.is_empty(), "processes outlived their case: {leftovers:?}");
}

fn the_real_weave_0_10_script_holds_every_golden() -> Needs {
    let dir = tempfile::tempdir().unwrap();
    let script = real_script(dir.path())?;
    for _ in 0..3 {
        weavetrace()
            .arg("check")
            .arg("--script")
            .arg(&script)
            .assert()
            .code(0)
            .stdout(predicate::str::is_match(r"(?m)^[0-9]+ passed, 0 failed$").unwrap());
    }
    Ok(())
}

const ESCAPES: [&str; 3] = ["escape-path", "escape-command-p", "escape-path-reset"];

fn reaching_outside_the_sandbox_is_an_escape_never_a_pass() {
    for name in ESCAPES {
        check_fixture(name).assert().code(1).stdout(predicate::str::contains("  escape: "));
    }
}

fn isolated_an_escape_is_the_only_difference_and_a_host_docker_is_covered() -> Needs {
    namespaces()?;
    for name in ESCAPES {
        // Each golden was recorded from the script itself (isolated), so only the escape fails it.
        check_fixture(name)
            .assert()
            .code(1)
            .stdout(predicate::str::contains("  escape: "))
            .stdout(predicate::str::contains("differs").not());
    }
    // A host docker client is covered by the fake, which refuses and records the escape.
    for path in ["/usr/local/bin/docker", "/usr/bin/docker"].into_iter().filter(|p| std::path::Path::new(p).exists()) {
        check_fixture("escape-path")
            .assert()
            .stdout(predicate::str::is_match(format!("escape: call [0-9]+ ran {path} ")).unwrap());
    }
    Ok(())
}

fn a_command_the_sandbox_lacks_is_named() {
    check_fixture("not-found")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("note: `frobnicate` is neither faked nor allowed in the sandbox"));
}

fn the_subject_sees_no_network_its_own_tmp_and_a_read_only_root() -> Needs {
    namespaces()?;
    let probe = std::path::Path::new("/tmp/weavetrace-isolation-probe");
    let _ = std::fs::remove_file(probe);
    weavetrace()
        .args(["record", "--script", "fixtures/scripts/isolation.sh", "--"])
        .assert()
        .code(0)
        .stdout("proc is the world's\ntmp writable\nroot read-only\n");
    assert!(!probe.exists(), "the subject wrote the host's /tmp");
    Ok(())
}

/// The fixture `scripts`, run under the shell `name`, hold their dash goldens: traces are compared
/// in dash's form.
fn other_shell_holds_dash_goldens(name: &'static str, scripts: &[&str]) -> Needs {
    let sh = shell(name)?;
    if scripts.contains(&"substitutions") {
        weaveexec()?;
    }
    for script in scripts {
        check_fixture(script)
            .args(["--shell", &sh])
            .assert()
            .code(0)
            .stdout(predicate::str::contains("1 passed, 0 failed"));
    }
    Ok(())
}

/// A script whose `echo` output differs under `name` (it leaves `\t` alone, dash interprets it):
/// bless under that shell writes its own stdout as a variant and leaves dash's as it was; then the
/// case holds under both, and a report under it says which sections it was held to.
fn blessed_into_a_variant(name: &'static str) -> Needs {
    let sh = shell(name)?;
    let dash = shell("dash")?;
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("echo.sh");
    std::fs::write(&script, "#!/bin/sh\necho 'a\\tb'\n").unwrap();
    let case = dir.path().join("echo.case");
    let dash_case =
        "command = \"weave\"\nstatus = 0\n\n~~~ trace\n+ echo a\\tb\n~~~\n\n~~~ stdout\na\tb\n~~~\n\n~~~ calls\n~~~\n";
    std::fs::write(&case, dash_case).unwrap();
    let check = |shell: &str| {
        let mut cmd = weavetrace();
        cmd.args(["check", "--script"]).arg(&script).args(["--shell", shell]).arg(&case);
        cmd
    };
    check(&dash).assert().code(0);
    check(&sh).assert().code(1).stdout(predicate::str::contains("stdout differs"));
    let dialect = if name == "busybox" { "ash" } else { "bash" };
    check(&sh).arg("--bless").assert().code(0).stderr(predicate::str::contains(format!("(stdout [{dialect}])")));
    let text = std::fs::read_to_string(&case).unwrap();
    let variant = format!(
        "\n[variant.{dialect}]\nwhy = \"{dialect} differs here: say why\"\n\n~~~ trace\n+ echo a\\tb\n~~~\n\n~~~ stdout\na\tb\n~~~\n\n~~~ stdout [{dialect}]\na\\tb\n~~~\n"
    );
    assert!(text.starts_with("command = \"weave\"\nstatus = 0\n") && text.contains(&variant), "{text}");
    check(&sh).assert().code(0);
    check(&dash).assert().code(0);
    // Held to its variant, a changed stdout fails and the report says which sections it was held to.
    std::fs::write(&case, text.replace("a\\tb\n~~~\n", "a\\tc\n~~~\n")).unwrap();
    check(&sh).assert().code(1).stdout(predicate::str::contains(format!("note: held to its {dialect} sections")));
    Ok(())
}

/// A shell installed as `sh` where the sandbox puts its own /tmp: found there all the same, and its
/// trace read in its own dialect (what it is, not what it is called); read as dash's, it fails.
fn linked_as_sh_under_tmp(name: &'static str) -> Needs {
    let real = shell(name)?;
    weaveexec()?;
    let (_dir, sh) = common::linked_as_sh(&real);
    let sh = sh.as_str();
    for script in ["substitutions", "failures"] {
        check_fixture(script)
            .args(["--shell", sh])
            .assert()
            .code(0)
            .stdout(predicate::str::contains("1 passed, 0 failed"));
    }
    check_fixture("substitutions").args(["--shell", sh, "--dialect", "dash"]).assert().code(1);
    Ok(())
}

/// A call the fakes do not model answers `not modeled`, 127: the case fails even though it expects
/// every byte the script wrote, the report names each call, and neither bless nor record -o keeps it.
fn calls_the_fakes_do_not_model_fail_their_case_are_named_and_never_written() {
    let named = ["call 1: docker logs x", "call 2: docker frobnicate", "call 3: docker run --rm busybox true"];
    let out = check_fixture("unmodeled").assert().code(1).get_output().stdout.clone();
    let report = String::from_utf8_lossy(&out);
    for call in named {
        assert!(report.contains(&format!("not modeled: {call} ")), "{report}");
    }
    assert!(!report.contains("differs"), "only the unmodeled calls fail it: {report}");
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("unmodeled.case");
    std::fs::copy("fixtures/scripts/unmodeled.case", &case).unwrap();
    let before = std::fs::read(&case).unwrap();
    weavetrace()
        .args(["check", "--bless", "--script", "fixtures/scripts/unmodeled.sh"])
        .arg(&case)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("a fake's gap is never blessed"));
    assert_eq!(std::fs::read(&case).unwrap(), before, "bless rewrote it");
    let new = dir.path().join("new.case");
    weavetrace()
        .args(["record", "--script", "fixtures/scripts/unmodeled.sh", "-o"])
        .arg(&new)
        .args(["--", "abc"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("not written: the fakes do not model call 1: docker logs x"));
    assert!(!new.exists(), "record -o wrote a golden with the fakes' gaps");
}

/// weaveexec holds the subject's script: its `--local` side runs there under busybox, as pid 1,
/// with the host's /proc at /hostproc, the image's docker client, and a fresh /tmp each time.
fn weaveexec_runs_the_scripts_own_local_side_in_a_container_of_its_own() -> Needs {
    weaveexec()?;
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("weave");
    std::fs::write(
        &script,
        "#!/bin/sh\n\
         if [ \"$1\" = --local ]; then\n\
         \x20   echo \"pid $$ $2\"\n\
         \x20   readlink /hostproc/1/ns/net\n\
         \x20   head -n 1 /home/weave/weave\n\
         \x20   docker -v\n\
         \x20   [ -e /tmp/left ] && echo 'a /tmp left by the last container'\n\
         \x20   : >/tmp/left\n\
         \x20   exit 3\n\
         fi\n\
         docker run --rm -v /proc:/hostproc weaveworks/weaveexec:0.10.0 --local one\n\
         docker run --rm -v /proc:/hostproc weaveworks/weaveexec:0.10.0 --local two\n",
    )
    .unwrap();
    let host = format!("net:[{}]", weavetrace::fake::net::HOST_NETNS_INODE);
    let inside = |n: &str| format!("pid 1 {n}\n{host}\n#!/bin/sh\nDocker version 1.3.1, build 4e9bbfa\n");
    weavetrace()
        .args(["record", "--nested", "--script"])
        .arg(&script)
        .arg("--")
        .assert()
        .code(3)
        .stdout(format!("{}{}", inside("one"), inside("two")))
        // The nested trace is busybox's, with the script where the image keeps it.
        .stderr(predicate::str::contains("# inside weaveexec: sh -x /home/weave/weave --local two\n"))
        .stderr(predicate::str::contains("+ echo 'pid 1 two'\n"));
    Ok(())
}

/// The local side changed (its docker call asks for another field): the client golden that
/// reaches weaveexec fails, and the report names the call made inside it.
fn a_change_to_the_local_side_fails_the_client_golden_that_reaches_it() -> Needs {
    weaveexec()?;
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("two-containers.sh");
    let text = std::fs::read_to_string("fixtures/scripts/two-containers.sh").unwrap();
    std::fs::write(&script, text.replace("{{.State.Pid}}", "{{.Id}}")).unwrap();
    weavetrace()
        .args(["check", "--script"])
        .arg(&script)
        .arg("fixtures/scripts/two-containers.case")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("calls differs"))
        .stdout(predicate::str::contains("call 3 > 1: removed `--format={{.State.Pid}} "));
    Ok(())
}
