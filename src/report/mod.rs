//! Shows verdicts: to a person ([`human`]), or to CI as JUnit XML, TAP 13 or JSON lines.
//!
//! A [`Reporter`] takes each case's verdict in the cases' order, then the totals; the human, TAP and
//! JSON reporters write as they go, JUnit (one document) at the end.

pub mod coverage;
mod explain;
mod human;
mod linediff;
mod machine;
pub mod render;

pub use explain::{changes, explain_calls, Change};
pub use human::{errored, first_difference, human, summary, write_diff};
pub use machine::{Json, Junit, Tap};

use crate::compare::Verdict;
use std::io::Write;
use std::time::Duration;

/// The formats `check` can report in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Human,
    Junit,
    Tap,
    Json,
}

/// How a run's cases came out: held, did not hold, or could not be run (the harness failed, so
/// there is no verdict: an error, never counted as a failure).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
}

/// Receives a run's verdicts in order.
pub trait Reporter {
    fn case(&mut self, out: &mut dyn Write, path: &str, verdict: &Verdict, elapsed: Duration) -> std::io::Result<()>;
    /// A case that could not be run, in its place among the verdicts: its name and why.
    fn error(&mut self, out: &mut dyn Write, path: &str, name: &str, message: &str) -> std::io::Result<()>;
    fn finish(&mut self, out: &mut dyn Write, totals: Totals, elapsed: Duration) -> std::io::Result<()>;
}

/// The human report: [`human`] per case, [`summary`] at the end.
pub struct Human;

impl Reporter for Human {
    fn case(&mut self, out: &mut dyn Write, _path: &str, verdict: &Verdict, _elapsed: Duration) -> std::io::Result<()> {
        human(out, verdict)
    }

    fn error(&mut self, out: &mut dyn Write, _path: &str, name: &str, message: &str) -> std::io::Result<()> {
        errored(out, name, message)
    }

    fn finish(&mut self, out: &mut dyn Write, totals: Totals, _elapsed: Duration) -> std::io::Result<()> {
        summary(out, totals)
    }
}

/// A reporter for `format`; `total` is how many cases will be reported.
pub fn reporter(format: Format, total: usize) -> Box<dyn Reporter> {
    match format {
        Format::Human => Box::new(Human),
        Format::Junit => Box::new(Junit::new()),
        Format::Tap => Box::new(Tap::new(total)),
        Format::Json => Box::new(Json),
    }
}

/// The whole failure of a case as text: what the human report shows for it.
pub fn failure_text(verdict: &Verdict) -> String {
    let mut text = Vec::new();
    let _ = human(&mut text, verdict);
    String::from_utf8_lossy(&text).into_owned()
}

/// One progress line on stderr, `[done/total] name`, redrawn in place; only when stderr is a
/// terminal and there is more than one item, so logs and pipes never see it.
pub struct Progress {
    total: usize,
    enabled: bool,
}

impl Progress {
    pub fn new(total: usize) -> Self {
        use std::io::IsTerminal;
        Progress { total, enabled: total > 1 && std::io::stderr().is_terminal() }
    }

    /// Erases the line, so that a report line written next starts clean.
    pub fn clear(&self) {
        if self.enabled {
            eprint!("\r\x1b[K");
        }
    }

    /// Shows how far the run has got.
    pub fn show(&self, done: usize, name: &str) {
        if self.enabled {
            eprint!("\r\x1b[K[{done}/{}] {name}", self.total);
        }
    }
}
