//! Reading the trace to replay: a plain trace file (stderr as `sh -x` wrote it; a sibling
//! `NAME.stdout` is its stdout), or an article's text, where each line ended in `<br>`, stdout is
//! mixed in, and the prompt line `$ sh -x weave ARGS` names the command line.

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

/// Reads `path` for the command line `args` (weave's arguments). Errors are `path:line: message`.
pub fn read_source(path: &Path, args: &[String]) -> Result<Source, String> {
    let display = path.display();
    let bytes = std::fs::read(path).map_err(|e| format!("{display}:1: cannot read the trace: {e}"))?;
    if bytes.windows(4).any(|w| w.eq_ignore_ascii_case(b"<br>")) {
        return article(&String::from_utf8_lossy(&bytes), args).map_err(|(line, m)| format!("{display}:{line}: {m}"));
    }
    if !bytes.starts_with(b"+ ") && !bytes.windows(3).any(|w| w == b"\n+ ") {
        return Err(format!("{display}:1: not a trace: no line starts with `+ `"));
    }
    let stdout = std::fs::read(path.with_extension("stdout")).ok();
    Ok(Source { trace: bytes, stdout, merged: false, notices: Vec::new() })
}

/// The trace of `$ sh -x weave ARGS` in an article's text.
fn article(text: &str, args: &[String]) -> Result<Source, (usize, String)> {
    let prompt = format!("$ sh -x weave {}", args.join(" "));
    let pieces: Vec<&str> = text.split("<br>").collect();
    let line_of = |k: usize| pieces[..k].iter().map(|p| p.matches('\n').count()).sum::<usize>() + 1;
    let start = pieces
        .iter()
        .position(|p| unescape(p.trim()) == prompt.trim())
        .ok_or_else(|| (1, format!("no `{}` prompt in the article", prompt.trim())))?;
    let mut trace = Vec::new();
    let mut stdout = Vec::new();
    for piece in &pieces[start + 1..] {
        // The page put one space after each <br>; a piece with a line break is prose again.
        let line = unescape(piece.strip_prefix(' ').unwrap_or(piece));
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
        return Err((line_of(start), "the prompt is followed by no trace lines".into()));
    }
    let notice = format!("read the trace after `{}` (line {}) from an article's HTML", prompt.trim(), line_of(start));
    Ok(Source { trace, stdout: Some(stdout), merged: true, notices: vec![notice] })
}

/// The few HTML entities an article's text may keep.
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}
