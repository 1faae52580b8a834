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
    pub recording: Recording,
    /// How long the case took, sandbox included.
    pub elapsed: std::time::Duration,
}

/// Runs one case.
pub fn run_case(case: &Case, subject: &dyn Subject, fake_bin: &Path, level: Level) -> Result<Outcome, SubjectError> {
    let start = std::time::Instant::now();
    let sandbox = Sandbox::new(&case.world, fake_bin, subject.script())?;
    let recording = subject.run(&case.invocation, &sandbox)?;
    Ok(Outcome { verdict: compare_at(case, &recording, level), recording, elapsed: start.elapsed() })
}

/// Runs every case on `jobs` threads; `each` sees the results in the cases' order, as soon as the
/// ones before them are done.
pub fn run_all(
    cases: &[Case],
    subject: &dyn Subject,
    fake_bin: &Path,
    jobs: usize,
    level: Level,
    fail_fast: bool,
    each: impl FnMut(usize, Result<Outcome, SubjectError>),
) {
    let stop = AtomicBool::new(false);
    let run = |case: &Case| {
        let result = run_case(case, subject, fake_bin, level);
        // Decided by the worker itself, so that it starts nothing after the first failure.
        if result.as_ref().map_or(true, |o| fail_fast && !o.verdict.holds()) {
            stop.store(true, Ordering::Relaxed);
        }
        result
    };
    in_order(cases, jobs, &stop, run, each)
}

/// Maps `f` over `items` on `jobs` threads, handing the results to `each` in the items' order.
pub fn in_order<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    stop: &AtomicBool,
    f: impl Fn(&T) -> R + Sync,
    mut each: impl FnMut(usize, R),
) {
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1).min(items.len().max(1)) {
            let tx = tx.clone();
            let (next, f) = (&next, &f);
            s.spawn(move || loop {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                if tx.send((i, f(item))).is_err() {
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
                each(want, result);
                want += 1;
            }
        }
    });
}
