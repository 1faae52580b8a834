//! Reading and writing the case file format.

use super::{Case, CaseError, Invocation, Step, StepVariant, Variant};
use crate::fake::log::Call;
use crate::trace::{Dialect, Pipeline};
use crate::world::{one_line, World};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The TOML header of a case file: a one-command case's `command`, `status` and `pipelines`, or a
/// scenario's `[[step]]` tables.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    command: Option<String>,
    status: Option<i32>,
    pipelines: Option<Vec<Vec<usize>>>,
    #[serde(default)]
    step: Vec<StepHeader>,
    world_file: Option<String>,
    world: Option<World>,
    #[serde(default)]
    redact: Vec<crate::world::Redaction>,
    /// `[variant.ash]`, `[variant.bash]`: keyed by the name as written, so that an unknown one is
    /// told with its line.
    #[serde(default)]
    variant: BTreeMap<String, VariantHeader>,
}

/// A `[variant.D]` table: why the shell differs, and in a one-command case its status and
/// pipelines.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VariantHeader {
    why: Option<String>,
    status: Option<i32>,
    pipelines: Option<Vec<Vec<usize>>>,
}

/// One `[[step]]` table of a scenario.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepHeader {
    command: Option<String>,
    status: Option<i32>,
    #[serde(default)]
    pipelines: Vec<Vec<usize>>,
    note: Option<String>,
    /// `[step.variant.D]` after the step's `[[step]]`.
    #[serde(default)]
    variant: BTreeMap<String, StepVariantHeader>,
}

/// A scenario step's `[step.variant.D]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepVariantHeader {
    status: Option<i32>,
    pipelines: Option<Vec<Vec<usize>>>,
}

/// The sections of each step, in the order a case writes them.
const STEP_SECTIONS: [&str; 3] = ["trace", "stdout", "calls"];
const NO_EOL: &str = "(no newline at end)";

/// Where a header's keys are: the line of a top-level key, or of a key in the `[[step]]` table `k`.
struct HeaderLines<'a> {
    lines: Vec<&'a str>,
    /// The 0-based line of each `[[step]]`.
    steps: Vec<usize>,
}

impl<'a> HeaderLines<'a> {
    fn new(text: &'a str) -> Self {
        let lines: Vec<&str> = text.lines().collect();
        let steps = lines.iter().enumerate().filter(|(_, l)| is_step_table(l)).map(|(i, _)| i).collect();
        HeaderLines { lines, steps }
    }

    /// The 1-based line of `key` at the top level (before any table), or 1.
    fn top(&self, key: &str) -> usize {
        self.find(0, key).unwrap_or(1)
    }

    /// The 1-based line of `key` in step `k`'s table, or of the table itself.
    fn step(&self, k: usize, key: &str) -> usize {
        let at = self.steps.get(k).copied().unwrap_or(0);
        self.find(at + 1, key).unwrap_or(at + 1)
    }

    /// The 1-based line of the table header `[name]` (`name` as `variant.ash`): in step `k`'s part
    /// of the header when `step` is given, else anywhere.
    fn table(&self, name: &str, step: Option<usize>) -> Option<usize> {
        let (from, to) = match step {
            Some(k) => (self.steps.get(k).copied()?, self.steps.get(k + 1).copied().unwrap_or(self.lines.len())),
            None => (0, self.lines.len()),
        };
        (from..to).find(|&i| table_name(self.lines[i]).as_deref() == Some(name)).map(|i| i + 1)
    }

    /// The 1-based line of `key` in the table `[name]`, else of the table, else `fallback`.
    fn in_table(&self, name: &str, step: Option<usize>, key: &str, fallback: usize) -> usize {
        match self.table(name, step) {
            Some(at) => self.find(at, key).unwrap_or(at),
            None => fallback,
        }
    }

    /// The first line from `from` up to the next table header that sets `key`.
    fn find(&self, from: usize, key: &str) -> Option<usize> {
        self.lines
            .iter()
            .enumerate()
            .skip(from)
            .take_while(|(_, l)| !l.trim_start().starts_with('['))
            .find(|(_, l)| is_key(l, key))
            .map(|(i, _)| i + 1)
    }
}

/// Whether a header line opens a `[[step]]` table.
fn is_step_table(line: &str) -> bool {
    line.trim().strip_prefix("[[").and_then(|l| l.strip_suffix("]]")).is_some_and(|n| n.trim() == "step")
}

/// Whether a header line sets `key` (`key = ...`).
fn is_key(line: &str, key: &str) -> bool {
    line.trim_start().strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('='))
}

/// The name of the table a header line opens (`[ variant."ash" ]` is `variant.ash`), if it opens
/// one that is no array of tables.
fn table_name(line: &str) -> Option<String> {
    let inner = line.trim().strip_prefix('[')?.split(']').next()?;
    (!inner.starts_with('[')).then(|| inner.chars().filter(|c| !c.is_whitespace() && *c != '"').collect())
}

/// The dialect a variant names (in `[variant.NAME]` or a section's brackets): ash or bash.
fn variant_dialect(name: &str) -> Result<Dialect, String> {
    match Dialect::from_name(name) {
        Some(Dialect::Dash) => {
            Err("dash has no variant: the case itself is what dash does (its sections have no brackets)".into())
        }
        Some(d) => Ok(d),
        None => Err(format!("unknown dialect `{name}`: variants are for `ash` (busybox ash) and `bash`")),
    }
}

/// The pipelines `lists` name in a trace, each a range of its lines, none sharing a line.
fn pipelines_in(lists: &[Vec<usize>], trace: &[u8]) -> Result<Vec<Pipeline>, String> {
    let line_count =
        trace.iter().filter(|&&b| b == b'\n').count() + usize::from(!trace.ends_with(b"\n") && !trace.is_empty());
    let pipelines: Vec<Option<Pipeline>> = lists.iter().map(|l| Pipeline::from_list(l)).collect();
    if let Some((list, _)) = lists.iter().zip(&pipelines).find(|(_, p)| p.as_ref().is_none_or(|p| p.end > line_count)) {
        let (a, b) = (list.first().copied().unwrap_or(0), list.last().copied().unwrap_or(0));
        return Err(format!("pipeline [{a}, {b}] is not a range of trace lines (1 to {line_count})"));
    }
    let pipelines: Vec<Pipeline> = pipelines.into_iter().flatten().collect();
    // Each trace line belongs to one pipeline at most: two that share lines cannot both be
    // read back as the shell wrote them.
    let mut spans: Vec<(usize, usize)> = pipelines.iter().map(|p| (p.writers[0], p.end)).collect();
    spans.sort_unstable();
    if let Some(w) = spans.windows(2).find(|w| w[1].0 <= w[0].1) {
        let ((a, b), (c, d)) = (w[0], w[1]);
        return Err(format!("pipelines [{a}, {b}] and [{c}, {d}] share trace lines"));
    }
    Ok(pipelines)
}

