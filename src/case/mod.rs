//! Golden cases: one readable file per case, under `traces/`.
//!
//! ```text
//! # what the case shows (TOML comments)
//! command = "weave run 10.2.0.1/24 -ti ubuntu"   # leading NAME=value words are environment
//! status = 0
//! pipelines = [[13, 14], [24, 25]]             # trace lines written by one pipeline (optional)
//! world_file = "../fixtures/worlds/x.toml"     # or an inline [world] table, or neither (default)
//!
//! ~~~ trace
//! + set -e
//! ...
//! ~~~
//!
//! ~~~ stdout
//! ~~~
//!
//! ~~~ calls
//! docker -v
//! ~~~
//! ```
//! In `calls`, the calls made inside a container that a call started (weaveexec's `--local` runs,
//! whose script is the subject's own) follow that call, each line led by `  > `; a call's stdin,
//! where it had one, follows it as `  stdin: WORD`.
//!
//! A section holds exact bytes: every line between the fences, each with its newline; a fence line
//! `~~~ NAME (no newline at end)` drops the last newline. The `trace` section is all of stderr, as
//! `sh -x` writes it, so it can be pasted as is. A section whose content has a line of three tildes
//! gets a longer fence.
//!
//! A scenario is several command lines run one after another in one world, each step seeing what
//! the one before left: no top-level `command`, but a `[[step]]` table per command line (`command`,
//! `status`, optional `pipelines` and `note`), and numbered sections, all required, one set per
//! step, then the optional state of the world at the end:
//! ```text
//! # what the scenario shows
//! world_file = "../fixtures/worlds/x.toml"     # top-level keys come before the first [[step]]
//!
//! [[step]]
//! command = "weave --local expose 10.2.0.1/24"
//! status = 0
//! note = "the bridge gets the address"
//!
//! [[step]]
//! command = "weave --local hide 10.2.0.1/24"
//! status = 0
//!
//! ~~~ trace 1
//! ...
//! ~~~
//! (stdout 1, calls 1, trace 2, stdout 2, calls 2, then optionally state)
//! ```
//!
//! Where busybox ash or bash really behaves otherwise, a case holds that shell's own expectations
//! beside dash's: a `[variant.ash]` table (`why`, and in a one-command case optional `status` and
//! `pipelines`; in a scenario those go in each step's `[step.variant.ash]`), and variant sections
//! `~~~ trace [ash]`, `~~~ stdout 2 [bash]`, in dash's form like every section. Under a dialect,
//! each aspect is its variant where there is one, dash's otherwise ([`Case::for_dialect`]).

mod format;

pub use format::{parse_case, render_calls, rewrite_case, write_case, NESTED_LEAD};

use crate::trace::Dialect;
use crate::world::{World, WorldError};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// A weave command line: environment assignments, then the arguments after `weave`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Invocation {
    pub env: Vec<(String, String)>,
    pub args: Vec<String>,
}

impl Invocation {
    /// Splits words as a case file gives them: leading `NAME=value` words are environment, then
    /// the word `weave`, then weave's arguments.
    pub fn from_words(words: &[String]) -> Result<Invocation, String> {
        // What execve cannot pass is no command line a user could run.
        for w in words {
            if w.contains('\0') {
                return Err("a word holds a NUL byte, which no command line can pass".into());
            }
            if w.len() > MAX_WORD {
                return Err(format!(
                    "a word of {} bytes is longer than Linux passes to a program ({MAX_WORD})",
                    w.len()
                ));
            }
        }
        let mut inv = Invocation::from_args(words);
        match inv.args.first().map(String::as_str) {
            Some("weave") => drop(inv.args.remove(0)),
            Some(other) => return Err(format!("the command must run `weave`, not `{other}`")),
            None => return Err("the command has no `weave` word".to_string()),
        }
        Ok(inv)
    }

    /// weave's arguments as a command line gives them (`record -- ARGS`): leading `NAME=value`
    /// words are environment, the rest arguments; any words will do.
    pub fn from_args(words: &[String]) -> Invocation {
        let mut inv = Invocation::default();
        let mut i = 0;
        while let Some((name, value)) = words.get(i).and_then(|w| w.split_once('=')) {
            if !crate::spec::shell::is_name(name.as_bytes()) {
                break;
            }
            inv.env.push((name.to_string(), value.to_string()));
            i += 1;
        }
        inv.args = words[i..].to_vec();
        inv
    }

