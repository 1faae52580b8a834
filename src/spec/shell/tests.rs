//! The shell layer against what dash does for the same constructs (each expectation was read off
//! `dash -x` on the script in the comment).

use super::*;

/// Answers every external command with its configured status, echoing its argv to stdout.
struct EchoHost {
    status: i32,
    seen: Vec<Vec<Word>>,
    fs: crate::fs::MemFs,
}

impl Host for EchoHost {
    fn fs(&mut self) -> &mut dyn Fs {
        &mut self.fs
    }

    fn pid(&self) -> u32 {
        77
    }

    fn alive(&self, pid: &[u8]) -> bool {
        pid == b"77"
    }

    fn find(&mut self, name: &[u8], _env: &[(Word, Word)]) -> Option<Word> {
        (name == b"cmd").then(|| b"/bin/cmd".to_vec())
    }

    fn exec(&mut self, cmd: &Command) -> Outcome {
        self.seen.push(cmd.argv.to_vec());
        if cmd.argv[0] == b"nosuch" {
            return Outcome { status: 127, not_found: true, ..Outcome::default() };
        }
        let mut stdout = cmd.argv[1..].join(&b' ');
        stdout.push(b'\n');
        Outcome { status: self.status, stdout, ..Outcome::default() }
    }
}

#[derive(Default)]
struct Buf {
    err: Vec<u8>,
    out: Vec<u8>,
}

impl Io for Buf {
    fn xtrace(&mut self, mut line: Word, _: Option<(u32, u32)>) {
        line.push(b'\n');
        self.err.extend_from_slice(&line);
    }
    fn stderr(&mut self, bytes: &[u8]) {
        self.err.extend_from_slice(bytes);
    }
    fn stdout(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }
}

fn run(status: i32, args: &[&str], script: impl FnOnce(&mut Shell) -> Sh<()>) -> (String, String, i32) {
    let mut host = EchoHost { status, seen: Vec::new(), fs: Default::default() };
    let mut io = Buf::default();
    let code = {
        let mut sh = Shell::new(
            &mut host,
            &mut io,
            b"t.sh".to_vec(),
            Vec::new(),
            args.iter().map(|a| a.as_bytes().to_vec()).collect(),
        );
        match script(&mut sh) {
            Ok(()) => sh.status(),
            Err(Unwind::Exit(n) | Unwind::Return(n)) => n,
        }
    };
    (String::from_utf8(io.err).unwrap(), String::from_utf8(io.out).unwrap(), code)
}

fn w(s: &str) -> Word {
    s.as_bytes().to_vec()
}

#[test]
fn a_failing_substitution_ends_the_script_after_its_assignment() {
    // set -e; X=$(cmd a); echo not
    let (err, out, code) = run(3, &[], |sh| {
        sh.set_e()?;
        sh.assign_subst("X", |sh| sh.external(1, vec![w("cmd"), w("a")]).map(drop))?;
        sh.echo(&[w("not")])
    });
    assert_eq!(err, "+ set -e\n+ cmd a\n+ X=a\n");
    assert_eq!((out.as_str(), code), ("", 3));
}

#[test]
fn set_e_applies_inside_a_substitution_even_in_a_condition() {
    // set -e; if ! X=$(false; echo hi); then echo no; fi
    let (err, out, code) = run(1, &[], |sh| {
        sh.set_e()?;
        sh.if_then(
            |sh| {
                let st = sh.assign_subst("X", |sh| {
                    sh.external(1, vec![w("false")])?;
                    sh.echo(&[w("hi")])
                })?;
                Ok(st != 0)
            },
            |sh| sh.echo(&[w("no")]),
        )
    });
    assert_eq!(err, "+ set -e\n+ false\n+ X=\n+ echo no\n");
    assert_eq!((out.as_str(), code), ("no\n", 0));
}