/// Parses the bytes of a case file read from `path`.
pub fn parse_case(path: &Path, bytes: &[u8]) -> Result<Case, CaseError> {
    let display = path.display().to_string();
    let err = |line: usize, message: String| CaseError::at(path, line, message);
    let lines: Vec<&[u8]> = split_lines(bytes);
    let header_end = lines.iter().position(|l| l.starts_with(b"~~~")).unwrap_or(lines.len());
    let header_bytes: Vec<u8> = lines[..header_end].iter().flat_map(|l| l.iter().copied().chain([b'\n'])).collect();
    let header_text = String::from_utf8(header_bytes).map_err(|e| {
        err(
            crate::world::line_of(&String::from_utf8_lossy(e.as_bytes()), e.utf8_error().valid_up_to()),
            "the header is not UTF-8".into(),
        )
    })?;
    let header: Header = toml::from_str(&header_text).map_err(|e| {
        let line = e.span().map_or(1, |s| crate::world::line_of(&header_text, s.start));
        err(line, format!("bad case header: {}", one_line(e.message())))
    })?;
    let at = HeaderLines::new(&header_text);

    // The command lines: the top-level one, or one per [[step]].
    let invocation = |command: &str, line: usize| -> Result<Invocation, CaseError> {
        // A command line is run as written: a placeholder there would reach weave as its own text.
        if let Some(token) = crate::compare::patterns::placeholder_in(command.as_bytes()) {
            return Err(err(
                line,
                format!(
                    "`command` holds the placeholder `{token}`: a command line is run as written, so placeholders \
                     belong only in the trace, stdout, calls and state sections"
                ),
            ));
        }
        let words = shell_words::split(command)
            .map_err(|e| err(line, format!("command is not a valid shell command line: {e}")))?;
        Invocation::from_words(&words).map_err(|m| err(line, m))
    };
    let scenario = !header.step.is_empty();
    let mut steps: Vec<(Step, Vec<Vec<usize>>)> = Vec::new();
    // Each scenario step's `[step.variant.D]` tables.
    let mut step_variants: Vec<BTreeMap<String, StepVariantHeader>> = Vec::new();
    if scenario {
        if header.command.is_some() {
            return Err(err(
                at.top("command"),
                "a case takes a top-level `command` or `[[step]]` tables, not both".into(),
            ));
        }
        for key in ["status", "pipelines"] {
            if at.find(0, key).is_some() {
                return Err(err(at.top(key), format!("in a scenario, `{key}` belongs in each `[[step]]` table")));
            }
        }
        if header.step.len() == 1 {
            return Err(err(
                at.step(0, "command"),
                "a scenario has two steps or more; one command line is written as a top-level `command`".into(),
            ));
        }
        for (k, s) in header.step.into_iter().enumerate() {
            let Some(command) = s.command else {
                return Err(err(at.step(k, "command"), format!("step {} has no `command`", k + 1)));
            };
            let Some(status) = s.status else {
                return Err(err(at.step(k, "status"), format!("step {} has no `status`", k + 1)));
            };
            exit_status(status).map_err(|m| err(at.step(k, "status"), m))?;
            let invocation = invocation(&command, at.step(k, "command"))?;
            steps.push((Step { invocation, status, note: s.note, ..Step::default() }, s.pipelines));
            step_variants.push(s.variant);
        }
    } else {
        let Some(command) = header.command else {
            return Err(err(1, "the case has no `command` (nor `[[step]]` tables)".into()));
        };
        let Some(status) = header.status else {
            return Err(err(at.top("command"), "the case has no `status`".into()));
        };
        exit_status(status).map_err(|m| err(at.top("status"), m))?;
        let invocation = invocation(&command, at.top("command"))?;
        steps.push((Step { invocation, status, ..Step::default() }, header.pipelines.unwrap_or_default()));
    }

    let (world, world_file) = match (header.world, header.world_file) {
        (Some(_), Some(_)) => {
            return Err(err(at.top("world_file"), "a case takes world_file or a [world] table, not both".into()))
        }
        (Some(world), None) => (world.validated(&header_text, &display, 1)?, None),
        (None, Some(file)) => {
            let base = path.parent().unwrap_or(Path::new("."));
            let world = World::load(&base.join(&file))?;
            (world, Some(file))
        }
        (None, None) => (World::default(), None),
    };

    // What a section may write in brackets besides the kinds: what the redactions leave.
    let redactions: Vec<&str> = header.redact.iter().chain(&world.redact).map(|r| r.placeholder.as_str()).collect();

    // The variants' headers: each dialect's why (and a one-command case's status and pipelines),
    // then a scenario's per step. Their pipelines are read once the sections are: (dialect,
    // step, lists, line).
    let n = steps.len();
    let mut variants: Vec<(Variant, usize)> = Vec::new();
    let mut variant_lists: Vec<(Dialect, usize, Vec<Vec<usize>>, usize)> = Vec::new();
    for (name, v) in header.variant {
        let table = format!("variant.{name}");
        let line = at.table(&table, None).unwrap_or(1);
        let dialect = variant_dialect(&name).map_err(|m| err(line, m))?;
        let why = match v.why.as_deref().map(str::trim) {
            None | Some("") => {
                return Err(err(line, format!("`[{table}]` has no `why`: one line saying why {name} differs here")))
            }
            Some(why) if why.contains('\n') => {
                return Err(err(at.in_table(&table, None, "why", line), "`why` is one line".into()))
            }
            Some(why) => why.to_string(),
        };
        let mut steps = vec![StepVariant::default(); n];
        for (key, given) in [("status", v.status.is_some()), ("pipelines", v.pipelines.is_some())] {
            if scenario && given {
                return Err(err(
                    at.in_table(&table, None, key, line),
                    format!("in a scenario, {name}'s `{key}` belongs in each step's `[step.variant.{name}]` table"),
                ));
            }
        }
        if let Some(status) = v.status {
            exit_status(status).map_err(|m| err(at.in_table(&table, None, "status", line), m))?;
            steps[0].status = Some(status);
        }
        if let Some(lists) = v.pipelines {
            variant_lists.push((dialect, 0, lists, at.in_table(&table, None, "pipelines", line)));
        }
        variants.push((Variant { dialect, why, steps }, line));
    }
    for (k, tables) in step_variants.into_iter().enumerate() {
        for (name, v) in tables {
            let table = format!("step.variant.{name}");
            let line = at.table(&table, Some(k)).unwrap_or_else(|| at.step(k, "command"));
            let dialect = variant_dialect(&name).map_err(|m| err(line, m))?;
            let Some((variant, _)) = variants.iter_mut().find(|(v, _)| v.dialect == dialect) else {
                return Err(err(
                    line,
                    format!(
                        "`[{table}]` needs a top-level `[variant.{name}]` table whose `why` says why {name} differs"
                    ),
                ));
            };
            if let Some(status) = v.status {
                exit_status(status).map_err(|m| err(at.in_table(&table, Some(k), "status", line), m))?;
                variant.steps[k].status = Some(status);
            }
            if let Some(lists) = v.pipelines {
                variant_lists.push((dialect, k, lists, at.in_table(&table, Some(k), "pipelines", line)));
            }
        }
    }

    // The sections: per step (numbered in a scenario), each maybe with variants, then the state.
    let mut sections: Vec<[Option<Vec<u8>>; 3]> = vec![[None, None, None]; n];
    // Variant sections by (dialect, step, kind): the content and the fence's line.
    let mut variant_sections: BTreeMap<(Dialect, usize, usize), (Vec<u8>, usize)> = BTreeMap::new();
    let mut state: Option<Vec<u8>> = None;
    let mut i = header_end;
    while i < lines.len() {
        let line = lines[i];
        if line.iter().all(u8::is_ascii_whitespace) {
            i += 1;
            continue;
        }
        let text =
            std::str::from_utf8(line).map_err(|_| err(i + 1, "expected a section fence like `~~~ trace`".into()))?;
        let tildes = text.bytes().take_while(|&b| b == b'~').count();
        let rest = text[tildes..].trim();
        if tildes < 3 || rest.is_empty() {
            return Err(err(i + 1, format!("expected a section fence like `~~~ trace`, found `{}`", text.trim_end())));
        }
        let (name, no_eol) = match rest.strip_suffix(NO_EOL) {
            Some(n) => (n.trim(), true),
            None => (rest, false),
        };
        // A variant's section: `trace [ash]`, `stdout 2 [bash]`.
        let (plain, dialect) = match name.strip_suffix(']').and_then(|n| n.rsplit_once('[')) {
            Some((plain, d)) => {
                let dialect = variant_dialect(d.trim()).map_err(|m| err(i + 1, m))?;
                if !variants.iter().any(|(v, _)| v.dialect == dialect) {
                    let d = dialect.name();
                    return Err(err(
                        i + 1,
                        format!("section `{name}` needs a `[variant.{d}]` table whose `why` says why {d} differs"),
                    ));
                }
                (plain.trim(), Some(dialect))
            }
            None => (name, None),
        };
        let (word, number) = match plain.split_once(' ') {
            Some((w, num)) => (w, Some(num.trim())),
            None => (plain, None),
        };
        let slot = if word == "state" && number.is_none() {
            if dialect.is_some() {
                return Err(err(i + 1, "the state has no variants: a case asserts one world after its run".into()));
            }
            None
        } else {
            let Some(kind) = STEP_SECTIONS.iter().position(|s| *s == word) else {
                let names = if scenario { "trace N, stdout N, calls N, state" } else { "trace, stdout, calls, state" };
                return Err(err(i + 1, format!("unknown section `{name}` (sections are {names})")));
            };
            let step = match (scenario, number) {
                (false, None) => 0,
                (false, Some(_)) => {
                    return Err(err(
                        i + 1,
                        format!("section `{name}` is numbered, but a one-command case has `~~~ {word}`"),
                    ))
                }
                (true, None) => {
                    return Err(err(i + 1, format!("a scenario numbers its sections by step: `~~~ {word} 1`, ...")))
                }
                (true, Some(num)) => match num.parse::<usize>() {
                    Ok(k) if (1..=n).contains(&k) => k - 1,
                    _ => {
                        return Err(err(
                            i + 1,
                            format!("extra section `{name}`: the scenario's steps are numbered 1 to {n}"),
                        ))
                    }
                },
            };
            Some((step, kind))
        };
        let taken = match (slot, dialect) {
            (Some((step, kind)), Some(d)) => variant_sections.contains_key(&(d, step, kind)),
            (Some((step, kind)), None) => sections[step][kind].is_some(),
            (None, _) => state.is_some(),
        };
        if taken {
            return Err(err(i + 1, format!("section `{name}` appears twice")));
        }
        let fence = &text.as_bytes()[..tildes];
        let start = i + 1;
        let Some(close) = (start..lines.len()).find(|&j| lines[j] == fence) else {
            return Err(err(i + 1, format!("section `{name}` is never closed by a `{}` line", &text[..tildes])));
        };
        // A misspelt placeholder would be compared as literal text and fail every run, unexplained.
        for (j, line) in lines[start..close].iter().enumerate() {
            if let Some(token) = crate::compare::patterns::unknown_placeholders(line, &redactions).next() {
                let known = crate::compare::patterns::known_placeholders(&redactions);
                return Err(err(start + j + 1, format!("unknown placeholder `{token}`: the placeholders are {known}")));
            }
        }
        let mut content: Vec<u8> = lines[start..close].iter().flat_map(|l| l.iter().copied().chain([b'\n'])).collect();
        if no_eol && content.pop().is_none() {
            return Err(err(i + 1, format!("section `{name}` is empty, so it cannot lack a final newline")));
        }
        match (slot, dialect) {
            (Some((step, kind)), Some(d)) => drop(variant_sections.insert((d, step, kind), (content, i + 1))),
            (Some((step, kind)), None) => sections[step][kind] = Some(content),
            (None, _) => state = Some(content),
        }
        i = close + 1;
    }
    let last = lines.len().max(1);
    let mut out = Vec::with_capacity(n);
    for (k, ((mut step, lists), [trace, stdout, calls])) in steps.into_iter().zip(sections).enumerate() {
        let need = |s: Option<Vec<u8>>, name: &str| {
            let name = if scenario { format!("{name} {}", k + 1) } else { name.to_string() };
            s.ok_or_else(|| err(last, format!("the case has no `~~~ {name}` section")))
        };
        step.trace = need(trace, "trace")?;
        step.stdout = need(stdout, "stdout")?;
        step.calls = need(calls, "calls")?;
        let line = if scenario { at.step(k, "pipelines") } else { at.top("pipelines") };
        step.pipelines = pipelines_in(&lists, &step.trace).map_err(|m| err(line, m))?;
        out.push(step);
    }
    // The variants' sections and pipelines, each only where the shell differs from dash.
    for ((d, k, kind), (content, line)) in variant_sections {
        let name = format!(
            "{}{} [{}]",
            STEP_SECTIONS[kind],
            if scenario { format!(" {}", k + 1) } else { String::new() },
            d.name()
        );
        if out[k].sections()[kind] == &content {
            return Err(err(
                line,
                format!(
                    "section `{name}` is the same as dash's: a variant holds only what {} does otherwise",
                    d.name()
                ),
            ));
        }
        let Some((variant, _)) = variants.iter_mut().find(|(v, _)| v.dialect == d) else { continue };
        let slot = match kind {
            0 => &mut variant.steps[k].trace,
            1 => &mut variant.steps[k].stdout,
            _ => &mut variant.steps[k].calls,
        };
        *slot = Some(content);
    }
    for (d, k, lists, line) in variant_lists {
        let Some((variant, _)) = variants.iter_mut().find(|(v, _)| v.dialect == d) else { continue };
        let Some(trace) = &variant.steps[k].trace else {
            let section =
                if scenario { format!("trace {} [{}]", k + 1, d.name()) } else { format!("trace [{}]", d.name()) };
            return Err(err(
                line,
                format!(
                    "{}'s `pipelines` go with a `~~~ {section}` section: without one, {} is held to dash's trace and pipelines",
                    d.name(),
                    d.name()
                ),
            ));
        };
        variant.steps[k].pipelines = pipelines_in(&lists, trace).map_err(|m| err(line, m))?;
    }
    for (variant, line) in &variants {
        let d = variant.dialect.name();
        for (k, (sv, step)) in variant.steps.iter().zip(&out).enumerate() {
            if sv.status == Some(step.status) {
                let line = if scenario {
                    at.in_table(&format!("step.variant.{d}"), Some(k), "status", *line)
                } else {
                    at.in_table(&format!("variant.{d}"), None, "status", *line)
                };
                return Err(err(
                    line,
                    format!("{d}'s `status` is the same as dash's: a variant holds only what {d} does otherwise"),
                ));
            }
        }
        if variant.steps.iter().all(StepVariant::is_empty) {
            return Err(err(
                *line,
                format!(
                    "`[variant.{d}]` varies nothing: give {d}'s own status or sections where it differs, or delete it"
                ),
            ));
        }
    }
    let variants: Vec<Variant> = variants.into_iter().map(|(v, _)| v).collect();
    for r in &header.redact {
        if r.regex.is_empty() {
            let line = header_text.find("[[redact]]").map_or(1, |o| crate::world::line_of(&header_text, o));
            return Err(err(line, "bad redaction: an empty regex matches everywhere".into()));
        }
        if let Err(e) = regex::bytes::Regex::new(&r.regex) {
            let message = e.to_string().lines().last().unwrap_or_default().trim().to_string();
            let line = header_text.find(&r.regex).map_or(1, |o| crate::world::line_of(&header_text, o));
            return Err(err(line, format!("bad redaction: regex is not valid: {message}")));
        }
    }
    Ok(Case { redact: header.redact, world_file, state, variants, ..Case::of_steps(path.to_path_buf(), out, world)? })
}

