//! Reading and writing the case file format.

use super::Invocation;
use super::{Case, CaseError};
use crate::fake::log::Call;
use crate::trace::Pipeline;
use crate::world::{one_line, World};
use serde::Deserialize;
use std::path::Path;

/// The TOML header of a case file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    command: String,
    status: i32,
    #[serde(default)]
    pipelines: Vec<Vec<usize>>,
    world_file: Option<String>,
    world: Option<World>,
    #[serde(default)]
    redact: Vec<crate::world::Redaction>,
}

const SECTIONS: [&str; 4] = ["trace", "stdout", "calls", "state"];
const NO_EOL: &str = "(no newline at end)";

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
    let line_of_key =
        |key: &str| header_text.lines().position(|l| l.trim_start().starts_with(key)).map_or(1, |i| i + 1);

    let words = shell_words::split(&header.command)
        .map_err(|e| err(line_of_key("command"), format!("command is not a valid shell command line: {e}")))?;
    let invocation = Invocation::from_words(&words).map_err(|m| err(line_of_key("command"), m))?;

    let (world, world_file) = match (header.world, header.world_file) {
        (Some(_), Some(_)) => {
            return Err(err(line_of_key("world_file"), "a case takes world_file or a [world] table, not both".into()))
        }
        (Some(world), None) => (world.validated(&header_text, &display, 1)?, None),
        (None, Some(file)) => {
            let base = path.parent().unwrap_or(Path::new("."));
            let world = World::load(&base.join(&file))?;
            (world, Some(file))
        }
        (None, None) => (World::default(), None),
    };

    // The sections.
    let mut sections: [Option<Vec<u8>>; 4] = [None, None, None, None];
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
        let Some(slot) = SECTIONS.iter().position(|s| *s == name) else {
            return Err(err(i + 1, format!("unknown section `{name}` (sections are {})", SECTIONS.join(", "))));
        };
        if sections[slot].is_some() {
            return Err(err(i + 1, format!("section `{name}` appears twice")));
        }
        let fence = &text.as_bytes()[..tildes];
        let start = i + 1;
        let Some(close) = (start..lines.len()).find(|&j| lines[j] == fence) else {
            return Err(err(i + 1, format!("section `{name}` is never closed by a `{}` line", &text[..tildes])));
        };
        let mut content: Vec<u8> = lines[start..close].iter().flat_map(|l| l.iter().copied().chain([b'\n'])).collect();
        if no_eol && content.pop().is_none() {
            return Err(err(i + 1, format!("section `{name}` is empty, so it cannot lack a final newline")));
        }
        sections[slot] = Some(content);
        i = close + 1;
    }
    let last = lines.len().max(1);
    let [trace, stdout, calls, state] = sections;
    let need =
        |s: Option<Vec<u8>>, name: &str| s.ok_or_else(|| err(last, format!("the case has no `~~~ {name}` section")));
    let trace = need(trace, "trace")?;
    let stdout = need(stdout, "stdout")?;
    let calls = need(calls, "calls")?;
    let line_count =
        trace.iter().filter(|&&b| b == b'\n').count() + usize::from(!trace.ends_with(b"\n") && !trace.is_empty());
    let pipelines: Vec<Option<Pipeline>> = header.pipelines.iter().map(|l| Pipeline::from_list(l)).collect();
    if let Some((list, _)) =
        header.pipelines.iter().zip(&pipelines).find(|(_, p)| p.as_ref().is_none_or(|p| p.end > line_count))
    {
        let (a, b) = (list.first().copied().unwrap_or(0), list.last().copied().unwrap_or(0));
        return Err(err(
            line_of_key("pipelines"),
            format!("pipeline [{a}, {b}] is not a range of trace lines (1 to {line_count})"),
        ));
    }
    for r in &header.redact {
        if let Err(e) = regex::bytes::Regex::new(&r.regex) {
            let message = e.to_string().lines().last().unwrap_or_default().trim().to_string();
            let line = header_text.find(&r.regex).map_or(1, |o| crate::world::line_of(&header_text, o));
            return Err(err(line, format!("bad redaction: regex is not valid: {message}")));
        }
    }
    let name = path.with_extension("").display().to_string();
    Ok(Case {
        redact: header.redact,
        path: path.to_path_buf(),
        name,
        invocation,
        world,
        world_file,
        status: header.status,
        pipelines: pipelines.into_iter().flatten().collect(),
        trace,
        stdout,
        calls,
        state,
    })
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
/// redactions) but for `status` and `pipelines`, its sections replaced.
/// `state` is the optional last section: the world after the run.
pub fn rewrite_case(
    original: &[u8],
    status: i32,
    pipelines: &[Pipeline],
    sections: [&[u8]; 3],
    state: Option<&[u8]>,
) -> Vec<u8> {
    let lines = split_lines(original);
    let header_end = lines.iter().position(|l| l.starts_with(b"~~~")).unwrap_or(lines.len());
    let mut out = Vec::new();
    let pipelines_line = (!pipelines.is_empty()).then(|| pipelines_toml(pipelines));
    for line in &lines[..header_end] {
        if line.starts_with(b"status") && line.contains(&b'=') {
            out.extend_from_slice(format!("status = {status}\n").as_bytes());
            if let Some(p) = &pipelines_line {
                if !lines[..header_end].iter().any(|l| l.starts_with(b"pipelines")) {
                    out.extend_from_slice(format!("{p}\n").as_bytes());
                }
            }
            continue;
        }
        if line.starts_with(b"pipelines") && line.contains(&b'=') {
            if let Some(p) = &pipelines_line {
                out.extend_from_slice(format!("{p}\n").as_bytes());
            }
            continue;
        }
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    while out.ends_with(b"\n\n") {
        out.pop();
    }
    for (name, content) in SECTIONS.iter().zip(sections) {
        write_section(&mut out, name, content);
    }
    if let Some(state) = state {
        write_section(&mut out, "state", state);
    }
    out
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
    out.extend_from_slice(format!("command = {}\n", toml_string(&case.invocation.to_command_line())).as_bytes());
    out.extend_from_slice(format!("status = {}\n", case.status).as_bytes());
    if !case.pipelines.is_empty() {
        out.extend_from_slice(format!("{}\n", pipelines_toml(&case.pipelines)).as_bytes());
    }
    for r in &case.redact {
        out.extend_from_slice(
            format!("\n[[redact]]\nregex = {}\nplaceholder = {}\n", toml_string(&r.regex), toml_string(&r.placeholder))
                .as_bytes(),
        );
    }
    if let Some(file) = &case.world_file {
        out.extend_from_slice(format!("world_file = {}\n", toml_string(file)).as_bytes());
    } else if case.world != World::default() {
        let mut wrapped = toml::Table::new();
        wrapped.insert("world".into(), toml::Value::try_from(&case.world).expect("a world always serializes"));
        out.push(b'\n');
        out.extend_from_slice(toml::to_string(&wrapped).expect("a world always serializes").as_bytes());
    }
    for (name, content) in [("trace", &case.trace), ("stdout", &case.stdout), ("calls", &case.calls)] {
        write_section(&mut out, name, content);
    }
    if let Some(state) = &case.state {
        write_section(&mut out, "state", state);
    }
    out
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn case(trace: &[u8], stdout: &[u8]) -> Case {
        Case {
            path: PathBuf::from("t.case"),
            name: "t".into(),
            invocation: Invocation { env: vec![("VERSION".into(), "a b".into())], args: vec!["run".into(), "".into()] },
            world: World::default(),
            world_file: None,
            status: 1,
            pipelines: vec![Pipeline { writers: vec![1, 2], end: 2 }],
            trace: trace.to_vec(),
            stdout: stdout.to_vec(),
            calls: b"docker -v\n".to_vec(),
            state: Some(b"weave: up\n".to_vec()),
            redact: vec![],
        }
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
}
