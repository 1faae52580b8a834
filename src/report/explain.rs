//! What changed between two runs, in words: for the calls, which call changed and how (its
//! arguments moved, added or removed; the host command it runs through replaced), which calls were
//! added or removed, which moved; for the other aspects, that they changed. Each change also has a
//! key that names it without the values a command line brings (a call's place, a CIDR): runs that
//! diverge the same way share it, so `diff` tells distinct divergences apart by it.

use crate::case::NESTED_LEAD;
use crate::compare::{Aspect, Verdict};
use similar::DiffOp;

/// One change between the expected and the actual run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// What changed, without places or values: `changed docker run weaveworks/weaveexec`,
    /// `removed ip netns exec (in weaveexec)`, `stdout`.
    pub key: String,
    /// The change in words, with the calls' places: `call 1: moved ... (the weaveexec run ...)`.
    pub text: String,
}

/// Every change a verdict holds, in the order of its mismatches, the calls explained call by call.
pub fn changes(verdict: &Verdict) -> Vec<Change> {
    let mut out: Vec<Change> = Vec::new();
    for m in &verdict.mismatches {
        let step = verdict.label(m).map_or(String::new(), |s| format!("{s}: "));
        let found = match m.aspect {
            Aspect::Calls => call_changes(&m.expected, &m.actual),
            Aspect::Status => vec![Change {
                key: "status".into(),
                text: format!(
                    "status: {} where {} was expected",
                    String::from_utf8_lossy(&m.actual),
                    String::from_utf8_lossy(&m.expected)
                ),
            }],
            aspect => {
                let (removed, added) = counts(&m.expected, &m.actual);
                let what = aspect.name();
                let lines = |n: usize| if n == 1 { "1 line".to_string() } else { format!("{n} lines") };
                let text = format!("{what}: {} removed, {} added", lines(removed), lines(added));
                vec![Change { key: what.into(), text }]
            }
        };
        out.extend(found.into_iter().map(|c| Change { text: format!("{step}{}", c.text), ..c }));
    }
    out
}

/// Lines removed and added between two texts.
fn counts(expected: &[u8], actual: &[u8]) -> (usize, usize) {
    let diff = super::linediff::line_diff(expected, actual);
    diff.ops.iter().fold((0, 0), |(r, a), op| match op {
        DiffOp::Equal { .. } => (r, a),
        _ => (r + op.old_range().len(), a + op.new_range().len()),
    })
}

/// The texts of [`call_changes`].
pub fn explain_calls(expected: &[u8], actual: &[u8]) -> Vec<String> {
    call_changes(expected, actual).into_iter().map(|c| c.text).collect()
}

