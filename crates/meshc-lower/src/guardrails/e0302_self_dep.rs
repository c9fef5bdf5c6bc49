//! E0302: a service depends on itself.
//!
//! ## Why
//! A service reaches its own pods without its Sidecar's egress; listing itself only widens its
//! proxy's configuration. Silence with `allow: {E0302: "why"}`.

use crate::model::Service;
use meshc_syntax::{codes, Diagnostic, Span};

pub(crate) fn diagnostic(s: &Service, span: Span) -> Diagnostic {
    Diagnostic::error(codes::SELF_DEP, format!("`{}` depends on itself", s.name))
        .primary(span, "this dependency")
        .help("a service reaches itself without going through its Sidecar's egress: remove it")
}
