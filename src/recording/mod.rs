//! What a subject did in one run: its stderr (the trace), stdout, status and the fakes' calls.

use crate::fake::log::Call;
use crate::trace::Trace;

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Exited(i32),
    Signaled(i32),
    TimedOut,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Status::Exited(n) => write!(f, "{n}"),
            Status::Signaled(s) => write!(f, "killed by signal {s}"),
            Status::TimedOut => write!(f, "timed out"),
        }
    }
}

impl Recording {
    /// The run as a golden's step for `invocation`: its trace in dash's form, as goldens hold it,
    /// with the pipelines the run knows (the spec's); a run that did not exit has status -1.
    pub fn as_step(&self, invocation: crate::case::Invocation) -> crate::case::Step {
        let trace = self.trace.to_dash();
        crate::case::Step {
            invocation,
            status: match self.status {
                Status::Exited(n) => n,
                _ => -1,
            },
            pipelines: trace.pipeline_ranges(),
            trace: trace.to_bytes(),
            stdout: self.stdout.clone(),
            calls: crate::case::render_calls(&self.calls),
            note: None,
        }
    }

    /// The world the run left, as a case's `~~~ state` section holds it; `world` builds what no
    /// call did.
    pub fn state_text(&self, world: &crate::world::World) -> Option<Vec<u8>> {
        let mut state = self.state.clone()?;
        state.parts(world);
        Some(state.render().into_bytes())
    }
}

/// One run of a subject.
#[derive(Clone, Debug)]
pub struct Recording {
    /// stderr as lines; for the in-process spec also which lines each pipeline wrote.
    pub trace: Trace,
    pub stdout: Vec<u8>,
    pub status: Status,
    pub calls: Vec<Call>,
    /// stderr and stdout in the order they were written, as a terminal shows them; known exactly
    /// for the in-process spec, `None` where two pipes lost the order.
    pub terminal: Option<Vec<u8>>,
    /// The world as the run left it; `None` where the subject's state was not kept.
    pub state: Option<crate::fake::State>,
    /// The script's lines the shell named as it traced them, in order, where the run was asked to
    /// number them (coverage, [`crate::trace::numbered`]); empty otherwise.
    pub lines: Vec<u32>,
}
