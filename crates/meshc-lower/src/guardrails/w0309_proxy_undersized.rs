//! W0309: the proxy is given less CPU or memory than its `load` asks for.
//!
//! ## Why
//! An undersized proxy adds latency to every request of the pod, and is OOM-killed under a
//! peak. Remove the explicit `sidecar.cpu`/`sidecar.memory` to size it from `load`, or raise it.

use crate::compute::Proxy;
use crate::model::Service;
use crate::Ctx;
use meshc_syntax::{codes, Diagnostic};

pub(crate) fn check(cx: &mut Ctx<'_>, s: &Service, p: &Proxy) {
    if let (Some((cpu, span)), Some(want)) = (s.sidecar.cpu, p.computed_cpu) {
        if cpu.nanos < want.nanos {
            cx.finding(
                s,
                Diagnostic::warning(
                    codes::PROXY_UNDERSIZED,
                    format!("the proxy of `{}` gets {} of CPU, but its load asks for {} ({:.0} requests per second per proxy)", s.name, cpu.canonical(), want.canonical(), p.rps.unwrap_or(0.0)),
                )
                .primary(span, "explicit proxy CPU")
                .help("remove `sidecar.cpu` to size the proxy from `load`, or raise it"),
            );
        }
    }
    if let (Some((mem, span)), Some(want)) = (s.sidecar.memory, p.computed_memory) {
        if mem.nanos < want.nanos {
            cx.finding(
                s,
                Diagnostic::warning(
                    codes::PROXY_UNDERSIZED,
                    format!(
                        "the proxy of `{}` gets {} of memory, but its load asks for {}",
                        s.name,
                        mem.canonical(),
                        want.canonical()
                    ),
                )
                .primary(span, "explicit proxy memory")
                .help("remove `sidecar.memory` to size the proxy from `load`, or raise it"),
            );
        }
    }
}
