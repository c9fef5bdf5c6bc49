//! A benchmark (it reports, it does not judge): the time of one compilation of a package, and
//! of writing its manifests, averaged over repeated compilations in one process — what the
//! playground pays on each keystroke, natively. `scripts/bench` runs it on the largest example.
//!
//! usage: cargo run --release -p meshc --example compile_loop -- DIR [TIMES]

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: compile_loop DIR [TIMES]");
        std::process::exit(2);
    };
    let times: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(50);
    let mut sources = meshc::Sources::new();
    for entry in std::fs::read_dir(&dir).expect("a directory of msh files") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_some_and(|x| x == "msh") {
            let name = path
                .file_name()
                .expect("a file name")
                .to_string_lossy()
                .into_owned();
            sources.insert(
                name,
                std::fs::read_to_string(&path).expect("a readable file"),
            );
        }
    }
    let options = meshc::Options::default();
    // The first compilation parses the standard library (once per process, as a page does).
    let first = meshc::compile(&sources, &options);
    let objects = first.objects.len();
    let start = std::time::Instant::now();
    for _ in 0..times {
        let c = meshc::compile(&sources, &options);
        std::hint::black_box(c.manifests_yaml());
    }
    let each = start.elapsed() / times;
    println!(
        "{dir}: {objects} objects, {:.2} ms a compilation with its YAML (mean of {times})",
        each.as_secs_f64() * 1000.0
    );
}
