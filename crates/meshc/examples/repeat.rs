//! Compiles a package many times (for profiling): `cargo run --release --example repeat -- DIR N`.
use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = Path::new(args.get(1).map(String::as_str).unwrap_or("examples/shop"));
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(200);
    let mut sources = meshc::Sources::new();
    for e in std::fs::read_dir(dir).expect("a directory").flatten() {
        if e.path().extension().and_then(|x| x.to_str()) == Some("msh") {
            sources.insert(
                e.file_name().to_string_lossy().into(),
                std::fs::read_to_string(e.path()).unwrap(),
            );
        }
    }
    let t = std::time::Instant::now();
    let mut objects = 0;
    for _ in 0..n {
        let c = meshc::compile(&sources, &meshc::Options::default());
        objects += c.objects.len();
        std::hint::black_box(c.manifests_yaml());
    }
    println!(
        "{n} compiles, {objects} objects, {:.2} ms each",
        t.elapsed().as_secs_f64() * 1000.0 / n as f64
    );
}