/// A case's `status`: what a process can exit with.
fn exit_status(status: i32) -> Result<(), String> {
    match status {
        0..=255 => Ok(()),
        _ => Err(format!("status {status} is not an exit status (0 to 255)")),
    }
}

/// Lines without their newlines; a final newline does not start another line.
fn split_lines(bytes: &[u8]) -> Vec<&[u8]> {
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    if bytes.ends_with(b"\n") || bytes.is_empty() {
        lines.pop();
    }
    lines
}

/// The calls as a case keeps them: one line per call, the words shell-quoted, led by the passed-
/// through variables that were set; stdin, when there was any, on the next line.
pub fn render_calls(calls: &[Call]) -> Vec<u8> {
    let mut out = String::new();
    render_calls_within(calls, "", &mut out);
    out.into_bytes()
}

/// What leads a call made inside a container (weaveexec's `--local` runs) in a rendered calls
/// section, under the call that started it.
pub const NESTED_LEAD: &str = "  > ";

/// The calls, each line led by `lead`; the calls made inside a container a call started
/// follow it, each led by `lead` and [`NESTED_LEAD`].
fn render_calls_within(calls: &[Call], lead: &str, out: &mut String) {
    for call in calls {
        let mut words: Vec<String> = call.env.iter().map(|(k, v)| format!("{k}={}", quote(&v.0))).collect();
        words.extend(call.argv.iter().map(|a| quote(&a.0)));
        out.push_str(lead);
        out.push_str(&words.join(" "));
        out.push('\n');
        if !call.stdin.0.is_empty() {
            out.push_str(&format!("{lead}  stdin: {}\n", quote(&call.stdin.0)));
        }
        if let Some(nested) = &call.nested {
            render_calls_within(&nested.calls, &format!("{lead}{NESTED_LEAD}"), out);
        }
    }
}

