//! The shell-semantics layer: the one place where the spec's "execution" of shell constructs happens.
//!
//! The spec of a script is written as Rust calls on [`Shell`], one per shell construct, and this layer
//! does what the shell would do for it: writes the `set -x` line (`PS4`, the words joined by single
//! spaces, a newline), expands and splits words, runs builtins, modeled utilities and external
//! commands, captures command substitutions, runs pipelines, keeps `$?`, positional parameters and
//! variables, and applies `set -e`. The shell is dash unless [`Shell::set_dialect`] says busybox ash
//! or bash; where they differ, [`dialect`] says how, once. Nothing here knows weave.
//!
//! `exit`, a `set -e` failure and `return` unwind as `Err(Unwind::…)`, so spec code propagates them
//! with `?`; a function call stops a `return`, a subshell stops both.

mod builtins;
mod dialect;
mod expand;
mod io;
mod redirect;

pub use crate::trace::Dialect;
pub use dialect::echo_output;
pub use expand::{is_name, literal_pattern};
pub use io::{Command, Fs, Host, Io, Outcome, Shape};
use redirect::{ErrSink, Frame};
pub use redirect::{Mark, Target};

use std::collections::HashMap;

/// A word or a value: shell strings are bytes.
pub type Word = Vec<u8>;

/// Control leaving the normal flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unwind {
    /// The script (or the subshell) ends with this status: `exit N`, or `set -e` on a failure.
    Exit(i32),
    /// The current function returns this status: `return N`.
    Return(i32),
}

/// What a construct evaluates to: a value, or control leaving.
pub type Sh<T> = Result<T, Unwind>;

/// What a modeled utility (sed, grep, ...) does with its standard input.
pub type Utility = fn(args: &[Word], stdin: &[u8]) -> UtilityOutput;

/// A modeled utility's answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UtilityOutput {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub status: i32,
}

/// One element of a pipeline.
pub enum Stage {
    /// An external command, run through the host (and so through the fakes on PATH).
    External { line: u32, argv: Vec<Word> },
    /// A host utility the spec models in-process: it has no world to consult, so its semantics are
    /// a pure function of its arguments and input.
    Utility { argv: Vec<Word>, run: Utility },
    /// The `echo` builtin.
    Echo { args: Vec<Word> },
    /// A `{ ...; }` group of shell code, or a shell function called as a pipeline element (with its
    /// redirections, e.g. `f 2>&1 | sed`), run as the subshell a pipeline element is, reading the
    /// previous element's output (with [`Shell::read`]).
    Group(Group),
}

/// The shell code of a `{ ...; }` pipeline element.
pub type Group = Box<dyn FnOnce(&mut Shell) -> Sh<()>>;

#[derive(Clone, Debug)]
struct Var {
    value: Word,
    exported: bool,
}

/// The state of one running script.
pub struct Shell<'a> {
    host: &'a mut dyn Host,
    io: &'a mut dyn Io,
    /// `$0`: the name the script was started under; dash prefixes its own error messages with it.
    arg0: Word,
    vars: HashMap<Word, Var>,
    params: Vec<Word>,
    ps4: Word,
    errexit: bool,
    /// Above zero inside an `if`/`while` condition, the left side of `&&`/`||`, or after `!`,
    /// where `set -e` does not apply.
    cond_depth: u32,
    /// `$?`.
    status: i32,
    /// Command substitutions being captured, innermost last.
    captures: Vec<Vec<u8>>,
    /// What a group in a pipeline reads from: the previous element's output, innermost last.
    stdin: Vec<Vec<u8>>,
    /// While a subshell runs: each variable's value before the subshell first changed it, so the
    /// parent's can be put back without copying all variables up front.
    undo: Vec<(Word, Option<Var>)>,
    next_pipeline: u32,
    /// The pipeline element whose trace lines are being written, if any.
    writer: Option<(u32, u32)>,
    /// The directory relative patterns are matched in (the process's own by default).
    cwd: std::path::PathBuf,
    /// Names `/` holds beyond the host's own (a container's mount points), for pathname expansion.
    root_extras: Vec<Word>,
    /// Where fd 2 goes while redirections are in force, innermost last; empty: the shell's stderr.
    err_sinks: Vec<ErrSink>,
    /// Redirections in force, innermost last, to undo when their command ends.
    frames: Vec<Frame>,
    /// Redirections of the command about to run: they take effect right after its trace line,
    /// which dash writes before redirecting.
    armed: Option<(Target, Target)>,
    /// Subshells running (substitutions, pipeline groups): assignments are undone when they end.
    subshells: u32,
    /// The trace lines a redirection wrote into a file, by path: when the file is shown again
    /// (`cat FILE >&2`), they are still known as trace lines, and as their pipeline's.
    file_marks: HashMap<Word, Vec<Mark>>,
    /// Set by `break` until the innermost loop sees it (the loop body returns right after it).
    breaking: bool,
    /// The shell whose behaviour this is (dash by default): its trace, `echo` and messages.
    dialect: Dialect,
    /// Whether the locale prints UTF-8 (bash quotes such bytes in its trace otherwise).
    utf8: bool,
    /// Command substitutions open: bash marks their trace lines with one more PS4 character each.
    subst_depth: u32,
}

