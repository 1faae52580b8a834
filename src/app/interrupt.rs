//! SIGINT and SIGTERM while subjects run: the first stops the run in order (no new case starts,
//! the running subjects are killed, the sandboxes removed, what finished reported, exit 130); a
//! second exits at once, leaving any sandbox left to the next run's sweep.

use crate::exit;
use signal_hook::consts::{SIGINT, SIGTERM};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Installs the handlers, for the commands that run subjects. Not for the others (`review` waits
/// on the terminal, where Ctrl-C should end it at once, as it does by default).
pub(super) fn install() -> std::io::Result<()> {
    let armed = Arc::new(AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM] {
        // In this order: the exit checks the flag the first signal sets (signal-hook's own recipe).
        signal_hook::flag::register_conditional_shutdown(signal, exit::INTERRUPTED.into(), Arc::clone(&armed))?;
        signal_hook::flag::register(signal, Arc::clone(&armed))?;
    }
    // Killing takes a lock, which a signal handler must not: done on a thread the signal wakes.
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
    std::thread::spawn(move || {
        if signals.forever().next().is_some() {
            crate::sandbox::live::kill_all();
        }
    });
    Ok(())
}