/// How the calls changed, from a diff of their rendered lines: a call whose words changed (the
/// same program and subcommand on both sides, or the same command run through another host
/// command), calls that moved (the same line left one place and arrived at another), and calls
/// removed or added. The lines of a call's stdin are not calls.
pub fn call_changes(expected: &[u8], actual: &[u8]) -> Vec<Change> {
    let diff = super::linediff::line_diff(expected, actual);
    let text = |lines: &[&[u8]], i: usize| String::from_utf8_lossy(lines[i]).trim_end().to_string();
    let is_call = |lines: &[&[u8]], i: usize| !nested_call(&text(lines, i)).starts_with("  ");
    let (mut removed, mut added, mut changed) = (Vec::new(), Vec::new(), Vec::new());
    for op in &diff.ops {
        let olds: Vec<usize> = op.old_range().filter(|&i| is_call(&diff.old, i)).collect();
        let news: Vec<usize> = op.new_range().filter(|&i| is_call(&diff.new, i)).collect();
        match op {
            DiffOp::Equal { .. } => continue,
            DiffOp::Delete { .. } | DiffOp::Insert { .. } => {
                removed.extend(olds);
                added.extend(news);
            }
            DiffOp::Replace { .. } => {
                // The same call, changed: by its name, else by the command it runs (its words
                // after another host command's), else by its kind, in order (`docker run` of
                // another image).
                let mut free = news.clone();
                for o in olds {
                    let old = words(&text(&diff.old, o));
                    let same = |n: &usize| name(&old) == name(&words(&text(&diff.new, *n)));
                    let wrapped = |n: &usize| rewrapped(&old, &words(&text(&diff.new, *n))).is_some();
                    let kin = |n: &usize| kind(&old) == kind(&words(&text(&diff.new, *n)));
                    let found = free.iter().position(same).or_else(|| free.iter().position(wrapped));
                    match found.or_else(|| free.iter().position(kin)) {
                        Some(at) => changed.push((o, free.remove(at))),
                        None => removed.push(o),
                    }
                }
                added.extend(free);
            }
        }
    }
    let mut out = Vec::new();
    // A line that left one place and arrived at another moved; neighbours move together.
    let mut moved: Vec<(usize, usize)> = Vec::new();
    removed.retain(|&o| match added.iter().position(|&n| diff.new[n] == diff.old[o]) {
        Some(at) => {
            moved.push((o, added.remove(at)));
            false
        }
        None => true,
    });
    for run in runs(&moved, |&(o, n), &(po, pn)| o == po + 1 && n == pn + 1) {
        let (first, last) = (run[0], run[run.len() - 1]);
        let way = if first.1 < first.0 { "forward" } else { "back" };
        let names: Vec<String> = run.iter().map(|&(o, _)| described(&diff.old, o)).collect();
        let span = |lines: &[&[u8]], a: usize, b: usize| match a == b {
            true => call_label(lines, a),
            false => format!("{} to {}", call_label(lines, a), call_label(lines, b)),
        };
        out.push(Change {
            key: format!("moved {}", names.join(", ")),
            text: format!(
                "{} moved {way}, now {}: {}",
                span(&diff.old, first.0, last.0),
                span(&diff.new, first.1, last.1),
                names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
            ),
        });
    }
    for (o, n) in changed {
        let (old_line, new_line) = (text(&diff.old, o), text(&diff.new, n));
        let (old, new) = (words(&old_line), words(&new_line));
        let label = call_label(&diff.old, o);
        let what = described(&diff.old, o);
        if let Some((before, after, command)) = rewrapped(&old, &new) {
            out.push(Change {
                key: format!("`{}` became `{}`{}", name(&words(&before)), name(&words(&after)), within(&diff.old, o)),
                text: format!("{label}: `{command}` now runs through `{after}` instead of `{before}`"),
            });
            continue;
        }
        let parts = word_changes(&units(&old), &units(&new));
        if !parts.is_empty() {
            let gloss = gloss(&old).map_or(String::new(), |g| format!(" ({g})"));
            out.push(Change { key: format!("changed {what}"), text: format!("{label}: {}{gloss}", parts.join("; ")) });
        }
    }
    // Calls removed (or added) one after another are one change: a block of the script went.
    for (lines, run, way) in [(&diff.old, &removed, "removed"), (&diff.new, &added, "added")] {
        let calls: Vec<usize> = run.iter().copied().filter(|&i| is_call(lines, i)).collect();
        let next = |a: &usize, b: &usize| (*b + 1..*a).all(|i| !is_call(lines, i));
        for block in runs(&calls, |a, b| a > b && next(a, b)) {
            let (first, last) = (block[0], block[block.len() - 1]);
            let shown: Vec<String> =
                block.iter().take(3).map(|&i| format!("`{}`", nested_call(&text(lines, i)))).collect();
            let more = match block.len() {
                n if n > 3 => format!(" and {} more", n - 3),
                _ => String::new(),
            };
            let text = match block.len() {
                1 => format!("{} {way}: {}", call_label(lines, first), shown[0]),
                n => format!(
                    "{n} calls {way}, {} to {}: {}{more}",
                    call_label(lines, first),
                    call_label(lines, last),
                    shown.join(", ")
                ),
            };
            out.push(Change { key: format!("{way} {}", described(lines, first)), text });
        }
    }
    out
}

/// What happened to a call's arguments (whole ones, [`units`]): moved, removed, added.
fn word_changes(old: &[String], new: &[String]) -> Vec<String> {
    let mut removed: Vec<usize> = Vec::new();
    let mut added: Vec<usize> = Vec::new();
    for op in similar::capture_diff_slices(similar::Algorithm::Myers, old, new) {
        if !matches!(op, DiffOp::Equal { .. }) {
            removed.extend(op.old_range());
            added.extend(op.new_range());
        }
    }
    // Units that left one place and arrived at another have moved.
    let mut moved: Vec<(usize, usize)> = Vec::new();
    removed.retain(|&o| match added.iter().position(|&n| new[n] == old[o]) {
        Some(at) => {
            moved.push((o, added.remove(at)));
            false
        }
        None => true,
    });
    let mut parts = Vec::new();
    for run in runs(&moved, |&(o, n), &(po, pn)| o == po + 1 && n == pn + 1) {
        let text: Vec<&str> = run.iter().map(|&(o, _)| old[o].as_str()).collect();
        let way = if run[0].1 < run[0].0 { "forward" } else { "back" };
        parts.push(format!("moved `{}` {way}", text.join(" ")));
    }
    for run in runs(&removed, |&o, &p| o == p + 1) {
        let text: Vec<&str> = run.iter().map(|&o| old[o].as_str()).collect();
        parts.push(format!("removed `{}`", text.join(" ")));
    }
    for run in runs(&added, |&n, &p| n == p + 1) {
        let text: Vec<&str> = run.iter().map(|&n| new[n].as_str()).collect();
        parts.push(format!("added `{}`", text.join(" ")));
    }
    parts
}