#[test]
fn a_substitution_is_a_subshell() {
    // Y=0; X=$(Y=1; shift 1; echo $Y); echo $Y $#
    let (_, out, _) = run(0, &["a", "b"], |sh| {
        sh.assign("Y", w("0"))?;
        sh.assign_subst("X", |sh| {
            sh.assign("Y", w("1"))?;
            sh.assign("Z", w("new"))?;
            sh.shift(1, b"1")?;
            let y = sh.var("Y");
            sh.echo(&[y])
        })?;
        let args = vec![sh.var("Y"), sh.var("Z"), sh.argc().to_string().into_bytes(), sh.var("X")];
        sh.echo(&args)
    });
    assert_eq!(out, "0  2 1\n");
}

#[test]
fn conditions_and_functions_keep_dash_statuses() {
    // f() { false; }; set -e; if f; then :; fi  -> f's failure does not end the script inside if;
    // an untaken if has status 0; a function returns its last command's status.
    let (err, _, code) = run(1, &[], |sh| {
        sh.set_e()?;
        sh.if_then(
            |sh| Ok(sh.call("f", vec![], |sh| sh.external(1, vec![w("false")]).map(drop))? == 0),
            |sh| sh.echo(&[]),
        )?;
        assert_eq!(sh.status(), 0);
        sh.call("f", vec![w("x")], |sh| sh.external(1, vec![w("false")]).map(drop)).map(drop)
    });
    assert_eq!(err, "+ set -e\n+ f\n+ false\n+ f x\n+ false\n");
    assert_eq!(code, 1);
}

#[test]
fn shift_too_far_is_dashs_error() {
    let (err, _, code) = run(0, &["a"], |sh| sh.shift(7, b"2"));
    assert_eq!(err, "+ shift 2\nt.sh: 7: shift: can't shift that many\n");
    assert_eq!(code, 2);
}

#[test]
fn a_bad_number_in_a_test_is_status_2_with_a_message() {
    let (err, _, code) = run(0, &[], |sh| sh.test(4, &[b"x", b"-eq", b"0"]).map(drop));
    assert_eq!(err, "+ [ x -eq 0 ]\nt.sh: 4: [: Illegal number: x\n");
    assert_eq!(code, 2);
}

#[test]
fn empty_words_and_pipelines_trace_as_dash_does() {
    // echo a "" ; echo x | grep -q x
    let (err, out, code) = run(0, &[], |sh| {
        sh.echo(&[w("a"), w("")])?;
        sh.pipeline(
            vec![
                Stage::Echo { args: vec![w("x")] },
                Stage::Utility { argv: vec![w("grep"), w("-q"), w("x")], run: crate::spec::utils::grep },
            ],
            Target::Inherit,
        )
        .map(drop)
    });
    assert_eq!(err, "+ echo a \n+ echo x\n+ grep -q x\n");
    assert_eq!((out.as_str(), code), ("a \n", 0));
}

#[test]
fn while_loops_report_their_last_body_status() {
    let (err, _, code) = run(0, &["1", "2"], |sh| {
        sh.while_do(|sh| Ok(sh.argc() > 0), |sh| sh.shift(3, b"1"))?;
        Ok(())
    });
    assert_eq!(err, "+ shift 1\n+ shift 1\n");
    assert_eq!(code, 0);
}

#[test]
fn the_environment_is_imported_and_passed_on_but_ifs_is_not() {
    let mut host = EchoHost { status: 0, seen: Vec::new(), fs: Default::default() };
    let mut io = Buf::default();
    {
        let env = vec![(w("IFS"), w(":")), (w("VERSION"), w("9")), (w("PS4"), w(">> "))];
        let mut sh = Shell::new(&mut host, &mut io, w("t.sh"), env, vec![]);
        assert_eq!(sh.split(b"a:b c"), vec![w("a:b"), w("c")]);
        sh.assign("VERSION", w("10")).unwrap();
        sh.external(1, vec![w("cmd")]).unwrap();
    }
    assert_eq!(String::from_utf8(io.err).unwrap(), ">> VERSION=10\n>> cmd\n");
    assert_eq!(host.seen, vec![vec![w("cmd")]]);
}