impl<'a> Shell<'a> {
    /// A shell started with `env` as its environment and `args` as `$1...`.
    pub fn new(
        host: &'a mut dyn Host,
        io: &'a mut dyn Io,
        arg0: Word,
        env: impl IntoIterator<Item = (Word, Word)>,
        args: Vec<Word>,
    ) -> Self {
        let mut vars = HashMap::new();
        for (name, value) in env {
            // dash resets IFS at start-up and never imports it.
            if expand::is_name(&name) && name != b"IFS" {
                vars.insert(name, Var { value, exported: true });
            }
        }
        let utf8 = ["LC_ALL", "LC_CTYPE", "LANG"]
            .iter()
            .find_map(|k| vars.get(k.as_bytes()).filter(|v| !v.value.is_empty()))
            .is_some_and(|v| dialect::names_utf8(&v.value));
        let ps4 = vars.get(b"PS4".as_slice()).map_or_else(|| crate::trace::DEFAULT_PS4.to_vec(), |v| v.value.clone());
        Shell {
            host,
            io,
            arg0,
            vars,
            params: args,
            ps4,
            errexit: false,
            cond_depth: 0,
            status: 0,
            captures: Vec::new(),
            stdin: Vec::new(),
            undo: Vec::new(),
            next_pipeline: 0,
            writer: None,
            cwd: std::path::PathBuf::from("."),
            root_extras: Vec::new(),
            err_sinks: Vec::new(),
            frames: Vec::new(),
            armed: None,
            subshells: 0,
            file_marks: HashMap::new(),
            breaking: false,
            dialect: Dialect::Dash,
            utf8,
            subst_depth: 0,
        }
    }

    /// Makes this shell behave as `dialect` does (dash until then).
    pub fn set_dialect(&mut self, dialect: Dialect) {
        self.dialect = dialect;
    }

    /// The shell this one behaves as.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Sets the working directory pathname expansion looks in (an in-process run has none of its
    /// own).
    pub fn set_cwd(&mut self, dir: std::path::PathBuf) {
        self.cwd = dir;
    }

    /// Sets the names `/` holds beyond the host's: a container's own mount points, which a
    /// pattern matches there.
    pub fn set_root_extras(&mut self, names: Vec<Word>) {
        self.root_extras = names;
    }

    // ---- expansions -------------------------------------------------------------------------

    /// `"$NAME"`: the value, empty when unset.
    pub fn var(&self, name: &str) -> Word {
        self.vars.get(name.as_bytes()).map(|v| v.value.clone()).unwrap_or_default()
    }

    /// `${NAME:-default}`.
    pub fn var_or(&self, name: &str, default: &[u8]) -> Word {
        match self.vars.get(name.as_bytes()) {
            Some(v) if !v.value.is_empty() => v.value.clone(),
            _ => default.to_vec(),
        }
    }

    /// `"$N"`, 1-based.
    pub fn arg(&self, n: usize) -> Word {
        self.params.get(n - 1).cloned().unwrap_or_default()
    }

    /// `"$@"`.
    pub fn args(&self) -> Vec<Word> {
        self.params.clone()
    }

    /// `$#`.
    pub fn argc(&self) -> usize {
        self.params.len()
    }

    /// `$?`.
    pub fn status(&self) -> i32 {
        self.status
    }

    /// An unquoted expansion (`$NAME` outside quotes): split on IFS, empty fields dropped, then
    /// pathname expansion of every field that holds a pattern.
    pub fn split(&self, value: &[u8]) -> Vec<Word> {
        expand::split_and_glob(value, &self.cwd, &self.root_extras)
    }

    /// `$((NAME + n))`-style arithmetic on a variable: its value as a number.
    pub fn arith_var(&mut self, line: u32, name: &str) -> Sh<i64> {
        let value = self.var(name);
        match expand::parse_number(&value) {
            Some(n) => Ok(n),
            None => {
                // weave's arithmetic is on its own counters: dash's error in every dialect.
                self.report(line, &dialect::ShellError::ArithNotNumber(&value));
                Err(Unwind::Exit(2))
            }
        }
    }

    // ---- simple commands --------------------------------------------------------------------

