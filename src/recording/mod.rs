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
}
