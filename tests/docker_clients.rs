//! The fake docker's flag reading against real docker clients, 1.0 to 1.13, built from moby's
//! release tags (`tools/build-docker-clients.sh`) when WEAVETRACE_DOCKER_CLIENTS names the
//! directory that holds them as `vX.Y.Z/docker`. Without a daemon a real client still reads its
//! flags first: every error it prints about them, and every warning, is compared byte for byte.
//!
//! Where the clients are not (CI), the answers they gave, for one release of each edge the table
//! draws, are held in `tests/data/docker-client-answers.tsv` (recorded with
//! WEAVETRACE_DOCKER_CLIENTS_RECORD=1 once the model agreed with every client): the model must
//! still give each of them.

mod common;

use common::{Missing, Needs};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use weavetrace::fake::docker::client::{table, Client, Kind};
use weavetrace::world::addr::hash64;

fn main() {
    common::run(common::trials![
        the_model_reads_flags_as_each_real_client_1_0_to_1_13_does,
        the_model_still_gives_the_answers_recorded_from_real_clients
    ])
}

fn clients() -> Result<Vec<(String, PathBuf)>, Missing> {
    let dir = std::env::var_os("WEAVETRACE_DOCKER_CLIENTS").ok_or_else(|| Missing {
        need: "WEAVETRACE_DOCKER_CLIENTS",
        reason: "needs docker clients built from moby's tags: run tools/build-docker-clients.sh DIR and set \
                 WEAVETRACE_DOCKER_CLIENTS=DIR"
            .into(),
    })?;
    let mut found: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("WEAVETRACE_DOCKER_CLIENTS={}: {e}", Path::new(&dir).display()))
        .filter_map(|e| {
            let e = e.ok()?;
            let release = e.file_name().to_str()?.strip_prefix('v')?.to_string();
            let docker = e.path().join("docker");
            docker.exists().then_some((release, docker))
        })
        .collect();
    found.sort();
    assert!(!found.is_empty(), "WEAVETRACE_DOCKER_CLIENTS holds no vX.Y.Z/docker");
    Ok(found)
}

/// Command lines that reach every row of the table and the errors around them.
fn lines() -> Vec<(String, Vec<String>)> {
    let mut lines = Vec::new();
    for row in table() {
        let operand = match row.command {
            "run" => Some("busybox"),
            "ps" | "images" => None,
            _ => Some("c1"),
        };
        let mut words = vec![row.spelling.to_string()];
        match row.kind {
            Kind::Bool => {}
            Kind::Value if row.flag == "--attach" => words.push("stdout".into()),
            Kind::Value if row.flag == "--format" && row.command == "inspect" => words.push("{{.Id}}".into()),
            Kind::Value => words.push("v".into()),
            Kind::Int | Kind::Uint => words.push("7".into()),
        }
        if row.flag == "--help" {
            continue;
        }
        words.extend(operand.map(String::from));
        lines.push((row.command.to_string(), words));
        // The same flag, its value after `=` in quotes.
        if row.kind != Kind::Bool {
            let mut words = vec![format!("{}='x'", row.spelling)];
            words.extend(operand.map(String::from));
            lines.push((row.command.to_string(), words));
        }
    }
    for line in [
        "run --label x busybox",
        "run --frobnicate busybox",
        "run -rm busybox",
        "run -name web busybox",
        "run -dti busybox",
        "run -x busybox",
        "run --name",
        "run --rm=maybe busybox",
        "run --rm=false busybox",
        "run -c abc busybox",
        "run -a web busybox",
        "run -d -- --label",
        "run -=x busybox",
        "run -d --name='web' -e A=b busybox",
        "run -d busybox --label x",
        "rm -x c1",
        "stop -t x c1",
        "inspect --type=container c1",
        "ps -q --no-trunc --label",
        "images --no-trunc -notrunc",
        "pull -a busybox",
        "start -x c1",
    ] {
        let mut words = line.split(' ').map(String::from);
        let command = words.next().unwrap();
        lines.push((command, words.collect()));
    }
    lines
}

/// The answers recorded from real clients, and the releases they were recorded for.
const ANSWERS: &str = "tests/data/docker-client-answers.tsv";
const RECORDED: [&str; 9] = ["1.0.1", "1.3.1", "1.5.0", "1.6.2", "1.7.1", "1.9.1", "1.10.3", "1.12.0", "1.13.1"];

/// One answer of the model, as a line of the record: the release, the command line, and either
/// `read` with the flags read and a hash of the warnings, or `error` with the status and a hash of
/// what was printed (usage texts are long; the differential test compares them in full).
fn answer_line(release: &str, command: &str, words: &[String]) -> Option<String> {
    let client = Client::new(&format!("Docker version {release}, build 0000000"), b"docker");
    let args: Vec<Vec<u8>> = words.iter().map(|w| w.as_bytes().to_vec()).collect();
    let line = shell_words::join(std::iter::once(command).chain(words.iter().map(String::as_str)));
    let answer = match client.parse(command, &args) {
        Err(reply) if reply.unmodeled => return None,
        Err(reply) => {
            format!("error\t{}\t{:016x}", reply.status, hash64(&[&reply.stdout, &reply.stderr]))
        }
        Ok(flags) => {
            let read: Vec<&str> = flags.set.iter().map(|(f, _)| *f).collect();
            format!("read\t{}\t{:016x}", read.join(","), hash64(&[&flags.warnings]))
        }
    };
    Some(format!("{release}\t{line}\t{answer}"))
}