/// Shell quoting for reading: bare when every byte is plainly safe, in single quotes otherwise, and
/// as `$'...'` (escaped) when a word holds control bytes or is not UTF-8, so that one call stays on
/// one line.
pub fn quote(word: &[u8]) -> String {
    quote_word(word, false)
}

/// Quoting for a case's `command`, which `shell_words::split` must read back: control bytes stay raw
/// inside single quotes.
pub fn quote_command_word(word: &str) -> String {
    quote_word(word.as_bytes(), true)
}

fn quote_word(word: &[u8], raw_controls: bool) -> String {
    let safe = |b: &u8| b.is_ascii_alphanumeric() || b"_@%+=:,./-".contains(b);
    match std::str::from_utf8(word) {
        Ok(s) if !s.is_empty() && word.iter().all(safe) => s.to_string(),
        Ok(s) if raw_controls || !s.contains(char::is_control) => format!("'{}'", s.replace('\'', "'\\''")),
        _ => {
            let mut out = String::from("$'");
            for &b in word {
                match b {
                    b'\\' | b'\'' => {
                        out.push('\\');
                        out.push(b as char);
                    }
                    b'\n' => out.push_str("\\n"),
                    b'\t' => out.push_str("\\t"),
                    0x20..=0x7e => out.push(b as char),
                    _ => out.push_str(&format!("\\x{b:02x}")),
                }
            }
            out.push('\'');
            out
        }
    }
}

/// A case file rewritten with new expectations: its header kept as written (comments, world,
/// redactions, notes, each variant's `why`) but for each step's `status` and `pipelines` and the
/// variants' tables, its sections replaced. `case` holds the new expectations, one step per step
/// of the case as written (their invocations and notes are not used), its variants and the
/// optional state. Placeholder-shaped text its sections hold besides what its redactions leave is
/// declared as literal (see [`declared_literals`]). A key whose value did not change keeps its
/// line as written; a variant table nothing is left in goes, with the comment lines just above it.
pub fn rewrite_case(original: &[u8], case: &Case) -> Vec<u8> {
    let lines = split_lines(original);
    let header_end = lines.iter().position(|l| l.starts_with(b"~~~")).unwrap_or(lines.len());
    let scenario = case.is_scenario();
    let mut blocks = header_blocks(&lines[..header_end], scenario);
    // The blocks as they are to be: each step's and variant's keys set, the tables of variants
    // gone dropped, those of new ones added in their places.
    let mut kept: Vec<Block> = Vec::new();
    for mut block in blocks.drain(..) {
        let keep = match block.kind {
            BlockKind::Step(k) => match case.steps.get(k) {
                Some(step) => {
                    block.lines = set_keys(&block.lines, "command", Some(step.status), &step.pipelines);
                    true
                }
                None => true,
            },
            BlockKind::Variant(d) => match case.variant(d) {
                Some(v) if !scenario => {
                    let sv = &v.steps[0];
                    block.lines = set_keys(&block.lines, "why", sv.status, variant_pipelines(sv));
                    true
                }
                Some(_) => true,
                None => false,
            },
            BlockKind::StepVariant(k, d) => {
                match case.variant(d).and_then(|v| v.steps.get(k)).filter(|sv| has_step_keys(sv)) {
                    Some(sv) => {
                        block.lines = set_keys(&block.lines, "", sv.status, variant_pipelines(sv));
                        true
                    }
                    None => false,
                }
            }
            BlockKind::Other => true,
        };
        if keep {
            kept.push(block);
        }
    }
    for v in &case.variants {
        let d = v.dialect;
        if !kept.iter().any(|b| b.kind == BlockKind::Variant(d)) {
            let mut table = vec![
                format!("[variant.{}]", d.name()).into_bytes(),
                format!("why = {}", toml_string(&v.why)).into_bytes(),
            ];
            if !scenario {
                table.extend(variant_key_lines(&v.steps[0]));
            }
            // After the variants of dialects before it, else before those after it, else (one
            // command) after the top-level keys or (a scenario) before the first step.
            let at = kept
                .iter()
                .rposition(|b| matches!(b.kind, BlockKind::Variant(e) if e < d))
                .map(|i| i + 1)
                .or_else(|| kept.iter().position(|b| matches!(b.kind, BlockKind::Variant(_))))
                .or_else(|| {
                    if scenario {
                        kept.iter().position(|b| matches!(b.kind, BlockKind::Step(_)))
                    } else {
                        Some(1)
                    }
                })
                .unwrap_or(kept.len())
                .min(kept.len());
            insert_block(&mut kept, at, Block { kind: BlockKind::Variant(d), lines: table }, true);
        }
        if !scenario {
            continue;
        }
        for (k, sv) in v.steps.iter().enumerate().filter(|(_, sv)| has_step_keys(sv)) {
            if kept.iter().any(|b| b.kind == BlockKind::StepVariant(k, d)) {
                continue;
            }
            let mut table = vec![format!("[step.variant.{}]", d.name()).into_bytes()];
            table.extend(variant_key_lines(sv));
            // Right after the step's own keys and its variants of dialects before this one.
            let Some(at) = kept.iter().rposition(|b| {
                matches!(b.kind, BlockKind::Step(j) if j == k)
                    || matches!(b.kind, BlockKind::StepVariant(j, e) if j == k && e < d)
            }) else {
                continue;
            };
            insert_block(&mut kept, at + 1, Block { kind: BlockKind::StepVariant(k, d), lines: table }, false);
        }
    }
    let mut out: Vec<u8> = kept.iter().flat_map(|b| &b.lines).flat_map(|l| l.iter().copied().chain([b'\n'])).collect();
    while out.ends_with(b"\n\n") {
        out.pop();
    }
    out.extend_from_slice(&declared_literals(case, &case.redaction_placeholders()));
    write_sections(&mut out, case);
    out
}

/// What a part of a case's header is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BlockKind {
    /// A step's keys: a one-command case's top-level keys, or a scenario's `[[step]]` table.
    Step(usize),
    /// `[variant.D]`.
    Variant(Dialect),
    /// A scenario step's `[step.variant.D]`.
    StepVariant(usize, Dialect),
    /// Anything else: a scenario's top-level keys, `[[redact]]`, `[world]`.
    Other,
}

/// A part of a header: a table (with the comment lines just above it), or the top-level keys.
struct Block {
    kind: BlockKind,
    lines: Vec<Vec<u8>>,
}

