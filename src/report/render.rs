//! A run as an author needs it: the terminal session a person sees (`$ sh -x weave ...`, then the
//! trace and stdout in the order they were written), as markdown or HTML ready to paste, and a
//! sequence diagram of its calls — the weave script, the host's docker, each short-lived weaveexec
//! container and the application container — in mermaid or as a self-contained SVG.

use crate::fake::docker::RunArgs;
use crate::fake::log::Call;
use crate::trace::visible;

/// What to render: the command lines as typed (`sh -x weave run ...`), one per step of a scenario,
/// each with what the terminal showed and its calls.
pub struct Session<'a> {
    pub steps: Vec<Shown<'a>>,
    /// Also show what ran inside each weaveexec container: its own `sh -x` trace, and in diagrams
    /// its calls.
    pub nested: bool,
}

/// One command line of a session: as typed, the bytes the terminal showed, its calls.
pub struct Shown<'a> {
    pub command: String,
    pub terminal: &'a [u8],
    pub calls: &'a [Call],
}

impl<'a> Session<'a> {
    /// The command lines, as a title: one, or all of a scenario's joined by `; `.
    pub fn title(&self) -> String {
        self.steps.iter().map(|s| s.command.as_str()).collect::<Vec<_>>().join("; ")
    }

    /// The session's calls as one diagram: a scenario's in order, each step's first call marked with
    /// its command line.
    pub fn diagram(&self) -> Diagram {
        if let [one] = self.steps.as_slice() {
            return diagram_of(one.calls, self.nested);
        }
        let calls: Vec<Call> = self.steps.iter().flat_map(|s| s.calls.iter().cloned()).collect();
        let mut starts = Vec::new();
        let mut at = 0;
        for s in &self.steps {
            starts.push((at, format!("$ {}", s.command)));
            at += s.calls.len();
        }
        diagram_marked(&calls, &starts, self.nested)
    }
}

/// Where the weaveexec image keeps weave: the script a nested session runs.
const WEAVEEXEC_SCRIPT: &str = "/home/weave/weave";

/// The session as a terminal shows it: for each command line the prompt, then every byte in the
/// order written; with `nested`, then each weaveexec container's session, as if `sh -x` had run in
/// it.
pub fn terminal(s: &Session) -> Vec<u8> {
    let mut out = Vec::new();
    for step in &s.steps {
        if !out.is_empty() && !out.ends_with(b"\n") {
            out.push(b'\n');
        }
        out.extend_from_slice(format!("$ {}\n", step.command).as_bytes());
        out.extend_from_slice(step.terminal);
        if s.nested {
            for (command, trace) in nested_sessions(step.calls) {
                if !out.ends_with(b"\n") {
                    out.push(b'\n');
                }
                out.extend_from_slice(
                    format!("\n# inside weaveexec\n$ sh -x {WEAVEEXEC_SCRIPT} {command}\n").as_bytes(),
                );
                out.extend_from_slice(trace);
            }
        }
    }
    out
}

/// Each weaveexec container a run started: its command line after the script's name, and its
/// trace.
pub fn nested_sessions(calls: &[Call]) -> Vec<(String, &[u8])> {
    calls
        .iter()
        .filter_map(|call| {
            let nested = call.nested.as_ref()?;
            let argv: Vec<Vec<u8>> = call.argv.iter().map(|a| a.0.clone()).collect();
            let run = RunArgs::parse(argv.get(2..).unwrap_or_default());
            let local = run.weaveexec_local()?;
            let words: Vec<String> = local.iter().map(|w| text(w)).collect();
            Some((format!("--local {}", words.join(" ")), nested.trace.0.as_slice()))
        })
        .collect()
}

/// A fenced markdown block, ready to paste.
pub fn markdown(s: &Session) -> String {
    let text = String::from_utf8_lossy(&terminal(s)).into_owned();
    let mut fence = "```".to_string();
    while text.contains(&fence) {
        fence.push('`');
    }
    format!("{fence}console\n{text}{}{fence}\n", if text.ends_with('\n') { "" } else { "\n" })
}

