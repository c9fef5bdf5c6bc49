//! `meshc::format` on arbitrary bytes: it never panics, and what it formats formats to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;

include!("../input.rs");

fuzz_target!(|data: &[u8]| {
    if let Err(e) = format_fuzz_input(data) {
        panic!("{e}");
    }
});
