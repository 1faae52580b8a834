//! The shell's two boundaries: where its output goes ([`Io`]) and how it runs external commands
//! ([`Host`]). The process form of the spec writes to its file descriptors and spawns from PATH; the
//! in-process form buffers and answers from the fakes' model directly. The shell cannot tell.

use super::Word;
pub use crate::fs::Fs;

/// Where a running script's output goes.
pub trait Io {
    /// One `set -x` line, without its newline; `pipeline` names the pipeline and the element of it
    /// that wrote the line.
    fn xtrace(&mut self, line: Word, pipeline: Option<(u32, u32)>);
    /// [`Io::xtrace`], told what the shell knows of the line, which a reader of the bytes would
    /// have to find again: an output that keeps the trace as lines takes it from here.
    fn xtrace_shaped(&mut self, line: Word, pipeline: Option<(u32, u32)>, shape: Shape<'_>) {
        let _ = shape;
        self.xtrace(line, pipeline);
    }
    /// Other bytes on stderr: the script's messages, dash's errors, a command's stderr.
    fn stderr(&mut self, bytes: &[u8]);
    /// Bytes on stderr holding trace lines (written into a file the script shows again), at these
    /// offsets, with the lengths and pipeline elements of each.
    fn stderr_marked(&mut self, bytes: &[u8], marks: &[super::Mark]) {
        let _ = marks;
        self.stderr(bytes);
    }
    /// Bytes on stdout that no substitution or pipeline captured.
    fn stdout(&mut self, bytes: &[u8]);
}

/// What a `set -x` line is made of.
#[derive(Clone, Debug)]
pub struct Shape<'a> {
    /// 1 at top level; more inside bash's `$(…)`.
    pub depth: u32,
    /// Where the last, whole PS4 sits in the line (after bash's nesting characters).
    pub ps4: std::ops::Range<usize>,
    /// The command's words, unquoted, where the dialect quotes them (ash, bash); `None` for dash's
    /// lines and for a line that is not a command's words (bash's loop and case heads).
    pub words: Option<&'a [&'a [u8]]>,
    /// Whether the line is bash's head of a compound command.
    pub head: bool,
}

/// An external command to run.
pub struct Command<'a> {
    pub argv: &'a [Word],
    /// The exported variables, as the command's environment.
    pub env: &'a [(Word, Word)],
    /// `None`: the shell's own stdin.
    pub stdin: Option<&'a [u8]>,
    /// Whether stdout must come back in [`Outcome::stdout`]; otherwise it may go straight to the
    /// shell's stdout.
    pub capture: bool,
    /// `2>/dev/null`: the command's stderr is thrown away.
    pub quiet: bool,
    /// Whether stderr must come back in [`Outcome::stderr`] (fd 2 is redirected in the shell).
    pub capture_stderr: bool,
}

/// What an external command did.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub status: i32,
    pub stdout: Vec<u8>,
    /// stderr bytes the shell must write; empty when the command wrote to the shell's stderr itself.
    pub stderr: Vec<u8>,
    /// No such command on PATH (status 127): the shell reports it.
    pub not_found: bool,
}

/// Runs external commands, and is the process the shell is: its id, its view of the filesystem,
/// the other processes it can signal.
pub trait Host {
    fn exec(&mut self, cmd: &Command) -> Outcome;
    /// Whether `name` is a command on the PATH of `env` (for `command -v`): where it was found.
    fn find(&mut self, name: &[u8], env: &[(Word, Word)]) -> Option<Word>;
    /// The filesystem `[ -d ]`, redirections and the modeled file utilities use.
    fn fs(&mut self) -> &mut dyn Fs;
    /// `$$`.
    fn pid(&self) -> u32;
    /// `kill -0 PID`: whether the process exists and may be signalled.
    fn alive(&self, pid: &[u8]) -> bool;
}
