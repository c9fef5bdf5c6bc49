//! `meshc::compile` on arbitrary bytes (as one file, or split into two files of a package)
//! under the browser's limits: it must return diagnostics, never panic, hang or abort.
#![no_main]

use libfuzzer_sys::fuzz_target;

include!("../input.rs");

fuzz_target!(|data: &[u8]| {
    let c = compile_fuzz_input(data);
    let _ = c.render_diagnostics();
    let _ = c.manifests_yaml();
});