/// A header cut into blocks, each table with the comment lines right above it (the file's opening
/// comment stays with the top-level keys).
fn header_blocks(header: &[&[u8]], scenario: bool) -> Vec<Block> {
    let mut blocks =
        vec![Block { kind: if scenario { BlockKind::Other } else { BlockKind::Step(0) }, lines: Vec::new() }];
    let mut steps = 0;
    for line in header {
        let text = String::from_utf8_lossy(line);
        let kind = if scenario && is_step_table(&text) {
            steps += 1;
            Some(BlockKind::Step(steps - 1))
        } else if text.trim_start().starts_with('[') {
            let name = table_name(&text).unwrap_or_default();
            let dialect = |n: &str| Dialect::from_name(n).filter(|d| *d != Dialect::Dash);
            Some(
                match (
                    name.strip_prefix("variant.").and_then(dialect),
                    name.strip_prefix("step.variant.").and_then(dialect),
                ) {
                    (Some(d), _) => BlockKind::Variant(d),
                    (_, Some(d)) if scenario && steps > 0 => BlockKind::StepVariant(steps - 1, d),
                    _ => BlockKind::Other,
                },
            )
        } else {
            None
        };
        let Some(kind) = kind else {
            if let Some(b) = blocks.last_mut() {
                b.lines.push(line.to_vec());
            }
            continue;
        };
        let mut lines = Vec::new();
        if blocks.len() > 1 {
            let before = &mut blocks.last_mut().map(|b| &mut b.lines);
            if let Some(prev) = before {
                let comments = prev.iter().rev().take_while(|l| l.trim_ascii_start().starts_with(b"#")).count();
                lines = prev.split_off(prev.len() - comments);
            }
        }
        lines.push(line.to_vec());
        blocks.push(Block { kind, lines });
    }
    blocks
}

/// Puts a new table at `at`: the blank lines that ended the block before it move after it, so the
/// file keeps its spacing; `apart` sets the table apart from what is before it by a blank line.
fn insert_block(blocks: &mut Vec<Block>, at: usize, mut block: Block, apart: bool) {
    if let Some(prev) = at.checked_sub(1).and_then(|i| blocks.get_mut(i)) {
        let blanks = prev.lines.iter().rev().take_while(|l| l.iter().all(u8::is_ascii_whitespace)).count();
        let moved = prev.lines.split_off(prev.lines.len() - blanks);
        if apart && !prev.lines.is_empty() {
            block.lines.insert(0, Vec::new());
        }
        block.lines.extend(moved);
    }
    blocks.insert(at, block);
}

/// Whether a scenario step's variant needs a `[step.variant.D]` table: a status or pipelines.
fn has_step_keys(sv: &StepVariant) -> bool {
    sv.status.is_some() || !variant_pipelines(sv).is_empty()
}

/// The pipelines a variant writes: those of its own trace (without one it has none).
fn variant_pipelines(sv: &StepVariant) -> &[Pipeline] {
    if sv.trace.is_some() {
        &sv.pipelines
    } else {
        &[]
    }
}

/// A variant's `status` and `pipelines` lines, where it has them.
fn variant_key_lines(sv: &StepVariant) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    if let Some(status) = sv.status {
        lines.push(format!("status = {status}").into_bytes());
    }
    if !variant_pipelines(sv).is_empty() {
        lines.push(pipelines_toml(variant_pipelines(sv)).into_bytes());
    }
    lines
}

/// A block's lines with `status` and `pipelines` set: a line whose value is unchanged kept as
/// written, one whose key goes (`None`, no pipelines) dropped, a missing one added after the line
/// of `after` (or the table's header, when `after` is empty), pipelines after the status.
fn set_keys(lines: &[Vec<u8>], after: &str, status: Option<i32>, pipelines: &[Pipeline]) -> Vec<Vec<u8>> {
    let value = |text: &str| -> String {
        let v = text.split_once('=').map_or("", |(_, v)| v);
        v.split('#').next().unwrap_or_default().chars().filter(|c| !c.is_whitespace()).collect()
    };
    let want_status = status.map(|s| format!("status = {s}"));
    let want_pipelines = (!pipelines.is_empty()).then(|| pipelines_toml(pipelines));
    let mut out: Vec<Vec<u8>> = Vec::new();
    // Where a missing status goes, and where missing pipelines go (after the status).
    let (mut anchor, mut status_at) = (None, None);
    let (mut has_status, mut has_pipelines) = (false, false);
    for line in lines {
        let text = String::from_utf8_lossy(line);
        for (key, want, has) in
            [("status", &want_status, &mut has_status), ("pipelines", &want_pipelines, &mut has_pipelines)]
        {
            if is_key(&text, key) {
                *has = true;
                if let Some(want) = want {
                    out.push(if value(&text) == value(want) { line.clone() } else { want.clone().into_bytes() });
                    if key == "status" {
                        status_at = Some(out.len());
                    }
                }
            }
        }
        if is_key(&text, "status") || is_key(&text, "pipelines") {
            continue;
        }
        out.push(line.clone());
        let opens = after.is_empty() && text.trim_start().starts_with('[');
        if anchor.is_none() && (opens || (!after.is_empty() && is_key(&text, after))) {
            anchor = Some(out.len());
        }
    }
    let mut at = anchor.unwrap_or(out.len());
    if let (Some(s), false) = (&want_status, has_status) {
        out.insert(at, s.clone().into_bytes());
        at += 1;
        status_at = Some(at);
    }
    if let (Some(p), false) = (&want_pipelines, has_pipelines) {
        out.insert(status_at.unwrap_or(at).min(out.len()), p.clone().into_bytes());
    }
    out
}

/// A `[[redact]]` table for each distinct piece of text in the sections that is written like a
/// placeholder (`[INFO]`) but is none (not a kind, nor one of `known`): the subject's own text,
/// which a case that did not declare it would be refused for. Each replaces the text by itself, so
/// it reads as what it is.
fn declared_literals(case: &Case, known: &[&str]) -> Vec<u8> {
    let mut found: Vec<String> = Vec::new();
    let dash = case.steps.iter().flat_map(|s| s.sections()).map(Vec::as_slice);
    let variants = case.variants.iter().flat_map(|v| &v.steps).flat_map(|s| s.sections()).flatten().map(Vec::as_slice);
    for line in dash.chain(variants).chain(case.state.as_deref()).flat_map(|text| text.split(|&b| b == b'\n')) {
        for token in crate::compare::patterns::unknown_placeholders(line, known) {
            if !found.iter().any(|f| f == token) {
                found.push(token.to_string());
            }
        }
    }
    let mut out = Vec::new();
    for token in found {
        let table = format!(
            "\n# `{token}` is the subject's own text, not a placeholder: declared as itself.\n[[redact]]\nregex = {}\nplaceholder = {}\n",
            toml_string(&regex::escape(&token)),
            toml_string(&token)
        );
        out.extend_from_slice(table.as_bytes());
    }
    out
}

/// Every step's sections (numbered in a scenario), each followed by its variants' (`~~~ trace
/// [ash]`), then the state if there is one.
fn write_sections(out: &mut Vec<u8>, case: &Case) {
    let scenario = case.is_scenario();
    for (k, step) in case.steps.iter().enumerate() {
        for (kind, (name, content)) in STEP_SECTIONS.iter().zip(step.sections()).enumerate() {
            let name = if scenario { format!("{name} {}", k + 1) } else { name.to_string() };
            write_section(out, &name, content);
            for v in &case.variants {
                if let Some(content) = v.steps.get(k).and_then(|sv| sv.sections()[kind]) {
                    write_section(out, &format!("{name} [{}]", v.dialect.name()), content);
                }
            }
        }
    }
    if let Some(state) = &case.state {
        write_section(out, "state", state);
    }
}

/// `pipelines = [[13, 14], [28, 29, 30, 33]]`.
fn pipelines_toml(pipelines: &[Pipeline]) -> String {
    let list: Vec<String> = pipelines
        .iter()
        .map(|p| format!("[{}]", p.to_list().iter().map(usize::to_string).collect::<Vec<_>>().join(", ")))
        .collect();
    format!("pipelines = [{}]", list.join(", "))
}

