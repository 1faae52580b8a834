//! The spec in-process and as a process give the same recording for every golden.

mod common;

use weavetrace::case;
use weavetrace::sandbox::Sandbox;
use weavetrace::subject::{InProcessSpec, SpecProcess, Subject};

#[test]
fn in_process_and_process_forms_agree_on_every_golden() {
    let fake = std::path::PathBuf::from(env!("CARGO_BIN_EXE_weavetrace-fake"));
    let process = SpecProcess {
        bin: env!("CARGO_BIN_EXE_weave").into(),
        arg0: "weave".into(),
        timeout: std::time::Duration::from_secs(10),
        dialect: None,
    };
    let in_process = InProcessSpec::default();
    let paths = case::discover(&[common::root().join("traces")]).unwrap();
    assert!(paths.len() >= 28, "only {} goldens", paths.len());
    for path in paths {
        let case = case::load(&path).unwrap();
        let invs = case.invocations();
        // Scenarios too: every step, one after another in one sandbox per form.
        let a = process.run_steps(&invs, &Sandbox::new(&case.world, &fake, process.script()).unwrap()).unwrap();
        let b = in_process.run_steps(&invs, &Sandbox::new(&case.world, &fake, in_process.script()).unwrap()).unwrap();
        // A recording per step, or the zip below would leave steps unchecked.
        assert_eq!(a.len(), case.steps.len(), "{}: process recordings", path.display());
        assert_eq!(b.len(), case.steps.len(), "{}: in-process recordings", path.display());
        for (k, ((a, b), step)) in a.iter().zip(&b).zip(&case.steps).enumerate() {
            let name = format!("{} step {}", path.display(), k + 1);
            assert_eq!(a.trace.to_bytes(), b.trace.to_bytes(), "{name}: trace");
            assert_eq!(a.stdout, b.stdout, "{name}: stdout");
            assert_eq!(a.status, b.status, "{name}: status");
            assert_eq!(a.calls, b.calls, "{name}: calls");
            // Only the in-process form knows the pipelines, and they are the golden's.
            assert_eq!(b.trace.pipeline_ranges(), step.pipelines, "{name}: pipelines");
        }
    }
}
