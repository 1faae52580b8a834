//! The maintainer's tools on a script: `coverage` and `mutate`, on our own small script in
//! fixtures/maintainer/, and on the real weave 0.10.0 script when WEAVE_0_10_SCRIPT names it.

mod common;

use common::{real_script, shell, weaveexec, weavetrace, Needs};
use predicates::prelude::*;

fn main() {
    let trials = common::trials![
        coverage_counts_each_line_and_names_what_the_goldens_never_run,
        coverage_writes_html_and_lcov_and_never_over_a_users_file,
        coverage_fails_under_a_threshold,
        coverage_needs_a_shell_that_names_its_lines,
        bad_input_is_one_line_and_exit_2,
        mutate_kills_what_the_goldens_notice_and_names_the_survivors,
        a_survivor_is_reproduced_by_its_command,
        mutants_fare_the_same_on_one_job_or_two,
        mutate_fails_under_a_threshold,
        the_real_0_10_script_coverage_reaches_every_function,
        the_real_0_10_script_mutants_are_scored,
    ];
    common::run(trials)
}

const SCRIPT: &str = "fixtures/maintainer/mini.sh";
const GOLDENS: &str = "fixtures/maintainer/goldens";

fn run(args: &[&str]) -> assert_cmd::assert::Assert {
    weavetrace().args(args).assert()
}

fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(a.get_output().stdout.clone()).unwrap()
}

fn coverage_counts_each_line_and_names_what_the_goldens_never_run() -> Needs {
    shell("busybox")?;
    let a = run(&["coverage", "--script", SCRIPT, "--annotate", GOLDENS]).code(0);
    let out = stdout(&a);
    // gcov's form: the four goldens all run `set -e`; `stop` and the second launch never run.
    for line in [
        "        4:    4:set -e",
        "        6:   15:    docker inspect --format='{{.State.Running}}' $CONTAINER_NAME 2>/dev/null | grep -q true",
        "    #####:   20:        echo \"$CONTAINER_NAME is already running\" >&2",
        "    #####:   36:    docker stop $CONTAINER_NAME >/dev/null",
        "        -:   43:case \"$COMMAND\" in",
    ] {
        assert!(out.lines().any(|l| l == line), "no `{line}` in\n{out}");
    }
    assert!(out.contains("\nnever run by these cases (1): stop\n"), "{out}");
    let stop = out.lines().find(|l| l.starts_with("stop ")).unwrap();
    assert!(stop.ends_with("0/2    0.0%      0  never run"), "{stop}");
    assert!(out.ends_with("mini.sh: 17 of 23 lines run (73.9%), 4 of 5 functions reached, by 4 cases\n"), "{out}");
    Ok(())
}

fn coverage_writes_html_and_lcov_and_never_over_a_users_file() -> Needs {
    shell("busybox")?;
    let dir = tempfile::tempdir().unwrap();
    let (html, lcov) = (dir.path().join("c.html"), dir.path().join("c.info"));
    let args = |html: &std::path::Path, lcov: &std::path::Path| {
        vec![
            "coverage",
            "--script",
            SCRIPT,
            GOLDENS,
            "--html",
            html.to_str().unwrap(),
            "--lcov",
            lcov.to_str().unwrap(),
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>()
    };
    weavetrace().args(args(&html, &lcov)).assert().code(0);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<span id=\"L36\" class=\"miss\">"), "{page}");
    assert!(page.contains("<td class=\"name\">stop</td>"), "{page}");
    let info = std::fs::read_to_string(&lcov).unwrap();
    for want in ["FN:35,stop", "FNDA:0,stop", "DA:4,4", "DA:36,0", "LF:23", "LH:17", "end_of_record"] {
        assert!(info.lines().any(|l| l == want), "no {want} in\n{info}");
    }
    // Its own files it writes again; a file of the user's it leaves alone.
    weavetrace().args(args(&html, &lcov)).assert().code(0);
    let mine = dir.path().join("notes.html");
    std::fs::write(&mine, "my notes\n").unwrap();
    weavetrace().args(args(&mine, &lcov)).assert().code(2).stderr(predicate::str::ends_with(
        "notes.html:1: exists and is not a report of weavetrace's: not overwritten\n",
    ));
    assert_eq!(std::fs::read_to_string(&mine).unwrap(), "my notes\n");
    Ok(())
}

