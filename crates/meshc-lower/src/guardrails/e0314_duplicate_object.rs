//! E0314: two generated objects of one kind share a name in one namespace.
//!
//! ## Why
//! The second would overwrite the first when applied. Deployments are named
//! `<service>-<version>` (a worker's after the worker), so `service a-b` and a version `b` of
//! `service a` collide.

use crate::{Ctx, Object};
use meshc_syntax::{codes, Diagnostic};
use std::collections::{BTreeSet, HashMap};

pub(crate) fn check(cx: &mut Ctx<'_>, objects: &[Object]) {
    let mut seen: HashMap<(&str, Option<&str>, &str), usize, foldhash::fast::RandomState> =
        HashMap::with_capacity_and_hasher(objects.len(), Default::default());
    let mut pairs: BTreeSet<(String, String)> = BTreeSet::new();
    for (k, o) in objects.iter().enumerate() {
        let key = (o.kind.as_str(), o.namespace.as_deref(), o.name.as_str());
        if let Some(&first) = seen.get(&key) {
            let a = objects[first].service.clone().unwrap_or_default();
            let b = o.service.clone().unwrap_or_default();
            if !pairs.insert((a.clone(), b.clone())) {
                continue;
            }
            let span = cx
                .services
                .iter()
                .find(|s| s.name == b)
                .map(|s| s.span)
                .unwrap_or_default();
            cx.findings.push(
                Diagnostic::error(
                    codes::DUPLICATE_OBJECT,
                    format!("{} `{}` is generated for both `{a}` and `{b}`", o.kind, o.name),
                )
                .primary(span, "this workload")
                .help("rename a service, a worker or a version: Deployments are named `<service>-<version>`"),
            );
        } else {
            seen.insert(key, k);
        }
    }
}
