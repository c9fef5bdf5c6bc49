//! msh syntax: source text to syntax tree.
//!
//! Stage one of the meshc pipeline. It knows nothing of evaluation: it produces a [`ast::File`]
//! with spans on every node, and [`diag::Diagnostic`]s for what does not parse. It never panics
//! on any input and bounds the nesting it accepts ([`parse::MAX_NESTING`]).
#![warn(missing_docs)]

pub mod ast;
pub mod diag;
pub mod format;
pub mod lit;
pub mod parse;
pub mod span;

pub use diag::{codes, Diagnostic, Label, Severity};
pub use parse::parse_file;
pub use span::{FileId, SourceMap, Span};
