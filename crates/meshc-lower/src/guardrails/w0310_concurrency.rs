//! W0310: Envoy runs more workers than the proxy has vCPUs.
//!
//! ## Why
//! Workers beyond the proxy's CPU limit only contend for it (and each holds its own
//! connections). Lower `sidecar.concurrency` or raise `sidecar.cpuLimit`.

use crate::compute::{self, Proxy};
use crate::model::Service;
use crate::Ctx;
use meshc_syntax::{codes, Diagnostic};

pub(crate) fn check(cx: &mut Ctx<'_>, s: &Service, p: &Proxy) {
    if let Some((c, span)) = s.sidecar.concurrency {
        let cores = compute::ceil_cores(p.cpu_limit);
        if c > cores {
            cx.finding(
                s,
                Diagnostic::warning(codes::CONCURRENCY, format!("Envoy runs {c} workers in `{}` but the proxy has {cores} vCPU", s.name))
                    .primary(span, "concurrency")
                    .help("workers beyond the proxy's CPUs only contend for them: lower the concurrency or raise `sidecar.cpuLimit`"),
            );
        }
    }
}