    /// PS4 as the subject's shell will print it: the case's own, or dash's default.
    pub fn ps4(&self) -> &[u8] {
        self.env.iter().find(|(k, _)| k == "PS4").map_or(crate::trace::DEFAULT_PS4, |(_, v)| v.as_bytes())
    }

    /// The command line as a case file writes it.
    pub fn to_command_line(&self) -> String {
        let mut words: Vec<String> =
            self.env.iter().map(|(k, v)| format!("{k}={}", format::quote_command_word(v))).collect();
        words.push("weave".into());
        words.extend(self.args.iter().map(|a| format::quote_command_word(a)));
        words.join(" ")
    }
}

/// One command line of a case and what it must do.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Step {
    pub invocation: Invocation,
    pub status: i32,
    pub pipelines: Vec<crate::trace::Pipeline>,
    pub trace: Vec<u8>,
    pub stdout: Vec<u8>,
    /// The expected calls of this step alone, one rendered line each (see [`render_calls`]).
    pub calls: Vec<u8>,
    /// What the step shows, in a scenario's `[[step]]` table.
    pub note: Option<String>,
}

impl Step {
    /// The sections by kind: trace, stdout, calls (the order a case writes them in).
    pub fn sections(&self) -> [&Vec<u8>; 3] {
        [&self.trace, &self.stdout, &self.calls]
    }

    /// A step for `invocation` that expects nothing yet (status 0, empty sections).
    pub fn new(invocation: Invocation) -> Step {
        Step { invocation, ..Step::default() }
    }

    /// How reports name the step `index` (0-based) of a scenario: `step 2 (weave hide 10.2.0.1/24)`.
    pub fn label(&self, index: usize) -> String {
        format!("step {} ({})", index + 1, self.invocation.to_command_line())
    }
}

/// A golden case: one command line, or a scenario of several run one after another in one world.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    pub path: PathBuf,
    /// The case's name for reports: its path without `.case`.
    pub name: String,
    /// The command lines, in the order they run; one for a one-command case, two or more for a
    /// scenario.
    pub steps: Vec<Step>,
    pub world: World,
    /// The world file the case names, if any (as written in the case).
    pub world_file: Option<String>,
    /// The world as the run leaves it (containers, links, addresses, routes, iptables), when the
    /// case asserts it: an optional `~~~ state` section, after the last step.
    pub state: Option<Vec<u8>>,
    /// The case's own redaction rules (the world's apply too).
    pub redact: Vec<crate::world::Redaction>,
    /// What busybox ash or bash does otherwise, sorted by dialect (never dash: dash is the case).
    pub variants: Vec<Variant>,
}

/// Where one shell's behaviour differs from dash's, and how: only what differs.
#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    pub dialect: Dialect,
    /// One line: why this shell differs here.
    pub why: String,
    /// One per step of the case.
    pub steps: Vec<StepVariant>,
}

/// What one step expects under a variant's dialect where it differs from dash; `None` is dash's.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepVariant {
    pub status: Option<i32>,
    pub trace: Option<Vec<u8>>,
    /// The pipelines of the variant's own trace (none without one: the dash trace keeps its own).
    pub pipelines: Vec<crate::trace::Pipeline>,
    pub stdout: Option<Vec<u8>>,
    pub calls: Option<Vec<u8>>,
}

impl StepVariant {
    /// Whether the step is as under dash.
    pub fn is_empty(&self) -> bool {
        self.status.is_none() && self.trace.is_none() && self.stdout.is_none() && self.calls.is_none()
    }

    /// The variant's sections by kind (trace, stdout, calls), as [`Step::sections`] gives dash's.
    pub fn sections(&self) -> [Option<&Vec<u8>>; 3] {
        [self.trace.as_ref(), self.stdout.as_ref(), self.calls.as_ref()]
    }

