//! The command line of `weavetrace` (clap types only).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "weavetrace",
    version,
    about = "A shell-compatible test harness and trace replayer for the weave script",
    after_help = crate::exit::help()
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run golden cases and report every one that does not hold.
    Check(CheckArgs),
    /// Run one weave command line: the trace on stderr, stdout on stdout, its exit status; or, with
    /// -o, write it as a new case.
    Record(RecordArgs),
    /// Run command lines through the Rust spec and a real script in the same world, and report
    /// every divergence, shrunk to a small reproducer.
    Diff(DiffArgs),
    /// Replay a trace: answer every external call as the trace shows it did, run the subject, and
    /// say whether it still writes that trace.
    Replay(ReplayArgs),
    /// Render a case (or a trace, replayed) as a terminal session, markdown, HTML, or a sequence
    /// diagram of its calls (mermaid, SVG).
    Render(RenderArgs),
    /// Rebuild docs/ from the goldens: an index and a page per case, with its session and diagram.
    Docs(DocsArgs),
    /// Review pending results (NAME.case.new): accept, reject or skip each, or all at once.
    Review(ReviewArgs),
    /// Which lines and functions of a script the golden cases run, and which they never reach.
    Coverage(CoverageArgs),
    /// Mutation testing: small changes to a script, each held to the goldens that run its line;
    /// the score, and the changes no golden notices.
    Mutate(MutateArgs),
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
}

/// Report formats.
#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FormatArg {
    /// One line per case, a diff per mismatch, `N passed, M failed`.
    #[default]
    Human,
    /// JUnit XML, one testcase per golden (Jenkins, GitLab).
    Junit,
    /// TAP version 13.
    Tap,
    /// JSON lines, one object per case.
    Json,
}

impl From<FormatArg> for crate::report::Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Human => crate::report::Format::Human,
            FormatArg::Junit => crate::report::Format::Junit,
            FormatArg::Tap => crate::report::Format::Tap,
            FormatArg::Json => crate::report::Format::Json,
        }
    }
}

/// `K/N` (or nextest's `count:K/N`): the K-th of N shards, cases dealt round-robin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partition {
    pub shard: usize,
    pub of: usize,
}

impl std::str::FromStr for Partition {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bare = s.strip_prefix("count:").unwrap_or(s);
        let (k, n) = bare.split_once('/').ok_or_else(|| format!("`{s}` is not K/N"))?;
        let (shard, of): (usize, usize) = (
            k.parse().map_err(|_| format!("`{k}` is not a number"))?,
            n.parse().map_err(|_| format!("`{n}` is not a number"))?,
        );
        if of == 0 || shard == 0 || shard > of {
            return Err(format!("`{s}`: K must be from 1 to N"));
        }
        Ok(Partition { shard, of })
    }
}

/// How much of a run is compared.
#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LevelArg {
    /// Status, stdout, the whole trace and the calls.
    #[default]
    Trace,
    /// Only the external commands (docker and host commands), in order: the documented command
    /// sequence.
    Commands,
}

impl From<LevelArg> for crate::compare::Level {
    fn from(l: LevelArg) -> Self {
        match l {
            LevelArg::Trace => crate::compare::Level::Trace,
            LevelArg::Commands => crate::compare::Level::Commands,
        }
    }
}

/// A shell's way of writing `set -x` lines.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialectArg {
    /// dash (Debian's and Ubuntu's /bin/sh): words as they are.
    Dash,
    /// busybox ash (alpine, and weaveexec): words quoted where needed.
    #[value(alias = "busybox")]
    Ash,
    /// bash, also as sh (Fedora's and RHEL's /bin/sh): quoted words, nesting shown.
    Bash,
}

