//! The one trace model: what a subject writes on stderr under `sh -x`, as lines.
//!
//! The Rust spec emits it, the parser reads it back from any subject's bytes, the comparison and the
//! renderers take it. A line keeps its exact bytes; what kind of line it is and which pipeline wrote it
//! are annotations on top, known exactly when the spec emitted it and inferred when it was parsed.

mod parse;

pub use parse::parse_dash;

/// dash's default PS4, the prefix of every trace line.
pub const DEFAULT_PS4: &[u8] = b"+ ";

/// A whole trace: stderr of one run, split into lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    pub lines: Vec<Line>,
}

/// One line of stderr.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The bytes without the line's terminating newline.
    pub bytes: Vec<u8>,
    pub kind: Kind,
    /// False only for a last line that the subject left without a newline.
    pub eol: bool,
    /// Lines written by the elements of one pipeline share an id: their writers ran concurrently,
    /// so a real shell may interleave them.
    pub pipeline: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A line the shell wrote for `set -x`: PS4, then the command's words.
    Xtrace,
    /// Anything else on stderr: the script's own messages, a command's errors.
    Output,
}

impl Line {
    pub fn xtrace(bytes: Vec<u8>) -> Self {
        Line { bytes, kind: Kind::Xtrace, eol: true, pipeline: None }
    }
}

impl Trace {
    /// The exact bytes, as the subject wrote them.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.lines.iter().map(|l| l.bytes.len() + 1).sum());
        for line in &self.lines {
            out.extend_from_slice(&line.bytes);
            if line.eol {
                out.push(b'\n');
            }
        }
        out
    }

    /// Pipelines as inclusive 1-based line ranges, the form a case file keeps them in.
    pub fn pipeline_ranges(&self) -> Vec<(usize, usize)> {
        let mut ranges: Vec<(u32, usize, usize)> = Vec::new();
        for (i, line) in self.lines.iter().enumerate() {
            if let Some(id) = line.pipeline {
                match ranges.last_mut() {
                    Some(last) if last.0 == id => last.2 = i + 1,
                    _ => ranges.push((id, i + 1, i + 1)),
                }
            }
        }
        ranges.into_iter().map(|(_, a, b)| (a, b)).collect()
    }

    /// Marks the given 1-based inclusive line ranges as pipelines.
    pub fn set_pipeline_ranges(&mut self, ranges: &[(usize, usize)]) {
        for (n, &(a, b)) in ranges.iter().enumerate() {
            for line in self.lines.iter_mut().take(b).skip(a.saturating_sub(1)) {
                line.pipeline = Some(n as u32);
            }
        }
    }
}

/// Text with control bytes and invalid UTF-8 escaped.
pub fn visible(bytes: &[u8]) -> String {
    let mut s = String::new();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\t' => s.push('\t'),
                c if c.is_control() => s.push_str(&format!("\\x{:02x}", c as u32)),
                c => s.push(c),
            }
        }
        for b in chunk.invalid() {
            s.push_str(&format!("\\x{b:02x}"));
        }
    }
    s
}