    /// Writes one `set -x` line for these words (a command's: none is an assignment).
    pub fn xtrace(&mut self, words: &[&[u8]]) {
        self.xtrace_with(0, words)
    }

    /// Writes one `set -x` line whose first `assignments` words are `NAME=value`, in the dialect's
    /// form: its quoting, and in bash a mark for each substitution the line is in.
    fn xtrace_with(&mut self, assignments: usize, words: &[&[u8]]) {
        // Room for the words, their separators and a pair of quotes each: one allocation.
        let room = words.iter().map(|w| w.len() + 3).sum();
        let (mut line, ps4_at) = self.line_start(room);
        for (i, w) in words.iter().enumerate() {
            if i > 0 {
                line.push(b' ');
            }
            dialect::push_word(&mut line, self.dialect, w, i < assignments, self.utf8);
        }
        let quoted = self.dialect != Dialect::Dash;
        let shape = Shape {
            depth: self.trace_depth(),
            ps4: ps4_at..ps4_at + self.ps4.len(),
            words: quoted.then_some(words),
            head: false,
        };
        self.emit_trace_line(line, shape);
    }

    /// A line the shell writes for a compound command's head (bash's `+ for k in $V`, `+ case $x
    /// in`): `text` as the source has it. dash and ash write none.
    fn xtrace_head(&mut self, text: &[u8]) {
        if self.dialect == Dialect::Bash {
            let (mut line, ps4_at) = self.line_start(text.len());
            line.extend_from_slice(text);
            let shape =
                Shape { depth: self.trace_depth(), ps4: ps4_at..ps4_at + self.ps4.len(), words: None, head: true };
            self.emit_trace_line(line, shape);
        }
    }

    /// A trace line's nesting level as a reader finds it: only bash shows it.
    fn trace_depth(&self) -> u32 {
        if self.dialect == Dialect::Bash {
            self.subst_depth + 1
        } else {
            1
        }
    }

    /// What a trace line starts with: PS4, after bash's marks of the substitutions it is in, with
    /// `room` for the rest; and where PS4 starts.
    fn line_start(&self, room: usize) -> (Word, usize) {
        let marks = if self.dialect == Dialect::Bash { self.subst_depth as usize } else { 0 };
        let mut line = Word::with_capacity(marks + self.ps4.len() + room);
        dialect::push_nesting(&mut line, self.dialect, &self.ps4, self.subst_depth);
        let ps4_at = line.len();
        line.extend_from_slice(&self.ps4);
        (line, ps4_at)
    }

    fn emit_trace_line(&mut self, mut line: Word, shape: Shape<'_>) {
        if self.err_sinks.is_empty() {
            self.io.xtrace_shaped(line, self.writer, shape);
        } else {
            // fd 2 is redirected: the line goes where other stderr bytes go, marked as a trace line.
            line.push(b'\n');
            let mark = (0, line.len(), self.writer);
            self.write_stderr(&line, &[mark]);
        }
        if let Some((stdout, stderr)) = self.armed.take() {
            self.push_redirections(stdout, stderr);
        }
    }

    /// `set -e`.
    pub fn set_e(&mut self) -> Sh<()> {
        self.xtrace(&[b"set", b"-e"]);
        self.errexit = true;
        self.finish(0).map(drop)
    }

    /// `NAME=value`.
    pub fn assign(&mut self, name: &str, value: Word) -> Sh<()> {
        let mut word = name.as_bytes().to_vec();
        word.push(b'=');
        word.extend_from_slice(&value);
        self.xtrace_with(1, &[&word]);
        self.set_var(name, value);
        self.finish(0).map(drop)
    }

    /// `NAME=$(...)`: the substitution runs (and is traced) first, then the assignment is traced.
    /// Its status is the substitution's, so under `set -e` a failing substitution ends the script.
    pub fn assign_subst(&mut self, name: &str, body: impl FnOnce(&mut Self) -> Sh<()>) -> Sh<i32> {
        self.assign_subst_with(name, b"", body)
    }

    /// `NAME="PREFIX$(...)"`: as [`Shell::assign_subst`], the value being `prefix` followed by the
    /// substitution's output; the status is still the substitution's.
    pub fn assign_subst_with(&mut self, name: &str, prefix: &[u8], body: impl FnOnce(&mut Self) -> Sh<()>) -> Sh<i32> {
        let (output, status) = self.subst(body);
        let value = [prefix, &output].concat();
        let mut word = name.as_bytes().to_vec();
        word.push(b'=');
        word.extend_from_slice(&value);
        self.xtrace_with(1, &[&word]);
        self.set_var(name, value);
        self.finish(status)
    }

