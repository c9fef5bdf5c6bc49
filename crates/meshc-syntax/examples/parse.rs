//! Parses the files named on the command line and reports the time each took (scripts/bench
//! runs it under `/usr/bin/time` for the peak memory).

fn main() {
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let start = std::time::Instant::now();
        let (file, diags) = meshc_syntax::parse_file(0, &text);
        println!(
            "{path}: {} MB, {} top-level declarations, {} diagnostics, parsed in {:.2} s",
            text.len() / 1_000_000,
            file.body.decls.len(),
            diags.len(),
            start.elapsed().as_secs_f64()
        );
    }
}
