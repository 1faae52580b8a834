//! The one trace model: what a subject writes on stderr under `sh -x`, as lines.
//!
//! The Rust spec emits it, the parser reads it back from any subject's bytes, the comparison and the
//! renderers take it. A line keeps its exact bytes; what kind of line it is and which pipeline wrote it
//! are annotations on top, known exactly when the spec emitted it and inferred when it was parsed.
//!
//! dash, busybox ash and bash traces all parse into this model ([`parse`]); ash and bash quote their
//! words, so their lines also carry the words, and [`dash_form`] maps them onto what dash would print.

use std::fmt;
use std::ops::Range;

pub mod numbered;
mod parse;
mod words;
mod writers;

pub use parse::{parse, parse_dash};
pub use writers::untangle;

/// Where a writer of a bash pipeline stands after a physical line that left a `'…'` open: its
/// next physical line goes on inside that quote.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BashQuote;

/// A physical line of a bash trace as dash would have written it, read from where its writer
/// stood (`None`: at the start of a trace line): one level of PS4 for bash's nesting marks, quotes
/// taken off. With where the writer then stands (`None`: its line is done); `None` when the line
/// does not read so.
pub fn bash_physical_dash_form(line: &[u8], at: Option<BashQuote>, ps4: &[u8]) -> Option<(Vec<u8>, Option<BashQuote>)> {
    let (prefix, body) = match at {
        Some(_) => (Vec::new(), line),
        None => {
            let (_, at) = parse::bash_prefix(line, ps4)?;
            (ps4.to_vec(), &line[at + ps4.len()..])
        }
    };
    let (text, quoted) = words::unquote_bash_physical(body, at.is_some())?;
    Some(([prefix, text].concat(), quoted.then_some(BashQuote)))
}

/// Whether a physical bash line is the head of a compound command, which dash never writes.
pub fn is_bash_only(line: &[u8], ps4: &[u8]) -> bool {
    parse::bash_prefix(line, ps4).is_some_and(|(_, at)| parse::bash_only(&line[at + ps4.len()..]))
}

/// dash's default PS4, the prefix of every trace line.
pub const DEFAULT_PS4: &[u8] = b"+ ";

/// A whole trace: stderr of one run, split into lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    pub lines: Vec<Line>,
    /// The shell that wrote the lines: where pipeline elements' writes interleave, ash's and
    /// bash's quoted words are read back region by region (see [`Trace::dash_view_in`]).
    pub dialect: Dialect,
}

/// The shell that wrote a trace: each writes `set -x` lines its own way (the variants say how).
/// Worlds and case files name it as [`Dialect::name`] does; ordered as case files list their
/// variants: ash before bash.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// dash: PS4 and the raw words, no quoting.
    #[default]
    Dash,
    /// busybox ash: words single-quoted unless every byte is safe, no nesting marker.
    Ash,
    /// bash: words quoted (`'…'`, `$'…'`, `\'`), PS4's first character repeated once per nesting level.
    /// bash run as root ignores PS4 from the environment (measured: it printed `+ `); set it in the script.
    Bash,
}

impl Dialect {
    /// Every dialect, in order.
    pub const ALL: [Dialect; 3] = [Dialect::Dash, Dialect::Ash, Dialect::Bash];

    /// The name files and flags use: `dash`, `ash` (busybox ash), `bash` (bash as sh).
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Dash => "dash",
            Dialect::Ash => "ash",
            Dialect::Bash => "bash",
        }
    }

    /// The dialect of a name as [`Dialect::name`] gives it.
    pub fn from_name(name: &str) -> Option<Dialect> {
        Dialect::ALL.into_iter().find(|d| d.name() == name)
    }
}

/// One word of a trace line as `dialect` writes it: dash raw, ash and bash quoted their own ways
/// (the inverse of what [`parse`] reads). `value_of` marks an assignment's value, the bytes after
/// `NAME=`; `utf8` whether bash's locale prints valid UTF-8 as it is.
pub fn xtrace_word(word: &[u8], dialect: Dialect, value_of: bool, utf8: bool) -> std::borrow::Cow<'_, [u8]> {
    match dialect {
        Dialect::Dash => std::borrow::Cow::Borrowed(word),
        Dialect::Ash => words::quote(word, words::Quoting::Ash, value_of, utf8),
        Dialect::Bash => words::quote(word, words::Quoting::Bash, value_of, utf8),
    }
}

