//! Diagnostics: the one error and warning type of every stage of meshc.
//!
//! A [`Diagnostic`] has a stable code (see [`codes`]), a one-line message, a primary label and
//! any number of secondary labels (each a span with a short message), and `help:` / `note:` lines.
//! Rendering (text with codespan-reporting, or JSON) is done by the `meshc` crate.

use crate::span::Span;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Label {
    pub span: Span,
    pub message: String,
    pub primary: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub labels: Vec<Label>,
    pub help: Vec<String>,
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            labels: Vec::new(),
            help: Vec::new(),
            notes: Vec::new(),
        }
    }
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Self::error(code, message)
        }
    }
    /// The primary label: where the problem is.
    pub fn primary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: true,
        });
        self
    }
    /// A secondary label: where something that took part came from.
    pub fn secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        if !self.labels.iter().any(|l| l.span == span) {
            self.labels.push(Label {
                span,
                message: message.into(),
                primary: false,
            });
        }
        self
    }
    pub fn help(mut self, text: impl Into<String>) -> Self {
        self.help.push(text.into());
        self
    }
    pub fn note(mut self, text: impl Into<String>) -> Self {
        self.notes.push(text.into());
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
    /// The span of the primary label, if any.
    pub fn primary_span(&self) -> Option<Span> {
        self.labels.iter().find(|l| l.primary).map(|l| l.span)
    }
}

/// Every diagnostic code meshc emits, with a one-line summary. Codes are stable: a code is never
/// reused for another meaning. `docs/diagnostics.md` explains each with an example.
pub mod codes {
    // Syntax and files.
    pub const SYNTAX: &str = "E0101";
    pub const BAD_LITERAL: &str = "E0102";
    pub const BAD_SERVICE_NAME: &str = "E0103";
    pub const PACKAGE_MISMATCH: &str = "E0104";
    pub const IMPORT_ESCAPES_ROOT: &str = "E0105";
    pub const IMPORT_NOT_FOUND: &str = "E0106";
    pub const TOO_DEEP: &str = "E0107";
    pub const DUPLICATE_IMPORT: &str = "E0108";
    pub const MISPLACED: &str = "E0109";
    // Evaluation.
    pub const CONFLICT: &str = "E0201";
    pub const KIND_MISMATCH: &str = "E0202";
    pub const OUT_OF_BOUND: &str = "E0203";
    pub const NO_MATCH: &str = "E0204";
    pub const NOT_ALLOWED: &str = "E0205";
    pub const UNDEFINED: &str = "E0206";
    pub const CYCLE: &str = "E0207";
    pub const INCOMPLETE: &str = "E0208";
    pub const REQUIRED: &str = "E0209";
    pub const BAD_OPERAND: &str = "E0210";
    pub const ARITHMETIC: &str = "E0211";
    pub const LIST_LENGTH: &str = "E0212";
    pub const BAD_CALL: &str = "E0213";
    pub const AMBIGUOUS: &str = "E0214";
    pub const LIMIT: &str = "E0215";
    pub const BAD_REGEX: &str = "E0216";
    pub const NOT_ITERABLE: &str = "E0217";
    pub const CHECK_FAILED: &str = "E0218";
    pub const CHECK_WARNING: &str = "W0218";
    pub const STRUCTURAL_CYCLE: &str = "E0219";
    // Lowering and built-in guardrails (silenced per service with `allow: {CODE: "reason"}`).
    pub const UNRESOLVED_DEP: &str = "E0301";
    pub const SELF_DEP: &str = "E0302";
    pub const WEIGHTS: &str = "E0303";
    pub const ZERO_WEIGHT: &str = "W0304";
    pub const UNSAFE_RETRY: &str = "E0305";
    pub const SHORT_GRACE: &str = "E0306";
    pub const WIDE_EGRESS: &str = "W0307";
    pub const HPA_ADJUSTED: &str = "W0308";
    pub const PROXY_UNDERSIZED: &str = "W0309";
    pub const CONCURRENCY: &str = "W0310";
    pub const NOBODY_CALLS: &str = "W0311";
    pub const NO_HOOK: &str = "W0312";
    pub const AMBIGUOUS_DEP: &str = "E0313";
    pub const DUPLICATE_OBJECT: &str = "E0314";
    pub const RESERVED_NAMESPACE: &str = "E0315";
    pub const PROBE: &str = "E0316";
    pub const DEFAULT_PROBE: &str = "W0317";
    pub const REPLICAS_AND_AUTOSCALE: &str = "E0318";
    pub const VOLUME: &str = "E0319";
    pub const ENV: &str = "E0321";
    pub const SECURITY_RELAXED: &str = "W0322";
    pub const ZERO_REPLICAS: &str = "E0323";
    pub const EXPOSE: &str = "E0324";
    pub const BAD_SECURITY: &str = "E0325";
    pub const MANAGED_ANNOTATION: &str = "E0326";
    pub const IMMUTABLE_FIELD: &str = "E0330";
    pub const REPLACED_DEPLOYMENT: &str = "W0331";
    pub const BAD_SHAPE: &str = "E0320";

