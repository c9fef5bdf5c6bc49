//! W0304: a version takes no traffic and gives no reason.
//!
//! ## Why
//! A version at weight 0 still runs pods. Say why (`reason: "dark launch"`) or remove it.

use crate::model::Service;
use crate::Ctx;
use meshc_syntax::{codes, Diagnostic};

pub(crate) fn check(cx: &mut Ctx<'_>, s: &Service) {
    for v in &s.versions {
        if v.weight == 0 && v.reason.is_none() {
            cx.finding(
                s,
                Diagnostic::warning(codes::ZERO_WEIGHT, format!("version `{}` of `{}` takes no traffic and gives no reason", v.name, s.name))
                    .primary(v.span, "weight 0")
                    .help("say why with `reason: \"…\"` (a dark launch, a rollback standby), or remove the version"),
            );
        }
    }
}