/// A rendered call's words, shell-quoted as rendered.
fn words(line: &str) -> Vec<String> {
    let line = nested_call(line);
    shell_words::split(line).unwrap_or_else(|_| line.split(' ').map(String::from).collect())
}

/// When two calls run the same command (their last words, two or more) through different host
/// commands (`ip netns exec 4 ip link show` and `nsenter --net=/proc/4/ns/net ip link show`):
/// the old host command, the new one and the command, each as one text.
fn rewrapped(old: &[String], new: &[String]) -> Option<(String, String, String)> {
    let common = old.iter().rev().zip(new.iter().rev()).take_while(|(a, b)| a == b).count();
    let (before, after) = (&old[..old.len() - common], &new[..new.len() - common]);
    // The command run must be one (a program and an argument at least), behind two host commands.
    let runs_a_command = common >= 2 && !old[old.len() - common].starts_with('-');
    (runs_a_command && !before.is_empty() && !after.is_empty() && before.first() != after.first())
        .then(|| (before.join(" "), after.join(" "), old[old.len() - common..].join(" ")))
}

/// How a report names a call, by what it is rather than where it stands: its program, then for
/// docker its subcommand (and for `docker run`/`create` its image, without the tag: the tag is a
/// value), for others the leading words that are no option nor value (`ip netns exec`,
/// `ip link add`), two at most. A weave call is read this way at once: `docker run
/// weaveworks/weaveexec` is the run that starts weave's local side.
pub fn name(words: &[String]) -> String {
    let Some(program) = words.first() else { return String::new() };
    let program = program.rsplit('/').next().unwrap_or(program);
    let rest = &words[1..];
    if program == "docker" {
        // Global options come before the subcommand; those that take a value take the next word.
        let mut at = 0;
        while let Some(w) = rest.get(at).filter(|w| w.starts_with('-')) {
            at += if matches!(w.as_str(), "-H" | "--host" | "--config" | "-l" | "--log-level") { 2 } else { 1 };
        }
        let Some(sub) = rest.get(at) else { return program.into() };
        let units = units(&rest[at..]);
        let at = 0;
        if sub == "run" || sub == "create" {
            if let Some(image) = units[at + 1..].iter().find(|u| !u.starts_with('-')) {
                let image =
                    image.rsplit_once(':').filter(|(_, tag)| !tag.contains('/')).map_or(image.as_str(), |(i, _)| i);
                return format!("docker {sub} {image}");
            }
        }
        return format!("docker {sub}");
    }
    let plain =
        |w: &&String| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') && !w.starts_with('-');
    let lead: Vec<&str> = rest.iter().take_while(plain).take(2).map(String::as_str).collect();
    std::iter::once(program).chain(lead).collect::<Vec<_>>().join(" ")
}

/// A call's kind: its [`name`] without what it runs (`docker run`, not its image).
fn kind(words: &[String]) -> String {
    name(words).split(' ').take(2).collect::<Vec<_>>().join(" ")
}

/// What a call is for, where weave's own calls tell it (one table, by [`name`]).
fn gloss(words: &[String]) -> Option<&'static str> {
    const KNOWN: [(&str, &str); 4] = [
        (
            "docker run weaveworks/weaveexec",
            "the weaveexec run: exec_remote starts weave's local side in this container",
        ),
        ("docker run weaveworks/weave", "the router's container"),
        ("docker run weaveworks/weavedns", "weaveDNS's container"),
        ("docker run zettio/weavetools", "the weavetools container"),
    ];
    let name = name(words);
    KNOWN.iter().find(|(k, _)| *k == name).map(|(_, g)| *g)
}

/// A call by its name, with the container it was made in when inside one.
fn described(lines: &[&[u8]], at: usize) -> String {
    format!("{}{}", name(&words(&String::from_utf8_lossy(lines[at]))), within(lines, at))
}

