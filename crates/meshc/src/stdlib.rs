//! The standard library, compiled into the binary.

pub const MODULES: &[&str] = &["mesh"];

const MESH: &str = include_str!("../../../stdlib/mesh.msh");

/// Added to a main package that uses `service NAME { … }`: every service is a `mesh.#Service`
/// named after its label, and the `mesh` block is a `mesh.#Mesh`.
pub const PRELUDE: &str = include_str!("../../../stdlib/prelude.msh");
pub const PRELUDE_PATH: &str = "<stdlib>/prelude.msh";

pub fn module(name: &str) -> Option<(&'static str, &'static str)> {
    match name {
        "mesh" => Some(("<stdlib>/mesh.msh", MESH)),
        _ => None,
    }
}
