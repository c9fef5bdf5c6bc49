//! Comprehensions: `for`, `if` and `let` clauses.

use super::*;

impl<'a> Evaluator<'a> {
    pub(super) fn run_comprehension(
        &mut self,
        v: VertexId,
        c: &'a Comprehension,
        env: EnvId,
        close: Option<CloseId>,
    ) {
        let mut outs = Vec::new();
        let failed = match self.clauses(&c.clauses, 0, env, &mut outs) {
            Err(d) => {
                self.vx(v).errors.push(d);
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
    }
}
