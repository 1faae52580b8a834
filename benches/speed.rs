//! Speed figures, reported as ratios against their floors (run with `cargo bench --bench speed`).
//!
//! - a fake call against exec'ing `/bin/true`, both from a dash loop, as the script makes them;
//! - the spec in-process, in cases per second on one core, and the spec as a process per case;
//! - `weavetrace check --script` against running `sh -x` bare over the same fakes (needs the real
//!   script: set WEAVE_0_10_SCRIPT; otherwise the fixture scripts stand in);
//! - `check --jobs 2` against `--jobs 1`;
//! - `replay` of a 100k-line trace against a 10k-line one, per line.
//!
//! Nothing here asserts a time: the figures go to the issues' closing notes.

// As the harness binary allocates: the in-process figure is the harness's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use weavetrace::case::{self, Case};
use weavetrace::sandbox::Sandbox;
use weavetrace::subject::InProcessSpec;
use weavetrace::world::World;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The one-command goldens: the rates are per command line, and the bare runs below run one each
/// (a scenario's steps run in one sandbox, which the harness's own figures cover).
fn goldens() -> Vec<Case> {
    let paths = case::discover(&[root().join("traces")]).unwrap();
    paths.iter().map(|p| case::load(p).unwrap()).filter(|c| !c.is_scenario()).collect()
}

/// Best of `rounds` timings of `f`: the least disturbed by the rest of the machine.
fn best(rounds: usize, mut f: impl FnMut()) -> Duration {
    (0..rounds)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap()
}

fn dash_loop(body: &str, n: usize, env: &[(&str, &Path)]) -> Duration {
    let script = format!("i=0; while [ $i -lt {n} ]; do {body}; i=$((i+1)); done");
    best(5, || {
        let status = Command::new("/bin/sh").arg("-c").arg(&script).envs(env.iter().copied()).status().unwrap();
        assert!(status.success());
    })
}

fn fake_call_vs_exec_floor() {
    let n = 2000;
    let sandbox = Sandbox::new(&World::default(), Path::new(env!("CARGO_BIN_EXE_weavetrace-fake")), None).unwrap();
    // Found through PATH, as a script runs it (dash remembers where it found a command).
    let bin = sandbox.root().join("bin");
    let floor = dash_loop("/bin/true", n, &[]);
    let fake = dash_loop("docker -v >/dev/null", n, &[("WEAVETRACE_SANDBOX", sandbox.root()), ("PATH", &bin)]);
    let per = |d: Duration| d.as_secs_f64() * 1e6 / n as f64;
    println!(
        "fake call: {:.0} us per `docker -v`, exec of /bin/true {:.0} us: {:.2}x the exec floor (goal <= 1.5x)",
        per(fake),
        per(floor),
        fake.as_secs_f64() / floor.as_secs_f64()
    );
    // A call whose flags the client model reads: the flag table is parsed in that process.
    let inspect = "docker inspect --format={{.Id}} weaveworks/weaveexec:0.10.0 >/dev/null";
    let read = dash_loop(inspect, n, &[("WEAVETRACE_SANDBOX", sandbox.root()), ("PATH", &bin)]);
    println!(
        "fake call reading flags: {:.0} us per `docker inspect --format=...`: {:.2}x the exec floor (goal <= 1.5x)",
        per(read),
        read.as_secs_f64() / floor.as_secs_f64()
    );
}