/// Text for HTML: `<`, `>`, `&` and quotes escaped, backslashes kept as they are.
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// An HTML fragment (`<pre>`), or with `br` the article's style: lines joined by `<br>`; with
/// `page`, a whole self-contained page around it.
pub fn html(s: &Session, br: bool, page: bool) -> String {
    let text = String::from_utf8_lossy(&terminal(s)).into_owned();
    let body = if br {
        let lines: Vec<String> = text.lines().map(escape_html).collect();
        format!("<p class=\"weavetrace\"><br> {}<br></p>\n", lines.join("<br> "))
    } else {
        format!("<pre class=\"weavetrace\">{}</pre>\n", escape_html(&text))
    };
    if !page {
        return body;
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>\nbody {{ font-family: sans-serif; margin: 2em; }}\n.weavetrace {{ font-family: monospace; background: #f6f8fa; padding: 1em; white-space: pre-wrap; }}\n</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape_html(&s.title())
    )
}

/// The participant a nested session's host commands go to.
const HOST: &str = "host network";

/// One arrow of a sequence diagram.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub from: usize,
    pub to: usize,
    pub label: String,
    /// A reply (drawn dashed).
    pub reply: bool,
}

/// Participants, in the order they first took part, and the messages between them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagram {
    pub participants: Vec<String>,
    pub messages: Vec<Message>,
    /// Marks before messages: the index of the message, and its text (a scenario's command line
    /// before the first call of its step).
    pub marks: Vec<(usize, String)>,
}

fn text(b: &[u8]) -> String {
    visible(b)
}

/// The calls of a run as a sequence diagram. A `docker run` of the weaveexec image is a container
/// of its own, started for its one `--local` command; `docker run -d` starts the application
/// container; an `attach` reaches the container it names. With `nested`, also the calls made
/// inside each weaveexec container: to the host's docker, and to the host's network (ip,
/// iptables, ethtool, ...).
fn diagram_of(calls: &[Call], nested: bool) -> Diagram {
    diagram_marked(calls, &[], nested)
}

