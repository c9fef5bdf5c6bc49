//! Every input the fuzzers (fuzz/) ever found failing, on any toolchain: each must compile to a
//! value or diagnostics under the browser's limits — no panic, no abort — and format to text
//! that formats to itself.

use std::path::Path;

include!("../../../fuzz/input.rs");

#[test]
fn every_fuzz_regression_compiles_to_a_result() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let c = compile_fuzz_input(&std::fs::read(e.path()).unwrap());
        assert!(
            c.ok() || !c.diagnostics.is_empty(),
            "{}: an error without a diagnostic",
            e.path().display()
        );
        if let Err(why) = format_fuzz_input(&std::fs::read(e.path()).unwrap()) {
            panic!("{}: meshc fmt: {why}", e.path().display());
        }
        n += 1;
    }
    assert!(n > 0, "fuzz/regressions holds the inputs found so far");
}
