//! A POSIX shell script's text, read as source: its lines, the commands on them, its functions, and
//! the mutants of it. A leaf module: it imports nothing of the crate.
//!
//! # Reading
//!
//! A small hand-rolled lexer (no crate reads POSIX sh closely enough) splits the text into words,
//! operators, redirections and newlines, skipping quotes, `\` escapes, `$(…)`, `$((…))`, `${…}`,
//! backquotes, `#` comments (only where a word starts) and here-document bodies. A shallow parser
//! then keeps a stack of open compound commands (`{`, `(`, `if`, loops, `case`) to tell reserved
//! words, case patterns and function definitions from commands. A command's [`Span`] runs from its
//! first token to its last, here-document bodies included, so it covers backslash continuations,
//! multi-line quotes and `$(…)` spanning lines. Commands inside `$(…)` are part of the outer
//! command's span, not spans of their own: the shells name lines inside it for them, and those lines
//! then map to the command that holds the substitution. Commands joined by `|`, `&&` or `||` are
//! separate simple commands (the shell traces each, at its own line), so each has its own span;
//! several commands may share a line (see [`Source::spans_at`]). Text that runs commands without
//! being a simple command is a span too, since the shell traces what it runs at those lines: a
//! `for` or `case` head's word holding `$(…)` or backquotes, and the body of a compound command's
//! here-document (`done <<EOF`) that holds them.
//!
//! Not read: a `)` closing a case pattern inside `$(…)` ends the substitution early; aliases; the
//! `function` keyword and other non-POSIX syntax.
//!
//! # Mutants
//!
//! One change per mutant, each to one simple command (or one `&&`/`||`): see [`Operator`]. A command
//! removed becomes `:` and keeps its line count (continued with `\` over the lines it held), so line
//! numbers after it do not move. `exit` and `return` are removed like any command: a script that
//! runs on past where it should have stopped is a change a test should see. Not mutated: comments, blank lines, the shebang, here-document
//! bodies (nor commands carrying one), redirections of compound commands (`done >file`), input
//! redirections, numbers inside `$((…))`, and text inside `$(…)`.
//!
//! # Equivalent mutants
//!
//! `equivalent` says why no behaviour (output, files, commands run, exit status; the `-x` trace
//! aside, where every change shows) can differ, in two cases the tool can see:
//! - the change lies in a function that no word outside it names (dead code). A function reached
//!   only through a name built at run time (`"$cmd"`, `eval`) or named inside a here-document is
//!   taken as dead too: the tool cannot see such calls;
//! - the line differs only in what the shell discards: `true` (or `:` with literal arguments)
//!   replaced by `:`, a string argument of `:`, a dup or `/dev/null` redirection dropped from a
//!   builtin that writes nothing there (`:`, `true`, `false` on any descriptor; `[`, `test`, `read`,
//!   `shift`, `exit`, `return` on standard output). A script that defines a function of one of
//!   those names gets no such claim for it.
//!
//! A command removed takes its leading assignments with it (`X=1 cmd` → `:`): kept before `:`, a
//! special builtin, they would outlive the command and change more than the removal.
//!
//! What it cannot tell: mutants whose difference no input reaches (a condition always true in
//! practice), or that only change timing, and mutants that make a loop run forever.

mod lex;
mod mutate;
#[cfg(test)]
mod samples;
#[cfg(test)]
mod tests;

pub use mutate::mutants;

/// A script's text read as source.
pub struct Source {
    text: String,
    /// Each line's starting byte.
    starts: Vec<usize>,
    functions: Vec<Function>,
    spans: Vec<Span>,
    parsed: lex::Parsed,
}

/// A function definition: 1-based, inclusive, from `name() {` to its closing `}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Function {
    pub name: String,
    pub start: usize,
    pub end: usize,
}

/// The lines of one command: 1-based, inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn contains(&self, line: usize) -> bool {
        self.start <= line && line <= self.end
    }
}

