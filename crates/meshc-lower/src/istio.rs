//! Serde types for the Istio objects meshc generates. Field names and shapes follow the CRD
//! schemas of networking.istio.io and security.istio.io (identical in v1 and v1beta1); every
//! optional field is left out when unset.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct IstioObject<S> {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: S,
}

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct SidecarSpec {
    pub workload_selector: WorkloadSelector,
    pub egress: Vec<EgressListener>,
    pub outbound_traffic_policy: OutboundTrafficPolicy,
}

#[derive(Serialize, Debug, Clone)]
pub struct WorkloadSelector {
    pub labels: BTreeMap<String, String>,
}

#[derive(Serialize, Debug, Clone)]
pub struct EgressListener {
    pub hosts: Vec<String>,
}

#[derive(Serialize, Debug, Clone)]
pub struct OutboundTrafficPolicy {
    pub mode: String,
}

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct DestinationRuleSpec {
    pub host: String,
    pub traffic_policy: TrafficPolicy,
    pub subsets: Vec<Subset>,
}

#[derive(Serialize, Debug, Clone)]
pub struct Subset {
    pub name: String,
    pub labels: BTreeMap<String, String>,
}

#[derive(Serialize, Debug, Clone, Default)]
#[serde(rename_all = "camelCase")]
pub struct TrafficPolicy {
    pub load_balancer: LoadBalancer,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_pool: Option<ConnectionPool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outlier_detection: Option<OutlierDetection>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<ClientTls>,
}

#[derive(Serialize, Debug, Clone, Default)]
pub struct LoadBalancer {
    pub simple: String,
}

#[derive(Serialize, Debug, Clone)]
pub struct ClientTls {
    pub mode: String,
}

#[derive(Serialize, Debug, Clone, Default)]
pub struct ConnectionPool {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpPool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpPool>,
}

#[derive(Serialize, Debug, Clone, Default)]
#[serde(rename_all = "camelCase")]
pub struct TcpPool {
    pub max_connections: i64,
}

#[derive(Serialize, Debug, Clone, Default)]
#[serde(rename_all = "camelCase")]
pub struct HttpPool {
    #[serde(
        rename = "http1MaxPendingRequests",
        skip_serializing_if = "Option::is_none"
    )]
    pub http1_max_pending_requests: Option<i64>,
    #[serde(rename = "http2MaxRequests", skip_serializing_if = "Option::is_none")]
    pub http2_max_requests: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_requests_per_connection: Option<i64>,
}

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct OutlierDetection {
    #[serde(rename = "consecutive5xxErrors")]
    pub consecutive_5xx_errors: i64,
    pub interval: String,
    pub base_ejection_time: String,
    pub max_ejection_percent: i64,
}

#[derive(Serialize, Debug, Clone)]
pub struct VirtualServiceSpec {
    pub hosts: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gateways: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub http: Vec<HttpRoute>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tcp: Vec<TcpRoute>,
}

#[derive(Serialize, Debug, Clone)]
pub struct HttpRoute {
    pub name: String,
    #[serde(rename = "match", skip_serializing_if = "Vec::is_empty")]
    pub match_: Vec<HttpMatch>,
    pub route: Vec<RouteDestination>,
    pub retries: HttpRetry,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
}

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct HttpRetry {
    pub attempts: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_try_timeout: Option<String>,
}

#[derive(Serialize, Debug, Clone)]
pub struct TcpRoute {
    pub route: Vec<RouteDestination>,
}

#[derive(Serialize, Debug, Clone)]
pub struct RouteDestination {
    pub destination: Destination,
    pub weight: i64,
}

#[derive(Serialize, Debug, Clone)]
pub struct Destination {
    pub host: String,
    pub subset: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<PortSelector>,
}

#[derive(Serialize, Debug, Clone)]
pub struct PortSelector {
    pub number: i64,
}

#[derive(Serialize, Debug, Clone)]
pub struct PeerAuthenticationSpec {
    pub mtls: MutualTls,
}

#[derive(Serialize, Debug, Clone)]
pub struct MutualTls {
    pub mode: String,
}

#[derive(Serialize, Debug, Clone)]
pub struct AuthorizationPolicySpec {
    pub selector: Selector,
    pub action: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
}

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Selector {
    pub match_labels: BTreeMap<String, String>,
}

#[derive(Serialize, Debug, Clone)]
pub struct Rule {
    pub from: Vec<RuleFrom>,
}

#[derive(Serialize, Debug, Clone)]
pub struct RuleFrom {
    pub source: Source,
}

#[derive(Serialize, Debug, Clone)]
pub struct Source {
    pub principals: Vec<String>,
}

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct ServiceEntrySpec {
    pub hosts: Vec<String>,
    pub export_to: Vec<String>,
    pub location: String,
    pub resolution: String,
    pub ports: Vec<ServiceEntryPort>,
}

#[derive(Serialize, Debug, Clone)]
pub struct ServiceEntryPort {
    pub number: i64,
    pub name: String,
    pub protocol: String,
}

#[derive(Serialize, Debug, Clone)]
pub struct HttpMatch {
    pub uri: StringMatch,
}

#[derive(Serialize, Debug, Clone)]
pub struct StringMatch {
    pub prefix: String,
}

#[derive(Serialize, Debug, Clone)]
pub struct GatewaySpec {
    pub selector: BTreeMap<String, String>,
    pub servers: Vec<Server>,
}

#[derive(Serialize, Debug, Clone)]
pub struct Server {
    pub port: GatewayPort,
    pub hosts: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<ServerTls>,
}

#[derive(Serialize, Debug, Clone)]
pub struct GatewayPort {
    pub number: i64,
    pub name: String,
    pub protocol: String,
}

#[derive(Serialize, Debug, Clone, Default)]
#[serde(rename_all = "camelCase")]
pub struct ServerTls {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub https_redirect: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_name: Option<String>,
}