#[test]
fn return_leaves_the_function_and_set_e_sees_its_status() {
    // set -e; f() { return 3; echo no; }; f; echo after
    let (err, out, code) = run(0, &[], |sh| {
        sh.set_e()?;
        sh.call("f", vec![], |sh| {
            sh.return_(b"3")?;
            sh.echo(&[w("no")])
        })?;
        sh.echo(&[w("after")])
    });
    assert_eq!(err, "+ set -e\n+ f\n+ return 3\n");
    assert_eq!((out.as_str(), code), ("", 3));
}

#[test]
fn a_group_reads_the_pipeline_like_dash() {
    // printf INPUT | { read NAMES; echo "[$x][$y]"; }
    let cases: [(&str, &[&str], &str, bool); 5] = [
        ("a\n", &["x", "y"], "[a][]", true),
        ("a b c d\n", &["x", "y"], "[a][b c d]", true),
        ("  a  b  \n", &["x", "y"], "[a][b]", true),
        ("nonl", &["x"], "[nonl]", false),
        ("", &["x"], "[]", false),
    ];
    for (input, names, shown, ok) in cases {
        let (_, out, _) = run(0, &[], |sh| {
            // A stand-in for printf: what it was given is what it writes.
            let printf = Stage::Utility {
                argv: vec![w("printf"), w(input)],
                run: |args, _| UtilityOutput { stdout: args[0].clone(), ..Default::default() },
            };
            let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            let group = Stage::Group(Box::new(move |sh: &mut Shell| {
                let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                let read = sh.read(&refs)?;
                let shown: Vec<u8> =
                    refs.iter().flat_map(|n| [b"[".to_vec(), sh.var(n), b"]".to_vec()].concat()).collect();
                sh.echo(&[shown, if read { w("ok") } else { w("eof") }])
            }));
            sh.pipeline(vec![printf, group], Target::Inherit)?;
            // The group was a subshell: what it read is gone after the pipeline, as in dash.
            let after = sh.var("x");
            sh.echo(&[[b"after:".as_slice(), &after].concat()])
        });
        assert_eq!(out, format!("{shown} {}\nafter:\n", if ok { "ok" } else { "eof" }), "{input:?}");
    }
}

#[test]
fn loops_cases_and_trims_follow_dash() {
    // for a in x y; do echo $a; done; case --dns-search=a in --dns-search=*) ...; ${v#inet } ${w%/*}
    let (err, out, _) = run(0, &[], |sh| {
        sh.for_in("a", b"for a in x y", vec![w("x"), w("y")], |sh| {
            let a = sh.var("a");
            sh.echo(&[a])
        })?;
        assert_eq!(sh.case_arm(b"--dns-search=a", &[&[b"-x"], &[b"--dns-search=*"], &[b"*"]]), Some(1));
        assert_eq!(sh.case_arm(b"ubuntu", &[&[b"--dns-search=*"]]), None);
        assert_eq!(sh.without_prefix(b"inet 1.2.3.4", b"inet "), b"1.2.3.4");
        assert_eq!(sh.without_suffix(b"10.2.0.1/24", b"/*"), b"10.2.0.1");
        assert_eq!(sh.without_suffix(b"10.2.0.1", b"/*"), b"10.2.0.1");
        Ok(())
    });
    assert_eq!(err, "+ echo x\n+ echo y\n");
    assert_eq!(out, "x\ny\n");
}

#[test]
fn a_redirected_function_traces_its_call_where_stderr_was_and_its_body_into_the_file() {
    // f() { echo out; echo err >&2; }; f >/tmp/o 2>/tmp/e; cat /tmp/o; cat /tmp/e >&2
    // dash: `+ f` on stderr, the body's lines and messages in /tmp/e.
    let (err, out, code) = run(0, &[], |sh| {
        sh.host.fs().mkdir_p(b"/tmp").unwrap();
        let (o, e) = (w("/tmp/o"), w("/tmp/e"));
        sh.redirected(Target::File(o.clone()), Target::File(e.clone()), |sh| {
            sh.call("f", vec![], |sh| {
                sh.echo(&[w("out")])?;
                sh.echo_stderr(&[w("err")])
            })
        })?;
        sh.echo(&[w("after")])?;
        sh.cat(&[o], false)?;
        sh.cat(&[e], true).map(drop)
    });
    assert_eq!(code, 0);
    assert_eq!(out, "after\nout\n");
    assert_eq!(err, "+ f\n+ echo after\n+ cat /tmp/o\n+ cat /tmp/e\n+ echo out\n+ echo err\nerr\n");
}

