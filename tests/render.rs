//! `render` and `docs`: sessions for articles, diagrams of the calls, and pages a browser shows.

mod common;

use common::{article, chromium, documented, weaveexec, weavetrace, Needs};
use predicates::prelude::*;
use std::process::Command;

fn main() {
    common::run(common::trials![
        the_terminal_view_is_the_articles_trace_with_the_id_in_place_and_backslashes_intact,
        the_diagram_of_run_with_dns_shows_three_containers_in_the_order_they_ran,
        a_trace_renders_through_a_replay,
        docs_are_not_stale,
        a_real_browser_shows_the_html_and_the_svg_intact,
        a_real_script_is_captured_through_one_channel_in_the_order_it_wrote,
        nested_sessions_show_what_ran_inside_each_weaveexec_container,
    ])
}

fn render(args: &[&str]) -> String {
    let out = weavetrace().arg("render").args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn the_terminal_view_is_the_articles_trace_with_the_id_in_place_and_backslashes_intact() {
    let got = render(&["traces/run-with-dns.case"]);
    // The documented bytes, with stdout where a terminal shows it: between `+ echo` and `+ exit 0`.
    let trace = std::fs::read_to_string(documented().join("run-with-dns.trace")).unwrap();
    let stdout = std::fs::read_to_string(documented().join("run-with-dns.stdout")).unwrap();
    let (head, exit) = trace.rsplit_once("+ exit 0\n").map(|(h, _)| (h, "+ exit 0\n")).unwrap();
    let prompt = "$ sh -x weave run --with-dns 10.2.0.1/24 --label=com.foo.deployment=stage -ti ubuntu\n";
    assert_eq!(got, format!("{prompt}{head}{stdout}{exit}"));
    assert!(got.contains(r"s|^Docker version \([0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*\).*|\1|p"));
    // The article's own text is the same session, less its backslashes.
    let article = std::fs::read_to_string(article()).unwrap();
    let start = article.find(prompt.trim_end()).unwrap();
    let shown: Vec<&str> = article[start..]
        .split("<br>")
        .map(|p| p.trim_start())
        .take_while(|p| !p.is_empty() && !p.contains('\n'))
        .collect();
    let ours: Vec<String> = got.lines().map(|l| l.replace('\\', "")).collect();
    assert_eq!(shown, ours);
}

fn the_diagram_of_run_with_dns_shows_three_containers_in_the_order_they_ran() {
    let svg = render(&["traces/run-with-dns.case", "--format", "svg"]);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(!svg.contains("<script") && !svg.contains("http://") || svg.matches("http://").count() == 1);
    let at = |p: &str| svg.find(&format!(">{p}</text>")).unwrap_or_else(|| panic!("{p} missing"));
    let order = [
        at("weave script (host)"),
        at("host docker"),
        at("weaveexec: dns-args"),
        at("container f4e6e596d10c"),
        at("weaveexec: attach"),
    ];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    let mermaid = render(&["traces/run-with-dns.case", "--format", "mermaid"]);
    assert!(mermaid.contains("P4->>P3: attach 10.2.0.1/24\n"), "{mermaid}");
    let md = render(&["traces/launch.case", "--format", "markdown"]);
    assert!(md.starts_with("```console\n$ sh -x weave launch\n+ set -e\n") && md.ends_with("+ exit 0\n```\n"), "{md}");
}

fn a_trace_renders_through_a_replay() {
    let got = render(&[
        documented().join("run.trace").to_str().unwrap(),
        "--",
        "run",
        "10.2.0.1/24",
        "--label=com.foo.deployment=stage",
        "-ti",
        "ubuntu",
    ]);
    assert!(got.ends_with("+ echo 0eedd4c8c0a53d53209f415f5d1f004d75163f94a3f906d652aa7b37e56bbaaa\n0eedd4c8c0a53d53209f415f5d1f004d75163f94a3f906d652aa7b37e56bbaaa\n+ exit 0\n"), "{got}");
}

fn docs_are_not_stale() {
    weavetrace().args(["docs", "--check"]).assert().code(0).stdout(predicate::str::contains("docs is up to date"));
    let dir = tempfile::tempdir().unwrap();
    weavetrace()
        .args(["docs", "--check", "--out"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("is stale"));
}

fn dump_dom(browser: &str, file: &std::path::Path) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}", file.display()))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn a_real_browser_shows_the_html_and_the_svg_intact() -> Needs {
    let browser = chromium()?;
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("run-with-dns.html");
    std::fs::write(&page, render(&["traces/run-with-dns.case", "--format", "html", "--page"])).unwrap();
    let dom = dump_dom(browser, &page);
    // The DOM holds the text as the page shows it: backslashes kept, markup characters as text.
    assert!(dom.contains(r"s|^Docker version \([0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*\).*|\1|p"), "{dom}");
    assert!(dom.contains("+ echo f4e6e596d10c383466966bfadc7f01c913c275dab148cd3153d4d44830c7a2a9\nf4e6e596d10c383466966bfadc7f01c913c275dab148cd3153d4d44830c7a2a9\n+ exit 0"), "{dom}");
    let svg = dir.path().join("run-with-dns.svg");
    std::fs::write(&svg, render(&["traces/run-with-dns.case", "--format", "svg"])).unwrap();
    let dom = dump_dom(browser, &svg);
    for p in ["host docker", "weaveexec: dns-args", "container f4e6e596d10c", "weaveexec: attach"] {
        assert!(dom.contains(&format!(">{p}</text>")), "{p} not shown: {dom}");
    }
    Ok(())
}

fn a_real_script_is_captured_through_one_channel_in_the_order_it_wrote() -> Needs {
    // Its weaveexec runs the script's own local side.
    weaveexec()?;
    let out = weavetrace()
        .args(["record", "--format", "terminal", "--script", "fixtures/scripts/substitutions.sh", "--", "abc"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    // The second container's id, printed by docker itself, stands right after its call's trace line;
    // the first one's after `+ echo`.
    let expected_tail = "+ docker run --dns 172.17.42.1 --dns-search=. -d busybox\n";
    let at = text.find(expected_tail).expect("the last docker call is traced");
    let after: Vec<&str> = text[at + expected_tail.len()..].lines().collect();
    assert_eq!(after.len(), 3, "{text}");
    assert_eq!(after[0].len(), 64, "{text}");
    assert!(after[1].starts_with("+ echo 0eedd4c8c0a5") && after[2].starts_with("0eedd4c8c0a5"), "{text}");
    assert!(text.starts_with("$ sh -x weave abc\n+ set -e\n") && !text.contains('\u{1}'), "{text}");
    Ok(())
}

fn nested_sessions_show_what_ran_inside_each_weaveexec_container() {
    let got = render(&["--nested", "traces/run-with-dns.case"]);
    let inside = got.find("# inside weaveexec\n$ sh -x /home/weave/weave --local dns-args ").expect(&got);
    // The container's own trace, as its busybox writes it: its local side asks the world's docker
    // bridge for the address.
    assert!(got[inside..].contains("+ ip -4 addr show dev docker0\n"), "{got}");
    assert!(got[inside..].contains("+ echo -n --dns 172.17.42.1 '--dns-search=.'\n"), "{got}");
    // Without --nested the session is the article's alone.
    assert!(!render(&["traces/run-with-dns.case"]).contains("inside weaveexec"));
    let diagram = render(&["--nested", "--format", "mermaid", "traces/run-with-dns.case"]);
    assert!(diagram.contains("participant P3 as host network"), "{diagram}");
    assert!(diagram.contains(": ip -4 addr show dev docker0"), "{diagram}");
}
