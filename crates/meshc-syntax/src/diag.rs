//! Diagnostics: the one error and warning type of every stage of meshc.
//!
//! A [`Diagnostic`] has a stable code (see [`codes`]), a one-line message, a primary label and
//! any number of secondary labels (each a span with a short message), and `help:` / `note:` lines.
//! Rendering (text with codespan-reporting, or JSON) is done by the `meshc` crate.

use crate::span::Span;
use serde::Serialize;

/// How serious a diagnostic is: an error fails the compilation, a warning does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The input is wrong: nothing is written.
    Error,
    /// Worth a look; the output is written.
    Warning,
}

/// A span of source with a short message, shown under the excerpt.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What it says there.
    pub message: String,
    /// The primary label marks the problem; secondary ones what took part.
    pub primary: bool,
}

/// An error or warning: a stable code, a message, labelled spans, help and notes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The stable code, one of [`codes`] (`E0201`).
    pub code: &'static str,
    /// One line saying what is wrong.
    pub message: String,
    /// The spans it points at, the primary one first.
    pub labels: Vec<Label>,
    /// `help:` lines: how to fix it.
    pub help: Vec<String>,
    /// `note:` lines: more context.
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// An error with `code` and `message`, no labels yet.
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
    /// A warning with `code` and `message`, no labels yet.
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
    /// Adds a `help:` line.
    pub fn help(mut self, text: impl Into<String>) -> Self {
        self.help.push(text.into());
        self
    }
    /// Adds a `note:` line.
    pub fn note(mut self, text: impl Into<String>) -> Self {
        self.notes.push(text.into());
        self
    }
    /// Whether this is an error (not a warning).
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
    /// `E0101`: syntax error.
    pub const SYNTAX: &str = "E0101";
    /// `E0102`: invalid literal (number, unit, escape).
    pub const BAD_LITERAL: &str = "E0102";
    /// `E0103`: service name is not a DNS label.
    pub const BAD_SERVICE_NAME: &str = "E0103";
    /// `E0104`: files of one package name different packages.
    pub const PACKAGE_MISMATCH: &str = "E0104";
    /// `E0105`: import path leaves the package root.
    pub const IMPORT_ESCAPES_ROOT: &str = "E0105";
    /// `E0106`: imported package not found.
    pub const IMPORT_NOT_FOUND: &str = "E0106";
    /// `E0107`: input nested too deeply.
    pub const TOO_DEEP: &str = "E0107";
    /// `E0108`: two imports with one name.
    pub const DUPLICATE_IMPORT: &str = "E0108";
    /// `E0109`: declaration not allowed here.
    pub const MISPLACED: &str = "E0109";
    /// `E0110`: unknown tag, or a tag value not of its type.
    pub const BAD_TAG: &str = "E0110";
    // Evaluation.
    /// `E0201`: conflicting values.
    pub const CONFLICT: &str = "E0201";
    /// `E0202`: values of different kinds.
    pub const KIND_MISMATCH: &str = "E0202";
    /// `E0203`: value out of bound.
    pub const OUT_OF_BOUND: &str = "E0203";
    /// `E0204`: string does not match pattern.
    pub const NO_MATCH: &str = "E0204";
    /// `E0205`: field not allowed in closed definition.
    pub const NOT_ALLOWED: &str = "E0205";
    /// `E0206`: undefined reference or field.
    pub const UNDEFINED: &str = "E0206";
    /// `E0207`: reference cycle.
    pub const CYCLE: &str = "E0207";
    /// `E0208`: incomplete value.
    pub const INCOMPLETE: &str = "E0208";
    /// `E0209`: required field missing.
    pub const REQUIRED: &str = "E0209";
    /// `E0210`: invalid operand for operator.
    pub const BAD_OPERAND: &str = "E0210";
    /// `E0211`: arithmetic error (overflow, division by zero).
    pub const ARITHMETIC: &str = "E0211";
    /// `E0212`: list length mismatch or index out of range.
    pub const LIST_LENGTH: &str = "E0212";
    /// `E0213`: invalid builtin call.
    pub const BAD_CALL: &str = "E0213";
    /// `E0214`: ambiguous disjunction.
    pub const AMBIGUOUS: &str = "E0214";
    /// `E0215`: evaluation limit exceeded.
    pub const LIMIT: &str = "E0215";
    /// `E0216`: invalid regular expression.
    pub const BAD_REGEX: &str = "E0216";
    /// `E0217`: comprehension source is not a struct or list.
    pub const NOT_ITERABLE: &str = "E0217";
    /// `E0218`: a check block reports an error.
    pub const CHECK_FAILED: &str = "E0218";
    /// `W0218`: a check block reports a warning.
    pub const CHECK_WARNING: &str = "W0218";
    /// `E0219`: structural cycle.
    pub const STRUCTURAL_CYCLE: &str = "E0219";
    // Lowering and built-in guardrails (silenced per service with `allow: {CODE: "reason"}`).
    /// `E0301`: dependency resolves to no service.
    pub const UNRESOLVED_DEP: &str = "E0301";
    /// `E0302`: service depends on itself.
    pub const SELF_DEP: &str = "E0302";
    /// `E0303`: version weights do not sum to 100.
    pub const WEIGHTS: &str = "E0303";
    /// `W0304`: version with weight 0 and no reason.
    pub const ZERO_WEIGHT: &str = "W0304";
    /// `E0305`: retries widened on a service not marked idempotent.
    pub const UNSAFE_RETRY: &str = "E0305";
    /// `E0306`: grace period shorter than the preStop sleeps.
    pub const SHORT_GRACE: &str = "E0306";
    /// `W0307`: namespace-wide or mesh-wide egress defeats Sidecar scoping.
    pub const WIDE_EGRESS: &str = "W0307";
    /// `W0308`: HPA target adjusted for the proxy's CPU share.
    pub const HPA_ADJUSTED: &str = "W0308";
    /// `W0309`: proxy sized below what `load` asks for.
    pub const PROXY_UNDERSIZED: &str = "W0309";
    /// `W0310`: Envoy concurrency above the proxy's vCPUs.
    pub const CONCURRENCY: &str = "W0310";
    /// `W0311`: nobody calls the service and it declares no callers.
    pub const NOBODY_CALLS: &str = "W0311";
    /// `W0312`: no shell in the image: the proxy drain hook is left out.
    pub const NO_HOOK: &str = "W0312";
    /// `E0313`: dependency names services in several namespaces.
    pub const AMBIGUOUS_DEP: &str = "E0313";
    /// `E0314`: two generated objects with one name.
    pub const DUPLICATE_OBJECT: &str = "E0314";
    /// `E0315`: service placed in a reserved namespace.
    pub const RESERVED_NAMESPACE: &str = "E0315";
    /// `E0316`: probe with no handler or several, another port, or partial seconds.
    pub const PROBE: &str = "E0316";
    /// `W0317`: HTTP service without probes: probed by TCP.
    pub const DEFAULT_PROBE: &str = "W0317";
    /// `E0318`: `replicas` and `autoscale` together.
    pub const REPLICAS_AND_AUTOSCALE: &str = "E0318";
    /// `E0319`: volume with no source or several, or two mounts at one path.
    pub const VOLUME: &str = "E0319";
    /// `E0321`: invalid environment variable name or source.
    pub const ENV: &str = "E0321";
    /// `W0322`: security context relaxed from the defaults.
    pub const SECURITY_RELAXED: &str = "W0322";
    /// `E0323`: `replicas: 0` without a reason.
    pub const ZERO_REPLICAS: &str = "E0323";
    /// `E0324`: `expose` on a service the ingress cannot route.
    pub const EXPOSE: &str = "E0324";
    /// `E0325`: security context that cannot run under the mesh.
    pub const BAD_SECURITY: &str = "E0325";
    /// `E0326`: pod annotation that meshc computes.
    pub const MANAGED_ANNOTATION: &str = "E0326";
    /// `E0327`: patch that contradicts a value meshc computes.
    pub const PATCH_CONFLICT: &str = "E0327";
    /// `E0328`: patch or object field newer than the mesh's Kubernetes version.
    pub const NEWER_FIELD: &str = "E0328";
    /// `E0330`: `meshc diff`: an immutable field changes.
    pub const IMMUTABLE_FIELD: &str = "E0330";
    /// `W0331`: `meshc diff`: a Deployment is replaced by one with a new name.
    pub const REPLACED_DEPLOYMENT: &str = "W0331";
    /// `E0320`: value does not have the shape of the stdlib schema.
    pub const BAD_SHAPE: &str = "E0320";
    // `meshc vet`: guardrails on manifests read from YAML.
    /// `E0340`: manifest that is not valid YAML or not a Kubernetes object.
    pub const BAD_MANIFEST: &str = "E0340";
    /// `E0341`: route to a subset that no DestinationRule defines.
    pub const UNDEFINED_SUBSET: &str = "E0341";
    /// `E0342`: headless Service in front of meshed pods.
    pub const HEADLESS: &str = "E0342";
    /// `E0343`: pods without `app` and `version` labels.
    pub const MISSING_LABELS: &str = "E0343";
    /// `E0344`: AuthorizationPolicy that denies every caller.
    pub const DENY_ALL: &str = "E0344";
    /// `W0345`: container without CPU and memory requests.
    pub const NO_RESOURCES: &str = "W0345";

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
        (BAD_TAG, "unknown tag, or a tag value not of its type"),
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
        (
            PATCH_CONFLICT,
            "patch that contradicts a value meshc computes",
        ),
        (
            NEWER_FIELD,
            "patch or object field newer than the mesh's Kubernetes version",
        ),
        (IMMUTABLE_FIELD, "`meshc diff`: an immutable field changes"),
        (
            REPLACED_DEPLOYMENT,
            "`meshc diff`: a Deployment is replaced by one with a new name",
        ),
        (
            BAD_SHAPE,
            "value does not have the shape of the stdlib schema",
        ),
        (
            BAD_MANIFEST,
            "manifest that is not valid YAML or not a Kubernetes object",
        ),
        (
            UNDEFINED_SUBSET,
            "route to a subset that no DestinationRule defines",
        ),
        (HEADLESS, "headless Service in front of meshed pods"),
        (MISSING_LABELS, "pods without `app` and `version` labels"),
        (DENY_ALL, "AuthorizationPolicy that denies every caller"),
        (NO_RESOURCES, "container without CPU and memory requests"),
    ];
}