/// Appends one fenced section, a blank line before it.
fn write_section(out: &mut Vec<u8>, name: &str, content: &[u8]) {
    out.push(b'\n');
    let mut fence = "~~~".to_string();
    while split_lines(content).contains(&fence.as_bytes()) {
        fence.push('~');
    }
    let no_eol = !content.is_empty() && !content.ends_with(b"\n");
    out.extend_from_slice(
        format!("{fence} {name}{}\n", if no_eol { format!(" {NO_EOL}") } else { String::new() }).as_bytes(),
    );
    out.extend_from_slice(content);
    if no_eol {
        out.push(b'\n');
    }
    out.extend_from_slice(format!("{fence}\n").as_bytes());
}

/// Writes a case file's bytes.
pub fn write_case(case: &Case, comment: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for line in comment.lines() {
        out.extend_from_slice(format!("# {line}\n").as_bytes());
    }
    // Top-level keys before any table (`[[step]]`, `[[redact]]`): after a header a key belongs
    // to the table. A one-command case's world file follows its command, as the goldens have it.
    let world_file = |out: &mut Vec<u8>| {
        if let Some(file) = &case.world_file {
            out.extend_from_slice(format!("world_file = {}\n", toml_string(file)).as_bytes());
        }
    };
    // Each variant's table: why, and in a one-command case its status and pipelines.
    let variant_tables = |out: &mut Vec<u8>| {
        for v in &case.variants {
            out.extend_from_slice(
                format!("\n[variant.{}]\nwhy = {}\n", v.dialect.name(), toml_string(&v.why)).as_bytes(),
            );
            if !case.is_scenario() {
                for line in variant_key_lines(&v.steps[0]) {
                    out.extend_from_slice(&line);
                    out.push(b'\n');
                }
            }
        }
    };
    match case.steps.as_slice() {
        [step] => {
            write_step(&mut out, step);
            world_file(&mut out);
            variant_tables(&mut out);
        }
        steps => {
            world_file(&mut out);
            variant_tables(&mut out);
            for (k, step) in steps.iter().enumerate() {
                out.extend_from_slice(b"\n[[step]]\n");
                write_step(&mut out, step);
                if let Some(note) = &step.note {
                    out.extend_from_slice(format!("note = {}\n", toml_string(note)).as_bytes());
                }
                // A step's variant keys right after its own, in `[step.variant.D]`.
                for v in &case.variants {
                    let Some(sv) = v.steps.get(k).filter(|sv| has_step_keys(sv)) else { continue };
                    out.extend_from_slice(format!("[step.variant.{}]\n", v.dialect.name()).as_bytes());
                    for line in variant_key_lines(sv) {
                        out.extend_from_slice(&line);
                        out.push(b'\n');
                    }
                }
            }
        }
    }
    for r in &case.redact {
        out.extend_from_slice(
            format!("\n[[redact]]\nregex = {}\nplaceholder = {}\n", toml_string(&r.regex), toml_string(&r.placeholder))
                .as_bytes(),
        );
    }
    out.extend_from_slice(&declared_literals(case, &case.redaction_placeholders()));
    if case.world_file.is_none() && case.world != World::default() {
        let mut wrapped = toml::Table::new();
        wrapped.insert("world".into(), toml::Value::try_from(&case.world).expect("a world always serializes"));
        out.push(b'\n');
        out.extend_from_slice(toml::to_string(&wrapped).expect("a world always serializes").as_bytes());
    }
    write_sections(&mut out, case);
    out
}

