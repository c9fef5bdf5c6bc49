//! E0319: a volume with no source or several, or two mounts at one path.
//!
//! ## Why
//! Kubernetes rejects a volume with two sources, and two mounts at one path (the pod never
//! starts). meshc mounts a writable `emptyDir` at `/tmp` when the root file system is
//! read-only and no volume is mounted there.

use crate::model::{Service, VolumeSource};
use crate::Ctx;
use meshc_syntax::{codes, Diagnostic};
use std::collections::HashMap;

pub(crate) fn check(cx: &mut Ctx<'_>, s: &Service) -> bool {
    let before = cx.findings.len();
    let mut paths: HashMap<&str, &str> = HashMap::new();
    for v in &s.volumes {
        if v.sources.len() != 1 {
            let names: Vec<&str> = v
                .sources
                .iter()
                .map(|x| match x {
                    VolumeSource::EmptyDir { .. } => "emptyDir",
                    VolumeSource::ConfigMap(_) => "configMap",
                    VolumeSource::Secret(_) => "secret",
                    VolumeSource::Claim(_) => "claim",
                })
                .collect();
            cx.findings.push(
                Diagnostic::error(codes::VOLUME, if names.is_empty() {
                    format!("volume `{}` of `{}` has no source", v.name, s.name)
                } else {
                    format!("volume `{}` of `{}` has {} sources: {}", v.name, s.name, names.len(), names.join(", "))
                })
                .primary(v.span, "this volume")
                .help("give exactly one of `emptyDir: {}`, `configMap: \"name\"`, `secret: \"name\"` or `claim: \"name\"`"),
            );
        }
        let path = v.mount.trim_end_matches('/');
        let path = if path.is_empty() { "/" } else { path };
        if let Some(other) = paths.insert(path, &v.name) {
            cx.findings.push(
                Diagnostic::error(
                    codes::VOLUME,
                    format!(
                        "`{}` mounts `{other}` and `{}` both at `{path}`",
                        s.name, v.name
                    ),
                )
                .primary(v.mount_span, "mounted again here")
                .help("each mount needs its own path"),
            );
        }
    }
    cx.findings.len() == before
}