    /// `$(...)`: runs `body` as a subshell with its stdout captured; returns the output without its
    /// trailing newlines, and the subshell's status.
    pub fn subst(&mut self, body: impl FnOnce(&mut Self) -> Sh<()>) -> (Word, i32) {
        self.subst_depth += 1;
        let depth = dialect::subst_cond_depth(self.dialect, self.cond_depth);
        let (mut out, status) = self.subshell_output(depth, body);
        self.subst_depth -= 1;
        while out.last() == Some(&b'\n') {
            out.pop();
        }
        (out, status)
    }

    /// Runs `body` as a subshell whose stdout is captured whole, with `cond_depth` as its condition
    /// context (0: `set -e` applies inside); its status.
    fn subshell_output(&mut self, cond_depth: u32, body: impl FnOnce(&mut Self) -> Sh<()>) -> (Word, i32) {
        let undo_mark = self.undo.len();
        let saved_params = self.params.clone();
        let saved_depth = std::mem::replace(&mut self.cond_depth, cond_depth);
        self.captures.push(Vec::new());
        self.subshells += 1;
        let frames = self.frames.len();
        let status = match body(self) {
            Ok(()) => self.status,
            Err(Unwind::Exit(n) | Unwind::Return(n)) => n,
        };
        // An `exit` inside a redirected command leaves its redirections with the subshell.
        while self.frames.len() > frames {
            self.pop_redirection();
        }
        self.subshells -= 1;
        let out = self.captures.pop().unwrap_or_default();
        self.cond_depth = saved_depth;
        for (name, old) in self.undo.drain(undo_mark..).rev() {
            match old {
                Some(var) => self.vars.insert(name, var),
                None => self.vars.remove(&name),
            };
        }
        self.params = saved_params;
        (out, status)
    }

    /// `echo ARGS`, as the dialect's builtin writes them (see [`echo_output`]).
    pub fn echo(&mut self, args: &[Word]) -> Sh<()> {
        self.trace_command(b"echo", args);
        let out = dialect::echo_output(self.dialect, args);
        self.write_stdout(&out);
        self.finish(0).map(drop)
    }

    /// `echo ARGS >&2`.
    pub fn echo_stderr(&mut self, args: &[Word]) -> Sh<()> {
        self.trace_command(b"echo", args);
        let out = dialect::echo_output(self.dialect, args);
        self.write_stderr(&out, &[]);
        self.finish(0).map(drop)
    }

    /// `[ ARGS ]`: true or false; an error (a bad number, a bad expression) prints the shell's message
    /// and counts as status 2.
    pub fn test(&mut self, line: u32, args: &[&[u8]]) -> Sh<bool> {
        let mut words: Vec<&[u8]> = Vec::with_capacity(args.len() + 2);
        words.push(b"[");
        words.extend_from_slice(args);
        words.push(b"]");
        self.xtrace(&words);
        // Only a file test looks at files (an in-process host lays them out on first look).
        let files = args.iter().any(|a| builtins::is_file_test(a));
        let none = crate::fs::MemFs::default();
        let fs: &dyn Fs = if files { self.host.fs() } else { &none };
        let status = match builtins::test(args, fs) {
            Ok(true) => 0,
            Ok(false) => 1,
            Err(e) => {
                self.report(line, &dialect::ShellError::Test(e));
                2
            }
        };
        self.finish(status).map(|s| s == 0)
    }

    /// `shift N`.
    pub fn shift(&mut self, line: u32, n: &[u8]) -> Sh<()> {
        self.xtrace(&[b"shift", n]);
        let count = match expand::parse_number(n) {
            Some(c) if c >= 0 => c as usize,
            _ => {
                // weave shifts by literal numbers only; dash's wording in every dialect.
                self.report(line, &dialect::ShellError::ShiftNotNumber(n));
                return Err(Unwind::Exit(2));
            }
        };
        if count > self.params.len() {
            self.report(line, &dialect::ShellError::ShiftTooMany(n));
            // dash ends the script (a special builtin's error); the others fail the command.
            return match dialect::shift_too_many_exits(self.dialect) {
                Some(status) => Err(Unwind::Exit(status)),
                None => self.finish(1).map(drop),
            };
        }
        self.params.drain(..count);
        self.finish(0).map(drop)
    }

    /// `exit N`.
    pub fn exit(&mut self, n: &[u8]) -> Sh<()> {
        self.xtrace(&[b"exit", n]);
        let status = expand::parse_number(n).unwrap_or(2) as i32 & 0xff;
        Err(Unwind::Exit(status))
    }

    /// `return N`: leaves the current function with status N.
    pub fn return_(&mut self, n: &[u8]) -> Sh<()> {
        self.xtrace(&[b"return", n]);
        let status = expand::parse_number(n).unwrap_or(2) as i32 & 0xff;
        Err(Unwind::Return(status))
    }