/// ` (in weaveexec)` for a call made inside the container of an earlier call, named by its
/// image's last part; nothing for a call of the subject's own.
fn within(lines: &[&[u8]], at: usize) -> String {
    if !lines[at].starts_with(NESTED_LEAD.as_bytes()) {
        return String::new();
    }
    let parent = lines[..at].iter().rev().find(|l| !l.starts_with(NESTED_LEAD.as_bytes()) && !l.starts_with(b"  "));
    let image = parent.map(|l| name(&words(&String::from_utf8_lossy(l)))).unwrap_or_default();
    let short = image.rsplit(['/', ' ']).next().unwrap_or("a container").to_string();
    format!(" (in {short})")
}

/// A rendered call's words, without the lead of a call made inside a container.
fn nested_call(line: &str) -> &str {
    let mut rest = line;
    while let Some(inner) = rest.strip_prefix(NESTED_LEAD) {
        rest = inner;
    }
    rest
}

/// How a report names the call on line `at` of a rendered calls section: `call N` counting the
/// calls (their stdin lines are not calls), and `call N > M` for the M-th call made inside the
/// container call N started.
fn call_label(lines: &[&[u8]], at: usize) -> String {
    let (mut outer, mut inner) = (0, 0);
    for line in lines.iter().take(at + 1) {
        let text = String::from_utf8_lossy(line);
        match (text.starts_with(NESTED_LEAD), nested_call(&text).starts_with("  ")) {
            (_, true) => {}
            (true, false) => inner += 1,
            (false, false) => (outer, inner) = (outer + 1, 0),
        }
    }
    match lines.get(at).is_some_and(|l| l.starts_with(NESTED_LEAD.as_bytes())) {
        true => format!("call {outer} > {inner}"),
        false => format!("call {outer}"),
    }
}

/// Splits `items` into runs of neighbours: `follows(item, previous)` says whether an item continues
/// the run of the one before it.
fn runs<T: Copy>(items: &[T], follows: impl Fn(&T, &T) -> bool) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = Vec::new();
    for item in items {
        match out.last_mut() {
            Some(run) if follows(item, run.last().expect("runs are never empty")) => run.push(*item),
            _ => out.push(vec![*item]),
        }
    }
    out
}

