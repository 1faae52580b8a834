//! `weavetrace diff --script NEW --against OLD`: a script held to another, each run under `sh -x`
//! in its own sandbox over the same world.

mod common;

use common::{real_script, script_0_11, weaveexec, weavetrace, Needs};
use predicates::prelude::*;

fn main() {
    common::run(common::trials![
        the_one_changed_call_is_reported_once_shrunk_explained_and_as_a_case_the_old_holds,
        a_script_against_itself_never_diverges_however_its_pipelines_interleave,
        a_renamed_variable_changes_the_trace_but_not_the_commands,
        goldens_run_each_in_its_own_world,
        bad_input_is_one_line_and_exit_2,
        weave_0_11_against_0_10_names_the_weaveexec_run_and_how_it_changed,
        weave_0_10_against_itself_agrees_on_every_draw,
    ])
}

const V1: &str = "fixtures/scripts/against-v1.sh";
const V2: &str = "fixtures/scripts/against-v2.sh";
const CASES: &str = "fixtures/scripts/against.cases";

fn the_one_changed_call_is_reported_once_shrunk_explained_and_as_a_case_the_old_holds() -> Needs {
    weaveexec()?;
    let out = weavetrace().args(["diff", "--script", V2, "--against", V1, "--cases", CASES]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    // One line per divergence: only the line that reaches the weaveexec run diverges.
    let diverged: Vec<&str> = text.lines().filter(|l| l.starts_with("diverged")).collect();
    assert_eq!(diverged, ["diverged  weave web  (trace, calls)"], "{text}");
    assert_eq!(text.matches("\nshrunk ").count(), 1, "{text}");
    assert!(text.contains("\nshrunk `weave web` to `weave x`:\n  what changed:\n"), "{text}");
    // The call is named by what it runs, and its change told by whole arguments.
    assert!(
        text.contains(
            "    call 3: moved `-v /proc:/hostproc` back; added `--privileged` (the weaveexec run: exec_remote starts \
             weave's local side in this container)\n"
        ),
        "{text}"
    );
    assert!(text.ends_with("\n1 passed, 1 failed\n"), "{text}");
    let head = format!("as a case (what {V1} does; {V2} fails it):\n\n");
    let case = text.split_once(&head).expect("the case is printed").1;
    let case = case.strip_suffix("\n1 passed, 1 failed\n").unwrap();
    assert!(case.starts_with("# Found by `weavetrace diff`"), "{case}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("found.case");
    std::fs::write(&file, case).unwrap();
    // Ready as a case: what the old script does, which the new one fails.
    weavetrace().args(["check", "--script", V1]).arg(&file).assert().code(0);
    weavetrace()
        .args(["check", "--script", V2])
        .arg(&file)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("call 3: moved `-v /proc:/hostproc` back; added `--privileged`"));
    Ok(())
}

fn a_script_against_itself_never_diverges_however_its_pipelines_interleave() -> Needs {
    weaveexec()?;
    // pipelines.sh runs eight pipelines whose elements' trace lines a pipe mixes, even mid-line,
    // differently from run to run; each side is recorded writer by writer.
    let dir = tempfile::tempdir().unwrap();
    let lines = dir.path().join("lines");
    std::fs::write(&lines, (0..150).map(|i| format!("weave abc{}\n", "x".repeat(i % 5))).collect::<String>()).unwrap();
    for shell in ["/bin/sh", "busybox"] {
        weavetrace()
            .args(["diff", "--script", "fixtures/scripts/pipelines.sh", "--against", "fixtures/scripts/pipelines.sh"])
            .args(["--shell", shell, "--cases"])
            .arg(&lines)
            .assert()
            .code(0)
            .stdout(predicate::str::ends_with("150 passed, 0 failed\n"));
    }
    weavetrace()
        .args(["diff", "--script", V1, "--against", V1, "--cases", CASES, "--random", "50"])
        .assert()
        .code(0)
        .stdout(predicate::str::ends_with("52 passed, 0 failed\n"));
    Ok(())
}

fn a_renamed_variable_changes_the_trace_but_not_the_commands() -> Needs {
    weaveexec()?;
    let dir = tempfile::tempdir().unwrap();
    let renamed = dir.path().join("renamed.sh");
    let text = std::fs::read_to_string(V1).unwrap();
    std::fs::write(&renamed, text.replace("VERSION", "DOCKER_VERSION")).unwrap();
    weavetrace()
        .args(["diff", "--level", "commands", "--script"])
        .arg(&renamed)
        .args(["--against", V1, "--cases", CASES])
        .assert()
        .code(0)
        .stdout(predicate::str::ends_with("2 passed, 0 failed\n"));
    weavetrace()
        .args(["diff", "--script"])
        .arg(&renamed)
        .args(["--against", V1, "--cases", CASES])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("diverged  weave web  (trace)\n"))
        .stdout(predicate::str::contains("    trace: 1 line removed, 1 line added\n"));
    Ok(())
}

