//! Reading and writing the case file format.

use super::{Case, CaseError, Invocation, Step};
use crate::fake::log::Call;
use crate::trace::Pipeline;
use crate::world::{one_line, World};
use serde::Deserialize;
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

    // The sections: per step (numbered in a scenario), then the state.
    let n = steps.len();
    let mut sections: Vec<[Option<Vec<u8>>; 3]> = vec![[None, None, None]; n];
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
        let (word, number) = match name.split_once(' ') {
            Some((w, num)) => (w, Some(num.trim())),
            None => (name, None),
        };
        let slot = if word == "state" && number.is_none() {
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
        let taken = match slot {
            Some((step, kind)) => sections[step][kind].is_some(),
            None => state.is_some(),
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
        match slot {
            Some((step, kind)) => sections[step][kind] = Some(content),
            None => state = Some(content),
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
        let line_count = step.trace.iter().filter(|&&b| b == b'\n').count()
            + usize::from(!step.trace.ends_with(b"\n") && !step.trace.is_empty());
        let pipelines: Vec<Option<Pipeline>> = lists.iter().map(|l| Pipeline::from_list(l)).collect();
        if let Some((list, _)) =
            lists.iter().zip(&pipelines).find(|(_, p)| p.as_ref().is_none_or(|p| p.end > line_count))
        {
            let (a, b) = (list.first().copied().unwrap_or(0), list.last().copied().unwrap_or(0));
            let line = if scenario { at.step(k, "pipelines") } else { at.top("pipelines") };
            return Err(err(line, format!("pipeline [{a}, {b}] is not a range of trace lines (1 to {line_count})")));
        }
        step.pipelines = pipelines.into_iter().flatten().collect();
        // Each trace line belongs to one pipeline at most: two that share lines cannot both be
        // read back as the shell wrote them.
        let mut spans: Vec<(usize, usize)> = step.pipelines.iter().map(|p| (p.writers[0], p.end)).collect();
        spans.sort_unstable();
        if let Some(w) = spans.windows(2).find(|w| w[1].0 <= w[0].1) {
            let line = if scenario { at.step(k, "pipelines") } else { at.top("pipelines") };
            let ((a, b), (c, d)) = (w[0], w[1]);
            return Err(err(line, format!("pipelines [{a}, {b}] and [{c}, {d}] share trace lines")));
        }
        out.push(step);
    }
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
    Ok(Case { redact: header.redact, world_file, state, ..Case::of_steps(path.to_path_buf(), out, world)? })
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
    for call in calls {
        let mut words: Vec<String> = call.env.iter().map(|(k, v)| format!("{k}={}", quote(&v.0))).collect();
        words.extend(call.argv.iter().map(|a| quote(&a.0)));
        out.push_str(&words.join(" "));
        out.push('\n');
        if !call.stdin.0.is_empty() {
            out.push_str(&format!("  stdin: {}\n", quote(&call.stdin.0)));
        }
    }
    out.into_bytes()
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
/// redactions, notes) but for each step's `status` and `pipelines`, its sections replaced.
/// `steps` are the new expectations, one per step of the case as written (their invocations and
/// notes are not used); `state` is the optional last section: the world after the run.
/// `known` are the placeholders the case's and its world's redactions leave: placeholder-shaped
/// text the new sections hold besides those is declared as literal (see [`declared_literals`]).
pub fn rewrite_case(original: &[u8], steps: &[Step], state: Option<&[u8]>, known: &[&str]) -> Vec<u8> {
    let lines = split_lines(original);
    let header_end = lines.iter().position(|l| l.starts_with(b"~~~")).unwrap_or(lines.len());
    let header = &lines[..header_end];
    let scenario = steps.len() > 1;
    // Which step's table each header line is in: None at the top level or in another table.
    let mut owner: Vec<Option<usize>> = Vec::with_capacity(header.len());
    let mut current = if scenario { None } else { Some(0) };
    let mut seen = 0;
    for line in header {
        let text = String::from_utf8_lossy(line);
        if scenario && is_step_table(&text) {
            current = Some(seen);
            seen += 1;
        } else if text.trim_start().starts_with('[') {
            // Another table: its keys are not a step's.
            current = None;
        }
        owner.push(current);
    }
    let mut out = Vec::new();
    for (i, line) in header.iter().enumerate() {
        let text = String::from_utf8_lossy(line);
        let step = owner[i].and_then(|k| steps.get(k).map(|s| (k, s)));
        if let Some((k, step)) = step {
            let pipelines_line = (!step.pipelines.is_empty()).then(|| pipelines_toml(&step.pipelines));
            if is_key(&text, "status") {
                out.extend_from_slice(format!("status = {}\n", step.status).as_bytes());
                let has_pipelines = (0..header.len())
                    .any(|j| owner[j] == Some(k) && is_key(&String::from_utf8_lossy(header[j]), "pipelines"));
                if let (Some(p), false) = (&pipelines_line, has_pipelines) {
                    out.extend_from_slice(format!("{p}\n").as_bytes());
                }
                continue;
            }
            if is_key(&text, "pipelines") {
                if let Some(p) = &pipelines_line {
                    out.extend_from_slice(format!("{p}\n").as_bytes());
                }
                continue;
            }
        }
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    while out.ends_with(b"\n\n") {
        out.pop();
    }
    out.extend_from_slice(&declared_literals(steps, state, known));
    write_sections(&mut out, steps, state);
    out
}

/// A `[[redact]]` table for each distinct piece of text in the sections that is written like a
/// placeholder (`[INFO]`) but is none (not a kind, nor one of `known`): the subject's own text,
/// which a case that did not declare it would be refused for. Each replaces the text by itself, so
/// it reads as what it is.
fn declared_literals(steps: &[Step], state: Option<&[u8]>, known: &[&str]) -> Vec<u8> {
    let mut found: Vec<String> = Vec::new();
    let sections = steps.iter().flat_map(|s| [&s.trace, &s.stdout, &s.calls]).map(Vec::as_slice).chain(state);
    for line in sections.flat_map(|text| text.split(|&b| b == b'\n')) {
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

/// Every step's sections (numbered in a scenario), then the state if there is one.
fn write_sections(out: &mut Vec<u8>, steps: &[Step], state: Option<&[u8]>) {
    let scenario = steps.len() > 1;
    for (k, step) in steps.iter().enumerate() {
        for (name, content) in STEP_SECTIONS.iter().zip([&step.trace, &step.stdout, &step.calls]) {
            let name = if scenario { format!("{name} {}", k + 1) } else { name.to_string() };
            write_section(out, &name, content);
        }
    }
    if let Some(state) = state {
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
    match case.steps.as_slice() {
        [step] => {
            write_step(&mut out, step);
            world_file(&mut out);
        }
        steps => {
            world_file(&mut out);
            for step in steps {
                out.extend_from_slice(b"\n[[step]]\n");
                write_step(&mut out, step);
                if let Some(note) = &step.note {
                    out.extend_from_slice(format!("note = {}\n", toml_string(note)).as_bytes());
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
    out.extend_from_slice(&declared_literals(&case.steps, case.state.as_deref(), &case.redaction_placeholders()));
    if case.world_file.is_none() && case.world != World::default() {
        let mut wrapped = toml::Table::new();
        wrapped.insert("world".into(), toml::Value::try_from(&case.world).expect("a world always serializes"));
        out.push(b'\n');
        out.extend_from_slice(toml::to_string(&wrapped).expect("a world always serializes").as_bytes());
    }
    write_sections(&mut out, &case.steps, case.state.as_deref());
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
        assert_eq!(rewrite_case(&bytes, &back.steps, back.state.as_deref(), &back.redaction_placeholders()), bytes);
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
        assert_eq!(rewrite_case(&bytes, &c.steps, c.state.as_deref(), &[]), bytes);
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
        let out = rewrite_case(text.as_bytes(), &steps, None, &[]);
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
}
