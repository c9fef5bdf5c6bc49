//! Comprehensions: `for`, `if` and `let` clauses.

use super::*;

impl<'a> Evaluator<'a> {
    /// Whether the optional references of a `try` body are all present, and the expressions
    /// holding them evaluate without error (an incomplete value is fine).
    pub(super) fn try_ok(&mut self, body: &'a StructLit, env: EnvId) -> bool {
        for d in &body.decls {
            let ok = match d {
                Decl::Field(f) => self.try_ok_expr(&f.value, env),
                Decl::Embed(e) => self.try_ok_expr(e, env),
                Decl::Let(l) => self.try_ok_expr(&l.value, env),
                Decl::Comprehension(c) => {
                    // A nested `try` answers for itself.
                    c.clauses.iter().any(|cl| matches!(cl, Clause::Try { .. }))
                        || c.clauses.iter().all(|cl| match cl {
                            Clause::For { source, .. } => self.try_ok_expr(source, env),
                            Clause::If(x) => self.try_ok_expr(x, env),
                            Clause::Let(l) => self.try_ok_expr(&l.value, env),
                            Clause::Try { .. } => true,
                        })
                }
                _ => true,
            };
            if !ok {
                return false;
            }
        }
        true
    }

    /// See [`Self::try_ok`]: struct and list literals are looked into, other expressions
    /// holding an `x?` are evaluated.
    pub(super) fn try_ok_expr(&mut self, e: &'a Expr, env: EnvId) -> bool {
        match &e.kind {
            ExprKind::Struct(s) => self.try_ok(s, env),
            ExprKind::List(l) => l.elems.iter().all(|x| match x {
                ListElem::Expr(x) => self.try_ok_expr(x, env),
                ListElem::Comprehension(_) => true,
            }),
            _ if has_optional(e) => !self.eval_expr(e, env).is_bottom(),
            _ => true,
        }
    }

    /// The environments a comprehension yields its body in: its clauses' bindings, those of
    /// a `try { … }` kept only where the body's optional references are present.
    pub(super) fn yields(
        &mut self,
        c: &'a Comprehension,
        env: EnvId,
        outs: &mut Vec<EnvId>,
    ) -> Result<(), Diagnostic> {
        let r = self.clauses(&c.clauses, 0, env, outs);
        if c.clauses
            .iter()
            .any(|cl| matches!(cl, Clause::Try { binding: None, .. }))
        {
            outs.retain(|&e| self.try_ok(&c.body, e));
        }
        r
    }

    pub(super) fn run_comprehension(
        &mut self,
        v: VertexId,
        c: &'a Comprehension,
        env: EnvId,
        close: Option<CloseId>,
    ) {
        let mut outs = Vec::new();
        let failed = match self.yields(c, env, &mut outs) {
            Err(d) => {
                self.vx(v).rare_mut().errors.push(d);
                true
            }
            Ok(()) => false,
        };
        if outs.is_empty() && !failed {
            if let Some(f) = &c.fallback {
                self.add_conj(
                    v,
                    Conj {
                        src: Src::Yield(&f.body),
                        env,
                        close,
                    },
                );
            }
        }
        for e in outs {
            self.add_conj(
                v,
                Conj {
                    src: Src::Yield(&c.body),
                    env: e,
                    close,
                },
            );
        }
    }

    /// Runs the clauses from `i` on, pushing the environment of every yield.
    pub(crate) fn clauses(
        &mut self,
        cl: &'a [Clause],
        i: usize,
        env: EnvId,
        out: &mut Vec<EnvId>,
    ) -> Result<(), Diagnostic> {
        if i == cl.len() {
            if out.len() >= self.prog.limits.values {
                let d = Diagnostic::error(
                    codes::LIMIT,
                    format!(
                        "a comprehension yields more than {} values",
                        self.prog.limits.values
                    ),
                )
                .primary(clause_span(&cl[0]), "this comprehension")
                .help("nested `for` clauses multiply: the limit is `Limits::values`");
                self.halt(d.clone());
                return Err(d);
            }
            out.push(env);
            return Ok(());
        }
        if let Some(d) = self.guard(clause_span(&cl[i])) {
            return Err(d);
        }
        self.depth += 1;
        let r = grow(|| self.clause(cl, i, env, out));
        self.depth -= 1;
        r
    }

