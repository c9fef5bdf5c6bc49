//! Every input the fuzzer (fuzz/) ever found failing, compiled on any toolchain: each must end
//! in a value or diagnostics under the browser's limits — no panic, no abort.

use std::path::Path;

#[test]
fn every_fuzz_regression_compiles_to_a_result() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let bytes = std::fs::read(e.path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let mut sources = meshc::Sources::new();
        match text.split_once('\0') {
            Some((a, b)) => {
                sources.insert("a.msh".into(), a.to_string());
                sources.insert("lib/b.msh".into(), b.to_string());
            }
            None => {
                sources.insert("a.msh".into(), text.to_string());
            }
        }
        let options = meshc::Options {
            limits: meshc::Limits::BROWSER,
            ..meshc::Options::default()
        };
        let c = meshc::compile(&sources, &options);
        assert!(
            c.ok() || !c.diagnostics.is_empty(),
            "{}: an error without a diagnostic",
            e.path().display()
        );
        n += 1;
    }
    assert!(n > 0, "fuzz/regressions holds the inputs found so far");
}
