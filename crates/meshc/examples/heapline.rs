//! A benchmark (it reports, it does not judge): the live heap of one compilation, counted by
//! a global allocator that wraps the system's. It prints the most the compilation held at
//! once (its peak), what the result holds after it, and the bytes allocated in all; without
//! an allocator's own slack, so that a change in what meshc keeps shows as it is.
//! `scripts/bench` runs it on the 10,000-service mesh.
//!
//! usage: cargo run --release -p meshc --example heap -- DIR

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static TOTAL: AtomicUsize = AtomicUsize::new(0);

fn grew(n: usize) {
    let live = LIVE.fetch_add(n, Relaxed) + n;
    PEAK.fetch_max(live, Relaxed);
    TOTAL.fetch_add(n, Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        grew(l.size());
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        grew(l.size());
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        if new >= l.size() {
            grew(new - l.size());
        } else {
            LIVE.fetch_sub(l.size() - new, Relaxed);
        }
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn main() {
    std::thread::spawn(|| { let t = std::time::Instant::now(); let mut last = 0usize; loop { std::thread::sleep(std::time::Duration::from_millis(20)); let l = LIVE.load(Relaxed); if l.abs_diff(last) > (8 << 20) { eprintln!("{:>6} ms {:>5} MiB", t.elapsed().as_millis(), l >> 20); last = l; } } });
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: heap DIR");
        std::process::exit(2);
    };
    let mut sources = meshc::Sources::new();
    for entry in std::fs::read_dir(&dir).expect("a directory of msh files") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_some_and(|x| x == "msh") {
            let name = path.file_name().expect("a file name");
            let text = std::fs::read_to_string(&path).expect("a readable file");
            sources.insert(name.to_string_lossy().into_owned(), text);
        }
    }
    let mb = |n: usize| n as f64 / (1 << 20) as f64;
    let (live0, total0) = (LIVE.load(Relaxed), TOTAL.load(Relaxed));
    PEAK.store(live0, Relaxed);
    let before = LIVE.load(Relaxed);
    let trees: Vec<_> = sources.iter().enumerate().map(|(i, (_, t))| meshc_syntax::parse_file(100 + i as u32, t)).collect();
    eprintln!("ASTs: {} MiB", (LIVE.load(Relaxed) - before) >> 20);
    drop(trees);
    let c = meshc::compile(&sources, &meshc::Options::default());
    println!(
        "{dir}: {} objects; live heap at its peak {:.0} MiB, after {:.0} MiB (the result); {:.0} MiB allocated in all",
        c.objects.len(),
        mb(PEAK.load(Relaxed) - live0),
        mb(LIVE.load(Relaxed) - live0),
        mb(TOTAL.load(Relaxed) - total0),
    );
}