#[test]
fn stderr_to_stdout_inside_a_substitution_takes_the_trace_but_not_into_a_later_one() {
    // f() { Y=$(cmd in); echo out; }; X=$(f 2>&1)   (dash -x: the trace of f's insides, the
    // inner substitution's included, lands in X; f's own call line stays on stderr)
    let (err, out, code) = run(0, &[], |sh| {
        sh.assign_subst("X", |sh| {
            sh.redirected(redirect::Target::Inherit, redirect::Target::Stdout, |sh| {
                sh.call("f", vec![], |sh| {
                    sh.assign_subst("Y", |sh| sh.external(1, vec![w("cmd"), w("in")]).map(drop))?;
                    sh.echo(&[w("out")])
                })
            })
            .map(drop)
        })
        .map(drop)
    });
    assert_eq!(err, "+ f\n+ X=+ cmd in\n+ Y=in\n+ echo out\nout\n");
    assert_eq!((out.as_str(), code), ("", 0));
}

#[test]
fn a_command_with_stdout_to_a_file_traces_first_then_writes_the_file() {
    // cmd a >/f; cat /f   (dash -x: `+ cmd a`, then the file holds its output)
    let (err, out, code) = run(0, &[], |sh| {
        sh.external_redirected(1, vec![w("cmd"), w("a")], redirect::Target::File(w("/f")), false)?;
        sh.cat(&[w("/f")], false).map(drop)
    });
    assert_eq!(err, "+ cmd a\n+ cat /f\n");
    assert_eq!((out.as_str(), code), ("a\n", 0));
}

#[test]
fn break_ends_the_innermost_loop_after_its_trace() {
    // while true; do case $1 in -x) shift 2;; *) break;; esac; done; echo "$#"
    let (err, out, code) = run(0, &["-x", "1", "-x", "2", "rest"], |sh| {
        sh.while_do(
            |sh| sh.true_().map(|()| true),
            |sh| match sh.case_arm(&sh.arg(1), &[&[b"-x"]]) {
                Some(_) => sh.shift(4, b"2"),
                None => sh.break_(),
            },
        )?;
        let n = sh.argc().to_string();
        sh.echo(&[w(&n)])
    });
    assert_eq!(err, "+ true\n+ shift 2\n+ true\n+ shift 2\n+ true\n+ break\n+ echo 1\n");
    assert_eq!((out.as_str(), code), ("1\n", 0));
    // for a in x y z; do [ $a = y ] && break; done: the loop ends after y.
    let (err, _, _) = run(0, &[], |sh| {
        sh.for_in("a", b"for a in x y", vec![w("x"), w("y"), w("z")], |sh| {
            sh.and_then(|sh| sh.test(1, &[&sh.var("a"), b"=", b"y"]), |sh| sh.break_())
        })
    });
    assert_eq!(err, "+ [ x = y ]\n+ [ y = y ]\n+ break\n");
}

