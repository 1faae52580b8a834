//! Holds a recording against a case: a [`Verdict`] per case, each difference a [`Mismatch`].
//!
//! A mismatch is data for the reporters, never an error. stdout, status and calls are compared byte
//! for byte; the trace too, except that the lines of a pipeline the case marks may interleave as
//! concurrent writers do ([`interleave`]).

pub mod interleave;

use crate::case::{render_calls, Case};
use crate::recording::{Recording, Status};
use crate::trace::DEFAULT_PS4;

/// What part of a run differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aspect {
    Status,
    Stdout,
    /// stderr: the `sh -x` trace with the script's messages.
    Trace,
    /// The fakes' invocation log.
    Calls,
}

impl Aspect {
    pub fn name(self) -> &'static str {
        match self {
            Aspect::Status => "status",
            Aspect::Stdout => "stdout",
            Aspect::Trace => "trace",
            Aspect::Calls => "calls",
        }
    }
}

/// One difference: the expected and the actual bytes of an aspect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    pub aspect: Aspect,
    pub expected: Vec<u8>,
    pub actual: Vec<u8>,
}

/// The outcome of one case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub case: String,
    pub mismatches: Vec<Mismatch>,
}

impl Verdict {
    pub fn holds(&self) -> bool {
        self.mismatches.is_empty()
    }
}

/// Compares every aspect of `rec` with what `case` expects.
pub fn compare(case: &Case, rec: &Recording) -> Verdict {
    let mut mismatches = Vec::new();
    if rec.status != Status::Exited(case.status) {
        mismatches.push(Mismatch {
            aspect: Aspect::Status,
            expected: case.status.to_string().into_bytes(),
            actual: rec.status.to_string().into_bytes(),
        });
    }
    let trace = rec.trace.to_bytes();
    let calls = render_calls(&rec.calls);
    let ps4 = case.invocation.env.iter().find(|(k, _)| k == "PS4").map_or(DEFAULT_PS4, |(_, v)| v.as_bytes());
    for (aspect, expected, actual) in [
        (Aspect::Trace, &case.trace, &trace),
        (Aspect::Stdout, &case.stdout, &rec.stdout),
        (Aspect::Calls, &case.calls, &calls),
    ] {
        let holds = match aspect {
            Aspect::Trace => interleave::matches(expected, &case.pipelines, actual, ps4),
            _ => expected == actual,
        };
        if !holds {
            mismatches.push(Mismatch { aspect, expected: expected.clone(), actual: actual.clone() });
        }
    }
    Verdict { case: case.name.clone(), mismatches }
}