    /// The variant of `view` (one step as a dialect sees it) against `dash`: only what differs.
    fn between(dash: &Step, view: &Step) -> StepVariant {
        let differs = |d: &Vec<u8>, v: &Vec<u8>| (d != v).then(|| v.clone());
        let trace = differs(&dash.trace, &view.trace);
        StepVariant {
            status: (dash.status != view.status).then_some(view.status),
            pipelines: if trace.is_some() { view.pipelines.clone() } else { Vec::new() },
            trace,
            stdout: differs(&dash.stdout, &view.stdout),
            calls: differs(&dash.calls, &view.calls),
        }
    }
}

impl Variant {
    /// What `bless` writes as the reason of a variant it creates, for a reviewer to replace.
    pub fn placeholder_why(dialect: Dialect) -> String {
        format!("{} differs here: say why", dialect.name())
    }
}

impl Case {
    /// A case for `invocation` in `world` that expects nothing yet (status 0, empty sections):
    /// the start of a case built from a run rather than read from a file.
    pub fn new(path: PathBuf, invocation: Invocation, world: World) -> Case {
        Case::of_step(path, Step::new(invocation), world)
    }

    /// A one-command case of `step` in `world`.
    pub fn of_step(path: PathBuf, step: Step, world: World) -> Case {
        let name = path.with_extension("").display().to_string();
        Case {
            path,
            name,
            steps: vec![step],
            world,
            world_file: None,
            state: None,
            redact: Vec::new(),
            variants: Vec::new(),
        }
    }

    /// A case of these steps in `world` (a scenario when there are two or more); a case without a
    /// command line is an error, since there is nothing to run or write.
    pub fn of_steps(path: PathBuf, steps: Vec<Step>, world: World) -> Result<Case, CaseError> {
        if steps.is_empty() {
            return Err(CaseError::at(&path, 1, "a case needs at least one command line"));
        }
        Ok(Case { steps, ..Case::of_step(path, Step::default(), world) })
    }

    /// Whether the case is a scenario: written with `[[step]]` tables and numbered sections.
    pub fn is_scenario(&self) -> bool {
        self.steps.len() > 1
    }

    /// The command lines, in order.
    pub fn invocations(&self) -> Vec<Invocation> {
        self.steps.iter().map(|s| s.invocation.clone()).collect()
    }

    /// The redactions that apply to the case: its own, then its world's.
    pub fn redactions(&self) -> impl Iterator<Item = &crate::world::Redaction> {
        self.redact.iter().chain(&self.world.redact)
    }

    /// The placeholders its redactions leave (`[ID]`), which its sections may hold.
    pub fn redaction_placeholders(&self) -> Vec<&str> {
        self.redactions().map(|r| r.placeholder.as_str()).collect()
    }

    /// The case's variant for dialect `d`, if it has one.
    pub fn variant(&self, d: Dialect) -> Option<&Variant> {
        self.variants.iter().find(|v| v.dialect == d)
    }