/// [`diagram_of`], with `starts` (a call's index and a text) marking where each step begins; a
/// step without calls is marked where the next call would be.
fn diagram_marked(calls: &[Call], starts: &[(usize, String)], nested: bool) -> Diagram {
    let mut d = Diagram {
        participants: vec!["weave script (host)".into(), "host docker".into()],
        messages: Vec::new(),
        marks: Vec::new(),
    };
    let (weave, docker) = (0, 1);
    let mut containers: Vec<(String, usize)> = Vec::new();
    let say = |d: &mut Diagram, from, to, label: String, reply| d.messages.push(Message { from, to, label, reply });
    let mut next_start = starts.iter().peekable();
    for (n, call) in calls.iter().enumerate() {
        while let Some((_, mark)) = next_start.next_if(|(at, _)| *at <= n) {
            d.marks.push((d.messages.len(), mark.clone()));
        }
        let words: Vec<String> = call.argv.iter().map(|a| text(&a.0)).collect();
        let stdout = text(call.stdout.0.strip_suffix(b"\n").unwrap_or(&call.stdout.0));
        // The call read as the fake docker read it: which image, detached or not, what command.
        let argv: Vec<Vec<u8>> = call.argv.iter().map(|a| a.0.clone()).collect();
        let is_run = argv.get(1).is_some_and(|w| w == b"run");
        let run = if is_run { RunArgs::parse(&argv[2..]) } else { RunArgs::default() };
        let local: Option<Vec<String>> = run.weaveexec_local().map(|l| l.iter().map(|w| text(w)).collect());
        // A weaveexec run is told by its image and command; its many fixed flags are in the trace.
        let label = match (&local, run.image) {
            (Some(command), Some(image)) => format!("docker run … {} --local {}", text(image), command.join(" ")),
            _ => words.join(" "),
        };
        say(&mut d, weave, docker, label, false);
        if let Some(command) = local {
            let name = format!("weaveexec: {}", command.first().cloned().unwrap_or_default());
            d.participants.push(name);
            let me = d.participants.len() - 1;
            say(&mut d, docker, me, format!("start: --local {}", command.join(" ")), false);
            if let (true, Some(inner)) = (nested, &call.nested) {
                for c in &inner.calls {
                    let words: Vec<String> = c.argv.iter().map(|a| text(&a.0)).collect();
                    let to = if words.first().is_some_and(|w| w == "docker") {
                        docker
                    } else {
                        match d.participants.iter().position(|p| p == HOST) {
                            Some(i) => i,
                            None => {
                                d.participants.push(HOST.into());
                                d.participants.len() - 1
                            }
                        }
                    };
                    say(&mut d, me, to, words.join(" "), false);
                    if c.status != 0 {
                        say(&mut d, to, me, format!("exit {}", c.status), true);
                    }
                }
            }
            if command.first().is_some_and(|c| c == "attach") {
                if let Some(&(_, c)) =
                    containers.iter().find(|(id, _)| command.iter().any(|w| w.starts_with(id.as_str())))
                {
                    let cidrs: Vec<&String> = command[1..].iter().filter(|w| w.contains('/')).collect();
                    say(
                        &mut d,
                        me,
                        c,
                        format!("attach {}", cidrs.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")),
                        false,
                    );
                }
            }
            let answer = if stdout.is_empty() { format!("exit {}", call.status) } else { stdout };
            say(&mut d, me, weave, answer, true);
        } else if is_run
            && words.iter().any(|w| w == "-d" || (w.starts_with('-') && !w.starts_with("--") && w.contains('d')))
            && call.status == 0
        {
            let id = stdout.chars().take(12).collect::<String>();
            d.participants.push(format!("container {id}"));
            let me = d.participants.len() - 1;
            containers.push((id.clone(), me));
            say(&mut d, docker, me, "create and start".into(), false);
            say(&mut d, docker, weave, id, true);
        } else {
            let answer = if stdout.is_empty() { format!("exit {}", call.status) } else { stdout };
            say(&mut d, docker, weave, answer, true);
        }
    }
    for (_, mark) in next_start {
        d.marks.push((d.messages.len(), mark.clone()));
    }
    d
}

/// The diagram in mermaid's `sequenceDiagram` syntax.
pub fn mermaid(d: &Diagram) -> String {
    let clean = |s: &str| s.replace(['\n', ';', '#'], " ");
    let mut out = String::from("sequenceDiagram\n");
    for (i, p) in d.participants.iter().enumerate() {
        out.push_str(&format!("    participant P{i} as {}\n", clean(p)));
    }
    for (k, m) in d.messages.iter().enumerate() {
        for (_, mark) in d.marks.iter().filter(|(at, _)| *at == k) {
            out.push_str(&format!("    Note over P0,P1: {}\n", clean(mark)));
        }
        let arrow = if m.reply { "-->>" } else { "->>" };
        out.push_str(&format!("    P{}{arrow}P{}: {}\n", m.from, m.to, clean(&m.label)));
    }
    for (_, mark) in d.marks.iter().filter(|(at, _)| *at >= d.messages.len()) {
        out.push_str(&format!("    Note over P0,P1: {}\n", clean(mark)));
    }
    out
}

/// The diagram as a self-contained SVG: no scripts, no fonts or images fetched; each label's full
/// text is in its `<title>`.
pub fn svg(d: &Diagram, title: &str) -> String {
    let (col, left, top, step) = (210.0_f64, 110.0_f64, 90.0_f64, 34.0_f64);
    let x = |i: usize| left + col * i as f64;
    let width = left * 2.0 + col * (d.participants.len().max(1) - 1) as f64;
    let height = top + step * ((d.messages.len() + d.marks.len()) as f64 + 1.0) + 20.0;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"sans-serif\" font-size=\"12\">\n<title>{}</title>\n<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#333\"/></marker></defs>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
        escape_html(title)
    );
    for (i, p) in d.participants.iter().enumerate() {
        let cx = x(i);
        out.push_str(&format!(
            "<g class=\"participant\"><rect x=\"{:.0}\" y=\"16\" width=\"190\" height=\"34\" rx=\"5\" fill=\"#e8eef7\" stroke=\"#4a6fa5\"/><text x=\"{cx:.0}\" y=\"37\" text-anchor=\"middle\" font-weight=\"bold\">{}</text><line x1=\"{cx:.0}\" y1=\"50\" x2=\"{cx:.0}\" y2=\"{:.0}\" stroke=\"#999\" stroke-dasharray=\"4 4\"/></g>\n",
            cx - 95.0,
            escape_html(&shorten(p, 28)),
            height - 10.0
        ));
    }
    // A mark takes a row of its own, before the message it stands at.
    let row = |k: usize| k + d.marks.iter().filter(|(at, _)| *at <= k).count();
    for (k, (at, mark)) in d.marks.iter().enumerate() {
        let y = top + step * (at + k) as f64;
        out.push_str(&format!(
            "<g class=\"mark\"><title>{}</title><line x1=\"{:.0}\" y1=\"{:.0}\" x2=\"{:.0}\" y2=\"{:.0}\" stroke=\"#4a6fa5\"/><text x=\"{:.0}\" y=\"{:.0}\" font-family=\"monospace\" font-weight=\"bold\">{}</text></g>\n",
            escape_html(mark),
            x(0) - 90.0,
            y + 6.0,
            width - 20.0,
            y + 6.0,
            x(0) - 90.0,
            y - 2.0,
            escape_html(&shorten(mark, ((width - 40.0) / 7.5) as usize))
        ));
    }
    for (k, m) in d.messages.iter().enumerate() {
        let y = top + step * row(k) as f64;
        let (x1, x2) = (x(m.from), x(m.to));
        // A label may run past a short arrow, over the dashed lifelines, rather than lose its point.
        let room = (((x1 - x2).abs() / 6.6) as usize).max(58);
        let dash = if m.reply { " stroke-dasharray=\"6 3\"" } else { "" };
        out.push_str(&format!(
            "<g class=\"message\"><title>{}</title><line x1=\"{x1:.0}\" y1=\"{y:.0}\" x2=\"{x2:.0}\" y2=\"{y:.0}\" stroke=\"#333\"{dash} marker-end=\"url(#arrow)\"/><text x=\"{:.0}\" y=\"{:.0}\">{}</text></g>\n",
            escape_html(&m.label),
            x1.min(x2) + 6.0,
            y - 6.0,
            escape_html(&shorten(&m.label, room))
        ));
    }
    out.push_str("</svg>\n");
    out
}

