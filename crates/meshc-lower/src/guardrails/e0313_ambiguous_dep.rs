//! E0313: a bare dependency name matches services in several namespaces, none of them the
//! caller's.
//!
//! ## Why
//! meshc does not guess which one is meant: write `namespace/name`.

use meshc_syntax::{codes, Diagnostic, Span};

pub(crate) fn diagnostic(d: &str, names: &[String], span: Span) -> Diagnostic {
    Diagnostic::error(
        codes::AMBIGUOUS_DEP,
        format!("`{d}` names {}", names.join(" and ")),
    )
    .primary(span, "ambiguous dependency")
    .help(format!(
        "write it as `namespace/name`, for example `{}`",
        names[0]
    ))
}
