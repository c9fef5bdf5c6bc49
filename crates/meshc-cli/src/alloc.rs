//! The command's allocator: mimalloc, as the `mimalloc` crate's `MiMalloc` gives it, but for
//! an allocation aligned to at most 8 bytes (nearly all of a compilation's), which takes
//! mimalloc's plain entry points: every mimalloc block is aligned to 8 bytes (its sizes are
//! multiples of a word), so such a block is aligned as asked, and the plain path skips the
//! checks of the aligned one (2% of the instructions of a build).

use libmimalloc_sys as mi;
use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

pub struct MiMalloc;

/// Whether mimalloc's plain entry points give a block of `size` bytes aligned to `align`.
#[inline]
fn plain(align: usize, size: usize) -> bool {
    align <= 8 && align <= size
}

/// A block for `l` from mimalloc's `plain` entry point where that gives the alignment asked,
/// from its `aligned` one otherwise.
#[inline(always)]
unsafe fn new_block(
    l: Layout,
    plain_entry: unsafe extern "C" fn(usize) -> *mut c_void,
    aligned_entry: unsafe extern "C" fn(usize, usize) -> *mut c_void,
) -> *mut u8 {
    unsafe {
        if plain(l.align(), l.size()) {
            plain_entry(l.size()) as *mut u8
        } else {
            aligned_entry(l.size(), l.align()) as *mut u8
        }
    }
}

// SAFETY: each call returns a block of the layout's size aligned to its alignment (by the
// plain entry points only where `plain` holds, see above), or null; blocks are freed and
// resized by mimalloc, which allocated them.
unsafe impl GlobalAlloc for MiMalloc {
    #[inline]
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        unsafe { new_block(l, mi::mi_malloc, mi::mi_malloc_aligned) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        unsafe { new_block(l, mi::mi_zalloc, mi::mi_zalloc_aligned) }
    }

    #[inline]
    unsafe fn dealloc(&self, p: *mut u8, _: Layout) {
        unsafe { mi::mi_free(p as *mut c_void) }
    }

    #[inline]
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        unsafe {
            if plain(l.align(), new) {
                mi::mi_realloc(p as *mut c_void, new) as *mut u8
            } else {
                mi::mi_realloc_aligned(p as *mut c_void, new, l.align()) as *mut u8
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_aligned_as_asked() {
        let a = MiMalloc;
        for size in [
            1usize, 2, 3, 7, 8, 9, 12, 16, 24, 40, 100, 1000, 5000, 70000,
        ] {
            for align in [1usize, 2, 4, 8, 16, 32, 64, 4096] {
                let l = Layout::from_size_align(size, align).unwrap();
                unsafe {
                    let p = a.alloc(l);
                    assert!(!p.is_null() && p as usize % align == 0, "{size} {align}");
                    p.write_bytes(0xab, size);
                    let q = a.realloc(p, l, size * 3);
                    assert!(!q.is_null() && q as usize % align == 0, "{size} {align}");
                    assert_eq!(*q, 0xab);
                    a.dealloc(q, Layout::from_size_align(size * 3, align).unwrap());
                    let z = a.alloc_zeroed(l);
                    assert!(!z.is_null() && z as usize % align == 0, "{size} {align}");
                    assert!((0..size).all(|i| *z.add(i) == 0));
                    a.dealloc(z, l);
                }
            }
        }
    }
}