fn goldens_run_each_in_its_own_world() -> Needs {
    weaveexec()?;
    // two-containers.case names its world, whose containers two-containers.sh's local side asks
    // docker about: a change there shows only in that world, and is reported in it.
    let script = "fixtures/scripts/two-containers.sh";
    let golden = "fixtures/scripts/two-containers.case";
    let dir = tempfile::tempdir().unwrap();
    let changed = dir.path().join("two-containers.sh");
    let text = std::fs::read_to_string(script).unwrap();
    std::fs::write(&changed, text.replace("{{.State.Pid}}", "{{.State.Running}}")).unwrap();
    weavetrace()
        .args(["diff", "--script"])
        .arg(&changed)
        .args(["--against", script, "--goldens", golden])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "diverged  weave  (stdout, calls)  in fixtures/scripts/two-containers.case
",
        ))
        .stdout(predicate::str::contains(
            "    call 3 > 1: removed `--format={{.State.Pid}}`; added `--format={{.State.Running}}`\n",
        ))
        .stdout(predicate::str::contains("world_file = \"../fixtures/scripts/two-containers.toml\"\n"));
    // Every fixture golden's command lines, a script against itself: none diverges.
    let cases = std::fs::read_dir("fixtures/scripts")
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "case"))
        .count();
    weavetrace()
        .args(["diff", "--script", V1, "--against", V1, "--goldens", "fixtures/scripts"])
        .assert()
        .code(0)
        .stdout(predicate::str::ends_with(format!("{cases} passed, 0 failed\n")));
    Ok(())
}

fn bad_input_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("binary");
    std::fs::write(&binary, b"\x7fELF\x02\x01\x01\0\0\0").unwrap();
    let one_line = |s: &str| predicate::str::is_match(format!("^{s}\n$")).unwrap();
    let run = |against: &std::path::Path| {
        weavetrace().args(["diff", "--script", V2, "--cases", CASES, "--against"]).arg(against).assert().code(2)
    };
    run("/nope".as_ref()).stderr(one_line("/nope:1: no such script"));
    run(&binary).stderr(one_line(r"\S*binary:1: not a shell script: it holds a NUL byte"));
    run(dir.path()).stderr(one_line(r"\S*:1: cannot read the script: .*"));
    // The new script is checked as the old one is.
    weavetrace()
        .args(["diff", "--script", "/nope", "--against", V1, "--cases", CASES])
        .assert()
        .code(2)
        .stderr(one_line("/nope:1: no such script"));
    weavetrace()
        .args(["diff", "--script", V2, "--against", V1, "--goldens", "/nope.case"])
        .assert()
        .code(2)
        .stderr(predicate::str::is_match(r"^/nope.case:\d+: .*\n$").unwrap());
}

fn weave_0_11_against_0_10_names_the_weaveexec_run_and_how_it_changed() -> Needs {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (real_script(dir.path())?, script_0_11(dir.path())?);
    weavetrace()
        .args(["diff", "--random", "30", "--script"])
        .arg(&new)
        .arg("--against")
        .arg(&old)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("shrunk `weave stop` to `weave`:"))
        .stdout(predicate::str::contains(
            "call 1: moved `-e PROCFS=/hostproc` forward; moved `--privileged --net=host` forward; added `-e \
             WEAVE_DEBUG` (the weaveexec run: exec_remote starts weave's local side in this container)",
        ))
        // The local side changed too: inside the weaveexec container, nsenter replaced `ip netns exec`.
        .stdout(
            predicate::str::is_match(
                r"call \d+ > \d+: `ip link show ethwe` now runs through `nsenter --net=/hostproc/\d+/ns/net` instead of `ip netns exec \d+`",
            )
            .unwrap(),
        );
    Ok(())
}

fn weave_0_10_against_itself_agrees_on_every_draw() -> Needs {
    let dir = tempfile::tempdir().unwrap();
    let script = real_script(dir.path())?;
    weavetrace()
        .args(["diff", "--random", "300", "--seed", "4", "--script"])
        .arg(&script)
        .arg("--against")
        .arg(&script)
        .assert()
        .code(0)
        .stdout(predicate::str::is_match(r"(?m)^300 passed, 0 failed$").unwrap());
    Ok(())
}