    /// The case as dialect `d` is held to it: each step's status, trace, stdout and calls are `d`'s
    /// variant where the case has one, dash's otherwise; a variant trace brings its own pipelines.
    /// The state has no variants. The variants themselves are kept, for bless.
    pub fn for_dialect(&self, d: Dialect) -> Cow<'_, Case> {
        let Some(variant) = self.variant(d) else { return Cow::Borrowed(self) };
        let mut case = self.clone();
        for (step, v) in case.steps.iter_mut().zip(&variant.steps) {
            if let Some(status) = v.status {
                step.status = status;
            }
            if let Some(trace) = &v.trace {
                step.trace = trace.clone();
                step.pipelines = v.pipelines.clone();
            }
            if let Some(stdout) = &v.stdout {
                step.stdout = stdout.clone();
            }
            if let Some(calls) = &v.calls {
                step.calls = calls.clone();
            }
        }
        Cow::Owned(case)
    }

    /// Makes `view` (one step each, status, pipelines and sections) what dialect `d` expects:
    /// under dash the case's own steps, under another only its variant's differences from them
    /// (the variant made, with [`Variant::placeholder_why`], or dropped as needed). Any variant
    /// aspect left equal to dash's is dropped, since a variant exists only where a shell differs.
    pub fn set_view(&mut self, d: Dialect, view: &[Step]) {
        if d == Dialect::Dash {
            for (step, new) in self.steps.iter_mut().zip(view) {
                step.status = new.status;
                step.pipelines = new.pipelines.clone();
                step.trace = new.trace.clone();
                step.stdout = new.stdout.clone();
                step.calls = new.calls.clone();
            }
        } else {
            let steps: Vec<StepVariant> =
                self.steps.iter().zip(view).map(|(dash, view)| StepVariant::between(dash, view)).collect();
            match self.variants.iter_mut().find(|v| v.dialect == d) {
                Some(v) => v.steps = steps,
                None => {
                    self.variants.push(Variant { dialect: d, why: Variant::placeholder_why(d), steps });
                    self.variants.sort_by_key(|v| v.dialect);
                }
            }
        }
        for v in &mut self.variants {
            for (dash, sv) in self.steps.iter().zip(&mut v.steps) {
                if sv.status == Some(dash.status) {
                    sv.status = None;
                }
                if sv.trace.as_ref() == Some(&dash.trace) {
                    sv.trace = None;
                    sv.pipelines.clear();
                }
                if sv.stdout.as_ref() == Some(&dash.stdout) {
                    sv.stdout = None;
                }
                if sv.calls.as_ref() == Some(&dash.calls) {
                    sv.calls = None;
                }
            }
        }
        self.variants.retain(|v| !v.steps.iter().all(StepVariant::is_empty));
    }
}

/// A case file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct CaseError {
    pub path: String,
    pub line: usize,
    pub message: String,
}

impl CaseError {
    /// The error at `line` of the file at `path`: `path:line: message`.
    pub fn at(path: &Path, line: usize, message: impl Into<String>) -> Self {
        CaseError { path: path.display().to_string(), line, message: message.into() }
    }
}

impl From<WorldError> for CaseError {
    fn from(e: WorldError) -> Self {
        CaseError { path: e.path, line: e.line, message: e.message }
    }
}

/// The extension of case files.
pub const EXTENSION: &str = "case";

/// The longest word a program can be given on Linux (`MAX_ARG_STRLEN`, 32 pages).
pub const MAX_WORD: usize = 131_072;

/// Reads a case file.
pub fn load(path: &Path) -> Result<Case, CaseError> {
    let bytes = crate::input::read(path).map_err(|e| CaseError::at(path, 1, format!("cannot read case file: {e}")))?;
    parse_case(path, &bytes)
}

/// The case files a list of paths names: files as given, directories searched for `*.case`
/// (sorted). A path that does not exist is an error.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CaseError> {
    find(paths, |p| p.extension().is_some_and(|e| e == EXTENSION), |file| Some(file.to_path_buf()))
}

/// The files a list of paths names, in its order: each directory searched for the files `wanted`
/// keeps (sorted), each other path the file `file` makes of it, if any. A path that does not
/// exist, or a directory that cannot be read, is an error.
pub fn find(
    paths: &[PathBuf],
    wanted: impl Fn(&Path) -> bool,
    file: impl Fn(&Path) -> Option<PathBuf>,
) -> Result<Vec<PathBuf>, CaseError> {
    let mut found = Vec::new();
    for path in paths {
        if path.is_dir() {
            let here = files_under(path, &wanted)
                .map_err(|(dir, e)| CaseError::at(&dir, 1, format!("cannot read directory: {e}")))?;
            found.extend(here);
        } else if path.exists() {
            found.extend(file(path));
        } else {
            return Err(CaseError::at(path, 1, "no such file or directory"));
        }
    }
    Ok(found)
}

/// The files below `dir` (searched recursively) that `wanted` keeps, sorted; on error, the
/// directory that could not be read.
pub fn files_under(dir: &Path, wanted: impl Fn(&Path) -> bool) -> Result<Vec<PathBuf>, (PathBuf, std::io::Error)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| (dir.clone(), e))?;
        for entry in entries.filter_map(Result::ok) {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if wanted(&p) {
                found.push(p);
            }
        }
    }
    found.sort();
    Ok(found)
}
