//! `check "title" { … }` blocks: guardrails written in msh.
//!
//! A check body holds `let`s, `for`/`if` comprehensions (whose bodies are check bodies) and
//! assertions: expressions that must be `true`, or that evaluate to `warn("…")` / `error("…")`,
//! usually as `condition || warn("message")`. A finding points at the value of the first field
//! the assertion refers to, and names the check.

use crate::eval::{EnvId, Evaluator};
use crate::value::K;
use meshc_syntax::ast::{Check, Decl, StructLit};
use meshc_syntax::{codes, Diagnostic, Severity};

pub(crate) fn run<'a>(ev: &mut Evaluator<'a>, check: &'a Check, env: EnvId) {
    body(ev, check, &check.body, env);
}

fn body<'a>(ev: &mut Evaluator<'a>, check: &'a Check, lit: &'a StructLit, env: EnvId) {
    let env = ev.struct_env(env, lit);
    for d in &lit.decls {
        match d {
            Decl::Let(_) | Decl::Ellipsis(_) | Decl::Attr(_) => {}
            Decl::Field(f) => ev.report(
                Diagnostic::error(codes::MISPLACED, "a check holds assertions, `let` and `for`/`if`, not fields")
                    .primary(f.label.span, "a field in a check")
                    .help("write the condition as an expression, for example `port > 1024 || warn(\"…\")`"),
            ),
            Decl::Check(c) => ev.report(
                Diagnostic::error(codes::MISPLACED, "a check cannot contain another check").primary(c.span, "nested check"),
            ),
            Decl::Comprehension(c) => {
                let mut outs = Vec::new();
                if let Err(e) = ev.clauses(&c.clauses, 0, env, &mut outs) {
                    ev.report(e);
                }
                for e in outs {
                    body(ev, check, &c.body, e);
                }
            }
            Decl::Embed(e) => {
                let v = ev.eval_expr(e, env).default_value();
                let at = ev.first_ref_span(e, env).unwrap_or(e.span);
                let finding = match &v.k {
                    K::Bool(true) => None,
                    K::Bool(false) => Some((Severity::Error, format!("check failed: {}", check.title))),
                    K::Finding(s, m) => Some((*s, m.to_string())),
                    K::Bottom(d) => {
                        ev.report(
                            Diagnostic::error(codes::CHECK_FAILED, format!("check `{}` could not be evaluated: {}", check.title, d.message))
                                .primary(d.primary_span().unwrap_or(e.span), "here")
                                .secondary(e.span, "in this assertion"),
                        );
                        None
                    }
                    _ => {
                        ev.report(
                            Diagnostic::error(
                                codes::CHECK_FAILED,
                                format!("check `{}`: an assertion must be a bool or warn(…)/error(…), not {v}", check.title),
                            )
                            .primary(e.span, "this assertion"),
                        );
                        None
                    }
                };
                if let Some((sev, msg)) = finding {
                    let code = if sev == Severity::Error { codes::CHECK_FAILED } else { codes::CHECK_WARNING };
                    let mut d = if sev == Severity::Error { Diagnostic::error(code, msg) } else { Diagnostic::warning(code, msg) };
                    d = d.primary(at, "this value").secondary(e.span, format!("asserted by check `{}`", check.title));
                    ev.report(d);
                }
            }
        }
    }
}
