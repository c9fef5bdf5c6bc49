//! Serde types for the Kubernetes Gateway API objects meshc generates (`Gateway`,
//! `HTTPRoute`, group gateway.networking.k8s.io), following the upstream CRD schemas; every
//! optional field is left out when unset. The objects reuse [`crate::istio::IstioObject`]'s
//! envelope (apiVersion, kind, metadata, spec).

use serde::Serialize;

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct GatewaySpec {
    pub gateway_class_name: String,
    pub listeners: Vec<Listener>,
}

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Listener {
    pub name: String,
    pub hostname: String,
    pub port: i64,
    pub protocol: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<ListenerTls>,
    pub allowed_routes: AllowedRoutes,
}

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct ListenerTls {
    pub mode: String,
    pub certificate_refs: Vec<ObjectRef>,
}

#[derive(Serialize, Debug, Clone)]
pub struct ObjectRef {
    pub name: String,
}

#[derive(Serialize, Debug, Clone)]
pub struct AllowedRoutes {
    pub namespaces: RouteNamespaces,
}

#[derive(Serialize, Debug, Clone)]
pub struct RouteNamespaces {
    pub from: String,
}

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct HttpRouteSpec {
    pub parent_refs: Vec<ParentRef>,
    pub hostnames: Vec<String>,
    pub rules: Vec<HttpRouteRule>,
}

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct ParentRef {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section_name: Option<String>,
}

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct HttpRouteRule {
    pub matches: Vec<HttpRouteMatch>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<HttpRouteFilter>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub backend_refs: Vec<BackendRef>,
}

#[derive(Serialize, Debug, Clone)]
pub struct HttpRouteMatch {
    pub path: PathMatch,
}

#[derive(Serialize, Debug, Clone)]
pub struct PathMatch {
    #[serde(rename = "type")]
    pub type_: String,
    pub value: String,
}

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct HttpRouteFilter {
    #[serde(rename = "type")]
    pub type_: String,
    pub request_redirect: RequestRedirect,
}

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct RequestRedirect {
    pub scheme: String,
    pub status_code: i64,
}

#[derive(Serialize, Debug, Clone)]
pub struct BackendRef {
    pub name: String,
    pub port: i64,
    pub weight: i64,
}
