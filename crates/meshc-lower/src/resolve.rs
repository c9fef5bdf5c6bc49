//! Dependency resolution: each entry of `deps` becomes a service of the mesh, an external host
//! or a namespace-wide scope. Bare names resolve in the caller's namespace first.

use crate::guardrails::{
    e0301_unresolved_dep, e0302_self_dep, e0313_ambiguous_dep, w0307_wide_egress,
};
use crate::Ctx;
use meshc_syntax::Span;

/// A resolved dependency.
#[derive(Clone, Debug)]
pub enum Dep {
    Service(usize),
    /// An external host (`api.stripe.com`, or a domain `*.googleapis.com`) and its port.
    External {
        host: String,
        port: i64,
    },
    /// `ns/*` or `*/*`: a whole namespace (or mesh) as egress.
    Wide(String),
}

/// A lower-case DNS name, optionally with a left-most `*` label.
pub fn valid_host(host: &str) -> bool {
    let rest = host.strip_prefix("*.").unwrap_or(host);
    !rest.is_empty()
        && rest.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

impl Ctx<'_> {
    pub(crate) fn resolve_deps(&mut self, i: usize) -> Vec<(Dep, Span)> {
        let s = &self.services[i];
        let mut out = Vec::new();
        for (d, span) in &s.deps {
            let dep = if d == "*" || d == "*/*" || d.ends_with("/*") {
                let ns = d.trim_end_matches("/*");
                let host = if ns == "*" || ns.is_empty() {
                    "*/*".to_string()
                } else {
                    format!("{ns}/*")
                };
                self.finding(s, w0307_wide_egress::diagnostic(s, d, *span));
                Some(Dep::Wide(host))
            } else if d.contains('.') || d.contains(':') {
                let (host, port) = match d.rsplit_once(':') {
                    Some((h, p)) => (h, p.parse::<i64>().ok().filter(|p| (1..=65535).contains(p))),
                    None => (d.as_str(), Some(443)),
                };
                match port {
                    Some(port) if valid_host(host) => Some(Dep::External {
                        host: host.to_string(),
                        port,
                    }),
                    _ => {
                        self.findings
                            .push(e0301_unresolved_dep::bad_external(d, *span));
                        None
                    }
                }
            } else {
                let (ns, name) = match d.split_once('/') {
                    Some((ns, n)) => (Some(ns), n),
                    None => (None, d.as_str()),
                };
                let found: Vec<usize> = self
                    .by_name
                    .get(name)
                    .into_iter()
                    .flatten()
                    .copied()
                    .filter(|&j| ns.map(|n| self.services[j].namespace == n).unwrap_or(true))
                    .collect();
                let pick = match found.as_slice() {
                    [j] => Some(*j),
                    [] => None,
                    many => many
                        .iter()
                        .copied()
                        .find(|&j| self.services[j].namespace == s.namespace)
                        .or_else(|| {
                            let names: Vec<String> = many.iter().map(|&j| self.id(j)).collect();
                            self.findings
                                .push(e0313_ambiguous_dep::diagnostic(d, &names, *span));
                            Some(many[0])
                        }),
                };
                match pick {
                    Some(j) if j == i => {
                        self.finding(s, e0302_self_dep::diagnostic(s, *span));
                        None
                    }
                    Some(j) => Some(Dep::Service(j)),
                    None => {
                        let mut known: Vec<String> = (0..self.services.len())
                            .filter(|&j| !self.services[j].worker)
                            .map(|j| self.id(j))
                            .collect();
                        known.sort();
                        let all = self.services;
                        let names = all.iter().filter(|x| !x.worker).map(|x| x.name.as_str());
                        let worker = self.services.iter().any(|x| x.worker && x.name == name);
                        self.findings.push(e0301_unresolved_dep::unresolved(
                            s, d, name, names, &known, worker, *span,
                        ));
                        None
                    }
                }
            };
            if let Some(dep) = dep {
                out.push((dep, *span));
            }
        }
        out
    }
}
