//! The standard library, compiled into the binary.

pub const MODULES: &[&str] = &["mesh"];

const MESH: &str = include_str!("../stdlib/mesh.msh");

/// Added to a main package that uses `service NAME { … }`: every service is a `mesh.#Service`
/// named after its label, and the `mesh` block is a `mesh.#Mesh`.
pub const PRELUDE: &str = include_str!("../stdlib/prelude.msh");
pub const PRELUDE_PATH: &str = "<stdlib>/prelude.msh";

pub fn module(name: &str) -> Option<(&'static str, &'static str)> {
    match name {
        "mesh" => Some(("<stdlib>/mesh.msh", MESH)),
        _ => None,
    }
}

use meshc_syntax::ast::File;
use meshc_syntax::{parse_file, FileId};
use std::sync::OnceLock;

/// The file ids the standard library always has in a compilation's source map.
pub const PRELUDE_ID: FileId = 0;
pub const MESH_ID: FileId = 1;

/// The standard library's files, parsed once per process (they are the same in every
/// compilation, and parsing them is a good part of compiling a small package).
pub fn parsed(id: FileId) -> &'static File {
    static PRELUDE_FILE: OnceLock<File> = OnceLock::new();
    static MESH_FILE: OnceLock<File> = OnceLock::new();
    let (cell, text) = if id == PRELUDE_ID {
        (&PRELUDE_FILE, PRELUDE)
    } else {
        (&MESH_FILE, MESH)
    };
    cell.get_or_init(|| {
        let (f, d) = parse_file(id, text);
        debug_assert!(d.is_empty(), "the standard library parses: {d:?}");
        f
    })
}
