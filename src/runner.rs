//! Runs cases through a subject, each in its own sandbox, on several threads, and hands the
//! verdicts back in the cases' order.

use crate::case::Case;
use crate::compare::{compare_at, Level, Verdict};
use crate::recording::Recording;
use crate::sandbox::Sandbox;
use crate::subject::{Subject, SubjectError};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

/// One case's run, compared.
pub struct Outcome {
    pub verdict: Verdict,
    /// One recording per step of the case.
    pub recordings: Vec<Recording>,
    /// How long the case took, sandbox included.
    pub elapsed: std::time::Duration,
}

/// Runs one case.
pub fn run_case(case: &Case, subject: &dyn Subject, fake_bin: &Path, level: Level) -> Result<Outcome, SubjectError> {
    let start = std::time::Instant::now();
    // A shell with variants in the case is held to them.
    let dialect = subject.dialect(&case.world);
    let case = &*case.for_dialect(dialect);
    let sandbox = Sandbox::new(&case.world, fake_bin, subject.script())?;
    let recordings = subject.run_steps(&case.invocations(), &sandbox)?;
    let mut verdict = compare_at(case, &recordings, level);
    if !verdict.holds() && case.variant(dialect).is_some() {
        verdict.notes.push(format!("held to its {} sections", dialect.name()));
    }
    if let Err(reason) = crate::sandbox::isolation_available() {
        if !verdict.holds() && case.steps.iter().any(|s| probes_host_files(&s.trace)) {
            verdict.notes.push(format!(
                "the subject ran without the sandbox's mount namespace ({reason}): the /proc, /var/run/netns \
                 and /sys/class/net it probed were this machine's, not the world's"
            ));
        }
    }
    Ok(Outcome { verdict, recordings, elapsed: start.elapsed() })
}

/// Whether a trace looks at the files only the sandbox's mount namespace puts in place for a
/// script (the spec and the fakes find them without one).
fn probes_host_files(trace: &[u8]) -> bool {
    let has = |needle: &[u8]| trace.windows(needle.len()).any(|w| w == needle);
    has(b"/sys/class/net/") || has(b"/var/run/netns") || has(b"/ns/net")
}

/// Runs every case on `jobs` threads; `each` sees the results in the cases' order, as soon as the
/// ones before them are done. A case that could not be run (an error) does not stop the others
/// unless `fail_fast`; it is the caller's to report as such, not as a failure. After an interrupt
/// ([`crate::sandbox::live::kill_all`]) no case starts, and one that ends is no verdict (its
/// subject may have been killed): `each` does not see it. Returns how many cases `each` saw.
pub fn run_all(
    cases: &[Case],
    subject: &dyn Subject,
    fake_bin: &Path,
    jobs: usize,
    level: Level,
    fail_fast: bool,
    each: impl FnMut(usize, Result<Outcome, SubjectError>),
) -> usize {
    let stop = AtomicBool::new(false);
    let run = |case: &Case| {
        let result = run_case(case, subject, fake_bin, level);
        // Decided by the worker itself, so that it starts nothing after the first failure.
        if fail_fast && result.as_ref().map_or(true, |o| !o.verdict.holds()) {
            stop.store(true, Ordering::Relaxed);
        }
        result
    };
    in_order(cases, jobs, &stop, run, each)
}