/// [`xtrace_word`], written at the end of `line`.
pub fn push_xtrace_word(line: &mut Vec<u8>, word: &[u8], dialect: Dialect, value_of: bool, utf8: bool) {
    let quoted = match dialect {
        Dialect::Dash => false,
        Dialect::Ash => words::quote_into(line, word, words::Quoting::Ash, value_of, utf8),
        Dialect::Bash => words::quote_into(line, word, words::Quoting::Bash, value_of, utf8),
    };
    if !quoted {
        line.extend_from_slice(word);
    }
}

/// One line of stderr.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The bytes without the line's terminating newline. An ash or bash trace line whose quoted word
    /// holds a newline spans several physical lines: the inner newlines are kept here.
    pub bytes: Vec<u8>,
    pub kind: Kind,
    /// False only for a last line that the subject left without a newline.
    pub eol: bool,
    /// The pipeline whose element wrote this line, and which element: the elements of one
    /// pipeline run concurrently, so a real shell may interleave their lines.
    pub pipeline: Option<(u32, u32)>,
    /// Nesting level of a trace line: 1 at top level, more inside bash's `$(…)`, `eval`, `.`
    /// (dash and ash do not show nesting, so theirs are always 1); 0 for a line that is not a trace line.
    pub depth: u32,
    /// Where one level of PS4 sits in `bytes`: after bash's repeated nesting characters, so
    /// `bytes[ps4.end..]` are the command's words as printed. `0..0` when unknown or not a trace line.
    pub ps4: Range<usize>,
    /// The command's words, unquoted, for an ash or bash [`Kind::Xtrace`] line. `None` for dash, whose
    /// lines cannot be split back into words (a word may hold spaces), and for every other kind.
    pub words: Option<Vec<Vec<u8>>>,
}

impl Line {
    /// A line as read from its bytes alone: no pipeline, nesting, PS4 or words.
    pub fn plain(bytes: Vec<u8>, kind: Kind, eol: bool) -> Line {
        Line { bytes, kind, eol, pipeline: None, depth: 0, ps4: 0..0, words: None }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A line the shell wrote for `set -x`: PS4, then the command's words.
    Xtrace,
    /// Anything else on stderr: the script's own messages, a command's errors.
    Output,
    /// A bash trace line dash has no counterpart for: the head of a `for`, `case` or `select`, a
    /// `[[ … ]]` or `(( … ))`, an array assignment `a=(…)`. bash prints these as source-like text,
    /// not as quoted words, so their words are not read, and each is taken as one physical line: a
    /// newline in that text (`for k in "a⏎b"`) leaves the rest (`b"`) as an [`Kind::Output`] line.
    BashOnly,
    /// An ash or bash line that starts with PS4 but does not read as the dialect's trace line (a quote
    /// left open, an escape or a byte the shell never writes there): kept as it came, with why.
    Unparsed(ParseError),
}

/// Why a trace line did not parse, and where: `at` is a byte offset into [`Line::bytes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub reason: Reason,
    pub at: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// A quote opened on this line and closed nowhere after it that gives a whole trace line.
    UnterminatedQuote,
    /// A `$'…'` escape bash never writes (`\q`, `\u…`, an octal value over `\377`).
    BadEscape,
    /// A byte the shell would have quoted, here unquoted (a double space in bash, a `*` in ash).
    Unexpected(u8),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason {
            Reason::UnterminatedQuote => write!(f, "quote at byte {} is never closed", self.at),
            Reason::BadEscape => write!(f, "escape at byte {} is not one the shell writes", self.at),
            Reason::Unexpected(b) => {
                write!(f, "byte {:?} at {} would have been quoted", char::from(b), self.at)
            }
        }
    }
}

impl Line {
    pub fn xtrace(bytes: Vec<u8>) -> Self {
        Line { bytes, kind: Kind::Xtrace, eol: true, pipeline: None, depth: 1, ps4: 0..0, words: None }
    }

    /// See [`dash_form`].
    pub fn dash_form(&self) -> Option<Vec<u8>> {
        dash_form(self)
    }
}