/// A call's words grouped into arguments: a docker flag that takes a value keeps the word after it
/// (`-e VERSION`, `-v a:b`, `--local attach`), so that a diff moves whole arguments.
fn units(words: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        let takes_value = crate::fake::docker::run_flag_takes_value(w.as_bytes());
        match words.get(i + 1) {
            Some(next) if takes_value && !next.starts_with('-') => {
                out.push(format!("{w} {next}"));
                i += 2;
            }
            _ => {
                out.push(w.clone());
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::Mismatch;

    fn keys(changes: &[Change]) -> Vec<&str> {
        changes.iter().map(|c| c.key.as_str()).collect()
    }

    #[test]
    fn a_changed_call_is_explained_word_by_word_and_named_by_what_it_runs() {
        let old = b"docker -v\ndocker run --rm -v a:b -e X --privileged --net=host weaveworks/weaveexec:0.10.0 --local launch\n";
        let new = b"docker -v\ndocker run --rm --privileged --net=host -v a:b -e X -e DEBUG weaveworks/weaveexec:0.10.0 --local launch\n";
        let got = call_changes(old, new);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].key, "changed docker run weaveworks/weaveexec");
        let text = &got[0].text;
        assert!(text.starts_with("call 2: "), "{text}");
        // Moving one block forward is moving the other back: either tells the story.
        assert!(
            text.contains("moved `--privileged --net=host` forward") || text.contains("moved `-v a:b -e X` back"),
            "{text}"
        );
        assert!(text.contains("added `-e DEBUG`"), "{text}");
        assert!(
            text.ends_with("(the weaveexec run: exec_remote starts weave's local side in this container)"),
            "{text}"
        );
    }

    #[test]
    fn a_call_inside_weaveexec_is_named_by_the_call_that_started_it() {
        let old = b"docker -v\n  stdin: x\ndocker run img --local attach\n  > id -u\n  >   stdin: y\n  > ip link add mtu 65535\n";
        let new = b"docker -v\n  stdin: x\ndocker run img --local attach\n  > id -u\n  >   stdin: y\n  > ip link add mtu 1500\n";
        let got = call_changes(old, new);
        assert_eq!(explain_calls(old, new), ["call 2 > 2: removed `65535`; added `1500`"]);
        assert_eq!(keys(&got), ["changed ip link add (in img)"]);
    }

    #[test]
    fn calls_removed_added_and_run_through_another_host_command_are_told_apart() {
        // Calls in a row that went are one change.
        let got = call_changes(b"a x\nb y\n  stdin: z\nc w\nd v\n", b"a x\nd v\n");
        assert_eq!(keys(&got), ["removed b y"], "{got:?}");
        assert_eq!(got[0].text, "2 calls removed, call 2 to call 3: `b y`, `c w`");
        let old = b"docker run --rm weaveworks/weaveexec:1 --local attach\n  > ip netns exec 40 ip link show ethwe\n  > ip netns exec 40 ip addr show dev ethwe\n  > docker inspect web\n";
        let new = b"docker run --rm weaveworks/weaveexec:1 --local attach\n  > nsenter --net=/proc/40/ns/net ip link show ethwe\n  > ip link add name v type veth\n";
        let got = call_changes(old, new);
        assert_eq!(
            keys(&got),
            [
                "`ip netns exec` became `nsenter` (in weaveexec)",
                "removed ip netns exec (in weaveexec)",
                "added ip link add (in weaveexec)"
            ],
            "{got:?}"
        );
        assert_eq!(
            got[0].text,
            "call 1 > 1: `ip link show ethwe` now runs through `nsenter --net=/proc/40/ns/net` instead of `ip netns exec 40`"
        );
        assert_eq!(
            got[1].text,
            "2 calls removed, call 1 > 2 to call 1 > 3: `ip netns exec 40 ip addr show dev ethwe`, `docker inspect web`"
        );
        assert_eq!(got[2].text, "call 1 > 2 added: `ip link add name v type veth`");
    }

    #[test]
    fn a_sequence_of_calls_that_moved_is_one_change() {
        let old = b"docker -v\nip link add weave\nip link set weave up\nethtool -K weave tx off\n";
        let new = b"ethtool -K weave tx off\ndocker -v\nip link add weave\nip link set weave up\n";
        let got = call_changes(old, new);
        assert_eq!(got.len(), 1, "{got:?}");
        let text = &got[0].text;
        // Either the three moved back or ethtool forward: both are one move of a block.
        assert!(
            text == "call 4 moved forward, now call 1: `ethtool`"
                || text == "call 1 to call 3 moved back, now call 2 to call 4: `docker`, `ip link add`, `ip link set`",
            "{text}"
        );
    }

    #[test]
    fn calls_are_named_by_program_subcommand_and_image() {
        let n = |line: &str| name(&words(line));
        assert_eq!(
            n("docker -H unix:///x.sock run -d -e A=1 --name weave weaveworks/weave:0.10.0 -iface ethwe"),
            "docker run weaveworks/weave"
        );
        assert_eq!(n("docker inspect '--format={{.State.Pid}}' web"), "docker inspect");
        assert_eq!(n("ip netns exec 40003 ip link show"), "ip netns exec");
        assert_eq!(n("ethtool -K weave tx off"), "ethtool");
        assert_eq!(n("/usr/bin/curl -s http://x"), "curl");
        assert_eq!(n("docker run localhost:5000/img"), "docker run localhost:5000/img");
    }

    #[test]
    fn every_aspect_of_a_verdict_is_a_change_with_a_key_free_of_values() {
        let v = Verdict {
            case: "c".into(),
            steps: vec![],
            mismatches: vec![
                Mismatch::of(Aspect::Status, b"0".to_vec(), b"1".to_vec()),
                Mismatch {
                    step: Some(0),
                    aspect: Aspect::Stdout,
                    expected: b"a\nb\n".to_vec(),
                    actual: b"a\n".to_vec(),
                },
                Mismatch {
                    step: Some(0),
                    aspect: Aspect::Calls,
                    expected: b"docker run -d img 10.2.0.1\n".to_vec(),
                    actual: b"docker run -d --rm img 10.2.0.1\n".to_vec(),
                },
            ],
            escapes: vec![],
            unmodeled: vec![],
            notes: vec![],
        };
        let got = changes(&v);
        assert_eq!(keys(&got), ["status", "stdout", "changed docker run img"]);
        assert_eq!(got[0].text, "status: 1 where 0 was expected");
        assert_eq!(got[1].text, "stdout: 1 line removed, 0 lines added");
        assert_eq!(got[2].text, "call 1: added `--rm`");
    }
}