/// A step's keys, the same at the top level of a one-command case and in a `[[step]]` table.
fn write_step(out: &mut Vec<u8>, step: &Step) {
    out.extend_from_slice(format!("command = {}\n", toml_string(&step.invocation.to_command_line())).as_bytes());
    out.extend_from_slice(format!("status = {}\n", step.status).as_bytes());
    if !step.pipelines.is_empty() {
        out.extend_from_slice(format!("{}\n", pipelines_toml(&step.pipelines)).as_bytes());
    }
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn case(trace: &[u8], stdout: &[u8]) -> Case {
        let step = Step {
            invocation: Invocation { env: vec![("VERSION".into(), "a b".into())], args: vec!["run".into(), "".into()] },
            status: 1,
            pipelines: vec![Pipeline { writers: vec![1, 2], end: 2 }],
            trace: trace.to_vec(),
            stdout: stdout.to_vec(),
            calls: b"docker -v\n".to_vec(),
            note: None,
        };
        Case { state: Some(b"weave: up\n".to_vec()), ..Case::of_step(PathBuf::from("t.case"), step, World::default()) }
    }

    #[test]
    fn round_trips_odd_content() {
        for (trace, stdout) in [
            (&b"+ a\n+ b\n"[..], &b""[..]),
            (b"+ a\n~~~\nmid\n", b"no newline"),
            (b"+ x\n\xff\x1b\r\n", b"\n"),
            (b"+ a\nlast", b"\n\n"),
        ] {
            let c = case(trace, stdout);
            let bytes = write_case(&c, "a comment");
            let back = parse_case(Path::new("t.case"), &bytes).unwrap();
            assert_eq!(back, c, "{}", String::from_utf8_lossy(&bytes));
        }
    }

    #[test]
    fn a_world_file_and_a_redaction_write_back_as_they_parse() {
        // The world file is a key of the case, so it must come before any `[[redact]]` table.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("w.toml"), "").unwrap();
        let redact = vec![crate::world::Redaction { regex: "[0-9a-f]{12}".into(), placeholder: "[ID]".into() }];
        let path = dir.path().join("t.case");
        let one = Case { path: path.clone(), world_file: Some("w.toml".into()), redact, ..case(b"+ a\n+ b\n", b"") };
        let two =
            Case { path: path.clone(), world_file: one.world_file.clone(), redact: one.redact.clone(), ..scenario() };
        for c in [one, two] {
            let bytes = write_case(&c, "a comment");
            let back = parse_case(&path, &bytes).unwrap_or_else(|e| panic!("{e}\n{}", String::from_utf8_lossy(&bytes)));
            assert_eq!((back.world_file.as_deref(), &back.redact), (Some("w.toml"), &c.redact));
            assert_eq!(write_case(&back, "a comment"), bytes);
        }
    }

    #[test]
    fn text_written_like_a_placeholder_is_declared_as_itself_so_the_case_loads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.case");
        // `[INFO]` twice and `[WARN]` in the sections; `[PID]` is a kind and `[ -n x ]` no placeholder.
        let c = Case { path: path.clone(), ..case(b"+ echo [INFO] [INFO] [ -n x ]\n+ b\n", b"[WARN] [PID] 7\n") };
        let bytes = write_case(&c, "a comment");
        let back = parse_case(&path, &bytes).unwrap_or_else(|e| panic!("{e}\n{}", String::from_utf8_lossy(&bytes)));
        assert_eq!(back.redaction_placeholders(), ["[INFO]", "[WARN]"]);
        // Rewritten (bless) with what is declared already known, nothing is declared twice.
        assert_eq!(rewrite_case(&bytes, &back), bytes);
    }

    #[test]
    fn a_status_no_process_exits_with_overlapping_pipelines_and_an_empty_redaction_are_refused() {
        let body = "\n~~~ trace\n+ a\n+ b\n+ c\n~~~\n\n~~~ stdout\n~~~\n\n~~~ calls\n~~~\n";
        for (header, line, says) in [
            ("command = \"weave\"\nstatus = 256\n", 2, "status 256 is not an exit status (0 to 255)"),
            ("command = \"weave\"\nstatus = -1\n", 2, "status -1 is not an exit status (0 to 255)"),
            ("command = \"weave\"\nstatus = 0\npipelines = [[1, 2], [2, 3]]\n", 3, "share trace lines"),
            ("command = \"weave\"\nstatus = 0\npipelines = [[1, 2], [1, 2]]\n", 3, "share trace lines"),
            (
                "command = \"weave\"\nstatus = 0\n\n[[redact]]\nregex = \"\"\nplaceholder = \"[X]\"\n",
                4,
                "an empty regex matches everywhere",
            ),
        ] {
            let text = format!("{header}{body}");
            let e = parse_case(Path::new("x.case"), text.as_bytes()).unwrap_err();
            assert_eq!(e.line, line, "{e}");
            assert!(e.to_string().contains(says), "{e}");
        }
        // What no command line can pass: a NUL byte, a word longer than Linux gives a program.
        for (command, says) in [
            ("weave a\\u0000b".to_string(), "NUL byte"),
            (format!("weave {}", "x".repeat(crate::case::MAX_WORD + 1)), "longer than Linux passes"),
        ] {
            let text = format!("command = \"{command}\"\nstatus = 0\n{body}");
            let e = parse_case(Path::new("x.case"), text.as_bytes()).unwrap_err();
            assert_eq!(e.line, 1, "{e}");
            assert!(e.to_string().contains(says), "{e}");
        }
        // Pipelines side by side are fine.
        let text = format!("command = \"weave\"\nstatus = 0\npipelines = [[1, 2], [3, 3]]\n{body}");
        assert!(parse_case(Path::new("x.case"), text.as_bytes()).is_ok());
    }

    #[test]
    fn a_case_without_a_command_line_is_an_error() {
        let e = Case::of_steps(PathBuf::from("x.case"), Vec::new(), World::default()).unwrap_err();
        assert_eq!((e.path.as_str(), e.line), ("x.case", 1), "{e}");
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = parse_case(Path::new("x.case"), b"command = \"weave run\"\nstatus = \"zero\"\n").unwrap_err();
        assert_eq!((e.line, e.path.as_str()), (2, "x.case"), "{e}");
        let e = parse_case(Path::new("x.case"), b"command = \"weave\"\nstatus = 0\n\n~~~ trace\n+ a\n").unwrap_err();
        assert_eq!(e.line, 4, "{e}");
        let e = parse_case(Path::new("x.case"), b"command = \"ls\"\nstatus = 0\n").unwrap_err();
        assert_eq!(e.line, 1, "{e}");
        let e = parse_case(Path::new("x.case"), b"command = \"weave\"\nstatus = 0\n~~~ trace\n~~~\n~~~ bogus\n~~~\n")
            .unwrap_err();
        assert_eq!(e.line, 5, "{e}");
        let e = parse_case(Path::new("x.case"), b"command = \"weave\"\nstatus = 0\n~~~ trace\n~~~\n~~~ stdout\n~~~\n")
            .unwrap_err();
        assert!(e.message.contains("calls"), "{e}");
        let e = parse_case(Path::new("x.case"), b"command = \"weave 'x\"\nstatus = 0\n").unwrap_err();
        assert_eq!(e.line, 1, "{e}");
    }

    #[test]
    fn inline_world_errors_point_into_the_case() {
        let e = parse_case(
            Path::new("x.case"),
            b"command = \"weave\"\nstatus = 0\n\n[world.docker]\nversion_statuss = 1\n",
        )
        .unwrap_err();
        assert_eq!(e.line, 5, "{e}");
    }

    fn scenario() -> Case {
        let mut c = case(b"+ a\n+ b\n", b"");
        let mut second = c.steps[0].clone();
        second.invocation.args = vec!["--local".into(), "hide".into(), "10.2.0.1/24".into()];
        second.note = Some("takes the \"address\" back".into());
        second.pipelines = vec![];
        second.trace = b"+ b\n~~~\n".to_vec();
        second.stdout = b"no newline".to_vec();
        second.status = 0;
        c.steps.push(second);
        c.world_file = None;
        c
    }

    #[test]
    fn a_scenario_round_trips_byte_for_byte() {
        let c = scenario();
        let bytes = write_case(&c, "two steps");
        let back = parse_case(Path::new("t.case"), &bytes).unwrap();
        assert_eq!(back, c, "{}", String::from_utf8_lossy(&bytes));
        assert_eq!(write_case(&back, "two steps"), bytes);
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("\n[[step]]\ncommand = \"VERSION='a b' weave run ''\"\nstatus = 1\n"), "{text}");
        assert!(text.contains("~~~ trace 1\n") && text.contains("~~~~ trace 2\n") && text.contains("~~~ calls 2\n"));
        // Rewritten with its own expectations, it stays as it was.
        assert_eq!(rewrite_case(&bytes, &c), bytes);
    }

    #[test]
    fn rewriting_a_scenario_keeps_comments_and_changes_each_step() {
        let c = scenario();
        let bytes = write_case(&c, "two steps");
        let mut text = String::from_utf8(bytes).unwrap();
        text = text.replacen("status = 0\n", "# my own comment\nstatus = 0  # was zero\n", 1);
        let mut steps = c.steps.clone();
        steps[1].status = 3;
        steps[1].pipelines = vec![Pipeline { writers: vec![1], end: 1 }];
        steps[0].calls = b"docker ps\n".to_vec();
        let out = rewrite_case(text.as_bytes(), &Case { steps: steps.clone(), state: None, ..c.clone() });
        let back = parse_case(Path::new("t.case"), &out).unwrap();
        assert_eq!((back.steps[0].status, back.steps[1].status), (1, 3));
        assert_eq!(back.steps[1].pipelines, steps[1].pipelines);
        assert_eq!(back.steps[0].calls, b"docker ps\n");
        assert_eq!(back.state, None);
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains("# my own comment\nstatus = 3\npipelines = [[1, 1]]\nnote = "), "{out}");
    }

    #[test]
    fn scenario_errors_name_file_and_line() {
        let steps =
            "[[step]]\ncommand = \"weave ps\"\nstatus = 0\n\n[[step]]\ncommand = \"weave status\"\nstatus = 1\n";
        let sections = |n: usize| -> String {
            (1..=n).map(|k| format!("~~~ trace {k}\n~~~\n~~~ stdout {k}\n~~~\n~~~ calls {k}\n~~~\n")).collect()
        };
        let parse = |text: String| parse_case(Path::new("s.case"), text.as_bytes());
        assert!(parse(format!("{steps}{}", sections(2))).is_ok());
        // A missing numbered section: the file's last line.
        let e = parse(format!("{steps}{}~~~ trace 2\n~~~\n~~~ stdout 2\n~~~\n", sections(1))).unwrap_err();
        assert!(e.message.contains("`~~~ calls 2`"), "{e}");
        assert_eq!(e.line, 17, "{e}");
        // An extra one: its fence.
        let e = parse(format!("{steps}{}~~~ trace 3\n~~~\n", sections(2))).unwrap_err();
        assert_eq!((e.line, e.message.contains("extra section `trace 3`")), (20, true), "{e}");
        // Unnumbered in a scenario, numbered in a one-command case.
        let e = parse(format!("{steps}~~~ trace\n~~~\n")).unwrap_err();
        assert_eq!(e.line, 8, "{e}");
        let e = parse("command = \"weave\"\nstatus = 0\n~~~ trace 1\n~~~\n".into()).unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        // A step without a command: its table's line.
        let e = parse(format!("{}{}", steps.replace("command = \"weave status\"\n", ""), sections(2))).unwrap_err();
        assert_eq!((e.line, e.message.as_str()), (5, "step 2 has no `command`"), "{e}");
        // A bad command in step 2: its line.
        let e = parse(format!("{}{}", steps.replace("weave status", "ls"), sections(2))).unwrap_err();
        assert_eq!(e.line, 6, "{e}");
        // Both forms at once.
        let e = parse(format!("command = \"weave\"\n{steps}{}", sections(2))).unwrap_err();
        assert_eq!((e.line, e.message.contains("not both")), (1, true), "{e}");
        // A pipeline past a step's trace: the step's pipelines line.
        let e =
            parse(format!("{}{}", steps.replace("status = 1\n", "status = 1\npipelines = [[1, 2]]\n"), sections(2)))
                .unwrap_err();
        assert_eq!(e.line, 8, "{e}");
    }

    const VARIED: &str = "command = \"weave\"\nstatus = 0\npipelines = [[1, 2]]\n\n[variant.ash]\nwhy = \"echo leaves it alone\"\nstatus = 1\n\n~~~ trace\n+ a\n+ b\n~~~\n\n~~~ trace [ash]\n+ x\n~~~\n\n~~~ stdout\nhi\n~~~\n\n~~~ calls\n~~~\n";

    #[test]
    fn a_variant_is_read_and_each_dialect_sees_its_own_or_dashs() {
        let c = parse_case(Path::new("v.case"), VARIED.as_bytes()).unwrap();
        assert_eq!(c.variants.len(), 1);
        assert_eq!(c.variants[0].why, "echo leaves it alone");
        let ash = c.for_dialect(Dialect::Ash);
        assert_eq!((ash.steps[0].status, ash.steps[0].trace.as_slice()), (1, &b"+ x\n"[..]));
        // No variant pipelines: a variant trace brings none; stdout falls back to dash's.
        assert_eq!((ash.steps[0].pipelines.len(), ash.steps[0].stdout.as_slice()), (0, &b"hi\n"[..]));
        for d in [Dialect::Dash, Dialect::Bash] {
            assert!(matches!(c.for_dialect(d), std::borrow::Cow::Borrowed(_)));
        }
        // Written anew and rewritten, it reads back the same, byte for byte.
        let bytes = write_case(&c, "");
        assert_eq!(String::from_utf8_lossy(&bytes), VARIED);
        assert_eq!(rewrite_case(&bytes, &c), bytes);
    }

    #[test]
    fn variant_errors_name_file_and_line() {
        for (from, to, line, says) in [
            ("[variant.ash]", "[variant.zsh]", 5, "unknown dialect `zsh`"),
            ("[variant.ash]", "[variant.dash]", 5, "dash has no variant"),
            ("~~~ trace [ash]", "~~~ trace [zsh]", 14, "unknown dialect `zsh`"),
            ("~~~ trace [ash]", "~~~ trace [dash]", 14, "dash has no variant"),
            ("~~~ trace [ash]", "~~~ trace [bash]", 14, "needs a `[variant.bash]`"),
            ("why = \"echo leaves it alone\"\n", "", 5, "has no `why`"),
            ("+ x\n", "+ a\n+ b\n", 14, "same as dash's"),
            ("status = 1\n", "status = 0\n", 7, "same as dash's"),
            ("status = 1\n", "status = 1\npipelines = [[1, 2]]\n", 8, "not a range of trace lines"),
            ("~~~ trace [ash]\n+ x\n~~~\n", "~~~ state [ash]\n~~~\n", 14, "state has no variants"),
        ] {
            assert!(VARIED.contains(from), "{from}");
            let text = VARIED.replacen(from, to, 1);
            let e = parse_case(Path::new("v.case"), text.as_bytes()).unwrap_err();
            assert_eq!(e.line, line, "{e}\n{text}");
            assert!(e.message.contains(says), "{e}");
        }
        // A variant that varies nothing.
        let text = VARIED.replacen("status = 1\n", "", 1).replacen("~~~ trace [ash]\n+ x\n~~~\n", "", 1);
        let e = parse_case(Path::new("v.case"), text.as_bytes()).unwrap_err();
        assert_eq!((e.line, e.message.contains("varies nothing")), (5, true), "{e}");
        // Pipelines for ash without an ash trace.
        let text = VARIED.replacen("~~~ trace [ash]\n+ x\n~~~\n", "", 1).replacen(
            "status = 1\n",
            "status = 1\npipelines = [[1, 2]]\n",
            1,
        );
        let e = parse_case(Path::new("v.case"), text.as_bytes()).unwrap_err();
        assert_eq!((e.line, e.message.contains("go with a `~~~ trace [ash]`")), (8, true), "{e}");
    }

    #[test]
    fn a_scenario_keeps_its_variants_per_step() {
        let mut c = scenario();
        let mut view = c.steps.clone();
        view[1].status = 4;
        view[1].trace = b"+ bash\n".to_vec();
        view[1].pipelines = vec![Pipeline { writers: vec![1], end: 1 }];
        c.set_view(Dialect::Bash, &view);
        assert_eq!(c.variants[0].why, "bash differs here: say why");
        let bytes = write_case(&c, "two steps");
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            text.contains("[variant.bash]\nwhy = ")
                && text.contains("[step.variant.bash]\nstatus = 4\npipelines = [[1, 1]]\n"),
            "{text}"
        );
        assert!(text.contains("~~~ trace 2 [bash]\n+ bash\n~~~\n"), "{text}");
        let back = parse_case(Path::new("t.case"), &bytes).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.for_dialect(Dialect::Bash).steps, view);
        assert_eq!(rewrite_case(&bytes, &back), bytes);
        // A step's keys in `[step.variant.D]` refused for a dialect without `[variant.D]`.
        let text =
            String::from_utf8_lossy(&bytes).replace("[variant.bash]\nwhy = \"bash differs here: say why\"\n", "");
        let e = parse_case(Path::new("t.case"), text.as_bytes()).unwrap_err();
        assert!(e.message.contains("needs a top-level `[variant.bash]`"), "{e}");
    }

    #[test]
    fn blessing_a_dialect_writes_only_its_variant_and_drops_what_equals_dash() {
        let comment = "# my comment\n";
        let original = format!("{comment}{}", VARIED.replacen("status = 0\n", "status = 0  # kept\n", 1));
        let c = parse_case(Path::new("v.case"), original.as_bytes()).unwrap();
        // Bash now differs in stdout: a new variant, after ash's; dash's lines stay as written.
        let mut bash = c.clone();
        let mut view = c.steps.clone();
        view[0].stdout = b"hi\\c\n".to_vec();
        bash.set_view(Dialect::Bash, &view);
        let out = String::from_utf8(rewrite_case(original.as_bytes(), &bash)).unwrap();
        assert!(out.starts_with("# my comment\ncommand = \"weave\"\nstatus = 0  # kept\n"), "{out}");
        assert!(
            out.contains("status = 1\n\n[variant.bash]\nwhy = \"bash differs here: say why\"\n\n~~~ trace"),
            "{out}"
        );
        assert!(out.contains("~~~ stdout\nhi\n~~~\n\n~~~ stdout [bash]\nhi\\c\n~~~\n"), "{out}");
        assert_eq!(parse_case(Path::new("v.case"), out.as_bytes()).unwrap(), bash);
        // Ash now does what dash does: its variant, why and all, goes.
        let mut same = c.clone();
        same.set_view(Dialect::Ash, &c.steps);
        assert!(same.variants.is_empty());
        let out = String::from_utf8(rewrite_case(original.as_bytes(), &same)).unwrap();
        assert!(!out.contains("variant") && !out.contains("[ash]"), "{out}");
        assert_eq!(parse_case(Path::new("v.case"), out.as_bytes()).unwrap(), same);
        // Ash's status back to dash's, its trace still its own: the status line goes, the rest stays.
        let mut status = c.clone();
        let mut view = c.for_dialect(Dialect::Ash).steps.clone();
        view[0].status = 0;
        status.set_view(Dialect::Ash, &view);
        let out = String::from_utf8(rewrite_case(original.as_bytes(), &status)).unwrap();
        assert!(out.contains("[variant.ash]\nwhy = \"echo leaves it alone\"\n\n~~~ trace\n"), "{out}");
    }
}