/// A trace line as dash would have printed it, to hold an ash or bash trace against a dash golden:
/// one level of PS4, then the unquoted words joined by single spaces (no newline). A dash line
/// comes back as it is. `None` for lines that are not [`Kind::Xtrace`].
///
/// What this cannot map, measured with dash 0.5.12, bash 5.2.15, busybox 1.35:
/// - bash prints `A=1 B='x y' cmd arg` as three lines (`+ A=1`, `+ B='x y'`, `+ cmd arg`) where dash
///   prints one; it repeats a declaration builtin's assignment (`+ export E=2` then `+ E=2`); it traces
///   `$(…)` in another order (dash: arguments, redirections, assignments, then the line; bash:
///   arguments, assignments, the assignment lines, the command, then redirections); it prints nothing
///   for a command without words (`>file`), where dash prints bare PS4. Each line's dash form is exact;
///   the sequence of lines is not dash's.
/// - bash's nesting depth is dropped (dash shows none); [`Kind::BashOnly`] lines have no dash form.
/// - A word holding a newline gives a dash form with that newline in it; [`parse_dash`] splits such a
///   dash line in two, so compare joined bytes there.
/// - ash writes an empty word as nothing between its single-space separators (`+ echo 'a b'  x`), so
///   empty words are read back exactly, save one case: a command whose only word is empty and a command
///   with no words both print bare PS4 (read as no words). dash prints bare PS4 for both as well.
pub fn dash_form(line: &Line) -> Option<Vec<u8>> {
    if line.kind != Kind::Xtrace {
        return None;
    }
    let ps4 = line.bytes.get(line.ps4.clone()).unwrap_or_default();
    match &line.words {
        Some(words) => {
            let mut out = ps4.to_vec();
            for (i, word) in words.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                out.extend_from_slice(word);
            }
            Some(out)
        }
        // dash's own line: drop nothing but nesting characters, which dash never writes anyway.
        None => Some(line.bytes.get(line.ps4.start..).unwrap_or_default().to_vec()),
    }
}

