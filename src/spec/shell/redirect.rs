//! Redirections of one command (`CMD >OUT 2>ERR`, `>/dev/null 2>&1`) as dash makes them: the
//! command's own trace line goes where stderr was, then stdout and stderr go to the targets until
//! the command ends; a file's trace lines are remembered so that `cat FILE >&2` shows them as such.

use super::{Sh, Shell, Word};

/// A trace line in a stream: its offset, its length (newline included), and the pipeline element
/// that wrote it, if one did.
pub type Mark = (usize, usize, Option<(u32, u32)>);

/// Where a redirection sends a stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// Left where it was.
    Inherit,
    /// `>/dev/null`, `2>/dev/null`.
    Null,
    /// `>FILE`, `2>FILE`: created (truncated) when the command starts.
    File(Word),
    /// `2>&1`: stderr goes where stdout goes then (into a `$(...)`, or the file of `>FILE`), the
    /// trace lines of what runs inside included.
    Stdout,
}

pub(super) enum ErrSink {
    Discard,
    /// Where stdout went when the redirection was made (`2>&1`): that many captures deep, so a
    /// `$(...)` opened later inside does not take stderr with it.
    Stdout(usize),
    Buffer {
        bytes: Vec<u8>,
        marks: Vec<Mark>,
    },
}

pub(super) enum Frame {
    /// stdout captured for a target other than where it was.
    Out(Target),
    /// fd 2 redirected to a file (or elsewhere).
    Err(Target),
}

impl Shell<'_> {
    /// Runs one command (a function call, a builtin, an external or modeled command: whatever
    /// `body` traces first) with its stdout and stderr redirected, as `CMD >OUT 2>ERR` does: the
    /// command's own trace line still goes where stderr was, the rest where the redirection says.
    /// `body` must have expanded its words before it traces.
    pub fn redirected(&mut self, stdout: Target, stderr: Target, body: impl FnOnce(&mut Self) -> Sh<i32>) -> Sh<i32> {
        let depth = self.frames.len();
        self.armed = Some((stdout, stderr));
        let r = body(self);
        self.armed = None;
        while self.frames.len() > depth {
            self.pop_redirection();
        }
        r
    }

    pub(super) fn push_redirections(&mut self, stdout: Target, stderr: Target) {
        // dash opens them left to right: `>OUT 2>ERR`.
        if stdout != Target::Inherit {
            if let Target::File(path) = &stdout {
                let _ = self.host.fs().write(path, b"");
            }
            self.captures.push(Vec::new());
            self.frames.push(Frame::Out(stdout));
        }
        match &stderr {
            Target::Inherit => return,
            Target::Null => self.err_sinks.push(ErrSink::Discard),
            Target::Stdout => self.err_sinks.push(ErrSink::Stdout(self.captures.len())),
            Target::File(path) => {
                let _ = self.host.fs().write(path, b"");
                self.err_sinks.push(ErrSink::Buffer { bytes: Vec::new(), marks: Vec::new() });
            }
        }
        self.frames.push(Frame::Err(stderr));
    }

    pub(super) fn pop_redirection(&mut self) {
        match self.frames.pop() {
            Some(Frame::Out(target)) => {
                let out = self.captures.pop().unwrap_or_default();
                if let Target::File(path) = target {
                    let _ = self.host.fs().write(&path, &out);
                    self.file_marks.remove(&path);
                }
            }
            Some(Frame::Err(target)) => {
                if let (Some(ErrSink::Buffer { bytes, marks }), Target::File(path)) = (self.err_sinks.pop(), target) {
                    let _ = self.host.fs().write(&path, &bytes);
                    self.file_marks.insert(path, marks);
                }
            }
            None => {}
        }
    }

    /// Bytes for fd 2, wherever it goes now; `marks` tell which of them are trace lines.
    pub(super) fn write_stderr(&mut self, bytes: &[u8], marks: &[Mark]) {
        if bytes.is_empty() {
            return;
        }
        match self.err_sinks.last_mut() {
            None => self.io.stderr_marked(bytes, marks),
            Some(ErrSink::Discard) => {}
            Some(&mut ErrSink::Stdout(depth)) => self.write_stdout_at(depth, bytes),
            Some(ErrSink::Buffer { bytes: buf, marks: kept }) => {
                kept.extend(marks.iter().map(|&(at, len, p)| (buf.len() + at, len, p)));
                buf.extend_from_slice(bytes);
            }
        }
    }

    /// `cat FILE... [>&2]`: a file the script wrote through a redirection shows again, with the
    /// pipeline trace lines it holds still known as such. A missing file is cat's error, status 1.
    pub fn cat(&mut self, paths: &[Word], to_stderr: bool) -> Sh<i32> {
        let mut words: Vec<&[u8]> = vec![b"cat"];
        words.extend(paths.iter().map(Vec::as_slice));
        self.xtrace(&words);
        let mut status = 0;
        for path in paths {
            match self.host.fs().read(path) {
                Ok(data) => {
                    if to_stderr {
                        let marks = self.file_marks.get(path).cloned().unwrap_or_default();
                        self.write_stderr(&data, &marks);
                    } else {
                        self.write_stdout(&data);
                    }
                }
                Err(e) => {
                    let msg = [b"cat: ".as_slice(), path, b": ", e.as_bytes(), b"\n"].concat();
                    self.write_stderr(&msg, &[]);
                    status = 1;
                }
            }
        }
        self.finish(status)
    }
}
