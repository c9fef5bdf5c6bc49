// How a fuzz input becomes a compilation, shared (by `include!`) by the fuzz target and the
// regressions test: a NUL splits it into two files of one package, so that imports and
// cross-file references are reached too; the browser's limits apply.
#[allow(dead_code)]
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

// The formatter's promises on a fuzz input: what it accepts it formats to text that formats to
// itself (and so parses). Comments and meaning are checked by crates/meshc/tests/fmt.rs.
#[allow(dead_code)]
fn format_fuzz_input(data: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(data);
    if let Ok(once) = meshc::format(&text) {
        match meshc::format(&once) {
            Ok(twice) if twice == once => {}
            Ok(twice) => return Err(format!("not idempotent:\n{once}\n---\n{twice}")),
            Err(d) => return Err(format!("the output does not parse: {d:?}\n{once}")),
        }
    }
    Ok(())
}