/// Maps `f` over `items` on `jobs` threads, handing the results to `each` in the items' order;
/// returns how many it handed. Starts no item once `stop` is set, or the run is interrupted
/// ([`crate::sandbox::live::kill_all`]); an item that ends after the interrupt is no result (what
/// it ran may have been killed) and `each` does not see it.
pub fn in_order<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    stop: &AtomicBool,
    f: impl Fn(&T) -> R + Sync,
    mut each: impl FnMut(usize, R),
) -> usize {
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel();
    let mut handed = 0;
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1).min(items.len().max(1)) {
            let tx = tx.clone();
            let (next, f) = (&next, &f);
            s.spawn(move || loop {
                if stop.load(Ordering::Relaxed) || crate::sandbox::live::interrupted() {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let result = f(item);
                if tx.send((i, (!crate::sandbox::live::interrupted()).then_some(result))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        let mut pending = std::collections::BTreeMap::new();
        let mut want = 0;
        for (i, result) in rx {
            pending.insert(i, result);
            while let Some(result) = pending.remove(&want) {
                if let Some(result) = result {
                    handed += 1;
                    each(want, result);
                }
                want += 1;
            }
        }
    });
    handed
}

/// A replay's verdict, and what is worth telling about how it was reached.
pub struct Replayed {
    pub verdict: Verdict,
    pub notices: Vec<String>,
}

/// Runs `inv` through `subject` with the fakes answering from `world`'s cassette, and holds the run
/// against the traced `source`: its trace (pipelines may interleave, as the spec, run on the same
/// answers, shows which lines form one), its stdout and status where the source shows them, and
/// the calls the cassette expects, each once, in order.
pub fn replay(
    world: &crate::world::World,
    inv: &crate::case::Invocation,
    source: &crate::replay::Source,
    subject: &dyn Subject,
    fake_bin: &Path,
) -> Result<Replayed, SubjectError> {
    use crate::compare::{Aspect, Mismatch};
    let spec = crate::subject::spec_run(world, inv, fake_bin)?;
    let rec = subject.run(inv, &Sandbox::new(world, fake_bin, subject.script())?)?;
    let actual = rec.trace.dash_view();
    let mut notices = Vec::new();
    let mut trace = source.trace.clone();
    // Against the spec's lines, in their canonical order: a real shell's pipeline lines may mix.
    let restored = crate::replay::restore_backslashes(&mut trace, &spec.trace.dash_view());
    if !restored.is_empty() {
        let lines: Vec<String> = restored.iter().map(usize::to_string).collect();
        notices.push(format!(
            "restored backslashes the trace had lost (HTML drops them) on lines {}: they were its only difference",
            lines.join(", ")
        ));
    }
    let status = match (crate::replay::traced_status(&source.trace), rec.status) {
        (Some(n), _) => n,
        (None, crate::recording::Status::Exited(n)) => n,
        (None, _) => -1,
    };
    let step = crate::case::Step {
        invocation: inv.clone(),
        status,
        pipelines: spec.trace.pipeline_ranges(),
        trace,
        stdout: source.stdout.clone().unwrap_or_else(|| rec.stdout.clone()),
        calls: crate::case::render_calls(&rec.calls),
        note: None,
    };
    let case = Case {
        name: format!("replay of {}", inv.to_command_line()),
        ..Case::of_step(inv.to_command_line().into(), step, world.clone())
    };
    let mut verdict = compare_at(&case, std::slice::from_ref(&rec), Level::Trace);
    if let Some(m) = verdict.mismatches.iter().find(|m| m.aspect == Aspect::Trace) {
        if let Some(word) = crate::replay::first_different_word(&m.expected, &actual) {
            verdict.notes.insert(0, word);
        }
    }
    // The cassette's strictness: the calls made against the calls expected, as their trace lines.
    let expected: Vec<String> = world.replay.iter().flat_map(|r| r.calls.iter().map(|c| c.command.clone())).collect();
    let made: Vec<String> = rec
        .calls
        .iter()
        .map(|c| c.argv.iter().map(|a| String::from_utf8_lossy(&a.0).into_owned()).collect::<Vec<_>>().join(" "))
        .collect();
    for (n, _) in rec.calls.iter().enumerate().filter(|(_, c)| c.unexpected) {
        let wanted = expected.get(n).map_or("no further call".to_string(), |c| format!("`{c}`"));
        verdict.notes.push(format!("call {} `{}` was not expected: the trace has {wanted} there", n + 1, made[n]));
    }
    for (n, missing) in expected.iter().enumerate().skip(made.len()) {
        verdict.notes.push(format!("expected call {} `{missing}` was never made", n + 1));
    }
    if expected != made {
        let join = |v: &[String]| v.iter().map(|c| format!("{c}\n")).collect::<String>().into_bytes();
        verdict.mismatches.push(Mismatch::of(Aspect::Calls, join(&expected), join(&made)));
    }
    Ok(Replayed { verdict, notices })
}