fn coverage_fails_under_a_threshold() -> Needs {
    shell("busybox")?;
    run(&["coverage", "--script", SCRIPT, GOLDENS, "--fail-under", "70"]).code(0);
    run(&["coverage", "--script", SCRIPT, GOLDENS, "--fail-under", "80"])
        .code(1)
        .stderr(predicate::str::contains("73.9% of the lines run, under --fail-under 80"));
    Ok(())
}

fn coverage_needs_a_shell_that_names_its_lines() {
    run(&["coverage", "--script", SCRIPT, GOLDENS, "--shell", "/bin/dash"]).code(2).stderr(
        predicate::str::is_match("^/bin/dash:1: dash cannot name the lines it runs in its trace .*\n$").unwrap(),
    );
}

fn bad_input_is_one_line_and_exit_2() -> Needs {
    shell("busybox")?;
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("prog");
    std::fs::write(&binary, b"\x7fELF\x02\x01\x01\0\0\0").unwrap();
    let binary = binary.to_str().unwrap();
    for command in ["coverage", "mutate"] {
        let cases: [(&[&str], &str); 4] = [
            (&["--script", "/nope/weave"], "/nope/weave:1: no such script\n"),
            (&["--script", binary], ":1: not a shell script: it holds a NUL byte\n"),
            (&["--script", SCRIPT, "--fail-under", "101"], "--fail-under 101: a percentage is from 0 to 100\n"),
            (&["--script", SCRIPT, "--fail-under=-1"], "--fail-under -1: a percentage is from 0 to 100\n"),
        ];
        for (args, message) in cases {
            let a = weavetrace().arg(command).args(args).arg(GOLDENS).assert().code(2);
            let err = String::from_utf8(a.get_output().stderr.clone()).unwrap();
            assert!(err.ends_with(message) && err.lines().count() == 1, "{command} {args:?}: {err}");
        }
    }
    run(&["mutate", "--script", SCRIPT, GOLDENS, "--mutant", "4000"]).code(2).stderr(
        predicate::str::is_match("^fixtures/maintainer/mini.sh:1: no mutant 4000: the script has [0-9]+ .*\n$")
            .unwrap(),
    );
    Ok(())
}

fn mutate_kills_what_the_goldens_notice_and_names_the_survivors() -> Needs {
    shell("busybox")?;
    let a = run(&["mutate", "--script", SCRIPT, GOLDENS]).code(0);
    let out = stdout(&a);
    // No golden fails without `set -e`: nothing the goldens run fails.
    assert!(out.contains("\n(top level) ("), "{out}");
    assert!(out.contains("mini.sh:4: statement removed: `set -e` -> `:`"), "{out}");
    let again = out.lines().find(|l| l.trim_start().starts_with("weavetrace mutate")).unwrap();
    assert!(again.trim().starts_with("weavetrace mutate --script fixtures/maintainer/mini.sh --mutant "), "{again}");
    // The lines of `stop` and of the second launch are no golden's: their mutants are unreached.
    assert!(out.contains("unreached: 11 mutants on lines no golden runs (`weavetrace coverage` lists them): 20, 21, 36, 37, 46, 47\n"), "{out}");
    // A dropped option of a docker call, a changed message, a flipped comparison: all killed.
    let summary = out.lines().last().unwrap();
    let re = regex::Regex::new(
        r": ([0-9]+) mutants of 4 goldens: ([0-9]+) killed, 3 survived, 11 unreached, 0 equivalent; score ",
    )
    .unwrap();
    let c = re.captures(summary).unwrap_or_else(|| panic!("{summary}"));
    let (all, killed): (usize, usize) = (c[1].parse().unwrap(), c[2].parse().unwrap());
    assert_eq!(all, killed + 3 + 11, "{summary}");
    for survivor in ["--privileged", "launched $IMAGE", "-gt 0", "2>/dev/null"] {
        let survived = out.lines().any(|l| l.contains("goldens ran it") && l.contains(survivor));
        assert!(!survived, "{survivor} survived:\n{out}");
    }
    Ok(())
}