impl From<DialectArg> for crate::trace::Dialect {
    fn from(d: DialectArg) -> Self {
        match d {
            DialectArg::Dash => crate::trace::Dialect::Dash,
            DialectArg::Ash => crate::trace::Dialect::Ash,
            DialectArg::Bash => crate::trace::Dialect::Bash,
        }
    }
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The weave script to hold against the spec (or, with --against, against the old script).
    #[arg(long, value_name = "FILE")]
    pub script: PathBuf,
    /// The shell for the script.
    #[arg(long, value_name = "SHELL", default_value = "/bin/sh")]
    pub shell: PathBuf,
    /// How the shell writes its trace (default: recognised from what the shell is).
    #[arg(long, value_enum, value_name = "DIALECT")]
    pub dialect: Option<DialectArg>,
    /// Hold the script to this other script (the old one) instead of the spec: both run under
    /// `SHELL -x`, each in its own sandbox over the same world; what the old one does is expected.
    #[arg(long, value_name = "OLD")]
    pub against: Option<PathBuf>,
    /// Command lines to run, one shell-quoted line each (leading NAME=value words are environment;
    /// `#` starts a comment).
    #[arg(long, value_name = "FILE", required_unless_present_any = ["random", "goldens"])]
    pub cases: Option<PathBuf>,
    /// Also run every golden's command line (a scenario's steps one after another), each in its
    /// case's world: case files, or directories searched for them (default: traces/).
    #[arg(long, value_name = "PATHS", num_args = 0.., default_missing_value = "traces")]
    pub goldens: Option<Vec<PathBuf>>,
    /// Also draw this many command lines from a grammar of weave's arguments.
    #[arg(long, value_name = "N")]
    pub random: Option<usize>,
    /// The seed for --random: the same seed draws the same lines.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// The world both run in (TOML); the built-in default is the documented world.
    #[arg(long, value_name = "FILE")]
    pub world: Option<PathBuf>,
    /// Command lines run at once (default: the number of cores).
    #[arg(long, short = 'j', value_name = "N", value_parser = at_least_one)]
    pub jobs: Option<usize>,
    /// Seconds a script run may take before its whole process group is killed.
    #[arg(long, default_value_t = 10.0, value_name = "SECS", value_parser = seconds)]
    pub timeout: f64,
    /// Compare everything, or only the external commands.
    #[arg(long, value_enum, default_value_t = LevelArg::Trace)]
    pub level: LevelArg,
}

#[derive(Args, Debug)]
pub struct SubjectArgs {
    /// Run this weave script under `SHELL -x` instead of the Rust spec.
    #[arg(long, value_name = "FILE", conflicts_with = "in_process")]
    pub script: Option<PathBuf>,
    /// The shell for --script.
    #[arg(long, value_name = "SHELL", default_value = "/bin/sh", requires = "script")]
    pub shell: PathBuf,
    /// With --script, how the shell writes its trace (default: recognised from what the shell is,
    /// not its name); for the spec, the shell it behaves as (default: the world's `host.shell`).
    #[arg(long, value_enum, value_name = "DIALECT")]
    pub dialect: Option<DialectArg>,
    /// Run the Rust spec inside the harness instead of as a process (same answers, no processes).
    #[arg(long)]
    pub in_process: bool,
    /// Seconds a run may take before its whole process group is killed.
    #[arg(long, default_value_t = 10.0, value_name = "SECS", value_parser = seconds)]
    pub timeout: f64,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Case files, or directories searched for *.case files.
    #[arg(default_value = "traces")]
    pub paths: Vec<PathBuf>,
    /// Cases run at once (default: the number of cores).
    #[arg(long, short = 'j', value_name = "N", value_parser = at_least_one)]
    pub jobs: Option<usize>,
    /// Compare everything, or only the external commands (the documented command sequence).
    #[arg(long, value_enum, default_value_t = LevelArg::Trace)]
    pub level: LevelArg,
    /// How to report: for people, or JUnit XML, TAP 13 or JSON lines for CI (on stdout).
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,
    /// Run only the K-th of N shards (cases dealt round-robin in path order), e.g. 2/3.
    #[arg(long, value_name = "K/N")]
    pub partition: Option<Partition>,
    /// Stop starting cases after the first that does not hold.
    #[arg(long)]
    pub fail_fast: bool,
    /// Rewrite each golden that does not hold from the subject's output, keeping its patterns where
    /// they still match, and say what changed.
    #[arg(long, conflicts_with = "pending")]
    pub bless: bool,
    /// Keep what each golden that does not hold would become as NAME.case.new, for `review`.
    #[arg(long)]
    pub pending: bool,
    #[command(flatten)]
    pub subject: SubjectArgs,
}