fn recorded_answers() -> Vec<String> {
    let lines = lines();
    RECORDED.iter().flat_map(|r| lines.iter().filter_map(move |(c, w)| answer_line(r, c, w))).collect()
}

/// What a real client answered: (stdout, stderr, status).
fn real(docker: &Path, command: &str, words: &[String]) -> (String, String, i32) {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(docker)
        .arg(command)
        .args(words)
        .env_clear()
        .env("HOME", home.path())
        // No daemon: nothing answers there, so a client that gets past its flags fails to connect.
        .env("DOCKER_HOST", "unix:///nonexistent/weavetrace/docker.sock")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).replace(&docker.display().to_string(), "docker");
    (text(&out.stdout), text(&out.stderr), out.status.code().unwrap_or(-1))
}

/// Runs everywhere: the model against the answers real clients gave (see the file's header).
fn the_model_still_gives_the_answers_recorded_from_real_clients() {
    let text = std::fs::read_to_string(ANSWERS).unwrap();
    let recorded: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    let now = recorded_answers();
    assert!(recorded.len() > 2000, "only {} answers recorded", recorded.len());
    let differing: Vec<String> = recorded
        .iter()
        .zip(&now)
        .filter(|(a, b)| *a != b)
        .map(|(a, b)| format!("recorded {a}\n   model {b}"))
        .collect();
    assert!(differing.is_empty(), "{} answers differ:\n{}", differing.len(), differing.join("\n"));
    assert_eq!(recorded.len(), now.len(), "the lines drawn changed: record the answers again");
}

/// docker 1.0-1.2 sort their usage's flags without a tie-break, so `-P` and `-p` come in either
/// order from run to run: the same lines in another order are the same answer there.
fn same_but_order(release: &str, model: &str, real: &str) -> bool {
    fn sorted(t: &str) -> Vec<&str> {
        let mut lines: Vec<&str> = t.lines().collect();
        lines.sort_unstable();
        lines
    }
    ["1.0.", "1.1.", "1.2."].iter().any(|r| release.starts_with(r)) && sorted(model) == sorted(real)
}

/// Flag errors and usage, in any family's words: a client that printed none of these got past
/// its flags.
const FLAG_ERRORS: [&str; 9] = [
    "flag provided but not defined",
    "flag needs an argument",
    "invalid value",
    "invalid boolean",
    "bad flag syntax",
    "Usage:",
    "unknown flag",
    "unknown shorthand flag",
    "invalid argument",
];

fn the_model_reads_flags_as_each_real_client_1_0_to_1_13_does() -> Needs {
    let clients = clients()?;
    let lines = lines();
    let mut compared = 0;
    let mut failures = Vec::new();
    for (release, docker) in &clients {
        let client = Client::new(&format!("Docker version {release}, build 0000000"), b"docker");
        for (command, words) in &lines {
            let args: Vec<Vec<u8>> = words.iter().map(|w| w.as_bytes().to_vec()).collect();
            let model = client.parse(command, &args);
            let (stdout, stderr, status) = real(docker, command, words);
            let line = format!("{release}: docker {command} {}", words.join(" "));
            match model {
                Err(reply) if reply.unmodeled => continue,
                Err(reply) => {
                    let got = (
                        String::from_utf8_lossy(&reply.stdout).into_owned(),
                        String::from_utf8_lossy(&reply.stderr).into_owned(),
                        reply.status,
                    );
                    if got != (stdout.clone(), stderr.clone(), status) && !same_but_order(release, &got.1, &stderr) {
                        failures.push(format!("{line}\n  model: {got:?}\n  real:  {:?}", (stdout, stderr, status)));
                    }
                }
                Ok(flags) => {
                    let warnings = String::from_utf8_lossy(&flags.warnings).into_owned();
                    let after = stderr.strip_prefix(&warnings);
                    let refused = after.is_none_or(|rest| FLAG_ERRORS.iter().any(|e| rest.contains(e)));
                    if refused {
                        failures.push(format!(
                            "{line}\n  model read it (warnings {warnings:?})\n  real:  {stderr:?} exit {status}"
                        ));
                    }
                }
            }
            compared += 1;
        }
    }
    if let Ok(path) = std::env::var("WEAVETRACE_DOCKER_CLIENTS_REPORT") {
        std::fs::write(path, failures.join("\n")).unwrap();
    }
    assert!(failures.is_empty(), "{} of {compared} lines differ:\n{}", failures.len(), failures.join("\n"));
    // Agreed with every client: the model's answers may now stand for theirs where they are not.
    if std::env::var_os("WEAVETRACE_DOCKER_CLIENTS_RECORD").is_some() {
        let mut text = String::from(
            "# Answers of real docker clients, recorded by tests/docker_clients.rs where the model agreed with each\n\
             # (release, command line, then `read` FLAGS WARNINGS-HASH or `error` STATUS OUTPUT-HASH).\n",
        );
        for line in recorded_answers() {
            text.push_str(&line);
            text.push('\n');
        }
        std::fs::write(ANSWERS, text).unwrap();
    }
    assert!(compared > clients.len() * 100, "only {compared} lines compared");
    eprintln!("{compared} lines agree across {} clients", clients.len());
    Ok(())
}
