//! A script's coverage shown: the table per function, the listing annotated as gcov writes it,
//! an HTML page of both, and an lcov tracefile (what genhtml and coverage services read).

use super::render::escape_html;
use crate::coverage::{Coverage, FunctionRow, TOP_LEVEL};
use std::fmt::Write as _;

/// The first line of the files this writes, which tells a file it may write over again.
pub const HTML_MARK: &str = "<!-- weavetrace coverage -->";
pub const LCOV_MARK: &str = "TN:weavetrace";

/// The per-function table, the functions no case reaches, and the totals.
pub fn table(cov: &Coverage, script: &str) -> String {
    let rows = cov.functions();
    let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(8).max(8);
    let mut out = format!("{:<width$}  {:>5}  {:>9}  {:>6}  {:>5}\n", "function", "line", "lines run", "", "cases");
    for r in rows.iter().filter(|r| r.lines > 0) {
        let _ = writeln!(
            out,
            "{:<width$}  {:>5}  {:>9}  {:>5.1}%  {:>5}{}",
            r.name,
            if r.line == 0 { "-".to_string() } else { r.line.to_string() },
            format!("{}/{}", r.covered, r.lines),
            r.percent(),
            r.cases,
            if r.covered == 0 { "  never run" } else { "" }
        );
    }
    let never: Vec<&str> = never_run(&rows).map(|r| r.name.as_str()).collect();
    if !never.is_empty() {
        let _ = writeln!(out, "\nnever run by these cases ({}): {}", never.len(), never.join(", "));
    }
    let _ = writeln!(out, "\n{}", summary(cov, &rows, script));
    out
}

/// The totals in one line: lines run, functions reached, by how many cases.
fn summary(cov: &Coverage, rows: &[FunctionRow], script: &str) -> String {
    let (covered, all) = cov.totals();
    let functions = rows.iter().filter(|r| r.name != TOP_LEVEL && r.lines > 0);
    let reached = functions.clone().filter(|r| r.covered > 0).count();
    format!(
        "{script}: {covered} of {all} lines run ({:.1}%), {reached} of {} functions reached, by {} cases",
        cov.percent(),
        functions.count(),
        cov.cases.len()
    )
}

fn never_run(rows: &[FunctionRow]) -> impl Iterator<Item = &FunctionRow> {
    rows.iter().filter(|r| r.name != TOP_LEVEL && r.lines > 0 && r.covered == 0)
}

/// The script annotated line by line, as gcov does: how many times the cases ran the command
/// starting there, `#####` for one they never ran, `-` for a line that starts none.
pub fn listing(cov: &Coverage) -> String {
    let counts = cov.counts();
    let executable = cov.executable();
    let mut out = String::new();
    for n in 1..=cov.source.line_count() {
        let mark = match counts.get(&n) {
            Some(c) => c.to_string(),
            None if executable.contains(&n) => "#####".into(),
            None => "-".into(),
        };
        let _ = writeln!(out, "{mark:>9}:{n:>5}:{}", cov.source.line(n));
    }
    out
}

/// One self-contained page: the table, then the listing with lines never run marked.
pub fn html(cov: &Coverage, script: &str) -> String {
    let counts = cov.counts();
    let executable = cov.executable();
    let rows = cov.functions();
    let mut out = format!(
        "{HTML_MARK}\n<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>coverage of {0}</title>\n<style>\
         body{{font-family:sans-serif}} table{{border-collapse:collapse}} td,th{{padding:0 .6em;text-align:right}} \
         td.name{{text-align:left}} pre{{font-size:13px;line-height:1.35}} .miss{{background:#fdd}} .run{{background:#dfd}} \
         .n{{color:#888}}</style></head><body>\n<h1>coverage of {0}</h1>\n<p>{1}</p>\n<table>\n\
         <tr><th>function</th><th>line</th><th>lines run</th><th></th><th>cases</th></tr>\n",
        escape_html(script),
        escape_html(&summary(cov, &rows, script))
    );
    for r in rows.iter().filter(|r| r.lines > 0) {
        let anchor = if r.line == 0 { String::new() } else { format!("<a href=\"#L{0}\">{0}</a>", r.line) };
        let _ = writeln!(
            out,
            "<tr{}><td class=\"name\">{}</td><td>{anchor}</td><td>{}/{}</td><td>{:.1}%</td><td>{}</td></tr>",
            if r.covered == 0 { " class=\"miss\"" } else { "" },
            escape_html(&r.name),
            r.covered,
            r.lines,
            r.percent(),
            r.cases
        );
    }
    out.push_str("</table>\n<pre>\n");
    for n in 1..=cov.source.line_count() {
        let (class, count) = match counts.get(&n) {
            Some(c) => (" class=\"run\"", c.to_string()),
            None if executable.contains(&n) => (" class=\"miss\"", "#####".into()),
            None => ("", String::new()),
        };
        let _ = writeln!(
            out,
            "<span id=\"L{n}\"{class}><span class=\"n\">{count:>7} {n:>5} </span>{}</span>",
            escape_html(cov.source.line(n))
        );
    }
    out.push_str("</pre>\n</body></html>\n");
    out
}