    pub(super) fn clause(
        &mut self,
        cl: &'a [Clause],
        i: usize,
        env: EnvId,
        out: &mut Vec<EnvId>,
    ) -> Result<(), Diagnostic> {
        match &cl[i] {
            Clause::If(cond) => {
                let c = self.eval_expr(cond, env).default_value();
                match c.k {
                    K::Bool(true) => self.clauses(cl, i + 1, env, out),
                    K::Bool(false) => Ok(()),
                    K::Bottom(d) => Err((*d).clone()),
                    _ => Err(Diagnostic::error(
                        codes::INCOMPLETE,
                        format!("the condition of `if` must be a concrete bool, not {}", c),
                    )
                    .primary(cond.span, "this condition")),
                }
            }
            Clause::Let(l) => {
                let env = self.push_env(env, Frame::LetBind { clause: l });
                self.clauses(cl, i + 1, env, out)
            }
            // `try x = v`: no binding where v (with its `y?` references) is absent or an error.
            Clause::Try {
                binding: Some(l), ..
            } => {
                if !self.try_ok_expr(&l.value, env) {
                    return Ok(());
                }
                let env = self.push_env(env, Frame::LetBind { clause: l });
                self.clauses(cl, i + 1, env, out)
            }
            // `try { … }`: the body is checked where it is produced (`try_ok`).
            Clause::Try { binding: None, .. } => self.clauses(cl, i + 1, env, out),
            Clause::For {
                key, value, source, ..
            } => {
                let w = self.resolve_value_vertex(source, env)?;
                let (is_list, fields) = self.items(w);
                let items: Vec<(Val, VertexId)> = fields
                    .into_iter()
                    .enumerate()
                    .map(|(i, (label, a))| {
                        let k = if is_list {
                            K::Int(i as i64)
                        } else {
                            K::Str(label)
                        };
                        (Val::new(k, source.span), a)
                    })
                    .collect();
                for (k, a) in items {
                    let mut e = env;
                    if let Some(kid) = key {
                        e = self.push_env(
                            e,
                            Frame::Bind {
                                name: &kid.name,
                                target: Target::Value(k),
                            },
                        );
                    }
                    e = self.push_env(
                        e,
                        Frame::Bind {
                            name: &value.name,
                            target: Target::Vertex(a),
                        },
                    );
                    self.clauses(cl, i + 1, e, out)?;
                }
                Ok(())
            }
        }
    }
}

pub(super) fn clause_span(c: &Clause) -> Span {
    match c {
        Clause::For { span, .. } => *span,
        Clause::If(e) => e.span,
        Clause::Let(l) => l.span,
        Clause::Try { span, .. } => *span,
    }
}

/// Whether an expression holds an optional reference `x?` (outside nested literals).
fn has_optional(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::OptionalRef(_) => true,
        ExprKind::Select(x, _) | ExprKind::Unary(_, x) | ExprKind::Bound(_, x) => has_optional(x),
        ExprKind::Alias(_, x) => has_optional(x),
        ExprKind::Index(x, i) => has_optional(x) || has_optional(i),
        ExprKind::Slice(x, a, b) => {
            has_optional(x)
                || a.as_deref().is_some_and(has_optional)
                || b.as_deref().is_some_and(has_optional)
        }
        ExprKind::Binary(_, a, b) => has_optional(a) || has_optional(b),
        ExprKind::Unify(xs) | ExprKind::Call(_, xs) => xs.iter().any(has_optional),
        ExprKind::Disj(xs) => xs.iter().any(|(x, _)| has_optional(x)),
        ExprKind::Interp(parts) => parts
            .iter()
            .any(|p| matches!(p, StrPart::Expr(x) if has_optional(x))),
        _ => false,
    }
}
