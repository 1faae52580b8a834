//! Reading the trace to replay: a plain trace file (stderr as `sh -x` wrote it; a sibling
//! `NAME.stdout` is its stdout), or an article's text, where each line ended in `<br>`, stdout is
//! mixed in, and the prompt line `$ sh -x weave ARGS` names the command line (or, with no prompt,
//! the command line is given and the trace is the article's first).

use crate::case::CaseError;
use std::path::Path;

/// A trace to replay, with what came with it.
#[derive(Clone, Debug, Default)]
pub struct Source {
    pub trace: Vec<u8>,
    /// The script's stdout, when the source shows it.
    pub stdout: Option<Vec<u8>>,
    /// Whether stdout was mixed into the trace (an article, a terminal): then lines after a call
    /// that are not trace lines are the call's stdout.
    pub merged: bool,
    /// Things worth telling about how the source was read.
    pub notices: Vec<String>,
}

/// Reads the trace at `path` for the command line `args` (weave's arguments). A trace that cannot
/// be read for a replay is bad input, `path:line: what is wrong`, as a case file's is.
pub fn read_source(path: &Path, args: &[String]) -> Result<Source, CaseError> {
    let bytes = crate::input::read(path).map_err(|e| CaseError::at(path, 1, format!("cannot read the trace: {e}")))?;
    if bytes.windows(4).any(|w| w.eq_ignore_ascii_case(b"<br>")) {
        return article(&String::from_utf8_lossy(&bytes), args).map_err(|(line, m)| CaseError::at(path, line, m));
    }
    if !bytes.starts_with(b"+ ") && !bytes.windows(3).any(|w| w == b"\n+ ") {
        return Err(CaseError::at(path, 1, "not a trace: no line starts with `+ `"));
    }
    let stdout = std::fs::read(path.with_extension("stdout")).ok();
    Ok(Source { trace: bytes, stdout, merged: false, notices: Vec::new() })
}

/// The trace of `$ sh -x weave ARGS` in an article's text: the lines after that prompt or, where
/// the article shows no prompt at all, its first run of trace lines (the command line is `args`).
fn article(text: &str, args: &[String]) -> Result<Source, (usize, String)> {
    let prompt = format!("$ sh -x weave {}", args.join(" "));
    let prompt = prompt.trim();
    let pieces: Vec<&str> = text.split("<br>").collect();
    let line_of = |k: usize| pieces[..k].iter().map(|p| p.matches('\n').count()).sum::<usize>() + 1;
    // The page put one space after each <br>; a piece with a line break is prose again.
    let line = |piece: &str| unescape(piece.strip_prefix(' ').unwrap_or(piece));
    let is_trace = |piece: &str| {
        let l = line(piece);
        l.starts_with("+ ") && !l.contains('\n')
    };
    let (start, found) = match pieces.iter().position(|p| unescape(p.trim()) == prompt) {
        Some(k) => (k + 1, format!("after `{prompt}` (line {})", line_of(k))),
        None => {
            // An article that shows prompts shows which trace is which: another command's is not this one's.
            let prompts: Vec<String> =
                pieces.iter().map(|p| unescape(p.trim())).filter(|p| p.starts_with("$ sh -x weave")).collect();
            if !prompts.is_empty() {
                return Err((1, format!("no `{prompt}` prompt in the article (it has `{}`)", prompts.join("`, `"))));
            }
            let k = pieces.iter().position(|p| is_trace(p)).ok_or_else(|| {
                (1, format!("no `{prompt}` prompt in the article, and no trace lines (`<br> + ...`) either"))
            })?;
            // A session starts with a trace line after prose (stdout within one is no break).
            let prose = |piece: &str| line(piece).is_empty() || line(piece).contains('\n');
            let runs = (0..pieces.len()).filter(|&i| is_trace(pieces[i]) && (i == 0 || prose(pieces[i - 1]))).count();
            let of = if runs > 1 { format!(", the first of {runs}") } else { String::new() };
            (k, format!("that starts at line {}{of} (the article shows no `{prompt}` prompt)", line_of(k)))
        }
    };
    let mut trace = Vec::new();
    let mut stdout = Vec::new();
    for piece in &pieces[start..] {
        let line = line(piece);
        if line.is_empty() || line.contains('\n') {
            break;
        }
        if line.starts_with("+ ") {
            trace.extend_from_slice(line.as_bytes());
            trace.push(b'\n');
        } else {
            // The article shows stdout mixed in, where a terminal put it: not a trace line.
            stdout.extend_from_slice(line.as_bytes());
            stdout.push(b'\n');
        }
    }
    if trace.is_empty() {
        return Err((line_of(start - 1), "the prompt is followed by no trace lines".into()));
    }
    let notice = format!("read the trace {found} from an article's HTML");
    Ok(Source { trace, stdout: Some(stdout), merged: true, notices: vec![notice] })
}

/// The few HTML entities an article's text may keep.
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::article;

    fn args(line: &str) -> Vec<String> {
        line.split(' ').map(String::from).collect()
    }

    const WITH_PROMPT: &str =
        "Prose.\n<br> $ sh -x weave version<br> + set -e<br> 0.10.0<br> + exit 0<br>\nMore prose.\n";
    const NO_PROMPT: &str =
        "Prose that leads in:\n<br> + set -e<br> + echo a &amp; b<br> a & b<br> + exit 0<br>\nThen:\n<br> + set -e<br>\n";

    #[test]
    fn the_prompt_names_the_trace_and_lines_after_a_call_are_stdout() {
        let s = article(WITH_PROMPT, &args("version")).unwrap();
        assert_eq!(s.trace, b"+ set -e\n+ exit 0\n");
        assert_eq!(s.stdout.as_deref(), Some(&b"0.10.0\n"[..]));
        assert!(s.notices[0].contains("after `$ sh -x weave version` (line 2)"), "{:?}", s.notices);
    }

    #[test]
    fn without_a_prompt_the_first_trace_is_read_for_the_command_line_given() {
        let s = article(NO_PROMPT, &args("run x")).unwrap();
        assert_eq!(s.trace, b"+ set -e\n+ echo a & b\n+ exit 0\n");
        assert_eq!(s.stdout.as_deref(), Some(&b"a & b\n"[..]));
        assert!(s.notices[0].contains("line 2, the first of 2"), "{:?}", s.notices);
    }

    #[test]
    fn an_article_whose_prompts_are_all_for_other_command_lines_is_refused() {
        let (line, message) = article(WITH_PROMPT, &args("launch")).unwrap_err();
        assert_eq!(line, 1);
        assert_eq!(message, "no `$ sh -x weave launch` prompt in the article (it has `$ sh -x weave version`)");
    }

    #[test]
    fn an_article_with_neither_prompt_nor_trace_is_refused_at_its_first_line() {
        let (line, message) = article("Only prose.<br>\nAnd more.\n", &args("run")).unwrap_err();
        assert_eq!(line, 1);
        assert!(message.contains("no `$ sh -x weave run` prompt"), "{message}");
    }
}