    /// `read NAME...` from the current stdin (the previous element of a pipeline): one line, split on
    /// IFS, the last name taking the rest; false (status 1) when no whole line was left.
    pub fn read(&mut self, names: &[&str]) -> Sh<bool> {
        let mut words: Vec<&[u8]> = vec![b"read"];
        words.extend(names.iter().map(|n| n.as_bytes()));
        self.xtrace(&words);
        let input = self.stdin.last_mut().map(std::mem::take).unwrap_or_default();
        let (line, rest, complete) = match input.iter().position(|&b| b == b'\n') {
            Some(i) => (input[..i].to_vec(), input[i + 1..].to_vec(), true),
            None => (input.clone(), Vec::new(), false),
        };
        if let Some(top) = self.stdin.last_mut() {
            *top = rest;
        }
        let fields = expand::split_read(&line, names.len());
        for (k, name) in names.iter().enumerate() {
            let value = fields.get(k).cloned().unwrap_or_default();
            self.set_var(name, value);
        }
        // As all three shells do, a last line without its newline is read, yet `read` fails.
        let status = if complete { 0 } else { 1 };
        self.finish(status).map(|s| s == 0)
    }

    /// `for NAME in WORDS; do BODY; done`, `head` being the loop's head as bash writes it before each
    /// run of the body (`for k in $LIST`; dash and ash trace neither the loop nor its assignments):
    /// the status of the last body run, 0 for none.
    pub fn for_in(
        &mut self,
        name: &str,
        head: &[u8],
        words: Vec<Word>,
        mut body: impl FnMut(&mut Self) -> Sh<()>,
    ) -> Sh<()> {
        let mut last = 0;
        for word in words {
            self.xtrace_head(head);
            self.set_var(name, word);
            body(self)?;
            last = self.status;
            if std::mem::take(&mut self.breaking) {
                break;
            }
        }
        self.status = last;
        Ok(())
    }

    /// The head of a `case` (`case "$1" in`), before its word is expanded: bash writes it as its
    /// source reads; dash and ash write nothing.
    pub fn case_head(&mut self, head: &[u8]) {
        self.xtrace_head(head);
    }

    /// `case WORD in PATTERN|PATTERN) ...`: the index of the first arm one of whose patterns
    /// matches (dash's pattern matching; nothing is traced). The status is 0 until an arm's body
    /// runs: a `case` that matches nothing, or an empty arm, leaves 0, whatever the substitution in
    /// WORD returned.
    pub fn case_arm(&mut self, word: &[u8], arms: &[&[&[u8]]]) -> Option<usize> {
        self.status = 0;
        arms.iter().position(|patterns| patterns.iter().any(|p| expand::matches(p, word)))
    }

    /// `${NAME#PATTERN}`: the value without the shortest prefix the pattern matches.
    pub fn without_prefix(&self, value: &[u8], pattern: &[u8]) -> Word {
        (0..=value.len())
            .find(|&i| expand::matches(pattern, &value[..i]))
            .map_or_else(|| value.to_vec(), |i| value[i..].to_vec())
    }

    /// `${NAME%PATTERN}`: the value without the shortest suffix the pattern matches.
    pub fn without_suffix(&self, value: &[u8], pattern: &[u8]) -> Word {
        (0..=value.len())
            .rev()
            .find(|&i| expand::matches(pattern, &value[i..]))
            .map_or_else(|| value.to_vec(), |i| value[..i].to_vec())
    }

    /// A simple external command found on PATH, its stdout going where the shell's goes.
    pub fn external(&mut self, line: u32, argv: Vec<Word>) -> Sh<i32> {
        self.external_redirected(line, argv, Target::Inherit, false)
    }

    /// An external command with its stdout redirected (`>/dev/null`) and, with `quiet`, its stderr
    /// thrown away (`2>/dev/null`), a missing command's complaint with it, as dash redirects first.
    pub fn external_redirected(&mut self, line: u32, argv: Vec<Word>, stdout: Target, quiet: bool) -> Sh<i32> {
        if !fast(&stdout) {
            return self
                .redirected(stdout, Target::Inherit, |sh| sh.external_redirected(line, argv, Target::Inherit, quiet));
        }
        let refs: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
        self.xtrace(&refs);
        let (status, out) = self.run_external_with(line, &argv, None, stdout == Target::Null, quiet);
        if stdout == Target::Inherit {
            self.write_stdout(&out);
        }
        self.finish(status)
    }

