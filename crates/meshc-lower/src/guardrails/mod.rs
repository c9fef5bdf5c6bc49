//! The built-in guardrails, one module per diagnostic code. Each module's documentation says
//! what the rule checks, why it matters and how to silence it (`allow: {CODE: "why"}` in the
//! service, where the rule allows it); `docs/diagnostics.md` shows an example of each.
//! The lowering calls them where it has what they need: dependency resolution, the pod
//! template, the routes.

pub(crate) mod e0301_unresolved_dep;
pub(crate) mod e0302_self_dep;
pub(crate) mod e0303_weights;
pub(crate) mod e0305_unsafe_retry;
pub(crate) mod e0306_short_grace;
pub(crate) mod e0313_ambiguous_dep;
pub(crate) mod e0314_duplicate_object;
pub(crate) mod e0315_reserved_namespace;
pub(crate) mod e0316_probe;
pub(crate) mod e0318_replicas_and_autoscale;
pub(crate) mod e0319_volume;
pub(crate) mod e0321_env;
pub(crate) mod e0323_zero_replicas;
pub(crate) mod e0324_expose;
pub(crate) mod e0325_security;
pub(crate) mod e0326_managed_annotation;
pub(crate) mod w0304_zero_weight;
pub(crate) mod w0307_wide_egress;
pub(crate) mod w0308_hpa_adjusted;
pub(crate) mod w0309_proxy_undersized;
pub(crate) mod w0310_concurrency;
pub(crate) mod w0311_nobody_calls;
pub(crate) mod w0312_no_hook;
pub(crate) mod w0317_default_probe;
pub(crate) mod w0322_security_relaxed;