/// Bytes with every ash-quoted piece (`'…'`, and `"'"` between two of them) replaced by what it
/// quotes.
fn unquote_pieces(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => match bytes[i + 1..].iter().position(|&b| b == b'\'') {
                Some(len) => {
                    out.extend_from_slice(&bytes[i + 1..i + 1 + len]);
                    i += len + 2;
                }
                None => {
                    out.push(b'\'');
                    i += 1;
                }
            },
            b'"' if bytes[i..].starts_with(b"\"'\"") => {
                out.push(b'\'');
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

impl Trace {
    /// The trace as dash would have written it: ash and bash trace lines in their [`dash_form`],
    /// lines dash has no counterpart for left out, everything else as it came. For a dash trace,
    /// exactly [`Trace::to_bytes`].
    pub fn dash_view(&self) -> Vec<u8> {
        self.dash_view_in(&[])
    }

    /// [`Trace::dash_view`], where the lines of `regions` (1-based, inclusive: where pipelines wrote)
    /// may be the writes of several elements run together. ash writes a line in pieces as dash does
    /// (PS4, each word with its space, the newline), a quoted word in one piece, newlines in it
    /// included, so such a region unquotes piece by piece where it stands. bash writes a line at a
    /// time, cut at the newlines inside its words, so a region's physical lines may hold half a
    /// quote: it is kept as it came, for the comparison to read against each writer's lines.
    pub fn dash_view_in(&self, regions: &[(usize, usize)]) -> Vec<u8> {
        let mut out = Vec::new();
        // Regions count the lines of the dash form: quoting keeps the newlines of the words.
        let mut physical = 1;
        let ps4 = self
            .lines
            .iter()
            .find(|l| l.kind == Kind::Xtrace && !l.ps4.is_empty())
            .and_then(|l| l.bytes.get(l.ps4.clone()))
            .unwrap_or(DEFAULT_PS4)
            .to_vec();
        let mut lines = std::borrow::Cow::Borrowed(self.lines.as_slice());
        let mut i = 0;
        while i < lines.len() {
            let start = out.len();
            let region = regions
                .iter()
                .find(|&&(a, _)| a == physical)
                .filter(|_| self.dialect != Dialect::Dash && lines[i].kind != Kind::BashOnly);
            if let Some(&(a, b)) = region {
                // The region's physical lines, from the bytes as written: a line read before may
                // have run past the region's end (a quote another writer's line seemed to open).
                let rest: Vec<u8> = Trace { lines: lines[i..].to_vec(), dialect: self.dialect }.to_bytes();
                let mut taken = 0;
                let mut raw = Vec::new();
                let mut cut = 0;
                for p in rest.split_inclusive(|&c| c == b'\n') {
                    if taken > b - a {
                        break;
                    }
                    cut += p.len();
                    // A whole line of bash's own (a loop's head), which dash never writes.
                    if self.dialect == Dialect::Bash && is_bash_only(p.strip_suffix(b"\n").unwrap_or(p), &ps4) {
                        continue;
                    }
                    raw.extend_from_slice(p);
                    taken += 1;
                }
                match self.dialect {
                    // Read back against the writers' lines by the comparison (`compare::interleave`).
                    Dialect::Bash => out.extend_from_slice(&raw),
                    _ => out.extend_from_slice(&unquote_pieces(&raw)),
                }
                lines = std::borrow::Cow::Owned(parse(&rest[cut..], self.dialect, &ps4).lines);
                i = 0;
            } else {
                let line = &lines[i];
                i += 1;
                match line.kind {
                    Kind::BashOnly => continue,
                    Kind::Xtrace if line.words.is_some() => out.extend_from_slice(&dash_form(line).unwrap_or_default()),
                    _ => out.extend_from_slice(&line.bytes),
                }
                if line.eol {
                    out.push(b'\n');
                }
            }
            physical += out[start..].iter().filter(|&&b| b == b'\n').count();
        }
        out
    }

    /// The trace in dash's form, as goldens hold it: each ash or bash trace line as its
    /// [`dash_form`], lines dash has no counterpart for left out, and a line whose words hold
    /// newlines cut into the lines dash's reader sees, each keeping its pipeline; a dash trace
    /// comes back as it is.
    pub fn to_dash(&self) -> Trace {
        if !self.lines.iter().any(|l| l.words.is_some() || l.kind == Kind::BashOnly) {
            return self.clone();
        }
        let mut lines = Vec::with_capacity(self.lines.len());
        for line in &self.lines {
            match line.kind {
                Kind::BashOnly => continue,
                Kind::Xtrace if line.words.is_some() => {
                    let bytes = dash_form(line).unwrap_or_default();
                    let ps4 = line.bytes.get(line.ps4.clone()).unwrap_or_default();
                    let mut dash = parse_dash(&bytes, ps4);
                    let last = dash.lines.len().saturating_sub(1);
                    for (k, mut l) in dash.lines.drain(..).enumerate() {
                        l.pipeline = line.pipeline;
                        l.eol = k < last || line.eol;
                        lines.push(l);
                    }
                }
                _ => lines.push(Line { words: None, depth: line.depth.min(1), ..line.clone() }),
            }
        }
        Trace { lines, dialect: Dialect::Dash }
    }

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

    /// The pipelines, in the form a case file keeps them.
    pub fn pipeline_ranges(&self) -> Vec<Pipeline> {
        let mut out: Vec<(u32, Pipeline)> = Vec::new();
        let mut last_writer = None;
        for (i, line) in self.lines.iter().enumerate() {
            let Some((id, writer)) = line.pipeline else { continue };
            match out.last_mut() {
                Some((last, p)) if *last == id => {
                    if last_writer != Some(writer) {
                        p.writers.push(i + 1);
                    }
                    p.end = i + 1;
                }
                _ => out.push((id, Pipeline { writers: vec![i + 1], end: i + 1 })),
            }
            last_writer = Some(writer);
        }
        out.into_iter().map(|(_, p)| p).collect()
    }
}

/// The lines one pipeline's elements wrote: each element (writer) wrote the lines from its start to
/// the next one's, the last up to `end` (1-based, inclusive).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pipeline {
    pub writers: Vec<usize>,
    pub end: usize,
}

impl Pipeline {
    /// As a case file writes it: `[first, last]` when each element wrote one line, else the
    /// elements' first lines and then the last line.
    pub fn to_list(&self) -> Vec<usize> {
        let first = self.writers.first().copied().unwrap_or(self.end);
        if self.writers.iter().copied().eq(first..=self.end) {
            return vec![first, self.end];
        }
        let mut list = self.writers.clone();
        list.push(self.end);
        list
    }

    /// Reads the case file's form; `None` unless the numbers are 1-based and increasing.
    pub fn from_list(list: &[usize]) -> Option<Pipeline> {
        // The elements' first lines rise strictly; the last may also be the pipeline's last line.
        let (writers, end) = (&list[..list.len().saturating_sub(1)], *list.last()?);
        let ok = list.len() >= 2
            && list[0] >= 1
            && writers.windows(2).all(|w| w[0] < w[1])
            && writers.last().is_some_and(|&w| w <= end);
        if !ok {
            return None;
        }
        Some(match list {
            [a, b] => Pipeline { writers: (*a..=*b).collect(), end: *b },
            _ => Pipeline { writers: list[..list.len() - 1].to_vec(), end: list[list.len() - 1] },
        })
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