/// The in-process spec's cases a second under each shell it can behave as, and each against
/// dash's (the dialect's cost). The dialects take turns, batch by batch, and each keeps its best
/// batch: this machine's speed drifts by a third from one minute to the next, which measuring one
/// dialect after the other would read as the dialects' cost. `SPEED_DIALECT` (a dialect's name),
/// `SPEED_BATCHES` and `SPEED_ROUNDS` narrow the run, to count its instructions under valgrind
/// (`valgrind --tool=cachegrind --cache-sim=no`), which the machine's noise does not reach.
fn spec_in_process(cases: &[Case]) {
    use weavetrace::trace::Dialect;
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("weave"), "").unwrap();
    let envs: Vec<Vec<(Vec<u8>, Vec<u8>)>> = cases
        .iter()
        .map(|c| {
            let mut env = vec![(b"PATH".to_vec(), b"/nonexistent".to_vec()), (b"LC_ALL".to_vec(), b"C".to_vec())];
            env.extend(c.steps[0].invocation.env.iter().map(|(k, v)| (k.clone().into_bytes(), v.clone().into_bytes())));
            env
        })
        .collect();
    let env_or = |name: &str, default: usize| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let (batches, rounds) = (env_or("SPEED_BATCHES", 15), env_or("SPEED_ROUNDS", 30));
    let mut took = [Duration::MAX; 3];
    for _ in 0..batches {
        for (k, dialect) in Dialect::ALL.into_iter().enumerate() {
            if std::env::var("SPEED_DIALECT").is_ok_and(|d| d != dialect.name()) {
                continue;
            }
            let spec = InProcessSpec { dialect: Some(dialect), ..InProcessSpec::default() };
            let t = Instant::now();
            for _ in 0..rounds {
                for (case, env) in cases.iter().zip(&envs) {
                    std::hint::black_box(spec.run_in(&case.world, env.clone(), work.path(), &case.steps[0].invocation));
                }
            }
            took[k] = took[k].min(t.elapsed());
        }
    }
    let per_second: Vec<f64> = took.iter().map(|t| (rounds * cases.len()) as f64 / t.as_secs_f64()).collect();
    for (k, dialect) in Dialect::ALL.into_iter().enumerate() {
        println!(
            "spec in-process as {}: {:.0} cases/s on one core over {} goldens (goal >= 50,000)",
            dialect.name(),
            per_second[k],
            cases.len()
        );
        if k > 0 {
            println!("  as {}: {:.2}x dash's cases/s (goal >= 0.90)", dialect.name(), per_second[k] / per_second[0]);
        }
    }
}

fn weavetrace_check(args: &[&str]) -> Duration {
    weavetrace_check_env(args, &[])
}

/// The harness, with its companion binaries named.
fn weavetrace() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_weavetrace"));
    cmd.env("WEAVETRACE_SPEC_BIN", env!("CARGO_BIN_EXE_weave"))
        .env("WEAVETRACE_FAKE_BIN", env!("CARGO_BIN_EXE_weavetrace-fake"));
    cmd
}

fn weavetrace_check_env(args: &[&str], env: &[(&str, &str)]) -> Duration {
    best(5, || {
        let out = weavetrace().envs(env.iter().copied()).current_dir(root()).arg("check").args(args).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    })
}

/// `sh -x SCRIPT ARGS` for every case, each in a sandbox made beforehand: the floor for checking.
/// `sh -x weave ...` for each case in its sandbox, without the harness: in the sandbox's
/// namespaces (with its own `/proc` entry) when `isolated`, as the harness runs it.
fn bare_runs(cases: &[Case], script: &Path, isolated: bool) -> Duration {
    use std::os::unix::process::CommandExt;
    let fake = Path::new(env!("CARGO_BIN_EXE_weavetrace-fake"));
    best(3, || {
        let sandboxes: Vec<Sandbox> =
            cases.iter().map(|c| Sandbox::new(&c.world, fake, Some(script)).unwrap()).collect();
        let t = Instant::now();
        for (case, sandbox) in cases.iter().zip(&sandboxes) {
            let mut cmd = Command::new("/bin/sh");
            cmd.arg("-x")
                .arg("weave")
                .args(&case.steps[0].invocation.args)
                .env_clear()
                .envs(sandbox.env(&case.steps[0].invocation.env))
                .current_dir(sandbox.work());
            if isolated {
                let isolation = sandbox.isolation(&[]);
                // SAFETY: only makes system calls on data prepared before the fork.
                unsafe {
                    cmd.pre_exec(move || isolation.as_ref().map_or(Ok(()), |i| i.apply()));
                }
            }
            cmd.output().unwrap();
        }
        std::hint::black_box(t.elapsed());
    })
}