    /// A simple command by name: the modeled file utilities (`rm`, `mkdir`, `ln`, `readlink`,
    /// `sh -c`) work on the host's [`Fs`]; everything else runs as an external command.
    pub fn simple(&mut self, line: u32, argv: Vec<Word>, stdout: Target, quiet: bool) -> Sh<i32> {
        if !fast(&stdout) {
            return self.redirected(stdout, Target::Inherit, |sh| sh.simple(line, argv, Target::Inherit, quiet));
        }
        let Some(run) = argv.first().and_then(|name| crate::spec::files::by_name(name)) else {
            return self.external_redirected(line, argv, stdout, quiet);
        };
        self.xtrace(&argv.iter().map(Vec::as_slice).collect::<Vec<_>>());
        let r = run(&argv[1..], self.host.fs());
        if argv[0] == b"rm" {
            // A removed file's trace lines go with it.
            for path in &argv[1..] {
                self.file_marks.remove(path);
            }
        }
        if stdout == Target::Inherit {
            self.write_stdout(&r.stdout);
        }
        if !quiet {
            self.write_stderr(&r.stderr, &[]);
        }
        self.finish(r.status)
    }

    /// `$$`.
    pub fn pid(&self) -> Word {
        self.host.pid().to_string().into_bytes()
    }

    /// `kill -0 PID`: whether the process is there to be signalled.
    pub fn kill0(&mut self, line: u32, pid: &[u8]) -> Sh<bool> {
        self.xtrace(&[b"kill", b"-0", pid]);
        // A word that is no pid is refused before any process is looked for, each shell its way.
        if let Some((error, status)) = dialect::kill_refuses(self.dialect, pid) {
            if let Some(error) = error {
                self.report(line, &error);
            }
            return self.finish(status).map(|s| s == 0);
        }
        if self.host.alive(pid) {
            return self.finish(0).map(|_| true);
        }
        self.report(line, &dialect::ShellError::NoSuchProcess(pid));
        self.finish(1).map(|_| false)
    }

    /// `[ WORDS ]` over words already expanded (a test line holding a list such as `$@`).
    pub fn test_words(&mut self, line: u32, words: &[Word]) -> Sh<bool> {
        self.test(line, &words.iter().map(Vec::as_slice).collect::<Vec<_>>())
    }

    /// `CMD || true`: `cmd`'s status spared from `set -e`, `true` run (and traced) when it fails.
    pub fn or_true(&mut self, cmd: impl FnOnce(&mut Self) -> Sh<i32>) -> Sh<()> {
        self.or_else(|sh| Ok(cmd(sh)? == 0), |sh| sh.true_())
    }

    /// `true`.
    pub fn true_(&mut self) -> Sh<()> {
        self.xtrace(&[b"true"]);
        self.finish(0).map(drop)
    }

    /// `continue`: traced like any builtin; the caller's loop body returns right after.
    pub fn continue_(&mut self) -> Sh<()> {
        self.xtrace(&[b"continue"]);
        self.finish(0).map(drop)
    }

    /// `break`: traced like any builtin; the caller's loop body returns right after, and the
    /// innermost [`Shell::while_do`] or [`Shell::for_in`] ends with status 0.
    pub fn break_(&mut self) -> Sh<()> {
        self.xtrace(&[b"break"]);
        self.breaking = true;
        self.finish(0).map(drop)
    }

    /// `export NAME` of a variable that is set: commands run from now on get it in their
    /// environment (in a subshell, only until the subshell ends). An unset NAME stays out of it.
    pub fn export(&mut self, name: &str) -> Sh<()> {
        self.xtrace(&[b"export", name.as_bytes()]);
        if let Some(var) = self.vars.get(name.as_bytes()).cloned() {
            if self.subshells > 0 {
                self.undo.push((name.as_bytes().to_vec(), Some(var)));
            }
            if let Some(v) = self.vars.get_mut(name.as_bytes()) {
                v.exported = true;
            }
        }
        self.finish(0).map(drop)
    }

    /// `return` with no number: the status of the last command.
    pub fn return_last(&mut self) -> Sh<()> {
        self.xtrace(&[b"return"]);
        Err(Unwind::Return(self.status))
    }

    /// `LEFT && RIGHT` as a statement: RIGHT runs when LEFT succeeds; a failing LEFT sets `$?` but
    /// is exempt from `set -e`.
    pub fn and_then(
        &mut self,
        left: impl FnOnce(&mut Self) -> Sh<bool>,
        right: impl FnOnce(&mut Self) -> Sh<()>,
    ) -> Sh<()> {
        if self.cond(left)? {
            right(self)
        } else {
            Ok(())
        }
    }

    /// `LEFT || RIGHT` as a statement: RIGHT runs when LEFT fails, and its status is the list's;
    /// a succeeding LEFT leaves status 0. LEFT is exempt from `set -e`.
    pub fn or_else(
        &mut self,
        left: impl FnOnce(&mut Self) -> Sh<bool>,
        right: impl FnOnce(&mut Self) -> Sh<()>,
    ) -> Sh<()> {
        if self.cond(left)? {
            self.status = 0;
            Ok(())
        } else {
            right(self)
        }
    }

