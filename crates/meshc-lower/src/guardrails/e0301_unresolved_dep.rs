//! E0301: a dependency resolves to nothing.
//!
//! ## What it does
//! Every entry of `deps` must name a service of the mesh (`cart`, `shop/cart`) or an external
//! host (`api.stripe.com:443`, `*.googleapis.com:443`).
//!
//! ## Why
//! The Sidecar's egress lists the dependencies and the outbound policy is REGISTRY_ONLY: a call
//! to anything else fails (or, under ALLOW_ANY, bypasses the mesh: no retries, no mTLS).

use crate::model::Service;
use meshc_syntax::{codes, Diagnostic, Span};

pub(crate) fn unresolved<'n>(
    s: &Service,
    d: &str,
    name: &str,
    names: impl Iterator<Item = &'n str>,
    known: &[String],
    is_worker: bool,
    span: Span,
) -> Diagnostic {
    let mut diag = Diagnostic::error(
        codes::UNRESOLVED_DEP,
        format!(
            "dependency `{d}` of `{}` is not a service of this mesh",
            s.name
        ),
    )
    .primary(span, "resolves to nothing")
    .note("traffic to an undeclared service would bypass the mesh (or fail under REGISTRY_ONLY)");
    if is_worker {
        diag = diag.help(format!(
            "`{name}` is a worker: it has no Service and takes no calls"
        ));
    } else if let Some(m) = meshc_eval::did_you_mean(name, names) {
        diag = diag.help(format!("did you mean `{m}`?"));
    }
    let shown: Vec<String> = known.iter().take(20).cloned().collect();
    diag.help(format!(
        "known services: {}{}; an external host needs a dot or a port (`api.example.com:443`)",
        shown.join(", "),
        if known.len() > 20 { ", …" } else { "" }
    ))
}

pub(crate) fn bad_external(d: &str, span: Span) -> Diagnostic {
    Diagnostic::error(codes::UNRESOLVED_DEP, format!("`{d}` is not a valid external dependency"))
        .primary(span, "not host:port")
        .help("an external dependency is a lower-case DNS name (a left-most `*.` for a whole domain) with an optional port from 1 to 65535: `api.stripe.com:443`, `*.googleapis.com:443`")
}