#[test]
fn export_puts_a_variable_in_later_commands_environments() {
    // P=x; cmd; export P; cmd; (a subshell's export is its own)
    let mut host = EchoHost { status: 0, seen: Vec::new(), fs: Default::default() };
    let mut envs = Vec::new();
    struct EnvHost<'a>(&'a mut EchoHost, &'a mut Vec<Vec<(Word, Word)>>);
    impl Host for EnvHost<'_> {
        fn fs(&mut self) -> &mut dyn Fs {
            self.0.fs()
        }
        fn pid(&self) -> u32 {
            self.0.pid()
        }
        fn alive(&self, pid: &[u8]) -> bool {
            self.0.alive(pid)
        }
        fn find(&mut self, name: &[u8], env: &[(Word, Word)]) -> Option<Word> {
            self.0.find(name, env)
        }
        fn exec(&mut self, cmd: &Command) -> Outcome {
            self.1.push(cmd.env.to_vec());
            self.0.exec(cmd)
        }
    }
    let mut io = Buf::default();
    {
        let mut env_host = EnvHost(&mut host, &mut envs);
        let mut sh = Shell::new(&mut env_host, &mut io, w("t.sh"), vec![], vec![]);
        sh.assign("Q", w("q")).unwrap();
        let _ = sh.subst(|sh| sh.export("Q"));
        sh.assign("P", w("x")).unwrap();
        sh.external(1, vec![w("cmd")]).unwrap();
        sh.export("P").unwrap();
        sh.external(2, vec![w("cmd")]).unwrap();
        sh.export("UNSET").unwrap();
        sh.external(3, vec![w("cmd")]).unwrap();
    }
    assert_eq!(
        String::from_utf8(io.err).unwrap(),
        "+ Q=q\n+ export Q\n+ P=x\n+ cmd\n+ export P\n+ cmd\n+ export UNSET\n+ cmd\n"
    );
    assert_eq!(envs, vec![vec![], vec![(w("P"), w("x"))], vec![(w("P"), w("x"))]]);
}

#[test]
fn a_case_that_matches_nothing_leaves_status_0_and_quoted_parts_match_themselves() {
    // set -e; f() { case $(false) in x) ;; esac; }; f; echo after
    let (err, out, code) = run(1, &[], |sh| {
        sh.set_e()?;
        sh.call("f", vec![], |sh| {
            let (word, _) = sh.subst(|sh| sh.external(1, vec![w("false")]).map(drop));
            assert_eq!(sh.case_arm(&word, &[&[b"x"]]), None);
            Ok(())
        })?;
        sh.echo(&[w("after")])
    });
    assert_eq!((err.as_str(), out.as_str(), code), ("+ set -e\n+ f\n+ false\n+ echo after\n", "after\n", 0));
    // case "true a*b:1" in "true a*b:"*) ...: the quoted star is no pattern.
    let (_, _, _) = run(0, &[], |sh| {
        let quoted = [literal_pattern(b"true a*b:"), w("*")].concat();
        assert_eq!(sh.case_arm(b"true a*b:1", &[&[&quoted]]), Some(0));
        assert_eq!(sh.case_arm(b"true axb:1", &[&[&quoted]]), None);
        assert_eq!(sh.case_arm(b"true [x]\\", &[&[&literal_pattern(b"true [x]\\")]]), Some(0));
        Ok(())
    });
}

/// `run` as `dialect`'s shell.
fn run_as(dialect: Dialect, status: i32, script: impl FnOnce(&mut Shell) -> Sh<()>) -> (String, String, i32) {
    run(status, &[], |sh| {
        sh.set_dialect(dialect);
        script(sh)
    })
}

