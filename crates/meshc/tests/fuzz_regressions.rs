//! Every input the fuzzer (fuzz/) ever found failing, compiled on any toolchain: each must end
//! in a value or diagnostics under the browser's limits — no panic, no abort.

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
        n += 1;
    }
    assert!(n > 0, "fuzz/regressions holds the inputs found so far");
}
