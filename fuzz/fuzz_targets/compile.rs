//! `meshc::compile` on arbitrary bytes (as one file, or split into two files of a package)
//! under the browser's limits: it must return diagnostics, never panic, hang or abort.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut sources = meshc::Sources::new();
    // A NUL splits the input into two files, so that imports and cross-file references are
    // reached too.
    match text.split_once('\0') {
        Some((a, b)) => {
            sources.insert("a.msh".into(), a.to_string());
            sources.insert("lib/b.msh".into(), b.to_string());
        }
        None => {
            sources.insert("a.msh".into(), text.into_owned());
        }
    }
    let options = meshc::Options {
        limits: meshc::Limits::BROWSER,
        ..meshc::Options::default()
    };
    let c = meshc::compile(&sources, &options);
    let _ = c.render_diagnostics();
    let _ = c.manifests_yaml();
});