/// An lcov tracefile: a function record per function, a `DA` per line a command starts on.
pub fn lcov(cov: &Coverage, script: &str) -> String {
    let counts = cov.counts();
    let executable = cov.executable();
    let mut out = format!("{LCOV_MARK}\nSF:{script}\n");
    let rows = cov.functions();
    let named: Vec<&FunctionRow> = rows.iter().filter(|r| r.name != TOP_LEVEL).collect();
    for r in &named {
        let _ = writeln!(out, "FN:{},{}", r.line, r.name);
    }
    for f in cov.source.functions() {
        // A function's count: how many times its first command ran.
        let first = executable.range(f.start + 1..=f.end).next();
        let runs = first.and_then(|l| counts.get(l)).copied().unwrap_or(0);
        let _ = writeln!(out, "FNDA:{runs},{}", f.name);
    }
    let _ = writeln!(out, "FNF:{}", named.len());
    let _ = writeln!(out, "FNH:{}", named.iter().filter(|r| r.covered > 0).count());
    for &line in &executable {
        let _ = writeln!(out, "DA:{line},{}", counts.get(&line).copied().unwrap_or(0));
    }
    let (covered, all) = cov.totals();
    let _ = writeln!(out, "LF:{all}\nLH:{covered}\nend_of_record");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::{count, CaseLines};
    use crate::source::Source;

    fn coverage() -> Coverage {
        let text = "f() {\n    echo f\n}\ng() {\n    echo '<g>'\n}\nf\n";
        let source = Source::parse(text);
        let counts = count(&source, &[7, 2, 7, 2]);
        let case = CaseLines {
            path: "a.case".into(),
            name: "a".into(),
            counts,
            held: true,
            elapsed: std::time::Duration::ZERO,
        };
        Coverage { source, cases: vec![case] }
    }

    #[test]
    fn the_table_names_what_no_case_runs() {
        let t = table(&coverage(), "s.sh");
        assert!(t.contains("never run by these cases (1): g"), "{t}");
        assert!(t.ends_with("s.sh: 2 of 3 lines run (66.7%), 1 of 2 functions reached, by 1 cases\n"), "{t}");
    }

    #[test]
    fn the_listing_counts_as_gcov_does() {
        let l = listing(&coverage());
        let lines: Vec<&str> = l.lines().collect();
        assert_eq!(lines[0], "        -:    1:f() {");
        assert_eq!(lines[1], "        2:    2:    echo f");
        assert_eq!(lines[4], "    #####:    5:    echo '<g>'");
    }

    #[test]
    fn html_and_lcov_carry_the_same_counts() {
        let cov = coverage();
        let h = html(&cov, "s.sh");
        assert!(h.starts_with(HTML_MARK));
        assert!(h.contains("<span id=\"L5\" class=\"miss\">"), "{h}");
        assert!(h.contains("echo &#39;&lt;g&gt;&#39;") || h.contains("echo '&lt;g&gt;'"), "{h}");
        let l = lcov(&cov, "s.sh");
        for want in ["FN:1,f", "FNDA:2,f", "FNDA:0,g", "FNF:2", "FNH:1", "DA:2,2", "DA:5,0", "LF:3", "LH:2"] {
            assert!(l.lines().any(|x| x == want), "{want} missing in\n{l}");
        }
    }
}