/// One program, its bytes under each shell as measured (dash 0.5.12, busybox 1.35, bash 5.2.15 run
/// as `sh`), `sh -x t.sh` of:
/// set -e; X=$(echo 'a\cb'); echo "x\ty" 'p q' ''; for k in a "b c"; do true; done;
/// case $X in *) true ;; esac; Y=$(echo in; Z=$(echo deeper)); [ x -gt 1 ] || true;
/// nosuch || true; kill -0 999999 || true
#[test]
fn each_dialect_traces_echoes_and_complains_as_its_shell() {
    let program = |sh: &mut Shell| -> Sh<()> {
        sh.set_e()?;
        sh.assign_subst("X", |sh| sh.echo(&[w("a\\cb")]))?;
        sh.echo(&[w("x\\ty"), w("p q"), w("")])?;
        sh.for_in("k", br#"for k in a "b c""#, vec![w("a"), w("b c")], |sh| sh.true_())?;
        sh.case_head(b"case $X in");
        sh.true_()?;
        sh.assign_subst("Y", |sh| {
            sh.echo(&[w("in")])?;
            sh.assign_subst("Z", |sh| sh.echo(&[w("deeper")])).map(drop)
        })?;
        sh.or_true(|sh| Ok(if sh.test(9, &[b"x", b"-gt", b"1"])? { 0 } else { 2 }))?;
        sh.or_true(|sh| sh.external(10, vec![w("nosuch")]))?;
        sh.or_true(|sh| Ok(if sh.kill0(11, b"999999")? { 0 } else { 1 }))
    };
    let dash = "+ set -e\n+ echo a\\cb\n+ X=a\n+ echo x\\ty p q \n+ true\n+ true\n+ true\n+ echo in\n+ echo deeper\n\
                + Z=deeper\n+ Y=in\n+ [ x -gt 1 ]\nt.sh: 9: [: Illegal number: x\n+ true\n+ nosuch\n\
                t.sh: 10: nosuch: not found\n+ true\n+ kill -0 999999\nt.sh: 11: kill: No such process\n\n+ true\n";
    let ash = "+ set -e\n+ echo 'a\\cb'\n+ X='a\\cb'\n+ echo 'x\\ty' 'p q' \n+ true\n+ true\n+ true\n+ echo 'in'\n\
               + echo deeper\n+ Z=deeper\n+ Y=in\n+ '[' x -gt 1 ]\nsh: x: bad number\n+ true\n+ nosuch\n\
               t.sh: line 10: nosuch: not found\n+ true\n+ kill -0 999999\nsh: can't kill pid 999999: No such process\n\
               + true\n";
    let bash = "+ set -e\n++ echo 'a\\cb'\n+ X='a\\cb'\n+ echo 'x\\ty' 'p q' ''\n+ for k in a \"b c\"\n+ true\n\
                + for k in a \"b c\"\n+ true\n+ case $X in\n+ true\n++ echo in\n+++ echo deeper\n++ Z=deeper\n+ Y=in\n\
                + '[' x -gt 1 ']'\nt.sh: line 9: [: x: integer expression expected\n+ true\n+ nosuch\n\
                t.sh: line 10: nosuch: command not found\n+ true\n+ kill -0 999999\n\
                t.sh: line 11: kill: (999999) - No such process\n+ true\n";
    let outs = ["x\ty p q \n", "x\\ty p q \n", "x\\ty p q \n"];
    for ((dialect, err), out) in
        [(Dialect::Dash, dash), (Dialect::Ash, ash), (Dialect::Bash, bash)].into_iter().zip(outs)
    {
        let (got_err, got_out, code) = run_as(dialect, 0, program);
        assert_eq!(got_err, err, "{dialect:?}");
        assert_eq!(got_out, out, "{dialect:?}");
        assert_eq!(code, 0, "{dialect:?}");
    }
}

/// `set -e; X=$(false; echo after) && echo "and"; Y=$(false; echo after)`: dash stops inside both
/// substitutions, bash only inside the second (the first sits before `&&`), busybox ash in neither
/// (measured; the last assignment's status then ends dash and bash). The test's host answers
/// `false` with an empty line, which the values keep.
#[test]
fn set_e_inside_a_substitution_is_each_shells_own() {
    let program = |sh: &mut Shell| -> Sh<()> {
        sh.set_e()?;
        let body = |sh: &mut Shell| -> Sh<()> {
            sh.external(1, vec![w("false")])?;
            sh.echo(&[w("after")])
        };
        sh.and_then(|sh| Ok(sh.assign_subst("X", body)? == 0), |sh| sh.echo(&[w("and")]))?;
        sh.assign_subst("Y", body).map(drop)
    };
    let (err, out, code) = run_as(Dialect::Dash, 1, program);
    assert_eq!((err.as_str(), out.as_str(), code), ("+ set -e\n+ false\n+ X=\n+ false\n+ Y=\n", "", 1));
    let (err, out, code) = run_as(Dialect::Bash, 1, program);
    assert_eq!(
        (err.as_str(), out.as_str(), code),
        ("+ set -e\n++ false\n++ echo after\n+ X='\nafter'\n+ echo and\n++ false\n+ Y=\n", "and\n", 1)
    );
    let (err, out, code) = run_as(Dialect::Ash, 1, program);
    assert_eq!(
        (err.as_str(), out.as_str(), code),
        (
            "+ set -e\n+ false\n+ echo after\n+ X='\nafter'\n+ echo and\n+ false\n+ echo after\n+ Y='\nafter'\n",
            "and\n",
            0
        )
    );
}
