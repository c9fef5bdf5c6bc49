//! E0323: `replicas: 0` without a reason.
//!
//! ## Why
//! Zero pods means every call to the service fails. A deliberate stop (a paused consumer)
//! says why: `allow: {E0323: "paused until the migration ends"}`.

use crate::model::Service;
use crate::Ctx;
use meshc_syntax::{codes, Diagnostic};

pub(crate) fn check(cx: &mut Ctx<'_>, s: &Service) {
    if let Some((0, span)) = s.replicas {
        cx.finding(
            s,
            Diagnostic::error(
                codes::ZERO_REPLICAS,
                format!(
                    "`{}` runs no pod (`replicas: 0`) and gives no reason",
                    s.name
                ),
            )
            .primary(span, "no pods")
            .help("say why with `allow: {E0323: \"why\"}`, or give it at least one replica"),
        );
    }
}