/// `s` cut to `n` characters, with an ellipsis where it was cut.
fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let mut cut: String = s.chars().take(n.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::log::Bytes;

    fn call(line: &str, stdout: &str) -> Call {
        Call {
            argv: line.split(' ').map(|w| Bytes(w.as_bytes().to_vec())).collect(),
            stdout: Bytes(stdout.as_bytes().to_vec()),
            ..Default::default()
        }
    }

    /// A session of one command line, as `render` and `docs` build it for a one-command case.
    fn one<'a>(command: &str, terminal: &'a [u8], calls: &'a [Call]) -> Session<'a> {
        Session { steps: vec![Shown { command: command.into(), terminal, calls }], nested: false }
    }

    #[test]
    fn three_containers_for_one_command() {
        let calls = [
            call("docker -v", "Docker version 1.6.0, build 4749651\n"),
            call("docker run --rm --privileged weaveworks/weaveexec:0.10.0 --local dns-args 10.2.0.1/24 -ti ubuntu", "--dns 172.17.42.1 --dns-search=."),
            // (a weaveexec run is labelled by its image and command)
            call("docker run --dns 172.17.42.1 -d -ti ubuntu", "f4e6e596d10c383466966bfadc7f01c913c275dab148cd3153d4d44830c7a2a9\n"),
            call("docker run --rm weaveworks/weaveexec:0.10.0 --local attach 10.2.0.1/24 f4e6e596d10c383466966bfadc7f01c913c275dab148cd3153d4d44830c7a2a9", ""),
        ];
        let d = one("sh -x weave run", b"", &calls).diagram();
        assert_eq!(
            d.participants,
            [
                "weave script (host)",
                "host docker",
                "weaveexec: dns-args",
                "container f4e6e596d10c",
                "weaveexec: attach"
            ]
        );
        assert!(d.messages.iter().any(|m| m.from == 4 && m.to == 3 && m.label == "attach 10.2.0.1/24"));
        assert_eq!(
            d.messages[2].label,
            "docker run … weaveworks/weaveexec:0.10.0 --local dns-args 10.2.0.1/24 -ti ubuntu"
        );
        let m = mermaid(&d);
        assert!(
            m.contains("participant P2 as weaveexec: dns-args\n")
                && m.contains("P2-->>P0: --dns 172.17.42.1 --dns-search=.\n"),
            "{m}"
        );
        let s = svg(&d, "run");
        assert!(!s.contains("<script") && !s.contains("href=\"http"));
        let order: Vec<usize> = ["host docker", "weaveexec: dns-args", "container f4e6e596d10c", "weaveexec: attach"]
            .iter()
            .map(|p| s.find(p).unwrap())
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn html_keeps_backslashes_and_escapes_markup() {
        let s = one("sh -x weave run x", b"+ sed s|a \\(b\\)|\\1|p\n+ echo <a&b>\n", &[]);
        let h = html(&s, false, false);
        assert!(h.contains("+ sed s|a \\(b\\)|\\1|p\n+ echo &lt;a&amp;b&gt;"), "{h}");
        assert!(html(&s, true, false).starts_with("<p class=\"weavetrace\"><br> $ sh -x weave run x<br> + sed"));
        assert!(markdown(&s).starts_with("```console\n$ sh -x weave run x\n+ sed"));
    }

    #[test]
    fn a_scenario_is_one_session_and_one_diagram() {
        let first = [call("docker -v", "Docker version 1.6.0\n"), call("docker ps", "")];
        let second =
            [call("docker run -d ubuntu", "f4e6e596d10c383466966bfadc7f01c913c275dab148cd3153d4d44830c7a2a9\n")];
        let s = Session {
            steps: vec![
                Shown { command: "sh -x weave ps".into(), terminal: b"+ a\nno newline", calls: &first },
                Shown { command: "sh -x weave status".into(), terminal: b"", calls: &[] },
                Shown { command: "sh -x weave run -d ubuntu".into(), terminal: b"+ b\n", calls: &second },
            ],
            nested: false,
        };
        assert_eq!(
            String::from_utf8(terminal(&s)).unwrap(),
            "$ sh -x weave ps\n+ a\nno newline\n$ sh -x weave status\n$ sh -x weave run -d ubuntu\n+ b\n"
        );
        let d = s.diagram();
        // Each step's mark stands before its first call; a step with none, before the next one's.
        assert_eq!(
            d.marks,
            [
                (0, "$ sh -x weave ps".into()),
                (4, "$ sh -x weave status".into()),
                (4, "$ sh -x weave run -d ubuntu".into())
            ]
        );
        let m = mermaid(&d);
        assert!(m.contains("    Note over P0,P1: $ sh -x weave status\n    Note over P0,P1: $ sh -x weave run -d ubuntu\n    P0->>P1: docker run -d ubuntu\n"), "{m}");
        let svg = svg(&d, &s.title());
        assert_eq!(svg.matches("<g class=\"mark\">").count(), 3);
        assert!(svg.contains("<title>sh -x weave ps; sh -x weave status; sh -x weave run -d ubuntu</title>"));
        // One command line: no marks, the diagram as it always was.
        assert!(one("sh -x weave ps", b"", &first).diagram().marks.is_empty());
    }
}