fn a_survivor_is_reproduced_by_its_command() -> Needs {
    shell("busybox")?;
    let out = stdout(&run(&["mutate", "--script", SCRIPT, GOLDENS]).code(0));
    let again = out.lines().find(|l| l.trim_start().starts_with("weavetrace mutate")).unwrap();
    let words = shell_words::split(again.trim()).unwrap();
    let one = weavetrace().args(&words[1..]).assert().code(0);
    let text = stdout(&one);
    assert!(text.contains("statement removed: `set -e` -> `:`"), "{text}");
    assert!(text.contains("survived: all 4 goldens that run its line held"), "{text}");
    // A killed one says which golden, and how it failed.
    let killed = stdout(&run(&["mutate", "--script", SCRIPT, GOLDENS, "--mutant", "1"]).code(0));
    assert!(killed.contains("killed by fixtures/maintainer/goldens/"), "{killed}");
    assert!(killed.contains(" differs"), "{killed}");
    Ok(())
}

fn mutants_fare_the_same_on_one_job_or_two() -> Needs {
    shell("busybox")?;
    let fates = |jobs: &str| {
        let out = stdout(&run(&["mutate", "--script", SCRIPT, GOLDENS, "-j", jobs]).code(0));
        // All but the runs and the wall time: which golden is tried first depends on which
        // mutants of the function died before.
        out.rsplit_once("; score ").unwrap().0.to_string()
    };
    assert_eq!(fates("1"), fates("2"));
    Ok(())
}

fn mutate_fails_under_a_threshold() -> Needs {
    shell("busybox")?;
    run(&["mutate", "--script", SCRIPT, GOLDENS, "--fail-under", "99"])
        .code(1)
        .stderr(predicate::str::contains("a mutation score of "));
    Ok(())
}

fn the_real_0_10_script_coverage_reaches_every_function() -> Needs {
    let dir = tempfile::tempdir().unwrap();
    let script = real_script(dir.path())?;
    weaveexec()?;
    let a = weavetrace().args(["coverage", "--script"]).arg(&script).assert().code(0);
    let out = stdout(&a);
    let last = out.lines().last().unwrap();
    let re = regex::Regex::new(
        r"([0-9]+) of ([0-9]+) lines run \(([0-9.]+)%\), ([0-9]+) of ([0-9]+) functions reached, by ([0-9]+) cases$",
    )
    .unwrap();
    let c = re.captures(last).unwrap_or_else(|| panic!("{last}"));
    // Every function of 0.10.0 is some golden's; the local side's error paths are not all.
    assert_eq!(c[4], c[5], "{out}");
    assert!(c[3].parse::<f64>().unwrap() > 85.0, "{last}");
    assert!(!out.contains("never run by these cases"), "{out}");
    Ok(())
}

fn the_real_0_10_script_mutants_are_scored() -> Needs {
    let dir = tempfile::tempdir().unwrap();
    let script = real_script(dir.path())?;
    weaveexec()?;
    let a = weavetrace().args(["mutate", "--sample", "40", "--seed", "2", "--script"]).arg(&script).assert().code(0);
    let out = stdout(&a);
    let last = out.lines().last().unwrap();
    assert!(last.contains(": 40 mutants of ") && last.contains("; score "), "{last}");
    Ok(())
}