    /// `command -v NAME`: where NAME is found on PATH, written to stdout; status 127 when nowhere.
    pub fn command_v(&mut self, name: &[u8], stdout: Target) -> Sh<i32> {
        if !fast(&stdout) {
            return self.redirected(stdout, Target::Inherit, |sh| sh.command_v(name, Target::Inherit));
        }
        self.xtrace(&[b"command", b"-v", name]);
        let env = self.exported();
        let found = self.host.find(name, &env);
        if let (Some(path), Target::Inherit) = (&found, &stdout) {
            let mut line = path.clone();
            line.push(b'\n');
            self.write_stdout(&line);
        }
        self.finish(if found.is_some() { 0 } else { dialect::command_v_missing(self.dialect) })
    }

    /// A pipeline: each element is traced left to right (the canonical order of the concurrent
    /// writers), its stdout feeds the next one's stdin, and the status is the last element's.
    pub fn pipeline(&mut self, stages: Vec<Stage>, stdout: Target) -> Sh<i32> {
        if !fast(&stdout) {
            return self.redirected(stdout, Target::Inherit, |sh| sh.pipeline(stages, Target::Inherit));
        }
        let id = self.next_pipeline;
        self.next_pipeline += 1;
        // A pipeline inside an element belongs to that element's writer.
        let outer = self.writer;
        let mut input: Option<Vec<u8>> = None;
        let mut status = 0;
        for (k, stage) in stages.into_iter().enumerate() {
            if outer.is_none() {
                self.writer = Some((id, k as u32));
            }
            let (out, st) = match stage {
                Stage::External { line, argv } => {
                    self.xtrace(&argv.iter().map(Vec::as_slice).collect::<Vec<_>>());
                    let (st, out) = self.run_external(line, &argv, input.as_deref(), true);
                    (out, st)
                }
                Stage::Group(body) => {
                    self.stdin.push(input.take().unwrap_or_default());
                    // Its output goes on down the pipeline: capture it as a substitution does.
                    // A pipeline element starts afresh: `set -e` applies inside it in all three shells.
                    let (out, st) = self.subshell_output(0, body);
                    self.stdin.pop();
                    (out, st)
                }
                Stage::Utility { argv, run } => {
                    self.xtrace(&argv.iter().map(Vec::as_slice).collect::<Vec<_>>());
                    let r = run(&argv[1..], input.as_deref().unwrap_or(&[]));
                    self.write_stderr(&r.stderr, &[]);
                    (r.stdout, r.status)
                }
                Stage::Echo { args } => {
                    let mut words: Vec<&[u8]> = vec![b"echo"];
                    words.extend(args.iter().map(Vec::as_slice));
                    self.xtrace(&words);
                    (dialect::echo_output(self.dialect, &args), 0)
                }
            };
            input = Some(out);
            status = st;
        }
        self.writer = outer;
        if let (Some(out), Target::Inherit) = (input, &stdout) {
            self.write_stdout(&out);
        }
        self.finish(status)
    }

    /// `! PIPELINE` or any condition: runs `f` where `set -e` does not apply.
    pub fn cond<T>(&mut self, f: impl FnOnce(&mut Self) -> Sh<T>) -> Sh<T> {
        self.cond_depth += 1;
        let r = f(self);
        self.cond_depth -= 1;
        r
    }

    /// `name ARGS`: a shell function call. `$@` is `args` inside; the call's status is the status of
    /// the last command the body ran (0 for none).
    pub fn call(&mut self, name: &str, args: Vec<Word>, body: impl FnOnce(&mut Self) -> Sh<()>) -> Sh<i32> {
        self.trace_command(name.as_bytes(), &args);
        let saved = std::mem::replace(&mut self.params, args);
        self.status = 0;
        let r = body(self);
        self.params = saved;
        let status = match r {
            Ok(()) => self.status,
            Err(Unwind::Return(n)) => n,
            Err(exit) => return Err(exit),
        };
        self.finish(status)
    }

    /// `if COND; then BODY; fi`: an `if` whose branch is not taken has status 0.
    pub fn if_then(
        &mut self,
        cond: impl FnOnce(&mut Self) -> Sh<bool>,
        then: impl FnOnce(&mut Self) -> Sh<()>,
    ) -> Sh<()> {
        if self.cond(cond)? {
            // A true condition's status is 0 (`!` included), which a bare `return` would give.
            self.status = 0;
            then(self)
        } else {
            self.status = 0;
            Ok(())
        }
    }