impl Source {
    /// Reads any text; never panics.
    pub fn parse(text: &str) -> Source {
        let text = text.to_string();
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        if text.ends_with('\n') {
            starts.pop();
        }
        if text.is_empty() {
            starts.clear();
        }
        let parsed = lex::parse(&text, &starts);
        let functions = parsed
            .functions
            .iter()
            .map(|(name, start, end)| Function { name: name.clone(), start: *start, end: *end })
            .collect();
        let spans = parsed.commands.iter().map(|c| Span { start: c.first_line, end: c.last_line }).collect();
        Source { text, starts, functions, spans, parsed }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Line `n` (1-based) without its newline; empty when out of range.
    pub fn line(&self, n: usize) -> &str {
        if n == 0 || n > self.starts.len() {
            return "";
        }
        &self.text[self.starts[n - 1]..self.line_end(n)]
    }

    /// The byte where line `n` (1-based, in range) ends, before its newline.
    fn line_end(&self, n: usize) -> usize {
        self.starts.get(n).map_or(self.text.strip_suffix('\n').unwrap_or(&self.text).len(), |&s| s - 1)
    }

    /// The functions, in source order.
    pub fn functions(&self) -> &[Function] {
        &self.functions
    }

    /// The innermost function whose lines hold `line`.
    pub fn function_at(&self, line: usize) -> Option<&Function> {
        self.functions.iter().filter(|f| f.start <= line && line <= f.end).max_by_key(|f| f.start)
    }

    /// Every simple command (or assignment-only command) a shell would trace, in source order, and
    /// the `for`/`case` heads and here-document bodies that run commands (see the module doc).
    pub fn commands(&self) -> &[Span] {
        &self.spans
    }

    /// The command whose lines hold `line`: of several, the one that starts last (the innermost
    /// reading of the line), then the first in source order.
    pub fn span_at(&self, line: usize) -> Option<Span> {
        self.spans.iter().filter(|s| s.contains(line)).fold(None, |best: Option<Span>, s| match best {
            Some(b) if b.start >= s.start => Some(b),
            _ => Some(*s),
        })
    }

    /// Every command whose lines hold `line`, in source order (`a | b` on one line gives two).
    pub fn spans_at(&self, line: usize) -> Vec<Span> {
        self.spans.iter().filter(|s| s.contains(line)).copied().collect()
    }

    /// Whether some command starts on `line`.
    pub fn is_executable(&self, line: usize) -> bool {
        self.spans.iter().any(|s| s.start == line)
    }

    /// The text as read.
    pub fn text(&self) -> &str {
        &self.text
    }

    fn line_of(&self, byte: usize) -> usize {
        lex::line_of(&self.starts, byte)
    }
}

/// What a mutant changes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operator {
    /// A simple command replaced by `:`.
    StatementRemoved,
    /// In `[`/`test`: `-eq`↔`-ne`, `-lt`↔`-ge`, `-gt`↔`-le`, `=`↔`!=`, `-z`↔`-n`; or a `!` dropped
    /// (before a pipeline, or negating a `[` expression).
    ComparisonFlipped,
    /// An option word (`-x`, `--flag`, `--flag=value`) of a command dropped; not of `[`/`test`, the
    /// shell's special builtins, or the script's own functions.
    OptionAltered,
    /// A whole-word integer (or an assignment's integer value) n → n+1.
    NumberChanged,
    /// A quoted string with literal text gets `_X` after its opening quote; `""` becomes `"x"`.
    StringAltered,
    /// An output redirection (`>file`, `>>file`, `2>&1`, `>&2`, `2>/dev/null`) removed.
    RedirectionDropped,
    /// One `&&` ↔ `||`.
    AndOrSwapped,
}

impl Operator {
    pub const ALL: [Operator; 7] = [
        Operator::StatementRemoved,
        Operator::ComparisonFlipped,
        Operator::OptionAltered,
        Operator::NumberChanged,
        Operator::StringAltered,
        Operator::RedirectionDropped,
        Operator::AndOrSwapped,
    ];

    pub fn name(&self) -> &'static str {
        match self {
            Operator::StatementRemoved => "statement removed",
            Operator::ComparisonFlipped => "comparison flipped",
            Operator::OptionAltered => "option altered",
            Operator::NumberChanged => "number changed",
            Operator::StringAltered => "string altered",
            Operator::RedirectionDropped => "redirection dropped",
            Operator::AndOrSwapped => "and/or swapped",
        }
    }
}

/// One change to a script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mutant {
    /// The first line changed (1-based).
    pub line: usize,
    pub operator: Operator,
    /// The original text of the lines changed: one line, or (a multi-line command removed) several
    /// joined by `\n`.
    pub before: String,
    /// `before` as mutated, with as many lines.
    pub after: String,
    /// The innermost function holding the line.
    pub function: Option<String>,
    /// Why no behaviour can differ, when the tool can tell (see the module doc).
    pub equivalent: Option<String>,
}

impl Mutant {
    /// The last line changed.
    pub fn end(&self) -> usize {
        self.line + self.before.matches('\n').count()
    }

    /// The whole of `text` with this one change: lines `line..=end()` replaced by `after`.
    pub fn apply(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + self.after.len());
        let (first, last) = (self.line, self.end());
        let mut replaced = false;
        for (i, piece) in text.split_inclusive('\n').enumerate() {
            let n = i + 1;
            if n < first || n > last {
                out.push_str(piece);
                continue;
            }
            if !replaced {
                out.push_str(&self.after);
                replaced = true;
            }
            if n == last && piece.ends_with('\n') {
                out.push('\n');
            }
        }
        out
    }
}