fn script_check_vs_bare(cases: &[Case]) {
    let Some(path) = std::env::var_os("WEAVE_0_10_SCRIPT") else {
        println!("script check: skipped (set WEAVE_0_10_SCRIPT to the weave 0.10.0 script to measure it)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let script = dir.path().join("weave");
    std::fs::write(&script, text.replacen("\"(unreleased version)\"", "\"0.10.0\"", 1)).unwrap();
    let diff = |jobs: &str| {
        best(3, || {
            let out = weavetrace()
                .args(["diff", "--random", "200", "--seed", "1", "--jobs", jobs, "--script"])
                .arg(&script)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "diff --jobs {jobs} failed:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        })
    };
    let (one, two) = (diff("1"), diff("2"));
    println!(
        "differential run of 200 random lines: {:.2} s with --jobs 1, {:.2} s with --jobs 2: {:.2}x faster (goal >= 1.7x)",
        one.as_secs_f64(),
        two.as_secs_f64(),
        one.as_secs_f64() / two.as_secs_f64()
    );
    // Without namespaces a script sees this machine's /proc and /sys/class/net, so only the client
    // side's goldens hold there (and only they may run bare outside the sandbox's namespaces).
    let client: Vec<Case> = cases.iter().filter(|c| !c.path.to_string_lossy().contains("local")).cloned().collect();
    let client_paths: Vec<String> = client.iter().map(|c| c.path.to_string_lossy().into_owned()).collect();
    for (what, env, cases) in [
        ("in namespaces", &[][..], cases),
        (
            "without namespaces (WEAVETRACE_NO_NAMESPACES=1), client side",
            &[("WEAVETRACE_NO_NAMESPACES", "1")][..],
            &client[..],
        ),
    ] {
        let bare = bare_runs(cases, &script, env.is_empty());
        let per_case = |d: Duration| d.as_secs_f64() * 1e3 / cases.len() as f64;
        let mut args = vec!["-j1", "--script", script.to_str().unwrap()];
        if !env.is_empty() {
            args.extend(client_paths.iter().map(String::as_str));
        }
        let checked = weavetrace_check_env(&args, env);
        println!(
            "script check, {what}: {:.1} ms per case checked, {:.1} ms per bare `sh -x` run: {:.2}x (goal <= 1.15x)",
            per_case(checked),
            per_case(bare),
            checked.as_secs_f64() / bare.as_secs_f64()
        );
    }
}

fn spec_process_and_jobs(cases: &[Case]) {
    let one = weavetrace_check(&["-j1"]);
    let two = weavetrace_check(&["-j2"]);
    println!(
        "spec as a process: {:.2} ms per case checked with -j1; -j2 is {:.2}x faster",
        one.as_secs_f64() * 1e3 / cases.len() as f64,
        one.as_secs_f64() / two.as_secs_f64()
    );
}

/// `weavetrace replay` of `n` lines of `+ docker ps` against `weave ps`: a long trace that the
/// run does not write, so the cassette, the comparison and the report's diff all see every line.
fn replay_lines(n: usize) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("ps.trace");
    std::fs::write(&trace, "+ docker ps\n".repeat(n)).unwrap();
    best(3, || {
        let out = weavetrace().arg("replay").arg(&trace).args(["--", "ps"]).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    })
}

fn replay_per_line() {
    let (short, long) = (replay_lines(10_000), replay_lines(100_000));
    let per = |d: Duration, n: f64| d.as_secs_f64() * 1e6 / n;
    println!(
        "replay: {:.1} us per line of a 10k-line trace, {:.1} us of a 100k-line one: {:.2}x per line (1x is linear)",
        per(short, 1e4),
        per(long, 1e5),
        per(long, 1e5) / per(short, 1e4)
    );
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` would pass nothing and expects no work.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let mut cases = goldens();
    // SPEED_CASES=local measures only the goldens whose path holds that text.
    if let Ok(only) = std::env::var("SPEED_CASES") {
        cases.retain(|c| c.path.to_string_lossy().contains(&only));
    }
    // SPEED_ONLY=in-process measures the spec alone, for a profiler.
    if std::env::var("SPEED_ONLY").as_deref() == Ok("in-process") {
        return spec_in_process(&cases);
    }
    // SPEED_ONLY=fake measures the fake calls alone.
    if std::env::var("SPEED_ONLY").as_deref() == Ok("fake") {
        return fake_call_vs_exec_floor();
    }
    // SPEED_ONLY=replay measures the replay figure alone.
    if std::env::var("SPEED_ONLY").as_deref() == Ok("replay") {
        return replay_per_line();
    }
    fake_call_vs_exec_floor();
    spec_in_process(&cases);
    spec_process_and_jobs(&cases);
    script_check_vs_bare(&cases);
    replay_per_line();
}
