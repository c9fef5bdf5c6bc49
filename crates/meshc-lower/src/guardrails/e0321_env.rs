//! E0321: an environment variable with an invalid name or source.
//!
//! ## What it does
//! A name is letters, digits, `_`, `-` and `.`, not starting with a digit (what every
//! supported Kubernetes accepts); a value from a Secret or a ConfigMap names it and its
//! `key`; a `field` names a pod field (`status.podIP`) and no key.

use crate::model::Service;
use crate::Ctx;
use meshc_syntax::{codes, Diagnostic};

pub(crate) fn valid_name(n: &str) -> bool {
    let b = n.as_bytes();
    !b.is_empty()
        && !b[0].is_ascii_digit()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
}

pub(crate) fn check(cx: &mut Ctx<'_>, s: &Service) -> bool {
    let before = cx.findings.len();
    for e in &s.env {
        if !valid_name(&e.name) {
            cx.findings.push(
                Diagnostic::error(codes::ENV, format!("`{}` is not a valid environment variable name", e.name))
                    .primary(e.span, "the value of this variable")
                    .help("use letters, digits, `_`, `-` and `.`, not starting with a digit: `DB_PASSWORD`"),
            );
        }
        if let Err(p) = &e.value {
            cx.findings.push(
                Diagnostic::error(codes::ENV, format!("invalid source for `{}`: {p}", e.name))
                    .primary(e.span, "this source")
                    .help("`{secret: \"db\", key: \"password\"}`, `{configMap: \"flags\", key: \"features\"}` or `{field: \"status.podIP\"}`"),
            );
        }
    }
    cx.findings.len() == before
}