/// Rendering formats.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenderFormat {
    /// The session as a terminal shows it.
    Terminal,
    /// A fenced block to paste.
    Markdown,
    /// An HTML fragment (with --page, a whole page; with --br, the article's `<br>` style).
    Html,
    /// A self-contained SVG sequence diagram of the calls.
    Svg,
    /// A mermaid sequence diagram of the calls.
    Mermaid,
}

#[derive(Args, Debug)]
pub struct RenderArgs {
    /// A case file, or a trace (plain or an article's) to replay with -- ARGS.
    pub input: PathBuf,
    #[arg(long, value_enum, default_value = "terminal")]
    pub format: RenderFormat,
    /// HTML: a whole self-contained page.
    #[arg(long)]
    pub page: bool,
    /// HTML: lines joined by `<br>`, as the article has them.
    #[arg(long)]
    pub br: bool,
    /// Also show each weaveexec container's own `sh -x` session (and, in diagrams, its calls).
    #[arg(long)]
    pub nested: bool,
    /// For a trace: weave's arguments.
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

#[derive(Args, Debug)]
pub struct DocsArgs {
    /// The goldens.
    #[arg(long, default_value = "traces")]
    pub traces: PathBuf,
    /// Where the pages go.
    #[arg(long, default_value = "docs")]
    pub out: PathBuf,
    /// Write nothing; exit 1 when docs/ is not what the goldens give.
    #[arg(long)]
    pub check: bool,
}

#[derive(Args, Debug)]
pub struct ReviewArgs {
    /// Case files or directories whose pending results to review.
    #[arg(default_value = "traces")]
    pub paths: Vec<PathBuf>,
    /// Accept every pending result without asking.
    #[arg(long, conflicts_with = "reject")]
    pub accept: bool,
    /// Reject (delete) every pending result without asking.
    #[arg(long)]
    pub reject: bool,
}

#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// The trace: a file of `sh -x` output (a sibling NAME.stdout is its stdout), or an article's
    /// text with `<br>` line breaks, where the `$ sh -x weave ARGS` prompt picks the trace (an
    /// article with no prompts: its first trace, for ARGS).
    pub trace: PathBuf,
    /// Answer from this cassette (a world file with `[[replay.call]]` tables) instead of the
    /// trace's own answers.
    #[arg(long, value_name = "FILE")]
    pub cassette: Option<PathBuf>,
    /// Also write the cassette derived from the trace to FILE (never overwrites).
    #[arg(long, value_name = "FILE", conflicts_with = "cassette")]
    pub save: Option<PathBuf>,
    #[command(flatten)]
    pub subject: SubjectArgs,
    /// weave's arguments, led by NAME=value words for its environment.
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

#[derive(Args, Debug)]
pub struct RecordArgs {
    /// The world to run in (TOML); the built-in default is the documented world.
    #[arg(long, value_name = "FILE")]
    pub world: Option<PathBuf>,
    /// Write a new case file instead of replaying the run on the terminal; never overwrites.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// With -o: the comment the new case starts with, saying what it shows.
    #[arg(long, value_name = "TEXT", requires = "output")]
    pub describe: Option<String>,
    /// With -o: the new case also asserts the world the run leaves (a `~~~ state` section).
    #[arg(long, requires = "output")]
    pub state: bool,
    /// Show the run rendered (as `render` does) instead of its raw stderr and stdout.
    #[arg(long, value_enum, conflicts_with = "output")]
    pub format: Option<RenderFormat>,
    /// Also show each weaveexec container's own `sh -x` trace (after the run's, with a `#` header).
    #[arg(long, conflicts_with = "output")]
    pub nested: bool,
    /// Run the command lines of FILE one after another in one world, a scenario: one line each
    /// (shell words, leading NAME=value words its environment, an optional leading `weave`), `#`
    /// comments and blank lines skipped.
    #[arg(long, value_name = "FILE", conflicts_with = "args")]
    pub steps: Option<PathBuf>,
    #[command(flatten)]
    pub subject: SubjectArgs,
    /// weave's arguments, led by NAME=value words for its environment; a further `--` starts the
    /// next command line of a scenario (`-- launch -- ps -- stop`).
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

#[derive(Args, Debug)]
pub struct CoverageArgs {
    /// Case files, or directories searched for *.case files.
    #[arg(default_value = "traces")]
    pub paths: Vec<PathBuf>,
    /// The weave script whose lines are counted.
    #[arg(long, value_name = "FILE")]
    pub script: PathBuf,
    /// The shell the script runs under: one that names its lines in its trace (busybox ash).
    #[arg(long, value_name = "SHELL", default_value = "busybox")]
    pub shell: PathBuf,
    /// Cases run at once (default: the number of cores).
    #[arg(long, short = 'j', value_name = "N", value_parser = at_least_one)]
    pub jobs: Option<usize>,
    /// Seconds a run may take before its whole process group is killed.
    #[arg(long, default_value_t = 10.0, value_name = "SECS", value_parser = seconds)]
    pub timeout: f64,
    /// Also print the script annotated line by line, as gcov does (count, `#####` never run).
    #[arg(long)]
    pub annotate: bool,
    /// Write the table and the annotated script as one HTML page.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Write an lcov tracefile (genhtml, coverage services).
    #[arg(long, value_name = "FILE")]
    pub lcov: Option<PathBuf>,
    /// Exit 1 when fewer than PCT percent of the script's lines are run.
    #[arg(long, value_name = "PCT")]
    pub fail_under: Option<f64>,
}

/// What a golden must notice to kill a mutant.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MutateLevel {
    /// What the script does: its status, stdout, messages on stderr, calls and the world it
    /// leaves; not the `sh -x` lines (a renamed variable is no change).
    Behaviour,
    /// Only the external commands and the world, as `check --level commands`.
    Commands,
    /// Everything, the trace too, which shows any change to a line that runs: every mutant a
    /// golden reaches dies.
    Trace,
}

#[derive(Args, Debug)]
pub struct MutateArgs {
    /// Case files, or directories searched for *.case files.
    #[arg(default_value = "traces")]
    pub paths: Vec<PathBuf>,
    /// The weave script to mutate.
    #[arg(long, value_name = "FILE")]
    pub script: PathBuf,
    /// The shell the script and its mutants run under: one that names its lines in its trace
    /// (busybox ash), for the coverage that picks each mutant's goldens.
    #[arg(long, value_name = "SHELL", default_value = "busybox")]
    pub shell: PathBuf,
    /// Run only N mutants, drawn with --seed (default: all).
    #[arg(long, value_name = "N")]
    pub sample: Option<usize>,
    /// The seed for --sample: the same seed, the same mutants.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Run only mutant ID (as a report of survivors names it), and say what became of it.
    #[arg(long, value_name = "ID", conflicts_with = "sample")]
    pub mutant: Option<usize>,
    /// Mutants run at once (default: the number of cores).
    #[arg(long, short = 'j', value_name = "N", value_parser = at_least_one)]
    pub jobs: Option<usize>,
    /// Seconds a run may take before its whole process group is killed.
    #[arg(long, default_value_t = 10.0, value_name = "SECS", value_parser = seconds)]
    pub timeout: f64,
    /// What a golden must notice to kill a mutant.
    #[arg(long, value_enum, default_value_t = MutateLevel::Behaviour)]
    pub level: MutateLevel,
    /// Exit 1 when the score (killed among the mutants the goldens reach) is under PCT percent.
    #[arg(long, value_name = "PCT")]
    pub fail_under: Option<f64>,
}

/// `--timeout`: a number of seconds above 0 and at most a day, so that every run ends and the
/// clock can hold the bound.
fn seconds(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(secs) if secs > 0.0 && secs <= 86_400.0 => Ok(secs),
        Ok(_) => Err(format!("{text} is not a number of seconds above 0 and at most 86400")),
        Err(_) => Err(format!("{text} is not a number of seconds")),
    }
}

/// `--jobs`: one run at a time at least (with none, nothing would run and all would pass).
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("0 jobs would run nothing: give 1 or more".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{text} is not a number of jobs")),
    }
}
