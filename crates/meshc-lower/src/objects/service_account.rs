//! ServiceAccount: the identity that mTLS and the AuthorizationPolicies name. Its token is not
//! mounted by default (`security.automountServiceAccountToken`): the Istio proxy has its own.

use super::Unit;
use crate::{meta, push, Ctx, Object};
use k8s_openapi::api::core::v1::ServiceAccount;

pub(crate) fn build(cx: &mut Ctx<'_>, u: &Unit<'_>, out: &mut Vec<Object>) {
    let s = &cx.services[u.i];
    let sa = ServiceAccount {
        metadata: meta(&s.name, Some(&s.namespace), u.labels.clone()),
        automount_service_account_token: Some(s.security.automount_token.0),
        ..Default::default()
    };
    push(out, Some(&s.name), &sa);
}