    /// `if COND; then THEN; else OTHERWISE; fi`.
    pub fn if_else(
        &mut self,
        cond: impl FnOnce(&mut Self) -> Sh<bool>,
        then: impl FnOnce(&mut Self) -> Sh<()>,
        otherwise: impl FnOnce(&mut Self) -> Sh<()>,
    ) -> Sh<()> {
        if self.cond(cond)? {
            self.status = 0;
            then(self)
        } else {
            otherwise(self)
        }
    }

    /// `while COND; do BODY; done`: status of the last body run, 0 for none.
    pub fn while_do(
        &mut self,
        mut cond: impl FnMut(&mut Self) -> Sh<bool>,
        mut body: impl FnMut(&mut Self) -> Sh<()>,
    ) -> Sh<()> {
        let mut last = 0;
        while self.cond(&mut cond)? {
            body(self)?;
            last = self.status;
            if std::mem::take(&mut self.breaking) {
                break;
            }
        }
        self.status = last;
        Ok(())
    }

    // ---- internals --------------------------------------------------------------------------

    fn set_var(&mut self, name: &str, value: Word) {
        if self.subshells > 0 {
            let old = self.vars.get(name.as_bytes()).cloned();
            self.undo.push((name.as_bytes().to_vec(), old));
        }
        match self.vars.get_mut(name.as_bytes()) {
            Some(v) => v.value = value,
            None => {
                self.vars.insert(name.as_bytes().to_vec(), Var { value, exported: false });
            }
        }
    }

    fn trace_command(&mut self, name: &[u8], args: &[Word]) {
        let mut words: Vec<&[u8]> = Vec::with_capacity(args.len() + 1);
        words.push(name);
        words.extend(args.iter().map(Vec::as_slice));
        self.xtrace(&words);
    }

    /// Records `status` as `$?` and applies `set -e`.
    fn finish(&mut self, status: i32) -> Sh<i32> {
        self.status = status;
        if status != 0 && self.errexit && self.cond_depth == 0 {
            return Err(Unwind::Exit(status));
        }
        Ok(status)
    }

    fn write_stdout(&mut self, bytes: &[u8]) {
        self.write_stdout_at(self.captures.len(), bytes)
    }

    /// Writes where stdout went when `depth` captures were open (0: the shell's own stdout).
    pub(super) fn write_stdout_at(&mut self, depth: usize, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        match depth.checked_sub(1).and_then(|i| self.captures.get_mut(i)) {
            Some(buf) => buf.extend_from_slice(bytes),
            None => self.io.stdout(bytes),
        }
    }

    /// An error the shell reports itself, worded as the dialect words it (`$0: LINE: message` in
    /// dash), at script line `line`.
    fn report(&mut self, line: u32, error: &dialect::ShellError) {
        if let Some(mut out) = dialect::error_line(self.dialect, &self.arg0, line, error) {
            out.push(b'\n');
            self.write_stderr(&out, &[]);
        }
    }

    /// Runs an external command; its stdout is returned when it must be captured (a substitution,
    /// a pipeline) and otherwise goes where the shell's own stdout goes.
    fn run_external(&mut self, line: u32, argv: &[Word], stdin: Option<&[u8]>, piped: bool) -> (i32, Vec<u8>) {
        self.run_external_with(line, argv, stdin, piped, false)
    }

    /// The exported variables: a command's environment.
    fn exported(&self) -> Vec<(Word, Word)> {
        self.vars.iter().filter(|(_, v)| v.exported).map(|(k, v)| (k.clone(), v.value.clone())).collect()
    }

    /// As [`Shell::run_external`]; with `quiet`, the command's stderr is thrown away.
    fn run_external_with(
        &mut self,
        line: u32,
        argv: &[Word],
        stdin: Option<&[u8]>,
        piped: bool,
        quiet: bool,
    ) -> (i32, Vec<u8>) {
        let env = self.exported();
        let capture = piped || !self.captures.is_empty();
        let capture_stderr = !self.err_sinks.is_empty();
        let out = self.host.exec(&Command { argv, env: &env, stdin, capture, quiet, capture_stderr });
        // dash redirects before it looks the command up: under `2>/dev/null` its complaint goes too.
        if out.not_found && !quiet {
            self.report(line, &dialect::ShellError::NotFound(&argv[0]));
        }
        if !out.stderr.is_empty() {
            self.write_stderr(&out.stderr, &[]);
        }
        (out.status, out.stdout)
    }
}

/// Whether a command's stdout target is one the simple paths handle themselves (where the shell's
/// goes, or nowhere); a file goes through [`Shell::redirected`].
fn fast(stdout: &Target) -> bool {
    matches!(stdout, Target::Inherit | Target::Null)
}

#[cfg(test)]
mod tests;
