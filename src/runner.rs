//! Runs cases through a subject, each in its own sandbox, on several threads, and hands the
//! verdicts back in the cases' order.

use crate::case::Case;
use crate::compare::{compare, Verdict};
use crate::recording::Recording;
use crate::sandbox::Sandbox;
use crate::subject::{Subject, SubjectError};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// One case's run, compared.
pub struct Outcome {
    pub verdict: Verdict,
    pub recording: Recording,
}

/// Runs one case.
pub fn run_case(case: &Case, subject: &dyn Subject, fake_bin: &Path) -> Result<Outcome, SubjectError> {
    let sandbox = Sandbox::new(&case.world, fake_bin, subject.script())?;
    let recording = subject.run(&case.invocation, &sandbox)?;
    Ok(Outcome { verdict: compare(case, &recording), recording })
}

/// Runs every case on `jobs` threads; `each` sees the results in the cases' order, as soon as the
/// ones before them are done.
pub fn run_all(
    cases: &[Case],
    subject: &dyn Subject,
    fake_bin: &Path,
    jobs: usize,
    mut each: impl FnMut(usize, Result<Outcome, SubjectError>),
) {
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1).min(cases.len().max(1)) {
            let tx = tx.clone();
            let next = &next;
            s.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(case) = cases.get(i) else { break };
                if tx.send((i, run_case(case, subject, fake_bin))).is_err() {
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