    /// (code, summary) for every code, in order.
    pub const ALL: &[(&str, &str)] = &[
        (SYNTAX, "syntax error"),
        (BAD_LITERAL, "invalid literal (number, unit, escape)"),
        (BAD_SERVICE_NAME, "service name is not a DNS label"),
        (
            PACKAGE_MISMATCH,
            "files of one package name different packages",
        ),
        (IMPORT_ESCAPES_ROOT, "import path leaves the package root"),
        (IMPORT_NOT_FOUND, "imported package not found"),
        (TOO_DEEP, "input nested too deeply"),
        (DUPLICATE_IMPORT, "two imports with one name"),
        (MISPLACED, "declaration not allowed here"),
        (CONFLICT, "conflicting values"),
        (KIND_MISMATCH, "values of different kinds"),
        (OUT_OF_BOUND, "value out of bound"),
        (NO_MATCH, "string does not match pattern"),
        (NOT_ALLOWED, "field not allowed in closed definition"),
        (UNDEFINED, "undefined reference or field"),
        (CYCLE, "reference cycle"),
        (INCOMPLETE, "incomplete value"),
        (REQUIRED, "required field missing"),
        (BAD_OPERAND, "invalid operand for operator"),
        (ARITHMETIC, "arithmetic error (overflow, division by zero)"),
        (LIST_LENGTH, "list length mismatch or index out of range"),
        (BAD_CALL, "invalid builtin call"),
        (AMBIGUOUS, "ambiguous disjunction"),
        (LIMIT, "evaluation limit exceeded"),
        (BAD_REGEX, "invalid regular expression"),
        (NOT_ITERABLE, "comprehension source is not a struct or list"),
        (CHECK_FAILED, "a check block reports an error"),
        (CHECK_WARNING, "a check block reports a warning"),
        (STRUCTURAL_CYCLE, "structural cycle"),
        (UNRESOLVED_DEP, "dependency resolves to no service"),
        (SELF_DEP, "service depends on itself"),
        (WEIGHTS, "version weights do not sum to 100"),
        (ZERO_WEIGHT, "version with weight 0 and no reason"),
        (
            UNSAFE_RETRY,
            "retries widened on a service not marked idempotent",
        ),
        (SHORT_GRACE, "grace period shorter than the preStop sleeps"),
        (
            WIDE_EGRESS,
            "namespace-wide or mesh-wide egress defeats Sidecar scoping",
        ),
        (
            HPA_ADJUSTED,
            "HPA target adjusted for the proxy's CPU share",
        ),
        (PROXY_UNDERSIZED, "proxy sized below what `load` asks for"),
        (CONCURRENCY, "Envoy concurrency above the proxy's vCPUs"),
        (
            NOBODY_CALLS,
            "nobody calls the service and it declares no callers",
        ),
        (
            NO_HOOK,
            "no shell in the image: the proxy drain hook is left out",
        ),
        (
            AMBIGUOUS_DEP,
            "dependency names services in several namespaces",
        ),
        (DUPLICATE_OBJECT, "two generated objects with one name"),
        (RESERVED_NAMESPACE, "service placed in a reserved namespace"),
        (
            PROBE,
            "probe with no handler or several, another port, or partial seconds",
        ),
        (DEFAULT_PROBE, "HTTP service without probes: probed by TCP"),
        (
            REPLICAS_AND_AUTOSCALE,
            "`replicas` and `autoscale` together",
        ),
        (
            VOLUME,
            "volume with no source or several, or two mounts at one path",
        ),
        (ENV, "invalid environment variable name or source"),
        (
            SECURITY_RELAXED,
            "security context relaxed from the defaults",
        ),
        (ZERO_REPLICAS, "`replicas: 0` without a reason"),
        (EXPOSE, "`expose` on a service the ingress cannot route"),
        (
            BAD_SECURITY,
            "security context that cannot run under the mesh",
        ),
        (MANAGED_ANNOTATION, "pod annotation that meshc computes"),
        (IMMUTABLE_FIELD, "`meshc diff`: an immutable field changes"),
        (
            REPLACED_DEPLOYMENT,
            "`meshc diff`: a Deployment is replaced by one with a new name",
        ),
        (
            BAD_SHAPE,
            "value does not have the shape of the stdlib schema",
        ),
    ];
}
