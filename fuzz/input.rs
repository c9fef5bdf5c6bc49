// How a fuzz input becomes a compilation, shared (by `include!`) by the fuzz target and the
// regressions test: a NUL splits it into two files of one package, so that imports and
// cross-file references are reached too; the browser's limits apply.
fn compile_fuzz_input(data: &[u8]) -> meshc::Compilation {
    let text = String::from_utf8_lossy(data);
    let mut sources = meshc::Sources::new();
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
    meshc::compile(&sources, &options)
}
